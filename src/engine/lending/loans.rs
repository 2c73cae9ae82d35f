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
//! repays all the debt left.
//!
//! Loans come given (`market.loans`), imported from CSV (the loans CSV of `map`/`cascade`, read by
//! [`crate::engine::cascade::parse_loans_csv`]) or generated ([`LoanGenerator`],
//! `market.loan_generator`).

use std::collections::BTreeMap;

use rand::{RngCore, SeedableRng};
use rand_pcg::Pcg32;
use serde::{Deserialize, Serialize};

use crate::engine::input::{opt, req, Field, Shape};
use crate::engine::scenario::{check_non_negative, check_positive, FieldError, Side, SIDES};

/// Most loans one market book takes (given, imported and generated together): a loan is a run
/// of up to [`MAX_STEPS`] levels (about 40 with Aave's close factor), so 10⁵ loans are a few
/// million levels, as many as the perpetuals' generator's ceiling costs in memory.
pub const MAX_LOANS: usize = 100_000;

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
            // The last step repays what is left, seizing its worth plus the bonus (the owner
            // keeps any collateral beyond it, as on Aave); either step is capped at the balance.
            if seized >= coll {
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

/// Parameters that generate a reproducible book of loans on the market's asset, like
/// [`crate::engine::cascade::Generator`] does for perpetuals.
///
/// `count` loans share the two sides in proportion to `collateral_value_long` (the quote value,
/// at the market price `P`, of the asset supplied by long loans) and `debt_value_short` (the
/// quote value at `P` of the asset borrowed by short loans); every loan of a side has the same
/// value `each = value ÷ n_side`. Each loan's health factor `h` is drawn from `health_factors`
/// (health factor as text key → weight); the `c` loans of a bucket are stratified over
/// `h × (1 ± health_factor_spread)` (the i-th uniformly in the i-th of `c` equal cells). With
/// Aave's health factor `HF = collateral value × LT ÷ debt value`
/// (aave-v3-origin `GenericLogic.calculateUserAccountData`):
///
/// * long: `collateral = each ÷ P` units, `debt = each × LT ÷ h` quote, first liquidated at
///   `P ÷ h`;
/// * short: `debt = each ÷ P` units, `collateral = each × h ÷ LT` quote, first liquidated at
///   `P × h`.
///
/// All loans share `liquidation_threshold`, `liquidation_bonus` and `close_factor` (one
/// reserve's configuration). The stream is PCG-32 seeded with `seed`, as the perpetuals'
/// generator, so the same parameters give the same loans on every platform.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct LoanGenerator {
    /// Quote value at the market price of the asset supplied as collateral by long loans.
    #[serde(default)]
    pub collateral_value_long: f64,
    /// Quote value at the market price of the asset borrowed by short loans.
    #[serde(default)]
    pub debt_value_short: f64,
    /// Number of loans (at most [`MAX_LOANS`]).
    pub count: usize,
    #[serde(default)]
    pub seed: u64,
    /// Health factor (text key, e.g. `"1.25"`, above 1) → weight.
    pub health_factors: BTreeMap<String, f64>,
    /// Relative half-width of each bucket's health factors (0.05 = ±5 %), < 1.
    #[serde(default)]
    pub health_factor_spread: f64,
    pub liquidation_threshold: f64,
    /// Fraction above 1 (0.05 = 5 %).
    pub liquidation_bonus: f64,
    /// Share of the remaining debt one liquidation repays (default 0.5, Aave's).
    #[serde(default = "half")]
    pub close_factor: f64,
}

/// The fields of a [`LoanGenerator`].
pub const LOAN_GENERATOR_FIELDS: &[Field] = &[
    opt("collateral_value_long", Shape::Number),
    opt("debt_value_short", Shape::Number),
    req("count", Shape::Whole),
    opt("seed", Shape::Whole),
    req("health_factors", Shape::Map(&Shape::Number)),
    opt("health_factor_spread", Shape::Number),
    req("liquidation_threshold", Shape::Number),
    req("liquidation_bonus", Shape::Number),
    opt("close_factor", Shape::Number),
];

impl LoanGenerator {
    /// Range checks at `market.loan_generator.…`; the shared loan terms are checked as a
    /// [`MarketLoan`]'s are.
    pub fn validate(&self, errors: &mut Vec<FieldError>) {
        let at = |f: &str| format!("market.loan_generator.{f}");
        check_non_negative(errors, &at("collateral_value_long"), self.collateral_value_long);
        check_non_negative(errors, &at("debt_value_short"), self.debt_value_short);
        for (name, v) in [("collateral_value_long", self.collateral_value_long), ("debt_value_short", self.debt_value_short)] {
            if v > 1e15 {
                errors.push(FieldError::new(at(name), "must not exceed 1e15"));
            }
        }
        if self.count > MAX_LOANS {
            errors.push(FieldError::new(at("count"), format!("must be at most {MAX_LOANS}")));
        }
        if self.count > 0 && !(self.collateral_value_long > 0.0 || self.debt_value_short > 0.0) {
            errors.push(FieldError::new(at("count"), "give collateral_value_long or debt_value_short (> 0) for the loans to have a size"));
        }
        if self.health_factors.is_empty() {
            errors.push(FieldError::new(at("health_factors"), "list at least one health factor, e.g. {\"1.2\": 1}"));
        }
        for (k, w) in &self.health_factors {
            match k.trim().parse::<f64>() {
                Ok(h) if h.is_finite() && h > 1.0 && h <= 1000.0 => {}
                _ => errors.push(FieldError::new(
                    format!("market.loan_generator.health_factors.{k}"),
                    "key must be a health factor above 1 (and at most 1000)",
                )),
            }
            check_non_negative(errors, &format!("market.loan_generator.health_factors.{k}"), *w);
        }
        let total: f64 = self.health_factors.values().sum();
        if !self.health_factors.is_empty() && (total.is_nan() || total <= 0.0) {
            errors.push(FieldError::new(at("health_factors"), "weights must not all be zero"));
        }
        if !self.health_factor_spread.is_finite() || !(0.0..1.0).contains(&self.health_factor_spread) {
            errors.push(FieldError::new(at("health_factor_spread"), "must be a fraction ≥ 0 and < 1"));
        }
        let terms = MarketLoan {
            side: Side::Long,
            collateral: 1.0,
            debt: 1.0,
            liquidation_threshold: self.liquidation_threshold,
            liquidation_bonus: self.liquidation_bonus,
            close_factor: self.close_factor,
        };
        terms.validate("market.loan_generator", errors);
    }

    /// The generated loans at the market price `price` (see the type's doc); none when the
    /// count or both values are zero. Call after [`LoanGenerator::validate`].
    pub fn generate(&self, price: f64) -> Vec<MarketLoan> {
        let total = self.collateral_value_long + self.debt_value_short;
        if self.count == 0 || !(total > 0.0) || !(price > 0.0) {
            return Vec::new();
        }
        let n_long = (((self.count as f64) * self.collateral_value_long / total).round() as usize).min(self.count);
        let buckets: Vec<(f64, f64)> = self
            .health_factors
            .iter()
            .filter_map(|(k, w)| k.trim().parse::<f64>().ok().map(|h| (h, *w)))
            .filter(|&(h, w)| h.is_finite() && h > 0.0 && w > 0.0)
            .collect();
        let weight: f64 = buckets.iter().map(|b| b.1).sum();
        if buckets.is_empty() || !(weight > 0.0) {
            return Vec::new();
        }
        let mut rng = Pcg32::seed_from_u64(self.seed);
        let unit = |rng: &mut Pcg32| (rng.next_u32() as f64 + 0.5) * (1.0 / 4_294_967_296.0);
        let lt = self.liquidation_threshold;
        let mut out = Vec::with_capacity(self.count);
        for (side, n, value) in [(Side::Long, n_long, self.collateral_value_long), (Side::Short, self.count - n_long, self.debt_value_short)] {
            if n == 0 || !(value > 0.0) {
                continue;
            }
            let each = value / n as f64;
            let mut counts = vec![0usize; buckets.len()];
            for _ in 0..n {
                let mut u = unit(&mut rng) * weight;
                let k = buckets.iter().position(|b| {
                    u -= b.1;
                    u < 0.0
                });
                counts[k.unwrap_or(buckets.len() - 1)] += 1;
            }
            for (&(h, _), &c) in buckets.iter().zip(&counts) {
                let (lo, hi) = (h * (1.0 - self.health_factor_spread), h * (1.0 + self.health_factor_spread));
                for i in 0..c {
                    let hf = lo + (hi - lo) * (i as f64 + unit(&mut rng)) / c as f64;
                    let (collateral, debt) = match side {
                        Side::Long => (each / price, each * lt / hf),
                        Side::Short => (each * hf / lt, each / price),
                    };
                    out.push(MarketLoan {
                        side,
                        collateral,
                        debt,
                        liquidation_threshold: lt,
                        liquidation_bonus: self.liquidation_bonus,
                        close_factor: self.close_factor,
                    });
                }
            }
        }
        out
    }
}
