//! Scenario tests for topics, replication and producers: each builds a
//! cluster, creates a topic, runs producers, injects faults and checks what
//! Kafka would show: leaders, ISRs, high watermarks, and which acknowledged
//! records survive.

mod common;

use common::{apply, assert_no_violation, log_tail, logged, wait};
use kafkascope::client::partitioner::partition_for_key;
use kafkascope::client::producer::{Acks, ProducerConfig};
use kafkascope::log::records;
use kafkascope::sim::{ClusterConfig, Command, LinkConfig, NodeId};
use kafkascope::topic::TopicPartition;
use kafkascope::World;
use serde_json::json;
use std::collections::BTreeMap;

/// The app's scaled settings (6 s sessions, 5 s replica lag) on a fast LAN.
fn config(brokers: u32) -> ClusterConfig {
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

fn world(seed: u64, cfg: ClusterConfig) -> World {
    let mut w = World::new(seed, cfg).unwrap().with_checks();
    wait(&mut w, 10_000, "a controller", |w| {
        w.controller()
            .and_then(|c| w.broker(c))
            .and_then(|b| b.role())
            .is_some_and(|r| r.live_brokers().len() as u32 == w.config().brokers)
    });
    w
}

fn create_topic(w: &mut World, name: &str, partitions: u32, rf: u32, configs: serde_json::Value) {
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

fn producer(w: &mut World, topic: &str, acks: i16, rate: f64, key_space: u32) -> i32 {
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

fn partition(w: &World, topic: &str, p: i32) -> kafkascope::cluster::PartitionReport {
    w.partition_reports()
        .into_iter()
        .find(|r| r.topic == topic && r.partition == p)
        .expect("partition exists")
}

fn leader(w: &World, topic: &str, p: i32) -> i32 {
    partition(w, topic, p).leader.unwrap()
}

fn acked(w: &World, id: i32) -> u64 {
    w.producers()[&id].producer.stats().acked
}

fn run_for(w: &mut World, ms: u64) {
    let until = w.now() + ms;
    w.run_until(until);
    assert_no_violation(w);
}

fn cut(w: &mut World, a: i32, b: i32) {
    apply(
        w,
        Command::CutLink {
            a: NodeId::Broker(a),
            b: NodeId::Broker(b),
            direction: Default::default(),
        },
    );
}

#[test]
fn a_new_topic_gets_the_notes_assignment_leaders_and_a_full_isr() {
    let mut w = world(1, config(3));
    create_topic(&mut w, "orders", 3, 3, json!({}));
    for (p, replicas) in [(0, [1, 2, 3]), (1, [2, 3, 1]), (2, [3, 1, 2])] {
        let r = partition(&w, "orders", p);
        assert_eq!(r.replicas, replicas, "notes' scheme: (i + j) mod n");
        assert_eq!(r.leader, Some(replicas[0]), "the first replica leads");
        assert_eq!(r.leader_epoch, Some(0));
        assert_eq!(r.isr.len(), 3);
    }
    let state = w
        .zk()
        .tree()
        .get("/brokers/topics/orders/partitions/0/state")
        .unwrap()
        .data
        .clone();
    let v: serde_json::Value = serde_json::from_str(&state).unwrap();
    for key in [
        "controller_epoch",
        "leader",
        "leader_epoch",
        "isr",
        "version",
    ] {
        assert!(v.get(key).is_some(), "state znode lacks {key}: {state}");
    }
}

#[test]
fn records_replicate_and_the_high_watermark_follows_the_isr() {
    let mut w = world(2, config(3));
    create_topic(&mut w, "t", 2, 3, json!({}));
    let p = producer(&mut w, "t", -1, 500.0, 0);
    run_for(&mut w, 5_000);
    let stats = w.producers()[&p].producer.stats();
    assert!(stats.acked > 2_000, "{stats:?}\n{}", log_tail(&w, 30));
    assert_eq!(stats.failed, 0);
    for part in 0..2 {
        let r = partition(&w, "t", part);
        let leo = r.log_end_offsets[&r.leader.unwrap()];
        assert!(r.high_watermark > 0 && r.high_watermark <= leo, "{r:?}");
        assert!(
            r.log_end_offsets.values().all(|o| *o >= r.high_watermark),
            "every ISR replica holds everything below the high watermark: {r:?}"
        );
    }
    assert_eq!(w.ledger().lost_total(), 0);
}

#[test]
fn keyed_records_land_on_the_murmur2_partition() {
    let mut w = world(3, config(3));
    create_topic(&mut w, "keys", 4, 2, json!({}));
    producer(&mut w, "keys", 1, 300.0, 20);
    run_for(&mut w, 3_000);
    let mut seen = 0;
    for p in 0..4 {
        let tp = TopicPartition::new("keys", p);
        let log = w.log_of(leader(&w, "keys", p), &tp).unwrap();
        for r in log.records() {
            let key = r.key.expect("keyed");
            assert_eq!(partition_for_key(&key, 4) as i32, p, "{key:?}");
            seen += 1;
        }
    }
    assert!(seen > 500, "{seen}");
}

#[test]
fn records_without_keys_stick_to_one_partition_per_batch() {
    let mut w = world(4, config(3));
    create_topic(&mut w, "sticky", 3, 1, json!({}));
    producer(&mut w, "sticky", 1, 2_000.0, 0);
    run_for(&mut w, 3_000);
    let mut batches = 0;
    let mut used = 0;
    for p in 0..3 {
        let tp = TopicPartition::new("sticky", p);
        let log = w.log_of(leader(&w, "sticky", p), &tp).unwrap();
        let n = log
            .segments()
            .values()
            .map(|s| s.batches().count())
            .sum::<usize>();
        batches += n;
        used += usize::from(n > 0);
    }
    let records: i64 = (0..3)
        .map(|p| partition(&w, "sticky", p).high_watermark)
        .sum();
    assert!(
        records as usize > 10 * batches,
        "keyless records travel in batches: {records} records in {batches} batches"
    );
    assert_eq!(used, 3, "the sticky partitioner moves on between batches");
}

#[test]
fn acks_one_loses_acknowledged_records_when_the_leader_dies() {
    let mut w = world(5, config(3));
    create_topic(&mut w, "t", 1, 3, json!({}));
    let p = producer(&mut w, "t", 1, 400.0, 0);
    run_for(&mut w, 2_000);
    let old = leader(&w, "t", 0);
    // The followers stop hearing from the leader (shorter than
    // replica.lag.time.max.ms, so they stay in the ISR); acks=1 goes on.
    for f in (1..=3).filter(|b| *b != old) {
        cut(&mut w, old, f);
    }
    let before = acked(&w, p);
    run_for(&mut w, 2_000);
    assert!(
        acked(&w, p) > before + 300,
        "acks=1 acknowledges on the leader alone"
    );
    apply(&mut w, Command::CrashBroker { broker: old });
    wait(&mut w, 20_000, "a new leader", |w| {
        partition(w, "t", 0)
            .leader
            .is_some_and(|l| l != old && l >= 0)
    });
    run_for(&mut w, 500);
    let lost = w.ledger().lost_total();
    assert!(lost > 300, "acked-but-lost {lost}\n{}", log_tail(&w, 20));
    let r = w.report();
    assert_eq!(r.acked_lost, lost);
    assert!(r.acked_lost_records.iter().all(|l| l.acked_by == old));
}

#[test]
fn acks_all_with_min_insync_two_loses_nothing_under_repeated_leader_crashes() {
    let mut w = world(6, config(3));
    create_topic(&mut w, "t", 2, 3, json!({"min.insync.replicas": "2"}));
    let p = producer(&mut w, "t", -1, 300.0, 0);
    for round in 0..4 {
        run_for(&mut w, 2_000);
        let old = leader(&w, "t", round % 2);
        for f in (1..=3).filter(|b| *b != old) {
            cut(&mut w, old, f);
        }
        run_for(&mut w, 1_000);
        apply(&mut w, Command::CrashBroker { broker: old });
        wait(&mut w, 20_000, "a new leader", |w| {
            partition(w, "t", round % 2)
                .leader
                .is_some_and(|l| l != old && l >= 0)
        });
        for f in (1..=3).filter(|b| *b != old) {
            apply(
                &mut w,
                Command::HealLink {
                    a: NodeId::Broker(old),
                    b: NodeId::Broker(f),
                    direction: Default::default(),
                },
            );
        }
        apply(&mut w, Command::RestartBroker { broker: old });
        wait(&mut w, 30_000, "the ISR heals", |w| {
            (0..2).all(|p| partition(w, "t", p).isr.len() == 3)
        });
    }
    run_for(&mut w, 3_000);
    assert!(acked(&w, p) > 3_000, "{}", acked(&w, p));
    assert_eq!(w.ledger().lost_total(), 0, "{}", log_tail(&w, 30));
}

/// Shrinks partition 0's ISR to its leader alone by cutting it off its
/// followers for longer than `replica.lag.time.max.ms`, with acks=1 writes
/// going on; returns the leader.
fn isolate_leader(w: &mut World, topic: &str) -> i32 {
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

#[test]
fn a_follower_cut_off_leaves_the_isr_and_rejoins_after_catching_up() {
    let mut w = world(7, config(3));
    create_topic(&mut w, "t", 1, 3, json!({}));
    producer(&mut w, "t", 1, 200.0, 0);
    run_for(&mut w, 1_000);
    let l = leader(&w, "t", 0);
    let f = (1..=3).find(|b| *b != l).unwrap();
    let cut_at = w.now();
    cut(&mut w, l, f);
    wait(&mut w, 20_000, "the ISR shrinks", |w| {
        !partition(w, "t", 0).isr.contains(&f)
    });
    let lag = w.config().replica_lag_time_max_ms;
    assert!(
        w.now() >= cut_at + lag,
        "not before replica.lag.time.max.ms"
    );
    assert!(logged(&w, NodeId::Broker(l), "ISR shrink on t-0"));
    apply(
        &mut w,
        Command::HealLink {
            a: NodeId::Broker(l),
            b: NodeId::Broker(f),
            direction: Default::default(),
        },
    );
    wait(&mut w, 20_000, "the follower rejoins", |w| {
        partition(w, "t", 0).isr.contains(&f)
    });
    assert!(logged(
        &w,
        NodeId::Broker(l),
        &format!("broker {f} caught up on t-0")
    ));
}

#[test]
fn acks_all_below_min_insync_is_refused_with_not_enough_replicas() {
    let mut w = world(8, config(3));
    create_topic(&mut w, "t", 1, 3, json!({"min.insync.replicas": "2"}));
    let p = producer(&mut w, "t", -1, 200.0, 0);
    run_for(&mut w, 1_000);
    let l = isolate_leader(&mut w, "t");
    let before = acked(&w, p);
    run_for(&mut w, 3_000);
    assert_eq!(
        acked(&w, p),
        before,
        "no acknowledgement while the ISR is too small"
    );
    assert!(logged(&w, NodeId::Broker(l), "NOT_ENOUGH_REPLICAS"));
    assert!(logged(&w, NodeId::Producer(p), "NOT_ENOUGH_REPLICAS"));
}

#[test]
fn unclean_election_loses_records_and_the_partition_comes_back() {
    let mut w = world(9, config(3));
    create_topic(
        &mut w,
        "t",
        1,
        3,
        json!({"unclean.leader.election.enable": "true"}),
    );
    let p = producer(&mut w, "t", 1, 200.0, 0);
    run_for(&mut w, 1_000);
    let old = isolate_leader(&mut w, "t");
    let before = acked(&w, p);
    run_for(&mut w, 1_000);
    assert!(acked(&w, p) > before);
    apply(&mut w, Command::CrashBroker { broker: old });
    wait(&mut w, 20_000, "an unclean leader", |w| {
        partition(w, "t", 0)
            .leader
            .is_some_and(|l| l >= 0 && l != old)
    });
    let c = w.controller().unwrap();
    assert!(logged(&w, NodeId::Broker(c), "UNCLEAN leader election"));
    run_for(&mut w, 500);
    assert!(w.ledger().lost_total() > 100, "{}", w.ledger().lost_total());
    let after = acked(&w, p);
    run_for(&mut w, 3_000);
    assert!(acked(&w, p) > after, "the partition takes writes again");
}

#[test]
fn with_every_isr_replica_down_the_partition_is_offline_until_one_returns() {
    let mut w = world(10, config(3));
    create_topic(&mut w, "t", 1, 3, json!({}));
    producer(&mut w, "t", 1, 200.0, 0);
    run_for(&mut w, 1_000);
    let old = isolate_leader(&mut w, "t");
    apply(&mut w, Command::CrashBroker { broker: old });
    wait(&mut w, 20_000, "leader -1", |w| {
        partition(w, "t", 0).leader == Some(-1)
    });
    let r = partition(&w, "t", 0);
    assert_eq!(
        r.isr,
        vec![old],
        "the ISR keeps its last member, as Kafka does"
    );
    let c = w.controller().unwrap();
    assert!(logged(&w, NodeId::Broker(c), "OFFLINE (leader -1)"));
    run_for(&mut w, 2_000);
    assert_eq!(partition(&w, "t", 0).leader, Some(-1), "no clean choice");
    for f in (1..=3).filter(|b| *b != old) {
        apply(
            &mut w,
            Command::HealLink {
                a: NodeId::Broker(old),
                b: NodeId::Broker(f),
                direction: Default::default(),
            },
        );
    }
    wait(&mut w, 20_000, "the old session expires", |w| {
        !w.zk().tree().exists(&format!("/brokers/ids/{old}"))
    });
    apply(&mut w, Command::RestartBroker { broker: old });
    wait(&mut w, 20_000, "the partition comes back", |w| {
        partition(w, "t", 0).leader == Some(old)
    });
    run_for(&mut w, 1_000);
    assert_eq!(w.ledger().lost_total(), 0, "its disk kept every record");
}

/// The KIP-101 case: the leader dies, the new leader dies right after its
/// election, and the last follower becomes leader. With the old rule it
/// truncated to its high watermark when it started following, so records
/// the ISR had acknowledged are gone; asking the leader where its epoch
/// ends keeps them.
fn fast_double_failover(seed: u64, legacy: bool) -> (u64, World) {
    let mut cfg = config(3);
    cfg.truncate_to_high_watermark = legacy;
    let mut w = world(seed, cfg);
    create_topic(&mut w, "t", 1, 3, json!({"min.insync.replicas": "2"}));
    producer(&mut w, "t", -1, 400.0, 0);
    run_for(&mut w, 2_000);
    let a = leader(&w, "t", 0);
    apply(&mut w, Command::CrashBroker { broker: a });
    wait(&mut w, 20_000, "a second leader", |w| {
        let l = partition(w, "t", 0).leader.unwrap_or(-1);
        l >= 0
            && l != a
            && w.broker(l).is_some_and(|b| {
                b.replicas()
                    .get(&TopicPartition::new("t", 0))
                    .is_some_and(|r| r.leader == l)
            })
    });
    let b = leader(&w, "t", 0);
    apply(&mut w, Command::CrashBroker { broker: b });
    wait(&mut w, 30_000, "the last replica leads", |w| {
        partition(w, "t", 0)
            .leader
            .is_some_and(|l| l >= 0 && l != a && l != b)
    });
    run_for(&mut w, 500);
    (w.ledger().lost_total(), w)
}

#[test]
fn truncating_to_the_high_watermark_loses_acknowledged_records_and_leader_epochs_do_not() {
    let mut losses = Vec::new();
    for seed in 20..26 {
        let (kip101, w) = fast_double_failover(seed, false);
        assert_eq!(
            kip101,
            0,
            "seed {seed}: leader epochs lost records\n{}",
            log_tail(&w, 30)
        );
        let (legacy, w) = fast_double_failover(seed, true);
        if legacy > 0 {
            let c = (1..=3).find_map(|b| w.broker(b)).unwrap().id();
            assert!(logged(&w, NodeId::Broker(c), "to its high watermark"));
        }
        losses.push(legacy);
    }
    assert!(
        losses.iter().any(|l| *l > 0),
        "the pre-KIP-101 rule must lose acknowledged records in some runs: {losses:?}"
    );
}

#[test]
fn a_crashed_producer_loses_what_it_had_buffered() {
    let mut w = world(11, config(3));
    create_topic(&mut w, "t", 1, 3, json!({}));
    apply(
        &mut w,
        Command::AddProducer {
            id: Some(1),
            config: ProducerConfig {
                topic: "t".into(),
                acks: Acks(1),
                rate: 500.0,
                linger_ms: 2_000,
                batch_size: 65_536,
                ..ProducerConfig::default()
            },
        },
    );
    run_for(&mut w, 1_500);
    apply(&mut w, Command::CrashProducer { producer: 1 });
    let slot = &w.producers()[&1];
    assert!(slot.lost_in_buffer > 300, "{}", slot.lost_in_buffer);
    assert!(logged(&w, NodeId::Producer(1), "are LOST (never sent)"));
    let r = w.report();
    assert!(!r.producers[0].alive);
    assert_eq!(r.producers[0].lost_in_buffer, slot.lost_in_buffer);
}

#[test]
fn controlled_shutdown_moves_leadership_first_and_loses_nothing() {
    let mut w = world(12, config(3));
    create_topic(&mut w, "t", 3, 3, json!({"min.insync.replicas": "2"}));
    producer(&mut w, "t", -1, 300.0, 0);
    run_for(&mut w, 1_000);
    let victim = leader(&w, "t", 0);
    apply(&mut w, Command::ShutdownBroker { broker: victim });
    wait(&mut w, 10_000, "it stops", |w| w.broker(victim).is_none());
    assert!(logged(&w, NodeId::Broker(victim), "shut down cleanly"));
    for p in 0..3 {
        let r = partition(&w, "t", p);
        assert!(r.leader.is_some_and(|l| l != victim && l >= 0), "{r:?}");
        assert!(!r.isr.contains(&victim));
    }
    run_for(&mut w, 2_000);
    assert_eq!(w.ledger().lost_total(), 0);
}

#[test]
fn preferred_leader_election_moves_leadership_back() {
    let mut w = world(13, config(3));
    create_topic(&mut w, "t", 3, 3, json!({}));
    producer(&mut w, "t", 1, 100.0, 0);
    run_for(&mut w, 1_000);
    apply(&mut w, Command::ShutdownBroker { broker: 1 });
    wait(&mut w, 10_000, "broker 1 stops", |w| w.broker(1).is_none());
    assert_ne!(leader(&w, "t", 0), 1);
    apply(&mut w, Command::RestartBroker { broker: 1 });
    wait(&mut w, 20_000, "broker 1 back in every ISR", |w| {
        (0..3).all(|p| partition(w, "t", p).isr.contains(&1))
    });
    assert_ne!(leader(&w, "t", 0), 1, "nothing moves by itself here");
    // The controller learns ISR changes from /isr_change_notification.
    run_for(&mut w, 500);
    apply(&mut w, Command::ElectPreferredLeaders { topic: None });
    wait(&mut w, 5_000, "broker 1 leads partition 0 again", |w| {
        leader(w, "t", 0) == 1 && !w.zk().tree().exists("/admin/preferred_replica_election")
    });
}

#[test]
fn partitions_can_be_added_and_topics_deleted() {
    let mut w = world(14, config(3));
    create_topic(&mut w, "t", 2, 2, json!({}));
    apply(
        &mut w,
        Command::AddPartitions {
            topic: "t".into(),
            partitions: 5,
        },
    );
    wait(&mut w, 5_000, "five partitions with leaders", |w| {
        (0..5).all(|p| {
            w.partition_reports()
                .iter()
                .any(|r| r.partition == p && r.leader.is_some_and(|l| l >= 0))
        })
    });
    assert_eq!(partition(&w, "t", 4).replicas, vec![2, 3], "(4 + j) mod 3");
    let err = w
        .apply(Command::AddPartitions {
            topic: "t".into(),
            partitions: 3,
        })
        .unwrap_err();
    assert!(err.0.contains("INVALID_PARTITIONS"), "{err}");
    apply(&mut w, Command::DeleteTopic { topic: "t".into() });
    wait(&mut w, 5_000, "the topic is gone", |w| {
        !w.zk().tree().exists("/brokers/topics/t")
            && (1..=3).all(|b| w.disk(b).unwrap().logs.is_empty())
    });
    assert!(!w.zk().tree().exists("/admin/delete_topics/t"));
}

#[test]
fn bad_topic_and_producer_commands_are_refused_with_kafkas_words() {
    let mut w = world(15, config(3));
    let refuse = |w: &mut World, c: Command, needle: &str| {
        let e = w.apply(c).unwrap_err().0;
        assert!(e.contains(needle), "{e}");
    };
    let topic = |name: &str, partitions, rf| Command::CreateTopic {
        name: name.into(),
        partitions,
        replication_factor: rf,
        assignment: Default::default(),
        configs: BTreeMap::new(),
    };
    refuse(&mut w, topic("t", 1, 4), "INVALID_REPLICATION_FACTOR");
    refuse(&mut w, topic("bad name", 1, 1), "INVALID_TOPIC_EXCEPTION");
    refuse(&mut w, topic("t", 0, 1), "INVALID_PARTITIONS");
    apply(&mut w, topic("t", 1, 1));
    refuse(&mut w, topic("t", 1, 1), "TOPIC_ALREADY_EXISTS");
    let mut c = topic("u", 1, 1);
    if let Command::CreateTopic { configs, .. } = &mut c {
        configs.insert("min.insync.replica".into(), json!(2));
    }
    refuse(&mut w, c, "min.insync.replica");
    let p = |topic: &str| Command::AddProducer {
        id: None,
        config: ProducerConfig {
            topic: topic.into(),
            ..ProducerConfig::default()
        },
    };
    refuse(&mut w, p("nope"), "does not exist");
    refuse(
        &mut w,
        Command::CrashProducer { producer: 9 },
        "no producer 9",
    );
    let bad: Result<Command, _> = serde_json::from_value(json!({
        "type": "add_producer", "config": {"topic": "t", "acks": "2"}
    }));
    assert!(bad
        .unwrap_err()
        .to_string()
        .contains("acks must be 0, 1 or all"));
}

#[test]
fn a_run_with_producers_replays_to_the_same_digest() {
    let run = || {
        let mut w = world(16, config(3));
        create_topic(&mut w, "t", 3, 3, json!({}));
        producer(&mut w, "t", -1, 300.0, 5);
        run_for(&mut w, 2_000);
        apply(&mut w, Command::CrashBroker { broker: 2 });
        run_for(&mut w, 8_000);
        w
    };
    let (a, b) = (run(), run());
    assert_eq!(a.trace().digest_hex(), b.trace().digest_hex());
    let mut replayed = World::new(16, config(3)).unwrap();
    replayed.replay(a.commands(), a.now()).unwrap();
    assert_eq!(replayed.trace().digest_hex(), a.trace().digest_hex());
    let leader_log = a
        .log_of(leader(&a, "t", 0), &TopicPartition::new("t", 0))
        .unwrap();
    let first = leader_log.read(0, 1).unwrap();
    assert!(!records(first).unwrap().is_empty());
}

fn shipped(name: &str, tweak: impl FnOnce(&mut kafkascope::Scenario)) -> kafkascope::Report {
    let text = std::fs::read_to_string(format!("scenarios/{name}.json")).unwrap();
    let mut sc = kafkascope::Scenario::from_json(&text).unwrap();
    tweak(&mut sc);
    let w = kafkascope::run_scenario(&sc, None, true).unwrap();
    assert_eq!(w.violation(), None, "{name}");
    w.report()
}

#[test]
fn the_shipped_replication_scenarios_tell_their_story() {
    let r = shipped("acks1-leader-crash", |_| {});
    assert!(r.acked_lost > 0, "acks=1 loses: {}", r.acked_lost);
    let r = shipped("acks-all-min-isr", |_| {});
    assert_eq!(r.acked_lost, 0);
    assert!(r.producers[0].acked > 500);
    let r = shipped("unclean-election", |_| {});
    assert!(r.acked_lost > 0);
    assert_eq!(
        r.partitions[0].leader,
        Some(2),
        "back online with an unclean leader"
    );
    let r = shipped("offline-partition", |_| {});
    assert_eq!(r.acked_lost, 0);
    assert_eq!(
        r.partitions[0].leader,
        Some(1),
        "back when its ISR replica returns"
    );
    assert!(r
        .events
        .iter()
        .any(|e| e.text.contains("OFFLINE (leader -1)")));
    let r = shipped("kip101-truncation", |_| {});
    assert!(r.acked_lost > 0, "the old rule loses acknowledged records");
    assert!(r
        .events
        .iter()
        .any(|e| e.text.contains("to its high watermark")));
    let r = shipped("kip101-truncation", |sc| {
        sc.config.truncate_to_high_watermark = false;
    });
    assert_eq!(r.acked_lost, 0, "leader epochs keep them");
}
