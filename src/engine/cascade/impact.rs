//! Price-impact models: how far forced closes move the price.
//!
//! Every model gives the *cumulative* relative move `I` (a fraction of the reference price P₀,
//! ≥ 0) caused by forced closes totalling `X` quote notional (valued at the liquidation prices)
//! and `q` base units, all on one side of the book. A down cascade (longs sold) ends at
//! `P₀·(1 + shock − I)`, an up cascade (shorts bought back) at `P₀·(1 + shock + I)`.
//!
//! * `linear`, depth `D` quote per 1 %: `I = X / (100·D)`.
//! * `profile`, depths `D₀, D₁, …` for the 1st, 2nd, … percent (the last repeats): with
//!   `S_k = D₀ + … + D_{k−1}` and `S_k ≤ X < S_{k+1}`, `I = (k + (X − S_k)/D_k) / 100`.
//! * `sqrt`, the square-root law of Donier & Bonart, "A million metaorder analysis of market
//!   impact on the Bitcoin" (arXiv:1412.4503): `I = Y·σ·√(X/V)`, σ daily volatility, V daily
//!   volume (quote). It held over four decades of X/V on BTC/USD; Y is of order 1 and not given
//!   there, so it is a parameter.
//! * `amm`, constant product `x·y = k` with base reserve `x`: selling `q` base leaves the pool
//!   price `k/(x+q)²`, so `I = 1 − (x/(x+q))²`; buying `q < x` gives `I = (x/(x−q))² − 1`, and
//!   `q ≥ x` drains the pool ([`MAX_UP_MOVE`]).
//!
//! A depth multiplier `m` scales the book: `I_m(X, q) = I(X/m, q/m)` (m times the notional for the
//! same move). With `refill_half_life` `h` and rounds of `Δt` seconds, each round's increment of
//! impact decays by `d = 2^(−Δt/h)` per round (transient impact, depth refilling).

use super::{Depth, ImpactModel};

/// Largest relative up-move reported (a drained pool): +100 000 %.
pub const MAX_UP_MOVE: f64 = 1000.0;

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Linear { per_pct: f64 },
    /// `cum[k]` = notional that moves the price by k %, `cum[0] = 0`.
    Profile { bands: Vec<f64>, cum: Vec<f64> },
    Sqrt { coef: f64, volume: f64 },
    Amm { base: f64 },
}

/// A prepared impact model (see the module doc for the formulas).
#[derive(Clone, Debug, PartialEq)]
pub struct Impact {
    kind: Kind,
    /// Depth multiplier m.
    scale: f64,
    /// Fraction of each round's impact increment left after one more round (1 = permanent).
    decay: f64,
}

impl Impact {
    /// Prepares a validated [`Depth`]. Out-of-range values (which validation rejects) are
    /// replaced by harmless ones, so the model never yields NaN.
    pub fn new(depth: &Depth) -> Impact {
        let pos = |x: f64| if x.is_finite() && x > 0.0 { x } else { f64::MIN_POSITIVE };
        let kind = match &depth.model {
            ImpactModel::Linear { notional_per_pct } => Kind::Linear { per_pct: pos(*notional_per_pct) },
            ImpactModel::Profile { notional_per_pct } => {
                let mut bands: Vec<f64> = notional_per_pct.iter().map(|&b| pos(b)).collect();
                if bands.is_empty() {
                    bands.push(f64::MIN_POSITIVE);
                }
                let mut cum = Vec::with_capacity(bands.len() + 1);
                let mut acc = 0.0;
                cum.push(0.0);
                for b in &bands {
                    acc += b;
                    cum.push(acc);
                }
                Kind::Profile { bands, cum }
            }
            ImpactModel::Sqrt { y, daily_volatility, daily_volume } => {
                Kind::Sqrt { coef: pos(*y) * pos(*daily_volatility), volume: pos(*daily_volume) }
            }
            ImpactModel::Amm { base_reserve, .. } => Kind::Amm { base: pos(*base_reserve) },
        };
        let decay = match depth.refill_half_life {
            Some(h) if h.is_finite() && h > 0.0 => {
                let dt = depth.round_seconds.filter(|r| r.is_finite() && *r > 0.0).unwrap_or(1.0);
                0.5f64.powf(dt / h)
            }
            _ => 1.0,
        };
        Impact { kind, scale: 1.0, decay }
    }

    /// The same model with `m` times the depth (`m` > 0; other values leave it unchanged).
    pub fn with_depth_multiplier(&self, m: f64) -> Impact {
        let mut out = self.clone();
        if m.is_finite() && m > 0.0 {
            out.scale *= m;
        }
        out
    }

    /// Per-round decay factor of the impact increments (1 when the depth does not refill).
    pub fn decay(&self) -> f64 {
        self.decay
    }

    /// Cumulative relative move (≥ 0, finite) caused by forced closes of `notional` quote and
    /// `size` base units: sells (`up == false`) or buys (`up == true`).
    #[inline(always)]
    pub fn relative_move(&self, notional: f64, size: f64, up: bool) -> f64 {
        let x = (notional / self.scale).max(0.0);
        let q = (size / self.scale).max(0.0);
        let i = match &self.kind {
            Kind::Linear { per_pct } => x / (100.0 * per_pct),
            Kind::Profile { bands, cum } => {
                let k = (cum.partition_point(|&c| c <= x).max(1) - 1).min(bands.len() - 1);
                (k as f64 + (x - cum[k]) / bands[k]) / 100.0
            }
            Kind::Sqrt { coef, volume } => coef * (x / volume).sqrt(),
            Kind::Amm { base } => {
                if up {
                    if q < *base {
                        let r = base / (base - q);
                        r * r - 1.0
                    } else {
                        MAX_UP_MOVE
                    }
                } else {
                    let r = base / (base + q);
                    1.0 - r * r
                }
            }
        };
        if i.is_finite() {
            i.clamp(0.0, MAX_UP_MOVE)
        } else {
            MAX_UP_MOVE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(model: ImpactModel) -> Depth {
        Depth { model, refill_half_life: None, round_seconds: None }
    }

    #[test]
    fn published_formulas() {
        // Linear: 4e5 per 1 %, X = 1e6 → 1e6/(100·4e5) = 0.025 (2.5 %).
        let l = Impact::new(&depth(ImpactModel::Linear { notional_per_pct: 4e5 }));
        assert!((l.relative_move(1e6, 0.0, false) - 0.025).abs() < 1e-15);
        // Twice the depth halves a linear move: 0.0125.
        assert!((l.with_depth_multiplier(2.0).relative_move(1e6, 0.0, false) - 0.0125).abs() < 1e-15);
        // Profile [1e5, 2e5]: X = 2e5 → k = 1 (S₁ = 1e5), I = (1 + 1e5/2e5)/100 = 0.015;
        // X = 5e5 beyond the profile: S₂ = 3e5, last band repeats: (1 + 4e5/2e5)/100 = 0.03.
        let p = Impact::new(&depth(ImpactModel::Profile { notional_per_pct: vec![1e5, 2e5] }));
        assert!((p.relative_move(2e5, 0.0, false) - 0.015).abs() < 1e-15);
        assert!((p.relative_move(5e5, 0.0, false) - 0.03).abs() < 1e-15);
        // Square root, Y = 0.5, σ = 4 %/day, V = 1e9, X = 1e7: 0.5·0.04·√0.01 = 0.002.
        let s = Impact::new(&depth(ImpactModel::Sqrt { y: 0.5, daily_volatility: 0.04, daily_volume: 1e9 }));
        assert!((s.relative_move(1e7, 0.0, false) - 0.002).abs() < 1e-15);
        // AMM x = 1000: selling 250 → 1 − (1000/1250)² = 1 − 0.64 = 0.36; buying 200 →
        // (1000/800)² − 1 = 0.5625; buying 1000 drains the pool.
        let a = Impact::new(&depth(ImpactModel::Amm { base_reserve: 1000.0, quote_reserve: 1e5 }));
        assert!((a.relative_move(0.0, 250.0, false) - 0.36).abs() < 1e-15);
        assert!((a.relative_move(0.0, 200.0, true) - 0.5625).abs() < 1e-15);
        assert_eq!(a.relative_move(0.0, 1000.0, true), MAX_UP_MOVE);
    }

    #[test]
    fn refill_decay_per_round() {
        // Half-life 2 s, rounds of 1 s: d = 2^(−1/2) = 0.70710678…
        let d = Impact::new(&Depth {
            model: ImpactModel::Linear { notional_per_pct: 1.0 },
            refill_half_life: Some(2.0),
            round_seconds: None,
        });
        assert!((d.decay() - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-15);
    }
}
