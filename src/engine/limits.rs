//! Ceilings on the work one call does, so no input can make a command run for hours or grow
//! its memory or output without bound. Each ceiling is a product of the sizes the user chooses
//! (points × positions, paths × steps × symbols, …); above it the call fails at once with a
//! [`FieldError`] at the setting to change, stating the ceiling and what to lower.
//!
//! | work | ceiling | about |
//! |---|---|---|
//! | positions of one Scenario | [`MAX_POSITIONS`] = 10⁶ | `eval` output ≈ 0.3 KB per position |
//! | `stress`: points × positions | [`MAX_STRESS_CELLS`] = 2·10⁶ | one position evaluated per cell |
//! | `grid`: (steps + 8 + steps² of the surface) × positions | [`MAX_STRESS_CELLS`] | |
//! | `carry`: points × positions | [`MAX_STRESS_CELLS`] | |
//! | Monte Carlo: paths × steps × symbols | [`MAX_PATH_STEPS`] = 10⁹ | ≈ 40 s on one core |
//! | generated or imported market positions | [`crate::engine::cascade::MAX_GENERATED`] = 5·10⁶ | 24 bytes each |
//! | `cascade`: shocks simulated, sweep and sensitivity | [`MAX_SHOCKS`] = 2·10⁵ | |
//! | `cascade`: rounds kept in the path | [`MAX_PATH_ROUNDS`] = 10⁵ | |
//!
//! Ceilings are not performance claims: they bound the worst case so that a typo
//! (a million `points`) is refused rather than run.

use crate::engine::input::FieldError;

/// Largest number of positions in one Scenario.
pub const MAX_POSITIONS: usize = 1_000_000;

/// Largest number of position evaluations of one `stress`, `grid` or `carry` call.
pub const MAX_STRESS_CELLS: u64 = 2_000_000;

/// Largest Monte Carlo work: paths × steps × symbols.
pub const MAX_PATH_STEPS: u64 = 1_000_000_000;

/// Largest number of cascades one `cascade` call simulates (sweep and sensitivity).
pub const MAX_SHOCKS: u64 = 200_000;

/// Largest number of rounds kept in a cascade's `path`.
pub const MAX_PATH_ROUNDS: usize = 100_000;

/// Checks one ceiling: `work` (described as `what`, e.g. "10001 points × 1000 positions") must
/// not exceed `max`.
///
/// # Errors
/// A [`FieldError`] at `setting` saying the work, the ceiling and `change` (what to lower).
pub fn ceiling(setting: &str, what: &str, work: u64, max: u64, change: &str) -> Result<(), FieldError> {
    if work <= max {
        Ok(())
    } else {
        Err(FieldError::new(setting, format!("{what} = {work} is above the ceiling of {max}; {change}")))
    }
}

/// The [`MAX_STRESS_CELLS`] ceiling of `count` `what` (e.g. 10001 "points") evaluated for
/// each of `positions` positions.
///
/// # Errors
/// As [`ceiling`], at `setting`, naming the most `what` allowed for that many positions.
pub fn per_position(setting: &str, what: &str, count: u64, positions: usize) -> Result<(), FieldError> {
    let n = positions.max(1) as u64;
    ceiling(
        setting,
        &format!("{count} {what} × {n} positions"),
        count.saturating_mul(n),
        MAX_STRESS_CELLS,
        &format!("lower `{setting}` (at most {} for {n} positions) or use fewer positions", MAX_STRESS_CELLS / n),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_states_work_ceiling_and_remedy() {
        assert!(ceiling("points", "a", 10, 10, "x").is_ok());
        let e = ceiling("points", "11 points × 1 position", 11, 10, "lower `points`").unwrap_err();
        assert_eq!(e.to_string(), "points: 11 points × 1 position = 11 is above the ceiling of 10; lower `points`");
    }
}
