//! Ownership across generations, from Kafka's `AbstractStickyAssignorTest`
//! and `StickyAssignorTest`, and the cooperative assignor from
//! `CooperativeStickyAssignorTest`.

use super::tests::{group, member, sticky};
use crate::client::assignor::tests::{
    is_fully_balanced, next_generation, set, topics, tp, verify_validity_and_balance,
};
use crate::client::assignor::*;
use std::collections::BTreeMap;

fn cooperative(members: &Members, partitions: &BTreeMap<String, u32>) -> Assignment {
    assign_with_owned(Assignor::CooperativeSticky, members, partitions)
}

/// Kafka's cooperative `verifyValidityAndBalance`: no partition is given to
/// a member in the rebalance its owner revokes it; while some are revoked,
/// the group rebalances again with what each member now owns (at most four
/// times); the final assignment is valid and balanced.
fn settle_cooperatively(mut members: Members, partitions: &BTreeMap<String, u32>) -> Assignment {
    let mut a = cooperative(&members, partitions);
    for round in 0.. {
        assert!(round <= 4, "cooperative rebalancing does not settle: {a:?}");
        let mut revoked = Vec::new();
        let mut added = Vec::new();
        for (m, sub) in &members {
            revoked.extend(sub.owned.iter().filter(|tp| !a[m].contains(tp)).cloned());
            added.extend(a[m].iter().filter(|tp| !sub.owned.contains(tp)).cloned());
        }
        assert!(
            set(&revoked).is_disjoint(&set(&added)),
            "revoked and given at once: {a:?}"
        );
        if revoked.is_empty() {
            break;
        }
        members = next_generation(&members, &a, 1);
        a = cooperative(&members, partitions);
    }
    verify_validity_and_balance(&members, &a, partitions);
    a
}

fn contested_group() -> Members {
    group(vec![
        (
            "consumer1",
            member(&["topic"], &[("topic", 0), ("topic", 1)], 1),
        ),
        (
            "consumer2",
            member(&["topic"], &[("topic", 0), ("topic", 2)], 1),
        ),
        ("consumer3", member(&["topic"], &[], 1)),
    ])
}

#[test]
fn owned_partition_invalidated_when_claimed_by_multiple_consumers_in_same_generation_equal() {
    let partitions = topics(&[("topic", 3)]);
    let a = sticky(&contested_group(), &partitions);
    assert_eq!(a["consumer1"], tp(&[("topic", 1)]));
    assert_eq!(a["consumer2"], tp(&[("topic", 2)]));
    assert_eq!(a["consumer3"], tp(&[("topic", 0)]));
    let c = cooperative(&contested_group(), &partitions);
    assert_eq!(
        (&c["consumer1"], &c["consumer2"]),
        (&a["consumer1"], &a["consumer2"])
    );
    assert!(
        c["consumer3"].is_empty(),
        "topic-0 waits until both have revoked it"
    );
    settle_cooperatively(contested_group(), &partitions);
}

#[test]
fn owned_partition_invalidated_when_claimed_by_multiple_consumers_in_same_generation_unequal() {
    let partitions = topics(&[("topic", 4)]);
    let a = sticky(&contested_group(), &partitions);
    assert_eq!(a["consumer1"], tp(&[("topic", 1), ("topic", 3)]));
    assert_eq!(a["consumer2"], tp(&[("topic", 2)]));
    assert_eq!(a["consumer3"], tp(&[("topic", 0)]));
    let c = cooperative(&contested_group(), &partitions);
    assert_eq!(c["consumer1"], tp(&[("topic", 1), ("topic", 3)]));
    assert!(c["consumer3"].is_empty());
}

#[test]
fn all_consumers_reach_expected_quota_and_are_considered_filled() {
    let members = group(vec![
        (
            "consumer1",
            member(&["topic"], &[("topic", 0), ("topic", 1)], 1),
        ),
        ("consumer2", member(&["topic"], &[("topic", 2)], 1)),
        ("consumer3", member(&["topic"], &[], 1)),
    ]);
    let a = sticky(&members, &topics(&[("topic", 4)]));
    assert_eq!(a["consumer1"], tp(&[("topic", 0), ("topic", 1)]));
    assert_eq!(a["consumer2"], tp(&[("topic", 2)]));
    assert_eq!(a["consumer3"], tp(&[("topic", 3)]));
    assert_eq!(
        cooperative(&members, &topics(&[("topic", 4)])),
        a,
        "nothing moves"
    );
}

fn stale_owner_case(stale_generation: i32) {
    let both = ["topic", "topic2"];
    let claimed = [("topic", 0), ("topic", 2), ("topic2", 1)];
    let members = group(vec![
        ("consumer1", member(&both, &claimed, 10)),
        ("consumer2", member(&both, &claimed, stale_generation)),
    ]);
    let partitions = topics(&[("topic", 3), ("topic2", 3)]);
    let a = sticky(&members, &partitions);
    assert_eq!(set(&a["consumer1"]), set(&tp(&claimed)));
    assert_eq!(
        set(&a["consumer2"]),
        set(&tp(&[("topic", 1), ("topic2", 0), ("topic2", 2)]))
    );
    assert_eq!(cooperative(&members, &partitions), a);
}

#[test]
fn owned_partitions_are_invalidated_for_consumer_with_stale_generation() {
    stale_owner_case(9);
}

#[test]
fn owned_partitions_are_invalidated_for_consumer_with_no_generation() {
    stale_owner_case(DEFAULT_GENERATION);
}

#[test]
fn owned_partitions_are_invalidated_for_consumer_with_multiple_generation() {
    let both = ["topic", "topic2"];
    let members = group(vec![
        (
            "consumer1",
            member(&both, &[("topic", 0), ("topic2", 1), ("topic", 1)], 10),
        ),
        (
            "consumer2",
            member(&both, &[("topic", 0), ("topic2", 1), ("topic2", 2)], 8),
        ),
    ]);
    let a = sticky(&members, &topics(&[("topic", 3), ("topic2", 3)]));
    assert_eq!(
        set(&a["consumer1"]),
        set(&tp(&[("topic", 0), ("topic2", 1), ("topic", 1)]))
    );
    assert_eq!(
        set(&a["consumer2"]),
        set(&tp(&[("topic", 2), ("topic2", 2), ("topic2", 0)]))
    );
}

#[test]
fn ensure_partitions_assigned_to_highest_generation() {
    let all = ["topic", "topic2", "topic3"];
    let members = group(vec![
        (
            "consumer1",
            member(&all, &[("topic", 0), ("topic2", 0), ("topic3", 0)], 10),
        ),
        (
            "consumer2",
            member(&all, &[("topic", 1), ("topic2", 1), ("topic3", 1)], 9),
        ),
        (
            "consumer3",
            member(&all, &[("topic2", 1), ("topic3", 0), ("topic3", 2)], 8),
        ),
    ]);
    let a = sticky(
        &members,
        &topics(&[("topic", 3), ("topic2", 3), ("topic3", 3)]),
    );
    assert_eq!(
        set(&a["consumer1"]),
        set(&tp(&[("topic", 0), ("topic2", 0), ("topic3", 0)]))
    );
    assert_eq!(
        set(&a["consumer2"]),
        set(&tp(&[("topic", 1), ("topic2", 1), ("topic3", 1)]))
    );
    assert_eq!(
        set(&a["consumer3"]),
        set(&tp(&[("topic", 2), ("topic2", 2), ("topic3", 2)]))
    );
}

#[test]
fn no_reassignment_on_current_members() {
    let all = ["topic", "topic1", "topic2", "topic3"];
    let members = group(vec![
        ("consumer1", member(&all, &[], DEFAULT_GENERATION)),
        (
            "consumer2",
            member(&all, &[("topic", 0), ("topic2", 0), ("topic1", 0)], 9),
        ),
        (
            "consumer3",
            member(&all, &[("topic3", 2), ("topic2", 2), ("topic1", 1)], 8),
        ),
        (
            "consumer4",
            member(&all, &[("topic3", 1), ("topic", 1), ("topic", 2)], 7),
        ),
    ]);
    let partitions = topics(&[("topic", 3), ("topic1", 3), ("topic2", 3), ("topic3", 3)]);
    let a = sticky(&members, &partitions);
    assert_eq!(
        set(&a["consumer1"]),
        set(&tp(&[("topic1", 2), ("topic2", 1), ("topic3", 0)]))
    );
    assert_eq!(cooperative(&members, &partitions), a);
}

#[test]
fn assignor_with_old_version_subscriptions() {
    let members = group(vec![
        ("consumer1", member(&["topic1"], &[("topic1", 0)], 1)),
        ("consumer2", member(&["topic1"], &[("topic1", 1)], 1)),
        ("consumer3", member(&["topic1"], &[], 1)),
    ]);
    let partitions = topics(&[("topic1", 3)]);
    for a in [
        sticky(&members, &partitions),
        cooperative(&members, &partitions),
    ] {
        assert_eq!(a["consumer1"], tp(&[("topic1", 0)]));
        assert_eq!(a["consumer2"], tp(&[("topic1", 1)]));
        assert_eq!(a["consumer3"], tp(&[("topic1", 2)]));
    }
}

#[test]
fn assignment_with_multiple_generations_1() {
    for equal in [true, false] {
        let all = ["topic", "topic2"];
        let c2_topics: &[&str] = if equal { &all } else { &["topic"] };
        let partitions = topics(&[("topic", 6), ("topic2", 6)]);
        let mut members = group(vec![
            ("consumer1", member(&all, &[], -1)),
            ("consumer2", member(c2_topics, &[], -1)),
            ("consumer3", member(&all, &[], -1)),
        ]);
        let r1 = sticky(&members, &partitions);
        assert!(r1.values().all(|l| l.len() == 4));
        verify_validity_and_balance(&members, &r1, &partitions);

        members = next_generation(&members, &r1, 1);
        let consumer3 = members.remove("consumer3").expect("present");
        let r2 = sticky(&members, &partitions);
        assert!(r2.values().all(|l| l.len() == 6));
        if equal {
            assert!(set(&r2["consumer1"]).is_superset(&set(&r1["consumer1"])));
        }
        assert!(set(&r2["consumer2"]).is_superset(&set(&r1["consumer2"])));
        assert!(!set(&r2["consumer2"]).is_disjoint(&set(&r1["consumer3"])));
        verify_validity_and_balance(&members, &r2, &partitions);

        members = next_generation(&members, &r2, 2);
        members.remove("consumer1");
        members.insert("consumer3".into(), consumer3);
        let r3 = sticky(&members, &partitions);
        assert!(r3.values().all(|l| l.len() == 6));
        assert!(set(&r3["consumer2"]).is_disjoint(&set(&r3["consumer3"])));
        verify_validity_and_balance(&members, &r3, &partitions);
    }
}

#[test]
fn assignment_with_multiple_generations_2() {
    for equal in [true, false] {
        let all = ["topic", "topic2", "topic3"];
        let c1_topics: &[&str] = if equal { &all } else { &["topic"] };
        let c3_topics: &[&str] = if equal { &all } else { &["topic", "topic2"] };
        let partitions = topics(&[("topic", 4), ("topic2", 4), ("topic3", 4)]);
        let fresh = group(vec![
            ("consumer1", member(c1_topics, &[], -1)),
            ("consumer2", member(&all, &[], -1)),
            ("consumer3", member(c3_topics, &[], -1)),
        ]);
        let r1 = sticky(&fresh, &partitions);
        assert!(r1.values().all(|l| l.len() == 4), "{r1:?}");
        verify_validity_and_balance(&fresh, &r1, &partitions);

        let round1 = next_generation(&fresh, &r1, 1);
        let alone = group(vec![("consumer2", round1["consumer2"].clone())]);
        let r2 = sticky(&alone, &partitions);
        assert_eq!(r2["consumer2"].len(), 12);
        assert!(set(&r2["consumer2"]).is_superset(&set(&r1["consumer2"])));

        let mut members = round1;
        members.insert(
            "consumer2".into(),
            next_generation(&alone, &r2, 2)["consumer2"].clone(),
        );
        let r3 = sticky(&members, &partitions);
        assert!(r3.values().all(|l| l.len() == 4), "{r3:?}");
        verify_validity_and_balance(&members, &r3, &partitions);
        assert!(is_fully_balanced(&r3));
    }
}

#[test]
fn assignment_with_conflicting_previous_generations() {
    for equal in [true, false] {
        let all = ["topic", "topic2", "topic3"];
        let c1_topics: &[&str] = if equal { &all } else { &["topic"] };
        let c2_topics: &[&str] = if equal { &all } else { &["topic", "topic2"] };
        let c1_owned: &[(&str, u32)] = if equal {
            &[
                ("topic", 0),
                ("topic", 1),
                ("topic", 2),
                ("topic2", 2),
                ("topic2", 3),
                ("topic3", 0),
            ]
        } else {
            &[("topic", 0), ("topic", 1), ("topic", 2), ("topic", 3)]
        };
        let c2_owned = [
            ("topic", 0),
            ("topic", 1),
            ("topic2", 0),
            ("topic2", 1),
            ("topic2", 2),
            ("topic2", 3),
        ];
        let c3_owned = [
            ("topic", 2),
            ("topic", 3),
            ("topic3", 0),
            ("topic3", 1),
            ("topic3", 2),
            ("topic3", 3),
        ];
        let members = group(vec![
            ("consumer1", member(c1_topics, c1_owned, 1)),
            ("consumer2", member(c2_topics, &c2_owned, 2)),
            ("consumer3", member(&all, &c3_owned, 2)),
        ]);
        let partitions = topics(&[("topic", 4), ("topic2", 4), ("topic3", 4)]);
        let a = sticky(&members, &partitions);
        assert!(a.values().all(|l| l.len() == 4), "{equal}: {a:?}");
        assert!(set(&tp(&c2_owned)).is_superset(&set(&a["consumer2"])));
        assert!(set(&tp(&c3_owned)).is_superset(&set(&a["consumer3"])));
        verify_validity_and_balance(&members, &a, &partitions);
        settle_cooperatively(members, &partitions);
    }
}

/// A member joining a group that owns everything: the cooperative assignor
/// first only revokes, then hands out the revoked partitions.
#[test]
fn cooperative_join_takes_two_rebalances() {
    let partitions = topics(&[("topic", 3)]);
    let members = group(vec![
        (
            "consumer1",
            member(&["topic"], &[("topic", 0), ("topic", 1), ("topic", 2)], 1),
        ),
        ("consumer2", member(&["topic"], &[], -1)),
    ]);
    let first = cooperative(&members, &partitions);
    assert_eq!(first["consumer1"], tp(&[("topic", 0), ("topic", 1)]));
    assert!(first["consumer2"].is_empty());
    let second = cooperative(&next_generation(&members, &first, 2), &partitions);
    assert_eq!(second["consumer2"], tp(&[("topic", 2)]));
    assert_eq!(settle_cooperatively(members.clone(), &partitions), second);

    let mixed = group(vec![
        (
            "consumer1",
            member(&["a", "b"], &[("a", 0), ("a", 1), ("b", 0), ("b", 1)], 1),
        ),
        ("consumer2", member(&["a"], &[], -1)),
        ("consumer3", member(&["b"], &[], -1)),
    ]);
    let settled = settle_cooperatively(mixed, &topics(&[("a", 2), ("b", 2)]));
    assert!(is_fully_balanced(&settled), "{settled:?}");
}
