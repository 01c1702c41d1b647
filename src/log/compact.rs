//! The log cleaner for `cleanup.policy=compact`: keep the latest record per
//! key. It builds a map of each key's latest offset over the cleanable
//! segments (every segment before the active one, below the high
//! watermark), rewrites each of them keeping only records that are the
//! latest for their key (tombstones too, until they are older than
//! `delete.retention.ms`), keeps each v2 batch's base and last offset and
//! leader epoch, and merges neighbouring cleaned segments while they fit in
//! `segment.bytes`.
//!
//! Invariants: the active segment is never cleaned; offsets never change;
//! for every key the latest record survives.

use super::batch::{self, encode_batch_span};
use super::{Log, LogEvent, Segment};
use crate::sim::Tick;
use serde::Serialize;
use std::collections::BTreeMap;

/// What one cleaning pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CleanStats {
    /// Segments cleaned.
    pub segments_before: usize,
    /// Segments they became (after merging).
    pub segments_after: usize,
    /// Records dropped because a newer record has the same key.
    pub records_removed: usize,
    /// Tombstones dropped because they outlived `delete.retention.ms`.
    pub tombstones_removed: usize,
    /// `.log` bytes before.
    pub bytes_before: usize,
    /// `.log` bytes after.
    pub bytes_after: usize,
}

impl Log {
    /// Runs one cleaning pass; `None` when the log is not compacted or has
    /// nothing cleanable.
    pub fn compact(&mut self, now: Tick, high_watermark: i64) -> Option<CleanStats> {
        if !self.cfg.cleanup_policy.compacts() {
            return None;
        }
        let bases: Vec<i64> = self.segments.keys().copied().collect();
        let active = *bases.last()?;
        let first_uncleanable = active.min(high_watermark);
        let cleanable: Vec<i64> = bases
            .windows(2)
            .filter(|w| w[1] <= first_uncleanable && w[0] < active)
            .map(|w| w[0])
            .collect();
        if cleanable.is_empty() {
            return None;
        }
        let mut latest: BTreeMap<Vec<u8>, i64> = BTreeMap::new();
        for base in &cleanable {
            for r in segment_records(&self.segments[base]) {
                if let Some(k) = r.1.key {
                    latest.insert(k, r.1.offset);
                }
            }
        }
        let mut stats = CleanStats {
            segments_before: cleanable.len(),
            ..CleanStats::default()
        };
        let mut cleaned: Vec<(i64, Vec<Vec<u8>>)> = Vec::new();
        for base in &cleanable {
            let seg = self.segments.remove(base).expect("listed above");
            stats.bytes_before += seg.size();
            let mut kept_batches = Vec::new();
            for (pos, info) in seg.batches() {
                let bytes = &seg.log_bytes()[pos..pos + info.size];
                // Every stored batch passed validation; should one not parse,
                // keep it whole rather than lose its offsets.
                let Ok(recs) = batch::records(bytes) else {
                    kept_batches.push(bytes.to_vec());
                    continue;
                };
                let mut kept = Vec::with_capacity(recs.len());
                for r in recs {
                    let newest = r
                        .key
                        .as_ref()
                        .is_none_or(|k| latest.get(k) == Some(&r.offset));
                    let expired_tombstone = r.value.is_none()
                        && now as i64 - r.timestamp > self.cfg.delete_retention_ms;
                    if !newest {
                        stats.records_removed += 1;
                    } else if expired_tombstone {
                        stats.tombstones_removed += 1;
                    } else {
                        kept.push(r);
                    }
                }
                if !kept.is_empty() {
                    kept_batches.push(encode_batch_span(
                        &kept,
                        info.partition_leader_epoch,
                        info.base_offset,
                        info.last_offset(),
                    ));
                }
            }
            cleaned.push((*base, kept_batches));
        }
        // Merge neighbours while the result fits in one segment.
        let mut groups: Vec<(i64, Vec<Vec<u8>>)> = Vec::new();
        for (base, batches) in cleaned {
            let size: usize = batches.iter().map(Vec::len).sum();
            match groups.last_mut() {
                Some((_, g))
                    if (g.iter().map(Vec::len).sum::<usize>() + size) as u64
                        <= self.cfg.segment_bytes =>
                {
                    g.extend(batches)
                }
                _ => groups.push((base, batches)),
            }
        }
        stats.segments_after = groups.len();
        for (base, batches) in groups {
            let seg = Segment::rebuilt(base, &batches, &self.cfg, now);
            stats.bytes_after += seg.size();
            self.segments.insert(base, seg);
        }
        self.rewrites += 1;
        self.push_event(LogEvent::Cleaned(stats.clone()));
        Some(stats)
    }
}

fn segment_records(seg: &Segment) -> Vec<(usize, batch::Record)> {
    seg.batches()
        .flat_map(|(pos, info)| {
            batch::records(&seg.log_bytes()[pos..pos + info.size])
                .unwrap_or_default()
                .into_iter()
                .map(move |r| (pos, r))
        })
        .collect()
}
