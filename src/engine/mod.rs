//! leverlab's margin and liquidation engine: pure math, no web, clock or storage.
//!
//! One data spine runs through it: a [`Scenario`] (what the user entered) goes in, a
//! [`Report`] comes out. See [`evaluate`].
//!
//! This file is the table of contents: the modules, the format's types re-exported, and the
//! magnitude limits every door checks. [`evaluate`] lives in `evaluate.rs`, the cross
//! account's solver in `cross.rs`.

pub mod analytics;
pub mod batch;
pub mod cascade;
pub mod collateral;
pub mod compute;
pub mod cross;
mod evaluate;
pub mod gmx;
pub mod import;
pub mod input;
pub mod lending;
pub mod maker;
pub mod limits;
pub mod margin;
pub mod options;
pub mod portfolio;
pub mod protocol;
pub mod report;
pub mod scenario;
pub mod tables;
pub mod tools;
pub mod venue;

pub use report::{AccountReport, ModelInfo, ModelTable, PositionReport, Report, Settlement, WalletReport};
pub use input::{FieldError, InputErrors};
pub use scenario::{parse_scenario, Contract, MarginMode, Market, Position, Scenario, Side, Tier, Venue};

pub use evaluate::evaluate;
pub(crate) use evaluate::liquidation_note;

/// Lowest and highest price the engine accepts (quote per coin).
pub const MIN_PRICE: f64 = 1e-12;
pub const MAX_PRICE: f64 = 1e12;
/// Largest amount (position value, margin, balance, maintenance amount) in the settlement
/// asset, and largest size.
pub const MAX_AMOUNT: f64 = 1e15;
pub const MAX_SIZE: f64 = 1e18;

/// Range limits that keep every intermediate of the engine finite: prices in
/// [`MIN_PRICE`, `MAX_PRICE`], sizes ≤ [`MAX_SIZE`], position values at entry and mark,
/// balances, margins and maintenance amounts ≤ [`MAX_AMOUNT`] in magnitude. They are far
/// beyond any real market (10¹⁵ USDT is ten thousand times the crypto market's size), so they
/// only reject input that would overflow `f64` arithmetic.
///
/// # Errors
/// One [`FieldError`] per field out of range, naming it.
pub fn check_magnitudes(s: &Scenario) -> Result<(), InputErrors> {
    let mut errors = Vec::new();
    fn amount(errors: &mut Vec<FieldError>, path: String, v: f64) {
        if v.abs() > MAX_AMOUNT {
            errors.push(FieldError::new(path, format!("must not exceed {MAX_AMOUNT:e} in magnitude")));
        }
    }
    if let Some(w) = s.wallet_balance {
        amount(&mut errors, "wallet_balance".into(), w);
    }
    for (i, p) in s.positions.iter().enumerate() {
        let at = |f: &str| format!("positions[{i}].{f}");
        if let Some(m) = p.margin {
            amount(&mut errors, at("margin"), m);
        }
        if let Some(a) = p.maint_amount {
            amount(&mut errors, at("maint_amount"), a);
        }
        for (k, t) in p.tiers.iter().flatten().enumerate() {
            amount(&mut errors, at(&format!("tiers[{k}].maint_amount")), t.maint_amount);
            if t.floor > MAX_SIZE {
                errors.push(FieldError::new(at(&format!("tiers[{k}].floor")), format!("must not exceed {MAX_SIZE:e}")));
            }
        }
        for (name, price) in [("entry_price", Some(p.entry_price)), ("mark_price", p.mark_price)] {
            if let Some(x) = price.filter(|x| !(MIN_PRICE..=MAX_PRICE).contains(x)) {
                errors.push(FieldError::new(at(name), format!("{x:e} is outside the supported {MIN_PRICE:e} to {MAX_PRICE:e}")));
            }
        }
        if p.size > MAX_SIZE {
            errors.push(FieldError::new(at("size"), format!("must not exceed {MAX_SIZE:e}")));
            continue;
        }
        let value = |price: f64| match s.contract_of(p) {
            Contract::Linear => p.size * price,
            Contract::Inverse => p.size / price,
        };
        let worst = value(p.entry_price).max(value(p.mark_price.unwrap_or(p.entry_price)));
        if worst.is_nan() || worst > MAX_AMOUNT {
            errors.push(FieldError::new(
                at("size"),
                format!("the position's value ({worst:e} in the settlement asset) must not exceed {MAX_AMOUNT:e}"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(InputErrors(errors))
    }
}
