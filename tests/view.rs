//! The view is pure: snapshot + layout are checked natively. A green test
//! here means the picture has what a learner needs: every broker drawn
//! inside the canvas and clickable, the controller crowned, crashed brokers
//! marked, cuts marked, one dot per message in flight.

mod common;

use common::*;
use kafkascope::sim::{Command, NodeId};
use kafkascope::view::{layout, snapshot, HitTarget, Scene, Shape, Viewport};
use kafkascope::World;

fn scene(w: &World, vp: Viewport) -> Scene {
    layout(&snapshot(w, 0.0), vp)
}

fn texts(s: &Scene) -> Vec<String> {
    s.shapes
        .iter()
        .filter_map(|sh| match sh {
            Shape::Text { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn assert_boxes_fit(s: &Scene, vp: Viewport) {
    for (n, x, y, w, h) in &s.boxes {
        assert!(
            *x >= 0.0 && *y >= 0.0 && x + w <= vp.w && y + h <= vp.h,
            "{n} at ({x},{y},{w},{h}) leaves {vp:?}"
        );
    }
    for (i, a) in s.boxes.iter().enumerate() {
        for b in &s.boxes[i + 1..] {
            let apart =
                a.1 + a.3 <= b.1 || b.1 + b.3 <= a.1 || a.2 + a.4 <= b.2 || b.2 + b.4 <= a.2;
            assert!(apart, "{} overlaps {}", a.0, b.0);
        }
    }
}

const DESKTOP: Viewport = Viewport {
    w: 1280.0,
    h: 800.0,
};

#[test]
fn every_broker_is_drawn_clickable_and_the_controller_is_crowned() {
    let w = elected(1, 5);
    let s = scene(&w, DESKTOP);
    assert_eq!(s.boxes.len(), 6, "ZooKeeper and five brokers");
    assert_boxes_fit(&s, DESKTOP);
    for id in 1..=5 {
        let c = s.center(NodeId::Broker(id)).unwrap();
        assert_eq!(
            s.hit(c),
            Some(HitTarget::Node {
                node: NodeId::Broker(id)
            })
        );
    }
    let crowns = s
        .shapes
        .iter()
        .filter(|sh| matches!(sh, Shape::Poly { .. }))
        .count();
    assert_eq!(crowns, 1);
    let c = w.controller().unwrap();
    let t = texts(&s);
    assert!(t.iter().any(|x| x == "controller · epoch 1"), "{t:?}");
    assert!(t.iter().any(|x| x == "ZooKeeper"));
    assert!(t.iter().any(|x| x == "/controller_epoch"));
    assert!(
        t.iter().any(|x| x == &format!("{{\"brokerid\":{c}}}")),
        "{t:?}"
    );
    assert!(s.hit((2.0, 790.0)).is_none());
}

#[test]
fn links_are_clickable_and_cuts_are_marked() {
    let mut w = elected(2, 3);
    let s = scene(&w, DESKTOP);
    let (a, b, path) = s
        .links
        .iter()
        .find(|(a, b, _)| *a == NodeId::Zk && *b == NodeId::Broker(2))
        .unwrap();
    assert_eq!(s.hit(path.at(0.5)), Some(HitTarget::Link { a: *a, b: *b }));
    apply(&mut w, cut(NodeId::Broker(2), NodeId::Zk));
    let s = scene(&w, DESKTOP);
    assert!(texts(&s).iter().any(|t| t == "cut both ways"));
}

#[test]
fn crashed_brokers_and_absent_znodes_are_shown_as_such() {
    let mut w = elected(3, 3);
    let c = w.controller().unwrap();
    apply(&mut w, Command::CrashBroker { broker: c });
    w.run_until(w.now() + 25_000);
    let s = scene(&w, DESKTOP);
    let t = texts(&s);
    assert!(t.iter().any(|x| x == "crashed"));
    assert!(t.iter().any(|x| x == "controller · epoch 2"), "{t:?}");
    let fresh = World::new(1, config(0)).unwrap();
    let t = texts(&scene(&fresh, DESKTOP));
    assert!(t
        .iter()
        .any(|x| x.contains("absent: brokers race to create it")));
    assert!(t.iter().any(|x| x.contains("No brokers yet")));
}

#[test]
fn each_message_in_flight_is_one_dot() {
    let mut w = World::new(4, config(5)).unwrap();
    w.run_until(3);
    let flying = w.in_flight().len();
    assert!(flying > 0);
    let s = scene(&w, DESKTOP);
    let dots = s
        .shapes
        .iter()
        .filter(|sh| matches!(sh, Shape::Circle { r, .. } if *r == 5.0))
        .count();
    assert_eq!(dots, flying);
}

#[test]
fn thirty_two_brokers_fit_without_overlap() {
    let mut w = World::new(5, config(5)).unwrap();
    for _ in 0..27 {
        apply(&mut w, Command::AddBroker { id: None });
    }
    w.run_until(5_000);
    for vp in [
        DESKTOP,
        Viewport {
            w: 1920.0,
            h: 1080.0,
        },
    ] {
        let s = scene(&w, vp);
        assert_eq!(s.boxes.len(), 33);
        assert_boxes_fit(&s, vp);
    }
}

fn cmd(json: &str) -> Command {
    serde_json::from_str(json).unwrap()
}

/// A world with `brokers` brokers, `topics` topics of `partitions` x RF 3 and
/// `producers` producers, run until every partition has a leader and data.
fn data_world(brokers: u32, topics: &[&str], partitions: u32, producers: usize) -> World {
    let mut w = elected(11, brokers);
    for t in topics {
        apply(
            &mut w,
            cmd(&format!(
                r#"{{"type":"create_topic","name":"{t}","partitions":{partitions},"replication_factor":3}}"#
            )),
        );
    }
    for i in 0..producers {
        let t = topics[i % topics.len()];
        let acks = ["1", "all", "0"][i % 3];
        apply(
            &mut w,
            cmd(&format!(
                r#"{{"type":"add_producer","config":{{"topic":"{t}","acks":"{acks}","rate":200,"key_space":{}, "linger.ms": 50, "batch.size": 2048}}}}"#,
                i * 10
            )),
        );
    }
    w.run_until(w.now() + 3_000);
    w
}

fn cells_of(s: &Scene, broker: i32) -> usize {
    s.cells.iter().filter(|c| c.4 == broker).count()
}

#[test]
fn replicas_are_drawn_inside_their_brokers_and_clickable() {
    let w = data_world(3, &["orders"], 3, 1);
    let s = scene(&w, DESKTOP);
    assert_boxes_fit(&s, DESKTOP);
    assert_eq!(s.cells.len(), 9, "3 partitions x RF 3");
    for id in 1..=3 {
        assert_eq!(cells_of(&s, id), 3);
        let (_, bx, by, bw, bh) = *s.boxes.iter().find(|b| b.0 == NodeId::Broker(id)).unwrap();
        for (x, y, cw, ch, ..) in s.cells.iter().filter(|c| c.4 == id) {
            assert!(*x >= bx && *y >= by && x + cw <= bx + bw && y + ch <= by + bh);
        }
    }
    let c = s.replica_center(2, "orders", 1).unwrap();
    assert_eq!(
        s.hit(c),
        Some(HitTarget::Replica {
            broker: 2,
            topic: "orders".into(),
            partition: 1
        })
    );
    let c = s.center(NodeId::Producer(1)).unwrap();
    assert_eq!(
        s.hit(c),
        Some(HitTarget::Node {
            node: NodeId::Producer(1)
        })
    );
    let t = texts(&s);
    assert!(t.iter().any(|x| x == "producer 1"), "{t:?}");
    assert!(t.iter().any(|x| x.starts_with("LEO ")), "{t:?}");
    // Produce and fetch traffic is drawn on links from the producer and between brokers.
    assert!(s
        .links
        .iter()
        .any(|(a, b, _)| matches!((a, b), (NodeId::Broker(_), NodeId::Producer(1)))));
}

#[test]
fn a_crashed_broker_shows_its_own_checkpointed_high_watermark_not_the_partitions() {
    let mut w = data_world(3, &["orders"], 1, 1);
    let leader = w.partition_reports()[0].leader.unwrap();
    let down = (1..=3).find(|b| *b != leader).unwrap();
    apply(&mut w, Command::CrashBroker { broker: down });
    // Past replica.lag.time.max.ms (30 s): the ISR shrinks, the HW moves on.
    w.run_until(w.now() + 45_000);
    let snap = snapshot(&w, 0.0);
    let reps = |b: i32| {
        snap.data.replicas[&b]
            .iter()
            .find(|r| r.partition == 0)
            .cloned()
            .unwrap()
    };
    let dead = reps(down);
    let tp = kafkascope::topic::TopicPartition::new("orders", 0);
    let disk = w.disk(down).unwrap();
    let checkpoint = disk.restart_hw(&tp);
    assert_eq!(Some(&checkpoint), disk.hw_checkpoint.get(&tp));
    assert_eq!(dead.hw, checkpoint);
    assert!(dead.shown_hw() <= dead.leo, "{dead:?}");
    assert!(
        dead.partition_hw > dead.leo,
        "the partition moved on: {dead:?}"
    );
    assert_eq!(reps(leader).shown_hw(), reps(leader).partition_hw);
    let t = texts(&scene(&w, DESKTOP));
    assert!(
        t.contains(&format!("LEO {} · HW {checkpoint}", dead.leo)),
        "{t:?}"
    );
}

#[test]
fn nine_brokers_three_topics_of_32_partitions_and_six_producers_fit() {
    let w = data_world(9, &["orders", "payments", "clicks"], 32, 6);
    for vp in [
        DESKTOP,
        Viewport { w: 920.0, h: 733.0 },
        Viewport {
            w: 1920.0,
            h: 1080.0,
        },
    ] {
        let s = scene(&w, vp);
        assert_eq!(s.boxes.len(), 1 + 9 + 6, "ZooKeeper, brokers, producers");
        assert_boxes_fit(&s, vp);
        assert_eq!(
            s.cells.len(),
            3 * 32 * 3,
            "every replica has a cell at {vp:?}"
        );
        for (i, a) in s.cells.iter().enumerate() {
            for b in &s.cells[i + 1..] {
                let apart =
                    a.0 + a.2 <= b.0 || b.0 + b.2 <= a.0 || a.1 + a.3 <= b.1 || b.1 + b.3 <= a.1;
                assert!(apart, "cells overlap at {vp:?}: {a:?} {b:?}");
            }
        }
        // The ZooKeeper box is folded: it does not list 96 state znodes.
        let zk = s.boxes.iter().find(|b| b.0 == NodeId::Zk).unwrap();
        assert!(
            zk.4 < vp.h * 0.32,
            "ZooKeeper box {zk:?} too tall for {vp:?}"
        );
    }
}

#[test]
fn an_offline_partition_is_marked_red() {
    let mut w = elected(12, 3);
    apply(
        &mut w,
        cmd(r#"{"type":"create_topic","name":"solo","partitions":1,"replication_factor":1}"#),
    );
    w.run_until(w.now() + 2_000);
    let s = scene(&w, DESKTOP);
    assert_eq!(s.cells.len(), 1);
    let host = s.cells[0].4;
    apply(&mut w, Command::CrashBroker { broker: host });
    w.run_until(w.now() + 40_000);
    let p = &w.partition_reports()[0];
    assert_eq!(p.leader, Some(-1), "{p:?}");
    let s = scene(&w, DESKTOP);
    let red = s.shapes.iter().any(|sh| {
        matches!(
            sh,
            Shape::Rect {
                stroke: Some(("#ef4444", _)),
                ..
            }
        )
    });
    assert!(red, "the offline replica is outlined red");
}

/// `data_world` with "orders" (4 partitions) and `members` consumers in
/// group "g", run until the group is Stable with all of them and has committed.
fn group_world(members: usize) -> World {
    let mut w = data_world(3, &["orders"], 4, 1);
    for _ in 0..members {
        apply(
            &mut w,
            cmd(
                r#"{"type":"add_consumer","config":{"group.id":"g","topics":["orders"],"auto.offset.reset":"earliest","session.timeout.ms":6000,"heartbeat.interval.ms":1000,"auto.commit.interval.ms":1000}}"#,
            ),
        );
    }
    wait(&mut w, 60_000, "group g Stable with its members", |w| {
        w.group_reports()
            .iter()
            .any(|g| g.state == "Stable" && g.members.len() == members && g.committed.len() == 4)
    });
    w
}

#[test]
fn a_group_is_a_box_of_members_with_lines_to_the_leaders_replicas() {
    let w = group_world(3);
    let s = scene(&w, DESKTOP);
    assert_boxes_fit(&s, DESKTOP);
    assert_eq!(s.groups.len(), 1);
    let (_, gx, gy, gw, gh) = s.groups[0].clone();
    for id in 1..=3 {
        let (_, x, y, mw, mh) = *s
            .boxes
            .iter()
            .find(|b| b.0 == NodeId::Consumer(id))
            .unwrap();
        assert!(
            x >= gx && y >= gy && x + mw <= gx + gw && y + mh <= gy + gh,
            "member {id} inside"
        );
        let c = s.center(NodeId::Consumer(id)).unwrap();
        assert_eq!(
            s.hit(c),
            Some(HitTarget::Node {
                node: NodeId::Consumer(id)
            })
        );
    }
    assert_eq!(
        s.hit((gx + 5.0, gy + 5.0)),
        Some(HitTarget::Group { group: "g".into() })
    );
    // Every partition is read by one member, on its leader.
    assert_eq!(s.owners.len(), 4, "{:?}", s.owners);
    for (_, topic, p, broker) in &s.owners {
        let leader = w
            .partition_reports()
            .iter()
            .find(|r| &r.topic == topic && r.partition == *p)
            .unwrap()
            .leader;
        assert_eq!(leader, Some(*broker));
    }
    let t = texts(&s);
    assert!(
        t.iter().any(|x| x == "group g") && t.iter().any(|x| x == "Stable"),
        "{t:?}"
    );
    assert!(t.iter().any(|x| x.starts_with("lag ")), "group lag: {t:?}");
    assert!(
        t.iter()
            .any(|x| x.starts_with("orders-") && x.contains(" lag ")),
        "partition lag: {t:?}"
    );
    assert!(t.iter().any(|x| x == "★"), "the leader is starred");
    assert!(t.iter().any(|x| x == "coordinator of g"), "{t:?}");
    // Consumers talk to brokers: their links are drawn.
    assert!(s
        .links
        .iter()
        .any(|(a, b, _)| matches!((a, b), (NodeId::Broker(_), NodeId::Consumer(_)))));
}

#[test]
fn consumer_offsets_is_folded_to_a_strip_and_can_be_expanded() {
    let w = group_world(1);
    let s = scene(&w, DESKTOP);
    let internal = s
        .topics
        .iter()
        .position(|t| t == "__consumer_offsets")
        .unwrap();
    let coord = w.group_reports()[0].coordinator_partition;
    assert_eq!(s.strips.len(), 3, "one strip per broker");
    for c in s.cells.iter().filter(|c| c.5 == internal) {
        assert_eq!(c.6, coord, "only the group's partition is drawn: {c:?}");
    }
    let (b, x, y, ..) = s.strips[0];
    assert_eq!(
        s.hit((x + 2.0, y + 2.0)),
        Some(HitTarget::Internal { broker: b })
    );
    let opts = kafkascope::view::ViewOptions {
        expand_internal: true,
    };
    let open = layout(&kafkascope::view::snapshot_with(&w, 0.0, opts), DESKTOP);
    let shown = open.cells.iter().filter(|c| c.5 == internal).count();
    assert!(
        shown >= 150,
        "50 partitions x RF 3 drawn when expanded: {shown}"
    );
}

#[test]
fn members_beyond_the_partitions_are_idle_and_a_crash_shows_the_rebalance() {
    let mut w = group_world(5);
    let t = texts(&scene(&w, DESKTOP));
    assert!(t.iter().any(|x| x == "idle: no partitions"), "{t:?}");
    let victim = w
        .consumers()
        .values()
        .find(|c| !c.consumer.assignment().is_empty())
        .unwrap()
        .consumer
        .id();
    apply(&mut w, Command::CrashConsumer { consumer: victim });
    w.run_until(w.now() + 100);
    let t = texts(&scene(&w, DESKTOP));
    assert!(
        t.iter().any(|x| x.starts_with("crashed · expires in")),
        "{t:?}"
    );
    wait(&mut w, 20_000, "the rebalance", |w| {
        w.group_reports()
            .iter()
            .any(|g| g.state == "PreparingRebalance")
    });
    let t = texts(&scene(&w, DESKTOP));
    assert!(t.iter().any(|x| x == "PreparingRebalance"), "{t:?}");
    assert!(t.iter().any(|x| x.starts_with("JoinGroup from ")), "{t:?}");
}
