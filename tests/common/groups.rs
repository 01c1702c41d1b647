//! Helpers for the consumer-group scenario tests.

use super::{apply, wait};
use kafkascope::broker::GroupState;
use kafkascope::client::consumer::{ConsumerConfig, OffsetReset};
use kafkascope::cluster::GroupReport;
use kafkascope::sim::Command;
use kafkascope::World;

/// A consumer config for `group` on `topic`, reading from the beginning,
/// noticing new partitions within 5 s and with a 10 s session.
pub fn consumer_config(group: &str, topic: &str) -> ConsumerConfig {
    ConsumerConfig {
        group_id: group.into(),
        topics: vec![topic.into()],
        auto_offset_reset: OffsetReset::Earliest,
        session_timeout_ms: 10_000,
        metadata_max_age_ms: 5_000,
        ..ConsumerConfig::default()
    }
}

pub fn add_consumer(w: &mut World, cfg: ConsumerConfig) -> i32 {
    let id = w.consumers().keys().max().map_or(1, |m| m + 1);
    apply(
        w,
        Command::AddConsumer {
            id: Some(id),
            config: cfg,
        },
    );
    id
}

pub fn group(w: &World, name: &str) -> GroupReport {
    w.group_reports()
        .into_iter()
        .find(|g| g.group == name)
        .unwrap_or_else(|| panic!("no group {name}"))
}

/// Waits until `name` is Stable with `members` members whose consumers all
/// hold the group's generation.
pub fn wait_stable(w: &mut World, name: &str, members: usize, limit_ms: u64) -> i32 {
    let n = name.to_string();
    wait(
        w,
        limit_ms,
        &format!("group {name} Stable with {members} members"),
        move |w| {
            let g = group(w, &n);
            g.state == GroupState::Stable.name()
                && g.members.len() == members
                && w.consumers()
                    .values()
                    .filter(|c| c.is_running() && c.consumer.config().group_id == n)
                    .all(|c| {
                        c.consumer.generation() == g.generation_id
                            && c.consumer.phase() == kafkascope::client::consumer::Phase::Stable
                    })
        },
    );
    group(w, name).generation_id
}

/// Partitions owned per consumer id in `name`.
pub fn owned(w: &World, name: &str) -> Vec<(i32, usize)> {
    w.consumers()
        .iter()
        .filter(|(_, c)| c.is_running() && c.consumer.config().group_id == name)
        .map(|(id, c)| (*id, c.consumer.assignment().len()))
        .collect()
}

pub fn consumed(w: &World, name: &str) -> u64 {
    w.consumers()
        .values()
        .filter(|c| c.consumer.config().group_id == name)
        .map(|c| c.consumer.stats().consumed)
        .sum()
}

pub fn duplicates(w: &World, name: &str) -> u64 {
    w.consumers()
        .values()
        .filter(|c| c.consumer.config().group_id == name)
        .map(|c| c.duplicates)
        .sum()
}

/// True when any event-log line contains `needle`.
pub fn any_logged(w: &World, needle: &str) -> bool {
    w.log().iter().any(|l| l.text.contains(needle))
}
