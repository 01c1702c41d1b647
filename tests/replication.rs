//! Scenario tests for topics, replication and producers: each builds a
//! cluster, creates a topic, runs producers, injects faults and checks what
//! Kafka would show: leaders, ISRs, high watermarks, and which acknowledged
//! records survive.

mod common;

use common::topics::*;
use common::{apply, log_tail, logged, wait};
use kafkascope::client::partitioner::partition_for_key;
use kafkascope::client::producer::{Acks, ProducerConfig};
use kafkascope::log::records;
use kafkascope::sim::{Command, NodeId};
use kafkascope::topic::TopicPartition;
use kafkascope::World;
use serde_json::json;
use std::collections::BTreeMap;

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
