//! The market's leverage map and the liquidation-cascade simulator.
//!
//! This module owns the book half of the Scenario's optional `market` section: the market
//! price, the market's positions (given or generated) and the order-book depth model.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::engine::scenario::{check_non_negative, check_positive, FieldError, Side};

/// One position of the market (not the user's own): imported from CSV/JSON or generated.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct MarketPosition {
    #[serde(default)]
    pub side: Side,
    /// Size in base units.
    pub size: f64,
    pub entry_price: f64,
    /// Either the leverage (the engine derives the liquidation price) or the price itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leverage: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_price: Option<f64>,
}

/// Parameters that generate a reproducible synthetic market of positions.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Generator {
    /// Long open interest, quote currency.
    pub open_interest_long: f64,
    /// Short open interest, quote currency.
    pub open_interest_short: f64,
    /// Leverage (as text key, e.g. `"10"`) → weight.
    #[serde(default)]
    pub leverage_buckets: BTreeMap<String, f64>,
    /// Relative spread of entry prices around the market price (0.1 = ±10 %).
    #[serde(default)]
    pub entry_spread: f64,
    #[serde(default)]
    pub seed: u64,
    /// Number of positions to generate.
    pub count: usize,
}

/// Order-book depth / price-impact model.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum Depth {
    /// Constant depth: `notional_per_pct` of quote notional moves the price by 1 %.
    Linear { notional_per_pct: f64 },
}

/// Book half of the Scenario's `market` section.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct BookMarket {
    /// Current market price; defaults to the first position's mark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub positions: Vec<MarketPosition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<Generator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<Depth>,
}

impl BookMarket {
    /// Range checks for the book fields; problems are pushed with their `market.…` path.
    pub fn validate(&self, errors: &mut Vec<FieldError>) {
        if let Some(p) = self.price {
            check_positive(errors, "market.price", p);
        }
        for (i, p) in self.positions.iter().enumerate() {
            check_positive(errors, &format!("market.positions[{i}].size"), p.size);
            check_positive(errors, &format!("market.positions[{i}].entry_price"), p.entry_price);
            if let Some(l) = p.liquidation_price {
                check_positive(errors, &format!("market.positions[{i}].liquidation_price"), l);
            }
            if let Some(l) = p.leverage {
                check_positive(errors, &format!("market.positions[{i}].leverage"), l);
            }
        }
        if let Some(g) = &self.generator {
            check_non_negative(errors, "market.generator.open_interest_long", g.open_interest_long);
            check_non_negative(errors, "market.generator.open_interest_short", g.open_interest_short);
            check_non_negative(errors, "market.generator.entry_spread", g.entry_spread);
        }
        if let Some(Depth::Linear { notional_per_pct }) = &self.depth {
            check_positive(errors, "market.depth.notional_per_pct", *notional_per_pct);
        }
    }
}
