//! Batch evaluation of isolated books: many positions, one at a time through one reused
//! scratch position, with results as plain numbers.
//!
//! [`evaluate`](crate::engine::evaluate) builds a whole [`Report`](crate::engine::Report):
//! strings per position, every position in memory. A book of 10⁶ isolated positions needs
//! neither: each isolated position's figures depend on that position alone (its collateral is
//! its own margin), so a [`BookEvaluator`] takes the rows one by one — from a CSV stream, typed
//! arrays or numpy columns — and returns a [`RowReport`] of numbers for each, using the same
//! validation ([`Scenario::validate`], [`check_magnitudes`]), the same venue model
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

use crate::engine::report::{ModelTable, Settlement, WalletReport};
use crate::engine::scenario::{Contract, FieldError, InputErrors, MarginMode, Position, Scenario, Side, Venue};
use crate::engine::{check_magnitudes, liquidation_note, margin, venue};

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
                collateral: None,
            },
            models: ModelTable::default(),
        }
    }

    /// The venue the rows are evaluated at.
    pub fn venue(&self) -> Venue {
        self.scratch.venue
    }

    /// The row to fill before [`evaluate`](Self::evaluate). Its fields keep the previous row's
    /// values: set every field (or call [`clear_row`](Self::clear_row) first).
    pub fn position_mut(&mut self) -> &mut Position {
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
    }

    /// Sets the row from plain values (`None` = not given), reusing the symbol buffer.
    #[allow(clippy::too_many_arguments)]
    pub fn set_row(&mut self, symbol: &str, side: Side, contract: Option<Contract>, size: f64, entry_price: f64, rest: RowOptions) {
        self.clear_row();
        let p = &mut self.scratch.positions[0];
        p.symbol.push_str(symbol);
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
        s.validate().map_err(renumber)?;
        check_magnitudes(s).map_err(renumber)?;
        let p = &s.positions[0];
        let m = venue::position_model(s, 0, p).map_err(|e| renumber(e.into()))?;
        let mp = m.mark_price;
        let (mm, tier) = margin::maintenance_margin(&m, mp);
        let initial_margin = venue::initial_margin(s, p, &m);
        let notional = margin::notional(&m, mp);
        let pnl = margin::pnl(&m, mp);
        let collateral = p.margin.unwrap_or(initial_margin);
        let liq = margin::liquidation_price(&m, collateral);
        let equity_at_mark = collateral + pnl;
        let liquidatable_now = equity_at_mark <= margin::requirement(&m, collateral, m.mark_price);
        let (mmr, maint_amount, _) = margin::rate_at(&m, mp);
        let at_liq = liq.map(|(lp, _)| margin::rate_at(&m, lp));
        Ok(RowReport {
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
            closing_fee: margin::liquidation_fee(&m, collateral, mp),
            unrealized_pnl: pnl,
            roe: if initial_margin > 0.0 { finite(pnl / initial_margin).unwrap_or(0.0) } else { 0.0 },
            liquidation_price: liq.map(|l| l.0),
            liquidation_note: liquidation_note(liq.is_some(), liquidatable_now, m.side),
            liquidation_tier: liq.map(|l| l.1),
            liquidation_mmr: at_liq.map(|a| a.0),
            liquidation_maint_amount: at_liq.map(|a| a.1),
            bankruptcy_price: margin::bankruptcy_price(&m, collateral),
            distance_to_liquidation: liq.map(|(lp, _)| if liquidatable_now { 0.0 } else { (mp - lp).abs() / mp }),
            liquidatable_now,
            effective_leverage: (equity_at_mark > 0.0).then(|| notional / equity_at_mark).and_then(finite),
            max_leverage: finite(venue::max_leverage(&m, mp)),
            model: self.models.index(m.formula, m.source, m.table_source),
        })
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

    /// The account part of the Report.
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

/// Evaluates a book given as columns (typed arrays, numpy arrays) at `venue`, isolated.
///
/// # Errors
/// Every bad row's [`FieldError`]s (at `positions[i].field`, up to 100), or the column-length
/// problems of [`Columns::rows`].
pub fn evaluate_columns(venue: Venue, c: &Columns) -> Result<OutColumns, InputErrors> {
    let n = c.rows()?;
    let mut out = OutColumns {
        liquidation_price: Vec::with_capacity(n),
        bankruptcy_price: Vec::with_capacity(n),
        initial_margin: Vec::with_capacity(n),
        maintenance_margin: Vec::with_capacity(n),
        distance_to_liquidation: Vec::with_capacity(n),
    };
    let mut ev = BookEvaluator::new(venue);
    let mut errors = Vec::new();
    let opt = |col: &[f64], i: usize| col.get(i).copied().filter(|x| !x.is_nan());
    for i in 0..n {
        let symbol = match c.symbol.get(i) {
            Some(&k) => c.symbols[k as usize].as_str(),
            None => c.symbols.first().map_or("", String::as_str),
        };
        let side = if c.side.get(i).copied().unwrap_or(1.0) < 0.0 { Side::Short } else { Side::Long };
        let contract = match c.contract.get(i) {
            Some(1) => Some(Contract::Linear),
            Some(2) => Some(Contract::Inverse),
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
        ev.set_row(symbol, side, contract, c.size[i], c.entry_price.get(i).copied().unwrap_or(f64::NAN), rest);
        match ev.evaluate(i) {
            Ok(r) => {
                out.liquidation_price.push(r.liquidation_price.unwrap_or(f64::NAN));
                out.bankruptcy_price.push(r.bankruptcy_price.unwrap_or(f64::NAN));
                out.initial_margin.push(r.initial_margin);
                out.maintenance_margin.push(r.maintenance_margin);
                out.distance_to_liquidation.push(r.distance_to_liquidation.unwrap_or(f64::NAN));
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
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(InputErrors(errors))
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
