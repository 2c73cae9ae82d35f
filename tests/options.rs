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
    let worst = &r["scenarios"][r["worst_scenario"].as_u64().unwrap() as usize];
    close(-worst["pnl"].as_f64().unwrap(), r["worst_loss"].as_f64().unwrap(), 1e-15, "worst scenario sets the loss");
    // 3 net short calls at one strike: 3 × 0.01 BTC ([DRB-PM-old]'s per-strike contingency).
    close(r["option_contingency"].as_f64().unwrap(), 0.03, 1e-15, "option contingency");
    // IM = worst loss + contingencies; MM = 0.8 × IM (mm_factor of Deribit's 2024 parameters).
    let im = r["worst_loss"].as_f64().unwrap() + 0.03;
    close(r["initial_margin"].as_f64().unwrap(), im, 1e-12, "IM");
    close(r["maintenance_margin"].as_f64().unwrap(), 0.8 * im, 1e-12, "MM");
    // The perpetual hedges the short calls: portfolio margin is below the standard margin.
    assert!(r["initial_margin"].as_f64().unwrap() < r["standard"]["initial_margin"].as_f64().unwrap());
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
