//! Adding or removing isolated margin (`margin`). See [`super`] for the definitions and sources.

use serde::Serialize;

use super::select;
use crate::engine::report::Report;
use crate::engine::scenario::{FieldError, InputErrors, MarginMode, Scenario};

/// One side of the margin change.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct MarginState {
    pub margin: f64,
    pub liquidation_price: Option<f64>,
    pub bankruptcy_price: Option<f64>,
    pub distance_to_liquidation: Option<f64>,
    /// Notional at mark ÷ (margin + PnL at mark).
    pub effective_leverage: Option<f64>,
    pub liquidatable_now: bool,
}

/// The effect of adding (or removing, when negative) isolated margin.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct MarginChange {
    pub index: usize,
    pub symbol: String,
    pub added: f64,
    pub before: MarginState,
    pub after: MarginState,
    /// Liquidation price after − before (`null` when either is `null`).
    pub liquidation_shift: Option<f64>,
}

/// Adds `amount` (negative removes) to isolated position `position`'s margin and re-solves
/// its liquidation price: Bybit's "extra margin added" term `LP = EP ∓ (IM − MM)/Q ∓
/// ExtraMargin/Q` [BB-USDT-LP], OKX's added margin [S7]; the effective leverage afterwards is
/// what Binance asks the user to type (14,000 USDT at 2x + 1,000 → 1.75x [S4]).
///
/// # Errors
/// Cross mode (margin is the wallet balance there), `add` missing or non-finite, a removal
/// larger than the margin, or `position` out of range.
pub fn add_margin(s: &Scenario, amount: Option<f64>, position: Option<f64>) -> Result<MarginChange, InputErrors> {
    if s.margin_mode == MarginMode::Cross {
        return Err(FieldError::new(
            "margin_mode",
            "margin can be added only to isolated positions; in cross mode change wallet_balance",
        )
        .into());
    }
    let amount = amount.ok_or_else(|| InputErrors::from(FieldError::new("add", "give the amount to add (negative removes)")))?;
    if amount.is_nan() || amount.abs() > crate::engine::MAX_AMOUNT {
        return Err(FieldError::new("add", format!("must be a number up to {:e} in magnitude", crate::engine::MAX_AMOUNT)).into());
    }
    let i = *select(s, Some(position.unwrap_or(0.0)))?.first().unwrap_or(&0);
    let before = crate::engine::evaluate(s)?;
    let current = before.positions[i].collateral;
    let new_margin = current + amount;
    if !new_margin.is_finite() || new_margin < 0.0 {
        return Err(FieldError::new("add", format!("would leave negative margin (the position has {current})")).into());
    }
    let mut changed = s.clone();
    changed.positions[i].margin = Some(new_margin);
    let after = crate::engine::evaluate(&changed)?;
    let state = |r: &Report| {
        let p = &r.positions[i];
        MarginState {
            margin: p.collateral,
            liquidation_price: p.liquidation_price,
            bankruptcy_price: p.bankruptcy_price,
            distance_to_liquidation: p.distance_to_liquidation,
            effective_leverage: p.effective_leverage,
            liquidatable_now: p.liquidatable_now,
        }
    };
    let (b, a) = (state(&before), state(&after));
    Ok(MarginChange {
        index: i,
        symbol: s.positions[i].symbol.clone(),
        added: amount,
        liquidation_shift: b.liquidation_price.zip(a.liquidation_price).map(|(x, y)| y - x),
        before: b,
        after: a,
    })
}
