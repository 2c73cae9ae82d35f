//! The "Risk analytics" card: per-position probability and median time to liquidation (closed
//! form), the Monte Carlo (fat tails, jumps, correlation) run in slices between frames with a
//! progress bar and Cancel, the margin recommendation, and Greeks with funding carry.
//!
//! The Monte Carlo never blocks the page: each slice simulates as many paths as fit in about
//! [`SLICE_MS`] (the slice size adapts to the measured speed), then yields to the browser with
//! a zero-delay timeout, so clicks and typing are handled between slices. Paths are seeded per
//! index, so the merged slices equal one big run whatever the slicing.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo::timers::callback::Timeout;
use yew::prelude::*;

use crate::engine::analytics::montecarlo::{self, McPartial, McSetup, McSummary};
use crate::engine::analytics::probability::{monte_carlo_setup, McSettings, ProbabilityReport};
use crate::engine::analytics::recommend::{recommend, RecommendReport, RecommendSettings};
use crate::engine::analytics::{carry, greeks};
use crate::engine::{Report, Scenario};
use crate::ui::charts::market::{effective, first_error, horizon};
use crate::ui::charts::probability::{closed_form, probability_drawing, Axis};
use crate::ui::charts::ChartStyle;
use crate::ui::components::canvas_chart::CanvasChart;
use crate::ui::components::field::NumField;
use crate::ui::components::progress::Progress;
use crate::ui::format;
use crate::ui::parse::{parse_number, NumKind};

/// Target duration of one Monte Carlo slice (ms).
pub const SLICE_MS: f64 = 30.0;

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

#[derive(Clone, PartialEq, Debug)]
pub enum McState {
    Idle,
    Running { done: u64, total: u64 },
    Finished { summary: Rc<McSummary>, ms: f64, cancelled: bool, slices: u32, steps: u32 },
    Failed(String),
}

struct Job {
    setup: McSetup,
    partial: McPartial,
    next: u64,
    total: u64,
    chunk: u64,
    t0: f64,
    slices: u32,
    id: u64,
}

/// Runs one slice, then schedules the next unless cancelled (the job id changed) or done.
fn run_slice(job: Rc<RefCell<Job>>, current: Rc<Cell<u64>>, state: UseStateHandle<McState>) {
    let finished = {
        let mut j = job.borrow_mut();
        if current.get() != j.id {
            return;
        }
        let n = j.chunk.min(j.total - j.next);
        let t = now_ms();
        match montecarlo::simulate(&j.setup, j.next, n) {
            Ok(part) => j.partial.merge(&part),
            Err(e) => {
                state.set(McState::Failed(e.to_string()));
                return;
            }
        }
        let dt = (now_ms() - t).max(0.1);
        j.next += n;
        j.slices += 1;
        // Aim the next slice at SLICE_MS.
        j.chunk = ((j.chunk as f64) * (SLICE_MS / dt)).clamp(1.0, 200_000.0).round() as u64;
        j.next >= j.total
    };
    let j = job.borrow();
    if finished {
        state.set(McState::Finished {
            summary: Rc::new(montecarlo::summarise(&j.setup, &j.partial)),
            ms: now_ms() - j.t0,
            cancelled: false,
            slices: j.slices,
            steps: j.setup.steps,
        });
    } else {
        state.set(McState::Running { done: j.next, total: j.total });
        let (job2, cur2, st2) = (job.clone(), current.clone(), state.clone());
        Timeout::new(0, move || run_slice(job2, cur2, st2)).forget();
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct RiskCardProps {
    pub idp: AttrValue,
    pub scenario: Rc<Scenario>,
    pub report: Rc<Report>,
    pub style: ChartStyle,
}

struct Tables {
    prob: Result<ProbabilityReport, String>,
    rec: Result<RecommendReport, String>,
    greeks: Result<greeks::GreeksReport, String>,
    carry: Result<carry::CarryReport, String>,
}

fn tables(s: &Scenario) -> Tables {
    let e = effective(s);
    let h = horizon(&e);
    Tables {
        prob: closed_form(s),
        rec: recommend(&e, &RecommendSettings { horizon_days: h, ..RecommendSettings::default() }).map_err(|x| first_error(&x)),
        greeks: greeks::greeks(&e).map_err(|x| first_error(&x)),
        carry: carry::carry(&e, h, 2).map_err(|x| first_error(&x)),
    }
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
    let mc = use_state(|| McState::Idle);
    // The running job's id; bumping it cancels the job at its next slice.
    let current: Rc<Cell<u64>> = use_memo((), |_| Cell::new(0u64));
    let paths = use_state(|| "20,000".to_string());
    let steps = use_state(|| "1,000".to_string());
    let seed = use_state(|| "1".to_string());
    let t = use_memo(p.scenario.clone(), |s| tables(s));

    // Leaving the page part cancels a running Monte Carlo (its next slice sees a new id).
    {
        let current = current.clone();
        use_effect_with((), move |_| move || current.set(current.get() + 1));
    }
    // A new Scenario cancels a running Monte Carlo and clears its result.
    {
        let mc = mc.clone();
        let current = current.clone();
        use_effect_with(p.scenario.clone(), move |_| {
            current.set(current.get() + 1);
            mc.set(McState::Idle);
        });
    }

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
    let running = matches!(*mc, McState::Running { .. });

    let run = {
        let mc = mc.clone();
        let current = current.clone();
        let s = p.scenario.clone();
        let settings = match (&pe, &se, &de) {
            (Ok(a), Ok(b), Ok(c)) => Some(McSettings { paths: *a, steps: *b as u32, seed: *c, bridge: true }),
            _ => None,
        };
        Callback::from(move |_| {
            let Some(settings) = settings else { return };
            let e = effective(&s);
            match monte_carlo_setup(&e, horizon(&e), settings, false) {
                Ok(setup) => {
                    let id = current.get() + 1;
                    current.set(id);
                    let job = Rc::new(RefCell::new(Job {
                        setup,
                        partial: McPartial::default(),
                        next: 0,
                        total: settings.paths,
                        chunk: 64,
                        t0: now_ms(),
                        slices: 0,
                        id,
                    }));
                    mc.set(McState::Running { done: 0, total: settings.paths });
                    let (cur, st) = (current.clone(), mc.clone());
                    Timeout::new(0, move || run_slice(job, cur, st)).forget();
                }
                Err(x) => mc.set(McState::Failed(first_error(&x))),
            }
        })
    };
    let cancel = {
        let mc = mc.clone();
        let current = current.clone();
        Callback::from(move |_: ()| {
            current.set(current.get() + 1);
            mc.set(McState::Idle);
        })
    };

    let mc_summary = match &*mc {
        McState::Finished { summary, .. } => Some(summary.clone()),
        _ => None,
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
    let mc_status = match &*mc {
        McState::Idle => html! {},
        McState::Running { done, total } => html! {
            <Progress fraction={*done as f64 / (*total).max(1) as f64}
                label={AttrValue::from(format!("Monte Carlo: {} of {} paths", format::num(*done as f64).trim_end_matches(".00"), format::num(*total as f64).trim_end_matches(".00")))}
                oncancel={cancel.clone()} />
        },
        McState::Finished { summary, ms, slices, steps, .. } => {
            let path_steps = summary.paths as f64 * *steps as f64;
            html! {
                <p class="hint mc-done" data-mc-paths={summary.paths.to_string()} data-mc-ms={format!("{ms:.1}")} data-mc-slices={slices.to_string()}>
                    { format!("Monte Carlo done: {} paths × {} steps in {:.2} s over {} slices ({:.1} M path-steps/s); P(any position liquidated) {} ± {}.",
                        format::num(summary.paths as f64).trim_end_matches(".00"), steps, ms / 1000.0, slices,
                        path_steps / ms.max(0.001) / 1000.0, format::pct(summary.any_probability), format::pct(summary.any_standard_error)) }
                </p>
            }
        }
        McState::Failed(e) => html! { <p class="bad" role="alert">{ format!("Monte Carlo: {e}") }</p> },
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
    let drawing = use_memo((p.scenario.clone(), mc_summary.clone()), |(s, m)| probability_drawing(s, Axis::Horizon, m.clone()));
    html! {
        <section class="card risk" aria-labelledby={format!("{}-risk", p.idp)} data-section="risk">
            <h2 id={format!("{}-risk", p.idp)}>{ "Risk analytics" }</h2>
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
