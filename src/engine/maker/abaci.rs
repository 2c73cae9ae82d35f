//! Maker's auction price curves (makerdao/dss `src/abaci.sol`).
//!
//! Each gives the Clipper's asking price `dur` seconds after the auction's start `tic`, from its
//! starting price `top` (DAI per collateral unit); `dur` is whole seconds as on chain.

use serde::{Deserialize, Serialize};

/// The `calc` contract of a collateral type's Clipper.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Calc {
    /// `LinearDecrease`: reaches 0 after `tau` seconds.
    Linear { tau: f64 },
    /// `StairstepExponentialDecrease`: multiplied by `cut` every `step` seconds.
    Stairstep { step: f64, cut: f64 },
    /// `ExponentialDecrease`: multiplied by `cut` every second.
    Exponential { cut: f64 },
}

impl Calc {
    /// The curve's name as in the format (`linear`, `stairstep`, `exponential`).
    pub fn name(&self) -> &'static str {
        match self {
            Calc::Linear { .. } => "linear",
            Calc::Stairstep { .. } => "stairstep",
            Calc::Exponential { .. } => "exponential",
        }
    }

    /// The price `dur` seconds (floored to whole seconds) into an auction that started at `top`:
    ///
    /// * `LinearDecrease.price`: `dur ≥ tau → 0`, else `top × (tau − dur) / tau`;
    /// * `StairstepExponentialDecrease.price`: `top × cut^⌊dur / step⌋`;
    /// * `ExponentialDecrease.price`: `top × cut^dur`.
    ///
    /// Units: `top` and the result in DAI per collateral unit, `dur`, `tau`, `step` in seconds.
    pub fn price(&self, top: f64, dur: f64) -> f64 {
        let dur = dur.max(0.0).floor();
        match *self {
            Calc::Linear { tau } => {
                let tau = tau.floor();
                if dur >= tau {
                    0.0
                } else {
                    top * ((tau - dur) / tau)
                }
            }
            Calc::Stairstep { step, cut } => top * cut.powf((dur / step.floor().max(1.0)).floor()),
            Calc::Exponential { cut } => top * cut.powf(dur),
        }
    }

    /// Checks the parameters, pushing problems at `at` (`auction.calc`).
    pub fn validate(&self, at: &str, errors: &mut Vec<crate::engine::FieldError>) {
        use crate::engine::FieldError;
        let seconds = |errors: &mut Vec<FieldError>, path: String, v: f64| {
            if !v.is_finite() || !(1.0..=30.0 * 86400.0).contains(&v) || v.fract() != 0.0 {
                errors.push(FieldError::new(path, "must be a whole number of seconds from 1 to 2592000 (30 days)"));
            }
        };
        let cut = |errors: &mut Vec<FieldError>, path: String, v: f64| {
            if !v.is_finite() || v <= 0.0 || v > 1.0 {
                errors.push(FieldError::new(path, "must be a factor > 0 and ≤ 1 (0.99 = 1 % lower per step)"));
            }
        };
        match *self {
            Calc::Linear { tau } => seconds(errors, format!("{at}.linear.tau"), tau),
            Calc::Stairstep { step, cut: c } => {
                seconds(errors, format!("{at}.stairstep.step"), step);
                cut(errors, format!("{at}.stairstep.cut"), c);
            }
            Calc::Exponential { cut: c } => cut(errors, format!("{at}.exponential.cut"), c),
        }
    }
}
