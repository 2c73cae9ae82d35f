//! Host tests of the page's pure text handling (the `ui` module itself is wasm32-only): number
//! parsing, display formats, the link / CSV codecs and the form ↔ Scenario translation. The
//! files are compiled here as they are, with `crate::engine` pointing at leverlab's engine.

mod engine {
    pub use leverlab::engine::*;
}

#[allow(dead_code)]
#[path = "../src/ui/codec.rs"]
pub mod codec;
#[allow(dead_code)]
#[path = "../src/ui/form.rs"]
pub mod form;
#[allow(dead_code)]
#[path = "../src/ui/format.rs"]
pub mod format;
#[allow(dead_code)]
#[path = "../src/ui/parse.rs"]
pub mod parse;

mod ui {
    #[allow(unused_imports)]
    pub use super::{codec, form, format, parse};
}

use leverlab::engine::{parse_scenario, MarginMode, Scenario};
use codec::{decode_hash, encode_hash, positions_from_csv, positions_to_csv};
use form::{FormState, PosField};

fn example() -> Scenario {
    parse_scenario(
        r#"{"venue":"bybit","margin_mode":"cross","wallet_balance":12500.5,"positions":[
            {"symbol":"BTCUSDT","side":"long","size":0.5,"entry_price":60000,"leverage":10,"mmr":0.005},
            {"symbol":"ETH \"quoted\", name","side":"short","size":4,"entry_price":3000.25,"mark_price":2990,"taker_fee":0.0006,
             "tiers":[{"floor":0,"mmr":0.004},{"floor":100000,"mmr":0.01,"maint_amount":600,"max_leverage":50}]}]}"#,
    )
    .expect("the example is valid")
}

#[test]
fn link_round_trips_and_refuses_damage() {
    let s = example();
    let h = encode_hash(&s);
    assert!(h.starts_with("s=1."), "versioned: {h}");
    assert_eq!(decode_hash(&format!("#{h}")).unwrap(), Some(s.clone()));
    assert_eq!(decode_hash("#other=1"), Ok(None));
    assert!(decode_hash("#s=2.abc").unwrap_err().contains("version 2"));
    assert!(decode_hash("#s=1.!!!").unwrap_err().contains("damaged"));
    assert!(decode_hash("#s=1.e30").unwrap_err().contains("could not be read"));
}

#[test]
fn form_round_trips_the_scenario() {
    let s = example();
    let f = FormState::from_scenario(&s);
    assert_eq!(f.positions[0].get(PosField::Mmr), "0.5", "rates are shown in percent");
    assert_eq!(f.to_scenario().unwrap(), s);
}

#[test]
fn form_errors_name_the_field_and_keep_isolated_wallet_text() {
    let mut f = FormState::from_scenario(&example());
    f.positions[1].set(PosField::EntryPrice, "3,000.5".into());
    f.positions[0].set(PosField::Leverage, "ten".into());
    f.positions[1].set(PosField::Size, "".into());
    let e = f.to_scenario().unwrap_err();
    assert!(e["positions[0].leverage"].contains("`ten`"));
    assert!(e["positions[1].size"].starts_with("required"));
    assert!(!e.contains_key("positions[1].entry_price"), "3,000.5 is a number");
    f.margin_mode = MarginMode::Isolated;
    f.wallet_balance = "not read in isolated mode".into();
    f.positions[0].set(PosField::Leverage, "10x".into());
    f.positions[1].set(PosField::Size, "4".into());
    f.positions[1].set(PosField::Leverage, "5".into());
    assert!(f.to_scenario().is_ok());
}

#[test]
fn csv_round_trips_positions_without_tiers() {
    let s = example();
    let csv = positions_to_csv(&s);
    assert!(csv.starts_with("symbol,side,contract,size,entry_price,mark_price,leverage,margin,mmr,maint_amount,max_leverage,taker_fee\n"));
    let back = positions_from_csv(&csv, &s).unwrap();
    let mut want = s.clone();
    want.positions[1].tiers = None; // the CSV has no tier tables
    assert_eq!(back, want);
}

#[test]
fn csv_problems_name_the_line_and_field() {
    let base = example();
    let e = positions_from_csv("symbol,size,entry_price\nA,1,100\nB,abc,100\n", &base).unwrap_err();
    assert_eq!(e.0[0].path, "positions[1].size");
    assert!(e.0[0].message.starts_with("CSV line 3:"), "{}", e.0[0].message);
    let e = positions_from_csv("symbol,size,price\n", &base).unwrap_err();
    assert!(e.0.iter().any(|f| f.message.contains("unknown CSV column `price`")));
}

#[test]
fn range_problems_show_while_another_field_does_not_parse() {
    let mut f = FormState::from_scenario(&example());
    f.positions[0].set(PosField::EntryPrice, "60,000.5.3".into());
    f.positions[0].set(PosField::Leverage, "0".into());
    let (lenient, errors) = f.to_scenario_lenient();
    assert!(errors.contains_key("positions[0].entry_price"));
    let engine = lenient.validate().unwrap_err();
    let paths: Vec<&str> = engine.0.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["positions[0].leverage"], "only the parsed field's own problem, not the placeholder's");
}

#[test]
fn a_link_with_problems_names_them_all_and_loads_what_reads() {
    let doc = serde_json::json!({"venue": "bybit", "positions": [
        {"symbol": "BTCUSDT", "size": 1, "entry_price": "60k", "levrage": 10, "leverage": 10},
        {"symbol": "ETHUSDT", "size": 2, "entry_price": 3000, "leverage": 5000}]});
    let link = format!("#s=1.{}", codec::b64url_encode(doc.to_string().as_bytes()));
    // The message lists every problem as the CLI prints it.
    let msg = decode_hash(&link).unwrap_err();
    for want in [
        "positions[0].levrage: unknown field; did you mean leverage?",
        "positions[0].entry_price: must be a number, not text",
        "positions[1].leverage: must be a number from 1 to 1000",
    ] {
        assert!(msg.contains(want), "missing `{want}` in {msg}");
    }
    // The page loads the repaired Scenario and shows each problem under its field.
    let (s, problems) = codec::decode_hash_repaired(&link).expect("repairable");
    assert_eq!(s.positions.len(), 2);
    assert_eq!(s.positions[1].leverage, Some(5000.0), "good and range-checked values are kept");
    let paths: Vec<&str> = problems.0.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["positions[0].levrage", "positions[0].entry_price", "positions[1].leverage"]);
    // A link that is not JSON cannot be repaired.
    assert!(codec::decode_hash_repaired("#s=1.bm90IGpzb24").is_none());
}

#[test]
fn a_positions_csv_with_a_misspelt_column_suggests_the_right_one() {
    let base = parse_scenario(r#"{"venue":"bybit","positions":[]}"#).unwrap();
    let e = positions_from_csv("symbol,size,entry_price,levrage\nBTCUSDT,1,100,10\n", &base).unwrap_err();
    assert!(e.0[0].message.starts_with("unknown CSV column `levrage`; did you mean leverage?"), "{e}");
}
