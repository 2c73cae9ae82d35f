//! The `leverlab` command line: a thin front door over the engine.
//!
//! Each subcommand reads a Scenario (JSON file, or `-` for standard input), runs one engine
//! function and prints its result as JSON on standard output. Bad input exits with status 2
//! and one line per problem on standard error, naming the field path and what is wrong.

use std::io::{Read, Write};

use crate::engine::{self, parse_scenario, InputErrors, Scenario};

/// Exit status for invalid input or usage.
pub const EXIT_INPUT: i32 = 2;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

const HELP: &str = "\
leverlab — leverage and liquidation risk for crypto derivatives

USAGE:
    leverlab <COMMAND> [FILE|-] [OPTIONS]

COMMANDS:
    eval FILE       Liquidation prices, margins and account totals (the Report) as JSON
    help [COMMAND]  Show help for a command
    --version       Print the version

FILE is a Scenario in JSON; `-` reads standard input. Run `leverlab eval --help` for the
format. Invalid input exits with status 2 and one line per problem on standard error.
";

const EVAL_HELP: &str = include_str!("eval_help.txt");

/// What a subcommand writes: the JSON document, or the problems found.
pub type CmdResult = Result<serde_json::Value, InputErrors>;

/// Reads the Scenario named by `arg` (`-` = `stdin`).
///
/// # Errors
/// A whole-document [`engine::FieldError`] when the file cannot be read, or the parser's
/// field errors.
pub fn read_scenario(arg: &str, stdin: &mut dyn Read) -> Result<Scenario, InputErrors> {
    let mut text = String::new();
    if arg == "-" {
        stdin
            .read_to_string(&mut text)
            .map_err(|e| engine::FieldError::new("", format!("cannot read standard input: {e}")))?;
    } else {
        text = std::fs::read_to_string(arg)
            .map_err(|e| engine::FieldError::new("", format!("cannot read {arg}: {e}")))?;
    }
    parse_scenario(&text)
}

fn to_json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }))
}

/// Runs the command line `args` (without the program name); returns the exit status.
pub fn run(args: &[String], stdin: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut it = args.iter().map(String::as_str);
    let Some(cmd) = it.next() else {
        let _ = write!(err, "{HELP}");
        return EXIT_INPUT;
    };
    let rest: Vec<&str> = it.collect();
    let wants_help = rest.iter().any(|a| *a == "--help" || *a == "-h");
    let (help, exec): (&str, fn(&Scenario, &[&str]) -> CmdResult) = match cmd {
        "--version" | "-V" | "version" => {
            let _ = writeln!(out, "leverlab {VERSION}");
            return 0;
        }
        "--help" | "-h" => {
            let _ = write!(out, "{HELP}");
            return 0;
        }
        "help" => {
            let text = match rest.first() {
                Some(&"eval") => EVAL_HELP,
                _ => HELP,
            };
            let _ = write!(out, "{text}");
            return 0;
        }
        "eval" => (EVAL_HELP, |s, _| engine::evaluate(s).map(|r| to_json(&r))),
        other => {
            let _ = writeln!(err, "unknown command `{other}`; run `leverlab --help`");
            return EXIT_INPUT;
        }
    };
    if wants_help {
        let _ = write!(out, "{help}");
        return 0;
    }
    let files: Vec<&str> = rest.iter().copied().filter(|a| *a == "-" || !a.starts_with('-')).collect();
    let Some(file) = files.first() else {
        let _ = writeln!(err, "{cmd}: missing FILE (a Scenario in JSON, or - for standard input)");
        return EXIT_INPUT;
    };
    let result = read_scenario(file, stdin).and_then(|s| exec(&s, &rest));
    match result {
        Ok(v) => {
            let text = serde_json::to_string_pretty(&v).unwrap_or_default();
            let _ = writeln!(out, "{text}");
            0
        }
        Err(errors) => {
            for e in &errors.0 {
                let _ = writeln!(err, "{e}");
            }
            EXIT_INPUT
        }
    }
}
