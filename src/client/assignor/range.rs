//! Kafka's `RangeAssignor`: per topic, the subscribed members sorted by id
//! each take a contiguous range; the first `P mod C` take one extra.

use super::{empty_assignment, Assignment, Members};
use std::collections::BTreeMap;

/// Range assignment; ownership is ignored.
pub(super) fn assign(members: &Members, partitions: &BTreeMap<String, u32>) -> Assignment {
    let mut out = empty_assignment(members);
    for (topic, count) in partitions {
        let consumers: Vec<&String> = members
            .iter()
            .filter(|(_, sub)| sub.topics.contains(topic))
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
    out
}
