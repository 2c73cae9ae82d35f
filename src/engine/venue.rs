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
//! | `bybit` (Unified Trading Account) | LP (mark) | yes, at the bankruptcy price, also reserved in IM (0.055 %) | risk-limit MMR | [BB-UTA-ISO] 2026-05-27, [BB-UTA-TERMS] 2026-03-13, [BB-FEE-3P] |
//! | `bybit-classic` linear | entry | no | risk-limit MMR | [BB-USDT-LP] |
//! | `bybit-classic` inverse isolated | entry | no (reserved on top of IM) | risk-limit MMR | [BB-INV-LP], [BB-UTA-ISO-old] 2024-09-10 |
//! | `bybit-classic` inverse cross | entry | yes, at the bankruptcy price (0.075 %) | risk-limit MMR | [BB-INV-LP] |
//! | `okx` | LP | yes, at LP (0.05 %) | tiers (contracts, see [`tables::OKX_BTC_SOURCE`]) | [FT-exchange], [OKX-MMR] |
//! | `gate` | LP | yes, at LP (0.075 %) | tiers | [FT-exchange], [GATE-3P], [GATE-FEE] |
//! | `hyperliquid` | LP | no | 1/(2 × max lev.), tiers | [HL-liq], [HL-tiers], [FT-hl] |
//! | `dydx` | LP (oracle) | no | flat MMF | [DYDX-liq], [DYDX-margin] |
//! | `bitmex` | entry | yes, at entry (0.075 %), plus the funding the position pays | risk limits | [BMX-REDDIT], [BMX-RL], [BMX-FEES] |
//! | `deribit` | LP | no | `1 % + size × k` | [DRB-2022] |
//! | `generic` | LP | no | flat 0.5 % | — |
//!
//! Sources added for these presets (besides leverlab's venue notes):
//! * [BB-UTA-ISO] Bybit, "Liquidation Price Calculation under Isolated Mode (Unified Trading
//!   Account)", last updated 2026-05-27 (kbybit.com mirror): inverse long
//!   `LP = Qty × (1 + MMR) / (Qty/EP + Qty/EP/Lev + Extra/(1 + taker) + MM deduction)`, with
//!   "Position Value = Contract Quantity ÷ Mark Price", "Initial Margin = Position Value /
//!   Leverage + Estimated Fee to Close Position", "Maintenance Margin = Position Value × MMR −
//!   MM Deduction + Estimated Fee to Close Position". The fee is in both IM and MM, so for a
//!   leverage-derived margin it cancels; the `Extra/(1 + taker)` term is the fee valued at the
//!   bankruptcy price of the position's collateral, which is how leverlab values it.
//! * [BB-UTA-ISO-old] the same page as of 2024-09-10 (bybit.nl mirror):
//!   `LP = Qty / (PV + IM − MM)`, PV = Qty/EP, no fee term — the classic account's rule.
//! * [BB-UTA-TERMS] Bybit, "Trading Terms and Formulas in Unified Trading Account", last
//!   updated 2026-03-13 (bytick.com mirror): cross "Margin Balance = Wallet Balance + Perp &
//!   Future Unrealized P&L", "Account MM Rate = Total Maintenance Margin / (Margin Balance …)".
//! * [BB-FEE-3P] Bybit's derivatives fee example restated 2024-07-31 (refeshop.com): taker
//!   0.055 % for non-VIP users on USDT perpetual and inverse contracts.
//! * [BB-INV-LP] Bybit "How to calculate Liquidation Price (Inverse Contract)" (classic
//!   account): cross `Qty × (1/EP − 1/LP) = −(Account Balance − Order Margin − Qty/EP × MMR −
//!   Qty × 0.00075/BP)`: the account balance, not the unrealised profit of other positions.
//! * [BMX-FEES] BitMEX "Fees" (bitmex.com/app/fees, 2019 snapshot): XBT perpetual taker
//!   0.0750 %, maker −0.0250 %; BitMEX's support glossary: isolated IM = value/leverage +
//!   2 × taker fee × value. (A later BitMEX blog post announces a 0.05 % taker fee for
//!   volume tiers; give `taker_fee` for your tier.)
//! * [GATE-FEE] Gate help centre "Futures Trading Fee Calculation" (article 22079): the taker
//!   fee paid with points "is fixed at 0.075 %"; tiered rates otherwise — give `taker_fee`.

use std::borrow::Cow;

use crate::engine::scenario::{check_non_negative, Contract, FieldError, MarginMode, Position, Scenario, Tier, Venue};
use crate::engine::tables::{self, Schedule, SizeRate};

/// Where a venue values the maintenance margin in its liquidation formula.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MmValuation {
    /// `MM(P) = notional(P) × mmr − amount`, solved at the liquidation price (Binance, OKX,
    /// Gate, Hyperliquid, dYdX, Deribit, Bybit's Unified Trading Account).
    AtPrice,
    /// `MM = notional(entry) × mmr − amount`, fixed at the entry value (Bybit's classic-account
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
    /// `fee = notional(BP) × rate` at the bankruptcy price (Bybit classic inverse cross: "Qty ×
    /// 0.00075 / BP" [BB-INV-LP]; Bybit UTA's estimated fee to close [BB-UTA-ISO]).
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
    /// Funding rate this position pays at the next interval, counted in the maintenance margin
    /// at entry value (BitMEX "MM = 0.50 % + exit taker fee + funding rate" [BMX-REDDIT]);
    /// 0 elsewhere and when the position receives funding.
    pub funding: f64,
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
/// for the others. (A symbol with a shipped table takes that table's type, see
/// [`Scenario::contract_of`].)
pub fn default_contract(venue: Venue) -> Contract {
    match venue {
        Venue::BinanceCoinm | Venue::Bitmex | Venue::Deribit => Contract::Inverse,
        _ => Contract::Linear,
    }
}

/// The closing-fee rule of a venue's liquidation condition: the default taker rate and the
/// price it is valued at; `None` where the condition has no fee term.
///
/// * OKX 0.05 % at LP (OKX's example [S7c] adds 0.05 %).
/// * Gate 0.075 % at LP ([GATE-FEE]: the points taker rate "is fixed at 0.075 %").
/// * BitMEX 0.075 % at entry ([BMX-FEES]: XBT perpetual taker 0.0750 %).
/// * Bybit UTA 0.055 % at the bankruptcy price ([BB-UTA-ISO] estimated fee to close;
///   rate [BB-FEE-3P]).
/// * Bybit classic inverse cross 0.075 % at the bankruptcy price ([BB-INV-LP]: `Qty ×
///   0.00075 / BP`); classic isolated and classic linear: none (the fee is reserved on top of
///   the initial margin, outside the liquidation formula [BB-USDT-LP], [BB-UTA-ISO-old]).
pub fn fee_rule(venue: Venue, contract: Contract, mode: MarginMode) -> Option<(f64, FeeValuation)> {
    match (venue, contract, mode) {
        (Venue::Okx, _, _) => Some((0.0005, FeeValuation::AtPrice)),
        (Venue::Gate, _, _) => Some((0.00075, FeeValuation::AtPrice)),
        (Venue::Bitmex, _, _) => Some((0.00075, FeeValuation::AtEntry)),
        (Venue::Bybit, _, _) => Some((0.00055, FeeValuation::AtBankruptcy)),
        (Venue::BybitClassic, Contract::Inverse, MarginMode::Cross) => Some((0.00075, FeeValuation::AtBankruptcy)),
        _ => None,
    }
}

/// Whether a cross account counts the other positions' unrealised *profit* as collateral.
/// Bybit's classic account does not: its cross formula uses the account balance [BB-INV-LP],
/// and unrealised profit is not available balance there; other positions' losses still count.
/// Every other preset counts all unrealised PnL (Binance `UPNL1` [BN-USDM-LP], Bybit UTA
/// "Margin Balance = Wallet Balance + Perp & Future Unrealized P&L" [BB-UTA-TERMS]).
pub fn counts_others_profit(venue: Venue) -> bool {
    venue != Venue::BybitClassic
}

/// The venue's liquidation condition and its source, per contract type and margin mode.
pub fn formula(venue: Venue, contract: Contract, mode: MarginMode) -> (&'static str, &'static str) {
    use Contract::{Inverse, Linear};
    match (venue, contract) {
        (Venue::BinanceUsdm, Linear) | (Venue::BinanceCoinm, Linear) => (
            "LP = (WB − TMM1 + UPNL1 + cumB − side×Q×EP) / (Q×MMR − side×Q), MMR and cumB of the bracket at the LP's notional (re-solved when it lands in another bracket); isolated: TMM1 = UPNL1 = 0",
            "Binance USDⓈ-M liquidation price FAQ [BN-USDM-LP]; bracket re-solve [BN-COINM-LP]",
        ),
        (Venue::BinanceUsdm, Inverse) | (Venue::BinanceCoinm, Inverse) => (
            "LP = (N×MMR + side×N) / (WB + cumB + side×N/EP), N = contracts × contract size (USD), MMR and cumB of the bracket at the LP's coin notional (re-solved when it lands in another bracket); cross: WB − TMM1 + UPNL1 of the same coin's wallet",
            "Binance COIN-M liquidation price FAQ [BN-COINM-LP]",
        ),
        (Venue::Bybit, Linear) => (
            "C + side×Q×(LP − EP) = Q×LP×MMR − deduction + Q×BP×fee: MM at the mark (liquidation) price plus the estimated fee to close, valued at the bankruptcy price; leverage-derived C = Q×EP/L + the same fee, so isolated LP = (EP×(1 − side/L) − side×deduction/Q) / (1 − side×MMR)",
            "Bybit Unified Trading Account [BB-UTA-ISO] (2026-05-27) and [BB-UTA-TERMS] (2026-03-13); fee 0.055 % [BB-FEE-3P]",
        ),
        (Venue::Bybit, Inverse) => (
            "LP_long = N×(1 + MMR) / (N/EP + N/EP/L + Extra/(1 + fee) + deduction), LP_short = N×(1 − MMR) / (N/EP − N/EP/L − Extra/(1 − fee) − deduction): MM at the mark (liquidation) price plus the estimated fee to close, valued at the bankruptcy price",
            "Bybit \"Liquidation Price Calculation under Isolated Mode (Unified Trading Account)\" [BB-UTA-ISO] (2026-05-27)",
        ),
        (Venue::BybitClassic, Linear) => (
            "LP = EP − side×(C − MM)/Q, C = IM + extra margin, MM = Q×EP×MMR − deduction (valued at entry, no fee); cross: C = wallet + other positions' losses (not their profit) − their MM",
            "Bybit \"Liquidation Price (USDT Contract)\" [BB-USDT-LP] (classic account)",
        ),
        (Venue::BybitClassic, Inverse) if mode == MarginMode::Cross => (
            "side×N×(1/EP − 1/LP) = −(C − N/EP×MMR − N×fee/BP), BP = N×(side + fee) / (C + side×N/EP): MM at entry, closing fee valued at the bankruptcy price; C = account balance + other positions' losses (not their profit) − their MM",
            "Bybit \"How to calculate Liquidation Price (Inverse Contract)\" [BB-INV-LP] (classic account, cross)",
        ),
        (Venue::BybitClassic, Inverse) => (
            "LP_long = N / (N/EP + (IM − MM)), LP_short = N / (N/EP − (IM − MM)), IM = C, MM = N/EP×MMR − deduction (at entry); no fee term: the fee to close is reserved on top of the initial margin",
            "Bybit classic inverse isolated [BB-INV-LP]; formula as on [BB-UTA-ISO-old] (2024-09-10)",
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
            "Gate formula as quoted in freqtrade [FT-exchange]; taker 0.075 % [GATE-FEE]",
        ),
        (Venue::Gate, Inverse) => (
            "LP = N×EP×(1 + side×(MMR + fee)) / (N + side×C×EP) (with cum: C + cum)",
            "Gate support answer (3rd-party [GATE-3P]); taker 0.075 % [GATE-FEE]",
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
            "LP_long = EP/(1 + IM − MM), LP_short = EP/(1 − IM + MM), IM = C / value(EP), MM = risk-limit MMR + exit taker fee + funding rate paid (all at entry value)",
            "BitMEX staff formula (3rd-party quote [BMX-REDDIT]); risk limits [BMX-RL]; taker 0.075 % [BMX-FEES]",
        ),
        (Venue::Bitmex, Linear) => (
            "LP = EP × (1 − side×(IM − MM)), IM = C / value(EP), MM = risk-limit MMR + exit taker fee + funding rate paid (at entry value)",
            "BitMEX staff formula, linear form (3rd-party quote [BMX-REDDIT]); liquidation example [BMX-LIQEX]; taker 0.075 % [BMX-FEES]",
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

/// The settlement coin of an inverse contract on `symbol`: the base before `USD`
/// (`BTCUSD_PERP` → `BTC`, `ETH-PERPETUAL` → `ETH`), with BitMEX's `XBT` written `BTC`.
pub fn settlement_coin(symbol: &str) -> String {
    tables::base_coin(symbol)
}

/// The contract, in words, for messages.
fn contract_name(c: Contract) -> &'static str {
    match c {
        Contract::Linear => "linear",
        Contract::Inverse => "inverse",
    }
}

/// True when the position gives its own maintenance schedule (which replaces the shipped one).
fn own_schedule(p: &Position) -> bool {
    p.tiers.is_some() || p.mmr.is_some() || p.max_leverage.is_some()
}

/// Venue rules on the Scenario's combination of fields, checked with the rest of
/// [`Scenario::validate`]:
///
/// * a position whose contract does not match its symbol's shipped table (Binance COIN-M
///   BTCUSD's brackets are in BTC for the inverse contract [BN-COINM-LP]; pricing a linear
///   position on them compares a coin table with a USD notional) is an error naming
///   `contract` and `symbol`, unless the position gives its own `tiers`, `mmr` or
///   `max_leverage` (the report's `source` then says the shipped table was not used);
/// * `funding_rate` is a rate in (−0.1, 0.1) and only the `bitmex` preset counts it;
/// * cross collateral of inverse contracts is kept per coin (Binance COIN-M: each coin is its
///   own wallet [BN-COINM-LP]; Bybit's inverse formula uses that coin's account balance
///   [BB-INV-LP]): an account whose cross positions settle in several coins needs
///   `wallet_balances` with one wallet per coin, and `wallet_balances` is only for inverse
///   cross accounts.
///
/// # Errors
/// Pushes one [`FieldError`] per problem onto `errors`.
pub fn check_venue_rules(s: &Scenario, errors: &mut Vec<FieldError>) {
    for (i, p) in s.positions.iter().enumerate() {
        let contract = s.contract_of(p);
        if !own_schedule(p) {
            if let Schedule::Mismatch(table) = tables::schedule(s.venue, &p.symbol, contract) {
                errors.push(FieldError::new(
                    format!("positions[{i}].contract"),
                    format!(
                        "{} does not match positions[{i}].symbol {:?}: {}'s shipped table for it is for {} contracts; remove contract, use a {} symbol, or give positions[{i}].tiers for your own table",
                        contract_name(contract),
                        p.symbol,
                        s.venue,
                        contract_name(table),
                        contract_name(contract),
                    ),
                ));
            }
        }
        if let Some(r) = p.funding_rate {
            let at = format!("positions[{i}].funding_rate");
            if !r.is_finite() || r.abs() >= 0.1 {
                errors.push(FieldError::new(at, "must be a rate above −0.1 and below 0.1 (a fraction per funding interval)"));
            } else if s.venue != Venue::Bitmex {
                errors.push(FieldError::new(
                    at,
                    format!("only the bitmex preset counts funding in its maintenance margin, not {}; for funding carry use market.funding_rate_8h", s.venue),
                ));
            }
        }
    }
    check_wallets(s, errors);
}

/// The settlement coins of an inverse cross account, in order of first appearance, with the
/// positions settling in each.
pub fn coins(s: &Scenario) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, p) in s.positions.iter().enumerate() {
        let c = settlement_coin(&p.symbol);
        match out.iter_mut().find(|(k, _)| *k == c) {
            Some((_, v)) => v.push(i),
            None => out.push((c, vec![i])),
        }
    }
    out
}

/// A coin name for messages (an empty symbol has no coin).
fn coin_label(c: &str) -> &str {
    if c.is_empty() {
        "(no symbol)"
    } else {
        c
    }
}

fn check_wallets(s: &Scenario, errors: &mut Vec<FieldError>) {
    let cross = s.margin_mode == MarginMode::Cross;
    let inverse = !s.positions.is_empty() && s.positions.iter().all(|p| s.contract_of(p) == Contract::Inverse);
    let Some(wallets) = &s.wallet_balances else {
        if cross && inverse && s.wallet_balance.is_some() {
            let cs = coins(s);
            if cs.len() > 1 {
                let names: Vec<&str> = cs.iter().map(|(c, _)| coin_label(c)).collect();
                errors.push(FieldError::new(
                    "wallet_balance",
                    format!(
                        "the cross positions settle in {}, and inverse (coin-margined) collateral is kept per coin, so one coin's loss does not touch another's wallet: give wallet_balances with one wallet per coin, e.g. {{{}}}",
                        names.join(" and "),
                        names.iter().map(|n| format!("\"{n}\": …")).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        return;
    };
    if !cross {
        errors.push(FieldError::new(
            "wallet_balances",
            "means nothing in isolated mode: each position's margin (or leverage) is its collateral",
        ));
        return;
    }
    if !inverse {
        errors.push(FieldError::new(
            "wallet_balances",
            "per-coin wallets are for inverse (coin-margined) cross accounts; a linear account has one quote wallet: use wallet_balance",
        ));
        return;
    }
    if s.wallet_balance.is_some() {
        errors.push(FieldError::new("wallet_balance", "give wallet_balance or wallet_balances, not both"));
    }
    let cs = coins(s);
    for (key, v) in wallets {
        let at = format!("wallet_balances.{key}");
        check_non_negative(errors, &at, *v);
        if !cs.iter().any(|(c, _)| *c == tables::base_coin(key)) {
            let names: Vec<&str> = cs.iter().map(|(c, _)| coin_label(c)).collect();
            errors.push(FieldError::new(at, format!("no position settles in {key}; the positions settle in {}", names.join(", "))));
        }
    }
    for (c, idx) in &cs {
        if wallet_for(wallets, c).is_none() {
            let who: Vec<String> = idx.iter().map(|i| format!("positions[{i}]")).collect();
            errors.push(FieldError::new(
                format!("wallet_balances.{}", coin_label(c)),
                format!("required: {} settle in {}", who.join(", "), coin_label(c)),
            ));
        }
    }
}

/// The wallet a `wallet_balances` map gives for `coin` (keys matched as coins: `xbt`, `BTC`).
pub fn wallet_for(wallets: &std::collections::BTreeMap<String, f64>, coin: &str) -> Option<f64> {
    wallets.iter().find(|(k, _)| tables::base_coin(k) == coin).map(|(_, v)| *v)
}

/// OKX: true when this position — with, in cross, the other positions on the same underlying
/// — holds more contracts than tier 1 allows (20,000; 0.01 BTC per BTC-USDT-SWAP contract,
/// 100 USD per BTC-USD-SWAP contract [OKX-3P-wuyelx]), so OKX's rate would be higher than the
/// shipped one. Positions with their own schedule are not counted.
fn okx_beyond_tier_one(s: &Scenario, p: &Position) -> bool {
    const TIER_ONE_CONTRACTS: f64 = 20_000.0;
    let contracts = |q: &Position| {
        q.size
            / match s.contract_of(q) {
                Contract::Linear => 0.01,
                Contract::Inverse => 100.0,
            }
    };
    let total: f64 = if s.margin_mode == MarginMode::Cross {
        s.positions.iter().filter(|q| !own_schedule(q) && tables::same_underlying(&q.symbol, &p.symbol)).map(contracts).sum()
    } else {
        contracts(p)
    };
    total > TIER_ONE_CONTRACTS
}

/// Builds the solver's model of position `index` under the Scenario's venue preset.
///
/// Precedence for the maintenance schedule: `tiers` override > `mmr` (+ `maint_amount`) >
/// `max_leverage` (MMR = 1/(2 × max_leverage), Hyperliquid [HL-liq]) > the venue's shipped
/// table for the symbol and contract ([`tables::schedule`]) > a flat fallback named in
/// `table_source`. The closing fee counts only where the venue counts it ([`fee_rule`]);
/// `taker_fee` overrides its rate. BitMEX adds the funding the position pays
/// (`max(0, side × funding_rate)`) to its maintenance rate. Allocates only when the user gave
/// a table or rate.
///
/// # Errors
/// A [`FieldError`] at `positions[i].tiers` for an empty tier table, and at
/// `positions[i].contract` when the symbol's shipped table is for the other contract type.
pub fn position_model(s: &Scenario, index: usize, p: &Position) -> Result<PositionModel, FieldError> {
    let contract = s.contract_of(p);
    let mut size_rate = None;
    let shipped = tables::schedule(s.venue, &p.symbol, contract);
    let mismatch = matches!(shipped, Schedule::Mismatch(_));
    // When the user's schedule replaces a shipped table published for the other contract
    // type, the source says the shipped one was not used.
    let note = |plain: &'static str, not_used: &'static str| if mismatch { not_used } else { plain };
    let (tiers, table_source): (Cow<'static, [Tier]>, &'static str) = if let Some(t) = &p.tiers {
        (Cow::Owned(t.clone()), note("user tiers", "user tiers (the venue's shipped table for this symbol is for the other contract type and was not used)"))
    } else if let Some(mmr) = p.mmr {
        let tier = Tier { floor: 0.0, mmr, maint_amount: p.maint_amount.unwrap_or(0.0), max_leverage: p.max_leverage };
        (
            Cow::Owned(vec![tier]),
            note("user mmr / maint_amount", "user mmr / maint_amount (the venue's shipped table for this symbol is for the other contract type and was not used)"),
        )
    } else if let Some(ml) = p.max_leverage {
        let tier = Tier { floor: 0.0, mmr: 1.0 / (2.0 * ml), maint_amount: 0.0, max_leverage: Some(ml) };
        (
            Cow::Owned(vec![tier]),
            note(
                "user max_leverage: MMR = 1/(2 × max_leverage) [HL-liq]",
                "user max_leverage: MMR = 1/(2 × max_leverage) [HL-liq] (the venue's shipped table for this symbol is for the other contract type and was not used)",
            ),
        )
    } else {
        match shipped {
            Schedule::Tiers(t, _) if s.venue == Venue::Okx && okx_beyond_tier_one(s, p) => (Cow::Borrowed(t), tables::OKX_BEYOND_TIER_ONE),
            Schedule::Tiers(t, src) | Schedule::Fallback(t, src) => (Cow::Borrowed(t), src),
            Schedule::Size(r, src) => {
                size_rate = Some(r);
                (Cow::Borrowed(&tables::FALLBACK[..]), src)
            }
            Schedule::Mismatch(table) => {
                return Err(FieldError::new(
                    format!("positions[{index}].contract"),
                    format!(
                        "{} does not match positions[{index}].symbol {:?}: the shipped table is for {} contracts",
                        contract_name(contract),
                        p.symbol,
                        contract_name(table)
                    ),
                ))
            }
        }
    };
    if tiers.is_empty() {
        return Err(FieldError::new(format!("positions[{index}].tiers"), "must list at least one tier"));
    }
    let rule = fee_rule(s.venue, contract, s.margin_mode);
    let fee_rate = rule.map_or(0.0, |(d, _)| p.taker_fee.unwrap_or(d));
    let fee_valuation = rule.map_or(FeeValuation::AtPrice, |(_, v)| v);
    let valuation = match s.venue {
        Venue::BybitClassic | Venue::Bitmex => MmValuation::AtEntry,
        _ => MmValuation::AtPrice,
    };
    let funding = match (s.venue, p.funding_rate) {
        (Venue::Bitmex, Some(r)) => (p.side.sign() * r).max(0.0),
        _ => 0.0,
    };
    let (formula, source) = formula(s.venue, contract, s.margin_mode);
    Ok(PositionModel {
        contract,
        side: p.side.sign(),
        size: p.size,
        entry_price: p.entry_price,
        mark_price: p.mark_price.unwrap_or(p.entry_price),
        tiers,
        size_rate,
        fee_rate,
        funding,
        valuation,
        fee_valuation,
        formula,
        source,
        table_source,
    })
}

/// The part of the initial margin a venue reserves on top of `value(EP) / leverage`, per unit
/// of entry value, for a position opened at `leverage`:
///
/// * BitMEX: entry and exit taker fees, `2 × fee` ("IM = 1/leverage + entry taker fee + exit
///   taker fee" [BMX-REDDIT]);
/// * Bybit UTA: the estimated fee to close, valued at the bankruptcy price of `value/leverage`,
///   `fee × (1 − side/L)` (linear, `BP = EP × (1 − side/L)`) or `fee × (1 + side/L)` (inverse,
///   `value(BP) = value(EP) × (1 + side/L)`) ("Initial Margin = Position Value / Leverage +
///   Estimated Fee to Close Position" [BB-UTA-ISO]);
/// * 0 elsewhere (Bybit classic reserves the fee outside the position margin).
pub fn im_fee_reserve(s: &Scenario, m: &PositionModel, leverage: f64) -> f64 {
    venue_fee_reserve(s.venue, m, leverage)
}

/// [`im_fee_reserve`] of a `venue` (the batch path has the venue, not a Scenario).
#[inline]
pub fn venue_fee_reserve(venue: Venue, m: &PositionModel, leverage: f64) -> f64 {
    match venue {
        Venue::Bitmex => 2.0 * m.fee_rate,
        Venue::Bybit => match m.contract {
            Contract::Linear => m.fee_rate * (1.0 - m.side / leverage),
            Contract::Inverse => m.fee_rate * (1.0 + m.side / leverage),
        },
        _ => 0.0,
    }
}

/// Initial margin a position posts (isolated) or requires (cross), in the settlement asset.
///
/// * `leverage` given: `value(EP) × (1/leverage + reserve)` with the venue's fee reserve
///   ([`im_fee_reserve`]).
/// * else `margin` given: that amount.
/// * neither (cross only): the venue's initial requirement at entry, `value(EP) / max leverage`
///   of the tier (Deribit: `value × (2 % + size × k)`), or `2 × MMR` when no maximum is
///   published.
pub fn initial_margin(s: &Scenario, p: &Position, m: &PositionModel) -> f64 {
    initial_margin_of(s.venue, p.leverage, p.margin, m)
}

/// [`initial_margin`] from a position's `leverage` and `margin` at `venue` (the batch path
/// reads them from columns, not from a Position).
#[inline]
pub fn initial_margin_of(venue: Venue, leverage: Option<f64>, margin: Option<f64>, m: &PositionModel) -> f64 {
    let value = crate::engine::margin::notional(m, m.entry_price);
    match (leverage, margin) {
        (Some(l), _) => value * (1.0 / l + venue_fee_reserve(venue, m, l)),
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
