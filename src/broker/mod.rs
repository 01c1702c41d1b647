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
mod controller;
mod election;
pub mod group;
mod session;
mod shutdown;

pub use controller::ControllerRole;
pub use election::controller_id_from_json;

use crate::protocol::{KafkaError, Message, SessionId, ZkError, ZkOp, ZkReply, ZkResult};
use crate::sim::{NodeId, NoteKind, Outbox, Tick};
use serde::Serialize;
use std::collections::BTreeMap;

/// Most ZooKeeper requests a broker keeps outstanding.
pub const MAX_PENDING_ZK: usize = 256;

/// The settings a broker uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BrokerConfig {
    /// `zookeeper.session.timeout.ms`.
    pub zookeeper_session_timeout_ms: u64,
    /// `controller.socket.timeout.ms`.
    pub controller_socket_timeout_ms: u64,
    /// `controlled.shutdown.max.retries`: tries of ControlledShutdown before giving up.
    pub controlled_shutdown_max_retries: u32,
    /// `controlled.shutdown.retry.backoff.ms`: pause between tries.
    pub controlled_shutdown_retry_backoff_ms: u64,
}

/// Timers of a broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerTimer {
    /// ZooKeeper client heartbeat and connection check, every third of the session timeout.
    ZkHeartbeat,
    /// A controller request to `target` went unanswered for `controller.socket.timeout.ms`.
    ControllerRequestTimeout {
        /// Broker the request went to.
        target: i32,
        /// The request.
        correlation_id: u64,
    },
    /// The controller did not answer try `attempt` of `ControlledShutdown` in time.
    ShutdownTimeout {
        /// Which try.
        attempt: u32,
    },
    /// Time to try `ControlledShutdown` again.
    ShutdownRetry,
}

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
    CreateControllerEpoch,
    Elect { epoch: i32 },
    WatchBrokers,
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
}

type Out = Outbox<BrokerTimer>;

impl Broker {
    /// A broker process that has not started yet.
    pub fn new(id: i32, cfg: BrokerConfig) -> Self {
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
        }
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
        }
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
                self.on_zk_result(now, purpose, result, out);
            }
            Message::ZkWatchedEvent { event_type, path } => {
                self.on_watch(event_type, &path, out);
            }
            Message::UpdateMetadata {
                correlation_id,
                controller_id,
                controller_epoch,
                live_brokers,
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
                    out.note(
                        NoteKind::Controller,
                        format!(
                            "took UpdateMetadata from controller {controller_id} (epoch {controller_epoch}): live brokers {live_brokers:?}"
                        ),
                    );
                    self.metadata_brokers = live_brokers;
                    KafkaError::None
                };
                out.send(
                    from,
                    Message::UpdateMetadataResponse {
                        correlation_id,
                        error,
                    },
                );
            }
            Message::UpdateMetadataResponse {
                correlation_id,
                error,
            } => self.on_controller_response(now, from, correlation_id, error, out),
            Message::ControlledShutdown {
                correlation_id,
                broker_id,
            } => {
                let error = if self.role.is_some() {
                    out.note(
                        NoteKind::Controller,
                        format!("broker {broker_id} asked for a controlled shutdown: it leads no partitions, nothing to move"),
                    );
                    KafkaError::None
                } else {
                    KafkaError::NotController
                };
                out.send(
                    from,
                    Message::ControlledShutdownResponse {
                        correlation_id,
                        error,
                    },
                );
            }
            Message::ControlledShutdownResponse { error, .. }
                if self.state == BrokerState::ShuttingDown =>
            {
                out.note(
                    NoteKind::Info,
                    format!("controller answered ControlledShutdown: {error}"),
                );
                if error == KafkaError::None {
                    self.finish_shutdown(true, out);
                } else {
                    self.shutdown_failed(now, out);
                }
            }
            Message::ControlledShutdownResponse { .. } => {}
            Message::ZkConnect { .. }
            | Message::ZkPing { .. }
            | Message::ZkRequest { .. }
            | Message::ZkCloseSession { .. }
            | Message::ZkPingResponse { .. } => {}
        }
    }

    fn on_zk_result(&mut self, now: Tick, purpose: ZkPurpose, result: ZkResult, out: &mut Out) {
        match purpose {
            ZkPurpose::Register => match result {
                Ok(_) => self.registered_ok(out),
                Err((_, ZkError::NodeExists)) => self.zk_request(
                    ZkOp::GetData {
                        path: format!("/brokers/ids/{}", self.id),
                        watch: false,
                    },
                    ZkPurpose::CheckRegistration,
                    out,
                ),
                Err((_, e)) => out.note(NoteKind::Info, format!("registration failed: {e}")),
            },
            ZkPurpose::CheckRegistration => match result {
                Ok(ZkReply::Data(_, stat)) if Some(stat.ephemeral_owner) == self.session() => {
                    self.registered_ok(out)
                }
                Ok(ZkReply::Data(_, stat)) => self.fail_startup(stat.ephemeral_owner, out),
                _ => self.register(out),
            },
            ZkPurpose::WatchBrokers => self.on_broker_children(now, result, out),
            other => self.on_election_result(other, result, out),
        }
    }
}

#[cfg(test)]
mod tests;
