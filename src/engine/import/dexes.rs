//! Hyperliquid `clearinghouseState` and dYdX v4 indexer subaccount and `perpetualMarkets`.
//!
//! Sources: Hyperliquid API docs, "Retrieve user's perpetuals account summary"
//! (hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint/perpetuals);
//! dYdX v4 indexer API (docs.dydx.xyz/indexer-client/http, `GET /v4/addresses/{address}/
//! subaccountNumber/{n}`, `GET /v4/perpetualMarkets`). Traps: Hyperliquid gives no mark price
//! (derived as positionValue ÷ |szi|), `liquidationPx` null means none, and an isolated
//! position's `marginUsed` includes its unrealised PnL; dYdX gives neither a mark nor a
//! liquidation price (the oracle price comes from perpetualMarkets, or is derived from the
//! unrealised PnL), equity includes every position valued at the oracle, and subaccounts
//! numbered 128 and up are isolated.

use super::node::At;
use super::{liq_or_none, round_sig, rows_of, signed, Balance, Context, Parsed, Row, RowsResult};
use crate::engine::scenario::{Contract, FieldError, MarginMode, Side};

const HL_READ: &[&str] = &["coin", "szi", "entryPx", "liquidationPx", "marginUsed", "positionValue", "unrealizedPnl", "maxLeverage"];

/// Reads a Hyperliquid clearinghouseState.
pub(crate) fn hyperliquid(at: &At<'_>, ctx: &mut Context) -> RowsResult {
    let summary = at.key("crossMarginSummary").or_else(|| at.key("marginSummary"));
    if let Some(s) = summary {
        let v = s.req_num("accountValue").map_err(|e| vec![e])?;
        ctx.balances.insert("USDC".into(), Balance::Equity(v));
    }
    let items = at.req("assetPositions").and_then(|a| a.items()).map_err(|e| vec![e])?;
    let parsed = rows_of(items, |ap| hl_row(&ap.req("position")?))?;
    if !parsed.rows.is_empty() {
        ctx.assumptions.push("Hyperliquid gives no mark price: mark = positionValue ÷ |szi|".into());
    }
    if parsed.rows.iter().any(|r| r.max_leverage.is_none()) {
        ctx.assumptions.push(
            "Hyperliquid positions without maxLeverage: the maintenance rate comes from leverlab's current margin-tier table, which may differ from the asset's maximum when the response was taken".into(),
        );
    }
    Ok(parsed)
}

fn hl_row(p: &At<'_>) -> Result<Option<Row>, FieldError> {
    let coin = p.req_str("coin")?;
    let szi = p.req_num("szi")?;
    let Some((side, size)) = signed(szi) else { return Ok(None) };
    let entry = p.req_num("entryPx")?;
    let value = p.req_num("positionValue")?;
    let lev = p.req("leverage")?;
    let mode = match lev.opt_str("type").as_deref() {
        Some("isolated") => MarginMode::Isolated,
        _ => MarginMode::Cross,
    };
    let upnl = p.opt_num("unrealizedPnl")?;
    let mut notes = p.unread(HL_READ);
    notes.insert(0, "mark derived as positionValue ÷ |szi|".into());
    let margin = if mode == MarginMode::Isolated {
        let used = p.req_num("marginUsed")?;
        notes.insert(0, "isolated margin = marginUsed − unrealizedPnl (marginUsed includes unrealised PnL)".into());
        Some(used - upnl.unwrap_or(0.0)).filter(|m| *m > 0.0)
    } else {
        None
    };
    Ok(Some(Row {
        path: p.path.clone(),
        symbol: coin,
        side,
        contract: Contract::Linear,
        size,
        entry,
        mark: (value > 0.0).then(|| value / size),
        leverage: lev.opt_num("value")?.filter(|l| *l > 0.0),
        mode,
        margin,
        venue_liq: liq_or_none(p.opt_num("liquidationPx")?),
        settle: "USDC".into(),
        upnl,
        mmr: None,
        taker_fee: None,
        max_leverage: p.opt_num("maxLeverage")?.filter(|l| *l >= 1.0),
        notes,
    }))
}

const DYDX_READ: &[&str] = &["market", "side", "size", "entryPrice", "unrealizedPnl", "status"];

/// Reads a dYdX v4 subaccount (`{"subaccount": {...}}` or the subaccount itself).
pub(crate) fn dydx_subaccount(at: &At<'_>, ctx: &mut Context) -> RowsResult {
    // `GET /v4/perpetualPositions` gives `{"positions": [...]}` without the equity.
    if let Some(list) = at.key("positions") {
        return rows_of(list.items().map_err(|e| vec![e])?, |p| {
            if p.opt_str("status").is_some_and(|s| s != "OPEN") {
                return Ok(None);
            }
            let isolated = p.opt_num("subaccountNumber")?.is_some_and(|n| n >= 128.0);
            dydx_row(&p.req_str("market")?, p, ctx, isolated)
        });
    }
    let equity = at.req_num("equity").map_err(|e| vec![e])?;
    let number = at.opt_num("subaccountNumber").map_err(|e| vec![e])?.unwrap_or(0.0);
    let isolated = number >= 128.0;
    let positions = at.key("openPerpetualPositions").map(|p| p.members()).transpose().map_err(|e| vec![e])?.unwrap_or_default();
    let (markets, items): (Vec<String>, Vec<At<'_>>) = positions.into_iter().unzip();
    let mut k = 0;
    let Parsed { mut rows, flat } = rows_of(items, |p| {
        k += 1;
        dydx_row(&markets[k - 1], p, ctx, isolated)
    })?;
    if isolated {
        // An isolated subaccount holds one position; its equity less that position's PnL is
        // the position's own collateral.
        let pnl: f64 = rows.iter().filter_map(|r| r.upnl).sum();
        for r in &mut rows {
            r.margin = Some(equity - pnl).filter(|m| *m > 0.0);
        }
        ctx.notes.push(format!("dYdX subaccount {number} (≥ 128) is an isolated subaccount"));
    } else {
        ctx.balances.insert("USDC".into(), Balance::Equity(equity));
    }
    Ok(Parsed { rows, flat })
}

fn dydx_row(market: &str, p: &At<'_>, ctx: &mut Context, isolated: bool) -> Result<Option<Row>, FieldError> {
    let n = p.req_num("size")?;
    let Some((sign_side, size)) = signed(n) else { return Ok(None) };
    let side = match p.opt_str("side").as_deref() {
        Some("LONG") => Side::Long,
        Some("SHORT") => Side::Short,
        _ => sign_side,
    };
    let entry = p.req_num("entryPrice")?;
    let upnl = p.opt_num("unrealizedPnl")?;
    let mut notes = p.unread(DYDX_READ);
    let mark = match ctx.marks.get(market) {
        Some(m) => Some(*m),
        None => match upnl {
            Some(u) => {
                let m = entry + side.sign() * u / size;
                ctx.assumptions.push(format!(
                    "dYdX {market}: no perpetualMarkets response, so the oracle price {} is derived from unrealizedPnl; add GET /v4/perpetualMarkets for the current oracle price",
                    round_sig(m)
                ));
                notes.insert(0, "oracle price derived from unrealizedPnl".into());
                Some(m).filter(|m| *m > 0.0)
            }
            None => None,
        },
    };
    let mmr = ctx.mmf.get(market).copied();
    if mmr.is_none() {
        notes.push("maintenance fraction from leverlab's dYdX liquidity tiers (add perpetualMarkets for the market's own)".into());
    }
    Ok(Some(Row {
        path: p.path.clone(),
        symbol: market.to_string(),
        side,
        contract: Contract::Linear,
        size,
        entry,
        mark,
        leverage: None,
        mode: if isolated { MarginMode::Isolated } else { MarginMode::Cross },
        margin: None,
        venue_liq: None,
        settle: "USDC".into(),
        upnl,
        mmr,
        taker_fee: None,
        max_leverage: None,
        notes,
    }))
}

/// Reads dYdX `perpetualMarkets`: oracle price and maintenance fraction per market.
pub(crate) fn dydx_markets(at: &At<'_>, ctx: &mut Context) -> Result<(), Vec<FieldError>> {
    let markets = at.req("markets").and_then(|m| m.members()).map_err(|e| vec![e])?;
    for (name, m) in markets {
        if let Some(p) = m.opt_num("oraclePrice").map_err(|e| vec![e])?.filter(|p| *p > 0.0) {
            ctx.marks.insert(name.clone(), p);
        }
        if let Some(f) = m.opt_num("maintenanceMarginFraction").map_err(|e| vec![e])?.filter(|f| *f > 0.0 && *f < 1.0) {
            ctx.mmf.insert(name, f);
        }
    }
    Ok(())
}
