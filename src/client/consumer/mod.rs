//! A Kafka consumer in a group as a sans-IO node (Kafka's `KafkaConsumer`
//! with its `ConsumerCoordinator` and `Fetcher`): it finds its group's
//! coordinator, joins the group (the classic, eager protocol: all
//! partitions are revoked before rejoining), runs the assignor when it is
//! the leader, heartbeats, learns its committed offsets (or resets by
//! `auto.offset.reset`), fetches from partition leaders below the high
//! watermark, and hands records to the application `max.poll.records` at a
//! time at its processing rate. Offsets are committed every
//! `auto.commit.interval.ms`, before a rebalance and on close, or on
//! demand. Positions live only in memory: a crash loses what was processed
//! since the last commit, and whoever takes the partitions reads it again.
//!
//! Invariants: the consumer fetches only partitions of its current
//! assignment; a record reaches the application once per position (a
//! seek or a rebalance may move the position back).

mod config;
mod fetch;
mod heartbeat;
mod membership;
mod requests;

pub use config::{ConsumerConfig, OffsetReset, MAX_PROCESSING_RATE};

use crate::protocol::{KafkaError, Message};
use crate::sim::{NodeId, NoteKind, Outbox, Tick};
use crate::topic::{PartitionState, TopicPartition};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// Timers of a consumer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsumerTimer {
    /// Poll, heartbeat, commit, fetch, ask for metadata as due.
    Wake,
    /// A request went unanswered for `request.timeout.ms`.
    RequestTimeout {
        /// The request.
        correlation_id: u64,
    },
}

/// Where the consumer stands in its group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Not a member: will find the coordinator and join.
    Unjoined,
    /// Committing its positions before it rejoins (eager rebalance).
    CommittingBeforeJoin,
    /// JoinGroup sent.
    Joining,
    /// SyncGroup sent.
    Syncing,
    /// Has its assignment.
    Stable,
    /// Closed (left the group) or crashed.
    Closed,
}

/// Where to move a partition's position (`seek`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "to", content = "value")]
pub enum SeekTo {
    /// `seekToBeginning`.
    Beginning,
    /// `seekToEnd`.
    End,
    /// `seek(offset)`.
    Offset(i64),
    /// `offsetsForTimes` then `seek`.
    Timestamp(i64),
}

/// What a consumer has done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConsumerStats {
    /// Records handed to the application.
    pub consumed: u64,
    /// Offset commits acknowledged.
    pub commits: u64,
    /// Commits refused (e.g. ILLEGAL_GENERATION).
    pub failed_commits: u64,
    /// Generations joined.
    pub rebalances: u64,
    /// Positions reset by `auto.offset.reset` after OFFSET_OUT_OF_RANGE.
    pub out_of_range_resets: u64,
}

/// What a request in flight was.
#[derive(Clone, Debug, PartialEq)]
enum Req {
    Metadata,
    FindCoordinator,
    Join,
    Sync,
    Heartbeat {
        generation: i32,
    },
    Commit {
        offsets: Vec<(TopicPartition, i64)>,
        before_join: bool,
    },
    OffsetFetch,
    ListOffsets,
    Fetch,
    Leave,
}

impl Req {
    fn name(&self) -> &'static str {
        match self {
            Req::Metadata => "Metadata",
            Req::FindCoordinator => "FindCoordinator",
            Req::Join => "JoinGroup",
            Req::Sync => "SyncGroup",
            Req::Heartbeat { .. } => "Heartbeat",
            Req::Commit { .. } => "OffsetCommit",
            Req::OffsetFetch => "OffsetFetch",
            Req::ListOffsets => "ListOffsets",
            Req::Fetch => "Fetch",
            Req::Leave => "LeaveGroup",
        }
    }
}

/// A consumer node.
#[derive(Clone, Debug)]
pub struct Consumer {
    id: i32,
    cfg: ConsumerConfig,
    bootstrap: Vec<i32>,
    next_bootstrap: usize,
    now: Tick,
    next_correlation: u64,
    in_flight: BTreeMap<u64, (Req, i32)>,
    metadata: BTreeMap<TopicPartition, PartitionState>,
    metadata_at: Option<Tick>,
    need_metadata: bool,
    /// No metadata request before this (`retry.backoff.ms` after the last answer).
    metadata_retry_at: Tick,
    retry_at: Tick,
    coordinator: Option<i32>,
    member_id: String,
    generation: i32,
    leader: String,
    phase: Phase,
    assignment: Vec<TopicPartition>,
    /// The assignment given up at the last rejoin and its generation (the
    /// sticky assignor keeps partitions where they were).
    previous: (Vec<TopicPartition>, i32),
    /// Partition counts the assignment was computed for (the leader
    /// rejoins when they change).
    assigned_counts: BTreeMap<String, u32>,
    positions: BTreeMap<TopicPartition, i64>,
    fetch_offsets: BTreeMap<TopicPartition, i64>,
    committed: BTreeMap<TopicPartition, i64>,
    high_watermarks: BTreeMap<TopicPartition, i64>,
    /// The highest high watermark any fetch answer reported, per partition.
    high_watermarks_max: BTreeMap<TopicPartition, i64>,
    /// Partitions waiting for a committed offset or a reset.
    unpositioned: Vec<TopicPartition>,
    /// Partitions waiting for a `ListOffsets` answer, with the timestamp asked.
    resets: BTreeMap<TopicPartition, i64>,
    /// Fetched, not yet polled: runs of offsets `(partition, first, last)`.
    buffer: VecDeque<(TopicPartition, i64, i64)>,
    processing_until: Option<Tick>,
    last_commit: Tick,
    next_heartbeat: Tick,
    /// Last successful heartbeat answer (or the end of the last join).
    heartbeat_ok_at: Tick,
    stats: ConsumerStats,
    processed: Vec<(TopicPartition, i64, i64)>,
    closing: bool,
    wake_at: Option<Tick>,
    noted: BTreeMap<String, Tick>,
    /// Brokers whose last request failed, with when to try them again.
    node_backoff: BTreeMap<i32, Tick>,
}

type Out = Outbox<ConsumerTimer>;

impl Consumer {
    /// A consumer that bootstraps from `bootstrap` brokers.
    pub fn new(id: i32, cfg: ConsumerConfig, bootstrap: Vec<i32>) -> Self {
        Consumer {
            id,
            cfg,
            bootstrap,
            next_bootstrap: 0,
            now: 0,
            next_correlation: 1,
            in_flight: BTreeMap::new(),
            metadata: BTreeMap::new(),
            metadata_at: None,
            need_metadata: true,
            metadata_retry_at: 0,
            retry_at: 0,
            coordinator: None,
            member_id: String::new(),
            generation: -1,
            leader: String::new(),
            phase: Phase::Unjoined,
            assignment: Vec::new(),
            previous: (Vec::new(), -1),
            assigned_counts: BTreeMap::new(),
            positions: BTreeMap::new(),
            fetch_offsets: BTreeMap::new(),
            committed: BTreeMap::new(),
            high_watermarks: BTreeMap::new(),
            high_watermarks_max: BTreeMap::new(),
            unpositioned: Vec::new(),
            resets: BTreeMap::new(),
            buffer: VecDeque::new(),
            processing_until: None,
            last_commit: 0,
            next_heartbeat: 0,
            heartbeat_ok_at: 0,
            stats: ConsumerStats::default(),
            processed: Vec::new(),
            closing: false,
            wake_at: None,
            noted: BTreeMap::new(),
            node_backoff: BTreeMap::new(),
        }
    }

    /// Its number (`consumer-N`).
    pub fn id(&self) -> i32 {
        self.id
    }

    /// `client.id`.
    pub fn client_id(&self) -> String {
        NodeId::Consumer(self.id).to_string()
    }

    /// Settings.
    pub fn config(&self) -> &ConsumerConfig {
        &self.cfg
    }

    /// Counters.
    pub fn stats(&self) -> ConsumerStats {
        self.stats
    }

    /// Where it stands in the group.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Member id given by the coordinator (empty before the first join).
    pub fn member_id(&self) -> &str {
        &self.member_id
    }

    /// Generation of its assignment (-1: none).
    pub fn generation(&self) -> i32 {
        self.generation
    }

    /// True when it led the last join.
    pub fn is_leader(&self) -> bool {
        !self.member_id.is_empty() && self.leader == self.member_id
    }

    /// The coordinator it talks to.
    pub fn coordinator(&self) -> Option<i32> {
        self.coordinator
    }

    /// Its partitions.
    pub fn assignment(&self) -> &[TopicPartition] {
        &self.assignment
    }

    /// Next offset handed to the application, per partition.
    pub fn positions(&self) -> &BTreeMap<TopicPartition, i64> {
        &self.positions
    }

    /// Last committed offsets it knows of.
    pub fn committed(&self) -> &BTreeMap<TopicPartition, i64> {
        &self.committed
    }

    /// High watermarks from the last fetches.
    pub fn high_watermarks(&self) -> &BTreeMap<TopicPartition, i64> {
        &self.high_watermarks
    }

    /// The highest high watermark any fetch answer reported, per
    /// partition (a leader change may lower the current one).
    pub fn high_watermarks_max(&self) -> &BTreeMap<TopicPartition, i64> {
        &self.high_watermarks_max
    }

    /// Records fetched and not yet polled.
    pub fn buffered(&self) -> u64 {
        self.buffer.iter().map(|(_, a, b)| (b - a + 1) as u64).sum()
    }

    /// Leaders it fetches from now, with the partitions.
    pub fn fetching_from(&self) -> BTreeMap<i32, Vec<TopicPartition>> {
        let mut out: BTreeMap<i32, Vec<TopicPartition>> = BTreeMap::new();
        for tp in &self.assignment {
            if let Some(ps) = self.metadata.get(tp).filter(|p| p.leader >= 0) {
                out.entry(ps.leader).or_default().push(tp.clone());
            }
        }
        out
    }

    /// Ranges `(partition, first, last)` handed to the application since
    /// the last call (the world counts duplicates from them).
    pub fn take_processed(&mut self) -> Vec<(TopicPartition, i64, i64)> {
        std::mem::take(&mut self.processed)
    }

    /// Starts: metadata, coordinator, join.
    pub fn start(&mut self, now: Tick, out: &mut Out) {
        self.now = now;
        self.last_commit = now;
        out.note(
            NoteKind::Client,
            format!(
                "consumer started: group {}, topics {}, {} assignor, auto.offset.reset={}, {}",
                self.cfg.group_id,
                self.cfg.topics.join(","),
                assignor_name(self.cfg.partition_assignment_strategy),
                match self.cfg.auto_offset_reset {
                    OffsetReset::Earliest => "earliest",
                    OffsetReset::Latest => "latest",
                    OffsetReset::None => "none",
                },
                if self.cfg.enable_auto_commit {
                    format!("auto-commit every {} ms", self.cfg.auto_commit_interval_ms)
                } else {
                    "manual commits".to_string()
                }
            ),
        );
        self.run(out);
    }

    /// Changes the settings that can change while running (processing
    /// rate, commit mode, poll size).
    pub fn reconfigure(&mut self, cfg: ConsumerConfig, now: Tick, out: &mut Out) {
        self.now = now;
        self.cfg.processing_rate = cfg.processing_rate;
        self.cfg.enable_auto_commit = cfg.enable_auto_commit;
        self.cfg.auto_commit_interval_ms = cfg.auto_commit_interval_ms;
        self.cfg.max_poll_records = cfg.max_poll_records;
        self.run(out);
    }

    /// `commitAsync()` of the current positions.
    pub fn commit_now(&mut self, now: Tick, out: &mut Out) {
        self.now = now;
        self.send_commit(false, out);
        self.run(out);
    }

    /// `close()`: commit (with auto-commit), leave the group, stop.
    pub fn close(&mut self, now: Tick, out: &mut Out) {
        self.now = now;
        if self.cfg.enable_auto_commit {
            self.send_commit(false, out);
        }
        if let (Some(c), false) = (self.coordinator, self.member_id.is_empty()) {
            let member_id = self.member_id.clone();
            let correlation_id = self.request(Req::Leave, c, out);
            out.send(
                NodeId::Broker(c),
                Message::LeaveGroup(crate::protocol::group::LeaveGroup {
                    correlation_id,
                    group_id: self.cfg.group_id.clone(),
                    member_id,
                }),
            );
        }
        out.note(
            NoteKind::Client,
            "consumer closed: LeaveGroup sent to the coordinator; its partitions go to the others at the rebalance",
        );
        self.closing = true;
        self.phase = Phase::Closed;
        self.assignment.clear();
        self.buffer.clear();
    }

    /// Moves the position of `tp` (must be assigned).
    pub fn seek(
        &mut self,
        now: Tick,
        tp: &TopicPartition,
        to: SeekTo,
        out: &mut Out,
    ) -> Result<(), String> {
        self.now = now;
        if !self.assignment.contains(tp) {
            return Err(format!("{tp} is not assigned to consumer-{}", self.id));
        }
        self.buffer.retain(|(t, _, _)| t != tp);
        match to {
            SeekTo::Offset(o) => {
                self.positions.insert(tp.clone(), o);
                self.fetch_offsets.insert(tp.clone(), o);
            }
            SeekTo::Beginning => self.list_offsets(
                vec![(tp.clone(), crate::protocol::group::EARLIEST_TIMESTAMP)],
                out,
            ),
            SeekTo::End => self.list_offsets(
                vec![(tp.clone(), crate::protocol::group::LATEST_TIMESTAMP)],
                out,
            ),
            SeekTo::Timestamp(t) => self.list_offsets(vec![(tp.clone(), t)], out),
        }
        out.note(NoteKind::Client, format!("seek {tp} to {to:?}"));
        self.run(out);
        Ok(())
    }

    /// Handles a timer.
    pub fn handle_timer(&mut self, now: Tick, timer: ConsumerTimer, out: &mut Out) {
        self.now = now;
        if self.closing {
            return;
        }
        match timer {
            ConsumerTimer::Wake => {
                if self.wake_at != Some(now) {
                    return;
                }
                self.wake_at = None;
            }
            ConsumerTimer::RequestTimeout { correlation_id } => {
                if let Some((req, broker)) = self.in_flight.remove(&correlation_id) {
                    self.request_failed(req, broker, KafkaError::RequestTimedOut, out);
                }
            }
        }
        self.run(out);
    }

    /// Handles a message.
    pub fn handle_message(&mut self, now: Tick, from: NodeId, msg: Message, out: &mut Out) {
        self.now = now;
        if self.closing {
            return;
        }
        if let Message::ConnectionClosed = msg {
            let NodeId::Broker(b) = from else {
                return;
            };
            let lost: Vec<u64> = self
                .in_flight
                .iter()
                .filter(|(_, (_, to))| *to == b)
                .map(|(c, _)| *c)
                .collect();
            for c in lost {
                let (req, broker) = self.in_flight.remove(&c).expect("listed");
                self.request_failed(req, broker, KafkaError::NetworkException, out);
            }
            self.run(out);
            return;
        }
        let Some(c) = correlation_of(&msg) else {
            return;
        };
        let Some((req, _)) = self.in_flight.remove(&c) else {
            return;
        };
        match (req, msg) {
            (Req::Metadata, Message::MetadataResponse(r)) => self.on_metadata(r, out),
            (Req::FindCoordinator, Message::FindCoordinatorResponse(r)) => {
                self.on_find_coordinator(r, out)
            }
            (Req::Join, Message::JoinGroupResponse(r)) => self.on_join(r, out),
            (Req::Sync, Message::SyncGroupResponse(r)) => self.on_sync(r, out),
            (Req::Heartbeat { generation }, Message::HeartbeatResponse { error, .. }) => {
                self.on_heartbeat(generation, error, out)
            }
            (
                Req::Commit {
                    offsets,
                    before_join,
                },
                Message::OffsetCommitResponse(r),
            ) => self.on_commit(offsets, before_join, r, out),
            (Req::OffsetFetch, Message::OffsetFetchResponse(r)) => self.on_offset_fetch(r, out),
            (Req::ListOffsets, Message::ListOffsetsResponse(r)) => self.on_list_offsets(r, out),
            (Req::Fetch, Message::FetchResponse(r)) => self.on_fetch(from, r, out),
            _ => {}
        }
        self.run(out);
    }

    /// One round: metadata, coordinator, membership, positions, poll,
    /// fetch, and the next wake-up.
    fn run(&mut self, out: &mut Out) {
        if self.closing {
            return;
        }
        self.maybe_request_metadata(out);
        self.drive_membership(out);
        self.drive_positions(out);
        self.poll(out);
        self.send_fetches(out);
        self.schedule(out);
    }
}

/// The assignor's name as Kafka's `partition.assignment.strategy` short form.
pub fn assignor_name(a: crate::client::assignor::Assignor) -> &'static str {
    a.name()
}

fn correlation_of(msg: &Message) -> Option<u64> {
    Some(match msg {
        Message::MetadataResponse(r) => r.correlation_id,
        Message::FindCoordinatorResponse(r) => r.correlation_id,
        Message::JoinGroupResponse(r) => r.correlation_id,
        Message::SyncGroupResponse(r) => r.correlation_id,
        Message::HeartbeatResponse { correlation_id, .. } => *correlation_id,
        Message::LeaveGroupResponse { correlation_id, .. } => *correlation_id,
        Message::OffsetCommitResponse(r) => r.correlation_id,
        Message::OffsetFetchResponse(r) => r.correlation_id,
        Message::ListOffsetsResponse(r) => r.correlation_id,
        Message::FetchResponse(r) => r.correlation_id,
        _ => return None,
    })
}
