//! Property tests of the margin engine: invariants every venue preset must keep, over random
//! positions (mixed venues, contracts, sides, sizes that cross tiers, leverage from 1x to
//! 125x, tiny and huge prices).

use leverlab::engine::{
    evaluate, margin, tables, tools, venue, Contract, MarginMode, Position, Report, Scenario, Side, Venue,
};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

const SYMBOLS: [&str; 10] =
    ["BTCUSDT", "ETHUSDT", "BTCUSD", "BTC", "ETH", "XBTUSD", "BTC-PERPETUAL", "ETH-PERPETUAL", "DOGEUSDT", ""];

/// Log-uniform number in [lo, hi].
fn log_uniform(lo: f64, hi: f64) -> impl Strategy<Value = f64> {
    (lo.ln()..hi.ln()).prop_map(f64::exp)
}

fn venue_s() -> impl Strategy<Value = Venue> {
    proptest::sample::select(Venue::ALL.to_vec())
}

fn leverage_s() -> impl Strategy<Value = f64> {
    prop_oneof![Just(1.0), Just(125.0), 1.0f64..125.0]
}

/// One position: notional (quote) from 10 to 2·10⁹ so sizes cross tier boundaries, entry from
/// 0.01 to 10⁶, mark within ±60 % of entry.
fn position_s() -> impl Strategy<Value = Position> {
    (
        proptest::sample::select(SYMBOLS.to_vec()),
        prop_oneof![Just(Contract::Linear), Just(Contract::Inverse)],
        prop_oneof![Just(Side::Long), Just(Side::Short)],
        log_uniform(10.0, 2e9),
        log_uniform(0.01, 1e6),
        prop_oneof![Just(1.0), 0.4f64..1.6],
        leverage_s(),
    )
        .prop_map(|(symbol, contract, side, notional, entry, mark_ratio, leverage)| Position {
            symbol: symbol.to_string(),
            contract: Some(contract),
            side,
            size: match contract {
                Contract::Linear => notional / entry,
                Contract::Inverse => notional,
            },
            entry_price: entry,
            mark_price: Some(entry * mark_ratio),
            leverage: Some(leverage),
            ..Position::default()
        })
}

/// The position re-expressed in `contract` (same value at entry).
fn in_contract(mut p: Position, contract: Contract) -> Position {
    if p.contract != Some(contract) {
        p.size = match contract { Contract::Linear => p.size / p.entry_price, Contract::Inverse => p.size * p.entry_price };
        p.contract = Some(contract);
    }
    p
}

/// The position in the contract its symbol's shipped table is for, where the venue ships one
/// (a table is chosen by symbol and contract; a mismatch is an input error).
fn fit(venue: Venue, p: Position) -> Position {
    match tables::table_contract(venue, &p.symbol) {
        Some(c) => in_contract(p, c),
        None => p,
    }
}

fn isolated(venue: Venue, p: Position) -> Scenario {
    let p = fit(venue, p);
    Scenario { version: 1, venue, margin_mode: MarginMode::Isolated, wallet_balance: None, wallet_balances: None, positions: vec![p], market: None, lending: None, vault: None, auction: None, now: None, portfolio_margin: None, collateral: None, analyses: None }
}

fn run(s: &Scenario) -> Report {
    evaluate(s).unwrap_or_else(|e| panic!("generated scenarios are valid: {e}"))
}

fn model(s: &Scenario, i: usize) -> venue::PositionModel {
    venue::position_model(s, i, &s.positions[i]).expect("model")
}

/// 512 cases (more with `PROPTEST_CASES`); failures are kept in `proptest-regressions/`.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        max_global_rejects: u32::MAX,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/engine_props.txt"))),
        ..ProptestConfig::default()
    }
}

fn rel_close(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= 1e-9 * scale.abs().max(1e-300)
}

proptest! {
    #![proptest_config(config())]

    /// At the liquidation price, equity = maintenance margin + the fee term the venue counts.
    #[test]
    fn equity_at_the_lp_equals_the_requirement(v in venue_s(), p in position_s()) {
        let s = isolated(v, p);
        let r = run(&s);
        let m = model(&s, 0);
        let pr = &r.positions[0];
        if let Some(lp) = pr.liquidation_price {
            let equity = pr.collateral + margin::pnl(&m, lp);
            let req = margin::requirement(&m, pr.collateral, lp);
            let scale = margin::notional(&m, lp) + pr.collateral.abs();
            prop_assert!(rel_close(equity, req, scale), "equity {equity} vs requirement {req} at LP {lp}");
        }
    }

    /// With mark = entry and a position not already liquidatable, long LP < entry < short LP,
    /// and no price between the mark and the LP liquidates (the LP is the first one hit).
    #[test]
    fn lp_is_on_the_losing_side_and_the_first_hit(v in venue_s(), mut p in position_s()) {
        p.mark_price = None;
        let s = isolated(v, p);
        let r = run(&s);
        let m = model(&s, 0);
        let pr = &r.positions[0];
        prop_assume!(!pr.liquidatable_now);
        if let Some(lp) = pr.liquidation_price {
            if m.side > 0.0 { prop_assert!(lp < m.entry_price) } else { prop_assert!(lp > m.entry_price) }
            for k in 1..16 {
                let q = m.mark_price + (lp - m.mark_price) * k as f64 / 16.0;
                let surplus = pr.collateral + margin::pnl(&m, q) - margin::requirement(&m, pr.collateral, q);
                let scale = margin::notional(&m, q) + pr.collateral;
                prop_assert!(surplus > -1e-9 * scale, "liquidated at {q} before the LP {lp}");
            }
        } else {
            // No LP: the losing direction never liquidates — check far out.
            let far = if m.side > 0.0 { m.entry_price * 1e-6 } else { m.entry_price * 1e6 };
            let surplus = pr.collateral + margin::pnl(&m, far) - margin::requirement(&m, pr.collateral, far);
            prop_assert!(surplus >= -1e-9 * (margin::notional(&m, far) + pr.collateral));
        }
    }

    /// More leverage (less collateral) moves the liquidation price toward the entry.
    #[test]
    fn lp_moves_toward_entry_as_leverage_rises(v in venue_s(), p in position_s(), l1 in leverage_s(), l2 in leverage_s()) {
        let (lo, hi) = if l1 <= l2 { (l1, l2) } else { (l2, l1) };
        let mut a = p.clone();
        a.mark_price = None;
        a.leverage = Some(lo);
        let mut b = a.clone();
        b.leverage = Some(hi);
        let (ra, rb) = (run(&isolated(v, a)), run(&isolated(v, b)));
        let (pa, pb) = (&ra.positions[0], &rb.positions[0]);
        prop_assume!(!pa.liquidatable_now && !pb.liquidatable_now);
        if let (Some(x), Some(y)) = (pa.liquidation_price, pb.liquidation_price) {
            let e = pa.entry_price;
            prop_assert!((e - y).abs() <= (e - x).abs() * (1.0 + 1e-12), "{lo}x → {x}, {hi}x → {y}, entry {e}");
        }
        // A position liquidatable at some price stays so with more leverage.
        prop_assert!(!(pa.liquidation_price.is_some() && pb.liquidation_price.is_none()));
    }

    /// The bankruptcy price lies beyond the liquidation price.
    #[test]
    fn bankruptcy_is_beyond_liquidation(v in venue_s(), p in position_s()) {
        let s = isolated(v, p);
        let pr = &run(&s).positions[0];
        prop_assume!(!pr.liquidatable_now);
        if let (Some(lp), Some(bp)) = (pr.liquidation_price, pr.bankruptcy_price) {
            let tol = 1e-12 * lp;
            if pr.side == Side::Long { prop_assert!(bp <= lp + tol, "BP {bp} LP {lp}") } else { prop_assert!(bp >= lp - tol, "BP {bp} LP {lp}") }
        }
    }

    /// The tier the LP was solved with is the tier that contains the LP's notional (MM valued
    /// at price), or the entry's (MM valued at entry).
    #[test]
    fn the_tier_used_at_the_lp_contains_its_notional(v in venue_s(), p in position_s()) {
        let s = isolated(v, p);
        let pr = &run(&s).positions[0];
        let m = model(&s, 0);
        prop_assume!(m.size_rate.is_none());
        if let (Some(lp), Some(k)) = (pr.liquidation_price, pr.liquidation_tier) {
            let at = match m.valuation { venue::MmValuation::AtPrice => lp, venue::MmValuation::AtEntry => m.entry_price };
            prop_assert_eq!(margin::tier_index(&m.tiers, margin::notional(&m, at)), k);
        }
    }

    /// A cross account holding one position liquidates where the same position does in
    /// isolated mode with margin = wallet balance (Binance: isolated uses the isolated wallet
    /// balance with TMM1 = UPNL1 = 0 [BN-USDM-LP]; dYdX: MMR_o = 0).
    #[test]
    fn cross_alone_equals_isolated_with_the_wallet(v in venue_s(), mut p in position_s(), wallet in log_uniform(1e-3, 1e9)) {
        p.leverage = None;
        let cross = Scenario { margin_mode: MarginMode::Cross, wallet_balance: Some(wallet), ..isolated(v, p.clone()) };
        // Bybit's classic inverse cross formula counts the closing fee at the bankruptcy price
        // [BB-INV-LP]; its isolated one reserves the fee outside the formula: they differ.
        prop_assume!(!(v == Venue::BybitClassic && cross.contract_of(&cross.positions[0]) == Contract::Inverse));
        p.margin = Some(wallet);
        let iso = isolated(v, p);
        let (a, b) = (run(&cross).positions[0].liquidation_price, run(&iso).positions[0].liquidation_price);
        prop_assert_eq!(a, b);
    }

    /// Cross account: at `liquidation_move_down`/`_up` (every mark moved by the same fraction)
    /// the account's equity equals its total maintenance margin plus fees.
    #[test]
    fn account_move_lands_on_zero_surplus(
        v in venue_s(),
        ps in proptest::collection::vec(position_s(), 1..5),
        contract in prop_oneof![Just(Contract::Linear), Just(Contract::Inverse)],
        wallet in log_uniform(1.0, 1e9),
    ) {
        let ps: Vec<Position> = ps.into_iter().map(|p| {
            // Keep one settlement asset: re-express the size in the account's contract; a
            // symbol whose shipped table is for the other contract gets its own rate.
            let mut p = in_contract(p, contract);
            if tables::table_contract(v, &p.symbol).is_some_and(|c| c != contract) {
                p.mmr = Some(0.005);
            }
            p
        }).collect();
        let mut s = Scenario { version: 1, venue: v, margin_mode: MarginMode::Cross, wallet_balance: Some(wallet), wallet_balances: None, positions: ps, market: None, lending: None, vault: None, auction: None, now: None, portfolio_margin: None, collateral: None, analyses: None };
        if contract == Contract::Inverse {
            // Inverse collateral is per coin: one wallet per coin.
            s.wallet_balance = None;
            s.wallet_balances = Some(venue::coins(&s).into_iter().map(|(c, _)| (c, wallet)).collect());
        }
        let r = run(&s);
        // The account's totals and move are the first wallet's.
        let first: Vec<usize> = (0..s.positions.len())
            .filter(|&i| r.positions[i].coin == r.account.coin && r.positions[i].settlement == r.account.settlement)
            .collect();
        let surplus_at = |x: f64| {
            // Only the first wallet's prices move: the other wallets are independent.
            let mut moved = s.clone();
            for &i in &first { moved.positions[i].mark_price = Some(r.positions[i].mark_price * (1.0 + x)); }
            let rm = run(&moved);
            let ps: Vec<_> = first.iter().map(|&i| &rm.positions[i]).collect();
            let fees: f64 = ps.iter().map(|p| p.closing_fee).sum();
            let scale: f64 = wallet + ps.iter().map(|p| p.notional).sum::<f64>();
            let equity = if venue::counts_others_profit(v) {
                rm.account.equity
            } else {
                // Bybit classic: each position sees the wallet, its own PnL and the others'
                // losses; the wallet fails with its first position.
                let losses: f64 = ps.iter().map(|p| p.unrealized_pnl.min(0.0)).sum();
                let least_gain = ps.iter().map(|p| p.unrealized_pnl.max(0.0)).fold(f64::INFINITY, f64::min);
                rm.account.wallet_balance + losses + least_gain
            };
            (equity - rm.account.total_maintenance_margin - fees, scale)
        };
        for x in [r.account.liquidation_move_down, r.account.liquidation_move_up].into_iter().flatten() {
            if x == 0.0 { continue; }
            let (surplus, scale) = surplus_at(x);
            prop_assert!(surplus.abs() <= 1e-7 * scale, "surplus {surplus} at move {x}");
            // It is the first such move: the account is still solvent on the way there.
            for k in 1..8 {
                let (inside, scale) = surplus_at(x * k as f64 / 8.0);
                prop_assert!(inside > -1e-7 * scale, "surplus {inside} at {} before the move {x}", x * k as f64 / 8.0);
            }
        }
    }

    /// One position in cross: the account's common move is the position's own LP ÷ mark − 1
    /// (except Bybit inverse, whose LP values the fee at the bankruptcy price while the account
    /// total uses the fee at mark).
    #[test]
    fn one_position_account_move_matches_its_lp(v in venue_s(), mut p in position_s(), wallet in log_uniform(1e-3, 1e9)) {
        p.leverage = None;
        let s = Scenario { margin_mode: MarginMode::Cross, wallet_balance: Some(wallet), ..isolated(v, p) };
        let m = model(&s, 0);
        prop_assume!(m.fee_valuation != venue::FeeValuation::AtBankruptcy);
        let r = run(&s);
        let pr = &r.positions[0];
        prop_assume!(!pr.liquidatable_now);
        let mv = if pr.side == Side::Long { r.account.liquidation_move_down } else { r.account.liquidation_move_up };
        if let (Some(lp), Some(x)) = (pr.liquidation_price, mv) {
            let want = lp / pr.mark_price - 1.0;
            prop_assert!((x - want).abs() <= 1e-8 * (1.0 + want.abs()), "move {x} vs LP/mark − 1 = {want}");
        }
    }

    /// Averaging fills keeps PnL: the merged position's PnL at any price is the sum of the
    /// fills' PnL (arithmetic mean of entries for linear, harmonic for inverse).
    #[test]
    fn average_entry_preserves_pnl(
        v in venue_s(),
        fills in proptest::collection::vec((log_uniform(10.0, 1e8), 0.5f64..1.5, leverage_s()), 1..6),
        contract in prop_oneof![Just(Contract::Linear), Just(Contract::Inverse)],
        price in log_uniform(0.01, 1e6),
        exit_ratio in 0.2f64..5.0,
    ) {
        // Fills of one symbol: entries within ±50 % of one price, one mark.
        let exit = price * exit_ratio;
        let fills: Vec<Position> = fills.into_iter().map(|(notional, r, l)| Position {
            symbol: "BTC".into(),
            contract: Some(contract),
            size: match contract { Contract::Linear => notional / (price * r), Contract::Inverse => notional },
            entry_price: price * r,
            mark_price: Some(price),
            leverage: Some(l),
            ..Position::default()
        }).collect();
        let fills: Vec<Position> = fills.into_iter().map(|p| fit(v, p)).collect();
        let s = Scenario { positions: fills, ..isolated(v, Position::default()) };
        let avg = tools::average_entry(&s).expect("valid");
        prop_assert_eq!(avg.groups.len(), 1);
        let merged = &avg.report.positions[0];
        let sum: f64 = (0..s.positions.len()).map(|i| margin::pnl(&model(&s, i), exit)).sum();
        let ms = Scenario { positions: vec![Position {
            size: merged.size, entry_price: merged.entry_price, ..s.positions[0].clone()
        }], ..s.clone() };
        let one = margin::pnl(&model(&ms, 0), exit);
        let scale: f64 = (0..s.positions.len()).map(|i| margin::pnl(&model(&s, i), exit).abs() + margin::notional(&model(&s, i), exit)).sum();
        prop_assert!((one - sum).abs() <= 1e-9 * scale, "merged {one} vs sum {sum}");
    }
}
