//! The average entry of several fills (`average-entry`). See [`super`] for the definitions and sources.

use serde::Serialize;

use super::{model, select};
use crate::engine::report::Report;
use crate::engine::scenario::{Contract, InputErrors, Position, Scenario, Side};

/// One merged position from several fills of the same symbol, side and contract.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct AverageRow {
    pub symbol: String,
    pub side: Side,
    pub contract: Contract,
    /// Indices of the fills in the Scenario.
    pub fills: Vec<usize>,
    /// Total size: Σ Q (linear) or Σ N (inverse).
    pub size: f64,
    /// Linear: `Σ Q_i·EP_i / Σ Q_i`; inverse: `Σ N_i / Σ (N_i/EP_i)` (the harmonic mean, which
    /// keeps the PnL of the merged position equal to the sum of the fills' PnL).
    pub average_entry: f64,
    /// Isolated collateral of the merged position: the sum of the fills' margins.
    pub margin: f64,
}

/// The merged positions and the Report of the Scenario with each group merged.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct AverageEntry {
    pub groups: Vec<AverageRow>,
    /// The merged Scenario evaluated: its liquidation prices are those of the averaged
    /// positions (the DCA case).
    pub report: Report,
}

/// Merges the Scenario's positions that share symbol, side and contract into one position each
/// at the average entry, and evaluates the merged Scenario.
///
/// The merged position keeps the first fill's overrides (`mmr`, `tiers`, …) and the last
/// given mark price; its isolated margin is the sum of the fills' margins.
///
/// # Errors
/// As [`crate::engine::evaluate`]; a Scenario without positions.
pub fn average_entry(s: &Scenario) -> Result<AverageEntry, InputErrors> {
    select(s, None)?;
    let mut groups: Vec<AverageRow> = Vec::new();
    let mut merged: Vec<Position> = Vec::new();
    for (i, p) in s.positions.iter().enumerate() {
        let contract = s.contract_of(p);
        let (m, im) = model(s, i)?;
        let margin_i = p.margin.unwrap_or(im);
        let k = groups.iter().position(|g| g.symbol == p.symbol && g.side == p.side && g.contract == contract);
        match k {
            Some(k) => {
                let (g, q) = (&mut groups[k], &mut merged[k]);
                // Accumulate Σ size and Σ cost (Q·EP linear, N/EP inverse) in place.
                let cost_old = match contract {
                    Contract::Linear => g.size * g.average_entry,
                    Contract::Inverse => g.size / g.average_entry,
                };
                let cost_new = match contract {
                    Contract::Linear => m.size * m.entry_price,
                    Contract::Inverse => m.size / m.entry_price,
                };
                g.size += m.size;
                g.average_entry = match contract {
                    Contract::Linear => (cost_old + cost_new) / g.size,
                    Contract::Inverse => g.size / (cost_old + cost_new),
                };
                g.margin += margin_i;
                g.fills.push(i);
                q.size = g.size;
                q.entry_price = g.average_entry;
                q.margin = Some(g.margin);
                if p.mark_price.is_some() {
                    q.mark_price = p.mark_price;
                }
            }
            None => {
                groups.push(AverageRow {
                    symbol: p.symbol.clone(),
                    side: p.side,
                    contract,
                    fills: vec![i],
                    size: m.size,
                    average_entry: m.entry_price,
                    margin: margin_i,
                });
                let mut q = p.clone();
                q.contract = Some(contract);
                q.margin = Some(margin_i);
                q.leverage = None;
                merged.push(q);
            }
        }
    }
    let scenario = Scenario { positions: merged, market: None, ..s.clone() };
    let report = crate::engine::evaluate(&scenario)?;
    Ok(AverageEntry { groups, report })
}
