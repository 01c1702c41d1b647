//! Running one seed's plan: the checker after every event, then the
//! liveness properties, each within a bound of simulated time.

use super::{plan, Failure, Options, Outcome, GROUP, TOPIC};
use crate::broker::BrokerState;
use crate::client::consumer::Phase;
use crate::cluster::World;

/// Every broker runs, is registered, knows every broker, and the
/// controller knows them all.
fn brokers_back(w: &World) -> bool {
    let all = w.config().brokers as usize;
    let controller = w.controller();
    controller.is_some()
        && w.brokers()
            .keys()
            .filter_map(|id| w.broker(*id))
            .all(|b| b.known_controller() == controller)
        && (1..=all as i32).all(|id| {
            w.broker(id).is_some_and(|b| {
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

/// Every partition of the topic has a leader and its whole ISR.
fn partitions_healed(w: &World) -> bool {
    let parts = w.partition_reports();
    parts.iter().any(|p| p.topic == TOPIC)
        && parts
            .iter()
            .filter(|p| p.topic == TOPIC)
            .all(|p| p.leader.is_some_and(|l| l >= 0) && p.isr.len() == p.replicas.len())
}

/// The group is Stable with every running consumer on its generation, and
/// has committed the end of every partition.
fn group_caught_up(w: &World) -> bool {
    let running: Vec<_> = w.consumers().values().filter(|c| c.is_running()).collect();
    w.group_reports().iter().any(|g| {
        g.group == GROUP
            && g.state == "Stable"
            && g.members.len() == running.len()
            && g.lag == 0
            && !g.committed.is_empty()
            && running.iter().all(|c| {
                c.consumer.generation() == g.generation_id && c.consumer.phase() == Phase::Stable
            })
    })
}

fn failed(rule: &str, detail: String, w: &World) -> Option<Failure> {
    Some(Failure {
        rule: rule.to_string(),
        detail,
        at_ms: w.now(),
        liveness: true,
    })
}

/// Runs one seed's plan; returns the outcome and the world as it ended.
pub fn run_seed(seed: u64, opts: Options) -> (Outcome, World) {
    let plan = plan(seed, opts);
    let sc = &plan.scenario;
    let mut w = World::new(sc.seed, sc.config.clone())
        .expect("the swarm draws valid configurations")
        .with_checks();
    w.schedule(&sc.commands);
    w.run_until(plan.liveness_at_ms);
    let mut failure = None;
    if w.violation().is_none()
        && !w.run_until_cond(sc.until_ms - super::LIVENESS_MS - w.now(), brokers_back)
    {
        failure = failed(
            "every broker rejoins under one controller that knows them all",
            format!("controller {:?}", w.controller()),
            &w,
        );
    }
    // A follower whose fetch went to a leader that died behind a cut link
    // waits replica.socket.timeout.ms (30 s) before asking again.
    if failure.is_none() && w.violation().is_none() && !w.run_until_cond(70_000, partitions_healed)
    {
        failure = failed(
            "every partition gets a leader and its whole ISR",
            format!("{:?}", w.partition_reports()),
            &w,
        );
    }
    if failure.is_none() && w.violation().is_none() && !w.run_until_cond(60_000, group_caught_up) {
        failure = failed(
            "the group reaches Stable and its consumers catch up",
            format!(
                "groups {:?}; consumers {:?}",
                w.group_reports(),
                w.consumer_reports()
            ),
            &w,
        );
    }
    if let Some(v) = w.violation() {
        failure = Some(Failure {
            rule: v.rule.to_string(),
            detail: v.detail.clone(),
            at_ms: v.at_ms,
            liveness: false,
        });
    } else if w.ledger().lost_total() > 0 {
        let first = w.ledger().lost().first();
        failure = Some(Failure {
            rule: "no acknowledged record lost".into(),
            detail: format!(
                "{} acknowledged record(s) lost, first {first:?}",
                w.ledger().lost_total()
            ),
            at_ms: first.map_or(w.now(), |l| l.found_at_ms),
            liveness: false,
        });
    }
    let outcome = Outcome {
        seed,
        failure,
        sim_ms: w.now(),
        acked_lost: w.ledger().lost_total(),
    };
    (outcome, w)
}
