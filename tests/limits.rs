//! Bounded work (issue 10): every command refuses work above its documented ceiling with a
//! message that states the ceiling and what to change, and long CLI runs show progress on a
//! terminal's standard error.

use leverlab::api::{self, Options};
use leverlab::engine::analytics::probability::{self, McSettings, ProbabilitySettings};
use leverlab::engine::parse_scenario;
use serde_json::{json, Value};

fn book(n: usize) -> Value {
    let positions: Vec<Value> =
        (0..n).map(|i| json!({"symbol": "BTCUSDT", "size": 0.01 + i as f64 * 1e-4, "entry_price": 60000, "leverage": 10})).collect();
    json!({"venue": "binance-usdm", "positions": positions, "market": {"volatility": {"BTCUSDT": 0.6}}})
}

fn run(cmd: &str, doc: &Value, opts: Value) -> Result<Value, Vec<String>> {
    let s = parse_scenario(&doc.to_string()).map_err(|e| e.0.iter().map(|f| f.to_string()).collect::<Vec<_>>())?;
    let o: Options = opts.as_object().cloned().unwrap_or_default();
    api::run_command(api::command(cmd).unwrap(), &s, &o).map_err(|e| e.0.iter().map(|f| f.to_string()).collect())
}

#[test]
fn stress_points_times_positions_is_bounded() {
    // The audit: 1,000 positions × 10,001 points grew to gigabytes.
    let e = run("stress", &book(1000), json!({"points": 10001})).unwrap_err();
    assert_eq!(
        e,
        ["points: 10001 points × 1000 positions = 10001000 is above the ceiling of 2000000; lower `points` (at most 2000 for 1000 positions) or use fewer positions"]
    );
    assert!(run("stress", &book(10), json!({"points": 2000})).is_ok());
    let e = run("grid", &book(300), json!({"steps": 101})).unwrap_err();
    assert!(e[0].starts_with("steps: (101 steps + 6 extremes + 101² surface cells) × 300 positions"), "{e:?}");
    let e = run("carry", &book(5000), json!({"points": 1001})).unwrap_err();
    assert!(e[0].starts_with("points: 1001 points × 5000 positions"), "{e:?}");
}

#[test]
fn monte_carlo_paths_times_steps_is_bounded() {
    // The audit: 10^7 paths × 10^5 steps was accepted (about 15 hours).
    let e = run("probability", &book(1), json!({"paths": 10_000_000u64, "steps": 100_000})).unwrap_err();
    assert_eq!(
        e,
        ["paths: 10000000 paths × 100000 steps × 1 symbols = 1000000000000 is above the ceiling of 1000000000; lower `paths` or `steps` (the estimate's standard error falls only as 1/√paths)"]
    );
}

#[test]
fn cascade_and_scenario_sizes_are_bounded() {
    let mut d = book(1);
    d["market"] = json!({"price": 60000, "depth": {"model": "linear", "notional_per_pct": 1e6},
        "positions": [{"side": "long", "size": 1, "entry_price": 60000, "leverage": 10}]});
    let e = run("cascade", &d, json!({"sweep": true, "sensitivity": true, "steps": 100000})).unwrap_err();
    assert!(e[0].starts_with("steps: 20 sweeps × 100000 shocks = 2000000 is above the ceiling of 200000"), "{e:?}");
    let e = run("cascade", &d, json!({"shock": -0.05, "max_path": 1_000_000_000u64})).unwrap_err();
    assert!(e[0].starts_with("max_path: must be from 2 to 100000"), "{e:?}");
    let big = json!({"venue": "generic", "positions": vec![json!({}); leverlab::engine::limits::MAX_POSITIONS + 1]});
    let e = parse_scenario(&big.to_string()).unwrap_err();
    assert_eq!(e.0.len(), 1);
    assert!(e.0[0].to_string().starts_with("positions: 1000001 positions is above the ceiling of 1000000"), "{e}");
}

#[test]
fn the_chunked_monte_carlo_equals_one_run_and_reports_progress() {
    let s = parse_scenario(&book(2).to_string()).unwrap();
    let mc = McSettings { paths: 5_000, steps: 50, seed: 3, bridge: true };
    let settings = ProbabilitySettings { horizon_days: 7.0, monte_carlo: Some(mc), curves: false, ignore_funding: false };
    let mut seen = Vec::new();
    let chunked = probability::probability_with_progress(&s, &settings, &mut |d, t| seen.push((d, t))).unwrap();
    assert_eq!(seen, [(2000, 5000), (4000, 5000), (5000, 5000)]);
    // One run of all paths, summarised directly.
    let report = leverlab::engine::evaluate(&s).unwrap();
    let setup = probability::mc_setup(&s, &report, 7.0, mc, &[0.0, 0.0]).unwrap();
    let whole = leverlab::engine::analytics::montecarlo::summarise(&setup, &leverlab::engine::analytics::montecarlo::simulate(&setup, 0, 5_000).unwrap());
    assert_eq!(chunked.monte_carlo.unwrap(), whole);
}

#[test]
fn the_cli_shows_progress_on_a_terminal_only() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let args: Vec<String> =
        ["probability", "-", "--paths", "6000", "--steps", "20"].iter().map(|a| a.to_string()).collect();
    let input = book(1).to_string();
    let terminal = Rc::new(RefCell::new(Vec::<u8>::new()));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let t = leverlab::cli::Terminals { stdout: false, progress: Some(terminal.clone()) };
    assert_eq!(leverlab::cli::run_in(&args, &mut input.as_bytes(), &mut out, &mut err, t), 0);
    let shown = String::from_utf8(terminal.borrow().clone()).unwrap();
    assert!(shown.contains("leverlab: Monte Carlo paths 6000 of 6000 (100 %)"), "{shown:?}");
    assert!(shown.ends_with("\r\x1b[K"), "the line is cleared at the end: {shown:?}");
    assert!(err.is_empty());
    let (mut out2, mut err2) = (Vec::new(), Vec::new());
    assert_eq!(leverlab::cli::run_on(&args, &mut input.as_bytes(), &mut out2, &mut err2, false), 0);
    assert!(err2.is_empty(), "no progress when standard error is not a terminal");
    assert_eq!(out, out2, "progress does not change the result");
}
