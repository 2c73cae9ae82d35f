//! The market's leverage map and the liquidation-cascade simulator.
//!
//! This module owns the book half of the Scenario's optional `market` section: the market
//! price, the market's positions (given, imported from CSV, or generated), the order-book depth
//! model, and the perpetual's basis. From them it answers the question *when does a price move
//! trigger liquidations whose forced selling moves the price further, and when does that loop
//! feed itself?*
//!
//! The pipeline, in the order the page and the CLI run it:
//!
//! 1. [`market_levels`]: every market position's liquidation price, from the same engine as
//!    `eval` ([`crate::engine::evaluate`] for given positions, [`crate::engine::venue::position_model`]
//!    and [`crate::engine::margin::liquidation_price`] for generated ones), sorted once into
//!    [`MarketLevels`] with prefix sums of notional and size.
//! 2. [`liquidation_map`]: liquidation notional per price bin and the cumulative
//!    "liquidatable between here and price X" curves.
//! 3. [`Impact`]: the price-impact models (linear or profiled depth, square-root law,
//!    constant-product pool), optionally with depth that refills between rounds.
//! 4. [`simulate`]: one cascade, round by round, to its fixed point.
//! 5. [`sweep`]: the amplification curve and the critical shock, both directions.
//! 6. [`user_cascade`]: the smallest shock that liquidates each of the user's positions once
//!    the market's cascade is counted.
//! 7. [`funding_signal`]: funding and basis as a gauge of which side is crowded, tilting the
//!    default leverage distribution.
//!
//! Every step after (1) costs `O(log n)` per cascade round (a binary search in the sorted
//! levels), never `O(n)`, so a 10⁶-position market sweeps 200 shocks in milliseconds.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::engine::input::{opt, req, Field, Shape};
use crate::engine::input::{check_non_negative, check_positive, FieldError};
use crate::engine::scenario::{Side, Venue, SIDES};

mod funding;
mod generate;
mod impact;
mod import;
mod levels;
mod collect;
mod exposure;
mod map;
mod sim;
mod sweep;

pub use funding::{funding_signal, FundingSignal, LeverageWeight, DEFAULT_BUCKETS};
pub use impact::{Impact, MAX_UP_MOVE};
pub use import::{loans_from_json, parse_loans_csv, parse_positions_csv, positions_from_json};
pub use levels::{market_levels, reference_price, LevelSummary, MarketLevels, SideBook};
pub use map::{liquidation_map, LiquidationMap, UserMark};
pub use exposure::{user_cascade, UserCascade};
pub use sim::{simulate, CascadeResult, Direction, Round};
pub use sweep::{
    critical_shock, sensitivity, sweep, CriticalShock, Sensitivity, SensitivityPoint, Sweep, SweepCurve, SweepOptions, DEPTH_MULTIPLIERS,
    JUMP_SIZE, LEVERAGE_MULTIPLIERS,
};

/// Largest number of positions the generator makes (memory guard: 24 bytes per level).
pub const MAX_GENERATED: usize = 5_000_000;

/// One position of the market (not the user's own): given in JSON, imported from CSV, or
/// generated.
///
/// Market positions are linear contracts: `size` in base units, notional `size × price` in the
/// quote currency. With `leverage` the liquidation price is the venue engine's, for an isolated
/// position whose collateral is entry notional ÷ leverage (exactly what `eval` does); a given
/// `liquidation_price` is used as is and wins over `leverage`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct MarketPosition {
    #[serde(default)]
    pub side: Side,
    /// Size in base units.
    pub size: f64,
    pub entry_price: f64,
    /// Initial leverage, 1..1000: the engine derives the liquidation price from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leverage: Option<f64>,
    /// The liquidation price itself (wins over `leverage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_price: Option<f64>,
    /// Venue whose maintenance rules apply; default the Scenario's venue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<Venue>,
    /// Symbol selecting the venue's tier table; default the first user position's symbol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
}

/// A parametric leverage distribution: log-normal with the given median and log-σ, clamped to
/// `[1, max]`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LognormalLeverage {
    pub median: f64,
    pub sigma: f64,
    #[serde(default = "default_max_leverage")]
    pub max: f64,
}

fn default_max_leverage() -> f64 {
    125.0
}

/// Parameters that generate a reproducible synthetic market of positions.
///
/// Each side gets `count × OI_side / (OI_long + OI_short)` positions of equal entry notional
/// (`OI_side / n_side`). Leverage: drawn from `leverage_buckets` (leverage as text key → weight),
/// or from `leverage_lognormal`, or by default from [`DEFAULT_BUCKETS`] tilted per side by the
/// funding signal ([`funding_signal`]). Entry price: uniform in `price × (1 ± entry_spread)`
/// (stratified per bucket), or a point drawn uniformly from `price_history` (entries accumulated
/// along the path the user gives) times `1 ± entry_spread`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Generator {
    /// Long open interest, quote currency, valued at entry.
    pub open_interest_long: f64,
    /// Short open interest, quote currency, valued at entry.
    pub open_interest_short: f64,
    /// Leverage (as text key, e.g. `"10"`) → weight.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub leverage_buckets: BTreeMap<String, f64>,
    /// Parametric alternative to the buckets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leverage_lognormal: Option<LognormalLeverage>,
    /// Relative half-width of entry prices around the base price (0.1 = ±10 %), < 1.
    #[serde(default)]
    pub entry_spread: f64,
    /// Past prices along which entries accumulated (each point equally likely).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub price_history: Vec<f64>,
    #[serde(default)]
    pub seed: u64,
    /// Number of positions to generate (at most [`MAX_GENERATED`]).
    pub count: usize,
    /// Maintenance-margin rate for every generated position; default the venue's table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mmr: Option<f64>,
}

/// Price-impact model of the book that absorbs forced closes. See [`Impact`] for the formulas.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum ImpactModel {
    /// Constant depth: `notional_per_pct` of quote notional moves the price by 1 %.
    Linear { notional_per_pct: f64 },
    /// Depth profile: entry k is the quote notional that moves the price through its (k+1)-th
    /// percent; the last entry repeats beyond the profile.
    Profile { notional_per_pct: Vec<f64> },
    /// Square-root law I = Y·σ·√(Q/V) (Donier & Bonart, arXiv:1412.4503): σ daily volatility
    /// (fraction), V daily volume (quote), Q the forced notional, Y of order 1.
    Sqrt {
        #[serde(default = "default_y")]
        y: f64,
        daily_volatility: f64,
        daily_volume: f64,
    },
    /// Constant-product pool `x·y = k` with `base_reserve` x and `quote_reserve` y.
    Amm { base_reserve: f64, quote_reserve: f64 },
}

fn default_y() -> f64 {
    1.0
}

/// The book's depth: an impact model, and optionally depth that refills between rounds.
///
/// With `refill_half_life` (seconds) the impact of each round's forced flow decays by half every
/// half-life (transient impact); a round lasts `round_seconds` (default 1 s).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Depth {
    #[serde(flatten)]
    pub model: ImpactModel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refill_half_life: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_seconds: Option<f64>,
}

/// The fields of a [`MarketPosition`] (and the columns of the market CSV).
pub const MARKET_POSITION_FIELDS: &[Field] = &[
    opt("side", Shape::Choice(SIDES)),
    req("size", Shape::Number),
    req("entry_price", Shape::Number),
    opt("leverage", Shape::Number),
    opt("liquidation_price", Shape::Number),
    opt("venue", Shape::Choice(&Venue::NAMES)),
    opt("symbol", Shape::Text),
];

/// The fields of a [`LognormalLeverage`].
pub const LOGNORMAL_FIELDS: &[Field] =
    &[req("median", Shape::Number), req("sigma", Shape::Number), opt("max", Shape::Number)];

/// The fields of a [`Generator`].
pub const GENERATOR_FIELDS: &[Field] = &[
    req("open_interest_long", Shape::Number),
    req("open_interest_short", Shape::Number),
    opt("leverage_buckets", Shape::Map(&Shape::Number)),
    opt("leverage_lognormal", Shape::Object(LOGNORMAL_FIELDS)),
    opt("entry_spread", Shape::Number),
    opt("price_history", Shape::List(&Shape::Number)),
    opt("seed", Shape::Whole),
    req("count", Shape::Whole),
    opt("mmr", Shape::Number),
];

/// The form of a [`Depth`]: `model` names an [`ImpactModel`] whose fields sit beside the
/// refill settings.
pub const DEPTH: Shape = Shape::Tagged {
    tag: "model",
    variants: &[
        ("linear", &[req("notional_per_pct", Shape::Number)]),
        ("profile", &[req("notional_per_pct", Shape::List(&Shape::Number))]),
        ("sqrt", &[opt("y", Shape::Number), req("daily_volatility", Shape::Number), req("daily_volume", Shape::Number)]),
        ("amm", &[req("base_reserve", Shape::Number), req("quote_reserve", Shape::Number)]),
    ],
    common: &[opt("refill_half_life", Shape::Number), opt("round_seconds", Shape::Number)],
};

/// The fields of [`BookMarket`] (the book half of the `market` section), for the strict reader.
pub const BOOK_FIELDS: &[Field] = &[
    opt("price", Shape::Number),
    opt("positions", Shape::List(&Shape::Object(MARKET_POSITION_FIELDS))),
    opt("generator", Shape::Object(GENERATOR_FIELDS)),
    opt("depth", DEPTH),
    opt("basis", Shape::Number),
    opt("loans", Shape::List(&Shape::Object(crate::engine::lending::loans::MARKET_LOAN_FIELDS))),
    opt("loan_generator", Shape::Object(crate::engine::lending::loans::LOAN_GENERATOR_FIELDS)),
];

/// Book half of the Scenario's `market` section.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct BookMarket {
    /// Current market price; defaults to the first user position's mark (or entry) price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub positions: Vec<MarketPosition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<Generator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<Depth>,
    /// Perpetual basis (mark − index) ÷ index, as a fraction; with `funding_rate_8h` it feeds
    /// the funding-skew signal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<f64>,
    /// Lending positions on the asset (Aave-style loans): their liquidations sell or buy the
    /// asset into the same depth (see `engine::lending::loans`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loans: Vec<crate::engine::lending::loans::MarketLoan>,
    /// Generated loans (see `engine::lending::loans::LoanGenerator`), beside the given ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loan_generator: Option<crate::engine::lending::loans::LoanGenerator>,
}

/// Range checks of one market position, with `at` the path prefix (`market.positions[3]`).
pub(crate) fn validate_position(p: &MarketPosition, at: &str, errors: &mut Vec<FieldError>) {
    check_positive(errors, &format!("{at}.size"), p.size);
    check_positive(errors, &format!("{at}.entry_price"), p.entry_price);
    if let Some(l) = p.liquidation_price {
        check_positive(errors, &format!("{at}.liquidation_price"), l);
    }
    if let Some(l) = p.leverage {
        if !crate::engine::input::leverage_ok(l) {
            errors.push(FieldError::new(format!("{at}.leverage"), crate::engine::input::LEVERAGE_MESSAGE));
        }
    }
    if p.leverage.is_none() && p.liquidation_price.is_none() {
        errors.push(FieldError::new(format!("{at}.leverage"), "give leverage or liquidation_price"));
    }
}

impl BookMarket {
    /// Range checks for the book fields; problems are pushed with their `market.…` path.
    pub fn validate(&self, errors: &mut Vec<FieldError>) {
        if let Some(p) = self.price {
            check_positive(errors, "market.price", p);
        }
        for (i, p) in self.positions.iter().enumerate() {
            validate_position(p, &format!("market.positions[{i}]"), errors);
        }
        for (i, l) in self.loans.iter().enumerate() {
            l.validate(&format!("market.loans[{i}]"), errors);
        }
        if let Some(g) = &self.loan_generator {
            g.validate(errors);
        }
        let loans = self.loans.len() + self.loan_generator.as_ref().map_or(0, |g| g.count);
        if loans > crate::engine::lending::loans::MAX_LOANS {
            errors.push(FieldError::new(
                "market.loans",
                format!("{loans} loans given and generated is above the ceiling of {}", crate::engine::lending::loans::MAX_LOANS),
            ));
        }
        if let Some(b) = self.basis {
            if !b.is_finite() || b.abs() >= 1.0 {
                errors.push(FieldError::new("market.basis", "must be a finite fraction between −1 and 1"));
            }
        }
        if let Some(g) = &self.generator {
            g.validate(errors);
        }
        if let Some(d) = &self.depth {
            d.validate(errors);
        }
    }
}

impl Generator {
    fn validate(&self, errors: &mut Vec<FieldError>) {
        let at = |f: &str| format!("market.generator.{f}");
        check_non_negative(errors, &at("open_interest_long"), self.open_interest_long);
        check_non_negative(errors, &at("open_interest_short"), self.open_interest_short);
        if !self.entry_spread.is_finite() || !(0.0..1.0).contains(&self.entry_spread) {
            errors.push(FieldError::new(at("entry_spread"), "must be a fraction ≥ 0 and < 1"));
        }
        if self.count > MAX_GENERATED {
            errors.push(FieldError::new(at("count"), format!("must be at most {MAX_GENERATED}")));
        }
        for (k, w) in &self.leverage_buckets {
            match k.trim().parse::<f64>() {
                Ok(l) if crate::engine::input::leverage_ok(l) => {}
                _ => errors.push(FieldError::new(
                    format!("market.generator.leverage_buckets.{k}"),
                    "key must be a leverage from 1 to 1000",
                )),
            }
            check_non_negative(errors, &format!("market.generator.leverage_buckets.{k}"), *w);
        }
        let total: f64 = self.leverage_buckets.values().sum();
        if !self.leverage_buckets.is_empty() && (total.is_nan() || total <= 0.0) {
            errors.push(FieldError::new(at("leverage_buckets"), "weights must not all be zero"));
        }
        if let Some(l) = &self.leverage_lognormal {
            check_positive(errors, &at("leverage_lognormal.median"), l.median);
            check_non_negative(errors, &at("leverage_lognormal.sigma"), l.sigma);
            if !crate::engine::input::leverage_ok(l.max) {
                errors.push(FieldError::new(at("leverage_lognormal.max"), crate::engine::input::LEVERAGE_MESSAGE));
            }
            if l.sigma > 10.0 {
                errors.push(FieldError::new(at("leverage_lognormal.sigma"), "must be at most 10"));
            }
        }
        for (i, p) in self.price_history.iter().enumerate() {
            check_positive(errors, &format!("market.generator.price_history[{i}]"), *p);
        }
        if let Some(m) = self.mmr {
            if !m.is_finite() || !(0.0..1.0).contains(&m) {
                errors.push(FieldError::new(at("mmr"), "must be a rate ≥ 0 and < 1"));
            }
        }
    }
}

impl Depth {
    pub(crate) fn validate(&self, errors: &mut Vec<FieldError>) {
        match &self.model {
            ImpactModel::Linear { notional_per_pct } => {
                check_positive(errors, "market.depth.notional_per_pct", *notional_per_pct)
            }
            ImpactModel::Profile { notional_per_pct } => {
                if notional_per_pct.is_empty() {
                    errors.push(FieldError::new("market.depth.notional_per_pct", "must list at least one band"));
                }
                for (i, v) in notional_per_pct.iter().enumerate() {
                    check_positive(errors, &format!("market.depth.notional_per_pct[{i}]"), *v);
                }
            }
            ImpactModel::Sqrt { y, daily_volatility, daily_volume } => {
                check_positive(errors, "market.depth.y", *y);
                check_positive(errors, "market.depth.daily_volatility", *daily_volatility);
                check_positive(errors, "market.depth.daily_volume", *daily_volume);
            }
            ImpactModel::Amm { base_reserve, quote_reserve } => {
                check_positive(errors, "market.depth.base_reserve", *base_reserve);
                check_positive(errors, "market.depth.quote_reserve", *quote_reserve);
            }
        }
        if let Some(h) = self.refill_half_life {
            check_positive(errors, "market.depth.refill_half_life", h);
        }
        if let Some(r) = self.round_seconds {
            check_positive(errors, "market.depth.round_seconds", r);
        }
    }
}
