//! Controlled shutdown, as Kafka's `KafkaServer.controlledShutdown`: ask
//! the controller to move this broker's leaderships, trying
//! `controlled.shutdown.max.retries` times `controlled.shutdown.retry.backoff.ms`
//! apart, then close the ZooKeeper session so the ephemeral znodes go at once.

use super::{Broker, BrokerState, BrokerTimer, Out};
use crate::protocol::Message;
use crate::sim::{NodeId, NoteKind, Tick};

impl Broker {
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
        self.try_controlled_shutdown(now, out);
    }

    /// One try of `ControlledShutdown` to the controller this broker knows.
    pub(super) fn try_controlled_shutdown(&mut self, now: Tick, out: &mut Out) {
        self.shutdown_attempts += 1;
        let attempt = self.shutdown_attempts;
        if self.role.is_some() {
            // The controller handles its own request: it moves its
            // leaderships, then stops once ZooKeeper has the new states.
            let remaining = self.controlled_shutdown_moves(self.id, out);
            out.note(
                NoteKind::Info,
                format!(
                    "controlled shutdown of the controller itself (try {attempt}): moving its leaderships{}",
                    if remaining > 0 {
                        format!("; {remaining} partition(s) have no other in-sync replica")
                    } else {
                        String::new()
                    }
                ),
            );
            if remaining > 0 {
                self.shutdown_failed(now, out);
            } else {
                self.finish_when_written = true;
                out.timer(
                    now + self.cfg.controller_socket_timeout_ms,
                    BrokerTimer::ShutdownTimeout { attempt },
                );
            }
            return;
        }
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
    pub(super) fn shutdown_failed(&mut self, now: Tick, out: &mut Out) {
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

    /// The controller's own shutdown waits for its state writes; called
    /// after every input.
    pub(super) fn maybe_finish_own_shutdown(&mut self, out: &mut Out) {
        if !self.finish_when_written || self.state != BrokerState::ShuttingDown {
            return;
        }
        let writing = self.role.as_ref().is_some_and(|r| r.writes_pending());
        if !writing {
            self.finish_when_written = false;
            self.finish_shutdown(true, out);
        }
    }

    pub(super) fn finish_shutdown(&mut self, controlled: bool, out: &mut Out) {
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
}
