//! The defaults the compute entry assumed for an answer, shown next to the analysis that used
//! them: one compact line (`assumed: volatility BTCUSDT 0.60/yr · horizon 7 d`) that opens into
//! each value's path, value and source. The same list is in the result of `leverlab compute`
//! and JS `compute` (`assumptions`), so what the page assumed is what the other doors assume.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::compute::Assumption;
use crate::ui::format;

#[derive(Properties, PartialEq, Clone)]
pub struct AssumedProps {
    pub list: Rc<Vec<Assumption>>,
}

/// A number as a person writes it: whole numbers grouped, others to 4 significant digits.
fn short_num(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format::num(v).trim_end_matches(".00").to_string()
    } else {
        let s = format!("{:.*}", (3 - v.abs().log10().floor() as i32).clamp(0, 10) as usize, v);
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
    }
}

/// The value of an assumption, short: a number, a text, or (for a whole section such as the
/// generated market) its number of fields.
pub fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Number(n) => n.as_f64().map(short_num).unwrap_or_else(|| n.to_string()),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// The assumption in a few words: `volatility BTCUSDT 0.6/yr`, `horizon 7 d`, `generated
/// market`, `depth`, else `grid range 0.16`.
pub fn label(a: &Assumption) -> String {
    if let Some(sym) = a.path.strip_prefix("market.volatility.") {
        return format!("volatility {sym} {}/yr", value_text(&a.value));
    }
    if a.path.ends_with(".horizon") {
        return format!("horizon {} d", value_text(&a.value));
    }
    match a.path.as_str() {
        "market.generator" => "a generated market".into(),
        "market.depth" => "market depth".into(),
        p => format!("{} {}", p.replace('.', " "), value_text(&a.value)),
    }
}

/// Nothing when the list is empty.
#[function_component(Assumed)]
pub fn assumed(p: &AssumedProps) -> Html {
    if p.list.is_empty() {
        return html! {};
    }
    let summary = p.list.iter().map(label).collect::<Vec<_>>().join(" · ");
    html! {
        <details class="assumed" data-assumed={p.list.len().to_string()}>
            <summary><span class="assumed-label">{ "assumed: " }</span>{ summary }</summary>
            <ul>
                { for p.list.iter().map(|a| {
                    let value = match &a.value {
                        v @ (serde_json::Value::Object(_) | serde_json::Value::Array(_)) => v.to_string(),
                        v => value_text(v),
                    };
                    html! { <li data-path={a.path.clone()}><code>{ format!("{} = {}", a.path, value) }</code>{ format!(" — {}", a.source) }</li> }
                }) }
            </ul>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_as_words() {
        let a = |p: &str, v: serde_json::Value| Assumption { path: p.into(), value: v, source: "s".into() };
        assert_eq!(label(&a("market.volatility.BTCUSDT", serde_json::json!(0.6))), "volatility BTCUSDT 0.6/yr");
        assert_eq!(label(&a("probability.horizon", serde_json::json!(7.0))), "horizon 7 d");
        assert_eq!(label(&a("grid.range", serde_json::json!(0.16))), "grid range 0.16");
        assert_eq!(label(&a("map.bins", serde_json::json!(20000))), "map bins 20,000");
        assert_eq!(label(&a("market.generator", serde_json::json!({"seed": 1}))), "a generated market");
    }
}
