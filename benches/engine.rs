//! Engine speed: 10⁶ isolated positions (mixed venues, contracts and tier tables) and a
//! 20-position cross account whose liquidation prices re-solve across tiers.
//!
//! Run: `cargo bench --bench engine -- --warm-up-time 1 --measurement-time 3`.
//! Figures are compared with a baseline measured in the same run: the common shortcut
//! `entry × (1 − 1/L + mmr)` over the same inputs (no tiers, no venue rules).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use leverlab::engine::{
    evaluate, margin, venue, Contract, MarginMode, Position, Scenario, Side, Venue,
};
use rand::{Rng, SeedableRng};

const N: usize = 1_000_000;

/// A venue, a symbol with a shipped table there, and the contract it trades as.
const MIX: [(Venue, &str, Contract); 12] = [
    (Venue::BinanceUsdm, "BTCUSDT", Contract::Linear),
    (Venue::BinanceUsdm, "ETHUSDT", Contract::Linear),
    (Venue::BinanceCoinm, "BTCUSD", Contract::Inverse),
    (Venue::Bybit, "BTCUSDT", Contract::Linear),
    (Venue::Bybit, "BTCUSD", Contract::Inverse),
    (Venue::Okx, "BTC-USDT-SWAP", Contract::Linear),
    (Venue::Gate, "BTC_USDT", Contract::Linear),
    (Venue::Hyperliquid, "BTC", Contract::Linear),
    (Venue::Dydx, "ETH-USD", Contract::Linear),
    (Venue::Bitmex, "XBTUSD", Contract::Inverse),
    (Venue::Deribit, "BTC-PERPETUAL", Contract::Inverse),
    (Venue::Generic, "X", Contract::Linear),
];

fn scenario_for(venue: Venue, mode: MarginMode) -> Scenario {
    Scenario { version: 1, venue, margin_mode: mode, wallet_balance: None, wallet_balances: None, positions: Vec::new(), market: None, lending: None, vault: None, auction: None, now: None, portfolio_margin: None, collateral: None, analyses: None }
}

/// 10⁶ positions with notionals from 1k to 500M (so tiers vary), leverage 2–50x.
fn positions() -> Vec<(usize, Position)> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    (0..N)
        .map(|_| {
            let k = rng.gen_range(0..MIX.len());
            let (_, symbol, contract) = MIX[k];
            let entry: f64 = rng.gen_range(20_000.0..120_000.0);
            let notional = 10f64.powf(rng.gen_range(3.0..8.7));
            let p = Position {
                symbol: symbol.to_string(),
                contract: Some(contract),
                side: if rng.gen_bool(0.5) { Side::Long } else { Side::Short },
                size: match contract {
                    Contract::Linear => notional / entry,
                    Contract::Inverse => notional,
                },
                entry_price: entry,
                mark_price: Some(entry * rng.gen_range(0.95..1.05)),
                leverage: Some(rng.gen_range(2.0..50.0)),
                ..Position::default()
            };
            (k, p)
        })
        .collect()
}

fn isolated(c: &mut Criterion) {
    let ps = positions();
    let scenarios: Vec<Scenario> = MIX.iter().map(|(v, _, _)| scenario_for(*v, MarginMode::Isolated)).collect();
    let models: Vec<(venue::PositionModel, f64)> = ps
        .iter()
        .enumerate()
        .map(|(i, (k, p))| {
            let m = venue::position_model(&scenarios[*k], i, p).expect("valid");
            let im = venue::initial_margin(&scenarios[*k], p, &m);
            (m, im)
        })
        .collect();
    let mut g = c.benchmark_group("isolated_1e6");
    g.sample_size(10);
    g.bench_function("baseline entry*(1-1/L+mmr)", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for (m, _) in &models {
                let l = black_box(10.0);
                let mmr = m.tiers[0].mmr;
                acc += m.entry_price * (1.0 - m.side / l + m.side * mmr);
            }
            black_box(acc)
        })
    });
    g.bench_function("solve (prebuilt models)", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for (m, im) in &models {
                if let Some((lp, _)) = margin::liquidation_price(m, *im) {
                    acc += lp;
                }
            }
            black_box(acc)
        })
    });
    g.bench_function("model + initial margin + solve", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for (i, (k, p)) in ps.iter().enumerate() {
                let s = &scenarios[*k];
                let Ok(m) = venue::position_model(s, i, p) else { continue };
                let im = venue::initial_margin(s, p, &m);
                if let Some((lp, _)) = margin::liquidation_price(&m, im) {
                    acc += lp;
                }
            }
            black_box(acc)
        })
    });
    g.finish();
}

/// 20 BTCUSDT/ETHUSDT longs on Binance USDⓈ-M cross, each just above a bracket floor, with a
/// wallet of total maintenance + 0.2 % of total notional, so each liquidation price (others at
/// mark) lies a few per cent below the mark and re-solves in the bracket below.
fn cross_account() -> Scenario {
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    const FLOORS: [f64; 3] = [600_000.0, 3_000_000.0, 12_000_000.0];
    let positions: Vec<Position> = (0..20)
        .map(|i| {
            let (symbol, entry) = if i % 2 == 0 { ("BTCUSDT", 60_000.0) } else { ("ETHUSDT", 3_000.0) };
            let notional = FLOORS[i % 3] * rng.gen_range(1.002..1.02);
            Position { symbol: symbol.to_string(), size: notional / entry, entry_price: entry, ..Position::default() }
        })
        .collect();
    let mut s = Scenario { wallet_balance: Some(0.0), positions, ..scenario_for(Venue::BinanceUsdm, MarginMode::Cross) };
    let r = evaluate(&s).expect("valid");
    let total: f64 = r.positions.iter().map(|p| p.notional).sum();
    s.wallet_balance = Some(r.account.total_maintenance_margin + 0.002 * total);
    s
}

fn cross(c: &mut Criterion) {
    let s = cross_account();
    let r = evaluate(&s).expect("valid");
    let resolved = r.positions.iter().filter(|p| p.liquidation_tier.is_some_and(|t| t != p.tier)).count();
    eprintln!("cross_20: {resolved} of 20 liquidation prices re-solved in another tier than at mark");
    let mut g = c.benchmark_group("cross_20");
    g.bench_function("liquidation prices (others at mark)", |b| {
        b.iter(|| {
            let s = black_box(&s);
            let models: [Option<venue::PositionModel>; 20] =
                std::array::from_fn(|i| venue::position_model(s, i, &s.positions[i]).ok());
            let mut others = [0.0; 20];
            let mut total = 0.0;
            for (i, m) in models.iter().enumerate() {
                let m = m.as_ref().expect("model");
                let x = margin::pnl(m, m.mark_price) - margin::maintenance_margin(m, m.mark_price).0;
                others[i] = x;
                total += x;
            }
            let wallet = s.wallet_balance.unwrap_or(0.0);
            let mut acc = 0.0;
            for (i, m) in models.iter().enumerate() {
                let m = m.as_ref().expect("model");
                if let Some((lp, _)) = margin::liquidation_price(m, wallet + total - others[i]) {
                    acc += lp;
                }
            }
            black_box(acc)
        })
    });
    g.bench_function("evaluate (full Report, account moves)", |b| b.iter(|| black_box(evaluate(black_box(&s)))));
    g.finish();
}

/// The batch path: 10⁶ isolated Binance USDⓈ-M positions (BTCUSDT/ETHUSDT brackets, notionals
/// 10³–10⁸·⁷, leverage 2–50x) as columns through `evaluate_columns` — validation, model, solver,
/// bankruptcy price and margins per row, the path the CLI's streaming mode, the JS
/// `evaluateBatch` and Python's `liquidation_prices` take — on one thread (the CLI's and the
/// wasm's case) and on every core (`evaluate_columns`' default natively). Baseline in the same
/// run: the shortcut `entry × (1 − side/L + side × mmr)` over the same columns.
fn batch(c: &mut Criterion) {
    use leverlab::engine::batch::{evaluate_columns, evaluate_columns_on, Columns};
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let symbols = vec!["BTCUSDT".to_string(), "ETHUSDT".to_string()];
    let mut cols: [Vec<f64>; 4] = Default::default();
    let mut symbol = Vec::with_capacity(N);
    for _ in 0..N {
        let entry: f64 = rng.gen_range(20_000.0..120_000.0);
        let notional = 10f64.powf(rng.gen_range(3.0..8.7));
        cols[0].push(if rng.gen_bool(0.5) { 1.0 } else { -1.0 });
        cols[1].push(notional / entry);
        cols[2].push(entry);
        cols[3].push(rng.gen_range(2.0..50.0));
        symbol.push(rng.gen_range(0..2u32));
    }
    let [side, size, entry, lev] = &cols;
    let columns = Columns { symbols: &symbols, symbol: &symbol, side, size, entry_price: entry, leverage: lev, ..Columns::default() };
    let mut g = c.benchmark_group("batch_1e6");
    g.sample_size(10);
    g.bench_function("baseline entry*(1-side/L+side*mmr)", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for i in 0..N {
                acc += entry[i] * (1.0 - side[i] / black_box(lev[i]) + side[i] * 0.004);
            }
            black_box(acc)
        })
    });
    g.bench_function("evaluate_columns, one thread (validate + model + solve + margins)", |b| {
        b.iter(|| black_box(evaluate_columns_on(Venue::BinanceUsdm, black_box(&columns), 1).map(|o| o.liquidation_price.len())))
    });
    g.bench_function("evaluate_columns, every core", |b| {
        b.iter(|| black_box(evaluate_columns(Venue::BinanceUsdm, black_box(&columns)).map(|o| o.liquidation_price.len())))
    });
    g.finish();
}

criterion_group!(benches, isolated, cross, batch);
criterion_main!(benches);
