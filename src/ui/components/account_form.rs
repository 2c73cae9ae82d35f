//! The account: venue preset, margin mode and (cross) wallet balance. It reports each edit
//! through its `on<verb>` callbacks and knows nothing of the page's state.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::engine::{MarginMode, Venue};
use crate::ui::components::field::NumField;

#[derive(Properties, PartialEq, Clone)]
pub struct AccountFormProps {
    pub idp: AttrValue,
    pub venue: Venue,
    pub mode: MarginMode,
    pub wallet: AttrValue,
    pub wallet_error: Option<AttrValue>,
    pub settlement_hint: AttrValue,
    /// A venue preset was picked.
    pub onvenue: Callback<Venue>,
    /// A margin mode was picked.
    pub onmode: Callback<MarginMode>,
    /// The wallet balance's text changed.
    pub onwallet: Callback<String>,
}

/// How the page names a venue preset.
pub fn venue_label(v: Venue) -> &'static str {
    match v {
        Venue::BinanceUsdm => "Binance USD-M",
        Venue::BinanceCoinm => "Binance COIN-M",
        Venue::Bybit => "Bybit (Unified Trading Account)",
        Venue::BybitClassic => "Bybit (classic account)",
        Venue::Okx => "OKX",
        Venue::Gate => "Gate",
        Venue::Hyperliquid => "Hyperliquid",
        Venue::Dydx => "dYdX",
        Venue::Bitmex => "BitMEX",
        Venue::Deribit => "Deribit",
        Venue::Generic => "Generic",
        // DeFi protocols: answered by the CLI and JS API; their page panels are still to come.
        Venue::AaveV3 => "Aave v3",
        Venue::MorphoBlue => "Morpho Blue",
        Venue::GmxV2 => "GMX v2",
        Venue::Maker => "Maker",
    }
}

#[function_component(AccountForm)]
pub fn account_form(p: &AccountFormProps) -> Html {
    let on_venue = {
        let onvenue = p.onvenue.clone();
        Callback::from(move |e: Event| {
            let sel: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(v) = Venue::from_name(&sel.value()) {
                onvenue.emit(v);
            }
        })
    };
    let mode_button = |m: MarginMode, label: &'static str| {
        let onmode = p.onmode.clone();
        let on = p.mode == m;
        html! {
            <button type="button" class={classes!("seg", on.then_some("on"))} aria-pressed={if on { "true" } else { "false" }}
                onclick={Callback::from(move |_| onmode.emit(m))}>{ label }</button>
        }
    };
    let on_wallet = p.onwallet.clone();
    let venue_id = format!("{}-venue", p.idp);
    html! {
        <section class="card account" aria-labelledby={format!("{}-acct", p.idp)}>
            <h2 id={format!("{}-acct", p.idp)}>{ "Account" }</h2>
            <div class="row">
                <div class="field">
                    <label for={venue_id.clone()}>{ "Venue preset" }</label>
                    <select id={venue_id} onchange={on_venue} data-path="venue">
                        { for Venue::ALL.iter().map(|v| html! {
                            <option value={v.name()} selected={*v == p.venue}>{ venue_label(*v) }</option>
                        }) }
                    </select>
                </div>
                <div class="field">
                    <span class="label" id={format!("{}-mode", p.idp)}>{ "Margin mode" }</span>
                    <div class="segmented" role="group" aria-labelledby={format!("{}-mode", p.idp)}>
                        { mode_button(MarginMode::Isolated, "Isolated") }
                        { mode_button(MarginMode::Cross, "Cross") }
                    </div>
                </div>
                if p.mode == MarginMode::Cross {
                    <NumField id={format!("{}-wallet", p.idp)} label="Wallet balance" hint={p.settlement_hint.clone()}
                        value={p.wallet.clone()} error={p.wallet_error.clone()} path="wallet_balance"
                        placeholder="e.g. 10,000" oninput={on_wallet} />
                }
            </div>
        </section>
    }
}
