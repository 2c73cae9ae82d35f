//! The amplification curve over a grid of shocks, the critical shock at which a cascade runs
//! away, and how it moves with the depth and the leverage (sensitivity). The round map and
//! the analytic case are in [`super::sim`].

use serde::{Deserialize, Serialize};

use super::impact::Impact;
use super::levels::MarketLevels;
use super::sim::{Direction, Runner};
use super::levels::market_levels;
use super::MarketPosition;
use crate::engine::limits::{ceiling, MAX_SHOCKS};
use crate::engine::input::{FieldError, InputErrors};
use crate::engine::scenario::Scenario;

/// The shock grid and the amplification threshold of a sweep.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SweepOptions {
    /// Largest shock magnitude swept in each direction (fraction, < 1).
    pub max_shock: f64,
    /// Shocks per direction, evenly spaced in (0, max_shock].
    pub steps: usize,
    /// Amplification (final move ÷ shock) at which the cascade counts as running away.
    pub threshold: f64,
}

impl Default for SweepOptions {
    fn default() -> Self {
        SweepOptions { max_shock: 0.3, steps: 100, threshold: 2.0 }
    }
}

impl SweepOptions {
    /// # Errors
    /// `max_shock` outside (0, 1), `steps` outside 1..=100 000 (2 × steps shocks, within
    /// [`MAX_SHOCKS`]), `threshold` not a finite number > 1.
    pub fn validate(&self) -> Result<(), InputErrors> {
        let mut e = Vec::new();
        if !(self.max_shock.is_finite() && self.max_shock > 0.0 && self.max_shock < 1.0) {
            e.push(FieldError::new("max_shock", "must be a fraction > 0 and < 1"));
        }
        if !(1..=100_000).contains(&self.steps) {
            e.push(FieldError::new("steps", "must be from 1 to 100000"));
        }
        if !(self.threshold.is_finite() && self.threshold > 1.0) {
            e.push(FieldError::new("threshold", "must be a finite number > 1"));
        }
        if e.is_empty() {
            Ok(())
        } else {
            Err(InputErrors(e))
        }
    }
}

/// The smallest shock at which the cascade runs away: the amplification reaches the threshold,
/// or the final move jumps by more than [`JUMP_SIZE`] (whichever comes first).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CriticalShock {
    /// Smallest shock (signed) whose amplification reaches the threshold, to 1e-12.
    pub shock: f64,
    /// The price that shock starts from: P₀(1 + shock).
    pub trigger_price: f64,
    /// Final move just short of the critical shock and at it.
    pub final_move_before: f64,
    pub final_move_after: f64,
    /// Amplification at the critical shock.
    pub amplification: f64,
    /// True when the final move jumps there (by more than [`JUMP_SIZE`], 1 % of the price): the loop
    /// feeds itself rather than merely amplifying.
    pub jump: bool,
}

/// Final move against initial move, one direction.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SweepCurve {
    pub direction: Direction,
    /// Initial shocks (signed), chart x.
    pub shocks: Vec<f64>,
    /// Final (most adverse) moves, signed, chart y.
    pub final_moves: Vec<f64>,
    /// final move ÷ shock.
    pub amplification: Vec<f64>,
    /// Notional closed at each shock (quote).
    pub liquidated_notional: Vec<f64>,
    pub critical: Option<CriticalShock>,
}

/// The amplification curves of both directions.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Sweep {
    pub price: f64,
    pub threshold: f64,
    pub down: SweepCurve,
    pub up: SweepCurve,
}

fn sweep_direction(levels: &MarketLevels, impact: &Impact, up: bool, o: &SweepOptions) -> SweepCurve {
    let r = Runner::new(levels, impact, up);
    let sign = if up { 1.0 } else { -1.0 };
    let mut c = SweepCurve {
        direction: if up { Direction::Up } else { Direction::Down },
        shocks: Vec::with_capacity(o.steps),
        final_moves: Vec::with_capacity(o.steps),
        amplification: Vec::with_capacity(o.steps),
        liquidated_notional: Vec::with_capacity(o.steps),
        critical: None,
    };
    let permanent = impact.decay() == 1.0;
    let mut j = 0;
    let mut first_over = None;
    for k in 1..=o.steps {
        let s = sign * o.max_shock * k as f64 / o.steps as f64;
        let out = if permanent { r.fixed_point(s, j) } else { r.run(s, None) };
        j = out.j;
        let m = r.final_move(&out);
        let a = m / s;
        if first_over.is_none() && a >= o.threshold {
            first_over = Some(k);
        }
        c.shocks.push(s);
        c.final_moves.push(m);
        c.amplification.push(a);
        c.liquidated_notional.push(r.book.notional(out.j));
    }
    let by_threshold = first_over.map(|k| {
        let lo = if k == 1 { 0.0 } else { c.shocks[k - 2] };
        refine(&r, lo, c.shocks[k - 1], o.threshold)
    });
    // A jump of the final move shows as a grid step whose final move grows by more than the
    // shock's own step plus JUMP_SIZE; a steep but continuous rise fails the check once narrowed.
    let upto = first_over.unwrap_or(c.shocks.len());
    let by_jump = (0..upto).find_map(|k| {
        let (lo, m_lo) = if k == 0 { (0.0, 0.0) } else { (c.shocks[k - 1], c.final_moves[k - 1]) };
        let excess = (c.final_moves[k] - m_lo).abs() - (c.shocks[k] - lo).abs();
        if excess > JUMP_SIZE {
            locate_jump(&r, lo, c.shocks[k])
        } else {
            None
        }
    });
    c.critical = match (by_threshold, by_jump) {
        (Some(a), Some(b)) => Some(if b.shock.abs() < a.shock.abs() { b } else { a }),
        (a, b) => a.or(b),
    };
    c
}

/// A jump of the final move larger than this (fraction of the price, beyond the shock's own
/// change) at one shock makes that shock critical even below the amplification threshold.
pub const JUMP_SIZE: f64 = 0.01;

/// Narrows `[lo, hi]` onto the point where the final move jumps (keeping the half whose final
/// move grows most beyond the shock's own change); `None` when the rise turns out continuous.
fn locate_jump(r: &Runner, mut lo: f64, mut hi: f64) -> Option<CriticalShock> {
    // Final move and fixed point at `s`, warm-started from the fixed point at `lo`.
    let mv = |s: f64, j: usize| {
        if s == 0.0 {
            (0.0, 0)
        } else {
            let o = r.outcome(s, j);
            (r.final_move(&o), o.j)
        }
    };
    let (mut m_lo, mut j_lo) = mv(lo, 0);
    let (mut m_hi, _) = mv(hi, j_lo);
    for _ in 0..200 {
        if (hi - lo).abs() <= 1e-12 {
            break;
        }
        let mid = 0.5 * (lo + hi);
        let (m_mid, j_mid) = mv(mid, j_lo);
        if (m_mid - m_lo).abs() - (mid - lo).abs() >= (m_hi - m_mid).abs() - (hi - mid).abs() {
            (hi, m_hi) = (mid, m_mid);
        } else {
            (lo, m_lo, j_lo) = (mid, m_mid, j_mid);
        }
    }
    let excess = (m_hi - m_lo).abs() - (hi - lo).abs();
    (excess > JUMP_SIZE).then(|| CriticalShock {
        shock: hi,
        trigger_price: r.p0 * (1.0 + hi),
        final_move_before: m_lo,
        final_move_after: m_hi,
        amplification: m_hi / hi,
        jump: true,
    })
}

/// Bisects between `lo` (amplification below θ, or 0) and `hi` (at or above θ).
fn refine(r: &Runner, mut lo: f64, mut hi: f64, theta: f64) -> CriticalShock {
    // Bisection with the fixed point at `lo` as the warm start of every evaluation.
    let mut at_lo = if lo == 0.0 { None } else { Some(r.outcome(lo, 0)) };
    for _ in 0..200 {
        if (hi - lo).abs() <= 1e-12 {
            break;
        }
        let mid = 0.5 * (lo + hi);
        let o = r.outcome(mid, at_lo.map_or(0, |o| o.j));
        if r.final_move(&o) / mid >= theta {
            hi = mid;
        } else {
            lo = mid;
            at_lo = Some(o);
        }
    }
    let before = at_lo.map_or(0.0, |o| r.final_move(&o));
    let after = r.final_move(&r.outcome(hi, at_lo.map_or(0, |o| o.j)));
    CriticalShock {
        shock: hi,
        trigger_price: r.p0 * (1.0 + hi),
        final_move_before: before,
        final_move_after: after,
        amplification: after / hi,
        jump: (after - before).abs() > JUMP_SIZE,
    }
}

/// Sweeps shocks in both directions: the amplification curves and the critical shocks.
///
/// # Errors
/// The options' range errors ([`SweepOptions::validate`]).
pub fn sweep(levels: &MarketLevels, impact: &Impact, o: &SweepOptions) -> Result<Sweep, InputErrors> {
    o.validate()?;
    Ok(Sweep {
        price: levels.price,
        threshold: o.threshold,
        down: sweep_direction(levels, impact, false, o),
        up: sweep_direction(levels, impact, true, o),
    })
}

/// The critical shock of one direction (`up`: short squeeze), or `None` when no shock up to
/// `o.max_shock` runs away.
///
/// # Errors
/// The options' range errors.
pub fn critical_shock(levels: &MarketLevels, impact: &Impact, up: bool, o: &SweepOptions) -> Result<Option<CriticalShock>, InputErrors> {
    o.validate()?;
    Ok(sweep_direction(levels, impact, up, o).critical)
}

/// How the critical shock moves with one multiplier.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SensitivityPoint {
    pub multiplier: f64,
    pub critical_down: Option<f64>,
    pub critical_up: Option<f64>,
}

/// The critical shocks with the book's depth and the market's leverage scaled.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Sensitivity {
    /// Depth × multiplier (the impact of X becomes that of X ÷ multiplier).
    pub depth: Vec<SensitivityPoint>,
    /// Every leverage (given or generated) × multiplier, clamped to 1..1000; positions given by
    /// liquidation price keep it.
    pub leverage: Vec<SensitivityPoint>,
}

/// Multipliers of [`sensitivity`].
pub const DEPTH_MULTIPLIERS: [f64; 5] = [0.25, 0.5, 1.0, 2.0, 4.0];
pub const LEVERAGE_MULTIPLIERS: [f64; 5] = [0.5, 0.75, 1.0, 1.5, 2.0];

/// The critical shock for scaled depth ([`DEPTH_MULTIPLIERS`]) and scaled leverage
/// ([`LEVERAGE_MULTIPLIERS`], rebuilding the market's levels each time).
///
/// # Errors
/// The options' range errors, or [`market_levels`]'s.
pub fn sensitivity(
    s: &Scenario,
    imported: &[MarketPosition],
    levels: &MarketLevels,
    impact: &Impact,
    o: &SweepOptions,
) -> Result<Sensitivity, InputErrors> {
    o.validate()?;
    let runs = (DEPTH_MULTIPLIERS.len() + LEVERAGE_MULTIPLIERS.len()) as u64 * 2;
    ceiling(
        "steps",
        &format!("{runs} sweeps × {} shocks", o.steps),
        runs * o.steps as u64,
        MAX_SHOCKS,
        &format!("lower `steps` to at most {} with `sensitivity`", MAX_SHOCKS / runs),
    )?;
    let point = |m: f64, l: &MarketLevels, i: &Impact| SensitivityPoint {
        multiplier: m,
        critical_down: sweep_direction(l, i, false, o).critical.map(|c| c.shock),
        critical_up: sweep_direction(l, i, true, o).critical.map(|c| c.shock),
    };
    let depth = DEPTH_MULTIPLIERS.iter().map(|&m| point(m, levels, &impact.with_depth_multiplier(m))).collect();
    let mut leverage = Vec::new();
    for m in LEVERAGE_MULTIPLIERS {
        if m == 1.0 {
            leverage.push(point(m, levels, impact));
        } else {
            leverage.push(point(m, &market_levels(s, imported, m)?, impact));
        }
    }
    Ok(Sensitivity { depth, leverage })
}
