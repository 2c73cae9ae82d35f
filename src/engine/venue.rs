//! Venue presets: how each venue turns a position into a maintenance-margin model.
//!
//! A preset decides the usual contract type, the maintenance table (flat rate or tiers with a
//! maintenance amount), whether the estimated closing fee counts in the liquidation condition,
//! and where maintenance margin is valued (at the liquidation price, or at entry).

use std::borrow::Cow;

use crate::engine::scenario::{Contract, FieldError, Position, Scenario, Tier, Venue};

/// Where a venue values the maintenance margin in its liquidation formula.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MmValuation {
    /// `MM(P) = notional(P) × mmr − amount`, solved at the liquidation price (Binance, OKX,
    /// Gate, Hyperliquid, dYdX).
    AtPrice,
    /// `MM = notional(entry) × mmr − amount`, fixed at the entry value (Bybit's published
    /// linear and inverse examples).
    AtEntry,
}

/// A position reduced to what the liquidation solver needs.
#[derive(Clone, Debug, PartialEq)]
pub struct PositionModel {
    pub contract: Contract,
    /// +1 long, −1 short.
    pub side: f64,
    pub size: f64,
    pub entry_price: f64,
    pub mark_price: f64,
    /// Maintenance table, sorted by `floor`, first floor 0.
    pub tiers: Cow<'static, [Tier]>,
    /// Closing-fee rate counted in the liquidation condition (0 where the venue does not).
    pub fee_rate: f64,
    pub valuation: MmValuation,
    /// The liquidation condition, written out for the report.
    pub formula: &'static str,
    /// Source of the formula and parameters.
    pub source: String,
}

/// The venue's usual contract type: inverse for Binance COIN-M, BitMEX and Deribit, linear
/// for the others.
pub fn default_contract(venue: Venue) -> Contract {
    match venue {
        Venue::BinanceCoinm | Venue::Bitmex | Venue::Deribit => Contract::Inverse,
        _ => Contract::Linear,
    }
}

/// Builds the solver's model of position `index` under the Scenario's venue preset.
///
/// Precedence: `tiers` override > `mmr` (+ `maint_amount`) > `max_leverage`
/// (MMR = 1/(2 × max_leverage), Hyperliquid) > the venue's default rate.
///
/// # Errors
/// A [`FieldError`] naming the position when no maintenance rate can be found for it.
pub fn position_model(s: &Scenario, index: usize, p: &Position) -> Result<PositionModel, FieldError> {
    let contract = s.contract_of(p);
    let tiers: Cow<'static, [Tier]> = if let Some(t) = &p.tiers {
        Cow::Owned(t.clone())
    } else if let Some(mmr) = p.mmr {
        Cow::Owned(vec![Tier { floor: 0.0, mmr, maint_amount: p.maint_amount.unwrap_or(0.0), max_leverage: p.max_leverage }])
    } else if let Some(ml) = p.max_leverage {
        Cow::Owned(vec![Tier { floor: 0.0, mmr: 1.0 / (2.0 * ml), maint_amount: 0.0, max_leverage: Some(ml) }])
    } else {
        Cow::Owned(vec![Tier { floor: 0.0, mmr: 0.005, maint_amount: 0.0, max_leverage: None }])
    };
    if tiers.is_empty() {
        return Err(FieldError::new(format!("positions[{index}].tiers"), "must list at least one tier"));
    }
    let fee_rate = match s.venue {
        Venue::Okx | Venue::Gate | Venue::Bitmex => p.taker_fee.unwrap_or(0.0005),
        Venue::Bybit if contract == Contract::Inverse => p.taker_fee.unwrap_or(0.00075),
        _ => 0.0,
    };
    Ok(PositionModel {
        contract,
        side: p.side.sign(),
        size: p.size,
        entry_price: p.entry_price,
        mark_price: p.mark_price.unwrap_or(p.entry_price),
        tiers,
        fee_rate,
        valuation: if s.venue == Venue::Bybit { MmValuation::AtEntry } else { MmValuation::AtPrice },
        formula: "collateral + PnL(P) = notional(P) × mmr − maint_amount + notional(P) × fee",
        source: "generic maintenance-margin model".to_string(),
    })
}
