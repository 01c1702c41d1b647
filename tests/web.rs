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

#[wasm_bindgen_test]
fn a_scenario_loaded_in_the_app_runs_as_the_cli_runs_it() {
    let text = include_str!("../scenarios/stale-controller-fenced.json");
    let mut app = App::from_scenario(canvas(), text).unwrap();
    app.resize(800.0, 500.0, 1.0);
    app.apply(r#"{"type":"set_speed","speed":1000}"#).unwrap();
    let mut t = 0.0;
    for _ in 0..6 {
        t += 100.0;
        app.frame(t);
    }
    let status: serde_json::Value = serde_json::from_str(&app.status()).unwrap();
    let now = status["now_ms"].as_u64().unwrap();
    assert!(now > 90_000, "ran past the scenario's last command: {now}");
    let s = Scenario::from_json(text).unwrap();
    let replayed = kafkascope::run_scenario(&s, Some(now), false).unwrap();
    assert_eq!(status["trace_digest"], replayed.trace().digest_hex());
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
