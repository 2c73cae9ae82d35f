//! The liquidation cascade: shock → liquidations → impact → more liquidations, to the fixed
//! point; the amplification curve; the critical shock; the user's cascade-conditional
//! liquidation.
//!
//! # The round map
//! Take a down move (an up move mirrors it with shorts and `+`). Levels are sorted in reach
//! order `ℓ₁ ≥ ℓ₂ ≥ …` with prefix notional `C_j` and size `Q_j`. A shock `s` puts the price at
//! `P_s = P₀(1 + s)`. After the first `j` levels are closed the price is
//!
//! `p(j) = P₀·(1 + s − I(C_j, Q_j))`
//!
//! with `I` the impact model ([`super::Impact`]). Round 0 closes the levels at or above `P_s`;
//! each next round closes those at or above the price the previous rounds' impact reached, until
//! a round closes none: the fixed point `j*`, the first `j` with `p(j) > ℓ_{j+1}`. Every round is
//! one binary search in the sorted levels, so no round costs `O(n)`.
//!
//! With refilling depth (decay `d < 1` per round) the impact is transient:
//! `A_k = d·A_{k−1} + (I(C_{j_k}) − I(C_{j_{k−1}}))`, price `P₀(1 + s − A_k)`, and a level is closed
//! once the lowest price so far reaches it; the cascade ends when a round closes nothing (the
//! price then only recovers). With permanent impact the final move is monotone in the shock
//! (a larger shock closes a superset of levels every round); with refilling depth a larger shock
//! front-loads the flow, which then decays for longer, so where the impact saturates (a drained
//! pool, [`MAX_UP_MOVE`]) the extreme can come out slightly smaller for a larger shock.
//!
//! # Analytic case: uniform levels, linear depth
//! Long levels spread uniformly over `[a, b]` (below P₀) with notional density `ρ` (quote per
//! unit of price, total `ρ·(b − a)`), linear depth `D` per 1 %: closing notional `X` lowers the
//! price by `κX` with `κ = P₀/(100·D)`. For `a ≤ P_s ≤ b` the liquidated notional at price `P` is
//! `ρ·(b − P)`, so the fixed point solves `P* = P_s − κρ·(b − P*)`. With the loop gain `g = κρ`:
//!
//! * `g < 1`: `P* = (P_s − g·b)/(1 − g)` (while `P* ≥ a`; below that all levels close and
//!   `P* = P_s − κρ(b − a)`). The final move grows `1/(1 − g)` times as fast as the shock inside
//!   the band. The amplification `A = (P₀ − P*)/(P₀ − P_s)` reaches a threshold `θ` at the shock
//!   `u = P₀ − P_s` solving `P₀(1−g) − P_s + g·b = θ(1−g)(P₀ − P_s)`:
//!   `u_θ = g·(P₀ − b) / (1 − θ(1 − g))` (when `θ(1 − g) < 1`; otherwise never).
//! * `g ≥ 1`: the loop feeds itself: any shock reaching `b` closes the whole band,
//!   `P* = P_s − κρ(b − a)`; the final move jumps at the critical shock `s_c = b/P₀ − 1`.
//!
//! `tests/cascade.rs` checks both against a market built from such levels.

use serde::{Deserialize, Serialize};

use super::impact::{Impact, MAX_UP_MOVE};
use crate::engine::limits::{ceiling, MAX_PATH_ROUNDS, MAX_SHOCKS};
use super::levels::{market_levels, MarketLevels, SideBook};
use super::MarketPosition;
use crate::engine::report::Report;
use crate::engine::scenario::{FieldError, InputErrors, Scenario, Side};

/// Which way the price moves: down liquidates longs, up liquidates shorts (a squeeze).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Down,
    Up,
}

impl Direction {
    fn of(shock: f64) -> Direction {
        if shock > 0.0 {
            Direction::Up
        } else {
            Direction::Down
        }
    }
}

/// One round of a cascade.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Round {
    /// 0 = the shock itself.
    pub round: usize,
    /// Price at which this round's liquidations trigger (round 0: the shocked price).
    pub price: f64,
    /// Notional (quote, at the liquidation prices) and number of positions closed this round.
    pub liquidated_notional: f64,
    pub liquidated_count: usize,
    /// Notional closed in this and every earlier round.
    pub cumulative_notional: f64,
}

/// One cascade from one initial shock.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CascadeResult {
    pub direction: Direction,
    /// Initial shock, relative (−0.05 = 5 % down).
    pub shock: f64,
    /// Reference price P₀ and the price right after the shock, P₀(1 + shock).
    pub price: f64,
    pub shocked_price: f64,
    /// Price when the last round closed nothing.
    pub final_price: f64,
    /// Most adverse price reached (lowest in a down cascade, highest in an up one); equals
    /// `final_price` unless the depth refills.
    pub extreme_price: f64,
    /// `extreme_price / price − 1`.
    pub final_move: f64,
    /// `final_move / shock` (≥ 1); `null` for a zero shock.
    pub amplification: Option<f64>,
    /// Total closed: quote notional at the liquidation prices, base size, positions.
    pub liquidated_notional: f64,
    pub liquidated_size: f64,
    pub liquidated_count: usize,
    /// Rounds in which positions were closed (round 0, the shock's, included).
    pub rounds: usize,
    /// True when the book ran out: the price reached 0, or the pool was drained.
    pub book_exhausted: bool,
    /// Round by round; the last entry is the fixed point (nothing closed).
    pub path: Vec<Round>,
    /// True when `path` was cut to its cap (the first rounds and the last are kept).
    pub path_truncated: bool,
    /// The loans' part of `liquidated_notional` and `liquidated_count` (`market.loans` and the
    /// loan generator): collateral sold by long loans in a down cascade, debt bought back by
    /// short loans in an up one; each liquidation step of a loan counts once.
    #[serde(default)]
    pub loan_liquidated_notional: f64,
    #[serde(default)]
    pub loan_liquidations: usize,
}

/// The fixed point of one cascade.
#[derive(Clone, Copy, Debug)]
struct Outcome {
    j: usize,
    final_price: f64,
    extreme: f64,
    rounds: usize,
    exhausted: bool,
}

struct PathRec {
    path: Vec<Round>,
    cap: usize,
    truncated: bool,
}

/// One direction's cascade machinery over the sorted levels.
struct Runner<'a> {
    book: &'a SideBook,
    impact: &'a Impact,
    p0: f64,
    up: bool,
}

impl<'a> Runner<'a> {
    fn new(levels: &'a MarketLevels, impact: &'a Impact, up: bool) -> Self {
        Runner { book: levels.book(up), impact, p0: levels.price, up }
    }

    /// Price after the shock and the accumulated impact `a`: `P₀(1 + s ∓ a)`, floored at 0.
    #[inline]
    fn price(&self, shock: f64, a: f64) -> (f64, bool) {
        if self.up {
            (self.p0 * (1.0 + shock + a), a >= MAX_UP_MOVE)
        } else {
            let p = self.p0 * (1.0 + shock - a);
            if p > 0.0 {
                (p, false)
            } else {
                (0.0, true)
            }
        }
    }

    #[inline]
    fn impact_of(&self, j: usize) -> f64 {
        self.impact.relative_move(self.book.notional(j), self.book.size(j), self.up)
    }

    #[inline]
    fn worse(&self, a: f64, b: f64) -> f64 {
        if self.up {
            a.max(b)
        } else {
            a.min(b)
        }
    }

    /// Round by round (any decay). `j` strictly grows each round, so at most n + 1 rounds.
    fn run(&self, shock: f64, mut rec: Option<&mut PathRec>) -> Outcome {
        let d = self.impact.decay();
        let (ps, mut exhausted) = self.price(shock, 0.0);
        let (mut price, mut extreme) = (ps, ps);
        let mut j = self.book.reached(ps);
        let (mut prev_j, mut a, mut prev_i, mut k) = (0usize, 0.0f64, 0.0f64, 0usize);
        loop {
            if let Some(r) = rec.as_deref_mut() {
                let entry = Round {
                    round: k,
                    price,
                    liquidated_notional: self.book.notional(j) - self.book.notional(prev_j),
                    liquidated_count: j - prev_j,
                    cumulative_notional: self.book.notional(j),
                };
                if r.path.len() + 1 < r.cap || j == prev_j {
                    r.path.push(entry);
                } else {
                    r.truncated = true;
                }
            }
            if j == prev_j {
                break;
            }
            let i = self.impact_of(j);
            exhausted |= self.up && i >= MAX_UP_MOVE;
            a = a * d + (i - prev_i);
            prev_i = i;
            let (p, ex) = self.price(shock, a);
            exhausted |= ex;
            price = p;
            extreme = self.worse(extreme, p);
            prev_j = j;
            j = self.book.reached(extreme).max(j);
            k += 1;
        }
        Outcome { j, final_price: price, extreme, rounds: k, exhausted }
    }

    /// The fixed point for permanent impact (decay 1), starting from `j_start` levels known to
    /// be closed (0, or the fixed point of a smaller shock in the same direction: the fixed
    /// point is monotone in the shock, so a sweep reuses it). Jumps by binary search for up to
    /// 32 rounds, then, if the cascade creeps level by level, scans forward: over a sweep the
    /// scans add up to at most n steps.
    fn fixed_point(&self, shock: f64, j_start: usize) -> Outcome {
        let n = self.book.len();
        let (ps, _) = self.price(shock, 0.0);
        let mut j = self.book.reached(ps).max(j_start.min(n));
        let mut jumps = 0;
        loop {
            let (p, _) = self.price(shock, self.impact_of(j));
            let j2 = self.book.reached(p);
            if j2 <= j {
                break;
            }
            j = j2;
            jumps += 1;
            if jumps == 32 {
                while j < n && self.book.is_reached(j, self.price(shock, self.impact_of(j)).0) {
                    j += 1;
                }
                break;
            }
        }
        let (p, exhausted) = self.price(shock, self.impact_of(j));
        Outcome { j, final_price: p, extreme: p, rounds: 0, exhausted }
    }

    /// The fixed point of a shock, by the fastest exact route; `j_start` is the fixed point of a
    /// smaller shock in the same direction (or 0), a valid warm start for permanent impact.
    fn outcome(&self, shock: f64, j_start: usize) -> Outcome {
        if self.impact.decay() == 1.0 {
            self.fixed_point(shock, j_start)
        } else {
            self.run(shock, None)
        }
    }

    fn final_move(&self, o: &Outcome) -> f64 {
        o.extreme / self.p0 - 1.0
    }
}

/// Checks a shock: finite, above −100 %, at most +10 000 %.
fn check_shock(shock: f64, path: &str) -> Result<(), InputErrors> {
    if shock.is_finite() && shock > -1.0 && shock <= 100.0 {
        Ok(())
    } else {
        Err(FieldError::new(path, "must be a finite relative move > −1 and ≤ 100 (−0.05 = 5 % down)").into())
    }
}

/// Simulates one cascade from `shock` (relative: −0.05 = 5 % down, 0.05 = 5 % up), keeping at
/// most `max_path` rounds of the path (the first ones and the fixed point). See the module doc.
///
/// # Errors
/// `shock` when it is not a finite number in (−1, 100]; `max_path` when it is below 2.
pub fn simulate(levels: &MarketLevels, impact: &Impact, shock: f64, max_path: usize) -> Result<CascadeResult, InputErrors> {
    check_shock(shock, "shock")?;
    if !(2..=MAX_PATH_ROUNDS).contains(&max_path) {
        return Err(FieldError::new("max_path", format!("must be from 2 to {MAX_PATH_ROUNDS} (the ceiling on the rounds kept)")).into());
    }
    let direction = Direction::of(shock);
    let r = Runner::new(levels, impact, direction == Direction::Up);
    let mut rec = PathRec { path: Vec::new(), cap: max_path, truncated: false };
    let o = r.run(shock, Some(&mut rec));
    let final_move = r.final_move(&o);
    // Loan levels are part of the side's book; those the extreme price reached are closed.
    let loans = if r.up { &levels.loan_short } else { &levels.loan_long };
    let loan_j = loans.reached(o.extreme);
    Ok(CascadeResult {
        direction,
        shock,
        price: levels.price,
        shocked_price: r.price(shock, 0.0).0,
        final_price: o.final_price,
        extreme_price: o.extreme,
        final_move,
        amplification: (shock != 0.0).then(|| final_move / shock),
        liquidated_notional: r.book.notional(o.j),
        liquidated_size: r.book.size(o.j),
        liquidated_count: o.j,
        rounds: o.rounds,
        book_exhausted: o.exhausted,
        path: rec.path,
        path_truncated: rec.truncated,
        loan_liquidated_notional: loans.notional(loan_j),
        loan_liquidations: loan_j,
    })
}

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

/// A user position's liquidation with and without the market's cascade.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct UserCascade {
    /// Index in the Scenario's `positions`.
    pub index: usize,
    pub symbol: String,
    pub side: Side,
    /// `eval`'s liquidation price.
    pub liquidation_price: Option<f64>,
    /// Shock that reaches it with no cascade: `liquidation_price / price − 1`.
    pub plain_shock: Option<f64>,
    /// Smallest shock whose cascade reaches it (to 1e-12), and the price that shock starts at:
    /// the cascade-conditional liquidation price.
    pub cascade_shock: Option<f64>,
    pub cascade_trigger_price: Option<f64>,
    /// Market notional the cascade closes at that shock.
    pub cascade_liquidated_notional: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// For each of the user's positions in `report`, the smallest initial shock whose cascade
/// reaches its liquidation price. The cascade's extreme price is monotone in the shock, so a
/// bisection between 0 and the plain shock finds it.
pub fn user_cascade(levels: &MarketLevels, impact: &Impact, report: &Report) -> Vec<UserCascade> {
    let p0 = levels.price;
    report
        .positions
        .iter()
        .enumerate()
        .map(|(index, p)| {
            let mut u = UserCascade {
                index,
                symbol: p.symbol.clone(),
                side: p.side,
                liquidation_price: p.liquidation_price,
                plain_shock: None,
                cascade_shock: None,
                cascade_trigger_price: None,
                cascade_liquidated_notional: None,
                note: None,
            };
            let Some(lp) = p.liquidation_price else {
                u.note = Some("no price liquidates this position".into());
                return u;
            };
            let up = p.side == Side::Short;
            let plain = lp / p0 - 1.0;
            u.plain_shock = Some(plain);
            if (up && plain <= 0.0) || (!up && plain >= 0.0) {
                u.cascade_shock = Some(0.0);
                u.cascade_trigger_price = Some(p0);
                u.cascade_liquidated_notional = Some(0.0);
                u.note = Some("already liquidatable at the market price".into());
                return u;
            }
            if plain > 100.0 {
                u.note = Some("liquidation price beyond the simulated range (over +10 000 %)".into());
                return u;
            }
            let r = Runner::new(levels, impact, up);
            let hit = |s: f64, j: usize| {
                let o = r.outcome(s, j);
                (if up { o.extreme >= lp } else { o.extreme <= lp }, o)
            };
            let (mut lo, mut hi, mut j_lo) = (0.0f64, plain, 0);
            for _ in 0..200 {
                if (hi - lo).abs() <= 1e-12 {
                    break;
                }
                let mid = 0.5 * (lo + hi);
                let (reached, o) = hit(mid, j_lo);
                if reached {
                    hi = mid;
                } else {
                    lo = mid;
                    j_lo = o.j;
                }
            }
            let o = hit(hi, j_lo).1;
            u.cascade_shock = Some(hi);
            u.cascade_trigger_price = Some(p0 * (1.0 + hi));
            u.cascade_liquidated_notional = Some(r.book.notional(o.j));
            u
        })
        .collect()
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
