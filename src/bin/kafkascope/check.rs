//! `kafkascope check`: the fault swarm, headless. Runs seeds on every core,
//! prints progress to stderr, then a summary and, for each failing seed,
//! the broken rule and the commands that replay it.

use kafkascope::check::swarm::{plan, run_seed, Options, Outcome};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// What to run.
pub struct Args {
    pub seeds: u64,
    pub from: u64,
    pub jobs: usize,
    pub opts: Options,
    pub stop_on_failure: bool,
    /// Liveness properties unmet are listed but do not fail the run.
    pub safety_only: bool,
}

/// `opts` as `{before}unsafe{between}NAME{before}mutation{between}NAME`:
/// command-line flags (" --", " ") or the page's URL query ("&", "=").
fn options_as(opts: Options, before: &str, between: &str) -> String {
    let mut s = String::new();
    if let Some(u) = opts.unsafe_switch {
        s += &format!("{before}unsafe{between}{}", u.name());
    }
    if let Some(m) = opts.mutation {
        s += &format!("{before}mutation{between}{m}");
    }
    s
}

fn flags(opts: Options) -> String {
    options_as(opts, " --", " ")
}

/// The page's URL query after `?swarm=SEED` that loads the same run.
fn page_query(opts: Options) -> String {
    options_as(opts, "&", "=")
}

/// Runs the seeds; returns the failing outcomes, by seed.
pub fn run(a: &Args) -> Vec<Outcome> {
    let next = AtomicU64::new(a.from);
    let end = a.from.saturating_add(a.seeds);
    let done = AtomicU64::new(0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let failures: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    let simulated_ms = AtomicU64::new(0);
    let step = (a.seeds / 20).max(1);
    std::thread::scope(|s| {
        for _ in 0..a.jobs.max(1) {
            s.spawn(|| loop {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= end {
                    return;
                }
                let (outcome, _) = run_seed(seed, a.opts);
                simulated_ms.fetch_add(outcome.sim_ms, Ordering::Relaxed);
                if let Some(f) = &outcome.failure {
                    let counts = !(a.safety_only && f.liveness);
                    eprintln!(
                        "seed {seed}: {} at {} ms: {}",
                        if counts { "FAILED" } else { "liveness unmet" },
                        f.at_ms,
                        f.rule
                    );
                    if a.stop_on_failure && counts {
                        stop.store(true, Ordering::Relaxed);
                    }
                    failures.lock().expect("no panics").push(outcome);
                }
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_multiple_of(step) || n == a.seeds {
                    let failed = failures.lock().expect("no panics").len();
                    eprintln!("{n}/{} seeds, {failed} failed", a.seeds);
                }
            });
        }
    });
    let simulated_min = simulated_ms.load(Ordering::Relaxed) as f64 / 60_000.0;
    let ran = done.load(Ordering::Relaxed);
    let mut failures = failures.into_inner().expect("no panics");
    failures.sort_by_key(|o| o.seed);
    let unmet = failures
        .iter()
        .filter(|o| o.failure.as_ref().is_some_and(|f| f.liveness))
        .count();
    let failed = if a.safety_only {
        failures.len() - unmet
    } else {
        failures.len()
    };
    println!(
        "swarm: {ran} seeds from {}{}: {failed} failed{}, {simulated_min:.0} simulated minutes on {} threads",
        a.from,
        flags(a.opts),
        if a.safety_only {
            format!(" ({unmet} with a liveness property unmet, not counted)")
        } else {
            String::new()
        },
        a.jobs
    );
    for o in &failures {
        let f = o.failure.as_ref().expect("failures only");
        let detail: String = f.detail.chars().take(600).collect();
        let kind = if f.liveness { "liveness" } else { "safety" };
        println!(
            "\nseed {} ({kind}): {} (at {} ms)\n  {detail}",
            o.seed, f.rule, f.at_ms
        );
        println!(
            "  replay: kafkascope check --seeds 1 --from {}{}",
            o.seed,
            flags(a.opts)
        );
        println!("  in the page: ?swarm={}{}", o.seed, page_query(a.opts));
        println!(
            "  as a scenario (then `kafkascope run seed-{}.json --check`, or load it in the page): kafkascope check --from {}{} --write-scenario seed-{}.json",
            o.seed,
            o.seed,
            flags(a.opts),
            o.seed
        );
    }
    if a.safety_only {
        failures.retain(|o| o.failure.as_ref().is_some_and(|f| !f.liveness));
    }
    failures
}

/// Writes one seed's plan as a scenario file.
pub fn write_scenario(seed: u64, opts: Options, path: &std::path::Path) -> Result<(), String> {
    let sc = plan(seed, opts).scenario;
    let json = serde_json::to_string_pretty(&sc).map_err(|e| e.to_string())?;
    std::fs::write(path, json + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))
}
