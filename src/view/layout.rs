//! Layout: a snapshot and a viewport in, shapes and click targets out. It
//! draws the links (faint for a client's idle links, red and
//! dashed when cut, dashed to a dead broker), then the node boxes, replicas
//! (with the folded `__consumer_offsets`), producers, members' lines to
//! their partitions and the group boxes, then what is on the links.
//! `geometry` decides where things go, `boxes` draws ZooKeeper and the
//! brokers, `data_layout` the replicas and producers, `internal` the
//! offsets topic, `group_layout` the groups, `wire` the messages and link
//! marks.

use super::boxes::{draw_broker, draw_zk};
use super::data_layout;
use super::geometry::place;
use super::group_layout::{draw_groups, draw_members, draw_owner_lines, OwnerLine};
use super::ink::{text, CUT, LINK, MUTED};
use super::internal::draw_internal;
use super::replicas;
use super::shape::{Align, Path, Pt, Shape};
use super::wire::{draw_cut, draw_messages, draw_slow};
use super::Snapshot;
use crate::sim::NodeId;
use serde::Serialize;
use std::collections::BTreeSet;

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
    /// A consumer group's box (outside its members).
    Group {
        /// `group.id`.
        group: String,
    },
    /// The folded `__consumer_offsets` strip of a broker.
    Internal {
        /// The broker.
        broker: i32,
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
    /// The `__consumer_offsets` strips: broker, left, top, width, height.
    pub strips: Vec<(i32, f32, f32, f32, f32)>,
    /// Group boxes: group, left, top, width, height.
    pub groups: Vec<(String, f32, f32, f32, f32)>,
    /// Lines drawn from members to the replicas they read.
    pub owners: Vec<OwnerLine>,
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
        let inside =
            |x: f32, y: f32, w: f32, h: f32| p.0 >= x && p.0 <= x + w && p.1 >= y && p.1 <= y + h;
        for (broker, x, y, w, h) in &self.strips {
            if inside(*x, *y, *w, *h) {
                return Some(HitTarget::Internal { broker: *broker });
            }
        }
        for (node, x, y, w, h) in &self.boxes {
            if inside(*x, *y, *w, *h) {
                return Some(HitTarget::Node { node: *node });
            }
        }
        for (group, x, y, w, h) in &self.groups {
            if inside(*x, *y, *w, *h) {
                return Some(HitTarget::Group {
                    group: group.clone(),
                });
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

    /// Middle of the bottom edge of a replica's cell on a broker.
    pub fn replica_bottom(&self, broker: i32, topic: &str, partition: i32) -> Option<Pt> {
        let t = self.topics.iter().position(|n| n == topic)?;
        self.cells
            .iter()
            .find(|c| c.4 == broker && c.5 == t && c.6 == partition)
            .map(|(x, y, w, h, ..)| (x + w / 2.0, y + h))
    }

    /// Centre of a group's box.
    pub fn group_center(&self, group: &str) -> Option<Pt> {
        self.groups
            .iter()
            .find(|g| g.0 == group)
            .map(|(_, x, y, w, h)| (x + w / 2.0, y + h / 2.0))
    }

    /// Centre of a broker's `__consumer_offsets` strip.
    pub fn strip_center(&self, broker: i32) -> Option<Pt> {
        self.strips
            .iter()
            .find(|s| s.0 == broker)
            .map(|(_, x, y, w, h)| (x + w / 2.0, y + h / 2.0))
    }

    /// Centre of a node's box.
    pub fn center(&self, node: NodeId) -> Option<Pt> {
        self.boxes
            .iter()
            .find(|b| b.0 == node)
            .map(|(_, x, y, w, h)| (x + w / 2.0, y + h / 2.0))
    }
}

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
    // Producers talk to the leaders their metadata names, consumers to their
    // coordinator and the leaders they fetch from: faint links.
    let mut quiet: BTreeSet<(NodeId, NodeId)> = BTreeSet::new();
    for p in snap.data.producers.iter().filter(|p| p.alive) {
        for l in p.leaders.iter().filter(|l| up.contains(l)) {
            let pair = (NodeId::Broker(*l), NodeId::Producer(p.id));
            if !pairs.contains(&pair) {
                quiet.insert(pair);
            }
        }
    }
    for m in snap.data.groups.iter().flat_map(|g| &g.members) {
        for l in m.brokers.iter().filter(|l| up.contains(l)) {
            let pair = (NodeId::Broker(*l), NodeId::Consumer(m.consumer));
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
    let internal_topic = snap.data.topics.iter().position(|t| t.internal);
    for b in &snap.brokers {
        draw_broker(&mut scene, &g, b);
        if let (Some(mode), Some(&(x, y, w, h)), Some(reps)) = (
            g.replicas,
            g.brokers.get(&b.id),
            snap.data.replicas.get(&b.id),
        ) {
            let rect = (x, y, w, h - g.footer);
            replicas::draw_replicas(&mut scene, mode, b.id, rect, reps, &snap.data.topics);
            if let (Some(t), Some(s)) = (internal_topic, snap.data.internal.get(&b.id)) {
                let at = (x, y + h - g.footer, w);
                draw_internal(&mut scene, b.id, at, s, t, snap.data.internal_expanded);
            }
        }
    }
    for p in &snap.data.producers {
        data_layout::draw_producer(&mut scene, &g, p);
    }
    draw_groups(&mut scene, &g, snap);
    draw_owner_lines(&mut scene, &g, snap);
    draw_members(&mut scene, &g, snap);
    let mut labels: Vec<Pt> = Vec::new();
    for (a, b, link) in &snap.slow_links {
        draw_slow(&mut scene, &g, *a, *b, link, &mut labels);
    }
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
