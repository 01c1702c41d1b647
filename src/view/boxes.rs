//! The node boxes: ZooKeeper with its znode tree (persistent nodes white,
//! ephemeral ones teal with their owner, watcher counts), and the brokers
//! (controller crowned in gold, a stale controller in rust, dead ones grey
//! and dashed) with their state and ZooKeeper session.

use super::geometry::Geometry;
use super::ink::{clip, clip_mono, text, DIM, GOLD, MUTED, ORANGE, PANEL, RED, TEAL, TEXT};
use super::shape::{Align, Shape};
use super::{BrokerSnap, Scene, Snapshot, ZnodeSnap};
use crate::sim::NodeId;

pub(super) fn draw_zk(scene: &mut Scene, g: &Geometry, snap: &Snapshot) {
    let (x, y, w, h) = g.zk;
    scene.boxes.push((NodeId::Zk, x, y, w, h));
    scene.shapes.push(Shape::Rect {
        x,
        y,
        w,
        h,
        radius: 10.0,
        fill: Some(PANEL),
        stroke: Some(("#64748b", 1.5)),
        dashed: false,
    });
    let mut title = text((x + 14.0, y + 22.0), "ZooKeeper", 15.0, TEXT);
    if let Shape::Text { bold, .. } = &mut title {
        *bold = true;
    }
    scene.shapes.push(title);
    let info = format!(
        "tickTime {} ms · {} sessions",
        snap.tick_time_ms, snap.sessions
    );
    scene.shapes.push(Shape::Text {
        at: (x + w - 14.0, y + 22.0),
        text: info,
        size: 11.0,
        color: MUTED,
        bold: false,
        mono: false,
        align: Align::Right,
        alpha: 1.0,
    });
    for (i, z) in g.znodes.iter().enumerate() {
        draw_znode(scene, x, y + g.first_line + i as f32 * g.line_h, w, z);
    }
}

fn draw_znode(scene: &mut Scene, x: f32, y: f32, w: f32, z: &ZnodeSnap) {
    let name = match (&z.label, z.path.rfind('/')) {
        (Some(l), _) => l.as_str(),
        (None, Some(i)) => &z.path[i..],
        (None, None) => z.path.as_str(),
    };
    let nx = x + 16.0 + z.depth as f32 * 16.0;
    let color = if z.absent {
        DIM
    } else if z.owner.is_some() {
        TEAL
    } else {
        TEXT
    };
    scene.shapes.push(Shape::Text {
        at: (nx, y),
        text: name.to_string(),
        size: 12.0,
        color,
        bold: false,
        mono: true,
        align: Align::Left,
        alpha: 1.0,
    });
    let dx = (nx + name.chars().count() as f32 * 7.4 + 12.0).max(x + w * 0.34);
    let mut right = Vec::new();
    if let Some(owner) = &z.owner {
        right.push(format!("ephemeral {owner}"));
    }
    if z.watchers > 0 {
        right.push(format!("{} watching", z.watchers));
    }
    let right = right.join(" · ");
    let right_w = right.chars().count() as f32 * 6.2;
    let data = if z.absent && z.path == "/controller" {
        "absent: brokers race to create it".to_string()
    } else if z.absent {
        "absent: the first candidate creates it at 0".to_string()
    } else {
        z.data.clone()
    };
    let data = clip_mono(&data, x + w - 18.0 - right_w - dx, 11.5);
    scene.shapes.push(Shape::Text {
        at: (dx, y),
        text: data,
        size: 11.5,
        color: if z.absent { DIM } else { MUTED },
        bold: false,
        mono: true,
        align: Align::Left,
        alpha: 1.0,
    });
    if !right.is_empty() {
        scene.shapes.push(Shape::Text {
            at: (x + w - 14.0, y),
            text: right,
            size: 10.5,
            color: DIM,
            bold: false,
            mono: false,
            align: Align::Right,
            alpha: 1.0,
        });
    }
}

pub(super) fn draw_broker(scene: &mut Scene, g: &Geometry, b: &BrokerSnap) {
    let Some(&(x, y, w, h)) = g.brokers.get(&b.id) else {
        return;
    };
    let node = NodeId::Broker(b.id);
    scene.boxes.push((node, x, y, w, h));
    let down = b.state == "crashed" || b.state == "stopped";
    let zombie = b.acting_epoch.is_some() && !b.is_controller;
    let (stroke, width) = if b.is_controller {
        (GOLD, 2.5)
    } else if zombie {
        (ORANGE, 2.0)
    } else if down {
        ("#374151", 1.5)
    } else if b.zk == "disconnected" {
        (RED, 2.0)
    } else {
        ("#475569", 1.5)
    };
    scene.shapes.push(Shape::Rect {
        x,
        y,
        w,
        h,
        radius: 8.0,
        fill: Some(if down { "#111827" } else { PANEL }),
        stroke: Some((stroke, width)),
        dashed: down || b.state == "starting" || b.state == "shutting_down",
    });
    if b.acting_epoch.is_some() {
        let (cx, top) = (x + w / 2.0, y - 4.0);
        let crown = vec![
            (cx - 14.0, top),
            (cx - 14.0, top - 13.0),
            (cx - 7.0, top - 6.0),
            (cx, top - 16.0),
            (cx + 7.0, top - 6.0),
            (cx + 14.0, top - 13.0),
            (cx + 14.0, top),
        ];
        scene.shapes.push(Shape::Poly {
            points: crown,
            fill: if zombie { "#7c2d12" } else { GOLD },
            stroke: Some((if zombie { ORANGE } else { "#b45309" }, 1.0)),
        });
    }
    if g.replicas.is_some() {
        draw_broker_header(scene, b, (x, y, w), down, zombie);
        return;
    }
    let mut title = text((x + 10.0, y + 19.0), format!("broker {}", b.id), 13.5, TEXT);
    if let Shape::Text { bold, color, .. } = &mut title {
        *bold = true;
        if down {
            *color = DIM;
        }
    }
    scene.shapes.push(title);
    let (state, color) = state_text(b, zombie);
    scene.shapes.push(text(
        (x + 10.0, y + 36.0),
        clip(&state, w - 16.0, 11.5),
        11.5,
        color,
    ));
    let (session, scolor) = session_text(b);
    if h >= 56.0 {
        scene.shapes.push(text(
            (x + 10.0, y + 52.0),
            clip(&session, w - 16.0, 10.5),
            10.5,
            scolor,
        ));
    }
    if !g.compact && !down {
        let known = match b.known_controller {
            Some(c) => format!("sees controller {c}, epoch {}", b.accepted_epoch),
            None => "sees no controller".to_string(),
        };
        scene.shapes.push(text(
            (x + 10.0, y + 70.0),
            clip(&known, w - 16.0, 10.5),
            10.5,
            DIM,
        ));
    }
}

fn state_text(b: &BrokerSnap, zombie: bool) -> (String, &'static str) {
    match (b.state, b.acting_epoch) {
        ("crashed", _) => ("crashed".to_string(), DIM),
        ("stopped", _) => ("stopped".to_string(), DIM),
        (_, Some(e)) if zombie => (format!("stale controller, epoch {e}"), ORANGE),
        (_, Some(e)) => (format!("controller · epoch {e}"), GOLD),
        ("starting", _) => ("starting…".to_string(), "#38bdf8"),
        ("shutting_down", _) => ("shutting down…".to_string(), ORANGE),
        _ => ("running".to_string(), "#86efac"),
    }
}

fn session_text(b: &BrokerSnap) -> (String, &'static str) {
    match (b.zk, &b.session, &b.lingering_session) {
        ("connected", Some(s), _) => (format!("ZK session {s}"), MUTED),
        ("disconnected", Some(s), _) => (format!("ZK lost · {s}"), RED),
        ("connecting", _, _) => ("connecting to ZK".to_string(), MUTED),
        (_, _, Some((s, left))) => (
            format!("{s} lives on: expires in {:.1} s", *left as f64 / 1000.0),
            ORANGE,
        ),
        _ => (
            b.reason
                .clone()
                .map_or_else(|| "no ZK session".to_string(), |r| format!("exited: {r}")),
            DIM,
        ),
    }
}

/// The two header lines of a broker box in data mode: name and state, then its session.
fn draw_broker_header(
    scene: &mut Scene,
    b: &BrokerSnap,
    (x, y, w): (f32, f32, f32),
    down: bool,
    zombie: bool,
) {
    let name = format!("broker {}", b.id);
    let name_w = name.chars().count() as f32 * 7.2 + 14.0;
    let mut title = text(
        (x + 8.0, y + 15.0),
        name,
        12.5,
        if down { DIM } else { TEXT },
    );
    if let Shape::Text { bold, .. } = &mut title {
        *bold = true;
    }
    scene.shapes.push(title);
    let (state, color) = state_text(b, zombie);
    let room = w - 16.0 - name_w;
    let (line2, color2) = if room >= 60.0 {
        scene.shapes.push(Shape::Text {
            at: (x + w - 8.0, y + 15.0),
            text: clip(&state, room, 10.5),
            size: 10.5,
            color,
            bold: false,
            mono: false,
            align: Align::Right,
            alpha: 1.0,
        });
        session_text(b)
    } else if b.state == "running" && b.acting_epoch.is_none() {
        // Narrow box: the session alone (a running broker needs no word).
        let (s, c) = session_text(b);
        (s.replace("ZK session ", "ZK "), c)
    } else {
        (state, color)
    };
    scene.shapes.push(text(
        (x + 8.0, y + 29.0),
        clip(&line2, w - 16.0, 10.0),
        10.0,
        color2,
    ));
}
