//! Ink: the canvas colours the cluster drawing shares, and text shapes
//! clipped to a width (the painter never measures, so widths are estimated
//! from the font size).

use super::shape::{Align, Pt, Shape};

pub(super) const TEXT: &str = "#e5e7eb";
pub(super) const MUTED: &str = "#94a3b8";
pub(super) const DIM: &str = "#64748b";
pub(super) const GOLD: &str = "#fbbf24";
pub(super) const RED: &str = "#f87171";
pub(super) const ORANGE: &str = "#fb923c";
pub(super) const TEAL: &str = "#5eead4";
pub(super) const PANEL: &str = "#1e293b";
pub(super) const LINK: &str = "#334155";
pub(super) const CUT: &str = "#ef4444";

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

pub(super) fn clip_mono(s: &str, max_px: f32, size: f32) -> String {
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
