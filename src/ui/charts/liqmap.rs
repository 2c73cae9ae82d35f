//! Liquidation map of the market (the engine's liquidation map, computed by the worker): liquidation notional per
//! price bin — longs below the market price, shorts above it — with the cumulative
//! "liquidatable between here and price X" line on a second axis, and the user's own
//! liquidation prices marked.

use std::rc::Rc;

use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use super::backend::Canvas;
use super::market::{err, font, frame, short, style_mesh, style_secondary};
use super::{ChartMap, ChartStyle, DrawError, Drawing, LegendItem, Swatch};
use crate::engine::cascade::LiquidationMap;
use crate::engine::{Scenario, Side};
use crate::ui::format;


pub fn draw_map(canvas: &HtmlCanvasElement, m: &LiquidationMap, style: &ChartStyle) -> Result<ChartMap, DrawError> {
    let backend = Canvas::new(canvas).ok_or_else(|| err("no 2D canvas context"))?;
    let root = backend.into_drawing_area();
    root.fill(&style.bg)?;
    let (x0, x1) = (*m.bin_edges.first().unwrap_or(&0.0), *m.bin_edges.last().unwrap_or(&1.0));
    let ymax = m.long_notional.iter().chain(&m.short_notional).fold(0.0f64, |a, &b| a.max(b)).max(1.0) * 1.1;
    let cmax = m.cumulative_long.iter().chain(&m.cumulative_short).fold(0.0f64, |a, &b| a.max(b)).max(1.0) * 1.05;
    let mut chart = frame(&root, style, x0..x1, 0.0..ymax, 22.0, true)?.set_secondary_coord(x0..x1, 0.0..cmax);
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh, style);
    mesh
        .x_labels(7)
        .y_labels(5)
        .x_label_formatter(&|v| short(*v))
        .y_label_formatter(&|v| short(*v))
        .x_desc("Price")
        .y_desc("Liquidation notional per bin")
        .draw()?;
    let mut m2 = chart.configure_secondary_axes();
    style_secondary(&mut m2, style);
    m2.y_labels(5)
        .y_label_formatter(&|v| short(*v))
        .y_desc("Cumulative from the price")
        .draw()?;
    for k in 0..m.long_notional.len() {
        let (a, b) = (m.bin_edges[k], m.bin_edges[k + 1]);
        let w = (b - a) * 0.08;
        if m.long_notional[k] > 0.0 {
            chart.draw_series(std::iter::once(Rectangle::new([(a + w, 0.0), (b - w, m.long_notional[k])], style.series[2].filled())))?;
        }
        if m.short_notional[k] > 0.0 {
            chart.draw_series(std::iter::once(Rectangle::new([(a + w, 0.0), (b - w, m.short_notional[k])], style.series[1].filled())))?;
        }
        // The loans' part of the bin (market.loans and the loan generator), at the bar's foot.
        let loans = m.loan_long_notional.get(k).copied().unwrap_or(0.0) + m.loan_short_notional.get(k).copied().unwrap_or(0.0);
        if loans > 0.0 {
            chart.draw_series(std::iter::once(Rectangle::new([(a + w, 0.0), (b - w, loans)], style.series[3].filled())))?;
        }
    }
    // Cumulative lines: longs from the price down, shorts from the price up.
    let n = m.long_notional.len();
    let longs: Vec<(f64, f64)> = (0..n).filter(|&k| m.bin_edges[k] < m.price).map(|k| (m.bin_edges[k], m.cumulative_long[k])).collect();
    let shorts: Vec<(f64, f64)> = (0..n).filter(|&k| m.bin_edges[k + 1] > m.price).map(|k| (m.bin_edges[k + 1], m.cumulative_short[k])).collect();
    chart.draw_secondary_series(LineSeries::new(longs, style.fg.stroke_width(style.px(2.0))))?;
    chart.draw_secondary_series(LineSeries::new(shorts, style.fg.stroke_width(style.px(2.0))))?;
    chart.draw_series(LineSeries::new(vec![(m.price, 0.0), (m.price, ymax)], style.muted.stroke_width(style.px(1.0))))?;
    chart.draw_series(std::iter::once(
        EmptyElement::at((m.price, ymax)) + Text::new(format!("price {}", short(m.price)), (style.px(3.0) as i32, style.px(2.0) as i32), font(style, style.muted)),
    ))?;
    for (k, u) in m.user_liquidation_prices.iter().enumerate() {
        let x = u.liquidation_price;
        if x < x0 || x > x1 {
            continue;
        }
        chart.draw_series(DashedLineSeries::new(vec![(x, 0.0), (x, ymax)], style.px(5.0), style.px(3.0), style.danger.stroke_width(style.px(2.0))))?;
        let dy = (k % 3 + 1) as f64 * style.font_px() * 1.15;
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, ymax)) + Text::new(format!("✕ you #{}", u.index + 1), (style.px(3.0) as i32, dy as i32), font(style, style.danger)),
        ))?;
    }
    let coord = chart.as_coord_spec().clone();
    root.present()?;
    let data = m.clone();
    Ok(ChartMap {
        coord,
        readout: Rc::new(move |x, _| {
            let k = data.bin_edges.partition_point(|e| *e <= x).saturating_sub(1).min(data.long_notional.len().saturating_sub(1));
            let (a, b) = (data.bin_edges[k], data.bin_edges[k + 1]);
            let (side, per, cum, loans) = if b <= data.price || (a < data.price && x < data.price) {
                ("longs", data.long_notional[k], data.cumulative_long[k], data.loan_long_notional.get(k).copied().unwrap_or(0.0))
            } else {
                ("shorts", data.short_notional[k], data.cumulative_short[k], data.loan_short_notional.get(k).copied().unwrap_or(0.0))
            };
            let of_loans = if loans > 0.0 { format!(" (loans {})", format::num(loans)) } else { String::new() };
            format!(
                "price {}…{} · {side} liquidated in this bin {}{of_loans} · liquidatable between {} and here {}",
                format::price(a),
                format::price(b),
                format::num(per),
                format::price(data.price),
                format::num(cum)
            )
        }),
    })
}

/// The map from the worker's [`crate::work::Task::Map`] answer.
pub fn map_panel(answer: &str, _s: &Scenario) -> Drawing {
    let legend = vec![
        LegendItem::new("long liquidations", Swatch::Series(2)),
        LegendItem::new("short liquidations", Swatch::Series(1)),
        LegendItem::new("cumulative (right axis)", Swatch::Muted),
        LegendItem::new("your liquidation prices", Swatch::Danger),
    ];
    match crate::work::read_answer::<LiquidationMap>(answer) {
        Ok(m) => {
            let you: Vec<String> = m
                .user_liquidation_prices
                .iter()
                .map(|u| {
                    let cum = if u.side == Side::Long { "longs" } else { "shorts" };
                    format!("#{} at {} ({cum} side)", u.index + 1, format::price(u.liquidation_price))
                })
                .collect();
            let summary = format!(
                "Liquidation map around {}: {} long and {} short liquidation notional in {} levels. Your liquidation prices: {}.",
                format::price(m.price),
                format::num(m.summary.long_level_notional),
                format::num(m.summary.short_level_notional),
                m.summary.long_levels + m.summary.short_levels,
                if you.is_empty() { "none".into() } else { you.join(", ") }
            );
            // Loans (market.loans, the loan generator) are drawn at the foot of their bins.
            let mut legend = legend;
            let mut summary = summary;
            if m.summary.loans > 0 {
                legend.insert(2, LegendItem::new("of which loans", Swatch::Series(3)));
                summary.push_str(&format!(
                    " Loans: {} liquidation steps of {} loans, {} selling below and {} buying above.",
                    m.summary.loan_long_levels + m.summary.loan_short_levels,
                    m.summary.loans,
                    format::num(m.summary.loan_long_notional),
                    format::num(m.summary.loan_short_notional)
                ));
            }
            Drawing { draw: Rc::new(move |cv, st| draw_map(cv, &m, st)), summary, legend, notes: Vec::new() }
        }
        Err(e) => Drawing { draw: Rc::new(move |_, _| Err(err(e.clone()))), summary: "Liquidation map unavailable".into(), legend, notes: Vec::new() },
    }
}
