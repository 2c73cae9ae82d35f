//! Invariants of the DeFi protocols: the health factor is monotone in each price, the liquidation
//! price puts it at 1, a liquidation never seizes more than the collateral, and an auction's
//! price never rises between resets.

use leverlab::engine::lending::{aave, morpho, Borrow, Lending, Supply};
use leverlab::engine::maker::{self, clip, Auction, Calc, Vault};
use proptest::prelude::*;

fn supply(asset: &str, amount: f64, price: f64, lt: f64, bonus: f64, fee: f64) -> Supply {
    Supply {
        asset: asset.into(),
        amount,
        price,
        ltv: Some(lt * 0.9),
        liquidation_threshold: Some(lt),
        liquidation_bonus: Some(bonus),
        liquidation_protocol_fee: Some(fee),
        collateral: true,
        in_emode: true,
    }
}

/// An Aave account: two collateral assets and two debts, every figure in range.
fn account() -> impl Strategy<Value = Lending> {
    (
        (0.0f64..1e4, 1.0f64..5e4, 0.3f64..0.9, 0.0f64..0.1, 0.0f64..0.5),
        (0.0f64..1e6, 0.1f64..10.0, 0.3f64..0.9),
        (0.0f64..1e6, 0.5f64..2.0),
        (0.0f64..100.0, 1.0f64..5e4),
    )
        .prop_map(|((a1, p1, lt1, b1, fee), (a2, p2, lt2), (d1, q1), (d2, q2))| Lending {
            supplies: vec![
                supply("WETH", a1, p1, lt1, b1.min(1.0 / lt1 - 1.0), fee),
                supply("DAI", a2, p2, lt2, 0.01, 0.0),
            ],
            borrows: vec![
                Borrow { asset: "USDC".into(), amount: d1, price: q1 },
                Borrow { asset: "WBTC".into(), amount: d2, price: q2 },
            ],
            emode: None,
            lltv: None,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn aave_health_factor_is_monotone_in_each_price(l in account(), up in 1.0f64..3.0) {
        let hf = |l: &Lending| aave::account(l).4;
        let base = hf(&l);
        for i in 0..2 {
            let mut m = l.clone();
            m.supplies[i].price *= up;
            if let (Some(a), Some(b)) = (base, hf(&m)) {
                prop_assert!(b >= a * (1.0 - 1e-12), "collateral {i} up: {a} → {b}");
            }
            let mut m = l.clone();
            m.borrows[i].price *= up;
            if let (Some(a), Some(b)) = (base, hf(&m)) {
                prop_assert!(b <= a * (1.0 + 1e-12), "debt {i} up: {a} → {b}");
            }
        }
    }

    #[test]
    fn aave_liquidation_price_puts_the_health_factor_at_one(l in account()) {
        let r = aave::evaluate(&l);
        for (i, s) in r.supplies.iter().enumerate() {
            if let Some(lp) = s.liquidation_price {
                prop_assert!(lp.is_finite() && lp > 0.0);
                let mut m = l.clone();
                m.supplies[i].price = lp;
                let hf = aave::account(&m).4.unwrap();
                prop_assert!((hf - 1.0).abs() < 1e-9, "HF at the liquidation price {lp}: {hf}");
            }
        }
        for (j, b) in r.borrows.iter().enumerate() {
            if let Some(lp) = b.liquidation_price {
                let mut m = l.clone();
                m.borrows[j].price = lp;
                let hf = aave::account(&m).4.unwrap();
                prop_assert!((hf - 1.0).abs() < 1e-9, "HF at the debt's liquidation price {lp}: {hf}");
            }
        }
    }

    #[test]
    fn aave_seized_never_exceeds_the_collateral(l in account(), amount in proptest::option::of(1.0f64..1e6), ci in 0usize..2, di in 0usize..2) {
        let r = aave::liquidate(&l, ci, di, amount);
        prop_assert!(r.collateral_seized <= l.supplies[ci].amount * (1.0 + 1e-12));
        prop_assert!(r.debt_repaid <= l.borrows[di].amount * (1.0 + 1e-12));
        prop_assert!(r.protocol_fee >= 0.0 && r.protocol_fee <= r.collateral_seized);
        prop_assert!(r.liquidator_receives.is_finite() && r.liquidator_profit.is_finite() && r.bad_debt >= 0.0);
        if r.reverts.is_none() && r.debt_repaid > 0.0 {
            // Less debt, the bonus above 1: the health factor does not fall below what
            // it was unless the collateral ran out (bad debt burns the rest).
            prop_assert!(r.health_factor_after.is_none_or(|h| h.is_finite()));
        }
    }

    #[test]
    fn morpho_health_and_seizure(a in 0.0f64..1e4, p in 0.01f64..1e5, d in 0.0f64..1e8, lltv in 0.01f64..0.99, up in 1.0f64..2.0, repay in proptest::option::of(0.01f64..1e8)) {
        let l = Lending {
            supplies: vec![Supply { ltv: None, liquidation_threshold: None, liquidation_bonus: None, liquidation_protocol_fee: None, ..supply("WETH", a, p, 0.5, 0.05, 0.0) }],
            borrows: vec![Borrow { asset: "USDC".into(), amount: d, price: 1.0 }],
            emode: None,
            lltv: Some(lltv),
        };
        let lif = morpho::liquidation_incentive_factor(lltv);
        prop_assert!((1.0..=1.15).contains(&lif));
        let mut richer = l.clone();
        richer.supplies[0].price *= up;
        if let (Some(h0), Some(h1)) = (morpho::account(&l).2, morpho::account(&richer).2) {
            prop_assert!(h1 >= h0 * (1.0 - 1e-12));
        }
        let r = morpho::liquidate(&l, repay);
        prop_assert!(r.collateral_seized <= a * (1.0 + 1e-12));
        prop_assert!(r.debt_repaid <= d * (1.0 + 1e-12));
    }

    #[test]
    fn auction_price_never_rises_between_resets(
        kind in 0usize..3, tau in 60.0f64..20000.0, step in 1.0f64..600.0, cut in 0.9f64..1.0,
        cusp in 0.0f64..0.9, tail in 60.0f64..20000.0, top in 0.01f64..1e6,
    ) {
        let calc = match kind {
            0 => Calc::Linear { tau: tau.floor() },
            1 => Calc::Stairstep { step: step.floor(), cut },
            _ => Calc::Exponential { cut },
        };
        let a = Auction { buf: 1.2, tail: tail.floor(), cusp, chip: 0.0, tip: 0.0, calc, buyers: None };
        let mut sale = clip::Sale { tab: 1.0, lot: 1.0, tic: 0.0, top };
        let mut last = f64::INFINITY;
        for t in 0..40000 {
            let t = t as f64;
            let (price, done) = clip::status(&a, &sale, t);
            if done {
                sale.tic = t;
                last = f64::INFINITY;
                continue;
            }
            prop_assert!(price <= last, "price rose at {t}: {last} → {price}");
            prop_assert!(price >= 0.0 && price <= top);
            last = price;
        }
    }

    #[test]
    fn bark_and_takes_never_sell_more_than_the_vault_holds(
        ink in 0.1f64..1e6, art in 1.0f64..1e7, price in 0.01f64..1e4, hole in proptest::option::of(1.0f64..1e7),
        dust in 0.0f64..1e3, amts in proptest::collection::vec((0.0f64..1e6, 0.0f64..4000.0), 1..8),
    ) {
        let v = Vault { ink, art, rate: 1.0, mat: 1.5, chop: 1.13, par: 1.0, price, dust, hole };
        let a = Auction { buf: 1.2, tail: 3600.0, cusp: 0.4, chip: 0.001, tip: 0.0, calc: Calc::Linear { tau: 3600.0 }, buyers: None };
        let b = maker::bark(&v, Some(&a));
        prop_assert!(b.lot <= ink * (1.0 + 1e-12));
        prop_assert!(b.ink_after >= 0.0 && b.art_after >= 0.0);
        if b.reverts.is_none() {
            let mut sale = clip::Sale { tab: b.tab, lot: b.lot, tic: 0.0, top: b.top.unwrap() };
            let mut bought = 0.0;
            let mut paid = 0.0;
            let mut returned = 0.0;
            for (amt, t) in amts {
                let r = clip::take(&a, &mut sale, t.floor(), amt, f64::INFINITY, b.chost);
                bought += r.collateral_bought;
                paid += r.dai_paid;
                returned += r.collateral_returned;
                if r.ended {
                    break;
                }
            }
            prop_assert!(bought + returned <= b.lot * (1.0 + 1e-9));
            prop_assert!(paid <= b.tab * (1.0 + 1e-9));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// A loan's steps come in reach order, never sell more than its collateral (long) or buy
    /// back more than its debt (short); loans added to a book never make a down or up shock
    /// move the price less.
    #[test]
    fn loans_in_the_book(coll in 0.1f64..1e4, debt in 1.0f64..1e7, lt in 0.3f64..0.95, bonus in 0.0f64..0.1,
                         cf in 0.05f64..1.0, short in any::<bool>(), shock in 0.01f64..0.5) {
        use leverlab::engine::cascade::{market_levels, simulate, Depth, Impact, ImpactModel};
        use leverlab::engine::lending::loans::MarketLoan;
        use leverlab::engine::scenario::Side;
        let bonus = bonus.min(1.0 / lt - 1.0);
        let loan = MarketLoan { side: if short { Side::Short } else { Side::Long }, collateral: coll, debt, liquidation_threshold: lt, liquidation_bonus: bonus, close_factor: cf };
        let (run, _) = loan.levels(100.0);
        for w in run.windows(2) {
            let ordered = if short { w[1].0 >= w[0].0 } else { w[1].0 <= w[0].0 };
            prop_assert!(ordered, "steps out of reach order");
        }
        let moved: f64 = run.iter().map(|l| l.1).sum();
        let cap = if short { debt } else { coll };
        prop_assert!(moved <= cap * (1.0 + 1e-9), "moved {} > {}", moved, cap);
        let book = |loans: Vec<MarketLoan>| {
            let text = serde_json::json!({"venue": "generic", "market": {"price": 100, "loans": loans,
                "positions": [{"side": "long", "size": 100, "entry_price": 100, "leverage": 10},
                              {"side": "short", "size": 100, "entry_price": 100, "leverage": 10}]}}).to_string();
            market_levels(&leverlab::engine::parse_scenario(&text).unwrap(), &[], 1.0).unwrap()
        };
        let (without, with) = (book(vec![]), book(vec![loan]));
        let imp = Impact::new(&Depth { model: ImpactModel::Linear { notional_per_pct: 1e4 }, refill_half_life: None, round_seconds: None });
        for sign in [-1.0, 1.0] {
            let a = simulate(&without, &imp, sign * shock, 10).unwrap();
            let b = simulate(&with, &imp, sign * shock, 10).unwrap();
            prop_assert!(b.final_move.abs() >= a.final_move.abs() - 1e-12);
        }
    }
}
