//! Binance USDⓈ-M (`/fapi/v2|v3/positionRisk`, `/fapi/v2|v3/account`) and COIN-M
//! (`/dapi/v1/positionRisk`, `/dapi/v1/account`).
//!
//! Sources: Binance "Position Information V2/V3" and "Account Information V2/V3" pages
//! (developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/
//! Position-Information-V2, …-V3, coin-margined-futures/…/Position-Information). Traps: rows for
//! every symbol with `positionAmt` "0" (flat, skipped); hedge mode has one row per side
//! (`positionSide` LONG/SHORT, short amounts negative); `liquidationPrice` "0" means none;
//! `isolatedMargin` includes unrealised PnL, so the isolated collateral is `isolatedWallet`;
//! v3 has no `leverage` (derived as |notional| ÷ positionInitialMargin, both at mark); COIN-M
//! `positionAmt` counts contracts of 100 USD (BTC) or 10 USD (others) [BN-COINM-LP].

use super::node::At;
use super::{liq_or_none, rows_of, signed, Balance, Context, Kind, Row, RowsResult};
use crate::engine::scenario::{Contract, FieldError, MarginMode, Side};

/// True for a COIN-M symbol: `BTCUSD_PERP`, `ETHUSD_201225` (USDⓈ-M quarterlies are
/// `BTCUSDT_240628`).
pub(crate) fn is_coin_m(symbol: &str) -> bool {
    let head = symbol.split('_').next().unwrap_or(symbol);
    symbol.contains('_') && head.ends_with("USD")
}

/// COIN-M contract size in USD: 100 for BTC, 10 for the others (Binance COIN-M contract
/// specifications; `contractSize` of `/dapi/v1/exchangeInfo`).
fn coin_m_contract_size(symbol: &str) -> f64 {
    if symbol.starts_with("BTC") {
        100.0
    } else {
        10.0
    }
}

/// The quote (settlement) asset of a USDⓈ-M symbol.
fn um_settle(symbol: &str) -> &'static str {
    let head = symbol.split('_').next().unwrap_or(symbol);
    if head.ends_with("USDC") {
        "USDC"
    } else if head.ends_with("BUSD") {
        "BUSD"
    } else {
        "USDT"
    }
}

const READ_UM: &[&str] = &[
    "symbol",
    "positionAmt",
    "positionSide",
    "entryPrice",
    "markPrice",
    "liquidationPrice",
    "leverage",
    "marginType",
    "isolatedWallet",
    "isolatedMargin",
    "unRealizedProfit",
    "notional",
    "positionInitialMargin",
    "initialMargin",
    "marginAsset",
];

/// Reads a positionRisk response.
pub(crate) fn positions(kind: Kind, at: &At<'_>, ctx: &mut Context) -> RowsResult {
    let coin_m = kind == Kind::BinanceCmPositions;
    let parsed = rows_of(at.items().map_err(|e| vec![e])?, |it| row(it, kind, coin_m))?;
    if coin_m && !parsed.rows.is_empty() {
        ctx.assumptions.push(
            "Binance COIN-M positionAmt is in contracts: 100 USD each for BTC, 10 USD for the others (COIN-M contract specifications)".into(),
        );
    }
    Ok(parsed)
}

fn row(it: &At<'_>, kind: Kind, coin_m: bool) -> Result<Option<Row>, FieldError> {
    let symbol = it.req_str("symbol")?;
    let amt = it.req_num("positionAmt")?;
    let Some((side, amount)) = signed(amt) else { return Ok(None) };
    if let Some(ps) = it.opt_str("positionSide") {
        let want = match side {
            Side::Long => "LONG",
            Side::Short => "SHORT",
        };
        if ps != "BOTH" && ps != want {
            return Err(FieldError::new(
                format!("{}.positionSide", it.path),
                format!("is {ps} but positionAmt {amt} says {want}; in hedge mode SHORT rows have negative amounts"),
            ));
        }
    }
    let entry = it.req_num("entryPrice")?;
    if entry <= 0.0 {
        return Err(FieldError::new(format!("{}.entryPrice", it.path), "must be > 0 for an open position"));
    }
    let mark = it.opt_num("markPrice")?.filter(|m| *m > 0.0);
    let upnl = it.opt_num("unRealizedProfit")?;
    let isolated_wallet = it.opt_num("isolatedWallet")?;
    let mode = match (kind, it.opt_str("marginType")) {
        (_, Some(t)) if t.eq_ignore_ascii_case("isolated") => MarginMode::Isolated,
        (_, Some(_)) => MarginMode::Cross,
        // v3 has no marginType: isolated exactly when the position has its own wallet.
        (_, None) if isolated_wallet.is_some_and(|w| w != 0.0) => MarginMode::Isolated,
        _ => MarginMode::Cross,
    };
    let mut notes = it.unread(READ_UM);
    let margin = match mode {
        MarginMode::Cross | MarginMode::Portfolio => None,
        MarginMode::Isolated => match isolated_wallet.filter(|w| *w > 0.0) {
            Some(w) => Some(w),
            None => {
                // COIN-M pages omit isolatedWallet: isolatedMargin includes the unrealised PnL.
                let m = it.opt_num("isolatedMargin")?;
                match (m, upnl) {
                    (Some(m), Some(u)) if m - u > 0.0 => {
                        notes.insert(0, "isolated margin = isolatedMargin − unRealizedProfit (isolatedMargin includes unrealised PnL)".into());
                        Some(m - u)
                    }
                    _ => None,
                }
            }
        },
    };
    let leverage = match it.opt_num("leverage")? {
        Some(l) => Some(l),
        None => {
            let notional = it.opt_num("notional")?.map(f64::abs);
            let im = it.opt_num("positionInitialMargin")?.or(it.opt_num("initialMargin")?);
            match (notional, im) {
                (Some(n), Some(im)) if im > 0.0 && n > 0.0 => {
                    let l = (n / im * 100.0).round() / 100.0;
                    notes.insert(0, format!("leverage {l} derived as |notional| ÷ positionInitialMargin (v3 has no leverage field)"));
                    Some(l)
                }
                _ => None,
            }
        }
    };
    let (contract, size, settle) = if coin_m {
        let base = symbol.split("USD").next().unwrap_or("").to_ascii_uppercase();
        (Contract::Inverse, amount * coin_m_contract_size(&symbol), base)
    } else {
        let settle = it.opt_str("marginAsset").unwrap_or_else(|| um_settle(&symbol).to_string());
        (Contract::Linear, amount, settle.to_ascii_uppercase())
    };
    Ok(Some(Row {
        path: it.path.clone(),
        symbol,
        side,
        contract,
        size,
        entry,
        mark,
        leverage,
        mode,
        margin,
        venue_liq: liq_or_none(it.opt_num("liquidationPrice")?),
        settle,
        upnl,
        mmr: None,
        taker_fee: None,
        max_leverage: None,
        notes,
    }))
}

/// Reads an account response: the cross wallet balance per asset.
pub(crate) fn account(kind: Kind, at: &At<'_>, ctx: &mut Context) -> Result<(), Vec<FieldError>> {
    let mut found = false;
    if let Some(assets) = at.key("assets") {
        for a in assets.items().map_err(|e| vec![e])? {
            let asset = a.req_str("asset").map_err(|e| vec![e])?.to_ascii_uppercase();
            let w = match a.opt_num("crossWalletBalance").map_err(|e| vec![e])? {
                Some(w) => Some(w),
                None => a.opt_num("walletBalance").map_err(|e| vec![e])?,
            };
            if let Some(w) = w {
                ctx.balances.insert(asset, Balance::Wallet(w));
                found = true;
            }
        }
    }
    if kind == Kind::BinanceUmAccount {
        if let Some(w) = at.opt_num("totalCrossWalletBalance").map_err(|e| vec![e])? {
            ctx.balances.entry("USDT".into()).or_insert(Balance::Wallet(w));
            found = true;
        }
    }
    if found {
        Ok(())
    } else {
        Err(vec![FieldError::new(at.path.clone(), "an account response without totalCrossWalletBalance or assets[].crossWalletBalance")])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coin_m_symbols() {
        assert!(is_coin_m("BTCUSD_PERP"));
        assert!(is_coin_m("ETHUSD_201225"));
        assert!(!is_coin_m("BTCUSDT"));
        assert!(!is_coin_m("BTCUSDT_240628"));
        assert_eq!(coin_m_contract_size("BTCUSD_PERP"), 100.0);
        assert_eq!(coin_m_contract_size("ETHUSD_PERP"), 10.0);
    }
}
