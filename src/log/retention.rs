//! Retention: deleting a log's oldest segments by `retention.ms` and
//! `retention.bytes`, or one at a time for a broker's disk budget. Only
//! segments wholly below the high watermark go; when every segment goes,
//! the active one rolls first, so a log always keeps an active segment.

use super::{Log, LogEvent, RollReason, MAX_SPARE_BUFFERS};
use crate::sim::Tick;

impl Log {
    /// Deletes whole oldest segments past `retention.ms` or `retention.bytes`
    /// whose records are all below `high_watermark`; rolls first when the
    /// active segment itself qualifies. Returns how many were deleted.
    pub fn apply_retention(&mut self, now: Tick, high_watermark: i64) -> usize {
        if !self.cfg.cleanup_policy.deletes() {
            return 0;
        }
        let mut excess = (self.cfg.retention_bytes >= 0)
            .then(|| self.size_bytes() as i64 - self.cfg.retention_bytes);
        let mut doomed = Vec::new();
        let bases: Vec<i64> = self.segments.keys().copied().collect();
        for (i, base) in bases.iter().enumerate() {
            let seg = &self.segments[base];
            let upper = bases.get(i + 1).copied().unwrap_or(self.log_end_offset());
            let empty_last = seg.size() == 0 && i + 1 == bases.len();
            if empty_last || upper > high_watermark {
                break;
            }
            let by_time = self.cfg.retention_ms >= 0
                && now as i64 - seg.max_timestamp() > self.cfg.retention_ms;
            let by_size = excess.is_some_and(|e| e - seg.size() as i64 >= 0);
            if !(by_time || by_size) {
                break;
            }
            excess = excess.map(|e| e - seg.size() as i64);
            doomed.push(if by_time {
                "retention.ms"
            } else {
                "retention.bytes"
            });
        }
        if doomed.len() == self.segments.len() {
            self.roll(now, RollReason::RetentionDeletesAll);
        }
        for reason in &doomed {
            self.remove_oldest(reason);
        }
        doomed.len()
    }

    /// Removes the oldest segment (another one must follow it), keeping
    /// its buffer for reuse and moving the log start offset up; returns its
    /// size.
    fn remove_oldest(&mut self, reason: &'static str) -> usize {
        let Some((base, seg)) = self.segments.pop_first() else {
            return 0;
        };
        let next_base = self.segments.keys().next().copied().unwrap_or(base);
        let size = seg.size();
        if self.spare.len() < MAX_SPARE_BUFFERS {
            self.spare.push(seg.into_buffer());
        }
        self.push_event(LogEvent::SegmentDeleted {
            base_offset: base,
            next_base,
            reason,
        });
        self.log_start_offset = self.log_start_offset.max(next_base);
        self.epochs.truncate_from_start(self.log_start_offset);
        size
    }

    /// Newest timestamp of the oldest segment when `delete_oldest` could
    /// delete it: it holds bytes and all its records are below `high_watermark`.
    pub fn oldest_deletable(&self, high_watermark: i64) -> Option<i64> {
        let mut bases = self.segments.keys();
        let first = *bases.next()?;
        let upper = bases.next().copied().unwrap_or(self.log_end_offset());
        let seg = &self.segments[&first];
        (seg.size() > 0 && upper <= high_watermark).then(|| seg.max_timestamp())
    }

    /// Deletes the oldest segment if `oldest_deletable` allows it (rolling
    /// first when it is the active one), for `reason`; returns its size.
    pub fn delete_oldest(
        &mut self,
        now: Tick,
        high_watermark: i64,
        reason: &'static str,
    ) -> Option<usize> {
        self.oldest_deletable(high_watermark)?;
        if self.segments.len() == 1 {
            self.roll(now, RollReason::RetentionDeletesAll);
        }
        Some(self.remove_oldest(reason))
    }

    /// Closes the active segment (rolls) when it holds bytes, so that the
    /// disk budget can delete it once it is below the high watermark.
    pub fn roll_for_disk_budget(&mut self, now: Tick) -> bool {
        let active = self.segments.values().next_back();
        if active.is_none_or(|s| s.size() == 0) {
            return false;
        }
        self.roll(now, RollReason::DiskBudget);
        true
    }
}
