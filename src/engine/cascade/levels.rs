//! The market's liquidation levels: every position's liquidation price from the `eval` engine,
//! sorted once per side, with prefix sums so that "how much is liquidated if the price reaches
//! P" is one binary search.

use super::funding::FundingSignal;
use super::collect::{default_symbol, engine_position, template_scenario, Collector};
pub use super::collect::LevelSummary;
use super::{generate, validate_position, MarketPosition};
use crate::engine::input::{FieldError, InputErrors};
use crate::engine::scenario::{Scenario, Side, Venue};

/// One side's liquidation levels, in the order a move reaches them: longs from the highest
/// liquidation price down, shorts from the lowest up.
///
/// Stored as keys `k = s·LP` (`s` = +1 long, −1 short) sorted descending, so for both sides the
/// levels reached at price `P` are those with `k ≥ s·P`, a prefix of the keys; `cum_notional[j]`
/// and `cum_size[j]` are the quote notional (`size × LP`, valued at the liquidation price) and
/// base size of the first `j` levels.
#[derive(Clone, Debug, PartialEq)]
pub struct SideBook {
    sign: f64,
    keys: Vec<f64>,
    cum_notional: Vec<f64>,
    cum_size: Vec<f64>,
}

impl SideBook {
    /// Builds one side's book from `runs` of `(liquidation price, size)` pairs, each already in
    /// reach order, and `extra` pairs in any order: the extras are sorted, the runs merged
    /// (a scan of the run heads; more than 16 runs are sorted together instead), then the prefix
    /// sums built.
    pub(crate) fn new(side: Side, runs: Vec<Vec<(f64, f64)>>, extra: Vec<(f64, f64)>) -> SideBook {
        let sign = side.sign();
        let to_keys = |mut v: Vec<(f64, f64)>| {
            for l in &mut v {
                l.0 *= sign;
            }
            v
        };
        let mut runs: Vec<Vec<(f64, f64)>> = runs.into_iter().filter(|r| !r.is_empty()).map(to_keys).collect();
        let extra = to_keys(extra);
        if runs.len() > 16 {
            let mut all = extra;
            for r in runs.drain(..) {
                all.extend(r);
            }
            runs.push(sort_descending(all));
        } else if !extra.is_empty() {
            runs.push(sort_descending(extra));
        }
        let n: usize = runs.iter().map(Vec::len).sum();
        let mut keys = Vec::with_capacity(n);
        let mut cum_notional = Vec::with_capacity(n + 1);
        let mut cum_size = Vec::with_capacity(n + 1);
        let (mut nsum, mut qsum) = (0.0, 0.0);
        cum_notional.push(0.0);
        cum_size.push(0.0);
        merge_descending(&runs, |(k, size)| {
            keys.push(k);
            nsum += size * k * sign;
            qsum += size;
            cum_notional.push(nsum);
            cum_size.push(qsum);
        });
        SideBook { sign, keys, cum_notional, cum_size }
    }

    /// Number of levels.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Number of levels reached when the price is at `price`: longs with LP ≥ price, shorts with
    /// LP ≤ price. One binary search.
    #[inline(always)]
    pub fn reached(&self, price: f64) -> usize {
        let k = self.sign * price;
        self.keys.partition_point(|&x| x >= k)
    }

    /// True when level `j` (0-based, in reach order) is reached at `price`.
    #[inline(always)]
    pub fn is_reached(&self, j: usize, price: f64) -> bool {
        self.keys[j] >= self.sign * price
    }

    /// Liquidation price of level `j` (0-based, in reach order).
    #[inline(always)]
    pub fn price(&self, j: usize) -> f64 {
        self.sign * self.keys[j]
    }

    /// Quote notional (at the liquidation prices) of the first `j` levels.
    #[inline(always)]
    pub fn notional(&self, j: usize) -> f64 {
        self.cum_notional[j]
    }

    /// Base size of the first `j` levels.
    #[inline(always)]
    pub fn size(&self, j: usize) -> f64 {
        self.cum_size[j]
    }

    /// Quote notional of every level.
    pub fn total_notional(&self) -> f64 {
        self.cum_notional[self.keys.len()]
    }
}

/// Visits the pairs of runs sorted by key (descending) in merged order, by scanning the run
/// heads (no merged copy is made). Keys are finite, so −∞ marks an exhausted run.
fn merge_descending(runs: &[Vec<(f64, f64)>], mut visit: impl FnMut((f64, f64))) {
    if let [run] = runs {
        run.iter().copied().for_each(visit);
        return;
    }
    let total: usize = runs.iter().map(Vec::len).sum();
    let mut heads = vec![0usize; runs.len()];
    let mut head_keys: Vec<f64> = runs.iter().map(|r| r.first().map_or(f64::NEG_INFINITY, |x| x.0)).collect();
    for _ in 0..total {
        let mut best = 0;
        for r in 1..head_keys.len() {
            if head_keys[r] > head_keys[best] {
                best = r;
            }
        }
        let run = &runs[best];
        let Some(&x) = run.get(heads[best]) else { break };
        visit(x);
        heads[best] += 1;
        head_keys[best] = run.get(heads[best]).map_or(f64::NEG_INFINITY, |x| x.0);
    }
}

/// Sorts `(key, size)` pairs by key, descending, in `O(n)` for spread-out keys: one bucket per
/// element over `[min, max]` (a counting pass and a scatter pass), then each bucket sorted on
/// its own (insertion sort when small, `sort_unstable_by` otherwise, so clustered keys cost no
/// more than a comparison sort). It avoids a comparison sort over 10⁶ elements, which is slow in
/// a size-optimised wasm build.
fn sort_descending(mut v: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let n = v.len();
    let desc = |a: &(f64, f64), b: &(f64, f64)| b.0.total_cmp(&a.0);
    let (lo, hi) = v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x.0), hi.max(x.0)));
    let scale = (n as f64 - 1.0) / (hi - lo);
    if n < 64 || !(scale.is_finite() && scale > 0.0) {
        v.sort_unstable_by(desc);
        return v;
    }
    // Bucket of each key: 0 for the largest, n − 1 for the smallest.
    let bucket: Vec<u32> = v.iter().map(|x| (((hi - x.0) * scale) as usize).min(n - 1) as u32).collect();
    let mut start = vec![0u32; n + 1];
    for &b in &bucket {
        start[b as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut out = vec![(0.0, 0.0); n];
    let mut next = start.clone();
    for (x, &b) in v.into_iter().zip(&bucket) {
        out[next[b as usize] as usize] = x;
        next[b as usize] += 1;
    }
    for b in 0..n {
        let part = &mut out[start[b] as usize..start[b + 1] as usize];
        match part.len() {
            0 | 1 => {}
            2..=16 => {
                for i in 1..part.len() {
                    let mut j = i;
                    while j > 0 && part[j - 1].0 < part[j].0 {
                        part.swap(j - 1, j);
                        j -= 1;
                    }
                }
            }
            _ => part.sort_unstable_by(desc),
        }
    }
    out
}


/// The market's liquidation levels, ready for the map and the cascade.
#[derive(Clone, Debug, PartialEq)]
pub struct MarketLevels {
    /// Reference price P₀ that shocks are relative to.
    pub price: f64,
    pub long: SideBook,
    pub short: SideBook,
    pub summary: LevelSummary,
    /// The funding/basis signal, when funding or basis was given.
    pub funding: Option<FundingSignal>,
    /// The loans' levels alone (also in `long` and `short`), for the map's loan series.
    pub loan_long: SideBook,
    pub loan_short: SideBook,
}

impl MarketLevels {
    /// Quote notional liquidated if the price moves from the reference price to `x` (longs for
    /// `x` below it, shorts above it): the page's "liquidatable between here and X".
    pub fn liquidatable_between(&self, x: f64) -> f64 {
        if !x.is_finite() {
            return 0.0;
        }
        if x < self.price {
            self.long.notional(self.long.reached(x))
        } else {
            self.short.notional(self.short.reached(x))
        }
    }

    /// The book on the side a move in `direction` liquidates.
    pub fn book(&self, up: bool) -> &SideBook {
        if up {
            &self.short
        } else {
            &self.long
        }
    }
}


impl Collector {
    fn finish(self, funding: Option<FundingSignal>) -> Result<MarketLevels, InputErrors> {
        let long = SideBook::new(Side::Long, self.long_runs, self.long);
        let short = SideBook::new(Side::Short, self.short_runs, self.short);
        let loan_long = SideBook::new(Side::Long, self.loan_long_runs, Vec::new());
        let loan_short = SideBook::new(Side::Short, self.loan_short_runs, Vec::new());
        let mut summary = self.summary;
        summary.loan_long_levels = loan_long.len();
        summary.loan_short_levels = loan_short.len();
        summary.loan_long_notional = loan_long.total_notional();
        summary.loan_short_notional = loan_short.total_notional();
        summary.long_levels = long.len();
        summary.short_levels = short.len();
        summary.long_level_notional = long.total_notional();
        summary.short_level_notional = short.total_notional();
        let totals = [
            summary.long_open_interest,
            summary.short_open_interest,
            summary.long_level_notional,
            summary.short_level_notional,
            long.size(long.len()),
            short.size(short.len()),
        ];
        if totals.iter().any(|t| !t.is_finite()) {
            return Err(FieldError::new("market", "the market positions' total notional is too large to represent").into());
        }
        Ok(MarketLevels { price: self.price, long, short, summary, funding, loan_long, loan_short })
    }
}

/// The reference price P₀: `market.price`, else the first user position's mark (or entry) price.
///
/// # Errors
/// `market.price` when neither is given or the value is not a finite positive number.
pub fn reference_price(s: &Scenario) -> Result<f64, InputErrors> {
    let p = s
        .market
        .as_ref()
        .and_then(|m| m.book.price)
        .or_else(|| s.positions.first().map(|p| p.mark_price.unwrap_or(p.entry_price)));
    match p {
        Some(p) if p.is_finite() && p > 0.0 => Ok(p),
        Some(_) => Err(FieldError::new("market.price", "must be a finite number > 0").into()),
        None => Err(FieldError::new("market.price", "required when the Scenario has no position to take the price from").into()),
    }
}




/// Builds the market's liquidation levels: the Scenario's `market.positions`, the `imported`
/// ones (e.g. from [`super::parse_positions_csv`]), and the generator's, with every leverage
/// multiplied by `leverage_scale` (clamped to 1..1000; 1 = as given).
///
/// Given positions with `leverage` are evaluated by [`crate::engine::evaluate`] as isolated
/// linear positions of their venue (batched per venue), so their liquidation prices are `eval`'s,
/// tiers, fees and venue rules counted. Positions already liquidatable at the reference price
/// are left off the map (counted in the summary).
///
/// # Errors
/// The Scenario's own validation errors; `imported[i].…` for a bad imported position; the
/// engine's errors re-pathed to the market position; `market.price` when no price is known.
pub fn market_levels(s: &Scenario, imported: &[MarketPosition], leverage_scale: f64) -> Result<MarketLevels, InputErrors> {
    s.validate()?;
    if !leverage_scale.is_finite() || leverage_scale <= 0.0 {
        return Err(FieldError::new("leverage_scale", "must be a finite number > 0").into());
    }
    let mut errors = Vec::new();
    for (i, p) in imported.iter().enumerate() {
        validate_position(p, &format!("imported[{i}]"), &mut errors);
    }
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    let price = reference_price(s)?;
    let book = s.market.as_ref().map(|m| &m.book);
    let mut out = Collector::new(price);

    let given: Vec<(String, &MarketPosition)> = book
        .map(|b| b.positions.iter().enumerate().map(|(i, p)| (format!("market.positions[{i}]"), p)).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(imported.iter().enumerate().map(|(i, p)| (format!("imported[{i}]"), p)))
        .collect();
    given_levels(s, &given, leverage_scale, &mut out)?;
    out.summary.given = given.len();
    if let Some(b) = book {
        out.push_loans(&b.loans);
        if let Some(g) = &b.loan_generator {
            out.push_loans(&g.generate(price));
        }
    }

    let funding = super::funding::signal_of(s);
    if let Some(g) = book.and_then(|b| b.generator.as_ref()) {
        generate::generate(s, g, price, funding.as_ref(), leverage_scale, &mut out, false)?;
        out.summary.generated = g.count;
    }
    out.finish(funding)
}

/// Liquidation prices of given positions: as given, or from `evaluate` per venue batch.
fn given_levels(s: &Scenario, given: &[(String, &MarketPosition)], scale: f64, out: &mut Collector) -> Result<(), InputErrors> {
    let symbol = default_symbol(s);
    let mut batches: Vec<(Venue, Vec<usize>)> = Vec::new();
    for (i, (_, p)) in given.iter().enumerate() {
        if let Some(lp) = p.liquidation_price {
            out.push(p.side, p.size, p.entry_price, Some(lp));
        } else {
            let v = p.venue.unwrap_or(s.venue);
            match batches.iter_mut().find(|b| b.0 == v) {
                Some(b) => b.1.push(i),
                None => batches.push((v, vec![i])),
            }
        }
    }
    let mut errors = Vec::new();
    for (venue, idx) in batches {
        let mut sc = template_scenario(s, venue);
        sc.positions = idx
            .iter()
            .map(|&i| {
                let p = given[i].1;
                let (lo, hi) = crate::engine::input::LEVERAGE_RANGE;
                let lev = (p.leverage.unwrap_or(1.0) * scale).clamp(lo, hi);
                engine_position(p.symbol.as_deref().unwrap_or(&symbol), p.side, p.size, p.entry_price, lev, None)
            })
            .collect();
        match crate::engine::evaluate(&sc) {
            Ok(report) => {
                for (k, &i) in idx.iter().enumerate() {
                    let p = given[i].1;
                    let lp = report.positions.get(k).and_then(|r| r.liquidation_price);
                    out.push(p.side, p.size, p.entry_price, lp);
                }
            }
            Err(e) => errors.extend(e.0.into_iter().map(|f| repath(f, &idx, given))),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(InputErrors(errors))
    }
}

/// Maps an error about `positions[k]` of a venue batch back to the market position's own path.
fn repath(f: FieldError, idx: &[usize], given: &[(String, &MarketPosition)]) -> FieldError {
    if let Some(rest) = f.path.strip_prefix("positions[") {
        if let Some((k, tail)) = rest.split_once(']') {
            if let Some(&i) = k.parse::<usize>().ok().and_then(|k| idx.get(k)) {
                return FieldError::new(format!("{}{}", given[i].0, tail), f.message);
            }
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_sort_orders_like_a_comparison_sort() {
        // Spread keys, clustered keys, equal keys, a lone outlier.
        let mut x = 12345u64;
        let mut rnd = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let cases: Vec<Vec<f64>> = vec![
            (0..5000).map(|_| 50.0 + 100.0 * rnd()).collect(),
            (0..5000).map(|i| if i % 2 == 0 { 80.0 + 1e-9 * rnd() } else { 90.0 }).collect(),
            vec![42.0; 300],
            (0..300).map(|i| if i == 7 { 1e12 } else { 1.0 + rnd() }).collect(),
        ];
        for keys in cases {
            let v: Vec<(f64, f64)> = keys.iter().map(|&k| (k, k * 2.0)).collect();
            let mut want = v.clone();
            want.sort_by(|a, b| b.0.total_cmp(&a.0));
            let got = sort_descending(v);
            assert_eq!(got.iter().map(|p| p.0).collect::<Vec<_>>(), want.iter().map(|p| p.0).collect::<Vec<_>>());
            assert!(got.iter().all(|p| p.1 == p.0 * 2.0), "pairs stay together");
        }
    }
}
