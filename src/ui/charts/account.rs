//! The account's equity and margin ratio as every price moves together.
//!
//! Every position's price is `mark × (1 + m)` for one common move `m`. At each move:
//! equity = collateral + Σ PnL_i and requirement = Σ (MM_i + counted closing fee_i), computed
//! with the engine's own margin functions. In isolated mode the collateral is the sum of the
//! positions' margins, in cross mode the wallet balance. The x axis is the price itself when
//! every charted position has the same mark price, else the move in percent.

use std::rc::Rc;

use plotters::prelude::*;
use web_sys::HtmlCanvasElement;

use super::backend::Canvas;
use super::market::{bounds, short};
use super::{ChartMap, ChartStyle, DrawError, Drawing, LegendItem, Swatch};
use crate::engine::{venue, Report, Scenario};
use crate::ui::format;

const SAMPLES: usize = 241;

/// One liquidation price on the x axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub label: String,
    pub x: f64,
}

/// The sampled curves, ready to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountCurve {
    /// x in display units (price, or move in %).
    pub xs: Vec<f64>,
    pub equity: Vec<f64>,
    pub requirement: Vec<f64>,
    /// Requirement ÷ equity in %, `None` where equity ≤ 0.
    pub ratio: Vec<Option<f64>>,
    pub marks: Vec<Mark>,
    /// x of the current mark prices.
    pub now: f64,
    pub price_axis: bool,
    pub x_desc: String,
    /// The currency of the amounts (`USDT`, `BTC`).
    pub unit: String,
    /// Positions left out (another settlement asset) or marks beyond the range.
    pub notes: Vec<String>,
}

impl AccountCurve {
    /// Samples the account over a range that shows every liquidation price (up to ±95 %).
    pub fn compute(s: &Scenario, r: &Report) -> Option<AccountCurve> {
        let first = r.positions.first()?;
        let mut notes = Vec::new();
        let mut models = Vec::new();
        let mut charted = Vec::new();
        for (i, (p, pr)) in s.positions.iter().zip(&r.positions).enumerate() {
            if pr.contract != first.contract {
                continue;
            }
            if let Ok(m) = venue::position_model(s, i, p) {
                models.push(m);
                charted.push(i);
            }
        }
        if charted.len() < r.positions.len() {
            notes.push(format!(
                "{} position(s) with another contract type are not in this chart.",
                r.positions.len() - charted.len()
            ));
        }
        let mark0 = models.first()?.mark_price;
        let price_axis = models.iter().all(|m| (m.mark_price - mark0).abs() <= 1e-9 * mark0);
        let far = charted
            .iter()
            .filter_map(|&i| {
                let pr = &r.positions[i];
                pr.liquidation_price.map(|lp| (lp / pr.mark_price - 1.0).abs())
            })
            .fold(0.0f64, f64::max);
        let span = (far * 1.3).clamp(0.1, 0.95);
        let to_x = |m: f64| if price_axis { mark0 * (1.0 + m) } else { m * 100.0 };
        let wallet = r.account.wallet_balance;
        let (mut xs, mut equity, mut requirement, mut ratio) =
            (Vec::with_capacity(SAMPLES), Vec::with_capacity(SAMPLES), Vec::with_capacity(SAMPLES), Vec::with_capacity(SAMPLES));
        for k in 0..SAMPLES {
            let m = -span + 2.0 * span * k as f64 / (SAMPLES - 1) as f64;
            // The engine's account at a common move (the cross solver's own function).
            let a = crate::engine::cross::account_at_move(models.iter(), wallet, m);
            let (eq, req) = (a.equity, a.requirement());
            if !(eq.is_finite() && req.is_finite()) {
                continue;
            }
            xs.push(to_x(m));
            equity.push(eq);
            requirement.push(req);
            ratio.push((eq > 0.0).then(|| 100.0 * req / eq).filter(|v| v.is_finite()));
        }
        let mut marks = Vec::new();
        for &i in &charted {
            let pr = &r.positions[i];
            if let Some(lp) = pr.liquidation_price {
                let m = lp / pr.mark_price - 1.0;
                if m.abs() <= span {
                    marks.push(Mark { label: format!("#{}", i + 1), x: to_x(m) });
                } else {
                    notes.push(format!("#{} liquidates beyond the chart ({}).", i + 1, format::price(lp)));
                }
            }
        }
        Some(AccountCurve {
            xs,
            equity,
            requirement,
            ratio,
            marks,
            now: to_x(0.0),
            price_axis,
            x_desc: if price_axis {
                let sym = &first.symbol;
                if sym.is_empty() { "Mark price".into() } else { format!("{sym} mark price") }
            } else {
                "Move of every mark price, %".into()
            },
            unit: crate::ui::format::currency(r.venue, &first.symbol, first.settlement, first.coin.as_deref()),
            notes,
        })
    }

    /// Linear interpolation of a series at x.
    fn at(&self, ys: &[f64], x: f64) -> Option<f64> {
        let k = self.xs.partition_point(|&v| v < x);
        if k == 0 || k >= self.xs.len() {
            return None;
        }
        let (x0, x1) = (self.xs[k - 1], self.xs[k]);
        let t = if x1 > x0 { (x - x0) / (x1 - x0) } else { 0.0 };
        Some(ys[k - 1] + t * (ys[k] - ys[k - 1]))
    }

    fn x_text(&self, x: f64) -> String {
        if self.price_axis {
            format!("price {}", format::price(x))
        } else {
            format!("move {x:+.2} %")
        }
    }

    fn summary(&self, what: &str) -> String {
        let marks = self.marks.iter().map(|m| format!("{} at {}", m.label, self.fmt_x(m.x))).collect::<Vec<_>>().join(", ");
        let mut s = format!("{what} against {}. ", self.x_desc.to_lowercase());
        if marks.is_empty() {
            s.push_str("No liquidation price in range.");
        } else {
            s.push_str(&format!("Liquidation prices: {marks}."));
        }
        for n in &self.notes {
            s.push(' ');
            s.push_str(n);
        }
        s
    }

    fn fmt_x(&self, x: f64) -> String {
        if self.price_axis {
            format::price(x)
        } else {
            format!("{x:+.1} %")
        }
    }
}

/// Draws axes, grid, marks and labels shared by both account charts; returns the chart.
fn frame<'a>(
    root: &'a DrawingArea<Canvas, plotters::coord::Shift>,
    c: &AccountCurve,
    (y0, y1): (f64, f64),
    y_desc: &str,
    style: &ChartStyle,
) -> Result<Ctx<'a>, DrawError> {
    let (x0, x1) = (*c.xs.first().unwrap_or(&0.0), *c.xs.last().unwrap_or(&1.0));
    let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
    let font = ("sans-serif", style.font_px()).into_font().color(&style.fg);
    let mut chart = ChartBuilder::on(root)
        .margin(style.px(10.0))
        .margin_top(style.px(22.0))
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(56.0))
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let price_axis = c.price_axis;
    let xfmt = move |v: &f64| if price_axis { short(*v) } else { format!("{v:+.0}%") };
    let yfmt = |v: &f64| short(*v);
    chart
        .configure_mesh()
        .label_style(font.clone())
        .axis_desc_style(("sans-serif", style.font_px()).into_font().color(&style.muted))
        .axis_style(style.muted.stroke_width(style.px(1.0)))
        .bold_line_style(style.grid.stroke_width(style.px(1.0)))
        .light_line_style(TRANSPARENT)
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&xfmt)
        .y_label_formatter(&yfmt)
        .x_desc(c.x_desc.clone())
        .y_desc(y_desc)
        .draw()?;
    // The current mark: a thin solid line.
    chart.draw_series(LineSeries::new(vec![(c.now, y0), (c.now, y1)], style.muted.stroke_width(style.px(1.0))))?;
    chart.draw_series(std::iter::once(
        EmptyElement::at((c.now, y1))
            + Text::new("mark", (style.px(3.0) as i32, -(style.px(14.0) as i32)), ("sans-serif", style.font_px()).into_font().color(&style.muted)),
    ))?;
    // Each liquidation price: a dashed line in the danger colour, labelled #k (staggered).
    for (k, m) in c.marks.iter().enumerate() {
        chart.draw_series(DashedLineSeries::new(
            vec![(m.x, y0), (m.x, y1)],
            style.px(5.0),
            style.px(3.0),
            style.danger.stroke_width(style.px(1.5)),
        ))?;
        let dy = (k % 3) as f64 * style.font_px() * 1.1;
        chart.draw_series(std::iter::once(
            EmptyElement::at((m.x, y1))
                + Text::new(
                    format!("✕ {}", m.label),
                    (style.px(3.0) as i32, dy as i32 + style.px(2.0) as i32),
                    ("sans-serif", style.font_px()).into_font().color(&style.danger),
                ),
        ))?;
    }
    Ok(chart)
}

/// Equity and maintenance requirement against price.
pub fn draw_equity(canvas: &HtmlCanvasElement, c: &AccountCurve, style: &ChartStyle) -> Result<ChartMap, DrawError> {
    let backend = Canvas::new(canvas).ok_or_else(|| DrawError("no 2D canvas context".into()))?;
    let root = backend.into_drawing_area();
    root.fill(&style.bg)?;
    let (y0, y1) = bounds(c.equity.iter().chain(&c.requirement).copied().chain([0.0]));
    let mut chart = frame(&root, c, (y0, y1), &format!("Amount, {}", c.unit), style)?;
    // Zero equity line.
    chart.draw_series(LineSeries::new(vec![(c.xs[0], 0.0), (*c.xs.last().unwrap_or(&0.0), 0.0)], style.fg.stroke_width(style.px(1.0))))?;
    chart.draw_series(LineSeries::new(
        c.xs.iter().copied().zip(c.requirement.iter().copied()),
        style.series[1].stroke_width(style.px(2.0)),
    ))?;
    chart.draw_series(LineSeries::new(c.xs.iter().copied().zip(c.equity.iter().copied()), style.series[0].stroke_width(style.px(2.5))))?;
    finish(chart, &root, c, |d, x| {
        let eq = d.at(&d.equity, x).map(format::num).unwrap_or_default();
        let req = d.at(&d.requirement, x).map(format::num).unwrap_or_default();
        format!("{} · equity {eq} · requirement {req} {}", d.x_text(x), d.unit)
    })
}

type Ctx<'a> = ChartContext<'a, Canvas, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>;

/// Presents the drawing and keeps its coordinate transform with a read-out over the data.
fn finish(chart: Ctx<'_>, root: &DrawingArea<Canvas, plotters::coord::Shift>, c: &AccountCurve, text: fn(&AccountCurve, f64) -> String) -> Result<ChartMap, DrawError> {
    let coord = chart.as_coord_spec().clone();
    root.present()?;
    let data = c.clone();
    Ok(ChartMap { coord, readout: Rc::new(move |x, _y| text(&data, x)) })
}

/// Margin ratio (requirement ÷ equity) against price, with the 100 % liquidation line.
pub fn draw_margin_ratio(canvas: &HtmlCanvasElement, c: &AccountCurve, style: &ChartStyle) -> Result<ChartMap, DrawError> {
    let backend = Canvas::new(canvas).ok_or_else(|| DrawError("no 2D canvas context".into()))?;
    let root = backend.into_drawing_area();
    root.fill(&style.bg)?;
    const CAP: f64 = 200.0;
    let top = c.ratio.iter().flatten().fold(0.0f64, |a, &v| a.max(v.min(CAP))).max(120.0) * 1.05;
    let mut chart = frame(&root, c, (0.0, top), "Margin ratio, %", style)?;
    let x_end = *c.xs.last().unwrap_or(&0.0);
    chart.draw_series(LineSeries::new(vec![(c.xs[0], 100.0), (x_end, 100.0)], style.danger.stroke_width(style.px(1.5))))?;
    chart.draw_series(std::iter::once(
        EmptyElement::at((c.xs[0], 100.0))
            + Text::new(
                "100 % = liquidation",
                (style.px(4.0) as i32, -(style.px(16.0) as i32)),
                ("sans-serif", style.font_px()).into_font().color(&style.danger),
            ),
    ))?;
    // Segments where the ratio exists (equity > 0), capped at the chart's top.
    let mut seg: Vec<(f64, f64)> = Vec::new();
    let mut segs = Vec::new();
    for (x, r) in c.xs.iter().zip(&c.ratio) {
        match r {
            Some(v) => seg.push((*x, v.min(CAP * 1.05).min(top))),
            None => {
                if !seg.is_empty() {
                    segs.push(std::mem::take(&mut seg));
                }
            }
        }
    }
    if !seg.is_empty() {
        segs.push(seg);
    }
    for s in segs {
        chart.draw_series(LineSeries::new(s, style.series[0].stroke_width(style.px(2.5))))?;
    }
    finish(chart, &root, c, |d, x| {
        let k = d.xs.partition_point(|&v| v < x).min(d.xs.len().saturating_sub(1));
        let r = d.ratio.get(k).copied().flatten().map(|v| format!("{v:.1} %")).unwrap_or_else(|| "— (equity ≤ 0)".into());
        format!("{} · margin ratio {r}", d.x_text(x))
    })
}

pub fn equity_panel(s: &Scenario, r: &Report) -> Option<Drawing> {
    let c = AccountCurve::compute(s, r)?;
    let summary = c.summary("Equity and maintenance requirement");
    let legend = vec![
        LegendItem::new("equity", Swatch::Series(0)),
        LegendItem::new("maintenance requirement", Swatch::Series(1)),
        LegendItem::new("liquidation price", Swatch::Danger),
        LegendItem::new("current mark", Swatch::Muted),
    ];
    let notes = c.notes.clone();
    Some(Drawing { draw: Rc::new(move |cv, st| draw_equity(cv, &c, st)), summary, legend, notes })
}

pub fn margin_ratio_panel(s: &Scenario, r: &Report) -> Option<Drawing> {
    let c = AccountCurve::compute(s, r)?;
    let summary = c.summary("Margin ratio");
    let legend = vec![
        LegendItem::new("margin ratio", Swatch::Series(0)),
        LegendItem::new("100 % (liquidation) and liquidation prices", Swatch::Danger),
        LegendItem::new("current mark", Swatch::Muted),
    ];
    let notes = c.notes.clone();
    Some(Drawing { draw: Rc::new(move |cv, st| draw_margin_ratio(cv, &c, st)), summary, legend, notes })
}
