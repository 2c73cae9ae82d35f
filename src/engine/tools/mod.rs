//! Calculator tools over a Scenario: PnL and ROE at a target price, the target price for an
//! ROE or PnL, the average entry of several fills, the maximum openable size for a balance and
//! leverage, and the effect of adding or removing isolated margin.
//!
//! Each tool takes a validated [`Scenario`] (the positions are the input) and returns a typed,
//! serialisable result; the `api::COMMANDS` entries `pnl`, `target`, `average-entry`,
//! `max-size` and `margin` wrap them for the CLI and the JS API. Numbers that would not be
//! finite are `None` (JSON `null`) with a note.
//!
//! PnL uses the same definitions as the margin engine: linear `s·Q·(P − EP)` in quote, inverse
//! `s·N·(1/EP − 1/P)` in coin [BMX-INV]; ROE = PnL ÷ initial margin, as the venues' calculators
//! show it (Binance "PnL" tab [S1], Bybit [S5]); fees and funding are not included, as in those
//! calculators.
//!
//! One file per calculator: [`pnl`], [`target`], [`average`], [`max_size`], [`margin_change`]; their
//! functions and types are re-exported here.

mod average;
mod margin_change;
mod max_size;
mod pnl;
mod target;

pub use average::{average_entry, AverageEntry, AverageRow};
pub use margin_change::{add_margin, MarginChange, MarginState};
pub use max_size::{max_size, MaxSizeRow};
pub use pnl::{pnl_at, PnlRow};
pub use target::{target_price, TargetRow};

use crate::engine::scenario::{FieldError, InputErrors, Scenario};
use crate::engine::venue;

pub(crate) fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Picks the positions a tool applies to: `Some(i)` → just `i`, `None` → all.
///
/// # Errors
/// `position` out of range, or a Scenario without positions.
pub fn select(s: &Scenario, position: Option<f64>) -> Result<Vec<usize>, InputErrors> {
    if s.positions.is_empty() {
        return Err(FieldError::new("positions", "list at least one position").into());
    }
    match position {
        None => Ok((0..s.positions.len()).collect()),
        Some(i) if i >= 0.0 && i.fract() == 0.0 && (i as usize) < s.positions.len() => Ok(vec![i as usize]),
        Some(_) => Err(FieldError::new(
            "position",
            format!("must be a position index from 0 to {}", s.positions.len() - 1),
        )
        .into()),
    }
}

/// Builds the engine's model of position `i`, with its initial margin.
pub(crate) fn model(s: &Scenario, i: usize) -> Result<(venue::PositionModel, f64), InputErrors> {
    let p = &s.positions[i];
    let m = venue::position_model(s, i, p)?;
    let im = venue::initial_margin(s, p, &m);
    Ok((m, im))
}
