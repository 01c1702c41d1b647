//! Kafka's internal topic `__consumer_offsets` (50 partitions x RF 3 by
//! default) folded so it does not drown the user's topics: per broker a
//! strip counting the partitions it leads and follows (click: every
//! partition drawn as a cell, or folded again), and one row per partition
//! that holds a group, marked with the group's name; on the broker leading
//! it, "coordinator of G" (or "loading" while it reads the partition back).
//! Those rows are replica targets, so the storage inspector still opens
//! their folders.

use super::data::{ReplicaRole, ReplicaSnap, TopicSnap, INTERNAL_COLOR};
use super::groups::GroupSnap;
use super::ink::{clip, clip_mono, text, DIM, GOLD, LINK, MUTED, ORANGE};
use super::replicas::role_style;
use super::shape::{Align, Path, Shape};
use super::Scene;
use crate::broker::LoadState;
use crate::cluster::World;
use std::collections::BTreeMap;

/// Height of the strip line.
pub const STRIP_H: f32 = 15.0;
/// Height of a row of a partition that holds a group.
pub const COORD_ROW_H: f32 = 13.0;

/// A `__consumer_offsets` partition that holds groups, on one broker.
#[derive(Clone, Debug, PartialEq)]
pub struct CoordRow {
    /// The replica.
    pub replica: ReplicaSnap,
    /// Groups stored in it.
    pub groups: Vec<String>,
    /// This broker leads it and has loaded it: it coordinates the groups.
    pub coordinator: bool,
    /// This broker leads it and is reading it back.
    pub loading: bool,
}

/// `__consumer_offsets` on one broker.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InternalSnap {
    /// Partitions it leads.
    pub leaders: usize,
    /// Partitions it follows in the ISR.
    pub followers: usize,
    /// Out of sync, offline, or on a broker that is down.
    pub other: usize,
    /// The partitions holding a group, by partition.
    pub rows: Vec<CoordRow>,
}

/// Height of a broker's `__consumer_offsets` footer (0 without the topic).
pub(super) fn footer_h(s: Option<&InternalSnap>) -> f32 {
    s.map_or(0.0, |s| STRIP_H + s.rows.len() as f32 * COORD_ROW_H + 2.0)
}

/// Moves the `__consumer_offsets` replicas out of the brokers' lists
/// (unless `expand`) into per-broker counts and group rows.
pub(super) fn fold_internal(
    world: &World,
    topics: &[TopicSnap],
    groups: &[GroupSnap],
    replicas: &mut BTreeMap<i32, Vec<ReplicaSnap>>,
    expand: bool,
) -> BTreeMap<i32, InternalSnap> {
    let mut out = BTreeMap::new();
    let Some(t) = topics.iter().position(|t| t.internal) else {
        return out;
    };
    let mut held: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    for g in groups {
        held.entry(g.offsets_partition)
            .or_default()
            .push(g.name.clone());
    }
    for (broker, list) in replicas.iter_mut() {
        let mut s = InternalSnap::default();
        let load = world.broker(*broker).map(|b| b.coordinator().partitions());
        for r in list.iter().filter(|r| r.topic == t) {
            match r.role {
                ReplicaRole::Leader => s.leaders += 1,
                ReplicaRole::Follower => s.followers += 1,
                _ => s.other += 1,
            }
            if let Some(names) = held.get(&r.partition) {
                let state = load.and_then(|l| l.get(&r.partition));
                let leads = r.role == ReplicaRole::Leader;
                s.rows.push(CoordRow {
                    replica: r.clone(),
                    groups: names.clone(),
                    coordinator: leads && matches!(state, Some(LoadState::Loaded { .. })),
                    loading: leads && matches!(state, Some(LoadState::Loading { .. })),
                });
            }
        }
        if !expand {
            list.retain(|r| r.topic != t);
        }
        if s.leaders + s.followers + s.other > 0 {
            out.insert(*broker, s);
        }
    }
    out
}

/// Draws a broker's footer: the strip and the group rows, with their targets.
pub(super) fn draw_internal(
    scene: &mut Scene,
    broker: i32,
    (x, y, w): (f32, f32, f32),
    s: &InternalSnap,
    topic: usize,
    expanded: bool,
) {
    let (x0, cw) = (x + 7.0, w - 14.0);
    scene.shapes.push(Shape::Stroke {
        path: Path {
            from: (x0, y + 1.0),
            ctrl: None,
            to: (x0 + cw, y + 1.0),
        },
        color: LINK,
        width: 1.0,
        dashed: false,
        alpha: 1.0,
    });
    let hint = if expanded { "▾ fold" } else { "▸ all" };
    let counts = if cw >= 200.0 {
        format!(
            "__consumer_offsets · {} leader · {} follower",
            s.leaders, s.followers
        )
    } else {
        format!("offsets {}L {}F", s.leaders, s.followers)
    };
    let counts = match s.other {
        0 => counts,
        n => format!("{counts} · {n} other"),
    };
    let mut t = text(
        (x0, y + 12.0),
        clip_mono(&counts, cw - 36.0, 9.5),
        9.5,
        INTERNAL_COLOR,
    );
    if let Shape::Text { mono, .. } = &mut t {
        *mono = true;
    }
    scene.shapes.push(t);
    scene.shapes.push(Shape::Text {
        at: (x0 + cw, y + 12.0),
        text: hint.to_string(),
        size: 9.5,
        color: MUTED,
        bold: false,
        mono: false,
        align: Align::Right,
        alpha: 1.0,
    });
    scene.strips.push((broker, x0, y, cw, STRIP_H));
    let wide = cw >= 215.0;
    for (i, row) in s.rows.iter().enumerate() {
        let ry = y + STRIP_H + i as f32 * COORD_ROW_H;
        let r = &row.replica;
        let (fill, stroke, dashed) = role_style(r.role, INTERNAL_COLOR);
        let stroke = if row.coordinator { (GOLD, 1.5) } else { stroke };
        scene.shapes.push(Shape::Rect {
            x: x0,
            y: ry + 2.0,
            w: 8.0,
            h: 8.0,
            radius: 0.0,
            fill,
            stroke: Some(stroke),
            dashed,
        });
        let name = if wide {
            format!("__consumer_offsets-{}", r.partition)
        } else {
            format!("p{}", r.partition)
        };
        let name_w = name.chars().count() as f32 * 5.7 + 6.0;
        let mut label = text((x0 + 12.0, ry + 10.0), name, 9.5, INTERNAL_COLOR);
        if let Shape::Text { mono, .. } = &mut label {
            *mono = true;
        }
        scene.shapes.push(label);
        let groups = row.groups.join(", ");
        let (badge, color) = if row.coordinator {
            (format!("coordinator of {groups}"), GOLD)
        } else if row.loading {
            (format!("loading {groups}…"), ORANGE)
        } else if r.role == ReplicaRole::Leader {
            (format!("leader · {groups}"), MUTED)
        } else {
            (format!("replica · {groups}"), DIM)
        };
        let bx = x0 + 12.0 + name_w;
        let mut b = text((bx, ry + 10.0), clip(&badge, x0 + cw - bx, 9.5), 9.5, color);
        if let Shape::Text { bold, .. } = &mut b {
            *bold = row.coordinator;
        }
        scene.shapes.push(b);
        scene
            .cells
            .push((x0, ry, cw, COORD_ROW_H, broker, topic, r.partition));
    }
}
