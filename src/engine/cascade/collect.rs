//! What the market's positions are collected into before their levels are sorted: the
//! [`Collector`] (per-side level lists and the [`LevelSummary`]) and the template Scenario and
//! position every market position is evaluated as. Shared by the generator
//! ([`super::generate`]) and the level builder ([`super::levels`]), which both depend on this
//! module and not on each other's internals.

use serde::{Deserialize, Serialize};

use crate::engine::scenario::{Contract, MarginMode, Position, Scenario, Side, Venue};

/// Totals of the market's positions, for the page's legend and the CLI.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct LevelSummary {
    /// Reference (current) market price.
    pub price: f64,
    /// Positions given in the Scenario or imported, and positions generated.
    pub given: usize,
    pub generated: usize,
    /// Entry notional of every long / short position (quote).
    pub long_open_interest: f64,
    pub short_open_interest: f64,
    /// Base size of every long / short position.
    pub long_open_size: f64,
    pub short_open_size: f64,
    /// Levels on the map: longs below the price, shorts above it.
    pub long_levels: usize,
    pub short_levels: usize,
    /// Their notional valued at the liquidation prices (quote).
    pub long_level_notional: f64,
    pub short_level_notional: f64,
    /// Entry notional of positions already liquidatable at the price (a long whose liquidation
    /// price is at or above it, a short at or below it): left off the map, as the venue would
    /// have closed them already.
    pub already_liquidatable_long: f64,
    pub already_liquidatable_short: f64,
    /// Entry notional of positions that no positive price liquidates (e.g. 1x longs).
    pub unliquidatable: f64,
    /// Loans of `market.loans`, their liquidation levels (each loan is liquidated step by step)
    /// and those levels' notional at their prices: long loans sell below the price, short
    /// loans buy above it; these levels are also in the long and short totals above.
    #[serde(default)]
    pub loans: usize,
    #[serde(default)]
    pub loan_long_levels: usize,
    #[serde(default)]
    pub loan_short_levels: usize,
    #[serde(default)]
    pub loan_long_notional: f64,
    #[serde(default)]
    pub loan_short_notional: f64,
    /// Notional of loan liquidations already due at the price (left off the map).
    #[serde(default)]
    pub loan_already_liquidatable: f64,
}

/// Collects positions into per-side level lists (sorted runs and unsorted extras) and the
/// summary. The hot small functions here and in the book are `#[inline(always)]`: the wasm
/// build is size-optimised (`opt-level = "z"`), where plain `#[inline]` hints are often dropped
/// and a call per position doubled the generation time.
pub(crate) struct Collector {
    pub price: f64,
    pub long: Vec<(f64, f64)>,
    pub short: Vec<(f64, f64)>,
    pub long_runs: Vec<Vec<(f64, f64)>>,
    pub short_runs: Vec<Vec<(f64, f64)>>,
    pub summary: LevelSummary,
    /// The loans' runs, kept apart as well for the map.
    pub loan_long_runs: Vec<Vec<(f64, f64)>>,
    pub loan_short_runs: Vec<Vec<(f64, f64)>>,
}

impl Collector {
    pub fn new(price: f64) -> Self {
        Collector {
            price,
            long: Vec::new(),
            short: Vec::new(),
            long_runs: Vec::new(),
            short_runs: Vec::new(),
            summary: LevelSummary { price, ..Default::default() },
            loan_long_runs: Vec::new(),
            loan_short_runs: Vec::new(),
        }
    }

    /// Counts one position in the summary: `lp` its liquidation price (`None`: no price
    /// liquidates it). Returns its `(liquidation price, size)` level when it belongs on the map
    /// (not already liquidatable at the price).
    #[inline(always)]
    pub fn place(&mut self, side: Side, size: f64, entry: f64, lp: Option<f64>) -> Option<(f64, f64)> {
        let notional = size * entry;
        let s = &mut self.summary;
        match side {
            Side::Long => {
                s.long_open_interest += notional;
                s.long_open_size += size;
            }
            Side::Short => {
                s.short_open_interest += notional;
                s.short_open_size += size;
            }
        }
        match (side, lp) {
            (_, None) => {
                s.unliquidatable += notional;
                None
            }
            (Side::Long, Some(l)) if l >= self.price => {
                s.already_liquidatable_long += notional;
                None
            }
            (Side::Short, Some(l)) if l <= self.price => {
                s.already_liquidatable_short += notional;
                None
            }
            (_, Some(l)) => Some((l, size)),
        }
    }

    /// Adds one position in no particular order.
    #[inline(always)]
    pub fn push(&mut self, side: Side, size: f64, entry: f64, lp: Option<f64>) {
        if let Some(l) = self.place(side, size, entry, lp) {
            match side {
                Side::Long => self.long.push(l),
                Side::Short => self.short.push(l),
            }
        }
    }

    /// Adds a run of levels already in reach order (placed with [`Collector::place`]).
    pub fn push_run(&mut self, side: Side, run: Vec<(f64, f64)>) {
        match side {
            Side::Long => self.long_runs.push(run),
            Side::Short => self.short_runs.push(run),
        }
    }

    /// Adds the liquidation runs of `market.loans` to their side, to the totals and to the
    /// loans' own books.
    pub fn push_loans(&mut self, loans: &[crate::engine::lending::loans::MarketLoan]) {
        for loan in loans {
            let (run, already) = loan.levels(self.price);
            self.summary.loans += 1;
            self.summary.loan_already_liquidatable += already;
            if run.is_empty() {
                continue;
            }
            match loan.side {
                Side::Long => self.loan_long_runs.push(run.clone()),
                Side::Short => self.loan_short_runs.push(run.clone()),
            }
            self.push_run(loan.side, run);
        }
    }
}

/// A Scenario like `s` (same venue defaults and user symbols) with no positions and no market, in
/// isolated mode: the template every market position is evaluated in.
pub(crate) fn template_scenario(s: &Scenario, venue: Venue) -> Scenario {
    let mut t = s.clone();
    t.market = None;
    t.positions.clear();
    t.margin_mode = MarginMode::Isolated;
    t.wallet_balance = None;
    t.wallet_balances = None;
    t.venue = venue;
    t
}

/// The engine's view of a market position: a linear, isolated position with the given leverage.
pub(crate) fn engine_position(symbol: &str, side: Side, size: f64, entry: f64, leverage: f64, mmr: Option<f64>) -> Position {
    Position {
        symbol: symbol.to_string(),
        contract: Some(Contract::Linear),
        side,
        size,
        entry_price: entry,
        leverage: Some(leverage),
        mmr,
        ..Default::default()
    }
}

/// The symbol market positions default to: the first user position's.
pub(crate) fn default_symbol(s: &Scenario) -> String {
    s.positions.first().map(|p| p.symbol.clone()).unwrap_or_default()
}
