//! Consumer groups: the coordinator, every rebalance trigger of the notes
//! (consumer joins, leaves, crashes, partitions added, coordinator dies),
//! offsets in `__consumer_offsets`, and delivery: a crash before a commit
//! replays records (duplicates), a commit before the crash does not.

mod common;

use common::groups::{
    add_consumer, any_logged, consumed, consumer_config, duplicates, group, owned, wait_stable,
};
use common::topics::{create_topic, leader, producer, run_for, world};
use common::{apply, assert_no_violation, log_tail, logged, wait};
use kafkascope::sim::{Command, NodeId};
use kafkascope::World;
use serde_json::json;

fn setup(seed: u64, partitions: u32) -> World {
    let mut w = world(seed, common::topics::config(3));
    create_topic(&mut w, "orders", partitions, 3, json!({}));
    w
}

/// `members` consumers of group g on orders (`partitions` partitions),
/// Stable; returns the world and the generation.
fn stable_group(seed: u64, partitions: u32, members: usize) -> (World, i32) {
    let mut w = setup(seed, partitions);
    for _ in 0..members {
        add_consumer(&mut w, consumer_config("g", "orders"));
    }
    let generation = wait_stable(&mut w, "g", members, 20_000);
    (w, generation)
}

#[test]
fn first_members_wait_the_initial_delay_then_share_the_partitions() {
    let mut w = setup(1, 6);
    producer(&mut w, "orders", -1, 200.0, 0);
    for _ in 0..3 {
        add_consumer(&mut w, consumer_config("g", "orders"));
    }
    let generation = wait_stable(&mut w, "g", 3, 20_000);
    assert_eq!(
        generation, 1,
        "the initial delay gathers all three into one generation"
    );
    assert!(
        logged(
            &w,
            NodeId::Broker(group(&w, "g").coordinator.unwrap()),
            "group.initial.rebalance.delay.ms"
        ),
        "{}",
        log_tail(&w, 40)
    );
    assert_eq!(owned(&w, "g"), vec![(1, 2), (2, 2), (3, 2)]);
    let g = group(&w, "g");
    assert_eq!(g.coordinator_partition, 3, "abs(\"g\".hashCode()) % 50");
    let tp = kafkascope::topic::TopicPartition::new("__consumer_offsets", 3);
    assert_eq!(Some(leader(&w, &tp.topic, 3)), g.coordinator);
    run_for(&mut w, 10_000);
    assert!(consumed(&w, "g") > 1_000, "consumed {}", consumed(&w, "g"));
    assert!(
        !group(&w, "g").committed.is_empty(),
        "auto-commit stored offsets"
    );
    assert_no_violation(&w);
}

#[test]
fn a_joining_consumer_triggers_a_rebalance() {
    let (mut w, before) = stable_group(2, 6, 2);
    add_consumer(&mut w, consumer_config("g", "orders"));
    let after = wait_stable(&mut w, "g", 3, 20_000);
    assert_eq!(after, before + 1);
    assert_eq!(owned(&w, "g"), vec![(1, 2), (2, 2), (3, 2)]);
    assert!(any_logged(&w, "REBALANCE_IN_PROGRESS"));
    assert_no_violation(&w);
}

#[test]
fn a_closing_consumer_leaves_at_once() {
    let (mut w, before) = stable_group(3, 6, 3);
    let t0 = w.now();
    apply(&mut w, Command::CloseConsumer { consumer: 2 });
    let after = wait_stable(&mut w, "g", 2, 5_000);
    assert_eq!(after, before + 1);
    assert!(w.now() - t0 < 5_000, "LeaveGroup, no session timeout wait");
    assert_eq!(owned(&w, "g"), vec![(1, 3), (3, 3)]);
    assert_no_violation(&w);
}

#[test]
fn a_crashed_consumer_is_removed_after_its_session_timeout() {
    let (mut w, before) = stable_group(4, 6, 3);
    apply(&mut w, Command::CrashConsumer { consumer: 3 });
    run_for(&mut w, 8_000);
    assert_eq!(
        group(&w, "g").generation_id,
        before,
        "still inside session.timeout.ms"
    );
    let after = wait_stable(&mut w, "g", 2, 10_000);
    assert_eq!(after, before + 1);
    assert!(any_logged(&w, "missed its session timeout"));
    assert_eq!(owned(&w, "g"), vec![(1, 3), (2, 3)]);
    assert_no_violation(&w);
}

#[test]
fn added_partitions_trigger_a_rebalance_by_the_leader() {
    let (mut w, before) = stable_group(5, 4, 2);
    apply(
        &mut w,
        Command::AddPartitions {
            topic: "orders".into(),
            partitions: 6,
        },
    );
    wait(&mut w, 20_000, "a new generation", |w| {
        group(w, "g").generation_id > before
    });
    let after = wait_stable(&mut w, "g", 2, 10_000);
    assert!(after > before);
    assert_eq!(owned(&w, "g"), vec![(1, 3), (2, 3)]);
    assert!(any_logged(&w, "partition counts change"));
    assert_no_violation(&w);
}

#[test]
fn more_consumers_than_partitions_leave_some_idle() {
    let (w, _) = stable_group(6, 2, 3);
    let mut counts: Vec<usize> = owned(&w, "g").into_iter().map(|(_, n)| n).collect();
    counts.sort_unstable();
    assert_eq!(counts, vec![0, 1, 1]);
    assert_no_violation(&w);
}

#[test]
fn two_groups_each_read_every_record() {
    let mut w = setup(7, 3);
    for g in ["billing", "audit"] {
        add_consumer(&mut w, consumer_config(g, "orders"));
        add_consumer(&mut w, consumer_config(g, "orders"));
    }
    wait_stable(&mut w, "billing", 2, 20_000);
    wait_stable(&mut w, "audit", 2, 20_000);
    let p = producer(&mut w, "orders", -1, 300.0, 0);
    run_for(&mut w, 5_000);
    apply(
        &mut w,
        Command::SetProducer {
            producer: p,
            config: kafkascope::client::producer::ProducerConfig {
                topic: "orders".into(),
                rate: 0.0,
                ..Default::default()
            },
        },
    );
    let sent = common::topics::acked(&w, p);
    wait(&mut w, 10_000, "both groups caught up", move |w| {
        consumed(w, "billing") >= sent && consumed(w, "audit") >= sent
    });
    assert_eq!(
        consumed(&w, "billing"),
        sent,
        "a group reads each record once"
    );
    assert_eq!(consumed(&w, "audit"), sent, "and so does every other group");
    assert_no_violation(&w);
}

/// Runs a producer for `ms`, then stops it; returns the records it had acknowledged.
fn produce_for(w: &mut World, ms: u64, rate: f64) -> u64 {
    let p = producer(w, "orders", -1, rate, 0);
    run_for(w, ms);
    apply(
        w,
        Command::SetProducer {
            producer: p,
            config: kafkascope::client::producer::ProducerConfig {
                topic: "orders".into(),
                rate: 0.0,
                ..Default::default()
            },
        },
    );
    run_for(w, 500);
    common::topics::acked(w, p)
}

#[test]
fn coordinator_failover_keeps_the_group_and_its_committed_offsets() {
    let (mut w, generation) = stable_group(8, 6, 3);
    let sent = produce_for(&mut w, 3_000, 500.0);
    wait(
        &mut w,
        20_000,
        "everything consumed and committed",
        move |w| {
            let g = group(w, "g");
            g.committed.values().sum::<i64>() as u64 >= sent
        },
    );
    let before = group(&w, "g");
    let coordinator = before.coordinator.unwrap();
    apply(
        &mut w,
        Command::CrashBroker {
            broker: coordinator,
        },
    );
    wait(
        &mut w,
        40_000,
        "another coordinator serves the group",
        move |w| group(w, "g").coordinator.is_some_and(|c| c != coordinator),
    );
    let after = group(&w, "g");
    assert_eq!(
        after.committed, before.committed,
        "offsets read back from __consumer_offsets"
    );
    assert!(any_logged(&w, "loaded 1 group(s)"), "{}", log_tail(&w, 60));
    wait_stable(&mut w, "g", 3, 30_000);
    let now = group(&w, "g");
    assert!(now.generation_id >= generation);
    assert_eq!(
        duplicates(&w, "g"),
        0,
        "every record was committed before the move"
    );
    assert_no_violation(&w);
}

#[test]
fn a_crash_before_the_commit_replays_records_as_duplicates() {
    let mut w = setup(9, 2);
    let mut cfg = consumer_config("g", "orders");
    cfg.auto_commit_interval_ms = 60_000;
    add_consumer(&mut w, cfg.clone());
    add_consumer(&mut w, cfg);
    wait_stable(&mut w, "g", 2, 20_000);
    let sent = produce_for(&mut w, 2_000, 500.0);
    wait(&mut w, 10_000, "all consumed", move |w| {
        consumed(w, "g") >= sent
    });
    assert!(group(&w, "g").committed.is_empty(), "no commit yet");
    let lost = w.consumers()[&1].consumer.stats().consumed;
    apply(&mut w, Command::CrashConsumer { consumer: 1 });
    wait_stable(&mut w, "g", 1, 30_000);
    wait(
        &mut w,
        10_000,
        "the survivor re-read the crashed member's records",
        move |w| duplicates(w, "g") >= lost,
    );
    assert_eq!(
        duplicates(&w, "g"),
        lost,
        "everything consumer-1 processed is read again"
    );
    assert_no_violation(&w);
}

#[test]
fn a_commit_before_the_crash_leaves_no_duplicates() {
    let mut w = setup(10, 2);
    let mut cfg = consumer_config("g", "orders");
    cfg.enable_auto_commit = false;
    add_consumer(&mut w, cfg.clone());
    add_consumer(&mut w, cfg);
    wait_stable(&mut w, "g", 2, 20_000);
    let sent = produce_for(&mut w, 2_000, 500.0);
    wait(&mut w, 10_000, "all consumed", move |w| {
        consumed(w, "g") >= sent
    });
    // Both commit: with the eager protocol the survivor gives up its own
    // partition too and reads it back from its committed offset.
    apply(&mut w, Command::Commit { consumer: 1 });
    apply(&mut w, Command::Commit { consumer: 2 });
    wait(&mut w, 5_000, "both commits stored", |w| {
        w.consumers()
            .values()
            .all(|c| c.consumer.stats().commits == 1)
    });
    apply(&mut w, Command::CrashConsumer { consumer: 1 });
    wait_stable(&mut w, "g", 1, 30_000);
    run_for(&mut w, 3_000);
    assert_eq!(duplicates(&w, "g"), 0);
    assert_eq!(consumed(&w, "g"), sent);
    assert_no_violation(&w);
}

#[test]
fn too_few_brokers_for_the_offsets_topic_means_no_coordinator() {
    let mut w = world(11, common::topics::config(2));
    create_topic(&mut w, "orders", 2, 2, json!({}));
    add_consumer(&mut w, consumer_config("g", "orders"));
    run_for(&mut w, 5_000);
    assert!(any_logged(
        &w,
        "offsets.topic.replication.factor=3 but only 2 broker(s) alive"
    ));
    assert_eq!(group(&w, "g").state, "Unknown");
    apply(&mut w, Command::AddBroker { id: None });
    wait_stable(&mut w, "g", 1, 30_000);
    assert_no_violation(&w);
}

fn shipped(name: &str) -> kafkascope::Report {
    shipped_with(name, |_| {})
}

fn shipped_with(name: &str, tweak: impl FnOnce(&mut kafkascope::Scenario)) -> kafkascope::Report {
    let text = std::fs::read_to_string(format!("scenarios/{name}.json")).unwrap();
    let mut sc = kafkascope::Scenario::from_json(&text).unwrap();
    tweak(&mut sc);
    let w = kafkascope::run_scenario(&sc, None, true).unwrap();
    assert_eq!(w.violation(), None, "{name}");
    w.report()
}

fn generation(r: &kafkascope::Report) -> i32 {
    r.groups[0].generation_id
}

#[test]
fn the_shipped_group_scenarios_tell_their_story() {
    let r = shipped("group-consumer-joins");
    assert_eq!(generation(&r), 2);
    assert!(r.groups[0].members.iter().all(|m| m.assignment.len() == 2));
    let r = shipped("group-consumer-leaves");
    assert_eq!((generation(&r), r.groups[0].members.len()), (2, 2));
    assert!(
        r.consumers.iter().all(|c| c.duplicates == 0),
        "it committed before leaving"
    );
    let r = shipped("group-consumer-crash");
    assert_eq!((generation(&r), r.groups[0].members.len()), (2, 2));
    assert!(
        r.consumers.iter().any(|c| c.duplicates > 0),
        "read again after the crash"
    );
    let r = shipped("group-partitions-added");
    assert_eq!(generation(&r), 2);
    let owned: usize = r.groups[0].members.iter().map(|m| m.assignment.len()).sum();
    assert_eq!(owned, 6, "the new partitions are assigned");
    let r = shipped("group-coordinator-crash");
    assert_eq!(r.groups[0].coordinator_partition, 3);
    assert_ne!(r.groups[0].coordinator, Some(3), "the coordinator moved");
    assert_eq!(r.groups[0].state, "Stable");
    assert!(r
        .events
        .iter()
        .any(|e| e.text.contains("loaded 1 group(s)")));
    assert!(r.consumers.iter().all(|c| c.duplicates == 0));
    let r = shipped("group-crash-before-commit");
    assert!(r.consumers.iter().map(|c| c.duplicates).sum::<u64>() > 50);
    let r = shipped("group-commit-then-crash");
    assert!(r.consumers.iter().all(|c| c.duplicates == 0));
    assert_eq!(
        r.consumers.iter().map(|c| c.consumed).sum::<u64>(),
        r.producers[0].acked,
        "every record read exactly once"
    );
}

/// Every consumer's `session.timeout.ms` and `heartbeat.interval.ms`.
fn with_session(sc: &mut kafkascope::Scenario, session_ms: u64, heartbeat_ms: u64) {
    for c in &mut sc.commands {
        if let Command::AddConsumer { config, .. } = &mut c.command {
            config.session_timeout_ms = session_ms;
            config.heartbeat_interval_ms = heartbeat_ms;
        }
    }
}

#[test]
fn a_too_short_session_timeout_on_a_lossy_network_makes_a_rebalance_storm() {
    let r = shipped("rebalance-storm");
    let storm = generation(&r);
    assert!(storm >= 10, "generation {storm}");
    let expired = r
        .events
        .iter()
        .filter(|e| e.text.contains("missed its session timeout"))
        .count();
    assert!(expired >= 5, "{expired} members expired");
    assert!(r
        .events
        .iter()
        .any(|e| e.text.contains("heartbeat got UNKNOWN_MEMBER_ID")));
    let dups: u64 = r.consumers.iter().map(|c| c.duplicates).sum();
    assert!(
        dups > 0,
        "expired members' uncommitted records are read again"
    );
    // The same network with Kafka's defaults: no storm.
    let calm = shipped_with("rebalance-storm", |sc| with_session(sc, 45_000, 3_000));
    assert!(generation(&calm) <= 2, "generation {}", generation(&calm));
    assert!(calm.consumers.iter().all(|c| c.duplicates == 0));
    assert!(
        r.groups[0].lag > 3 * calm.groups[0].lag,
        "the lag grows in the storm: {} vs {}",
        r.groups[0].lag,
        calm.groups[0].lag
    );
    // Before the network degrades the group is calm; the lag grows after.
    let early = shipped_with("rebalance-storm", |sc| sc.until_ms = 10_000);
    assert_eq!(generation(&early), 1);
    assert!(r.groups[0].lag > early.groups[0].lag);
}

#[test]
fn the_sticky_assignor_keeps_partitions_where_they_were() {
    let mut w = setup(12, 6);
    let mut cfg = consumer_config("g", "orders");
    cfg.partition_assignment_strategy = kafkascope::client::assignor::Assignor::Sticky;
    add_consumer(&mut w, cfg.clone());
    add_consumer(&mut w, cfg.clone());
    wait_stable(&mut w, "g", 2, 20_000);
    let before: Vec<Vec<String>> = (1..=2)
        .map(|id| {
            w.consumers()[&id]
                .consumer
                .assignment()
                .iter()
                .map(|tp| tp.to_string())
                .collect()
        })
        .collect();
    add_consumer(&mut w, cfg);
    wait_stable(&mut w, "g", 3, 20_000);
    for id in 1..=2 {
        let now = w.consumers()[&id].consumer.assignment();
        assert_eq!(now.len(), 2);
        for tp in now {
            assert!(
                before[id as usize - 1].contains(&tp.to_string()),
                "consumer-{id} kept {tp} from {:?}",
                before[id as usize - 1]
            );
        }
    }
    assert_eq!(w.consumers()[&3].consumer.assignment().len(), 2);
    assert_no_violation(&w);
}

#[test]
fn seek_moves_the_position_to_the_beginning_an_offset_a_time_or_the_end() {
    use kafkascope::client::consumer::SeekTo;
    let mut w = setup(13, 1);
    add_consumer(&mut w, consumer_config("g", "orders"));
    wait_stable(&mut w, "g", 1, 20_000);
    let t0 = w.now() as i64;
    let sent = produce_for(&mut w, 2_000, 200.0);
    wait(&mut w, 10_000, "all consumed", move |w| {
        consumed(w, "g") >= sent
    });
    let tp = kafkascope::topic::TopicPartition::new("orders", 0);
    let position = |w: &World| w.consumers()[&1].consumer.positions()[&tp];
    assert_eq!(position(&w) as u64, sent);
    let seek = |w: &mut World, to: SeekTo| {
        apply(
            w,
            Command::Seek {
                consumer: 1,
                topic: "orders".into(),
                partition: 0,
                to,
            },
        )
    };
    seek(&mut w, SeekTo::Offset(10));
    run_for(&mut w, 2_000);
    assert_eq!(
        consumed(&w, "g"),
        2 * sent - 10,
        "read again from offset 10"
    );
    assert_eq!(
        duplicates(&w, "g"),
        sent - 10,
        "re-reading shows as duplicates"
    );
    seek(&mut w, SeekTo::Beginning);
    run_for(&mut w, 2_000);
    assert_eq!(consumed(&w, "g"), 3 * sent - 10);
    // The first record written at or after the middle of the producing window.
    seek(&mut w, SeekTo::Timestamp(t0 + 1_000));
    run_for(&mut w, 2_000);
    let after_time = consumed(&w, "g") - (3 * sent - 10);
    assert!(
        after_time > 0 && after_time < sent,
        "{after_time} of {sent}"
    );
    seek(&mut w, SeekTo::End);
    run_for(&mut w, 2_000);
    assert_eq!(position(&w) as u64, sent);
    let err = w.apply(Command::Seek {
        consumer: 1,
        topic: "orders".into(),
        partition: 7,
        to: SeekTo::Beginning,
    });
    assert!(err.unwrap_err().0.contains("not assigned"));
    assert_no_violation(&w);
}

#[test]
fn the_offsets_topic_is_compacted_on_every_replica() {
    let (w, _) = stable_group(14, 2, 1);
    let tp = kafkascope::topic::TopicPartition::new("__consumer_offsets", 3);
    let mut seen = 0;
    for b in w.brokers().keys().filter_map(|b| w.broker(*b)) {
        if let Some(log) = b.disk().logs.get(&tp) {
            seen += 1;
            assert!(
                log.config().cleanup_policy.compacts(),
                "broker {}: {:?}",
                b.id(),
                log.config().cleanup_policy
            );
        }
    }
    assert_eq!(seen, 3, "replication factor 3");
}
