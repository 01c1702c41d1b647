//! The replication benchmark's workload, shared by the native criterion
//! benchmark and its wasm twin so both measure the same thing: three
//! brokers on a 1 ms LAN, one topic of three partitions with replication
//! factor 3 and `min.insync.replicas=2`, and one producer writing 100-byte
//! values with acks=all as fast as the cluster takes them. A record counts
//! once the producer has its acknowledgement, that is after the leader
//! appended it, both followers fetched it and the high watermark passed it.

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
    let cfg = ClusterConfig {
        brokers: 3,
        network: LinkConfig {
            latency_min_ms: 1,
            latency_max_ms: 1,
            loss_ratio: 0.0,
        },
        auto_leader_rebalance_enable: false,
        log_retention_check_interval_ms: 100,
        ..ClusterConfig::default()
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
    w.run_until(2_000);
    w
}

/// Runs `ms` more simulated milliseconds; returns the records acknowledged meanwhile.
pub fn run_window(w: &mut World, ms: u64) -> u64 {
    let acked = |w: &World| w.producers()[&1].producer.stats().acked;
    let before = acked(w);
    w.run_until(w.now() + ms);
    acked(w) - before
}

#[cfg(test)]
mod tests {
    use super::*;

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
