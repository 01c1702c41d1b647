//! The producer's connections to brokers (Kafka's `NetworkClient`): after a
//! broker resets the connection (its process exited), the producer sends
//! nothing more to it until it has connected again, which starts with an
//! `ApiVersions` request and ends when its answer arrives. Attempts are
//! spaced by `reconnect.backoff.ms`, doubling up to
//! `reconnect.backoff.max.ms`. While a leader is not connected its
//! batches wait in the accumulator: this is why even acks=0 does not write
//! into a dead broker's socket, and loses only what it wrote before the
//! reset.
//!
//! Invariant: a broker is in `connections` only while it is not ready;
//! produce requests go only to ready brokers.

use super::{Out, Producer, ProducerTimer};
use crate::protocol::Message;
use crate::sim::{NodeId, NoteKind, Tick};

/// A connection that is not ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    /// Reset by the peer; the next attempt not before `retry_at`.
    Disconnected {
        /// Earliest next attempt.
        retry_at: Tick,
        /// Backoff before the attempt after that.
        backoff_ms: Tick,
    },
    /// `ApiVersions` sent on a new connection, no answer yet.
    Connecting {
        /// The request.
        correlation_id: u64,
        /// Backoff if this attempt fails.
        backoff_ms: Tick,
    },
}

impl Producer {
    /// True when produce requests may go to `broker`.
    pub(super) fn ready(&self, broker: i32) -> bool {
        !self.connections.contains_key(&broker)
    }

    /// `broker` reset the connection: wait `reconnect.backoff.ms` (doubling
    /// after each failed attempt) before connecting again.
    pub(super) fn disconnected(&mut self, broker: i32) {
        let backoff_ms = match self.connections.get(&broker) {
            Some(Connection::Connecting { backoff_ms, .. }) => {
                (backoff_ms * 2).min(self.cfg.reconnect_backoff_max_ms)
            }
            Some(Connection::Disconnected { .. }) => return,
            None => self.cfg.reconnect_backoff_ms,
        };
        self.connections.insert(
            broker,
            Connection::Disconnected {
                retry_at: self.now + backoff_ms,
                backoff_ms,
            },
        );
    }

    /// Starts a new connection to `broker` when its backoff has passed.
    pub(super) fn connect(&mut self, broker: i32, out: &mut Out) {
        let Some(Connection::Disconnected {
            retry_at,
            backoff_ms,
        }) = self.connections.get(&broker).copied()
        else {
            return;
        };
        if retry_at > self.now {
            return;
        }
        let correlation_id = self.next_correlation;
        self.next_correlation += 1;
        self.connections.insert(
            broker,
            Connection::Connecting {
                correlation_id,
                backoff_ms,
            },
        );
        out.send(
            NodeId::Broker(broker),
            Message::ApiVersions { correlation_id },
        );
        out.timer(
            self.now + self.cfg.request_timeout_ms,
            ProducerTimer::ConnectTimeout { correlation_id },
        );
    }

    /// The answer to `ApiVersions` (or its timeout, `answered == false`).
    pub(super) fn on_api_versions(
        &mut self,
        broker: i32,
        correlation_id: u64,
        answered: bool,
        out: &mut Out,
    ) {
        let Some(Connection::Connecting {
            correlation_id: c, ..
        }) = self.connections.get(&broker).copied()
        else {
            return;
        };
        if c != correlation_id {
            return;
        }
        if answered {
            self.connections.remove(&broker);
            out.note(
                NoteKind::Client,
                format!("connected to broker {broker} again (ApiVersions answered)"),
            );
        } else {
            self.disconnected(broker);
        }
    }

    /// The broker a connect attempt with this id went to.
    pub(super) fn connecting_to(&self, correlation_id: u64) -> Option<i32> {
        self.connections.iter().find_map(|(b, c)| match c {
            Connection::Connecting {
                correlation_id: id, ..
            } if *id == correlation_id => Some(*b),
            _ => None,
        })
    }

    /// The earliest reconnect attempt due, while batches wait.
    pub(super) fn next_reconnect(&self) -> Option<Tick> {
        if self.queues.values().all(|q| q.is_empty()) {
            return None;
        }
        self.connections
            .values()
            .filter_map(|c| match c {
                Connection::Disconnected { retry_at, .. } => Some(*retry_at),
                Connection::Connecting { .. } => None,
            })
            .min()
    }
}
