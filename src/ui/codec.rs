//! The Scenario's travelling forms: the link (`#s=1.<base64url of JSON>`), the saved copy in
//! localStorage, JSON files and CSV files of positions. Pure functions; the page does the I/O.

use crate::engine::scenario::parse_scenario_repaired;
use crate::engine::{parse_scenario, Contract, FieldError, InputErrors, Position, Scenario, Side};
use crate::ui::parse::field_text;

/// Version prefix of the link encoding. A link with another prefix is refused with a message.
pub const LINK_VERSION: &str = "1";
/// localStorage key of the autosaved Scenario (the `v1` is the storage layout version).
pub const STORAGE_KEY: &str = "leverlab.scenario.v1";
pub const THEME_KEY: &str = "leverlab.theme.v1";

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding.
pub fn b64url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = match chunk.len() {
            3 => (chunk[0] as u32) << 16 | (chunk[1] as u32) << 8 | chunk[2] as u32,
            2 => (chunk[0] as u32) << 16 | (chunk[1] as u32) << 8,
            _ => (chunk[0] as u32) << 16,
        };
        let chars = chunk.len() + 1;
        for k in 0..chars {
            out.push(B64[((n >> (18 - 6 * k)) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes base64url (padding and standard `+/` accepted).
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The Scenario as compact JSON (defaults omitted by the format's serde attributes).
pub fn to_json(s: &Scenario) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

pub fn to_json_pretty(s: &Scenario) -> String {
    serde_json::to_string_pretty(s).unwrap_or_default()
}

/// `s=1.<base64url>` (without the `#`).
pub fn encode_hash(s: &Scenario) -> String {
    format!("s={LINK_VERSION}.{}", b64url_encode(to_json(s).as_bytes()))
}

/// Reads the Scenario out of a location hash (`#s=1.…`, other `&`-separated keys ignored).
/// `Ok(None)` when the hash carries no Scenario.
///
/// # Errors
/// A sentence for the user saying why the link could not be read.
pub fn decode_hash(hash: &str) -> Result<Option<Scenario>, String> {
    let h = hash.trim_start_matches('#');
    let Some(value) = h.split('&').find_map(|kv| kv.strip_prefix("s=")) else {
        return Ok(None);
    };
    let Some((version, data)) = value.split_once('.') else {
        return Err("The link's scenario has no version; it was ignored.".into());
    };
    if version != LINK_VERSION {
        return Err(format!(
            "The link uses scenario encoding version {version}, which this leverlab does not read (it reads {LINK_VERSION}); it was ignored."
        ));
    }
    let bytes = b64url_decode(data).ok_or("The link's scenario is damaged (not base64url); it was ignored.")?;
    let text = String::from_utf8(bytes).map_err(|_| "The link's scenario is damaged (not UTF-8); it was ignored.")?;
    parse_scenario(&text).map(Some).map_err(|e| format!("The link's scenario could not be read ({}); it was ignored.", listed(&e)))
}

/// The Scenario of a link that [`decode_hash`] refused, repaired (unknown fields dropped,
/// unreadable values reset), with its problems: the page loads it and shows each problem under
/// its field. `None` when the link carries no Scenario or one that cannot be repaired.
pub fn decode_hash_repaired(hash: &str) -> Option<(Scenario, InputErrors)> {
    let value = hash.trim_start_matches('#').split('&').find_map(|kv| kv.strip_prefix("s="))?;
    let (version, data) = value.split_once('.')?;
    if version != LINK_VERSION {
        return None;
    }
    let text = String::from_utf8(b64url_decode(data)?).ok()?;
    match parse_scenario_repaired(&text) {
        Err((Some(s), e)) => Some((s, e)),
        _ => None,
    }
}

/// The problems as the CLI prints them, `; `-separated (the first six, then a count).
pub fn listed(e: &InputErrors) -> String {
    let mut lines: Vec<String> = e.0.iter().take(6).map(|f| f.to_string()).collect();
    if e.0.len() > 6 {
        lines.push(format!("… and {} more", e.0.len() - 6));
    }
    lines.join("; ")
}

/// Reads the autosaved copy.
///
/// # Errors
/// A sentence for the user when the saved copy is damaged or from another version.
pub fn decode_saved(text: &str) -> Result<Scenario, String> {
    parse_scenario(text).map_err(|e| format!("The saved scenario in this browser could not be read ({}); it was ignored and a fresh one started.", listed(&e)))
}

/// Column names of the positions CSV: the format's field names (the same columns
/// `leverlab eval book.csv` reads).
pub const CSV_COLUMNS: [&str; 12] = crate::engine::batch::BOOK_COLUMNS;

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Positions as CSV, one row per position (tier tables are not part of the CSV).
pub fn positions_to_csv(s: &Scenario) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    let o = |v: Option<f64>| v.map(field_text).unwrap_or_default();
    for p in &s.positions {
        let row = [
            csv_cell(&p.symbol),
            match p.side {
                Side::Long => "long".into(),
                Side::Short => "short".into(),
            },
            match p.contract {
                Some(Contract::Linear) => "linear".into(),
                Some(Contract::Inverse) => "inverse".into(),
                None => String::new(),
            },
            field_text(p.size),
            field_text(p.entry_price),
            o(p.mark_price),
            o(p.leverage),
            o(p.margin),
            o(p.mmr),
            o(p.maint_amount),
            o(p.max_leverage),
            o(p.taker_fee),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

fn split_csv_line(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    cells.push(cur);
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

/// Reads positions from CSV into the given Scenario (replacing its positions). Columns are
/// matched by header name; unknown columns are refused so a typo is not silently dropped.
///
/// # Errors
/// One [`FieldError`] per problem, with the path `positions[i].field` and the CSV line.
pub fn positions_from_csv(text: &str, base: &Scenario) -> Result<Scenario, InputErrors> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(FieldError::new("", "the CSV file is empty").into());
    };
    let header = split_csv_line(header.trim_start_matches('\u{feff}'));
    let mut errors = Vec::new();
    for h in &header {
        if !CSV_COLUMNS.contains(&h.as_str()) {
            let hint = crate::engine::input::suggest(h, CSV_COLUMNS).map(|c| format!("did you mean {c}? ")).unwrap_or_default();
            errors.push(FieldError::new("", format!("unknown CSV column `{h}`; {hint}the columns are {}", CSV_COLUMNS.join(", "))));
        }
    }
    for need in ["size", "entry_price"] {
        if !header.iter().any(|h| h == need) {
            errors.push(FieldError::new("", format!("the CSV needs a `{need}` column")));
        }
    }
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    // Build JSON objects and let the Scenario parser check them, so the CSV accepts exactly
    // what the JSON format accepts and names problems the same way.
    let mut rows = Vec::new();
    let mut line_of = Vec::new();
    for (n, line) in lines {
        let cells = split_csv_line(line);
        let mut obj = serde_json::Map::new();
        for (h, c) in header.iter().zip(cells) {
            if c.is_empty() {
                continue;
            }
            let v = match h.as_str() {
                "symbol" | "side" | "contract" => serde_json::Value::String(c.to_lowercase_if(h != "symbol")),
                _ => match c.replace(',', "").parse::<f64>() {
                    Ok(x) => serde_json::json!(x),
                    Err(_) => serde_json::Value::String(c),
                },
            };
            obj.insert(h.clone(), v);
        }
        rows.push(serde_json::Value::Object(obj));
        line_of.push(n + 1);
    }
    let mut doc = serde_json::to_value(base).unwrap_or_default();
    doc["positions"] = serde_json::Value::Array(rows);
    parse_scenario(&doc.to_string()).map_err(|e| {
        InputErrors(
            e.0.into_iter()
                .map(|fe| {
                    let line = fe
                        .path
                        .strip_prefix("positions[")
                        .and_then(|r| r.split(']').next())
                        .and_then(|i| i.parse::<usize>().ok())
                        .and_then(|i| line_of.get(i));
                    match line {
                        Some(l) => FieldError::new(fe.path.clone(), format!("CSV line {l}: {}", fe.message)),
                        None => fe,
                    }
                })
                .collect(),
        )
    })
}

trait LowerIf {
    fn to_lowercase_if(self, yes: bool) -> String;
}
impl LowerIf for String {
    fn to_lowercase_if(self, yes: bool) -> String {
        if yes {
            self.to_lowercase()
        } else {
            self
        }
    }
}

/// Positions by default, for the example the page starts with.
pub fn example_position() -> Position {
    Position { symbol: "BTCUSDT".into(), size: 0.5, entry_price: 60000.0, leverage: Some(10.0), ..Default::default() }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn b64_round_trip() {
        for s in ["", "a", "ab", "abc", "abcd", "{\"venue\":\"bybit\"}", "€ö"] {
            assert_eq!(b64url_decode(&b64url_encode(s.as_bytes())).unwrap(), s.as_bytes());
        }
    }
}
