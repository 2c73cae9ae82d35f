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

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::engine::input::{opt, req, suggest, Field, Shape};
use crate::engine::input::{check_non_negative, FieldError, InputErrors};
use crate::engine::scenario::Scenario;

pub mod band;
pub mod carry;
pub mod greeks;
pub mod montecarlo;
pub mod passage;
pub mod probability;
pub mod recommend;
pub mod stress;

/// Days per year used to turn horizons into the units of annualised σ and μ.
pub const DAYS_PER_YEAR: f64 = 365.0;

/// Horizon used when neither the option nor `market.horizon_days` gives one.
pub const DEFAULT_HORIZON_DAYS: f64 = 7.0;

/// Smallest and largest annual volatility accepted (0.01 % and 1000 %/yr).
pub const SIGMA_RANGE: (f64, f64) = (1e-4, 10.0);

/// Smallest and largest horizon accepted, in days (about 9 seconds to 10 years).
pub const HORIZON_RANGE: (f64, f64) = (1e-4, 3650.0);

/// Return distribution of the price's innovations: `"normal"` or `{"student_t": ν}`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Tail {
    #[default]
    Normal,
    /// Student-t innovations with ν degrees of freedom (ν > 2), scaled to unit variance.
    StudentT(f64),
}

/// Compound-Poisson jumps in the log price (Merton 1976): `per_year` jumps a year on average,
/// each adding a normal `N(mean, std²)` to the log price.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Jumps {
    /// Average number of jumps per year (λ).
    pub per_year: f64,
    /// Mean of the log jump size (−0.05 ≈ a 5 % drop).
    #[serde(default)]
    pub mean: f64,
    /// Standard deviation of the log jump size.
    #[serde(default)]
    pub std: f64,
}

/// The fields of [`Jumps`].
pub const JUMP_FIELDS: &[Field] =
    &[req("per_year", Shape::Number), opt("mean", Shape::Number), opt("std", Shape::Number)];

/// The fields of [`RiskMarket`] (the risk half of the `market` section), for the strict reader.
pub const RISK_FIELDS: &[Field] = &[
    opt("volatility", Shape::Map(&Shape::Number)),
    opt("drift", Shape::Number),
    opt("horizon_days", Shape::Number),
    opt("funding_rate_8h", Shape::Number),
    opt("mark_last_spread", Shape::Number),
    opt("tail", Shape::Variant(&[("normal", None), ("student_t", Some(&Shape::Number))])),
    opt("correlation", Shape::Map(&Shape::Number)),
    opt("jumps", Shape::Object(JUMP_FIELDS)),
];

/// Market assumptions for the analytics, in the Scenario's `market` section.
///
/// The price follows dS/S = μ dt + σ dW (annualised μ = `drift`, σ = `volatility[symbol]`), so
/// the log price drifts at μ − σ²/2.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct RiskMarket {
    /// Annualised volatility σ per symbol (0.6 = 60 %/yr).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub volatility: BTreeMap<String, f64>,
    /// Annualised drift μ of the price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<f64>,
    /// Horizon of the probability and carry analyses, in days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon_days: Option<f64>,
    /// Funding rate per 8 hours (0.0001 = 0.01 %), paid by longs when positive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding_rate_8h: Option<f64>,
    /// Largest expected gap between mark and last price, as a fraction (wicks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark_last_spread: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail: Option<Tail>,
    /// Correlation of returns per symbol pair, keyed `"A/B"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub correlation: BTreeMap<String, f64>,
    /// Optional jumps for the Monte Carlo (the closed forms have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jumps: Option<Jumps>,
}

impl RiskMarket {
    /// Range checks for the risk fields; problems are pushed with their `market.…` path.
    pub fn validate(&self, scenario: &Scenario, errors: &mut Vec<FieldError>) {
        for (sym, v) in &self.volatility {
            if !v.is_finite() || *v < SIGMA_RANGE.0 || *v > SIGMA_RANGE.1 {
                errors.push(FieldError::new(
                    format!("market.volatility.{sym}"),
                    "must be an annual volatility from 0.0001 to 10 (0.01 % to 1000 %/yr)",
                ));
            }
        }
        if let Some(d) = self.drift {
            if !d.is_finite() || d.abs() > 100.0 {
                errors.push(FieldError::new("market.drift", "must be a finite annual rate between −100 and 100"));
            }
        }
        if let Some(h) = self.horizon_days {
            if let Err(e) = check_horizon("market.horizon_days", h) {
                errors.push(e);
            }
        }
        if let Some(f) = self.funding_rate_8h {
            if !f.is_finite() || f.abs() >= 0.5 {
                errors.push(FieldError::new("market.funding_rate_8h", "must be a finite rate between −0.5 and 0.5"));
            }
        }
        if let Some(s) = self.mark_last_spread {
            check_non_negative(errors, "market.mark_last_spread", s);
            if s >= 0.5 {
                errors.push(FieldError::new("market.mark_last_spread", "must be below 0.5 (50 %)"));
            }
        }
        if let Some(Tail::StudentT(nu)) = self.tail {
            if !nu.is_finite() || nu <= 2.0 || nu > 1e6 {
                errors.push(FieldError::new("market.tail.student_t", "degrees of freedom must be a finite number > 2"));
            }
        }
        for (pair, rho) in &self.correlation {
            if !rho.is_finite() || !(-1.0..=1.0).contains(rho) {
                errors.push(FieldError::new(format!("market.correlation.{pair}"), "must be between −1 and 1"));
            }
            let names: Vec<&str> = pair.split('/').collect();
            if names.len() != 2 {
                errors.push(FieldError::new(format!("market.correlation.{pair}"), "key must name two symbols as \"A/B\""));
                continue;
            }
            let known = symbols(scenario);
            for name in names.iter().filter(|n| !known.iter().any(|k| k == *n)) {
                let hint = suggest(name, known.iter().map(String::as_str))
                    .map(|k| format!("; did you mean {k}?"))
                    .unwrap_or_else(|| format!("; the symbols are: {}", known.join(", ")));
                errors.push(FieldError::new(
                    format!("market.correlation.{pair}"),
                    format!("`{name}` is not the symbol of any position, so this correlation means nothing{hint}"),
                ));
            }
        }
        if let Some(j) = &self.jumps {
            if !j.per_year.is_finite() || !(0.0..=10_000.0).contains(&j.per_year) {
                errors.push(FieldError::new("market.jumps.per_year", "must be a number of jumps per year from 0 to 10000"));
            }
            if !j.mean.is_finite() || j.mean.abs() > 5.0 {
                errors.push(FieldError::new("market.jumps.mean", "must be a log jump size between −5 and 5"));
            }
            if !j.std.is_finite() || !(0.0..=5.0).contains(&j.std) {
                errors.push(FieldError::new("market.jumps.std", "must be a number from 0 to 5"));
            }
        }
    }

    /// The log-price drift ν = μ − σ²/2 of a symbol with volatility `sigma` (per year).
    pub fn log_drift(&self, sigma: f64) -> f64 {
        self.drift.unwrap_or(0.0) - 0.5 * sigma * sigma
    }
}

/// Checks a horizon in days.
///
/// # Errors
/// A [`FieldError`] at `path` unless `HORIZON_RANGE.0 ≤ days ≤ HORIZON_RANGE.1`.
pub fn check_horizon(path: &str, days: f64) -> Result<f64, FieldError> {
    if days.is_finite() && (HORIZON_RANGE.0..=HORIZON_RANGE.1).contains(&days) {
        Ok(days)
    } else {
        Err(FieldError::new(path, "must be a horizon in days from 0.0001 to 3650"))
    }
}

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

/// Distinct symbols of the Scenario's positions, in order of first appearance.
pub fn symbols(s: &Scenario) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in &s.positions {
        if !out.contains(&p.symbol) {
            out.push(p.symbol.clone());
        }
    }
    out
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
