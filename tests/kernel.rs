//! Determinism of the kernel: a run is a function of seed + timed commands.

mod common;

use common::*;
use kafkascope::sim::{Command, Direction, NodeId, Scenario};
use kafkascope::{run_scenario, World};

const SCENARIO: &str = include_str!("../scenarios/controller-failover.json");

#[test]
fn same_seed_and_commands_give_the_same_digest() {
    let s = Scenario::from_json(SCENARIO).unwrap();
    let a = run_scenario(&s, None, true).unwrap().report();
    let b = run_scenario(&s, None, true).unwrap().report();
    assert_eq!(a, b);
    assert_eq!(a.violation, None);
}

#[test]
fn different_seeds_give_different_runs() {
    let mut s = Scenario::from_json(SCENARIO).unwrap();
    let mut digests = std::collections::BTreeSet::new();
    for seed in 0..10 {
        s.seed = seed;
        digests.insert(run_scenario(&s, None, false).unwrap().report().trace_digest);
    }
    assert_eq!(digests.len(), 10);
}

#[test]
fn the_failover_scenario_matches_its_golden_digest() {
    // The browser test (tests/web.rs) checks the same digest under wasm32.
    let s = Scenario::from_json(SCENARIO).unwrap();
    let report = run_scenario(&s, None, true).unwrap().report();
    let golden = include_str!("golden/controller-failover.digest").trim();
    assert_eq!(
        report.trace_digest, golden,
        "the engine's behaviour changed; if on purpose, update tests/golden/controller-failover.digest"
    );
}

#[test]
fn the_acks1_scenario_matches_its_golden_digest() {
    // Replication under wasm32 is checked against the same digest (tests/web.rs).
    let s = Scenario::from_json(include_str!("../scenarios/acks1-leader-crash.json")).unwrap();
    let report = run_scenario(&s, None, true).unwrap().report();
    assert_eq!(
        report.trace_digest,
        include_str!("golden/acks1-leader-crash.digest").trim(),
        "the engine's behaviour changed; if on purpose, update tests/golden/acks1-leader-crash.digest"
    );
}

#[test]
fn a_live_session_replays_exactly_from_its_recorded_commands() {
    // Drive a world the way the page does (uneven frames, bounded work,
    // pause/step, clicks at odd times), then replay its command list.
    let mut live = World::new(77, config(4)).unwrap();
    let mut t = 0;
    for (i, frame) in [16u64, 17, 33, 250, 16, 900, 5000, 7, 12_000, 40]
        .iter()
        .cycle()
        .take(60)
        .enumerate()
    {
        t += frame;
        live.run_until_bounded(t, 50);
        t = live.now();
        let cmd = match i {
            5 => Some(Command::AddBroker { id: None }),
            9 => live
                .controller()
                .map(|c| Command::CrashBroker { broker: c }),
            14 => Some(Command::Pause),
            15..=17 => Some(Command::Step),
            18 => Some(Command::Resume),
            22 => Some(Command::CutLink {
                a: NodeId::Broker(2),
                b: NodeId::Zk,
                direction: Direction::BToA,
            }),
            30 => Some(Command::SetSpeed { speed: 3.0 }),
            40 => Some(Command::HealLink {
                a: NodeId::Broker(2),
                b: NodeId::Zk,
                direction: Direction::Both,
            }),
            _ => None,
        };
        if let Some(c) = cmd {
            live.apply(c).unwrap();
            t = live.now();
        }
    }
    let end = live.now();
    let mut replayed = World::new(77, config(4)).unwrap();
    replayed.replay(live.commands(), end).unwrap();
    assert_eq!(live.trace().digest_hex(), replayed.trace().digest_hex());
    assert_eq!(live.report(), replayed.report());
}

#[test]
fn commands_are_checked_with_clear_messages() {
    let mut w = World::new(1, config(3)).unwrap();
    let err = |w: &mut World, c: Command| w.apply(c).unwrap_err().to_string();
    assert_eq!(
        err(&mut w, Command::CrashBroker { broker: 9 }),
        "there is no broker 9"
    );
    assert!(err(&mut w, Command::SetSpeed { speed: 0.0 }).contains("between"));
    assert!(err(&mut w, Command::SetSpeed { speed: f64::NAN }).contains("between"));
    assert!(err(&mut w, Command::AddBroker { id: Some(2) }).contains("already exists"));
    assert!(err(&mut w, Command::AddBroker { id: Some(-1) }).contains("outside"));
    assert!(err(
        &mut w,
        Command::CutLink {
            a: NodeId::Zk,
            b: NodeId::Zk,
            direction: Direction::Both
        }
    )
    .contains("two different nodes"));
    assert!(err(
        &mut w,
        Command::SetLink {
            a: NodeId::Broker(1),
            b: NodeId::Zk,
            latency_min_ms: 10,
            latency_max_ms: 1,
            loss_ratio: 0.0
        }
    )
    .contains("latency_min_ms"));
    assert!(err(&mut w, Command::RestartBroker { broker: 1 }).contains("already running"));
    for _ in 0..29 {
        w.apply(Command::AddBroker { id: None }).unwrap();
    }
    assert!(err(&mut w, Command::AddBroker { id: None }).contains("32 brokers"));
    assert!(
        w.commands().len() == 29,
        "refused commands are not recorded"
    );
}

#[test]
fn bounded_runs_stop_at_a_time_boundary() {
    let mut w = World::new(3, config(5)).unwrap();
    let reached = w.run_until_bounded(1_000_000, 10);
    assert!(!reached);
    let stopped = w.now();
    // Every event at or before the stop time is done; the next is later.
    assert!(w.next_event_time().is_some_and(|t| t > stopped));
}

#[test]
fn a_scheduled_scenario_runs_exactly_like_its_replay() {
    // The page loads a scenario by scheduling its commands and stepping in
    // uneven frames; the run must be the CLI's, digest for digest.
    let s = Scenario::from_json(SCENARIO).unwrap();
    let golden = include_str!("golden/controller-failover.digest").trim();
    let mut w = World::new(s.seed, s.config.clone()).unwrap().with_checks();
    w.schedule(&s.commands);
    let mut t = 0;
    while w.now() < s.until_ms {
        t = (t + 4_099).min(s.until_ms);
        w.run_until_bounded(t, 37);
    }
    assert_eq!(w.trace().digest_hex(), golden);
    assert_eq!(w.scheduled().count(), 0);
    assert_eq!(w.commands(), &s.commands[..]);
    assert_eq!(w.violation(), None);
}

#[test]
fn a_refused_scheduled_command_is_told_not_lost() {
    let mut w = World::new(1, config(3)).unwrap();
    w.schedule(&[kafkascope::TimedCommand {
        at_ms: 500,
        command: Command::RestartBroker { broker: 2 },
    }]);
    w.run_until(1_000);
    assert!(w.log().iter().any(|l| l
        .text
        .contains("scenario's restart_broker at 500 ms refused: broker 2 is already running")));
}

#[test]
fn every_shipped_scenario_is_listed_and_valid() {
    let listed: Vec<String> =
        serde_json::from_str(include_str!("../scenarios/index.json")).unwrap();
    let mut files: Vec<String> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && n != "index.json")
        .collect();
    files.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(sorted, files, "scenarios/index.json lists every scenario");
    for f in listed {
        let text = std::fs::read_to_string(format!("scenarios/{f}")).unwrap();
        let s = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(
            !s.name.is_empty() && !s.description.is_empty(),
            "{f} names and explains itself"
        );
        run_scenario(&s, None, true).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
}
