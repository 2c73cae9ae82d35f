//! The second wasm module: everything that is not the calculator's own result. The page runs
//! it in a Web Worker (`static/worker-boot.js`) for the stress, grid, probability, Monte Carlo,
//! risk tables, liquidation map, cascade, sweep and venue comparison ([`leverlab::work`]); the
//! JS API (`run`, `commands`, `importVenue`, `evaluateBatch`, `evaluate`: [`leverlab::js`]) is
//! exported from it too, so an embedding page can load it on the main thread (`static/boot.js`
//! does, once the calculator has painted).

#[cfg(target_arch = "wasm32")]
mod wasm {
    use wasm_bindgen::prelude::*;

    fn now() -> f64 {
        js_sys::Date::now()
    }

    /// One request of the page ([`leverlab::work::Job`]): `new WorkJob(taskJson, scenarioJson)`,
    /// then `step(budgetMs)` until it returns the answer's JSON.
    #[wasm_bindgen]
    pub struct WorkJob(leverlab::work::Job);

    #[wasm_bindgen]
    impl WorkJob {
        #[wasm_bindgen(constructor)]
        pub fn new(task: &str, scenario: &str) -> Result<WorkJob, JsValue> {
            leverlab::work::Job::new(task, scenario).map(WorkJob).map_err(|e| JsValue::from_str(&e))
        }

        /// Works for about `budget_ms`; the answer (`{"ok": …}` or `{"error": …}`) when done.
        pub fn step(&mut self, budget_ms: f64) -> Option<String> {
            self.0.step(budget_ms, &now)
        }

        /// Fraction done (0 to 1).
        pub fn progress(&self) -> f64 {
            let (d, t) = self.0.progress();
            d as f64 / (t.max(1)) as f64
        }
    }

    /// The page's venue import (`importForPage(textsJson, venue)`): the answer's JSON, as a
    /// job's ([`leverlab::work::import_answer`]).
    #[wasm_bindgen(js_name = importForPage)]
    pub fn import_for_page(texts: &str, venue: &str) -> String {
        leverlab::work::import_answer(texts, venue)
    }

    pub fn keep() {
        leverlab::js::keep();
        std::hint::black_box(WorkJob::new as *const ());
        std::hint::black_box(import_for_page as *const ());
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    wasm::keep();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the leverlab worker module runs in the browser: build it with `make serve`");
    std::process::exit(1);
}
