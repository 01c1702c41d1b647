//! The fault swarm, in the style of TigerBeetle's VOPR: each seed draws a
//! cluster shape and fault rates, then a plan of timed commands (a
//! `Scenario`, so the page can load the very same run): a topic written
//! with acks=all and `min.insync.replicas`=2, a consumer group reading it,
//! and a safety phase of random faults (crashes, restarts, clean shutdowns,
//! one-way and two-way link cuts, packet loss, slow links, consumer and
//! producer crashes) with the invariant checker after every event. Then a
//! liveness phase without faults: every link heals, every broker restarts,
//! producers stop, and within a bound every broker must rejoin under one
//! controller, every partition must get a leader and a full ISR, and the
//! group must reach Stable with every running consumer on its generation,
//! caught up to the end of the log.
//!
//! An unsafe switch (acks=1, unclean leader election, the pre-KIP-101
//! truncation) plants a setting under which Kafka is known to lose
//! acknowledged records; the swarm then counts any acknowledged record lost
//! as a failure, and must find one.

use crate::client::consumer::{ConsumerConfig, OffsetReset};
use crate::client::producer::{Acks, ProducerConfig};
use crate::sim::{
    ClusterConfig, Command, Direction, LinkConfig, Mutation, NodeId, Scenario, SimRng, Tick,
    TimedCommand,
};
use serde::Serialize;
use serde_json::json;

/// A setting under which real Kafka loses acknowledged records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsafe {
    /// The producer writes with acks=1.
    Acks1,
    /// `unclean.leader.election.enable=true` on the topic.
    UncleanElection,
    /// Followers truncate to their high watermark (before KIP-101).
    TruncateToHw,
}

impl Unsafe {
    /// Every switch.
    pub const ALL: [Unsafe; 3] = [Unsafe::Acks1, Unsafe::UncleanElection, Unsafe::TruncateToHw];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Unsafe::Acks1 => "acks1",
            Unsafe::UncleanElection => "unclean-election",
            Unsafe::TruncateToHw => "pre-kip-101",
        }
    }

    /// Parses a name given by `name`.
    pub fn parse(s: &str) -> Result<Unsafe, String> {
        crate::sim::parse_named(&Unsafe::ALL, Unsafe::name, s, "unsafe switch")
    }
}

/// What a swarm run changes from the safe default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// A setting known to lose data.
    pub unsafe_switch: Option<Unsafe>,
    /// A planted bug.
    pub mutation: Option<Mutation>,
}

/// Faults drawn per seed.
const FAULTS: usize = 30;
/// The topic every seed writes.
const TOPIC: &str = "t";
/// The group every seed reads with.
const GROUP: &str = "swarm";
/// When the topic, producer and group are made.
const SETUP_MS: Tick = 3_000;

/// One seed's plan: a scenario, and when its liveness phase starts.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The run, loadable in the page.
    pub scenario: Scenario,
    /// When the faults stop.
    pub liveness_at_ms: Tick,
}

fn shape(r: &mut SimRng, opts: Options) -> ClusterConfig {
    let brokers = 2 + (r.next_u64() % 5) as u32;
    let tick = [200u64, 500, 2_000][(r.next_u64() % 3) as usize];
    let latency_max = 1 + r.next_u64() % 60;
    let loss = [0.0, 0.02, 0.1][(r.next_u64() % 3) as usize];
    // Sessions long enough that retransmissions (200 ms, doubling) fit.
    let floor = (4 * latency_max + 2_000).div_ceil(tick);
    let ticks = (floor + r.next_u64() % 8).clamp(2, 20);
    ClusterConfig {
        brokers,
        zookeeper_session_timeout_ms: tick * ticks,
        tick_time_ms: tick,
        controller_socket_timeout_ms: 500 + r.next_u64() % 5_000,
        controlled_shutdown_max_retries: 1 + (r.next_u64() % 3) as u32,
        controlled_shutdown_retry_backoff_ms: r.next_u64() % 2_000,
        network: LinkConfig {
            latency_min_ms: 1,
            latency_max_ms: latency_max,
            loss_ratio: loss,
        },
        offsets_topic_num_partitions: 1 + (r.next_u64() % 5) as u32,
        offsets_topic_replication_factor: brokers.min(3),
        group_initial_rebalance_delay_ms: r.next_u64() % 3_001,
        truncate_to_high_watermark: opts.unsafe_switch == Some(Unsafe::TruncateToHw),
        mutation: opts.mutation,
        ..ClusterConfig::default()
    }
}

fn consumer(id: i32, r: &mut SimRng) -> Command {
    Command::AddConsumer {
        id: Some(id),
        config: ConsumerConfig {
            group_id: GROUP.into(),
            topics: vec![TOPIC.into()],
            auto_offset_reset: OffsetReset::Earliest,
            session_timeout_ms: 6_000 + r.next_u64() % 10_000,
            ..ConsumerConfig::default()
        },
    }
}

fn producer_config(rate: f64, opts: Options) -> ProducerConfig {
    ProducerConfig {
        topic: TOPIC.into(),
        acks: Acks(if opts.unsafe_switch == Some(Unsafe::Acks1) {
            1
        } else {
            -1
        }),
        rate,
        ..ProducerConfig::default()
    }
}

/// Clients alive while the plan is drawn, to aim client faults at.
struct Clients {
    consumers: Vec<i32>,
    producers: Vec<i32>,
    next_consumer: i32,
    next_producer: i32,
}

fn fault(r: &mut SimRng, brokers: u32, c: &mut Clients, opts: Options) -> Command {
    let pick = |r: &mut SimRng| 1 + (r.next_u64() % u64::from(brokers)) as i32;
    let b = pick(r);
    let other = match r.next_u64() % 4 {
        0 | 1 => NodeId::Zk,
        2 if !c.consumers.is_empty() => {
            NodeId::Consumer(c.consumers[(r.next_u64() as usize) % c.consumers.len()])
        }
        _ => NodeId::Broker(pick(r)),
    };
    let direction =
        [Direction::Both, Direction::AToB, Direction::BToA][(r.next_u64() % 3) as usize];
    match r.next_u64() % 12 {
        0 | 1 => Command::CrashBroker { broker: b },
        2 => Command::RestartBroker { broker: b },
        3 => Command::ShutdownBroker { broker: b },
        4 | 5 => Command::CutLink {
            a: NodeId::Broker(b),
            b: other,
            direction,
        },
        6 | 7 => Command::HealLink {
            a: NodeId::Broker(b),
            b: other,
            direction: Direction::Both,
        },
        8 => {
            // A slow or lossy link (a slow follower, a flaky network).
            let slow = r.next_u64().is_multiple_of(2);
            Command::SetLink {
                a: NodeId::Broker(b),
                b: other,
                latency_min_ms: 1,
                latency_max_ms: if slow { 200 + r.next_u64() % 2_000 } else { 20 },
                loss_ratio: if slow { 0.0 } else { 0.3 },
            }
        }
        9 if c.consumers.len() > 1 => {
            let i = (r.next_u64() as usize) % c.consumers.len();
            Command::CrashConsumer {
                consumer: c.consumers.remove(i),
            }
        }
        9 | 10 if c.consumers.len() < 3 => {
            c.next_consumer += 1;
            c.consumers.push(c.next_consumer);
            consumer(c.next_consumer, r)
        }
        _ if !c.producers.is_empty() && r.next_u64().is_multiple_of(2) => {
            // A producer crash, and a new one in its place.
            let i = (r.next_u64() as usize) % c.producers.len();
            Command::CrashProducer {
                producer: c.producers.remove(i),
            }
        }
        _ => {
            c.next_producer += 1;
            c.producers.push(c.next_producer);
            Command::AddProducer {
                id: Some(c.next_producer),
                config: producer_config(5.0 + (r.next_u64() % 20) as f64, opts),
            }
        }
    }
}

/// Heals every link and gives every link back the cluster's settings.
fn heal_all(cfg: &ClusterConfig, clients: &Clients, at: Tick, out: &mut Vec<TimedCommand>) {
    let nodes: Vec<NodeId> = std::iter::once(NodeId::Zk)
        .chain((1..=cfg.brokers as i32).map(NodeId::Broker))
        .chain((1..=clients.next_consumer).map(NodeId::Consumer))
        .collect();
    for (i, a) in nodes.iter().enumerate() {
        for b in &nodes[i + 1..] {
            let consumers = [a, b]
                .iter()
                .filter(|n| matches!(n, NodeId::Consumer(_)))
                .count();
            if consumers == 2 || (consumers == 1 && (*a == NodeId::Zk || *b == NodeId::Zk)) {
                continue;
            }
            for command in [
                Command::HealLink {
                    a: *a,
                    b: *b,
                    direction: Direction::Both,
                },
                Command::SetLink {
                    a: *a,
                    b: *b,
                    latency_min_ms: cfg.network.latency_min_ms,
                    latency_max_ms: cfg.network.latency_max_ms,
                    loss_ratio: cfg.network.loss_ratio,
                },
            ] {
                out.push(TimedCommand { at_ms: at, command });
            }
        }
    }
}

/// The plan a seed draws.
pub fn plan(seed: u64, opts: Options) -> Plan {
    let mut r = SimRng::new(seed.wrapping_mul(7_919) + 1);
    let cfg = shape(&mut r, opts);
    let brokers = cfg.brokers;
    let rf = brokers.min(3);
    let partitions = 1 + (r.next_u64() % 4) as u32;
    let mut configs = std::collections::BTreeMap::new();
    configs.insert("min.insync.replicas".to_string(), json!("2"));
    if opts.unsafe_switch == Some(Unsafe::UncleanElection) {
        configs.insert("unclean.leader.election.enable".to_string(), json!("true"));
    }
    let at = |at_ms: Tick, command: Command| TimedCommand { at_ms, command };
    let mut commands = vec![
        at(
            SETUP_MS,
            Command::CreateTopic {
                name: TOPIC.into(),
                partitions,
                replication_factor: rf,
                assignment: Default::default(),
                configs,
            },
        ),
        at(
            SETUP_MS,
            Command::AddProducer {
                id: Some(1),
                config: producer_config(10.0, opts),
            },
        ),
    ];
    let mut clients = Clients {
        consumers: vec![1, 2],
        producers: vec![1],
        next_consumer: 2,
        next_producer: 1,
    };
    for id in 1..=2 {
        commands.push(at(SETUP_MS, consumer(id, &mut r)));
    }
    let mut t = SETUP_MS;
    for _ in 0..FAULTS {
        t += r.next_u64() % 8_000;
        let f = fault(&mut r, brokers, &mut clients, opts);
        commands.push(at(t, f));
    }
    let liveness = t + 1;
    heal_all(&cfg, &clients, liveness, &mut commands);
    for p in &clients.producers {
        commands.push(at(
            liveness,
            Command::SetProducer {
                producer: *p,
                config: producer_config(0.0, opts),
            },
        ));
    }
    // A broker still in a controlled shutdown started before the faults
    // stopped goes down later: restart again a few times.
    let round = 3 * cfg.zookeeper_session_timeout_ms + 10_000;
    for k in 0..4 {
        for b in 1..=brokers as i32 {
            commands.push(at(
                liveness + k * round,
                Command::RestartBroker { broker: b },
            ));
        }
    }
    let until_ms = liveness + 4 * round + LIVENESS_MS;
    Plan {
        scenario: Scenario {
            name: format!("swarm seed {seed}"),
            description: format!(
                "Fault swarm, seed {seed}: {FAULTS} random faults from {SETUP_MS} ms to {t} ms, then no faults: every link heals, every broker restarts and the producers stop, and the cluster must recover. Replay it with `kafkascope check --seeds 1 --from {seed}`."
            ),
            seed,
            config: cfg,
            commands,
            until_ms,
            tolerate_refused: true,
            section: String::new(),
        },
        liveness_at_ms: liveness,
    }
}

mod run;
pub use run::run_seed;

/// How long the liveness phase may take after the last restart round.
const LIVENESS_MS: Tick = 130_000;

/// Why a seed failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The rule, as the checker names it, or the liveness property.
    pub rule: String,
    /// What was seen.
    pub detail: String,
    /// When, in simulated ms.
    pub at_ms: Tick,
    /// A liveness property unmet within its bound (else a safety rule broke).
    pub liveness: bool,
}

/// One seed's result.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    /// The seed.
    pub seed: u64,
    /// Why it failed, if it did.
    pub failure: Option<Failure>,
    /// Simulated time run.
    pub sim_ms: Tick,
    /// Acknowledged records lost.
    pub acked_lost: u64,
}
