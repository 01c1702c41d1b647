//! What the painter draws: plain shapes in CSS pixels, with colours as CSS
//! strings. Nothing here knows the browser.

use serde::Serialize;

/// A point in CSS pixels.
pub type Pt = (f32, f32);

/// Horizontal text alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Align {
    /// From x rightwards.
    Left,
    /// Centred on x.
    Center,
    /// Ending at x.
    Right,
}

/// A path from one point to another: straight, or a quadratic curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Path {
    /// Start.
    pub from: Pt,
    /// Control point of a quadratic curve, if curved.
    pub ctrl: Option<Pt>,
    /// End.
    pub to: Pt,
}

impl Path {
    /// The point at fraction `t` (0..=1) of the way.
    pub fn at(&self, t: f32) -> Pt {
        let t = t.clamp(0.0, 1.0);
        match self.ctrl {
            None => (
                self.from.0 + (self.to.0 - self.from.0) * t,
                self.from.1 + (self.to.1 - self.from.1) * t,
            ),
            Some(c) => {
                let u = 1.0 - t;
                (
                    u * u * self.from.0 + 2.0 * u * t * c.0 + t * t * self.to.0,
                    u * u * self.from.1 + 2.0 * u * t * c.1 + t * t * self.to.1,
                )
            }
        }
    }

    /// Distance from `p` to the path (curves sampled in 24 pieces).
    pub fn distance(&self, p: Pt) -> f32 {
        let steps = if self.ctrl.is_some() { 24 } else { 1 };
        (0..steps)
            .map(|i| {
                let a = self.at(i as f32 / steps as f32);
                let b = self.at((i + 1) as f32 / steps as f32);
                segment_distance(p, a, b)
            })
            .fold(f32::INFINITY, f32::min)
    }

    /// The same path walked the other way.
    pub fn reversed(&self) -> Path {
        Path {
            from: self.to,
            ctrl: self.ctrl,
            to: self.from,
        }
    }
}

fn segment_distance(p: Pt, a: Pt, b: Pt) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    };
    let (x, y) = (a.0 + dx * t, a.1 + dy * t);
    ((p.0 - x).powi(2) + (p.1 - y).powi(2)).sqrt()
}

/// One drawable item.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Shape {
    /// A rounded rectangle.
    Rect {
        /// Left.
        x: f32,
        /// Top.
        y: f32,
        /// Width.
        w: f32,
        /// Height.
        h: f32,
        /// Corner radius.
        radius: f32,
        /// Fill colour.
        fill: Option<&'static str>,
        /// Outline colour and width.
        stroke: Option<(&'static str, f32)>,
        /// Dashed outline.
        dashed: bool,
    },
    /// A line or curve.
    Stroke {
        /// Geometry.
        path: Path,
        /// Colour.
        color: &'static str,
        /// Width.
        width: f32,
        /// Dashed.
        dashed: bool,
        /// Opacity 0..=1.
        alpha: f32,
    },
    /// A circle (a message dot).
    Circle {
        /// Centre.
        at: Pt,
        /// Radius.
        r: f32,
        /// Fill colour (hollow when `None`).
        fill: Option<&'static str>,
        /// Outline colour and width.
        stroke: Option<(&'static str, f32)>,
        /// Opacity 0..=1.
        alpha: f32,
    },
    /// A filled polygon (the controller's crown).
    Poly {
        /// Corners.
        points: Vec<Pt>,
        /// Fill colour.
        fill: &'static str,
        /// Outline colour and width.
        stroke: Option<(&'static str, f32)>,
    },
    /// A line of text.
    Text {
        /// Anchor.
        at: Pt,
        /// Content.
        text: String,
        /// Font size in px.
        size: f32,
        /// Colour.
        color: &'static str,
        /// Bold face.
        bold: bool,
        /// Monospace face.
        mono: bool,
        /// Alignment around `at.0`.
        align: Align,
        /// Opacity 0..=1.
        alpha: f32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_interpolate_and_measure() {
        let p = Path {
            from: (0.0, 0.0),
            ctrl: None,
            to: (10.0, 0.0),
        };
        assert_eq!(p.at(0.5), (5.0, 0.0));
        assert!((p.distance((5.0, 3.0)) - 3.0).abs() < 1e-4);
        let q = Path {
            from: (0.0, 0.0),
            ctrl: Some((5.0, 10.0)),
            to: (10.0, 0.0),
        };
        assert_eq!(q.at(0.5), (5.0, 5.0));
        assert!(q.distance((5.0, 5.0)) < 0.5);
        assert_eq!(q.reversed().at(0.0), (10.0, 0.0));
    }
}
