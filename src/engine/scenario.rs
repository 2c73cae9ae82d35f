//! The input half of leverlab's data spine: a [`Scenario`] is what the user entered.
//!
//! The page, the URL, saved files, the CLI and the JS API all read and write this one serde
//! format (JSON). [`parse_scenario`] turns text into a checked `Scenario`, and every problem it
//! finds names the field path (`positions[1].entry_price`) and what is wrong with it.
//!
//! # Design Decision
//! Prices, sizes and balances are `f64`. Liquidation prices are the root of a linear (or
//! reciprocal-linear) equation whose inputs are themselves rounded venue figures; `f64` keeps
//! 15–16 significant digits, far below the venues' tick sizes (0.1 USD on BTCUSDT), and lets the
//! engine evaluate 10⁶ positions in milliseconds. Every input is checked to be finite and in
//! range before any arithmetic, and every output is checked to be finite, so no NaN or infinity
//! reaches a report.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::engine::analytics::market::RiskMarket;
use crate::engine::cascade::BookMarket;

/// Version of the Scenario/Report format. Bumped when a field changes meaning.
///
/// * 1: the first format.
/// * 2: the Report's `formula` and `source` texts move from every position into one table,
///   `models`, that each position's `model` index refers to. Scenarios are unchanged: a
///   version-1 Scenario is read and evaluated as before.
pub const FORMAT_VERSION: u32 = 2;

/// A venue preset: how the venue values margin, which maintenance table it uses, whether the
/// closing fee counts, and its usual contract type. The names are part of the format.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Venue {
    BinanceUsdm,
    BinanceCoinm,
    /// Bybit's Unified Trading Account, as its help centre documents it now.
    Bybit,
    /// Bybit's classic (contract) account.
    BybitClassic,
    Okx,
    Gate,
    Hyperliquid,
    Dydx,
    Bitmex,
    Deribit,
    Generic,
    /// Aave v3 (v3.3 liquidation rules): a lending account in the `lending` section.
    AaveV3,
    /// Morpho Blue: one market (one collateral, one loan asset) with its `lending.lltv`.
    MorphoBlue,
    /// GMX v2 perpetuals: `positions` with the collateral token and the market's factors.
    GmxV2,
    /// Maker/Sky: a `vault` and its collateral type's `auction` parameters.
    Maker,
}

impl Venue {
    /// The DeFi protocols: their rules live in `engine::lending`, `engine::gmx` and
    /// `engine::maker`, and `engine::protocol::evaluate` answers for them.
    pub const PROTOCOLS: [Venue; 4] = [Venue::AaveV3, Venue::MorphoBlue, Venue::GmxV2, Venue::Maker];

    /// True for the DeFi protocols of [`Venue::PROTOCOLS`] (not exchange presets).
    pub fn is_protocol(self) -> bool {
        Venue::PROTOCOLS.contains(&self)
    }

    /// Every exchange preset, in the order the page and the CLI list them.
    pub const ALL: [Venue; 11] = [
        Venue::BinanceUsdm,
        Venue::BinanceCoinm,
        Venue::Bybit,
        Venue::BybitClassic,
        Venue::Okx,
        Venue::Gate,
        Venue::Hyperliquid,
        Venue::Dydx,
        Venue::Bitmex,
        Venue::Deribit,
        Venue::Generic,
    ];

    /// The preset's name as written in the format (`"binance-usdm"`).
    pub const fn name(self) -> &'static str {
        match self {
            Venue::BinanceUsdm => "binance-usdm",
            Venue::BinanceCoinm => "binance-coinm",
            Venue::Bybit => "bybit",
            Venue::BybitClassic => "bybit-classic",
            Venue::Okx => "okx",
            Venue::Gate => "gate",
            Venue::Hyperliquid => "hyperliquid",
            Venue::Dydx => "dydx",
            Venue::Bitmex => "bitmex",
            Venue::Deribit => "deribit",
            Venue::Generic => "generic",
            Venue::AaveV3 => "aave-v3",
            Venue::MorphoBlue => "morpho-blue",
            Venue::GmxV2 => "gmx-v2",
            Venue::Maker => "maker",
        }
    }

    /// Every preset's name, in the order of [`Venue::ALL`].
    pub const NAMES: [&'static str; Venue::ALL.len()] = {
        let mut names = [""; Venue::ALL.len()];
        let mut i = 0;
        while i < names.len() {
            names[i] = Venue::ALL[i].name();
            i += 1;
        }
        names
    };

    /// Every venue name a Scenario may give: the exchange presets, then the DeFi protocols.
    pub const ALL_NAMES: [&'static str; Venue::ALL.len() + Venue::PROTOCOLS.len()] = {
        let mut names = [""; Venue::ALL.len() + Venue::PROTOCOLS.len()];
        let mut i = 0;
        while i < names.len() {
            names[i] = if i < Venue::ALL.len() { Venue::ALL[i].name() } else { Venue::PROTOCOLS[i - Venue::ALL.len()].name() };
            i += 1;
        }
        names
    };

    /// Parses a venue name (preset or protocol); the error lists the known names.
    pub fn from_name(name: &str) -> Result<Venue, String> {
        Venue::ALL.iter().chain(&Venue::PROTOCOLS).copied().find(|v| v.name() == name).ok_or_else(|| {
            let hint = suggest(name, Venue::ALL_NAMES).map(|k| format!("did you mean {k}? ")).unwrap_or_default();
            format!("unknown venue `{name}`; {hint}known venues: {}", Venue::ALL_NAMES.join(", "))
        })
    }
}

impl fmt::Display for Venue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Isolated: each position's own `margin` is its collateral. Cross: the account's
/// `wallet_balance` backs every position together.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "kebab-case")]
pub enum MarginMode {
    #[default]
    Isolated,
    Cross,
    /// Portfolio margin: the account's positions stressed together over a scenario grid
    /// (`engine::portfolio`); the positions share `wallet_balance` as in cross mode.
    Portfolio,
}

/// Long gains when the price rises; short gains when it falls.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    #[default]
    Long,
    Short,
}

impl Side {
    /// `+1` for long, `−1` for short: the `side` of the venues' formulas.
    pub fn sign(self) -> f64 {
        match self {
            Side::Long => 1.0,
            Side::Short => -1.0,
        }
    }
}

/// Linear: size in base units, margin and PnL in the quote currency (USDT).
/// Inverse: size is the contract value in USD (contracts × contract size), margin and PnL in
/// the coin (BTC), PnL = size × (1/entry − 1/exit).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Contract {
    Linear,
    Inverse,
}

/// One row of a maintenance-margin table.
///
/// `floor` is the notional at which the tier starts, in the position's settlement units (quote
/// for linear, coin for inverse); the tier runs up to the next tier's floor. The maintenance
/// margin inside the tier is `notional × mmr − maint_amount`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Tier {
    pub floor: f64,
    pub mmr: f64,
    #[serde(default)]
    pub maint_amount: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_leverage: Option<f64>,
}

/// One position as the user entered it. Optional fields fall back to the venue preset.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Position {
    #[serde(default)]
    pub symbol: String,
    /// `linear` or `inverse`; default: the venue's usual contract. `option` (read as `None`)
    /// goes with the `option` section, which makes the position an option.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::engine::options::read_contract")]
    pub contract: Option<Contract>,
    #[serde(default)]
    pub side: Side,
    /// Base units (linear) or USD contract value (inverse).
    pub size: f64,
    pub entry_price: f64,
    /// Defaults to `entry_price`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark_price: Option<f64>,
    /// Initial leverage; isolated margin defaults to notional ÷ leverage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leverage: Option<f64>,
    /// Isolated collateral in the settlement asset (overrides notional ÷ leverage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    /// Maintenance-margin rate override (with `maint_amount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mmr: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maint_amount: Option<f64>,
    /// Tier table override (`floor` = notional where the tier starts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<Vec<Tier>>,
    /// Hyperliquid-style maintenance: MMR = 1 / (2 × max_leverage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_leverage: Option<f64>,
    /// Closing-fee rate, counted where the venue counts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taker_fee: Option<f64>,
    /// The liquidation price the venue itself reported for this position (kept as data, never
    /// corrected), so `eval` can show it beside leverlab's; `leverlab import` writes it, `null`
    /// where the venue reported none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue_liquidation_price: Option<f64>,
    /// Free text kept with the position: `leverlab import` lists here the venue's fields that
    /// leverlab does not model (e.g. `bustPrice=…`), so none is dropped silently.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    // GMX v2 only (see `engine::gmx`); rejected for the other venues.
    /// GMX v2: Collateral token (`WETH`, `USDC`); when it is the index token or its wrapped form, both prices move together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collateral_token: Option<String>,
    /// GMX v2: Collateral in tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collateral_amount: Option<f64>,
    /// GMX v2: Collateral token price, USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collateral_price: Option<f64>,
    /// GMX v2: The market's minCollateralFactorForLiquidation, the factor `isPositionLiquidatable`
    /// uses with `forLiquidation` (fraction of size in USD; the order checks' minCollateralFactor and
    /// its open-interest multiplier are not the liquidation's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_collateral_factor: Option<f64>,
    /// GMX v2: MIN_COLLATERAL_USD (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_collateral_usd: Option<f64>,
    /// GMX v2: Pending borrowing fee, USD (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub borrowing_fee_usd: Option<f64>,
    /// GMX v2: Pending funding fee, USD (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding_fee_usd: Option<f64>,
    /// GMX v2: Position fee factor of the close (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_fee_factor: Option<f64>,
    /// GMX v2: Price impact of closing the whole size, USD (negative = cost; positive counts as 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_impact_usd: Option<f64>,
    /// GMX v2: Liquidation fee factor charged when liquidated (default 0; not part of the check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_fee_factor: Option<f64>,
    /// GMX v2: the market's position-impact configuration and the position's pending impact
    /// (the closing impact is then computed, and capped as the contracts cap it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_impact: Option<crate::engine::gmx::PositionImpact>,
    /// BitMEX: the funding rate of the next interval (fraction; positive = longs pay shorts).
    /// BitMEX's maintenance margin includes the funding this position pays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding_rate: Option<f64>,
    /// A European option (`"contract": "option"`): type, strike, expiry, underlying price,
    /// volatility, carry, model and settlement (see `engine::options`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<crate::engine::options::OptionSpec>,
}

/// What the user entered: an account at one venue and its positions, plus optional market
/// assumptions for the risk analytics and the cascade simulator.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Format version; absent means the current one.
    #[serde(default = "current_version")]
    pub version: u32,
    pub venue: Venue,
    #[serde(default)]
    pub margin_mode: MarginMode,
    /// Cross collateral in the settlement asset. Required in cross mode (or `wallet_balances`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_balance: Option<f64>,
    /// Cross collateral of an inverse (coin-margined) account, one wallet per settlement coin
    /// (`{"BTC": 2, "ETH": 30}`): inverse collateral is kept per coin, so a loss in one coin
    /// does not touch another coin's wallet. Required instead of `wallet_balance` when the
    /// cross positions settle in more than one coin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_balances: Option<std::collections::BTreeMap<String, f64>>,
    #[serde(default)]
    pub positions: Vec<Position>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<Market>,
    /// Aave v3 / Morpho Blue: the lending account (see `engine::lending`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lending: Option<crate::engine::lending::Lending>,
    /// Maker: the vault (see `engine::maker`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<crate::engine::maker::Vault>,
    /// Maker: the collateral type's liquidation auction and its buyers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auction: Option<crate::engine::maker::Auction>,
    /// The time of the Scenario (RFC 3339, `2026-01-01T00:00:00Z`): options' `expiry` counts from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
    /// Portfolio mode: the model and its parameters (see `engine::portfolio`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portfolio_margin: Option<crate::engine::portfolio::PortfolioMargin>,
    /// Multi-asset collateral instead of one balance (see `engine::collateral`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collateral: Option<Vec<crate::engine::collateral::CollateralAsset>>,
    /// The settings of the analyses (`{"stress": {"range": 0.3}}`): what the page computed
    /// with, read by every door (see `engine::compute`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analyses: Option<crate::engine::compute::AnalysisSettings>,
}

fn current_version() -> u32 {
    FORMAT_VERSION
}

/// Optional market assumptions. The risk half (volatility, drift, horizon, funding, tails,
/// correlation) feeds the analytics; the book half (market price, the market's positions, a
/// generator and a depth model) feeds the liquidation map and cascade simulator.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Market {
    #[serde(flatten)]
    pub risk: RiskMarket,
    #[serde(flatten)]
    pub book: BookMarket,
}

pub(crate) use crate::engine::input::{check_non_negative, check_positive, check_rate};
pub use crate::engine::input::{FieldError, InputErrors};
use crate::engine::cascade::MAX_GENERATED;
use crate::engine::input::{opt, parse_json, read_repaired, req, suggest, Field, Shape};
use crate::engine::limits::MAX_POSITIONS;

/// The side names of the format.
pub const SIDES: &[&str] = &["long", "short"];
/// The contract names of the format.
pub const CONTRACTS: &[&str] = &["linear", "inverse", "option"];
/// The margin-mode names of the format.
pub const MARGIN_MODES: &[&str] = &["isolated", "cross", "portfolio"];

/// The fields of a tier table's row ([`Tier`]).
pub const TIER_FIELDS: &[Field] = &[
    req("floor", Shape::Number),
    req("mmr", Shape::Number),
    opt("maint_amount", Shape::Number),
    opt("max_leverage", Shape::Number),
];

/// The fields of a [`Position`].
pub const POSITION_FIELDS: &[Field] = &[
    opt("symbol", Shape::Text),
    opt("contract", Shape::Choice(CONTRACTS)),
    opt("side", Shape::Choice(SIDES)),
    req("size", Shape::Number),
    req("entry_price", Shape::Number),
    opt("mark_price", Shape::Number),
    opt("leverage", Shape::Number),
    opt("margin", Shape::Number),
    opt("mmr", Shape::Number),
    opt("maint_amount", Shape::Number),
    opt("tiers", Shape::List(&Shape::Object(TIER_FIELDS))),
    opt("max_leverage", Shape::Number),
    opt("taker_fee", Shape::Number),
    opt("funding_rate", Shape::Number),
    opt("venue_liquidation_price", Shape::Number),
    opt("note", Shape::Text),
    opt("collateral_token", Shape::Text),
    opt("collateral_amount", Shape::Number),
    opt("collateral_price", Shape::Number),
    opt("min_collateral_factor", Shape::Number),
    opt("min_collateral_usd", Shape::Number),
    opt("borrowing_fee_usd", Shape::Number),
    opt("funding_fee_usd", Shape::Number),
    opt("close_fee_factor", Shape::Number),
    opt("price_impact_usd", Shape::Number),
    opt("liquidation_fee_factor", Shape::Number),
    opt("position_impact", Shape::Object(crate::engine::gmx::POSITION_IMPACT_FIELDS)),
    opt("option", Shape::Object(crate::engine::options::OPTION_FIELDS)),
];

/// The fields of the `market` section ([`Market`]: its risk and book halves side by side).
pub const MARKET: Shape =
    Shape::Merged(&[crate::engine::analytics::market::RISK_FIELDS, crate::engine::cascade::BOOK_FIELDS]);

/// The fields of a [`Scenario`].
pub const SCENARIO_FIELDS: &[Field] = &[
    opt("version", Shape::Whole),
    req("venue", Shape::Choice(&Venue::ALL_NAMES)),
    opt("margin_mode", Shape::Choice(MARGIN_MODES)),
    opt("wallet_balance", Shape::Number),
    opt("wallet_balances", Shape::Map(&Shape::Number)),
    opt("positions", Shape::List(&Shape::Object(POSITION_FIELDS))),
    opt("market", MARKET),
    opt("lending", Shape::Object(crate::engine::lending::LENDING_FIELDS)),
    opt("vault", Shape::Object(crate::engine::maker::VAULT_FIELDS)),
    opt("auction", Shape::Object(crate::engine::maker::AUCTION_FIELDS)),
    opt("now", Shape::Text),
    opt("portfolio_margin", Shape::Object(crate::engine::portfolio::PORTFOLIO_MARGIN_FIELDS)),
    opt("collateral", Shape::List(&Shape::Object(crate::engine::collateral::COLLATERAL_FIELDS))),
    opt("analyses", Shape::Object(crate::engine::compute::settings::SECTION_FIELDS)),
];

/// The declared form of a Scenario document, for the strict reader.
pub const SCENARIO: Shape = Shape::Object(SCENARIO_FIELDS);

/// Parses a Scenario from JSON text and validates it.
///
/// The reading is strict: text after the document, a document that is not an object, unknown
/// fields (with a "did you mean" suggestion when a field is close), values of the wrong type,
/// fields that mean nothing in the chosen margin mode, and out-of-range values are all errors,
/// reported together in one pass, each at its path (`positions[0].levrage: unknown field; did
/// you mean leverage?`, `market.depth.model: …`).
///
/// # Errors
/// One [`FieldError`] per problem; a syntax error is one whole-document error with its line
/// and column.
pub fn parse_scenario(text: &str) -> Result<Scenario, InputErrors> {
    let v = parse_json(text)?;
    scenario_from_value(&v)
}

/// [`parse_scenario`] of an already parsed JSON value (the JS API's objects).
///
/// # Errors
/// As [`parse_scenario`].
pub fn scenario_from_value(v: &serde_json::Value) -> Result<Scenario, InputErrors> {
    scenario_repaired(v).map_err(|(_, e)| e)
}

/// [`parse_scenario`], giving back with the problems the repaired Scenario (unknown fields
/// dropped, unreadable values reset to neutral ones) when the document could still be built:
/// the page loads it and shows each problem under its field.
///
/// # Errors
/// As [`parse_scenario`], with the repaired Scenario when there is one.
pub fn parse_scenario_repaired(text: &str) -> Result<Scenario, (Option<Scenario>, InputErrors)> {
    let v = parse_json(text).map_err(|e| (None, e.into()))?;
    scenario_repaired(&v)
}

fn scenario_repaired(v: &serde_json::Value) -> Result<Scenario, (Option<Scenario>, InputErrors)> {
    if !v.is_object() {
        let what = match v {
            serde_json::Value::Array(_) => "a list",
            serde_json::Value::String(_) => "text",
            serde_json::Value::Number(_) => "a number",
            serde_json::Value::Bool(_) => "true/false",
            _ => "null",
        };
        return Err((None, FieldError::new("", format!("a Scenario must be a JSON object ({{\"venue\": …, \"positions\": […]}}), not {what}")).into()));
    }
    // The work ceilings on sizes, before any per-position work.
    let count = |list: Option<&serde_json::Value>| list.and_then(serde_json::Value::as_array).map_or(0, Vec::len);
    let mut too_big = Vec::new();
    let n = count(v.get("positions"));
    if n > MAX_POSITIONS {
        too_big.push(FieldError::new(
            "positions",
            format!("{n} positions is above the ceiling of {MAX_POSITIONS} per Scenario; split the book into several Scenarios"),
        ));
    }
    let m = count(v.get("market").and_then(|m| m.get("positions")));
    if m > MAX_GENERATED {
        too_big.push(FieldError::new(
            "market.positions",
            format!("{m} positions is above the ceiling of {MAX_GENERATED}; describe the market with market.generator instead"),
        ));
    }
    InputErrors::check(too_big).map_err(|e| (None, e))?;
    let contract = crate::engine::options::contract_problems(v);
    match read_repaired(v, &SCENARIO, |s: &Scenario, errors| s.problems(errors)) {
        Ok(s) if contract.is_empty() => Ok(s),
        Ok(s) => Err((Some(s), InputErrors(contract))),
        Err((s, InputErrors(mut e))) => {
            e.extend(contract);
            Err((s, InputErrors(e)))
        }
    }
}

impl Scenario {
    /// Distinct symbols of the positions, in order of first appearance.
    pub fn symbols(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in &self.positions {
            if !out.contains(&p.symbol) {
                out.push(p.symbol.clone());
            }
        }
        out
    }

    /// The contract type of position `i`: its own, else the type the venue's shipped table for
    /// its symbol is published for (`bybit` BTCUSD is inverse), else the venue's usual one.
    pub fn contract_of(&self, p: &Position) -> Contract {
        if let Some(o) = &p.option {
            return crate::engine::options::settlement(self, o);
        }
        p.contract.unwrap_or_else(|| {
            crate::engine::tables::table_contract(self.venue, &p.symbol)
                .unwrap_or_else(|| crate::engine::venue::default_contract(self.venue))
        })
    }

    /// Checks every field's range and the combinations the engine needs.
    ///
    /// # Errors
    /// One [`FieldError`] per problem, e.g. `positions[1].entry_price: must be a finite
    /// number > 0`, `wallet_balance: required in cross margin mode`.
    pub fn validate(&self) -> Result<(), InputErrors> {
        let mut errors = Vec::new();
        self.problems(&mut errors);
        InputErrors::check(errors)
    }

    /// The range and combination problems of [`Scenario::validate`], pushed onto `errors`.
    pub fn problems(&self, errors: &mut Vec<FieldError>) {
        crate::engine::portfolio::problems(self, errors);
        if self.margin_mode == MarginMode::Portfolio {
            // The positions share the wallet as in cross mode; the grid is checked above.
            return Scenario { margin_mode: MarginMode::Cross, portfolio_margin: None, ..self.clone() }.problems(errors);
        }
        // The DeFi protocols read their own sections; exchange presets reject them.
        crate::engine::protocol::validate(self, errors);
        if self.venue.is_protocol() {
            return;
        }
        for (i, p) in self.positions.iter().enumerate() {
            crate::engine::gmx::reject_gmx_fields(p, &format!("positions[{i}]"), errors);
        }
        if self.version > FORMAT_VERSION {
            errors.push(FieldError::new(
                "version",
                format!("format version {} is newer than this leverlab ({FORMAT_VERSION})", self.version),
            ));
        }
        match (self.margin_mode, self.wallet_balance) {
            (MarginMode::Cross, None) if self.wallet_balances.is_none() && self.collateral.is_none() => {
                errors.push(FieldError::new("wallet_balance", "required in cross margin mode"))
            }
            (MarginMode::Isolated, Some(_)) => errors.push(FieldError::new(
                "wallet_balance",
                "means nothing in isolated margin mode (each position's margin or leverage is its collateral); remove it, or set margin_mode to cross",
            )),
            (MarginMode::Cross, Some(w)) => check_non_negative(errors, "wallet_balance", w),
            // Per-coin wallets instead (see `venue::check_venue_rules`).
            (MarginMode::Cross, None) | (MarginMode::Isolated, None) => {}
            // Checked as cross (see the top of this function).
            (MarginMode::Portfolio, _) => {}
        }
        if self.margin_mode == MarginMode::Cross && self.positions.len() > 1 {
            let first = self.positions.first().map(|p| self.contract_of(p));
            if self.positions.iter().any(|p| Some(self.contract_of(p)) != first) {
                errors.push(FieldError::new(
                    "positions",
                    "a cross account cannot mix linear and inverse contracts (they settle in different assets); use isolated mode or two scenarios",
                ));
            }
        }
        if let Some(now) = &self.now {
            if humantime::parse_rfc3339(now).is_err() {
                errors.push(FieldError::new("now", format!("`{now}` is not an RFC 3339 UTC time like 2026-01-01T00:00:00Z")));
            }
        }
        crate::engine::collateral::problems(self, errors);
        for (i, p) in self.positions.iter().enumerate() {
            if let Some(o) = &p.option {
                crate::engine::options::problems(self, i, p, o, errors);
                continue;
            }
            let at = |f: &str| format!("positions[{i}].{f}");
            check_positive(errors, &at("size"), p.size);
            check_positive(errors, &at("entry_price"), p.entry_price);
            if let Some(m) = p.mark_price {
                check_positive(errors, &at("mark_price"), m);
            }
            if let Some(l) = p.leverage {
                if !crate::engine::input::leverage_ok(l) {
                    errors.push(FieldError::new(at("leverage"), crate::engine::input::LEVERAGE_MESSAGE));
                }
            }
            if let Some(m) = p.margin {
                if self.margin_mode == MarginMode::Cross {
                    errors.push(FieldError::new(
                        at("margin"),
                        "means nothing in cross margin mode (the account's wallet_balance backs every position); remove it, or set margin_mode to isolated",
                    ));
                } else {
                    check_non_negative(errors, &at("margin"), m);
                }
            }
            if self.margin_mode == MarginMode::Isolated && p.leverage.is_none() && p.margin.is_none() {
                errors.push(FieldError::new(at("leverage"), "give leverage or margin for an isolated position"));
            }
            if let Some(r) = p.mmr {
                check_rate(errors, &at("mmr"), r, 1.0);
            }
            if let Some(a) = p.maint_amount {
                if !a.is_finite() {
                    errors.push(FieldError::new(at("maint_amount"), "must be a finite number"));
                }
            }
            if let Some(f) = p.taker_fee {
                check_rate(errors, &at("taker_fee"), f, 0.1);
            }
            if let Some(v) = p.venue_liquidation_price {
                check_positive(errors, &at("venue_liquidation_price"), v);
            }
            if let Some(l) = p.max_leverage {
                if !crate::engine::input::leverage_ok(l) {
                    errors.push(FieldError::new(at("max_leverage"), crate::engine::input::LEVERAGE_MESSAGE));
                }
            }
            if let Some(tiers) = &p.tiers {
                if tiers.is_empty() {
                    errors.push(FieldError::new(at("tiers"), "must list at least one tier"));
                }
                for (k, t) in tiers.iter().enumerate() {
                    let tp = |f: &str| format!("positions[{i}].tiers[{k}].{f}");
                    check_non_negative(errors, &tp("floor"), t.floor);
                    check_rate(errors, &tp("mmr"), t.mmr, 1.0);
                    if !t.maint_amount.is_finite() {
                        errors.push(FieldError::new(tp("maint_amount"), "must be a finite number"));
                    }
                    if let Some(l) = t.max_leverage {
                        if !crate::engine::input::leverage_ok(l) {
                            errors.push(FieldError::new(tp("max_leverage"), crate::engine::input::LEVERAGE_MESSAGE));
                        }
                    }
                    if k > 0 && t.floor <= tiers[k - 1].floor {
                        errors.push(FieldError::new(tp("floor"), "tiers must be sorted by increasing floor"));
                    }
                }
                if tiers.first().is_some_and(|t| t.floor != 0.0) {
                    errors.push(FieldError::new(format!("positions[{i}].tiers[0].floor"), "the first tier must start at 0"));
                }
            }
        }
        crate::engine::venue::check_venue_rules(self, errors);
        if let Some(m) = &self.market {
            m.risk.validate(&self.symbols(), errors);
            m.book.validate(errors);
        }
        // The magnitude limits too, so a parse reports them with the other problems; only
        // where the field passed its own check (a NaN size is said once).
        if let Err(e) = crate::engine::check_magnitudes(self) {
            for fe in e.0 {
                if !errors.iter().any(|x| x.path == fe.path) {
                    errors.push(fe);
                }
            }
        }
    }
}
