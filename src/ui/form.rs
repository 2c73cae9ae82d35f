//! The form as the user typed it, and its translation into a [`Scenario`].
//!
//! Every editable number is kept as text so nothing the user typed is lost. [`FormState::to_scenario`]
//! parses the texts; each problem is keyed by the same path the engine uses
//! (`positions[1].entry_price`), so parse errors and engine errors land next to the same field.

use std::collections::BTreeMap;

use crate::engine::{Contract, MarginMode, Position, Scenario, Side, Tier, Venue};
use crate::ui::parse::{field_text, parse_number, percent_text, NumKind};

/// Field problems by path (`wallet_balance`, `positions[0].leverage`, …).
pub type Errors = BTreeMap<String, String>;

/// One editable number of a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PosField {
    EntryPrice,
    Size,
    Leverage,
    MarkPrice,
    Margin,
    Mmr,
    MaintAmount,
    MaxLeverage,
    TakerFee,
}

impl PosField {
    pub const MAIN: [PosField; 4] = [PosField::EntryPrice, PosField::Size, PosField::Leverage, PosField::MarkPrice];
    pub const ADVANCED: [PosField; 5] =
        [PosField::Margin, PosField::Mmr, PosField::MaintAmount, PosField::MaxLeverage, PosField::TakerFee];

    /// The field's name in the Scenario format (and in error paths).
    pub fn key(self) -> &'static str {
        match self {
            PosField::EntryPrice => "entry_price",
            PosField::Size => "size",
            PosField::Leverage => "leverage",
            PosField::MarkPrice => "mark_price",
            PosField::Margin => "margin",
            PosField::Mmr => "mmr",
            PosField::MaintAmount => "maint_amount",
            PosField::MaxLeverage => "max_leverage",
            PosField::TakerFee => "taker_fee",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PosField::EntryPrice => "Entry price",
            PosField::Size => "Size",
            PosField::Leverage => "Leverage",
            PosField::MarkPrice => "Mark price",
            PosField::Margin => "Isolated margin",
            PosField::Mmr => "Maint. margin rate, %",
            PosField::MaintAmount => "Maint. amount",
            PosField::MaxLeverage => "Max leverage",
            PosField::TakerFee => "Closing fee, %",
        }
    }

    pub fn kind(self) -> NumKind {
        match self {
            PosField::Leverage | PosField::MaxLeverage => NumKind::Leverage,
            PosField::Mmr | PosField::TakerFee => NumKind::Percent,
            PosField::MaintAmount => NumKind::Signed,
            _ => NumKind::Amount,
        }
    }

    pub fn required(self) -> bool {
        matches!(self, PosField::EntryPrice | PosField::Size)
    }

    pub fn is_advanced(self) -> bool {
        Self::ADVANCED.contains(&self)
    }
}

/// One editable number of a tier row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TierField {
    Floor,
    Mmr,
    MaintAmount,
    MaxLeverage,
}

impl TierField {
    pub const ALL: [TierField; 4] = [TierField::Floor, TierField::Mmr, TierField::MaintAmount, TierField::MaxLeverage];
    pub fn key(self) -> &'static str {
        match self {
            TierField::Floor => "floor",
            TierField::Mmr => "mmr",
            TierField::MaintAmount => "maint_amount",
            TierField::MaxLeverage => "max_leverage",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TierField::Floor => "From notional",
            TierField::Mmr => "MMR, %",
            TierField::MaintAmount => "Maint. amount",
            TierField::MaxLeverage => "Max leverage",
        }
    }
    pub fn kind(self) -> NumKind {
        match self {
            TierField::Mmr => NumKind::Percent,
            TierField::MaintAmount => NumKind::Signed,
            TierField::MaxLeverage => NumKind::Leverage,
            TierField::Floor => NumKind::Amount,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct TierForm {
    pub floor: String,
    pub mmr: String,
    pub maint_amount: String,
    pub max_leverage: String,
}

impl TierForm {
    pub fn get(&self, f: TierField) -> &str {
        match f {
            TierField::Floor => &self.floor,
            TierField::Mmr => &self.mmr,
            TierField::MaintAmount => &self.maint_amount,
            TierField::MaxLeverage => &self.max_leverage,
        }
    }
    pub fn set(&mut self, f: TierField, v: String) {
        match f {
            TierField::Floor => self.floor = v,
            TierField::Mmr => self.mmr = v,
            TierField::MaintAmount => self.maint_amount = v,
            TierField::MaxLeverage => self.max_leverage = v,
        }
    }
    pub fn from_tier(t: &Tier) -> Self {
        TierForm {
            floor: field_text(t.floor),
            mmr: percent_text(t.mmr),
            maint_amount: field_text(t.maint_amount),
            max_leverage: t.max_leverage.map(field_text).unwrap_or_default(),
        }
    }
}

/// One position as typed.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PosForm {
    /// Stable identity for keyed rendering and reordering (not part of the format).
    pub id: u32,
    pub symbol: String,
    pub side: Side,
    pub contract: Option<Contract>,
    pub entry_price: String,
    pub size: String,
    pub leverage: String,
    pub mark_price: String,
    pub margin: String,
    pub mmr: String,
    pub maint_amount: String,
    pub max_leverage: String,
    pub taker_fee: String,
    /// `Some` when the user overrides the venue's tier table.
    pub tiers: Option<Vec<TierForm>>,
    /// BitMEX funding rate: not edited on this page, but it travels with the Scenario.
    pub funding_rate: Option<f64>,
    /// Whether the "advanced" part is open.
    pub advanced: bool,
    /// The venue's own liquidation price and the importer's note, carried unchanged (not
    /// typed by the user; set by "Import from venue…").
    pub venue_liquidation_price: Option<f64>,
    pub note: Option<String>,
    /// An option position's section: not edited on this page yet, but it travels with the
    /// Scenario (without it the position would be read as a future at its premium).
    pub option: Option<crate::engine::options::OptionSpec>,
}

impl PosForm {
    pub fn get(&self, f: PosField) -> &str {
        match f {
            PosField::EntryPrice => &self.entry_price,
            PosField::Size => &self.size,
            PosField::Leverage => &self.leverage,
            PosField::MarkPrice => &self.mark_price,
            PosField::Margin => &self.margin,
            PosField::Mmr => &self.mmr,
            PosField::MaintAmount => &self.maint_amount,
            PosField::MaxLeverage => &self.max_leverage,
            PosField::TakerFee => &self.taker_fee,
        }
    }

    pub fn set(&mut self, f: PosField, v: String) {
        let slot = match f {
            PosField::EntryPrice => &mut self.entry_price,
            PosField::Size => &mut self.size,
            PosField::Leverage => &mut self.leverage,
            PosField::MarkPrice => &mut self.mark_price,
            PosField::Margin => &mut self.margin,
            PosField::Mmr => &mut self.mmr,
            PosField::MaintAmount => &mut self.maint_amount,
            PosField::MaxLeverage => &mut self.max_leverage,
            PosField::TakerFee => &mut self.taker_fee,
        };
        *slot = v;
    }

    pub fn from_position(id: u32, p: &Position) -> Self {
        let opt = |v: Option<f64>| v.map(field_text).unwrap_or_default();
        PosForm {
            id,
            symbol: p.symbol.clone(),
            side: p.side,
            contract: p.contract,
            entry_price: field_text(p.entry_price),
            size: field_text(p.size),
            leverage: opt(p.leverage),
            mark_price: opt(p.mark_price),
            margin: opt(p.margin),
            mmr: p.mmr.map(percent_text).unwrap_or_default(),
            maint_amount: opt(p.maint_amount),
            max_leverage: opt(p.max_leverage),
            taker_fee: p.taker_fee.map(percent_text).unwrap_or_default(),
            tiers: p.tiers.as_ref().map(|t| t.iter().map(TierForm::from_tier).collect()),
            funding_rate: p.funding_rate,
            advanced: p.tiers.is_some()
                || p.mmr.is_some()
                || p.maint_amount.is_some()
                || p.taker_fee.is_some()
                || p.margin.is_some(),
            venue_liquidation_price: p.venue_liquidation_price,
            note: p.note.clone(),
            option: p.option.clone(),
        }
    }

    /// A sensible first position: a 10x BTC long at 60,000.
    pub fn example(id: u32) -> Self {
        PosForm {
            id,
            symbol: "BTCUSDT".into(),
            side: Side::Long,
            entry_price: "60,000".into(),
            size: "0.5".into(),
            leverage: "10x".into(),
            ..Default::default()
        }
    }
}

/// The account and its positions, as typed.
#[derive(Clone, Debug, PartialEq)]
pub struct FormState {
    pub venue: Venue,
    pub margin_mode: MarginMode,
    pub wallet_balance: String,
    /// Per-coin wallets of an inverse cross account: not edited on this page, but they travel
    /// with the Scenario.
    pub wallet_balances: Option<std::collections::BTreeMap<String, f64>>,
    pub positions: Vec<PosForm>,
    /// Market assumptions are not edited on this page but travel with the Scenario.
    pub market: Option<crate::engine::Market>,
    /// The Scenario's `now`, `collateral` and `portfolio_margin`: not edited on this page yet,
    /// but they travel with the Scenario.
    pub now: Option<String>,
    pub collateral: Option<Vec<crate::engine::collateral::CollateralAsset>>,
    pub portfolio_margin: Option<crate::engine::portfolio::PortfolioMargin>,
    /// The Scenario's `analyses` section (the settings its analyses are computed with): the
    /// page's worker reads it first, and Export and the link write back what was computed.
    pub analyses: Option<crate::engine::compute::AnalysisSettings>,
    pub next_id: u32,
}

impl Default for FormState {
    fn default() -> Self {
        FormState {
            venue: Venue::BinanceUsdm,
            margin_mode: MarginMode::Isolated,
            wallet_balance: "10,000".into(),
            wallet_balances: None,
            positions: vec![PosForm::example(1)],
            market: None,
            now: None,
            collateral: None,
            portfolio_margin: None,
            analyses: None,
            next_id: 2,
        }
    }
}

pub fn pos_path(i: usize, key: &str) -> String {
    format!("positions[{i}].{key}")
}

pub fn tier_path(i: usize, k: usize, key: &str) -> String {
    format!("positions[{i}].tiers[{k}].{key}")
}

impl FormState {
    pub fn from_scenario(s: &Scenario) -> Self {
        let positions: Vec<PosForm> =
            s.positions.iter().enumerate().map(|(i, p)| PosForm::from_position(i as u32 + 1, p)).collect();
        FormState {
            venue: s.venue,
            margin_mode: s.margin_mode,
            wallet_balance: s.wallet_balance.map(field_text).unwrap_or_default(),
            wallet_balances: s.wallet_balances.clone(),
            next_id: positions.len() as u32 + 1,
            positions,
            market: s.market.clone(),
            now: s.now.clone(),
            collateral: s.collateral.clone(),
            portfolio_margin: s.portfolio_margin.clone(),
            analyses: s.analyses.clone(),
        }
    }

    /// Parses every field. Returns the Scenario when every text is a number where one is
    /// needed, else the problems by path. (Ranges are the engine's to check.)
    pub fn to_scenario(&self) -> Result<Scenario, Errors> {
        let (s, errors) = self.to_scenario_lenient();
        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
    }

    /// Like [`FormState::to_scenario`], but always gives a Scenario: a field that does not
    /// parse reads as a neutral value (1 where a number is required, absent otherwise), so the
    /// engine can still check the other fields while the user fixes this one.
    pub fn to_scenario_lenient(&self) -> (Scenario, Errors) {
        let mut errors = Errors::new();
        let mut num = |path: String, text: &str, kind: NumKind, required: bool, what: &str| -> Option<f64> {
            match parse_number(text, kind) {
                Ok(Some(v)) => Some(v),
                Ok(None) => {
                    if required {
                        errors.insert(path, format!("required: enter the {what}"));
                    }
                    None
                }
                Err(e) => {
                    errors.insert(path, e);
                    None
                }
            }
        };
        // Isolated accounts do not use the wallet balance: its text is kept but not read.
        // Portfolio accounts share one wallet as cross accounts do; a collateral list replaces it.
        let shared = matches!(self.margin_mode, MarginMode::Cross | MarginMode::Portfolio) && self.collateral.is_none();
        let wallet = if shared {
            num("wallet_balance".into(), &self.wallet_balance, NumKind::Amount, self.wallet_balances.is_none(), "wallet balance (cross margin needs one)")
        } else {
            None
        };
        let mut positions = Vec::with_capacity(self.positions.len());
        for (i, p) in self.positions.iter().enumerate() {
            let mut get = |f: PosField| {
                num(pos_path(i, f.key()), p.get(f), f.kind(), f.required(), &f.label().to_lowercase())
            };
            let entry_price = get(PosField::EntryPrice);
            let size = get(PosField::Size);
            let leverage = get(PosField::Leverage);
            let mark_price = get(PosField::MarkPrice);
            let margin = get(PosField::Margin);
            let mmr = get(PosField::Mmr);
            let maint_amount = get(PosField::MaintAmount);
            let max_leverage = get(PosField::MaxLeverage);
            let taker_fee = get(PosField::TakerFee);
            let tiers = p.tiers.as_ref().map(|rows| {
                rows.iter()
                    .enumerate()
                    .map(|(k, t)| {
                        let mut g = |f: TierField, req: bool| {
                            num(tier_path(i, k, f.key()), t.get(f), f.kind(), req, &f.label().to_lowercase())
                        };
                        Tier {
                            floor: g(TierField::Floor, true).unwrap_or(if k == 0 { 0.0 } else { f64::MAX }),
                            mmr: g(TierField::Mmr, true).unwrap_or(0.0),
                            maint_amount: g(TierField::MaintAmount, false).unwrap_or(0.0),
                            max_leverage: g(TierField::MaxLeverage, false),
                        }
                    })
                    .collect()
            });
            positions.push(Position {
                symbol: p.symbol.trim().to_string(),
                contract: p.contract,
                side: p.side,
                size: size.unwrap_or(1.0),
                entry_price: entry_price.unwrap_or(1.0),
                mark_price,
                leverage,
                margin,
                mmr,
                maint_amount,
                tiers,
                max_leverage,
                taker_fee,
                venue_liquidation_price: p.venue_liquidation_price,
                note: p.note.clone(),
                funding_rate: p.funding_rate,
                option: p.option.clone(),
                ..Position::default()
            });
        }
        let wallet = match (self.margin_mode, wallet) {
            // Per-coin wallets stand in for the one wallet.
            (MarginMode::Cross, None) if self.wallet_balances.is_some() => None,
            // A cross wallet that did not parse: 0 keeps the engine from reporting it again.
            (MarginMode::Cross | MarginMode::Portfolio, None) if self.collateral.is_none() => Some(0.0),
            (_, w) => w,
        };
        let s = Scenario {
            version: crate::engine::scenario::FORMAT_VERSION,
            venue: self.venue,
            margin_mode: self.margin_mode,
            wallet_balance: wallet,
            wallet_balances: if self.margin_mode == MarginMode::Cross { self.wallet_balances.clone() } else { None },
            positions,
            market: self.market.clone(),
            lending: None,
            vault: None,
            auction: None,
            now: self.now.clone(),
            portfolio_margin: self.portfolio_margin.clone(),
            collateral: self.collateral.clone(),
            analyses: self.analyses.clone(),
        };
        (s, errors)
    }
}

/// Makes an engine message read well next to a field.
pub fn friendly(message: &str) -> String {
    message
        .replace("must be a finite number > 0", "must be more than 0")
        .replace("must be a finite number ≥ 0", "must be 0 or more")
}
