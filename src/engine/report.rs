//! The output half of the data spine: a [`Report`] is what the engine computed from a Scenario.

use serde::{Deserialize, Serialize};

use crate::engine::scenario::{Contract, MarginMode, Side, Venue};

/// Which asset margins, PnL and notionals of a position are counted in.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Settlement {
    /// Linear contracts: the quote currency (USDT, USDC, USD).
    Quote,
    /// Inverse contracts: the coin (BTC, ETH).
    Coin,
}

/// Everything the engine says about one position. Amounts are in the position's settlement
/// asset (`settlement`); prices in quote currency per coin.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PositionReport {
    pub symbol: String,
    pub side: Side,
    pub contract: Contract,
    /// The position's own settlement asset (inverse: the coin; linear: the quote currency).
    pub settlement: Settlement,
    /// The coin an inverse position settles in (`BTC` for BTCUSD and XBTUSD); absent for linear.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coin: Option<String>,
    pub size: f64,
    pub entry_price: f64,
    pub mark_price: f64,
    /// Position value at mark: size × mark (linear) or size ÷ mark (inverse).
    pub notional: f64,
    /// Notional ÷ leverage (or the isolated margin when given).
    pub initial_margin: f64,
    /// The collateral the liquidation price was solved with: the isolated margin, or in cross
    /// mode the wallet balance plus the other positions' PnL less their maintenance margin.
    pub collateral: f64,
    /// Maintenance margin at mark: notional × mmr − maint_amount.
    pub maintenance_margin: f64,
    /// Index (0-based) of the tier used at mark, its rate and maintenance amount.
    pub tier: usize,
    pub mmr: f64,
    pub maint_amount: f64,
    /// Estimated fee to close at mark, counted in the liquidation condition where the venue
    /// counts it (0 otherwise).
    pub closing_fee: f64,
    /// Unrealised PnL at mark.
    pub unrealized_pnl: f64,
    /// Return on the initial margin at mark (fraction).
    pub roe: f64,
    /// Mark price at which the position is liquidated; `null` when no price can liquidate it.
    pub liquidation_price: Option<f64>,
    /// Why `liquidation_price` is `null`, or a note on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_note: Option<String>,
    /// The venue's own liquidation price, copied from the Scenario (`leverlab import`); absent
    /// when the Scenario has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue_liquidation_price: Option<f64>,
    /// `(liquidation_price − venue_liquidation_price) / venue_liquidation_price`: leverlab's
    /// figure relative to the venue's (0.001 = 0.1 % higher); absent unless both exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_price_difference: Option<f64>,
    /// Tier (index, rate, amount) that applies at the liquidation price.
    pub liquidation_tier: Option<usize>,
    pub liquidation_mmr: Option<f64>,
    pub liquidation_maint_amount: Option<f64>,
    /// Price at which equity (less the closing fee where counted) reaches zero.
    pub bankruptcy_price: Option<f64>,
    /// |mark − liquidation| ÷ mark (fraction of mark); 0 when already liquidatable.
    pub distance_to_liquidation: Option<f64>,
    /// True when equity at mark is already at or below the maintenance requirement.
    pub liquidatable_now: bool,
    /// Notional ÷ collateral at mark.
    pub effective_leverage: Option<f64>,
    /// Highest leverage the venue allows at mark: the tier's published maximum, Deribit's
    /// `1 / IMR(size)`, else `1 / (2 × MMR)`.
    pub max_leverage: Option<f64>,
    /// Index into the Report's `models` table: the liquidation condition used and its sources
    /// (format version 2; version 1 repeated both texts in every position).
    pub model: usize,
}

impl PositionReport {
    /// Sets the venue's own liquidation price and leverlab's relative difference to it,
    /// `(liquidation_price − venue) / venue` (absent unless both exist).
    pub fn with_venue_liquidation_price(mut self, venue: Option<f64>) -> Self {
        self.venue_liquidation_price = venue;
        self.liquidation_price_difference = match (self.liquidation_price, venue) {
            (Some(lp), Some(v)) if v > 0.0 => Some((lp - v) / v).filter(|d| d.is_finite()).map(|d| if d == 0.0 { 0.0 } else { d }),
            _ => None,
        };
        self
    }
}

/// One row of the Report's formula table, shared by every position solved with the same venue
/// rule and maintenance schedule (a book of 10⁶ positions on one venue has a handful of rows).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ModelInfo {
    /// The liquidation condition used, written out.
    pub formula: String,
    /// Where the formula and the maintenance table come from (source tags as in leverlab's
    /// venue notes, table snapshot dates, or the fallback used and what to set instead).
    pub source: String,
}

/// Builds the formula table while positions are solved: each distinct (formula, source,
/// maintenance source) gets one row, in order of first use. The keys are the presets' static
/// texts, so a lookup compares a few pointers-and-lengths per distinct row, never allocates.
#[derive(Clone, Debug, Default)]
pub struct ModelTable {
    keys: Vec<(&'static str, &'static str, &'static str)>,
}

impl ModelTable {
    /// The row index for a position model's texts, adding the row on first use.
    pub fn index(&mut self, formula: &'static str, source: &'static str, table_source: &'static str) -> usize {
        let key = (formula, source, table_source);
        match self.keys.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                self.keys.push(key);
                self.keys.len() - 1
            }
        }
    }

    /// The number of rows so far.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True before any row was added.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Row `i` as the Report writes it (`None` past the end).
    pub fn info(&self, i: usize) -> Option<ModelInfo> {
        self.keys.get(i).map(|(formula, source, table)| ModelInfo {
            formula: formula.to_string(),
            source: format!("{source}; maintenance: {table}"),
        })
    }

    /// The table as the Report writes it.
    pub fn into_infos(self) -> Vec<ModelInfo> {
        (0..self.len()).filter_map(|i| self.info(i)).collect()
    }
}

/// Account-level totals. In cross mode these are one margin pool; in isolated mode they are the
/// sums over the positions' own margins. Totals never add different assets: they are those of
/// the first position's asset (its coin for inverse contracts, whose collateral is kept per
/// coin), and `wallets` lists every asset's own totals when there is more than one. The totals'
/// fields read directly (`account.equity`) through `Deref`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct AccountReport {
    #[serde(flatten)]
    pub totals: WalletReport,
    /// Set when positions settled in another asset (or coin) were left out of the totals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// One entry per settlement asset when the positions settle in more than one (quote, or
    /// each coin of inverse contracts); empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wallets: Vec<WalletReport>,
}

impl std::ops::Deref for AccountReport {
    type Target = WalletReport;
    fn deref(&self) -> &WalletReport {
        &self.totals
    }
}

impl std::ops::DerefMut for AccountReport {
    fn deref_mut(&mut self) -> &mut WalletReport {
        &mut self.totals
    }
}

/// The totals of one settlement asset's wallet, over the positions settled in it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct WalletReport {
    pub settlement: Settlement,
    /// The coin (inverse contracts); absent for the quote asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coin: Option<String>,
    /// Wallet balance (cross) or the sum of isolated margins.
    pub wallet_balance: f64,
    pub unrealized_pnl: f64,
    /// Wallet balance + unrealised PnL.
    pub equity: f64,
    pub total_initial_margin: f64,
    pub total_maintenance_margin: f64,
    /// Total maintenance margin ÷ equity (Binance's margin ratio; liquidation at 1). `null`
    /// when equity ≤ 0.
    pub margin_ratio: Option<f64>,
    /// Equity − total initial margin.
    pub free_collateral: f64,
    /// Cross mode: the relative move of all prices together (−0.1 = every price 10 % lower)
    /// at which the wallet is liquidated, downward and upward; `null` when no such move.
    pub liquidation_move_down: Option<f64>,
    pub liquidation_move_up: Option<f64>,
}

/// What the engine computed for a Scenario.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Report {
    pub version: u32,
    pub venue: Venue,
    pub margin_mode: MarginMode,
    /// In the Scenario's order.
    pub positions: Vec<PositionReport>,
    /// The formula table the positions' `model` refers to (formula and source texts once per
    /// venue rule and maintenance schedule, not once per position).
    pub models: Vec<ModelInfo>,
    pub account: AccountReport,
    /// Multi-asset collateral (a Scenario with `collateral`): `account.collateral_value`,
    /// `collateral[i].value` and `.liquidation_price` (see `engine::collateral`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collateral: Option<crate::engine::collateral::CollateralReport>,
}

impl Report {
    /// The formula and source a position was solved with (its row of `models`).
    pub fn model_of(&self, p: &PositionReport) -> Option<&ModelInfo> {
        self.models.get(p.model)
    }
}

/// `x` with a negative zero made positive (`-0.0 + 0.0 = +0.0`; every other value unchanged).
#[inline]
fn z(x: &mut f64) {
    *x += 0.0;
}

fn zo(x: &mut Option<f64>) {
    if let Some(v) = x {
        z(v);
    }
}

impl Report {
    /// The one place a Report's numbers are normalised: no `-0.0` leaves the engine (a short's
    /// PnL at its entry, `−1 × 0`, and sums over no positions would otherwise print `-0.0`).
    pub fn without_negative_zeros(mut self) -> Report {
        for p in &mut self.positions {
            p.normalise_zeros();
        }
        self.account = self.account.without_negative_zeros();
        self
    }
}

impl AccountReport {
    /// The account without `-0.0` (see [`Report::without_negative_zeros`]; the batch path
    /// uses it for the totals it sums while streaming).
    pub fn without_negative_zeros(mut self) -> AccountReport {
        self.totals.normalise_zeros();
        for w in &mut self.wallets {
            w.normalise_zeros();
        }
        self
    }
}

impl PositionReport {
    /// This position without `-0.0` (see [`Report::without_negative_zeros`]; the batch path
    /// uses it for the positions it streams).
    pub fn without_negative_zeros(mut self) -> PositionReport {
        self.normalise_zeros();
        self
    }

    fn normalise_zeros(&mut self) {
        let p = self;
        for x in [
            &mut p.size,
            &mut p.entry_price,
            &mut p.mark_price,
            &mut p.notional,
            &mut p.initial_margin,
            &mut p.collateral,
            &mut p.maintenance_margin,
            &mut p.mmr,
            &mut p.maint_amount,
            &mut p.closing_fee,
            &mut p.unrealized_pnl,
            &mut p.roe,
        ] {
            z(x);
        }
        for x in [
            &mut p.liquidation_price,
            &mut p.liquidation_mmr,
            &mut p.liquidation_maint_amount,
            &mut p.bankruptcy_price,
            &mut p.distance_to_liquidation,
            &mut p.effective_leverage,
            &mut p.max_leverage,
            &mut p.venue_liquidation_price,
            &mut p.liquidation_price_difference,
        ] {
            zo(x);
        }
    }
}

impl WalletReport {
    /// One asset's totals from its sums: equity = wallet + PnL, margin ratio = MM ÷ equity
    /// (`None` when equity ≤ 0), free collateral = equity − IM; `moves` = the cross common moves.
    pub fn new(settlement: Settlement, coin: Option<String>, wallet: f64, pnl: f64, im: f64, mm: f64, moves: (Option<f64>, Option<f64>)) -> WalletReport {
        let equity = wallet + pnl;
        WalletReport {
            settlement,
            coin,
            wallet_balance: wallet,
            unrealized_pnl: pnl,
            equity,
            total_initial_margin: im,
            total_maintenance_margin: mm,
            margin_ratio: (equity > 0.0).then(|| mm / equity).filter(|r| r.is_finite()),
            free_collateral: equity - im,
            liquidation_move_down: moves.0,
            liquidation_move_up: moves.1,
        }
    }

    /// The asset in words, for the account note.
    fn label(&self) -> String {
        match (&self.settlement, self.coin.as_deref()) {
            (Settlement::Quote, _) => "the quote asset".to_string(),
            (Settlement::Coin, Some("") | None) => "the coin of the positions without a symbol".to_string(),
            (Settlement::Coin, Some(c)) => c.to_string(),
        }
    }

    fn normalise_zeros(&mut self) {
        for x in [
            &mut self.wallet_balance,
            &mut self.unrealized_pnl,
            &mut self.equity,
            &mut self.total_initial_margin,
            &mut self.total_maintenance_margin,
            &mut self.free_collateral,
        ] {
            z(x);
        }
        for x in [&mut self.margin_ratio, &mut self.liquidation_move_down, &mut self.liquidation_move_up] {
            zo(x);
        }
    }
}

impl AccountReport {
    /// The account from every asset's totals (in order of the first position in each):
    /// the first asset's totals, a note naming `left_out` (the positions of the other assets)
    /// when there is more than one asset, and `wallets` listing them all then. `empty` is the
    /// account of a Scenario without positions.
    pub fn from_wallets(mut wallets: Vec<WalletReport>, left_out: &[usize], empty: WalletReport) -> AccountReport {
        let note = (wallets.len() > 1).then(|| {
            let names: Vec<String> = left_out.iter().map(|i| format!("positions[{i}]")).collect();
            let others: Vec<String> = wallets[1..].iter().map(WalletReport::label).collect();
            format!(
                "totals are in {}; {} settle in {} and are not added in (each asset's totals are in account.wallets)",
                wallets[0].label(),
                names.join(", "),
                others.join(", ")
            )
        });
        let totals = wallets.first().cloned().unwrap_or(empty);
        if wallets.len() < 2 {
            wallets.clear();
        }
        AccountReport { totals, note, wallets }
    }
}
