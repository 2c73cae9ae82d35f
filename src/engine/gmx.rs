//! GMX v2 (gmx-synthetics) perpetual positions: the liquidation check and its prices.
//!
//! Source: gmx-io/gmx-synthetics `contracts/position/PositionUtils.sol`,
//! `isPositionLiquidatable`:
//!
//! ```text
//! remaining = collateralAmount × collateralPrice + pnlUsd + priceImpactUsd − collateralCostUsd
//! liquidatable when remaining < MIN_COLLATERAL_USD       ("min collateral")
//!                or remaining ≤ 0                        ("< 0")
//!                or remaining < sizeInUsd × minCollateralFactor ("min collateral for leverage")
//! ```
//!
//! `pnlUsd = side × (sizeInTokens × indexPrice − sizeInUsd)`; a positive price impact counts as
//! 0; the costs are the position (close) fee `sizeInUsd × close_fee_factor` plus the pending
//! borrowing and funding fees (the liquidation fee is *not* part of the check:
//! `isLiquidation = false` in `getPositionFees`). Worked numbers: gmx-synthetics
//! `test/guardian/testLiquidation.ts` (hardhat config: minCollateralFactor 1 %, min collateral
//! USD 1, no fees).

use serde::{Deserialize, Serialize};

use crate::engine::scenario::{check_positive, FieldError, InputErrors, Position, Scenario, Side, Venue};

/// Per-position figures of a GMX v2 report.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct GmxPositionReport {
    pub symbol: String,
    pub side: Side,
    /// sizeInTokens (index tokens) and sizeInUsd (= size × entry price).
    pub size: f64,
    pub size_usd: f64,
    pub entry_price: f64,
    pub mark_price: f64,
    pub collateral_token: String,
    pub collateral_amount: f64,
    pub collateral_price: f64,
    /// True when the collateral is the index token or its wrapped form (WETH for ETH/USD):
    /// both prices move together in `liquidation_price`.
    pub collateral_is_index_token: bool,
    pub collateral_usd: f64,
    pub pnl_usd: f64,
    /// Close fee + borrowing + funding (USD).
    pub fees_usd: f64,
    /// The price impact counted (positive impact counts as 0).
    pub price_impact_usd: f64,
    /// collateral value + PnL − fees + impact.
    pub remaining_collateral_usd: f64,
    /// size_usd × min_collateral_factor.
    pub min_collateral_usd_for_leverage: f64,
    pub min_collateral_usd: f64,
    pub liquidatable: bool,
    /// GMX's reason when liquidatable now: "min collateral", "< 0" or "min collateral for leverage".
    pub reason: Option<String>,
    /// size_usd ÷ remaining collateral; `null` when none remains.
    pub leverage: Option<f64>,
    /// Index price (collateral price held, or moving with it for index-token collateral) at
    /// which the position becomes liquidatable; `null` when none.
    pub liquidation_price: Option<f64>,
    /// Which floor sets `liquidation_price`: "leverage" (size × factor) or "min collateral".
    pub liquidation_reason: String,
    pub distance_to_liquidation: Option<f64>,
    /// Collateral price (index held) at which the position becomes liquidatable; `null` when none.
    pub collateral_liquidation_price: Option<f64>,
    /// What the trader gets back if liquidated at the current prices: remaining collateral less
    /// the liquidation fee, in collateral tokens and USD (0 when the loss exceeds the collateral).
    pub returned_collateral_now: f64,
    pub returned_usd_now: f64,
    /// The same at `liquidation_price`.
    pub returned_collateral_at_liquidation: Option<f64>,
    pub formula: String,
    pub source: String,
}

/// A GMX v2 Scenario's report.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct GmxReport {
    pub venue: Venue,
    pub positions: Vec<GmxPositionReport>,
}

/// Names of the GMX-only position fields with their values (set or not).
fn gmx_fields(p: &Position) -> [(&'static str, bool); 10] {
    [
        ("collateral_token", p.collateral_token.is_some()),
        ("collateral_amount", p.collateral_amount.is_some()),
        ("collateral_price", p.collateral_price.is_some()),
        ("min_collateral_factor", p.min_collateral_factor.is_some()),
        ("min_collateral_usd", p.min_collateral_usd.is_some()),
        ("borrowing_fee_usd", p.borrowing_fee_usd.is_some()),
        ("funding_fee_usd", p.funding_fee_usd.is_some()),
        ("close_fee_factor", p.close_fee_factor.is_some()),
        ("price_impact_usd", p.price_impact_usd.is_some()),
        ("liquidation_fee_factor", p.liquidation_fee_factor.is_some()),
    ]
}

/// Rejects the GMX-only fields on a position of another venue, at `at.<field>`.
pub fn reject_gmx_fields(p: &Position, at: &str, errors: &mut Vec<FieldError>) {
    for (name, set) in gmx_fields(p) {
        if set {
            errors.push(FieldError::new(format!("{at}.{name}"), "only for venue gmx-v2"));
        }
    }
}

/// Checks a gmx-v2 Scenario's positions.
///
/// # Errors
/// One [`FieldError`] per problem: `size`, `entry_price`, `collateral_price` finite and > 0,
/// `collateral_amount` ≥ 0, `min_collateral_factor` required in [0, 1), fee factors in [0, 0.1),
/// USD amounts finite and ≥ 0 (impact: any finite number), exchange-only fields rejected.
pub fn validate(s: &Scenario, errors: &mut Vec<FieldError>) {
    if s.positions.is_empty() {
        errors.push(FieldError::new("positions", "list at least one gmx-v2 position"));
    }
    for (i, p) in s.positions.iter().enumerate() {
        let at = |f: &str| format!("positions[{i}].{f}");
        check_positive(errors, &at("size"), p.size);
        check_positive(errors, &at("entry_price"), p.entry_price);
        if let Some(m) = p.mark_price {
            check_positive(errors, &at("mark_price"), m);
        }
        for (name, set) in [
            ("contract", p.contract.is_some()),
            ("leverage", p.leverage.is_some()),
            ("margin", p.margin.is_some()),
            ("mmr", p.mmr.is_some()),
            ("maint_amount", p.maint_amount.is_some()),
            ("tiers", p.tiers.is_some()),
            ("max_leverage", p.max_leverage.is_some()),
            ("taker_fee", p.taker_fee.is_some()),
        ] {
            if set {
                errors.push(FieldError::new(
                    at(name),
                    "not used by gmx-v2: give collateral_amount, collateral_price and min_collateral_factor",
                ));
            }
        }
        if p.collateral_token.as_deref().is_none_or(|t| t.trim().is_empty()) {
            errors.push(FieldError::new(at("collateral_token"), "required for gmx-v2 (e.g. \"USDC\" or \"WETH\")"));
        }
        match p.collateral_amount {
            None => errors.push(FieldError::new(at("collateral_amount"), "required for gmx-v2 (collateral tokens)")),
            Some(a) if !a.is_finite() || !(0.0..=1e15).contains(&a) => {
                errors.push(FieldError::new(at("collateral_amount"), "must be a finite number ≥ 0"))
            }
            _ => {}
        }
        match p.collateral_price {
            None => errors.push(FieldError::new(at("collateral_price"), "required for gmx-v2 (USD per collateral token)")),
            Some(c) => check_positive(errors, &at("collateral_price"), c),
        }
        match p.min_collateral_factor {
            None => errors.push(FieldError::new(
                at("min_collateral_factor"),
                "required for gmx-v2: the market's minCollateralFactor (e.g. 0.005 for 200x)",
            )),
            Some(f) if !f.is_finite() || !(0.0..1.0).contains(&f) => {
                errors.push(FieldError::new(at("min_collateral_factor"), "must be a fraction ≥ 0 and < 1"))
            }
            _ => {}
        }
        for (name, v) in [
            ("min_collateral_usd", p.min_collateral_usd),
            ("borrowing_fee_usd", p.borrowing_fee_usd),
            ("funding_fee_usd", p.funding_fee_usd),
        ] {
            if let Some(x) = v {
                if !x.is_finite() || !(0.0..=1e15).contains(&x) {
                    errors.push(FieldError::new(at(name), "must be a finite USD amount ≥ 0"));
                }
            }
        }
        for (name, v) in [("close_fee_factor", p.close_fee_factor), ("liquidation_fee_factor", p.liquidation_fee_factor)] {
            if let Some(x) = v {
                if !x.is_finite() || !(0.0..0.1).contains(&x) {
                    errors.push(FieldError::new(at(name), "must be a fraction ≥ 0 and < 0.1"));
                }
            }
        }
        if let Some(x) = p.price_impact_usd {
            if !x.is_finite() || x.abs() > 1e15 {
                errors.push(FieldError::new(at("price_impact_usd"), "must be a finite USD amount"));
            }
        }
        if p.entry_price.is_finite() && p.size.is_finite() && p.size * p.entry_price > 1e15 {
            errors.push(FieldError::new(at("size"), "size × entry_price must not exceed 1e15 USD"));
        }
    }
}

/// True when `token` is the index token of `symbol` or its wrapped form: the base of
/// `ETH/USD`, `ETH-USD` or `ETHUSD` is `ETH`, and `ETH`, `WETH` (and `weth`) match it.
pub fn is_index_token(symbol: &str, token: &str) -> bool {
    let sym = symbol.trim().to_ascii_uppercase();
    let base = sym.split(['/', '-', ':', '_']).next().unwrap_or("").trim_end_matches("USD").to_string();
    let t = token.trim().to_ascii_uppercase();
    !base.is_empty() && (t == base || t.strip_prefix('W') == Some(base.as_str()))
}

/// The GMX v2 report of every position.
///
/// Liquidation price: `remaining(P) = T` with `T = max(MIN_COLLATERAL_USD, size_usd × factor)`
/// and `remaining` linear in the index price P: `A·c + side·(Q·P − S) + I − F` (stable
/// collateral, c held) or `(A + side·Q)·P − side·S + I − F` (index-token collateral, c = P), so
/// `P = (T − b) / a` with slope a and intercept b, `null` when a = 0 or P ≤ 0. Collateral
/// liquidation price: `c = (T − PnL − I + F) / A` with the index held. At the liquidation the
/// trader gets back `max(0, remaining − size_usd × liquidation_fee_factor)` in collateral tokens
/// (the guardian test's 0.88 WNT).
///
/// # Errors
/// The checks of [`validate`].
pub fn evaluate(s: &Scenario) -> Result<GmxReport, InputErrors> {
    if s.venue != Venue::GmxV2 {
        return Err(FieldError::new("venue", format!("{} is not gmx-v2", s.venue)).into());
    }
    s.validate()?;
    let positions = s.positions.iter().map(position).collect();
    Ok(GmxReport { venue: Venue::GmxV2, positions })
}

fn position(p: &Position) -> GmxPositionReport {
    let side = p.side.sign();
    let token = p.collateral_token.clone().unwrap_or_default();
    let same = is_index_token(&p.symbol, &token);
    let q = p.size;
    let s_usd = p.size * p.entry_price;
    let mark = p.mark_price.unwrap_or(p.entry_price);
    let a = p.collateral_amount.unwrap_or(0.0);
    let c = p.collateral_price.unwrap_or(1.0);
    let impact = p.price_impact_usd.unwrap_or(0.0).min(0.0);
    let fees = s_usd * p.close_fee_factor.unwrap_or(0.0) + p.borrowing_fee_usd.unwrap_or(0.0) + p.funding_fee_usd.unwrap_or(0.0);
    let min_usd = p.min_collateral_usd.unwrap_or(1.0);
    let for_leverage = s_usd * p.min_collateral_factor.unwrap_or(0.0);
    let liq_fee = s_usd * p.liquidation_fee_factor.unwrap_or(0.0);
    let pnl_at = |price: f64| side * (q * price - s_usd);
    let remaining_at = |price: f64, cp: f64| a * cp + pnl_at(price) + impact - fees;
    let pnl = pnl_at(mark);
    let remaining = remaining_at(mark, c);
    let reason = if remaining < min_usd {
        Some("min collateral")
    } else if remaining <= 0.0 {
        Some("< 0")
    } else if remaining < for_leverage {
        Some("min collateral for leverage")
    } else {
        None
    };
    let floor = for_leverage.max(min_usd);
    let liquidation_reason = if for_leverage >= min_usd { "leverage" } else { "min collateral" };
    // remaining(P) = slope·P + intercept.
    let (slope, intercept) = if same { (a + side * q, -side * s_usd + impact - fees) } else { (side * q, a * c - side * s_usd + impact - fees) };
    let lp = (slope != 0.0).then(|| (floor - intercept) / slope).filter(|x| x.is_finite() && *x > 0.0);
    let clp = (a > 0.0).then(|| (floor - pnl - impact + fees) / a).filter(|x| x.is_finite() && *x > 0.0);
    let returned = |rem: f64| (rem - liq_fee).max(0.0);
    let returned_at_lp = lp.map(|x| {
        let cp = if same { x } else { c };
        returned(remaining_at(x, cp)) / cp
    });
    GmxPositionReport {
        symbol: p.symbol.clone(),
        side: p.side,
        size: q,
        size_usd: s_usd,
        entry_price: p.entry_price,
        mark_price: mark,
        collateral_token: token,
        collateral_amount: a,
        collateral_price: c,
        collateral_is_index_token: same,
        collateral_usd: a * c,
        pnl_usd: pnl + 0.0,
        fees_usd: fees,
        price_impact_usd: impact + 0.0,
        remaining_collateral_usd: remaining + 0.0,
        min_collateral_usd_for_leverage: for_leverage,
        min_collateral_usd: min_usd,
        liquidatable: reason.is_some(),
        reason: reason.map(str::to_string),
        leverage: (remaining > 0.0).then(|| s_usd / remaining),
        liquidation_price: lp,
        liquidation_reason: liquidation_reason.into(),
        distance_to_liquidation: lp.map(|x| ((mark - x).abs() / mark) * if reason.is_some() { 0.0 } else { 1.0 } + 0.0),
        collateral_liquidation_price: clp,
        returned_collateral_now: returned(remaining) / c,
        returned_usd_now: returned(remaining),
        returned_collateral_at_liquidation: returned_at_lp,
        formula: if same {
            "remaining = A×P + side×(Q×P − S) + impact − fees (collateral is the index token: both move); liquidatable when remaining < max(min_collateral_usd, S × min_collateral_factor) or ≤ 0".into()
        } else {
            "remaining = A×c + side×(Q×P − S) + impact − fees; liquidatable when remaining < max(min_collateral_usd, S × min_collateral_factor) or ≤ 0".into()
        },
        source: "gmx-synthetics PositionUtils.isPositionLiquidatable (positive impact counted as 0, no liquidation fee in the check)".into(),
    }
}
