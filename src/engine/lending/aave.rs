//! Aave v3 (v3.3 rules): account data and one liquidation call.
//!
//! Sources (aave-dao/aave-v3-origin): `src/contracts/protocol/libraries/logic/GenericLogic.sol`
//! (`calculateUserAccountData`, `calculateAvailableBorrows`),
//! `src/contracts/protocol/libraries/logic/LiquidationLogic.sol` (`executeLiquidationCall`,
//! `_calculateAvailableCollateralToLiquidate`, `_burnDebtTokens`), `docs/3.3/Aave-v3.3-features.md`
//! (close factor re-design, position-size dependent 100 % close factor, forced position cleanup,
//! bad debt), and `PoolConfigurator.configureReserveAsCollateral` for the parameter rules.

use super::{borrow_reports, liquidation_prices, supply_report, Lending, LendingReport, LiquidationReport};
use crate::engine::scenario::Venue;

/// `LiquidationLogic.DEFAULT_LIQUIDATION_CLOSE_FACTOR` = 0.5e4 bps.
pub const DEFAULT_LIQUIDATION_CLOSE_FACTOR: f64 = 0.5;
/// `LiquidationLogic.CLOSE_FACTOR_HF_THRESHOLD` = 0.95e18: at or below it the whole debt may go.
pub const CLOSE_FACTOR_HF_THRESHOLD: f64 = 0.95;
/// `LiquidationLogic.MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD` = 2000e8 (USD, 8 decimals).
pub const MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD: f64 = 2000.0;
/// `LiquidationLogic.MIN_LEFTOVER_BASE` = MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD / 2.
pub const MIN_LEFTOVER_BASE: f64 = MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD / 2.0;

const FORMULA: &str = "HF = Σ collateral_i × price_i × LT_i ÷ Σ debt_j × price_j (null without debt; liquidatable when HF < 1); LTV and LT are collateral-weighted averages (e-mode category values for its assets); available borrows = max(0, collateral × LTV − debt)";
const SOURCE: &str = "aave-v3-origin GenericLogic.calculateUserAccountData and calculateAvailableBorrows (v3.3); e-mode per Aave v3.2 features (liquid e-modes)";

/// Effective (ltv, liquidation threshold, bonus) of supply `i`: 0 when not collateral, the
/// e-mode category's when the account is in one and the asset belongs to it
/// (`GenericLogic.calculateUserAccountData`: `EModeConfiguration.isReserveEnabledOnBitmap`).
pub fn parameters(l: &Lending, i: usize) -> (f64, f64, f64) {
    let p = &l.supplies[i];
    if !p.collateral {
        return (0.0, 0.0, 0.0);
    }
    match (&l.emode, p.in_emode) {
        (Some(e), true) => (e.ltv, e.liquidation_threshold, e.liquidation_bonus),
        _ => (p.ltv.unwrap_or(0.0), p.liquidation_threshold.unwrap_or(0.0), p.liquidation_bonus.unwrap_or(0.0)),
    }
}

/// Totals of `GenericLogic.calculateUserAccountData`: (collateral USD, debt USD, weighted LTV,
/// weighted threshold, health factor).
///
/// Collateral counts when the supply is used as collateral and its threshold is not 0;
/// `avgLtv = Σ value·ltv / Σ value`, `avgLT = Σ value·LT / Σ value`,
/// `HF = collateral × avgLT / debt` (the contract returns `type(uint256).max` without debt; the
/// report gives `null`).
pub fn account(l: &Lending) -> (f64, f64, f64, f64, Option<f64>) {
    let (mut coll, mut w_ltv, mut w_lt) = (0.0, 0.0, 0.0);
    for (i, p) in l.supplies.iter().enumerate() {
        let (ltv, lt, _) = parameters(l, i);
        if lt > 0.0 {
            let v = p.amount * p.price;
            coll += v;
            w_ltv += v * ltv;
            w_lt += v * lt;
        }
    }
    let debt: f64 = l.borrows.iter().map(|b| b.amount * b.price).sum();
    let (ltv, lt) = if coll > 0.0 { (w_ltv / coll, w_lt / coll) } else { (0.0, 0.0) };
    let hf = (debt > 0.0).then(|| w_lt / debt);
    (coll, debt, ltv, lt, hf)
}

/// The account report: health factor, totals, available borrows, and per asset the price at
/// which the health factor reaches 1 with every other price fixed (an asset both supplied and
/// borrowed moves on both sides: `p = (D_rest − W_rest) / (W_a − D_a)`, W threshold-weighted
/// collateral, D debt).
pub fn evaluate(l: &Lending) -> LendingReport {
    let (coll, debt, ltv, lt, hf) = account(l);
    let params: Vec<(f64, f64, f64)> = (0..l.supplies.len()).map(|i| parameters(l, i)).collect();
    let thresholds: Vec<f64> = params.iter().map(|p| p.1).collect();
    let (sp, bp) = liquidation_prices(l, &thresholds);
    LendingReport {
        venue: Venue::AaveV3,
        health_factor: hf,
        liquidatable: hf.is_some_and(|h| h < 1.0),
        total_collateral: coll,
        total_debt: debt,
        current_ltv: ltv,
        current_liquidation_threshold: lt,
        available_borrows: (coll * ltv - debt).max(0.0),
        loan_to_value: (coll > 0.0).then(|| debt / coll),
        emode: l.emode.is_some() && l.supplies.iter().any(|p| p.collateral && p.in_emode),
        lltv: None,
        liquidation_incentive_factor: None,
        supplies: l.supplies.iter().zip(&params).zip(sp).map(|((p, &par), liq)| supply_report(p, p.collateral, par, liq)).collect(),
        borrows: borrow_reports(l, bp),
        formula: FORMULA.into(),
        source: SOURCE.into(),
    }
}

/// One `liquidationCall(collateral ci, debt di, debtToCover)` under the v3.3 rules
/// (`LiquidationLogic.executeLiquidationCall`):
///
/// 1. Reverts unless HF < 1 (`HEALTH_FACTOR_NOT_BELOW_THRESHOLD`), the collateral is enabled
///    with a threshold (`COLLATERAL_CANNOT_BE_LIQUIDATED`) and the debt is not 0.
/// 2. Close factor: the whole reserve debt, except when the collateral reserve and the debt
///    reserve are each worth ≥ $2,000 and HF > 0.95: then at most 50 % of the account's *total*
///    debt value (v3.3), `maxLiquidatableDebt = min(reserveDebt, 0.5 × totalDebt / debtPrice)`.
/// 3. `_calculateAvailableCollateralToLiquidate`: `base = debt × debtPrice / collPrice`,
///    `max = base × (1 + bonus)`; when that exceeds the balance, all the collateral goes and the
///    debt repaid is `balance × collPrice / debtPrice / (1 + bonus)`. The protocol fee is
///    `(seized − seized / (1 + bonus)) × protocolFee`, the liquidator receives the rest.
/// 4. Dust (v3.3 forced cleanup): unless all the reserve debt or all the collateral goes, at
///    least `MIN_LEFTOVER_BASE` ($1,000) of each must remain, else `MUST_NOT_LEAVE_DUST`.
/// 5. Bad debt: when the collateral taken is all the account's collateral, the remaining debt of
///    every reserve is burned as deficit (`_burnBadDebt`).
///
/// The e-mode bonus applies when the account is in e-mode and the collateral is in its category.
pub fn liquidate(l: &Lending, ci: usize, di: usize, debt_to_cover: Option<f64>) -> LiquidationReport {
    let (total_coll, total_debt, _, _, hf) = account(l);
    let supply = &l.supplies[ci];
    let borrow = &l.borrows[di];
    let (_, lt, bonus) = parameters(l, ci);
    let fee_share = supply.liquidation_protocol_fee.unwrap_or(0.0);
    let (cp, dp) = (supply.price, borrow.price);
    let balance = supply.amount;
    let reserve_debt = borrow.amount;
    let coll_value = balance * cp;
    let debt_value = reserve_debt * dp;

    let mut out = LiquidationReport::untouched(
        Venue::AaveV3,
        &supply.asset,
        &borrow.asset,
        hf,
        "close factor 50 % of the total debt when collateral and debt reserves are both ≥ $2,000 and HF > 0.95, else 100 %; seized = repaid × debtPrice / collPrice × (1 + bonus) capped at the balance; protocol fee = (seized − seized/(1 + bonus)) × fee; unless a reserve is cleared, ≥ $1,000 of debt and collateral must remain".to_string(),
        "aave-v3-origin LiquidationLogic.executeLiquidationCall and _calculateAvailableCollateralToLiquidate (v3.3); docs/3.3/Aave-v3.3-features.md §2",
    );
    let Some(h) = hf.filter(|h| *h < 1.0) else {
        out.reverts = Some(match hf {
            None => "HEALTH_FACTOR_NOT_BELOW_THRESHOLD: the account has no debt".into(),
            Some(h) => format!("HEALTH_FACTOR_NOT_BELOW_THRESHOLD: health factor {h:.6} is not below 1"),
        });
        return out;
    };
    if !supply.collateral || lt <= 0.0 || balance <= 0.0 {
        out.reverts = Some(format!("COLLATERAL_CANNOT_BE_LIQUIDATED: {} is not used as collateral", supply.asset));
        return out;
    }
    if reserve_debt <= 0.0 {
        out.reverts = Some(format!("SPECIFIED_CURRENCY_NOT_BORROWED_BY_USER: no {} debt", borrow.asset));
        return out;
    }

    let mut max_liq = reserve_debt;
    if coll_value >= MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD && debt_value >= MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD && h > CLOSE_FACTOR_HF_THRESHOLD {
        out.close_factor = DEFAULT_LIQUIDATION_CLOSE_FACTOR;
        let cap = total_debt * DEFAULT_LIQUIDATION_CLOSE_FACTOR;
        if debt_value > cap {
            max_liq = cap / dp;
        }
    }
    out.max_debt_to_cover = max_liq;
    let wanted = debt_to_cover.map_or(max_liq, |a| a.min(max_liq));
    let b = 1.0 + bonus;
    let (mut seized, mut repaid) = (wanted * dp / cp * b, wanted);
    if seized > balance {
        seized = balance;
        repaid = balance * cp / dp / b;
    }
    let fee = (seized - seized / b) * fee_share;
    let to_liquidator = seized - fee;
    out.debt_repaid = repaid;
    out.debt_repaid_value = repaid * dp;
    out.collateral_seized = seized;
    out.collateral_seized_value = seized * cp;
    out.protocol_fee = fee;
    out.liquidator_receives = to_liquidator;
    out.liquidator_profit = to_liquidator * cp - repaid * dp;

    // Largest partial repayment leaving ≥ MIN_LEFTOVER_BASE of debt and of collateral (the
    // contract's check subtracts only the liquidator's part of the collateral).
    let by_debt = (debt_value - MIN_LEFTOVER_BASE) / dp;
    let by_coll = (coll_value - MIN_LEFTOVER_BASE) / (dp * (1.0 + bonus * (1.0 - fee_share)));
    let partial = by_debt.min(by_coll).min(max_liq);
    out.largest_partial_amount = (partial > 0.0 && partial.is_finite()).then_some(partial);

    if repaid < reserve_debt && seized < balance {
        let debt_left = (reserve_debt - repaid) * dp;
        let coll_left = (balance - to_liquidator) * cp;
        if debt_left < MIN_LEFTOVER_BASE || coll_left < MIN_LEFTOVER_BASE {
            out.reverts = Some(format!(
                "MUST_NOT_LEAVE_DUST: after this call {:.2} USD of {} debt and {:.2} USD of {} collateral would remain; either clears its reserve or leaves at least {MIN_LEFTOVER_BASE} USD of each",
                debt_left, borrow.asset, coll_left, supply.asset
            ));
            return out;
        }
    }

    let mut after = l.clone();
    after.supplies[ci].amount = (balance - seized).max(0.0);
    after.borrows[di].amount = (reserve_debt - repaid).max(0.0);
    // `hasNoCollateralLeft`: the collateral taken is all the account's collateral.
    if (seized * cp - total_coll).abs() <= 1e-9 * total_coll.max(1.0) {
        out.bad_debt = after.borrows.iter().map(|b| b.amount * b.price).sum();
        for b in &mut after.borrows {
            b.amount = 0.0;
        }
    }
    out.health_factor_after = account(&after).4;
    out
}
