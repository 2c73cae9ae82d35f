//! Loans in the market book from CSV, JSON and the loan generator: a hand-worked cascade in
//! which perpetuals and loans liquidate each other, strict input with named errors, and the
//! properties issue 11 asks for (a drop that liquidates perpetuals can liquidate loans and the
//! other way round; collateral seized never exceeds the collateral).

use leverlab::api::{command, run_command};
use leverlab::engine::cascade::{
    liquidation_map, loans_from_json, market_levels, parse_loans_csv, simulate, Depth, Impact, ImpactModel, MarketLevels,
};
use leverlab::engine::lending::loans::{LoanGenerator, MarketLoan};
use leverlab::engine::{parse_scenario, Side};
use proptest::prelude::*;
use serde_json::{json, Value};

fn close(a: f64, b: f64, rel: f64) {
    assert!((a - b).abs() <= rel * b.abs().max(1e-300), "{a} vs {b}");
}

fn linear(d: f64) -> Impact {
    Impact::new(&Depth { model: ImpactModel::Linear { notional_per_pct: d }, refill_half_life: None, round_seconds: None })
}

fn levels(doc: Value) -> MarketLevels {
    market_levels(&parse_scenario(&doc.to_string()).unwrap(), &[], 1.0).unwrap()
}

/// The small market of the hand-worked case: one perpetual long liquidating at `perp_lp`
/// (5 ETH) and one Aave-style loan of 10 ETH against 15,000 USDC (LT 0.8, bonus 5 %, close
/// factor 0.5), at 2,000.
fn small_market(perp_lp: f64) -> MarketLevels {
    levels(json!({"venue": "generic", "market": {"price": 2000,
        "positions": [{"side": "long", "size": 5, "entry_price": 2000, "liquidation_price": perp_lp}],
        "loans": [{"collateral": 10, "debt": 15000, "liquidation_threshold": 0.8, "liquidation_bonus": 0.05}]}}))
}

#[test]
fn hand_worked_perp_liquidations_reach_a_loan() {
    // The loan: HF = 10 × P × 0.8 / 15,000 is 1 at L₁ = 15,000 / 8 = 1,875. There 7,500 USDC is
    // repaid and 7,500 × 1.05 / 1,875 = 4.2 ETH seized and sold (7,875 USDC at L₁). What is left
    // (5.8 ETH, 7,500 USDC) reaches HF = 1 at L₂ = 7,500 / (5.8 × 0.8) = 1,616.38.
    //
    // The perpetual: 5 ETH liquidating at 1,950, 9,750 USDC at its liquidation price. Depth
    // 2,000 USDC per 1 %: closing X USDC moves the price by X / 200,000.
    //
    // Shock −2.5 %: 1,950, the perpetual closes (round 0); price 2,000 × (1 − 0.025 − 9,750 /
    // 200,000) = 1,852.5 ≤ 1,875, so round 1 liquidates the loan's first step; price 2,000 ×
    // (1 − 0.025 − 17,625 / 200,000) = 1,773.75 > L₂: the fixed point.
    let lv = small_market(1950.0);
    let r = simulate(&lv, &linear(2000.0), -0.025, 100).unwrap();
    close(r.final_price, 1773.75, 1e-12);
    close(r.liquidated_notional, 9750.0 + 7875.0, 1e-12);
    close(r.liquidated_size, 5.0 + 4.2, 1e-12);
    assert_eq!((r.liquidated_count, r.loan_liquidations), (2, 1));
    close(r.loan_liquidated_notional, 7875.0, 1e-12);
    close(r.path[1].price, 1852.5, 1e-12);
    close(r.path[1].liquidated_notional, 7875.0, 1e-12);
    // Without the perpetual the same shock (1,950) stays above L₁: no loan is liquidated.
    let alone = levels(json!({"venue": "generic", "market": {"price": 2000,
        "loans": [{"collateral": 10, "debt": 15000, "liquidation_threshold": 0.8, "liquidation_bonus": 0.05}]}}));
    let r0 = simulate(&alone, &linear(2000.0), -0.025, 100).unwrap();
    assert_eq!((r0.liquidated_count, r0.loan_liquidations), (0, 0));
    close(r0.final_price, 1950.0, 1e-12);
    // The second step is at L₂.
    close(lv.loan_long.price(1), 7500.0 / (5.8 * 0.8), 1e-12);
}

#[test]
fn hand_worked_loan_liquidations_reach_a_perp() {
    // The same loan, the perpetual now at 1,800. Shock −6.25 %: 1,875 reaches L₁; the 7,875
    // USDC sold moves the price to 2,000 × (1 − 0.0625 − 7,875 / 200,000) = 1,796.25 ≤ 1,800,
    // so round 1 closes the perpetual (5 × 1,800 = 9,000); price 2,000 × (1 − 0.0625 − 16,875 /
    // 200,000) = 1,706.25, above L₂ = 1,616.38: the fixed point.
    let lv = small_market(1800.0);
    let r = simulate(&lv, &linear(2000.0), -0.0625, 100).unwrap();
    close(r.final_price, 1706.25, 1e-12);
    close(r.liquidated_notional, 7875.0 + 9000.0, 1e-12);
    assert_eq!((r.liquidated_count, r.loan_liquidations, r.rounds), (2, 1, 2));
    close(r.path[1].price, 1796.25, 1e-12);
    // The map shows both kinds: the loan's step in the 1,875 bin, the perpetual's in 1,800's.
    let m = liquidation_map(&lv, 40, 0.2, Vec::new()).unwrap();
    let bin = |p: f64| m.bin_edges.iter().position(|&e| e > p).unwrap() - 1;
    close(m.loan_long_notional[bin(1875.0)], 7875.0, 1e-12);
    close(m.long_notional[bin(1875.0)], 7875.0, 1e-12);
    assert_eq!(m.loan_long_notional[bin(1800.0)], 0.0);
    close(m.long_notional[bin(1800.0)], 9000.0, 1e-12);
}

#[test]
fn loans_from_csv_and_json_read_like_market_loans() {
    let text = "side,collateral,debt,liquidation_threshold,liquidation_bonus,close_factor\n\
                long,10,15000,0.8,0.05,0.5\n\
                short, 30000 ,10,0.8,0.05,\n";
    let loans = parse_loans_csv(text).unwrap();
    assert_eq!(loans.len(), 2);
    assert_eq!((loans[0].side, loans[0].collateral, loans[0].close_factor), (Side::Long, 10.0, 0.5));
    assert_eq!((loans[1].side, loans[1].collateral, loans[1].close_factor), (Side::Short, 30000.0, 0.5));
    let from_json = loans_from_json(&json!([{"collateral": 10, "debt": 15000, "liquidation_threshold": 0.8,
        "liquidation_bonus": 0.05, "close_factor": 0.5}]), "market.loans").unwrap();
    assert_eq!(from_json[0], loans[0]);

    // Every problem of every row at once, each at its line and column.
    let bad = "side,colateral,debt,liquidation_threshold,liquidation_bonus\nlong,1,1,0.5,0.01\n";
    let e = parse_loans_csv(bad).unwrap_err().to_string();
    assert!(e.contains("csv.line[1].colateral: unknown column; did you mean collateral?"), "{e}");
    assert!(e.contains("csv.line[1]: missing column `collateral`"), "{e}");
    let bad = "side,collateral,debt,liquidation_threshold,liquidation_bonus\n\
               long,-1,15000,0.9,0.2\nsideways,x,1,0.5,0.01\nlong,1,1,0.5,0.01\n";
    let e = parse_loans_csv(bad).unwrap_err().0;
    let at: Vec<&str> = e.iter().map(|f| f.path.as_str()).collect();
    assert!(at.contains(&"csv.line[2].collateral"), "{at:?}");
    assert!(at.contains(&"csv.line[2].liquidation_threshold"), "{at:?}"); // 0.9 × 1.2 > 1
    assert!(at.contains(&"csv.line[3].side"), "{at:?}");
    assert!(at.contains(&"csv.line[3].collateral"), "{at:?}");
    assert!(!at.iter().any(|p| p.starts_with("csv.line[4]")), "{at:?}");
    let e = loans_from_json(&json!([{"collateral": 1, "debt": 1, "liquidation_threshold": 0.5, "liquidation_bonus": 0.01, "clse_factor": 1}]), "market.loans")
        .unwrap_err()
        .to_string();
    assert!(e.contains("market.loans[0].clse_factor: unknown field; did you mean close_factor?"), "{e}");
}

#[test]
fn loans_csv_option_adds_loans_to_map_and_cascade() {
    let s = parse_scenario(
        &json!({"venue": "generic", "market": {"price": 2000, "depth": {"model": "linear", "notional_per_pct": 2000},
            "positions": [{"side": "long", "size": 5, "entry_price": 2000, "liquidation_price": 1950}]}})
        .to_string(),
    )
    .unwrap();
    let csv = "collateral,debt,liquidation_threshold,liquidation_bonus\n10,15000,0.8,0.05\n";
    let mut opts = serde_json::Map::new();
    opts.insert("shock".into(), json!(-0.025));
    opts.insert("loans_csv_text".into(), json!(csv));
    let out = run_command(command("cascade").unwrap(), &s, &opts).unwrap();
    // The hand-worked case above, with the loan from CSV.
    close(out["final_price"].as_f64().unwrap(), 1773.75, 1e-12);
    assert_eq!(out["loan_liquidations"], json!(1));
    assert_eq!(out["market"]["loans"], json!(1));
    opts.insert("loans_csv_text".into(), json!("collateral,debt,liquidation_threshold,liquidation_bonus\n10,-1,0.8,0.05\n"));
    let e = run_command(command("cascade").unwrap(), &s, &opts).unwrap_err().to_string();
    assert!(e.contains("loans_csv.line[2].debt: must be a finite number > 0"), "{e}");
}

fn generator(count: usize, long: f64, short: f64, spread: f64, seed: u64) -> LoanGenerator {
    LoanGenerator {
        collateral_value_long: long,
        debt_value_short: short,
        count,
        seed,
        health_factors: [("1.1".to_string(), 1.0), ("1.5".to_string(), 3.0)].into_iter().collect(),
        health_factor_spread: spread,
        liquidation_threshold: 0.83,
        liquidation_bonus: 0.05,
        close_factor: 0.5,
    }
}

#[test]
fn generated_loans_have_the_asked_size_and_health() {
    let g = generator(1000, 3e8, 1e8, 0.02, 9);
    let loans = g.generate(2000.0);
    assert_eq!(loans.len(), 1000);
    assert_eq!(loans, g.generate(2000.0), "the same seed gives the same loans");
    let (long, short): (Vec<&MarketLoan>, Vec<&MarketLoan>) = loans.iter().partition(|l| l.side == Side::Long);
    assert_eq!((long.len(), short.len()), (750, 250));
    close(long.iter().map(|l| l.collateral * 2000.0).sum::<f64>(), 3e8, 1e-12);
    close(short.iter().map(|l| l.debt * 2000.0).sum::<f64>(), 1e8, 1e-12);
    for l in &loans {
        // Aave's HF = collateral value × LT / debt value, at the price.
        let hf = match l.side {
            Side::Long => l.collateral * 2000.0 * 0.83 / l.debt,
            Side::Short => l.collateral * 0.83 / (l.debt * 2000.0),
        };
        let near = |h: f64| hf >= h * 0.98 * (1.0 - 1e-12) && hf <= h * 1.02 * (1.0 + 1e-12);
        assert!(near(1.1) || near(1.5), "health factor {hf}");
        let (run, already) = l.levels(2000.0);
        assert_eq!(already, 0.0);
        close(run[0].0, if l.side == Side::Long { 2000.0 / hf } else { 2000.0 * hf }, 1e-12);
    }
    // Roughly a quarter in the 1.1 bucket (weights 1 : 3).
    let low = long.iter().filter(|l| l.collateral * 2000.0 * 0.83 / l.debt < 1.3).count();
    assert!((120..=260).contains(&low), "{low}");
    // In the book: the loans' levels are in the map's loan series.
    let lv = levels(json!({"venue": "generic", "market": {"price": 2000, "loan_generator": g}}));
    assert_eq!(lv.summary.loans, 1000);
    assert!(lv.summary.loan_long_levels > 750 && lv.summary.loan_short_levels > 250);
    assert_eq!(lv.summary.long_levels, lv.summary.loan_long_levels);
}

#[test]
fn loan_generator_input_is_strict() {
    let e = parse_scenario(
        &json!({"venue": "generic", "market": {"price": 2000, "loan_generator": {"count": 200000,
            "health_factors": {"0.9": 1, "abc": 1}, "health_factor_spred": 0.1, "liquidation_threshold": 0.95,
            "liquidation_bonus": 0.1, "close_factor": 0}}})
        .to_string(),
    )
    .unwrap_err()
    .to_string();
    for want in [
        "market.loan_generator.health_factor_spred: unknown field; did you mean health_factor_spread?",
        "market.loan_generator.health_factors.0.9: key must be a health factor above 1",
        "market.loan_generator.health_factors.abc: key must be a health factor above 1",
        "market.loan_generator.count: must be at most 100000",
        "market.loan_generator.liquidation_threshold: threshold × (1 + bonus) = 1.0450 exceeds 1",
        "market.loan_generator.close_factor: must be a fraction > 0 and ≤ 1",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
    let e = parse_scenario(
        &json!({"venue": "generic", "market": {"price": 2000, "loan_generator": {"count": 10,
            "health_factors": {"1.2": 1}, "liquidation_threshold": 0.8, "liquidation_bonus": 0.05}}})
        .to_string(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("market.loan_generator.count: give collateral_value_long or debt_value_short"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// A drop that liquidates perpetuals can liquidate loans, and the other way round: a
    /// perpetual level `a` and a loan whose first step `b` lies below it (down) or above it (up),
    /// depth such that closing the first one alone moves the price past the second. The shock
    /// that reaches the first one liquidates both; without the first one, nothing.
    #[test]
    fn perps_and_loans_liquidate_each_other(gap in 0.005f64..0.2, first_at in 0.01f64..0.3, size in 0.1f64..100.0,
                                            hf_lt in 0.5f64..0.9, bonus in 0.0f64..0.1, loan_first in any::<bool>(),
                                            up in any::<bool>()) {
        let p0 = 1000.0;
        let (sign, side) = if up { (1.0, "short") } else { (-1.0, "long") };
        // Prices of the two levels, the first one reached by the shock.
        let near = p0 * (1.0 + sign * first_at);
        let far = p0 * (1.0 + sign * (first_at + gap));
        let (perp_lp, loan_l) = if loan_first { (far, near) } else { (near, far) };
        // A loan of `size` units (long: collateral; short: debt) whose first step is at loan_l.
        let bonus = bonus.min(1.0 / hf_lt - 1.0);
        let (coll, debt) = if up { (size * loan_l / hf_lt, size) } else { (size, size * loan_l * hf_lt) };
        let loan = json!({"side": side, "collateral": coll, "debt": debt, "liquidation_threshold": hf_lt, "liquidation_bonus": bonus});
        let perp = json!({"side": side, "size": size, "entry_price": p0, "liquidation_price": perp_lp});
        let both = levels(json!({"venue": "generic", "market": {"price": p0, "positions": [perp], "loans": [loan]}}));
        let b = if up { &both.loan_short } else { &both.loan_long };
        prop_assert!((b.price(0) - loan_l).abs() <= 1e-9 * loan_l);
        // The first level's notional at its price, and the depth that moves the price by
        // (gap + 1 %) of P₀ when it closes: I = X / (100 D).
        let book = both.book(up);
        let first_notional = book.notional(1);
        let d = first_notional / (100.0 * (gap + 0.01));
        let shock = sign * (first_at + 1e-9); // a hair past the first level (f64 rounding of L)
        let r = simulate(&both, &linear(d), shock, 100).unwrap();
        // Both kinds close (the loan's later steps may follow).
        prop_assert!(r.loan_liquidations >= 1, "no loan liquidated: {:?}", r);
        prop_assert!(r.liquidated_count > r.loan_liquidations, "no perpetual liquidated: {:?}", r);
        // Without the first level the shock liquidates nothing.
        let alone = if loan_first {
            levels(json!({"venue": "generic", "market": {"price": p0, "positions": [perp]}}))
        } else {
            levels(json!({"venue": "generic", "market": {"price": p0, "loans": [loan]}}))
        };
        prop_assert_eq!(simulate(&alone, &linear(d), shock, 100).unwrap().liquidated_count, 0);
    }

    /// Seized ≤ collateral over every step of a loan, either side, given or generated: a long
    /// loan sells at most its collateral units; a short loan's seized quote, Σ repaid × L × (1 +
    /// bonus) per step, is at most its collateral; the debt repaid is at most the debt.
    #[test]
    fn seized_never_exceeds_collateral(coll in 0.1f64..1e6, debt in 0.1f64..1e7, lt in 0.2f64..0.97, bonus in 0.0f64..0.15,
                                       cf in 0.05f64..1.0, short in any::<bool>(), count in 1usize..40, seed in 0u64..1000) {
        let bonus = bonus.min(1.0 / lt - 1.0);
        let side = if short { Side::Short } else { Side::Long };
        let given = MarketLoan { side, collateral: coll, debt, liquidation_threshold: lt, liquidation_bonus: bonus, close_factor: cf };
        let mut g = generator(count, if short { 0.0 } else { 1e7 }, if short { 1e7 } else { 0.0 }, 0.1, seed);
        g.liquidation_threshold = lt;
        g.liquidation_bonus = bonus;
        g.close_factor = cf;
        for loan in std::iter::once(given).chain(g.generate(100.0)) {
            // A reference price beyond the first step so every step is on the map.
            let first = if short { loan.collateral * lt / loan.debt } else { loan.debt / (loan.collateral * lt) };
            let price = if short { first * 0.5 } else { first * 2.0 };
            let (run, already) = loan.levels(price);
            prop_assert_eq!(already, 0.0);
            prop_assert!(!run.is_empty());
            let units: f64 = run.iter().map(|l| l.1).sum();
            if short {
                let seized: f64 = run.iter().map(|&(l, u)| u * l * (1.0 + bonus)).sum();
                prop_assert!(seized <= loan.collateral * (1.0 + 1e-9), "seized {} > {}", seized, loan.collateral);
                prop_assert!(units <= loan.debt * (1.0 + 1e-9));
            } else {
                prop_assert!(units <= loan.collateral * (1.0 + 1e-9), "sold {} > {}", units, loan.collateral);
                let repaid: f64 = run.iter().map(|&(l, u)| u * l / (1.0 + bonus)).sum();
                prop_assert!(repaid <= loan.debt * (1.0 + 1e-9));
            }
        }
    }

    /// Loans and perpetuals together never end a cascade at a less extreme price than either
    /// book alone (more forced flow into the same depth), for generated loans too.
    #[test]
    fn loans_and_perps_together_move_the_price_at_least_as_far(shock in 0.005f64..0.3, up in any::<bool>(), seed in 0u64..500,
                                                             d in 1e4f64..1e7) {
        let g = generator(300, 2e6, 1e6, 0.05, seed);
        let gen = json!({"open_interest_long": 3e6, "open_interest_short": 2e6, "count": 2000, "seed": seed, "entry_spread": 0.05});
        let book = |perps: bool, loans: bool| {
            let mut m = json!({"price": 100});
            if perps { m["generator"] = gen.clone(); }
            if loans { m["loan_generator"] = serde_json::to_value(&g).unwrap(); }
            levels(json!({"venue": "binance-usdm", "positions": [{"symbol": "BTCUSDT", "size": 1, "entry_price": 100, "leverage": 5}], "market": m}))
        };
        let s = if up { shock } else { -shock };
        let run = |lv: &MarketLevels| simulate(lv, &linear(d), s, 10).unwrap();
        let (both, perps, loans) = (run(&book(true, true)), run(&book(true, false)), run(&book(false, true)));
        for alone in [&perps, &loans] {
            prop_assert!(both.final_move.abs() >= alone.final_move.abs() - 1e-12);
        }
        prop_assert!(both.loan_liquidated_notional >= loans.loan_liquidated_notional - 1e-6);
        prop_assert!(both.loan_liquidated_notional <= both.liquidated_notional + 1e-6);
    }
}

#[test]
fn the_lending_cascade_example_from_the_command_line() {
    // examples/cascade/lending-cascade.json is the hand-worked case above: final price 1,773.75.
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_leverlab")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<Value>(&o.stdout).unwrap()
    };
    let out = run(&["cascade", "examples/cascade/lending-cascade.json", "--shock", "-0.025"]);
    close(out["final_price"].as_f64().unwrap(), 1773.75, 1e-12);
    assert_eq!((out["liquidated_count"].clone(), out["loan_liquidations"].clone()), (json!(2), json!(1)));
    // The same loan from examples/cascade/market-loans.csv (with a short loan the drop does not reach).
    let mut s: Value = serde_json::from_str(&std::fs::read_to_string("examples/cascade/lending-cascade.json").unwrap()).unwrap();
    s["market"].as_object_mut().unwrap().remove("loans");
    let dir = std::env::temp_dir().join(format!("leverlab-lending-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("no-loans.json");
    std::fs::write(&file, s.to_string()).unwrap();
    let out = run(&["cascade", file.to_str().unwrap(), "--shock", "-0.025", "--loans-csv", "examples/cascade/market-loans.csv"]);
    close(out["final_price"].as_f64().unwrap(), 1773.75, 1e-12);
    assert_eq!(out["market"]["loans"], json!(2));
    let map = run(&["map", file.to_str().unwrap(), "--loans-csv", "examples/cascade/market-loans.csv", "--bins", "40", "--range", "0.2"]);
    let loan_long: f64 = map["loan_long_notional"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).sum();
    assert!(loan_long >= 7875.0, "{loan_long}");
    let _ = std::fs::remove_dir_all(&dir);
}
