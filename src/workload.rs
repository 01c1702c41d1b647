//! The replication benchmark's workload, shared by the native criterion
//! benchmark and its wasm twin so both measure the same thing: three
//! brokers on a 1 ms LAN, one topic of three partitions with replication
//! factor 3 and `min.insync.replicas=2`, and one producer writing 100-byte
//! values with acks=all as fast as the cluster takes them. A record counts
//! once the producer has its acknowledgement, that is after the leader
//! appended it, both followers fetched it and the high watermark passed it.

use crate::client::consumer::{ConsumerConfig, OffsetReset, Phase};
use crate::client::producer::{Acks, ProducerConfig};
use crate::sim::{ClusterConfig, Command, LinkConfig};
use crate::World;
use serde_json::json;

/// Records per simulated second the producer offers: about what this
/// cluster acknowledges, so the accumulator neither runs dry nor piles up.
pub const OFFERED_RATE: f64 = 2_400_000.0;
/// `batch.size` of the producer: 128 KiB. With Kafka's default (16 KiB) and
/// 5 requests in flight per broker, the simulated cluster itself (not the
/// simulator) tops out near 0.5 million records per simulated second on a
/// 1 ms network.
pub const BATCH_SIZE: u32 = 131_072;

/// `segment.bytes` of the topic: 8 MiB.
pub const SEGMENT_BYTES: u64 = 8 << 20;
/// `retention.bytes` of the topic: 16 MiB per partition, so a long run keeps
/// its memory bounded (and reuses it) as a long-running broker does.
pub const RETENTION_BYTES: u64 = 16 << 20;

/// A world with the workload running and warmed up (leaders elected, the
/// producer's first batches acknowledged).
pub fn replication_world(seed: u64) -> World {
    replication_world_with(seed, 3_000, |_| {})
}

/// Three brokers on a 1 ms LAN with Kafka's defaults, no automatic leader
/// rebalance, and `group.initial.rebalance.delay.ms` as given.
fn lan_cluster(initial_rebalance_delay_ms: u64) -> ClusterConfig {
    ClusterConfig {
        brokers: 3,
        network: LinkConfig {
            latency_min_ms: 1,
            latency_max_ms: 1,
            loss_ratio: 0.0,
        },
        auto_leader_rebalance_enable: false,
        group_initial_rebalance_delay_ms: initial_rebalance_delay_ms,
        ..ClusterConfig::default()
    }
}

/// The replication world with `group.initial.rebalance.delay.ms` set and
/// `before_producer` run once the topic exists.
fn replication_world_with(
    seed: u64,
    initial_rebalance_delay_ms: u64,
    before_producer: impl FnOnce(&mut World),
) -> World {
    let cfg = ClusterConfig {
        log_retention_check_interval_ms: 100,
        ..lan_cluster(initial_rebalance_delay_ms)
    };
    let mut w = World::new(seed, cfg).expect("valid config");
    w.run_until(1_000);
    w.apply(Command::CreateTopic {
        name: "bench".into(),
        partitions: 3,
        replication_factor: 3,
        assignment: Default::default(),
        configs: [
            ("min.insync.replicas".to_string(), json!("2")),
            ("segment.bytes".to_string(), json!(SEGMENT_BYTES)),
            ("retention.bytes".to_string(), json!(RETENTION_BYTES)),
        ]
        .into(),
    })
    .expect("topic");
    w.run_until(1_500);
    before_producer(&mut w);
    w.apply(Command::AddProducer {
        id: Some(1),
        config: ProducerConfig {
            topic: "bench".into(),
            acks: Acks(-1),
            rate: OFFERED_RATE,
            value_bytes: 100,
            batch_size: BATCH_SIZE,
            buffer_memory: 1 << 28,
            ..ProducerConfig::default()
        },
    })
    .expect("producer");
    w.run_until(w.now() + 500);
    w
}

/// Runs `ms` more simulated milliseconds; returns the records acknowledged meanwhile.
pub fn run_window(w: &mut World, ms: u64) -> u64 {
    let acked = |w: &World| w.producers()[&1].producer.stats().acked;
    let before = acked(w);
    w.run_until(w.now() + ms);
    acked(w) - before
}

/// Members of the consume benchmark's group.
pub const CONSUMERS: i32 = 3;

/// Consumers 1..=CONSUMERS in `group`, reading `topic` from the earliest offset.
fn add_readers(w: &mut World, group: &str, topic: &str) {
    for id in 1..=CONSUMERS {
        w.apply(Command::AddConsumer {
            id: Some(id),
            config: ConsumerConfig {
                group_id: group.into(),
                topics: vec![topic.into()],
                auto_offset_reset: OffsetReset::Earliest,
                ..ConsumerConfig::default()
            },
        })
        .expect("consumer");
    }
}

/// The end-to-end consume workload: the same cluster, topic and producer,
/// plus a group of three consumers (range assignor, one partition each,
/// auto-commit every 5 s, no processing delay) that read what the producer
/// writes. The group is Stable before the producer starts (the benchmark
/// cluster sets `group.initial.rebalance.delay.ms` to 0 so it forms at once).
/// A record counts once the application polled it: appended, replicated,
/// below the high watermark, fetched by its consumer and handed over.
pub fn consume_world(seed: u64) -> World {
    let mut w = replication_world_with(seed, 0, |w| {
        add_readers(w, "bench", "bench");
        let stable = |w: &World| {
            w.consumers()
                .values()
                .all(|c| c.consumer.phase() == Phase::Stable && !c.consumer.positions().is_empty())
        };
        while !stable(w) && w.now() < 30_000 {
            w.run_until(w.now() + 10);
        }
        assert!(stable(w), "the benchmark group did not form");
    });
    w.run_until(w.now() + 500);
    w
}

/// Runs `ms` more simulated milliseconds; returns the records the group polled meanwhile.
pub fn run_consume_window(w: &mut World, ms: u64) -> u64 {
    let polled = |w: &World| -> u64 {
        w.consumers()
            .values()
            .map(|c| c.consumer.stats().consumed)
            .sum()
    };
    let before = polled(w);
    w.run_until(w.now() + ms);
    polled(w) - before
}

/// Members of the rebalance benchmark's group.
pub const REBALANCE_MEMBERS: i32 = 100;
/// Topics of the rebalance benchmark, 250 partitions each (1000 in all).
pub const REBALANCE_TOPICS: u32 = 4;

/// True when every running consumer holds the group's current generation
/// and its assignment.
pub fn group_settled(w: &World) -> bool {
    let Some(g) = w
        .brokers()
        .keys()
        .filter_map(|b| w.broker(*b))
        .find_map(|b| b.coordinator().groups().values().next())
    else {
        return false;
    };
    let mut running = w.consumers().values().filter(|c| c.is_running());
    g.state == crate::broker::GroupState::Stable
        && g.members.len() == running.clone().count()
        && running
            .all(|c| c.consumer.phase() == Phase::Stable && c.consumer.generation() == g.generation)
}

/// The rebalance workload: three brokers on a 1 ms LAN, four topics of 250
/// partitions, and a Stable group of 100 consumers subscribed to all of
/// them (range assignor, no records).
pub fn rebalance_world(seed: u64) -> World {
    let mut w = World::new(seed, lan_cluster(0)).expect("valid config");
    w.run_until(1_000);
    let topics: Vec<String> = (0..REBALANCE_TOPICS).map(|t| format!("t{t}")).collect();
    for t in &topics {
        w.apply(Command::CreateTopic {
            name: t.clone(),
            partitions: 250,
            replication_factor: 3,
            assignment: Default::default(),
            configs: Default::default(),
        })
        .expect("topic");
    }
    w.run_until(2_000);
    for id in 1..=REBALANCE_MEMBERS {
        w.apply(Command::AddConsumer {
            id: Some(id),
            config: ConsumerConfig {
                group_id: "rebalance".into(),
                topics: topics.clone(),
                ..ConsumerConfig::default()
            },
        })
        .expect("consumer");
    }
    while !group_settled(&w) && w.now() < 60_000 {
        w.run_until(w.now() + 10);
    }
    assert!(group_settled(&w), "the benchmark group did not form");
    w
}

/// One rebalance: consumer 1 leaves and the other 99 rejoin and get their
/// new partitions; returns the simulated milliseconds it took.
pub fn run_rebalance(w: &mut World) -> u64 {
    let t0 = w.now();
    w.apply(Command::CloseConsumer { consumer: 1 })
        .expect("consumer 1 runs");
    while !group_settled(w) && w.now() < t0 + 60_000 {
        w.run_until(w.now() + 5);
    }
    w.now() - t0
}

/// Records per simulated second each producer of the memory workload offers.
pub const MEMORY_PRODUCER_RATE: f64 = 10_000.0;

/// The memory workload (benches/memory-wasm.mjs): the app's default
/// cluster, a topic of 6 partitions with replication factor 3, two
/// producers of 100-byte records at `MEMORY_PRODUCER_RATE` each with
/// acks=all, and a group of three consumers reading as fast as they can.
/// Run for an hour of simulated time, what it holds must stay bounded.
pub fn memory_world(seed: u64) -> World {
    let mut w = World::new(seed, ClusterConfig::app_default()).expect("valid config");
    w.run_until(3_000);
    w.apply(Command::CreateTopic {
        name: "busy".into(),
        partitions: 6,
        replication_factor: 3,
        assignment: Default::default(),
        configs: [("min.insync.replicas".to_string(), json!("2"))].into(),
    })
    .expect("topic");
    w.run_until(4_000);
    for id in 1..=2 {
        w.apply(Command::AddProducer {
            id: Some(id),
            config: ProducerConfig {
                topic: "busy".into(),
                acks: Acks(-1),
                rate: MEMORY_PRODUCER_RATE,
                value_bytes: 100,
                key_space: 1_000,
                ..ProducerConfig::default()
            },
        })
        .expect("producer");
    }
    add_readers(&mut w, "readers", "busy");
    w
}

/// What a world holds that could grow with time, as JSON: log bytes per
/// broker, messages in flight, event-log lines, trace entries, recorded
/// commands, records acknowledged and consumed.
pub fn holdings(w: &World) -> serde_json::Value {
    let log_bytes: Vec<usize> = w
        .brokers()
        .keys()
        .map(|b| {
            w.disk(*b)
                .map_or(0, |d| d.logs.values().map(|l| l.size_bytes()).sum())
        })
        .collect();
    let acked: u64 = w
        .producers()
        .values()
        .map(|p| p.producer.stats().acked)
        .sum();
    let consumed: u64 = w
        .consumers()
        .values()
        .map(|c| c.consumer.stats().consumed)
        .sum();
    json!({
        "now_ms": w.now(),
        "log_bytes_per_broker": log_bytes,
        "in_flight": w.in_flight().len(),
        "event_log_lines": w.log().len(),
        "trace_entries": w.trace().entries().count(),
        "ledger_checked_records": w.ledger().acked_count(),
        "commands": w.commands().len(),
        "acked": acked,
        "consumed": consumed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rebalance_workload_settles_with_one_member_fewer() {
        let mut w = rebalance_world(1);
        let g = w.group_reports()[0].clone();
        assert_eq!(g.members.len(), REBALANCE_MEMBERS as usize);
        let owned: usize = g.members.iter().map(|m| m.assignment.len()).sum();
        assert_eq!(owned, 1_000, "every partition of the four topics assigned");
        let ms = run_rebalance(&mut w);
        assert!(
            ms <= 3_100,
            "within a heartbeat interval: {ms} simulated ms"
        );
        let after = w.group_reports()[0].clone();
        assert_eq!(after.generation_id, g.generation_id + 1);
        let owned: usize = after.members.iter().map(|m| m.assignment.len()).sum();
        assert_eq!((after.members.len(), owned), (99, 1_000));
    }

    #[test]
    fn the_consume_workload_reads_what_is_written() {
        let mut w = consume_world(1);
        let polled = run_consume_window(&mut w, 100);
        assert!(polled > 100_000, "{polled}");
        for c in w.consumers().values() {
            assert_eq!(c.consumer.assignment().len(), 1);
        }
    }

    #[test]
    fn the_workload_replicates_every_acknowledged_record() {
        let mut w = replication_world(1);
        let acked = run_window(&mut w, 100);
        assert!(acked > 100_000, "{acked}");
        assert_eq!(w.ledger().lost_total(), 0);
        for p in w.partition_reports() {
            assert_eq!(p.isr.len(), 3, "{p:?}");
        }
    }
}
