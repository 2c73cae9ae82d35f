//! The Clipper (makerdao/dss `src/clip.sol`): one Dutch auction of a vault's collateral.

use serde::{Deserialize, Serialize};

use super::vault::{bark, checked, vault_report, BarkReport, VaultReport};
use super::{Auction, Buyers, Calc, Vault};
use crate::engine::cascade::Impact;
use crate::engine::scenario::{FieldError, InputErrors, Scenario};

/// A running auction (`Clipper.sales[id]`), times in seconds since the kick.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sale {
    pub tab: f64,
    pub lot: f64,
    /// Start of the current price curve (kick or last redo).
    pub tic: f64,
    pub top: f64,
}

/// `Clipper.status`: the price at `now` and whether the auction needs a redo:
/// `done = (now − tic > tail) || (price / top < cusp)` (both strict, as in dss).
pub fn status(a: &Auction, sale: &Sale, now: f64) -> (f64, bool) {
    let price = a.calc.price(sale.top, now - sale.tic);
    let done = now - sale.tic > a.tail || (sale.top > 0.0 && price / sale.top < a.cusp);
    (price, done)
}

/// One `Clipper.take`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TakeReport {
    /// Seconds after the kick.
    pub at: f64,
    pub price: f64,
    pub needs_redo: bool,
    /// `null` when the take goes through; else dss's revert reason.
    pub reverts: Option<String>,
    /// Collateral bought (`slice`) and DAI paid (`owe`).
    pub collateral_bought: f64,
    pub dai_paid: f64,
    pub tab_left: f64,
    pub lot_left: f64,
    /// Collateral returned to the vault owner (the lot left once the tab is covered).
    pub collateral_returned: f64,
    /// True when the take ends the auction (tab covered or lot sold).
    pub ended: bool,
}

/// `Clipper.take(id, amt, max)` at `now`:
///
/// ```text
/// require(!needsRedo); require(max ≥ price)
/// slice = min(lot, amt); owe = slice × price
/// if owe > tab:                    owe = tab, slice = owe / price
/// elif owe < tab and slice < lot:  if tab − owe < chost: require(tab > chost); owe = tab − chost; slice = owe / price
/// tab −= owe; lot −= slice
/// lot = 0 → ends; tab = 0 → the lot left goes back to the owner, ends
/// ```
///
/// with `chost = dust × chop` (`Clipper.upchost`). Updates `sale` when it goes through.
pub fn take(a: &Auction, sale: &mut Sale, now: f64, amt: f64, max: f64, chost: f64) -> TakeReport {
    let (price, done) = status(a, sale, now);
    let mut out = TakeReport {
        at: now,
        price,
        needs_redo: done,
        reverts: None,
        collateral_bought: 0.0,
        dai_paid: 0.0,
        tab_left: sale.tab,
        lot_left: sale.lot,
        collateral_returned: 0.0,
        ended: false,
    };
    if done {
        out.reverts = Some("Clipper/needs-reset: the auction is past tail or below cusp; redo restarts it".into());
        return out;
    }
    if max < price {
        out.reverts = Some(format!("Clipper/too-expensive: max {max} < price {price}"));
        return out;
    }
    if price <= 0.0 {
        out.reverts = Some("Clipper/price-zero: the curve has reached 0".into());
        return out;
    }
    let mut slice = sale.lot.min(amt.max(0.0));
    let mut owe = slice * price;
    if owe > sale.tab {
        owe = sale.tab;
        slice = owe / price;
    } else if owe < sale.tab && slice < sale.lot && sale.tab - owe < chost {
        // f64 noise (110 × 1.1-style products) must not turn tab = chost into tab > chost.
        if sale.tab <= chost * (1.0 + 1e-12) {
            out.reverts = Some(format!("Clipper/no-partial-purchase: tab {} ≤ chost {chost}: take the whole tab or lot", sale.tab));
            return out;
        }
        owe = sale.tab - chost;
        slice = owe / price;
    }
    sale.tab -= owe;
    sale.lot -= slice;
    // Sub-wei remainders of f64 arithmetic count as zero, as the contract's integers would.
    if sale.tab <= 1e-12 * owe.max(1.0) {
        sale.tab = 0.0;
    }
    if sale.lot <= 1e-12 * slice.max(1.0) {
        sale.lot = 0.0;
    }
    out.collateral_bought = slice;
    out.dai_paid = owe;
    out.tab_left = sale.tab;
    out.lot_left = sale.lot;
    if sale.lot == 0.0 {
        out.ended = true;
    } else if sale.tab == 0.0 {
        out.collateral_returned = sale.lot;
        out.lot_left = 0.0;
        out.ended = true;
    }
    out
}

/// One row of the path: buyers' takes merged over consecutive seconds.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Fill {
    /// Seconds after the kick (of the last take merged into this row).
    pub t: f64,
    /// Average price paid (DAI per collateral unit).
    pub price: f64,
    pub collateral: f64,
    pub dai: f64,
    pub tab_left: f64,
    pub lot_left: f64,
}

/// A redo.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Reset {
    pub t: f64,
    /// "tail" or "cusp".
    pub reason: String,
    /// The new starting price (feed × buf).
    pub top: f64,
    /// The keeper reward paid (tip + tab × chip when tab and lot × feed ≥ chost, else 0).
    pub keeper_reward: f64,
}

/// The auction played against the buyers' depth.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PathReport {
    pub curve: String,
    pub calc: Calc,
    /// True when the tab was covered or the lot sold.
    pub cleared: bool,
    /// Seconds from the kick to the last take; `null` when not cleared.
    pub time_to_clear: Option<f64>,
    pub tab: f64,
    /// DAI raised, and tab − proceeds when the lot ran out first (or the auction stalled).
    pub proceeds: f64,
    pub shortfall: f64,
    /// proceeds ÷ tab.
    pub recovery: f64,
    pub collateral_sold: f64,
    /// Returned to the vault owner when the tab was covered.
    pub collateral_returned: f64,
    /// Collateral still unsold when the path stopped without clearing.
    pub collateral_unsold: f64,
    /// proceeds ÷ collateral sold.
    pub average_price: Option<f64>,
    /// Kick and redo rewards paid to keepers (DAI), an extra cost to the system.
    pub keeper_rewards: f64,
    pub resets: Vec<Reset>,
    pub fills: Vec<Fill>,
    /// The auction price against time from the kick to the end of the path, `[seconds,
    /// price]` ([`price_series`]: [`PRICE_PATH_POINTS`] points plus both sides of each reset).
    #[serde(default)]
    pub price_path: Vec<(f64, f64)>,
    /// Why the path stopped without clearing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Total DAI the buyers pay at a discount `d` below the market price `market`: the notional
/// that moves their book by `d − min_discount` ([`Impact::relative_move`] inverted by
/// bisection; 0 below the minimum discount).
fn capacity(impact: &Impact, buyers: &Buyers, market: f64, d: f64) -> f64 {
    let x = d - buyers.min_discount;
    if x <= 0.0 {
        return 0.0;
    }
    let moved = |n: f64| impact.relative_move(n, n / market, false);
    let mut hi = 1.0;
    while moved(hi) < x {
        hi *= 2.0;
        if hi > 1e18 {
            return hi;
        }
    }
    let mut lo = 0.0;
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if moved(mid) < x {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Evenly spaced points of [`PathReport::price_path`].
pub const PRICE_PATH_POINTS: usize = 240;

/// Most rows kept in [`PathReport::fills`]; longer paths are merged into this many.
pub const MAX_FILL_ROWS: usize = 240;
/// Longest path simulated (7 days).
pub const MAX_PATH_SECONDS: f64 = 7.0 * 86400.0;

/// Plays the auction second by second against the buyers (market price held at the vault's
/// price): at each second the price follows `calc` from `top`; when `status` says done, a
/// `redo` restarts it at `feed × buf` (paying the keeper `tip + tab × chip` when `tab ≥ chost`
/// and `lot × feed ≥ chost`, as `Clipper.redo`); the buyers take, through [`take`], what their
/// depth adds at the new discount `1 − price / market` beyond what they already paid. It stops
/// when the tab is covered or the lot sold, when a whole curve passes without a take (the
/// buyers' depth is exhausted above the curve's floor), or after [`MAX_PATH_SECONDS`].
pub fn path(v: &Vault, a: &Auction, buyers: &Buyers, b: &BarkReport) -> PathReport {
    let impact = Impact::new(&buyers.depth);
    let market = v.price / v.par;
    let top = market * a.buf;
    let mut sale = Sale { tab: b.tab, lot: b.lot, tic: 0.0, top };
    let mut paid = 0.0;
    let mut sold = 0.0;
    let mut keeper = b.keeper_reward;
    let mut resets = Vec::new();
    let mut fills: Vec<Fill> = Vec::new();
    let mut returned = 0.0;
    let mut cleared_at = None;
    let mut last_take_cycle_start = 0.0;
    let mut had_take_in_cycle = false;
    let mut note = None;
    let mut t = 0.0;
    while t <= MAX_PATH_SECONDS {
        let (price, done) = status(a, &sale, t);
        if done {
            if !had_take_in_cycle && t > last_take_cycle_start {
                note = Some(format!(
                    "stalled: a whole price curve (from {last_take_cycle_start} s) passed without a take; the buyers' depth is used up above the curve's floor"
                ));
                break;
            }
            let reason = if t - sale.tic > a.tail { "tail" } else { "cusp" };
            let reward = if sale.tab >= b.chost && sale.lot * market >= b.chost { a.tip + sale.tab * a.chip } else { 0.0 };
            keeper += reward;
            sale.tic = t;
            sale.top = top;
            resets.push(Reset { t, reason: reason.into(), top, keeper_reward: reward });
            last_take_cycle_start = t;
            had_take_in_cycle = false;
            continue;
        }
        let want = capacity(&impact, buyers, market, 1.0 - price / market) - paid;
        if want > 1e-9 && price > 0.0 {
            let r = take(a, &mut sale, t, want / price, price, b.chost);
            if r.reverts.is_none() && r.dai_paid > 0.0 {
                had_take_in_cycle = true;
                paid += r.dai_paid;
                sold += r.collateral_bought;
                fills.push(Fill {
                    t,
                    price: r.price,
                    collateral: r.collateral_bought,
                    dai: r.dai_paid,
                    tab_left: r.tab_left,
                    lot_left: r.lot_left,
                });
                if r.ended {
                    returned = r.collateral_returned;
                    cleared_at = Some(t);
                    break;
                }
            }
        }
        t += 1.0;
    }
    if cleared_at.is_none() && note.is_none() {
        note = Some(format!("not cleared within {MAX_PATH_SECONDS} s"));
    }
    let lot_left = if cleared_at.is_some() { 0.0 } else { sale.lot };
    let price_path = price_series(a, top, &resets, cleared_at.unwrap_or(t).max(1.0), PRICE_PATH_POINTS);
    let shortfall = if returned > 0.0 { 0.0 } else { (b.tab - paid).max(0.0) };
    PathReport {
        curve: a.calc.name().into(),
        calc: a.calc,
        cleared: cleared_at.is_some(),
        time_to_clear: cleared_at,
        tab: b.tab,
        proceeds: paid,
        shortfall,
        recovery: if b.tab > 0.0 { paid / b.tab } else { 0.0 },
        collateral_sold: sold,
        collateral_returned: returned,
        collateral_unsold: lot_left,
        average_price: (sold > 0.0).then(|| paid / sold),
        keeper_rewards: keeper,
        resets,
        fills: merge_fills(fills),
        price_path,
        note,
    }
}

/// The auction price `(seconds after the kick, DAI per unit)` from the kick to `until`: `calc`
/// from `top`, restarted at each reset's top (`Clipper.redo` sets `tic = now`, `top = feed ×
/// buf`), `abaci`'s `price(top, now − tic)` in between (see [`status`]). `samples` evenly
/// spaced points (at least 2), plus the price just before and at each reset so the chart shows
/// the jumps; in time order.
pub fn price_series(a: &Auction, top: f64, resets: &[Reset], until: f64, samples: usize) -> Vec<(f64, f64)> {
    let until = if until.is_finite() && until > 0.0 { until } else { 1.0 };
    let samples = samples.max(2);
    // (start, top) of each cycle.
    let mut cycles = vec![(0.0, top)];
    cycles.extend(resets.iter().filter(|r| r.t > 0.0 && r.t <= until).map(|r| (r.t, r.top)));
    let at = |t: f64| {
        let k = cycles.partition_point(|c| c.0 <= t).saturating_sub(1);
        let (tic, top) = cycles[k];
        a.calc.price(top, t - tic)
    };
    let mut out: Vec<(f64, f64)> = (0..samples)
        .map(|i| until * i as f64 / (samples - 1) as f64)
        .filter(|t| !cycles[1..].iter().any(|c| c.0 == *t))
        .map(|t| (t, at(t)))
        .collect();
    for w in cycles.windows(2) {
        let (prev, next) = (w[0], w[1]);
        out.push((next.0, a.calc.price(prev.1, next.0 - prev.0)));
        out.push((next.0, next.1));
    }
    // Stable sort: at a reset the price before it comes first.
    out.sort_by(|x, y| x.0.total_cmp(&y.0));
    out
}

/// Merges consecutive fills into at most [`MAX_FILL_ROWS`] rows (sums of collateral and DAI,
/// average price, the last row's time and balances).
fn merge_fills(fills: Vec<Fill>) -> Vec<Fill> {
    if fills.len() <= MAX_FILL_ROWS {
        return fills;
    }
    let per = fills.len().div_ceil(MAX_FILL_ROWS);
    fills
        .chunks(per)
        .map(|c| {
            let collateral: f64 = c.iter().map(|f| f.collateral).sum();
            let dai: f64 = c.iter().map(|f| f.dai).sum();
            let last = &c[c.len() - 1];
            Fill {
                t: last.t,
                price: if collateral > 0.0 { dai / collateral } else { last.price },
                collateral,
                dai,
                tab_left: last.tab_left,
                lot_left: last.lot_left,
            }
        })
        .collect()
}

/// Seconds until the given curve needs a redo (`tail`, or the first second with
/// `price / top < cusp`), scanning whole seconds.
fn seconds_to_redo(a: &Auction) -> f64 {
    let probe = Sale { tab: 1.0, lot: 1.0, tic: 0.0, top: 1.0 };
    let mut t = 0.0;
    while t <= a.tail {
        if status(a, &probe, t).1 {
            return t;
        }
        t += 1.0;
    }
    a.tail + 1.0
}

/// The three curves tuned to need their redo at the same second as the Scenario's curve (the
/// same time from `top` down to `cusp`, or `tail` when it comes first): linear
/// `tau = T / (1 − cusp)`, exponential `cut = cusp^(1/T)`, stairstep with the Scenario's `step`
/// (else 90 s, ETH-A's) and `cut = cusp^(step/T)`. With cusp = 0 the equivalent reaches 1 % of
/// top at T instead.
pub fn equivalent_curves(a: &Auction) -> Vec<Calc> {
    let t = seconds_to_redo(a).max(1.0);
    let floor = if a.cusp > 0.0 { a.cusp } else { 0.01 };
    let step = match a.calc {
        Calc::Stairstep { step, .. } => step,
        _ => 90.0_f64.min(t),
    };
    vec![
        Calc::Linear { tau: (t / (1.0 - floor)).round().max(1.0) },
        Calc::Stairstep { step, cut: floor.powf(step / t) },
        Calc::Exponential { cut: floor.powf(1.0 / t) },
    ]
}

/// Options of the `auction` command.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AuctionOptions {
    /// Seconds after the kick for `price`, `needs_redo` and the take.
    pub at: f64,
    /// Collateral to bid for, and the highest price accepted (default: the price at `at`).
    pub take: Option<f64>,
    pub max: Option<f64>,
}

/// The auction's price at `at`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct AtReport {
    pub at: f64,
    pub price: f64,
    pub needs_redo: bool,
    /// price ÷ feed price − 1 (negative = below the market).
    pub premium: f64,
}

/// The `auction` command's answer.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct AuctionReport {
    pub vault: VaultReport,
    pub bark: BarkReport,
    pub top: f64,
    pub keeper_reward: f64,
    pub status: AtReport,
    /// One take at `at` (with the `take` option).
    pub take: Option<TakeReport>,
    /// The auction against the buyers' depth (with `auction.buyers`).
    pub path: Option<PathReport>,
    /// The three curves on the same lot and depth, tuned to reset at the same second.
    pub curves: Vec<PathReport>,
}

/// The `auction` command: `bark`, the price at `at`, one take, and the auction's path with
/// the three curves compared (see [`bark`], [`take`], [`path`], [`equivalent_curves`]).
///
/// # Errors
/// The Scenario's checks; `auction` missing; `at` negative; `take`/`max` not > 0; a vault
/// that is not unsafe (nothing to auction) names `vault.price` with its liquidation price.
pub fn auction(s: &Scenario, o: AuctionOptions) -> Result<AuctionReport, InputErrors> {
    let v: &Vault = checked(s)?;
    let a = s.auction.as_ref().ok_or_else(|| FieldError::new("auction", "required for the auction command: buf, tail, cusp, calc"))?;
    if !o.at.is_finite() || o.at < 0.0 {
        return Err(FieldError::new("at", "must be a number of seconds ≥ 0").into());
    }
    for (name, x) in [("take", o.take), ("max", o.max)] {
        if x.is_some_and(|x| !x.is_finite() || x <= 0.0) {
            return Err(FieldError::new(name, "must be a finite number > 0").into());
        }
    }
    let report = vault_report(v);
    let b = bark(v, Some(a));
    if let Some(r) = &b.reverts {
        let lp = report.liquidation_price.map_or("none".to_string(), |x| format!("{x}"));
        // The field that decides it: the price (safe vault), the room (hole) or the collateral.
        let path = if r.starts_with("Dog/not-unsafe") {
            "vault.price"
        } else if r.starts_with("Dog/null-auction") {
            "vault.ink"
        } else {
            "vault.hole"
        };
        return Err(FieldError::new(path, format!("{r}; nothing to auction (liquidation price {lp})")).into());
    }
    let top = b.top.unwrap_or(0.0);
    let feed = v.price / v.par;
    let mut sale = Sale { tab: b.tab, lot: b.lot, tic: 0.0, top };
    let (price, done) = status(a, &sale, o.at);
    let take_report = o.take.map(|amt| take(a, &mut sale, o.at, amt, o.max.unwrap_or(price), b.chost));
    let (path_report, curves) = match &a.buyers {
        Some(buyers) => {
            let curves = equivalent_curves(a)
                .into_iter()
                .map(|calc| path(v, &Auction { calc, ..a.clone() }, buyers, &b))
                .map(|mut p| {
                    p.fills.clear();
                    p.resets.truncate(20);
                    p
                })
                .collect();
            (Some(path(v, a, buyers, &b)), curves)
        }
        None => (None, Vec::new()),
    };
    Ok(AuctionReport {
        vault: report,
        top,
        keeper_reward: b.keeper_reward,
        status: AtReport { at: o.at, price, needs_redo: done, premium: price / feed - 1.0 + 0.0 },
        bark: b,
        take: take_report,
        path: path_report,
        curves,
    })
}
