//! The page's one state and its one [`Action`] enum.
//!
//! Data flows one way: an action edits the form (text as typed) → the form is parsed into a
//! Scenario → the engine evaluates it → the Report is shown. A form that does not parse or
//! evaluate keeps the last good Scenario and Report on screen (marked stale) and puts each
//! problem next to its field.

use std::rc::Rc;

use yew::Reducible;

use crate::engine::{self, Contract, MarginMode, Position, Report, Scenario, Side, Tier, Venue};
use crate::ui::components::market_form::{MarketEdit, MarketForm};
use crate::ui::form::{friendly, Errors, FormState, PosField, PosForm, TierField, TierForm};

/// Where a loaded Scenario came from (decides the notice and whether the URL gets a new entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Link,
    History,
    Storage,
    File,
    Embed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ThemeChoice {
    #[default]
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    pub fn attr(self) -> &'static str {
        match self {
            ThemeChoice::System => "auto",
            ThemeChoice::Light => "light",
            ThemeChoice::Dark => "dark",
        }
    }
    pub fn next(self) -> Self {
        match self {
            ThemeChoice::System => ThemeChoice::Dark,
            ThemeChoice::Dark => ThemeChoice::Light,
            ThemeChoice::Light => ThemeChoice::System,
        }
    }
}

/// A message for the user that is not tied to one field.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub warning: bool,
    pub text: String,
}

impl Notice {
    pub fn info(text: impl Into<String>) -> Self {
        Notice { warning: false, text: text.into() }
    }
    pub fn warn(text: impl Into<String>) -> Self {
        Notice { warning: true, text: text.into() }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    pub form: FormState,
    /// Problems by field path; `""` and paths without a field are shown above the results.
    pub errors: Errors,
    /// The last Scenario that evaluated, and its Report.
    pub scenario: Option<Rc<Scenario>>,
    pub report: Option<Rc<Report>>,
    /// True when the form has changed since the shown result (it has problems).
    pub stale: bool,
    pub notice: Option<Notice>,
    pub theme: ThemeChoice,
    /// Bumped on every form change; the URL and storage sync watch it.
    pub revision: u64,
    /// The last change came from the browser's history (do not add a history entry for it).
    pub from_history: bool,
    /// The market assumptions as typed (parsed into `form.market` by `recompute`).
    pub market_form: MarketForm,
}

pub enum Action {
    SetVenue(Venue),
    SetMode(MarginMode),
    SetWallet(String),
    SetSymbol(usize, String),
    SetSide(usize, Side),
    SetContract(usize, Option<Contract>),
    SetField(usize, PosField, String),
    ToggleAdvanced(usize),
    /// Starts overriding the tier table with the given (venue default) rows.
    EditTiers(usize, Vec<Tier>),
    /// Drops the override: the venue's table applies again.
    ResetTiers(usize),
    SetTier(usize, usize, TierField, String),
    AddTier(usize),
    RemoveTier(usize, usize),
    Add,
    Remove(usize),
    Duplicate(usize),
    Move(usize, isize),
    Load(Box<Scenario>, Source),
    /// Loads a repaired Scenario whose document had problems, and shows each under its field.
    LoadWithProblems(Box<Scenario>, Source, crate::engine::InputErrors, String),
    SetNotice(Option<Notice>),
    SetTheme(ThemeChoice),
    /// An edit of the market assumptions.
    Market(MarketEdit),
    /// Makes position `i` an option with this section (`None`: a future again). The futures
    /// fields that mean nothing for an option (leverage, margin, tiers …) are cleared.
    SetOption(usize, Option<Box<crate::engine::options::OptionSpec>>),
    /// Adds an option position (symbol, side, size, premium, its section).
    AddOption(Box<PosForm>),
    /// The Scenario's multi-asset collateral (`None`: one wallet balance again).
    SetCollateral(Option<Vec<crate::engine::collateral::CollateralAsset>>),
    /// The Scenario's `now` (set when an expiry is typed as a date).
    SetNow(Option<String>),
    /// The portfolio-margin parameters.
    SetPortfolioMargin(Option<crate::engine::portfolio::PortfolioMargin>),
}

impl AppState {
    pub fn new(form: FormState, theme: ThemeChoice, notice: Option<Notice>) -> Self {
        let market_form = MarketForm::from_market(form.market.as_ref());
        let mut s = AppState {
            market_form,
            form,
            errors: Errors::new(),
            scenario: None,
            report: None,
            stale: false,
            notice,
            theme,
            revision: 0,
            from_history: false,
        };
        s.recompute();
        s
    }

    /// Parses the form and evaluates it; keeps the last good result when that fails.
    pub fn recompute(&mut self) {
        // The market texts first: on success they replace `form.market`, else it keeps its last
        // good value and the problems are added next to their fields below.
        let market_errors = self.market_form.apply_to(&mut self.form);
        self.recompute_form();
        self.errors.extend(market_errors);
    }

    fn recompute_form(&mut self) {
        match self.form.to_scenario() {
            Err(mut errors) => {
                // Still let the engine check the fields that did parse (a leverage of 0 is
                // reported while the entry price is being fixed).
                let (lenient, _) = self.form.to_scenario_lenient();
                if let Err(e) = lenient.validate() {
                    for fe in e.0 {
                        errors.entry(fe.path).or_insert_with(|| friendly(&fe.message));
                    }
                }
                self.errors = errors;
                self.stale = self.report.is_some();
            }
            Ok(scenario) => match engine::evaluate(&scenario) {
                Ok(report) => {
                    self.errors.clear();
                    self.stale = false;
                    self.scenario = Some(Rc::new(scenario));
                    self.report = Some(Rc::new(report));
                }
                Err(e) => {
                    self.errors = e.0.into_iter().map(|fe| (fe.path, friendly(&fe.message))).collect();
                    self.stale = self.report.is_some();
                }
            },
        }
    }

    /// Shows the strict reader's problems of a loaded document under their fields (a path
    /// without a field is shown above the results), next to the engine's own.
    pub fn show_problems(&mut self, problems: &crate::engine::InputErrors) {
        for fe in &problems.0 {
            self.errors.entry(fe.path.clone()).or_insert_with(|| friendly(&fe.message));
        }
        self.stale = true;
    }

    /// Problems of one field.
    pub fn error(&self, path: &str) -> Option<&str> {
        self.errors.get(path).map(String::as_str)
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        let mut form_changed = true;
        s.from_history = false;
        let f = &mut s.form;
        let n = f.positions.len();
        match action {
            Action::SetVenue(v) => f.venue = v,
            Action::SetMode(m) => f.margin_mode = m,
            Action::SetWallet(t) => f.wallet_balance = t,
            Action::SetSymbol(i, t) if i < n => f.positions[i].symbol = t,
            Action::SetSide(i, side) if i < n => f.positions[i].side = side,
            Action::SetContract(i, c) if i < n => f.positions[i].contract = c,
            Action::SetField(i, field, t) if i < n => f.positions[i].set(field, t),
            Action::ToggleAdvanced(i) if i < n => {
                f.positions[i].advanced = !f.positions[i].advanced;
                form_changed = false;
            }
            Action::EditTiers(i, rows) if i < n => {
                f.positions[i].tiers = Some(rows.iter().map(TierForm::from_tier).collect())
            }
            Action::ResetTiers(i) if i < n => f.positions[i].tiers = None,
            Action::SetTier(i, k, field, t) if i < n => {
                if let Some(row) = f.positions[i].tiers.as_mut().and_then(|r| r.get_mut(k)) {
                    row.set(field, t);
                }
            }
            Action::AddTier(i) if i < n => {
                let rows = f.positions[i].tiers.get_or_insert_with(Vec::new);
                rows.push(TierForm::default());
            }
            Action::RemoveTier(i, k) if i < n => {
                if let Some(rows) = f.positions[i].tiers.as_mut() {
                    if k < rows.len() {
                        rows.remove(k);
                    }
                }
            }
            Action::Add => {
                let id = f.next_id;
                f.next_id += 1;
                // A new position copies the last one's market so that it starts sensible.
                let mut p = match f.positions.last() {
                    Some(last) => PosForm {
                        id,
                        symbol: last.symbol.clone(),
                        entry_price: last.entry_price.clone(),
                        mark_price: last.mark_price.clone(),
                        contract: last.contract,
                        ..PosForm::example(id)
                    },
                    None => PosForm::example(id),
                };
                p.side = Side::Long;
                f.positions.push(p);
            }
            Action::Remove(i) if i < n => {
                f.positions.remove(i);
            }
            Action::Duplicate(i) if i < n => {
                let mut p = f.positions[i].clone();
                p.id = f.next_id;
                f.next_id += 1;
                f.positions.insert(i + 1, p);
            }
            Action::Move(i, d) if i < n => {
                let j = i as isize + d;
                if j < 0 || j as usize >= n {
                    return self;
                }
                f.positions.swap(i, j as usize);
            }
            Action::LoadWithProblems(scenario, source, problems, notice) => {
                let mut s = (*self.clone().reduce(Action::Load(scenario, source))).clone();
                s.show_problems(&problems);
                s.notice = Some(Notice::warn(notice));
                return Rc::new(s);
            }
            Action::Load(scenario, source) => {
                s.form = FormState::from_scenario(&scenario);
                s.market_form = MarketForm::from_market(scenario.market.as_ref());
                s.from_history = source == Source::History;
                s.notice = match source {
                    Source::File => Some(Notice::info(format!(
                        "Imported {} position{}.",
                        scenario.positions.len(),
                        if scenario.positions.len() == 1 { "" } else { "s" }
                    ))),
                    _ => s.notice.clone(),
                };
            }
            Action::SetNotice(n) => {
                s.notice = n;
                form_changed = false;
            }
            Action::SetTheme(t) => {
                s.theme = t;
                form_changed = false;
            }
            Action::Market(edit) => s.market_form.apply(edit),
            Action::SetOption(i, o) if i < n => {
                let p = &mut f.positions[i];
                if o.is_some() {
                    p.contract = None;
                    for t in [&mut p.leverage, &mut p.margin, &mut p.mmr, &mut p.maint_amount, &mut p.max_leverage, &mut p.taker_fee] {
                        t.clear();
                    }
                    p.tiers = None;
                    p.funding_rate = None;
                    p.venue_liquidation_price = None;
                }
                p.option = o.map(|b| *b);
            }
            Action::AddOption(p) => {
                let mut p = *p;
                p.id = f.next_id;
                f.next_id += 1;
                f.positions.push(p);
            }
            Action::SetCollateral(c) => f.collateral = c,
            Action::SetPortfolioMargin(pm) => f.portfolio_margin = pm,
            Action::SetNow(now) => f.now = now,
            // An index that no longer exists (a stale event): nothing to do.
            _ => return self,
        }
        if form_changed {
            s.revision += 1;
            s.recompute();
        }
        if s == *self {
            return self;
        }
        Rc::new(s)
    }
}

/// The venue's own parameters for a position (the table and fee its overrides replace).
#[derive(Clone, Debug, PartialEq)]
pub struct VenueDefaults {
    pub tiers: Vec<Tier>,
    pub fee_rate: f64,
    pub source: String,
    pub fee_counted: bool,
}

/// Looks up the preset's tier table, fee and source for position `i` by building the engine's
/// model of the position with its overrides removed.
pub fn venue_defaults(s: &Scenario, i: usize) -> Option<VenueDefaults> {
    let p = s.positions.get(i)?;
    let bare = Position {
        tiers: None,
        mmr: None,
        maint_amount: None,
        max_leverage: None,
        taker_fee: None,
        ..p.clone()
    };
    let model = engine::venue::position_model(s, i, &bare).ok()?;
    Some(VenueDefaults {
        tiers: model.tiers.to_vec(),
        fee_rate: model.fee_rate,
        fee_counted: model.fee_rate > 0.0,
        source: model.source.to_string(),
    })
}
