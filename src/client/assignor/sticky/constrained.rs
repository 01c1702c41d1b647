//! The constrained sticky algorithm, for groups whose members all subscribe
//! to the same topics (Kafka's `ConstrainedAssignmentBuilder`, without rack
//! awareness). With `P` partitions and `M` members every member ends with
//! `floor(P/M)` (the minimum quota) or `ceil(P/M)` (the maximum quota), and
//! exactly `P mod M` members with the maximum.
//!
//! 1. Members in id order keep their owned partitions, sorted by partition
//!    number then topic: all of them when below the minimum quota; the
//!    maximum quota when they own that many and fewer than `P mod M` members
//!    have kept the maximum so far; the minimum quota otherwise. What they
//!    own beyond that is revoked.
//! 2. The partitions left, in (topic, partition) order, are dealt
//!    round-robin to the members below the minimum quota until each reaches
//!    it, then one each to members at the minimum quota, first come first
//!    served, until `P mod M` members hold the maximum.
//!
//! Each step is linear in partitions plus members, apart from sorting each
//! member's owned partitions.

use super::{Index, Ownership};
use std::collections::VecDeque;

/// Partition ids per member, and the partitions given to a member other
/// than one that owned them (revoked for the quota, or contested), which the
/// cooperative assignor withholds.
pub(super) fn assign(index: &Index, ownership: &Ownership) -> (Vec<Vec<usize>>, Vec<usize>) {
    let members = index.members.len();
    let total = index.partitions();
    let min_quota = total / members;
    let max_quota = total.div_ceil(members);
    let expected_over = total % members;
    let mut over = 0;
    let mut lists: Vec<Vec<usize>> = vec![Vec::new(); members];
    let mut taken = vec![false; total];
    let mut revoked = vec![false; total];
    // Members below the minimum quota, and members at it that may take one
    // more (Kafka's unfilledMembersWithUnderMinQuotaPartitions and
    // unfilledMembersWithExactlyMinQuotaPartitions), both in id order.
    let mut under: Vec<usize> = Vec::new();
    let mut at_min: VecDeque<usize> = VecDeque::new();

    for (m, list) in lists.iter_mut().enumerate() {
        let mut owned = ownership.owned[m].clone();
        // By partition number, then topic: ids of one partition number grow
        // with the topic.
        owned.sort_unstable_by_key(|&pid| (index.number(pid), pid));
        let keep = if owned.len() < min_quota {
            under.push(m);
            owned.len()
        } else if owned.len() >= max_quota && over < expected_over {
            over += 1;
            if over == expected_over {
                at_min.clear();
            }
            max_quota
        } else {
            if over < expected_over {
                at_min.push_back(m);
            }
            min_quota
        };
        list.reserve(max_quota);
        for &pid in &owned[..keep] {
            taken[pid] = true;
            list.push(pid);
        }
        for &pid in &owned[keep..] {
            revoked[pid] = true;
        }
    }

    let mut moving = Vec::new();
    let mut at = 0;
    for pid in (0..total).filter(|&pid| !taken[pid]) {
        let (m, from_under) = if at < under.len() {
            (under[at], true)
        } else if !under.is_empty() {
            at = 0;
            (under[0], true)
        } else {
            let m = at_min
                .pop_front()
                .expect("the quotas leave a member with room for every partition");
            (m, false)
        };
        lists[m].push(pid);
        if revoked[pid] || ownership.contested[pid] {
            moving.push(pid);
        }
        if from_under {
            if lists[m].len() == min_quota {
                under.remove(at);
                at_min.push_back(m);
            } else {
                at += 1;
            }
        }
    }
    (lists, moving)
}
