//! Reading numbers the way people type them.
//!
//! The page keeps the user's text as typed and turns it into a number here. Accepted:
//! thousands separators (`60,000`, `60 000`, `60_000`), a currency sign (`$60,000`),
//! `k`/`m` suffixes (`1.5k`), a leverage mark (`10x`, `x10`, `10×`) and a percent sign on
//! rates (`0.5%`). Anything else gets a message that says what was not understood, so the
//! field can explain it next to the text.

/// What a field holds, which decides the accepted decorations and the unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumKind {
    /// Prices, sizes, balances: separators, `$`, `k`/`m`.
    Amount,
    /// Leverage: `10`, `10x`, `x10`, `10×`.
    Leverage,
    /// A rate typed in percent (`0.5` or `0.5%` both mean 0.005).
    Percent,
    /// A signed amount (maintenance amount may be any finite number).
    Signed,
}

/// Parses a field's text. `Ok(None)` means the field is empty.
///
/// # Errors
/// A message for the field, quoting what was typed.
pub fn parse_number(text: &str, kind: NumKind) -> Result<Option<f64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let mut s: String = t.chars().filter(|c| !c.is_whitespace() && *c != '_').collect();
    let mut scale = 1.0;
    match kind {
        NumKind::Leverage => {
            let lower = s.to_lowercase();
            let stripped = lower.trim_end_matches(['x', '×']).trim_start_matches(['x', '×']);
            s = stripped.to_string();
        }
        NumKind::Percent => {
            if let Some(x) = s.strip_suffix('%') {
                s = x.to_string();
            }
            scale = 0.01;
        }
        NumKind::Amount | NumKind::Signed => {
            if let Some(x) = s.strip_prefix('$') {
                s = x.to_string();
            }
            for suffix in ["usdt", "usdc", "usd"] {
                if s.to_lowercase().ends_with(suffix) {
                    s.truncate(s.len() - suffix.len());
                }
            }
            match s.chars().last() {
                Some('k' | 'K') => {
                    s.pop();
                    scale = 1e3;
                }
                Some('m' | 'M') => {
                    s.pop();
                    scale = 1e6;
                }
                _ => {}
            }
        }
    }
    let s = strip_thousands(&s).map_err(|why| format!("`{t}`: {why}"))?;
    let v: f64 = s.parse().map_err(|_| not_a_number(t, kind))?;
    if !v.is_finite() {
        return Err(not_a_number(t, kind));
    }
    if v < 0.0 && kind != NumKind::Signed {
        return Err(format!("`{t}` is negative; enter a number above 0"));
    }
    Ok(Some(v * scale))
}

fn not_a_number(t: &str, kind: NumKind) -> String {
    let example = match kind {
        NumKind::Amount => "60000, 60,000 or 1.5k",
        NumKind::Leverage => "10 or 10x",
        NumKind::Percent => "0.5 or 0.5%",
        NumKind::Signed => "-50 or 1,200",
    };
    format!("`{t}` is not a number; type something like {example}")
}

/// Removes thousands commas when every group after the first has three digits; a comma used
/// as a decimal point (`0,5`) is refused with a hint rather than guessed.
fn strip_thousands(s: &str) -> Result<String, String> {
    if !s.contains(',') {
        return Ok(s.to_string());
    }
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if frac.is_some_and(|f| f.contains(',')) {
        return Err("commas after the decimal point are not understood".into());
    }
    let mut groups = int.split(',');
    let first = groups.next().unwrap_or("");
    let first_digits = first.trim_start_matches(['-', '+']);
    let ok = !first_digits.is_empty()
        && first_digits.len() <= 3
        && groups.clone().all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit()));
    if !ok {
        return Err("a comma is read as a thousands separator (60,000); use a dot for decimals (60000.5)".into());
    }
    let mut out: String = int.split(',').collect();
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    Ok(out)
}

/// Text for a number in a field: plain digits, no separators, up to 10 significant decimals,
/// so that the text parses back to the same value.
pub fn field_text(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.10}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s.parse::<f64>().ok() == Some(v) {
            s.to_string()
        } else {
            format!("{v}")
        }
    }
}

/// Text for a rate shown in percent (0.005 → `0.5`).
pub fn percent_text(v: f64) -> String {
    let p = v * 100.0;
    // Round off binary noise such as 0.5000000000000001.
    let r = (p * 1e10).round() / 1e10;
    field_text(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_people_type() {
        assert_eq!(parse_number("60,000", NumKind::Amount), Ok(Some(60000.0)));
        assert_eq!(parse_number("60000.5", NumKind::Amount), Ok(Some(60000.5)));
        assert_eq!(parse_number(" $1,234,567.25 ", NumKind::Amount), Ok(Some(1234567.25)));
        assert_eq!(parse_number("1.5k", NumKind::Amount), Ok(Some(1500.0)));
        assert_eq!(parse_number("10x", NumKind::Leverage), Ok(Some(10.0)));
        assert_eq!(parse_number("x20", NumKind::Leverage), Ok(Some(20.0)));
        assert_eq!(parse_number("0.5%", NumKind::Percent), Ok(Some(0.005)));
        assert_eq!(parse_number("", NumKind::Amount), Ok(None));
        assert!(parse_number("abc", NumKind::Amount).unwrap_err().contains("`abc`"));
        assert!(parse_number("0,5", NumKind::Amount).unwrap_err().contains("dot for decimals"));
        assert!(parse_number("-3", NumKind::Amount).is_err());
        assert_eq!(parse_number("-3", NumKind::Signed), Ok(Some(-3.0)));
    }

    #[test]
    fn field_text_round_trips() {
        for v in [60000.0, 60000.5, 0.1, 1e-7, 123.456789] {
            assert_eq!(field_text(v).parse::<f64>().unwrap(), v);
        }
        assert_eq!(percent_text(0.005), "0.5");
    }
}
