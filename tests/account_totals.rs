//! Account totals never add amounts in different assets together.

use leverlab::engine::{evaluate, parse_scenario, Settlement};

#[test]
fn isolated_totals_leave_out_positions_settled_in_the_other_asset() {
    // Linear: 1 BTC at 100 with 10x → margin 1 × 100 / 10 = 10 quote.
    // Inverse: $1,000 at 100 with 10x → margin 1,000 / 100 / 10 = 1 coin.
    // Adding them (11) would mix quote and coin; the totals keep the quote side only.
    let s = parse_scenario(
        r#"{"venue": "generic", "margin_mode": "isolated", "positions": [
            {"symbol": "BTCUSDT", "contract": "linear", "size": 1, "entry_price": 100, "leverage": 10},
            {"symbol": "BTCUSD", "contract": "inverse", "size": 1000, "entry_price": 100, "leverage": 10}]}"#,
    )
    .unwrap();
    let r = evaluate(&s).unwrap();
    assert_eq!(r.account.settlement, Settlement::Quote);
    assert!((r.account.wallet_balance - 10.0).abs() < 1e-12, "wallet {}", r.account.wallet_balance);
    assert!((r.account.total_initial_margin - 10.0).abs() < 1e-12);
    assert!((r.positions[1].initial_margin - 1.0).abs() < 1e-12, "the inverse position keeps its own coin margin");
    let note = r.account.note.expect("the account says what it left out");
    assert!(note.contains("positions[1]") && !note.contains("positions[0]"), "{note}");
}

#[test]
fn one_asset_accounts_have_no_note() {
    let s = parse_scenario(
        r#"{"venue": "binance-coinm", "positions": [
            {"symbol": "BTCUSD", "size": 1000, "entry_price": 100, "leverage": 10},
            {"symbol": "BTCUSD", "side": "short", "size": 500, "entry_price": 100, "leverage": 5}]}"#,
    )
    .unwrap();
    let r = evaluate(&s).unwrap();
    assert_eq!(r.account.settlement, Settlement::Coin);
    // 1,000/100/10 + 500/100/5 = 1 + 1 = 2 coin.
    assert!((r.account.wallet_balance - 2.0).abs() < 1e-12);
    assert!(r.account.note.is_none());
}
