//! Where the clients go: producers and consumer groups share a band at the
//! bottom of the canvas, laid out left to right in rows (producers first),
//! each row centred. A group's box holds its members side by side,
//! wrapping to more rows when the band is narrow; a member's height grows
//! with the partitions it lists (at most `MAX_PART_LINES`).

use super::data_layout::PRODUCER_H;
use super::groups::GroupSnap;
use super::Snapshot;
use std::collections::BTreeMap;

/// A box: left, top, width, height.
pub(super) type Rect = (f32, f32, f32, f32);

/// Height of a group box's header (name, state, generation, what happens now).
pub const GROUP_HEAD_H: f32 = 50.0;
/// Line height of a member's partition list.
pub const MEMBER_LINE_H: f32 = 11.5;
/// Most partition lines a member box lists (the rest are counted).
pub const MAX_PART_LINES: usize = 4;
/// Padding inside a group box and gap between its members.
const PAD: f32 = 8.0;
const MEMBER_GAP: f32 = 6.0;
/// Gap between client boxes and between rows.
const GAP: f32 = 14.0;
const ROW_GAP: f32 = 8.0;

/// The clients' boxes.
#[derive(Default)]
pub(super) struct Clients {
    pub(super) producers: BTreeMap<i32, Rect>,
    /// Group boxes, in the snapshot's group order.
    pub(super) groups: Vec<Rect>,
    /// Member boxes by consumer id.
    pub(super) members: BTreeMap<i32, Rect>,
    /// Top of the band (the viewport's bottom when there are no clients).
    pub(super) top: f32,
}

/// Partition lines a group's member boxes have room for.
pub(super) fn part_lines(g: &GroupSnap) -> usize {
    g.members
        .iter()
        .map(|m| m.parts.len())
        .max()
        .unwrap_or(0)
        .clamp(1, MAX_PART_LINES)
}

/// Height of a member box of group `g`.
pub(super) fn member_h(g: &GroupSnap) -> f32 {
    28.0 + part_lines(g) as f32 * MEMBER_LINE_H + 14.0
}

/// Width, height and members per row of a group box.
fn group_size(g: &GroupSnap, member_w: f32, max_w: f32) -> (f32, f32, usize) {
    let n = g.members.len().max(1);
    let fit = ((max_w - 2.0 * PAD + MEMBER_GAP) / (member_w + MEMBER_GAP)).floor() as usize;
    let per_row = fit.clamp(1, n);
    let rows = n.div_ceil(per_row) as f32;
    let w = (per_row as f32 * (member_w + MEMBER_GAP) - MEMBER_GAP + 2.0 * PAD).max(250.0);
    let h = GROUP_HEAD_H + rows * (member_h(g) + MEMBER_GAP) - MEMBER_GAP + PAD;
    (w.min(max_w), h, per_row)
}

enum Item {
    Producer(i32),
    Group(usize, usize),
}

/// Places the producers and groups in rows at the bottom of a `w` x `h` canvas.
pub(super) fn place_clients(snap: &Snapshot, vw: f32, vh: f32, margin: f32) -> Clients {
    let avail = vw - 2.0 * margin;
    let np = snap.data.producers.len();
    let member_w = if avail >= 900.0 { 150.0 } else { 136.0 };
    let mut items: Vec<(Item, f32, f32)> = Vec::new();
    let mut groups_w = 0.0;
    for (i, g) in snap.data.groups.iter().enumerate() {
        let (w, h, per_row) = group_size(g, member_w, avail);
        groups_w += w + GAP;
        items.push((Item::Group(i, per_row), w, h));
    }
    if np > 0 {
        let per_row = (((avail + GAP) / (120.0 + GAP)).floor() as usize).clamp(1, np);
        let mut pw = ((avail - (per_row as f32 - 1.0) * GAP) / per_row as f32).min(210.0);
        // Producers narrow down (to 150 px) to share one row with the groups.
        let over = np as f32 * (pw + GAP) + groups_w - GAP - avail;
        if groups_w > 0.0 && over > 0.0 {
            pw = (pw - over / np as f32).max(150.0f32.min(pw));
        }
        let producers = snap
            .data
            .producers
            .iter()
            .map(|p| (Item::Producer(p.id), pw, PRODUCER_H));
        items.splice(0..0, producers);
    }
    let mut rows: Vec<Vec<(Item, f32, f32)>> = Vec::new();
    let mut used = 0.0;
    for item in items {
        match rows.last_mut() {
            Some(row) if used + GAP + item.1 <= avail => {
                used += GAP + item.1;
                row.push(item);
            }
            _ => {
                used = item.1;
                rows.push(vec![item]);
            }
        }
    }
    let heights: Vec<f32> = rows
        .iter()
        .map(|r| r.iter().map(|i| i.2).fold(0.0, f32::max))
        .collect();
    let total: f32 = heights.iter().map(|h| h + ROW_GAP).sum();
    let mut out = Clients {
        top: vh - 8.0 - total,
        groups: vec![(0.0, 0.0, 0.0, 0.0); snap.data.groups.len()],
        ..Clients::default()
    };
    if rows.is_empty() {
        out.top = vh - 10.0;
        return out;
    }
    let mut y = out.top;
    for (row, rh) in rows.iter().zip(&heights) {
        let row_w: f32 = row.iter().map(|i| i.1).sum::<f32>() + (row.len() as f32 - 1.0) * GAP;
        let mut x = (vw - row_w) / 2.0;
        for (item, w, h) in row {
            let top = y + (rh - h);
            match item {
                Item::Producer(id) => {
                    out.producers.insert(*id, (x, top, *w, *h));
                }
                Item::Group(i, per_row) => {
                    out.groups[*i] = (x, top, *w, *h);
                    let g = &snap.data.groups[*i];
                    let mh = member_h(g);
                    for (k, m) in g.members.iter().enumerate() {
                        let (r, c) = (k / per_row, k % per_row);
                        let mx = x + PAD + c as f32 * (member_w + MEMBER_GAP);
                        let my = top + GROUP_HEAD_H + r as f32 * (mh + MEMBER_GAP);
                        out.members
                            .insert(m.consumer, (mx, my, member_w.min(w - 2.0 * PAD), mh));
                    }
                }
            }
            x += w + GAP;
        }
        y += rh + ROW_GAP;
    }
    out
}
