//! Maker/Sky vaults and their Liquidations 2.0 auctions (makerdao/dss).
//!
//! * [`vault`]: the vault's safety (`vat.sol` `frob`'s `ink × spot ≥ art × rate`, `spot.sol`
//!   `poke`: `spot = price / par / mat`) and `dog.sol` `bark`.
//! * [`abaci`]: the price curves of `abaci.sol`.
//! * [`clip`]: `clip.sol` `kick`, `take`, `redo` and `status`, and the auction's whole path
//!   against the buyers' depth.
//!
//! # Design Decision
//! Amounts are `f64` (the contracts use WAD/RAY/RAD fixed point); a whole auction path is
//! stepped second by second as the contracts' `block.timestamp − tic` is, so stair steps, the
//! `tail` and `cusp` resets land on the second they do on chain.

pub mod abaci;
pub mod clip;
pub mod vault;

use serde::{Deserialize, Serialize};

pub use abaci::Calc;
pub use clip::{auction, AuctionOptions, AuctionReport};
pub use vault::{bark, evaluate, BarkReport, MakerReport, VaultReport};

use crate::engine::cascade::{Depth, DEPTH};
use crate::engine::input::{opt, req, Field, Shape};
use crate::engine::scenario::{check_non_negative, check_positive, FieldError, Scenario};

/// The fields of the `vault` section ([`Vault`]).
pub const VAULT_FIELDS: &[Field] = &[
    req("ink", Shape::Number),
    req("art", Shape::Number),
    opt("rate", Shape::Number),
    req("mat", Shape::Number),
    req("chop", Shape::Number),
    opt("par", Shape::Number),
    req("price", Shape::Number),
    opt("dust", Shape::Number),
    opt("hole", Shape::Number),
];
/// The price curves of `auction.calc` ([`Calc`]): one of `{"linear": {"tau"}}`,
/// `{"stairstep": {"step", "cut"}}`, `{"exponential": {"cut"}}`.
pub const CALC: Shape = Shape::Variant(&[
    ("linear", Some(&Shape::Object(&[req("tau", Shape::Number)]))),
    ("stairstep", Some(&Shape::Object(&[req("step", Shape::Number), req("cut", Shape::Number)]))),
    ("exponential", Some(&Shape::Object(&[req("cut", Shape::Number)]))),
]);
/// The fields of `auction.buyers` ([`Buyers`]).
pub const BUYERS_FIELDS: &[Field] = &[req("depth", DEPTH), opt("min_discount", Shape::Number)];
/// The fields of the `auction` section ([`Auction`]).
pub const AUCTION_FIELDS: &[Field] = &[
    req("buf", Shape::Number),
    req("tail", Shape::Number),
    req("cusp", Shape::Number),
    opt("chip", Shape::Number),
    opt("tip", Shape::Number),
    req("calc", CALC),
    opt("buyers", Shape::Object(BUYERS_FIELDS)),
];

/// The Scenario's `vault` section: one urn of one collateral type (ilk).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Vault {
    /// Collateral locked (`ink`, collateral units).
    pub ink: f64,
    /// Normalised debt (`art`); the debt is `art × rate` DAI.
    pub art: f64,
    /// Accumulated stability-fee rate of the ilk (`rate`, ≥ 1 after fees accrue).
    #[serde(default = "one")]
    pub rate: f64,
    /// Liquidation ratio (`mat`, 1.5 = 150 %).
    pub mat: f64,
    /// Liquidation penalty multiplier (`chop`, 1.13 = 13 %).
    pub chop: f64,
    /// DAI target price in USD (`par`).
    #[serde(default = "one")]
    pub par: f64,
    /// Collateral price in USD (the OSM price the spotter reads).
    pub price: f64,
    /// Minimum vault debt (`dust`, DAI).
    #[serde(default)]
    pub dust: f64,
    /// Room left under the liquidation limits: min(Hole − Dirt, ilk.hole − ilk.dirt) (DAI);
    /// absent = no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hole: Option<f64>,
}

/// Who buys the collateral: how much they pay in total at each discount to the market price.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Buyers {
    /// The book that absorbs the collateral (the cascade's depth models: linear, profile,
    /// sqrt, amm): at a discount `d` below the market price, buyers pay in total the notional
    /// that moves this book by `d − min_discount`.
    pub depth: Depth,
    /// Discount below the market price buyers need before they bid (fraction).
    #[serde(default)]
    pub min_discount: f64,
}

/// The Scenario's `auction` section: the ilk's Clipper parameters and its buyers.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Auction {
    /// Starting price = feed price × `buf` (1.25 = 25 % above).
    pub buf: f64,
    /// Seconds after which the auction needs a reset.
    pub tail: f64,
    /// Price ÷ top below which the auction needs a reset.
    pub cusp: f64,
    /// Keeper reward: `tip + tab × chip` DAI at kick and at each paid redo.
    #[serde(default)]
    pub chip: f64,
    #[serde(default)]
    pub tip: f64,
    pub calc: Calc,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyers: Option<Buyers>,
}

fn one() -> f64 {
    1.0
}

/// Checks the `vault` and `auction` sections.
///
/// # Errors
/// One [`FieldError`] per problem (`vault.mat: must be ≥ 1`, `auction.cusp: …`).
pub fn validate(s: &Scenario, errors: &mut Vec<FieldError>) {
    match &s.vault {
        None => errors.push(FieldError::new("vault", "required for maker: ink, art, mat, chop, price")),
        Some(v) => {
            let big = |errors: &mut Vec<FieldError>, path: &str, x: f64| {
                if x > 1e15 {
                    errors.push(FieldError::new(path, "must not exceed 1e15"));
                }
            };
            check_non_negative(errors, "vault.ink", v.ink);
            big(errors, "vault.ink", v.ink);
            check_non_negative(errors, "vault.art", v.art);
            big(errors, "vault.art", v.art);
            if !v.rate.is_finite() || !(1.0..=1e6).contains(&v.rate) {
                errors.push(FieldError::new("vault.rate", "must be a number ≥ 1 (accumulated stability fees)"));
            }
            if !v.mat.is_finite() || !(1.0..=100.0).contains(&v.mat) {
                errors.push(FieldError::new("vault.mat", "must be a liquidation ratio ≥ 1 (1.5 = 150 %)"));
            }
            if !v.chop.is_finite() || !(1.0..2.0).contains(&v.chop) {
                errors.push(FieldError::new("vault.chop", "must be a penalty multiplier ≥ 1 and < 2 (1.13 = 13 %)"));
            }
            check_positive(errors, "vault.par", v.par);
            check_positive(errors, "vault.price", v.price);
            big(errors, "vault.price", v.price);
            check_non_negative(errors, "vault.dust", v.dust);
            if let Some(h) = v.hole {
                check_non_negative(errors, "vault.hole", h);
            }
        }
    }
    if let Some(a) = &s.auction {
        if !a.buf.is_finite() || !(1.0..=10.0).contains(&a.buf) {
            errors.push(FieldError::new("auction.buf", "must be a multiplier from 1 to 10 (1.25 = start 25 % above the feed)"));
        }
        if !a.tail.is_finite() || a.tail < 1.0 || a.tail > 30.0 * 86400.0 || a.tail.fract() != 0.0 {
            errors.push(FieldError::new("auction.tail", "must be a whole number of seconds from 1 to 2592000 (30 days)"));
        }
        if !a.cusp.is_finite() || !(0.0..1.0).contains(&a.cusp) {
            errors.push(FieldError::new("auction.cusp", "must be a fraction ≥ 0 and < 1"));
        }
        if !a.chip.is_finite() || !(0.0..1.0).contains(&a.chip) {
            errors.push(FieldError::new("auction.chip", "must be a fraction ≥ 0 and < 1"));
        }
        check_non_negative(errors, "auction.tip", a.tip);
        a.calc.validate("auction.calc", errors);
        if let Some(b) = &a.buyers {
            let mut depth_errors = Vec::new();
            b.depth.validate(&mut depth_errors);
            errors.extend(
                depth_errors
                    .into_iter()
                    .map(|e| FieldError::new(e.path.replacen("market.depth", "auction.buyers.depth", 1), e.message)),
            );
            if !b.min_discount.is_finite() || !(0.0..1.0).contains(&b.min_discount) {
                errors.push(FieldError::new("auction.buyers.min_discount", "must be a fraction ≥ 0 and < 1"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::input::introspect::assert_matches;
    use crate::engine::lending::{Borrow, EMode, Lending, Supply, BORROW_FIELDS, EMODE_FIELDS, LENDING_FIELDS, SUPPLY_FIELDS};

    #[test]
    fn declared_shapes_agree_with_serde() {
        assert_matches::<Vault>(VAULT_FIELDS);
        assert_matches::<Auction>(AUCTION_FIELDS);
        assert_matches::<Buyers>(BUYERS_FIELDS);
        assert_matches::<Lending>(LENDING_FIELDS);
        assert_matches::<Supply>(SUPPLY_FIELDS);
        assert_matches::<Borrow>(BORROW_FIELDS);
        assert_matches::<EMode>(EMODE_FIELDS);
    }
}
