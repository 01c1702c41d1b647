//! Layout once the cluster holds data: ZooKeeper's box on top (folded to
//! fit), brokers in a grid sized to show every partition replica they host
//! (drawn by `replicas`, with the folded `__consumer_offsets` under them),
//! and the clients at the bottom (placed by `clients`): producers showing
//! their accumulators, with the points their links attach to.

use super::clients::place_clients;
use super::data::{ProducerSnap, ReplicaSnap};
use super::geometry::{broker_grid, Geometry, ReplicaMode};
use super::ink::{clip, text, DIM, MUTED, TEXT};
use super::internal::footer_h;
use super::shape::{Align, Pt, Shape};
use super::Scene;
use super::{znodes, Snapshot};
use crate::protocol::MsgKind;
use crate::sim::NodeId;
use std::collections::BTreeMap;

/// Height of a broker's header (name, state, session) in data mode.
pub const HEADER_H: f32 = 38.0;
/// Height of a producer box.
pub const PRODUCER_H: f32 = 66.0;
/// Height of one replica row in row mode.
pub const ROW_H: f32 = 15.0;
/// Line height of the folded znode list.
pub const ZK_LINE_H: f32 = 15.0;

const PALETTE: [&str; 8] = [
    "#2dd4bf", "#818cf8", "#a3e635", "#38bdf8", "#e879f9", "#facc15", "#f9a8d4", "#94a3b8",
];
pub(super) const OUT_OF_SYNC: &str = "#fb923c";
pub(super) const OFFLINE: &str = "#ef4444";
pub(super) const DOWN: &str = "#475569";
pub(super) const COMMITTED: &str = "#86efac";
pub(super) const UNCOMMITTED: &str = "#fbbf24";
pub(super) const BAR_BG: &str = "#0f172a";

/// Colour of the i-th topic (by name order).
pub fn topic_color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}
/// Lines of replicas a broker needs with `per_line` cells a line, a topic per line group.
fn lines_needed(reps: &[ReplicaSnap], per_line: usize) -> usize {
    let mut by_topic: BTreeMap<usize, usize> = BTreeMap::new();
    for r in reps {
        *by_topic.entry(r.topic).or_default() += 1;
    }
    by_topic.values().map(|c| c.div_ceil(per_line.max(1))).sum()
}

/// The largest replica drawing that fits every broker's replicas in `cw` x `ch`,
/// with the content height it needs.
fn best_mode(snap: &Snapshot, cw: f32, ch: f32) -> Option<(ReplicaMode, f32)> {
    let most = snap.data.replicas.values().map(Vec::len).max().unwrap_or(0);
    if cw >= 170.0 && most as f32 * ROW_H <= ch {
        return Some((ReplicaMode::Rows, most as f32 * ROW_H));
    }
    for pitch in [
        22.0f32, 20.0, 18.0, 16.0, 14.0, 12.0, 11.0, 10.0, 9.0, 8.0, 7.0,
    ] {
        let label_w = if cw >= 130.0 {
            (cw * 0.26).min(54.0)
        } else {
            0.0
        };
        let per_line = ((cw - label_w) / pitch).floor() as usize;
        if per_line < 3 {
            continue;
        }
        let lines = snap
            .data
            .replicas
            .values()
            .map(|r| lines_needed(r, per_line))
            .max()
            .unwrap_or(0);
        let need = lines as f32 * (pitch + 3.0);
        if need <= ch {
            return Some((ReplicaMode::Cells { pitch, label_w }, need));
        }
    }
    None
}

/// Places ZooKeeper, brokers and producers when there are topics or producers.
pub(super) fn place(snap: &Snapshot, vp: super::Viewport) -> Geometry {
    let margin = 16.0;
    let max_lines = (((vp.h * 0.28 - 40.0) / ZK_LINE_H).floor() as usize).clamp(3, 24);
    let folded = znodes::fold(&snap.znodes, max_lines);
    let zk_w = (vp.w - 2.0 * margin).clamp(240.0, 560.0);
    let zk_h = 36.0 + folded.len() as f32 * ZK_LINE_H;
    let zk = ((vp.w - zk_w) / 2.0, 10.0, zk_w, zk_h);

    // Producers and groups: rows at the bottom.
    let clients = place_clients(snap, vp.w, vp.h, margin);
    let bottom = if clients.producers.is_empty() && clients.groups.is_empty() {
        vp.h - 10.0
    } else {
        clients.top - 40.0
    };
    let gap = 14.0;
    // Room for the folded __consumer_offsets under each broker's replicas.
    let footer = snap
        .data
        .internal
        .values()
        .map(|s| footer_h(Some(s)))
        .fold(0.0, f32::max);

    // Brokers: the grid whose replica drawing is largest.
    let area_top = zk.1 + zk_h + 40.0;
    let avail = (bottom - area_top).max(60.0);
    let n = snap.brokers.len().max(1);
    let mut best: Option<(f32, usize, f32, f32, ReplicaMode, f32)> = None;
    for rows in 1..=n {
        let per_row = n.div_ceil(rows);
        let bw = ((vp.w - 2.0 * margin - (per_row as f32 - 1.0) * gap) / per_row as f32).min(300.0);
        if bw < 84.0 && rows < n {
            continue;
        }
        let row_gap = if rows > 1 { 30.0 } else { 0.0 };
        let bh = (avail - (rows as f32 - 1.0) * row_gap) / rows as f32;
        let Some((mode, need)) = best_mode(snap, bw - 14.0, bh - HEADER_H - 6.0 - footer) else {
            continue;
        };
        // Rows beat cells; among equals fewer grid rows win (wider text first).
        let score = match mode {
            ReplicaMode::Rows => 100.0 + if bw >= 254.0 { 1.0 } else { 0.0 } - rows as f32 * 0.01,
            ReplicaMode::Cells { pitch, .. } => pitch - rows as f32 * 0.01,
        };
        if best.as_ref().is_none_or(|b| score > b.0 + 0.01) {
            best = Some((score, per_row, bw, row_gap, mode, need));
        }
    }
    let (per_row, bw, row_gap, mode, need) = match best {
        Some((_, p, w, g, m, need)) => (p, w, g, m, need),
        None => {
            // Nothing fits: the smallest cells, content clipped to the box.
            let per_row = n.div_ceil(2);
            let bw =
                ((vp.w - 2.0 * margin - (per_row as f32 - 1.0) * gap) / per_row as f32).max(60.0);
            (
                per_row,
                bw,
                30.0,
                ReplicaMode::Cells {
                    pitch: 7.0,
                    label_w: 0.0,
                },
                0.0,
            )
        }
    };
    let rows = n.div_ceil(per_row) as f32;
    let bh_max = (avail - (rows - 1.0) * row_gap) / rows;
    let bh = (HEADER_H + need + 8.0 + footer)
        .max(56.0)
        .min(bh_max.max(40.0));
    let used = rows * bh + (rows - 1.0) * row_gap;
    let top = area_top + ((avail - used) * 0.4).clamp(0.0, 160.0);
    let brokers = broker_grid(snap, vp.w, per_row, (bw, bh), (gap, row_gap), top);
    Geometry {
        zk,
        brokers,
        producers: clients.producers,
        groups: clients.groups,
        consumers: clients.members,
        footer,
        compact: true,
        znodes: folded,
        line_h: ZK_LINE_H,
        first_line: 40.0,
        replicas: Some(mode),
    }
}

/// Draws a producer: settings, counters and its accumulator's batches.
pub(super) fn draw_producer(scene: &mut Scene, g: &Geometry, p: &ProducerSnap) {
    let Some(&(x, y, w, h)) = g.producers.get(&p.id) else {
        return;
    };
    let node = NodeId::Producer(p.id);
    scene.boxes.push((node, x, y, w, h));
    let pink = MsgKind::Produce.color();
    scene.shapes.push(Shape::Rect {
        x,
        y,
        w,
        h,
        radius: 8.0,
        fill: Some(if p.alive { "#1e293b" } else { "#111827" }),
        stroke: Some((if p.alive { "#9d4d78" } else { "#374151" }, 1.5)),
        dashed: !p.alive,
    });
    let mut title = text(
        (x + 8.0, y + 15.0),
        format!("producer {}", p.id),
        12.5,
        if p.alive { TEXT } else { DIM },
    );
    if let Shape::Text { bold, .. } = &mut title {
        *bold = true;
    }
    scene.shapes.push(title);
    let acks_color = match p.acks {
        "0" => OUT_OF_SYNC,
        "1" => UNCOMMITTED,
        _ => COMMITTED,
    };
    let acks = format!("acks={}", p.acks);
    let title_w = format!("producer {}", p.id).chars().count() as f32 * 7.3 + 16.0;
    let acks_w = acks.chars().count() as f32 * 6.0;
    let size = if title_w + acks_w + 6.0 <= w {
        10.0
    } else {
        8.5
    };
    scene.shapes.push(Shape::Text {
        at: (x + w - 6.0, y + 15.0),
        text: acks,
        size,
        color: if p.alive { acks_color } else { DIM },
        bold: true,
        mono: true,
        align: Align::Right,
        alpha: 1.0,
    });
    let keys = if p.key_space > 0 {
        format!("{} keys", p.key_space)
    } else {
        "no keys".to_string()
    };
    let rate = if p.rate >= 10.0 {
        format!("{:.0}", p.rate)
    } else {
        format!("{}", p.rate)
    };
    scene.shapes.push(text(
        (x + 8.0, y + 29.0),
        clip(&format!("{} · {rate}/s · {keys}", p.topic), w - 16.0, 10.0),
        10.0,
        MUTED,
    ));
    let (line, color) = if p.alive {
        (
            format!("acked {} of {} · failed {}", p.acked, p.sent, p.failed),
            if p.failed > 0 { OUT_OF_SYNC } else { DIM },
        )
    } else {
        (
            format!("crashed · {} buffered records lost", p.lost_in_buffer),
            OFFLINE,
        )
    };
    scene.shapes.push(text(
        (x + 8.0, y + 43.0),
        clip(&line, w - 16.0, 10.0),
        10.0,
        color,
    ));
    // The accumulator: one bucket per batch, filled against batch.size.
    let (mut bx, by, bh) = (x + 8.0, y + 48.0, 13.0);
    let right = x + w - 8.0;
    for (shown, q) in p.queues.iter().enumerate() {
        let need = q.batches.len() as f32 * 8.0;
        if bx + need > right - 18.0 {
            scene.shapes.push(text(
                (bx, by + 10.0),
                format!("+{}", p.queues.len() - shown),
                9.5,
                MUTED,
            ));
            break;
        }
        for b in &q.batches {
            scene.shapes.push(Shape::Rect {
                x: bx,
                y: by,
                w: 7.0,
                h: bh,
                radius: 0.0,
                fill: Some(BAR_BG),
                stroke: Some((if b.retrying { OUT_OF_SYNC } else { "#64748b" }, 1.0)),
                dashed: false,
            });
            let fh = (bh * b.fill).max(1.0);
            scene.shapes.push(Shape::Rect {
                x: bx,
                y: by + bh - fh,
                w: 7.0,
                h: fh,
                radius: 0.0,
                fill: Some(pink),
                stroke: None,
                dashed: false,
            });
            bx += 8.0;
        }
        bx += 4.0;
    }
    if p.queues.is_empty() && p.alive {
        scene
            .shapes
            .push(text((x + 8.0, by + 10.0), "accumulator empty", 9.5, DIM));
    }
}

/// Anchor of a producer's links: its top edge, spread by broker.
pub(super) fn producer_anchor(g: &Geometry, id: i32, broker: Option<i32>) -> Pt {
    let Some(&(x, y, w, _)) = g.producers.get(&id) else {
        return (0.0, 0.0);
    };
    match broker.and_then(|b| g.brokers.keys().position(|k| *k == b)) {
        Some(i) => {
            let n = g.brokers.len() as f32;
            (x + 10.0 + (w - 20.0) * (i as f32 + 0.5) / n, y)
        }
        None => (x + w / 2.0, y),
    }
}

/// Anchor of a broker's client links: its bottom edge, spread by client
/// (producers, then consumers).
pub(super) fn broker_bottom_for(g: &Geometry, broker: i32, client: NodeId) -> Pt {
    let Some(&(x, y, w, h)) = g.brokers.get(&broker) else {
        return (0.0, 0.0);
    };
    let n = (g.producers.len() + g.consumers.len()).max(1) as f32;
    let i = match client {
        NodeId::Producer(id) => g.producers.keys().position(|k| *k == id),
        NodeId::Consumer(id) => g
            .consumers
            .keys()
            .position(|k| *k == id)
            .map(|i| i + g.producers.len()),
        _ => None,
    }
    .unwrap_or(0) as f32;
    (x + 12.0 + (w - 24.0) * (i + 0.5) / n, y + h)
}

/// Anchor of a consumer's links: its member box's top edge, spread by broker.
pub(super) fn consumer_anchor(g: &Geometry, id: i32, broker: Option<i32>) -> Pt {
    let Some(&(x, y, w, _)) = g.consumers.get(&id) else {
        return (0.0, 0.0);
    };
    match broker.and_then(|b| g.brokers.keys().position(|k| *k == b)) {
        Some(i) => {
            let n = g.brokers.len() as f32;
            (x + 10.0 + (w - 20.0) * (i as f32 + 0.5) / n, y)
        }
        None => (x + w / 2.0, y),
    }
}
