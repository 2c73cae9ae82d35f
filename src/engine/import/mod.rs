//! Importing a venue's own "my positions / my account" API responses into a [`Scenario`].
//!
//! Pure parsing: text in, a Scenario plus recognition notes out; no network, no clock. The
//! venue and endpoint are recognised from each response's shape (or the caller names the
//! venue). Field mapping and unit traps follow leverlab's venue API notes
//! (`venue-api-formats.md`): contracts are converted to the engine's units (base coin for
//! linear, USD for inverse), sentinels become `null`, margins that include unrealised PnL are
//! taken from the field that does not, flat and hedge-mode rows are handled, and the venue's
//! own liquidation price is kept as `venue_liquidation_price`, never corrected.
//!
//! Account, balance and instrument responses given beside the positions supply what a
//! position response lacks: the cross wallet balance, contract sizes, a mark price. What is
//! still missing is assumed and said in [`Imported::assumptions`].
//!
//! Identifiers (user, account and position ids, addresses, API keys) are never copied.

mod binance;
mod bybit;
mod dexes;
mod explain;
pub mod json;
mod node;
mod okx_gate;
mod others;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

pub use explain::{explain_difference, Cause, AGREES};
use node::At;

use crate::engine::scenario::{Contract, FieldError, InputErrors, MarginMode, Position, Scenario, Side, Venue, FORMAT_VERSION};

/// What one response was recognised as.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Recognised {
    /// Index of the input text (0-based), as in the `responses[i]` error paths.
    pub input: usize,
    /// leverlab's venue name (`binance-usdm`), or `aave-v3`.
    pub venue: String,
    /// The venue endpoint, e.g. `GET /fapi/v2/positionRisk`.
    pub endpoint: String,
    /// Open positions read from it (flat rows excluded).
    pub positions: usize,
    /// Flat rows (size 0) skipped.
    pub flat_rows: usize,
}

/// The result of an import: the Scenario and what was recognised, assumed and left out.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Imported {
    pub scenario: Scenario,
    pub recognised: Vec<Recognised>,
    /// Every assumption made where a response lacked something (a contract size, a balance,
    /// a mark price), naming the response to add.
    pub assumptions: Vec<String>,
    /// Other remarks: positions left out (another margin mode or settlement asset), what is
    /// recognised but not evaluated.
    pub notes: Vec<String>,
    /// True when the Scenario is cross and no balance response gave its wallet balance.
    pub missing_balance: bool,
}

/// The response kinds leverlab reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    BinanceUmPositions { v3: bool },
    BinanceUmAccount,
    BinanceCmPositions,
    BinanceCmAccount,
    BybitPositions,
    BybitWallet,
    OkxPositions,
    OkxBalance,
    OkxInstruments,
    GatePositions,
    GateAccounts,
    GateContracts,
    Hyperliquid,
    DydxSubaccount,
    DydxMarkets,
    DeribitPositions,
    DeribitAccount,
    BitmexPositions,
    AaveAccount,
    AaveReserves,
}

/// Every response recognised, for the import help and the page.
pub const RESPONSES: &[(&str, &str)] = &[
    ("binance-usdm", "GET /fapi/v2/positionRisk and /fapi/v3/positionRisk (positions); GET /fapi/v2/account and /fapi/v3/account (cross wallet balance)"),
    ("binance-coinm", "GET /dapi/v1/positionRisk (positions, contracts of 100 USD for BTC, 10 USD others); GET /dapi/v1/account (cross wallet balance in coin)"),
    ("bybit", "GET /v5/position/list (linear and inverse; also the older shape with entryPrice); GET /v5/account/wallet-balance"),
    ("okx", "GET /api/v5/account/positions; GET /api/v5/account/balance; GET /api/v5/public/instruments (ctVal contract sizes)"),
    ("gate", "GET /futures/{settle}/positions; GET /futures/{settle}/accounts; GET /futures/{settle}/contracts (quanto_multiplier)"),
    ("hyperliquid", "POST /info {\"type\": \"clearinghouseState\"}"),
    ("dydx", "indexer GET /v4/addresses/{address}/subaccountNumber/{n} (or /v4/perpetualPositions); GET /v4/perpetualMarkets (oracle prices, margin fractions)"),
    ("deribit", "private/get_positions; private/get_account_summary"),
    ("bitmex", "GET /api/v1/position"),
    ("aave-v3", "Pool.getUserAccountData (account totals into the lending section: one collateral and one debt line); UiPoolDataProvider reserves data (recognised, not mapped per asset)"),
];

impl Kind {
    pub(crate) fn venue(self) -> &'static str {
        use Kind::*;
        match self {
            BinanceUmPositions { .. } | BinanceUmAccount => "binance-usdm",
            BinanceCmPositions | BinanceCmAccount => "binance-coinm",
            BybitPositions | BybitWallet => "bybit",
            OkxPositions | OkxBalance | OkxInstruments => "okx",
            GatePositions | GateAccounts | GateContracts => "gate",
            Hyperliquid => "hyperliquid",
            DydxSubaccount | DydxMarkets => "dydx",
            DeribitPositions | DeribitAccount => "deribit",
            BitmexPositions => "bitmex",
            AaveAccount | AaveReserves => "aave-v3",
        }
    }

    pub(crate) fn endpoint(self) -> &'static str {
        use Kind::*;
        match self {
            BinanceUmPositions { v3: false } => "GET /fapi/v2/positionRisk",
            BinanceUmPositions { v3: true } => "GET /fapi/v3/positionRisk",
            BinanceUmAccount => "GET /fapi/v2|v3/account",
            BinanceCmPositions => "GET /dapi/v1/positionRisk",
            BinanceCmAccount => "GET /dapi/v1/account",
            BybitPositions => "GET /v5/position/list",
            BybitWallet => "GET /v5/account/wallet-balance",
            OkxPositions => "GET /api/v5/account/positions",
            OkxBalance => "GET /api/v5/account/balance",
            OkxInstruments => "GET /api/v5/public/instruments",
            GatePositions => "GET /futures/{settle}/positions",
            GateAccounts => "GET /futures/{settle}/accounts",
            GateContracts => "GET /futures/{settle}/contracts",
            Hyperliquid => "POST /info clearinghouseState",
            DydxSubaccount => "indexer GET /v4/addresses/{address}/subaccountNumber/{n} (or /v4/perpetualPositions)",
            DydxMarkets => "indexer GET /v4/perpetualMarkets",
            DeribitPositions => "private/get_positions",
            DeribitAccount => "private/get_account_summary",
            BitmexPositions => "GET /api/v1/position",
            AaveAccount => "Pool.getUserAccountData",
            AaveReserves => "UiPoolDataProvider reserves data",
        }
    }
}

/// A cross balance as the venue gives it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Balance {
    /// The wallet balance, without unrealised PnL.
    Wallet(f64),
    /// Equity, including the positions' unrealised PnL (subtracted on assembly).
    Equity(f64),
}

/// What account, balance, instrument and market responses supply to the position parsers.
#[derive(Default, Debug)]
pub(crate) struct Context {
    /// Cross balance per settlement asset (upper case).
    pub balances: BTreeMap<String, Balance>,
    /// Contract size per instrument (OKX `ctVal`, Gate `quanto_multiplier`).
    pub contract_sizes: BTreeMap<String, f64>,
    /// Mark (or oracle) price per market.
    pub marks: BTreeMap<String, f64>,
    /// Maintenance-margin fraction per market (dYdX).
    pub mmf: BTreeMap<String, f64>,
    pub assumptions: Vec<String>,
    pub notes: Vec<String>,
    /// Aave v3: the account mapped into the Scenario's `lending` section.
    pub lending: Option<crate::engine::lending::Lending>,
}

/// One open position read from a response, in the engine's units.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    /// Path of the row in the response.
    pub path: String,
    pub symbol: String,
    pub side: Side,
    pub contract: Contract,
    /// Base units (linear) or USD (inverse).
    pub size: f64,
    pub entry: f64,
    pub mark: Option<f64>,
    pub leverage: Option<f64>,
    pub mode: MarginMode,
    /// Isolated collateral, without unrealised PnL, in the settlement asset.
    pub margin: Option<f64>,
    pub venue_liq: Option<f64>,
    /// Settlement asset (USDT, BTC, …), upper case.
    pub settle: String,
    /// The venue's unrealised PnL, to turn an equity into a wallet balance.
    pub upnl: Option<f64>,
    pub mmr: Option<f64>,
    pub taker_fee: Option<f64>,
    pub max_leverage: Option<f64>,
    pub notes: Vec<String>,
}

/// What a position parser returns: rows and the number of flat rows skipped.
pub(crate) struct Parsed {
    pub rows: Vec<Row>,
    pub flat: usize,
}

/// The note an import puts on positions of a cross account whose balance response was missing
/// (so the page can still name that cause after the Scenario went through a link).
pub const MISSING_BALANCE_NOTE: &str = "cross wallet_balance assumed (no balance response)";

/// Options of an import.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions<'a> {
    /// The venue, when the caller names it; recognition then only accepts its
    /// responses.
    pub venue: Option<&'a str>,
    /// Which margin mode to keep when a response holds both (default: the first position's).
    pub mode: Option<MarginMode>,
}

/// The venue names an import accepts.
pub const VENUE_NAMES: &[&str] =
    &["binance-usdm", "binance-coinm", "bybit", "okx", "gate", "hyperliquid", "dydx", "deribit", "bitmex", "aave-v3"];

/// Reads venue responses into a Scenario.
///
/// # Errors
/// [`InputErrors`] with one [`FieldError`] per problem, each at `responses[i]…` naming the
/// line (for text that is not JSON), the member and what was expected: an unknown shape lists
/// the responses leverlab reads, a response of another endpoint names the one it resembles,
/// a truncated response says so, and a venue error response quotes the venue's message.
pub fn import(texts: &[&str], opts: ImportOptions<'_>) -> Result<Imported, InputErrors> {
    if texts.is_empty() {
        return Err(FieldError::new("responses", "give at least one venue response").into());
    }
    if let Some(v) = opts.venue {
        if !VENUE_NAMES.contains(&v) {
            let hint = crate::engine::import::closest(v, VENUE_NAMES).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default();
            return Err(FieldError::new("venue", format!("unknown venue `{v}`{hint}; known: {}", VENUE_NAMES.join(", "))).into());
        }
    }
    let mut errors = Vec::new();
    let mut docs = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        match json::parse(t, i) {
            Ok(v) => docs.push((i, v)),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    // Recognise every response first.
    let mut kinds = Vec::new();
    for (i, v) in &docs {
        match recognise(v, *i, opts.venue) {
            Ok((kind, body)) => kinds.push((*i, kind, body)),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    let venues: Vec<&str> = {
        let mut v: Vec<&str> = kinds.iter().map(|(_, k, _)| k.venue()).collect();
        v.dedup();
        v.sort_unstable();
        v.dedup();
        v
    };
    if venues.len() > 1 {
        let list: Vec<String> = kinds.iter().map(|(i, k, _)| format!("responses[{i}] is {} {}", k.venue(), k.endpoint())).collect();
        return Err(FieldError::new(
            "responses",
            format!("responses of different venues ({}); a Scenario holds one venue, so import each venue on its own", list.join("; ")),
        )
        .into());
    }
    // Context responses (accounts, instruments, markets) before positions.
    let mut ctx = Context::default();
    let mut recognised = Vec::new();
    for (i, kind, body) in &kinds {
        let at = At { v: body, path: body_path(*i, &docs[pos_of(&docs, *i)].1, body) };
        let r = match kind {
            Kind::BinanceUmAccount | Kind::BinanceCmAccount => binance::account(*kind, &at, &mut ctx),
            Kind::BybitWallet => bybit::wallet(&at, &mut ctx),
            Kind::OkxBalance => okx_gate::okx_balance(&at, &mut ctx),
            Kind::OkxInstruments => okx_gate::okx_instruments(&at, &mut ctx),
            Kind::GateAccounts => okx_gate::gate_accounts(&at, &mut ctx),
            Kind::GateContracts => okx_gate::gate_contracts(&at, &mut ctx),
            Kind::DydxMarkets => dexes::dydx_markets(&at, &mut ctx),
            Kind::DeribitAccount => others::deribit_account(&at, &mut ctx),
            Kind::AaveReserves => others::aave_reserves(&at, &mut ctx),
            _ => continue,
        };
        match r {
            Ok(()) => recognised.push(Recognised {
                input: *i,
                venue: kind.venue().into(),
                endpoint: kind.endpoint().into(),
                positions: 0,
                flat_rows: 0,
            }),
            Err(e) => errors.extend(e),
        }
    }
    let mut rows = Vec::new();
    for (i, kind, body) in &kinds {
        let at = At { v: body, path: body_path(*i, &docs[pos_of(&docs, *i)].1, body) };
        let r = match kind {
            Kind::BinanceUmPositions { .. } | Kind::BinanceCmPositions => binance::positions(*kind, &at, &mut ctx),
            Kind::BybitPositions => bybit::positions(&at, &mut ctx),
            Kind::OkxPositions => okx_gate::okx_positions(&at, &mut ctx),
            Kind::GatePositions => okx_gate::gate_positions(&at, &mut ctx),
            Kind::Hyperliquid => dexes::hyperliquid(&at, &mut ctx),
            Kind::DydxSubaccount => dexes::dydx_subaccount(&at, &mut ctx),
            Kind::DeribitPositions => others::deribit_positions(&at, &mut ctx),
            Kind::BitmexPositions => others::bitmex_positions(&at, &mut ctx),
            Kind::AaveAccount => others::aave_account(&at, &mut ctx).map(|()| Parsed { rows: Vec::new(), flat: 0 }),
            _ => continue,
        };
        match r {
            Ok(p) => {
                recognised.push(Recognised {
                    input: *i,
                    venue: kind.venue().into(),
                    endpoint: kind.endpoint().into(),
                    positions: p.rows.len(),
                    flat_rows: p.flat,
                });
                rows.extend(p.rows);
            }
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    recognised.sort_by_key(|r| r.input);
    let has_positions_response = kinds.iter().any(|(_, k, _)| {
        !matches!(
            k,
            Kind::BinanceUmAccount
                | Kind::BinanceCmAccount
                | Kind::BybitWallet
                | Kind::OkxBalance
                | Kind::OkxInstruments
                | Kind::GateAccounts
                | Kind::GateContracts
                | Kind::DydxMarkets
                | Kind::DeribitAccount
                | Kind::AaveReserves
        )
    });
    if !has_positions_response {
        let list: Vec<String> = kinds.iter().map(|(i, k, _)| format!("responses[{i}] is {}", k.endpoint())).collect();
        return Err(FieldError::new(
            "responses",
            format!(
                "no positions response among the inputs ({}); add the venue's positions response (the import help lists them)",
                list.join("; ")
            ),
        )
        .into());
    }
    assemble(venues[0], rows, ctx, recognised, opts)
}

fn pos_of(docs: &[(usize, Value)], i: usize) -> usize {
    docs.iter().position(|(k, _)| *k == i).unwrap_or(0)
}

/// The path of the response body inside the document (unwrapped envelopes add `.result`,
/// `.data` or `.subaccount`).
fn body_path(i: usize, doc: &Value, body: &Value) -> String {
    let base = format!("responses[{i}]");
    if std::ptr::eq(doc, body) {
        return base;
    }
    for k in ["result", "data", "subaccount", "response", "markets"] {
        if let Some(v) = doc.get(k) {
            if std::ptr::eq(v, body) {
                return format!("{base}.{k}");
            }
        }
    }
    base
}

/// The closest name within edit distance 3, for "did you mean".
pub fn closest<'a>(name: &str, names: &[&'a str]) -> Option<&'a str> {
    names
        .iter()
        .map(|n| (strsim_distance(name, n), *n))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Levenshtein distance (small inputs: venue names).
fn strsim_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Recognises the venue and endpoint of a parsed response from its shape, unwrapping the
/// venues' envelopes (`{retCode, result}`, `{code, data}`, `{jsonrpc, result}`).
///
/// # Errors
/// A [`FieldError`] at `responses[i]` for a venue error response, a response of an endpoint
/// leverlab does not read (naming the venue it recognised and the endpoints it reads), a
/// response of another venue than the one named, or an unknown shape (listing what it reads).
fn recognise<'v>(doc: &'v Value, i: usize, want: Option<&str>) -> Result<(Kind, &'v Value), FieldError> {
    let path = format!("responses[{i}]");
    let found = detect(doc, &path)?;
    match (found, want) {
        (Some((kind, _)), Some(w)) if kind.venue() != w => Err(FieldError::new(
            path,
            format!(
                "the venue {w} was named, but this is a {} response ({}); expected one of {w}'s: {}",
                kind.venue(),
                kind.endpoint(),
                RESPONSES.iter().find(|(v, _)| *v == w).map_or("", |(_, e)| e)
            ),
        )),
        (Some(found), _) => Ok(found),
        (None, w) => {
            let expected = match w {
                Some(w) => format!("expected a {w} response: {}", RESPONSES.iter().find(|(v, _)| *v == w).map_or("", |(_, e)| e)),
                None => format!(
                    "expected one of: {}",
                    RESPONSES.iter().map(|(v, e)| format!("{v} ({e})")).collect::<Vec<_>>().join("; ")
                ),
            };
            Err(FieldError::new(path, format!("not a response leverlab recognises (found {}); {expected}", node::keys_of(doc))))
        }
    }
}

fn obj_items(v: &Value) -> Option<&Vec<Value>> {
    v.as_array().filter(|a| a.iter().all(Value::is_object))
}

fn first_with<'v>(items: &'v [Value], keys: &[&str]) -> bool {
    items.first().is_some_and(|o| keys.iter().all(|k| o.get(*k).is_some()))
}

/// Shape detection; `Ok(None)` for an unknown shape, `Err` for a recognised venue envelope
/// holding an error or another endpoint.
fn detect<'v>(doc: &'v Value, path: &str) -> Result<Option<(Kind, &'v Value)>, FieldError> {
    // Venue error bodies.
    if let (Some(code), Some(msg)) = (doc.get("code"), doc.get("msg")) {
        if code.as_i64().is_some_and(|c| c < 0) {
            return Err(FieldError::new(path, format!("the venue returned an error (Binance code {code}: {msg}), not positions")));
        }
    }
    if let Some(rc) = doc.get("retCode") {
        if rc.as_i64() != Some(0) {
            let msg = doc.get("retMsg").map(node::short).unwrap_or_default();
            return Err(FieldError::new(path, format!("the venue returned an error (Bybit retCode {rc}: {msg}), not positions")));
        }
        let result = doc.get("result").unwrap_or(&Value::Null);
        let list = result.get("list").and_then(Value::as_array);
        return match list {
            Some(items) if items.is_empty() && result.get("category").is_some() => Ok(Some((Kind::BybitPositions, result))),
            Some(items) if first_with(items, &["symbol", "side", "size"]) => Ok(Some((Kind::BybitPositions, result))),
            Some(items) if first_with(items, &["coin"]) && items[0].get("accountType").is_some() => Ok(Some((Kind::BybitWallet, result))),
            _ => Err(FieldError::new(
                format!("{path}.result"),
                format!(
                    "a Bybit v5 response, but not one leverlab reads (found {}); expected GET /v5/position/list (list of {{symbol, side, size, avgPrice, liqPrice …}}) or GET /v5/account/wallet-balance (list of {{accountType, coin …}})",
                    node::keys_of(result.get("list").unwrap_or(result))
                ),
            )),
        };
    }
    if let (Some(code), Some(data)) = (doc.get("code"), doc.get("data")) {
        if code.as_str().is_some_and(|c| c != "0") {
            let msg = doc.get("msg").map(node::short).unwrap_or_default();
            return Err(FieldError::new(path, format!("the venue returned an error (OKX code {code}: {msg}), not positions")));
        }
        if let Some(items) = obj_items(data) {
            if items.is_empty() || first_with(items, &["instId", "pos", "mgnMode"]) {
                return Ok(Some((Kind::OkxPositions, data)));
            }
            if first_with(items, &["details", "totalEq"]) {
                return Ok(Some((Kind::OkxBalance, data)));
            }
            if first_with(items, &["instId", "ctVal"]) {
                return Ok(Some((Kind::OkxInstruments, data)));
            }
        }
        return Err(FieldError::new(
            format!("{path}.data"),
            format!(
                "an OKX v5 response, but not one leverlab reads (found {}); expected GET /api/v5/account/positions (instId, pos, mgnMode …), /account/balance (totalEq, details) or /public/instruments (instId, ctVal)",
                node::keys_of(data)
            ),
        ));
    }
    if doc.get("jsonrpc").is_some() || (doc.get("result").is_some() && doc.get("usIn").is_some()) {
        if let Some(err) = doc.get("error") {
            return Err(FieldError::new(path, format!("the venue returned an error (Deribit {}), not positions", err)));
        }
        let result = doc.get("result").unwrap_or(&Value::Null);
        if let Some(items) = obj_items(result) {
            if items.is_empty() || first_with(items, &["instrument_name", "direction", "size"]) {
                return Ok(Some((Kind::DeribitPositions, result)));
            }
        }
        if result.get("equity").is_some() && result.get("currency").is_some() {
            return Ok(Some((Kind::DeribitAccount, result)));
        }
        return Err(FieldError::new(
            format!("{path}.result"),
            format!(
                "a Deribit JSON-RPC response, but not one leverlab reads (found {}); expected private/get_positions (instrument_name, direction, size …) or private/get_account_summary (currency, equity …)",
                node::keys_of(result)
            ),
        ));
    }
    // Bare Deribit bodies (the `result` alone).
    if let Some(items) = obj_items(doc) {
        if first_with(items, &["instrument_name", "direction", "size"]) {
            return Ok(Some((Kind::DeribitPositions, doc)));
        }
        if first_with(items, &["symbol", "positionAmt"]) {
            let sym = items[0].get("symbol").and_then(Value::as_str).unwrap_or("");
            if binance::is_coin_m(sym) {
                return Ok(Some((Kind::BinanceCmPositions, doc)));
            }
            let v3 = items[0].get("leverage").is_none();
            return Ok(Some((Kind::BinanceUmPositions { v3 }, doc)));
        }
        if first_with(items, &["symbol", "side", "size"]) && (first_with(items, &["entryPrice"]) || first_with(items, &["avgPrice"])) {
            return Ok(Some((Kind::BybitPositions, doc)));
        }
        if first_with(items, &["contract", "size"]) && first_with(items, &["liq_price"]) {
            return Ok(Some((Kind::GatePositions, doc)));
        }
        if first_with(items, &["name", "quanto_multiplier"]) {
            return Ok(Some((Kind::GateContracts, doc)));
        }
        if first_with(items, &["symbol", "currentQty"]) {
            return Ok(Some((Kind::BitmexPositions, doc)));
        }
        if first_with(items, &["instId", "pos", "mgnMode"]) {
            return Ok(Some((Kind::OkxPositions, doc)));
        }
        if first_with(items, &["underlyingAsset"]) && (first_with(items, &["reserveLiquidationThreshold"]) || first_with(items, &["scaledATokenBalance"])) {
            return Ok(Some((Kind::AaveReserves, doc)));
        }
    }
    if doc.get("positionAmt").is_some() && doc.get("symbol").is_some() {
        return Err(FieldError::new(path, "a single Binance position object; positionRisk returns an array: wrap it in [ ]"));
    }
    if doc.get("totalCrossWalletBalance").is_some() || (doc.get("assets").is_some() && doc.get("positions").is_some()) {
        let coin_m = doc.get("assets").and_then(Value::as_array).is_some_and(|a| {
            a.iter().any(|x| x.get("asset").and_then(Value::as_str).is_some_and(|s| s != "USDT" && s != "USDC" && s != "BUSD" && s != "FDUSD"))
                && doc.get("totalCrossWalletBalance").is_none()
        });
        return Ok(Some((if coin_m { Kind::BinanceCmAccount } else { Kind::BinanceUmAccount }, doc)));
    }
    if doc.get("assetPositions").is_some() && (doc.get("marginSummary").is_some() || doc.get("crossMarginSummary").is_some()) {
        return Ok(Some((Kind::Hyperliquid, doc)));
    }
    if let Some(sub) = doc.get("subaccount") {
        if sub.get("openPerpetualPositions").is_some() || sub.get("equity").is_some() {
            return Ok(Some((Kind::DydxSubaccount, sub)));
        }
    }
    if let Some(items) = doc.get("positions").and_then(obj_items) {
        if first_with(items, &["market", "entryPrice", "size"]) {
            return Ok(Some((Kind::DydxSubaccount, doc)));
        }
    }
    if doc.get("openPerpetualPositions").is_some() && doc.get("equity").is_some() {
        return Ok(Some((Kind::DydxSubaccount, doc)));
    }
    if let Some(m) = doc.get("markets").and_then(Value::as_object) {
        if m.values().next().map_or(true, |x| x.get("oraclePrice").is_some() || x.get("ticker").is_some()) {
            return Ok(Some((Kind::DydxMarkets, doc)));
        }
    }
    if doc.get("contract").is_some() && doc.get("size").is_some() && doc.get("liq_price").is_some() {
        return Err(FieldError::new(path, "a single Gate position object; /futures/{settle}/positions returns an array: wrap it in [ ]"));
    }
    if doc.get("total").is_some() && doc.get("unrealised_pnl").is_some() && doc.get("currency").is_some() {
        return Ok(Some((Kind::GateAccounts, doc)));
    }
    if doc.get("totalCollateralBase").is_some() && doc.get("healthFactor").is_some() {
        return Ok(Some((Kind::AaveAccount, doc)));
    }
    if let Some(a) = doc.as_array() {
        // getUserAccountData as a bare tuple of six integers.
        if a.len() == 6 && a.iter().all(|x| x.is_string() || x.is_u64()) {
            return Ok(Some((Kind::AaveAccount, doc)));
        }
        if a.len() == 2 && a[0].is_array() && obj_items(&a[0]).is_some_and(|r| first_with(r, &["underlyingAsset"])) {
            return Ok(Some((Kind::AaveReserves, doc)));
        }
    }
    Ok(None)
}

/// Builds the Scenario from the rows and the context.
fn assemble(
    venue_name: &str,
    rows: Vec<Row>,
    ctx: Context,
    recognised: Vec<Recognised>,
    opts: ImportOptions<'_>,
) -> Result<Imported, InputErrors> {
    let mut assumptions = ctx.assumptions;
    let mut notes = ctx.notes;
    if venue_name == "aave-v3" && ctx.lending.is_some() {
        let scenario = Scenario {
            version: FORMAT_VERSION,
            venue: Venue::AaveV3,
            margin_mode: MarginMode::default(),
            wallet_balance: None,
            wallet_balances: None,
            positions: Vec::new(),
            market: None,
            lending: ctx.lending,
            vault: None,
            auction: None,
            now: None,
            portfolio_margin: None,
            collateral: None,
            analyses: None,
        };
        scenario.validate()?;
        return Ok(Imported { scenario, recognised, assumptions, notes, missing_balance: false });
    }
    if venue_name == "aave-v3" {
        return Err(FieldError::new(
            "responses",
            format!(
                "recognised Aave v3 ({}), but the reserves data alone gives no account to evaluate; add the Pool.getUserAccountData response{}",
                recognised.iter().map(|r| r.endpoint.clone()).collect::<Vec<_>>().join(", "),
                if notes.is_empty() { String::new() } else { format!(": {}", notes.join("; ")) }
            ),
        )
        .into());
    }
    let venue = Venue::from_name(venue_name).map_err(|m| InputErrors::from(FieldError::new("responses", m)))?;
    let mode = opts.mode.or_else(|| rows.first().map(|r| r.mode)).unwrap_or_default();
    let contract = rows.iter().find(|r| r.mode == mode).map(|r| r.contract);
    let settle = rows.iter().find(|r| r.mode == mode).map(|r| r.settle.clone());
    let mut kept = Vec::new();
    for r in rows {
        if r.mode != mode {
            notes.push(format!(
                "{} ({} {}) is {} margin and left out of this {} Scenario; import again choosing the {} margin mode",
                r.path,
                r.symbol,
                side_name(r.side),
                mode_name(r.mode),
                mode_name(mode),
                mode_name(r.mode)
            ));
        } else if mode == MarginMode::Cross && (Some(r.contract) != contract || Some(&r.settle) != settle.as_ref()) {
            notes.push(format!(
                "{} ({} {}) settles in {}, not in {} like the first cross position, and is left out (a cross Scenario holds one settlement asset)",
                r.path,
                r.symbol,
                side_name(r.side),
                r.settle,
                settle.as_deref().unwrap_or("?")
            ));
        } else {
            kept.push(r);
        }
    }
    let mut missing_balance = false;
    let wallet_balance = if mode == MarginMode::Cross && !kept.is_empty() {
        let asset = settle.clone().unwrap_or_default();
        match ctx.balances.get(&asset) {
            Some(Balance::Wallet(w)) => Some(*w),
            Some(Balance::Equity(e)) => {
                let pnl: f64 = kept.iter().filter_map(|r| r.upnl).sum();
                Some(e - pnl)
            }
            None => {
                missing_balance = true;
                let im: f64 = kept
                    .iter()
                    .map(|r| {
                        let value = match r.contract {
                            Contract::Linear => r.size * r.entry,
                            Contract::Inverse => r.size / r.entry,
                        };
                        value / r.leverage.unwrap_or(1.0)
                    })
                    .sum();
                assumptions.push(format!(
                    "cross account without its balance response: wallet_balance assumed to be the positions' initial margin ({} {asset}); add the account/balance response for the venue's figure",
                    round_sig(im)
                ));
                Some(im)
            }
        }
    } else if mode == MarginMode::Cross {
        Some(0.0)
    } else {
        None
    };
    if let Some(w) = wallet_balance.filter(|w| *w < 0.0) {
        return Err(FieldError::new("responses", format!("the cross wallet balance works out negative ({w}); check that the balance response belongs to these positions")).into());
    }
    let positions = kept
        .into_iter()
        .map(|r| {
            let leverage = r.leverage.filter(|l| crate::engine::input::leverage_ok(*l));
            let mut note = r.notes;
            if missing_balance {
                note.insert(0, MISSING_BALANCE_NOTE.to_string());
            }
            if let Some(l) = r.leverage.filter(|l| !crate::engine::input::leverage_ok(*l)) {
                note.insert(0, format!("leverage {} outside 1–1000, not used", round_sig(l)));
            }
            let margin = if mode == MarginMode::Isolated { r.margin } else { None };
            let leverage = if mode == MarginMode::Isolated && margin.is_none() && leverage.is_none() {
                note.insert(0, "no leverage or margin in the response: 1x assumed".into());
                Some(1.0)
            } else {
                leverage
            };
            Position {
                symbol: r.symbol,
                contract: Some(r.contract),
                side: r.side,
                size: r.size,
                entry_price: r.entry,
                mark_price: r.mark,
                leverage,
                margin,
                mmr: r.mmr,
                maint_amount: None,
                tiers: None,
                max_leverage: r.max_leverage,
                taker_fee: r.taker_fee,
                venue_liquidation_price: r.venue_liq,
                note: (!note.is_empty()).then(|| note.join("; ")),
                ..Position::default()
            }
        })
        .collect::<Vec<_>>();
    if positions.is_empty() {
        notes.push("no open position in the responses (flat rows are skipped)".into());
    }
    let scenario = Scenario { version: FORMAT_VERSION, venue, margin_mode: mode, wallet_balance, wallet_balances: None, positions, market: None, lending: None, vault: None, auction: None, now: None, portfolio_margin: None, collateral: None, analyses: None };
    scenario.validate()?;
    crate::engine::check_magnitudes(&scenario)?;
    Ok(Imported { scenario, recognised, assumptions, notes, missing_balance })
}

fn side_name(s: Side) -> &'static str {
    match s {
        Side::Long => "long",
        Side::Short => "short",
    }
}

fn mode_name(m: MarginMode) -> &'static str {
    match m {
        MarginMode::Isolated => "isolated",
        MarginMode::Cross => "cross",
        MarginMode::Portfolio => "portfolio",
    }
}

/// Six significant digits, for messages.
pub(crate) fn round_sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    // Six significant digits, without trailing zeros.
    let decimals = (5 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    s.to_string()
}

/// The Scenario as JSON with `venue_liquidation_price: null` written out for positions whose
/// venue reported none (the Scenario format omits absent optional fields).
pub fn scenario_json(s: &Scenario) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
    if let Some(ps) = v.get_mut("positions").and_then(Value::as_array_mut) {
        for p in ps {
            if let Some(o) = p.as_object_mut() {
                o.entry("venue_liquidation_price").or_insert(Value::Null);
            }
        }
    }
    v
}

/// The whole import result as JSON: `{scenario, recognised, assumptions, notes,
/// missing_balance}`, the Scenario as [`scenario_json`] writes it.
pub fn imported_json(i: &Imported) -> Value {
    let mut v = serde_json::to_value(i).unwrap_or(Value::Null);
    v["scenario"] = scenario_json(&i.scenario);
    v
}

/// Reads an unsigned liquidation price with the venues' sentinels for "none": absent, `""`,
/// `0` or below, and the huge placeholders (Gate 99999999, Bybit 999999 bust price, BitMEX
/// 100000000).
pub(crate) fn liq_or_none(x: Option<f64>) -> Option<f64> {
    x.filter(|v| *v > 0.0 && *v < 999_999.0 * 0.999_999 * 10.0 && *v != 999_999.0)
}

/// Side and absolute size from a signed amount; `None` for a flat row.
pub(crate) fn signed(x: f64) -> Option<(Side, f64)> {
    if x > 0.0 {
        Some((Side::Long, x))
    } else if x < 0.0 {
        Some((Side::Short, -x))
    } else {
        None
    }
}

/// Collects per-row errors.
pub(crate) type RowsResult = Result<Parsed, Vec<FieldError>>;

/// Reads every item with `row`: `Ok(None)` counts a flat row, errors are all collected.
pub(crate) fn rows_of<'a>(items: Vec<At<'a>>, mut row: impl FnMut(&At<'a>) -> Result<Option<Row>, FieldError>) -> RowsResult {
    let (mut rows, mut errors, mut flat) = (Vec::new(), Vec::new(), 0);
    for it in &items {
        match row(it) {
            Ok(Some(r)) => rows.push(r),
            Ok(None) => flat += 1,
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(Parsed { rows, flat })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentinels_are_none() {
        assert_eq!(liq_or_none(Some(0.0)), None);
        assert_eq!(liq_or_none(Some(99_999_999.0)), None);
        assert_eq!(liq_or_none(Some(999_999.0)), None);
        assert_eq!(liq_or_none(None), None);
        assert_eq!(liq_or_none(Some(19_731.455)), Some(19_731.455));
    }

    #[test]
    fn unknown_venue_name_suggests() {
        let e = import(&["[]"], ImportOptions { venue: Some("bybitt"), mode: None }).unwrap_err();
        assert!(e.to_string().contains("did you mean `bybit`"), "{e}");
    }
}
