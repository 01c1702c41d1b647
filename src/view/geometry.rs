//! Geometry: where ZooKeeper, the brokers and the clients go for a
//! viewport, and the path of the link between any two nodes. ZooKeeper sits
//! on top with its znode tree; brokers sit in rows below; a broker's
//! ZooKeeper link runs up to the ensemble, broker-to-broker links arc below
//! the row. Once there are topics or producers, `data_layout` places the
//! boxes instead.

use super::data_layout;
use super::shape::{Path, Pt};
use super::{Snapshot, Viewport, ZnodeSnap};
use crate::sim::NodeId;
use std::collections::BTreeMap;

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
    /// Group boxes, in the snapshot's group order.
    pub(super) groups: Vec<(f32, f32, f32, f32)>,
    /// Member boxes by consumer id.
    pub(super) consumers: BTreeMap<i32, (f32, f32, f32, f32)>,
    /// Height kept under every broker's replicas for `__consumer_offsets`.
    pub(super) footer: f32,
    pub(super) compact: bool,
    /// The znode lines shown (folded to fit).
    pub(super) znodes: Vec<ZnodeSnap>,
    pub(super) line_h: f32,
    pub(super) first_line: f32,
    /// How replicas are drawn (data mode only).
    pub(super) replicas: Option<ReplicaMode>,
}

impl Geometry {
    pub(super) fn anchor(&self, node: NodeId) -> Pt {
        match node {
            NodeId::Zk => (self.zk.0 + self.zk.2 / 2.0, self.zk.1 + self.zk.3),
            NodeId::Broker(id) => self
                .brokers
                .get(&id)
                .map_or((0.0, 0.0), |(x, y, w, _)| (x + w / 2.0, *y)),
            NodeId::Producer(id) => data_layout::producer_anchor(self, id, None),
            NodeId::Consumer(id) => data_layout::consumer_anchor(self, id, None),
        }
    }

    /// Path of the link, oriented from `a` to `b`.
    pub(super) fn path(&self, a: NodeId, b: NodeId) -> Path {
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
                from: data_layout::broker_bottom_for(self, b, hi),
                ctrl: None,
                to: data_layout::producer_anchor(self, p, Some(b)),
            },
            (NodeId::Broker(b), NodeId::Consumer(c)) => Path {
                from: data_layout::broker_bottom_for(self, b, hi),
                ctrl: None,
                to: data_layout::consumer_anchor(self, c, Some(b)),
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

pub(super) fn place(snap: &Snapshot, vp: Viewport) -> Geometry {
    if !snap.data.topics.is_empty()
        || !snap.data.producers.is_empty()
        || !snap.data.groups.is_empty()
    {
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
    let brokers = broker_grid(snap, vp.w, per_row, (bw, bh), (gap, row_gap), top);
    Geometry {
        zk,
        brokers,
        producers: BTreeMap::new(),
        groups: Vec::new(),
        consumers: BTreeMap::new(),
        footer: 0.0,
        compact,
        znodes: snap.znodes.clone(),
        line_h: 17.0,
        first_line: 44.0,
        replicas: None,
    }
}

/// The brokers' boxes in rows of `per_row`, each row centred in `width`,
/// the first row's top at `top`: broker id to (left, top, width, height).
pub(super) fn broker_grid(
    snap: &Snapshot,
    width: f32,
    per_row: usize,
    (bw, bh): (f32, f32),
    (gap, row_gap): (f32, f32),
    top: f32,
) -> BTreeMap<i32, (f32, f32, f32, f32)> {
    let n = snap.brokers.len();
    let mut brokers = BTreeMap::new();
    for (i, b) in snap.brokers.iter().enumerate() {
        let (row, col) = (i / per_row, i % per_row);
        let in_row = (n - row * per_row).min(per_row) as f32;
        let row_w = in_row * bw + (in_row - 1.0) * gap;
        let x = (width - row_w) / 2.0 + col as f32 * (bw + gap);
        let y = top + row as f32 * (bh + row_gap);
        brokers.insert(b.id, (x, y, bw, bh));
    }
    brokers
}
