//! The JavaScript API (wasm32 only), reachable as `window.wasmBindings` once the page fires
//! `TrunkApplicationStarted`.
//!
//! * `evaluate(scenario) -> report`: a Scenario object (or JSON text) in, the Report out (for
//!   aave-v3, morpho-blue, gmx-v2 and maker: that protocol's report).
//! * `run(command, scenario, options) -> value`: any command of [`crate::api::COMMANDS`].
//! * `commands() -> [{name, summary}]`.
//! * `mount(element, scenario?) -> handle`: a calculator inside `element`; `handle.destroy()`
//!   removes it.
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

/// A calculator mounted into an element of the host page.
#[wasm_bindgen]
pub struct MountHandle {
    app: Option<yew::AppHandle<crate::ui::app::App>>,
}

#[wasm_bindgen]
impl MountHandle {
    /// Removes the calculator from its element.
    pub fn destroy(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
    }
}

/// Mounts the calculator into `element`, starting from `scenario` (object or JSON text;
/// optional). It leaves the host page's URL and storage alone.
#[wasm_bindgen]
pub fn mount(element: web_sys::Element, scenario: JsValue) -> Result<MountHandle, JsValue> {
    let initial = if scenario.is_undefined() || scenario.is_null() { None } else { Some(scenario_from(scenario)?) };
    Ok(MountHandle { app: Some(crate::ui::mount(element, initial)) })
}

/// Called from the app's start so the linker keeps these exports in the app's wasm.
pub fn keep() {
    let f: [*const (); 4] = [evaluate as *const (), run as *const (), commands as *const (), mount as *const ()];
    std::hint::black_box(f);
}
