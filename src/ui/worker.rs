//! The page's side of the Web Worker that runs the second wasm module (`static/worker-boot.js`,
//! [`crate::work`]): one worker for the page, started on first need or when the page is idle
//! after first paint ([`prefetch`]), never before. Each request carries an id; an answer for a
//! request nobody waits for any more is dropped, and [`use_work`] cancels its previous request
//! whenever it sends a newer one (a new Scenario, a new shock) or its card goes away.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::engine::compute::Analysis;
use crate::engine::Scenario;
use crate::ui::codec;
use crate::work::{Applied, Task};

/// What the worker says about one request.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Fraction done (0 to 1), for long jobs.
    Progress(f64),
    /// The answer's JSON (`{"ok": …}` or `{"error": …}`; see [`crate::work::read_answer`]).
    Answer(Rc<String>),
}

struct Client {
    worker: web_sys::Worker,
    _onmessage: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _onerror: Closure<dyn FnMut(web_sys::Event)>,
    next: u64,
    waiting: HashMap<u64, Callback<Msg>>,
}

thread_local! {
    static CLIENT: RefCell<Option<Client>> = const { RefCell::new(None) };
}

/// Where the page's files are (`boot.js` sets `window.leverlabAssets` to its own folder, so a
/// page that mounts the calculator from elsewhere still finds the worker).
fn asset(name: &str) -> String {
    let base = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("leverlabAssets")).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "./".into());
    format!("{base}{name}")
}

fn fail_all(text: String) {
    let waiting: Vec<(u64, Callback<Msg>)> = CLIENT.with(|c| c.borrow_mut().as_mut().map(|c| c.waiting.drain().collect()).unwrap_or_default());
    let answer = Rc::new(serde_json::json!({ "error": text }).to_string());
    for (_, cb) in waiting {
        cb.emit(Msg::Answer(answer.clone()));
    }
}

fn start() -> Option<Client> {
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options(&asset("worker-boot.js"), &opts).ok()?;
    let onmessage = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|e: web_sys::MessageEvent| {
        let data = e.data();
        let get = |k: &str| js_sys::Reflect::get(&data, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
        let Some(id) = get("id").as_f64().map(|x| x as u64) else { return };
        let answer = get("answer").as_string();
        let progress = get("progress").as_f64();
        let cancelled = get("cancelled").is_truthy();
        let cb = CLIENT.with(|c| {
            let mut c = c.borrow_mut();
            let c = c.as_mut()?;
            if answer.is_some() || cancelled { c.waiting.remove(&id) } else { c.waiting.get(&id).cloned() }
        });
        let Some(cb) = cb else { return };
        match (answer, progress) {
            (Some(a), _) => cb.emit(Msg::Answer(Rc::new(a))),
            (None, Some(p)) => cb.emit(Msg::Progress(p)),
            _ => {}
        }
    });
    let onerror = Closure::<dyn FnMut(web_sys::Event)>::new(|e: web_sys::Event| {
        let msg = e.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).unwrap_or_default();
        fail_all(format!("the worker stopped: {}", if msg.is_empty() { "it could not be loaded".into() } else { msg }));
        // A later request starts a new worker.
        CLIENT.with(|c| c.borrow_mut().take()).map(|c| c.worker.terminate());
    });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    Some(Client { worker, _onmessage: onmessage, _onerror: onerror, next: 1, waiting: HashMap::new() })
}

fn with_client<R>(f: impl FnOnce(&mut Client) -> R) -> Option<R> {
    CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = start();
        }
        c.as_mut().map(f)
    })
}

/// Starts the worker (it fetches and compiles its module) without asking anything yet.
pub fn prefetch() {
    with_client(|_| ());
}

/// Sends `task` over `scenario`; `cb` hears its progress and answer. Returns the request id.
pub fn request(task: &Task, scenario: &Scenario, cb: Callback<Msg>) -> Option<u64> {
    let task = serde_json::to_string(task).ok()?;
    send(&[("task", &task), ("scenario", &codec::to_json(scenario))], cb)
}

/// Sends the page's venue import (the responses' texts, the venue or "") to the worker, which
/// answers with `crate::work::import_answer`'s JSON: the importer stays out of this module.
pub fn request_import(texts: &[String], venue: &str, cb: Callback<Msg>) -> Option<u64> {
    let texts = serde_json::to_string(texts).ok()?;
    send(&[("import", &texts), ("venue", venue)], cb)
}

fn send(fields: &[(&str, &str)], cb: Callback<Msg>) -> Option<u64> {
    let sent = with_client(|c| {
        let id = c.next;
        c.next += 1;
        let msg = js_sys::Object::new();
        let set = |k: &str, v: JsValue| js_sys::Reflect::set(&msg, &JsValue::from_str(k), &v);
        let _ = set("id", JsValue::from_f64(id as f64));
        for (k, v) in fields {
            let _ = set(k, JsValue::from_str(v));
        }
        c.waiting.insert(id, cb.clone());
        c.worker.post_message(&msg).map(|_| id).map_err(|_| c.waiting.remove(&id))
    });
    match sent {
        Some(Ok(id)) => Some(id),
        _ => {
            cb.emit(Msg::Answer(Rc::new(serde_json::json!({ "error": "this browser cannot start the page's worker" }).to_string())));
            None
        }
    }
}

/// Cancels a request: the worker drops it if queued, or stops it at its next slice.
pub fn cancel(id: u64) {
    CLIENT.with(|c| {
        if let Some(c) = c.borrow_mut().as_mut() {
            if c.waiting.remove(&id).is_some() {
                let msg = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&msg, &JsValue::from_str("cancel"), &JsValue::from_f64(id as f64));
                let _ = c.worker.post_message(&msg);
            }
        }
    });
}

/// One card's view of its worker task: the last answer (kept on screen while a newer one is
/// pending, marked "updating…"), whether a request is out, and its progress.
pub struct Work<T> {
    pub data: Option<Rc<Result<T, String>>>,
    pub pending: bool,
    pub progress: Option<f64>,
    /// Bumped with every new answer (a cheap memo key).
    pub rev: u64,
    /// The task `data` answers (a card that switches tasks must not read another's answer).
    pub task: Option<Task>,
    /// The settings the compute entry ran `data` with and the defaults it assumed.
    pub applied: Rc<Applied>,
}

impl<T> Clone for Work<T> {
    fn clone(&self) -> Self {
        Work {
            data: self.data.clone(),
            pending: self.pending,
            progress: self.progress,
            rev: self.rev,
            task: self.task.clone(),
            applied: self.applied.clone(),
        }
    }
}

impl<T> PartialEq for Work<T> {
    fn eq(&self, o: &Self) -> bool {
        self.rev == o.rev && self.pending == o.pending && self.progress == o.progress
    }
}

impl<T> Default for Work<T> {
    fn default() -> Self {
        Work { data: None, pending: false, progress: None, rev: 0, task: None, applied: Rc::default() }
    }
}

/// How a [`Work`] changes.
pub enum Change<T> {
    Sent,
    Progress(f64),
    Answer(Result<T, String>, Task, Applied),
    Dropped,
}

impl<T> Reducible for Work<T> {
    type Action = Change<T>;
    fn reduce(self: Rc<Self>, a: Change<T>) -> Rc<Self> {
        let mut w = (*self).clone();
        match a {
            Change::Sent => {
                w.pending = true;
                w.progress = None;
            }
            Change::Progress(p) => w.progress = Some(p),
            Change::Answer(r, task, applied) => {
                w.data = Some(Rc::new(r));
                w.task = Some(task);
                w.applied = Rc::new(applied);
                w.pending = false;
                w.progress = None;
                w.rev += 1;
            }
            Change::Dropped => {
                w.pending = false;
                w.progress = None;
            }
        }
        Rc::new(w)
    }
}

/// Asks the worker for `task` over `scenario` whenever either changes (`None`: ask nothing and
/// cancel what is out), and gives the answer read as `T`.
#[hook]
pub fn use_work<T: DeserializeOwned + 'static>(task: Option<Task>, scenario: Option<Rc<Scenario>>) -> Work<T> {
    let work = use_reducer(Work::<T>::default);
    {
        let dispatch = work.dispatcher();
        use_effect_with((task, scenario), move |(task, scenario)| {
            let mut id = None;
            if let (Some(task), Some(s)) = (task, scenario) {
                let d = dispatch.clone();
                let t = task.clone();
                let asked = s.clone();
                let cb = Callback::from(move |m: Msg| match m {
                    Msg::Progress(p) => d.dispatch(Change::Progress(p)),
                    Msg::Answer(a) => {
                        let (data, applied) = crate::work::read_answer_applied::<T>(&a);
                        record(&t, &asked, &a, &applied.settings);
                        d.dispatch(Change::Answer(data, t.clone(), applied))
                    }
                });
                dispatch.dispatch(Change::Sent);
                id = request(task, s, cb);
            }
            move || {
                if let Some(id) = id {
                    cancel(id);
                    dispatch.dispatch(Change::Dropped);
                }
            }
        });
    }
    (*work).clone()
}

/// A raw answer: the worker's JSON, read by the caller (the chart panels, whose data types
/// differ per panel).
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
#[serde(transparent)]
pub struct Raw(pub serde_json::Value);

/// [`use_work`] keeping the answer as its JSON text (`Ok(text)`; `Err` when the worker could
/// not be asked or answered with an error).
#[hook]
pub fn use_raw_work(task: Option<Task>, scenario: Option<Rc<Scenario>>) -> Work<String> {
    let w = use_work::<Raw>(task, scenario);
    let data = w.data.as_ref().map(|r| Rc::new(r.as_ref().as_ref().map(|v| serde_json::json!({ "ok": v.0 }).to_string()).map_err(Clone::clone)));
    Work { data, pending: w.pending, progress: w.progress, rev: w.rev, task: w.task, applied: w.applied }
}

/// What the page computed, for its Export and link: each answer's applied settings with the
/// Scenario they were computed for (the last few answers), and the raw answers by task (the
/// test hook `window.leverlabPage`, see `crate::ui::app`).
#[derive(Default)]
struct Computed {
    settings: Vec<(Rc<Scenario>, Analysis)>,
    answers: Vec<(String, Rc<Scenario>, Rc<String>)>,
    listener: Option<Callback<()>>,
}

thread_local! {
    static COMPUTED: RefCell<Computed> = RefCell::new(Computed::default());
}

/// How many answers' settings are kept (a few views' worth).
const KEEP: usize = 32;

fn task_name(t: &Task) -> String {
    serde_json::to_value(t).ok().and_then(|v| v.get("task").and_then(|n| n.as_str()).map(str::to_string)).unwrap_or_default()
}

fn record(task: &Task, s: &Rc<Scenario>, answer: &Rc<String>, settings: &[Analysis]) {
    let listener = COMPUTED.with(|c| {
        let mut c = c.borrow_mut();
        for a in settings {
            c.settings.push((s.clone(), a.clone()));
        }
        let excess = c.settings.len().saturating_sub(KEEP);
        c.settings.drain(..excess);
        let name = task_name(task);
        c.answers.retain(|(n, _, _)| *n != name);
        c.answers.push((name, s.clone(), answer.clone()));
        c.listener.clone()
    });
    if let Some(l) = listener {
        l.emit(());
    }
}

/// Calls `cb` whenever an answer brings settings (the app rewrites its link).
pub fn on_computed(cb: Option<Callback<()>>) {
    COMPUTED.with(|c| c.borrow_mut().listener = cb);
}

/// The Scenario `s` with its `analyses` section holding the settings the page computed it with
/// (each analysis's applied settings, every default filled in; the Scenario's own section
/// for the rest): what Export and the link carry, so `leverlab compute` of it answers the
/// page's numbers. A closed-form `probability` does not replace a Monte Carlo one of the same
/// Scenario (the Monte Carlo's report holds the closed form too).
pub fn with_computed(s: &Scenario) -> Scenario {
    let mut section = s.analyses.clone().unwrap_or_default();
    let mut any = false;
    COMPUTED.with(|c| {
        let mut mc = false;
        for (_, a) in c.borrow().settings.iter().filter(|(k, _)| k.as_ref() == s) {
            let is_mc = matches!(a, Analysis::Probability(p) if p.monte_carlo == Some(true));
            if matches!(a, Analysis::Probability(_)) {
                if mc && !is_mc {
                    continue;
                }
                mc |= is_mc;
            }
            section.set(a);
            any = true;
        }
    });
    let mut out = s.clone();
    if any {
        out.analyses = Some(section);
    }
    out
}

/// The raw answers of the last request of each task and the Scenario each answered, as JSON:
/// `{"stress": {"scenario": {…}, "answer": {…}}, …}` (for the page's test hook).
pub fn answers_json() -> String {
    COMPUTED.with(|c| {
        let c = c.borrow();
        let mut m = serde_json::Map::new();
        for (name, s, a) in &c.answers {
            let answer: serde_json::Value = serde_json::from_str(a).unwrap_or_default();
            m.insert(name.clone(), serde_json::json!({ "scenario": codec::to_json(s), "answer": answer }));
        }
        serde_json::Value::Object(m).to_string()
    })
}

/// Requests sent and not answered yet.
pub fn pending() -> usize {
    CLIENT.with(|c| c.borrow().as_ref().map(|c| c.waiting.len()).unwrap_or(0))
}
