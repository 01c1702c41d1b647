//! Retention and cleaning on a broker's logs, every
//! `log.retention.check.interval.ms`, and the broker's simulated disk: at
//! most `MAX_DISK_BYTES` of logs. Past it, the oldest segments (by their
//! newest record, across every log) that are below their high watermark
//! are deleted, whatever the topics' retention says, so a long run keeps
//! its memory bounded.

use super::{Broker, Out};
use crate::log::Log;
use crate::sim::NoteKind;

/// Most bytes of logs one broker holds (its simulated disk): 32 MiB.
pub const MAX_DISK_BYTES: usize = 32 << 20;
/// Bytes appended between two checks of the disk budget.
const DISK_CHECK_EVERY_BYTES: usize = MAX_DISK_BYTES / 16;

impl Broker {
    /// Retention and cleaning, every `log.retention.check.interval.ms`.
    pub(super) fn retention_check(&mut self, out: &mut Out) {
        let now = self.now;
        for (tp, r) in &self.replicas {
            let Some(log) = self.disk.logs.get_mut(tp) else {
                continue;
            };
            log.apply_retention(now, r.hw);
            if log.config().cleanup_policy.compacts() {
                log.compact(now, r.hw);
            }
            for event in log.take_events() {
                if let crate::log::LogEvent::SegmentDeleted {
                    base_offset,
                    reason,
                    ..
                } = event
                {
                    out.note(
                        NoteKind::Storage,
                        format!(
                            "{tp}: deleted segment {} ({reason}); log start offset now {}",
                            crate::log::file_stem(base_offset),
                            log.log_start_offset()
                        ),
                    );
                }
            }
        }
    }

    /// Counts appended bytes; checks the disk budget every
    /// `DISK_CHECK_EVERY_BYTES` (2 MiB).
    pub(super) fn appended_bytes(&mut self, bytes: usize, out: &mut Out) {
        self.appended_since_disk_check += bytes;
        if self.appended_since_disk_check >= DISK_CHECK_EVERY_BYTES {
            self.appended_since_disk_check = 0;
            self.enforce_disk_budget(out);
        }
    }

    /// Deletes the oldest deletable segments while the logs take more than
    /// `MAX_DISK_BYTES`.
    pub(super) fn enforce_disk_budget(&mut self, out: &mut Out) {
        let now = self.now;
        let mut total: usize = self.disk.logs.values().map(Log::size_bytes).sum();
        let (mut deleted, mut segments) = (0usize, 0u32);
        let mut first = None;
        let mut rolled = std::collections::BTreeSet::new();
        while total > MAX_DISK_BYTES {
            let oldest = self
                .disk
                .logs
                .iter()
                .filter_map(|(tp, log)| {
                    let hw = self.replicas.get(tp)?.hw;
                    Some((log.oldest_deletable(hw)?, tp))
                })
                .min();
            if let Some((_, tp)) = oldest {
                let tp = tp.clone();
                let hw = self.replicas[&tp].hw;
                let log = self.disk.logs.get_mut(&tp).expect("chosen above");
                let Some(size) = log.delete_oldest(now, hw, "the broker's disk budget") else {
                    break;
                };
                total -= size;
                deleted += size;
                segments += 1;
                first.get_or_insert(tp);
                continue;
            }
            // Nothing below a high watermark to delete: close the active
            // segment of the biggest log not closed yet, to delete it once
            // the high watermark passes it (at a later check).
            let biggest = self
                .disk
                .logs
                .iter_mut()
                .filter(|(tp, _)| !rolled.contains(*tp))
                .max_by_key(|(_, log)| log.size_bytes());
            let Some((tp, log)) = biggest else {
                break;
            };
            rolled.insert(tp.clone());
            log.roll_for_disk_budget(now);
        }
        if let Some(tp) = first {
            let text = format!(
                "disk budget: the logs took more than {MAX_DISK_BYTES} bytes (the simulated disk); deleted the {segments} oldest segment(s), {deleted} bytes, first of {tp}"
            );
            self.note_limited(&tp, "disk", NoteKind::Storage, text, out);
        }
    }
}
