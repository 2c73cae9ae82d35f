//! The liquidation cascade: shock → liquidations → impact → more liquidations, to the fixed
//! point. The amplification curve and the critical shock are in [`super::sweep`], the user's
//! cascade-conditional liquidation in [`super::exposure`]; both run this module's [`Runner`].
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
use crate::engine::limits::MAX_PATH_ROUNDS;
use super::levels::{MarketLevels, SideBook};
use crate::engine::input::{FieldError, InputErrors};

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
pub(super) struct Outcome {
    pub(super) j: usize,
    pub(super) final_price: f64,
    pub(super) extreme: f64,
    pub(super) rounds: usize,
    pub(super) exhausted: bool,
}

pub(super) struct PathRec {
    path: Vec<Round>,
    cap: usize,
    truncated: bool,
}

/// One direction's cascade machinery over the sorted levels.
pub(super) struct Runner<'a> {
    pub(super) book: &'a SideBook,
    pub(super) impact: &'a Impact,
    pub(super) p0: f64,
    pub(super) up: bool,
}

impl<'a> Runner<'a> {
    pub(super) fn new(levels: &'a MarketLevels, impact: &'a Impact, up: bool) -> Self {
        Runner { book: levels.book(up), impact, p0: levels.price, up }
    }

    /// Price after the shock and the accumulated impact `a`: `P₀(1 + s ∓ a)`, floored at 0.
    #[inline]
    pub(super) fn price(&self, shock: f64, a: f64) -> (f64, bool) {
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
    pub(super) fn impact_of(&self, j: usize) -> f64 {
        self.impact.relative_move(self.book.notional(j), self.book.size(j), self.up)
    }

    #[inline]
    pub(super) fn worse(&self, a: f64, b: f64) -> f64 {
        if self.up {
            a.max(b)
        } else {
            a.min(b)
        }
    }

    /// Round by round (any decay). `j` strictly grows each round, so at most n + 1 rounds.
    pub(super) fn run(&self, shock: f64, mut rec: Option<&mut PathRec>) -> Outcome {
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
    pub(super) fn fixed_point(&self, shock: f64, j_start: usize) -> Outcome {
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
    pub(super) fn outcome(&self, shock: f64, j_start: usize) -> Outcome {
        if self.impact.decay() == 1.0 {
            self.fixed_point(shock, j_start)
        } else {
            self.run(shock, None)
        }
    }

    pub(super) fn final_move(&self, o: &Outcome) -> f64 {
        o.extreme / self.p0 - 1.0
    }
}

/// Checks a shock: finite, above −100 %, at most +10 000 %.
pub(super) fn check_shock(shock: f64, path: &str) -> Result<(), InputErrors> {
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
