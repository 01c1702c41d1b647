//! kafkascope: Apache Kafka's brokers, ZooKeeper-based controller election
//! and coordination as a deterministic simulation, drawn live in the browser.
//! The same engine runs natively for tests, benchmarks and the CLI.

pub mod broker;
pub mod check;
pub mod client;
pub mod cluster;
pub mod log;
pub mod protocol;
pub mod sim;
pub mod topic;
pub mod view;
pub mod workload;
pub mod zk;

pub use cluster::{Report, World};
pub use sim::{ClusterConfig, Command, NodeId, Scenario, Tick, TimedCommand};

/// Runs a scenario to its end (or to `until_ms` when given) and returns the
/// world; with `check` the invariants are checked after every event.
pub fn run_scenario(
    scenario: &Scenario,
    until_ms: Option<Tick>,
    check: bool,
) -> Result<World, String> {
    let mut world = World::new(scenario.seed, scenario.config.clone())?;
    if check {
        world = world.with_checks();
    }
    let until = until_ms.unwrap_or(scenario.until_ms);
    if scenario.tolerate_refused {
        world.schedule(&scenario.commands);
        world.run_until(until);
    } else {
        world.replay(&scenario.commands, until)?;
    }
    Ok(world)
}

#[cfg(target_arch = "wasm32")]
pub mod web;
