//! Calculator tools over a Scenario: PnL and ROE at a target price, the target price for an
//! ROE or PnL, the average entry of several fills, the maximum openable size for a balance and
//! leverage, and the effect of adding or removing isolated margin.
//!
//! Each tool takes a validated [`Scenario`] (the positions are the input) and returns a typed,
//! serialisable result; the `api::COMMANDS` entries `pnl`, `target`, `average-entry`,
//! `max-size` and `margin` wrap them for the CLI and the JS API. Numbers that would not be
//! finite are `None` (JSON `null`) with a note.
//!
//! PnL uses the same definitions as the margin engine: linear `s·Q·(P − EP)` in quote, inverse
//! `s·N·(1/EP − 1/P)` in coin [BMX-INV]; ROE = PnL ÷ initial margin, as the venues' calculators
//! show it (Binance "PnL" tab [S1], Bybit [S5]); fees and funding are not included, as in those
//! calculators.

use serde::Serialize;

use crate::engine::report::Report;
use crate::engine::scenario::{Contract, FieldError, InputErrors, MarginMode, Position, Scenario, Side};
use crate::engine::{margin, tables, venue};

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Picks the positions a tool applies to: `Some(i)` → just `i`, `None` → all.
///
/// # Errors
/// `position` out of range, or a Scenario without positions.
pub fn select(s: &Scenario, position: Option<f64>) -> Result<Vec<usize>, InputErrors> {
    if s.positions.is_empty() {
        return Err(FieldError::new("positions", "list at least one position").into());
    }
    match position {
        None => Ok((0..s.positions.len()).collect()),
        Some(i) if i >= 0.0 && i.fract() == 0.0 && (i as usize) < s.positions.len() => Ok(vec![i as usize]),
        Some(_) => Err(FieldError::new(
            "position",
            format!("must be a position index from 0 to {}", s.positions.len() - 1),
        )
        .into()),
    }
}

/// Builds the engine's model of position `i`, with its initial margin.
fn model(s: &Scenario, i: usize) -> Result<(venue::PositionModel, f64), InputErrors> {
    let p = &s.positions[i];
    let m = venue::position_model(s, i, p)?;
    let im = venue::initial_margin(s, p, &m);
    Ok((m, im))
}

/// PnL and ROE of one position at a price.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct PnlRow {
    pub index: usize,
    pub symbol: String,
    pub side: Side,
    pub contract: Contract,
    pub entry_price: f64,
    pub exit_price: f64,
    /// In the settlement asset (quote for linear, coin for inverse).
    pub pnl: f64,
    /// Inverse: the PnL valued in quote at the exit price (`pnl × exit`); linear: = `pnl`.
    pub pnl_quote: f64,
    pub initial_margin: f64,
    /// PnL ÷ initial margin (fraction); `null` when the initial margin is 0.
    pub roe: Option<f64>,
    /// Exit price ÷ entry − 1.
    pub price_change: f64,
}

/// PnL and ROE of the selected positions if closed at `price`.
///
/// `PnL = s·Q·(P − EP)` (linear) or `s·N·(1/EP − 1/P)` (inverse); `ROE = PnL / IM`.
///
/// # Errors
/// `price` not a finite number > 0; `position` out of range.
pub fn pnl_at(s: &Scenario, price: f64, position: Option<f64>) -> Result<Vec<PnlRow>, InputErrors> {
    if !(crate::engine::MIN_PRICE..=crate::engine::MAX_PRICE).contains(&price) {
        return Err(FieldError::new(
            "price",
            format!("must be a price from {:e} to {:e}", crate::engine::MIN_PRICE, crate::engine::MAX_PRICE),
        )
        .into());
    }
    crate::engine::check_magnitudes(s)?;
    select(s, position)?
        .into_iter()
        .map(|i| {
            if s.positions[i].option.is_some() {
                // Options: `price` is the underlying at expiry (engine::options).
                return crate::engine::options::pnl_row(s, i, price);
            }
            let (m, im) = model(s, i)?;
            let pnl = margin::pnl(&m, price);
            Ok(PnlRow {
                index: i,
                symbol: s.positions[i].symbol.clone(),
                side: s.positions[i].side,
                contract: m.contract,
                entry_price: m.entry_price,
                exit_price: price,
                pnl,
                pnl_quote: match m.contract {
                    Contract::Linear => pnl,
                    Contract::Inverse => pnl * price,
                },
                initial_margin: im,
                roe: (im > 0.0).then(|| pnl / im).and_then(finite),
                price_change: price / m.entry_price - 1.0,
            })
        })
        .collect()
}

/// The exit price that yields a target ROE or PnL.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct TargetRow {
    pub index: usize,
    pub symbol: String,
    pub side: Side,
    pub entry_price: f64,
    /// Target PnL in the settlement asset (`roe × initial margin` when an ROE was asked).
    pub target_pnl: f64,
    pub target_roe: Option<f64>,
    /// `null` when no positive price reaches the target (e.g. a long asked to lose more than
    /// its whole value, or an inverse short asked to gain more than `N/EP`).
    pub target_price: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The target (exit) price for a PnL `target_pnl`, or for `roe × IM` when `roe` is given.
///
/// Linear: `P = EP + PnL/(s·Q)`. Inverse: `1/P = 1/EP − PnL/(s·N)`, no price when the right
/// side is ≤ 0. (Bybit calculator "Target Price" tab [S5]; Binance "Target Price" [S1].)
///
/// # Errors
/// Neither or both of `roe` / `pnl`, a non-finite value, or `position` out of range.
pub fn target_price(
    s: &Scenario,
    roe: Option<f64>,
    target_pnl: Option<f64>,
    position: Option<f64>,
) -> Result<Vec<TargetRow>, InputErrors> {
    match (roe, target_pnl) {
        (None, None) | (Some(_), Some(_)) => {
            return Err(FieldError::new("roe", "give exactly one of `roe` (fraction, 0.5 = +50 %) or `pnl`").into())
        }
        _ => {}
    }
    for (name, v) in [("roe", roe), ("pnl", target_pnl)] {
        if v.is_some_and(|x| x.is_nan() || x.abs() > crate::engine::MAX_AMOUNT) {
            return Err(FieldError::new(name, format!("must be a number up to {:e} in magnitude", crate::engine::MAX_AMOUNT)).into());
        }
    }
    crate::engine::check_magnitudes(s)?;
    select(s, position)?
        .into_iter()
        .map(|i| {
            let (m, im) = model(s, i)?;
            let goal = target_pnl.unwrap_or_else(|| roe.unwrap_or(0.0) * im);
            let p = match m.contract {
                Contract::Linear => m.entry_price + goal / (m.side * m.size),
                Contract::Inverse => 1.0 / (1.0 / m.entry_price - goal / (m.side * m.size)),
            };
            let target_price = (p.is_finite() && p > 0.0).then_some(p);
            Ok(TargetRow {
                index: i,
                symbol: s.positions[i].symbol.clone(),
                side: s.positions[i].side,
                entry_price: m.entry_price,
                target_pnl: goal,
                target_roe: roe,
                target_price,
                note: target_price.is_none().then(|| "no positive price reaches this PnL".to_string()),
            })
        })
        .collect()
}

/// One merged position from several fills of the same symbol, side and contract.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct AverageRow {
    pub symbol: String,
    pub side: Side,
    pub contract: Contract,
    /// Indices of the fills in the Scenario.
    pub fills: Vec<usize>,
    /// Total size: Σ Q (linear) or Σ N (inverse).
    pub size: f64,
    /// Linear: `Σ Q_i·EP_i / Σ Q_i`; inverse: `Σ N_i / Σ (N_i/EP_i)` (the harmonic mean, which
    /// keeps the PnL of the merged position equal to the sum of the fills' PnL).
    pub average_entry: f64,
    /// Isolated collateral of the merged position: the sum of the fills' margins.
    pub margin: f64,
}

/// The merged positions and the Report of the Scenario with each group merged.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct AverageEntry {
    pub groups: Vec<AverageRow>,
    /// The merged Scenario evaluated: its liquidation prices are those of the averaged
    /// positions (the DCA case).
    pub report: Report,
}

/// Merges the Scenario's positions that share symbol, side and contract into one position each
/// at the average entry, and evaluates the merged Scenario.
///
/// The merged position keeps the first fill's overrides (`mmr`, `tiers`, …) and the last
/// given mark price; its isolated margin is the sum of the fills' margins.
///
/// # Errors
/// As [`crate::engine::evaluate`]; a Scenario without positions.
pub fn average_entry(s: &Scenario) -> Result<AverageEntry, InputErrors> {
    select(s, None)?;
    let mut groups: Vec<AverageRow> = Vec::new();
    let mut merged: Vec<Position> = Vec::new();
    for (i, p) in s.positions.iter().enumerate() {
        let contract = s.contract_of(p);
        let (m, im) = model(s, i)?;
        let margin_i = p.margin.unwrap_or(im);
        let k = groups.iter().position(|g| g.symbol == p.symbol && g.side == p.side && g.contract == contract);
        match k {
            Some(k) => {
                let (g, q) = (&mut groups[k], &mut merged[k]);
                // Accumulate Σ size and Σ cost (Q·EP linear, N/EP inverse) in place.
                let cost_old = match contract {
                    Contract::Linear => g.size * g.average_entry,
                    Contract::Inverse => g.size / g.average_entry,
                };
                let cost_new = match contract {
                    Contract::Linear => m.size * m.entry_price,
                    Contract::Inverse => m.size / m.entry_price,
                };
                g.size += m.size;
                g.average_entry = match contract {
                    Contract::Linear => (cost_old + cost_new) / g.size,
                    Contract::Inverse => g.size / (cost_old + cost_new),
                };
                g.margin += margin_i;
                g.fills.push(i);
                q.size = g.size;
                q.entry_price = g.average_entry;
                q.margin = Some(g.margin);
                if p.mark_price.is_some() {
                    q.mark_price = p.mark_price;
                }
            }
            None => {
                groups.push(AverageRow {
                    symbol: p.symbol.clone(),
                    side: p.side,
                    contract,
                    fills: vec![i],
                    size: m.size,
                    average_entry: m.entry_price,
                    margin: margin_i,
                });
                let mut q = p.clone();
                q.contract = Some(contract);
                q.margin = Some(margin_i);
                q.leverage = None;
                merged.push(q);
            }
        }
    }
    let scenario = Scenario { positions: merged, market: None, ..s.clone() };
    let report = crate::engine::evaluate(&scenario)?;
    Ok(AverageEntry { groups, report })
}

/// The largest position that can be opened.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct MaxSizeRow {
    pub index: usize,
    pub symbol: String,
    pub side: Side,
    pub entry_price: f64,
    pub balance: f64,
    pub leverage: f64,
    /// Largest notional at entry (settlement asset).
    pub max_notional: f64,
    /// The same as a size: base units (linear) or USD contract value (inverse).
    pub max_size: f64,
    /// Initial margin the maximum uses.
    pub initial_margin: f64,
    /// `balance` (the margin runs out first) or `tier` (the venue's tier table caps the
    /// notional at this leverage).
    pub limited_by: &'static str,
    /// Tier (0-based) the maximum falls in.
    pub tier: usize,
}

/// Maximum openable size for a balance and leverage, tier-aware.
///
/// `max notional = min(balance × leverage, cap(leverage))`, where `cap(L)` is the floor of the
/// first tier whose maximum leverage is below `L` (a position's notional must stay in a tier
/// that allows `L`; Binance "Max Open" [S1] with the brackets' `maxLeverage` [FT-bn-tiers]);
/// Deribit: `IMR(size) = 2 % + size_coin × k ≤ 1/L` gives the cap [DRB-2022]. BitMEX's margin
/// per unit of notional includes the entry and exit fee (`1/L + 2 × taker` [BMX-REDDIT]).
/// Fees charged on opening at other venues and open-order loss are not deducted.
///
/// # Errors
/// Missing or invalid `balance` / `leverage` (each defaults to the Scenario's
/// `wallet_balance` / the position's `margin`, and the position's `leverage`), a leverage above
/// the venue's maximum at any size, or `position` out of range.
pub fn max_size(
    s: &Scenario,
    balance: Option<f64>,
    leverage: Option<f64>,
    position: Option<f64>,
) -> Result<Vec<MaxSizeRow>, InputErrors> {
    crate::engine::check_magnitudes(s)?;
    let idx = select(s, position)?;
    let mut out = Vec::with_capacity(idx.len());
    for i in idx {
        let p = &s.positions[i];
        let (m, _) = model(s, i)?;
        let b = balance.or(s.wallet_balance).or(p.margin).ok_or_else(|| {
            InputErrors::from(FieldError::new("balance", "give `balance` (or wallet_balance / the position's margin)"))
        })?;
        if !(0.0..=crate::engine::MAX_AMOUNT).contains(&b) {
            return Err(FieldError::new("balance", format!("must be a number from 0 to {:e}", crate::engine::MAX_AMOUNT)).into());
        }
        let l = leverage.or(p.leverage).ok_or_else(|| {
            InputErrors::from(FieldError::new("leverage", "give `leverage` (or the position's leverage)"))
        })?;
        if !l.is_finite() || !(1.0..=1000.0).contains(&l) {
            return Err(FieldError::new("leverage", "must be a number from 1 to 1000").into());
        }
        let per_notional = 1.0 / l + venue::im_fee_reserve(s, &m, l);
        let by_balance = b / per_notional;
        let cap = if let Some(r) = m.size_rate {
            // IMR(size) ≤ 1/L ⇔ size_coin ≤ (1/L − im_base)/k.
            let coin = (1.0 / l - r.im_base) / r.per_coin;
            if coin <= 0.0 {
                return Err(FieldError::new(
                    "leverage",
                    format!("exceeds the venue's maximum leverage {:.0}x at any size", 1.0 / r.im_base),
                )
                .into());
            }
            match m.contract {
                Contract::Linear => coin * m.entry_price,
                Contract::Inverse => coin,
            }
        } else {
            match m.tiers.iter().position(|t| t.max_leverage.is_some_and(|ml| ml < l)) {
                Some(0) => {
                    let ml = tables::max_leverage_at(&m.tiers, 0.0).unwrap_or(l);
                    return Err(FieldError::new(
                        "leverage",
                        format!("exceeds the venue's maximum leverage {ml}x at any size"),
                    )
                    .into());
                }
                Some(k) => m.tiers[k].floor,
                None => f64::INFINITY,
            }
        };
        let (max_notional, limited_by) = if cap < by_balance { (cap, "tier") } else { (by_balance, "balance") };
        let max_size = match m.contract {
            Contract::Linear => max_notional / m.entry_price,
            Contract::Inverse => max_notional * m.entry_price,
        };
        // The tier of the supremum's interior: just below a tier cap, in the tier below it.
        let tier = margin::tier_index(&m.tiers, if limited_by == "tier" { max_notional * (1.0 - 1e-12) } else { max_notional });
        out.push(MaxSizeRow {
            index: i,
            symbol: p.symbol.clone(),
            side: p.side,
            entry_price: m.entry_price,
            balance: b,
            leverage: l,
            max_notional,
            max_size,
            initial_margin: max_notional * per_notional,
            limited_by,
            tier: if m.size_rate.is_some() { 0 } else { tier },
        });
    }
    Ok(out)
}

/// One side of the margin change.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct MarginState {
    pub margin: f64,
    pub liquidation_price: Option<f64>,
    pub bankruptcy_price: Option<f64>,
    pub distance_to_liquidation: Option<f64>,
    /// Notional at mark ÷ (margin + PnL at mark).
    pub effective_leverage: Option<f64>,
    pub liquidatable_now: bool,
}

/// The effect of adding (or removing, when negative) isolated margin.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct MarginChange {
    pub index: usize,
    pub symbol: String,
    pub added: f64,
    pub before: MarginState,
    pub after: MarginState,
    /// Liquidation price after − before (`null` when either is `null`).
    pub liquidation_shift: Option<f64>,
}

/// Adds `amount` (negative removes) to isolated position `position`'s margin and re-solves
/// its liquidation price: Bybit's "extra margin added" term `LP = EP ∓ (IM − MM)/Q ∓
/// ExtraMargin/Q` [BB-USDT-LP], OKX's added margin [S7]; the effective leverage afterwards is
/// what Binance asks the user to type (14,000 USDT at 2x + 1,000 → 1.75x [S4]).
///
/// # Errors
/// Cross mode (margin is the wallet balance there), `add` missing or non-finite, a removal
/// larger than the margin, or `position` out of range.
pub fn add_margin(s: &Scenario, amount: Option<f64>, position: Option<f64>) -> Result<MarginChange, InputErrors> {
    if s.margin_mode == MarginMode::Cross {
        return Err(FieldError::new(
            "margin_mode",
            "margin can be added only to isolated positions; in cross mode change wallet_balance",
        )
        .into());
    }
    let amount = amount.ok_or_else(|| InputErrors::from(FieldError::new("add", "give the amount to add (negative removes)")))?;
    if amount.is_nan() || amount.abs() > crate::engine::MAX_AMOUNT {
        return Err(FieldError::new("add", format!("must be a number up to {:e} in magnitude", crate::engine::MAX_AMOUNT)).into());
    }
    let i = *select(s, Some(position.unwrap_or(0.0)))?.first().unwrap_or(&0);
    let before = crate::engine::evaluate(s)?;
    let current = before.positions[i].collateral;
    let new_margin = current + amount;
    if !new_margin.is_finite() || new_margin < 0.0 {
        return Err(FieldError::new("add", format!("would leave negative margin (the position has {current})")).into());
    }
    let mut changed = s.clone();
    changed.positions[i].margin = Some(new_margin);
    let after = crate::engine::evaluate(&changed)?;
    let state = |r: &Report| {
        let p = &r.positions[i];
        MarginState {
            margin: p.collateral,
            liquidation_price: p.liquidation_price,
            bankruptcy_price: p.bankruptcy_price,
            distance_to_liquidation: p.distance_to_liquidation,
            effective_leverage: p.effective_leverage,
            liquidatable_now: p.liquidatable_now,
        }
    };
    let (b, a) = (state(&before), state(&after));
    Ok(MarginChange {
        index: i,
        symbol: s.positions[i].symbol.clone(),
        added: amount,
        liquidation_shift: b.liquidation_price.zip(a.liquidation_price).map(|(x, y)| y - x),
        before: b,
        after: a,
    })
}
