//! Hostile input: scenario files, commands, cluster configs and topic,
//! producer and consumer configs made of arbitrary bytes or of arbitrary
//! JSON built around the real field names (junk keys, huge and negative
//! numbers, floats where integers go, "NaN"-like strings, very long and
//! unicode strings). Whatever comes in, the engine answers `Ok` or an
//! `Err` with a message, never panics, and a live world that refused (or
//! took) such commands runs on with every invariant holding.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use kafkascope::sim::{ClusterConfig, Command, LinkConfig, Scenario};
use kafkascope::World;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Simulated time a fuzzed scenario may run: enough for a controller and a
/// few rounds of fetches, short enough for many cases.
const SCENARIO_RUN_MS: u64 = 4_000;

fn long_text() -> String {
    "ẞ🦀x".repeat(4_000)
}

/// Values that break naive code: bounds, wrong types, tricky strings.
fn hostile() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(-5)),
        Just(json!(1)),
        Just(json!(2)),
        Just(json!(7)),
        Just(json!(i64::MIN)),
        Just(json!(i64::MAX)),
        Just(json!(u64::MAX)),
        Just(json!(i32::MAX)),
        Just(json!(u32::MAX)),
        Just(json!(1.5)),
        Just(json!(-0.0)),
        Just(json!(1e300)),
        Just(json!(-1e300)),
        Just(json!(f64::MIN_POSITIVE)),
        Just(json!("NaN")),
        Just(json!("Infinity")),
        Just(json!("-1")),
        Just(json!("1e9")),
        Just(json!("")),
        Just(json!(" ")),
        Just(json!("all")),
        Just(json!("true")),
        Just(json!(null)),
        Just(json!(true)),
        Just(json!([])),
        Just(json!({})),
        Just(json!([1, "x", null])),
        Just(json!({"nested": {"deeper": [0]}})),
        Just(json!("<img src=x onerror=alert(1)>")),
        Just(json!("../../etc/passwd")),
        Just(json!("\u{0}\u{202e}\u{feff}")),
        Just(json!("broker-1")),
        Just(json!("broker-2147483647")),
        Just(json!("zk")),
        Just(json!("producer-1")),
        Just(json!("consumer-1")),
        Just(json!("t")),
        Just(json!("__consumer_offsets")),
        Just(json!("compact")),
        Just(json!("sticky")),
        Just(Value::String(long_text())),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "\\PC{0,40}".prop_map(Value::String),
    ]
}

/// An arbitrary JSON value of bounded depth.
fn any_json() -> impl Strategy<Value = Value> {
    hostile().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z._]{0,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Changes a valid-looking object: replaces values (also one level down)
/// with hostile ones, drops keys, adds junk keys.
fn mutate(base: Value, edits: Vec<(usize, usize, Value)>, junk: Option<(String, Value)>) -> Value {
    let Value::Object(mut map) = base else {
        return base;
    };
    for (which, how, value) in edits {
        let keys: Vec<String> = map.keys().cloned().collect();
        if keys.is_empty() {
            break;
        }
        let key = &keys[which % keys.len()];
        match (how % 4, map.get_mut(key)) {
            (0, _) => {
                map.remove(key);
            }
            (1, Some(Value::Object(inner))) if !inner.is_empty() => {
                let inner_keys: Vec<String> = inner.keys().cloned().collect();
                let k = inner_keys[which % inner_keys.len()].clone();
                inner.insert(k, value);
            }
            _ => {
                map.insert(key.clone(), value);
            }
        }
    }
    if let Some((k, v)) = junk {
        map.insert(k, v);
    }
    Value::Object(map)
}

fn edits() -> impl Strategy<Value = Vec<(usize, usize, Value)>> {
    prop::collection::vec((any::<usize>(), any::<usize>(), hostile()), 0..4)
}

fn junk() -> impl Strategy<Value = Option<(String, Value)>> {
    prop::option::weighted(0.2, ("[a-z_.]{1,10}", hostile()))
}

fn node() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("zk")),
        (0..5i32).prop_map(|n| json!(format!("broker-{n}"))),
        (0..3i32).prop_map(|n| json!(format!("producer-{n}"))),
        (0..3i32).prop_map(|n| json!(format!("consumer-{n}"))),
    ]
}

fn topic_name() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => Just(json!("t")),
        2 => Just(json!("u")),
        1 => Just(json!("__consumer_offsets")),
        1 => Just(json!("<img src=x onerror=alert(1)>")),
        1 => Just(json!("x".repeat(250))),
        1 => "[a-zA-Z0-9._-]{1,20}".prop_map(Value::String),
    ]
}

/// Topic configs by Kafka name, with sane or hostile values.
fn topic_configs() -> impl Strategy<Value = Value> {
    let keys = [
        "segment.bytes",
        "segment.ms",
        "segment.index.bytes",
        "index.interval.bytes",
        "retention.ms",
        "retention.bytes",
        "cleanup.policy",
        "delete.retention.ms",
        "max.message.bytes",
        "min.insync.replicas",
        "unclean.leader.election.enable",
    ];
    prop::collection::vec((prop::sample::select(keys.to_vec()), hostile()), 0..4).prop_map(
        |pairs| {
            Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect::<Map<_, _>>(),
            )
        },
    )
}

fn producer_config() -> impl Strategy<Value = Value> {
    (
        topic_name(),
        prop::sample::select(vec!["0", "1", "all"]),
        0.0..500.0f64,
    )
        .prop_map(|(topic, acks, rate)| {
            json!({
                "topic": topic, "acks": acks, "batch.size": 16384, "linger.ms": 5,
                "buffer.memory": 33554432, "max.in.flight.requests.per.connection": 5,
                "retries": 10, "retry.backoff.ms": 100, "delivery.timeout.ms": 120000,
                "request.timeout.ms": 30000, "metadata.max.age.ms": 300000,
                "rate": rate, "key_space": 4, "value_bytes": 20
            })
        })
}

fn consumer_config() -> impl Strategy<Value = Value> {
    (
        prop_oneof![Just(json!("g")), Just(json!("h")), hostile()],
        topic_name(),
        prop::sample::select(vec!["range", "roundrobin", "sticky", "cooperative-sticky"]),
    )
        .prop_map(|(group, topic, strategy)| {
            json!({
                "group.id": group, "topics": [topic], "auto.offset.reset": "earliest",
                "enable.auto.commit": true, "auto.commit.interval.ms": 1000,
                "max.poll.records": 100, "session.timeout.ms": 10000,
                "heartbeat.interval.ms": 1000, "max.poll.interval.ms": 30000,
                "fetch.max.wait.ms": 100, "max.partition.fetch.bytes": 65536,
                "request.timeout.ms": 30000, "retry.backoff.ms": 100,
                "metadata.max.age.ms": 300000, "partition.assignment.strategy": strategy,
                "processing_rate": 100.0
            })
        })
}

/// A command of every kind, mostly well formed, then mutated.
fn command_json() -> impl Strategy<Value = Value> {
    let id = || 0..5i64;
    let base = prop_oneof![
        prop::option::of(id()).prop_map(|i| json!({"type": "add_broker", "id": i})),
        (
            prop::sample::select(vec!["crash_broker", "restart_broker", "shutdown_broker"]),
            id()
        )
            .prop_map(|(t, b)| json!({"type": t, "broker": b})),
        (
            prop::sample::select(vec!["cut_link", "heal_link"]),
            node(),
            node(),
            prop::sample::select(vec!["both", "a_to_b", "b_to_a"])
        )
            .prop_map(|(t, a, b, d)| json!({"type": t, "a": a, "b": b, "direction": d})),
        (node(), node(), 0..100u64, 0..200u64, 0.0..1.0f64).prop_map(|(a, b, lo, hi, loss)| {
            json!({"type": "set_link", "a": a, "b": b, "latency_min_ms": lo,
                   "latency_max_ms": hi, "loss_ratio": loss})
        }),
        (
            topic_name(),
            0..10u32,
            0..5u32,
            prop::sample::select(vec!["notes", "kafka"]),
            topic_configs()
        )
            .prop_map(|(name, p, rf, scheme, configs)| {
                json!({"type": "create_topic", "name": name, "partitions": p,
                   "replication_factor": rf, "assignment": scheme, "configs": configs})
            }),
        (topic_name(), 0..20u32)
            .prop_map(|(t, p)| json!({"type": "add_partitions", "topic": t, "partitions": p})),
        topic_name().prop_map(|t| json!({"type": "delete_topic", "topic": t})),
        prop::option::of(topic_name())
            .prop_map(|t| json!({"type": "elect_preferred_leaders", "topic": t})),
        (prop::option::of(id()), producer_config())
            .prop_map(|(i, c)| json!({"type": "add_producer", "id": i, "config": c})),
        (id(), producer_config())
            .prop_map(|(p, c)| json!({"type": "set_producer", "producer": p, "config": c})),
        (id(), prop::option::of(".{0,8}"), -2..5i32).prop_map(|(p, k, part)| {
            json!({"type": "produce_record", "producer": p, "key": k, "value": "v", "partition": part})
        }),
        id().prop_map(|p| json!({"type": "crash_producer", "producer": p})),
        (prop::option::of(id()), consumer_config())
            .prop_map(|(i, c)| json!({"type": "add_consumer", "id": i, "config": c})),
        (id(), consumer_config())
            .prop_map(|(c, cfg)| json!({"type": "set_consumer", "consumer": c, "config": cfg})),
        (
            prop::sample::select(vec!["close_consumer", "crash_consumer", "commit"]),
            id()
        )
            .prop_map(|(t, c)| json!({"type": t, "consumer": c})),
        (
            id(),
            topic_name(),
            -1..4i64,
            prop::sample::select(vec!["beginning", "end", "offset", "timestamp"]),
            any::<i64>()
        )
            .prop_map(|(c, t, p, to, v)| {
                let mut cmd = json!({"type": "seek", "consumer": c, "topic": t, "partition": p, "to": to});
                if to == "offset" || to == "timestamp" {
                    cmd["value"] = json!(v);
                }
                cmd
            }),
        any::<f64>().prop_map(|s| json!({"type": "set_speed", "speed": if s.is_finite() { s } else { 1.0 }})),
        prop::sample::select(vec!["pause", "resume", "step"]).prop_map(|t| json!({"type": t})),
        Just(json!({"type": "explode"})),
    ];
    (base, edits(), junk()).prop_map(|(b, e, j)| {
        // Half the commands stay well formed, so they reach the engine.
        if e.len() <= 1 && j.is_none() {
            b
        } else {
            mutate(b, e, j)
        }
    })
}

/// Every `ClusterConfig` key with a sane value to mutate.
fn config_json() -> impl Strategy<Value = Value> {
    let base = serde_json::to_value(common::topics::config(3)).expect("config serialises");
    (edits(), edits(), junk(), any::<bool>()).prop_map(move |(a, b, j, network)| {
        let mut v = mutate(base.clone(), a, None);
        if network {
            v = mutate(v, b, j);
        }
        v
    })
}

fn timed(at: u64, command: Value) -> Value {
    json!({"at_ms": at, "command": command})
}

fn scenario_json() -> impl Strategy<Value = Value> {
    (
        config_json(),
        prop::collection::vec((0..SCENARIO_RUN_MS, command_json()), 0..8),
        any::<u64>(),
        edits(),
        junk(),
    )
        .prop_map(|(config, mut cmds, seed, e, j)| {
            cmds.sort_by_key(|(at, _)| *at);
            let commands: Vec<Value> = cmds.into_iter().map(|(at, c)| timed(at, c)).collect();
            let base = json!({
                "name": "<b>hostile</b>", "description": "ẞ🦀",
                "seed": seed, "config": config, "commands": commands, "until_ms": SCENARIO_RUN_MS
            });
            mutate(base, e, j)
        })
}

/// Cases per property: `default`, or `PROPTEST_CASES` for a longer hunt.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn assert_message(e: impl std::fmt::Display) {
    let text = e.to_string();
    assert!(!text.trim().is_empty(), "an error without a message");
}

/// Runs a parsed scenario (bounded) with the checker on.
fn run_bounded(s: &Scenario) {
    match kafkascope::run_scenario(s, Some(s.until_ms.min(SCENARIO_RUN_MS)), true) {
        Ok(w) => {
            assert_eq!(w.violation(), None, "invariant broken");
        }
        Err(e) => assert_message(e),
    }
}

fn scenario_text(text: &str) {
    match Scenario::from_json(text) {
        Ok(s) => run_bounded(&s),
        Err(e) => assert_message(e),
    }
    // Without the scenario checks (order, limits), the engine still refuses in words.
    match serde_json::from_str::<Scenario>(text) {
        Ok(s) => run_bounded(&s),
        Err(e) => assert_message(e),
    }
}

/// A small checked world: 3 brokers, topic `t` (3 partitions, rf 2), a
/// producer and a consumer in group `g`.
use common::topics::live_world;

fn apply_json(w: &mut World, v: &Value) {
    let text = v.to_string();
    match serde_json::from_str::<Command>(&text) {
        Ok(c) => {
            if let Err(e) = w.apply(c) {
                assert_message(e);
            }
        }
        Err(e) => assert_message(e),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_are_refused_in_words(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        scenario_text(&text);
        if let Err(e) = serde_json::from_str::<Command>(&text) {
            assert_message(e);
        }
        if let Err(e) = serde_json::from_str::<ClusterConfig>(&text) {
            assert_message(e);
        }
    }

    #[test]
    fn arbitrary_json_is_refused_in_words(v in any_json()) {
        let text = v.to_string();
        scenario_text(&text);
        scenario_text(&json!({"config": v.clone()}).to_string());
        scenario_text(&json!({"commands": [{"at_ms": 0, "command": v.clone()}], "until_ms": 100}).to_string());
        if let Err(e) = serde_json::from_str::<Command>(&text) {
            assert_message(e);
        }
    }

    #[test]
    fn a_mutated_scenario_file_runs_or_is_refused(
        file in 0usize..4,
        cuts in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
    ) {
        let files = [
            include_str!("../scenarios/controller-failover.json"),
            include_str!("../scenarios/acks1-leader-crash.json"),
            include_str!("../scenarios/group-consumer-crash.json"),
            include_str!("../scenarios/unclean-election.json"),
        ];
        let mut bytes = files[file].as_bytes().to_vec();
        for (at, b) in cuts {
            let i = at % bytes.len();
            bytes[i] = b;
        }
        scenario_text(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn structured_scenarios_run_or_are_refused(v in scenario_json()) {
        scenario_text(&v.to_string());
    }

    #[test]
    fn cluster_configs_validate_or_run(v in config_json()) {
        match serde_json::from_value::<ClusterConfig>(v) {
            Err(e) => assert_message(e),
            Ok(cfg) => match World::new(5, cfg) {
                Err(e) => assert_message(e),
                Ok(w) => {
                    let mut w = w.with_checks();
                    w.run_until(SCENARIO_RUN_MS);
                    prop_assert_eq!(w.violation(), None);
                }
            },
        }
    }

    #[test]
    fn link_configs_validate(v in (hostile(), hostile(), hostile())) {
        let v = json!({"latency_min_ms": v.0, "latency_max_ms": v.1, "loss_ratio": v.2});
        if let Ok(l) = serde_json::from_value::<LinkConfig>(v) {
            if let Err(e) = l.validate() {
                assert_message(e);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(40), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_live_world_takes_hostile_commands_and_runs_on(
        commands in prop::collection::vec((command_json(), 0..400u64), 1..10),
    ) {
        let mut w = live_world();
        for (c, gap) in &commands {
            apply_json(&mut w, c);
            let end = w.now() + gap;
            w.run_until(end);
        }
        let before = w.now();
        w.run_until(before + 2_000);
        prop_assert!(w.now() >= before + 2_000);
        if let Some(v) = w.violation() {
            panic!("invariant broken {v}\n{}", common::log_tail(&w, 30));
        }
    }

    #[test]
    fn hostile_topic_producer_and_consumer_configs_are_refused_in_words(
        topic in topic_configs(),
        producer in (producer_config(), edits(), junk()).prop_map(|(b, e, j)| mutate(b, e, j)),
        consumer in (consumer_config(), edits(), junk()).prop_map(|(b, e, j)| mutate(b, e, j)),
    ) {
        let mut w = live_world();
        apply_json(&mut w, &json!({"type": "create_topic", "name": "u", "partitions": 2,
                                   "replication_factor": 2, "configs": topic}));
        apply_json(&mut w, &json!({"type": "add_producer", "config": producer}));
        apply_json(&mut w, &json!({"type": "set_producer", "producer": 1, "config": producer}));
        apply_json(&mut w, &json!({"type": "add_consumer", "config": consumer}));
        apply_json(&mut w, &json!({"type": "set_consumer", "consumer": 1, "config": consumer}));
        let before = w.now();
        w.run_until(before + 2_000);
        if let Some(v) = w.violation() {
            panic!("invariant broken {v}\n{}", common::log_tail(&w, 30));
        }
    }
}
