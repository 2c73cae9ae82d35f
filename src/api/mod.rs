//! The command table shared by the front doors: the CLI (`leverlab <command> FILE`) and the
//! JS API (`run(command, scenario, options)`) both look commands up here, so a command behaves
//! the same wherever it is called from.
//!
//! A command takes a validated [`Scenario`] and [`Options`] and returns JSON, or the input
//! problems it found (each naming its field).
//!
//! Every command declares the options it accepts ([`Command::options`], each typed);
//! [`check_options`] refuses unknown options (with a "did you mean" suggestion, or the command
//! they belong to) and values of the wrong type before the command runs. Errors name the
//! *setting* (`shock`); the front door renders it in its own spelling: the CLI as `--shock`
//! ([`cli_name`]), the JS API as `shock`.

pub mod analytics;
pub mod cascade;
pub mod lending;
pub mod portfolio;
pub mod progress;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::engine::{self, FieldError, InputErrors, Scenario};

/// Command options: CLI flags `--shock -0.05 --sweep --max-shock 0.2` become
/// `{"shock": -0.05, "sweep": true, "max_shock": 0.2}`; the JS API passes an object.
pub type Options = Map<String, Value>;

/// The type of an option's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptKind {
    /// A finite number (`--shock -0.05`).
    Number,
    /// A whole number ≥ 0 (`--points 201`, `--position 1`).
    Whole,
    /// A switch: present = true (`--sweep`); JS passes `true`/`false`.
    Flag,
    /// Text (`--symbol BTCUSDT`, `--csv book.csv`).
    Text,
}

/// One option a command accepts: its setting name (snake_case; the CLI writes it
/// `--kebab-case`) and the type of its value.
#[derive(Clone, Copy, Debug)]
pub struct Opt {
    pub name: &'static str,
    pub kind: OptKind,
}

pub(crate) const fn num(name: &'static str) -> Opt {
    Opt { name, kind: OptKind::Number }
}
pub(crate) const fn whole(name: &'static str) -> Opt {
    Opt { name, kind: OptKind::Whole }
}
pub(crate) const fn flag(name: &'static str) -> Opt {
    Opt { name, kind: OptKind::Flag }
}
pub(crate) const fn text(name: &'static str) -> Opt {
    Opt { name, kind: OptKind::Text }
}

/// `--kebab-case` spelling of a setting for the command line.
pub fn cli_name(setting: &str) -> String {
    format!("--{}", setting.replace('_', "-"))
}

/// What a command returns.
pub type CmdResult = Result<Value, InputErrors>;

/// One command of the front doors.
pub struct Command {
    pub name: &'static str,
    /// One line for the command list.
    pub summary: &'static str,
    /// The full `--help` text: arguments, options and every output field.
    pub help: &'static str,
    /// The options it accepts; anything else is an error.
    pub options: &'static [Opt],
    /// Runs it on options already checked by [`check_options`] (call [`run_command`]).
    pub run: fn(&Scenario, &Options) -> CmdResult,
}

impl Command {
    /// The setting names of its options.
    pub fn option_names(&self) -> Vec<&'static str> {
        self.options.iter().map(|o| o.name).collect()
    }

    /// Its declared option `name`, if any.
    pub fn option(&self, name: &str) -> Option<&'static Opt> {
        self.options.iter().find(|o| o.name == name)
    }
}

/// `eval`'s options, read by the command line for books (see `cli::batch`): the account of a
/// CSV or NDJSON book, the output format and fields, and the bad-row policy.
pub const EVAL_OPTIONS: &[Opt] = &[
    text("venue"),
    text("margin_mode"),
    num("wallet_balance"),
    text("format"),
    text("fields"),
    flag("keep_going"),
    text("input_format"),
];

/// Every command, in the order `leverlab --help` lists them.
pub const COMMANDS: &[Command] = &[Command {
    name: "eval",
    summary: "Liquidation prices, margins and account totals (the Report; lending, GMX and Maker reports for those venues)",
    help: include_str!("help/eval_help.txt"),
    options: EVAL_OPTIONS,
    run: |s, o| {
        // The book options belong to the command line's CSV/NDJSON input and output; here the
        // Scenario is evaluated whole, so any of them would be silently meaningless.
        let given: Vec<FieldError> = o
            .keys()
            .map(|k| FieldError::new(k.clone(), "is for `leverlab eval` on books (CSV, NDJSON); here the Scenario gives the account and the Report is returned"))
            .collect();
        InputErrors::check(given)?;
        lending::eval_cmd(s)
    },
},
Command {
    name: "compute",
    summary: "A whole request: the Report and several analyses with their settings and the defaults assumed",
    help: include_str!("help/compute.txt"),
    options: &[],
    run: |s, _| {
        let r = engine::compute::compute(engine::compute::Request { scenario: s.clone(), analyses: None })?;
        Ok(to_json(&r))
    },
},
Command {
    name: "pnl",
    summary: "PnL and ROE of each position at an exit price (--price)",
    help: include_str!("help/pnl_help.txt"),
    options: &[num("price"), whole("position")],
    run: |s, o| analysis(s, "pnl", o),
},
Command {
    name: "target",
    summary: "Exit price for a target ROE (--roe) or PnL (--pnl)",
    help: include_str!("help/target_help.txt"),
    options: &[num("roe"), num("pnl"), whole("position")],
    run: |s, o| analysis(s, "target", o),
},
Command {
    name: "average-entry",
    summary: "Average entry of several fills, merged and evaluated",
    help: include_str!("help/average_entry_help.txt"),
    options: &[],
    run: |s, o| analysis(s, "average-entry", o),
},
Command {
    name: "max-size",
    summary: "Largest openable size for a balance and leverage (tier-aware)",
    help: include_str!("help/max_size_help.txt"),
    options: &[num("balance"), num("leverage"), whole("position")],
    run: |s, o| analysis(s, "max-size", o),
},
Command {
    name: "margin",
    summary: "Liquidation price before/after adding or removing isolated margin (--add)",
    help: include_str!("help/margin_help.txt"),
    options: &[num("add"), whole("position")],
    run: |s, o| analysis(s, "margin", o),
},
Command {
    name: "stress",
    summary: "Stress curve: equity, margin ratio and PnL over a price move, liquidation markers",
    help: analytics::STRESS_HELP,
    options: analytics::STRESS_OPTIONS,
    run: |s, o| analysis(s, "stress", o),
},
Command {
    name: "grid",
    summary: "SPAN/Deribit-style scenario grid and two-symbol surface: worst loss, liquidations",
    help: analytics::GRID_HELP,
    options: analytics::GRID_OPTIONS,
    run: |s, o| analysis(s, "grid", o),
},
Command {
    name: "probability",
    summary: "Probability and median time to liquidation (closed form, optional Monte Carlo)",
    help: analytics::PROBABILITY_HELP,
    options: analytics::PROBABILITY_OPTIONS,
    run: |s, o| analysis(s, "probability", o),
},
Command {
    name: "band",
    summary: "Liquidation band: spread, next tier, fees, funding and slippage to bankruptcy",
    help: analytics::BAND_HELP,
    options: analytics::BAND_OPTIONS,
    run: |s, o| analysis(s, "band", o),
},
Command {
    name: "carry",
    summary: "Funding carry per hour/day, liquidation-price drift, time to liquidation by funding",
    help: analytics::CARRY_HELP,
    options: analytics::CARRY_OPTIONS,
    run: |s, o| analysis(s, "carry", o),
},
Command {
    name: "recommend",
    summary: "Maintenance rate for the latency move (normal, fat-tailed) and max leverage for a target",
    help: analytics::RECOMMEND_HELP,
    options: analytics::RECOMMEND_OPTIONS,
    run: |s, o| analysis(s, "recommend", o),
},
Command {
    name: "greeks",
    summary: "Delta (base, USD), inverse gamma, funding theta, effective leverage; options' price, Greeks, implied vol, Deribit margin",
    help: analytics::GREEKS_HELP,
    options: &[],
    run: |s, o| analysis(s, "greeks", o),
},
Command {
    name: "collateral",
    summary: "Multi-asset collateral: haircut values, loans, collateral value, each asset's liquidation price, two-price surface",
    help: portfolio::COLLATERAL_HELP,
    options: portfolio::COLLATERAL_OPTIONS,
    run: |s, o| analysis(s, "collateral", o),
},
Command {
    name: "portfolio",
    summary: "Portfolio margin (Deribit grid or CME SPAN): every scenario's P&L, the margin-setting one, liquidation move, standard margin beside it",
    help: portfolio::PORTFOLIO_HELP,
    options: &[],
    run: |s, o| analysis(s, "portfolio", o),
},
Command {
    name: "payoff",
    summary: "Option book P&L over a common move: value now and at expiry (the payoff chart)",
    help: portfolio::PAYOFF_HELP,
    options: portfolio::PAYOFF_OPTIONS,
    run: |s, o| analysis(s, "payoff", o),
},
Command {
    name: "map",
    summary: "Market liquidation map: notional by price level, cumulative curves, your liquidation prices",
    help: cascade::MAP_HELP,
    options: cascade::MAP_OPTIONS,
    run: |s, o| analysis(s, "map", o),
},
Command {
    name: "cascade",
    summary: "Liquidation cascade from a shock (--shock), amplification curve and critical shock (--sweep)",
    help: cascade::CASCADE_HELP,
    options: cascade::CASCADE_OPTIONS,
    run: |s, o| analysis(s, "cascade", o),
},
Command {
    name: "liquidate",
    summary: "Aave v3 / Morpho Blue: one liquidation call (close factor, seized collateral, fee, HF after)",
    help: lending::LIQUIDATE_HELP,
    options: lending::LIQUIDATE_OPTIONS,
    run: |s, o| analysis(s, "liquidate", o),
},
Command {
    name: "loop",
    summary: "Aave v3 / Morpho Blue: deposit → borrow → swap → deposit to a target leverage",
    help: lending::LOOP_HELP,
    options: lending::LOOP_OPTIONS,
    run: |s, o| analysis(s, "loop", o),
},
Command {
    name: "auction",
    summary: "Maker: bark, auction price at --at, one take, the path against buyers' depth, three curves",
    help: lending::AUCTION_HELP,
    options: lending::AUCTION_OPTIONS,
    run: |s, o| analysis(s, "auction", o),
},
Command {
    name: "compare-lending",
    summary: "One loan as an Aave loan, a Morpho loan and a Maker vault side by side",
    help: lending::COMPARE_LENDING_HELP,
    options: lending::COMPARE_LENDING_OPTIONS,
    run: |s, o| analysis(s, "compare-lending", o),
},
Command {
    name: "health",
    summary: "A lending account's health factor against each asset's price",
    help: lending::HEALTH_HELP,
    options: lending::HEALTH_OPTIONS,
    run: |s, o| analysis(s, "health", o),
}];

/// Looks a command up by name.
pub fn command(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// Writes every `-0.0` of a result as `0` (the sign of a zero carries no meaning in a
/// report, and `-0` reads as a loss): the output guarantee of the front doors.
pub fn no_negative_zero(v: &mut Value) {
    match v {
        Value::Number(n) if n.as_f64() == Some(0.0) && n.as_f64().is_some_and(f64::is_sign_negative) => {
            *v = Value::from(0.0);
        }
        Value::Array(a) => a.iter_mut().for_each(no_negative_zero),
        Value::Object(m) => m.values_mut().for_each(no_negative_zero),
        _ => {}
    }
}

/// Serialises a result for output. Reports contain only finite numbers and `null`s, so this
/// cannot fail in practice; a failure is still reported rather than panicking.
pub fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }))
}

/// Runs the analysis `name` of the compute entry with the command's options as its settings:
/// what every analysis command does. The options (already checked by [`check_options`]) are
/// the settings by name; `csv` (a file path, CLI only) is read into `csv_text` here, the one
/// place that touches the file system. The output is the analysis's result, with the defaults
/// the engine applied listed under `assumptions` (when the result is an object).
///
/// # Errors
/// The analysis's problems with the setting's own name as the path (`range`, which the CLI
/// writes `--range`); the Scenario's errors.
pub fn analysis(s: &Scenario, name: &str, opts: &Options) -> CmdResult {
    let mut settings = opts.clone();
    settings.retain(|_, v| !v.is_null());
    if let Some(path) = settings.remove("csv") {
        if settings.contains_key("csv_text") {
            return Err(FieldError::new("csv", "give the market CSV once: `csv` (a file) or `csv_text` (its text)").into());
        }
        let path = path.as_str().unwrap_or_default().to_string();
        settings.insert("csv_text".into(), Value::String(read_csv_file(&path)?));
    }
    if let Some(path) = settings.remove("loans_csv") {
        if settings.contains_key("loans_csv_text") {
            return Err(FieldError::new("loans_csv", "give the loans CSV once: `loans_csv` (a file) or `loans_csv_text` (its text)").into());
        }
        let path = path.as_str().unwrap_or_default().to_string();
        let text = read_csv_file(&path).map_err(|e| e.map_paths(|_| "loans_csv".to_string()))?;
        settings.insert("loans_csv_text".into(), Value::String(text));
    }
    let a = engine::compute::analysis_from(name, &settings)?;
    let mut progress = |p: &engine::compute::Progress| {
        if p.name == Some("probability") && p.total > 1 {
            progress::report("Monte Carlo paths", p.done, p.total);
        }
    };
    let prefix = format!("{name}.");
    let entry = engine::compute::compute_one(s, a, &mut progress)
        .map_err(|e| e.map_paths(|p| p.strip_prefix(&prefix).unwrap_or(p).to_string()))?;
    Ok(command_output(&entry))
}

/// A command's output for an entry of the compute entry: the result itself, with the
/// assumptions listed under `assumptions` when the result is an object and there are any.
pub fn command_output(entry: &engine::compute::Entry) -> Value {
    let mut v = match to_json(&entry.result) {
        Value::Object(m) => m.into_iter().next().map(|(_, v)| v).unwrap_or(Value::Null),
        other => other,
    };
    if let (Value::Object(m), false) = (&mut v, entry.assumptions.is_empty()) {
        m.insert("assumptions".into(), to_json(&entry.assumptions));
    }
    v
}

#[cfg(not(target_arch = "wasm32"))]
fn read_csv_file(path: &str) -> Result<String, InputErrors> {
    std::fs::read_to_string(path).map_err(|e| FieldError::new("csv", format!("cannot read {path}: {e}")).into())
}

#[cfg(target_arch = "wasm32")]
fn read_csv_file(_path: &str) -> Result<String, InputErrors> {
    Err(FieldError::new("csv", "no file system here: pass the CSV text as `csv_text`").into())
}

/// Checks options against `cmd`'s declaration and returns them normalised: keys in the
/// setting's snake_case (`max-shock` → `max_shock`), values of their declared type (text from
/// the command line is parsed: `"-0.05"` → -0.05, `"true"` → true).
///
/// # Errors
/// One [`FieldError`] per problem, at the setting's name: an unknown option (with "did you
/// mean", or the commands it belongs to), a value of the wrong type, the same option twice
/// (after normalisation).
pub fn check_options(cmd: &Command, opts: &Options) -> Result<Options, InputErrors> {
    let known = cmd.option_names();
    let mut out = Options::new();
    let mut errors = Vec::new();
    for (key, value) in opts {
        let name = key.replace('-', "_");
        let Some(opt) = cmd.options.iter().find(|o| o.name == name) else {
            errors.push(FieldError::new(name.clone(), unknown_option(cmd, &name, &known)));
            continue;
        };
        if out.contains_key(&name) {
            errors.push(FieldError::new(name, "given twice"));
            continue;
        }
        match typed(opt.kind, value) {
            Some(v) => {
                out.insert(name, v);
            }
            None => errors.push(FieldError::new(name, wrong_type(opt.kind, value))),
        }
    }
    InputErrors::check(errors)?;
    Ok(out)
}

/// The message for an option `cmd` does not declare: "did you mean" a close one, else the
/// commands it belongs to, else `cmd`'s options.
pub fn unknown_option(cmd: &Command, name: &str, known: &[&str]) -> String {
    if let Some(k) = crate::engine::input::suggest(name, known.iter().copied()) {
        return format!("unknown option; did you mean `{k}`?");
    }
    let elsewhere: Vec<&str> =
        COMMANDS.iter().filter(|c| c.options.iter().any(|o| o.name == name)).map(|c| c.name).collect();
    let list = if known.is_empty() {
        format!("{} takes no options", cmd.name)
    } else {
        format!("the options of {} are {}", cmd.name, known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "))
    };
    if elsewhere.is_empty() {
        format!("unknown option; {list}")
    } else {
        format!("not an option of {} (it belongs to {}); {list}", cmd.name, elsewhere.join(", "))
    }
}

/// The value as its declared type, or `None` when it is not of that type.
fn typed(kind: OptKind, v: &Value) -> Option<Value> {
    match (kind, v) {
        (_, Value::Null) => Some(Value::Null),
        (OptKind::Number, Value::Number(n)) => n.as_f64().filter(|x| x.is_finite()).map(Value::from),
        (OptKind::Number, Value::String(t)) => {
            t.trim().parse::<f64>().ok().filter(|x| x.is_finite()).and_then(|x| serde_json::Number::from_f64(x)).map(Value::Number)
        }
        (OptKind::Whole, Value::Number(n)) => n.as_u64().map(Value::from),
        (OptKind::Whole, Value::String(t)) => t.trim().parse::<u64>().ok().map(Value::from),
        (OptKind::Flag, Value::Bool(_)) => Some(v.clone()),
        (OptKind::Flag, Value::String(t)) => match t.as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        (OptKind::Text, Value::String(_)) => Some(v.clone()),
        _ => None,
    }
}

fn wrong_type(kind: OptKind, v: &Value) -> String {
    let shown = match v {
        Value::String(t) => format!("`{t}`"),
        other => other.to_string(),
    };
    let want = match kind {
        OptKind::Number => "a finite number",
        OptKind::Whole => "a whole number ≥ 0",
        OptKind::Flag => "true or false",
        OptKind::Text => "text",
    };
    format!("must be {want}, not {shown}")
}

/// The commands that answer for the DeFi protocol venues (aave-v3, morpho-blue, gmx-v2, maker);
/// the others read exchange positions.
pub const PROTOCOL_COMMANDS: [&str; 6] = ["eval", "liquidate", "loop", "auction", "compare-lending", "health"];

/// Runs `cmd` after checking its options: the one entry both front doors call. A protocol
/// venue given to a command of exchange positions is refused at `venue`, naming the commands
/// that answer for it.
///
/// # Errors
/// That refusal, the option problems of [`check_options`], then the command's own.
pub fn run_command(cmd: &Command, s: &Scenario, opts: &Options) -> CmdResult {
    if s.venue.is_protocol() && !PROTOCOL_COMMANDS.contains(&cmd.name) {
        return Err(FieldError::new(
            "venue",
            format!(
                "{} is a DeFi protocol, not an exchange preset: `{}` reads exchange positions; for it use {}",
                s.venue,
                cmd.name,
                PROTOCOL_COMMANDS.join(", ")
            ),
        )
        .into());
    }
    let opts = check_options(cmd, opts)?;
    (cmd.run)(s, &opts)
}

/// Reads an optional number option (already checked by [`check_options`]).
///
/// # Errors
/// A [`FieldError`] at the setting's name when the value is not a finite number.
pub fn opt_f64(opts: &Options, name: &str) -> Result<Option<f64>, InputErrors> {
    match opts.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_f64() {
            Some(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(FieldError::new(name, "must be a finite number").into()),
        },
    }
}

/// Reads an optional flag (already checked by [`check_options`]).
///
/// # Errors
/// A [`FieldError`] at the setting's name when the value is not a boolean.
pub fn opt_bool(opts: &Options, name: &str) -> Result<bool, InputErrors> {
    match opts.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(FieldError::new(name, "must be true or false").into()),
    }
}
