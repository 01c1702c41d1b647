//! Partition movements during one general sticky rebalance (Kafka's
//! `PartitionMovements`): where each moved partition started and where it
//! is now, grouped by topic, so that moving a partition of a topic from `a`
//! to `b` after another of the same topic went from `b` to `a` moves that
//! one back instead, and no two members swap partitions of one topic.

use std::collections::{BTreeMap, BTreeSet};

/// Moves made so far, per partition and per topic.
pub(super) struct Movements {
    /// Partition -> (first owner this rebalance, current owner), if moved.
    moved: Vec<Option<(usize, usize)>>,
    /// Topic -> (from, to) -> partitions that made that move.
    by_topic: Vec<BTreeMap<(usize, usize), BTreeSet<usize>>>,
}

impl Movements {
    pub(super) fn new(partitions: usize, topics: usize) -> Self {
        Movements {
            moved: vec![None; partitions],
            by_topic: vec![BTreeMap::new(); topics],
        }
    }

    /// The partition to move when `pid` of topic `topic` is to go from
    /// `from` to `to`: a partition of the same topic that earlier went from
    /// `to` to where `pid` came from, if any (the lowest such id), else
    /// `pid` itself.
    pub(super) fn to_move(&self, pid: usize, topic: usize, from: usize, to: usize) -> usize {
        let pairs = &self.by_topic[topic];
        if pairs.is_empty() {
            return pid;
        }
        let origin = self.moved[pid].map_or(from, |(src, _)| src);
        pairs
            .get(&(to, origin))
            .and_then(|set| set.first().copied())
            .unwrap_or(pid)
    }

    /// Records that `pid` of topic `topic` moves from `from` to `to`.
    pub(super) fn record(&mut self, pid: usize, topic: usize, from: usize, to: usize) {
        match self.moved[pid].take() {
            Some((src, dst)) => {
                debug_assert_eq!(dst, from, "a moved partition moves on from where it went");
                self.forget(pid, topic, (src, dst));
                if src != to {
                    self.remember(pid, topic, (src, to));
                }
            }
            None => self.remember(pid, topic, (from, to)),
        }
    }

    fn remember(&mut self, pid: usize, topic: usize, pair: (usize, usize)) {
        self.moved[pid] = Some(pair);
        self.by_topic[topic].entry(pair).or_default().insert(pid);
    }

    fn forget(&mut self, pid: usize, topic: usize, pair: (usize, usize)) {
        let pairs = &mut self.by_topic[topic];
        if let Some(set) = pairs.get_mut(&pair) {
            set.remove(&pid);
            if set.is_empty() {
                pairs.remove(&pair);
            }
        }
    }
}
