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

use crate::protocol::kafka::{Produce, ProduceBatch, ProduceResponse};
use crate::protocol::{acks_name, KafkaError, Message};
use crate::sim::{NodeId, NoteKind, Outbox, SimRng, Tick};
use crate::topic::{PartitionState, TopicPartition};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

mod accumulator;
mod config;
mod connection;
mod sender;

pub use accumulator::{PendingRecord, ProducerBatch};
pub use config::{Acks, ProducerConfig, MAX_RATE};

/// Most records one wake-up generates (the rest wait for the next).
const MAX_RECORDS_PER_WAKE: u64 = 100_000;
/// Most records waiting for metadata (no partition known yet); past it a
/// new record fails at once, as Kafka's `send()` does after `max.block.ms`.
pub const MAX_WAITING_RECORDS: usize = 100_000;

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
    /// A new connection's `ApiVersions` went unanswered.
    ConnectTimeout {
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
    /// Brokers whose connection is not ready (absent: ready).
    connections: BTreeMap<i32, connection::Connection>,
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
            connections: BTreeMap::new(),
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
        self.wait_for_partition(partition, r);
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
            ProducerTimer::ConnectTimeout { correlation_id } => {
                if let Some(b) = self.connecting_to(correlation_id) {
                    self.on_api_versions(b, correlation_id, false, out);
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
            Message::ApiVersionsResponse { correlation_id } => {
                if let NodeId::Broker(b) = from {
                    self.on_api_versions(b, correlation_id, true, out);
                }
            }
            Message::ConnectionClosed => {
                let NodeId::Broker(b) = from else {
                    return;
                };
                self.disconnected(b);
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

    fn schedule(&mut self, out: &mut Out) {
        let mut next: Option<Tick> = None;
        let mut at = |t: Tick| next = Some(next.map_or(t, |n: Tick| n.min(t)));
        if self.cfg.rate > 0.0 {
            let wait = ((1.0 - self.carry) * 1000.0 / self.cfg.rate)
                .ceil()
                .max(1.0) as Tick;
            at(self.now + wait);
        }
        if let Some(t) = self.next_reconnect() {
            at(t);
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
