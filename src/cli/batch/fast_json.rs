//! The fast reading of a plain isolated JSON Scenario for `eval`: the `positions` array is
//! read straight from the text into compact rows (serde visitors over the document, no JSON
//! tree, no map per position), then evaluated through the batch path and written row by row.
//!
//! It reads only documents whose every key and value the strict reader
//! ([`parse_scenario`](crate::engine::parse_scenario)) would accept unchanged: the keys
//! `version` (≤ the format version), `venue` (an exchange preset, before `positions`),
//! `margin_mode` (`isolated`) and `positions`, whose objects give only the plain position
//! fields with values of their type (`null` for an optional one). Anything else — an unknown
//! or repeated key, a value of another type, an escaped string, `tiers`, `note`, a cross
//! account, a row the checks refuse — gives `None` before anything is written, and `eval`
//! reads the document with the strict reader, whose messages (paths, "did you mean") are
//! therefore the only ones a user sees. `tests/batch.rs` holds the two readings to the same
//! bytes of output.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::engine::batch::{BookEvaluator, RowOptions, BOOK_COLUMNS};
use crate::engine::limits::MAX_POSITIONS;
use crate::engine::scenario::FORMAT_VERSION;
use crate::engine::{Contract, Side, Venue};

/// One position as read: the fields [`BookEvaluator::set_row`] takes, the symbol as an index
/// into [`Book::symbols`].
#[derive(Clone, Copy, Debug)]
pub struct Row {
    pub symbol: u32,
    pub side: Side,
    pub contract: Option<Contract>,
    pub size: f64,
    pub entry_price: f64,
    pub rest: RowOptions,
    pub venue_liquidation_price: Option<f64>,
}

/// A plain isolated Scenario, read.
#[derive(Debug)]
pub struct Book {
    pub venue: Venue,
    pub symbols: Vec<String>,
    pub rows: Vec<Row>,
}

impl Book {
    /// Fills the evaluator's row with row `i`.
    pub fn fill(&self, ev: &mut BookEvaluator, i: usize) {
        let r = &self.rows[i];
        ev.set_row(&self.symbols[r.symbol as usize], r.side, r.contract, r.size, r.entry_price, r.rest);
        if r.venue_liquidation_price.is_some() {
            ev.position_mut().venue_liquidation_price = r.venue_liquidation_price;
        }
    }
}

/// Reads `text` as a plain isolated Scenario, or `None` when the strict reader must (see the
/// module notes).
pub fn read(text: &str) -> Option<Book> {
    let mut de = serde_json::Deserializer::from_str(text);
    let book = DocSeed.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(book)
}

/// The error that sends a document to the strict reader (its text is never shown).
fn strict<E: de::Error>() -> E {
    E::custom("read strictly")
}

struct DocSeed;

impl<'de> DeserializeSeed<'de> for DocSeed {
    type Value = Book;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Book, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocSeed {
    type Value = Book;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Scenario")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Book, A::Error> {
        let (mut venue, mut version, mut mode) = (None, false, false);
        let mut book: Option<Book> = None;
        while let Some(key) = map.next_key::<&str>()? {
            match key {
                "version" if !version => {
                    version = true;
                    if map.next_value::<u64>()? > u64::from(FORMAT_VERSION) {
                        return Err(strict());
                    }
                }
                "venue" if venue.is_none() => {
                    let v = Venue::from_name(map.next_value::<&str>()?).map_err(|_| strict())?;
                    if v.is_protocol() {
                        return Err(strict());
                    }
                    venue = Some(v);
                }
                "margin_mode" if !mode => {
                    mode = true;
                    if map.next_value::<&str>()? != "isolated" {
                        return Err(strict());
                    }
                }
                "positions" if book.is_none() => {
                    let venue = venue.ok_or_else(strict)?;
                    let mut b = Book { venue, symbols: Vec::new(), rows: Vec::new() };
                    map.next_value_seed(RowsSeed { book: &mut b, index: HashMap::new() })?;
                    book = Some(b);
                }
                _ => return Err(strict()),
            }
        }
        match (book, venue) {
            (Some(b), _) => Ok(b),
            (None, Some(venue)) => Ok(Book { venue, symbols: Vec::new(), rows: Vec::new() }),
            (None, None) => Err(strict()),
        }
    }
}

struct RowsSeed<'a> {
    book: &'a mut Book,
    index: HashMap<String, u32>,
}

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("positions")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let mut last: Option<(&'de str, u32)> = None;
        while let Some((symbol, row)) = seq.next_element_seed(RowSeed)? {
            if self.book.rows.len() >= MAX_POSITIONS {
                return Err(strict());
            }
            let k = match last {
                Some((s, k)) if s == symbol => k,
                _ => {
                    let k = match self.index.get(symbol) {
                        Some(&k) => k,
                        None => {
                            let k = self.book.symbols.len() as u32;
                            self.book.symbols.push(symbol.to_string());
                            self.index.insert(symbol.to_string(), k);
                            k
                        }
                    };
                    last = Some((symbol, k));
                    k
                }
            };
            self.book.rows.push(Row { symbol: k, ..row });
        }
        Ok(())
    }
}

struct RowSeed;

impl<'de> DeserializeSeed<'de> for RowSeed {
    type Value = (&'de str, Row);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed {
    type Value = (&'de str, Row);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a position")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut symbol = "";
        let mut row = Row {
            symbol: 0,
            side: Side::default(),
            contract: None,
            size: f64::NAN,
            entry_price: f64::NAN,
            rest: RowOptions::default(),
            venue_liquidation_price: None,
        };
        let mut seen = 0u16;
        while let Some(key) = map.next_key::<&str>()? {
            // The book's columns (their order below), and the venue's own liquidation price.
            let bit = match BOOK_COLUMNS.iter().position(|f| *f == key) {
                Some(k) => k,
                None if key == "venue_liquidation_price" => BOOK_COLUMNS.len(),
                None => return Err(strict()),
            };
            if seen & (1 << bit) != 0 {
                return Err(strict());
            }
            seen |= 1 << bit;
            let r = &mut row.rest;
            match bit {
                0 => symbol = map.next_value::<Option<&str>>()?.unwrap_or(""),
                1 => {
                    row.side = match map.next_value::<Option<&str>>()? {
                        None => Side::default(),
                        Some("long") => Side::Long,
                        Some("short") => Side::Short,
                        Some(_) => return Err(strict()),
                    }
                }
                2 => {
                    row.contract = match map.next_value::<Option<&str>>()? {
                        None => None,
                        Some("linear") => Some(Contract::Linear),
                        Some("inverse") => Some(Contract::Inverse),
                        Some(_) => return Err(strict()),
                    }
                }
                3 => row.size = map.next_value()?,
                4 => row.entry_price = map.next_value()?,
                5 => r.mark_price = map.next_value()?,
                6 => r.leverage = map.next_value()?,
                7 => r.margin = map.next_value()?,
                8 => r.mmr = map.next_value()?,
                9 => r.maint_amount = map.next_value()?,
                10 => r.max_leverage = map.next_value()?,
                11 => r.taker_fee = map.next_value()?,
                _ => row.venue_liquidation_price = map.next_value()?,
            }
        }
        // `size` and `entry_price` are required.
        if seen & 0b11000 != 0b11000 {
            return Err(strict());
        }
        Ok((symbol, row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = r#"{"version": 1, "venue": "binance-usdm", "margin_mode": "isolated", "positions": [
        {"symbol": "BTCUSDT", "side": "long", "size": 0.5, "entry_price": 60000, "leverage": 10, "mark_price": null},
        {"symbol": "ETHUSDT", "side": "short", "contract": "linear", "size": 2, "entry_price": 3000, "margin": 600, "taker_fee": 0.0005},
        {"symbol": "BTCUSDT", "size": 1, "entry_price": 61000, "mmr": 0.01, "maint_amount": 5, "max_leverage": 20, "leverage": 5, "venue_liquidation_price": 55000}
    ]}"#;

    #[test]
    fn a_plain_isolated_scenario_is_read_into_rows() {
        let b = read(PLAIN).expect("plain");
        assert_eq!(b.venue, Venue::BinanceUsdm);
        assert_eq!(b.symbols, ["BTCUSDT", "ETHUSDT"]);
        let symbols: Vec<u32> = b.rows.iter().map(|r| r.symbol).collect();
        assert_eq!(symbols, [0, 1, 0]);
        let r = &b.rows[1];
        assert_eq!((r.side, r.contract, r.size, r.entry_price), (Side::Short, Some(Contract::Linear), 2.0, 3000.0));
        assert_eq!((r.rest.margin, r.rest.taker_fee, r.rest.leverage), (Some(600.0), Some(0.0005), None));
        assert_eq!(b.rows[0].rest.mark_price, None);
        assert_eq!(b.rows[2].venue_liquidation_price, Some(55000.0));
        assert_eq!(b.rows[2].side, Side::Long);
        assert!(read(r#"{"venue": "okx"}"#).is_some_and(|b| b.rows.is_empty()));
    }

    /// Everything the strict reader could answer differently from a plain reading.
    #[test]
    fn anything_else_is_left_to_the_strict_reader() {
        let plain = |edit: &str| PLAIN.replacen("\"side\": \"long\", ", edit, 1);
        for text in [
            PLAIN.replace("\"margin_mode\": \"isolated\"", "\"margin_mode\": \"cross\", \"wallet_balance\": 1000"),
            PLAIN.replace("\"version\": 1", "\"version\": 3"),
            PLAIN.replace("\"version\": 1", "\"version\": 1.0"),
            PLAIN.replace("binance-usdm", "binance"),
            PLAIN.replace("binance-usdm", "aave-v3"),
            PLAIN.replace("\"venue\": \"binance-usdm\", ", "") + "",
            PLAIN.replace("\"version\": 1, \"venue\": \"binance-usdm\"", "\"version\": 1").replace("]}", "], \"venue\": \"binance-usdm\"}"),
            PLAIN.replace("\"version\": 1", "\"market\": {}"),
            PLAIN.replace("\"version\": 1", "\"venue\": \"okx\""),
            plain("\"levrage\": 3, "),
            plain("\"note\": \"hedge\", "),
            plain("\"tiers\": [{\"floor\": 0, \"mmr\": 0.01}], "),
            plain("\"funding_rate\": 0.0001, "),
            plain("\"side\": \"both\", "),
            plain("\"side\": \"long\", \"side\": \"long\", "),
            plain("\"margin\": \"10\", "),
            plain("\"contract\": 5, "),
            PLAIN.replacen("\"size\": 0.5", "\"size\": null", 1),
            PLAIN.replacen("\"symbol\": \"BTCUSDT\"", "\"symbol\": \"BTC\\u0055SDT\"", 1),
            PLAIN.replacen("\"size\": 0.5, ", "", 1),
            PLAIN.to_string() + " {}",
            "[]".to_string(),
        ] {
            assert!(read(&text).is_none(), "{text}");
        }
    }
}
