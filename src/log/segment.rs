//! One segment: the `.log` bytes (whole batches back to back) and its two
//! sparse indexes, kept as Kafka's `LogSegment` keeps them. An index entry
//! is written before a batch when more than `index.interval.bytes` were
//! appended since the last one, mapping the batch's last offset to the
//! batch's start position; the time index records the largest timestamp so
//! far. A segment rolls when the next batch would pass `segment.bytes`,
//! when `segment.ms` passed since its first batch's timestamp, or when an
//! index is full.
//!
//! Invariant: `.log` holds whole batches in offset order; every index entry
//! points at a batch start.

use super::batch::{self, BatchInfo};
use super::index::{OffsetIndex, Probe, TimeIndex};
use super::{pages, LogConfig};
use crate::sim::Tick;
use serde::Serialize;

/// Why a new segment was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RollReason {
    /// The batch would take the segment past `segment.bytes`.
    SegmentBytes,
    /// `segment.ms` passed since the segment's first batch.
    SegmentMs,
    /// The `.index` or `.timeindex` is full (`segment.index.bytes`).
    IndexFull,
    /// The offset no longer fits a 32-bit offset relative to the base.
    RelativeOffsetOverflow,
    /// Retention is deleting every segment, the active one too: a new empty
    /// active segment comes first.
    RetentionDeletesAll,
    /// The broker's disk is over its budget and the active segment is the
    /// only one: rolled so that it can be deleted once replicated.
    DiskBudget,
}

impl RollReason {
    /// Kafka's name of the rule.
    pub fn describe(self) -> &'static str {
        match self {
            RollReason::SegmentBytes => "segment.bytes would be exceeded",
            RollReason::SegmentMs => "segment.ms passed since its first record",
            RollReason::IndexFull => "an index file is full (segment.index.bytes)",
            RollReason::RelativeOffsetOverflow => "offsets would overflow the relative index",
            RollReason::RetentionDeletesAll => {
                "every segment is past retention, the active one too: a new active segment takes over"
            }
            RollReason::DiskBudget => {
                "the broker's disk is over its budget: the active segment is closed so it can be deleted"
            }
        }
    }
}

/// Where an offset sits in a segment, and how it was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Found {
    /// Index entry used as the starting point (relative offset, position).
    pub index_entry: Option<(i32, i32)>,
    /// Binary-search probes in the `.index`.
    pub probes: Vec<Probe>,
    /// Batches read while scanning forward: (position, base offset, last offset).
    pub scanned: Vec<(usize, i64, i64)>,
    /// Bytes of batch headers stepped over (whole batches skipped).
    pub scanned_bytes: usize,
    /// Position of the batch holding the offset.
    pub position: usize,
}

/// One segment of a partition's log.
#[derive(Clone, Debug)]
pub struct Segment {
    base_offset: i64,
    log: Vec<u8>,
    index: OffsetIndex,
    time_index: TimeIndex,
    bytes_since_index: u64,
    next_offset: i64,
    rolling_timestamp: Option<i64>,
    created_at: Tick,
    max_timestamp: i64,
    offset_of_max_timestamp: i64,
}

/// The 20-digit file name stem Kafka uses for a base offset.
pub fn file_stem(base_offset: i64) -> String {
    format!("{base_offset:020}")
}

impl Segment {
    /// An empty segment starting at `base_offset`.
    pub fn new(base_offset: i64, cfg: &LogConfig, now: Tick) -> Self {
        Segment::reusing(base_offset, cfg, now, Vec::new())
    }

    /// An empty segment whose `.log` bytes go into `buffer` (emptied first):
    /// a log reuses the memory of segments retention deleted.
    pub fn reusing(base_offset: i64, cfg: &LogConfig, now: Tick, mut buffer: Vec<u8>) -> Self {
        buffer.clear();
        Segment {
            base_offset,
            log: buffer,
            index: OffsetIndex::new(cfg.segment_index_bytes as usize),
            time_index: TimeIndex::new(cfg.segment_index_bytes as usize),
            bytes_since_index: 0,
            next_offset: base_offset,
            rolling_timestamp: None,
            created_at: now,
            max_timestamp: -1,
            offset_of_max_timestamp: base_offset,
        }
    }

    /// Gives up the `.log` buffer for reuse.
    pub fn into_buffer(self) -> Vec<u8> {
        self.log
    }

    /// First offset (the file name).
    pub fn base_offset(&self) -> i64 {
        self.base_offset
    }

    /// One past the last offset held.
    pub fn next_offset(&self) -> i64 {
        self.next_offset
    }

    /// Size of `.log` in bytes.
    pub fn size(&self) -> usize {
        self.log.len()
    }

    /// The `.log` bytes.
    pub fn log_bytes(&self) -> &[u8] {
        &self.log
    }

    /// The `.index`.
    pub fn index(&self) -> &OffsetIndex {
        &self.index
    }

    /// The `.timeindex`.
    pub fn time_index(&self) -> &TimeIndex {
        &self.time_index
    }

    /// Largest record timestamp (-1 when empty).
    pub fn max_timestamp(&self) -> i64 {
        self.max_timestamp
    }

    /// Decides whether a batch of `size` bytes, last offset `last_offset` and
    /// max timestamp `max_ts` must go into a new segment.
    pub fn should_roll(
        &self,
        cfg: &LogConfig,
        size: usize,
        last_offset: i64,
        max_ts: i64,
        now: Tick,
    ) -> Option<RollReason> {
        if self.log.is_empty() {
            return None;
        }
        let waited = match self.rolling_timestamp {
            Some(first) if first >= 0 => max_ts - first,
            _ => now as i64 - self.created_at as i64,
        };
        if (self.log.len() + size) as u64 > cfg.segment_bytes {
            Some(RollReason::SegmentBytes)
        } else if waited > cfg.segment_ms {
            Some(RollReason::SegmentMs)
        } else if self.index.is_full() || self.time_index.is_full() {
            Some(RollReason::IndexFull)
        } else if last_offset - self.base_offset > i64::from(i32::MAX) {
            Some(RollReason::RelativeOffsetOverflow)
        } else {
            None
        }
    }

    /// Appends one validated batch (as `LogSegment.append`), stamping its
    /// base offset and leader epoch from `info` in place.
    pub fn append(&mut self, info: &BatchInfo, bytes: &[u8], cfg: &LogConfig) {
        let position = self.log.len();
        if position == 0 {
            self.rolling_timestamp = Some(info.max_timestamp);
        }
        pages::extend_log(&mut self.log, bytes);
        batch::stamp(
            &mut self.log[position..],
            info.base_offset,
            info.partition_leader_epoch,
        );
        let last = info.last_offset();
        if info.max_timestamp > self.max_timestamp {
            self.max_timestamp = info.max_timestamp;
            self.offset_of_max_timestamp = last;
        }
        if self.bytes_since_index > cfg.index_interval_bytes {
            let rel = (last - self.base_offset) as i32;
            self.index
                .append(rel, position as i32, (position + bytes.len()) as i32);
            let rel_ts = (self.offset_of_max_timestamp - self.base_offset) as i32;
            self.time_index.maybe_append(self.max_timestamp, rel_ts);
            self.bytes_since_index = 0;
        }
        self.bytes_since_index += bytes.len() as u64;
        self.next_offset = last + 1;
    }

    /// Called when the segment stops being the active one: the time index
    /// gets its final entry.
    pub fn on_roll(&mut self) {
        if self.max_timestamp >= 0 {
            let rel = (self.offset_of_max_timestamp - self.base_offset) as i32;
            self.time_index.maybe_append(self.max_timestamp, rel);
        }
    }

    /// Every batch: position and header.
    pub fn batches(&self) -> impl Iterator<Item = (usize, BatchInfo)> + '_ {
        let mut at = 0usize;
        std::iter::from_fn(move || {
            let info = batch::peek(self.log.get(at..)?)?;
            let pos = at;
            at += info.size;
            Some((pos, info))
        })
    }

    /// Position of the batch holding `offset` (the first with last offset >=
    /// it), by the same search as `find` without recording its steps.
    pub fn locate(&self, offset: i64) -> Option<usize> {
        // An entry names its batch's last offset: past it, start at the next batch.
        let mut at = match self.index.floor_slot(offset - self.base_offset) {
            Some(slot) => {
                let (rel, pos) = self.index.entry(slot);
                if self.base_offset + i64::from(rel) >= offset {
                    pos as usize
                } else {
                    self.index.end(slot) as usize
                }
            }
            None => 0,
        };
        while let Some(info) = self.log.get(at..).and_then(batch::peek) {
            if info.last_offset() >= offset {
                return Some(at);
            }
            at += info.size;
        }
        None
    }

    /// Finds the batch holding `offset` (the first with last offset >= it):
    /// binary search in the `.index`, then a forward scan of batch headers.
    pub fn find(&self, offset: i64) -> Option<Found> {
        let (entry, probes) = self.index.lookup(offset - self.base_offset);
        let mut at = entry.map_or(0, |(_, pos)| pos as usize);
        let mut scanned = Vec::new();
        let mut scanned_bytes = 0;
        while let Some(info) = self.log.get(at..).and_then(batch::peek) {
            scanned.push((at, info.base_offset, info.last_offset()));
            if info.last_offset() >= offset {
                return Some(Found {
                    index_entry: entry,
                    probes,
                    scanned,
                    scanned_bytes,
                    position: at,
                });
            }
            scanned_bytes += info.size;
            at += info.size;
        }
        None
    }

    /// Drops every batch whose last offset is at or past `offset` (as
    /// `LogSegment.truncateTo`: the batch holding `offset` goes whole) and,
    /// as `LocalLog.truncateTo` does, makes `offset` the next offset.
    /// Returns the bytes removed.
    pub fn truncate_to(&mut self, offset: i64) -> usize {
        let position = self.locate(offset).unwrap_or(self.log.len());
        let removed = self.log.len() - position;
        self.log.truncate(position);
        self.index.truncate_to_position(position as i32);
        self.next_offset = offset;
        self.time_index
            .truncate_to_offset((self.next_offset - self.base_offset) as i32);
        self.max_timestamp = -1;
        let infos: Vec<BatchInfo> = self.batches().map(|(_, b)| b).collect();
        for b in &infos {
            if b.max_timestamp > self.max_timestamp {
                self.max_timestamp = b.max_timestamp;
                self.offset_of_max_timestamp = b.last_offset();
            }
        }
        if self.log.is_empty() {
            self.rolling_timestamp = None;
        }
        self.bytes_since_index = self.bytes_since_last_entry();
        removed
    }

    fn bytes_since_last_entry(&self) -> u64 {
        let last_pos = self
            .index
            .len()
            .checked_sub(1)
            .map(|i| self.index.entry(i).1 as usize);
        match last_pos {
            Some(p) => (self.log.len() - p) as u64,
            None => self.log.len() as u64,
        }
    }

    /// A segment with the same base holding `batches` (re-indexed), for the cleaner.
    pub fn rebuilt(base_offset: i64, batches: &[Vec<u8>], cfg: &LogConfig, now: Tick) -> Segment {
        let mut seg = Segment::new(base_offset, cfg, now);
        for b in batches {
            if let Some(info) = batch::peek(b) {
                seg.append(&info, b, cfg);
            }
        }
        seg.on_roll();
        seg
    }

    /// The three files Kafka would have on disk for this segment, named by base offset.
    pub fn files(&self) -> [(String, &[u8]); 3] {
        let stem = file_stem(self.base_offset);
        [
            (format!("{stem}.log"), &self.log),
            (format!("{stem}.index"), self.index.bytes()),
            (format!("{stem}.timeindex"), self.time_index.bytes()),
        ]
    }
}
