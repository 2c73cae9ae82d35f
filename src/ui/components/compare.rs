//! The same positions under every venue preset, side by side.
//!
//! Each position keeps the contract type it has under the current venue (so `size` keeps its
//! meaning), and everything else the user overrode stays as entered; only the preset changes.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::{Report, Scenario};
use crate::ui::worker::use_work;
use crate::work::{Compared, Task};
use crate::ui::components::account_form::venue_label;
use crate::ui::format::{lev, num, pct, price};

#[derive(Properties, PartialEq, Clone)]
pub struct CompareProps {
    pub idp: AttrValue,
    pub scenario: Rc<Scenario>,
    pub report: Rc<Report>,
}

const MAX_COLS: usize = 6;

#[function_component(Compare)]
pub fn compare(p: &CompareProps) -> Html {
    // Open from the start: the table has a view of its own.
    let open = use_state_eq(|| true);
    // Computed by the worker, only while the table is open.
    let work = use_work::<Compared>(open.then_some(Task::Compare), Some(p.scenario.clone()));
    let empty = Vec::new();
    let rows: &Compared = match work.data.as_deref() {
        Some(Ok(r)) => r,
        _ => &empty,
    };
    let toggle = {
        let open = open.clone();
        Callback::from(move |_| open.set(!*open))
    };
    let cur = &p.report;
    let cols = cur.positions.len().min(MAX_COLS);
    let diff = |a: Option<f64>, b: Option<f64>| -> Option<String> {
        match (a, b) {
            (Some(x), Some(y)) if y != 0.0 && ((x - y) / y).abs() > 1e-4 => Some(format!("{:+.2} %", (x - y) / y * 100.0)),
            (Some(_), None) | (None, Some(_)) => Some("differs".into()),
            _ => None,
        }
    };
    html! {
        <section class="card compare" aria-labelledby={format!("{}-cmp", p.idp)}>
            <h2 id={format!("{}-cmp", p.idp)}>
                <button type="button" class="link" aria-expanded={if *open { "true" } else { "false" }} onclick={toggle}>
                    { if *open { "▾ Compare venues" } else { "▸ Compare venues" } }
                </button>
            </h2>
            if *open {
                <p class="hint">{ "The same positions under every preset. Cells that differ from your current venue are marked with ≠ and the difference." }
                    if work.pending { <span class="updating" role="status">{ " updating…" }</span> }</p>
                if let Some(Err(e)) = work.data.as_deref() { <p class="bad">{ e.clone() }</p> }
                <div class="table-wrap" tabindex="0" role="region" aria-label="Venue comparison (scrolls sideways)">
                <table class="compare-table">
                    <thead><tr>
                        <th scope="col">{ "Venue" }</th>
                        { for (0..cols).map(|i| html! { <th scope="col">{ format!("#{} liquidation", i + 1) }</th> }) }
                        <th scope="col">{ "Maintenance (total)" }</th>
                        <th scope="col">{ "Max leverage #1" }</th>
                        <th scope="col">{ "Closing fee in liq." }</th>
                    </tr></thead>
                    <tbody>
                    { for rows.iter().map(|(v, r)| {
                        let current = *v == cur.venue;
                        match r {
                            Err(e) => html! {
                                <tr data-venue={v.name()}>
                                    <th scope="row">{ venue_label(*v) }</th>
                                    <td colspan={(cols + 3).to_string()} class="bad">{ format!("not comparable: {e}") }</td>
                                </tr>
                            },
                            Ok(r) => {
                                let cell = |val: String, d: Option<String>| {
                                    let changed = d.is_some() && !current;
                                    html! {
                                        <td class={classes!(changed.then_some("diff"))}>
                                            { val }
                                            if changed { <span class="delta">{ format!(" ≠ {}", d.unwrap_or_default()) }</span> }
                                        </td>
                                    }
                                };
                                let fee_counted = r.positions.iter().any(|q| q.closing_fee > 0.0);
                                let cur_fee = cur.positions.iter().any(|q| q.closing_fee > 0.0);
                                html! {
                                    <tr class={classes!(current.then_some("current"))} data-venue={v.name()}>
                                        <th scope="row">{ venue_label(*v) }{ if current { " (current)" } else { "" } }</th>
                                        { for (0..cols).map(|i| {
                                            let a = r.positions.get(i).and_then(|q| q.liquidation_price);
                                            let b = cur.positions.get(i).and_then(|q| q.liquidation_price);
                                            cell(a.map(price).unwrap_or_else(|| "none".into()), diff(a, b))
                                        }) }
                                        { cell(num(r.account.total_maintenance_margin), diff(Some(r.account.total_maintenance_margin), Some(cur.account.total_maintenance_margin))) }
                                        { {
                                            let a = r.positions.first().and_then(|q| q.max_leverage);
                                            let b = cur.positions.first().and_then(|q| q.max_leverage);
                                            cell(a.map(lev).unwrap_or_else(|| "—".into()), diff(a, b))
                                        } }
                                        { cell(
                                            if fee_counted { format!("yes ({})", pct(r.positions.iter().map(|q| q.closing_fee / q.notional.max(1e-300)).fold(0.0, f64::max))) } else { "no".into() },
                                            (fee_counted != cur_fee).then(|| "differs".to_string()),
                                        ) }
                                    </tr>
                                }
                            }
                        }
                    }) }
                    </tbody>
                </table>
                </div>
                if cur.positions.len() > MAX_COLS {
                    <p class="hint">{ format!("Showing the first {MAX_COLS} positions' liquidation prices; the totals cover all {}.", cur.positions.len()) }</p>
                }
            }
        </section>
    }
}
