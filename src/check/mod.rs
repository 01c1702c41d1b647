//! Invariants checked after every event in tests and live in the app: the
//! rules Kafka itself keeps, so a broken one is a bug in the simulator (or a
//! bug planted on purpose, see `sim::Mutation`). Each concept has its file:
//! `controller` (one controller per epoch, epochs never go back, ephemeral
//! znodes), `replicas` (one leader per leader epoch, high watermarks, logs
//! identical below the high watermark across the ISR, no acknowledged
//! record lost where Kafka promises it), `groups` (one owner per partition
//! per generation, offsets below the high watermark, never backwards) and `storage` (index entries, compaction).
//! `swarm` runs many seeded fault plans against all of them.

mod controller;
mod groups;
mod replicas;
mod storage;
pub mod swarm;

use crate::cluster::World;
use crate::topic::TopicPartition;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A broken invariant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Which rule.
    pub rule: &'static str,
    /// What was seen.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.detail)
    }
}

/// A broken invariant with when it broke: the badge in the page links
/// to the event-log line `log_seq`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// Which rule.
    pub rule: &'static str,
    /// What was seen.
    pub detail: String,
    /// Simulated time of the event after which it was seen.
    pub at_ms: crate::sim::Tick,
    /// The event log's position then (the next line's `seq`).
    pub log_seq: u64,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {} ms: {}: {}", self.at_ms, self.rule, self.detail)
    }
}

/// Raises `map[tp]` to at least `value`; clones the key only when it is new.
fn raise(map: &mut BTreeMap<TopicPartition, i64>, tp: &TopicPartition, value: i64) {
    match map.get_mut(tp) {
        Some(v) => *v = (*v).max(value),
        None => {
            map.insert(tp.clone(), value);
        }
    }
}

fn broken<T>(rule: &'static str, detail: String) -> Result<T, Violation> {
    Err(Violation { rule, detail })
}

/// A committed offset as last seen: ((coordinator, its leader epoch),
/// generation, offset).
type CommittedAt = ((i32, i32), i32, i64);

/// The rules, with what they must remember between events (what must
/// never go backwards, and how far each log was already verified).
#[derive(Clone, Debug, Default)]
pub struct Checker {
    zk_epoch: i32,
    accepted_epochs: BTreeMap<i32, (u32, i32)>,
    hw_max: BTreeMap<TopicPartition, i64>,
    /// Per partition and ISR member: how far its log matched its leader's.
    verified: BTreeMap<TopicPartition, BTreeMap<i32, replicas::Verified>>,
    lost_seen: usize,
    /// Per group and partition: (coordinator, its leader epoch), generation, offset.
    committed: BTreeMap<String, BTreeMap<TopicPartition, CommittedAt>>,
    seeked: BTreeSet<String>,
    /// Highest leader epoch seen per `__consumer_offsets` partition.
    offsets_epochs: BTreeMap<i32, i32>,
    commands_seen: usize,
    logs: BTreeMap<(i32, TopicPartition), storage::LogSeen>,
    /// The trace's event count at the last check: nothing to check again
    /// while it is the same (a paused or slow page frame).
    checked_events: Option<u64>,
}

impl Checker {
    /// Checks every invariant against the world.
    pub fn check(&mut self, world: &World) -> Result<(), Violation> {
        let events = world.trace().count();
        if self.checked_events == Some(events) {
            return Ok(());
        }
        self.checked_events = Some(events);
        self.check_controller(world)?;
        self.check_replicas(world)?;
        self.check_groups(world)?;
        self.check_storage(world)
    }
}
