//! Seeded Monte Carlo of liquidation: price paths with normal or Student-t innovations and
//! optional jumps, each position liquidated when its symbol's mark price first reaches its
//! liquidation price.
//!
//! Per step of length Δt (years) the log price of symbol k moves by
//!
//! ```text
//! Δx_k = ν_k Δt + σ_k √Δt · c · (L z)_k + Σ_{j=1}^{N_k} Y_j,
//! ν_k  = μ − σ_k²/2 − λ (e^{m + s²/2} − 1)
//! ```
//!
//! with `z` independent standard normals, `L` the Cholesky factor of the correlation matrix,
//! `c = √((ν_t − 2)/W)`, `W ~ χ²(ν_t)` one draw per step shared by all symbols (Student-t
//! tails: a multivariate t with unit variance; `c = 1` for normal tails), `N_k ~ Poisson(λ Δt)`
//! jumps with log sizes `Y ~ N(m, s²)` (Merton 1976). The jump term is compensated so that the
//! price keeps the drift μ; with Student-t innovations the log price keeps the drift ν
//! (the exponential of a t variable has no finite mean, so no exact compensation exists).
//!
//! **Moving barriers.** Funding settled from the collateral moves a liquidation price over
//! time; `barrier_drift` makes position *i*'s barrier `b_i + c_i t` (linear in log price). The
//! bridge below stays exact for a linear barrier (it is a change of drift).
//!
//! **Monitoring.** A barrier checked only at the step ends misses crossings inside a step and
//! underestimates the probability (Broadie, Glasserman & Kou 1997). Unless `bridge` is off,
//! each step applies the Brownian-bridge correction: with both ends on the safe side at
//! distances `d₀, d₁` from the barrier, the path crossed in between with probability
//! `exp(−2 d₀ d₁ / (c² σ² Δt))` (exact for a Brownian step given its ends, whatever its drift),
//! and one uniform draw decides. Jumps inside a step are treated as happening at its end.
//!
//! **Reproducibility and chunks.** Path `i` draws from stream `i` of a ChaCha12 generator
//! keyed by the seed (`rand_chacha`, whose output is specified and the same on every platform,
//! wasm32 included — unlike `StdRng`, which rand may change), so
//! [`simulate`] over `[start, start + n)` returns a [`McPartial`] that [`McPartial::merge`]
//! combines with others in any order into exactly the result of one big run. The page runs
//! chunks between frames, reporting progress and stopping when cancelled.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha12Rng;
use rand_distr::{ChiSquared, Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::engine::analytics::{Jumps, Tail, DAYS_PER_YEAR};
use crate::engine::scenario::FieldError;

/// Largest number of time steps per path.
pub const MAX_STEPS: u32 = 100_000;

/// Which way a position's liquidation price lies, in log distance from the mark.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Barrier {
    /// Liquidated when `ln(S/S₀)` first reaches `b` (`b < 0`: below, long; `b > 0`: above,
    /// short).
    At(f64),
    /// Already liquidatable at the start.
    Now,
    /// No price liquidates the position.
    Never,
}

/// Everything one Monte Carlo run needs; serialisable so a web worker can receive it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct McSetup {
    pub symbols: Vec<String>,
    /// Annual volatility per symbol.
    pub sigma: Vec<f64>,
    /// Log drift ν per symbol and year (jump-compensated).
    pub log_drift: Vec<f64>,
    /// Lower-triangular Cholesky factor of the symbols' correlation matrix.
    pub cholesky: Vec<Vec<f64>>,
    pub tail: Tail,
    pub jumps: Option<Jumps>,
    pub horizon_years: f64,
    pub steps: u32,
    pub seed: u64,
    /// Brownian-bridge correction between steps (see the module docs).
    pub bridge: bool,
    /// Per position: index into `symbols` and its barrier.
    pub positions: Vec<(usize, Barrier)>,
    /// Per position: drift of the barrier in log price per year (funding settled from the
    /// collateral moves the liquidation price: barrier at time t = `b + c·t`); empty = none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub barrier_drift: Vec<f64>,
}

impl McSetup {
    /// Builds a run from per-symbol volatilities, the price drift μ, a correlation matrix
    /// (`corr[i][j]`, ones on the diagonal) and per-position barriers.
    ///
    /// # Errors
    /// `market.correlation` when the matrix is not positive semi-definite; `steps` when
    /// `steps` is 0 or above [`MAX_STEPS`].
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        symbols: Vec<String>,
        sigma: Vec<f64>,
        drift: f64,
        corr: &[Vec<f64>],
        tail: Tail,
        jumps: Option<Jumps>,
        horizon_years: f64,
        steps: u32,
        seed: u64,
        bridge: bool,
        positions: Vec<(usize, Barrier)>,
    ) -> Result<McSetup, FieldError> {
        if steps == 0 || steps > MAX_STEPS {
            return Err(FieldError::new("steps", format!("must be a whole number from 1 to {MAX_STEPS}")));
        }
        let cholesky = cholesky(corr).ok_or_else(|| {
            FieldError::new("market.correlation", "the correlation matrix is not positive semi-definite")
        })?;
        let kappa = jumps.map_or(0.0, |j| j.per_year * ((j.mean + 0.5 * j.std * j.std).exp() - 1.0));
        let log_drift = sigma.iter().map(|s| drift - 0.5 * s * s - kappa).collect();
        let setup = McSetup {
            symbols,
            sigma,
            log_drift,
            cholesky,
            tail,
            jumps,
            horizon_years,
            steps,
            seed,
            bridge,
            positions,
            barrier_drift: Vec::new(),
        };
        setup.check()?;
        Ok(setup)
    }
}

impl McSetup {
    /// Checks that the parts agree (a setup may arrive from outside, e.g. a web worker's
    /// message): one σ, drift and Cholesky row per symbol, lower-triangular rows, position
    /// symbols in range, finite numbers, ν > 2, steps within [`MAX_STEPS`].
    ///
    /// # Errors
    /// A [`FieldError`] at `setup.FIELD` naming the first inconsistency.
    pub fn check(&self) -> Result<(), FieldError> {
        let n = self.symbols.len();
        let bad = |f: &str, m: &str| Err(FieldError::new(format!("setup.{f}"), m));
        if self.sigma.len() != n || self.log_drift.len() != n || self.cholesky.len() != n {
            return bad("sigma", "sigma, log_drift and cholesky need one entry per symbol");
        }
        if self.sigma.iter().chain(&self.log_drift).any(|x| !x.is_finite()) || self.sigma.iter().any(|s| *s < 0.0) {
            return bad("sigma", "volatilities must be finite and ≥ 0, drifts finite");
        }
        if self.cholesky.iter().enumerate().any(|(k, r)| r.len() <= k || r.iter().any(|x| !x.is_finite())) {
            return bad("cholesky", "row k needs at least k + 1 finite entries");
        }
        if !(self.horizon_years.is_finite() && self.horizon_years > 0.0) {
            return bad("horizon_years", "must be a finite number > 0");
        }
        if self.steps == 0 || self.steps > MAX_STEPS {
            return bad("steps", "must be from 1 to 100000");
        }
        if let Tail::StudentT(nu) = self.tail {
            if !(nu.is_finite() && nu > 2.0) {
                return bad("tail", "Student-t degrees of freedom must be finite and > 2");
            }
        }
        if let Some(j) = self.jumps {
            if !(j.per_year.is_finite() && j.per_year >= 0.0 && j.mean.is_finite() && j.std.is_finite()) {
                return bad("jumps", "must be finite with per_year ≥ 0");
            }
        }
        if !self.barrier_drift.is_empty()
            && (self.barrier_drift.len() != self.positions.len() || self.barrier_drift.iter().any(|c| !c.is_finite()))
        {
            return bad("barrier_drift", "needs one finite drift per position, or none");
        }
        if self.positions.iter().any(|(k, b)| *k >= n || matches!(b, Barrier::At(x) if !x.is_finite())) {
            return bad("positions", "each position needs a symbol index below the number of symbols and a finite barrier");
        }
        Ok(())
    }
}

/// Cholesky factor `L` (lower triangular, `L Lᵀ = a`) of a symmetric positive semi-definite
/// matrix; pivots within 10⁻¹⁰ of zero (perfect correlation) give a zero column. `None` when a
/// pivot is clearly negative or the matrix is not square.
pub fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    if a.iter().any(|r| r.len() != n) {
        return None;
    }
    let mut l = vec![vec![0.0; n]; n];
    for j in 0..n {
        let d = a[j][j] - (0..j).map(|k| l[j][k] * l[j][k]).sum::<f64>();
        if d < -1e-10 || !d.is_finite() {
            return None;
        }
        let ljj = if d > 1e-10 { d.sqrt() } else { 0.0 };
        l[j][j] = ljj;
        for i in j + 1..n {
            let s = a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if ljj > 0.0 {
                l[i][j] = s / ljj;
            } else if s.abs() > 1e-8 {
                return None;
            }
        }
    }
    Some(l)
}

/// Counts from simulating some of a run's paths; [`merge`](McPartial::merge) adds chunks.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct McPartial {
    /// Paths simulated.
    pub paths: u64,
    /// Per position: paths on which it was liquidated within the horizon.
    pub hits: Vec<u64>,
    /// Per position, per step: paths whose first liquidation fell in that step.
    pub hit_steps: Vec<Vec<u64>>,
    /// Paths on which at least one position was liquidated.
    pub any_hits: u64,
}

impl McPartial {
    /// Adds another chunk's counts (chunks of the same run, disjoint path ranges).
    pub fn merge(&mut self, other: &McPartial) {
        if self.hits.is_empty() && self.paths == 0 {
            *self = other.clone();
            return;
        }
        self.paths += other.paths;
        self.any_hits += other.any_hits;
        for (a, b) in self.hits.iter_mut().zip(&other.hits) {
            *a += b;
        }
        for (ha, hb) in self.hit_steps.iter_mut().zip(&other.hit_steps) {
            for (a, b) in ha.iter_mut().zip(hb) {
                *a += b;
            }
        }
    }
}

/// The random stream of path `path`: ChaCha12 keyed by the seed, stream number = path index
/// (2⁶⁴ independent streams per key).
fn path_rng(seed: u64, path: u64) -> ChaCha12Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(b"leverlab");
    let mut rng = ChaCha12Rng::from_seed(key);
    rng.set_stream(path);
    rng
}

/// Draws a Poisson(λΔt) count by inversion from one uniform (cheap when λΔt is small).
#[inline]
fn poisson_from_uniform(u: f64, p0: f64, lam: f64) -> u32 {
    let (mut k, mut p, mut cdf) = (0u32, p0, p0);
    while u > cdf && k < 1000 {
        k += 1;
        p *= lam / k as f64;
        cdf += p;
    }
    k
}

/// Simulates paths `[start, start + n)` of `setup`. Deterministic: the same path index always
/// gives the same path, whatever the chunking.
///
/// # Errors
/// [`McSetup::check`]'s, for a setup whose parts disagree.
pub fn simulate(setup: &McSetup, start: u64, n: u64) -> Result<McPartial, FieldError> {
    setup.check()?;
    let npos = setup.positions.len();
    let nsym = setup.symbols.len();
    let steps = setup.steps.max(1) as usize;
    let dt = setup.horizon_years / steps as f64;
    let sqdt = dt.sqrt();
    let mut out = McPartial { paths: n, hits: vec![0; npos], hit_steps: vec![vec![0; steps]; npos], any_hits: 0 };
    let chi = match setup.tail {
        Tail::StudentT(nu) => ChiSquared::new(nu).ok().map(|c| (c, nu)),
        Tail::Normal => None,
    };
    let jump = setup.jumps.filter(|j| j.per_year > 0.0).map(|j| {
        let lam = j.per_year * dt;
        (j, (-lam).exp(), lam)
    });
    // Positions grouped by symbol; a position with `Now` is liquidated at step 0.
    // Per symbol: (position, barrier, barrier drift per step).
    let by_symbol: Vec<Vec<(usize, f64, f64)>> = (0..nsym)
        .map(|k| {
            setup
                .positions
                .iter()
                .enumerate()
                .filter_map(|(i, (sym, b))| match b {
                    Barrier::At(b) if *sym == k => Some((i, *b, setup.barrier_drift.get(i).map_or(0.0, |c| c * dt))),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let now: Vec<usize> =
        setup.positions.iter().enumerate().filter(|(_, (_, b))| *b == Barrier::Now).map(|(i, _)| i).collect();
    // 2/(σ²Δt) per symbol for the bridge exponent (∞ for σ = 0: no crossing inside a step).
    let two_over_var: Vec<f64> = setup.sigma.iter().map(|s| 2.0 / (s * s * dt)).collect();
    let drift_dt: Vec<f64> = setup.log_drift.iter().map(|v| v * dt).collect();
    let vol_dt: Vec<f64> = setup.sigma.iter().map(|s| s * sqdt).collect();

    let mut x = vec![0.0; nsym];
    let mut z = vec![0.0; nsym];
    let mut alive = vec![true; npos];
    for path in start..start.saturating_add(n) {
        let mut rng = path_rng(setup.seed, path);
        x.iter_mut().for_each(|v| *v = 0.0);
        alive.iter_mut().for_each(|a| *a = true);
        let mut any = false;
        for &i in &now {
            alive[i] = false;
            out.hits[i] += 1;
            out.hit_steps[i][0] += 1;
            any = true;
        }
        let mut remaining = by_symbol.iter().map(Vec::len).sum::<usize>();
        for step in 0..steps {
            if remaining == 0 {
                break;
            }
            for zk in z.iter_mut() {
                *zk = rng.sample(StandardNormal);
            }
            let c2 = match &chi {
                Some((c, nu)) => {
                    let w: f64 = c.sample(&mut rng);
                    if w > 0.0 {
                        (nu - 2.0) / w
                    } else {
                        1.0
                    }
                }
                None => 1.0,
            };
            let (c, inv_c2) = (c2.sqrt(), 1.0 / c2);
            for k in 0..nsym {
                let row = &setup.cholesky[k];
                let e: f64 = (0..=k).map(|j| row[j] * z[j]).sum();
                let mut dx = drift_dt[k] + vol_dt[k] * c * e;
                if let Some((j, p0, lam)) = &jump {
                    let u: f64 = rng.gen();
                    for _ in 0..poisson_from_uniform(u, *p0, *lam) {
                        let y: f64 = rng.sample(StandardNormal);
                        dx += j.mean + j.std * y;
                    }
                }
                let x0 = x[k];
                let x1 = x0 + dx;
                x[k] = x1;
                for &(i, b, c_dt) in &by_symbol[k] {
                    if !alive[i] {
                        continue;
                    }
                    // The barrier at the step's start and end (linear in time).
                    let (b0, b1) = (b + c_dt * step as f64, b + c_dt * (step + 1) as f64);
                    // Distances on the safe side of the barrier (positive = not yet reached).
                    let (d0, d1) = if b < 0.0 { (x0 - b0, x1 - b1) } else { (b0 - x0, b1 - x1) };
                    let mut hit = d1 <= 0.0;
                    if !hit && setup.bridge {
                        let expo = d0 * d1 * two_over_var[k] * inv_c2;
                        if expo < 40.0 {
                            let u: f64 = rng.gen();
                            hit = u < (-expo).exp();
                        }
                    }
                    if hit {
                        alive[i] = false;
                        remaining -= 1;
                        out.hits[i] += 1;
                        out.hit_steps[i][step] += 1;
                        any = true;
                    }
                }
            }
        }
        if any {
            out.any_hits += 1;
        }
    }
    Ok(out)
}

/// Monte Carlo result for one position.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct McPosition {
    /// Fraction of paths on which the position was liquidated within the horizon.
    pub probability: f64,
    /// Binomial standard error √(p(1 − p)/n) of `probability`.
    pub standard_error: f64,
    /// First time (end of a step, days) by which at least half the paths had liquidated the
    /// position; `null` when that does not happen within the horizon.
    pub median_time_days: Option<f64>,
}

/// Summary of a (possibly merged) run.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct McSummary {
    pub paths: u64,
    pub steps: u32,
    pub seed: u64,
    pub bridge: bool,
    pub tail: Tail,
    pub jumps: Option<Jumps>,
    /// Per position, in the Scenario's order.
    pub positions: Vec<McPosition>,
    /// Probability that at least one position is liquidated within the horizon, and its
    /// standard error.
    pub any_probability: f64,
    pub any_standard_error: f64,
}

/// Fraction and binomial standard error of `k` successes in `n` trials (0, 0 when `n = 0`).
fn proportion(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let p = k as f64 / n as f64;
    (p, (p * (1.0 - p) / n as f64).sqrt())
}

/// Turns merged counts into probabilities, standard errors and median times.
pub fn summarise(setup: &McSetup, partial: &McPartial) -> McSummary {
    let n = partial.paths;
    let dt_days = setup.horizon_years * DAYS_PER_YEAR / setup.steps.max(1) as f64;
    let positions = partial
        .hits
        .iter()
        .zip(&partial.hit_steps)
        .map(|(&h, hs)| {
            let (probability, standard_error) = proportion(h, n);
            let mut cum = 0u64;
            let median_time_days = hs.iter().position(|&c| {
                cum += c;
                n > 0 && 2 * cum >= n
            });
            McPosition {
                probability,
                standard_error,
                median_time_days: median_time_days.map(|k| (k + 1) as f64 * dt_days),
            }
        })
        .collect::<Vec<_>>();
    // Positions liquidatable now have a median time of 0, not one step.
    let positions = positions
        .into_iter()
        .zip(&setup.positions)
        .map(|(mut p, (_, b))| {
            if *b == Barrier::Now {
                p.median_time_days = Some(0.0);
            }
            p
        })
        .collect();
    let (any_probability, any_standard_error) = proportion(partial.any_hits, n);
    McSummary {
        paths: n,
        steps: setup.steps,
        seed: setup.seed,
        bridge: setup.bridge,
        tail: setup.tail,
        jumps: setup.jumps,
        positions,
        any_probability,
        any_standard_error,
    }
}
