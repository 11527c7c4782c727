//! Optuna's `PercentilePruner`: stop a trial whose best value so far is worse than a
//! percentile of the completed trials' values at the same step.

use super::pruner::check_finite;
use super::{Direction, Pruner, StudyView, TrialProgress};
use crate::{Error, Result};

/// Prunes a trial when its best intermediate value so far is worse than the `percentile`-th
/// percentile of the values the complete trials reported at the current step (Optuna's
/// `PercentilePruner`, with its settings and defaults).
///
/// At each report (step `s`, the trial's last), the trial is pruned when all of these hold:
/// - at least `n_startup_trials` visible trials are complete (and at least one is);
/// - `s >= n_warmup_steps`, and `s` is the trial's first report at or after the latest
///   check point `n_warmup_steps + k·interval_steps <= s`;
/// - at least `n_min_trials` complete trials reported step `s`;
/// - the trial's best value over all its steps (minimum when minimising, maximum when
///   maximising) is strictly worse than the percentile of those trials' values at `s`, computed
///   as NumPy's `nanpercentile` (linear interpolation), at `100 − percentile` when maximising.
///
/// Only complete trials count, as in Optuna: pruned and failed trials are not compared against.
///
/// ```
/// use tuneup::tune::{PercentilePruner, Pruner, StudyView, TrialProgress};
/// let pruner = PercentilePruner::builder(25.0).n_startup_trials(0).build()?;
/// let now = TrialProgress { number: 0, intermediate: &[(0, 1.0)] };
/// assert!(!pruner.should_prune(&now, &StudyView::new(&[], &[]))?); // nothing to compare with
/// assert!(PercentilePruner::builder(101.0).build().is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PercentilePruner {
    settings: PercentilePrunerBuilder,
}

/// The settings of a [`PercentilePruner`], checked by [`build`](Self::build).
///
/// ```
/// let b = tuneup::tune::PercentilePruner::builder(10.0).n_warmup_steps(5).interval_steps(2);
/// assert!(b.build().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PercentilePrunerBuilder {
    percentile: f64,
    n_startup_trials: usize,
    n_warmup_steps: usize,
    interval_steps: usize,
    n_min_trials: usize,
}

impl PercentilePruner {
    /// Settings keeping the best `percentile` percent (in `[0, 100]`) of the trials, with
    /// Optuna's defaults: `n_startup_trials` 5, `n_warmup_steps` 0, `interval_steps` 1,
    /// `n_min_trials` 1.
    ///
    /// ```
    /// let pruner = tuneup::tune::PercentilePruner::builder(50.0).build()?;
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn builder(percentile: f64) -> PercentilePrunerBuilder {
        PercentilePrunerBuilder {
            percentile,
            n_startup_trials: 5,
            n_warmup_steps: 0,
            interval_steps: 1,
            n_min_trials: 1,
        }
    }

    /// The percentile it keeps.
    ///
    /// ```
    /// let p = tuneup::tune::PercentilePruner::builder(25.0).build()?;
    /// assert_eq!(p.percentile(), 25.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn percentile(&self) -> f64 {
        self.settings.percentile
    }

    /// Whether the check runs at the trial's last step (after warm-up, first report in its
    /// interval).
    fn is_check_step(&self, trial: &TrialProgress<'_>, step: usize) -> bool {
        let s = &self.settings;
        if step < s.n_warmup_steps {
            return false;
        }
        let check_point =
            (step - s.n_warmup_steps) / s.interval_steps * s.interval_steps + s.n_warmup_steps;
        let previous = trial
            .intermediate
            .iter()
            .map(|&(st, _)| st)
            .filter(|&st| st != step)
            .max();
        previous.is_none_or(|p| p < check_point)
    }
}

impl PercentilePrunerBuilder {
    /// Pruning stays off until this many trials are complete (default 5).
    ///
    /// ```
    /// let b = tuneup::tune::PercentilePruner::builder(50.0).n_startup_trials(0);
    /// assert!(b.build().is_ok());
    /// ```
    pub fn n_startup_trials(mut self, n: usize) -> Self {
        self.n_startup_trials = n;
        self
    }

    /// No pruning before step `n` (default 0).
    ///
    /// ```
    /// let b = tuneup::tune::PercentilePruner::builder(50.0).n_warmup_steps(10);
    /// assert!(b.build().is_ok());
    /// ```
    pub fn n_warmup_steps(mut self, n: usize) -> Self {
        self.n_warmup_steps = n;
        self
    }

    /// Check every `n` steps after the warm-up (default 1; at least 1).
    ///
    /// ```
    /// assert!(tuneup::tune::PercentilePruner::builder(50.0).interval_steps(0).build().is_err());
    /// ```
    pub fn interval_steps(mut self, n: usize) -> Self {
        self.interval_steps = n;
        self
    }

    /// Prune only when at least `n` complete trials reported the step (default 1; at least 1).
    ///
    /// ```
    /// assert!(tuneup::tune::PercentilePruner::builder(50.0).n_min_trials(0).build().is_err());
    /// ```
    pub fn n_min_trials(mut self, n: usize) -> Self {
        self.n_min_trials = n;
        self
    }

    /// The pruner, or an [`Error::Config`] naming the setting out of range.
    ///
    /// ```
    /// assert!(tuneup::tune::PercentilePruner::builder(f64::NAN).build().is_err());
    /// ```
    pub fn build(self) -> Result<PercentilePruner> {
        if !(0.0..=100.0).contains(&self.percentile) {
            return Err(Error::config(
                "PercentilePruner.percentile",
                self.percentile,
                "a percentile in [0, 100]",
            ));
        }
        if self.interval_steps == 0 {
            return Err(Error::config(
                "PercentilePruner.interval_steps",
                0,
                "at least 1",
            ));
        }
        if self.n_min_trials == 0 {
            return Err(Error::config(
                "PercentilePruner.n_min_trials",
                0,
                "at least 1",
            ));
        }
        Ok(PercentilePruner { settings: self })
    }
}

impl Pruner for PercentilePruner {
    fn should_prune(&self, trial: &TrialProgress<'_>, past: &StudyView<'_>) -> Result<bool> {
        check_finite(trial)?;
        let s = &self.settings;
        let n_complete = past.completed().count();
        if n_complete == 0 || n_complete < s.n_startup_trials {
            return Ok(false);
        }
        let Some((step, _)) = trial.last() else {
            return Ok(false);
        };
        if !self.is_check_step(trial, step) {
            return Ok(false);
        }
        let direction = past.direction();
        let Some(best) = best_so_far(trial, direction) else {
            return Ok(true); // only NaN so far: Optuna prunes
        };
        let at_step: Vec<f64> = past
            .completed()
            .filter_map(|t| t.intermediate_at(step))
            .collect();
        if at_step.len() < s.n_min_trials {
            return Ok(false);
        }
        let q = match direction {
            Direction::Minimize => s.percentile,
            Direction::Maximize => 100.0 - s.percentile,
        };
        Ok(match nan_percentile(&at_step, q) {
            None => false,
            Some(p) => direction.is_better(p, best),
        })
    }
}

/// The trial's best intermediate value, NaN ignored (NumPy's `nanmin` / `nanmax`).
fn best_so_far(trial: &TrialProgress<'_>, direction: Direction) -> Option<f64> {
    trial
        .intermediate
        .iter()
        .map(|&(_, v)| v)
        .filter(|v| !v.is_nan())
        .reduce(|a, b| if direction.is_better(b, a) { b } else { a })
}

/// NumPy's `nanpercentile(values, q)` with the default linear method: NaN dropped, virtual
/// index `(n − 1)·q/100`, the two neighbours interpolated as `_lerp` does. `None` when every
/// value is NaN.
pub(crate) fn nan_percentile(values: &[f64], q: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let index = (n - 1) as f64 * (q / 100.0);
    if index >= (n - 1) as f64 {
        return Some(sorted[n - 1]);
    }
    let below = index.floor();
    let (a, b) = (sorted[below as usize], sorted[below as usize + 1]);
    let t = index - below;
    let diff = b - a;
    Some(if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    })
}

#[cfg(test)]
mod tests {
    use super::nan_percentile;

    #[test]
    fn percentile_interpolates_like_numpy() {
        // np.percentile([1, 2, 3, 4], [0, 25, 50, 90, 100]) = 1, 1.75, 2.5, 3.7, 4
        let v = [4.0, 1.0, 3.0, 2.0];
        let expect = [
            (0.0, 1.0),
            (25.0, 1.75),
            (50.0, 2.5),
            (90.0, 3.7),
            (100.0, 4.0),
        ];
        for (q, e) in expect {
            assert!((nan_percentile(&v, q).unwrap() - e).abs() < 1e-15, "{q}");
        }
        assert_eq!(nan_percentile(&[f64::NAN, 2.0], 50.0), Some(2.0));
        assert_eq!(nan_percentile(&[f64::NAN], 50.0), None);
    }
}
