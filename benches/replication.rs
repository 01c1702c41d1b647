//! Simulated replication throughput, natively: a 3-broker cluster,
//! replication factor 3, acks=all, 100-byte records, end to end (produce,
//! leader append, both followers fetch, high watermark, acknowledgement).
//! Throughput is acknowledged records per second of wall time on one core.
//! The wasm twin is benches/replication-wasm.mjs.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use kafkascope::workload::{replication_world, run_window};
use std::hint::black_box;

const WINDOW_MS: u64 = 200;

fn replication(c: &mut Criterion) {
    let records = run_window(&mut replication_world(1), WINDOW_MS);
    let mut group = c.benchmark_group("replication");
    group.sample_size(10);
    group.throughput(Throughput::Elements(records));
    group.bench_function("rf3_acks_all_100_byte_records", |b| {
        b.iter_batched(
            || replication_world(1),
            |mut w| black_box(run_window(&mut w, WINDOW_MS)),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, replication);
criterion_main!(benches);
