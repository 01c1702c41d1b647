//! Cases from Kafka's `AbstractStickyAssignorTest` (the ones without racks),
//! run against the eager sticky assignor, and helpers the other sticky
//! tests share.

use crate::client::assignor::tests::{
    is_fully_balanced, next_generation, set, subs, topics, tp, verify_validity_and_balance,
};
use crate::client::assignor::*;
use std::collections::{BTreeMap, BTreeSet};

/// A member subscribed to `list` owning `owned` from `generation`.
pub(super) fn member(list: &[&str], owned: &[(&str, u32)], generation: i32) -> MemberSubscription {
    MemberSubscription::new(list.iter().map(|t| t.to_string()).collect())
        .owning(tp(owned), generation)
}

/// Members by id.
pub(super) fn group(list: Vec<(&str, MemberSubscription)>) -> Members {
    list.into_iter().map(|(m, s)| (m.to_string(), s)).collect()
}

pub(super) fn sticky(members: &Members, partitions: &BTreeMap<String, u32>) -> Assignment {
    assign_with_owned(Assignor::Sticky, members, partitions)
}

/// Kafka's `isSticky`, judged from outside: no topic has partitions moving
/// from `a` to `b` and others from `b` to `a` in one rebalance.
pub(super) fn no_swaps(before: &Assignment, after: &Assignment) {
    let was: BTreeMap<&TopicPartition, &String> = before
        .iter()
        .flat_map(|(m, l)| l.iter().map(move |tp| (tp, m)))
        .collect();
    let mut moves = BTreeSet::new();
    for (m, list) in after {
        for tp in list {
            if let Some(&from) = was.get(tp) {
                if from != m && after.contains_key(from) {
                    moves.insert((tp.0.clone(), from.clone(), m.clone()));
                }
            }
        }
    }
    for (topic, from, to) in &moves {
        assert!(
            !moves.contains(&(topic.clone(), to.clone(), from.clone())),
            "{from} and {to} swap partitions of {topic}"
        );
    }
}

fn fresh(list: &[(&str, &[&str])]) -> Members {
    subs(list)
        .into_iter()
        .map(|(m, t)| (m, MemberSubscription::new(t)))
        .collect()
}

#[test]
fn one_consumer_no_topic() {
    let members = fresh(&[("consumer", &[])]);
    let a = sticky(&members, &BTreeMap::new());
    assert_eq!(a, Assignment::from([("consumer".to_string(), vec![])]));
    verify_validity_and_balance(&members, &a, &BTreeMap::new());
}

#[test]
fn one_consumer_nonexistent_topic() {
    let members = fresh(&[("consumer", &["topic"])]);
    let partitions = topics(&[("topic", 0)]);
    let a = sticky(&members, &partitions);
    assert!(a["consumer"].is_empty());
    verify_validity_and_balance(&members, &a, &partitions);
    assert!(is_fully_balanced(&a));
    assert!(sticky(&members, &BTreeMap::new())["consumer"].is_empty());
}

#[test]
fn one_consumer_one_topic() {
    let members = fresh(&[("consumer", &["topic"])]);
    let partitions = topics(&[("topic", 3)]);
    let a = sticky(&members, &partitions);
    assert_eq!(
        a["consumer"],
        tp(&[("topic", 0), ("topic", 1), ("topic", 2)])
    );
    verify_validity_and_balance(&members, &a, &partitions);
    assert!(is_fully_balanced(&a));
}

#[test]
fn only_assigns_partitions_from_subscribed_topics() {
    let owned = [("topic", 0), ("topic", 1), ("other", 0), ("other", 1)];
    let members = group(vec![("consumer", member(&["topic"], &owned, 1))]);
    let partitions = topics(&[("topic", 2), ("other", 3)]);
    let a = sticky(&members, &partitions);
    assert_eq!(a["consumer"], tp(&[("topic", 0), ("topic", 1)]));
}

#[test]
fn one_consumer_multiple_topics() {
    let members = fresh(&[("consumer", &["topic1", "topic2"])]);
    let partitions = topics(&[("topic1", 1), ("topic2", 2)]);
    let a = sticky(&members, &partitions);
    assert_eq!(
        a["consumer"],
        tp(&[("topic1", 0), ("topic2", 0), ("topic2", 1)])
    );
}

#[test]
fn two_consumers_one_topic_one_partition() {
    let members = fresh(&[("consumer1", &["topic"]), ("consumer2", &["topic"])]);
    let partitions = topics(&[("topic", 1)]);
    let a = sticky(&members, &partitions);
    assert_eq!(a["consumer1"], tp(&[("topic", 0)]));
    assert!(a["consumer2"].is_empty());
    verify_validity_and_balance(&members, &a, &partitions);
    assert!(is_fully_balanced(&a));
}

#[test]
fn two_consumers_one_topic_two_partitions() {
    let members = fresh(&[("consumer1", &["topic"]), ("consumer2", &["topic"])]);
    let a = sticky(&members, &topics(&[("topic", 2)]));
    assert_eq!(a["consumer1"], tp(&[("topic", 0)]));
    assert_eq!(a["consumer2"], tp(&[("topic", 1)]));
}

#[test]
fn multiple_consumers_mixed_topic_subscriptions() {
    let members = fresh(&[
        ("consumer1", &["topic1"]),
        ("consumer2", &["topic1", "topic2"]),
        ("consumer3", &["topic1"]),
    ]);
    let partitions = topics(&[("topic1", 3), ("topic2", 2)]);
    let a = sticky(&members, &partitions);
    assert_eq!(a["consumer1"], tp(&[("topic1", 0), ("topic1", 2)]));
    assert_eq!(a["consumer2"], tp(&[("topic2", 0), ("topic2", 1)]));
    assert_eq!(a["consumer3"], tp(&[("topic1", 1)]));
    verify_validity_and_balance(&members, &a, &partitions);
    assert!(is_fully_balanced(&a));
}

#[test]
fn two_consumers_two_topics_six_partitions() {
    let members = fresh(&[
        ("consumer1", &["topic1", "topic2"]),
        ("consumer2", &["topic1", "topic2"]),
    ]);
    let a = sticky(&members, &topics(&[("topic1", 3), ("topic2", 3)]));
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
fn consumer_owning_min_quota_expected_max_quota() {
    let both = ["topic1", "topic2"];
    let members = group(vec![
        (
            "consumer1",
            member(&both, &[("topic1", 0), ("topic2", 1)], 1),
        ),
        (
            "consumer2",
            member(&both, &[("topic1", 1), ("topic2", 2)], 1),
        ),
    ]);
    let a = sticky(&members, &topics(&[("topic1", 2), ("topic2", 3)]));
    assert_eq!(
        a["consumer1"],
        tp(&[("topic1", 0), ("topic2", 1), ("topic2", 0)])
    );
    assert_eq!(a["consumer2"], tp(&[("topic1", 1), ("topic2", 2)]));
}

/// Two members own the maximum quota but only one may keep it. Kafka's test
/// expects consumer2 to keep both (its hash map happens to visit consumer2
/// first); here members are visited in id order, so consumer1 keeps both
/// and consumer2 gives up topic2-1: the mirror image, one partition moving.
#[test]
fn max_quota_consumer_more_than_num_expected_max_capacity_members() {
    let both = ["topic1", "topic2"];
    let members = group(vec![
        (
            "consumer1",
            member(&both, &[("topic1", 0), ("topic2", 0)], 1),
        ),
        (
            "consumer2",
            member(&both, &[("topic1", 1), ("topic2", 1)], 1),
        ),
        ("consumer3", member(&both, &[], 1)),
    ]);
    let a = sticky(&members, &topics(&[("topic1", 2), ("topic2", 2)]));
    assert_eq!(a["consumer1"], tp(&[("topic1", 0), ("topic2", 0)]));
    assert_eq!(a["consumer2"], tp(&[("topic1", 1)]));
    assert_eq!(a["consumer3"], tp(&[("topic2", 1)]));
    let c = assign_with_owned(
        Assignor::CooperativeSticky,
        &members,
        &topics(&[("topic1", 2), ("topic2", 2)]),
    );
    assert!(
        c["consumer3"].is_empty(),
        "topic2-1 waits for consumer2 to revoke it"
    );
}

#[test]
fn all_consumers_are_under_min_quota() {
    let both = ["topic1", "topic2"];
    let members = group(vec![
        ("consumer1", member(&both, &[("topic1", 0)], 1)),
        ("consumer2", member(&both, &[("topic1", 1)], 1)),
        ("consumer3", member(&both, &[], 1)),
    ]);
    let a = sticky(&members, &topics(&[("topic1", 2), ("topic2", 3)]));
    assert_eq!(a["consumer1"], tp(&[("topic1", 0), ("topic2", 1)]));
    assert_eq!(a["consumer2"], tp(&[("topic1", 1), ("topic2", 2)]));
    assert_eq!(a["consumer3"], tp(&[("topic2", 0)]));
}

#[test]
fn add_remove_consumer_one_topic() {
    let partitions = topics(&[("topic", 3)]);
    let one = fresh(&[("consumer1", &["topic"])]);
    let a = sticky(&one, &partitions);
    assert_eq!(
        a["consumer1"],
        tp(&[("topic", 0), ("topic", 1), ("topic", 2)])
    );

    let mut two = next_generation(&one, &a, 1);
    two.insert("consumer2".into(), member(&["topic"], &[], 1));
    let a = sticky(&two, &partitions);
    assert_eq!(a["consumer1"], tp(&[("topic", 0), ("topic", 1)]));
    assert_eq!(a["consumer2"], tp(&[("topic", 2)]));

    let mut back = next_generation(&two, &a, 1);
    back.remove("consumer1");
    let a = sticky(&back, &partitions);
    assert_eq!(
        set(&a["consumer2"]),
        set(&tp(&[("topic", 0), ("topic", 1), ("topic", 2)]))
    );
}

#[test]
fn topic_balance_after_reassignment() {
    let both = ["topic1", "topic2"];
    let partitions = topics(&[("topic1", 12), ("topic2", 12)]);
    let per_topic = |a: &Assignment, want: usize| {
        for list in a.values() {
            for t in both {
                assert_eq!(list.iter().filter(|tp| tp.0 == t).count(), want, "{a:?}");
            }
        }
    };
    let mut members = group(vec![("consumer1", member(&both, &[], -1))]);
    let a = sticky(&members, &partitions);
    per_topic(&a, 12);
    members = next_generation(&members, &a, 1);
    members.insert("consumer2".into(), member(&both, &[], 1));
    let a = sticky(&members, &partitions);
    per_topic(&a, 6);
    members = next_generation(&members, &a, 1);
    members.insert("consumer3".into(), member(&both, &[], 1));
    members.insert("consumer4".into(), member(&both, &[], 1));
    let a = sticky(&members, &partitions);
    per_topic(&a, 3);
    members = next_generation(&members, &a, 1);
    members.remove("consumer1");
    members.remove("consumer2");
    let a = sticky(&members, &partitions);
    per_topic(&a, 6);
}

#[test]
fn add_remove_two_consumers_two_topics() {
    let both = ["topic1", "topic2"];
    let partitions = topics(&[("topic1", 3), ("topic2", 4)]);
    let mut members = group(vec![
        ("consumer1", member(&both, &[], -1)),
        ("consumer2", member(&both, &[], -1)),
    ]);
    let a = sticky(&members, &partitions);
    assert_eq!(
        a["consumer1"],
        tp(&[("topic1", 0), ("topic1", 2), ("topic2", 1), ("topic2", 3)])
    );
    assert_eq!(
        a["consumer2"],
        tp(&[("topic1", 1), ("topic2", 0), ("topic2", 2)])
    );

    members = next_generation(&members, &a, 1);
    members.insert("consumer3".into(), member(&both, &[], 1));
    members.insert("consumer4".into(), member(&both, &[], 1));
    let a = sticky(&members, &partitions);
    assert_eq!(a["consumer1"], tp(&[("topic1", 0), ("topic2", 1)]));
    assert_eq!(a["consumer2"], tp(&[("topic2", 0), ("topic1", 1)]));
    assert_eq!(a["consumer3"], tp(&[("topic1", 2), ("topic2", 3)]));
    assert_eq!(a["consumer4"], tp(&[("topic2", 2)]));
    let c = assign_with_owned(Assignor::CooperativeSticky, &members, &partitions);
    assert!(
        c["consumer3"].is_empty() && c["consumer4"].is_empty(),
        "all three move: {c:?}"
    );

    members = next_generation(&members, &a, 1);
    members.remove("consumer1");
    members.remove("consumer2");
    let a = sticky(&members, &partitions);
    assert_eq!(
        a["consumer3"],
        tp(&[("topic1", 2), ("topic2", 3), ("topic1", 0), ("topic2", 1)])
    );
    assert_eq!(
        a["consumer4"],
        tp(&[("topic2", 2), ("topic1", 1), ("topic2", 0)])
    );
}

#[test]
fn schema_backward_compatibility() {
    let members = group(vec![
        (
            "consumer1",
            member(&["topic"], &[("topic", 0), ("topic", 2)], 1),
        ),
        (
            "consumer2",
            member(&["topic"], &[("topic", 1)], DEFAULT_GENERATION),
        ),
        ("consumer3", member(&["topic"], &[], DEFAULT_GENERATION)),
    ]);
    let partitions = topics(&[("topic", 3)]);
    let a = sticky(&members, &partitions);
    assert!(a.values().all(|l| l.len() == 1));
    assert!(set(&tp(&[("topic", 0), ("topic", 2)])).is_superset(&set(&a["consumer1"])));
    assert_eq!(a["consumer2"], tp(&[("topic", 1)]));
    verify_validity_and_balance(&members, &a, &partitions);
}
