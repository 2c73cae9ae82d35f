//! The "Market" part of the form: the assumptions of the risk analytics (volatility per
//! symbol, drift, horizon, funding, mark–last spread, tails) and of the market book (price,
//! depth model, position generator, imported market positions).
//!
//! Like the rest of the form, every number is kept as typed ([`MarketForm`]) and parsed into
//! the Scenario's `market` section by [`MarketForm::apply_to`]; problems are keyed by the
//! engine's own paths (`market.volatility.BTCUSDT`) so they show next to the field. An empty
//! field means "default": the worker uses [`crate::engine::compute::defaults::effective`]'s defaults,
//! shown here as placeholders, and nothing is written into the Scenario for it. Parts of the
//! `market` section this form does not edit (correlation, jumps, price history, …) are kept
//! from the loaded Scenario.

use std::collections::BTreeMap;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::engine::analytics::Tail;
use crate::engine::cascade::{parse_positions_csv, Depth, Generator, ImpactModel, MarketPosition};
use crate::engine::{InputErrors, Market};
use crate::ui::charts::market as defaults;
use crate::ui::browser;
use crate::ui::components::field::NumField;
use crate::ui::form::{Errors, FormState};
use crate::ui::parse::{field_text, parse_number, percent_text, NumKind};
use crate::ui::state::{Action, AppState};

/// One text field of the market form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MarketField {
    Drift,
    Horizon,
    Funding,
    Spread,
    Nu,
    Price,
    DepthLinear,
    SqrtY,
    SqrtVol,
    SqrtVolume,
    AmmBase,
    AmmQuote,
    OiLong,
    OiShort,
    Buckets,
    EntrySpread,
    Seed,
    Count,
}

impl MarketField {
    /// The engine's path of the field (errors are keyed by it).
    pub fn path(self) -> &'static str {
        match self {
            MarketField::Drift => "market.drift",
            MarketField::Horizon => "market.horizon_days",
            MarketField::Funding => "market.funding_rate_8h",
            MarketField::Spread => "market.mark_last_spread",
            MarketField::Nu => "market.tail.student_t",
            MarketField::Price => "market.price",
            MarketField::DepthLinear => "market.depth.notional_per_pct",
            MarketField::SqrtY => "market.depth.y",
            MarketField::SqrtVol => "market.depth.daily_volatility",
            MarketField::SqrtVolume => "market.depth.daily_volume",
            MarketField::AmmBase => "market.depth.base_reserve",
            MarketField::AmmQuote => "market.depth.quote_reserve",
            MarketField::OiLong => "market.generator.open_interest_long",
            MarketField::OiShort => "market.generator.open_interest_short",
            MarketField::Buckets => "market.generator.leverage_buckets",
            MarketField::EntrySpread => "market.generator.entry_spread",
            MarketField::Seed => "market.generator.seed",
            MarketField::Count => "market.generator.count",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DepthKind {
    #[default]
    Linear,
    Sqrt,
    Amm,
    /// A depth profile from a loaded Scenario (kept, not edited here).
    Profile,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TailKind {
    #[default]
    Normal,
    StudentT,
}

/// The market section as typed.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct MarketForm {
    /// The loaded market: parts not edited here are kept from it.
    pub base: Market,
    /// Volatility per symbol, in % per year.
    pub volatility: BTreeMap<String, String>,
    pub texts: BTreeMap<&'static str, String>,
    pub tail: TailKind,
    pub depth: DepthKind,
    /// Market positions imported from a file (or loaded with the Scenario).
    pub positions: Vec<MarketPosition>,
}

/// An edit of the market form.
#[derive(Clone, Debug, PartialEq)]
pub enum MarketEdit {
    Text(MarketField, String),
    Volatility(String, String),
    Tail(TailKind),
    Depth(DepthKind),
    SetPositions(Vec<MarketPosition>),
}

fn pct_signed(v: f64) -> String {
    let r = (v * 100.0 * 1e10).round() / 1e10;
    if r < 0.0 {
        format!("-{}", field_text(-r))
    } else {
        field_text(r)
    }
}

/// Leverage buckets as typed: `5:30, 10:30, 25:20`.
fn buckets_text(b: &BTreeMap<String, f64>) -> String {
    let mut v: Vec<(f64, &String, f64)> = b.iter().map(|(k, w)| (k.parse::<f64>().unwrap_or(0.0), k, *w)).collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    v.iter().map(|(_, k, w)| format!("{k}:{}", field_text(*w))).collect::<Vec<_>>().join(", ")
}

fn parse_buckets(text: &str) -> Result<BTreeMap<String, f64>, String> {
    let mut out = BTreeMap::new();
    for part in text.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
        let (k, w) = part.split_once(':').ok_or_else(|| format!("`{part}`: write leverage:weight, e.g. 10:30"))?;
        let k = k.trim().trim_end_matches(['x', 'X', '×']);
        let lev: f64 = k.parse().map_err(|_| format!("`{part}`: the leverage `{k}` is not a number"))?;
        if !(1.0..=1000.0).contains(&lev) {
            return Err(format!("`{part}`: leverage must be from 1 to 1000"));
        }
        let w: f64 = w.trim().trim_end_matches('%').parse().map_err(|_| format!("`{part}`: the weight is not a number"))?;
        if !(w.is_finite() && w >= 0.0) {
            return Err(format!("`{part}`: the weight must be 0 or more"));
        }
        out.insert(field_text(lev), w);
    }
    if !out.is_empty() && out.values().sum::<f64>() <= 0.0 {
        return Err("the weights must not all be zero".into());
    }
    Ok(out)
}

impl MarketForm {
    pub fn from_market(m: Option<&Market>) -> Self {
        let m = m.cloned().unwrap_or_default();
        let mut f = MarketForm { base: m.clone(), positions: m.book.positions.clone(), ..Default::default() };
        for (sym, v) in &m.risk.volatility {
            f.volatility.insert(sym.clone(), percent_text(*v));
        }
        let mut t = |k: MarketField, v: Option<String>| {
            if let Some(v) = v {
                f.texts.insert(k.path(), v);
            }
        };
        t(MarketField::Drift, m.risk.drift.map(pct_signed));
        t(MarketField::Horizon, m.risk.horizon_days.map(field_text));
        t(MarketField::Funding, m.risk.funding_rate_8h.map(pct_signed));
        t(MarketField::Spread, m.risk.mark_last_spread.map(percent_text));
        if let Some(Tail::StudentT(nu)) = m.risk.tail {
            t(MarketField::Nu, Some(field_text(nu)));
        }
        t(MarketField::Price, m.book.price.map(field_text));
        if let Some(d) = &m.book.depth {
            match &d.model {
                ImpactModel::Linear { notional_per_pct } => t(MarketField::DepthLinear, Some(field_text(*notional_per_pct))),
                ImpactModel::Sqrt { y, daily_volatility, daily_volume } => {
                    t(MarketField::SqrtY, Some(field_text(*y)));
                    t(MarketField::SqrtVol, Some(percent_text(*daily_volatility)));
                    t(MarketField::SqrtVolume, Some(field_text(*daily_volume)));
                }
                ImpactModel::Amm { base_reserve, quote_reserve } => {
                    t(MarketField::AmmBase, Some(field_text(*base_reserve)));
                    t(MarketField::AmmQuote, Some(field_text(*quote_reserve)));
                }
                ImpactModel::Profile { .. } => {}
            }
        }
        if let Some(g) = &m.book.generator {
            t(MarketField::OiLong, Some(field_text(g.open_interest_long)));
            t(MarketField::OiShort, Some(field_text(g.open_interest_short)));
            if !g.leverage_buckets.is_empty() {
                t(MarketField::Buckets, Some(buckets_text(&g.leverage_buckets)));
            }
            t(MarketField::EntrySpread, Some(percent_text(g.entry_spread)));
            t(MarketField::Seed, Some(g.seed.to_string()));
            t(MarketField::Count, Some(g.count.to_string()));
        }
        f.tail = if matches!(m.risk.tail, Some(Tail::StudentT(_))) { TailKind::StudentT } else { TailKind::Normal };
        f.depth = match m.book.depth.as_ref().map(|d| &d.model) {
            Some(ImpactModel::Sqrt { .. }) => DepthKind::Sqrt,
            Some(ImpactModel::Amm { .. }) => DepthKind::Amm,
            Some(ImpactModel::Profile { .. }) => DepthKind::Profile,
            _ => DepthKind::Linear,
        };
        f
    }

    pub fn text(&self, k: MarketField) -> &str {
        self.texts.get(k.path()).map(String::as_str).unwrap_or("")
    }

    pub fn apply(&mut self, e: MarketEdit) {
        match e {
            MarketEdit::Text(k, v) => {
                self.texts.insert(k.path(), v);
            }
            MarketEdit::Volatility(sym, v) => {
                self.volatility.insert(sym, v);
            }
            MarketEdit::Tail(t) => self.tail = t,
            MarketEdit::Depth(d) => self.depth = d,
            MarketEdit::SetPositions(p) => self.positions = p,
        }
    }

    /// Parses the texts into the Scenario's market section. On success `form.market` is
    /// replaced; on any problem it keeps its last good value and the problems are returned.
    pub fn apply_to(&self, form: &mut FormState) -> Errors {
        let mut errors = Errors::new();
        let mut num = |k: MarketField, kind: NumKind| -> Option<f64> {
            match parse_number(self.text(k), kind) {
                Ok(v) => v,
                Err(e) => {
                    errors.insert(k.path().to_string(), e);
                    None
                }
            }
        };
        let mut m = self.base.clone();
        let pct = |v: Option<f64>| v.map(|x| x * 0.01);
        m.risk.drift = pct(num(MarketField::Drift, NumKind::Signed));
        m.risk.horizon_days = num(MarketField::Horizon, NumKind::Amount);
        m.risk.funding_rate_8h = pct(num(MarketField::Funding, NumKind::Signed));
        m.risk.mark_last_spread = num(MarketField::Spread, NumKind::Percent);
        let nu = num(MarketField::Nu, NumKind::Amount);
        m.risk.tail = match self.tail {
            TailKind::Normal => None,
            TailKind::StudentT => Some(Tail::StudentT(nu.unwrap_or(4.0))),
        };
        m.book.price = num(MarketField::Price, NumKind::Amount);
        m.book.depth = match self.depth {
            DepthKind::Profile => self.base.book.depth.clone(),
            DepthKind::Linear => num(MarketField::DepthLinear, NumKind::Amount)
                .map(|d| Depth { model: ImpactModel::Linear { notional_per_pct: d }, refill_half_life: None, round_seconds: None }),
            DepthKind::Sqrt => {
                let (y, v, vol) = (num(MarketField::SqrtY, NumKind::Amount), num(MarketField::SqrtVol, NumKind::Percent), num(MarketField::SqrtVolume, NumKind::Amount));
                let (dy, dv, dvol) = defaults::DEFAULT_SQRT;
                Some(Depth {
                    model: ImpactModel::Sqrt { y: y.unwrap_or(dy), daily_volatility: v.unwrap_or(dv), daily_volume: vol.unwrap_or(dvol) },
                    refill_half_life: None,
                    round_seconds: None,
                })
            }
            DepthKind::Amm => {
                let base = num(MarketField::AmmBase, NumKind::Amount).unwrap_or(defaults::DEFAULT_AMM_BASE);
                let price = m.book.price.or_else(|| form.positions.first().and_then(|p| parse_number(&p.entry_price, NumKind::Amount).ok().flatten())).unwrap_or(1.0);
                let quote = num(MarketField::AmmQuote, NumKind::Amount).unwrap_or(base * price);
                Some(Depth { model: ImpactModel::Amm { base_reserve: base, quote_reserve: quote }, refill_half_life: None, round_seconds: None })
            }
        };
        if let Some(d) = m.book.depth.as_mut() {
            if let Some(b) = &self.base.book.depth {
                d.refill_half_life = b.refill_half_life;
                d.round_seconds = b.round_seconds;
            }
        }
        let gen_keys = [MarketField::OiLong, MarketField::OiShort, MarketField::Buckets, MarketField::EntrySpread, MarketField::Seed, MarketField::Count];
        let any_gen = gen_keys.iter().any(|k| !self.text(*k).trim().is_empty());
        m.book.generator = if any_gen {
            let mut g = self.base.book.generator.clone().unwrap_or_else(|| Generator { leverage_buckets: BTreeMap::new(), ..defaults::default_generator() });
            g.open_interest_long = num(MarketField::OiLong, NumKind::Amount).unwrap_or(defaults::DEFAULT_OI_LONG);
            g.open_interest_short = num(MarketField::OiShort, NumKind::Amount).unwrap_or(defaults::DEFAULT_OI_SHORT);
            g.entry_spread = num(MarketField::EntrySpread, NumKind::Percent).unwrap_or(defaults::DEFAULT_SPREAD);
            let whole = |v: Option<f64>, k: MarketField, errors: &mut Errors| match v {
                Some(x) if x.fract() != 0.0 => {
                    errors.insert(k.path().to_string(), format!("`{}` is not a whole number", self.text(k).trim()));
                    None
                }
                v => v,
            };
            let seed = num(MarketField::Seed, NumKind::Amount);
            let count = num(MarketField::Count, NumKind::Amount);
            g.seed = whole(seed, MarketField::Seed, &mut errors).map_or(defaults::DEFAULT_SEED, |x| x.min(u64::MAX as f64) as u64);
            g.count = whole(count, MarketField::Count, &mut errors).map_or(defaults::DEFAULT_COUNT, |x| x.min(1e12) as usize);
            match parse_buckets(self.text(MarketField::Buckets)) {
                Ok(b) => g.leverage_buckets = b,
                Err(e) => {
                    errors.insert(MarketField::Buckets.path().to_string(), e);
                }
            }
            Some(g)
        } else {
            None
        };
        // Volatility per symbol: typed ones replace, emptied ones are removed.
        for (sym, text) in &self.volatility {
            match parse_number(text, NumKind::Percent) {
                Ok(Some(v)) => {
                    m.risk.volatility.insert(sym.clone(), v);
                }
                Ok(None) => {
                    m.risk.volatility.remove(sym);
                }
                Err(e) => {
                    errors.insert(format!("market.volatility.{sym}"), e);
                }
            }
        }
        m.book.positions = self.positions.clone();
        if errors.is_empty() {
            form.market = (m != Market::default()).then_some(m);
        }
        errors
    }
}

/// Whether an error path belongs to a field of this form (shown next to it).
pub fn shown_on_field(path: &str) -> bool {
    path.starts_with("market.volatility.")
        || path.starts_with("market.generator.leverage_buckets")
        || [
            MarketField::Drift,
            MarketField::Horizon,
            MarketField::Funding,
            MarketField::Spread,
            MarketField::Nu,
            MarketField::Price,
            MarketField::DepthLinear,
            MarketField::SqrtY,
            MarketField::SqrtVol,
            MarketField::SqrtVolume,
            MarketField::AmmBase,
            MarketField::AmmQuote,
            MarketField::OiLong,
            MarketField::OiShort,
            MarketField::EntrySpread,
            MarketField::Seed,
            MarketField::Count,
        ]
        .iter()
        .any(|f| f.path() == path)
}

/// Market positions from a file: CSV (`side,size,entry_price,leverage,…`), a JSON array of
/// positions, or a JSON object with `positions` (a Scenario's `market` section or the whole
/// Scenario).
///
/// # Errors
/// A sentence naming the file and the first problems (with their line or path).
pub fn import_positions(name: &str, text: &str) -> Result<Vec<MarketPosition>, String> {
    let fail = |e: InputErrors| {
        let mut lines: Vec<String> = e.0.iter().take(5).map(|f| f.to_string()).collect();
        if e.0.len() > 5 {
            lines.push(format!("… and {} more", e.0.len() - 5));
        }
        format!("“{name}” was not imported: {}", lines.join("; "))
    };
    let t = text.trim_start();
    if t.starts_with('[') || t.starts_with('{') {
        let v = crate::engine::input::parse_json(t).map_err(|e| format!("“{name}” is not valid JSON: {}", e.message))?;
        let (arr, path) = match &v {
            serde_json::Value::Array(_) => (v.clone(), "positions"),
            serde_json::Value::Object(o) => match o.get("market").and_then(|m| m.get("positions")) {
                Some(p) => (p.clone(), "market.positions"),
                None => (o.get("positions").cloned().ok_or_else(|| format!("“{name}”: no `positions` array found"))?, "positions"),
            },
            _ => return Err(format!("“{name}”: expected an array of positions")),
        };
        let ps = crate::engine::cascade::positions_from_json(&arr, path).map_err(fail)?;
        Ok(ps)
    } else {
        parse_positions_csv(text).map_err(fail)
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct MarketFormCardProps {
    pub idp: AttrValue,
    pub form: MarketForm,
    /// Distinct symbols of the positions, in order.
    pub symbols: Vec<String>,
    pub errors: std::rc::Rc<Errors>,
    pub dispatch: UseReducerDispatcher<AppState>,
    /// The currency of the market's amounts (the first position's: `USDT`).
    #[prop_or_else(|| AttrValue::from("USD"))]
    pub currency: AttrValue,
}

#[function_component(MarketFormCard)]
pub fn market_form_card(p: &MarketFormCardProps) -> Html {
    let open = use_state_eq(|| true);
    let import_msg = use_state_eq(|| None::<(bool, String)>);
    let reader = use_mut_ref(|| None::<gloo::file::callbacks::FileReader>);
    let d = p.dispatch.clone();
    let err = |path: &str| p.errors.get(path).map(|e| AttrValue::from(e.clone()));
    let field = |k: MarketField, label: &'static str, hint: Option<&'static str>, placeholder: String| {
        let d = d.clone();
        // Amounts name the market's currency rather than "quote".
        let hint = hint.map(|h| if h == "quote" { p.currency.clone() } else { AttrValue::from(h) });
        html! {
            <NumField id={format!("{}-{}", p.idp, k.path().replace('.', "-"))} label={label} {hint}
                value={AttrValue::from(p.form.text(k).to_string())} error={err(k.path())} path={k.path()}
                placeholder={AttrValue::from(placeholder)}
                oninput={Callback::from(move |t: String| d.dispatch(Action::Market(MarketEdit::Text(k, t))))} />
        }
    };
    let vols = p.symbols.iter().map(|sym| {
        let d = d.clone();
        let s2 = sym.clone();
        let path = format!("market.volatility.{sym}");
        let value = p.form.volatility.get(sym).cloned().unwrap_or_else(|| {
            p.form.base.risk.volatility.get(sym).map(|v| percent_text(*v)).unwrap_or_default()
        });
        html! {
            <NumField id={format!("{}-vol-{}", p.idp, sym.replace(|c: char| !c.is_ascii_alphanumeric(), "_"))}
                label={format!("σ {}", if sym.is_empty() { "(no symbol)" } else { sym })} hint="%/yr"
                value={AttrValue::from(value)} error={err(&path)} path={AttrValue::from(path.clone())}
                placeholder={AttrValue::from(format!("default {}", percent_text(defaults::default_volatility(sym))))}
                oninput={Callback::from(move |t: String| d.dispatch(Action::Market(MarketEdit::Volatility(s2.clone(), t))))} />
        }
    });
    let on_tail = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let sel: HtmlSelectElement = e.target_unchecked_into();
            d.dispatch(Action::Market(MarketEdit::Tail(if sel.value() == "t" { TailKind::StudentT } else { TailKind::Normal })));
        })
    };
    let on_depth = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let sel: HtmlSelectElement = e.target_unchecked_into();
            let k = match sel.value().as_str() {
                "sqrt" => DepthKind::Sqrt,
                "amm" => DepthKind::Amm,
                "profile" => DepthKind::Profile,
                _ => DepthKind::Linear,
            };
            d.dispatch(Action::Market(MarketEdit::Depth(k)));
        })
    };
    let on_file = {
        let d = d.clone();
        let msg = import_msg.clone();
        let reader = reader.clone();
        Callback::from(move |e: Event| {
            let d = d.clone();
            let msg = msg.clone();
            browser::read_picked_file(&e, &reader, move |name, res| match res.and_then(|text| import_positions(&name, &text)) {
                Ok(ps) => {
                    msg.set(Some((false, format!("Imported {} market positions from “{name}”.", ps.len()))));
                    d.dispatch(Action::Market(MarketEdit::SetPositions(ps)));
                }
                Err(m) => msg.set(Some((true, m))),
            });
        })
    };
    let clear = {
        let d = d.clone();
        let msg = import_msg.clone();
        Callback::from(move |_| {
            msg.set(None);
            d.dispatch(Action::Market(MarketEdit::SetPositions(Vec::new())))
        })
    };
    let toggle = {
        let open = open.clone();
        Callback::from(move |_| open.set(!*open))
    };
    // A visible button opens the hidden file input (keyboard-reachable, like the toolbar's Import).
    let file_ref = use_node_ref();
    let pick = {
        let file_ref = file_ref.clone();
        Callback::from(move |_| {
            if let Some(i) = file_ref.cast::<HtmlInputElement>() {
                i.click();
            }
        })
    };
    let f = &p.form;
    let depth_sel = |v: &'static str, label: &'static str, k: DepthKind| html! { <option value={v} selected={f.depth == k}>{ label }</option> };
    let file_id = format!("{}-market-import", p.idp);
    html! {
        <section class="card market" aria-labelledby={format!("{}-mkt", p.idp)} data-section="market">
            <h2 id={format!("{}-mkt", p.idp)}>
                <button type="button" class="link" aria-expanded={if *open { "true" } else { "false" }} onclick={toggle}>
                    { if *open { "▾ Market assumptions" } else { "▸ Market assumptions" } }
                </button>
            </h2>
            if *open {
                <p class="hint">{ "Used by the stress, probability, map and cascade panels. Empty fields use the default shown in grey." }</p>
                <h3 class="market-sub">{ "Price process" }</h3>
                <div class="row">
                    { for vols }
                    { field(MarketField::Drift, "Drift", Some("% per year"), "default 0".into()) }
                    { field(MarketField::Horizon, "Horizon", Some("days"), format!("default {}", defaults::DEFAULT_HORIZON_DAYS)) }
                    { field(MarketField::Funding, "Funding per 8 h", Some("%"), "default 0".into()) }
                    { field(MarketField::Spread, "Mark–last spread", Some("%"), "default 0".into()) }
                    <div class="field">
                        <label for={format!("{}-tail", p.idp)}>{ "Tails (Monte Carlo)" }</label>
                        <select id={format!("{}-tail", p.idp)} onchange={on_tail} data-path="market.tail">
                            <option value="normal" selected={f.tail == TailKind::Normal}>{ "Normal" }</option>
                            <option value="t" selected={f.tail == TailKind::StudentT}>{ "Student-t" }</option>
                        </select>
                    </div>
                    if f.tail == TailKind::StudentT {
                        { field(MarketField::Nu, "Degrees of freedom ν", Some("> 2"), "default 4".into()) }
                    }
                </div>
                <h3 class="market-sub">{ "Market book" }</h3>
                <div class="row">
                    { field(MarketField::Price, "Market price", None, "default: first mark".into()) }
                    <div class="field">
                        <label for={format!("{}-depth", p.idp)}>{ "Depth model" }</label>
                        <select id={format!("{}-depth", p.idp)} onchange={on_depth} data-path="market.depth.model">
                            { depth_sel("linear", "Linear: notional per 1 %", DepthKind::Linear) }
                            { depth_sel("sqrt", "Square-root law", DepthKind::Sqrt) }
                            { depth_sel("amm", "AMM (x·y = k)", DepthKind::Amm) }
                            if f.depth == DepthKind::Profile { { depth_sel("profile", "Profile (from file)", DepthKind::Profile) } }
                        </select>
                    </div>
                    {
                        match f.depth {
                            DepthKind::Linear => field(MarketField::DepthLinear, "Depth per 1 %", Some("quote"), format!("default {}", defaults::short(defaults::DEFAULT_DEPTH))),
                            DepthKind::Sqrt => html! { <>
                                { field(MarketField::SqrtY, "Y", None, "default 1".into()) }
                                { field(MarketField::SqrtVol, "Daily volatility", Some("%"), "default 3".into()) }
                                { field(MarketField::SqrtVolume, "Daily volume", Some("quote"), "default 2B".into()) }
                            </> },
                            DepthKind::Amm => html! { <>
                                { field(MarketField::AmmBase, "Base reserve", None, "default 10,000".into()) }
                                { field(MarketField::AmmQuote, "Quote reserve", None, "default base × price".into()) }
                            </> },
                            DepthKind::Profile => html! { <p class="hint">{ "Depth profile from the loaded scenario." }</p> },
                        }
                    }
                </div>
                <h3 class="market-sub">{ "Generated market positions" }</h3>
                <div class="row">
                    { field(MarketField::OiLong, "Open interest long", Some("quote"), format!("default {}", defaults::short(defaults::DEFAULT_OI_LONG))) }
                    { field(MarketField::OiShort, "Open interest short", Some("quote"), format!("default {}", defaults::short(defaults::DEFAULT_OI_SHORT))) }
                    { field(MarketField::Buckets, "Leverage buckets", Some("lev:weight"), "default 5:30, 10:30, 25:20, 50:15, 100:5".into()) }
                    { field(MarketField::EntrySpread, "Entry spread ±", Some("%"), format!("default {}", percent_text(defaults::DEFAULT_SPREAD))) }
                    { field(MarketField::Seed, "Seed", None, format!("default {}", defaults::DEFAULT_SEED)) }
                    { field(MarketField::Count, "Count", Some("≤ 5,000,000"), format!("default {}", defaults::DEFAULT_COUNT)) }
                </div>
                <div class="buttons market-import">
                    <button type="button" class="import-market" onclick={pick} aria-controls={file_id.clone()}>{ "Import market positions (CSV/JSON)…" }</button>
                    <input id={file_id} ref={file_ref} class="sr-only file" type="file" tabindex="-1" aria-label="Import market positions (.csv or .json)"
                        accept=".csv,.json,text/csv,application/json" onchange={on_file} />
                    if !f.positions.is_empty() {
                        <span class="hint">{ format!("{} market positions loaded", f.positions.len()) }</span>
                        <button type="button" onclick={clear}>{ "Clear" }</button>
                    }
                </div>
                if let Some((bad, m)) = &*import_msg {
                    <p class={classes!("hint", bad.then_some("bad"))} role="status">{ m.clone() }</p>
                }
                <p class="hint">{ "CSV columns: side,size,entry_price,leverage,liquidation_price,venue,symbol (leverage or liquidation_price per row)." }</p>
            }
        </section>
    }
}

/// Distinct symbols of the form's positions (trimmed), in order: one volatility field each.
pub fn form_symbols(f: &FormState) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in &f.positions {
        let s = p.symbol.trim().to_string();
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}
