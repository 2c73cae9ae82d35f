//! European options on crypto underlyings: the `option` section of a position, its value and
//! Greeks under the generalised Black-Scholes model ([`bsm`]), linear (quote-settled) and
//! inverse (coin-settled, Deribit) settlement, the payoff at expiry, and Deribit's standard
//! margin for options.
//!
//! A position is an option when it has an `option` section (`"contract": "option"`). Its
//! `size` is the number of contracts of one unit of the underlying (Deribit's multiplier is
//! 1 coin), `entry_price` the premium paid or received per unit and `mark_price` the current
//! premium per unit, both in the settlement asset: the quote currency for linear options, the
//! coin for inverse ones ([DRB-inv]: "premium and settlement in coin").
//!
//! # Inverse (coin-settled) options
//! Deribit's BTC and ETH options are priced in USD by the model and quoted in coin: the coin
//! premium is the USD premium divided by the underlying price, the payoff at expiry in coin is
//! `max(S_T − K, 0) / S_T` for a call and `max(K − S_T, 0) / S_T` for a put [DRB-inv],
//! [DRB-fd]; the breakeven of a call is `K / (1 − p)` and of a put `K / (1 + p)` for a coin
//! premium `p` [DRB-ins] (the payoff in coin equals the premium there). Deribit's delta of a
//! coin-settled option ("Delta Total") is the model delta minus the premium in coin
//! [DRB-faq-delta]: buying a 0.50-delta call for 0.10 BTC adds 0.40 to the account's delta.
//!
//! # Deribit standard margin for options
//! Per contract, in coin for inverse options (TSLAB's copy of Deribit's rules, [TSLAB]):
//!
//! * short call: IM `max(0.15 − OTM/S, 0.1) + mark`, MM `0.075 + mark`;
//! * short put: MM `max(0.075, 0.075 × mark) + mark`, IM `max(max(0.15 − OTM/S, 0.1) + mark, MM)`;
//! * long: the premium only (IM = premium, MM = 0);
//!
//! with the out-of-the-money amount `OTM = max(K − S, 0)` (call), `max(S − K, 0)` (put) and
//! `mark` the option's mark price in coin. Linear (USDC-settled) options use the same
//! fractions of the underlying price in quote (Aevo's copy of the same rule: `max(0.15 −
//! OTM/Spot, 0.1) × Spot + mark` [AEVO]).
//!
//! Sources: [DRB-inv] support.deribit.com "Inverse Options"; [DRB-fd] Deribit "Options
//! explained"; [DRB-ins] insights.deribit.com options course 4-3, 6-4; [DRB-faq-delta] the
//! Deribit FAQ on delta as quoted in greekslive.medium.com "Bitcoin options premium and its
//! delta"; [TSLAB] doc.tslab.pro "Deribit Margin Requirements Calculation"; [AEVO]
//! api-docs.aevo.xyz "Standard Margin".

pub mod book;
pub mod bsm;

use serde::{Deserialize, Serialize};

pub use bsm::{Bsm, IvError, OptionType};

use crate::engine::input::{opt, req, Field, Shape};
use crate::engine::scenario::{check_positive, Contract, FieldError, InputErrors, Position, Scenario, Side, Venue};

/// The pricing model. The names are part of the format.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "kebab-case")]
pub enum OptionModel {
    /// Black-Scholes-Merton on a spot price with dividend (or lending) yield: `b = r − q`.
    #[default]
    BlackScholes,
    /// Black-76 on a forward or futures price: `b = 0`.
    #[serde(rename = "black-76")]
    Black76,
    /// Garman-Kohlhagen: the yield is the foreign (base-asset) rate, `b = r − r_f`.
    GarmanKohlhagen,
}

/// The `option` section of a position. The field names are part of the format.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct OptionSpec {
    #[serde(rename = "type")]
    pub kind: OptionType,
    pub strike: f64,
    /// Years to expiry (calendar, ACT/365); or `expiry` with the Scenario's `now`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_years: Option<f64>,
    /// The expiry as an RFC 3339 time (`2026-03-27T08:00:00Z`); needs the Scenario's `now`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    /// Spot (black-scholes, garman-kohlhagen) or forward (black-76) price of the underlying.
    pub underlying_price: f64,
    /// Annualised volatility (0.55 = 55 %); absent: implied from the position's `mark_price`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volatility: Option<f64>,
    /// Risk-free rate, continuous, per year (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// Dividend, lending or foreign rate, continuous, per year (default 0); carry b = rate − dividend_yield.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dividend_yield: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<OptionModel>,
    /// `linear` (premium and payoff in quote) or `inverse` (in coin); default: the venue's usual contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<Contract>,
}

/// The model names of the format.
pub const MODELS: &[&str] = &["black-scholes", "black-76", "garman-kohlhagen"];
/// The option types of the format.
pub const TYPES: &[&str] = &["call", "put"];

/// The fields of the `option` section ([`OptionSpec`]).
pub const OPTION_FIELDS: &[Field] = &[
    req("type", Shape::Choice(TYPES)),
    req("strike", Shape::Number),
    opt("expiry_years", Shape::Number),
    opt("expiry", Shape::Text),
    req("underlying_price", Shape::Number),
    opt("volatility", Shape::Number),
    opt("rate", Shape::Number),
    opt("dividend_yield", Shape::Number),
    opt("model", Shape::Choice(MODELS)),
    opt("settlement", Shape::Choice(&["linear", "inverse"])),
];

/// The futures fields that mean nothing for an option position.
const FUTURES_ONLY: &[&str] =
    &["leverage", "margin", "mmr", "maint_amount", "tiers", "max_leverage", "taker_fee", "funding_rate", "venue_liquidation_price"];

/// Seconds in the calendar year of the year fractions (ACT/365: crypto markets never close).
const YEAR_SECONDS: f64 = 365.0 * 86_400.0;

/// Seconds since 1970 of an RFC 3339 time.
fn epoch_seconds(text: &str) -> Result<f64, String> {
    let t = humantime::parse_rfc3339(text)
        .map_err(|e| format!("`{text}` is not an RFC 3339 UTC time like 2026-03-27T08:00:00Z ({e})"))?;
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .map_err(|_| format!("`{text}` is before 1970"))
}

/// The settlement of an option position: its own, else the venue's usual contract.
pub fn settlement(s: &Scenario, o: &OptionSpec) -> Contract {
    o.settlement.unwrap_or_else(|| crate::engine::venue::default_contract(s.venue))
}

/// Years to expiry of an option: `expiry_years`, or (`expiry` − `now`) / 365 days.
///
/// # Errors
/// The problem at its path (no expiry, both, an unreadable time, no `now`, an expiry at or
/// before `now`).
pub fn years_to_expiry(s: &Scenario, o: &OptionSpec, at: &str) -> Result<f64, FieldError> {
    match (o.expiry_years, &o.expiry) {
        (Some(_), Some(_)) => Err(FieldError::new(format!("{at}.expiry"), "give expiry_years or expiry, not both")),
        (None, None) => Err(FieldError::new(format!("{at}.expiry_years"), "required: give expiry_years, or expiry with the Scenario's now")),
        (Some(t), None) => {
            if !t.is_finite() || t <= 0.0 {
                Err(FieldError::new(
                    format!("{at}.expiry_years"),
                    "must be > 0: at 0 or below the option has expired (its value is its payoff at the underlying price)",
                ))
            } else if t > 100.0 {
                Err(FieldError::new(format!("{at}.expiry_years"), "must be at most 100 years"))
            } else {
                Ok(t)
            }
        }
        (None, Some(e)) => {
            let end = epoch_seconds(e).map_err(|m| FieldError::new(format!("{at}.expiry"), m))?;
            let Some(now) = &s.now else {
                return Err(FieldError::new(
                    format!("{at}.expiry"),
                    "needs the Scenario's now (e.g. \"now\": \"2026-01-01T00:00:00Z\") to count the time to expiry; or give expiry_years",
                ));
            };
            let start = epoch_seconds(now).map_err(|m| FieldError::new("now", m))?;
            if end <= start {
                return Err(FieldError::new(
                    format!("{at}.expiry"),
                    format!("{e} is not after now ({now}): the option has expired (its value is its payoff at the underlying price)"),
                ));
            }
            Ok((end - start) / YEAR_SECONDS)
        }
    }
}

/// The model inputs of an option position with volatility `sigma`.
pub fn model_inputs(o: &OptionSpec, t: f64, sigma: f64) -> Bsm {
    let r = o.rate.unwrap_or(0.0);
    let model = o.model.unwrap_or_default();
    let b = match model {
        OptionModel::Black76 => 0.0,
        OptionModel::BlackScholes | OptionModel::GarmanKohlhagen => r - o.dividend_yield.unwrap_or(0.0),
    };
    Bsm { kind: o.kind, s: o.underlying_price, k: o.strike, t, sigma, r, b, forward: model == OptionModel::Black76 }
}

/// The premium per unit in the model's currency (quote): the position's premium for linear
/// options, the coin premium × the underlying price for inverse ones.
fn premium_in_quote(settle: Contract, premium: f64, underlying: f64) -> f64 {
    match settle {
        Contract::Linear => premium,
        Contract::Inverse => premium * underlying,
    }
}

/// The volatility of an option position: its own, else implied from its `mark_price`.
///
/// # Errors
/// Neither given, or a `mark_price` outside the no-arbitrage bounds (at its path, saying why).
pub fn volatility(s: &Scenario, i: usize, p: &Position, o: &OptionSpec, t: f64) -> Result<(f64, Option<f64>), FieldError> {
    let implied = match p.mark_price {
        Some(mark) => {
            let settle = settlement(s, o);
            let quote = premium_in_quote(settle, mark, o.underlying_price);
            let (unit, scale) = match settle {
                Contract::Linear => ("(quote)", 1.0),
                Contract::Inverse => ("coin", 1.0 / o.underlying_price),
            };
            Some(model_inputs(o, t, 1.0).implied_volatility(quote).map_err(|e| {
                FieldError::new(format!("positions[{i}].mark_price"), format!("as the option's premium per unit: {}", e.explain(o.kind, mark, scale, unit)))
            })?)
        }
        None => None,
    };
    match (o.volatility, implied) {
        (Some(v), iv) => Ok((v, iv)),
        (None, Some(iv)) => Ok((iv, Some(iv))),
        (None, None) => Err(FieldError::new(
            format!("positions[{i}].option.volatility"),
            "required: give the volatility, or the option's current premium as mark_price to solve its implied volatility",
        )),
    }
}

/// Range and combination checks of the option positions, pushed onto `errors` (run by
/// [`Scenario::problems`] in place of the futures checks for these positions).
pub fn problems(s: &Scenario, i: usize, p: &Position, o: &OptionSpec, errors: &mut Vec<FieldError>) {
    let at = format!("positions[{i}].option");
    let before = errors.len();
    check_positive(errors, &format!("positions[{i}].size"), p.size);
    check_positive(errors, &format!("positions[{i}].entry_price"), p.entry_price);
    if let Some(m) = p.mark_price {
        check_positive(errors, &format!("positions[{i}].mark_price"), m);
    }
    check_positive(errors, &format!("{at}.strike"), o.strike);
    check_positive(errors, &format!("{at}.underlying_price"), o.underlying_price);
    for (name, price) in [("strike", o.strike), ("underlying_price", o.underlying_price)] {
        if price.is_finite() && price > 0.0 && !(crate::engine::MIN_PRICE..=crate::engine::MAX_PRICE).contains(&price) {
            errors.push(FieldError::new(format!("{at}.{name}"), "is outside the supported 1e-12 to 1e12"));
        }
    }
    if let Some(v) = o.volatility {
        if !v.is_finite() || v <= 0.0 || v > 20.0 {
            errors.push(FieldError::new(format!("{at}.volatility"), "must be > 0 and at most 20 (annualised: 0.55 = 55 %)"));
        }
    }
    for (name, r) in [("rate", o.rate), ("dividend_yield", o.dividend_yield)] {
        if let Some(r) = r {
            if !r.is_finite() || r.abs() >= 1.0 {
                errors.push(FieldError::new(format!("{at}.{name}"), "must be a continuous rate per year above −1 and below 1"));
            }
        }
    }
    if o.model == Some(OptionModel::Black76) && o.dividend_yield.is_some_and(|q| q != 0.0) {
        errors.push(FieldError::new(
            format!("{at}.dividend_yield"),
            "means nothing for black-76 (the underlying_price is a forward, its carry is 0); remove it, or use black-scholes",
        ));
    }
    let v = serde_json::to_value(p).unwrap_or_default();
    for f in FUTURES_ONLY {
        if v.get(*f).is_some_and(|x| !x.is_null()) {
            errors.push(FieldError::new(
                format!("positions[{i}].{f}"),
                "means nothing for an option position (its margin follows the venue's option rules); remove it",
            ));
        }
    }
    let t = match years_to_expiry(s, o, &at) {
        Ok(t) => t,
        Err(e) => {
            errors.push(e);
            return;
        }
    };
    if errors.len() == before {
        if let Err(e) = volatility(s, i, p, o, t) {
            errors.push(e);
        }
    }
}

/// The problems of `contract` against the `option` section in a raw Scenario document
/// (`"contract": "option"` needs an `option` section; an `option` section needs no other
/// contract): checked on the JSON because the typed Position keeps only the section.
pub fn contract_problems(v: &serde_json::Value) -> Vec<FieldError> {
    let mut out = Vec::new();
    let Some(list) = v.get("positions").and_then(serde_json::Value::as_array) else { return out };
    for (i, p) in list.iter().enumerate() {
        let contract = p.get("contract").and_then(serde_json::Value::as_str);
        let has_option = p.get("option").is_some_and(|o| !o.is_null());
        match (contract, has_option) {
            (Some("option"), false) => out.push(FieldError::new(
                format!("positions[{i}].option"),
                "required for contract \"option\": {\"type\": \"call\", \"strike\": …, \"expiry_years\": …, \"underlying_price\": …, \"volatility\": …}",
            )),
            (Some(c @ ("linear" | "inverse")), true) => out.push(FieldError::new(
                format!("positions[{i}].contract"),
                format!("{c} with an option section: an option position has contract \"option\" (its settlement goes in option.settlement)"),
            )),
            _ => {}
        }
    }
    out
}

/// Reads a position's `contract`: `linear`, `inverse`, or `option` (kept as `None`: the
/// position's `option` section says it is an option; [`contract_problems`] holds the two
/// together).
///
/// # Errors
/// Any other value.
pub fn read_contract<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Contract>, D::Error> {
    match Option::<String>::deserialize(d)?.as_deref() {
        None | Some("option") => Ok(None),
        Some("linear") => Ok(Some(Contract::Linear)),
        Some("inverse") => Ok(Some(Contract::Inverse)),
        Some(other) => Err(serde::de::Error::unknown_variant(other, &["linear", "inverse", "option"])),
    }
}

/// Price, Greeks, premium and margin of one option position.
///
/// Per unit (one contract of one unit of the underlying, long), in the quote currency unless
/// said: `price`, `delta`, `gamma`, `vega` (per 1.00 of volatility), `theta` (per year of
/// calendar time), `rho` (per 1.00 of rate), `vega_per_point` (`vega / 100`), `theta_per_day`
/// (`theta / 365`). Whole-position figures are in the settlement asset.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct OptionGreeks {
    pub index: usize,
    pub symbol: String,
    pub side: Side,
    #[serde(rename = "type")]
    pub kind: OptionType,
    pub settlement: Contract,
    pub model: OptionModel,
    pub size: f64,
    pub strike: f64,
    pub underlying_price: f64,
    pub expiry_years: f64,
    /// The volatility priced with (given, or implied from mark_price).
    pub volatility: f64,
    /// Implied from mark_price when one is given.
    pub implied_volatility: Option<f64>,
    /// price, delta, gamma, vega, theta, rho.
    #[serde(flatten)]
    pub value: bsm::Valuation,
    pub vega_per_point: f64,
    pub theta_per_day: f64,
    /// The underlying price at expiry where the payoff equals the premium paid (`entry_price`):
    /// linear call `K + p`, put `K − p`; inverse call `K / (1 − p)`, put `K / (1 + p)`; `null`
    /// when none is reached (an inverse call bought for ≥ 1 coin, a linear put for ≥ K).
    pub breakeven: Option<f64>,
    /// Inverse: the price in coin, `price / underlying_price`.
    pub price_coin: Option<f64>,
    /// Inverse: Deribit's coin delta, `delta − price_coin`.
    pub delta_coin: Option<f64>,
    /// The mark premium per unit in the settlement asset (mark_price, else the model price).
    pub mark: f64,
    /// Signed delta of the whole position (`± size × delta`; inverse: `± size × delta_coin`), in coins of the underlying.
    pub position_delta: f64,
    /// `± size × (mark − entry_price)`, settlement asset.
    pub unrealised_pnl: f64,
    /// Deribit standard margin of the whole position, settlement asset (`null` at venues without a published option rule in leverlab).
    pub initial_margin: Option<f64>,
    pub maintenance_margin: Option<f64>,
}

/// Deribit's standard initial and maintenance margin per contract (module docs), in the
/// settlement asset: long options their premium, short ones the [TSLAB] fractions.
pub fn deribit_margin(side: Side, kind: OptionType, settle: Contract, strike: f64, s: f64, mark: f64) -> (f64, f64) {
    if side == Side::Long {
        return (mark, 0.0);
    }
    let otm = match kind {
        OptionType::Call => (strike - s).max(0.0),
        OptionType::Put => (s - strike).max(0.0),
    };
    // Fractions of one coin (inverse) or of one underlying's price (linear).
    let scale = match settle {
        Contract::Inverse => 1.0,
        Contract::Linear => s,
    };
    let im_fraction = (0.15 - otm / s).max(0.1);
    match kind {
        OptionType::Call => (im_fraction * scale + mark, 0.075 * scale + mark),
        OptionType::Put => {
            let mm = (0.075 * scale).max(0.075 * mark) + mark;
            ((im_fraction * scale + mark).max(mm), mm)
        }
    }
}

/// The venues whose option margin leverlab models: Deribit (and the generic preset, which
/// follows it).
fn has_option_margin(v: Venue) -> bool {
    matches!(v, Venue::Deribit | Venue::Generic)
}

/// Option position `i` and its section, once its inputs are checked.
fn checked(s: &Scenario, i: usize) -> Result<(&Position, &OptionSpec), InputErrors> {
    let p = &s.positions[i];
    let Some(o) = &p.option else {
        return Err(FieldError::new(format!("positions[{i}].option"), "not an option position").into());
    };
    let mut errors = Vec::new();
    problems(s, i, p, o, &mut errors);
    InputErrors::check(errors)?;
    Ok((p, o))
}

/// Price, Greeks and margin of option position `i` (see [`OptionGreeks`]).
///
/// # Errors
/// The option's input problems, at their paths.
pub fn option_greeks(s: &Scenario, i: usize) -> Result<OptionGreeks, InputErrors> {
    let (p, o) = checked(s, i)?;
    let at = format!("positions[{i}].option");
    let t = years_to_expiry(s, o, &at)?;
    let (sigma, implied) = volatility(s, i, p, o, t)?;
    let settle = settlement(s, o);
    let v = model_inputs(o, t, sigma).value();
    let (price_coin, delta_coin) = match settle {
        Contract::Inverse => {
            let pc = v.price / o.underlying_price;
            (Some(pc), Some(v.delta - pc))
        }
        Contract::Linear => (None, None),
    };
    let mark = p.mark_price.unwrap_or(price_coin.unwrap_or(v.price));
    let premium = p.entry_price;
    let breakeven = match (settle, o.kind) {
        (Contract::Linear, OptionType::Call) => Some(o.strike + premium),
        (Contract::Linear, OptionType::Put) => (premium < o.strike).then(|| o.strike - premium),
        (Contract::Inverse, OptionType::Call) => (premium < 1.0).then(|| o.strike / (1.0 - premium)),
        (Contract::Inverse, OptionType::Put) => Some(o.strike / (1.0 + premium)),
    };
    let sg = p.side.sign();
    let (im, mm) = if has_option_margin(s.venue) {
        let (im, mm) = deribit_margin(p.side, o.kind, settle, o.strike, o.underlying_price, mark);
        (Some(im * p.size), Some(mm * p.size))
    } else {
        (None, None)
    };
    let out = OptionGreeks {
        index: i,
        symbol: p.symbol.clone(),
        side: p.side,
        kind: o.kind,
        settlement: settle,
        model: o.model.unwrap_or_default(),
        size: p.size,
        strike: o.strike,
        underlying_price: o.underlying_price,
        expiry_years: t,
        volatility: sigma,
        implied_volatility: implied,
        value: v,
        vega_per_point: v.vega / 100.0,
        theta_per_day: v.theta / 365.0,
        breakeven,
        price_coin,
        delta_coin,
        mark,
        position_delta: sg * p.size * delta_coin.unwrap_or(v.delta),
        unrealised_pnl: sg * p.size * (mark - premium),
        initial_margin: im,
        maintenance_margin: mm,
    };
    let all = [v.price, v.delta, v.gamma, v.vega, v.theta, v.rho, out.mark, out.position_delta, out.unrealised_pnl];
    if all.iter().any(|x| !x.is_finite()) {
        return Err(FieldError::new(format!("positions[{i}].option"), "the model's figures are not finite for these inputs (an extreme volatility, rate or expiry)").into());
    }
    Ok(out)
}

/// The payoff per unit at expiry, in the settlement asset, for an underlying price `price`:
/// `max(P − K, 0)` (call) or `max(K − P, 0)` (put) in quote; divided by `P` in coin for inverse
/// options [DRB-inv].
pub fn payoff(kind: OptionType, settle: Contract, strike: f64, price: f64) -> f64 {
    let intrinsic = match kind {
        OptionType::Call => (price - strike).max(0.0),
        OptionType::Put => (strike - price).max(0.0),
    };
    match settle {
        Contract::Linear => intrinsic,
        Contract::Inverse => intrinsic / price,
    }
}

/// The PnL row of option position `i` at expiry with the underlying at `price` (P); PnL = `± size ×
/// (payoff − premium)` in the settlement asset; ROE over the premium paid or received
/// (`size × entry_price`); `price_change` is `P / underlying_price − 1`.
///
/// # Errors
/// The option's input problems.
pub fn pnl_row(s: &Scenario, i: usize, price: f64) -> Result<crate::engine::tools::PnlRow, InputErrors> {
    let (p, o) = checked(s, i)?;
    let settle = settlement(s, o);
    let pnl = p.side.sign() * p.size * (payoff(o.kind, settle, o.strike, price) - p.entry_price);
    let premium = p.size * p.entry_price;
    Ok(crate::engine::tools::PnlRow {
        index: i,
        symbol: p.symbol.clone(),
        side: p.side,
        contract: settle,
        entry_price: p.entry_price,
        exit_price: price,
        pnl,
        pnl_quote: match settle {
            Contract::Linear => pnl,
            Contract::Inverse => pnl * price,
        },
        initial_margin: premium,
        roe: Some(pnl / premium).filter(|x| x.is_finite()),
        price_change: price / o.underlying_price - 1.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(option: serde_json::Value, side: &str, entry: f64) -> Scenario {
        let doc = serde_json::json!({"venue": "deribit", "margin_mode": "cross", "wallet_balance": 1.0,
            "positions": [{"symbol": "BTC-X", "contract": "option", "side": side, "size": 1, "entry_price": entry, "option": option}]});
        crate::engine::parse_scenario(&doc.to_string()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Deribit's breakevens of coin-settled options [DRB-ins]: a call bought for p coin breaks
    /// even at K/(1 − p), a put at K/(1 + p): K 40000, p 0.05 → 42105.26 and 38095.24.
    #[test]
    fn inverse_breakevens_follow_deribit() {
        let o = |kind: &str| serde_json::json!({"type": kind, "strike": 40000, "expiry_years": 0.1, "underlying_price": 40000, "volatility": 0.6});
        let call = option_greeks(&scenario(o("call"), "long", 0.05), 0).unwrap();
        assert!((call.breakeven.unwrap() - 40000.0 / 0.95).abs() < 1e-6);
        // At the breakeven the coin payoff (S − K)/S equals the premium.
        assert!((payoff(OptionType::Call, Contract::Inverse, 40000.0, call.breakeven.unwrap()) - 0.05).abs() < 1e-12);
        let put = option_greeks(&scenario(o("put"), "long", 0.05), 0).unwrap();
        assert!((put.breakeven.unwrap() - 40000.0 / 1.05).abs() < 1e-6);
    }

    /// Deribit's coin delta [DRB-faq-delta]: "buying a 0.50-delta call for 0.10 BTC adds 0.40"
    /// — delta_coin = delta − price in coin. Here the identity is checked on the model's own
    /// delta and coin price (0.5 − 0.1 = 0.4 is the FAQ's instance of it).
    #[test]
    fn inverse_delta_subtracts_the_coin_premium() {
        let g = option_greeks(
            &scenario(serde_json::json!({"type": "call", "strike": 100000, "expiry_years": 0.25, "underlying_price": 92000, "volatility": 0.55, "settlement": "inverse"}), "long", 0.045),
            0,
        )
        .unwrap();
        let pc = g.price_coin.unwrap();
        assert!((pc - g.value.price / 92000.0).abs() < 1e-15);
        assert!((g.delta_coin.unwrap() - (g.value.delta - pc)).abs() < 1e-15);
        // With r = 0 the identity N(d1) − C/F = (K/F)·N(d2) holds (defi-options-models.md §4).
        let d2 = ((92000.0f64 / 100000.0).ln() - 0.5 * 0.55 * 0.55 * 0.25) / (0.55 * 0.5);
        assert!((g.delta_coin.unwrap() - 100000.0 / 92000.0 * bsm::norm_cdf(d2)).abs() < 1e-12);
    }

    /// Deribit standard margin [TSLAB], short call OTM: K 100000, S 92000, mark 0.045 BTC →
    /// IM = max(0.15 − 8000/92000, 0.1) + 0.045 = 0.1 + 0.045 = 0.145 (0.15 − 0.08696 = 0.063
    /// < 0.1); MM = 0.075 + 0.045 = 0.12. Short put ITM (K 100000, S 92000, OTM 0): IM =
    /// max(0.15 + 0.045, MM) = 0.195, MM = max(0.075, 0.075 × 0.045) + 0.045 = 0.12.
    #[test]
    fn deribit_standard_option_margin() {
        let (im, mm) = deribit_margin(Side::Short, OptionType::Call, Contract::Inverse, 100000.0, 92000.0, 0.045);
        assert!((im - 0.145).abs() < 1e-12 && (mm - 0.12).abs() < 1e-12, "{im} {mm}");
        let (im, mm) = deribit_margin(Side::Short, OptionType::Put, Contract::Inverse, 100000.0, 92000.0, 0.045);
        assert!((im - 0.195).abs() < 1e-12 && (mm - 0.12).abs() < 1e-12, "{im} {mm}");
        assert_eq!(deribit_margin(Side::Long, OptionType::Put, Contract::Inverse, 1.0, 1.0, 0.2), (0.2, 0.0));
        // Aevo's linear form: short call, S 2000, K 2400 (OTM 400), mark 10 USD →
        // max(0.15 − 0.2, 0.1) × 2000 + 10 = 210; MM 0.075 × 2000 + 10 = 160.
        let (im, mm) = deribit_margin(Side::Short, OptionType::Call, Contract::Linear, 2400.0, 2000.0, 10.0);
        assert!((im - 210.0).abs() < 1e-9 && (mm - 160.0).abs() < 1e-9);
    }

    #[test]
    fn bad_option_input_names_the_field() {
        let doc = serde_json::json!({"venue": "deribit", "margin_mode": "cross", "wallet_balance": 1.0, "now": "2026-04-01T00:00:00Z",
            "positions": [
              {"contract": "option", "size": 1, "entry_price": 0.1, "leverage": 5,
               "option": {"type": "call", "strike": 0, "expiry": "2026-03-27T08:00:00Z", "underlying_price": 90000, "volatility": 0}},
              {"contract": "option", "size": 1, "entry_price": 0.1, "mark_price": 0.0001,
               "option": {"type": "call", "strike": 50000, "expiry_years": 0.5, "underlying_price": 90000}},
              {"contract": "option", "size": 1, "entry_price": 0.1},
              {"contract": "linear", "size": 1, "entry_price": 0.1,
               "option": {"type": "put", "strke": 1, "expiry_years": 0.5, "underlying_price": 90000, "volatility": 0.5}}]});
        let e = crate::engine::parse_scenario(&doc.to_string()).unwrap_err().to_string();
        for want in [
            "positions[0].option.strike: must be a finite number > 0",
            "positions[0].option.volatility: must be > 0",
            "positions[0].leverage: means nothing for an option position",
            "positions[0].option.expiry: 2026-03-27T08:00:00Z is not after now (2026-04-01T00:00:00Z): the option has expired",
            "positions[1].mark_price: as the option's premium per unit: premium 0.0001 coin is at or below the option's no-arbitrage lower bound, its discounted intrinsic value 0.444444 coin",
            "positions[2].option: required for contract \"option\"",
            "positions[3].contract: linear with an option section",
            "positions[3].option.strke: unknown field; did you mean strike?",
        ] {
            assert!(e.contains(want), "missing {want:?} in:\n{e}");
        }
        assert!(!e.contains("NaN"));
    }

    /// Deribit's own settlement examples: "Options explained" [DRB-fd]: a 300 call with the
    /// delivery price at 400 "will expire with a value of 100USD, which is 0.25BTC"; a 300 put
    /// at 200 "0.5BTC". "Inverse Options" [DRB-inv]: a call K 100,000 bought for 0.05 BTC,
    /// delivery 125,000: settled for 25,000 USD = 0.2 BTC, so the buyer's PnL is 0.2 − 0.05.
    #[test]
    fn deribit_settlement_examples() {
        assert_eq!(payoff(OptionType::Call, Contract::Inverse, 300.0, 400.0), 0.25);
        assert_eq!(payoff(OptionType::Put, Contract::Inverse, 300.0, 200.0), 0.5);
        let s = scenario(serde_json::json!({"type": "call", "strike": 100000, "expiry_years": 0.1, "underlying_price": 100000, "volatility": 0.5}), "long", 0.05);
        let r = pnl_row(&s, 0, 125_000.0).unwrap();
        assert!((r.pnl - (0.2 - 0.05)).abs() < 1e-15);
    }

    /// Haug's examples through the format's models (QuantLib's europeanoption.cpp data):
    /// Garman-Kohlhagen currency call S 1.56, K 1.60, r 0.06, r_f 0.08, T 0.5, σ 0.12 →
    /// 0.0291; Black-76 (the row with q = r = 0.10, i.e. b = 0) F 19, K 19, r 0.10, T 0.75,
    /// σ 0.28 → call and put 1.7011.
    #[test]
    fn haug_examples_through_the_models_of_the_format() {
        let doc = |o: serde_json::Value| {
            let d = serde_json::json!({"venue": "generic", "margin_mode": "cross", "wallet_balance": 1,
                "positions": [{"symbol": "X", "contract": "option", "size": 1, "entry_price": 0.01, "option": o}]});
            option_greeks(&crate::engine::parse_scenario(&d.to_string()).unwrap(), 0).unwrap().value.price
        };
        let gk = doc(serde_json::json!({"type": "call", "strike": 1.60, "expiry_years": 0.5, "underlying_price": 1.56, "volatility": 0.12,
            "rate": 0.06, "dividend_yield": 0.08, "model": "garman-kohlhagen", "settlement": "linear"}));
        assert!((gk - 0.0291).abs() < 1e-4, "{gk}");
        for kind in ["call", "put"] {
            let b76 = doc(serde_json::json!({"type": kind, "strike": 19, "expiry_years": 0.75, "underlying_price": 19, "volatility": 0.28,
                "rate": 0.10, "model": "black-76", "settlement": "linear"}));
            assert!((b76 - 1.7011).abs() < 1e-4, "{kind} {b76}");
        }
    }

    #[test]
    fn pnl_at_expiry_is_payoff_minus_premium() {
        // Short 3 inverse calls K 100000 sold at 0.045 BTC; BTC at 120000 at expiry: payoff
        // (120000 − 100000)/120000 = 1/6 BTC each, PnL = −3 × (1/6 − 0.045) = −0.365 BTC.
        let s = scenario(serde_json::json!({"type": "call", "strike": 100000, "expiry_years": 0.25, "underlying_price": 92000, "volatility": 0.55}), "short", 0.045);
        let r = pnl_row(&s, 0, 120000.0).unwrap();
        assert!((r.pnl - -(1.0 / 6.0 - 0.045)).abs() < 1e-12);
        let r = pnl_row(&s, 0, 90000.0).unwrap();
        assert!((r.pnl - 0.045).abs() < 1e-12, "expires worthless: the premium is kept");
    }
}
