//! Margin arithmetic and the liquidation-price solver shared by every venue preset.
//!
//! Every centralised venue liquidates on the mark price when equity (collateral + unrealised
//! PnL) falls to the maintenance margin, some adding the estimated fee to close. The
//! liquidation price is the root of `equity(P) = MM(P) + fee(P)` with everything else frozen,
//! using the tier that applies *at* the liquidation price (Binance, "How to calculate the
//! liquidation price of COIN-M futures" [BN-COINM-LP]: recompute with the next bracket when the
//! result lands in another one).
//!
//! Notation: `s` = +1 long / −1 short, `Q` size (base units, linear) or `N` size (USD contract
//! value, inverse), `EP` entry price, `C` collateral, `m` tier MMR, `cum` tier maintenance
//! amount, `f` closing-fee rate where counted.
//!
//! The requirement is written `MM(P) + fee(P) = a × notional(P) + K`, where `a` collects the
//! rates valued at `P` and `K` the amounts that are constant:
//!
//! | venue valuation | `a` | `K` |
//! |---|---|---|
//! | MM at price, fee at price (Binance, OKX, Gate, HL, dYdX) | `m + f` | `−cum` |
//! | MM at price, fee at the bankruptcy price (Bybit UTA) | `m` | `−cum + value(BP)×f` |
//! | MM at entry (Bybit classic linear, classic inverse isolated) | `0` | `value(EP)×m − cum` |
//! | MM at entry, fee at the bankruptcy price (Bybit classic inverse cross) | `0` | `value(EP)×m − cum + value(BP)×f` |
//! | MM, fee and funding paid at entry (BitMEX) | `0` | `value(EP)×(m + f + funding)` |
//!
//! and then
//!
//! * linear: `C + s·Q·(P − EP) = a·Q·P + K` ⇒ `P = (C − K − s·Q·EP) / (a·Q − s·Q)` — Binance
//!   USDⓈ-M's `LP = (WB − TMM1 + UPNL1 + cumB − side·Q·EP) / (Q·MMR − side·Q)` [BN-USDM-LP] when
//!   `a = MMR`, `K = −cumB`;
//! * inverse: `C + s·N·(1/EP − 1/P) = a·N/P + K` ⇒ `P = N·(a + s) / (C + s·N/EP − K)` — Binance
//!   COIN-M's `LP = (N·MMR + side·N) / (WB + cumB + side·N/EP)` [BN-COINM-LP].
//!
//! Deribit's rate grows with the size in coin, `MMR = b + k × size_coin` [DRB-2022]; for an
//! inverse contract `size_coin = N/P`, so the condition is a quadratic in `x = 1/P`:
//! `k·N²·x² + N·(b + f + s)·x − (C + s·N/EP) = 0`, solved in closed form (see
//! [`liquidation_price`]).
//!
//! # Design Decision
//! `f64` throughout (see the Scenario module). Every solution is checked to be a finite,
//! strictly positive price; anything else is `None`, so no NaN, infinity or negative price
//! leaves the solver.

use crate::engine::scenario::{Contract, Tier};
use crate::engine::venue::{FeeValuation, MmValuation, PositionModel};

/// Position value in the settlement asset at price `p`: `Q·p` (linear) or `N/p` (inverse).
#[inline(always)]
pub fn notional(m: &PositionModel, p: f64) -> f64 {
    match m.contract {
        Contract::Linear => m.size * p,
        Contract::Inverse => m.size / p,
    }
}

/// Unrealised PnL at price `p` in the settlement asset: `s·Q·(p − EP)` (linear) or
/// `s·N·(1/EP − 1/p)` (inverse, BitMEX "Inverse Perpetuals Guide" [BMX-INV]).
#[inline(always)]
pub fn pnl(m: &PositionModel, p: f64) -> f64 {
    match m.contract {
        Contract::Linear => m.side * m.size * (p - m.entry_price),
        Contract::Inverse => m.side * m.size * (1.0 / m.entry_price - 1.0 / p),
    }
}

/// Index of the tier whose range contains `notional` (the last tier whose floor ≤ notional;
/// 0 below the first floor or for NaN). Floors are sorted (the checks require it).
#[inline(always)]
pub fn tier_index(tiers: &[Tier], notional: f64) -> usize {
    // Tables have ≤ 20 rows: counting the floors at or below the notional, without a branch
    // per row (a book's notionals land in random tiers, so a scan that stops mispredicts).
    tiers.iter().map(|t| usize::from(t.floor <= notional)).sum::<usize>().saturating_sub(1)
}

/// The notional the venue picks its tier by, and values MM at: `notional(p)`, or
/// `notional(EP)` for venues that value MM at entry.
#[inline(always)]
pub(crate) fn mm_value(m: &PositionModel, p: f64) -> f64 {
    match m.valuation {
        MmValuation::AtPrice => notional(m, p),
        MmValuation::AtEntry => notional(m, m.entry_price),
    }
}

/// The maintenance rate, amount and tier index that apply at price `p`.
///
/// Tiers: the tier containing the notional the venue values MM at. Deribit: `b + k ×
/// size_coin` with `size_coin = Q` (linear) or `N/p` (inverse) [DRB-2022], amount 0, tier 0.
#[inline(always)]
pub fn rate_at(m: &PositionModel, p: f64) -> (f64, f64, usize) {
    let v = mm_value(m, p);
    if let Some(r) = m.size_rate {
        let coin = match m.contract {
            Contract::Linear => m.size,
            Contract::Inverse => v,
        };
        return (r.mm_base + r.per_coin * coin, 0.0, 0);
    }
    let k = tier_index(&m.tiers, v);
    let t = &m.tiers[k];
    (t.mmr, t.maint_amount, k)
}

/// Maintenance margin at price `p`: `notional × mmr − maint_amount` with the rate that applies
/// at `p` ([`rate_at`]; at entry for venues that value it there), never negative, plus the
/// funding BitMEX counts in it ([`funding_charge`]). Returns the margin and the tier index.
pub fn maintenance_margin(m: &PositionModel, p: f64) -> (f64, usize) {
    maintenance_margin_inline(m, p)
}

/// [`maintenance_margin`], inlined into its caller. The batch path calls the `_inline` forms
/// with a model whose venue rules are constants, so the compiler drops the other venues'
/// branches and calls; every other caller goes through the plain function.
#[inline(always)]
pub(crate) fn maintenance_margin_inline(m: &PositionModel, p: f64) -> (f64, usize) {
    let (mmr, amount, k) = rate_at(m, p);
    (maintenance_with(m, p, mmr, amount), k)
}

/// [`maintenance_margin`] at `p` with the rate `mmr` and amount `amount` already looked up
/// (the batch path looks them up in its own copy of the table).
#[inline(always)]
pub(crate) fn maintenance_with(m: &PositionModel, p: f64, mmr: f64, amount: f64) -> f64 {
    (mm_value(m, p) * mmr - amount).max(0.0) + funding_charge(m)
}

/// The funding the position pays at the next interval, which BitMEX counts in the maintenance
/// margin at entry value ("MM = 0.50 % + exit taker fee + funding rate" [BMX-REDDIT]):
/// `value(EP) × funding`; 0 for every other venue and when the position receives funding.
#[inline(always)]
pub fn funding_charge(m: &PositionModel) -> f64 {
    if m.funding > 0.0 {
        notional(m, m.entry_price) * m.funding
    } else {
        0.0
    }
}

/// Estimated fee to close at price `p` where the venue counts it (0 elsewhere):
/// `notional(p) × f`, or `notional(EP) × f` where the venue values it at entry (BitMEX).
/// Bybit (UTA, and classic inverse cross) values it at the bankruptcy price in the liquidation
/// condition; this is the estimate at `p` used for account totals (see [`requirement`] for the
/// exact term).
#[inline(always)]
pub fn closing_fee(m: &PositionModel, p: f64) -> f64 {
    match m.fee_valuation {
        FeeValuation::AtEntry => notional(m, m.entry_price) * m.fee_rate,
        FeeValuation::AtPrice | FeeValuation::AtBankruptcy => notional(m, p) * m.fee_rate,
    }
}

/// The fee term of the liquidation condition for `collateral` at price `p`: as
/// [`closing_fee`], except that Bybit values it at the bankruptcy price
/// (`N × fee / BP` [BB-INV-LP]; 0 when there is no bankruptcy price).
pub fn liquidation_fee(m: &PositionModel, collateral: f64, p: f64) -> f64 {
    liquidation_fee_inline(m, collateral, p)
}

/// [`liquidation_fee`], inlined (see [`maintenance_margin_inline`]).
#[inline(always)]
pub(crate) fn liquidation_fee_inline(m: &PositionModel, collateral: f64, p: f64) -> f64 {
    match m.fee_valuation {
        // No bankruptcy price (an inverse short whose collateral covers any rise): the fee
        // valued at a bankruptcy price that recedes to infinity is 0, as in the solver.
        FeeValuation::AtBankruptcy => bankruptcy_price_inline(m, collateral).map_or(0.0, |bp| notional(m, bp) * m.fee_rate),
        _ => closing_fee(m, p),
    }
}

/// What equity must stay above at price `p`: maintenance margin plus the fee term of the
/// venue's liquidation condition. At the liquidation price, `collateral + pnl(LP)` equals this.
pub fn requirement(m: &PositionModel, collateral: f64, p: f64) -> f64 {
    maintenance_margin(m, p).0 + liquidation_fee(m, collateral, p)
}

/// Solves `C + pnl(P) = a·notional(P) + K` (see the module notes); `None` unless the root is a
/// finite positive price.
#[inline(always)]
fn solve_linear_in_value(m: &PositionModel, collateral: f64, a: f64, k: f64) -> Option<f64> {
    let s = m.side;
    let p = match m.contract {
        Contract::Linear => {
            let q = m.size;
            (collateral - k - s * q * m.entry_price) / (a * q - s * q)
        }
        Contract::Inverse => {
            let n = m.size;
            n * (a + s) / (collateral + s * n / m.entry_price - k)
        }
    };
    (p.is_finite() && p > 0.0).then_some(p)
}

/// The `(a, K)` pair of one tier's `(mmr, amount)` for this venue's valuation, with the
/// closing fee valued as the venue values it (`fee_at_bp` = `notional(BP) × f` for Bybit
/// inverse).
#[inline(always)]
fn coefficients(m: &PositionModel, mmr: f64, amount: f64, fee_at_bp: f64) -> (f64, f64) {
    let f = m.fee_rate;
    let (mut a, mut k) = match m.valuation {
        MmValuation::AtPrice => (mmr, -amount),
        MmValuation::AtEntry => (0.0, (notional(m, m.entry_price) * mmr - amount).max(0.0)),
    };
    match m.fee_valuation {
        FeeValuation::AtPrice => a += f,
        FeeValuation::AtEntry => k += notional(m, m.entry_price) * f,
        FeeValuation::AtBankruptcy => k += fee_at_bp,
    }
    (a, k + funding_charge(m))
}

/// Solves one tier's condition; when the tier's `notional × mmr − amount` would be negative at
/// the root (a user table whose amount breaks continuity), the maintenance margin is 0 there
/// and the root is re-solved with the fee term alone.
#[inline(always)]
pub(crate) fn solve_tier(m: &PositionModel, collateral: f64, mmr: f64, amount: f64, fee_at_bp: f64) -> Option<f64> {
    let (a, k) = coefficients(m, mmr, amount, fee_at_bp);
    let p = solve_linear_in_value(m, collateral, a, k)?;
    // `notional × mmr − amount` can only be negative when the amount is positive.
    if amount > 0.0 && mm_value(m, p) * mmr - amount < 0.0 {
        let (a0, k0) = coefficients(m, 0.0, 0.0, fee_at_bp);
        return solve_linear_in_value(m, collateral, a0, k0);
    }
    Some(p)
}

/// Deribit's size-dependent rate: solves `k·N²·x² + N·(b + f + s)·x − (C + s·N/EP) = 0` for
/// `x = 1/P` (inverse) or uses the constant rate `b + k·Q` (linear).
///
/// Long (`s = +1`): the constant term is negative, so exactly one root is positive — the LP.
/// Short: equity falls as the price rises (`x` falls); if `C ≥ N/EP` equity never falls below
/// the shrinking requirement and there is no LP; otherwise the LP is the smaller positive root
/// (the larger one is a low price at which the quadratic requirement would overtake a short's
/// gains, not the short's liquidation). Roots use the cancellation-free form
/// `q = −(B + sign(B)·√Δ)/2`, `x₁ = q/A`, `x₂ = c/q`.
fn solve_size_rate(m: &PositionModel, collateral: f64) -> Option<f64> {
    let r = m.size_rate?;
    let s = m.side;
    if m.contract == Contract::Linear {
        let (a, k) = coefficients(m, r.mm_base + r.per_coin * m.size, 0.0, 0.0);
        return solve_linear_in_value(m, collateral, a, k);
    }
    let n = m.size;
    let a = r.per_coin * n * n;
    let b = n * (r.mm_base + m.fee_rate + s);
    let c = -(collateral + s * n / m.entry_price);
    if s < 0.0 && c <= 0.0 {
        return None;
    }
    let x = if a == 0.0 {
        -c / b
    } else {
        let disc = b * b - 4.0 * a * c;
        if disc.is_nan() || disc < 0.0 {
            return None;
        }
        let q = -0.5 * (b + b.signum() * disc.sqrt());
        let (x1, x2) = (q / a, c / q);
        let pos = [x1, x2].into_iter().filter(|x| x.is_finite() && *x > 0.0);
        if s > 0.0 {
            pos.fold(f64::NAN, f64::max)
        } else {
            pos.fold(f64::NAN, f64::min)
        }
    };
    let p = 1.0 / x;
    (p.is_finite() && p > 0.0).then_some(p)
}

/// Liquidation price for `collateral`: the mark price at which `collateral + pnl(P)` equals
/// [`requirement`]`(P)`, with the tier that applies at the liquidation price.
///
/// Starts from the tier at mark, re-solves while the result lands in another tier (Binance's
/// rule [BN-COINM-LP]), and falls back to checking every tier if that walk does not settle.
/// Venues that value MM at entry use the entry tier, so no re-solve is needed. Returns the
/// price and the tier used, or `None` when no positive price satisfies the condition (e.g. a
/// 1x linear long whose collateral covers the whole position, or an inverse short whose
/// collateral covers any rise). Never allocates.
pub fn liquidation_price(m: &PositionModel, collateral: f64) -> Option<(f64, usize)> {
    liquidation_price_from(m, collateral, || tier_index(&m.tiers, mm_value(m, m.mark_price)))
}

/// [`liquidation_price`], given the tier at mark (`at_mark`, called only when needed) when the
/// caller already knows it.
#[inline]
pub fn liquidation_price_from(m: &PositionModel, collateral: f64, at_mark: impl FnOnce() -> usize) -> Option<(f64, usize)> {
    liquidation_price_inline(m, collateral, at_mark)
}

/// [`liquidation_price_from`], inlined (see [`maintenance_margin_inline`]).
#[inline(always)]
pub(crate) fn liquidation_price_inline(m: &PositionModel, collateral: f64, at_mark: impl FnOnce() -> usize) -> Option<(f64, usize)> {
    if !collateral.is_finite() {
        return None;
    }
    if m.size_rate.is_some() {
        return solve_size_rate(m, collateral).map(|p| (p, 0));
    }
    let fee_at_bp = match m.fee_valuation {
        FeeValuation::AtBankruptcy => bankruptcy_price_inline(m, collateral).map_or(0.0, |bp| notional(m, bp) * m.fee_rate),
        _ => 0.0,
    };
    let tiers = &m.tiers;
    if let [t] = &tiers[..] {
        // One rate: no tier to re-solve.
        return solve_tier(m, collateral, t.mmr, t.maint_amount, fee_at_bp).map(|p| (p, 0));
    }
    let mut k = at_mark();
    for _ in 0..=tiers.len() {
        let t = &tiers[k];
        let (p, v, lands) = walk_step(m, collateral, (t.mmr, t.maint_amount, t.floor), tiers.get(k + 1).map(|n| n.floor), fee_at_bp)?;
        if lands {
            return Some((p, k));
        }
        k = tier_index(tiers, v);
    }
    // The walk oscillated (only possible with user tiers whose amounts break continuity):
    // take the self-consistent tier nearest to mark.
    (0..tiers.len())
        .filter_map(|k| {
            let t = &tiers[k];
            let p = solve_tier(m, collateral, t.mmr, t.maint_amount, fee_at_bp)?;
            (tier_index(tiers, mm_value(m, p)) == k).then_some((p, k))
        })
        .min_by(|a, b| (a.0 - m.mark_price).abs().total_cmp(&(b.0 - m.mark_price).abs()))
}

/// One step of [`liquidation_price_from`]'s walk: the root with one tier's `(mmr, amount,
/// floor)` (`next` = the next tier's floor, `None` for the last tier), the value the venue
/// picks tiers by at that root, and whether the root lands in that tier; `None` = no root.
/// Usually the price lands in the tier it was solved with: its bounds are checked before the
/// table is scanned (the same answer as [`tier_index`], floors being sorted).
#[inline(always)]
pub(crate) fn walk_step(m: &PositionModel, collateral: f64, (mmr, amount, floor): (f64, f64, f64), next: Option<f64>, fee_at_bp: f64) -> Option<(f64, f64, bool)> {
    let p = solve_tier(m, collateral, mmr, amount, fee_at_bp)?;
    let v = mm_value(m, p);
    Some((p, v, floor <= v && next.is_none_or(|next| v < next)))
}

/// Bankruptcy price: where equity less the closing fee (where counted, valued as the venue
/// values it; Bybit inverse at the bankruptcy price itself, `BP = N×(s + f)/(C + s×N/EP)`
/// [BB-INV-LP]) reaches zero. Linear without fee: `EP − s×C/Q` (Bybit `EP × (1 ∓ IMR)`
/// [BB-SEARCH]).
pub fn bankruptcy_price(m: &PositionModel, collateral: f64) -> Option<f64> {
    bankruptcy_price_inline(m, collateral)
}

/// [`bankruptcy_price`], inlined (see [`maintenance_margin_inline`]).
#[inline(always)]
pub(crate) fn bankruptcy_price_inline(m: &PositionModel, collateral: f64) -> Option<f64> {
    if !collateral.is_finite() {
        return None;
    }
    let f = m.fee_rate;
    let (a, k) = match m.fee_valuation {
        FeeValuation::AtPrice | FeeValuation::AtBankruptcy => (f, 0.0),
        FeeValuation::AtEntry => (0.0, notional(m, m.entry_price) * f),
    };
    solve_linear_in_value(m, collateral, a, k)
}
