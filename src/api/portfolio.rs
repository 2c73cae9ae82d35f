//! The front-door commands of multi-asset collateral (and, as they land, portfolio margin).

use super::{num, to_json, whole, CmdResult, Opt, Options};
use crate::engine::{collateral, portfolio, FieldError, InputErrors, Scenario};

pub const COLLATERAL_HELP: &str = include_str!("help/collateral.txt");

/// The options of `collateral`.
pub const COLLATERAL_OPTIONS: &[Opt] = &[whole("points")];

/// `leverlab collateral`: [`collateral::collateral_report`].
pub fn collateral_cmd(s: &Scenario, o: &Options) -> CmdResult {
    let points = super::opt_f64(o, "points")?.unwrap_or(21.0);
    if !(2.0..=201.0).contains(&points) {
        return Err(InputErrors::from(FieldError::new("points", "must be from 2 to 201")));
    }
    collateral::collateral_report(s, points as usize).map(|r| to_json(&r))
}

pub const PORTFOLIO_HELP: &str = include_str!("help/portfolio.txt");

/// `leverlab portfolio`: [`portfolio::portfolio_margin`].
pub fn portfolio_cmd(s: &Scenario, _o: &Options) -> CmdResult {
    let pm = s.portfolio_margin.clone().unwrap_or_default();
    if pm.model == Some(portfolio::PmModel::Binance) && s.margin_mode == crate::engine::MarginMode::Portfolio {
        return collateral::unimmr(s, pm.loan_mmr.unwrap_or(0.10)).map(|r| to_json(&r));
    }
    portfolio::portfolio_margin(s).map(|r| to_json(&r))
}

pub const PAYOFF_HELP: &str = include_str!("help/payoff.txt");

/// The options of `payoff`.
pub const PAYOFF_OPTIONS: &[Opt] = &[num("range"), whole("points")];

/// `leverlab payoff`: [`portfolio::payoff_curve`].
pub fn payoff_cmd(s: &Scenario, o: &Options) -> CmdResult {
    let range = super::opt_f64(o, "range")?.unwrap_or(0.5);
    let points = super::opt_f64(o, "points")?.unwrap_or(101.0);
    portfolio::payoff_curve(s, range, points as usize).map(|r| to_json(&r))
}
