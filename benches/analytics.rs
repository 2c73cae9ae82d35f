//! Speed of the risk analytics.
//!
//! * `closed_form/1e4`: the first-passage closed form for 10⁴ barriers (target ≤ 5 ms).
//! * `probability/1e4_positions`: the whole `probability` analysis of an isolated Scenario with
//!   10⁴ positions, against `evaluate` of the same Scenario (the baseline it builds on).
//! * `monte_carlo/1e5x1000`: 10⁵ paths × 1,000 steps, one symbol, Brownian bridge, against
//!   drawing the same 10⁸ standard normals from the same generator (the floor of any
//!   simulation of that size).
//!
//! Run briefly on a shared machine:
//! `cargo bench --bench analytics -- --warm-up-time 1 --measurement-time 3`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha12Rng;
use rand_distr::StandardNormal;

use leverlab::engine::analytics::montecarlo::{self, Barrier, McSetup};
use leverlab::engine::analytics::passage::hit_probability;
use leverlab::engine::analytics::probability::{self, ProbabilitySettings};
use leverlab::engine::analytics::Tail;
use leverlab::engine::{evaluate, parse_scenario, Scenario};

fn many_positions(n: usize) -> Scenario {
    let positions: Vec<String> = (0..n)
        .map(|i| {
            let side = if i % 2 == 0 { "long" } else { "short" };
            let lev = 2 + i % 50;
            let size = 0.01 + (i % 97) as f64 * 0.01;
            format!(r#"{{"symbol":"BTCUSDT","side":"{side}","size":{size},"entry_price":100000,"mark_price":99000,"leverage":{lev}}}"#)
        })
        .collect();
    let json = format!(
        r#"{{"venue":"binance-usdm","positions":[{}],"market":{{"volatility":{{"BTCUSDT":0.6}},"drift":0.05}}}}"#,
        positions.join(",")
    );
    parse_scenario(&json).expect("bench scenario parses")
}

fn closed_form(c: &mut Criterion) {
    let inputs: Vec<(f64, f64, f64, f64)> = (0..10_000)
        .map(|i| {
            let x = i as f64 / 10_000.0;
            let b = if i % 2 == 0 { -0.01 - 0.3 * x } else { 0.01 + 0.3 * x };
            (b, -0.2 + 0.4 * x, 0.2 + x, (1.0 + 30.0 * x) / 365.0)
        })
        .collect();
    c.bench_function("closed_form/1e4", |bch| {
        bch.iter(|| inputs.iter().map(|&(b, nu, s, t)| hit_probability(b, nu, s, t)).sum::<f64>())
    });
    let s = many_positions(10_000);
    let settings = ProbabilitySettings { horizon_days: 7.0, monte_carlo: None, curves: false, ignore_funding: false };
    c.bench_function("evaluate/1e4_positions", |bch| bch.iter(|| evaluate(black_box(&s)).unwrap()));
    c.bench_function("probability/1e4_positions", |bch| {
        bch.iter(|| probability::probability(black_box(&s), &settings).unwrap())
    });
}

fn monte_carlo(c: &mut Criterion) {
    let setup = McSetup::new(
        vec!["BTCUSDT".into()],
        vec![0.6],
        0.0,
        &[vec![1.0]],
        Tail::Normal,
        None,
        7.0 / 365.0,
        1_000,
        1,
        true,
        vec![(0, Barrier::At((0.905f64).ln()))],
    )
    .unwrap();
    let mut g = c.benchmark_group("monte_carlo");
    g.sample_size(10);
    g.bench_function("1e5x1000", |bch| bch.iter(|| montecarlo::simulate(black_box(&setup), 0, 100_000).unwrap()));
    g.bench_function("normals_1e8", |bch| {
        bch.iter(|| {
            let mut rng = ChaCha12Rng::seed_from_u64(1);
            (0..100_000_000u64).map(|_| rng.sample::<f64, _>(StandardNormal)).sum::<f64>()
        })
    });
    g.finish();
}

criterion_group!(benches, closed_form, monte_carlo);
criterion_main!(benches);
