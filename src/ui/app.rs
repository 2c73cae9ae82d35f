//! The page: one reducer, the effects that tie it to the URL, storage and parent frame, and
//! the layout (inputs on the left, results, charts and venue comparison on the right).

use std::cell::Cell;
use std::rc::Rc;

use gloo::events::EventListener;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::engine::{MarginMode, Scenario, Settlement};
use crate::ui::browser;
use crate::ui::charts::ChartStyle;
use crate::ui::codec;
use crate::ui::components::{
    account_form::AccountForm, chart_panels::ChartPanels, position_card::{PosEdit, PositionCard},
    results::{announcement, Results},
    toolbar::Toolbar,
};
use crate::ui::views::{self, ViewCtx, VIEWS};
use crate::ui::form::{pos_path, FormState, PosField};
use crate::ui::state::{venue_defaults, Action, AppState, Notice, Source, ThemeChoice};

/// How the page runs.
#[derive(Clone, PartialEq, Default)]
pub struct AppConfig {
    /// Compact view for iframes: no header, reports its height to the parent.
    pub embed: bool,
    /// Mounted into another page with `mount()`: leaves that page's URL and storage alone.
    pub mounted: bool,
    /// The Scenario to start with (mount); otherwise the link, then the saved copy.
    pub initial: Option<Rc<Scenario>>,
}

#[derive(Properties, PartialEq, Clone)]
pub struct AppProps {
    pub config: AppConfig,
}

thread_local! {
    static INSTANCES: Cell<u32> = const { Cell::new(0) };
}

fn initial_state(cfg: &AppConfig) -> AppState {
    let theme = if cfg.mounted {
        ThemeChoice::System
    } else {
        match browser::load(codec::THEME_KEY).as_deref() {
            Some("dark") => ThemeChoice::Dark,
            Some("light") => ThemeChoice::Light,
            _ => ThemeChoice::System,
        }
    };
    if let Some(s) = &cfg.initial {
        return AppState::new(FormState::from_scenario(s), theme, None);
    }
    let mut notice = None;
    if !cfg.mounted {
        match codec::decode_hash(&browser::hash()) {
            Ok(Some(s)) => return AppState::new(FormState::from_scenario(&s), theme, None),
            Ok(None) => {}
            Err(msg) => match codec::decode_hash_repaired(&browser::hash()) {
                // Load what can be read and show each problem under its field.
                Some((s, problems)) => {
                    let mut state = AppState::new(FormState::from_scenario(&s), theme, Some(Notice::warn(repaired_notice("link", &problems))));
                    state.show_problems(&problems);
                    return state;
                }
                None => notice = Some(Notice::warn(msg)),
            },
        }
        if !cfg.embed {
            if let Some(text) = browser::load(codec::STORAGE_KEY) {
                match codec::decode_saved(&text) {
                    Ok(s) => return AppState::new(FormState::from_scenario(&s), theme, notice),
                    Err(msg) => notice = Some(Notice::warn(msg)),
                }
            }
        }
    }
    AppState::new(FormState::default(), theme, notice)
}

/// Paths that have a field on screen; other problems are listed above the results.
fn shown_on_field(path: &str, mode: MarginMode, n: usize) -> bool {
    if crate::ui::components::market_form::shown_on_field(path) {
        return true;
    }
    if path == "wallet_balance" {
        return mode == MarginMode::Cross;
    }
    let Some(rest) = path.strip_prefix("positions[") else { return false };
    let Some((idx, tail)) = rest.split_once(']') else { return false };
    if idx.parse::<usize>().map_or(true, |i| i >= n) {
        return false;
    }
    if tail.is_empty() {
        return true;
    }
    let key = tail.trim_start_matches('.');
    if key.starts_with("tiers[") {
        return key.contains("].");
    }
    PosField::MAIN.iter().chain(PosField::ADVANCED.iter()).any(|f| f.key() == key && (key != "margin" || mode == MarginMode::Isolated))
}

#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let cfg = props.config.clone();
    let idp = use_memo((), |_| {
        INSTANCES.with(|c| {
            c.set(c.get() + 1);
            AttrValue::from(format!("ll{}", c.get()))
        })
    });
    let idp: AttrValue = (*idp).clone();
    let state = {
        let cfg = cfg.clone();
        use_reducer(move || initial_state(&cfg))
    };
    let dark_sys = use_state_eq(browser::prefers_dark);
    // The account form's edits (stable callbacks: the form re-renders only when its values change).
    let onvenue = use_callback(state.dispatcher(), |v: crate::engine::Venue, d| d.dispatch(Action::SetVenue(v)));
    let onmode = use_callback(state.dispatcher(), |m: MarginMode, d| d.dispatch(Action::SetMode(m)));
    let onwallet = use_callback(state.dispatcher(), |t: String, d| d.dispatch(Action::SetWallet(t)));
    // The open view (index into VIEWS), from the URL's `view=` (a mounted calculator keeps it
    // in memory only).
    let view = use_state_eq(|| if cfg.mounted { 0 } else { views::view_of_hash(&browser::hash()) });
    let root = use_node_ref();

    // Follow the system theme.
    {
        let dark_sys = dark_sys.clone();
        use_effect_with((), move |_| {
            let mq = browser::window().and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten());
            let listener = mq.map(|mq| {
                let m2 = mq.clone();
                EventListener::new(&mq, "change", move |_| dark_sys.set(m2.matches()))
            });
            move || drop(listener)
        });
    }

    // Each worker answer brings the settings it was computed with; the link and the saved copy
    // are written again with them (`worker::with_computed`).
    let computed = use_state_eq(|| 0u64);
    {
        let computed = computed.clone();
        use_effect_with((), move |_| {
            let bump = Callback::from(move |_| computed.set(*computed + 1));
            crate::ui::worker::on_computed(Some(bump));
            || crate::ui::worker::on_computed(None)
        });
    }

    // The test hook (`window.leverlabPage`): what the page computed, read by the browser tests.
    {
        let current = (state.scenario.clone(), state.report.clone());
        let mounted = cfg.mounted;
        use_effect_with(current, move |c| {
            if !mounted {
                crate::ui::browser::set_test_hook(c.0.clone(), c.1.clone());
            }
        });
    }

    // The Scenario travels in the URL (#s=1.…) and is autosaved, 300 ms after the last edit
    // (so typing does not flood the history API or storage): a new history entry when the
    // previous one is over a second old and the form changed since, in place otherwise;
    // nothing while the form has problems. It carries the settings the page computed it with.
    {
        let state = state.clone();
        let last_push = use_mut_ref(|| (f64::NEG_INFINITY, 0u64));
        let timer = use_mut_ref(|| None::<gloo::timers::callback::Timeout>);
        let cfg = cfg.clone();
        use_effect_with((state.revision, *view, *computed), move |(rev, view, _)| {
            let snapshot = if !cfg.mounted && !state.stale && state.errors.is_empty() { state.scenario.clone() } else { None };
            let (rev, from_history, embed, view) = (*rev, state.from_history, cfg.embed, *view);
            let write = move || {
                let Some(s) = snapshot else { return };
                let s = crate::ui::worker::with_computed(&s);
                let h = views::hash_of(view, &codec::encode_hash(&s));
                // A Scenario from the history is written in place (with its computed settings),
                // never as a new entry.
                if browser::hash().trim_start_matches('#') != h {
                    let now = browser::now_ms();
                    let (at, pushed_rev) = *last_push.borrow();
                    let push = !from_history && rev > 0 && rev != pushed_rev && now - at > 1000.0;
                    if push {
                        *last_push.borrow_mut() = (now, rev);
                    }
                    browser::set_hash(&h, push);
                }
                if !embed {
                    browser::save(codec::STORAGE_KEY, &codec::to_json(&s));
                }
            };
            // Replacing the timer cancels the previous, not yet written, edit.
            *timer.borrow_mut() = if rev == 0 {
                write();
                None
            } else {
                Some(gloo::timers::callback::Timeout::new(300, write))
            };
        });
    }

    // Back / forward (and a hand-edited hash) load the Scenario in the URL.
    {
        let dispatch = state.dispatcher();
        let mounted = cfg.mounted;
        let view = view.clone();
        use_effect_with((), move |_| {
            let listener = (!mounted).then(|| browser::window()).flatten().map(|w| {
                EventListener::new(&w, "popstate", move |_| match { view.set(views::view_of_hash(&browser::hash())); codec::decode_hash(&browser::hash()) } {
                    Ok(Some(s)) => dispatch.dispatch(Action::Load(Box::new(s), Source::History)),
                    Ok(None) => {}
                    Err(msg) => match codec::decode_hash_repaired(&browser::hash()) {
                        Some((s, problems)) => {
                            let notice = repaired_notice("link", &problems);
                            dispatch.dispatch(Action::LoadWithProblems(Box::new(s), Source::History, problems, notice))
                        }
                        None => dispatch.dispatch(Action::SetNotice(Some(Notice::warn(msg)))),
                    },
                })
            });
            move || drop(listener)
        });
    }

    // Remember the theme choice.
    {
        let theme = state.theme;
        let mounted = cfg.mounted;
        use_effect_with(theme, move |t| {
            if !mounted {
                browser::save(codec::THEME_KEY, t.attr());
            }
        });
    }

    // In an iframe, tell the parent page our height whenever it changes.
    {
        let root = root.clone();
        let embed = cfg.embed;
        use_effect_with((), move |_| {
            let mut keep = None;
            if embed {
                if let Some(el) = root.cast::<web_sys::HtmlElement>() {
                    let target = el.clone();
                    let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |_e: js_sys::Array| {
                        browser::post_height(target.scroll_height() as f64 + 2.0);
                    });
                    if let Ok(ro) = web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()) {
                        ro.observe(&el);
                        keep = Some((ro, cb));
                    }
                }
            }
            move || {
                if let Some((ro, _cb)) = keep {
                    ro.disconnect();
                }
            }
        });
    }

    let s = &*state;
    let dark = match s.theme {
        ThemeChoice::System => *dark_sys,
        ThemeChoice::Dark => true,
        ThemeChoice::Light => false,
    };
    let chart_style = ChartStyle::new(dark, 1.0);
    let dispatch = state.dispatcher();
    let form = &s.form;
    let n = form.positions.len();
    // The wallet's currency: the first position's settlement asset (`USDT`, `BTC`).
    let settle_hint: AttrValue = {
        let first = form.positions.first();
        let contract = first.and_then(|p| p.contract).unwrap_or(crate::engine::venue::default_contract(form.venue));
        let settlement = if contract == crate::engine::Contract::Inverse { Settlement::Coin } else { Settlement::Quote };
        crate::ui::format::currency(form.venue, first.map_or("", |p| p.symbol.as_str()), settlement, None).into()
    };
    let general: Vec<(String, String)> =
        s.errors.iter().filter(|(k, _)| !shown_on_field(k, form.margin_mode, n)).map(|(k, v)| (k.clone(), v.clone())).collect();

    // A position card's edits become the page's actions for that position (one stable callback
    // per index, so a card re-renders only when its own values change).
    let onedits = use_memo((n, dispatch.clone()), |(n, dispatch)| (0..*n).map(|i| pos_callback(i, dispatch.clone())).collect::<Vec<_>>());
    let onedit = |i: usize| onedits.get(i).cloned().unwrap_or_else(|| pos_callback(i, dispatch.clone()));
    let cards = form.positions.iter().enumerate().map(|(i, pf)| {
        let prefix = format!("positions[{i}]");
        let errs: Vec<(String, String)> = s
            .errors
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix) && k[prefix.len()..].chars().next().is_none_or(|c| c == '.'))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let contract = pf.contract.unwrap_or(crate::engine::venue::default_contract(form.venue));
        let defaults = if pf.advanced || !errs.is_empty() {
            s.scenario.as_ref().filter(|sc| sc.positions.len() == n && sc.venue == form.venue).and_then(|sc| venue_defaults(sc, i)).map(Rc::new)
        } else {
            None
        };
        let settlement = if contract == crate::engine::Contract::Inverse { Settlement::Coin } else { Settlement::Quote };
        let currency = AttrValue::from(crate::ui::format::currency(form.venue, &pf.symbol, settlement, None));
        html! {
            <PositionCard key={pf.id} idp={idp.clone()} index={i} count={n} pos={pf.clone()} errors={Rc::new(errs)}
                mode={form.margin_mode} {contract} {currency} {defaults} onedit={onedit(i)} />
        }
    });
    let add = {
        let d = dispatch.clone();
        Callback::from(move |_| d.dispatch(Action::Add))
    };
    let dismiss = {
        let d = dispatch.clone();
        Callback::from(move |_| d.dispatch(Action::SetNotice(None)))
    };
    let current = (*view).min(VIEWS.len() - 1);
    let nav = {
        let items = VIEWS.iter().enumerate().map(|(k, v)| {
            let view = view.clone();
            let mounted = cfg.mounted;
            let href = format!("#{}", views::hash_of(k, &views::scenario_part(&browser::hash())));
            let onclick = Callback::from(move |e: MouseEvent| {
                e.prevent_default();
                if !mounted {
                    browser::set_hash(&views::hash_of(k, &views::scenario_part(&browser::hash())), true);
                }
                view.set(k);
            });
            html! {
                <li><a href={href} class={classes!("view-link", (k == current).then_some("on"))} data-view={v.id}
                    aria-current={if k == current { Some("page") } else { None }} {onclick}>{ v.title }</a></li>
            }
        });
        html! { <nav class="views" aria-label="Views"><ul>{ for items }</ul></nav> }
    };
    let toolbar = html! {
        <Toolbar idp={idp.clone()} scenario={s.scenario.clone()} theme={s.theme} has_link={!cfg.mounted} dispatch={dispatch.clone()} />
    };

    let general_box = if general.is_empty() {
        html! {}
    } else {
        html! {
            <div class="card general-errors" role="alert">
                <h2>{ "Problems" }</h2>
                <ul>
                    { for general.iter().map(|(k, v)| html! {
                        <li data-path={k.clone()}>{ if k.is_empty() { v.clone() } else { format!("{k}: {v}") } }</li>
                    }) }
                </ul>
            </div>
        }
    };
    let live = html! {
        <p class="sr-only" aria-live="polite" aria-atomic="true">
            { s.report.as_ref().filter(|_| !s.stale).map(|r| announcement(r)).unwrap_or_default() }
        </p>
    };
    html! {
        <div class={classes!("leverlab", cfg.embed.then_some("embed"), cfg.mounted.then_some("mounted"))}
            data-theme={s.theme.attr()} data-dark={if dark { "true" } else { "false" }}
            data-revision={s.revision.to_string()} ref={root}>
            if !cfg.embed {
                <header class="top">
                    <div class="brand">
                        <h1>{ "leverlab" }</h1>
                        <p class="tag">{ "Liquidation prices, margins and stress curves for crypto derivatives — computed in your browser. Nothing you enter leaves this page." }</p>
                    </div>
                    { toolbar.clone() }
                </header>
            }
            if let Some(nt) = &s.notice {
                <div class={classes!("notice", nt.warning.then_some("warn"))} role="status">
                    <span>{ if nt.warning { "⚠ " } else { "ℹ " } }{ nt.text.clone() }</span>
                    <button type="button" class="icon" aria-label="Dismiss message" onclick={dismiss}>{ "✕" }</button>
                </div>
            }
            { nav }
            <main class={classes!("layout", format!("view-{}", VIEWS[current].id))} data-view={VIEWS[current].id}>
                // Narrow screens: the liquidation prices stay in view while typing (the same
                // figures are announced by the live region, so this copy is hidden from readers).
                if let Some(r) = &s.report {
                    <div class={classes!("quick", s.stale.then_some("stale"))} aria-hidden="true">
                        { for r.positions.iter().enumerate().take(6).map(|(i, p)| {
                            let (level, _) = crate::ui::components::results::danger(p);
                            html! { <span class={classes!("q", level)}>{ format!("#{} liq. {}", i + 1, p.liquidation_price.map(crate::ui::format::price).unwrap_or_else(|| "none".into())) }</span> }
                        }) }
                        if r.positions.len() > 6 { <span class="q">{ format!("+{} more", r.positions.len() - 6) }</span> }
                    </div>
                }
                if let Some(render) = VIEWS[current].render {
                    { general_box.clone() }
                    { live.clone() }
                    { render(&ViewCtx { idp: idp.clone(), scenario: s.scenario.clone(), report: s.report.clone(), style: chart_style.clone(), state: s, dispatch: dispatch.clone() }) }
                    if cfg.embed { { toolbar.clone() } }
                } else {
                <div class="inputs">
                    <AccountForm idp={idp.clone()} venue={form.venue} mode={form.margin_mode}
                        wallet={form.wallet_balance.clone()} wallet_error={s.error("wallet_balance").map(|e| AttrValue::from(e.to_string()))}
                        settlement_hint={settle_hint} {onvenue} {onmode} {onwallet} />
                    <section class="card positions" aria-labelledby={format!("{idp}-pos")}>
                        <h2 id={format!("{idp}-pos")}>{ format!("Positions ({n})") }</h2>
                        <ol class="position-list">{ for cards }</ol>
                        <button type="button" class="primary add" onclick={add}>{ "+ Add position" }</button>
                    </section>
                </div>
                <div class="outputs">
                    { general_box }
                    { live }
                    {
                        match (&s.scenario, &s.report) {
                            (Some(sc), Some(r)) => html! {
                                <>
                                    <Results idp={idp.clone()} report={r.clone()} stale={s.stale} />
                                    <crate::ui::components::venue_import::VenueCompare idp={idp.clone()} scenario={sc.clone()} report={r.clone()} />
                                    <ChartPanels idp={idp.clone()} scenario={sc.clone()} report={r.clone()} style={chart_style.clone()} panels={&["equity", "margin-ratio"][..]} />
                                </>
                            },
                            _ => html! {
                                <section class="card results"><h2>{ "Results" }</h2>
                                    <p class="hint">{ "Results appear as soon as the marked fields are filled in." }</p></section>
                            },
                        }
                    }
                    if cfg.embed {
                        { toolbar }
                    }
                </div>
                }
            </main>
            if !cfg.embed {
                <footer class="foot">
                    <p>{ "leverlab runs entirely in your browser: no account, no tracking, no network requests after the page loads. Results are estimates from published venue formulas; venues' own engines decide." }</p>
                </footer>
            }
        </div>
    }
}

/// The page's action for an edit of position `i` ([`PosEdit`] from its card).
fn pos_callback(i: usize, d: UseReducerDispatcher<AppState>) -> Callback<PosEdit> {
    Callback::from(move |e: PosEdit| {
        d.dispatch(match e {
            PosEdit::Field(f, t) => Action::SetField(i, f, t),
            PosEdit::Symbol(t) => Action::SetSymbol(i, t),
            PosEdit::Side(x) => Action::SetSide(i, x),
            PosEdit::Contract(c) => Action::SetContract(i, c),
            PosEdit::ToggleAdvanced => Action::ToggleAdvanced(i),
            PosEdit::EditTiers(rows) => Action::EditTiers(i, rows),
            PosEdit::ResetTiers => Action::ResetTiers(i),
            PosEdit::Tier(k, f, t) => Action::SetTier(i, k, f, t),
            PosEdit::AddTier => Action::AddTier(i),
            PosEdit::RemoveTier(k) => Action::RemoveTier(i, k),
            PosEdit::Move(by) => Action::Move(i, by),
            PosEdit::Duplicate => Action::Duplicate(i),
            PosEdit::Remove => Action::Remove(i),
        })
    })
}

/// The form's path for a field, re-exported for tests and the JS API.
pub fn field_path(i: usize, f: PosField) -> String {
    pos_path(i, f.key())
}

/// The notice of a document loaded with problems (`what`: "link", or the file's name).
pub fn repaired_notice(what: &str, problems: &crate::engine::InputErrors) -> String {
    format!(
        "The {what} had {} problem{}, shown under the fields they concern (unknown fields were dropped, unreadable values reset; fix them before trusting the results): {}",
        problems.0.len(),
        if problems.0.len() == 1 { "" } else { "s" },
        codec::listed(problems)
    )
}
