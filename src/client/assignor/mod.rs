//! Consumer-group partition assignors as Kafka's group leader runs them
//! (`partition.assignment.strategy`):
//!
//! - `range` (per topic, members sorted; the first `P mod C` members get one
//!   extra partition);
//! - `roundrobin` (every partition of every subscribed topic, sorted, dealt
//!   in turn to the members sorted, skipping members not subscribed to the
//!   partition's topic);
//! - `sticky` (`StickyAssignor`, eager): as balanced as possible, keeping as
//!   many of the partitions members owned before the rebalance as it can;
//! - `cooperative-sticky` (`CooperativeStickyAssignor`): the sticky
//!   assignment, less every partition that changes owner, which its old
//!   owner revokes first and a follow-up rebalance hands out.
//!
//! Input: member ids with their subscriptions (and, for the sticky ones, the
//! partitions each owned and its generation) and partition counts per topic;
//! output: partitions per member. Everything iterates in sorted order, so the
//! output is a function of the input alone. Where Kafka's own result depends
//! on the iteration order of a Java hash map (which members keep their partitions
//! first when quotas are tight), this one takes the members in id order.

mod range;
mod roundrobin;
mod sticky;

#[cfg(test)]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests;

use std::collections::{BTreeMap, BTreeSet};

/// A topic-partition.
pub type TopicPartition = (String, u32);

/// Member id -> subscribed topics.
pub type Subscriptions = BTreeMap<String, BTreeSet<String>>;

/// Member id -> assigned partitions, in the order the assignor gave them.
pub type Assignment = BTreeMap<String, Vec<TopicPartition>>;

/// Member id -> subscription with ownership, as the group leader reads it
/// from each member's JoinGroup metadata.
pub type Members = BTreeMap<String, MemberSubscription>;

/// The generation a member reports when it has none (it never completed a
/// rebalance, or the metadata predates generations): Kafka's
/// `AbstractStickyAssignor.DEFAULT_GENERATION`.
pub const DEFAULT_GENERATION: i32 = -1;

/// One member's subscription as the sticky assignors see it: the topics it
/// subscribes to, the partitions it owned before this rebalance and the
/// generation in which it owned them (in Kafka the subscription's
/// `ownedPartitions` and `generationId`, or the `StickyAssignor` user data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberSubscription {
    /// Subscribed topics (topics that do not exist are ignored).
    pub topics: BTreeSet<String>,
    /// Partitions the member owned, in the order it reported them.
    pub owned: Vec<TopicPartition>,
    /// Generation of `owned`; [`DEFAULT_GENERATION`] when unknown.
    pub generation: i32,
}

impl Default for MemberSubscription {
    /// No topics, nothing owned, no generation.
    fn default() -> Self {
        Self::new(BTreeSet::new())
    }
}

impl MemberSubscription {
    /// A member that owns nothing yet.
    pub fn new(topics: BTreeSet<String>) -> Self {
        Self {
            topics,
            owned: Vec::new(),
            generation: DEFAULT_GENERATION,
        }
    }

    /// The same member, reporting `owned` from `generation`.
    pub fn owning(mut self, owned: Vec<TopicPartition>, generation: i32) -> Self {
        self.owned = owned;
        self.generation = generation;
        self
    }
}

/// Which assignor (`partition.assignment.strategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Assignor {
    /// Kafka's `RangeAssignor`.
    Range,
    /// Kafka's `RoundRobinAssignor`.
    RoundRobin,
    /// Kafka's `StickyAssignor` (eager rebalancing).
    Sticky,
    /// Kafka's `CooperativeStickyAssignor` (incremental rebalancing).
    #[serde(rename = "cooperative-sticky")]
    CooperativeSticky,
}

impl Assignor {
    /// Every assignor, in declaration order.
    pub const ALL: [Assignor; 4] = [
        Assignor::Range,
        Assignor::RoundRobin,
        Assignor::Sticky,
        Assignor::CooperativeSticky,
    ];

    /// The protocol name Kafka's assignor announces in JoinGroup.
    pub fn name(self) -> &'static str {
        match self {
            Assignor::Range => "range",
            Assignor::RoundRobin => "roundrobin",
            Assignor::Sticky => "sticky",
            Assignor::CooperativeSticky => "cooperative-sticky",
        }
    }
}

/// Assigns partitions to members that own none yet; topics a member
/// subscribes to but that do not exist are ignored, every member appears in
/// the result (idle ones with none).
pub fn assign(
    kind: Assignor,
    members: &Subscriptions,
    partitions: &BTreeMap<String, u32>,
) -> Assignment {
    let members: Members = members
        .iter()
        .map(|(m, topics)| (m.clone(), MemberSubscription::new(topics.clone())))
        .collect();
    assign_with_owned(kind, &members, partitions)
}

/// Assigns partitions given what each member owned before. `range` and
/// `roundrobin` ignore ownership, as Kafka's do. The sticky assignors keep
/// owned partitions where balance allows; they drop owned partitions of
/// topics that no longer exist (or no member subscribes to), partition
/// numbers past the topic's count, and, for the member concerned, topics it
/// no longer subscribes to. A partition claimed by several members goes to
/// the one of highest generation; claimed by several at that generation, it
/// is treated as owned by none. `cooperative-sticky` leaves out every
/// partition that changes owner: it stays unassigned until its owner has
/// revoked it and the group rebalances again.
pub fn assign_with_owned(
    kind: Assignor,
    members: &Members,
    partitions: &BTreeMap<String, u32>,
) -> Assignment {
    match kind {
        Assignor::Range => range::assign(members, partitions),
        Assignor::RoundRobin => roundrobin::assign(members, partitions),
        Assignor::Sticky => sticky::assign(members, partitions, false),
        Assignor::CooperativeSticky => sticky::assign(members, partitions, true),
    }
}

/// An empty slot for every member.
fn empty_assignment(members: &Members) -> Assignment {
    members.keys().map(|m| (m.clone(), Vec::new())).collect()
}
