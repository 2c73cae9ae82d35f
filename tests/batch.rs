//! The batch path and `eval`'s book formats: the same numbers as `evaluate` position by
//! position (generated books, linear and inverse, every venue), CSV / NDJSON / JSON agreeing
//! through the binary, bad rows named by line and field, and streaming in constant memory.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use leverlab::engine::batch::{evaluate_columns, BookEvaluator, Columns, RowOptions, Totals};
use leverlab::engine::{evaluate, Contract, MarginMode, Position, Scenario, Side, Venue};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_leverlab");
const SYMBOLS: [&str; 8] = ["BTCUSDT", "ETHUSDT", "BTCUSD", "BTC", "ETH", "XBTUSD", "BTC-PERPETUAL", "DOGEUSDT"];

fn log_uniform(lo: f64, hi: f64) -> impl Strategy<Value = f64> {
    (lo.ln()..hi.ln()).prop_map(f64::exp)
}

/// One isolated position: notionals from 10 to 2·10⁹ (tiers crossed), leverage or margin,
/// sometimes a rate, fee or max-leverage override.
fn position_s() -> impl Strategy<Value = Position> {
    (
        proptest::sample::select(SYMBOLS.to_vec()),
        prop_oneof![Just(None), Just(Some(Contract::Linear)), Just(Some(Contract::Inverse))],
        prop_oneof![Just(Side::Long), Just(Side::Short)],
        log_uniform(10.0, 2e9),
        log_uniform(0.01, 1e6),
        prop_oneof![Just(None), (0.4f64..1.6).prop_map(Some)],
        prop_oneof![(1.0f64..125.0).prop_map(|l| (Some(l), None)), (0.01f64..1.0).prop_map(|m| (None, Some(m)))],
        prop_oneof![4 => Just((None, None, None)), 1 => (0.001f64..0.2, 0.0f64..0.002).prop_map(|(r, f)| (Some(r), None, Some(f))), 1 => (1.0f64..100.0).prop_map(|l| (None, Some(l), None))],
    )
        .prop_map(|(symbol, contract, side, notional, entry, mark, (leverage, margin_frac), (mmr, max_leverage, taker_fee))| {
            let linear = contract != Some(Contract::Inverse);
            let size = if linear { notional / entry } else { notional };
            Position {
                symbol: symbol.to_string(),
                contract,
                side,
                size,
                entry_price: entry,
                mark_price: mark.map(|r| entry * r),
                leverage,
                // A margin as a fraction of the position's value in its settlement asset.
                margin: margin_frac.map(|f| f * if linear { notional } else { notional / entry }),
                mmr,
                max_leverage,
                taker_fee,
                ..Position::default()
            }
        })
}

fn book_s(max: usize) -> impl Strategy<Value = Scenario> {
    (proptest::sample::select(Venue::ALL.to_vec()), proptest::collection::vec(position_s(), 1..max)).prop_map(
        |(venue, positions)| {
            // A venue whose usual contract differs gets the position's explicit contract; a
            // book with `None` contract keeps the venue's.
            Scenario { version: 2, venue, margin_mode: MarginMode::Isolated, wallet_balance: None, wallet_balances: None, positions, market: None, lending: None, vault: None, auction: None, now: None, portfolio_margin: None, collateral: None, analyses: None }
        },
    )
}

fn fill(ev: &mut BookEvaluator, p: &Position) {
    let rest = RowOptions {
        mark_price: p.mark_price,
        leverage: p.leverage,
        margin: p.margin,
        mmr: p.mmr,
        maint_amount: p.maint_amount,
        max_leverage: p.max_leverage,
        taker_fee: p.taker_fee,
    };
    ev.set_row(&p.symbol, p.side, p.contract, p.size, p.entry_price, rest);
}

/// Values on and around every bound the checks and the magnitude limits draw.
const EDGES: [f64; 16] = [f64::NAN, f64::INFINITY, -1.0, 0.0, 1e-13, 1e-12, 0.5, 1.0, 0.0999, 0.1, 1000.0, 1000.5, 1e12, 1.1e12, 1e15, 2e15];

/// Sets one field of a row (0 size … 7 margin) to `v`.
fn edit(p: &mut Position, field: usize, v: f64) {
    match field {
        0 => p.size = v,
        1 => p.entry_price = v,
        2 => p.mark_price = Some(v),
        3 => p.leverage = Some(v),
        4 => p.taker_fee = Some(v),
        5 => p.maint_amount = Some(v),
        6 => p.margin = Some(v),
        _ => {
            p.leverage = None;
            p.margin = Some(v);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    /// Row by row, the batch evaluator gives the Report's position (bit for bit, every field
    /// and the formula texts) and its totals give the Report's account.
    #[test]
    fn batch_rows_equal_evaluate(s in book_s(12)) {
        let report = match evaluate(&s) {
            Ok(r) => r,
            // Out-of-range generated values: the batch path must refuse the same rows.
            Err(e) => {
                let mut ev = BookEvaluator::new(s.venue);
                let mut found = Vec::new();
                for (i, p) in s.positions.iter().enumerate() {
                    fill(&mut ev, p);
                    if let Err(b) = ev.evaluate(i) { found.extend(b.0); }
                }
                prop_assert_eq!(found, e.0);
                return Ok(());
            }
        };
        let mut ev = BookEvaluator::new(s.venue);
        let mut totals = Totals::default();
        for (i, (p, want)) in s.positions.iter().zip(&report.positions).enumerate() {
            fill(&mut ev, p);
            let r = ev.evaluate(i).expect("a row evaluate accepts");
            totals.add(i, &r, &p.symbol);
            let got = r.to_position_report(&p.symbol, p.side);
            let (mut got_n, mut want_n) = (got.clone(), want.clone());
            got_n.model = 0;
            want_n.model = 0;
            prop_assert_eq!(got_n, want_n, "position {}", i);
            let texts = ev.models().info(got.model);
            prop_assert_eq!(texts.as_ref(), report.model_of(want), "model texts of position {}", i);
        }
        prop_assert_eq!(totals.account(), report.account.clone());
    }

    /// The fast path's gate at the edges of every check: rows with values on and just past
    /// each bound (NaN, 0, negative, 1 and 1000x, a 0.1 fee, prices and values at the
    /// magnitude limits) are refused with exactly `evaluate`'s problems, or give its numbers.
    #[test]
    fn edge_rows_agree_with_evaluate(
        venue in proptest::sample::select(Venue::ALL.to_vec()),
        rows in proptest::collection::vec((position_s(), proptest::collection::vec((0usize..8, 0usize..EDGES.len()), 0..3)), 1..8),
    ) {
        let positions: Vec<Position> = rows.into_iter().map(|(mut p, edits)| {
            for (field, k) in edits { edit(&mut p, field, EDGES[k]); }
            p
        }).collect();
        let s = Scenario { version: 2, venue, margin_mode: MarginMode::Isolated, wallet_balance: None, wallet_balances: None, positions, market: None, lending: None, vault: None, auction: None, now: None, portfolio_margin: None, collateral: None, analyses: None };
        let mut ev = BookEvaluator::new(venue);
        let mut found = Vec::new();
        let mut rows = Vec::new();
        for (i, p) in s.positions.iter().enumerate() {
            fill(&mut ev, p);
            match ev.evaluate(i) {
                Ok(r) => rows.push(r.to_position_report(&p.symbol, p.side)),
                Err(b) => found.extend(b.0),
            }
        }
        match evaluate(&s) {
            Ok(report) => {
                prop_assert!(found.is_empty(), "batch refused {:?}", found);
                for (i, (got, want)) in rows.iter().zip(&report.positions).enumerate() {
                    let (mut got, mut want) = (got.clone(), want.clone());
                    got.model = 0;
                    want.model = 0;
                    prop_assert_eq!(got, want, "position {}", i);
                }
            }
            // The same problems, row by row (the Scenario lists its magnitude problems after
            // the other checks of every row, the batch path after those of the same row).
            Err(e) => {
                let row = |f: &leverlab::engine::FieldError| f.path.strip_prefix("positions[").and_then(|r| r.split(']').next()).and_then(|i| i.parse::<usize>().ok());
                let mut want = e.0;
                want.sort_by_key(row);
                prop_assert_eq!(found, want);
            }
        }
    }

    /// The typed-array entry (JS `evaluateBatch`, Python `liquidation_prices`) gives the same
    /// liquidation and bankruptcy prices as the Report (NaN for `null`).
    #[test]
    fn columns_equal_evaluate(s in book_s(12), shared in any::<bool>()) {
        let Ok(report) = evaluate(&s) else { return Ok(()); };
        // One code per row, or (`shared`) one per distinct symbol, so that the rows after a
        // symbol's first take the column kernel with that symbol's table (`Table`, the
        // two-step walk) rather than the per-row path.
        let (symbols, idx): (Vec<String>, Vec<u32>) = if shared {
            let mut names: Vec<String> = Vec::new();
            let idx = s.positions.iter().map(|p| match names.iter().position(|n| *n == p.symbol) {
                Some(k) => k as u32,
                None => { names.push(p.symbol.clone()); (names.len() - 1) as u32 }
            }).collect();
            (names, idx)
        } else {
            (s.positions.iter().map(|p| p.symbol.clone()).collect(), (0..s.positions.len() as u32).collect())
        };
        let col = |f: fn(&Position) -> Option<f64>| s.positions.iter().map(|p| f(p).unwrap_or(f64::NAN)).collect::<Vec<f64>>();
        let (side, size, entry) = (
            s.positions.iter().map(|p| p.side.sign()).collect::<Vec<_>>(),
            col(|p| Some(p.size)),
            col(|p| Some(p.entry_price)),
        );
        let contract: Vec<u8> = s.positions.iter().map(|p| match p.contract { None => 0, Some(Contract::Linear) => 1, Some(Contract::Inverse) => 2 }).collect();
        let (mark, lev, margin, mmr, ml, fee) = (col(|p| p.mark_price), col(|p| p.leverage), col(|p| p.margin), col(|p| p.mmr), col(|p| p.max_leverage), col(|p| p.taker_fee));
        let c = Columns {
            symbols: &symbols, symbol: &idx, side: &side, contract: &contract, size: &size, entry_price: &entry,
            mark_price: &mark, leverage: &lev, margin: &margin, mmr: &mmr, maint_amount: &[], max_leverage: &ml, taker_fee: &fee,
        };
        let out = evaluate_columns(s.venue, &c).expect("valid columns");
        for (i, p) in report.positions.iter().enumerate() {
            let same = |a: f64, b: Option<f64>| a.to_bits() == b.unwrap_or(f64::NAN).to_bits();
            prop_assert!(same(out.liquidation_price[i], p.liquidation_price), "LP {}: {} vs {:?}", i, out.liquidation_price[i], p.liquidation_price);
            prop_assert!(same(out.bankruptcy_price[i], p.bankruptcy_price), "BP {}", i);
            prop_assert_eq!(out.initial_margin[i].to_bits(), p.initial_margin.to_bits());
            prop_assert_eq!(out.maintenance_margin[i].to_bits(), p.maintenance_margin.to_bits(), "MM {}", i);
            prop_assert!(same(out.distance_to_liquidation[i], p.distance_to_liquidation), "distance {}", i);
        }
    }
}

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("leverlab runs");
    let mut input = child.stdin.take().expect("stdin");
    let text = stdin.to_string();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(text.as_bytes());
    });
    let out = child.wait_with_output().expect("leverlab finishes");
    feeder.join().expect("fed");
    out
}

fn json_out(o: &Output) -> Value {
    assert!(o.status.success(), "exit {:?}: {}", o.status.code(), String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON")
}

fn opt(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// The positions as a CSV book in the page's export columns (numbers written to round-trip).
fn to_csv(s: &Scenario) -> String {
    let mut t = String::from("symbol,side,contract,size,entry_price,mark_price,leverage,margin,mmr,maint_amount,max_leverage,taker_fee\n");
    for p in &s.positions {
        let contract = match p.contract {
            Some(Contract::Linear) => "linear",
            Some(Contract::Inverse) => "inverse",
            None => "",
        };
        let side = if p.side == Side::Long { "long" } else { "short" };
        t.push_str(&format!(
            "{},{side},{contract},{},{},{},{},{},{},{},{},{}\n",
            p.symbol,
            p.size,
            p.entry_price,
            opt(p.mark_price),
            opt(p.leverage),
            opt(p.margin),
            opt(p.mmr),
            opt(p.maint_amount),
            opt(p.max_leverage),
            opt(p.taker_fee)
        ));
    }
    t
}

fn to_ndjson(s: &Scenario) -> String {
    s.positions.iter().map(|p| serde_json::to_string(p).expect("JSON") + "\n").collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 12,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    /// A plain isolated JSON Scenario (read into compact rows and streamed, see
    /// `cli/batch/fast_json.rs`) gives the very bytes of the Report the strict reader and
    /// `evaluate` give, and a refused row the strict reader's problems; a `null` optional
    /// field and a version 1 document are read the same way.
    #[test]
    fn plain_json_scenarios_stream_the_strict_readers_bytes(s in book_s(30), version in 1u32..=2, nulls in any::<bool>()) {
        let rows: Vec<String> = s.positions.iter().map(|p| {
            let mut v = serde_json::to_value(p).unwrap();
            if nulls && p.mark_price.is_none() { v["mark_price"] = Value::Null; }
            v.to_string()
        }).collect();
        let text = format!("{{\"version\":{version},\"venue\":\"{}\",\"margin_mode\":\"isolated\",\"positions\":[{}]}}", s.venue, rows.join(","));
        let o = run(&["eval", "-"], &text);
        match leverlab::engine::parse_scenario(&text).and_then(|sc| evaluate(&sc)) {
            Ok(report) => {
                prop_assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                prop_assert_eq!(String::from_utf8(o.stdout).unwrap(), serde_json::to_string(&report).unwrap() + "\n");
            }
            Err(e) => {
                prop_assert_eq!(o.status.code(), Some(2));
                prop_assert_eq!(String::from_utf8(o.stderr).unwrap(), format!("{e}\n"));
            }
        }
    }

    /// The same book as a JSON Scenario, a CSV book and an NDJSON book gives the same Report
    /// through the binary, and the CSV output's fields are the Report's numbers.
    #[test]
    fn formats_agree_position_by_position(s in book_s(30)) {
        prop_assume!(evaluate(&s).is_ok());
        let venue = s.venue.name();
        let from_json = json_out(&run(&["eval", "-"], &serde_json::to_string(&s).unwrap()));
        let from_csv = json_out(&run(&["eval", "-", "--input-format", "csv", "--venue", venue], &to_csv(&s)));
        let from_ndjson = json_out(&run(&["eval", "-", "--input-format", "ndjson", "--venue", venue], &to_ndjson(&s)));
        prop_assert_eq!(&from_csv, &from_json);
        prop_assert_eq!(&from_ndjson, &from_json);
        let csv_out = run(&["eval", "-", "--input-format", "csv", "--venue", venue, "--format", "csv", "--fields", "liquidation_price,bankruptcy_price,tier"], &to_csv(&s));
        prop_assert!(csv_out.status.success());
        let text = String::from_utf8(csv_out.stdout).unwrap();
        let mut lines = text.lines();
        prop_assert_eq!(lines.next().unwrap(), "symbol,side,contract,size,entry_price,mark_price,leverage,margin,mmr,maint_amount,max_leverage,taker_fee,liquidation_price,bankruptcy_price,tier");
        for (i, line) in lines.enumerate() {
            let cells: Vec<&str> = line.rsplitn(4, ',').collect();
            let p = &from_json["positions"][i];
            let num = |c: &str| if c.is_empty() { Value::Null } else { json!(c.parse::<f64>().unwrap()) };
            prop_assert_eq!(num(cells[2]), p["liquidation_price"].clone(), "row {}", i);
            prop_assert_eq!(num(cells[1]), p["bankruptcy_price"].clone(), "row {}", i);
            prop_assert_eq!(cells[0], p["tier"].to_string());
        }
        let nd = run(&["eval", "-", "--format", "ndjson", "--fields", "liquidation_price"], &serde_json::to_string(&s).unwrap());
        for (i, line) in String::from_utf8(nd.stdout).unwrap().lines().enumerate() {
            let v: Value = serde_json::from_str(line).unwrap();
            prop_assert_eq!(&v["liquidation_price"], &from_json["positions"][i]["liquidation_price"]);
            prop_assert_eq!(&v["entry_price"], &from_json["positions"][i]["entry_price"], "the input's fields come first");
        }
    }
}

#[test]
fn cross_books_are_read_whole_and_match_the_scenario() {
    let s = json!({"venue": "binance-usdm", "margin_mode": "cross", "wallet_balance": 5000, "positions": [
        {"symbol": "BTCUSDT", "size": 0.5, "entry_price": 60000},
        {"symbol": "ETHUSDT", "side": "short", "size": 2, "entry_price": 3000, "mark_price": 3100}]});
    let want = json_out(&run(&["eval", "-"], &s.to_string()));
    let csv = "symbol,side,size,entry_price,mark_price\nBTCUSDT,long,0.5,60000,\nETHUSDT,short,2,3000,3100\n";
    let got = json_out(&run(&["eval", "-", "--input-format", "csv", "--venue", "binance-usdm", "--margin-mode", "cross", "--wallet-balance", "5000"], csv));
    assert_eq!(got, want);
}

#[test]
fn bad_rows_are_named_by_line_and_field_and_keep_going_keeps_the_good_ones() {
    let csv = "symbol,side,size,entry_price,leverage\nBTCUSDT,long,1,60000,10\nBTCUSDT,sideways,1,60000,10\nBTCUSDT,long,1,-5,10\nBTCUSDT,long,1,60000,10\n";
    let args = ["eval", "-", "--input-format", "csv", "--venue", "binance-usdm", "--format", "csv", "--fields", "liquidation_price"];
    let stop = run(&args, csv);
    assert_eq!(stop.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&stop.stderr).trim(), "line[3].side: `sideways` is not long or short");
    let out = String::from_utf8_lossy(&stop.stdout).to_string();
    assert_eq!(out.lines().count(), 2, "the good row before the bad one is written: {out}");
    let mut all = args.to_vec();
    all.push("--keep-going");
    let kept = run(&all, csv);
    assert_eq!(kept.status.code(), Some(2), "bad rows still make the exit status 2");
    let err = String::from_utf8_lossy(&kept.stderr);
    assert!(err.contains("line[3].side: `sideways` is not long or short"), "{err}");
    assert!(err.contains("line[4].entry_price: must be a finite number > 0"), "{err}");
    let out = String::from_utf8_lossy(&kept.stdout);
    assert_eq!(out.lines().count(), 3, "header and the two good rows: {out}");
    // NDJSON: a typo'd field with a suggestion, and JSON syntax errors by line.
    let nd = "{\"size\": 1, \"entry_price\": 100, \"leverage\": 5}\n{\"size\": 1, \"entry_prise\": 100}\nnot json\n";
    let o = run(&["eval", "-", "--input-format", "ndjson", "--venue", "okx", "--keep-going", "--format", "ndjson"], nd);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line[2].entry_prise: unknown field; did you mean entry_price?"), "{err}");
    assert!(err.contains("line[3]: not valid JSON"), "{err}");
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1);
    // Unknown columns and options are refused before any row is read.
    let o = run(&["eval", "-", "--input-format", "csv", "--venue", "okx", "--feilds", "tier"], "size,entry_prce\n1,2\n");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--feilds: unknown option; did you mean --fields?"), "{err}");
}

/// A generated book of `n` isolated rows on three symbols, leverage 2–50x.
fn book_line(i: usize) -> String {
    let sym = ["BTCUSDT", "ETHUSDT", "DOGEUSDT"][i % 3];
    let side = if i % 2 == 0 { "long" } else { "short" };
    format!("{sym},{side},{},{},{}\n", 0.01 + (i % 997) as f64 * 0.05, 1000.0 + (i % 6007) as f64 * 10.0, 2 + i % 49)
}

/// Peak resident set of a finished child, in kilobytes (`wait4`'s `ru_maxrss`).
fn wait_peak_rss_kb(child: &std::process::Child) -> (i32, i64) {
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child's pid with valid pointers.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32, "wait4");
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

#[test]
fn a_million_row_csv_streams_in_constant_memory_first_row_out_before_the_last_row_in() {
    const ROWS: usize = 1_000_000;
    let mut child = Command::new(BIN)
        .args(["eval", "-", "--input-format", "csv", "--venue", "binance-usdm", "--format", "csv"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("leverlab runs");
    let mut input = std::io::BufWriter::new(child.stdin.take().expect("stdin"));
    let fed_all = Arc::new(AtomicBool::new(false));
    let fed = fed_all.clone();
    let feeder = std::thread::spawn(move || {
        input.write_all(b"symbol,side,size,entry_price,leverage\n").unwrap();
        for i in 0..ROWS {
            input.write_all(book_line(i).as_bytes()).unwrap();
        }
        input.flush().unwrap();
        fed.store(true, Ordering::SeqCst);
    });
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut header = String::new();
    out.read_line(&mut header).unwrap();
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(!fed_all.load(Ordering::SeqCst), "the first rows came out before the last row went in");
    assert!(first.starts_with("BTCUSDT,long,0.01,1000,2,"), "{first}");
    let mut rest = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = out.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        rest += buf[..n].iter().filter(|&&b| b == b'\n').count();
    }
    feeder.join().unwrap();
    let (code, peak_kb) = wait_peak_rss_kb(&child);
    assert_eq!(code, 0);
    assert_eq!(rest + 1, ROWS, "every row written");
    // A leak check, not a speed test: the input is ~33 MB and the output ~100 MB.
    assert!(peak_kb < 100 * 1024, "peak RSS {peak_kb} kB for {ROWS} rows");
    eprintln!("eval --format csv, {ROWS} rows streamed: peak RSS {} MB", peak_kb / 1024);
}

/// Columns cut into runs on several threads give the one-thread numbers bit for bit, and a bad
/// row deep in the book the one-thread problems.
#[test]
fn columns_on_several_threads_equal_one_thread() {
    use leverlab::engine::batch::evaluate_columns_on;
    use rand::{Rng, SeedableRng};
    let n = 120_001;
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    let symbols = vec!["BTCUSDT".to_string(), "ETHUSDT".to_string(), "DOGEUSDT".to_string()];
    let symbol: Vec<u32> = (0..n).map(|_| rng.gen_range(0..3)).collect();
    let side: Vec<f64> = (0..n).map(|_| if rng.gen_bool(0.5) { 1.0 } else { -1.0 }).collect();
    let entry: Vec<f64> = (0..n).map(|_| rng.gen_range(100.0..100_000.0)).collect();
    let size: Vec<f64> = entry.iter().map(|e| 10f64.powf(rng.gen_range(2.0..8.5)) / e).collect();
    let lev: Vec<f64> = (0..n).map(|_| rng.gen_range(1.0..100.0)).collect();
    let c = Columns { symbols: &symbols, symbol: &symbol, side: &side, size: &size, entry_price: &entry, leverage: &lev, ..Columns::default() };
    let one = evaluate_columns_on(Venue::BinanceUsdm, &c, 1).expect("valid");
    let four = evaluate_columns_on(Venue::BinanceUsdm, &c, 4).expect("valid");
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&one.liquidation_price), bits(&four.liquidation_price));
    assert_eq!(bits(&one.bankruptcy_price), bits(&four.bankruptcy_price));
    assert_eq!(bits(&one.initial_margin), bits(&four.initial_margin));
    assert_eq!(bits(&one.maintenance_margin), bits(&four.maintenance_margin));
    assert_eq!(bits(&one.distance_to_liquidation), bits(&four.distance_to_liquidation));
    let mut bad = size.clone();
    bad[100_000] = -1.0;
    bad[7] = f64::NAN;
    let c = Columns { size: &bad, ..c };
    let e1 = evaluate_columns_on(Venue::BinanceUsdm, &c, 1).unwrap_err();
    assert_eq!(evaluate_columns_on(Venue::BinanceUsdm, &c, 4).unwrap_err(), e1);
    let paths: Vec<&str> = e1.0.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["positions[7].size", "positions[100000].size"]);
}
