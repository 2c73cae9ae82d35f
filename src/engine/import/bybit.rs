//! Bybit v5 `GET /v5/position/list` (and the older position shape with `entryPrice` that
//! traders' scripts still save) and `GET /v5/account/wallet-balance`.
//!
//! Source: Bybit API v5 "Get Position Info" and "Get Wallet Balance"
//! (bybit-exchange.github.io/docs/v5/position, …/v5/account/wallet-balance). Traps: linear
//! `size` is base coin but inverse `size` is USD; `side` "None" (or size 0) is a flat row;
//! `liqPrice` "" means none (and a long's liquidation at the price floor, e.g. "0.0001", too);
//! `bustPrice` "999999" is a placeholder; `tradeMode` 0 cross / 1 isolated (in the unified
//! account the account's mode decides); margins of inverse positions are in coin.

use super::node::At;
use super::{liq_or_none, rows_of, Balance, Context, Row, RowsResult};
use crate::engine::scenario::{Contract, FieldError, MarginMode, Side};

const READ: &[&str] = &[
    "symbol",
    "side",
    "size",
    "avgPrice",
    "entryPrice",
    "markPrice",
    "leverage",
    "tradeMode",
    "positionBalance",
    "liqPrice",
    "unrealisedPnl",
    "category",
];

/// Reads a position list (the `result` of the envelope, or a bare array of positions).
pub(crate) fn positions(at: &At<'_>, ctx: &mut Context) -> RowsResult {
    let (list, category) = match at.key("list") {
        Some(l) => (l, at.opt_str("category")),
        None => (at.clone(), None),
    };
    let items = list.items().map_err(|e| vec![e])?;
    if items.iter().any(|it| it.has("entryPrice") && !it.has("avgPrice")) {
        ctx.notes.push("Bybit position in the older shape (entryPrice instead of v5's avgPrice) read as the same fields".into());
    }
    rows_of(items, |it| row(it, category.as_deref()))
}

fn row(it: &At<'_>, category: Option<&str>) -> Result<Option<Row>, FieldError> {
    let symbol = it.req_str("symbol")?;
    let size = it.req_num("size")?.abs();
    let side = match it.req_str("side")?.as_str() {
        "Buy" => Side::Long,
        "Sell" => Side::Short,
        "None" | "" => return Ok(None),
        other => return Err(FieldError::new(format!("{}.side", it.path), format!("expected Buy, Sell or None, found \"{other}\""))),
    };
    if size == 0.0 {
        return Ok(None);
    }
    let category = it.opt_str("category").or(category.map(str::to_string));
    let inverse = match category.as_deref() {
        Some("inverse") => true,
        Some(_) => false,
        None => symbol.ends_with("USD") || symbol.contains("USD") && !symbol.contains("USDT") && !symbol.contains("USDC") && !symbol.ends_with("PERP"),
    };
    let entry = match it.opt_num("avgPrice")? {
        Some(p) => p,
        None => it.req_num("entryPrice")?,
    };
    if entry <= 0.0 {
        return Err(FieldError::new(format!("{}.avgPrice", it.path), "must be > 0 for an open position"));
    }
    let mark = it.opt_num("markPrice")?.filter(|m| *m > 0.0);
    let mode = match it.opt_num("tradeMode")? {
        Some(m) if m == 1.0 => MarginMode::Isolated,
        _ => MarginMode::Cross,
    };
    let mut notes = it.unread(READ);
    let margin = it.opt_num("positionBalance")?.filter(|m| *m > 0.0);
    let raw_liq = it.opt_num("liqPrice")?;
    let venue_liq = liq_or_none(raw_liq).filter(|l| *l >= entry * 1e-4);
    if raw_liq.is_some_and(|l| l > 0.0) && venue_liq.is_none() {
        notes.insert(0, "liqPrice at the price floor: the venue reports no reachable liquidation".into());
    }
    let (contract, settle) = if inverse {
        (Contract::Inverse, symbol.split("USD").next().unwrap_or("").to_string())
    } else if symbol.ends_with("USDC") || symbol.ends_with("PERP") {
        (Contract::Linear, "USDC".to_string())
    } else {
        (Contract::Linear, "USDT".to_string())
    };
    Ok(Some(Row {
        path: it.path.clone(),
        symbol,
        side,
        contract,
        size,
        entry,
        mark,
        leverage: it.opt_num("leverage")?.filter(|l| *l > 0.0),
        mode,
        margin,
        venue_liq,
        settle,
        upnl: it.opt_num("unrealisedPnl")?,
        mmr: None,
        taker_fee: None,
        max_leverage: None,
        notes,
    }))
}

/// Reads `/v5/account/wallet-balance`: each coin's wallet balance.
pub(crate) fn wallet(at: &At<'_>, ctx: &mut Context) -> Result<(), Vec<FieldError>> {
    let list = at.req("list").map_err(|e| vec![e])?;
    for acct in list.items().map_err(|e| vec![e])? {
        if let Some(coins) = acct.key("coin") {
            for c in coins.items().map_err(|e| vec![e])? {
                let coin = c.req_str("coin").map_err(|e| vec![e])?.to_ascii_uppercase();
                if let Some(w) = c.opt_num("walletBalance").map_err(|e| vec![e])? {
                    ctx.balances.insert(coin, Balance::Wallet(w));
                }
            }
        }
        if acct.opt_str("accountType").as_deref() == Some("UNIFIED") {
            ctx.notes.push(
                "Bybit unified account: cross positions share the whole account's margin; leverlab uses the settlement coin's walletBalance"
                    .into(),
            );
        }
    }
    Ok(())
}
