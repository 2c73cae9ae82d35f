//! A progress bar with a Cancel button, for work the page runs in slices between frames.

use yew::prelude::*;

#[derive(Properties, PartialEq, Clone)]
pub struct ProgressProps {
    /// Done so far, 0..=1.
    pub fraction: f64,
    /// What is running, e.g. "Monte Carlo: 12,000 of 100,000 paths".
    pub label: AttrValue,
    pub oncancel: Callback<()>,
}

#[function_component(Progress)]
pub fn progress(p: &ProgressProps) -> Html {
    let f = if p.fraction.is_finite() { p.fraction.clamp(0.0, 1.0) } else { 0.0 };
    let cancel = {
        let cb = p.oncancel.clone();
        Callback::from(move |_| cb.emit(()))
    };
    html! {
        <div class="progress-row" role="status" aria-live="polite">
            <progress max="1000" value={format!("{:.0}", f * 1000.0)} aria-label={p.label.clone()}></progress>
            <span class="progress-label">{ p.label.clone() }{ format!(" ({:.0} %)", f * 100.0) }</span>
            <button type="button" class="cancel" onclick={cancel}>{ "Cancel" }</button>
        </div>
    }
}
