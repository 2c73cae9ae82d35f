//! The options and help texts of `map` and `cascade` in [`crate::api::COMMANDS`]; both run
//! through the compute entry ([`crate::api::analysis`]).
//!
//! `--csv PATH` is the one place that touches the file system (native CLI only,
//! [`crate::api::analysis`] reads it into the `csv_text` setting); the JS API passes the CSV
//! text itself as `csv_text`.

use crate::api::{flag, num, text, whole, Opt};

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
