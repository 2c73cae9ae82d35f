//! Venue rules on combinations of fields: per-coin inverse wallets, a contract that must match
//! its symbol's shipped table, tier limits, per-position settlement, no `-0.0` in a Report, and
//! what the OKX table assumes.

use leverlab::engine::{evaluate, parse_scenario, InputErrors, Report, Settlement};

fn eval(json: &str) -> Report {
    let s = parse_scenario(json).unwrap_or_else(|e| panic!("scenario should parse: {e}\n{json}"));
    evaluate(&s).unwrap_or_else(|e| panic!("scenario should evaluate: {e}"))
}

/// The source text of position `i` (from the Report's `models` table).
fn source(r: &Report, i: usize) -> String {
    r.model_of(&r.positions[i]).map(|m| m.source.clone()).unwrap_or_default()
}

fn errors(json: &str) -> InputErrors {
    match parse_scenario(json) {
        Ok(s) => evaluate(&s).expect_err("the scenario should be refused"),
        Err(e) => e,
    }
}

#[track_caller]
fn has(e: &InputErrors, path: &str, words: &[&str]) {
    assert!(
        e.0.iter().any(|f| f.path == path && words.iter().all(|w| f.message.contains(w))),
        "expected an error at {path} mentioning {words:?}, got:\n{e}"
    );
}

// --- inverse collateral is per coin ----------------------------------------------------------

const TWO_COINS: &str = r#"{"venue":"bybit","margin_mode":"cross","wallet_balance":1,"positions":[
    {"symbol":"BTCUSD","size":10000,"entry_price":50000},
    {"symbol":"ETHUSD","size":10000,"entry_price":2500}]}"#;

#[test]
fn one_wallet_for_two_coins_is_an_error_that_says_what_to_give() {
    let e = errors(TWO_COINS);
    has(&e, "wallet_balance", &["BTC", "ETH", "wallet_balances", "per coin"]);
}

#[test]
fn per_coin_wallets_need_every_coin_and_no_other() {
    let missing = TWO_COINS.replace(r#""wallet_balance":1"#, r#""wallet_balances":{"BTC":1}"#);
    has(&errors(&missing), "wallet_balances.ETH", &["required", "positions[1]"]);
    let extra = TWO_COINS.replace(r#""wallet_balance":1"#, r#""wallet_balances":{"BTC":1,"ETH":1,"SOL":3}"#);
    has(&errors(&extra), "wallet_balances.SOL", &["no position settles in SOL"]);
    let negative = TWO_COINS.replace(r#""wallet_balance":1"#, r#""wallet_balances":{"BTC":1,"ETH":-1}"#);
    has(&errors(&negative), "wallet_balances.ETH", &["≥ 0"]);
    let both = TWO_COINS.replace(r#""wallet_balance":1"#, r#""wallet_balance":1,"wallet_balances":{"BTC":1,"ETH":1}"#);
    has(&errors(&both), "wallet_balance", &["not both"]);
}

#[test]
fn per_coin_wallets_mean_nothing_in_isolated_or_linear_accounts() {
    let iso = r#"{"venue":"bybit","wallet_balances":{"BTC":1},"positions":[
        {"symbol":"BTCUSD","size":10000,"entry_price":50000,"leverage":10}]}"#;
    has(&errors(iso), "wallet_balances", &["isolated"]);
    let linear = r#"{"venue":"binance-usdm","margin_mode":"cross","wallet_balances":{"USDT":1000},"positions":[
        {"symbol":"BTCUSDT","size":1,"entry_price":50000}]}"#;
    has(&errors(linear), "wallet_balances", &["inverse", "wallet_balance"]);
}

#[test]
fn a_loss_in_one_coin_does_not_move_another_coins_liquidation_price() {
    // The BTC position alone with its BTC wallet, then next to an ETH position losing in its
    // own wallet: the same BTC liquidation price, and XBT is the same coin as BTC.
    let alone = eval(
        r#"{"venue":"bitmex","margin_mode":"cross","wallet_balance":0.1,"positions":[
            {"symbol":"XBTUSD","size":10000,"entry_price":50000}]}"#,
    );
    let both = eval(
        r#"{"venue":"bitmex","margin_mode":"cross","wallet_balances":{"XBT":0.1,"ETH":1},"positions":[
            {"symbol":"XBTUSD","size":10000,"entry_price":50000},
            {"symbol":"ETHUSD","size":10000,"entry_price":2500,"mark_price":2000,"mmr":0.01}]}"#,
    );
    assert_eq!(alone.positions[0].liquidation_price, both.positions[0].liquidation_price);
    assert_eq!(both.positions[0].coin.as_deref(), Some("BTC"));
    assert_eq!(alone.account.liquidation_move_down, both.account.liquidation_move_down);
    assert_eq!(both.account.wallets.len(), 2);
}

// --- contract and table agree -----------------------------------------------------------------

#[test]
fn a_contract_that_does_not_match_the_symbols_table_is_named_with_the_symbol() {
    // Binance COIN-M's BTCUSD brackets are in BTC for the inverse contract [BN-COINM-LP]: a
    // linear BTCUSD was compared with a USD notional (tier 9, MMR 50 %).
    let e = errors(
        r#"{"venue":"binance-coinm","positions":[{"symbol":"BTCUSD","contract":"linear","size":1,"entry_price":60000,"leverage":10}]}"#,
    );
    has(&e, "positions[0].contract", &["linear", "positions[0].symbol", "BTCUSD", "inverse", "tiers"]);
    let e = errors(
        r#"{"venue":"binance-usdm","positions":[{"symbol":"BTCUSDT","contract":"inverse","size":60000,"entry_price":60000,"leverage":10}]}"#,
    );
    has(&e, "positions[0].contract", &["inverse", "positions[0].symbol", "BTCUSDT", "linear"]);
}

#[test]
fn own_tiers_price_the_other_contract_and_the_report_says_so() {
    let r = eval(
        r#"{"venue":"binance-coinm","positions":[{"symbol":"BTCUSD","contract":"linear","size":1,"entry_price":60000,
            "leverage":10,"tiers":[{"floor":0,"mmr":0.004}]}]}"#,
    );
    let p = &r.positions[0];
    assert_eq!(p.mmr, 0.004);
    let src = source(&r, 0);
    assert!(src.contains("user tiers") && src.contains("not used"), "{src}");
    // 10x linear long, MMR 0.4 %: LP = EP × (1 − 1/10) / (1 − 0.004) = 54,216.87 — below entry.
    let lp = p.liquidation_price.unwrap();
    assert!((lp - 54_000.0 / 0.996).abs() < 1e-6, "{lp}");
    assert!(!p.liquidatable_now);
}

#[test]
fn without_a_contract_a_symbol_takes_its_tables_contract() {
    // bybit BTCUSD is Bybit's inverse contract.
    let r = eval(r#"{"venue":"bybit","positions":[{"symbol":"BTCUSD","size":60000,"entry_price":50000,"leverage":10}]}"#);
    assert_eq!(r.positions[0].settlement, Settlement::Coin);
}

// --- tier limits ------------------------------------------------------------------------------

#[test]
fn a_tier_max_leverage_below_1_is_an_input_error() {
    for bad in ["0", "-5", "0.5", "1e9"] {
        let json = format!(
            r#"{{"venue":"binance-usdm","margin_mode":"cross","wallet_balance":1000,"positions":[{{"symbol":"BTCUSDT",
                "size":0.1,"entry_price":60000,"tiers":[{{"floor":0,"mmr":0.004,"max_leverage":{bad}}}]}}]}}"#
        );
        has(&errors(&json), "positions[0].tiers[0].max_leverage", &["from 1 to 1000"]);
    }
    // A valid one gives a finite, positive initial margin: 6,000 / 20 = 300.
    let r = eval(
        r#"{"venue":"binance-usdm","margin_mode":"cross","wallet_balance":1000,"positions":[{"symbol":"BTCUSDT",
            "size":0.1,"entry_price":60000,"tiers":[{"floor":0,"mmr":0.004,"max_leverage":20}]}]}"#,
    );
    assert_eq!(r.positions[0].initial_margin, 300.0);
    assert_eq!(r.account.free_collateral, 700.0);
}

// --- settlement per position, no -0.0 -----------------------------------------------------------

#[test]
fn each_position_is_labelled_with_its_own_settlement() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/bybit.json")).unwrap();
    let r = eval(&text);
    assert_eq!((r.positions[0].settlement, r.positions[0].coin.as_deref()), (Settlement::Quote, None));
    assert_eq!((r.positions[1].settlement, r.positions[1].coin.as_deref()), (Settlement::Coin, Some("BTC")));
}

fn no_negative_zero(r: &Report) {
    let text = serde_json::to_string(r).unwrap();
    assert!(!text.contains("-0.0") && !text.contains("-0,") && !text.contains("-0}"), "{text}");
}

#[test]
fn no_negative_zero_in_a_report() {
    // A short at its entry: PnL = −1 × Q × (EP − EP) = −0.0 before normalising.
    let r = eval(r#"{"venue":"binance-usdm","positions":[{"symbol":"BTCUSDT","side":"short","size":1,"entry_price":60000,"leverage":10}]}"#);
    assert!(r.positions[0].unrealized_pnl.is_sign_positive());
    no_negative_zero(&r);
    // Empty accounts: sums over no positions.
    for json in [r#"{"venue":"bybit","positions":[]}"#, r#"{"venue":"bybit","margin_mode":"cross","wallet_balance":0,"positions":[]}"#] {
        let r = eval(json);
        assert!(r.account.unrealized_pnl.is_sign_positive() && r.account.total_maintenance_margin.is_sign_positive());
        no_negative_zero(&r);
    }
    // An inverse short at entry, in cross.
    no_negative_zero(&eval(
        r#"{"venue":"binance-coinm","margin_mode":"cross","wallet_balance":1,"positions":[{"symbol":"BTCUSD","side":"short","size":100,"entry_price":60000}]}"#,
    ));
}

// --- OKX tiers are counted in contracts -------------------------------------------------------

#[test]
fn okx_reports_state_what_the_tier_table_assumes() {
    let r = eval(r#"{"venue":"okx","positions":[{"symbol":"BTC-USDT-SWAP","size":1,"entry_price":50000,"leverage":10}]}"#);
    let src = source(&r, 0);
    assert!(src.contains("contracts") && src.contains("underlying") && src.contains("tier 1"), "{src}");
    // 250 BTC = 25,000 contracts of 0.01 BTC: beyond tier 1 (20,000), and the report says so.
    let r = eval(r#"{"venue":"okx","positions":[{"symbol":"BTC-USDT-SWAP","size":250,"entry_price":50000,"leverage":10}]}"#);
    assert!(source(&r, 0).contains("beyond tier 1") && source(&r, 0).contains("understates"));
    // In cross, two positions on the same underlying are counted together: 150 + 100 BTC.
    let r = eval(
        r#"{"venue":"okx","margin_mode":"cross","wallet_balance":1000000,"positions":[
            {"symbol":"BTC-USDT-SWAP","size":150,"entry_price":50000},
            {"symbol":"BTC-USDT-SWAP","side":"short","size":100,"entry_price":50000}]}"#,
    );
    assert!(source(&r, 0).contains("beyond tier 1"), "{}", source(&r, 0));
    // 150 BTC alone stays inside tier 1.
    let r = eval(r#"{"venue":"okx","positions":[{"symbol":"BTC-USDT-SWAP","size":150,"entry_price":50000,"leverage":10}]}"#);
    assert!(!source(&r, 0).contains("beyond tier 1"));
}
