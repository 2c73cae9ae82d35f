//! Morpho Blue: one market, one collateral and one loan asset, liquidation against the LLTV.
//!
//! Sources (morpho-org/morpho-blue): `src/Morpho.sol` (`_isHealthy`, `liquidate`),
//! `src/libraries/ConstantsLib.sol` (`LIQUIDATION_CURSOR = 0.3e18`,
//! `MAX_LIQUIDATION_INCENTIVE_FACTOR = 1.15e18`), and the Morpho docs "Liquidation"
//! (LIF = min(M, 1/(β·LLTV + (1 − β))), β = 0.3, M = 1.15; "No fee is taken by the Morpho
//! protocol at this level").

use super::{borrow_reports, liquidation_prices, supply_report, Lending, LendingReport, LiquidationReport};
use crate::engine::scenario::Venue;

/// `ConstantsLib.LIQUIDATION_CURSOR` (0.3e18).
pub const LIQUIDATION_CURSOR: f64 = 0.3;
/// `ConstantsLib.MAX_LIQUIDATION_INCENTIVE_FACTOR` (1.15e18).
pub const MAX_LIQUIDATION_INCENTIVE_FACTOR: f64 = 1.15;

/// The liquidation incentive factor of a market (`Morpho.liquidate`):
/// `min(MAX_LIQUIDATION_INCENTIVE_FACTOR, 1 / (1 − cursor × (1 − lltv)))`, i.e.
/// `min(1.15, 1/(0.3·LLTV + 0.7))`. Dimensionless, ≥ 1.
pub fn liquidation_incentive_factor(lltv: f64) -> f64 {
    MAX_LIQUIDATION_INCENTIVE_FACTOR.min(1.0 / (1.0 - LIQUIDATION_CURSOR * (1.0 - lltv)))
}

/// (collateral USD, debt USD, health factor) of the market position: `Morpho._isHealthy` holds
/// while `collateral × price × LLTV ≥ borrowed`, so HF = collateral value × LLTV ÷ debt value
/// and the position is liquidatable when HF < 1 (`null` without debt).
pub fn account(l: &Lending) -> (f64, f64, Option<f64>) {
    let lltv = l.lltv.unwrap_or(0.0);
    let coll: f64 = l.supplies.iter().map(|p| p.amount * p.price).sum();
    let debt: f64 = l.borrows.iter().map(|b| b.amount * b.price).sum();
    (coll, debt, (debt > 0.0).then(|| coll * lltv / debt))
}

/// The market position's report: health factor, LTV, LIF and the collateral (and loan asset)
/// price at which HF reaches 1: `P_c = debt / (collateral × LLTV)` in loan-asset terms.
pub fn evaluate(l: &Lending) -> LendingReport {
    let lltv = l.lltv.unwrap_or(0.0);
    let (coll, debt, hf) = account(l);
    let thresholds = vec![lltv; l.supplies.len()];
    let (sp, bp) = liquidation_prices(l, &thresholds);
    let lif = liquidation_incentive_factor(lltv);
    LendingReport {
        venue: Venue::MorphoBlue,
        health_factor: hf,
        liquidatable: hf.is_some_and(|h| h < 1.0),
        total_collateral: coll,
        total_debt: debt,
        current_ltv: lltv,
        current_liquidation_threshold: lltv,
        available_borrows: (coll * lltv - debt).max(0.0),
        loan_to_value: (coll > 0.0).then(|| debt / coll),
        emode: false,
        lltv: Some(lltv),
        liquidation_incentive_factor: Some(lif),
        supplies: l.supplies.iter().zip(sp).map(|(p, liq)| supply_report(p, true, (lltv, lltv, lif - 1.0), liq)).collect(),
        borrows: borrow_reports(l, bp),
        formula: "HF = collateral × price × LLTV ÷ debt (liquidatable when HF < 1, i.e. LTV > LLTV); LIF = min(1.15, 1/(0.3·LLTV + 0.7))".into(),
        source: "morpho-blue Morpho._isHealthy, Morpho.liquidate; ConstantsLib LIQUIDATION_CURSOR 0.3, MAX_LIQUIDATION_INCENTIVE_FACTOR 1.15".into(),
    }
}

/// One `Morpho.liquidate` repaying `repay` loan tokens (default: as much as the collateral
/// allows, up to the whole debt).
///
/// Any share of the debt may be repaid (no close factor): `seized = repaid × LIF × loanPrice /
/// collateralPrice` (the contract's `repaidAssets.wMulDown(LIF).mulDivDown(ORACLE_PRICE_SCALE,
/// collateralPrice)`), capped at the collateral, in which case `repaid = collateral × price /
/// LIF`. When no collateral is left the remaining debt is realised as bad debt (socialised
/// among the market's lenders). Reverts with `HEALTHY_POSITION` unless HF < 1.
pub fn liquidate(l: &Lending, repay: Option<f64>) -> LiquidationReport {
    let lltv = l.lltv.unwrap_or(0.0);
    let lif = liquidation_incentive_factor(lltv);
    let (_, _, hf) = account(l);
    let supply = &l.supplies[0];
    let borrow = &l.borrows[0];
    let (cp, dp) = (supply.price, borrow.price);
    let mut out = LiquidationReport::untouched(
        Venue::MorphoBlue,
        &supply.asset,
        &borrow.asset,
        hf,
        format!("seized = repaid × LIF × loan price ÷ collateral price, capped at the collateral; LIF = min(1.15, 1/(0.3 × {lltv} + 0.7)) = {lif:.6}; no close factor, no protocol fee; bad debt realised when no collateral is left"),
        "morpho-blue Morpho.liquidate; ConstantsLib; Morpho docs \"Liquidation\"",
    );
    out.max_debt_to_cover = borrow.amount;
    if !hf.is_some_and(|h| h < 1.0) {
        out.reverts = Some("HEALTHY_POSITION: the position is not liquidatable (collateral × price × LLTV ≥ debt)".into());
        return out;
    }
    let wanted = repay.map_or(borrow.amount, |r| r.min(borrow.amount));
    let mut repaid = wanted;
    let mut seized = repaid * lif * dp / cp;
    if seized > supply.amount {
        seized = supply.amount;
        repaid = seized * cp / dp / lif;
    }
    out.debt_repaid = repaid;
    out.debt_repaid_value = repaid * dp;
    out.collateral_seized = seized;
    out.collateral_seized_value = seized * cp;
    out.liquidator_receives = seized;
    out.liquidator_profit = seized * cp - repaid * dp;
    let mut after = l.clone();
    after.supplies[0].amount = (supply.amount - seized).max(0.0);
    after.borrows[0].amount = (borrow.amount - repaid).max(0.0);
    if after.supplies[0].amount <= 0.0 {
        out.bad_debt = after.borrows[0].amount * dp;
        after.borrows[0].amount = 0.0;
    }
    out.health_factor_after = account(&after).2;
    out
}
