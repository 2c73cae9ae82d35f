//! Margin arithmetic and the liquidation-price solver shared by every venue preset.
//!
//! Every centralised venue liquidates on the mark price when equity (collateral + unrealised
//! PnL) falls to the maintenance margin, some adding the estimated fee to close. The
//! liquidation price is the root of `equity(P) = MM(P) + fee(P)` with everything else frozen,
//! using the tier that applies *at* the liquidation price (Binance, "How to calculate the
//! liquidation price of COIN-M futures": recompute with the next bracket when the result lands
//! in another one).
//!
//! Notation: `s` = +1 long / −1 short, `Q` size (base units, linear) or `N` size (USD contract
//! value, inverse), `EP` entry price, `C` collateral, `m` tier MMR, `cum` tier maintenance
//! amount, `f` closing-fee rate where counted.
//!
//! * linear, MM at price: `C + s·Q·(P − EP) = Q·P·(m + f) − cum`
//!   ⇒ `P = (C + cum − s·Q·EP) / (Q·(m + f) − s·Q)` — Binance USDⓈ-M's
//!   `LP = (WB − TMM1 + UPNL1 + cumB − side·Q·EP) / (Q·MMR − side·Q)` with `f = 0`.
//! * inverse, MM at price: `C + s·N·(1/EP − 1/P) = N·(m + f)/P − cum`
//!   ⇒ `P = N·(m + f + s) / (C + cum + s·N/EP)` — Binance COIN-M.
//! * MM at entry (Bybit): `MM = value(EP)·m − cum` is a constant `K`;
//!   linear `P = (K − C + s·Q·EP) / (s·Q − Q·f)`, inverse `P = N·(s + f) / (C + s·N/EP − K)`.

use crate::engine::scenario::{Contract, Tier};
use crate::engine::venue::{MmValuation, PositionModel};

/// Position value in the settlement asset at price `p`: `Q·p` (linear) or `N/p` (inverse).
#[inline]
pub fn notional(m: &PositionModel, p: f64) -> f64 {
    match m.contract {
        Contract::Linear => m.size * p,
        Contract::Inverse => m.size / p,
    }
}

/// Unrealised PnL at price `p` in the settlement asset: `s·Q·(p − EP)` (linear) or
/// `s·N·(1/EP − 1/p)` (inverse, BitMEX "Inverse Perpetuals Guide").
#[inline]
pub fn pnl(m: &PositionModel, p: f64) -> f64 {
    match m.contract {
        Contract::Linear => m.side * m.size * (p - m.entry_price),
        Contract::Inverse => m.side * m.size * (1.0 / m.entry_price - 1.0 / p),
    }
}

/// Index of the tier whose range contains `notional` (the last tier whose floor ≤ notional).
#[inline]
pub fn tier_index(tiers: &[Tier], notional: f64) -> usize {
    // Tables have ≤ 20 rows: a linear scan beats a binary search here.
    let mut k = 0;
    for (i, t) in tiers.iter().enumerate() {
        if t.floor <= notional {
            k = i;
        } else {
            break;
        }
    }
    k
}

/// Maintenance margin at price `p`: `notional × mmr − maint_amount` with the tier at that
/// notional (or at entry, for venues that value it there); never negative.
pub fn maintenance_margin(m: &PositionModel, p: f64) -> (f64, usize) {
    let v = match m.valuation {
        MmValuation::AtPrice => notional(m, p),
        MmValuation::AtEntry => notional(m, m.entry_price),
    };
    let k = tier_index(&m.tiers, v);
    let t = &m.tiers[k];
    ((v * t.mmr - t.maint_amount).max(0.0), k)
}

/// Estimated fee to close at price `p`, where the venue counts it: `notional(p) × f`.
#[inline]
pub fn closing_fee(m: &PositionModel, p: f64) -> f64 {
    notional(m, p) * m.fee_rate
}

/// Solves `equity(P) = MM(P) + fee(P)` for one tier's `(mmr, amount)`; `None` when the
/// solution is not a finite positive price.
#[inline]
fn solve_with(m: &PositionModel, collateral: f64, mmr: f64, amount: f64) -> Option<f64> {
    let (s, f) = (m.side, m.fee_rate);
    let p = match (m.contract, m.valuation) {
        (Contract::Linear, MmValuation::AtPrice) => {
            let q = m.size;
            (collateral + amount - s * q * m.entry_price) / (q * (mmr + f) - s * q)
        }
        (Contract::Inverse, MmValuation::AtPrice) => {
            let n = m.size;
            n * (mmr + f + s) / (collateral + amount + s * n / m.entry_price)
        }
        (Contract::Linear, MmValuation::AtEntry) => {
            let q = m.size;
            let k = (q * m.entry_price * mmr - amount).max(0.0);
            (k - collateral + s * q * m.entry_price) / (s * q - q * f)
        }
        (Contract::Inverse, MmValuation::AtEntry) => {
            let n = m.size;
            let k = (n / m.entry_price * mmr - amount).max(0.0);
            n * (s + f) / (collateral + s * n / m.entry_price - k)
        }
    };
    (p.is_finite() && p > 0.0).then_some(p)
}

/// Liquidation price for `collateral`, with the tier that applies at the liquidation price.
///
/// Starts from the tier at mark, re-solves while the result lands in another tier (Binance's
/// rule), and falls back to checking every tier if that walk does not settle. Returns the
/// price and the tier used, or `None` when no positive price satisfies the condition (e.g. a
/// 1x long whose collateral covers the whole position).
pub fn liquidation_price(m: &PositionModel, collateral: f64) -> Option<(f64, usize)> {
    let tiers = &m.tiers;
    let value_at = |p: f64| match m.valuation {
        MmValuation::AtPrice => notional(m, p),
        MmValuation::AtEntry => notional(m, m.entry_price),
    };
    let mut k = tier_index(tiers, value_at(m.mark_price));
    for _ in 0..=tiers.len() {
        let t = &tiers[k];
        let p = solve_with(m, collateral, t.mmr, t.maint_amount)?;
        let k2 = tier_index(tiers, value_at(p));
        if k2 == k {
            return Some((p, k));
        }
        k = k2;
    }
    // The walk oscillated (only possible with user tiers whose amounts break continuity):
    // take the self-consistent tier nearest to mark.
    (0..tiers.len())
        .filter_map(|k| {
            let t = &tiers[k];
            let p = solve_with(m, collateral, t.mmr, t.maint_amount)?;
            (tier_index(tiers, value_at(p)) == k).then_some((p, k))
        })
        .min_by(|a, b| (a.0 - m.mark_price).abs().total_cmp(&(b.0 - m.mark_price).abs()))
}

/// Bankruptcy price: where equity less the closing fee (where counted) reaches zero.
pub fn bankruptcy_price(m: &PositionModel, collateral: f64) -> Option<f64> {
    solve_with(m, collateral, 0.0, 0.0)
}
