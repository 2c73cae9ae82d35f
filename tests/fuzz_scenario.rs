//! Fuzzing the public format: arbitrary JSON values and wild-but-well-shaped Scenarios are fed
//! to `parse_scenario`, `evaluate`, the calculator tools and every `api::COMMANDS` entry.
//! Nothing may panic, and every number in a returned Report or tool result must be finite
//! (non-finite outputs must be `null` with a reason instead).
//!
//! Finiteness is checked on the typed results' `Debug` text, because serde_json would quietly
//! turn a NaN into `null` and hide it.

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
