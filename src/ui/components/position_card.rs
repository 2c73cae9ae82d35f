//! One position in the editor: side, symbol, entry, size, leverage, mark, and an "advanced"
//! part with the venue's tier table, fee and overrides. Every problem shows next to its field.
//! The card reports each edit through its `onedit` callback as a [`PosEdit`]; it knows nothing
//! of the page's state (the page turns an edit into its own action).

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::engine::{Contract, MarginMode, Side};
use crate::ui::components::field::NumField;
use crate::ui::form::{pos_path, tier_path, PosField, PosForm, TierField};
use crate::ui::format;
use crate::ui::parse::percent_text;
use crate::engine::Tier;
use crate::ui::state::VenueDefaults;

/// An edit of one position, as the card reports it.
#[derive(Clone, Debug, PartialEq)]
pub enum PosEdit {
    Field(PosField, String),
    Symbol(String),
    Side(Side),
    Contract(Option<Contract>),
    ToggleAdvanced,
    /// Starts overriding the tier table with these (the venue's) rows.
    EditTiers(Vec<Tier>),
    ResetTiers,
    Tier(usize, TierField, String),
    AddTier,
    RemoveTier(usize),
    /// Moves the position up (−1) or down (+1).
    Move(isize),
    Duplicate,
    Remove,
}

#[derive(Properties, PartialEq, Clone)]
pub struct PositionCardProps {
    pub idp: AttrValue,
    pub index: usize,
    pub count: usize,
    pub pos: PosForm,
    /// Problems of this position, by full path.
    pub errors: Rc<Vec<(String, String)>>,
    pub mode: MarginMode,
    /// The contract type in effect (the position's own or the venue's usual one).
    pub contract: Contract,
    /// The currency its amounts are in (`USDT`, `BTC`: [`crate::ui::format::currency`]).
    pub currency: AttrValue,
    /// The venue's own table and fee for this position (when the position evaluates).
    pub defaults: Option<Rc<VenueDefaults>>,
    /// Each edit of this position.
    pub onedit: Callback<PosEdit>,
}

#[function_component(PositionCard)]
pub fn position_card(p: &PositionCardProps) -> Html {
    let i = p.index;
    let d = &p.onedit;
    let err = |path: &str| p.errors.iter().find(|(k, _)| k == path).map(|(_, v)| AttrValue::from(v.clone()));
    let fid = |key: &str| format!("{}-p{}-{key}", p.idp, p.pos.id);
    let num = |f: PosField, hint: Option<String>, placeholder: Option<String>| {
        let d = d.clone();
        let path = pos_path(i, f.key());
        html! {
            <NumField id={fid(f.key())} label={f.label()} value={p.pos.get(f).to_string()}
                error={err(&path)} hint={hint.map(AttrValue::from)} placeholder={placeholder.map(AttrValue::from)}
                path={path.clone()}
                oninput={Callback::from(move |t: String| d.emit(PosEdit::Field(f, t)))} />
        }
    };
    let inverse = p.contract == Contract::Inverse;
    let size_hint = if inverse { "USD contract value" } else { "base units" };
    let amount_unit = p.currency.as_str();

    let on_symbol = {
        let d = d.clone();
        Callback::from(move |e: InputEvent| {
            let el: HtmlInputElement = e.target_unchecked_into();
            d.emit(PosEdit::Symbol(el.value()));
        })
    };
    let side_button = |side: Side, label: &'static str| {
        let d = d.clone();
        let on = p.pos.side == side;
        html! {
            <button type="button" class={classes!("seg", on.then_some("on"), if side == Side::Long { "long" } else { "short" })}
                aria-pressed={if on { "true" } else { "false" }}
                onclick={Callback::from(move |_| d.emit(PosEdit::Side(side)))}>{ label }</button>
        }
    };
    let action = |label: &'static str, aria: String, act: PosEdit, disabled: bool| {
        let d = d.clone();
        html! {
            <button type="button" class="icon" aria-label={aria.clone()} title={aria} {disabled}
                onclick={Callback::from(move |_| d.emit(act.clone()))}>{ label }</button>
        }
    };
    let n = i + 1;
    let adv_errors = p.errors.iter().filter(|(k, _)| {
        PosField::ADVANCED.iter().any(|f| *k == pos_path(i, f.key())) || k.contains(".tiers") || k.ends_with(".contract")
    });
    let adv_error_count = adv_errors.count();
    let advanced_open = p.pos.advanced || adv_error_count > 0;
    let toggle = {
        let d = d.clone();
        Callback::from(move |_| d.emit(PosEdit::ToggleAdvanced))
    };
    let whole = err(&format!("positions[{i}]"));

    html! {
        <li class={classes!("card", "position", if p.pos.side == Side::Long { "is-long" } else { "is-short" })}
            aria-labelledby={fid("title")}>
            <div class="pos-head">
                <h3 id={fid("title")}>{ format!("#{n}") }</h3>
                <div class="segmented" role="group" aria-label={format!("Side of position {n}")}>
                    { side_button(Side::Long, "Long") }
                    { side_button(Side::Short, "Short") }
                </div>
                <div class="field symbol">
                    <label for={fid("symbol")} class="sr-only">{ format!("Symbol of position {n}") }</label>
                    <input id={fid("symbol")} type="text" value={p.pos.symbol.clone()} placeholder="symbol"
                        autocomplete="off" spellcheck="false" oninput={on_symbol} />
                </div>
                <div class="pos-actions">
                    { action("↑", format!("Move position {n} up"), PosEdit::Move(-1), i == 0) }
                    { action("↓", format!("Move position {n} down"), PosEdit::Move(1), i + 1 >= p.count) }
                    { action("❐", format!("Duplicate position {n}"), PosEdit::Duplicate, false) }
                    { action("✕", format!("Remove position {n}"), PosEdit::Remove, false) }
                </div>
            </div>
            if let Some(w) = whole { <p class="field-msg">{ w }</p> }
            <div class="row">
                { num(PosField::EntryPrice, None, Some("e.g. 60,000".into())) }
                { num(PosField::Size, Some(size_hint.into()), Some(if inverse { "e.g. 10,000".into() } else { "e.g. 0.5".into() })) }
                { num(PosField::Leverage, None, Some(if p.mode == MarginMode::Cross { "optional".into() } else { "e.g. 10x".into() })) }
                { num(PosField::MarkPrice, None, Some("= entry".into())) }
            </div>
            <button type="button" class="link adv-toggle" aria-expanded={if advanced_open { "true" } else { "false" }}
                aria-controls={fid("adv")} onclick={toggle}>
                { if advanced_open { "▾ Advanced" } else { "▸ Advanced" } }
                { " — tiers, fees, overrides" }
                if adv_error_count > 0 { <span class="bad">{ format!(" ({adv_error_count} problem{})", if adv_error_count == 1 { "" } else { "s" }) }</span> }
            </button>
            if advanced_open {
                <div class="advanced" id={fid("adv")}>
                    { advanced(p, &num, amount_unit) }
                </div>
            }
        </li>
    }
}

fn advanced(p: &PositionCardProps, num: &dyn Fn(PosField, Option<String>, Option<String>) -> Html, unit: &str) -> Html {
    let i = p.index;
    let d = &p.onedit;
    let on_contract = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let sel: HtmlSelectElement = e.target_unchecked_into();
            let c = match sel.value().as_str() {
                "linear" => Some(Contract::Linear),
                "inverse" => Some(Contract::Inverse),
                _ => None,
            };
            d.emit(PosEdit::Contract(c));
        })
    };
    let cid = format!("{}-p{}-contract", p.idp, p.pos.id);
    let defaults = p.defaults.clone();
    let fee_ph = match &defaults {
        Some(df) if df.fee_counted => format!("venue: {}", percent_text(df.fee_rate)),
        Some(_) => "not counted by venue".to_string(),
        None => String::new(),
    };
    let tiers_html = match (&p.pos.tiers, &defaults) {
        (Some(rows), _) => {
            let reset = {
                let d = d.clone();
                Callback::from(move |_| d.emit(PosEdit::ResetTiers))
            };
            let add = {
                let d = d.clone();
                Callback::from(move |_| d.emit(PosEdit::AddTier))
            };
            html! {
                <>
                <div class="table-wrap">
                <table class="tiers editable">
                    <caption>{ "Your tier table (overrides the venue's)" }</caption>
                    <thead><tr>
                        <th scope="col">{ "#" }</th>
                        { for TierField::ALL.iter().map(|f| html! { <th scope="col">{ f.label() }</th> }) }
                        <th scope="col"><span class="sr-only">{ "Remove" }</span></th>
                    </tr></thead>
                    <tbody>
                    { for rows.iter().enumerate().map(|(k, row)| {
                        let cells = TierField::ALL.iter().map(|&f| {
                            let path = tier_path(i, k, f.key());
                            let e = p.errors.iter().find(|(kk, _)| *kk == path).map(|(_, v)| v.clone());
                            let d = d.clone();
                            let id = format!("{}-p{}-t{k}-{}", p.idp, p.pos.id, f.key());
                            let oninput = Callback::from(move |ev: InputEvent| {
                                let el: HtmlInputElement = ev.target_unchecked_into();
                                d.emit(PosEdit::Tier(k, f, el.value()));
                            });
                            html! {
                                <td class={classes!(e.is_some().then_some("invalid"))}>
                                    <label for={id.clone()} class="sr-only">{ format!("Tier {} {}", k + 1, f.label()) }</label>
                                    <input id={id.clone()} type="text" inputmode="decimal" value={row.get(f).to_string()}
                                        data-path={path} aria-invalid={if e.is_some() { "true" } else { "false" }}
                                        aria-describedby={format!("{id}-msg")} {oninput} />
                                    <span id={format!("{id}-msg")} class="field-msg">{ e.unwrap_or_default() }</span>
                                </td>
                            }
                        });
                        let d = d.clone();
                        html! {
                            <tr>
                                <th scope="row">{ k + 1 }</th>
                                { for cells }
                                <td><button type="button" class="icon" aria-label={format!("Remove tier {}", k + 1)}
                                    onclick={Callback::from(move |_| d.emit(PosEdit::RemoveTier(k)))}>{ "✕" }</button></td>
                            </tr>
                        }
                    }) }
                    </tbody>
                </table>
                </div>
                <div class="buttons">
                    <button type="button" onclick={add}>{ "Add tier" }</button>
                    <button type="button" onclick={reset}>{ "Use the venue's table" }</button>
                </div>
                </>
            }
        }
        (None, Some(df)) => {
            let edit = {
                let d = d.clone();
                let rows = df.tiers.clone();
                Callback::from(move |_| d.emit(PosEdit::EditTiers(rows.clone())))
            };
            let shown = 12usize;
            html! {
                <>
                <div class="table-wrap">
                <table class="tiers">
                    <caption>{ format!("Venue table ({} tier{})", df.tiers.len(), if df.tiers.len() == 1 { "" } else { "s" }) }</caption>
                    <thead><tr>
                        <th scope="col">{ "#" }</th>
                        { for TierField::ALL.iter().map(|f| html! { <th scope="col">{ f.label() }</th> }) }
                    </tr></thead>
                    <tbody>
                    { for df.tiers.iter().take(shown).enumerate().map(|(k, t)| html! {
                        <tr>
                            <th scope="row">{ k + 1 }</th>
                            <td>{ format::num(t.floor) }</td>
                            <td>{ format!("{} %", percent_text(t.mmr)) }</td>
                            <td>{ format::num(t.maint_amount) }</td>
                            <td>{ format::opt(t.max_leverage, format::lev) }</td>
                        </tr>
                    }) }
                    </tbody>
                </table>
                </div>
                if df.tiers.len() > shown { <p class="hint">{ format!("… and {} more tiers (edit the table to see them all).", df.tiers.len() - shown) }</p> }
                <p class="hint">{ format!("Source: {}", df.source) }</p>
                <div class="buttons"><button type="button" onclick={edit}>{ "Edit this table" }</button></div>
                </>
            }
        }
        (None, None) => html! { <p class="hint">{ "The venue's table shows once the position's numbers are valid." }</p> },
    };
    html! {
        <>
            <div class="row">
                <div class="field">
                    <label for={cid.clone()}>{ "Contract" }</label>
                    <select id={cid} onchange={on_contract} data-path={pos_path(i, "contract")}>
                        <option value="" selected={p.pos.contract.is_none()}>{ "Venue's usual" }</option>
                        <option value="linear" selected={p.pos.contract == Some(Contract::Linear)}>{ "Linear (quote-settled)" }</option>
                        <option value="inverse" selected={p.pos.contract == Some(Contract::Inverse)}>{ "Inverse (coin-settled)" }</option>
                    </select>
                </div>
                if p.mode == MarginMode::Isolated {
                    { num(PosField::Margin, Some(unit.to_string()), Some("= notional ÷ leverage".into())) }
                }
                { num(PosField::TakerFee, None, Some(fee_ph)) }
            </div>
            <div class="row">
                { num(PosField::Mmr, None, Some("venue table".into())) }
                { num(PosField::MaintAmount, Some(unit.to_string()), Some("with the rate".into())) }
                { num(PosField::MaxLeverage, None, Some("Hyperliquid-style".into())) }
            </div>
            <p class="hint">{ "Precedence: your tier table, then a flat rate (+ amount), then max leverage (rate = 1 ÷ (2 × max)), then the venue's table." }</p>
            { tiers_html }
        </>
    }
}
