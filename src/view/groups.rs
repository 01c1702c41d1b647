//! The consumer groups as drawn: each group as its coordinator holds it
//! (classic protocol state, generation, assignor, leader, the members that
//! sent their JoinGroup or wait for SyncGroup, why it rebalances and when
//! the join phase ends) joined with its consumers as they see themselves
//! (phase, partitions, positions, records consumed and processed twice),
//! and per partition the lag: high watermark minus committed offset.
//!
//! Invariant: read-only; a group no running coordinator serves has no
//! state (`None`, Kafka's "Unknown") and no committed offsets.

use super::data::TopicSnap;
use crate::broker::group::coordinator_partition;
use crate::broker::{Group, GroupState, LoadState};
use crate::client::consumer::Phase;
use crate::cluster::{PartitionReport, Process, World};
use crate::sim::NodeId;
use crate::topic::TopicPartition;
use std::collections::{BTreeMap, BTreeSet};

/// Colours of groups (outline, lines to their partitions), by group order.
const GROUP_PALETTE: [&str; 6] = [
    "#5eead4", "#c4b5fd", "#fda4af", "#fde68a", "#93c5fd", "#bef264",
];

/// Colour of the i-th group (by name order).
pub fn group_color(i: usize) -> &'static str {
    GROUP_PALETTE[i % GROUP_PALETTE.len()]
}

/// One partition a member reads.
#[derive(Clone, Debug, PartialEq)]
pub struct PartSnap {
    /// Index into the snapshot's topics.
    pub topic: usize,
    /// Partition.
    pub partition: i32,
    /// Broker leading it now (the replica its line goes to).
    pub leader: Option<i32>,
    /// Next offset the member hands to its application.
    pub position: Option<i64>,
    /// The group's committed offset.
    pub committed: Option<i64>,
    /// High watermark minus committed offset (none before a commit).
    pub lag: Option<i64>,
}

/// A consumer's process state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Life {
    /// Running.
    Running,
    /// Killed (no LeaveGroup).
    Crashed,
    /// Closed (left its group).
    Closed,
}

/// One consumer of a group, as drawn in the group's box.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberSnap {
    /// Consumer id (`consumer-N`).
    pub consumer: i32,
    /// Short form of its member id (empty before its first join).
    pub member_short: String,
    /// Running, crashed or closed.
    pub life: Life,
    /// Where the consumer stands in its group.
    pub phase: Phase,
    /// It leads the group (runs the assignor).
    pub leader: bool,
    /// The coordinator lists it as a member.
    pub in_group: bool,
    /// Its JoinGroup waits for the join phase to end.
    pub awaiting_join: bool,
    /// Its SyncGroup waits for the leader's assignment.
    pub awaiting_sync: bool,
    /// Its partitions (what it fetches; frozen when it crashed).
    pub parts: Vec<PartSnap>,
    /// Records handed to its application.
    pub consumed: u64,
    /// Records it processed that the group had processed before.
    pub duplicates: u64,
    /// A crashed member the coordinator still counts: ms until its session ends.
    pub session_left_ms: Option<u64>,
    /// Brokers a running consumer talks to: its coordinator and the leaders it fetches from.
    pub brokers: Vec<i32>,
}

/// A consumer group as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupSnap {
    /// `group.id`.
    pub name: String,
    /// Its colour.
    pub color: &'static str,
    /// Protocol state (`None`: no coordinator serves it now).
    pub state: Option<GroupState>,
    /// Generation id.
    pub generation: i32,
    /// Assignor chosen for the generation.
    pub protocol: Option<String>,
    /// The broker coordinating it.
    pub coordinator: Option<i32>,
    /// Its `__consumer_offsets` partition.
    pub offsets_partition: i32,
    /// Why the current or last rebalance started.
    pub reason: String,
    /// Time left in the join phase (PreparingRebalance).
    pub join_left_ms: Option<u64>,
    /// Member ids handed out with MEMBER_ID_REQUIRED, not joined yet.
    pub pending: usize,
    /// Its consumers, by id.
    pub members: Vec<MemberSnap>,
    /// Sum of the partition lags (none before any commit).
    pub lag: Option<i64>,
}

/// The group as the coordinator that has it loaded holds it, with that broker.
fn served<'a>(world: &'a World, name: &str, partition: i32) -> Option<(i32, &'a Group)> {
    world.brokers().values().find_map(|s| match &s.process {
        Process::Up(b) => {
            let loaded = matches!(
                b.coordinator().partitions().get(&partition),
                Some(LoadState::Loaded { .. })
            );
            let g = b.coordinator().groups().get(name)?;
            (loaded && g.state != GroupState::Dead).then_some((b.id(), g))
        }
        _ => None,
    })
}

/// Member id without the `consumer-N-` prefix, first 8 characters.
fn short_id(member_id: &str, client_id: &str) -> String {
    let rest = member_id
        .strip_prefix(client_id)
        .map_or(member_id, |r| r.trim_start_matches('-'));
    rest.chars().take(8).collect()
}

/// Reads every group a consumer names or a coordinator serves.
pub(super) fn groups(
    world: &World,
    topics: &[TopicSnap],
    reports: &[PartitionReport],
) -> Vec<GroupSnap> {
    let mut names: BTreeSet<String> = world
        .consumers()
        .values()
        .map(|c| c.consumer.config().group_id.clone())
        .collect();
    for slot in world.brokers().values() {
        if let Process::Up(b) = &slot.process {
            names.extend(b.coordinator().groups().keys().cloned());
        }
    }
    let by_tp: BTreeMap<(&str, i32), &PartitionReport> = reports
        .iter()
        .map(|p| ((p.topic.as_str(), p.partition), p))
        .collect();
    let topic_index = |t: &str| topics.iter().position(|x| x.name == t);
    let now = world.now();
    let n_offsets = world.config().offsets_topic_num_partitions;
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let offsets_partition = coordinator_partition(&name, n_offsets) as i32;
            let served = served(world, &name, offsets_partition);
            let g = served.map(|(_, g)| g);
            let part = |tp: &TopicPartition, position: Option<i64>| {
                let report = by_tp.get(&(tp.topic.as_str(), tp.partition));
                let committed = g.and_then(|g| g.offsets.get(tp).copied());
                let hw = report.map_or(-1, |r| r.high_watermark);
                Some(PartSnap {
                    topic: topic_index(&tp.topic)?,
                    partition: tp.partition,
                    leader: report.and_then(|r| r.leader).filter(|l| *l >= 0),
                    position,
                    committed,
                    lag: committed.filter(|_| hw >= 0).map(|c| (hw - c).max(0)),
                })
            };
            let members: Vec<MemberSnap> = world
                .consumers()
                .values()
                .filter(|s| s.consumer.config().group_id == name)
                .map(|s| {
                    let c = &s.consumer;
                    let node = NodeId::Consumer(c.id());
                    let m = g.and_then(|g| g.members.values().find(|m| m.client == node));
                    let life = match (s.crashed_at, s.closed_at) {
                        (Some(_), _) => Life::Crashed,
                        (_, Some(_)) => Life::Closed,
                        _ => Life::Running,
                    };
                    let owned: &[TopicPartition] = match (life, m) {
                        (Life::Running, _) => c.assignment(),
                        (Life::Crashed, Some(m)) => &m.assignment,
                        _ => &[],
                    };
                    MemberSnap {
                        consumer: c.id(),
                        member_short: short_id(c.member_id(), &c.client_id()),
                        life,
                        phase: c.phase(),
                        leader: match (g, m) {
                            (Some(g), Some(m)) => g.leader.as_ref() == Some(&m.member_id),
                            _ => life == Life::Running && c.is_leader(),
                        },
                        in_group: m.is_some(),
                        awaiting_join: m.is_some_and(|m| m.awaiting_join.is_some()),
                        awaiting_sync: m.is_some_and(|m| m.awaiting_sync.is_some()),
                        parts: owned
                            .iter()
                            .filter_map(|tp| part(tp, c.positions().get(tp).copied()))
                            .collect(),
                        consumed: c.stats().consumed,
                        duplicates: s.duplicates,
                        session_left_ms: m
                            .filter(|_| life == Life::Crashed)
                            .and_then(|m| m.session_deadline())
                            .map(|d| d.saturating_sub(now)),
                        brokers: if life == Life::Running {
                            let mut b: Vec<i32> = c.fetching_from().into_keys().collect();
                            b.extend(c.coordinator());
                            b.sort_unstable();
                            b.dedup();
                            b
                        } else {
                            Vec::new()
                        },
                    }
                })
                .collect();
            let lags: Vec<i64> = g
                .map(|g| {
                    g.offsets
                        .keys()
                        .filter_map(|tp| part(tp, None)?.lag)
                        .collect()
                })
                .unwrap_or_default();
            GroupSnap {
                color: group_color(i),
                state: g.map(|g| g.state),
                generation: g.map_or(-1, |g| g.generation),
                protocol: g.and_then(|g| g.protocol.clone()),
                coordinator: served.map(|(b, _)| b),
                offsets_partition,
                reason: g.map(|g| g.rebalance_reason.clone()).unwrap_or_default(),
                join_left_ms: g
                    .filter(|g| g.state == GroupState::PreparingRebalance)
                    .and_then(|g| g.join_deadline)
                    .map(|d| d.saturating_sub(now)),
                pending: g.map_or(0, |g| g.pending_members.len()),
                members,
                lag: (!lags.is_empty()).then(|| lags.iter().sum()),
                name,
            }
        })
        .collect()
}
