//! The health factor of a lending account against each asset's price: the data of the page's
//! "health factor against each price" chart, and of `health_curves` in the JS/compute path.
//!
//! For asset `a` (every supply and borrow of that asset moving together, every other price
//! fixed) the health factor of [`super::evaluate`] is
//!
//! `HF(p) = (W_rest + w·p) / (D_rest + d·p)`
//!
//! with `w = Σ amount × threshold` of the asset's collateral supplies, `d = Σ amount` of its
//! borrows, and `W_rest`, `D_rest` the threshold-weighted collateral and the debt of the other
//! assets (aave-v3-origin `GenericLogic.calculateUserAccountData`; Morpho Blue `_isHealthy`
//! with the LLTV as the threshold). Each point is the engine's own report at that price, so
//! the curve crosses 1 at the report's `liquidation_price`.

use serde::{Deserialize, Serialize};

use super::{checked, evaluate, Lending};
use crate::engine::scenario::{FieldError, InputErrors, Scenario};

/// One asset's health factor against its price.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct HealthCurve {
    pub asset: String,
    /// "collateral", "debt" or "both" (supplied as collateral and borrowed).
    pub role: String,
    /// The asset's price now (its first entry's) and where the health factor reaches 1
    /// (`null` when no positive price does).
    pub price: f64,
    pub liquidation_price: Option<f64>,
    /// Prices from `price × (1 − range)` to `price × (1 + range)` (the range widened to show the
    /// liquidation price when it lies within 95 % of the price), and the health factor at each
    /// (`null` without debt).
    pub prices: Vec<f64>,
    pub health_factors: Vec<Option<f64>>,
}

/// Most points per curve.
pub const MAX_CURVE_POINTS: usize = 2001;

/// The health factor against each asset's price, one curve per asset of the account (see the
/// module doc). `range` is the relative half-width (0 < range < 1), `points` per curve (2 to
/// [`MAX_CURVE_POINTS`]).
///
/// # Errors
/// The Scenario's checks (aave-v3 or morpho-blue with a `lending` section); `range` or
/// `points` out of bounds, named as settings.
pub fn health_curves(s: &Scenario, range: f64, points: usize) -> Result<Vec<HealthCurve>, InputErrors> {
    let l: &Lending = checked(s)?;
    if !range.is_finite() || range <= 0.0 || range >= 1.0 {
        return Err(FieldError::new("range", "must be a fraction > 0 and < 1 (0.5 = ±50 %)").into());
    }
    if !(2..=MAX_CURVE_POINTS).contains(&points) {
        return Err(FieldError::new("points", format!("must be from 2 to {MAX_CURVE_POINTS}")).into());
    }
    let report = evaluate(s)?;
    let mut assets: Vec<&str> = Vec::new();
    for a in l.supplies.iter().map(|p| p.asset.as_str()).chain(l.borrows.iter().map(|b| b.asset.as_str())) {
        if !assets.contains(&a) {
            assets.push(a);
        }
    }
    let mut out = Vec::with_capacity(assets.len());
    for asset in assets {
        let supplied = l.supplies.iter().position(|p| p.asset == asset && p.collateral);
        let borrowed = l.borrows.iter().position(|b| b.asset == asset);
        let (price, liquidation_price) = match (supplied, borrowed) {
            (Some(i), _) => (l.supplies[i].price, report.supplies[i].liquidation_price),
            (None, Some(j)) => (l.borrows[j].price, report.borrows[j].liquidation_price),
            // A supply not used as collateral moves nothing.
            (None, None) => continue,
        };
        let role = match (supplied, borrowed) {
            (Some(_), Some(_)) => "both",
            (Some(_), None) => "collateral",
            _ => "debt",
        };
        // Widen the range to show the liquidation price when it is within reach.
        let r = liquidation_price.map_or(range, |lp| {
            let need = (lp / price - 1.0).abs() * 1.15;
            if need < 0.95 { range.max(need) } else { range }
        });
        let r = r.min(0.99);
        let (lo, hi) = (price * (1.0 - r), price * (1.0 + r));
        let mut moved = l.clone();
        let mut scenario = s.clone();
        let mut prices = Vec::with_capacity(points);
        let mut hfs = Vec::with_capacity(points);
        for k in 0..points {
            let p = lo + (hi - lo) * k as f64 / (points - 1) as f64;
            for q in moved.supplies.iter_mut().filter(|q| q.asset == asset) {
                q.price = p;
            }
            for b in moved.borrows.iter_mut().filter(|b| b.asset == asset) {
                b.price = p;
            }
            scenario.lending = Some(moved.clone());
            prices.push(p);
            hfs.push(evaluate(&scenario)?.health_factor);
        }
        out.push(HealthCurve { asset: asset.to_string(), role: role.into(), price, liquidation_price, prices, health_factors: hfs });
    }
    Ok(out)
}
