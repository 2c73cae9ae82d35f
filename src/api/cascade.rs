//! Front-door entries of the cascade for [`crate::api::COMMANDS`]: `map` and `cascade`. Each
//! declares its options and reads them into a typed struct (errors name the setting, e.g.
//! `shock`), runs the
//! pure functions of this module and returns the typed result as JSON. Help texts live beside
//! this file in `help/`.
//!
//! `--csv PATH` is the one place that touches the file system (native CLI only); the JS API
//! passes the CSV text itself as `csv_text`.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use serde_json::Value;

use crate::engine::cascade::{
    liquidation_map, market_levels, parse_loans_csv, parse_positions_csv, sensitivity, simulate, sweep, user_cascade, CascadeResult,
    CriticalShock, FundingSignal, Impact, LevelSummary, MarketPosition, Sensitivity, Sweep, SweepOptions,
    UserCascade, UserMark,
};
use crate::api::{flag, num, text, to_json, whole, CmdResult, Opt, Options};
use crate::engine::{evaluate, FieldError, InputErrors, Scenario};

pub const MAP_HELP: &str = include_str!("help/map.txt");
pub const CASCADE_HELP: &str = include_str!("help/cascade.txt");

/// The options of `map`.
pub const MAP_OPTIONS: &[Opt] =
    &[whole("bins"), num("range"), text("csv"), text("csv_text"), text("loans_csv"), text("loans_csv_text")];
/// The options of `cascade`.
pub const CASCADE_OPTIONS: &[Opt] = &[
    num("shock"),
    flag("sweep"),
    num("max_shock"),
    whole("steps"),
    num("threshold"),
    flag("sensitivity"),
    whole("max_path"),
    text("csv"),
    text("csv_text"),
    text("loans_csv"),
    text("loans_csv_text"),
];

/// Reads the command's options (checked against its declaration) into `T`.
fn options<T: for<'de> Deserialize<'de>>(opts: &Options) -> Result<T, InputErrors> {
    let v = Value::Object(opts.clone());
    serde_path_to_error::deserialize(v).map_err(|e| FieldError::new(e.path().to_string(), e.inner().to_string()).into())
}

/// The market positions of `--csv PATH` / `csv_text`.
fn imported(csv: &Option<String>, csv_text: &Option<String>) -> Result<Vec<MarketPosition>, InputErrors> {
    let mut out = Vec::new();
    if let Some(text) = csv_text {
        out.extend(parse_positions_csv(text)?);
    }
    if let Some(path) = csv {
        let text = read_file(path)?;
        out.extend(parse_positions_csv(&text)?);
    }
    Ok(out)
}

/// The Scenario with the loans of `--loans-csv PATH` / `loans_csv_text` added to
/// `market.loans` (borrowed unchanged when neither is given), so every later step (the levels,
/// the sensitivity's rebuilds, the ceiling on loans) sees them as given loans.
fn with_loans<'a>(s: &'a Scenario, path: &Option<String>, text: &Option<String>) -> Result<Cow<'a, Scenario>, InputErrors> {
    let mut loans = Vec::new();
    if let Some(text) = text {
        loans.extend(parse_loans_csv(text).map_err(|e| e.map_paths(|p| format!("loans_{p}")))?);
    }
    if let Some(path) = path {
        let text = read_file(path).map_err(|e| e.map_paths(|_| "loans_csv".to_string()))?;
        loans.extend(parse_loans_csv(&text).map_err(|e| e.map_paths(|p| format!("loans_{p}")))?);
    }
    if loans.is_empty() {
        return Ok(Cow::Borrowed(s));
    }
    let mut owned = s.clone();
    owned.market.get_or_insert_with(Default::default).book.loans.extend(loans);
    Ok(Cow::Owned(owned))
}

#[cfg(not(target_arch = "wasm32"))]
fn read_file(path: &str) -> Result<String, InputErrors> {
    std::fs::read_to_string(path).map_err(|e| FieldError::new("csv", format!("cannot read {path}: {e}")).into())
}

#[cfg(target_arch = "wasm32")]
fn read_file(_path: &str) -> Result<String, InputErrors> {
    Err(FieldError::new("csv", "no file system here: pass the CSV text as `csv_text`").into())
}

/// The user's report, when the Scenario has positions.
fn user_report(s: &Scenario) -> Result<Option<crate::engine::Report>, InputErrors> {
    if s.positions.is_empty() {
        Ok(None)
    } else {
        evaluate(s).map(Some)
    }
}

#[derive(Deserialize)]
struct MapOpts {
    #[serde(default = "default_bins")]
    bins: usize,
    #[serde(default = "default_range")]
    range: f64,
    #[serde(default)]
    csv: Option<String>,
    #[serde(default)]
    csv_text: Option<String>,
    #[serde(default)]
    loans_csv: Option<String>,
    #[serde(default)]
    loans_csv_text: Option<String>,
}

fn default_bins() -> usize {
    150
}

fn default_range() -> f64 {
    0.5
}

/// `leverlab map FILE`: the liquidation map.
///
/// # Errors
/// Option errors, the Scenario's and the market's input errors.
pub fn map_cmd(s: &Scenario, opts: &Options) -> CmdResult {
    let o: MapOpts = options(opts)?;
    let s = &*with_loans(s, &o.loans_csv, &o.loans_csv_text)?;
    let extra = imported(&o.csv, &o.csv_text)?;
    let levels = market_levels(s, &extra, 1.0)?;
    let user = user_report(s)?.map(|r| UserMark::from_report(&r)).unwrap_or_default();
    liquidation_map(&levels, o.bins, o.range, user).map(|m| to_json(&m))
}

#[derive(Deserialize)]
struct CascadeOpts {
    #[serde(default)]
    shock: Option<f64>,
    #[serde(default)]
    sweep: bool,
    #[serde(default)]
    max_shock: Option<f64>,
    #[serde(default)]
    steps: Option<usize>,
    #[serde(default)]
    threshold: Option<f64>,
    #[serde(default)]
    sensitivity: bool,
    #[serde(default)]
    max_path: Option<usize>,
    #[serde(default)]
    csv: Option<String>,
    #[serde(default)]
    csv_text: Option<String>,
    #[serde(default)]
    loans_csv: Option<String>,
    #[serde(default)]
    loans_csv_text: Option<String>,
}

/// The critical shocks of both directions.
#[derive(Serialize)]
struct CriticalPair {
    down: Option<CriticalShock>,
    up: Option<CriticalShock>,
}

#[derive(Serialize)]
struct CascadeOutput {
    #[serde(flatten)]
    cascade: Option<CascadeResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    critical_shock: Option<CriticalPair>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sweep: Option<Sweep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sensitivity: Option<Sensitivity>,
    user_positions: Vec<UserCascade>,
    market: LevelSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    funding_signal: Option<FundingSignal>,
}

/// `leverlab cascade FILE --shock -0.05 [--sweep] [--sensitivity]`.
///
/// # Errors
/// Option errors (`--shock` required unless `--sweep`), the Scenario's and the market's input
/// errors, `market.depth` when no depth is given.
pub fn cascade_cmd(s: &Scenario, opts: &Options) -> CmdResult {
    let o: CascadeOpts = options(opts)?;
    if o.shock.is_none() && !o.sweep && !o.sensitivity {
        return Err(FieldError::new("shock", "required (e.g. -0.05 for a 5 % drop), unless `sweep` or `sensitivity` is given").into());
    }
    let defaults = SweepOptions::default();
    let so = SweepOptions {
        max_shock: o.max_shock.unwrap_or(defaults.max_shock),
        steps: o.steps.unwrap_or(defaults.steps),
        threshold: o.threshold.unwrap_or(defaults.threshold),
    };
    so.validate()?;
    let s = &*with_loans(s, &o.loans_csv, &o.loans_csv_text)?;
    let extra = imported(&o.csv, &o.csv_text)?;
    let levels = market_levels(s, &extra, 1.0)?;
    let depth = s.market.as_ref().and_then(|m| m.book.depth.as_ref()).ok_or_else(|| {
        InputErrors::from(FieldError::new(
            "market.depth",
            "required for the cascade, e.g. {\"model\": \"linear\", \"notional_per_pct\": 4e5}",
        ))
    })?;
    let impact = Impact::new(depth);
    let cascade = match o.shock {
        Some(shock) => Some(simulate(&levels, &impact, shock, o.max_path.unwrap_or(1000))?),
        None => None,
    };
    let swept = if o.sweep { Some(sweep(&levels, &impact, &so)?) } else { None };
    let sens = if o.sensitivity { Some(sensitivity(s, &extra, &levels, &impact, &so)?) } else { None };
    let user = user_report(s)?.map(|r| user_cascade(&levels, &impact, &r)).unwrap_or_default();
    Ok(to_json(&CascadeOutput {
        cascade,
        critical_shock: swept.as_ref().map(|w| CriticalPair { down: w.down.critical.clone(), up: w.up.critical.clone() }),
        sweep: swept,
        sensitivity: sens,
        user_positions: user,
        market: levels.summary.clone(),
        funding_signal: levels.funding.clone(),
    }))
}
