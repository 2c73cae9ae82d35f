//! "Import from venue…": paste (or pick files of) a venue's own positions / account responses,
//! see what was recognised and assumed, and load the Scenario; and the "venue says / leverlab /
//! difference" comparison with the likely cause of each difference.
//!
//! The pasted text stays in this component's memory: it is never stored, never put in the URL
//! and never sent anywhere (the page makes no request). Only the Scenario it yields is loaded,
//! like any imported file (positions, no identifiers: the importer drops them).

use std::cell::RefCell;
use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use serde::Deserialize;

use crate::engine::import::{AGREES, VENUE_NAMES};
use crate::engine::{Report, Scenario};
use crate::ui::worker::{request_import, use_work, Msg};
use crate::work::{read_answer, Task};
use crate::ui::format::{pct, price};
use crate::ui::state::{Action, AppState, Source};

#[derive(Properties, PartialEq, Clone)]
pub struct VenueImportProps {
    pub idp: AttrValue,
    pub dispatch: UseReducerDispatcher<AppState>,
}

/// One response as the worker's importer recognised it (`engine::import::Recognised`).
#[derive(Deserialize, Clone, PartialEq)]
struct Recognised {
    input: usize,
    venue: String,
    endpoint: String,
    positions: usize,
    flat_rows: usize,
}

/// The worker's import (`engine::import::Imported`); the Scenario is read by the page's own
/// strict reader, so the importer's types are not part of this module.
#[derive(Deserialize, Clone, PartialEq)]
struct Imported {
    scenario: serde_json::Value,
    recognised: Vec<Recognised>,
    assumptions: Vec<String>,
    notes: Vec<String>,
}

/// What the dialog shows after reading: the import, or the problems.
#[derive(Clone, PartialEq)]
enum Outcome {
    None,
    /// Sent to the worker, not answered yet.
    Reading,
    Read(Rc<(Scenario, Imported)>),
    Failed(Vec<String>),
}

type Pending = Rc<RefCell<Vec<gloo::file::callbacks::FileReader>>>;

/// The toolbar button and its dialog.
#[function_component(VenueImport)]
pub fn venue_import(p: &VenueImportProps) -> Html {
    let open = use_state_eq(|| false);
    let texts = use_state(|| vec![String::new()]);
    let venue = use_state_eq(String::new);
    let outcome = use_state(|| Outcome::None);
    let pending: Pending = use_mut_ref(Vec::new);
    let first_ref = use_node_ref();
    let opener_ref = use_node_ref();
    let dialog_id = format!("{}-venue-import", p.idp);

    let show = {
        let open = open.clone();
        let first_ref = first_ref.clone();
        Callback::from(move |_: MouseEvent| {
            open.set(true);
            let first_ref = first_ref.clone();
            // Focus the first text box once the dialog is drawn.
            gloo::timers::callback::Timeout::new(0, move || {
                if let Some(t) = first_ref.cast::<HtmlTextAreaElement>() {
                    let _ = t.focus();
                }
            })
            .forget();
        })
    };
    let close = {
        let open = open.clone();
        let opener_ref = opener_ref.clone();
        Callback::from(move |_: ()| {
            open.set(false);
            if let Some(b) = opener_ref.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        })
    };
    let read = {
        let texts = texts.clone();
        let venue = venue.clone();
        let outcome = outcome.clone();
        Callback::from(move |_: MouseEvent| {
            let list: Vec<String> = texts.iter().filter(|t| !t.trim().is_empty()).cloned().collect();
            if list.is_empty() {
                outcome.set(Outcome::Failed(vec!["Paste a venue's JSON response (or pick its file) first.".into()]));
                return;
            }
            outcome.set(Outcome::Reading);
            let answered = outcome.clone();
            let cb = Callback::from(move |m: Msg| {
                if let Msg::Answer(a) = m {
                    answered.set(match read_answer::<Imported>(&a) {
                        Ok(i) => match crate::engine::scenario::scenario_from_value(&i.scenario) {
                            Ok(s) => Outcome::Read(Rc::new((s, i))),
                            Err(e) => Outcome::Failed(e.0.iter().map(|f| f.to_string()).collect()),
                        },
                        Err(e) => Outcome::Failed(e.lines().map(str::to_string).collect()),
                    });
                }
            });
            request_import(&list, &venue, cb);
        })
    };
    let load = {
        let outcome = outcome.clone();
        let d = p.dispatch.clone();
        let close = close.clone();
        let texts = texts.clone();
        Callback::from(move |_: MouseEvent| {
            if let Outcome::Read(i) = &*outcome {
                d.dispatch(Action::Load(Box::new(i.0.clone()), Source::File));
                // The pasted text is dropped as soon as its Scenario is loaded.
                texts.set(vec![String::new()]);
                outcome.set(Outcome::None);
                close.emit(());
            }
        })
    };
    let add_box = {
        let texts = texts.clone();
        Callback::from(move |_: MouseEvent| {
            let mut t = (*texts).clone();
            t.push(String::new());
            texts.set(t);
        })
    };
    let on_files = {
        let texts = texts.clone();
        let pending = pending.clone();
        let outcome = outcome.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<HtmlInputElement>() else { return };
            let Some(files) = input.files() else { return };
            let count = files.length();
            input.set_value("");
            let got: Rc<RefCell<Vec<(u32, String)>>> = Rc::new(RefCell::new(Vec::new()));
            let mut readers = pending.borrow_mut();
            readers.clear();
            for k in 0..count {
                let Some(f) = files.get(k) else { continue };
                let texts = texts.clone();
                let got = got.clone();
                let outcome = outcome.clone();
                readers.push(gloo::file::callbacks::read_as_text(&gloo::file::File::from(f), move |res| match res {
                    Ok(t) => {
                        got.borrow_mut().push((k, t));
                        if got.borrow().len() == count as usize {
                            let mut all = got.borrow().clone();
                            all.sort_by_key(|(k, _)| *k);
                            let mut list: Vec<String> = (*texts).iter().filter(|t| !t.trim().is_empty()).cloned().collect();
                            list.extend(all.into_iter().map(|(_, t)| t));
                            texts.set(list);
                            outcome.set(Outcome::None);
                        }
                    }
                    Err(e) => outcome.set(Outcome::Failed(vec![format!("A file could not be read: {e}")])),
                }));
            }
        })
    };
    let on_venue = {
        let venue = venue.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<HtmlSelectElement>() {
                venue.set(s.value());
            }
        })
    };
    let on_key = {
        let close = close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                close.emit(());
            }
        })
    };

    let boxes = texts.iter().enumerate().map(|(i, t)| {
        let texts = texts.clone();
        let outcome = outcome.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            if let Some(a) = e.target_dyn_into::<HtmlTextAreaElement>() {
                let mut v = (*texts).clone();
                v[i] = a.value();
                texts.set(v);
                outcome.set(Outcome::None);
            }
        });
        let id = format!("{}-vi-text-{i}", p.idp);
        let label = if i == 0 { "Response".to_string() } else { format!("Response {}", i + 1) };
        html! {
            <div class="vi-box">
                <label for={id.clone()}>{ label }<span class="sub">{ " (positions, account/balance or instruments JSON)" }</span></label>
                <textarea id={id} ref={if i == 0 { first_ref.clone() } else { NodeRef::default() }} rows="6" spellcheck="false"
                    autocomplete="off" value={t.clone()} {oninput} data-index={i.to_string()} />
            </div>
        }
    });

    let body = match &*outcome {
        Outcome::None => html! {},
        Outcome::Reading => html! { <p class="hint" role="status">{ "Reading…" }</p> },
        Outcome::Failed(lines) => html! {
            <div class="vi-result warn" role="alert">
                <p><strong>{ "Not imported:" }</strong></p>
                <ul>{ for lines.iter().map(|l| html! { <li>{ l.clone() }</li> }) }</ul>
            </div>
        },
        Outcome::Read(i) => recognised_html(i),
    };
    let can_load = matches!(&*outcome, Outcome::Read(_));
    let files_id = format!("{}-vi-files", p.idp);

    html! {
        <>
            <button type="button" ref={opener_ref} onclick={show} aria-haspopup="dialog" aria-controls={dialog_id.clone()}>{ "Import from venue…" }</button>
            if *open {
                <div class="vi-backdrop">
                    <div id={dialog_id.clone()} class="card vi-dialog" role="dialog" aria-modal="true"
                        aria-labelledby={format!("{dialog_id}-title")} onkeydown={on_key}>
                        <h2 id={format!("{dialog_id}-title")}>{ "Import from venue" }</h2>
                        <p class="hint">{ "Paste your venue's own API response — positions, plus the account/balance response for a cross account and the instrument list where sizes are in contracts. The text stays in this page: it is not stored, not put in the link and not sent anywhere; ids and keys in it are dropped." }</p>
                        { for boxes }
                        <div class="vi-row">
                            <button type="button" onclick={add_box}>{ "+ Another response" }</button>
                            <label class="vi-file">{ "Or pick files: " }
                                <input id={files_id} type="file" multiple=true accept=".json,.txt,application/json,text/plain" onchange={on_files} />
                            </label>
                            <label>{ "Venue: " }
                                <select onchange={on_venue} aria-label="Venue (automatic: recognised from the response)">
                                    <option value="" selected={venue.is_empty()}>{ "recognise automatically" }</option>
                                    { for VENUE_NAMES.iter().map(|v| html! { <option value={*v} selected={venue.as_str() == *v}>{ *v }</option> }) }
                                </select>
                            </label>
                        </div>
                        <div class="vi-row">
                            <button type="button" class="primary" onclick={read}>{ "Read" }</button>
                            <button type="button" class="primary" onclick={load} disabled={!can_load}>{ "Load into calculator" }</button>
                            <button type="button" onclick={close.reform(|_: MouseEvent| ())}>{ "Cancel" }</button>
                        </div>
                        <div role="status" aria-live="polite">{ body }</div>
                    </div>
                </div>
            }
        </>
    }
}

/// What the import recognised, assumed and left out.
fn recognised_html(read: &(Scenario, Imported)) -> Html {
    let (s, i) = read;
    html! {
        <div class="vi-result">
            <p><strong>{ format!("Recognised {} position{} — {} {} margin.", s.positions.len(), if s.positions.len() == 1 { "" } else { "s" }, s.venue, match s.margin_mode { crate::engine::MarginMode::Cross => "cross", crate::engine::MarginMode::Isolated => "isolated", crate::engine::MarginMode::Portfolio => "portfolio" }) }</strong></p>
            <ul class="vi-recognised">
                { for i.recognised.iter().map(|r| html! {
                    <li>{ format!("Response {}: {} {} — {} open position{}{}", r.input + 1, r.venue, r.endpoint, r.positions,
                        if r.positions == 1 { "" } else { "s" },
                        if r.flat_rows > 0 { format!(", {} flat row{} skipped", r.flat_rows, if r.flat_rows == 1 { "" } else { "s" }) } else { String::new() }) }</li>
                }) }
            </ul>
            if !i.assumptions.is_empty() {
                <p class="k">{ "Assumed:" }</p>
                <ul class="vi-assumed">{ for i.assumptions.iter().map(|a| html! { <li>{ a.clone() }</li> }) }</ul>
            }
            if !i.notes.is_empty() {
                <p class="k">{ "Notes:" }</p>
                <ul>{ for i.notes.iter().map(|n| html! { <li>{ n.clone() }</li> }) }</ul>
            }
            if let Some(w) = s.wallet_balance {
                <p class="hint">{ format!("Cross wallet balance: {w}") }</p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct VenueCompareProps {
    pub idp: AttrValue,
    pub scenario: Rc<Scenario>,
    pub report: Rc<Report>,
}

/// "Venue says / leverlab / difference" per position, with the likely cause; drawn only when
/// a position carries the venue's own liquidation price.
#[function_component(VenueCompare)]
pub fn venue_compare(p: &VenueCompareProps) -> Html {
    let s = &p.scenario;
    let r = &p.report;
    let shown = s.positions.len() == r.positions.len() && s.positions.iter().any(|q| q.venue_liquidation_price.is_some() || q.note.is_some());
    // The causes come from the worker (the importer's explanations are not in this module).
    let explained = use_work::<Vec<Vec<String>>>(shown.then_some(Task::Explain), shown.then(|| s.clone()));
    if !shown {
        return html! {};
    }
    let rows = s.positions.iter().zip(&r.positions).enumerate().map(|(i, (q, rp))| {
        let causes: &[String] = match explained.data.as_deref() {
            Some(Ok(c)) => c.get(i).map(Vec::as_slice).unwrap_or(&[]),
            _ => &[],
        };
        let diff = rp.liquidation_price_difference.map(|d| format!("{:+.2} %", d * 100.0)).unwrap_or_else(|| "—".into());
        let why = if explained.data.is_none() {
            "…".to_string()
        } else if causes.is_empty() {
            "—".to_string()
        } else {
            causes.join("; ")
        };
        let level = match rp.liquidation_price_difference {
            Some(d) if d.abs() <= AGREES => "ok",
            Some(_) => "warn",
            None => "",
        };
        html! {
            <>
                <tr data-index={i.to_string()}>
                    <th scope="row">{ format!("#{} ", i + 1) }<span class="sub">{ q.symbol.clone() }</span></th>
                    <td class="venue">{ q.venue_liquidation_price.map(price).unwrap_or_else(|| "none".into()) }</td>
                    <td class="ours">{ rp.liquidation_price.map(price).unwrap_or_else(|| "none".into()) }</td>
                    <td class={classes!("diff", level)}>{ diff }</td>
                </tr>
                <tr class="why-row" data-index={i.to_string()}>
                    <td class="why" colspan="4"><span class="k">{ "Likely cause: " }</span>{ why }</td>
                </tr>
            </>
        }
    });
    let notes: Vec<(usize, String)> = s.positions.iter().enumerate().filter_map(|(i, q)| q.note.clone().map(|n| (i, n))).collect();
    html! {
        <section class="card venue-compare" aria-labelledby={format!("{}-vc", p.idp)}>
            <h2 id={format!("{}-vc", p.idp)}>{ "Venue vs leverlab" }</h2>
            <div class="table-wrap" tabindex="0" role="region" aria-label="The venue's liquidation prices beside leverlab's (scrolls sideways on narrow screens)">
                <table class="venue-table">
                    <thead><tr>
                        <th scope="col">{ "Position" }</th>
                        <th scope="col">{ "Venue says" }</th>
                        <th scope="col">{ "leverlab" }</th>
                        <th scope="col">{ "Difference" }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
            if !notes.is_empty() {
                <details class="vi-notes">
                    <summary>{ "Venue fields leverlab does not model" }</summary>
                    <ul>{ for notes.iter().map(|(i, n)| html! { <li>{ format!("#{}: {n}", i + 1) }</li> }) }</ul>
                </details>
            }
            <p class="hint">{ format!("Difference = (leverlab − venue) ÷ venue; within {} counts as agreement.", pct(AGREES)) }</p>
        </section>
    }
}
