//! The Yew single-page app, built by trunk for wasm32.

#[cfg(target_arch = "wasm32")]
fn main() {
    // The calculator's own JS export (`mount`); the rest of the JS API is the worker module's.
    leverlab::ui::keep();
    leverlab::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the leverlab web app runs in the browser: build it with `make serve`");
    std::process::exit(1);
}
