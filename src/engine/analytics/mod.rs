//! Risk analytics over a Scenario: stress curves and grids, probability and time to
//! liquidation, liquidation bands, funding carry, margin recommendations and perpetual Greeks.
//!
//! This module owns the risk half of the Scenario's optional `market` section.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::engine::scenario::{check_non_negative, check_positive, FieldError, Scenario};

/// Return distribution of the price's innovations: `"normal"` or `{"student_t": ν}`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Tail {
    #[default]
    Normal,
    /// Student-t innovations with ν degrees of freedom (ν > 2), scaled to unit variance.
    StudentT(f64),
}

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
}

impl RiskMarket {
    /// Range checks for the risk fields; problems are pushed with their `market.…` path.
    pub fn validate(&self, _scenario: &Scenario, errors: &mut Vec<FieldError>) {
        for (sym, v) in &self.volatility {
            check_positive(errors, &format!("market.volatility.{sym}"), *v);
        }
        if let Some(d) = self.drift {
            if !d.is_finite() || d.abs() > 100.0 {
                errors.push(FieldError::new("market.drift", "must be a finite annual rate between −100 and 100"));
            }
        }
        if let Some(h) = self.horizon_days {
            check_positive(errors, "market.horizon_days", h);
        }
        if let Some(f) = self.funding_rate_8h {
            if !f.is_finite() || f.abs() >= 0.5 {
                errors.push(FieldError::new("market.funding_rate_8h", "must be a finite rate between −0.5 and 0.5"));
            }
        }
        if let Some(s) = self.mark_last_spread {
            check_non_negative(errors, "market.mark_last_spread", s);
        }
        if let Some(Tail::StudentT(nu)) = self.tail {
            if !nu.is_finite() || nu <= 2.0 {
                errors.push(FieldError::new("market.tail.student_t", "degrees of freedom must be a finite number > 2"));
            }
        }
        for (pair, rho) in &self.correlation {
            if !rho.is_finite() || !(-1.0..=1.0).contains(rho) {
                errors.push(FieldError::new(format!("market.correlation.{pair}"), "must be between −1 and 1"));
            }
            if pair.split('/').count() != 2 {
                errors.push(FieldError::new(format!("market.correlation.{pair}"), "key must name two symbols as \"A/B\""));
            }
        }
    }
}
