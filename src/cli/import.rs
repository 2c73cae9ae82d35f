//! `leverlab import FILE... [--venue NAME] [--mode isolated|cross] [--notes]`: venue API
//! responses in, a Scenario out (what was recognised and assumed on standard error).

use std::io::{Read, Write};

use crate::engine::import::{self, ImportOptions, RESPONSES, VENUE_NAMES};
use crate::engine::{FieldError, InputErrors, MarginMode};

/// One line for the command list.
pub const SUMMARY: &str = "Venue API responses (positions, account, instruments) to a Scenario with the venue's liquidation prices";

/// The `--help` text, listing every response recognised.
pub fn help() -> String {
    let mut s = String::from(
        "leverlab import FILE... [--venue NAME] [--mode isolated|cross] [--notes]\n\n\
         Reads a venue's own API responses — the positions response plus, where needed, the\n\
         account/balance response (cross wallet balance) and the instrument list (contract\n\
         sizes) — recognises venue and endpoint from each response's shape, and prints a\n\
         Scenario. Each position carries the venue's own figure as `venue_liquidation_price`\n\
         (null where the venue reports none) and, in `note`, the venue fields leverlab does not\n\
         model. `leverlab eval` of that Scenario reports, per position, `venue_liquidation_price`\n\
         and `liquidation_price_difference` ((leverlab − venue) / venue) beside its own.\n\n\
         What was recognised, assumed (a contract size, a missing balance or mark price) and\n\
         left out is written to standard error. User, account and position ids, addresses and\n\
         API keys in a response are never copied.\n\n\
         ARGUMENTS:\n    FILE...          response files (JSON exactly as the venue returned it); `-` reads standard input\n\n\
         OPTIONS:\n    --venue NAME     only accept this venue's responses: ",
    );
    s.push_str(&VENUE_NAMES.join(", "));
    s.push_str(
        "\n    --mode M         isolated or cross: which positions to keep when a response holds both\n                     (default: the first position's mode; the others are named on standard error)\n    \
         --notes          print {scenario, recognised, assumptions, notes, missing_balance} instead of the Scenario\n\n\
         RESPONSES RECOGNISED:\n",
    );
    for (venue, what) in RESPONSES {
        s.push_str(&format!("    {venue:<14} {what}\n"));
    }
    s.push_str(
        "\nERRORS (exit status 2): text that is not JSON names the line and the construct (a doc page's\n\
         `//` comment, a trailing or doubled comma); a truncated response, a response of another\n\
         endpoint or an unknown shape each names what was expected.\n\n\
         EXAMPLE:\n    leverlab import examples/import/binance-usdm-positionRisk-v2.json examples/import/binance-usdm-account-v2.json | leverlab eval -\n",
    );
    s
}

/// Runs `leverlab import` with the arguments after the command name; returns the exit status.
pub fn run(args: &[&str], stdin: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write, pretty: bool) -> i32 {
    if args.iter().any(|a| *a == "--help" || *a == "-h") {
        return super::emit(out, err, &help());
    }
    match run_inner(args, stdin) {
        Ok((value, lines)) => {
            for l in lines {
                let _ = writeln!(err, "{l}");
            }
            let text = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) }.unwrap_or_default();
            super::emit(out, err, &format!("{text}\n"))
        }
        Err(errors) => {
            for e in &errors.0 {
                let _ = writeln!(err, "{e}");
            }
            super::EXIT_INPUT
        }
    }
}

fn run_inner(args: &[&str], stdin: &mut dyn Read) -> Result<(serde_json::Value, Vec<String>), InputErrors> {
    let mut files = Vec::new();
    let mut venue = None;
    let mut mode = None;
    let mut notes = false;
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        let (key, inline) = match a.strip_prefix("--") {
            Some(k) => match k.split_once('=') {
                Some((k, v)) => (Some(k), Some(v)),
                None => (Some(k), None),
            },
            None => (None, None),
        };
        match key {
            None => files.push(a.to_string()),
            Some("notes") => notes = true,
            Some(k @ ("venue" | "mode")) => {
                let v = match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        *args.get(i).ok_or_else(|| FieldError::new(format!("--{k}"), "needs a value"))?
                    }
                };
                if k == "venue" {
                    venue = Some(v);
                } else {
                    mode = Some(match v {
                        "isolated" => MarginMode::Isolated,
                        "cross" => MarginMode::Cross,
                        other => return Err(FieldError::new("--mode", format!("`{other}` is not isolated or cross")).into()),
                    });
                }
            }
            Some(other) => {
                let known = ["venue", "mode", "notes"];
                let hint = import::closest(other, &known).map(|c| format!(" (did you mean --{c}?)")).unwrap_or_default();
                return Err(FieldError::new(format!("--{other}"), format!("unknown option{hint}; import takes --venue, --mode, --notes")).into());
            }
        }
        i += 1;
    }
    if files.is_empty() {
        return Err(FieldError::new("", "import: missing FILE (one or more venue responses in JSON, or - for standard input)").into());
    }
    let mut texts = Vec::new();
    let mut read_stdin = false;
    for f in &files {
        if f == "-" {
            if read_stdin {
                return Err(FieldError::new("", "`-` (standard input) can be given once").into());
            }
            read_stdin = true;
            let mut t = String::new();
            stdin.read_to_string(&mut t).map_err(|e| FieldError::new("", format!("cannot read standard input: {e}")))?;
            texts.push(t);
        } else {
            texts.push(std::fs::read_to_string(f).map_err(|e| FieldError::new("", format!("cannot read {f}: {e}")))?);
        }
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let imported = import::import(&refs, ImportOptions { venue, mode }).map_err(|e| {
        // Name the file beside each responses[i] path.
        InputErrors(
            e.0.into_iter()
                .map(|mut fe| {
                    if fe.path == "venue" || fe.path == "mode" {
                        fe.path = format!("--{}", fe.path);
                    }
                    for (k, f) in files.iter().enumerate() {
                        let tag = format!("responses[{k}]");
                        if fe.path.starts_with(&tag) {
                            fe.message = format!("{} ({f})", fe.message);
                        }
                    }
                    fe
                })
                .collect(),
        )
    })?;
    let mut lines = Vec::new();
    for r in &imported.recognised {
        let file = files.get(r.input).map(String::as_str).unwrap_or("?");
        lines.push(format!(
            "recognised {file}: {} {} — {} open position{}{}",
            r.venue,
            r.endpoint,
            r.positions,
            if r.positions == 1 { "" } else { "s" },
            if r.flat_rows > 0 { format!(", {} flat row(s) skipped", r.flat_rows) } else { String::new() }
        ));
    }
    lines.extend(imported.assumptions.iter().map(|a| format!("assumed: {a}")));
    lines.extend(imported.notes.iter().map(|n| format!("note: {n}")));
    let value = if notes {
        import::imported_json(&imported)
    } else {
        import::scenario_json(&imported.scenario)
    };
    Ok((value, lines))
}
