//! Where Kafka loses acknowledged records and where it does not: acks=1
//! and a leader crash, acks=all with `min.insync.replicas=2`, unclean
//! election, an offline partition, the pre-KIP-101 truncation rule, acks=0,
//! a producer that dies with batches in its buffer, and the shipped
//! scenarios that show each.

mod common;

use common::topics::*;
use common::{apply, log_tail, logged, wait};
use kafkascope::sim::{Command, NodeId};
use kafkascope::topic::TopicPartition;
use kafkascope::World;
use serde_json::json;

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
    for seed in 26..32 {
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

#[test]
fn the_shipped_acks0_scenario_loses_records_the_producer_never_hears_of() {
    let r = shipped("acks0-leader-crash", |_| {});
    let p = &r.producers[0];
    assert_eq!(p.acks, "0");
    assert_eq!(p.failed, 0, "acks=0 never sees an error");
    assert!(r.acked_lost > 50, "acked-but-lost {}", r.acked_lost);
    assert!(
        r.acked_lost_records
            .iter()
            .all(|l| l.offset == -1 && l.acked_by == 1),
        "no offsets with acks=0; all sent to the dead leader"
    );
    let new_leader = &r.partitions[0];
    assert_eq!(new_leader.leader, Some(2));
    let held = new_leader.log_end_offsets[&2] as u64;
    assert!(
        held + r.acked_lost <= p.acked,
        "what the producer sent minus what broker 2 holds covers the loss: sent {} held {held}",
        p.acked
    );
    // Its connection to the dead broker was reset: later batches waited
    // for the new leader instead of going into a dead socket.
    let before_crash = r
        .acked_lost_records
        .iter()
        .map(|l| l.seq)
        .max()
        .unwrap_or(0);
    assert!(
        before_crash < (8_000 - 2_000) * 40 / 1_000 + 20,
        "nothing sent after the crash is lost (last lost seq {before_crash})"
    );
}

#[test]
fn the_shipped_producer_crash_loses_its_buffered_batches() {
    let r = shipped("producer-crash-buffered", |_| {});
    let p = &r.producers[0];
    assert!(!p.alive);
    assert!(
        p.lost_in_buffer > 100,
        "lost in buffer {}",
        p.lost_in_buffer
    );
    assert_eq!(
        p.acked + p.lost_in_buffer,
        p.sent,
        "every record acked or lost"
    );
    assert_eq!(r.acked_lost, 0, "nothing acknowledged was lost");
    assert_eq!(
        r.partitions[0].high_watermark as u64, p.acked,
        "the log holds exactly the acknowledged records"
    );
    assert!(r
        .events
        .iter()
        .any(|e| e.text.contains("in its buffer are LOST")));
}
