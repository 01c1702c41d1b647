//! The fault swarm (`check::swarm`), as `kafkascope check` runs it: each
//! seed draws a cluster, a topic written with acks=all and
//! `min.insync.replicas=2`, a consumer group and 30 random faults with the
//! invariant checker after every event, then a liveness phase in which
//! everything must heal. `scripts/test` runs 2,000 seeds in release mode
//! and checks every planted bug and unsafe setting is caught; here a few
//! seeds run in every `cargo test`, and a failing seed is shown to replay
//! as the scenario file `--write-scenario` writes (the file the page
//! loads). A failure names the seed.

use kafkascope::check::swarm::{plan, run_seed, Options, Unsafe};
use kafkascope::sim::{Mutation, Scenario};
use kafkascope::World;

/// Seeds every `cargo test` runs (the release swarm runs 2,000).
const SEEDS: u64 = 24;

#[test]
fn seeds_break_no_invariant_and_the_cluster_recovers() {
    let failures: Vec<String> = (0..SEEDS)
        .filter_map(|seed| {
            let (outcome, _) = run_seed(seed, Options::default());
            outcome.failure.map(|f| {
                format!(
                    "seed {seed}: {} at {} ms: {}",
                    f.rule,
                    f.at_ms,
                    f.detail.chars().take(400).collect::<String>()
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_plan_of_a_seed_is_the_same_every_time() {
    let a = serde_json::to_string(&plan(11, Options::default()).scenario).unwrap();
    let b = serde_json::to_string(&plan(11, Options::default()).scenario).unwrap();
    assert_eq!(a, b);
    let c = serde_json::to_string(&plan(12, Options::default()).scenario).unwrap();
    assert_ne!(a, c, "another seed draws another plan");
}

/// The first seed below `bound` whose run fails with `opts`.
fn first_failing(opts: Options, bound: u64) -> Option<(u64, kafkascope::check::swarm::Failure)> {
    (0..bound).find_map(|seed| run_seed(seed, opts).0.failure.map(|f| (seed, f)))
}

#[test]
fn a_failing_seed_replays_from_its_scenario_file() {
    let opts = Options {
        mutation: Some(Mutation::HwWithoutIsr),
        ..Options::default()
    };
    let (seed, failure) = first_failing(opts, 50).expect("the planted bug is caught");
    assert!(!failure.liveness, "{failure:?}");
    // What `kafkascope check --from SEED --write-scenario FILE` writes,
    // read back as `kafkascope run FILE --check` and the page read it.
    let json = serde_json::to_string_pretty(&plan(seed, opts).scenario).unwrap();
    let sc = Scenario::from_json(&json).expect("the written scenario is valid");
    let mut w = World::new(sc.seed, sc.config.clone())
        .unwrap()
        .with_checks();
    w.schedule(&sc.commands);
    w.run_until(sc.until_ms);
    let v = w.violation().expect("the replay breaks the same rule");
    assert_eq!((v.rule, v.at_ms), (failure.rule.as_str(), failure.at_ms));
}

#[test]
fn an_unsafe_setting_loses_acknowledged_records_within_a_few_seeds() {
    let opts = Options {
        unsafe_switch: Some(Unsafe::Acks1),
        ..Options::default()
    };
    let (seed, failure) = first_failing(opts, 50).expect("acks=1 loses records");
    assert_eq!(failure.rule, "no acknowledged record lost", "seed {seed}");
}
