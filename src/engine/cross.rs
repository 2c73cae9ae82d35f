//! The cross account's solver: the account's surplus under a common move of every mark price,
//! and the smallest moves down and up that liquidate the account; [`account_at_move`] gives
//! the account at any common move (equity against the price move, for stress and charts).

use super::margin;
use super::scenario::Contract;
use super::venue::{self, PositionModel};

/// One position at a common move `x` of the mark price (price `mark × (1 + x)`): its PnL, its
/// maintenance margin and the closing fee the venue counts, by the venue's own model
/// ([`margin::pnl`], [`margin::maintenance_margin`], [`margin::closing_fee`]), in the
/// position's settlement asset.
pub fn position_at_move(m: &PositionModel, x: f64) -> (f64, f64, f64) {
    let p = m.mark_price * (1.0 + x);
    (margin::pnl(m, p), margin::maintenance_margin(m, p).0, margin::closing_fee(m, p))
}

/// A wallet's account when every mark price moves by `x`: equity = wallet + Σ PnL, and the
/// requirement Σ (maintenance + closing fee); the account is liquidated where equity meets the
/// requirement (the cross solver below finds that move). The equity chart samples this.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AccountAtMove {
    pub equity: f64,
    pub unrealized_pnl: f64,
    pub maintenance: f64,
    pub closing_fee: f64,
}

impl AccountAtMove {
    /// Maintenance plus closing fee.
    pub fn requirement(&self) -> f64 {
        self.maintenance + self.closing_fee
    }
}

/// [`AccountAtMove`] of `models` (one settlement wallet) and `wallet` at the common move `x`.
pub fn account_at_move<'a>(models: impl IntoIterator<Item = &'a PositionModel>, wallet: f64, x: f64) -> AccountAtMove {
    let mut a = AccountAtMove { equity: wallet, unrealized_pnl: 0.0, maintenance: 0.0, closing_fee: 0.0 };
    for m in models {
        let (pnl, mm, fee) = position_at_move(m, x);
        a.equity += pnl;
        a.unrealized_pnl += pnl;
        a.maintenance += mm;
        a.closing_fee += fee;
    }
    a
}

/// Turns an already-validated number into `Some` only when it is finite.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Cross wallet's surplus when every mark price is multiplied by `1 + x`:
/// `wallet + Σ PnL_i − Σ MM_i − Σ fee_i`. Where the venue does not count other positions'
/// profit, each position sees `wallet + PnL_i + Σ_{j≠i} min(PnL_j, 0) − Σ (MM + fee)`, and the
/// wallet is liquidated at the first position that fails: `wallet + Σ min(PnL_j, 0) +
/// min_i max(PnL_i, 0) − Σ (MM + fee)`.
fn cross_surplus(rows: &[&PositionModel], wallet: f64, others_profit: bool, x: f64) -> f64 {
    let (mut total, mut losses, mut least_gain) = (wallet, 0.0, f64::INFINITY);
    for r in rows {
        let (pnl, mm, fee) = position_at_move(r, x);
        total += -mm - fee;
        losses += pnl.min(0.0);
        least_gain = least_gain.min(pnl.max(0.0));
        if others_profit {
            total += pnl;
        }
    }
    if others_profit {
        total
    } else {
        total + losses + if least_gain.is_finite() { least_gain } else { 0.0 }
    }
}

/// True when a position's maintenance margin is a convex function of the common move `x`:
/// valued at entry (constant), Deribit's `v × (b + k × v)`, or a tier table whose rates do not
/// decrease and whose amounts follow the continuity recurrence (so MM is convex in notional,
/// and notional is linear (linear) or convex (inverse) in `x`).
fn mm_convex(m: &PositionModel) -> bool {
    if m.valuation == venue::MmValuation::AtEntry || m.size_rate.is_some() {
        return true;
    }
    m.tiers.windows(2).all(|w| {
        let want = w[0].maint_amount + w[1].floor * (w[1].mmr - w[0].mmr);
        w[1].mmr >= w[0].mmr && (w[1].maint_amount - want).abs() <= 1e-9 * want.abs().max(1.0)
    })
}

/// The smallest common moves down and up (fractions) that bring a cross account's surplus to
/// zero.
///
/// When every position's PnL is concave in the move (linear contracts; inverse longs, whose PnL
/// `N·(1/EP − 1/(MP·(1 + x)))` is concave) and its maintenance convex ([`mm_convex`]), the
/// surplus is concave: the region where it is positive is one interval around 0, so bisection
/// on `[0, end]` finds the boundary directly. Otherwise (inverse shorts, irregular user tables)
/// a 400-step scan brackets the first sign change before bisecting. Either way the bisection
/// runs to the last representable step.
pub(crate) fn account_liquidation_moves(rows: &[&PositionModel], wallet: f64, others_profit: bool) -> (Option<f64>, Option<f64>) {
    if rows.is_empty() {
        return (None, None);
    }
    let f = |x: f64| cross_surplus(rows, wallet, others_profit, x);
    if f(0.0) <= 0.0 {
        return (Some(0.0), Some(0.0));
    }
    // Without others' profit the surplus has a `min_i max(PnL_i, 0)` term, which is not
    // concave: scan before bisecting.
    let concave = (others_profit || rows.len() == 1)
        && rows.iter().all(|r| (r.contract == Contract::Linear || r.side > 0.0) && mm_convex(r));
    let find = |end: f64| -> Option<f64> {
        let steps: usize = if concave { 1 } else { 400 };
        let mut a = 0.0;
        for i in 1..=steps {
            // Finer steps near zero, where liquidations usually are.
            let t = i as f64 / steps as f64;
            let b = end * t * t;
            if f(b) <= 0.0 {
                let (mut lo, mut hi) = (a, b);
                // Bisect to the last representable step: near a −100 % move the surplus is
                // steep in the move (∝ 1/(1 + x)² for inverse contracts), so a fixed tolerance
                // on the move would leave a visible error in the surplus.
                for _ in 0..1100 {
                    let mid = 0.5 * (lo + hi);
                    if mid <= lo.min(hi) || mid >= lo.max(hi) {
                        break;
                    }
                    if f(mid) > 0.0 {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                return finite(0.5 * (lo + hi));
            }
            a = b;
        }
        None
    };
    (find(-0.999_999), find(99.0))
}
