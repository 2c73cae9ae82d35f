//! Greeks of perpetual positions: sensitivities of the PnL to the price and to time
//! (funding), and the account's effective leverage.
//!
//! With `s` = +1 long / −1 short, price `P` (mark), entry `E`:
//!
//! * linear (size `Q` base units, PnL in quote): `PnL = s Q (P − E)`;
//!   `∂PnL/∂P = s Q`, `∂²PnL/∂P² = 0`. Delta in base units `s Q`, in USD `s Q P`.
//! * inverse (size `N` USD, PnL in coin): `PnL = s N (1/E − 1/P)` (BitMEX, "Inverse Perpetuals
//!   Guide"); `∂PnL/∂P = s N / P²` coin per USD and `∂²PnL/∂P² = −2 s N / P³`. The coin
//!   exposure (delta in base units) is `s N / P` coins and changes with the price; its USD value
//!   is `s N`. Measured in the coin it settles in, a long inverse position is concave in the
//!   price (negative gamma: its coin exposure grows as the price falls) and a short one convex.
//!   (Converted back to USD at the current price the PnL, `s N (P/E − 1)`, is linear.)
//! * funding theta per day, settlement asset, received when positive:
//!   `−s · r₈ · 3 · notional(P)` (see [`crate::engine::analytics::carry`]).
//! * effective leverage of the account: `Σ notional / equity` (`null` when equity ≤ 0).
//!
//! Option positions (an `option` section) are priced by [`crate::engine::options`]: their
//! per-unit price and Greeks, coin figures for inverse options and Deribit's standard margin
//! are in `options`; the futures figures above cover the other positions.

use serde::{Deserialize, Serialize};

use crate::engine::analytics::{finite, risk_market};
use crate::engine::{evaluate, Contract, InputErrors, Scenario, Settlement, Side};

/// Greeks of one position.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PositionGreeks {
    pub symbol: String,
    pub side: Side,
    pub contract: Contract,
    pub settlement: Settlement,
    pub mark_price: f64,
    /// Signed exposure in base units (coins): `s Q` linear, `s N / P` inverse.
    pub delta_base: f64,
    /// Signed exposure in USD (quote): `delta_base × P`.
    pub delta_usd: f64,
    /// ∂PnL/∂P in the settlement asset per unit of price.
    pub delta_settlement: f64,
    /// ∂²PnL/∂P² in the settlement asset per unit of price squared (0 for linear).
    pub gamma: f64,
    /// Change of `delta_base` when the price rises 1 %.
    pub gamma_1pct: f64,
    /// Funding received (+) or paid (−) per day, settlement asset.
    pub funding_theta_per_day: f64,
    /// The Report's notional ÷ equity for the position.
    pub effective_leverage: Option<f64>,
}

/// Net exposure per symbol.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SymbolDelta {
    pub symbol: String,
    pub delta_base: f64,
    pub delta_usd: f64,
}

/// The `greeks` result.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct GreeksReport {
    pub positions: Vec<PositionGreeks>,
    pub by_symbol: Vec<SymbolDelta>,
    /// Σ notional at mark (settlement asset).
    pub gross_notional: f64,
    /// Σ notional ÷ account equity; `null` when equity ≤ 0.
    pub effective_leverage: Option<f64>,
    /// Σ funding theta per day.
    pub funding_theta_per_day: f64,
    /// The option positions (see [`crate::engine::options::OptionGreeks`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<crate::engine::options::OptionGreeks>,
}

/// Greeks of every position and the account (formulas in the module docs).
///
/// # Errors
/// The Report's errors.
pub fn greeks(s: &Scenario) -> Result<GreeksReport, InputErrors> {
    let options = (0..s.positions.len())
        .filter(|&i| s.positions[i].option.is_some())
        .map(|i| crate::engine::options::option_greeks(s, i))
        .collect::<Result<Vec<_>, _>>()?;
    // The futures as a cross account in portfolio mode (the futures Report gives standard margins).
    let mode = if s.margin_mode == crate::engine::MarginMode::Portfolio { crate::engine::MarginMode::Cross } else { s.margin_mode };
    let futures = Scenario {
        positions: s.positions.iter().filter(|p| p.option.is_none()).cloned().collect(),
        margin_mode: mode,
        portfolio_margin: None,
        ..s.clone()
    };
    let report = evaluate(&futures)?;
    let rate = risk_market(&futures).funding_rate_8h.unwrap_or(0.0);
    let positions: Vec<PositionGreeks> = report
        .positions
        .iter()
        .map(|r| {
            let (sg, p) = (r.side.sign(), r.mark_price);
            let (delta_base, delta_settlement, gamma, gamma_1pct) = match r.contract {
                Contract::Linear => (sg * r.size, sg * r.size, 0.0, 0.0),
                Contract::Inverse => {
                    let n = r.size;
                    (sg * n / p, sg * n / (p * p), -2.0 * sg * n / (p * p * p), sg * n / (1.01 * p) - sg * n / p)
                }
            };
            PositionGreeks {
                symbol: r.symbol.clone(),
                side: r.side,
                contract: r.contract,
                settlement: r.settlement,
                mark_price: p,
                delta_base,
                delta_usd: delta_base * p,
                delta_settlement,
                gamma,
                gamma_1pct,
                funding_theta_per_day: -sg * rate * 3.0 * r.notional,
                effective_leverage: r.effective_leverage,
            }
        })
        .collect();
    let mut by_symbol: Vec<SymbolDelta> = Vec::new();
    for g in &positions {
        match by_symbol.iter_mut().find(|d| d.symbol == g.symbol) {
            Some(d) => {
                d.delta_base += g.delta_base;
                d.delta_usd += g.delta_usd;
            }
            None => by_symbol.push(SymbolDelta { symbol: g.symbol.clone(), delta_base: g.delta_base, delta_usd: g.delta_usd }),
        }
    }
    let gross: f64 = report.positions.iter().map(|r| r.notional).sum();
    let equity = report.account.equity;
    Ok(GreeksReport {
        funding_theta_per_day: positions.iter().map(|g| g.funding_theta_per_day).sum(),
        positions,
        by_symbol,
        gross_notional: gross,
        effective_leverage: (equity > 0.0).then(|| gross / equity).and_then(finite),
        options,
    })
}
