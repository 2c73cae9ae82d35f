//! A Maker vault's safety and its liquidation (`dog.sol` `bark`).

use serde::{Deserialize, Serialize};

use super::{Auction, Vault};
use crate::engine::scenario::{FieldError, InputErrors, Scenario, Venue};

/// The vault's state at the given price.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct VaultReport {
    /// art × rate (DAI).
    pub debt: f64,
    /// ink × price (USD).
    pub collateral_value: f64,
    /// price ÷ par ÷ mat: DAI of debt each collateral unit may back.
    pub spot: f64,
    /// Collateral value in DAI (÷ par) ÷ debt; `null` without debt.
    pub collateralization_ratio: Option<f64>,
    /// The liquidation ratio `mat`.
    pub liquidation_ratio: f64,
    /// ink × spot < art × rate: `dog.bark` may liquidate the vault.
    #[serde(rename = "unsafe")]
    pub is_unsafe: bool,
    /// Collateral price at which ink × spot = debt: debt × mat × par ÷ ink; `null` without debt
    /// or without collateral.
    pub liquidation_price: Option<f64>,
    /// (price − liquidation_price) ÷ price.
    pub distance_to_liquidation: Option<f64>,
    /// ink × spot − debt, floored at 0: DAI that could still be drawn.
    pub available_to_draw: f64,
    /// chop − 1.
    pub liquidation_penalty: f64,
    pub formula: String,
    pub source: String,
}

/// `dog.bark`: the liquidation of an unsafe vault and the auction it starts.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BarkReport {
    /// `null` when the bark goes through; else dss's revert reason.
    pub reverts: Option<String>,
    /// Normalised debt and collateral taken (`dart`, `dink` = lot).
    pub dart: f64,
    pub dink: f64,
    /// dart × rate: debt taken (DAI).
    pub due: f64,
    /// due × chop: DAI the auction must raise.
    pub tab: f64,
    /// Collateral put up for auction.
    pub lot: f64,
    pub ink_after: f64,
    pub art_after: f64,
    /// True when only part of the vault is liquidated, with why.
    pub partial: bool,
    pub partial_reason: Option<String>,
    /// Starting price: feed price (price ÷ par) × buf; `null` without an auction section.
    pub top: Option<f64>,
    /// Paid to the keeper at kick: tip + tab × chip.
    pub keeper_reward: f64,
    /// dust × chop: the least tab a partial take may leave.
    pub chost: f64,
}

/// The Maker Scenario's report.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct MakerReport {
    pub venue: Venue,
    pub vault: VaultReport,
    /// The liquidation when the vault is unsafe.
    pub bark: Option<BarkReport>,
}

/// The vault's figures: `spot = price / par / mat` (`spot.sol` `poke`), unsafe when
/// `ink × spot < art × rate` (`dog.sol` `bark`'s "Dog/not-unsafe" check), and the liquidation
/// price `art × rate × mat × par / ink` (Maker's FAQ `debt × LR / collateral` with accrued fees
/// and par). Units: DAI for debts, USD for prices.
pub fn vault_report(v: &Vault) -> VaultReport {
    let debt = v.art * v.rate;
    let spot = v.price / v.par / v.mat;
    let lp = (debt > 0.0 && v.ink > 0.0).then(|| debt * v.mat * v.par / v.ink);
    VaultReport {
        debt,
        collateral_value: v.ink * v.price,
        spot,
        collateralization_ratio: (debt > 0.0).then(|| v.ink * v.price / v.par / debt),
        liquidation_ratio: v.mat,
        is_unsafe: v.ink * spot < debt,
        liquidation_price: lp,
        distance_to_liquidation: lp.map(|x| ((v.price - x) / v.price).max(0.0)),
        available_to_draw: (v.ink * spot - debt).max(0.0),
        liquidation_penalty: v.chop - 1.0,
        formula: "spot = price / par / mat; unsafe when ink × spot < art × rate; liquidation price = art × rate × mat × par / ink".into(),
        source: "dss spot.sol poke, dog.sol bark (Dog/not-unsafe); Maker FAQ liquidation price = debt × LR / collateral".into(),
    }
}

/// `dog.bark` on the vault (makerdao/dss `src/dog.sol`, Liquidations 2.0):
///
/// ```text
/// room = hole                       (min(Hole − Dirt, ilk.hole − ilk.dirt); reverts when 0)
/// dart = min(art, room / rate / chop)
/// if art > dart:  (art − dart) × rate < dust → dart = art (liquidate it all)
///                 else dart × rate must be ≥ dust ("Dog/dusty-auction-from-partial-liquidation")
/// dink = ink × dart / art;  due = dart × rate;  tab = due × chop;  lot = dink
/// ```
///
/// and `clip.sol` `kick`: `top = feedPrice × buf` with `feedPrice = price / par`, keeper reward
/// `tip + tab × chip`. Reverts "Dog/not-unsafe" when the vault is safe.
pub fn bark(v: &Vault, a: Option<&Auction>) -> BarkReport {
    let mut out = BarkReport {
        reverts: None,
        dart: 0.0,
        dink: 0.0,
        due: 0.0,
        tab: 0.0,
        lot: 0.0,
        ink_after: v.ink,
        art_after: v.art,
        partial: false,
        partial_reason: None,
        top: None,
        keeper_reward: 0.0,
        chost: v.dust * v.chop,
    };
    let spot = v.price / v.par / v.mat;
    if !(spot > 0.0 && v.ink * spot < v.art * v.rate) {
        out.reverts = Some("Dog/not-unsafe: ink × spot ≥ art × rate".into());
        return out;
    }
    let room = v.hole.unwrap_or(f64::INFINITY);
    if room <= 0.0 {
        out.reverts = Some("Dog/liquidation-limit-hit: no room under Hole/hole".into());
        return out;
    }
    let mut dart = v.art.min(room / v.rate / v.chop);
    if v.art > dart {
        if (v.art - dart) * v.rate < v.dust {
            dart = v.art;
            out.partial_reason = None;
        } else if dart * v.rate < v.dust {
            out.reverts = Some("Dog/dusty-auction-from-partial-liquidation: the room left makes an auction below dust".into());
            return out;
        } else {
            out.partial_reason = Some(format!(
                "the liquidation limit (hole = {room} DAI of tab) covers {:.2} of {:.2} DAI of debt",
                dart * v.rate,
                v.art * v.rate
            ));
        }
    }
    let dink = if v.art > 0.0 { v.ink * dart / v.art } else { 0.0 };
    if dink <= 0.0 {
        out.reverts = Some("Dog/null-auction: no collateral to sell".into());
        return out;
    }
    let due = dart * v.rate;
    let tab = due * v.chop;
    out.dart = dart;
    out.dink = dink;
    out.due = due;
    out.tab = tab;
    out.lot = dink;
    out.ink_after = (v.ink - dink).max(0.0);
    out.art_after = (v.art - dart).max(0.0);
    out.partial = dart < v.art;
    if let Some(a) = a {
        out.top = Some(v.price / v.par * a.buf);
        out.keeper_reward = a.tip + tab * a.chip;
    }
    out
}

/// The Maker Scenario's report: the vault and, when unsafe, its liquidation.
///
/// # Errors
/// The checks of [`super::validate`]; a Scenario of another venue at `venue`.
pub fn evaluate(s: &Scenario) -> Result<MakerReport, InputErrors> {
    let v = checked(s)?;
    let report = vault_report(v);
    let bark = report.is_unsafe.then(|| bark(v, s.auction.as_ref()));
    Ok(MakerReport { venue: Venue::Maker, vault: report, bark })
}

/// The validated vault of a maker Scenario.
pub(crate) fn checked(s: &Scenario) -> Result<&Vault, InputErrors> {
    if s.venue != Venue::Maker {
        return Err(FieldError::new("venue", format!("{} is not maker", s.venue)).into());
    }
    s.validate()?;
    s.vault.as_ref().ok_or_else(|| FieldError::new("vault", "required").into())
}
