//! Market assumptions the risk and cascade panels fall back on, and helpers they share.
//!
//! A Scenario without a `market` section still gets useful panels: [`effective`] fills every
//! missing market input with a stated default (the market form shows the same defaults as
//! placeholders). The defaults never enter the Scenario itself, so links and saved files carry
//! only what the user typed.
//!
//! Building the market's liquidation levels is the one expensive step of the map and the
//! cascade (10⁶ generated positions: one engine call), so [`levels`] keeps the last result and
//! every panel and card built from the same market shares it.

use std::cell::RefCell;
use std::rc::Rc;

use plotters::prelude::*;

use super::{ChartStyle, DrawError};
use crate::engine::analytics::symbols;
use crate::engine::cascade::{market_levels, Impact, MarketLevels};
use crate::engine::{Market, Scenario};

// The defaults are the engine's (`engine::compute::defaults`), applied and listed there for
// every door; re-exported here for the page's placeholders until the page takes them from
// the compute entry's results.
pub use crate::engine::analytics::DEFAULT_HORIZON_DAYS;
pub use crate::engine::compute::defaults::{
    default_depth, default_generator, default_volatility, DEFAULT_AMM_BASE, DEFAULT_COUNT, DEFAULT_DEPTH, DEFAULT_OI_LONG,
    DEFAULT_OI_SHORT, DEFAULT_SEED, DEFAULT_SPREAD, DEFAULT_SQRT,
};

/// The Scenario with every missing market input set to its default: a volatility for each
/// symbol, the horizon, a generated market (when no market positions are given) and a depth.
pub fn effective(s: &Scenario) -> Scenario {
    let mut e = s.clone();
    let m = e.market.get_or_insert_with(Market::default);
    for sym in symbols(s) {
        let v = default_volatility(&sym);
        m.risk.volatility.entry(sym).or_insert(v);
    }
    if m.risk.horizon_days.is_none() {
        m.risk.horizon_days = Some(DEFAULT_HORIZON_DAYS);
    }
    if m.book.positions.is_empty() && m.book.generator.is_none() {
        m.book.generator = Some(default_generator());
    }
    if m.book.depth.is_none() {
        m.book.depth = Some(default_depth());
    }
    e
}

/// The horizon the panels use (days).
pub fn horizon(s: &Scenario) -> f64 {
    s.market.as_ref().and_then(|m| m.risk.horizon_days).unwrap_or(DEFAULT_HORIZON_DAYS)
}

/// The market's levels and impact model, built once per market.
pub struct Book {
    pub levels: MarketLevels,
    pub impact: Impact,
    /// How long building the levels took (ms), for the page's figures.
    pub build_ms: f64,
}

type Cached = Rc<Result<Book, String>>;

thread_local! {
    static LEVELS: RefCell<Option<(String, Cached)>> = const { RefCell::new(None) };
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Everything the levels depend on: the venue, the first position's symbol and price (the
/// defaults of market positions and of the reference price), and the market section. Editing
/// the user's own sizes or leverages does not rebuild a large market.
fn levels_key(s: &Scenario) -> String {
    let first = s.positions.first().map(|p| (&p.symbol, p.mark_price.unwrap_or(p.entry_price), p.contract));
    serde_json::to_string(&(s.venue, first, &s.market)).unwrap_or_default()
}

/// Whether [`levels`] would answer from its cache, or the market is small enough (under
/// [`LARGE_MARKET`] positions) to build at once.
pub fn levels_ready(s: &Scenario) -> bool {
    let n = s.market.as_ref().map_or(0, |m| m.book.positions.len() + m.book.generator.as_ref().map_or(0, |g| g.count));
    n < LARGE_MARKET || LEVELS.with(|c| c.borrow().as_ref().is_some_and(|(k, _)| *k == levels_key(s)))
}

/// Markets at least this large are built after the page has painted a "building" notice.
pub const LARGE_MARKET: usize = 100_000;

/// The market's liquidation levels for an (effective) Scenario; the last one is cached.
pub fn levels(s: &Scenario) -> Cached {
    let key = levels_key(s);
    if let Some(hit) = LEVELS.with(|c| c.borrow().as_ref().filter(|(k, _)| *k == key).map(|(_, v)| v.clone())) {
        return hit;
    }
    let t0 = now_ms();
    let built = market_levels(s, &[], 1.0).map_err(|e| first_error(&e)).map(|levels| {
        let depth = s.market.as_ref().and_then(|m| m.book.depth.clone()).unwrap_or_else(default_depth);
        Book { levels, impact: Impact::new(&depth), build_ms: now_ms() - t0 }
    });
    let v: Cached = Rc::new(built);
    LEVELS.with(|c| *c.borrow_mut() = Some((key, v.clone())));
    v
}

/// The first problem of an engine error, with its field path.
pub fn first_error(e: &crate::engine::InputErrors) -> String {
    let mut s = e.0.first().map(|f| f.to_string()).unwrap_or_else(|| "invalid input".into());
    if e.0.len() > 1 {
        s.push_str(&format!(" (and {} more)", e.0.len() - 1));
    }
    s
}

/// The symbol the market book belongs to: the first position's (the cascade's default).
pub fn market_symbol(s: &Scenario) -> Option<&str> {
    s.positions.first().map(|p| p.symbol.as_str())
}

/// Short axis numbers: `54k`, `1.2M`, `3.5B`.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}B", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else if a == 0.0 {
        "0".into()
    } else {
        format!("{v:.3}")
    }
}

/// A padded range around finite values (0..1 when there are none).
pub fn bounds(ys: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = ys.filter(|y| y.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| (a.min(y), b.max(y)));
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(hi.abs().max(lo.abs()) * 1e-6).max(1e-12);
    (lo - pad, hi + pad)
}

/// The label font in a colour.
pub fn font(style: &ChartStyle, c: RGBColor) -> TextStyle<'static> {
    ("sans-serif", style.font_px()).into_font().color(&c)
}

/// A colour with opacity.
pub fn alpha(c: RGBColor, a: f64) -> RGBAColor {
    c.mix(a)
}

/// The error every panel draws when its inputs are missing.
pub fn err(msg: impl Into<String>) -> DrawError {
    DrawError(msg.into())
}

type Ctx<'a> = plotters::chart::ChartContext<'a, super::backend::Canvas, plotters::coord::cartesian::Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>;
type Area = DrawingArea<super::backend::Canvas, plotters::coord::Shift>;

/// The panels' chart frame: margins scaled by the device pixel ratio, label areas (a right
/// one when `right_axis`), over `x × y`.
///
/// # Errors
/// plotters' drawing errors.
pub fn frame<'a>(root: &'a Area, style: &ChartStyle, x: std::ops::Range<f64>, y: std::ops::Range<f64>, top: f64, right_axis: bool) -> Result<Ctx<'a>, DrawError> {
    let mut b = ChartBuilder::on(root);
    // Without a right axis a wider right margin keeps the last x label whole.
    b.margin(style.px(10.0))
        .margin_top(style.px(top))
        .margin_right(style.px(if right_axis { 10.0 } else { 24.0 }))
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(56.0));
    if right_axis {
        b.right_y_label_area_size(style.px(56.0));
    }
    Ok(b.build_cartesian_2d(x, y)?)
}

/// The panels' mesh style (theme colours, light lines off) on any chart's mesh; callers add
/// labels and draw.
pub fn style_mesh<X: plotters::coord::ranged1d::Ranged, Y: plotters::coord::ranged1d::Ranged>(
    m: &mut plotters::chart::MeshStyle<'_, '_, X, Y, super::backend::Canvas>,
    style: &ChartStyle,
) {
    m.label_style(font(style, style.fg))
        .axis_desc_style(font(style, style.muted))
        .axis_style(style.muted.stroke_width(style.px(1.0)))
        .bold_line_style(style.grid.stroke_width(style.px(1.0)))
        .light_line_style(TRANSPARENT);
}

/// [`style_mesh`] on a plain chart.
pub fn mesh<'a, 'b>(
    chart: &'b mut Ctx<'a>,
    style: &ChartStyle,
) -> plotters::chart::MeshStyle<'a, 'b, plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64, super::backend::Canvas> {
    let mut m = chart.configure_mesh();
    style_mesh(&mut m, style);
    m
}
