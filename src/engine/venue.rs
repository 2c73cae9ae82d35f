//! Venue presets: how each venue turns a position into a maintenance-margin model.
//!
//! A preset decides the usual contract type, the maintenance schedule (flat rate, tiers with a
//! maintenance amount, or Deribit's size-dependent rate), whether the estimated closing fee
//! counts in the liquidation condition and at which price it is valued, and where the
//! maintenance margin is valued (at the liquidation price, or at entry). The formula and source
//! of each preset are carried into every position report.
//!
//! | preset | MM valued at | fee counted (default rate) | schedule | source |
//! |---|---|---|---|---|
//! | `binance-usdm` | LP | no | brackets | [BN-USDM-LP], [BN-COINM-LP] |
//! | `binance-coinm` | LP (coin) | no | brackets in coin | [BN-COINM-LP] |
//! | `bybit` linear | entry | no | risk-limit MMR | [BB-USDT-LP] |
//! | `bybit` inverse | entry | yes, at the bankruptcy price (0.075 %) | risk-limit MMR | [BB-INV-LP] |
//! | `okx`, `gate` | LP | yes, at LP (0.05 %) | tiers | [FT-exchange], [OKX-MMR], [GATE-3P] |
//! | `hyperliquid` | LP | no | 1/(2 × max lev.), tiers | [HL-liq], [HL-tiers], [FT-hl] |
//! | `dydx` | LP (oracle) | no | flat MMF | [DYDX-liq], [DYDX-margin] |
//! | `bitmex` | entry | yes, at entry (0.05 %) | risk limits | [BMX-REDDIT], [BMX-RL] |
//! | `deribit` | LP | no | `1 % + size × k` | [DRB-2022] |
//! | `generic` | LP | no | flat 0.5 % | — |

use std::borrow::Cow;

use crate::engine::scenario::{Contract, FieldError, Position, Scenario, Tier, Venue};
use crate::engine::tables::{self, Schedule, SizeRate};

/// Where a venue values the maintenance margin in its liquidation formula.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MmValuation {
    /// `MM(P) = notional(P) × mmr − amount`, solved at the liquidation price (Binance, OKX,
    /// Gate, Hyperliquid, dYdX, Deribit).
    AtPrice,
    /// `MM = notional(entry) × mmr − amount`, fixed at the entry value (Bybit's published
    /// linear and inverse examples, BitMEX's staff formula).
    AtEntry,
}

/// At which price a venue values the estimated closing fee in its liquidation condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeeValuation {
    /// `fee = notional(P) × rate` at the liquidation price (OKX, Gate).
    AtPrice,
    /// `fee = notional(entry) × rate`, part of the maintenance rate (BitMEX: "MM = 0.50 % +
    /// exit taker fee" [BMX-REDDIT]).
    AtEntry,
    /// `fee = notional(BP) × rate` at the bankruptcy price (Bybit inverse: "Qty × 0.00075 / BP"
    /// [BB-INV-LP]).
    AtBankruptcy,
}

/// A position reduced to what the liquidation solver needs.
#[derive(Clone, Debug, PartialEq)]
pub struct PositionModel {
    pub contract: Contract,
    /// +1 long, −1 short.
    pub side: f64,
    pub size: f64,
    pub entry_price: f64,
    pub mark_price: f64,
    /// Maintenance table, sorted by `floor`, first floor 0 (borrowed from the shipped tables
    /// unless the user gave one).
    pub tiers: Cow<'static, [Tier]>,
    /// Deribit's size-dependent rate; when set it replaces `tiers`.
    pub size_rate: Option<SizeRate>,
    /// Closing-fee rate counted in the liquidation condition (0 where the venue does not).
    pub fee_rate: f64,
    pub valuation: MmValuation,
    pub fee_valuation: FeeValuation,
    /// The liquidation condition, written out for the report.
    pub formula: &'static str,
    /// Source of the formula.
    pub source: &'static str,
    /// Source of the maintenance schedule (table snapshot, override or fallback note).
    pub table_source: &'static str,
}

/// The venue's usual contract type: inverse for Binance COIN-M, BitMEX and Deribit, linear
/// for the others.
pub fn default_contract(venue: Venue) -> Contract {
    match venue {
        Venue::BinanceCoinm | Venue::Bitmex | Venue::Deribit => Contract::Inverse,
        _ => Contract::Linear,
    }
}

/// The default closing-fee rate of the venues that count it: OKX and Gate 0.05 % (OKX's
/// example [S7c] adds 0.05 %), Bybit inverse 0.075 % ([BB-INV-LP]: `Qty × 0.00075 / BP`),
/// BitMEX 0.05 % (assumed; its staff formula names the exit taker fee without a figure).
/// `None` where the venue's liquidation condition has no fee term.
pub fn default_fee(venue: Venue, contract: Contract) -> Option<f64> {
    match (venue, contract) {
        (Venue::Okx | Venue::Gate | Venue::Bitmex, _) => Some(0.0005),
        (Venue::Bybit, Contract::Inverse) => Some(0.00075),
        _ => None,
    }
}

/// The venue's liquidation condition and its source, per contract type.
pub fn formula(venue: Venue, contract: Contract) -> (&'static str, &'static str) {
    use Contract::{Inverse, Linear};
    match (venue, contract) {
        (Venue::BinanceUsdm, Linear) | (Venue::BinanceCoinm, Linear) => (
            "LP = (WB − TMM1 + UPNL1 + cumB − side×Q×EP) / (Q×MMR − side×Q), MMR and cumB of the bracket at the LP's notional (re-solved when it lands in another bracket); isolated: TMM1 = UPNL1 = 0",
            "Binance USDⓈ-M liquidation price FAQ [BN-USDM-LP]; bracket re-solve [BN-COINM-LP]",
        ),
        (Venue::BinanceUsdm, Inverse) | (Venue::BinanceCoinm, Inverse) => (
            "LP = (N×MMR + side×N) / (WB + cumB + side×N/EP), N = contracts × contract size (USD), MMR and cumB of the bracket at the LP's coin notional (re-solved when it lands in another bracket); cross: WB − TMM1 + UPNL1",
            "Binance COIN-M liquidation price FAQ [BN-COINM-LP]",
        ),
        (Venue::Bybit, Linear) => (
            "LP = EP − side×(C − MM)/Q, C = IM + extra margin, MM = Q×EP×MMR − deduction (valued at entry, no fee)",
            "Bybit \"Liquidation Price (USDT Contract)\" [BB-USDT-LP]",
        ),
        (Venue::Bybit, Inverse) => (
            "side×N×(1/EP − 1/LP) = −(C − N/EP×MMR − N×fee/BP), BP = N×(side + fee) / (C + side×N/EP): MM at entry, closing fee valued at the bankruptcy price",
            "Bybit \"How to calculate Liquidation Price (Inverse Contract)\" [BB-INV-LP]",
        ),
        (Venue::Okx, Linear) => (
            "LP = (EP − side×(C + cum)/Q) / (1 − side×(MMR + fee)): equity = notional(LP) × (MMR + taker fee) − cum",
            "OKX tiered maintenance margin rules [OKX-MMR]; closed form as in freqtrade [FT-exchange]",
        ),
        (Venue::Okx, Inverse) => (
            "LP = N×(side + MMR + fee) / (C + cum + side×N/EP): equity = N/LP × (MMR + taker fee) − cum",
            "OKX [OKX-MMR]; coin-margined form (3rd-party [OKX-3P-ukcamo]) with the fee term",
        ),
        (Venue::Gate, Linear) => (
            "LP = (EP − side×(C + cum)/Q) / (1 − side×(MMR + fee))",
            "Gate formula as quoted in freqtrade [FT-exchange]",
        ),
        (Venue::Gate, Inverse) => (
            "LP = N×EP×(1 + side×(MMR + fee)) / (N + side×C×EP) (with cum: C + cum)",
            "Gate support answer (3rd-party [GATE-3P])",
        ),
        (Venue::Hyperliquid, Linear) => (
            "LP = price − side × margin_available / size / (1 − MMR × side), margin_available = C − MM (isolated; cross: account value − MM), MMR = 1/(2 × max leverage) of the tier, MM = notional × MMR − deduction",
            "Hyperliquid \"Liquidations\" [HL-liq] and \"Margin tiers\" [HL-tiers]; form as in freqtrade [FT-hl]",
        ),
        (Venue::Dydx, Linear) => (
            "LP = (e − s×p − MMR_o) / (|s|×MMF − s), s signed size, e equity, p oracle price, MMR_o the other positions' maintenance at oracle (0 isolated)",
            "dYdX v4 liquidations [DYDX-liq], margin [DYDX-margin]",
        ),
        (Venue::Bitmex, Inverse) => (
            "LP_long = EP/(1 + IM − MM), LP_short = EP/(1 − IM + MM), IM = C / value(EP), MM = risk-limit MMR + exit taker fee (both at entry value)",
            "BitMEX staff formula (3rd-party quote [BMX-REDDIT]); risk limits [BMX-RL]",
        ),
        (Venue::Bitmex, Linear) => (
            "LP = EP × (1 − side×(IM − MM)), IM = C / value(EP), MM = risk-limit MMR + exit taker fee (at entry value)",
            "BitMEX staff formula, linear form (3rd-party quote [BMX-REDDIT]); liquidation example [BMX-LIQEX]",
        ),
        (Venue::Deribit, Inverse) => (
            "C + side×N×(1/EP − 1/LP) = (N/LP) × (1 % + (N/LP) × 0.005 %) (BTC; ETH 0.0004 %): quadratic in 1/LP, root nearest the mark on the losing side",
            "Deribit standard margin, effective 2022-01-11 [DRB-2022]",
        ),
        (Venue::Deribit, Linear) => (
            "LP = (C + cum − side×Q×EP) / (Q×MMR − side×Q), MMR = 1 % + Q × 0.005 % (BTC; ETH 0.0004 %)",
            "Deribit standard margin, effective 2022-01-11 [DRB-2022]",
        ),
        (_, Linear) => (
            "C + side×Q×(LP − EP) = Q×LP×(MMR + fee) − cum, MMR/cum of the tier at the LP's notional",
            "leverlab generic maintenance-margin model",
        ),
        (_, Inverse) => (
            "C + side×N×(1/EP − 1/LP) = N/LP×(MMR + fee) − cum, MMR/cum of the tier at the LP's notional",
            "leverlab generic maintenance-margin model",
        ),
    }
}

/// Builds the solver's model of position `index` under the Scenario's venue preset.
///
/// Precedence for the maintenance schedule: `tiers` override > `mmr` (+ `maint_amount`) >
/// `max_leverage` (MMR = 1/(2 × max_leverage), Hyperliquid [HL-liq]) > the venue's shipped
/// table for the symbol ([`tables::schedule`]) > a flat fallback named in `table_source`.
/// The closing fee counts only where the venue counts it; `taker_fee` overrides its rate.
/// Allocates only when the user gave a table or rate.
///
/// # Errors
/// A [`FieldError`] at `positions[i].tiers` for an empty tier table.
pub fn position_model(s: &Scenario, index: usize, p: &Position) -> Result<PositionModel, FieldError> {
    let contract = s.contract_of(p);
    let mut size_rate = None;
    let (tiers, table_source): (Cow<'static, [Tier]>, &'static str) = if let Some(t) = &p.tiers {
        (Cow::Owned(t.clone()), "user tiers")
    } else if let Some(mmr) = p.mmr {
        let tier = Tier { floor: 0.0, mmr, maint_amount: p.maint_amount.unwrap_or(0.0), max_leverage: p.max_leverage };
        (Cow::Owned(vec![tier]), "user mmr / maint_amount")
    } else if let Some(ml) = p.max_leverage {
        let tier = Tier { floor: 0.0, mmr: 1.0 / (2.0 * ml), maint_amount: 0.0, max_leverage: Some(ml) };
        (Cow::Owned(vec![tier]), "user max_leverage: MMR = 1/(2 × max_leverage) [HL-liq]")
    } else {
        match tables::schedule(s.venue, &p.symbol) {
            Schedule::Tiers(t, src) | Schedule::Fallback(t, src) => (Cow::Borrowed(t), src),
            Schedule::Size(r, src) => {
                size_rate = Some(r);
                (Cow::Borrowed(&tables::FALLBACK[..]), src)
            }
        }
    };
    if tiers.is_empty() {
        return Err(FieldError::new(format!("positions[{index}].tiers"), "must list at least one tier"));
    }
    let fee_rate = default_fee(s.venue, contract).map_or(0.0, |d| p.taker_fee.unwrap_or(d));
    let (valuation, fee_valuation) = match (s.venue, contract) {
        (Venue::Bybit, Contract::Inverse) => (MmValuation::AtEntry, FeeValuation::AtBankruptcy),
        (Venue::Bybit, Contract::Linear) => (MmValuation::AtEntry, FeeValuation::AtPrice),
        (Venue::Bitmex, _) => (MmValuation::AtEntry, FeeValuation::AtEntry),
        _ => (MmValuation::AtPrice, FeeValuation::AtPrice),
    };
    let (formula, source) = formula(s.venue, contract);
    Ok(PositionModel {
        contract,
        side: p.side.sign(),
        size: p.size,
        entry_price: p.entry_price,
        mark_price: p.mark_price.unwrap_or(p.entry_price),
        tiers,
        size_rate,
        fee_rate,
        valuation,
        fee_valuation,
        formula,
        source,
        table_source,
    })
}

/// Initial margin a position posts (isolated) or requires (cross), in the settlement asset.
///
/// * `leverage` given: `value(EP) / leverage`; BitMEX adds the entry and exit taker fees
///   (`IM = 1/leverage + entry taker fee + exit taker fee` [BMX-REDDIT]).
/// * else `margin` given: that amount.
/// * neither (cross only): the venue's initial requirement at entry, `value(EP) / max leverage`
///   of the tier (Deribit: `value × (2 % + size × k)`), or `2 × MMR` when no maximum is
///   published.
pub fn initial_margin(s: &Scenario, p: &Position, m: &PositionModel) -> f64 {
    let value = crate::engine::margin::notional(m, m.entry_price);
    match (p.leverage, p.margin) {
        (Some(l), _) => {
            let reserve = if s.venue == Venue::Bitmex { 2.0 * m.fee_rate } else { 0.0 };
            value * (1.0 / l + reserve)
        }
        (None, Some(c)) => c,
        (None, None) => value / max_leverage(m, m.entry_price),
    }
}

/// The highest leverage the venue allows for the position valued at price `p`: the tier's
/// published maximum, Deribit's `1 / (2 % + size × k)`, or `1 / (2 × MMR)` otherwise.
pub fn max_leverage(m: &PositionModel, p: f64) -> f64 {
    let v = crate::engine::margin::notional(m, p);
    if let Some(r) = m.size_rate {
        let coin = match m.contract {
            Contract::Linear => m.size,
            Contract::Inverse => v,
        };
        return 1.0 / (r.im_base + r.per_coin * coin);
    }
    let k = crate::engine::margin::tier_index(&m.tiers, v);
    let t = &m.tiers[k];
    t.max_leverage.unwrap_or_else(|| if t.mmr > 0.0 { 1.0 / (2.0 * t.mmr) } else { 1000.0 })
}
