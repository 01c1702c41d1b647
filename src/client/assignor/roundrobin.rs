//! Kafka's `RoundRobinAssignor`: every partition of every subscribed topic,
//! sorted, dealt in turn to the members sorted by id, skipping members not
//! subscribed to the partition's topic.

use super::{empty_assignment, Assignment, Members};
use std::collections::{BTreeMap, BTreeSet};

/// Round-robin assignment; ownership is ignored.
pub(super) fn assign(members: &Members, partitions: &BTreeMap<String, u32>) -> Assignment {
    let mut out = empty_assignment(members);
    let order: Vec<&String> = members.keys().collect();
    if order.is_empty() {
        return out;
    }
    let subscribed: BTreeSet<&String> = members.values().flat_map(|s| &s.topics).collect();
    let mut at = 0usize;
    for (topic, count) in partitions.iter().filter(|(t, _)| subscribed.contains(t)) {
        for p in 0..*count {
            while !members[order[at % order.len()]].topics.contains(topic) {
                at += 1;
            }
            let m = order[at % order.len()];
            at += 1;
            out.get_mut(m)
                .expect("every member has a slot")
                .push((topic.clone(), p));
        }
    }
    out
}
