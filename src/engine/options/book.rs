//! A book of options and futures under a move of the underlying, for the stress curve, the
//! scenario grid and the surface (`engine::analytics::stress`).
//!
//! Each option position is valued with the generalised Black-Scholes price ([`super::bsm`]) at
//! its (moved) `underlying_price`, its volatility and time to expiry held; in the settlement
//! asset per unit that is `V(S)` for linear options and `V(S) / S` for inverse (coin-settled)
//! ones [DRB-inv]. A volatility the position does not give is implied once from its
//! `mark_price` at the unmoved underlying ([`resolved`]), so the unmoved book is worth its
//! marks and a moved one is revalued by the model, not by a premium re-implied at the moved
//! price.
//!
//! The account adds the options to the futures Report the way Deribit counts an account with
//! options ([DRB-PM]'s equity: balance + futures P&L + options' value, long + and short −):
//!
//! ```text
//! equity       = Report equity (wallet + futures P&L) + Σ ± size × V
//! unrealised   = Report unrealised P&L + Σ ± size × (V − entry_price)
//! maintenance  = Report maintenance + Σ size × MM_option(S, V)   (Deribit's standard option
//!                MM, super::deribit_margin, at the venues that publish it; else 0)
//! ```
//!
//! Amounts are in the settlement asset; the options must settle in the Report totals' asset
//! (a coin-settled option beside linear futures is an error naming the option's settlement).
//! A book in `margin_mode: portfolio` is valued here with standard (cross) margins; the
//! `portfolio` analysis gives its portfolio margin.
//!
//! Sources: [DRB-inv] support.deribit.com "Inverse Options"; [DRB-PM] support.deribit.com
//! "Portfolio Margin" (equity includes the options' mark value).

use serde::{Deserialize, Serialize};

use super::{deribit_margin, has_option_margin, model_inputs, settlement, volatility, years_to_expiry};
use crate::engine::report::Settlement;
use crate::engine::scenario::{Contract, FieldError, InputErrors, MarginMode, Scenario};
use crate::engine::Report;

/// One option position at its underlying price, settlement asset.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct OptionAtMove {
    /// Index of the position in the Scenario.
    pub index: usize,
    /// The underlying price it was valued at.
    pub underlying_price: f64,
    /// Model value per unit (settlement asset).
    pub value: f64,
    /// `± size × value`.
    pub position_value: f64,
    /// `± size × (value − entry_price)`.
    pub pnl: f64,
    /// `size × ` Deribit's standard option maintenance margin at this price (0 at venues
    /// without a published option rule in leverlab).
    pub maintenance: f64,
}

/// The Scenario with each option's volatility fixed (its own, else implied from its
/// `mark_price`) and the option's `mark_price` dropped, so that a moved `underlying_price`
/// revalues it with the model. A Scenario without options comes back unchanged.
///
/// # Errors
/// The options' input problems (no volatility and no premium, a premium outside the
/// no-arbitrage bounds), at their paths.
pub fn resolved(s: &Scenario) -> Result<Scenario, InputErrors> {
    if s.positions.iter().all(|p| p.option.is_none()) {
        return Ok(s.clone());
    }
    let mut out = s.clone();
    let mut errors = Vec::new();
    for (i, p) in s.positions.iter().enumerate() {
        let Some(o) = &p.option else { continue };
        let at = format!("positions[{i}].option");
        let sigma = years_to_expiry(s, o, &at).and_then(|t| volatility(s, i, p, o, t).map(|(v, _)| v));
        match sigma {
            Ok(v) => {
                let q = &mut out.positions[i];
                if let Some(spec) = q.option.as_mut() {
                    spec.volatility = Some(v);
                }
                q.mark_price = None;
            }
            Err(e) => errors.push(e),
        }
    }
    InputErrors::check(errors)?;
    Ok(out)
}

/// Each option position of `s` at its `underlying_price` (see the module docs).
///
/// # Errors
/// The options' input problems, at their paths.
pub fn at_underlying(s: &Scenario) -> Result<Vec<OptionAtMove>, InputErrors> {
    let mut out = Vec::new();
    for (i, p) in s.positions.iter().enumerate() {
        let Some(o) = &p.option else { continue };
        let at = format!("positions[{i}].option");
        let t = years_to_expiry(s, o, &at)?;
        let (sigma, _) = volatility(s, i, p, o, t)?;
        let settle = settlement(s, o);
        let usd = model_inputs(o, t, sigma).price();
        let value = match settle {
            Contract::Inverse => usd / o.underlying_price,
            Contract::Linear => usd,
        };
        let mm = if has_option_margin(s.venue) {
            deribit_margin(p.side, o.kind, settle, o.strike, o.underlying_price, value).1 * p.size
        } else {
            0.0
        };
        let sg = p.side.sign();
        let row = OptionAtMove {
            index: i,
            underlying_price: o.underlying_price,
            value,
            position_value: sg * p.size * value,
            pnl: sg * p.size * (value - p.entry_price),
            maintenance: mm,
        };
        if ![row.value, row.position_value, row.pnl, row.maintenance].iter().all(|x| x.is_finite()) {
            return Err(FieldError::new(at, "the model's value is not finite at this underlying price").into());
        }
        out.push(row);
    }
    Ok(out)
}

/// The futures of the book as their own Scenario (portfolio mode read as cross: standard
/// margins).
pub fn futures_only(s: &Scenario) -> Scenario {
    Scenario {
        margin_mode: if s.margin_mode == MarginMode::Portfolio { MarginMode::Cross } else { s.margin_mode },
        portfolio_margin: None,
        positions: s.positions.iter().filter(|p| p.option.is_none()).cloned().collect(),
        ..s.clone()
    }
}

/// The book's account with its options counted (module docs): the futures Report with the
/// options' value, P&L and maintenance added to its totals, and the options' rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Valued {
    /// The futures Report (positions: the futures only) with the account totals including the
    /// options.
    pub report: Report,
    pub options: Vec<OptionAtMove>,
}

/// Evaluates `s`: the futures Report alone when it has no options; else the futures Report
/// with the options added to its account totals (module docs).
///
/// # Errors
/// The Report's errors; the options' input problems; an option settling in another asset than
/// the account's totals.
pub fn evaluate_book(s: &Scenario) -> Result<Valued, InputErrors> {
    if s.positions.iter().all(|p| p.option.is_none()) {
        return Ok(Valued { report: crate::engine::evaluate(s)?, options: Vec::new() });
    }
    let options = at_underlying(s)?;
    let futures = futures_only(s);
    let mut report = crate::engine::evaluate(&futures)?;
    // The totals' asset: the futures Report's, else the first option's.
    let asset = |c: Contract, symbol: &str| match c {
        Contract::Inverse => (Settlement::Coin, Some(crate::engine::tables::base_coin(symbol))),
        Contract::Linear => (Settlement::Quote, None),
    };
    let totals = if futures.positions.is_empty() {
        let first = options.first().map(|o| &s.positions[o.index]);
        first.and_then(|p| p.option.as_ref().map(|o| asset(settlement(s, o), &p.symbol))).unwrap_or((Settlement::Quote, None))
    } else {
        (report.account.settlement, report.account.coin.clone())
    };
    for o in &options {
        let p = &s.positions[o.index];
        let Some(spec) = &p.option else { continue };
        let mine = asset(settlement(s, spec), &p.symbol);
        if mine != totals {
            let name = |a: &(Settlement, Option<String>)| a.1.clone().unwrap_or_else(|| "the quote currency".into());
            return Err(FieldError::new(
                format!("positions[{}].option.settlement", o.index),
                format!("the account's totals are in {}, this option settles in {}: value books of one settlement asset together", name(&totals), name(&mine)),
            )
            .into());
        }
    }
    let a = &mut report.account.totals;
    if futures.positions.is_empty() {
        a.settlement = totals.0;
        a.coin = totals.1;
        if a.wallet_balance == 0.0 {
            a.wallet_balance = s.wallet_balance.unwrap_or(0.0);
        }
    }
    let value: f64 = options.iter().map(|o| o.position_value).sum();
    let pnl: f64 = options.iter().map(|o| o.pnl).sum();
    let mm: f64 = options.iter().map(|o| o.maintenance).sum();
    a.unrealized_pnl += pnl;
    a.equity = a.wallet_balance + (a.unrealized_pnl - pnl) + value;
    a.total_maintenance_margin += mm;
    a.margin_ratio = (a.equity > 0.0).then(|| a.total_maintenance_margin / a.equity);
    // The futures solver's common liquidation moves do not see the options.
    a.liquidation_move_down = None;
    a.liquidation_move_up = None;
    report.account.wallets.clear();
    Ok(Valued { report, options })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(doc: serde_json::Value) -> Scenario {
        crate::engine::parse_scenario(&doc.to_string()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Put-call parity under the book's valuation at any underlying: a long call and a short put
    /// of one strike (linear, r = 0, b = 0) are worth `S − K` together (Hull ch. 11,
    /// `c − p = S e^{−qT} − K e^{−rT}` with r = q = 0).
    #[test]
    fn a_long_call_and_short_put_are_a_forward() {
        let o = |kind: &str, s: f64| serde_json::json!({"type": kind, "strike": 100, "expiry_years": 0.5, "underlying_price": s, "volatility": 0.4, "settlement": "linear"});
        for s in [60.0, 100.0, 150.0] {
            let doc = serde_json::json!({"venue": "generic", "margin_mode": "cross", "wallet_balance": 0,
                "positions": [
                    {"symbol": "X-C", "contract": "option", "side": "long", "size": 1, "entry_price": 1, "option": o("call", s)},
                    {"symbol": "X-P", "contract": "option", "side": "short", "size": 1, "entry_price": 1, "option": o("put", s)}]});
            let v = at_underlying(&parse(doc)).unwrap();
            let sum = v[0].position_value + v[1].position_value;
            assert!((sum - (s - 100.0)).abs() < 1e-9, "{s}: {sum}");
        }
    }

    /// A volatility implied from the mark is kept when the underlying moves: the resolved book
    /// is worth its marks before any move.
    #[test]
    fn resolved_books_are_worth_their_marks() {
        let doc = serde_json::json!({"venue": "deribit", "margin_mode": "cross", "wallet_balance": 1,
            "positions": [{"symbol": "BTC-X-P", "contract": "option", "side": "long", "size": 2, "entry_price": 0.03, "mark_price": 0.032,
              "option": {"type": "put", "strike": 85000, "expiry_years": 0.25, "underlying_price": 92000, "model": "black-76", "settlement": "inverse"}}]});
        let s = parse(doc);
        let r = resolved(&s).unwrap();
        assert!(r.positions[0].mark_price.is_none() && r.positions[0].option.as_ref().unwrap().volatility.is_some());
        let v = at_underlying(&r).unwrap();
        assert!((v[0].value - 0.032).abs() < 1e-12, "{}", v[0].value);
        let b = evaluate_book(&r).unwrap();
        // Equity = wallet + the options' value: 1 + 2 × 0.032; unrealised 2 × (0.032 − 0.03).
        assert!((b.report.account.equity - (1.0 + 2.0 * 0.032)).abs() < 1e-12);
        assert!((b.report.account.unrealized_pnl - 2.0 * 0.002).abs() < 1e-12);
    }

    /// (A cross account refuses the mix when it is read; an isolated one reaches this check.)
    #[test]
    fn an_option_in_another_asset_than_the_totals_is_named() {
        let doc = serde_json::json!({"venue": "deribit", "margin_mode": "isolated",
            "positions": [
                {"symbol": "BTC-PERPETUAL", "side": "long", "size": 1000, "entry_price": 90000, "leverage": 10},
                {"symbol": "BTC-X-C", "contract": "option", "side": "long", "size": 1, "entry_price": 100,
                 "option": {"type": "call", "strike": 90000, "expiry_years": 0.1, "underlying_price": 90000, "volatility": 0.5, "settlement": "linear"}}]});
        let e = evaluate_book(&parse(doc)).unwrap_err().to_string();
        assert!(e.contains("positions[1].option.settlement: the account's totals are in BTC, this option settles in the quote currency"), "{e}");
    }
}
