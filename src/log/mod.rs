//! The segment store: a partition replica's log laid out as Kafka lays it
//! out on disk, held in memory. Segments sit in a sorted map by base offset;
//! each has a `.log` of record batches (format v2), a sparse `.index` and a
//! `.timeindex`. The log appends as a leader (assign offsets, stamp the
//! leader epoch, keep the bytes) or as a follower (keep the offsets), reads
//! whole batches, finds an offset (floor segment, binary search, bounded
//! scan) or a timestamp, truncates, deletes old segments by retention and
//! compacts (`compact.rs`).
//!
//! Invariants: offsets are contiguous from the log start offset to the log
//! end offset except where compaction removed records; every segment's base
//! offset is its first offset; the last segment is the active one and is
//! never deleted by retention without a roll, nor cleaned.

mod batch;
mod builder;
mod compact;
mod config;
mod crc;
mod epoch;
mod index;
pub mod lab;
mod pages;
mod record;
mod retention;
mod segment;

pub use batch::{
    encode_batch, encode_batch_span, peek, records, validate, BatchInfo, Origin, Record,
    HEADER_BYTES,
};
pub use builder::BatchBuilder;
pub use compact::CleanStats;
pub use config::{CleanupPolicy, LogConfig, MAX_RETENTION_BYTES};
pub use epoch::{LeaderEpochCache, CHECKPOINT_FILE, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET};
pub use index::{
    OffsetIndex, Probe, ProbeStage, TimeIndex, OFFSET_ENTRY_BYTES, TIME_ENTRY_BYTES,
    WARM_SECTION_BYTES,
};
pub use pages::advise_huge_pages;
pub use segment::{file_stem, Found, RollReason, Segment};

use crate::sim::Tick;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// A storage error, named like Kafka's error codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogError {
    /// `OFFSET_OUT_OF_RANGE`: below the log start or past the log end.
    OffsetOutOfRange {
        /// Asked for.
        offset: i64,
        /// First offset held.
        log_start_offset: i64,
        /// Next offset to be written.
        log_end_offset: i64,
    },
    /// `CORRUPT_MESSAGE`: the batch bytes are not a valid v2 batch.
    CorruptMessage(&'static str),
    /// `MESSAGE_TOO_LARGE`: the batch is bigger than `max.message.bytes`.
    MessageTooLarge {
        /// Batch size.
        size: usize,
        /// The limit.
        max: u64,
    },
    /// `RECORD_LIST_TOO_LARGE`: the batch is bigger than a whole segment.
    RecordListTooLarge {
        /// Batch size.
        size: usize,
        /// `segment.bytes`.
        segment_bytes: u64,
    },
    /// `INVALID_RECORD`: e.g. a keyless record for a compacted topic.
    InvalidRecord(&'static str),
    /// A follower's batch does not start at the log end offset.
    UnexpectedAppendOffset {
        /// The batch's first offset.
        base_offset: i64,
        /// Where the log ends.
        log_end_offset: i64,
    },
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogError::OffsetOutOfRange {
                offset,
                log_start_offset,
                log_end_offset,
            } if log_end_offset > log_start_offset => write!(
                f,
                "OFFSET_OUT_OF_RANGE: offset {offset} is not held: offsets {log_start_offset} to {} are, and {log_end_offset} is the log end offset (the next one to be written)",
                log_end_offset - 1
            ),
            LogError::OffsetOutOfRange {
                offset,
                log_end_offset,
                ..
            } => write!(
                f,
                "OFFSET_OUT_OF_RANGE: offset {offset} is not held: the log is empty and its end offset is {log_end_offset}"
            ),
            LogError::CorruptMessage(why) => write!(f, "CORRUPT_MESSAGE: {why}"),
            LogError::MessageTooLarge { size, max } => write!(
                f,
                "MESSAGE_TOO_LARGE: batch of {size} bytes is over max.message.bytes {max}"
            ),
            LogError::RecordListTooLarge {
                size,
                segment_bytes,
            } => write!(
                f,
                "RECORD_LIST_TOO_LARGE: batch of {size} bytes is bigger than segment.bytes {segment_bytes}"
            ),
            LogError::InvalidRecord(why) => write!(f, "INVALID_RECORD: {why}"),
            LogError::UnexpectedAppendOffset {
                base_offset,
                log_end_offset,
            } => write!(
                f,
                "batch starts at offset {base_offset} but the log ends at {log_end_offset}"
            ),
        }
    }
}

impl std::error::Error for LogError {}

/// Something the log did that the event log should tell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LogEvent {
    /// A new active segment.
    Rolled {
        /// Its base offset.
        base_offset: i64,
        /// Why.
        reason: RollReason,
    },
    /// An old segment was deleted; the log start offset moved.
    SegmentDeleted {
        /// Its base offset.
        base_offset: i64,
        /// Where the log starts after it went (the next segment's base).
        next_base: i64,
        /// `retention.ms` or `retention.bytes`.
        reason: &'static str,
    },
    /// The cleaner compacted segments.
    Cleaned(CleanStats),
    /// The log was cut back.
    Truncated {
        /// The new log end offset.
        log_end_offset: i64,
    },
}

/// Result of an append.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppendInfo {
    /// First offset written.
    pub first_offset: i64,
    /// Last offset written.
    pub last_offset: i64,
    /// Size of the batch.
    pub size: usize,
}

/// Where `find` located an offset, and every step it took.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Lookup {
    /// The target offset.
    pub offset: i64,
    /// Base offsets of the segments, and which one the floor search chose.
    pub segment_base: i64,
    /// Index search and scan inside that segment.
    pub found: Found,
}

/// Most deleted segment buffers a log keeps for reuse.
const MAX_SPARE_BUFFERS: usize = 2;
/// Most events a log keeps until someone takes them; later ones are not kept.
pub const MAX_PENDING_EVENTS: usize = 1_024;

/// A partition replica's log.
#[derive(Clone, Debug)]
pub struct Log {
    cfg: LogConfig,
    segments: BTreeMap<i64, Segment>,
    log_start_offset: i64,
    epochs: LeaderEpochCache,
    events: Vec<LogEvent>,
    /// Buffers of deleted segments, for the next segments to reuse.
    spare: Vec<Vec<u8>>,
    /// Times records were removed from the end (truncation) or rewritten
    /// (compaction): anything verified about this log before may be stale.
    rewrites: u64,
    /// Times records were removed from the end (truncation).
    truncations: u64,
}

impl Log {
    /// An empty log with one active segment at offset 0.
    pub fn new(cfg: LogConfig, now: Tick) -> Self {
        let mut segments = BTreeMap::new();
        segments.insert(0, Segment::new(0, &cfg, now));
        Log {
            cfg,
            segments,
            log_start_offset: 0,
            epochs: LeaderEpochCache::default(),
            events: Vec::new(),
            spare: Vec::new(),
            rewrites: 0,
            truncations: 0,
        }
    }

    /// An empty log whose first offset is `start` (a partition that begins
    /// mid-way, like the notes' example at 368796).
    pub fn starting_at(cfg: LogConfig, start: i64, now: Tick) -> Self {
        let mut log = Log::new(cfg, now);
        log.segments.clear();
        log.segments
            .insert(start, Segment::new(start, &log.cfg, now));
        log.log_start_offset = start;
        log
    }

    /// How many times records were truncated away or compacted: a checker
    /// that verified part of the log must look again when this changes.
    pub fn rewrites(&self) -> u64 {
        self.rewrites
    }

    /// How many times records were truncated away from the end.
    pub fn truncations(&self) -> u64 {
        self.truncations
    }

    /// The configuration.
    pub fn config(&self) -> &LogConfig {
        &self.cfg
    }

    /// Segments by base offset.
    pub fn segments(&self) -> &BTreeMap<i64, Segment> {
        &self.segments
    }

    /// First offset still held.
    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset
    }

    /// Next offset to be written (the LEO).
    pub fn log_end_offset(&self) -> i64 {
        self.active().next_offset()
    }

    /// The leader epoch cache (`leader-epoch-checkpoint`).
    pub fn leader_epochs(&self) -> &LeaderEpochCache {
        &self.epochs
    }

    /// The answer to `OffsetsForLeaderEpoch` for `epoch`: the largest epoch
    /// at or below it and where it ends.
    pub fn end_offset_for_epoch(&self, epoch: i32) -> (i32, i64) {
        self.epochs.end_offset_for(epoch, self.log_end_offset())
    }

    /// A new leader records that its epoch starts at the log end offset
    /// (before it appends anything), so it can answer `OffsetsForLeaderEpoch`.
    pub fn assign_leader_epoch(&mut self, epoch: i32) {
        let leo = self.log_end_offset();
        self.epochs.assign(epoch, leo);
    }

    /// Total bytes of all `.log` files.
    pub fn size_bytes(&self) -> usize {
        self.segments.values().map(Segment::size).sum()
    }

    /// What happened since the last call (rolls, deletions, cleaning).
    pub fn take_events(&mut self) -> Vec<LogEvent> {
        std::mem::take(&mut self.events)
    }

    fn push_event(&mut self, event: LogEvent) {
        if self.events.len() < MAX_PENDING_EVENTS {
            self.events.push(event);
        }
    }

    fn active(&self) -> &Segment {
        self.segments
            .values()
            .next_back()
            .expect("a log always has a segment")
    }

    fn active_mut(&mut self) -> &mut Segment {
        self.segments
            .values_mut()
            .next_back()
            .expect("a log always has a segment")
    }

    fn roll(&mut self, now: Tick, reason: RollReason) {
        let next = self.log_end_offset();
        self.active_mut().on_roll();
        self.segments.insert(
            next,
            Segment::reusing(next, &self.cfg, now, self.spare.pop().unwrap_or_default()),
        );
        self.push_event(LogEvent::Rolled {
            base_offset: next,
            reason,
        });
    }

    fn check(&self, batch: &[u8]) -> Result<(BatchInfo, i64), LogError> {
        // In Kafka's order: max.message.bytes, then the segment size.
        if batch.len() as u64 > self.cfg.max_message_bytes {
            return Err(LogError::MessageTooLarge {
                size: batch.len(),
                max: self.cfg.max_message_bytes,
            });
        }
        if batch.len() as u64 > self.cfg.segment_bytes {
            return Err(LogError::RecordListTooLarge {
                size: batch.len(),
                segment_bytes: self.cfg.segment_bytes,
            });
        }
        batch::validate(batch, self.cfg.cleanup_policy.compacts(), Origin::Client)
    }

    fn append_checked(&mut self, now: Tick, info: BatchInfo, bytes: &[u8]) -> AppendInfo {
        let reason = self.active().should_roll(
            &self.cfg,
            bytes.len(),
            info.last_offset(),
            info.max_timestamp,
            now,
        );
        if let Some(reason) = reason {
            self.roll(now, reason);
        }
        let cfg = self.cfg.clone();
        self.active_mut().append(&info, bytes, &cfg);
        self.epochs
            .assign(info.partition_leader_epoch, info.base_offset);
        AppendInfo {
            first_offset: info.base_offset,
            last_offset: info.last_offset(),
            size: bytes.len(),
        }
    }

    /// Appends a producer's batch as the leader does: validate it, give it
    /// the next offsets and this leader's epoch, correct its maxTimestamp to
    /// its records' if the producer's was wrong, keep its bytes.
    pub fn append_as_leader(
        &mut self,
        now: Tick,
        batch: &[u8],
        leader_epoch: i32,
    ) -> Result<AppendInfo, LogError> {
        let (mut info, max_timestamp) = self.check(batch)?;
        info.base_offset = self.log_end_offset();
        info.partition_leader_epoch = leader_epoch;
        if info.max_timestamp == max_timestamp {
            return Ok(self.append_checked(now, info, batch));
        }
        info.max_timestamp = max_timestamp;
        let mut fixed = batch.to_vec();
        batch::set_max_timestamp(&mut fixed, max_timestamp);
        Ok(self.append_checked(now, info, &fixed))
    }

    /// Appends a batch fetched from the leader, keeping its offsets and epoch.
    pub fn append_as_follower(&mut self, now: Tick, batch: &[u8]) -> Result<AppendInfo, LogError> {
        if batch.len() as u64 > self.cfg.segment_bytes {
            return Err(LogError::RecordListTooLarge {
                size: batch.len(),
                segment_bytes: self.cfg.segment_bytes,
            });
        }
        let info = batch::validate_header(batch, Origin::Replication)?;
        if info.base_offset != self.log_end_offset() {
            return Err(LogError::UnexpectedAppendOffset {
                base_offset: info.base_offset,
                log_end_offset: self.log_end_offset(),
            });
        }
        Ok(self.append_checked(now, info, batch))
    }

    fn out_of_range(&self, offset: i64) -> LogError {
        LogError::OffsetOutOfRange {
            offset,
            log_start_offset: self.log_start_offset,
            log_end_offset: self.log_end_offset(),
        }
    }

    /// Finds the batch holding `offset`: the floor segment by base offset,
    /// a binary search of its `.index`, then a forward scan.
    pub fn find(&self, offset: i64) -> Result<Lookup, LogError> {
        if offset < self.log_start_offset || offset >= self.log_end_offset() {
            return Err(self.out_of_range(offset));
        }
        // A compacted segment may have lost its last offsets: move on if so.
        let floor = self.segments.range(..=offset).next_back();
        for (base, seg) in floor.into_iter().chain(self.segments.range(offset + 1..)) {
            if let Some(found) = seg.find(offset) {
                return Ok(Lookup {
                    offset,
                    segment_base: *base,
                    found,
                });
            }
        }
        Err(self.out_of_range(offset))
    }

    /// The segment and position of the batch holding `offset`, found as
    /// `find` finds it but without recording the steps.
    pub fn locate(&self, offset: i64) -> Result<(&Segment, usize), LogError> {
        if offset < self.log_start_offset || offset >= self.log_end_offset() {
            return Err(self.out_of_range(offset));
        }
        let floor = self.segments.range(..=offset).next_back();
        floor
            .into_iter()
            .chain(self.segments.range(offset + 1..))
            .find_map(|(_, seg)| seg.locate(offset).map(|pos| (seg, pos)))
            .ok_or_else(|| self.out_of_range(offset))
    }

    /// Whole batches from the one holding `offset`, up to `max_bytes` (at
    /// least one batch, even if bigger, as Kafka does). Empty at the log end,
    /// or when no batch at or after `offset` is left (a truncated tail).
    pub fn read(&self, offset: i64, max_bytes: usize) -> Result<&[u8], LogError> {
        if offset < self.log_start_offset || offset > self.log_end_offset() {
            return Err(self.out_of_range(offset));
        }
        let Ok((seg, start)) = self.locate(offset) else {
            return Ok(&[]);
        };
        let bytes = seg.log_bytes();
        let mut end = start;
        while let Some(info) = bytes.get(end..).and_then(batch::peek) {
            if end > start && end + info.size - start > max_bytes {
                break;
            }
            end += info.size;
        }
        Ok(&bytes[start..end])
    }

    /// The first offset whose record timestamp is at or after `timestamp`
    /// (Kafka's ListOffsets by time), or `None` when every record is older.
    pub fn offset_for_timestamp(&self, timestamp: i64) -> Option<i64> {
        let seg = self
            .segments
            .values()
            .find(|s| s.max_timestamp() >= timestamp)?;
        let (entry, _) = seg.time_index().lookup(timestamp);
        let from = entry.map_or(seg.base_offset(), |(_, rel)| {
            seg.base_offset() + i64::from(rel)
        });
        let start = seg.locate(from.max(self.log_start_offset))?;
        let bytes = &seg.log_bytes()[start..];
        let mut at = 0;
        while let Some(info) = bytes.get(at..).and_then(batch::peek) {
            if info.max_timestamp >= timestamp {
                let recs = batch::records(&bytes[at..at + info.size]).ok()?;
                if let Some(r) = recs
                    .iter()
                    .find(|r| r.timestamp >= timestamp && r.offset >= self.log_start_offset)
                {
                    return Some(r.offset);
                }
            }
            at += info.size;
        }
        None
    }

    /// Removes every batch at or past `offset` (the batch holding `offset`
    /// goes whole, as in Kafka); later segments are deleted. At or below the
    /// log start offset the log restarts empty at `offset`.
    pub fn truncate_to(&mut self, now: Tick, offset: i64) {
        if offset < 0 || offset >= self.log_end_offset() {
            return;
        }
        if offset <= self.log_start_offset {
            // Start over at `offset`, reusing a segment already based there.
            let reuse = self.segments.remove(&offset);
            self.segments.clear();
            let mut seg = reuse.unwrap_or_else(|| Segment::new(offset, &self.cfg, now));
            seg.truncate_to(offset);
            self.segments.insert(offset, seg);
            self.log_start_offset = offset;
            self.epochs.clear();
        } else {
            self.segments.retain(|base, _| *base <= offset);
            if let Some(seg) = self.segments.values_mut().next_back() {
                seg.truncate_to(offset);
            }
            self.epochs.truncate_from_end(offset);
        }
        self.rewrites += 1;
        self.truncations += 1;
        self.push_event(LogEvent::Truncated {
            log_end_offset: self.log_end_offset(),
        });
    }

    /// Every record held, in offset order (for tests and the inspector).
    pub fn records(&self) -> Vec<Record> {
        self.segments
            .values()
            .flat_map(|s| s.batches().map(move |(pos, b)| (s, pos, b)))
            .flat_map(|(s, pos, b)| {
                batch::records(&s.log_bytes()[pos..pos + b.size]).unwrap_or_default()
            })
            .filter(|r| r.offset >= self.log_start_offset)
            .collect()
    }
}

/// The append benchmark's workload: `count` batches of 100 records, keys
/// from 1000, values of `value_bytes` bytes (shared by the native and the
/// wasm benchmarks so they measure the same bytes).
pub fn sample_batches(count: usize, value_bytes: usize) -> Vec<Vec<u8>> {
    let value = vec![b'x'; value_bytes];
    (0..count as i64)
        .map(|b| {
            let recs: Vec<Record> = (0..100)
                .map(|i| {
                    let key = format!("key-{}", (b * 100 + i) % 1000);
                    Record::new(i, 1_000 + b, Some(key.as_bytes()), Some(&value))
                })
                .collect();
            encode_batch(&recs, 0)
        })
        .collect()
}

#[cfg(test)]
mod tests;
