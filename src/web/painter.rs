//! Paints the view's shapes on a 2D canvas, scaled for the device pixel ratio.

use crate::view::{Align, Path, Scene, Shape, Viewport};
use wasm_bindgen::JsValue;
use web_sys::CanvasRenderingContext2d;

const BACKGROUND: &str = "#0b1220";
const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const MONO: &str = "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace";

fn trace_path(ctx: &CanvasRenderingContext2d, p: &Path) {
    ctx.begin_path();
    ctx.move_to(p.from.0 as f64, p.from.1 as f64);
    match p.ctrl {
        Some(c) => ctx.quadratic_curve_to(c.0 as f64, c.1 as f64, p.to.0 as f64, p.to.1 as f64),
        None => ctx.line_to(p.to.0 as f64, p.to.1 as f64),
    }
}

fn round_rect(ctx: &CanvasRenderingContext2d, x: f64, y: f64, w: f64, h: f64, r: f64) {
    ctx.begin_path();
    add_round_rect(ctx, x, y, w, h, r);
}

/// Adds a rounded rectangle to the current path.
fn add_round_rect(ctx: &CanvasRenderingContext2d, x: f64, y: f64, w: f64, h: f64, r: f64) {
    let r = r.min(w / 2.0).min(h / 2.0);
    if r <= 0.0 {
        ctx.rect(x, y, w, h);
        return;
    }
    ctx.move_to(x + r, y);
    ctx.line_to(x + w - r, y);
    ctx.quadratic_curve_to(x + w, y, x + w, y + r);
    ctx.line_to(x + w, y + h - r);
    ctx.quadratic_curve_to(x + w, y + h, x + w - r, y + h);
    ctx.line_to(x + r, y + h);
    ctx.quadratic_curve_to(x, y + h, x, y + h - r);
    ctx.line_to(x, y + r);
    ctx.quadratic_curve_to(x, y, x + r, y);
    ctx.close_path();
}

fn dash(ctx: &CanvasRenderingContext2d, dashed: bool) {
    let pattern = if dashed {
        js_sys::Array::of2(&JsValue::from(6.0), &JsValue::from(4.0))
    } else {
        js_sys::Array::new()
    };
    // Only fails for non-finite numbers, which these are not.
    let _ = ctx.set_line_dash(&pattern);
}

/// The canvas state last set, so that a scene of many small shapes sets
/// each font, colour and alignment only when it changes (setting a font
/// makes the browser parse it).
#[derive(Default)]
struct Pen {
    font: String,
    fill: &'static str,
    align: Option<Align>,
}

impl Pen {
    fn fill(&mut self, ctx: &CanvasRenderingContext2d, color: &'static str) {
        if self.fill != color {
            ctx.set_fill_style_str(color);
            self.fill = color;
        }
    }

    fn font(&mut self, ctx: &CanvasRenderingContext2d, bold: bool, size: f32, mono: bool) {
        let weight = if bold { "600 " } else { "" };
        let family = if mono { MONO } else { FONT };
        let font = format!("{weight}{size}px {family}");
        if self.font != font {
            ctx.set_font(&font);
            self.font = font;
        }
    }

    fn align(&mut self, ctx: &CanvasRenderingContext2d, align: Align) {
        if self.align != Some(align) {
            ctx.set_text_align(match align {
                Align::Left => "left",
                Align::Center => "center",
                Align::Right => "right",
            });
            self.align = Some(align);
        }
    }
}

/// The fill of a square-cornered rectangle without outline.
fn plain_fill(shape: &Shape) -> Option<&'static str> {
    match shape {
        Shape::Rect {
            radius,
            fill: Some(f),
            stroke: None,
            ..
        } if *radius <= 0.0 => Some(f),
        _ => None,
    }
}

/// Clears the canvas and paints every shape of the scene.
pub fn paint(ctx: &CanvasRenderingContext2d, scene: &Scene, vp: Viewport, dpr: f64) {
    let mut pen = Pen::default();
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    ctx.set_global_alpha(1.0);
    pen.fill(ctx, BACKGROUND);
    ctx.fill_rect(0.0, 0.0, vp.w as f64, vp.h as f64);
    ctx.set_text_baseline("alphabetic");
    let mut i = 0;
    while i < scene.shapes.len() {
        let shape = &scene.shapes[i];
        i += 1;
        // Runs of plain filled rectangles of one colour are filled as one path.
        if let Some(fill) = plain_fill(shape) {
            ctx.begin_path();
            let mut next = Some(shape);
            while let Some(Shape::Rect { x, y, w, h, .. }) = next {
                ctx.rect(*x as f64, *y as f64, *w as f64, *h as f64);
                next = scene.shapes.get(i).filter(|s| plain_fill(s) == Some(fill));
                if next.is_some() {
                    i += 1;
                }
            }
            pen.fill(ctx, fill);
            ctx.fill();
            continue;
        }
        match shape {
            Shape::Rect {
                x,
                y,
                w,
                h,
                radius,
                fill,
                stroke,
                dashed,
            } => {
                round_rect(
                    ctx,
                    *x as f64,
                    *y as f64,
                    *w as f64,
                    *h as f64,
                    *radius as f64,
                );
                // Following rectangles of the same style join the path (replica cells).
                while let Some(Shape::Rect {
                    x,
                    y,
                    w,
                    h,
                    radius: r2,
                    fill: f2,
                    stroke: s2,
                    dashed: d2,
                }) = scene.shapes.get(i)
                {
                    if r2 != radius || f2 != fill || s2 != stroke || d2 != dashed || w * h > 2_500.0
                    {
                        break;
                    }
                    add_round_rect(ctx, *x as f64, *y as f64, *w as f64, *h as f64, *r2 as f64);
                    i += 1;
                }
                if let Some(f) = fill {
                    pen.fill(ctx, f);
                    ctx.fill();
                }
                if let Some((c, width)) = stroke {
                    if *dashed {
                        dash(ctx, true);
                    }
                    ctx.set_stroke_style_str(c);
                    ctx.set_line_width(*width as f64);
                    ctx.stroke();
                    if *dashed {
                        dash(ctx, false);
                    }
                }
            }
            Shape::Stroke {
                path,
                color,
                width,
                dashed,
                alpha,
            } => {
                ctx.set_global_alpha(*alpha as f64);
                if *dashed {
                    dash(ctx, true);
                }
                trace_path(ctx, path);
                ctx.set_stroke_style_str(color);
                ctx.set_line_width(*width as f64);
                ctx.stroke();
                if *dashed {
                    dash(ctx, false);
                }
                ctx.set_global_alpha(1.0);
            }
            Shape::Circle {
                at,
                r,
                fill,
                stroke,
                alpha,
            } => {
                ctx.set_global_alpha(*alpha as f64);
                ctx.begin_path();
                let _ = ctx.arc(
                    at.0 as f64,
                    at.1 as f64,
                    *r as f64,
                    0.0,
                    std::f64::consts::TAU,
                );
                pen.fill(ctx, fill.unwrap_or(BACKGROUND));
                ctx.fill();
                if let Some((c, width)) = stroke {
                    ctx.set_stroke_style_str(c);
                    ctx.set_line_width(*width as f64);
                    ctx.stroke();
                }
                ctx.set_global_alpha(1.0);
            }
            Shape::Poly {
                points,
                fill,
                stroke,
            } => {
                let Some(first) = points.first() else {
                    continue;
                };
                ctx.begin_path();
                ctx.move_to(first.0 as f64, first.1 as f64);
                for p in &points[1..] {
                    ctx.line_to(p.0 as f64, p.1 as f64);
                }
                ctx.close_path();
                pen.fill(ctx, fill);
                ctx.fill();
                if let Some((c, width)) = stroke {
                    ctx.set_stroke_style_str(c);
                    ctx.set_line_width(*width as f64);
                    ctx.stroke();
                }
            }
            Shape::Text {
                at,
                text,
                size,
                color,
                bold,
                mono,
                align,
                alpha,
            } => {
                if *alpha < 1.0 {
                    ctx.set_global_alpha(*alpha as f64);
                }
                pen.font(ctx, *bold, *size, *mono);
                pen.align(ctx, *align);
                pen.fill(ctx, color);
                let _ = ctx.fill_text(text, at.0 as f64, at.1 as f64);
                if *alpha < 1.0 {
                    ctx.set_global_alpha(1.0);
                }
            }
        }
    }
}
