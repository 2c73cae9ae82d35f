//! The user's own exposure to the market's cascade: each position's liquidation with and
//! without it (the smallest shock whose cascade reaches it), from [`super::sim`]'s runner.

use serde::{Deserialize, Serialize};

use super::impact::Impact;
use super::levels::MarketLevels;
use super::sim::Runner;
use crate::engine::report::Report;
use crate::engine::scenario::Side;

/// A user position's liquidation with and without the market's cascade.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct UserCascade {
    /// Index in the Scenario's `positions`.
    pub index: usize,
    pub symbol: String,
    pub side: Side,
    /// `eval`'s liquidation price.
    pub liquidation_price: Option<f64>,
    /// Shock that reaches it with no cascade: `liquidation_price / price − 1`.
    pub plain_shock: Option<f64>,
    /// Smallest shock whose cascade reaches it (to 1e-12), and the price that shock starts at:
    /// the cascade-conditional liquidation price.
    pub cascade_shock: Option<f64>,
    pub cascade_trigger_price: Option<f64>,
    /// Market notional the cascade closes at that shock.
    pub cascade_liquidated_notional: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// For each of the user's positions in `report`, the smallest initial shock whose cascade
/// reaches its liquidation price. The cascade's extreme price is monotone in the shock, so a
/// bisection between 0 and the plain shock finds it.
pub fn user_cascade(levels: &MarketLevels, impact: &Impact, report: &Report) -> Vec<UserCascade> {
    let p0 = levels.price;
    report
        .positions
        .iter()
        .enumerate()
        .map(|(index, p)| {
            let mut u = UserCascade {
                index,
                symbol: p.symbol.clone(),
                side: p.side,
                liquidation_price: p.liquidation_price,
                plain_shock: None,
                cascade_shock: None,
                cascade_trigger_price: None,
                cascade_liquidated_notional: None,
                note: None,
            };
            let Some(lp) = p.liquidation_price else {
                u.note = Some("no price liquidates this position".into());
                return u;
            };
            let up = p.side == Side::Short;
            let plain = lp / p0 - 1.0;
            u.plain_shock = Some(plain);
            if (up && plain <= 0.0) || (!up && plain >= 0.0) {
                u.cascade_shock = Some(0.0);
                u.cascade_trigger_price = Some(p0);
                u.cascade_liquidated_notional = Some(0.0);
                u.note = Some("already liquidatable at the market price".into());
                return u;
            }
            if plain > 100.0 {
                u.note = Some("liquidation price beyond the simulated range (over +10 000 %)".into());
                return u;
            }
            let r = Runner::new(levels, impact, up);
            let hit = |s: f64, j: usize| {
                let o = r.outcome(s, j);
                (if up { o.extreme >= lp } else { o.extreme <= lp }, o)
            };
            let (mut lo, mut hi, mut j_lo) = (0.0f64, plain, 0);
            for _ in 0..200 {
                if (hi - lo).abs() <= 1e-12 {
                    break;
                }
                let mid = 0.5 * (lo + hi);
                let (reached, o) = hit(mid, j_lo);
                if reached {
                    hi = mid;
                } else {
                    lo = mid;
                    j_lo = o.j;
                }
            }
            let o = hit(hi, j_lo).1;
            u.cascade_shock = Some(hi);
            u.cascade_trigger_price = Some(p0 * (1.0 + hi));
            u.cascade_liquidated_notional = Some(r.book.notional(o.j));
            u
        })
        .collect()
}
