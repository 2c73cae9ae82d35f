//! The exit price for a target ROE or PnL (`target`). See [`super`] for the definitions and sources.

use serde::Serialize;

use super::{model, select};
use crate::engine::scenario::{Contract, FieldError, InputErrors, Scenario, Side};

/// The exit price that yields a target ROE or PnL.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct TargetRow {
    pub index: usize,
    pub symbol: String,
    pub side: Side,
    pub entry_price: f64,
    /// Target PnL in the settlement asset (`roe × initial margin` when an ROE was asked).
    pub target_pnl: f64,
    pub target_roe: Option<f64>,
    /// `null` when no positive price reaches the target (e.g. a long asked to lose more than
    /// its whole value, or an inverse short asked to gain more than `N/EP`).
    pub target_price: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The target (exit) price for a PnL `target_pnl`, or for `roe × IM` when `roe` is given.
///
/// Linear: `P = EP + PnL/(s·Q)`. Inverse: `1/P = 1/EP − PnL/(s·N)`, no price when the right
/// side is ≤ 0. (Bybit calculator "Target Price" tab [S5]; Binance "Target Price" [S1].)
///
/// # Errors
/// Neither or both of `roe` / `pnl`, a non-finite value, or `position` out of range.
pub fn target_price(
    s: &Scenario,
    roe: Option<f64>,
    target_pnl: Option<f64>,
    position: Option<f64>,
) -> Result<Vec<TargetRow>, InputErrors> {
    match (roe, target_pnl) {
        (None, None) | (Some(_), Some(_)) => {
            return Err(FieldError::new("roe", "give exactly one of `roe` (fraction, 0.5 = +50 %) or `pnl`").into())
        }
        _ => {}
    }
    for (name, v) in [("roe", roe), ("pnl", target_pnl)] {
        if v.is_some_and(|x| x.is_nan() || x.abs() > crate::engine::MAX_AMOUNT) {
            return Err(FieldError::new(name, format!("must be a number up to {:e} in magnitude", crate::engine::MAX_AMOUNT)).into());
        }
    }
    crate::engine::check_magnitudes(s)?;
    select(s, position)?
        .into_iter()
        .map(|i| {
            let (m, im) = model(s, i)?;
            let goal = target_pnl.unwrap_or_else(|| roe.unwrap_or(0.0) * im);
            let p = match m.contract {
                Contract::Linear => m.entry_price + goal / (m.side * m.size),
                Contract::Inverse => 1.0 / (1.0 / m.entry_price - goal / (m.side * m.size)),
            };
            let target_price = (p.is_finite() && p > 0.0).then_some(p);
            Ok(TargetRow {
                index: i,
                symbol: s.positions[i].symbol.clone(),
                side: s.positions[i].side,
                entry_price: m.entry_price,
                target_pnl: goal,
                target_roe: roe,
                target_price,
                note: target_price.is_none().then(|| "no positive price reaches this PnL".to_string()),
            })
        })
        .collect()
}
