//! Multi-asset collateral: the `collateral` list of a Scenario, each asset's value after its
//! haircut, loans with their buffer, the account's collateral value, and per asset the price
//! at which the account reaches its maintenance margin.
//!
//! Value of one asset, in the quote currency (USD), with `a` the amount and `P` its price:
//!
//! * flat ratio (Binance Multi-Assets mode [BN-MA-ratio]): `a × P × ratio` (Binance's `bidRate
//!   = index × (1 − bidBuffer)`, so `ratio = 1 − bidBuffer`);
//! * tiers by amount (Bybit UTA collateral value ratio, "tiered by coin quantity" [BB-CVR]):
//!   `P × Σ_k ratio_k × (slice of a in [floor_k, floor_{k+1}))`;
//! * tiers by value (OKX discount rates by USD value [OKX-3P], Bitget [BG]): the same sum over
//!   slices of the USD value `a × P`, e.g. USDT 0–5M ×1, 5–10M ×0.9, above 10M ×0.8: 11M is
//!   valued 5M + 4.5M + 0.8M = 10.3M;
//! * a loan (`a < 0`) counts in full, without haircut (Bybit: "ratio only for positive
//!   balances"; Binance PM: haircut only on positive balances [BN-uniMMR-2024]), raised by its
//!   `debt_buffer` (Binance's `askRate = index × (1 + askBuffer)`: a negative asset equity is
//!   valued at the ask rate [BN-MA-ratio]): `a × P × (1 + debt_buffer)`.
//!
//! `collateral_value = Σ value_i`; the account's equity is the collateral value plus the
//! positions' unrealised PnL, and it is liquidated when equity ≤ the positions' maintenance
//! margin (Binance Multi-Assets: "Once the margin ratio reaches 100 %, all positions will be
//! liquidated", ratio = Σ MM / equity [BN-MA-ratio]). The `liquidation_price` of asset `i` is
//! its price at which `value_i(P) + Σ_{j≠i} value_j + UPnL = MM`, everything else held.
//!
//! Sources: [BN-MA-ratio] binance.com "How to Calculate Margin Ratio in the Multi-Assets Mode";
//! [BB-CVR] Bybit help centre "Assets Collateral Value Ratio List (UTA)"; [OKX-3P] a copy of
//! OKX's discount-rate tiers; [BG] Bitget "cross discount"; [BN-uniMMR-2024] Binance FAQ
//! "What is the unified account maintenance margin ratio (uniMMR)".

use serde::{Deserialize, Serialize};

use crate::engine::input::{opt, req, Field, Shape};
use crate::engine::scenario::{check_non_negative, Contract, FieldError, InputErrors, MarginMode, Scenario};

/// One haircut tier: from `floor` (an amount of the asset, or a USD value, by `tier_basis`)
/// up to the next tier's floor, the asset counts at `ratio`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct HaircutTier {
    pub floor: f64,
    pub ratio: f64,
}

/// What the haircut tiers' floors measure.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum TierBasis {
    /// The amount held (Bybit UTA).
    #[default]
    Amount,
    /// The USD value (OKX, Bitget).
    Value,
}

/// One collateral asset (or loan, when `amount < 0`). The field names are part of the format.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CollateralAsset {
    pub asset: String,
    pub amount: f64,
    /// Price in the quote currency (USD).
    pub price: f64,
    /// Flat collateral ratio (default 1 when there are no tiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub haircut_tiers: Option<Vec<HaircutTier>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_basis: Option<TierBasis>,
    /// Loans: the fraction added to the debt's value (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debt_buffer: Option<f64>,
}

/// The fields of a haircut tier.
pub const HAIRCUT_TIER_FIELDS: &[Field] = &[req("floor", Shape::Number), req("ratio", Shape::Number)];

/// The fields of a [`CollateralAsset`].
pub const COLLATERAL_FIELDS: &[Field] = &[
    req("asset", Shape::Text),
    req("amount", Shape::Number),
    req("price", Shape::Number),
    opt("ratio", Shape::Number),
    opt("haircut_tiers", Shape::List(&Shape::Object(HAIRCUT_TIER_FIELDS))),
    opt("tier_basis", Shape::Choice(&["amount", "value"])),
    opt("debt_buffer", Shape::Number),
];

/// `Σ_k ratio_k × (slice of x in [floor_k, floor_{k+1}))`: the tiered (marginal) count of `x ≥ 0`.
fn tiered(tiers: &[HaircutTier], x: f64) -> f64 {
    tiers
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let top = tiers.get(k + 1).map_or(f64::INFINITY, |n| n.floor);
            (x.min(top) - t.floor).max(0.0) * t.ratio
        })
        .sum()
}

/// The inverse of [`tiered`]: the smallest `x ≥ 0` whose tiered count is `y` (`None` when the
/// tiers never reach `y`, e.g. above a last tier of ratio 0).
fn untiered(tiers: &[HaircutTier], y: f64) -> Option<f64> {
    if y <= 0.0 {
        return Some(0.0);
    }
    let mut counted = 0.0;
    for (k, t) in tiers.iter().enumerate() {
        let top = tiers.get(k + 1).map_or(f64::INFINITY, |n| n.floor);
        let room = (top - t.floor) * t.ratio;
        if t.ratio > 0.0 && counted + room >= y {
            return Some(t.floor + (y - counted) / t.ratio);
        }
        counted += room;
    }
    None
}

impl CollateralAsset {
    /// The asset's collateral value at price `price` (module docs).
    pub fn value_at(&self, price: f64) -> f64 {
        if self.amount < 0.0 {
            return self.amount * price * (1.0 + self.debt_buffer.unwrap_or(0.0));
        }
        match &self.haircut_tiers {
            None => self.amount * price * self.ratio.unwrap_or(1.0),
            Some(t) => match self.tier_basis.unwrap_or_default() {
                TierBasis::Amount => price * tiered(t, self.amount),
                TierBasis::Value => tiered(t, self.amount * price),
            },
        }
    }

    /// The price at which the asset's value is `target` (`None` when no positive price gives it).
    fn price_for(&self, target: f64) -> Option<f64> {
        let p = if self.amount < 0.0 {
            target / (self.amount * (1.0 + self.debt_buffer.unwrap_or(0.0)))
        } else if self.amount == 0.0 {
            return None;
        } else {
            match &self.haircut_tiers {
                None => target / (self.amount * self.ratio.unwrap_or(1.0)),
                Some(t) => match self.tier_basis.unwrap_or_default() {
                    TierBasis::Amount => target / tiered(t, self.amount),
                    TierBasis::Value => untiered(t, target)? / self.amount,
                },
            }
        };
        (p.is_finite() && p > 0.0).then_some(p)
    }
}

/// Range checks of the `collateral` list, pushed onto `errors`.
pub fn problems(s: &Scenario, errors: &mut Vec<FieldError>) {
    let Some(list) = &s.collateral else { return };
    if list.is_empty() {
        errors.push(FieldError::new("collateral", "list at least one asset, or remove it"));
    }
    if s.wallet_balance.is_some() || s.wallet_balances.is_some() {
        errors.push(FieldError::new("collateral", "give wallet_balance or collateral, not both (collateral replaces the one balance)"));
    }
    if s.margin_mode == MarginMode::Isolated {
        errors.push(FieldError::new("collateral", "multi-asset collateral backs a cross account; set margin_mode to cross"));
    }
    if s.positions.iter().any(|p| s.contract_of(p) == Contract::Inverse) {
        errors.push(FieldError::new(
            "collateral",
            "multi-asset collateral is valued in the quote currency: it backs linear (quote-settled) positions, not inverse ones",
        ));
    }
    for (i, c) in list.iter().enumerate() {
        let at = |f: &str| format!("collateral[{i}].{f}");
        if !c.amount.is_finite() || c.amount.abs() > crate::engine::MAX_AMOUNT {
            errors.push(FieldError::new(at("amount"), "must be a finite number (negative for a loan)"));
        }
        if !(crate::engine::MIN_PRICE..=crate::engine::MAX_PRICE).contains(&c.price) {
            errors.push(FieldError::new(at("price"), "must be a price from 1e-12 to 1e12"));
        }
        if let Some(r) = c.ratio {
            if !(0.0..=1.0).contains(&r) {
                errors.push(FieldError::new(at("ratio"), "must be a collateral ratio from 0 to 1"));
            }
            if c.haircut_tiers.is_some() {
                errors.push(FieldError::new(at("ratio"), "give ratio or haircut_tiers, not both"));
            }
        }
        if c.tier_basis.is_some() && c.haircut_tiers.is_none() {
            errors.push(FieldError::new(at("tier_basis"), "means nothing without haircut_tiers"));
        }
        if let Some(b) = c.debt_buffer {
            if !(0.0..1.0).contains(&b) {
                errors.push(FieldError::new(at("debt_buffer"), "must be a fraction ≥ 0 and < 1"));
            }
            if c.amount >= 0.0 {
                errors.push(FieldError::new(at("debt_buffer"), "is for loans (a negative amount)"));
            }
        }
        if let Some(tiers) = &c.haircut_tiers {
            if tiers.is_empty() {
                errors.push(FieldError::new(at("haircut_tiers"), "must list at least one tier"));
            }
            for (k, t) in tiers.iter().enumerate() {
                let tp = |f: &str| format!("collateral[{i}].haircut_tiers[{k}].{f}");
                check_non_negative(errors, &tp("floor"), t.floor);
                if !(0.0..=1.0).contains(&t.ratio) {
                    errors.push(FieldError::new(tp("ratio"), "must be a collateral ratio from 0 to 1"));
                }
                if k > 0 && t.floor <= tiers[k - 1].floor {
                    errors.push(FieldError::new(tp("floor"), "tiers must be sorted by increasing floor"));
                }
            }
            if tiers.first().is_some_and(|t| t.floor != 0.0) {
                errors.push(FieldError::new(format!("collateral[{i}].haircut_tiers[0].floor"), "the first tier must start at 0"));
            }
        }
    }
}

/// One asset in the collateral report.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CollateralRow {
    pub asset: String,
    pub amount: f64,
    pub price: f64,
    /// `amount × price`.
    pub market_value: f64,
    /// After the haircut (loans: with their buffer), quote currency.
    pub value: f64,
    /// `value / market_value` (`null` for a zero amount).
    pub effective_ratio: Option<f64>,
    /// This asset's price at which the account reaches its maintenance margin, everything else
    /// held; `null` when no positive price does (with `note`).
    pub liquidation_price: Option<f64>,
    /// `liquidation_price / price − 1`.
    pub distance: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The account totals of the collateral report, in the quote currency.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CollateralAccount {
    pub collateral_value: f64,
    /// Σ unrealised PnL of the positions at mark.
    pub unrealised_pnl: f64,
    /// `collateral_value + unrealised_pnl`.
    pub equity: f64,
    pub maintenance_margin: f64,
    /// `maintenance_margin / equity` (liquidation at 1); `null` when equity ≤ 0.
    pub margin_ratio: Option<f64>,
}

/// A grid of account equity minus maintenance over two assets' prices.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Surface {
    pub x_asset: String,
    pub y_asset: String,
    pub x_prices: Vec<f64>,
    pub y_prices: Vec<f64>,
    /// `margin[j][i]` = equity − maintenance at (x_prices[i], y_prices[j]); ≤ 0 is liquidated.
    pub margin: Vec<Vec<f64>>,
    /// Per y price, the x price at which the account reaches maintenance (`null`: none).
    pub boundary: Vec<Option<f64>>,
}

/// The `collateral` result: `account.collateral_value`, `collateral[i].value`,
/// `collateral[i].liquidation_price`, and the two-price surface of the two largest assets.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CollateralReport {
    pub account: CollateralAccount,
    pub collateral: Vec<CollateralRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surface: Option<Surface>,
}

/// The Scenario with its collateral value as the cross wallet, so the futures engine margins
/// its positions against it.
pub fn as_wallet(s: &Scenario) -> Option<Scenario> {
    let list = s.collateral.as_ref()?;
    let value: f64 = list.iter().map(|c| c.value_at(c.price)).sum();
    Some(Scenario { wallet_balance: Some(value), collateral: None, ..s.clone() })
}

/// The collateral report (module docs). The positions' unrealised PnL and maintenance margin
/// come from the futures Report with the collateral value as the wallet.
///
/// # Errors
/// No `collateral` list; the Scenario's input problems.
pub fn collateral_report(s: &Scenario, points: usize) -> Result<CollateralReport, InputErrors> {
    let Some(list) = &s.collateral else {
        return Err(FieldError::new("collateral", "required: list the account's collateral assets ({\"asset\", \"amount\", \"price\", …})").into());
    };
    s.validate()?;
    let (pnl, mm) = if s.positions.is_empty() {
        (0.0, 0.0)
    } else {
        let w = as_wallet(s).unwrap_or_else(|| s.clone());
        let r = crate::engine::evaluate(&w)?;
        (r.positions.iter().map(|p| p.unrealized_pnl).sum::<f64>(), r.positions.iter().map(|p| p.maintenance_margin).sum::<f64>())
    };
    let values: Vec<f64> = list.iter().map(|c| c.value_at(c.price)).collect();
    let total: f64 = values.iter().sum();
    let equity = total + pnl;
    let rows = list
        .iter()
        .zip(&values)
        .map(|(c, &value)| {
            let target = mm - (equity - value);
            let (lp, note) = if equity <= mm {
                (None, Some("the account is at or below its maintenance margin now".to_string()))
            } else {
                match c.price_for(target) {
                    Some(p) => (Some(p), None),
                    None => (None, Some(format!("no positive price of {} brings the account to its maintenance margin (the rest covers it)", c.asset))),
                }
            };
            let market = c.amount * c.price;
            CollateralRow {
                asset: c.asset.clone(),
                amount: c.amount,
                price: c.price,
                market_value: market,
                value,
                effective_ratio: (market != 0.0).then(|| value / market),
                liquidation_price: lp,
                distance: lp.map(|p| p / c.price - 1.0),
                note,
            }
        })
        .collect();
    let surface = surface(list, &values, pnl, mm, points);
    Ok(CollateralReport {
        account: CollateralAccount {
            collateral_value: total,
            unrealised_pnl: pnl,
            equity,
            maintenance_margin: mm,
            margin_ratio: (equity > 0.0).then(|| mm / equity),
        },
        collateral: rows,
        surface,
    })
}

/// The two-price surface over the two assets of largest value (each 0 to 2× its price).
fn surface(list: &[CollateralAsset], values: &[f64], pnl: f64, mm: f64, points: usize) -> Option<Surface> {
    if list.len() < 2 || points < 2 {
        return None;
    }
    let mut order: Vec<usize> = (0..list.len()).collect();
    order.sort_by(|&a, &b| values[b].abs().total_cmp(&values[a].abs()));
    let (x, y) = (order[0], order[1]);
    let rest: f64 = values.iter().enumerate().filter(|(k, _)| *k != x && *k != y).map(|(_, v)| v).sum::<f64>() + pnl;
    let grid = |c: &CollateralAsset| (1..=points).map(|k| 2.0 * c.price * k as f64 / points as f64).collect::<Vec<f64>>();
    let (xs, ys) = (grid(&list[x]), grid(&list[y]));
    let margin =
        ys.iter().map(|&py| xs.iter().map(|&px| list[x].value_at(px) + list[y].value_at(py) + rest - mm).collect()).collect();
    let boundary = ys.iter().map(|&py| list[x].price_for(mm - rest - list[y].value_at(py))).collect();
    Some(Surface { x_asset: list[x].asset.clone(), y_asset: list[y].asset.clone(), x_prices: xs, y_prices: ys, margin, boundary })
}

/// One coin of a Binance Portfolio Margin account.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct UniMmrAsset {
    pub asset: String,
    /// Σ of the asset's entries (`MarginAsset − MarginLoan`).
    pub net_amount: f64,
    /// Σ of its negative entries, as a positive amount (`MarginLoan`).
    pub loan: f64,
    /// `min(net × P × ratio, net × P)` (the haircut only on a positive net), quote.
    pub equity: f64,
    /// `loan × loan_mmr × P`, quote.
    pub margin_mm: f64,
}

/// Binance Portfolio Margin Pro's unified maintenance margin ratio.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct UniMmrReport {
    pub source: String,
    pub assets: Vec<UniMmrAsset>,
    /// Σ equity of the assets.
    pub equity: f64,
    /// Σ unrealised PnL of the (linear) futures, quote.
    pub futures_unrealised_pnl: f64,
    /// `equity + futures_unrealised_pnl` (open orders' loss: none in a Scenario).
    pub adjusted_equity: f64,
    pub futures_maintenance_margin: f64,
    pub margin_maintenance_margin: f64,
    /// `futures_maintenance_margin + margin_maintenance_margin`.
    pub maintenance_margin: f64,
    /// `adjusted_equity / maintenance_margin`; `null` without maintenance margin.
    pub uni_mmr: Option<f64>,
    /// Binance PM Pro's band: `trade freely` (> 150 %), `reminder` (120–150 %),
    /// `reduce only` (105–120 %), `liquidation` (100–105 %), `liquidation and claim` (≤ 100 %).
    pub status: String,
}

/// Binance Portfolio Margin Pro's uniMMR [BN-PM]:
/// `uniMMR = Σ adjustedEquity / Σ MM`, `Equity = Σ min((MarginAsset − MarginLoan + futuresAsset
/// + futuresUnrealPnL) × index × collateralRate, (…) × index)`, `MM = Σ futuresMM × index + Σ
/// MarginMM × index`, `MarginMM = Loan × MMR` (3x 10 %, 5x 8 %, 10x 5 %). The `collateral`
/// entries of one asset are netted first (an asset and its loan as two entries, the loan
/// negative); the asset's `ratio` or tiers apply to a positive net only. The futures'
/// unrealised PnL (linear, quote) counts at 100 % and their MM comes from the futures Report
/// with the collateral value as the cross wallet.
///
/// [BN-PM]: binance.com FAQ "Binance Portfolio Margin Pro Maintenance Margin Ratio Calculation".
///
/// # Errors
/// No `collateral`; the Scenario's input problems.
pub fn unimmr(s: &Scenario, loan_mmr: f64) -> Result<UniMmrReport, InputErrors> {
    let Some(list) = &s.collateral else {
        return Err(FieldError::new("collateral", "required for the binance portfolio model: list the account's assets and loans").into());
    };
    let cross = Scenario { margin_mode: MarginMode::Cross, portfolio_margin: None, ..s.clone() };
    cross.validate()?;
    let mut assets: Vec<(UniMmrAsset, &CollateralAsset)> = Vec::new();
    for c in list {
        match assets.iter_mut().find(|(a, _)| a.asset == c.asset) {
            Some((a, _)) => {
                a.net_amount += c.amount;
                a.loan += (-c.amount).max(0.0);
            }
            None => assets.push((
                UniMmrAsset { asset: c.asset.clone(), net_amount: c.amount, loan: (-c.amount).max(0.0), equity: 0.0, margin_mm: 0.0 },
                c,
            )),
        }
    }
    let assets: Vec<UniMmrAsset> = assets
        .into_iter()
        .map(|(mut a, c)| {
            // The first entry's haircut on the net amount, without a loan buffer.
            let net = CollateralAsset { amount: a.net_amount, debt_buffer: None, ..c.clone() };
            a.equity = net.value_at(c.price);
            a.margin_mm = a.loan * loan_mmr * c.price;
            a
        })
        .collect();
    let (pnl, fmm) = if s.positions.is_empty() {
        (0.0, 0.0)
    } else {
        let r = crate::engine::evaluate(&as_wallet(&cross).unwrap_or(cross))?;
        (r.positions.iter().map(|p| p.unrealized_pnl).sum::<f64>(), r.positions.iter().map(|p| p.maintenance_margin).sum::<f64>())
    };
    let equity: f64 = assets.iter().map(|a| a.equity).sum();
    let mmm: f64 = assets.iter().map(|a| a.margin_mm).sum();
    let adjusted = equity + pnl;
    let mm = fmm + mmm;
    let ratio = (mm > 0.0).then(|| adjusted / mm);
    let status = match ratio {
        None => "trade freely",
        Some(r) if r > 1.5 => "trade freely",
        Some(r) if r > 1.2 => "reminder",
        Some(r) if r > 1.05 => "reduce only",
        Some(r) if r > 1.0 => "liquidation",
        Some(_) => "liquidation and claim",
    };
    Ok(UniMmrReport {
        source: "Binance Portfolio Margin Pro uniMMR (binance.com FAQ, Portfolio Margin Pro maintenance margin ratio)".into(),
        assets,
        equity,
        futures_unrealised_pnl: pnl,
        adjusted_equity: adjusted,
        futures_maintenance_margin: fmm,
        margin_maintenance_margin: mmm,
        maintenance_margin: mm,
        uni_mmr: ratio,
        status: status.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn asset(amount: f64, price: f64) -> CollateralAsset {
        CollateralAsset { asset: "X".into(), amount, price, ratio: None, haircut_tiers: None, tier_basis: None, debt_buffer: None }
    }

    fn tiers(rows: &[(f64, f64)]) -> Option<Vec<HaircutTier>> {
        Some(rows.iter().map(|&(floor, ratio)| HaircutTier { floor, ratio }).collect())
    }

    /// Binance Multi-Assets mode [BN-MA-ratio]: USDT index 0.99, bid buffer 0.01 (bid rate
    /// 0.9801), USDC 1: "Account Equity = Σ min(assetEquity × bidRate, assetEquity × askRate) =
    /// 200 × 0.9801 + 220 × 1 = 416.02".
    #[test]
    fn binance_multi_assets_equity() {
        let usdt = CollateralAsset { ratio: Some(0.99), ..asset(200.0, 0.99) };
        let usdc = asset(220.0, 1.0);
        assert!((usdt.value_at(usdt.price) + usdc.value_at(usdc.price) - 416.02).abs() < 1e-9);
        // A negative asset equity is valued at the ask rate: index 0.99, ask buffer 0.005 →
        // 0.99495 per USDT [BN-MA-ratio]'s table.
        let debt = CollateralAsset { debt_buffer: Some(0.005), ..asset(-100.0, 0.99) };
        assert!((debt.value_at(0.99) - -99.495).abs() < 1e-9);
    }

    /// OKX discount tiers by USD value [OKX-3P]: USDT 0–5M ×1, 5–10M ×0.9, >10M ×0.8; 11M
    /// USDT counts 5M + 5M × 0.9 + 1M × 0.8 = 10.3M.
    #[test]
    fn okx_value_tiers() {
        let c = CollateralAsset {
            haircut_tiers: tiers(&[(0.0, 1.0), (5e6, 0.9), (1e7, 0.8)]),
            tier_basis: Some(TierBasis::Value),
            ..asset(11e6, 1.0)
        };
        assert!((c.value_at(1.0) - 10.3e6).abs() < 1e-6);
        assert!((c.price_for(10.3e6).unwrap() - 1.0).abs() < 1e-12);
    }

    /// Bybit UTA collateral value ratio by coin quantity [BB-CVR]: BTC 0–10 0.98, 10–20 0.95,
    /// 20–30 0.90, 30–40 0.85, 40–50 0.80, >50 0. 35 BTC count 10 × 0.98 + 10 × 0.95 + 10 ×
    /// 0.90 + 5 × 0.85 = 32.55 BTC, × 60000 = 1,953,000 USD; above 50 BTC nothing more counts.
    #[test]
    fn bybit_amount_tiers() {
        let t = tiers(&[(0.0, 0.98), (10.0, 0.95), (20.0, 0.90), (30.0, 0.85), (40.0, 0.80), (50.0, 0.0)]);
        let c = CollateralAsset { haircut_tiers: t.clone(), ..asset(35.0, 60000.0) };
        assert!((c.value_at(60000.0) - 32.55 * 60000.0).abs() < 1e-6);
        let big = CollateralAsset { haircut_tiers: t, ..asset(80.0, 1.0) };
        assert!((big.value_at(1.0) - (9.8 + 9.5 + 9.0 + 8.5 + 8.0)).abs() < 1e-9);
    }

    /// Binance PM Pro's example [BN-PM]: USDT 1,000 (no loan); BTC margin asset 0.1, loan
    /// 0.04 → equity 0.06 BTC, Margin MM 0.004 BTC (0.04 × 10 %); ETH 20 and 15 → 5 ETH,
    /// Margin MM 1.5 ETH. With prices of 1 the quote figures are the coin figures.
    #[test]
    fn binance_pm_margin_loans() {
        let doc = serde_json::json!({"venue": "binance-usdm", "margin_mode": "portfolio",
            "portfolio_margin": {"model": "binance"},
            "collateral": [{"asset": "USDT", "amount": 1000, "price": 1},
                           {"asset": "BTC", "amount": 0.1, "price": 1}, {"asset": "BTC", "amount": -0.04, "price": 1},
                           {"asset": "ETH", "amount": 20, "price": 1}, {"asset": "ETH", "amount": -15, "price": 1}]});
        let s = crate::engine::parse_scenario(&doc.to_string()).unwrap_or_else(|e| panic!("{e}"));
        let r = unimmr(&s, 0.10).unwrap();
        let btc = &r.assets[1];
        assert!((btc.net_amount - 0.06).abs() < 1e-15 && (btc.margin_mm - 0.004).abs() < 1e-15);
        let eth = &r.assets[2];
        assert!((eth.net_amount - 5.0).abs() < 1e-15 && (eth.margin_mm - 1.5).abs() < 1e-15);
        // (1,000 + 0.06 + 5) / (0.004 + 1.5) = 668.9: "trade freely" above 150 %.
        assert!((r.uni_mmr.unwrap() - 1005.06 / 1.504).abs() < 1e-9);
        assert_eq!(r.status, "trade freely");
    }

    #[test]
    fn liquidation_price_of_one_asset_holds_the_rest() {
        // 1 BTC at 60000 (ratio 0.95) and a 30000 USDT loan; a linear BTC position with MM
        // 500 is replaced by its numbers here: equity = 0.95 P − 30000 = 500 at P = 32105.26.
        let btc = CollateralAsset { ratio: Some(0.95), ..asset(1.0, 60000.0) };
        assert!((btc.price_for(30500.0).unwrap() - 30500.0 / 0.95).abs() < 1e-9);
        let loan = CollateralAsset { debt_buffer: Some(0.01), ..asset(-10.0, 3000.0) };
        // A loan's liquidation price is above: −10 × P × 1.01 = −57000 at P = 5643.56.
        assert!((loan.price_for(-57000.0).unwrap() - 57000.0 / 10.1).abs() < 1e-9);
    }

    proptest! {
        /// More of an asset never counts for less, by amount or by value, at any tiers.
        #[test]
        fn haircut_value_is_monotone_in_amount(
            a in 0.0..1e6f64, extra in 0.0..1e6f64, price in 0.01..1e5f64,
            ratios in proptest::collection::vec(0.0..=1.0f64, 1..6), by_value in any::<bool>()
        ) {
            let t: Vec<HaircutTier> = ratios.iter().enumerate().map(|(k, &r)| HaircutTier { floor: k as f64 * 1000.0, ratio: r }).collect();
            let c = |amount| CollateralAsset {
                haircut_tiers: Some(t.clone()),
                tier_basis: Some(if by_value { TierBasis::Value } else { TierBasis::Amount }),
                ..asset(amount, price)
            };
            prop_assert!(c(a + extra).value_at(price) >= c(a).value_at(price) - 1e-9 * (1.0 + a * price));
            prop_assert!(c(a).value_at(price) <= a * price * (1.0 + 1e-12));
        }
    }
}
