//! The command table shared by the front doors: the CLI (`leverlab <command> FILE`) and the
//! JS API (`run(command, scenario, options)`) both look commands up here, so a command behaves
//! the same wherever it is called from.
//!
//! A command takes a validated [`Scenario`] and [`Options`] and returns JSON, or the input
//! problems it found (each naming its field).

pub mod analytics;
pub mod cascade;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::engine::{self, FieldError, InputErrors, Scenario};

/// Command options: CLI flags `--shock -0.05 --sweep` become `{"shock": -0.05, "sweep": true}`;
/// the JS API passes an object.
pub type Options = Map<String, Value>;

/// What a command returns.
pub type CmdResult = Result<Value, InputErrors>;

/// One command of the front doors.
pub struct Command {
    pub name: &'static str,
    /// One line for the command list.
    pub summary: &'static str,
    /// The full `--help` text: arguments, options and every output field.
    pub help: &'static str,
    pub run: fn(&Scenario, &Options) -> CmdResult,
}

/// Every command, in the order `leverlab --help` lists them.
pub const COMMANDS: &[Command] = &[Command {
    name: "eval",
    summary: "Liquidation prices, margins and account totals (the Report)",
    help: include_str!("help/eval_help.txt"),
    run: |s, _| engine::evaluate(s).map(|r| to_json(&r)),
},
Command {
    name: "pnl",
    summary: "PnL and ROE of each position at an exit price (--price)",
    help: include_str!("help/pnl_help.txt"),
    run: |s, o| {
        let price = opt_f64(o, "price")?
            .ok_or_else(|| InputErrors::from(FieldError::new("--price", "give the exit price")))?;
        engine::tools::pnl_at(s, price, opt_f64(o, "position")?).map(|r| to_json(&r))
    },
},
Command {
    name: "target",
    summary: "Exit price for a target ROE (--roe) or PnL (--pnl)",
    help: include_str!("help/target_help.txt"),
    run: |s, o| {
        engine::tools::target_price(s, opt_f64(o, "roe")?, opt_f64(o, "pnl")?, opt_f64(o, "position")?)
            .map(|r| to_json(&r))
    },
},
Command {
    name: "average-entry",
    summary: "Average entry of several fills, merged and evaluated",
    help: include_str!("help/average_entry_help.txt"),
    run: |s, _| engine::tools::average_entry(s).map(|r| to_json(&r)),
},
Command {
    name: "max-size",
    summary: "Largest openable size for a balance and leverage (tier-aware)",
    help: include_str!("help/max_size_help.txt"),
    run: |s, o| {
        engine::tools::max_size(s, opt_f64(o, "balance")?, opt_f64(o, "leverage")?, opt_f64(o, "position")?)
            .map(|r| to_json(&r))
    },
},
Command {
    name: "margin",
    summary: "Liquidation price before/after adding or removing isolated margin (--add)",
    help: include_str!("help/margin_help.txt"),
    run: |s, o| engine::tools::add_margin(s, opt_f64(o, "add")?, opt_f64(o, "position")?).map(|r| to_json(&r)),
},
Command {
    name: "stress",
    summary: "Stress curve: equity, margin ratio and PnL over a price move, liquidation markers",
    help: analytics::STRESS_HELP,
    run: analytics::stress_cmd,
},
Command {
    name: "grid",
    summary: "SPAN/Deribit-style scenario grid and two-symbol surface: worst loss, liquidations",
    help: analytics::GRID_HELP,
    run: analytics::grid_cmd,
},
Command {
    name: "probability",
    summary: "Probability and median time to liquidation (closed form, optional Monte Carlo)",
    help: analytics::PROBABILITY_HELP,
    run: analytics::probability_cmd,
},
Command {
    name: "band",
    summary: "Liquidation band: spread, next tier, fees, funding and slippage to bankruptcy",
    help: analytics::BAND_HELP,
    run: analytics::band_cmd,
},
Command {
    name: "carry",
    summary: "Funding carry per hour/day, liquidation-price drift, time to liquidation by funding",
    help: analytics::CARRY_HELP,
    run: analytics::carry_cmd,
},
Command {
    name: "recommend",
    summary: "Maintenance rate for the latency move (normal, fat-tailed) and max leverage for a target",
    help: analytics::RECOMMEND_HELP,
    run: analytics::recommend_cmd,
},
Command {
    name: "greeks",
    summary: "Delta (base, USD), inverse gamma, funding theta, effective leverage",
    help: analytics::GREEKS_HELP,
    run: analytics::greeks_cmd,
},
Command {
    name: "map",
    summary: "Market liquidation map: notional by price level, cumulative curves, your liquidation prices",
    help: cascade::MAP_HELP,
    run: cascade::map_cmd,
},
Command {
    name: "cascade",
    summary: "Liquidation cascade from a shock (--shock), amplification curve and critical shock (--sweep)",
    help: cascade::CASCADE_HELP,
    run: cascade::cascade_cmd,
}];

/// Looks a command up by name.
pub fn command(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// Serialises a result for output. Reports contain only finite numbers and `null`s, so this
/// cannot fail in practice; a failure is still reported rather than panicking.
pub fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }))
}

/// Reads an optional number option.
///
/// # Errors
/// A [`FieldError`] at `--name` when the option is present but not a finite number.
pub fn opt_f64(opts: &Options, name: &str) -> Result<Option<f64>, InputErrors> {
    match opts.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_f64() {
            Some(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(FieldError::new(format!("--{name}"), "must be a finite number").into()),
        },
    }
}

/// Reads an optional flag (`--sweep`, or `true`/`false` from JS).
///
/// # Errors
/// A [`FieldError`] at `--name` when the option is present but not a boolean.
pub fn opt_bool(opts: &Options, name: &str) -> Result<bool, InputErrors> {
    match opts.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(FieldError::new(format!("--{name}"), "must be true or false").into()),
    }
}
