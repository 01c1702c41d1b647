//! What is drawn on the links: a slow or lossy link's marker with its
//! latency and loss (one label where many such links meet), a cut
//! link's red × and label, every message in flight as a dot along its link
//! (hollow for responses), and a red × where a message was dropped.

use super::geometry::Geometry;
use super::ink::{clip, text, CUT, ORANGE, RED};
use super::shape::{Align, Path, Pt, Shape};
use super::{Scene, Snapshot};
use crate::protocol::MsgKind;
use crate::sim::{LinkConfig, NodeId};

/// Marks a link whose latency or loss was raised (a slow follower, a
/// lossy client network) with them, unless the label would sit on one
/// already drawn.
pub(super) fn draw_slow(
    scene: &mut Scene,
    g: &Geometry,
    a: NodeId,
    b: NodeId,
    link: &LinkConfig,
    labels: &mut Vec<Pt>,
) {
    let path = g.path(a, b);
    scene.shapes.push(Shape::Stroke {
        path,
        color: ORANGE,
        width: 2.0,
        dashed: true,
        alpha: 0.8,
    });
    let mid = path.at(0.5);
    let at = (mid.0, mid.1 - 6.0);
    let ms = link.latency_max_ms;
    let label = if link.loss_ratio > 0.0 {
        format!(
            "lossy link · {:.0}% loss, TCP resends · up to {ms} ms",
            link.loss_ratio * 100.0
        )
    } else {
        format!("slow link · up to {ms} ms")
    };
    // Centred labels of about this width must not touch.
    let width = label.chars().count() as f32 * 6.0;
    if labels
        .iter()
        .any(|p| (p.0 - at.0).abs() <= width && (p.1 - at.1).abs() <= 16.0)
    {
        return;
    }
    labels.push(at);
    let mut t = text(at, label, 10.0, ORANGE);
    if let Shape::Text { align, .. } = &mut t {
        *align = Align::Center;
    }
    scene.shapes.push(t);
}

/// Marks a cut link with a red × at its middle and a label, unless the label
/// would sit on one already drawn (an isolated node has many cuts).
pub(super) fn draw_cut(
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

pub(super) fn draw_messages(scene: &mut Scene, g: &Geometry, snap: &Snapshot) {
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
        if label_them && m.kind != MsgKind::Session {
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
