//! The page's heavy work, run by the second wasm module in a Web Worker (`src/bin/worker.rs`,
//! `static/worker-boot.js`); plain Rust, so it also compiles and is tested on the host.
//!
//! The page's main module (the calculator) never calls an analytics, cascade or import
//! function: it sends a [`Task`] with the Scenario as JSON, and gets back the task's prepared
//! data as JSON ([`StressData`], [`RiskTables`], [`CascadeData`], the engine's own result types
//! such as `ScenarioGrid` or `Sweep`), which it deserializes and draws. Each request is a
//! [`Job`]: short tasks finish in one [`Job::step`], the Monte Carlo runs in slices so the
//! worker can report progress and see a cancel between them.
//!
//! Market inputs the Scenario leaves out get the stated defaults of [`effective`] (a
//! volatility per symbol, the horizon, a generated market and a depth), the same the market
//! form shows as placeholders.

use std::cell::RefCell;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::engine::analytics::band::band;
use crate::engine::analytics::montecarlo::{self, McPartial, McSetup, McSummary};
use crate::engine::analytics::probability::{monte_carlo_setup, probability, McSettings, ProbabilityReport, ProbabilitySettings};
use crate::engine::analytics::recommend::{recommend, RecommendReport, RecommendSettings};
use crate::engine::analytics::stress::{scenario_grid, stress_curve, StressCurve};
use crate::engine::analytics::{carry, greeks, DEFAULT_HORIZON_DAYS};
use crate::engine::compute::defaults::{default_depth, Needs};
use crate::engine::cascade::{
    liquidation_map, market_levels, simulate, sweep, user_cascade, CascadeResult, Impact, LiquidationMap,
    MarketLevels, Sweep, SweepOptions, UserCascade, UserMark,
};
use crate::engine::{self, InputErrors, Market, Report, Scenario, Venue};

/// The liquidation map's bins and range (± fraction of the price).
pub const MAP_BINS: usize = 140;
pub const MAP_RANGE: f64 = 0.35;

/// The Scenario with every missing market input set to the engine's default
/// ([`crate::engine::compute::defaults::effective`]: a volatility for each symbol, a generated
/// market when none is given, a depth) and the horizon.
pub fn effective(s: &Scenario) -> Scenario {
    let needs = Needs { volatility: true, book: true, imported: false };
    let (mut e, _) = crate::engine::compute::defaults::effective(s, needs);
    let m = e.market.get_or_insert_with(Market::default);
    if m.risk.horizon_days.is_none() {
        m.risk.horizon_days = Some(DEFAULT_HORIZON_DAYS);
    }
    e
}

/// The horizon the panels use (days).
pub fn horizon(s: &Scenario) -> f64 {
    s.market.as_ref().and_then(|m| m.risk.horizon_days).unwrap_or(DEFAULT_HORIZON_DAYS)
}

/// The first problem of an engine error, with its field path.
pub fn first_error(e: &InputErrors) -> String {
    let mut s = e.0.first().map(|f| f.to_string()).unwrap_or_else(|| "invalid input".into());
    if e.0.len() > 1 {
        s.push_str(&format!(" (and {} more)", e.0.len() - 1));
    }
    s
}

/// The symbol the market book belongs to: the first position's (the cascade's default).
pub fn market_symbol(s: &Scenario) -> Option<&str> {
    s.positions.first().map(|p| p.symbol.as_str())
}

/// What the page asks the worker for.
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

/// The stress curve over a range that shows every liquidation point (±10 % to ±95 %), 201
/// points, and each position's liquidation band over the horizon.
///
/// # Errors
/// The engine's input errors (first one, with its path).
pub fn stress_data(s: &Scenario) -> Result<StressData, String> {
    let e = effective(s);
    let pre = stress_curve(&e, None, 0.5, 3).map_err(|x| first_error(&x))?;
    let far = pre.markers.iter().map(|m| m.shift.abs()).fold(0.0f64, f64::max);
    let range = (far * 1.35).clamp(0.1, 0.95);
    let curve = stress_curve(&e, None, range, 201).map_err(|x| first_error(&x))?;
    let h = horizon(&e);
    let bands = band(&e, h).map_err(|x| first_error(&x))?;
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
    Ok(StressData { curve, marks, account_marks, horizon: h })
}

/// The closed-form probability report with curves, for the effective Scenario.
///
/// # Errors
/// The engine's input errors.
pub fn closed_form(s: &Scenario) -> Result<ProbabilityReport, String> {
    let e = effective(s);
    let settings = ProbabilitySettings { horizon_days: horizon(&e), monte_carlo: None, curves: true, ignore_funding: false };
    probability(&e, &settings).map_err(|x| first_error(&x))
}

/// The risk card's tables; each may fail on its own.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RiskTables {
    pub prob: Result<ProbabilityReport, String>,
    pub rec: Result<RecommendReport, String>,
    pub greeks: Result<greeks::GreeksReport, String>,
    pub carry: Result<carry::CarryReport, String>,
}

pub fn risk_tables(s: &Scenario) -> RiskTables {
    let e = effective(s);
    let h = horizon(&e);
    RiskTables {
        prob: closed_form(s),
        rec: recommend(&e, &RecommendSettings { horizon_days: h, ..RecommendSettings::default() }).map_err(|x| first_error(&x)),
        greeks: greeks::greeks(&e).map_err(|x| first_error(&x)),
        carry: carry::carry(&e, h, 2).map_err(|x| first_error(&x)),
    }
}

/// The market's levels and impact model, built once per market.
pub struct Book {
    pub levels: MarketLevels,
    pub impact: Impact,
    /// How long building the levels took (ms), when a clock was given.
    pub build_ms: f64,
}

type Cached = Rc<Result<Book, String>>;

thread_local! {
    static LEVELS: RefCell<Option<(String, Cached)>> = const { RefCell::new(None) };
}

/// Everything the levels depend on: the venue, the first position's symbol and price (the
/// defaults of market positions and of the reference price), and the market section. Editing
/// the user's own sizes or leverages does not rebuild a large market.
fn levels_key(s: &Scenario) -> String {
    let first = s.positions.first().map(|p| (&p.symbol, p.mark_price.unwrap_or(p.entry_price), p.contract));
    serde_json::to_string(&(s.venue, first, &s.market)).unwrap_or_default()
}

/// The market's liquidation levels for an (effective) Scenario; the last one is kept, so the
/// map, the sweep and the cascade of one market build it once.
pub fn levels(s: &Scenario, now: &dyn Fn() -> f64) -> Cached {
    let key = levels_key(s);
    if let Some(hit) = LEVELS.with(|c| c.borrow().as_ref().filter(|(k, _)| *k == key).map(|(_, v)| v.clone())) {
        return hit;
    }
    let t0 = now();
    let built = market_levels(s, &[], 1.0).map_err(|e| first_error(&e)).map(|levels| {
        let depth = s.market.as_ref().and_then(|m| m.book.depth.clone()).unwrap_or_else(default_depth);
        Book { levels, impact: Impact::new(&depth), build_ms: now() - t0 }
    });
    let v: Cached = Rc::new(built);
    LEVELS.with(|c| *c.borrow_mut() = Some((key, v.clone())));
    v
}

/// The map for the (effective) Scenario with the user's liquidation prices of the book's symbol.
///
/// # Errors
/// The market's and the Scenario's input errors.
pub fn map(s: &Scenario, now: &dyn Fn() -> f64) -> Result<LiquidationMap, String> {
    let e = effective(s);
    let book = levels(&e, now);
    let book = book.as_ref().as_ref().map_err(Clone::clone)?;
    let r = engine::evaluate(s).map_err(|x| first_error(&x))?;
    let sym = market_symbol(s).unwrap_or_default().to_string();
    let marks = UserMark::from_report(&r).into_iter().filter(|u| u.symbol == sym).collect();
    liquidation_map(&book.levels, MAP_BINS, MAP_RANGE, marks).map_err(|x| first_error(&x))
}

/// The page's sweep: ±30 % in 200 shocks each way, runaway at amplification 2.
pub fn sweep_options() -> SweepOptions {
    SweepOptions { max_shock: 0.3, steps: 200, threshold: 2.0 }
}

/// The amplification curve of the (effective) Scenario's market.
///
/// # Errors
/// The market's input errors.
pub fn amplification(s: &Scenario, now: &dyn Fn() -> f64) -> Result<Sweep, String> {
    let e = effective(s);
    let book = levels(&e, now);
    let book = book.as_ref().as_ref().map_err(Clone::clone)?;
    sweep(&book.levels, &book.impact, &sweep_options()).map_err(|x| first_error(&x))
}

/// Everything the cascade card shows for one market and shock.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CascadeData {
    pub result: Result<CascadeResult, String>,
    pub users: Vec<UserCascade>,
    pub sweep: Option<Sweep>,
    pub build_ms: f64,
    pub sweep_ms: f64,
    pub levels_n: usize,
}

/// One cascade from `shock`, the user's cascade-conditional liquidations, and the sweep.
///
/// # Errors
/// The market's and the Scenario's input errors.
pub fn cascade(s: &Scenario, shock: f64, now: &dyn Fn() -> f64) -> Result<CascadeData, String> {
    let e = effective(s);
    let book = levels(&e, now);
    let book = book.as_ref().as_ref().map_err(Clone::clone)?;
    let r = engine::evaluate(s).map_err(|x| first_error(&x))?;
    let result = simulate(&book.levels, &book.impact, shock, 200).map_err(|x| first_error(&x));
    // The book is the first position's symbol; other symbols get no cascade price.
    let sym = market_symbol(s).unwrap_or_default().to_string();
    let users = user_cascade(&book.levels, &book.impact, &r)
        .into_iter()
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
    let t = now();
    let sweep = sweep(&book.levels, &book.impact, &sweep_options()).ok();
    Ok(CascadeData {
        result,
        users,
        sweep,
        build_ms: book.build_ms,
        sweep_ms: now() - t,
        levels_n: book.levels.summary.long_levels + book.levels.summary.short_levels,
    })
}

/// The Scenario under every venue preset: (venue, its Report or the problems).
pub type Compared = Vec<(Venue, Result<Report, String>)>;

/// The engine's `venues` analysis: the Scenario under every preset.
pub fn compare_all(s: &Scenario) -> Compared {
    crate::engine::compute::run::venues(s)
        .into_iter()
        .map(|row| {
            let r = row.report.ok_or_else(|| row.errors.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; "));
            (row.venue, r)
        })
        .collect()
}

/// A running Monte Carlo: slices of paths, merged (paths are seeded per index, so the merged
/// slices equal one run whatever the slicing).
struct McJob {
    setup: McSetup,
    partial: McPartial,
    next: u64,
    total: u64,
    chunk: u64,
}

enum State {
    Once(Task, Scenario),
    Mc(Box<McJob>),
    Done,
}

/// One request of the page: [`Job::step`] until it answers.
pub struct Job {
    state: State,
    done: u64,
    total: u64,
}

impl Job {
    /// A job for `task` over the Scenario `scenario` (JSON, read as strictly as every door).
    ///
    /// # Errors
    /// The task's or the Scenario's problems, as text.
    pub fn new(task: &str, scenario: &str) -> Result<Job, String> {
        let task: Task = serde_json::from_str(task).map_err(|e| format!("task: {e}"))?;
        let s = engine::parse_scenario(scenario).map_err(|e| first_error(&e))?;
        if let Task::MonteCarlo { paths, steps, seed } = task {
            let e = effective(&s);
            let setup = monte_carlo_setup(&e, horizon(&e), McSettings { paths, steps, seed, bridge: true }, false)
                .map_err(|x| first_error(&x))?;
            return Ok(Job {
                state: State::Mc(Box::new(McJob { setup, partial: McPartial::default(), next: 0, total: paths, chunk: 64 })),
                done: 0,
                total: paths,
            });
        }
        Ok(Job { state: State::Once(task, s), done: 0, total: 1 })
    }

    /// Work done and to do (paths for the Monte Carlo, 0 of 1 otherwise).
    pub fn progress(&self) -> (u64, u64) {
        (self.done, self.total)
    }

    /// Works for about `budget_ms` (measured with `now`, in ms), then returns; `Some(answer
    /// JSON)` when the job is finished: `{"ok": data}` or `{"error": "path: problem"}`.
    pub fn step(&mut self, budget_ms: f64, now: &dyn Fn() -> f64) -> Option<String> {
        let answer = match std::mem::replace(&mut self.state, State::Done) {
            State::Done => return Some(reply::<()>(Err("the job has already answered".into()))),
            State::Once(task, s) => match task {
                Task::Stress => reply(stress_data(&s)),
                Task::Grid => reply(scenario_grid(&effective(&s), 0.16, 9, None).map_err(|x| first_error(&x))),
                Task::Probability => reply(closed_form(&s)),
                Task::Risk => reply(Ok(risk_tables(&s))),
                Task::Map => reply(map(&s, now)),
                Task::Sweep => reply(amplification(&s, now)),
                Task::Cascade { shock } => reply(cascade(&s, shock, now)),
                Task::Compare => reply(Ok(compare_all(&s))),
                Task::MonteCarlo { .. } => unreachable_mc(),
            },
            State::Mc(mut j) => {
                let t0 = now();
                while j.next < j.total {
                    let n = j.chunk.min(j.total - j.next);
                    let t = now();
                    match montecarlo::simulate(&j.setup, j.next, n) {
                        Ok(part) => j.partial.merge(&part),
                        Err(e) => return Some(reply::<()>(Err(e.to_string()))),
                    }
                    j.next += n;
                    let dt = (now() - t).max(0.05);
                    // Aim each chunk at a quarter of the budget, so a slice ends near it.
                    j.chunk = ((j.chunk as f64) * (budget_ms / 4.0 / dt)).clamp(1.0, 200_000.0).round() as u64;
                    if now() - t0 >= budget_ms {
                        break;
                    }
                }
                self.done = j.next;
                if j.next < j.total {
                    self.state = State::Mc(j);
                    return None;
                }
                reply::<McSummary>(Ok(montecarlo::summarise(&j.setup, &j.partial)))
            }
        };
        self.done = self.total;
        Some(answer)
    }
}

fn unreachable_mc() -> String {
    reply::<()>(Err("the Monte Carlo runs in slices".into()))
}

/// The answer's JSON: `{"ok": data}` or `{"error": text}`.
fn reply<T: Serialize>(r: Result<T, String>) -> String {
    let v = match r {
        Ok(d) => serde_json::json!({ "ok": d }),
        Err(e) => serde_json::json!({ "error": e }),
    };
    serde_json::to_string(&v).unwrap_or_else(|e| format!("{{\"error\":\"cannot write the answer: {e}\"}}"))
}

/// Reads an answer written by [`Job::step`] into the task's data type.
///
/// # Errors
/// The job's error, or a mismatch between the answer and `T`.
pub fn read_answer<T: for<'de> Deserialize<'de>>(answer: &str) -> Result<T, String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Answer<T> {
        Ok(T),
        Error(String),
    }
    match serde_json::from_str::<Answer<T>>(answer) {
        Ok(Answer::Ok(d)) => Ok(d),
        Ok(Answer::Error(e)) => Err(e),
        Err(e) => Err(format!("unreadable answer from the worker: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn okx() -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/okx.json")).unwrap()
    }

    fn clock() -> impl Fn() -> f64 {
        let t = std::time::Instant::now();
        move || t.elapsed().as_secs_f64() * 1000.0
    }

    #[test]
    fn tasks_round_trip_through_json_and_answer_the_engines_numbers() {
        let now = clock();
        let s = engine::parse_scenario(&okx()).unwrap();
        let mut job = Job::new(&serde_json::to_string(&Task::Grid).unwrap(), &okx()).unwrap();
        let answer = job.step(10.0, &now).expect("one step");
        let grid: crate::engine::analytics::stress::ScenarioGrid = read_answer(&answer).unwrap();
        assert_eq!(grid, scenario_grid(&effective(&s), 0.16, 9, None).unwrap());
        let mut job = Job::new(r#"{"task":"compare"}"#, &okx()).unwrap();
        let rows: Compared = read_answer(&job.step(10.0, &now).unwrap()).unwrap();
        assert_eq!(rows.len(), Venue::ALL.len());
        let mine = rows.iter().find(|(v, _)| *v == s.venue).unwrap().1.clone().unwrap();
        assert_eq!(mine.positions[0].liquidation_price, engine::evaluate(&s).unwrap().positions[0].liquidation_price);
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
            assert!(done < total);
        };
        assert!(slices > 1, "one slice only");
        let sliced: McSummary = read_answer(&answer).unwrap();
        let s = engine::parse_scenario(&okx()).unwrap();
        let e = effective(&s);
        let setup = monte_carlo_setup(&e, horizon(&e), McSettings { paths: 3000, steps: 50, seed: 7, bridge: true }, false).unwrap();
        let whole = montecarlo::summarise(&setup, &montecarlo::simulate(&setup, 0, 3000).unwrap());
        assert_eq!(sliced, whole);
    }

    #[test]
    fn bad_input_answers_with_the_field_path() {
        assert!(Job::new(r#"{"task":"bogus"}"#, &okx()).is_err());
        let e = Job::new(r#"{"task":"grid"}"#, r#"{"venue":"okx","positions":[{"size":-1,"entry_price":1,"leverage":2}]}"#).err().unwrap();
        assert!(e.contains("positions[0].size"), "{e}");
        let e = read_answer::<crate::engine::analytics::stress::ScenarioGrid>(r#"{"error":"x: bad"}"#).unwrap_err();
        assert_eq!(e, "x: bad");
    }
}
