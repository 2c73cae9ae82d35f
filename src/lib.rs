//! leverlab: a leverage and liquidation risk calculator for crypto derivatives.
//!
//! * [`engine`]: the pure margin and liquidation engine (Scenario in, Report out).
//! * [`api`]: the command table the CLI and the JS API share.
//! * [`cli`]: the native command-line front door over the engine.
//! * [`work`]: the page's heavy work, run by the worker module (`src/bin/worker.rs`).
//! * `ui` (wasm32 only): the Yew single-page app.
//! * `js` (wasm32 only): the JavaScript API (wasm-bindgen) over the engine.

pub mod api;
pub mod cli;
pub mod engine;
pub mod work;

#[cfg(all(target_arch = "wasm32", feature = "js-api"))]
pub mod js;
#[cfg(all(target_arch = "wasm32", feature = "page"))]
pub mod ui;
