//! Strict reading of leverlab's input formats: the problems found in an input
//! ([`FieldError`], [`InputErrors`]), the range checks shared by the validators, and a
//! structural check of JSON documents against a declared [`Shape`].
//!
//! The structural check is what makes the format strict: every key of every object must be a
//! field of that object (an unknown key is an error, with a "did you mean" suggestion when a
//! known field is close), every value must have its field's type, and required fields must be
//! present. All problems of a document are collected in one pass, each at its real path
//! (`market.generator.levrage_buckets`), rather than stopping at the first one as serde does.
//! The checked document is then *repaired* (bad values dropped, required ones given a neutral
//! placeholder) so that serde can build the typed value and the range checks can run over the
//! rest of the document in the same pass.
//!
//! # Design Decision
//! serde's `deny_unknown_fields` cannot be combined with `#[serde(flatten)]` (which the
//! Scenario's `market` section and its `depth` model use), stops at the first problem, and
//! reports problems inside a flattened struct at the flattened struct's path only. The shapes
//! are therefore declared next to each struct (`SCENARIO`, `RISK_FIELDS`, …) and a unit test
//! holds each declaration to serde's own list of the struct's fields, so the two cannot drift.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// The one CSV reader of every CSV import — market positions and loans
/// ([`crate::engine::cascade::parse_positions_csv`], `parse_loans_csv`), books
/// (`leverlab eval book.csv`): the `csv` crate (RFC 4180 quoting), a header row, every cell
/// trimmed.
pub fn csv_reader<R: std::io::Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(input)
}

/// The leverage every part of the engine accepts, lowest and highest (1x to 1000x: above any
/// venue's maximum, below what would make margins vanish in `f64`): positions, tiers' and
/// market positions' leverage, generated markets, the calculators and loops.
pub const LEVERAGE_RANGE: (f64, f64) = (1.0, 1000.0);

/// The problem with a leverage outside [`LEVERAGE_RANGE`].
pub const LEVERAGE_MESSAGE: &str = "must be a number from 1 to 1000";

/// Whether `l` is a finite leverage within [`LEVERAGE_RANGE`].
pub fn leverage_ok(l: f64) -> bool {
    l.is_finite() && (LEVERAGE_RANGE.0..=LEVERAGE_RANGE.1).contains(&l)
}

/// One problem in the input: where it is and what is wrong.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, e.g. `positions[1].entry_price`; empty for the whole document.
    pub path: String,
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { path: path.into(), message: message.into() }
    }
}

/// `text` with control characters escaped (`\n` as `\\n`), so one problem stays one line
/// even when it quotes the user's text.
fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) {
        text.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect::<String>().into()
    } else {
        text.into()
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&one_line(&self.message))
        } else {
            write!(f, "{}: {}", one_line(&self.path), one_line(&self.message))
        }
    }
}

/// All the problems found in one input; never empty when returned as an error.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct InputErrors(pub Vec<FieldError>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

impl From<FieldError> for InputErrors {
    fn from(e: FieldError) -> Self {
        InputErrors(vec![e])
    }
}

impl InputErrors {
    /// `Ok(())` when `errors` is empty, else the errors.
    ///
    /// # Errors
    /// The given errors, when there are any.
    pub fn check(errors: Vec<FieldError>) -> Result<(), InputErrors> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(InputErrors(errors))
        }
    }

    /// The same errors with each path rewritten by `f` (a front door naming its settings).
    pub fn map_paths(self, f: impl Fn(&str) -> String) -> InputErrors {
        InputErrors(self.0.into_iter().map(|e| FieldError::new(f(&e.path), e.message)).collect())
    }
}

/// Checks that a number is finite and strictly positive.
pub(crate) fn check_positive(errors: &mut Vec<FieldError>, path: &str, v: f64) {
    if !v.is_finite() || v <= 0.0 {
        errors.push(FieldError::new(path, "must be a finite number > 0"));
    }
}

/// Checks that a number is finite and not negative.
pub(crate) fn check_non_negative(errors: &mut Vec<FieldError>, path: &str, v: f64) {
    if !v.is_finite() || v < 0.0 {
        errors.push(FieldError::new(path, "must be a finite number ≥ 0"));
    }
}

/// Checks that a rate lies in `[0, max)`.
pub(crate) fn check_rate(errors: &mut Vec<FieldError>, path: &str, v: f64, max: f64) {
    if !v.is_finite() || v < 0.0 || v >= max {
        errors.push(FieldError::new(path, format!("must be a rate ≥ 0 and < {max}")));
    }
}

/// The known name closest to `name`, when one is close enough to be a likely typo: the same
/// name up to case, `-`/`_` and spaces, or an optimal-string-alignment distance (one edit =
/// insert, delete, substitute or swap two neighbours) of at most 1 for short names, 2 from 5
/// characters and 3 from 10, or a Jaro–Winkler similarity ≥ 0.9 (a shared long prefix).
pub fn suggest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let norm = |s: &str| s.to_lowercase().replace(['-', ' '], "_");
    let n = norm(name);
    let limit = match n.chars().count() {
        0..=4 => 1,
        5..=9 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, f64, &'a str)> = None;
    for k in known {
        let kn = norm(k);
        let d = if kn == n { 0 } else { strsim::osa_distance(&n, &kn) };
        let jw = strsim::jaro_winkler(&n, &kn);
        // Never "suggest" a name that shares nothing with the typo (`z` → `x`).
        if d >= n.chars().count().max(kn.chars().count()) || (d > limit && jw < 0.9) {
            continue;
        }
        if best.map_or(true, |(bd, bj, _)| d < bd || (d == bd && jw > bj)) {
            best = Some((d, jw, k));
        }
    }
    best.map(|(_, _, k)| k)
}

/// The message for an unknown name: `unknown field; did you mean leverage?`, or the list of
/// the known names when none is close.
pub fn unknown_message(what: &str, name: &str, known: &[&str]) -> String {
    match suggest(name, known.iter().copied()) {
        Some(k) => format!("unknown {what}; did you mean {k}?"),
        None if known.is_empty() => format!("unknown {what}; there are none here"),
        None => format!("unknown {what}; expected one of: {}", known.join(", ")),
    }
}

/// One field of an object [`Shape`].
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub shape: Shape,
    /// Absent (or `null`) is an error when set.
    pub required: bool,
}

/// An optional field.
pub const fn opt(name: &'static str, shape: Shape) -> Field {
    Field { name, shape, required: false }
}

/// A required field.
pub const fn req(name: &'static str, shape: Shape) -> Field {
    Field { name, shape, required: true }
}

/// The expected form of a JSON value.
#[derive(Debug)]
pub enum Shape {
    /// A JSON number (integers included).
    Number,
    /// A whole number ≥ 0 that fits in 64 bits.
    Whole,
    Text,
    Bool,
    /// One of these strings.
    Choice(&'static [&'static str]),
    /// An object with exactly these fields (a field may be absent unless required).
    Object(&'static [Field]),
    /// An object whose fields come from several groups (serde's `flatten`).
    Merged(&'static [&'static [Field]]),
    /// An array of values of one shape.
    List(&'static Shape),
    /// An object with free keys and values of one shape.
    Map(&'static Shape),
    /// A unit variant as its name (`"normal"`) or a variant with data as a one-key object
    /// (`{"student_t": 3}`): serde's external enum tagging. `None` = unit variant.
    Variant(&'static [(&'static str, Option<&'static Shape>)]),
    /// An object whose `tag` field names a variant; its other fields are the `common` ones
    /// plus the variant's (serde's internal tagging, flattened into a struct).
    Tagged { tag: &'static str, variants: &'static [(&'static str, &'static [Field])], common: &'static [Field] },
}

/// Upper bound on the problems reported for one document (a bad column repeated over 10⁵ rows
/// would otherwise print 10⁵ lines).
pub const MAX_ERRORS: usize = 100;

/// Collects problems up to [`MAX_ERRORS`], then one closing note.
pub struct Problems {
    pub errors: Vec<FieldError>,
    full: bool,
}

impl Default for Problems {
    fn default() -> Self {
        Problems::new()
    }
}

impl Problems {
    pub fn new() -> Self {
        Problems { errors: Vec::new(), full: false }
    }

    pub fn push(&mut self, path: &str, message: impl Into<String>) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(FieldError::new(path, message));
        } else if !self.full {
            self.full = true;
            self.errors.push(FieldError::new("", format!("more than {MAX_ERRORS} problems; stopped listing them")));
        }
    }

    /// Adds the range problems of a repaired value, leaving out those at (or under) a path
    /// that already has a problem: there the checked value is a placeholder.
    pub fn add_range(&mut self, range: Vec<FieldError>) {
        for e in range {
            if !self.covers(&e.path) {
                self.push(&e.path, e.message);
            }
        }
    }

    /// Whether `path` or a field under it has a problem already (so a range check of the
    /// repaired value there would only repeat it).
    pub fn covers(&self, path: &str) -> bool {
        self.errors.iter().any(|e| {
            !e.path.is_empty()
                && (path == e.path
                    || path.strip_prefix(e.path.as_str()).is_some_and(|r| r.starts_with('.') || r.starts_with('[')))
        })
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn describe(shape: &Shape) -> String {
    match shape {
        Shape::Number => "a number".into(),
        Shape::Whole => "a whole number ≥ 0".into(),
        Shape::Text => "text".into(),
        Shape::Bool => "true or false".into(),
        Shape::Choice(c) => format!("one of: {}", c.join(", ")),
        Shape::Object(_) | Shape::Merged(_) | Shape::Map(_) | Shape::Tagged { .. } => "an object".into(),
        Shape::List(_) => "a list".into(),
        Shape::Variant(vs) => format!(
            "one of: {}",
            vs.iter()
                .map(|(n, d)| if d.is_some() { format!("{{\"{n}\": …}}") } else { format!("\"{n}\"") })
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A neutral value of `shape`, standing in for a missing or mistyped required value so the
/// rest of the document can still be checked (its own problem is already reported).
pub fn placeholder(shape: &Shape) -> Value {
    match shape {
        Shape::Number => Value::from(1.0),
        Shape::Whole => Value::from(0u64),
        Shape::Text => Value::from(""),
        Shape::Bool => Value::Bool(false),
        Shape::Choice(c) => Value::from(c.first().copied().unwrap_or("")),
        Shape::Object(fields) => Value::Object(placeholder_fields(fields.iter())),
        Shape::Merged(groups) => Value::Object(placeholder_fields(groups.iter().flat_map(|g| g.iter()))),
        Shape::List(_) => Value::Array(Vec::new()),
        Shape::Map(_) => Value::Object(Map::new()),
        Shape::Variant(vs) => match vs.first() {
            Some((n, None)) => Value::from(*n),
            Some((n, Some(s))) => Value::Object(Map::from_iter([(n.to_string(), placeholder(s))])),
            None => Value::Null,
        },
        Shape::Tagged { tag, variants, common } => {
            let (name, fields) = variants.first().copied().unwrap_or(("", &[]));
            let mut m = placeholder_fields(common.iter().chain(fields.iter()));
            m.insert(tag.to_string(), Value::from(name));
            Value::Object(m)
        }
    }
}

fn placeholder_fields<'a>(fields: impl Iterator<Item = &'a Field>) -> Map<String, Value> {
    fields.filter(|f| f.required).map(|f| (f.name.to_string(), placeholder(&f.shape))).collect()
}

/// Checks `v` against `shape`, reporting every problem at its path, and returns the repaired
/// value: unknown keys and mistyped optional values removed, mistyped or missing required
/// values replaced by [`placeholder`]s. `None` when `v` itself does not have the shape.
pub fn check(v: &Value, shape: &Shape, path: &str, p: &mut Problems) -> Option<Value> {
    let mistyped = |p: &mut Problems| {
        p.push(path, format!("must be {}, not {}", describe(shape), kind(v)));
        None
    };
    match shape {
        Shape::Number => match v {
            Value::Number(_) => Some(v.clone()),
            _ => mistyped(p),
        },
        Shape::Whole => match v.as_u64() {
            Some(_) => Some(v.clone()),
            None => mistyped(p),
        },
        Shape::Text => match v {
            Value::String(_) => Some(v.clone()),
            _ => mistyped(p),
        },
        Shape::Bool => match v {
            Value::Bool(_) => Some(v.clone()),
            _ => mistyped(p),
        },
        Shape::Choice(choices) => match v.as_str() {
            Some(s) if choices.contains(&s) => Some(v.clone()),
            Some(s) => {
                p.push(path, unknown_value(s, choices));
                None
            }
            None => mistyped(p),
        },
        Shape::Object(fields) => match v {
            Value::Object(m) => Some(Value::Object(check_fields(m, &[fields], path, p))),
            _ => mistyped(p),
        },
        Shape::Merged(groups) => match v {
            Value::Object(m) => Some(Value::Object(check_fields(m, groups, path, p))),
            _ => mistyped(p),
        },
        Shape::List(item) => match v {
            Value::Array(a) => Some(Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, x)| {
                        let at = format!("{path}[{i}]");
                        check(x, item, &at, p).unwrap_or_else(|| placeholder(item))
                    })
                    .collect(),
            )),
            _ => mistyped(p),
        },
        Shape::Map(item) => match v {
            Value::Object(m) => Some(Value::Object(
                m.iter().filter_map(|(k, x)| check(x, item, &join(path, k), p).map(|x| (k.clone(), x))).collect(),
            )),
            _ => mistyped(p),
        },
        Shape::Variant(variants) => {
            let names: Vec<&str> = variants.iter().map(|(n, _)| *n).collect();
            match v {
                Value::String(s) => match variants.iter().find(|(n, _)| n == s) {
                    Some((_, None)) => Some(v.clone()),
                    Some((n, Some(data))) => {
                        p.push(path, format!("`{n}` needs a value: {{\"{n}\": {}}}", placeholder_text(data)));
                        None
                    }
                    None => {
                        p.push(path, unknown_value(s, &names));
                        None
                    }
                },
                Value::Object(m) if m.len() == 1 => {
                    let (k, x) = m.iter().next().expect("one entry");
                    match variants.iter().find(|(n, _)| n == k) {
                        Some((_, Some(data))) => {
                            check(x, data, &join(path, k), p).map(|x| Value::Object(Map::from_iter([(k.clone(), x)])))
                        }
                        Some((n, None)) => {
                            p.push(path, format!("`{n}` takes no value: write \"{n}\""));
                            None
                        }
                        None => {
                            p.push(&join(path, k), unknown_message("variant", k, &names));
                            None
                        }
                    }
                }
                _ => mistyped(p),
            }
        }
        Shape::Tagged { tag, variants, common } => {
            let Value::Object(m) = v else { return mistyped(p) };
            let names: Vec<&str> = variants.iter().map(|(n, _)| *n).collect();
            let at = join(path, tag);
            let chosen = match m.get(*tag) {
                None | Some(Value::Null) => {
                    p.push(&at, format!("required: one of {}", names.join(", ")));
                    None
                }
                Some(Value::String(s)) => match variants.iter().find(|(n, _)| n == s) {
                    Some(found) => Some(*found),
                    None => {
                        p.push(&at, unknown_value(s, &names));
                        None
                    }
                },
                Some(other) => {
                    p.push(&at, format!("must be one of: {}, not {}", names.join(", "), kind(other)));
                    None
                }
            };
            let Some((name, fields)) = chosen else {
                // Without a variant its fields are unknown; still name keys no variant has.
                let mut all: Vec<&str> = vec![tag];
                all.extend(common.iter().chain(variants.iter().flat_map(|(_, f)| f.iter())).map(|f| f.name));
                for k in m.keys().filter(|k| !all.contains(&k.as_str())) {
                    p.push(&join(path, k), unknown_message("field", k, &all));
                }
                return None;
            };
            let tag_field = [Field { name: tag, shape: Shape::Text, required: true }];
            let mut out = check_fields(m, &[&tag_field, common, fields], path, p);
            out.insert(tag.to_string(), Value::from(name));
            Some(Value::Object(out))
        }
    }
}

fn placeholder_text(shape: &Shape) -> String {
    match shape {
        Shape::Number | Shape::Whole => "3".into(),
        _ => describe(shape),
    }
}

fn unknown_value(s: &str, choices: &[&str]) -> String {
    match suggest(s, choices.iter().copied()) {
        Some(k) => format!("unknown value `{s}`; did you mean {k}? (one of: {})", choices.join(", ")),
        None => format!("unknown value `{s}`; expected one of: {}", choices.join(", ")),
    }
}

fn check_fields(m: &Map<String, Value>, groups: &[&[Field]], path: &str, p: &mut Problems) -> Map<String, Value> {
    let known: Vec<&str> = groups.iter().flat_map(|g| g.iter().map(|f| f.name)).collect();
    let mut out = Map::new();
    for k in m.keys() {
        if !known.contains(&k.as_str()) {
            p.push(&join(path, k), unknown_message("field", k, &known));
        }
    }
    for f in groups.iter().flat_map(|g| g.iter()) {
        let at = join(path, f.name);
        match m.get(f.name) {
            None | Some(Value::Null) => {
                if f.required {
                    p.push(&at, "required");
                    out.insert(f.name.to_string(), placeholder(&f.shape));
                }
            }
            Some(x) => match check(x, &f.shape, &at, p) {
                Some(x) => {
                    out.insert(f.name.to_string(), x);
                }
                None if f.required => {
                    out.insert(f.name.to_string(), placeholder(&f.shape));
                }
                None => {}
            },
        }
    }
    out
}

/// Parses JSON text holding exactly one document.
///
/// # Errors
/// A whole-document [`FieldError`] for a syntax error (with its line and column) or for text
/// after the document.
pub fn parse_json(text: &str) -> Result<Value, FieldError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let v = Value::deserialize(&mut de).map_err(|e| FieldError::new("", format!("not valid JSON: {e}")))?;
    de.end().map_err(|e| FieldError::new("", format!("unexpected text after the JSON document: {e}")))?;
    Ok(v)
}

/// Reads a JSON document strictly as `T`: parse, check against `shape`, repair, build `T` with
/// serde, then run `validate` (range checks) on it; every problem of the whole document comes
/// back together, range problems at paths already reported (or under them) left out.
///
/// # Errors
/// Every problem found, each at its path (see [`check`]).
pub fn read_strict<T: serde::de::DeserializeOwned>(
    v: &Value,
    shape: &Shape,
    validate: impl FnOnce(&T, &mut Vec<FieldError>),
) -> Result<T, InputErrors> {
    read_repaired(v, shape, validate).map_err(|(_, e)| e)
}

/// [`read_strict`], also giving back the repaired value when the document has problems but
/// could still be built (unknown fields dropped, unreadable values reset): the page loads it
/// and shows each problem under its field.
///
/// # Errors
/// The problems, with the repaired value when there is one.
pub fn read_repaired<T: serde::de::DeserializeOwned>(
    v: &Value,
    shape: &Shape,
    validate: impl FnOnce(&T, &mut Vec<FieldError>),
) -> Result<T, (Option<T>, InputErrors)> {
    let mut p = Problems::new();
    let repaired = check(v, shape, "", &mut p).unwrap_or_else(|| placeholder(shape));
    let value: T = match serde_path_to_error::deserialize(&repaired) {
        Ok(t) => t,
        Err(e) => {
            // The shapes agree with serde (see the tests), so this is a value serde refuses
            // beyond its type, e.g. a whole number too large for its field.
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            if !p.covers(&path) || p.errors.is_empty() {
                p.push(&path, e.inner().to_string());
            }
            return Err((None, InputErrors(p.errors)));
        }
    };
    let mut range = Vec::new();
    validate(&value, &mut range);
    p.add_range(range);
    if p.errors.is_empty() {
        Ok(value)
    } else {
        Err((Some(value), InputErrors(p.errors)))
    }
}

#[cfg(test)]
pub(crate) mod introspect {
    //! serde's own list of a struct's fields, to hold the declared shapes to it.
    use serde::de::{self, Deserializer, Visitor};

    #[derive(Debug)]
    struct Found(Vec<&'static str>);
    impl std::fmt::Display for Found {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "fields")
        }
    }
    impl std::error::Error for Found {}
    impl de::Error for Found {
        fn custom<T: std::fmt::Display>(_: T) -> Self {
            Found(Vec::new())
        }
    }

    struct Probe;
    impl<'de> Deserializer<'de> for Probe {
        type Error = Found;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
            Err(Found(Vec::new()))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Found> {
            Err(Found(fields.to_vec()))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }

    /// serde's field names of `T` (empty for a struct with a flattened field).
    pub fn fields<'de, T: serde::Deserialize<'de>>() -> Vec<&'static str> {
        match T::deserialize(Probe) {
            Err(Found(f)) => f,
            Ok(_) => Vec::new(),
        }
    }

    /// Asserts that a declared field list matches serde's.
    pub fn assert_matches<'de, T: serde::Deserialize<'de>>(declared: &[super::Field]) {
        let mut a: Vec<&str> = declared.iter().map(|f| f.name).collect();
        let mut b = fields::<T>();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b, "the declared shape of {} disagrees with its serde fields", std::any::type_name::<T>());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn suggestions_catch_the_typos_of_the_audit() {
        let known = ["positions", "venue", "margin_mode", "wallet_balance", "leverage", "mark_price", "taker_fee"];
        for (typo, want) in [
            ("positons", "positions"),
            ("levrage", "leverage"),
            ("mark_prise", "mark_price"),
            ("takerfee", "taker_fee"),
            ("wallet_balence", "wallet_balance"),
            ("Venue", "venue"),
            ("margin-mode", "margin_mode"),
        ] {
            assert_eq!(suggest(typo, known), Some(want), "{typo}");
        }
        assert_eq!(suggest("depht", ["depth", "price"]), Some("depth"));
        assert_eq!(suggest("xyz", known), None);
        assert_eq!(suggest("size", ["side", "symbol"]), Some("side"));
    }

    const INNER: &[Field] = &[req("a", Shape::Number), opt("b", Shape::Choice(&["x", "y"]))];
    const OUTER: Shape = Shape::Object(&[
        req("n", Shape::Whole),
        opt("list", Shape::List(&Shape::Object(INNER))),
        opt("tail", Shape::Variant(&[("normal", None), ("student_t", Some(&Shape::Number))])),
    ]);

    #[test]
    fn every_problem_is_reported_at_its_path_in_one_pass() {
        let v = json!({"n": -1, "lst": 1, "list": [{"a": "1", "b": "z"}, {"b": "x", "c": 2}], "tail": {"student": 3}});
        let mut p = Problems::new();
        let repaired = check(&v, &OUTER, "", &mut p).unwrap();
        let got: Vec<String> = p.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            got,
            [
                "lst: unknown field; did you mean list?",
                "n: must be a whole number ≥ 0, not a number",
                "list[0].a: must be a number, not text",
                "list[0].b: unknown value `z`; expected one of: x, y",
                "list[1].c: unknown field; expected one of: a, b",
                "list[1].a: required",
                "tail.student: unknown variant; did you mean student_t?",
            ]
        );
        assert_eq!(repaired, json!({"n": 0, "list": [{"a": 1.0}, {"a": 1.0, "b": "x"}]}));
        assert!(p.covers("list[0].a") && p.covers("n") && !p.covers("list[0]") && !p.covers("na"));
    }

    #[test]
    fn trailing_text_and_syntax_errors_are_whole_document_errors() {
        assert!(parse_json("{} {}").unwrap_err().message.contains("after the JSON document"));
        assert!(parse_json("{\"a\": }").unwrap_err().message.contains("line 1"));
        assert_eq!(parse_json(" {\"a\": 1} \n").unwrap(), json!({"a": 1}));
    }

    #[test]
    fn declared_shapes_agree_with_serde() {
        use crate::engine::analytics::{Jumps, RiskMarket, JUMP_FIELDS, RISK_FIELDS};
        use crate::engine::cascade::{
            BookMarket, Generator, LognormalLeverage, MarketPosition, BOOK_FIELDS, GENERATOR_FIELDS,
            LOGNORMAL_FIELDS, MARKET_POSITION_FIELDS,
        };
        use crate::engine::scenario::{Position, Scenario, Tier, POSITION_FIELDS, SCENARIO_FIELDS, TIER_FIELDS};
        introspect::assert_matches::<Scenario>(SCENARIO_FIELDS);
        introspect::assert_matches::<Position>(POSITION_FIELDS);
        introspect::assert_matches::<Tier>(TIER_FIELDS);
        introspect::assert_matches::<RiskMarket>(RISK_FIELDS);
        introspect::assert_matches::<Jumps>(JUMP_FIELDS);
        introspect::assert_matches::<BookMarket>(BOOK_FIELDS);
        introspect::assert_matches::<MarketPosition>(MARKET_POSITION_FIELDS);
        introspect::assert_matches::<Generator>(GENERATOR_FIELDS);
        introspect::assert_matches::<LognormalLeverage>(LOGNORMAL_FIELDS);
        use crate::engine::lending::loans::{LoanGenerator, MarketLoan, LOAN_GENERATOR_FIELDS, MARKET_LOAN_FIELDS};
        introspect::assert_matches::<MarketLoan>(MARKET_LOAN_FIELDS);
        introspect::assert_matches::<LoanGenerator>(LOAN_GENERATOR_FIELDS);
        introspect::assert_matches::<crate::engine::gmx::PositionImpact>(crate::engine::gmx::POSITION_IMPACT_FIELDS);
        introspect::assert_matches::<crate::engine::options::OptionSpec>(crate::engine::options::OPTION_FIELDS);
        introspect::assert_matches::<crate::engine::collateral::CollateralAsset>(crate::engine::collateral::COLLATERAL_FIELDS);
        introspect::assert_matches::<crate::engine::portfolio::PortfolioMargin>(crate::engine::portfolio::PORTFOLIO_MARGIN_FIELDS);
        introspect::assert_matches::<crate::engine::collateral::HaircutTier>(crate::engine::collateral::HAIRCUT_TIER_FIELDS);
    }

    #[test]
    fn every_field_of_a_full_scenario_round_trips() {
        // Every optional field set, every depth model: what serde writes the strict reader reads.
        for depth in [
            json!({"model": "linear", "notional_per_pct": 4e5, "refill_half_life": 5, "round_seconds": 1}),
            json!({"model": "profile", "notional_per_pct": [1e5, 2e5]}),
            json!({"model": "sqrt", "y": 1, "daily_volatility": 0.03, "daily_volume": 1e9}),
            json!({"model": "amm", "base_reserve": 100, "quote_reserve": 1e4}),
        ] {
            let doc = json!({"version": 1, "venue": "bybit", "margin_mode": "isolated", "positions": [
                {"symbol": "BTCUSDT", "contract": "linear", "side": "short", "size": 1, "entry_price": 100,
                 "mark_price": 101, "leverage": 10, "margin": 10, "mmr": 0.01, "maint_amount": 0,
                 "tiers": [{"floor": 0, "mmr": 0.01, "maint_amount": 0, "max_leverage": 50}],
                 "max_leverage": 50, "taker_fee": 0.0005},
                {"symbol": "ETHUSDT", "size": 1, "entry_price": 10, "leverage": 5}],
              "market": {"volatility": {"BTCUSDT": 0.6}, "drift": 0.1, "horizon_days": 7, "funding_rate_8h": 0.0001,
                "mark_last_spread": 0.001, "tail": {"student_t": 4}, "correlation": {"BTCUSDT/ETHUSDT": 0.5},
                "jumps": {"per_year": 2, "mean": -0.05, "std": 0.02}, "price": 100,
                "positions": [{"side": "long", "size": 1, "entry_price": 100, "leverage": 10, "liquidation_price": 90,
                               "venue": "okx", "symbol": "BTCUSDT"}],
                "generator": {"open_interest_long": 1e6, "open_interest_short": 1e6, "leverage_buckets": {"10": 1},
                  "leverage_lognormal": {"median": 10, "sigma": 0.5, "max": 100}, "entry_spread": 0.1,
                  "price_history": [90, 100], "seed": 7, "count": 100, "mmr": 0.005},
                "depth": depth, "basis": 0.001}});
            let s = crate::engine::parse_scenario(&doc.to_string()).unwrap_or_else(|e| panic!("{e}"));
            let back = serde_json::to_value(&s).unwrap();
            let again = crate::engine::parse_scenario(&back.to_string()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(s, again);
        }
    }

    #[test]
    fn errors_stop_at_the_ceiling() {
        let v = Value::Array((0..500).map(|_| json!("x")).collect());
        let mut p = Problems::new();
        check(&v, &Shape::List(&Shape::Number), "", &mut p);
        assert_eq!(p.errors.len(), MAX_ERRORS + 1);
    }
}
