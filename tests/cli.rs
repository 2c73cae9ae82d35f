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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn unknown_and_misplaced_options_fail_with_suggestions() {
    // The audit: `--positon 1` was ignored and position 0 changed.
    let o = run(&["margin", "examples/bybit.json", "--add", "100", "--positon", "1"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert_eq!(stderr(&o).trim(), "--positon: unknown option; did you mean --position?");
    for (cmd, extra) in [
        ("eval", "--levrage"),
        ("pnl", "--prise"),
        ("target", "--roi"),
        ("average-entry", "--position"),
        ("max-size", "--balanse"),
    ] {
        let mut args = vec![cmd, "examples/hyperliquid.json", extra, "5"];
        if cmd == "pnl" {
            args.extend(["--price", "1"]);
        }
        if cmd == "target" {
            args.extend(["--roe", "0.5"]);
        }
        let o = run(&args, None);
        assert_eq!(o.status.code(), Some(2), "{cmd} {extra}: {}", stderr(&o));
        assert!(stderr(&o).starts_with(&format!("{extra}: ")), "{cmd}: {}", stderr(&o));
    }
    let o = run(&["max-size", "examples/hyperliquid.json", "--balanse", "5"], None);
    assert!(stderr(&o).contains("--balanse: unknown option; did you mean --balance?"), "{}", stderr(&o));
    // An option of another command is named as such.
    let o = run(&["eval", "examples/okx.json", "--shock", "-0.05"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("--shock: not an option of eval (it belongs to cascade); the options of eval are --venue"), "{}", stderr(&o));
    // Options before the command, stray short options.
    let o = run(&["--shock", "1", "cascade", "examples/okx.json"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("give the command first"), "{}", stderr(&o));
    let o = run(&["pnl", "examples/okx.json", "-p", "5"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("-p: unknown option"), "{}", stderr(&o));
}

#[test]
fn options_before_file_work_and_values_are_typed() {
    let after = stdout_json(&run(&["pnl", "examples/okx.json", "--price", "52000", "--position", "0"], None));
    let before = stdout_json(&run(&["pnl", "--price", "52000", "--position=0", "examples/okx.json"], None));
    assert_eq!(after, before);
    // A switch never swallows FILE: `--monte-carlo FILE` reads FILE.
    let s = json!({"venue": "hyperliquid", "positions": [{"symbol": "BTC", "size": 1, "entry_price": 100000, "leverage": 10}],
                   "market": {"volatility": {"BTC": 0.6}}});
    let a = stdout_json(&run(&["probability", "--curves", "-", "--horizon", "3"], Some(&s.to_string())));
    let b = stdout_json(&run(&["probability", "-", "--horizon", "3", "--curves"], Some(&s.to_string())));
    assert_eq!(a, b);
    for (args, want) in [
        (vec!["pnl", "examples/okx.json", "--price", "abc"], "--price: must be a finite number, not `abc`"),
        (vec!["stress", "examples/okx.json", "--points", "1.5"], "--points: must be a whole number ≥ 0, not `1.5`"),
        (vec!["margin", "examples/okx.json", "--add", "5", "--position", "-1"], "--position: must be a whole number ≥ 0, not `-1`"),
        (vec!["cascade", "examples/okx.json", "--sweep=maybe"], "--sweep: must be true or false, not `maybe`"),
        (vec!["pnl", "examples/okx.json", "--price"], "--price: needs a value"),
        (vec!["pnl", "examples/okx.json", "--price", "1", "--price", "2"], "--price: given twice"),
    ] {
        let o = run(&args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).lines().any(|l| l == want), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn option_and_scenario_problems_come_in_one_pass() {
    let o = run(&["pnl", "-", "--prise", "5", "--position", "x"], Some(r#"{"venue": "okx", "positons": []}"#));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    for want in [
        "--prise: unknown option; did you mean --price?",
        "--position: must be a whole number ≥ 0, not `x`",
        "positons: unknown field; did you mean positions?",
    ] {
        assert!(err.lines().any(|l| l == want), "missing `{want}` in {err}");
    }
}

#[test]
fn engine_errors_name_settings_and_each_front_door_spells_them() {
    use leverlab::api;
    let s = leverlab::engine::parse_scenario(&example("okx").to_string()).unwrap();
    let cmd = api::command("stress").unwrap();
    let mut o = api::Options::new();
    o.insert("range".into(), json!(1.5));
    let e = api::run_command(cmd, &s, &o).unwrap_err();
    assert_eq!(e.0[0].path, "range", "the JS API names the setting");
    let o = run(&["stress", "examples/okx.json", "--range", "1.5"], None);
    assert!(stderr(&o).starts_with("--range: "), "the CLI renders it as its flag: {}", stderr(&o));
    // JS spells multi-word settings in snake_case (kebab accepted), and is as strict.
    let cmd = api::command("cascade").unwrap();
    let mut o = api::Options::new();
    o.insert("max-shock".into(), json!("x"));
    o.insert("shok".into(), json!(1));
    let e = api::run_command(cmd, &s, &o).unwrap_err();
    let lines: Vec<String> = e.0.iter().map(|f| f.to_string()).collect();
    assert!(lines.contains(&"max_shock: must be a finite number, not `x`".to_string()), "{lines:?}");
    assert!(lines.contains(&"shok: unknown option; did you mean `shock`?".to_string()), "{lines:?}");
    // The engine itself writes no flag: no `"--name"` literal in src/engine.
    let mut stack = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src/engine"))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    let flagged = line.match_indices("--").any(|(i, _)| {
                        line[i + 2..].starts_with(|c: char| c.is_ascii_lowercase()) && !line[..i].ends_with('-')
                    });
                    assert!(!flagged, "{}:{}: the engine names a CLI flag: {line}", path.display(), n + 1);
                }
            }
        }
    }
}

#[test]
fn help_for_an_unknown_command_exits_2_with_the_list() {
    let o = run(&["help", "bogus"], None);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with("unknown command `bogus`"), "{err}");
    for v in ["eval", "cascade", "probability"] {
        assert!(err.contains(v), "{err}");
    }
    let o = run(&["help", "evl"], None);
    assert!(stderr(&o).contains("did you mean eval?"), "{}", stderr(&o));
    assert_eq!(run(&["help", "cascade"], None).status.code(), Some(0));
}

#[test]
fn output_errors_fail_the_process() {
    // A full disk.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
    let o = Command::new(BIN)
        .args(["eval", "examples/okx.json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    assert_ne!(o.status.code(), Some(0), "writing to /dev/full must fail");
    assert!(stderr(&o).contains("cannot write the output"), "{}", stderr(&o));
    // A pipe whose reader has gone.
    let mut child = Command::new(BIN)
        .args(["stress", "examples/okx.json", "--points", "5001"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("finishes");
    assert_ne!(o.status.code(), Some(0), "writing to a closed pipe must fail");
    assert!(stderr(&o).contains("cannot write the output"), "{}", stderr(&o));
}

/// The DeFi protocols' examples through `eval` (routed to their own reports) and the lending,
/// auction and comparison commands, with the numbers the examples reproduce.
#[test]
fn protocol_examples_answer_through_eval_and_their_commands() {
    let aave = stdout_json(&run(&["eval", "examples/aave-v3.json"], None));
    // 10 WETH at 1,400 $ × 0.825 / 12,000 USDC = 0.9625.
    assert!((aave["health_factor"].as_f64().unwrap() - 0.9625).abs() < 1e-12);
    let liq = stdout_json(&run(&["liquidate", "examples/aave-v3.json", "--collateral", "WETH", "--debt", "USDC"], None));
    // HF 0.9625 > 0.95 and both reserves ≥ 2,000 $: 50 % of 12,000; 6,000 / 1,400 × 1.05 = 4.5 WETH.
    assert_eq!(liq["close_factor"], json!(0.5));
    assert!((liq["collateral_seized"].as_f64().unwrap() - 4.5).abs() < 1e-12);
    let morpho = stdout_json(&run(&["eval", "examples/morpho-blue.json"], None));
    assert!((morpho["liquidation_incentive_factor"].as_f64().unwrap() - 1.0 / 0.94).abs() < 1e-12);
    let gmx = stdout_json(&run(&["eval", "examples/gmx-v2.json"], None));
    assert!((gmx["positions"][0]["returned_collateral_now"].as_f64().unwrap() - 0.88).abs() < 1e-9);
    let maker = stdout_json(&run(&["eval", "examples/maker.json"], None));
    assert!((maker["bark"]["tab"].as_f64().unwrap() - 110.0).abs() < 1e-9);
    let auction = stdout_json(&run(&["auction", "examples/maker.json", "--at", "30", "--take", "10"], None));
    assert!((auction["status"]["price"].as_f64().unwrap() - 3.698501866941401).abs() < 1e-12);
    assert_eq!(auction["curves"].as_array().unwrap().len(), 3);
    assert_eq!(auction["path"]["cleared"], json!(true));
    // The exchange engine's own evaluate names the venue instead of failing on positions.
    let o = run(&["pnl", "examples/aave-v3.json", "--price", "1"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("venue: aave-v3 is a DeFi protocol"), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn protocol_helps_document_their_options_and_output_fields() {
    let fresh = json!({"venue":"aave-v3","lending":{"supplies":[{"asset":"WETH","amount":10,"price":2000,"ltv":0.8,
        "liquidation_threshold":0.825,"liquidation_bonus":0.05,"liquidation_protocol_fee":0.1}],
        "borrows":[{"asset":"USDC","amount":12000,"price":1}]}});
    let cases: [(&str, &str, &[&str]); 5] = [
        ("liquidate", "examples/aave-v3.json", &["--collateral", "WETH", "--debt", "USDC", "--amount", "5000"]),
        ("liquidate", "examples/morpho-blue.json", &[]),
        ("loop", "-", &["--leverage", "4", "--swap-cost", "0.001", "--collateral", "WETH", "--debt", "USDC"]),
        ("auction", "examples/maker.json", &["--at", "30", "--take", "10", "--max", "4"]),
        ("compare-lending", "-", &["--lltv", "0.86", "--mat", "1.45", "--chop", "1.13"]),
    ];
    for (cmd, file, opts) in cases {
        let text = help(cmd);
        for o in opts.iter().filter(|o| o.starts_with("--")) {
            assert!(text.contains(o), "`{cmd} --help` does not mention {o}");
        }
        let mut args = vec![cmd, file];
        args.extend_from_slice(opts);
        let input = fresh.to_string();
        let out = stdout_json(&run(&args, (file == "-").then_some(input.as_str())));
        let mut names = Vec::new();
        keys(&out, &mut names);
        for n in names {
            assert!(text.contains(&n), "`leverlab {cmd} --help` does not mention `{n}`");
        }
    }
    // eval --help lists every protocol report field and input field.
    let text = help("eval");
    let mut names = Vec::new();
    for f in ["aave-v3", "morpho-blue", "gmx-v2", "maker"] {
        keys(&example(f), &mut names);
        keys(&stdout_json(&run(&["eval", &format!("examples/{f}.json")], None)), &mut names);
    }
    keys(&json!({"emode": {}, "in_emode": true, "collateral": true, "borrowing_fee_usd": 0, "funding_fee_usd": 0,
        "price_impact_usd": 0, "liquidation_fee_factor": 0, "exponential": {}, "linear": {"tau": 1}}), &mut names);
    for n in names {
        assert!(text.contains(&n), "`leverlab eval --help` does not mention `{n}`");
    }
}

#[test]
fn protocol_bad_input_names_the_field() {
    let cases = [
        (json!({"venue":"aave-v3","lending":{"supplies":[{"asset":"WETH","amount":1,"price":1,"ltv":0.8,
            "liquidation_threshold":0.7,"liquidation_bonus":0.05}],"borrows":[]}}),
         "lending.supplies[0].liquidation_threshold: must be ≥ ltv and < 1"),
        (json!({"venue":"morpho-blue","lending":{"supplies":[{"asset":"WETH","amount":1,"price":1}],
            "borrows":[{"asset":"USDC","amount":1,"price":1}]}}), "lending.lltv: required"),
        (json!({"venue":"gmx-v2","positions":[{"symbol":"ETH/USD","size":1,"entry_price":1,"collateral_token":"USDC",
            "collateral_amount":1,"collateral_price":1,"leverage":5}]}), "positions[0].min_collateral_factor: required"),
        (json!({"venue":"maker","vault":{"ink":1,"art":1,"mat":0.5,"chop":1.1,"price":1}}), "vault.mat: must be"),
        (json!({"venue":"okx","positions":[{"symbol":"BTC","size":1,"entry_price":1,"leverage":2,"collateral_amount":3}]}),
         "positions[0].collateral_amount: only for venue gmx-v2"),
        (json!({"venue":"bybit","positions":[],"vault":{"ink":1,"art":1,"mat":1.5,"chop":1.1,"price":1}}),
         "vault: not used by bybit"),
    ];
    for (s, want) in cases {
        let o = run(&["eval", "-"], Some(&s.to_string()));
        assert_eq!(o.status.code(), Some(2), "{s}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{err} lacks {want}");
    }
    let o = run(&["liquidate", "examples/aave-v3.json", "--colateral", "WETH"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--colateral"));
}
