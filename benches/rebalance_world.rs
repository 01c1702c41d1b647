//! A whole rebalance in the simulator, natively: 100 consumers of one group
//! over 1000 partitions (4 topics x 250) on 3 brokers; one member leaves,
//! the coordinator starts a rebalance, the other 99 learn it from their
//! heartbeats, commit, rejoin, the leader runs the range assignor, and
//! SyncGroup hands out the partitions. Wall time from the LeaveGroup to
//! every member holding its new assignment. (benches/rebalance.rs times the
//! assignors alone.)

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use kafkascope::workload::{rebalance_world, run_rebalance};
use std::hint::black_box;

fn rebalance(c: &mut Criterion) {
    let mut group = c.benchmark_group("rebalance_in_the_simulator");
    group.sample_size(10);
    group.bench_function("100_members_1000_partitions_one_leaves", |b| {
        b.iter_batched(
            || rebalance_world(1),
            |mut w| black_box(run_rebalance(&mut w)),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, rebalance);
criterion_main!(benches);
