//! The risk half of the Scenario's `market` section — volatility, drift, horizon, funding,
//! tails, correlation, jumps — as data with its checks. It depends on `engine::input` alone, so
//! `scenario.rs` can hold it without importing the analytics that read it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::engine::input::{check_non_negative, opt, req, suggest, Field, FieldError, Shape};

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
    /// `symbols`: the Scenario's position symbols, which `correlation` keys must name.
    pub fn validate(&self, symbols: &[String], errors: &mut Vec<FieldError>) {
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
            let known = symbols;
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
