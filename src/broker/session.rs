//! The broker's ZooKeeper client: one session, opened with a connect and
//! kept alive by pings every third of the session timeout; the connection is
//! given up after the read timeout (2/3 of the session timeout) without an
//! answer and resumed if the session still lives, else a new session is
//! opened and the broker registers again. Registration is the ephemeral
//! `/brokers/ids/<id>`; finding it held by an older session of the same
//! broker fails the startup, as in Kafka.

use super::{Broker, BrokerState, Out, ZkConn, ZkPurpose, MAX_PENDING_ZK};
use crate::protocol::{session_hex, Message, SessionId, ZkError, ZkOp};
use crate::sim::{NodeId, NoteKind, Tick};

impl Broker {
    pub(super) fn heartbeat_interval(&self) -> Tick {
        (self.cfg.zookeeper_session_timeout_ms / 3).max(1)
    }

    /// ZooKeeper's client read timeout: 2/3 of the session timeout. No answer
    /// for that long means the connection is lost; a connect attempt gets as
    /// long before it is tried again.
    pub(super) fn read_timeout(&self) -> Tick {
        let timeout = match self.zk {
            ZkConn::Connected { timeout_ms, .. } => timeout_ms,
            _ => self.cfg.zookeeper_session_timeout_ms,
        };
        (timeout * 2 / 3).max(1)
    }

    pub(super) fn connect(&mut self, resume: Option<SessionId>, out: &mut Out) {
        self.connect_sent_at = Some(self.now);
        out.send(
            NodeId::Zk,
            Message::ZkConnect {
                session_id: resume,
                timeout_ms: self.cfg.zookeeper_session_timeout_ms,
            },
        );
    }

    /// Sends a ZooKeeper request; returns its xid, or `None` when there is
    /// no session or too many requests are outstanding.
    pub(super) fn zk_request(
        &mut self,
        op: ZkOp,
        purpose: ZkPurpose,
        out: &mut Out,
    ) -> Option<u64> {
        let session_id = self.session()?;
        if self.pending.len() >= MAX_PENDING_ZK {
            out.note(
                NoteKind::Info,
                "too many outstanding ZooKeeper requests; dropping one",
            );
            return None;
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
        Some(xid)
    }

    pub(super) fn heartbeat(&mut self, now: Tick, out: &mut Out) {
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

    pub(super) fn on_connect(
        &mut self,
        now: Tick,
        result: Result<(SessionId, u64), ZkError>,
        out: &mut Out,
    ) {
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
            // A new session, or (past the stray check above) the one resumed.
            (ZkConn::Connecting | ZkConn::Disconnected { .. }, Ok((session, timeout_ms))) => {
                let resumed = matches!(self.zk, ZkConn::Disconnected { .. });
                self.zk = ZkConn::Connected {
                    session,
                    timeout_ms,
                    last_heard: now,
                };
                let what = if resumed {
                    format!("reconnected: session {} still alive", session_hex(session))
                } else {
                    format!("connected to ZooKeeper: session {}", session_hex(session))
                };
                out.note(NoteKind::Session, what);
                // A new session registers; a resumed one asks again what the
                // lost connection dropped.
                if !self.registered {
                    self.register(out);
                } else {
                    self.watch_controller(out);
                    if self.role.is_some() {
                        self.watch_brokers(out);
                        self.resume_partition_duties(out);
                    }
                }
                self.retry_isr_writes(out);
            }
            (ZkConn::Disconnected { .. }, Err(ZkError::SessionExpired)) => {
                self.session_expired(out)
            }
            _ => {}
        }
    }

    pub(super) fn session_expired(&mut self, out: &mut Out) {
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
        self.isr_writes.clear();
        if self.state == BrokerState::ShuttingDown {
            self.state = BrokerState::Stopped("clean shutdown".to_string());
            return;
        }
        self.zk = ZkConn::Connecting;
        out.note(NoteKind::Session, "opening a new session to register again");
        self.connect(None, out);
    }

    pub(super) fn register(&mut self, out: &mut Out) {
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

    pub(super) fn registered_ok(&mut self, out: &mut Out) {
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

    pub(super) fn fail_startup(&mut self, owner: SessionId, out: &mut Out) {
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
