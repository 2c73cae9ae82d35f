//! Property tests of the risk analytics: monotonicity of the probability of liquidation, the
//! band containing the point liquidation price, the stress curve crossing maintenance at the
//! Report's liquidation price, and no panic, NaN or infinity on arbitrary Scenarios.

use proptest::prelude::*;
use serde_json::json;

use leverlab::engine::analytics::passage::{hit_probability, hit_probability_ever, median_hitting_time};
use leverlab::engine::analytics::probability::{self, McSettings, ProbabilitySettings};
use leverlab::engine::analytics::recommend::{self, RecommendSettings};
use leverlab::engine::analytics::{band, carry, greeks, stress};
use leverlab::engine::{evaluate, parse_scenario, MarginMode, Scenario};

const VENUES: [&str; 10] =
    ["binance-usdm", "binance-coinm", "bybit", "okx", "gate", "hyperliquid", "dydx", "bitmex", "deribit", "generic"];
const SYMBOLS: [&str; 3] = ["BTCUSDT", "ETHUSDT", "SOLUSDT"];

/// One position as JSON: venue-default contract, random side, size, entry, mark and leverage.
fn position() -> impl Strategy<Value = serde_json::Value> {
    (0..3usize, any::<bool>(), -3.0..5.0f64, -1.0..6.0f64, 0.5..2.0f64, 1.0..150.0f64).prop_map(
        |(sym, long, lsize, lentry, mark_f, lev)| {
            let entry = 10f64.powf(lentry);
            json!({
                "symbol": SYMBOLS[sym], "side": if long { "long" } else { "short" },
                "size": 10f64.powf(lsize), "entry_price": entry, "mark_price": entry * mark_f, "leverage": lev
            })
        },
    )
}

/// The risk half of `market`, with a volatility for every symbol.
fn market() -> impl Strategy<Value = serde_json::Value> {
    (
        prop::array::uniform3(0.05..3.0f64),
        -2.0..2.0f64,
        0.01..400.0f64,
        -0.01..0.01f64,
        0.0..0.05f64,
        prop_oneof![Just(json!("normal")), (2.1..30.0f64).prop_map(|n| json!({"student_t": n}))],
        -0.9..0.9f64,
    )
        .prop_map(|(v, drift, h, f, w, tail, rho)| {
            json!({
                "volatility": {"BTCUSDT": v[0], "ETHUSDT": v[1], "SOLUSDT": v[2]},
                "drift": drift, "horizon_days": h, "funding_rate_8h": f, "mark_last_spread": w,
                "tail": tail, "correlation": {"BTCUSDT/ETHUSDT": rho},
                "jumps": {"per_year": 5.0, "mean": -0.05, "std": 0.05}
            })
        })
}

/// A Scenario that parses: isolated or cross, one to three positions.
fn scenario() -> impl Strategy<Value = Option<Scenario>> {
    (0..VENUES.len(), any::<bool>(), prop::collection::vec(position(), 1..4), market(), 0.0..7.0f64).prop_map(
        |(v, cross, positions, market, lwallet)| {
            let mut s = json!({"venue": VENUES[v], "positions": positions, "market": market});
            if cross {
                s["margin_mode"] = json!("cross");
                s["wallet_balance"] = json!(10f64.powf(lwallet));
            }
            parse_scenario(&s.to_string()).ok()
        },
    )
}

/// Fails when a Debug dump of a result holds a NaN or an infinity.
fn assert_finite(what: &str, dump: String) {
    let bad = dump.split(|c: char| !c.is_ascii_alphabetic()).any(|t| t == "NaN" || t == "inf");
    assert!(!bad, "{what} has a non-finite number: {dump}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_panic_nan_or_infinity_on_arbitrary_scenarios(s in scenario()) {
        let Some(s) = s else { return Ok(()) };
        let h = leverlab::engine::analytics::horizon_days(&s, None);
        if let Ok(r) = stress::stress_curve(&s, None, 0.9, 41) { assert_finite("stress", format!("{r:?}")); }
        if let Ok(r) = stress::scenario_grid(&s, 0.16, 9, None) { assert_finite("grid", format!("{r:?}")); }
        let settings = ProbabilitySettings {
            horizon_days: h,
            monte_carlo: Some(McSettings { paths: 50, steps: 20, seed: 3, bridge: true }),
            curves: true,
            ignore_funding: false,
        };
        if let Ok(r) = probability::probability(&s, &settings) {
            for p in &r.positions {
                prop_assert!((0.0..=1.0).contains(&p.liquidation_probability));
            }
            assert_finite("probability", format!("{r:?}"));
        }
        if let Ok(r) = band::band(&s, h) { assert_finite("band", format!("{r:?}")); }
        if let Ok(r) = carry::carry(&s, h, 5) { assert_finite("carry", format!("{r:?}")); }
        let st = RecommendSettings { horizon_days: h, ..RecommendSettings::default() };
        if let Ok(r) = recommend::recommend(&s, &st) { assert_finite("recommend", format!("{r:?}")); }
        if let Ok(r) = greeks::greeks(&s) { assert_finite("greeks", format!("{r:?}")); }
    }

    #[test]
    fn band_contains_the_point_liquidation_price(s in scenario()) {
        let Some(s) = s else { return Ok(()) };
        let r = evaluate(&s).unwrap();
        let b = band::band(&s, 7.0).unwrap();
        for (p, rp) in b.positions.iter().zip(&r.positions) {
            prop_assert_eq!(p.liquidation_price, rp.liquidation_price);
            if let Some(l) = rp.liquidation_price {
                let (lo, hi) = (p.low.unwrap(), p.high.unwrap());
                prop_assert!(lo <= l && l <= hi, "band [{lo}, {hi}] misses L = {l}");
            }
        }
    }

    #[test]
    fn isolated_stress_curve_crosses_maintenance_at_the_liquidation_price(s in scenario()) {
        let Some(s) = s else { return Ok(()) };
        if s.margin_mode != MarginMode::Isolated { return Ok(()) }
        let r = evaluate(&s).unwrap();
        for (i, p) in r.positions.iter().enumerate() {
            let Some(l) = p.liquidation_price else { continue };
            let x = l / p.mark_price - 1.0;
            if !(x > -1.0 && x <= 100.0) { continue }
            let pts = stress::stress_points(&s, Some(&p.symbol), &[x]).unwrap();
            let ps = &pts[0].positions[i];
            // Equity and maintenance agree to rounding of the notional at L.
            let scale = ps.equity.abs().max(ps.maintenance.abs()).max(p.notional);
            prop_assert!((ps.equity - ps.maintenance).abs() <= 1e-9 * scale,
                "position {i}: equity {} vs maintenance {} at L = {l}", ps.equity, ps.maintenance);
        }
    }

    #[test]
    fn cross_stress_curve_crosses_maintenance_at_the_account_liquidation_move(s in scenario()) {
        let Some(s) = s else { return Ok(()) };
        if s.margin_mode != MarginMode::Cross { return Ok(()) }
        let r = evaluate(&s).unwrap();
        let scale: f64 = r.positions.iter().map(|p| p.notional).sum::<f64>().max(r.account.wallet_balance);
        for x in [r.account.liquidation_move_down, r.account.liquidation_move_up].into_iter().flatten() {
            if x == 0.0 || x <= -0.999 { continue }
            let pt = &stress::stress_points(&s, None, &[x]).unwrap()[0];
            // The Report brackets the move to 1e-12, so the surplus is zero to ~1e-9 of the book.
            prop_assert!((pt.equity - pt.maintenance).abs() <= 1e-8 * scale,
                "move {x}: equity {} vs maintenance {}", pt.equity, pt.maintenance);
        }
    }

    #[test]
    fn median_time_is_where_the_probability_reaches_one_half(b in -1.0..1.0f64, nu in -3.0..3.0f64,
                                                             sigma in 0.05..3.0f64) {
        match median_hitting_time(b, nu, sigma) {
            Some(t) => {
                let p = hit_probability(b, nu, sigma, t);
                prop_assert!((p - 0.5).abs() < 1e-9, "P(median = {t}) = {p}");
            }
            None => prop_assert!(hit_probability_ever(b, nu, sigma) <= 0.5 + 1e-9
                || hit_probability(b, nu, sigma, 1e6) < 0.5),
        }
    }

    #[test]
    fn probability_rises_with_leverage(s in scenario(), a in 1.0..100.0f64, k in 1.0..3.0f64) {
        let Some(s) = s else { return Ok(()) };
        let sigma = 0.6;
        let nu = 0.0 - 0.5 * sigma * sigma;
        let (lo, hi) = (a, (a * k).min(1000.0));
        // Funding paid or received at the Scenario's rate moves the barrier too.
        let rate = leverlab::engine::analytics::risk_market(&s).funding_rate_8h.unwrap_or(0.0);
        for i in 0..s.positions.len() {
            let p_lo = probability::probability_at_leverage(&s, i, lo, sigma, nu, 7.0, rate).unwrap();
            let p_hi = probability::probability_at_leverage(&s, i, hi, sigma, nu, 7.0, rate).unwrap();
            prop_assert!(p_lo <= p_hi + 1e-12, "position {i}: P({lo}x) = {p_lo} > P({hi}x) = {p_hi}");
        }
    }

    #[test]
    fn probability_rises_with_horizon(b in -2.0..2.0f64, nu in -5.0..5.0f64, sigma in 0.01..3.0f64,
                                      t in 1e-4..10.0f64, k in 1.0..10.0f64) {
        prop_assert!(hit_probability(b, nu, sigma, t) <= hit_probability(b, nu, sigma, t * k) + 1e-12);
    }

    #[test]
    fn probability_rises_with_volatility_for_a_driftless_price(b in -2.0..2.0f64, s1 in 0.01..3.0f64,
                                                               k in 1.0..3.0f64, t in 1e-4..10.0f64) {
        // μ = 0 ⇒ ν = −σ²/2 and X_t = −σ²t/2 + σW_t is −u/2 + W_u at u = σ²t: the probability
        // depends on σ²t only and rises with it.
        let p = |s: f64| hit_probability(b, -0.5 * s * s, s, t);
        prop_assert!(p(s1) <= p(s1 * k) + 1e-12);
    }

    #[test]
    fn closed_form_is_a_probability(b in -50.0..50.0f64, nu in -150.0..150.0f64, sigma in 1e-4..10.0f64,
                                    t in 1e-7..10.0f64) {
        let p = hit_probability(b, nu, sigma, t);
        prop_assert!(p.is_finite() && (0.0..=1.0).contains(&p), "P = {p}");
    }
}
