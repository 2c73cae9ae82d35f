//! The liquidation map: liquidation notional by price level, longs below the price and shorts
//! above it, and the cumulative "liquidatable between here and price X" curves.

use serde::{Deserialize, Serialize};

use super::funding::FundingSignal;
use super::levels::{LevelSummary, MarketLevels};
use crate::engine::report::Report;
use crate::engine::input::{FieldError, InputErrors};
use crate::engine::scenario::Side;

/// One of the user's own liquidation prices, for the page to mark on the map.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct UserMark {
    /// Index in the Scenario's `positions`.
    pub index: usize,
    pub symbol: String,
    pub side: Side,
    pub liquidation_price: f64,
}

impl UserMark {
    /// The user's liquidation prices from `eval`'s report (positions with one).
    pub fn from_report(r: &Report) -> Vec<UserMark> {
        r.positions
            .iter()
            .enumerate()
            .filter_map(|(index, p)| {
                p.liquidation_price.map(|lp| UserMark { index, symbol: p.symbol.clone(), side: p.side, liquidation_price: lp })
            })
            .collect()
    }
}

/// Histogram and cumulative curves over `bins` equal price bins spanning `price × (1 ± range)`.
/// Parallel arrays, chart-ready; bin `k` spans `[bin_edges[k], bin_edges[k+1])`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LiquidationMap {
    pub price: f64,
    pub range: f64,
    /// `bins + 1` edges, ascending.
    pub bin_edges: Vec<f64>,
    /// Long / short liquidation notional (quote, at the liquidation prices) per bin.
    pub long_notional: Vec<f64>,
    pub short_notional: Vec<f64>,
    /// The part of `long_notional` / `short_notional` that is loans' liquidations
    /// (`market.loans`): collateral sold by long loans, debt bought back by short ones.
    pub loan_long_notional: Vec<f64>,
    pub loan_short_notional: Vec<f64>,
    /// Long notional liquidated if the price falls from `price` to the bin's lower edge (0 for
    /// bins above the price); short notional liquidated if it rises to the bin's upper edge.
    pub cumulative_long: Vec<f64>,
    pub cumulative_short: Vec<f64>,
    /// Level totals over the whole market (in range or not).
    pub summary: LevelSummary,
    pub user_liquidation_prices: Vec<UserMark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding_signal: Option<FundingSignal>,
}

/// Builds the map: every bin is two binary searches in the sorted levels (`O(bins · log n)`).
///
/// # Errors
/// `bins` outside 1..=100 000; `range` outside (0, 1).
pub fn liquidation_map(levels: &MarketLevels, bins: usize, range: f64, user: Vec<UserMark>) -> Result<LiquidationMap, InputErrors> {
    let mut e = Vec::new();
    if !(1..=100_000).contains(&bins) {
        e.push(FieldError::new("bins", "must be from 1 to 100000"));
    }
    if !(range.is_finite() && range > 0.0 && range < 1.0) {
        e.push(FieldError::new("range", "must be a fraction > 0 and < 1"));
    }
    if !e.is_empty() {
        return Err(InputErrors(e));
    }
    let p0 = levels.price;
    let (lo, hi) = (p0 * (1.0 - range), p0 * (1.0 + range));
    let bin_edges: Vec<f64> = (0..=bins).map(|k| lo + (hi - lo) * k as f64 / bins as f64).collect();
    // Long notional with LP ≥ x, short notional with LP ≤ x.
    let long_at = |x: f64| levels.long.notional(levels.long.reached(x));
    let short_at = |x: f64| levels.short.notional(levels.short.reached(x));
    let mut m = LiquidationMap {
        price: p0,
        range,
        long_notional: Vec::with_capacity(bins),
        short_notional: Vec::with_capacity(bins),
        loan_long_notional: Vec::with_capacity(bins),
        loan_short_notional: Vec::with_capacity(bins),
        cumulative_long: Vec::with_capacity(bins),
        cumulative_short: Vec::with_capacity(bins),
        bin_edges,
        summary: levels.summary.clone(),
        user_liquidation_prices: user,
        funding_signal: levels.funding.clone(),
    };
    for k in 0..bins {
        let (a, b) = (m.bin_edges[k], m.bin_edges[k + 1]);
        // Longs in [a, b): (LP ≥ a) − (LP ≥ b). Shorts in [a, b): (LP < b) − (LP < a), with
        // `short_at` counting LP ≤ x; the difference at an exact edge is measure-zero for the
        // chart and keeps every short in exactly one bin.
        let long_ab = long_at(a) - long_at(b);
        let short_ab = short_at(b) - short_at(a);
        m.long_notional.push(long_ab.max(0.0));
        m.short_notional.push(short_ab.max(0.0));
        let (ll, ls) = (&levels.loan_long, &levels.loan_short);
        m.loan_long_notional.push((ll.notional(ll.reached(a)) - ll.notional(ll.reached(b))).max(0.0));
        m.loan_short_notional.push((ls.notional(ls.reached(b)) - ls.notional(ls.reached(a))).max(0.0));
        m.cumulative_long.push(if a < p0 { long_at(a) } else { 0.0 });
        m.cumulative_short.push(if b > p0 { short_at(b) } else { 0.0 });
    }
    Ok(m)
}
