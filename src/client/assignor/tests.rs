//! Range and round-robin cases from Kafka's `RangeAssignorTest` and
//! `RoundRobinAssignorTest`, and helpers the sticky tests share.

use super::*;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn subs(list: &[(&str, &[&str])]) -> Subscriptions {
    list.iter()
        .map(|(m, ts)| (m.to_string(), ts.iter().map(|t| t.to_string()).collect()))
        .collect()
}

pub(super) fn topics(list: &[(&str, u32)]) -> BTreeMap<String, u32> {
    list.iter().map(|(t, n)| (t.to_string(), *n)).collect()
}

pub(super) fn tp(list: &[(&str, u32)]) -> Vec<TopicPartition> {
    list.iter().map(|(t, p)| (t.to_string(), *p)).collect()
}

/// The same members, each now owning what `assignment` gave it in
/// `generation`.
pub(super) fn next_generation(
    members: &Members,
    assignment: &Assignment,
    generation: i32,
) -> Members {
    members
        .iter()
        .map(|(m, s)| {
            let next =
                MemberSubscription::new(s.topics.clone()).owning(assignment[m].clone(), generation);
            (m.clone(), next)
        })
        .collect()
}

pub(super) fn set(list: &[TopicPartition]) -> BTreeSet<TopicPartition> {
    list.iter().cloned().collect()
}

/// Kafka's `isFullyBalanced`: partition counts differ by at most one.
pub(super) fn is_fully_balanced(assignment: &Assignment) -> bool {
    let sizes = assignment.values().map(Vec::len);
    sizes.clone().max().unwrap_or(0) <= sizes.min().unwrap_or(0) + 1
}

/// Kafka's `verifyValidityAndBalance`: [`verify_validity`] with every
/// partition held, and [`verify_balance`].
pub(super) fn verify_validity_and_balance(
    members: &Members,
    assignment: &Assignment,
    partitions: &BTreeMap<String, u32>,
) {
    verify_validity(members, assignment, partitions, true);
    verify_balance(assignment);
}

/// Every member appears, holds only existing partitions of its topics, no
/// partition has two holders and, when `complete`, every partition of a
/// subscribed topic is held.
pub(super) fn verify_validity(
    members: &Members,
    assignment: &Assignment,
    partitions: &BTreeMap<String, u32>,
    complete: bool,
) {
    assert_eq!(
        assignment.keys().collect::<Vec<_>>(),
        members.keys().collect::<Vec<_>>()
    );
    let mut holder: BTreeMap<&TopicPartition, &String> = BTreeMap::new();
    for (m, list) in assignment {
        for tp in list {
            assert!(
                members[m].topics.contains(&tp.0),
                "{m} holds {tp:?} of a topic it does not subscribe to"
            );
            assert!(tp.1 < partitions[&tp.0], "{tp:?} does not exist");
            if let Some(other) = holder.insert(tp, m) {
                panic!("{tp:?} held by {other} and {m}");
            }
        }
    }
    for (topic, count) in partitions.iter().filter(|_| complete) {
        if members.values().any(|s| s.topics.contains(topic)) {
            for p in 0..*count {
                assert!(
                    holder.contains_key(&(topic.clone(), p)),
                    "{topic}-{p} unassigned"
                );
            }
        }
    }
}

/// Two members whose partition counts differ by more than one hold no
/// partitions of a common topic (else one could have moved).
pub(super) fn verify_balance(assignment: &Assignment) {
    let topics_of =
        |list: &[TopicPartition]| list.iter().map(|tp| tp.0.clone()).collect::<BTreeSet<_>>();
    for (a, la) in assignment {
        for (b, lb) in assignment
            .range::<String, _>((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded))
        {
            if la.len().abs_diff(lb.len()) > 1 {
                let common: Vec<_> = topics_of(la)
                    .intersection(&topics_of(lb))
                    .cloned()
                    .collect();
                assert!(
                    common.is_empty(),
                    "{a} ({}) and {b} ({}) share topics {common:?}: {assignment:?}",
                    la.len(),
                    lb.len()
                );
            }
        }
    }
}

#[test]
fn range_two_consumers_one_topic_three_partitions() {
    let a = assign(
        Assignor::Range,
        &subs(&[("consumer1", &["topic"]), ("consumer2", &["topic"])]),
        &topics(&[("topic", 3)]),
    );
    assert_eq!(a["consumer1"], tp(&[("topic", 0), ("topic", 1)]));
    assert_eq!(a["consumer2"], tp(&[("topic", 2)]));
}

#[test]
fn range_multiple_consumers_mixed_topics() {
    let a = assign(
        Assignor::Range,
        &subs(&[
            ("consumer1", &["topic1"]),
            ("consumer2", &["topic1", "topic2"]),
            ("consumer3", &["topic1"]),
        ]),
        &topics(&[("topic1", 3), ("topic2", 2)]),
    );
    assert_eq!(a["consumer1"], tp(&[("topic1", 0)]));
    assert_eq!(
        a["consumer2"],
        tp(&[("topic1", 1), ("topic2", 0), ("topic2", 1)])
    );
    assert_eq!(a["consumer3"], tp(&[("topic1", 2)]));
}

#[test]
fn range_two_consumers_two_topics_six_partitions() {
    let a = assign(
        Assignor::Range,
        &subs(&[
            ("consumer1", &["topic1", "topic2"]),
            ("consumer2", &["topic1", "topic2"]),
        ]),
        &topics(&[("topic1", 3), ("topic2", 3)]),
    );
    assert_eq!(
        a["consumer1"],
        tp(&[("topic1", 0), ("topic1", 1), ("topic2", 0), ("topic2", 1)])
    );
    assert_eq!(a["consumer2"], tp(&[("topic1", 2), ("topic2", 2)]));
}

#[test]
fn roundrobin_multiple_consumers_mixed_topics() {
    let a = assign(
        Assignor::RoundRobin,
        &subs(&[
            ("consumer1", &["topic1"]),
            ("consumer2", &["topic1", "topic2"]),
            ("consumer3", &["topic1"]),
        ]),
        &topics(&[("topic1", 3), ("topic2", 2)]),
    );
    assert_eq!(a["consumer1"], tp(&[("topic1", 0)]));
    assert_eq!(
        a["consumer2"],
        tp(&[("topic1", 1), ("topic2", 0), ("topic2", 1)])
    );
    assert_eq!(a["consumer3"], tp(&[("topic1", 2)]));
}

#[test]
fn roundrobin_two_consumers_two_topics_six_partitions() {
    let a = assign(
        Assignor::RoundRobin,
        &subs(&[
            ("consumer1", &["topic1", "topic2"]),
            ("consumer2", &["topic1", "topic2"]),
        ]),
        &topics(&[("topic1", 3), ("topic2", 3)]),
    );
    assert_eq!(
        a["consumer1"],
        tp(&[("topic1", 0), ("topic1", 2), ("topic2", 1)])
    );
    assert_eq!(
        a["consumer2"],
        tp(&[("topic1", 1), ("topic2", 0), ("topic2", 2)])
    );
}

#[test]
fn more_consumers_than_partitions_leaves_some_idle_and_none_share() {
    for kind in Assignor::ALL {
        let members = subs(&[("a", &["t"]), ("b", &["t"]), ("c", &["t"]), ("d", &["t"])]);
        let a = assign(kind, &members, &topics(&[("t", 3), ("unsubscribed", 4)]));
        assert_eq!(a.len(), 4);
        assert_eq!(a.values().filter(|v| v.is_empty()).count(), 1, "{kind:?}");
        let all: Vec<&TopicPartition> = a.values().flatten().collect();
        let unique: BTreeSet<&TopicPartition> = all.iter().copied().collect();
        assert_eq!(all.len(), 3);
        assert_eq!(unique.len(), 3, "one owner per partition");
        assert!(assign(kind, &Subscriptions::new(), &topics(&[("t", 3)])).is_empty());
    }
}
