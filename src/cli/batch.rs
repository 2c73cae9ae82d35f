//! `leverlab eval` over books: a JSON Scenario, or positions as CSV (the page's export columns)
//! or NDJSON (one position object per line) with the account given by options; the Report as
//! JSON, or one row per position as NDJSON or CSV with the chosen `--fields`.
//!
//! Isolated books from CSV or NDJSON stream through [`BookEvaluator`]: one row in, one row out,
//! constant memory however long the book. Cross accounts need every position at once (each
//! liquidation price depends on all the others), so they are read whole.

use std::io::{BufRead, BufReader, Read, Write};

mod fast_json;

use serde_json::{Map, Value};

use crate::api::Options;
use crate::engine::batch::{BookEvaluator, Totals, BOOK_COLUMNS};
use crate::engine::{
    evaluate, parse_scenario, AccountReport, Contract, FieldError, InputErrors, MarginMode, ModelInfo, Position,
    PositionReport, Report, Scenario, Side, Venue,
};

/// Every per-position field `--fields` can name: the Report's position fields, plus the
/// `formula` and `source` of its model row.
pub const FIELDS: [&str; 30] = [
    "symbol",
    "side",
    "contract",
    "settlement",
    "size",
    "entry_price",
    "mark_price",
    "notional",
    "initial_margin",
    "collateral",
    "maintenance_margin",
    "tier",
    "mmr",
    "maint_amount",
    "closing_fee",
    "unrealized_pnl",
    "roe",
    "liquidation_price",
    "liquidation_note",
    "liquidation_tier",
    "liquidation_mmr",
    "liquidation_maint_amount",
    "bankruptcy_price",
    "distance_to_liquidation",
    "liquidatable_now",
    "effective_leverage",
    "max_leverage",
    "model",
    "formula",
    "source",
];

/// The fields written when `--fields` is not given (CSV and NDJSON output).
pub const DEFAULT_FIELDS: &str =
    "liquidation_price,bankruptcy_price,distance_to_liquidation,initial_margin,maintenance_margin,liquidation_note";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InFormat {
    Json,
    Csv,
    Ndjson,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OutFormat {
    Json,
    Ndjson,
    Csv,
}

/// The account and output settings of one `eval` run.
#[derive(Clone)]
struct Settings {
    input: InFormat,
    venue: Option<Venue>,
    mode: Option<MarginMode>,
    wallet: Option<f64>,
    out: OutFormat,
    /// Indexes into [`FIELDS`]; `None` = the whole position (JSON) or [`DEFAULT_FIELDS`].
    fields: Option<Vec<usize>>,
    keep_going: bool,
    pretty: bool,
}

/// `unknown KIND `name`; did you mean …?` (the format's own suggestion rule).
fn unknown(kind: &str, name: &str, known: &[&str]) -> String {
    crate::engine::input::unknown_message(&format!("{kind} `{name}`"), name, known)
}

fn settings(file: &str, opts: &Options, pretty: bool) -> Result<Settings, InputErrors> {
    // Options arrive checked and typed by their declaration (`api::EVAL_OPTIONS`).
    let mut errors = Vec::new();
    let pick = |name: &str| opts.get(name).and_then(Value::as_str);
    let input_name = pick("input_format");
    let venue_name = pick("venue");
    let mode_name = pick("margin_mode");
    let format_name = pick("format");
    let fields_text = pick("fields");
    let input = match input_name {
        Some("json") => InFormat::Json,
        Some("csv") => InFormat::Csv,
        Some("ndjson") => InFormat::Ndjson,
        Some(other) => {
            errors.push(FieldError::new("--input-format", unknown("input format", other, &["json", "csv", "ndjson"])));
            InFormat::Json
        }
        None => {
            let lower = file.to_ascii_lowercase();
            if lower.ends_with(".csv") {
                InFormat::Csv
            } else if lower.ends_with(".ndjson") || lower.ends_with(".jsonl") {
                InFormat::Ndjson
            } else {
                InFormat::Json
            }
        }
    };
    let venue = venue_name.and_then(|v| Venue::from_name(v).map_err(|m| errors.push(FieldError::new("--venue", m))).ok());
    let mode = match mode_name {
        None => None,
        Some("isolated") => Some(MarginMode::Isolated),
        Some("cross") => Some(MarginMode::Cross),
        Some(other) => {
            errors.push(FieldError::new("--margin-mode", unknown("margin mode", other, &["isolated", "cross"])));
            None
        }
    };
    let wallet = opts.get("wallet_balance").and_then(Value::as_f64);
    let out = match format_name {
        None | Some("json") => OutFormat::Json,
        Some("ndjson") => OutFormat::Ndjson,
        Some("csv") => OutFormat::Csv,
        Some(other) => {
            errors.push(FieldError::new("--format", unknown("output format", other, &["json", "ndjson", "csv"])));
            OutFormat::Json
        }
    };
    let fields = fields_text.map(|t| {
        t.split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .filter_map(|f| match FIELDS.iter().position(|k| *k == f) {
                Some(i) => Some(i),
                None => {
                    errors.push(FieldError::new("--fields", unknown("field", f, &FIELDS)));
                    None
                }
            })
            .collect::<Vec<_>>()
    });
    let keep_going = opts.get("keep_going").and_then(Value::as_bool).unwrap_or(false);
    if input == InFormat::Json {
        for (given, name) in [(venue.is_some(), "--venue"), (mode.is_some(), "--margin-mode"), (wallet.is_some(), "--wallet-balance")] {
            if given {
                errors.push(FieldError::new(name, "a JSON Scenario names its own account; this option is for CSV and NDJSON books"));
            }
        }
    } else if venue.is_none() && venue_name.is_none() {
        errors.push(FieldError::new("--venue", "give the venue of the book's account, e.g. --venue binance-usdm"));
    }
    if errors.is_empty() {
        Ok(Settings { input, venue, mode, wallet, out, fields, keep_going, pretty })
    } else {
        Err(InputErrors(errors))
    }
}

/// Writes `x` the shortest way that reads back to the same `f64`.
fn num(buf: &mut ryu::Buffer, x: f64) -> &str {
    if x == x.trunc() && x.abs() < 1e15 {
        // Integers without the ".0" ryu would add (60000, not 60000.0), as the page exports them.
        let s = buf.format(x);
        s.strip_suffix(".0").unwrap_or(s)
    } else {
        buf.format(x)
    }
}

/// One output value of a field.
enum Cell<'a> {
    Num(f64),
    Int(usize),
    Bool(bool),
    Text(&'a str),
    Null,
}

/// Reads one field of a position (and its model row).
type Getter = for<'a> fn(&'a PositionReport, &'a [ModelInfo]) -> Cell<'a>;

/// The getter of field `k` of [`FIELDS`], resolved once per run rather than by name per row
/// (`None` for no field, which a unit test rules out).
fn getter(k: usize) -> Option<Getter> {
    fn opt<'a>(x: Option<f64>) -> Cell<'a> {
        x.map_or(Cell::Null, Cell::Num)
    }
    let g: Getter = match FIELDS[k] {
        "symbol" => |p, _| Cell::Text(&p.symbol),
        "side" => |p, _| Cell::Text(if p.side == Side::Long { "long" } else { "short" }),
        "contract" => |p, _| Cell::Text(if p.contract == Contract::Linear { "linear" } else { "inverse" }),
        "settlement" => |p, _| Cell::Text(if p.settlement == crate::engine::Settlement::Quote { "quote" } else { "coin" }),
        "size" => |p, _| Cell::Num(p.size),
        "entry_price" => |p, _| Cell::Num(p.entry_price),
        "mark_price" => |p, _| Cell::Num(p.mark_price),
        "notional" => |p, _| Cell::Num(p.notional),
        "initial_margin" => |p, _| Cell::Num(p.initial_margin),
        "collateral" => |p, _| Cell::Num(p.collateral),
        "maintenance_margin" => |p, _| Cell::Num(p.maintenance_margin),
        "tier" => |p, _| Cell::Int(p.tier),
        "mmr" => |p, _| Cell::Num(p.mmr),
        "maint_amount" => |p, _| Cell::Num(p.maint_amount),
        "closing_fee" => |p, _| Cell::Num(p.closing_fee),
        "unrealized_pnl" => |p, _| Cell::Num(p.unrealized_pnl),
        "roe" => |p, _| Cell::Num(p.roe),
        "liquidation_price" => |p, _| opt(p.liquidation_price),
        "liquidation_note" => |p, _| p.liquidation_note.as_deref().map_or(Cell::Null, Cell::Text),
        "liquidation_tier" => |p, _| p.liquidation_tier.map_or(Cell::Null, Cell::Int),
        "liquidation_mmr" => |p, _| opt(p.liquidation_mmr),
        "liquidation_maint_amount" => |p, _| opt(p.liquidation_maint_amount),
        "bankruptcy_price" => |p, _| opt(p.bankruptcy_price),
        "distance_to_liquidation" => |p, _| opt(p.distance_to_liquidation),
        "liquidatable_now" => |p, _| Cell::Bool(p.liquidatable_now),
        "effective_leverage" => |p, _| opt(p.effective_leverage),
        "max_leverage" => |p, _| opt(p.max_leverage),
        "model" => |p, _| Cell::Int(p.model),
        "formula" => |p, models| models.get(p.model).map_or(Cell::Null, |m| Cell::Text(&m.formula)),
        "source" => |p, models| models.get(p.model).map_or(Cell::Null, |m| Cell::Text(&m.source)),
        _ => return None,
    };
    Some(g)
}

fn cell_json(c: Cell) -> Value {
    match c {
        Cell::Num(x) => serde_json::json!(x),
        Cell::Int(i) => serde_json::json!(i),
        Cell::Bool(b) => Value::Bool(b),
        Cell::Text(t) => Value::String(t.to_string()),
        Cell::Null => Value::Null,
    }
}

/// A position's input as CSV cells in [`BOOK_COLUMNS`] order (empty = not given), as the page
/// exports it.
fn position_cells(p: &Position, buf: &mut ryu::Buffer, out: &mut Vec<String>) {
    out.clear();
    out.push(p.symbol.clone());
    out.push(if p.side == Side::Long { "long" } else { "short" }.to_string());
    out.push(match p.contract {
        Some(Contract::Linear) => "linear".into(),
        Some(Contract::Inverse) => "inverse".into(),
        None => String::new(),
    });
    for v in [Some(p.size), Some(p.entry_price), p.mark_price, p.leverage, p.margin, p.mmr, p.maint_amount, p.max_leverage, p.taker_fee] {
        out.push(v.map(|x| num(buf, x).to_string()).unwrap_or_default());
    }
}

/// Where evaluated rows go.
struct Sink<'w> {
    out: OutFormat,
    fields: Vec<usize>,
    /// The fields' getters, in `fields` order.
    getters: Vec<Getter>,
    /// JSON `--fields` without a repeated name: each row written directly (a repeated name is
    /// written once, as a JSON object keeps it).
    direct: bool,
    /// The input's cells of a row that has none of its own (a Scenario's position), reused.
    own_cells: Vec<String>,
    /// `Cell::Int`'s text, reused.
    int: String,
    /// A JSON row's text, reused.
    text: Vec<u8>,
    /// JSON: only these fields of each position (`--fields`), else the whole position.
    json_fields: bool,
    csv: Option<csv::Writer<&'w mut dyn Write>>,
    raw: Option<&'w mut dyn Write>,
    rows: usize,
    buf: ryu::Buffer,
}

impl<'w> Sink<'w> {
    fn new(out: &'w mut dyn Write, set: &Settings) -> Sink<'w> {
        let default: Vec<usize> =
            DEFAULT_FIELDS.split(',').filter_map(|f| FIELDS.iter().position(|k| *k == f)).collect();
        let (csv, raw) = if set.out == OutFormat::Csv {
            (Some(csv::WriterBuilder::new().buffer_capacity(1 << 16).from_writer(out)), None)
        } else {
            (None, Some(out))
        };
        let fields = set.fields.clone().unwrap_or(default);
        let direct = fields.iter().enumerate().all(|(i, k)| !fields[..i].contains(k));
        Sink {
            out: set.out,
            json_fields: set.fields.is_some(),
            getters: fields.iter().map(|&k| getter(k).unwrap_or(|_, _| Cell::Null)).collect(),
            direct,
            own_cells: Vec::new(),
            int: String::new(),
            text: Vec::new(),
            fields,
            csv,
            raw,
            rows: 0,
            buf: ryu::Buffer::new(),
        }
    }

    /// Writes the header (CSV: the input's columns, then the fields; JSON: the Report's head).
    fn start(&mut self, input_columns: &[String], venue: Venue, mode: MarginMode) -> std::io::Result<()> {
        match self.out {
            OutFormat::Csv => {
                let w = self.csv.as_mut().expect("csv sink");
                let head = input_columns.iter().map(String::as_str).chain(self.fields.iter().map(|&k| FIELDS[k]));
                w.write_record(head).map_err(std::io::Error::other)
            }
            OutFormat::Json => {
                let w = self.raw.as_mut().expect("raw sink");
                write!(w, "{{\"version\":{},\"venue\":\"{venue}\",\"margin_mode\":", crate::engine::scenario::FORMAT_VERSION)?;
                serde_json::to_writer(&mut **w, &mode)?;
                write!(w, ",\"positions\":[")
            }
            OutFormat::Ndjson => Ok(()),
        }
    }

    /// Writes one position: `input` is the row's input cells when it was read from CSV (CSV
    /// output; else the cells of `position`), `position` its input (NDJSON output).
    fn row<'i>(
        &mut self,
        input: Option<impl IntoIterator<Item = &'i str>>,
        position: &Position,
        p: &PositionReport,
        models: &[ModelInfo],
    ) -> std::io::Result<()> {
        match self.out {
            OutFormat::Csv => {
                let w = self.csv.as_mut().expect("csv sink");
                match input {
                    Some(cells) => {
                        for c in cells {
                            w.write_field(c).map_err(std::io::Error::other)?;
                        }
                    }
                    None => {
                        position_cells(position, &mut self.buf, &mut self.own_cells);
                        for c in &self.own_cells {
                            w.write_field(c).map_err(std::io::Error::other)?;
                        }
                    }
                }
                for g in &self.getters {
                    match g(p, models) {
                        Cell::Num(x) => w.write_field(num(&mut self.buf, x)),
                        Cell::Int(i) => {
                            use std::fmt::Write as _;
                            self.int.clear();
                            let _ = write!(self.int, "{i}");
                            w.write_field(&self.int)
                        }
                        Cell::Bool(b) => w.write_field(if b { "true" } else { "false" }),
                        Cell::Text(t) => w.write_field(t),
                        Cell::Null => w.write_field(""),
                    }
                    .map_err(std::io::Error::other)?;
                }
                w.write_record(None::<&[u8]>).map_err(std::io::Error::other)
            }
            OutFormat::Ndjson => {
                let w = self.raw.as_mut().expect("raw sink");
                let mut obj = match serde_json::to_value(position) {
                    Ok(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                for (&k, g) in self.fields.iter().zip(&self.getters) {
                    obj.insert(FIELDS[k].to_string(), cell_json(g(p, models)));
                }
                serde_json::to_writer(&mut **w, &obj)?;
                writeln!(w)
            }
            OutFormat::Json => {
                // The row is written into a reused buffer, then passed on in one piece (serde
                // writes token by token, each a call through the `dyn Write`).
                let t = &mut self.text;
                t.clear();
                if self.rows > 0 {
                    t.push(b',');
                }
                if self.json_fields && self.direct {
                    // As the object below would be written: names are plain identifiers.
                    t.push(b'{');
                    for (i, (&k, g)) in self.fields.iter().zip(&self.getters).enumerate() {
                        if i > 0 {
                            t.push(b',');
                        }
                        t.push(b'"');
                        t.extend_from_slice(FIELDS[k].as_bytes());
                        t.extend_from_slice(b"\":");
                        match g(p, models) {
                            Cell::Num(x) => serde_json::to_writer(&mut *t, &x)?,
                            Cell::Int(i) => serde_json::to_writer(&mut *t, &i)?,
                            Cell::Bool(b) => serde_json::to_writer(&mut *t, &b)?,
                            Cell::Text(s) => serde_json::to_writer(&mut *t, s)?,
                            Cell::Null => t.extend_from_slice(b"null"),
                        }
                    }
                    t.push(b'}');
                } else if self.json_fields {
                    let obj: Map<String, Value> =
                        self.fields.iter().zip(&self.getters).map(|(&k, g)| (FIELDS[k].to_string(), cell_json(g(p, models)))).collect();
                    serde_json::to_writer(&mut *t, &obj)?;
                } else {
                    serde_json::to_writer(&mut *t, p)?;
                }
                self.raw.as_mut().expect("raw sink").write_all(t)?;
                self.rows += 1;
                Ok(())
            }
        }
    }

    /// Closes the Report (JSON) and flushes.
    fn finish(&mut self, models: &[ModelInfo], account: &AccountReport) -> std::io::Result<()> {
        if self.out == OutFormat::Json {
            let w = self.raw.as_mut().expect("raw sink");
            write!(w, "],\"models\":")?;
            serde_json::to_writer(&mut **w, models)?;
            write!(w, ",\"account\":")?;
            serde_json::to_writer(&mut **w, account)?;
            writeln!(w, "}}")?;
        }
        self.flush()
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if let Some(w) = self.csv.as_mut() {
            w.flush()?;
        }
        if let Some(w) = self.raw.as_mut() {
            w.flush()?;
        }
        Ok(())
    }
}

/// A book's rows, read one at a time into the evaluator's position.
trait Rows {
    /// The input's column names, for CSV output (CSV: the header as read).
    fn columns(&self) -> Vec<String>;
    /// Reads the next row into `p`; its line number, or its problems (each naming the line and
    /// field); `None` at the end.
    fn next_row(&mut self, p: &mut BookEvaluator) -> Option<(usize, Result<(), Vec<FieldError>>)>;
    /// The current row's cells for CSV output (`None`: the position's own cells).
    fn record(&self) -> Option<&csv::StringRecord>;
}

/// A CSV column of a book, in [`BOOK_COLUMNS`] order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    Symbol,
    Side,
    Contract,
    Size,
    EntryPrice,
    MarkPrice,
    Leverage,
    Margin,
    Mmr,
    MaintAmount,
    MaxLeverage,
    TakerFee,
}

/// [`BOOK_COLUMNS`]' columns, in its order (a unit test holds the two together).
const COLS: [Col; 12] = [
    Col::Symbol,
    Col::Side,
    Col::Contract,
    Col::Size,
    Col::EntryPrice,
    Col::MarkPrice,
    Col::Leverage,
    Col::Margin,
    Col::Mmr,
    Col::MaintAmount,
    Col::MaxLeverage,
    Col::TakerFee,
];

/// Parses one CSV cell of `column` into the position.
fn set_cell(p: &mut Position, column: Col, cell: &str) -> Result<(), String> {
    // Thousands separators (`60,000`) are dropped.
    let number = || {
        let parsed = if cell.contains(',') { cell.replace(',', "").parse::<f64>() } else { cell.parse::<f64>() };
        parsed.map_err(|_| format!("`{cell}` is not a number"))
    };
    match column {
        Col::Symbol => p.symbol.push_str(cell),
        Col::Side => {
            p.side = if cell.eq_ignore_ascii_case("long") {
                Side::Long
            } else if cell.eq_ignore_ascii_case("short") {
                Side::Short
            } else {
                return Err(format!("`{cell}` is not long or short"));
            }
        }
        Col::Contract => {
            p.contract = Some(if cell.eq_ignore_ascii_case("linear") {
                Contract::Linear
            } else if cell.eq_ignore_ascii_case("inverse") {
                Contract::Inverse
            } else {
                return Err(format!("`{cell}` is not linear or inverse"));
            })
        }
        Col::Size => p.size = number()?,
        Col::EntryPrice => p.entry_price = number()?,
        Col::MarkPrice => p.mark_price = Some(number()?),
        Col::Leverage => p.leverage = Some(number()?),
        Col::Margin => p.margin = Some(number()?),
        Col::Mmr => p.mmr = Some(number()?),
        Col::MaintAmount => p.maint_amount = Some(number()?),
        Col::MaxLeverage => p.max_leverage = Some(number()?),
        Col::TakerFee => p.taker_fee = Some(number()?),
    }
    Ok(())
}

struct CsvRows<R: Read> {
    reader: csv::Reader<R>,
    header: Vec<String>,
    /// The header's columns.
    cols: Vec<Col>,
    record: csv::StringRecord,
}

impl<R: Read> CsvRows<R> {
    fn new(input: R) -> Result<Self, InputErrors> {
        let mut reader = crate::engine::input::csv_reader(input);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| FieldError::new("line[1]", format!("cannot read the CSV header: {e}")))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        let mut errors: Vec<FieldError> = header
            .iter()
            .filter(|h| !BOOK_COLUMNS.contains(&h.as_str()))
            .map(|h| FieldError::new(format!("line[1].{h}"), unknown("CSV column", h, &BOOK_COLUMNS)))
            .collect();
        for need in ["size", "entry_price"] {
            if !header.iter().any(|h| h == need) {
                errors.push(FieldError::new("line[1]", format!("the CSV needs a `{need}` column")));
            }
        }
        if errors.is_empty() {
            let cols = header.iter().filter_map(|h| BOOK_COLUMNS.iter().position(|c| c == h).map(|k| COLS[k])).collect();
            Ok(CsvRows { reader, header, cols, record: csv::StringRecord::new() })
        } else {
            Err(InputErrors(errors))
        }
    }
}

impl<R: Read> Rows for CsvRows<R> {
    fn columns(&self) -> Vec<String> {
        self.header.clone()
    }

    fn next_row(&mut self, ev: &mut BookEvaluator) -> Option<(usize, Result<(), Vec<FieldError>>)> {
        let line_guess = self.record.position().map_or(2, |p| p.line() as usize + 1);
        match self.reader.read_record(&mut self.record) {
            Ok(false) => None,
            Err(e) => {
                let line = e.position().map_or(line_guess, |p| p.line() as usize);
                Some((line, Err(vec![FieldError::new(format!("line[{line}]"), e.to_string())])))
            }
            Ok(true) => {
                let line = self.record.position().map_or(line_guess, |p| p.line() as usize);
                ev.clear_row();
                let p = ev.position_mut();
                let mut errors = Vec::new();
                for ((&col, c), column) in self.cols.iter().zip(self.record.iter()).zip(&self.header) {
                    if c.is_empty() {
                        continue;
                    }
                    if let Err(m) = set_cell(p, col, c) {
                        errors.push(FieldError::new(format!("line[{line}].{column}"), m));
                    }
                }
                Some((line, if errors.is_empty() { Ok(()) } else { Err(errors) }))
            }
        }
    }

    fn record(&self) -> Option<&csv::StringRecord> {
        Some(&self.record)
    }
}

struct NdjsonRows<R: BufRead> {
    input: R,
    line: usize,
    text: String,
}

impl<R: BufRead> Rows for NdjsonRows<R> {
    fn columns(&self) -> Vec<String> {
        BOOK_COLUMNS.iter().map(|c| c.to_string()).collect()
    }

    fn next_row(&mut self, ev: &mut BookEvaluator) -> Option<(usize, Result<(), Vec<FieldError>>)> {
        loop {
            self.text.clear();
            self.line += 1;
            let line = self.line;
            match self.input.read_line(&mut self.text) {
                Ok(0) => return None,
                Err(e) => return Some((line, Err(vec![FieldError::new(format!("line[{line}]"), format!("cannot read: {e}"))]))),
                Ok(_) => {}
            }
            let t = self.text.trim();
            if t.is_empty() {
                continue;
            }
            return Some((line, parse_ndjson_position(t, line).map(|p| *ev.position_mut() = p)));
        }
    }

    fn record(&self) -> Option<&csv::StringRecord> {
        None
    }
}

/// One NDJSON line: a position object with the Scenario's position fields, read as strictly
/// as a position inside a Scenario (unknown fields with a suggestion, wrong types, every
/// problem of the line at once).
fn parse_ndjson_position(text: &str, line: usize) -> Result<Position, Vec<FieldError>> {
    use crate::engine::input::{parse_json, read_strict, Shape};
    let at = |f: &str| if f.is_empty() { format!("line[{line}]") } else { format!("line[{line}].{f}") };
    let relined = |e: FieldError| FieldError::new(at(&e.path), e.message);
    let value = parse_json(text).map_err(|e| vec![relined(e)])?;
    if !value.is_object() {
        return Err(vec![FieldError::new(at(""), "each line must be one position object, e.g. {\"size\": 1, \"entry_price\": 100, \"leverage\": 10}")]);
    }
    read_strict::<Position>(&value, &Shape::Object(crate::engine::scenario::POSITION_FIELDS), |_, _| {})
        .map_err(|e| e.0.into_iter().map(relined).collect())
}

/// `positions[i].field: message` → `line L: field: message`.
fn with_line(e: FieldError, line: usize) -> FieldError {
    let field = e.path.find("].").map(|i| &e.path[i + 2..]).unwrap_or("");
    if field.is_empty() {
        FieldError::new(format!("line[{line}]"), e.message)
    } else {
        FieldError::new(format!("line[{line}].{field}"), e.message)
    }
}

/// Runs `eval` on its arguments (the FILE and options, layout flags already taken off);
/// returns the exit status.
pub fn eval(file: &str, opts: &Options, stdin: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write, pretty: bool) -> i32 {
    let fail = |err: &mut dyn Write, e: &InputErrors| {
        for f in &e.0 {
            let _ = writeln!(err, "{f}");
        }
        super::EXIT_INPUT
    };
    let set = match settings(file, opts, pretty) {
        Ok(s) => s,
        Err(e) => return fail(err, &e),
    };
    let opened: Result<Box<dyn Read + '_>, InputErrors> = if file == "-" {
        Ok(Box::new(stdin))
    } else {
        std::fs::File::open(file)
            .map(|f| Box::new(f) as Box<dyn Read>)
            .map_err(|e| FieldError::new("", format!("cannot read {file}: {e}")).into())
    };
    let input = match opened {
        Ok(i) => i,
        Err(e) => return fail(err, &e),
    };
    let result = match set.input {
        InFormat::Json => json_scenario(input, &set, out),
        InFormat::Csv => CsvRows::new(input).and_then(|rows| book(rows, &set, out, err)),
        InFormat::Ndjson => book(NdjsonRows { input: BufReader::with_capacity(1 << 16, input), line: 0, text: String::new() }, &set, out, err),
    };
    match result {
        Ok(()) => 0,
        Err(e) => fail(err, &e),
    }
}

fn io_error(e: std::io::Error) -> InputErrors {
    FieldError::new("", format!("cannot write the output: {e}")).into()
}

/// A JSON Scenario: read whole, evaluated, written in the chosen format.
fn json_scenario(mut input: Box<dyn Read + '_>, set: &Settings, out: &mut dyn Write) -> Result<(), InputErrors> {
    let mut text = String::new();
    input.read_to_string(&mut text).map_err(|e| FieldError::new("", format!("cannot read the input: {e}")))?;
    // A plain isolated Scenario is read into compact rows and streamed through the batch path
    // (see `fast_json`); every other document, and indented output, takes the strict reader.
    if !set.pretty {
        if let Some(written) = fast_json::read(&text).and_then(|book| fast_book(&book, set, out)) {
            return written;
        }
    }
    json_scenario_text(&text, set, out)
}

/// The rows of a [`fast_json::Book`] for [`book`].
struct BookRows<'a> {
    book: &'a fast_json::Book,
    next: usize,
}

impl Rows for BookRows<'_> {
    fn columns(&self) -> Vec<String> {
        BOOK_COLUMNS.iter().map(|c| c.to_string()).collect()
    }

    fn next_row(&mut self, ev: &mut BookEvaluator) -> Option<(usize, Result<(), Vec<FieldError>>)> {
        let i = self.next;
        (i < self.book.rows.len()).then(|| {
            self.book.fill(ev, i);
            self.next += 1;
            (i + 1, Ok(()))
        })
    }

    fn record(&self) -> Option<&csv::StringRecord> {
        None
    }
}

/// Streams a plain isolated book read by [`fast_json`] once every row is known to be
/// accepted by the checks; `None` (nothing written) when one is not, for the strict reader
/// to name its problems.
fn fast_book(b: &fast_json::Book, set: &Settings, out: &mut dyn Write) -> Option<Result<(), InputErrors>> {
    let mut ev = BookEvaluator::new(b.venue);
    for i in 0..b.rows.len() {
        b.fill(&mut ev, i);
        ev.evaluate(i).ok()?;
    }
    let set = Settings { venue: Some(b.venue), mode: Some(MarginMode::Isolated), wallet: None, keep_going: false, ..set.clone() };
    Some(book(BookRows { book: b, next: 0 }, &set, out, &mut std::io::sink()))
}

/// A JSON Scenario's text through the strict reader, evaluated and written.
fn json_scenario_text(text: &str, set: &Settings, out: &mut dyn Write) -> Result<(), InputErrors> {
    let scenario = parse_scenario(text)?;
    if scenario.venue.is_protocol() {
        // aave-v3, morpho-blue, gmx-v2 and maker answer with their own report, in JSON.
        if set.out != OutFormat::Json || set.fields.is_some() {
            return Err(FieldError::new("format", format!("the {} report is JSON only (no `fields`)", scenario.venue)).into());
        }
        let report = crate::engine::protocol::evaluate(&scenario)?;
        let mut out = std::io::BufWriter::new(out);
        let written = if set.pretty { serde_json::to_writer_pretty(&mut out, &report) } else { serde_json::to_writer(&mut out, &report) };
        written.map_err(|e| io_error(e.into()))?;
        return writeln!(out).and_then(|_| out.flush()).map_err(io_error);
    }
    let report = evaluate(&scenario)?;
    write_report(&report, &scenario.positions, None, set, out)
}

/// Writes a whole Report; `cells` are the input rows' CSV cells when the input was CSV.
fn write_report(r: &Report, positions: &[Position], csv: Option<(&[String], &[Vec<String>])>, set: &Settings, out: &mut dyn Write) -> Result<(), InputErrors> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    if set.out == OutFormat::Json && set.fields.is_none() {
        let written = if set.pretty { serde_json::to_writer_pretty(&mut out, r) } else { serde_json::to_writer(&mut out, r) };
        written.map_err(|e| io_error(e.into()))?;
        return writeln!(out).and_then(|_| out.flush()).map_err(io_error);
    }
    let mut sink = Sink::new(&mut out, set);
    let columns: Vec<String> = match csv {
        Some((h, _)) => h.to_vec(),
        None => BOOK_COLUMNS.iter().map(|c| c.to_string()).collect(),
    };
    sink.start(&columns, r.venue, r.margin_mode).map_err(io_error)?;
    for (i, (p, pr)) in positions.iter().zip(&r.positions).enumerate() {
        let input = csv.map(|(_, rows)| rows[i].iter().map(String::as_str));
        sink.row(input, p, pr, &r.models).map_err(io_error)?;
    }
    sink.finish(&r.models, &r.account).map_err(io_error)
}

/// A CSV or NDJSON book: streamed when isolated, read whole when cross.
fn book(mut rows: impl Rows, set: &Settings, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), InputErrors> {
    let venue = set.venue.unwrap_or(Venue::Generic);
    let mode = set.mode.unwrap_or(if set.wallet.is_some() { MarginMode::Cross } else { MarginMode::Isolated });
    let mut ev = BookEvaluator::new(venue);
    let mut bad = 0usize;
    // A bad row: listed and counted with --keep-going, else the end of the run.
    let report_bad = |bad: &mut usize, err: &mut dyn Write, errors: Vec<FieldError>| -> Result<(), InputErrors> {
        *bad += 1;
        if set.keep_going {
            for e in &errors {
                let _ = writeln!(err, "{e}");
            }
            Ok(())
        } else {
            Err(InputErrors(errors))
        }
    };
    if mode == MarginMode::Cross {
        // Every position's liquidation price depends on all the others: read the whole book.
        let mut positions = Vec::new();
        let mut cells: Vec<Vec<String>> = Vec::new();
        let mut lines = Vec::new();
        while let Some((line, row)) = rows.next_row(&mut ev) {
            match row {
                Ok(()) => {
                    positions.push(ev.position().clone());
                    if let Some(c) = rows.record() {
                        cells.push(c.iter().map(|s| s.to_string()).collect());
                    }
                    lines.push(line);
                }
                Err(e) => report_bad(&mut bad, err, e)?,
            }
        }
        let mut scenario = Scenario {
            version: crate::engine::scenario::FORMAT_VERSION,
            venue,
            margin_mode: MarginMode::Cross,
            wallet_balance: set.wallet,
            wallet_balances: None,
            positions,
            market: None,
            lending: None,
            vault: None,
            auction: None,
            now: None,
            portfolio_margin: None,
            collateral: None,
            analyses: None,
        };
        // The row an error names, by the `positions[i]` of its path.
        let row_of = |f: &FieldError| f.path.strip_prefix("positions[").and_then(|r| r.split(']').next()).and_then(|i| i.parse::<usize>().ok());
        let renamed = |f: FieldError, lines: &[usize]| match row_of(&f).and_then(|i| lines.get(i)) {
            Some(&line) => with_line(f, line),
            None if f.path == "wallet_balance" => FieldError::new("--wallet-balance", f.message),
            None => f,
        };
        let report = loop {
            match evaluate(&scenario) {
                Ok(r) => break r,
                Err(e) => {
                    // With --keep-going, rows with problems of their own are left out and the
                    // account is evaluated again without them; account-level problems stop.
                    let mut bad_rows: Vec<usize> = e.0.iter().filter_map(row_of).collect();
                    if !set.keep_going || bad_rows.is_empty() || e.0.iter().any(|f| row_of(f).is_none()) {
                        return Err(InputErrors(e.0.into_iter().map(|f| renamed(f, &lines)).collect()));
                    }
                    bad_rows.sort_unstable();
                    bad_rows.dedup();
                    let mut by_row: Vec<Vec<FieldError>> = vec![Vec::new(); bad_rows.len()];
                    for f in e.0 {
                        if let Some(k) = row_of(&f).and_then(|i| bad_rows.binary_search(&i).ok()) {
                            by_row[k].push(renamed(f, &lines));
                        }
                    }
                    for errors in by_row {
                        report_bad(&mut bad, err, errors)?;
                    }
                    for &i in bad_rows.iter().rev() {
                        scenario.positions.remove(i);
                        lines.remove(i);
                        if i < cells.len() {
                            cells.remove(i);
                        }
                    }
                }
            }
        };
        let header = rows.columns();
        let csv = rows.record().is_some() || !cells.is_empty();
        write_report(&report, &scenario.positions, csv.then_some((&header[..], &cells[..])), set, out)?;
        return if bad > 0 { Err(FieldError::new("rows", format!("{bad} bad rows were left out (listed above)")).into()) } else { Ok(()) };
    }
    if set.wallet.is_some() {
        return Err(FieldError::new("--wallet-balance", "is for cross accounts (--margin-mode cross)").into());
    }
    // Indented JSON is for people reading a short book: assembled whole, then written.
    let whole = set.pretty && set.out == OutFormat::Json && set.fields.is_none();
    let mut kept: Vec<PositionReport> = Vec::new();
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    let mut nowhere = std::io::sink();
    let mut sink = Sink::new(if whole { &mut nowhere } else { &mut buffered }, set);
    let header = rows.columns();
    sink.start(&header, venue, MarginMode::Isolated).map_err(io_error)?;
    let mut totals = Totals::default();
    let mut models: Vec<ModelInfo> = Vec::new();
    let mut index = 0usize;
    while let Some((line, row)) = rows.next_row(&mut ev) {
        let evaluated = row.and_then(|()| ev.evaluate(index).map_err(|e| e.0.into_iter().map(|f| with_line(f, line)).collect()));
        let r = match evaluated {
            Ok(r) => r,
            Err(e) => {
                if let Err(stop) = report_bad(&mut bad, err, e) {
                    let _ = sink.flush();
                    return Err(stop);
                }
                continue;
            }
        };
        while models.len() < ev.models().len() {
            models.extend(ev.models().info(models.len()));
        }
        let p = ev.position();
        totals.add(index, &r, &p.symbol);
        let pr = r.to_position_report(&p.symbol, p.side).with_venue_liquidation_price(p.venue_liquidation_price);
        if whole {
            kept.push(pr);
        } else {
            sink.row(rows.record().map(csv::StringRecord::iter), p, &pr, &models).map_err(io_error)?;
        }
        index += 1;
    }
    sink.finish(&models, &totals.account()).map_err(io_error)?;
    drop(sink);
    if whole {
        let report = Report { version: crate::engine::scenario::FORMAT_VERSION, venue, margin_mode: MarginMode::Isolated, positions: kept, models, account: totals.account(), collateral: None };
        serde_json::to_writer_pretty(&mut buffered, &report).map_err(|e| io_error(e.into()))?;
        writeln!(buffered).and_then(|_| buffered.flush()).map_err(io_error)?;
    }
    if bad > 0 {
        return Err(FieldError::new("rows", format!("{bad} bad rows were left out (listed above); the other {index} were written")).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_columns_follow_book_columns() {
        for (col, name) in COLS.iter().zip(BOOK_COLUMNS) {
            let snake: String = format!("{col:?}")
                .chars()
                .enumerate()
                .flat_map(|(i, c)| if c.is_uppercase() && i > 0 { vec!['_', c.to_ascii_lowercase()] } else { vec![c.to_ascii_lowercase()] })
                .collect();
            assert_eq!(snake, name);
        }
    }

    #[test]
    fn every_field_has_a_getter() {
        for k in 0..FIELDS.len() {
            assert!(getter(k).is_some(), "{}", FIELDS[k]);
        }
    }
}
