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
//!
//! # Price impact in the check
//! With a `position_impact` section the impact is the contracts' own rather than a given
//! number (`PositionUtils.isPositionLiquidatable`, gmx-synthetics a5c0c883):
//!
//! ```text
//! closing   = getPriceImpactUsd(usdDelta = −sizeInUsd)          (PositionPricingUtils)
//! closing   = min(closing, sizeInUsd × maxPositionImpactFactor(positive))   when closing > 0
//! impact    = closing + pendingImpactAmount × indexPrice
//! impact    = 0                                            when impact ≥ 0
//!           = max(impact, −sizeInUsd × maxPositionImpactFactorForLiquidations)  otherwise
//! ```
//!
//! The last cap is the one the contracts name "to prevent cascading liquidations": a sudden
//! imbalance cannot push the impact of closing beyond that share of the size. When the
//! position is then closed (`DecreasePositionCollateralUtils.processCollateral`), the impact
//! charged is the proportional pending impact plus the closing impact, capped below at
//! `−sizeDeltaUsd × maxPositionImpactFactor(negative)` (the rest is claimable later) and above
//! at `sizeDeltaUsd × maxPositionImpactFactor(positive)`.
//!
//! # Design Decision: what is approximated
//! Prices are single numbers (the contracts' min/max oracle prices are equal here); open
//! interest is in USD (`USE_OPEN_INTEREST_IN_TOKENS_FOR_BALANCE` off, so the closing impact does
//! not move with the price); the virtual-inventory impact (the worse of the market's and its
//! virtual pool's, `getPriceImpactUsd`) is left out; the positive impact paid on closing is not
//! capped by the impact pool's balance (`capPositiveImpactUsdByPositionImpactPool`); the close
//! fee is one `close_fee_factor` (the contracts pick the factor for positive or negative
//! impact); borrowing and funding fees are the pending amounts given, held constant as prices
//! move.

use serde::{Deserialize, Serialize};

use crate::engine::input::{opt, Field, Shape};
use crate::engine::scenario::{check_positive, FieldError, InputErrors, Position, Scenario, Side, Venue};

/// A GMX v2 market's position-impact configuration (the `DataStore` keys of the same names)
/// and the position's pending impact. Factors are the contracts' 10³⁰ fixed-point values as
/// fractions: `positionImpactFactor` 1e-7 is `1e-7`; exponents are plain numbers (2 = square).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct PositionImpact {
    /// The market's long and short open interest in USD (`getOpenInterest`), this position
    /// included.
    pub open_interest_long_usd: f64,
    pub open_interest_short_usd: f64,
    /// `positionImpactFactor(positive)` / `(negative)` (default 0; the positive one is used as
    /// at most the negative one, `getAdjustedPositionImpactFactors`).
    #[serde(default)]
    pub factor_positive: f64,
    #[serde(default)]
    pub factor_negative: f64,
    /// `positionImpactExponentFactor(positive)` / `(negative)` (default 2; the positive one at
    /// most the negative one).
    #[serde(default = "two")]
    pub exponent_positive: f64,
    #[serde(default = "two")]
    pub exponent_negative: f64,
    /// `maxPositionImpactFactor(positive)`: positive impact at most this share of the size;
    /// absent = not capped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_factor_positive: Option<f64>,
    /// `maxPositionImpactFactor(negative)`: the impact charged when the position is closed is at
    /// least −this share of the size; absent = not capped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_factor_negative: Option<f64>,
    /// `maxPositionImpactFactorForLiquidations`: in the liquidation check the impact is at least
    /// −this share of the size (0 ignores negative impact there, as several production markets
    /// are configured); absent = not capped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_factor_for_liquidations: Option<f64>,
    /// The position's `pendingImpactAmount`, index tokens (negative = owed), realised when it is
    /// closed; valued at the index price.
    #[serde(default)]
    pub pending_impact_amount: f64,
}

fn two() -> f64 {
    2.0
}

/// The fields of a [`PositionImpact`].
pub const POSITION_IMPACT_FIELDS: &[Field] = &[
    crate::engine::input::req("open_interest_long_usd", Shape::Number),
    crate::engine::input::req("open_interest_short_usd", Shape::Number),
    opt("factor_positive", Shape::Number),
    opt("factor_negative", Shape::Number),
    opt("exponent_positive", Shape::Number),
    opt("exponent_negative", Shape::Number),
    opt("max_factor_positive", Shape::Number),
    opt("max_factor_negative", Shape::Number),
    opt("max_factor_for_liquidations", Shape::Number),
    opt("pending_impact_amount", Shape::Number),
];

impl PositionImpact {
    fn validate(&self, at: &str, errors: &mut Vec<FieldError>) {
        for (name, v) in [("open_interest_long_usd", self.open_interest_long_usd), ("open_interest_short_usd", self.open_interest_short_usd)] {
            if !v.is_finite() || !(0.0..=1e15).contains(&v) {
                errors.push(FieldError::new(format!("{at}.{name}"), "must be a finite USD amount ≥ 0 (at most 1e15)"));
            }
        }
        for (name, v) in [("factor_positive", self.factor_positive), ("factor_negative", self.factor_negative)] {
            if !v.is_finite() || !(0.0..1.0).contains(&v) {
                errors.push(FieldError::new(format!("{at}.{name}"), "must be a factor ≥ 0 and < 1 (e.g. 1e-7)"));
            }
        }
        for (name, v) in [("exponent_positive", self.exponent_positive), ("exponent_negative", self.exponent_negative)] {
            if !v.is_finite() || !(1.0..=3.0).contains(&v) {
                errors.push(FieldError::new(format!("{at}.{name}"), "must be an exponent from 1 to 3 (GMX markets use 1.5 to 2.5)"));
            }
        }
        for (name, v) in [
            ("max_factor_positive", self.max_factor_positive),
            ("max_factor_negative", self.max_factor_negative),
            ("max_factor_for_liquidations", self.max_factor_for_liquidations),
        ] {
            if let Some(v) = v {
                if !v.is_finite() || !(0.0..=1.0).contains(&v) {
                    errors.push(FieldError::new(format!("{at}.{name}"), "must be a fraction from 0 to 1 of the size"));
                }
            }
        }
        if !self.pending_impact_amount.is_finite() || self.pending_impact_amount.abs() > 1e15 {
            errors.push(FieldError::new(format!("{at}.pending_impact_amount"), "must be a finite token amount"));
        }
    }

    /// The price impact in USD of changing the `is_long` open interest by `usd_delta`
    /// (`PositionPricingUtils.getPriceImpactUsd` without virtual inventory): with `d₀ = |L − S|`
    /// before and `d₁` after,
    ///
    /// * same side of balance (`L ≤ S` before and after): `±|f·d₀^e − f·d₁^e|`, with the positive
    ///   factor and exponent when the balance improves (`d₁ < d₀`, impact > 0), the negative
    ///   ones otherwise (`PricingUtils.getPriceImpactUsdForSameSideRebalance`);
    /// * crossing over: `f₊·d₀^e₊ − f₋·d₁^e₋` (`getPriceImpactUsdForCrossoverRebalance`).
    ///
    /// `applyExponentFactor` gives 0 below 1 USD, as here. Open interest cannot fall below 0.
    pub fn impact_usd(&self, usd_delta: f64, is_long: bool) -> f64 {
        let (l, s) = (self.open_interest_long_usd, self.open_interest_short_usd);
        let (nl, ns) = if is_long { ((l + usd_delta).max(0.0), s) } else { (l, (s + usd_delta).max(0.0)) };
        let (d0, d1) = ((l - s).abs(), (nl - ns).abs());
        let pos_factor = self.factor_positive.min(self.factor_negative);
        let pos_exp = self.exponent_positive.min(self.exponent_negative);
        let apply = |d: f64, f: f64, e: f64| if d < 1.0 { 0.0 } else { f * d.powf(e) };
        let impact = if (l <= s) == (nl <= ns) {
            let improved = d1 < d0;
            let (f, e) = if improved { (pos_factor, pos_exp) } else { (self.factor_negative, self.exponent_negative) };
            let delta = (apply(d0, f, e) - apply(d1, f, e)).abs();
            if improved { delta } else { -delta }
        } else {
            apply(d0, pos_factor, pos_exp) - apply(d1, self.factor_negative, self.exponent_negative)
        };
        impact + 0.0
    }
}

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
    /// The price impact counted (positive impact counts as 0; negative at least −size ×
    /// maxPositionImpactFactorForLiquidations).
    pub price_impact_usd: f64,
    /// With `position_impact`: the pending impact at the mark (USD), the closing impact plus it
    /// before the check's clamps, and whether the liquidation cap bound.
    #[serde(default)]
    pub pending_impact_usd: f64,
    #[serde(default)]
    pub price_impact_before_caps_usd: f64,
    #[serde(default)]
    pub price_impact_capped: bool,
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
fn gmx_fields(p: &Position) -> [(&'static str, bool); 11] {
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
        ("position_impact", p.position_impact.is_some()),
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
                "required for gmx-v2: the market's minCollateralFactorForLiquidation, the factor the liquidation check uses (e.g. 0.005 for 200x)",
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
        if let Some(pi) = &p.position_impact {
            pi.validate(&at("position_impact"), errors);
            if p.price_impact_usd.is_some() {
                errors.push(FieldError::new(
                    at("price_impact_usd"),
                    "give the impact or position_impact (which computes it), not both",
                ));
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
/// `P = (T − b) / a` with slope a and intercept b, `null` when a = 0 or P ≤ 0. With a
/// `position_impact` section the impact `I(P)` is piecewise linear in P (0, the closing impact
/// plus the pending amount × P, or the liquidation cap; see the module doc): each piece is solved
/// and the root inside its piece kept (for a long the highest, for a short the lowest). Collateral
/// liquidation price: `c = (T − PnL − I + F) / A` with the index held. At the liquidation the
/// trader gets back `max(0, remaining − size_usd × liquidation_fee_factor)` in collateral tokens
/// (the guardian test's 0.88 WNT), the remaining counting the impact charged on closing (capped
/// by `maxPositionImpactFactor`) rather than the check's.
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

/// The price impact of a position as a function of the index price: in the liquidation check
/// and when the position is closed (see the module doc).
struct ImpactModel {
    /// Closing impact (after the positive cap), USD, and the pending amount in index tokens.
    closing: f64,
    pending: f64,
    /// −size × maxPositionImpactFactorForLiquidations (check) and −size ×
    /// maxPositionImpactFactor(negative) / +size × (positive) (close); `None` = not capped.
    check_floor: Option<f64>,
    close_floor: Option<f64>,
    close_ceiling: Option<f64>,
}

impl ImpactModel {
    fn new(p: &Position, size_usd: f64) -> ImpactModel {
        match &p.position_impact {
            Some(pi) => {
                let mut closing = pi.impact_usd(-size_usd, p.side == Side::Long);
                let ceiling = pi.max_factor_positive.map(|f| size_usd * f.min(pi.max_factor_negative.unwrap_or(f)));
                if let Some(c) = ceiling {
                    closing = closing.min(c);
                }
                ImpactModel {
                    closing,
                    pending: pi.pending_impact_amount,
                    check_floor: pi.max_factor_for_liquidations.map(|f| -size_usd * f),
                    close_floor: pi.max_factor_negative.map(|f| -size_usd * f),
                    close_ceiling: ceiling,
                }
            }
            None => {
                let given = p.price_impact_usd.unwrap_or(0.0);
                // A given impact counts as in the check: positive as 0.
                ImpactModel { closing: given, pending: 0.0, check_floor: None, close_floor: None, close_ceiling: Some(0.0) }
            }
        }
    }

    /// Before the check's clamps: closing impact + pending amount × P.
    fn raw(&self, price: f64) -> f64 {
        self.closing + self.pending * price
    }

    /// The impact the liquidation check counts at index price P: 0 when positive, else at
    /// least the liquidation floor.
    fn check(&self, price: f64) -> f64 {
        let r = self.raw(price);
        if r >= 0.0 {
            0.0
        } else {
            self.check_floor.map_or(r, |f| r.max(f))
        }
    }

    /// The impact charged when the position is closed at P.
    fn close(&self, price: f64) -> f64 {
        let mut r = self.raw(price);
        if let Some(f) = self.close_floor {
            r = r.max(f);
        }
        if let Some(c) = self.close_ceiling {
            r = r.min(c);
        }
        r
    }

    /// The check's impact as pieces `(slope, intercept, lo, hi)` in P: the impact is
    /// `slope·P + intercept` for raw impact in `[lo, hi]`.
    fn pieces(&self) -> Vec<(f64, f64, f64, f64)> {
        let mut v = vec![(0.0, 0.0, 0.0, f64::INFINITY)];
        match self.check_floor {
            Some(f) => {
                v.push((self.pending, self.closing, f, 0.0));
                v.push((0.0, f, f64::NEG_INFINITY, f));
            }
            None => v.push((self.pending, self.closing, f64::NEG_INFINITY, 0.0)),
        }
        v
    }
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
    let model = ImpactModel::new(p, s_usd);
    let impact = model.check(mark);
    let fees = s_usd * p.close_fee_factor.unwrap_or(0.0) + p.borrowing_fee_usd.unwrap_or(0.0) + p.funding_fee_usd.unwrap_or(0.0);
    let min_usd = p.min_collateral_usd.unwrap_or(1.0);
    let for_leverage = s_usd * p.min_collateral_factor.unwrap_or(0.0);
    let liq_fee = s_usd * p.liquidation_fee_factor.unwrap_or(0.0);
    let pnl_at = |price: f64| side * (q * price - s_usd);
    let remaining = a * c + pnl_at(mark) + impact - fees;
    let pnl = pnl_at(mark);
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
    // remaining(P) = slope·P + intercept without the impact, plus the impact's piece.
    let (slope, intercept) = if same { (a + side * q, -side * s_usd - fees) } else { (side * q, a * c - side * s_usd - fees) };
    let roots = model.pieces().into_iter().filter_map(|(ks, ki, lo, hi)| {
        let (k, b) = (slope + ks, intercept + ki);
        let x = (k != 0.0).then(|| (floor - b) / k).filter(|x| x.is_finite() && *x > 0.0)?;
        let r = model.raw(x);
        let tol = 1e-9 * (r.abs() + model.closing.abs() + 1.0);
        (r >= lo - tol && r <= hi + tol).then_some(x)
    });
    let lp = if side > 0.0 { roots.fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x)))) } else { roots.fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.min(x)))) };
    let clp = (a > 0.0).then(|| (floor - pnl - impact + fees) / a).filter(|x| x.is_finite() && *x > 0.0);
    let returned = |rem: f64| (rem - liq_fee).max(0.0);
    let at_close = |price: f64, cp: f64| a * cp + pnl_at(price) + model.close(price) - fees;
    let returned_at_lp = lp.map(|x| {
        let cp = if same { x } else { c };
        returned(at_close(x, cp)) / cp
    });
    let returned_now = returned(at_close(mark, c));
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
        returned_collateral_now: returned_now / c,
        returned_usd_now: returned_now,
        pending_impact_usd: model.pending * mark + 0.0,
        price_impact_before_caps_usd: model.raw(mark) + 0.0,
        price_impact_capped: model.check_floor.is_some_and(|f| model.raw(mark) < f),
        returned_collateral_at_liquidation: returned_at_lp,
        formula: if same {
            "remaining = A×P + side×(Q×P − S) + impact − fees (collateral is the index token: both move); liquidatable when remaining < max(min_collateral_usd, S × min_collateral_factor) or ≤ 0".into()
        } else {
            "remaining = A×c + side×(Q×P − S) + impact − fees; liquidatable when remaining < max(min_collateral_usd, S × min_collateral_factor) or ≤ 0".into()
        },
        source: "gmx-synthetics PositionUtils.isPositionLiquidatable (positive impact counted as 0, no liquidation fee in the check)".into(),
    }
}
