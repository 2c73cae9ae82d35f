//! Stress chart: account equity and maintenance against one common price move −X %…+X %
//! (the engine's [`stress_curve`], every point re-evaluated with the venue model), each
//! position's liquidation point marked, and its liquidation band ([`band`]: mark–last spread,
//! next tier, closing fee, funding over the horizon, slippage to bankruptcy) shaded around it.

use std::rc::Rc;

use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use super::backend::Canvas;
use super::market::{bounds, effective, err, first_error, font, frame, horizon, short, style_mesh};
use super::{ChartMap, ChartStyle, DrawError, Drawing, LegendItem, Swatch};
use crate::engine::analytics::band::band;
use crate::engine::analytics::stress::{stress_curve, StressCurve};
use crate::engine::{Report, Scenario};
use crate::ui::format;

/// One position's liquidation point and band, as moves (fractions).
#[derive(Clone, Debug, PartialEq)]
pub struct BandMark {
    pub label: String,
    pub at: f64,
    pub low: f64,
    pub high: f64,
    pub price: Option<f64>,
    pub price_low: Option<f64>,
    pub price_high: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StressData {
    pub curve: StressCurve,
    pub marks: Vec<BandMark>,
    pub account_marks: Vec<f64>,
    pub horizon: f64,
}

impl StressData {
    pub fn compute(s: &Scenario) -> Result<StressData, String> {
        let e = effective(s);
        let pre = stress_curve(&e, None, 0.5, 3).map_err(|x| first_error(&x))?;
        // A range that shows every liquidation point, from ±10 % to ±95 %.
        let far = pre.markers.iter().map(|m| m.shift.abs()).fold(0.0f64, f64::max);
        let range = (far * 1.35).clamp(0.1, 0.95);
        let curve = stress_curve(&e, None, range, 201).map_err(|x| first_error(&x))?;
        let h = horizon(&e);
        let bands = band(&e, h).map_err(|x| first_error(&x))?;
        let mut marks = Vec::new();
        let mut account_marks = Vec::new();
        for m in &curve.markers {
            match m.position {
                Some(i) => {
                    let b = bands.positions.get(i);
                    let mark = b.map(|b| b.mark_price).unwrap_or(1.0);
                    let mv = |p: Option<f64>| p.map(|p| p / mark - 1.0);
                    let (lo, hi) = (mv(b.and_then(|b| b.low)).unwrap_or(m.shift), mv(b.and_then(|b| b.high)).unwrap_or(m.shift));
                    marks.push(BandMark {
                        label: format!("#{}", i + 1),
                        at: m.shift,
                        low: lo.min(m.shift),
                        high: hi.max(m.shift),
                        price: m.price,
                        price_low: b.and_then(|b| b.low),
                        price_high: b.and_then(|b| b.high),
                    });
                }
                None => account_marks.push(m.shift),
            }
        }
        Ok(StressData { curve, marks, account_marks, horizon: h })
    }

    fn at(&self, x: f64) -> Option<&crate::engine::analytics::stress::StressPoint> {
        let pts = &self.curve.points;
        let k = pts.partition_point(|p| p.shift < x);
        let k = if k > 0 && (k >= pts.len() || (x - pts[k - 1].shift).abs() < (pts[k].shift - x).abs()) { k - 1 } else { k };
        pts.get(k)
    }
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
    m2.label_style(font(style, style.fg))
        .axis_desc_style(font(style, style.muted))
        .axis_style(style.muted.stroke_width(style.px(1.0)))
        .y_labels(5)
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
            let Some(p) = data.at(x / 100.0) else { return String::new() };
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

pub fn stress_panel(s: &Scenario, _r: &Report) -> Option<Drawing> {
    let legend = vec![
        LegendItem::new("equity", Swatch::Series(0)),
        LegendItem::new("maintenance + closing fee", Swatch::Series(1)),
        LegendItem::new("margin ratio (right axis; 100 % = liquidation)", Swatch::Series(3)),
        LegendItem::new("liquidation point (✕) and band (shaded)", Swatch::Danger),
    ];
    match StressData::compute(s) {
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
            Some(Drawing { draw: Rc::new(move |cv, st| draw_stress(cv, &d, st)), summary, legend, notes: Vec::new() })
        }
        Err(e) => Some(Drawing { draw: Rc::new(move |_, _| Err(err(e.clone()))), summary: "Stress chart unavailable".into(), legend, notes: Vec::new() }),
    }
}
