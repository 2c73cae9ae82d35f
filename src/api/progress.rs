//! Progress of long runs, for a front door that wants to show it (the CLI on a terminal).
//!
//! The engine's long loops take a `progress(done, total)` callback; the command entries here
//! forward it to the sink the front door installed with [`with_sink`] (none by default, so
//! the JS API and tests pay nothing).

use std::cell::RefCell;

type Sink = Box<dyn FnMut(&str, u64, u64)>;

thread_local! {
    static SINK: RefCell<Option<Sink>> = RefCell::new(None);
}

/// Runs `f` with `sink(what, done, total)` receiving the progress of its long loops.
pub fn with_sink<R>(sink: impl FnMut(&str, u64, u64) + 'static, f: impl FnOnce() -> R) -> R {
    let previous = SINK.with(|s| s.borrow_mut().replace(Box::new(sink)));
    let r = f();
    SINK.with(|s| *s.borrow_mut() = previous);
    r
}

/// Reports progress to the installed sink, if any.
pub fn report(what: &str, done: u64, total: u64) {
    SINK.with(|s| {
        if let Some(sink) = s.borrow_mut().as_mut() {
            sink(what, done, total);
        }
    });
}
