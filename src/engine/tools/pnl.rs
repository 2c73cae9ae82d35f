//! PnL and ROE at an exit price (`pnl`). See [`super`] for the definitions and sources.

use serde::Serialize;

use super::{finite, model, select};
use crate::engine::scenario::{Contract, FieldError, InputErrors, Scenario, Side};
use crate::engine::margin;

/// PnL and ROE of one position at a price.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct PnlRow {
    pub index: usize,
    pub symbol: String,
    pub side: Side,
    pub contract: Contract,
    pub entry_price: f64,
    pub exit_price: f64,
    /// In the settlement asset (quote for linear, coin for inverse).
    pub pnl: f64,
    /// Inverse: the PnL valued in quote at the exit price (`pnl × exit`); linear: = `pnl`.
    pub pnl_quote: f64,
    pub initial_margin: f64,
    /// PnL ÷ initial margin (fraction); `null` when the initial margin is 0.
    pub roe: Option<f64>,
    /// Exit price ÷ entry − 1.
    pub price_change: f64,
}

/// PnL and ROE of the selected positions if closed at `price`.
///
/// `PnL = s·Q·(P − EP)` (linear) or `s·N·(1/EP − 1/P)` (inverse); `ROE = PnL / IM`.
///
/// # Errors
/// `price` not a finite number > 0; `position` out of range.
pub fn pnl_at(s: &Scenario, price: f64, position: Option<f64>) -> Result<Vec<PnlRow>, InputErrors> {
    if !(crate::engine::MIN_PRICE..=crate::engine::MAX_PRICE).contains(&price) {
        return Err(FieldError::new(
            "price",
            format!("must be a price from {:e} to {:e}", crate::engine::MIN_PRICE, crate::engine::MAX_PRICE),
        )
        .into());
    }
    crate::engine::check_magnitudes(s)?;
    select(s, position)?
        .into_iter()
        .map(|i| {
            if s.positions[i].option.is_some() {
                // Options: `price` is the underlying at expiry (engine::options).
                return crate::engine::options::pnl_row(s, i, price);
            }
            let (m, im) = model(s, i)?;
            let pnl = margin::pnl(&m, price);
            Ok(PnlRow {
                index: i,
                symbol: s.positions[i].symbol.clone(),
                side: s.positions[i].side,
                contract: m.contract,
                entry_price: m.entry_price,
                exit_price: price,
                pnl,
                pnl_quote: match m.contract {
                    Contract::Linear => pnl,
                    Contract::Inverse => pnl * price,
                },
                initial_margin: im,
                roe: (im > 0.0).then(|| pnl / im).and_then(finite),
                price_change: price / m.entry_price - 1.0,
            })
        })
        .collect()
}
