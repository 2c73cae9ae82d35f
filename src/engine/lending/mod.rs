//! Lending accounts: Aave v3 (v3.3 liquidation rules) and Morpho Blue.
//!
//! A Scenario with `"venue": "aave-v3"` or `"morpho-blue"` carries a `lending` section: the
//! supplies (collateral) and borrows (debt) of one account, each with its amount and its price in
//! the base currency (USD). [`evaluate`] gives the account's health factor, totals and the price
//! of each asset at which the health factor reaches 1; [`liquidate`] plays one liquidation call;
//! [`build_loop`] levers an account up by deposit → borrow → swap → deposit.
//!
//! * [`aave`]: `GenericLogic.calculateUserAccountData` and `LiquidationLogic.executeLiquidationCall`
//!   of aave-dao/aave-v3-origin (v3.3).
//! * [`morpho`]: `Morpho._isHealthy` and `Morpho.liquidate` of morpho-org/morpho-blue.
//!
//! # Design Decision
//! Amounts are token units and prices USD per token as `f64`, not the contracts' fixed-point
//! integers: the contracts round each product to 1 wei (10⁻¹⁸ of a token) or 10⁻⁸ USD, far below
//! what an account view shows, and `f64` keeps every figure finite and comparable with the
//! exchange engine's. The rounding directions are named in the doc comments where they decide
//! a boundary (health factor exactly 1 is safe on Aave and on Morpho).

pub mod aave;
pub mod curves;
pub mod loans;
pub mod morpho;

use serde::{Deserialize, Serialize};

use crate::engine::input::{opt, req, Field, Shape};
use crate::engine::scenario::{check_non_negative, check_positive, FieldError, InputErrors, Scenario, Venue};

/// The fields of a [`Supply`].
pub const SUPPLY_FIELDS: &[Field] = &[
    req("asset", Shape::Text),
    req("amount", Shape::Number),
    req("price", Shape::Number),
    opt("ltv", Shape::Number),
    opt("liquidation_threshold", Shape::Number),
    opt("liquidation_bonus", Shape::Number),
    opt("liquidation_protocol_fee", Shape::Number),
    opt("collateral", Shape::Bool),
    opt("in_emode", Shape::Bool),
];
/// The fields of a [`Borrow`].
pub const BORROW_FIELDS: &[Field] = &[req("asset", Shape::Text), req("amount", Shape::Number), req("price", Shape::Number)];
/// The fields of an [`EMode`] category.
pub const EMODE_FIELDS: &[Field] =
    &[req("ltv", Shape::Number), req("liquidation_threshold", Shape::Number), req("liquidation_bonus", Shape::Number)];
/// The fields of the `lending` section ([`Lending`]).
pub const LENDING_FIELDS: &[Field] = &[
    opt("supplies", Shape::List(&Shape::Object(SUPPLY_FIELDS))),
    opt("borrows", Shape::List(&Shape::Object(BORROW_FIELDS))),
    opt("emode", Shape::Object(EMODE_FIELDS)),
    opt("lltv", Shape::Number),
];

/// One supplied asset of a lending account.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Supply {
    pub asset: String,
    /// Tokens supplied.
    pub amount: f64,
    /// Price in the base currency (USD) per token.
    pub price: f64,
    /// Aave: the reserve's loan-to-value (fraction, 0.80 = 8000 bps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ltv: Option<f64>,
    /// Aave: the reserve's liquidation threshold (fraction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_threshold: Option<f64>,
    /// Aave: the liquidation bonus as a fraction above 1 (0.05 = Aave's 10500 bps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_bonus: Option<f64>,
    /// Aave: the protocol's share of the bonus (fraction, default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_protocol_fee: Option<f64>,
    /// Whether the supply is used as collateral (default true).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub collateral: bool,
    /// Aave with `emode`: whether the asset is collateral of the account's e-mode category
    /// (default true); when false it keeps its own parameters.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_emode: bool,
}

/// One borrowed asset of a lending account.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Borrow {
    pub asset: String,
    /// Tokens owed (principal plus accrued interest).
    pub amount: f64,
    /// Price in the base currency (USD) per token.
    pub price: f64,
}

/// Aave e-mode category parameters (v3.2+ "liquid e-modes").
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct EMode {
    pub ltv: f64,
    pub liquidation_threshold: f64,
    pub liquidation_bonus: f64,
}

/// The Scenario's `lending` section.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Lending {
    #[serde(default)]
    pub supplies: Vec<Supply>,
    #[serde(default)]
    pub borrows: Vec<Borrow>,
    /// Aave: the account's e-mode category, if it is in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emode: Option<EMode>,
    /// Morpho Blue: the market's liquidation loan-to-value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lltv: Option<f64>,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// Largest amount or value accepted (tokens, USD): far beyond any real account, it only keeps
/// products of amounts and prices finite.
pub const MAX_LENDING_AMOUNT: f64 = 1e15;

/// Per-supply figures of the report.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SupplyReport {
    pub asset: String,
    pub amount: f64,
    pub price: f64,
    /// amount × price (USD).
    pub value: f64,
    pub collateral: bool,
    /// The parameters that apply (e-mode's when the asset is in the account's category).
    pub ltv: f64,
    pub liquidation_threshold: f64,
    pub liquidation_bonus: f64,
    /// This asset's price (every other price fixed) at which the health factor reaches 1;
    /// `null` when no positive price does.
    pub liquidation_price: Option<f64>,
    /// (price − liquidation_price) ÷ price.
    pub distance_to_liquidation: Option<f64>,
}

/// Per-borrow figures of the report.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BorrowReport {
    pub asset: String,
    pub amount: f64,
    pub price: f64,
    pub value: f64,
    /// This asset's price (every other price fixed) at which the health factor reaches 1;
    /// `null` when no positive price does.
    pub liquidation_price: Option<f64>,
    /// (liquidation_price − price) ÷ price.
    pub distance_to_liquidation: Option<f64>,
}

/// What the engine says about a lending account.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LendingReport {
    pub venue: Venue,
    /// Σ collateral × price × threshold ÷ Σ debt × price; `null` with no debt.
    pub health_factor: Option<f64>,
    /// True when the health factor is below 1 (Aave; Morpho: the position is unhealthy).
    pub liquidatable: bool,
    /// Collateral value (USD) of the supplies used as collateral.
    pub total_collateral: f64,
    pub total_debt: f64,
    /// Collateral-weighted loan-to-value (Morpho: the LLTV).
    pub current_ltv: f64,
    /// Collateral-weighted liquidation threshold (Morpho: the LLTV).
    pub current_liquidation_threshold: f64,
    /// max(0, total_collateral × current_ltv − total_debt).
    pub available_borrows: f64,
    /// total_debt ÷ total_collateral; `null` without collateral.
    pub loan_to_value: Option<f64>,
    /// True when the account's e-mode category parameters were applied.
    pub emode: bool,
    /// Morpho: the market's LLTV and min(1.15, 1/(0.3·LLTV + 0.7)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lltv: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_incentive_factor: Option<f64>,
    pub supplies: Vec<SupplyReport>,
    pub borrows: Vec<BorrowReport>,
    pub formula: String,
    pub source: String,
}

/// One liquidation call, as the protocol would execute it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LiquidationReport {
    pub venue: Venue,
    pub collateral: String,
    pub debt: String,
    pub health_factor_before: Option<f64>,
    /// `null` when the call goes through; else the protocol's revert reason.
    pub reverts: Option<String>,
    /// Share of the debt one call may repay: 0.5 (Aave's default, of the whole position's
    /// debt since v3.3) or 1.
    pub close_factor: f64,
    /// Most of the debt asset one call may repay (tokens).
    pub max_debt_to_cover: f64,
    /// Debt repaid by the liquidator (tokens) and its value.
    pub debt_repaid: f64,
    pub debt_repaid_value: f64,
    /// Collateral taken from the account, bonus and protocol fee included (tokens), and its value.
    pub collateral_seized: f64,
    pub collateral_seized_value: f64,
    /// The protocol's share of the bonus (collateral tokens).
    pub protocol_fee: f64,
    /// collateral_seized − protocol_fee (collateral tokens).
    pub liquidator_receives: f64,
    /// liquidator_receives × collateral price − debt_repaid_value (USD).
    pub liquidator_profit: f64,
    /// Debt written off as bad debt (USD) when no collateral is left.
    pub bad_debt: f64,
    /// Health factor after the call; `null` with no debt left.
    pub health_factor_after: Option<f64>,
    /// Aave v3.3: the largest partial amount that leaves at least $1,000 of debt and of
    /// collateral behind (else repay all, or take all the collateral); `null` when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub largest_partial_amount: Option<f64>,
    pub formula: String,
    pub source: String,
}

impl LiquidationReport {
    /// A call that has not moved anything yet: zero amounts, close factor 1, the health factor
    /// unchanged, with the rules written out in `formula` and `source`.
    pub(crate) fn untouched(venue: Venue, collateral: &str, debt: &str, hf: Option<f64>, formula: String, source: &str) -> Self {
        LiquidationReport {
            venue,
            collateral: collateral.to_string(),
            debt: debt.to_string(),
            health_factor_before: hf,
            reverts: None,
            close_factor: 1.0,
            max_debt_to_cover: 0.0,
            debt_repaid: 0.0,
            debt_repaid_value: 0.0,
            collateral_seized: 0.0,
            collateral_seized_value: 0.0,
            protocol_fee: 0.0,
            liquidator_receives: 0.0,
            liquidator_profit: 0.0,
            bad_debt: 0.0,
            health_factor_after: hf,
            largest_partial_amount: None,
            formula,
            source: source.to_string(),
        }
    }
}

/// One round of a loop.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LoopStep {
    /// Debt tokens borrowed this round.
    pub borrowed: f64,
    /// Collateral tokens bought with them (after the swap cost) and deposited.
    pub deposited: f64,
    pub health_factor: Option<f64>,
    /// Collateral value ÷ (collateral value − debt value) after the round.
    pub leverage: f64,
}

/// Result of the loop builder.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LoopReport {
    pub venue: Venue,
    pub collateral: String,
    pub debt: String,
    pub target_leverage: f64,
    /// Highest leverage reachable by looping: 1 ÷ (1 − LTV × (1 − swap_cost)) on a fresh account.
    pub max_leverage: f64,
    pub leverage: f64,
    /// Deposit → borrow → swap → deposit rounds needed (each borrows what the LTV allows).
    pub loops: usize,
    pub steps: Vec<LoopStep>,
    pub total_borrowed: f64,
    pub total_deposited: f64,
    pub health_factor: Option<f64>,
    /// The collateral asset's liquidation price after looping.
    pub liquidation_price: Option<f64>,
    pub distance_to_liquidation: Option<f64>,
    /// The looped account, ready for `eval` or `liquidate`.
    pub lending: Lending,
}

/// Checks the `lending` section for `venue`.
///
/// Aave v3: every collateral supply needs `ltv`, `liquidation_threshold` (≥ ltv and < 1) and
/// `liquidation_bonus` (> 0 when the threshold is > 0), with threshold × (1 + bonus) ≤ 1, the
/// condition of `PoolConfigurator.configureReserveAsCollateral` (aave-v3-origin): "if threshold *
/// bonus is less than PERCENTAGE_FACTOR, it's guaranteed that at the moment a loan is taken there
/// is enough collateral available to cover the liquidation bonus". Morpho Blue: exactly one
/// supply and one borrow, `lltv` in (0, 1), and no Aave reserve parameters.
///
/// # Errors
/// One [`FieldError`] per problem, e.g. `lending.supplies[0].liquidation_threshold: must be ≥
/// ltv and < 1`.
pub fn validate(s: &Scenario, errors: &mut Vec<FieldError>) {
    let Some(l) = &s.lending else {
        errors.push(FieldError::new("lending", format!("required for {}: the account's supplies and borrows", s.venue)));
        return;
    };
    let morpho = s.venue == Venue::MorphoBlue;
    let amount = |errors: &mut Vec<FieldError>, path: String, v: f64| {
        check_non_negative(errors, &path, v);
        if v > MAX_LENDING_AMOUNT {
            errors.push(FieldError::new(path, format!("must not exceed {MAX_LENDING_AMOUNT:e}")));
        }
    };
    let price = |errors: &mut Vec<FieldError>, path: String, v: f64| {
        check_positive(errors, &path, v);
        if v > crate::engine::MAX_PRICE {
            errors.push(FieldError::new(path, format!("must not exceed {:e}", crate::engine::MAX_PRICE)));
        }
    };
    let fraction = |errors: &mut Vec<FieldError>, path: String, v: f64| {
        if !v.is_finite() || !(0.0..1.0).contains(&v) {
            errors.push(FieldError::new(path, "must be a fraction ≥ 0 and < 1"));
        }
    };
    for (i, p) in l.supplies.iter().enumerate() {
        let at = |f: &str| format!("lending.supplies[{i}].{f}");
        if p.asset.trim().is_empty() {
            errors.push(FieldError::new(at("asset"), "must name the asset"));
        } else if l.supplies[..i].iter().any(|q| q.asset == p.asset) {
            errors.push(FieldError::new(at("asset"), format!("{} is listed twice; an account holds one balance per asset", p.asset)));
        }
        amount(errors, at("amount"), p.amount);
        price(errors, at("price"), p.price);
        if morpho {
            for (name, v) in [
                ("ltv", p.ltv),
                ("liquidation_threshold", p.liquidation_threshold),
                ("liquidation_bonus", p.liquidation_bonus),
                ("liquidation_protocol_fee", p.liquidation_protocol_fee),
            ] {
                if v.is_some() {
                    errors.push(FieldError::new(at(name), "not used by morpho-blue: the market's lending.lltv applies"));
                }
            }
            continue;
        }
        if let Some(f) = p.liquidation_protocol_fee {
            fraction(errors, at("liquidation_protocol_fee"), f);
        }
        if !p.collateral {
            continue;
        }
        match (p.ltv, p.liquidation_threshold, p.liquidation_bonus) {
            (Some(ltv), Some(lt), Some(bonus)) => {
                check_reserve(errors, &format!("lending.supplies[{i}]"), ltv, lt, bonus);
            }
            _ => {
                for (name, v) in [("ltv", p.ltv), ("liquidation_threshold", p.liquidation_threshold), ("liquidation_bonus", p.liquidation_bonus)] {
                    if v.is_none() {
                        errors.push(FieldError::new(at(name), "required for collateral on aave-v3 (or set \"collateral\": false)"));
                    }
                }
            }
        }
    }
    for (i, b) in l.borrows.iter().enumerate() {
        let at = |f: &str| format!("lending.borrows[{i}].{f}");
        if b.asset.trim().is_empty() {
            errors.push(FieldError::new(at("asset"), "must name the asset"));
        } else if l.borrows[..i].iter().any(|q| q.asset == b.asset) {
            errors.push(FieldError::new(at("asset"), format!("{} is listed twice; an account owes one balance per asset", b.asset)));
        }
        amount(errors, at("amount"), b.amount);
        price(errors, at("price"), b.price);
    }
    if let Some(e) = &l.emode {
        if morpho {
            errors.push(FieldError::new("lending.emode", "e-mode is an Aave feature; not used by morpho-blue"));
        } else {
            check_reserve(errors, "lending.emode", e.ltv, e.liquidation_threshold, e.liquidation_bonus);
        }
    }
    if morpho {
        match l.lltv {
            None => errors.push(FieldError::new("lending.lltv", "required for morpho-blue: the market's LLTV (e.g. 0.86)")),
            Some(v) if !v.is_finite() || v <= 0.0 || v >= 1.0 => {
                errors.push(FieldError::new("lending.lltv", "must be a fraction > 0 and < 1 (Morpho enables LLTVs below 100 %)"))
            }
            _ => {}
        }
        if l.supplies.len() != 1 {
            errors.push(FieldError::new("lending.supplies", "a Morpho Blue market has exactly one collateral asset: list one supply"));
        }
        if l.borrows.len() != 1 {
            errors.push(FieldError::new("lending.borrows", "a Morpho Blue market has exactly one loan asset: list one borrow"));
        }
    } else if l.lltv.is_some() {
        errors.push(FieldError::new("lending.lltv", "only for morpho-blue; Aave uses each supply's liquidation_threshold"));
    }
}

/// The reserve-parameter rules of `PoolConfigurator.configureReserveAsCollateral` (and of
/// `PoolConfigurator.setEModeCategory` for e-mode), with `at` the path prefix.
fn check_reserve(errors: &mut Vec<FieldError>, at: &str, ltv: f64, lt: f64, bonus: f64) {
    let mut ok = true;
    if !ltv.is_finite() || !(0.0..1.0).contains(&ltv) {
        errors.push(FieldError::new(format!("{at}.ltv"), "must be a fraction ≥ 0 and < 1"));
        ok = false;
    }
    if !lt.is_finite() || lt >= 1.0 || lt < ltv.max(0.0) {
        errors.push(FieldError::new(format!("{at}.liquidation_threshold"), "must be ≥ ltv and < 1"));
        ok = false;
    }
    if !bonus.is_finite() || !(0.0..1.0).contains(&bonus) {
        errors.push(FieldError::new(format!("{at}.liquidation_bonus"), "must be a fraction ≥ 0 and < 1 (0.05 = 5 %)"));
        ok = false;
    } else if lt > 0.0 && bonus == 0.0 {
        errors.push(FieldError::new(
            format!("{at}.liquidation_bonus"),
            "must be > 0 for collateral (Aave requires a bonus above 100 % when the threshold is not 0)",
        ));
        ok = false;
    }
    if ok && lt * (1.0 + bonus) > 1.0 + 1e-12 {
        errors.push(FieldError::new(
            format!("{at}.liquidation_threshold"),
            format!(
                "threshold × (1 + bonus) = {:.4} exceeds 1: at the threshold the collateral could not pay the debt plus the bonus, so Aave's PoolConfigurator rejects it",
                lt * (1.0 + bonus)
            ),
        ));
    }
}

/// The lending account's report (Aave v3 or Morpho Blue by the Scenario's venue).
///
/// # Errors
/// The checks of [`validate`] (a Scenario of another venue is rejected at `venue`).
pub fn evaluate(s: &Scenario) -> Result<LendingReport, InputErrors> {
    let l = checked(s)?;
    match s.venue {
        Venue::MorphoBlue => Ok(morpho::evaluate(l)),
        _ => Ok(aave::evaluate(l)),
    }
}

/// One liquidation call repaying `amount` of `debt` against `collateral` (default: as much as
/// allowed).
///
/// # Errors
/// The checks of [`validate`]; `collateral` / `debt` naming no supply / borrow of the account.
pub fn liquidate(s: &Scenario, collateral: Option<&str>, debt: Option<&str>, amount: Option<f64>) -> Result<LiquidationReport, InputErrors> {
    let l = checked(s)?;
    let (ci, di) = pick(l, collateral, debt)?;
    if let Some(a) = amount {
        if !a.is_finite() || a <= 0.0 {
            return Err(FieldError::new("amount", "must be a finite number > 0 (debt tokens to repay)").into());
        }
    }
    match s.venue {
        Venue::MorphoBlue => Ok(morpho::liquidate(l, amount)),
        _ => Ok(aave::liquidate(l, ci, di, amount)),
    }
}

/// The validated `lending` section of a lending venue's Scenario.
fn checked(s: &Scenario) -> Result<&Lending, InputErrors> {
    if !matches!(s.venue, Venue::AaveV3 | Venue::MorphoBlue) {
        return Err(FieldError::new("venue", format!("{} is not a lending venue; use aave-v3 or morpho-blue", s.venue)).into());
    }
    s.validate()?;
    s.lending.as_ref().ok_or_else(|| FieldError::new("lending", "required").into())
}

/// Indexes of the supply named `collateral` and the borrow named `debt` (default: the first
/// collateral supply and the first borrow).
fn pick(l: &Lending, collateral: Option<&str>, debt: Option<&str>) -> Result<(usize, usize), InputErrors> {
    let ci = match collateral {
        Some(a) => l.supplies.iter().position(|p| p.asset == a).ok_or_else(|| {
            let names: Vec<&str> = l.supplies.iter().map(|p| p.asset.as_str()).collect();
            FieldError::new("collateral", format!("no supply named `{a}`; supplies: {}", names.join(", ")))
        })?,
        None => l
            .supplies
            .iter()
            .position(|p| p.collateral)
            .ok_or_else(|| FieldError::new("lending.supplies", "the account has no collateral supply"))?,
    };
    let di = match debt {
        Some(a) => l.borrows.iter().position(|b| b.asset == a).ok_or_else(|| {
            let names: Vec<&str> = l.borrows.iter().map(|b| b.asset.as_str()).collect();
            FieldError::new("debt", format!("no borrow named `{a}`; borrows: {}", names.join(", ")))
        })?,
        None => {
            if l.borrows.is_empty() {
                return Err(FieldError::new("lending.borrows", "the account has no borrow").into());
            }
            0
        }
    };
    Ok((ci, di))
}

/// Levers the account: borrow `debt`, swap it into `collateral` at the prices given less
/// `swap_cost`, deposit, and repeat until collateral ÷ (collateral − debt) reaches
/// `target_leverage`.
///
/// With collateral value C₀ and debt D₀ (USD), the extra debt x that reaches leverage L solves
/// `(C₀ + x(1 − c)) = L·(C₀ + x(1 − c) − D₀ − x)`, so `x = (C₀(L − 1) − L·D₀) / (1 + c(L − 1))`.
/// Each round borrows at most what the loan-to-value allows (`available_borrows`, Aave
/// `GenericLogic.calculateAvailableBorrows`; Morpho: collateral × LLTV − debt), so the rounds
/// form a geometric series with ratio LTV·(1 − c) and the reachable leverage on a debt-free
/// account is `1 / (1 − LTV·(1 − c))`. Borrowing up to the LTV on Aave, or to the LLTV on
/// Morpho, leaves the health factor at LT ÷ LTV (Aave) or exactly 1 (Morpho) on the last round.
///
/// # Errors
/// The checks of [`validate`]; `leverage` below the current leverage or above the reachable
/// one; `swap_cost` outside [0, 0.5).
pub fn build_loop(
    s: &Scenario,
    collateral: Option<&str>,
    debt: Option<&str>,
    target_leverage: f64,
    swap_cost: f64,
) -> Result<LoopReport, InputErrors> {
    let l = checked(s)?;
    let (ci, di) = pick(l, collateral, debt)?;
    if !swap_cost.is_finite() || !(0.0..0.5).contains(&swap_cost) {
        return Err(FieldError::new("swap_cost", "must be a fraction ≥ 0 and < 0.5").into());
    }
    if !crate::engine::input::leverage_ok(target_leverage) {
        return Err(FieldError::new("leverage", "must be a number from 1 to 1000 (collateral ÷ equity)").into());
    }
    let eval = |l: &Lending| match s.venue {
        Venue::MorphoBlue => morpho::evaluate(l),
        _ => aave::evaluate(l),
    };
    let r0 = eval(l);
    let ltv_c = r0.supplies[ci].ltv;
    let (c0, d0) = (r0.total_collateral, r0.total_debt);
    if c0 <= d0 {
        return Err(FieldError::new("lending", "the account has no equity (collateral ≤ debt): nothing to lever").into());
    }
    let lev = |c: f64, d: f64| if c > d { c / (c - d) } else { f64::INFINITY };
    let current = lev(c0, d0);
    let keep = 1.0 - swap_cost;
    // Fresh-account limit; with existing positions the series limit is reported the same way.
    let max_leverage = if ltv_c * keep < 1.0 { 1.0 / (1.0 - ltv_c * keep) } else { f64::INFINITY };
    if target_leverage < current - 1e-9 {
        return Err(FieldError::new(
            "leverage",
            format!("the account is already at leverage {current:.4}; the loop builder only adds leverage"),
        )
        .into());
    }
    let x_total = (c0 * (target_leverage - 1.0) - target_leverage * d0) / (1.0 + swap_cost * (target_leverage - 1.0));
    let sp = l.supplies[ci].price;
    let bp = l.borrows[di].price;
    let mut acc = l.clone();
    let mut steps = Vec::new();
    let mut left = x_total.max(0.0);
    let (mut total_b, mut total_d) = (0.0, 0.0);
    const MAX_LOOPS: usize = 200;
    while left > 1e-9 * c0.max(1.0) {
        let r = eval(&acc);
        let room = r.available_borrows;
        if room <= 1e-12 * c0.max(1.0) || steps.len() >= MAX_LOOPS {
            return Err(FieldError::new(
                "leverage",
                format!(
                    "leverage {target_leverage} is out of reach: with LTV {:.4} and swap cost {swap_cost} looping approaches {} (reached {:.4} after {} rounds)",
                    r.current_ltv,
                    if max_leverage.is_finite() { format!("{max_leverage:.4}") } else { "no limit".into() },
                    lev(r.total_collateral, r.total_debt),
                    steps.len()
                ),
            )
            .into());
        }
        let x = left.min(room);
        let borrowed = x / bp;
        let deposited = x * keep / sp;
        acc.borrows[di].amount += borrowed;
        acc.supplies[ci].amount += deposited;
        left -= x;
        total_b += borrowed;
        total_d += deposited;
        let after = eval(&acc);
        steps.push(LoopStep {
            borrowed,
            deposited,
            health_factor: after.health_factor,
            leverage: lev(after.total_collateral, after.total_debt),
        });
    }
    let r = eval(&acc);
    let sr = &r.supplies[ci];
    Ok(LoopReport {
        venue: s.venue,
        collateral: l.supplies[ci].asset.clone(),
        debt: l.borrows[di].asset.clone(),
        target_leverage,
        max_leverage: if max_leverage.is_finite() { max_leverage } else { 1000.0 },
        leverage: lev(r.total_collateral, r.total_debt),
        loops: steps.len(),
        steps,
        total_borrowed: total_b,
        total_deposited: total_d,
        health_factor: r.health_factor,
        liquidation_price: sr.liquidation_price,
        distance_to_liquidation: sr.distance_to_liquidation,
        lending: acc,
    })
}

/// The price of `asset` (every other price fixed) at which `weighted(p) = debt(p)`, where the
/// asset contributes `w` USD of threshold-weighted collateral and `d` USD of debt per unit of its
/// price and the rest of the account `w_rest` and `d_rest`: `p = (d_rest − w_rest) / (w − d)`.
/// `None` when no positive price solves it.
pub(crate) fn solve_price(w: f64, d: f64, w_rest: f64, d_rest: f64) -> Option<f64> {
    let den = w - d;
    if den.abs() <= f64::EPSILON * (w.abs() + d.abs()) {
        return None;
    }
    let p = (d_rest - w_rest) / den;
    (p.is_finite() && p > 0.0).then_some(p)
}

/// Liquidation prices per supply and per borrow for an account whose health factor is
/// `Σ amount·price·threshold ÷ Σ amount·price`, an asset's entries moving together.
pub(crate) fn liquidation_prices(l: &Lending, thresholds: &[f64]) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
    let w_total: f64 = l.supplies.iter().zip(thresholds).map(|(p, t)| p.amount * p.price * t).sum();
    let d_total: f64 = l.borrows.iter().map(|b| b.amount * b.price).sum();
    let for_asset = |asset: &str| -> Option<f64> {
        if d_total <= 0.0 {
            return None;
        }
        // Per unit of this asset's price: threshold-weighted collateral and debt.
        let (mut w, mut d, mut w_at, mut d_at) = (0.0, 0.0, 0.0, 0.0);
        for (p, t) in l.supplies.iter().zip(thresholds) {
            if p.asset == asset {
                w += p.amount * t;
                w_at += p.amount * p.price * t;
            }
        }
        for b in &l.borrows {
            if b.asset == asset {
                d += b.amount;
                d_at += b.amount * b.price;
            }
        }
        solve_price(w, d, w_total - w_at, d_total - d_at)
    };
    (
        l.supplies.iter().zip(thresholds).map(|(p, t)| if *t > 0.0 { for_asset(&p.asset) } else { None }).collect(),
        l.borrows.iter().map(|b| for_asset(&b.asset)).collect(),
    )
}

/// One supply's report with the parameters that apply (`ltv`, threshold, bonus) and its
/// liquidation price.
pub(crate) fn supply_report(p: &Supply, collateral: bool, (ltv, lt, bonus): (f64, f64, f64), liq: Option<f64>) -> SupplyReport {
    SupplyReport {
        asset: p.asset.clone(),
        amount: p.amount,
        price: p.price,
        value: p.amount * p.price,
        collateral,
        ltv,
        liquidation_threshold: lt,
        liquidation_bonus: bonus,
        liquidation_price: liq,
        distance_to_liquidation: distance(p.price, liq, false),
    }
}

/// The borrows' reports with their liquidation prices.
pub(crate) fn borrow_reports(l: &Lending, liq: Vec<Option<f64>>) -> Vec<BorrowReport> {
    l.borrows
        .iter()
        .zip(liq)
        .map(|(b, liq)| BorrowReport {
            asset: b.asset.clone(),
            amount: b.amount,
            price: b.price,
            value: b.amount * b.price,
            liquidation_price: liq,
            distance_to_liquidation: distance(b.price, liq, true),
        })
        .collect()
}

/// `(price − liquidation) ÷ price` for collateral (positive when safe), and the other way round
/// for debt.
pub(crate) fn distance(price: f64, liq: Option<f64>, debt: bool) -> Option<f64> {
    liq.map(|lp| if debt { (lp - price) / price } else { (price - lp) / price }).map(|d| d.max(0.0))
}
