//! Loans in the market book: their liquidations sell (or buy back) the market's asset into the
//! same depth as the perpetuals' (`market.loans`, read by `map` and `cascade`).
//!
//! A loan is an Aave-style position on the market's asset, either side:
//!
//! * `long`: `collateral` base units of the asset against `debt` in the quote currency. Its
//!   health factor `collateral × P × LT / debt` reaches 1 at `L = debt / (collateral × LT)`;
//!   a liquidator then repays `close_factor × debt` and takes `repaid × (1 + bonus) / L` of the
//!   collateral, which it sells: a sell of that many base units at L.
//! * `short`: `debt` base units of the asset against `collateral` in quote: `L = collateral ×
//!   LT / debt`; the liquidator buys back `close_factor × debt` units at L and takes
//!   `repaid × L × (1 + bonus)` of the collateral.
//!
//! After a partial liquidation at L the health factor is `(1 − cf·(1 + bonus)·LT) / (1 − cf)`
//! at the same price, above 1 whenever `LT × (1 + bonus) < 1` (the rule Aave's
//! `PoolConfigurator.configureReserveAsCollateral` enforces), so the next liquidation waits for
//! a further move: each loan is a run of levels, each at a lower (long) or higher (short) price
//! than the one before, computed with the repayment rule of aave-v3-origin
//! `LiquidationLogic._calculateAvailableCollateralToLiquidate` (collateral capped at the
//! balance, then the debt repaid is what that collateral covers). The run ends when the debt is
//! repaid or the collateral is gone (bad debt), or after [`MAX_STEPS`] steps, the last of which
//! liquidates what is left.

use serde::{Deserialize, Serialize};

use crate::engine::input::{opt, req, Field, Shape};
use crate::engine::scenario::{check_positive, FieldError, Side, SIDES};

/// One loan of the market book.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct MarketLoan {
    /// `long`: collateral in the asset, debt in quote (sells on liquidation); `short`: debt in
    /// the asset, collateral in quote (buys back on liquidation).
    #[serde(default)]
    pub side: Side,
    /// Long: base units; short: quote.
    pub collateral: f64,
    /// Long: quote; short: base units.
    pub debt: f64,
    pub liquidation_threshold: f64,
    /// Fraction above 1 (0.05 = 5 %).
    pub liquidation_bonus: f64,
    /// Share of the remaining debt one liquidation repays (default 0.5, Aave's).
    #[serde(default = "half")]
    pub close_factor: f64,
}

fn half() -> f64 {
    0.5
}

/// The fields of a [`MarketLoan`].
pub const MARKET_LOAN_FIELDS: &[Field] = &[
    opt("side", Shape::Choice(SIDES)),
    req("collateral", Shape::Number),
    req("debt", Shape::Number),
    req("liquidation_threshold", Shape::Number),
    req("liquidation_bonus", Shape::Number),
    opt("close_factor", Shape::Number),
];

/// Most liquidations of one loan; the last liquidates what is left.
pub const MAX_STEPS: usize = 64;

impl MarketLoan {
    /// Range checks, with `at` the path prefix (`market.loans[2]`).
    pub fn validate(&self, at: &str, errors: &mut Vec<FieldError>) {
        check_positive(errors, &format!("{at}.collateral"), self.collateral);
        check_positive(errors, &format!("{at}.debt"), self.debt);
        for (name, v) in [("collateral", self.collateral), ("debt", self.debt)] {
            if v > 1e15 {
                errors.push(FieldError::new(format!("{at}.{name}"), "must not exceed 1e15"));
            }
        }
        let lt = self.liquidation_threshold;
        if !lt.is_finite() || lt <= 0.0 || lt >= 1.0 {
            errors.push(FieldError::new(format!("{at}.liquidation_threshold"), "must be a fraction > 0 and < 1"));
        }
        let b = self.liquidation_bonus;
        if !b.is_finite() || !(0.0..1.0).contains(&b) {
            errors.push(FieldError::new(format!("{at}.liquidation_bonus"), "must be a fraction ≥ 0 and < 1 (0.05 = 5 %)"));
        } else if lt.is_finite() && lt * (1.0 + b) > 1.0 + 1e-12 {
            errors.push(FieldError::new(
                format!("{at}.liquidation_threshold"),
                format!("threshold × (1 + bonus) = {:.4} exceeds 1: each liquidation would leave the loan less healthy (Aave's PoolConfigurator rejects it)", lt * (1.0 + b)),
            ));
        }
        let cf = self.close_factor;
        if !cf.is_finite() || cf <= 0.0 || cf > 1.0 {
            errors.push(FieldError::new(format!("{at}.close_factor"), "must be a fraction > 0 and ≤ 1"));
        }
    }

    /// The loan's liquidations as `(price, base units sold or bought)` in the order a move
    /// reaches them (see the module doc), and the entry notional of the ones already due at
    /// `price` (left off, as the protocol would have run them; the state carries on after them).
    pub fn levels(&self, price: f64) -> (Vec<(f64, f64)>, f64) {
        let (lt, b, cf) = (self.liquidation_threshold, self.liquidation_bonus, self.close_factor);
        let long = self.side == Side::Long;
        let (mut coll, mut debt) = (self.collateral, self.debt);
        let (debt0, coll0) = (debt, coll);
        let mut out: Vec<(f64, f64)> = Vec::new();
        let mut already = 0.0;
        for step in 0..MAX_STEPS {
            if coll <= 1e-12 * coll0 || debt <= 1e-12 * debt0 {
                break;
            }
            let mut l = if long { debt / (coll * lt) } else { coll * lt / debt };
            if !l.is_finite() || l <= 0.0 {
                break;
            }
            // With LT × (1 + bonus) = 1 the next step is at the same price; keep f64 noise from
            // putting it a hair on the wrong side.
            if let Some(&(prev, _)) = out.last() {
                l = if long { l.min(prev) } else { l.max(prev) };
            }
            let last = step + 1 == MAX_STEPS;
            let mut repaid = if last { debt } else { cf * debt };
            // Long: collateral units for `repaid` quote; short: quote for `repaid` units.
            let mut seized = if long { repaid * (1.0 + b) / l } else { repaid * l * (1.0 + b) };
            if seized >= coll || last {
                seized = coll;
                repaid = if long { coll * l / (1.0 + b) } else { coll / (l * (1.0 + b)) }.min(debt);
            }
            // What moves the market: the collateral sold (long) or the debt bought back (short).
            let units = if long { seized } else { repaid };
            let due_now = if long { l >= price } else { l <= price };
            if due_now {
                already += units * l;
            } else {
                out.push((l, units));
            }
            coll -= seized;
            debt -= repaid;
        }
        (out, already)
    }
}
