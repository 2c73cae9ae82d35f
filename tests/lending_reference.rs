//! Reference tests of the DeFi protocols: every expected number is one the protocol published in
//! its own tests or docs, with the arithmetic restated in a comment.

use leverlab::engine::lending::{self, morpho};
use leverlab::engine::maker::{self, clip, AuctionOptions, Calc};
use leverlab::engine::{gmx, parse_scenario, protocol, Scenario};
use serde_json::{json, Value};

fn scenario(v: Value) -> Scenario {
    parse_scenario(&v.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol * b.abs().max(1.0), "{a} vs {b}");
}

// ---------------------------------------------------------------------------------------------
// Aave v3
// ---------------------------------------------------------------------------------------------

/// aave-utilities `generate-raw-user-summary.test.ts` (math-utils): a USDC and an ETH reserve,
/// each 200 tokens supplied and 100 borrowed, 1 token = 10 market-reference units; reserves at
/// LTV 50 % / LT 60 %; the stablecoin e-mode category at LTV 60 % / LT 70 %.
fn au_mock(emode: bool) -> Scenario {
    let reserve = |asset: &str| json!({"asset": asset, "amount": 200, "price": 10, "ltv": 0.5, "liquidation_threshold": 0.6, "liquidation_bonus": 0.05});
    let mut l = json!({
        "supplies": [reserve("USDC"), reserve("ETH")],
        "borrows": [{"asset": "USDC", "amount": 100, "price": 10}, {"asset": "ETH", "amount": 100, "price": 10}]
    });
    if emode {
        l["emode"] = json!({"ltv": 0.6, "liquidation_threshold": 0.7, "liquidation_bonus": 0.01});
    }
    scenario(json!({"venue": "aave-v3", "lending": l}))
}

#[test]
fn aave_utilities_user_summary_health_factor_1_2() {
    // totalCollateral 4000, totalBorrows 2000, currentLoanToValue 5000, currentLiquidationThreshold
    // 6000, availableBorrows 0 (4000 × 0.5 − 2000), healthFactor '1.2' (4000 × 0.6 / 2000).
    let r = lending::evaluate(&au_mock(false)).unwrap();
    close(r.total_collateral, 4000.0, 1e-12);
    close(r.total_debt, 2000.0, 1e-12);
    close(r.current_ltv, 0.5, 1e-12);
    close(r.current_liquidation_threshold, 0.6, 1e-12);
    close(r.available_borrows, 0.0, 1e-12);
    close(r.health_factor.unwrap(), 1.2, 1e-12);
    assert!(!r.emode);
}

#[test]
fn aave_utilities_user_summary_in_emode_health_factor_1_4() {
    // "user in stablecoin eMode": availableBorrowsMarketReferenceCurrency '400'
    // (4000 × 0.6 − 2000), currentLoanToValue 6000, currentLiquidationThreshold 7000,
    // healthFactor '1.4' (4000 × 0.7 / 2000).
    let r = lending::evaluate(&au_mock(true)).unwrap();
    close(r.available_borrows, 400.0, 1e-12);
    close(r.current_ltv, 0.6, 1e-12);
    close(r.current_liquidation_threshold, 0.7, 1e-12);
    close(r.health_factor.unwrap(), 1.4, 1e-12);
    assert!(r.emode);
}

/// Aave v3.3 features §2.1: 3k $ GHO, 3k $ USDC and 3k $ DAI debt against 9k $ of ETH. Under
/// v3.2 one call could repay 1.5k $ (50 % per reserve); v3.3 applies 50 % to the whole position
/// (4.5k $), "which in the above example would allow to liquidate the whole 3k $ GHO". The doc
/// gives no thresholds; LT 0.97 (bonus 1 %) puts HF at 0.97, between 0.95 and 1.
#[test]
fn aave_v33_close_factor_applies_to_the_whole_position() {
    let s = scenario(json!({"venue": "aave-v3", "lending": {
        "supplies": [{"asset": "ETH", "amount": 3, "price": 3000, "ltv": 0.9, "liquidation_threshold": 0.97, "liquidation_bonus": 0.01}],
        "borrows": [{"asset": "GHO", "amount": 3000, "price": 1}, {"asset": "USDC", "amount": 3000, "price": 1}, {"asset": "DAI", "amount": 3000, "price": 1}]
    }}));
    let r = lending::liquidate(&s, Some("ETH"), Some("GHO"), None).unwrap();
    close(r.health_factor_before.unwrap(), 0.97, 1e-12);
    assert_eq!(r.close_factor, 0.5);
    close(r.max_debt_to_cover, 3000.0, 1e-12); // min(3000, 0.5 × 9000)
    close(r.debt_repaid, 3000.0, 1e-12);
    assert!(r.reverts.is_none());
}

/// Aave v3.3 features §2.2 with its threshold of 1_000e8 (the shipped constant is 2_000e8, so
/// every amount is doubled): collateral A 4,600 $, collateral B 1,600 $, debt A 1,800 $, debt B
/// 2,200 $, HF ≈ 0.96. "debt A [is] below the threshold … a liquidation could liquidate 100 % of
/// debt A for any principal and/or receive 100 % of collateral B while liquidating any debt".
#[test]
fn aave_v33_small_reserves_get_a_full_close_factor() {
    let s = scenario(json!({"venue": "aave-v3", "lending": {
        "supplies": [
            {"asset": "A", "amount": 4600, "price": 1, "ltv": 0.5, "liquidation_threshold": 0.62, "liquidation_bonus": 0.05},
            {"asset": "B", "amount": 1600, "price": 1, "ltv": 0.5, "liquidation_threshold": 0.62, "liquidation_bonus": 0.05}],
        "borrows": [{"asset": "A", "amount": 1800, "price": 1}, {"asset": "B", "amount": 2200, "price": 1}]
    }}));
    // HF = 6200 × 0.62 / 4000 = 0.961.
    let debt_a = lending::liquidate(&s, Some("A"), Some("A"), None).unwrap();
    close(debt_a.health_factor_before.unwrap(), 0.961, 1e-12);
    assert_eq!(debt_a.close_factor, 1.0);
    close(debt_a.max_debt_to_cover, 1800.0, 1e-12);
    let coll_b = lending::liquidate(&s, Some("B"), Some("B"), None).unwrap();
    assert_eq!(coll_b.close_factor, 1.0);
    close(coll_b.max_debt_to_cover, 2200.0, 1e-12);
    // Both reserves above the threshold: 50 % of the total debt, 2,000 of the 2,200.
    let big = lending::liquidate(&s, Some("A"), Some("B"), None).unwrap();
    assert_eq!(big.close_factor, 0.5);
    close(big.max_debt_to_cover, 2000.0, 1e-12);
}

/// Aave v3.3 features §2.3 (doubled as above, MIN_LEFTOVER_BASE 1,000 $): collateral A 800 $,
/// collateral B 2,000 $, debt A 1,800 $, debt B 800 $, HF ≈ 0.94: "liquidate up to 400e8 of
/// debt A [800 $ doubled] or liquidate 100 % of debt A"; "up to 500e8 of collateral B [1,000 $]
/// or 100 % of collateral B".
#[test]
fn aave_v33_forced_position_cleanup() {
    let s = scenario(json!({"venue": "aave-v3", "lending": {
        "supplies": [
            {"asset": "A", "amount": 800, "price": 1, "ltv": 0.5, "liquidation_threshold": 0.87, "liquidation_bonus": 0.05},
            {"asset": "B", "amount": 2000, "price": 1, "ltv": 0.5, "liquidation_threshold": 0.87, "liquidation_bonus": 0.05}],
        "borrows": [{"asset": "A", "amount": 1800, "price": 1}, {"asset": "B", "amount": 800, "price": 1}]
    }}));
    // HF = 2800 × 0.87 / 2600 = 0.9369 ≤ 0.95: close factor 100 %.
    let up_to = lending::liquidate(&s, Some("B"), Some("A"), Some(800.0)).unwrap();
    assert!(up_to.reverts.is_none(), "{:?}", up_to.reverts);
    close(up_to.largest_partial_amount.unwrap(), 800.0, 1e-12); // 1800 − 1000
    // Collateral B taken for 800 $: 800 × 1.05 = 840 $, leaving 1,160 $ ≥ 1,000 $.
    close(up_to.collateral_seized, 840.0, 1e-12);
    let dusty = lending::liquidate(&s, Some("B"), Some("A"), Some(1000.0)).unwrap();
    assert!(dusty.reverts.as_deref().unwrap().starts_with("MUST_NOT_LEAVE_DUST"));
    let all = lending::liquidate(&s, Some("B"), Some("A"), None).unwrap();
    assert!(all.reverts.is_none());
    close(all.debt_repaid, 1800.0, 1e-12);
}

/// `_calculateAvailableCollateralToLiquidate` with a protocol fee, and the v3.3 bad-debt rule
/// ("If an account ends up with zero collateral and non-zero debt, any remaining debt in the
/// account is burned"): 1 WETH at 1,000 $, LT 0.8, bonus 5 %, fee 10 %, 1,000 USDC of debt.
#[test]
fn aave_seized_collateral_with_bonus_fee_and_bad_debt() {
    let s = scenario(json!({"venue": "aave-v3", "lending": {
        "supplies": [{"asset": "WETH", "amount": 1, "price": 1000, "ltv": 0.7, "liquidation_threshold": 0.8, "liquidation_bonus": 0.05, "liquidation_protocol_fee": 0.1}],
        "borrows": [{"asset": "USDC", "amount": 1000, "price": 1}]
    }}));
    let r = lending::liquidate(&s, None, None, None).unwrap();
    // HF 0.8 and both reserves below 2,000 $: 100 %. 1,000 USDC would take 1.05 WETH > 1:
    // all 1 WETH goes, debt repaid = 1 × 1000 / 1.05 = 952.38; bonus part = 1 − 1/1.05 =
    // 0.047619 WETH, fee = 10 % of it = 0.0047619; the 47.62 USDC left is bad debt.
    close(r.collateral_seized, 1.0, 1e-12);
    close(r.debt_repaid, 1000.0 / 1.05, 1e-12);
    close(r.protocol_fee, (1.0 - 1.0 / 1.05) * 0.1, 1e-12);
    close(r.liquidator_receives, 1.0 - (1.0 - 1.0 / 1.05) * 0.1, 1e-12);
    close(r.bad_debt, 1000.0 - 1000.0 / 1.05, 1e-9);
    assert_eq!(r.health_factor_after, None);
}

#[test]
fn aave_health_factor_is_null_without_debt_and_finite_without_collateral() {
    let no_debt = scenario(json!({"venue": "aave-v3", "lending": {
        "supplies": [{"asset": "WETH", "amount": 1, "price": 1000, "ltv": 0.7, "liquidation_threshold": 0.8, "liquidation_bonus": 0.05}],
        "borrows": []}}));
    let r = lending::evaluate(&no_debt).unwrap();
    assert_eq!(r.health_factor, None);
    assert!(!r.liquidatable);
    assert_eq!(r.supplies[0].liquidation_price, None);
    let no_coll = scenario(json!({"venue": "aave-v3", "lending": {
        "supplies": [{"asset": "WETH", "amount": 0, "price": 1000, "ltv": 0.7, "liquidation_threshold": 0.8, "liquidation_bonus": 0.05}],
        "borrows": [{"asset": "USDC", "amount": 10, "price": 1}]}}));
    let r = lending::evaluate(&no_coll).unwrap();
    assert_eq!(r.health_factor, Some(0.0));
    assert_eq!(r.loan_to_value, None);
    let text = serde_json::to_string(&r).unwrap();
    assert!(!text.contains("NaN") && !text.contains("inf"));
}

#[test]
fn aave_bad_parameters_are_named() {
    let bad = |supply: Value| {
        let text = json!({"venue": "aave-v3", "lending": {"supplies": [supply], "borrows": []}}).to_string();
        parse_scenario(&text).unwrap_err().to_string()
    };
    let e = bad(json!({"asset": "WETH", "amount": 1, "price": 1, "ltv": 0.8, "liquidation_threshold": 0.7, "liquidation_bonus": 0.05}));
    assert!(e.contains("lending.supplies[0].liquidation_threshold: must be ≥ ltv and < 1"), "{e}");
    // PoolConfigurator: threshold × bonus must not exceed 100 %: 0.95 × 1.06 = 1.007.
    let e = bad(json!({"asset": "WETH", "amount": 1, "price": 1, "ltv": 0.9, "liquidation_threshold": 0.95, "liquidation_bonus": 0.06}));
    assert!(e.contains("lending.supplies[0].liquidation_threshold: threshold × (1 + bonus) = 1.0070 exceeds 1"), "{e}");
    let e = bad(json!({"asset": "WETH", "amount": 1, "price": 1}));
    assert!(e.contains("lending.supplies[0].ltv: required"), "{e}");
}

#[test]
fn aave_loop_reaches_the_target_leverage() {
    // 10 WETH at 2,000 $, LTV 80 %: leverage 3 needs x = C₀(L − 1) = 40,000 $ of debt (no swap
    // cost), i.e. 30 WETH of collateral and 40,000 USDC of debt; HF = 60,000 × 0.825 / 40,000.
    let s = scenario(json!({"venue": "aave-v3", "lending": {
        "supplies": [{"asset": "WETH", "amount": 10, "price": 2000, "ltv": 0.8, "liquidation_threshold": 0.825, "liquidation_bonus": 0.05}],
        "borrows": [{"asset": "USDC", "amount": 0, "price": 1}]}}));
    let r = lending::build_loop(&s, None, None, 3.0, 0.0).unwrap();
    close(r.leverage, 3.0, 1e-9);
    close(r.total_borrowed, 40000.0, 1e-9);
    close(r.health_factor.unwrap(), 1.2375, 1e-9);
    // Liquidation price: 40,000 / (30 × 0.825) = 1,616.16.
    close(r.liquidation_price.unwrap(), 40000.0 / (30.0 * 0.825), 1e-9);
    close(r.max_leverage, 5.0, 1e-12); // 1 / (1 − 0.8)
    // Rounds borrow what the LTV allows: 16,000 (0.8 × 20,000), 12,800 (0.8 × 36,000 − 16,000),
    // 10,240 (0.8 × 48,800 − 28,800), then the remaining 960.
    assert_eq!(r.loops, 4);
    close(r.steps[2].borrowed, 10240.0, 1e-9);
    assert!(lending::build_loop(&s, None, None, 6.0, 0.0).is_err());
}

// ---------------------------------------------------------------------------------------------
// Morpho Blue
// ---------------------------------------------------------------------------------------------

#[test]
fn morpho_liquidation_incentive_factor() {
    // Morpho docs "Liquidation": a market with an LLTV of 80 % has "a Liquidation Incentive
    // Factor (LIF) approximately 1.06": 1 / (0.3 × 0.8 + 0.7) = 1 / 0.94 = 1.0638.
    close(morpho::liquidation_incentive_factor(0.8), 1.0 / 0.94, 1e-12);
    assert!((morpho::liquidation_incentive_factor(0.8) - 1.06).abs() < 0.005);
    // M = 1.15 caps it: at LLTV 38.5 %, 1 / (0.1155 + 0.7) = 1.226 → 1.15.
    assert_eq!(morpho::liquidation_incentive_factor(0.385), 1.15);
}

#[test]
fn morpho_liquidatable_just_above_lltv() {
    // Morpho docs: "$100 of collateral in market A, that has an LLTV of 80 % … If the borrower's
    // debt reaches just above $80 (like $80.00001), the position is liquidatable".
    let at = |debt: f64| {
        scenario(json!({"venue": "morpho-blue", "lending": {
            "supplies": [{"asset": "WETH", "amount": 1, "price": 100}],
            "borrows": [{"asset": "USDC", "amount": debt, "price": 1}], "lltv": 0.8}}))
    };
    assert!(!lending::evaluate(&at(80.0)).unwrap().liquidatable);
    let r = lending::evaluate(&at(80.00001)).unwrap();
    assert!(r.liquidatable);
    // Liquidation price of the collateral: 80.00001 / (1 × 0.8) = 100.0000125.
    close(r.supplies[0].liquidation_price.unwrap(), 80.00001 / 0.8, 1e-12);
    // "A liquidator can repay the borrower's debt of approximately $80" and take 80 × LIF.
    let l = lending::liquidate(&at(80.00001), None, None, None).unwrap();
    close(l.collateral_seized_value, 80.00001 / 0.94, 1e-9);
    assert_eq!(l.protocol_fee, 0.0);
}

// ---------------------------------------------------------------------------------------------
// GMX v2: gmx-synthetics test/guardian/testLiquidation.ts (hardhat config: min collateral
// factor 1 %, MIN_COLLATERAL_USD $1, no fees). Size $450,000 = 30,000 SOL at $15, 1 WNT.
// ---------------------------------------------------------------------------------------------

fn sol(side: &str, sol_price: f64, wnt_price: f64) -> gmx::GmxPositionReport {
    let s = scenario(json!({"venue": "gmx-v2", "positions": [{
        "symbol": "SOL/USD", "side": side, "size": 30000, "entry_price": 15, "mark_price": sol_price,
        "collateral_token": "WETH", "collateral_amount": 1, "collateral_price": wnt_price,
        "min_collateral_factor": 0.01, "min_collateral_usd": 1}]}));
    gmx::evaluate(&s).unwrap().positions.remove(0)
}

#[test]
fn gmx_guardian_long_collateral_halves() {
    // "Cannot liquidate … sufficient collateral" at WNT $5,000 (5,000 ≥ 4,500 = 1 % of 450k);
    // at WNT $2,500 "Our user receives their 1 WNT back after their position is liquidated".
    assert!(!sol("long", 15.0, 5000.0).liquidatable);
    let p = sol("long", 15.0, 2500.0);
    assert!(p.liquidatable);
    assert_eq!(p.reason.as_deref(), Some("min collateral for leverage"));
    close(p.returned_collateral_now, 1.0, 1e-12);
    // "30,000 × $14.99 = 449,700; PnL = −300; 300 / 2500 = .12 WNT lost; … receives .88 WNT".
    let p = sol("long", 14.99, 2500.0);
    close(p.pnl_usd, -300.0, 1e-9);
    close(p.returned_collateral_now, 0.88, 1e-9);
}

#[test]
fn gmx_guardian_short_collateral_and_index() {
    // Short: WNT $4,501 not liquidatable, $4,499 liquidatable, "receives their collateral back,
    // 1 ETH" — the collateral liquidation price is 4,500.
    assert!(!sol("short", 15.0, 4501.0).liquidatable);
    let p = sol("short", 15.0, 4499.0);
    assert!(p.liquidatable);
    close(p.returned_collateral_now, 1.0, 1e-12);
    close(sol("short", 15.0, 5000.0).collateral_liquidation_price.unwrap(), 4500.0, 1e-12);
    // "liquidatable @ $500 of losses; 500 / 30000 = 0.016666 per SOL": 15.016 holds, 15.017
    // liquidates and "receives their 1 − .102 = .898 WNT back" (PnL −510 / 5,000).
    let p = sol("short", 15.0, 5000.0);
    close(p.liquidation_price.unwrap(), 15.0 + 500.0 / 30000.0, 1e-12);
    assert!(!sol("short", 15.016, 5000.0).liquidatable);
    let p = sol("short", 15.017, 5000.0);
    assert!(p.liquidatable);
    close(p.returned_collateral_now, 0.898, 1e-9);
    // "SOL 10x's … Trader's receives no collateral back"; "SOL goes to $1 … user gets nothing".
    close(sol("short", 150.0, 5000.0).returned_collateral_now, 0.0, 1e-12);
    close(sol("long", 1.0, 5000.0).returned_collateral_now, 0.0, 1e-12);
}

#[test]
fn gmx_guardian_liquidated_in_profit_and_min_collateral_usd() {
    // "SOL goes to $15.01 & ETH goes to $4000": $4,000 + $300 = $4,300 < $4,500; "pnlAmount that
    // pool pays => $300 / $4000 = 0.075 ETH" plus the 1 ETH of collateral.
    let p = sol("long", 15.01, 4000.0);
    assert!(p.liquidatable);
    close(p.returned_collateral_now, 1.075, 1e-9);
    // USDC collateral at $0.80: "Receive 300 / .8 = 375 USDC for profit" on top of 5,000.
    let s = scenario(json!({"venue": "gmx-v2", "positions": [{
        "symbol": "SOL/USD", "side": "long", "size": 30000, "entry_price": 15, "mark_price": 15.01,
        "collateral_token": "USDC", "collateral_amount": 5000, "collateral_price": 0.8,
        "min_collateral_factor": 0.01, "min_collateral_usd": 1}]}));
    let p = gmx::evaluate(&s).unwrap().positions.remove(0);
    assert!(!p.collateral_is_index_token);
    close(p.returned_collateral_now, 5375.0, 1e-9);
    // "liquidate from the minCollateralUsd": 1.5 USDC, size $1, USDC to $0.50 → $0.75 < $1.
    let s = scenario(json!({"venue": "gmx-v2", "positions": [{
        "symbol": "SOL/USD", "side": "long", "size": 0.06666666666666667, "entry_price": 15,
        "collateral_token": "USDC", "collateral_amount": 1.5, "collateral_price": 0.5,
        "min_collateral_factor": 0.01, "min_collateral_usd": 1}]}));
    let p = gmx::evaluate(&s).unwrap().positions.remove(0);
    assert_eq!(p.reason.as_deref(), Some("min collateral"));
}

#[test]
fn gmx_index_token_collateral_moves_with_the_index() {
    // Reference DERIVED bracket: same-collateral long (size + liqColl)/(sizeInTokens + amount):
    // 40 ETH long at 5,000 with 10 WETH, 1 % factor: (200,000 + 2,000) / (40 + 10) = 4,040.
    let s = scenario(json!({"venue": "gmx-v2", "positions": [{
        "symbol": "ETH/USD", "side": "long", "size": 40, "entry_price": 5000, "mark_price": 4800,
        "collateral_token": "WETH", "collateral_amount": 10, "collateral_price": 4800,
        "min_collateral_factor": 0.01, "min_collateral_usd": 1}]}));
    let p = gmx::evaluate(&s).unwrap().positions.remove(0);
    assert!(p.collateral_is_index_token);
    close(p.liquidation_price.unwrap(), 4040.0, 1e-12);
}

// ---------------------------------------------------------------------------------------------
// Maker: makerdao/dss src/test/clip.t.sol (setUp: ink 40, art 100, mat 2, chop 1.1, price 4
// after the poke, dust 20, hole and Hole 1,000) and src/test/abaci.t.sol.
// ---------------------------------------------------------------------------------------------

fn dss(vault: Value, calc: Value, cusp: f64, tail: f64) -> Scenario {
    let mut v = json!({"ink": 40, "art": 100, "mat": 2.0, "chop": 1.1, "price": 4.0, "dust": 20, "hole": 1000});
    for (k, x) in vault.as_object().unwrap() {
        v[k] = x.clone();
    }
    scenario(json!({"venue": "maker", "vault": v, "auction": {"buf": 1.25, "tail": tail, "cusp": cusp, "calc": calc}}))
}

fn take_setup() -> Scenario {
    // takeSetup: StairstepExponentialDecrease cut 0.99, step 1; buf 1.25; cusp 0.3; tail 3600.
    dss(json!({}), json!({"stairstep": {"step": 1, "cut": 0.99}}), 0.3, 3600.0)
}

#[test]
fn dss_bark_and_kick() {
    let s = take_setup();
    let r = maker::evaluate(&s).unwrap();
    // spot = 4 / 1 / 2 = 2; 40 × 2 = 80 < 100: unsafe.
    assert!(r.vault.is_unsafe);
    close(r.vault.spot, 2.0, 1e-12);
    let b = r.bark.unwrap();
    // "assertEq(tab, rad(110 ether)); assertEq(lot, 40 ether); assertEq(top, ray(5 ether)); //
    // $4 plus 25%"; the urn is emptied.
    close(b.tab, 110.0, 1e-12);
    close(b.lot, 40.0, 1e-12);
    close(b.top.unwrap(), 5.0, 1e-12);
    assert_eq!((b.ink_after, b.art_after), (0.0, 0.0));
}

#[test]
fn dss_bark_dust_rules() {
    // test_bark_not_leaving_dust: hole 80, chop 1: "art − dart = 100 − 80 = dust (= 20)" →
    // tab 80, lot 32, the urn keeps ink 8, art 20.
    let s = dss(json!({"hole": 80, "chop": 1.0}), json!({"linear": {"tau": 3600}}), 0.3, 3600.0);
    let b = maker::evaluate(&s).unwrap().bark.unwrap();
    close(b.tab, 80.0, 1e-12);
    close(b.lot, 32.0, 1e-12);
    close(b.ink_after, 8.0, 1e-12);
    close(b.art_after, 20.0, 1e-12);
    assert!(b.partial);
    // test_bark_not_leaving_dust_over_hole: room 80 + 1 wei → remainder < dust → whole vault:
    // tab 100, lot 40.
    let s = dss(json!({"hole": 80.000001, "chop": 1.0}), json!({"linear": {"tau": 3600}}), 0.3, 3600.0);
    let b = maker::evaluate(&s).unwrap().bark.unwrap();
    close(b.tab, 100.0, 1e-12);
    close(b.lot, 40.0, 1e-12);
    assert!(!b.partial);
    // test_bark_not_leaving_dust_rate: rate 1.02, hole 100, chop 1: (art − dart) × rate ≈ 2 <
    // 20 → full liquidation, "tab = 100 × rate" = 102, lot 40.
    let s = dss(json!({"hole": 100, "chop": 1.0, "rate": 1.02}), json!({"linear": {"tau": 3600}}), 0.3, 3600.0);
    let b = maker::evaluate(&s).unwrap().bark.unwrap();
    close(b.tab, 102.0, 1e-12);
    close(b.lot, 40.0, 1e-12);
    // test_partial_liquidation_Hole_limit: Hole 75 → tab 75, lot = 40 × (75 / 1.1) / 100.
    let s = dss(json!({"hole": 75}), json!({"linear": {"tau": 3600}}), 0.3, 3600.0);
    let b = maker::evaluate(&s).unwrap().bark.unwrap();
    close(b.tab, 75.0, 1e-12);
    close(b.lot, 40.0 * (75.0 / 1.1) / 100.0, 1e-12);
}

fn sale(s: &Scenario) -> (clip::Sale, f64) {
    let b = maker::bark(s.vault.as_ref().unwrap(), s.auction.as_ref());
    (clip::Sale { tab: b.tab, lot: b.lot, tic: 0.0, top: b.top.unwrap() }, b.chost)
}

#[test]
fn dss_takes() {
    let s = take_setup();
    let a = s.auction.clone().unwrap();
    // test_take_over_tab: 25 at 5 owes 125 > 110 → 22 bought, 110 paid, 18 returned.
    let (mut st, chost) = sale(&s);
    let r = clip::take(&a, &mut st, 0.0, 25.0, 5.0, chost);
    close(r.collateral_bought, 22.0, 1e-12);
    close(r.dai_paid, 110.0, 1e-12);
    close(r.collateral_returned, 18.0, 1e-12);
    assert!(r.ended);
    // test_take_under_tab: 11 at 5 → tab 55 ("110 − 5 × 11"), lot 29.
    let (mut st, chost) = sale(&s);
    let r = clip::take(&a, &mut st, 0.0, 11.0, 5.0, chost);
    close(r.tab_left, 55.0, 1e-12);
    close(r.lot_left, 29.0, 1e-12);
    // test_take_multiple_bids_different_prices: 10 at 5 → tab 60, lot 30; 30 s later the price
    // is "5 × 0.99 ** 30 = 3.698501866941401"; buying the rest takes 60 / price ≈ 16.2228 and
    // returns 30 − 16.2228 to the owner.
    let (mut st, chost) = sale(&s);
    clip::take(&a, &mut st, 0.0, 10.0, 5.0, chost);
    close(st.tab, 60.0, 1e-12);
    let r = clip::take(&a, &mut st, 30.0, 30.0, 3.698501866941401, chost);
    close(r.price, 3.698501866941401, 1e-12);
    close(r.collateral_bought, 60.0 / 3.698501866941401, 1e-12);
    close(r.collateral_returned, 30.0 - 60.0 / 3.698501866941401, 1e-12);
    // test_take_bid_fails_no_partial_allowed: 17.6 at 5 → tab 22 (= chost = 20 × 1.1), lot 22.4;
    // then a partial take of 1 reverts.
    let (mut st, chost) = sale(&s);
    close(chost, 22.0, 1e-12);
    clip::take(&a, &mut st, 0.0, 17.6, 5.0, chost);
    close(st.tab, 22.0, 1e-12);
    close(st.lot, 22.4, 1e-12);
    let r = clip::take(&a, &mut st, 0.0, 1.0, 5.0, chost);
    assert!(r.reverts.unwrap().starts_with("Clipper/no-partial-purchase"));
    // test_take_bid_recalculates_due_to_chost_check: 18 would leave 110 − 90 = 20 < 22 → owe
    // 88, tab = chost, lot = 40 − 88 / 5.
    let (mut st, chost) = sale(&s);
    clip::take(&a, &mut st, 0.0, 18.0, 5.0, chost);
    close(st.tab, 22.0, 1e-12);
    close(st.lot, 40.0 - 88.0 / 5.0, 1e-12);
    // test_take_bid_avoids_recalculate_due_no_more_lot: at 60 s the price is
    // 2735783211953807380973706855 (2.7358 RAY); all 40 for ~109.43 ends the auction.
    let (mut st, chost) = sale(&s);
    let r = clip::take(&a, &mut st, 60.0, 40.0, 2.8, chost);
    close(r.price, 2.735_783_211_953_807, 1e-12); // 2735783211953807380973706855 RAY
    assert!(r.ended);
    assert_eq!(r.lot_left, 0.0);
    // testFail_take_bid_too_low: max 4 < price 5.
    let (mut st, chost) = sale(&s);
    assert!(clip::take(&a, &mut st, 0.0, 22.0, 4.0, chost).reverts.unwrap().starts_with("Clipper/too-expensive"));
}

#[test]
fn dss_redo_on_tail_and_cusp() {
    // auctionResetSetup: LinearDecrease, buf 1.25, cusp 0.5, tail 3600.
    // test_auction_reset_tail (tau 10 h): no redo at 3,600 s, redo at 3,601 s.
    let s = dss(json!({}), json!({"linear": {"tau": 36000}}), 0.5, 3600.0);
    let a = s.auction.clone().unwrap();
    let (st, _) = sale(&s);
    assert!(!clip::status(&a, &st, 3600.0).1);
    assert!(clip::status(&a, &st, 3601.0).1);
    // test_auction_reset_cusp (tau 1 h): at 1,800 s the price is exactly half of top (not
    // below cusp 0.5): no redo; at 1,801 s redo.
    let s = dss(json!({}), json!({"linear": {"tau": 3600}}), 0.5, 3600.0);
    let a = s.auction.clone().unwrap();
    let (st, _) = sale(&s);
    assert!(!clip::status(&a, &st, 1800.0).1);
    assert!(clip::status(&a, &st, 1801.0).1);
    // After the poke to $3 the redo restarts at "$3 spot + 25% buffer" = 3.75.
    let s = dss(json!({"price": 3.0, "ink": 30}), json!({"linear": {"tau": 3600}}), 0.5, 3600.0);
    close(maker::evaluate(&s).unwrap().bark.unwrap().top.unwrap(), 3.75, 1e-12);
}

#[test]
fn dss_abaci_curves() {
    // test_linear_decrease: tau 3600, top 1000: 900 at 360 s ("1/10 done"), … 100 at 3,240 s,
    // 0 at 3,600 s.
    let lin = Calc::Linear { tau: 3600.0 };
    for k in 0..10 {
        close(lin.price(1000.0, 360.0 * k as f64), 1000.0 - 100.0 * k as f64, 1e-12);
    }
    assert_eq!(lin.price(1000.0, 3600.0), 0.0);
    // test_continuous_exp_decrease: cut 0.999230132966 ("~15 half life", e^(ln(1/2)/900)),
    // top 4000: halves every 900 s within 0.1 %.
    let exp = Calc::Exponential { cut: 0.999230132966 };
    for k in 0..5 {
        close(exp.price(4000.0, 900.0 * k as f64), 4000.0 / 2f64.powi(k), 1e-3);
    }
    // test_stairstep_exp_decrease: a 1.1234567890 % decrease every 5 s: flat within a step,
    // × (1 − 0.011234567890) at each multiple of the step.
    let stair = Calc::Stairstep { step: 5.0, cut: 1.0 - 0.011234567890 };
    close(stair.price(50e6, 4.0), 50e6, 1e-15);
    close(stair.price(50e6, 5.0), 50e6 * (1.0 - 0.011234567890), 1e-12);
    close(stair.price(50e6, 599.0), 50e6 * (1.0 - 0.011234567890f64).powi(119), 1e-12);
}

#[test]
fn dss_auction_command_restates_the_take_setup() {
    // The auction command at --at 30 with --take 10: price 5 × 0.99^30 = 3.698501866941401.
    let s = take_setup();
    let r = maker::auction(&s, AuctionOptions { at: 30.0, take: Some(10.0), max: None }).unwrap();
    close(r.status.price, 3.698501866941401, 1e-12);
    close(r.take.unwrap().dai_paid, 36.98501866941401, 1e-12);
    close(r.bark.tab, 110.0, 1e-12);
    assert!(r.path.is_none());
}

#[test]
fn compare_lending_columns() {
    // One loan, three protocols: 10 WETH at 2,000 $, 12,000 USDC of debt. Liquidation prices:
    // Aave 12,000 / (10 × 0.825) = 1,454.55; Morpho 12,000 / (10 × 0.86) = 1,395.35; Maker
    // 12,000 × 1.45 / 10 = 1,740 (the Maker FAQ's debt × LR / collateral).
    let s = scenario(json!({"venue": "aave-v3", "lending": {
        "supplies": [{"asset": "WETH", "amount": 10, "price": 2000, "ltv": 0.8, "liquidation_threshold": 0.825, "liquidation_bonus": 0.05}],
        "borrows": [{"asset": "USDC", "amount": 12000, "price": 1}]}}));
    let c = protocol::compare_lending(&s, protocol::CompareOptions { lltv: Some(0.86), mat: Some(1.45), chop: Some(1.13) }).unwrap();
    close(c.columns[0].liquidation_price.unwrap(), 12000.0 / 8.25, 1e-12);
    close(c.columns[1].liquidation_price.unwrap(), 12000.0 / 8.6, 1e-12);
    close(c.columns[2].liquidation_price.unwrap(), 1740.0, 1e-12);
    close(c.columns[2].penalty, 0.13, 1e-12);
}

#[test]
fn compare_lending_parameters_read_as_typed() {
    // The page reads "82.5 %" as 82.5 × 0.01 = 0.8250000000000001 and "113 %" as 1.13 plus
    // noise; the columns' parameter text says 0.825 and 1.13, not the products' last digits.
    let s = scenario(json!({"venue": "aave-v3", "lending": {
        "supplies": [{"asset": "WETH", "amount": 10, "price": 2000, "ltv": 0.8, "liquidation_threshold": 82.5 * 0.01, "liquidation_bonus": 0.05}],
        "borrows": [{"asset": "USDC", "amount": 12000, "price": 1}]}}));
    let c = protocol::compare_lending(&s, protocol::CompareOptions { lltv: Some(86.0 * 0.01), mat: Some(1.5), chop: Some(1.0 + 13.0 * 0.01) }).unwrap();
    assert_eq!(c.columns[0].parameters, "liquidation threshold 0.825, bonus 0.05");
    assert_eq!(c.columns[1].parameters, "LLTV 0.86, LIF 1.043841");
    assert_eq!(c.columns[2].parameters, "mat 1.5, chop 1.13");
}

#[test]
fn maker_faq_liquidation_price() {
    // Maker FAQ: 1,000 DAI against 10 ETH at 150 % → liquidation price 150 USD.
    let s = scenario(json!({"venue": "maker", "vault": {"ink": 10, "art": 1000, "mat": 1.5, "chop": 1.13, "price": 300}}));
    let r = maker::evaluate(&s).unwrap();
    close(r.vault.liquidation_price.unwrap(), 150.0, 1e-12);
    assert!(!r.vault.is_unsafe);
    assert!(r.bark.is_none());
}

// ---------------------------------------------------------------------------------------------
// Loans in the cascade (market.loans): each liquidation follows LiquidationLogic's arithmetic.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_loan_is_liquidated_step_by_step_in_the_cascade() {
    use leverlab::engine::cascade::{liquidation_map, market_levels, simulate, Depth, Impact, ImpactModel};
    // 10 WETH against 12,000 USDC, LT 82.5 %, bonus 5 %, close factor 50 % (Aave's default):
    // HF = 1 at L₁ = 12,000 / (10 × 0.825) = 1,454.55; 6,000 repaid takes 6,000 × 1.05 / L₁ =
    // 4.33125 WETH; then HF at L₁ is (1 − 0.5 × 1.05 × 0.825) / (1 − 0.5) = 1.13375, so the next
    // step is at L₂ = L₁ / 1.13375 = 1,282.95.
    let s = scenario(json!({"venue": "generic", "market": {"price": 2000, "loans": [
        {"collateral": 10, "debt": 12000, "liquidation_threshold": 0.825, "liquidation_bonus": 0.05}],
        "depth": {"model": "linear", "notional_per_pct": 1e9}}}));
    let loan = &s.market.as_ref().unwrap().book.loans[0];
    let (run, already) = loan.levels(2000.0);
    assert_eq!(already, 0.0);
    let l1 = 12000.0 / 8.25;
    close(run[0].0, l1, 1e-12);
    close(run[0].1, 6000.0 * 1.05 / l1, 1e-12);
    close(run[1].0, l1 / 1.13375, 1e-12);
    // Every step is lower, and the collateral sold never exceeds the 10 WETH.
    assert!(run.windows(2).all(|w| w[1].0 < w[0].0));
    assert!(run.iter().map(|l| l.1).sum::<f64>() <= 10.0 * (1.0 + 1e-12));
    // The map shows the loan's first step in its bin, as a loan.
    let lv = market_levels(&s, &[], 1.0).unwrap();
    assert_eq!(lv.summary.loans, 1);
    let m = liquidation_map(&lv, 100, 0.5, Vec::new()).unwrap();
    let k = m.bin_edges.iter().position(|&e| e > l1).unwrap() - 1;
    close(m.loan_long_notional[k], 6000.0 * 1.05, 1e-9);
    close(m.long_notional[k], m.loan_long_notional[k], 1e-12);
    // A 30 % drop (to 1,400) reaches the first step: 4.33 WETH sold into the depth.
    let imp = Impact::new(&Depth { model: ImpactModel::Linear { notional_per_pct: 1e9 }, refill_half_life: None, round_seconds: None });
    let r = simulate(&lv, &imp, -0.3, 10).unwrap();
    close(r.liquidated_size, 6000.0 * 1.05 / l1, 1e-9);
}
