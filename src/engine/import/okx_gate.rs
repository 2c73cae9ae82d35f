//! OKX v5 (`/api/v5/account/positions`, `/account/balance`, `/public/instruments`) and Gate
//! futures (`/futures/{settle}/positions`, `/accounts`, `/contracts`): both count positions in
//! contracts, so the instrument list supplies the contract size.
//!
//! Sources: OKX API v5 docs (okx.com/docs-v5/en/#trading-account-rest-api-get-positions,
//! …-get-balance, #public-data-rest-api-get-instruments); Gate API v4 docs
//! (gate.com/docs/developers/apiv4/#list-all-positions-of-a-user, #query-futures-account,
//! #list-all-futures-contracts). Traps: OKX `pos` is contracts × `ctVal` (base coin for
//! linear, USD for inverse) except MARGIN, where it is already in `posCcy`; `posSide` "net"
//! takes the sign of `pos`; `liqPx` "" means none; `markPx` can disagree with `upl` (checked).
//! Gate `size` is signed contracts × `quanto_multiplier`; `leverage` "0" means cross;
//! `liq_price` "0" or 99999999 means none; `maintenance_rate` is the position's own rate.

use super::node::At;
use super::{liq_or_none, round_sig, rows_of, signed, Balance, Context, Row, RowsResult};
use crate::engine::scenario::{Contract, FieldError, MarginMode, Side, Venue};

/// Contract sizes used when no instruments response is given (OKX public/instruments and Gate
/// futures contracts as published; the assumption is named in the import's notes).
fn default_contract_size(venue: Venue, inst: &str) -> Option<f64> {
    match venue {
        Venue::Okx => match inst {
            "BTC-USDT-SWAP" | "BTC-USDC-SWAP" => Some(0.01),
            "ETH-USDT-SWAP" | "ETH-USDC-SWAP" => Some(0.1),
            i if i.starts_with("BTC-USD-") => Some(100.0),
            i if i.split('-').nth(1) == Some("USD") => Some(10.0),
            _ => None,
        },
        Venue::Gate => match inst {
            "BTC_USDT" => Some(0.0001),
            "ETH_USDT" => Some(0.01),
            _ => None,
        },
        _ => None,
    }
}

fn contract_size(ctx: &mut Context, venue: Venue, inst: &str, path: &str, add: &str) -> Result<f64, FieldError> {
    if let Some(c) = ctx.contract_sizes.get(inst) {
        return Ok(*c);
    }
    match default_contract_size(venue, inst) {
        Some(c) => {
            ctx.assumptions.push(format!("contract size of {inst} assumed {c} (the venue's published value); add {add} to read it"));
            ctx.contract_sizes.insert(inst.to_string(), c);
            Ok(c)
        }
        None => Err(FieldError::new(path, format!("{inst} counts contracts of a size leverlab does not know; add {add}"))),
    }
}

const OKX_READ: &[&str] = &[
    "instId", "instType", "pos", "posSide", "avgPx", "markPx", "lever", "mgnMode", "margin", "liqPx", "upl", "ccy", "posCcy",
];

/// Reads OKX positions.
pub(crate) fn okx_positions(at: &At<'_>, ctx: &mut Context) -> RowsResult {
    rows_of(at.items().map_err(|e| vec![e])?, |it| okx_row(it, ctx))
}

fn okx_row(it: &At<'_>, ctx: &mut Context) -> Result<Option<Row>, FieldError> {
    let inst = it.req_str("instId")?;
    let inst_type = it.opt_str("instType").unwrap_or_default();
    if inst_type == "OPTION" {
        ctx.notes.push(format!("{} ({inst}) is an option; leverlab evaluates futures and perpetuals only", it.path));
        return Ok(None);
    }
    let pos = it.req_num("pos")?;
    let (side, contracts) = match it.opt_str("posSide").as_deref() {
        Some("long") if pos != 0.0 => (Side::Long, pos.abs()),
        Some("short") if pos != 0.0 => (Side::Short, pos.abs()),
        _ => match signed(pos) {
            Some(s) => s,
            None => return Ok(None),
        },
    };
    let entry = it.req_num("avgPx")?;
    if entry <= 0.0 {
        return Err(FieldError::new(format!("{}.avgPx", it.path), "must be > 0 for an open position"));
    }
    let mut parts = inst.split('-');
    let base = parts.next().unwrap_or("").to_string();
    let quote = parts.next().unwrap_or("").to_string();
    let inverse = quote == "USD";
    let mut notes = it.unread(OKX_READ);
    let size = if inst_type == "MARGIN" {
        // MARGIN positions are in posCcy (the base or the quote), not contracts.
        match it.opt_str("posCcy") {
            Some(c) if c == quote => contracts / entry,
            _ => contracts,
        }
    } else {
        let ct = contract_size(ctx, crate::engine::scenario::Venue::Okx, &inst, &format!("{}.instId", it.path), "the GET /api/v5/public/instruments response")?;
        notes.insert(0, format!("{} contracts × ctVal {ct}", round_sig(contracts)));
        contracts * ct
    };
    let contract = if inverse { Contract::Inverse } else { Contract::Linear };
    let mut mark = it.opt_num("markPx")?.filter(|m| *m > 0.0);
    // Cross-check markPx against the reported upl (OKX's markPx has been seen stale).
    if let (Some(m), Some(upl)) = (mark, it.opt_num("upl")?) {
        let s = side.sign();
        let implied = match contract {
            Contract::Linear => entry + s * upl / size,
            Contract::Inverse => 1.0 / (1.0 / entry - s * upl / size),
        };
        if implied.is_finite() && implied > 0.0 && ((implied - m) / m).abs() > 0.005 {
            ctx.assumptions.push(format!(
                "{}: markPx {m} disagrees with upl {upl} (which implies a mark of {}); the mark implied by upl is used",
                it.path,
                round_sig(implied)
            ));
            notes.insert(0, format!("mark derived from upl ({}); markPx {m} disagreed", round_sig(implied)));
            mark = Some(implied);
        }
    }
    let mode = match it.opt_str("mgnMode").as_deref() {
        Some("isolated") => MarginMode::Isolated,
        _ => MarginMode::Cross,
    };
    let settle = it.opt_str("ccy").unwrap_or_else(|| if inverse { base.clone() } else { quote.clone() }).to_ascii_uppercase();
    Ok(Some(Row {
        path: it.path.clone(),
        symbol: inst,
        side,
        contract,
        size,
        entry,
        mark,
        leverage: it.opt_num("lever")?.filter(|l| *l > 0.0),
        mode,
        margin: if mode == MarginMode::Isolated { it.opt_num("margin")?.filter(|m| *m > 0.0) } else { None },
        venue_liq: liq_or_none(it.opt_num("liqPx")?),
        settle,
        upnl: it.opt_num("upl")?,
        mmr: None,
        taker_fee: None,
        max_leverage: None,
        notes,
    }))
}

/// Reads OKX `/account/balance`: each currency's cash balance.
pub(crate) fn okx_balance(at: &At<'_>, ctx: &mut Context) -> Result<(), Vec<FieldError>> {
    for acct in at.items().map_err(|e| vec![e])? {
        for d in acct.req("details").and_then(|d| d.items()).map_err(|e| vec![e])? {
            let ccy = d.req_str("ccy").map_err(|e| vec![e])?.to_ascii_uppercase();
            match (d.opt_num("cashBal").map_err(|e| vec![e])?, d.opt_num("eq").map_err(|e| vec![e])?) {
                (Some(c), _) => {
                    ctx.balances.insert(ccy, Balance::Wallet(c));
                }
                (None, Some(e)) => {
                    ctx.balances.insert(ccy, Balance::Equity(e));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Reads OKX `/public/instruments`: `ctVal` per instrument.
pub(crate) fn okx_instruments(at: &At<'_>, ctx: &mut Context) -> Result<(), Vec<FieldError>> {
    for it in at.items().map_err(|e| vec![e])? {
        let id = it.req_str("instId").map_err(|e| vec![e])?;
        if let Some(c) = it.opt_num("ctVal").map_err(|e| vec![e])?.filter(|c| *c > 0.0) {
            ctx.contract_sizes.insert(id, c);
        }
    }
    Ok(())
}

const GATE_READ: &[&str] = &[
    "contract", "size", "leverage", "cross_leverage_limit", "margin", "entry_price", "mark_price", "liq_price", "maintenance_rate",
    "mode", "unrealised_pnl",
];

/// Reads Gate `/futures/{settle}/positions`.
pub(crate) fn gate_positions(at: &At<'_>, ctx: &mut Context) -> RowsResult {
    rows_of(at.items().map_err(|e| vec![e])?, |it| gate_row(it, ctx))
}

fn gate_row(it: &At<'_>, ctx: &mut Context) -> Result<Option<Row>, FieldError> {
    let contract_name = it.req_str("contract")?;
    let n = it.req_num("size")?;
    let Some((side, contracts)) = signed(n) else { return Ok(None) };
    if let Some(mode) = it.opt_str("mode") {
        let ok = match mode.as_str() {
            "dual_long" => side == Side::Long,
            "dual_short" => side == Side::Short,
            _ => true,
        };
        if !ok {
            return Err(FieldError::new(format!("{}.mode", it.path), format!("is {mode} but size {n} has the other sign")));
        }
    }
    let entry = it.req_num("entry_price")?;
    if entry <= 0.0 {
        return Err(FieldError::new(format!("{}.entry_price", it.path), "must be > 0 for an open position"));
    }
    let (base, quote) = contract_name.split_once('_').unwrap_or((contract_name.as_str(), ""));
    let inverse = quote == "USD";
    let mut notes = it.unread(GATE_READ);
    let size = if inverse {
        // Gate's BTC-settled contracts: 1 contract = 1 USD.
        contracts
    } else {
        let m = contract_size(ctx, Venue::Gate, &contract_name, &format!("{}.contract", it.path), "the GET /futures/{settle}/contracts response")?;
        notes.insert(0, format!("{} contracts × quanto_multiplier {m}", round_sig(contracts)));
        contracts * m
    };
    let lev = it.opt_num("leverage")?;
    let (mode, leverage) = match lev {
        Some(l) if l > 0.0 => (MarginMode::Isolated, Some(l)),
        _ => (MarginMode::Cross, it.opt_num("cross_leverage_limit")?.filter(|l| *l > 0.0)),
    };
    let mark = it.opt_num("mark_price")?.filter(|m| *m > 0.0).or_else(|| ctx.marks.get(&contract_name).copied());
    Ok(Some(Row {
        path: it.path.clone(),
        symbol: contract_name.clone(),
        side,
        contract: if inverse { Contract::Inverse } else { Contract::Linear },
        size,
        entry,
        mark,
        leverage,
        mode,
        margin: if mode == MarginMode::Isolated { it.opt_num("margin")?.filter(|m| *m > 0.0) } else { None },
        venue_liq: liq_or_none(it.opt_num("liq_price")?),
        settle: if inverse { base.to_string() } else { quote.to_string() }.to_ascii_uppercase(),
        upnl: it.opt_num("unrealised_pnl")?,
        mmr: it.opt_num("maintenance_rate")?.filter(|r| *r > 0.0 && *r < 1.0),
        taker_fee: None,
        max_leverage: None,
        notes,
    }))
}

/// Reads Gate `/futures/{settle}/accounts`: `total` (without unrealised PnL) in `currency`.
pub(crate) fn gate_accounts(at: &At<'_>, ctx: &mut Context) -> Result<(), Vec<FieldError>> {
    let ccy = at.req_str("currency").map_err(|e| vec![e])?.to_ascii_uppercase();
    let total = at.req_num("total").map_err(|e| vec![e])?;
    ctx.balances.insert(ccy, Balance::Wallet(total));
    Ok(())
}

/// Reads Gate `/futures/{settle}/contracts`: `quanto_multiplier` and `mark_price` per contract.
pub(crate) fn gate_contracts(at: &At<'_>, ctx: &mut Context) -> Result<(), Vec<FieldError>> {
    for it in at.items().map_err(|e| vec![e])? {
        let name = it.req_str("name").map_err(|e| vec![e])?;
        if let Some(m) = it.opt_num("quanto_multiplier").map_err(|e| vec![e])?.filter(|m| *m > 0.0) {
            ctx.contract_sizes.insert(name.clone(), m);
        }
        if let Some(p) = it.opt_num("mark_price").map_err(|e| vec![e])?.filter(|m| *m > 0.0) {
            ctx.marks.insert(name, p);
        }
    }
    Ok(())
}
