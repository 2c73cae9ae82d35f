//! Scenario grid (CME SPAN / Deribit portfolio-margin style, the engine's [`scenario_grid`]):
//! with two symbols, a heatmap of the account's PnL change over both symbols' moves (±16 % in
//! 9 steps); with one, a bar per scenario (the 9 buckets, SPAN's two extreme moves counted at
//! 35 %, Deribit's extended moves shown only). Cells or bars where a position is liquidated
//! carry a ✕ glyph, so the mark does not rely on colour; the worst loss is outlined.

use std::rc::Rc;

use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use super::backend::Canvas;
use super::market::{err, font, frame, mesh, short};
use super::{ChartMap, ChartStyle, DrawError, Drawing, LegendItem, Swatch};
use crate::engine::analytics::stress::ScenarioGrid;
use crate::engine::Scenario;
use crate::ui::format;

/// Loss → red, gain → the first series colour, scaled by the largest magnitude.
fn cell_colour(v: f64, max: f64, style: &ChartStyle) -> RGBColor {
    let t = if max > 0.0 { (v.abs() / max).clamp(0.0, 1.0) } else { 0.0 };
    let target = if v < 0.0 { style.danger } else { style.series[0] };
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * (0.12 + 0.78 * t)) as u8;
    RGBColor(mix(style.bg.0, target.0), mix(style.bg.1, target.1), mix(style.bg.2, target.2))
}

/// Rounding noise (a hedged book's loss of 1e-11) shown as 0.
fn clean(v: f64) -> f64 {
    if v.abs() < 1e-9 {
        0.0
    } else {
        v
    }
}

fn pct_label(x: f64) -> String {
    format!("{:+.0}%", x * 100.0)
}

pub fn draw_grid(canvas: &HtmlCanvasElement, g: &ScenarioGrid, style: &ChartStyle) -> Result<ChartMap, DrawError> {
    let backend = Canvas::new(canvas).ok_or_else(|| err("no 2D canvas context"))?;
    let root = backend.into_drawing_area();
    root.fill(&style.bg)?;
    let title = format!(
        "Worst counted loss {} ({}) · ✕ = a position is liquidated",
        format::num(clean(g.worst_loss)),
        g.scenarios.get(g.worst_scenario).map(|s| s.label.as_str()).unwrap_or("")
    );
    root.draw(&Text::new(title, (style.px(12.0) as i32, style.px(4.0) as i32), font(style, style.fg)))?;
    let glyph = ("sans-serif", style.font_px() * 1.3).into_font().color(&style.fg);
    if let Some(sf) = &g.surface {
        let nx = sf.x_moves.len();
        let ny = sf.y_moves.len();
        let mut chart = frame(&root, style, -0.5..nx as f64 - 0.5, -0.5..ny as f64 - 0.5, 26.0, false)?;
        let (xm, ym) = (sf.x_moves.clone(), sf.y_moves.clone());
        mesh(&mut chart, style)
            .disable_mesh()
            .x_labels(nx)
            .y_labels(ny)
            .x_label_formatter(&|v| xm.get(v.round().max(0.0) as usize).map(|m| pct_label(*m)).unwrap_or_default())
            .y_label_formatter(&|v| ym.get(v.round().max(0.0) as usize).map(|m| pct_label(*m)).unwrap_or_default())
            .x_desc(format!("{} move", sf.x_symbol))
            .y_desc(format!("{} move", sf.y_symbol))
            .draw()?;
        let max = sf.cells.iter().flatten().map(|c| c.pnl_change.abs()).fold(0.0, f64::max);
        for (iy, row) in sf.cells.iter().enumerate() {
            for (ix, c) in row.iter().enumerate() {
                let (x, y) = (ix as f64, iy as f64);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                    cell_colour(c.pnl_change, max, style).filled(),
                )))?;
                chart.draw_series(std::iter::once(Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], style.bg.stroke_width(style.px(1.0)))))?;
                if !c.liquidated_positions.is_empty() {
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((x, y)) + Text::new("✕", (-(style.px(5.0) as i32), -(style.px(9.0) as i32)), glyph.clone()),
                    ))?;
                }
            }
        }
        let wx = sf.x_moves.iter().position(|m| *m == sf.worst_x_move);
        let wy = sf.y_moves.iter().position(|m| *m == sf.worst_y_move);
        if let (Some(wx), Some(wy)) = (wx, wy) {
            if sf.worst_loss > 0.0 {
                let (x, y) = (wx as f64, wy as f64);
                chart.draw_series(std::iter::once(Rectangle::new([(x - 0.46, y - 0.46), (x + 0.46, y + 0.46)], style.fg.stroke_width(style.px(2.5)))))?;
            }
        }
        let coord = chart.as_coord_spec().clone();
        root.present()?;
        let data = g.clone();
        return Ok(ChartMap {
            coord,
            readout: Rc::new(move |x, y| {
                let Some(sf) = &data.surface else { return String::new() };
                let (ix, iy) = (x.round().max(0.0) as usize, y.round().max(0.0) as usize);
                let Some(c) = sf.cells.get(iy).and_then(|r| r.get(ix)) else { return String::new() };
                let liq = if c.liquidated_positions.is_empty() {
                    "no liquidation".to_string()
                } else {
                    format!("liquidated: {}", c.liquidated_positions.iter().map(|i| format!("#{}", i + 1)).collect::<Vec<_>>().join(", "))
                };
                format!(
                    "{} {:+.1} %, {} {:+.1} % · PnL change {} · equity {} · {liq}",
                    sf.x_symbol,
                    sf.x_moves[ix] * 100.0,
                    sf.y_symbol,
                    sf.y_moves[iy] * 100.0,
                    format::num(c.pnl_change),
                    format::num(c.equity)
                )
            }),
        });
    }
    // One symbol: a bar per scenario.
    let n = g.scenarios.len();
    let lo = g.scenarios.iter().map(|s| s.outcome.pnl_change).fold(0.0f64, f64::min);
    let hi = g.scenarios.iter().map(|s| s.outcome.pnl_change).fold(0.0f64, f64::max);
    let pad = ((hi - lo) * 0.12).max(1e-9);
    let mut chart = frame(&root, style, -0.5..n as f64 - 0.5, (lo - pad)..(hi + pad), 26.0, false)?;
    let moves: Vec<f64> = g.scenarios.iter().map(|s| s.shift).collect();
    mesh(&mut chart, style)
        .disable_x_mesh()
        .x_labels(n)
        .y_labels(5)
        .x_label_formatter(&|v| {
            let k = v.round();
            if (v - k).abs() > 0.01 {
                return String::new();
            }
            moves.get(k.max(0.0) as usize).map(|m| pct_label(*m)).unwrap_or_default()
        })
        .y_label_formatter(&|v| short(*v))
        .x_desc("Scenario: 9 buckets · 2 SPAN extremes (35 %) · 4 extended (shown only)")
        .y_desc("PnL change")
        .draw()?;
    let max = g.scenarios.iter().map(|s| s.outcome.pnl_change.abs()).fold(0.0, f64::max);
    for (k, s) in g.scenarios.iter().enumerate() {
        let x = k as f64;
        let v = s.outcome.pnl_change;
        let fill = cell_colour(v, max, style);
        let st = if s.counted { fill.filled() } else { fill.mix(0.5).filled() };
        chart.draw_series(std::iter::once(Rectangle::new([(x - 0.38, 0.0), (x + 0.38, v)], st)))?;
        if !s.counted {
            chart.draw_series(std::iter::once(Rectangle::new([(x - 0.38, 0.0), (x + 0.38, v)], style.muted.stroke_width(style.px(1.0)))))?;
        }
        if k == g.worst_scenario && g.worst_loss > 0.0 {
            chart.draw_series(std::iter::once(Rectangle::new([(x - 0.42, 0.0), (x + 0.42, v)], style.fg.stroke_width(style.px(2.5)))))?;
        }
        if !s.outcome.liquidated_positions.is_empty() {
            let off = if v < 0.0 { style.px(4.0) as i32 } else { -(style.px(22.0) as i32) };
            chart.draw_series(std::iter::once(EmptyElement::at((x, v)) + Text::new("✕", (-(style.px(5.0) as i32), off), glyph.clone())))?;
        }
    }
    chart.draw_series(LineSeries::new(vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)], style.fg.stroke_width(style.px(1.0))))?;
    // Group separators: buckets | SPAN extremes | extended table.
    for x in [g.steps as f64 - 0.5, g.steps as f64 + 1.5] {
        if x < n as f64 - 0.5 {
            chart.draw_series(DashedLineSeries::new(vec![(x, lo - pad), (x, hi + pad)], style.px(4.0), style.px(4.0), style.muted.stroke_width(style.px(1.0))))?;
        }
    }
    let coord = chart.as_coord_spec().clone();
    root.present()?;
    let data = g.clone();
    Ok(ChartMap {
        coord,
        readout: Rc::new(move |x, _| {
            let k = x.round().max(0.0) as usize;
            let Some(s) = data.scenarios.get(k) else { return String::new() };
            let liq = if s.outcome.liquidated_positions.is_empty() {
                "no liquidation".to_string()
            } else {
                format!("liquidated: {}", s.outcome.liquidated_positions.iter().map(|i| format!("#{}", i + 1)).collect::<Vec<_>>().join(", "))
            };
            format!(
                "{} · PnL change {} · counted loss {}{} · equity {} · {liq}",
                s.label,
                format::num(s.outcome.pnl_change),
                format::num(s.loss),
                if s.counted { "" } else { " (not counted)" },
                format::num(s.outcome.equity)
            )
        }),
    })
}

/// The grid from the worker's [`crate::work::Task::Grid`] answer.
pub fn grid_panel(answer: &str, _s: &Scenario) -> Drawing {
    let legend = vec![
        LegendItem::new("loss (deeper = larger)", Swatch::Danger),
        LegendItem::new("gain", Swatch::Series(0)),
        LegendItem::new("✕ liquidating scenario · outlined = worst loss", Swatch::Muted),
    ];
    match crate::work::read_answer::<ScenarioGrid>(answer) {
        Ok(g) => {
            let liq: Vec<String> = g.liquidating_scenarios.iter().filter_map(|&i| g.scenarios.get(i).map(|x| x.label.clone())).collect();
            let summary = format!(
                "Scenario grid: worst counted loss {} in {}. Liquidating scenarios: {}.{}",
                format::num(clean(g.worst_loss)),
                g.scenarios.get(g.worst_scenario).map(|s| s.label.as_str()).unwrap_or(""),
                if liq.is_empty() { "none".to_string() } else { liq.join(", ") },
                g.surface
                    .as_ref()
                    .map(|sf| format!(" Two-symbol surface {} × {}: worst loss {}.", sf.x_symbol, sf.y_symbol, format::num(clean(sf.worst_loss))))
                    .unwrap_or_default()
            );
            Drawing { draw: Rc::new(move |cv, st| draw_grid(cv, &g, st)), summary, legend, notes: Vec::new() }
        }
        Err(m) => Drawing { draw: Rc::new(move |_, _| Err(err(m.clone()))), summary: "Scenario grid unavailable".into(), legend, notes: Vec::new() },
    }
}
