//! Batch evaluation of isolated books: many positions, one at a time through one reused
//! scratch position, with results as plain numbers.
//!
//! [`evaluate`](crate::engine::evaluate) builds a whole [`Report`](crate::engine::Report):
//! strings per position, every position in memory. A book of 10⁶ isolated positions needs
//! neither: each isolated position's figures depend on that position alone (its collateral is
//! its own margin), so a [`BookEvaluator`] takes the rows one by one — from a CSV stream, typed
//! arrays or numpy columns — and returns a [`RowReport`] of numbers for each, using the same
//! validation ([`Scenario::validate`], [`check_magnitudes`](crate::engine::check_magnitudes)), the same venue model
//! ([`venue::position_model`]) and the same solver ([`margin::liquidation_price`]) as
//! `evaluate`, so the numbers are the same (property-tested in `tests/batch.rs`).
//!
//! A row allocates nothing: the scratch position's symbol buffer is reused, the maintenance
//! table is borrowed from the shipped tables, and the formula text is an index into a
//! [`ModelTable`]. (A row that overrides the maintenance schedule — `mmr`, `max_leverage` or
//! `tiers` — gets its own small table, as in `evaluate`.) [`Totals`] sums the account figures
//! while the rows stream past, in the same order and asset rule as `evaluate`.
//!
//! Formulas and sources: those of [`venue::formula`] and [`margin`], per venue.
//!
//! # Design Decision
//! One scratch [`Scenario`] of one position, refilled per row, rather than a second
//! implementation of the checks and models: the batch path cannot drift from `evaluate`.
//!
//! Two things make a plain row cheap without a second implementation. The venue model of a
//! row depends on its symbol and contract type only (besides the row's own numbers), so it is
//! built once per (symbol, contract) by [`venue::position_model`] and reused with the row's
//! side, size, prices and fee patched in (OKX, whose table depends on the size, and rows with
//! their own schedule are built per row). And a row that passes a conservative, allocation-free
//! gate ([`plain`]: every field in the range the checks accept, no fields the checks look at
//! beyond those) skips [`Scenario::validate`]; any other row takes the full checks, which
//! alone write error messages. `tests/batch.rs` holds the gate to the checks (a gated row
//! never has a problem) and the numbers to `evaluate`.

use crate::engine::report::{ModelTable, Settlement, WalletReport};
use crate::engine::scenario::{Contract, FieldError, InputErrors, MarginMode, Position, Scenario, Side, Venue};
use std::borrow::Cow;

use crate::engine::venue::{FeeValuation, MmValuation};
use crate::engine::{liquidation_note, margin, venue};
use crate::engine::{MAX_AMOUNT, MAX_PRICE, MAX_SIZE, MIN_PRICE};

/// The columns of a book of positions, in the order the page's CSV export writes them: the
/// Scenario's position field names (rates as fractions). `tiers` has no CSV column.
pub const BOOK_COLUMNS: [&str; 12] = [
    "symbol",
    "side",
    "contract",
    "size",
    "entry_price",
    "mark_price",
    "leverage",
    "margin",
    "mmr",
    "maint_amount",
    "max_leverage",
    "taker_fee",
];

/// What the engine computed for one isolated position: the numeric half of a
/// [`PositionReport`](crate::engine::PositionReport), with the same meaning field by field;
/// `model` indexes the evaluator's [`ModelTable`] and `liquidation_note` is a static text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RowReport {
    pub contract: Contract,
    pub settlement: Settlement,
    pub size: f64,
    pub entry_price: f64,
    pub mark_price: f64,
    pub notional: f64,
    pub initial_margin: f64,
    pub collateral: f64,
    pub maintenance_margin: f64,
    pub tier: usize,
    pub mmr: f64,
    pub maint_amount: f64,
    pub closing_fee: f64,
    pub unrealized_pnl: f64,
    pub roe: f64,
    pub liquidation_price: Option<f64>,
    pub liquidation_note: Option<&'static str>,
    pub liquidation_tier: Option<usize>,
    pub liquidation_mmr: Option<f64>,
    pub liquidation_maint_amount: Option<f64>,
    pub bankruptcy_price: Option<f64>,
    pub distance_to_liquidation: Option<f64>,
    pub liquidatable_now: bool,
    pub effective_leverage: Option<f64>,
    pub max_leverage: Option<f64>,
    pub model: usize,
}

/// Evaluates isolated positions one at a time (see the module notes). Fill
/// [`position_mut`](Self::position_mut), then call [`evaluate`](Self::evaluate).
#[derive(Clone, Debug)]
pub struct BookEvaluator {
    scratch: Scenario,
    models: ModelTable,
    /// Models per (symbol, contract) seen so far (see the module notes).
    templates: Vec<Template>,
    /// The template the last row used: books are often sorted or single-symbol.
    last: usize,
    /// The row's fields other than those [`set_row`](Self::set_row) sets are all unset.
    clean: bool,
    /// The row's symbol is the one template `last` was looked up with.
    same_symbol: bool,
}

/// The venue model shared by the rows of one symbol and contract type.
#[derive(Clone, Debug)]
struct Template {
    symbol: String,
    contract: Option<Contract>,
    /// The model (its row-specific numbers are overwritten per row), its [`ModelTable`] row
    /// and the venue's default closing-fee rate where its condition counts one; `None` = rows
    /// of this key take the full path (a symbol whose table is for the other contract type, an
    /// OKX table that depends on the size).
    model: Option<(venue::PositionModel, usize, Option<f64>)>,
    /// The model's table as columns when its venue rule is the common one (see [`Table`]).
    table: Option<Table>,
}

/// Most rows a [`Table`] holds (the shipped tables have at most 12).
const TABLE_MAX: usize = 16;

/// A shipped maintenance table as columns of a fixed length, for a model whose venue rule is
/// the common one (MM and fee valued at the liquidation price, no funding, no size-dependent
/// rate): the column path looks tiers up in it without a loop whose length depends on the
/// symbol (a book mixing symbols would mispredict its end on every row), and solves with the
/// same steps as [`margin::liquidation_price_from`] (see [`table_liquidation`]).
#[derive(Clone, Debug)]
struct Table {
    rows: usize,
    /// Floors, then +∞ up to [`TABLE_MAX`].
    floor: [f64; TABLE_MAX],
    mmr: [f64; TABLE_MAX],
    amount: [f64; TABLE_MAX],
}

impl Table {
    /// The table of `m`, when its rule is the common one and its table fits.
    fn of(m: &venue::PositionModel) -> Option<Table> {
        let common = m.valuation == MmValuation::AtPrice && m.fee_valuation == FeeValuation::AtPrice && m.size_rate.is_none() && m.funding == 0.0;
        let Cow::Borrowed(tiers) = &m.tiers else { return None };
        if !common || tiers.is_empty() || tiers.len() > TABLE_MAX {
            return None;
        }
        let mut t = Table { rows: tiers.len(), floor: [f64::INFINITY; TABLE_MAX], mmr: [0.0; TABLE_MAX], amount: [0.0; TABLE_MAX] };
        for (k, x) in tiers.iter().enumerate() {
            t.floor[k] = x.floor;
            t.mmr[k] = x.mmr;
            t.amount[k] = x.maint_amount;
        }
        Some(t)
    }

    /// [`margin::tier_index`] of the same tiers: the floors at or below `v` (the padding counts
    /// only for `v = +∞`, when every real floor counts too), less one, from 0.
    #[inline(always)]
    fn index(&self, v: f64) -> usize {
        let below: usize = self.floor.iter().map(|&f| usize::from(f <= v)).sum();
        below.min(self.rows).saturating_sub(1)
    }

    /// Tier `k` as [`margin::walk_step`] takes it, and the next tier's floor.
    #[inline(always)]
    fn tier(&self, k: usize) -> ((f64, f64, f64), Option<f64>) {
        ((self.mmr[k], self.amount[k], self.floor[k]), (k + 1 < self.rows).then(|| self.floor[k + 1]))
    }
}

/// `Some(x)` inside `[lo, hi]`, or `None`.
#[inline]
fn within(x: Option<f64>, lo: f64, hi: f64) -> bool {
    x.is_none_or(|v| (lo..=hi).contains(&v))
}

/// The allocation-free gate of the module notes: true only for a row that
/// [`Scenario::validate`] and [`check_magnitudes`](crate::engine::check_magnitudes) accept in an isolated Scenario of an
/// exchange venue (given its settlement value is checked with its contract, see
/// [`BookEvaluator::evaluate`]). It may refuse rows those checks accept (they then take the
/// full checks), never the reverse: every bound below is one of those checks, at least as
/// tight.
#[inline]
fn plain(p: &Position) -> bool {
    // Every field named, so that a field added to `Position` fails to compile here until the
    // gate says whether the checks read it.
    let Position {
        symbol: _,
        contract: _,
        side: _,
        size: _,
        entry_price: _,
        mark_price: _,
        leverage: _,
        margin: _,
        mmr,
        maint_amount: _,
        tiers,
        max_leverage,
        taker_fee: _,
        venue_liquidation_price: _,
        note: _,
        collateral_token,
        collateral_amount,
        collateral_price,
        min_collateral_factor,
        min_collateral_usd,
        borrowing_fee_usd,
        funding_fee_usd,
        close_fee_factor,
        price_impact_usd,
        liquidation_fee_factor,
        position_impact,
        funding_rate,
        option,
    } = p;
    // Fields the checks or the model read beyond the plain ones: the full path.
    let extra = tiers.is_some()
        || mmr.is_some()
        || max_leverage.is_some()
        || funding_rate.is_some()
        || collateral_token.is_some()
        || collateral_amount.is_some()
        || collateral_price.is_some()
        || min_collateral_factor.is_some()
        || min_collateral_usd.is_some()
        || borrowing_fee_usd.is_some()
        || funding_fee_usd.is_some()
        || close_fee_factor.is_some()
        || price_impact_usd.is_some()
        || liquidation_fee_factor.is_some()
        || position_impact.is_some()
        || option.is_some();
    !extra
        // size finite > 0 and ≤ MAX_SIZE; prices finite > 0 within [MIN_PRICE, MAX_PRICE].
        && p.size > 0.0
        && p.size <= MAX_SIZE
        && (MIN_PRICE..=MAX_PRICE).contains(&p.entry_price)
        && within(p.mark_price, MIN_PRICE, MAX_PRICE)
        // leverage from 1 to 1000, or a margin: finite, ≥ 0, ≤ MAX_AMOUNT.
        && (p.leverage.is_some() || p.margin.is_some())
        && within(p.leverage, crate::engine::input::LEVERAGE_RANGE.0, crate::engine::input::LEVERAGE_RANGE.1)
        && within(p.margin, 0.0, MAX_AMOUNT)
        && within(p.maint_amount, -MAX_AMOUNT, MAX_AMOUNT)
        // a rate ≥ 0 and < 0.1.
        && p.taker_fee.is_none_or(|f| (0.0..0.1).contains(&f))
        && p.venue_liquidation_price.is_none_or(|v| v > 0.0 && v.is_finite())
}

/// Turns a number into `Some` only when it is finite (as the Report does).
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

impl BookEvaluator {
    /// An evaluator for isolated positions at `venue`.
    pub fn new(venue: Venue) -> Self {
        BookEvaluator {
            scratch: Scenario {
                version: crate::engine::scenario::FORMAT_VERSION,
                venue,
                margin_mode: MarginMode::Isolated,
                wallet_balance: None,
                wallet_balances: None,
                positions: vec![Position::default()],
                market: None,
                lending: None,
                vault: None,
                auction: None,
                now: None,
                portfolio_margin: None,
                collateral: None,
                analyses: None,
            },
            models: ModelTable::default(),
            templates: Vec::new(),
            last: 0,
            clean: true,
            same_symbol: false,
        }
    }

    /// The venue the rows are evaluated at.
    pub fn venue(&self) -> Venue {
        self.scratch.venue
    }

    /// The row to fill before [`evaluate`](Self::evaluate). Its fields keep the previous row's
    /// values: set every field (or call [`clear_row`](Self::clear_row) first).
    pub fn position_mut(&mut self) -> &mut Position {
        self.clean = false;
        self.same_symbol = false;
        &mut self.scratch.positions[0]
    }

    /// The row as last filled.
    pub fn position(&self) -> &Position {
        &self.scratch.positions[0]
    }

    /// Resets the row to the defaults, keeping the symbol buffer's capacity.
    pub fn clear_row(&mut self) {
        let p = &mut self.scratch.positions[0];
        let mut symbol = std::mem::take(&mut p.symbol);
        symbol.clear();
        *p = Position { symbol, ..Position::default() };
        self.clean = true;
        self.same_symbol = false;
    }

    /// Sets the row from plain values (`None` = not given), reusing the symbol buffer.
    #[allow(clippy::too_many_arguments)]
    pub fn set_row(&mut self, symbol: &str, side: Side, contract: Option<Contract>, size: f64, entry_price: f64, rest: RowOptions) {
        self.set_fields(side, contract, size, entry_price, rest);
        let p = &mut self.scratch.positions[0];
        if p.symbol != symbol {
            p.symbol.clear();
            p.symbol.push_str(symbol);
            self.same_symbol = false;
        }
    }

    /// [`set_row`](Self::set_row) but the symbol.
    #[inline]
    fn set_fields(&mut self, side: Side, contract: Option<Contract>, size: f64, entry_price: f64, rest: RowOptions) {
        if !self.clean {
            self.clear_row();
        }
        // Only the fields below change from row to row: the others stay unset.
        let p = &mut self.scratch.positions[0];
        p.side = side;
        p.contract = contract;
        p.size = size;
        p.entry_price = entry_price;
        p.mark_price = rest.mark_price;
        p.leverage = rest.leverage;
        p.margin = rest.margin;
        p.mmr = rest.mmr;
        p.maint_amount = rest.maint_amount;
        p.max_leverage = rest.max_leverage;
        p.taker_fee = rest.taker_fee;
    }

    /// The formula table the rows' `model` refers to.
    pub fn models(&self) -> &ModelTable {
        &self.models
    }

    /// Evaluates the row as position `index` of an isolated Scenario at this venue.
    ///
    /// # Errors
    /// The same [`FieldError`]s as [`evaluate`](crate::engine::evaluate) gives for that
    /// position, at `positions[index].field`.
    pub fn evaluate(&mut self, index: usize) -> Result<RowReport, InputErrors> {
        if let Some(k) = self.fast_model() {
            let Some((m, model, _)) = &self.templates[k].model else { unreachable!("gated on a model") };
            let s = &self.scratch;
            return Ok(figures(s, &s.positions[0], m, *model));
        }
        self.evaluate_fully(index)
    }

    /// The figures [`evaluate_columns`] returns, as [`evaluate`](Self::evaluate) computes them.
    ///
    /// # Errors
    /// As [`evaluate`](Self::evaluate).
    fn evaluate_lean(&mut self, index: usize) -> Result<Lean, InputErrors> {
        if let Some(k) = self.fast_model() {
            let Some((m, _, _)) = &self.templates[k].model else { unreachable!("gated on a model") };
            let s = &self.scratch;
            return Ok(lean(s, &s.positions[0], m));
        }
        let r = self.evaluate_fully(index)?;
        Ok(Lean {
            liquidation_price: r.liquidation_price,
            bankruptcy_price: r.bankruptcy_price,
            initial_margin: r.initial_margin,
            maintenance_margin: r.maintenance_margin,
            distance_to_liquidation: r.distance_to_liquidation,
        })
    }

    /// The row's template with its model set to the row, when the row may take the fast path.
    #[inline]
    fn fast_model(&mut self) -> Option<usize> {
        let k = self.template_for_row()?;
        let Some((m, _, default_fee)) = &mut self.templates[k].model else { return None };
        let p = &self.scratch.positions[0];
        m.side = p.side.sign();
        m.size = p.size;
        m.entry_price = p.entry_price;
        m.mark_price = p.mark_price.unwrap_or(p.entry_price);
        m.fee_rate = default_fee.map_or(0.0, |d| p.taker_fee.unwrap_or(d));
        // The settlement value at entry and at mark, as `check_magnitudes` bounds it.
        let worst = margin::notional(m, m.entry_price).max(margin::notional(m, m.mark_price));
        (worst <= MAX_AMOUNT).then_some(k)
    }

    /// [`evaluate`](Self::evaluate) through the full checks and a model built for the row.
    fn evaluate_fully(&mut self, index: usize) -> Result<RowReport, InputErrors> {
        let s = &self.scratch;
        let renumber = |e: InputErrors| {
            InputErrors(
                e.0.into_iter()
                    .map(|f| match f.path.strip_prefix("positions[0]") {
                        // A message may name another field of the row (`positions[0].symbol`).
                        Some(rest) => FieldError::new(
                            format!("positions[{index}]{rest}"),
                            f.message.replace("positions[0]", &format!("positions[{index}]")),
                        ),
                        None => f,
                    })
                    .collect(),
            )
        };
        // `validate` includes the magnitude limits.
        s.validate().map_err(renumber)?;
        let p = &s.positions[0];
        let m = venue::position_model(s, 0, p).map_err(|e| renumber(e.into()))?;
        let model = self.models.index(m.formula, m.source, m.table_source);
        Ok(figures(s, p, &m, model))
    }

    /// The template of the current row when it may take the fast path (see the module
    /// notes), building it on the first row of its symbol and contract.
    fn template_for_row(&mut self) -> Option<usize> {
        let s = &self.scratch;
        let p = &s.positions[0];
        if s.venue.is_protocol() || !plain(p) {
            return None;
        }
        let hit = |t: &Template| t.contract == p.contract && t.symbol == p.symbol;
        let same = self.same_symbol;
        let k = match self.templates.get(self.last).filter(|t| t.contract == p.contract && (same || hit(t))) {
            Some(_) => self.last,
            None => match self.templates.iter().position(hit) {
                Some(k) => k,
                None => {
                    let model = match venue::position_model(s, 0, p) {
                        Ok(m) if s.venue != Venue::Okx => {
                            let model = self.models.index(m.formula, m.source, m.table_source);
                            let fee = venue::fee_rule(s.venue, m.contract, s.margin_mode).map(|(d, _)| d);
                            Some((m, model, fee))
                        }
                        _ => None,
                    };
                    let table = model.as_ref().and_then(|(m, _, _)| Table::of(m));
                    self.templates.push(Template { symbol: p.symbol.clone(), contract: p.contract, model, table });
                    self.templates.len() - 1
                }
            },
        };
        self.last = k;
        self.same_symbol = true;
        self.templates[k].model.is_some().then_some(k)
    }
}

/// What every figure of a row starts from: maintenance margin and tier at mark, initial
/// margin, collateral, PnL, the liquidation price and whether the row is liquidatable now, as
/// [`evaluate`](crate::engine::evaluate) computes them for an isolated position.
struct Core {
    mm: f64,
    tier: usize,
    initial_margin: f64,
    collateral: f64,
    pnl: f64,
    liq: Option<(f64, usize)>,
    liquidatable_now: bool,
}

#[inline]
fn core(s: &Scenario, p: &Position, m: &venue::PositionModel) -> Core {
    core_of(s.venue, p.leverage, p.margin, m)
}

/// [`core`] from the row's `leverage` and `margin` (the column path has no [`Position`]).
#[inline(always)]
fn core_of(venue: Venue, leverage: Option<f64>, given_margin: Option<f64>, m: &venue::PositionModel) -> Core {
    let mp = m.mark_price;
    let (mm, tier) = margin::maintenance_margin_inline(m, mp);
    let initial_margin = venue::initial_margin_of(venue, leverage, given_margin, m);
    let pnl = margin::pnl(m, mp);
    let collateral = given_margin.unwrap_or(initial_margin);
    // The tier at mark is the solver's starting tier (the same `tier_index` of the value MM is
    // taken at; a size-dependent rate never asks for it).
    let liq = margin::liquidation_price_inline(m, collateral, || tier);
    // `margin::requirement` at mark: the maintenance margin above plus the fee term.
    let liquidatable_now = collateral + pnl <= mm + margin::liquidation_fee_inline(m, collateral, mp);
    Core { mm, tier, initial_margin, collateral, pnl, liq, liquidatable_now }
}

/// `|mark − LP| / mark`, 0 when liquidatable now (the Report's distance).
#[inline]
fn distance(c: &Core, mp: f64) -> Option<f64> {
    c.liq.map(|(lp, _)| if c.liquidatable_now { 0.0 } else { (mp - lp).abs() / mp })
}

/// The figures [`evaluate_columns`] returns.
struct Lean {
    liquidation_price: Option<f64>,
    bankruptcy_price: Option<f64>,
    initial_margin: f64,
    maintenance_margin: f64,
    distance_to_liquidation: Option<f64>,
}

#[inline]
fn lean(s: &Scenario, p: &Position, m: &venue::PositionModel) -> Lean {
    lean_of(s.venue, p.leverage, p.margin, m)
}

/// [`lean`] from the row's `leverage` and `margin`.
#[inline(always)]
fn lean_of(venue: Venue, leverage: Option<f64>, given_margin: Option<f64>, m: &venue::PositionModel) -> Lean {
    lean_from(core_of(venue, leverage, given_margin, m), m)
}

/// The [`Lean`] figures of a row's [`Core`].
#[inline(always)]
fn lean_from(c: Core, m: &venue::PositionModel) -> Lean {
    Lean {
        liquidation_price: c.liq.map(|l| l.0),
        bankruptcy_price: margin::bankruptcy_price_inline(m, c.collateral),
        initial_margin: c.initial_margin,
        maintenance_margin: c.mm,
        distance_to_liquidation: distance(&c, m.mark_price),
    }
}

/// The figures of a validated row from its model (`model` = its [`ModelTable`] row), as
/// [`evaluate`](crate::engine::evaluate) computes them for an isolated position.
fn figures(s: &Scenario, p: &Position, m: &venue::PositionModel, model: usize) -> RowReport {
    let mp = m.mark_price;
    let c = core(s, p, m);
    let Core { mm, tier, initial_margin, collateral, pnl, liq, liquidatable_now } = c;
    let notional = margin::notional(m, mp);
    let equity_at_mark = collateral + pnl;
    let (mmr, maint_amount, _) = margin::rate_at(m, mp);
    let at_liq = liq.map(|(lp, _)| margin::rate_at(m, lp));
    RowReport {
        contract: m.contract,
        settlement: match m.contract {
            Contract::Linear => Settlement::Quote,
            Contract::Inverse => Settlement::Coin,
        },
        size: m.size,
        entry_price: m.entry_price,
        mark_price: mp,
        notional,
        initial_margin,
        collateral,
        maintenance_margin: mm,
        tier,
        mmr,
        maint_amount,
        // As `evaluate` for an isolated position: the fee term of its liquidation condition.
        closing_fee: margin::liquidation_fee(m, collateral, mp),
        unrealized_pnl: pnl,
        roe: if initial_margin > 0.0 { finite(pnl / initial_margin).unwrap_or(0.0) } else { 0.0 },
        liquidation_price: liq.map(|l| l.0),
        liquidation_note: liquidation_note(liq.is_some(), liquidatable_now, m.side),
        liquidation_tier: liq.map(|l| l.1),
        liquidation_mmr: at_liq.map(|a| a.0),
        liquidation_maint_amount: at_liq.map(|a| a.1),
        bankruptcy_price: margin::bankruptcy_price(m, collateral),
        distance_to_liquidation: distance(&c, mp),
        liquidatable_now,
        effective_leverage: (equity_at_mark > 0.0).then(|| notional / equity_at_mark).and_then(finite),
        max_leverage: finite(venue::max_leverage(m, mp)),
        model,
    }
}

/// The optional fields of a row (`None` = not given, as in the Scenario).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RowOptions {
    pub mark_price: Option<f64>,
    pub leverage: Option<f64>,
    pub margin: Option<f64>,
    pub mmr: Option<f64>,
    pub maint_amount: Option<f64>,
    pub max_leverage: Option<f64>,
    pub taker_fee: Option<f64>,
}

/// Account totals of an isolated book, summed while its rows stream past: the account half of
/// the Report, per settlement asset (the quote currency, or each coin of inverse contracts),
/// the first position's asset as the totals and the others named and listed in `wallets` (as
/// [`evaluate`](crate::engine::evaluate) does). Memory grows with the number of assets and of
/// positions left out of the first asset's totals, not with the book.
#[derive(Clone, Debug, Default)]
pub struct Totals {
    /// Per asset: coin (`None` = quote), wallet (Σ margins), PnL, IM, MM.
    assets: Vec<(Option<String>, [f64; 4])>,
    left_out: Vec<usize>,
}

impl Totals {
    /// Adds position `index` (on `symbol`)'s figures. Allocates only for a new asset.
    pub fn add(&mut self, index: usize, r: &RowReport, symbol: &str) {
        let matches = |coin: &Option<String>| match (r.contract, coin) {
            (Contract::Linear, None) => true,
            (Contract::Inverse, Some(c)) => crate::engine::tables::settles_in(symbol, c),
            _ => false,
        };
        let k = match self.assets.iter().position(|(c, _)| matches(c)) {
            Some(k) => k,
            None => {
                let coin = (r.contract == Contract::Inverse).then(|| venue::settlement_coin(symbol));
                self.assets.push((coin, [0.0; 4]));
                self.assets.len() - 1
            }
        };
        if k > 0 {
            self.left_out.push(index);
        }
        let sums = &mut self.assets[k].1;
        sums[0] += r.collateral;
        sums[1] += r.unrealized_pnl;
        sums[2] += r.initial_margin;
        sums[3] += r.maintenance_margin;
    }

    /// The account part of the Report (without `-0.0`, as the Report).
    pub fn account(&self) -> crate::engine::AccountReport {
        let wallet = |coin: &Option<String>, s: &[f64; 4]| {
            let settlement = if coin.is_some() { Settlement::Coin } else { Settlement::Quote };
            WalletReport::new(settlement, coin.clone(), s[0], s[1], s[2], s[3], (None, None))
        };
        crate::engine::AccountReport::from_wallets(
            self.assets.iter().map(|(c, s)| wallet(c, s)).collect(),
            &self.left_out,
            wallet(&None, &[0.0; 4]),
        )
        .without_negative_zeros()
    }
}

/// Columns of an isolated book for [`evaluate_columns`]: one slice per field, all of the same
/// length; `NaN` in an optional column means "not given". `side` is `+1` long / `−1` short;
/// `contract` is `0` = the venue's usual one, `1` linear, `2` inverse. `symbol` indexes
/// `symbols` (empty `symbol` = every row has `symbols[0]`, or no symbol when that is empty too).
#[derive(Clone, Copy, Debug, Default)]
pub struct Columns<'a> {
    pub symbols: &'a [String],
    pub symbol: &'a [u32],
    pub side: &'a [f64],
    pub contract: &'a [u8],
    pub size: &'a [f64],
    pub entry_price: &'a [f64],
    pub mark_price: &'a [f64],
    pub leverage: &'a [f64],
    pub margin: &'a [f64],
    pub mmr: &'a [f64],
    pub maint_amount: &'a [f64],
    pub max_leverage: &'a [f64],
    pub taker_fee: &'a [f64],
}

impl Columns<'_> {
    /// The number of rows (the length of `size`), after checking that every given column has
    /// that length.
    ///
    /// # Errors
    /// A [`FieldError`] naming each column of another length.
    pub fn rows(&self) -> Result<usize, InputErrors> {
        let n = self.size.len();
        let cols: [(&str, usize); 12] = [
            ("symbol", self.symbol.len()),
            ("side", self.side.len()),
            ("contract", self.contract.len()),
            ("entry_price", self.entry_price.len()),
            ("mark_price", self.mark_price.len()),
            ("leverage", self.leverage.len()),
            ("margin", self.margin.len()),
            ("mmr", self.mmr.len()),
            ("maint_amount", self.maint_amount.len()),
            ("max_leverage", self.max_leverage.len()),
            ("taker_fee", self.taker_fee.len()),
            ("size", n),
        ];
        let mut errors: Vec<FieldError> = cols
            .iter()
            .filter(|(name, len)| *len != n && !(*len == 0 && *name != "entry_price"))
            .map(|(name, len)| FieldError::new(*name, format!("has {len} values; `size` has {n}")))
            .collect();
        if let Some(bad) = self.symbol.iter().find(|&&k| k as usize >= self.symbols.len()) {
            errors.push(FieldError::new("symbol", format!("index {bad} is past the {} symbols given", self.symbols.len())));
        }
        if let Some(bad) = self.contract.iter().find(|&&c| c > 2) {
            errors.push(FieldError::new("contract", format!("code {bad} is not 0 (venue default), 1 (linear) or 2 (inverse)")));
        }
        if let Some(bad) = self.side.iter().find(|&&s| s != 1.0 && s != -1.0) {
            errors.push(FieldError::new("side", format!("{bad} is not +1 (long) or -1 (short)")));
        }
        if errors.is_empty() {
            Ok(n)
        } else {
            Err(InputErrors(errors))
        }
    }
}

/// Per-row results of [`evaluate_columns`] (`NaN` where the Report has `null`, e.g. a
/// liquidation price no price reaches).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutColumns {
    pub liquidation_price: Vec<f64>,
    pub bankruptcy_price: Vec<f64>,
    pub initial_margin: Vec<f64>,
    pub maintenance_margin: Vec<f64>,
    pub distance_to_liquidation: Vec<f64>,
}

/// Evaluates a book given as columns (typed arrays, numpy arrays) at `venue`, isolated, on
/// every core the host offers (one on wasm32; books under 50,000 rows on one thread).
///
/// # Errors
/// Every bad row's [`FieldError`]s (at `positions[i].field`, up to 100), or the column-length
/// problems of [`Columns::rows`].
pub fn evaluate_columns(venue: Venue, c: &Columns) -> Result<OutColumns, InputErrors> {
    let threads = if cfg!(target_arch = "wasm32") { 1 } else { std::thread::available_parallelism().map_or(1, |n| n.get()) };
    evaluate_columns_on(venue, c, threads)
}

/// [`evaluate_columns`] on at most `threads` threads: the rows are cut into one run per
/// thread, each with its own evaluator (the rows are independent, so the numbers are those of
/// one thread). When a run meets a bad row the book is read again on one thread, so the
/// problems listed are those of the one-thread reading, in order.
///
/// # Errors
/// As [`evaluate_columns`].
pub fn evaluate_columns_on(venue: Venue, c: &Columns, threads: usize) -> Result<OutColumns, InputErrors> {
    let mut out = OutColumns::default();
    evaluate_columns_into(venue, c, threads, &mut out).map(|()| out)
}

/// [`evaluate_columns_on`] into `out`, whose columns are reused: a caller that evaluates book
/// after book of one length (a notebook re-running a stress, a page re-pricing its book) writes
/// into the same memory each time instead of new pages. `out` holds the book's results when
/// this returns `Ok`; after an error its contents are unspecified.
///
/// # Errors
/// As [`evaluate_columns`].
pub fn evaluate_columns_into(venue: Venue, c: &Columns, threads: usize, out: &mut OutColumns) -> Result<(), InputErrors> {
    let n = c.rows()?;
    for col in out.slices_vec() {
        if col.len() != n {
            col.clear();
            col.resize(n, 0.0);
        }
    }
    let threads = threads.clamp(1, n / 50_000 + 1);
    if threads == 1 || cfg!(target_arch = "wasm32") {
        return InputErrors::check(evaluate_run(venue, c, 0, out.slices()));
    }
    let per = n.div_ceil(threads);
    let mut runs: Vec<[&mut [f64]; 5]> = Vec::new();
    let mut rest = out.slices();
    while !rest[0].is_empty() {
        let take = per.min(rest[0].len());
        let [a, b, cc, d, e] = rest;
        let (a0, a1) = a.split_at_mut(take);
        let (b0, b1) = b.split_at_mut(take);
        let (c0, c1) = cc.split_at_mut(take);
        let (d0, d1) = d.split_at_mut(take);
        let (e0, e1) = e.split_at_mut(take);
        runs.push([a0, b0, c0, d0, e0]);
        rest = [a1, b1, c1, d1, e1];
    }
    let clean = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .into_iter()
            .enumerate()
            .map(|(k, run)| scope.spawn(move || evaluate_run(venue, c, k * per, run).is_empty()))
            .collect();
        handles.into_iter().all(|h| h.join().unwrap_or(false))
    });
    if clean {
        Ok(())
    } else {
        evaluate_columns_into(venue, c, 1, out)
    }
}

impl OutColumns {
    fn slices_vec(&mut self) -> [&mut Vec<f64>; 5] {
        [
            &mut self.liquidation_price,
            &mut self.bankruptcy_price,
            &mut self.initial_margin,
            &mut self.maintenance_margin,
            &mut self.distance_to_liquidation,
        ]
    }

    fn slices(&mut self) -> [&mut [f64]; 5] {
        [
            &mut self.liquidation_price,
            &mut self.bankruptcy_price,
            &mut self.initial_margin,
            &mut self.maintenance_margin,
            &mut self.distance_to_liquidation,
        ]
    }
}

/// Evaluates rows `first ..` of the columns into `out` (one slice per output column, as long as
/// the run); the problems of its bad rows (up to 100, then a last one saying so).
fn evaluate_run(venue: Venue, c: &Columns, first: usize, out: [&mut [f64]; 5]) -> Vec<FieldError> {
    let [lp, bp, im, mm, dist] = out;
    let mut ev = BookEvaluator::new(venue);
    let mut errors = Vec::new();
    let opt = |col: &[f64], i: usize| col.get(i).copied().filter(|x| !x.is_nan());
    // The template per (symbol code, contract code), so a row names its model without
    // comparing symbol text; the code whose symbol the scratch row holds.
    let mut slots: Vec<[Option<usize>; 3]> = vec![[None; 3]; c.symbols.len().max(1)];
    let mut current = usize::MAX;
    for j in 0..lp.len() {
        let i = first + j;
        let code = c.symbol.get(i).map_or(0, |&k| k as usize);
        let cc = c.contract.get(i).map_or(0, |&k| usize::from(k));
        // A row of a (symbol, contract) whose template is known and that passes the gate takes
        // the template's model straight from the columns, without the scratch row.
        if let Some(Template { model: Some((m, _, fee)), table, .. }) = slots[code][cc].map(|k| &mut ev.templates[k]) {
            if let Some(r) = column_row(venue, m, *fee, table.as_ref(), c, i) {
                lp[j] = r.liquidation_price.unwrap_or(f64::NAN);
                bp[j] = r.bankruptcy_price.unwrap_or(f64::NAN);
                im[j] = r.initial_margin;
                mm[j] = r.maintenance_margin;
                dist[j] = r.distance_to_liquidation.unwrap_or(f64::NAN);
                continue;
            }
        }
        let side = if c.side.get(i).copied().unwrap_or(1.0) < 0.0 { Side::Short } else { Side::Long };
        let contract = match cc {
            1 => Some(Contract::Linear),
            2 => Some(Contract::Inverse),
            _ => None,
        };
        let rest = RowOptions {
            mark_price: opt(c.mark_price, i),
            leverage: opt(c.leverage, i),
            margin: opt(c.margin, i),
            mmr: opt(c.mmr, i),
            maint_amount: opt(c.maint_amount, i),
            max_leverage: opt(c.max_leverage, i),
            taker_fee: opt(c.taker_fee, i),
        };
        if !ev.clean {
            // `set_fields` clears the whole row, symbol included.
            current = usize::MAX;
        }
        ev.set_fields(side, contract, c.size[i], c.entry_price.get(i).copied().unwrap_or(f64::NAN), rest);
        if code != current {
            let p = &mut ev.scratch.positions[0];
            p.symbol.clear();
            p.symbol.push_str(c.symbols.get(code).map_or("", String::as_str));
            ev.same_symbol = false;
            current = code;
        }
        if let Some(k) = slots[code][cc] {
            ev.last = k;
            ev.same_symbol = true;
        }
        let evaluated = ev.evaluate_lean(i);
        if ev.same_symbol && ev.templates.get(ev.last).is_some_and(|t| t.contract == contract) {
            slots[code][cc] = Some(ev.last);
        }
        match evaluated {
            Ok(r) => {
                lp[j] = r.liquidation_price.unwrap_or(f64::NAN);
                bp[j] = r.bankruptcy_price.unwrap_or(f64::NAN);
                im[j] = r.initial_margin;
                mm[j] = r.maintenance_margin;
                dist[j] = r.distance_to_liquidation.unwrap_or(f64::NAN);
            }
            Err(e) => {
                errors.extend(e.0);
                if errors.len() >= 100 {
                    errors.push(FieldError::new("positions", "too many errors; stopped"));
                    break;
                }
            }
        }
    }
    errors
}

/// Row `i` of the columns through a template's model `m` (`default_fee` = the venue's
/// closing-fee rate where its condition counts one), as [`BookEvaluator::evaluate_lean`]
/// computes it for the same row: `None` unless the row passes the same gate ([`plain`] and the
/// settlement-value bound of [`BookEvaluator::fast_model`]), written for column values (`NaN` =
/// not given). Rows it refuses take the per-row path, which alone writes messages.
#[inline(always)]
fn column_row(venue: Venue, m: &mut venue::PositionModel, default_fee: Option<f64>, table: Option<&Table>, c: &Columns, i: usize) -> Option<Lean> {
    let at = |col: &[f64]| col.get(i).copied().unwrap_or(f64::NAN);
    // NaN (not given) or inside [lo, hi], as `within` on the Option.
    let free = |x: f64, lo: f64, hi: f64| x.is_nan() || (lo..=hi).contains(&x);
    let (size, entry, mark, lev, given) = (c.size[i], at(c.entry_price), at(c.mark_price), at(c.leverage), at(c.margin));
    let fee = at(c.taker_fee);
    let (lo, hi) = crate::engine::input::LEVERAGE_RANGE;
    let plain = at(c.mmr).is_nan()
        && at(c.max_leverage).is_nan()
        && size > 0.0
        && size <= MAX_SIZE
        && (MIN_PRICE..=MAX_PRICE).contains(&entry)
        && free(mark, MIN_PRICE, MAX_PRICE)
        && !(lev.is_nan() && given.is_nan())
        && free(lev, lo, hi)
        && free(given, 0.0, MAX_AMOUNT)
        && free(at(c.maint_amount), -MAX_AMOUNT, MAX_AMOUNT)
        && (fee.is_nan() || (0.0..0.1).contains(&fee));
    if !plain {
        return None;
    }
    let some = |x: f64| (!x.is_nan()).then_some(x);
    m.side = if c.side.get(i).copied().unwrap_or(1.0) < 0.0 { Side::Short.sign() } else { Side::Long.sign() };
    m.size = size;
    m.entry_price = entry;
    m.mark_price = if mark.is_nan() { entry } else { mark };
    m.fee_rate = default_fee.map_or(0.0, |d| some(fee).unwrap_or(d));
    let worst = margin::notional(m, m.entry_price).max(margin::notional(m, m.mark_price));
    if worst > MAX_AMOUNT {
        return None;
    }
    let (lev, given) = (some(lev), some(given));
    // The common venue rule — MM and fee valued at the liquidation price, a table, no funding —
    // on a copy of the model whose rules are constants, so the inlined solver keeps only that
    // rule's arithmetic (the same functions, one contract type per copy).
    Some(match (table, &m.tiers, m.contract) {
        (Some(t), Cow::Borrowed(tiers), Contract::Linear) => lean_table(venue, lev, given, &constant_rules(Contract::Linear, tiers, m), t),
        (Some(t), Cow::Borrowed(tiers), Contract::Inverse) => lean_table(venue, lev, given, &constant_rules(Contract::Inverse, tiers, m), t),
        _ => lean_of(venue, lev, given, m),
    })
}

/// [`lean_of`] for a model of the common rule with its [`Table`]: [`core_of`]'s steps, the
/// tiers looked up in the table.
#[inline(always)]
fn lean_table(venue: Venue, leverage: Option<f64>, given_margin: Option<f64>, m: &venue::PositionModel, t: &Table) -> Lean {
    let mp = m.mark_price;
    let tier = t.index(margin::mm_value(m, mp));
    let mm = margin::maintenance_with(m, mp, t.mmr[tier], t.amount[tier]);
    let initial_margin = venue::initial_margin_of(venue, leverage, given_margin, m);
    let pnl = margin::pnl(m, mp);
    let collateral = given_margin.unwrap_or(initial_margin);
    let liq = table_liquidation(m, collateral, t, tier);
    let liquidatable_now = collateral + pnl <= mm + margin::liquidation_fee_inline(m, collateral, mp);
    lean_from(Core { mm, tier, initial_margin, collateral, pnl, liq, liquidatable_now }, m)
}

/// [`margin::liquidation_price_from`] for a model of the common rule (no fee valued at the
/// bankruptcy price, so its fee term is 0) starting from tier `at_mark`, with the table's
/// lookups: its first two steps, then (a walk that has not settled, rare) the engine's own
/// walk from the start, so the answer is the engine's in every case.
#[inline(always)]
fn table_liquidation(m: &venue::PositionModel, collateral: f64, t: &Table, at_mark: usize) -> Option<(f64, usize)> {
    if !collateral.is_finite() {
        return None;
    }
    if t.rows == 1 {
        return margin::solve_tier(m, collateral, t.mmr[0], t.amount[0], 0.0).map(|p| (p, 0));
    }
    let (tier, next) = t.tier(at_mark);
    let (p, v, lands) = margin::walk_step(m, collateral, tier, next, 0.0)?;
    if lands {
        return Some((p, at_mark));
    }
    let k = t.index(v);
    let (tier, next) = t.tier(k);
    let (p, _, lands) = margin::walk_step(m, collateral, tier, next, 0.0)?;
    if lands {
        return Some((p, k));
    }
    margin::liquidation_price_from(m, collateral, || at_mark)
}

/// `m` with the common rule's fields written as constants (see [`column_row`]).
#[inline(always)]
fn constant_rules(contract: Contract, tiers: &'static [crate::engine::scenario::Tier], m: &venue::PositionModel) -> venue::PositionModel {
    venue::PositionModel {
        contract,
        side: m.side,
        size: m.size,
        entry_price: m.entry_price,
        mark_price: m.mark_price,
        tiers: Cow::Borrowed(tiers),
        size_rate: None,
        fee_rate: m.fee_rate,
        funding: 0.0,
        valuation: MmValuation::AtPrice,
        fee_valuation: FeeValuation::AtPrice,
        formula: "",
        source: "",
        table_source: "",
    }
}

impl RowReport {
    /// The row as a Report position, with the symbol and side it was evaluated with and the
    /// account's settlement asset (the Report gives every position the account's).
    pub fn to_position_report(&self, symbol: &str, side: Side) -> crate::engine::PositionReport {
        crate::engine::PositionReport {
            symbol: symbol.to_string(),
            side,
            contract: self.contract,
            settlement: self.settlement,
            coin: (self.contract == Contract::Inverse).then(|| venue::settlement_coin(symbol)),
            size: self.size,
            entry_price: self.entry_price,
            mark_price: self.mark_price,
            notional: self.notional,
            initial_margin: self.initial_margin,
            collateral: self.collateral,
            maintenance_margin: self.maintenance_margin,
            tier: self.tier,
            mmr: self.mmr,
            maint_amount: self.maint_amount,
            closing_fee: self.closing_fee,
            unrealized_pnl: self.unrealized_pnl,
            roe: self.roe,
            liquidation_price: self.liquidation_price,
            liquidation_note: self.liquidation_note.map(str::to_string),
            liquidation_tier: self.liquidation_tier,
            liquidation_mmr: self.liquidation_mmr,
            liquidation_maint_amount: self.liquidation_maint_amount,
            bankruptcy_price: self.bankruptcy_price,
            distance_to_liquidation: self.distance_to_liquidation,
            liquidatable_now: self.liquidatable_now,
            effective_leverage: self.effective_leverage,
            max_leverage: self.max_leverage,
            model: self.model,
            venue_liquidation_price: None,
            liquidation_price_difference: None,
        }
        .without_negative_zeros()
    }
}

/// Errors of [`evaluate_columns`] with column paths: `positions[3].size` becomes `size[3]`
/// (row 3 of the `size` column), the form the typed-array front doors (JS, Python) report.
pub fn column_paths(e: InputErrors) -> InputErrors {
    e.map_paths(|path| {
        let Some(rest) = path.strip_prefix("positions[") else { return path.to_string() };
        match rest.split_once("].") {
            Some((i, field)) => {
                let (head, tail) = field.split_once(['.', '[']).map_or((field, ""), |(h, _)| (h, &field[h.len()..]));
                format!("{head}[{i}]{tail}")
            }
            None => path.to_string(),
        }
    })
}
