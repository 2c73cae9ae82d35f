//! A result number with its explanation (formula and source) on hover or keyboard focus.

use std::cell::Cell;

use yew::prelude::*;

thread_local! {
    static NEXT: Cell<u64> = const { Cell::new(0) };
}

#[derive(Properties, PartialEq, Clone)]
pub struct ExplainedProps {
    pub value: AttrValue,
    /// How the number was computed: the formula with the figures, and where it comes from.
    pub tip: AttrValue,
    #[prop_or_default]
    pub class: Classes,
}

#[function_component(Explained)]
pub fn explained(p: &ExplainedProps) -> Html {
    // The tip is display:none until hover/focus (so it never widens the page); screen readers
    // still get it as the number's description.
    let id = use_memo((), |_| {
        NEXT.with(|n| {
            n.set(n.get() + 1);
            format!("tip-{}", n.get())
        })
    });
    html! {
        <span class={classes!("explain", p.class.clone())} tabindex="0" aria-describedby={(*id).clone()}>
            <span class="v">{ p.value.clone() }</span>
            <span class="tip" role="tooltip" id={(*id).clone()}>{ p.tip.clone() }</span>
        </span>
    }
}
