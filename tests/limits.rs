//! Limits named with their values, and a broker's disk budget held
//! whatever the retention settings.

mod common;

use common::topics::live_world;
use kafkascope::sim::{ClusterConfig, Command};
use kafkascope::World;
use serde_json::{json, Value};

fn refused(w: &mut World, command: Value) -> String {
    let c: Command = serde_json::from_value(command).expect("a command");
    w.apply(c).expect_err("refused").to_string()
}

#[test]
fn limits_are_named_with_the_value() {
    let mut w = live_world();
    let cases = [
        (
            json!({"type": "create_topic", "name": "big", "partitions": 300, "replication_factor": 1}),
            "1 to 256 partitions here, got 300",
        ),
        (
            json!({"type": "add_partitions", "topic": "t", "partitions": 999}),
            "at most 256 partitions per topic here, got 999",
        ),
        (
            json!({"type": "create_topic", "name": "r", "partitions": 1, "replication_factor": 1,
                   "configs": {"retention.bytes": 1_000_000_000_i64}}),
            "retention.bytes: at most 33554432 (32 MiB, a broker's simulated disk), got 1000000000",
        ),
        (
            json!({"type": "produce_record", "producer": 1, "value": "v".repeat(70_000)}),
            "a command is at most 65536 bytes of JSON, got 70",
        ),
        (
            json!({"type": "set_producer", "producer": 1, "config": {"topic": "t", "rate": 1e9}}),
            "rate: 1000000000 must be between 0 and 10000000",
        ),
        (
            json!({"type": "set_producer", "producer": 1, "config": {"topic": "nope"}}),
            "topic nope does not exist",
        ),
    ];
    for (command, expected) in cases {
        let e = refused(&mut w, command);
        assert!(e.contains(expected), "{e}");
    }
    for id in 2..=kafkascope::cluster::MAX_PRODUCERS as i32 {
        let c = json!({"type": "add_producer", "id": id, "config": {"topic": "t", "rate": 0.0}});
        common::apply(&mut w, serde_json::from_value(c).unwrap());
    }
    let e = refused(
        &mut w,
        json!({"type": "add_producer", "config": {"topic": "t"}}),
    );
    assert!(e.contains("16 producers, the limit"), "{e}");
    let cfg = ClusterConfig {
        brokers: 40,
        ..ClusterConfig::default()
    };
    let e = World::new(1, cfg).unwrap_err();
    assert!(e.contains("brokers: at most 32, got 40"), "{e}");
}

#[test]
fn a_broker_disk_stays_within_its_budget_whatever_the_retention() {
    // Kafka's defaults: 1 GiB segments, retention by time only (7 days), so
    // only the disk budget can delete anything here.
    let mut w = common::topics::world(
        1,
        ClusterConfig {
            brokers: 2,
            topic_defaults: Default::default(),
            ..common::topics::config(2)
        },
    );
    common::topics::create_topic(&mut w, "flood", 2, 2, json!({"retention.bytes": -1}));
    let producer = json!({"type": "add_producer", "config": {
        "topic": "flood", "acks": "all", "rate": 4000.0, "value_bytes": 60000,
        "batch.size": 1048576, "buffer.memory": 67108864}});
    common::apply(&mut w, serde_json::from_value(producer).unwrap());
    let budget = kafkascope::broker::MAX_DISK_BYTES;
    let disk = |w: &World, b: i32| -> usize {
        w.disk(b)
            .map_or(0, |d| d.logs.values().map(|l| l.size_bytes()).sum())
    };
    let mut peak = 0;
    for _ in 0..40 {
        let end = w.now() + 100;
        w.run_until(end);
        peak = peak.max(disk(&w, 1)).max(disk(&w, 2));
    }
    common::assert_no_violation(&w);
    let acked: u64 = w.producers()[&1].producer.stats().acked;
    assert!(
        acked * 60_000 > 2 * budget as u64,
        "the producer wrote more than the budget: {acked} records"
    );
    // A broker may go over by what it appended between two checks (every
    // 2 MiB) and what is not yet below the high watermark.
    eprintln!("peak {peak} bytes of logs on a broker, budget {budget}");
    assert!(
        peak <= budget + budget / 4,
        "a broker held {peak} bytes of logs, over the budget of {budget}"
    );
    assert!(
        w.log().iter().any(|l| l.text.contains("disk budget")),
        "the deletion is told in the event log"
    );
}
