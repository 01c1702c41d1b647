//! Controller election and every failover path, as scenarios: build a
//! cluster, apply commands, run until a condition (bounded), assert on what
//! ZooKeeper and the brokers hold. The invariant checker runs after every
//! event in all of them.

mod common;

use common::*;
use kafkascope::sim::{Command, NodeId};
use kafkascope::World;

const SESSION_MS: u64 = 18_000;
const TICK_MS: u64 = 3_000;
/// Pings go out every third of the session timeout.
const PING_MS: u64 = SESSION_MS / 3;

#[test]
fn five_brokers_elect_exactly_one_controller_at_epoch_one() {
    for seed in 0..20 {
        let w = elected(seed, 5);
        let c = w.controller().unwrap();
        assert_eq!(w.controller_epoch(), 1, "seed {seed}");
        let acting: Vec<i32> = (1..=5)
            .filter(|id| w.broker(*id).unwrap().role().is_some())
            .collect();
        assert_eq!(acting, vec![c], "seed {seed}");
        for id in 1..=5 {
            assert!(w.zk().tree().exists(&format!("/brokers/ids/{id}")));
        }
        let owner = w.zk().stat("/controller").unwrap().ephemeral_owner;
        let session_of_c = w
            .zk()
            .sessions()
            .iter()
            .find(|(_, s)| s.client == NodeId::Broker(c))
            .map(|(id, _)| *id);
        assert_eq!(
            Some(owner),
            session_of_c,
            "/controller is the winner's ephemeral"
        );
        for id in (1..=5).filter(|id| *id != c) {
            let node = NodeId::Broker(id);
            assert!(
                logged(&w, node, "lost the race for /controller (NODEEXISTS)")
                    || logged(&w, node, &format!("sees broker {c} is the controller"))
                    || logged(
                        &w,
                        node,
                        &format!("took UpdateMetadata from controller {c}")
                    ),
                "seed {seed}: broker {id} neither lost the race nor saw the winner"
            );
        }
    }
}

#[test]
fn a_crashed_controller_is_replaced_only_after_its_session_expires() {
    let mut w = elected(3, 5);
    let old = w.controller().unwrap();
    let crash_at = w.now();
    apply(&mut w, Command::CrashBroker { broker: old });
    // The session outlives the process: nobody may take over before the
    // timeout counted from the last ping ZooKeeper heard (at most one ping
    // interval before the crash).
    w.run_until(crash_at + SESSION_MS - PING_MS - 10);
    assert_eq!(
        w.controller(),
        Some(old),
        "ephemeral /controller outlives the process"
    );
    wait(&mut w, 3 * SESSION_MS, "a new controller", |w| {
        w.controller().is_some_and(|c| c != old)
    });
    let took = w.now() - crash_at;
    assert!(
        took <= SESSION_MS + 3 * TICK_MS + 100,
        "failover took {took} ms"
    );
    assert_eq!(w.controller_epoch(), 2);
    wait(&mut w, 5_000, "everyone sees the new controller", |w| {
        settled(w)
            && w.controller()
                .and_then(|c| w.broker(c))
                .and_then(|b| b.role())
                .is_some_and(|r| !r.live_brokers().is_empty())
    });
    let new = w.controller().unwrap();
    assert!(logged(
        &w,
        NodeId::Broker(new),
        "won /controller: controller epoch 2"
    ));
    assert!(!w.zk().tree().exists(&format!("/brokers/ids/{old}")));
    let live = w
        .broker(new)
        .unwrap()
        .role()
        .unwrap()
        .live_brokers()
        .clone();
    assert!(!live.contains(&old) && live.len() == 4, "{live:?}");
}

#[test]
fn a_clean_shutdown_of_the_controller_hands_over_at_once() {
    let mut w = elected(5, 4);
    let old = w.controller().unwrap();
    let at = w.now();
    apply(&mut w, Command::ShutdownBroker { broker: old });
    wait(&mut w, 1_000, "a new controller", |w| {
        w.controller().is_some_and(|c| c != old)
    });
    assert!(
        w.now() - at < 100,
        "closing the session deletes /controller at once"
    );
    assert_eq!(w.controller_epoch(), 2);
    assert!(matches!(
        w.brokers()[&old].process,
        kafkascope::cluster::Process::Stopped { .. }
    ));
}

#[test]
fn a_clean_shutdown_of_another_broker_asks_the_controller_first() {
    let mut w = elected(6, 3);
    let c = w.controller().unwrap();
    let other = (1..=3).find(|id| *id != c).unwrap();
    apply(&mut w, Command::ShutdownBroker { broker: other });
    wait(&mut w, 2_000, "the broker stops", |w| {
        w.broker(other).is_none()
    });
    assert!(logged(
        &w,
        NodeId::Broker(c),
        &format!("broker {other} asked for a controlled shutdown")
    ));
    assert!(logged(
        &w,
        NodeId::Broker(other),
        "controller answered ControlledShutdown: NONE"
    ));
    wait(&mut w, 2_000, "the controller drops it", |w| {
        !w.broker(c)
            .unwrap()
            .role()
            .unwrap()
            .live_brokers()
            .contains(&other)
    });
    assert_eq!(w.controller(), Some(c), "the controller stays");
    assert_eq!(w.controller_epoch(), 1);
}

#[test]
fn a_controller_cut_off_from_zookeeper_loses_its_session_and_rejoins_as_a_broker() {
    let mut w = elected(11, 5);
    let old = w.controller().unwrap();
    apply(&mut w, cut(NodeId::Broker(old), NodeId::Zk));
    wait(&mut w, 3 * SESSION_MS, "a new controller", |w| {
        w.controller().is_some_and(|c| c != old)
    });
    assert_eq!(w.controller_epoch(), 2);
    // Cut off, the old controller cannot know yet: it still acts for epoch 1.
    assert_eq!(w.broker(old).unwrap().role().map(|r| r.epoch()), Some(1));
    apply(&mut w, heal(NodeId::Broker(old), NodeId::Zk));
    wait(
        &mut w,
        2 * SESSION_MS,
        "the old controller resigns and re-registers",
        |w| {
            let b = w.broker(old).unwrap();
            b.role().is_none() && b.is_registered() && b.known_controller() == w.controller()
        },
    );
    assert!(logged(
        &w,
        NodeId::Broker(old),
        "resigned as controller (epoch 1)"
    ));
    assert!(
        logged(&w, NodeId::Broker(old), "SESSIONEXPIRED")
            || logged(&w, NodeId::Zk, "SESSIONEXPIRED")
    );
    assert_eq!(
        w.controller_epoch(),
        2,
        "rejoining does not start another election"
    );
}

#[test]
fn a_stale_controller_is_fenced_by_epoch_when_it_comes_back() {
    // The old controller has an UpdateMetadata stuck towards broker X when it
    // loses ZooKeeper; a new controller takes over at epoch 2 and tells X;
    // when the old one's link to X heals its request arrives with epoch 1 and
    // X refuses it: STALE_CONTROLLER_EPOCH.
    let mut w = elected(21, 5);
    let old = w.controller().unwrap();
    let mut others = (1..=5).filter(|id| *id != old);
    let (x, y) = (others.next().unwrap(), others.next().unwrap());
    apply(&mut w, cut(NodeId::Broker(old), NodeId::Broker(x)));
    apply(&mut w, Command::CrashBroker { broker: y });
    wait(
        &mut w,
        3 * SESSION_MS,
        "the controller notices the crash",
        |w| {
            !w.broker(old)
                .unwrap()
                .role()
                .unwrap()
                .live_brokers()
                .contains(&y)
        },
    );
    apply(&mut w, cut(NodeId::Broker(old), NodeId::Zk));
    wait(&mut w, 3 * SESSION_MS, "a new controller", |w| {
        w.controller().is_some_and(|c| c != old)
    });
    let new = w.controller().unwrap();
    wait(&mut w, 5_000, "x accepts epoch 2", |w| {
        w.broker(x).unwrap().controller_epoch() == 2
    });
    apply(&mut w, heal(NodeId::Broker(old), NodeId::Broker(x)));
    wait(&mut w, 2 * 30_000, "x refuses the stale request", |w| {
        logged(w, NodeId::Broker(x), "STALE_CONTROLLER_EPOCH")
    });
    assert!(logged(
        &w,
        NodeId::Broker(x),
        &format!(
            "refused UpdateMetadata from broker {old}: its controller epoch 1 is older than 2"
        )
    ));
    assert_eq!(w.broker(x).unwrap().controller_epoch(), 2);
    assert_eq!(w.controller(), Some(new));
    assert_no_violation(&w);
}

#[test]
fn a_broker_restarted_before_its_old_session_expires_fails_to_start() {
    let mut w = elected(8, 3);
    let c = w.controller().unwrap();
    let victim = (1..=3).find(|id| *id != c).unwrap();
    apply(&mut w, Command::CrashBroker { broker: victim });
    w.run_until(w.now() + 1_000);
    apply(&mut w, Command::RestartBroker { broker: victim });
    wait(&mut w, 5_000, "the restart fails", |w| {
        w.broker(victim).is_none()
    });
    let kafkascope::cluster::Process::Stopped { reason, .. } = &w.brokers()[&victim].process else {
        panic!("expected a stopped broker");
    };
    assert!(reason.contains("still held by session"), "{reason}");
    wait(&mut w, 3 * SESSION_MS, "the old session expires", |w| {
        !w.zk().tree().exists(&format!("/brokers/ids/{victim}"))
    });
    apply(&mut w, Command::RestartBroker { broker: victim });
    wait(&mut w, 5_000, "the broker registers", |w| {
        w.broker(victim).is_some_and(|b| b.is_registered())
    });
    wait(&mut w, 5_000, "the controller sees it", |w| {
        w.broker(c)
            .unwrap()
            .role()
            .unwrap()
            .live_brokers()
            .contains(&victim)
    });
}

#[test]
fn an_added_broker_registers_and_the_controller_tells_everyone() {
    let mut w = elected(9, 3);
    let c = w.controller().unwrap();
    apply(&mut w, Command::AddBroker { id: None });
    wait(&mut w, 5_000, "broker 4 is known to every broker", |w| {
        (1..=4).all(|id| w.broker(id).unwrap().metadata_brokers() == [1, 2, 3, 4])
    });
    assert!(logged(
        &w,
        NodeId::Broker(c),
        "broker 4 joined /brokers/ids"
    ));
    assert_eq!(w.broker(4).unwrap().known_controller(), Some(c));
    assert_eq!(
        w.controller_epoch(),
        1,
        "a new broker does not trigger an election"
    );
}

#[test]
fn a_one_way_cut_from_broker_to_zookeeper_expires_the_session() {
    let mut w = elected(12, 3);
    let c = w.controller().unwrap();
    let victim = (1..=3).find(|id| *id != c).unwrap();
    apply(
        &mut w,
        Command::CutLink {
            a: NodeId::Broker(victim),
            b: NodeId::Zk,
            direction: kafkascope::sim::Direction::AToB,
        },
    );
    wait(&mut w, 3 * SESSION_MS, "the controller sees it go", |w| {
        logged(w, NodeId::Broker(c), &format!("broker {victim} is gone"))
    });
    assert!(!w.zk().tree().exists(&format!("/brokers/ids/{victim}")));
}

#[test]
fn elections_finish_on_a_lossy_network() {
    for seed in 0..8 {
        let mut cfg = config(5);
        cfg.network.loss_ratio = 0.2;
        let mut w = World::new(seed, cfg).unwrap().with_checks();
        wait(&mut w, 60_000, "a controller everyone knows", settled);
        let old = w.controller().unwrap();
        apply(&mut w, Command::CrashBroker { broker: old });
        wait(&mut w, 120_000, "a new controller everyone knows", |w| {
            settled(w) && w.controller() != Some(old)
        });
    }
}

#[test]
fn repeated_controller_crashes_bump_the_epoch_each_time() {
    let mut w = elected(4, 5);
    for round in 2..=4 {
        let old = w.controller().unwrap();
        apply(&mut w, Command::CrashBroker { broker: old });
        wait(&mut w, 3 * SESSION_MS, "a new controller", |w| {
            w.controller().is_some_and(|c| c != old)
        });
        assert_eq!(w.controller_epoch(), round);
        wait(&mut w, 5_000, "settled", settled);
    }
}

#[test]
fn a_controller_that_cannot_hear_zookeeper_loses_its_session() {
    // ZooKeeper -> controller cut: its pings still arrive, but it hears no
    // answer, gives up on the connection after 2/3 of the session timeout and
    // tries to reconnect; those attempts must not keep the session alive.
    let mut w = elected(13, 3);
    let old = w.controller().unwrap();
    let cut_at = w.now();
    apply(
        &mut w,
        Command::CutLink {
            a: NodeId::Zk,
            b: NodeId::Broker(old),
            direction: kafkascope::sim::Direction::AToB,
        },
    );
    wait(
        &mut w,
        3 * SESSION_MS,
        "the connection is declared lost",
        |w| logged(w, NodeId::Broker(old), "lost its ZooKeeper connection"),
    );
    let lost_at = w
        .log()
        .iter()
        .rev()
        .find(|l| l.text.contains("lost its ZooKeeper connection"))
        .unwrap()
        .at_ms;
    assert!(
        lost_at - cut_at <= SESSION_MS * 2 / 3 + 100,
        "detected after {} ms, the read timeout is {} ms",
        lost_at - cut_at,
        SESSION_MS * 2 / 3
    );
    wait(&mut w, 3 * SESSION_MS, "a new controller", |w| {
        w.controller().is_some_and(|c| c != old)
    });
    assert_eq!(w.controller_epoch(), 2);
    apply(
        &mut w,
        Command::HealLink {
            a: NodeId::Zk,
            b: NodeId::Broker(old),
            direction: kafkascope::sim::Direction::Both,
        },
    );
    wait(
        &mut w,
        2 * SESSION_MS,
        "the old controller resigns and rejoins",
        |w| {
            let b = w.broker(old).unwrap();
            b.role().is_none() && b.is_registered()
        },
    );
}

#[test]
fn controlled_shutdown_retries_then_stops_without_it() {
    let mut w = elected(14, 3);
    let c = w.controller().unwrap();
    let other = (1..=3).find(|id| *id != c).unwrap();
    apply(&mut w, cut(NodeId::Broker(other), NodeId::Broker(c)));
    let at = w.now();
    apply(&mut w, Command::ShutdownBroker { broker: other });
    wait(&mut w, 10 * 30_000, "the broker stops", |w| {
        w.broker(other).is_none()
    });
    let node = NodeId::Broker(other);
    for attempt in 1..=3 {
        assert!(logged(
            &w,
            node,
            &format!("controlled shutdown (try {attempt} of 3)")
        ));
    }
    assert!(logged(
        &w,
        node,
        "controlled shutdown failed 3 times: stopping without it"
    ));
    // Three socket timeouts and two backoffs.
    let took = w.now() - at;
    assert!(
        (3 * 30_000 + 2 * 5_000..3 * 30_000 + 2 * 5_000 + 100).contains(&took),
        "{took} ms"
    );
    wait(&mut w, 5_000, "the controller sees it go", |w| {
        !w.broker(c)
            .unwrap()
            .role()
            .unwrap()
            .live_brokers()
            .contains(&other)
    });
}

#[test]
fn no_stray_sessions_are_left_behind() {
    let mut cfg = config(5);
    cfg.network.loss_ratio = 0.3;
    let mut w = World::new(17, cfg).unwrap().with_checks();
    wait(&mut w, 120_000, "a controller everyone knows", settled);
    w.run_until(w.now() + 3 * SESSION_MS);
    assert_eq!(w.zk().sessions().len(), 5, "one session per broker");
}
