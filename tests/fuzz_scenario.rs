//! Fuzzing the public format: arbitrary JSON values and wild-but-well-shaped Scenarios are fed
//! to `parse_scenario`, `evaluate`, the calculator tools and every `api::COMMANDS` entry.
//! Nothing may panic, and every number in a returned Report or tool result must be finite
//! (non-finite outputs must be `null` with a reason instead).
//!
//! Finiteness is checked on the typed results' `Debug` text, because serde_json would quietly
//! turn a NaN into `null` and hide it.
//!
//! The strictness half (issue 10): mutated Scenarios (typos, wrong types, junk keys, anywhere
//! including `market`), arbitrary market CSV, arbitrary link hashes (the page's URL-state
//! codec, compiled here as the page compiles it) and random command lines of every command are
//! run through the CLI in-process, asserting no panic, exit 0 with bounded JSON free of
//! NaN/inf/`-0.0`, or exit 2 with one `path: message` line per problem naming the field or
//! option. Bounded: a few hundred cases each, well under a minute in a debug build.

mod engine {
    pub use leverlab::engine::*;
}
#[allow(dead_code)]
#[path = "../src/ui/codec.rs"]
pub mod codec;
#[allow(dead_code)]
#[path = "../src/ui/parse.rs"]
pub mod parse;
mod ui {
    pub use super::parse;
}

use leverlab::api::{self, Options};
use leverlab::engine::{evaluate, parse_scenario, tools};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{json, Map, Value};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(384),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/fuzz_scenario.txt"))),
        ..ProptestConfig::default()
    }
}

/// Fails on any `NaN`/`inf` token in a value's `Debug` text.
fn assert_finite<T: std::fmt::Debug>(what: &str, v: &T) {
    let text = format!("{v:?}");
    let bad = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_'))
        .find(|t| matches!(*t, "NaN" | "inf" | "-inf"));
    assert!(bad.is_none(), "{what} contains a non-finite number: {text}");
}

/// Numbers that break naive arithmetic, plus ordinary ones.
fn wild_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(0)),
        Just(json!(-0.0)),
        Just(json!(1)),
        Just(json!(-1)),
        Just(json!(1e-308)),
        Just(json!(5e-324)),
        Just(json!(1e308)),
        Just(json!(-1e308)),
        Just(json!(0.999_999_999)),
        Just(json!(1000)),
        Just(json!(u64::MAX)),
        (-1e6f64..1e6).prop_map(|x| json!(x)),
        (0.0f64..2.0).prop_map(|x| json!(x)),
        (1e-9f64..1e12).prop_map(|x| json!(x)),
    ]
}

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        wild_number(),
        "[a-z_\\-]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(("[a-z_]{1,14}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A value for a field: mostly in the sane range `lo..hi`, often a wild number, sometimes
/// anything.
fn field_in(lo: f64, hi: f64) -> impl Strategy<Value = Value> {
    prop_oneof![12 => (lo..hi).prop_map(|x| json!(x)), 2 => wild_number(), 1 => any_json()]
}

fn field() -> impl Strategy<Value = Value> {
    field_in(1e-3, 1e6)
}

fn rate() -> impl Strategy<Value = Value> {
    field_in(0.0, 0.3)
}

fn maybe(key: &'static str, v: impl Strategy<Value = Value>) -> impl Strategy<Value = Option<(String, Value)>> {
    proptest::option::weighted(0.35, v.prop_map(move |v| (key.to_string(), v)))
}

fn tier() -> impl Strategy<Value = Value> {
    (field(), rate(), field(), proptest::option::of(field_in(1.0, 200.0)))
        .prop_map(|(f, m, a, l)| json!({"floor": f, "mmr": m, "maint_amount": a, "max_leverage": l}))
}

fn position() -> impl Strategy<Value = Value> {
    let symbols = prop_oneof![
        Just("BTCUSDT"), Just("ETHUSDT"), Just("BTCUSD"), Just("BTC"), Just("ETH"), Just("XBTUSD"),
        Just("BTC-PERPETUAL"), Just("ETH-PERPETUAL"), Just("SOL"), Just(""),
    ];
    (
        symbols,
        prop_oneof![Just("linear"), Just("inverse")],
        prop_oneof![Just("long"), Just("short")],
        field(),
        field(),
        (maybe("mark_price", field()), maybe("leverage", field_in(1.0, 150.0)), maybe("margin", field())),
        (maybe("mmr", rate()), maybe("maint_amount", field()), maybe("max_leverage", field_in(1.0, 150.0)), maybe("taker_fee", field_in(0.0, 0.002))),
        maybe("tiers", proptest::collection::vec(tier(), 0..4).prop_map(Value::Array)),
    )
        .prop_map(|(sym, contract, side, size, entry, (a, b, c), (d, e, f, g), h)| {
            let mut o = Map::new();
            o.insert("symbol".into(), json!(sym));
            o.insert("contract".into(), json!(contract));
            o.insert("side".into(), json!(side));
            o.insert("size".into(), size);
            o.insert("entry_price".into(), entry);
            for (k, v) in [a, b, c, d, e, f, g, h].into_iter().flatten() {
                o.insert(k, v);
            }
            Value::Object(o)
        })
}

fn scenario() -> impl Strategy<Value = Value> {
    let venues = proptest::sample::select(vec![
        "binance-usdm", "binance-coinm", "bybit", "okx", "gate", "hyperliquid", "dydx", "bitmex", "deribit", "generic",
    ]);
    (
        venues,
        prop_oneof![Just("isolated"), Just("cross")],
        proptest::option::of(field()),
        proptest::collection::vec(position(), 0..4),
    )
        .prop_map(|(v, mode, wallet, ps)| {
            let mut o = json!({"venue": v, "margin_mode": mode, "positions": ps});
            if let Some(w) = wallet {
                o["wallet_balance"] = w;
            }
            o
        })
}

fn options() -> impl Strategy<Value = Options> {
    let keys = ["price", "roe", "pnl", "balance", "leverage", "add", "position", "shock", "sweep"];
    proptest::collection::vec((proptest::sample::select(keys.to_vec()), prop_oneof![4 => wild_number(), 1 => any_json()]), 0..5)
        .prop_map(|kv| kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Runs everything on one text; panics (the failure) only on a panic inside leverlab or a
/// non-finite number in a result.
fn exercise(text: &str, opts: &Options) {
    let Ok(s) = parse_scenario(text) else { return };
    if let Ok(r) = evaluate(&s) {
        assert_finite("Report", &r);
    }
    let num = |k: &str| opts.get(k).and_then(Value::as_f64);
    if let Ok(x) = tools::pnl_at(&s, num("price").unwrap_or(1.0), num("position")) {
        assert_finite("pnl", &x);
    }
    if let Ok(x) = tools::target_price(&s, num("roe"), num("pnl"), num("position")) {
        assert_finite("target", &x);
    }
    if let Ok(x) = tools::average_entry(&s) {
        assert_finite("average-entry", &x);
    }
    if let Ok(x) = tools::max_size(&s, num("balance"), num("leverage"), num("position")) {
        assert_finite("max-size", &x);
    }
    if let Ok(x) = tools::add_margin(&s, num("add"), num("position")) {
        assert_finite("margin", &x);
    }
    for c in api::COMMANDS {
        let _ = api::run_command(c, &s, opts);
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_json_never_panics(v in any_json(), opts in options()) {
        exercise(&v.to_string(), &opts);
    }

    #[test]
    fn wild_scenarios_give_finite_results(v in scenario(), opts in options()) {
        exercise(&v.to_string(), &opts);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = parse_scenario(&text);
    }
}

/// The fuzzer's shapes do reach the engine: a fixed well-formed case evaluates (guards against
/// a generator that only ever produces rejected input).
#[test]
fn the_generators_reach_evaluate() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = scenario();
    let mut evaluated = 0;
    for _ in 0..2000 {
        let v = strategy.new_tree(&mut runner).expect("value").current();
        if parse_scenario(&v.to_string()).ok().and_then(|s| evaluate(&s).ok()).is_some_and(|r| !r.positions.is_empty()) {
            evaluated += 1;
        }
    }
    assert!(evaluated >= 20, "only {evaluated} of 2000 generated scenarios reached a Report with positions");
}

// ---------------------------------------------------------------------------------------------
// Strictness: every bad input is exit 2 with a path; every good one is bounded, finite output.

/// The strictness fuzz: 192 cases per property from a fixed seed, so `make test` is
/// reproducible; `PROPTEST_RNG_SEED=N` (or `random`) explores other streams.
fn strict_config() -> ProptestConfig {
    let mut c = ProptestConfig { cases: 192, ..config() };
    if std::env::var("PROPTEST_RNG_SEED").is_err() {
        c.rng_seed = proptest::test_runner::RngSeed::Fixed(0x1e7e_4a5b);
    }
    c
}

fn base_doc() -> Value {
    json!({"venue": "binance-usdm", "margin_mode": "cross", "wallet_balance": 5000, "positions": [
        {"symbol": "BTCUSDT", "side": "long", "size": 0.5, "entry_price": 60000, "leverage": 10, "mark_price": 59000},
        {"symbol": "ETHUSDT", "side": "short", "size": 3, "entry_price": 3000, "leverage": 5, "taker_fee": 0.0005}],
      "market": {"volatility": {"BTCUSDT": 0.6, "ETHUSDT": 0.8}, "funding_rate_8h": 0.0001, "horizon_days": 7,
        "correlation": {"BTCUSDT/ETHUSDT": 0.7}, "price": 60000, "tail": {"student_t": 4},
        "generator": {"open_interest_long": 1e7, "open_interest_short": 8e6, "count": 300, "seed": 1, "entry_spread": 0.1},
        "depth": {"model": "linear", "notional_per_pct": 1e6}}})
}

/// Runs the CLI in-process; (exit status, stdout, stderr).
fn cli(args: &[String], stdin: &str) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = leverlab::cli::run_on(args, &mut stdin.as_bytes(), &mut out, &mut err, false);
    (code, String::from_utf8(out).expect("utf-8 stdout"), String::from_utf8(err).expect("utf-8 stderr"))
}

/// The output contract: 0 with bounded JSON free of NaN/inf/-0.0, or 2 with nothing on stdout
/// and one `path: message` line per problem (at most the error ceiling plus its closing note).
fn check_outcome(what: &str, code: i32, out: &str, err: &str) {
    match code {
        0 => {
            assert!(out.len() < 4 << 20, "{what}: output of {} bytes", out.len());
            let _: Value = serde_json::from_str(out).unwrap_or_else(|e| panic!("{what}: stdout is not JSON ({e}): {out}"));
            for bad in ["NaN", "inf", "-0.0,", "-0.0}", "-0.0]", ":-0,", ":-0}"] {
                assert!(!out.contains(bad), "{what}: `{bad}` in output: {out}");
            }
        }
        2 => {
            assert!(out.is_empty(), "{what}: stdout on error: {out}");
            let lines: Vec<&str> = err.lines().collect();
            assert!(!lines.is_empty() && lines.len() <= leverlab::engine::input::MAX_ERRORS + 1, "{what}: {err}");
            for l in lines {
                let path = l.split(": ").next().unwrap_or("");
                // A path has no spaces outside its brackets (`csv.line[3].size`); a sentence does.
                let mut depth = 0;
                let spaced = path.chars().any(|c| {
                    depth += match c {
                        '[' => 1,
                        ']' => -1,
                        _ => 0,
                    };
                    c == ' ' && depth == 0
                });
                assert!(l.contains(": ") && !path.is_empty() && !spaced, "{what}: a line without a path: {l:?}\n{err}");
            }
        }
        c => panic!("{what}: exit {c}, stderr {err}"),
    }
}

/// JSON pointers of the objects a mutation may hit, with their format paths.
const OBJECTS: [(&str, &str); 7] = [
    ("", ""),
    ("/positions/0", "positions[0]"),
    ("/positions/1", "positions[1]"),
    ("/market", "market"),
    ("/market/generator", "market.generator"),
    ("/market/depth", "market.depth"),
    ("/market/tail", "market.tail"),
];

#[derive(Debug, Clone)]
enum Mutation {
    /// Rename key `k` by an edit at `at`: drop, double or swap a letter.
    Typo(usize, usize, u8),
    /// Give key `k` a value of another type.
    WrongType(usize, Value),
    /// Add an unknown key.
    Junk(String, Value),
}

fn mutation() -> impl Strategy<Value = (usize, Mutation)> {
    let wrong = prop_oneof![Just(json!("x")), Just(json!([1])), Just(json!({"a": 1})), Just(json!(true))];
    (
        0..OBJECTS.len(),
        prop_oneof![
            (any::<usize>(), any::<usize>(), 0u8..3).prop_map(|(k, at, op)| Mutation::Typo(k, at, op)),
            (any::<usize>(), wrong).prop_map(|(k, v)| Mutation::WrongType(k, v)),
            ("zz[a-z_]{0,8}", any_json()).prop_map(|(k, v)| Mutation::Junk(k, v)),
        ],
    )
}

fn edit(word: &str, at: usize, op: u8) -> String {
    let mut c: Vec<char> = word.chars().collect();
    let i = at % c.len().max(1);
    match op {
        0 if c.len() > 1 => {
            c.remove(i);
        }
        1 => c.insert(i, c[i]),
        _ if i + 1 < c.len() && c[i] != c[i + 1] => c.swap(i, i + 1),
        _ => c.push('x'),
    }
    c.into_iter().collect()
}

proptest! {
    #![proptest_config(strict_config())]

    #[test]
    fn every_mutation_is_named_at_its_path((obj, m) in mutation()) {
        let mut doc = base_doc();
        let (pointer, path) = OBJECTS[obj];
        let at = |k: &str| if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
        let target = doc.pointer_mut(pointer).and_then(Value::as_object_mut).expect("object");
        let keys: Vec<String> = target.keys().cloned().collect();
        let want = match &m {
            Mutation::Typo(k, pos, op) => {
                let key = &keys[k % keys.len()];
                let typo = edit(key, *pos, *op);
                if typo == *key || keys.contains(&typo) || ["mmr", "seed", "size", "side", "y"].contains(&typo.as_str()) {
                    return Ok(());
                }
                let v = target.remove(key).expect("key");
                target.insert(typo.clone(), v);
                at(&typo)
            }
            Mutation::WrongType(k, v) => {
                let key = keys[k % keys.len()].clone();
                // A tag or variant name keeps its own message path; any other field is named.
                let same_type = std::mem::discriminant(&target[&key]) == std::mem::discriminant(v);
                if key == "model" || pointer == "/market/tail" || same_type {
                    return Ok(());
                }
                target.insert(key.clone(), v.clone());
                at(&key)
            }
            Mutation::Junk(k, v) => {
                if pointer == "/market/tail" {
                    return Ok(());
                }
                target.insert(k.clone(), v.clone());
                at(k)
            }
        };
        let (code, out, err) = cli(&["eval".to_string(), "-".to_string()], &doc.to_string());
        check_outcome(&format!("{m:?} at {path}"), code, &out, &err);
        prop_assert_eq!(code, 2, "{:?} at {} accepted", m, path);
        prop_assert!(err.lines().any(|l| l.starts_with(&format!("{want}:")) || l.starts_with(&format!("{want}.")) || l.starts_with(&format!("{want}["))),
            "{:?}: no line at `{}` in {}", m, want, err);
    }

    #[test]
    fn market_csv_gives_rows_or_line_named_errors(rows in proptest::collection::vec(
        proptest::collection::vec(prop_oneof![
            Just("long".to_string()), Just("short".to_string()), Just(String::new()), Just("x".to_string()),
            (-10.0f64..1e5).prop_map(|x| x.to_string()), "[a-z0-9\\.\"-]{0,6}"], 0..8), 0..12),
        header in proptest::sample::subsequence(vec!["side", "size", "entry_price", "leverage", "liquidation_price", "venue", "symbol", "levrage", "sizee"], 0..9)) {
        let mut text = header.join(",");
        for r in &rows {
            text.push('\n');
            text.push_str(&r.join(","));
        }
        match leverlab::engine::cascade::parse_positions_csv(&text) {
            Ok(ps) => prop_assert!(ps.len() <= rows.len()),
            Err(e) => {
                prop_assert!(!e.0.is_empty() && e.0.len() <= leverlab::engine::input::MAX_ERRORS + 1);
                for f in &e.0 {
                    prop_assert!(f.path.starts_with("csv"), "{f}");
                }
            }
        }
    }

    #[test]
    fn url_state_never_panics_and_round_trips(hash in "#?(s=)?[0-9]?\\.?[A-Za-z0-9_=+/-]{0,80}", mutated in mutation()) {
        let _ = codec::decode_hash(&hash);
        // A link the page wrote reads back to the same Scenario; a mutated one is refused with
        // the parser's message.
        let s = leverlab::engine::parse_scenario(&base_doc().to_string()).expect("base is valid");
        prop_assert_eq!(codec::decode_hash(&format!("#{}", codec::encode_hash(&s))).expect("reads"), Some(s));
        let (obj, _) = mutated;
        let mut doc = base_doc();
        doc.pointer_mut(OBJECTS[obj % 6].0).and_then(Value::as_object_mut).expect("object").insert("zzz".into(), json!(1));
        let link = format!("#s=1.{}", codec::b64url_encode(doc.to_string().as_bytes()));
        let e = codec::decode_hash(&link).expect_err("a link with an unknown field is refused");
        prop_assert!(e.contains("zzz: unknown field"), "{}", e);
    }

    #[test]
    fn every_command_line_is_checked(cmd in proptest::sample::select(api::COMMANDS.iter().map(|c| c.name).collect::<Vec<_>>()),
                                     items in proptest::collection::vec(option_item(), 0..4)) {
        let mut args = vec![cmd.to_string(), "-".to_string()];
        for it in items {
            args.extend(it);
        }
        if cmd == "probability" {
            args.extend(["--paths".to_string(), "40".to_string(), "--steps".to_string(), "30".to_string()]);
        }
        let (code, out, err) = cli(&args, &base_doc().to_string());
        check_outcome(&args.join(" "), code, &out, &err);
    }
}

/// One option as the command line writes it: a known option of some command (right or wrong
/// for this one) with a value of the right or a wrong type, a typo of one, or a stray switch.
fn option_item() -> impl Strategy<Value = Vec<String>> {
    let names: Vec<(&'static str, api::OptKind)> =
        api::COMMANDS.iter().flat_map(|c| c.options.iter().map(|o| (o.name, o.kind))).filter(|(n, _)| *n != "csv").collect();
    let value = |kind: api::OptKind| -> BoxedStrategy<Option<String>> {
        match kind {
            api::OptKind::Flag => prop_oneof![4 => Just(None), 1 => Just(Some("maybe".into()))].boxed(),
            api::OptKind::Whole => proptest::sample::select(vec!["0", "1", "2", "3", "9", "21", "-1", "1.5", "x"])
                .prop_map(|v| Some(v.to_string()))
                .boxed(),
            api::OptKind::Number => proptest::sample::select(vec!["-0.05", "0.1", "0.3", "0.5", "2", "-1", "1e9", "60000", "nan", "inf", "abc"])
                .prop_map(|v| Some(v.to_string()))
                .boxed(),
            api::OptKind::Text => proptest::sample::select(vec!["BTCUSDT", "ETHUSDT", "DOGE", "symbol,side\nlong"])
                .prop_map(|v| Some(v.to_string()))
                .boxed(),
        }
    };
    (proptest::sample::select(names), any::<usize>(), 0u8..6).prop_flat_map(move |((name, kind), at, op)| {
        let flag = if op == 5 { format!("--{}", edit(name, at, op % 3).replace('_', "-")) } else { format!("--{}", name.replace('_', "-")) };
        value(kind).prop_map(move |v| {
            let mut item = vec![flag.clone()];
            item.extend(v);
            item
        })
    })
}
