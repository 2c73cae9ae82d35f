//! CSV import of the market's positions.
//!
//! One position per row, with a header naming the columns (any order, names as in the JSON
//! format): `side,size,entry_price,leverage,liquidation_price,venue,symbol`. `side` and
//! `size` and `entry_price` are required; each row needs `leverage` or `liquidation_price`;
//! empty cells are absent values. Parsing is the `csv` crate's (RFC 4180 quoting), fields and
//! headers trimmed.

use super::{validate_position, MarketPosition, MAX_GENERATED};
use crate::engine::scenario::{FieldError, InputErrors};

/// Parses CSV text into market positions, validating each row like `market.positions`.
///
/// # Errors
/// One [`FieldError`] per problem, at `csv[line N]` (the line in the text, header = line 1) and
/// the column: a missing column, a value of the wrong type, a range error; or more than
/// 5 000 000 rows.
pub fn parse_positions_csv(text: &str) -> Result<Vec<MarketPosition>, InputErrors> {
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, row) in rdr.deserialize::<MarketPosition>().enumerate() {
        match row {
            Ok(p) => {
                let line = i + 2;
                validate_position(&p, &format!("csv[line {line}]"), &mut errors);
                out.push(p);
            }
            Err(e) => {
                let line = e.position().map_or(i as u64 + 2, |p| p.line());
                let message = match e.kind() {
                    csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
                    _ => e.to_string(),
                };
                errors.push(FieldError::new(format!("csv[line {line}]"), message));
            }
        }
        if errors.len() >= 100 {
            errors.push(FieldError::new("csv", "too many errors; stopped"));
            break;
        }
        if out.len() > MAX_GENERATED {
            errors.push(FieldError::new("csv", format!("more than {MAX_GENERATED} rows")));
            break;
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(InputErrors(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scenario::{Side, Venue};

    #[test]
    fn reads_rows_with_optional_columns() {
        let text = "side,size,entry_price,leverage,liquidation_price,venue\n\
                    long,2,100,10,,bybit\n\
                    short, 1.5 ,120,,130,\n";
        let p = parse_positions_csv(text).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].side, p[0].size, p[0].leverage, p[0].venue), (Side::Long, 2.0, Some(10.0), Some(Venue::Bybit)));
        assert_eq!((p[1].side, p[1].size, p[1].liquidation_price, p[1].venue), (Side::Short, 1.5, Some(130.0), None));
    }

    #[test]
    fn errors_name_the_line_and_field() {
        let text = "side,size,entry_price,leverage\nlong,-1,100,10\nsideways,1,100,10\nlong,1,100,\n";
        let e = parse_positions_csv(text).unwrap_err().0;
        let paths: Vec<&str> = e.iter().map(|f| f.path.as_str()).collect();
        assert!(paths.contains(&"csv[line 2].size"), "{e:?}");
        assert!(paths.contains(&"csv[line 3]"), "{e:?}");
        assert!(paths.contains(&"csv[line 4].leverage"), "{e:?}");
    }
}
