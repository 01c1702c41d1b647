//! The acknowledged-records ledger: every batch a producer saw acknowledged,
//! with the offset the leader gave it. Whenever a partition gets a new
//! leader, the ledger is checked against that leader's log: an
//! acknowledged record the new leader does not hold at its offset is lost
//! for good (the leader's log is the partition from then on, and followers
//! truncate to it). This is the counter the page always shows.
//!
//! Invariant: a record is counted lost at most once; records removed by
//! retention (below the log start offset) are not losses.

use crate::client::producer::AckedBatch;
use crate::log::{records, Log};
use crate::topic::TopicPartition;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Most lost records listed (the count goes on).
pub const MAX_LOST_LISTED: usize = 10_000;
/// Most acks=0 batches remembered per partition.
const MAX_UNKNOWN_OFFSET: usize = 10_000;
/// Most acknowledged batches remembered per partition; past it the oldest
/// are no longer checked (batches below the leader's log start offset are
/// forgotten anyway: retention removed them, which is no loss).
pub const MAX_ACKED_BATCHES: usize = 65_536;

/// An acknowledged record that is gone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LostRecord {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// Offset it was acknowledged at (-1 for acks=0).
    pub offset: i64,
    /// The producer.
    pub producer: i32,
    /// The producer's running number of the record.
    pub seq: u64,
    /// Broker that acknowledged it.
    pub acked_by: i32,
    /// When the loss was found (a new leader without it).
    pub found_at_ms: u64,
}

#[derive(Clone, Debug)]
struct Entry {
    producer: i32,
    seqs: Vec<u64>,
    broker: i32,
}

/// Acknowledged batches per partition and the losses found.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    acked: BTreeMap<TopicPartition, BTreeMap<i64, Entry>>,
    unknown: BTreeMap<TopicPartition, Vec<(u64, Entry)>>,
    leaders: BTreeMap<TopicPartition, (i32, i32)>,
    lost: Vec<LostRecord>,
    lost_total: u64,
}

fn value_id(producer: i32, seq: u64) -> String {
    format!("producer-{producer}#{seq}")
}

fn holds(value: Option<&[u8]>, id: &str) -> bool {
    let Some(v) = value else {
        return false;
    };
    v.starts_with(id.as_bytes()) && !v.get(id.len()).is_some_and(u8::is_ascii_digit)
}

impl Ledger {
    /// Records an acknowledgement.
    pub fn acked(&mut self, producer: i32, batch: AckedBatch, now: u64) {
        let entry = Entry {
            producer,
            seqs: batch.seqs,
            broker: batch.broker,
        };
        if batch.base_offset < 0 {
            let list = self.unknown.entry(batch.tp).or_default();
            if list.len() >= MAX_UNKNOWN_OFFSET {
                list.remove(0);
            }
            list.push((now, entry));
        } else {
            let batches = self.acked.entry(batch.tp).or_default();
            batches.insert(batch.base_offset, entry);
            if batches.len() > MAX_ACKED_BATCHES {
                batches.pop_first();
            }
        }
    }

    /// Forgets the acknowledged batches of `tp` wholly below
    /// `log_start_offset`: retention removed them from the leader.
    pub fn forget_below(&mut self, tp: &TopicPartition, log_start_offset: i64) {
        let Some(batches) = self.acked.get_mut(tp) else {
            return;
        };
        while let Some(entry) = batches.first_entry() {
            if *entry.key() + entry.get().seqs.len() as i64 > log_start_offset {
                break;
            }
            entry.remove();
        }
    }

    /// The leader (and epoch) the ledger last checked `tp` against.
    pub fn leader(&self, tp: &TopicPartition) -> Option<(i32, i32)> {
        self.leaders.get(tp).copied()
    }

    /// Acknowledged records the ledger still checks (not found lost, not
    /// below the leader's log start offset).
    pub fn acked_count(&self) -> u64 {
        self.acked
            .values()
            .flat_map(|m| m.values())
            .map(|e| e.seqs.len() as u64)
            .sum()
    }

    /// Acknowledged records lost so far.
    pub fn lost_total(&self) -> u64 {
        self.lost_total
    }

    /// The lost records (the first `MAX_LOST_LISTED`).
    pub fn lost(&self) -> &[LostRecord] {
        &self.lost
    }

    fn lose(&mut self, tp: &TopicPartition, offset: i64, e: &Entry, seq: u64, now: u64) {
        self.lost_total += 1;
        if self.lost.len() < MAX_LOST_LISTED {
            self.lost.push(LostRecord {
                topic: tp.topic.clone(),
                partition: tp.partition,
                offset,
                producer: e.producer,
                seq,
                acked_by: e.broker,
                found_at_ms: now,
            });
        }
    }

    /// `leader` now leads `tp` in `epoch`: checks every acknowledged record
    /// against its log. Returns how many were found lost.
    pub fn audit(
        &mut self,
        tp: &TopicPartition,
        leader: i32,
        epoch: i32,
        log: &Log,
        now: u64,
    ) -> u64 {
        self.leaders.insert(tp.clone(), (leader, epoch));
        let before = self.lost_total;
        let start = log.log_start_offset();
        let entries = self.acked.remove(tp).unwrap_or_default();
        let mut keep = BTreeMap::new();
        for (base, e) in entries {
            let last = base + e.seqs.len() as i64 - 1;
            if last < start {
                continue;
            }
            let held = Self::held_values(log, base, last);
            let mut missing = Vec::new();
            for (i, seq) in e.seqs.iter().enumerate() {
                let off = base + i as i64;
                if off < start {
                    continue;
                }
                let id = value_id(e.producer, *seq);
                if !held.get(&off).is_some_and(|v| holds(v.as_deref(), &id)) {
                    missing.push((off, *seq));
                }
            }
            for (off, seq) in &missing {
                self.lose(tp, *off, &e, *seq, now);
            }
            if missing.is_empty() {
                keep.insert(base, e);
            }
        }
        if !keep.is_empty() {
            self.acked.insert(tp.clone(), keep);
        }
        if let Some(list) = self.unknown.remove(tp) {
            let ids: BTreeSet<Vec<u8>> = log
                .records()
                .into_iter()
                .filter_map(|r| r.value)
                .map(|v| {
                    let end = v
                        .iter()
                        .position(|c| *c == b' ' || *c == b'.')
                        .unwrap_or(v.len());
                    v[..end].to_vec()
                })
                .collect();
            let mut keep = Vec::new();
            for (at, e) in list {
                if at >= now || e.broker == leader {
                    keep.push((at, e));
                    continue;
                }
                let mut all = true;
                for seq in &e.seqs {
                    if !ids.contains(value_id(e.producer, *seq).as_bytes()) {
                        self.lose(tp, -1, &e, *seq, now);
                        all = false;
                    }
                }
                if all {
                    keep.push((at, e));
                }
            }
            self.unknown.insert(tp.clone(), keep);
        }
        self.lost_total - before
    }

    fn held_values(log: &Log, first: i64, last: i64) -> BTreeMap<i64, Option<Vec<u8>>> {
        let mut out = BTreeMap::new();
        let mut at = first.max(log.log_start_offset());
        while at <= last && at < log.log_end_offset() {
            let Ok(bytes) = log.read(at, 1) else {
                break;
            };
            let Ok(recs) = records(bytes) else {
                break;
            };
            let Some(end) = recs.last().map(|r| r.offset) else {
                break;
            };
            for r in recs {
                out.insert(r.offset, r.value);
            }
            at = (end + 1).max(at + 1);
        }
        out
    }

    /// Forgets a deleted topic.
    pub fn forget_topic(&mut self, topic: &str) {
        self.acked.retain(|tp, _| tp.topic != topic);
        self.unknown.retain(|tp, _| tp.topic != topic);
        self.leaders.retain(|tp, _| tp.topic != topic);
    }
}
