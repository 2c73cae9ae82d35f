//! Stress chart: account equity and maintenance against one common price move −X %…+X %
//! (the engine's stress curve, computed by the worker: every point re-evaluated with the venue model), each
//! position's liquidation point marked, and its liquidation band (the engine's band: mark–last spread,
//! next tier, closing fee, funding over the horizon, slippage to bankruptcy) shaded around it.

use std::rc::Rc;

use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use super::backend::Canvas;
use super::market::{bounds, err, font, frame, short, style_mesh, style_secondary};
use super::{ChartMap, ChartStyle, DrawError, Drawing, LegendItem, Swatch};
use crate::engine::Scenario;
pub use crate::work::{BandMark, StressData};
use crate::ui::format;

/// The point of the curve nearest to move `x`.
fn point_at(d: &StressData, x: f64) -> Option<&crate::engine::analytics::stress::StressPoint> {
    let pts = &d.curve.points;
    let k = pts.partition_point(|p| p.shift < x);
    let k = if k > 0 && (k >= pts.len() || (x - pts[k - 1].shift).abs() < (pts[k].shift - x).abs()) { k - 1 } else { k };
    pts.get(k)
}

pub fn draw_stress(canvas: &HtmlCanvasElement, d: &StressData, style: &ChartStyle) -> Result<ChartMap, DrawError> {
    let backend = Canvas::new(canvas).ok_or_else(|| err("no 2D canvas context"))?;
    let root = backend.into_drawing_area();
    root.fill(&style.bg)?;
    let pts = &d.curve.points;
    let xs: Vec<f64> = pts.iter().map(|p| p.shift * 100.0).collect();
    let (x0, x1) = (-d.curve.range * 100.0, d.curve.range * 100.0);
    let (y0, y1) = bounds(pts.iter().flat_map(|p| [p.equity, p.maintenance]).chain([0.0]));
    // Margin ratio (maintenance ÷ equity) on the right axis, capped at 200 %.
    let ratios: Vec<(f64, f64)> =
        pts.iter().filter_map(|p| p.margin_ratio.map(|r| (p.shift * 100.0, (r * 100.0).min(200.0)))).collect();
    let rtop = ratios.iter().fold(120.0f64, |a, r| a.max(r.1)) * 1.05;
    let mut chart = frame(&root, style, x0..x1, y0..y1, 22.0, true)?.set_secondary_coord(x0..x1, 0.0..rtop);
    let mut m = chart.configure_mesh();
    style_mesh(&mut m, style);
    m
        .x_labels(7)
        .y_labels(5)
        .x_label_formatter(&|v| format!("{v:+.0}%"))
        .y_label_formatter(&|v| short(*v))
        .x_desc("Common move of every mark price, %")
        .y_desc("Account amount")
        .draw()?;
    let mut m2 = chart.configure_secondary_axes();
    style_secondary(&mut m2, style);
    m2.y_labels(5)
        .y_label_formatter(&|v| format!("{v:.0}%"))
        .y_desc("Margin ratio")
        .draw()?;
    // Liquidation bands: shaded, behind the curves.
    for m in &d.marks {
        let (a, b) = (m.low * 100.0, m.high * 100.0);
        let (a, b) = (a.max(x0), b.min(x1));
        if b > a {
            chart.draw_series(std::iter::once(Rectangle::new([(a, y0), (b, y1)], style.danger.mix(0.16).filled())))?;
        }
    }
    chart.draw_series(LineSeries::new(vec![(x0, 0.0), (x1, 0.0)], style.fg.stroke_width(style.px(1.0))))?;
    chart.draw_series(LineSeries::new(vec![(0.0, y0), (0.0, y1)], style.muted.stroke_width(style.px(1.0))))?;
    chart.draw_series(LineSeries::new(
        xs.iter().copied().zip(pts.iter().map(|p| p.maintenance)),
        style.series[1].stroke_width(style.px(2.0)),
    ))?;
    chart.draw_series(LineSeries::new(xs.iter().copied().zip(pts.iter().map(|p| p.equity)), style.series[0].stroke_width(style.px(2.5))))?;
    chart.draw_secondary_series(DashedLineSeries::new(vec![(x0, 100.0), (x1, 100.0)], style.px(2.0), style.px(4.0), style.danger.stroke_width(style.px(1.0))))?;
    chart.draw_secondary_series(LineSeries::new(ratios, style.series[3].stroke_width(style.px(2.0))))?;
    for (k, m) in d.marks.iter().enumerate() {
        let x = m.at * 100.0;
        if x < x0 || x > x1 {
            continue;
        }
        chart.draw_series(DashedLineSeries::new(vec![(x, y0), (x, y1)], style.px(5.0), style.px(3.0), style.danger.stroke_width(style.px(1.5))))?;
        let dy = (k % 3) as f64 * style.font_px() * 1.1;
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, y1)) + Text::new(format!("✕ {}", m.label), (style.px(3.0) as i32, dy as i32 + style.px(2.0) as i32), font(style, style.danger)),
        ))?;
    }
    for &a in &d.account_marks {
        let x = a * 100.0;
        if x >= x0 && x <= x1 {
            chart.draw_series(DashedLineSeries::new(vec![(x, y0), (x, y1)], style.px(5.0), style.px(3.0), style.danger.stroke_width(style.px(1.5))))?;
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, y1)) + Text::new("✕ account", (style.px(3.0) as i32, style.px(2.0) as i32), font(style, style.danger)),
            ))?;
        }
    }
    let coord = chart.as_coord_spec().clone();
    root.present()?;
    let data = d.clone();
    Ok(ChartMap {
        coord,
        readout: Rc::new(move |x, _| {
            let Some(p) = point_at(&data, x / 100.0) else { return String::new() };
            let ratio = p.margin_ratio.map(|r| format!("{:.1} %", r * 100.0)).unwrap_or_else(|| "— (equity ≤ 0)".into());
            let mut t = format!(
                "move {:+.2} % · equity {} · maintenance {} · margin ratio {ratio}",
                p.shift * 100.0,
                format::num(p.equity),
                format::num(p.maintenance)
            );
            for m in &data.marks {
                if p.shift >= m.low - 1e-12 && p.shift <= m.high + 1e-12 {
                    t.push_str(&format!(
                        " · in {}'s liquidation band {}…{}",
                        m.label,
                        format::opt(m.price_low, format::price),
                        format::opt(m.price_high, format::price)
                    ));
                }
            }
            t
        }),
    })
}

/// The stress chart from the worker's [`crate::work::Task::Stress`] answer.
pub fn stress_panel(answer: &str, _s: &Scenario) -> Drawing {
    let legend = vec![
        LegendItem::new("equity", Swatch::Series(0)),
        LegendItem::new("maintenance + closing fee", Swatch::Series(1)),
        LegendItem::new("margin ratio (right axis; 100 % = liquidation)", Swatch::Series(3)),
        LegendItem::new("liquidation point (✕) and band (shaded)", Swatch::Danger),
    ];
    match crate::work::read_answer::<StressData>(answer) {
        Ok(d) => {
            let marks = d
                .marks
                .iter()
                .map(|m| {
                    format!(
                        "{} at {:+.1} % ({}), band {}…{}",
                        m.label,
                        m.at * 100.0,
                        format::opt(m.price, format::price),
                        format::opt(m.price_low, format::price),
                        format::opt(m.price_high, format::price)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            let summary = format!(
                "Stress: equity, maintenance and margin ratio as every price moves from −{0:.0} % to +{0:.0} %. {1}",
                d.curve.range * 100.0,
                if marks.is_empty() { "No liquidation in range.".to_string() } else { format!("Liquidations: {marks}.") }
            );
            Drawing { draw: Rc::new(move |cv, st| draw_stress(cv, &d, st)), summary, legend, notes: Vec::new() }
        }
        Err(e) => Drawing { draw: Rc::new(move |_, _| Err(err(e.clone()))), summary: "Stress chart unavailable".into(), legend, notes: Vec::new() },
    }
}
