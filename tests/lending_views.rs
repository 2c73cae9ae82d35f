//! The data behind the page's lending views: the health factor against each asset's price and
//! the auction's price path, checked against the protocols' published numbers (the same ones
//! the examples restate) and the engine's own reports.

use leverlab::engine::lending::curves::health_curves;
use leverlab::engine::maker::clip::{auction, price_series, AuctionOptions};
use leverlab::engine::{lending, parse_scenario, Scenario};

fn example(name: &str) -> Scenario {
    parse_scenario(&std::fs::read_to_string(format!("examples/{name}.json")).unwrap()).unwrap()
}

fn close(a: f64, b: f64, rel: f64) {
    assert!((a - b).abs() <= rel * b.abs().max(1e-300), "{a} vs {b}");
}

#[test]
fn health_factor_against_each_price() {
    // examples/aave-v3.json: 10 WETH at 1,400 (LT 82.5 %) against 12,000 USDC: HF = 10 × 1,400 ×
    // 0.825 / 12,000 = 0.9625, and 1 at 12,000 / 8.25 = 1,454.55 (Aave's HF formula,
    // GenericLogic.calculateUserAccountData).
    let s = example("aave-v3");
    let curves = health_curves(&s, 0.5, 101).unwrap();
    assert_eq!(curves.len(), 2);
    let weth = &curves[0];
    assert_eq!((weth.asset.as_str(), weth.role.as_str()), ("WETH", "collateral"));
    close(weth.liquidation_price.unwrap(), 12000.0 / 8.25, 1e-12);
    for (p, hf) in weth.prices.iter().zip(&weth.health_factors) {
        close(hf.unwrap(), 10.0 * p * 0.825 / 12000.0, 1e-12);
    }
    // The middle point is the price now, at the report's health factor.
    close(weth.prices[50], 1400.0, 1e-12);
    close(weth.health_factors[50].unwrap(), 0.9625, 1e-12);
    // USDC as debt: HF = 11,550 / (12,000 × p), 1 at p = 0.9625.
    let usdc = &curves[1];
    assert_eq!(usdc.role, "debt");
    close(usdc.liquidation_price.unwrap(), 0.9625, 1e-12);
    assert!(usdc.health_factors.windows(2).all(|w| w[1].unwrap() < w[0].unwrap()));
    let k = usdc.prices.iter().position(|&p| p >= 0.9625).unwrap();
    assert!(usdc.health_factors[k].unwrap() <= 1.0 + 1e-12 && usdc.health_factors[k - 1].unwrap() > 1.0);
    // Settings are named.
    assert_eq!(health_curves(&s, 1.5, 101).unwrap_err().0[0].path, "range");
    assert_eq!(health_curves(&s, 0.5, 1).unwrap_err().0[0].path, "points");
    // Morpho: the curve of the collateral crosses 1 where the report says.
    let m = example("morpho-blue");
    let r = lending::evaluate(&m).unwrap();
    let c = &health_curves(&m, 0.2, 41).unwrap()[0];
    close(c.liquidation_price.unwrap(), r.supplies[0].liquidation_price.unwrap(), 1e-12);
}

#[test]
fn auction_price_path_with_resets() {
    // examples/maker.json: top = 4 × 1.25 = 5, stairstep 0.99 per second: dss clip.t.sol's
    // "5 * 0.99 ** 30 = 3.698501866941401" at 30 s.
    let s = example("maker");
    let a = s.auction.clone().unwrap();
    let series = price_series(&a, 5.0, &[], 60.0, 61);
    assert_eq!(series.len(), 61);
    close(series[30].1, 3.698501866941401, 1e-12);
    assert!(series.windows(2).all(|w| w[1].1 <= w[0].1), "non-increasing without resets");
    // With a reset at 40 s to a new top 5: just before it 5 × 0.99^40, then 5 again.
    let r = leverlab::engine::maker::clip::Reset { t: 40.0, reason: "cusp".into(), top: 5.0, keeper_reward: 0.0 };
    let series = price_series(&a, 5.0, &[r], 60.0, 61);
    let at40: Vec<f64> = series.iter().filter(|p| p.0 == 40.0).map(|p| p.1).collect();
    close(at40[0], 5.0 * 0.99f64.powi(40), 1e-12);
    assert_eq!(at40[at40.len() - 1], 5.0);
    close(series.last().unwrap().1, 5.0 * 0.99f64.powi(20), 1e-12);
    // The auction command's path fits the series: every fill at or below the curve's price.
    let rep = auction(&s, AuctionOptions::default()).unwrap();
    let path = rep.path.unwrap();
    // The path carries its own price curve from the kick (5 at 0 s) to the end.
    assert_eq!(path.price_path[0], (0.0, 5.0));
    assert!(rep.curves.iter().all(|c| !c.price_path.is_empty()));
    let until = path.time_to_clear.unwrap_or(60.0);
    let series = price_series(&a, rep.top, &path.resets, until, 200);
    for f in &path.fills {
        let k = series.partition_point(|p| p.0 <= f.t).saturating_sub(1);
        assert!(f.price <= series[k].1 * (1.0 + 1e-9) + 1e-12, "fill {} above the curve {}", f.price, series[k].1);
    }
}

#[test]
fn the_lending_view_gathers_report_curves_and_comparison() {
    use leverlab::engine::protocol::{lending_view, CompareOptions};
    let s = example("aave-v3");
    let o = CompareOptions { lltv: Some(0.86), mat: Some(1.5), chop: Some(1.13) };
    let v = lending_view(&s, o, 0.5).unwrap();
    close(v.report.health_factor.unwrap(), 0.9625, 1e-12);
    assert_eq!(v.curves.len(), 2);
    // The comparison's Aave column is the report's: liquidation at 1,454.55; Morpho at LLTV 86 %:
    // 12,000 / (10 × 0.86) = 1,395.35; Maker at mat 150 %: 12,000 × 1.5 / 10 = 1,800.
    let c = v.comparison.unwrap();
    close(c.columns[0].liquidation_price.unwrap(), 12000.0 / 8.25, 1e-12);
    close(c.columns[1].liquidation_price.unwrap(), 12000.0 / 8.6, 1e-12);
    close(c.columns[2].liquidation_price.unwrap(), 1800.0, 1e-12);
    // Without the Morpho and Maker parameters the view still answers, and says why not.
    let v = lending_view(&s, CompareOptions { lltv: None, mat: None, chop: None }, 0.5).unwrap();
    assert!(v.comparison.is_none() && v.comparison_note.unwrap().contains("lltv"));
}

#[test]
fn the_health_command_answers_through_the_compute_entry() {
    use leverlab::api::{command, run_command};
    let s = example("aave-v3");
    let mut o = serde_json::Map::new();
    o.insert("points".into(), serde_json::json!(11));
    let out = run_command(command("health").unwrap(), &s, &o).unwrap();
    let want = serde_json::to_value(health_curves(&s, 0.5, 11).unwrap()).unwrap();
    assert_eq!(out, want);
    o.insert("range".into(), serde_json::json!(1.2));
    let e = run_command(command("health").unwrap(), &s, &o).unwrap_err();
    assert_eq!(e.0[0].path, "range", "{e}");
    // An exchange Scenario is refused at venue.
    let x = parse_scenario(r#"{"venue": "bybit", "positions": [{"size": 1, "entry_price": 100, "leverage": 5}]}"#).unwrap();
    assert_eq!(run_command(command("health").unwrap(), &x, &serde_json::Map::new()).unwrap_err().0[0].path, "venue");
}
