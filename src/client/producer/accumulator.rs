//! The record accumulator (Kafka's `RecordAccumulator`): records are
//! created at the configured rate, partitioned (explicit partition, murmur2
//! of the key, sticky without a key) and encoded into per-partition batches
//! as they are appended, as Kafka's `MemoryRecordsBuilder` does.

use super::{Producer, MAX_RECORDS_PER_WAKE, MAX_WAITING_RECORDS};
use crate::client::partitioner::partition_for_key;
use crate::log::BatchBuilder;
use crate::sim::Tick;

/// A record handed to `send()` and not yet in a batch (waiting for metadata).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRecord {
    /// The producer's running number for it (its value starts `producer-N#seq`).
    pub seq: u64,
    /// Key.
    pub key: Option<Vec<u8>>,
    /// Text the user added to the value.
    pub text: Option<String>,
    /// CreateTime.
    pub timestamp: i64,
}

/// A batch in the accumulator or in flight: its records are encoded as
/// they are appended, as Kafka's `MemoryRecordsBuilder` does.
#[derive(Clone, Debug)]
pub struct ProducerBatch {
    /// Running numbers of its records, in order.
    pub records: Vec<u64>,
    /// When it was opened.
    pub created: Tick,
    /// Size in bytes.
    pub bytes: usize,
    /// Sends so far.
    pub attempts: u32,
    /// Not before this time (retry backoff).
    pub retry_at: Tick,
    pub(super) builder: BatchBuilder,
}

/// Writes a record's value: `producer-N#seq`, the user's text, then dots up
/// to `value_bytes`.
fn value_len(prefix: &[u8], r: &PendingRecord, value_bytes: usize) -> usize {
    let digits = r.seq.checked_ilog10().unwrap_or(0) as usize + 1;
    let text = r.text.as_ref().map_or(0, |t| t.len() + 1);
    (prefix.len() + digits + text).max(value_bytes)
}

fn write_value(out: &mut Vec<u8>, prefix: &[u8], r: &PendingRecord, len: usize) {
    let start = out.len();
    out.extend_from_slice(prefix);
    let mut digits = [0u8; 20];
    let mut n = r.seq;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
    if let Some(t) = &r.text {
        out.push(b' ');
        out.extend_from_slice(t.as_bytes());
    }
    const DOTS: [u8; 256] = [b'.'; 256];
    while out.len() < start + len {
        let n = (start + len - out.len()).min(DOTS.len());
        out.extend_from_slice(&DOTS[..n]);
    }
}

impl Producer {
    /// Creates the records the rate asks for up to now.
    pub(super) fn flush_generation(&mut self) {
        if self.cfg.rate <= 0.0 {
            self.last_gen = self.now;
            self.carry = 0.0;
            return;
        }
        let elapsed = self.now.saturating_sub(self.last_gen) as f64;
        let due = self.carry + elapsed * self.cfg.rate / 1000.0;
        let n = (due.floor() as u64).min(MAX_RECORDS_PER_WAKE);
        self.carry = (due - n as f64).min(1.0);
        self.last_gen = self.now;
        for _ in 0..n {
            let key = (self.cfg.key_space > 0).then(|| {
                format!(
                    "key-{}",
                    self.rng.next_u64() % u64::from(self.cfg.key_space)
                )
                .into_bytes()
            });
            let r = self.make_record(key);
            self.wait_for_partition(None, r);
        }
    }

    /// Queues a record until metadata gives it a partition; fails it when
    /// `MAX_WAITING_RECORDS` already wait.
    pub(super) fn wait_for_partition(&mut self, partition: Option<i32>, r: PendingRecord) {
        if self.unpartitioned.len() >= MAX_WAITING_RECORDS {
            self.stats.failed += 1;
            return;
        }
        self.unpartitioned.push_back((partition, r));
    }

    /// Partitions waiting records once metadata is known.
    pub(super) fn place_records(&mut self) {
        if self.metadata.is_empty() {
            return;
        }
        let n = self.metadata.len() as u32;
        while let Some((explicit, r)) = self.unpartitioned.pop_front() {
            let size = (value_len(&self.prefix, &r, self.cfg.value_bytes as usize)
                + r.key.as_ref().map_or(0, Vec::len)
                + 8) as u64;
            if self.buffered_bytes + size > self.cfg.buffer_memory {
                self.stats.failed += 1;
                continue;
            }
            let p = match (explicit, &r.key) {
                (Some(p), _) if (0..n as i32).contains(&p) => p,
                (_, Some(k)) => partition_for_key(k, n) as i32,
                _ => self.sticky_partition(),
            };
            self.append(p, r, explicit.is_none());
        }
    }

    pub(super) fn sticky_partition(&mut self) -> i32 {
        if let Some(p) = self.sticky {
            return p;
        }
        let available: Vec<i32> = self
            .metadata
            .iter()
            .filter(|(_, s)| s.leader >= 0)
            .map(|(p, _)| *p)
            .collect();
        let pool: Vec<i32> = if available.is_empty() {
            self.metadata.keys().copied().collect()
        } else {
            available
        };
        let p = pool[(self.rng.next_u64() % pool.len() as u64) as usize];
        self.sticky = Some(p);
        p
    }

    pub(super) fn append(&mut self, partition: i32, r: PendingRecord, keyless: bool) {
        let len = value_len(&self.prefix, &r, self.cfg.value_bytes as usize);
        let batch_size = self.cfg.batch_size as usize;
        let now = self.now;
        let prefix = &self.prefix;
        let q = self.queues.entry(partition).or_default();
        let key_len = r.key.as_ref().map(Vec::len);
        let fits = q.back().is_some_and(|b| {
            b.attempts == 0
                && b.bytes + b.builder.record_size(r.timestamp, key_len, len) <= batch_size
        });
        let had_open = !q.is_empty();
        if !fits {
            let builder = BatchBuilder::with_capacity(r.timestamp, batch_size.min(16_384));
            q.push_back(ProducerBatch {
                records: Vec::new(),
                created: now,
                bytes: builder.size(),
                attempts: 0,
                retry_at: 0,
                builder,
            });
        }
        let b = q.back_mut().expect("a batch is open");
        let before = if fits { b.bytes } else { 0 };
        b.builder
            .push_with(r.timestamp, r.key.as_deref(), len, |out| {
                write_value(out, prefix, &r, len)
            });
        b.bytes = b.builder.size();
        b.records.push(r.seq);
        self.buffered_bytes += (b.bytes - before) as u64;
        if !fits && keyless && had_open && self.sticky == Some(partition) {
            // Kafka's sticky partitioner switches when a batch fills.
            self.sticky = None;
        }
    }
}
