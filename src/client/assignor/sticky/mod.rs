//! Kafka's sticky assignors (`AbstractStickyAssignor` with `StickyAssignor`
//! and `CooperativeStickyAssignor` on top).
//!
//! First the owned partitions are sorted out: claims on topics that do not
//! exist (or no member subscribes to) and on partition numbers past the
//! topic's count are dropped; a partition claimed by several members goes to
//! the highest generation, and one claimed by several members of that
//! generation is owned by none. Then, as Kafka does, one of two algorithms:
//! when every member subscribes to the same topics the constrained one
//! (`constrained.rs`: quotas of `floor(P/M)` and `ceil(P/M)`, owned
//! partitions kept up to the quota, the rest dealt round-robin), otherwise
//! the general one (`general.rs`: keep what is still valid, give each
//! unassigned partition to the least loaded eligible member, then move
//! partitions from members with two or more partitions more than an
//! eligible member until balanced).
//!
//! The cooperative variant then withholds every partition that moves from
//! one member to another: the old owner revokes it during this rebalance
//! and the follow-up rebalance assigns it.

mod constrained;
mod general;
mod movements;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_generations;
#[cfg(test)]
mod tests_groups;

use super::{Assignment, Members};
use std::collections::BTreeMap;

/// No member (in per-partition owner tables).
const NONE: usize = usize::MAX;

/// The topics the assignment covers (existing ones some member subscribes
/// to, sorted by name) with their partitions numbered consecutively: topic
/// `t` holds partition ids `base[t]..base[t + 1]`, so id order is (topic,
/// partition) order. Members are numbered in id order.
struct Index<'a> {
    names: Vec<&'a str>,
    base: Vec<usize>,
    members: Vec<&'a str>,
}

impl<'a> Index<'a> {
    fn new(members: &'a Members, partitions: &'a BTreeMap<String, u32>) -> Self {
        let mut names = Vec::new();
        let mut base = vec![0];
        for (topic, count) in partitions {
            if members.values().any(|m| m.topics.contains(topic)) {
                names.push(topic.as_str());
                base.push(base[base.len() - 1] + *count as usize);
            }
        }
        Index {
            names,
            base,
            members: members.keys().map(String::as_str).collect(),
        }
    }

    fn partitions(&self) -> usize {
        self.base[self.base.len() - 1]
    }

    fn topics(&self) -> usize {
        self.names.len()
    }

    fn topic_of(&self, pid: usize) -> usize {
        self.base.partition_point(|&b| b <= pid) - 1
    }

    fn number(&self, pid: usize) -> usize {
        pid - self.base[self.topic_of(pid)]
    }

    fn topic_index(&self, topic: &str) -> Option<usize> {
        self.names.binary_search(&topic).ok()
    }

    fn lookup(&self, topic: &str, partition: u32) -> Option<usize> {
        let t = self.topic_index(topic)?;
        let pid = self.base[t] + partition as usize;
        (pid < self.base[t + 1]).then_some(pid)
    }
}

/// Owned partitions after dropping invalid claims and settling conflicts.
struct Ownership {
    /// Member -> partition ids it keeps a claim on, in the order reported.
    owned: Vec<Vec<usize>>,
    /// Partition -> claimed by several members of the highest generation
    /// that claimed it (Kafka's `partitionsWithMultiplePreviousOwners`).
    contested: Vec<bool>,
}

impl Ownership {
    fn resolve(index: &Index, members: &Members) -> Self {
        let total = index.partitions();
        // Partition -> (generation, member, several at that generation).
        let mut claim: Vec<Option<(i32, usize, bool)>> = vec![None; total];
        let mut seen = vec![NONE; total];
        let mut claims: Vec<Vec<usize>> = Vec::with_capacity(members.len());
        for (m, sub) in members.values().enumerate() {
            let mut mine = Vec::with_capacity(sub.owned.len());
            for (topic, p) in &sub.owned {
                let Some(pid) = index.lookup(topic, *p) else {
                    continue;
                };
                if seen[pid] == m {
                    continue;
                }
                seen[pid] = m;
                mine.push(pid);
                let g = sub.generation;
                claim[pid] = match claim[pid] {
                    None => Some((g, m, false)),
                    Some((best, _, _)) if g > best => Some((g, m, false)),
                    Some((best, holder, _)) if g == best => Some((best, holder, true)),
                    kept => kept,
                };
            }
            claims.push(mine);
        }
        let owned = claims
            .into_iter()
            .enumerate()
            .map(|(m, mine)| {
                mine.into_iter()
                    .filter(|&pid| matches!(claim[pid], Some((_, holder, false)) if holder == m))
                    .collect()
            })
            .collect();
        let contested = claim
            .iter()
            .map(|c| matches!(c, Some((_, _, true))))
            .collect();
        Ownership { owned, contested }
    }
}

/// Sticky assignment; `cooperative` withholds partitions changing owner.
pub(super) fn assign(
    members: &Members,
    partitions: &BTreeMap<String, u32>,
    cooperative: bool,
) -> Assignment {
    if members.is_empty() {
        return Assignment::new();
    }
    let index = Index::new(members, partitions);
    let ownership = Ownership::resolve(&index, members);
    let first = members.values().next().map(|m| &m.topics);
    let same_topics = members.values().all(|m| Some(&m.topics) == first);
    let (mut lists, transferring) = if same_topics {
        let (lists, moving) = constrained::assign(&index, &ownership);
        (lists, Some(moving))
    } else {
        (general::assign(&index, members, &ownership), None)
    };
    if cooperative {
        let moving = transferring.unwrap_or_else(|| changing_owner(&index, members, &lists));
        let mut withheld = vec![false; index.partitions()];
        for pid in moving {
            withheld[pid] = true;
        }
        for list in &mut lists {
            list.retain(|&pid| !withheld[pid]);
        }
    }
    index
        .members
        .iter()
        .zip(lists)
        .map(|(m, list)| {
            let tps = list
                .into_iter()
                .map(|pid| {
                    let t = index.topic_of(pid);
                    (index.names[t].to_string(), (pid - index.base[t]) as u32)
                })
                .collect();
            (m.to_string(), tps)
        })
        .collect()
}

/// Partitions assigned to a member that did not report owning them while
/// another member that did is not assigned them (Kafka's
/// `CooperativeStickyAssignor.computePartitionsTransferringOwnership`, for
/// the general algorithm, which does not track them itself).
fn changing_owner(index: &Index, members: &Members, lists: &[Vec<usize>]) -> Vec<usize> {
    let total = index.partitions();
    let mut assigned_to = vec![NONE; total];
    for (m, list) in lists.iter().enumerate() {
        for &pid in list {
            assigned_to[pid] = m;
        }
    }
    let mut revoked = vec![false; total];
    let mut reported_by = vec![NONE; total];
    let mut added = Vec::new();
    for (m, sub) in members.values().enumerate() {
        for (topic, p) in &sub.owned {
            if let Some(pid) = index.lookup(topic, *p) {
                reported_by[pid] = m;
                if assigned_to[pid] != m {
                    revoked[pid] = true;
                }
            }
        }
        added.extend(
            lists[m]
                .iter()
                .copied()
                .filter(|&pid| reported_by[pid] != m),
        );
    }
    added.retain(|&pid| revoked[pid]);
    added
}
