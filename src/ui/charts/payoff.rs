//! Payoff chart of an option book: the P&L at the options' expiry (payoff minus premium) and
//! the P&L if the underlying moved now (options at their model value, volatility and time
//! held) against the underlying's price; the engine's `payoff` analysis
//! ([`crate::engine::portfolio::payoff_curve`]) computed by the worker, drawn here as given.

use std::rc::Rc;

use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use super::backend::Canvas;
use super::market::{bounds, err, font, frame, short, style_mesh};
use super::{ChartMap, ChartStyle, DrawError, Drawing, LegendItem, Swatch};
use crate::engine::portfolio::PayoffPoint;
use crate::ui::format;

/// What the payoff chart draws: the curve and the marks, prepared by the caller.
#[derive(Clone, Debug, PartialEq)]
pub struct PayoffChart {
    pub points: Vec<PayoffPoint>,
    /// The underlying's price now.
    pub price: f64,
    /// Strikes of the book's options (dotted lines).
    pub strikes: Vec<f64>,
    /// The settlement asset every amount is in (`BTC`, `USDT`).
    pub unit: String,
}

/// Draws the chart.
///
/// # Errors
/// No points, or plotters' drawing errors.
pub fn draw_payoff(canvas: &HtmlCanvasElement, d: &PayoffChart, style: &ChartStyle) -> Result<ChartMap, DrawError> {
    let (Some(first), Some(last)) = (d.points.first(), d.points.last()) else { return Err(err("no points")) };
    let backend = Canvas::new(canvas).ok_or_else(|| err("no 2D canvas context"))?;
    let root = backend.into_drawing_area();
    root.fill(&style.bg)?;
    let (x0, x1) = (first.price, last.price);
    let (y0, y1) = bounds(d.points.iter().flat_map(|p| [p.at_expiry, p.value_now]).chain([0.0]));
    let mut chart = frame(&root, style, x0..x1, y0..y1, 14.0, false)?;
    let mut m = chart.configure_mesh();
    style_mesh(&mut m, style);
    m.x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| short(*v))
        .y_label_formatter(&|v| short(*v))
        .x_desc("Underlying price")
        .y_desc(format!("P&L, {}", d.unit))
        .draw()?;
    chart.draw_series(LineSeries::new(vec![(x0, 0.0), (x1, 0.0)], style.fg.stroke_width(style.px(1.0))))?;
    for &k in d.strikes.iter().filter(|k| **k > x0 && **k < x1) {
        chart.draw_series(DashedLineSeries::new(vec![(k, y0), (k, y1)], style.px(2.0), style.px(4.0), style.muted.stroke_width(style.px(1.0))))?;
        chart.draw_series(std::iter::once(
            EmptyElement::at((k, y1)) + Text::new(format!("K {}", short(k)), (style.px(3.0) as i32, style.px(2.0) as i32), font(style, style.muted)),
        ))?;
    }
    if d.price > x0 && d.price < x1 {
        chart.draw_series(LineSeries::new(vec![(d.price, y0), (d.price, y1)], style.series[2].stroke_width(style.px(1.5))))?;
    }
    chart.draw_series(LineSeries::new(d.points.iter().map(|p| (p.price, p.at_expiry)), style.series[0].stroke_width(style.px(2.5))))?;
    chart.draw_series(LineSeries::new(d.points.iter().map(|p| (p.price, p.value_now)), style.series[1].stroke_width(style.px(2.0))))?;
    let coord = chart.as_coord_spec().clone();
    root.present()?;
    let data = d.clone();
    Ok(ChartMap {
        coord,
        readout: Rc::new(move |x, _| {
            let pts = &data.points;
            let k = pts.partition_point(|p| p.price < x).min(pts.len().saturating_sub(1));
            let Some(p) = pts.get(k) else { return String::new() };
            format!(
                "underlying {} ({:+.1} %) · at expiry {} {u} · now {} {u}",
                format::price(p.price),
                p.price_move * 100.0,
                format::num(p.at_expiry),
                format::num(p.value_now),
                u = data.unit
            )
        }),
    })
}

/// The chart as a [`Drawing`] (legend and a text summary for screen readers).
pub fn payoff_drawing(d: PayoffChart) -> Drawing {
    let legend = vec![
        LegendItem::new("at expiry (payoff − premium)", Swatch::Series(0)),
        LegendItem::new("now (model value − premium)", Swatch::Series(1)),
        LegendItem::new("underlying now", Swatch::Series(2)),
        LegendItem::new("strikes (dotted)", Swatch::Muted),
    ];
    let (lo, hi) = d.points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.at_expiry), b.max(p.at_expiry)));
    let summary = match (d.points.first(), d.points.last()) {
        (Some(a), Some(b)) => format!(
            "Payoff: the book's P&L in {} from underlying {} to {}; at expiry between {} and {}.",
            d.unit,
            format::price(a.price),
            format::price(b.price),
            format::num(lo),
            format::num(hi)
        ),
        _ => "Payoff chart: no points".into(),
    };
    Drawing { draw: Rc::new(move |cv, st| draw_payoff(cv, &d, st)), summary, legend, notes: Vec::new() }
}
