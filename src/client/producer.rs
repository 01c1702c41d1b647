//! A Kafka producer as a sans-IO node (Kafka's `KafkaProducer`, its
//! `RecordAccumulator` and `Sender`): records are partitioned (explicit
//! partition, murmur2 of the key, or sticky without a key), appended to a
//! per-partition queue of batches, and a batch leaves when it is full
//! (`batch.size`) or has waited `linger.ms`. The sender groups ready batches
//! by leader into produce requests, at most
//! `max.in.flight.requests.per.connection` per broker, retries retriable
//! errors after `retry.backoff.ms` until `delivery.timeout.ms`, and refreshes
//! metadata on NOT_LEADER_OR_FOLLOWER. Buffered batches live only in the
//! producer's memory: a crash loses them.
//!
//! Invariants: a record is counted once as acked or failed; a batch is in
//! at most one place (a queue or one request in flight).

use super::partitioner::partition_for_key;
use crate::log::BatchBuilder;
use crate::protocol::kafka::{Produce, ProduceBatch, ProduceResponse};
use crate::protocol::{acks_name, KafkaError, Message};
use crate::sim::{NodeId, NoteKind, Outbox, SimRng, Tick};
use crate::topic::{PartitionState, TopicPartition};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, VecDeque};

/// Highest simulated rate a producer may have, records per second.
pub const MAX_RATE: f64 = 10_000_000.0;
/// Most records one wake-up generates (the rest wait for the next).
const MAX_RECORDS_PER_WAKE: u64 = 100_000;

/// `acks`: 0, 1 or all (-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acks(pub i16);

impl Serialize for Acks {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(acks_name(self.0))
    }
}

impl<'de> Deserialize<'de> for Acks {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let text = match &v {
            serde_json::Value::String(s) => s.trim().to_string(),
            other => other.to_string(),
        };
        match text.as_str() {
            "0" => Ok(Acks(0)),
            "1" => Ok(Acks(1)),
            "all" | "-1" => Ok(Acks(-1)),
            _ => Err(serde::de::Error::custom(format!(
                "acks must be 0, 1 or all, got {v}"
            ))),
        }
    }
}

/// A producer's settings: Kafka's names, plus the simulated workload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProducerConfig {
    /// Topic written to.
    pub topic: String,
    /// `acks`.
    pub acks: Acks,
    /// `batch.size` (16384).
    #[serde(rename = "batch.size")]
    pub batch_size: u32,
    /// `linger.ms` (5).
    #[serde(rename = "linger.ms")]
    pub linger_ms: u64,
    /// `buffer.memory` (33554432).
    #[serde(rename = "buffer.memory")]
    pub buffer_memory: u64,
    /// `max.in.flight.requests.per.connection` (5).
    #[serde(rename = "max.in.flight.requests.per.connection")]
    pub max_in_flight: u32,
    /// `retries` (2147483647).
    pub retries: u32,
    /// `retry.backoff.ms` (100).
    #[serde(rename = "retry.backoff.ms")]
    pub retry_backoff_ms: u64,
    /// `delivery.timeout.ms` (120000).
    #[serde(rename = "delivery.timeout.ms")]
    pub delivery_timeout_ms: u64,
    /// `request.timeout.ms` (30000).
    #[serde(rename = "request.timeout.ms")]
    pub request_timeout_ms: u64,
    /// `metadata.max.age.ms` (300000).
    #[serde(rename = "metadata.max.age.ms")]
    pub metadata_max_age_ms: u64,
    /// Simulated workload: records per simulated second (0: only on demand).
    pub rate: f64,
    /// Simulated workload: keys drawn from `key-0` .. `key-(N-1)`; 0 means no key.
    pub key_space: u32,
    /// Simulated workload: value size in bytes (at least the record's id, `producer-N#seq`).
    pub value_bytes: u32,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            topic: String::new(),
            acks: Acks(-1),
            batch_size: 16_384,
            linger_ms: 5,
            buffer_memory: 33_554_432,
            max_in_flight: 5,
            retries: i32::MAX as u32,
            retry_backoff_ms: 100,
            delivery_timeout_ms: 120_000,
            request_timeout_ms: 30_000,
            metadata_max_age_ms: 300_000,
            rate: 10.0,
            key_space: 0,
            value_bytes: 0,
        }
    }
}

impl ProducerConfig {
    /// Checks ranges; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.topic.is_empty() {
            return Err("topic: a producer needs a topic".into());
        }
        if !self.rate.is_finite() || !(0.0..=MAX_RATE).contains(&self.rate) {
            return Err(format!(
                "rate: {} must be between 0 and {MAX_RATE}",
                self.rate
            ));
        }
        let checks: [(&str, u64, u64, u64); 8] = [
            ("batch.size", self.batch_size.into(), 64, 1_048_576),
            ("linger.ms", self.linger_ms, 0, 60_000),
            ("buffer.memory", self.buffer_memory, 1_024, 1 << 30),
            (
                "max.in.flight.requests.per.connection",
                self.max_in_flight.into(),
                1,
                100,
            ),
            ("retry.backoff.ms", self.retry_backoff_ms, 1, 60_000),
            ("request.timeout.ms", self.request_timeout_ms, 1, 600_000),
            (
                "metadata.max.age.ms",
                self.metadata_max_age_ms,
                1,
                86_400_000,
            ),
            ("value_bytes", self.value_bytes.into(), 0, 65_536),
        ];
        for (key, v, lo, hi) in checks {
            if !(lo..=hi).contains(&v) {
                return Err(format!("{key}: {v} must be between {lo} and {hi}"));
            }
        }
        if self.delivery_timeout_ms < self.linger_ms + self.request_timeout_ms {
            return Err(format!(
                "delivery.timeout.ms: {} must be at least linger.ms + request.timeout.ms ({}), as Kafka requires",
                self.delivery_timeout_ms,
                self.linger_ms + self.request_timeout_ms
            ));
        }
        if self.key_space > 1_000_000 {
            return Err(format!(
                "key_space: {} must be at most 1000000",
                self.key_space
            ));
        }
        Ok(())
    }
}

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
    builder: BatchBuilder,
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

/// A batch the producer saw acknowledged: where it went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AckedBatch {
    /// Partition.
    pub tp: TopicPartition,
    /// Offset of its first record (-1 for acks=0: unknown).
    pub base_offset: i64,
    /// Running numbers of its records, in order.
    pub seqs: Vec<u64>,
    /// The broker that acknowledged it (or that it was sent to, acks=0).
    pub broker: i32,
}

/// What a producer has done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProducerStats {
    /// Records handed to `send()`.
    pub sent: u64,
    /// Records acknowledged (for acks=0: written to the network).
    pub acked: u64,
    /// Records that failed for good (errors, timeouts, full buffer).
    pub failed: u64,
}

#[derive(Clone, Debug)]
struct InFlightRequest {
    broker: i32,
    batches: Vec<(i32, ProducerBatch)>,
}

/// Timers of a producer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProducerTimer {
    /// Generate records, send ready batches, expire old ones.
    Wake,
    /// A produce request went unanswered for `request.timeout.ms`.
    RequestTimeout {
        /// The request.
        correlation_id: u64,
    },
    /// A metadata request went unanswered.
    MetadataTimeout {
        /// The request.
        correlation_id: u64,
    },
}

type Out = Outbox<ProducerTimer>;

/// A producer node.
#[derive(Clone, Debug)]
pub struct Producer {
    id: i32,
    cfg: ProducerConfig,
    rng: SimRng,
    bootstrap: Vec<i32>,
    next_bootstrap: usize,
    now: Tick,
    next_seq: u64,
    carry: f64,
    last_gen: Tick,
    metadata: BTreeMap<i32, PartitionState>,
    metadata_at: Option<Tick>,
    metadata_in_flight: Option<u64>,
    metadata_retry_at: Tick,
    need_metadata: bool,
    sticky: Option<i32>,
    unpartitioned: VecDeque<(Option<i32>, PendingRecord)>,
    queues: BTreeMap<i32, VecDeque<ProducerBatch>>,
    in_flight: BTreeMap<u64, InFlightRequest>,
    buffered_bytes: u64,
    next_correlation: u64,
    wake_at: Option<Tick>,
    stats: ProducerStats,
    acked: Vec<AckedBatch>,
    noted: BTreeMap<(i32, KafkaErrorKey), Tick>,
    /// `producer-N#`, the start of every value.
    prefix: Vec<u8>,
}

/// An error's name, for rate-limiting notes.
type KafkaErrorKey = String;

impl Producer {
    /// A producer that bootstraps from `bootstrap` brokers.
    pub fn new(id: i32, cfg: ProducerConfig, bootstrap: Vec<i32>, rng: SimRng) -> Self {
        Producer {
            id,
            cfg,
            rng,
            bootstrap,
            next_bootstrap: 0,
            now: 0,
            next_seq: 0,
            carry: 0.0,
            last_gen: 0,
            metadata: BTreeMap::new(),
            metadata_at: None,
            metadata_in_flight: None,
            metadata_retry_at: 0,
            need_metadata: true,
            sticky: None,
            unpartitioned: VecDeque::new(),
            queues: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            buffered_bytes: 0,
            next_correlation: 1,
            wake_at: None,
            stats: ProducerStats::default(),
            acked: Vec::new(),
            noted: BTreeMap::new(),
            prefix: format!("{}#", NodeId::Producer(id)).into_bytes(),
        }
    }

    /// Its id.
    pub fn id(&self) -> i32 {
        self.id
    }

    /// Its settings.
    pub fn config(&self) -> &ProducerConfig {
        &self.cfg
    }

    /// Counters.
    pub fn stats(&self) -> ProducerStats {
        self.stats
    }

    /// Partitions as its metadata says.
    pub fn metadata(&self) -> &BTreeMap<i32, PartitionState> {
        &self.metadata
    }

    /// Batches waiting per partition (the accumulator).
    pub fn queues(&self) -> &BTreeMap<i32, VecDeque<ProducerBatch>> {
        &self.queues
    }

    /// Records in memory not yet acknowledged: queued, waiting for
    /// metadata, or in flight.
    pub fn unacknowledged(&self) -> (u64, u64) {
        let queued: usize = self
            .queues
            .values()
            .flat_map(|q| q.iter())
            .map(|b| b.records.len())
            .sum::<usize>()
            + self.unpartitioned.len();
        let flying: usize = self
            .in_flight
            .values()
            .flat_map(|r| r.batches.iter())
            .map(|(_, b)| b.records.len())
            .sum();
        (queued as u64, flying as u64)
    }

    /// Requests in flight per broker.
    pub fn in_flight_to(&self, broker: i32) -> usize {
        self.in_flight
            .values()
            .filter(|r| r.broker == broker)
            .count()
    }

    /// Batches acknowledged since the last call.
    pub fn take_acked(&mut self) -> Vec<AckedBatch> {
        std::mem::take(&mut self.acked)
    }

    /// Changes the workload (rate, keys) or acks.
    pub fn reconfigure(&mut self, cfg: ProducerConfig, now: Tick, out: &mut Out) {
        self.now = now;
        self.flush_generation();
        self.cfg = cfg;
        self.run(out);
    }

    /// Starts: fetch metadata, begin producing.
    pub fn start(&mut self, now: Tick, out: &mut Out) {
        self.now = now;
        self.last_gen = now;
        out.note(
            NoteKind::Client,
            format!(
                "producer started: topic {}, acks={}, {} records/s, {}",
                self.cfg.topic,
                acks_name(self.cfg.acks.0),
                self.cfg.rate,
                if self.cfg.key_space > 0 {
                    format!("keys from {} (murmur2 partitioner)", self.cfg.key_space)
                } else {
                    "no keys (sticky partitioner)".into()
                }
            ),
        );
        self.run(out);
    }

    /// One record now (the page's "send one"), optionally to a partition.
    pub fn send_one(
        &mut self,
        now: Tick,
        key: Option<String>,
        value: Option<String>,
        partition: Option<i32>,
        out: &mut Out,
    ) {
        self.now = now;
        let mut r = self.make_record(key.map(String::into_bytes));
        r.text = value;
        self.unpartitioned.push_back((partition, r));
        self.place_records();
        self.run(out);
    }

    fn make_record(&mut self, key: Option<Vec<u8>>) -> PendingRecord {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.stats.sent += 1;
        PendingRecord {
            seq,
            key,
            text: None,
            timestamp: self.now as i64,
        }
    }

    /// Handles a timer.
    pub fn handle_timer(&mut self, now: Tick, timer: ProducerTimer, out: &mut Out) {
        self.now = now;
        match timer {
            ProducerTimer::Wake => {
                if self.wake_at != Some(now) {
                    return;
                }
                self.wake_at = None;
            }
            ProducerTimer::RequestTimeout { correlation_id } => {
                if let Some(req) = self.in_flight.remove(&correlation_id) {
                    out.note(
                        NoteKind::Client,
                        format!(
                            "no answer from broker {} within request.timeout.ms ({} ms): retrying its batches",
                            req.broker, self.cfg.request_timeout_ms
                        ),
                    );
                    self.need_metadata = true;
                    for (p, batch) in req.batches {
                        self.retry_or_fail(p, batch, KafkaError::RequestTimedOut, out);
                    }
                }
            }
            ProducerTimer::MetadataTimeout { correlation_id } => {
                if self.metadata_in_flight == Some(correlation_id) {
                    self.metadata_in_flight = None;
                }
            }
        }
        self.run(out);
    }

    /// Handles a message.
    pub fn handle_message(&mut self, now: Tick, from: NodeId, msg: Message, out: &mut Out) {
        self.now = now;
        match msg {
            Message::MetadataResponse(resp)
                if self.metadata_in_flight == Some(resp.correlation_id) =>
            {
                self.metadata_in_flight = None;
                for b in &resp.brokers {
                    if !self.bootstrap.contains(b) {
                        self.bootstrap.push(*b);
                    }
                }
                if resp.unknown_topics.contains(&self.cfg.topic) {
                    out.note(
                        NoteKind::Client,
                        format!(
                            "{from} does not know topic {} yet (UNKNOWN_TOPIC_OR_PARTITION); asking again",
                            self.cfg.topic
                        ),
                    );
                    self.metadata_retry_at = now + self.cfg.retry_backoff_ms;
                } else {
                    let fresh: BTreeMap<i32, PartitionState> = resp
                        .partitions
                        .into_iter()
                        .filter(|p| p.tp.topic == self.cfg.topic)
                        .map(|p| (p.tp.partition, p))
                        .collect();
                    let leaders = |m: &BTreeMap<i32, PartitionState>| -> Vec<(i32, i32)> {
                        m.iter().map(|(p, s)| (*p, s.leader)).collect()
                    };
                    if leaders(&fresh) != leaders(&self.metadata) {
                        let list: Vec<String> = fresh
                            .iter()
                            .map(|(p, s)| format!("{p}->{}", s.leader))
                            .collect();
                        out.note(
                            NoteKind::Client,
                            format!("metadata from {from}: leaders {}", list.join(", ")),
                        );
                    }
                    self.metadata = fresh;
                    self.metadata_at = Some(now);
                    self.need_metadata = false;
                    self.place_records();
                }
            }
            Message::ProduceResponse(resp) => self.on_produce_response(from, resp, out),
            Message::ConnectionClosed => {
                let NodeId::Broker(b) = from else {
                    return;
                };
                let lost: Vec<u64> = self
                    .in_flight
                    .iter()
                    .filter(|(_, r)| r.broker == b)
                    .map(|(c, _)| *c)
                    .collect();
                let key = (-1 - b, "closed".to_string());
                if !lost.is_empty() && self.noted.get(&key).is_none_or(|t| now >= t + 1_000) {
                    self.noted.insert(key, now);
                    out.note(
                        NoteKind::Client,
                        format!("connection to broker {b} closed with {} request(s) in flight (NETWORK_EXCEPTION)", lost.len()),
                    );
                }
                for c in lost {
                    let req = self.in_flight.remove(&c).expect("listed");
                    for (p, batch) in req.batches {
                        self.retry_or_fail(p, batch, KafkaError::NetworkException, out);
                    }
                }
                self.need_metadata = true;
                self.metadata_in_flight = None;
            }
            _ => {}
        }
        self.run(out);
    }

    fn on_produce_response(&mut self, from: NodeId, resp: ProduceResponse, out: &mut Out) {
        let Some(req) = self.in_flight.remove(&resp.correlation_id) else {
            return;
        };
        let mut batches: BTreeMap<i32, ProducerBatch> = req.batches.into_iter().collect();
        for part in resp.partitions {
            let Some(batch) = batches.remove(&part.tp.partition) else {
                continue;
            };
            if part.error == KafkaError::None {
                self.stats.acked += batch.records.len() as u64;
                self.buffered_bytes = self.buffered_bytes.saturating_sub(batch.bytes as u64);
                self.acked.push(AckedBatch {
                    tp: part.tp,
                    base_offset: part.base_offset,
                    seqs: batch.records.clone(),
                    broker: req.broker,
                });
            } else {
                if part.error.needs_metadata() {
                    self.need_metadata = true;
                }
                let _ = from;
                self.retry_or_fail(part.tp.partition, batch, part.error, out);
            }
        }
        for (p, batch) in batches {
            self.retry_or_fail(p, batch, KafkaError::RequestTimedOut, out);
        }
    }

    fn retry_or_fail(
        &mut self,
        partition: i32,
        mut batch: ProducerBatch,
        error: KafkaError,
        out: &mut Out,
    ) {
        let expired = self.now >= batch.created + self.cfg.delivery_timeout_ms;
        if error.is_retriable() && batch.attempts <= self.cfg.retries && !expired {
            let key = (partition, error.to_string());
            if self.noted.get(&key).is_none_or(|t| self.now >= t + 1_000) {
                self.noted.insert(key, self.now);
                out.note(
                    NoteKind::Client,
                    format!(
                        "{}-{partition}: batch of {} records got {error}; retrying in retry.backoff.ms ({} ms)",
                        self.cfg.topic,
                        batch.records.len(),
                        self.cfg.retry_backoff_ms
                    ),
                );
            }
            batch.retry_at = self.now + self.cfg.retry_backoff_ms;
            self.queues.entry(partition).or_default().push_front(batch);
        } else {
            let why = if expired {
                format!(
                    "delivery.timeout.ms ({} ms) passed",
                    self.cfg.delivery_timeout_ms
                )
            } else {
                error.to_string()
            };
            out.note(
                NoteKind::Client,
                format!(
                    "{}-{partition}: batch of {} records FAILED ({why}); the application gets an error",
                    self.cfg.topic,
                    batch.records.len()
                ),
            );
            self.stats.failed += batch.records.len() as u64;
            self.buffered_bytes = self.buffered_bytes.saturating_sub(batch.bytes as u64);
        }
    }

    /// Creates the records the rate asks for up to now.
    fn flush_generation(&mut self) {
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
            self.unpartitioned.push_back((None, r));
        }
    }

    /// Partitions waiting records once metadata is known.
    fn place_records(&mut self) {
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

    fn sticky_partition(&mut self) -> i32 {
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

    fn append(&mut self, partition: i32, r: PendingRecord, keyless: bool) {
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

    fn leader_of(&self, partition: i32) -> Option<i32> {
        self.metadata
            .get(&partition)
            .map(|s| s.leader)
            .filter(|l| *l >= 0)
    }

    fn batch_ready(&self, b: &ProducerBatch, more_behind: bool) -> bool {
        if b.retry_at > self.now {
            return false;
        }
        more_behind
            || b.attempts > 0
            || b.bytes >= self.cfg.batch_size as usize * 9 / 10
            || self.now >= b.created + self.cfg.linger_ms
    }

    /// One round: generate, partition, expire, send, ask for metadata, and
    /// set the next wake-up.
    fn run(&mut self, out: &mut Out) {
        self.flush_generation();
        self.place_records();
        self.expire(out);
        self.maybe_request_metadata(out);
        self.send_ready(out);
        self.schedule(out);
    }

    fn expire(&mut self, out: &mut Out) {
        let deadline = self.cfg.delivery_timeout_ms;
        let now = self.now;
        let mut expired = Vec::new();
        for (p, q) in self.queues.iter_mut() {
            while q.front().is_some_and(|b| now >= b.created + deadline) {
                expired.push((*p, q.pop_front().expect("checked")));
            }
        }
        for (p, b) in expired {
            self.retry_or_fail(p, b, KafkaError::RequestTimedOut, out);
        }
    }

    fn maybe_request_metadata(&mut self, out: &mut Out) {
        let stale = self
            .metadata_at
            .is_none_or(|t| self.now >= t + self.cfg.metadata_max_age_ms);
        if !(self.need_metadata || stale)
            || self.metadata_in_flight.is_some()
            || self.now < self.metadata_retry_at
            || self.bootstrap.is_empty()
        {
            return;
        }
        let broker = self.bootstrap[self.next_bootstrap % self.bootstrap.len()];
        self.next_bootstrap += 1;
        let correlation_id = self.next_correlation;
        self.next_correlation += 1;
        self.metadata_in_flight = Some(correlation_id);
        self.metadata_retry_at = self.now + self.cfg.retry_backoff_ms;
        out.send(
            NodeId::Broker(broker),
            Message::Metadata {
                correlation_id,
                topics: vec![self.cfg.topic.clone()],
            },
        );
        out.timer(
            self.now + self.cfg.request_timeout_ms.min(5_000),
            ProducerTimer::MetadataTimeout { correlation_id },
        );
    }

    fn send_ready(&mut self, out: &mut Out) {
        let mut by_leader: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
        let mut unknown_leader = false;
        for (p, q) in &self.queues {
            let Some(front) = q.front() else {
                continue;
            };
            if !self.batch_ready(front, q.len() > 1) {
                continue;
            }
            match self.leader_of(*p) {
                Some(l) => by_leader.entry(l).or_default().push(*p),
                // Kafka's sender asks for fresh metadata when a ready batch has no leader.
                None => unknown_leader = true,
            }
        }
        if unknown_leader {
            self.need_metadata = true;
        }
        for (leader, parts) in by_leader {
            if self.in_flight_to(leader) >= self.cfg.max_in_flight as usize {
                continue;
            }
            let mut batches = Vec::with_capacity(parts.len());
            for p in parts {
                let mut b = self
                    .queues
                    .get_mut(&p)
                    .and_then(VecDeque::pop_front)
                    .expect("ready batch");
                b.attempts += 1;
                if self.sticky == Some(p) && self.queues.get(&p).is_none_or(VecDeque::is_empty) {
                    self.sticky = None;
                }
                batches.push((p, b));
            }
            let correlation_id = self.next_correlation;
            self.next_correlation += 1;
            let partitions = batches
                .iter()
                .map(|(p, b)| {
                    (
                        TopicPartition::new(&self.cfg.topic, *p),
                        ProduceBatch {
                            record_count: b.records.len() as i32,
                            bytes: b.builder.finish(-1),
                        },
                    )
                })
                .collect();
            out.send(
                NodeId::Broker(leader),
                Message::Produce(Produce {
                    correlation_id,
                    acks: self.cfg.acks.0,
                    timeout_ms: self.cfg.request_timeout_ms,
                    partitions,
                }),
            );
            if self.cfg.acks.0 == 0 {
                for (p, b) in batches {
                    self.stats.acked += b.records.len() as u64;
                    self.buffered_bytes = self.buffered_bytes.saturating_sub(b.bytes as u64);
                    self.acked.push(AckedBatch {
                        tp: TopicPartition::new(&self.cfg.topic, p),
                        base_offset: -1,
                        seqs: b.records.clone(),
                        broker: leader,
                    });
                }
                continue;
            }
            self.in_flight.insert(
                correlation_id,
                InFlightRequest {
                    broker: leader,
                    batches,
                },
            );
            out.timer(
                self.now + self.cfg.request_timeout_ms,
                ProducerTimer::RequestTimeout { correlation_id },
            );
        }
    }

    fn schedule(&mut self, out: &mut Out) {
        let mut next: Option<Tick> = None;
        let mut at = |t: Tick| next = Some(next.map_or(t, |n: Tick| n.min(t)));
        if self.cfg.rate > 0.0 {
            let wait = ((1.0 - self.carry) * 1000.0 / self.cfg.rate)
                .ceil()
                .max(1.0) as Tick;
            at(self.now + wait);
        }
        for q in self.queues.values() {
            if let Some(b) = q.front() {
                let ready_at = (b.created + self.cfg.linger_ms).max(b.retry_at);
                if ready_at > self.now {
                    at(ready_at);
                }
                at(b.created + self.cfg.delivery_timeout_ms);
            }
        }
        if self.metadata_in_flight.is_none() {
            if self.need_metadata || self.metadata_at.is_none() {
                at(self.metadata_retry_at);
            } else if let Some(t) = self.metadata_at {
                at(t + self.cfg.metadata_max_age_ms);
            }
        }
        let Some(t) = next else {
            return;
        };
        let t = t.max(self.now + 1);
        if self.wake_at.is_none_or(|w| t < w || w <= self.now) {
            self.wake_at = Some(t);
            out.timer(t, ProducerTimer::Wake);
        }
    }
}
