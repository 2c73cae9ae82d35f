//! Why leverlab's liquidation price may differ from the venue's: the likely causes, named from
//! what the engine knows about the position (its venue rule, table, fee term, mode, and what
//! the import had to assume).

use serde::Serialize;

use crate::engine::report::PositionReport;
use crate::engine::scenario::{MarginMode, Position, Scenario};

/// One likely cause of a difference.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Cause {
    /// `agrees`, `fee`, `tier`, `balance`, `mark`, `cross`, `none`.
    pub kind: &'static str,
    pub text: String,
}

/// Relative differences at or below this count as agreement (a tick of BTC at 0.1 USD is
/// 0.0002 %, the venues round liquidation prices to the tick, and the response's numbers are
/// themselves rounded).
pub const AGREES: f64 = 0.001;

/// The likely causes of the difference between `r.liquidation_price` and the venue's
/// `venue_liquidation_price` of position `p` in Scenario `s`; `missing_balance` when the import
/// assumed a cross wallet balance; `source` is the source text of the position's model row
/// (`report.models[r.model].source`). Empty when there is nothing to compare.
pub fn explain_difference(s: &Scenario, p: &Position, r: &PositionReport, source: &str, missing_balance: bool) -> Vec<Cause> {
    let mut out = Vec::new();
    let (Some(ours), Some(theirs)) = (r.liquidation_price, p.venue_liquidation_price) else {
        if p.venue_liquidation_price.is_none() && r.liquidation_price.is_some() {
            out.push(Cause { kind: "none", text: "the venue reported no liquidation price (none reachable, or not given)".into() });
        } else if p.venue_liquidation_price.is_some() {
            out.push(Cause {
                kind: "none",
                text: r.liquidation_note.clone().unwrap_or_else(|| "leverlab finds no liquidation price".into()),
            });
        }
        return out;
    };
    let note = p.note.as_deref().unwrap_or("");
    let missing_balance = missing_balance || note.contains(super::MISSING_BALANCE_NOTE);
    let d = (ours - theirs) / theirs;
    if d.abs() <= AGREES {
        out.push(Cause { kind: "agrees", text: format!("agrees within {:.2} % (rounding and tick size)", AGREES * 100.0) });
        return out;
    }
    if s.margin_mode == MarginMode::Cross && missing_balance {
        out.push(Cause {
            kind: "balance",
            text: "a cross account missing its balance response: leverlab assumed the wallet balance; add the account/balance response".into(),
        });
    }
    if p.mark_price.is_none() || note.contains("derived") {
        out.push(Cause {
            kind: "mark",
            text: "a stale or derived mark price: the venue computed its figure at its own mark at response time".into(),
        });
    }
    if r.closing_fee > 0.0 {
        out.push(Cause {
            kind: "fee",
            text: format!(
                "the venue's fee-to-close term: leverlab counts an estimated closing fee of {} (rate {:.3} %) in maintenance; the venue's own estimate may use another rate",
                super::round_sig(r.closing_fee),
                if r.notional > 0.0 { r.closing_fee / r.notional * 100.0 } else { 0.0 }
            ),
        });
    }
    let table = source.to_ascii_lowercase();
    if table.contains("fallback") || table.contains("flat mmr") || table.contains("flat 0.5") {
        out.push(Cause {
            kind: "tier",
            text: format!(
                "a different tier: leverlab has no tier table for {} and used a flat rate ({:.2} %); set mmr/tiers to the venue's risk-limit tier",
                p.symbol,
                r.mmr * 100.0
            ),
        });
    } else if r.liquidation_tier.is_some_and(|t| t != r.tier) {
        out.push(Cause {
            kind: "tier",
            text: "a different tier: the liquidation price falls in another maintenance tier than the mark; the venue may keep the current one".into(),
        });
    } else {
        out.push(Cause {
            kind: "tier",
            text: format!(
                "the maintenance rate: leverlab used {:.3} % (tier {}); the venue's current tier or risk limit for this account may differ",
                r.mmr * 100.0,
                r.tier + 1
            ),
        });
    }
    if s.margin_mode == MarginMode::Cross && !missing_balance {
        out.push(Cause {
            kind: "cross",
            text: "cross margin: the venue's figure moves with every other position's PnL and with balances the responses do not show (open orders, other assets)".into(),
        });
    }
    out
}
