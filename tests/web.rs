//! Browser tests (wasm32 only), run by `wasm-pack test --headless --chrome`:
//! the engine compiled to wasm produces the same run as native, and the
//! `App` handle the page drives works on a real canvas.
#![cfg(target_arch = "wasm32")]

use kafkascope::sim::Scenario;
use kafkascope::web::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn wasm_run_matches_the_native_golden_digest() {
    let s = Scenario::from_json(include_str!("../scenarios/controller-failover.json")).unwrap();
    let world = kafkascope::run_scenario(&s, None, true).unwrap();
    assert_eq!(world.violation(), None);
    assert_eq!(
        world.trace().digest_hex(),
        include_str!("golden/controller-failover.digest").trim()
    );
}

#[wasm_bindgen_test]
fn wasm_replication_run_matches_the_native_golden_digest() {
    // Producers, fetches, elections and the acked-but-lost count, under wasm32.
    let s = Scenario::from_json(include_str!("../scenarios/acks1-leader-crash.json")).unwrap();
    let world = kafkascope::run_scenario(&s, None, true).unwrap();
    assert_eq!(world.violation(), None);
    assert!(world.ledger().lost_total() > 0);
    assert_eq!(
        world.trace().digest_hex(),
        include_str!("golden/acks1-leader-crash.digest").trim()
    );
}

fn canvas() -> web_sys::HtmlCanvasElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let c = doc.create_element("canvas").unwrap();
    doc.body().unwrap().append_child(&c).unwrap();
    c.dyn_into().unwrap()
}

#[wasm_bindgen_test]
fn app_steps_paints_and_reports_errors_as_values() {
    let mut app = App::new(canvas(), 7.0, "").unwrap();
    app.resize(900.0, 600.0, 2.0);
    assert_eq!(
        app.apply(r#"{"type":"set_speed","speed":1000}"#).unwrap(),
        "speed 1000x"
    );
    let mut t = 0.0;
    for _ in 0..40 {
        t += 16.0;
        app.frame(t);
    }
    let status: serde_json::Value = serde_json::from_str(&app.status()).unwrap();
    assert!(status["controller"].is_i64(), "{status}");
    assert_eq!(status["controller_epoch"], 1);
    let c = status["controller"].as_i64().unwrap();
    let center: serde_json::Value =
        serde_json::from_str(&app.node_center(&format!("broker-{c}"))).unwrap();
    let hit: serde_json::Value = serde_json::from_str(
        &app.hit(center["x"].as_f64().unwrap(), center["y"].as_f64().unwrap()),
    )
    .unwrap();
    assert_eq!(hit["is_controller"], true, "{hit}");
    assert!(app.apply(r#"{"type":"crash_broker","broker":99}"#).is_err());
    assert!(app.apply("not json").is_err());
    assert!(App::new(canvas(), -1.0, "").is_err());
    assert!(App::new(canvas(), 1.0, r#"{"brokers":99}"#).is_err());
    let events: serde_json::Value = serde_json::from_str(&app.events_since(0.0)).unwrap();
    assert!(events
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["text"] == "won /controller: controller epoch 1"));
}

/// Loads a scenario in the App, runs `frames` frames of 100 ms at 1000x and
/// checks the trace digest is the CLI's at the same simulated time; returns
/// the App and that time.
fn runs_as_the_cli(text: &str, frames: usize) -> (App, u64) {
    let mut app = App::from_scenario(canvas(), text).unwrap();
    app.resize(800.0, 500.0, 1.0);
    app.apply(r#"{"type":"set_speed","speed":1000}"#).unwrap();
    let mut t = 0.0;
    for _ in 0..frames {
        t += 100.0;
        app.frame(t);
    }
    let status: serde_json::Value = serde_json::from_str(&app.status()).unwrap();
    let now = status["now_ms"].as_u64().unwrap();
    let s = Scenario::from_json(text).unwrap();
    let replayed = kafkascope::run_scenario(&s, Some(now), false).unwrap();
    assert_eq!(status["trace_digest"], replayed.trace().digest_hex());
    (app, now)
}

#[wasm_bindgen_test]
fn a_scenario_loaded_in_the_app_runs_as_the_cli_runs_it() {
    let text = include_str!("../scenarios/stale-controller-fenced.json");
    let (app, now) = runs_as_the_cli(text, 6);
    assert!(now > 90_000, "ran past the scenario's last command: {now}");
    let status: serde_json::Value = serde_json::from_str(&app.status()).unwrap();
    assert_eq!(status["controller_epoch"], 2);
    let about: serde_json::Value = serde_json::from_str(&app.scenario()).unwrap();
    assert_eq!(about["name"], "stale controller fenced by epoch");
}

#[wasm_bindgen_test]
fn a_consumer_group_is_drawn_and_clickable_in_the_app() {
    let mut app = App::new(canvas(), 7.0, "").unwrap();
    app.resize(1200.0, 800.0, 1.0);
    app.apply(r#"{"type":"set_speed","speed":1000}"#).unwrap();
    let mut t = 0.0;
    let mut run = |app: &mut App, frames: usize| {
        for _ in 0..frames {
            t += 16.0;
            app.frame(t);
        }
    };
    run(&mut app, 20);
    app.apply(r#"{"type":"create_topic","name":"orders","partitions":4,"replication_factor":3}"#)
        .unwrap();
    run(&mut app, 20);
    for _ in 0..3 {
        app.apply(r#"{"type":"add_consumer","config":{"group.id":"g","topics":["orders"],"session.timeout.ms":6000,"heartbeat.interval.ms":1000}}"#).unwrap();
    }
    run(&mut app, 60);
    let status: serde_json::Value = serde_json::from_str(&app.status()).unwrap();
    let g = &status["groups"][0];
    assert_eq!(g["state"], "Stable", "{g}");
    let drawn: serde_json::Value = serde_json::from_str(&app.groups_drawn()).unwrap();
    assert_eq!(drawn["groups"][0]["group"], "g", "{drawn}");
    assert_eq!(drawn["lines"].as_array().unwrap().len(), 4, "{drawn}");
    assert_eq!(drawn["strips"], 3);
    let c: serde_json::Value = serde_json::from_str(&app.node_center("consumer-1")).unwrap();
    let hit: serde_json::Value =
        serde_json::from_str(&app.hit(c["x"].as_f64().unwrap(), c["y"].as_f64().unwrap())).unwrap();
    assert_eq!(hit["consumer"]["group"], "g", "{hit}");
    let broker = g["coordinator"].as_i64().unwrap() as i32;
    let s: serde_json::Value = serde_json::from_str(&app.strip_center(broker)).unwrap();
    let hit: serde_json::Value =
        serde_json::from_str(&app.hit(s["x"].as_f64().unwrap(), s["y"].as_f64().unwrap())).unwrap();
    assert_eq!(hit["kind"], "internal", "{hit}");
    assert_eq!(hit["groups"][0]["coordinator"], true, "{hit}");
    app.set_internal_expanded(true);
    assert!(app.internal_expanded());
}

/// The message of a `JsError` as the page sees it (`err.message`).
fn message(e: wasm_bindgen::JsError) -> String {
    let v: wasm_bindgen::JsValue = e.into();
    let err: js_sys::Error = v.dyn_into().expect("a JsError is an Error");
    String::from(err.message())
}

#[wasm_bindgen_test]
fn hostile_configs_scenarios_and_commands_are_refused_in_words_and_the_app_frames_on() {
    let long = "x".repeat(70_000);
    let configs: [(&str, &str); 8] = [
        ("{", "config"),
        (r#"["x"]"#, "config"),
        (r#"{"brokers":40}"#, "at most 32, got 40"),
        (r#"{"tickTime":-1}"#, "invalid value: integer `-1`"),
        (r#"{"brokers":1e400}"#, "config"),
        (r#"{"nope":1}"#, "nope"),
        (
            r#"{"topic_defaults":{"retention.bytes":1000000000000}}"#,
            "retention.bytes: at most",
        ),
        (&long, "at most 65536 bytes"),
    ];
    for (cfg, expected) in configs {
        let m = message(App::new(canvas(), 7.0, cfg).err().expect("refused"));
        assert!(m.contains(expected), "{m}");
    }
    for seed in [f64::NAN, -1.0, 1.5, 1e20, f64::INFINITY] {
        let m = message(App::new(canvas(), seed, "").err().expect("refused"));
        assert!(m.contains("seed"), "{m}");
    }
    let long_name = format!(r#"{{"name":"{}"}}"#, "n".repeat(300));
    let scenarios: [(&str, &str); 6] = [
        ("", "not valid"),
        ("{", "not valid"),
        (r#"{"config":{"brokers":99}}"#, "at most 32"),
        (
            r#"{"commands":[{"at_ms":1,"command":{"type":"explode"}}]}"#,
            "explode",
        ),
        (r#"{"until_ms":-5}"#, "not valid"),
        (&long_name, "name: at most 200 characters"),
    ];
    for (s, expected) in scenarios {
        let m = message(App::from_scenario(canvas(), s).err().expect("refused"));
        assert!(m.contains(expected), "{m}");
    }

    let mut app = App::new(canvas(), 7.0, "").unwrap();
    app.resize(600.0, 400.0, 1.0);
    app.apply(r#"{"type":"set_speed","speed":1000}"#).unwrap();
    let huge = format!(
        r#"{{"type":"produce_record","producer":1,"value":"{}"}}"#,
        "v".repeat(70_000)
    );
    let commands: [(&str, &str); 10] = [
        ("", "bad command"),
        ("null", "bad command"),
        (r#"{"type":"explode"}"#, "explode"),
        (r#"{"type":"crash_broker","broker":99}"#, "no broker 99"),
        (
            r#"{"type":"create_topic","name":"<img src=x onerror=alert(1)>","partitions":1,"replication_factor":1}"#,
            "not a legal topic name",
        ),
        (
            r#"{"type":"create_topic","name":"t","partitions":300,"replication_factor":1}"#,
            "1 to 256 partitions here, got 300",
        ),
        (
            r#"{"type":"create_topic","name":"t","partitions":1,"replication_factor":1,"configs":{"segment.bytes":0}}"#,
            "segment.bytes",
        ),
        (r#"{"type":"set_speed","speed":1e308}"#, "speed"),
        (r#"{"type":"add_broker","id":-7}"#, "broker.id -7"),
        (&huge, "at most 65536 bytes"),
    ];
    for (c, expected) in commands {
        let m = message(app.apply(c).expect_err("refused"));
        assert!(m.contains(expected), "{c:.80}: {m}");
    }
    let mut t = 0.0;
    for _ in 0..30 {
        t += 16.0;
        app.frame(t);
    }
    let status: serde_json::Value = serde_json::from_str(&app.status()).unwrap();
    assert!(status["now_ms"].as_u64().unwrap_or(0) > 1_000, "{status}");
    assert!(status["controller"].is_i64(), "{status}");
}

#[wasm_bindgen_test]
fn a_swarm_seed_loads_in_the_app_as_the_cli_plans_it() {
    use kafkascope::check::swarm::{plan, Options, Unsafe};
    use kafkascope::web::swarm_scenario;
    let text = swarm_scenario(7.0, "acks1", "").unwrap();
    let s = Scenario::from_json(&text).unwrap();
    let opts = Options {
        unsafe_switch: Some(Unsafe::Acks1),
        mutation: None,
    };
    assert_eq!(s, plan(7, opts).scenario);
    let (app, now) = runs_as_the_cli(&text, 4);
    assert!(now > 10_000, "ran into the faults: {now}");
    let about: serde_json::Value = serde_json::from_str(&app.scenario()).unwrap();
    assert_eq!(about["name"], "swarm seed 7");

    for (seed, u, m, expected) in [
        (f64::NAN, "", "", "swarm seed NaN must be a whole number"),
        (-1.0, "", "", "whole number from 0 to 9007199254740991"),
        (1.5, "", "", "whole number"),
        (1e20, "", "", "whole number"),
        (7.0, "acks0", "", "unsafe switch \"acks0\"; one of"),
        (7.0, "", "nope", "mutation \"nope\"; one of"),
    ] {
        let m = message(swarm_scenario(seed, u, m).expect_err("refused"));
        assert!(m.contains(expected), "{m}");
    }
    assert!(swarm_scenario(7.0, "", "hw-without-isr").is_ok());
}
