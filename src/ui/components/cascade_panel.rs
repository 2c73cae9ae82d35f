//! The "Liquidation cascade" card: one cascade from a shock the user types, with its
//! round-by-round path (chart and table), the critical shocks, and each of the user's
//! positions' cascade-conditional liquidation (the smallest shock whose cascade reaches it)
//! next to the plain liquidation price.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::{Report, Scenario, Side};
use crate::ui::charts::amplification::draw_path;
use crate::ui::components::assumed::Assumed;
use crate::ui::worker::use_work;
use crate::work::{CascadeData, Task};
use crate::ui::charts::{ChartStyle, Drawing, LegendItem, Swatch};
use crate::ui::components::canvas_chart::CanvasChart;
use crate::ui::components::field::NumField;
use crate::ui::format;
use crate::ui::parse::{parse_number, NumKind};

#[derive(Properties, PartialEq, Clone)]
pub struct CascadeCardProps {
    pub idp: AttrValue,
    pub scenario: Rc<Scenario>,
    pub report: Rc<Report>,
    pub style: ChartStyle,
}

#[function_component(CascadeCard)]
pub fn cascade_card(p: &CascadeCardProps) -> Html {
    let shock_text = use_state(|| "-5".to_string());
    let parsed: Result<f64, String> = match parse_number(&shock_text, NumKind::Signed) {
        Ok(Some(v)) if v > -100.0 && v <= 1000.0 && v != 0.0 => Ok(v / 100.0),
        Ok(Some(_)) => Err("enter a move in % other than 0, above −100 (e.g. -5 or 8)".into()),
        Ok(None) => Err("required: the initial move in %, e.g. -5".into()),
        Err(e) => Err(e),
    };
    let shock = parsed.as_ref().ok().copied();
    // The worker builds the market (10⁶ positions take a while) and runs the cascade and the
    // sweep; a new shock or Scenario cancels the request before.
    let work = use_work::<CascadeData>(Some(Task::Cascade { shock: shock.unwrap_or(-0.05) }), Some(p.scenario.clone()));
    let oninput = {
        let st = shock_text.clone();
        Callback::from(move |v: String| st.set(v))
    };
    let body = match work.data.as_deref() {
        None => html! { <p class="hint building" role="status">{ "Building the market's liquidation levels…" }</p> },
        Some(Err(e)) => html! { <p class="bad" role="alert">{ e.clone() }</p> },
        Some(Ok(c)) => {
            let result = match &c.result {
                Err(e) => html! { <p class="bad">{ e.clone() }</p> },
                Ok(r) => {
                    let rc = r.clone();
                    let drawing = Drawing {
                        draw: Rc::new(move |cv, st| draw_path(cv, &rc, st)),
                        summary: format!(
                            "Cascade from a {:+.2} % shock: {} rounds, final move {:+.2} %, {} liquidated.",
                            r.shock * 100.0,
                            r.rounds,
                            r.final_move * 100.0,
                            format::num(r.liquidated_notional)
                        ),
                        legend: vec![
                            LegendItem::new("price after each round", Swatch::Series(0)),
                            LegendItem::new("cumulative liquidated (right axis)", Swatch::Series(3)),
                            LegendItem::new("price before the shock", Swatch::Muted),
                        ],
                        notes: Vec::new(),
                    };
                    let shown = r.path.len().min(12);
                    html! { <>
                        <div class="stats cascade-stats">
                            <div class="stat"><span class="k">{ "Shocked price" }</span><span class="v">{ format::price(r.shocked_price) }</span></div>
                            <div class="stat"><span class="k">{ "Final price" }</span><span class="v final-price">{ format::price(r.extreme_price) }</span></div>
                            <div class="stat"><span class="k">{ "Final move" }</span><span class="v">{ format!("{:+.2} %", r.final_move * 100.0) }</span></div>
                            <div class="stat"><span class="k">{ "Amplification" }</span><span class="v">{ format::opt(r.amplification, |a| format!("{a:.2}×")) }</span></div>
                            <div class="stat"><span class="k">{ "Liquidated" }</span><span class="v">{ format!("{} in {} positions", format::num(r.liquidated_notional), r.liquidated_count) }</span></div>
                            <div class="stat"><span class="k">{ "Rounds" }</span><span class="v">{ format!("{}{}", r.rounds, if r.book_exhausted { " · book exhausted" } else { "" }) }</span></div>
                        </div>
                        <CanvasChart drawing={drawing} style={p.style.clone()} height={220} />
                        <p class="hint table-title" aria-hidden="true">{ if r.path.len() > shown { format!("Rounds (first {shown} of {})", r.path.len()) } else { "Rounds".to_string() } }</p>
                        <div class="table-wrap">
                            <table class="path-table">
                                <caption class="sr-only">{ if r.path.len() > shown { format!("Rounds (first {shown} of {})", r.path.len()) } else { "Rounds".to_string() } }</caption>
                                <thead><tr><th>{ "Round" }</th><th>{ "Price" }</th><th>{ "Closed this round" }</th><th>{ "Positions" }</th><th>{ "Cumulative" }</th></tr></thead>
                                <tbody>
                                    { for r.path.iter().take(shown).map(|x| html! {
                                        <tr><td>{ x.round }</td><td>{ format::price(x.price) }</td><td>{ format::num(x.liquidated_notional) }</td>
                                            <td>{ x.liquidated_count }</td><td>{ format::num(x.cumulative_notional) }</td></tr>
                                    }) }
                                </tbody>
                            </table>
                        </div>
                    </> }
                }
            };
            let crit = |c: Option<&crate::engine::cascade::CriticalShock>| {
                c.map(|c| format!("{:+.2} % (from {})", c.shock * 100.0, format::price(c.trigger_price))).unwrap_or_else(|| "none within ±30 %".into())
            };
            let users = c.users.iter().map(|u| html! {
                <tr data-index={u.index.to_string()}>
                    <td>{ format!("#{} {} {}", u.index + 1, u.symbol, if u.side == Side::Long { "long" } else { "short" }) }</td>
                    <td class="plain">{ format::opt(u.liquidation_price, format::price) }</td>
                    <td>{ format::opt(u.plain_shock, |x| format!("{:+.2} %", x * 100.0)) }</td>
                    <td class="cascade-liq">{ format::opt(u.cascade_trigger_price, format::price) }</td>
                    <td>{ format::opt(u.cascade_shock, |x| format!("{:+.2} %", x * 100.0)) }</td>
                    <td class="hint">{ u.note.clone().unwrap_or_default() }</td>
                </tr>
            });
            html! { <>
                <p class="hint crit" data-levels={c.levels_n.to_string()} data-build-ms={format!("{:.1}", c.build_ms)} data-sweep-ms={format!("{:.1}", c.sweep_ms)}>
                    { format!("Critical shock down {}, up {}. Market: {} liquidation levels (built and cascaded in {:.0} ms; 2 × 200-shock sweep {:.0} ms).",
                        crit(c.sweep.as_ref().and_then(|w| w.down.critical.as_ref())), crit(c.sweep.as_ref().and_then(|w| w.up.critical.as_ref())),
                        format::num(c.levels_n as f64).trim_end_matches(".00"), c.build_ms, c.sweep_ms) }
                </p>
                <p class="hint table-title" aria-hidden="true">{ "Your positions: plain liquidation price and the cascade-conditional one (the market price at which a shock starts a cascade that reaches it)" }</p>
                <div class="table-wrap">
                    <table class="user-cascade">
                        <caption class="sr-only">{ "Your positions: plain liquidation price and the cascade-conditional one (the market price at which a shock starts a cascade that reaches it)" }</caption>
                        <thead><tr><th>{ "Position" }</th><th>{ "Liq. price" }</th><th>{ "Plain shock" }</th><th>{ "Cascade-conditional" }</th><th>{ "Shock with cascade" }</th><th>{ "Note" }</th></tr></thead>
                        <tbody>{ for users }</tbody>
                    </table>
                </div>
                { result }
            </> }
        }
    };
    html! {
        <section class="card cascade" aria-labelledby={format!("{}-casc", p.idp)} data-section="cascade">
            <h2 id={format!("{}-casc", p.idp)}>{ "Liquidation cascade" }
                if work.pending && work.data.is_some() { <span class="updating" role="status">{ " updating…" }</span> }</h2>
            <div class="row">
                <NumField id={format!("{}-shock", p.idp)} label="Initial shock" hint="% move" value={AttrValue::from((*shock_text).clone())}
                    error={parsed.as_ref().err().map(|e| AttrValue::from(e.clone()))} path="cascade.shock" placeholder="e.g. -5" {oninput} />
            </div>
            { body }
            <Assumed list={Rc::new(work.applied.assumptions.clone())} />
        </section>
    }
}
