//! Charts of the lending views: the health factor against each asset's price
//! ([`HealthCurve`]s, from the engine's `lending::curves::health_curves`) and a Maker auction's
//! price against time with its resets and the buyers' fills ([`PathReport`], from the engine's
//! `maker::clip::path`). Plain functions fed prepared data: the worker computes, these draw.

use std::rc::Rc;

use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use super::backend::Canvas;
use super::market::{bounds, err, font, frame, mesh, short, style_mesh, style_secondary};
use super::{ChartMap, ChartStyle, DrawError, LegendItem, Swatch};
use crate::engine::lending::curves::HealthCurve;
use crate::engine::maker::clip::PathReport;
use crate::ui::format;

/// Highest health factor drawn (the curve is clipped there, the read-out still exact).
const HF_CAP: f64 = 4.0;

/// The legend of [`draw_health`]: one series per asset, then the threshold.
pub fn health_legend(curves: &[HealthCurve]) -> Vec<LegendItem> {
    let mut v: Vec<LegendItem> = curves
        .iter()
        .enumerate()
        .map(|(k, c)| LegendItem::new(format!("{} ({})", c.asset, c.role), Swatch::Series(k % 4)))
        .collect();
    v.push(LegendItem::new("health factor 1: liquidatable below", Swatch::Danger));
    v
}

/// The health factor against each asset's own price, every other price fixed: x is the
/// asset's price move in % (so assets of any price share the axis), y the health factor,
/// clipped at 4; the dashed line is HF = 1 and each ✕ an asset's liquidation price.
///
/// # Errors
/// No 2D context, no curve, or plotters' drawing errors.
pub fn draw_health(canvas: &HtmlCanvasElement, curves: &[HealthCurve], style: &ChartStyle) -> Result<ChartMap, DrawError> {
    if curves.is_empty() {
        return Err(err("no asset moves the health factor"));
    }
    let backend = Canvas::new(canvas).ok_or_else(|| err("no 2D canvas context"))?;
    let root = backend.into_drawing_area();
    root.fill(&style.bg)?;
    let pct = |c: &HealthCurve, p: f64| (p / c.price - 1.0) * 100.0;
    let series: Vec<Vec<(f64, f64)>> = curves
        .iter()
        .map(|c| c.prices.iter().zip(&c.health_factors).filter_map(|(&p, h)| h.map(|h| (pct(c, p), h.min(HF_CAP)))).collect())
        .collect();
    let (x0, x1) = bounds(series.iter().flatten().map(|p| p.0).chain([-10.0, 10.0]));
    let (_, y1) = bounds(series.iter().flatten().map(|p| p.1).chain([0.0, 1.2]));
    let mut chart = frame(&root, style, x0..x1, 0.0..y1, 22.0, false)?;
    mesh(&mut chart, style)
        .x_labels(7)
        .y_labels(6)
        .x_label_formatter(&|v| format!("{v:+.0}%"))
        .y_label_formatter(&|v| format!("{v:.2}"))
        .x_desc("The asset's price move (others fixed)")
        .y_desc("Health factor")
        .draw()?;
    chart.draw_series(DashedLineSeries::new(vec![(x0, 1.0), (x1, 1.0)], style.px(5.0), style.px(3.0), style.danger.stroke_width(style.px(2.0))))?;
    chart.draw_series(LineSeries::new(vec![(0.0, 0.0), (0.0, y1)], style.muted.stroke_width(style.px(1.0))))?;
    chart.draw_series(std::iter::once(EmptyElement::at((0.0, y1)) + Text::new("now", (style.px(3.0) as i32, style.px(2.0) as i32), font(style, style.muted))))?;
    for (k, (c, pts)) in curves.iter().zip(&series).enumerate() {
        let colour = style.series[k % 4];
        chart.draw_series(LineSeries::new(pts.iter().copied(), colour.stroke_width(style.px(2.5))))?;
        if let Some(lp) = c.liquidation_price {
            let x = pct(c, lp);
            if x >= x0 && x <= x1 {
                chart.draw_series(std::iter::once(Cross::new((x, 1.0), style.px(6.0), style.danger.stroke_width(style.px(2.5)))))?;
                let dy = -((k % 3 + 1) as f64 * style.font_px() * 1.2) as i32;
                let label = format!("{} {}", c.asset, format::price(lp));
                chart.draw_series(std::iter::once(EmptyElement::at((x, 1.0)) + Text::new(label, (style.px(4.0) as i32, dy), font(style, colour))))?;
            }
        }
    }
    let coord = chart.as_coord_spec().clone();
    root.present()?;
    let data: Vec<HealthCurve> = curves.to_vec();
    Ok(ChartMap {
        coord,
        readout: Rc::new(move |x, _| {
            data.iter()
                .filter_map(|c| {
                    let p = c.price * (1.0 + x / 100.0);
                    let k = c.prices.partition_point(|&q| q < p).min(c.prices.len().saturating_sub(1));
                    let hf = c.health_factors.get(k).copied().flatten()?;
                    Some(format!("{} at {} → HF {:.3}", c.asset, format::price(c.prices[k]), hf))
                })
                .collect::<Vec<_>>()
                .join(" · ")
        }),
    })
}

/// The legend of [`draw_auction`].
pub fn auction_legend() -> Vec<LegendItem> {
    vec![
        LegendItem::new("auction price", Swatch::Series(0)),
        LegendItem::new("buyers' fills (size ∝ DAI)", Swatch::Series(2)),
        LegendItem::new("DAI raised (right axis)", Swatch::Series(1)),
        LegendItem::new("resets (tail or cusp)", Swatch::Danger),
        LegendItem::new("market price, tab", Swatch::Muted),
    ]
}

/// A Clipper auction against time: the price curve from `top` with a drop back to the new top
/// at each reset (dashed, labelled tail or cusp), the market price, the buyers' fills as dots
/// at the price they paid, and on the right axis the DAI raised so far against the tab.
///
/// # Errors
/// No 2D context, an empty path, or plotters' drawing errors.
pub fn draw_auction(canvas: &HtmlCanvasElement, path: &PathReport, market: f64, style: &ChartStyle) -> Result<ChartMap, DrawError> {
    if path.price_path.is_empty() {
        return Err(err("the auction has no price path"));
    }
    let backend = Canvas::new(canvas).ok_or_else(|| err("no 2D canvas context"))?;
    let root = backend.into_drawing_area();
    root.fill(&style.bg)?;
    let t1 = path.price_path.iter().map(|p| p.0).fold(1.0f64, f64::max);
    let (_, y1) = bounds(path.price_path.iter().map(|p| p.1).chain([0.0, market]));
    let raised_max = path.tab.max(path.proceeds).max(1e-9) * 1.08;
    let mut chart = frame(&root, style, 0.0..t1, 0.0..y1, 22.0, true)?.set_secondary_coord(0.0..t1, 0.0..raised_max);
    let mut m = chart.configure_mesh();
    style_mesh(&mut m, style);
    m.x_labels(7)
        .y_labels(6)
        .x_label_formatter(&|v| format!("{} s", short(*v)))
        .y_label_formatter(&|v| short(*v))
        .x_desc("Seconds after the kick")
        .y_desc("Price (DAI per unit)")
        .draw()?;
    let mut m2 = chart.configure_secondary_axes();
    style_secondary(&mut m2, style);
    m2.y_labels(5)
        .y_label_formatter(&|v| short(*v))
        .y_desc("DAI raised")
        .draw()?;
    chart.draw_series(DashedLineSeries::new(vec![(0.0, market), (t1, market)], style.px(4.0), style.px(4.0), style.muted.stroke_width(style.px(1.0))))?;
    chart.draw_series(std::iter::once(EmptyElement::at((0.0, market)) + Text::new(format!("market {}", format::price(market)), (style.px(4.0) as i32, -(style.px(16.0) as i32)), font(style, style.muted))))?;
    for r in &path.resets {
        chart.draw_series(DashedLineSeries::new(vec![(r.t, 0.0), (r.t, y1)], style.px(5.0), style.px(3.0), style.danger.stroke_width(style.px(1.5))))?;
        chart.draw_series(std::iter::once(EmptyElement::at((r.t, y1)) + Text::new(format!("reset ({})", r.reason), (style.px(3.0) as i32, style.px(2.0) as i32), font(style, style.danger))))?;
    }
    chart.draw_series(LineSeries::new(path.price_path.iter().copied(), style.series[0].stroke_width(style.px(2.5))))?;
    let biggest = path.fills.iter().map(|f| f.dai).fold(0.0f64, f64::max).max(1e-12);
    for f in &path.fills {
        let r = style.px(2.0 + 5.0 * (f.dai / biggest).sqrt()) as i32;
        chart.draw_series(std::iter::once(Circle::new((f.t, f.price), r, style.series[2].filled())))?;
    }
    // DAI raised so far: a step up at each fill, against the tab.
    let mut raised = vec![(0.0, 0.0)];
    let mut total = 0.0;
    for f in &path.fills {
        raised.push((f.t, total));
        total += f.dai;
        raised.push((f.t, total));
    }
    raised.push((t1, total));
    chart.draw_secondary_series(LineSeries::new(raised, style.series[1].stroke_width(style.px(2.0))))?;
    chart.draw_secondary_series(DashedLineSeries::new(vec![(0.0, path.tab), (t1, path.tab)], style.px(2.0), style.px(3.0), style.muted.stroke_width(style.px(1.5))))?;
    chart.draw_secondary_series(std::iter::once(
        EmptyElement::at((t1, path.tab)) + Text::new(format!("tab {}", short(path.tab)), (-(style.px(70.0) as i32), style.px(3.0) as i32), font(style, style.muted)),
    ))?;
    let coord = chart.as_coord_spec().clone();
    root.present()?;
    let data = path.clone();
    Ok(ChartMap {
        coord,
        readout: Rc::new(move |x, _| {
            let k = data.price_path.partition_point(|p| p.0 <= x).saturating_sub(1);
            let (t, price) = data.price_path[k.min(data.price_path.len() - 1)];
            let paid: f64 = data.fills.iter().filter(|f| f.t <= x).map(|f| f.dai).sum();
            format!("{} s · price {} · DAI raised {} of tab {}", format::num(t.max(0.0).round()), format::price(price), format::num(paid), format::num(data.tab))
        }),
    })
}
