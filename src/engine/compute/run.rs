//! Runs one analysis of a request: its settings checked and completed with the defaults
//! (each listed), the engine function called, its typed result returned. The Monte Carlo is
//! handed back as a [`McRun`] for [`super::Job`] to run in slices.

use serde::Serialize;

use super::defaults::{effective, horizon, or_default, Assumption, Needs};
use super::settings::{self as st, Analysis};
use crate::engine::analytics::montecarlo::{self, McPartial, McSetup, MAX_STEPS};
use crate::engine::analytics::probability::{self, McSettings, ProbabilityReport, ProbabilitySettings};
use crate::engine::analytics::recommend::{self, RecommendReport, RecommendSettings};
use crate::engine::analytics::{band, carry, check_horizon, greeks, stress};
use crate::engine::cascade::{
    liquidation_map, market_levels, parse_loans_csv, parse_positions_csv, sensitivity, simulate, sweep, user_cascade, CascadeResult,
    CriticalShock, FundingSignal, Impact, LevelSummary, LiquidationMap, MarketLevels, MarketPosition, Sensitivity, Sweep,
    SweepOptions, UserCascade, UserMark,
};
use crate::engine::lending::{self, LiquidationReport, LoopReport};
use crate::engine::maker::{self, AuctionOptions, AuctionReport};
use crate::engine::protocol::{self, CompareOptions, LendingComparison};
use crate::engine::tools::{self, AverageEntry, MaxSizeRow, MarginChange, PnlRow, TargetRow};
use crate::engine::{evaluate, FieldError, InputErrors, Report, Scenario, Venue};

/// The typed result of one analysis, tagged by its name: `{"stress": {...}}`.
#[derive(Serialize, Clone, Debug)]
pub enum Outcome {
    #[serde(rename = "stress")]
    Stress(stress::StressCurve),
    #[serde(rename = "grid")]
    Grid(stress::ScenarioGrid),
    #[serde(rename = "probability")]
    Probability(ProbabilityReport),
    #[serde(rename = "band")]
    Band(band::BandReport),
    #[serde(rename = "carry")]
    Carry(carry::CarryReport),
    #[serde(rename = "recommend")]
    Recommend(RecommendReport),
    #[serde(rename = "greeks")]
    Greeks(greeks::GreeksReport),
    #[serde(rename = "map")]
    Map(LiquidationMap),
    #[serde(rename = "cascade")]
    Cascade(CascadeOutput),
    #[serde(rename = "sweep")]
    Sweep(CascadeOutput),
    #[serde(rename = "venues")]
    Venues(Vec<VenueRow>),
    #[serde(rename = "liquidate")]
    Liquidate(LiquidationReport),
    #[serde(rename = "loop")]
    Loop(LoopReport),
    #[serde(rename = "auction")]
    Auction(AuctionReport),
    #[serde(rename = "compare-lending")]
    CompareLending(LendingComparison),
    #[serde(rename = "health")]
    Health(Vec<crate::engine::lending::curves::HealthCurve>),
    #[serde(rename = "pnl")]
    Pnl(Vec<PnlRow>),
    #[serde(rename = "target")]
    Target(Vec<TargetRow>),
    #[serde(rename = "average-entry")]
    AverageEntry(AverageEntry),
    #[serde(rename = "max-size")]
    MaxSize(Vec<MaxSizeRow>),
    #[serde(rename = "margin")]
    Margin(MarginChange),
    #[serde(rename = "payoff")]
    Payoff(Vec<crate::engine::portfolio::PayoffPoint>),
    #[serde(rename = "collateral")]
    Collateral(crate::engine::collateral::CollateralReport),
    #[serde(rename = "portfolio")]
    Portfolio(crate::engine::portfolio::PortfolioAnswer),
}

/// The critical shocks of both directions.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct CriticalPair {
    pub down: Option<CriticalShock>,
    pub up: Option<CriticalShock>,
}

/// The result of `cascade` (and of `sweep`, which has no `cascade` part).
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct CascadeOutput {
    #[serde(flatten)]
    pub cascade: Option<CascadeResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub critical_shock: Option<CriticalPair>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Sweep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<Sensitivity>,
    pub user_positions: Vec<UserCascade>,
    pub market: LevelSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funding_signal: Option<FundingSignal>,
}

/// One exchange preset's answer for the Scenario's positions (`venues`).
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct VenueRow {
    pub venue: Venue,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// A Monte Carlo under way: the setup, the paths merged so far, and what finishes it.
pub struct McRun {
    pub(crate) scenario: Scenario,
    pub(crate) settings: ProbabilitySettings,
    pub(crate) mc: McSettings,
    pub(crate) setup: McSetup,
    pub(crate) partial: McPartial,
    pub(crate) done: u64,
    /// Whether a step has reported every path done (the next one summarises).
    pub(crate) reported: bool,
}

impl McRun {
    /// Path-steps of one path (steps × symbols), the unit of a slice's budget.
    pub fn cost_per_path(&self) -> u64 {
        u64::from(self.mc.steps).max(1) * self.setup.symbols.len().max(1) as u64
    }

    /// Simulates up to `n` more paths.
    ///
    /// # Errors
    /// The simulator's errors (an inconsistent setup).
    pub fn advance(&mut self, n: u64) -> Result<(), InputErrors> {
        let n = n.min(self.mc.paths - self.done);
        if n > 0 {
            self.partial.merge(&montecarlo::simulate(&self.setup, self.done, n)?);
            self.done += n;
        }
        Ok(())
    }

    pub fn is_done(&self) -> bool {
        self.done >= self.mc.paths
    }

    pub fn total(&self) -> u64 {
        self.mc.paths
    }

    pub fn done(&self) -> u64 {
        self.done
    }

    /// The probability report with the Monte Carlo's summary.
    ///
    /// # Errors
    /// As [`probability::probability_with_mc`].
    pub fn finish(&self) -> Result<Outcome, InputErrors> {
        let summary = montecarlo::summarise(&self.setup, &self.partial);
        probability::probability_with_mc(&self.scenario, &self.settings, Some(summary)).map(Outcome::Probability)
    }
}

/// What starting an analysis gives: its result, or a Monte Carlo to run.
pub enum Started {
    Done(Outcome),
    MonteCarlo(Box<McRun>),
}

/// The market book built for map, cascade and sweep, kept for the next analysis of the same
/// request that reads the same book.
pub struct Book {
    pub key: (Option<String>, Option<String>),
    pub scenario: Scenario,
    pub levels: MarketLevels,
    pub impact: Impact,
    pub imported: Vec<MarketPosition>,
    pub assumptions: Vec<Assumption>,
}

/// Per-request state shared by its analyses.
#[derive(Default)]
pub struct Ctx {
    pub book: Option<Book>,
}

/// A whole number setting in `[lo, hi]`.
fn whole(v: Option<u64>, name: &str, lo: u64, hi: u64) -> Result<Option<u64>, InputErrors> {
    match v {
        Some(x) if !(lo..=hi).contains(&x) => Err(FieldError::new(name, format!("must be a whole number from {lo} to {hi}")).into()),
        v => Ok(v),
    }
}

/// A number setting, finite.
fn finite(v: Option<f64>, name: &str) -> Result<Option<f64>, InputErrors> {
    match v {
        Some(x) if !x.is_finite() => Err(FieldError::new(name, "must be a finite number").into()),
        v => Ok(v),
    }
}

fn hz(s: &Scenario, v: Option<f64>, path: &str, out: &mut Vec<Assumption>) -> Result<f64, InputErrors> {
    let v = v.map(|h| check_horizon("horizon", h)).transpose()?;
    Ok(horizon(s, v, path, out))
}

/// The user's Report, when the Scenario has positions.
fn user_report(s: &Scenario) -> Result<Option<Report>, InputErrors> {
    if s.positions.is_empty() {
        Ok(None)
    } else {
        evaluate(s).map(Some)
    }
}

/// The analyses that answer for the DeFi protocol venues.
pub const PROTOCOL_ANALYSES: [&str; 5] = ["liquidate", "loop", "auction", "compare-lending", "health"];

/// Starts analysis `a` (settings already merged over the Scenario's section) on `s`: checks its
/// settings, applies the defaults (pushed to `assumed`), and returns the applied settings with
/// its result (or the Monte Carlo to run).
///
/// # Errors
/// The settings' problems at the setting's name (`range`), the engine's input errors.
pub fn start(s: &Scenario, a: &Analysis, ctx: &mut Ctx, assumed: &mut Vec<Assumption>) -> Result<(Analysis, Started), InputErrors> {
    let name = a.name();
    if s.venue.is_protocol() && !PROTOCOL_ANALYSES.contains(&name) {
        return Err(FieldError::new(
            "venue",
            format!(
                "{} is a DeFi protocol, not an exchange preset: `{name}` reads exchange positions; for it use eval, {}",
                s.venue,
                PROTOCOL_ANALYSES.join(", ")
            ),
        )
        .into());
    }
    let path = |f: &str| format!("{name}.{f}");
    let done = |applied: Analysis, o: Outcome| Ok((applied, Started::Done(o)));
    match a {
        Analysis::Stress(x) => {
            let points = whole(x.points, "points", 2, 10_001)?;
            let points = or_default(points, 101, &path("points"), "leverlab's default: 101 points", assumed);
            let range = finite(x.range, "range")?;
            let range = if x.fit == Some(true) {
                let pre = stress::stress_curve(s, x.symbol.as_deref(), 0.5, 3)?;
                let r = stress::fit_range(&pre);
                assumed.push(Assumption::new(path("range"), r, "fit: 1.35 × the farthest liquidation point's move, clamped to 10 %…95 %"));
                r
            } else {
                or_default(range, 0.5, &path("range"), "leverlab's default: moves from −50 % to +50 %", assumed)
            };
            let r = stress::stress_curve(s, x.symbol.as_deref(), range, points as usize)?;
            let applied = st::Stress { symbol: x.symbol.clone(), range: Some(range), points: Some(points), fit: None };
            done(Analysis::Stress(applied), Outcome::Stress(r))
        }
        Analysis::Grid(x) => {
            let range = or_default(finite(x.range, "range")?, 0.16, &path("range"), "CME SPAN / Deribit-style default: ±16 %", assumed);
            let steps = or_default(whole(x.steps, "steps", 3, 101)?, 9, &path("steps"), "CME SPAN / Deribit-style default: 9 steps", assumed);
            let surface = match (&x.x, &x.y) {
                (Some(a), Some(b)) => Some((a.as_str(), b.as_str())),
                (None, None) => None,
                (Some(_), None) => return Err(FieldError::new("y", "give `y` together with `x`").into()),
                (None, Some(_)) => return Err(FieldError::new("x", "give `x` together with `y`").into()),
            };
            let r = stress::scenario_grid(s, range, steps as usize, surface)?;
            done(Analysis::Grid(st::Grid { range: Some(range), steps: Some(steps), ..x.clone() }), Outcome::Grid(r))
        }
        Analysis::Probability(x) => {
            let h = hz(s, x.horizon, &path("horizon"), assumed)?;
            let paths = whole(x.paths, "paths", 1, 10_000_000)?;
            let steps = whole(x.steps, "steps", 1, MAX_STEPS as u64)?;
            let seed = whole(x.seed, "seed", 0, u64::from(u32::MAX))?;
            let no_bridge = x.no_bridge.unwrap_or(false);
            let mc = x.monte_carlo.unwrap_or(false) || paths.is_some() || steps.is_some() || seed.is_some() || no_bridge;
            let (e, more) = effective(s, Needs { volatility: true, ..Needs::default() });
            assumed.extend(more);
            let d = McSettings::default();
            let mcs = mc.then(|| McSettings {
                paths: or_default(paths, d.paths, &path("paths"), "leverlab's default: 10,000 paths", assumed),
                steps: or_default(steps, u64::from(d.steps), &path("steps"), "leverlab's default: 1,000 steps", assumed) as u32,
                seed: or_default(seed, d.seed, &path("seed"), "leverlab's default seed: 1", assumed),
                bridge: !no_bridge,
            });
            let settings = ProbabilitySettings {
                horizon_days: h,
                monte_carlo: mcs,
                curves: x.curves.unwrap_or(false),
                ignore_funding: x.no_funding.unwrap_or(false),
            };
            let applied = Analysis::Probability(st::Probability {
                horizon: Some(h),
                monte_carlo: Some(mc),
                paths: mcs.map(|m| m.paths),
                steps: mcs.map(|m| u64::from(m.steps)),
                seed: mcs.map(|m| m.seed),
                ..x.clone()
            });
            match mcs {
                None => done(applied, Outcome::Probability(probability::probability_with_mc(&e, &settings, None)?)),
                Some(m) => {
                    let setup = probability::monte_carlo_setup(&e, h, m, settings.ignore_funding)?;
                    let run = McRun { scenario: e, settings, mc: m, setup, partial: McPartial::default(), done: 0, reported: false };
                    Ok((applied, Started::MonteCarlo(Box::new(run))))
                }
            }
        }
        Analysis::Band(x) => {
            let h = hz(s, x.horizon, &path("horizon"), assumed)?;
            done(Analysis::Band(st::Band { horizon: Some(h) }), Outcome::Band(band::band(s, h)?))
        }
        Analysis::Carry(x) => {
            let points = or_default(whole(x.points, "points", 2, 1001)?, 25, &path("points"), "leverlab's default: 25 points", assumed);
            let h = hz(s, x.horizon, &path("horizon"), assumed)?;
            let r = carry::carry(s, h, points as usize)?;
            done(Analysis::Carry(st::Carry { horizon: Some(h), points: Some(points) }), Outcome::Carry(r))
        }
        Analysis::Recommend(x) => {
            let d = RecommendSettings::default();
            let confidence =
                or_default(finite(x.confidence, "confidence")?, d.confidence, &path("confidence"), "leverlab's default confidence", assumed);
            let latency =
                or_default(finite(x.latency, "latency")?, d.latency_minutes, &path("latency"), "leverlab's default latency in minutes", assumed);
            let target =
                or_default(finite(x.target, "target")?, d.target_probability, &path("target"), "leverlab's default target probability", assumed);
            let h = hz(s, x.horizon, &path("horizon"), assumed)?;
            let (e, more) = effective(s, Needs { volatility: true, ..Needs::default() });
            assumed.extend(more);
            let r = recommend::recommend(
                &e,
                &RecommendSettings { confidence, latency_minutes: latency, target_probability: target, horizon_days: h },
            )?;
            let applied =
                st::Recommend { confidence: Some(confidence), latency: Some(latency), target: Some(target), horizon: Some(h) };
            done(Analysis::Recommend(applied), Outcome::Recommend(r))
        }
        Analysis::Greeks(_) => done(a.clone(), Outcome::Greeks(greeks::greeks(s)?)),
        Analysis::Venues(_) => done(a.clone(), Outcome::Venues(venues(s))),
        Analysis::Map(x) => {
            let bins = or_default(whole(x.bins, "bins", 1, 100_000)?, 150, &path("bins"), "leverlab's default: 150 bins", assumed);
            let range = or_default(finite(x.range, "range")?, 0.5, &path("range"), "leverlab's default: ±50 % around the price", assumed);
            let book = book(s, x.csv_text.as_deref(), x.loans_csv_text.as_deref(), ctx, assumed)?;
            let user = user_report(s)?.map(|r| UserMark::from_report(&r)).unwrap_or_default();
            let m = liquidation_map(&book.levels, bins as usize, range, user)?;
            done(Analysis::Map(st::Map { bins: Some(bins), range: Some(range), ..x.clone() }), Outcome::Map(m))
        }
        Analysis::Cascade(x) => {
            let run_sweep = x.sweep.unwrap_or(false);
            let run_sens = x.sensitivity.unwrap_or(false);
            let shock = finite(x.shock, "shock")?;
            if shock.is_none() && !run_sweep && !run_sens {
                return Err(FieldError::new("shock", "required (e.g. -0.05 for a 5 % drop), unless `sweep` or `sensitivity` is given").into());
            }
            let so = sweep_options(x.max_shock, x.steps, x.threshold, run_sweep || run_sens, &path, assumed)?;
            let max_path = match shock {
                Some(_) => Some(or_default(x.max_path, 1000, &path("max_path"), "leverlab's default: 1,000 rounds kept", assumed)),
                None => x.max_path,
            };
            let out = cascade(s, (x.csv_text.as_deref(), x.loans_csv_text.as_deref()), shock, max_path.unwrap_or(1000), run_sweep, run_sens, &so, ctx, assumed)?;
            let applied = st::Cascade {
                shock,
                sweep: x.sweep,
                sensitivity: x.sensitivity,
                max_shock: (run_sweep || run_sens).then_some(so.max_shock),
                steps: (run_sweep || run_sens).then_some(so.steps as u64),
                threshold: (run_sweep || run_sens).then_some(so.threshold),
                max_path,
                csv_text: x.csv_text.clone(),
                loans_csv_text: x.loans_csv_text.clone(),
            };
            done(Analysis::Cascade(applied), Outcome::Cascade(out))
        }
        Analysis::Sweep(x) => {
            let so = sweep_options(x.max_shock, x.steps, x.threshold, true, &path, assumed)?;
            let out = cascade(s, (x.csv_text.as_deref(), x.loans_csv_text.as_deref()), None, 1000, true, false, &so, ctx, assumed)?;
            let applied = st::Sweep {
                max_shock: Some(so.max_shock),
                steps: Some(so.steps as u64),
                threshold: Some(so.threshold),
                csv_text: x.csv_text.clone(),
                loans_csv_text: x.loans_csv_text.clone(),
            };
            done(Analysis::Sweep(applied), Outcome::Sweep(out))
        }
        Analysis::Liquidate(x) => {
            let r = lending::liquidate(s, x.collateral.as_deref(), x.debt.as_deref(), finite(x.amount, "amount")?)?;
            done(a.clone(), Outcome::Liquidate(r))
        }
        Analysis::Loop(x) => {
            let leverage = finite(x.leverage, "leverage")?
                .ok_or_else(|| InputErrors::from(FieldError::new("leverage", "give the target leverage (collateral ÷ equity, e.g. 3)")))?;
            let cost = or_default(finite(x.swap_cost, "swap_cost")?, 0.0, &path("swap_cost"), "no swap cost unless given", assumed);
            let r = lending::build_loop(s, x.collateral.as_deref(), x.debt.as_deref(), leverage, cost)?;
            done(Analysis::Loop(st::Loop { swap_cost: Some(cost), ..x.clone() }), Outcome::Loop(r))
        }
        Analysis::Auction(x) => {
            let at = or_default(finite(x.at, "at")?, 0.0, &path("at"), "the moment of the kick", assumed);
            let r = maker::auction(s, AuctionOptions { at, take: finite(x.take, "take")?, max: finite(x.max, "max")? })?;
            done(Analysis::Auction(st::Auction { at: Some(at), ..x.clone() }), Outcome::Auction(r))
        }
        Analysis::Health(x) => {
            let points = whole(x.points, "points", 2, crate::engine::lending::curves::MAX_CURVE_POINTS as u64)?;
            let points = or_default(points, 121, &path("points"), "leverlab's default: 121 points per asset", assumed);
            let range = or_default(finite(x.range, "range")?, 0.5, &path("range"), "leverlab's default: each price ±50 % (widened to show a liquidation price within 95 %)", assumed);
            let r = crate::engine::lending::curves::health_curves(s, range, points as usize)?;
            done(Analysis::Health(st::Health { range: Some(range), points: Some(points) }), Outcome::Health(r))
        }
        Analysis::CompareLending(x) => {
            let o = CompareOptions { lltv: finite(x.lltv, "lltv")?, mat: finite(x.mat, "mat")?, chop: finite(x.chop, "chop")? };
            done(a.clone(), Outcome::CompareLending(protocol::compare_lending(s, o)?))
        }
        Analysis::Pnl(x) => {
            let price = finite(x.price, "price")?.ok_or_else(|| InputErrors::from(FieldError::new("price", "give the exit price")))?;
            done(a.clone(), Outcome::Pnl(tools::pnl_at(s, price, x.position.map(|p| p as f64))?))
        }
        Analysis::Target(x) => {
            let r = tools::target_price(s, finite(x.roe, "roe")?, finite(x.pnl, "pnl")?, x.position.map(|p| p as f64))?;
            done(a.clone(), Outcome::Target(r))
        }
        Analysis::AverageEntry(_) => done(a.clone(), Outcome::AverageEntry(tools::average_entry(s)?)),
        Analysis::MaxSize(x) => {
            let r = tools::max_size(s, finite(x.balance, "balance")?, finite(x.leverage, "leverage")?, x.position.map(|p| p as f64))?;
            done(a.clone(), Outcome::MaxSize(r))
        }
        Analysis::Margin(x) => {
            done(a.clone(), Outcome::Margin(tools::add_margin(s, finite(x.add, "add")?, x.position.map(|p| p as f64))?))
        }
        Analysis::Payoff(x) => {
            let points = or_default(whole(x.points, "points", 2, 10_001)?, 101, &path("points"), "leverlab's default: 101 points", assumed);
            let range = or_default(finite(x.range, "range")?, 0.5, &path("range"), "leverlab's default: ±50 %", assumed);
            let r = crate::engine::portfolio::payoff_curve(s, range, points as usize)?;
            done(Analysis::Payoff(st::Payoff { range: Some(range), points: Some(points) }), Outcome::Payoff(r))
        }
        Analysis::Collateral(x) => {
            let points = or_default(whole(x.points, "points", 2, 201)?, 21, &path("points"), "leverlab's default: 21 points per axis", assumed);
            let r = crate::engine::collateral::collateral_report(s, points as usize)?;
            done(Analysis::Collateral(st::Collateral { points: Some(points) }), Outcome::Collateral(r))
        }
        Analysis::Portfolio(_) => done(a.clone(), Outcome::Portfolio(crate::engine::portfolio::answer(s)?)),
    }
}

/// The sweep settings with their defaults (listed only when the sweep runs).
fn sweep_options(
    max_shock: Option<f64>,
    steps: Option<u64>,
    threshold: Option<f64>,
    used: bool,
    path: &dyn Fn(&str) -> String,
    assumed: &mut Vec<Assumption>,
) -> Result<SweepOptions, InputErrors> {
    let d = SweepOptions::default();
    let mut sink = Vec::new();
    let out = if used { &mut *assumed } else { &mut sink };
    let so = SweepOptions {
        max_shock: or_default(finite(max_shock, "max_shock")?, d.max_shock, &path("max_shock"), "leverlab's default largest shock swept", out),
        steps: or_default(steps.map(|s| s as usize), d.steps, &path("steps"), "leverlab's default shocks per direction", out),
        threshold: or_default(finite(threshold, "threshold")?, d.threshold, &path("threshold"), "leverlab's default runaway amplification", out),
    };
    so.validate()?;
    Ok(so)
}

/// The market book of `s` (with the defaults it needs) and the CSV positions, built once per
/// request.
fn book<'a>(
    s: &Scenario,
    csv_text: Option<&str>,
    loans_csv_text: Option<&str>,
    ctx: &'a mut Ctx,
    assumed: &mut Vec<Assumption>,
) -> Result<&'a Book, InputErrors> {
    let key = (csv_text.map(str::to_string), loans_csv_text.map(str::to_string));
    if ctx.book.as_ref().is_some_and(|b| b.key == key) {
        let b = ctx.book.as_ref().expect("checked above");
        assumed.extend(b.assumptions.iter().cloned());
        return Ok(b);
    }
    let imported = match csv_text {
        Some(t) => parse_positions_csv(t)?,
        None => Vec::new(),
    };
    // The loans of the CSV join `market.loans`, so every later step (the levels, the
    // sensitivity's rebuilds, the ceiling on loans) sees them as given loans.
    let mut with_loans = s.clone();
    if let Some(t) = loans_csv_text {
        let loans = parse_loans_csv(t).map_err(|e| e.map_paths(|p| format!("loans_{p}")))?;
        with_loans.market.get_or_insert_with(Default::default).book.loans.extend(loans);
    }
    let (e, more) = effective(&with_loans, Needs { book: true, imported: !imported.is_empty(), ..Needs::default() });
    let levels = market_levels(&e, &imported, 1.0)?;
    let depth = e.market.as_ref().and_then(|m| m.book.depth.clone()).unwrap_or_else(super::defaults::default_depth);
    let impact = Impact::new(&depth);
    assumed.extend(more.iter().cloned());
    ctx.book = Some(Book { key, scenario: e, levels, impact, imported, assumptions: more });
    Ok(ctx.book.as_ref().expect("just set"))
}

#[allow(clippy::too_many_arguments)]
fn cascade(
    s: &Scenario,
    csv: (Option<&str>, Option<&str>),
    shock: Option<f64>,
    max_path: u64,
    run_sweep: bool,
    run_sens: bool,
    so: &SweepOptions,
    ctx: &mut Ctx,
    assumed: &mut Vec<Assumption>,
) -> Result<CascadeOutput, InputErrors> {
    let b = book(s, csv.0, csv.1, ctx, assumed)?;
    let cascade = match shock {
        Some(shock) => Some(simulate(&b.levels, &b.impact, shock, max_path as usize)?),
        None => None,
    };
    let swept = if run_sweep { Some(sweep(&b.levels, &b.impact, so)?) } else { None };
    let sens = if run_sens { Some(sensitivity(&b.scenario, &b.imported, &b.levels, &b.impact, so)?) } else { None };
    let user = user_report(s)?.map(|r| user_cascade(&b.levels, &b.impact, &r)).unwrap_or_default();
    Ok(CascadeOutput {
        cascade,
        critical_shock: swept.as_ref().map(|w| CriticalPair { down: w.down.critical.clone(), up: w.up.critical.clone() }),
        sweep: swept,
        sensitivity: sens,
        user_positions: user,
        market: b.levels.summary.clone(),
        funding_signal: b.levels.funding.clone(),
    })
}

/// The Scenario under every exchange preset: each position keeps the contract type it has
/// under the current venue (so `size` keeps its meaning), everything else as entered.
pub fn venues(s: &Scenario) -> Vec<VenueRow> {
    let mut base = s.clone();
    for p in base.positions.iter_mut() {
        p.contract = Some(s.contract_of(p));
    }
    Venue::ALL
        .iter()
        .map(|&v| {
            let mut t = base.clone();
            t.venue = v;
            match evaluate(&t) {
                Ok(r) => VenueRow { venue: v, report: Some(r), errors: Vec::new() },
                Err(e) => VenueRow { venue: v, report: None, errors: e.0 },
            }
        })
        .collect()
}
