//! The page's heavy work, run by the second wasm module in a Web Worker (`src/bin/worker.rs`,
//! `static/worker-boot.js`); plain Rust, so it also compiles and is tested on the host.
//!
//! The page's main module (the calculator) never calls an analytics, cascade or import
//! function: it sends a [`Task`] with the Scenario as JSON. The worker answers every task
//! through the **compute entry** ([`crate::engine::compute::Job`], the one `leverlab compute`
//! and JS `compute` run): [`analyses`] says which analyses, with which of the page's settings;
//! every other setting and every market input the Scenario leaves out (a volatility per
//! symbol, the horizon, a generated market, a depth) gets the engine's default, listed as an
//! assumption. So one Scenario gives the page's numbers at every door.
//!
//! The answer is JSON: the task's prepared data ([`prepare`]: [`StressData`], [`RiskTables`],
//! [`CascadeData`], the engine's own result types such as `ScenarioGrid` or `Sweep`), the
//! entry's own entries (each analysis's applied settings, result, assumptions, errors) and the
//! assumptions. The page draws the data, shows the assumptions next to it, and writes the
//! applied settings into the Scenario's `analyses` section of its Export and link. Each request
//! is a [`Job`]: short tasks finish in one [`Job::step`], the Monte Carlo runs in slices so the
//! worker can report progress and see a cancel between them.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use crate::engine::analytics::band::BandReport;
use crate::engine::analytics::montecarlo::McSummary;
use crate::engine::analytics::probability::ProbabilityReport;
use crate::engine::analytics::recommend::RecommendReport;
use crate::engine::analytics::stress::StressCurve;
use crate::engine::analytics::{carry, greeks};
use crate::engine::cascade::{CascadeResult, LiquidationMap, Sweep, UserCascade};
use crate::engine::compute::{self, run::Ctx, settings as st, Analysis, Assumption, Entry, Outcome, Request, Step};
use crate::engine::{self, FieldError, InputErrors, Report, Scenario, Venue};

/// The liquidation map's bins and range (± fraction of the price).
pub const MAP_BINS: u64 = 140;
pub const MAP_RANGE: f64 = 0.35;

/// The page's sweep: ±30 % in 200 shocks each way, runaway at amplification 2.
pub const SWEEP: (f64, u64, f64) = (0.3, 200, 2.0);

/// Cascade rounds kept for the page's cascade chart.
pub const CASCADE_PATH: u64 = 200;

/// The first problem of an engine error, with its field path.
pub fn first_error(e: &InputErrors) -> String {
    first_of(&e.0)
}

fn first_of(e: &[FieldError]) -> String {
    let mut s = e.first().map(|f| f.to_string()).unwrap_or_else(|| "invalid input".into());
    if e.len() > 1 {
        s.push_str(&format!(" (and {} more)", e.len() - 1));
    }
    s
}

/// The symbol the market book belongs to: the first position's (the cascade's default).
pub fn market_symbol(s: &Scenario) -> Option<&str> {
    s.positions.first().map(|p| p.symbol.as_str())
}

/// What the page asks the worker for. Each task is a request to the compute entry
/// ([`analyses`]: the same entry, settings and defaults as `leverlab compute` and JS
/// `compute`), whose result is prepared for one card or chart ([`prepare`]).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum Task {
    /// [`StressData`]: the stress curve over a range showing every liquidation point, with bands.
    Stress,
    /// `ScenarioGrid`: ±16 % in 9 steps plus extremes.
    Grid,
    /// `ProbabilityReport` with curves (closed form).
    Probability,
    /// [`RiskTables`]: probability, recommendation, greeks and carry.
    Risk,
    /// `McSummary`: the Monte Carlo, in slices.
    MonteCarlo { paths: u64, steps: u32, seed: u64 },
    /// `LiquidationMap` of the market with the user's liquidation prices.
    Map,
    /// `Sweep`: the amplification curve (±30 %, 200 shocks each way).
    Sweep,
    /// [`CascadeData`]: one cascade from `shock`, the user's positions, the sweep.
    Cascade { shock: f64 },
    /// [`Compared`]: the Scenario under every venue preset.
    Compare,
    /// `LendingView` of an aave-v3 / morpho-blue Scenario: its report, the `health` analysis
    /// (each price ±50 %, 121 points) and `compare-lending` with Morpho at `lltv` and Maker at
    /// `mat`/`chop` (its problems become the view's `comparison_note`).
    Lending { lltv: Option<f64>, mat: Option<f64>, chop: Option<f64> },
    /// `AuctionReport` of a maker Scenario (the `auction` analysis): bark, the path against the
    /// buyers, three curves.
    Auction,
    /// `GmxReport` of a gmx-v2 Scenario: the compute entry's report of it (no analysis).
    Gmx,
    /// `LoopReport` of an aave-v3 / morpho-blue Scenario: the `loop` analysis to `leverage`
    /// with `swap_cost`.
    Loop { leverage: f64, swap_cost: f64 },
    /// [`OptionsData`]: option Greeks, the payoff curve, the collateral report and the
    /// portfolio-margin grid with the standard margin beside it (the options view).
    Options,
    /// `Vec<Vec<String>>`: per position, the likely causes of the difference between the
    /// venue's reported liquidation price and leverlab's (`engine::import::explain_difference`),
    /// so the venue-import parsing stays out of the calculator's module.
    Explain,
}

/// The compute entry's analyses (with the settings the page chooses; every other setting is
/// the engine's default, listed as an assumption) that answer `task`.
pub fn analyses(task: &Task) -> Vec<Analysis> {
    let (max_shock, steps, threshold) = SWEEP;
    let sweep = || st::Sweep { max_shock: Some(max_shock), steps: Some(steps), threshold: Some(threshold), ..Default::default() };
    let closed_form = || Analysis::Probability(st::Probability { curves: Some(true), monte_carlo: Some(false), ..Default::default() });
    match task {
        Task::Stress => vec![
            Analysis::Stress(st::Stress { fit: Some(true), points: Some(201), ..Default::default() }),
            Analysis::Band(st::Band::default()),
        ],
        Task::Grid => vec![Analysis::Grid(st::Grid::default())],
        Task::Probability => vec![closed_form()],
        Task::Risk => vec![
            closed_form(),
            Analysis::Recommend(st::Recommend::default()),
            Analysis::Greeks(st::Greeks::default()),
            Analysis::Carry(st::Carry { points: Some(2), ..Default::default() }),
        ],
        Task::MonteCarlo { paths, steps, seed } => vec![Analysis::Probability(st::Probability {
            monte_carlo: Some(true),
            curves: Some(true),
            paths: Some(*paths),
            steps: Some(u64::from(*steps)),
            seed: Some(*seed),
            ..Default::default()
        })],
        Task::Map => vec![Analysis::Map(st::Map { bins: Some(MAP_BINS), range: Some(MAP_RANGE), ..Default::default() })],
        Task::Sweep => vec![Analysis::Sweep(sweep())],
        Task::Cascade { shock } => vec![
            Analysis::Cascade(st::Cascade { shock: Some(*shock), max_path: Some(CASCADE_PATH), ..Default::default() }),
            Analysis::Sweep(sweep()),
        ],
        Task::Compare => vec![Analysis::Venues(st::Venues::default())],
        Task::Lending { lltv, mat, chop } => vec![
            Analysis::Health(st::Health { range: Some(0.5), points: Some(121) }),
            Analysis::CompareLending(st::CompareLending { lltv: *lltv, mat: *mat, chop: *chop }),
        ],
        Task::Auction => vec![Analysis::Auction(st::Auction::default())],
        Task::Options => vec![
            Analysis::Greeks(st::Greeks::default()),
            Analysis::Payoff(st::Payoff { range: Some(PAYOFF_RANGE), points: Some(PAYOFF_POINTS) }),
            Analysis::Collateral(st::Collateral { points: Some(2) }),
        ],
        Task::Gmx | Task::Explain => Vec::new(),
        Task::Loop { leverage, swap_cost } => {
            vec![Analysis::Loop(st::Loop { leverage: Some(*leverage), swap_cost: Some(*swap_cost), ..Default::default() })]
        }
    }
}

/// The page's analysis `a` under the Scenario's `analyses` section: the section's settings for
/// it first, the page's where the section gives none (so a Scenario that carries its settings
/// gives the same numbers on the page as at the other doors). A stress range given in the
/// section replaces the page's fitted one; the closed-form tables never turn into a Monte
/// Carlo because the section holds one (the risk card runs that on request).
pub fn honour(task: &Task, a: Analysis, section: Option<&compute::AnalysisSettings>) -> Analysis {
    let Some(given) = section.and_then(|sec| sec.listed().into_iter().find(|x| x.name() == a.name())) else { return a };
    let mut page = compute::AnalysisSettings::default();
    page.set(&a);
    match given.over(Some(&page)) {
        Analysis::Stress(mut x) => {
            if matches!(&a, Analysis::Stress(p) if p.fit == Some(true)) && section.and_then(|s| s.stress.as_ref()).is_some_and(|g| g.range.is_some() && g.fit.is_none()) {
                x.fit = None;
            }
            Analysis::Stress(x)
        }
        Analysis::Probability(mut x) if !matches!(task, Task::MonteCarlo { .. }) => {
            x.monte_carlo = Some(false);
            x.paths = None;
            x.steps = None;
            x.seed = None;
            x.no_bridge = None;
            Analysis::Probability(x)
        }
        other => other,
    }
}

/// Whether the task reads the market book (and may reuse the last one built).
fn reads_book(task: &Task) -> bool {
    matches!(task, Task::Map | Task::Sweep | Task::Cascade { .. })
}

/// One position's liquidation point and band, as moves (fractions).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BandMark {
    pub label: String,
    pub at: f64,
    pub low: f64,
    pub high: f64,
    pub price: Option<f64>,
    pub price_low: Option<f64>,
    pub price_high: Option<f64>,
}

/// The stress chart's data.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct StressData {
    pub curve: StressCurve,
    pub marks: Vec<BandMark>,
    pub account_marks: Vec<f64>,
    pub horizon: f64,
}

/// The stress chart's data from the `stress` curve and the `band` report over `horizon` days.
pub fn stress_data(curve: StressCurve, bands: &BandReport, horizon: f64) -> StressData {
    let mut marks = Vec::new();
    let mut account_marks = Vec::new();
    for m in &curve.markers {
        match m.position {
            Some(i) => {
                let b = bands.positions.get(i);
                let mark = b.map(|b| b.mark_price).unwrap_or(1.0);
                let mv = |p: Option<f64>| p.map(|p| p / mark - 1.0);
                let (lo, hi) = (mv(b.and_then(|b| b.low)).unwrap_or(m.shift), mv(b.and_then(|b| b.high)).unwrap_or(m.shift));
                marks.push(BandMark {
                    label: format!("#{}", i + 1),
                    at: m.shift,
                    low: lo.min(m.shift),
                    high: hi.max(m.shift),
                    price: m.price,
                    price_low: b.and_then(|b| b.low),
                    price_high: b.and_then(|b| b.high),
                });
            }
            None => account_marks.push(m.shift),
        }
    }
    StressData { curve, marks, account_marks, horizon }
}

/// The risk card's tables; each may fail on its own.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RiskTables {
    pub prob: Result<ProbabilityReport, String>,
    pub rec: Result<RecommendReport, String>,
    pub greeks: Result<greeks::GreeksReport, String>,
    pub carry: Result<carry::CarryReport, String>,
}

/// Everything the cascade card shows for one market and shock.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CascadeData {
    pub result: Result<CascadeResult, String>,
    pub users: Vec<UserCascade>,
    pub sweep: Option<Sweep>,
    /// Building the market's levels (when not kept from the last request) and the cascade, ms.
    pub build_ms: f64,
    pub sweep_ms: f64,
    pub levels_n: usize,
}

/// The Scenario under every venue preset: (venue, its Report or the problems).
pub type Compared = Vec<(Venue, Result<Report, String>)>;

/// The result of one analysis, or its problems as text.
fn outcome<'a>(entries: &'a [Entry], name: &str) -> Result<&'a Outcome, String> {
    let e = entries.iter().find(|e| e.analysis == name).ok_or_else(|| format!("{name}: not computed"))?;
    match &e.result {
        Some(o) if e.errors.is_empty() => Ok(o),
        _ => Err(first_of(&e.errors)),
    }
}

/// What the compute entry gave, turned into the data `task`'s card draws (`ms`: the time of
/// each analysis, in order).
///
/// # Errors
/// The analyses' problems (the first, with its path), or an answer of the wrong kind.
pub fn prepare(task: &Task, s: &Scenario, entries: &[Entry], ms: &[f64]) -> Result<serde_json::Value, String> {
    let wrong = || format!("the compute entry answered {task:?} with another analysis");
    let json = |v: &dyn erased::Ser| v.to_value();
    Ok(match task {
        Task::Stress => {
            let Outcome::Stress(curve) = outcome(entries, "stress")? else { return Err(wrong()) };
            let Outcome::Band(bands) = outcome(entries, "band")? else { return Err(wrong()) };
            let h = bands.horizon_days;
            json(&stress_data(curve.clone(), bands, h))
        }
        Task::Grid => json(outcome(entries, "grid")?.inner()),
        Task::Probability => json(outcome(entries, "probability")?.inner()),
        Task::Risk => {
            let read = |name: &str| outcome(entries, name).map(|o| o.inner().to_value());
            serde_json::json!({
                "prob": result_json(read("probability")),
                "rec": result_json(read("recommend")),
                "greeks": result_json(read("greeks")),
                "carry": result_json(read("carry")),
            })
        }
        Task::MonteCarlo { .. } => {
            let Outcome::Probability(p) = outcome(entries, "probability")? else { return Err(wrong()) };
            let mc: &McSummary = p.monte_carlo.as_ref().ok_or_else(|| "probability: no Monte Carlo in the answer".to_string())?;
            json(mc)
        }
        Task::Map => {
            let Outcome::Map(m) = outcome(entries, "map")? else { return Err(wrong()) };
            // The book is the first position's symbol: only its liquidation prices are drawn on it.
            let sym = market_symbol(s).unwrap_or_default();
            let mut m: LiquidationMap = m.clone();
            m.user_liquidation_prices.retain(|u| u.symbol == sym);
            json(&m)
        }
        Task::Sweep => {
            let Outcome::Sweep(o) = outcome(entries, "sweep")? else { return Err(wrong()) };
            json(o.sweep.as_ref().ok_or_else(wrong)?)
        }
        Task::Cascade { .. } => {
            let Outcome::Cascade(c) = outcome(entries, "cascade")? else { return Err(wrong()) };
            let sweep = match outcome(entries, "sweep") {
                Ok(Outcome::Sweep(w)) => w.sweep.clone(),
                _ => None,
            };
            // The book is the first position's symbol; other symbols get no cascade price.
            let sym = market_symbol(s).unwrap_or_default().to_string();
            let users = c
                .user_positions
                .iter()
                .cloned()
                .map(|mut u| {
                    if u.symbol != sym {
                        u.cascade_shock = None;
                        u.cascade_trigger_price = None;
                        u.cascade_liquidated_notional = None;
                        u.note = Some(format!("the market book is {sym}'s"));
                    }
                    u
                })
                .collect();
            json(&CascadeData {
                result: c.cascade.clone().ok_or_else(|| "cascade: no shock".to_string()),
                users,
                sweep,
                build_ms: ms.first().copied().unwrap_or(0.0),
                sweep_ms: ms.get(1).copied().unwrap_or(0.0),
                levels_n: c.market.long_levels + c.market.short_levels,
            })
        }
        Task::Compare => {
            let Outcome::Venues(rows) = outcome(entries, "venues")? else { return Err(wrong()) };
            let rows: Compared = rows
                .iter()
                .map(|row| {
                    let r = row.report.clone().ok_or_else(|| row.errors.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; "));
                    (row.venue, r)
                })
                .collect();
            json(&rows)
        }
        Task::Lending { .. } => {
            let report = crate::engine::lending::evaluate(s).map_err(|e| first_error(&e))?;
            let Outcome::Health(curves) = outcome(entries, "health")? else { return Err(wrong()) };
            let (comparison, comparison_note) = match outcome(entries, "compare-lending") {
                Ok(Outcome::CompareLending(c)) => (Some(c.clone()), None),
                Ok(_) => return Err(wrong()),
                Err(e) => (None, Some(e)),
            };
            json(&crate::engine::protocol::LendingView { report, curves: curves.clone(), comparison, comparison_note })
        }
        Task::Auction => json(outcome(entries, "auction")?.inner()),
        Task::Gmx => json(&crate::engine::gmx::evaluate(s).map_err(|e| first_error(&e))?),
        Task::Loop { .. } => json(outcome(entries, "loop")?.inner()),
        Task::Options => {
            let Outcome::Greeks(g) = outcome(entries, "greeks").map_err(|e| e.to_string())?.clone() else { return Err(wrong()) };
            let payoff = match outcome(entries, "payoff") {
                Ok(Outcome::Payoff(p)) => Ok(p.clone()),
                Ok(_) => return Err(wrong()),
                Err(e) => Err(e),
            };
            let collateral = s.collateral.as_ref().map(|_| match outcome(entries, "collateral") {
                Ok(Outcome::Collateral(c)) => Ok(c.clone()),
                Ok(_) => Err(wrong()),
                Err(e) => Err(e),
            });
            let (portfolio, unimmr, portfolio_as_if) = portfolio_of(s);
            json(&OptionsData { greeks: Ok(g.options), payoff, collateral, portfolio, unimmr, portfolio_as_if })
        }
        Task::Explain => json(&explain(s)?),
    })
}

/// The options view's data, each part through the compute entry (the `greeks`, `payoff`,
/// `collateral` analyses of the job, and `portfolio` of the same book in portfolio mode);
/// each part may fail on its own.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct OptionsData {
    /// Per option position: price, Greeks, breakeven, implied volatility, standard margin.
    pub greeks: Result<Vec<crate::engine::options::OptionGreeks>, String>,
    /// The book's P&L over a common move ±[`PAYOFF_RANGE`], now and at expiry.
    pub payoff: Result<Vec<crate::engine::portfolio::PayoffPoint>, String>,
    /// The collateral report (`None` when the Scenario lists no collateral).
    pub collateral: Option<Result<crate::engine::collateral::CollateralReport, String>>,
    /// The portfolio-margin grid of the book (deribit or span), with the standard margin.
    pub portfolio: Result<crate::engine::portfolio::PortfolioReport, String>,
    /// Binance PM's uniMMR when `portfolio_margin.model` is `binance`.
    pub unimmr: Option<crate::engine::collateral::UniMmrReport>,
    /// True when the Scenario is not in portfolio mode: the grid is the same book's as if it
    /// were (Deribit's defaults), for the comparison.
    pub portfolio_as_if: bool,
}

/// The payoff chart's range (± fraction of the underlying) and points.
pub const PAYOFF_RANGE: f64 = 0.5;
pub const PAYOFF_POINTS: u64 = 201;

/// The compute entry's `portfolio` analysis of the book, in portfolio mode (as if, when the
/// account is not): the grid, or Binance's uniMMR.
fn portfolio_of(s: &Scenario) -> (Result<crate::engine::portfolio::PortfolioReport, String>, Option<crate::engine::collateral::UniMmrReport>, bool) {
    use crate::engine::portfolio::PortfolioAnswer;
    let as_if = s.margin_mode != engine::MarginMode::Portfolio;
    let pm = if as_if { Scenario { margin_mode: engine::MarginMode::Portfolio, wallet_balances: None, ..s.clone() } } else { s.clone() };
    let entry = compute::compute_one(&pm, Analysis::Portfolio(st::Portfolio {}), &mut |_| {});
    let outcome = match entry {
        Ok(e) if e.errors.is_empty() => e.result.ok_or_else(|| "portfolio: no result".to_string()),
        Ok(e) => Err(first_of(&e.errors)),
        Err(e) => Err(first_error(&e)),
    };
    match outcome {
        Ok(Outcome::Portfolio(PortfolioAnswer::Grid(g))) => (Ok(*g), None, as_if),
        Ok(Outcome::Portfolio(PortfolioAnswer::UniMmr(u))) => {
            (Err("binance portfolio margin is a ratio (uniMMR), not a scenario grid".to_string()), Some(*u), as_if)
        }
        Ok(_) => (Err("portfolio: unexpected result".into()), None, as_if),
        Err(e) => (Err(e), None, as_if),
    }
}

/// Per position, the texts of the likely causes of the venue's and leverlab's liquidation
/// prices differing ([`crate::engine::import::explain_difference`]).
///
/// # Errors
/// The Scenario's problems (the first, with its path).
pub fn explain(s: &Scenario) -> Result<Vec<Vec<String>>, String> {
    let r = engine::evaluate(s).map_err(|e| first_error(&e))?;
    Ok(s.positions
        .iter()
        .zip(&r.positions)
        .map(|(q, rp)| {
            let source = r.model_of(rp).map(|m| m.source.as_str()).unwrap_or("");
            crate::engine::import::explain_difference(s, q, rp, source, false).into_iter().map(|c| c.text).collect()
        })
        .collect())
}

/// The page's venue import, run in the worker (`importForPage` of the worker module): the
/// venue responses `texts` (a JSON list of texts) read by [`crate::engine::import::import`]
/// with `venue` (empty: recognise it), answered like a [`Job`] (`{"ok": Imported}` or
/// `{"error": "path: problem; …"}`), so the importer is not part of the calculator's module.
pub fn import_answer(texts: &str, venue: &str) -> String {
    use crate::engine::import::{import, ImportOptions};
    let r = serde_json::from_str::<Vec<String>>(texts).map_err(|e| format!("responses: {e}")).and_then(|list| {
        let list: Vec<&str> = list.iter().map(String::as_str).collect();
        let venue = (!venue.is_empty()).then_some(venue);
        import(&list, ImportOptions { venue, mode: None })
            .map_err(|e| e.0.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("\n"))
            .map(|i| serde_json::to_value(i).unwrap_or_default())
    });
    reply(r, &[], &[])
}

fn result_json(r: Result<serde_json::Value, String>) -> serde_json::Value {
    match r {
        Ok(v) => serde_json::json!({ "Ok": v }),
        Err(e) => serde_json::json!({ "Err": e }),
    }
}

/// Serializing a borrowed value of any type to a JSON value.
mod erased {
    pub trait Ser {
        fn to_value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}

impl Outcome {
    /// The typed result inside the tag, for serializing alone.
    fn inner(&self) -> &dyn erased::Ser {
        match self {
            Outcome::Stress(x) => x,
            Outcome::Grid(x) => x,
            Outcome::Probability(x) => x,
            Outcome::Band(x) => x,
            Outcome::Carry(x) => x,
            Outcome::Recommend(x) => x,
            Outcome::Greeks(x) => x,
            Outcome::Map(x) => x,
            Outcome::Cascade(x) | Outcome::Sweep(x) => x,
            Outcome::Venues(x) => x,
            Outcome::Liquidate(x) => x,
            Outcome::Loop(x) => x,
            Outcome::Auction(x) => x,
            Outcome::CompareLending(x) => x,
            Outcome::Health(x) => x,
            Outcome::Pnl(x) => x,
            Outcome::Target(x) => x,
            Outcome::AverageEntry(x) => x,
            Outcome::MaxSize(x) => x,
            Outcome::Margin(x) => x,
            Outcome::Payoff(x) => x,
            Outcome::Collateral(x) => x,
            Outcome::Portfolio(x) => x,
        }
    }
}

thread_local! {
    /// The market book of the last request that built one, with its key ([`levels_key`]): a new
    /// shock or another card on the same market does not rebuild a large market.
    static BOOK: RefCell<Option<(String, Ctx)>> = const { RefCell::new(None) };
}

/// Everything the market's levels depend on: the venue, the first position's symbol and price
/// (the defaults of market positions and of the reference price), and the market section.
/// Editing the user's own sizes or leverages does not rebuild a large market.
fn levels_key(s: &Scenario) -> String {
    let first = s.positions.first().map(|p| (&p.symbol, p.mark_price.unwrap_or(p.entry_price), p.contract));
    serde_json::to_string(&(s.venue, first, &s.market)).unwrap_or_default()
}

/// One request of the page: [`Job::step`] until it answers.
pub struct Job {
    task: Task,
    scenario: Scenario,
    job: compute::Job,
    /// The analyses asked of the compute entry (for the answer).
    request: Vec<Analysis>,
    key: Option<String>,
    /// Monte Carlo path-steps per ms, measured (sizes the next slice to the budget).
    rate: f64,
    done: u64,
    total: u64,
    ms: Vec<f64>,
    finished: bool,
}

impl Job {
    /// A job for `task` over the Scenario `scenario` (JSON, read as strictly as every door).
    ///
    /// # Errors
    /// The task's or the Scenario's problems, as text.
    pub fn new(task: &str, scenario: &str) -> Result<Job, String> {
        let task: Task = serde_json::from_str(task).map_err(|e| format!("task: {e}"))?;
        let mut s = engine::parse_scenario(scenario).map_err(|e| first_error(&e))?;
        // The Scenario's `analyses` section comes first, the page's settings fill what it
        // leaves out; the job then gets exactly that list (its section is not merged again).
        let section = s.analyses.take();
        let list: Vec<Analysis> = analyses(&task).into_iter().map(|a| honour(&task, a, section.as_ref())).collect();
        let mut job = compute::Job::new(Request::new(s.clone(), list.clone())).map_err(|e| first_error(&e))?;
        let key = reads_book(&task).then(|| levels_key(&s));
        if let Some(k) = &key {
            if let Some(ctx) = BOOK.with(|b| b.borrow_mut().take_if(|(kk, _)| *kk == *k).map(|(_, c)| c)) {
                job.set_context(ctx);
            }
        }
        let total = match &task {
            Task::MonteCarlo { paths, .. } => *paths,
            _ => 1,
        };
        Ok(Job { task, scenario: s, job, request: list, key, rate: 2000.0, done: 0, total, ms: Vec::new(), finished: false })
    }

    /// Work done and to do (paths for the Monte Carlo, 0 of 1 otherwise).
    pub fn progress(&self) -> (u64, u64) {
        (self.done, self.total)
    }

    /// Works for about `budget_ms` (measured with `now`, in ms), then returns; `Some(answer
    /// JSON)` when the job is finished: `{"ok": data, "analyses": [the compute entry's entries],
    /// "assumptions": [...]}` or `{"error": "path: problem", ...}`.
    pub fn step(&mut self, budget_ms: f64, now: &dyn Fn() -> f64) -> Option<String> {
        if self.finished {
            return Some(reply(Err("the job has already answered".into()), &[], &[]));
        }
        let t0 = now();
        let mut t = t0;
        loop {
            let budget = (self.rate * budget_ms / 2.0).max(1.0) as u64;
            let step = self.job.step(budget);
            let t1 = now();
            let dt = t1 - t;
            t = t1;
            match step {
                Step::Progress(p) => {
                    if p.total > 1 {
                        // A Monte Carlo slice: aim the next one at half the budget (measured on
                        // slices that simulated paths, not the set-up).
                        if p.done > self.done {
                            self.rate = (budget as f64 / dt.max(0.05)).clamp(10.0, 1e9);
                        }
                        self.done = p.done;
                    } else {
                        self.ms.push(dt);
                    }
                }
                Step::Done(r) => {
                    self.ms.push(dt);
                    self.finished = true;
                    self.done = self.total;
                    if let Some(k) = self.key.take() {
                        let ctx = self.job.take_context();
                        BOOK.with(|b| *b.borrow_mut() = Some((k, ctx)));
                    }
                    let data = prepare(&self.task, &self.scenario, &r.analyses, &self.ms);
                    let mut answer = reply(data, &r.analyses, &r.assumptions);
                    if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&answer) {
                        v["request"] = serde_json::to_value(&self.request).unwrap_or_default();
                        v["carry"] = serde_json::to_value(carried(&self.request, &r.analyses)).unwrap_or_default();
                        answer = v.to_string();
                    }
                    return Some(answer);
                }
            }
            if t - t0 >= budget_ms {
                return None;
            }
        }
    }
}

/// The settings an answer's Scenario should carry in its `analyses` section to be computed
/// again with the same numbers: each analysis's applied settings (every default filled in),
/// keeping `stress.fit` when the page asked for it (the fitted range follows the positions).
pub fn carried(request: &[Analysis], entries: &[Entry]) -> Vec<Analysis> {
    entries
        .iter()
        .map(|e| match (&e.settings, request.iter().find(|a| a.name() == e.analysis)) {
            (Analysis::Stress(x), Some(Analysis::Stress(asked))) if asked.fit == Some(true) => {
                Analysis::Stress(st::Stress { fit: Some(true), ..x.clone() })
            }
            (a, _) => a.clone(),
        })
        .collect()
}

/// The answer's JSON: `{"ok": data}` or `{"error": text}`, with the compute entry's entries
/// (each analysis's applied settings, result, assumptions, errors) and every assumption.
fn reply(r: Result<serde_json::Value, String>, analyses: &[Entry], assumptions: &[Assumption]) -> String {
    let mut v = match r {
        Ok(d) => serde_json::json!({ "ok": d }),
        Err(e) => serde_json::json!({ "error": e }),
    };
    v["analyses"] = serde_json::to_value(analyses).unwrap_or_default();
    v["assumptions"] = serde_json::to_value(assumptions).unwrap_or_default();
    serde_json::to_string(&v).unwrap_or_else(|e| format!("{{\"error\":\"cannot write the answer: {e}\"}}"))
}

/// What the page keeps of an answer besides its data: the settings each analysis ran with
/// (every default filled in: [`carried`]) and the defaults the engine assumed.
#[derive(Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Applied {
    #[serde(default)]
    pub settings: Vec<Analysis>,
    #[serde(default)]
    pub assumptions: Vec<Assumption>,
}

/// Reads an answer written by [`Job::step`] into the task's data type.
///
/// # Errors
/// The job's error, or a mismatch between the answer and `T`.
pub fn read_answer<T: for<'de> Deserialize<'de>>(answer: &str) -> Result<T, String> {
    read_answer_applied(answer).0
}

/// [`read_answer`] and the answer's [`Applied`] settings and assumptions.
pub fn read_answer_applied<T: for<'de> Deserialize<'de>>(answer: &str) -> (Result<T, String>, Applied) {
    #[derive(Deserialize)]
    struct Answer<T> {
        ok: Option<T>,
        error: Option<String>,
        #[serde(default)]
        carry: Vec<Analysis>,
        #[serde(default)]
        assumptions: Vec<Assumption>,
    }
    match serde_json::from_str::<Answer<T>>(answer) {
        Ok(a) => {
            let applied = Applied { settings: a.carry, assumptions: a.assumptions };
            let data = match (a.ok, a.error) {
                (Some(d), _) => Ok(d),
                (None, Some(e)) => Err(e),
                (None, None) => Err("an empty answer from the worker".into()),
            };
            (data, applied)
        }
        Err(e) => (Err(format!("unreadable answer from the worker: {e}")), Applied::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn okx() -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/okx.json")).unwrap()
    }

    fn example(name: &str) -> String {
        std::fs::read_to_string(format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn the_defi_views_answer_through_the_compute_entry() {
        // examples/maker.json: tab = 100 × 1.1 = 110 DAI, cleared at 37 s (the browser test
        // restates the path); the answer lists the `auction` analysis the entry ran.
        let a = run(&Task::Auction, &example("maker.json"));
        let r: crate::engine::maker::AuctionReport = read_answer(&a).unwrap();
        assert!((r.bark.tab - 110.0).abs() < 1e-9);
        assert_eq!(r.path.unwrap().time_to_clear, Some(37.0));
        assert!(a.contains("\"analysis\":\"auction\""));
        // examples/aave-v3.json: HF = 10 × 1,400 × 0.825 / 12,000 = 0.9625; Morpho at LLTV 86 %
        // liquidates at 12,000 / 8.6 = 1,395.35.
        let task = Task::Lending { lltv: Some(0.86), mat: Some(1.5), chop: Some(1.13) };
        let v: crate::engine::protocol::LendingView = read_answer(&run(&task, &example("aave-v3.json"))).unwrap();
        assert!((v.report.health_factor.unwrap() - 0.9625).abs() < 1e-12);
        assert!((v.comparison.unwrap().columns[1].liquidation_price.unwrap() - 12000.0 / 8.6).abs() < 1e-9);
        assert!(!v.curves.is_empty());
        // Without the Morpho and Maker parameters the view still answers, and says why not.
        let none = Task::Lending { lltv: None, mat: None, chop: None };
        let v: crate::engine::protocol::LendingView = read_answer(&run(&none, &example("aave-v3.json"))).unwrap();
        assert!(v.comparison.is_none() && v.comparison_note.unwrap().contains("lltv"));
        // examples/gmx-v2.json: the guardian case, 2,200 USD left, 0.88 WETH back.
        let g: crate::engine::gmx::GmxReport = read_answer(&run(&Task::Gmx, &example("gmx-v2.json"))).unwrap();
        assert!(g.positions[0].liquidatable);
        assert!((g.positions[0].returned_collateral_now - 0.88).abs() < 1e-12);
        // The loop builder from 10 WETH at 1,400 (LTV 80 %, LT 82.5 %) and no debt to 3×: debt
        // x = C₀ (L − 1) = 14,000 × 2 = 28,000 USDC, 30 WETH held, HF = 42,000 × 0.825 /
        // 28,000 = 1.2375, liquidation price 28,000 / (30 × 0.825) = 1,131.31; rounds borrow
        // 11,200, 8,960, 7,168 (80 % of the collateral less the debt) and the last 672.
        let start = r#"{"venue": "aave-v3", "lending": {"supplies": [{"asset": "WETH", "amount": 10, "price": 1400,
            "ltv": 0.8, "liquidation_threshold": 0.825, "liquidation_bonus": 0.05}],
            "borrows": [{"asset": "USDC", "amount": 0, "price": 1}]}}"#;
        let l: crate::engine::lending::LoopReport = read_answer(&run(&Task::Loop { leverage: 3.0, swap_cost: 0.0 }, start)).unwrap();
        assert!((l.total_borrowed - 28000.0).abs() < 1e-6 && (l.health_factor.unwrap() - 1.2375).abs() < 1e-12);
        assert!((l.liquidation_price.unwrap() - 28000.0 / 24.75).abs() < 1e-9);
        let rounds: Vec<f64> = l.steps.iter().map(|x| x.borrowed).collect();
        assert_eq!(rounds.len(), 4);
        for (got, want) in rounds.iter().zip([11200.0, 8960.0, 7168.0, 672.0]) {
            assert!((got - want).abs() < 1e-6, "{rounds:?}");
        }
        // Out of reach: 1 / (1 − 0.8) = 5× is the most looping gives.
        let far = run(&Task::Loop { leverage: 6.0, swap_cost: 0.0 }, start);
        assert!(read_answer::<crate::engine::lending::LoopReport>(&far).unwrap_err().starts_with("loop.leverage: leverage 6 is out of reach"), "{far}");
    }

    /// The options task answers the engine's own figures for the example books.
    #[test]
    fn options_task_answers_the_engines_numbers() {
        let s = engine::parse_scenario(&example("portfolio.json")).unwrap();
        let d: OptionsData = read_answer(&run(&Task::Options, &example("portfolio.json"))).unwrap();
        let g = d.greeks.unwrap();
        assert_eq!(g.len(), 1);
        assert_eq!(g[0], crate::engine::options::option_greeks(&s, 0).unwrap());
        assert_eq!(d.payoff.unwrap(), crate::engine::portfolio::payoff_curve(&s, PAYOFF_RANGE, PAYOFF_POINTS as usize).unwrap());
        assert_eq!(d.portfolio.unwrap(), crate::engine::portfolio::portfolio_margin(&s).unwrap());
        assert!(!d.portfolio_as_if && d.collateral.is_none());
        // A cross book is compared as if it were in portfolio mode.
        let d: OptionsData = read_answer(&run(&Task::Options, &example("options.json"))).unwrap();
        assert!(d.portfolio_as_if && d.portfolio.is_ok(), "{:?}", d.portfolio);
        assert_eq!(d.greeks.unwrap().len(), 2);
        let s = engine::parse_scenario(&example("collateral.json")).unwrap();
        let d: OptionsData = read_answer(&run(&Task::Options, &example("collateral.json"))).unwrap();
        assert_eq!(d.collateral.unwrap().unwrap().collateral, crate::engine::collateral::collateral_report(&s, 2).unwrap().collateral);
    }

    fn clock() -> impl Fn() -> f64 {
        let t = std::time::Instant::now();
        move || t.elapsed().as_secs_f64() * 1000.0
    }

    fn run(task: &Task, scenario: &str) -> String {
        let now = clock();
        let mut job = Job::new(&serde_json::to_string(task).unwrap(), scenario).unwrap();
        loop {
            if let Some(a) = job.step(5.0, &now) {
                return a;
            }
        }
    }

    /// What `leverlab compute` answers for the same analyses (the CLI's and JS's entry).
    fn computed(task: &Task, scenario: &str) -> serde_json::Value {
        let s = engine::parse_scenario(scenario).unwrap();
        let r = compute::compute(Request::new(s, analyses(task))).unwrap();
        serde_json::to_value(&r.analyses).unwrap()
    }

    #[test]
    fn every_task_answers_through_the_compute_entry_with_its_defaults_listed() {
        let tasks = [
            Task::Stress,
            Task::Grid,
            Task::Probability,
            Task::Risk,
            Task::MonteCarlo { paths: 500, steps: 20, seed: 3 },
            Task::Map,
            Task::Sweep,
            Task::Cascade { shock: -0.05 },
            Task::Compare,
        ];
        for task in &tasks {
            let answer = run(task, &okx());
            let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
            assert!(v.get("ok").is_some(), "{task:?}: {answer:.300}");
            assert_eq!(v["analyses"], computed(task, &okx()), "{task:?}");
        }
        // The defaults the page's closed form used are listed, path, value and source.
        let (p, applied) = read_answer_applied::<ProbabilityReport>(&run(&Task::Probability, &okx()));
        assert!((p.unwrap().positions[0].volatility - 0.6).abs() < 1e-12);
        let vol = applied.assumptions.iter().find(|a| a.path == "market.volatility.BTC-USDT-SWAP").expect("volatility listed");
        assert_eq!(vol.value, serde_json::json!(0.6));
        assert!(vol.source.contains("BTC 60 %"), "{}", vol.source);
        assert!(applied.assumptions.iter().any(|a| a.path == "probability.horizon"));
        assert_eq!(applied.settings.len(), 1);
        let Analysis::Probability(ps) = &applied.settings[0] else { panic!("{:?}", applied.settings) };
        assert_eq!(ps.horizon, Some(7.0));
    }

    #[test]
    fn the_answer_is_prepared_from_the_entrys_numbers() {
        let s = engine::parse_scenario(&okx()).unwrap();
        let grid: crate::engine::analytics::stress::ScenarioGrid = read_answer(&run(&Task::Grid, &okx())).unwrap();
        assert_eq!(grid, crate::engine::analytics::stress::scenario_grid(&s, 0.16, 9, None).unwrap());
        let rows: Compared = read_answer(&run(&Task::Compare, &okx())).unwrap();
        assert_eq!(rows.len(), Venue::ALL.len());
        let mine = rows.iter().find(|(v, _)| *v == s.venue).unwrap().1.clone().unwrap();
        assert_eq!(mine.positions[0].liquidation_price, engine::evaluate(&s).unwrap().positions[0].liquidation_price);
        let stress: StressData = read_answer(&run(&Task::Stress, &okx())).unwrap();
        assert_eq!(stress.curve.points.len(), 201);
        assert_eq!(stress.horizon, 7.0);
        assert_eq!(stress.marks.len(), 1);
    }

    #[test]
    fn a_kept_market_book_gives_the_numbers_of_a_fresh_one() {
        let first: CascadeData = read_answer(&run(&Task::Cascade { shock: -0.05 }, &okx())).unwrap();
        // The same market again (the book is reused), then a fresh build after another market.
        let again: CascadeData = read_answer(&run(&Task::Cascade { shock: -0.05 }, &okx())).unwrap();
        let other = okx().replace("\"venue\": \"okx\"", "\"venue\": \"okx\", \"market\": {\"depth\": {\"model\": \"linear\", \"notional_per_pct\": 1e7}}");
        assert_ne!(other, okx(), "the replacement must apply");
        let _: Sweep = read_answer(&run(&Task::Sweep, &other)).unwrap();
        let fresh: CascadeData = read_answer(&run(&Task::Cascade { shock: -0.05 }, &okx())).unwrap();
        for c in [&again, &fresh] {
            assert_eq!(c.result, first.result);
            assert_eq!(c.users, first.users);
            assert_eq!(c.sweep, first.sweep);
        }
    }

    #[test]
    fn monte_carlo_in_slices_equals_one_run() {
        let now = clock();
        let task = r#"{"task":"monte_carlo","paths":3000,"steps":50,"seed":7}"#;
        let mut job = Job::new(task, &okx()).unwrap();
        let mut slices = 0;
        let answer = loop {
            slices += 1;
            // A tiny budget forces many slices.
            if let Some(a) = job.step(0.01, &now) {
                break a;
            }
            let (done, total) = job.progress();
            assert!(done <= total);
        };
        assert!(slices > 1, "one slice only");
        let sliced: McSummary = read_answer(&answer).unwrap();
        let whole = computed(&Task::MonteCarlo { paths: 3000, steps: 50, seed: 7 }, &okx());
        assert_eq!(serde_json::to_value(&sliced).unwrap(), whole[0]["result"]["probability"]["monte_carlo"]);
    }

    #[test]
    fn the_scenarios_own_settings_come_first_and_the_answer_carries_what_ran() {
        let with = |section: &str| okx().replacen("\"venue\": \"okx\"", &format!("\"venue\": \"okx\", \"analyses\": {section}"), 1);
        // A range given in the section replaces the page's fitted one; the applied settings
        // (what Export writes) then hold it, and the same range at the CLI gives the same curve.
        let a = run(&Task::Stress, &with(r#"{"stress": {"range": 0.3, "points": 11}}"#));
        let (d, applied) = read_answer_applied::<StressData>(&a);
        let d = d.unwrap();
        assert_eq!(d.curve.points.len(), 11);
        assert_eq!(applied.settings[0], Analysis::Stress(st::Stress { range: Some(0.3), points: Some(11), ..Default::default() }));
        // Without it the page fits, and carries `fit` so the range follows the positions.
        let (_, applied) = read_answer_applied::<StressData>(&run(&Task::Stress, &okx()));
        let Analysis::Stress(x) = &applied.settings[0] else { panic!() };
        assert_eq!((x.fit, x.points), (Some(true), Some(201)));
        // The closed-form tables never run the section's Monte Carlo; the horizon is honoured.
        let a = run(&Task::Risk, &with(r#"{"probability": {"monte_carlo": true, "paths": 50, "steps": 5, "horizon": 3}}"#));
        let v: serde_json::Value = serde_json::from_str(&a).unwrap();
        let p = &v["analyses"][0];
        assert_eq!(p["settings"]["probability"]["monte_carlo"], serde_json::json!(false));
        assert_eq!(p["settings"]["probability"]["horizon"], serde_json::json!(3.0));
        assert!(p["result"]["probability"]["monte_carlo"].is_null());
    }

    #[test]
    fn bad_input_answers_with_the_field_path() {
        assert!(Job::new(r#"{"task":"bogus"}"#, &okx()).is_err());
        let e = Job::new(r#"{"task":"grid"}"#, r#"{"venue":"okx","positions":[{"size":-1,"entry_price":1,"leverage":2}]}"#).err().unwrap();
        assert!(e.contains("positions[0].size"), "{e}");
        let e = read_answer::<crate::engine::analytics::stress::ScenarioGrid>(r#"{"error":"x: bad"}"#).unwrap_err();
        assert_eq!(e, "x: bad");
    }

    #[test]
    fn the_page_import_and_its_explanations_answer_from_the_worker() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/import/");
        let text = std::fs::read_to_string(format!("{dir}binance-usdm-positionRisk-v2.json")).unwrap();
        let texts = serde_json::to_string(&[text.clone()]).unwrap();
        let direct = crate::engine::import::import(&[text.as_str()], Default::default()).unwrap();
        let v: serde_json::Value = read_answer(&import_answer(&texts, "")).unwrap();
        assert_eq!(v, serde_json::to_value(&direct).unwrap());
        // The causes are the importer's own, per position.
        let causes = explain(&direct.scenario).unwrap();
        assert_eq!(causes.len(), direct.scenario.positions.len());
        let r = engine::evaluate(&direct.scenario).unwrap();
        let src = r.model_of(&r.positions[0]).map(|m| m.source.as_str()).unwrap_or("");
        let first: Vec<String> = crate::engine::import::explain_difference(&direct.scenario, &direct.scenario.positions[0], &r.positions[0], src, false)
            .into_iter()
            .map(|c| c.text)
            .collect();
        assert_eq!(causes[0], first);
        // Problems name the response, and a venue the importer does not know is refused.
        let e = read_answer::<serde_json::Value>(&import_answer(r#"["not json"]"#, "")).unwrap_err();
        assert!(e.contains("responses[0]"), "{e}");
        let e = read_answer::<serde_json::Value>(&import_answer(&texts, "binanse-usdm")).unwrap_err();
        assert!(e.contains("venue"), "{e}");
    }
}
