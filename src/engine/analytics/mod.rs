//! Risk analytics over a Scenario: stress curves and grids, probability and time to
//! liquidation, liquidation bands, funding carry, margin recommendations and perpetual Greeks.
//!
//! This module owns the risk half of the Scenario's optional `market` section. Every analysis
//! is a pure function of a validated [`Scenario`] (plus a few numeric settings) returning a
//! serde-serialisable result; the liquidation prices all come from [`crate::engine::evaluate`]
//! so the analytics always agree with the `eval` Report.
//!
//! * [`stress`]: stress curve, two-symbol surface, SPAN-style scenario grid.
//! * [`passage`]: closed-form first passage of drifted geometric Brownian motion.
//! * [`montecarlo`]: seeded, chunked Monte Carlo with Student-t innovations and jumps.
//! * [`probability`]: probability and median time to liquidation per position, and curves.
//! * [`band`]: the liquidation band around the point liquidation price.
//! * [`carry`]: funding carry and the time after which funding alone liquidates.
//! * [`recommend`]: maintenance-margin and leverage recommendation.
//! * [`greeks`]: delta, gamma, funding theta and effective leverage.
//!
//! # Design Decision
//! Time is in days at the front doors and in years (365 days: crypto trades every day) inside
//! the diffusion formulas, because `volatility` and `drift` are annualised.


use crate::engine::input::{FieldError, InputErrors};
use crate::engine::scenario::Scenario;

pub mod band;
pub mod market;
pub mod carry;
pub mod greeks;
pub mod montecarlo;
pub mod passage;
pub mod probability;
pub mod recommend;
pub mod stress;

pub use market::{check_horizon, Jumps, RiskMarket, Tail, HORIZON_RANGE, JUMP_FIELDS, RISK_FIELDS, SIGMA_RANGE};

/// Days per year used to turn horizons into the units of annualised σ and μ.
pub const DAYS_PER_YEAR: f64 = 365.0;

/// Horizon used when neither the option nor `market.horizon_days` gives one.
pub const DEFAULT_HORIZON_DAYS: f64 = 7.0;

/// The Scenario's risk assumptions, or the all-default ones when it has no `market` section.
pub fn risk_market(s: &Scenario) -> RiskMarket {
    s.market.as_ref().map(|m| m.risk.clone()).unwrap_or_default()
}

/// The horizon in days: `option` if given, else `market.horizon_days`, else 7.
pub fn horizon_days(s: &Scenario, option: Option<f64>) -> f64 {
    option.or_else(|| s.market.as_ref().and_then(|m| m.risk.horizon_days)).unwrap_or(DEFAULT_HORIZON_DAYS)
}

/// Annual volatility of `symbol`, needed by position `index`.
///
/// # Errors
/// A [`FieldError`] at `market.volatility.SYMBOL` when the Scenario gives none.
pub fn volatility_of(s: &Scenario, index: usize, symbol: &str) -> Result<f64, FieldError> {
    s.market.as_ref().and_then(|m| m.risk.volatility.get(symbol).copied()).ok_or_else(|| {
        FieldError::new(
            format!("market.volatility.{symbol}"),
            format!("needed for positions[{index}]: give the annualised volatility of {symbol:?}, e.g. 0.6 for 60 %/yr"),
        )
    })
}

/// Volatilities of every position's symbol, collecting one error per missing symbol.
///
/// # Errors
/// [`InputErrors`] with one `market.volatility.SYMBOL` entry per symbol without a volatility.
pub fn volatilities(s: &Scenario) -> Result<Vec<f64>, InputErrors> {
    let mut out = Vec::with_capacity(s.positions.len());
    let mut errors: Vec<FieldError> = Vec::new();
    for (i, p) in s.positions.iter().enumerate() {
        match volatility_of(s, i, &p.symbol) {
            Ok(v) => out.push(v),
            Err(e) => {
                if !errors.iter().any(|x| x.path == e.path) {
                    errors.push(e);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(InputErrors(errors))
    }
}

/// Distinct symbols of the Scenario's positions, in order of first appearance
/// ([`Scenario::symbols`]).
pub fn symbols(s: &Scenario) -> Vec<String> {
    s.symbols()
}

/// `Some(x)` when `x` is finite.
pub(crate) fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// `n` points from `a` to `b` inclusive, evenly spaced (`n ≥ 2`), or `[a]` when `n < 2`.
pub(crate) fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    if n < 2 {
        return vec![a];
    }
    (0..n).map(|i| a + (b - a) * i as f64 / (n - 1) as f64).collect()
}

/// `n` points from `a` to `b` (both > 0) inclusive, evenly spaced in the logarithm.
pub(crate) fn logspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    linspace(a.ln(), b.ln(), n).into_iter().map(f64::exp).collect()
}
