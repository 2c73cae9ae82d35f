//! The "Risk analytics" card: per-position probability and median time to liquidation (closed
//! form), the Monte Carlo (fat tails, jumps, correlation) with a progress bar and Cancel, the
//! margin recommendation, and Greeks with funding carry.
//!
//! All of it is computed by the page's worker ([`crate::work::Task::Risk`] and
//! [`crate::work::Task::MonteCarlo`]): the card shows the last answer, marked "updating…"
//! while a newer one is on its way. The Monte Carlo runs in slices in the worker, which reports
//! its progress between slices and stops at the next one when cancelled.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::analytics::montecarlo::McSummary;
use crate::engine::{Report, Scenario};
use crate::ui::charts::probability::{probability_drawing, Axis};
use crate::ui::charts::ChartStyle;
use crate::ui::components::canvas_chart::CanvasChart;
use crate::ui::components::field::NumField;
use crate::ui::components::progress::Progress;
use crate::ui::format;
use crate::ui::parse::{parse_number, NumKind};
use crate::ui::components::assumed::Assumed;
use crate::ui::worker::use_work;
use crate::work::{RiskTables, Task};

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

#[derive(Properties, PartialEq, Clone)]
pub struct RiskCardProps {
    pub idp: AttrValue,
    pub scenario: Rc<Scenario>,
    pub report: Rc<Report>,
    pub style: ChartStyle,
}

fn days(v: Option<f64>) -> String {
    match v {
        Some(d) if d < 1.0 => format!("{:.1} h", d * 24.0),
        Some(d) => format!("{d:.1} d"),
        None => "never".into(),
    }
}

#[function_component(RiskCard)]
pub fn risk_card(p: &RiskCardProps) -> Html {
    let paths = use_state(|| "20,000".to_string());
    let steps = use_state(|| "1,000".to_string());
    let seed = use_state(|| "1".to_string());
    let tables = use_work::<RiskTables>(Some(Task::Risk), Some(p.scenario.clone()));
    // The Monte Carlo asked for (None: not running); a new Scenario or Cancel drops it, which
    // cancels the worker's job.
    let mc_task = use_state(|| None::<(Task, f64)>);
    {
        let mc_task = mc_task.clone();
        use_effect_with(p.scenario.clone(), move |_| mc_task.set(None));
    }
    let mc = use_work::<McSummary>(mc_task.as_ref().map(|(t, _)| t.clone()), mc_task.as_ref().map(|_| p.scenario.clone()));
    let parse_whole = |text: &str, lo: f64, hi: f64| -> Result<u64, String> {
        match parse_number(text, NumKind::Amount) {
            Ok(Some(v)) if v.fract() == 0.0 && v >= lo && v <= hi => Ok(v as u64),
            Ok(Some(_)) => Err(format!("must be a whole number from {} to {}", format::num(lo).trim_end_matches(".00"), format::num(hi).trim_end_matches(".00"))),
            Ok(None) => Err("required".into()),
            Err(e) => Err(e),
        }
    };
    let pe = parse_whole(&paths, 1.0, 10_000_000.0);
    let se = parse_whole(&steps, 1.0, 100_000.0);
    let de = parse_whole(&seed, 0.0, 4_294_967_295.0);
    let running = mc_task.is_some() && mc.pending;
    let run = {
        let mc_task = mc_task.clone();
        let settings = match (&pe, &se, &de) {
            (Ok(a), Ok(b), Ok(c)) => Some(Task::MonteCarlo { paths: *a, steps: *b as u32, seed: *c }),
            _ => None,
        };
        Callback::from(move |_| {
            if let Some(t) = settings.clone() {
                mc_task.set(Some((t, now_ms())));
            }
        })
    };
    let cancel = {
        let mc_task = mc_task.clone();
        Callback::from(move |_: ()| mc_task.set(None))
    };
    let mc_summary: Option<Rc<McSummary>> =
        if mc_task.is_some() { mc.data.as_deref().and_then(|r| r.as_ref().ok()).map(|m| Rc::new(m.clone())) } else { None };
    let empty = Rc::new(Err::<RiskTables, String>("Computing…".into()));
    let t = match tables.data.clone().unwrap_or(empty).as_ref() {
        Ok(t) => t.clone(),
        Err(e) => RiskTables { prob: Err(e.clone()), rec: Err(e.clone()), greeks: Err(e.clone()), carry: Err(e.clone()) },
    };
    let prob_rows = match &t.prob {
        Ok(pr) => html! {
            { for pr.positions.iter().enumerate().map(|(i, pp)| {
                let m = mc_summary.as_ref().and_then(|m| m.positions.get(i));
                html! {
                    <tr data-index={i.to_string()}>
                        <td>{ format!("#{} {} {}", i + 1, pp.symbol, if pp.side == crate::engine::Side::Long { "long" } else { "short" }) }</td>
                        <td>{ format::opt(pp.liquidation_price, format::price) }</td>
                        <td>{ format!("{:.0} %", pp.volatility * 100.0) }</td>
                        <td class="p-closed" data-value={pp.liquidation_probability.to_string()}>{ format::pct(pp.liquidation_probability) }</td>
                        <td class="median" data-value={pp.median_time_to_liquidation_days.map(|d| d.to_string()).unwrap_or_default()}>{ days(pp.median_time_to_liquidation_days) }</td>
                        <td>{ days(pp.expected_time_to_liquidation_days) }</td>
                        <td class="p-mc" data-value={m.map(|m| m.probability.to_string()).unwrap_or_default()}>
                            { m.map(|m| format!("{} ± {}", format::pct(m.probability), format::pct(m.standard_error))).unwrap_or_else(|| "—".into()) }
                        </td>
                        <td>{ m.map(|m| days(m.median_time_days)).unwrap_or_else(|| "—".into()) }</td>
                    </tr>
                }
            }) }
        },
        Err(e) => html! { <tr><td colspan="8" class="bad">{ e.clone() }</td></tr> },
    };
    let horizon_text = t.prob.as_ref().map(|p| days(Some(p.horizon_days))).unwrap_or_default();
    let mc_status = match (&*mc_task, &mc.data) {
        (None, _) => html! {},
        (Some((Task::MonteCarlo { paths, .. }, _)), _) if mc.pending => {
            let done = (mc.progress.unwrap_or(0.0) * *paths as f64).round();
            html! {
                <Progress fraction={mc.progress.unwrap_or(0.0)}
                    label={AttrValue::from(format!("Monte Carlo: {} of {} paths", format::num(done).trim_end_matches(".00"), format::num(*paths as f64).trim_end_matches(".00")))}
                    oncancel={cancel.clone()} />
            }
        }
        (Some((Task::MonteCarlo { steps, .. }, t0)), Some(r)) => match r.as_ref() {
            Ok(summary) => {
                let ms = now_ms() - t0;
                let path_steps = summary.paths as f64 * *steps as f64;
                html! {
                    <p class="hint mc-done" data-mc-paths={summary.paths.to_string()} data-mc-ms={format!("{ms:.1}")}>
                        { format!("Monte Carlo done in the worker: {} paths × {} steps in {:.2} s ({:.1} M path-steps/s); P(any position liquidated) {} ± {}.",
                            format::num(summary.paths as f64).trim_end_matches(".00"), steps, ms / 1000.0,
                            path_steps / ms.max(0.001) / 1000.0, format::pct(summary.any_probability), format::pct(summary.any_standard_error)) }
                    </p>
                }
            }
            Err(e) => html! { <p class="bad" role="alert">{ format!("Monte Carlo: {e}") }</p> },
        },
        _ => html! {},
    };
    let field = |id: &str, label: &'static str, st: &UseStateHandle<String>, err: &Result<u64, String>| {
        let st2 = st.clone();
        html! {
            <NumField id={format!("{}-{id}", p.idp)} label={label} value={AttrValue::from((**st).clone())}
                error={err.as_ref().err().map(|e| AttrValue::from(e.clone()))} path={AttrValue::from(format!("mc.{id}"))}
                oninput={Callback::from(move |v: String| st2.set(v))} />
        }
    };
    let rec_rows = match &t.rec {
        Ok(r) => html! { { for r.positions.iter().enumerate().map(|(i, x)| html! {
            <tr>
                <td>{ format!("#{} {}", i + 1, x.symbol) }</td>
                <td>{ format::pct(x.venue_mmr) }</td>
                <td>{ format::pct(x.mmr_normal) }</td>
                <td>{ format!("{} (ν {:.0})", format::pct(x.mmr_fat_tailed), x.tail_degrees_of_freedom) }</td>
                <td>{ format::pct(x.venue_coverage_fat_tailed) }</td>
                <td>{ format::opt(x.leverage, format::lev) }</td>
                <td class="rec-lev">{ format::opt(x.max_leverage_for_target, format::lev) }</td>
            </tr>
        }) } },
        Err(e) => html! { <tr><td colspan="7" class="bad">{ e.clone() }</td></tr> },
    };
    let greek_rows = match (&t.greeks, &t.carry) {
        (Ok(g), Ok(c)) => html! { { for g.positions.iter().enumerate().map(|(i, x)| {
            let cp = c.positions.get(i);
            html! {
                <tr>
                    <td>{ format!("#{} {}", i + 1, x.symbol) }</td>
                    <td>{ format::num(x.delta_base) }</td>
                    <td>{ format::num(x.delta_usd) }</td>
                    <td>{ format::num(x.gamma) }</td>
                    <td>{ format::num(x.funding_theta_per_day) }</td>
                    <td>{ cp.map(|c| days(c.days_to_liquidation_by_funding)).unwrap_or_default() }</td>
                    <td>{ format::opt(x.effective_leverage, format::lev) }</td>
                </tr>
            }
        }) } },
        (Err(e), _) | (_, Err(e)) => html! { <tr><td colspan="7" class="bad">{ e.clone() }</td></tr> },
    };
    let prob = t.prob.clone();
    let drawing = use_memo((p.scenario.clone(), mc_summary.clone(), tables.rev), move |(s, m, _)| probability_drawing(&prob, s, Axis::Horizon, m.clone()));
    html! {
        <section class="card risk" aria-labelledby={format!("{}-risk", p.idp)} data-section="risk">
            <h2 id={format!("{}-risk", p.idp)}>{ "Risk analytics" }
                if tables.pending { <span class="updating" role="status">{ " updating…" }</span> }</h2>
            <Assumed list={Rc::new(tables.applied.assumptions.clone())} />
            <p class="hint table-title" aria-hidden="true">{ format!("Probability of liquidation within {horizon_text} (closed-form first passage of geometric Brownian motion) and by Monte Carlo") }</p>
            <div class="table-wrap">
                <table class="prob-table">
                    <caption class="sr-only">{ format!("Probability of liquidation within {horizon_text} (closed-form first passage of geometric Brownian motion) and by Monte Carlo") }</caption>
                    <thead><tr>
                        <th>{ "Position" }</th><th>{ "Liq. price" }</th><th>{ "σ / yr" }</th><th>{ "P(liq.)" }</th>
                        <th>{ "Median time" }</th><th>{ "Expected time" }</th><th>{ "Monte Carlo P ± s.e." }</th><th>{ "MC median" }</th>
                    </tr></thead>
                    <tbody>{ prob_rows }</tbody>
                </table>
            </div>
            <h3 class="market-sub">{ "Monte Carlo (tails, jumps and correlation from the market assumptions)" }</h3>
            <div class="row mc-settings">
                { field("paths", "Paths", &paths, &pe) }
                { field("steps", "Steps per path", &steps, &se) }
                { field("seed", "Seed", &seed, &de) }
            </div>
            <div class="buttons">
                <button type="button" class="primary run-mc" onclick={run} disabled={running || pe.is_err() || se.is_err() || de.is_err()}>
                    { if running { "Running…" } else { "Run Monte Carlo" } }
                </button>
            </div>
            { mc_status }
            if mc_task.is_some() && !mc.pending { <Assumed list={Rc::new(mc.applied.assumptions.clone())} /> }
            if mc_summary.is_some() {
                <CanvasChart drawing={(*drawing).clone()} style={p.style.clone()} height={240} />
            }
            <p class="hint table-title" aria-hidden="true">{ "Margin recommendation: maintenance rate covering a 60-minute liquidation at 99 %, and the highest leverage with at most 1 % probability of liquidation within the horizon" }</p>
            <div class="table-wrap">
                <table class="rec-table">
                    <caption class="sr-only">{ "Margin recommendation: maintenance rate covering a 60-minute liquidation at 99 %, and the highest leverage with at most 1 % probability of liquidation within the horizon" }</caption>
                    <thead><tr>
                        <th>{ "Position" }</th><th>{ "Venue MMR" }</th><th>{ "Normal" }</th><th>{ "Fat-tailed" }</th>
                        <th>{ "Venue covers" }</th><th>{ "Leverage" }</th><th>{ "Max lev. for 1 %" }</th>
                    </tr></thead>
                    <tbody>{ rec_rows }</tbody>
                </table>
            </div>
            <p class="hint table-title" aria-hidden="true">{ "Greeks and funding carry (settlement asset; funding per day received + / paid −)" }</p>
            <div class="table-wrap">
                <table class="greeks-table">
                    <caption class="sr-only">{ "Greeks and funding carry (settlement asset; funding per day received + / paid −)" }</caption>
                    <thead><tr>
                        <th>{ "Position" }</th><th>{ "Delta (base)" }</th><th>{ "Delta (USD)" }</th><th>{ "Gamma" }</th>
                        <th>{ "Funding / day" }</th><th>{ "Funding alone liquidates in" }</th><th>{ "Eff. leverage" }</th>
                    </tr></thead>
                    <tbody>{ greek_rows }</tbody>
                </table>
            </div>
        </section>
    }
}
