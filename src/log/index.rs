//! A segment's sparse indexes, held as the exact bytes Kafka writes:
//! `.index` entries of 8 bytes (relative offset i32, position i32) and
//! `.timeindex` entries of 12 bytes (timestamp i64, relative offset i32),
//! big-endian. Lookups are binary searches for the last entry at or below
//! the target, and can report every probe (the inspector animates them).
//!
//! Invariant: entries are strictly increasing in offset (and, for the time
//! index, in timestamp).

/// Bytes per `.index` entry.
pub const OFFSET_ENTRY_BYTES: usize = 8;
/// Bytes per `.timeindex` entry.
pub const TIME_ENTRY_BYTES: usize = 12;

/// Which part of Kafka's index search a comparison belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeStage {
    /// The first entry of the warm section, compared first.
    WarmSection,
    /// Entry 0: is any entry at or below the target at all?
    FirstEntry,
    /// A step of the binary search.
    BinarySearch,
}

/// One comparison of an index search: which entry was read and where it pointed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Probe {
    /// Which part of the search.
    pub stage: ProbeStage,
    /// Entry number.
    pub slot: usize,
    /// The entry's key (relative offset, or timestamp for the time index).
    pub key: i64,
    /// True when the key was at or below the target (search goes right).
    pub at_or_below: bool,
}

/// Bytes at the end of an index that Kafka searches first (its "warm
/// section": the entries recent fetches hit, kept in the page cache).
pub const WARM_SECTION_BYTES: usize = 8192;

/// Kafka's `AbstractIndex.indexSlotRangeFor` for the largest entry with key
/// <= target over `n` entries of `entry_bytes` each: compare with the first
/// entry of the warm section and search only there if the target is past it;
/// else give up at once if entry 0 is already above the target; else binary
/// search the rest with `mid = (lo + hi + 1) / 2`, stopping on an exact
/// match. Returns the slot and every comparison made.
fn kafka_floor_search(
    n: usize,
    entry_bytes: usize,
    target: i64,
    key: impl Fn(usize) -> i64,
) -> (Option<usize>, Vec<Probe>) {
    let mut probes = Vec::new();
    if n == 0 {
        return (None, probes);
    }
    let mut probe = |slot: usize, stage: ProbeStage| {
        let k = key(slot);
        probes.push(Probe {
            stage,
            slot,
            key: k,
            at_or_below: k <= target,
        });
        k
    };
    let warm_entries = WARM_SECTION_BYTES / entry_bytes;
    let first_hot = (n - 1).saturating_sub(warm_entries);
    let (mut lo, mut hi) = if probe(first_hot, ProbeStage::WarmSection) < target {
        (first_hot, n - 1)
    } else if probe(0, ProbeStage::FirstEntry) > target {
        return (None, probes);
    } else {
        (0, first_hot)
    };
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let k = probe(mid, ProbeStage::BinarySearch);
        if k > target {
            hi = mid - 1;
        } else if k < target {
            lo = mid;
        } else {
            return (Some(mid), probes);
        }
    }
    (Some(lo), probes)
}

fn be_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// Entries per block of the in-memory summary that speeds up `floor`.
const SUMMARY_STRIDE: usize = 64;

/// The `.index` file of a segment, plus two in-memory aids that are not
/// part of the file: a summary (the relative offset of every 64th entry) so
/// that a lookup touches one small block of the file instead of probing all
/// over it, and where each indexed batch ends, so that a lookup past an
/// entry's last offset can start at the next batch without reading the
/// indexed one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OffsetIndex {
    bytes: Vec<u8>,
    max_entries: usize,
    summary: Vec<i32>,
    ends: Vec<i32>,
}

impl OffsetIndex {
    /// An empty index that holds at most `max_bytes / 8` entries.
    pub fn new(max_bytes: usize) -> Self {
        OffsetIndex {
            bytes: Vec::new(),
            max_entries: (max_bytes / OFFSET_ENTRY_BYTES).max(1),
            summary: Vec::new(),
            ends: Vec::new(),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.bytes.len() / OFFSET_ENTRY_BYTES
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// True when no entry fits any more (the segment must roll).
    pub fn is_full(&self) -> bool {
        self.len() >= self.max_entries
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Entry `i`: relative offset and position.
    pub fn entry(&self, i: usize) -> (i32, i32) {
        let at = i * OFFSET_ENTRY_BYTES;
        (be_i32(&self.bytes, at), be_i32(&self.bytes, at + 4))
    }

    /// Adds an entry (relative offset must exceed the last one's) for the
    /// batch at `position` that ends at `end`.
    pub fn append(&mut self, relative_offset: i32, position: i32, end: i32) {
        self.ends.push(end);
        debug_assert!(self.is_empty() || self.entry(self.len() - 1).0 < relative_offset);
        if self.len().is_multiple_of(SUMMARY_STRIDE) {
            self.summary.push(relative_offset);
        }
        self.bytes.extend_from_slice(&relative_offset.to_be_bytes());
        self.bytes.extend_from_slice(&position.to_be_bytes());
    }

    /// The last entry with relative offset <= `target` (no probe record).
    pub fn floor(&self, target: i64) -> Option<(i32, i32)> {
        self.floor_slot(target).map(|i| self.entry(i))
    }

    /// Where the batch indexed by entry `slot` ends.
    pub fn end(&self, slot: usize) -> i32 {
        self.ends[slot]
    }

    /// Slot of the last entry with relative offset <= `target`: a binary
    /// search of the summary picks the block, then one inside it.
    pub fn floor_slot(&self, target: i64) -> Option<usize> {
        let block = self
            .summary
            .partition_point(|k| i64::from(*k) <= target)
            .checked_sub(1)?;
        let (mut lo, mut hi) = (
            block * SUMMARY_STRIDE,
            ((block + 1) * SUMMARY_STRIDE).min(self.len()),
        );
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if i64::from(self.entry(mid).0) <= target {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo.checked_sub(1)
    }

    /// The last entry with relative offset <= `target`, searched as Kafka
    /// searches it, with every comparison made.
    pub fn lookup(&self, target: i64) -> (Option<(i32, i32)>, Vec<Probe>) {
        let (i, probes) = kafka_floor_search(self.len(), OFFSET_ENTRY_BYTES, target, |i| {
            i64::from(self.entry(i).0)
        });
        (i.map(|i| self.entry(i)), probes)
    }

    /// Drops entries pointing at or past `position`.
    pub fn truncate_to_position(&mut self, position: i32) {
        let keep = (0..self.len())
            .take_while(|i| self.entry(*i).1 < position)
            .count();
        self.bytes.truncate(keep * OFFSET_ENTRY_BYTES);
        self.summary.truncate(keep.div_ceil(SUMMARY_STRIDE));
        self.ends.truncate(keep);
    }
}

/// The `.timeindex` file of a segment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TimeIndex {
    bytes: Vec<u8>,
    max_entries: usize,
}

impl TimeIndex {
    /// An empty index that holds at most `max_bytes / 12` entries.
    pub fn new(max_bytes: usize) -> Self {
        TimeIndex {
            bytes: Vec::new(),
            max_entries: (max_bytes / TIME_ENTRY_BYTES).max(1),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.bytes.len() / TIME_ENTRY_BYTES
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// True when no entry fits any more.
    pub fn is_full(&self) -> bool {
        self.len() >= self.max_entries
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Entry `i`: timestamp and relative offset.
    pub fn entry(&self, i: usize) -> (i64, i32) {
        let at = i * TIME_ENTRY_BYTES;
        (
            i64::from_be_bytes(self.bytes[at..at + 8].try_into().expect("8 bytes")),
            be_i32(&self.bytes, at + 8),
        )
    }

    /// Adds an entry if its timestamp is above the last one's (Kafka's `maybeAppend`).
    pub fn maybe_append(&mut self, timestamp: i64, relative_offset: i32) {
        if let Some(last) = self.len().checked_sub(1).map(|i| self.entry(i)) {
            if timestamp <= last.0 || relative_offset < last.1 {
                return;
            }
        }
        self.bytes.extend_from_slice(&timestamp.to_be_bytes());
        self.bytes.extend_from_slice(&relative_offset.to_be_bytes());
    }

    /// The last entry with timestamp <= `target`, searched as Kafka
    /// searches it, with every comparison made.
    pub fn lookup(&self, target: i64) -> (Option<(i64, i32)>, Vec<Probe>) {
        let (i, probes) =
            kafka_floor_search(self.len(), TIME_ENTRY_BYTES, target, |i| self.entry(i).0);
        (i.map(|i| self.entry(i)), probes)
    }

    /// Drops entries at or past `relative_offset`.
    pub fn truncate_to_offset(&mut self, relative_offset: i32) {
        let keep = (0..self.len())
            .take_while(|i| self.entry(*i).1 < relative_offset)
            .count();
        self.bytes.truncate(keep * TIME_ENTRY_BYTES);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_index_floor_lookup_with_probes() {
        let mut idx = OffsetIndex::new(1024);
        for (rel, pos) in [(0, 0), (10, 4100), (25, 8300), (40, 12_500)] {
            idx.append(rel, pos, pos + 100);
        }
        assert_eq!(idx.bytes().len(), 32);
        assert_eq!(idx.lookup(5).0, Some((0, 0)));
        assert_eq!(idx.lookup(25).0, Some((25, 8300)));
        assert_eq!(idx.lookup(39).0, Some((25, 8300)));
        assert_eq!(idx.lookup(1_000).0, Some((40, 12_500)));
        assert_eq!(idx.lookup(-1).0, None);
        for t in -1..50 {
            assert_eq!(idx.floor(t), idx.lookup(t).0);
        }
        let (_, probes) = idx.lookup(26);
        assert!(probes.len() <= 3, "{probes:?}");
        idx.truncate_to_position(8300);
        assert_eq!(idx.len(), 2);
        assert!(!idx.is_full());
        assert!(OffsetIndex::new(8).is_empty());
    }

    #[test]
    fn kafkas_search_looks_at_the_warm_section_first() {
        let mut idx = OffsetIndex::new(1 << 20);
        for i in 0..2_000 {
            idx.append(i * 10, i * 100, i * 100 + 100);
        }
        // 1024 warm entries: the first hot entry is slot 2000 - 1 - 1024 = 975.
        let (found, probes) = idx.lookup(5);
        assert_eq!(found, Some((0, 0)));
        assert_eq!(probes[0].slot, 975);
        assert_eq!(probes[1].slot, 0);
        let (found, probes) = idx.lookup(19_995);
        assert_eq!(found, Some((19_990, 199_900)));
        assert_eq!(probes[0].slot, 975);
        assert!(probes[1..].iter().all(|p| p.slot >= 975), "{probes:?}");
        let (found, probes) = idx.lookup(-1);
        assert_eq!(
            (found, probes.len()),
            (None, 2),
            "below entry 0: two comparisons"
        );
        let (found, probes) = idx.lookup(5_000);
        assert_eq!(found, Some((5_000, 50_000)));
        assert_eq!(
            probes.last().unwrap().key,
            5_000,
            "an exact match stops the search"
        );
    }

    #[test]
    fn summary_search_agrees_with_plain_binary_search() {
        let mut idx = OffsetIndex::new(1 << 20);
        for i in 0..1_000 {
            idx.append(i * 7 + 3, i * 100, i * 100 + 100);
        }
        for t in -5..7_100 {
            assert_eq!(idx.floor(t), idx.lookup(t).0, "target {t}");
        }
        idx.truncate_to_position(64 * 100 * 3 + 100);
        assert_eq!(idx.len(), 193);
        for t in -5..1_400 {
            assert_eq!(idx.floor(t), idx.lookup(t).0, "target {t} after truncation");
        }
    }

    #[test]
    fn time_index_keeps_increasing_timestamps_only() {
        let mut t = TimeIndex::new(120);
        t.maybe_append(100, 0);
        t.maybe_append(90, 5);
        t.maybe_append(150, 9);
        assert_eq!(t.len(), 2);
        assert_eq!(t.lookup(149).0, Some((100, 0)));
        assert_eq!(t.lookup(150).0, Some((150, 9)));
        t.truncate_to_offset(9);
        assert_eq!(t.len(), 1);
    }
}
