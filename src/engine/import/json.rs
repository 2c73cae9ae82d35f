//! Reading pasted response text as JSON, with errors that point at the line.
//!
//! Venue documentation pages often show responses that are not JSON: `//` comments, trailing
//! commas, a doubled comma (`"notional": "0",,` in Binance's Position Information V2 page).
//! The importer does not guess what such text meant; it names the line and the construct, so
//! the user can mend the paste.

use serde_json::Value;

use crate::engine::scenario::FieldError;

/// Parses `text` (input number `input`) as JSON.
///
/// # Errors
/// A [`FieldError`] at `responses[input]` naming the line and column and, where it can tell,
/// the cause: a comment, a trailing or doubled comma, text that ends early (a truncated
/// response), a single-quoted string, or an empty input.
pub fn parse(text: &str, input: usize) -> Result<Value, FieldError> {
    let path = format!("responses[{input}]");
    let trimmed = text.trim_start_matches('\u{feff}');
    if trimmed.trim().is_empty() {
        return Err(FieldError::new(path, "is empty: paste a venue's JSON response"));
    }
    serde_json::from_str::<Value>(trimmed).map_err(|e| {
        let (line, col) = (e.line(), e.column());
        FieldError::new(path, explain(trimmed, &e, line, col))
    })
}

/// Says what is wrong at `line:col` in words.
fn explain(text: &str, e: &serde_json::Error, line: usize, col: usize) -> String {
    let at = format!("line {line}, column {col}");
    let src = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let shown: String = src.trim().chars().take(60).collect();
    if e.classify() == serde_json::error::Category::Eof {
        return format!(
            "{at}: the text ends before the JSON is complete (a truncated response? copy the whole response, from its first `{{` or `[` to its last `}}` or `]`)"
        );
    }
    // Look at the text from the error column backwards for the usual doc-page constructs.
    let upto: String = src.chars().take(col).collect();
    let after: String = src.chars().skip(col.saturating_sub(1)).collect();
    let after = after.trim_start();
    let prev_line_trailing_comma = {
        let prev: Vec<&str> = text.lines().take(line.saturating_sub(1)).map(str::trim).filter(|l| !l.is_empty()).collect();
        prev.last().is_some_and(|l| l.ends_with(','))
    };
    let msg = if after.starts_with("//") || after.starts_with("/*") || upto.trim_end().ends_with('/') {
        "a comment (`//` or `/* */`) is not JSON; delete it (doc pages annotate responses this way)".to_string()
    } else if upto.trim_end().ends_with(",,") || after.starts_with(',') {
        "a doubled comma (`,,`) is not JSON; delete one".to_string()
    } else if (after.starts_with('}') || after.starts_with(']')) && (upto.trim_end().ends_with(',') || prev_line_trailing_comma) {
        "a trailing comma before the closing bracket is not JSON; delete it".to_string()
    } else if after.starts_with('\'') {
        "single-quoted strings are not JSON; use double quotes".to_string()
    } else if e.classify() == serde_json::error::Category::Syntax
        && (after.starts_with('"') || after.starts_with('{'))
        && !upto.trim_end().ends_with(',')
    {
        "a comma is missing before this value".to_string()
    } else {
        let inner = e.to_string();
        let inner = inner.find(" at line ").map_or(inner.as_str(), |i| &inner[..i]).to_string();
        format!("not valid JSON ({inner})")
    };
    if shown.is_empty() {
        format!("{at}: {msg}")
    } else {
        format!("{at}: {msg}: `{shown}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text, 0).unwrap_err().to_string()
    }

    #[test]
    fn doc_page_constructs_are_named_with_their_line() {
        let e = err("[\n {\n  \"a\": \"0\",,\n  \"b\": 1\n }\n]");
        assert!(e.starts_with("responses[0]: line 3,"), "{e}");
        assert!(e.contains("doubled comma"), "{e}");
        let e = err("[\n {\n  \"a\": 1, // the side\n  \"b\": 2\n }\n]");
        assert!(e.contains("line 3") && e.contains("comment"), "{e}");
        let e = err("{\n \"a\": 1,\n}");
        assert!(e.contains("line 3") && e.contains("trailing comma"), "{e}");
        let e = err("[{\"a\": 1}, {\"b\": ");
        assert!(e.contains("truncated"), "{e}");
        assert!(err("  ").contains("is empty"));
    }
}
