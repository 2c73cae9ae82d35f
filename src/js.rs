//! The JavaScript API (wasm32 only), reachable as `window.wasmBindings` once the page fires
//! `TrunkApplicationStarted`.
//!
//! * `evaluate(scenario) -> report`: a Scenario object (or JSON text) in, the Report out (for
//!   aave-v3, morpho-blue, gmx-v2 and maker: that protocol's report).
//! * `run(command, scenario, options) -> value`: any command of [`crate::api::COMMANDS`]; each
//!   runs through the compute entry (`engine::compute`), options as the analysis's settings.
//! * `compute(request) -> {report, analyses, assumptions}`: a whole request (the Scenario and
//!   the analyses with their settings; see `engine::compute` for the JSON), and
//!   `new ComputeJob(request)` with `job.step(budget)` to run one in slices.
//! * `evaluateBatch(book) -> {liquidation_price, bankruptcy_price, ...}`: an isolated book as
//!   columns (typed arrays or plain arrays), Float64Array columns out (see [`evaluate_batch`]).
//! * `commands() -> [{name, summary}]`.
//! * `importVenue(texts, venue?) -> {scenario, recognised, assumptions, notes,
//!   missing_balance}`: venue API responses (one text or an array of texts) to a Scenario.
//!
//! These live in the page's second wasm module (`src/bin/worker.rs`), which `static/boot.js`
//! loads on the main thread once the calculator has painted; `mount(element, scenario?)` is
//! the calculator module's own (`crate::ui::mount_js`).
//!
//! Bad input throws an array of `{path, message}` (the same paths as the format:
//! `positions[1].entry_price`). Results are plain JSON-compatible objects.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::api;
use crate::engine::scenario::scenario_from_value;
use crate::engine::{self, parse_scenario, FieldError, InputErrors, Scenario};

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsValue::from_str(&e.to_string()))
}

fn errors_to_js(e: &InputErrors) -> JsValue {
    to_js(&e.0).unwrap_or_else(|_| JsValue::from_str(&e.to_string()))
}

/// Reads a Scenario from a JS object or JSON text, with the format's checks and paths.
fn read_scenario(v: JsValue) -> Result<Scenario, InputErrors> {
    match v.as_string() {
        Some(text) => parse_scenario(&text),
        None => {
            let json: serde_json::Value = serde_wasm_bindgen::from_value(v)
                .map_err(|e| FieldError::new("", format!("not a Scenario object: {e}")))?;
            scenario_from_value(&json)
        }
    }
}

fn scenario_from(v: JsValue) -> Result<Scenario, JsValue> {
    read_scenario(v).map_err(|e| errors_to_js(&e))
}

/// Evaluates a Scenario; throws `[{path, message}]` on bad input.
#[wasm_bindgen]
pub fn evaluate(scenario: JsValue) -> Result<JsValue, JsValue> {
    let s = scenario_from(scenario)?;
    // The protocol venues (aave-v3, morpho-blue, gmx-v2, maker) answer with their own reports.
    if s.venue.is_protocol() {
        let report = engine::protocol::evaluate(&s).map_err(|e| errors_to_js(&e))?;
        return to_js(&report);
    }
    let report = engine::evaluate(&s).map_err(|e| errors_to_js(&e))?;
    to_js(&report)
}

/// Runs a named command over a Scenario with options (`{shock: -0.05}`).
#[wasm_bindgen]
pub fn run(command: &str, scenario: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let cmd = api::command(command).ok_or_else(|| {
        let names: Vec<&str> = api::COMMANDS.iter().map(|c| c.name).collect();
        errors_to_js(&FieldError::new("command", format!("unknown command `{command}`; known: {}", names.join(", "))).into())
    })?;
    // Option and Scenario problems are reported together; option paths are setting names.
    let mut errors = Vec::new();
    let opts: Option<api::Options> = if options.is_undefined() || options.is_null() {
        Some(api::Options::new())
    } else {
        match serde_wasm_bindgen::from_value::<serde_json::Value>(options) {
            Ok(serde_json::Value::Object(m)) => match api::check_options(cmd, &m) {
                Ok(o) => Some(o),
                Err(e) => {
                    errors.extend(e.0);
                    None
                }
            },
            _ => {
                errors.push(FieldError::new("options", "must be an object like {\"shock\": -0.05}"));
                None
            }
        }
    };
    let s = read_scenario(scenario).map_err(|e| errors.extend(e.0)).ok();
    let (Some(s), Some(opts)) = (s, opts) else {
        return Err(errors_to_js(&InputErrors(errors)));
    };
    let out = api::run_command(cmd, &s, &opts).map_err(|e| errors_to_js(&e))?;
    to_js(&out)
}

/// Reads a compute request from a JS object or JSON text.
fn read_request(v: JsValue) -> Result<engine::compute::Request, JsValue> {
    let r = match v.as_string() {
        Some(text) => engine::compute::parse_request(&text),
        None => serde_wasm_bindgen::from_value::<serde_json::Value>(v)
            .map_err(|e| InputErrors::from(FieldError::new("", format!("not a request object: {e}"))))
            .and_then(|json| engine::compute::request_from_value(&json)),
    };
    r.map_err(|e| errors_to_js(&e))
}

/// A result as a plain object, `-0.0` written as 0 (the output guarantee of every door).
fn result_to_js<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    let mut json = api::to_json(v);
    api::no_negative_zero(&mut json);
    to_js(&json)
}

/// Runs a compute request to completion: `compute({scenario, analyses: [{stress: {range:
/// 0.3}}, ...]})` (or a Scenario whose `analyses` section lists them) → `{report, analyses:
/// [{analysis, settings, result, assumptions, errors}], assumptions}` (see
/// `engine::compute`). Throws `[{path, message}]` when the request cannot be read.
#[wasm_bindgen]
pub fn compute(request: JsValue) -> Result<JsValue, JsValue> {
    let r = engine::compute::compute(read_request(request)?).map_err(|e| errors_to_js(&e))?;
    result_to_js(&r)
}

/// A compute request run in slices, for a worker that must stay responsive:
/// `const job = new ComputeJob(request); let s; do { s = job.step(2e6); } while (!s.done);`
/// then `s.result` (each step's `s.progress` says how far it got). Dropping the job (`job.free()`) cancels it.
#[wasm_bindgen]
pub struct ComputeJob {
    job: engine::compute::Job,
}

#[wasm_bindgen]
impl ComputeJob {
    /// Prepares the request (evaluates the Report); throws `[{path, message}]` on bad input.
    #[wasm_bindgen(constructor)]
    pub fn new(request: JsValue) -> Result<ComputeJob, JsValue> {
        let job = engine::compute::Job::new(read_request(request)?).map_err(|e| errors_to_js(&e))?;
        Ok(ComputeJob { job })
    }

    /// Runs one slice of about `budget` Monte Carlo path-steps (other analyses run whole):
    /// `{done: false, progress: {finished, analyses, current, name, done, total}}` or
    /// `{done: true, result}`.
    pub fn step(&mut self, budget: f64) -> Result<JsValue, JsValue> {
        let budget = if budget.is_finite() && budget >= 1.0 { budget as u64 } else { 1 };
        match self.job.step(budget) {
            engine::compute::Step::Progress(p) => result_to_js(&serde_json::json!({ "done": false, "progress": p })),
            engine::compute::Step::Done(r) => result_to_js(&serde_json::json!({ "done": true, "result": api::to_json(&r) })),
        }
    }
}

#[derive(Serialize)]
struct CommandInfo {
    name: &'static str,
    summary: &'static str,
}

/// The commands `run` knows: `[{name, summary}]`.
#[wasm_bindgen]
pub fn commands() -> Result<JsValue, JsValue> {
    let list: Vec<CommandInfo> = api::COMMANDS.iter().map(|c| CommandInfo { name: c.name, summary: c.summary }).collect();
    to_js(&list)
}

/// Reads a column of a book: absent = not given; a number = that value for every row;
/// otherwise anything `Float64Array` accepts (a typed array, an array of numbers).
fn f64_column(book: &JsValue, name: &str, n: Option<usize>) -> Vec<f64> {
    let v = js_sys::Reflect::get(book, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    if v.is_undefined() || v.is_null() {
        return Vec::new();
    }
    if let (Some(x), Some(n)) = (v.as_f64(), n) {
        return vec![x; n];
    }
    js_sys::Float64Array::new(&v).to_vec()
}

/// Reads a column of names (`"long"`, `"BTCUSDT"`): one string for every row, or an array.
fn text_column(book: &JsValue, name: &str) -> Option<Result<Vec<String>, JsValue>> {
    let v = js_sys::Reflect::get(book, &JsValue::from_str(name)).ok()?;
    if v.is_undefined() || v.is_null() {
        return None;
    }
    if let Some(s) = v.as_string() {
        return Some(Ok(vec![s]));
    }
    let arr = js_sys::Array::from(&v);
    if arr.length() == 0 || !arr.get(0).is_string() {
        return None;
    }
    Some(
        arr.iter()
            .enumerate()
            .map(|(i, x)| x.as_string().ok_or_else(|| errors_to_js(&FieldError::new(format!("{name}[{i}]"), "must be text").into())))
            .collect(),
    )
}

/// Evaluates an isolated book given as columns, for docs sites and notebooks that hold
/// columns rather than position objects:
///
/// `evaluateBatch({venue: "binance-usdm", size: Float64Array, entry_price: Float64Array,
/// leverage: Float64Array | 10, side?: ["long", ...] | Float64Array(±1), symbol?: "BTCUSDT" |
/// [...] | Uint32Array of indexes into symbols: [...] (the fastest: no string per row), contract?: "inverse" | [...], mark_price?, margin?, mmr?, maint_amount?,
/// max_leverage?, taker_fee?})` returns `{liquidation_price, bankruptcy_price, initial_margin,
/// maintenance_margin, distance_to_liquidation}` as Float64Arrays (NaN where the Report has
/// null; NaN in an optional input column = not given for that row). The numbers are
/// `evaluate`'s, position by position; no per-position object is made. Bad input throws
/// `[{path, message}]` with column paths (`size[3]`).
#[wasm_bindgen(js_name = evaluateBatch)]
pub fn evaluate_batch(book: JsValue) -> Result<JsValue, JsValue> {
    use crate::engine::batch::{column_paths, evaluate_columns, Columns};
    let fail = |path: &str, m: String| errors_to_js(&FieldError::new(path, m).into());
    let venue_name = js_sys::Reflect::get(&book, &JsValue::from_str("venue")).ok().and_then(|v| v.as_string());
    let venue = engine::Venue::from_name(venue_name.as_deref().unwrap_or("")).map_err(|m| fail("venue", m))?;
    let size = f64_column(&book, "size", None);
    let n = Some(size.len());
    let side = match text_column(&book, "side").transpose()? {
        Some(names) => {
            let names = if names.len() == 1 { vec![names[0].clone(); size.len()] } else { names };
            names
                .iter()
                .enumerate()
                .map(|(i, s)| match s.to_ascii_lowercase().as_str() {
                    "long" => Ok(1.0),
                    "short" => Ok(-1.0),
                    _ => Err(fail(&format!("side[{i}]"), "must be long or short".into())),
                })
                .collect::<Result<Vec<f64>, JsValue>>()?
        }
        None => f64_column(&book, "side", n),
    };
    let contract: Vec<u8> = match text_column(&book, "contract").transpose()? {
        Some(names) => {
            let code = |s: &str| match s.to_ascii_lowercase().as_str() {
                "linear" => 1,
                "inverse" => 2,
                _ => 3,
            };
            if names.len() == 1 { vec![code(&names[0]); size.len()] } else { names.iter().map(|s| code(s)).collect() }
        }
        None => Vec::new(),
    };
    // Symbols: `symbols` names with `symbol` a Uint32Array of indexes into them (no string per
    // row), or one name, or a column of names interned into codes.
    let named = text_column(&book, "symbols").transpose()?;
    let (symbols, symbol) = match named {
        Some(names) => {
            let codes = js_sys::Reflect::get(&book, &JsValue::from_str("symbol")).unwrap_or(JsValue::UNDEFINED);
            let codes = if codes.is_undefined() || codes.is_null() { Vec::new() } else { js_sys::Uint32Array::new(&codes).to_vec() };
            (names, codes)
        }
        None => match text_column(&book, "symbol").transpose()? {
        Some(names) if names.len() == 1 => (names, Vec::new()),
        Some(names) => {
            let mut table: Vec<String> = Vec::new();
            let mut index = std::collections::HashMap::new();
            let codes = names
                .into_iter()
                .map(|s| {
                    *index.entry(s.clone()).or_insert_with(|| {
                        table.push(s);
                        (table.len() - 1) as u32
                    })
                })
                .collect();
            (table, codes)
        }
        None => (vec![String::new()], Vec::new()),
        },
    };
    let cols: Vec<Vec<f64>> = ["entry_price", "mark_price", "leverage", "margin", "mmr", "maint_amount", "max_leverage", "taker_fee"]
        .iter()
        .map(|c| f64_column(&book, c, n))
        .collect();
    let c = Columns {
        symbols: &symbols,
        symbol: &symbol,
        side: &side,
        contract: &contract,
        size: &size,
        entry_price: &cols[0],
        mark_price: &cols[1],
        leverage: &cols[2],
        margin: &cols[3],
        mmr: &cols[4],
        maint_amount: &cols[5],
        max_leverage: &cols[6],
        taker_fee: &cols[7],
    };
    let out = evaluate_columns(venue, &c).map_err(|e| errors_to_js(&column_paths(e)))?;
    let obj = js_sys::Object::new();
    for (name, col) in [
        ("liquidation_price", &out.liquidation_price),
        ("bankruptcy_price", &out.bankruptcy_price),
        ("initial_margin", &out.initial_margin),
        ("maintenance_margin", &out.maintenance_margin),
        ("distance_to_liquidation", &out.distance_to_liquidation),
    ] {
        js_sys::Reflect::set(&obj, &JsValue::from_str(name), &js_sys::Float64Array::from(&col[..]))?;
    }
    Ok(obj.into())
}

/// Reads a venue's own API responses (`texts`: one JSON text or an array of them; `venue`:
/// optional venue name) into a Scenario with the venue's liquidation prices, plus what was
/// recognised, assumed and left out. Throws `[{path, message}]` naming `responses[i]…`.
#[wasm_bindgen(js_name = importVenue)]
pub fn import_venue(texts: JsValue, venue: JsValue) -> Result<JsValue, JsValue> {
    let list: Vec<String> = match texts.as_string() {
        Some(t) => vec![t],
        None => serde_wasm_bindgen::from_value(texts).map_err(|_| {
            errors_to_js(&FieldError::new("texts", "must be a response's JSON text or an array of texts").into())
        })?,
    };
    let venue = if venue.is_undefined() || venue.is_null() {
        None
    } else {
        Some(venue.as_string().ok_or_else(|| errors_to_js(&FieldError::new("venue", "must be a venue name").into()))?)
    };
    let refs: Vec<&str> = list.iter().map(String::as_str).collect();
    let imported = engine::import::import(&refs, engine::import::ImportOptions { venue: venue.as_deref(), mode: None })
        .map_err(|e| errors_to_js(&e))?;
    to_js(&engine::import::imported_json(&imported))
}

/// Called from the worker module's `main` so the linker keeps these exports in its wasm.
pub fn keep() {
    let f: [*const (); 6] = [
        evaluate as *const (),
        compute as *const (),
        run as *const (),
        commands as *const (),
        evaluate_batch as *const (),
        import_venue as *const (),
    ];
    std::hint::black_box(f);
}
