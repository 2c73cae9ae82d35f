//! The `leverlab` command line: a thin front door over the engine.
//!
//! Each command reads a Scenario (JSON file, or `-` for standard input), runs one engine
//! function from [`crate::api::COMMANDS`] and prints its result as JSON on standard output.
//! Bad input exits with status 2 and one line per problem on standard error, naming the field
//! path and what is wrong.

use std::io::{Read, Write};

use serde_json::Value;

use crate::api::{self, Options};
use crate::engine::{parse_scenario, FieldError, InputErrors, Scenario};

/// Exit status for invalid input or usage.
pub const EXIT_INPUT: i32 = 2;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

fn help_text() -> String {
    let mut s = String::from(
        "leverlab — leverage and liquidation risk for crypto derivatives\n\n\
         USAGE:\n    leverlab <COMMAND> FILE|- [OPTIONS]\n\nCOMMANDS:\n",
    );
    for c in api::COMMANDS {
        s.push_str(&format!("    {:<14} {}\n", c.name, c.summary));
    }
    s.push_str(
        "    help CMD       Show a command's options and output fields\n    \
         --version      Print the version\n\n\
         FILE is a Scenario in JSON; `-` reads standard input. Run `leverlab eval --help` for the\n\
         format. Invalid input exits with status 2 and one line per problem on standard error.\n\
         Output is indented JSON on a terminal and one compact line otherwise; `--pretty` or\n\
         `--compact` chooses.\n",
    );
    s
}

/// Reads the Scenario named by `arg` (`-` = `stdin`).
///
/// # Errors
/// A whole-document [`FieldError`] when the file cannot be read, or the parser's field errors.
pub fn read_scenario(arg: &str, stdin: &mut dyn Read) -> Result<Scenario, InputErrors> {
    let mut text = String::new();
    if arg == "-" {
        stdin
            .read_to_string(&mut text)
            .map_err(|e| FieldError::new("", format!("cannot read standard input: {e}")))?;
    } else {
        text = std::fs::read_to_string(arg).map_err(|e| FieldError::new("", format!("cannot read {arg}: {e}")))?;
    }
    parse_scenario(&text)
}

/// Splits arguments into the FILE and the options: `--key value` (value parsed as JSON when it
/// is a number, `true`, `false` or `null`, else kept as text) and bare `--flag` (true).
///
/// # Errors
/// A usage error for more than one FILE.
pub fn parse_args(args: &[&str]) -> Result<(Option<String>, Options), InputErrors> {
    let mut file = None;
    let mut opts = Options::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        if let Some(key) = a.strip_prefix("--") {
            let (key, inline) = match key.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (key, None),
            };
            let value = match inline {
                Some(v) => Some(v),
                None if i + 1 < args.len() && !args[i + 1].starts_with("--") => {
                    i += 1;
                    Some(args[i])
                }
                None => None,
            };
            let v = match value {
                None => Value::Bool(true),
                Some(v) => serde_json::from_str::<Value>(v)
                    .ok()
                    .filter(|j| !j.is_object() && !j.is_array() && !j.is_string())
                    .unwrap_or_else(|| Value::String(v.to_string())),
            };
            opts.insert(key.to_string(), v);
        } else if file.is_none() {
            file = Some(a.to_string());
        } else {
            return Err(FieldError::new("", format!("unexpected argument `{a}` (only one FILE is read)")).into());
        }
        i += 1;
    }
    Ok((file, opts))
}

/// Runs the command line `args` (without the program name); returns the exit status. Output is
/// compact JSON unless `--pretty` is given (see [`run_on`] for the terminal default).
pub fn run(args: &[String], stdin: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    run_on(args, stdin, out, err, false)
}

/// Splits the output-layout flags off the arguments: `--pretty` (indented JSON, for people)
/// and `--compact` (one line, for programs); the default is `terminal` (pretty when standard
/// output is a terminal). Returns the remaining arguments and whether to indent.
fn layout<'a>(args: &[&'a str], terminal: bool) -> (Vec<&'a str>, bool) {
    let mut pretty = terminal;
    let rest = args
        .iter()
        .filter(|a| match **a {
            "--pretty" => {
                pretty = true;
                false
            }
            "--compact" => {
                pretty = false;
                false
            }
            _ => true,
        })
        .copied()
        .collect();
    (rest, pretty)
}

/// As [`run`], with `terminal` telling whether standard output is a terminal: then the JSON is
/// indented for people unless `--compact` is given.
pub fn run_on(args: &[String], stdin: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write, terminal: bool) -> i32 {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (args, pretty) = layout(&args, terminal);
    let Some((&name, rest)) = args.split_first() else {
        let _ = write!(err, "{}", help_text());
        return EXIT_INPUT;
    };
    match name {
        "--version" | "-V" | "version" => {
            let _ = writeln!(out, "leverlab {VERSION}");
            return 0;
        }
        "--help" | "-h" => {
            let _ = write!(out, "{}", help_text());
            return 0;
        }
        "help" => {
            let text = rest.first().and_then(|c| api::command(c)).map(|c| c.help.to_string());
            let _ = write!(out, "{}", text.unwrap_or_else(help_text));
            return 0;
        }
        _ => {}
    }
    let Some(cmd) = api::command(name) else {
        let names: Vec<&str> = api::COMMANDS.iter().map(|c| c.name).collect();
        let _ = writeln!(err, "unknown command `{name}`; commands: {}", names.join(", "));
        return EXIT_INPUT;
    };
    if rest.iter().any(|a| *a == "--help" || *a == "-h") {
        let _ = write!(out, "{}", cmd.help);
        return 0;
    }
    let result = parse_args(rest).and_then(|(file, opts)| {
        let file = file.ok_or_else(|| {
            InputErrors::from(FieldError::new("", format!("{name}: missing FILE (a Scenario in JSON, or - for standard input)")))
        })?;
        let scenario = read_scenario(&file, stdin)?;
        (cmd.run)(&scenario, &opts)
    });
    match result {
        Ok(v) => {
            let text = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) }.unwrap_or_default();
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
