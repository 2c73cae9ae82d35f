//! Portfolio margin (`margin_mode: "portfolio"`): the account's options and futures revalued
//! together over a grid of underlying-price and volatility scenarios; the margin is set by the
//! worst scenario.
//!
//! # Deribit (S:PM), the default model
//! Deribit's Portfolio Margin article [DRB-PM]: "Maximum underlying price move e.g. +/-16 %.
//! This is broken down into 9 evenly spaced buckets … including a bucket for zero price
//! movement. Volatility Stress Scenarios (Volatility Range Up, Same, and Down) are calculated
//! for each bucket"; an extended table (−66 %, −33 %, +50 %, +100 % … +500 %) on volatility up
//! only, with a fraction of the P&L and a dampener; contingencies on top. Per option with
//! implied volatility `σ` and `d` days to expiry, the shocked volatilities are ([ORE]'s copy of
//! Deribit's formula, the volatility-down typo corrected as in defi-options-models.md §5):
//!
//! ```text
//! power    = short_term_vega_power if d < 30 else long_term_vega_power
//! vol_up   = max(σ (1 + volatility_range_up (30/d)^power), min_volatility_for_shock_up)
//! vol_down = max(σ (1 − volatility_range_down (30/d)^power), 0.0001)
//! ```
//!
//! Defaults: Deribit's published BTC model parameters of 2024-06-17 (the `private/pme/simulate`
//! example of the API reference [DRB-API-PME]: `price_range` 0.16, `buckets_count` 4,
//! `volatility_range_up` 0.5, `volatility_range_down` 0.25, `min_volatility_for_shock_up` 0.5,
//! `short_term_vega_power` 0.3, `long_term_vega_power` 0.13, `mm_factor` 0.8) and the
//! contingencies of Deribit's older PM page [DRB-PM-old] (0.01 coin per net short option per
//! strike; 1 % of the underlying value of offsetting futures), because the current page gives
//! no contingency values. The margin: `IM = worst loss over the standard scenarios +
//! contingencies`, `MM = mm_factor × IM`.
//!
//! **The extended table** (volatility up only) counts as well. What Deribit publishes of it:
//! the moves (−66 %, −33 %, +50 %, +100 %, +200 %, +300 %, +400 %, +500 %, [DRB-PM]), "only a
//! fraction of simulated P&L" and "application of a dampener" [DRB-PM]; the parameters
//! `extended_table_factor` (1 for BTC) and `extended_dampener` (100,000 USD for BTC) and, in
//! the same `private/pme/simulate` example [DRB-API-PME], each instrument's extended risk
//! vector: a future's entries there equal its standard vector at the range's edge (the
//! BTC-PERPETUAL's −66 % and −33 % entries are its −16 % value −0.05991206933333334, its up
//! moves its +16 % value 0.04338460193103449), and the account's aggregated extended vector
//! is 0 where the standard one shows a 0.0597 BTC (≈ 3,919 USD) loss. The formula is not
//! published; leverlab counts, per extended move `x` (futures' move clamped to ±price_range
//! as in that example, options at the full move and their volatility-up shock):
//!
//! ```text
//! counted_loss(x) = max(0, extended_table_factor × loss(x) − extended_dampener / index)
//! ```
//!
//! (`loss = −P&L`, settlement asset; the dampener is in USD, so divided by the index price for
//! coin-settled books), which reproduces that example's zero extended vector, and the margin is
//! set by the largest counted loss of the standard and the extended table (`worst_table`).
//!
//! # CME SPAN
//! Sixteen scenarios per the SPAN risk array [SPAN-NSE], [SPAN-McM]: price moves `{0, ±1/3,
//! ±2/3, ±1} × PSR` each with volatility up and down by the volatility scan range (14
//! scenarios, 100 % of the loss), and two extreme moves `±extreme_multiple × PSR` at
//! unchanged volatility, counting `extreme_fraction` (35 %) of the loss (McMillan's S&P
//! example: a 20-point range, an extreme of 14 points net = 2 × 20 × 0.35). The scanning risk
//! is the largest loss; leverlab adds no spread charges or credits (one underlying).
//!
//! **The scan ranges are required, not defaulted**: CME states that "exchanges and clearing
//! organizations using the CME SPAN methodology will determine for themselves" the price and
//! volatility scan ranges, published daily in their SPAN risk parameter files
//! [CME-SPAN-overview], and that "the price scan range is equal to the current Maintenance
//! Requirement for a Combined Commodity" (the Risk Arrays—Standard report [CME-RA]). So
//! `price_scan_range` (a fraction of the price: the product's outright maintenance margin ÷
//! its notional) must be given, and `volatility_scan_range` (absolute volatility points) too
//! when the book holds options; leverlab has no universal value to put in their place.
//!
//! # P&L of a scenario (settlement asset)
//! A price move `m` takes each instrument's price `P` to `P (1 + m)`. Futures: linear `s Q P m`,
//! inverse `s N (1/P − 1/(P(1 + m)))` (the futures engine's definitions). Options: `s × size ×
//! (V(P(1+m), σ') − V(P, σ))`, with `V` the model value in the settlement asset (coin value
//! = USD value / underlying price for inverse options) and the time to expiry unchanged.
//!
//! Sources: [DRB-PM] support.deribit.com "Portfolio Margin"; [DRB-API-PME] docs.deribit.com
//! `private/pme/simulate`; [DRB-PM-old] deribit.com/pages/docs/portfoliomargin; [ORE]
//! docs.oreome.com "Advanced Risk Scenarios"; [SPAN-NSE] NSE SPAN risk-array description;
//! [CME-SPAN-overview] cmegroup.com "CME SPAN Methodology Overview"; [CME-RA] CME Client
//! Systems Wiki (pubspan) "Risk Arrays - Standard";
//! [SPAN-McM] McMillan, "Options as a Strategic Investment" (S&P futures: PSR $10,000,
//! extreme $7,000 → $10,000).

use serde::{Deserialize, Serialize};

use crate::engine::input::{opt, Field, Shape};
use crate::engine::options;
use crate::engine::scenario::{Contract, FieldError, InputErrors, MarginMode, Scenario};

/// The portfolio-margin model.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum PmModel {
    #[default]
    Deribit,
    Span,
    /// Binance Portfolio Margin Pro's uniMMR over the `collateral` list (engine::collateral).
    Binance,
}

/// The `portfolio_margin` section: every parameter optional, defaulting to the model's
/// published values (module docs).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct PortfolioMargin {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<PmModel>,
    /// Deribit: the largest price move (fraction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_range: Option<f64>,
    /// Deribit: buckets on each side of 0 (4 → 9 price moves).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buckets: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volatility_range_up: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volatility_range_down: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_volatility_for_shock_up: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_term_vega_power: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_term_vega_power: Option<f64>,
    /// Deribit: the extended table's price moves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_moves: Option<Vec<f64>>,
    /// Deribit: the fraction of the extended table's loss counted (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_table_factor: Option<f64>,
    /// Deribit: the loss, in USD (quote), the extended table forgives (default 100,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_dampener: Option<f64>,
    /// Deribit: coin (inverse) or quote (linear) per net short option per strike.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_contingency: Option<f64>,
    /// Deribit: fraction of the underlying value of offsetting futures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub futures_contingency: Option<f64>,
    /// Deribit: MM = mm_factor × IM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mm_factor: Option<f64>,
    /// SPAN: price scan range as a fraction of the price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_scan_range: Option<f64>,
    /// SPAN: volatility scan range, absolute (0.1 = 10 volatility points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volatility_scan_range: Option<f64>,
    /// SPAN: extreme move in multiples of the price scan range (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extreme_multiple: Option<f64>,
    /// SPAN: fraction of the extreme moves' loss counted (default 0.35).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extreme_fraction: Option<f64>,
    /// Binance: maintenance rate of margin loans (default 0.10, the 3x rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loan_mmr: Option<f64>,
}

/// The fields of the `portfolio_margin` section.
pub const PORTFOLIO_MARGIN_FIELDS: &[Field] = &[
    opt("model", Shape::Choice(&["deribit", "span", "binance"])),
    opt("price_range", Shape::Number),
    opt("buckets", Shape::Whole),
    opt("volatility_range_up", Shape::Number),
    opt("volatility_range_down", Shape::Number),
    opt("min_volatility_for_shock_up", Shape::Number),
    opt("short_term_vega_power", Shape::Number),
    opt("long_term_vega_power", Shape::Number),
    opt("extended_moves", Shape::List(&Shape::Number)),
    opt("extended_table_factor", Shape::Number),
    opt("extended_dampener", Shape::Number),
    opt("option_contingency", Shape::Number),
    opt("futures_contingency", Shape::Number),
    opt("mm_factor", Shape::Number),
    opt("price_scan_range", Shape::Number),
    opt("volatility_scan_range", Shape::Number),
    opt("extreme_multiple", Shape::Number),
    opt("extreme_fraction", Shape::Number),
    opt("loan_mmr", Shape::Number),
];

const DERIBIT_ONLY: &[&str] = &[
    "price_range",
    "buckets",
    "volatility_range_up",
    "volatility_range_down",
    "min_volatility_for_shock_up",
    "short_term_vega_power",
    "long_term_vega_power",
    "extended_moves",
    "extended_table_factor",
    "extended_dampener",
    "option_contingency",
    "futures_contingency",
    "mm_factor",
];
const SPAN_ONLY: &[&str] = &["price_scan_range", "volatility_scan_range", "extreme_multiple", "extreme_fraction"];
const BINANCE_ONLY: &[&str] = &["loan_mmr"];

/// The parameters in force, defaults applied, with where they come from.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Parameters {
    pub model: PmModel,
    pub price_range: f64,
    pub buckets: u32,
    pub volatility_range_up: f64,
    pub volatility_range_down: f64,
    pub min_volatility_for_shock_up: f64,
    pub short_term_vega_power: f64,
    pub long_term_vega_power: f64,
    pub extended_moves: Vec<f64>,
    pub extended_table_factor: f64,
    pub extended_dampener: f64,
    pub option_contingency: f64,
    pub futures_contingency: f64,
    pub mm_factor: f64,
    pub price_scan_range: f64,
    pub volatility_scan_range: f64,
    pub extreme_multiple: f64,
    pub extreme_fraction: f64,
    pub loan_mmr: f64,
    /// Where the defaults come from, and their date.
    pub source: String,
}

impl Parameters {
    fn of(s: &Scenario) -> Parameters {
        let pm = s.portfolio_margin.clone().unwrap_or_default();
        let model = pm.model.unwrap_or_default();
        Parameters {
            model,
            price_range: pm.price_range.unwrap_or(0.16),
            buckets: pm.buckets.unwrap_or(4),
            volatility_range_up: pm.volatility_range_up.unwrap_or(0.5),
            volatility_range_down: pm.volatility_range_down.unwrap_or(0.25),
            min_volatility_for_shock_up: pm.min_volatility_for_shock_up.unwrap_or(0.5),
            short_term_vega_power: pm.short_term_vega_power.unwrap_or(0.3),
            long_term_vega_power: pm.long_term_vega_power.unwrap_or(0.13),
            extended_moves: pm.extended_moves.unwrap_or_else(|| vec![-0.66, -0.33, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0]),
            extended_table_factor: pm.extended_table_factor.unwrap_or(1.0),
            extended_dampener: pm.extended_dampener.unwrap_or(100_000.0),
            option_contingency: pm.option_contingency.unwrap_or(0.01),
            futures_contingency: pm.futures_contingency.unwrap_or(0.01),
            mm_factor: pm.mm_factor.unwrap_or(0.8),
            // Required for span (`problems`); 0 stands for "not given" under the other models.
            price_scan_range: pm.price_scan_range.unwrap_or(0.0),
            volatility_scan_range: pm.volatility_scan_range.unwrap_or(0.0),
            extreme_multiple: pm.extreme_multiple.unwrap_or(2.0),
            extreme_fraction: pm.extreme_fraction.unwrap_or(0.35),
            loan_mmr: pm.loan_mmr.unwrap_or(0.10),
            source: match model {
                PmModel::Deribit => "Deribit S:PM: BTC model parameters of 2024-06-17 from the private/pme/simulate example (docs.deribit.com); contingencies from Deribit's older PM page (deribit.com/pages/docs/portfoliomargin); the extended table counted as max(0, extended_table_factor × loss − extended_dampener / index), leverlab's reading of Deribit's published parameters and example (the formula itself is not published)".into(),
                PmModel::Binance => "Binance Portfolio Margin Pro uniMMR (binance.com FAQ \"Binance Portfolio Margin Pro Maintenance Margin Ratio Calculation\"): margin-loan MMR 10 % (3x)".into(),
                PmModel::Span => "CME SPAN 16 scenarios (NSE SPAN description; McMillan): price {0, ±1/3, ±2/3, ±1} × PSR with volatility ± VSR, extremes ± extreme_multiple × PSR at 35 %; price_scan_range and volatility_scan_range are the clearing house's own parameters (CME SPAN Methodology Overview; the price scan range equals the product's maintenance requirement, CME Risk Arrays—Standard), given by you, never defaulted".into(),
            },
        }
    }
}

/// Range and combination checks of portfolio mode, pushed onto `errors`.
pub fn problems(s: &Scenario, errors: &mut Vec<FieldError>) {
    let Some(pm) = &s.portfolio_margin else { return };
    if s.margin_mode != MarginMode::Portfolio {
        errors.push(FieldError::new("portfolio_margin", "means nothing unless margin_mode is portfolio"));
        return;
    }
    let model = pm.model.unwrap_or_default();
    let at = |f: &str| format!("portfolio_margin.{f}");
    let v = serde_json::to_value(pm).unwrap_or_default();
    let foreign: &[(&[&str], &str)] = match model {
        PmModel::Deribit => &[(SPAN_ONLY, "span"), (BINANCE_ONLY, "binance")],
        PmModel::Span => &[(DERIBIT_ONLY, "deribit"), (BINANCE_ONLY, "binance")],
        PmModel::Binance => &[(DERIBIT_ONLY, "deribit"), (SPAN_ONLY, "span")],
    };
    for (fields, other) in foreign {
        for f in *fields {
            if v.get(*f).is_some() {
                errors.push(FieldError::new(format!("portfolio_margin.{f}"), format!("is a parameter of the {other} model; remove it or set portfolio_margin.model to {other}")));
            }
        }
    }
    if let Some(x) = pm.loan_mmr {
        if !x.is_finite() || x <= 0.0 || x >= 1.0 {
            errors.push(FieldError::new(at("loan_mmr"), "must be a rate > 0 and < 1"));
        }
    }
    let fraction = |errors: &mut Vec<FieldError>, f: &str, x: Option<f64>, max: f64| {
        if let Some(x) = x {
            if !x.is_finite() || x <= 0.0 || x > max {
                errors.push(FieldError::new(at(f), format!("must be > 0 and at most {max}")));
            }
        }
    };
    fraction(errors, "price_range", pm.price_range, 0.95);
    fraction(errors, "volatility_range_up", pm.volatility_range_up, 10.0);
    fraction(errors, "volatility_range_down", pm.volatility_range_down, 1.0);
    fraction(errors, "min_volatility_for_shock_up", pm.min_volatility_for_shock_up, 20.0);
    fraction(errors, "short_term_vega_power", pm.short_term_vega_power, 5.0);
    fraction(errors, "long_term_vega_power", pm.long_term_vega_power, 5.0);
    fraction(errors, "mm_factor", pm.mm_factor, 1.0);
    fraction(errors, "price_scan_range", pm.price_scan_range, 0.45);
    if pm.model == Some(PmModel::Span) {
        if pm.price_scan_range.is_none() {
            errors.push(FieldError::new(
                at("price_scan_range"),
                "required for span: the clearing house's price scan range as a fraction of the price (CME: the product's maintenance requirement ÷ its notional, from its SPAN risk parameter file); leverlab has no default for it",
            ));
        }
        if pm.volatility_scan_range.is_none() && s.positions.iter().any(|p| p.option.is_some()) {
            errors.push(FieldError::new(
                at("volatility_scan_range"),
                "required for span with options: the clearing house's volatility scan range in volatility points (0.1 = 10 points, from its SPAN risk parameter file); leverlab has no default for it",
            ));
        }
    }
    fraction(errors, "volatility_scan_range", pm.volatility_scan_range, 10.0);
    fraction(errors, "extreme_multiple", pm.extreme_multiple, 2.0);
    fraction(errors, "extreme_fraction", pm.extreme_fraction, 1.0);
    fraction(errors, "extended_table_factor", pm.extended_table_factor, 1.0);
    if let Some(d) = pm.extended_dampener {
        if !d.is_finite() || d < 0.0 || d > 1e12 {
            errors.push(FieldError::new(at("extended_dampener"), "must be an amount in USD from 0 to 1e12"));
        }
    }
    for (f, x) in [("option_contingency", pm.option_contingency), ("futures_contingency", pm.futures_contingency)] {
        if let Some(x) = x {
            if !x.is_finite() || !(0.0..1.0).contains(&x) {
                errors.push(FieldError::new(at(f), "must be ≥ 0 and < 1"));
            }
        }
    }
    if let Some(b) = pm.buckets {
        if !(1..=50).contains(&b) {
            errors.push(FieldError::new(at("buckets"), "must be from 1 to 50"));
        }
    }
    for (k, m) in pm.extended_moves.iter().flatten().enumerate() {
        if !m.is_finite() || *m <= -1.0 || *m > 100.0 {
            errors.push(FieldError::new(format!("portfolio_margin.extended_moves[{k}]"), "must be a price move above −1 and at most 100"));
        }
    }
}

/// How a scenario moves volatility.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum VolMove {
    Up,
    Same,
    Down,
}

/// One scenario of the grid.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PmScenario {
    /// Price move of every instrument (fraction).
    pub price_move: f64,
    pub volatility: VolMove,
    /// The account's P&L in the settlement asset.
    pub pnl: f64,
    /// The fraction of its loss that counts (1; SPAN extremes 0.35; Deribit extended:
    /// `extended_table_factor`).
    pub weight: f64,
    /// The loss it counts toward the margin (≥ 0): `max(0, −pnl × weight)`; Deribit's
    /// extended table less its dampener (module docs).
    #[serde(default)]
    pub counted_loss: f64,
    /// P&L per position, in the Scenario's order.
    pub positions: Vec<f64>,
}

/// The shocked volatilities of one option.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct OptionShock {
    pub index: usize,
    pub symbol: String,
    pub days_to_expiry: f64,
    pub volatility: f64,
    pub vol_up: f64,
    pub vol_down: f64,
}

/// Standard margin of the same book, for comparison.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct StandardMargin {
    pub initial_margin: f64,
    pub maintenance_margin: f64,
    /// Σ Deribit standard option margin (engine::options).
    pub options_initial_margin: f64,
    pub options_maintenance_margin: f64,
    /// The futures Report's totals for the futures, as a cross account.
    pub futures_initial_margin: f64,
    pub futures_maintenance_margin: f64,
    /// On standard margin, the smallest fall (rise) of the underlying at which equity ≤ the
    /// standard MM (volatility unchanged; `null`: none down to −99 % / up to +500 %).
    pub down_move: Option<f64>,
    pub up_move: Option<f64>,
}

/// The account's liquidation as a move of the underlying (volatility unchanged).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PmLiquidation {
    /// The smallest fall (negative fraction) at which equity ≤ MM; `null`: none down to −99 %.
    pub down_move: Option<f64>,
    /// The smallest rise at which equity ≤ MM; `null`: none up to +500 %.
    pub up_move: Option<f64>,
    /// The first futures or option underlying's price at those moves.
    pub down_price: Option<f64>,
    pub up_price: Option<f64>,
    /// The probability that the underlying touches the down (up) move within `horizon_days`:
    /// the closed-form first passage of `analytics::passage` (drifted GBM, `market.drift`),
    /// each barrier alone; `null` without that move.
    pub down_probability: Option<f64>,
    pub up_probability: Option<f64>,
    pub horizon_days: f64,
    /// The volatility used: `market.volatility` of the first position's symbol, else the
    /// first option's volatility; `null` (and no probabilities) when there is neither.
    pub volatility: Option<f64>,
}

/// The `portfolio` result.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PortfolioReport {
    pub parameters: Parameters,
    /// `quote` (linear) or the coin (inverse) every amount is in.
    pub settlement: String,
    /// Wallet + futures unrealised PnL + the options' value (long +, short −).
    pub equity: f64,
    pub scenarios: Vec<PmScenario>,
    /// Deribit's extended table (volatility up), counted less its dampener (module docs).
    pub extended: Vec<PmScenario>,
    /// The table of the scenario that sets the margin: `standard` (`scenarios`) or
    /// `extended`.
    pub worst_table: String,
    /// Index in that table of the scenario that sets the margin.
    pub worst_scenario: usize,
    /// Its weighted loss (≥ 0).
    pub worst_loss: f64,
    pub option_contingency: f64,
    pub futures_contingency: f64,
    pub initial_margin: f64,
    pub maintenance_margin: f64,
    /// MM / equity (`null` when equity ≤ 0).
    pub margin_ratio: Option<f64>,
    pub options: Vec<OptionShock>,
    pub liquidation: PmLiquidation,
    pub standard: StandardMargin,
}

/// One position, ready to revalue.
enum Instrument {
    Future { sign: f64, size: f64, price: f64, inverse: bool },
    Option { sign: f64, size: f64, model: options::Bsm, inverse: bool, now: f64, up: f64, down: f64 },
}

impl Instrument {
    /// Value of the position (settlement asset, signed) after a move `m` with volatility
    /// `vol` (futures: P&L since now).
    fn pnl(&self, m: f64, vol: VolMove, span_vsr: Option<f64>) -> f64 {
        self.pnl_clamped(m, vol, span_vsr, None)
    }

    /// [`Instrument::pnl`] with a future's move clamped to ±`futures_range` (Deribit's extended
    /// table: module docs).
    fn pnl_clamped(&self, m: f64, vol: VolMove, span_vsr: Option<f64>, futures_range: Option<f64>) -> f64 {
        match *self {
            Instrument::Future { sign, size, price, inverse } => {
                let m = futures_range.map_or(m, |r| m.clamp(-r, r));
                if inverse {
                    sign * size * (1.0 / price - 1.0 / (price * (1.0 + m)))
                } else {
                    sign * size * price * m
                }
            }
            Instrument::Option { sign, size, model, inverse, now, up, down } => {
                let sigma = match (vol, span_vsr) {
                    (VolMove::Same, _) => model.sigma,
                    (VolMove::Up, None) => up,
                    (VolMove::Down, None) => down,
                    (VolMove::Up, Some(v)) => model.sigma + v,
                    (VolMove::Down, Some(v)) => (model.sigma - v).max(1e-4),
                };
                let s = model.s * (1.0 + m);
                let usd = options::Bsm { s, sigma, ..model }.price();
                let value = if inverse { usd / s } else { usd };
                sign * size * (value - now)
            }
        }
    }
}

fn instruments(s: &Scenario, p: &Parameters) -> Result<(Vec<Instrument>, Vec<OptionShock>), InputErrors> {
    let mut out = Vec::with_capacity(s.positions.len());
    let mut shocks = Vec::new();
    for (i, pos) in s.positions.iter().enumerate() {
        let sign = pos.side.sign();
        match &pos.option {
            None => out.push(Instrument::Future {
                sign,
                size: pos.size,
                price: pos.mark_price.unwrap_or(pos.entry_price),
                inverse: s.contract_of(pos) == Contract::Inverse,
            }),
            Some(o) => {
                let at = format!("positions[{i}].option");
                let t = options::years_to_expiry(s, o, &at)?;
                let (sigma, _) = options::volatility(s, i, pos, o, t)?;
                let model = options::model_inputs(o, t, sigma);
                let inverse = options::settlement(s, o) == Contract::Inverse;
                let days = t * 365.0;
                let power = if days < 30.0 { p.short_term_vega_power } else { p.long_term_vega_power };
                let scale = (30.0 / days).powf(power);
                let up = (sigma * (1.0 + p.volatility_range_up * scale)).max(p.min_volatility_for_shock_up);
                let down = (sigma * (1.0 - p.volatility_range_down * scale)).max(1e-4);
                let usd = model.price();
                let now = if inverse { usd / o.underlying_price } else { usd };
                shocks.push(OptionShock { index: i, symbol: pos.symbol.clone(), days_to_expiry: days, volatility: sigma, vol_up: up, vol_down: down });
                out.push(Instrument::Option { sign, size: pos.size, model, inverse, now, up, down });
            }
        }
    }
    Ok((out, shocks))
}

/// The standard scenarios of the model: (move, volatility, weight).
fn standard_scenarios(p: &Parameters) -> Vec<(f64, VolMove, f64)> {
    match p.model {
        PmModel::Deribit => {
            let n = p.buckets as i32;
            (-n..=n)
                .flat_map(|k| {
                    let m = p.price_range * f64::from(k) / f64::from(n);
                    [VolMove::Up, VolMove::Same, VolMove::Down].map(|v| (m, v, 1.0))
                })
                .collect()
        }
        // uniMMR has no scenarios (see `unimmr`).
        PmModel::Binance => Vec::new(),
        PmModel::Span => {
            let psr = p.price_scan_range;
            let mut out: Vec<(f64, VolMove, f64)> = [0.0, 1.0, -1.0, 2.0, -2.0, 3.0, -3.0]
                .iter()
                .flat_map(|k| [VolMove::Up, VolMove::Down].map(|v| (psr * k / 3.0, v, 1.0)))
                .collect();
            out.push((p.extreme_multiple * psr, VolMove::Same, p.extreme_fraction));
            out.push((-p.extreme_multiple * psr, VolMove::Same, p.extreme_fraction));
            out
        }
    }
}

fn scenario(inst: &[Instrument], m: f64, v: VolMove, weight: f64, span: Option<f64>) -> PmScenario {
    let positions: Vec<f64> = inst.iter().map(|x| x.pnl(m, v, span)).collect();
    let pnl: f64 = positions.iter().sum();
    PmScenario { price_move: m, volatility: v, pnl, weight, counted_loss: (-pnl * weight).max(0.0), positions }
}

/// One scenario of Deribit's extended table (module docs): volatility up, futures clamped to
/// ±price_range, the loss × extended_table_factor less the dampener (USD, over `index` for a
/// coin-settled book).
fn extended_scenario(inst: &[Instrument], m: f64, p: &Parameters, index: f64, coin: bool) -> PmScenario {
    let positions: Vec<f64> = inst.iter().map(|x| x.pnl_clamped(m, VolMove::Up, None, Some(p.price_range))).collect();
    let pnl: f64 = positions.iter().sum();
    let dampener = if coin { p.extended_dampener / index } else { p.extended_dampener };
    let counted_loss = (-pnl * p.extended_table_factor - dampener).max(0.0);
    PmScenario { price_move: m, volatility: VolMove::Up, pnl, weight: p.extended_table_factor, counted_loss, positions }
}

/// The underlying's price (the first position's: an option's underlying, a future's mark) and
/// whether the book settles in coin.
fn index_of(s: &Scenario) -> (f64, bool) {
    let Some(q) = s.positions.first() else { return (1.0, false) };
    let price = q.option.as_ref().map_or(q.mark_price.unwrap_or(q.entry_price), |o| o.underlying_price);
    let coin = match &q.option {
        Some(o) => options::settlement(s, o) == Contract::Inverse,
        None => s.contract_of(q) == Contract::Inverse,
    };
    (price, coin)
}

/// Worst weighted loss, its scenario, the contingencies, IM and MM of `inst`.
struct Margin {
    scenarios: Vec<PmScenario>,
    extended: Vec<PmScenario>,
    /// The worst scenario's table (`standard`, `extended`) and index there.
    worst_table: &'static str,
    worst: usize,
    worst_loss: f64,
    option_c: f64,
    futures_c: f64,
    im: f64,
    mm: f64,
}

fn margin(s: &Scenario, p: &Parameters, inst: &[Instrument]) -> Margin {
    let span = (p.model == PmModel::Span).then_some(p.volatility_scan_range);
    let scenarios: Vec<PmScenario> =
        standard_scenarios(p).into_iter().map(|(m, v, w)| scenario(inst, m, v, w, span)).collect();
    let extended: Vec<PmScenario> = if p.model == PmModel::Deribit {
        let (index, coin) = index_of(s);
        p.extended_moves.iter().map(|&x| extended_scenario(inst, x, p, index, coin)).collect()
    } else {
        Vec::new()
    };
    let worst_of = |t: &[PmScenario]| (0..t.len()).max_by(|&a, &b| t[a].counted_loss.total_cmp(&t[b].counted_loss));
    let worst = worst_of(&scenarios).unwrap_or(0);
    let mut worst_loss = scenarios.get(worst).map_or(0.0, |x| x.counted_loss);
    let (mut worst_table, mut worst) = ("standard", worst);
    if let Some(k) = worst_of(&extended) {
        if extended[k].counted_loss > worst_loss {
            (worst_table, worst, worst_loss) = ("extended", k, extended[k].counted_loss);
        }
    }
    let (option_c, futures_c) = if p.model == PmModel::Deribit { contingencies(s, p) } else { (0.0, 0.0) };
    let im = worst_loss + option_c + futures_c;
    let mm = if p.model == PmModel::Deribit { p.mm_factor * im } else { im };
    Margin { scenarios, extended, worst_table, worst, worst_loss, option_c, futures_c, im, mm }
}

/// Deribit's older contingencies [DRB-PM-old]: `option_contingency` per net short option per
/// strike ("call +10 and put −20 … net short −10, thus 10 × 0.01 BTC"), and
/// `futures_contingency` of the offsetting futures' underlying value ("long 100 BTC in Future
/// A, and short 100 BTC in Future B, then 1.00 % × 100 BTC").
fn contingencies(s: &Scenario, p: &Parameters) -> (f64, f64) {
    // (strike, net signed size, contingency unit: 1 coin, or the underlying price in quote).
    let mut strikes: Vec<(f64, f64, f64)> = Vec::new();
    let (mut long, mut short) = (0.0, 0.0);
    for pos in &s.positions {
        match &pos.option {
            Some(o) => {
                let q = pos.side.sign() * pos.size;
                let unit = match options::settlement(s, o) {
                    Contract::Inverse => 1.0,
                    Contract::Linear => o.underlying_price,
                };
                match strikes.iter_mut().find(|(k, _, _)| *k == o.strike) {
                    Some((_, n, _)) => *n += q,
                    None => strikes.push((o.strike, q, unit)),
                }
            }
            None => {
                let price = pos.mark_price.unwrap_or(pos.entry_price);
                // Underlying value in the settlement asset: inverse N USD = N/P coin; linear Q × P.
                let value = match s.contract_of(pos) {
                    Contract::Inverse => pos.size / price,
                    Contract::Linear => pos.size * price,
                };
                if pos.side.sign() > 0.0 {
                    long += value;
                } else {
                    short += value;
                }
            }
        }
    }
    let option_c = strikes.iter().map(|(_, n, unit)| (-n).max(0.0) * p.option_contingency * unit).sum();
    (option_c, p.futures_contingency * f64::min(long, short))
}

/// The account's equity in the settlement asset: wallet + futures unrealised PnL at mark + the
/// options' value (`± size × mark premium`).
fn equity(s: &Scenario) -> f64 {
    let wallet = s
        .wallet_balance
        .or_else(|| s.collateral.as_ref().map(|l| l.iter().map(|c| c.value_at(c.price)).sum()))
        .unwrap_or(0.0);
    s.positions
        .iter()
        .map(|p| {
            let sg = p.side.sign();
            match &p.option {
                Some(_) => 0.0,
                None => {
                    let mark = p.mark_price.unwrap_or(p.entry_price);
                    match s.contract_of(p) {
                        Contract::Inverse => sg * p.size * (1.0 / p.entry_price - 1.0 / mark),
                        Contract::Linear => sg * p.size * (mark - p.entry_price),
                    }
                }
            }
        })
        .sum::<f64>()
        + wallet
}

/// The options' value at mark (`± size × model value`, settlement asset).
fn option_value(inst: &[Instrument]) -> f64 {
    inst.iter()
        .map(|x| match x {
            Instrument::Option { sign, size, now, .. } => sign * size * now,
            Instrument::Future { .. } => 0.0,
        })
        .sum()
}

/// The portfolio margin of the account (module docs), with the standard margin beside it.
///
/// # Errors
/// `margin_mode` not portfolio; the Scenario's input problems; positions on several
/// underlyings (the grid moves one underlying).
pub fn portfolio_margin(s: &Scenario) -> Result<PortfolioReport, InputErrors> {
    if s.margin_mode != MarginMode::Portfolio {
        return Err(FieldError::new("margin_mode", "set margin_mode to portfolio (and optionally portfolio_margin) for the portfolio margin").into());
    }
    s.validate()?;
    if s.positions.is_empty() {
        return Err(FieldError::new("positions", "list at least one position").into());
    }
    let coins: Vec<String> = s.positions.iter().map(|p| crate::engine::tables::base_coin(&p.symbol)).collect();
    if let Some(k) = coins.iter().position(|c| *c != coins[0]) {
        return Err(FieldError::new(
            format!("positions[{k}].symbol"),
            format!("the portfolio grid moves one underlying: {} is on {}, positions[0] on {}; use one Scenario per underlying", s.positions[k].symbol, coins[k], coins[0]),
        )
        .into());
    }
    let p = Parameters::of(s);
    if p.model == PmModel::Binance {
        return Err(FieldError::new("portfolio_margin.model", "binance is a ratio of equity to maintenance margin, not a scenario grid: collateral::unimmr answers for it").into());
    }
    let (inst, shocks) = instruments(s, &p)?;
    let m = margin(s, &p, &inst);
    let eq = equity(s) + option_value(&inst);
    let liquidation = liquidation(s, &p);
    let standard = StandardMargin {
        down_move: first_crossing(|x| standard_headroom(s, &p, x), -0.99, 99),
        up_move: first_crossing(|x| standard_headroom(s, &p, x), 5.0, 500),
        ..standard(s)?
    };
    let settlement = match s.positions.first().map(|q| s.contract_of(q)) {
        Some(Contract::Inverse) => coins[0].clone(),
        _ => "quote".into(),
    };
    Ok(PortfolioReport {
        settlement,
        equity: eq,
        worst_scenario: m.worst,
        worst_loss: m.worst_loss,
        option_contingency: m.option_c,
        futures_contingency: m.futures_c,
        initial_margin: m.im,
        maintenance_margin: m.mm,
        margin_ratio: (eq > 0.0).then(|| m.mm / eq),
        scenarios: m.scenarios,
        extended: m.extended,
        worst_table: m.worst_table.to_string(),
        options: shocks,
        liquidation,
        standard,
        parameters: p,
    })
}

/// The Scenario with every instrument's price moved by `m` (options' underlying too; entry
/// prices, premiums and volatilities held: a volatility implied from a mark premium is fixed
/// first, since the moved option has no mark of its own).
fn moved(s: &Scenario, m: f64) -> Scenario {
    let mut t = s.clone();
    for (i, p) in t.positions.iter_mut().enumerate() {
        match &mut p.option {
            Some(o) => {
                if o.volatility.is_none() {
                    let sigma = options::years_to_expiry(s, o, "")
                        .ok()
                        .and_then(|years| options::volatility(s, i, &s.positions[i], o, years).ok());
                    o.volatility = sigma.map(|(v, _)| v);
                }
                o.underlying_price *= 1.0 + m;
                p.mark_price = None;
            }
            None => p.mark_price = Some(p.mark_price.unwrap_or(p.entry_price) * (1.0 + m)),
        }
    }
    t
}

/// Equity minus MM after a move `m` of the underlying (the grid recomputed there).
fn headroom(s: &Scenario, p: &Parameters, m: f64) -> Option<f64> {
    let t = moved(s, m);
    let (inst, _) = instruments(&t, p).ok()?;
    let mm = margin(&t, p, &inst).mm;
    Some(equity(&t) + option_value(&inst) - mm)
}

/// Equity minus the standard maintenance margin after a move `m` (options by Deribit's
/// standard rule at their moved model value, futures by the futures Report there).
fn standard_headroom(s: &Scenario, p: &Parameters, m: f64) -> Option<f64> {
    let t = moved(s, m);
    let (inst, _) = instruments(&t, p).ok()?;
    Some(equity(&t) + option_value(&inst) - standard(&t).ok()?.maintenance_margin)
}

/// The smallest move from 0 towards `limit` at which `headroom` is ≤ 0: a scan in `steps`
/// steps, then bisection to 1e-6 of a move; `Some(0)` when it is ≤ 0 already.
fn first_crossing(headroom: impl Fn(f64) -> Option<f64>, limit: f64, steps: usize) -> Option<f64> {
    if headroom(0.0)? <= 0.0 {
        return Some(0.0);
    }
    let mut prev = 0.0;
    for k in 1..=steps {
        let m = limit * k as f64 / steps as f64;
        if headroom(m)? <= 0.0 {
            let (mut lo, mut hi) = (prev, m);
            while (hi - lo).abs() > 1e-6 {
                let mid = 0.5 * (lo + hi);
                if headroom(mid)? <= 0.0 {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            return Some(hi);
        }
        prev = m;
    }
    None
}

/// The smallest moves down (to −99 %) and up (to +500 %) at which equity reaches the
/// portfolio MM.
fn liquidation(s: &Scenario, p: &Parameters) -> PmLiquidation {
    let down = first_crossing(|m| headroom(s, p, m), -0.99, 99);
    let up = first_crossing(|m| headroom(s, p, m), 5.0, 500);
    let price = s.positions.first().map(|q| q.option.as_ref().map_or(q.mark_price.unwrap_or(q.entry_price), |o| o.underlying_price));
    let risk = crate::engine::analytics::risk_market(s);
    let horizon = crate::engine::analytics::horizon_days(s, None);
    let sigma = s
        .positions
        .first()
        .and_then(|q| risk.volatility.get(&q.symbol).copied())
        .or_else(|| instruments(s, p).ok()?.0.iter().find_map(|x| match x {
            Instrument::Option { model, .. } => Some(model.sigma),
            Instrument::Future { .. } => None,
        }));
    let probability = |m: Option<f64>| {
        let (m, sigma) = (m?, sigma?);
        let b = (1.0 + m).max(f64::MIN_POSITIVE).ln();
        Some(crate::engine::analytics::passage::hit_probability(b, risk.log_drift(sigma), sigma, horizon / 365.0))
    };
    PmLiquidation {
        down_move: down,
        up_move: up,
        down_price: down.zip(price).map(|(m, p)| p * (1.0 + m)),
        up_price: up.zip(price).map(|(m, p)| p * (1.0 + m)),
        down_probability: probability(down),
        up_probability: probability(up),
        horizon_days: horizon,
        volatility: sigma,
    }
}

/// The standard margin of the same book: Deribit's standard option margin per option and the
/// futures Report of the futures as a cross account.
fn standard(s: &Scenario) -> Result<StandardMargin, InputErrors> {
    let mut oim = 0.0;
    let mut omm = 0.0;
    for (i, p) in s.positions.iter().enumerate() {
        if let Some(o) = &p.option {
            let g = options::option_greeks(s, i)?;
            let (im, mm) = options::deribit_margin(p.side, o.kind, g.settlement, o.strike, o.underlying_price, g.mark);
            oim += im * p.size;
            omm += mm * p.size;
        }
    }
    let futures = Scenario {
        margin_mode: MarginMode::Cross,
        portfolio_margin: None,
        positions: s.positions.iter().filter(|p| p.option.is_none()).cloned().collect(),
        ..s.clone()
    };
    let (fim, fmm) = if futures.positions.is_empty() {
        (0.0, 0.0)
    } else {
        let r = crate::engine::evaluate(&futures)?;
        (r.positions.iter().map(|x| x.initial_margin).sum(), r.positions.iter().map(|x| x.maintenance_margin).sum())
    };
    Ok(StandardMargin {
        initial_margin: oim + fim,
        maintenance_margin: omm + fmm,
        options_initial_margin: oim,
        options_maintenance_margin: omm,
        futures_initial_margin: fim,
        futures_maintenance_margin: fmm,
        down_move: None,
        up_move: None,
    })
}

/// The `portfolio` answer: the scenario grid (deribit, span) or Binance's uniMMR.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum PortfolioAnswer {
    Grid(Box<PortfolioReport>),
    UniMmr(Box<crate::engine::collateral::UniMmrReport>),
}

/// The portfolio margin of the Scenario's model: [`portfolio_margin`], or for `binance`
/// [`crate::engine::collateral::unimmr`].
///
/// # Errors
/// Theirs.
pub fn answer(s: &Scenario) -> Result<PortfolioAnswer, InputErrors> {
    let p = Parameters::of(s);
    if p.model == PmModel::Binance && s.margin_mode == MarginMode::Portfolio {
        return crate::engine::collateral::unimmr(s, p.loan_mmr).map(|r| PortfolioAnswer::UniMmr(Box::new(r)));
    }
    portfolio_margin(s).map(|r| PortfolioAnswer::Grid(Box::new(r)))
}

/// One point of the payoff curve.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PayoffPoint {
    /// Move of every instrument's price (fraction).
    pub price_move: f64,
    /// The first position's (underlying) price at the move.
    pub price: f64,
    /// P&L since entry if the price moved now (options at their model value, volatility and
    /// time held), settlement asset.
    pub value_now: f64,
    /// P&L since entry at the options' expiry (options at their payoff; futures as now).
    pub at_expiry: f64,
}

/// The book's P&L over a common move of the underlying, now and at expiry: the payoff chart
/// of an option book (module docs for the revaluation). Premiums count from `entry_price`;
/// futures P&L from their entry: linear `s Q (P' − E)`, inverse `s N (1/E − 1/P')`.
///
/// # Errors
/// The Scenario's input problems; `range` outside (0, 0.99]; `points` outside 2 to 10,001 or
/// above the work ceiling (points × positions ≤ 2·10⁶).
pub fn payoff_curve(s: &Scenario, range: f64, points: usize) -> Result<Vec<PayoffPoint>, InputErrors> {
    if !(range > 0.0 && range <= 0.99) {
        return Err(FieldError::new("range", "must be a move above 0 and at most 0.99").into());
    }
    if !(2..=10_001).contains(&points) {
        return Err(FieldError::new("points", "must be from 2 to 10001").into());
    }
    crate::engine::limits::per_position("points", "points", points as u64, s.positions.len())?;
    s.validate()?;
    if s.positions.is_empty() {
        return Err(FieldError::new("positions", "list at least one position").into());
    }
    let p = Parameters::of(s);
    let (inst, _) = instruments(s, &p)?;
    let first = &s.positions[0];
    let price0 = first.option.as_ref().map_or(first.mark_price.unwrap_or(first.entry_price), |o| o.underlying_price);
    let from_entry: Vec<f64> = s
        .positions
        .iter()
        .zip(&inst)
        .map(|(pos, x)| match x {
            // Model value now − premium paid, per the position's sign and size.
            Instrument::Option { sign, size, now, .. } => sign * size * (now - pos.entry_price),
            Instrument::Future { sign, size, price, inverse } => {
                if *inverse {
                    sign * size * (1.0 / pos.entry_price - 1.0 / price)
                } else {
                    sign * size * (price - pos.entry_price)
                }
            }
        })
        .collect();
    Ok((0..points)
        .map(|k| {
            let m = -range + 2.0 * range * k as f64 / (points - 1) as f64;
            let (mut now, mut expiry) = (0.0, 0.0);
            for ((pos, x), base) in s.positions.iter().zip(&inst).zip(&from_entry) {
                let moved = base + x.pnl(m, VolMove::Same, None);
                now += moved;
                expiry += match (&pos.option, x) {
                    (Some(o), Instrument::Option { sign, size, model, .. }) => {
                        let settle = options::settlement(s, o);
                        sign * size * (options::payoff(o.kind, settle, o.strike, model.s * (1.0 + m)) - pos.entry_price)
                    }
                    _ => moved,
                };
            }
            PayoffPoint { price_move: m, price: price0 * (1.0 + m), value_now: now, at_expiry: expiry }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(doc: serde_json::Value) -> Scenario {
        crate::engine::parse_scenario(&doc.to_string()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Deribit's API reference, `private/pme/simulate` example (BTC, 2024-06-17): the
    /// BTC-PERPETUAL's `initial_risk_vectors.standard` over the 9 price buckets of ±16 % (three
    /// volatility scenarios each, equal for a future): −0.05991206933333334 (−16 %),
    /// −0.04289159509090909 (−12 %), −0.027351162086956524 (−8 %), −0.013105765166666668
    /// (−4 %), 0, 0.012097629384615385 (+4 %). An inverse future's coin P&L is (N/P)·m/(1+m),
    /// so N/P = 0.05991206933333334 × 0.84 / 0.16; the other buckets must follow.
    #[test]
    fn deribit_api_risk_vector_of_an_inverse_perpetual() {
        let coins = 0.059_912_069_333_333_34 * 0.84 / 0.16;
        let price = 66_000.0;
        let s = parse(serde_json::json!({"venue": "deribit", "margin_mode": "portfolio", "wallet_balance": 1,
            "positions": [{"symbol": "BTC-PERPETUAL", "side": "short", "size": coins * price, "entry_price": price}]}));
        let r = portfolio_margin(&s).unwrap();
        // A long's vector; ours is short here, so the signs flip: check −pnl.
        let published = [
            (-0.16, -0.059_912_069_333_333_34),
            (-0.12, -0.042_891_595_090_909_09),
            (-0.08, -0.027_351_162_086_956_524),
            (-0.04, -0.013_105_765_166_666_668),
            (0.0, 0.0),
            (0.04, 0.012_097_629_384_615_385),
        ];
        for (m, want) in published {
            for v in r.scenarios.iter().filter(|x| (x.price_move - m).abs() < 1e-12) {
                assert!((-v.pnl - want).abs() < 1e-15, "{m} {:?}: {} vs {want}", v.volatility, -v.pnl);
            }
        }
        assert_eq!(r.scenarios.len(), 27, "9 buckets × up/same/down");
    }

    /// Deribit's `private/pme/simulate` example (BTC, 2024-06-17) [DRB-API-PME], the extended
    /// table: BTC-PERPETUAL (long) `extended` = [−0.05991206933333334 ×2,
    /// 0.04338460193103449 ×6] (its standard −16 % and +16 % values), BTC-28JUN24 (short)
    /// [0.0002261969523809524 ×2, −0.0001637977931034483 ×6]; the aggregated extended vector
    /// is all 0 (the −66 % loss 0.05991206933333334 − 0.0002261969523809524 = 0.05968587238
    /// BTC ≈ 3,919 USD at 65,666 is below the 100,000 USD dampener) and the margin's
    /// `worst_case` is 0.05968587238095239 from the standard table. Sizes from the standard
    /// vectors: an inverse future's coin P&L at move m is (N/P)·m/(1+m), so N/P = v(−16 %) ×
    /// 0.84 / 0.16 for each.
    #[test]
    fn deribit_api_extended_table_and_worst_case() {
        let perp = 0.059_912_069_333_333_34 * 0.84 / 0.16;
        let fut = 0.000_226_196_952_380_952_4 * 0.84 / 0.16;
        let s = parse(serde_json::json!({"venue": "deribit", "margin_mode": "portfolio", "wallet_balance": 1,
            "positions": [
                {"symbol": "BTC-PERPETUAL", "side": "long", "size": perp * 65_910.57, "entry_price": 65_910.57},
                {"symbol": "BTC-28JUN24", "side": "short", "size": fut * 67_371.75, "entry_price": 67_371.75}]}));
        let r = portfolio_margin(&s).unwrap();
        let published_perp = [-0.059_912_069_333_333_34, -0.059_912_069_333_333_34, 0.043_384_601_931_034_49, 0.043_384_601_931_034_49,
            0.043_384_601_931_034_49, 0.043_384_601_931_034_49, 0.043_384_601_931_034_49, 0.043_384_601_931_034_49];
        let published_fut = [0.000_226_196_952_380_952_4, 0.000_226_196_952_380_952_4, -0.000_163_797_793_103_448_3, -0.000_163_797_793_103_448_3,
            -0.000_163_797_793_103_448_3, -0.000_163_797_793_103_448_3, -0.000_163_797_793_103_448_3, -0.000_163_797_793_103_448_3];
        assert_eq!(r.extended.len(), 8);
        for (k, e) in r.extended.iter().enumerate() {
            assert!((e.positions[0] - published_perp[k]).abs() < 1e-15, "perp {k}: {} vs {}", e.positions[0], published_perp[k]);
            assert!((e.positions[1] - published_fut[k]).abs() < 1e-15, "future {k}: {} vs {}", e.positions[1], published_fut[k]);
            assert_eq!(e.counted_loss, 0.0, "the aggregated extended vector is 0");
        }
        assert_eq!(r.worst_table, "standard");
        assert!((r.worst_loss - 0.059_685_872_380_952_39).abs() < 1e-15, "{}", r.worst_loss);
        assert!(r.scenarios[r.worst_scenario].price_move < -0.159);
    }

    /// A far out-of-the-money short call is what the extended table is for [DRB-PM]: its
    /// +500 % loss, less the dampener, sets the margin once it exceeds the standard table's.
    #[test]
    fn the_extended_table_counts_its_loss_less_the_dampener() {
        let s = parse(serde_json::json!({"venue": "deribit", "margin_mode": "portfolio", "wallet_balance": 100,
            "positions": [{"symbol": "BTC-X-300000-C", "contract": "option", "side": "short", "size": 100, "entry_price": 0.001,
              "option": {"type": "call", "strike": 300000, "expiry_years": 0.25, "underlying_price": 60000, "volatility": 0.6, "settlement": "inverse"}}]}));
        let r = portfolio_margin(&s).unwrap();
        for e in &r.extended {
            let want = (-e.pnl * r.parameters.extended_table_factor - 100_000.0 / 60_000.0).max(0.0);
            assert!((e.counted_loss - want).abs() < 1e-12);
        }
        assert_eq!(r.worst_table, "extended");
        let worst = &r.extended[r.worst_scenario];
        assert_eq!(worst.price_move, 5.0);
        assert!((r.worst_loss - worst.counted_loss).abs() < 1e-15);
        assert!(r.initial_margin >= r.worst_loss);
    }

    /// McMillan's SPAN example [SPAN-McM]: S&P futures, price scan range $10,000 (20 points ×
    /// $500), the extreme move (2 × PSR) counting 35 %: $7,000; the requirement is the larger,
    /// $10,000. One long future at 1,000 points, 500 $/point: PSR = 20/1,000 = 2 %.
    #[test]
    fn mcmillan_span_requirement() {
        let s = parse(serde_json::json!({"venue": "generic", "margin_mode": "portfolio", "wallet_balance": 50000,
            "portfolio_margin": {"model": "span", "price_scan_range": 0.02},
            "positions": [{"symbol": "SPX", "contract": "linear", "size": 500, "entry_price": 1000}]}));
        let r = portfolio_margin(&s).unwrap();
        assert_eq!(r.scenarios.len(), 16);
        assert!((r.initial_margin - 10_000.0).abs() < 1e-6, "{}", r.initial_margin);
        let extreme = r.scenarios.iter().find(|x| x.price_move < -0.03).unwrap();
        assert!((-extreme.pnl * extreme.weight - 7_000.0).abs() < 1e-6);
    }

    /// Deribit's older PM page [DRB-PM-old]: "call +10 and put −20 [at strike X] … net short
    /// position on strike X is −10, thus 10 × 0.01 BTC"; "long 100 BTC in Future A, and short
    /// 100 BTC in Future B, then 1.00 % × 100 BTC".
    #[test]
    fn deribit_contingency_examples() {
        let o = |kind: &str| serde_json::json!({"type": kind, "strike": 60000, "expiry_years": 0.1, "underlying_price": 60000, "volatility": 0.6, "settlement": "inverse"});
        let s = parse(serde_json::json!({"venue": "deribit", "margin_mode": "portfolio", "wallet_balance": 100,
            "positions": [
                {"symbol": "BTC-27MAR26-60000-C", "contract": "option", "side": "long", "size": 10, "entry_price": 0.05, "option": o("call")},
                {"symbol": "BTC-27MAR26-60000-P", "contract": "option", "side": "short", "size": 20, "entry_price": 0.05, "option": o("put")},
                {"symbol": "BTC-PERPETUAL", "side": "long", "size": 6_000_000, "entry_price": 60000},
                {"symbol": "BTC-27MAR26", "side": "short", "size": 6_000_000, "entry_price": 60000}]}));
        let (option_c, futures_c) = contingencies(&s, &Parameters::of(&s));
        assert!((option_c - 0.1).abs() < 1e-12, "{option_c}");
        assert!((futures_c - 1.0).abs() < 1e-12, "{futures_c}");
    }

    /// The volatility shocks of [ORE]'s copy of Deribit's formula with the published BTC
    /// parameters: σ 0.6, 15 days (power 0.3): (30/15)^0.3 = 1.231144; vol_up = 0.6 × (1 + 0.5
    /// × 1.231144) = 0.969343; vol_down = 0.6 × (1 − 0.25 × 1.231144) = 0.415328; σ 0.2 at 60
    /// days (power 0.13): up = max(0.2 × (1 + 0.5 × 0.5^0.13), 0.5) = 0.5 (the floor).
    #[test]
    fn volatility_shocks_follow_the_term_structure_power() {
        let o = |t: f64, v: f64| serde_json::json!({"type": "call", "strike": 60000, "expiry_years": t, "underlying_price": 60000, "volatility": v});
        let s = parse(serde_json::json!({"venue": "deribit", "margin_mode": "portfolio", "wallet_balance": 100,
            "positions": [
                {"symbol": "BTC-10JAN26-60000-C", "contract": "option", "side": "long", "size": 1, "entry_price": 0.05, "option": o(15.0 / 365.0, 0.6)},
                {"symbol": "BTC-24FEB26-60000-C", "contract": "option", "side": "long", "size": 1, "entry_price": 0.05, "option": o(60.0 / 365.0, 0.2)}]}));
        let r = portfolio_margin(&s).unwrap();
        let k = 2f64.powf(0.3);
        assert!((r.options[0].vol_up - 0.6 * (1.0 + 0.5 * k)).abs() < 1e-12);
        assert!((r.options[0].vol_down - 0.6 * (1.0 - 0.25 * k)).abs() < 1e-12);
        assert!((0.6 * (1.0 + 0.5 * k) - 0.969_343).abs() < 1e-6);
        assert_eq!(r.options[1].vol_up, 0.5);
        // Long options only: the worst loss is in a volatility-down scenario and never above
        // the premiums' model value.
        assert_eq!(r.scenarios[r.worst_scenario].volatility, VolMove::Down);
    }

    #[test]
    fn the_liquidation_move_is_where_equity_meets_the_margin() {
        let s = parse(serde_json::json!({"venue": "deribit", "margin_mode": "portfolio", "wallet_balance": 2,
            "positions": [{"symbol": "BTC-PERPETUAL", "side": "long", "size": 300000, "entry_price": 60000}]}));
        let r = portfolio_margin(&s).unwrap();
        let m = r.liquidation.down_move.unwrap();
        // Equity and MM at the move: 2 + 5 × m/(1+m) coin vs 0.8 × the worst loss there.
        let moved = moved(&s, m);
        let p = Parameters::of(&s);
        let (inst, _) = instruments(&moved, &p).unwrap();
        let mm = margin(&moved, &p, &inst).mm;
        let equity = 2.0 + 5.0 * m / (1.0 + m);
        assert!(m < -0.05 && r.liquidation.up_move.is_none());
        assert!((equity - mm).abs() < 1e-4, "{equity} vs {mm}");
        // Without market.volatility or an option there is no volatility: no probability.
        assert_eq!(r.liquidation.down_probability, None);
        let with_vol = Scenario {
            market: Some(crate::engine::parse_scenario(&serde_json::json!({"venue": "deribit", "market": {"volatility": {"BTC-PERPETUAL": 0.6}, "horizon_days": 30}}).to_string()).unwrap().market.unwrap()),
            ..s.clone()
        };
        let r = portfolio_margin(&with_vol).unwrap();
        // The reflection principle with ν = μ − σ²/2, μ = 0: the passage module's formula at
        // b = ln(1 + m), σ 0.6, 30 days.
        let b = (1.0 + m).ln();
        let want = crate::engine::analytics::passage::hit_probability(b, -0.18, 0.6, 30.0 / 365.0);
        assert_eq!(r.liquidation.down_probability, Some(want));
        assert!(want > 0.0 && want < 1.0);
    }

    /// A long call bought for its model value: at expiry the curve is the hockey stick
    /// `max(P − K, 0) − premium` (Hull ch. 10, payoff of a long call), and now it lies above
    /// it (time value ≥ 0 with r = 0).
    #[test]
    fn payoff_curve_of_a_long_call() {
        let s = parse(serde_json::json!({"venue": "generic", "margin_mode": "cross", "wallet_balance": 0,
            "positions": [{"symbol": "ETH-27MAR26-2000-C", "contract": "option", "size": 2, "entry_price": 100,
              "option": {"type": "call", "strike": 2000, "expiry_years": 0.25, "underlying_price": 2000, "volatility": 0.6, "settlement": "linear"}}]}));
        let c = payoff_curve(&s, 0.5, 11).unwrap();
        for pt in &c {
            let want = 2.0 * ((pt.price - 2000.0).max(0.0) - 100.0);
            assert!((pt.at_expiry - want).abs() < 1e-9, "{pt:?}");
            assert!(pt.value_now >= pt.at_expiry - 1e-9);
        }
        assert_eq!(c.first().unwrap().price, 1000.0);
    }

    #[test]
    fn parameters_of_the_other_model_are_named() {
        let doc = serde_json::json!({"venue": "deribit", "margin_mode": "portfolio", "wallet_balance": 1,
            "portfolio_margin": {"model": "span", "price_range": 0.2, "price_scan_rnge": 0.1},
            "positions": [{"symbol": "BTC-PERPETUAL", "size": 1000, "entry_price": 60000}]});
        let e = crate::engine::parse_scenario(&doc.to_string()).unwrap_err().to_string();
        assert!(e.contains("portfolio_margin.price_range: is a parameter of the deribit model"), "{e}");
        assert!(e.contains("portfolio_margin.price_scan_rnge: unknown field; did you mean price_scan_range?"), "{e}");
    }
}
