//! The options view (`#view=options`): option positions in an editor (type, strike, expiry,
//! underlying, volatility or a premium to imply it from), the payoff-at-expiry and value-now
//! chart with the Greeks, the multi-asset collateral editor with each asset's value after its
//! haircut and its liquidation price, and the portfolio-margin grid as a heat table with the
//! margin-setting cell marked, beside the standard margin of the same book.
//!
//! The view reads the form itself (an option book has no futures Report, so the calculator's
//! last good Scenario is not the one to show) and asks the worker for everything it shows
//! ([`crate::work::Task::Options`], through the compute entry). Each field keeps its text as
//! typed; a text that does not read as a number gets its message next to the field, and the
//! engine's problems (`positions[0].option.volatility: must be > 0 …`) are shown under the
//! field they name.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::collateral::{CollateralAsset, HaircutTier, TierBasis};
use crate::engine::options::{OptionModel, OptionSpec, OptionType};
use crate::engine::portfolio::{PmModel, PmScenario, PortfolioMargin, VolMove};
use crate::engine::{Contract, MarginMode, Scenario, Side};
use crate::ui::charts::payoff::{payoff_drawing, PayoffChart};
use crate::ui::charts::ChartStyle;
use crate::ui::components::canvas_chart::CanvasChart;
use crate::ui::components::field::NumField;
use crate::ui::form::{friendly, pos_path, Errors, FormState, PosField, PosForm};
use crate::ui::format;
use crate::ui::parse::{parse_number, NumKind};
use crate::ui::state::{Action, AppState};
use crate::ui::worker::use_work;
use crate::work::{OptionsData, Task};

#[derive(Properties, PartialEq, Clone)]
pub struct OptionsViewProps {
    pub idp: AttrValue,
    pub form: FormState,
    pub errors: Rc<Errors>,
    pub style: ChartStyle,
    pub dispatch: UseReducerDispatcher<AppState>,
}

fn select_value(e: &Event) -> String {
    let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
    el.value()
}

/// A number with its unit, or "—".
fn or_dash(v: Option<f64>, f: fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "—".into())
}

fn sig(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    let s = if a >= 1000.0 {
        format::num(v)
    } else if a >= 1.0 {
        format!("{v:.4}")
    } else {
        format!("{v:.6}")
    };
    if s == "-0" || s.starts_with("-0.0000") && s.trim_start_matches("-0.").chars().all(|c| c == '0') { "0".into() } else { s }
}

/// The option section's fields as typed.
#[derive(Clone, Debug, PartialEq)]
struct OptionTexts {
    strike: String,
    expiry: String,
    underlying: String,
    volatility: String,
    rate: String,
}

impl OptionTexts {
    fn of(o: &OptionSpec) -> Self {
        let t = |v: f64| crate::ui::parse::field_text(v);
        OptionTexts {
            strike: t(o.strike),
            expiry: match (&o.expiry, o.expiry_years) {
                (Some(e), _) => e.clone(),
                (None, Some(y)) => t(y),
                (None, None) => String::new(),
            },
            underlying: t(o.underlying_price),
            // In percent, without the float noise of × 100 (0.55 → 55, not 55.00000000000001).
            volatility: o.volatility.map(|v| t((v * 1e11).round() / 1e9)).unwrap_or_default(),
            rate: o.rate.map(|v| t((v * 1e11).round() / 1e9)).unwrap_or_default(),
        }
    }

    /// The section these texts give on top of `base` (type, model, settlement and yield are
    /// chosen, not typed), or the problems by field key.
    fn apply(&self, base: &OptionSpec) -> Result<OptionSpec, Vec<(&'static str, String)>> {
        let mut errs = Vec::new();
        let mut num = |key: &'static str, text: &str, kind: NumKind, required: bool| match parse_number(text, kind) {
            Ok(Some(v)) => Some(v),
            Ok(None) => {
                if required {
                    errs.push((key, "required".to_string()));
                }
                None
            }
            Err(e) => {
                errs.push((key, e));
                None
            }
        };
        let strike = num("strike", &self.strike, NumKind::Amount, true);
        let underlying = num("underlying_price", &self.underlying, NumKind::Amount, true);
        let volatility = num("volatility", &self.volatility, NumKind::Percent, false);
        let rate = num("rate", &self.rate, NumKind::Percent, false);
        let (expiry_years, expiry) = match read_expiry(&self.expiry) {
            Ok(x) => x,
            Err(e) => {
                errs.push(("expiry_years", e));
                (None, None)
            }
        };
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(OptionSpec {
            strike: strike.unwrap_or(1.0),
            underlying_price: underlying.unwrap_or(1.0),
            volatility,
            rate,
            expiry_years,
            expiry,
            ..base.clone()
        })
    }
}

/// An expiry as typed: years (`0.25`), days (`90d`), or a date (`2026-03-27`, 08:00 UTC as on
/// Deribit, or a full RFC 3339 time).
fn read_expiry(text: &str) -> Result<(Option<f64>, Option<String>), String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("required: years (0.25), days (90d) or a date (2026-03-27)".into());
    }
    if let Some(d) = t.strip_suffix(['d', 'D']) {
        return match d.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => Ok((Some(v / 365.0), None)),
            _ => Err(format!("`{t}` is not a number of days (90d)")),
        };
    }
    if t.len() >= 10 && t.as_bytes()[4] == b'-' {
        let full = if t.len() == 10 { format!("{t}T08:00:00Z") } else { t.to_string() };
        return Ok((None, Some(full)));
    }
    match parse_number(t, NumKind::Amount) {
        Ok(Some(v)) => Ok((Some(v), None)),
        Ok(None) => Err("required".into()),
        Err(_) => Err(format!("`{t}` is not years (0.25), days (90d) or a date (2026-03-27)")),
    }
}

#[derive(Properties, PartialEq, Clone)]
struct OptionRowProps {
    idp: AttrValue,
    index: usize,
    pos: PosForm,
    spec: OptionSpec,
    errors: Rc<Errors>,
    now: Option<String>,
    dispatch: UseReducerDispatcher<AppState>,
}

#[function_component(OptionRow)]
fn option_row(p: &OptionRowProps) -> Html {
    let texts = use_state(|| OptionTexts::of(&p.spec));
    let local = use_state(Vec::<(&'static str, String)>::new);
    // A section changed from elsewhere (a loaded file): show its values.
    {
        let texts = texts.clone();
        let local = local.clone();
        let cur = (*texts).clone();
        use_effect_with(p.spec.clone(), move |spec| {
            if cur.apply(spec).as_ref() != Ok(spec) {
                texts.set(OptionTexts::of(spec));
                local.set(Vec::new());
            }
        });
    }
    let i = p.index;
    let path = |k: &str| format!("positions[{i}].option.{k}");
    let engine_err = |k: &str| p.errors.get(&path(k)).cloned();
    let err = |k: &'static str| local.iter().find(|(x, _)| *x == k).map(|(_, e)| e.clone()).or_else(|| engine_err(k)).map(AttrValue::from);
    let edit = |key: &'static str| {
        let texts = texts.clone();
        let local = local.clone();
        let spec = p.spec.clone();
        let d = p.dispatch.clone();
        let needs_now = p.now.is_none();
        Callback::from(move |v: String| {
            let mut t = (*texts).clone();
            match key {
                "strike" => t.strike = v,
                "expiry_years" => t.expiry = v,
                "underlying_price" => t.underlying = v,
                "volatility" => t.volatility = v,
                _ => t.rate = v,
            }
            match t.apply(&spec) {
                Ok(o) => {
                    if o.expiry.is_some() && needs_now {
                        d.dispatch(Action::SetNow(Some(now_utc())));
                    }
                    local.set(Vec::new());
                    d.dispatch(Action::SetOption(i, Some(Box::new(o))));
                }
                Err(e) => local.set(e),
            }
            texts.set(t);
        })
    };
    let choose = {
        let d = p.dispatch.clone();
        let spec = p.spec.clone();
        move |f: fn(&mut OptionSpec, &str)| {
            let d = d.clone();
            let spec = spec.clone();
            Callback::from(move |e: Event| {
                let mut o = spec.clone();
                f(&mut o, &select_value(&e));
                d.dispatch(Action::SetOption(i, Some(Box::new(o))));
            })
        }
    };
    let pos_field = |f: PosField, label: &'static str, hint: &'static str| {
        let d = p.dispatch.clone();
        let pp = pos_path(i, f.key());
        html! {
            <NumField id={format!("{}-o{}-{}", p.idp, p.pos.id, f.key())} label={label} hint={hint}
                value={p.pos.get(f).to_string()} path={pp.clone()}
                error={p.errors.get(&pp).cloned().map(AttrValue::from)}
                oninput={Callback::from(move |v| d.dispatch(Action::SetField(i, f, v)))} />
        }
    };
    let opt_field = |key: &'static str, label: &'static str, hint: &'static str, value: &str| {
        html! {
            <NumField id={format!("{}-o{}-{}", p.idp, p.pos.id, key)} label={label} hint={hint}
                value={value.to_string()} path={path(key)} error={err(key)} oninput={edit(key)} />
        }
    };
    let side = {
        let d = p.dispatch.clone();
        Callback::from(move |e: Event| d.dispatch(Action::SetSide(i, if select_value(&e) == "short" { Side::Short } else { Side::Long })))
    };
    let symbol = {
        let d = p.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            d.dispatch(Action::SetSymbol(i, el.value()))
        })
    };
    let remove = {
        let d = p.dispatch.clone();
        Callback::from(move |_| d.dispatch(Action::Remove(i)))
    };
    let o = &p.spec;
    let id = |k: &str| format!("{}-o{}-{k}", p.idp, p.pos.id);
    // The expiry's problem may be at expiry_years, expiry or the Scenario's now.
    let expiry_err = err("expiry_years").or_else(|| engine_err("expiry").map(AttrValue::from)).or_else(|| p.errors.get("now").cloned().map(AttrValue::from));
    let expiry_text = texts.expiry.clone();
    html! {
        <fieldset class="option-row" data-index={i.to_string()}>
            <legend>{ format!("#{} option", i + 1) }</legend>
            <div class="row">
                <div class="field">
                    <label for={id("symbol")}>{ "Symbol" }</label>
                    <input id={id("symbol")} type="text" value={p.pos.symbol.clone()} oninput={symbol} autocomplete="off" spellcheck="false" />
                </div>
                <div class="field">
                    <label for={id("side")}>{ "Side" }</label>
                    <select id={id("side")} onchange={side}>
                        <option value="long" selected={p.pos.side == Side::Long}>{ "Long (bought)" }</option>
                        <option value="short" selected={p.pos.side == Side::Short}>{ "Short (sold)" }</option>
                    </select>
                </div>
                <div class="field">
                    <label for={id("type")}>{ "Type" }</label>
                    <select id={id("type")} data-path={path("type")} onchange={choose(|o, v| o.kind = if v == "put" { OptionType::Put } else { OptionType::Call })}>
                        <option value="call" selected={o.kind == OptionType::Call}>{ "Call" }</option>
                        <option value="put" selected={o.kind == OptionType::Put}>{ "Put" }</option>
                    </select>
                </div>
                { opt_field("strike", "Strike", "quote", &texts.strike) }
                <NumField id={id("expiry")} label="Expiry" hint="years, 90d or a date" value={expiry_text} path={path("expiry_years")} error={expiry_err} oninput={edit("expiry_years")} />
                { opt_field("underlying_price", "Underlying price", "spot or forward", &texts.underlying) }
                { pos_field(PosField::Size, "Size", "contracts of 1 unit") }
                { pos_field(PosField::EntryPrice, "Premium paid", "per unit, settlement asset") }
                { opt_field("volatility", "Volatility", "% a year; empty: implied", &texts.volatility) }
                { pos_field(PosField::MarkPrice, "Premium now", "→ implied volatility") }
                { opt_field("rate", "Rate", "% a year", &texts.rate) }
                <div class="field">
                    <label for={id("settlement")}>{ "Settlement" }</label>
                    <select id={id("settlement")} onchange={choose(|o, v| o.settlement = match v { "linear" => Some(Contract::Linear), "inverse" => Some(Contract::Inverse), _ => None })}>
                        <option value="" selected={o.settlement.is_none()}>{ "Venue's usual" }</option>
                        <option value="inverse" selected={o.settlement == Some(Contract::Inverse)}>{ "Inverse (coin)" }</option>
                        <option value="linear" selected={o.settlement == Some(Contract::Linear)}>{ "Linear (quote)" }</option>
                    </select>
                </div>
                <div class="field">
                    <label for={id("model")}>{ "Model" }</label>
                    <select id={id("model")} data-path={path("model")} onchange={choose(|o, v| o.model = match v { "black-76" => Some(OptionModel::Black76), "garman-kohlhagen" => Some(OptionModel::GarmanKohlhagen), _ => Some(OptionModel::BlackScholes) })}>
                        <option value="black-scholes" selected={o.model.unwrap_or_default() == OptionModel::BlackScholes}>{ "Black-Scholes (spot)" }</option>
                        <option value="black-76" selected={o.model == Some(OptionModel::Black76)}>{ "Black-76 (forward)" }</option>
                        <option value="garman-kohlhagen" selected={o.model == Some(OptionModel::GarmanKohlhagen)}>{ "Garman-Kohlhagen" }</option>
                    </select>
                </div>
            </div>
            <button type="button" class="link" onclick={remove}>{ "Remove" }</button>
        </fieldset>
    }
}

/// The current time as RFC 3339 (the Scenario's `now` when an expiry is typed as a date).
fn now_utc() -> String {
    let d = js_sys::Date::new_0();
    let iso = d.to_iso_string().as_string().unwrap_or_default();
    // 2026-01-01T12:34:56.789Z → drop the milliseconds.
    match iso.split_once('.') {
        Some((head, _)) => format!("{head}Z"),
        None => iso,
    }
}

/// A new option position: an at-the-money call on the book's first underlying (or BTC at
/// 60,000), 30 days, 55 % volatility.
fn new_option(form: &FormState, kind: OptionType) -> PosForm {
    let under = form
        .positions
        .iter()
        .find_map(|p| p.option.as_ref().map(|o| o.underlying_price))
        .or_else(|| form.positions.iter().find_map(|p| parse_number(&p.mark_price, NumKind::Amount).ok().flatten().or(parse_number(&p.entry_price, NumKind::Amount).ok().flatten())))
        .unwrap_or(60_000.0);
    let strike = {
        let step = 10f64.powf((under.log10() - 1.0).floor().max(0.0));
        (under / step).round() * step
    };
    let coin = form.positions.first().map(|p| crate::engine::tables::base_coin(&p.symbol)).unwrap_or_else(|| "BTC".into());
    let spec = OptionSpec {
        kind,
        strike,
        expiry_years: Some(30.0 / 365.0),
        expiry: None,
        underlying_price: under,
        volatility: Some(0.55),
        rate: None,
        dividend_yield: None,
        model: None,
        settlement: None,
    };
    let t = crate::ui::parse::field_text;
    // Bought at its model value (in coin for an inverse option), so it starts at zero P&L.
    let quote = crate::engine::options::model_inputs(&spec, 30.0 / 365.0, 0.55).price();
    let premium = match crate::engine::venue::default_contract(form.venue) {
        Contract::Inverse => quote / under,
        Contract::Linear => quote,
    };
    let premium = if premium.is_finite() && premium > 0.0 { (premium * 1e6).round() / 1e6 } else { 0.01 };
    // Deribit's name: COIN-DMMMYY-STRIKE-C|P, the expiry 30 days from now (the engine reads the
    // coin from this shape).
    let e = js_sys::Date::new(&(js_sys::Date::now() + 30.0 * 86_400_000.0).into());
    const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    let date = format!("{}{}{:02}", e.get_utc_date(), MONTHS[(e.get_utc_month() as usize).min(11)], e.get_utc_full_year() % 100);
    PosForm {
        symbol: format!("{coin}-{date}-{}-{}", t(strike).replace(',', ""), if kind == OptionType::Call { "C" } else { "P" }),
        side: Side::Long,
        size: "1".into(),
        entry_price: t(premium.max(1e-6)),
        option: Some(spec),
        ..PosForm::default()
    }
}

/// The colour class of a P&L cell: `loss1`…`loss5` or `gain1`…`gain5`, stronger with its size
/// against the table's largest (the page's CSP allows no inline style).
fn heat(v: f64, scale: f64) -> String {
    let k = if scale > 0.0 { ((v.abs() / scale) * 5.0).ceil().clamp(1.0, 5.0) as u8 } else { 1 };
    if v < 0.0 {
        format!("loss{k}")
    } else {
        format!("gain{k}")
    }
}

fn vol_label(v: VolMove, weight: f64) -> String {
    let s = match v {
        VolMove::Up => "vol up",
        VolMove::Same => "vol same",
        VolMove::Down => "vol down",
    };
    if weight < 1.0 && weight > 0.0 {
        format!("{s} (extreme, {:.0} % counted)", weight * 100.0)
    } else {
        s.to_string()
    }
}

/// The grid as rows of volatility moves × columns of price moves: `(row label, [(move,
/// scenario index)])`, moves ascending.
fn heat_rows(scenarios: &[PmScenario]) -> (Vec<f64>, Vec<(String, Vec<Option<usize>>)>) {
    let mut moves: Vec<f64> = Vec::new();
    for s in scenarios {
        if !moves.iter().any(|m| (m - s.price_move).abs() < 1e-12) {
            moves.push(s.price_move);
        }
    }
    moves.sort_by(f64::total_cmp);
    let mut rows: Vec<(String, Vec<Option<usize>>)> = Vec::new();
    for (k, s) in scenarios.iter().enumerate() {
        let label = vol_label(s.volatility, s.weight);
        let col = moves.iter().position(|m| (m - s.price_move).abs() < 1e-12).unwrap_or(0);
        match rows.iter_mut().find(|(l, _)| *l == label) {
            Some((_, cells)) => cells[col] = Some(k),
            None => {
                let mut cells = vec![None; moves.len()];
                cells[col] = Some(k);
                rows.push((label, cells));
            }
        }
    }
    (moves, rows)
}

#[function_component(OptionsView)]
pub fn options_view(p: &OptionsViewProps) -> Html {
    let scenario = use_memo(p.form.clone(), |f| f.to_scenario().ok().map(Rc::new));
    let scenario: Option<Rc<Scenario>> = (*scenario).clone();
    let work = use_work::<OptionsData>(scenario.as_ref().map(|_| Task::Options), scenario.clone());
    let d = p.dispatch.clone();
    let add = |kind: OptionType| {
        let d = d.clone();
        let form = p.form.clone();
        Callback::from(move |_| d.dispatch(Action::AddOption(Box::new(new_option(&form, kind)))))
    };
    let options: Vec<(usize, &PosForm, &OptionSpec)> =
        p.form.positions.iter().enumerate().filter_map(|(i, x)| x.option.as_ref().map(|o| (i, x, o))).collect();
    let futures: Vec<(usize, &PosForm)> = p.form.positions.iter().enumerate().filter(|(_, x)| x.option.is_none()).collect();
    let data = work.data.as_deref();
    let updating = html! { if work.pending { <span class="updating" role="status">{ " updating…" }</span> } };
    let form_problem = scenario.is_none();

    // ---- the editor
    let editor = html! {
        <section class="card options-editor" aria-labelledby={format!("{}-opt-ed", p.idp)}>
            <h2 id={format!("{}-opt-ed", p.idp)}>{ "Option positions" }</h2>
            <p class="hint">{ "European options, priced with generalised Black-Scholes (carry b = rate − yield; Black-76 on a forward). Leave the volatility empty and give the premium now to imply it. Inverse (coin-settled, Deribit) premiums are in coin." }</p>
            { for options.iter().map(|(i, pos, o)| html! {
                <OptionRow key={pos.id} idp={p.idp.clone()} index={*i} pos={(*pos).clone()} spec={(*o).clone()}
                    errors={p.errors.clone()} now={p.form.now.clone()} dispatch={p.dispatch.clone()} />
            }) }
            if !futures.is_empty() {
                <p class="hint">{ format!("Futures in the same book (edited in the calculator): {}.", futures.iter().map(|(i, f)| format!("#{} {} {} {}", i + 1, f.symbol, if f.side == Side::Long { "long" } else { "short" }, f.size)).collect::<Vec<_>>().join(", ")) }</p>
            }
            <div class="row-actions">
                <button type="button" onclick={add(OptionType::Call)}>{ "+ Add a call" }</button>
                <button type="button" onclick={add(OptionType::Put)}>{ "+ Add a put" }</button>
            </div>
            if form_problem { <p class="bad" role="alert">{ "Some fields need fixing (marked here or in the calculator) before the book can be valued." }</p> }
        </section>
    };

    // ---- payoff chart + greeks
    let greeks_card = match data {
        None => html! { <section class="card"><p class="hint building" role="status">{ if form_problem { "Waiting for valid input…" } else { "Computing…" } }</p></section> },
        Some(Err(e)) => html! { <section class="card"><p class="bad">{ e.clone() }</p></section> },
        Some(Ok(d)) => {
            let unit = match &d.portfolio {
                Ok(r) if r.settlement != "quote" => r.settlement.clone(),
                _ => d.greeks.as_ref().ok().and_then(|g| g.first()).map(|g| if g.settlement == Contract::Inverse { crate::engine::tables::base_coin(&g.symbol) } else { "quote".into() }).unwrap_or_else(|| "quote".into()),
            };
            let chart = match &d.payoff {
                Ok(points) => {
                    let price = points.iter().find(|x| x.price_move.abs() < 1e-12).map(|x| x.price).unwrap_or_else(|| points.get(points.len() / 2).map_or(0.0, |x| x.price));
                    let strikes = options.iter().map(|(_, _, o)| o.strike).collect();
                    let drawing = payoff_drawing(PayoffChart { points: points.clone(), price, strikes, unit: unit.clone() });
                    html! { <CanvasChart drawing={drawing} style={p.style.clone()} height={300} /> }
                }
                Err(e) => html! { <p class="bad" data-part="payoff">{ e.clone() }</p> },
            };
            let table = match &d.greeks {
                Ok(g) if g.is_empty() => html! { <p class="hint">{ "No option positions: add a call or a put." }</p> },
                Ok(g) => html! {
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Greeks (scrolls sideways)">
                    <table class="greeks-table">
                        <thead><tr>
                            <th scope="col">{ "Option" }</th><th scope="col">{ "Vol." }</th><th scope="col">{ "Price / unit" }</th>
                            <th scope="col">{ "Delta" }</th><th scope="col">{ "Gamma" }</th><th scope="col">{ "Vega / 1 pt" }</th>
                            <th scope="col">{ "Theta / day" }</th><th scope="col">{ "Rho" }</th><th scope="col">{ "Breakeven" }</th>
                            <th scope="col">{ "Position Δ" }</th><th scope="col">{ "IM / MM (standard)" }</th>
                        </tr></thead>
                        <tbody>
                        { for g.iter().map(|x| {
                            let coin = x.settlement == Contract::Inverse;
                            html! {
                                <tr data-index={x.index.to_string()}>
                                    <th scope="row">{ format!("#{} {} {} {} {} K {}", x.index + 1, if x.side == Side::Long { "long" } else { "short" }, format::num(x.size), if x.kind == OptionType::Call { "call" } else { "put" }, x.symbol, format::price(x.strike)) }
                                        <br/><span class="unit">{ format!("{:.1} days · {}", x.expiry_years * 365.0, if coin { "inverse" } else { "linear" }) }</span></th>
                                    <td class="vol" data-value={x.volatility.to_string()}>{ format!("{:.2} %", x.volatility * 100.0) }
                                        if x.implied_volatility.is_some() { <br/><span class="unit">{ "implied" }</span> }</td>
                                    <td class="price" data-value={x.value.price.to_string()}>{ sig(x.value.price) }
                                        if let Some(c) = x.price_coin { <br/><span class="unit">{ format!("{} coin", sig(c)) }</span> }</td>
                                    <td class="delta" data-value={x.value.delta.to_string()}>{ sig(x.value.delta) }
                                        if let Some(c) = x.delta_coin { <br/><span class="unit" title="Deribit's delta: model delta minus the premium in coin">{ format!("{} coin Δ", sig(c)) }</span> }</td>
                                    <td>{ sig(x.value.gamma) }</td>
                                    <td>{ sig(x.vega_per_point) }</td>
                                    <td class="theta" data-value={x.theta_per_day.to_string()}>{ sig(x.theta_per_day) }</td>
                                    <td>{ sig(x.value.rho) }</td>
                                    <td class="breakeven">{ or_dash(x.breakeven, format::price) }</td>
                                    <td>{ sig(x.position_delta) }</td>
                                    <td>{ match (x.initial_margin, x.maintenance_margin) { (Some(a), Some(b)) => format!("{} / {}", sig(a), sig(b)), _ => "—".into() } }</td>
                                </tr>
                            }
                        }) }
                        </tbody>
                    </table>
                    </div>
                },
                Err(e) => html! { <p class="bad" data-part="greeks">{ e.clone() }</p> },
            };
            html! {
                <section class="card payoff" aria-labelledby={format!("{}-payoff", p.idp)}>
                    <h2 id={format!("{}-payoff", p.idp)}>{ "Payoff and Greeks" }</h2>
                    <p class="hint">{ format!("P&L of the whole book in {unit}: at the options' expiry, and if the underlying moved now (volatility and time held). Greeks per unit, long, in quote: vega per volatility point, theta per calendar day (365-day year: the market never closes).") }{ updating.clone() }</p>
                    { chart }
                    { table }
                </section>
            }
        }
    };

    html! { <div class="outputs wide options-grid">
        <div class="inputs">
            { editor }
            <CollateralEditor idp={p.idp.clone()} list={p.form.collateral.clone()} errors={p.errors.clone()} dispatch={p.dispatch.clone()} />
        </div>
        <div class="outputs">
            { greeks_card }
            if let Some(Ok(d)) = data {
                if let Some(c) = &d.collateral { { collateral_results(&p.idp, c) } }
            }
            { portfolio_card(&p.idp, data.and_then(|r| r.as_ref().ok()), &p.form, &p.errors, &p.dispatch) }
        </div>
    </div> }
}

fn collateral_results(idp: &str, c: &Result<crate::engine::collateral::CollateralReport, String>) -> Html {
    let body = match c {
        Err(e) => html! { <p class="bad" data-part="collateral">{ e.clone() }</p> },
        Ok(r) => html! { <>
            <dl class="kv">
                <dt>{ "Collateral value (after haircuts)" }</dt><dd class="collateral-value" data-value={r.account.collateral_value.to_string()}>{ format::num(r.account.collateral_value) }</dd>
                <dt>{ "Equity" }</dt><dd>{ format::num(r.account.equity) }</dd>
                <dt>{ "Maintenance margin" }</dt><dd>{ format::num(r.account.maintenance_margin) }</dd>
                <dt>{ "Margin ratio" }</dt><dd>{ or_dash(r.account.margin_ratio, format::pct) }</dd>
            </dl>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Collateral assets (scrolls sideways)">
            <table class="collateral-table">
                <thead><tr><th scope="col">{ "Asset" }</th><th scope="col">{ "Amount" }</th><th scope="col">{ "Market value" }</th><th scope="col">{ "Value after haircut" }</th><th scope="col">{ "Ratio" }</th><th scope="col">{ "Liquidation price" }</th><th scope="col">{ "Distance" }</th></tr></thead>
                <tbody>
                { for r.collateral.iter().enumerate().map(|(k, row)| html! {
                    <tr data-index={k.to_string()}>
                        <th scope="row">{ row.asset.clone() }</th>
                        <td>{ format::num(row.amount) }</td>
                        <td>{ format::num(row.market_value) }</td>
                        <td class="value" data-value={row.value.to_string()}>{ format::num(row.value) }</td>
                        <td>{ or_dash(row.effective_ratio, format::pct) }</td>
                        <td class="liq" data-value={row.liquidation_price.map(|x| x.to_string()).unwrap_or_default()}>{ or_dash(row.liquidation_price, format::price) }
                            if let Some(n) = &row.note { <br/><span class="unit">{ n.clone() }</span> }</td>
                        <td>{ row.distance.map(|x| format!("{:+.2} %", x * 100.0)).unwrap_or_else(|| "—".into()) }</td>
                    </tr>
                }) }
                </tbody>
            </table>
            </div>
        </> },
    };
    html! {
        <section class="card collateral-results" aria-labelledby={format!("{idp}-coll-r")}>
            <h2 id={format!("{idp}-coll-r")}>{ "Collateral" }</h2>
            <p class="hint">{ "Each asset's value after its haircut (loans with their buffer), and the price of that asset, everything else held, at which the account reaches its maintenance margin." }</p>
            { body }
        </section>
    }
}

fn portfolio_card(idp: &str, d: Option<&OptionsData>, form: &FormState, errors: &Rc<Errors>, dispatch: &UseReducerDispatcher<AppState>) -> Html {
    let pm = form.portfolio_margin.clone().unwrap_or_default();
    let model = pm.model.unwrap_or_default();
    let set_model = {
        let d = dispatch.clone();
        let pm = pm.clone();
        Callback::from(move |e: Event| {
            let m = match select_value(&e).as_str() {
                "span" => PmModel::Span,
                "binance" => PmModel::Binance,
                _ => PmModel::Deribit,
            };
            // Another model's parameters mean nothing under this one: keep only the model. A
            // model is a portfolio account's: choosing one puts the account in portfolio mode.
            let next = if Some(m) == pm.model { pm.clone() } else { PortfolioMargin { model: Some(m), ..PortfolioMargin::default() } };
            d.dispatch(Action::SetMode(MarginMode::Portfolio));
            d.dispatch(Action::SetPortfolioMargin(Some(next)));
        })
    };
    let set_mode = {
        let d = dispatch.clone();
        let on = form.margin_mode == MarginMode::Portfolio;
        Callback::from(move |_| {
            if on {
                // portfolio_margin means nothing outside portfolio mode.
                d.dispatch(Action::SetPortfolioMargin(None));
            }
            d.dispatch(Action::SetMode(if on { MarginMode::Cross } else { MarginMode::Portfolio }))
        })
    };
    let span_fields = if model == PmModel::Span {
        let field = |key: &'static str, label: &'static str, hint: &'static str, value: Option<f64>| {
            let d = dispatch.clone();
            let pm = pm.clone();
            let set = Callback::from(move |v: Option<f64>| {
                let mut next = pm.clone();
                match key {
                    "price_scan_range" => next.price_scan_range = v,
                    _ => next.volatility_scan_range = v,
                }
                d.dispatch(Action::SetPortfolioMargin(Some(next)));
            });
            let path = format!("portfolio_margin.{key}");
            html! { <PercentField id={format!("{idp}-pm-{key}")} {label} {hint} {value} error={errors.get(&path).cloned()} {path} onset={set} /> }
        };
        html! { <>
            { field("price_scan_range", "Price scan range", "% of the price; the clearing house's", pm.price_scan_range) }
            { field("volatility_scan_range", "Volatility scan range", "vol. points; needed with options", pm.volatility_scan_range) }
        </> }
    } else {
        html! {}
    };
    let Some(d) = d else {
        return html! {
            <section class="card portfolio" aria-labelledby={format!("{idp}-pm")}>
                <h2 id={format!("{idp}-pm")}>{ "Portfolio margin" }</h2>
                <div class="row">{ span_fields }</div>
            </section>
        };
    };
    let body = match &d.portfolio {
        Err(e) => html! { <>
            <p class="bad" data-part="portfolio">{ e.clone() }</p>
            if let Some(u) = &d.unimmr {
                <dl class="kv">
                    <dt>{ "uniMMR" }</dt><dd class="unimmr">{ or_dash(u.uni_mmr, format::pct) }</dd>
                    <dt>{ "Status" }</dt><dd>{ u.status.clone() }</dd>
                    <dt>{ "Adjusted equity" }</dt><dd>{ format::num(u.adjusted_equity) }</dd>
                    <dt>{ "Maintenance margin" }</dt><dd>{ format::num(u.maintenance_margin) }</dd>
                </dl>
            }
        </> },
        Ok(r) => {
            let (moves, rows) = heat_rows(&r.scenarios);
            let scale = r.scenarios.iter().map(|s| s.pnl.abs()).fold(0.0, f64::max);
            // The cell that sets the margin, when it is in the standard table.
            let worst = if r.worst_table == "standard" { r.worst_scenario } else { usize::MAX };
            let ext_worst = if r.worst_table == "extended" { r.worst_scenario } else { usize::MAX };
            let mv = |x: f64| format!("{:+.1} %", x * 100.0);
            let st = &r.standard;
            let liq = |m: Option<f64>| m.map(mv).unwrap_or_else(|| "none in range".into());
            html! { <>
                <div class="table-wrap" tabindex="0" role="region" aria-label="Portfolio-margin scenarios (scrolls sideways)">
                <table class="pm-heat">
                    <caption>{ format!("P&L per scenario, {} (✕ sets the margin)", r.settlement) }</caption>
                    <thead><tr><th scope="col">{ "Volatility \\ price" }</th>
                        { for moves.iter().map(|m| html! { <th scope="col">{ mv(*m) }</th> }) }</tr></thead>
                    <tbody>
                    { for rows.iter().map(|(label, cells)| html! {
                        <tr><th scope="row">{ label.clone() }</th>
                        { for cells.iter().map(|c| match c {
                            Some(k) => {
                                let s = &r.scenarios[*k];
                                let is_worst = *k == worst;
                                html! { <td class={classes!("cell", heat(s.pnl, scale), is_worst.then_some("worst"))}
                                    data-value={s.pnl.to_string()} title={format!("{} · {}: {}", mv(s.price_move), vol_label(s.volatility, s.weight), sig(s.pnl))}>
                                    if is_worst { <span class="mark" aria-label="sets the margin">{ "✕ " }</span> }{ sig(s.pnl) }</td> }
                            }
                            None => html! { <td class="cell empty">{ "" }</td> },
                        }) }
                        </tr>
                    }) }
                    </tbody>
                </table>
                </div>
                if !r.extended.is_empty() {
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Deribit's extended table (scrolls sideways)">
                    <table class="pm-extended">
                        <caption>{ format!("Extended table (volatility up; loss × {} less the {} USD dampener counts)", r.parameters.extended_table_factor, format::num(r.parameters.extended_dampener)) }</caption>
                        <thead><tr><th scope="col">{ "" }</th>{ for r.extended.iter().map(|e| html! { <th scope="col">{ mv(e.price_move) }</th> }) }</tr></thead>
                        <tbody>
                            <tr><th scope="row">{ "P&L" }</th>{ for r.extended.iter().enumerate().map(|(k, e)| html! {
                                <td class={classes!("cell", heat(e.pnl, scale.max(e.pnl.abs())), (k == ext_worst).then_some("worst"))} data-value={e.pnl.to_string()}>
                                    if k == ext_worst { <span class="mark" aria-label="sets the margin">{ "✕ " }</span> }{ sig(e.pnl) }</td>
                            }) }</tr>
                            <tr><th scope="row">{ "Counted loss" }</th>{ for r.extended.iter().map(|e| html! { <td class="counted" data-value={e.counted_loss.to_string()}>{ sig(e.counted_loss) }</td> }) }</tr>
                        </tbody>
                    </table>
                    </div>
                }
                if !r.options.is_empty() {
                    <p class="hint">{ format!("Shocked volatilities: {}.", r.options.iter().map(|o| format!("#{} {:.1} % → up {:.1} %, down {:.1} % ({:.0} days)", o.index + 1, o.volatility * 100.0, o.vol_up * 100.0, o.vol_down * 100.0, o.days_to_expiry)).collect::<Vec<_>>().join("; ")) }</p>
                }
                <div class="table-wrap" tabindex="0" role="region" aria-label="Standard vs portfolio margin (scrolls sideways)">
                <table class="pm-compare">
                    <caption>{ format!("Standard vs portfolio margin, {}", r.settlement) }</caption>
                    <thead><tr><th scope="col">{ "" }</th><th scope="col">{ "Standard" }</th><th scope="col">{ "Portfolio" }</th></tr></thead>
                    <tbody>
                        <tr><th scope="row">{ "Initial margin" }</th><td class="std-im" data-value={st.initial_margin.to_string()}>{ sig(st.initial_margin) }</td><td class="pm-im" data-value={r.initial_margin.to_string()}>{ sig(r.initial_margin) }</td></tr>
                        <tr><th scope="row">{ "Maintenance margin" }</th><td class="std-mm" data-value={st.maintenance_margin.to_string()}>{ sig(st.maintenance_margin) }</td><td class="pm-mm" data-value={r.maintenance_margin.to_string()}>{ sig(r.maintenance_margin) }</td></tr>
                        <tr><th scope="row">{ "of which options" }</th><td>{ format!("{} / {}", sig(st.options_initial_margin), sig(st.options_maintenance_margin)) }</td><td>{ format!("worst loss {} + contingencies {}", sig(r.worst_loss), sig(r.option_contingency + r.futures_contingency)) }</td></tr>
                        <tr><th scope="row">{ "Liquidation (fall / rise)" }</th><td>{ format!("{} / {}", liq(st.down_move), liq(st.up_move)) }</td><td class="pm-liq">{ format!("{} / {}", liq(r.liquidation.down_move), liq(r.liquidation.up_move)) }</td></tr>
                        <tr><th scope="row">{ "Equity" }</th><td colspan="2">{ sig(r.equity) }</td></tr>
                    </tbody>
                </table>
                </div>
                <p class="hint">{ r.parameters.source.clone() }</p>
            </> }
        }
    };
    html! {
        <section class="card portfolio" aria-labelledby={format!("{idp}-pm")}>
            <h2 id={format!("{idp}-pm")}>{ "Portfolio margin" }</h2>
            <div class="row">
                <div class="field">
                    <label for={format!("{idp}-pm-model")}>{ "Model" }</label>
                    <select id={format!("{idp}-pm-model")} onchange={set_model}>
                        <option value="deribit" selected={model == PmModel::Deribit}>{ "Deribit PM (scenario grid)" }</option>
                        <option value="span" selected={model == PmModel::Span}>{ "CME SPAN (16 scenarios)" }</option>
                        <option value="binance" selected={model == PmModel::Binance}>{ "Binance PM (uniMMR)" }</option>
                    </select>
                </div>
                <div class="field">
                    <label><input type="checkbox" checked={form.margin_mode == MarginMode::Portfolio} onchange={set_mode} />{ " The account is in portfolio mode" }</label>
                </div>
                { span_fields }
            </div>
            if d.portfolio_as_if { <p class="hint">{ "The account is not in portfolio mode: the grid shows what portfolio margin would ask of the same book." }</p> }
            { body }
        </section>
    }
}

// ---------------------------------------------------------------- collateral editor

/// One collateral row as typed.
#[derive(Clone, Debug, PartialEq, Default)]
struct CollTexts {
    asset: String,
    amount: String,
    price: String,
    /// A flat ratio (`0.95`) or tiers (`0:0.98, 10:0.95`).
    haircut: String,
    basis: TierBasis,
    buffer: String,
}

impl CollTexts {
    fn of(c: &CollateralAsset) -> Self {
        let t = crate::ui::parse::field_text;
        let haircut = match (&c.haircut_tiers, c.ratio) {
            (Some(tiers), _) => tiers.iter().map(|x| format!("{}:{}", t(x.floor).replace(',', ""), x.ratio)).collect::<Vec<_>>().join(", "),
            (None, Some(r)) => format!("{r}"),
            (None, None) => String::new(),
        };
        CollTexts {
            asset: c.asset.clone(),
            amount: t(c.amount),
            price: t(c.price),
            haircut,
            basis: c.tier_basis.unwrap_or_default(),
            buffer: c.debt_buffer.map(|b| t(b * 100.0)).unwrap_or_default(),
        }
    }
}

/// Reads the haircut text: empty (ratio 1), a ratio, or `floor:ratio` tiers.
fn read_haircut(text: &str) -> Result<(Option<f64>, Option<Vec<HaircutTier>>), String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok((None, None));
    }
    if !t.contains(':') {
        return t.parse::<f64>().map(|r| (Some(r), None)).map_err(|_| format!("`{t}` is not a ratio (0.95) or tiers (0:0.98, 10:0.95)"));
    }
    let mut tiers = Vec::new();
    for part in t.split([',', ';']).map(str::trim).filter(|x| !x.is_empty()) {
        let (f, r) = part.split_once(':').ok_or_else(|| format!("`{part}`: write each tier as floor:ratio"))?;
        let floor = parse_number(f, NumKind::Amount).ok().flatten().ok_or_else(|| format!("`{f}` is not a tier floor"))?;
        let ratio = r.trim().parse::<f64>().map_err(|_| format!("`{r}` is not a ratio"))?;
        tiers.push(HaircutTier { floor, ratio });
    }
    Ok((None, Some(tiers)))
}

fn read_rows(rows: &[CollTexts]) -> Result<Vec<CollateralAsset>, Vec<(usize, &'static str, String)>> {
    let mut errs = Vec::new();
    let mut out = Vec::new();
    for (k, r) in rows.iter().enumerate() {
        let mut num = |key: &'static str, text: &str, kind: NumKind, required: bool| match parse_number(text, kind) {
            Ok(Some(v)) => Some(v),
            Ok(None) => {
                if required {
                    errs.push((k, key, "required".to_string()));
                }
                None
            }
            Err(e) => {
                errs.push((k, key, e));
                None
            }
        };
        let amount = num("amount", &r.amount, NumKind::Signed, true);
        let price = num("price", &r.price, NumKind::Amount, true);
        let buffer = num("debt_buffer", &r.buffer, NumKind::Percent, false);
        let (ratio, tiers) = match read_haircut(&r.haircut) {
            Ok(x) => x,
            Err(e) => {
                errs.push((k, "ratio", e));
                (None, None)
            }
        };
        out.push(CollateralAsset {
            asset: r.asset.trim().to_string(),
            amount: amount.unwrap_or(0.0),
            price: price.unwrap_or(1.0),
            ratio,
            tier_basis: tiers.as_ref().map(|_| r.basis),
            haircut_tiers: tiers,
            debt_buffer: buffer,
        });
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

#[derive(Properties, PartialEq, Clone)]
struct CollateralEditorProps {
    idp: AttrValue,
    list: Option<Vec<CollateralAsset>>,
    errors: Rc<Errors>,
    dispatch: UseReducerDispatcher<AppState>,
}

#[function_component(CollateralEditor)]
fn collateral_editor(p: &CollateralEditorProps) -> Html {
    let rows = use_state(|| p.list.as_deref().unwrap_or_default().iter().map(CollTexts::of).collect::<Vec<_>>());
    let local = use_state(Vec::<(usize, &'static str, String)>::new);
    {
        let rows = rows.clone();
        let local = local.clone();
        let cur = (*rows).clone();
        use_effect_with(p.list.clone(), move |list| {
            let want = list.clone().unwrap_or_default();
            if read_rows(&cur).ok() != Some(want.clone()) {
                rows.set(want.iter().map(CollTexts::of).collect());
                local.set(Vec::new());
            }
        });
    }
    let commit = {
        let rows = rows.clone();
        let local = local.clone();
        let d = p.dispatch.clone();
        move |next: Vec<CollTexts>| {
            match read_rows(&next) {
                Ok(list) => {
                    local.set(Vec::new());
                    d.dispatch(Action::SetCollateral(if list.is_empty() { None } else { Some(list) }));
                }
                Err(e) => local.set(e),
            }
            rows.set(next);
        }
    };
    let edit = |k: usize, f: fn(&mut CollTexts, String)| {
        let rows = rows.clone();
        let commit = commit.clone();
        Callback::from(move |v: String| {
            let mut next = (*rows).clone();
            if let Some(r) = next.get_mut(k) {
                f(r, v);
            }
            commit(next);
        })
    };
    let add = {
        let rows = rows.clone();
        let commit = commit.clone();
        Callback::from(move |_| {
            let mut next = (*rows).clone();
            next.push(CollTexts { asset: "USDT".into(), amount: "10,000".into(), price: "1".into(), haircut: "1".into(), ..CollTexts::default() });
            commit(next);
        })
    };
    let err = |k: usize, key: &str| {
        local
            .iter()
            .find(|(i, x, _)| *i == k && *x == key)
            .map(|(_, _, e)| e.clone())
            .or_else(|| p.errors.get(&format!("collateral[{k}].{key}")).map(|m| friendly(m)))
            .or_else(|| if key == "ratio" { p.errors.get(&format!("collateral[{k}].haircut_tiers")).cloned() } else { None })
            .map(AttrValue::from)
    };
    html! {
        <section class="card collateral-editor" aria-labelledby={format!("{}-coll", p.idp)}>
            <h2 id={format!("{}-coll", p.idp)}>{ "Collateral assets" }</h2>
            <p class="hint">{ "Several assets instead of one wallet balance, each counted after its haircut: a flat ratio (0.95) or tiers by amount held or by USD value (0:0.98, 10:0.95 — Bybit, OKX, Binance, Bitget state them so). A negative amount is a loan; its buffer adds to the debt." }</p>
            if let Some(e) = p.errors.get("collateral") { <p class="bad">{ e.clone() }</p> }
            { for rows.iter().enumerate().map(|(k, r)| {
                let id = |key: &str| format!("{}-c{k}-{key}", p.idp);
                let asset = {
                    let rows = rows.clone();
                    let commit = commit.clone();
                    Callback::from(move |e: InputEvent| {
                        let el: web_sys::HtmlInputElement = e.target_unchecked_into();
                        let mut next = (*rows).clone();
                        if let Some(r) = next.get_mut(k) { r.asset = el.value(); }
                        commit(next);
                    })
                };
                let basis = {
                    let rows = rows.clone();
                    let commit = commit.clone();
                    Callback::from(move |e: Event| {
                        let mut next = (*rows).clone();
                        if let Some(r) = next.get_mut(k) { r.basis = if select_value(&e) == "value" { TierBasis::Value } else { TierBasis::Amount }; }
                        commit(next);
                    })
                };
                let remove = {
                    let rows = rows.clone();
                    let commit = commit.clone();
                    Callback::from(move |_| {
                        let mut next = (*rows).clone();
                        if k < next.len() { next.remove(k); }
                        commit(next);
                    })
                };
                html! {
                    <fieldset class="collateral-row" data-index={k.to_string()}>
                        <legend>{ format!("Asset {}", k + 1) }</legend>
                        <div class="row">
                            <div class={classes!("field", err(k, "asset").is_some().then_some("invalid"))}>
                                <label for={id("asset")}>{ "Asset" }</label>
                                <input id={id("asset")} type="text" value={r.asset.clone()} oninput={asset} data-path={format!("collateral[{k}].asset")} />
                                <p class="field-msg">{ err(k, "asset").unwrap_or_default() }</p>
                            </div>
                            <NumField id={id("amount")} label="Amount" hint="negative: a loan" value={r.amount.clone()} path={format!("collateral[{k}].amount")} error={err(k, "amount")} oninput={edit(k, |r, v| r.amount = v)} />
                            <NumField id={id("price")} label="Price" hint="USD" value={r.price.clone()} path={format!("collateral[{k}].price")} error={err(k, "price")} oninput={edit(k, |r, v| r.price = v)} />
                            <NumField id={id("ratio")} label="Haircut ratio or tiers" hint="0.95 or 0:0.98, 10:0.95" value={r.haircut.clone()} path={format!("collateral[{k}].ratio")} error={err(k, "ratio")} oninput={edit(k, |r, v| r.haircut = v)} />
                            <div class="field">
                                <label for={id("basis")}>{ "Tiers by" }</label>
                                <select id={id("basis")} onchange={basis}>
                                    <option value="amount" selected={r.basis == TierBasis::Amount}>{ "amount held" }</option>
                                    <option value="value" selected={r.basis == TierBasis::Value}>{ "USD value" }</option>
                                </select>
                            </div>
                            <NumField id={id("buffer")} label="Loan buffer" hint="%" value={r.buffer.clone()} path={format!("collateral[{k}].debt_buffer")} error={err(k, "debt_buffer")} oninput={edit(k, |r, v| r.buffer = v)} />
                        </div>
                        <button type="button" class="link" onclick={remove}>{ "Remove" }</button>
                    </fieldset>
                }
            }) }
            <div class="row-actions"><button type="button" onclick={add}>{ "+ Add a collateral asset" }</button></div>
        </section>
    }
}

#[derive(Properties, PartialEq, Clone)]
struct PercentFieldProps {
    id: AttrValue,
    label: AttrValue,
    hint: AttrValue,
    path: AttrValue,
    /// The value as a fraction (0.02 shows as 2).
    value: Option<f64>,
    error: Option<String>,
    onset: Callback<Option<f64>>,
}

/// A percent field kept as typed: a text that reads sets the value, one that does not keeps
/// its message next to it.
#[function_component(PercentField)]
fn percent_field(p: &PercentFieldProps) -> Html {
    let text = use_state(|| p.value.map(|v| crate::ui::parse::field_text(v * 100.0)).unwrap_or_default());
    let local = use_state(|| None::<String>);
    let oninput = {
        let text = text.clone();
        let local = local.clone();
        let onset = p.onset.clone();
        Callback::from(move |v: String| {
            match parse_number(&v, NumKind::Percent) {
                Ok(x) => {
                    local.set(None);
                    onset.emit(x);
                }
                Err(e) => local.set(Some(e)),
            }
            text.set(v);
        })
    };
    let error = (*local).clone().or_else(|| p.error.clone()).map(AttrValue::from);
    html! { <NumField id={p.id.clone()} label={p.label.clone()} hint={p.hint.clone()} value={(*text).clone()} path={p.path.clone()} {error} {oninput} /> }
}
