//! The effects a sans-IO node asks for while handling one input: messages to
//! send, timers to set and plain-words notes for the event log. The kernel
//! carries them out; a node never touches the clock, the network or another
//! node itself.

use super::{NodeId, Tick};
use crate::protocol::Message;
use serde::Serialize;

/// What an event-log line is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// Controller election: races for /controller, wins, losses, resignations.
    Election,
    /// ZooKeeper sessions: connect, expiry, reconnect.
    Session,
    /// Watches set and fired.
    Watch,
    /// The controller's work: broker changes, UpdateMetadata.
    Controller,
    /// Fencing: stale epochs refused.
    Fence,
    /// Faults the user injected: crash, cut, heal.
    Fault,
    /// Replication: leaders, followers, ISR changes, NOT_ENOUGH_REPLICAS.
    Replication,
    /// Log truncation (KIP-101 or the old high-watermark rule).
    Truncate,
    /// Segments deleted by retention, logs cleaned.
    Storage,
    /// Producers and consumers: metadata, retries, failures, lost buffers, positions.
    Client,
    /// Consumer groups: coordinator, joins, rebalances, commits.
    Group,
    /// Anything else.
    Info,
}

/// Effects of one step of a node, with timers of type `T`.
#[derive(Debug)]
pub struct Outbox<T> {
    /// Messages to send, in order.
    pub sends: Vec<(NodeId, Message)>,
    /// Timers to set: absolute time and the timer.
    pub timers: Vec<(Tick, T)>,
    /// Lines for the event log.
    pub notes: Vec<(NoteKind, String)>,
}

impl<T> Default for Outbox<T> {
    fn default() -> Self {
        Outbox {
            sends: Vec::new(),
            timers: Vec::new(),
            notes: Vec::new(),
        }
    }
}

impl<T> Outbox<T> {
    /// Queues a message.
    pub fn send(&mut self, to: NodeId, msg: Message) {
        self.sends.push((to, msg));
    }

    /// Sets a timer that fires at `at`.
    pub fn timer(&mut self, at: Tick, timer: T) {
        self.timers.push((at, timer));
    }

    /// Adds an event-log line.
    pub fn note(&mut self, kind: NoteKind, text: impl Into<String>) {
        self.notes.push((kind, text.into()));
    }
}
