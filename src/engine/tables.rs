//! Published maintenance-margin tables shipped as defaults, and the per-symbol lookup.
//!
//! Each table is a snapshot of what the venue (or the source named on it) published; venues
//! change these parameters often, so every table carries its source tag and snapshot date, and
//! a user's `tiers`, `mmr` or `max_leverage` always overrides it. Floors are position notionals
//! in the settlement asset (quote for linear, coin for inverse) where the tier starts; inside a
//! tier the maintenance margin is `notional × mmr − maint_amount`.
//!
//! The maintenance amount is a continuity correction: Binance ("How to calculate the liquidation
//! price of COIN-M futures", [BN-COINM-LP]) and Hyperliquid ("Margin tiers", [HL-tiers]) both
//! define it by the recurrence `cum_n = cum_{n−1} + floor_n × (MMR_n − MMR_{n−1})`, so the
//! maintenance margin does not jump at a tier boundary. The tables below carry the amounts as
//! published; `tests/engine_reference.rs` checks the recurrence on each of them.
//!
//! Symbols without a shipped table fall back to a flat rate that the lookup names in the
//! report's `source`, so a user sees that the figure is not the venue's exact one and which
//! field (`mmr` or `tiers`) to set. A flat fallback was preferred to an error because a missing
//! table is not an input mistake, and an estimate with its caveat stated is still useful.

use crate::engine::scenario::{Contract, Tier, Venue};

/// A tier row with a published maximum leverage.
const fn t(floor: f64, mmr: f64, maint_amount: f64, max_leverage: f64) -> Tier {
    Tier { floor, mmr, maint_amount, max_leverage: Some(max_leverage) }
}

/// A tier row without a published maximum leverage.
const fn tn(floor: f64, mmr: f64, maint_amount: f64) -> Tier {
    Tier { floor, mmr, maint_amount, max_leverage: None }
}

/// Binance USDⓈ-M BTCUSDT brackets, USDT notional. Snapshot 2024-10-24 of freqtrade's
/// `binance_leverage_tiers.json` [FT-bn-tiers] (Binance's leverage-bracket endpoint).
pub static BINANCE_USDM_BTCUSDT: [Tier; 12] = [
    t(0.0, 0.004, 0.0, 125.0),
    t(50_000.0, 0.005, 50.0, 100.0),
    t(600_000.0, 0.0065, 950.0, 75.0),
    t(3_000_000.0, 0.01, 11_450.0, 50.0),
    t(12_000_000.0, 0.02, 131_450.0, 25.0),
    t(70_000_000.0, 0.025, 481_450.0, 20.0),
    t(100_000_000.0, 0.05, 2_981_450.0, 10.0),
    t(230_000_000.0, 0.10, 14_481_450.0, 5.0),
    t(480_000_000.0, 0.125, 26_481_450.0, 4.0),
    t(600_000_000.0, 0.15, 41_481_450.0, 3.0),
    t(800_000_000.0, 0.25, 121_481_450.0, 2.0),
    t(1_200_000_000.0, 0.50, 421_481_450.0, 1.0),
];

/// Binance USDⓈ-M ETHUSDT brackets, USDT notional, same snapshot [FT-bn-tiers]. Tiers 1–8 only:
/// the snapshot's floors above the 10 % tier are not in leverlab's notes, so positions above
/// 150M USDT use the 10 % tier (give `tiers` for such sizes).
pub static BINANCE_USDM_ETHUSDT: [Tier; 8] = [
    t(0.0, 0.004, 0.0, 125.0),
    t(50_000.0, 0.005, 50.0, 100.0),
    t(600_000.0, 0.0065, 950.0, 75.0),
    t(3_000_000.0, 0.01, 11_450.0, 50.0),
    t(12_000_000.0, 0.02, 131_450.0, 25.0),
    t(50_000_000.0, 0.025, 381_450.0, 20.0),
    t(65_000_000.0, 0.05, 2_006_450.0, 10.0),
    t(150_000_000.0, 0.10, 9_506_450.0, 5.0),
];

/// Binance COIN-M BTCUSD brackets, BTC notional (contracts × 100 USD ÷ mark). As shown on
/// [BN-COINM-LP] (current page; undated): "if the BTCUSD position is 300 BTC, MMR = 12.5 %,
/// maintenance amount 11.605 BTC".
pub static BINANCE_COINM_BTCUSD: [Tier; 10] = [
    t(0.0, 0.004, 0.0, 125.0),
    t(5.0, 0.005, 0.005, 100.0),
    t(10.0, 0.01, 0.055, 50.0),
    t(20.0, 0.025, 0.355, 20.0),
    t(50.0, 0.05, 1.605, 10.0),
    t(100.0, 0.10, 6.605, 5.0),
    t(200.0, 0.125, 11.605, 4.0),
    t(400.0, 0.15, 21.605, 3.0),
    t(1000.0, 0.25, 121.605, 2.0),
    t(1500.0, 0.50, 496.605, 1.0),
];

/// Hyperliquid BTC margin tiers, USDC notional [HL-tiers] (mainnet page as retrieved for
/// leverlab's notes, 2026): 40x up to 150M, 20x above; MMR = 1/(2 × max leverage);
/// deduction = 150M × (2.5 % − 1.25 %) = 1.875M.
pub static HYPERLIQUID_BTC: [Tier; 2] = [t(0.0, 0.0125, 0.0, 40.0), t(150_000_000.0, 0.025, 1_875_000.0, 20.0)];

/// Hyperliquid ETH margin tiers [HL-tiers]: 25x up to 100M (MMR 2 %), 15x above (MMR 1/30);
/// deduction = 100M × (1/30 − 1/50).
pub static HYPERLIQUID_ETH: [Tier; 2] =
    [t(0.0, 0.02, 0.0, 25.0), t(100_000_000.0, 1.0 / 30.0, 100_000_000.0 * (1.0 / 30.0 - 0.02), 15.0)];

/// Hyperliquid's tiers for "other" assets [HL-tiers]: 10x up to 3M (MMR 5 %), 5x above
/// (MMR 10 %); deduction = 3M × 5 % = 150,000.
pub static HYPERLIQUID_OTHER: [Tier; 2] = [t(0.0, 0.05, 0.0, 10.0), t(3_000_000.0, 0.10, 150_000.0, 5.0)];

/// BitMEX risk-limit example table for XBT, XBT notional [BMX-RL]: base MM 0.50 % / IM 1.00 %,
/// base limit 200 XBT, step 150 XBT, each step adds the base MM to both; MM is a flat rate of
/// the whole position (no maintenance amount). Only the four published rows are shipped;
/// positions above 650 XBT use the last row. (XBTUSD's live base MM was 0.40 % after
/// 2020-05-05 [BMX-BLOG-2020]; give `mmr` for it.)
pub static BITMEX_XBT: [Tier; 4] =
    [t(0.0, 0.005, 0.0, 100.0), t(200.0, 0.01, 0.0, 1.0 / 0.015), t(350.0, 0.015, 0.0, 50.0), t(500.0, 0.02, 0.0, 40.0)];

/// dYdX v4 large-cap liquidity tier (BTC-USD, ETH-USD): IMF 5 %, MMF 3 %, no deduction
/// [DYDX-funding] docs table.
pub static DYDX_LARGE_CAP: [Tier; 1] = [t(0.0, 0.03, 0.0, 20.0)];

/// dYdX v4 long-tail liquidity tier: IMF 20 %, MMF 10 % [DYDX-funding]; used for other markets.
pub static DYDX_LONG_TAIL: [Tier; 1] = [t(0.0, 0.10, 0.0, 5.0)];

/// Bybit minimum MMR for BTC contracts, 0.5 % [BB-INV-LP], [BB-USDT-LP] (worked example).
pub static BYBIT_BTC: [Tier; 1] = [tn(0.0, 0.005, 0.0)];

/// Bybit minimum MMR for ETH inverse contracts, 1 % [BB-INV-LP].
pub static BYBIT_ETH: [Tier; 1] = [tn(0.0, 0.01, 0.0)];

/// OKX BTC perpetual tier 1, MMR 0.50 %, 100x (3rd-party restatement [OKX-3P-wuyelx]); OKX's
/// higher tiers are counted in contracts per underlying and are not shipped (see
/// [`OKX_BTC_SOURCE`] for what the report states about it).
pub static OKX_BTC: [Tier; 1] = [t(0.0, 0.005, 0.0, 100.0)];

/// leverlab's flat fallback when no table is shipped for a symbol: 0.50 %.
pub static FALLBACK: [Tier; 1] = [tn(0.0, 0.005, 0.0)];

/// Deribit standard-margin parameters for one currency (effective 2022-01-11, [DRB-2022]):
/// `MMR = mm_base + size_coin × per_coin`, `IMR = im_base + size_coin × per_coin`, where
/// `size_coin` is the position size in the coin.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SizeRate {
    pub mm_base: f64,
    pub im_base: f64,
    pub per_coin: f64,
}

/// Deribit BTC: IM = 2 % + size_BTC × 0.005 %, MM = 1 % + size_BTC × 0.005 % [DRB-2022].
pub const DERIBIT_BTC: SizeRate = SizeRate { mm_base: 0.01, im_base: 0.02, per_coin: 0.000_05 };

/// Deribit ETH: IM = 2 % + size_ETH × 0.0004 %, MM = 1 % + size_ETH × 0.0004 % [DRB-2022].
pub const DERIBIT_ETH: SizeRate = SizeRate { mm_base: 0.01, im_base: 0.02, per_coin: 0.000_004 };

/// The maintenance schedule a venue publishes for a symbol.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    /// A tier table, and the source text for the report.
    Tiers(&'static [Tier], &'static str),
    /// A size-dependent rate (Deribit), and the source text.
    Size(SizeRate, &'static str),
    /// No table shipped: the flat fallback, and a note naming what to set.
    Fallback(&'static [Tier], &'static str),
    /// The symbol's shipped table is published for this other contract type.
    Mismatch(Contract),
}

/// A symbol with case and separators removed (`"btc-usdt-swap"` → `BTCUSDTSWAP`), on the
/// stack so the lookup does not allocate.
struct Norm {
    buf: [u8; 32],
    len: usize,
}

impl Norm {
    fn new(symbol: &str) -> Norm {
        let mut n = Norm { buf: [0; 32], len: 0 };
        for b in symbol.bytes().filter(u8::is_ascii_alphanumeric) {
            if n.len == n.buf.len() {
                break;
            }
            n.buf[n.len] = b.to_ascii_uppercase();
            n.len += 1;
        }
        n
    }

    fn as_str(&self) -> &str {
        // Only ASCII bytes were copied.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }

    /// The symbol without a trailing `PERPETUAL`, `PERP` or `SWAP`.
    fn base(&self) -> &str {
        let s = self.as_str();
        ["PERPETUAL", "PERP", "SWAP"].iter().find_map(|suf| s.strip_suffix(suf)).unwrap_or(s)
    }
}

/// True when two symbols name the same underlying (case, separators and a trailing
/// `PERPETUAL`/`PERP`/`SWAP` ignored: `btc-usdt-swap` and `BTCUSDT`). Does not allocate.
pub fn same_underlying(a: &str, b: &str) -> bool {
    Norm::new(a).base() == Norm::new(b).base()
}

/// The coin an inverse contract on `symbol` settles in: the base before `USD`
/// (`BTCUSD_PERP` → `BTC`, `ETH-PERPETUAL` → `ETH`, `ETHUSD_240329` → `ETH`), else the
/// symbol's letters; BitMEX's `XBT` is written `BTC`. Case and separators are ignored.
pub fn base_coin(symbol: &str) -> String {
    match option_coin(symbol) {
        Some(c) => c.to_string(),
        None => coin_of(&Norm::new(symbol)).to_string(),
    }
}

/// The coin of a dated Deribit instrument, `COIN-DDMMMYY` (a future) or
/// `COIN-DDMMMYY-STRIKE-C|P` (an option): `BTC-27MAR26-100000-C` → `BTC`; its date and strike
/// are not part of the coin.
fn option_coin(symbol: &str) -> Option<&str> {
    let parts: Vec<&str> = symbol.trim().split('-').collect();
    let dated = |d: &str| {
        let b = d.as_bytes();
        (6..=7).contains(&b.len())
            && b[..b.len() - 5].iter().all(u8::is_ascii_digit)
            && b[b.len() - 5..b.len() - 2].iter().all(u8::is_ascii_alphabetic)
            && b[b.len() - 2..].iter().all(u8::is_ascii_digit)
    };
    match parts.as_slice() {
        [coin, date] | [coin, date, _, "C" | "P" | "c" | "p"] if !coin.is_empty() && dated(date) => {
            Some(if coin.eq_ignore_ascii_case("XBT") { "BTC" } else { coin })
        }
        _ => None,
    }
}

/// True when an inverse contract on `symbol` settles in `coin` (as [`base_coin`] names it).
/// Does not allocate.
pub fn settles_in(symbol: &str, coin: &str) -> bool {
    match option_coin(symbol) {
        Some(c) => c == coin,
        None => coin_of(&Norm::new(symbol)) == coin,
    }
}

fn coin_of(n: &Norm) -> &str {
    let s = n.base();
    let base = match s.find("USD") {
        Some(i) if i > 0 => &s[..i],
        _ => s.trim_end_matches(|c: char| c.is_ascii_digit()),
    };
    if base == "XBT" {
        "BTC"
    } else {
        base
    }
}

/// The venue's shipped schedule for `symbol` and the contract type it is published for
/// (`None`: any contract, e.g. Deribit's size rule or the flat fallback).
fn shipped(venue: Venue, symbol: &str) -> (Schedule, Option<Contract>) {
    use Contract::{Inverse, Linear};
    let n = Norm::new(symbol);
    let s = n.base();
    let btc = s.starts_with("BTC") || s.starts_with("XBT");
    let eth = s.starts_with("ETH");
    let usdt = s.contains("USDT") || s.contains("USDC");
    match venue {
        Venue::BinanceUsdm if s == "BTCUSDT" => (
            Schedule::Tiers(&BINANCE_USDM_BTCUSDT, "Binance USDⓈ-M BTCUSDT brackets, snapshot 2024-10-24 [FT-bn-tiers]"),
            Some(Linear),
        ),
        Venue::BinanceUsdm if s == "ETHUSDT" => (
            Schedule::Tiers(&BINANCE_USDM_ETHUSDT, "Binance USDⓈ-M ETHUSDT brackets 1–8, snapshot 2024-10-24 [FT-bn-tiers]"),
            Some(Linear),
        ),
        Venue::BinanceCoinm if s == "BTCUSD" => (
            Schedule::Tiers(&BINANCE_COINM_BTCUSD, "Binance COIN-M BTCUSD brackets in BTC, as on [BN-COINM-LP] (undated)"),
            Some(Inverse),
        ),
        Venue::Bybit | Venue::BybitClassic if s == "BTCUSDT" => {
            (Schedule::Tiers(&BYBIT_BTC, "Bybit BTC minimum MMR 0.5 % [BB-USDT-LP]"), Some(Linear))
        }
        Venue::Bybit | Venue::BybitClassic if s == "BTCUSD" => {
            (Schedule::Tiers(&BYBIT_BTC, "Bybit BTC minimum MMR 0.5 % [BB-INV-LP]"), Some(Inverse))
        }
        Venue::Bybit | Venue::BybitClassic if s == "ETHUSD" => {
            (Schedule::Tiers(&BYBIT_ETH, "Bybit ETH inverse minimum MMR 1 % [BB-INV-LP]"), Some(Inverse))
        }
        Venue::Okx if s == "BTCUSDT" => (Schedule::Tiers(&OKX_BTC, OKX_BTC_SOURCE), Some(Linear)),
        Venue::Okx if s == "BTCUSD" => (Schedule::Tiers(&OKX_BTC, OKX_BTC_SOURCE), Some(Inverse)),
        Venue::Hyperliquid if btc => {
            (Schedule::Tiers(&HYPERLIQUID_BTC, "Hyperliquid BTC margin tiers 40x/20x at 150M [HL-tiers]"), Some(Linear))
        }
        Venue::Hyperliquid if eth => {
            (Schedule::Tiers(&HYPERLIQUID_ETH, "Hyperliquid ETH margin tiers 25x/15x at 100M [HL-tiers]"), Some(Linear))
        }
        Venue::Hyperliquid => (
            Schedule::Tiers(
                &HYPERLIQUID_OTHER,
                "Hyperliquid tiers for other assets 10x/5x at 3M [HL-tiers]; set max_leverage for this asset's own",
            ),
            Some(Linear),
        ),
        Venue::Dydx if btc || eth => {
            (Schedule::Tiers(&DYDX_LARGE_CAP, "dYdX v4 large-cap tier IMF 5 % / MMF 3 % [DYDX-funding]"), Some(Linear))
        }
        Venue::Dydx => (
            Schedule::Tiers(
                &DYDX_LONG_TAIL,
                "dYdX v4 long-tail tier IMF 20 % / MMF 10 % [DYDX-funding]; set mmr for this market's tier",
            ),
            Some(Linear),
        ),
        // XBTUSD and the XBT futures are inverse; XBTUSDT is a linear contract with its own limits.
        Venue::Bitmex if btc && !usdt => (
            Schedule::Tiers(&BITMEX_XBT, "BitMEX risk-limit example table, base MM 0.5 % / IM 1 %, step 150 XBT [BMX-RL]"),
            Some(Inverse),
        ),
        Venue::Deribit if btc => {
            (Schedule::Size(DERIBIT_BTC, "Deribit BTC standard margin MM = 1 % + size_BTC × 0.005 % [DRB-2022]"), None)
        }
        Venue::Deribit if eth => {
            (Schedule::Size(DERIBIT_ETH, "Deribit ETH standard margin MM = 1 % + size_ETH × 0.0004 % [DRB-2022]"), None)
        }
        Venue::Generic => (Schedule::Fallback(&FALLBACK, "generic flat MMR 0.5 % (set mmr or tiers)"), None),
        _ => (
            Schedule::Fallback(
                &FALLBACK,
                "no table shipped for this symbol: flat MMR 0.5 % assumed; set positions[i].mmr or tiers for the venue's figure",
            ),
            None,
        ),
    }
}

/// What OKX's shipped BTC row assumes, stated in every report that uses it.
pub const OKX_BTC_SOURCE: &str = "OKX BTC perpetual tier 1, MMR 0.5 %, 100x (3rd-party [OKX-3P-wuyelx]). OKX counts \
tiers in contracts (BTC-USDT-SWAP 0.01 BTC, BTC-USD-SWAP 100 USD each) and, in cross, over all positions of the \
underlying together; tier 1 runs to 20,000 contracts, and leverlab assumes the position (with the underlying's other \
cross positions) stays inside it — above that OKX's rate is higher: give tiers";

/// The note that replaces [`OKX_BTC_SOURCE`] for a position beyond OKX's tier 1.
pub const OKX_BEYOND_TIER_ONE: &str = "OKX BTC perpetual tier 1, MMR 0.5 %, 100x (3rd-party [OKX-3P-wuyelx]); OKX counts \
tiers in contracts per underlying (BTC-USDT-SWAP 0.01 BTC, BTC-USD-SWAP 100 USD each; in cross all positions of the \
underlying together) and tier 1 runs to 20,000 contracts: this position (with the underlying's other cross positions) \
is beyond tier 1, so this figure understates OKX's maintenance — give tiers";

/// The contract type a venue's shipped table for `symbol` is published for, or `None` when the
/// venue ships no table for it or its rule holds for either type (Deribit's size rule).
pub fn table_contract(venue: Venue, symbol: &str) -> Option<Contract> {
    shipped(venue, symbol).1
}

/// The venue's published maintenance schedule for `symbol` and `contract` (case and
/// separators ignored: `BTC-USDT-SWAP`, `BTCUSD_PERP`, `btc` all work), or the flat fallback.
///
/// A shipped table is chosen by symbol *and* contract: a table is published for one contract
/// type (Binance COIN-M's BTCUSD brackets are in BTC for the inverse contract, USDⓈ-M's in
/// USDT for the linear one), so pricing the other type on it would compare a coin-denominated
/// table with a quote notional.
///
/// # Errors
/// [`Schedule::Mismatch`] when the symbol's shipped table is for the other contract type.
pub fn schedule(venue: Venue, symbol: &str, contract: Contract) -> Schedule {
    match shipped(venue, symbol) {
        (_, Some(c)) if c != contract => Schedule::Mismatch(c),
        (s, _) => s,
    }
}

/// Maximum leverage allowed at a position notional (the tier containing it); `None` when the
/// table publishes none.
pub fn max_leverage_at(tiers: &[Tier], notional: f64) -> Option<f64> {
    tiers.iter().take_while(|t| t.floor <= notional).last().and_then(|t| t.max_leverage)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(v: Venue, sym: &str) -> Option<&'static [Tier]> {
        let c = table_contract(v, sym).unwrap_or(Contract::Linear);
        match schedule(v, sym, c) {
            Schedule::Tiers(t, _) => Some(t),
            _ => None,
        }
    }

    #[test]
    fn symbols_match_whatever_their_spelling() {
        for s in ["BTCUSDT", "btcusdt", "BTC/USDT", "BTC-USDT", "BTCUSDT-PERP"] {
            assert_eq!(table(Venue::BinanceUsdm, s), Some(&BINANCE_USDM_BTCUSDT[..]), "{s}");
        }
        assert_eq!(table(Venue::BinanceCoinm, "BTCUSD_PERP"), Some(&BINANCE_COINM_BTCUSD[..]));
        assert_eq!(table(Venue::Okx, "BTC-USDT-SWAP"), Some(&OKX_BTC[..]));
        assert_eq!(table(Venue::Hyperliquid, "eth"), Some(&HYPERLIQUID_ETH[..]));
        assert_eq!(table(Venue::Hyperliquid, "SOL"), Some(&HYPERLIQUID_OTHER[..]));
        assert_eq!(table(Venue::Bitmex, "XBTUSD"), Some(&BITMEX_XBT[..]));
        assert!(matches!(schedule(Venue::Deribit, "ETH-PERPETUAL", Contract::Inverse), Schedule::Size(r, _) if r == DERIBIT_ETH));
    }

    #[test]
    fn symbols_without_a_table_fall_back_and_say_so() {
        // BTCUSDC is a different Binance contract with its own brackets: no silent reuse.
        for (v, s) in [(Venue::BinanceUsdm, "BTCUSDC"), (Venue::Gate, "BTC_USDT"), (Venue::Bybit, "SOLUSDT")] {
            match schedule(v, s, Contract::Linear) {
                Schedule::Fallback(t, note) => {
                    assert_eq!(t, &FALLBACK[..]);
                    assert!(note.contains("mmr"), "the note names the field to set: {note}");
                }
                other => panic!("{v} {s}: expected the fallback, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_long_symbol_is_cut_not_overflowed() {
        let long = "X".repeat(1000);
        assert!(matches!(schedule(Venue::BinanceUsdm, &long, Contract::Linear), Schedule::Fallback(..)));
    }

    #[test]
    fn inverse_symbols_name_their_settlement_coin() {
        for (sym, coin) in [("BTCUSD", "BTC"), ("BTCUSD_PERP", "BTC"), ("XBTUSD", "BTC"), ("ETH-PERPETUAL", "ETH"),
            ("ethusd_240329", "ETH"), ("SOL", "SOL"), ("", "")] {
            assert_eq!(base_coin(sym), coin, "{sym}");
        }
    }

    #[test]
    fn a_table_is_chosen_by_symbol_and_contract() {
        // Binance COIN-M's BTCUSD brackets are in BTC for the inverse contract [BN-COINM-LP];
        // USDⓈ-M's BTCUSDT brackets in USDT for the linear one [FT-bn-tiers].
        assert_eq!(schedule(Venue::BinanceCoinm, "BTCUSD", Contract::Linear), Schedule::Mismatch(Contract::Inverse));
        assert_eq!(schedule(Venue::BinanceUsdm, "BTCUSDT", Contract::Inverse), Schedule::Mismatch(Contract::Linear));
        assert!(matches!(schedule(Venue::Bybit, "BTCUSD", Contract::Inverse), Schedule::Tiers(..)));
        assert_eq!(schedule(Venue::Bybit, "BTCUSDT", Contract::Inverse), Schedule::Mismatch(Contract::Linear));
        // BitMEX's XBT risk limits are in XBT for XBTUSD; XBTUSDT has none shipped.
        assert_eq!(table_contract(Venue::Bitmex, "XBTUSD"), Some(Contract::Inverse));
        assert!(matches!(schedule(Venue::Bitmex, "XBTUSDT", Contract::Linear), Schedule::Fallback(..)));
        // Deribit's size rule and the fallback hold for either contract.
        assert!(matches!(schedule(Venue::Deribit, "BTC-PERPETUAL", Contract::Linear), Schedule::Size(..)));
        assert!(matches!(schedule(Venue::Gate, "BTC_USDT", Contract::Inverse), Schedule::Fallback(..)));
    }

    #[test]
    fn max_leverage_comes_from_the_tier_containing_the_notional() {
        assert_eq!(max_leverage_at(&BINANCE_USDM_BTCUSDT, 49_999.0), Some(125.0));
        assert_eq!(max_leverage_at(&BINANCE_USDM_BTCUSDT, 50_000.0), Some(100.0));
        assert_eq!(max_leverage_at(&FALLBACK, 1e9), None);
    }
}
