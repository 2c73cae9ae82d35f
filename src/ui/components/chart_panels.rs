//! The chart area: one tab per entry of [`crate::ui::charts::PANELS`], each drawn through the
//! generic [`CanvasChart`]. New panels only need an entry in `PANELS`.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::{Report, Scenario};
use crate::ui::charts::{Build, ChartStyle, PanelSpec, PANELS};
use crate::ui::components::assumed::Assumed;
use crate::ui::worker::use_raw_work;
use crate::ui::components::canvas_chart::CanvasChart;

#[derive(Properties, PartialEq, Clone)]
pub struct ChartPanelsProps {
    pub idp: AttrValue,
    pub scenario: Rc<Scenario>,
    pub report: Rc<Report>,
    pub style: ChartStyle,
    /// The ids of the [`PANELS`] this card shows, in order.
    pub panels: &'static [&'static str],
}

#[function_component(ChartPanels)]
pub fn chart_panels(p: &ChartPanelsProps) -> Html {
    let shown: Rc<Vec<&'static PanelSpec>> = Rc::new(p.panels.iter().filter_map(|id| PANELS.iter().find(|s| s.id == *id)).collect());
    let selected = use_state_eq(|| 0usize);
    let sel = (*selected).min(shown.len().saturating_sub(1));
    // Panels drawn from the calculator's result are built here; the others ask the worker
    // (only for the selected panel) and draw its answer, the last one staying on screen
    // (marked "updating…") while a newer one is on its way.
    let task = shown.get(sel).and_then(|spec| match spec.build {
        Build::Worker(task, _) => Some(task(&p.scenario)),
        Build::Local(_) => None,
    });
    let asked = task.as_ref().map(|_| p.scenario.clone());
    let work = use_raw_work(task.clone(), asked);
    // Only an answer to this panel's task is drawn (after a tab switch the last one is another's).
    let answer = work.data.clone().filter(|_| work.task.is_some() && work.task == task);
    let answered = answer.is_some();
    // Rebuild the drawing only when its inputs change (the Rc identity is the redraw key).
    let shown_m = shown.clone();
    let drawing = use_memo((p.scenario.clone(), p.report.clone(), sel, work.rev), move |(s, r, k, _)| {
        shown_m.get(*k).and_then(|spec| match spec.build {
            Build::Local(f) => f(s, r),
            Build::Worker(_, f) => answer.as_ref().map(|a| match a.as_ref() {
                Ok(text) => f(text, s),
                Err(e) => f(&serde_json::json!({ "error": e }).to_string(), s),
            }),
        })
    });
    let pending = work.pending && matches!(shown.get(sel).map(|s| &s.build), Some(Build::Worker(..)));
    let panel = shown.get(sel);
    let tab_id = |k: usize| format!("{}-tab-{}", p.idp, shown[k].id);
    let onkeydown = {
        let selected = selected.clone();
        let shown_k = shown.clone();
        let idp = p.idp.clone();
        Callback::from(move |e: KeyboardEvent| {
            let n = shown_k.len();
            let k = match e.key().as_str() {
                "ArrowRight" => (sel + 1) % n,
                "ArrowLeft" => (sel + n - 1) % n,
                _ => return,
            };
            e.prevent_default();
            selected.set(k);
            // Roving focus: the newly selected tab takes the focus.
            let id = format!("{}-tab-{}", idp, shown_k[k].id);
            if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&id)) {
                if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                    let _ = el.focus();
                }
            }
        })
    };
    html! {
        <section class="card charts" aria-labelledby={format!("{}-charts", p.idp)}>
            <h2 id={format!("{}-charts", p.idp)}>{ "Charts" }</h2>
            <div class="tabs" role="tablist" aria-label="Chart panels" {onkeydown}>
                { for shown.iter().enumerate().map(|(k, spec)| {
                    let selected = selected.clone();
                    let on = k == sel;
                    html! {
                        <button type="button" role="tab" id={tab_id(k)} class={classes!("tab", on.then_some("on"))}
                            aria-selected={if on { "true" } else { "false" }} tabindex={if on { "0" } else { "-1" }}
                            aria-controls={format!("{}-panel", p.idp)}
                            onclick={Callback::from(move |_| selected.set(k))}>{ spec.title }</button>
                    }
                }) }
            </div>
            <div id={format!("{}-panel", p.idp)} role="tabpanel" aria-labelledby={tab_id(sel)} data-panel={panel.map(|s| s.id)}>
                if let Some(spec) = panel { <p class="hint">{ spec.about }
                    if pending { <span class="updating" role="status">{ " updating…" }</span> }</p> }
                if answered { <Assumed list={Rc::new(work.applied.assumptions.clone())} /> }
                {
                    match &*drawing {
                        Some(d) => html! { <CanvasChart drawing={d.clone()} style={p.style.clone()} /> },
                        None if pending => html! { <p class="hint building" role="status">{ "Computing…" }</p> },
                        None => html! { <p class="hint">{ "Nothing to chart for these positions." }</p> },
                    }
                }
            </div>
        </section>
    }
}
