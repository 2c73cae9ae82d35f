//! The one compute entry of every front door: a Scenario and a list of requested analyses in,
//! the Report and each analysis's typed result out, with every default the engine applied
//! listed as an assumption.
//!
//! The CLI's commands and the JS API's `run(command, …)` are thin layers over it (a command is
//! one analysis request: its options become the analysis's settings), `leverlab compute FILE`
//! and JS `compute(request)` run whole requests, and the page's worker runs requests in slices
//! with [`Job`].
//!
//! # Request (JSON)
//!
//! ```jsonc
//! {
//!   "scenario": { "venue": "binance-usdm", "positions": [ … ], "market": { … },
//!                 "analyses": { "stress": { "points": 201 } } },   // optional section, below
//!   "analyses": [                                                   // optional
//!     { "stress": { "range": 0.3 } },
//!     { "probability": { "monte_carlo": true, "paths": 20000 } },
//!     { "cascade": { "shock": -0.05, "sweep": true } },
//!     { "greeks": {} }
//!   ]
//! }
//! ```
//!
//! Each analysis is a one-key object: its name and its settings (every setting optional). The
//! names: `stress`, `grid`, `probability`, `band`, `carry`, `recommend`, `greeks`, `map`,
//! `cascade`, `sweep`, `venues` (the positions under every exchange preset), `liquidate`,
//! `loop`, `auction`, `compare-lending`, `pnl`, `target`, `average-entry`, `max-size`,
//! `margin`, `payoff`, `collateral`, `portfolio`; the settings are the options of the CLI
//! command of the same name (`leverlab help COMMAND`), spelt as settings (`max_shock`), plus `stress.fit` (choose the
//! range that shows every liquidation point) and `csv_text` for map, cascade and sweep (market
//! positions as CSV text). Without `analyses` the request runs the analyses the Scenario's
//! `analyses` section lists. A document without a `scenario` key is read as the Scenario
//! itself.
//!
//! **The Scenario's `analyses` section** holds settings per analysis name (`{"stress":
//! {"range": 0.3}, "cascade": {"shock": -0.05}}`). Every door reads it: a setting the request
//! (or the CLI option, or the JS option) does not give comes from it, and a setting neither
//! gives gets the engine's default. Each result carries its **applied** settings (every
//! default filled in), so writing them back into the section (the page's Export and link do)
//! carries exactly what was computed: `leverlab compute` or `leverlab stress` of the exported
//! Scenario gives the page's numbers.
//!
//! # Result (JSON)
//!
//! ```jsonc
//! {
//!   "report": { … },                 // eval's Report (the protocol report for aave-v3, …);
//!                                    // absent for an exchange Scenario without positions
//!   "report_errors": [ … ],          // why there is no Report (e.g. option positions, which
//!                                    // greeks and pnl value but the futures Report does not)
//!   "analyses": [
//!     { "analysis": "stress",
//!       "settings": { "stress": { "range": 0.3, "points": 101 } },   // applied
//!       "result": { "stress": { … } },                               // the command's output
//!       "assumptions": [ { "path": "stress.points", "value": 101, "source": "…" } ] },
//!     { "analysis": "cascade", "settings": { … },
//!       "errors": [ { "path": "cascade.shock", "message": "required …" } ] }
//!   ],
//!   "assumptions": [ … ]            // every assumption of every analysis, once each
//! }
//! ```
//!
//! An analysis that fails has `errors` (paths name the setting as `analysis.setting`, or the
//! Scenario field) and no `result`; the others still answer. Market defaults an analysis
//! needs and the Scenario lacks — a volatility per symbol, the horizon, a generated market and
//! a depth model — are applied by [`defaults::effective`] and listed (`market.volatility.BTCUSDT`,
//! `market.generator`, `market.depth`).
//!
//! # Errors
//! A request that cannot be read (a bad Scenario, an unknown analysis or setting: `analyses[0].
//! stress.rnage: unknown field; did you mean range?`) fails whole, before any work.
//!
//! # Slices
//! ```ignore
//! let mut job = Job::new(request)?;
//! loop {
//!     match job.step(2_000_000) {        // budget: Monte Carlo path-steps in this slice
//!         Step::Progress(p) => { /* report p, yield to the event loop, stop to cancel */ }
//!         Step::Done(result) => break result,
//!     }
//! }
//! ```
//! Every analysis but the Monte Carlo runs whole within one step; the Monte Carlo runs in
//! chunks of paths sized to the budget (the chunks give the same numbers as one run: every path
//! has its own random stream).

pub mod defaults;
pub mod run;
pub mod settings;

use serde::Serialize;
use serde_json::Value;

pub use defaults::Assumption;
pub use run::{CascadeOutput, Outcome, VenueRow};
pub use settings::{Analysis, AnalysisSettings};

use crate::engine::input::{parse_json, read_strict, suggest, Shape};
use crate::engine::protocol::{self, ProtocolReport};
use crate::engine::scenario::scenario_from_value;
use crate::engine::{evaluate, FieldError, InputErrors, Report, Scenario};

/// A request: the Scenario and the analyses to run on it.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub scenario: Scenario,
    /// The analyses to run; `None` = those the Scenario's `analyses` section lists.
    pub analyses: Option<Vec<Analysis>>,
}

impl Request {
    /// A request for `analyses` on `scenario`.
    pub fn new(scenario: Scenario, analyses: Vec<Analysis>) -> Request {
        Request { scenario, analyses: Some(analyses) }
    }
}

/// The Report of the Scenario: an exchange Report or a protocol venue's report.
#[derive(Serialize, Clone, Debug)]
#[serde(untagged)]
pub enum EvalReport {
    Exchange(Box<Report>),
    Protocol(Box<ProtocolReport>),
}

/// One analysis's answer.
#[derive(Serialize, Clone, Debug)]
pub struct Entry {
    /// Its name (`stress`).
    pub analysis: &'static str,
    /// The settings it ran with, every default filled in: `{"stress": {"range": 0.5, ...}}`.
    pub settings: Analysis,
    /// Its typed result, `{"stress": {...}}`; absent when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Outcome>,
    /// The defaults it applied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<Assumption>,
    /// Its problems, each naming the setting (`stress.range`) or the Scenario's field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The answer to a request.
#[derive(Serialize, Clone, Debug)]
pub struct ComputeResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<EvalReport>,
    /// Why there is no Report, when the Scenario's Report refuses it (an option position:
    /// `greeks` and `pnl` still answer).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub report_errors: Vec<FieldError>,
    pub analyses: Vec<Entry>,
    /// Every assumption of every analysis, once each, in order of first use.
    pub assumptions: Vec<Assumption>,
}

/// Progress of a [`Job`] after a step.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Progress {
    /// Analyses finished so far, of `analyses`.
    pub finished: usize,
    pub analyses: usize,
    /// The analysis under way (or next), its index and name.
    pub current: Option<usize>,
    pub name: Option<&'static str>,
    /// Work units of the current analysis done and in all (Monte Carlo paths; 0/1 otherwise).
    pub done: u64,
    pub total: u64,
}

/// What a [`Job::step`] returns.
#[derive(Debug)]
pub enum Step {
    Progress(Progress),
    Done(ComputeResult),
}

/// A request run in slices (see the module docs).
pub struct Job {
    scenario: Scenario,
    todo: std::collections::VecDeque<(usize, Analysis)>,
    total: usize,
    report: Option<EvalReport>,
    report_errors: Vec<FieldError>,
    entries: Vec<Entry>,
    running: Option<(usize, Analysis, Vec<Assumption>, Box<run::McRun>)>,
    ctx: run::Ctx,
}

/// Prefixes error paths naming one of `a`'s settings with the analysis's name (`range` →
/// `stress.range`); Scenario paths stay.
fn name_settings(a: &Analysis, e: InputErrors) -> Vec<FieldError> {
    let fields = a.fields();
    e.0.into_iter()
        .map(|f| {
            let head = f.path.split(['.', '[']).next().unwrap_or("");
            if fields.iter().any(|x| x.name == head) && !head.is_empty() {
                FieldError::new(format!("{}.{}", a.name(), f.path), f.message)
            } else {
                f
            }
        })
        .collect()
}

impl Job {
    /// Prepares `request`: evaluates the Scenario's Report (its problems go to
    /// `report_errors`) and merges each analysis's settings over the Scenario's `analyses`
    /// section. No analysis runs yet.
    ///
    /// # Errors
    /// None today (the request was read and checked already); kept as a `Result` so a
    /// request-wide check can be added without changing the doors.
    pub fn new(request: Request) -> Result<Job, InputErrors> {
        let s = request.scenario;
        // A Scenario the Report refuses may still answer some analyses (`greeks` and `pnl`
        // value option positions, which the futures Report does not): its problems are kept
        // as the Report's, and each analysis answers for itself.
        let (report, report_errors) = match if s.venue.is_protocol() {
            protocol::evaluate(&s).map(|r| Some(EvalReport::Protocol(Box::new(r))))
        } else if s.positions.is_empty() {
            Ok(None)
        } else {
            evaluate(&s).map(|r| Some(EvalReport::Exchange(Box::new(r))))
        } {
            Ok(r) => (r, Vec::new()),
            Err(e) => (None, e.0),
        };
        let list = match request.analyses {
            Some(list) => list,
            None => s.analyses.as_ref().map(AnalysisSettings::listed).unwrap_or_default(),
        };
        let todo: std::collections::VecDeque<(usize, Analysis)> =
            list.into_iter().map(|a| a.over(s.analyses.as_ref())).enumerate().collect();
        Ok(Job {
            total: todo.len(),
            scenario: s,
            todo,
            report,
            report_errors,
            entries: Vec::new(),
            running: None,
            ctx: run::Ctx::default(),
        })
    }

    /// Runs for about `budget` work units: whole analyses, or Monte Carlo paths worth `budget`
    /// path-steps (paths × steps × symbols; at least one path). Returns the progress, or the
    /// result once every analysis has run.
    pub fn step(&mut self, budget: u64) -> Step {
        if let Some((i, applied, assumed, mut mc)) = self.running.take() {
            // The slice that simulates the last paths reports them all done; the next one
            // summarises.
            let failed = if mc.is_done() { None } else { mc.advance((budget / mc.cost_per_path()).max(1)).err() };
            if let Some(e) = failed {
                self.finish(i, applied, assumed, Err(e));
            } else if mc.is_done() && mc.reported {
                let out = mc.finish();
                self.finish(i, applied, assumed, out);
            } else {
                mc.reported = mc.is_done();
                let p = Progress {
                    finished: self.entries.len(),
                    analyses: self.total,
                    current: Some(i),
                    name: Some(applied.name()),
                    done: mc.done(),
                    total: mc.total(),
                };
                self.running = Some((i, applied, assumed, mc));
                return Step::Progress(p);
            }
        } else if let Some((i, a)) = self.todo.pop_front() {
            let mut assumed = Vec::new();
            match run::start(&self.scenario, &a, &mut self.ctx, &mut assumed) {
                Ok((applied, run::Started::Done(o))) => self.finish(i, applied, assumed, Ok(o)),
                Ok((applied, run::Started::MonteCarlo(mc))) => {
                    let p = Progress {
                        finished: self.entries.len(),
                        analyses: self.total,
                        current: Some(i),
                        name: Some(applied.name()),
                        done: 0,
                        total: mc.total(),
                    };
                    self.running = Some((i, applied, assumed, mc));
                    return Step::Progress(p);
                }
                Err(e) => {
                    let errors = name_settings(&a, e);
                    self.entries.push(Entry { analysis: a.name(), settings: a, result: None, assumptions: assumed, errors });
                }
            }
        }
        if self.running.is_none() && self.todo.is_empty() {
            return Step::Done(self.result());
        }
        let next = self.todo.front().map(|(i, a)| (*i, a.name()));
        Step::Progress(Progress {
            finished: self.entries.len(),
            analyses: self.total,
            current: next.map(|n| n.0),
            name: next.map(|n| n.1),
            done: 0,
            total: 1,
        })
    }

    /// Takes the per-request state (the market book map, cascade and sweep built), so a door
    /// that runs several requests on the same market can hand it to the next with
    /// [`Job::set_context`] instead of building the book again.
    pub fn take_context(&mut self) -> run::Ctx {
        std::mem::take(&mut self.ctx)
    }

    /// Starts this job with the state of an earlier request. Only for a request on the same
    /// market: the same venue, first position (symbol, price, contract) and `market` section,
    /// which are all the book is built from.
    pub fn set_context(&mut self, ctx: run::Ctx) {
        self.ctx = ctx;
    }

    fn finish(&mut self, _i: usize, applied: Analysis, assumed: Vec<Assumption>, out: Result<Outcome, InputErrors>) {
        let name = applied.name();
        match out {
            Ok(o) => self.entries.push(Entry { analysis: name, settings: applied, result: Some(o), assumptions: assumed, errors: Vec::new() }),
            Err(e) => {
                let errors = name_settings(&applied, e);
                self.entries.push(Entry { analysis: name, settings: applied, result: None, assumptions: assumed, errors })
            }
        }
    }

    fn result(&mut self) -> ComputeResult {
        let entries = std::mem::take(&mut self.entries);
        let mut all: Vec<Assumption> = Vec::new();
        for a in entries.iter().flat_map(|e| e.assumptions.iter()) {
            if !all.iter().any(|x| x.path == a.path && x.value == a.value) {
                all.push(a.clone());
            }
        }
        ComputeResult { report: self.report.take(), report_errors: std::mem::take(&mut self.report_errors), analyses: entries, assumptions: all }
    }
}

/// Runs `request` to completion.
///
/// # Errors
/// As [`Job::new`]; each analysis's own problems are in its entry's `errors`.
pub fn compute(request: Request) -> Result<ComputeResult, InputErrors> {
    compute_with_progress(request, &mut |_| {})
}

/// [`compute`], calling `progress` after every slice (the CLI shows the Monte Carlo's).
///
/// # Errors
/// As [`compute`].
pub fn compute_with_progress(request: Request, progress: &mut dyn FnMut(&Progress)) -> Result<ComputeResult, InputErrors> {
    let mut job = Job::new(request)?;
    loop {
        match job.step(SLICE) {
            Step::Progress(p) => progress(&p),
            Step::Done(r) => return Ok(r),
        }
    }
}

/// The budget of one slice of [`compute`]: 4·10⁶ path-steps (the old 2,000-path chunks at
/// 1,000 steps × 2 symbols).
pub const SLICE: u64 = 4_000_000;

/// Runs one analysis on `s` (its settings over the Scenario's section): the entry the
/// commands of the front doors call.
///
/// # Errors
/// The Scenario's errors; the analysis's own problems, paths naming its settings
/// (`stress.range`).
pub fn compute_one(s: &Scenario, analysis: Analysis, progress: &mut dyn FnMut(&Progress)) -> Result<Entry, InputErrors> {
    let r = compute_with_progress(Request::new(s.clone(), vec![analysis]), progress)?;
    let entry = r.analyses.into_iter().next().ok_or_else(|| InputErrors::from(FieldError::new("analyses", "no analysis ran")))?;
    if entry.errors.is_empty() {
        Ok(entry)
    } else {
        Err(InputErrors(entry.errors))
    }
}

/// The form of a request's `analyses` list, for the strict reader.
const ANALYSES: Shape = Shape::List(&settings::ANALYSIS);

/// Reads a request from JSON text (see the module docs): `{"scenario": …, "analyses": […]}`, or
/// a Scenario alone (its `analyses` section says what to run).
///
/// # Errors
/// Every problem of the document at its path: `scenario.positions[0].size`, `analyses[1].
/// cascade.shok: unknown field; did you mean shock?`.
pub fn parse_request(text: &str) -> Result<Request, InputErrors> {
    request_from_value(&parse_json(text)?)
}

/// [`parse_request`] of a parsed JSON value (the JS API's objects).
///
/// # Errors
/// As [`parse_request`].
pub fn request_from_value(v: &Value) -> Result<Request, InputErrors> {
    let Some(obj) = v.as_object() else {
        return Err(FieldError::new("", "a request must be a JSON object: {\"scenario\": {…}, \"analyses\": [{\"stress\": {}}]}").into());
    };
    if !obj.contains_key("scenario") {
        return Ok(Request { scenario: scenario_from_value(v)?, analyses: None });
    }
    let mut errors = Vec::new();
    for k in obj.keys().filter(|k| *k != "scenario" && *k != "analyses") {
        errors.push(FieldError::new(k.clone(), crate::engine::input::unknown_message("field", k, &["scenario", "analyses"])));
    }
    let scenario = scenario_from_value(&obj["scenario"]).map_err(|e| errors.extend(e.map_paths(|p| join("scenario", p)).0)).ok();
    let analyses = match obj.get("analyses") {
        None | Some(Value::Null) => Some(None),
        Some(a) => read_strict::<Vec<Analysis>>(a, &ANALYSES, |_, _| {})
            .map(Some)
            .map_err(|e| errors.extend(e.map_paths(|p| join_index("analyses", p)).0))
            .ok(),
    };
    match (scenario, analyses) {
        (Some(scenario), Some(analyses)) if errors.is_empty() => Ok(Request { scenario, analyses }),
        _ => Err(InputErrors(errors)),
    }
}

fn join(head: &str, p: &str) -> String {
    if p.is_empty() {
        head.to_string()
    } else {
        format!("{head}.{p}")
    }
}

fn join_index(head: &str, p: &str) -> String {
    if p.is_empty() || p.starts_with('[') {
        format!("{head}{p}")
    } else {
        format!("{head}.{p}")
    }
}

/// The analysis `name` with `settings` (a JSON object of setting names): how the commands of
/// the front doors turn their options into the typed settings.
///
/// # Errors
/// `name` when no analysis has that name (with a suggestion); a setting's problem at its name.
pub fn analysis_from(name: &str, settings: &serde_json::Map<String, Value>) -> Result<Analysis, InputErrors> {
    if Analysis::named(name).is_none() {
        let hint = suggest(name, settings::NAMES.iter().copied()).map(|s| format!("; did you mean {s}?")).unwrap_or_default();
        return Err(FieldError::new("analysis", format!("unknown analysis `{name}`{hint}")).into());
    }
    let mut m = serde_json::Map::new();
    m.insert(name.to_string(), Value::Object(settings.clone()));
    let doc = Value::Object(m);
    read_strict::<Analysis>(&doc, &settings::ANALYSIS, |_, _| {}).map_err(|e| {
        let prefix = format!("{name}.");
        e.map_paths(|p| p.strip_prefix(&prefix).unwrap_or(p).to_string())
    })
}
