//! GMX v2 price impact in the liquidation check, against gmx-synthetics' own tests
//! (`test/exchange/DecreasePosition/CappedPriceImpact.ts`, snapshot a5c0c883) and the hardhat
//! market config they run under (`config/markets.ts` `hardhatBaseMarketConfig`:
//! maxPositionImpactFactor 2 % both ways, maxPositionImpactFactorForLiquidations 1 %,
//! minCollateralFactorForLiquidation 1 %; no position fee set).

use leverlab::engine::gmx::{self, PositionImpact};
use leverlab::engine::parse_scenario;
use serde_json::json;

fn close(a: f64, b: f64, rel: f64) {
    assert!((a - b).abs() <= rel * b.abs().max(1.0), "{a} vs {b}");
}

/// The test's market: position impact factors 5e-8 (positive) and 1e-7 (negative), exponent 2.
fn market(long_oi: f64, short_oi: f64) -> PositionImpact {
    PositionImpact {
        open_interest_long_usd: long_oi,
        open_interest_short_usd: short_oi,
        factor_positive: 5e-8,
        factor_negative: 1e-7,
        exponent_positive: 2.0,
        exponent_negative: 2.0,
        ..Default::default()
    }
}

#[test]
fn impact_matches_capped_price_impact_ts() {
    // "uncapped price impact": the long increase of $200,000 from an empty market leaves
    // pendingImpactAmount −0.799999999999999986 ETH: −1e-7 × 200,000² = −4,000 USD = −0.8 ETH at
    // 5,000 (same-side rebalance, balance made worse, the negative factor).
    close(market(0.0, 0.0).impact_usd(200_000.0, true), -4000.0, 1e-12);
    // The short increase of $200,000 then crosses the balance over (longs 200k > shorts 0 before,
    // 200k ≤ 200k after): 5e-8 × 200,000² − 1e-7 × 0² = +2,000 USD = +0.4 ETH
    // (pendingImpactAmount 0.399999999999999992).
    close(market(200_000.0, 0.0).impact_usd(200_000.0, false), 2000.0, 1e-12);
    // "capped price impact": maxPositionImpactFactor(positive) 5e-4 caps it at 5e-4 × 200,000 =
    // 100 USD = 0.02 ETH (pendingImpactAmount 20000000000000000).
    close(market(200_000.0, 0.0).impact_usd(200_000.0, false).min(5e-4 * 200_000.0), 100.0, 1e-12);
    // The long decrease of $20,000 from a balanced 200k/200k market: −1e-7 × 20,000² = −40 USD;
    // with a tenth of the pending −0.8 ETH (−400 USD at 5,000) the total −440 is capped at
    // −2 % × 20,000 = −400 (hardhat's maxPositionImpactFactor): 400 USDC go to the pool
    // (poolAmount 1,000,400) and the position's collateral falls to 50,000 − 440 = 49,560
    // (the 40 capped off is set aside as claimable), as the test asserts.
    let own = market(200_000.0, 200_000.0).impact_usd(-20_000.0, true);
    close(own, -40.0, 1e-12);
    let total = own + 0.1 * -0.8 * 5000.0;
    let charged = total.max(-0.02 * 20_000.0);
    close(charged, -400.0, 1e-12);
    close(50_000.0 + charged - (charged - total), 49_560.0, 1e-12);
}

/// The long of the test after both increases: $200,000, 40 ETH at 5,000, 50,000 USDC
/// collateral, pending −0.8 ETH, open interest 200k each side.
fn long_after_increases(cap: Option<f64>) -> gmx::GmxPositionReport {
    let mut impact = json!({"open_interest_long_usd": 200000, "open_interest_short_usd": 200000,
        "factor_positive": 5e-8, "factor_negative": 1e-7, "exponent_positive": 2, "exponent_negative": 2,
        "max_factor_positive": 0.02, "max_factor_negative": 0.02, "pending_impact_amount": -0.8});
    if let Some(c) = cap {
        impact["max_factor_for_liquidations"] = json!(c);
    }
    let s = parse_scenario(
        &json!({"venue": "gmx-v2", "positions": [{"symbol": "ETH/USD", "side": "long", "size": 40, "entry_price": 5000,
            "collateral_token": "USDC", "collateral_amount": 50000, "collateral_price": 1, "min_collateral_factor": 0.01,
            "position_impact": impact}]})
        .to_string(),
    )
    .unwrap();
    gmx::evaluate(&s).unwrap().positions.remove(0)
}

#[test]
fn the_liquidation_cap_bounds_the_impact_of_closing() {
    // Closing all $200,000 long makes the balance worse: −1e-7 × 200,000² = −4,000 USD; the pending
    // −0.8 ETH adds −4,000 at 5,000: −8,000 before the caps. hardhat's
    // maxPositionImpactFactorForLiquidations 1 % bounds the check's impact at −2,000, so the
    // remaining collateral is 50,000 − 2,000 = 48,000.
    let p = long_after_increases(Some(0.01));
    close(p.price_impact_before_caps_usd, -8000.0, 1e-12);
    close(p.pending_impact_usd, -4000.0, 1e-12);
    close(p.price_impact_usd, -2000.0, 1e-12);
    assert!(p.price_impact_capped);
    close(p.remaining_collateral_usd, 48_000.0, 1e-12);
    assert!(!p.liquidatable);
    // Liquidation price: 50,000 + 40·P − 200,000 − 2,000 = 1 % × 200,000 = 2,000 → P = 3,850
    // (the raw impact −4,000 − 0.8·P stays below −2,000 there, so the cap holds).
    close(p.liquidation_price.unwrap(), 3850.0, 1e-12);
    // Uncapped the impact follows the price: 50,000 + 40·P − 200,000 − 4,000 − 0.8·P = 2,000 →
    // P = 156,000 / 39.2 = 3,979.59: the cap moves the liquidation 129.59 lower.
    let u = long_after_increases(None);
    close(u.price_impact_usd, -8000.0, 1e-12);
    assert!(!u.price_impact_capped);
    close(u.liquidation_price.unwrap(), 156_000.0 / 39.2, 1e-12);
    // A cap of 0 (several production markets) ignores negative impact in the check:
    // 50,000 + 40·P − 200,000 = 2,000 → P = 3,800.
    let z = long_after_increases(Some(0.0));
    close(z.price_impact_usd, 0.0, 1e-12);
    close(z.liquidation_price.unwrap(), 3800.0, 1e-12);
    // What the trader gets back if closed at 5,000: the close charges −8,000 capped at
    // −2 % × 200,000 = −4,000 (maxPositionImpactFactor, negative): 46,000 USDC.
    close(p.returned_usd_now, 46_000.0, 1e-12);
}

#[test]
fn pending_impact_moves_with_the_index_between_the_pieces() {
    // A short of $200,000 (40 ETH at 5,000) on 10 WETH with pending +0.4 ETH (the test's short
    // after the crossover). Closing it worsens a balanced market: −4,000; +0.4 × P of pending.
    // At 5,000 the impact is −2,000, exactly the 1 % floor; the liquidation piece is where the
    // raw impact −4,000 + 0.4·P is between −2,000 and 0, i.e. P ≥ 5,000, and WETH is the index
    // token so the collateral moves too: 10·P − (40·P − 200,000) − 4,000 + 0.4·P = 2,000 →
    // P = 194,000 / 29.6 = 6,554.05.
    let s = parse_scenario(
        &json!({"venue": "gmx-v2", "positions": [{"symbol": "ETH/USD", "side": "short", "size": 40, "entry_price": 5000,
            "collateral_token": "WETH", "collateral_amount": 10, "collateral_price": 5000, "min_collateral_factor": 0.01,
            "position_impact": {"open_interest_long_usd": 200000, "open_interest_short_usd": 200000,
                "factor_positive": 5e-8, "factor_negative": 1e-7, "max_factor_for_liquidations": 0.01,
                "pending_impact_amount": 0.4}}]})
        .to_string(),
    )
    .unwrap();
    let p = gmx::evaluate(&s).unwrap().positions.remove(0);
    close(p.price_impact_usd, -2000.0, 1e-12);
    close(p.liquidation_price.unwrap(), 194_000.0 / 29.6, 1e-12);
}

#[test]
fn impact_input_is_strict() {
    let e = parse_scenario(
        &json!({"venue": "gmx-v2", "positions": [{"symbol": "ETH/USD", "size": 1, "entry_price": 5000,
            "collateral_token": "USDC", "collateral_amount": 1000, "collateral_price": 1, "min_collateral_factor": 0.01,
            "price_impact_usd": -5,
            "position_impact": {"open_interest_long_usd": -1, "open_interest_short_usd": 0, "factor_negative": 2,
                "exponent_negative": 9, "max_factor_for_liquidations": 1.5, "max_facter_positive": 0.1}}]})
        .to_string(),
    )
    .unwrap_err()
    .to_string();
    for want in [
        "positions[0].position_impact.max_facter_positive: unknown field; did you mean max_factor_positive?",
        "positions[0].position_impact.open_interest_long_usd: must be a finite USD amount ≥ 0",
        "positions[0].position_impact.factor_negative: must be a factor ≥ 0 and < 1",
        "positions[0].position_impact.exponent_negative: must be an exponent from 1 to 3",
        "positions[0].position_impact.max_factor_for_liquidations: must be a fraction from 0 to 1",
        "positions[0].price_impact_usd: give the impact or position_impact (which computes it), not both",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
    let e = parse_scenario(
        &json!({"venue": "bybit", "positions": [{"symbol": "ETHUSDT", "size": 1, "entry_price": 5000, "leverage": 10,
            "position_impact": {"open_interest_long_usd": 0, "open_interest_short_usd": 0}}]})
        .to_string(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("positions[0].position_impact: only for venue gmx-v2"), "{e}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// The check's impact is never positive and never below −size × the liquidation cap; at the
    /// liquidation price the remaining collateral (impact re-evaluated there) is the floor.
    #[test]
    fn the_cap_holds_and_the_liquidation_price_solves_the_check(
        size in 0.1f64..100.0, entry in 100.0f64..5000.0, coll in 100.0f64..1e6, long_oi in 0.0f64..1e7,
        short_oi in 0.0f64..1e7, neg in 0.0f64..1e-6, pending in -5.0f64..5.0, cap in proptest::option::of(0.0f64..0.05),
        is_long in proptest::bool::ANY, stable in proptest::bool::ANY, mark_ratio in 0.7f64..1.3) {
        let mut impact = json!({"open_interest_long_usd": long_oi, "open_interest_short_usd": short_oi,
            "factor_positive": neg / 2.0, "factor_negative": neg, "pending_impact_amount": pending});
        if let Some(c) = cap { impact["max_factor_for_liquidations"] = json!(c); }
        let (token, amount, price) = if stable { ("USDC", coll, 1.0) } else { ("WETH", coll / entry, entry * mark_ratio) };
        let doc = json!({"venue": "gmx-v2", "positions": [{"symbol": "ETH/USD", "side": if is_long { "long" } else { "short" },
            "size": size, "entry_price": entry, "mark_price": entry * mark_ratio, "collateral_token": token,
            "collateral_amount": amount, "collateral_price": price, "min_collateral_factor": 0.01, "position_impact": impact}]});
        let p = gmx::evaluate(&parse_scenario(&doc.to_string()).unwrap()).unwrap().positions.remove(0);
        let s_usd = size * entry;
        proptest::prop_assert!(p.price_impact_usd <= 0.0);
        if let Some(c) = cap { proptest::prop_assert!(p.price_impact_usd >= -s_usd * c * (1.0 + 1e-12)); }
        if let Some(lp) = p.liquidation_price {
            let mut at = doc.clone();
            at["positions"][0]["mark_price"] = json!(lp);
            if !stable { at["positions"][0]["collateral_price"] = json!(lp); }
            let q = gmx::evaluate(&parse_scenario(&at.to_string()).unwrap()).unwrap().positions.remove(0);
            let floor = (s_usd * 0.01f64).max(1.0);
            proptest::prop_assert!((q.remaining_collateral_usd - floor).abs() <= 1e-7 * (s_usd + coll),
                "remaining {} at {} vs floor {}", q.remaining_collateral_usd, lp, floor);
        }
    }
}
