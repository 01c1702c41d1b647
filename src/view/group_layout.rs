//! Consumer groups on the canvas: one box per group, outlined in the
//! group's colour, its header saying the protocol state, generation,
//! assignor, coordinator (with its `__consumer_offsets` partition), lag,
//! and what the rebalance waits for now; inside, one box per consumer:
//! name, member id, leader star, its phase in the group, each partition it
//! reads with position and lag, records consumed and duplicates. Idle
//! members (more members than partitions) are greyed; crashed and closed
//! ones dashed. A line runs from each member to the replica it reads on
//! the partition's leader (dashed for a crashed member the coordinator
//! still counts).

use super::clients::{part_lines, MEMBER_LINE_H};
use super::data::TopicSnap;
use super::geometry::Geometry;
use super::groups::{GroupSnap, Life, MemberSnap, PartSnap};
use super::ink::{clip, text, DIM, GOLD, MUTED, ORANGE, PANEL, RED, TEXT};
use super::shape::{Align, Path, Shape};
use super::{Scene, Snapshot};
use crate::broker::GroupState;
use crate::client::consumer::Phase;
use crate::sim::NodeId;

const STABLE: &str = "#86efac";

/// A member's line to the replica it reads: consumer, topic, partition, broker.
pub type OwnerLine = (i32, String, i32, i32);

/// Kafka's state name and its colour (`Unknown` while no coordinator serves it).
pub fn state_style(state: Option<GroupState>) -> (&'static str, &'static str) {
    match state {
        None => ("Unknown", DIM),
        Some(s) => (
            s.name(),
            match s {
                GroupState::Empty => MUTED,
                GroupState::PreparingRebalance => ORANGE,
                GroupState::CompletingRebalance => GOLD,
                GroupState::Stable => STABLE,
                GroupState::Dead => RED,
            },
        ),
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

fn bold(mut s: Shape) -> Shape {
    if let Shape::Text { bold, .. } = &mut s {
        *bold = true;
    }
    s
}

fn mono(mut s: Shape) -> Shape {
    if let Shape::Text { mono, .. } = &mut s {
        *mono = true;
    }
    s
}

fn right(at: (f32, f32), s: String, size: f32, color: &'static str) -> Shape {
    Shape::Text {
        at,
        text: s,
        size,
        color,
        bold: false,
        mono: false,
        align: Align::Right,
        alpha: 1.0,
    }
}

/// What the group waits for now, in one line.
fn phase_line(g: &GroupSnap) -> String {
    let running: Vec<&MemberSnap> = g.members.iter().filter(|m| m.in_group).collect();
    let leader = g
        .members
        .iter()
        .find(|m| m.leader)
        .map_or("the leader".to_string(), |m| {
            format!("consumer-{}", m.consumer)
        });
    match g.state {
        None => "no coordinator yet: FindCoordinator, then JoinGroup".to_string(),
        Some(GroupState::Empty) => format!(
            "no members; committed offsets stay in __consumer_offsets-{}",
            g.offsets_partition
        ),
        Some(GroupState::PreparingRebalance) => {
            let joined = running.iter().filter(|m| m.awaiting_join).count();
            let mut s = format!("JoinGroup from {joined} of {} members", running.len());
            if let Some(ms) = g.join_left_ms {
                s.push_str(&format!(" · waits for all (at most {})", seconds(ms)));
            }
            if !g.reason.is_empty() {
                s.push_str(&format!(" · {}", g.reason));
            }
            s
        }
        Some(GroupState::CompletingRebalance) => format!(
            "generation {}: waiting for {leader}'s assignment in its SyncGroup",
            g.generation
        ),
        Some(GroupState::Stable) => {
            let parts: usize = g.members.iter().map(|m| m.parts.len()).sum();
            format!(
                "generation {}: {leader} assigned {parts} partition(s) with {}",
                g.generation,
                g.protocol.as_deref().unwrap_or("its assignor")
            )
        }
        Some(GroupState::Dead) => "Dead: its coordinator no longer serves it".to_string(),
    }
}

/// A member's place in the group, in a few words, with its colour.
fn member_status(g: &GroupSnap, m: &MemberSnap) -> (String, &'static str) {
    match m.life {
        Life::Crashed => match m.session_left_ms {
            Some(ms) => (format!("crashed · expires in {}", seconds(ms)), RED),
            None => ("crashed".to_string(), RED),
        },
        Life::Closed => ("closed: left the group".to_string(), DIM),
        Life::Running => match m.phase {
            Phase::Unjoined if m.member_short.is_empty() => ("finding coordinator".into(), MUTED),
            Phase::Unjoined => ("rejoining".into(), ORANGE),
            Phase::CommittingBeforeJoin => ("commit, then rejoin".into(), ORANGE),
            Phase::Joining if m.awaiting_join => ("joined: waits for others".into(), GOLD),
            Phase::Joining => ("JoinGroup sent".into(), ORANGE),
            Phase::Syncing if m.leader => ("leader: SyncGroup sent".into(), GOLD),
            Phase::Syncing => ("waits in SyncGroup".into(), GOLD),
            Phase::Stable
                if g.state == Some(GroupState::PreparingRebalance) && !m.awaiting_join =>
            {
                ("must rejoin (heartbeat)".into(), ORANGE)
            }
            Phase::Stable if m.parts.is_empty() => ("idle: no partitions".into(), DIM),
            Phase::Stable => (
                format!(
                    "{}{} partition{}",
                    if m.leader { "leader · " } else { "" },
                    m.parts.len(),
                    if m.parts.len() == 1 { "" } else { "s" }
                ),
                STABLE,
            ),
            Phase::Closed => ("closed".into(), DIM),
        },
    }
}

fn part_text(p: &PartSnap, topics: &[TopicSnap]) -> String {
    let pos = p.position.map_or("–".to_string(), |o| o.to_string());
    let lag = p.lag.map_or("–".to_string(), |l| l.to_string());
    format!("{}-{} @{pos} lag {lag}", topics[p.topic].name, p.partition)
}

fn draw_member(
    scene: &mut Scene,
    g: &GroupSnap,
    m: &MemberSnap,
    rect: (f32, f32, f32, f32),
    topics: &[TopicSnap],
) {
    let (x, y, w, h) = rect;
    scene.boxes.push((NodeId::Consumer(m.consumer), x, y, w, h));
    let idle = m.life == Life::Running && m.phase == Phase::Stable && m.parts.is_empty();
    let gone = m.life != Life::Running;
    let grey = idle || gone;
    scene.shapes.push(Shape::Rect {
        x,
        y,
        w,
        h,
        radius: 6.0,
        fill: Some(if grey { "#111827" } else { "#0f172a" }),
        stroke: Some(match (m.life, idle) {
            (Life::Crashed, _) => (RED, 1.2),
            (_, true) | (Life::Closed, _) => ("#475569", 1.2),
            _ => (g.color, 1.2),
        }),
        dashed: grey,
    });
    let name = format!("consumer-{}", m.consumer);
    let name_w = name.chars().count() as f32 * 6.9;
    scene.shapes.push(bold(text(
        (x + 6.0, y + 13.0),
        name,
        11.0,
        if grey { DIM } else { TEXT },
    )));
    if m.leader {
        scene
            .shapes
            .push(bold(text((x + 8.0 + name_w, y + 13.5), "★", 11.0, GOLD)));
    }
    if !m.member_short.is_empty() {
        let id = mono(right(
            (x + w - 5.0, y + 12.5),
            m.member_short.clone(),
            8.5,
            DIM,
        ));
        scene.shapes.push(id);
    }
    let (status, color) = member_status(g, m);
    scene.shapes.push(text(
        (x + 6.0, y + 25.0),
        clip(&status, w - 10.0, 9.5),
        9.5,
        color,
    ));
    let lines = part_lines(g);
    for (k, p) in m.parts.iter().enumerate().take(lines) {
        let ly = y + 28.0 + (k as f32 + 1.0) * MEMBER_LINE_H - 2.0;
        let s = if k + 1 == lines && m.parts.len() > lines {
            format!("+{} more", m.parts.len() - k)
        } else {
            part_text(p, topics)
        };
        let color = if gone { DIM } else { topics[p.topic].color };
        scene.shapes.push(mono(text(
            (x + 6.0, ly),
            clip(&s, w - 10.0, 8.0),
            9.0,
            color,
        )));
    }
    let dup = m.duplicates > 0;
    let counters = format!("consumed {} · dup {}", m.consumed, m.duplicates);
    let mut c = text(
        (x + 6.0, y + h - 5.0),
        clip(&counters, w - 10.0, 9.0),
        9.0,
        if dup { ORANGE } else { MUTED },
    );
    if dup {
        c = bold(c);
    }
    scene.shapes.push(c);
}

/// Draws every group's box and header.
pub(super) fn draw_groups(scene: &mut Scene, g: &Geometry, snap: &Snapshot) {
    for (gs, &(x, y, w, h)) in snap.data.groups.iter().zip(&g.groups) {
        if w <= 0.0 {
            continue;
        }
        scene.groups.push((gs.name.clone(), x, y, w, h));
        scene.shapes.push(Shape::Rect {
            x,
            y,
            w,
            h,
            radius: 8.0,
            fill: Some(PANEL),
            stroke: Some((gs.color, 1.5)),
            dashed: gs.state.is_none(),
        });
        let (state, color) = state_style(gs.state);
        let title = format!("group {}", gs.name);
        scene.shapes.push(bold(text(
            (x + 8.0, y + 15.0),
            clip(&title, w - 150.0, 12.5),
            12.5,
            TEXT,
        )));
        let state_at = (x + w - 8.0, y + 15.0);
        scene
            .shapes
            .push(bold(right(state_at, state.to_string(), 10.5, color)));
        let lag = gs.lag.map_or("lag –".to_string(), |l| format!("lag {l}"));
        let lag_w = lag.chars().count() as f32 * 5.6 + 10.0;
        let room = w - 16.0 - lag_w;
        let gen = gs.generation.max(0);
        let p = gs.offsets_partition;
        // The longest form of the second line that fits.
        let forms = match gs.coordinator {
            Some(b) => vec![
                format!("gen {gen} · coordinator broker {b} (__consumer_offsets-{p})"),
                format!("gen {gen} · coordinator broker {b}"),
            ],
            None => vec![
                format!("gen {gen} · no coordinator (__consumer_offsets-{p})"),
                format!("gen {gen} · no coordinator yet"),
            ],
        };
        let fits = |s: &String| s.chars().count() as f32 * 5.0 <= room;
        let line2 = forms.iter().find(|s| fits(s)).unwrap_or(&forms[1]);
        scene.shapes.push(text(
            (x + 8.0, y + 29.0),
            clip(line2, room, 10.0),
            10.0,
            MUTED,
        ));
        let lag_color = match gs.lag {
            Some(0) => STABLE,
            Some(_) => GOLD,
            None => DIM,
        };
        scene
            .shapes
            .push(bold(right((x + w - 8.0, y + 29.0), lag, 10.0, lag_color)));
        let line3 = phase_line(gs);
        scene.shapes.push(text(
            (x + 8.0, y + 43.0),
            clip(&line3, w - 16.0, 10.0),
            10.0,
            color,
        ));
    }
}

/// Draws every member's box inside its group's box.
pub(super) fn draw_members(scene: &mut Scene, g: &Geometry, snap: &Snapshot) {
    for gs in &snap.data.groups {
        for m in &gs.members {
            if let Some(rect) = g.consumers.get(&m.consumer) {
                draw_member(scene, gs, m, *rect, &snap.data.topics);
            }
        }
    }
}

/// Draws each member's lines to the replicas it reads on their leaders.
pub(super) fn draw_owner_lines(scene: &mut Scene, g: &Geometry, snap: &Snapshot) {
    let mut shapes = Vec::new();
    for gs in &snap.data.groups {
        for m in &gs.members {
            let Some(&(x, y, w, _)) = g.consumers.get(&m.consumer) else {
                continue;
            };
            if m.life == Life::Closed || (m.life == Life::Crashed && m.session_left_ms.is_none()) {
                continue;
            }
            let n = m.parts.len() as f32;
            for (k, p) in m.parts.iter().enumerate() {
                let topic = &snap.data.topics[p.topic].name;
                let Some(leader) = p.leader else { continue };
                let Some(end) = scene.replica_bottom(leader, topic, p.partition) else {
                    continue;
                };
                let from = (x + 12.0 + (w - 24.0) * (k as f32 + 0.5) / n, y);
                let ctrl = (from.0, (from.1 + end.1) / 2.0);
                shapes.push(Shape::Stroke {
                    path: Path {
                        from,
                        ctrl: Some(ctrl),
                        to: end,
                    },
                    color: gs.color,
                    width: 1.3,
                    dashed: m.life == Life::Crashed,
                    alpha: if m.life == Life::Crashed { 0.45 } else { 0.75 },
                });
                shapes.push(Shape::Circle {
                    at: end,
                    r: 3.0,
                    fill: Some(gs.color),
                    stroke: None,
                    alpha: 0.9,
                });
                scene
                    .owners
                    .push((m.consumer, topic.clone(), p.partition, leader));
            }
        }
    }
    scene.shapes.extend(shapes);
}
