//! One consumer group as its coordinator holds it (Kafka's `GroupMetadata`):
//! the state of the classic protocol, the generation, the member leader,
//! the members with their subscriptions and assignments, and the
//! committed offsets.
//!
//! States: `Empty` (no members, maybe offsets), `PreparingRebalance`
//! (waiting for members to send JoinGroup), `CompletingRebalance` (waiting
//! for the leader's assignment in SyncGroup), `Stable`, `Dead` (its
//! coordinator moved away).

use crate::protocol::group::GroupProtocol;
use crate::sim::{NodeId, Tick};
use crate::topic::TopicPartition;
use serde::Serialize;
use std::collections::BTreeMap;

/// The classic protocol's group states, as Kafka names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum GroupState {
    /// No members.
    Empty,
    /// Waiting for the members to (re)join.
    PreparingRebalance,
    /// Waiting for the leader's assignment.
    CompletingRebalance,
    /// Members have their partitions.
    Stable,
    /// The coordinator no longer serves the group.
    Dead,
}

impl GroupState {
    /// Kafka's name.
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        }
    }
}

/// A member as the coordinator sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Member {
    /// Member id given by the coordinator.
    pub member_id: String,
    /// `client.id`.
    pub client_id: String,
    /// The consumer node.
    pub client: NodeId,
    /// Assignors offered with the subscription.
    pub protocols: Vec<GroupProtocol>,
    /// `session.timeout.ms`.
    pub session_timeout_ms: u64,
    /// Rebalance timeout (`max.poll.interval.ms`).
    pub rebalance_timeout_ms: u64,
    /// Partitions of the current generation.
    pub assignment: Vec<TopicPartition>,
    /// A JoinGroup waiting for the join phase to end (its correlation id).
    pub awaiting_join: Option<u64>,
    /// A SyncGroup waiting for the leader's assignment.
    pub awaiting_sync: Option<u64>,
    /// Last heartbeat (or join, sync) heard.
    pub last_heard: Tick,
    /// Joined during the current rebalance.
    pub is_new: bool,
}

impl Member {
    /// Topics subscribed (from the first protocol).
    pub fn topics(&self) -> Vec<String> {
        self.protocols
            .first()
            .map(|p| p.topics.clone())
            .unwrap_or_default()
    }

    /// When the session ends without a heartbeat (`None` while a join or
    /// sync is pending: Kafka keeps such members alive).
    pub fn session_deadline(&self) -> Option<Tick> {
        if self.awaiting_join.is_some() || self.awaiting_sync.is_some() {
            None
        } else {
            Some(self.last_heard + self.session_timeout_ms)
        }
    }
}

/// A consumer group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Group {
    /// Group id.
    pub group_id: String,
    /// The `__consumer_offsets` partition it lives in.
    pub partition: i32,
    /// Protocol state.
    pub state: GroupState,
    /// Generation id (bumped at the end of every join phase).
    pub generation: i32,
    /// Chosen assignor.
    pub protocol: Option<String>,
    /// Member id of the leader.
    pub leader: Option<String>,
    /// Members by id.
    pub members: BTreeMap<String, Member>,
    /// Member ids handed out with MEMBER_ID_REQUIRED, not joined yet, with
    /// the time they are forgotten.
    pub pending_members: BTreeMap<String, Tick>,
    /// Committed offsets.
    pub offsets: BTreeMap<TopicPartition, i64>,
    /// End of the join phase (rebalance timeout, or the initial delay).
    pub join_deadline: Option<Tick>,
    /// Latest the initial delay may stretch to (`None`: not an initial join).
    pub initial_cap: Option<Tick>,
    /// Why the current or last rebalance started.
    pub rebalance_reason: String,
}

impl Group {
    /// A new empty group.
    pub fn new(group_id: &str, partition: i32) -> Self {
        Group {
            group_id: group_id.to_string(),
            partition,
            state: GroupState::Empty,
            generation: 0,
            protocol: None,
            leader: None,
            members: BTreeMap::new(),
            pending_members: BTreeMap::new(),
            offsets: BTreeMap::new(),
            join_deadline: None,
            initial_cap: None,
            rebalance_reason: String::new(),
        }
    }

    /// True when every member has sent its JoinGroup.
    pub fn all_joined(&self) -> bool {
        self.members.values().all(|m| m.awaiting_join.is_some())
    }

    /// Assignors every member supports, in the leader's (or first member's) order.
    pub fn common_protocols(&self) -> Vec<String> {
        let mut members = self.members.values();
        let Some(first) = self
            .leader
            .as_ref()
            .and_then(|l| self.members.get(l))
            .or_else(|| members.next())
        else {
            return Vec::new();
        };
        first
            .protocols
            .iter()
            .map(|p| p.name.clone())
            .filter(|name| {
                self.members
                    .values()
                    .all(|m| m.protocols.iter().any(|p| &p.name == name))
            })
            .collect()
    }

    /// Whether a member offering `protocols` may join (shares an assignor
    /// with the group, or the group is empty).
    pub fn supports(&self, protocols: &[GroupProtocol]) -> bool {
        self.members.is_empty()
            || self
                .common_protocols()
                .iter()
                .any(|name| protocols.iter().any(|p| &p.name == name))
    }

    /// Partitions owned by more than one member of this generation (must be none).
    pub fn double_owned(&self) -> Vec<TopicPartition> {
        let mut seen = BTreeMap::new();
        for m in self.members.values() {
            for tp in &m.assignment {
                *seen.entry(tp.clone()).or_insert(0) += 1;
            }
        }
        seen.into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(tp, _)| tp)
            .collect()
    }

    /// The next moment something is due: a join deadline, a session end, a
    /// pending member to forget.
    pub fn next_deadline(&self) -> Option<Tick> {
        self.members
            .values()
            .filter_map(Member::session_deadline)
            .chain(self.join_deadline)
            .chain(self.pending_members.values().copied())
            .min()
    }
}
