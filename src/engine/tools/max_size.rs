//! The largest openable size for a balance and leverage (`max-size`). See [`super`] for the definitions and sources.

use serde::Serialize;

use super::{model, select};
use crate::engine::scenario::{Contract, FieldError, InputErrors, Scenario, Side};
use crate::engine::{margin, tables, venue};

/// The largest position that can be opened.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct MaxSizeRow {
    pub index: usize,
    pub symbol: String,
    pub side: Side,
    pub entry_price: f64,
    pub balance: f64,
    pub leverage: f64,
    /// Largest notional at entry (settlement asset).
    pub max_notional: f64,
    /// The same as a size: base units (linear) or USD contract value (inverse).
    pub max_size: f64,
    /// Initial margin the maximum uses.
    pub initial_margin: f64,
    /// `balance` (the margin runs out first) or `tier` (the venue's tier table caps the
    /// notional at this leverage).
    pub limited_by: &'static str,
    /// Tier (0-based) the maximum falls in.
    pub tier: usize,
}

/// Maximum openable size for a balance and leverage, tier-aware.
///
/// `max notional = min(balance × leverage, cap(leverage))`, where `cap(L)` is the floor of the
/// first tier whose maximum leverage is below `L` (a position's notional must stay in a tier
/// that allows `L`; Binance "Max Open" [S1] with the brackets' `maxLeverage` [FT-bn-tiers]);
/// Deribit: `IMR(size) = 2 % + size_coin × k ≤ 1/L` gives the cap [DRB-2022]. BitMEX's margin
/// per unit of notional includes the entry and exit fee (`1/L + 2 × taker` [BMX-REDDIT]).
/// Fees charged on opening at other venues and open-order loss are not deducted.
///
/// # Errors
/// Missing or invalid `balance` / `leverage` (each defaults to the Scenario's
/// `wallet_balance` / the position's `margin`, and the position's `leverage`), a leverage above
/// the venue's maximum at any size, or `position` out of range.
pub fn max_size(
    s: &Scenario,
    balance: Option<f64>,
    leverage: Option<f64>,
    position: Option<f64>,
) -> Result<Vec<MaxSizeRow>, InputErrors> {
    crate::engine::check_magnitudes(s)?;
    let idx = select(s, position)?;
    let mut out = Vec::with_capacity(idx.len());
    for i in idx {
        let p = &s.positions[i];
        let (m, _) = model(s, i)?;
        let b = balance.or(s.wallet_balance).or(p.margin).ok_or_else(|| {
            InputErrors::from(FieldError::new("balance", "give `balance` (or wallet_balance / the position's margin)"))
        })?;
        if !(0.0..=crate::engine::MAX_AMOUNT).contains(&b) {
            return Err(FieldError::new("balance", format!("must be a number from 0 to {:e}", crate::engine::MAX_AMOUNT)).into());
        }
        let l = leverage.or(p.leverage).ok_or_else(|| {
            InputErrors::from(FieldError::new("leverage", "give `leverage` (or the position's leverage)"))
        })?;
        if !crate::engine::input::leverage_ok(l) {
            return Err(FieldError::new("leverage", crate::engine::input::LEVERAGE_MESSAGE).into());
        }
        let per_notional = 1.0 / l + venue::im_fee_reserve(s, &m, l);
        let by_balance = b / per_notional;
        let cap = if let Some(r) = m.size_rate {
            // IMR(size) ≤ 1/L ⇔ size_coin ≤ (1/L − im_base)/k.
            let coin = (1.0 / l - r.im_base) / r.per_coin;
            if coin <= 0.0 {
                return Err(FieldError::new(
                    "leverage",
                    format!("exceeds the venue's maximum leverage {:.0}x at any size", 1.0 / r.im_base),
                )
                .into());
            }
            match m.contract {
                Contract::Linear => coin * m.entry_price,
                Contract::Inverse => coin,
            }
        } else {
            match m.tiers.iter().position(|t| t.max_leverage.is_some_and(|ml| ml < l)) {
                Some(0) => {
                    let ml = tables::max_leverage_at(&m.tiers, 0.0).unwrap_or(l);
                    return Err(FieldError::new(
                        "leverage",
                        format!("exceeds the venue's maximum leverage {ml}x at any size"),
                    )
                    .into());
                }
                Some(k) => m.tiers[k].floor,
                None => f64::INFINITY,
            }
        };
        let (max_notional, limited_by) = if cap < by_balance { (cap, "tier") } else { (by_balance, "balance") };
        let max_size = match m.contract {
            Contract::Linear => max_notional / m.entry_price,
            Contract::Inverse => max_notional * m.entry_price,
        };
        // The tier of the supremum's interior: just below a tier cap, in the tier below it.
        let tier = margin::tier_index(&m.tiers, if limited_by == "tier" { max_notional * (1.0 - 1e-12) } else { max_notional });
        out.push(MaxSizeRow {
            index: i,
            symbol: p.symbol.clone(),
            side: p.side,
            entry_price: m.entry_price,
            balance: b,
            leverage: l,
            max_notional,
            max_size,
            initial_margin: max_notional * per_notional,
            limited_by,
            tier: if m.size_rate.is_some() { 0 } else { tier },
        });
    }
    Ok(out)
}
