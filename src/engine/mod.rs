//! leverlab's margin and liquidation engine: pure math, no web, clock or storage.
//!
//! One data spine runs through it: a [`Scenario`] (what the user entered) goes in, a
//! [`Report`] comes out. See [`evaluate`].

pub mod analytics;
pub mod batch;
pub mod cascade;
pub mod collateral;
pub mod compute;
pub mod gmx;
pub mod import;
pub mod input;
pub mod lending;
pub mod maker;
pub mod limits;
pub mod margin;
pub mod options;
pub mod portfolio;
pub mod protocol;
pub mod report;
pub mod scenario;
pub mod tables;
pub mod tools;
pub mod venue;

pub use report::{AccountReport, ModelInfo, ModelTable, PositionReport, Report, Settlement, WalletReport};
pub use scenario::{
    parse_scenario, Contract, FieldError, InputErrors, MarginMode, Market, Position, Scenario, Side, Tier, Venue,
};

use venue::PositionModel;

/// Lowest and highest price the engine accepts (quote per coin).
pub const MIN_PRICE: f64 = 1e-12;
pub const MAX_PRICE: f64 = 1e12;
/// Largest amount (position value, margin, balance, maintenance amount) in the settlement
/// asset, and largest size.
pub const MAX_AMOUNT: f64 = 1e15;
pub const MAX_SIZE: f64 = 1e18;

/// Range limits that keep every intermediate of the engine finite: prices in
/// [`MIN_PRICE`, `MAX_PRICE`], sizes ≤ [`MAX_SIZE`], position values at entry and mark,
/// balances, margins and maintenance amounts ≤ [`MAX_AMOUNT`] in magnitude. They are far
/// beyond any real market (10¹⁵ USDT is ten thousand times the crypto market's size), so they
/// only reject input that would overflow `f64` arithmetic.
///
/// # Errors
/// One [`FieldError`] per field out of range, naming it.
pub fn check_magnitudes(s: &Scenario) -> Result<(), InputErrors> {
    let mut errors = Vec::new();
    fn amount(errors: &mut Vec<FieldError>, path: String, v: f64) {
        if v.abs() > MAX_AMOUNT {
            errors.push(FieldError::new(path, format!("must not exceed {MAX_AMOUNT:e} in magnitude")));
        }
    }
    if let Some(w) = s.wallet_balance {
        amount(&mut errors, "wallet_balance".into(), w);
    }
    for (i, p) in s.positions.iter().enumerate() {
        let at = |f: &str| format!("positions[{i}].{f}");
        if let Some(m) = p.margin {
            amount(&mut errors, at("margin"), m);
        }
        if let Some(a) = p.maint_amount {
            amount(&mut errors, at("maint_amount"), a);
        }
        for (k, t) in p.tiers.iter().flatten().enumerate() {
            amount(&mut errors, at(&format!("tiers[{k}].maint_amount")), t.maint_amount);
            if t.floor > MAX_SIZE {
                errors.push(FieldError::new(at(&format!("tiers[{k}].floor")), format!("must not exceed {MAX_SIZE:e}")));
            }
        }
        for (name, price) in [("entry_price", Some(p.entry_price)), ("mark_price", p.mark_price)] {
            if let Some(x) = price.filter(|x| !(MIN_PRICE..=MAX_PRICE).contains(x)) {
                errors.push(FieldError::new(at(name), format!("{x:e} is outside the supported {MIN_PRICE:e} to {MAX_PRICE:e}")));
            }
        }
        if p.size > MAX_SIZE {
            errors.push(FieldError::new(at("size"), format!("must not exceed {MAX_SIZE:e}")));
            continue;
        }
        let value = |price: f64| match s.contract_of(p) {
            Contract::Linear => p.size * price,
            Contract::Inverse => p.size / price,
        };
        let worst = value(p.entry_price).max(value(p.mark_price.unwrap_or(p.entry_price)));
        if worst.is_nan() || worst > MAX_AMOUNT {
            errors.push(FieldError::new(
                at("size"),
                format!("the position's value ({worst:e} in the settlement asset) must not exceed {MAX_AMOUNT:e}"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(InputErrors(errors))
    }
}

/// Turns an already-validated number into `Some` only when it is finite.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The per-position figures at mark that the account totals and the cross solver share.
struct AtMark {
    model: PositionModel,
    notional: f64,
    pnl: f64,
    mm: f64,
    tier: usize,
    fee: f64,
    initial_margin: f64,
    isolated_margin: f64,
}

/// The asset a position's amounts are in: the quote currency (linear) or its coin (inverse).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Asset {
    Quote,
    Coin(String),
}

impl Asset {
    fn of(s: &Scenario, p: &Position) -> Asset {
        match s.contract_of(p) {
            Contract::Linear => Asset::Quote,
            Contract::Inverse => Asset::Coin(venue::settlement_coin(&p.symbol)),
        }
    }

    fn settlement(&self) -> Settlement {
        match self {
            Asset::Quote => Settlement::Quote,
            Asset::Coin(_) => Settlement::Coin,
        }
    }

    fn coin(&self) -> Option<String> {
        match self {
            Asset::Quote => None,
            Asset::Coin(c) => Some(c.clone()),
        }
    }
}

/// One settlement asset's wallet: its positions and the sums over them at mark.
struct Wallet {
    asset: Asset,
    rows: Vec<usize>,
    wallet: f64,
    pnl: f64,
    /// Σ min(PnL, 0): the other positions' losses, for venues that do not count their profit.
    losses: f64,
    mm: f64,
    fee: f64,
    im: f64,
}

impl Wallet {
    fn empty() -> Wallet {
        Wallet { asset: Asset::Quote, rows: vec![], wallet: 0.0, pnl: 0.0, losses: 0.0, mm: 0.0, fee: 0.0, im: 0.0 }
    }
}

/// Evaluates a Scenario: per-position margins and liquidation prices, and account totals.
///
/// Each position is solved with its venue's own formula ([`venue::position_model`] picks the
/// valuation, fee rule and maintenance schedule; [`margin::liquidation_price`] solves
/// `equity(LP) = MM(LP) + fee` with the tier that applies at the LP, re-solving when it lands
/// in another tier, as Binance documents [BN-COINM-LP]).
///
/// Isolated mode: each position's collateral is its `margin`, or notional at entry ÷
/// `leverage` ([`venue::initial_margin`]). Cross mode: position *i*'s liquidation price holds
/// every other position of the same wallet at its mark price, so its collateral is
/// `wallet + Σ_{j≠i} (PnL_j − MM_j − fee_j)` — the `WB − TMM1 + UPNL1` of Binance's formula
/// and the `e − MMR_o` of dYdX's. Bybit's classic account counts only the other positions'
/// losses, not their profit ([`venue::counts_others_profit`]).
///
/// Wallets: linear positions share the quote wallet; inverse positions are margined in their
/// own coin, one wallet per coin (Binance COIN-M [BN-COINM-LP]; the same for every inverse
/// cross account), with `wallet_balances[coin]` (or `wallet_balance` when there is one coin).
/// Account totals and the common move are per wallet: the Report's `account` gives the first
/// position's wallet, and `account.wallets` every wallet when there are several.
///
/// # Errors
/// [`InputErrors`] naming each invalid field (the same checks as [`parse_scenario`], plus the
/// magnitude limits of [`check_magnitudes`]).
pub fn evaluate(s: &Scenario) -> Result<Report, InputErrors> {
    if s.venue.is_protocol() {
        return Err(FieldError::new(
            "venue",
            format!("{} is a DeFi protocol, not an exchange preset: protocol::evaluate (the `eval` command) gives its report", s.venue),
        )
        .into());
    }
    s.validate()?;
    if s.margin_mode == MarginMode::Portfolio {
        return Err(FieldError::new(
            "margin_mode",
            "portfolio: the futures Report gives standard (cross) margins; the `portfolio` command gives the portfolio margin and the standard one beside it (or set margin_mode to cross)",
        )
        .into());
    }
    if let Some(with_wallet) = collateral::as_wallet(s) {
        // Multi-asset collateral: its value after haircuts is the cross wallet; the collateral
        // report (without its surface) goes with the Report.
        let mut r = evaluate(&with_wallet)?;
        r.collateral = Some(collateral::collateral_report(s, 0)?);
        return Ok(r);
    }
    let options: Vec<FieldError> = (s.positions.iter().enumerate())
        .filter(|(_, p)| p.option.is_some())
        .map(|(i, _)| {
            FieldError::new(
                format!("positions[{i}].option"),
                "an option position: the futures Report (eval, stress, grid, probability, band, carry) does not value options; `greeks`, `pnl`, `payoff` and (in margin_mode portfolio) `portfolio` answer for them",
            )
        })
        .collect();
    InputErrors::check(options)?;
    check_magnitudes(s)?;
    let mut rows = Vec::with_capacity(s.positions.len());
    let mut errors = Vec::new();
    for (i, p) in s.positions.iter().enumerate() {
        match venue::position_model(s, i, p) {
            Ok(model) => {
                let mp = model.mark_price;
                let (mm, tier) = margin::maintenance_margin(&model, mp);
                let initial_margin = venue::initial_margin(s, p, &model);
                rows.push(AtMark {
                    notional: margin::notional(&model, mp),
                    pnl: margin::pnl(&model, mp),
                    fee: margin::closing_fee(&model, mp),
                    isolated_margin: p.margin.unwrap_or(initial_margin),
                    mm,
                    tier,
                    initial_margin,
                    model,
                });
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }

    let cross = s.margin_mode == MarginMode::Cross;
    let others_profit = venue::counts_others_profit(s.venue);
    let assets: Vec<Asset> = s.positions.iter().map(|p| Asset::of(s, p)).collect();
    let mut wallets: Vec<Wallet> = Vec::new();
    for (i, (a, r)) in assets.iter().zip(&rows).enumerate() {
        let k = match wallets.iter().position(|w| w.asset == *a) {
            Some(k) => k,
            None => {
                let wallet = match (cross, a, &s.wallet_balances) {
                    (true, Asset::Coin(c), Some(ws)) => venue::wallet_for(ws, c).unwrap_or(0.0),
                    (true, _, _) => s.wallet_balance.unwrap_or(0.0),
                    (false, _, _) => 0.0,
                };
                wallets.push(Wallet { asset: a.clone(), wallet, ..Wallet::empty() });
                wallets.len() - 1
            }
        };
        let w = &mut wallets[k];
        w.rows.push(i);
        w.pnl += r.pnl;
        w.losses += r.pnl.min(0.0);
        w.mm += r.mm;
        w.fee += r.fee;
        w.im += r.initial_margin;
        if !cross {
            w.wallet += r.isolated_margin;
        }
    }
    let wallet_of = |i: usize| wallets.iter().find(|w| w.asset == assets[i]);

    let mut models = ModelTable::default();
    let positions = s
        .positions
        .iter()
        .zip(&rows)
        .enumerate()
        .map(|(i, (p, r))| {
            let m = &r.model;
            let collateral = match wallet_of(i) {
                // Others of the same wallet at mark: WB + Σ_{j≠i}(PnL_j − MM_j − fee_j).
                Some(w) if cross => {
                    let others_pnl = if others_profit { w.pnl - r.pnl } else { w.losses - r.pnl.min(0.0) };
                    w.wallet + others_pnl - (w.mm - r.mm) - (w.fee - r.fee)
                }
                _ => r.isolated_margin,
            };
            let liq = margin::liquidation_price(m, collateral);
            let equity_at_mark = collateral + r.pnl;
            let liquidatable_now = equity_at_mark <= margin::requirement(m, collateral, m.mark_price);
            let liquidation_note = liquidation_note(liq.is_some(), liquidatable_now, m.side).map(str::to_string);
            let (mmr, maint_amount, _) = margin::rate_at(m, m.mark_price);
            let at_liq = liq.map(|(lp, _)| margin::rate_at(m, lp));
            PositionReport {
                symbol: p.symbol.clone(),
                side: p.side,
                contract: m.contract,
                settlement: assets[i].settlement(),
                coin: assets[i].coin(),
                size: m.size,
                entry_price: m.entry_price,
                mark_price: m.mark_price,
                notional: r.notional,
                initial_margin: r.initial_margin,
                collateral,
                maintenance_margin: r.mm,
                tier: r.tier,
                mmr,
                maint_amount,
                // Where the venue values the fee to close at the bankruptcy price (Bybit), an
                // isolated position's fee is that of its own collateral's bankruptcy price, the
                // term its liquidation condition uses; cross figures keep the estimate at mark.
                closing_fee: if cross { r.fee } else { margin::liquidation_fee(m, collateral, m.mark_price) },
                unrealized_pnl: r.pnl,
                roe: if r.initial_margin > 0.0 { finite(r.pnl / r.initial_margin).unwrap_or(0.0) } else { 0.0 },
                liquidation_price: liq.map(|l| l.0),
                liquidation_note,
                venue_liquidation_price: None,
                liquidation_price_difference: None,
                liquidation_tier: liq.map(|l| l.1),
                liquidation_mmr: at_liq.map(|a| a.0),
                liquidation_maint_amount: at_liq.map(|a| a.1),
                bankruptcy_price: margin::bankruptcy_price(m, collateral),
                distance_to_liquidation: liq.map(|(lp, _)| {
                    if liquidatable_now {
                        0.0
                    } else {
                        (m.mark_price - lp).abs() / m.mark_price
                    }
                }),
                liquidatable_now,
                effective_leverage: (equity_at_mark > 0.0).then(|| r.notional / equity_at_mark).and_then(finite),
                max_leverage: finite(venue::max_leverage(m, m.mark_price)),
                model: models.index(m.formula, m.source, m.table_source),
            }
            .with_venue_liquidation_price(p.venue_liquidation_price)
        })
        .collect();

    let report_of = |w: &Wallet| {
        let moves = if cross {
            let rs: Vec<&AtMark> = w.rows.iter().map(|&i| &rows[i]).collect();
            account_liquidation_moves(&rs, w.wallet, others_profit)
        } else {
            (None, None)
        };
        WalletReport::new(w.asset.settlement(), w.asset.coin(), w.wallet, w.pnl, w.im, w.mm, moves)
    };
    // An account without positions still has its (cross) wallet.
    let empty = Wallet { wallet: if cross { s.wallet_balance.unwrap_or(0.0) } else { 0.0 }, ..Wallet::empty() };
    let mut left_out: Vec<usize> = wallets.iter().skip(1).flat_map(|w| w.rows.iter().copied()).collect();
    left_out.sort_unstable();
    let account = AccountReport::from_wallets(wallets.iter().map(report_of).collect(), &left_out, report_of(&empty));
    Ok(Report {
        version: scenario::FORMAT_VERSION,
        venue: s.venue,
        margin_mode: s.margin_mode,
        positions,
        models: models.into_infos(),
        account,
        collateral: None,
    }
    .without_negative_zeros())
}

/// Why a position has no liquidation price, or that it is liquidatable now (`None` when it has
/// one and is not): `has_price` = a liquidation price was found, `now` = equity at mark is
/// already at or below the requirement, `side` = +1 long / −1 short.
pub(crate) fn liquidation_note(has_price: bool, now: bool, side: f64) -> Option<&'static str> {
    match (has_price, now) {
        (false, true) => Some(
            "equity at mark is already below maintenance and no price restores it: the position is liquidatable now",
        ),
        (false, false) => Some(if side > 0.0 {
            "no positive price liquidates this long: its collateral covers the position's whole value"
        } else {
            "no price liquidates this short: its collateral covers any rise"
        }),
        (true, true) => Some("equity at mark is already at or below maintenance: the position is liquidatable now"),
        (true, false) => None,
    }
}

/// Cross wallet's surplus when every mark price is multiplied by `1 + x`:
/// `wallet + Σ PnL_i − Σ MM_i − Σ fee_i`. Where the venue does not count other positions'
/// profit, each position sees `wallet + PnL_i + Σ_{j≠i} min(PnL_j, 0) − Σ (MM + fee)`, and the
/// wallet is liquidated at the first position that fails: `wallet + Σ min(PnL_j, 0) +
/// min_i max(PnL_i, 0) − Σ (MM + fee)`.
fn cross_surplus(rows: &[&AtMark], wallet: f64, others_profit: bool, x: f64) -> f64 {
    let (mut total, mut losses, mut least_gain) = (wallet, 0.0, f64::INFINITY);
    for r in rows {
        let p = r.model.mark_price * (1.0 + x);
        let pnl = margin::pnl(&r.model, p);
        total += -margin::maintenance_margin(&r.model, p).0 - margin::closing_fee(&r.model, p);
        losses += pnl.min(0.0);
        least_gain = least_gain.min(pnl.max(0.0));
        if others_profit {
            total += pnl;
        }
    }
    if others_profit {
        total
    } else {
        total + losses + if least_gain.is_finite() { least_gain } else { 0.0 }
    }
}

/// True when a position's maintenance margin is a convex function of the common move `x`:
/// valued at entry (constant), Deribit's `v × (b + k × v)`, or a tier table whose rates do not
/// decrease and whose amounts follow the continuity recurrence (so MM is convex in notional,
/// and notional is linear (linear) or convex (inverse) in `x`).
fn mm_convex(m: &PositionModel) -> bool {
    if m.valuation == venue::MmValuation::AtEntry || m.size_rate.is_some() {
        return true;
    }
    m.tiers.windows(2).all(|w| {
        let want = w[0].maint_amount + w[1].floor * (w[1].mmr - w[0].mmr);
        w[1].mmr >= w[0].mmr && (w[1].maint_amount - want).abs() <= 1e-9 * want.abs().max(1.0)
    })
}

/// The smallest common moves down and up (fractions) that bring a cross account's surplus to
/// zero.
///
/// When every position's PnL is concave in the move (linear contracts; inverse longs, whose PnL
/// `N·(1/EP − 1/(MP·(1 + x)))` is concave) and its maintenance convex ([`mm_convex`]), the
/// surplus is concave: the region where it is positive is one interval around 0, so bisection
/// on `[0, end]` finds the boundary directly. Otherwise (inverse shorts, irregular user tables)
/// a 400-step scan brackets the first sign change before bisecting. Either way the bisection
/// runs to the last representable step.
fn account_liquidation_moves(rows: &[&AtMark], wallet: f64, others_profit: bool) -> (Option<f64>, Option<f64>) {
    if rows.is_empty() {
        return (None, None);
    }
    let f = |x: f64| cross_surplus(rows, wallet, others_profit, x);
    if f(0.0) <= 0.0 {
        return (Some(0.0), Some(0.0));
    }
    // Without others' profit the surplus has a `min_i max(PnL_i, 0)` term, which is not
    // concave: scan before bisecting.
    let concave = (others_profit || rows.len() == 1)
        && rows.iter().all(|r| (r.model.contract == Contract::Linear || r.model.side > 0.0) && mm_convex(&r.model));
    let find = |end: f64| -> Option<f64> {
        let steps: usize = if concave { 1 } else { 400 };
        let mut a = 0.0;
        for i in 1..=steps {
            // Finer steps near zero, where liquidations usually are.
            let t = i as f64 / steps as f64;
            let b = end * t * t;
            if f(b) <= 0.0 {
                let (mut lo, mut hi) = (a, b);
                // Bisect to the last representable step: near a −100 % move the surplus is
                // steep in the move (∝ 1/(1 + x)² for inverse contracts), so a fixed tolerance
                // on the move would leave a visible error in the surplus.
                for _ in 0..1100 {
                    let mid = 0.5 * (lo + hi);
                    if mid <= lo.min(hi) || mid >= lo.max(hi) {
                        break;
                    }
                    if f(mid) > 0.0 {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                return finite(0.5 * (lo + hi));
            }
            a = b;
        }
        None
    };
    (find(-0.999_999), find(99.0))
}
