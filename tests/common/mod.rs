//! Helpers shared by the scenario tests.
#![allow(dead_code)]

pub mod groups;
pub mod topics;

use kafkascope::sim::{ClusterConfig, Command, LinkConfig, NodeId, Tick};
use kafkascope::World;

/// Kafka's defaults with a fast LAN: 18 s sessions, 2 s ZooKeeper ticks.
pub fn config(brokers: u32) -> ClusterConfig {
    ClusterConfig {
        brokers,
        network: LinkConfig {
            latency_min_ms: 1,
            latency_max_ms: 5,
            loss_ratio: 0.0,
        },
        ..ClusterConfig::default()
    }
}

/// A checked world with `brokers` brokers that has elected its first controller.
pub fn elected(seed: u64, brokers: u32) -> World {
    let mut w = World::new(seed, config(brokers)).unwrap().with_checks();
    assert!(
        w.run_until_cond(10_000, |w| w.controller().is_some() && settled(w)),
        "no controller within 10 s"
    );
    w
}

/// Every running broker knows the controller ZooKeeper names.
pub fn settled(w: &World) -> bool {
    let Some(c) = w.controller() else {
        return false;
    };
    w.brokers()
        .keys()
        .filter_map(|id| w.broker(*id))
        .all(|b| b.known_controller() == Some(c))
}

/// Applies a command, panicking with its error.
pub fn apply(w: &mut World, c: Command) {
    if let Err(e) = w.apply(c.clone()) {
        panic!("{c:?} refused: {e}");
    }
}

/// Runs until the condition or panics after `limit_ms`, naming what was awaited.
pub fn wait(w: &mut World, limit_ms: Tick, what: &str, cond: impl Fn(&World) -> bool) {
    let start = w.now();
    assert!(
        w.run_until_cond(limit_ms, cond),
        "{what}: not within {limit_ms} ms of {start} ms; log tail:\n{}",
        log_tail(w, 25)
    );
    assert_no_violation(w);
}

/// Panics when an invariant broke.
pub fn assert_no_violation(w: &World) {
    if let Some(v) = w.violation() {
        panic!("invariant broken {v}\n{}", log_tail(w, 40));
    }
}

/// The last `n` event-log lines.
pub fn log_tail(w: &World, n: usize) -> String {
    let lines: Vec<String> = w
        .log()
        .iter()
        .rev()
        .take(n)
        .rev()
        .map(|l| format!("{:>8} {:<9} {}", l.at_ms, l.node.to_string(), l.text))
        .collect();
    lines.join("\n")
}

/// Event-log lines of one node containing `needle`.
pub fn logged(w: &World, node: NodeId, needle: &str) -> bool {
    w.log()
        .iter()
        .any(|l| l.node == node && l.text.contains(needle))
}

/// Cut or heal both directions of a link.
pub fn cut(a: NodeId, b: NodeId) -> Command {
    Command::CutLink {
        a,
        b,
        direction: Default::default(),
    }
}

/// Heal both directions of a link.
pub fn heal(a: NodeId, b: NodeId) -> Command {
    Command::HealLink {
        a,
        b,
        direction: Default::default(),
    }
}
