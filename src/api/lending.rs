//! Front-door entries of the DeFi protocols for [`crate::api::COMMANDS`]: `eval` routing for
//! the protocol venues, `liquidate`, `loop`, `auction` and `compare-lending`. Each declares its
//! options (errors name the setting) and returns the engine's typed result as JSON. Help texts
//! live beside this file in `help/`.

use crate::api::{num, text, to_json, CmdResult, Opt};
use crate::engine::{self, protocol, Scenario};

pub const LIQUIDATE_HELP: &str = include_str!("help/liquidate.txt");
pub const LOOP_HELP: &str = include_str!("help/loop.txt");
pub const AUCTION_HELP: &str = include_str!("help/auction.txt");
pub const COMPARE_LENDING_HELP: &str = include_str!("help/compare_lending.txt");
pub const HEALTH_HELP: &str = include_str!("help/health.txt");

/// The options of `liquidate`.
pub const LIQUIDATE_OPTIONS: &[Opt] = &[text("collateral"), text("debt"), num("amount")];
/// The options of `loop`.
pub const LOOP_OPTIONS: &[Opt] = &[num("leverage"), text("collateral"), text("debt"), num("swap_cost")];
/// The options of `auction`.
pub const AUCTION_OPTIONS: &[Opt] = &[num("at"), num("take"), num("max")];
/// The options of `compare-lending`.
pub const COMPARE_LENDING_OPTIONS: &[Opt] = &[num("lltv"), num("mat"), num("chop")];
/// The options of `health`.
pub const HEALTH_OPTIONS: &[Opt] = &[num("range"), crate::api::whole("points")];

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
