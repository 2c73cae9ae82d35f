//! The liquidation band: the range of prices at which a position may in practice be
//! liquidated, instead of one point.
//!
//! Starting from the Report's point liquidation price `L` (mark price where equity = MM + fee),
//! each effect moves it (user-needs (c) 2–4: mark vs last price, fees, funding, tiers):
//!
//! * **mark–last spread** `w`: venues liquidate on the mark price, but the chart shows the last
//!   price, which can be `w` away when mark reaches `L`: `[L(1 − w), L(1 + w)]`.
//! * **next tier**: the liquidation price with the rate one bracket up (earlier) and one
//!   bracket down (later) than the tier `k` used at `L`, keeping that tier's maintenance
//!   amount: `MM = notional × mmr_{k±1} − amount_k`. Brackets are revised and a position near
//!   a floor can cross it; shifting only the rate moves the maintenance by `notional × Δmmr`.
//!   (The adjacent tier with its own amount would change nothing: venues choose the amounts so
//!   that maintenance is continuous at the floors, and below a floor the next tier's formula
//!   gives *less* maintenance than the current one.)
//! * **closing fee**: `L` with the estimated closing fee (position `taker_fee`, default 0.05 %)
//!   counted in the condition, for venues that do not count it (earlier).
//! * **funding**: `L` after the funding of the horizon is paid from (or added to) the
//!   collateral: `C' = C − s · r₈ · notional(mark) · hours/8` (in cross mode the whole
//!   account's funding comes out of the wallet).
//! * **slippage to bankruptcy**: the liquidation order may fill anywhere down to the
//!   bankruptcy price `B` (equity = 0), the far end of the band.
//!
//! `earliest` combines the adverse effects (next tier up, fee, funding paid) and moves it by the
//! spread toward mark; `latest` is the furthest of the candidates (usually `B`) moved by the
//! spread away from mark. `low`/`high` span every candidate, so the band always contains `L`.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use crate::engine::analytics::{finite, risk_market};
use crate::engine::scenario::{MarginMode, Tier};
use crate::engine::venue::{self, PositionModel};
use crate::engine::{evaluate, margin, InputErrors, Scenario, Side};

/// Taker fee assumed for the closing-fee effect when the position gives none.
pub const DEFAULT_TAKER_FEE: f64 = 0.0005;

/// One effect on the liquidation price.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BandComponent {
    /// `mark_last_spread`, `next_tier`, `closing_fee`, `funding` or `bankruptcy`.
    pub name: String,
    /// Prices this effect alone gives, low and high (both include `L`).
    pub low: f64,
    pub high: f64,
    pub note: String,
}

/// The band of one position.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LiquidationBand {
    pub symbol: String,
    pub side: Side,
    pub mark_price: f64,
    /// The Report's point liquidation price.
    pub liquidation_price: Option<f64>,
    pub bankruptcy_price: Option<f64>,
    /// Lowest and highest price of the band (contain `liquidation_price`).
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Price (nearest mark) at which liquidation may first trigger, as seen on the last price.
    pub earliest: Option<f64>,
    /// Price (furthest from mark) at which the position may finally be closed.
    pub latest: Option<f64>,
    pub components: Vec<BandComponent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The `band` result.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BandReport {
    pub horizon_days: f64,
    pub funding_rate_8h: f64,
    pub mark_last_spread: f64,
    pub positions: Vec<LiquidationBand>,
}

/// Funding paid by a position over `hours` in its settlement asset (negative = received):
/// `side · r₈ · notional(mark) · hours / 8` (longs pay when the rate is positive).
pub fn funding_paid(model: &PositionModel, rate_8h: f64, hours: f64) -> f64 {
    model.side * rate_8h * margin::notional(model, model.mark_price) * hours / 8.0
}

/// Liquidation price with one tier forced and a fee rate, for `collateral`.
fn solve(model: &PositionModel, tier: Option<Tier>, fee: f64, collateral: f64) -> Option<f64> {
    let mut m = model.clone();
    if let Some(t) = tier {
        m.tiers = Cow::Owned(vec![Tier { floor: 0.0, ..t }]);
    }
    m.fee_rate = fee;
    margin::liquidation_price(&m, collateral).map(|x| x.0).and_then(finite)
}

fn span(name: &str, l: f64, others: &[Option<f64>], note: String) -> Option<BandComponent> {
    let xs: Vec<f64> = others.iter().flatten().copied().collect();
    if xs.is_empty() {
        return None;
    }
    let low = xs.iter().fold(l, |a, &b| a.min(b));
    let high = xs.iter().fold(l, |a, &b| a.max(b));
    Some(BandComponent { name: name.to_string(), low, high, note })
}

/// Liquidation bands of every position over a horizon of `horizon_days` (for funding).
///
/// # Errors
/// The Report's errors.
pub fn band(s: &Scenario, horizon_days: f64) -> Result<BandReport, InputErrors> {
    let report = evaluate(s)?;
    let m = risk_market(s);
    let rate = m.funding_rate_8h.unwrap_or(0.0);
    let w = m.mark_last_spread.unwrap_or(0.0);
    let hours = horizon_days * 24.0;
    let models = s
        .positions
        .iter()
        .enumerate()
        .map(|(i, p)| venue::position_model(s, i, p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(InputErrors::from)?;
    let account_paid: f64 = models.iter().map(|md| funding_paid(md, rate, hours)).sum();
    let mut positions = Vec::with_capacity(models.len());
    for ((i, r), model) in report.positions.iter().enumerate().zip(&models) {
        let Some(l) = r.liquidation_price else {
            positions.push(LiquidationBand {
                symbol: r.symbol.clone(),
                side: r.side,
                mark_price: r.mark_price,
                liquidation_price: None,
                bankruptcy_price: r.bankruptcy_price,
                low: None,
                high: None,
                earliest: None,
                latest: None,
                components: Vec::new(),
                note: Some(r.liquidation_note.clone().unwrap_or_else(|| "no price liquidates this position".into())),
            });
            continue;
        };
        let c = r.collateral;
        let k = r.liquidation_tier.unwrap_or(r.tier).min(model.tiers.len().saturating_sub(1));
        let tiers = &model.tiers;
        let fee0 = model.fee_rate;
        let taker = s.positions[i].taker_fee.unwrap_or(DEFAULT_TAKER_FEE).max(fee0);
        let paid = if s.margin_mode == MarginMode::Cross { account_paid } else { funding_paid(model, rate, hours) };
        let here = tiers.get(k).copied();
        // The rate one bracket up or down with the tier's own maintenance amount.
        let amount = here.map_or(0.0, |t| t.maint_amount);
        let up = tiers.get(k + 1).map(|t| Tier { maint_amount: amount, ..*t });
        let down = k.checked_sub(1).and_then(|j| tiers.get(j)).map(|t| Tier { maint_amount: amount, ..*t });
        let l_up = up.and_then(|t| solve(model, Some(t), fee0, c));
        let l_down = down.and_then(|t| solve(model, Some(t), fee0, c));
        let l_fee = (taker > fee0).then(|| solve(model, here, taker, c)).flatten();
        let l_fund = (paid != 0.0).then(|| solve(model, here, fee0, c - paid)).flatten();
        let b = r.bankruptcy_price.and_then(finite);

        let mut components = Vec::new();
        if w > 0.0 {
            components.push(BandComponent {
                name: "mark_last_spread".into(),
                low: l * (1.0 - w),
                high: l * (1.0 + w),
                note: format!("last price up to {:.3} % from mark when mark reaches the liquidation price", w * 100.0),
            });
        }
        components.extend(span(
            "next_tier",
            l,
            &[l_up, l_down],
            "liquidation price with the rate one tier up and one tier down, keeping this tier's maintenance amount".into(),
        ));
        components.extend(span(
            "closing_fee",
            l,
            &[l_fee],
            format!("closing fee of {:.4} % counted in the liquidation condition", taker * 100.0),
        ));
        components.extend(span(
            "funding",
            l,
            &[l_fund],
            format!("after {:.6} of funding {} over {horizon_days} days", paid.abs(), if paid > 0.0 { "paid" } else { "received" }),
        ));
        components.extend(span(
            "bankruptcy",
            l,
            &[b],
            "the liquidation order may fill anywhere down to the bankruptcy price (equity = 0)".into(),
        ));

        // Earliest: every adverse effect together, moved by the spread toward mark.
        let worst_tier = match (here, up) {
            (Some(h), Some(u)) if u.mmr > h.mmr => Some(u),
            _ => here,
        };
        let toward = if r.side == Side::Long { 1.0 + w } else { 1.0 - w };
        let away = if r.side == Side::Long { 1.0 - w } else { 1.0 + w };
        let early = solve(model, worst_tier, taker, c - paid.max(0.0)).unwrap_or(l);
        let nearest = [Some(early), l_up, l_fee, l_fund.filter(|_| paid > 0.0)]
            .iter()
            .flatten()
            .fold(l, |a, &x| if (x - r.mark_price).abs() < (a - r.mark_price).abs() { x } else { a });
        let earliest = nearest * toward;
        let candidates = [Some(l), l_up, l_down, l_fee, l_fund, b, Some(early)];
        let furthest = candidates
            .iter()
            .flatten()
            .fold(l, |a, &x| if (x - r.mark_price).abs() > (a - r.mark_price).abs() { x } else { a });
        let latest = furthest * away;
        let all = candidates.iter().flatten().copied().chain([earliest, latest, l * (1.0 - w), l * (1.0 + w)]);
        let (low, high) = all.fold((l, l), |(lo, hi), x| (lo.min(x), hi.max(x)));
        positions.push(LiquidationBand {
            symbol: r.symbol.clone(),
            side: r.side,
            mark_price: r.mark_price,
            liquidation_price: Some(l),
            bankruptcy_price: b,
            low: finite(low),
            high: finite(high),
            earliest: finite(earliest),
            latest: finite(latest),
            components,
            note: r.liquidation_note.clone(),
        });
    }
    Ok(BandReport { horizon_days, funding_rate_8h: rate, mark_last_spread: w, positions })
}
