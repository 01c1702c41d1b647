//! Swarm: many seeds, each drawing a cluster shape, network and fault mix,
//! then a safety phase of random crashes, restarts, clean shutdowns and link
//! cuts (with the invariant checker after every event), then a liveness
//! phase without faults in which every broker must come back, register, and
//! agree on one controller that knows them all, and every partition of the
//! topic written with acks=all must have a leader and a full ISR again,
//! having lost nothing acknowledged, and the consumer group reading it must
//! be Stable with both members on its current generation. A failure names
//! the seed.

mod common;

use common::*;
use kafkascope::broker::BrokerState;
use kafkascope::client::consumer::{ConsumerConfig, OffsetReset, Phase};
use kafkascope::client::producer::{Acks, ProducerConfig};
use kafkascope::sim::{ClusterConfig, Command, Direction, LinkConfig, NodeId, SimRng};
use kafkascope::World;
use serde_json::json;

const SEEDS: u64 = 300;

fn shape(r: &mut SimRng) -> ClusterConfig {
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
        ..ClusterConfig::default()
    }
}

fn fault(r: &mut SimRng, brokers: u32) -> Command {
    let pick = |r: &mut SimRng| 1 + (r.next_u64() % u64::from(brokers)) as i32;
    let b = pick(r);
    let other = if r.next_u64().is_multiple_of(2) {
        NodeId::Zk
    } else {
        NodeId::Broker(pick(r))
    };
    let direction =
        [Direction::Both, Direction::AToB, Direction::BToA][(r.next_u64() % 3) as usize];
    match r.next_u64() % 7 {
        0 => Command::CrashBroker { broker: b },
        1 => Command::RestartBroker { broker: b },
        2 => Command::ShutdownBroker { broker: b },
        3 | 4 => Command::CutLink {
            a: NodeId::Broker(b),
            b: other,
            direction,
        },
        _ => Command::HealLink {
            a: NodeId::Broker(b),
            b: other,
            direction: Direction::Both,
        },
    }
}

fn heal_everything(w: &mut World, brokers: u32) {
    let nodes: Vec<NodeId> = std::iter::once(NodeId::Zk)
        .chain((1..=brokers as i32).map(NodeId::Broker))
        .collect();
    for (i, a) in nodes.iter().enumerate() {
        for b in &nodes[i + 1..] {
            w.apply(Command::HealLink {
                a: *a,
                b: *b,
                direction: Direction::Both,
            })
            .expect("both exist");
        }
    }
}

fn live(w: &World, brokers: u32) -> bool {
    let all = brokers as usize;
    settled(w)
        && (1..=brokers as i32).all(|id| {
            w.broker(id).is_some_and(|b| {
                // A broker still in a controlled shutdown started during the
                // safety phase is about to stop: not recovered yet.
                b.is_registered()
                    && *b.state() == BrokerState::Running
                    && b.metadata_brokers().len() == all
            })
        })
        && w.controller()
            .and_then(|c| w.broker(c))
            .and_then(|b| b.role())
            .is_some_and(|r| r.live_brokers().len() == all)
}

#[test]
fn random_faults_never_break_an_invariant_and_the_cluster_recovers() {
    let mut failures = Vec::new();
    // SWARM_SEED=n runs one seed (to replay a failure).
    let only: Option<u64> = std::env::var("SWARM_SEED")
        .ok()
        .and_then(|v| v.parse().ok());
    for seed in (0..SEEDS).filter(|s| only.is_none_or(|o| o == *s)) {
        let mut r = SimRng::new(seed.wrapping_mul(7_919) + 1);
        let cfg = shape(&mut r);
        let brokers = cfg.brokers;
        let session = cfg.zookeeper_session_timeout_ms;
        let mut w = World::new(seed, cfg.clone()).unwrap().with_checks();
        // A topic and an acks=all producer; with two or more replicas,
        // min.insync.replicas=2 and clean elections nothing acknowledged may be lost.
        w.run_until(3_000);
        let rf = brokers.min(3);
        let partitions = 1 + (r.next_u64() % 4) as u32;
        let min_isr = if rf >= 2 { "2" } else { "1" };
        let created = w.apply(Command::CreateTopic {
            name: "t".into(),
            partitions,
            replication_factor: rf,
            assignment: Default::default(),
            configs: [("min.insync.replicas".to_string(), json!(min_isr))].into(),
        });
        if created.is_ok() {
            w.apply(Command::AddProducer {
                id: None,
                config: ProducerConfig {
                    topic: "t".into(),
                    acks: Acks(-1),
                    rate: 10.0,
                    ..ProducerConfig::default()
                },
            })
            .expect("the topic exists");
            for _ in 0..2 {
                w.apply(Command::AddConsumer {
                    id: None,
                    config: ConsumerConfig {
                        group_id: "swarm".into(),
                        topics: vec!["t".into()],
                        auto_offset_reset: OffsetReset::Earliest,
                        session_timeout_ms: 6_000 + r.next_u64() % 10_000,
                        ..ConsumerConfig::default()
                    },
                })
                .expect("the topic exists");
            }
        }
        // Safety phase: faults at random moments.
        for _ in 0..30 {
            let t = w.now() + r.next_u64() % 8_000;
            w.run_until(t);
            let _refused_is_fine = w.apply(fault(&mut r, brokers));
        }
        // Liveness phase: no more faults; everything heals and restarts.
        heal_everything(&mut w, brokers);
        let mut recovered = false;
        for _ in 0..4 {
            for id in 1..=brokers as i32 {
                if w.broker(id).is_none() {
                    let _refused_is_fine = w.apply(Command::RestartBroker { broker: id });
                }
            }
            if w.run_until_cond(3 * session + 10_000, |w| live(w, brokers)) {
                recovered = true;
                break;
            }
        }
        // A follower whose fetch went to a leader that died behind a cut
        // link waits replica.socket.timeout.ms (30 s) before asking again.
        let topic_ok = created.is_err()
            || w.run_until_cond(70_000, |w| {
                w.partition_reports()
                    .iter()
                    .all(|p| p.leader.is_some_and(|l| l >= 0) && p.isr.len() == p.replicas.len())
            });
        let group_ok = created.is_err()
            || w.run_until_cond(60_000, |w| {
                w.group_reports().iter().all(|g| {
                    g.state == "Stable"
                        && g.members.len() == 2
                        && w.consumers().values().all(|c| {
                            c.consumer.generation() == g.generation_id
                                && c.consumer.phase() == Phase::Stable
                        })
                })
            });
        let lost = w.ledger().lost_total();
        if let Some(v) = w.violation() {
            failures.push(format!(
                "seed {seed}: invariant broken {v}\n{}",
                log_tail(&w, 20)
            ));
        } else if rf >= 2 && lost > 0 {
            failures.push(format!(
                "seed {seed}: {lost} acknowledged records lost with acks=all, min.insync.replicas=2\n{}",
                log_tail(&w, 30)
            ));
        } else if !topic_ok {
            let states: Vec<String> = (1..=brokers as i32)
                .filter_map(|b| w.broker(b))
                .flat_map(|b| {
                    b.replicas()
                        .iter()
                        .map(|(tp, r)| {
                            format!(
                                "b{} {tp} leader {} ep {} {:?} hw {} fetchers {:?}",
                                b.id(),
                                r.leader,
                                r.leader_epoch,
                                r.follow,
                                r.hw,
                                b.fetchers()
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            if only.is_some() {
                for e in w.trace().entries() {
                    eprintln!("{} {}", e.at, e.text.chars().take(220).collect::<String>());
                }
                eprintln!("{}", log_tail(&w, 2_000));
            }
            failures.push(format!(
                "seed {seed}: partitions did not heal: {:?}\n{}\n{}",
                w.partition_reports(),
                states.join("\n"),
                log_tail(&w, 30)
            ));
        } else if !group_ok {
            failures.push(format!(
                "seed {seed}: the group did not settle: {:?}\nconsumers {:?}\n{}",
                w.group_reports(),
                w.consumer_reports(),
                log_tail(&w, 30)
            ));
        } else if !recovered {
            failures.push(format!(
                "seed {seed}: no recovery with {cfg:?}; controller {:?}\n{}",
                w.controller(),
                log_tail(&w, 20)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {SEEDS} seeds failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
