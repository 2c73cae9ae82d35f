//! The DeFi protocols' front to the engine: which sections each protocol venue reads, its
//! report, and the side-by-side comparison of one loan as an Aave loan, a Morpho loan and a
//! Maker vault.

use serde::{Deserialize, Serialize};

use crate::engine::gmx::{self, GmxReport};
use crate::engine::lending::{self, aave, morpho, LendingReport};
use crate::engine::maker::{self, MakerReport};
use crate::engine::scenario::{FieldError, InputErrors, MarginMode, Scenario, Venue, FORMAT_VERSION};

/// A protocol venue's report (the `eval` command's answer for these venues).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum ProtocolReport {
    Lending(LendingReport),
    Gmx(GmxReport),
    Maker(MakerReport),
}

/// Checks the sections of a Scenario against its venue: a protocol venue reads only its own
/// sections (`lending` for aave-v3 and morpho-blue, `positions` with the GMX fields for gmx-v2,
/// `vault` and `auction` for maker); an exchange venue rejects all three.
///
/// # Errors
/// Pushes one [`FieldError`] per problem, naming the section or field.
pub fn validate(s: &Scenario, errors: &mut Vec<FieldError>) {
    let v = s.venue;
    let misplaced = |errors: &mut Vec<FieldError>, name: &str, set: bool, only: &str| {
        if set {
            errors.push(FieldError::new(name, format!("not used by {v}; only for {only}")));
        }
    };
    let lending_venues = "aave-v3 and morpho-blue";
    if !v.is_protocol() {
        misplaced(errors, "lending", s.lending.is_some(), lending_venues);
        misplaced(errors, "vault", s.vault.is_some(), "maker");
        misplaced(errors, "auction", s.auction.is_some(), "maker");
        return;
    }
    if s.version > FORMAT_VERSION {
        errors.push(FieldError::new("version", format!("format version {} is newer than this leverlab ({FORMAT_VERSION})", s.version)));
    }
    if s.margin_mode != MarginMode::Isolated {
        errors.push(FieldError::new("margin_mode", format!("not used by {v}")));
    }
    if s.wallet_balance.is_some() {
        errors.push(FieldError::new("wallet_balance", format!("not used by {v}")));
    }
    if s.market.is_some() {
        errors.push(FieldError::new("market", format!("not used by {v} (the risk analytics and cascade read exchange positions)")));
    }
    match v {
        Venue::AaveV3 | Venue::MorphoBlue => {
            if !s.positions.is_empty() {
                errors.push(FieldError::new("positions", format!("not used by {v}: a lending account lists `lending.supplies` and `lending.borrows`")));
            }
            misplaced(errors, "vault", s.vault.is_some(), "maker");
            misplaced(errors, "auction", s.auction.is_some(), "maker");
            lending::validate(s, errors);
        }
        Venue::GmxV2 => {
            misplaced(errors, "lending", s.lending.is_some(), lending_venues);
            misplaced(errors, "vault", s.vault.is_some(), "maker");
            misplaced(errors, "auction", s.auction.is_some(), "maker");
            gmx::validate(s, errors);
        }
        _ => {
            if !s.positions.is_empty() {
                errors.push(FieldError::new("positions", "not used by maker: the vault is in `vault`"));
            }
            misplaced(errors, "lending", s.lending.is_some(), lending_venues);
            maker::validate(s, errors);
        }
    }
}

/// The report of a protocol venue's Scenario: [`lending::evaluate`], [`gmx::evaluate`] or
/// [`maker::evaluate`].
///
/// # Errors
/// The Scenario's checks; an exchange venue is rejected at `venue` (use `engine::evaluate`).
pub fn evaluate(s: &Scenario) -> Result<ProtocolReport, InputErrors> {
    match s.venue {
        Venue::AaveV3 | Venue::MorphoBlue => lending::evaluate(s).map(ProtocolReport::Lending),
        Venue::GmxV2 => gmx::evaluate(s).map(ProtocolReport::Gmx),
        Venue::Maker => maker::evaluate(s).map(ProtocolReport::Maker),
        other => Err(FieldError::new("venue", format!("{other} is an exchange preset; engine::evaluate answers for it")).into()),
    }
}

/// One protocol's column of the comparison.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LoanColumn {
    pub protocol: String,
    /// The parameters used, written out.
    pub parameters: String,
    /// Health factor now (Maker: collateralization ratio ÷ mat).
    pub health_factor: Option<f64>,
    /// Collateral price at which the loan becomes liquidatable; `null` without debt.
    pub liquidation_price: Option<f64>,
    pub distance_to_liquidation: Option<f64>,
    /// The liquidation penalty as a fraction of the debt repaid: Aave's bonus, Morpho's
    /// LIF − 1, Maker's chop − 1.
    pub penalty: f64,
    /// Share of the debt the first liquidation at the liquidation price can repay.
    pub first_liquidation_share: f64,
    /// Liquidating the whole debt at the liquidation price: collateral taken (units and USD),
    /// penalty paid (USD), and what the borrower keeps of the collateral (units and USD).
    pub collateral_taken: f64,
    pub collateral_taken_value: f64,
    pub penalty_paid: f64,
    pub borrower_keeps: f64,
    pub borrower_keeps_value: f64,
    pub formula: String,
}

/// The `compare-lending` answer.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LendingComparison {
    pub collateral: String,
    pub collateral_amount: f64,
    pub collateral_price: f64,
    pub debt: String,
    /// Debt value in USD (the debt asset at its price; Maker's DAI at par 1).
    pub debt_value: f64,
    pub columns: Vec<LoanColumn>,
}

/// Parameters of the Morpho market and the Maker ilk to compare against.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CompareOptions {
    pub lltv: Option<f64>,
    pub mat: Option<f64>,
    pub chop: Option<f64>,
}

/// The same collateral and debt (an aave-v3 Scenario's first collateral supply and first
/// borrow) as an Aave loan, a Morpho Blue loan at `lltv` and a Maker vault at `mat`/`chop`.
///
/// With collateral amount A at price P and debt D (USD): liquidation prices
/// `D / (A × LT)` (Aave, [`aave::evaluate`]), `D / (A × LLTV)` (Morpho, [`morpho::evaluate`]),
/// `D × mat / A` (Maker, [`maker::vault::vault_report`] with par 1, rate 1). At that price, the
/// whole debt liquidated takes `D × (1 + penalty) / P_liq` of the collateral (Aave bonus,
/// Morpho LIF − 1, Maker chop − 1 with the auction clearing at the feed price), and the
/// borrower keeps the rest. The first Aave call at HF just below 1 may repay 50 % of the debt
/// when both reserves are ≥ $2,000 (v3.3 close factor), Morpho and Maker 100 % (Maker up to
/// the liquidation limit, not modelled here).
///
/// # Errors
/// The Scenario's checks (it must be aave-v3); `lltv`, `mat`, `chop` missing or out of
/// range.
pub fn compare_lending(s: &Scenario, o: CompareOptions) -> Result<LendingComparison, InputErrors> {
    if s.venue != Venue::AaveV3 {
        return Err(FieldError::new("venue", "compare-lending reads an aave-v3 Scenario (its collateral supply and borrow), with `lltv`, `mat` and `chop` for Morpho and Maker").into());
    }
    s.validate()?;
    let mut errors = Vec::new();
    let need = |errors: &mut Vec<FieldError>, name: &str, v: Option<f64>, ok: fn(f64) -> bool, what: &str| -> f64 {
        match v {
            Some(x) if x.is_finite() && ok(x) => x,
            Some(_) => {
                errors.push(FieldError::new(name, format!("must be {what}")));
                0.0
            }
            None => {
                errors.push(FieldError::new(name, format!("required: {what}")));
                0.0
            }
        }
    };
    let lltv = need(&mut errors, "lltv", o.lltv, |x| x > 0.0 && x < 1.0, "the Morpho market's LLTV, a fraction > 0 and < 1");
    let mat = need(&mut errors, "mat", o.mat, |x| (1.0..=100.0).contains(&x), "the Maker liquidation ratio ≥ 1 (1.5 = 150 %)");
    let chop = need(&mut errors, "chop", o.chop, |x| (1.0..2.0).contains(&x), "the Maker penalty multiplier ≥ 1 and < 2 (1.13 = 13 %)");
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    let l = s.lending.as_ref().ok_or_else(|| FieldError::new("lending", "required"))?;
    let ci = l.supplies.iter().position(|p| p.collateral).ok_or_else(|| FieldError::new("lending.supplies", "the account has no collateral supply"))?;
    let b = l.borrows.first().ok_or_else(|| FieldError::new("lending.borrows", "the account has no borrow"))?;
    let supply = &l.supplies[ci];
    let (a, p) = (supply.amount, supply.price);
    let debt = b.amount * b.price;
    // The single-collateral, single-debt loan on each protocol.
    let mut aave_loan = l.clone();
    aave_loan.supplies = vec![supply.clone()];
    aave_loan.borrows = vec![b.clone()];
    let (_, lt, bonus) = aave::parameters(&aave_loan, 0);
    let ar = aave::evaluate(&aave_loan);
    let coll_value = a * p;
    let first_share = if coll_value >= aave::MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD && debt >= aave::MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD { 0.5 } else { 1.0 };
    let morpho_loan = lending::Lending {
        supplies: vec![lending::Supply { ltv: None, liquidation_threshold: None, liquidation_bonus: None, liquidation_protocol_fee: None, ..supply.clone() }],
        borrows: vec![b.clone()],
        emode: None,
        lltv: Some(lltv),
    };
    let mr = morpho::evaluate(&morpho_loan);
    let lif = morpho::liquidation_incentive_factor(lltv);
    let vault = maker::Vault { ink: a, art: debt, rate: 1.0, mat, chop, par: 1.0, price: p, dust: 0.0, hole: None };
    let vr = maker::vault::vault_report(&vault);
    let column = |protocol: &str, parameters: String, hf: Option<f64>, lp: Option<f64>, penalty: f64, share: f64, formula: &str| {
        let taken = lp.map_or(0.0, |x| (debt * (1.0 + penalty) / x).min(a));
        let at = lp.unwrap_or(p);
        LoanColumn {
            protocol: protocol.into(),
            parameters,
            health_factor: hf,
            liquidation_price: lp,
            distance_to_liquidation: lp.map(|x| (p - x) / p + 0.0),
            penalty,
            first_liquidation_share: share,
            collateral_taken: taken,
            collateral_taken_value: taken * at,
            penalty_paid: (taken * at - debt).max(0.0).min(debt * penalty),
            borrower_keeps: a - taken,
            borrower_keeps_value: (a - taken) * at,
            formula: formula.into(),
        }
    };
    Ok(LendingComparison {
        collateral: supply.asset.clone(),
        collateral_amount: a,
        collateral_price: p,
        debt: b.asset.clone(),
        debt_value: debt,
        columns: vec![
            column(
                "aave-v3",
                format!("liquidation threshold {}, bonus {}", short(lt), short(bonus)),
                ar.health_factor,
                ar.supplies[0].liquidation_price,
                bonus,
                first_share,
                "LP = D / (A × LT); taken = D × (1 + bonus) / LP",
            ),
            column(
                "morpho-blue",
                format!("LLTV {}, LIF {lif:.6}", short(lltv)),
                mr.health_factor,
                mr.supplies[0].liquidation_price,
                lif - 1.0,
                1.0,
                "LP = D / (A × LLTV); taken = D × LIF / LP",
            ),
            column(
                "maker",
                format!("mat {}, chop {}", short(mat), short(chop)),
                vr.collateralization_ratio.map(|cr| cr / mat),
                vr.liquidation_price,
                chop - 1.0,
                1.0,
                "LP = D × mat / A; tab = D × chop, sold at the feed price",
            ),
        ],
    })
}

/// A parameter as written in a column's `parameters` text: at most 10 significant digits, so
/// a threshold typed as 82.5 % reads 0.825 and not the product's 0.8250000000000001.
fn short(x: f64) -> String {
    let s = format!("{:.*e}", 9, x);
    s.parse::<f64>().map_or(s, |v| format!("{v}"))
}

/// Everything the page's lending account view shows, computed at once (by the page's worker):
/// the account report, the health factor against each asset's price, and for an aave-v3
/// account the same loan on Morpho and Maker.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LendingView {
    pub report: crate::engine::lending::LendingReport,
    pub curves: Vec<crate::engine::lending::curves::HealthCurve>,
    /// The comparison (aave-v3 with a collateral supply and a borrow); otherwise `null` and
    /// `comparison_note` says why.
    pub comparison: Option<LendingComparison>,
    pub comparison_note: Option<String>,
}

/// The [`LendingView`] of an aave-v3 or morpho-blue Scenario: [`lending::evaluate`],
/// [`crate::engine::lending::curves::health_curves`] over ±`range` in 121 points, and
/// [`compare_lending`] with `o` when it applies.
///
/// # Errors
/// The Scenario's checks and `range` (the comparison's problems become `comparison_note`).
pub fn lending_view(s: &Scenario, o: CompareOptions, range: f64) -> Result<LendingView, InputErrors> {
    let report = lending::evaluate(s)?;
    let curves = crate::engine::lending::curves::health_curves(s, range, 121)?;
    let (comparison, comparison_note) = if s.venue != Venue::AaveV3 {
        (None, Some("the comparison reads an aave-v3 account".to_string()))
    } else {
        match compare_lending(s, o) {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(e.to_string())),
        }
    };
    Ok(LendingView { report, curves, comparison, comparison_note })
}
