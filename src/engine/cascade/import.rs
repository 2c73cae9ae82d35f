//! CSV import of the market's positions and loans.
//!
//! One position (or loan, [`parse_loans_csv`]) per row, with a header naming the columns (any order, names as in the JSON
//! format): `side,size,entry_price,leverage,liquidation_price,venue,symbol`. `side` and
//! `size` and `entry_price` are required; each row needs `leverage` or `liquidation_price`;
//! empty cells are absent values. Parsing is the `csv` crate's (RFC 4180 quoting), fields and
//! headers trimmed.

use serde_json::{Map, Value};

use super::{validate_position, MarketPosition, MARKET_POSITION_FIELDS, MAX_GENERATED};
use crate::engine::input::{check, unknown_message, Field, Problems, Shape};
use crate::engine::lending::loans::{MarketLoan, MARKET_LOAN_FIELDS, MAX_LOANS};
use crate::engine::input::{FieldError, InputErrors};

const ROW: Shape = Shape::Object(MARKET_POSITION_FIELDS);
const LOAN_ROW: Shape = Shape::Object(MARKET_LOAN_FIELDS);

/// Parses CSV text into market positions, validating each row like `market.positions`.
///
/// Strict like the JSON format: a header naming an unknown column is an error (with a "did you
/// mean" suggestion), a required column (`size`, `entry_price`) must be there, and every bad
/// cell of every row is reported in one pass.
///
/// # Errors
/// One [`FieldError`] per problem, at `csv.line[N]` (the line in the text, header = line 1) and
/// the column: an unknown or missing column, a value of the wrong type, a range error; at most
/// [`crate::engine::input::MAX_ERRORS`] of them; or more than 5 000 000 rows.
pub fn parse_positions_csv(text: &str) -> Result<Vec<MarketPosition>, InputErrors> {
    parse_rows_csv(text, MARKET_POSITION_FIELDS, validate_position, MAX_GENERATED, "market.generator")
}

/// Parses CSV text into market loans (`market.loans` rows): columns
/// `side,collateral,debt,liquidation_threshold,liquidation_bonus,close_factor` in any order,
/// each row checked like a loan of the JSON format.
///
/// # Errors
/// As [`parse_positions_csv`]: every problem at `csv.line[N].column`; more than
/// [`MAX_LOANS`] rows.
pub fn parse_loans_csv(text: &str) -> Result<Vec<MarketLoan>, InputErrors> {
    parse_rows_csv(text, MARKET_LOAN_FIELDS, |l: &MarketLoan, at, e| l.validate(at, e), MAX_LOANS, "market.loan_generator")
}

/// The strict CSV reader behind [`parse_positions_csv`] and [`parse_loans_csv`]: rows of the
/// object `fields` describe, each range-checked by `validate` at its `csv.line[N]` path, at
/// most `max_rows` of them (`instead` names the generator to use above that).
fn parse_rows_csv<T: serde::de::DeserializeOwned>(
    text: &str,
    fields: &'static [Field],
    validate: impl Fn(&T, &str, &mut Vec<FieldError>),
    max_rows: usize,
    instead: &str,
) -> Result<Vec<T>, InputErrors> {
    let row_shape = Shape::Object(fields);
    let mut rdr = crate::engine::input::csv_reader(text.as_bytes());
    let mut p = Problems::new();
    let known: Vec<&str> = fields.iter().map(|f| f.name).collect();
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(FieldError::new("csv.line[1]", e.to_string()).into()),
    };
    for h in headers.iter() {
        if !known.contains(&h) {
            p.push(&format!("csv.line[1].{h}"), unknown_message("column", h, &known));
        }
    }
    for f in fields.iter().filter(|f| f.required) {
        if !headers.iter().any(|h| h == f.name) {
            p.push("csv.line[1]", format!("missing column `{}`", f.name));
        }
    }
    if !p.errors.is_empty() {
        return Err(InputErrors(p.errors));
    }
    // Columns whose cells are text (choices, names); every other cell is read as a number.
    let textual: Vec<bool> = headers
        .iter()
        .map(|h| fields.iter().any(|f| f.name == h && matches!(f.shape, Shape::Text | Shape::Choice(_))))
        .collect();
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut row = 0usize;
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(row as u64 + 2, |q| q.line());
                p.push(&format!("csv.line[{line}]"), e.to_string());
                break;
            }
        }
        row += 1;
        let line = record.position().map_or(row as u64 + 1, |q| q.line());
        let at = format!("csv.line[{line}]");
        // Fast path: a clean row deserialises directly; otherwise every cell is checked.
        let item = match record.deserialize::<T>(Some(&headers)) {
            Ok(item) => item,
            Err(_) => {
                let cells: Map<String, Value> = headers
                    .iter()
                    .zip(record.iter())
                    .zip(&textual)
                    .filter(|((_, c), _)| !c.is_empty())
                    .map(|((h, c), &is_text)| {
                        let v = match c.parse::<f64>() {
                            Ok(x) if !is_text => serde_json::Number::from_f64(x).map_or(Value::from(c), Value::Number),
                            _ => Value::from(c),
                        };
                        (h.to_string(), v)
                    })
                    .collect();
                let before = p.errors.len();
                let repaired = check(&Value::Object(cells), &row_shape, &at, &mut p);
                match repaired.map(serde_json::from_value::<T>) {
                    Some(Ok(item)) if p.errors.len() > before => {
                        // Range-check the good cells too, not repeating the bad ones.
                        let mut range = Vec::new();
                        validate(&item, &at, &mut range);
                        p.add_range(range);
                        continue;
                    }
                    Some(Ok(item)) => item,
                    Some(Err(e)) => {
                        p.push(&at, e.to_string());
                        continue;
                    }
                    None => continue,
                }
            }
        };
        let mut range = Vec::new();
        validate(&item, &at, &mut range);
        for e in range {
            p.push(&e.path, e.message);
        }
        out.push(item);
        if p.errors.len() > crate::engine::input::MAX_ERRORS {
            break;
        }
        if out.len() > max_rows {
            p.push("csv", format!("more than {max_rows} rows; split the file or use {instead}"));
            break;
        }
    }
    InputErrors::check(p.errors)?;
    Ok(out)
}

/// Reads market positions from a JSON list (the page's import of a `market.positions` array),
/// strictly, with paths under `path`.
///
/// # Errors
/// Every problem of every position, at `path[i].field`.
pub fn positions_from_json(v: &Value, path: &str) -> Result<Vec<MarketPosition>, InputErrors> {
    list_from_json(v, path, &ROW, validate_position)
}

/// Reads market loans from a JSON list (a `market.loans` array), strictly, with paths under
/// `path`.
///
/// # Errors
/// Every problem of every loan, at `path[i].field`.
pub fn loans_from_json(v: &Value, path: &str) -> Result<Vec<MarketLoan>, InputErrors> {
    list_from_json(v, path, &LOAN_ROW, |l: &MarketLoan, at, e| l.validate(at, e))
}

fn list_from_json<T: serde::de::DeserializeOwned>(
    v: &Value,
    path: &str,
    row: &'static Shape,
    validate: impl Fn(&T, &str, &mut Vec<FieldError>),
) -> Result<Vec<T>, InputErrors> {
    let mut p = Problems::new();
    let list = Shape::List(row);
    let repaired = check(v, &list, path, &mut p).unwrap_or(Value::Array(Vec::new()));
    let items: Vec<T> = serde_json::from_value(repaired).map_err(|e| FieldError::new(path, e.to_string()))?;
    for (i, item) in items.iter().enumerate() {
        let mut range = Vec::new();
        validate(item, &format!("{path}[{i}]"), &mut range);
        p.add_range(range);
    }
    InputErrors::check(p.errors)?;
    Ok(items)
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
        assert!(paths.contains(&"csv.line[2].size"), "{e:?}");
        assert!(paths.contains(&"csv.line[3].side"), "{e:?}");
        assert!(paths.contains(&"csv.line[4].leverage"), "{e:?}");
    }
}
