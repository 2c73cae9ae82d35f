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

use crate::engine::analytics::RiskMarket;
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
    Bybit,
    Okx,
    Gate,
    Hyperliquid,
    Dydx,
    Bitmex,
    Deribit,
    Generic,
}

impl Venue {
    /// Every preset, in the order the page and the CLI list them.
    pub const ALL: [Venue; 10] = [
        Venue::BinanceUsdm,
        Venue::BinanceCoinm,
        Venue::Bybit,
        Venue::Okx,
        Venue::Gate,
        Venue::Hyperliquid,
        Venue::Dydx,
        Venue::Bitmex,
        Venue::Deribit,
        Venue::Generic,
    ];

    /// The preset's name as written in the format (`"binance-usdm"`).
    pub fn name(self) -> &'static str {
        match self {
            Venue::BinanceUsdm => "binance-usdm",
            Venue::BinanceCoinm => "binance-coinm",
            Venue::Bybit => "bybit",
            Venue::Okx => "okx",
            Venue::Gate => "gate",
            Venue::Hyperliquid => "hyperliquid",
            Venue::Dydx => "dydx",
            Venue::Bitmex => "bitmex",
            Venue::Deribit => "deribit",
            Venue::Generic => "generic",
        }
    }

    /// Parses a preset name; the error lists the known names.
    pub fn from_name(name: &str) -> Result<Venue, String> {
        Venue::ALL.iter().copied().find(|v| v.name() == name).ok_or_else(|| {
            format!(
                "unknown venue `{name}`; known venues: {}",
                Venue::ALL.iter().map(|v| v.name()).collect::<Vec<_>>().join(", ")
            )
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
    /// `linear` or `inverse`; default: the venue's usual contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    /// Cross collateral in the settlement asset. Required in cross mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_balance: Option<f64>,
    #[serde(default)]
    pub positions: Vec<Position>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<Market>,
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

/// One problem in the input: where it is and what is wrong.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, e.g. `positions[1].entry_price`; empty for the whole document.
    pub path: String,
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { path: path.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// All the problems found in one input; never empty when returned as an error.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct InputErrors(pub Vec<FieldError>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

impl From<FieldError> for InputErrors {
    fn from(e: FieldError) -> Self {
        InputErrors(vec![e])
    }
}

/// Parses a Scenario from JSON text and validates it.
///
/// # Errors
/// A syntax or type error gives one [`FieldError`] at the path where parsing stopped
/// (unknown venue names list the known ones); a well-formed document with bad values gives
/// one error per bad field (see [`Scenario::validate`]).
pub fn parse_scenario(text: &str) -> Result<Scenario, InputErrors> {
    let de = &mut serde_json::Deserializer::from_str(text);
    let scenario: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let mut message = e.inner().to_string();
        // serde_json appends " at line L column C"; keep it only for whole-document errors.
        if !path.is_empty() {
            if let Some(i) = message.find(" at line ") {
                message.truncate(i);
            }
        }
        if message.starts_with("unknown variant") && path == "venue" {
            // serde lists the expected names already; say what they are.
            message = message.replace("expected one of", "known venues:");
        }
        FieldError::new(path, message)
    })?;
    scenario.validate()?;
    Ok(scenario)
}

/// Checks that a number is finite and strictly positive.
pub(crate) fn check_positive(errors: &mut Vec<FieldError>, path: &str, v: f64) {
    if !v.is_finite() || v <= 0.0 {
        errors.push(FieldError::new(path, "must be a finite number > 0"));
    }
}

/// Checks that a number is finite and not negative.
pub(crate) fn check_non_negative(errors: &mut Vec<FieldError>, path: &str, v: f64) {
    if !v.is_finite() || v < 0.0 {
        errors.push(FieldError::new(path, "must be a finite number ≥ 0"));
    }
}

/// Checks that a rate lies in `[0, max)`.
pub(crate) fn check_rate(errors: &mut Vec<FieldError>, path: &str, v: f64, max: f64) {
    if !v.is_finite() || v < 0.0 || v >= max {
        errors.push(FieldError::new(path, format!("must be a rate ≥ 0 and < {max}")));
    }
}

impl Scenario {
    /// The contract type of position `i` (its own, or the venue's usual one).
    pub fn contract_of(&self, p: &Position) -> Contract {
        p.contract.unwrap_or_else(|| crate::engine::venue::default_contract(self.venue))
    }

    /// Checks every field's range and the combinations the engine needs.
    ///
    /// # Errors
    /// One [`FieldError`] per problem, e.g. `positions[1].entry_price: must be a finite
    /// number > 0`, `wallet_balance: required in cross margin mode`.
    pub fn validate(&self) -> Result<(), InputErrors> {
        let mut errors = Vec::new();
        if self.version > FORMAT_VERSION {
            errors.push(FieldError::new(
                "version",
                format!("format version {} is newer than this leverlab ({FORMAT_VERSION})", self.version),
            ));
        }
        match (self.margin_mode, self.wallet_balance) {
            (MarginMode::Cross, None) => {
                errors.push(FieldError::new("wallet_balance", "required in cross margin mode"))
            }
            (_, Some(w)) => check_non_negative(&mut errors, "wallet_balance", w),
            _ => {}
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
        for (i, p) in self.positions.iter().enumerate() {
            let at = |f: &str| format!("positions[{i}].{f}");
            check_positive(&mut errors, &at("size"), p.size);
            check_positive(&mut errors, &at("entry_price"), p.entry_price);
            if let Some(m) = p.mark_price {
                check_positive(&mut errors, &at("mark_price"), m);
            }
            if let Some(l) = p.leverage {
                if !l.is_finite() || l < 1.0 || l > 1000.0 {
                    errors.push(FieldError::new(at("leverage"), "must be a number from 1 to 1000"));
                }
            }
            if let Some(m) = p.margin {
                check_non_negative(&mut errors, &at("margin"), m);
            }
            if self.margin_mode == MarginMode::Isolated && p.leverage.is_none() && p.margin.is_none() {
                errors.push(FieldError::new(at("leverage"), "give leverage or margin for an isolated position"));
            }
            if let Some(r) = p.mmr {
                check_rate(&mut errors, &at("mmr"), r, 1.0);
            }
            if let Some(a) = p.maint_amount {
                if !a.is_finite() {
                    errors.push(FieldError::new(at("maint_amount"), "must be a finite number"));
                }
            }
            if let Some(f) = p.taker_fee {
                check_rate(&mut errors, &at("taker_fee"), f, 0.1);
            }
            if let Some(l) = p.max_leverage {
                if !l.is_finite() || l < 1.0 || l > 1000.0 {
                    errors.push(FieldError::new(at("max_leverage"), "must be a number from 1 to 1000"));
                }
            }
            if let Some(tiers) = &p.tiers {
                if tiers.is_empty() {
                    errors.push(FieldError::new(at("tiers"), "must list at least one tier"));
                }
                for (k, t) in tiers.iter().enumerate() {
                    let tp = |f: &str| format!("positions[{i}].tiers[{k}].{f}");
                    check_non_negative(&mut errors, &tp("floor"), t.floor);
                    check_rate(&mut errors, &tp("mmr"), t.mmr, 1.0);
                    if !t.maint_amount.is_finite() {
                        errors.push(FieldError::new(tp("maint_amount"), "must be a finite number"));
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
        if let Some(m) = &self.market {
            m.risk.validate(self, &mut errors);
            m.book.validate(&mut errors);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(InputErrors(errors))
        }
    }
}
