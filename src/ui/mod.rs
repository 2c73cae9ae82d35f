//! The Yew single-page app (wasm32 only).
//!
//! * [`state`]: the one reducer (form text → Scenario → Report).
//! * [`form`], [`parse`]: what the user typed and how it becomes numbers.
//! * [`codec`]: the link, saved copy, JSON and CSV forms of a Scenario.
//! * [`charts`]: drawing functions (plotters on canvas), no Yew.
//! * [`components`]: the page's parts; [`app`] ties them together.
//! * [`views`]: the page's views (calculator, risk, market & cascade, compare, import), each
//!   named in the URL (`#view=risk&s=…`). **Adding a view** (lending, options, …): write a
//!   `fn(&ViewCtx) -> Html` that draws its cards from the Scenario and Report, add a
//!   `ViewSpec { id, title, render }` to `views::VIEWS`, and have its cards ask the worker for
//!   their data (`worker::use_work` with a `crate::work::Task`, new tasks added there), so the
//!   work starts only when the view is open and never runs on the main thread.
//! * [`worker`]: requests to the Web Worker that runs the second wasm module ([`crate::work`]).

pub mod app;
pub mod browser;
pub mod charts;
pub mod codec;
pub mod components;
pub mod form;
pub mod format;
pub mod parse;
pub mod state;
pub mod views;
pub mod worker;

use std::rc::Rc;

use app::{App, AppConfig, AppProps};

/// Starts the calculator page in `<body>`. `?embed=1` gives the compact iframe view;
/// `<body data-leverlab-autostart="off">` leaves the page to `mount()`.
pub fn start() {
    let embed = browser::window()
        .and_then(|w| w.location().search().ok())
        .map(|q| q.trim_start_matches('?').split('&').any(|kv| kv == "embed=1" || kv == "embed"))
        .unwrap_or(false);
    let Some(body) = browser::window().and_then(|w| w.document()).and_then(|d| d.body()) else { return };
    // A host page that only wants `mount()` opts out of the full-page app.
    if body.get_attribute("data-leverlab-autostart").as_deref() == Some("off") {
        return;
    }
    // The static shell of index.html (painted before the wasm loaded) makes way for the app.
    if let Some(shell) = body.owner_document().and_then(|d| d.get_element_by_id("leverlab-boot")) {
        shell.remove();
    }
    yew::Renderer::<App>::with_root_and_props(body.into(), AppProps { config: AppConfig { embed, mounted: false, initial: None } })
        .render();
}

/// Mounts a calculator into `el` (used by the JS `mount()`).
pub fn mount(el: web_sys::Element, initial: Option<crate::engine::Scenario>) -> yew::AppHandle<App> {
    yew::Renderer::<App>::with_root_and_props(
        el,
        AppProps { config: AppConfig { embed: false, mounted: true, initial: initial.map(Rc::new) } },
    )
    .render()
}

/// A calculator mounted into an element of the host page (JS `mount()`).
#[wasm_bindgen::prelude::wasm_bindgen]
pub struct MountHandle {
    app: Option<yew::AppHandle<App>>,
}

#[wasm_bindgen::prelude::wasm_bindgen]
impl MountHandle {
    /// Removes the calculator from its element.
    pub fn destroy(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
    }
}

/// JS `mount(element, scenario?)`: the calculator in `element`, starting from `scenario` (an
/// object or JSON text; optional), leaving the host page's URL and storage alone. Bad input
/// throws `[{path, message}]` like the rest of the JS API.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = mount)]
pub fn mount_js(element: web_sys::Element, scenario: wasm_bindgen::JsValue) -> Result<MountHandle, wasm_bindgen::JsValue> {
    use crate::engine::{parse_scenario, scenario::scenario_from_value, FieldError, InputErrors};
    let initial = if scenario.is_undefined() || scenario.is_null() {
        None
    } else {
        let read = match scenario.as_string() {
            Some(text) => parse_scenario(&text),
            None => serde_wasm_bindgen::from_value::<serde_json::Value>(scenario)
                .map_err(|e| InputErrors::from(FieldError::new("", format!("not a Scenario object: {e}"))))
                .and_then(|v| scenario_from_value(&v)),
        };
        let ser = serde_wasm_bindgen::Serializer::json_compatible();
        Some(read.map_err(|e| serde::Serialize::serialize(&e.0, &ser).unwrap_or_else(|_| wasm_bindgen::JsValue::from_str(&e.to_string())))?)
    };
    Ok(MountHandle { app: Some(mount(element, initial)) })
}

/// Called from the app's `main` so the linker keeps `mount` in the calculator's wasm.
pub fn keep() {
    std::hint::black_box(mount_js as *const ());
}
