//! The replicas inside a broker box in data mode. A replica is a row with
//! its log's tail as a bar when there is room, a small cell when crowded:
//! leader solid, follower outlined, out of the ISR orange and dashed,
//! offline red, on a dead broker grey; beside it the log end offset against
//! the partition's high watermark (committed green, beyond the high
//! watermark amber). Each replica's cell is a click target.

use super::data::{ReplicaRole, ReplicaSnap, TopicSnap};
use super::data_layout::{
    BAR_BG, COMMITTED, DOWN, HEADER_H, OFFLINE, OUT_OF_SYNC, ROW_H, UNCOMMITTED,
};
use super::geometry::ReplicaMode;
use super::ink::{clip, text, DIM, MUTED, TEXT};
use super::shape::{Align, Shape};
use super::Scene;

/// Fill and outline of a replica marker.
pub(super) fn role_style(
    role: ReplicaRole,
    color: &'static str,
) -> (Option<&'static str>, (&'static str, f32), bool) {
    match role {
        ReplicaRole::Leader => (Some(color), (color, 1.0), false),
        ReplicaRole::Follower => (Some("#0b1220"), (color, 1.5), false),
        ReplicaRole::OutOfSync => (Some("#1c1008"), (OUT_OF_SYNC, 1.5), true),
        ReplicaRole::Offline => (Some(OFFLINE), (OFFLINE, 1.0), false),
        ReplicaRole::Down => (Some("#111827"), (DOWN, 1.0), true),
    }
}

/// Bar pieces collected by kind, so the painter fills each kind in one go
/// (consecutive rectangles of one colour become one path).
#[derive(Default)]
struct Bars {
    back: Vec<Shape>,
    done: Vec<Shape>,
    beyond: Vec<Shape>,
    ticks: Vec<Shape>,
}

impl Bars {
    fn flush(self, scene: &mut Scene) {
        for part in [self.back, self.done, self.beyond, self.ticks] {
            scene.shapes.extend(part);
        }
    }
}

/// The log-tail bar of a replica: committed part, the part beyond the
/// partition's high watermark, and (when `tick`) the high watermark mark.
fn bar(bars: &mut Bars, r: &ReplicaSnap, (x, y, w, h): (f32, f32, f32, f32), tick: bool) {
    bars.back.push(Shape::Rect {
        x,
        y,
        w,
        h,
        radius: 0.0,
        fill: Some(BAR_BG),
        stroke: None,
        dashed: false,
    });
    let (lo, hi) = r.window;
    let span = (hi - lo).max(1) as f32;
    let at = |o: i64| x + ((o - lo).clamp(0, hi - lo) as f32 / span) * w;
    if r.leo < 0 {
        return;
    }
    let shown = r.shown_hw();
    let hw = if shown >= 0 { shown } else { r.leo };
    let committed = r.leo.min(hw);
    let x1 = at(committed);
    if x1 > x {
        let down = r.role == ReplicaRole::Down;
        let part = if down {
            &mut bars.ticks
        } else {
            &mut bars.done
        };
        part.push(Shape::Rect {
            x,
            y,
            w: x1 - x,
            h,
            radius: 0.0,
            fill: Some(if down { DIM } else { COMMITTED }),
            stroke: None,
            dashed: false,
        });
    }
    if r.leo > hw {
        let x2 = at(r.leo);
        bars.beyond.push(Shape::Rect {
            x: x1,
            y,
            w: (x2 - x1).max(1.0),
            h,
            radius: 0.0,
            fill: Some(UNCOMMITTED),
            stroke: None,
            dashed: false,
        });
    }
    if tick && r.partition_hw >= 0 {
        let hx = at(r.partition_hw);
        bars.ticks.push(Shape::Rect {
            x: hx - 0.75,
            y: y - 2.0,
            w: 1.5,
            h: h + 4.0,
            radius: 0.0,
            fill: Some(TEXT),
            stroke: None,
            dashed: false,
        });
    }
}

fn marker(out: &mut Vec<Shape>, r: &ReplicaSnap, color: &'static str, (x, y, s): (f32, f32, f32)) {
    let (fill, mut stroke, dashed) = role_style(r.role, color);
    if r.offline {
        stroke = (OFFLINE, 1.5);
    }
    out.push(Shape::Rect {
        x,
        y,
        w: s,
        h: s,
        radius: if s >= 10.0 { 2.0 } else { 0.0 },
        fill,
        stroke: Some(stroke),
        dashed,
    });
}

/// Draws the replicas a broker hosts inside its box and records their click targets.
pub(super) fn draw_replicas(
    scene: &mut Scene,
    mode: ReplicaMode,
    broker: i32,
    (x, y, w, h): (f32, f32, f32, f32),
    reps: &[ReplicaSnap],
    topics: &[TopicSnap],
) {
    let (x0, y0, cw) = (x + 7.0, y + HEADER_H, w - 14.0);
    let bottom = y + h - 4.0;
    if reps.is_empty() {
        scene
            .shapes
            .push(text((x0, y0 + 10.0), "no replicas", 10.0, DIM));
        return;
    }
    let mut bars = Bars::default();
    match mode {
        ReplicaMode::Rows => {
            let wide = cw >= 240.0;
            let label_w = (cw * 0.3).min(80.0);
            let text_w = if wide { 110.0 } else { 44.0 };
            for (i, r) in reps.iter().enumerate() {
                let ry = y0 + i as f32 * ROW_H;
                if ry + ROW_H > bottom + 2.0 {
                    break;
                }
                let color = topics[r.topic].color;
                marker(&mut scene.shapes, r, color, (x0, ry + 2.0, 9.0));
                let name = format!("{}-{}", topics[r.topic].name, r.partition);
                let mut t = text(
                    (x0 + 13.0, ry + 10.0),
                    clip(&name, label_w - 14.0, 10.0),
                    10.0,
                    color,
                );
                if let Shape::Text { mono, color: c, .. } = &mut t {
                    *mono = true;
                    if r.role == ReplicaRole::Down {
                        *c = DIM;
                    }
                }
                scene.shapes.push(t);
                let bx = x0 + label_w;
                let bw = (cw - label_w - text_w - 4.0).max(10.0);
                bar(&mut bars, r, (bx, ry + 4.0, bw, 5.0), true);
                let label = match (wide, r.leo >= 0) {
                    (_, false) => "no log".to_string(),
                    (true, true) => format!("LEO {} · HW {}", r.leo, r.shown_hw().max(0)),
                    (false, true) => r.leo.to_string(),
                };
                scene.shapes.push(Shape::Text {
                    at: (x0 + cw, ry + 10.0),
                    text: label,
                    size: 9.5,
                    color: if r.role == ReplicaRole::Down {
                        DIM
                    } else {
                        MUTED
                    },
                    bold: false,
                    mono: true,
                    align: Align::Right,
                    alpha: 1.0,
                });
                scene
                    .cells
                    .push((x0, ry, cw, ROW_H, broker, r.topic, r.partition));
            }
        }
        ReplicaMode::Cells { pitch, label_w } => {
            let per_line = (((cw - label_w) / pitch).floor() as usize).max(1);
            // Markers of one style go out together, then the numbers on them.
            let mut markers: Vec<Shape> = Vec::new();
            let mut numbers: Vec<Shape> = Vec::new();
            let mut line = 0usize;
            let mut i = 0;
            while i < reps.len() {
                let t = reps[i].topic;
                let group: Vec<&ReplicaSnap> =
                    reps[i..].iter().take_while(|r| r.topic == t).collect();
                i += group.len();
                let color = topics[t].color;
                let ly = y0 + line as f32 * (pitch + 3.0);
                if label_w > 0.0 && ly + pitch <= bottom + 2.0 {
                    let mut lt = text(
                        (x0, ly + pitch * 0.5 + 3.5),
                        clip(&topics[t].name, label_w - 4.0, 9.5),
                        9.5,
                        color,
                    );
                    if let Shape::Text { mono, .. } = &mut lt {
                        *mono = true;
                    }
                    scene.shapes.push(lt);
                }
                for (k, r) in group.iter().enumerate() {
                    let (row, col) = (line + k / per_line, k % per_line);
                    let cx = x0 + label_w + col as f32 * pitch;
                    let cy = y0 + row as f32 * (pitch + 3.0);
                    if cy + pitch > bottom + 2.0 {
                        break;
                    }
                    let s = pitch - 2.0;
                    marker(&mut markers, r, color, (cx, cy, s));
                    if pitch >= 16.0 {
                        let dark = matches!(r.role, ReplicaRole::Leader | ReplicaRole::Offline);
                        numbers.push(Shape::Text {
                            at: (cx + s / 2.0, cy + s / 2.0 + 3.0),
                            text: r.partition.to_string(),
                            size: if r.partition >= 100 { 7.0 } else { 8.5 },
                            color: if dark { "#0b1220" } else { color },
                            bold: true,
                            mono: false,
                            align: Align::Center,
                            alpha: 1.0,
                        });
                    }
                    bar(&mut bars, r, (cx, cy + s + 1.0, s, 2.0), false);
                    scene
                        .cells
                        .push((cx, cy, s, s + 3.0, broker, r.topic, r.partition));
                }
                line += group.len().div_ceil(per_line);
            }
            markers.sort_by_key(|m| match m {
                Shape::Rect {
                    fill,
                    stroke,
                    dashed,
                    ..
                } => (*fill, stroke.map(|s| s.0), *dashed),
                _ => (None, None, false),
            });
            scene.shapes.extend(markers);
            scene.shapes.extend(numbers);
        }
    }
    bars.flush(scene);
}
