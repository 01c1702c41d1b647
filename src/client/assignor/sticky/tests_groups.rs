//! Larger cases from Kafka's `AbstractStickyAssignorTest`: groups joining,
//! leaving and changing subscriptions, and deleted topics.

use super::tests::{group, member, no_swaps, sticky};
use crate::client::assignor::tests::{
    is_fully_balanced, next_generation, set, topics, verify_validity_and_balance,
};
use crate::client::assignor::*;
use std::collections::BTreeMap;

/// Kafka's `getCanonicalName`: `prefix` and `i` padded to the digits of
/// `max`.
fn name(prefix: &str, i: usize, max: usize) -> String {
    format!("{prefix}{i:0width$}", width = max.to_string().len())
}

#[test]
fn poor_round_robin_assignment_scenario() {
    let partitions: BTreeMap<String, u32> = (1..=5)
        .map(|i| (format!("topic{i}"), (i % 2) + 1))
        .collect();
    let all = ["topic1", "topic2", "topic3", "topic4", "topic5"];
    let odd = ["topic1", "topic3", "topic5"];
    let members = group(vec![
        ("consumer1", member(&all, &[], -1)),
        ("consumer2", member(&odd, &[], -1)),
        ("consumer3", member(&odd, &[], -1)),
        ("consumer4", member(&all, &[], -1)),
    ]);
    let a = sticky(&members, &partitions);
    verify_validity_and_balance(&members, &a, &partitions);
    assert!(is_fully_balanced(&a));
}

#[test]
fn add_remove_topic_two_consumers() {
    let mut partitions = topics(&[("topic", 3)]);
    let mut members = group(vec![
        ("consumer1", member(&["topic"], &[], -1)),
        ("consumer2", member(&["topic"], &[], -1)),
    ]);
    let first = sticky(&members, &partitions);
    assert!(is_fully_balanced(&first));

    partitions.insert("topic2".into(), 3);
    members = next_generation(&members, &first, 1);
    for sub in members.values_mut() {
        sub.topics.insert("topic2".into());
    }
    let second = sticky(&members, &partitions);
    verify_validity_and_balance(&members, &second, &partitions);
    for m in ["consumer1", "consumer2"] {
        assert_eq!(second[m].len(), 3);
        assert!(
            set(&second[m]).is_superset(&set(&first[m])),
            "{m} keeps its partitions"
        );
    }

    partitions.remove("topic");
    members = next_generation(&members, &second, 1);
    for sub in members.values_mut() {
        sub.topics.remove("topic");
    }
    let third = sticky(&members, &partitions);
    verify_validity_and_balance(&members, &third, &partitions);
    assert!(is_fully_balanced(&third));
    for m in ["consumer1", "consumer2"] {
        assert!(
            set(&second[m]).is_superset(&set(&third[m])),
            "{m} keeps its topic2 partitions"
        );
    }
}

#[test]
fn reassignment_after_one_consumer_leaves() {
    let partitions: BTreeMap<String, u32> = (1..20).map(|i| (name("t", i, 20), i as u32)).collect();
    let mut members: Members = (1..20)
        .map(|i| {
            let subscribed = (1..=i).map(|j| name("t", j, 20)).collect();
            (name("c", i, 20), MemberSubscription::new(subscribed))
        })
        .collect();
    let a = sticky(&members, &partitions);
    verify_validity_and_balance(&members, &a, &partitions);

    members = next_generation(&members, &a, 1);
    members.remove(&name("c", 10, 20));
    let b = sticky(&members, &partitions);
    verify_validity_and_balance(&members, &b, &partitions);
    no_swaps(&a, &b);
}

#[test]
fn reassignment_after_one_consumer_added() {
    let partitions = topics(&[("topic", 20)]);
    let mut members: Members = (1..10)
        .map(|i| (name("c", i, 10), member(&["topic"], &[], -1)))
        .collect();
    let a = sticky(&members, &partitions);
    verify_validity_and_balance(&members, &a, &partitions);
    members.insert(name("c", 10, 10), member(&["topic"], &[], -1));
    let b = sticky(&members, &partitions);
    verify_validity_and_balance(&members, &b, &partitions);
}

/// Kafka checks that no partition changes hands once the member leaves;
/// with identical subscriptions only the leaver's partitions move.
#[test]
fn same_subscriptions() {
    let partitions: BTreeMap<String, u32> = (1..15).map(|i| (name("t", i, 15), i as u32)).collect();
    let all: Vec<String> = partitions.keys().cloned().collect();
    let mut members: Members = (1..9)
        .map(|i| {
            (
                name("c", i, 9),
                MemberSubscription::new(all.iter().cloned().collect()),
            )
        })
        .collect();
    let a = sticky(&members, &partitions);
    verify_validity_and_balance(&members, &a, &partitions);
    assert!(is_fully_balanced(&a));

    members = next_generation(&members, &a, 1);
    members.remove(&name("c", 5, 9));
    let b = sticky(&members, &partitions);
    verify_validity_and_balance(&members, &b, &partitions);
    assert!(is_fully_balanced(&b));
    for (m, list) in &b {
        assert!(set(list).is_superset(&set(&a[m])), "{m} keeps what it had");
    }
    assert!(
        assign_with_owned(Assignor::CooperativeSticky, &members, &partitions) == b,
        "nothing changes owner, so nothing waits"
    );
}

#[test]
fn subscription_not_equal_and_assign_same_partition_with_3_generation() {
    let partitions = topics(&[("topic", 6), ("topic1", 1)]);
    for g in [
        [1, 2, 3],
        [1, 3, 2],
        [2, 1, 3],
        [2, 3, 1],
        [3, 1, 2],
        [3, 2, 1],
    ] {
        let members = group(vec![
            (
                "consumer1",
                member(&["topic"], &[("topic", 0), ("topic", 2)], g[0]),
            ),
            (
                "consumer2",
                member(
                    &["topic"],
                    &[("topic", 1), ("topic", 2), ("topic", 3)],
                    g[1],
                ),
            ),
            (
                "consumer3",
                member(
                    &["topic"],
                    &[("topic", 2), ("topic", 4), ("topic", 5)],
                    g[2],
                ),
            ),
            ("consumer4", member(&["topic1"], &[("topic1", 0)], 2)),
        ]);
        let a = sticky(&members, &partitions);
        verify_validity_and_balance(&members, &a, &partitions);
        for list in a.values() {
            assert!((1..=2).contains(&list.len()), "{g:?}: {a:?}");
        }
    }
}

#[test]
fn stickiness() {
    let partitions = topics(&[("topic1", 3)]);
    let mut members: Members = (1..=4)
        .map(|i| (format!("consumer{i}"), member(&["topic1"], &[], -1)))
        .collect();
    let a = sticky(&members, &partitions);
    verify_validity_and_balance(&members, &a, &partitions);
    assert!(a.values().all(|l| l.len() <= 1));

    members = next_generation(&members, &a, 1);
    members.remove("consumer1");
    let b = sticky(&members, &partitions);
    verify_validity_and_balance(&members, &b, &partitions);
    for (m, list) in &b {
        assert_eq!(list.len(), 1);
        assert!(
            a[m].is_empty() || a[m] == *list,
            "stickiness was not honoured for {m}"
        );
    }
}

#[test]
fn assignment_updated_for_deleted_topic() {
    let members = group(vec![(
        "consumer",
        member(&["topic1", "topic2", "topic3"], &[], -1),
    )]);
    let a = sticky(&members, &topics(&[("topic1", 1), ("topic3", 100)]));
    assert_eq!(a["consumer"].len(), 101);
}

#[test]
fn no_exception_thrown_when_only_subscribed_topic_deleted() {
    let partitions = topics(&[("topic", 3)]);
    let members = group(vec![("consumer", member(&["topic"], &[], -1))]);
    let a = sticky(&members, &partitions);
    let members = next_generation(&members, &a, 1);
    for kind in Assignor::ALL {
        let b = assign_with_owned(kind, &members, &BTreeMap::new());
        assert_eq!(b.len(), 1);
        assert!(b["consumer"].is_empty(), "{kind:?}");
    }
}

/// Kafka's large-group cases, scaled down for a unit test: 100 members over
/// 40 topics of 100 partitions, all subscribing to everything, or all but
/// the last (which subscribes to the first topic only) for the general
/// algorithm; then everyone but the first member rejoins with its
/// partitions.
#[test]
fn large_assignment_and_group() {
    let all: Vec<String> = (0..40).map(|i| name("t", i, 40)).collect();
    let partitions: BTreeMap<String, u32> = all.iter().map(|t| (t.clone(), 100)).collect();
    for uniform in [true, false] {
        let mut members: Members = (0..100)
            .map(|i| {
                let subscribed = if !uniform && i == 99 {
                    &all[..1]
                } else {
                    &all[..]
                };
                (
                    name("c", i, 100),
                    MemberSubscription::new(subscribed.iter().cloned().collect()),
                )
            })
            .collect();
        let a = sticky(&members, &partitions);
        verify_validity_and_balance(&members, &a, &partitions);
        members = next_generation(&members, &a, 1);
        members.insert(
            name("c", 0, 100),
            MemberSubscription::new(all.iter().cloned().collect()),
        );
        let b = sticky(&members, &partitions);
        verify_validity_and_balance(&members, &b, &partitions);
        assert!(is_fully_balanced(&b));
    }
}

#[test]
fn assignor_names_and_serde_names_match_kafka() {
    for kind in Assignor::ALL {
        let json = serde_json::to_string(&kind).expect("serialises");
        assert_eq!(json, format!("\"{}\"", kind.name()));
        assert_eq!(
            serde_json::from_str::<Assignor>(&json).expect("parses"),
            kind
        );
    }
}
