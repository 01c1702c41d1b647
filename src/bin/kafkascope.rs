//! `kafkascope`: runs scenarios headless and prints JSON reports.
//!
//! Exit codes: 0 done, 1 an invariant broke (with `--check`, or a seed of
//! `check` failed), 2 bad input.

#[path = "kafkascope/check.rs"]
mod check;

use clap::{Parser, Subcommand};
use kafkascope::{run_scenario, Scenario};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kafkascope",
    version,
    about = "Apache Kafka, simulated: run scenarios headless"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a scenario file and print the JSON report.
    Run {
        /// Scenario JSON file (see the README for its format).
        scenario: PathBuf,
        /// Seed of the run (overrides the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Stop at this simulated time in ms (overrides the scenario's until_ms).
        #[arg(long = "until-ms")]
        until_ms: Option<u64>,
        /// Check the invariants after every event; exit 1 if one breaks.
        #[arg(long)]
        check: bool,
    },
    /// Run the fault swarm: per seed a random cluster, a topic written with
    /// acks=all, a consumer group, random faults, then a liveness phase;
    /// the invariants are checked after every event. Exit 1 if a seed fails.
    Check {
        /// How many seeds.
        #[arg(long, default_value_t = 100)]
        seeds: u64,
        /// First seed.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// Worker threads (default: every core).
        #[arg(long)]
        jobs: Option<usize>,
        /// Turn on a setting under which Kafka loses acknowledged records
        /// (acks1, unclean-election, pre-kip-101): the swarm must then find a loss.
        #[arg(long = "unsafe")]
        unsafe_switch: Option<String>,
        /// Plant a known bug (tests the tests): hw-without-isr,
        /// unclean-when-disabled, stale-generation-commit,
        /// follower-skips-truncation, consumer-reads-past-hw.
        #[arg(long)]
        mutation: Option<String>,
        /// Stop at the first failing seed.
        #[arg(long)]
        stop_on_failure: bool,
        /// Count only broken safety rules (invariants, acknowledged records
        /// lost); list seeds whose liveness properties were unmet without
        /// failing.
        #[arg(long)]
        safety_only: bool,
        /// Instead of running, write the plan of seed --from as a scenario file
        /// (load it in the page or run it with `kafkascope run --check`).
        #[arg(long)]
        write_scenario: Option<PathBuf>,
    },
    /// Write a storage-lab partition's files (each segment's .log, .index and
    /// .timeindex, and leader-epoch-checkpoint) to a folder, byte for byte as
    /// Kafka lays them out.
    DumpLab {
        /// Preset: notes, rolling or compaction.
        preset: String,
        /// Folder to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Run a scenario, then write one partition replica's files (as in the
    /// broker's `<topic>-<partition>` folder) byte for byte as Kafka would
    /// have them on disk.
    DumpLog {
        /// Scenario JSON file.
        scenario: PathBuf,
        /// `broker.id` whose replica to write.
        #[arg(long)]
        broker: i32,
        /// Topic.
        #[arg(long)]
        topic: String,
        /// Partition.
        #[arg(long)]
        partition: i32,
        /// Folder to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Seed of the run (overrides the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Stop at this simulated time in ms (overrides the scenario's until_ms).
        #[arg(long = "until-ms")]
        until_ms: Option<u64>,
    },
}

fn fail(msg: String) -> ExitCode {
    eprintln!("kafkascope: {msg}");
    ExitCode::from(2)
}

fn dump_lab(preset: &str, out: &std::path::Path) -> Result<(), String> {
    let lab = kafkascope::log::lab::Lab::new(preset)?;
    write_partition(lab.log(), out)
}

/// Writes a log's segment files and its leader-epoch-checkpoint into `out`.
fn write_partition(log: &kafkascope::log::Log, out: &std::path::Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let checkpoint = log.leader_epochs().checkpoint();
    let path = out.join(kafkascope::log::CHECKPOINT_FILE);
    std::fs::write(&path, &checkpoint)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!(
        "{} {} bytes",
        kafkascope::log::CHECKPOINT_FILE,
        checkpoint.len()
    );
    for seg in log.segments().values() {
        for (name, bytes) in seg.files() {
            let path = out.join(&name);
            std::fs::write(&path, bytes)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            println!("{name} {} bytes", bytes.len());
        }
    }
    Ok(())
}

fn load(
    path: &std::path::Path,
    seed: Option<u64>,
    until_ms: Option<u64>,
) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut sc = Scenario::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if let Some(seed) = seed {
        sc.seed = seed;
    }
    if let Some(t) = until_ms {
        if t > kafkascope::sim::MAX_UNTIL_MS {
            return Err(format!(
                "--until-ms {t} is over the limit of {} (one week)",
                kafkascope::sim::MAX_UNTIL_MS
            ));
        }
    }
    Ok(sc)
}

fn dump_log(
    path: &std::path::Path,
    seed: Option<u64>,
    until_ms: Option<u64>,
    broker: i32,
    tp: &kafkascope::topic::TopicPartition,
    out: &std::path::Path,
) -> Result<(), String> {
    let sc = load(path, seed, until_ms)?;
    let world =
        run_scenario(&sc, until_ms, false).map_err(|e| format!("{}: {e}", path.display()))?;
    if world.disk(broker).is_none() {
        return Err(format!("there is no broker {broker} in this scenario"));
    }
    let log = world.log_of(broker, tp).ok_or_else(|| {
        let held: Vec<String> = world
            .disk(broker)
            .map(|d| d.logs.keys().map(ToString::to_string).collect())
            .unwrap_or_default();
        format!(
            "broker {broker} holds no replica of {tp} at {} ms; it holds: {}",
            world.now(),
            if held.is_empty() {
                "none".to_string()
            } else {
                held.join(", ")
            }
        )
    })?;
    write_partition(log, out)
}

fn swarm_options(
    unsafe_switch: Option<&str>,
    mutation: Option<&str>,
) -> Result<kafkascope::check::swarm::Options, String> {
    Ok(kafkascope::check::swarm::Options {
        unsafe_switch: unsafe_switch
            .map(kafkascope::check::swarm::Unsafe::parse)
            .transpose()?,
        mutation: mutation.map(kafkascope::sim::Mutation::parse).transpose()?,
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Check {
            seeds,
            from,
            jobs,
            unsafe_switch,
            mutation,
            stop_on_failure,
            safety_only,
            write_scenario,
        } => {
            let opts = match swarm_options(unsafe_switch.as_deref(), mutation.as_deref()) {
                Ok(o) => o,
                Err(e) => return fail(e),
            };
            if let Some(path) = write_scenario {
                return match check::write_scenario(from, opts, &path) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => fail(e),
                };
            }
            let jobs = jobs.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            });
            let args = check::Args {
                seeds,
                from,
                jobs,
                opts,
                stop_on_failure,
                safety_only,
            };
            if check::run(&args).is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Cmd::DumpLog {
            scenario,
            broker,
            topic,
            partition,
            out,
            seed,
            until_ms,
        } => {
            let tp = kafkascope::topic::TopicPartition::new(&topic, partition);
            match dump_log(&scenario, seed, until_ms, broker, &tp, &out) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            }
        }
        Cmd::DumpLab { preset, out } => match dump_lab(&preset, &out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(e),
        },
        Cmd::Run {
            scenario,
            seed,
            until_ms,
            check,
        } => {
            let sc = match load(&scenario, seed, until_ms) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let world = match run_scenario(&sc, until_ms, check) {
                Ok(w) => w,
                Err(e) => return fail(format!("{}: {e}", scenario.display())),
            };
            let report = world.report();
            match serde_json::to_string_pretty(&report) {
                Ok(json) => println!("{json}"),
                Err(e) => return fail(format!("cannot write the report: {e}")),
            }
            if report.violation.is_some() {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
    }
}
