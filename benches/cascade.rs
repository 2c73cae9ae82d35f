//! Speed of the market pipeline the page runs: generate 10⁶ positions (liquidation levels from
//! the venue engine, sorted once), build the map, sweep 200 shocks. Figures are reported as
//! ratios to a baseline measured in the same run: sorting 10⁶ random f64 with `sort_unstable`.
//!
//! Run briefly on a shared machine:
//! `cargo bench --bench cascade -- --warm-up-time 1 --measurement-time 3`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use leverlab::engine::cascade::{liquidation_map, market_levels, sweep, Impact, SweepOptions};
use leverlab::engine::parse_scenario;

const N: usize = 1_000_000;

fn scenario() -> leverlab::engine::Scenario {
    parse_scenario(&format!(
        r#"{{"venue": "binance-usdm", "positions": [{{"symbol": "BTCUSDT", "side": "long", "size": 1, "entry_price": 100, "leverage": 20}}],
           "market": {{"price": 100.0,
             "generator": {{"open_interest_long": 1e9, "open_interest_short": 8e8,
                           "leverage_buckets": {{"5": 0.3, "10": 0.3, "25": 0.2, "50": 0.15, "100": 0.05}},
                           "entry_spread": 0.1, "seed": 7, "count": {N}}},
             "depth": {{"model": "linear", "notional_per_pct": 4e6}}}}}}"#
    ))
    .expect("bench scenario parses")
}

fn bench(c: &mut Criterion) {
    let s = scenario();
    let depth = s.market.as_ref().and_then(|m| m.book.depth.clone()).expect("depth");
    let impact = Impact::new(&depth);
    let sweep_200 = SweepOptions { max_shock: 0.3, steps: 100, threshold: 2.0 };
    let levels = market_levels(&s, &[], 1.0).expect("levels");

    let mut g = c.benchmark_group("cascade");
    g.sample_size(10);
    // Baseline: sort 10⁶ pseudo-random f64 (a fixed LCG, so every run sorts the same data).
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let data: Vec<f64> = (0..N)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (x >> 11) as f64
        })
        .collect();
    g.bench_function("baseline_sort_1e6_f64", |b| {
        b.iter(|| {
            let mut v = data.clone();
            v.sort_unstable_by(|a, b| a.total_cmp(b));
            black_box(v[0])
        })
    });
    g.bench_function("generate_1e6", |b| b.iter(|| black_box(market_levels(&s, &[], 1.0).expect("levels"))));
    g.bench_function("map_150_bins", |b| b.iter(|| black_box(liquidation_map(&levels, 150, 0.5, vec![]).expect("map"))));
    g.bench_function("sweep_200_shocks", |b| b.iter(|| black_box(sweep(&levels, &impact, &sweep_200).expect("sweep"))));
    g.bench_function("pipeline_generate_map_sweep", |b| {
        b.iter(|| {
            let l = market_levels(&s, &[], 1.0).expect("levels");
            let m = liquidation_map(&l, 150, 0.5, vec![]).expect("map");
            let w = sweep(&l, &impact, &sweep_200).expect("sweep");
            black_box((m.long_notional.len(), w.down.critical))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
