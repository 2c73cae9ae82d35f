//! The defaults every front door applies, in one place: the market assumptions an analysis
//! needs when the Scenario does not give them (volatility per symbol, horizon, a generated
//! market, a depth model), and each setting's default. Each applied value is recorded as an
//! [`Assumption`] naming its path, its value and where it comes from, so the result says what
//! was assumed and a door can show it (the page lists them; the CLI prints them in the output).
//!
//! These values used to live only in the page (`ui/charts/market.rs`), so the page answered
//! where the CLI refused; now every door gets the same answer.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::analytics::{symbols, DEFAULT_HORIZON_DAYS};
use crate::engine::cascade::{Depth, Generator, ImpactModel};
use crate::engine::{Market, Scenario};

/// One value the engine assumed: where it applies (`market.volatility.BTCUSDT`,
/// `stress.range`), the value, and why that value.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Assumption {
    pub path: String,
    pub value: Value,
    pub source: String,
}

impl Assumption {
    pub fn new(path: impl Into<String>, value: impl Serialize, source: impl Into<String>) -> Assumption {
        Assumption { path: path.into(), value: serde_json::to_value(value).unwrap_or(Value::Null), source: source.into() }
    }
}

/// Annual volatility assumed for a symbol without one: 60 %/yr for BTC (and XBT), 75 % for
/// ETH, 90 % for anything else.
///
/// Source: leverlab's own round figures, set near the assets' realised volatility of recent
/// years (BTC's 30-day realised volatility mostly 40–80 %/yr in 2022–2024, ETH's somewhat
/// higher, smaller assets higher still). They are assumptions, not market data: give
/// `market.volatility` for real work.
pub fn default_volatility(symbol: &str) -> f64 {
    let s = symbol.to_uppercase();
    if s.starts_with("BTC") || s.starts_with("XBT") {
        0.6
    } else if s.starts_with("ETH") {
        0.75
    } else {
        0.9
    }
}

/// Open interest (quote) of the generated market when the Scenario gives no market book.
pub const DEFAULT_OI_LONG: f64 = 6e8;
pub const DEFAULT_OI_SHORT: f64 = 5e8;
/// Positions generated for that market.
pub const DEFAULT_COUNT: usize = 20_000;
/// Spread of the generated entries around the price.
pub const DEFAULT_SPREAD: f64 = 0.05;
/// Seed of the generated market.
pub const DEFAULT_SEED: u64 = 1;
/// Linear depth: quote notional that moves the price by 1 %.
pub const DEFAULT_DEPTH: f64 = 5e7;
/// Square-root law defaults (Donier & Bonart): Y = 1, daily σ 3 %, daily volume 2·10⁹ (the
/// page's market form offers them when the sqrt model is picked).
pub const DEFAULT_SQRT: (f64, f64, f64) = (1.0, 0.03, 2e9);
/// Constant-product pool defaults: 10 000 base units against their value in quote.
pub const DEFAULT_AMM_BASE: f64 = 10_000.0;

/// The generator used when the Scenario gives no market positions and no generator.
pub fn default_generator() -> Generator {
    Generator {
        open_interest_long: DEFAULT_OI_LONG,
        open_interest_short: DEFAULT_OI_SHORT,
        entry_spread: DEFAULT_SPREAD,
        seed: DEFAULT_SEED,
        count: DEFAULT_COUNT,
        ..Default::default()
    }
}

/// The depth used when the Scenario gives none: linear, [`DEFAULT_DEPTH`] per 1 %.
pub fn default_depth() -> Depth {
    Depth { model: ImpactModel::Linear { notional_per_pct: DEFAULT_DEPTH }, refill_half_life: None, round_seconds: None }
}

/// What an analysis reads from the `market` section, so only the defaults it uses are applied
/// (and listed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// A volatility for every position's symbol.
    pub volatility: bool,
    /// A market book (positions or a generator) and a depth model.
    pub book: bool,
    /// Whether the request brings market positions of its own (CSV text), so no market needs
    /// to be generated (nor when the Scenario gives positions, loans or a generator).
    pub imported: bool,
}

/// The Scenario with every market input `needs` asks for and the Scenario lacks set to its
/// default, and the list of what was set.
pub fn effective(s: &Scenario, needs: Needs) -> (Scenario, Vec<Assumption>) {
    let mut e = s.clone();
    let mut out = Vec::new();
    if !needs.volatility && !needs.book {
        return (e, out);
    }
    let m = e.market.get_or_insert_with(Market::default);
    if needs.volatility {
        for sym in symbols(s) {
            if !m.risk.volatility.contains_key(&sym) {
                let v = default_volatility(&sym);
                out.push(Assumption::new(
                    format!("market.volatility.{sym}"),
                    v,
                    "leverlab's default annual volatility (BTC 60 %, ETH 75 %, other 90 %/yr: round figures near recent realised volatility); give market.volatility for your own",
                ));
                m.risk.volatility.insert(sym, v);
            }
        }
    }
    if needs.book {
        let given = !m.book.positions.is_empty() || m.book.generator.is_some() || !m.book.loans.is_empty() || m.book.loan_generator.is_some();
        if !given && !needs.imported {
            let g = default_generator();
            out.push(Assumption::new(
                "market.generator",
                &g,
                "no market book given: leverlab's default generated market (open interest 6·10⁸ long / 5·10⁸ short, 20,000 positions, entries ±5 %, seed 1)",
            ));
            m.book.generator = Some(g);
        }
        if m.book.depth.is_none() {
            let d = default_depth();
            out.push(Assumption::new("market.depth", &d, "no depth given: leverlab's default linear depth, 5·10⁷ quote moves the price 1 %"));
            m.book.depth = Some(d);
        }
    }
    (e, out)
}

/// The horizon in days: the setting, else `market.horizon_days`, else [`DEFAULT_HORIZON_DAYS`]
/// (listed as an assumption at `path`).
pub fn horizon(s: &Scenario, setting: Option<f64>, path: &str, out: &mut Vec<Assumption>) -> f64 {
    if let Some(h) = setting.or_else(|| s.market.as_ref().and_then(|m| m.risk.horizon_days)) {
        return h;
    }
    out.push(Assumption::new(path, DEFAULT_HORIZON_DAYS, "neither the setting nor market.horizon_days is given: leverlab's default horizon of 7 days"));
    DEFAULT_HORIZON_DAYS
}

/// `setting`, else `default` (listed as an assumption at `path` with `why`).
pub fn or_default<T: Serialize + Clone>(setting: Option<T>, default: T, path: &str, why: &str, out: &mut Vec<Assumption>) -> T {
    match setting {
        Some(v) => v,
        None => {
            out.push(Assumption::new(path, default.clone(), why));
            default
        }
    }
}
