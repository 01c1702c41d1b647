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

pub use controller::ControllerRole;
pub use election::controller_id_from_json;

use crate::protocol::{
    session_hex, KafkaError, Message, SessionId, ZkError, ZkOp, ZkReply, ZkResult,
};
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

    fn heartbeat_interval(&self) -> Tick {
        (self.cfg.zookeeper_session_timeout_ms / 3).max(1)
    }

    /// ZooKeeper's client read timeout: 2/3 of the session timeout. No answer
    /// for that long means the connection is lost; a connect attempt gets as
    /// long before it is tried again.
    fn read_timeout(&self) -> Tick {
        let timeout = match self.zk {
            ZkConn::Connected { timeout_ms, .. } => timeout_ms,
            _ => self.cfg.zookeeper_session_timeout_ms,
        };
        (timeout * 2 / 3).max(1)
    }

    /// Starts the process: connect to ZooKeeper.
    pub fn start(&mut self, now: Tick, out: &mut Out) {
        self.now = now;
        out.note(NoteKind::Info, "starting: connecting to ZooKeeper");
        self.connect(None, out);
        out.timer(now + self.heartbeat_interval(), BrokerTimer::ZkHeartbeat);
    }

    fn connect(&mut self, resume: Option<SessionId>, out: &mut Out) {
        self.connect_sent_at = Some(self.now);
        out.send(
            NodeId::Zk,
            Message::ZkConnect {
                session_id: resume,
                timeout_ms: self.cfg.zookeeper_session_timeout_ms,
            },
        );
    }

    fn zk_request(&mut self, op: ZkOp, purpose: ZkPurpose, out: &mut Out) {
        let Some(session_id) = self.session() else {
            return;
        };
        if self.pending.len() >= MAX_PENDING_ZK {
            out.note(
                NoteKind::Info,
                "too many outstanding ZooKeeper requests; dropping one",
            );
            return;
        }
        let xid = self.next_xid;
        self.next_xid += 1;
        self.pending.insert(xid, (purpose, self.now));
        out.send(
            NodeId::Zk,
            Message::ZkRequest {
                session_id,
                xid,
                op,
            },
        );
    }

    /// Starts a controlled shutdown.
    pub fn shutdown(&mut self, now: Tick, out: &mut Out) {
        self.now = now;
        if matches!(
            self.state,
            BrokerState::Stopped(_) | BrokerState::ShuttingDown
        ) {
            return;
        }
        self.state = BrokerState::ShuttingDown;
        self.shutdown_attempts = 0;
        if self.role.is_some() {
            // The controller moves its own leaderships without a request.
            self.finish_shutdown(true, out);
        } else {
            self.try_controlled_shutdown(now, out);
        }
    }

    /// One try of `ControlledShutdown` to the controller this broker knows.
    fn try_controlled_shutdown(&mut self, now: Tick, out: &mut Out) {
        if self.role.is_some() {
            // It became the controller meanwhile: it moves its own leaderships.
            self.finish_shutdown(true, out);
            return;
        }
        self.shutdown_attempts += 1;
        let attempt = self.shutdown_attempts;
        let Some(c) = self.controller_id.filter(|c| *c != self.id) else {
            out.note(NoteKind::Info, "controlled shutdown: no controller known");
            self.shutdown_failed(now, out);
            return;
        };
        out.note(
            NoteKind::Info,
            format!(
                "controlled shutdown (try {attempt} of {}): asking controller {c} to move its leaderships",
                self.cfg.controlled_shutdown_max_retries
            ),
        );
        let correlation_id = self.next_correlation;
        self.next_correlation += 1;
        out.send(
            NodeId::Broker(c),
            Message::ControlledShutdown {
                correlation_id,
                broker_id: self.id,
            },
        );
        out.timer(
            now + self.cfg.controller_socket_timeout_ms,
            BrokerTimer::ShutdownTimeout { attempt },
        );
    }

    /// A try failed: wait `controlled.shutdown.retry.backoff.ms` and try
    /// again, or after `controlled.shutdown.max.retries` tries stop anyway.
    fn shutdown_failed(&mut self, now: Tick, out: &mut Out) {
        if self.shutdown_attempts >= self.cfg.controlled_shutdown_max_retries {
            out.note(
                NoteKind::Info,
                format!(
                    "controlled shutdown failed {} times: stopping without it",
                    self.shutdown_attempts
                ),
            );
            self.finish_shutdown(false, out);
        } else {
            out.timer(
                now + self.cfg.controlled_shutdown_retry_backoff_ms,
                BrokerTimer::ShutdownRetry,
            );
        }
    }

    fn finish_shutdown(&mut self, controlled: bool, out: &mut Out) {
        if self.role.is_some() {
            self.resign("it is shutting down", out);
        }
        if let Some(session_id) = self.session() {
            out.send(NodeId::Zk, Message::ZkCloseSession { session_id });
        }
        let how = if controlled {
            "shut down cleanly"
        } else {
            "shut down without a controlled shutdown"
        };
        out.note(
            NoteKind::Info,
            format!("{how}: closed its ZooKeeper session"),
        );
        self.state = BrokerState::Stopped("clean shutdown".to_string());
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

    fn heartbeat(&mut self, now: Tick, out: &mut Out) {
        let read_timeout = self.read_timeout();
        let connect_due = self
            .connect_sent_at
            .is_none_or(|at| now.saturating_sub(at) >= read_timeout);
        match self.zk {
            ZkConn::Connecting if connect_due => self.connect(None, out),
            ZkConn::Disconnected { session, .. } if connect_due => self.connect(Some(session), out),
            ZkConn::Connecting | ZkConn::Disconnected { .. } => {}
            ZkConn::Connected {
                session,
                last_heard,
                ..
            } => {
                // ZooKeeper's client gives up on a connection after 2/3 of the
                // session timeout without an answer; a request unanswered that
                // long means the same (over TCP it would have arrived).
                let oldest = self.pending.values().map(|(_, at)| *at).min();
                let stuck = oldest.is_some_and(|at| now.saturating_sub(at) >= read_timeout);
                if now.saturating_sub(last_heard) >= read_timeout || stuck {
                    let why = if stuck {
                        "a request went unanswered".to_string()
                    } else {
                        format!("nothing heard for {} ms", now - last_heard)
                    };
                    out.note(
                        NoteKind::Session,
                        format!(
                            "lost its ZooKeeper connection ({why}); session {} may expire",
                            session_hex(session)
                        ),
                    );
                    self.zk = ZkConn::Disconnected {
                        session,
                        since: now,
                    };
                    self.pending.clear();
                    self.connect(Some(session), out);
                } else {
                    out.send(
                        NodeId::Zk,
                        Message::ZkPing {
                            session_id: session,
                        },
                    );
                }
            }
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

    fn on_connect(&mut self, now: Tick, result: Result<(SessionId, u64), ZkError>, out: &mut Out) {
        let current = match self.zk {
            ZkConn::Connected { session, .. } | ZkConn::Disconnected { session, .. } => {
                Some(session)
            }
            ZkConn::Connecting => None,
        };
        if let Ok((stray, _)) = result {
            if current.is_some_and(|s| s != stray) {
                // The answer to an earlier attempt: that session is not needed.
                out.send(NodeId::Zk, Message::ZkCloseSession { session_id: stray });
                return;
            }
        }
        self.connect_sent_at = None;
        match (self.zk, result) {
            (ZkConn::Connecting, Ok((session, timeout_ms))) => {
                self.zk = ZkConn::Connected {
                    session,
                    timeout_ms,
                    last_heard: now,
                };
                out.note(
                    NoteKind::Session,
                    format!("connected to ZooKeeper: session {}", session_hex(session)),
                );
                self.register(out);
            }
            (ZkConn::Disconnected { session, .. }, Ok((resumed, timeout_ms)))
                if resumed == session =>
            {
                self.zk = ZkConn::Connected {
                    session,
                    timeout_ms,
                    last_heard: now,
                };
                out.note(
                    NoteKind::Session,
                    format!("reconnected: session {} still alive", session_hex(session)),
                );
                // Requests lost with the connection are asked again.
                if !self.registered {
                    self.register(out);
                } else {
                    self.watch_controller(out);
                    if self.role.is_some() {
                        self.watch_brokers(out);
                    }
                }
            }
            (ZkConn::Disconnected { .. }, Err(ZkError::SessionExpired)) => {
                self.session_expired(out)
            }
            _ => {}
        }
    }

    fn session_expired(&mut self, out: &mut Out) {
        let old = match self.zk {
            ZkConn::Connected { session, .. } | ZkConn::Disconnected { session, .. } => session,
            ZkConn::Connecting => return,
        };
        out.note(
            NoteKind::Session,
            format!(
                "learned its ZooKeeper session {} expired: its ephemeral znodes are gone",
                session_hex(old)
            ),
        );
        if self.role.is_some() {
            self.resign("its ZooKeeper session expired", out);
        }
        self.registered = false;
        self.controller_id = None;
        self.pending.clear();
        if self.state == BrokerState::ShuttingDown {
            self.state = BrokerState::Stopped("clean shutdown".to_string());
            return;
        }
        self.zk = ZkConn::Connecting;
        out.note(NoteKind::Session, "opening a new session to register again");
        self.connect(None, out);
    }

    fn register(&mut self, out: &mut Out) {
        let data = format!(
            r#"{{"listener_security_protocol_map":{{"PLAINTEXT":"PLAINTEXT"}},"endpoints":["PLAINTEXT://broker-{id}:9092"],"jmx_port":-1,"host":"broker-{id}","timestamp":"{now}","port":9092,"version":4}}"#,
            id = self.id,
            now = self.now
        );
        self.zk_request(
            ZkOp::Create {
                path: format!("/brokers/ids/{}", self.id),
                data,
                ephemeral: true,
            },
            ZkPurpose::Register,
            out,
        );
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

    fn registered_ok(&mut self, out: &mut Out) {
        self.registered = true;
        let session = self.session().map(session_hex).unwrap_or_default();
        out.note(
            NoteKind::Session,
            format!(
                "registered ephemeral /brokers/ids/{} (owned by session {session})",
                self.id
            ),
        );
        if self.state == BrokerState::Starting {
            self.state = BrokerState::Running;
        }
        self.watch_controller(out);
    }

    fn fail_startup(&mut self, owner: SessionId, out: &mut Out) {
        let reason = format!(
            "/brokers/ids/{} is still held by session {} of its previous run",
            self.id,
            session_hex(owner)
        );
        out.note(
            NoteKind::Fault,
            format!(
                "failed to start: {reason}; Kafka exits (restart it once that session has expired)"
            ),
        );
        if let Some(session_id) = self.session() {
            out.send(NodeId::Zk, Message::ZkCloseSession { session_id });
        }
        self.state = BrokerState::Stopped(reason);
    }
}

#[cfg(test)]
mod tests;
