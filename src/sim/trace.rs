//! The trace: a bounded ring of the most recent events and a running digest
//! over every event ever processed. Two runs are the same run exactly when
//! their digests match. The ring holds at most `TRACE_CAPACITY` entries of
//! at most `MAX_TRACE_TEXT_BYTES` each (the digest covers the whole text).

use super::Tick;
use serde::Serialize;
use std::collections::VecDeque;
use twox_hash::XxHash3_64;

/// Most trace entries kept; older ones fall off (the digest still covers them).
pub const TRACE_CAPACITY: usize = 4096;
/// Longest text an entry keeps (a metadata request of a big cluster is
/// long); longer texts are cut at a character boundary and end in "…".
pub const MAX_TRACE_TEXT_BYTES: usize = 512;

/// One processed event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceEntry {
    /// When it happened.
    pub at: Tick,
    /// Its text form (what the digest hashes).
    pub text: String,
}

/// Bounded event history with a running digest.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    ring: VecDeque<TraceEntry>,
    digest: u64,
    count: u64,
}

impl Trace {
    /// Folds one event into the digest and the ring.
    pub fn record(&mut self, at: Tick, text: String) {
        let mut bytes = Vec::with_capacity(text.len() + 8);
        bytes.extend_from_slice(&at.to_le_bytes());
        bytes.extend_from_slice(text.as_bytes());
        self.digest = XxHash3_64::oneshot_with_seed(self.digest, &bytes);
        self.count += 1;
        if self.ring.len() == TRACE_CAPACITY {
            self.ring.pop_front();
        }
        let text = if text.len() > MAX_TRACE_TEXT_BYTES {
            let mut cut = MAX_TRACE_TEXT_BYTES;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}…", &text[..cut])
        } else {
            text
        };
        self.ring.push_back(TraceEntry { at, text });
    }

    /// The digest as 16 hex digits.
    pub fn digest_hex(&self) -> String {
        format!("{:016x}", self.digest)
    }

    /// Number of events recorded since the start.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The most recent entries, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &TraceEntry> {
        self.ring.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_depends_on_order_time_and_text() {
        let mut a = Trace::default();
        let mut b = Trace::default();
        a.record(1, "x".into());
        a.record(2, "y".into());
        b.record(1, "x".into());
        b.record(2, "y".into());
        assert_eq!(a.digest_hex(), b.digest_hex());
        let mut c = Trace::default();
        c.record(2, "y".into());
        c.record(1, "x".into());
        assert_ne!(a.digest_hex(), c.digest_hex());
        let mut d = Trace::default();
        d.record(1, "x".into());
        d.record(3, "y".into());
        assert_ne!(a.digest_hex(), d.digest_hex());
    }

    #[test]
    fn ring_is_bounded() {
        let mut t = Trace::default();
        for i in 0..(TRACE_CAPACITY as u64 + 10) {
            t.record(i, format!("e{i}"));
        }
        assert_eq!(t.entries().count(), TRACE_CAPACITY);
        assert_eq!(t.count(), TRACE_CAPACITY as u64 + 10);
        assert_eq!(t.entries().next().map(|e| e.at), Some(10));
    }

    #[test]
    fn long_texts_are_cut_but_digested_whole() {
        let long = "ẞ".repeat(MAX_TRACE_TEXT_BYTES);
        let mut a = Trace::default();
        a.record(1, long.clone());
        let kept = &a.entries().next().unwrap().text;
        assert!(kept.len() <= MAX_TRACE_TEXT_BYTES + "…".len() && kept.ends_with('…'));
        let mut b = Trace::default();
        b.record(1, format!("{long}x"));
        assert_ne!(a.digest_hex(), b.digest_hex());
    }
}
