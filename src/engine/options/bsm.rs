//! The generalised Black-Scholes-Merton model with cost of carry `b` (Haug, "The Complete
//! Guide to Option Pricing Formulas", 2nd ed., ch. 1.1.6), its Greeks, and the implied
//! volatility of a premium.
//!
//! With spot (or forward) `S`, strike `K`, years to expiry `T`, volatility `σ`, rate `r` and
//! carry `b`:
//!
//! ```text
//! d1 = (ln(S/K) + (b + σ²/2) T) / (σ √T),   d2 = d1 − σ √T
//! call = S e^{(b−r)T} N(d1) − K e^{−rT} N(d2)
//! put  = K e^{−rT} N(−d2) − S e^{(b−r)T} N(−d1)
//! ```
//!
//! `b = r − q` is Black-Scholes-Merton with dividend yield `q` (`q = 0`: Black-Scholes 1973;
//! `q = r_f`: Garman-Kohlhagen for currencies), `b = 0` is Black-76 on a forward `F`.
//!
//! Greeks (per one option, in the price's currency; Haug 1.1 and 2.1):
//!
//! * delta `∂V/∂S`: call `e^{(b−r)T} N(d1)`, put `e^{(b−r)T} (N(d1) − 1)`;
//! * gamma `∂²V/∂S²`: `e^{(b−r)T} n(d1) / (S σ √T)`;
//! * vega `∂V/∂σ` per 1.00 of volatility: `S e^{(b−r)T} n(d1) √T`;
//! * theta `∂V/∂t = −∂V/∂T` per year of calendar time (value lost as time passes is negative):
//!   call `−S e^{(b−r)T} n(d1) σ / (2√T) − (b−r) S e^{(b−r)T} N(d1) − r K e^{−rT} N(d2)`,
//!   put  `−S e^{(b−r)T} n(d1) σ / (2√T) + (b−r) S e^{(b−r)T} N(−d1) + r K e^{−rT} N(−d2)`;
//! * rho `∂V/∂r` per 1.00 of rate: with the carry following the rate (`b = r − q`, `q` held)
//!   call `T K e^{−rT} N(d2)`, put `−T K e^{−rT} N(−d2)`; Black-76 (`b = 0`, `F` held):
//!   `−T V` (py_vollib's `black.greeks.analytical.rho`).
//!
//! QuantLib's conventions (test-suite `europeanoption.cpp`): theta per year, `thetaPerDay =
//! θ/365`, vega and rho per 1.00. Crypto markets never close, so leverlab's per-day theta is
//! per calendar day (`θ/365`) and the per-point vega is `vega/100`.

use implied_vol::{DefaultSpecialFn, ImpliedBlackVolatility};
use statrs::function::erf::erfc;
use std::f64::consts::{FRAC_1_SQRT_2, PI};

/// Call or put.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum OptionType {
    Call,
    Put,
}

/// The inputs of one European option under the generalised model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bsm {
    pub kind: OptionType,
    /// Spot (Black-Scholes, Garman-Kohlhagen) or forward (Black-76), > 0.
    pub s: f64,
    pub k: f64,
    /// Years to expiry, > 0.
    pub t: f64,
    pub sigma: f64,
    pub r: f64,
    /// Cost of carry: `r − q`, or 0 for Black-76.
    pub b: f64,
    /// True for Black-76: rho holds the forward (and the carry 0) fixed.
    pub forward: bool,
}

/// The standard normal distribution function `N(x) = ½ erfc(−x/√2)`.
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * erfc(-x * FRAC_1_SQRT_2)
}

/// The standard normal density `n(x)`.
pub fn norm_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * PI).sqrt()
}

/// Price and Greeks of one option (see the module docs for the formulas and units).
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Valuation {
    pub price: f64,
    pub delta: f64,
    pub gamma: f64,
    pub vega: f64,
    pub theta: f64,
    pub rho: f64,
}

impl Bsm {
    fn d1_d2(&self) -> (f64, f64) {
        let v = self.sigma * self.t.sqrt();
        let d1 = ((self.s / self.k).ln() + (self.b + 0.5 * self.sigma * self.sigma) * self.t) / v;
        (d1, d1 - v)
    }

    /// The option's value (Haug 1.1.6).
    pub fn price(&self) -> f64 {
        self.value().price
    }

    /// Price and Greeks.
    pub fn value(&self) -> Valuation {
        let Bsm { s, k, t, sigma, r, b, .. } = *self;
        let (d1, d2) = self.d1_d2();
        let carry = ((b - r) * t).exp();
        let disc = (-r * t).exp();
        let n1 = norm_pdf(d1);
        let gamma = carry * n1 / (s * sigma * t.sqrt());
        let vega = s * carry * n1 * t.sqrt();
        let decay = -s * carry * n1 * sigma / (2.0 * t.sqrt());
        let (price, delta, theta, rho) = match self.kind {
            OptionType::Call => {
                let price = s * carry * norm_cdf(d1) - k * disc * norm_cdf(d2);
                let theta = decay - (b - r) * s * carry * norm_cdf(d1) - r * k * disc * norm_cdf(d2);
                (price, carry * norm_cdf(d1), theta, t * k * disc * norm_cdf(d2))
            }
            OptionType::Put => {
                let price = k * disc * norm_cdf(-d2) - s * carry * norm_cdf(-d1);
                let theta = decay + (b - r) * s * carry * norm_cdf(-d1) + r * k * disc * norm_cdf(-d2);
                (price, carry * (norm_cdf(d1) - 1.0), theta, -t * k * disc * norm_cdf(-d2))
            }
        };
        let rho = if self.forward { -t * price } else { rho };
        Valuation { price, delta, gamma, vega, theta, rho }
    }

    /// The no-arbitrage bounds of a premium (discounted, in the price's currency): a call lies
    /// in `[max(S e^{(b−r)T} − K e^{−rT}, 0), S e^{(b−r)T})`, a put in `[max(K e^{−rT} − S
    /// e^{(b−r)T}, 0), K e^{−rT})` (Hull, "Options, Futures and Other Derivatives", ch. 11:
    /// bounds on European option prices, with the carry of Haug 1.1.6).
    pub fn bounds(&self) -> (f64, f64) {
        let fwd_disc = self.s * ((self.b - self.r) * self.t).exp();
        let k_disc = self.k * (-self.r * self.t).exp();
        match self.kind {
            OptionType::Call => ((fwd_disc - k_disc).max(0.0), fwd_disc),
            OptionType::Put => ((k_disc - fwd_disc).max(0.0), k_disc),
        }
    }

    /// The volatility at which the model's price equals `premium` (discounted, in the price's
    /// currency), by Jäckel's "Let's be rational" (the `implied-vol` crate) on the Black
    /// form: forward `F = S e^{bT}`, undiscounted premium `premium · e^{rT}`.
    ///
    /// # Errors
    /// Why no volatility gives the premium ([`IvError`]): at or below the intrinsic value
    /// (the lower no-arbitrage bound) or at or above the upper bound.
    pub fn implied_volatility(&self, premium: f64) -> Result<f64, IvError> {
        let (low, high) = self.bounds();
        if !premium.is_finite() || premium <= low {
            return Err(IvError::BelowIntrinsic(low));
        }
        if premium >= high {
            return Err(IvError::AboveMaximum(high));
        }
        let forward = self.s * (self.b * self.t).exp();
        let undiscounted = premium * (self.r * self.t).exp();
        ImpliedBlackVolatility::builder()
            .option_price(undiscounted)
            .forward(forward)
            .strike(self.k)
            .expiry(self.t)
            .is_call(self.kind == OptionType::Call)
            .build()
            .and_then(|iv| iv.calculate::<DefaultSpecialFn>())
            .filter(|v| v.is_finite() && *v > 0.0)
            .ok_or(IvError::NoConvergence)
    }
}

/// Why a premium has no implied volatility.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum IvError {
    /// At or below the discounted intrinsic value (the lower no-arbitrage bound, given).
    BelowIntrinsic(f64),
    /// At or above the upper no-arbitrage bound (given): the discounted underlying for a
    /// call, the discounted strike for a put.
    AboveMaximum(f64),
    /// The solver found no finite volatility.
    NoConvergence,
}

impl IvError {
    /// The sentence for a premium, with the bound `scale`d into the premium's unit (1 for
    /// quote; `1/S` for a coin premium) and named by `unit`.
    pub fn explain(self, kind: OptionType, premium: f64, scale: f64, unit: &str) -> String {
        match self {
            IvError::BelowIntrinsic(low) => format!(
                "premium {premium} {unit} is at or below the option's no-arbitrage lower bound, its discounted intrinsic value {:.6} {unit}: no volatility > 0 gives it",
                low * scale
            ),
            IvError::AboveMaximum(high) => format!(
                "premium {premium} {unit} is at or above the no-arbitrage upper bound {:.6} {unit} ({}): no volatility gives it",
                high * scale,
                match kind {
                    OptionType::Call => "a call is never worth as much as the discounted underlying",
                    OptionType::Put => "a put is never worth as much as the discounted strike",
                }
            ),
            IvError::NoConvergence => format!("no volatility found for premium {premium} {unit} (the solver did not converge)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bs(kind: OptionType, k: f64, s: f64, q: f64, r: f64, t: f64, sigma: f64) -> Bsm {
        Bsm { kind, s, k, t, sigma, r, b: r - q, forward: false }
    }

    /// Haug (1998), "Option pricing formulas", pp. 2-8, 24 and 27, as reproduced in QuantLib's
    /// test-suite/europeanoption.cpp `testValues` (type, strike, spot, q, r, t, vol, value,
    /// tolerance 1e-4). QuantLib builds the expiry as round(t·360) days on Actual/360, which is
    /// t itself for these t (0.25 → 90/360).
    #[test]
    fn haug_values_as_in_quantlib() {
        use OptionType::{Call, Put};
        let rows: &[(OptionType, f64, f64, f64, f64, f64, f64, f64)] = &[
            (Call, 65.0, 60.0, 0.00, 0.08, 0.25, 0.30, 2.1334),
            (Put, 95.0, 100.0, 0.05, 0.10, 0.50, 0.20, 2.4648),
            (Put, 19.0, 19.0, 0.10, 0.10, 0.75, 0.28, 1.7011),
            (Call, 19.0, 19.0, 0.10, 0.10, 0.75, 0.28, 1.7011),
            (Call, 1.60, 1.56, 0.08, 0.06, 0.50, 0.12, 0.0291),
            (Put, 70.0, 75.0, 0.05, 0.10, 0.50, 0.35, 4.0870),
            (Call, 100.0, 90.0, 0.10, 0.10, 0.10, 0.15, 0.0205),
            (Call, 100.0, 110.0, 0.10, 0.10, 0.50, 0.35, 15.3086),
            (Put, 100.0, 90.0, 0.10, 0.10, 0.50, 0.35, 14.4452),
            (Put, 100.0, 110.0, 0.10, 0.10, 0.10, 0.15, 0.0408),
            (Call, 40.0, 42.0, 0.08, 0.04, 0.75, 0.35, 5.0975),
        ];
        for &(kind, k, s, q, r, t, v, want) in rows {
            let got = bs(kind, k, s, q, r, t, v).price();
            assert!((got - want).abs() < 1e-4, "{kind:?} K={k} S={s}: {got} vs Haug {want}");
        }
    }

    /// Haug (1998) pp. 11-16 as in QuantLib's `testGreekValues` (tolerance 1e-4): delta
    /// 0.5946 / −0.3566 (K 100, S 105, q 0.10, r 0.10, T 0.5, σ 0.36); gamma 0.0278 and vega
    /// 18.9358 (K 60, S 55, q 0, r 0.10, T 0.75, σ 0.30); put theta −31.1924 per year and
    /// −0.0855 per day = −31.1924/365 (K 405, S 430, q 0.05, r 0.07, T 1/12, σ 0.20); call
    /// rho 38.7325 (K 75, S 72, q 0, r 0.09, T 1, σ 0.19).
    #[test]
    fn haug_greeks_as_in_quantlib() {
        use OptionType::{Call, Put};
        let close = |a: f64, b: f64| (a - b).abs() < 1e-4;
        assert!(close(bs(Call, 100.0, 105.0, 0.10, 0.10, 0.5, 0.36).value().delta, 0.5946));
        assert!(close(bs(Put, 100.0, 105.0, 0.10, 0.10, 0.5, 0.36).value().delta, -0.3566));
        for kind in [Call, Put] {
            let v = bs(kind, 60.0, 55.0, 0.0, 0.10, 0.75, 0.30).value();
            assert!(close(v.gamma, 0.0278), "{}", v.gamma);
            assert!(close(v.vega, 18.9358), "{}", v.vega);
        }
        let theta = bs(Put, 405.0, 430.0, 0.05, 0.07, 1.0 / 12.0, 0.20).value().theta;
        assert!(close(theta, -31.1924), "{theta}");
        assert!(close(theta / 365.0, -0.0855));
        assert!(close(bs(Call, 75.0, 72.0, 0.0, 0.09, 1.0, 0.19).value().rho, 38.7325));
    }

    /// Hull, "Options, Futures, and Other Derivatives", examples 17.1–17.7 as quoted in
    /// py_vollib's `black_scholes/greeks/analytical.py` doctests: S 49, K 50, r 0.05,
    /// T 0.3846, σ 0.2 call: delta 0.522, gamma 0.066, vega 12.1 per 1.00 (py_vollib's 0.121
    /// is per 1 %), theta −4.31 per year (py_vollib's per-day value × 365), rho 8.91 per 1.00
    /// (0.0891 per 1 %); the put's annual theta −1.8530056722 (py_vollib reference value).
    #[test]
    fn hull_example_greeks() {
        let call = bs(OptionType::Call, 50.0, 49.0, 0.0, 0.05, 0.3846, 0.2).value();
        assert!((call.delta - 0.522).abs() < 0.001, "{}", call.delta);
        assert!((call.gamma - 0.066).abs() < 0.001);
        assert!((call.vega - 12.1).abs() < 0.01, "{}", call.vega);
        assert!((call.theta - -4.31).abs() < 0.01, "{}", call.theta);
        assert!((call.rho - 8.91).abs() < 0.01, "{}", call.rho);
        let put = bs(OptionType::Put, 50.0, 49.0, 0.0, 0.05, 0.3846, 0.2).value();
        assert!((put.theta - -1.8530056722).abs() < 1e-6, "{}", put.theta);
    }

    /// py_vollib `black` doctests (Black-76): F 100, K 100, σ 0.2, r 0.02, t 0.5 call →
    /// 5.5811067246048118 discounted; its implied volatility is 0.2 again
    /// (`implied_volatility_of_discounted_option_price`, tolerance 1e-5); undiscounted
    /// (r = 0) σ 0.232323232 → 6.54635543387.
    #[test]
    fn py_vollib_black76_price_and_implied_volatility() {
        let b76 = |sigma: f64, r: f64| Bsm { kind: OptionType::Call, s: 100.0, k: 100.0, t: 0.5, sigma, r, b: 0.0, forward: true };
        assert!((b76(0.2, 0.02).price() - 5.581_106_724_604_811_8).abs() < 1e-9);
        let iv = b76(0.5, 0.02).implied_volatility(5.581_106_724_6).unwrap();
        assert!((iv - 0.2).abs() < 1e-5, "{iv}");
        assert!((b76(0.232323232, 0.0).price() - 6.546_355_433_87).abs() < 1e-8);
    }

    #[test]
    fn premiums_outside_the_bounds_say_why() {
        use super::IvError;
        // A call K 100 on S 120 (r = q = 0) is worth at least its intrinsic 20 and less than 120.
        let c = bs(OptionType::Call, 100.0, 120.0, 0.0, 0.0, 0.5, 0.5);
        assert_eq!(c.implied_volatility(19.0), Err(IvError::BelowIntrinsic(20.0)));
        assert_eq!(c.implied_volatility(120.0), Err(IvError::AboveMaximum(120.0)));
        assert!(c.implied_volatility(f64::NAN).is_err());
        let low = IvError::BelowIntrinsic(20.0).explain(OptionType::Call, 19.0, 1.0, "USD");
        assert!(low.contains("lower bound") && low.contains("20.000000 USD"), "{low}");
        let high = IvError::AboveMaximum(120.0).explain(OptionType::Call, 120.0, 1.0, "USD");
        assert!(high.contains("upper bound") && high.contains("underlying"), "{high}");
    }

    fn any_option() -> impl Strategy<Value = Bsm> {
        (any::<bool>(), 50.0..200.0f64, 50.0..200.0f64, 0.02..3.0f64, 0.05..2.0f64, -0.05..0.15f64, -0.05..0.15f64)
            .prop_map(|(call, s, k, t, sigma, r, q)| Bsm {
                kind: if call { OptionType::Call } else { OptionType::Put },
                s,
                k,
                t,
                sigma,
                r,
                b: r - q,
                forward: false,
            })
    }

    proptest! {
        /// Put-call parity with carry: `c − p = S e^{(b−r)T} − K e^{−rT}` (Haug 1.1.6).
        #[test]
        fn put_call_parity(o in any_option()) {
            let c = Bsm { kind: OptionType::Call, ..o }.price();
            let p = Bsm { kind: OptionType::Put, ..o }.price();
            let parity = o.s * ((o.b - o.r) * o.t).exp() - o.k * (-o.r * o.t).exp();
            prop_assert!((c - p - parity).abs() < 1e-9 * o.s.max(o.k));
        }

        /// Each Greek is the central finite difference of the price.
        #[test]
        fn greeks_are_finite_differences(o in any_option()) {
            let v = o.value();
            let h = 1e-4;
            let at = |f: &dyn Fn(&mut Bsm)| { let mut x = o; f(&mut x); x.price() };
            let ds = o.s * h;
            let delta = (at(&|x| x.s += ds) - at(&|x| x.s -= ds)) / (2.0 * ds);
            let gamma = (at(&|x| x.s += ds) - 2.0 * o.price() + at(&|x| x.s -= ds)) / (ds * ds);
            let vega = (at(&|x| x.sigma += h) - at(&|x| x.sigma -= h)) / (2.0 * h);
            let theta = -(at(&|x| x.t += h) - at(&|x| x.t -= h)) / (2.0 * h);
            let rho = (at(&|x| { x.r += h; x.b += h }) - at(&|x| { x.r -= h; x.b -= h })) / (2.0 * h);
            let tol = |a: f64| 1e-5 * (1.0 + a.abs());
            prop_assert!((v.delta - delta).abs() < tol(delta), "delta {} vs {}", v.delta, delta);
            prop_assert!((v.gamma - gamma).abs() < 1e-3 * (1.0 + gamma.abs()), "gamma {} vs {}", v.gamma, gamma);
            prop_assert!((v.vega - vega).abs() < tol(vega) * 10.0, "vega {} vs {}", v.vega, vega);
            prop_assert!((v.theta - theta).abs() < tol(theta) * 100.0, "theta {} vs {}", v.theta, theta);
            prop_assert!((v.rho - rho).abs() < tol(rho) * 10.0, "rho {} vs {}", v.rho, rho);
        }

        /// The implied volatility of a model price is the model's volatility.
        #[test]
        fn implied_volatility_round_trips(o in any_option()) {
            let p = o.price();
            let (low, high) = o.bounds();
            prop_assume!(p > low + 1e-6 * o.s && p < high - 1e-6 * o.s);
            let iv = o.implied_volatility(p).unwrap();
            prop_assert!((iv - o.sigma).abs() < 1e-6, "{} vs {}", iv, o.sigma);
        }
    }
}
