//! Simulated end-to-end consume throughput, natively: the replication
//! benchmark's cluster and producer plus a 3-member consumer group reading
//! what the producer writes (fetch below the high watermark, poll).
//! Throughput is records polled by the group per second of wall time on
//! one core. The wasm twin is benches/consume-wasm.mjs.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use kafkascope::workload::{consume_world, run_consume_window};
use std::hint::black_box;

const WINDOW_MS: u64 = 200;

fn consume(c: &mut Criterion) {
    let records = run_consume_window(&mut consume_world(1), WINDOW_MS);
    let mut group = c.benchmark_group("consume");
    group.sample_size(10);
    group.throughput(Throughput::Elements(records));
    group.bench_function("group_of_3_rf3_acks_all_100_byte_records", |b| {
        b.iter_batched(
            || consume_world(1),
            |mut w| black_box(run_consume_window(&mut w, WINDOW_MS)),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, consume);
criterion_main!(benches);
