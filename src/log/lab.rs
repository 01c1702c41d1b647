//! The storage lab: one partition's log to explore on its own, as a leader
//! holds it. Batches arrive the way a leader appends produce requests
//! (offsets assigned, leader epoch stamped), time passes so retention can
//! delete segments, and the cleaner can be run on a compacted log. Presets
//! recreate situations worth looking at, first of all the notes' example: a
//! partition whose second segment is based at 368796, where offset 368801 is
//! found.
//!
//! Invariant: everything is derived from the preset and the calls made, so
//! a lab is as deterministic as the rest of the simulation.

use super::{encode_batch, CleanupPolicy, Log, LogConfig, LogEvent, Record};
use crate::sim::Tick;
use serde::Serialize;

/// Most bytes a lab's log may hold.
pub const MAX_LAB_BYTES: usize = 64 << 20;
/// Most batches one append call may add.
pub const MAX_APPEND_BATCHES: u32 = 1_000;
/// Longest value, in bytes.
pub const MAX_VALUE_BYTES: u32 = 4_096;
/// Most records per batch.
pub const MAX_RECORDS_PER_BATCH: u32 = 500;
/// Simulated ms between two appended batches.
const MS_PER_BATCH: Tick = 50;

/// A preset's name and what it shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Preset {
    /// Identifier used by `Lab::new`.
    pub id: &'static str,
    /// Short title.
    pub title: &'static str,
    /// What to look at.
    pub explanation: &'static str,
}

/// Every preset, the notes' example first.
pub const PRESETS: [Preset; 3] = [
    Preset {
        id: "notes",
        title: "The notes' example: find offset 368801",
        explanation: "A partition is a folder of segments named by their first offset. Here 00000000000000000000.log holds offsets 0 to 368795 and 00000000000000368796.log starts at 368796. To find offset 368801 Kafka takes the segment with the largest base offset at or below it (368796), binary-searches its sparse .index for the last entry at or below 368801 - 368796 = 5, and scans the .log forward from that position batch by batch. 368801 lies below the segment's first index entry, so the scan starts at position 0; find 500000 to watch Kafka's search of the .index (warm section first, then a binary search). Kafka's defaults (index.interval.bytes 4096, retention.ms 7 days) except segment.ms, one day here: the segments were rolled a day apart, so advancing time by days shows retention.",
    },
    Preset {
        id: "rolling",
        title: "Segments roll and retention deletes them",
        explanation: "Scaled settings: segment.bytes 16384, index.interval.bytes 1024, segment.ms 30 s, retention.ms 60 s. Append batches to watch the active segment fill and roll into a new file; advance time to watch retention delete whole old segments and move the log start offset.",
    },
    Preset {
        id: "compaction",
        title: "Compaction keeps the latest value per key",
        explanation: "cleanup.policy=compact with 8 keys and a few tombstones (null values). Run the cleaner: in every segment but the active one only the latest record of each key survives; offsets never change, and tombstones stay until they are older than delete.retention.ms (10 s here).",
    },
];

/// One partition's log with a clock and a record generator.
#[derive(Clone, Debug)]
pub struct Lab {
    preset: &'static str,
    log: Log,
    now: Tick,
    produced: u64,
    key_space: u64,
}

const WORDS: [&str; 8] = [
    "order placed",
    "payment captured",
    "item shipped",
    "address changed",
    "cart updated",
    "refund issued",
    "login",
    "review posted",
];

impl Lab {
    /// A lab from a preset id.
    pub fn new(preset: &str) -> Result<Lab, String> {
        match preset {
            "notes" => Ok(Lab::notes()),
            "rolling" => {
                let mut lab = Lab::empty("rolling", LogConfig::app_default(), 0, 1_000);
                lab.append(12, 10, 40)?;
                lab.log.take_events();
                Ok(lab)
            }
            "compaction" => {
                let cfg = LogConfig {
                    segment_bytes: 2_048,
                    index_interval_bytes: 256,
                    max_message_bytes: 2_048,
                    cleanup_policy: CleanupPolicy::Compact,
                    ..LogConfig::app_default()
                };
                let mut lab = Lab::empty("compaction", cfg, 0, 8);
                lab.append(30, 4, 12)?;
                lab.append_tombstone(3)?;
                lab.append(6, 4, 12)?;
                lab.log.take_events();
                Ok(lab)
            }
            other => Err(format!(
                "unknown preset {other:?}: use one of {}",
                PRESETS.map(|p| p.id).join(", ")
            )),
        }
    }

    fn empty(preset: &'static str, cfg: LogConfig, start: i64, key_space: u64) -> Lab {
        Lab {
            preset,
            log: Log::starting_at(cfg, start, 0),
            now: 0,
            produced: 0,
            key_space,
        }
    }

    /// Segment 0 holds offsets 0..=368795 (batches of 100 records), segment
    /// 368796 rolled by segment.ms holds as many again, and an active third
    /// segment a few batches. Templates are encoded once and appended many
    /// times: the leader gives each copy its offsets.
    fn notes() -> Lab {
        // segment.ms one day (Kafka's default is 7): three segments a day
        // apart all stay well inside the default 7-day retention.ms.
        let cfg = LogConfig {
            segment_ms: 86_400_000,
            ..LogConfig::default()
        };
        let roll_ms = cfg.segment_ms as Tick + 1;
        let mut lab = Lab::empty("notes", cfg, 0, 100);
        let mut segment_start: i64 = 0;
        for segment in 0..3u64 {
            // Records of each segment are stamped segment.ms apart, so each
            // new segment starts by segment.ms exactly where the notes say.
            let ts = (segment * roll_ms) as i64;
            let templates: Vec<Vec<u8>> = (0..8).map(|t| lab.template(t, 100, ts)).collect();
            let target = if segment < 2 { 368_796 } else { 700 };
            let mut n = 0;
            while n < target {
                let count = (target - n).min(100);
                let bytes = if count == 100 {
                    templates[(n / 100) as usize % templates.len()].clone()
                } else {
                    lab.template(9, count as usize, ts)
                };
                // Each segment written under a new leader: leader epochs 0, 1, 2.
                lab.log
                    .append_as_leader(ts as Tick, &bytes, segment as i32)
                    .expect("template batches are valid");
                n += count;
            }
            segment_start += target;
            debug_assert_eq!(lab.log.log_end_offset(), segment_start);
        }
        lab.now = 2 * roll_ms + 10;
        lab.produced = segment_start as u64;
        lab.log.take_events();
        lab
    }

    /// A batch of `count` records with template keys and values, stamped
    /// `timestamp` (offsets relative: the leader assigns the real ones).
    fn template(&self, t: u64, count: usize, timestamp: i64) -> Vec<u8> {
        let recs: Vec<Record> = (0..count)
            .map(|i| {
                let key = format!("user-{}", (t * 37 + i as u64 * 11) % self.key_space.max(1));
                let value = WORDS[(t as usize + i) % WORDS.len()];
                Record::new(
                    i as i64,
                    timestamp,
                    Some(key.as_bytes()),
                    Some(value.as_bytes()),
                )
            })
            .collect();
        encode_batch(&recs, 0)
    }

    /// The preset this lab started from.
    pub fn preset(&self) -> &'static str {
        self.preset
    }

    /// The log.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// The lab's clock (ms).
    pub fn now(&self) -> Tick {
        self.now
    }

    fn record(&mut self, i: u64, value_bytes: usize, tombstone: bool) -> Record {
        let n = self.produced + i;
        let key = format!("user-{}", n % self.key_space.max(1));
        let mut value = format!("{} #{n} ", WORDS[n as usize % WORDS.len()]).into_bytes();
        value.resize(value_bytes, b'.');
        let value = (!tombstone).then_some(&value[..]);
        Record::new(i as i64, self.now as i64, Some(key.as_bytes()), value)
    }

    /// Appends `batches` batches of `records_per_batch` records with values
    /// of `value_bytes`; returns what happened, in words.
    pub fn append(
        &mut self,
        batches: u32,
        records_per_batch: u32,
        value_bytes: u32,
    ) -> Result<Vec<String>, String> {
        if !(1..=MAX_APPEND_BATCHES).contains(&batches) {
            return Err(format!(
                "batches {batches} must be between 1 and {MAX_APPEND_BATCHES}"
            ));
        }
        if !(1..=MAX_RECORDS_PER_BATCH).contains(&records_per_batch) {
            return Err(format!(
                "records per batch {records_per_batch} must be between 1 and {MAX_RECORDS_PER_BATCH}"
            ));
        }
        if value_bytes > MAX_VALUE_BYTES {
            return Err(format!(
                "value bytes {value_bytes} is over the limit of {MAX_VALUE_BYTES}"
            ));
        }
        let mut lines = Vec::new();
        for _ in 0..batches {
            if self.log.size_bytes() >= MAX_LAB_BYTES {
                lines.push(format!(
                    "the lab holds {MAX_LAB_BYTES} bytes, its limit: nothing more appended"
                ));
                break;
            }
            let recs: Vec<Record> = (0..u64::from(records_per_batch))
                .map(|i| self.record(i, value_bytes as usize, false))
                .collect();
            self.append_batch(&recs, &mut lines)?;
        }
        Ok(lines)
    }

    fn append_tombstone(&mut self, count: u64) -> Result<Vec<String>, String> {
        let recs: Vec<Record> = (0..count).map(|i| self.record(i, 0, true)).collect();
        let mut lines = Vec::new();
        self.append_batch(&recs, &mut lines)?;
        Ok(lines)
    }

    fn append_batch(&mut self, recs: &[Record], lines: &mut Vec<String>) -> Result<(), String> {
        let bytes = encode_batch(recs, 0);
        // The same leader keeps writing: its epoch, the latest one.
        let epoch = self.log.leader_epochs().latest_epoch().unwrap_or(0);
        self.log
            .append_as_leader(self.now, &bytes, epoch)
            .map_err(|e| e.to_string())?;
        self.produced += recs.len() as u64;
        self.now += MS_PER_BATCH;
        lines.extend(self.describe());
        Ok(())
    }

    /// Lets `ms` of time pass, then applies retention.
    pub fn advance(&mut self, ms: Tick) -> Vec<String> {
        let ms = ms.min(365 * 24 * 3_600_000);
        self.now = self.now.saturating_add(ms);
        let hw = self.log.log_end_offset();
        self.log.apply_retention(self.now, hw);
        let mut lines = vec![format!("{} s later", ms as f64 / 1000.0)];
        lines.extend(self.describe());
        lines
    }

    /// Runs one cleaning pass.
    pub fn clean(&mut self) -> Vec<String> {
        let hw = self.log.log_end_offset();
        if self.log.compact(self.now, hw).is_none() {
            return vec![if self.log.config().cleanup_policy.compacts() {
                "nothing to clean: only the active segment holds records".to_string()
            } else {
                "cleanup.policy is delete: the cleaner does not touch this log".to_string()
            }];
        }
        self.describe()
    }

    /// The log's events since the last call, in words.
    fn describe(&mut self) -> Vec<String> {
        self.log
            .take_events()
            .into_iter()
            .map(|e| match e {
                LogEvent::Rolled { base_offset, reason } => format!(
                    "rolled a new active segment {}.log: {}",
                    super::file_stem(base_offset),
                    reason.describe()
                ),
                LogEvent::SegmentDeleted {
                    base_offset,
                    next_base,
                    reason,
                } => format!(
                    "deleted segment {}.log ({reason}); the log now starts at {}",
                    super::file_stem(base_offset),
                    next_base
                ),
                LogEvent::Cleaned(s) => format!(
                    "cleaner: {} segment(s) became {}, {} records with a newer value for their key removed, {} old tombstones removed, {} -> {} bytes",
                    s.segments_before, s.segments_after, s.records_removed, s.tombstones_removed, s.bytes_before, s.bytes_after
                ),
                LogEvent::Truncated { log_end_offset } => {
                    format!("truncated: log end offset is now {log_end_offset}")
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notes_preset_has_its_second_segment_at_368796() {
        let lab = Lab::new("notes").unwrap();
        let bases: Vec<i64> = lab.log().segments().keys().copied().collect();
        assert_eq!(bases, vec![0, 368_796, 737_592]);
        let l = lab.log().find(368_801).unwrap();
        assert_eq!(l.segment_base, 368_796);
        let seg = &lab.log().segments()[&0];
        assert_eq!(seg.next_offset(), 368_796);
        assert!(seg.index().len() > 1_000, "sparse index of a big segment");
        assert_eq!(
            lab.log().leader_epochs().checkpoint(),
            "0\n3\n0 0\n1 368796\n2 737592\n"
        );
    }

    #[test]
    fn rolling_and_retention_show_in_words() {
        let mut lab = Lab::new("rolling").unwrap();
        let lines = lab.append(40, 10, 40).unwrap();
        assert!(lines
            .iter()
            .any(|l| l.contains("rolled a new active segment") && l.contains("segment.bytes")));
        let lines = lab.advance(120_000);
        assert!(lines
            .iter()
            .any(|l| l.contains("deleted segment") && l.contains("retention.ms")));
        assert!(lab.append(0, 1, 1).is_err());
        assert!(lab.append(1, 1, MAX_VALUE_BYTES + 1).is_err());
    }

    #[test]
    fn every_preset_has_a_valid_config_and_keeps_the_leader_epoch() {
        for p in PRESETS {
            let mut lab = Lab::new(p.id).unwrap();
            lab.log()
                .config()
                .validate()
                .unwrap_or_else(|e| panic!("{}: {e}", p.id));
            let before = lab.log().leader_epochs().latest_epoch();
            lab.append(1, 1, 1).unwrap();
            assert_eq!(
                lab.log().leader_epochs().latest_epoch(),
                before.or(Some(0)),
                "{}",
                p.id
            );
        }
        // The notes' segments stay inside retention for a few days more.
        let mut notes = Lab::new("notes").unwrap();
        assert!(notes.advance(60_000).iter().all(|l| !l.contains("deleted")));
    }

    #[test]
    fn compaction_preset_cleans() {
        let mut lab = Lab::new("compaction").unwrap();
        let lines = lab.clean();
        assert!(lines[0].starts_with("cleaner:"), "{lines:?}");
        assert!(Lab::new("nope").unwrap_err().contains("notes"));
    }
}
