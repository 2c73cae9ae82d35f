//! A labelled text input for a number, with its problem shown next to it.
//!
//! The input keeps exactly what the user typed; the message (from parsing or from the engine,
//! found by the field's path) sits right under it and is tied to the input with
//! `aria-describedby` and `aria-invalid`.

use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq, Clone)]
pub struct NumFieldProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    #[prop_or_default]
    pub error: Option<AttrValue>,
    #[prop_or_default]
    pub placeholder: Option<AttrValue>,
    /// A short unit or hint under the label (e.g. "BTC").
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    pub oninput: Callback<String>,
    /// The engine path of the field (`positions[0].leverage`), kept on the input for tests.
    #[prop_or_default]
    pub path: Option<AttrValue>,
}

#[function_component(NumField)]
pub fn num_field(p: &NumFieldProps) -> Html {
    let err_id = format!("{}-msg", p.id);
    let oninput = {
        let cb = p.oninput.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            cb.emit(input.value());
        })
    };
    let invalid = p.error.is_some();
    html! {
        <div class={classes!("field", invalid.then_some("invalid"))}>
            <label for={p.id.clone()}>
                { p.label.clone() }
                if let Some(h) = &p.hint { <span class="unit">{ format!(" · {h}") }</span> }
            </label>
            <input id={p.id.clone()} type="text" inputmode="decimal" autocomplete="off" spellcheck="false"
                value={p.value.clone()}
                placeholder={p.placeholder.clone()}
                data-path={p.path.clone()}
                aria-invalid={if invalid { "true" } else { "false" }}
                aria-describedby={err_id.clone()}
                {oninput} />
            <p id={err_id} class="field-msg" aria-live="polite">
                if let Some(e) = &p.error { <span aria-hidden="true">{ "⚠ " }</span>{ e.clone() } }
            </p>
        </div>
    }
}
