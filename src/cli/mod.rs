//! The `leverlab` command line: a thin front door over the engine.
//!
//! Each command reads a Scenario (JSON file, or `-` for standard input), runs one engine
//! function from [`crate::api::COMMANDS`] and prints its result as JSON on standard output.
//! Bad input exits with status 2 and one line per problem on standard error, naming the field
//! path and what is wrong.

pub mod batch;
mod import;

use std::io::{Read, Write};

use serde_json::Value;

use crate::api::{self, Command, OptKind, Options};
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
    s.push_str(&format!("    {:<14} {}\n", "import", import::SUMMARY));
    s.push_str(
        "    help CMD       Show a command's options and output fields\n    \
         --version      Print the version\n\n\
         FILE is a Scenario in JSON; `-` reads standard input. Run `leverlab eval --help` for the\n\
         format. Invalid input exits with status 2 and one line per problem on standard error\n\
         (all problems at once: the Scenario's and the options'). Each command accepts only the\n\
         options its help lists; an unknown one is an error (`--positon: unknown option; did you\n\
         mean --position?`), options may come before or after FILE, and a value of the wrong type\n\
         is named. Output that cannot be written (a full disk, a closed pipe) exits with status 1.\n\
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
    parse_scenario(&read_text(arg, stdin)?)
}

/// Reads the text of the file named by `arg` (`-` = `stdin`).
///
/// # Errors
/// A whole-document [`FieldError`] when it cannot be read.
pub fn read_text(arg: &str, stdin: &mut dyn Read) -> Result<String, InputErrors> {
    let mut text = String::new();
    if arg == "-" {
        stdin
            .read_to_string(&mut text)
            .map_err(|e| FieldError::new("", format!("cannot read standard input: {e}")))?;
    } else {
        text = std::fs::read_to_string(arg).map_err(|e| FieldError::new("", format!("cannot read {arg}: {e}")))?;
    }
    Ok(text)
}

/// Splits `cmd`'s arguments into the FILE and its options, by the command's declaration:
/// `--name value` or `--name=value` for a typed option (the value may begin with `-`: `--shock
/// -0.05`), bare `--name` for a switch (never taking the next argument, so `--sweep FILE`
/// works), anything else is FILE. Option names are normalised to their setting name
/// (`--max-shock` → `max_shock`); values stay text for [`api::check_options`] to type.
///
/// Returns the FILE, the options and every usage problem (paths in the CLI's spelling).
pub fn parse_args(cmd: &Command, args: &[&str]) -> (Option<String>, Options, Vec<FieldError>) {
    let mut file: Option<String> = None;
    let mut opts = Options::new();
    let mut errors = Vec::new();
    let known = cmd.option_names();
    let looks_like_value = |a: &str| !a.starts_with("--") && (a == "-" || !a.starts_with('-') || a.parse::<f64>().is_ok());
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        i += 1;
        let Some(body) = a.strip_prefix("--").filter(|b| !b.is_empty()) else {
            if a.starts_with('-') && a != "-" && a.parse::<f64>().is_err() {
                errors.push(FieldError::new(a, format!("unknown option; options are written --name (see `leverlab {} --help`)", cmd.name)));
            } else if file.is_none() {
                file = Some(a.to_string());
            } else {
                // After a switch, say that switches take no value.
                let after_switch = i >= 2
                    && args[i - 2].strip_prefix("--").is_some_and(|b| cmd.option(&b.replace('-', "_")).is_some_and(|o| o.kind == OptKind::Flag));
                let why = if after_switch {
                    format!("{} is a switch and takes no value (write {}=false to turn it off)", args[i - 2], args[i - 2])
                } else {
                    "only one FILE is read; options are written --name VALUE".to_string()
                };
                errors.push(FieldError::new(a, format!("unexpected argument ({why})")));
            }
            continue;
        };
        let (key, inline) = match body.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (body, None),
        };
        let setting = key.replace('-', "_");
        let shown = api::cli_name(&setting);
        let Some(opt) = cmd.option(&setting) else {
            errors.push(FieldError::new(shown, render_message(cmd, &api::unknown_option(cmd, &setting, &known))));
            // Skip its value too, so it is not taken for FILE.
            if inline.is_none() && i < args.len() && looks_like_value(args[i]) && (file.is_some() || args[i].parse::<f64>().is_ok()) {
                i += 1;
            }
            continue;
        };
        let value = match (opt.kind, inline) {
            (_, Some(v)) => v.to_string(),
            (OptKind::Flag, None) => "true".to_string(),
            (_, None) if i < args.len() && looks_like_value(args[i]) => {
                i += 1;
                args[i - 1].to_string()
            }
            (_, None) => {
                errors.push(FieldError::new(shown, "needs a value"));
                continue;
            }
        };
        if opts.insert(setting, Value::String(value)).is_some() {
            errors.push(FieldError::new(shown, "given twice"));
        }
    }
    (file, opts, errors)
}

/// A message in the CLI's spelling: each option of `cmd` named as `` `max_shock` `` becomes
/// `--max-shock`.
fn render_message(cmd: &Command, message: &str) -> String {
    let mut m = message.to_string();
    for o in cmd.options {
        m = m.replace(&format!("`{}`", o.name), &api::cli_name(o.name));
    }
    m
}

/// An error of the shared command code in the CLI's spelling: a path naming one of `cmd`'s
/// settings becomes its `--flag`, and so do the settings named in the message.
fn render(cmd: &Command, e: FieldError) -> FieldError {
    let path = if cmd.option(&e.path).is_some() { api::cli_name(&e.path) } else { e.path };
    FieldError::new(path, render_message(cmd, &e.message))
}

/// Exit status when the output cannot be written (a full disk, a closed pipe).
pub const EXIT_OUTPUT: i32 = 1;

/// Writes `text` and flushes; on failure says so on `err` and gives [`EXIT_OUTPUT`].
fn emit(out: &mut dyn Write, err: &mut dyn Write, text: &str) -> i32 {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "leverlab: cannot write the output: {e}");
            EXIT_OUTPUT
        }
    }
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
    run_in(args, stdin, out, err, Terminals { stdout: terminal, progress: None })
}

/// What the standard streams are.
#[derive(Clone, Default)]
pub struct Terminals {
    /// Standard output is a terminal: indent the JSON for people (unless `--compact`).
    pub stdout: bool,
    /// Where to show the progress of long runs: standard error when it is a terminal.
    pub progress: Option<std::rc::Rc<std::cell::RefCell<dyn Write>>>,
}

/// Shows progress on a terminal's line: at most about five updates a second, the line cleared
/// when the run ends.
struct ProgressLine {
    last: Option<std::time::Instant>,
    shown: bool,
}

impl ProgressLine {
    fn update(&mut self, err: &mut dyn Write, what: &str, done: u64, total: u64) {
        let now = std::time::Instant::now();
        if self.last.is_some_and(|t| now.duration_since(t).as_millis() < 200) && done < total {
            return;
        }
        self.last = Some(now);
        self.shown = true;
        let pct = if total == 0 { 100.0 } else { done as f64 * 100.0 / total as f64 };
        let _ = write!(err, "\r\x1b[Kleverlab: {what} {done} of {total} ({pct:.0} %)");
        let _ = err.flush();
    }
}

/// As [`run_on`], with both terminals known: progress of long runs (the Monte Carlo) goes to
/// standard error when it is a terminal.
pub fn run_in(args: &[String], stdin: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write, t: Terminals) -> i32 {
    let terminal = t.stdout;
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (args, pretty) = layout(&args, terminal);
    let Some((&name, rest)) = args.split_first() else {
        let _ = write!(err, "{}", help_text());
        return EXIT_INPUT;
    };
    match name {
        "--version" | "-V" | "version" => return emit(out, err, &format!("leverlab {VERSION}\n")),
        "--help" | "-h" => return emit(out, err, &help_text()),
        "import" => return import::run(rest, stdin, out, err, pretty),
        "help" if rest.first() == Some(&"import") => return emit(out, err, &import::help()),
        "help" => {
            return match rest {
                [] => emit(out, err, &help_text()),
                [c] => match api::command(c) {
                    Some(cmd) => emit(out, err, cmd.help),
                    None => {
                        let _ = writeln!(err, "{}\n", unknown_command(c));
                        let _ = write!(err, "{}", help_text());
                        EXIT_INPUT
                    }
                },
                _ => {
                    let _ = writeln!(err, "help takes one command name, e.g. `leverlab help cascade`");
                    EXIT_INPUT
                }
            };
        }
        _ => {}
    }
    let Some(cmd) = api::command(name) else {
        let _ = writeln!(err, "{}", unknown_command(name));
        return EXIT_INPUT;
    };
    if rest.iter().any(|a| *a == "--help" || *a == "-h") {
        return emit(out, err, cmd.help);
    }
    if name == "compute" {
        return compute(cmd, rest, stdin, out, err, pretty, &t);
    }
    if name == "eval" {
        // Books in CSV and NDJSON as well as JSON Scenarios, streamed where they can be.
        let (file, raw, mut errors) = parse_args(cmd, rest);
        let opts = api::check_options(cmd, &raw).unwrap_or_else(|e| {
            errors.extend(e.0.into_iter().map(|f| render(cmd, f)));
            Options::new()
        });
        if file.is_none() {
            errors.push(FieldError::new("", "eval: missing FILE (a Scenario in JSON, a CSV or NDJSON book, or - for standard input)"));
        }
        return match file.filter(|_| errors.is_empty()) {
            Some(file) => batch::eval(&file, &opts, stdin, out, err, pretty),
            None => {
                for e in &errors {
                    let _ = writeln!(err, "{e}");
                }
                EXIT_INPUT
            }
        };
    }
    // Every usage, option and Scenario problem together, in one pass.
    let (file, raw, mut errors) = parse_args(cmd, rest);
    let opts = match api::check_options(cmd, &raw) {
        Ok(o) => Some(o),
        Err(e) => {
            errors.extend(e.0.into_iter().map(|f| render(cmd, f)));
            None
        }
    };
    let scenario = match file {
        None => {
            errors.push(FieldError::new("", format!("{name}: missing FILE (a Scenario in JSON, or - for standard input)")));
            None
        }
        Some(f) => match read_scenario(&f, stdin) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.extend(e.0);
                None
            }
        },
    };
    let result = match (scenario, opts) {
        (Some(s), Some(o)) if errors.is_empty() => {
            let ran = match &t.progress {
                Some(w) => {
                    let line = std::rc::Rc::new(std::cell::RefCell::new(ProgressLine { last: None, shown: false }));
                    let (sink_line, sink_w) = (line.clone(), w.clone());
                    let r = api::progress::with_sink(
                        move |what, done, total| sink_line.borrow_mut().update(&mut *sink_w.borrow_mut(), what, done, total),
                        || api::run_command(cmd, &s, &o),
                    );
                    if line.borrow().shown {
                        let _ = write!(w.borrow_mut(), "\r\x1b[K");
                    }
                    r
                }
                None => api::run_command(cmd, &s, &o),
            };
            ran.map_err(|e| InputErrors(e.0.into_iter().map(|f| render(cmd, f)).collect()))
        }
        _ => Err(InputErrors(errors)),
    };
    answer(result, out, err, pretty)
}

/// `leverlab compute FILE`: a request (`{"scenario": …, "analyses": […]}`) or a Scenario whose
/// `analyses` section says what to run.
fn compute(cmd: &Command, rest: &[&str], stdin: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write, pretty: bool, t: &Terminals) -> i32 {
    let (file, _, mut errors) = parse_args(cmd, rest);
    let request = match file {
        None => {
            errors.push(FieldError::new("", "compute: missing FILE (a request or a Scenario in JSON, or - for standard input)"));
            None
        }
        Some(f) => match read_text(&f, stdin).and_then(|text| crate::engine::compute::parse_request(&text)) {
            Ok(r) => Some(r),
            Err(e) => {
                errors.extend(e.0);
                None
            }
        },
    };
    let result = match request {
        Some(r) if errors.is_empty() => {
            let line = std::rc::Rc::new(std::cell::RefCell::new(ProgressLine { last: None, shown: false }));
            let mut progress = |p: &crate::engine::compute::Progress| {
                if let (Some(w), true) = (&t.progress, p.total > 1) {
                    line.borrow_mut().update(&mut *w.borrow_mut(), p.name.unwrap_or(""), p.done, p.total);
                }
            };
            let r = crate::engine::compute::compute_with_progress(r, &mut progress);
            if let (Some(w), true) = (&t.progress, line.borrow().shown) {
                let _ = write!(w.borrow_mut(), "\r\x1b[K");
            }
            r.map(|r| api::to_json(&r))
        }
        _ => Err(InputErrors(errors)),
    };
    answer(result, out, err, pretty)
}

/// Writes a command's answer: the JSON (no `-0.0`, indented when `pretty`) and status 0, or one
/// line per problem on `err` and [`EXIT_INPUT`].
fn answer(result: Result<Value, InputErrors>, out: &mut dyn Write, err: &mut dyn Write, pretty: bool) -> i32 {
    match result {
        Ok(mut v) => {
            api::no_negative_zero(&mut v);
            let text = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) }.unwrap_or_default();
            emit(out, err, &format!("{text}\n"))
        }
        Err(errors) => {
            for e in &errors.0 {
                let _ = writeln!(err, "{e}");
            }
            EXIT_INPUT
        }
    }
}

/// `unknown command `x`; did you mean …? commands: …`.
fn unknown_command(name: &str) -> String {
    let names: Vec<&str> = api::COMMANDS.iter().map(|c| c.name).chain(["help"]).collect();
    let hint = crate::engine::input::suggest(name, names.iter().copied()).map(|c| format!("did you mean {c}? ")).unwrap_or_default();
    if name.starts_with('-') {
        return format!("`{name}`: give the command first, then FILE and the options: leverlab COMMAND FILE [OPTIONS]; commands: {}", names.join(", "));
    }
    format!("unknown command `{name}`; {hint}commands: {}", names.join(", "))
}
