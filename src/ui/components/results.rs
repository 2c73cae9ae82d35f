//! The engine's answer: per position and per account, each number explained on hover/focus.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::{MarginMode, ModelInfo, PositionReport, Report, Settlement, Side};
use crate::ui::components::explained::Explained;
use crate::ui::format::{self, lev, num, pct, price};

#[derive(Properties, PartialEq, Clone)]
pub struct ResultsProps {
    pub idp: AttrValue,
    pub report: Rc<Report>,
    /// The shown result is from earlier input (the form has problems).
    pub stale: bool,
}

/// Danger level of a position by its distance to liquidation.
pub fn danger(p: &PositionReport) -> (&'static str, &'static str) {
    if p.liquidatable_now {
        return ("danger", "✖ liquidatable now");
    }
    match p.distance_to_liquidation {
        Some(d) if d < 0.02 => ("danger", "⚠ < 2 %"),
        Some(d) if d < 0.10 => ("warn", "△ < 10 %"),
        Some(_) => ("ok", "✓ > 10 %"),
        None => ("ok", "✓ none"),
    }
}

/// The currency amounts are shown in (`USDT`, `BTC`): see [`crate::ui::format::currency`].
fn unit(venue: crate::engine::Venue, symbol: &str, s: Settlement, coin: Option<&str>) -> String {
    crate::ui::format::currency(venue, symbol, s, coin)
}

/// The one-line announcement for screen readers (and the summary above the table).
pub fn announcement(r: &Report) -> String {
    let parts: Vec<String> = r
        .positions
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let lp = p.liquidation_price.map(price).unwrap_or_else(|| "none".into());
            let d = p.distance_to_liquidation.map(|d| format!(", {} from mark", pct(d))).unwrap_or_default();
            format!("#{} liquidation {lp}{d}", i + 1)
        })
        .collect();
    let mut s = parts.join("; ");
    if s.len() > 400 {
        s = format!("{} positions evaluated; nearest liquidation {}.", r.positions.len(), nearest(r));
    }
    s
}

fn nearest(r: &Report) -> String {
    r.positions
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.distance_to_liquidation.map(|d| (i, d)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, d)| format!("#{} at {} from mark", i + 1, pct(d)))
        .unwrap_or_else(|| "none".into())
}

fn row(i: usize, p: &PositionReport, model: Option<&ModelInfo>, mode: MarginMode, venue: crate::engine::Venue) -> Html {
    let u = unit(venue, &p.symbol, p.settlement, p.coin.as_deref());
    let (formula, source) = model.map_or(("", ""), |m| (m.formula.as_str(), m.source.as_str()));
    let (level, status) = danger(p);
    let side = match p.side {
        Side::Long => "Long",
        Side::Short => "Short",
    };
    let liq_tip = match (p.liquidation_price, &p.liquidation_note) {
        (Some(lp), note) => format!(
            "Solved {} for P with collateral {} {u}, tier {} (MMR {}). Liquidation at {}.{} Source: {}.",
            formula,
            num(p.collateral),
            p.liquidation_tier.map(|t| t + 1).unwrap_or(p.tier + 1),
            pct(p.liquidation_mmr.unwrap_or(p.mmr)),
            price(lp),
            note.as_ref().map(|n| format!(" Note: {n}.")).unwrap_or_default(),
            source
        ),
        (None, Some(note)) => format!("No liquidation price: {note}. Condition: {formula}. Source: {source}."),
        (None, None) => format!("No liquidation price. Condition: {formula}. Source: {source}."),
    };
    let bk_tip = format!(
        "Price where collateral + PnL{} reaches 0, with collateral {} {u}.",
        if p.closing_fee > 0.0 { " − closing fee" } else { "" },
        num(p.collateral)
    );
    let dist_tip = match (p.liquidation_price, p.distance_to_liquidation) {
        (Some(lp), Some(d)) => format!("|mark − liquidation| ÷ mark = |{} − {}| ÷ {} = {}.", price(p.mark_price), price(lp), price(p.mark_price), pct(d)),
        _ => "No liquidation price, so no distance.".to_string(),
    };
    let margin_tip = if mode == MarginMode::Cross {
        format!(
            "Initial margin = notional at entry ÷ leverage = {} {u}. In cross mode the liquidation uses collateral = wallet + other positions' PnL − their maintenance = {} {u}.",
            num(p.initial_margin),
            num(p.collateral)
        )
    } else {
        format!("Isolated margin = notional at entry ÷ leverage (or the margin you entered) = {} {u}; notional at mark {} {u}.", num(p.initial_margin), num(p.notional))
    };
    let tier_tip = format!(
        "Tier {} at mark: maintenance = notional × MMR − amount = {} × {} − {} = {} {u}.{}",
        p.tier + 1,
        num(p.notional),
        pct(p.mmr),
        num(p.maint_amount),
        num(p.maintenance_margin),
        p.max_leverage.map(|m| format!(" Max leverage in this tier: {}.", lev(m))).unwrap_or_default()
    );
    html! {
        <tr class={classes!("lvl-".to_string() + level)} data-index={i.to_string()}>
            <th scope="row">{ format!("#{} ", i + 1) }<span class="sub">{ format!("{side} {}", p.symbol) }</span></th>
            <td class="liq"><Explained value={p.liquidation_price.map(price).unwrap_or_else(|| "none".into())} tip={liq_tip} /></td>
            <td><Explained value={format::opt(p.bankruptcy_price, price)} tip={bk_tip} /></td>
            <td><Explained value={format::opt(p.distance_to_liquidation, pct)} tip={dist_tip} /></td>
            <td><Explained value={format!("{} {u}", num(p.initial_margin))} tip={margin_tip} /></td>
            <td><Explained value={format!("{} · {}", p.tier + 1, pct(p.mmr))} tip={tier_tip} /></td>
            <td class={classes!("status", level)}>{ status }</td>
        </tr>
    }
}

#[function_component(Results)]
pub fn results(p: &ResultsProps) -> Html {
    let r = &p.report;
    let a = &r.account;
    let u = unit(r.venue, r.positions.first().map_or("", |x| x.symbol.as_str()), a.settlement, a.coin.as_deref());
    let wallet_word = if r.margin_mode == MarginMode::Cross { "wallet balance" } else { "sum of isolated margins" };
    let ratio_level = match a.margin_ratio {
        None => ("danger", "✖ equity ≤ 0"),
        Some(m) if m >= 0.8 => ("danger", "⚠ near 100 %"),
        Some(m) if m >= 0.5 => ("warn", "△ over 50 %"),
        Some(_) => ("ok", "✓"),
    };
    let moves = if r.margin_mode == MarginMode::Cross {
        let f = |m: Option<f64>| m.map(|v| format!("{:+.2} %", v * 100.0)).unwrap_or_else(|| "none".into());
        html! {
            <div class="stat">
                <span class="k">{ "Account liquidated at a common move of" }</span>
                <Explained value={format!("{} / {}", f(a.liquidation_move_down), f(a.liquidation_move_up))}
                    tip="The smallest move of every mark price together (down / up) at which equity falls to the total maintenance margin (+ counted fees): found by scanning and bisection to 1e-12." />
            </div>
        }
    } else {
        html! {}
    };
    html! {
        <section class={classes!("card", "results", p.stale.then_some("stale"))} aria-labelledby={format!("{}-res", p.idp)}>
            <h2 id={format!("{}-res", p.idp)}>{ "Results" }</h2>
            if p.stale {
                <p class="stale-note" role="status">{ "⚠ Showing the last valid result — fix the marked fields to update." }</p>
            }
            <div class="stats">
                <div class="stat">
                    <span class="k">{ "Equity" }</span>
                    <Explained value={format!("{} {u}", num(a.equity))}
                        tip={format!("{wallet_word} + unrealised PnL = {} + {} = {} {u}.", num(a.wallet_balance), num(a.unrealized_pnl), num(a.equity))} />
                </div>
                <div class={classes!("stat", ratio_level.0)}>
                    <span class="k">{ "Margin ratio" }</span>
                    <Explained value={format!("{} {}", format::opt(a.margin_ratio, pct), ratio_level.1)}
                        tip={format!("Total maintenance margin ÷ equity = {} ÷ {}; the account is liquidated at 100 % (Binance's margin ratio).", num(a.total_maintenance_margin), num(a.equity))} />
                </div>
                <div class="stat">
                    <span class="k">{ "Free collateral" }</span>
                    <Explained value={format!("{} {u}", num(a.free_collateral))}
                        tip={format!("Equity − total initial margin = {} − {} = {} {u}.", num(a.equity), num(a.total_initial_margin), num(a.free_collateral))} />
                </div>
                <div class="stat">
                    <span class="k">{ "Maintenance margin" }</span>
                    <Explained value={format!("{} {u}", num(a.total_maintenance_margin))}
                        tip="Σ over positions of notional at mark × MMR − maintenance amount, each with the tier at its notional." />
                </div>
                { moves }
            </div>
            if let Some(note) = &a.note {
                <p class="hint" role="note">{ format!("ⓘ Account totals: {note}.") }</p>
            }
            <div class="table-wrap" tabindex="0" role="region" aria-label="Per-position results (scrolls sideways on narrow screens)">
            <table class="positions-table">
                <thead><tr>
                    <th scope="col">{ "Position" }</th>
                    <th scope="col">{ "Liquidation" }</th>
                    <th scope="col">{ "Bankruptcy" }</th>
                    <th scope="col">{ "Distance" }</th>
                    <th scope="col">{ "Margin used" }</th>
                    <th scope="col">{ "Tier · MMR" }</th>
                    <th scope="col">{ "Distance check" }</th>
                </tr></thead>
                <tbody>
                    { for r.positions.iter().enumerate().map(|(i, pr)| row(i, pr, r.model_of(pr), r.margin_mode, r.venue)) }
                </tbody>
            </table>
            </div>
            <p class="hint">{ "Hover or focus a number to see how it was computed." }</p>
        </section>
    }
}
