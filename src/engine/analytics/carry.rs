//! Funding carry of perpetuals: what funding pays or costs per hour and per day, how the
//! liquidation price drifts as funding is settled from the collateral, and when funding alone
//! (price frozen at mark) would liquidate the position.
//!
//! Funding per 8 hours, in the settlement asset, received when positive:
//! `F₈ = −s · r₈ · notional(mark)` (`s` = +1 long, −1 short; longs pay a positive rate; the
//! notional is `size × mark` for linear contracts and `size ÷ mark` coins for inverse ones, as
//! on Binance, Bybit and Deribit, whose payments accrue pro rata: `F₈ × hours/8`). The
//! annualised rate is `r₈ × 3 × 365`.
//!
//! Funding paid comes out of the position's isolated margin (or the cross wallet), so after
//! `t` hours the collateral is `C − paid(t)` and the liquidation price is re-solved with
//! [`evaluate`]. With the price frozen at mark, the position is liquidated once the surplus
//! `C + PnL − MM − fee` is used up: `t* = surplus / |F₈/8|` hours (`null` when funding is
//! received or zero).

use serde::{Deserialize, Serialize};

use crate::engine::limits::per_position;
use crate::engine::analytics::{finite, linspace, risk_market};
use crate::engine::{evaluate, FieldError, InputErrors, MarginMode, Report, Scenario, Side};

/// One point of the liquidation-price drift.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CarryPoint {
    pub days: f64,
    /// Collateral left after the funding of `days` (cross: the wallet).
    pub collateral: f64,
    pub liquidation_price: Option<f64>,
}

/// Funding carry of one position.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PositionCarry {
    pub symbol: String,
    pub side: Side,
    /// Notional at mark (settlement asset).
    pub notional: f64,
    /// Funding received (+) or paid (−) per 8 hours, per hour and per day, settlement asset.
    pub funding_per_8h: f64,
    pub funding_per_hour: f64,
    pub funding_per_day: f64,
    /// Funding per day as a fraction of the collateral.
    pub funding_per_day_of_collateral: Option<f64>,
    /// Collateral + PnL − maintenance − closing fee at mark (cross: the account's surplus).
    pub surplus: f64,
    /// Days after which funding alone liquidates the position at a frozen price; `null` when
    /// the position receives or pays no funding.
    pub days_to_liquidation_by_funding: Option<f64>,
    /// The liquidation price as funding is settled, from now to the horizon.
    pub liquidation_drift: Vec<CarryPoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The `carry` result.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CarryReport {
    pub funding_rate_8h: f64,
    /// r₈ × 3 × 365.
    pub annualised_rate: f64,
    pub horizon_days: f64,
    pub positions: Vec<PositionCarry>,
    /// Sum of the positions' funding per day (mixes assets if settlements differ).
    pub account_funding_per_day: f64,
}

/// Funding per 8 hours of each Report position, received when positive:
/// `−s · r₈ · notional(mark)`.
pub fn funding_per_8h(report: &Report, rate_8h: f64) -> Vec<f64> {
    report.positions.iter().map(|r| -r.side.sign() * rate_8h * r.notional).collect()
}

/// The Scenario after `days` of funding `per_8h` (from [`funding_per_8h`]) settled from the
/// collateral at a frozen price: isolated margins `C + F₈ · 3 · days`, or in cross mode the
/// wallet plus the whole account's funding; never below 0.
pub fn after_funding(s: &Scenario, report: &Report, per_8h: &[f64], days: f64) -> Scenario {
    let mut m = s.clone();
    if s.margin_mode == MarginMode::Cross {
        if let Some(ws) = &mut m.wallet_balances {
            // Inverse wallets are per coin: each coin's funding comes out of its own wallet.
            for (p, f) in s.positions.iter().zip(per_8h) {
                let coin = crate::engine::venue::settlement_coin(&p.symbol);
                if let Some((_, w)) = ws.iter_mut().find(|(k, _)| crate::engine::tables::base_coin(k) == coin) {
                    *w = (*w + f * 3.0 * days).max(0.0);
                }
            }
        } else {
            let account_per_day: f64 = per_8h.iter().map(|f| f * 3.0).sum();
            m.wallet_balance = Some((s.wallet_balance.unwrap_or(0.0) + account_per_day * days).max(0.0));
        }
    } else {
        for (p, (r, f)) in m.positions.iter_mut().zip(report.positions.iter().zip(per_8h)) {
            p.margin = Some((r.collateral + f * 3.0 * days).max(0.0));
        }
    }
    m
}

/// Funding carry of every position at the Scenario's `market.funding_rate_8h` (default 0),
/// with `points` points of liquidation drift from 0 to `horizon_days`.
///
/// # Errors
/// `points` unless 2 ≤ points ≤ 1001, and the Report's errors.
pub fn carry(s: &Scenario, horizon_days: f64, points: usize) -> Result<CarryReport, InputErrors> {
    if !(2..=1001).contains(&points) {
        return Err(FieldError::new("points", "must be a whole number from 2 to 1001").into());
    }
    per_position("points", "points", points as u64, s.positions.len())?;
    let report = evaluate(s)?;
    let rate = risk_market(s).funding_rate_8h.unwrap_or(0.0);
    let per_8h = funding_per_8h(&report, rate);
    let account_per_day: f64 = per_8h.iter().map(|f| f * 3.0).sum();
    let cross = s.margin_mode == MarginMode::Cross;
    let days = linspace(0.0, horizon_days, points);

    // Liquidation prices along the horizon, re-evaluated with the collateral less funding.
    let mut drift: Vec<Vec<CarryPoint>> = vec![Vec::with_capacity(points); report.positions.len()];
    for &d in &days {
        let rd = evaluate(&after_funding(s, &report, &per_8h, d))?;
        for (i, r) in rd.positions.iter().enumerate() {
            drift[i].push(CarryPoint { days: d, collateral: r.collateral, liquidation_price: r.liquidation_price });
        }
    }

    let positions = report
        .positions
        .iter()
        .zip(per_8h)
        .zip(drift)
        .map(|((r, f8), liquidation_drift)| {
            let surplus = r.collateral + r.unrealized_pnl - r.maintenance_margin - r.closing_fee;
            let paid_per_day = if cross { -account_per_day } else { -f8 * 3.0 };
            let (days_to, note) = if paid_per_day > 0.0 {
                (finite((surplus / paid_per_day).max(0.0)), None)
            } else if paid_per_day < 0.0 {
                (None, Some("funding is received: it moves the liquidation price away".to_string()))
            } else {
                (None, Some("no funding at this rate".to_string()))
            };
            PositionCarry {
                symbol: r.symbol.clone(),
                side: r.side,
                notional: r.notional,
                funding_per_8h: f8,
                funding_per_hour: f8 / 8.0,
                funding_per_day: f8 * 3.0,
                funding_per_day_of_collateral: (r.collateral > 0.0).then(|| f8 * 3.0 / r.collateral).and_then(finite),
                surplus,
                days_to_liquidation_by_funding: days_to,
                liquidation_drift,
                note,
            }
        })
        .collect();
    Ok(CarryReport {
        funding_rate_8h: rate,
        annualised_rate: rate * 3.0 * 365.0,
        horizon_days,
        positions,
        account_funding_per_day: account_per_day,
    })
}
