//! Options, multi-asset collateral (and portfolio margin) through the command table the CLI and
//! the JS API share: the example files, the published figures they reproduce (arithmetic
//! restated), and the named errors of bad input.

use leverlab::api::{command, run_command, Options};
use leverlab::engine::parse_scenario;
use serde_json::{json, Value};

fn run(cmd: &str, doc: &str, opts: Value) -> Result<Value, String> {
    let s = parse_scenario(doc).map_err(|e| e.to_string())?;
    let opts: Options = opts.as_object().cloned().unwrap_or_default();
    run_command(command(cmd).expect("command exists"), &s, &opts).map_err(|e| e.to_string())
}

fn example(name: &str) -> String {
    std::fs::read_to_string(format!("{}/examples/{name}.json", env!("CARGO_MANIFEST_DIR"))).expect("example file")
}

fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!((got - want).abs() <= tol, "{what}: {got} vs {want}");
}

#[test]
fn options_example_greeks_follow_deribit_rules() {
    let r = run("greeks", &example("options"), json!({})).unwrap();
    let o = &r["options"];
    assert_eq!(o.as_array().unwrap().len(), 2);
    // Short 3 BTC calls K 100,000 sold for 0.045 BTC: Deribit's inverse-call breakeven
    // K / (1 − p) [DRB-ins] = 100,000 / 0.955 = 104,712.04.
    close(o[0]["breakeven"].as_f64().unwrap(), 100_000.0 / 0.955, 1e-6, "call breakeven");
    // Long 2 puts K 85,000 for 0.03 BTC: K / (1 + p) = 85,000 / 1.03 = 82,524.27.
    close(o[1]["breakeven"].as_f64().unwrap(), 85_000.0 / 1.03, 1e-6, "put breakeven");
    // The put's volatility is implied from its mark 0.032 BTC: repricing at it gives the mark.
    close(o[1]["price_coin"].as_f64().unwrap(), 0.032, 1e-12, "implied vol reprices the mark");
    // Expiry 2026-03-27T08:00Z from now 2025-12-27T08:00Z: 90 calendar days / 365.
    close(o[1]["expiry_years"].as_f64().unwrap(), 90.0 / 365.0, 1e-12, "ACT/365");
    // Deribit standard margin of the short calls [TSLAB]: OTM 8,000 of 92,000 → max(0.15 −
    // 0.0870, 0.1) = 0.1, so IM = 3 × (0.1 + mark), MM = 3 × (0.075 + mark).
    let mark = o[0]["mark"].as_f64().unwrap();
    close(o[0]["initial_margin"].as_f64().unwrap(), 3.0 * (0.1 + mark), 1e-12, "short call IM");
    close(o[0]["maintenance_margin"].as_f64().unwrap(), 3.0 * (0.075 + mark), 1e-12, "short call MM");
    // Long puts: the premium only.
    close(o[1]["initial_margin"].as_f64().unwrap(), 2.0 * 0.032, 1e-12, "long put IM");
    assert_eq!(o[1]["maintenance_margin"], 0.0);
    // The perpetual stays with the futures Greeks.
    assert_eq!(r["positions"][0]["symbol"], "BTC-PERPETUAL");
}

#[test]
fn pnl_treats_the_price_as_the_underlying_at_expiry() {
    let r = run("pnl", &example("options"), json!({"price": 120000})).unwrap();
    // Short 3 inverse calls K 100,000 at 0.045: payoff (120,000 − 100,000)/120,000 = 1/6 BTC
    // each [DRB-inv], PnL = −3 × (1/6 − 0.045) = −0.365 BTC.
    close(r[0]["pnl"].as_f64().unwrap(), -0.365, 1e-12, "short call");
    // Long 2 puts expire worthless: −2 × 0.03.
    close(r[1]["pnl"].as_f64().unwrap(), -0.06, 1e-12, "long put");
}

#[test]
fn collateral_example_values_bybit_tiers_and_a_buffered_loan() {
    let r = run("collateral", &example("collateral"), json!({"points": 5})).unwrap();
    // Bybit UTA tiers by quantity [BB-CVR]: 35 BTC count 10 × 0.98 + 10 × 0.95 + 10 × 0.90 +
    // 5 × 0.85 = 32.55 BTC, × 60,000 = 1,953,000.
    close(r["collateral"][0]["value"].as_f64().unwrap(), 1_953_000.0, 1e-6, "BTC tiers");
    // −200 ETH at 3,000 with a 0.5 % buffer (Binance's ask rate [BN-MA-ratio]): −603,000.
    close(r["collateral"][2]["value"].as_f64().unwrap(), -603_000.0, 1e-6, "ETH loan");
    close(r["account"]["collateral_value"].as_f64().unwrap(), 1_953_000.0 + 1_000.0 - 603_000.0, 1e-6, "total");
    // At BTC's liquidation price the account's equity is its maintenance margin.
    let mm = r["account"]["maintenance_margin"].as_f64().unwrap();
    let lp = r["collateral"][0]["liquidation_price"].as_f64().unwrap();
    close(32.55 * lp + 1_000.0 - 603_000.0, mm, 1e-6, "BTC liquidation price");
    // The ETH loan liquidates above: −200 × P × 1.005 + 1,954,000 = MM.
    let lp = r["collateral"][2]["liquidation_price"].as_f64().unwrap();
    close(-201.0 * lp + 1_954_000.0, mm, 1e-6, "ETH liquidation price");
    assert_eq!(r["surface"]["x_asset"], "BTC");
    // eval margins the perpetual against the collateral value.
    let e = run("eval", &example("collateral"), json!({})).unwrap();
    close(e["positions"][0]["collateral"].as_f64().unwrap(), 1_351_000.0, 1e-6, "eval wallet");
    // and carries the collateral report: account.collateral_value, collateral[i].value.
    close(e["collateral"]["account"]["collateral_value"].as_f64().unwrap(), 1_351_000.0, 1e-6, "eval collateral_value");
    close(e["collateral"]["collateral"][0]["value"].as_f64().unwrap(), 1_953_000.0, 1e-6, "eval BTC value");
    assert!(e["collateral"].get("surface").is_none());
}

#[test]
fn bad_option_and_collateral_input_is_named() {
    let doc = json!({"venue": "deribit", "margin_mode": "cross", "wallet_balance": 1,
        "positions": [{"contract": "option", "size": 1, "entry_price": 0.01,
            "option": {"type": "call", "strike": -5, "expiry_years": 0.5, "underlying_price": 90000, "volatility": -0.2}}]});
    let e = run("greeks", &doc.to_string(), json!({})).unwrap_err();
    assert!(e.contains("positions[0].option.volatility: must be > 0"), "{e}");
    assert!(e.contains("positions[0].option.strike: must be a finite number > 0"), "{e}");
    let doc = json!({"venue": "bybit", "margin_mode": "cross",
        "collateral": [{"asset": "BTC", "amount": 1, "price": 1, "haircut_tiers": [{"floor": 0, "ratio": 1.2}], "tier_bases": "value"}]});
    let e = run("collateral", &doc.to_string(), json!({})).unwrap_err();
    assert!(e.contains("collateral[0].haircut_tiers[0].ratio: must be a collateral ratio from 0 to 1"), "{e}");
    assert!(e.contains("collateral[0].tier_bases: unknown field; did you mean tier_basis?"), "{e}");
    // The futures Report says which commands answer for options rather than misprice them.
    let e = run("eval", &example("options"), json!({})).unwrap_err();
    assert!(e.contains("positions[0].option: an option position") && e.contains("greeks"), "{e}");
}

#[test]
fn portfolio_example_reports_the_grid_beside_standard_margin() {
    let r = run("portfolio", &example("portfolio"), json!({})).unwrap();
    // 9 price buckets of ±16 % × volatility up/same/down (Deribit's Portfolio Margin article).
    assert_eq!(r["scenarios"].as_array().unwrap().len(), 27);
    // The short calls far out of the money are what Deribit's extended table is for: its +500 %
    // (less the 100,000 USD dampener) sets the margin here.
    assert_eq!(r["worst_table"], "extended");
    let worst = &r["extended"][r["worst_scenario"].as_u64().unwrap() as usize];
    close(worst["counted_loss"].as_f64().unwrap(), r["worst_loss"].as_f64().unwrap(), 1e-15, "worst scenario sets the loss");
    close(worst["counted_loss"].as_f64().unwrap(), -worst["pnl"].as_f64().unwrap() - 100_000.0 / 92_000.0, 1e-12, "loss less the dampener");
    // 3 net short calls at one strike: 3 × 0.01 BTC ([DRB-PM-old]'s per-strike contingency).
    close(r["option_contingency"].as_f64().unwrap(), 0.03, 1e-15, "option contingency");
    // IM = worst loss + contingencies; MM = 0.8 × IM (mm_factor of Deribit's 2024 parameters).
    let im = r["worst_loss"].as_f64().unwrap() + 0.03;
    close(r["initial_margin"].as_f64().unwrap(), im, 1e-12, "IM");
    close(r["maintenance_margin"].as_f64().unwrap(), 0.8 * im, 1e-12, "MM");
    // The standard margin of the same book beside it (with the extended table counted, the
    // far-OTM short calls ask more under portfolio margin than under the standard rule).
    assert!(r["standard"]["initial_margin"].as_f64().unwrap() > 0.0);
    assert!(r["options"][0]["vol_up"].as_f64().unwrap() > 0.55 && r["options"][0]["vol_down"].as_f64().unwrap() < 0.55);
    assert!(r["liquidation"]["down_move"].as_f64().unwrap() < 0.0);
    assert!(r["standard"]["down_move"].as_f64().unwrap() < 0.0, "standard liquidation beside the portfolio one");
    // A volatility implied from the mark premium carries through the moved grids.
    let iv = example("portfolio").replace("\"volatility\": 0.55,", "").replace("\"entry_price\": 0.045,", "\"entry_price\": 0.045, \"mark_price\": 0.05,");
    let r = run("portfolio", &iv, json!({})).unwrap();
    assert!(r["options"][0]["volatility"].as_f64().unwrap() > 0.0 && r["liquidation"]["down_move"].as_f64().is_some());
    // eval names the command that answers for portfolio mode.
    let e = run("eval", &example("portfolio"), json!({})).unwrap_err();
    assert!(e.contains("margin_mode: portfolio") && e.contains("`portfolio` command"), "{e}");
}

#[test]
fn payoff_curve_of_the_example_book() {
    let r = run("payoff", &example("options"), json!({"range": 0.3, "points": 7})).unwrap();
    let rows = r.as_array().unwrap();
    assert_eq!(rows.len(), 7);
    // At +30 % (119,600): short 3 calls K 100,000 at 0.045 BTC pay (119,600 − 100,000)/119,600
    // each; long 2 puts K 85,000 at 0.03 expire worthless; the perpetual (no mark: at its entry
    // 91,000, moved 30 % to 118,300) long $150,000 earns 150,000 × (1/91,000 − 1/118,300).
    let last = &rows[6];
    let want = -3.0 * (19_600.0 / 119_600.0 - 0.045) - 2.0 * 0.03 + 150_000.0 * (1.0 / 91_000.0 - 1.0 / 118_300.0);
    close(last["at_expiry"].as_f64().unwrap(), want, 1e-12, "at expiry, +30 %");
    let e = run("payoff", &example("options"), json!({"range": 1.5})).unwrap_err();
    assert!(e.contains("range: must be a move above 0 and at most 0.99"), "{e}");
}

#[test]
fn binance_portfolio_model_answers_with_the_unimmr() {
    // Binance PM Pro's example loans: 0.04 BTC and 15 ETH at 10 % → Margin MM 0.004 and 1.5
    // (prices of 1), beside 1,000 USDT.
    let doc = json!({"venue": "binance-usdm", "margin_mode": "portfolio", "portfolio_margin": {"model": "binance"},
        "collateral": [{"asset": "USDT", "amount": 1000, "price": 1},
                       {"asset": "BTC", "amount": 0.1, "price": 1}, {"asset": "BTC", "amount": -0.04, "price": 1},
                       {"asset": "ETH", "amount": 20, "price": 1}, {"asset": "ETH", "amount": -15, "price": 1}]});
    let r = run("portfolio", &doc.to_string(), json!({})).unwrap();
    close(r["margin_maintenance_margin"].as_f64().unwrap(), 1.504, 1e-12, "margin MM");
    assert_eq!(r["status"], "trade freely");
}

#[test]
fn the_compute_entry_runs_the_option_analyses_with_their_defaults_listed() {
    use leverlab::engine::compute::{compute, Analysis, Request};
    let s = parse_scenario(&example("portfolio")).unwrap();
    let r = compute(Request::new(
        s,
        vec![Analysis::named("payoff").unwrap(), Analysis::named("portfolio").unwrap(), Analysis::named("greeks").unwrap()],
    ))
    .unwrap();
    let v = serde_json::to_value(&r).unwrap();
    // Portfolio mode has no futures Report: said once, while each analysis answers.
    assert!(v["report_errors"][0]["path"] == "margin_mode", "{}", v["report_errors"]);
    let payoff = &v["analyses"][0];
    assert_eq!(payoff["settings"]["payoff"], json!({"range": 0.5, "points": 101}));
    assert_eq!(payoff["result"]["payoff"].as_array().unwrap().len(), 101);
    assert!(payoff["assumptions"].as_array().unwrap().iter().any(|a| a["path"] == "payoff.range"));
    assert_eq!(v["analyses"][1]["result"]["portfolio"]["scenarios"].as_array().unwrap().len(), 27);
    assert_eq!(v["analyses"][2]["result"]["greeks"]["options"].as_array().unwrap().len(), 1);
}

/// Options in the stress curve: each option is valued at the moved underlying with the
/// Black-Scholes price. Hull, "Options, Futures, and Other Derivatives", Example 15.6: S 42,
/// K 40, r 10 %, σ 20 %, T 0.5 → c = 4.76, p = 0.81. A book at S 40 stressed +5 % puts the
/// underlying at 42: the long call's row is worth 4.76 and the long put's 0.81 (to Hull's two
/// decimals); the account's equity is the wallet + both.
#[test]
fn stress_values_options_at_the_moved_underlying_hull_15_6() {
    let o = |kind: &str| json!({"type": kind, "strike": 40, "expiry_years": 0.5, "underlying_price": 40, "volatility": 0.2, "rate": 0.1, "settlement": "linear"});
    let doc = json!({"venue": "generic", "margin_mode": "cross", "wallet_balance": 100,
        "positions": [
            {"symbol": "X-40-C", "contract": "option", "side": "long", "size": 1, "entry_price": 3, "option": o("call")},
            {"symbol": "X-40-P", "contract": "option", "side": "long", "size": 1, "entry_price": 1, "option": o("put")}]})
    .to_string();
    let r = run("stress", &doc, json!({"range": 0.05, "points": 3})).unwrap();
    let up = &r["points"][2];
    close(up["move"].as_f64().unwrap(), 0.05, 1e-15, "move");
    close(up["positions"][0]["price"].as_f64().unwrap(), 42.0, 1e-12, "underlying at +5 %");
    close(up["positions"][0]["equity"].as_f64().unwrap(), 4.76, 0.005, "Hull's call 4.76");
    close(up["positions"][1]["equity"].as_f64().unwrap(), 0.81, 0.005, "Hull's put 0.81");
    let (c, p) = (up["positions"][0]["equity"].as_f64().unwrap(), up["positions"][1]["equity"].as_f64().unwrap());
    close(up["equity"].as_f64().unwrap(), 100.0 + c + p, 1e-9, "equity = wallet + the options' value");
    close(up["unrealized_pnl"].as_f64().unwrap(), (c - 3.0) + (p - 1.0), 1e-9, "P&L from the premiums paid");
    assert!(r["note"].as_str().unwrap().contains("Black-Scholes"));
}

/// Options in the scenario grid: the same Hull 15.6 figures in the +4 % bucket of ±16 % / 9
/// steps from an underlying of 42 / 1.04; a short call loses c(42) − c(S0) there.
#[test]
fn grid_values_options_at_each_bucket() {
    let s0 = 42.0 / 1.04;
    let doc = json!({"venue": "generic", "margin_mode": "cross", "wallet_balance": 100,
        "positions": [{"symbol": "X-40-C", "contract": "option", "side": "short", "size": 2, "entry_price": 3,
            "option": {"type": "call", "strike": 40, "expiry_years": 0.5, "underlying_price": s0, "volatility": 0.2, "rate": 0.1, "settlement": "linear"}}]})
    .to_string();
    let g = run("grid", &doc, json!({})).unwrap();
    let sc = g["scenarios"].as_array().unwrap();
    let at = |m: f64| sc.iter().find(|x| (x["move"].as_f64().unwrap() - m).abs() < 1e-12).unwrap();
    // Equity at +4 % = 100 − 2 × c(42) = 100 − 2 × 4.76.
    close(at(0.04)["equity"].as_f64().unwrap(), 100.0 - 2.0 * 4.76, 0.01, "equity at +4 %");
    // The worst counted loss of a short call is on the way up (the extreme +48 % at 35 %, or +16 %).
    let worst = &sc[g["worst_scenario"].as_u64().unwrap() as usize];
    assert!(worst["move"].as_f64().unwrap() > 0.0, "{worst}");
}

/// A book with a perpetual and a coin-settled option on Deribit: the futures' rows and the
/// option's row in the Scenario's order, the option's Deribit maintenance counted, and the
/// account's liquidation point found where the curve's equity meets its maintenance.
#[test]
fn stress_of_the_options_example_book() {
    let r = run("stress", &example("options"), json!({"range": 0.9, "points": 181})).unwrap();
    let pts = r["points"].as_array().unwrap();
    assert_eq!(pts[0]["positions"].as_array().unwrap().len(), 3);
    let mid = &pts[90];
    close(mid["move"].as_f64().unwrap(), 0.0, 1e-12, "middle point");
    // The unmoved long puts are worth their mark 0.032 each (their volatility is implied from it).
    close(mid["positions"][1]["equity"].as_f64().unwrap(), 2.0 * 0.032, 1e-12, "long puts at mark");
    for m in r["markers"].as_array().unwrap() {
        let x = m["move"].as_f64().unwrap();
        let k = pts.iter().position(|p| p["move"].as_f64().unwrap() > x).unwrap();
        let side = |p: &Value| p["equity"].as_f64().unwrap() - p["maintenance"].as_f64().unwrap();
        assert!(side(&pts[k - 1]) * side(&pts[k]) <= 0.0, "a marker between points that straddle the maintenance");
    }
}

proptest::proptest! {
    /// Put-call parity through the stress curve: a long call and a short put of one strike
    /// (linear, r = q = 0) move like a long future: equity(x) − equity(0) = S·x (Hull ch. 11,
    /// c − p = S − K e^{−rT} with r = 0).
    #[test]
    fn a_synthetic_forward_stresses_like_a_future(s in 10.0f64..1e5, k in 0.5f64..1.5, v in 0.05f64..2.0, t in 0.01f64..3.0) {
        let o = |kind: &str| json!({"type": kind, "strike": s * k, "expiry_years": t, "underlying_price": s, "volatility": v, "settlement": "linear"});
        let doc = json!({"venue": "generic", "margin_mode": "cross", "wallet_balance": 1e9,
            "positions": [
                {"symbol": "X-C", "contract": "option", "side": "long", "size": 1, "entry_price": 1, "option": o("call")},
                {"symbol": "X-P", "contract": "option", "side": "short", "size": 1, "entry_price": 1, "option": o("put")}]}).to_string();
        let r = run("stress", &doc, json!({"range": 0.5, "points": 11})).unwrap();
        let pts = r["points"].as_array().unwrap();
        let e0 = pts[5]["equity"].as_f64().unwrap();
        for p in pts {
            let x = p["move"].as_f64().unwrap();
            let de = p["equity"].as_f64().unwrap() - e0;
            proptest::prop_assert!((de - s * x).abs() <= 1e-9 * s.max(1.0) * 10.0, "{} vs {}", de, s * x);
        }
    }
}
