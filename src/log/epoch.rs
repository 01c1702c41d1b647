//! The leader epoch cache (KIP-101), as Kafka's `LeaderEpochFileCache`:
//! for each leader epoch, the first offset written in it. A replica that
//! becomes a follower asks the new leader for the end offset of its own
//! latest epoch (`OffsetsForLeaderEpoch`) and truncates there, instead of
//! to its high watermark. Kafka keeps it in the partition folder as the
//! `leader-epoch-checkpoint` file.
//!
//! Invariant: entries strictly increase in both epoch and start offset.

/// Kafka's `UNDEFINED_EPOCH`.
pub const UNDEFINED_EPOCH: i32 = -1;
/// Kafka's `UNDEFINED_EPOCH_OFFSET`.
pub const UNDEFINED_EPOCH_OFFSET: i64 = -1;
/// Name of the file in the partition folder.
pub const CHECKPOINT_FILE: &str = "leader-epoch-checkpoint";

/// Leader epoch -> first offset written in it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeaderEpochCache {
    entries: Vec<(i32, i64)>,
}

impl LeaderEpochCache {
    /// Every (epoch, start offset), oldest first.
    pub fn entries(&self) -> &[(i32, i64)] {
        &self.entries
    }

    /// The latest epoch, if any.
    pub fn latest_epoch(&self) -> Option<i32> {
        self.entries.last().map(|(e, _)| *e)
    }

    /// Records that `epoch` starts at `start_offset` (called for every batch
    /// appended). A known latest epoch changes nothing; entries that would
    /// break monotonicity (an epoch or start offset at or above the new one)
    /// are dropped first, as Kafka does.
    pub fn assign(&mut self, epoch: i32, start_offset: i64) {
        if epoch < 0 || self.latest_epoch() == Some(epoch) {
            return;
        }
        self.entries
            .retain(|(e, o)| *e < epoch && *o < start_offset);
        self.entries.push((epoch, start_offset));
    }

    /// The answer to `OffsetsForLeaderEpoch`: for the requested epoch, the
    /// largest epoch at or below it and the offset where the next epoch
    /// starts (the log end offset for the latest epoch).
    pub fn end_offset_for(&self, requested: i32, log_end_offset: i64) -> (i32, i64) {
        if requested == UNDEFINED_EPOCH {
            return (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
        }
        if self.latest_epoch() == Some(requested) {
            return (requested, log_end_offset);
        }
        let Some(&(_, higher_start)) = self.entries.iter().find(|(e, _)| *e > requested) else {
            return (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
        };
        match self.entries.iter().rev().find(|(e, _)| *e <= requested) {
            Some(&(floor, _)) => (floor, higher_start),
            None => (requested, higher_start),
        }
    }

    /// Forgets epochs starting at or after `end_offset` (the log was truncated there).
    pub fn truncate_from_end(&mut self, end_offset: i64) {
        self.entries.retain(|(_, o)| *o < end_offset);
    }

    /// The log now starts at `start_offset`: epochs starting at or before it
    /// go, except the last of them, which now starts there.
    pub fn truncate_from_start(&mut self, start_offset: i64) {
        let before: Vec<(i32, i64)> = self
            .entries
            .iter()
            .copied()
            .filter(|(_, o)| *o <= start_offset)
            .collect();
        if let Some(&(epoch, _)) = before.last() {
            self.entries.retain(|(_, o)| *o > start_offset);
            self.entries.insert(0, (epoch, start_offset));
        }
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The `leader-epoch-checkpoint` file: version 0, the entry count, then
    /// one "epoch offset" line per entry.
    pub fn checkpoint(&self) -> String {
        let mut s = format!("0\n{}\n", self.entries.len());
        for (e, o) in &self.entries {
            s.push_str(&format!("{e} {o}\n"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(entries: &[(i32, i64)]) -> LeaderEpochCache {
        let mut c = LeaderEpochCache::default();
        for (e, o) in entries {
            c.assign(*e, *o);
        }
        c
    }

    // Cases after Kafka's LeaderEpochFileCacheTest.

    #[test]
    fn latest_epoch_answers_with_the_log_end_offset() {
        let c = cache(&[(2, 5), (3, 6), (4, 7)]);
        assert_eq!(c.end_offset_for(4, 20), (4, 20));
    }

    #[test]
    fn a_previous_epoch_ends_where_the_next_one_starts() {
        let c = cache(&[(2, 6), (3, 8), (4, 11)]);
        assert_eq!(c.end_offset_for(2, 20), (2, 8));
        assert_eq!(c.end_offset_for(3, 20), (3, 11));
    }

    #[test]
    fn a_missing_epoch_answers_with_the_largest_below_it() {
        let c = cache(&[(0, 10), (2, 13), (4, 17)]);
        assert_eq!(c.end_offset_for(1, 20), (0, 13));
        assert_eq!(c.end_offset_for(3, 20), (2, 17));
    }

    #[test]
    fn epochs_outside_the_cache_and_undefined_ones() {
        let c = cache(&[(5, 10)]);
        assert_eq!(
            c.end_offset_for(3, 20),
            (3, 10),
            "below the first: its start"
        );
        assert_eq!(
            c.end_offset_for(7, 20),
            (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)
        );
        assert_eq!(
            c.end_offset_for(UNDEFINED_EPOCH, 20),
            (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)
        );
        assert_eq!(
            LeaderEpochCache::default().end_offset_for(0, 0),
            (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)
        );
    }

    #[test]
    fn assign_keeps_entries_monotonic() {
        let mut c = cache(&[(1, 11), (1, 12), (2, 13)]);
        assert_eq!(c.entries(), &[(1, 11), (2, 13)]);
        c.assign(3, 12);
        assert_eq!(
            c.entries(),
            &[(1, 11), (3, 12)],
            "an entry at or past the new start goes"
        );
        c.assign(-1, 20);
        assert_eq!(c.latest_epoch(), Some(3));
    }

    #[test]
    fn truncation_from_either_end() {
        let mut c = cache(&[(2, 6), (3, 8), (4, 11)]);
        c.truncate_from_end(9);
        assert_eq!(c.entries(), &[(2, 6), (3, 8)]);
        c.truncate_from_start(7);
        assert_eq!(c.entries(), &[(2, 7), (3, 8)]);
        c.truncate_from_start(8);
        assert_eq!(c.entries(), &[(3, 8)]);
        assert_eq!(c.checkpoint(), "0\n1\n3 8\n");
        c.clear();
        assert_eq!(c.checkpoint(), "0\n0\n");
    }
}
