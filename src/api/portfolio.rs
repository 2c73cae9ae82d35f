//! The front-door commands of options, multi-asset collateral and portfolio margin: their
//! help texts and options; each runs its analysis of the compute entry.

use super::{num, whole, Opt};

pub const COLLATERAL_HELP: &str = include_str!("help/collateral.txt");

/// The options of `collateral`.
pub const COLLATERAL_OPTIONS: &[Opt] = &[whole("points")];

pub const PORTFOLIO_HELP: &str = include_str!("help/portfolio.txt");

pub const PAYOFF_HELP: &str = include_str!("help/payoff.txt");

/// The options of `payoff`.
pub const PAYOFF_OPTIONS: &[Opt] = &[num("range"), whole("points")];
