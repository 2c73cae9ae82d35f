//! Probability of liquidation within a horizon and median time to liquidation, per position,
//! with curves against leverage and horizon.
//!
//! Each position's barrier is its liquidation price from [`evaluate`] (on the mark price; in
//! cross mode, with the other positions held at mark, as in the Report). The closed form is
//! the drifted-GBM first passage of [`passage`]; the Monte Carlo of [`montecarlo`] adds
//! Student-t innovations, jumps and correlation between symbols.
//!
//! **Funding.** Funding settled from the collateral moves the liquidation price over time
//! (see [`carry`]). Unless told to ignore it, the barrier is taken as linear in log price,
//! `ln(L(t)/mark) = b + c t`, through the Report's `L` now and the liquidation price after the
//! horizon's funding, `c = ln(L(H)/L(0))/H`. Hitting a linear barrier is hitting the fixed
//! barrier `b` with the drift `ν − c`, so the closed form keeps its shape; the median and
//! expected times extrapolate the same slope beyond the horizon.

use serde::{Deserialize, Serialize};

use crate::engine::limits::{ceiling, MAX_PATH_STEPS};
use crate::engine::analytics::montecarlo::{self, Barrier, McPosition, McSetup, McSummary};
use crate::engine::analytics::{carry, finite, logspace, passage, risk_market, symbols, volatilities, Tail, DAYS_PER_YEAR};
use crate::engine::{evaluate, FieldError, InputErrors, MarginMode, Position, PositionReport, Report, Scenario, Side};

/// Monte Carlo settings (see [`montecarlo`]).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct McSettings {
    pub paths: u64,
    pub steps: u32,
    pub seed: u64,
    /// Brownian-bridge correction between steps.
    pub bridge: bool,
}

impl Default for McSettings {
    fn default() -> Self {
        McSettings { paths: 10_000, steps: 1_000, seed: 1, bridge: true }
    }
}

/// What [`probability`] computes besides the closed form.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
pub struct ProbabilitySettings {
    /// Horizon in days.
    pub horizon_days: f64,
    /// Run the Monte Carlo as well.
    pub monte_carlo: Option<McSettings>,
    /// Add the leverage and horizon curves.
    pub curves: bool,
    /// Keep the barrier fixed even when `market.funding_rate_8h` is given.
    #[serde(default)]
    pub ignore_funding: bool,
}

/// One point of a probability curve.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct CurvePoint {
    /// Leverage, or horizon in days.
    pub x: f64,
    /// Closed-form probability of liquidation (fraction).
    pub probability: f64,
}

/// Probability and timing of one position's liquidation.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PositionProbability {
    pub symbol: String,
    pub side: Side,
    pub mark_price: f64,
    /// The barrier: the Report's liquidation price (`null` when no price liquidates).
    pub liquidation_price: Option<f64>,
    /// Annual volatility σ used.
    pub volatility: f64,
    /// Log drift ν = μ − σ²/2 per year.
    pub log_drift: f64,
    /// Drift c of the barrier in log price per year from funding (0 without funding); the
    /// closed form uses the drift ν − c.
    pub barrier_drift: f64,
    /// ln(liquidation price ÷ mark): negative below (long), positive above (short).
    pub log_distance: Option<f64>,
    /// Closed-form probability of liquidation within the horizon (fraction).
    pub liquidation_probability: f64,
    /// Horizon (days) at which liquidation becomes more likely than not; `null` when that
    /// never happens (drift away from the barrier, or no liquidation price).
    pub median_time_to_liquidation_days: Option<f64>,
    /// Mean first-passage time |b|/|ν| (days) when the drift points at the barrier; `null`
    /// otherwise (infinite).
    pub expected_time_to_liquidation_days: Option<f64>,
    /// Probability of ever being liquidated (horizon → ∞).
    pub probability_ever: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The Monte Carlo estimate, when run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monte_carlo: Option<McPosition>,
    /// Probability against leverage for this position alone, isolated, at the same mark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leverage_curve: Option<Vec<CurvePoint>>,
    /// Probability against horizon (days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon_curve: Option<Vec<CurvePoint>>,
}

/// The `probability` result.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ProbabilityReport {
    pub horizon_days: f64,
    /// Annual price drift μ.
    pub drift: f64,
    pub method: String,
    pub positions: Vec<PositionProbability>,
    /// The whole Monte Carlo summary (per-position figures are also under each position).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monte_carlo: Option<McSummary>,
}

/// The barrier of a position from its Report row.
pub fn barrier(r: &PositionReport) -> Barrier {
    if r.liquidatable_now {
        return Barrier::Now;
    }
    match r.liquidation_price {
        Some(l) if l > 0.0 && r.mark_price > 0.0 => {
            let b = (l / r.mark_price).ln();
            if b == 0.0 {
                Barrier::Now
            } else if b.is_finite() {
                Barrier::At(b)
            } else {
                Barrier::Never
            }
        }
        _ => Barrier::Never,
    }
}

/// Closed-form probability of liquidation within `t` years for a barrier.
pub fn barrier_probability(b: Barrier, nu: f64, sigma: f64, t: f64) -> f64 {
    match b {
        Barrier::Now => 1.0,
        Barrier::Never => 0.0,
        Barrier::At(b) => passage::hit_probability(b, nu, sigma, t),
    }
}

/// Correlation matrix of `symbols` from `market.correlation` (`"A/B"` or `"B/A"`; missing
/// pairs are uncorrelated).
pub fn correlation_matrix(s: &Scenario, symbols: &[String]) -> Vec<Vec<f64>> {
    let m = risk_market(s);
    let n = symbols.len();
    let mut c = vec![vec![0.0; n]; n];
    for i in 0..n {
        c[i][i] = 1.0;
        for j in 0..i {
            let key1 = format!("{}/{}", symbols[i], symbols[j]);
            let key2 = format!("{}/{}", symbols[j], symbols[i]);
            let rho = m.correlation.get(&key1).or_else(|| m.correlation.get(&key2)).copied().unwrap_or(0.0);
            c[i][j] = rho;
            c[j][i] = rho;
        }
    }
    c
}

/// Drift per year of each position's barrier in log price when funding at `rate_8h` is settled
/// from the collateral: `c = ln(L(H)/L(0))/H` with `L(H)` the liquidation price after
/// `horizon_days` of funding at the mark price ([`carry::after_funding`]). 0 without funding or
/// when either price is missing.
///
/// # Errors
/// The Report's errors for the Scenario after funding.
pub fn funding_barrier_drift(s: &Scenario, report: &Report, rate_8h: f64, horizon_days: f64) -> Result<Vec<f64>, InputErrors> {
    if rate_8h == 0.0 {
        return Ok(vec![0.0; report.positions.len()]);
    }
    let per_8h = carry::funding_per_8h(report, rate_8h);
    let later = evaluate(&carry::after_funding(s, report, &per_8h, horizon_days))?;
    let t = horizon_days / DAYS_PER_YEAR;
    Ok(report
        .positions
        .iter()
        .zip(&later.positions)
        .map(|(a, b)| match (a.liquidation_price, b.liquidation_price) {
            (Some(l0), Some(l1)) if l0 > 0.0 && l1 > 0.0 => finite((l1 / l0).ln() / t).unwrap_or(0.0),
            _ => 0.0,
        })
        .collect())
}

/// The Monte Carlo run for a Scenario: one symbol per distinct position symbol, barriers from
/// the Report, moving with `barrier_drift` (per position, or empty for fixed barriers).
///
/// # Errors
/// `market.volatility.SYMBOL` for a symbol without volatility, `market.correlation` for a
/// matrix that is not positive semi-definite, `steps` out of range, and the Report's errors.
pub fn mc_setup(
    s: &Scenario,
    report: &Report,
    horizon_days: f64,
    settings: McSettings,
    barrier_drift: &[f64],
) -> Result<McSetup, InputErrors> {
    let vols = volatilities(s)?;
    let syms = symbols(s);
    let k = syms.len().max(1) as u64;
    ceiling(
        "paths",
        &format!("{} paths × {} steps × {k} symbols", settings.paths, settings.steps),
        settings.paths.saturating_mul(u64::from(settings.steps)).saturating_mul(k),
        MAX_PATH_STEPS,
        "lower `paths` or `steps` (the estimate's standard error falls only as 1/√paths)",
    )?;
    let sigma: Vec<f64> =
        syms.iter().map(|sym| s.positions.iter().position(|p| &p.symbol == sym).map_or(0.0, |i| vols[i])).collect();
    let m = risk_market(s);
    let positions = s
        .positions
        .iter()
        .zip(&report.positions)
        .map(|(p, r)| (syms.iter().position(|x| x == &p.symbol).unwrap_or(0), barrier(r)))
        .collect();
    McSetup::new(
        syms.clone(),
        sigma,
        m.drift.unwrap_or(0.0),
        &correlation_matrix(s, &syms),
        m.tail.unwrap_or_default(),
        m.jumps,
        horizon_days / DAYS_PER_YEAR,
        settings.steps,
        settings.seed,
        settings.bridge,
        positions,
    )
    .and_then(|mut setup| {
        setup.barrier_drift = barrier_drift.to_vec();
        setup.check().map(|_| setup)
    })
    .map_err(InputErrors::from)
}

/// The Monte Carlo run of a Scenario (with the funding-driven barrier drift unless
/// `ignore_funding`), for the page to run in chunks:
/// `let setup = monte_carlo_setup(&s, days, settings, false)?;` then, between frames,
/// `partial.merge(&montecarlo::simulate(&setup, start, chunk)?)` with progress
/// `partial.paths / settings.paths` (stop early to cancel), and finally
/// `montecarlo::summarise(&setup, &partial)`.
///
/// # Errors
/// As [`mc_setup`].
pub fn monte_carlo_setup(
    s: &Scenario,
    horizon_days: f64,
    settings: McSettings,
    ignore_funding: bool,
) -> Result<McSetup, InputErrors> {
    let report = evaluate(s)?;
    let rate = if ignore_funding { 0.0 } else { risk_market(s).funding_rate_8h.unwrap_or(0.0) };
    let drift = funding_barrier_drift(s, &report, rate, horizon_days)?;
    mc_setup(s, &report, horizon_days, settings, &drift)
}

/// Position `p` alone, isolated, at `leverage`, with the same mark, under the Scenario's
/// venue: the Scenario behind one point of the leverage curve.
pub fn isolated_at_leverage(s: &Scenario, p: &Position, leverage: f64) -> Scenario {
    let mut p = p.clone();
    p.leverage = Some(leverage);
    p.margin = None;
    Scenario {
        version: s.version,
        venue: s.venue,
        margin_mode: MarginMode::Isolated,
        wallet_balance: None,
        wallet_balances: None,
        positions: vec![p],
        market: None,
        lending: None,
        vault: None,
        auction: None,
        now: None,
        portfolio_margin: None,
        collateral: None,
        analyses: None,
    }
}

/// Closed-form probability of liquidation within `horizon_days` of position `index` alone,
/// isolated, at `leverage` (see [`isolated_at_leverage`]), with funding at `rate_8h` moving
/// its barrier (see [`funding_barrier_drift`]; 0 for none).
///
/// # Errors
/// `positions` when there is no position `index`, and the errors of [`evaluate`] for the
/// modified position (e.g. leverage outside 1..1000).
pub fn probability_at_leverage(
    s: &Scenario,
    index: usize,
    leverage: f64,
    sigma: f64,
    nu: f64,
    horizon_days: f64,
    rate_8h: f64,
) -> Result<f64, InputErrors> {
    let p = s
        .positions
        .get(index)
        .ok_or_else(|| FieldError::new("positions", format!("there is no position {index}")))?;
    let alone = isolated_at_leverage(s, p, leverage);
    let r = evaluate(&alone)?;
    let c = funding_barrier_drift(&alone, &r, rate_8h, horizon_days)?[0];
    Ok(barrier_probability(barrier(&r.positions[0]), nu - c, sigma, horizon_days / DAYS_PER_YEAR))
}

/// Leverages of the leverage curve: 30 points from 1 to the tier's maximum (default 125),
/// evenly spaced in the logarithm.
pub fn leverage_grid(r: &PositionReport) -> Vec<f64> {
    let max = r.max_leverage.unwrap_or(125.0).clamp(2.0, 1000.0);
    logspace(1.0, max, 30)
}

/// Horizons (days) of the horizon curve: 40 points from 1 hour to max(4 × horizon, 30 days),
/// evenly spaced in the logarithm.
pub fn horizon_grid(horizon_days: f64) -> Vec<f64> {
    logspace(1.0 / 24.0, (4.0 * horizon_days).max(30.0), 40)
}

/// Probability and time to liquidation for every position.
///
/// Closed form per position (see [`passage`]): with `b = ln(L/mark)`, `ν = μ − σ²/2`, `t` =
/// horizon in years, `P = Φ((b − νt)/(σ√t)) + e^{2νb/σ²} Φ((b + νt)/(σ√t))` for a long (mirror
/// image for a short), with `ν − c` for `ν` when funding moves the barrier (module docs).
/// `P = 1` and median 0 when already liquidatable; `P = 0` and median `null` when no price
/// liquidates the position.
///
/// # Errors
/// The Report's errors, `market.volatility.SYMBOL` for each symbol without a volatility, and
/// the Monte Carlo setup's errors.
pub fn probability(s: &Scenario, settings: &ProbabilitySettings) -> Result<ProbabilityReport, InputErrors> {
    probability_with_progress(s, settings, &mut |_, _| {})
}

/// Paths simulated between two calls of the progress callback of
/// [`probability_with_progress`].
pub const PROGRESS_CHUNK: u64 = 2_000;

/// [`probability`], calling `progress(done, total)` with the Monte Carlo paths simulated so far
/// after every [`PROGRESS_CHUNK`] paths (the chunks give the same result as one run: every path
/// has its own random stream).
///
/// # Errors
/// As [`probability`].
pub fn probability_with_progress(
    s: &Scenario,
    settings: &ProbabilitySettings,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ProbabilityReport, InputErrors> {
    let mc = match settings.monte_carlo {
        Some(mcs) => {
            let setup = monte_carlo_setup(s, settings.horizon_days, mcs, settings.ignore_funding)?;
            let mut partial = montecarlo::McPartial::default();
            let mut done = 0;
            while done < mcs.paths {
                let n = PROGRESS_CHUNK.min(mcs.paths - done);
                partial.merge(&montecarlo::simulate(&setup, done, n)?);
                done += n;
                progress(done, mcs.paths);
            }
            Some(montecarlo::summarise(&setup, &partial))
        }
        None => None,
    };
    probability_with_mc(s, settings, mc)
}

/// [`probability`] with the Monte Carlo already run (in slices, by the compute entry's job):
/// `mc` is the summary of [`monte_carlo_setup`]'s run with `settings.monte_carlo`, or `None`.
///
/// # Errors
/// As [`probability`].
pub fn probability_with_mc(
    s: &Scenario,
    settings: &ProbabilitySettings,
    mc: Option<montecarlo::McSummary>,
) -> Result<ProbabilityReport, InputErrors> {
    let report = evaluate(s)?;
    let vols = volatilities(s)?;
    let m = risk_market(s);
    let t = settings.horizon_days / DAYS_PER_YEAR;
    let rate = if settings.ignore_funding { 0.0 } else { m.funding_rate_8h.unwrap_or(0.0) };
    let drift = funding_barrier_drift(s, &report, rate, settings.horizon_days)?;
    let mut positions = Vec::with_capacity(report.positions.len());
    for (i, r) in report.positions.iter().enumerate() {
        let sigma = vols[i];
        let nu = m.log_drift(sigma);
        let c = drift[i];
        // The barrier moving at c is the fixed barrier with the drift ν − c.
        let nu_c = nu - c;
        let b = barrier(r);
        let (median, expected, ever, note) = match b {
            Barrier::Now => (Some(0.0), Some(0.0), 1.0, Some("already liquidatable at mark".to_string())),
            Barrier::Never => (None, None, 0.0, Some("no price liquidates this position".to_string())),
            Barrier::At(b) => {
                let median = passage::median_hitting_time(b, nu_c, sigma).map(|y| y * DAYS_PER_YEAR).and_then(finite);
                let note = median.is_none().then(|| {
                    "liquidation never becomes more likely than not: the drift points away from the liquidation price"
                        .to_string()
                });
                (
                    median,
                    passage::expected_hitting_time(b, nu_c).map(|y| y * DAYS_PER_YEAR).and_then(finite),
                    passage::hit_probability_ever(b, nu_c, sigma),
                    note,
                )
            }
        };
        let note = match (note, s.margin_mode) {
            (None, MarginMode::Cross) if s.positions.len() > 1 => {
                Some("cross mode: the barrier holds the other positions at mark, as the Report's liquidation price does".into())
            }
            (n, _) => n,
        };
        let (leverage_curve, horizon_curve) = if settings.curves {
            let lev = leverage_grid(r)
                .into_iter()
                .map(|l| {
                    probability_at_leverage(s, i, l, sigma, nu, settings.horizon_days, rate)
                        .map(|probability| CurvePoint { x: l, probability })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let hor = horizon_grid(settings.horizon_days)
                .into_iter()
                .map(|d| CurvePoint { x: d, probability: barrier_probability(b, nu_c, sigma, d / DAYS_PER_YEAR) })
                .collect();
            (Some(lev), Some(hor))
        } else {
            (None, None)
        };
        positions.push(PositionProbability {
            symbol: r.symbol.clone(),
            side: r.side,
            mark_price: r.mark_price,
            liquidation_price: r.liquidation_price,
            volatility: sigma,
            log_drift: nu,
            barrier_drift: c,
            log_distance: match b {
                Barrier::At(b) => Some(b),
                Barrier::Now => Some(0.0),
                Barrier::Never => None,
            },
            liquidation_probability: barrier_probability(b, nu_c, sigma, t),
            median_time_to_liquidation_days: median,
            expected_time_to_liquidation_days: expected,
            probability_ever: ever,
            note,
            monte_carlo: mc.as_ref().and_then(|m| m.positions.get(i).cloned()),
            leverage_curve,
            horizon_curve,
        });
    }
    let method = match m.tail.unwrap_or_default() {
        Tail::Normal => "closed-form first passage of drifted GBM (normal tails)".to_string(),
        Tail::StudentT(nu) => format!(
            "closed-form first passage of drifted GBM (normal tails); the Monte Carlo uses the Scenario's Student-t tails (ν = {nu})"
        ),
    };
    Ok(ProbabilityReport { horizon_days: settings.horizon_days, drift: m.drift.unwrap_or(0.0), method, positions, monte_carlo: mc })
}
