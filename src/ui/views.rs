//! The page's views: the calculator first, then one view per subject, each reached from the
//! navigation and named in the URL (`#view=risk&s=1.…`; a link without `view=` opens the
//! calculator, so old `#s=` links keep working). A view's cards ask the worker for their data
//! only while the view is open.
//!
//! To add a view, add a [`ViewSpec`] to [`VIEWS`] (its `id` is what the URL carries) with a
//! `render` function that draws it from the [`ViewCtx`]. See `src/ui/mod.rs`.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::{Report, Scenario};
use crate::ui::charts::ChartStyle;
use crate::ui::components::chart_panels::ChartPanels;
use crate::ui::form::Errors;
use crate::ui::state::AppState;

/// What a view is drawn from.
pub struct ViewCtx<'a> {
    pub idp: AttrValue,
    /// The last valid Scenario and its Report (None while the form has problems from the start).
    pub scenario: Option<Rc<Scenario>>,
    pub report: Option<Rc<Report>>,
    pub style: ChartStyle,
    pub state: &'a AppState,
    pub dispatch: UseReducerDispatcher<AppState>,
}

/// One view of the page.
pub struct ViewSpec {
    /// Its name in the URL (`#view=ID`) and in `data-view`.
    pub id: &'static str,
    /// Its label in the navigation.
    pub title: &'static str,
    /// Draws it; `None` for the calculator, which the app draws itself.
    pub render: Option<fn(&ViewCtx) -> Html>,
}

/// Every view, in navigation order; the first is the calculator. Add new views here.
pub const VIEWS: &[ViewSpec] = &[
    ViewSpec { id: "calculator", title: "Calculator", render: None },
    ViewSpec { id: "risk", title: "Risk", render: Some(risk) },
    ViewSpec { id: "market", title: "Market & cascade", render: Some(market) },
    ViewSpec { id: "compare", title: "Compare venues", render: Some(compare) },
    ViewSpec { id: "lending", title: "Lending", render: Some(lending) },
    ViewSpec { id: "auction", title: "Vault & auction", render: Some(auction) },
    ViewSpec { id: "gmx", title: "GMX", render: Some(gmx) },
    ViewSpec { id: "options", title: "Options & margin", render: Some(options) },
    ViewSpec { id: "import", title: "Import from venue", render: Some(import) },
];

/// The view a URL hash names (`view=ID` among its `&`-separated keys); the calculator when it
/// names none or an unknown one.
pub fn view_of_hash(hash: &str) -> usize {
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|kv| kv.strip_prefix("view="))
        .and_then(|v| VIEWS.iter().position(|s| s.id == v))
        .unwrap_or(0)
}

/// The hash for a view and an encoded Scenario (`s=1.…`, or empty): the calculator's view is
/// not written, so its links stay the old `#s=` form.
pub fn hash_of(view: usize, scenario: &str) -> String {
    match (VIEWS.get(view).filter(|_| view > 0), scenario.is_empty()) {
        (Some(v), true) => format!("view={}", v.id),
        (Some(v), false) => format!("view={}&{scenario}", v.id),
        (None, _) => scenario.to_string(),
    }
}

/// The part of the hash that carries the Scenario (`s=…`), or "".
pub fn scenario_part(hash: &str) -> String {
    hash.trim_start_matches('#').split('&').find(|kv| kv.starts_with("s=")).unwrap_or("").to_string()
}

fn needs_positions() -> Html {
    html! {
        <section class="card"><p class="hint">{ "This view works from the calculator's positions: fill in the marked fields there first." }</p></section>
    }
}

fn market_errors(c: &ViewCtx) -> Rc<Errors> {
    Rc::new(c.state.errors.iter().filter(|(k, _)| k.starts_with("market.")).map(|(k, v)| (k.clone(), v.clone())).collect())
}

fn market_form(c: &ViewCtx) -> Html {
    use crate::ui::components::market_form::{form_symbols, MarketFormCard};
    let currency = c.report.as_ref().and_then(|r| {
        r.positions.first().map(|p| crate::ui::format::currency(r.venue, &p.symbol, p.settlement, p.coin.as_deref()))
    });
    html! {
        <MarketFormCard idp={c.idp.clone()} form={c.state.market_form.clone()} symbols={form_symbols(&c.state.form)}
            errors={market_errors(c)} dispatch={c.dispatch.clone()} currency={currency.map(AttrValue::from).unwrap_or_else(|| "USD".into())} />
    }
}

fn risk(c: &ViewCtx) -> Html {
    let (Some(sc), Some(r)) = (&c.scenario, &c.report) else { return needs_positions() };
    html! { <>
        <div class="inputs">{ market_form(c) }</div>
        <div class="outputs">
            <crate::ui::components::risk_panels::RiskCard idp={c.idp.clone()} scenario={sc.clone()} report={r.clone()} style={c.style.clone()} />
            <ChartPanels idp={c.idp.clone()} scenario={sc.clone()} report={r.clone()} style={c.style.clone()}
                panels={&["stress", "grid", "probability", "probability-leverage"][..]} />
        </div>
    </> }
}

fn market(c: &ViewCtx) -> Html {
    let (Some(sc), Some(r)) = (&c.scenario, &c.report) else { return needs_positions() };
    html! { <>
        <div class="inputs">{ market_form(c) }</div>
        <div class="outputs">
            <crate::ui::components::cascade_panel::CascadeCard idp={c.idp.clone()} scenario={sc.clone()} report={r.clone()} style={c.style.clone()} />
            <ChartPanels idp={c.idp.clone()} scenario={sc.clone()} report={r.clone()} style={c.style.clone()} panels={&["liqmap", "cascade"][..]} />
        </div>
    </> }
}

fn compare(c: &ViewCtx) -> Html {
    let (Some(sc), Some(r)) = (&c.scenario, &c.report) else { return needs_positions() };
    html! {
        <div class="outputs wide">
            <crate::ui::components::compare::Compare idp={c.idp.clone()} scenario={sc.clone()} report={r.clone()} />
        </div>
    }
}

fn import(c: &ViewCtx) -> Html {
    html! {
        <div class="outputs wide">
            <section class="card import-view">
                <h2>{ "Import from venue" }</h2>
                <p class="hint">{ "Paste (or pick files of) your venue's own positions and account responses: leverlab recognises the venue, loads the positions and puts the venue's liquidation price beside its own, with the likely cause of each difference. The text never leaves this page." }</p>
                <crate::ui::components::venue_import::VenueImport idp={c.idp.clone()} dispatch={c.dispatch.clone()} />
            </section>
            if let (Some(sc), Some(r)) = (&c.scenario, &c.report) {
                <crate::ui::components::venue_import::VenueCompare idp={c.idp.clone()} scenario={sc.clone()} report={r.clone()} />
            }
        </div>
    }
}

fn lending(c: &ViewCtx) -> Html {
    html! { <crate::ui::components::lending_view::LendingAccount idp={c.idp.clone()} style={c.style.clone()} /> }
}

fn auction(c: &ViewCtx) -> Html {
    html! { <crate::ui::components::lending_view::VaultAuction idp={c.idp.clone()} style={c.style.clone()} /> }
}

fn gmx(c: &ViewCtx) -> Html {
    html! { <crate::ui::components::lending_view::GmxPositions idp={c.idp.clone()} style={c.style.clone()} /> }
}

/// Option positions, payoff and Greeks, multi-asset collateral and portfolio margin: drawn from
/// the form itself (an option book has no futures Report).
fn options(c: &ViewCtx) -> Html {
    html! {
        <crate::ui::components::options_view::OptionsView idp={c.idp.clone()} form={c.state.form.clone()}
            errors={Rc::new(c.state.errors.clone())} style={c.style.clone()} dispatch={c.dispatch.clone()} />
    }
}
