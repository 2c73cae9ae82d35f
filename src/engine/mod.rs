//! leverlab's margin and liquidation engine: pure math, no web, clock or storage.
//!
//! One data spine runs through it: a [`Scenario`] (what the user entered) goes in, a
//! [`Report`] comes out. See [`evaluate`].

pub mod analytics;
pub mod cascade;
pub mod margin;
pub mod report;
pub mod scenario;
pub mod tables;
pub mod tools;
pub mod venue;

pub use report::{AccountReport, PositionReport, Report, Settlement};
pub use scenario::{
    parse_scenario, Contract, FieldError, InputErrors, MarginMode, Market, Position, Scenario, Side, Tier, Venue,
};

use venue::PositionModel;

/// Turns an already-validated number into `Some` only when it is finite.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The per-position figures at mark that the account totals and the cross solver share.
struct AtMark {
    model: PositionModel,
    notional: f64,
    pnl: f64,
    mm: f64,
    tier: usize,
    fee: f64,
    initial_margin: f64,
    isolated_margin: f64,
}

/// Evaluates a Scenario: per-position margins and liquidation prices, and account totals.
///
/// Isolated mode: each position's collateral is its `margin`, or notional at entry ÷
/// `leverage`. Cross mode: position *i*'s liquidation price holds every other position at its
/// mark price, so its collateral is `wallet_balance + Σ_{j≠i} (PnL_j − MM_j − fee_j)` — the
/// `WB − TMM1 + UPNL1` of Binance's formula and the `e − MMR_o` of dYdX's.
///
/// # Errors
/// [`InputErrors`] naming each invalid field (the same checks as [`parse_scenario`]), or a
/// position for which the venue has no maintenance rate.
pub fn evaluate(s: &Scenario) -> Result<Report, InputErrors> {
    s.validate()?;
    let mut rows = Vec::with_capacity(s.positions.len());
    let mut errors = Vec::new();
    for (i, p) in s.positions.iter().enumerate() {
        match venue::position_model(s, i, p) {
            Ok(model) => {
                let mp = model.mark_price;
                let (mm, tier) = margin::maintenance_margin(&model, mp);
                let initial_margin = venue::initial_margin(s, p, &model);
                rows.push(AtMark {
                    notional: margin::notional(&model, mp),
                    pnl: margin::pnl(&model, mp),
                    fee: margin::closing_fee(&model, mp),
                    isolated_margin: p.margin.unwrap_or(initial_margin),
                    mm,
                    tier,
                    initial_margin,
                    model,
                });
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }

    let settlement = match s.positions.first().map(|p| s.contract_of(p)) {
        Some(Contract::Inverse) => Settlement::Coin,
        _ => Settlement::Quote,
    };
    let cross = s.margin_mode == MarginMode::Cross;
    let total_pnl: f64 = rows.iter().map(|r| r.pnl).sum();
    let total_mm: f64 = rows.iter().map(|r| r.mm).sum();
    let total_fee: f64 = rows.iter().map(|r| r.fee).sum();
    let total_im: f64 = rows.iter().map(|r| r.initial_margin).sum();
    let wallet = if cross { s.wallet_balance.unwrap_or(0.0) } else { rows.iter().map(|r| r.isolated_margin).sum() };

    let positions = s
        .positions
        .iter()
        .zip(&rows)
        .map(|(p, r)| {
            let m = &r.model;
            let collateral = if cross {
                // Others at mark: WB + Σ_{j≠i}(PnL_j − MM_j − fee_j).
                wallet + (total_pnl - r.pnl) - (total_mm - r.mm) - (total_fee - r.fee)
            } else {
                r.isolated_margin
            };
            let liq = margin::liquidation_price(m, collateral);
            let equity_at_mark = collateral + r.pnl;
            let liquidatable_now = equity_at_mark <= margin::requirement(m, collateral, m.mark_price);
            let liquidation_note = match liq {
                None if liquidatable_now => Some(
                    "equity at mark is already below maintenance and no price restores it: the position is liquidatable now"
                        .to_string(),
                ),
                None => Some(if m.side > 0.0 {
                    "no positive price liquidates this long: its collateral covers the position's whole value".to_string()
                } else {
                    "no price liquidates this short: its collateral covers any rise".to_string()
                }),
                Some(_) if liquidatable_now => {
                    Some("equity at mark is already at or below maintenance: the position is liquidatable now".to_string())
                }
                Some(_) => None,
            };
            let (mmr, maint_amount, _) = margin::rate_at(m, m.mark_price);
            let at_liq = liq.map(|(lp, _)| margin::rate_at(m, lp));
            PositionReport {
                symbol: p.symbol.clone(),
                side: p.side,
                contract: m.contract,
                settlement,
                size: m.size,
                entry_price: m.entry_price,
                mark_price: m.mark_price,
                notional: r.notional,
                initial_margin: r.initial_margin,
                collateral,
                maintenance_margin: r.mm,
                tier: r.tier,
                mmr,
                maint_amount,
                closing_fee: r.fee,
                unrealized_pnl: r.pnl,
                roe: if r.initial_margin > 0.0 { finite(r.pnl / r.initial_margin).unwrap_or(0.0) } else { 0.0 },
                liquidation_price: liq.map(|l| l.0),
                liquidation_note,
                liquidation_tier: liq.map(|l| l.1),
                liquidation_mmr: at_liq.map(|a| a.0),
                liquidation_maint_amount: at_liq.map(|a| a.1),
                bankruptcy_price: margin::bankruptcy_price(m, collateral),
                distance_to_liquidation: liq.map(|(lp, _)| {
                    if liquidatable_now {
                        0.0
                    } else {
                        (m.mark_price - lp).abs() / m.mark_price
                    }
                }),
                liquidatable_now,
                effective_leverage: (equity_at_mark > 0.0).then(|| r.notional / equity_at_mark).and_then(finite),
                max_leverage: finite(venue::max_leverage(m, m.mark_price)),
                formula: m.formula.to_string(),
                source: format!("{}; maintenance: {}", m.source, m.table_source),
            }
        })
        .collect();

    let equity = wallet + total_pnl;
    let (down, up) = if cross { account_liquidation_moves(&rows, wallet) } else { (None, None) };
    Ok(Report {
        version: scenario::FORMAT_VERSION,
        venue: s.venue,
        margin_mode: s.margin_mode,
        positions,
        account: AccountReport {
            settlement,
            wallet_balance: wallet,
            unrealized_pnl: total_pnl,
            equity,
            total_initial_margin: total_im,
            total_maintenance_margin: total_mm,
            margin_ratio: (equity > 0.0).then(|| total_mm / equity).and_then(finite),
            free_collateral: equity - total_im,
            liquidation_move_down: down,
            liquidation_move_up: up,
        },
    })
}

/// Cross account's surplus when every mark price is multiplied by `1 + x`:
/// `wallet + Σ PnL_i − Σ MM_i − Σ fee_i`.
fn cross_surplus(rows: &[AtMark], wallet: f64, x: f64) -> f64 {
    rows.iter().fold(wallet, |acc, r| {
        let p = r.model.mark_price * (1.0 + x);
        acc + margin::pnl(&r.model, p) - margin::maintenance_margin(&r.model, p).0 - margin::closing_fee(&r.model, p)
    })
}

/// The smallest common moves down and up (fractions) that bring a cross account's surplus to
/// zero. The surplus is piecewise smooth in the move, so a scan brackets the first sign change
/// and bisection refines it to the last representable step.
fn account_liquidation_moves(rows: &[AtMark], wallet: f64) -> (Option<f64>, Option<f64>) {
    if rows.is_empty() {
        return (None, None);
    }
    let f = |x: f64| cross_surplus(rows, wallet, x);
    if f(0.0) <= 0.0 {
        return (Some(0.0), Some(0.0));
    }
    let find = |end: f64| -> Option<f64> {
        const STEPS: usize = 400;
        let mut a = 0.0;
        for i in 1..=STEPS {
            // Finer steps near zero, where liquidations usually are.
            let t = i as f64 / STEPS as f64;
            let b = end * t * t;
            if f(b) <= 0.0 {
                let (mut lo, mut hi) = (a, b);
                // Bisect to the last representable step: near a −100 % move the surplus is
                // steep in the move (∝ 1/(1 + x)² for inverse contracts), so a fixed tolerance
                // on the move would leave a visible error in the surplus.
                for _ in 0..1100 {
                    let mid = 0.5 * (lo + hi);
                    if mid <= lo.min(hi) || mid >= lo.max(hi) {
                        break;
                    }
                    if f(mid) > 0.0 {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                return finite(0.5 * (lo + hi));
            }
            a = b;
        }
        None
    };
    (find(-0.999_999), find(99.0))
}
