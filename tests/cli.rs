//! The `leverlab` binary end to end: files and standard input for every venue in both margin
//! modes, exit status 2 with one `path: message` line per problem, the unknown-venue message,
//! and `--help` texts that document every field the commands print.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_leverlab");
const VENUES: [&str; 10] =
    ["binance-usdm", "binance-coinm", "bybit", "okx", "gate", "hyperliquid", "dydx", "bitmex", "deribit", "generic"];

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("leverlab runs");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.unwrap_or("").as_bytes()).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("leverlab finishes")
}

fn stdout_json(o: &Output) -> Value {
    assert!(o.status.success(), "exit {:?}, stderr: {}", o.status.code(), String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("stdout is JSON")
}

fn example(venue: &str) -> Value {
    let path = format!("{}/examples/{venue}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("example exists")).expect("example is JSON")
}

/// The same positions in the other margin mode: cross gets a wallet balance; isolated gets a
/// leverage for every position.
fn flip_mode(mut s: Value) -> Value {
    if s["margin_mode"] == "cross" {
        s["margin_mode"] = json!("isolated");
        // Isolated positions carry their own collateral: a wallet balance would be an error.
        s.as_object_mut().expect("object").remove("wallet_balance");
        for p in s["positions"].as_array_mut().expect("positions") {
            if p.get("leverage").is_none() && p.get("margin").is_none() {
                p["leverage"] = json!(10);
            }
        }
    } else {
        s["margin_mode"] = json!("cross");
        // One settlement asset per cross account: keep the first position's contract.
        let first = s["positions"][0].clone();
        s["positions"] = json!([first]);
        let inverse = first.get("contract") == Some(&json!("inverse")) || ["bitmex", "deribit", "binance-coinm"].contains(&s["venue"].as_str().unwrap_or(""));
        s["wallet_balance"] = json!(if inverse { 0.2 } else { 10_000.0 });
    }
    s
}

fn check_report(venue: &str, mode: &str, r: &Value) {
    assert_eq!(r["venue"], venue);
    assert_eq!(r["margin_mode"], mode);
    let ps = r["positions"].as_array().expect("positions");
    assert!(!ps.is_empty());
    for p in ps {
        let lp = &p["liquidation_price"];
        assert!(lp.as_f64().is_some_and(|x| x > 0.0) || (lp.is_null() && p["liquidation_note"].is_string()), "{venue} {mode}: {p}");
        // Format version 2: the texts are in the `models` table, once, and positions refer to it.
        assert!(p.get("formula").is_none() && p.get("source").is_none(), "{venue}: no per-position texts");
        let m = &r["models"][p["model"].as_u64().expect("model index") as usize];
        assert!(m["formula"].as_str().is_some_and(|f| f.contains("LP") || f.contains('=')), "{venue}: formula stated");
        assert!(m["source"].as_str().is_some_and(|s| !s.is_empty()), "{venue}: source stated");
    }
    assert_eq!(r["version"], 2);
}

#[test]
fn eval_answers_every_venue_in_both_modes_from_file_and_stdin() {
    for venue in VENUES {
        let file = format!("examples/{venue}.json");
        let s = example(venue);
        let mode = s["margin_mode"].as_str().expect("mode").to_string();
        check_report(venue, &mode, &stdout_json(&run(&["eval", &file], None)));
        let other = flip_mode(s);
        let other_mode = other["margin_mode"].as_str().expect("mode").to_string();
        assert_ne!(mode, other_mode);
        check_report(venue, &other_mode, &stdout_json(&run(&["eval", "-"], Some(&other.to_string()))));
    }
}

#[test]
fn the_examples_print_the_published_numbers() {
    // A spot check that the binary prints what the engine's reference tests assert.
    let r = stdout_json(&run(&["eval", "examples/binance-coinm.json"], None));
    let lp = r["positions"][0]["liquidation_price"].as_f64().unwrap();
    assert!((lp - 33_599.40).abs() < 0.05, "Binance COIN-M 33,599.40 [BN-DEV-6292], got {lp}");
    let r = stdout_json(&run(&["eval", "examples/hyperliquid.json"], None));
    let lp = r["positions"][0]["liquidation_price"].as_f64().unwrap();
    assert!((lp - 91_139.24).abs() < 0.005, "Hyperliquid Q4 91,139.24, got {lp}");
}

#[test]
fn bad_input_exits_2_with_one_named_line_per_problem() {
    let s = r#"{"venue":"bybit","positions":[
        {"size":1,"entry_price":100,"leverage":5},
        {"size":1,"entry_price":-3,"leverage":5},
        {"size":0,"entry_price":100,"leverage":5000}]}"#;
    let o = run(&["eval", "-"], Some(s));
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "nothing on stdout");
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.contains(&"positions[1].entry_price: must be a finite number > 0"), "{err}");
    assert!(lines.contains(&"positions[2].size: must be a finite number > 0"), "{err}");
    assert!(lines.contains(&"positions[2].leverage: must be a number from 1 to 1000"), "{err}");
    assert_eq!(lines.len(), 3, "one line per problem: {err}");
}

#[test]
fn cross_without_wallet_and_missing_file_are_named() {
    let o = run(&["eval", "-"], Some(r#"{"venue":"okx","margin_mode":"cross","positions":[{"size":1,"entry_price":1}]}"#));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&o.stderr).trim(), "wallet_balance: required in cross margin mode");
    let o = run(&["eval", "no/such/file.json"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read no/such/file.json"));
}

#[test]
fn unknown_venue_lists_the_known_ones() {
    let o = run(&["eval", "-"], Some(r#"{"venue":"kraken","positions":[]}"#));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("venue: "), "{err}");
    for v in VENUES {
        assert!(err.contains(v), "`{v}` missing from: {err}");
    }
}

#[test]
fn tool_options_errors_are_named() {
    let o = run(&["pnl", "examples/hyperliquid.json", "--price", "-5"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("--price: "));
    let o = run(&["max-size", "examples/hyperliquid.json", "--balance", "100", "--leverage", "50"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--leverage: exceeds the venue's maximum leverage 40x"));
}

/// Every key of a JSON value, recursively (array elements included).
fn keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                out.push(k.clone());
                keys(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

fn help(cmd: &str) -> String {
    let o = run(&[cmd, "--help"], None);
    assert!(o.status.success());
    String::from_utf8(o.stdout).expect("utf-8 help")
}

#[test]
fn eval_help_documents_every_input_and_output_field() {
    let text = help("eval");
    // Every Scenario field: a scenario with all optional fields set.
    let full = json!({"version":1,"venue":"generic","margin_mode":"cross","wallet_balance":10,"positions":[
        {"symbol":"X","contract":"linear","side":"long","size":1,"entry_price":1,"mark_price":1,"leverage":2,"margin":1,
         "mmr":0.01,"maint_amount":0,"tiers":[{"floor":0,"mmr":0.01,"maint_amount":0,"max_leverage":10}],"max_leverage":10,"taker_fee":0}],
        "market":{}});
    let mut names = Vec::new();
    keys(&full, &mut names);
    // Every Report field, including the optional note (a 1x long has no liquidation price).
    let none = json!({"venue":"binance-usdm","margin_mode":"cross","wallet_balance":1000,"positions":[
        {"symbol":"BTCUSDT","size":0.01,"entry_price":50000}]});
    keys(&stdout_json(&run(&["eval", "-"], Some(&none.to_string()))), &mut names);
    keys(&stdout_json(&run(&["eval", "examples/generic.json"], None)), &mut names);
    assert!(names.contains(&"liquidation_note".to_string()));
    for n in names {
        assert!(text.contains(&n), "`leverlab eval --help` does not mention `{n}`");
    }
}

#[test]
fn tool_helps_document_their_options_and_output_fields() {
    let cases: [(&str, &[&str]); 5] = [
        ("pnl", &["--price", "60000"]),
        ("target", &["--roe", "0.5"]),
        ("average-entry", &[]),
        ("max-size", &["--balance", "1000", "--leverage", "10"]),
        ("margin", &["--add", "100"]),
    ];
    let dca = json!({"venue":"hyperliquid","positions":[
        {"symbol":"BTC","size":1,"entry_price":100000,"leverage":10},
        {"symbol":"BTC","size":1,"entry_price":90000,"leverage":10}]});
    for (cmd, opts) in cases {
        let text = help(cmd);
        for o in opts.iter().filter(|o| o.starts_with("--")) {
            assert!(text.contains(o), "`{cmd} --help` does not mention {o}");
        }
        let mut args = vec![cmd, "-"];
        args.extend_from_slice(opts);
        let out = stdout_json(&run(&args, Some(&dca.to_string())));
        let mut names = Vec::new();
        if cmd == "average-entry" {
            keys(&out["groups"], &mut names);
            names.push("report".into());
        } else {
            keys(&out, &mut names);
        }
        for n in names {
            assert!(text.contains(&n), "`leverlab {cmd} --help` does not mention `{n}`");
        }
    }
}

#[test]
fn the_report_names_each_formula_once_and_reads_version_1_scenarios() {
    // 200 isolated positions on two symbols: two rows in `models`, not 200 copies of the texts.
    let positions: Vec<Value> = (0..200)
        .map(|i| json!({"symbol": if i % 2 == 0 { "BTCUSDT" } else { "ETHUSDT" }, "size": 0.1 + i as f64 * 0.01, "entry_price": 60000, "leverage": 10}))
        .collect();
    let s = json!({"version": 1, "venue": "binance-usdm", "positions": positions});
    let r = stdout_json(&run(&["eval", "-"], Some(&s.to_string())));
    assert_eq!(r["version"], 2, "the Report is written in the current format");
    let models = r["models"].as_array().expect("models table");
    assert_eq!(models.len(), 2, "one row per maintenance table: {models:?}");
    assert_eq!(r["positions"][0]["model"], 0);
    assert_eq!(r["positions"][1]["model"], 1);
    assert!(models[1]["source"].as_str().unwrap().contains("ETHUSDT"), "{models:?}");
    // Reading version 1 changes nothing: the same Scenario without a version gives the same Report.
    let mut s2 = s.clone();
    s2.as_object_mut().unwrap().remove("version");
    assert_eq!(stdout_json(&run(&["eval", "-"], Some(&s2.to_string()))), r);
}

#[test]
fn output_is_compact_when_piped_and_indented_with_pretty() {
    let compact = run(&["eval", "examples/okx.json"], None);
    let text = String::from_utf8_lossy(&compact.stdout);
    assert_eq!(text.trim_end().lines().count(), 1, "one line when standard output is not a terminal");
    let pretty = run(&["eval", "examples/okx.json", "--pretty"], None);
    assert!(String::from_utf8_lossy(&pretty.stdout).lines().count() > 20, "indented with --pretty");
    assert_eq!(stdout_json(&compact), stdout_json(&pretty));
    let back = run(&["--compact", "eval", "examples/okx.json", "--pretty", "--compact"], None);
    assert_eq!(String::from_utf8_lossy(&back.stdout), text, "the last layout flag wins, anywhere on the line");
}
