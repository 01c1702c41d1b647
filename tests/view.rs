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
