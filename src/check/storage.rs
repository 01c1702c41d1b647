//! Storage rules, on every running broker's logs: offset index entries are
//! sorted and each names the last offset of the batch at its position (as
//! Kafka's `LogSegment.append` writes them); and compaction keeps the
//! latest record of every key (a tombstone may go once
//! `delete.retention.ms` has passed). Both are checked incrementally: index
//! entries once, records of compacted logs as they are appended, and the
//! surviving keys again after each cleaning.

use super::{broken, Checker, Violation};
use crate::cluster::{Process, World};
use crate::log::{peek, records, Log, Segment};
use crate::topic::TopicPartition;
use std::collections::BTreeMap;

/// What is known of one replica's log.
#[derive(Clone, Debug, Default)]
pub(super) struct LogSeen {
    rewrites: u64,
    truncations: u64,
    /// Index entries verified, per segment base offset.
    index: BTreeMap<i64, usize>,
    /// Compacted logs: records read up to here...
    scanned: i64,
    /// ...and the latest offset of each key, with whether it is a tombstone.
    latest: BTreeMap<Vec<u8>, (i64, bool)>,
}

fn check_index(seg: &Segment, from: usize) -> Result<usize, String> {
    let index = seg.index();
    let mut prev = (from > 0).then(|| index.entry(from - 1));
    for i in from..index.len() {
        let (rel, pos) = index.entry(i);
        if let Some((prel, ppos)) = prev {
            if rel <= prel || pos <= ppos {
                return Err(format!(
                    "entry {i} ({rel}, {pos}) is not after ({prel}, {ppos})"
                ));
            }
        }
        let last = seg
            .log_bytes()
            .get(pos as usize..)
            .and_then(peek)
            .map(|b| b.last_offset());
        if last != Some(seg.base_offset() + i64::from(rel)) {
            return Err(format!(
                "entry {i} ({rel}, {pos}): the batch there ends at {last:?}, not {}",
                seg.base_offset() + i64::from(rel)
            ));
        }
        prev = Some((rel, pos));
    }
    Ok(index.len())
}

/// Every record of `log` from `from` on.
fn records_from(log: &Log, from: i64) -> Vec<crate::log::Record> {
    log.segments()
        .values()
        .filter(|seg| seg.next_offset() > from)
        .flat_map(|seg| seg.batches().map(move |(pos, b)| (seg, pos, b)))
        .filter(|(_, _, b)| b.last_offset() >= from)
        .flat_map(|(seg, pos, b)| records(&seg.log_bytes()[pos..pos + b.size]).unwrap_or_default())
        .filter(|r| r.offset >= from)
        .collect()
}

impl Checker {
    pub(super) fn check_storage(&mut self, world: &World) -> Result<(), Violation> {
        let mut held = 0;
        for (id, slot) in world.brokers() {
            let Process::Up(b) = &slot.process else {
                continue;
            };
            held += b.disk().logs.len();
            for (tp, log) in &b.disk().logs {
                let key = (*id, tp.clone());
                let seen = self.logs.entry(key).or_default();
                let rewritten = seen.rewrites != log.rewrites();
                if rewritten {
                    seen.index.clear();
                }
                seen.index
                    .retain(|base, _| log.segments().contains_key(base));
                for (base, seg) in log.segments() {
                    let from = seen.index.get(base).copied().unwrap_or(0);
                    if from == seg.index().len() {
                        continue;
                    }
                    match check_index(seg, from) {
                        Ok(n) => {
                            seen.index.insert(*base, n);
                        }
                        Err(e) => {
                            return broken(
                                "index entries are sorted and on batch boundaries",
                                format!("broker {id}: {tp} segment {base}: {e}"),
                            )
                        }
                    }
                }
                if log.config().cleanup_policy.compacts() {
                    compaction(*id, tp, log, seen, rewritten, world.now())?;
                }
                seen.rewrites = log.rewrites();
            }
        }
        if self.logs.len() > held {
            // Logs of deleted topics or of brokers that are down: forget them
            // (a broker that comes back is verified again from its start).
            self.logs.retain(|(id, tp), _| {
                world
                    .broker(*id)
                    .is_some_and(|b| b.disk().logs.contains_key(tp))
            });
        }
        Ok(())
    }
}

fn compaction(
    id: i32,
    tp: &TopicPartition,
    log: &Log,
    seen: &mut LogSeen,
    rewritten: bool,
    now: u64,
) -> Result<(), Violation> {
    let leo = log.log_end_offset();
    if leo < seen.scanned || log.truncations() != seen.truncations {
        // Truncated (and maybe written again since): start again from what
        // the log holds now.
        seen.latest.clear();
        seen.scanned = 0;
        seen.truncations = log.truncations();
    } else if rewritten {
        let held: BTreeMap<i64, Option<Vec<u8>>> = log
            .records()
            .into_iter()
            .map(|r| (r.offset, r.key))
            .collect();
        let start = log.log_start_offset();
        let retention = log.config().delete_retention_ms.max(0) as u64;
        for (key, (offset, tombstone)) in &seen.latest {
            let kept = held.get(offset).is_some_and(|k| k.as_deref() == Some(key));
            if !kept && *offset >= start && !(*tombstone && now >= retention) {
                return broken(
                    "compaction keeps the latest value per key",
                    format!(
                        "broker {id}: {tp} lost offset {offset}, the latest record of key {:?}",
                        String::from_utf8_lossy(key)
                    ),
                );
            }
        }
    }
    for r in records_from(log, seen.scanned) {
        if let Some(k) = r.key {
            seen.latest.insert(k, (r.offset, r.value.is_none()));
        }
    }
    seen.scanned = leo;
    Ok(())
}
