//! Front-door entries of the DeFi protocols for [`crate::api::COMMANDS`]: `eval` routing for
//! the protocol venues, `liquidate`, `loop`, `auction` and `compare-lending`. Each declares its
//! options (errors name the setting) and returns the engine's typed result as JSON. Help texts
//! live beside this file in `help/`.

use crate::api::analytics::opt_str;
use crate::api::{num, opt_f64, text, to_json, CmdResult, Opt, Options};
use crate::engine::maker::{self, AuctionOptions};
use crate::engine::protocol::{self, CompareOptions};
use crate::engine::{self, lending, FieldError, InputErrors, Scenario};

pub const LIQUIDATE_HELP: &str = include_str!("help/liquidate.txt");
pub const LOOP_HELP: &str = include_str!("help/loop.txt");
pub const AUCTION_HELP: &str = include_str!("help/auction.txt");
pub const COMPARE_LENDING_HELP: &str = include_str!("help/compare_lending.txt");

/// The options of `liquidate`.
pub const LIQUIDATE_OPTIONS: &[Opt] = &[text("collateral"), text("debt"), num("amount")];
/// The options of `loop`.
pub const LOOP_OPTIONS: &[Opt] = &[num("leverage"), text("collateral"), text("debt"), num("swap_cost")];
/// The options of `auction`.
pub const AUCTION_OPTIONS: &[Opt] = &[num("at"), num("take"), num("max")];
/// The options of `compare-lending`.
pub const COMPARE_LENDING_OPTIONS: &[Opt] = &[num("lltv"), num("mat"), num("chop")];

/// `eval` of a Scenario: the exchange Report, or for aave-v3, morpho-blue, gmx-v2 and maker the
/// protocol's report ([`protocol::evaluate`]).
///
/// # Errors
/// The engine's input errors.
pub fn eval_cmd(s: &Scenario) -> CmdResult {
    if s.venue.is_protocol() {
        protocol::evaluate(s).map(|r| to_json(&r))
    } else {
        engine::evaluate(s).map(|r| to_json(&r))
    }
}

/// `liquidate FILE [--collateral A] [--debt B] [--amount X]`.
pub fn liquidate_cmd(s: &Scenario, o: &Options) -> CmdResult {
    let collateral = opt_str(o, "collateral")?;
    let debt = opt_str(o, "debt")?;
    lending::liquidate(s, collateral.as_deref(), debt.as_deref(), opt_f64(o, "amount")?).map(|r| to_json(&r))
}

/// `loop FILE --leverage L [--collateral A] [--debt B] [--swap-cost C]`.
pub fn loop_cmd(s: &Scenario, o: &Options) -> CmdResult {
    let leverage = opt_f64(o, "leverage")?
        .ok_or_else(|| InputErrors::from(FieldError::new("leverage", "give the target leverage (collateral ÷ equity, e.g. 3)")))?;
    let collateral = opt_str(o, "collateral")?;
    let debt = opt_str(o, "debt")?;
    let cost = opt_f64(o, "swap_cost")?.unwrap_or(0.0);
    lending::build_loop(s, collateral.as_deref(), debt.as_deref(), leverage, cost).map(|r| to_json(&r))
}

/// `auction FILE [--at SECONDS] [--take AMOUNT [--max PRICE]]`.
pub fn auction_cmd(s: &Scenario, o: &Options) -> CmdResult {
    let opts = AuctionOptions { at: opt_f64(o, "at")?.unwrap_or(0.0), take: opt_f64(o, "take")?, max: opt_f64(o, "max")? };
    maker::auction(s, opts).map(|r| to_json(&r))
}

/// `compare-lending FILE --lltv L --mat M --chop C`.
pub fn compare_lending_cmd(s: &Scenario, o: &Options) -> CmdResult {
    let opts = CompareOptions { lltv: opt_f64(o, "lltv")?, mat: opt_f64(o, "mat")?, chop: opt_f64(o, "chop")? };
    protocol::compare_lending(s, opts).map(|r| to_json(&r))
}
