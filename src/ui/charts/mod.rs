//! Chart drawing: plain functions, no Yew. Each chart is
//! `fn draw_x(canvas, data, style) -> Result<ChartMap, DrawError>` drawing with plotters on a
//! canvas whose backing store the caller sized to CSS size × devicePixelRatio; fonts and
//! strokes are scaled with [`ChartStyle::px`].
//!
//! # Panels
//! The page shows charts as *panels* (tabs) listed in [`PANELS`]. To add a chart (stress
//! curve, heatmap, probability, liquidation map, amplification…): write its data and draw
//! function in `charts/<name>.rs`, then add a [`PanelSpec`] whose `build` turns the current
//! Scenario and Report into a [`Drawing`] (return `None` when the panel has nothing to show).
//! The generic `<CanvasChart>` component does sizing, HiDPI, redraws, the legend and the
//! hover read-out. Draw on [`backend::Canvas`] (not plotters-canvas directly) and keep legends
//! in [`Drawing::legend`]: plotters' own legend measures text with an inline-styled span that
//! the page's Content-Security-Policy blocks.

pub mod account;
pub mod amplification;
pub mod backend;
pub mod grid;
pub mod lending;
pub mod liqmap;
pub mod market;
pub mod payoff;
pub mod probability;
pub mod stress;

use std::rc::Rc;

use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::{CoordTranslate, ReverseCoordTranslate};
use plotters::style::RGBColor;
use web_sys::HtmlCanvasElement;

use crate::engine::{Report, Scenario};

/// Colours and sizes for one theme; `dpr` scales every pixel size.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartStyle {
    pub dpr: f64,
    pub dark: bool,
    pub bg: RGBColor,
    pub fg: RGBColor,
    pub muted: RGBColor,
    pub grid: RGBColor,
    pub danger: RGBColor,
    pub warn: RGBColor,
    /// Series colours, distinguishable in both themes and for common colour blindness.
    pub series: [RGBColor; 4],
    /// Label font size in CSS pixels.
    pub font: f64,
}

impl ChartStyle {
    pub fn new(dark: bool, dpr: f64) -> Self {
        let dpr = if dpr.is_finite() && dpr > 0.0 { dpr } else { 1.0 };
        if dark {
            ChartStyle {
                dpr,
                dark,
                bg: RGBColor(0x16, 0x1b, 0x22),
                fg: RGBColor(0xe6, 0xed, 0xf3),
                muted: RGBColor(0x9d, 0xa7, 0xb3),
                grid: RGBColor(0x2d, 0x34, 0x3d),
                danger: RGBColor(0xff, 0x7b, 0x72),
                warn: RGBColor(0xe3, 0xb3, 0x41),
                series: [
                    RGBColor(0x58, 0xa6, 0xff),
                    RGBColor(0xf0, 0x88, 0x3e),
                    RGBColor(0x3f, 0xb9, 0x50),
                    RGBColor(0xd2, 0xa8, 0xff),
                ],
                font: 12.0,
            }
        } else {
            ChartStyle {
                dpr,
                dark,
                bg: RGBColor(0xff, 0xff, 0xff),
                fg: RGBColor(0x1f, 0x23, 0x28),
                muted: RGBColor(0x59, 0x63, 0x6e),
                grid: RGBColor(0xe4, 0xe8, 0xec),
                danger: RGBColor(0xc0, 0x1c, 0x28),
                warn: RGBColor(0x9a, 0x67, 0x00),
                series: [
                    RGBColor(0x09, 0x69, 0xda),
                    RGBColor(0xbc, 0x4c, 0x00),
                    RGBColor(0x1a, 0x7f, 0x37),
                    RGBColor(0x82, 0x50, 0xdf),
                ],
                font: 12.0,
            }
        }
    }

    /// CSS pixels → backing-store pixels.
    pub fn px(&self, css: f64) -> u32 {
        (css * self.dpr).round().max(1.0) as u32
    }

    /// Label font size in backing-store pixels.
    pub fn font_px(&self) -> f64 {
        self.font * self.dpr
    }
}

/// Why a chart could not be drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawError(pub String);

impl<E: std::fmt::Display> From<E> for DrawError {
    fn from(e: E) -> Self {
        DrawError(e.to_string())
    }
}

/// What a drawn chart remembers so the mouse can be mapped back to data.
#[derive(Clone)]
pub struct ChartMap {
    /// plotters' coordinate transform of the plot area (backing-store pixels ↔ data).
    pub coord: Cartesian2d<RangedCoordf64, RangedCoordf64>,
    /// The read-out for a data point under the mouse (e.g. "price 54,000 · equity 1,234").
    pub readout: Rc<dyn Fn(f64, f64) -> String>,
}

impl ChartMap {
    /// Data coordinates under a backing-store pixel; `None` outside the plot area.
    pub fn data_at(&self, px: (i32, i32)) -> Option<(f64, f64)> {
        self.coord.reverse_translate(px)
    }

    /// Backing-store pixel of a data point.
    pub fn pixel_of(&self, x: f64, y: f64) -> (i32, i32) {
        self.coord.translate(&(x, y))
    }

    /// The plot area's vertical pixel range.
    pub fn y_pixels(&self) -> std::ops::Range<i32> {
        self.coord.get_y_axis_pixel_range()
    }
}

pub type DrawFn = dyn Fn(&HtmlCanvasElement, &ChartStyle) -> Result<ChartMap, DrawError>;

/// The colour of a legend entry (the page's CSS has the same colours as [`ChartStyle`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Swatch {
    Series(usize),
    Danger,
    Muted,
}

/// One legend entry, shown in HTML next to the canvas.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendItem {
    pub label: String,
    pub swatch: Swatch,
}

impl LegendItem {
    pub fn new(label: impl Into<String>, swatch: Swatch) -> Self {
        LegendItem { label: label.into(), swatch }
    }
}

/// A chart ready to draw: its data captured in `draw`, a text summary for screen readers and
/// its legend. Two drawings are equal when they are the same allocation (memoised by the page).
#[derive(Clone)]
pub struct Drawing {
    pub draw: Rc<DrawFn>,
    /// Short description of what the chart shows (the canvas's accessible name).
    pub summary: String,
    pub legend: Vec<LegendItem>,
    /// Remarks shown under the chart (what is left out or beyond the range).
    pub notes: Vec<String>,
}

impl PartialEq for Drawing {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.draw, &other.draw) && self.summary == other.summary
    }
}

/// One chart panel of the page.
pub struct PanelSpec {
    pub id: &'static str,
    pub title: &'static str,
    /// One sentence under the tabs: what the chart shows and how it was computed.
    pub about: &'static str,
    pub build: Build,
}

/// How a panel gets its drawing.
pub enum Build {
    /// From the calculator's own result, on the main thread.
    Local(fn(&Scenario, &Report) -> Option<Drawing>),
    /// From the worker's answer to a task (the answer's JSON, the Scenario it was asked for).
    Worker(fn(&Scenario) -> crate::work::Task, fn(&str, &Scenario) -> Drawing),
}

/// Every chart panel, in tab order. Add new panels here.
pub const PANELS: &[PanelSpec] = &[
    PanelSpec {
        id: "equity",
        title: "Equity",
        about: "Account equity (collateral + unrealised PnL) and the maintenance requirement as every price moves together; dashed lines mark each position's liquidation price.",
        build: Build::Local(account::equity_panel),
    },
    PanelSpec {
        id: "margin-ratio",
        title: "Margin ratio",
        about: "Maintenance margin ÷ equity as every price moves together; the account is liquidated at 100 %.",
        build: Build::Local(account::margin_ratio_panel),
    },
    PanelSpec {
        id: "stress",
        title: "Stress",
        about: "Account equity and maintenance (left axis) and margin ratio (right axis) as every price moves together, re-evaluated with the venue model at each move; ✕ marks each position's liquidation point and the shaded band the prices at which it may in practice be liquidated (mark–last spread, next tier, fees, funding over the horizon, slippage to bankruptcy).",
        build: Build::Worker(|_| crate::work::Task::Stress, stress::stress_panel),
    },
    PanelSpec {
        id: "grid",
        title: "Scenario grid",
        about: "SPAN / portfolio-margin style scenarios: ±16 % in 9 steps plus the extreme moves (counted at 35 %) and the extended moves (shown only); with two symbols, a heatmap over both symbols' moves. ✕ = a position is liquidated in that scenario.",
        build: Build::Worker(|_| crate::work::Task::Grid, grid::grid_panel),
    },
    PanelSpec {
        id: "probability",
        title: "P(liq.) vs horizon",
        about: "Closed-form probability of liquidation (first passage of geometric Brownian motion, funding moving the barrier) against the horizon, with the volatilities of the market assumptions.",
        build: Build::Worker(|_| crate::work::Task::Probability, probability::horizon_panel),
    },
    PanelSpec {
        id: "probability-leverage",
        title: "P(liq.) vs leverage",
        about: "Closed-form probability of liquidation within the horizon for each position alone, isolated, at other leverages; the dot is its current leverage.",
        build: Build::Worker(|_| crate::work::Task::Probability, probability::leverage_panel),
    },
    PanelSpec {
        id: "liqmap",
        title: "Liquidation map",
        about: "The market's liquidation notional by price (longs below the price, shorts above), with the cumulative notional liquidated between the price and each level, and your own liquidation prices.",
        build: Build::Worker(|_| crate::work::Task::Map, liqmap::map_panel),
    },
    PanelSpec {
        id: "cascade",
        title: "Cascade",
        about: "Amplification curve: the final price move after liquidations feed on their own price impact, against the initial shock (200 shocks each way); the critical shock is where the cascade runs away (amplification ≥ 2).",
        build: Build::Worker(|_| crate::work::Task::Sweep, amplification::amplification_panel),
    },
];
