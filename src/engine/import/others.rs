//! Deribit `private/get_positions` and `private/get_account_summary`, BitMEX
//! `GET /api/v1/position`, and Aave v3 (`Pool.getUserAccountData` into the lending section as
//! account totals; the UiPoolDataProvider's reserves data recognised, not mapped per asset).
//!
//! Sources: Deribit API v2 docs (docs.deribit.com/#private-get_positions,
//! #private-get_account_summary); BitMEX API explorer, Position model
//! (www.bitmex.com/api/explorer/#!/Position/Position_get); Aave v3 `IPool.getUserAccountData`
//! (aave.com/docs/developers/smart-contracts/pool) and `UiPoolDataProviderV3`
//! (github.com/aave/aave-v3-periphery). Traps: Deribit inverse futures `size` is USD (negative
//! for shorts) and margins are in coin; BitMEX `currentQty` is contracts (XBTUSD: 1 USD each)
//! and margins are integers of satoshi (`XBt`) or micro-USDT (`USDt`); Aave's health factor is
//! uint256 max when there is no debt, amounts are 8-decimal USD, rates are basis points.

use super::node::At;
use super::{liq_or_none, round_sig, rows_of, signed, Balance, Context, Row, RowsResult};
use crate::engine::scenario::{Contract, FieldError, MarginMode, Side};

const DRB_READ: &[&str] = &[
    "instrument_name", "kind", "direction", "size", "average_price", "mark_price", "estimated_liquidation_price", "leverage",
    "floating_profit_loss",
];

/// Reads Deribit positions.
pub(crate) fn deribit_positions(at: &At<'_>, ctx: &mut Context) -> RowsResult {
    rows_of(at.items().map_err(|e| vec![e])?, |it| deribit_row(it, ctx))
}

fn deribit_row(it: &At<'_>, ctx: &mut Context) -> Result<Option<Row>, FieldError> {
    let name = it.req_str("instrument_name")?;
    if it.opt_str("kind").is_some_and(|k| k != "future") {
        ctx.notes.push(format!("{} ({name}) is not a future; leverlab evaluates futures and perpetuals only", it.path));
        return Ok(None);
    }
    let n = it.req_num("size")?;
    let Some((sign_side, size)) = signed(n) else { return Ok(None) };
    let side = match it.opt_str("direction").as_deref() {
        Some("buy") => Side::Long,
        Some("sell") => Side::Short,
        Some("zero") => return Ok(None),
        _ => sign_side,
    };
    let entry = it.req_num("average_price")?;
    if entry <= 0.0 {
        return Err(FieldError::new(format!("{}.average_price", it.path), "must be > 0 for an open position"));
    }
    // BTC_USDC-PERPETUAL is linear (size in coin); BTC-PERPETUAL and BTC-27JUN25 are inverse
    // (size in USD, margin in BTC).
    let linear = name.contains("_USDC") || name.contains("_USDT");
    let base = name.split(['-', '_']).next().unwrap_or("").to_ascii_uppercase();
    Ok(Some(Row {
        path: it.path.clone(),
        symbol: name,
        side,
        contract: if linear { Contract::Linear } else { Contract::Inverse },
        size,
        entry,
        mark: it.opt_num("mark_price")?.filter(|m| *m > 0.0),
        leverage: it.opt_num("leverage")?.filter(|l| *l > 0.0),
        mode: MarginMode::Cross,
        margin: None,
        venue_liq: liq_or_none(it.opt_num("estimated_liquidation_price")?),
        settle: if linear { "USDC".into() } else { base },
        upnl: it.opt_num("floating_profit_loss")?,
        mmr: None,
        taker_fee: None,
        max_leverage: None,
        notes: it.unread(DRB_READ),
    }))
}

/// Reads Deribit `get_account_summary`: the currency's equity (includes unrealised PnL).
pub(crate) fn deribit_account(at: &At<'_>, ctx: &mut Context) -> Result<(), Vec<FieldError>> {
    let ccy = at.req_str("currency").map_err(|e| vec![e])?.to_ascii_uppercase();
    let equity = at.req_num("equity").map_err(|e| vec![e])?;
    ctx.balances.insert(ccy, Balance::Equity(equity));
    if let Some(m) = at.opt_str("margin_model").filter(|m| m.contains("pm")) {
        ctx.notes.push(format!(
            "Deribit margin model {m}: the venue margins this account by portfolio scenarios; leverlab evaluates standard margin"
        ));
    } else if at.opt_str("portfolio_margining_enabled").as_deref() == Some("true") {
        ctx.notes.push("Deribit portfolio margin is on; leverlab evaluates standard margin".into());
    }
    Ok(())
}

const BMX_READ: &[&str] = &[
    "symbol", "currentQty", "avgEntryPrice", "markPrice", "liquidationPrice", "leverage", "crossMargin", "posMargin", "currency",
    "homeNotional", "foreignNotional", "maintMarginReq", "commission", "unrealisedPnl", "quoteCurrency", "underlying",
];

/// Reads BitMEX positions.
pub(crate) fn bitmex_positions(at: &At<'_>, ctx: &mut Context) -> RowsResult {
    rows_of(at.items().map_err(|e| vec![e])?, |it| bitmex_row(it, ctx))
}

/// The divisor of a BitMEX integer amount: satoshi (`XBt`, 10⁸ per XBT) or micro-USDT
/// (`USDt`, 10⁶ per USDT).
fn bitmex_unit(currency: &str) -> Option<(f64, &'static str)> {
    match currency {
        "XBt" => Some((1e8, "XBT")),
        "USDt" => Some((1e6, "USDT")),
        "Gwei" => Some((1e9, "ETH")),
        _ => None,
    }
}

fn bitmex_row(it: &At<'_>, ctx: &mut Context) -> Result<Option<Row>, FieldError> {
    let symbol = it.req_str("symbol")?;
    let qty = it.req_num("currentQty")?;
    let Some((side, contracts)) = signed(qty) else { return Ok(None) };
    let entry = it.req_num("avgEntryPrice")?;
    let currency = it.opt_str("currency").unwrap_or_else(|| "XBt".into());
    let (div, settle) = bitmex_unit(&currency).ok_or_else(|| {
        FieldError::new(format!("{}.currency", it.path), format!("\"{currency}\" is not a margin currency leverlab converts (XBt, USDt, Gwei)"))
    })?;
    let quote = it.opt_str("quoteCurrency").unwrap_or_default();
    let underlying = it.opt_str("underlying").unwrap_or_default();
    let inverse = settle == "XBT" && quote == "USD" && (underlying == "XBT" || symbol.starts_with("XBT"));
    let mut notes = it.unread(BMX_READ);
    let size = if inverse {
        // XBTUSD: 1 contract = 1 USD.
        match it.opt_num("foreignNotional")? {
            Some(f) if f != 0.0 => f.abs(),
            _ => contracts,
        }
    } else if settle == "USDT" || settle == quote.to_ascii_uppercase() {
        match it.opt_num("homeNotional")? {
            Some(h) if h != 0.0 => h.abs(),
            _ => {
                return Err(FieldError::new(
                    format!("{}.homeNotional", it.path),
                    "missing; a linear BitMEX position's size in coin is homeNotional (currentQty counts contracts)",
                ))
            }
        }
    } else {
        ctx.notes.push(format!(
            "{} ({symbol}) is a quanto contract (settled in {settle}, priced in {quote}); leverlab does not model quanto PnL",
            it.path
        ));
        return Ok(None);
    };
    notes.insert(0, format!("{} contracts; margins converted from {currency} (÷ {div:e})", round_sig(contracts)));
    let cross = matches!(it.key("crossMargin").map(|c| c.v.clone()), Some(serde_json::Value::Bool(true)));
    let lev = it.opt_num("leverage")?;
    let mode = if cross || lev == Some(0.0) { MarginMode::Cross } else { MarginMode::Isolated };
    let margin = it.opt_num("posMargin")?.map(|m| m / div).filter(|m| *m > 0.0);
    let upnl = it.opt_num("unrealisedPnl")?.map(|u| u / div);
    Ok(Some(Row {
        path: it.path.clone(),
        symbol,
        side,
        contract: if inverse { Contract::Inverse } else { Contract::Linear },
        size,
        entry,
        mark: it.opt_num("markPrice")?.filter(|m| *m > 0.0),
        leverage: lev.filter(|l| *l > 0.0),
        mode,
        margin,
        venue_liq: liq_or_none(it.opt_num("liquidationPrice")?),
        settle: settle.into(),
        upnl,
        mmr: it.opt_num("maintMarginReq")?.filter(|r| *r > 0.0 && *r < 1.0),
        taker_fee: it.opt_num("commission")?.filter(|r| *r > 0.0 && *r < 0.1),
        max_leverage: None,
        notes,
    }))
}

/// 2²⁵⁶ − 1 as a float: Aave's "no debt" health factor.
const UINT_MAX_F: f64 = 1.157_920_892_373_162e77;

/// Reads `getUserAccountData` (named members or the six-value tuple) into the Scenario's
/// lending section as account totals, and the venue's health factor into a note.
///
/// # Errors
/// A [`FieldError`] naming a missing or non-numeric output.
pub(crate) fn aave_account(at: &At<'_>, ctx: &mut Context) -> Result<(), Vec<FieldError>> {
    let names = ["totalCollateralBase", "totalDebtBase", "availableBorrowsBase", "currentLiquidationThreshold", "ltv", "healthFactor"];
    let vals: Vec<f64> = if at.v.is_array() {
        at.items().map_err(|e| vec![e])?.iter().map(|x| x.num()).collect::<Result<_, _>>().map_err(|e| vec![e])?
    } else {
        // Some clients name the threshold `liquidationThreshold`.
        names
            .iter()
            .map(|n| match (*n, at.key(n)) {
                ("currentLiquidationThreshold", None) if at.has("liquidationThreshold") => at.req_num("liquidationThreshold"),
                _ => at.req_num(n),
            })
            .collect::<Result<_, _>>()
            .map_err(|e| vec![e])?
    };
    let (coll, debt, lt, hf) = (vals[0] / 1e8, vals[1] / 1e8, vals[3] / 1e4, vals[5]);
    let hf_text = if hf >= UINT_MAX_F * 0.999 || debt == 0.0 {
        "none (no debt: uint256 max)".to_string()
    } else {
        round_sig(hf / 1e18)
    };
    ctx.notes.push(format!(
        "Aave v3 account: collateral {} USD, debt {} USD, liquidation threshold {} %, the venue's health factor {hf_text}",
        round_sig(coll),
        round_sig(debt),
        round_sig(lt * 100.0)
    ));
    // getUserAccountData gives account totals only: one collateral line (the weighted
    // threshold and LTV) and one debt line, both in USD at price 1, reproduce its health factor
    // HF = collateral × LT / debt [AAVE-doc]. The per-asset reserves are not in this response.
    ctx.assumptions.push(
        "Aave getUserAccountData gives totals only: the lending section has one collateral and one debt line in USD (price 1) with the account's weighted liquidation threshold and LTV; its liquidation bonus is not in the response and is assumed 5 % (it changes what `liquidate` seizes, not the health factor)".into(),
    );
    ctx.lending = Some(crate::engine::lending::Lending {
        supplies: vec![crate::engine::lending::Supply {
            asset: "collateral (account total, USD)".into(),
            amount: coll,
            price: 1.0,
            ltv: Some(vals[4] / 1e4),
            liquidation_threshold: Some(lt),
            liquidation_bonus: Some(0.05),
            liquidation_protocol_fee: None,
            collateral: true,
            in_emode: true,
        }],
        borrows: if debt > 0.0 {
            vec![crate::engine::lending::Borrow { asset: "debt (account total, USD)".into(), amount: debt, price: 1.0 }]
        } else {
            Vec::new()
        },
        emode: None,
        lltv: None,
    });
    Ok(())
}

/// Reads the UI helper's reserves data (recognised, counted in a note).
pub(crate) fn aave_reserves(at: &At<'_>, ctx: &mut Context) -> Result<(), Vec<FieldError>> {
    let list = if at.v.is_array() && at.v.get(0).is_some_and(|x| x.is_array()) {
        At { v: &at.v[0], path: format!("{}[0]", at.path) }
    } else {
        at.clone()
    };
    let n = list.items().map_err(|e| vec![e])?.len();
    ctx.notes.push(format!("Aave v3 reserves data: {n} reserves"));
    Ok(())
}
