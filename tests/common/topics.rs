//! Helpers for the topic, replication and data-loss scenario tests.

use super::{apply, assert_no_violation, wait};
use kafkascope::client::producer::{Acks, ProducerConfig};
use kafkascope::sim::{ClusterConfig, Command, LinkConfig, NodeId};
use kafkascope::topic::TopicPartition;
use kafkascope::World;
use std::collections::BTreeMap;

/// The app's scaled settings (6 s sessions, 5 s replica lag) on a fast LAN.
pub fn config(brokers: u32) -> ClusterConfig {
    ClusterConfig {
        brokers,
        network: LinkConfig {
            latency_min_ms: 1,
            latency_max_ms: 5,
            loss_ratio: 0.0,
        },
        auto_leader_rebalance_enable: false,
        ..ClusterConfig::app_default()
    }
}

pub fn world(seed: u64, cfg: ClusterConfig) -> World {
    let mut w = World::new(seed, cfg).unwrap().with_checks();
    wait(&mut w, 10_000, "a controller", |w| {
        w.controller()
            .and_then(|c| w.broker(c))
            .and_then(|b| b.role())
            .is_some_and(|r| r.live_brokers().len() as u32 == w.config().brokers)
    });
    w
}

pub fn create_topic(
    w: &mut World,
    name: &str,
    partitions: u32,
    rf: u32,
    configs: serde_json::Value,
) {
    let configs: BTreeMap<String, serde_json::Value> = serde_json::from_value(configs).unwrap();
    apply(
        w,
        Command::CreateTopic {
            name: name.into(),
            partitions,
            replication_factor: rf,
            assignment: Default::default(),
            configs,
        },
    );
    let name = name.to_string();
    wait(w, 5_000, "every replica knows its leader", move |w| {
        let parts = w.partition_reports();
        parts.iter().filter(|p| p.topic == name).count() == partitions as usize
            && parts.iter().filter(|p| p.topic == name).all(|p| {
                let tp = TopicPartition::new(&p.topic, p.partition);
                p.replicas.iter().all(|b| {
                    w.broker(*b)
                        .and_then(|b| b.replicas().get(&tp))
                        .is_some_and(|r| Some(r.leader) == p.leader)
                })
            })
    });
}

pub fn producer(w: &mut World, topic: &str, acks: i16, rate: f64, key_space: u32) -> i32 {
    let id = w.producers().len() as i32 + 1;
    apply(
        w,
        Command::AddProducer {
            id: Some(id),
            config: ProducerConfig {
                topic: topic.into(),
                acks: Acks(acks),
                rate,
                key_space,
                ..ProducerConfig::default()
            },
        },
    );
    id
}

pub fn partition(w: &World, topic: &str, p: i32) -> kafkascope::cluster::PartitionReport {
    w.partition_reports()
        .into_iter()
        .find(|r| r.topic == topic && r.partition == p)
        .expect("partition exists")
}

pub fn leader(w: &World, topic: &str, p: i32) -> i32 {
    partition(w, topic, p).leader.unwrap()
}

pub fn acked(w: &World, id: i32) -> u64 {
    w.producers()[&id].producer.stats().acked
}

pub fn run_for(w: &mut World, ms: u64) {
    let until = w.now() + ms;
    w.run_until(until);
    assert_no_violation(w);
}

pub fn cut(w: &mut World, a: i32, b: i32) {
    apply(
        w,
        Command::CutLink {
            a: NodeId::Broker(a),
            b: NodeId::Broker(b),
            direction: Default::default(),
        },
    );
}

/// Shrinks partition 0's ISR to its leader alone by cutting it off its
/// followers for longer than `replica.lag.time.max.ms`, with acks=1 writes
/// going on; returns the leader.
pub fn isolate_leader(w: &mut World, topic: &str) -> i32 {
    let old = leader(w, topic, 0);
    for f in (1..=3).filter(|b| *b != old) {
        cut(w, old, f);
    }
    let t = topic.to_string();
    wait(w, 20_000, "the ISR shrinks to the leader", move |w| {
        partition(w, &t, 0).isr == vec![old]
    });
    run_for(w, 1_000);
    old
}

/// Three brokers, topic t (3 partitions, RF 2), a producer and a consumer group running for a second.
pub fn live_world() -> World {
    let mut w = world(3, config(3));
    create_topic(&mut w, "t", 3, 2, serde_json::json!({}));
    for c in [
        serde_json::json!({"type": "add_producer", "config": {"topic": "t", "rate": 50.0, "key_space": 3}}),
        serde_json::json!({"type": "add_consumer", "config": {"group.id": "g", "topics": ["t"],
               "auto.offset.reset": "earliest", "processing_rate": 100.0}}),
    ] {
        let c: Command = serde_json::from_value(c).unwrap();
        apply(&mut w, c);
    }
    let end = w.now() + 1_000;
    w.run_until(end);
    assert_no_violation(&w);
    w
}
