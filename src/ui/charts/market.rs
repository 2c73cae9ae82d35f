//! Helpers the panels share (axis numbers, frames, colours). The market defaults the risk and
//! cascade panels fall back on are [`crate::work`]'s, re-exported for the market form's
//! placeholders.

use plotters::prelude::*;

use super::{ChartStyle, DrawError};
// The defaults are the engine's (`engine::compute::defaults`), applied and listed there for
// every door (the worker applies them); re-exported here for the market form's placeholders.
pub use crate::engine::analytics::DEFAULT_HORIZON_DAYS;
pub use crate::engine::compute::defaults::{
    default_depth, default_generator, default_volatility, DEFAULT_AMM_BASE, DEFAULT_COUNT, DEFAULT_DEPTH, DEFAULT_OI_LONG,
    DEFAULT_OI_SHORT, DEFAULT_SEED, DEFAULT_SPREAD, DEFAULT_SQRT,
};

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

/// The secondary (right-hand) axis in the same colours as [`style_mesh`]'s primary one.
pub fn style_secondary<X, Y>(
    m: &mut plotters::chart::SecondaryMeshStyle<'_, '_, X, Y, super::backend::Canvas>,
    style: &ChartStyle,
) where
    X: plotters::coord::ranged1d::Ranged + plotters::coord::ranged1d::ValueFormatter<X::ValueType>,
    Y: plotters::coord::ranged1d::Ranged + plotters::coord::ranged1d::ValueFormatter<Y::ValueType>,
{
    m.label_style(font(style, style.fg))
        .axis_desc_style(font(style, style.muted))
        .axis_style(style.muted.stroke_width(style.px(1.0)));
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
