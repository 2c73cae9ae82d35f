//! The typed settings of every analysis the compute entry runs, and the Scenario's optional
//! `analyses` section that carries them.
//!
//! Every field is optional: absent means "the engine's default", which [`super::compute`]
//! fills in and lists as an assumption. The field names are the format's and the settings' own
//! (`range`, `max_shock`); only the CLI's own layer (`src/api`, `src/cli`) gives them its flag
//! spelling. Unknown fields are errors with a "did you mean" suggestion (see
//! [`crate::engine::input`]).

use serde::{Deserialize, Serialize};

use crate::engine::input::{opt, Field, Shape};

/// Declares a settings struct: every field optional, unknown fields refused, its strict-reader
/// field list (`FIELDS`) and `over`, which fills the fields `self` lacks from `base`.
macro_rules! settings {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty = $shape:expr),* $(,)? }) => {
        $(#[$m])*
        #[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fm])* #[serde(default, skip_serializing_if = "Option::is_none")] pub $field: Option<$ty>,)*
        }

        impl $name {
            /// The fields, for the strict reader.
            pub const FIELDS: &'static [Field] = &[$(opt(stringify!($field), $shape)),*];

            /// These settings, with each field not given taken from `base` (the Scenario's
            /// `analyses` section).
            #[allow(unused_variables)]
            pub fn over(self, base: Option<&Self>) -> Self {
                match base {
                    None => self,
                    Some(b) => Self { $($field: self.$field.or_else(|| b.$field.clone()),)* },
                }
            }
        }
    };
}

settings!(
    /// `stress`: equity, margin ratio and PnL over one common price move.
    Stress {
        /// Move only this symbol's positions (default: every position).
        symbol: String = Shape::Text,
        /// The move spans −range…+range (a fraction; default 0.5).
        range: f64 = Shape::Number,
        /// Points on the curve, 2…10001 (default 101).
        points: u64 = Shape::Whole,
        /// Choose `range` to show every liquidation point: 1.35 × the farthest one, clamped to
        /// 10 %…95 % (the page's chart). The chosen range is listed as an assumption.
        fit: bool = Shape::Bool,
    }
);

settings!(
    /// `grid`: the SPAN/Deribit-style scenario grid, or a two-symbol surface with `x` and `y`.
    Grid {
        range: f64 = Shape::Number,
        steps: u64 = Shape::Whole,
        x: String = Shape::Text,
        y: String = Shape::Text,
    }
);

settings!(
    /// `probability`: closed-form first passage, optionally a seeded Monte Carlo.
    Probability {
        /// Horizon in days (default: `market.horizon_days`, else 7).
        horizon: f64 = Shape::Number,
        monte_carlo: bool = Shape::Bool,
        paths: u64 = Shape::Whole,
        steps: u64 = Shape::Whole,
        seed: u64 = Shape::Whole,
        no_bridge: bool = Shape::Bool,
        curves: bool = Shape::Bool,
        no_funding: bool = Shape::Bool,
    }
);

settings!(
    /// `band`: the liquidation band.
    Band { horizon: f64 = Shape::Number }
);

settings!(
    /// `carry`: funding carry and liquidation drift.
    Carry { horizon: f64 = Shape::Number, points: u64 = Shape::Whole }
);

settings!(
    /// `recommend`: maintenance rate and leverage recommendation.
    Recommend {
        confidence: f64 = Shape::Number,
        /// Liquidation latency in minutes.
        latency: f64 = Shape::Number,
        target: f64 = Shape::Number,
        horizon: f64 = Shape::Number,
    }
);

settings!(
    /// `greeks`: no settings.
    Greeks {}
);

settings!(
    /// `venues`: the Scenario under every exchange preset; no settings.
    Venues {}
);

settings!(
    /// `map`: the market's liquidation map.
    Map {
        bins: u64 = Shape::Whole,
        range: f64 = Shape::Number,
        /// Market positions as CSV text (the columns of `help map`), added to the market's.
        csv_text: String = Shape::Text,
        /// Market loans as CSV text (the columns of `help cascade`), added to `market.loans`.
        loans_csv_text: String = Shape::Text,
    }
);

settings!(
    /// `cascade`: one cascade from `shock`, optionally the sweep and the sensitivity.
    Cascade {
        shock: f64 = Shape::Number,
        sweep: bool = Shape::Bool,
        max_shock: f64 = Shape::Number,
        steps: u64 = Shape::Whole,
        threshold: f64 = Shape::Number,
        sensitivity: bool = Shape::Bool,
        max_path: u64 = Shape::Whole,
        csv_text: String = Shape::Text,
        loans_csv_text: String = Shape::Text,
    }
);

settings!(
    /// `sweep`: the amplification curve and the critical shocks (the cascade's sweep alone).
    Sweep {
        max_shock: f64 = Shape::Number,
        steps: u64 = Shape::Whole,
        threshold: f64 = Shape::Number,
        csv_text: String = Shape::Text,
        loans_csv_text: String = Shape::Text,
    }
);

settings!(
    /// `liquidate`: one Aave v3 / Morpho Blue liquidation call.
    Liquidate { collateral: String = Shape::Text, debt: String = Shape::Text, amount: f64 = Shape::Number }
);

settings!(
    /// `loop`: deposit → borrow → swap → deposit to a target leverage.
    Loop {
        leverage: f64 = Shape::Number,
        collateral: String = Shape::Text,
        debt: String = Shape::Text,
        swap_cost: f64 = Shape::Number,
    }
);

settings!(
    /// `auction`: Maker's liquidation auction.
    Auction { at: f64 = Shape::Number, take: f64 = Shape::Number, max: f64 = Shape::Number }
);

settings!(
    /// `health`: a lending account's health factor against each asset's price.
    Health { range: f64 = Shape::Number, points: u64 = Shape::Whole }
);

settings!(
    /// `compare-lending`: one loan as Aave, Morpho and Maker.
    CompareLending { lltv: f64 = Shape::Number, mat: f64 = Shape::Number, chop: f64 = Shape::Number }
);

settings!(
    /// `pnl`: PnL and ROE at an exit price.
    Pnl { price: f64 = Shape::Number, position: u64 = Shape::Whole }
);

settings!(
    /// `target`: the exit price for a target ROE or PnL.
    Target { roe: f64 = Shape::Number, pnl: f64 = Shape::Number, position: u64 = Shape::Whole }
);

settings!(
    /// `average-entry`: no settings.
    AverageEntry {}
);

settings!(
    /// `max-size`: the largest openable size.
    MaxSize { balance: f64 = Shape::Number, leverage: f64 = Shape::Number, position: u64 = Shape::Whole }
);

settings!(
    /// `margin`: adding or removing isolated margin.
    Margin { add: f64 = Shape::Number, position: u64 = Shape::Whole }
);

settings!(
    /// `payoff`: an option book's P&L over a common move, now and at expiry.
    Payoff {
        /// The move spans −range…+range (a fraction above 0, at most 0.99; default 0.5).
        range: f64 = Shape::Number,
        /// Points on the curve, 2…10001 (default 101).
        points: u64 = Shape::Whole,
    }
);

settings!(
    /// `collateral`: multi-asset collateral values and each asset's liquidation price.
    Collateral {
        /// Points per axis of the two-price surface, 2…201 (default 21).
        points: u64 = Shape::Whole,
    }
);

settings!(
    /// `portfolio`: portfolio margin (the model and its parameters are the Scenario's
    /// `portfolio_margin`); no settings.
    Portfolio {}
);

/// Declares [`Analysis`] (one analysis with its settings, as `{"stress": {...}}`), the
/// Scenario's [`AnalysisSettings`] section (`{"stress": {...}, "cascade": {...}}`) and the
/// tables between them.
macro_rules! analyses {
    ($($variant:ident ($ty:ident, $field:ident) = $name:literal),* $(,)?) => {
        /// One requested analysis and its settings: `{"stress": {"range": 0.3}}`.
        #[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
        #[serde(deny_unknown_fields)]
        pub enum Analysis {
            $(#[serde(rename = $name)] $variant($ty),)*
        }

        /// The Scenario's optional `analyses` section: the settings each analysis was (or is
        /// to be) computed with. Every door reads it; options given at the door override it
        /// field by field.
        #[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
        #[serde(deny_unknown_fields)]
        pub struct AnalysisSettings {
            $(#[serde(rename = $name, default, skip_serializing_if = "Option::is_none")] pub $field: Option<$ty>,)*
        }

        /// The names of the analyses, as the format spells them.
        pub const NAMES: &[&str] = &[$($name),*];

        /// The form of [`Analysis`], for the strict reader.
        pub const ANALYSIS: Shape = Shape::Variant(&[$(($name, Some(&Shape::Object($ty::FIELDS)))),*]);

        /// The fields of [`AnalysisSettings`], for the strict reader.
        pub const SECTION_FIELDS: &[Field] = &[$(opt($name, Shape::Object($ty::FIELDS))),*];

        impl Analysis {
            /// The analysis's name (`stress`, `compare-lending`).
            pub fn name(&self) -> &'static str {
                match self { $(Analysis::$variant(_) => $name,)* }
            }

            /// The setting names this analysis accepts.
            pub fn fields(&self) -> &'static [Field] {
                match self { $(Analysis::$variant(_) => $ty::FIELDS,)* }
            }

            /// These settings over the Scenario's section: fields not given here come from it.
            pub fn over(self, section: Option<&AnalysisSettings>) -> Analysis {
                match self { $(Analysis::$variant(x) => Analysis::$variant(x.over(section.and_then(|s| s.$field.as_ref()))),)* }
            }

            /// The analysis `name` with no settings given (every value from the Scenario's
            /// section or the defaults).
            pub fn named(name: &str) -> Option<Analysis> {
                match name { $($name => Some(Analysis::$variant($ty::default())),)* _ => None }
            }
        }

        impl AnalysisSettings {
            /// The analyses this section holds settings for, in [`NAMES`] order.
            pub fn listed(&self) -> Vec<Analysis> {
                let mut out = Vec::new();
                $(if let Some(x) = &self.$field { out.push(Analysis::$variant(x.clone())); })*
                out
            }

            /// Writes `a`'s settings into the section (replacing what it held for that analysis).
            pub fn set(&mut self, a: &Analysis) {
                match a { $(Analysis::$variant(x) => self.$field = Some(x.clone()),)* }
            }
        }
    };
}

analyses!(
    Stress(Stress, stress) = "stress",
    Grid(Grid, grid) = "grid",
    Probability(Probability, probability) = "probability",
    Band(Band, band) = "band",
    Carry(Carry, carry) = "carry",
    Recommend(Recommend, recommend) = "recommend",
    Greeks(Greeks, greeks) = "greeks",
    Map(Map, map) = "map",
    Cascade(Cascade, cascade) = "cascade",
    Sweep(Sweep, sweep) = "sweep",
    Venues(Venues, venues) = "venues",
    Liquidate(Liquidate, liquidate) = "liquidate",
    Loop(Loop, r#loop) = "loop",
    Auction(Auction, auction) = "auction",
    CompareLending(CompareLending, compare_lending) = "compare-lending",
    Health(Health, health) = "health",
    Pnl(Pnl, pnl) = "pnl",
    Target(Target, target) = "target",
    AverageEntry(AverageEntry, average_entry) = "average-entry",
    MaxSize(MaxSize, max_size) = "max-size",
    Margin(Margin, margin) = "margin",
    Payoff(Payoff, payoff) = "payoff",
    Collateral(Collateral, collateral) = "collateral",
    Portfolio(Portfolio, portfolio) = "portfolio",
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::input::introspect::assert_matches;

    #[test]
    fn declared_fields_match_serde() {
        assert_matches::<Stress>(Stress::FIELDS);
        assert_matches::<Probability>(Probability::FIELDS);
        assert_matches::<Cascade>(Cascade::FIELDS);
        assert_matches::<AnalysisSettings>(SECTION_FIELDS);
    }
}
