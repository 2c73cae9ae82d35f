//! Front-door entries of the analytics for [`crate::api::COMMANDS`]: each declares its
//! options, reads them (errors name the setting, e.g. `range`), runs one analysis and returns its
//! typed result as JSON. Help texts live beside this file in `help/`.

use serde::Serialize;
use serde_json::Value;

use crate::api::{flag, num, opt_bool, opt_f64, text, to_json, whole, CmdResult, Opt, Options};
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

/// The options of `stress`.
pub const STRESS_OPTIONS: &[Opt] = &[text("symbol"), num("range"), whole("points")];
/// The options of `grid`.
pub const GRID_OPTIONS: &[Opt] = &[num("range"), whole("steps"), text("x"), text("y")];
/// The options of `probability`.
pub const PROBABILITY_OPTIONS: &[Opt] = &[
    num("horizon"),
    flag("monte_carlo"),
    whole("paths"),
    whole("steps"),
    whole("seed"),
    flag("no_bridge"),
    flag("curves"),
    flag("no_funding"),
];
/// The options of `band`.
pub const BAND_OPTIONS: &[Opt] = &[num("horizon")];
/// The options of `carry`.
pub const CARRY_OPTIONS: &[Opt] = &[num("horizon"), whole("points")];
/// The options of `recommend`.
pub const RECOMMEND_OPTIONS: &[Opt] = &[num("confidence"), num("latency"), num("target"), num("horizon")];

/// Reads an optional text option (a number given on the command line is taken as its text).
///
/// # Errors
/// `--name` when the value is neither text nor a number.
pub fn opt_str(opts: &Options, name: &str) -> Result<Option<String>, InputErrors> {
    match opts.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(FieldError::new(name, "must be text").into()),
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
        Some(_) => Err(FieldError::new(name, format!("must be a whole number from {lo} to {hi}")).into()),
    }
}

/// The horizon: `--horizon`, else `market.horizon_days`, else 7 days.
fn horizon(s: &Scenario, opts: &Options) -> Result<f64, InputErrors> {
    let h = opt_f64(opts, "horizon")?.map(|h| check_horizon("horizon", h)).transpose()?;
    Ok(horizon_days(s, h))
}

fn json<T: Serialize>(r: Result<T, InputErrors>) -> CmdResult {
    r.map(|v| to_json(&v))
}

/// `leverlab stress`: [`stress::stress_curve`].
pub fn stress_cmd(s: &Scenario, opts: &Options) -> CmdResult {
    let symbol = opt_str(opts, "symbol")?;
    let range = opt_f64(opts, "range")?.unwrap_or(0.5);
    let points = opt_uint(opts, "points", 2, 10_001)?.unwrap_or(101) as usize;
    json(stress::stress_curve(s, symbol.as_deref(), range, points))
}

/// `leverlab grid`: [`stress::scenario_grid`].
pub fn grid_cmd(s: &Scenario, opts: &Options) -> CmdResult {
    let range = opt_f64(opts, "range")?.unwrap_or(0.16);
    let steps = opt_uint(opts, "steps", 3, 101)?.unwrap_or(9) as usize;
    let (x, y) = (opt_str(opts, "x")?, opt_str(opts, "y")?);
    let surface = match (&x, &y) {
        (Some(x), Some(y)) => Some((x.as_str(), y.as_str())),
        (None, None) => None,
        (Some(_), None) => return Err(FieldError::new("y", "give `y` together with `x`").into()),
        (None, Some(_)) => return Err(FieldError::new("x", "give `x` together with `y`").into()),
    };
    json(stress::scenario_grid(s, range, steps, surface))
}

/// `leverlab probability`: [`probability::probability`].
pub fn probability_cmd(s: &Scenario, opts: &Options) -> CmdResult {
    let horizon_days = horizon(s, opts)?;
    let d = McSettings::default();
    let paths = opt_uint(opts, "paths", 1, 10_000_000)?;
    let steps = opt_uint(opts, "steps", 1, crate::engine::analytics::montecarlo::MAX_STEPS as u64)?;
    let seed = opt_uint(opts, "seed", 0, u64::from(u32::MAX))?;
    let no_bridge = opt_bool(opts, "no_bridge")?;
    let mc = opt_bool(opts, "monte_carlo")? || paths.is_some() || steps.is_some() || seed.is_some() || no_bridge;
    let settings = ProbabilitySettings {
        horizon_days,
        monte_carlo: mc.then(|| McSettings {
            paths: paths.unwrap_or(d.paths),
            steps: steps.map_or(d.steps, |x| x as u32),
            seed: seed.unwrap_or(d.seed),
            bridge: !no_bridge,
        }),
        curves: opt_bool(opts, "curves")?,
        ignore_funding: opt_bool(opts, "no_funding")?,
    };
    let mut progress = |done, total| crate::api::progress::report("Monte Carlo paths", done, total);
    json(probability::probability_with_progress(s, &settings, &mut progress))
}

/// `leverlab band`: [`band::band`].
pub fn band_cmd(s: &Scenario, opts: &Options) -> CmdResult {
    json(band::band(s, horizon(s, opts)?))
}

/// `leverlab carry`: [`carry::carry`].
pub fn carry_cmd(s: &Scenario, opts: &Options) -> CmdResult {
    let points = opt_uint(opts, "points", 2, 1001)?.unwrap_or(25) as usize;
    json(carry::carry(s, horizon(s, opts)?, points))
}

/// `leverlab recommend`: [`recommend::recommend`].
pub fn recommend_cmd(s: &Scenario, opts: &Options) -> CmdResult {
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
pub fn greeks_cmd(s: &Scenario, _opts: &Options) -> CmdResult {
    json(greeks::greeks(s))
}
