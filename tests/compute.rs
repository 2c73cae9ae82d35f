//! The one compute entry: every command of the CLI answers exactly what the compute entry
//! answers for that analysis (defaults applied and listed), the applied settings carried in the
//! Scenario's `analyses` section reproduce the numbers at every door, settings errors name the
//! setting, and the engine's messages never spell a CLI flag.

use leverlab::engine::compute::{self, parse_request, Analysis, Job, Request, Step};
use leverlab::engine::{parse_scenario, Scenario};
use serde_json::{json, Value};

fn cli(args: &[&str], stdin: &str) -> (i32, Value, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = leverlab::cli::run(&args, &mut stdin.as_bytes(), &mut out, &mut err);
    let out = String::from_utf8(out).unwrap();
    let v = if code == 0 { serde_json::from_str(&out).unwrap() } else { Value::Null };
    (code, v, String::from_utf8(err).unwrap())
}

/// The CLI's options for `settings` (`{"max_shock": 0.2, "sweep": true}` → `--max-shock 0.2
/// --sweep`).
fn flags(settings: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in settings.as_object().unwrap() {
        let flag = format!("--{}", k.replace('_', "-"));
        match v {
            Value::Bool(true) => out.push(flag),
            Value::Bool(false) => {}
            Value::String(s) => {
                out.push(flag);
                out.push(s.clone());
            }
            other => {
                out.push(flag);
                out.push(other.to_string());
            }
        }
    }
    out
}

/// The compute entry's answer for one analysis, as a command prints it: the result with the
/// assumptions under `assumptions`; or the problems.
fn entry_output(scenario: &Value, name: &str, settings: &Value) -> (Result<Value, Vec<String>>, Value) {
    let req = json!({ "scenario": scenario, "analyses": [{ name: settings }] });
    let r = compute::compute(parse_request(&req.to_string()).unwrap()).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    let e = &v["analyses"][0];
    let applied = e["settings"][name].clone();
    if let Some(errors) = e.get("errors") {
        let lines = errors.as_array().unwrap().iter().map(|f| format!("{}: {}", f["path"].as_str().unwrap(), f["message"].as_str().unwrap())).collect();
        return (Err(lines), applied);
    }
    let mut out = e["result"][name].clone();
    if let (Some(m), Some(a)) = (out.as_object_mut(), e.get("assumptions")) {
        m.insert("assumptions".into(), a.clone());
    }
    (Ok(out), applied)
}

fn without_assumptions(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("assumptions");
    }
    v
}

/// The analyses checked for a Scenario, with settings in the CLI's reach.
fn analyses_for(s: &Scenario) -> Vec<(&'static str, Value)> {
    if s.venue.is_protocol() {
        return vec![
            ("liquidate", json!({})),
            ("loop", json!({"leverage": 2})),
            ("auction", json!({"at": 30})),
            ("compare-lending", json!({"lltv": 0.86, "mat": 1.5, "chop": 1.13})),
        ];
    }
    let price = s.positions.first().map_or(100.0, |p| p.mark_price.unwrap_or(p.entry_price) * 1.02);
    vec![
        ("stress", json!({"range": 0.3, "points": 21})),
        ("stress", json!({})),
        ("grid", json!({})),
        ("probability", json!({"curves": true})),
        ("probability", json!({"paths": 300, "steps": 20, "seed": 3})),
        ("band", json!({"horizon": 3})),
        ("carry", json!({"points": 5})),
        ("recommend", json!({})),
        ("greeks", json!({})),
        ("map", json!({"bins": 30})),
        ("cascade", json!({"shock": -0.05, "sweep": true, "steps": 20})),
        ("pnl", json!({"price": price})),
        ("target", json!({"roe": 0.5})),
        ("average-entry", json!({})),
        ("max-size", json!({"balance": 1000, "leverage": 5})),
        ("margin", json!({"add": 10})),
    ]
}

/// Checks one Scenario: each analysis at the CLI (options) = the compute entry; the applied
/// settings written into the Scenario's section reproduce it with no options, at the CLI and
/// through `leverlab compute`.
fn same_answer_everywhere(text: &str, what: &str, only: Option<&[&str]>, carry: bool) {
    let s = parse_scenario(text).unwrap();
    let scenario: Value = serde_json::from_str(text).unwrap();
    for (name, settings) in analyses_for(&s) {
        if only.is_some_and(|o| !o.contains(&name)) {
            continue;
        }
        let (want, applied) = entry_output(&scenario, name, &settings);
        let mut args = vec![name.to_string(), "-".to_string()];
        args.extend(flags(&settings));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, got, err) = cli(&args, text);
        match &want {
            Ok(want) => {
                assert_eq!(code, 0, "{what} {name}: {err}");
                assert_eq!(&got, want, "{what} {name} {settings}: the CLI's output is the compute entry's");
            }
            Err(lines) => {
                assert_eq!(code, 2, "{what} {name}: the compute entry refused ({lines:?}), the CLI must too");
                assert_eq!(err.lines().count(), lines.len(), "{what} {name}: {err} vs {lines:?}");
                continue;
            }
        }
        if !carry {
            continue;
        }
        // Carried: the applied settings in the Scenario's `analyses` section, no options.
        let mut carried = scenario.clone();
        carried["analyses"] = json!({ name: applied });
        let carried_text = carried.to_string();
        let (code, again, err) = cli(&[name, "-"], &carried_text);
        assert_eq!(code, 0, "{what} {name} carried: {err}");
        assert_eq!(without_assumptions(&again), without_assumptions(want.as_ref().unwrap()), "{what} {name}: the carried settings give the same numbers");
        if let Some(a) = again.get("assumptions") {
            for x in a.as_array().unwrap() {
                let p = x["path"].as_str().unwrap();
                assert!(p.starts_with("market."), "{what} {name}: with every setting carried only market defaults remain, not {p}");
            }
        }
        let (code, whole, err) = cli(&["compute", "-"], &carried_text);
        assert_eq!(code, 0, "{what} compute: {err}");
        assert_eq!(&without_assumptions(&whole["analyses"][0]["result"][name]), &without_assumptions(want.as_ref().unwrap()), "{what} {name} via compute");
    }
}

#[test]
fn every_example_gives_the_same_answer_at_the_cli_and_the_compute_entry() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            same_answer_everywhere(&text, &path.display().to_string(), None, true);
            n += 1;
        }
    }
    assert!(n >= 16, "the examples were found ({n})");
}

/// A small deterministic generator (SplitMix64) of exchange Scenarios.
struct Gen(u64);
impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn generated(g: &mut Gen) -> String {
    let venue = g.pick(&["binance-usdm", "bybit", "bybit-classic", "okx", "gate", "hyperliquid", "dydx", "generic"]);
    let cross = g.unit() < 0.4;
    let n = 1 + (g.next() % 3) as usize;
    let positions: Vec<Value> = (0..n)
        .map(|_| {
            let sym = g.pick(&["BTCUSDT", "ETHUSDT", "SOLUSDT"]);
            let base = match sym {
                "BTCUSDT" => 60_000.0,
                "ETHUSDT" => 3_000.0,
                _ => 150.0,
            };
            let entry = (base * (0.9 + 0.2 * g.unit()) * 100.0).round() / 100.0;
            let mark = (entry * (0.95 + 0.1 * g.unit()) * 100.0).round() / 100.0;
            let mut p = json!({
                "symbol": sym, "contract": "linear",
                "side": g.pick(&["long", "short"]),
                "size": ((0.01 + 2.0 * g.unit()) * 1000.0).round() / 1000.0,
                "entry_price": entry, "mark_price": mark,
            });
            if !cross {
                p["leverage"] = json!(1 + g.next() % 50);
            }
            p
        })
        .collect();
    let mut s = json!({ "venue": venue, "margin_mode": if cross { "cross" } else { "isolated" }, "positions": positions });
    if cross {
        s["wallet_balance"] = json!((2_000.0 + 50_000.0 * g.unit()).round());
    }
    if g.unit() < 0.5 {
        s["market"] = json!({ "volatility": { "BTCUSDT": 0.5 }, "horizon_days": 1 + g.next() % 30, "funding_rate_8h": 0.0001 });
    }
    s.to_string()
}

#[test]
fn generated_scenarios_give_the_same_answer_at_the_cli_and_the_compute_entry() {
    let mut g = Gen(0x1e7e_11ab);
    let cheap = ["stress", "grid", "band", "carry", "recommend", "greeks", "pnl", "target", "max-size", "margin", "average-entry"];
    for i in 0..250 {
        let text = generated(&mut g);
        // Every analysis (map and cascade build a 20,000-position default market) and the
        // carried settings on every 25th; the cheap analyses on all.
        if i % 25 == 0 {
            same_answer_everywhere(&text, &format!("generated #{i} {text}"), None, true);
        } else {
            same_answer_everywhere(&text, &format!("generated #{i} {text}"), Some(&cheap), i % 5 == 0);
        }
    }
}

#[test]
fn defaults_are_applied_once_and_listed_with_their_source() {
    let req = json!({
        "scenario": {"venue": "bybit", "positions": [
            {"symbol": "BTCUSDT", "side": "long", "size": 1, "entry_price": 60000, "leverage": 10},
            {"symbol": "DOGEUSDT", "side": "short", "size": 1000, "entry_price": 0.2, "leverage": 5}]},
        "analyses": [{"probability": {}}, {"recommend": {}}, {"cascade": {"shock": -0.05}}]
    });
    let r = compute::compute(parse_request(&req.to_string()).unwrap()).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    let all = v["assumptions"].as_array().unwrap();
    let at = |p: &str| all.iter().filter(|a| a["path"] == p).collect::<Vec<_>>();
    // The page's former defaults, now the engine's: BTC 60 %, anything else 90 %/yr, 7 days.
    assert_eq!(at("market.volatility.BTCUSDT").len(), 1, "listed once for two analyses: {all:?}");
    assert_eq!(at("market.volatility.BTCUSDT")[0]["value"], 0.6);
    assert_eq!(at("market.volatility.DOGEUSDT")[0]["value"], 0.9);
    assert_eq!(at("probability.horizon")[0]["value"], 7.0);
    assert_eq!(at("market.depth")[0]["value"]["notional_per_pct"], 5e7);
    assert_eq!(at("market.generator")[0]["value"]["count"], 20_000);
    for a in all {
        assert!(!a["source"].as_str().unwrap().is_empty(), "every assumption says why: {a}");
    }
    // The Report is the eval Report.
    let report = leverlab::engine::evaluate(&r_scenario(&req)).unwrap();
    assert_eq!(v["report"], serde_json::to_value(&report).unwrap());
}

fn r_scenario(req: &Value) -> Scenario {
    parse_scenario(&req["scenario"].to_string()).unwrap()
}

#[test]
fn settings_errors_name_the_setting_path() {
    let okx = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/okx.json")).unwrap();
    let s: Value = serde_json::from_str(&okx).unwrap();
    // Reading: unknown analysis, unknown setting (did you mean), wrong type; all at once.
    let req = json!({"scenario": s, "analyses": [{"strss": {}}, {"stress": {"rnage": 0.3}}, {"cascade": {"shock": "x"}}]});
    let e = parse_request(&req.to_string()).unwrap_err();
    let lines: Vec<String> = e.0.iter().map(|f| f.to_string()).collect();
    assert!(lines.iter().any(|l| l.starts_with("analyses[0]") && l.contains("did you mean stress")), "{lines:?}");
    assert!(lines.contains(&"analyses[1].stress.rnage: unknown field; did you mean range?".to_string()), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("analyses[2].cascade.shock: ")), "{lines:?}");
    // Running: a value out of range names `stress.range` in the entry, `range` in JS, `--range` at the CLI.
    let req = json!({"scenario": s, "analyses": [{"stress": {"range": 1.5}}, {"greeks": {}}]});
    let r = compute::compute(parse_request(&req.to_string()).unwrap()).unwrap();
    assert_eq!(r.analyses[0].errors[0].path, "stress.range");
    assert!(r.analyses[1].result.is_some(), "the other analyses still answer");
    let cmd = leverlab::api::command("stress").unwrap();
    let mut o = leverlab::api::Options::new();
    o.insert("range".into(), json!(1.5));
    let sc = parse_scenario(&okx).unwrap();
    assert_eq!(leverlab::api::run_command(cmd, &sc, &o).unwrap_err().0[0].path, "range");
    let (code, _, err) = cli(&["stress", "-", "--range", "1.5"], &okx);
    assert_eq!(code, 2);
    assert!(err.starts_with("--range: "), "{err}");
    // The Scenario's section is read strictly too.
    let mut bad = s.clone();
    bad["analyses"] = json!({"stress": {"pionts": 3}});
    let e = parse_scenario(&bad.to_string()).unwrap_err();
    assert_eq!(e.0[0].to_string(), "analyses.stress.pionts: unknown field; did you mean points?");
}

/// Bad values for every setting of every analysis: the messages the engine writes name
/// settings, never a CLI flag (`--range`).
#[test]
fn engine_messages_never_spell_a_cli_flag() {
    // A small market book of its own, so map and cascade do not generate the default one.
    let mut exchange: Value =
        serde_json::from_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/binance-usdm.json")).unwrap()).unwrap();
    exchange["market"] = json!({"positions": [{"side": "long", "size": 10, "entry_price": 1500, "leverage": 10}],
                                "depth": {"model": "linear", "notional_per_pct": 1e5}});
    // A small Monte Carlo unless the setting under test says otherwise.
    exchange["analyses"] = json!({"probability": {"paths": 10, "steps": 10}});
    let exchange = exchange.to_string();
    let aave = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/aave-v3.json")).unwrap();
    let maker = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/maker.json")).unwrap();
    let bad_values = [json!(-1e300), json!(1e300), json!(0), json!(-1), json!(0.5), json!(2)];
    let mut messages = Vec::new();
    for name in compute::settings::NAMES {
        let a = Analysis::named(name).unwrap();
        for field in a.fields() {
            let mut tried: Vec<Value> = Vec::new();
            for v in &bad_values {
                let v = match field.shape {
                    leverlab::engine::input::Shape::Whole => json!(v.as_f64().unwrap().abs().min(1e15) as u64),
                    leverlab::engine::input::Shape::Bool => json!(true),
                    leverlab::engine::input::Shape::Text => json!("NOPE"),
                    _ => v.clone(),
                };
                if tried.contains(&v) {
                    continue;
                }
                tried.push(v.clone());
                let protocol = compute::run::PROTOCOL_ANALYSES.contains(name);
                let scenarios: Vec<&String> = if protocol { vec![&aave, &maker] } else { vec![&exchange] };
                for scenario in scenarios {
                    let req = format!(r#"{{"scenario": {scenario}, "analyses": [{{"{name}": {{"{}": {v}}}}}]}}"#, field.name);
                    match parse_request(&req) {
                        Err(e) => messages.extend(e.0),
                        Ok(r) => {
                            let r = compute::compute(r).unwrap();
                            messages.extend(r.analyses.into_iter().flat_map(|e| e.errors));
                        }
                    }
                }
            }
        }
    }
    assert!(messages.len() > 100, "bad settings were refused ({} messages)", messages.len());
    for m in &messages {
        let text = m.to_string();
        let flagged = text.match_indices("--").any(|(i, _)| text[i + 2..].starts_with(|c: char| c.is_ascii_lowercase()));
        assert!(!flagged, "the engine names a CLI flag: {text}");
    }
}

#[test]
fn a_job_runs_in_slices_with_progress_and_gives_the_one_call_result() {
    let req = json!({
        "scenario": {"venue": "hyperliquid", "positions": [{"symbol": "BTC", "size": 1, "entry_price": 100000, "leverage": 10}],
                     "market": {"volatility": {"BTC": 0.6}}},
        "analyses": [{"greeks": {}}, {"probability": {"paths": 3000, "steps": 50, "seed": 9}}, {"stress": {}}]
    });
    let whole = serde_json::to_value(compute::compute(parse_request(&req.to_string()).unwrap()).unwrap()).unwrap();
    let mut job = Job::new(parse_request(&req.to_string()).unwrap()).unwrap();
    let mut seen = Vec::new();
    let result = loop {
        match job.step(10_000) {
            Step::Progress(p) => seen.push(p),
            Step::Done(r) => break r,
        }
    };
    // 3,000 paths at 200 paths (10,000 path-steps ÷ 50 steps) per slice.
    let mc: Vec<_> = seen.iter().filter(|p| p.name == Some("probability") && p.total == 3000).collect();
    assert!(mc.len() >= 15, "the Monte Carlo ran in slices: {}", mc.len());
    assert!(mc.windows(2).all(|w| w[0].done <= w[1].done), "progress only grows");
    assert_eq!(mc.last().unwrap().done, 3000);
    assert_eq!(serde_json::to_value(&result).unwrap(), whole, "slices give the one-call result");
    // Cancelling is dropping the job: nothing runs after the last step.
    let mut job = Job::new(Request::new(r_scenario(&req), vec![Analysis::named("greeks").unwrap()])).unwrap();
    assert!(matches!(job.step(1), Step::Done(_)));
}
