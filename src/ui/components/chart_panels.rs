//! The chart area: one tab per entry of [`crate::ui::charts::PANELS`], each drawn through the
//! generic [`CanvasChart`]. New panels only need an entry in `PANELS`.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::{Report, Scenario};
use crate::ui::charts::{ChartStyle, PANELS};
use crate::ui::components::canvas_chart::CanvasChart;

#[derive(Properties, PartialEq, Clone)]
pub struct ChartPanelsProps {
    pub idp: AttrValue,
    pub scenario: Rc<Scenario>,
    pub report: Rc<Report>,
    pub style: ChartStyle,
}

#[function_component(ChartPanels)]
pub fn chart_panels(p: &ChartPanelsProps) -> Html {
    let selected = use_state_eq(|| 0usize);
    let sel = (*selected).min(PANELS.len().saturating_sub(1));
    // Rebuild the drawing only when its inputs change (the Rc identity is the redraw key).
    let drawing = use_memo((p.scenario.clone(), p.report.clone(), sel), |(s, r, k)| PANELS.get(*k).and_then(|spec| (spec.build)(s, r)));
    let panel = PANELS.get(sel);
    let tab_id = |k: usize| format!("{}-tab-{}", p.idp, PANELS[k].id);
    let onkeydown = {
        let selected = selected.clone();
        let idp = p.idp.clone();
        Callback::from(move |e: KeyboardEvent| {
            let n = PANELS.len();
            let k = match e.key().as_str() {
                "ArrowRight" => (sel + 1) % n,
                "ArrowLeft" => (sel + n - 1) % n,
                _ => return,
            };
            e.prevent_default();
            selected.set(k);
            // Roving focus: the newly selected tab takes the focus.
            let id = format!("{}-tab-{}", idp, PANELS[k].id);
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
                { for PANELS.iter().enumerate().map(|(k, spec)| {
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
                if let Some(spec) = panel { <p class="hint">{ spec.about }</p> }
                {
                    match &*drawing {
                        Some(d) => html! { <CanvasChart drawing={d.clone()} style={p.style.clone()} /> },
                        None => html! { <p class="hint">{ "Nothing to chart for these positions." }</p> },
                    }
                }
            </div>
        </section>
    }
}
