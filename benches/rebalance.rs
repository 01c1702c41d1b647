//! Consumer-group rebalance speed, natively: each assignor placing 1000
//! partitions (10 topics of 100) over 100 members that all subscribe to
//! every topic, and the sticky assignors rebalancing after one member leaves
//! (the others rejoining with what they own). The same two sticky cases
//! again with one member subscribed to a single topic, which takes the
//! general algorithm instead of the constrained one.

use criterion::{criterion_group, criterion_main, Criterion};
use kafkascope::client::assignor::{
    assign_with_owned, Assignment, Assignor, MemberSubscription, Members,
};
use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;

const MEMBERS: usize = 100;
const TOPICS: usize = 10;
const PARTITIONS_PER_TOPIC: u32 = 100;

fn partitions() -> BTreeMap<String, u32> {
    (0..TOPICS)
        .map(|t| (format!("topic{t:02}"), PARTITIONS_PER_TOPIC))
        .collect()
}

/// Every member subscribed to every topic, or, with `mixed`, the last one
/// to the first topic only.
fn group(mixed: bool) -> Members {
    let all: BTreeSet<String> = partitions().into_keys().collect();
    (0..MEMBERS)
        .map(|i| {
            let topics = if mixed && i == MEMBERS - 1 {
                all.iter().take(1).cloned().collect()
            } else {
                all.clone()
            };
            (format!("member{i:03}"), MemberSubscription::new(topics))
        })
        .collect()
}

/// The group after `leaver` left, the others owning what `before` gave
/// them in generation 1.
fn after_leave(members: &Members, before: &Assignment, leaver: &str) -> Members {
    members
        .iter()
        .filter(|(m, _)| m.as_str() != leaver)
        .map(|(m, s)| (m.clone(), s.clone().owning(before[m].clone(), 1)))
        .collect()
}

fn rebalance(c: &mut Criterion) {
    let partitions = partitions();
    let mut group_bench = c.benchmark_group("rebalance_100_members_1000_partitions");
    let fresh = group(false);
    for kind in Assignor::ALL {
        group_bench.bench_function(format!("{}_fresh", kind.name()), |b| {
            b.iter(|| black_box(assign_with_owned(kind, black_box(&fresh), &partitions)))
        });
    }
    for (label, mixed) in [("", false), ("_mixed", true)] {
        let members = group(mixed);
        let before = assign_with_owned(Assignor::Sticky, &members, &partitions);
        let rest = after_leave(&members, &before, "member042");
        for kind in [Assignor::Sticky, Assignor::CooperativeSticky] {
            if mixed {
                group_bench.bench_function(format!("{}_fresh_mixed", kind.name()), |b| {
                    b.iter(|| black_box(assign_with_owned(kind, black_box(&members), &partitions)))
                });
            }
            group_bench.bench_function(format!("{}_one_left{label}", kind.name()), |b| {
                b.iter(|| black_box(assign_with_owned(kind, black_box(&rest), &partitions)))
            });
        }
    }
    group_bench.finish();
}

criterion_group!(benches, rebalance);
criterion_main!(benches);
