//! Small wrappers over the browser: storage, history, downloads, clipboard, theme query.
//! Every call tolerates a missing API (private mode, sandboxed iframe) and never panics.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlAnchorElement, Storage};

pub fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn storage() -> Option<Storage> {
    // Sandboxed iframes throw on access to localStorage: treat as absent.
    window()?.local_storage().ok().flatten()
}

pub fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

pub fn save(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

pub fn hash() -> String {
    window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

/// Writes the hash without reloading: a new history entry when `push`, else in place.
pub fn set_hash(hash: &str, push: bool) {
    let Some(w) = window() else { return };
    let Ok(history) = w.history() else { return };
    let url = format!("#{hash}");
    let _ = if push {
        history.push_state_with_url(&JsValue::NULL, "", Some(&url))
    } else {
        history.replace_state_with_url(&JsValue::NULL, "", Some(&url))
    };
}

pub fn href() -> String {
    window().and_then(|w| w.location().href().ok()).unwrap_or_default()
}

pub fn now_ms() -> f64 {
    window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

pub fn prefers_dark() -> bool {
    window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .map(|m| m.matches())
        .unwrap_or(false)
}

/// Offers `text` as a file download (a local blob URL: nothing leaves the machine).
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let w = window().ok_or("no window")?;
    let doc = w.document().ok_or("no document")?;
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(|_| "could not create the file")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "could not create the file URL")?;
    let a: HtmlAnchorElement = doc.create_element("a").map_err(|_| "no anchor")?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.set_class_name("sr-only");
    if let Some(body) = doc.body() {
        let _ = body.append_child(&a);
        a.click();
        let _ = body.remove_child(&a);
    }
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Copies text to the clipboard; resolves to whether it worked.
pub async fn copy(text: &str) -> bool {
    let Some(w) = window() else { return false };
    let promise = w.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// Tells the parent page (when inside an iframe) how tall the page is.
pub fn post_height(height: f64) {
    let Some(w) = window() else { return };
    let Ok(Some(parent)) = w.parent() else { return };
    if parent == w {
        return;
    }
    let msg = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&msg, &"type".into(), &"leverlab:height".into());
    let _ = js_sys::Reflect::set(&msg, &"height".into(), &JsValue::from_f64(height.ceil()));
    let _ = parent.post_message(&msg, "*");
}

/// Where a file read in progress is kept alive (dropping a `FileReader` cancels it).
pub type PendingRead = std::rc::Rc<std::cell::RefCell<Option<gloo::file::callbacks::FileReader>>>;

/// Reads the file just picked in the `<input type="file">` that fired `e` as text, then calls
/// `done(file name, text or a read-error message)`. The input is cleared so picking the same
/// file again fires anew; `pending` keeps the read alive until it finishes.
pub fn read_picked_file(e: &web_sys::Event, pending: &PendingRead, done: impl FnOnce(String, Result<String, String>) + 'static) {
    let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
    let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
    input.set_value("");
    let name = file.name();
    let task = gloo::file::callbacks::read_as_text(&gloo::file::File::from(file), move |res| {
        done(name, res.map_err(|e| format!("The file could not be read: {e}")))
    });
    *pending.borrow_mut() = Some(task);
}

thread_local! {
    static CURRENT: std::cell::RefCell<(Option<std::rc::Rc<crate::engine::Scenario>>, Option<std::rc::Rc<crate::engine::Report>>)> =
        const { std::cell::RefCell::new((None, None)) };
    static HOOK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Keeps the page's current Scenario and Report for the test hook `window.leverlabPage`, and
/// installs the hook once: `scenario()` and `report()` (JSON text of the Scenario on screen and
/// its Report, or null), `exported()` (the Scenario as Export writes it, with the settings the
/// page computed), `answers()` (the worker's last answer per task, with the Scenario it
/// answered), `pending()` (requests out). Reading it costs the page nothing until called.
pub fn set_test_hook(scenario: Option<std::rc::Rc<crate::engine::Scenario>>, report: Option<std::rc::Rc<crate::engine::Report>>) {
    use wasm_bindgen::closure::Closure;
    CURRENT.with(|c| *c.borrow_mut() = (scenario, report));
    if HOOK.with(|h| h.replace(true)) {
        return;
    }
    let Some(w) = window() else { return };
    let hook = js_sys::Object::new();
    let text = |v: Option<String>| v.map(|t| JsValue::from_str(&t)).unwrap_or(JsValue::NULL);
    let add = |name: &str, f: Box<dyn Fn() -> JsValue>| {
        let c = Closure::<dyn Fn() -> JsValue>::new(f);
        let _ = js_sys::Reflect::set(&hook, &JsValue::from_str(name), c.as_ref());
        c.forget();
    };
    add("scenario", Box::new(move || text(CURRENT.with(|c| c.borrow().0.as_ref().map(|s| crate::ui::codec::to_json(s))))));
    add("report", Box::new(move || text(CURRENT.with(|c| c.borrow().1.as_ref().and_then(|r| serde_json::to_string(r.as_ref()).ok())))));
    add(
        "exported",
        Box::new(move || text(CURRENT.with(|c| c.borrow().0.as_ref().map(|s| crate::ui::codec::to_json(&crate::ui::worker::with_computed(s)))))),
    );
    add("answers", Box::new(|| JsValue::from_str(&crate::ui::worker::answers_json())));
    add("pending", Box::new(|| JsValue::from_f64(crate::ui::worker::pending() as f64)));
    let _ = js_sys::Reflect::set(&w, &JsValue::from_str("leverlabPage"), &hook);
}
