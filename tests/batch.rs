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
            Scenario { version: 2, venue, margin_mode: MarginMode::Isolated, wallet_balance: None, wallet_balances: None, positions, market: None, lending: None, vault: None, auction: None, now: None, collateral: None }
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

    /// The typed-array entry (JS `evaluateBatch`, Python `liquidation_prices`) gives the same
    /// liquidation and bankruptcy prices as the Report (NaN for `null`).
    #[test]
    fn columns_equal_evaluate(s in book_s(12)) {
        let Ok(report) = evaluate(&s) else { return Ok(()); };
        let symbols: Vec<String> = s.positions.iter().map(|p| p.symbol.clone()).collect();
        let idx: Vec<u32> = (0..symbols.len() as u32).collect();
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
