//! Layout: where ZooKeeper, the brokers, the links and the messages go for a
//! viewport, as shapes and click targets. ZooKeeper sits on top with its
//! znode tree; brokers sit in rows below; a broker's ZooKeeper link runs up
//! to the ensemble, broker-to-broker links arc below the row. Once there
//! are topics or producers, `data_layout` places the boxes instead: brokers
//! grow to show their replicas and producers sit in a row at the bottom.

use super::data_layout;
use super::shape::{Align, Path, Pt, Shape};
use super::{BrokerSnap, Snapshot, ZnodeSnap};
use crate::sim::NodeId;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Drawing surface size in CSS pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

/// What a click can land on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HitTarget {
    /// A node box.
    Node {
        /// Which node.
        node: NodeId,
    },
    /// A link between two nodes.
    Link {
        /// One end (the lower id).
        a: NodeId,
        /// Other end.
        b: NodeId,
    },
    /// A partition replica drawn inside a broker.
    Replica {
        /// The broker hosting it.
        broker: i32,
        /// Topic.
        topic: String,
        /// Partition.
        partition: i32,
    },
}

/// A replica's click target: left, top, width, height, broker, topic index, partition.
pub type CellTarget = (f32, f32, f32, f32, i32, usize, i32);

/// Shapes to paint plus what is clickable where.
#[derive(Clone, Debug, Default)]
pub struct Scene {
    /// In paint order.
    pub shapes: Vec<Shape>,
    /// Node boxes: node, left, top, width, height.
    pub boxes: Vec<(NodeId, f32, f32, f32, f32)>,
    /// Drawn links.
    pub links: Vec<(NodeId, NodeId, Path)>,
    /// Replica cells (inside broker boxes).
    pub cells: Vec<CellTarget>,
    /// Topic names, for the cells' topic index.
    pub topics: Vec<String>,
}

impl Scene {
    /// The target under `p`: a node box first, else the nearest link within 7 px.
    pub fn hit(&self, p: Pt) -> Option<HitTarget> {
        for (x, y, w, h, broker, t, partition) in &self.cells {
            if p.0 >= *x && p.0 <= x + w && p.1 >= *y && p.1 <= y + h {
                return Some(HitTarget::Replica {
                    broker: *broker,
                    topic: self.topics.get(*t).cloned().unwrap_or_default(),
                    partition: *partition,
                });
            }
        }
        for (node, x, y, w, h) in &self.boxes {
            if p.0 >= *x && p.0 <= x + w && p.1 >= *y && p.1 <= y + h {
                return Some(HitTarget::Node { node: *node });
            }
        }
        self.links
            .iter()
            .map(|(a, b, path)| (path.distance(p), *a, *b))
            .filter(|(d, _, _)| *d <= 7.0)
            .min_by(|x, y| x.0.total_cmp(&y.0))
            .map(|(_, a, b)| HitTarget::Link { a, b })
    }

    /// Centre of a replica's cell on a broker.
    pub fn replica_center(&self, broker: i32, topic: &str, partition: i32) -> Option<Pt> {
        let t = self.topics.iter().position(|n| n == topic)?;
        self.cells
            .iter()
            .find(|c| c.4 == broker && c.5 == t && c.6 == partition)
            .map(|(x, y, w, h, ..)| (x + w / 2.0, y + h / 2.0))
    }

    /// Centre of a node's box.
    pub fn center(&self, node: NodeId) -> Option<Pt> {
        self.boxes
            .iter()
            .find(|b| b.0 == node)
            .map(|(_, x, y, w, h)| (x + w / 2.0, y + h / 2.0))
    }
}

const TEXT: &str = "#e5e7eb";
const MUTED: &str = "#94a3b8";
const DIM: &str = "#64748b";
const GOLD: &str = "#fbbf24";
const RED: &str = "#f87171";
const ORANGE: &str = "#fb923c";
const TEAL: &str = "#5eead4";
const PANEL: &str = "#1e293b";
const LINK: &str = "#334155";
const CUT: &str = "#ef4444";

pub(super) fn text(at: Pt, s: impl Into<String>, size: f32, color: &'static str) -> Shape {
    Shape::Text {
        at,
        text: s.into(),
        size,
        color,
        bold: false,
        mono: false,
        align: Align::Left,
        alpha: 1.0,
    }
}

/// Shortens `s` with an ellipsis to about `max_px` wide at font `size`
/// (average glyph width about 0.5 em, 0.6 em in monospace; the painter
/// never measures).
pub(super) fn clip(s: &str, max_px: f32, size: f32) -> String {
    clip_em(s, max_px, size, 0.5)
}

fn clip_mono(s: &str, max_px: f32, size: f32) -> String {
    clip_em(s, max_px, size, 0.6)
}

fn clip_em(s: &str, max_px: f32, size: f32, em: f32) -> String {
    let max = ((max_px / (size * em)).floor() as usize).max(1);
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// How replicas are drawn inside broker boxes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum ReplicaMode {
    /// One row per replica: name, log-tail bar, offsets.
    Rows,
    /// Small cells grouped by topic, `pitch` px apart, after a topic label column.
    Cells {
        /// Cell pitch.
        pitch: f32,
        /// Width of the topic label column.
        label_w: f32,
    },
}

/// Where everything goes.
pub(super) struct Geometry {
    pub(super) zk: (f32, f32, f32, f32),
    pub(super) brokers: BTreeMap<i32, (f32, f32, f32, f32)>,
    pub(super) producers: BTreeMap<i32, (f32, f32, f32, f32)>,
    pub(super) compact: bool,
    /// The znode lines shown (folded to fit).
    pub(super) znodes: Vec<ZnodeSnap>,
    pub(super) line_h: f32,
    pub(super) first_line: f32,
    /// How replicas are drawn (data mode only).
    pub(super) replicas: Option<ReplicaMode>,
}

impl Geometry {
    fn anchor(&self, node: NodeId) -> Pt {
        match node {
            NodeId::Zk => (self.zk.0 + self.zk.2 / 2.0, self.zk.1 + self.zk.3),
            NodeId::Broker(id) => self
                .brokers
                .get(&id)
                .map_or((0.0, 0.0), |(x, y, w, _)| (x + w / 2.0, *y)),
            NodeId::Producer(id) => data_layout::producer_anchor(self, id, None),
        }
    }

    /// Path of the link, oriented from `a` to `b`.
    fn path(&self, a: NodeId, b: NodeId) -> Path {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let canonical = match (lo, hi) {
            (NodeId::Zk, NodeId::Broker(id)) => {
                let n = self.brokers.len() as f32;
                let i = self.brokers.keys().position(|k| *k == id).unwrap_or(0) as f32;
                let zx = self.zk.0 + 30.0 + (self.zk.2 - 60.0) * (i + 1.0) / (n + 1.0);
                Path {
                    from: (zx, self.zk.1 + self.zk.3),
                    ctrl: None,
                    to: self.anchor(hi),
                }
            }
            (NodeId::Broker(x), NodeId::Broker(y)) => {
                let bottom = |id: i32| {
                    self.brokers
                        .get(&id)
                        .map_or((0.0, 0.0), |(bx, by, bw, bh)| (bx + bw / 2.0, by + bh))
                };
                let (p, q) = (bottom(x), bottom(y));
                let dist = ((q.0 - p.0).powi(2) + (q.1 - p.1).powi(2)).sqrt();
                let depth = (dist * 0.18 + 18.0).min(70.0);
                Path {
                    from: p,
                    ctrl: Some(((p.0 + q.0) / 2.0, p.1.max(q.1) + depth)),
                    to: q,
                }
            }
            (NodeId::Broker(b), NodeId::Producer(p)) => Path {
                from: data_layout::broker_bottom_for(self, b, p),
                ctrl: None,
                to: data_layout::producer_anchor(self, p, Some(b)),
            },
            _ => Path {
                from: self.anchor(lo),
                ctrl: None,
                to: self.anchor(hi),
            },
        };
        if a == lo {
            canonical
        } else {
            canonical.reversed()
        }
    }
}

fn place(snap: &Snapshot, vp: Viewport) -> Geometry {
    if !snap.data.topics.is_empty() || !snap.data.producers.is_empty() {
        return data_layout::place(snap, vp);
    }
    let margin = 20.0;
    let zk_w = (vp.w - 2.0 * margin).clamp(240.0, 560.0);
    let zk_h = 48.0 + snap.znodes.len() as f32 * 17.0;
    let zk = ((vp.w - zk_w) / 2.0, 14.0, zk_w, zk_h);
    let top = zk.1 + zk_h + 64.0;
    let avail = (vp.h - top - 12.0).max(40.0);
    let n = snap.brokers.len().max(1);
    let gap = 18.0;
    let fit = |bw: f32| (((vp.w - 2.0 * margin + gap) / (bw + gap)).floor() as usize).clamp(1, n);
    let (mut bw, mut bh, mut row_gap) = (160.0f32, 84.0f32, 0.0f32);
    let mut per_row = fit(bw);
    let mut compact = false;
    if per_row < n || bh > avail {
        // Several rows: smaller boxes, and row height shared out of what is left.
        compact = true;
        bw = 126.0;
        per_row = fit(bw);
        let rows = n.div_ceil(per_row) as f32;
        row_gap = if rows > 1.0 { 40.0 } else { 0.0 };
        bh = ((avail - (rows - 1.0) * row_gap) / rows).clamp(40.0, 62.0);
    }
    // Spare height goes above the brokers: longer links, dots easier to follow.
    let rows = n.div_ceil(per_row) as f32;
    let used = rows * bh + (rows - 1.0) * row_gap + 80.0;
    let top = top + ((avail - used) * 0.45).clamp(0.0, 220.0);
    let mut brokers = BTreeMap::new();
    for (i, b) in snap.brokers.iter().enumerate() {
        let (row, col) = (i / per_row, i % per_row);
        let in_row = (n - row * per_row).min(per_row) as f32;
        let row_w = in_row * bw + (in_row - 1.0) * gap;
        let x = (vp.w - row_w) / 2.0 + col as f32 * (bw + gap);
        let y = top + row as f32 * (bh + row_gap);
        brokers.insert(b.id, (x, y, bw, bh));
    }
    Geometry {
        zk,
        brokers,
        producers: BTreeMap::new(),
        compact,
        znodes: snap.znodes.clone(),
        line_h: 17.0,
        first_line: 44.0,
        replicas: None,
    }
}

/// Lays out a snapshot for a viewport.
pub fn layout(snap: &Snapshot, vp: Viewport) -> Scene {
    let g = place(snap, vp);
    let mut scene = Scene {
        topics: snap.data.topics.iter().map(|t| t.name.clone()).collect(),
        ..Scene::default()
    };
    let up: BTreeSet<i32> = snap
        .brokers
        .iter()
        .filter(|b| b.state != "crashed" && b.state != "stopped")
        .map(|b| b.id)
        .collect();
    let cut_pairs: BTreeSet<(NodeId, NodeId)> = snap
        .cuts
        .iter()
        .map(|(a, b)| if a <= b { (*a, *b) } else { (*b, *a) })
        .collect();
    let mut pairs: BTreeSet<(NodeId, NodeId)> = snap
        .brokers
        .iter()
        .map(|b| (NodeId::Zk, NodeId::Broker(b.id)))
        .collect();
    for c in snap.brokers.iter().filter(|b| b.acting_epoch.is_some()) {
        for other in up.iter().filter(|o| **o != c.id) {
            let (a, b) = (NodeId::Broker(c.id), NodeId::Broker(*other));
            pairs.insert(if a <= b { (a, b) } else { (b, a) });
        }
    }
    for m in &snap.messages {
        pairs.insert(if m.from <= m.to {
            (m.from, m.to)
        } else {
            (m.to, m.from)
        });
    }
    pairs.extend(cut_pairs.iter().copied());
    // Producers talk to the leaders their metadata names: faint links.
    let mut quiet: BTreeSet<(NodeId, NodeId)> = BTreeSet::new();
    for p in snap.data.producers.iter().filter(|p| p.alive) {
        for l in p.leaders.iter().filter(|l| up.contains(l)) {
            let pair = (NodeId::Broker(*l), NodeId::Producer(p.id));
            if !pairs.contains(&pair) {
                quiet.insert(pair);
            }
        }
    }
    for (a, b) in &quiet {
        let path = g.path(*a, *b);
        scene.shapes.push(Shape::Stroke {
            path,
            color: LINK,
            width: 1.0,
            dashed: false,
            alpha: 0.45,
        });
        scene.links.push((*a, *b, path));
    }
    for (a, b) in &pairs {
        let path = g.path(*a, *b);
        let cut = cut_pairs.contains(&(*a, *b));
        let dead = [a, b]
            .iter()
            .any(|n| matches!(n, NodeId::Broker(id) if !up.contains(id)));
        scene.shapes.push(Shape::Stroke {
            path,
            color: if cut { CUT } else { LINK },
            width: if cut { 2.0 } else { 1.5 },
            dashed: cut || dead,
            alpha: if dead && !cut { 0.5 } else { 1.0 },
        });
        scene.links.push((*a, *b, path));
    }
    draw_zk(&mut scene, &g, snap);
    for b in &snap.brokers {
        draw_broker(&mut scene, &g, b);
        if let (Some(mode), Some(rect), Some(reps)) = (
            g.replicas,
            g.brokers.get(&b.id),
            snap.data.replicas.get(&b.id),
        ) {
            data_layout::draw_replicas(&mut scene, mode, b.id, *rect, reps, &snap.data.topics);
        }
    }
    for p in &snap.data.producers {
        data_layout::draw_producer(&mut scene, &g, p);
    }
    for (a, b, ms) in &snap.slow_links {
        draw_slow(&mut scene, &g, *a, *b, *ms);
    }
    let mut labels: Vec<Pt> = Vec::new();
    for (a, b) in &cut_pairs {
        draw_cut(&mut scene, &g, *a, *b, snap, &mut labels);
    }
    draw_messages(&mut scene, &g, snap);
    if snap.brokers.is_empty() {
        let mut hint = text(
            (vp.w / 2.0, g.zk.1 + g.zk.3 + 110.0),
            "No brokers yet: press \"+ Broker\" or click here to add one",
            14.0,
            MUTED,
        );
        if let Shape::Text { align, .. } = &mut hint {
            *align = Align::Center;
        }
        scene.shapes.push(hint);
    }
    scene
}

fn draw_zk(scene: &mut Scene, g: &Geometry, snap: &Snapshot) {
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

fn draw_broker(scene: &mut Scene, g: &Geometry, b: &BrokerSnap) {
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
    let (state, color) = match (b.state, b.acting_epoch) {
        ("crashed", _) => ("crashed".to_string(), DIM),
        ("stopped", _) => ("stopped".to_string(), DIM),
        (_, Some(e)) if zombie => (format!("stale controller, epoch {e}"), ORANGE),
        (_, Some(e)) => (format!("controller · epoch {e}"), GOLD),
        ("starting", _) => ("starting…".to_string(), "#38bdf8"),
        ("shutting_down", _) => ("shutting down…".to_string(), ORANGE),
        _ => ("running".to_string(), "#86efac"),
    };
    scene.shapes.push(text(
        (x + 10.0, y + 36.0),
        clip(&state, w - 16.0, 11.5),
        11.5,
        color,
    ));
    let (session, scolor) = match (b.zk, &b.session, &b.lingering_session) {
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
    };
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

/// Marks a link whose latency was raised (a slow follower) with its latency.
fn draw_slow(scene: &mut Scene, g: &Geometry, a: NodeId, b: NodeId, latency_max_ms: u64) {
    let path = g.path(a, b);
    scene.shapes.push(Shape::Stroke {
        path,
        color: ORANGE,
        width: 2.0,
        dashed: true,
        alpha: 0.8,
    });
    let mid = path.at(0.5);
    let mut t = text(
        (mid.0, mid.1 - 6.0),
        format!("slow link · up to {latency_max_ms} ms"),
        10.0,
        ORANGE,
    );
    if let Shape::Text { align, .. } = &mut t {
        *align = Align::Center;
    }
    scene.shapes.push(t);
}

/// Marks a cut link with a red × at its middle and a label, unless the label
/// would sit on one already drawn (an isolated node has many cuts).
fn draw_cut(
    scene: &mut Scene,
    g: &Geometry,
    a: NodeId,
    b: NodeId,
    snap: &Snapshot,
    labels: &mut Vec<Pt>,
) {
    let ab = snap.cuts.contains(&(a, b));
    let ba = snap.cuts.contains(&(b, a));
    let path = g.path(a, b);
    let mid = path.at(0.5);
    scene.shapes.push(Shape::Circle {
        at: mid,
        r: 9.0,
        fill: Some("#450a0a"),
        stroke: Some((CUT, 1.5)),
        alpha: 1.0,
    });
    let mut x = text((mid.0, mid.1 + 4.0), "✕", 11.0, "#fecaca");
    if let Shape::Text { align, .. } = &mut x {
        *align = Align::Center;
    }
    scene.shapes.push(x);
    let label = match (ab, ba) {
        (true, true) => "cut both ways".to_string(),
        (true, false) => format!("{a} → {b} cut"),
        _ => format!("{b} → {a} cut"),
    };
    let at = (mid.0 + 13.0, mid.1 + 4.0);
    if labels
        .iter()
        .all(|p| (p.0 - at.0).abs() > 110.0 || (p.1 - at.1).abs() > 16.0)
    {
        labels.push(at);
        scene.shapes.push(text(at, label, 10.5, RED));
    }
}

fn draw_messages(scene: &mut Scene, g: &Geometry, snap: &Snapshot) {
    let data_mode = g.replicas.is_some();
    let label_them = snap.messages.len() <= if data_mode { 8 } else { 14 };
    for m in &snap.messages {
        let at = g.path(m.from, m.to).at(m.progress);
        let color = m.kind.color();
        scene.shapes.push(Shape::Circle {
            at,
            r: 5.0,
            fill: (!m.response).then_some(color),
            stroke: Some((color, 2.0)),
            alpha: 1.0,
        });
        if label_them && m.kind != crate::protocol::MsgKind::Session {
            scene.shapes.push(Shape::Text {
                at: (at.0 + 8.0, at.1 - 7.0),
                text: clip(&m.label, 190.0, 10.0),
                size: 10.0,
                color,
                bold: false,
                mono: true,
                align: Align::Left,
                alpha: 0.95,
            });
        }
    }
    for d in &snap.drops {
        let at = g.path(d.from, d.to).at(d.reach);
        let s = 5.0;
        for (p, q) in [
            ((at.0 - s, at.1 - s), (at.0 + s, at.1 + s)),
            ((at.0 - s, at.1 + s), (at.0 + s, at.1 - s)),
        ] {
            scene.shapes.push(Shape::Stroke {
                path: Path {
                    from: p,
                    ctrl: None,
                    to: q,
                },
                color: CUT,
                width: 2.5,
                dashed: false,
                alpha: 1.0 - d.age,
            });
        }
    }
}
