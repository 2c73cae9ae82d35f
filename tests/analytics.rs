//! Reference tests of the risk analytics: closed forms against published or textbook values
//! (arithmetic restated, source named), the Monte Carlo against the closed form within stated
//! error bars, and the CLI's output and error rules for the analytics commands.

use leverlab::engine::analytics::montecarlo::{self, Barrier, McPartial, McSetup};
use leverlab::engine::analytics::passage::{
    expected_hitting_time, hit_probability, hit_probability_ever, median_hitting_time, norm_cdf,
};
use leverlab::engine::analytics::probability::{self, McSettings, ProbabilitySettings};
use leverlab::engine::analytics::recommend::{mmr_normal, mmr_student_t};
use leverlab::engine::analytics::{band, carry, greeks, stress, Tail};
use leverlab::engine::{evaluate, parse_scenario, Scenario};

#[track_caller]
fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!((got - want).abs() <= tol, "{what}: got {got}, want {want} (tolerance {tol})");
}

fn scenario(json: &str) -> Scenario {
    parse_scenario(json).unwrap_or_else(|e| panic!("scenario should parse: {e}\n{json}"))
}

/// A 1 BTC long at 100,000 whose liquidation price is exactly 9.5 % below: generic venue,
/// maintenance rate 0, isolated margin 9,500 ⇒ L = (C − Q·EP)/(−Q) = (9,500 − 100,000)/(−1)
/// = 90,500 = 0.905 × mark. μ = σ²/2 = 0.18 makes the log price driftless.
const P13: &str = r#"{"venue":"generic","positions":[{"symbol":"BTCUSDT","side":"long","size":1,
    "entry_price":100000,"margin":9500,"mmr":0}],
    "market":{"volatility":{"BTCUSDT":0.6},"drift":0.18,"horizon_days":7}}"#;

// ---------------------------------------------------------------------------------------------
// Closed-form first passage.

#[test]
fn p13_zero_drift_gbm_23_percent() {
    // Belenko & Vosorov, arXiv:2505.08100 (user-needs P13): P = 2Φ(ln(B/S)/(σ√t)).
    // ln(0.905) = −0.099820; σ√t = 0.6 × √(7/365) = 0.083091; ratio = −1.20134;
    // Φ(−1.20134) = 0.114810; P = 0.229620 → 23.0 %.
    close(hit_probability((0.905f64).ln(), 0.0, 0.6, 7.0 / 365.0), 0.2296, 0.0001, "P13 closed form");
}

#[test]
fn p13_through_the_probability_command() {
    // The same check end to end: `leverlab probability FILE` → positions[0].liquidation_probability.
    let mut out = Vec::new();
    let mut err = Vec::new();
    let path = std::env::temp_dir().join(format!("leverlab-p13-{}.json", std::process::id()));
    std::fs::write(&path, P13).unwrap();
    let args = vec!["probability".to_string(), path.display().to_string()];
    let code = leverlab::cli::run(&args, &mut std::io::empty(), &mut out, &mut err);
    let _ = std::fs::remove_file(&path);
    assert_eq!(code, 0, "stderr: {}", String::from_utf8_lossy(&err));
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let p = &v["positions"][0];
    close(p["liquidation_price"].as_f64().unwrap(), 90_500.0, 1e-6, "barrier 9.5 % below");
    close(p["liquidation_probability"].as_f64().unwrap(), 0.2296, 0.0001, "P13 via the CLI");
    // Driftless median: 2Φ(b/(σ√t)) = ½ ⇔ b/(σ√t) = Φ⁻¹(¼) = −0.6744898 ⇒
    // t = (b/(σ·Φ⁻¹(¼)))² = (−0.0998203/(0.6 × −0.6744898))² = 0.0608394 yr = 22.2064 days.
    close(p["median_time_to_liquidation_days"].as_f64().unwrap(), 22.2064, 0.0005, "median time, ν = 0");
    // With ν = 0 the expected hitting time is infinite: null.
    assert!(p["expected_time_to_liquidation_days"].is_null());
}

#[test]
fn drifted_down_barrier_textbook_value() {
    // Harrison (1985) §1.8 / Shreve II Cor. 7.2.2, b = ln 0.9 = −0.105361, ν = −0.3, σ = 0.5,
    // t = 0.25: σ√t = 0.25; z₁ = (b − νt)/σ√t = (−0.105361 + 0.075)/0.25 = −0.121442,
    // Φ(z₁) = 0.451670; z₂ = (b + νt)/σ√t = −0.721442, Φ(z₂) = 0.235319;
    // e^{2νb/σ²} = e^{0.252865} = 1.287710; P = 0.451670 + 1.287710 × 0.235319 = 0.754693.
    close(hit_probability((0.9f64).ln(), -0.3, 0.5, 0.25), 0.754693, 2e-6, "drifted down barrier");
}

#[test]
fn drifted_up_barrier_textbook_value() {
    // Mirror image for a short: b = ln 1.05 = 0.048790, ν = +0.1, σ = 0.8, t = 3/365:
    // z₁ = (−b + νt)/σ√t = −0.661378, Φ = 0.254185; z₂ = (−b − νt)/σ√t = −0.684043,
    // Φ = 0.246974; e^{2νb/σ²} = 1.015364; P = 0.254185 + 1.015364 × 0.246974 = 0.504954.
    close(hit_probability((1.05f64).ln(), 0.1, 0.8, 3.0 / 365.0), 0.504954, 2e-6, "drifted up barrier");
}

#[test]
fn closed_form_equals_the_integrated_first_passage_density() {
    // Independent route: the first-passage time of ν t + σ W to b has the inverse-Gaussian
    // density f(τ) = |b| / (σ √(2π τ³)) · exp(−(b − ντ)² / (2σ²τ)) (Karatzas & Shreve 1991,
    // (3.5.12)); its integral over (0, t] is the probability of touching b by t.
    for &(b, nu, sigma, t) in &[(-0.1f64, -0.3, 0.5, 0.25), (-0.2, 0.4, 0.9, 1.0), (0.07, -0.2, 0.6, 0.1)] {
        let n = 200_000;
        let h = t / n as f64;
        let f = |u: f64| b.abs() / (sigma * (2.0 * std::f64::consts::PI * u.powi(3)).sqrt())
            * (-(b - nu * u).powi(2) / (2.0 * sigma * sigma * u)).exp();
        let integral: f64 = (0..n).map(|i| f((i as f64 + 0.5) * h)).sum::<f64>() * h;
        close(hit_probability(b, nu, sigma, t), integral, 1e-6, "closed form vs ∫ density");
    }
}

#[test]
fn probability_of_ever_hitting_is_the_ruin_probability() {
    // With ν = σ²/2 (μ = σ²), P(ever reach L < S) = exp(2νb/σ²) = e^b = L/S (Harrison §1.8).
    close(hit_probability_ever((0.8f64).ln(), 0.5 * 0.36, 0.6), 0.8, 1e-12, "ruin probability L/S");
    // Drift toward the barrier or none: certain.
    assert_eq!(hit_probability_ever(-0.1, 0.0, 0.6), 1.0);
    assert_eq!(hit_probability_ever(0.1, 0.2, 0.6), 1.0);
    // Far horizon approaches it.
    close(hit_probability((0.8f64).ln(), 0.18, 0.6, 1e4), 0.8, 1e-6, "t → ∞");
}

#[test]
fn median_time_is_null_when_liquidation_never_becomes_likely() {
    // ν = σ²/2 and L = 0.4 S: P(ever) = 0.4 < ½, so no horizon makes liquidation likely.
    assert_eq!(median_hitting_time((0.4f64).ln(), 0.18, 0.6), None);
    // L = 0.8 S: P(ever) = 0.8, so a median exists and P(median) = ½.
    let m = median_hitting_time((0.8f64).ln(), 0.18, 0.6).expect("a median");
    close(hit_probability((0.8f64).ln(), 0.18, 0.6, m), 0.5, 1e-9, "P at the median");
}

#[test]
fn expected_hitting_time_is_distance_over_drift() {
    // Wald: E[τ] = |b|/|ν| = 0.1/0.2 = 0.5 years when the drift points at the barrier.
    close(expected_hitting_time(-0.1, -0.2).unwrap(), 0.5, 1e-15, "E[τ]");
    assert_eq!(expected_hitting_time(-0.1, 0.2), None);
    assert_eq!(expected_hitting_time(-0.1, 0.0), None);
}

#[test]
fn normal_cdf_table_values() {
    // Standard normal table: Φ(−1.96) = 0.0249979, Φ(1) = 0.8413447.
    close(norm_cdf(-1.96), 0.0249979, 1e-7, "Φ(−1.96)");
    close(norm_cdf(1.0), 0.8413447, 1e-7, "Φ(1)");
}

// ---------------------------------------------------------------------------------------------
// Margin recommendation.

#[test]
fn cheng_normal_one_day_99_percent_move_is_9_3_percent() {
    // Cheng, Deng, Wang & Yu (arXiv:2102.04591, user-needs P7): "a normal 99 % one-day move at
    // 4 % daily vol is only 9.3 %": z₀.₉₉ × 0.04 = 2.326348 × 0.04 = 0.093054.
    // Daily 4 % = annual 0.04 × √365; τ = 1 day = 1/365 yr.
    let sigma = 0.04 * 365f64.sqrt();
    close(mmr_normal(sigma, 1.0 / 365.0, 0.99).unwrap(), 0.0931, 0.0001, "normal 99 % daily move");
}

#[test]
fn student_t_quantile_scaled_to_unit_variance() {
    // t-table: t₃,₀.₉₉ = 4.540703; unit variance scales by √((ν−2)/ν) = √(1/3) = 0.577350:
    // 4.540703 × 0.577350 = 2.621576 (σ = 1, τ = 1).
    close(mmr_student_t(1.0, 1.0, 0.99, 3.0).unwrap(), 2.621576, 1e-5, "Student-t(3) 99 %");
    // ν → ∞ tends to the normal quantile 2.326348.
    close(mmr_student_t(1.0, 1.0, 0.99, 1e6).unwrap(), 2.326348, 1e-4, "Student-t → normal");
    // Outside the domain: no number rather than NaN.
    assert_eq!(mmr_student_t(1.0, 1.0, 0.99, 2.0), None);
    assert_eq!(mmr_normal(1.0, 1.0, 1.0), None);
}

// ---------------------------------------------------------------------------------------------
// Monte Carlo against the closed form.

fn p13_mc(settings: McSettings) -> (f64, f64, f64) {
    let s = scenario(P13);
    let r = probability::probability(
        &s,
        &ProbabilitySettings { horizon_days: 7.0, monte_carlo: Some(settings), curves: false, ignore_funding: false },
    )
    .unwrap();
    let p = &r.positions[0];
    let mc = p.monte_carlo.as_ref().unwrap();
    (p.liquidation_probability, mc.probability, mc.standard_error)
}

#[test]
fn monte_carlo_with_bridge_matches_closed_form_within_4_standard_errors() {
    // Normal tails, Brownian-bridge correction, fixed seed: the estimate is within 4 binomial
    // standard errors √(p(1−p)/n) ≈ 4 × 0.0030 of the closed form 0.2296.
    let (cf, mc, se) = p13_mc(McSettings { paths: 20_000, steps: 50, seed: 7, bridge: true });
    assert!((mc - cf).abs() <= 4.0 * se, "MC {mc} ± {se} vs closed form {cf}");
}

#[test]
fn monte_carlo_without_bridge_is_biased_low() {
    // Checking the barrier only at 20 step ends misses crossings in between: Broadie, Glasserman
    // & Kou (1997) show it acts like a barrier ≈ 0.5826 σ√Δt further away, here
    // 0.5826 × 0.0831/√20 = 0.0108 in log price, so P drops to about 2Φ(−0.1106/0.0831) =
    // 0.183 — more than 4 standard errors below 0.2296.
    let (cf, mc, se) = p13_mc(McSettings { paths: 20_000, steps: 20, seed: 7, bridge: false });
    assert!(mc < cf - 4.0 * se, "unbridged MC {mc} should be biased low vs {cf}");
    close(mc, 0.183, 5.0 * se, "unbridged ≈ shifted-barrier value");
}

#[test]
fn monte_carlo_median_time_matches_closed_form() {
    // Over a 60-day horizon the driftless median 22.2 days (see above) is inside the horizon;
    // the MC median (end of the step where half the paths have hit) is within a few steps.
    let s = scenario(P13);
    let r = probability::probability(
        &s,
        &ProbabilitySettings {
            horizon_days: 60.0,
            monte_carlo: Some(McSettings { paths: 20_000, steps: 240, seed: 3, bridge: true }),
            curves: false,
            ignore_funding: false,
        },
    )
    .unwrap();
    let m = r.positions[0].monte_carlo.as_ref().unwrap().median_time_days.unwrap();
    close(m, 22.2064, 1.5, "MC median days");
}

#[test]
fn monte_carlo_chunks_merge_to_the_single_run() {
    let setup = McSetup::new(
        vec!["A".into(), "B".into()],
        vec![0.6, 0.9],
        0.05,
        &[vec![1.0, 0.7], vec![0.7, 1.0]],
        Tail::StudentT(4.0),
        Some(leverlab::engine::analytics::Jumps { per_year: 20.0, mean: -0.03, std: 0.05 }),
        10.0 / 365.0,
        64,
        99,
        true,
        vec![(0, Barrier::At(-0.08)), (1, Barrier::At(0.1)), (0, Barrier::Now), (1, Barrier::Never)],
    )
    .unwrap();
    let whole = montecarlo::simulate(&setup, 0, 3_000).unwrap();
    let mut merged = McPartial::default();
    for (a, n) in [(1_000u64, 2_000u64), (0, 700), (700, 300)] {
        merged.merge(&montecarlo::simulate(&setup, a, n).unwrap());
    }
    assert_eq!(whole, merged, "chunks in any order must give the single run's counts");
    let sum = montecarlo::summarise(&setup, &whole);
    assert_eq!(sum.positions[2].probability, 1.0, "liquidatable now");
    assert_eq!(sum.positions[2].median_time_days, Some(0.0));
    assert_eq!(sum.positions[3].probability, 0.0, "never liquidated");
}

/// The P13 position as a one-symbol Monte Carlo: σ = 0.6, μ = 0.18 (ν = 0), barrier 9.5 %
/// below, 7 days in 50 steps with the bridge.
fn p13_setup(tail: Tail, jumps: Option<leverlab::engine::analytics::Jumps>, seed: u64) -> McSetup {
    let barrier = vec![(0, Barrier::At((0.905f64).ln()))];
    McSetup::new(vec!["BTCUSDT".into()], vec![0.6], 0.18, &[vec![1.0]], tail, jumps, 7.0 / 365.0, 50, seed, true, barrier)
        .unwrap()
}

#[test]
fn student_t_with_many_degrees_of_freedom_matches_the_normal_closed_form() {
    // ν = 10⁵ makes the t innovations normal to within 10⁻⁵; the estimate must again be within
    // 4 standard errors of 0.2296.
    let setup = p13_setup(Tail::StudentT(1e5), None, 11);
    let sum = montecarlo::summarise(&setup, &montecarlo::simulate(&setup, 0, 20_000).unwrap());
    let (p, se) = (sum.positions[0].probability, sum.positions[0].standard_error);
    assert!((p - 0.2296).abs() <= 4.0 * se, "t(1e5) MC {p} ± {se}");
}

#[test]
fn downward_jumps_raise_a_longs_probability() {
    // Jumps averaging −10 % twice a month on top of the same diffusion: the long is liquidated
    // more often than the 0.2296 of the pure diffusion (more than 4 standard errors above).
    let j = p13_setup(Tail::Normal, Some(leverlab::engine::analytics::Jumps { per_year: 24.0, mean: -0.1, std: 0.02 }), 5);
    let sum = montecarlo::summarise(&j, &montecarlo::simulate(&j, 0, 20_000).unwrap());
    let (p, se) = (sum.positions[0].probability, sum.positions[0].standard_error);
    assert!(p > 0.2296 + 4.0 * se, "with jumps {p} ± {se}");
}

#[test]
fn non_positive_definite_correlation_is_an_input_error() {
    let e = McSetup::new(
        vec!["A".into(), "B".into(), "C".into()],
        vec![0.5; 3],
        0.0,
        &[vec![1.0, 0.9, -0.9], vec![0.9, 1.0, 0.9], vec![-0.9, 0.9, 1.0]],
        Tail::Normal,
        None,
        0.1,
        10,
        1,
        true,
        vec![],
    )
    .unwrap_err();
    assert_eq!(e.path, "market.correlation");
}

#[test]
fn an_inconsistent_setup_from_outside_is_an_error_not_a_panic() {
    let mut setup = p13_setup(Tail::Normal, None, 1);
    setup.positions.push((3, Barrier::At(-0.1)));
    assert_eq!(montecarlo::simulate(&setup, 0, 10).unwrap_err().path, "setup.positions");
    let mut setup = p13_setup(Tail::StudentT(5.0), None, 1);
    setup.tail = Tail::StudentT(1.0);
    assert_eq!(montecarlo::simulate(&setup, 0, 10).unwrap_err().path, "setup.tail");
    let mut setup = p13_setup(Tail::Normal, None, 1);
    setup.cholesky.clear();
    assert_eq!(montecarlo::simulate(&setup, 0, 10).unwrap_err().path, "setup.sigma");
}

#[test]
fn funding_moves_the_barrier_in_closed_form_and_monte_carlo_alike() {
    // P13's long paying 0.05 % per 8 h: 0.0005 × 100,000 = 50 USDT per 8 h, 1,050 over 7 days,
    // so the margin falls from 9,500 to 8,450 and L rises from 90,500 to 91,550:
    // c = ln(91,550/90,500)/(7/365) = 0.0115354/0.0191781 = 0.60149 per year.
    let s = scenario(&P13.replace(r#""horizon_days":7"#, r#""horizon_days":7,"funding_rate_8h":0.0005"#));
    let settings = McSettings { paths: 20_000, steps: 50, seed: 13, bridge: true };
    let with = probability::probability(
        &s,
        &ProbabilitySettings { horizon_days: 7.0, monte_carlo: Some(settings), curves: false, ignore_funding: false },
    )
    .unwrap();
    let p = &with.positions[0];
    close(p.barrier_drift, (91_550.0f64 / 90_500.0).ln() / (7.0 / 365.0), 1e-9, "barrier drift c");
    // Closed form: the fixed barrier with drift ν − c = −0.60149.
    close(p.liquidation_probability, hit_probability((0.905f64).ln(), -p.barrier_drift, 0.6, 7.0 / 365.0), 1e-15, "ν − c");
    let mc = p.monte_carlo.as_ref().unwrap();
    assert!((mc.probability - p.liquidation_probability).abs() <= 4.0 * mc.standard_error, "{mc:?} vs {p:?}");
    // Paying funding makes liquidation likelier than P13's 0.2296; ignoring it gives P13 back.
    assert!(p.liquidation_probability > 0.2296 + 0.01);
    let without = probability::probability(
        &s,
        &ProbabilitySettings { horizon_days: 7.0, monte_carlo: None, curves: false, ignore_funding: true },
    )
    .unwrap();
    close(without.positions[0].liquidation_probability, 0.2296, 0.0001, "funding ignored");
}

// ---------------------------------------------------------------------------------------------
// Stress, band, carry, greeks.

const TWO: &str = r#"{"venue":"binance-usdm","positions":[
    {"symbol":"BTCUSDT","side":"long","size":1,"entry_price":100000,"leverage":10},
    {"symbol":"ETHUSDT","side":"short","size":10,"entry_price":3000,"leverage":20}],
    "market":{"volatility":{"BTCUSDT":0.6,"ETHUSDT":0.8},"horizon_days":7,"funding_rate_8h":0.0001,
              "mark_last_spread":0.002}}"#;

#[test]
fn stress_curve_crosses_maintenance_at_the_reports_liquidation_price() {
    let s = scenario(TWO);
    let r = evaluate(&s).unwrap();
    for (i, p) in r.positions.iter().enumerate() {
        let l = p.liquidation_price.unwrap();
        let x = l / p.mark_price - 1.0;
        let pts = stress::stress_points(&s, Some(&p.symbol), &[x]).unwrap();
        let ps = &pts[0].positions[i];
        close(ps.equity - ps.maintenance, 0.0, 1e-9 * p.notional, "equity = maintenance at L");
    }
    let curve = stress::stress_curve(&s, None, 0.5, 101).unwrap();
    assert_eq!(curve.points.len(), 101);
    assert_eq!(curve.markers.len(), 2);
    // At −50 % the BTC long is liquidated; at mark nothing is.
    assert!(curve.points[0].positions[0].liquidated);
    assert!(!curve.points[50].positions.iter().any(|p| p.liquidated));
}

#[test]
fn scenario_grid_has_span_buckets_and_extremes() {
    let s = scenario(TWO);
    let g = stress::scenario_grid(&s, 0.16, 9, None).unwrap();
    // 9 buckets −16 %, −12 %, …, +16 %, two SPAN extremes ±48 %, four extended moves.
    assert_eq!(g.scenarios.len(), 15);
    close(g.scenarios[0].shift, -0.16, 1e-15, "first bucket");
    close(g.scenarios[4].shift, 0.0, 1e-15, "middle bucket");
    // −16 %: BTC long loses 16,000, ETH short gains 10 × 480 = 4,800 → ΔPnL = −11,200.
    close(g.scenarios[0].outcome.pnl_change, -11_200.0, 1e-6, "ΔPnL at −16 %");
    // Extreme down −48 %: ΔPnL = −48,000 + 14,400 = −33,600, counted at 35 % = 11,760 > 11,200.
    close(g.scenarios[9].loss, 11_760.0, 1e-6, "SPAN extreme at 35 %");
    assert_eq!(g.worst_scenario, 9);
    assert!(g.surface.is_some(), "two symbols give a surface");
    // The surface's corner (BTC −16 %, ETH +16 %) loses 16,000 + 4,800 = 20,800.
    close(g.surface.unwrap().worst_loss, 20_800.0, 1e-6, "surface worst loss");
}

#[test]
fn band_contains_the_point_liquidation_price() {
    let s = scenario(TWO);
    let b = band::band(&s, 7.0).unwrap();
    for p in &b.positions {
        let l = p.liquidation_price.unwrap();
        assert!(p.low.unwrap() <= l && l <= p.high.unwrap(), "{p:?}");
        // Long: earliest at or above L, latest at or below the bankruptcy price (with spread).
        match p.side {
            leverlab::engine::Side::Long => {
                assert!(p.earliest.unwrap() >= l && p.latest.unwrap() <= p.bankruptcy_price.unwrap())
            }
            leverlab::engine::Side::Short => {
                assert!(p.earliest.unwrap() <= l && p.latest.unwrap() >= p.bankruptcy_price.unwrap())
            }
        }
    }
    // Spread component of the long: L × (1 ± 0.002).
    let c = b.positions[0].components.iter().find(|c| c.name == "mark_last_spread").unwrap();
    let l = b.positions[0].liquidation_price.unwrap();
    close(c.low, l * 0.998, 1e-6, "spread low");
    close(c.high, l * 1.002, 1e-6, "spread high");
}

#[test]
fn funding_carry_arithmetic() {
    // Long 1 BTC at 100,000, r₈ = 0.01 %: pays 0.0001 × 100,000 = 10 USDT per 8 h, 1.25 per hour,
    // 30 per day; margin 10,000; maintenance 0.5 % × 100,000 − 50 = 450 (Binance bracket 2), so
    // funding alone liquidates after (10,000 − 450)/30 = 318.33 days.
    let s = scenario(TWO);
    let c = carry::carry(&s, 7.0, 3).unwrap();
    let p = &c.positions[0];
    close(p.funding_per_8h, -10.0, 1e-9, "per 8h");
    close(p.funding_per_hour, -1.25, 1e-9, "per hour");
    close(p.funding_per_day, -30.0, 1e-9, "per day");
    close(p.days_to_liquidation_by_funding.unwrap(), 9_550.0 / 30.0, 1e-6, "days by funding");
    // The short receives 0.0001 × 30,000 × 3 = 9 per day and is never liquidated by funding.
    close(c.positions[1].funding_per_day, 9.0, 1e-9, "short receives");
    assert_eq!(c.positions[1].days_to_liquidation_by_funding, None);
    // After 7 days the long's margin is 10,000 − 210 = 9,790 and its liquidation price rises.
    let last = p.liquidation_drift.last().unwrap();
    close(last.collateral, 9_790.0, 1e-6, "collateral after 7 days");
    assert!(last.liquidation_price.unwrap() > p.liquidation_drift[0].liquidation_price.unwrap());
    close(c.annualised_rate, 0.0001 * 3.0 * 365.0, 1e-15, "annualised");
}

#[test]
fn inverse_greeks() {
    // Inverse long N = 10,000 USD at P = 50,000: coin exposure N/P = 0.2 BTC, USD delta 10,000,
    // ∂PnL/∂P = N/P² = 4e−6 BTC per USD, gamma = −2N/P³ = −1.6e−10.
    let s = scenario(
        r#"{"venue":"binance-coinm","positions":[{"symbol":"BTCUSD","contract":"inverse","side":"long",
            "size":10000,"entry_price":50000,"leverage":5}]}"#,
    );
    let g = greeks::greeks(&s).unwrap();
    let p = &g.positions[0];
    close(p.delta_base, 0.2, 1e-15, "delta base");
    close(p.delta_usd, 10_000.0, 1e-9, "delta usd");
    close(p.delta_settlement, 4e-6, 1e-18, "dPnL/dP");
    close(p.gamma, -1.6e-10, 1e-22, "gamma");
    // Effective leverage of the account: notional 0.2 BTC / equity 0.04 BTC = 5.
    close(g.effective_leverage.unwrap(), 5.0, 1e-9, "effective leverage");
}

// ---------------------------------------------------------------------------------------------
// CLI rules.

fn cli(args: &[&str], stdin: &str) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = leverlab::cli::run(&args, &mut stdin.as_bytes(), &mut out, &mut err);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

#[test]
fn every_analytics_command_runs_and_documents_itself() {
    for cmd in ["stress", "grid", "probability", "band", "carry", "recommend", "greeks"] {
        let (code, out, err) = cli(&[cmd, "-"], TWO);
        assert_eq!(code, 0, "{cmd}: {err}");
        assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok(), "{cmd} prints JSON");
        let (code, help, _) = cli(&[cmd, "--help"], "");
        assert_eq!(code, 0);
        assert!(help.starts_with(&format!("leverlab {cmd}")), "{cmd} help");
    }
}

#[test]
fn bad_options_exit_2_naming_the_option() {
    let (code, _, err) = cli(&["stress", "-", "--range", "1.5"], TWO);
    assert_eq!(code, 2);
    assert!(err.starts_with("--range: "), "{err}");
    let (code, _, err) = cli(&["probability", "-", "--paths", "0"], TWO);
    assert_eq!(code, 2);
    assert!(err.starts_with("--paths: "), "{err}");
    let (code, _, err) = cli(&["recommend", "-", "--confidence", "1.5"], TWO);
    assert_eq!(code, 2);
    assert!(err.starts_with("--confidence: "), "{err}");
    let (code, _, err) = cli(&["band", "-", "--wat"], TWO);
    assert_eq!(code, 2);
    assert!(err.starts_with("--wat: unknown option"), "{err}");
    let (code, _, err) = cli(&["stress", "-", "--symbol", "DOGEUSDT"], TWO);
    assert_eq!(code, 2);
    assert!(err.starts_with("--symbol: "), "{err}");
}

#[test]
fn missing_volatility_is_assumed_and_listed_at_the_market_field() {
    // The engine's default (90 %/yr for a symbol other than BTC or ETH) is applied by every
    // door alike and listed with its path, value and source.
    let (code, out, err) = cli(
        &["probability", "-"],
        r#"{"venue":"bybit","positions":[{"symbol":"SOLUSDT","size":10,"entry_price":150,"leverage":10}]}"#,
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["positions"][0]["volatility"], 0.9);
    let listed = v["assumptions"].as_array().unwrap();
    let vol = listed.iter().find(|a| a["path"] == "market.volatility.SOLUSDT").expect("the volatility is listed");
    assert_eq!(vol["value"], 0.9);
    assert!(vol["source"].as_str().unwrap().contains("default"), "{vol}");
    assert!(listed.iter().any(|a| a["path"] == "probability.horizon" && a["value"] == 7.0), "{listed:?}");
}

#[test]
fn bad_market_fields_are_reported_with_their_path() {
    let (code, _, err) = cli(
        &["eval", "-"],
        r#"{"venue":"bybit","positions":[{"symbol":"X","size":1,"entry_price":1,"leverage":2}],
            "market":{"volatility":{"X":-1},"tail":{"student_t":1.5},"jumps":{"per_year":-1}}}"#,
    );
    assert_eq!(code, 2);
    for path in ["market.volatility.X: ", "market.tail.student_t: ", "market.jumps.per_year: "] {
        assert!(err.lines().any(|l| l.starts_with(path)), "{path} in {err}");
    }
}
