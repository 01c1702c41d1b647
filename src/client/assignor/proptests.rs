//! Properties over random groups: up to eight members subscribing to random
//! subsets of up to five topics (of up to eight partitions each) and of a
//! topic that does not exist, with random claims of ownership.

use super::tests::{
    is_fully_balanced, next_generation, set, verify_balance, verify_validity,
    verify_validity_and_balance,
};
use super::*;
use proptest::prelude::*;

/// Topic names by index; the last is never created.
const TOPICS: [&str; 6] = ["t0", "t1", "t2", "t3", "t4", "gone"];

/// Partition counts for the first `counts.len()` topics.
fn partitions(counts: &[u32]) -> BTreeMap<String, u32> {
    counts
        .iter()
        .enumerate()
        .map(|(t, n)| (TOPICS[t].to_string(), *n))
        .collect()
}

/// The topics whose bit is set in `mask`.
fn topic_set(mask: u8) -> BTreeSet<String> {
    (0..TOPICS.len())
        .filter(|t| mask & (1 << t) != 0)
        .map(|t| TOPICS[t].to_string())
        .collect()
}

/// Members `m0`, `m1`, ... subscribed as `masks` say, owning nothing.
fn fresh(masks: &[u8]) -> Members {
    masks
        .iter()
        .enumerate()
        .map(|(i, mask)| (format!("m{i}"), MemberSubscription::new(topic_set(*mask))))
        .collect()
}

/// Claims: (topic index, partition number) pairs, some out of range.
fn claims() -> impl Strategy<Value = (Vec<(usize, u32)>, i32)> {
    (
        prop::collection::vec((0..TOPICS.len(), 0u32..10), 0..12),
        -1i32..4,
    )
}

fn counts() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(0u32..9, 1..=5)
}

fn masks() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(0u8..64, 1..=8)
}

fn identical(masks: &[u8]) -> bool {
    masks.iter().all(|m| *m == masks[0])
}

/// Per member, the valid claims (existing partition of a subscribed topic)
/// it wins: no other claimant has a higher generation or the same one.
fn winning_claims(
    members: &Members,
    partitions: &BTreeMap<String, u32>,
) -> BTreeMap<String, BTreeSet<TopicPartition>> {
    let valid = |sub: &MemberSubscription, tp: &TopicPartition| {
        sub.topics.contains(&tp.0) && partitions.get(&tp.0).is_some_and(|n| tp.1 < *n)
    };
    members
        .iter()
        .map(|(m, sub)| {
            let won = sub
                .owned
                .iter()
                .filter(|tp| valid(sub, tp))
                .filter(|tp| {
                    members.iter().all(|(other, o)| {
                        other == m || !o.owned.contains(tp) || o.generation < sub.generation
                    })
                })
                .cloned()
                .collect();
            (m.clone(), won)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Every partition of a subscribed topic goes to exactly one member
    /// subscribed to its topic, every member appears; the sticky assignors
    /// balance as Kafka's tests demand, to within one partition when
    /// subscriptions are identical, and agree when nobody owns anything.
    #[test]
    fn fresh_assignments_are_valid(counts in counts(), masks in masks()) {
        let partitions = partitions(&counts);
        let members = fresh(&masks);
        for kind in Assignor::ALL {
            let a = assign_with_owned(kind, &members, &partitions);
            verify_validity(&members, &a, &partitions, true);
            if matches!(kind, Assignor::Sticky | Assignor::CooperativeSticky) {
                verify_balance(&a);
                if identical(&masks) {
                    prop_assert!(is_fully_balanced(&a), "{kind:?}: {a:?}");
                }
            }
        }
        let sticky = assign_with_owned(Assignor::Sticky, &members, &partitions);
        prop_assert_eq!(assign_with_owned(Assignor::CooperativeSticky, &members, &partitions), sticky);
    }

    /// Whatever members claim to own (other members' partitions, from any
    /// generation, partitions and topics that do not exist), the sticky
    /// assignment is complete and valid. Under identical subscriptions it is
    /// fully balanced and each member keeps at least as many of its winning
    /// claims (valid claims where it is the only claimant of the highest
    /// generation) as the minimum quota allows. The cooperative assignment
    /// is the sticky one less the partitions changing owner, and settles
    /// within a few rebalances.
    #[test]
    fn owned_claims_are_sorted_out(
        counts in counts(),
        masks in masks(),
        owned in prop::collection::vec(claims(), 8),
    ) {
        let partitions = partitions(&counts);
        let mut members = fresh(&masks);
        for ((_, sub), (list, generation)) in members.iter_mut().zip(owned) {
            let tps = list.iter().map(|&(t, p)| (TOPICS[t].to_string(), p)).collect();
            *sub = MemberSubscription::new(sub.topics.clone()).owning(tps, generation);
        }
        let sticky = assign_with_owned(Assignor::Sticky, &members, &partitions);
        verify_validity(&members, &sticky, &partitions, true);
        if identical(&masks) {
            prop_assert!(is_fully_balanced(&sticky), "{sticky:?}");
            let won = winning_claims(&members, &partitions);
            let common = &members.values().next().expect("a member").topics;
            let total: u32 = partitions
                .iter()
                .filter(|(t, _)| common.contains(*t))
                .map(|(_, n)| n)
                .sum();
            let min_quota = total as usize / members.len();
            for (m, claims) in &won {
                let kept = set(&sticky[m]).intersection(claims).count();
                prop_assert!(kept >= claims.len().min(min_quota), "{} kept {} of {:?}: {:?}", m, kept, claims, sticky);
            }
        }
        let coop = assign_with_owned(Assignor::CooperativeSticky, &members, &partitions);
        verify_validity(&members, &coop, &partitions, false);
        for (m, list) in &coop {
            prop_assert!(set(list).is_subset(&set(&sticky[m])));
        }
        let mut round = coop;
        let mut group = members.clone();
        for generation in 0.. {
            prop_assert!(generation < 4, "does not settle: {round:?}");
            let next = next_generation(&group, &round, generation);
            let again = assign_with_owned(Assignor::CooperativeSticky, &next, &partitions);
            group = next;
            if again == round {
                break;
            }
            round = again;
        }
        verify_validity(&group, &round, &partitions, true);
        if identical(&masks) {
            prop_assert!(is_fully_balanced(&round), "{round:?}");
        }
    }

    /// Rejoining with what it was given, a group gets the same partitions
    /// per member.
    #[test]
    fn sticky_is_stable(counts in counts(), masks in masks()) {
        let partitions = partitions(&counts);
        let members = fresh(&masks);
        for kind in [Assignor::Sticky, Assignor::CooperativeSticky] {
            let a = assign_with_owned(kind, &members, &partitions);
            let b = assign_with_owned(kind, &next_generation(&members, &a, 1), &partitions);
            for (m, list) in &a {
                prop_assert_eq!(set(list), set(&b[m]), "{:?} {}", kind, m);
            }
        }
    }

    /// When a member leaves a group with identical subscriptions, only its
    /// partitions move; with any subscriptions the result stays valid.
    #[test]
    fn member_leaving_moves_only_its_partitions(
        counts in counts(),
        masks in masks(),
        same in any::<bool>(),
        leaver in any::<prop::sample::Index>(),
    ) {
        let masks: Vec<u8> = if same { vec![masks[0]; masks.len()] } else { masks };
        let partitions = partitions(&counts);
        let members = fresh(&masks);
        let a = assign_with_owned(Assignor::Sticky, &members, &partitions);
        let mut rest = next_generation(&members, &a, 1);
        let gone = leaver.get(&members.keys().cloned().collect::<Vec<_>>()).clone();
        rest.remove(&gone);
        let b = assign_with_owned(Assignor::Sticky, &rest, &partitions);
        if identical(&masks) {
            verify_validity_and_balance(&rest, &b, &partitions);
            prop_assert!(is_fully_balanced(&b), "{b:?}");
            for (m, list) in &b {
                prop_assert!(set(list).is_superset(&set(&a[m])), "{} lost partitions: {:?} -> {:?}", m, a, b);
            }
        } else {
            verify_validity(&rest, &b, &partitions, true);
        }
    }
}

/// Member `i` of a random-change round: subscribed to topics `c0`..`c19`
/// whose bit is set in `mask`, limited to the first `topics`.
fn wide_subscription(mask: u32, topics: usize) -> BTreeSet<String> {
    (0..topics)
        .filter(|t| mask & (1 << t) != 0)
        .map(|t| format!("c{t:02}"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Kafka's `testReassignmentWithRandomSubscriptionsAndChanges`: 20 to 40
    /// members over 10 to 20 topics (topic `i` with `i + 1` partitions) with
    /// random subscriptions, then every member changes its subscription at
    /// random and rejoins with what it was given; both assignments are valid
    /// and balanced as Kafka's test checks.
    #[test]
    fn reassignment_with_random_subscriptions_and_changes(
        topics in 10usize..20,
        before in prop::collection::vec(1u32..(1 << 20), 20..40),
        after in prop::collection::vec(1u32..(1 << 20), 40),
    ) {
        let partitions: BTreeMap<String, u32> =
            (0..topics).map(|t| (format!("c{t:02}"), t as u32 + 1)).collect();
        let members: Members = before
            .iter()
            .enumerate()
            .map(|(i, mask)| (format!("m{i:02}"), MemberSubscription::new(wide_subscription(*mask, topics))))
            .collect();
        let a = assign_with_owned(Assignor::Sticky, &members, &partitions);
        verify_validity_and_balance(&members, &a, &partitions);
        let mut changed = next_generation(&members, &a, 1);
        for (sub, mask) in changed.values_mut().zip(&after) {
            sub.topics = wide_subscription(*mask, topics);
        }
        let b = assign_with_owned(Assignor::Sticky, &changed, &partitions);
        verify_validity_and_balance(&changed, &b, &partitions);
    }
}
