//! Consumer-group partition assignors as Kafka's group leader runs them:
//! `range` (per topic, members sorted; the first `P mod C` members get one
//! extra partition) and `roundrobin` (every partition of every subscribed
//! topic, sorted, dealt in turn to the members sorted, skipping members not
//! subscribed to the partition's topic). Input: member ids with their
//! subscriptions and partition counts per topic; output: partitions per member.

use std::collections::{BTreeMap, BTreeSet};

/// A topic-partition.
pub type TopicPartition = (String, u32);

/// Member id -> subscribed topics.
pub type Subscriptions = BTreeMap<String, BTreeSet<String>>;

/// Member id -> assigned partitions, in the order the assignor gave them.
pub type Assignment = BTreeMap<String, Vec<TopicPartition>>;

/// Which assignor (`partition.assignment.strategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Assignor {
    /// Kafka's `RangeAssignor`.
    Range,
    /// Kafka's `RoundRobinAssignor`.
    RoundRobin,
}

/// Assigns partitions; topics a member subscribes to but that do not exist
/// are ignored, every member appears in the result (idle ones with none).
pub fn assign(
    kind: Assignor,
    members: &Subscriptions,
    partitions: &BTreeMap<String, u32>,
) -> Assignment {
    let mut out: Assignment = members.keys().map(|m| (m.clone(), Vec::new())).collect();
    match kind {
        Assignor::Range => {
            for (topic, count) in partitions {
                let consumers: Vec<&String> = members
                    .iter()
                    .filter(|(_, subs)| subs.contains(topic))
                    .map(|(m, _)| m)
                    .collect();
                if consumers.is_empty() {
                    continue;
                }
                let n = consumers.len() as u32;
                let (per, extra) = (count / n, count % n);
                for (i, m) in consumers.into_iter().enumerate() {
                    let i = i as u32;
                    let start = per * i + i.min(extra);
                    let len = per + u32::from(i < extra);
                    let slot = out.get_mut(m).expect("every member has a slot");
                    slot.extend((start..start + len).map(|p| (topic.clone(), p)));
                }
            }
        }
        Assignor::RoundRobin => {
            let order: Vec<&String> = members.keys().collect();
            if order.is_empty() {
                return out;
            }
            let subscribed: BTreeSet<&String> = members.values().flatten().collect();
            let mut at = 0usize;
            for (topic, count) in partitions.iter().filter(|(t, _)| subscribed.contains(t)) {
                for p in 0..*count {
                    while !members[order[at % order.len()]].contains(topic) {
                        at += 1;
                    }
                    let m = order[at % order.len()];
                    at += 1;
                    out.get_mut(m)
                        .expect("every member has a slot")
                        .push((topic.clone(), p));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subs(list: &[(&str, &[&str])]) -> Subscriptions {
        list.iter()
            .map(|(m, ts)| (m.to_string(), ts.iter().map(|t| t.to_string()).collect()))
            .collect()
    }

    fn topics(list: &[(&str, u32)]) -> BTreeMap<String, u32> {
        list.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    fn tp(list: &[(&str, u32)]) -> Vec<TopicPartition> {
        list.iter().map(|(t, p)| (t.to_string(), *p)).collect()
    }

    // Cases from Kafka's RangeAssignorTest and RoundRobinAssignorTest.

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
        for kind in [Assignor::Range, Assignor::RoundRobin] {
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
}
