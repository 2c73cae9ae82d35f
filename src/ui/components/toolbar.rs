//! Sharing and files: copy link, export JSON / CSV, import a JSON Scenario or a positions CSV,
//! and the theme toggle.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::engine::{parse_scenario, Scenario};
use crate::ui::browser;
use crate::ui::codec;
use crate::ui::state::{Action, AppState, Notice, Source, ThemeChoice};

#[derive(Properties, PartialEq, Clone)]
pub struct ToolbarProps {
    pub idp: AttrValue,
    /// The last valid Scenario (what links and exports carry).
    pub scenario: Option<Rc<Scenario>>,
    pub theme: ThemeChoice,
    /// Whether the page owns the URL (false when mounted into another page).
    pub has_link: bool,
    pub dispatch: UseReducerDispatcher<AppState>,
}

/// Reads an imported file's text: a JSON Scenario, or a CSV of positions (into `base`).
pub fn import_text(name: &str, text: &str, base: &Scenario) -> Result<Scenario, String> {
    let looks_json = text.trim_start().starts_with(['{', '[']);
    let result = if looks_json && !name.to_lowercase().ends_with(".csv") {
        parse_scenario(text)
    } else {
        codec::positions_from_csv(text, base)
    };
    result.map_err(|e| {
        let mut lines: Vec<String> = e.0.iter().take(6).map(|f| f.to_string()).collect();
        if e.0.len() > 6 {
            lines.push(format!("… and {} more", e.0.len() - 6));
        }
        format!("“{name}” was not imported: {}", lines.join("; "))
    })
}

/// The repaired Scenario of a JSON file the strict reader refused, with its problems.
fn repaired_json(name: &str, text: &str) -> Option<(Scenario, crate::engine::InputErrors)> {
    if name.to_lowercase().ends_with(".csv") {
        return None;
    }
    match crate::engine::scenario::parse_scenario_repaired(text) {
        Err((Some(s), e)) => Some((s, e)),
        _ => None,
    }
}

#[function_component(Toolbar)]
pub fn toolbar(p: &ToolbarProps) -> Html {
    let reader = use_mut_ref(|| None::<gloo::file::callbacks::FileReader>);
    let copied = use_state_eq(|| None::<bool>);
    let d = p.dispatch.clone();

    let copy_link = {
        let copied = copied.clone();
        Callback::from(move |_| {
            let copied = copied.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let ok = browser::copy(&browser::href()).await;
                copied.set(Some(ok));
            });
        })
    };
    let export = |name: &'static str, mime: &'static str, body: fn(&Scenario) -> String| {
        let s = p.scenario.clone();
        let d = d.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(s) = &s {
                // The Scenario with the settings the page computed it with (its `analyses`).
                if let Err(e) = browser::download(name, mime, &body(&crate::ui::worker::with_computed(s))) {
                    d.dispatch(Action::SetNotice(Some(Notice::warn(format!("Export failed: {e}")))));
                }
            }
        })
    };
    let export_json = export("leverlab-scenario.json", "application/json", codec::to_json_pretty);
    let export_csv = export("leverlab-positions.csv", "text/csv", codec::positions_to_csv);
    let on_file = {
        let d = d.clone();
        let base = p.scenario.clone();
        let reader = reader.clone();
        Callback::from(move |e: Event| {
            let d = d.clone();
            let base = base.as_deref().cloned().unwrap_or_else(|| crate::ui::form::FormState::default().to_scenario().expect("the default form is valid"));
            browser::read_picked_file(&e, &reader, move |name, res| match res.and_then(|text| {
                import_text(&name, &text, &base).or_else(|msg| match repaired_json(&name, &text) {
                    // A JSON Scenario with problems: load what reads, each problem under its field.
                    Some((s, problems)) => {
                        let notice = crate::ui::app::repaired_notice(&format!("file “{name}”"), &problems);
                        d.dispatch(Action::LoadWithProblems(Box::new(s), Source::File, problems, notice));
                        Err(String::new())
                    }
                    None => Err(msg),
                })
            }) {
                Ok(s) => d.dispatch(Action::Load(Box::new(s), Source::File)),
                Err(msg) if msg.is_empty() => {}
                Err(msg) => d.dispatch(Action::SetNotice(Some(Notice::warn(msg)))),
            });
        })
    };
    let theme = {
        let d = d.clone();
        let next = p.theme.next();
        Callback::from(move |_| d.dispatch(Action::SetTheme(next)))
    };
    let theme_label = match p.theme {
        ThemeChoice::System => "◐ Theme: system",
        ThemeChoice::Dark => "● Theme: dark",
        ThemeChoice::Light => "○ Theme: light",
    };
    let file_ref = use_node_ref();
    let pick = {
        let file_ref = file_ref.clone();
        Callback::from(move |_| {
            if let Some(i) = file_ref.cast::<HtmlInputElement>() {
                i.click();
            }
        })
    };
    let none = p.scenario.is_none();
    let file_id = format!("{}-import", p.idp);
    html! {
        <div class="toolbar" role="toolbar" aria-label="Share, files and theme">
            if p.has_link {
                <button type="button" onclick={copy_link} disabled={none}>{ "Copy link" }</button>
            }
            <button type="button" onclick={export_json} disabled={none}>{ "Export JSON" }</button>
            <button type="button" onclick={export_csv} disabled={none}>{ "Export CSV" }</button>
            <button type="button" onclick={pick} aria-controls={file_id.clone()}>{ "Import…" }</button>
            <crate::ui::components::venue_import::VenueImport idp={p.idp.clone()} dispatch={p.dispatch.clone()} />
            <input id={file_id} ref={file_ref} class="sr-only file" type="file" tabindex="-1" aria-label="Import a scenario (.json) or positions (.csv)"
                accept=".json,.csv,application/json,text/csv" onchange={on_file} />
            <button type="button" onclick={theme} aria-label={format!("{theme_label} (click to change)")}>{ theme_label }</button>
            <span class="copied" role="status">
                { match *copied { Some(true) => "Link copied.", Some(false) => "Could not copy; the link is the address bar's URL.", None => "" } }
            </span>
        </div>
    }
}
