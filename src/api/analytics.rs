//! Front-door entries of the analytics for [`crate::api::COMMANDS`]: each reads and checks
//! its options (errors name the option, e.g. `--range`), runs one analysis and returns its
//! typed result as JSON. Help texts live beside this file in `help/`.

use serde::Serialize;
use serde_json::Value;

use crate::api::{opt_bool, opt_f64, to_json, CmdResult, Options};
use crate::engine::analytics::probability::{self, McSettings, ProbabilitySettings};
use crate::engine::analytics::recommend::{self, RecommendSettings};
use crate::engine::analytics::{band, carry, check_horizon, greeks, horizon_days, stress};
use crate::engine::{FieldError, InputErrors, Scenario};

pub const STRESS_HELP: &str = include_str!("help/stress.txt");
pub const GRID_HELP: &str = include_str!("help/grid.txt");
pub const PROBABILITY_HELP: &str = include_str!("help/probability.txt");
pub const BAND_HELP: &str = include_str!("help/band.txt");
pub const CARRY_HELP: &str = include_str!("help/carry.txt");
pub const RECOMMEND_HELP: &str = include_str!("help/recommend.txt");
pub const GREEKS_HELP: &str = include_str!("help/greeks.txt");

/// Rejects options the command does not know.
///
/// # Errors
/// One [`FieldError`] per unknown `--option`, listing the known ones.
pub fn check_known(opts: &Options, known: &[&str]) -> Result<(), InputErrors> {
    let errors: Vec<FieldError> = opts
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| {
            let list = if known.is_empty() {
                "this command takes no options".to_string()
            } else {
                format!("known options: {}", known.iter().map(|o| format!("--{o}")).collect::<Vec<_>>().join(", "))
            };
            FieldError::new(format!("--{k}"), format!("unknown option; {list}"))
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(InputErrors(errors))
    }
}

/// Reads an optional text option (a number given on the command line is taken as its text).
///
/// # Errors
/// `--name` when the value is neither text nor a number.
pub fn opt_str(opts: &Options, name: &str) -> Result<Option<String>, InputErrors> {
    match opts.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(FieldError::new(format!("--{name}"), "must be text").into()),
    }
}

/// Reads an optional whole number in `[lo, hi]`.
///
/// # Errors
/// `--name` when present but not a whole number in range.
pub fn opt_uint(opts: &Options, name: &str, lo: u64, hi: u64) -> Result<Option<u64>, InputErrors> {
    match opt_f64(opts, name)? {
        None => Ok(None),
        Some(x) if x.fract() == 0.0 && x >= lo as f64 && x <= hi as f64 => Ok(Some(x as u64)),
        Some(_) => Err(FieldError::new(format!("--{name}"), format!("must be a whole number from {lo} to {hi}")).into()),
    }
}

/// The horizon: `--horizon`, else `market.horizon_days`, else 7 days.
fn horizon(s: &Scenario, opts: &Options) -> Result<f64, InputErrors> {
    let h = opt_f64(opts, "horizon")?.map(|h| check_horizon("--horizon", h)).transpose()?;
    Ok(horizon_days(s, h))
}

fn json<T: Serialize>(r: Result<T, InputErrors>) -> CmdResult {
    r.map(|v| to_json(&v))
}

/// `leverlab stress`: [`stress::stress_curve`].
pub fn stress_cmd(s: &Scenario, opts: &Options) -> CmdResult {
    check_known(opts, &["symbol", "range", "points"])?;
    let symbol = opt_str(opts, "symbol")?;
    let range = opt_f64(opts, "range")?.unwrap_or(0.5);
    let points = opt_uint(opts, "points", 2, 10_001)?.unwrap_or(101) as usize;
    json(stress::stress_curve(s, symbol.as_deref(), range, points))
}

/// `leverlab grid`: [`stress::scenario_grid`].
pub fn grid_cmd(s: &Scenario, opts: &Options) -> CmdResult {
    check_known(opts, &["range", "steps", "x", "y"])?;
    let range = opt_f64(opts, "range")?.unwrap_or(0.16);
    let steps = opt_uint(opts, "steps", 3, 101)?.unwrap_or(9) as usize;
    let (x, y) = (opt_str(opts, "x")?, opt_str(opts, "y")?);
    let surface = match (&x, &y) {
        (Some(x), Some(y)) => Some((x.as_str(), y.as_str())),
        (None, None) => None,
        (Some(_), None) => return Err(FieldError::new("--y", "give --y together with --x").into()),
        (None, Some(_)) => return Err(FieldError::new("--x", "give --x together with --y").into()),
    };
    json(stress::scenario_grid(s, range, steps, surface))
}

/// `leverlab probability`: [`probability::probability`].
pub fn probability_cmd(s: &Scenario, opts: &Options) -> CmdResult {
    check_known(opts, &["horizon", "monte-carlo", "paths", "steps", "seed", "no-bridge", "curves", "no-funding"])?;
    let horizon_days = horizon(s, opts)?;
    let d = McSettings::default();
    let paths = opt_uint(opts, "paths", 1, 10_000_000)?;
    let steps = opt_uint(opts, "steps", 1, crate::engine::analytics::montecarlo::MAX_STEPS as u64)?;
    let seed = opt_uint(opts, "seed", 0, u64::from(u32::MAX))?;
    let no_bridge = opt_bool(opts, "no-bridge")?;
    let mc = opt_bool(opts, "monte-carlo")? || paths.is_some() || steps.is_some() || seed.is_some() || no_bridge;
    let settings = ProbabilitySettings {
        horizon_days,
        monte_carlo: mc.then(|| McSettings {
            paths: paths.unwrap_or(d.paths),
            steps: steps.map_or(d.steps, |x| x as u32),
            seed: seed.unwrap_or(d.seed),
            bridge: !no_bridge,
        }),
        curves: opt_bool(opts, "curves")?,
        ignore_funding: opt_bool(opts, "no-funding")?,
    };
    json(probability::probability(s, &settings))
}

/// `leverlab band`: [`band::band`].
pub fn band_cmd(s: &Scenario, opts: &Options) -> CmdResult {
    check_known(opts, &["horizon"])?;
    json(band::band(s, horizon(s, opts)?))
}

/// `leverlab carry`: [`carry::carry`].
pub fn carry_cmd(s: &Scenario, opts: &Options) -> CmdResult {
    check_known(opts, &["horizon", "points"])?;
    let points = opt_uint(opts, "points", 2, 1001)?.unwrap_or(25) as usize;
    json(carry::carry(s, horizon(s, opts)?, points))
}

/// `leverlab recommend`: [`recommend::recommend`].
pub fn recommend_cmd(s: &Scenario, opts: &Options) -> CmdResult {
    check_known(opts, &["confidence", "latency", "target", "horizon"])?;
    let d = RecommendSettings::default();
    let st = RecommendSettings {
        confidence: opt_f64(opts, "confidence")?.unwrap_or(d.confidence),
        latency_minutes: opt_f64(opts, "latency")?.unwrap_or(d.latency_minutes),
        target_probability: opt_f64(opts, "target")?.unwrap_or(d.target_probability),
        horizon_days: horizon(s, opts)?,
    };
    json(recommend::recommend(s, &st))
}

/// `leverlab greeks`: [`greeks::greeks`].
pub fn greeks_cmd(s: &Scenario, opts: &Options) -> CmdResult {
    check_known(opts, &[])?;
    json(greeks::greeks(s))
}
