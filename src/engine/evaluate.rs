//! [`evaluate`]: a Scenario's Report — every position's margins and liquidation price, and
//! the account totals per settlement wallet. The cross account's common move is solved in
//! [`super::cross`].

use super::cross::account_liquidation_moves;
use super::report::{AccountReport, ModelTable, PositionReport, Report, Settlement, WalletReport};
use super::scenario::{self, Contract, FieldError, InputErrors, MarginMode, Position, Scenario};
use super::venue::{self, PositionModel};
use super::{check_magnitudes, collateral, margin};

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
                "an option position: the futures Report (eval, probability, band, carry) does not value options; `stress`, `grid`, `greeks`, `pnl`, `payoff` and `portfolio` answer for them",
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
            let rs: Vec<&PositionModel> = w.rows.iter().map(|&i| &rows[i].model).collect();
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
