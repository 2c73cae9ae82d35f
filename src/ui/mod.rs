//! The Yew single-page app (wasm32 only).
//!
//! * [`state`]: the one reducer (form text → Scenario → Report).
//! * [`form`], [`parse`]: what the user typed and how it becomes numbers.
//! * [`codec`]: the link, saved copy, JSON and CSV forms of a Scenario.
//! * [`charts`]: drawing functions (plotters on canvas), no Yew.
//! * [`components`]: the page's parts; [`app`] ties them together.

pub mod app;
pub mod browser;
pub mod charts;
pub mod codec;
pub mod components;
pub mod form;
pub mod format;
pub mod parse;
pub mod state;

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
    // Keep the JS API linked into the app's wasm (exposed as window.wasmBindings).
    crate::js::keep();
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
