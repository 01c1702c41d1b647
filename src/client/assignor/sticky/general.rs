//! The general sticky algorithm, for members subscribing to different
//! topics (Kafka's `GeneralAssignmentBuilder`, without rack awareness):
//!
//! 1. every member keeps the owned partitions of topics it still subscribes
//!    to (dropping any other means a revocation is required);
//! 2. the remaining partitions, topics with fewer eligible members first,
//!    each go to the member with fewest partitions among those subscribed to
//!    the topic (ties to the lowest id);
//! 3. topics with a single eligible member, and members that hold all they
//!    can and nothing anyone else could take, are set aside;
//! 4. while unbalanced (a member could take a partition from one with two
//!    or more partitions more than itself), partitions move: back to a
//!    member of an older generation that owned it (if it still subscribes
//!    to the topic) when that one has two or more fewer, else to the least
//!    loaded eligible member; a move that would send a partition of a topic
//!    back along an earlier move of that topic returns the earlier one
//!    instead (`movements.rs`). Partitions newly assigned in step 2 are
//!    tried first unless a revocation is required;
//! 5. if members owned partitions before and the moves do not lower the
//!    balance score (sum over member pairs of the difference in partition
//!    counts), the assignment from before step 4 stands.
//!
//! Members wait in a set ordered by (partition count, id), so finding the
//! least loaded eligible member walks that set; checking balance is linear
//! in partitions plus subscriptions and is redone only after a move.

use super::movements::Movements;
use super::{Index, Ownership, NONE};
use crate::client::assignor::{Members, DEFAULT_GENERATION};
use std::collections::BTreeSet;

/// Partition ids per member.
pub(super) fn assign(index: &Index, members: &Members, ownership: &Ownership) -> Vec<Vec<usize>> {
    let mut builder = Builder::new(index, members);
    builder.run(members, ownership);
    builder.lists
}

struct Builder<'a> {
    index: &'a Index<'a>,
    /// Topic -> members subscribed to it, in id order.
    potential: Vec<Vec<usize>>,
    /// Member -> subscribed topics that the index covers.
    topics_of: Vec<Vec<usize>>,
    /// `member * topics + topic` -> subscribed.
    subscribed: Vec<bool>,
    /// Member -> partitions of all its subscribed topics.
    max_size: Vec<usize>,
    lists: Vec<Vec<usize>>,
    owner: Vec<usize>,
    /// (partition count, member) of the members taking part in balancing.
    sorted: BTreeSet<(usize, usize)>,
    active: Vec<bool>,
    /// Partition -> member of an older generation that owned it.
    previous: Vec<usize>,
    movements: Movements,
    /// Whether the current assignment is balanced, until the next move.
    balanced: Option<bool>,
}

impl<'a> Builder<'a> {
    fn new(index: &'a Index<'a>, members: &Members) -> Self {
        let topics = index.topics();
        let count = members.len();
        let mut potential = vec![Vec::new(); topics];
        let mut topics_of = vec![Vec::new(); count];
        let mut subscribed = vec![false; count * topics];
        let mut max_size = vec![0; count];
        for (m, sub) in members.values().enumerate() {
            for t in sub.topics.iter().filter_map(|t| index.topic_index(t)) {
                potential[t].push(m);
                topics_of[m].push(t);
                subscribed[m * topics + t] = true;
                max_size[m] += index.base[t + 1] - index.base[t];
            }
        }
        Builder {
            index,
            potential,
            topics_of,
            subscribed,
            max_size,
            lists: vec![Vec::new(); count],
            owner: vec![NONE; index.partitions()],
            sorted: BTreeSet::new(),
            active: vec![true; count],
            previous: vec![NONE; index.partitions()],
            movements: Movements::new(index.partitions(), topics),
            balanced: None,
        }
    }

    fn is_subscribed(&self, m: usize, t: usize) -> bool {
        self.subscribed[m * self.index.topics() + t]
    }

    fn run(&mut self, members: &Members, ownership: &Ownership) {
        let index = self.index;
        self.remember_previous_owners(members);
        let mut revocation_required = false;
        let mut assigned = vec![false; index.partitions()];
        for (m, owned) in ownership.owned.iter().enumerate() {
            for &pid in owned {
                if self.is_subscribed(m, index.topic_of(pid)) {
                    self.lists[m].push(pid);
                    self.owner[pid] = m;
                    assigned[pid] = true;
                } else {
                    revocation_required = true;
                }
            }
        }
        let mut by_eligible: Vec<usize> = (0..index.topics()).collect();
        by_eligible.sort_by_key(|&t| (self.potential[t].len(), t));
        let all: Vec<usize> = by_eligible
            .iter()
            .flat_map(|&t| index.base[t]..index.base[t + 1])
            .collect();
        let unassigned: Vec<usize> = all.iter().copied().filter(|&pid| !assigned[pid]).collect();

        self.sorted = self
            .lists
            .iter()
            .enumerate()
            .map(|(m, l)| (l.len(), m))
            .collect();
        let initializing = self.sorted.last().is_none_or(|&(count, _)| count == 0);
        for &pid in &unassigned {
            let t = index.topic_of(pid);
            if let Some(m) = self.least_loaded(t) {
                self.give(pid, m);
            }
        }

        let movable = |pid: &usize| self.potential[index.topic_of(*pid)].len() >= 2;
        let all: Vec<usize> = all.iter().copied().filter(movable).collect();
        let unassigned: Vec<usize> = unassigned.iter().copied().filter(movable).collect();
        for m in 0..self.lists.len() {
            if !self.can_move(m) {
                self.sorted.remove(&(self.lists[m].len(), m));
                self.active[m] = false;
            }
        }

        let before = (!initializing).then(|| (self.lists.clone(), self.owner.clone()));
        if !revocation_required {
            self.reassign_all(&unassigned);
        }
        let moved = self.reassign_all(&all);
        if let Some((lists, owner)) = before {
            if moved && self.balance_score(&self.lists) >= self.balance_score(&lists) {
                self.lists = lists;
                self.owner = owner;
            }
        }
    }

    /// Kafka's `prevAssignment`: for each partition, the member of the
    /// highest generation below the group's highest that reported it.
    fn remember_previous_owners(&mut self, members: &Members) {
        let top = members
            .values()
            .map(|m| m.generation)
            .fold(DEFAULT_GENERATION, i32::max);
        let mut best = vec![i32::MIN; self.index.partitions()];
        for (m, sub) in members.values().enumerate() {
            if sub.generation >= top {
                continue;
            }
            for (topic, p) in &sub.owned {
                if let Some(pid) = self.index.lookup(topic, *p) {
                    if self.previous[pid] == NONE || sub.generation > best[pid] {
                        self.previous[pid] = m;
                        best[pid] = sub.generation;
                    }
                }
            }
        }
    }

    /// The member with fewest partitions (then lowest id) subscribed to
    /// topic `t` among those taking part.
    fn least_loaded(&self, t: usize) -> Option<usize> {
        self.sorted
            .iter()
            .map(|&(_, m)| m)
            .find(|&m| self.is_subscribed(m, t))
    }

    fn give(&mut self, pid: usize, m: usize) {
        self.sorted.remove(&(self.lists[m].len(), m));
        self.lists[m].push(pid);
        self.owner[pid] = m;
        self.sorted.insert((self.lists[m].len(), m));
    }

    /// Kafka's `canConsumerParticipateInReassignment`: the member could take
    /// more, or holds a partition another member could take.
    fn can_move(&self, m: usize) -> bool {
        self.lists[m].len() < self.max_size[m]
            || self.lists[m]
                .iter()
                .any(|&pid| self.potential[self.index.topic_of(pid)].len() >= 2)
    }

    fn count(&self, m: usize) -> usize {
        self.lists[m].len()
    }

    /// Kafka's `performReassignments`: passes over `partitions` until a pass
    /// moves nothing, stopping a pass as soon as the assignment is balanced.
    fn reassign_all(&mut self, partitions: &[usize]) -> bool {
        let mut performed = false;
        loop {
            let mut modified = false;
            for &pid in partitions {
                if self.is_balanced() {
                    break;
                }
                let t = self.index.topic_of(pid);
                let current = self.owner[pid];
                let previous = self.previous[pid];
                if previous != NONE
                    && self.active[previous]
                    && self.is_subscribed(previous, t)
                    && self.count(current) > self.count(previous) + 1
                {
                    self.reassign(pid, t, previous);
                    performed = true;
                    modified = true;
                    continue;
                }
                let load = self.count(current);
                if self.potential[t]
                    .iter()
                    .any(|&other| self.active[other] && load > self.count(other) + 1)
                {
                    if let Some(to) = self.least_loaded(t) {
                        self.reassign(pid, t, to);
                        performed = true;
                        modified = true;
                    }
                }
            }
            if !modified {
                return performed;
            }
        }
    }

    /// Moves `pid` (or the partition of its topic that undoes an earlier
    /// move) to member `to`.
    fn reassign(&mut self, pid: usize, t: usize, to: usize) {
        let pid = self.movements.to_move(pid, t, self.owner[pid], to);
        let from = self.owner[pid];
        self.sorted.remove(&(self.count(from), from));
        self.sorted.remove(&(self.count(to), to));
        self.movements.record(pid, t, from, to);
        let list = &mut self.lists[from];
        if let Some(at) = list.iter().position(|&p| p == pid) {
            list.remove(at);
        }
        self.lists[to].push(pid);
        self.owner[pid] = to;
        self.sorted.insert((self.count(from), from));
        self.sorted.insert((self.count(to), to));
        self.balanced = None;
    }

    /// Kafka's `isBalanced`: counts differ by at most one, or no member
    /// short of all it could hold is subscribed to a topic with a partition
    /// held by a member with two or more partitions more than itself.
    fn is_balanced(&mut self) -> bool {
        if let Some(balanced) = self.balanced {
            return balanced;
        }
        let balanced = self.compute_balanced();
        self.balanced = Some(balanced);
        balanced
    }

    fn compute_balanced(&self) -> bool {
        let (Some(&(min, _)), Some(&(max, _))) = (self.sorted.first(), self.sorted.last()) else {
            return true;
        };
        if min + 1 >= max {
            return true;
        }
        let busiest: Vec<usize> = (0..self.index.topics())
            .map(|t| {
                self.owner[self.index.base[t]..self.index.base[t + 1]]
                    .iter()
                    .filter(|&&m| m != NONE)
                    .map(|&m| self.count(m))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        self.sorted.iter().all(|&(count, m)| {
            count == self.max_size[m] || self.topics_of[m].iter().all(|&t| busiest[t] <= count + 1)
        })
    }

    /// Sum over pairs of members taking part of their difference in
    /// partition counts.
    fn balance_score(&self, lists: &[Vec<usize>]) -> i64 {
        let mut counts: Vec<i64> = (0..lists.len())
            .filter(|&m| self.active[m])
            .map(|m| lists[m].len() as i64)
            .collect();
        counts.sort_unstable();
        let n = counts.len() as i64;
        // Sorted ascending, count i is above the i before it and below the
        // n - 1 - i after it.
        counts
            .iter()
            .enumerate()
            .map(|(i, &c)| c * (2 * i as i64 + 1 - n))
            .sum()
    }
}
