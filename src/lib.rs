//! leverlab: a leverage and liquidation risk calculator for crypto derivatives.
//!
//! * [`engine`]: the pure margin and liquidation engine (Scenario in, Report out).
//! * [`api`]: the command table the CLI and the JS API share.
//! * [`cli`]: the native command-line front door over the engine.
//! * `ui` (wasm32 only): the Yew single-page app.
//! * `js` (wasm32 only): the JavaScript API (wasm-bindgen) over the engine.

pub mod api;
pub mod cli;
pub mod engine;

#[cfg(target_arch = "wasm32")]
pub mod js;
#[cfg(target_arch = "wasm32")]
pub mod ui;
