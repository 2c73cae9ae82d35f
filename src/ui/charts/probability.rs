//! Probability of liquidation (closed-form first passage of drifted GBM, the engine's
//! probability with curves, computed by the worker): against the horizon, and against leverage for each position
//! alone at its mark. Both x axes are logarithmic (plotted as log₁₀ of the value, labelled in
//! the value), the y axis is the probability in percent. The Monte Carlo estimate, when run,
//! is drawn at the horizon as a point with a ±2 standard-error bar.

use std::rc::Rc;

use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use super::backend::Canvas;
use super::market::{err, font, frame, mesh};
use super::{ChartMap, ChartStyle, DrawError, Drawing, LegendItem, Swatch};
use crate::engine::analytics::montecarlo::McSummary;
use crate::engine::analytics::probability::ProbabilityReport;
use crate::engine::Scenario;
use crate::ui::format;


#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Axis {
    Horizon,
    Leverage,
}

fn days_label(d: f64) -> String {
    if d < 1.0 {
        format!("{:.0} h", d * 24.0)
    } else if d < 60.0 {
        format!("{:.0} d", d)
    } else {
        format!("{:.0} mo", d / 30.0)
    }
}

/// Draws one of the two curves for every position (and the Monte Carlo points on the horizon
/// chart).
pub fn draw_probability(
    canvas: &HtmlCanvasElement,
    p: &ProbabilityReport,
    mc: Option<&McSummary>,
    leverages: &[Option<f64>],
    axis: Axis,
    style: &ChartStyle,
) -> Result<ChartMap, DrawError> {
    let backend = Canvas::new(canvas).ok_or_else(|| err("no 2D canvas context"))?;
    let root = backend.into_drawing_area();
    root.fill(&style.bg)?;
    let curves: Vec<Vec<(f64, f64)>> = p
        .positions
        .iter()
        .map(|pp| {
            let c = match axis {
                Axis::Horizon => pp.horizon_curve.as_deref(),
                Axis::Leverage => pp.leverage_curve.as_deref(),
            };
            c.unwrap_or(&[]).iter().filter(|c| c.x > 0.0).map(|c| (c.x.log10(), c.probability * 100.0)).collect()
        })
        .collect();
    let xs = curves.iter().flatten().map(|c| c.0);
    let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    let (x0, x1) = if x0.is_finite() && x1 > x0 { (x0, x1) } else { (0.0, 1.0) };
    let mut chart = frame(&root, style, x0..x1, 0.0..100.0, 22.0, false)?;
    let xfmt = move |v: &f64| match axis {
        Axis::Horizon => days_label(10f64.powf(*v)),
        Axis::Leverage => format!("{:.0}×", 10f64.powf(*v)),
    };
    mesh(&mut chart, style)
        .x_labels(7)
        .y_labels(6)
        .x_label_formatter(&xfmt)
        .y_label_formatter(&|v| format!("{v:.0}%"))
        .x_desc(match axis {
            Axis::Horizon => "Horizon (log scale)",
            Axis::Leverage => "Leverage of the position alone, isolated (log scale)",
        })
        .y_desc("Probability of liquidation, %")
        .draw()?;
    if axis == Axis::Horizon {
        let h = p.horizon_days.log10();
        if h >= x0 && h <= x1 {
            chart.draw_series(LineSeries::new(vec![(h, 0.0), (h, 100.0)], style.muted.stroke_width(style.px(1.0))))?;
            chart.draw_series(std::iter::once(
                EmptyElement::at((h, 100.0))
                    + Text::new(format!("horizon {}", days_label(p.horizon_days)), (style.px(3.0) as i32, style.px(2.0) as i32), font(style, style.muted)),
            ))?;
        }
    }
    for (i, c) in curves.iter().enumerate() {
        let col = style.series[i % 4];
        chart.draw_series(LineSeries::new(c.iter().copied(), col.stroke_width(style.px(2.5))))?;
        let pp = &p.positions[i];
        match axis {
            Axis::Horizon => {
                let x = p.horizon_days.log10();
                let y = pp.liquidation_probability * 100.0;
                chart.draw_series(std::iter::once(Circle::new((x, y), style.px(4.0), col.filled())))?;
                if let Some(m) = mc.and_then(|m| m.positions.get(i)) {
                    let (y, e) = (m.probability * 100.0, 2.0 * m.standard_error * 100.0);
                    chart.draw_series(LineSeries::new(vec![(x, (y - e).max(0.0)), (x, (y + e).min(100.0))], style.fg.stroke_width(style.px(2.0))))?;
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((x, y))
                            + Rectangle::new(
                                [(-(style.px(5.0) as i32), -(style.px(5.0) as i32)), (style.px(5.0) as i32, style.px(5.0) as i32)],
                                style.fg.stroke_width(style.px(2.0)),
                            ),
                    ))?;
                }
            }
            Axis::Leverage => {
                // The position's own leverage: a dot on its curve.
                if let Some(lev) = leverages.get(i).copied().flatten().filter(|l| *l >= 1.0) {
                    let x = lev.log10();
                    if let Some(y) = interp(c.iter().copied(), x) {
                        chart.draw_series(std::iter::once(Circle::new((x, y), style.px(4.5), col.filled())))?;
                        chart.draw_series(std::iter::once(
                            EmptyElement::at((x, y)) + Text::new(format!("#{} now {}", i + 1, format::lev(lev)), (-(style.px(90.0) as i32), -(style.px(8.0) as i32)), font(style, col)),
                        ))?;
                    }
                }
            }
        }
    }
    let coord = chart.as_coord_spec().clone();
    root.present()?;
    let data = p.clone();
    let mcd = mc.cloned();
    Ok(ChartMap {
        coord,
        readout: Rc::new(move |x, _| {
            let v = 10f64.powf(x);
            let head = match axis {
                Axis::Horizon => format!("horizon {}", if v < 1.0 { format!("{:.1} h", v * 24.0) } else { format!("{v:.2} d") }),
                Axis::Leverage => format!("leverage {v:.1}×"),
            };
            let parts: Vec<String> = data
                .positions
                .iter()
                .enumerate()
                .map(|(i, pp)| {
                    let c = match axis {
                        Axis::Horizon => pp.horizon_curve.as_deref(),
                        Axis::Leverage => pp.leverage_curve.as_deref(),
                    };
                    let y = c.and_then(|c| interp(c.iter().map(|q| (q.x.log10(), q.probability)), x));
                    let mut s = format!("#{} {}", i + 1, format::opt(y, format::pct));
                    if axis == Axis::Horizon {
                        if let Some(m) = mcd.as_ref().and_then(|m| m.positions.get(i)) {
                            s.push_str(&format!(" (Monte Carlo at horizon {} ± {})", format::pct(m.probability), format::pct(m.standard_error)));
                        }
                    }
                    s
                })
                .collect();
            format!("{head} · {}", parts.join(" · "))
        }),
    })
}

/// Linear interpolation in a sampled curve.
fn interp(pts: impl Iterator<Item = (f64, f64)>, x: f64) -> Option<f64> {
    let v: Vec<(f64, f64)> = pts.collect();
    let k = v.partition_point(|p| p.0 < x);
    if k == 0 {
        return v.first().filter(|p| (p.0 - x).abs() < 1e-9).map(|p| p.1);
    }
    if k >= v.len() {
        return None;
    }
    let (a, b) = (v[k - 1], v[k]);
    let t = if b.0 > a.0 { (x - a.0) / (b.0 - a.0) } else { 0.0 };
    Some(a.1 + t * (b.1 - a.1))
}

fn legend(p: &ProbabilityReport, with_mc: bool) -> Vec<LegendItem> {
    let mut l: Vec<LegendItem> = p
        .positions
        .iter()
        .enumerate()
        .map(|(i, pp)| {
            let side = if pp.side == crate::engine::Side::Long { "long" } else { "short" };
            LegendItem::new(format!("#{} {} {side} (σ {:.0} %)", i + 1, pp.symbol, pp.volatility * 100.0), Swatch::Series(i % 4))
        })
        .collect();
    if with_mc {
        l.push(LegendItem::new("□ Monte Carlo ± 2 s.e.", Swatch::Muted));
    }
    l
}

/// A drawing of one probability chart (the risk card passes its Monte Carlo result).
/// `report`: the worker's closed-form report with curves ([`crate::work::Task::Probability`]).
pub fn probability_drawing(report: &Result<ProbabilityReport, String>, s: &Scenario, axis: Axis, mc: Option<Rc<McSummary>>) -> Drawing {
    match report.clone() {
        Ok(p) => {
            let parts: Vec<String> = p
                .positions
                .iter()
                .enumerate()
                .map(|(i, pp)| {
                    format!(
                        "#{} {} within {}, median time {}",
                        i + 1,
                        format::pct(pp.liquidation_probability),
                        days_label(p.horizon_days),
                        pp.median_time_to_liquidation_days.map(|d| format!("{d:.1} days")).unwrap_or_else(|| "never".into())
                    )
                })
                .collect();
            let summary = format!(
                "Probability of liquidation against {}: {}.",
                if axis == Axis::Horizon { "horizon" } else { "leverage" },
                parts.join("; ")
            );
            let legend = legend(&p, mc.is_some() && axis == Axis::Horizon);
            let levs: Vec<Option<f64>> = s.positions.iter().map(|q| q.leverage).collect();
            Drawing { draw: Rc::new(move |cv, st| draw_probability(cv, &p, mc.as_deref(), &levs, axis, st)), summary, legend, notes: Vec::new() }
        }
        Err(e) => Drawing { draw: Rc::new(move |_, _| Err(err(e.clone()))), summary: "Probability chart unavailable".into(), legend: vec![], notes: Vec::new() },
    }
}

pub fn horizon_panel(answer: &str, s: &Scenario) -> Drawing {
    probability_drawing(&crate::work::read_answer(answer), s, Axis::Horizon, None)
}

pub fn leverage_panel(answer: &str, s: &Scenario) -> Drawing {
    probability_drawing(&crate::work::read_answer(answer), s, Axis::Leverage, None)
}
