//! Stress tests: the account under price moves — a curve against one common move, a surface
//! over two symbols' moves, and a scenario grid in the style of CME SPAN and Deribit's
//! portfolio margin.
//!
//! A move `x` multiplies the mark price of every affected position by `1 + x` (−0.1 = 10 %
//! lower) and re-evaluates the Scenario with [`evaluate`], so every figure is the venue model's
//! own: equity = collateral + PnL(P), maintenance = MM(P) + counted closing fee(P), and a
//! position is liquidated where the Report says `liquidatable_now`. In isolated mode position
//! *i* therefore crosses maintenance exactly at the Report's `liquidation_price`; in cross mode
//! the account crosses at the Report's `liquidation_move_down/up`.
//!
//! Option positions move with their underlying: each is valued at the moved
//! `underlying_price` with the generalised Black-Scholes price, volatility and time to expiry
//! held, and added to the account ([`crate::engine::options::book`]: equity + the options'
//! value, maintenance + Deribit's standard option maintenance); with options the account's
//! liquidation points are where the curve crosses its maintenance.
//!
//! Amounts are in each position's settlement asset; the account sums them as the Report does.
//! PnL is not capped at liquidation: beyond a position's liquidation price the curve shows
//! what the position would have lost had it stayed open (its `liquidated` flag is set).

use serde::{Deserialize, Serialize};

use crate::engine::limits::{ceiling, per_position, MAX_STRESS_CELLS};
use crate::engine::options::book::{resolved, Valued};
use crate::engine::{FieldError, InputErrors, MarginMode, Scenario};

/// One position under a move.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PositionStress {
    /// Shocked mark price.
    pub price: f64,
    /// Unrealised PnL at that price.
    pub pnl: f64,
    /// Collateral + PnL (in cross mode the collateral counts the other positions, see the
    /// Report's `collateral`).
    pub equity: f64,
    /// Maintenance margin + counted closing fee at that price.
    pub maintenance: f64,
    /// Equity at or below maintenance.
    pub liquidated: bool,
}

/// The account under one move.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct StressPoint {
    /// Relative price move (−0.1 = 10 % lower).
    #[serde(rename = "move")]
    pub shift: f64,
    /// Account equity: wallet (or isolated margins) + unrealised PnL.
    pub equity: f64,
    /// Total maintenance margin + counted closing fees.
    pub maintenance: f64,
    /// Total maintenance margin ÷ equity (`null` when equity ≤ 0).
    pub margin_ratio: Option<f64>,
    /// Total unrealised PnL.
    pub unrealized_pnl: f64,
    /// Per position, in the Scenario's order.
    pub positions: Vec<PositionStress>,
}

/// Where a liquidation happens on the curve.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LiquidationMarker {
    /// Position index, or `null` for the cross account as a whole.
    pub position: Option<usize>,
    pub symbol: String,
    /// Relative move of the liquidation price from mark.
    #[serde(rename = "move")]
    pub shift: f64,
    /// Liquidation price of the position (`null` for an account marker).
    pub price: Option<f64>,
}

/// The `stress` result: chart points plus liquidation markers.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct StressCurve {
    /// The moved symbol, or `null` when every symbol moves together.
    pub symbol: Option<String>,
    pub range: f64,
    pub points: Vec<StressPoint>,
    pub markers: Vec<LiquidationMarker>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The Scenario with the mark of every position of `symbol` (all when `None`) multiplied by
/// `1 + shift(symbol)`.
pub fn shocked(s: &Scenario, symbol: Option<&str>, shift: impl Fn(&str) -> f64) -> Scenario {
    let mut out = s.clone();
    for p in &mut out.positions {
        if symbol.is_none_or(|sym| sym == p.symbol) {
            let k = 1.0 + shift(&p.symbol);
            match p.option.as_mut() {
                // An option moves with its underlying (its premium is the model's: see
                // engine::options::book, whose `resolved` fixes the volatility first).
                Some(o) => o.underlying_price *= k,
                None => p.mark_price = Some(p.mark_price.unwrap_or(p.entry_price) * k),
            }
        }
    }
    out
}

/// The Report of a (shocked) Scenario, with its option positions valued at their moved
/// underlying and added to the account ([`crate::engine::options::book`]).
fn evaluate(s: &Scenario) -> Result<Valued, InputErrors> {
    crate::engine::options::book::evaluate_book(s)
}

fn point(shift: f64, v: &Valued) -> StressPoint {
    let r = &v.report;
    let mut positions: Vec<PositionStress> = r
        .positions
        .iter()
        .map(|p| PositionStress {
            price: p.mark_price,
            pnl: p.unrealized_pnl,
            equity: p.collateral + p.unrealized_pnl,
            maintenance: p.maintenance_margin + p.closing_fee,
            liquidated: p.liquidatable_now,
        })
        .collect();
    // Option rows back in the Scenario's order: price = the underlying's, equity = the
    // position's value, never liquidated on its own (the account is).
    for o in &v.options {
        let row = PositionStress { price: o.underlying_price, pnl: o.pnl, equity: o.position_value, maintenance: o.maintenance, liquidated: false };
        positions.insert(o.index.min(positions.len()), row);
    }
    let fees: f64 = r.positions.iter().map(|p| p.closing_fee).sum();
    StressPoint {
        shift,
        equity: r.account.equity,
        maintenance: r.account.total_maintenance_margin + fees,
        margin_ratio: r.account.margin_ratio,
        unrealized_pnl: r.account.unrealized_pnl,
        positions,
    }
}

/// Checks a move: finite and above −1 (prices stay positive).
fn check_move(path: &str, x: f64) -> Result<(), InputErrors> {
    if x.is_finite() && x > -1.0 && x <= 100.0 {
        Ok(())
    } else {
        Err(FieldError::new(path, "moves must be finite, above −1 (−100 %) and at most 100").into())
    }
}

/// Checks that `symbol` is one of the positions' symbols.
///
/// # Errors
/// A [`FieldError`] at `path` listing the symbols.
pub fn check_symbol(s: &Scenario, path: &str, symbol: &str) -> Result<(), InputErrors> {
    if s.positions.iter().any(|p| p.symbol == symbol) {
        Ok(())
    } else {
        let syms = crate::engine::analytics::symbols(s);
        Err(FieldError::new(path, format!("no position has symbol {symbol:?}; symbols: {}", syms.join(", "))).into())
    }
}

/// The account at each move in `shifts` of `symbol` (all symbols when `None`).
///
/// # Errors
/// `range` for a move ≤ −1 or non-finite, `symbol` for an unknown symbol, and the
/// Report's errors.
pub fn stress_points(s: &Scenario, symbol: Option<&str>, shifts: &[f64]) -> Result<Vec<StressPoint>, InputErrors> {
    if let Some(sym) = symbol {
        check_symbol(s, "symbol", sym)?;
    }
    let s = &resolved(s)?;
    shifts
        .iter()
        .map(|&x| {
            check_move("range", x)?;
            Ok(point(x, &evaluate(&shocked(s, symbol, |_| x))?))
        })
        .collect()
}

/// Stress curve: `points` evenly spaced moves from `−range` to `+range`, with liquidation
/// markers.
///
/// Markers: in isolated mode (or for one symbol) each position's Report liquidation price
/// `L`, at move `L/mark − 1`; in cross mode with every symbol moving, the account's
/// `liquidation_move_down/up`.
///
/// # Errors
/// `range` unless `0 < range < 1`, `points` unless `2 ≤ points ≤ 10001`, `symbol`, and
/// the Report's errors.
pub fn stress_curve(s: &Scenario, symbol: Option<&str>, range: f64, points: usize) -> Result<StressCurve, InputErrors> {
    if !(range.is_finite() && range > 0.0 && range < 1.0) {
        return Err(FieldError::new("range", "must be a fraction > 0 and < 1 (0.5 = ±50 %)").into());
    }
    if !(2..=10_001).contains(&points) {
        return Err(FieldError::new("points", "must be a whole number from 2 to 10001").into());
    }
    per_position("points", "points", points as u64, s.positions.len())?;
    let shifts = crate::engine::analytics::linspace(-range, range, points);
    let pts = stress_points(s, symbol, &shifts)?;
    let base = evaluate(&resolved(s)?)?;
    let mut markers = Vec::new();
    let mut note = None;
    if !base.options.is_empty() {
        // With options the account crosses its maintenance where the curve does: each sign
        // change of equity − maintenance between two points, interpolated linearly.
        for w in pts.windows(2) {
            let (a, b) = (w[0].equity - w[0].maintenance, w[1].equity - w[1].maintenance);
            if (a > 0.0) != (b > 0.0) {
                let x = w[0].shift + (w[1].shift - w[0].shift) * a / (a - b);
                markers.push(LiquidationMarker { position: None, symbol: String::new(), shift: x, price: None });
            }
        }
        note = Some(
            "options valued at the moved underlying with the generalised Black-Scholes price (volatility and time to expiry held), Deribit's standard option maintenance counted; the account's liquidation points are where the curve's equity crosses its maintenance".to_string(),
        );
    } else if s.margin_mode == MarginMode::Cross && symbol.is_none() {
        let base = &base.report;
        for x in [base.account.liquidation_move_down, base.account.liquidation_move_up].into_iter().flatten() {
            markers.push(LiquidationMarker { position: None, symbol: String::new(), shift: x, price: None });
        }
    } else {
        let base = &base.report;
        for (i, r) in base.positions.iter().enumerate() {
            if symbol.is_some_and(|sym| sym != r.symbol) {
                continue;
            }
            if let Some(l) = r.liquidation_price {
                markers.push(LiquidationMarker {
                    position: Some(i),
                    symbol: r.symbol.clone(),
                    shift: l / r.mark_price - 1.0,
                    price: Some(l),
                });
            }
        }
        if s.margin_mode == MarginMode::Cross {
            note = Some("cross mode: position markers hold the other symbols at mark, as the Report does".to_string());
        }
    }
    Ok(StressCurve { symbol: symbol.map(str::to_string), range, points: pts, markers, note })
}

/// A stress range that shows every liquidation point of `pre` (a stress curve of the same
/// Scenario at any range): 1.35 × the farthest marker's move, clamped to 10 %…95 % (the page's
/// chart range, now chosen by the engine for every door).
pub fn fit_range(pre: &StressCurve) -> f64 {
    let far = pre.markers.iter().map(|m| m.shift.abs()).fold(0.0f64, f64::max);
    (far * 1.35).clamp(0.1, 0.95)
}

/// The account under one scenario of a surface or grid (a surface's cell).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Change of total unrealised PnL from mark.
    pub pnl_change: f64,
    pub equity: f64,
    pub margin_ratio: Option<f64>,
    /// Indices of the positions liquidated in this cell.
    pub liquidated_positions: Vec<usize>,
}

/// Heatmap of the account over two symbols' moves.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct StressSurface {
    pub x_symbol: String,
    pub y_symbol: String,
    pub x_moves: Vec<f64>,
    pub y_moves: Vec<f64>,
    /// `cells[iy][ix]`: the account when `y_symbol` moves by `y_moves[iy]` and `x_symbol` by
    /// `x_moves[ix]`.
    pub cells: Vec<Vec<Outcome>>,
    /// Largest loss (−PnL change, ≥ 0) over the cells and where it happens.
    pub worst_loss: f64,
    pub worst_x_move: f64,
    pub worst_y_move: f64,
}

/// Evaluates the Scenario with each symbol's mark moved by `shift(symbol)`, against the total
/// unrealised PnL at mark `base_pnl`.
fn outcome(s: &Scenario, base_pnl: f64, shift: impl Fn(&str) -> f64) -> Result<Outcome, InputErrors> {
    let r = evaluate(&shocked(s, None, shift))?.report;
    // The Report lists the futures only: its k-th row is the Scenario's k-th non-option position.
    let futures: Vec<usize> = s.positions.iter().enumerate().filter(|(_, p)| p.option.is_none()).map(|(i, _)| i).collect();
    Ok(Outcome {
        pnl_change: r.account.unrealized_pnl - base_pnl,
        equity: r.account.equity,
        margin_ratio: r.account.margin_ratio,
        liquidated_positions: r.positions.iter().enumerate().filter(|(_, p)| p.liquidatable_now).map(|(k, _)| futures.get(k).copied().unwrap_or(k)).collect(),
    })
}

/// Two-symbol stress surface over `moves × moves`.
///
/// # Errors
/// `x`/`y` for unknown or equal symbols, `range` for a move ≤ −1, and the Report's
/// errors.
pub fn stress_surface(s: &Scenario, x: &str, y: &str, moves: &[f64]) -> Result<StressSurface, InputErrors> {
    check_symbol(s, "x", x)?;
    check_symbol(s, "y", y)?;
    if x == y {
        return Err(FieldError::new("y", "must differ from `x`").into());
    }
    let s = &resolved(s)?;
    let base_pnl = evaluate(s)?.report.account.unrealized_pnl;
    let mut cells = Vec::with_capacity(moves.len());
    let (mut worst, mut wx, mut wy) = (0.0_f64, 0.0, 0.0);
    for &my in moves {
        check_move("range", my)?;
        let mut row = Vec::with_capacity(moves.len());
        for &mx in moves {
            check_move("range", mx)?;
            let cell = outcome(s, base_pnl, |sym| {
                if sym == x {
                    mx
                } else if sym == y {
                    my
                } else {
                    0.0
                }
            })?;
            if -cell.pnl_change > worst {
                (worst, wx, wy) = (-cell.pnl_change, mx, my);
            }
            row.push(cell);
        }
        cells.push(row);
    }
    Ok(StressSurface {
        x_symbol: x.to_string(),
        y_symbol: y.to_string(),
        x_moves: moves.to_vec(),
        y_moves: moves.to_vec(),
        cells,
        worst_loss: worst,
        worst_x_move: wx,
        worst_y_move: wy,
    })
}

/// One scenario of the grid.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct GridScenario {
    pub label: String,
    /// Common relative move of every symbol.
    #[serde(rename = "move")]
    pub shift: f64,
    /// Fraction of the loss counted (SPAN's extreme moves: 0.35).
    pub cover_fraction: f64,
    /// Whether this scenario counts in `worst_loss` (the extended table is shown only).
    pub counted: bool,
    /// max(0, −pnl_change) × cover_fraction.
    pub loss: f64,
    /// ΔPnL, equity, margin ratio and liquidated positions (flattened into this object).
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The `grid` result.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ScenarioGrid {
    /// Price scan range (0.16 = ±16 %).
    pub range: f64,
    pub steps: usize,
    pub scenarios: Vec<GridScenario>,
    /// Largest counted loss (≥ 0) and the index of its scenario.
    pub worst_loss: f64,
    pub worst_scenario: usize,
    /// Indices of the scenarios in which at least one position is liquidated.
    pub liquidating_scenarios: Vec<usize>,
    /// Two-symbol surface over the same buckets, when the Scenario has two symbols.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surface: Option<StressSurface>,
    pub source: String,
}

/// Moves of Deribit's extended table shown for information (not counted).
pub const EXTENDED_MOVES: [f64; 4] = [-0.66, -0.33, 0.5, 1.0];

/// Fraction of the loss SPAN counts for its two extreme moves of 3 × the price scan range.
pub const SPAN_EXTREME_COVER: f64 = 0.35;

/// Scenario grid: `steps` evenly spaced common moves from `−range` to `+range` (Deribit PM:
/// ±16 % in 9 buckets including 0), SPAN's extreme moves `±3 × range` with 35 % of the loss
/// counted (CME SPAN risk array scenarios 15–16), and Deribit's extended moves −66 %, −33 %,
/// +50 %, +100 % shown but not counted. Perpetuals have no volatility exposure, so the
/// volatility states of both methods give the same rows and are omitted.
///
/// Worst loss = `max over counted scenarios of max(0, −ΔPnL) × cover_fraction`.
///
/// # Errors
/// `range` unless `0 < range ≤ 0.33` (so the extreme move stays above −100 %), `steps`
/// unless odd from 3 to 101, `x`/`y` for the surface, and the Report's errors.
pub fn scenario_grid(
    s: &Scenario,
    range: f64,
    steps: usize,
    surface: Option<(&str, &str)>,
) -> Result<ScenarioGrid, InputErrors> {
    if !(range.is_finite() && range > 0.0 && range <= 0.33) {
        return Err(FieldError::new("range", "must be a fraction > 0 and ≤ 0.33 (0.16 = ±16 %)").into());
    }
    if !(3..=101).contains(&steps) || steps % 2 == 0 {
        return Err(FieldError::new("steps", "must be an odd whole number from 3 to 101 (so 0 is a bucket)").into());
    }
    let n = s.positions.len().max(1) as u64;
    let cells = (steps as u64 + 2 + EXTENDED_MOVES.len() as u64 + steps as u64 * steps as u64) * n;
    ceiling(
        "steps",
        &format!("({steps} steps + {} extremes + {steps}² surface cells) × {n} positions", 2 + EXTENDED_MOVES.len()),
        cells,
        MAX_STRESS_CELLS,
        "lower `steps` or use fewer positions",
    )?;
    let s = &resolved(s)?;
    let base_pnl = evaluate(s)?.report.account.unrealized_pnl;
    let buckets = crate::engine::analytics::linspace(-range, range, steps);
    let mut rows: Vec<(String, f64, f64, bool)> =
        buckets.iter().map(|&x| (format!("price {:+.1} %", x * 100.0), x, 1.0, true)).collect();
    rows.push((format!("extreme down {:+.1} %", -300.0 * range), -3.0 * range, SPAN_EXTREME_COVER, true));
    rows.push((format!("extreme up {:+.1} %", 300.0 * range), 3.0 * range, SPAN_EXTREME_COVER, true));
    for x in EXTENDED_MOVES {
        rows.push((format!("extended {:+.0} %", x * 100.0), x, 1.0, false));
    }
    let mut scenarios = Vec::with_capacity(rows.len());
    for (label, x, cover, counted) in rows {
        let outcome = outcome(s, base_pnl, |_| x)?;
        scenarios.push(GridScenario {
            label,
            shift: x,
            cover_fraction: cover,
            counted,
            loss: if outcome.pnl_change < 0.0 { -outcome.pnl_change * cover } else { 0.0 },
            outcome,
        });
    }
    let (worst_scenario, worst_loss) = scenarios
        .iter()
        .enumerate()
        .filter(|(_, g)| g.counted)
        .map(|(i, g)| (i, g.loss))
        .fold((steps / 2, 0.0), |acc, (i, l)| if l > acc.1 { (i, l) } else { acc });
    let liquidating_scenarios =
        scenarios.iter().enumerate().filter(|(_, g)| !g.outcome.liquidated_positions.is_empty()).map(|(i, _)| i).collect();
    let syms = crate::engine::analytics::symbols(s);
    let surface = match surface {
        Some((x, y)) => Some(stress_surface(s, x, y, &buckets)?),
        None if syms.len() >= 2 => Some(stress_surface(s, &syms[0], &syms[1], &buckets)?),
        None => None,
    };
    Ok(ScenarioGrid {
        range,
        steps,
        scenarios,
        worst_loss,
        worst_scenario,
        liquidating_scenarios,
        surface,
        source: "CME SPAN risk array (16 scenarios, extreme moves 3 × scan range at 35 %); Deribit portfolio margin (±16 %, 9 buckets, extended table)".to_string(),
    })
}
