//! A Kafka broker as a sans-IO node (ZooKeeper mode): it opens a ZooKeeper
//! session and keeps it alive with heartbeats, registers the ephemeral znode
//! `/brokers/ids/<id>`, takes part in the controller election
//! (`election.rs`), acts as the controller when it wins (`controller.rs`),
//! and fences requests from controllers with an older controller epoch.
//!
//! Invariants: a broker believes it is the controller only for the epoch it
//! wrote to `/controller_epoch` itself; the controller epoch it accepts
//! requests from never goes down.

pub mod assignment;
mod config;
mod controller;
pub mod coordinator;
mod election;
mod fetcher;
pub mod group;
mod isr;
pub mod partitions;
mod produce;
mod replica;
mod retention;
mod session;
mod shutdown;
mod topics;

pub use config::{BrokerConfig, BrokerTimer};
pub use controller::ControllerRole;
pub use coordinator::{Coordinator, Group, GroupState, LoadState, Member, OFFSETS_TOPIC};
pub use election::controller_id_from_json;
pub use fetcher::Fetcher;
pub use replica::{Disk, Follow, FollowerView, Replica};
pub use retention::MAX_DISK_BYTES;

use crate::protocol::{KafkaError, Message, SessionId, ZkError, ZkOp, ZkReply, ZkResult};
use crate::sim::{NodeId, NoteKind, Outbox, Tick};
use crate::topic::{PartitionState, TopicPartition};
use produce::DelayedProduce;
use replica::ParkedFetch;
use serde::Serialize;
use std::collections::BTreeMap;

/// Most ZooKeeper requests a broker keeps outstanding: a memory bound far
/// above what the cluster limits allow at once (every partition of 64
/// topics of 256 partitions read and written together), so no request the
/// controller needs is ever dropped.
pub const MAX_PENDING_ZK: usize = 65_536;

/// Lifecycle of the broker process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "reason")]
pub enum BrokerState {
    /// Connecting to ZooKeeper and registering.
    Starting,
    /// Registered and serving.
    Running,
    /// Controlled shutdown under way.
    ShuttingDown,
    /// The process has exited, with the reason.
    Stopped(String),
}

/// The broker's ZooKeeper client connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZkConn {
    /// Asking for a new session.
    Connecting,
    /// Session open; `last_heard` is when the server last answered.
    Connected {
        /// Session id.
        session: SessionId,
        /// Negotiated timeout.
        timeout_ms: u64,
        /// Last time anything arrived from ZooKeeper.
        last_heard: Tick,
    },
    /// Connection lost; trying to resume `session` before it expires.
    Disconnected {
        /// Session to resume.
        session: SessionId,
        /// Since when.
        since: Tick,
    },
}

/// Why a ZooKeeper request was sent: decides what its answer means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ZkPurpose {
    Register,
    CheckRegistration,
    WatchController,
    ReadController,
    ReadControllerEpoch,
    ReclaimControllerEpoch,
    CreateControllerEpoch,
    Elect { epoch: i32 },
    WatchBrokers,
    Controller,
    IsrUpdate,
    IsrRecheck,
    IsrNotification,
    CreateOffsetsTopic,
}

/// A broker node.
#[derive(Clone, Debug)]
pub struct Broker {
    id: i32,
    cfg: BrokerConfig,
    state: BrokerState,
    zk: ZkConn,
    next_xid: u64,
    /// Outstanding ZooKeeper requests: why, and when sent.
    pending: BTreeMap<u64, (ZkPurpose, Tick)>,
    registered: bool,
    /// The controller as this broker last read it from `/controller`.
    controller_id: Option<i32>,
    /// Highest controller epoch this broker has accepted requests from.
    controller_epoch: i32,
    role: Option<ControllerRole>,
    /// Live brokers from the last accepted `UpdateMetadata`.
    metadata_brokers: Vec<i32>,
    next_correlation: u64,
    /// When the outstanding connect request was sent, if one is.
    connect_sent_at: Option<Tick>,
    /// Tries of `ControlledShutdown` made so far.
    shutdown_attempts: u32,
    /// Time of the input being handled (passed in by the kernel).
    now: Tick,
    /// Partition replicas hosted here.
    replicas: BTreeMap<TopicPartition, Replica>,
    /// Logs and the high watermark checkpoint (they survive a crash).
    disk: Disk,
    /// Follower fetchers by leader.
    fetchers: BTreeMap<i32, Fetcher>,
    delayed_produce: BTreeMap<u64, DelayedProduce>,
    parked_fetches: BTreeMap<u64, ParkedFetch>,
    isr_writes: BTreeMap<u64, TopicPartition>,
    /// Partitions from the last accepted `UpdateMetadata`.
    metadata_partitions: BTreeMap<TopicPartition, PartitionState>,
    noted: BTreeMap<(TopicPartition, &'static str), Tick>,
    became_leader: Vec<(TopicPartition, i32)>,
    /// The controller is shutting itself down once its writes land.
    finish_when_written: bool,
    /// The group coordinator.
    coord: Coordinator,
    /// Log bytes appended since the disk budget was last checked.
    appended_since_disk_check: usize,
}

type Out = Outbox<BrokerTimer>;

impl Broker {
    /// A broker process that has not started yet, over `disk` (what its
    /// previous run left, or empty).
    pub fn new(id: i32, cfg: BrokerConfig, disk: Disk) -> Self {
        Broker {
            id,
            cfg,
            state: BrokerState::Starting,
            zk: ZkConn::Connecting,
            next_xid: 1,
            pending: BTreeMap::new(),
            registered: false,
            controller_id: None,
            controller_epoch: 0,
            role: None,
            metadata_brokers: Vec::new(),
            next_correlation: 1,
            connect_sent_at: None,
            shutdown_attempts: 0,
            now: 0,
            replicas: BTreeMap::new(),
            disk,
            fetchers: BTreeMap::new(),
            delayed_produce: BTreeMap::new(),
            parked_fetches: BTreeMap::new(),
            isr_writes: BTreeMap::new(),
            metadata_partitions: BTreeMap::new(),
            noted: BTreeMap::new(),
            became_leader: Vec::new(),
            finish_when_written: false,
            coord: Coordinator::default(),
            appended_since_disk_check: 0,
        }
    }

    /// Partitions as the last accepted `UpdateMetadata` described them.
    pub fn metadata_partitions(&self) -> &BTreeMap<TopicPartition, PartitionState> {
        &self.metadata_partitions
    }

    /// The broker's settings.
    pub fn config(&self) -> &BrokerConfig {
        &self.cfg
    }

    /// True when a test planted this bug.
    pub(crate) fn planted(&self, m: crate::sim::Mutation) -> bool {
        self.cfg.mutation == Some(m)
    }

    /// `broker.id`.
    pub fn id(&self) -> i32 {
        self.id
    }

    /// Lifecycle state.
    pub fn state(&self) -> &BrokerState {
        &self.state
    }

    /// ZooKeeper connection state.
    pub fn zk_conn(&self) -> ZkConn {
        self.zk
    }

    /// The controller role, when this broker believes it is the controller.
    pub fn role(&self) -> Option<&ControllerRole> {
        self.role.as_ref()
    }

    /// The controller as last read from ZooKeeper.
    pub fn known_controller(&self) -> Option<i32> {
        self.controller_id
    }

    /// Highest controller epoch accepted.
    pub fn controller_epoch(&self) -> i32 {
        self.controller_epoch
    }

    /// Live brokers as the last `UpdateMetadata` said.
    pub fn metadata_brokers(&self) -> &[i32] {
        &self.metadata_brokers
    }

    /// True while registered in `/brokers/ids`.
    pub fn is_registered(&self) -> bool {
        self.registered
    }

    fn session(&self) -> Option<SessionId> {
        match self.zk {
            ZkConn::Connected { session, .. } => Some(session),
            _ => None,
        }
    }

    /// Starts the process: connect to ZooKeeper.
    pub fn start(&mut self, now: Tick, out: &mut Out) {
        self.now = now;
        out.note(NoteKind::Info, "starting: connecting to ZooKeeper");
        self.connect(None, out);
        out.timer(now + self.heartbeat_interval(), BrokerTimer::ZkHeartbeat);
        out.timer(now + self.isr_check_interval(), BrokerTimer::IsrCheck);
        out.timer(
            now + self.cfg.log_retention_check_interval_ms,
            BrokerTimer::RetentionCheck,
        );
        out.timer(
            now + self.cfg.hw_checkpoint_interval_ms,
            BrokerTimer::HwCheckpoint,
        );
        if self.cfg.auto_leader_rebalance_enable {
            out.timer(
                now + self.cfg.leader_imbalance_check_interval_ms,
                BrokerTimer::LeaderRebalance,
            );
        }
    }

    fn isr_check_interval(&self) -> Tick {
        (self.cfg.replica_lag_time_max_ms / 2).max(1)
    }

    /// Handles a timer.
    pub fn handle_timer(&mut self, now: Tick, timer: BrokerTimer, out: &mut Out) {
        self.now = now;
        if matches!(self.state, BrokerState::Stopped(_)) {
            return;
        }
        match timer {
            BrokerTimer::ZkHeartbeat => {
                self.heartbeat(now, out);
                // Check again no later than the moment the read timeout would pass.
                let mut next = now + self.heartbeat_interval();
                if let ZkConn::Connected { last_heard, .. } = self.zk {
                    next = next.min(last_heard + self.read_timeout() + 1);
                }
                out.timer(next.max(now + 1), BrokerTimer::ZkHeartbeat);
            }
            BrokerTimer::ControllerRequestTimeout {
                target,
                correlation_id,
            } => self.controller_request_timeout(now, target, correlation_id, out),
            BrokerTimer::ShutdownTimeout { attempt }
                if self.state == BrokerState::ShuttingDown && attempt == self.shutdown_attempts =>
            {
                out.note(
                    NoteKind::Info,
                    format!(
                        "no answer to ControlledShutdown within controller.socket.timeout.ms ({} ms)",
                        self.cfg.controller_socket_timeout_ms
                    ),
                );
                self.shutdown_failed(now, out);
            }
            BrokerTimer::ShutdownRetry if self.state == BrokerState::ShuttingDown => {
                self.try_controlled_shutdown(now, out)
            }
            BrokerTimer::ShutdownTimeout { .. } | BrokerTimer::ShutdownRetry => {}
            BrokerTimer::IsrCheck => {
                self.isr_check(out);
                out.timer(now + self.isr_check_interval(), BrokerTimer::IsrCheck);
            }
            BrokerTimer::RetentionCheck => {
                self.retention_check(out);
                out.timer(
                    now + self.cfg.log_retention_check_interval_ms,
                    BrokerTimer::RetentionCheck,
                );
            }
            BrokerTimer::HwCheckpoint => {
                self.checkpoint_hw();
                out.timer(
                    now + self.cfg.hw_checkpoint_interval_ms,
                    BrokerTimer::HwCheckpoint,
                );
            }
            BrokerTimer::LeaderRebalance => {
                self.leader_rebalance_check(out);
                out.timer(
                    now + self.cfg.leader_imbalance_check_interval_ms,
                    BrokerTimer::LeaderRebalance,
                );
            }
            BrokerTimer::FetchTimeout {
                leader,
                correlation_id,
            } => self.fetch_timeout(leader, correlation_id, out),
            BrokerTimer::EpochQueryTimeout {
                leader,
                correlation_id,
            } => self.epoch_query_timeout(leader, correlation_id, out),
            BrokerTimer::FetchBackoff { leader } => self.fetch_backoff_over(leader, out),
            BrokerTimer::FetchWait { key } => self.answer_parked(key, out),
            BrokerTimer::ProduceTimeout { key } => self.produce_timeout(key, out),
            BrokerTimer::GroupDeadlines => self.group_deadlines(out),
            BrokerTimer::OffsetsLoaded { partition, epoch } => {
                self.offsets_loaded(partition, epoch, out)
            }
            BrokerTimer::OffsetWriteTimeout { key } => self.offset_write_timeout(key, out),
        }
        self.flush_controller_requests(out);
        self.maybe_finish_own_shutdown(out);
    }

    /// Handles a message from `from`.
    pub fn handle_message(&mut self, now: Tick, from: NodeId, msg: Message, out: &mut Out) {
        self.now = now;
        if matches!(self.state, BrokerState::Stopped(_)) {
            return;
        }
        if from == NodeId::Zk {
            if let ZkConn::Connected { last_heard, .. } = &mut self.zk {
                *last_heard = now;
            }
        }
        match msg {
            Message::ZkConnectResponse { result } => self.on_connect(now, result, out),
            Message::ZkPingResponse {
                result: Err(ZkError::SessionExpired),
            } => self.session_expired(out),
            Message::ZkResponse { xid, result } => {
                let Some((purpose, _)) = self.pending.remove(&xid) else {
                    return;
                };
                if let Err((_, ZkError::SessionExpired)) = result {
                    self.session_expired(out);
                    return;
                }
                self.on_zk_result(now, xid, purpose, result, out);
            }
            Message::ZkWatchedEvent { event_type, path } => {
                self.on_watch(event_type, &path, out);
            }
            Message::UpdateMetadata {
                correlation_id,
                controller_id,
                controller_epoch,
                live_brokers,
                partitions,
            } => {
                let error = if controller_epoch < self.controller_epoch {
                    out.note(
                        NoteKind::Fence,
                        format!(
                            "refused UpdateMetadata from broker {controller_id}: its controller epoch {controller_epoch} is older than {} (STALE_CONTROLLER_EPOCH)",
                            self.controller_epoch
                        ),
                    );
                    KafkaError::StaleControllerEpoch
                } else {
                    self.controller_epoch = controller_epoch;
                    self.controller_id = Some(controller_id);
                    if live_brokers != self.metadata_brokers {
                        out.note(
                            NoteKind::Controller,
                            format!(
                                "took UpdateMetadata from controller {controller_id} (epoch {controller_epoch}): live brokers {live_brokers:?}"
                            ),
                        );
                    }
                    self.metadata_brokers = live_brokers;
                    self.metadata_partitions =
                        partitions.into_iter().map(|p| (p.tp.clone(), p)).collect();
                    KafkaError::None
                };
                if from != NodeId::Broker(self.id) {
                    out.send(
                        from,
                        Message::UpdateMetadataResponse {
                            correlation_id,
                            error,
                        },
                    );
                }
            }
            Message::UpdateMetadataResponse {
                correlation_id,
                error,
            }
            | Message::LeaderAndIsrResponse {
                correlation_id,
                error,
            }
            | Message::StopReplicaResponse {
                correlation_id,
                error,
            } => self.on_controller_response(now, from, correlation_id, error, out),
            Message::ControlledShutdown {
                correlation_id,
                broker_id,
            } => {
                let (error, partitions_remaining) = if self.role.is_some() {
                    let remaining = self.controlled_shutdown_moves(broker_id, out);
                    out.note(
                        NoteKind::Controller,
                        format!(
                            "broker {broker_id} asked for a controlled shutdown: its leaderships move to other ISR members{}",
                            if remaining > 0 {
                                format!("; {remaining} partition(s) have no other in-sync replica")
                            } else {
                                String::new()
                            }
                        ),
                    );
                    (KafkaError::None, remaining as u32)
                } else {
                    (KafkaError::NotController, 0)
                };
                out.send(
                    from,
                    Message::ControlledShutdownResponse {
                        correlation_id,
                        error,
                        partitions_remaining,
                    },
                );
            }
            Message::ControlledShutdownResponse {
                error,
                partitions_remaining,
                ..
            } if self.state == BrokerState::ShuttingDown => {
                out.note(
                    NoteKind::Info,
                    format!(
                        "controller answered ControlledShutdown: {error}, {partitions_remaining} partition(s) remaining"
                    ),
                );
                if error == KafkaError::None && partitions_remaining == 0 {
                    self.finish_shutdown(true, out);
                } else {
                    self.shutdown_failed(now, out);
                }
            }
            Message::LeaderAndIsr(req) => self.on_leader_and_isr(from, *req, out),
            Message::StopReplica {
                correlation_id,
                controller_epoch,
                partitions,
                delete,
                ..
            } => self.on_stop_replica(
                from,
                correlation_id,
                controller_epoch,
                partitions,
                delete,
                out,
            ),
            Message::Fetch(req) => self.on_fetch(from, req, out),
            Message::FetchResponse(resp) => self.on_fetch_response(from, resp, out),
            Message::OffsetsForLeaderEpoch(req) => self.on_epoch_query(from, req, out),
            Message::OffsetsForLeaderEpochResponse(resp) => self.on_epoch_response(from, resp, out),
            Message::Metadata {
                correlation_id,
                topics,
            } => self.on_metadata_request(from, correlation_id, topics, out),
            Message::Produce(req) => self.on_produce(from, req, out),
            Message::ApiVersions { correlation_id } => {
                out.send(from, Message::ApiVersionsResponse { correlation_id })
            }
            Message::FindCoordinator(req) => self.on_find_coordinator(from, req, out),
            Message::JoinGroup(req) => self.on_join_group(from, req, out),
            Message::SyncGroup(req) => self.on_sync_group(from, req, out),
            Message::Heartbeat(req) => self.on_heartbeat(from, req, out),
            Message::LeaveGroup(req) => self.on_leave_group(from, req, out),
            Message::OffsetCommit(req) => self.on_offset_commit(from, req, out),
            Message::OffsetFetch(req) => self.on_offset_fetch(from, req, out),
            Message::ListOffsets(req) => self.on_list_offsets(from, req, out),
            Message::ConnectionClosed => self.on_connection_closed(from, out),
            Message::ControlledShutdownResponse { .. } => {}
            Message::ZkConnect { .. }
            | Message::ZkPing { .. }
            | Message::ZkRequest { .. }
            | Message::ZkCloseSession { .. }
            | Message::ZkPingResponse { .. }
            | Message::MetadataResponse(_)
            | Message::ApiVersionsResponse { .. }
            | Message::ProduceResponse(_)
            | Message::FindCoordinatorResponse(_)
            | Message::JoinGroupResponse(_)
            | Message::SyncGroupResponse(_)
            | Message::HeartbeatResponse { .. }
            | Message::LeaveGroupResponse { .. }
            | Message::OffsetCommitResponse(_)
            | Message::OffsetFetchResponse(_)
            | Message::ListOffsetsResponse(_) => {}
        }
        self.flush_controller_requests(out);
        self.maybe_finish_own_shutdown(out);
    }

    fn on_zk_result(
        &mut self,
        now: Tick,
        xid: u64,
        purpose: ZkPurpose,
        result: ZkResult,
        out: &mut Out,
    ) {
        match purpose {
            ZkPurpose::Register => match result {
                Ok(_) => self.registered_ok(out),
                Err((_, ZkError::NodeExists)) => {
                    self.zk_request(
                        ZkOp::GetData {
                            path: format!("/brokers/ids/{}", self.id),
                            watch: false,
                        },
                        ZkPurpose::CheckRegistration,
                        out,
                    );
                }
                Err((_, e)) => out.note(NoteKind::Info, format!("registration failed: {e}")),
            },
            ZkPurpose::CheckRegistration => match result {
                Ok(ZkReply::Data(_, stat)) if Some(stat.ephemeral_owner) == self.session() => {
                    self.registered_ok(out)
                }
                Ok(ZkReply::Data(_, stat)) => self.fail_startup(stat.ephemeral_owner, out),
                _ => self.register(out),
            },
            ZkPurpose::WatchBrokers => self.on_broker_children(result, out),
            ZkPurpose::Controller => self.on_ctl_result(xid, result, out),
            ZkPurpose::IsrUpdate => self.on_isr_written(xid, result, out),
            ZkPurpose::IsrRecheck => self.on_isr_rechecked(xid, result, out),
            ZkPurpose::IsrNotification => {}
            ZkPurpose::CreateOffsetsTopic => self.offsets_topic_created(&result, out),
            other => {
                let _ = now;
                self.on_election_result(other, result, out)
            }
        }
    }
}

#[cfg(test)]
mod tests;
