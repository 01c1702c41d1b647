//! Kernel speed: simulated time per wall time for a steady cluster
//! (heartbeats, watches) and for a controller failover.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kafkascope::{ClusterConfig, Command, World};
use std::hint::black_box;

fn steady_cluster(c: &mut Criterion) {
    let mut group = c.benchmark_group("kernel");
    for brokers in [5u32, 32] {
        let cfg = ClusterConfig {
            brokers,
            ..ClusterConfig::default()
        };
        let probe = {
            let mut w = World::new(1, cfg.clone()).expect("valid config");
            w.run_until(600_000);
            w.trace().count()
        };
        group.throughput(Throughput::Elements(probe));
        group.bench_function(format!("ten_simulated_minutes_{brokers}_brokers"), |b| {
            b.iter(|| {
                let mut w = World::new(1, cfg.clone()).expect("valid config");
                w.run_until(600_000);
                black_box(w.trace().count())
            })
        });
    }
    group.bench_function("controller_failover_5_brokers", |b| {
        b.iter(|| {
            let cfg = ClusterConfig {
                brokers: 5,
                ..ClusterConfig::default()
            };
            let mut w = World::new(7, cfg).expect("valid config");
            w.run_until(5_000);
            let old = w.controller().expect("elected");
            w.apply(Command::CrashBroker { broker: old })
                .expect("running");
            let moved = w.run_until_cond(120_000, |w| w.controller().is_some_and(|c| c != old));
            black_box(moved)
        })
    });
    group.finish();
}

criterion_group!(benches, steady_cluster);
criterion_main!(benches);
