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

/// Thread CPU time (`CLOCK_THREAD_CPUTIME_ID`): what the measured thread itself spent, page
/// faults included, without the time the shared host gave to other processes. The batch
/// figures below run on one thread, so on a host busy with other builds this reads close to
/// what the same code takes on an idle one, where wall time would read 2–4× that.
struct ThreadCpu;

fn thread_cpu_ns() -> u64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid, writable timespec; the clock id is a constant the OS defines.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

/// Criterion's numbers for ThreadCpu, in ns/µs/ms as for wall time.
struct CpuFormatter;

impl criterion::measurement::ValueFormatter for CpuFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (div, unit) = if typical < 1e3 { (1.0, "ns cpu") } else if typical < 1e6 { (1e3, "µs cpu") } else { (1e6, "ms cpu") };
        values.iter_mut().for_each(|v| *v /= div);
        unit
    }
    fn scale_throughputs(&self, _typical: f64, _t: &criterion::Throughput, _values: &mut [f64]) -> &'static str {
        "(no throughput)"
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

impl criterion::measurement::Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns() - start
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn criterion::measurement::ValueFormatter {
        &CpuFormatter
    }
}

/// A book of 10⁶ isolated Binance USDⓈ-M positions as columns: BTCUSDT/ETHUSDT brackets,
/// notionals 10³–10⁸·⁷, leverage 2–50x, the symbol random per row (`symbols` + codes).
struct Book {
    symbols: Vec<String>,
    symbol: Vec<u32>,
    side: Vec<f64>,
    size: Vec<f64>,
    entry: Vec<f64>,
    leverage: Vec<f64>,
}

impl Book {
    fn random() -> Book {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let mut b = Book { symbols: vec!["BTCUSDT".into(), "ETHUSDT".into()], symbol: Vec::new(), side: Vec::new(), size: Vec::new(), entry: Vec::new(), leverage: Vec::new() };
        for _ in 0..N {
            let entry: f64 = rng.gen_range(20_000.0..120_000.0);
            let notional = 10f64.powf(rng.gen_range(3.0..8.7));
            b.side.push(if rng.gen_bool(0.5) { 1.0 } else { -1.0 });
            b.size.push(notional / entry);
            b.entry.push(entry);
            b.leverage.push(rng.gen_range(2.0..50.0));
            b.symbol.push(rng.gen_range(0..2u32));
        }
        b
    }

    /// The book `tests/e2e/page.test.mjs` times through the JS API's `evaluateBatch`, row for
    /// row (its formulas), so the browser figure has a native one of the same rows.
    fn browser() -> Book {
        let symbols: Vec<String> = ["BTCUSDT", "ETHUSDT", "DOGEUSDT"].map(String::from).to_vec();
        let mut b = Book { symbols, symbol: Vec::new(), side: Vec::new(), size: Vec::new(), entry: Vec::new(), leverage: Vec::new() };
        for i in 0..N {
            b.size.push(0.01 + (i % 997) as f64 * 0.05);
            b.entry.push(1000.0 + (i % 6007) as f64 * 10.0);
            b.leverage.push(2.0 + (i % 49) as f64);
            b.side.push(if i % 2 == 1 { -1.0 } else { 1.0 });
            b.symbol.push((i % 3) as u32);
        }
        b
    }

    fn columns(&self) -> leverlab::engine::batch::Columns<'_> {
        leverlab::engine::batch::Columns {
            symbols: &self.symbols,
            symbol: &self.symbol,
            side: &self.side,
            size: &self.size,
            entry_price: &self.entry,
            leverage: &self.leverage,
            ..Default::default()
        }
    }
}

/// The batch path: 10⁶ isolated Binance USDⓈ-M positions as columns through
/// `evaluate_columns` — the gate, model, solver, bankruptcy price and margins per row, the
/// path the JS `evaluateBatch` and Python's `liquidation_prices` take — on one thread (the
/// wasm's case) and on every core (`evaluate_columns`' default natively), into new output
/// columns (a first call) and into reused ones (`evaluate_columns_into`). Baseline in the same
/// run: the shortcut `entry × (1 − side/L + side × mmr)` over the same columns, written out.
fn batch<M: criterion::measurement::Measurement>(c: &mut Criterion<M>, name: &str, book: &Book, threads_too: bool) {
    use leverlab::engine::batch::{evaluate_columns, evaluate_columns_into, evaluate_columns_on, OutColumns};
    let columns = book.columns();
    let (side, entry, lev) = (&book.side, &book.entry, &book.leverage);
    let mut g = c.benchmark_group(name);
    g.sample_size(10);
    let mut shortcut = vec![0.0; N];
    g.bench_function("baseline entry*(1-side/L+side*mmr)", |b| {
        b.iter(|| {
            for i in 0..N {
                shortcut[i] = entry[i] * (1.0 - side[i] / lev[i] + side[i] * 0.004);
            }
            black_box(&mut shortcut);
        })
    });
    g.bench_function("evaluate_columns, one thread (gate + model + solve + margins)", |b| {
        b.iter(|| black_box(evaluate_columns_on(Venue::BinanceUsdm, black_box(&columns), 1).map(|o| o.liquidation_price.len())))
    });
    let mut out = OutColumns::default();
    g.bench_function("evaluate_columns_into reused columns, one thread", |b| {
        b.iter(|| black_box(evaluate_columns_into(Venue::BinanceUsdm, black_box(&columns), 1, &mut out)))
    });
    if threads_too {
        g.bench_function("evaluate_columns, every core", |b| {
            b.iter(|| black_box(evaluate_columns(Venue::BinanceUsdm, black_box(&columns)).map(|o| o.liquidation_price.len())))
        });
    }
    g.finish();
}

fn batch_wall(c: &mut Criterion) {
    batch(c, "batch_1e6", &Book::random(), true);
}

fn batch_cpu(c: &mut Criterion<ThreadCpu>) {
    batch(c, "batch_1e6_cpu", &Book::random(), false);
    batch(c, "batch_1e6_browser_book_cpu", &Book::browser(), false);
    let mut one = Book::random();
    one.symbol.iter_mut().for_each(|k| *k = 0);
    batch(c, "batch_1e6_one_symbol_cpu", &one, false);
}

criterion_group!(benches, isolated, cross, batch_wall);
criterion_group! {
    name = cpu;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = batch_cpu
}
criterion_main!(benches, cpu);
