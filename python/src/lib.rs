//! `leverlab._leverlab`: the engine for Python. The package `leverlab` (python/leverlab/)
//! wraps these functions: Scenarios and Reports cross as JSON text, columns as raw
//! native-endian bytes (numpy's `tobytes()` / `frombuffer`), so the module needs only the
//! stable ABI (abi3) and no numpy headers.
//!
//! Bad input raises `ValueError(message, [(path, problem), ...])`, which the package turns
//! into `leverlab.InputError` (a `ValueError` with `.errors`).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use leverlab::api;
use leverlab::engine::batch::{column_paths, evaluate_columns, Columns};
use leverlab::engine::{evaluate, parse_scenario, FieldError, InputErrors, Venue};

/// `ValueError("path: problem\n...", [(path, problem), ...])`.
fn input_error(e: InputErrors) -> PyErr {
    let list: Vec<(String, String)> = e.0.iter().map(|f| (f.path.clone(), f.message.clone())).collect();
    PyValueError::new_err((e.to_string(), list))
}

fn to_text<T: serde::Serialize>(v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Evaluates a Scenario given as JSON text; the Report as JSON text.
#[pyfunction]
fn evaluate_json(py: Python<'_>, scenario: &str) -> PyResult<String> {
    let report = py.detach(|| parse_scenario(scenario).and_then(|s| evaluate(&s))).map_err(input_error)?;
    to_text(&report)
}

/// Runs a command of the CLI (`eval`, `pnl`, `stress`, ...) on a Scenario (JSON text) with
/// options (a JSON object's text, setting names as in the JS API: `{"shock": -0.05}`).
#[pyfunction]
fn run_json(py: Python<'_>, command: &str, scenario: &str, options: &str) -> PyResult<String> {
    let cmd = api::command(command).ok_or_else(|| {
        let names: Vec<&str> = api::COMMANDS.iter().map(|c| c.name).collect();
        input_error(FieldError::new("command", format!("unknown command `{command}`; known: {}", names.join(", "))).into())
    })?;
    let opts: api::Options = match serde_json::from_str(options) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => return Err(input_error(FieldError::new("options", "must be keyword arguments like shock=-0.05").into())),
    };
    let out = py.detach(|| parse_scenario(scenario).and_then(|s| api::run_command(cmd, &s, &opts))).map_err(input_error)?;
    to_text(&out)
}

/// The commands `run` knows: `[(name, summary)]`.
#[pyfunction]
fn commands() -> Vec<(&'static str, &'static str)> {
    api::COMMANDS.iter().map(|c| (c.name, c.summary)).collect()
}

fn f64s(name: &str, b: &[u8]) -> PyResult<Vec<f64>> {
    if b.len() % 8 != 0 {
        return Err(input_error(FieldError::new(name, "must be float64 values").into()));
    }
    Ok(b.chunks_exact(8).map(|c| f64::from_ne_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])).collect())
}

fn bytes_of(py: Python<'_>, v: &[f64]) -> Py<PyBytes> {
    let mut out = Vec::with_capacity(v.len() * 8);
    for x in v {
        out.extend_from_slice(&x.to_ne_bytes());
    }
    PyBytes::new(py, &out).unbind()
}

/// Evaluates an isolated book given as columns of raw float64 bytes (empty = not given; NaN
/// in an optional column = not given for that row). `symbol` holds uint32 indexes into
/// `symbols`, `contract` uint8 codes (0 venue default, 1 linear, 2 inverse), `side` ±1.
/// Returns a dict of float64 bytes: liquidation_price, bankruptcy_price, initial_margin,
/// maintenance_margin, distance_to_liquidation (NaN where the Report has null).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (venue, symbols, symbol, side, contract, size, entry_price, mark_price, leverage, margin, mmr, maint_amount, max_leverage, taker_fee))]
fn evaluate_columns_bytes<'py>(
    py: Python<'py>,
    venue: &str,
    symbols: Vec<String>,
    symbol: &[u8],
    side: &[u8],
    contract: &[u8],
    size: &[u8],
    entry_price: &[u8],
    mark_price: &[u8],
    leverage: &[u8],
    margin: &[u8],
    mmr: &[u8],
    maint_amount: &[u8],
    max_leverage: &[u8],
    taker_fee: &[u8],
) -> PyResult<Bound<'py, PyDict>> {
    let venue = Venue::from_name(venue).map_err(|m| input_error(FieldError::new("venue", m).into()))?;
    if symbol.len() % 4 != 0 {
        return Err(input_error(FieldError::new("symbol", "must be uint32 indexes").into()));
    }
    let symbol: Vec<u32> = symbol.chunks_exact(4).map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]])).collect();
    let cols = [
        f64s("side", side)?,
        f64s("size", size)?,
        f64s("entry_price", entry_price)?,
        f64s("mark_price", mark_price)?,
        f64s("leverage", leverage)?,
        f64s("margin", margin)?,
        f64s("mmr", mmr)?,
        f64s("maint_amount", maint_amount)?,
        f64s("max_leverage", max_leverage)?,
        f64s("taker_fee", taker_fee)?,
    ];
    let out = py
        .detach(|| {
            let c = Columns {
                symbols: &symbols,
                symbol: &symbol,
                side: &cols[0],
                contract,
                size: &cols[1],
                entry_price: &cols[2],
                mark_price: &cols[3],
                leverage: &cols[4],
                margin: &cols[5],
                mmr: &cols[6],
                maint_amount: &cols[7],
                max_leverage: &cols[8],
                taker_fee: &cols[9],
            };
            evaluate_columns(venue, &c)
        })
        .map_err(|e| input_error(column_paths(e)))?;
    let d = PyDict::new(py);
    d.set_item("liquidation_price", bytes_of(py, &out.liquidation_price))?;
    d.set_item("bankruptcy_price", bytes_of(py, &out.bankruptcy_price))?;
    d.set_item("initial_margin", bytes_of(py, &out.initial_margin))?;
    d.set_item("maintenance_margin", bytes_of(py, &out.maintenance_margin))?;
    d.set_item("distance_to_liquidation", bytes_of(py, &out.distance_to_liquidation))?;
    Ok(d)
}

/// The venue names, in the order the CLI lists them.
#[pyfunction]
fn venues() -> Vec<&'static str> {
    Venue::ALL.iter().map(|v| v.name()).collect()
}

#[pymodule]
fn _leverlab(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(evaluate_json, m)?)?;
    m.add_function(wrap_pyfunction!(run_json, m)?)?;
    m.add_function(wrap_pyfunction!(commands, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_columns_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(venues, m)?)?;
    m.add("VERSION", leverlab::cli::VERSION)?;
    Ok(())
}
