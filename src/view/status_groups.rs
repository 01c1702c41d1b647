//! Consumers in the status view the page's panels poll: what
//! `consumer_reports()` says (consumed, duplicates, commits) plus what the
//! panels act on (settings, phase, leader, and per partition the position,
//! committed offset and high watermark the consumer knows).

use crate::client::consumer::{ConsumerConfig, Phase};
use crate::cluster::World;
use serde::Serialize;

/// One assigned partition of a consumer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusPosition {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// Next offset handed to the application (null: not positioned yet).
    pub position: Option<i64>,
    /// Last committed offset it knows of.
    pub committed: Option<i64>,
    /// High watermark from its last fetch.
    pub high_watermark: Option<i64>,
}

/// A consumer in the status view.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusConsumer {
    /// Id (`consumer-N`).
    pub id: i32,
    /// `group.id`.
    pub group: String,
    /// `running`, `crashed` or `closed`.
    pub state: String,
    /// Where it stands in its group.
    pub phase: Phase,
    /// Member id (empty before its first join).
    pub member_id: String,
    /// Generation of its assignment.
    pub generation_id: i32,
    /// It led the last join (ran the assignor).
    pub is_leader: bool,
    /// The coordinator it talks to.
    pub coordinator: Option<i32>,
    /// Records handed to its application.
    pub consumed: u64,
    /// Records processed again (at-least-once).
    pub duplicates: u64,
    /// Offset commits acknowledged.
    pub commits: u64,
    /// Offset commits refused.
    pub failed_commits: u64,
    /// Generations joined.
    pub rebalances: u64,
    /// Records fetched, not yet polled.
    pub buffered: u64,
    /// Its partitions.
    pub assignment: Vec<StatusPosition>,
    /// Its settings (to change one with set_consumer).
    pub config: ConsumerConfig,
}

/// Every consumer, by id.
pub(super) fn consumers(world: &World) -> Vec<StatusConsumer> {
    world
        .consumers()
        .keys()
        .filter_map(|id| status_consumer(world, *id))
        .collect()
}

/// One consumer (`None`: no such consumer).
pub fn status_consumer(world: &World, id: i32) -> Option<StatusConsumer> {
    let slot = world.consumers().get(&id)?;
    let c = &slot.consumer;
    let stats = c.stats();
    let state = if slot.crashed_at.is_some() {
        "crashed"
    } else if slot.closed_at.is_some() {
        "closed"
    } else {
        "running"
    };
    Some(StatusConsumer {
        id,
        group: c.config().group_id.clone(),
        state: state.to_string(),
        phase: c.phase(),
        member_id: c.member_id().to_string(),
        generation_id: c.generation(),
        is_leader: c.is_leader(),
        coordinator: c.coordinator(),
        consumed: stats.consumed,
        duplicates: slot.duplicates,
        commits: stats.commits,
        failed_commits: stats.failed_commits,
        rebalances: stats.rebalances,
        buffered: c.buffered(),
        assignment: c
            .assignment()
            .iter()
            .map(|tp| StatusPosition {
                topic: tp.topic.clone(),
                partition: tp.partition,
                position: c.positions().get(tp).copied(),
                committed: c.committed().get(tp).copied(),
                high_watermark: c.high_watermarks().get(tp).copied(),
            })
            .collect(),
        config: c.config().clone(),
    })
}
