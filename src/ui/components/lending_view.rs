//! The DeFi views of the page: a lending account (Aave v3 or Morpho Blue: health-factor gauge,
//! liquidation price per collateral, health factor against each price, borrowing power and the
//! same loan on Morpho and Maker) and a Maker vault with its Clipper auction (price against time
//! with resets and the buyers' fills, proceeds and shortfall, the three curves compared).
//!
//! Each view edits its own protocol Scenario (the calculator's form holds exchange positions)
//! and asks the worker for everything it shows ([`Task::Lending`], [`Task::Auction`]); the main
//! module only reads the answers and draws them.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::lending::LoopReport;
use crate::engine::maker::AuctionReport;
use crate::engine::protocol::LendingView;
use crate::engine::Scenario;
use crate::ui::charts::lending::{auction_legend, draw_auction, draw_health, health_legend};
use crate::ui::charts::{ChartStyle, Drawing};
use crate::ui::components::canvas_chart::CanvasChart;
use crate::ui::components::field::NumField;
use crate::ui::format::{num, pct, price};
use crate::ui::parse::{field_text, parse_number, NumKind};
use crate::ui::worker::use_work;
use crate::work::Task;

#[derive(Properties, PartialEq, Clone)]
pub struct ViewProps {
    pub idp: AttrValue,
    pub style: ChartStyle,
}

/// One editable text field: its id suffix, label, kind, text.
#[derive(Clone, PartialEq)]
struct Text {
    text: String,
    kind: NumKind,
}

impl Text {
    fn amount(v: f64) -> Text {
        Text { text: field_text(v), kind: NumKind::Amount }
    }
    /// A fraction shown in percent (0.825 → "82.5"; 1.1 → "110", not the product's
    /// 110.00000000000001: rounded to 9 decimals of a percent first).
    fn percent(v: f64) -> Text {
        Text { text: field_text((v * 100.0 * 1e9).round() / 1e9), kind: NumKind::Percent }
    }
    fn read(&self) -> Result<Option<f64>, String> {
        parse_number(&self.text, self.kind)
    }
}

/// Reads every field of a form: the values in order, and the problems by field key.
fn read_all(fields: &[(String, &Text, bool)]) -> (Vec<Option<f64>>, Vec<(String, String)>) {
    let mut vals = Vec::new();
    let mut errs = Vec::new();
    for (key, t, required) in fields {
        match t.read() {
            Ok(None) if *required => {
                errs.push((key.clone(), "required".to_string()));
                vals.push(None);
            }
            Ok(v) => vals.push(v),
            Err(e) => {
                errs.push((key.clone(), e));
                vals.push(None);
            }
        }
    }
    (vals, errs)
}

/// The worker's problems (one per line, `path: message`) as a list.
fn problems(e: &str) -> Html {
    html! {
        <div class="card general-errors" role="alert">
            <p><strong>{ "The engine cannot answer for these inputs:" }</strong></p>
            <ul>{ for e.lines().map(|l| html! { <li>{ l.to_string() }</li> }) }</ul>
        </div>
    }
}

/// A USD amount with its sign before the dollar: "$2,200.00", "−$300.00".
fn usd(x: f64) -> String {
    if x < 0.0 && num(-x) != "0" && num(-x) != "0.00" {
        format!("−${}", num(-x))
    } else {
        format!("${}", num(x.abs()))
    }
}

/// The engine's problem in the worker's answer (its first line, `path: message`) as the key of
/// the form field `key_of` says the path names, with the message: shown under that field.
fn engine_field_error<T>(data: Option<&Result<T, String>>, key_of: impl Fn(&str) -> Option<String>) -> Option<(String, String)> {
    let line = data?.as_ref().err()?.lines().next()?;
    let (path, msg) = line.split_once(": ")?;
    Some((key_of(path)?, msg.to_string()))
}

/// `prefix` + `N].field` → (N, field): `indexed("lending.supplies[0].ltv", "lending.supplies[")`.
fn indexed<'a>(path: &'a str, prefix: &str) -> Option<(usize, &'a str)> {
    let (i, field) = path.strip_prefix(prefix)?.split_once("].")?;
    Some((i.parse().ok()?, field))
}

/// The lending form's key of a Scenario path (`lending.supplies[0].liquidation_threshold` → `s0-lt`).
fn lending_key(path: &str) -> Option<String> {
    if let Some((i, f)) = indexed(path, "lending.supplies[") {
        let k = match f {
            "amount" | "price" | "ltv" => f,
            "liquidation_threshold" => "lt",
            "liquidation_bonus" => "bonus",
            _ => return None,
        };
        return Some(format!("s{i}-{k}"));
    }
    if let Some((i, f)) = indexed(path, "lending.borrows[") {
        return matches!(f, "amount" | "price").then(|| format!("b{i}-{f}"));
    }
    (path == "lending.lltv").then(|| "lltv".to_string())
}

/// The vault form's key of a Scenario path (`vault.mat` → `mat`, `auction.calc.stairstep.cut` →
/// `cut`, `auction.buyers.depth.notional_per_pct` → `depth`).
fn vault_key(path: &str) -> Option<String> {
    let k = match path {
        "auction.buyers.depth.notional_per_pct" => "depth",
        "auction.buyers.min_discount" => "min_discount",
        p if p.starts_with("auction.calc.") => p.rsplit('.').next()?,
        p => p.strip_prefix("vault.").or_else(|| p.strip_prefix("auction."))?,
    };
    Some(k.to_string())
}

/// The GMX form's key of a Scenario path (`positions[1].collateral_amount` → `p1-collateral_amount`).
fn gmx_key(path: &str) -> Option<String> {
    let (i, f) = indexed(path, "positions[")?;
    Some(format!("p{i}-{f}"))
}

fn pending_note(pending: bool) -> Html {
    if pending {
        html! { <p class="hint" aria-live="polite">{ "computing…" }</p> }
    } else {
        html! {}
    }
}

// ---------------------------------------------------------------------------------------------
// Lending account
// ---------------------------------------------------------------------------------------------

#[derive(Clone, PartialEq)]
struct SupplyRow {
    asset: String,
    amount: Text,
    price: Text,
    ltv: Text,
    lt: Text,
    bonus: Text,
}

#[derive(Clone, PartialEq)]
struct BorrowRow {
    asset: String,
    amount: Text,
    price: Text,
}

#[derive(Clone, PartialEq)]
struct LendingForm {
    morpho: bool,
    supplies: Vec<SupplyRow>,
    borrows: Vec<BorrowRow>,
    lltv: Text,
    mat: Text,
    chop: Text,
}

impl Default for LendingForm {
    /// examples/aave-v3.json: 10 WETH at 1,400 against 12,000 USDC (HF 0.9625), compared with a
    /// Morpho market at LLTV 86 % and a Maker vault at 150 % / 13 %.
    fn default() -> Self {
        LendingForm {
            morpho: false,
            supplies: vec![SupplyRow {
                asset: "WETH".into(),
                amount: Text::amount(10.0),
                price: Text::amount(1400.0),
                ltv: Text::percent(0.80),
                lt: Text::percent(0.825),
                bonus: Text::percent(0.05),
            }],
            borrows: vec![BorrowRow { asset: "USDC".into(), amount: Text::amount(12000.0), price: Text::amount(1.0) }],
            lltv: Text::percent(0.86),
            mat: Text::percent(1.5),
            chop: Text::percent(0.13),
        }
    }
}

/// The edits of the lending form.
enum LendingEdit {
    Venue(bool),
    Supply(usize, &'static str, String),
    Borrow(usize, &'static str, String),
    AddSupply,
    RemoveSupply(usize),
    AddBorrow,
    RemoveBorrow(usize),
    Param(&'static str, String),
}

impl LendingForm {
    fn apply(&mut self, e: LendingEdit) {
        match e {
            LendingEdit::Venue(m) => self.morpho = m,
            LendingEdit::Supply(i, f, v) => {
                if let Some(r) = self.supplies.get_mut(i) {
                    match f {
                        "asset" => r.asset = v,
                        "amount" => r.amount.text = v,
                        "price" => r.price.text = v,
                        "ltv" => r.ltv.text = v,
                        "lt" => r.lt.text = v,
                        _ => r.bonus.text = v,
                    }
                }
            }
            LendingEdit::Borrow(i, f, v) => {
                if let Some(r) = self.borrows.get_mut(i) {
                    match f {
                        "asset" => r.asset = v,
                        "amount" => r.amount.text = v,
                        _ => r.price.text = v,
                    }
                }
            }
            LendingEdit::AddSupply => self.supplies.push(SupplyRow {
                asset: format!("ASSET{}", self.supplies.len() + 1),
                amount: Text::amount(1.0),
                price: Text::amount(100.0),
                ltv: Text::percent(0.7),
                lt: Text::percent(0.75),
                bonus: Text::percent(0.05),
            }),
            LendingEdit::RemoveSupply(i) => {
                if i < self.supplies.len() {
                    self.supplies.remove(i);
                }
            }
            LendingEdit::AddBorrow => {
                self.borrows.push(BorrowRow { asset: format!("DEBT{}", self.borrows.len() + 1), amount: Text::amount(100.0), price: Text::amount(1.0) })
            }
            LendingEdit::RemoveBorrow(i) => {
                if i < self.borrows.len() {
                    self.borrows.remove(i);
                }
            }
            LendingEdit::Param(f, v) => match f {
                "lltv" => self.lltv.text = v,
                "mat" => self.mat.text = v,
                _ => self.chop.text = v,
            },
        }
    }

    /// The Scenario and the comparison's parameters, or the problems by field key.
    fn build(&self) -> Result<(Scenario, Option<f64>, Option<f64>, Option<f64>), Vec<(String, String)>> {
        let mut fields: Vec<(String, &Text, bool)> = Vec::new();
        for (i, r) in self.supplies.iter().enumerate() {
            fields.push((format!("s{i}-amount"), &r.amount, true));
            fields.push((format!("s{i}-price"), &r.price, true));
            if !self.morpho {
                fields.push((format!("s{i}-ltv"), &r.ltv, true));
                fields.push((format!("s{i}-lt"), &r.lt, true));
                fields.push((format!("s{i}-bonus"), &r.bonus, true));
            }
        }
        for (i, r) in self.borrows.iter().enumerate() {
            fields.push((format!("b{i}-amount"), &r.amount, true));
            fields.push((format!("b{i}-price"), &r.price, true));
        }
        fields.push(("lltv".into(), &self.lltv, self.morpho));
        fields.push(("mat".into(), &self.mat, false));
        fields.push(("chop".into(), &self.chop, false));
        let (vals, errs) = read_all(&fields);
        if !errs.is_empty() {
            return Err(errs);
        }
        let mut k = 0;
        let mut next = || {
            k += 1;
            vals[k - 1]
        };
        let supplies: Vec<serde_json::Value> = self
            .supplies
            .iter()
            .map(|r| {
                let (amount, price) = (next(), next());
                let mut v = serde_json::json!({ "asset": r.asset.trim(), "amount": amount, "price": price });
                if !self.morpho {
                    v["ltv"] = serde_json::json!(next());
                    v["liquidation_threshold"] = serde_json::json!(next());
                    v["liquidation_bonus"] = serde_json::json!(next());
                }
                v
            })
            .collect();
        let borrows: Vec<serde_json::Value> =
            self.borrows.iter().map(|r| serde_json::json!({ "asset": r.asset.trim(), "amount": next(), "price": next() })).collect();
        let (lltv, mat, chop) = (next(), next(), next());
        let mut lending = serde_json::json!({ "supplies": supplies, "borrows": borrows });
        if self.morpho {
            lending["lltv"] = serde_json::json!(lltv);
        }
        let doc = serde_json::json!({ "venue": if self.morpho { "morpho-blue" } else { "aave-v3" }, "lending": lending });
        let s: Scenario = serde_json::from_value(doc).map_err(|e| vec![("lending".to_string(), e.to_string())])?;
        Ok((s, lltv, mat, chop.map(|c| 1.0 + c)))
    }
}

/// The health-factor gauge: a `<meter>` (red below 1, amber to 1.5, green above) and the number.
fn gauge(hf: Option<f64>, liquidatable: bool) -> Html {
    let (text, class) = match hf {
        None => ("no debt: never liquidated".to_string(), "ok"),
        Some(h) if liquidatable => (format!("{h:.4} ✖ liquidatable (below 1)"), "danger"),
        Some(h) if h < 1.1 => (format!("{h:.4} ⚠ close to 1"), "warn"),
        Some(h) => (format!("{h:.4} ✓"), "ok"),
    };
    let v = hf.unwrap_or(3.0).min(3.0);
    html! {
        <div class="hf-gauge">
            <label for="hf-meter">{ "Health factor" }</label>
            <meter id="hf-meter" min="0" max="3" low="1" high="1.5" optimum="3" value={v.to_string()}
                aria-valuetext={text.clone()}>{ text.clone() }</meter>
            <span class={classes!("status", class)} data-testid="health-factor">{ text }</span>
        </div>
    }
}

#[function_component(LendingAccount)]
pub fn lending_account(p: &ViewProps) -> Html {
    let form = use_state(LendingForm::default);
    let built = use_memo((*form).clone(), |f| f.build());
    let (scenario, task, field_errors) = match &*built {
        Ok((s, lltv, mat, chop)) => (Some(Rc::new(s.clone())), Some(Task::Lending { lltv: *lltv, mat: *mat, chop: *chop }), Vec::new()),
        Err(e) => (None, None, e.clone()),
    };
    let work = use_work::<LendingView>(task, scenario);
    let edit = {
        let form = form.clone();
        move |e: LendingEdit| {
            let mut f = (*form).clone();
            f.apply(e);
            form.set(f);
        }
    };
    let engine_err = engine_field_error(work.data.as_deref(), lending_key);
    let err_of = |key: &str| {
        field_errors.iter().chain(engine_err.iter()).find(|(k, _)| k == key).map(|(_, m)| AttrValue::from(m.clone()))
    };
    let id = |k: &str| format!("{}-lend-{k}", p.idp);
    let f = &*form;
    let supply_rows = f.supplies.iter().enumerate().map(|(i, r)| {
        let on = |name: &'static str| {
            let edit = edit.clone();
            Callback::from(move |v: String| edit(LendingEdit::Supply(i, name, v)))
        };
        let asset_in = {
            let edit = edit.clone();
            Callback::from(move |e: InputEvent| {
                let t: web_sys::HtmlInputElement = e.target_unchecked_into();
                edit(LendingEdit::Supply(i, "asset", t.value()))
            })
        };
        let remove = {
            let edit = edit.clone();
            Callback::from(move |_| edit(LendingEdit::RemoveSupply(i)))
        };
        let key = |k: &str| format!("s{i}-{k}");
        html! {
            <fieldset class="lend-row" key={format!("s{i}")}>
                <legend>{ format!("Collateral {}", i + 1) }</legend>
                <div class="row">
                    <div class="field">
                        <label for={id(&key("asset"))}>{ "Asset" }</label>
                        <input id={id(&key("asset"))} type="text" value={r.asset.clone()} oninput={asset_in} />
                    </div>
                    <NumField id={id(&key("amount"))} label="Amount" hint="tokens" value={r.amount.text.clone()} error={err_of(&key("amount"))} oninput={on("amount")} />
                    <NumField id={id(&key("price"))} label="Price" hint="USD" value={r.price.text.clone()} error={err_of(&key("price"))} oninput={on("price")} />
                    if !f.morpho {
                        <NumField id={id(&key("ltv"))} label="LTV" hint="%" value={r.ltv.text.clone()} error={err_of(&key("ltv"))} oninput={on("ltv")} />
                        <NumField id={id(&key("lt"))} label="Liq. threshold" hint="%" value={r.lt.text.clone()} error={err_of(&key("lt"))} oninput={on("lt")} />
                        <NumField id={id(&key("bonus"))} label="Liq. bonus" hint="%" value={r.bonus.text.clone()} error={err_of(&key("bonus"))} oninput={on("bonus")} />
                    }
                </div>
                if f.supplies.len() > 1 { <button type="button" class="link" onclick={remove}>{ "Remove" }</button> }
            </fieldset>
        }
    });
    let borrow_rows = f.borrows.iter().enumerate().map(|(i, r)| {
        let on = |name: &'static str| {
            let edit = edit.clone();
            Callback::from(move |v: String| edit(LendingEdit::Borrow(i, name, v)))
        };
        let asset_in = {
            let edit = edit.clone();
            Callback::from(move |e: InputEvent| {
                let t: web_sys::HtmlInputElement = e.target_unchecked_into();
                edit(LendingEdit::Borrow(i, "asset", t.value()))
            })
        };
        let remove = {
            let edit = edit.clone();
            Callback::from(move |_| edit(LendingEdit::RemoveBorrow(i)))
        };
        let key = |k: &str| format!("b{i}-{k}");
        html! {
            <fieldset class="lend-row" key={format!("b{i}")}>
                <legend>{ format!("Debt {}", i + 1) }</legend>
                <div class="row">
                    <div class="field">
                        <label for={id(&key("asset"))}>{ "Asset" }</label>
                        <input id={id(&key("asset"))} type="text" value={r.asset.clone()} oninput={asset_in} />
                    </div>
                    <NumField id={id(&key("amount"))} label="Amount" hint="tokens owed" value={r.amount.text.clone()} error={err_of(&key("amount"))} oninput={on("amount")} />
                    <NumField id={id(&key("price"))} label="Price" hint="USD" value={r.price.text.clone()} error={err_of(&key("price"))} oninput={on("price")} />
                </div>
                if f.borrows.len() > 1 { <button type="button" class="link" onclick={remove}>{ "Remove" }</button> }
            </fieldset>
        }
    });
    let venue_btn = |morpho: bool, label: &'static str| {
        let edit = edit.clone();
        let on = f.morpho == morpho;
        html! {
            <button type="button" class={classes!("seg", on.then_some("on"))} aria-pressed={on.to_string()}
                onclick={Callback::from(move |_| edit(LendingEdit::Venue(morpho)))}>{ label }</button>
        }
    };
    let param = |name: &'static str, label: &'static str, hint: &'static str, t: &Text| {
        let edit = edit.clone();
        html! { <NumField id={id(name)} label={label} hint={hint} value={t.text.clone()} error={err_of(name)}
            oninput={Callback::from(move |v: String| edit(LendingEdit::Param(name, v)))} /> }
    };
    let add_supply = {
        let edit = edit.clone();
        Callback::from(move |_| edit(LendingEdit::AddSupply))
    };
    let add_borrow = {
        let edit = edit.clone();
        Callback::from(move |_| edit(LendingEdit::AddBorrow))
    };
    let inputs = html! {
        <div class="inputs">
            <section class="card" aria-labelledby={id("title")}>
                <h2 id={id("title")}>{ "Lending account" }</h2>
                <div class="segmented" role="group" aria-label="Protocol">
                    { venue_btn(false, "Aave v3") }{ venue_btn(true, "Morpho Blue") }
                </div>
                <p class="hint">{ if f.morpho { "Morpho Blue: one collateral and one loan asset, liquidated when debt > collateral × LLTV." } else { "Aave v3 (v3.3 rules): collateral-weighted threshold; liquidatable when the health factor is below 1." } }</p>
                { for supply_rows }
                if !f.morpho { <button type="button" onclick={add_supply}>{ "+ Collateral" }</button> }
                { for borrow_rows }
                if !f.morpho { <button type="button" onclick={add_borrow}>{ "+ Debt" }</button> }
                <div class="row">
                    if f.morpho { { param("lltv", "LLTV", "%", &f.lltv) } }
                </div>
            </section>
            if !f.morpho {
                <section class="card">
                    <h2>{ "Compare protocols" }</h2>
                    <p class="hint">{ "The first collateral and debt as a Morpho Blue loan and a Maker vault." }</p>
                    <div class="row">
                        { param("lltv", "Morpho LLTV", "%", &f.lltv) }
                        { param("mat", "Maker liq. ratio", "%", &f.mat) }
                        { param("chop", "Maker penalty", "%", &f.chop) }
                    </div>
                </section>
            }
        </div>
    };
    let outputs = match work.data.as_deref() {
        None => html! { <section class="card"><p class="hint">{ if field_errors.is_empty() { "computing…" } else { "Fix the marked fields." } }</p></section> },
        Some(Err(e)) => problems(e),
        Some(Ok(v)) => lending_results(&p.idp, v, &p.style, work.pending),
    };
    let loop_base = built.as_ref().as_ref().ok().and_then(|(s, ..)| loop_start(s)).map(Rc::new);
    html! { <>{ inputs }<div class="outputs">{ outputs }<LoopBuilder idp={p.idp.clone()} base={loop_base} /></div></> }
}

/// The loop builder's starting account: the first collateral supply alone, the first borrow's
/// asset owed at 0 (the loop borrows it). `None` when the account has neither.
fn loop_start(s: &Scenario) -> Option<Scenario> {
    let mut s = s.clone();
    let l = s.lending.as_mut()?;
    let supply = l.supplies.iter().find(|x| x.collateral)?.clone();
    let mut borrow = l.borrows.first()?.clone();
    borrow.amount = 0.0;
    l.supplies = vec![supply];
    l.borrows = vec![borrow];
    Some(s)
}

#[derive(Properties, PartialEq, Clone)]
struct LoopProps {
    idp: AttrValue,
    /// The starting account ([`loop_start`]); `None` while the lending form has problems.
    base: Option<Rc<Scenario>>,
}

/// Most rounds listed (the rest are summed in the totals).
const LOOP_ROWS: usize = 12;

/// The loop builder: deposit → borrow → swap → deposit from the account's first collateral to
/// a target leverage (the compute entry's `loop` analysis, [`Task::Loop`], in the worker), with
/// each round, the health factor and the liquidation price it ends at.
#[function_component(LoopBuilder)]
fn loop_builder(p: &LoopProps) -> Html {
    let lev = use_state(|| Text { text: "3".into(), kind: NumKind::Leverage });
    let cost = use_state(|| Text::percent(0.0));
    let (task, errs) = match (lev.read(), cost.read()) {
        (Ok(Some(l)), Ok(c)) => (Some(Task::Loop { leverage: l, swap_cost: c.unwrap_or(0.0) }), Vec::new()),
        (l, c) => {
            let mut e = Vec::new();
            match l {
                Ok(None) => e.push(("leverage", "required".to_string())),
                Err(m) => e.push(("leverage", m)),
                _ => {}
            }
            if let Err(m) = c {
                e.push(("swap_cost", m));
            }
            (None, e)
        }
    };
    let scenario = if task.is_some() { p.base.clone() } else { None };
    let work = use_work::<LoopReport>(task, scenario);
    let id = |k: &str| format!("{}-loop-{k}", p.idp);
    let err = |k: &str| errs.iter().find(|(e, _)| *e == k).map(|(_, m)| AttrValue::from(m.clone()));
    let on = |st: &UseStateHandle<Text>| {
        let st = st.clone();
        Callback::from(move |v: String| st.set(Text { text: v, kind: st.kind }))
    };
    let stat = |k: &str, val: String| html! { <div class="stat"><span class="k">{ k.to_string() }</span><span class="v">{ val }</span></div> };
    let start = p.base.as_ref().and_then(|s| s.lending.as_ref()).map(|l| (l.supplies[0].clone(), l.borrows[0].asset.clone()));
    let body = match (&start, work.data.as_deref()) {
        (None, _) => html! { <p class="hint">{ "Fix the account's fields first." }</p> },
        (_, None) => html! { <p class="hint">{ if errs.is_empty() { "computing…" } else { "Fix the marked fields." } }</p> },
        (_, Some(Err(e))) => html! { <ul class="bad" role="alert">{ for e.lines().map(|l| html! { <li>{ l.to_string() }</li> }) }</ul> },
        (_, Some(Ok(r))) => html! { <>
            { pending_note(work.pending) }
            <div class="stats" data-testid="loop-results">
                { stat("Leverage reached", format!("{:.2}×", r.leverage)) }
                { stat("Rounds", r.loops.to_string()) }
                { stat("Borrowed", format!("{} {}", num(r.total_borrowed), r.debt)) }
                { stat("Deposited", format!("{} {}", num(r.total_deposited), r.collateral)) }
                { stat("Health factor", r.health_factor.map_or("—".into(), |h| format!("{h:.4}"))) }
                { stat("Liquidation price", r.liquidation_price.map_or("—".into(), price)) }
                { stat("Distance", r.distance_to_liquidation.map_or("—".into(), pct)) }
                { stat("Most by looping", format!("{:.2}×", r.max_leverage)) }
            </div>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Loop rounds (scrolls sideways on narrow screens)">
                <table class="compare-table fit">
                    <caption>{ format!("Each round borrows what the LTV allows, swaps it into {} and deposits it", r.collateral) }</caption>
                    <thead><tr><th>{ "Round" }</th><th>{ format!("Borrowed {}", r.debt) }</th><th>{ format!("Deposited {}", r.collateral) }</th><th>{ "Health factor" }</th><th>{ "Leverage" }</th></tr></thead>
                    <tbody>{ for r.steps.iter().take(LOOP_ROWS).enumerate().map(|(i, x)| html! { <tr>
                        <td>{ i + 1 }</td><td>{ num(x.borrowed) }</td><td>{ num(x.deposited) }</td>
                        <td>{ x.health_factor.map_or("—".into(), |h| format!("{h:.4}")) }</td><td>{ format!("{:.2}×", x.leverage) }</td></tr> }) }</tbody>
                </table>
            </div>
            if r.steps.len() > LOOP_ROWS { <p class="hint">{ format!("… and {} more rounds, counted in the totals.", r.steps.len() - LOOP_ROWS) }</p> }
        </> },
    };
    html! {
        <section class="card" aria-labelledby={id("title")} data-testid="loop-builder">
            <h2 id={id("title")}>{ "Loop builder" }</h2>
            <p class="hint">{ match &start {
                Some((s, debt)) => format!("From {} {} of collateral and no debt: borrow {debt}, swap it into {}, deposit, and again, to the target leverage (collateral ÷ equity).", num(s.amount), s.asset, s.asset),
                None => "Deposit → borrow → swap → deposit, to a target leverage.".to_string(),
            } }</p>
            <div class="row">
                <NumField id={id("leverage")} label="Target leverage" hint="×" value={lev.text.clone()} error={err("leverage")} oninput={on(&lev)} />
                <NumField id={id("cost")} label="Swap cost" hint="% per swap" value={cost.text.clone()} error={err("swap_cost")} oninput={on(&cost)} />
            </div>
            { body }
        </section>
    }
}

fn lending_results(idp: &AttrValue, v: &LendingView, style: &ChartStyle, pending: bool) -> Html {
    let r = &v.report;
    let stat = |k: &str, val: String| html! { <div class="stat"><span class="k">{ k.to_string() }</span><span class="v">{ val }</span></div> };
    let curves = Rc::new(v.curves.clone());
    let drawing = {
        let c = curves.clone();
        let lps: Vec<String> = v.curves.iter().filter_map(|c| c.liquidation_price.map(|lp| format!("{} at {}", c.asset, price(lp)))).collect();
        Drawing {
            draw: Rc::new(move |cv, st| draw_health(cv, &c, st)),
            summary: format!(
                "Health factor against each asset's price, every other price fixed; it reaches 1 for {}.",
                if lps.is_empty() { "no asset within reach".to_string() } else { lps.join(", ") }
            ),
            legend: health_legend(&curves),
            notes: Vec::new(),
        }
    };
    html! { <>
        <section class="card results" aria-live="polite" data-testid="lending-results">
            <h2>{ "Account" }</h2>
            { pending_note(pending) }
            { gauge(r.health_factor, r.liquidatable) }
            <div class="stats">
                { stat("Collateral", format!("${}", num(r.total_collateral))) }
                { stat("Debt", format!("${}", num(r.total_debt))) }
                { stat("Borrowing power left", format!("${}", num(r.available_borrows))) }
                { stat("Loan to value", r.loan_to_value.map_or("—".into(), pct)) }
                { stat("Max LTV", pct(r.current_ltv)) }
                { stat("Liquidation threshold", pct(r.current_liquidation_threshold)) }
                if let Some(lif) = r.liquidation_incentive_factor { { stat("Liquidation incentive", format!("{lif:.4}")) } }
            </div>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Liquidation price per asset (scrolls sideways on narrow screens)">
                <table class="lending-assets">
                    <caption>{ "Liquidation price of each asset (every other price fixed)" }</caption>
                    <thead><tr><th>{ "Asset" }</th><th>{ "Amount" }</th><th>{ "Price" }</th><th>{ "Value" }</th><th>{ "Liq. threshold" }</th><th>{ "Liquidation price" }</th><th>{ "Distance" }</th></tr></thead>
                    <tbody>
                        { for r.supplies.iter().map(|s| html! { <tr>
                            <td>{ format!("{} (collateral)", s.asset) }</td><td>{ num(s.amount) }</td><td>{ price(s.price) }</td><td>{ num(s.value) }</td>
                            <td>{ pct(s.liquidation_threshold) }</td><td class="liq">{ s.liquidation_price.map_or("—".into(), price) }</td>
                            <td>{ s.distance_to_liquidation.map_or("—".into(), pct) }</td></tr> }) }
                        { for r.borrows.iter().map(|b| html! { <tr>
                            <td>{ format!("{} (debt)", b.asset) }</td><td>{ num(b.amount) }</td><td>{ price(b.price) }</td><td>{ num(b.value) }</td>
                            <td>{ "—" }</td><td class="liq">{ b.liquidation_price.map_or("—".into(), price) }</td>
                            <td>{ b.distance_to_liquidation.map_or("—".into(), pct) }</td></tr> }) }
                    </tbody>
                </table>
            </div>
            <p class="hint">{ r.formula.clone() }</p>
        </section>
        <section class="card">
            <h2>{ "Health factor against each price" }</h2>
            <CanvasChart drawing={drawing} style={style.clone()} height={300} />
        </section>
        { comparison(idp, v) }
    </> }
}

fn comparison(_idp: &AttrValue, v: &LendingView) -> Html {
    let Some(c) = &v.comparison else {
        return html! { if let Some(n) = &v.comparison_note { <section class="card"><h2>{ "Compare protocols" }</h2><p class="hint">{ n.clone() }</p></section> } };
    };
    html! {
        <section class="card" data-testid="protocol-comparison">
            <h2>{ "The same loan on Aave, Morpho and Maker" }</h2>
            <p class="hint">{ format!("{} {} at {} against ${} of {}: where each protocol liquidates and what it takes.", num(c.collateral_amount), c.collateral, price(c.collateral_price), num(c.debt_value), c.debt) }</p>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Protocol comparison (scrolls sideways on narrow screens)">
                <table class="compare-table fit">
                    <thead><tr><th>{ "" }</th>{ for c.columns.iter().map(|k| html! { <th>{ k.protocol.clone() }</th> }) }</tr></thead>
                    <tbody>
                        <tr><td>{ "Parameters" }</td>{ for c.columns.iter().map(|k| html! { <td class="wrap">{ k.parameters.clone() }</td> }) }</tr>
                        <tr><td>{ "Health factor" }</td>{ for c.columns.iter().map(|k| html! { <td>{ k.health_factor.map_or("—".into(), |h| format!("{h:.4}")) }</td> }) }</tr>
                        <tr><td>{ "Liquidation price" }</td>{ for c.columns.iter().map(|k| html! { <td class="liq">{ k.liquidation_price.map_or("—".into(), price) }</td> }) }</tr>
                        <tr><td>{ "Distance" }</td>{ for c.columns.iter().map(|k| html! { <td>{ k.distance_to_liquidation.map_or("—".into(), pct) }</td> }) }</tr>
                        <tr><td>{ "Penalty" }</td>{ for c.columns.iter().map(|k| html! { <td>{ pct(k.penalty) }</td> }) }</tr>
                        <tr><td>{ "First liquidation repays" }</td>{ for c.columns.iter().map(|k| html! { <td>{ pct(k.first_liquidation_share) }</td> }) }</tr>
                        <tr><td>{ "Collateral taken (all debt)" }</td>{ for c.columns.iter().map(|k| html! { <td>{ format!("{} (${})", num(k.collateral_taken), num(k.collateral_taken_value)) }</td> }) }</tr>
                        <tr><td>{ "Penalty paid" }</td>{ for c.columns.iter().map(|k| html! { <td>{ format!("${}", num(k.penalty_paid)) }</td> }) }</tr>
                        <tr><td>{ "Borrower keeps" }</td>{ for c.columns.iter().map(|k| html! { <td>{ format!("{} (${})", num(k.borrower_keeps), num(k.borrower_keeps_value)) }</td> }) }</tr>
                    </tbody>
                </table>
            </div>
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// Maker vault and auction
// ---------------------------------------------------------------------------------------------

#[derive(Clone, PartialEq)]
struct VaultForm {
    fields: Vec<(&'static str, &'static str, &'static str, Text)>,
    calc: &'static str,
}

impl Default for VaultForm {
    /// examples/maker.json: ink 40, art 100 at price 4, mat 200 %, chop 110 %, buf 125 %,
    /// stairstep 0.99 per second, buyers 10 DAI per 1 % beyond a 2 % discount.
    fn default() -> Self {
        let a = Text::amount;
        let pc = Text::percent;
        VaultForm {
            fields: vec![
                ("ink", "Collateral (ink)", "units", a(40.0)),
                ("art", "Debt (art)", "DAI", a(100.0)),
                ("price", "Collateral price", "USD", a(4.0)),
                ("mat", "Liquidation ratio", "%", pc(2.0)),
                ("chop", "Penalty multiplier", "%", pc(1.1)),
                ("dust", "Dust", "DAI", a(20.0)),
                ("hole", "Room under the limit (hole)", "DAI", a(1000.0)),
                ("buf", "Start (buf)", "% of the price", pc(1.25)),
                ("tail", "Reset after (tail)", "s", a(3600.0)),
                ("cusp", "Reset below (cusp)", "% of top", pc(0.3)),
                ("tau", "Linear: to zero in (tau)", "s", a(3600.0)),
                ("step", "Stairstep: step", "s", a(1.0)),
                ("cut", "Stairstep / exponential: cut", "% per step", pc(0.99)),
                ("depth", "Buyers' depth", "DAI per 1 %", a(10.0)),
                ("min_discount", "Buyers' least discount", "%", pc(0.02)),
            ],
            calc: "stairstep",
        }
    }
}

impl VaultForm {
    fn build(&self) -> Result<Scenario, Vec<(String, String)>> {
        let fields: Vec<(String, &Text, bool)> = self.fields.iter().map(|(k, _, _, t)| (k.to_string(), t, *k != "hole")).collect();
        let (vals, errs) = read_all(&fields);
        if !errs.is_empty() {
            return Err(errs);
        }
        let get = |k: &str| self.fields.iter().position(|f| f.0 == k).and_then(|i| vals[i]);
        let calc = match self.calc {
            "linear" => serde_json::json!({ "linear": { "tau": get("tau") } }),
            "exponential" => serde_json::json!({ "exponential": { "cut": get("cut") } }),
            _ => serde_json::json!({ "stairstep": { "step": get("step"), "cut": get("cut") } }),
        };
        let mut vault = serde_json::json!({ "ink": get("ink"), "art": get("art"), "mat": get("mat"), "chop": get("chop"),
            "price": get("price"), "dust": get("dust") });
        if let Some(h) = get("hole") {
            vault["hole"] = serde_json::json!(h);
        }
        let doc = serde_json::json!({ "venue": "maker", "vault": vault,
            "auction": { "buf": get("buf"), "tail": get("tail"), "cusp": get("cusp"), "calc": calc,
                "buyers": { "depth": { "model": "linear", "notional_per_pct": get("depth") }, "min_discount": get("min_discount") } } });
        serde_json::from_value(doc).map_err(|e| vec![("vault".to_string(), e.to_string())])
    }
}

#[function_component(VaultAuction)]
pub fn vault_auction(p: &ViewProps) -> Html {
    let form = use_state(VaultForm::default);
    let built = use_memo((*form).clone(), |f| f.build());
    let (scenario, task, field_errors) = match &*built {
        Ok(s) => (Some(Rc::new(s.clone())), Some(Task::Auction), Vec::new()),
        Err(e) => (None, None, e.clone()),
    };
    let work = use_work::<AuctionReport>(task, scenario);
    let engine_err = engine_field_error(work.data.as_deref(), vault_key);
    let id = |k: &str| format!("{}-vault-{k}", p.idp);
    let f = &*form;
    let relevant = |k: &str| match k {
        "tau" => f.calc == "linear",
        "step" => f.calc == "stairstep",
        "cut" => f.calc != "linear",
        _ => true,
    };
    let fields = f.fields.iter().enumerate().filter(|(_, fld)| relevant(fld.0)).map(|(i, (k, label, hint, t))| {
        let form = form.clone();
        let err = field_errors.iter().chain(engine_err.iter()).find(|(e, _)| e == k).map(|(_, m)| AttrValue::from(m.clone()));
        html! { <NumField id={id(k)} label={*label} hint={*hint} value={t.text.clone()} error={err}
            oninput={Callback::from(move |v: String| {
                let mut f = (*form).clone();
                f.fields[i].3.text = v;
                form.set(f);
            })} /> }
    });
    let calc_btn = |name: &'static str, label: &'static str| {
        let form = form.clone();
        let on = f.calc == name;
        html! { <button type="button" class={classes!("seg", on.then_some("on"))} aria-pressed={on.to_string()}
            onclick={Callback::from(move |_| {
                let mut f = (*form).clone();
                f.calc = name;
                form.set(f);
            })}>{ label }</button> }
    };
    let market = built.as_ref().as_ref().ok().and_then(|s| s.vault.as_ref()).map_or(0.0, |v| v.price / v.par);
    let inputs = html! {
        <div class="inputs">
            <section class="card" aria-labelledby={id("title")}>
                <h2 id={id("title")}>{ "Maker vault and its auction" }</h2>
                <p class="hint">{ "dss Liquidations 2.0: an unsafe vault is barked and its collateral sold by a Dutch auction (Clipper) whose price falls from buf × price along the curve, reset at tail or cusp; buyers take when the discount reaches their depth." }</p>
                <div class="segmented" role="group" aria-label="Price curve">
                    { calc_btn("linear", "Linear") }{ calc_btn("stairstep", "Stairstep") }{ calc_btn("exponential", "Exponential") }
                </div>
                <div class="row">{ for fields }</div>
            </section>
        </div>
    };
    let outputs = match work.data.as_deref() {
        None => html! { <section class="card"><p class="hint">{ if field_errors.is_empty() { "computing…" } else { "Fix the marked fields." } }</p></section> },
        Some(Err(e)) => problems(e),
        Some(Ok(r)) => auction_results(r, market, &p.style, work.pending),
    };
    html! { <>{ inputs }<div class="outputs">{ outputs }</div></> }
}

/// A time on the auction's clock: whole seconds, as `block.timestamp − tic` counts them (the
/// path steps second by second), with hours and minutes beside it from one minute on:
/// "37 s", "8,280 s (2 h 18 min)".
fn seconds(t: f64) -> String {
    if !t.is_finite() || t < 0.0 {
        return "—".into();
    }
    let whole = t.round();
    let s = num(whole);
    let s = s.strip_suffix(".00").unwrap_or(&s);
    if whole < 60.0 {
        return format!("{s} s");
    }
    let (h, m) = ((whole / 3600.0).floor(), ((whole % 3600.0) / 60.0).floor());
    let hm = if h > 0.0 { format!("{h} h {m} min") } else { format!("{m} min {} s", whole % 60.0) };
    format!("{s} s ({hm})")
}

fn auction_results(r: &AuctionReport, market: f64, style: &ChartStyle, pending: bool) -> Html {
    let stat = |k: &str, val: String| html! { <div class="stat"><span class="k">{ k.to_string() }</span><span class="v">{ val }</span></div> };
    let v = &r.vault;
    let chart = r.path.as_ref().map(|path| {
        let p = Rc::new(path.clone());
        let summary = format!(
            "Auction price against time ({} curve): {} resets, {} fills; {}.",
            path.curve,
            path.resets.len(),
            path.fills.len(),
            match path.time_to_clear {
                Some(t) => format!("cleared after {}, {} DAI raised of a {} DAI tab", seconds(t), num(path.proceeds), num(path.tab)),
                None => format!("not cleared: {} DAI raised of a {} DAI tab", num(path.proceeds), num(path.tab)),
            }
        );
        let pp = p.clone();
        Drawing { draw: Rc::new(move |cv, st| draw_auction(cv, &pp, market, st)), summary, legend: auction_legend(), notes: path.note.iter().cloned().collect() }
    });
    let path_stats = r.path.as_ref().map(|p| html! {
        <div class="stats" data-testid="auction-outcome">
            { stat("Proceeds", format!("{} DAI", num(p.proceeds))) }
            { stat("Shortfall", format!("{} DAI", num(p.shortfall))) }
            { stat("Recovery", pct(p.recovery)) }
            { stat("Time to clear", p.time_to_clear.map_or("not cleared".into(), seconds)) }
            { stat("Collateral sold", num(p.collateral_sold)) }
            { stat("Returned to the owner", num(p.collateral_returned)) }
            { stat("Average price", p.average_price.map_or("—".into(), price)) }
            { stat("Keeper rewards", format!("{} DAI", num(p.keeper_rewards))) }
        </div>
    });
    html! { <>
        <section class="card results" aria-live="polite" data-testid="vault-results">
            <h2>{ "Vault" }</h2>
            { pending_note(pending) }
            <div class="stats">
                { stat("Debt", format!("{} DAI", num(v.debt))) }
                { stat("Collateralization", v.collateralization_ratio.map_or("—".into(), pct)) }
                { stat("Liquidation ratio", pct(v.liquidation_ratio)) }
                { stat("Liquidation price", v.liquidation_price.map_or("—".into(), price)) }
                { stat("Status", if v.is_unsafe { "✖ unsafe: liquidated".into() } else { "✓ safe".to_string() }) }
                { stat("Tab (due × chop)", format!("{} DAI", num(r.bark.tab))) }
                { stat("Lot", num(r.bark.lot)) }
                { stat("Auction starts at (top)", price(r.top)) }
            </div>
            if r.bark.partial { <p class="hint">{ format!("Partial liquidation: {}", r.bark.partial_reason.clone().unwrap_or_default()) }</p> }
        </section>
        <section class="card">
            <h2>{ "Auction against the buyers" }</h2>
            { path_stats.unwrap_or_default() }
            if let Some(d) = chart { <CanvasChart drawing={d} style={style.clone()} height={320} /> }
        </section>
        if !r.curves.is_empty() {
            <section class="card" data-testid="auction-curves">
                <h2>{ "Three curves, same lot and buyers" }</h2>
                <p class="hint">{ "Each curve tuned to need its reset at the same second: how the shape of the price fall changes what is recovered." }</p>
                <div class="table-wrap" tabindex="0" role="region" aria-label="Curve comparison (scrolls sideways on narrow screens)">
                    <table class="compare-table fit">
                        <thead><tr><th>{ "Curve" }</th><th>{ "Cleared" }</th><th>{ "Time to clear" }</th><th>{ "Proceeds" }</th><th>{ "Shortfall" }</th><th>{ "Recovery" }</th><th>{ "Resets" }</th><th>{ "Returned" }</th></tr></thead>
                        <tbody>{ for r.curves.iter().map(|c| html! { <tr>
                            <td>{ c.curve.clone() }</td><td>{ if c.cleared { "✓" } else { "✖" } }</td>
                            <td>{ c.time_to_clear.map_or("—".into(), seconds) }</td>
                            <td>{ num(c.proceeds) }</td><td>{ num(c.shortfall) }</td><td>{ pct(c.recovery) }</td>
                            <td>{ c.resets.len() }</td><td>{ num(c.collateral_returned) }</td></tr> }) }</tbody>
                    </table>
                </div>
            </section>
        }
    </> }
}

// ---------------------------------------------------------------------------------------------
// GMX v2 positions
// ---------------------------------------------------------------------------------------------

#[derive(Clone, PartialEq)]
struct GmxRow {
    symbol: String,
    long: bool,
    token: String,
    nums: Vec<(&'static str, &'static str, &'static str, Text)>,
}

impl GmxRow {
    fn new(symbol: &str, long: bool, token: &str, size: f64, entry: f64, mark: f64, amount: f64, cprice: f64, fee: f64) -> GmxRow {
        let a = Text::amount;
        let pc = Text::percent;
        GmxRow {
            symbol: symbol.into(),
            long,
            token: token.into(),
            nums: vec![
                ("size", "Size", "index tokens", a(size)),
                ("entry_price", "Entry price", "USD", a(entry)),
                ("mark_price", "Index price now", "USD", a(mark)),
                ("collateral_amount", "Collateral", "tokens", a(amount)),
                ("collateral_price", "Collateral price", "USD", a(cprice)),
                ("min_collateral_factor", "Min collateral factor", "% of size", pc(0.01)),
                ("close_fee_factor", "Close fee", "% of size", pc(fee)),
                ("liquidation_fee_factor", "Liquidation fee", "% of size", pc(0.0)),
                ("borrowing_fee_usd", "Pending borrowing fee", "USD", a(0.0)),
                ("funding_fee_usd", "Pending funding fee", "USD", a(0.0)),
                ("price_impact_usd", "Impact of closing", "USD (− = cost)", Text { text: "0".into(), kind: NumKind::Signed }),
            ],
        }
    }
}

#[derive(Clone, PartialEq)]
struct GmxForm {
    rows: Vec<GmxRow>,
}

impl Default for GmxForm {
    /// examples/gmx-v2.json: gmx-synthetics' guardian liquidation case and an ETH long on WETH.
    fn default() -> Self {
        GmxForm {
            rows: vec![
                GmxRow::new("SOL/USD", true, "WETH", 30000.0, 15.0, 14.99, 1.0, 2500.0, 0.0),
                GmxRow::new("ETH/USD", true, "WETH", 40.0, 5000.0, 4800.0, 10.0, 4800.0, 0.0007),
            ],
        }
    }
}

impl GmxForm {
    fn build(&self) -> Result<Scenario, Vec<(String, String)>> {
        let mut fields: Vec<(String, &Text, bool)> = Vec::new();
        for (i, r) in self.rows.iter().enumerate() {
            for (k, _, _, t) in &r.nums {
                fields.push((format!("p{i}-{k}"), t, matches!(*k, "size" | "entry_price" | "collateral_amount" | "collateral_price" | "min_collateral_factor")));
            }
        }
        let (vals, errs) = read_all(&fields);
        if !errs.is_empty() {
            return Err(errs);
        }
        let mut k = 0;
        let positions: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut v = serde_json::json!({ "symbol": r.symbol.trim(), "side": if r.long { "long" } else { "short" }, "collateral_token": r.token.trim() });
                for (name, _, _, _) in &r.nums {
                    if let Some(x) = vals[k] {
                        v[*name] = serde_json::json!(x);
                    }
                    k += 1;
                }
                v
            })
            .collect();
        serde_json::from_value(serde_json::json!({ "venue": "gmx-v2", "positions": positions })).map_err(|e| vec![("positions".to_string(), e.to_string())])
    }
}

#[function_component(GmxPositions)]
pub fn gmx_positions(p: &ViewProps) -> Html {
    let form = use_state(GmxForm::default);
    let built = use_memo((*form).clone(), |f| f.build());
    let (scenario, task, field_errors) = match &*built {
        Ok(s) => (Some(Rc::new(s.clone())), Some(Task::Gmx), Vec::new()),
        Err(e) => (None, None, e.clone()),
    };
    let work = use_work::<crate::engine::gmx::GmxReport>(task, scenario);
    let engine_err = engine_field_error(work.data.as_deref(), gmx_key);
    let id = |k: &str| format!("{}-gmx-{k}", p.idp);
    let f = &*form;
    let set = {
        let form = form.clone();
        move |g: &dyn Fn(&mut GmxForm)| {
            let mut f = (*form).clone();
            g(&mut f);
            form.set(f);
        }
    };
    let cards = f.rows.iter().enumerate().map(|(i, r)| {
        let text_in = |which: u8| {
            let form = form.clone();
            Callback::from(move |e: InputEvent| {
                let t: web_sys::HtmlInputElement = e.target_unchecked_into();
                let mut f = (*form).clone();
                if which == 0 { f.rows[i].symbol = t.value() } else { f.rows[i].token = t.value() }
                form.set(f);
            })
        };
        let side = |long: bool, label: &'static str| {
            let form = form.clone();
            let on = r.long == long;
            html! { <button type="button" class={classes!("seg", if long { "long" } else { "short" }, on.then_some("on"))} aria-pressed={on.to_string()}
                onclick={Callback::from(move |_| { let mut f = (*form).clone(); f.rows[i].long = long; form.set(f); })}>{ label }</button> }
        };
        let remove = {
            let form = form.clone();
            Callback::from(move |_| { let mut f = (*form).clone(); if f.rows.len() > 1 { f.rows.remove(i); } form.set(f); })
        };
        let nums = r.nums.iter().enumerate().map(|(j, (k, label, hint, t))| {
            let form = form.clone();
            let key = format!("p{i}-{k}");
            let err = field_errors.iter().chain(engine_err.iter()).find(|(e, _)| *e == key).map(|(_, m)| AttrValue::from(m.clone()));
            html! { <NumField id={id(&key)} label={*label} hint={*hint} value={t.text.clone()} error={err} path={format!("positions[{i}].{k}")}
                oninput={Callback::from(move |v: String| { let mut f = (*form).clone(); f.rows[i].nums[j].3.text = v; form.set(f); })} /> }
        });
        html! {
            <li class={classes!("card", "position", (!r.long).then_some("is-short"))} key={i}>
                <div class="pos-head">
                    <div class="field symbol">
                        <label for={id(&format!("p{i}-symbol"))}>{ "Market" }</label>
                        <input id={id(&format!("p{i}-symbol"))} type="text" value={r.symbol.clone()} oninput={text_in(0)} />
                    </div>
                    <div class="segmented" role="group" aria-label="Side">{ side(true, "Long") }{ side(false, "Short") }</div>
                    <div class="field">
                        <label for={id(&format!("p{i}-token"))}>{ "Collateral token" }</label>
                        <input id={id(&format!("p{i}-token"))} type="text" value={r.token.clone()} oninput={text_in(1)} />
                    </div>
                    if f.rows.len() > 1 { <button type="button" class="icon" aria-label={format!("Remove position {}", i + 1)} onclick={remove}>{ "✕" }</button> }
                </div>
                <div class="row">{ for nums }</div>
            </li>
        }
    });
    let add = {
        let set = set.clone();
        Callback::from(move |_| set(&|f: &mut GmxForm| f.rows.push(GmxRow::new("ETH/USD", true, "USDC", 1.0, 3000.0, 3000.0, 300.0, 1.0, 0.0005))))
    };
    let outputs = match work.data.as_deref() {
        None => html! { <section class="card"><p class="hint">{ if field_errors.is_empty() { "computing…" } else { "Fix the marked fields." } }</p></section> },
        Some(Err(e)) => problems(e),
        Some(Ok(r)) => gmx_results(r, work.pending),
    };
    html! { <>
        <div class="inputs">
            <section class="card" aria-labelledby={id("title")}>
                <h2 id={id("title")}>{ "GMX v2 positions" }</h2>
                <p class="hint">{ "gmx-synthetics' liquidation check: collateral + PnL − fees + impact against max(min collateral USD, size × min collateral factor)." }</p>
                <ol class="position-list">{ for cards }</ol>
                <button type="button" onclick={add}>{ "+ Position" }</button>
            </section>
        </div>
        <div class="outputs">{ outputs }</div>
    </> }
}

/// One block of figures per GMX position (a table of seven columns scrolled out of sight even on
/// a desktop card): status and reason, remaining collateral against the leverage floor, both
/// liquidation prices, and what the trader gets back now and at the liquidation price.
fn gmx_results(r: &crate::engine::gmx::GmxReport, pending: bool) -> Html {
    let stat = |k: &str, val: String| html! { <div class="stat"><span class="k">{ k.to_string() }</span><span class="v">{ val }</span></div> };
    html! {
        <section class="card results" aria-live="polite" data-testid="gmx-results">
            <h2>{ "GMX v2 positions" }</h2>
            { pending_note(pending) }
            { for r.positions.iter().enumerate().map(|(i, q)| {
                let side = if q.side == crate::engine::Side::Long { "long" } else { "short" };
                let (status, class) = match &q.reason {
                    Some(why) => (format!("✖ liquidatable ({why})"), "danger"),
                    None => ("✓ safe".to_string(), "ok"),
                };
                let lp = match q.liquidation_price {
                    Some(x) => format!("{} ({})", price(x), q.liquidation_reason),
                    None => "—".into(),
                };
                html! {
                    <div class="gmx-position" data-testid={format!("gmx-position-{i}")}>
                        <h3>
                            { format!("{} {side} {}", q.symbol, num(q.size)) }
                            <span class="sub">{ format!(" · {} · {} {} collateral", usd(q.size_usd), num(q.collateral_amount), q.collateral_token) }</span>
                        </h3>
                        <p class={classes!("status", class)}>{ status }</p>
                        if q.collateral_is_index_token { <p class="hint">{ format!("{} moves with the index: a fall hits the PnL and the collateral together.", q.collateral_token) }</p> }
                        <div class="stats">
                            { stat("Remaining collateral", usd(q.remaining_collateral_usd)) }
                            { stat("Min. for leverage", usd(q.min_collateral_usd_for_leverage)) }
                            { stat("PnL", usd(q.pnl_usd)) }
                            { stat("Fees + impact", usd(q.fees_usd - q.price_impact_usd)) }
                            { stat("Leverage", q.leverage.map_or("—".into(), |l| format!("{l:.2}×"))) }
                            { stat("Liquidation price", lp) }
                            { stat("Distance", q.distance_to_liquidation.map_or("—".into(), pct)) }
                            { stat(&format!("{} liq. price", q.collateral_token), q.collateral_liquidation_price.map_or("—".into(), price)) }
                            { stat("Back if liquidated now", format!("{} {} ({})", num(q.returned_collateral_now), q.collateral_token, usd(q.returned_usd_now))) }
                            { stat("Back at the liq. price", q.returned_collateral_at_liquidation.map_or("—".into(), |c| format!("{} {}", num(c), q.collateral_token))) }
                        </div>
                    </div>
                }
            }) }
            <p class="hint">{ r.positions.first().map(|q| q.formula.clone()).unwrap_or_default() }</p>
        </section>
    }
}
