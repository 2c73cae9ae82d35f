//! The options and help texts of the analytics commands of [`crate::api::COMMANDS`]. Each
//! command runs its analysis through the compute entry ([`crate::api::analysis`]): the options
//! are the analysis's settings (`crate::engine::compute::settings`). Help texts live beside
//! this file in `help/`.

use crate::api::{flag, num, text, whole, Opt};

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
