//! Reproducible synthetic market positions from a few parameters.
//!
//! # Design Decision
//! The stream is PCG-32 (`rand_pcg::Pcg32`, O'Neill 2014) seeded with `seed`: 64-bit state
//! arithmetic only, so the browser (wasm32) and the host draw the same numbers, and it needs no
//! OS entropy. Leverage buckets and entries use plain arithmetic on the draws, so a bucket
//! market is bit-identical across platforms; the log-normal leverage uses `ln`/`exp`, whose last
//! bit may differ between math libraries.
//!
//! Entries: with no price history, the `c` positions of a leverage bucket are stratified — the
//! i-th falls uniformly in the i-th of `c` equal cells of `price × (1 ± entry_spread)` — which
//! keeps the uniform distribution, smooths the map, and yields the bucket's levels already in
//! price order, so they are merged rather than sorted. With a history, each entry is a
//! uniformly drawn history point × `(1 + entry_spread·(2u − 1))`.
//!
//! Each position's liquidation price comes from the venue engine: one
//! [`venue::position_model`] per (side, leverage bucket) from a template position, whose size
//! and entry are then set per position before [`margin::liquidation_price`] solves it with the
//! isolated collateral [`venue::initial_margin`] — the collateral `eval` gives an isolated
//! position with that leverage (checked against `evaluate` in the tests).

use rand::{RngCore, SeedableRng};
use rand_distr::{Distribution, LogNormal};
use rand_pcg::Pcg32;

use super::funding::FundingSignal;
use super::collect::{default_symbol, engine_position, template_scenario, Collector};
use super::Generator;
use crate::engine::input::{FieldError, InputErrors};
use crate::engine::scenario::{Position, Scenario, Side};
use crate::engine::venue::{self, PositionModel};
use crate::engine::margin;

/// A uniform draw in (0, 1) from 32 random bits: `(u + ½) / 2³²`.
#[inline(always)]
fn unit(rng: &mut Pcg32) -> f64 {
    (rng.next_u32() as f64 + 0.5) * (1.0 / 4_294_967_296.0)
}

/// How one side's leverages are drawn.
enum LevDist {
    /// Cumulative weights (last = 1) and the leverage of each bucket.
    Buckets { cum: Vec<f64>, lev: Vec<f64> },
    LogNormal { dist: LogNormal<f64>, max: f64 },
}

impl LevDist {
    fn buckets(pairs: &[(f64, f64)]) -> LevDist {
        let total: f64 = pairs.iter().map(|p| p.1).sum();
        let mut acc = 0.0;
        let mut cum: Vec<f64> = pairs
            .iter()
            .map(|p| {
                acc += p.1 / total;
                acc
            })
            .collect();
        if let Some(last) = cum.last_mut() {
            *last = 1.0;
        }
        LevDist::Buckets { cum, lev: pairs.iter().map(|p| p.0).collect() }
    }
}

/// Generates `g.count` positions into `out`. `funding` tilts the default buckets when the
/// generator gives no leverage distribution; `scale` multiplies every leverage (clamped 1..1000);
/// `exact` solves every position with the engine instead of using [`scale_ratio`] (tests).
///
/// # Errors
/// `market.generator` when the venue engine has no model for a generated position.
pub(crate) fn generate(
    s: &Scenario,
    g: &Generator,
    price: f64,
    funding: Option<&FundingSignal>,
    scale: f64,
    out: &mut Collector,
    exact: bool,
) -> Result<(), InputErrors> {
    let oi_total = g.open_interest_long + g.open_interest_short;
    if g.count == 0 || oi_total.is_nan() || oi_total <= 0.0 {
        return Ok(());
    }
    let n_long = ((g.count as f64) * g.open_interest_long / oi_total).round() as usize;
    let n_long = n_long.min(g.count);
    let sides = [(Side::Long, n_long, g.open_interest_long), (Side::Short, g.count - n_long, g.open_interest_short)];

    let scenario = template_scenario(s, s.venue);
    let symbol = default_symbol(s);
    let mut rng = Pcg32::seed_from_u64(g.seed);
    out.long.reserve(n_long);
    out.short.reserve(g.count - n_long);

    for (side, n, oi) in sides {
        if n == 0 || oi.is_nan() || oi <= 0.0 {
            continue;
        }
        let each = oi / n as f64;
        let dist = side_distribution(g, side, funding, scale)?;
        let position = engine_position(&symbol, side, each / price, price, 1.0, g.mmr);
        // One engine model per bucket (or one for the log-normal), sized per position below.
        let model_for = |lev: f64| -> Result<PositionModel, InputErrors> {
            let p = Position { leverage: Some(lev), ..position.clone() };
            venue::position_model(&scenario, 0, &p).map_err(|e| {
                FieldError::new("market.generator", format!("the venue engine has no model for a generated {lev}x position: {}", e.message))
                    .into()
            })
        };
        match &dist {
            LevDist::Buckets { cum, lev } => {
                let models = lev.iter().map(|&l| model_for(l)).collect::<Result<Vec<_>, _>>()?;
                let mut t = Template { scenario: scenario.clone(), position, models };
                let (lo, hi) = entry_range(g, price);
                let ratios: Vec<Option<Option<f64>>> = (0..lev.len())
                    .map(|k| if exact { None } else { scale_ratio(&mut t, k, each, lev[k], lo, hi) })
                    .collect();
                let mut counts = vec![0usize; lev.len()];
                for _ in 0..n {
                    let u = unit(&mut rng);
                    counts[cum.iter().position(|&c| u < c).unwrap_or(cum.len() - 1)] += 1;
                }
                let stratified = g.price_history.is_empty();
                for (k, &c) in counts.iter().enumerate() {
                    // Stratified entries with a fixed LP/EP ratio come out in reach order.
                    let in_order = stratified && ratios[k].is_some();
                    let mut run = Vec::with_capacity(if in_order { c } else { 0 });
                    for i in 0..c {
                        let entry = if stratified {
                            // The i-th of c equal cells of [lo, hi], from the top for longs.
                            let cell = if side == Side::Long { c - 1 - i } else { i };
                            lo + (hi - lo) * (cell as f64 + unit(&mut rng)) / c as f64
                        } else {
                            draw_entry(g, price, &mut rng)
                        };
                        let lp = match ratios[k] {
                            Some(r) => r.map(|r| r * entry),
                            None => solve(&mut t, k, each / entry, entry, lev[k]),
                        };
                        if in_order {
                            run.extend(out.place(side, each / entry, entry, lp));
                        } else {
                            out.push(side, each / entry, entry, lp);
                        }
                    }
                    if in_order {
                        out.push_run(side, run);
                    }
                }
            }
            LevDist::LogNormal { dist, max } => {
                // The model does not depend on leverage; the collateral does (set per position).
                let models = vec![model_for(1.0)?];
                let mut t = Template { scenario: scenario.clone(), position, models };
                for _ in 0..n {
                    let lev = dist.sample(&mut rng).clamp(1.0, *max);
                    let entry = draw_entry(g, price, &mut rng);
                    let lp = solve(&mut t, 0, each / entry, entry, lev);
                    out.push(side, each / entry, entry, lp);
                }
            }
        }
    }
    Ok(())
}

/// Lowest and highest entry the generator can draw.
fn entry_range(g: &Generator, price: f64) -> (f64, f64) {
    let (lo, hi) = g.price_history.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &p| (a.min(p), b.max(p)));
    let (lo, hi) = if g.price_history.is_empty() { (price, price) } else { (lo, hi) };
    (lo * (1.0 - g.entry_spread), hi * (1.0 + g.entry_spread))
}

/// The ratio LP/EP of bucket `k`, when the engine's liquidation price scales with the entry.
///
/// Every generated position has the same entry notional `each`, so its collateral
/// (`each ÷ leverage`, plus any fee reserve on `each`) and the notional at its liquidation
/// price (`Q·LP = each·LP/EP`, which picks the tier) do not depend on the entry: the linear
/// liquidation condition `C + s·Q·(LP − EP) = Q·LP·(m + f) − cum` divided by `Q·EP = each`
/// leaves LP/EP fixed. Schedules that depend on the size itself (Deribit's size-dependent
/// rate) break this, so the engine is asked at the lowest, middle and highest entry: the
/// common ratio (`Some(None)` when none of them has a liquidation price) when all three agree to
/// 1e-12, `None` (solve every position) otherwise.
fn scale_ratio(t: &mut Template, k: usize, each: f64, lev: f64, lo: f64, hi: f64) -> Option<Option<f64>> {
    let at = |t: &mut Template, e: f64| solve(t, k, each / e, e, lev).map(|lp| lp / e);
    let (a, b, c) = (at(t, lo), at(t, 0.5 * (lo + hi)), at(t, hi));
    match (a, b, c) {
        (None, None, None) => Some(None),
        (Some(a), Some(b), Some(c)) if (a - b).abs() <= 1e-12 * a && (a - c).abs() <= 1e-12 * a => Some(Some(b)),
        _ => None,
    }
}

/// Entry price: `base × (1 + spread·(2u − 1))`, `base` the price or a uniformly drawn point of
/// the price history.
#[inline]
fn draw_entry(g: &Generator, price: f64, rng: &mut Pcg32) -> f64 {
    let base = if g.price_history.is_empty() {
        price
    } else {
        let k = ((unit(rng) * g.price_history.len() as f64) as usize).min(g.price_history.len() - 1);
        g.price_history[k]
    };
    base * (1.0 + g.entry_spread * (2.0 * unit(rng) - 1.0))
}

/// The engine's liquidation price of an isolated linear position of `size` at `entry` with
/// `leverage`: collateral [`venue::initial_margin`] (entry notional ÷ leverage, plus the fee
/// reserve where the venue adds one), solved by [`margin::liquidation_price`].
#[inline]
fn solve(t: &mut Template, k: usize, size: f64, entry: f64, leverage: f64) -> Option<f64> {
    let model = &mut t.models[k];
    model.size = size;
    model.entry_price = entry;
    model.mark_price = entry;
    t.position.size = size;
    t.position.entry_price = entry;
    t.position.leverage = Some(leverage);
    let collateral = venue::initial_margin(&t.scenario, &t.position, model);
    margin::liquidation_price(model, collateral).map(|r| r.0)
}

/// The engine's models of one side, one per leverage bucket, and the template they came from.
struct Template {
    scenario: Scenario,
    position: Position,
    models: Vec<PositionModel>,
}

/// The leverage distribution of one side.
fn side_distribution(g: &Generator, side: Side, funding: Option<&FundingSignal>, scale: f64) -> Result<LevDist, InputErrors> {
    let (lo, hi) = crate::engine::input::LEVERAGE_RANGE;
    let sc = |l: f64| (l * scale).clamp(lo, hi);
    if let Some(ln) = &g.leverage_lognormal {
        let dist = LogNormal::new((ln.median * scale).ln(), ln.sigma)
            .map_err(|e| FieldError::new("market.generator.leverage_lognormal", e.to_string()))?;
        return Ok(LevDist::LogNormal { dist, max: ln.max.max(1.0) });
    }
    let pairs: Vec<(f64, f64)> = if !g.leverage_buckets.is_empty() {
        g.leverage_buckets
            .iter()
            .filter_map(|(k, w)| k.trim().parse::<f64>().ok().map(|l| (sc(l), *w)))
            .filter(|p| p.1 > 0.0)
            .collect()
    } else {
        let tilted = match (funding, side) {
            (Some(f), Side::Long) => f.long_buckets.clone(),
            (Some(f), Side::Short) => f.short_buckets.clone(),
            (None, _) => super::funding::tilt(&super::DEFAULT_BUCKETS, 0.0),
        };
        tilted.into_iter().map(|b| (sc(b.leverage), b.weight)).collect()
    };
    if pairs.is_empty() {
        return Err(FieldError::new("market.generator.leverage_buckets", "weights must not all be zero").into());
    }
    Ok(LevDist::buckets(&pairs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse_scenario;

    /// The scale-ratio shortcut gives the engine's per-position liquidation prices.
    #[test]
    fn ratio_shortcut_matches_per_position_solve() {
        for (venue, history) in [
            ("binance-usdm", "[90, 100, 130]"),
            ("binance-usdm", "[]"),
            ("bybit", "[]"),
            ("okx", "[90, 100, 130]"),
            ("bitmex", "[]"),
            ("deribit", "[]"),
            ("hyperliquid", "[90, 100, 130]"),
        ] {
            let s = parse_scenario(&format!(
                r#"{{"venue": "{venue}", "positions": [{{"symbol": "BTCUSDT", "size": 1, "entry_price": 100, "leverage": 5}}],
                   "market": {{"price": 100, "generator": {{"open_interest_long": 3e8, "open_interest_short": 2e8,
                   "count": 3000, "entry_spread": 0.3, "seed": 5, "price_history": {history},
                   "leverage_buckets": {{"2": 1, "10": 1, "40": 1, "125": 1}}}}}}}}"#
            ))
            .unwrap();
            let g = s.market.as_ref().unwrap().book.generator.clone().unwrap();
            let (mut fast, mut slow) = (Collector::new(100.0), Collector::new(100.0));
            generate(&s, &g, 100.0, None, 1.0, &mut fast, false).unwrap();
            generate(&s, &g, 100.0, None, 1.0, &mut slow, true).unwrap();
            // The fast path keeps runs in generation order (unless a bucket fell back to
            // solving each position); the exact one pushes every level in the same order.
            let flat = |c: &Collector| -> Vec<(f64, f64)> {
                c.long_runs.iter().flatten().chain(&c.long).chain(c.short_runs.iter().flatten()).chain(&c.short).copied().collect()
            };
            let (f, e) = (flat(&fast), flat(&slow));
            assert_eq!(f.len(), e.len(), "{venue}");
            let (mut f, mut e) = (f, e);
            f.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
            e.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
            for (a, b) in f.iter().zip(&e) {
                assert!((a.0 - b.0).abs() <= 1e-9 * b.0, "{venue}: {} vs {}", a.0, b.0);
                assert_eq!(a.1, b.1);
            }
            assert_eq!(fast.summary.already_liquidatable_long, slow.summary.already_liquidatable_long);
        }
    }
}
