//! Funding skew and basis as a leverage signal.
//!
//! # Model
//! A perpetual's funding rate is `premium + clamp(interest − premium)`, where the interest part
//! is 0.01 % per 8 h on Binance, Bybit and OKX; the premium is what longs pay shorts (or the
//! reverse) to keep the perpetual near the index. Ackerer, Hugonnier & Jermann (Math. Finance
//! 2025, arXiv:2310.11771) price the perpetual as the spot at a random funding time, which
//! leaves a carry premium of well under 1 bp at 8-hourly funding; Schmeling, Schrimpf & Todorov
//! ("Crypto carry", BIS WP 1087) find carry of 40–60 % a year driven by trend-chasing leveraged
//! demand. So a premium far above carry measures leveraged demand on one side.
//!
//! leverlab turns funding `f` (per 8 h) and basis `b` ((mark − index) ÷ index) into a score and
//! a crowding in (−1, 1), positive when longs are crowded:
//!
//! `z = (f − 0.0001) / 0.0003 + b / 0.001`, `crowding = tanh(z)`
//!
//! (one unit of `z` per 0.03 %/8 h of funding above the interest baseline, ≈ 33 % a year, or per
//! 0.1 % of basis). The crowding tilts the default leverage buckets ([`DEFAULT_BUCKETS`], the
//! 5/10/25/50/100x spread that public liquidation heatmaps use) towards high leverage on the
//! crowded side and towards low leverage on the other:
//!
//! `w'ᵢ ∝ wᵢ · Lᵢ^(+crowding)` for longs, `wᵢ · Lᵢ^(−crowding)` for shorts.
//!
//! # Limits
//! The scales (0.0003, 0.001) and the power-law tilt are a heuristic, not a fit: no public data
//! set ties funding to the leverage distribution. Funding is capped by venues (so extreme
//! crowding saturates), differs between venues and intervals (give the 8-hour equivalent), and
//! the basis also carries interest and index noise. Use the signal to rank scenarios, not as a
//! measured distribution; give `leverage_buckets` when you know better.

use serde::{Deserialize, Serialize};

use crate::engine::scenario::Scenario;

/// Default leverage buckets `(leverage, weight)`: 5x 30 %, 10x 30 %, 25x 20 %, 50x 15 %, 100x 5 %.
pub const DEFAULT_BUCKETS: [(f64, f64); 5] = [(5.0, 0.3), (10.0, 0.3), (25.0, 0.2), (50.0, 0.15), (100.0, 0.05)];

/// Interest component of funding per 8 h (0.01 %): funding at this level is neutral.
pub const NEUTRAL_FUNDING_8H: f64 = 0.0001;
/// Funding above neutral that makes one unit of score.
pub const FUNDING_SCALE_8H: f64 = 0.0003;
/// Basis that makes one unit of score.
pub const BASIS_SCALE: f64 = 0.001;

/// One leverage bucket and its weight (weights of a list sum to 1).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct LeverageWeight {
    pub leverage: f64,
    pub weight: f64,
}

/// The funding/basis signal and the leverage distributions it implies.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FundingSignal {
    pub funding_rate_8h: Option<f64>,
    pub basis: Option<f64>,
    /// Funding × 3 × 365 (simple annualisation).
    pub annualised_funding: Option<f64>,
    /// `z = (f − 0.0001)/0.0003 + b/0.001`.
    pub score: f64,
    /// `tanh(z)`: +1 longs crowded, −1 shorts crowded.
    pub crowding: f64,
    /// The default buckets tilted for each side.
    pub long_buckets: Vec<LeverageWeight>,
    pub short_buckets: Vec<LeverageWeight>,
}

/// Computes the signal from funding per 8 h and basis (either may be absent; absent counts as
/// neutral). Inputs are expected validated (finite); a non-finite input counts as neutral.
pub fn funding_signal(funding_rate_8h: Option<f64>, basis: Option<f64>) -> FundingSignal {
    let f = funding_rate_8h.filter(|x| x.is_finite());
    let b = basis.filter(|x| x.is_finite());
    let score = f.map_or(0.0, |f| (f - NEUTRAL_FUNDING_8H) / FUNDING_SCALE_8H) + b.map_or(0.0, |b| b / BASIS_SCALE);
    let crowding = score.tanh();
    FundingSignal {
        funding_rate_8h: f,
        basis: b,
        annualised_funding: f.map(|f| f * 3.0 * 365.0),
        score,
        crowding,
        long_buckets: tilt(&DEFAULT_BUCKETS, crowding),
        short_buckets: tilt(&DEFAULT_BUCKETS, -crowding),
    }
}

/// `wᵢ · Lᵢ^exponent`, normalised to sum 1.
pub(crate) fn tilt(buckets: &[(f64, f64)], exponent: f64) -> Vec<LeverageWeight> {
    let raw: Vec<f64> = buckets.iter().map(|&(l, w)| w * l.powf(exponent)).collect();
    let total: f64 = raw.iter().sum();
    buckets
        .iter()
        .zip(raw)
        .map(|(&(leverage, _), r)| LeverageWeight { leverage, weight: if total > 0.0 { r / total } else { 0.0 } })
        .collect()
}

/// The signal of a Scenario, when its market gives funding (`market.funding_rate_8h`) or basis.
pub(crate) fn signal_of(s: &Scenario) -> Option<FundingSignal> {
    let m = s.market.as_ref()?;
    let f = m.risk.funding_rate_8h;
    let b = m.book.basis;
    (f.is_some() || b.is_some()).then(|| funding_signal(f, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutral_funding_leaves_the_default_buckets() {
        // f = 0.0001 → z = 0 → crowding 0 → Lᵢ⁰ = 1: weights unchanged.
        let s = funding_signal(Some(0.0001), None);
        assert_eq!(s.score, 0.0);
        for (w, (_, d)) in s.long_buckets.iter().zip(DEFAULT_BUCKETS) {
            assert!((w.weight - d).abs() < 1e-15);
        }
    }

    #[test]
    fn positive_funding_crowds_longs_with_the_published_arithmetic() {
        // f = 0.0004/8h: z = (0.0004 − 0.0001)/0.0003 = 1, crowding = tanh 1 = 0.761594…;
        // annualised 0.0004 × 1095 = 0.438.
        let s = funding_signal(Some(0.0004), None);
        assert!((s.score - 1.0).abs() < 1e-12);
        assert!((s.crowding - 0.761_594_155_955_764_9).abs() < 1e-12);
        assert!((s.annualised_funding.unwrap() - 0.438).abs() < 1e-12);
        // Longs tilt to high leverage: 100x weight rises above its default 5 %, shorts' falls.
        assert!(s.long_buckets[4].weight > 0.05);
        assert!(s.short_buckets[4].weight < 0.05);
        // Tilt by exponent 1 on two buckets {(1, ½), (3, ½)}: ½·1 : ½·3 → ¼, ¾.
        let t = tilt(&[(1.0, 0.5), (3.0, 0.5)], 1.0);
        assert!((t[0].weight - 0.25).abs() < 1e-15 && (t[1].weight - 0.75).abs() < 1e-15);
    }

    #[test]
    fn basis_adds_to_the_score() {
        // b = −0.002 → −2 units; f neutral → z = −2, shorts crowded.
        let s = funding_signal(Some(0.0001), Some(-0.002));
        assert!((s.score + 2.0).abs() < 1e-12);
        assert!(s.crowding < 0.0);
    }
}
