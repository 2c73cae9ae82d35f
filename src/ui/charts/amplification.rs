//! Cascade charts: the amplification curve (final move against the initial shock, both
//! directions, the engine's sweep (computed by the worker) over 200 shocks each way) with the critical shock marked,
//! and the round-by-round path of one cascade ([`CascadeResult::path`]).

use std::rc::Rc;

use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use super::backend::Canvas;
use super::market::{style_mesh, bounds, err, font, frame, mesh, short};
use super::{ChartMap, ChartStyle, DrawError, Drawing, LegendItem, Swatch};
use crate::engine::cascade::{CascadeResult, Sweep};
use crate::engine::Scenario;
use crate::ui::format;

fn points(w: &Sweep) -> Vec<(f64, f64, f64, f64)> {
    // (shock %, final move %, amplification, notional), down reversed then up.
    let mut v: Vec<(f64, f64, f64, f64)> = w
        .down
        .shocks
        .iter()
        .zip(&w.down.final_moves)
        .zip(&w.down.amplification)
        .zip(&w.down.liquidated_notional)
        .map(|(((s, m), a), n)| (s * 100.0, m * 100.0, *a, *n))
        .collect();
    v.reverse();
    v.push((0.0, 0.0, 1.0, 0.0));
    v.extend(
        w.up.shocks
            .iter()
            .zip(&w.up.final_moves)
            .zip(&w.up.amplification)
            .zip(&w.up.liquidated_notional)
            .map(|(((s, m), a), n)| (s * 100.0, m * 100.0, *a, *n)),
    );
    v
}

pub fn draw_amplification(canvas: &HtmlCanvasElement, w: &Sweep, style: &ChartStyle) -> Result<ChartMap, DrawError> {
    let backend = Canvas::new(canvas).ok_or_else(|| err("no 2D canvas context"))?;
    let root = backend.into_drawing_area();
    root.fill(&style.bg)?;
    let pts = points(w);
    let x1 = pts.iter().map(|p| p.0.abs()).fold(1.0f64, f64::max);
    // Clip extreme moves (a drained book) so the curve near the origin stays readable.
    let cap = (x1 * 4.0).max(10.0);
    let (y0, y1) = bounds(pts.iter().map(|p| p.1.clamp(-cap, cap)).chain([-x1, x1]));
    let mut chart = frame(&root, style, -x1..x1, y0..y1, 22.0, false)?;
    mesh(&mut chart, style)
        .x_labels(7)
        .y_labels(6)
        .x_label_formatter(&|v| format!("{v:+.0}%"))
        .y_label_formatter(&|v| format!("{v:+.0}%"))
        .x_desc("Initial shock (down ← → up)")
        .y_desc("Final move after the cascade")
        .draw()?;
    // No amplification: final move = shock.
    chart.draw_series(DashedLineSeries::new(vec![(-x1, -x1), (x1, x1)], style.px(4.0), style.px(4.0), style.muted.stroke_width(style.px(1.0))))?;
    let down: Vec<(f64, f64)> = pts.iter().filter(|p| p.0 <= 0.0).map(|p| (p.0, p.1.clamp(y0, y1))).collect();
    let up: Vec<(f64, f64)> = pts.iter().filter(|p| p.0 >= 0.0).map(|p| (p.0, p.1.clamp(y0, y1))).collect();
    chart.draw_series(LineSeries::new(down, style.series[2].stroke_width(style.px(2.5))))?;
    chart.draw_series(LineSeries::new(up, style.series[1].stroke_width(style.px(2.5))))?;
    for (c, label) in [(&w.down.critical, "down"), (&w.up.critical, "up")] {
        if let Some(c) = c {
            let x = c.shock * 100.0;
            chart.draw_series(DashedLineSeries::new(vec![(x, y0), (x, y1)], style.px(5.0), style.px(3.0), style.danger.stroke_width(style.px(2.0))))?;
            // Down: label left of its line at the top; up: right of its line at the bottom.
            let down = x < 0.0;
            let t = format!("critical {label} {:+.2} %", c.shock * 100.0);
            let dx = if down { -(style.px(4.0 + 7.0 * t.chars().count() as f64) as i32) } else { style.px(4.0) as i32 };
            let at_y = if down { y1 } else { y0 };
            let dy = if down { style.px(2.0) as i32 } else { -(style.px(18.0) as i32) };
            chart.draw_series(std::iter::once(EmptyElement::at((x, at_y)) + Text::new(t, (dx, dy), font(style, style.danger))))?;
        }
    }
    let coord = chart.as_coord_spec().clone();
    root.present()?;
    Ok(ChartMap {
        coord,
        readout: Rc::new(move |x, _| {
            let k = pts.partition_point(|p| p.0 < x);
            let k = if k > 0 && (k >= pts.len() || (x - pts[k - 1].0).abs() < (pts[k].0 - x).abs()) { k - 1 } else { k };
            let Some(p) = pts.get(k) else { return String::new() };
            format!(
                "shock {:+.2} % → final move {:+.2} % · amplification {:.2}× · market liquidated {}",
                p.0,
                p.1,
                p.2,
                format::num(p.3)
            )
        }),
    })
}

/// The amplification curve from the worker's [`crate::work::Task::Sweep`] answer.
pub fn amplification_panel(answer: &str, _s: &Scenario) -> Drawing {
    let legend = vec![
        LegendItem::new("down shocks (longs liquidated)", Swatch::Series(2)),
        LegendItem::new("up shocks (shorts squeezed)", Swatch::Series(1)),
        LegendItem::new("critical shock (amplification ≥ 2)", Swatch::Danger),
        LegendItem::new("no amplification", Swatch::Muted),
    ];
    match crate::work::read_answer::<Sweep>(answer) {
        Ok(w) => {
            let crit = |c: &Option<crate::engine::cascade::CriticalShock>| {
                c.as_ref().map(|c| format!("{:+.2} %", c.shock * 100.0)).unwrap_or_else(|| "none within ±30 %".into())
            };
            let summary = format!(
                "Amplification curve over {} shocks each way: critical shock down {}, up {}.",
                w.down.shocks.len(),
                crit(&w.down.critical),
                crit(&w.up.critical)
            );
            Drawing { draw: Rc::new(move |cv, st| draw_amplification(cv, &w, st)), summary, legend, notes: Vec::new() }
        }
        Err(e) => Drawing { draw: Rc::new(move |_, _| Err(err(e.clone()))), summary: "Cascade chart unavailable".into(), legend, notes: Vec::new() },
    }
}

/// Price after each round of one cascade.
pub fn draw_path(canvas: &HtmlCanvasElement, c: &CascadeResult, style: &ChartStyle) -> Result<ChartMap, DrawError> {
    let backend = Canvas::new(canvas).ok_or_else(|| err("no 2D canvas context"))?;
    let root = backend.into_drawing_area();
    root.fill(&style.bg)?;
    let n = c.path.len().max(2) as f64;
    let (y0, y1) = bounds(c.path.iter().map(|r| r.price).chain([c.price, c.extreme_price]));
    let cmax = c.path.iter().map(|r| r.cumulative_notional).fold(0.0f64, f64::max).max(1.0) * 1.05;
    let mut chart = frame(&root, style, -0.5..n - 0.5, y0..y1, 16.0, true)?.set_secondary_coord(-0.5..n - 0.5, 0.0..cmax);
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh, style);
    mesh
        .x_labels(8)
        .y_labels(5)
        .x_label_formatter(&|v| if (v - v.round()).abs() < 0.01 { format!("{:.0}", v) } else { String::new() })
        .y_label_formatter(&|v| short(*v))
        .x_desc("Round (0 = the shock)")
        .y_desc("Price")
        .draw()?;
    chart
        .configure_secondary_axes()
        .label_style(font(style, style.fg))
        .axis_desc_style(font(style, style.muted))
        .y_labels(5)
        .y_label_formatter(&|v| short(*v))
        .y_desc("Cumulative liquidated")
        .draw()?;
    chart.draw_secondary_series(c.path.iter().enumerate().map(|(k, r)| {
        let x = k as f64;
        Rectangle::new([(x - 0.3, 0.0), (x + 0.3, r.cumulative_notional)], style.series[3].mix(0.45).filled())
    }))?;
    chart.draw_series(LineSeries::new(vec![(-0.5, c.price), (n - 0.5, c.price)], style.muted.stroke_width(style.px(1.0))))?;
    chart.draw_series(LineSeries::new(
        c.path.iter().enumerate().map(|(k, r)| (k as f64, r.price)),
        style.series[0].stroke_width(style.px(2.5)),
    ))?;
    chart.draw_series(c.path.iter().enumerate().map(|(k, r)| Circle::new((k as f64, r.price), style.px(3.0), style.series[0].filled())))?;
    let coord = chart.as_coord_spec().clone();
    root.present()?;
    let data = c.clone();
    Ok(ChartMap {
        coord,
        readout: Rc::new(move |x, _| {
            let k = x.round().max(0.0) as usize;
            let Some(r) = data.path.get(k) else { return String::new() };
            format!(
                "round {} · price {} · closed {} ({} positions) · cumulative {}",
                r.round,
                format::price(r.price),
                format::num(r.liquidated_notional),
                r.liquidated_count,
                format::num(r.cumulative_notional)
            )
        }),
    })
}
