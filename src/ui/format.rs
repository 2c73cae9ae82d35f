//! Numbers for people: thousands separators and as many decimals as the size needs.

/// Groups the integer part with commas: 1234567.891 → `1,234,567.891`.
fn group(s: &str) -> String {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (k, c) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    let mut r = format!("{sign}{out}");
    if let Some(f) = frac {
        r.push('.');
        r.push_str(f);
    }
    r
}

/// Decimals that keep about 6 significant digits (at least 2 for amounts ≥ 1).
fn decimals(v: f64) -> usize {
    let a = v.abs();
    if a == 0.0 || !a.is_finite() {
        return 2;
    }
    let mag = a.log10().floor() as i32;
    (5 - mag).clamp(2, 10) as usize
}

/// A price or amount: `54,321.50`, `0.00123456`.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let d = if v.abs() >= 1.0 { 2 } else { decimals(v) };
    let s = format!("{v:.d$}");
    // Avoid "-0.00".
    let s = if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') { s.trim_start_matches('-').to_string() } else { s };
    group(&s)
}

/// A price: two decimals up to 100,000, one above, and about 6 significant digits below 1.
pub fn price(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let d = if v.abs() >= 100_000.0 { 1 } else { decimals(v).max(1) };
    group(&format!("{v:.d$}"))
}

/// A fraction as percent: 0.0123 → `1.23 %`.
pub fn pct(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let p = v * 100.0;
    let d = if p.abs() >= 100.0 { 0 } else if p.abs() >= 10.0 { 1 } else { 2 };
    format!("{} %", group(&format!("{p:.d$}")))
}

/// Leverage: `10×`.
pub fn lev(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    if v == v.trunc() {
        format!("{}×", v as i64)
    } else {
        format!("{v:.2}×")
    }
}

pub fn opt(v: Option<f64>, f: fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "—".into())
}

/// The currency a position's amounts are in, named as traders name it: the coin of an inverse
/// contract (`BTC`), else the settlement asset its symbol or venue says (`USDT` for BTCUSDT,
/// BTC-USDT-SWAP or BTC_USDT; `USDC` for BTCUSDC, Bybit's …PERP, Hyperliquid and dYdX; `USD`
/// for any other symbol). `coin`: the Report's coin of an inverse position, when it has one.
pub fn currency(venue: crate::engine::Venue, symbol: &str, settlement: crate::engine::Settlement, coin: Option<&str>) -> String {
    use crate::engine::{Settlement, Venue};
    let s = symbol.trim().to_uppercase();
    if settlement == Settlement::Coin {
        if let Some(c) = coin.filter(|c| !c.is_empty()) {
            return c.to_string();
        }
        let head = s.split(['-', '_', '/']).next().unwrap_or("");
        let base = head.find("USD").map_or(head, |k| &head[..k]);
        return match base {
            "" => "coin".into(),
            "XBT" => "BTC".into(),
            b => b.to_string(),
        };
    }
    if s.contains("USDT") {
        "USDT".into()
    } else if s.contains("USDC") || (matches!(venue, Venue::Bybit | Venue::BybitClassic) && s.ends_with("PERP")) {
        "USDC".into()
    } else if matches!(venue, Venue::Hyperliquid | Venue::Dydx) {
        "USDC".into()
    } else if matches!(venue, Venue::BinanceUsdm | Venue::Bybit | Venue::BybitClassic | Venue::Okx | Venue::Gate) && !s.contains("USD") {
        // A bare symbol on a USDT-margined venue.
        "USDT".into()
    } else {
        "USD".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn formats() {
        assert_eq!(num(1234567.891), "1,234,567.89");
        assert_eq!(price(54321.0), "54,321.00");
        assert_eq!(price(127131.46), "127,131.5");
        assert_eq!(price(0.012345678), "0.0123457");
        assert_eq!(pct(0.0123), "1.23 %");
        assert_eq!(lev(10.0), "10×");
        assert_eq!(num(-0.0001), "-0.000100000");
        assert_eq!(num(-0.0), "0.00");
        assert_eq!(num(120.0), "120.00");
    }

    #[test]
    fn currencies_named_from_venue_and_symbol() {
        use crate::engine::{Settlement::*, Venue::*};
        assert_eq!(currency(BinanceUsdm, "BTCUSDT", Quote, None), "USDT");
        assert_eq!(currency(BinanceUsdm, "BTCUSDC", Quote, None), "USDC");
        assert_eq!(currency(Okx, "BTC-USDT-SWAP", Quote, None), "USDT");
        assert_eq!(currency(Gate, "ETH_USDT", Quote, None), "USDT");
        assert_eq!(currency(Bybit, "BTCPERP", Quote, None), "USDC");
        assert_eq!(currency(Hyperliquid, "BTC", Quote, None), "USDC");
        assert_eq!(currency(Dydx, "BTC-USD", Quote, None), "USDC");
        assert_eq!(currency(Generic, "XYZ", Quote, None), "USD");
        assert_eq!(currency(BinanceCoinm, "BTCUSD", Coin, Some("BTC")), "BTC");
        assert_eq!(currency(Bitmex, "XBTUSD", Coin, None), "BTC");
        assert_eq!(currency(Deribit, "ETH-PERPETUAL", Coin, None), "ETH");
    }
}
