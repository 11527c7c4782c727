//! Optuna's `SuccessiveHalvingPruner`: asynchronous successive halving (ASHA).

use super::pruner::check_finite;
use super::{Direction, Pruner, StudyView, TrialProgress, TrialRecord, TrialState};
use crate::{Error, Result};

/// Where the first rung of a [`SuccessiveHalvingPruner`] starts.
///
/// ```
/// use tuneup::tune::{MinResource, SuccessiveHalvingPruner};
/// let p = SuccessiveHalvingPruner::builder().min_resource(MinResource::Steps(3)).build()?;
/// assert_eq!(p.promotion_step(0), Some(3));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MinResource {
    /// Optuna's `"auto"`: `max(last_step / 100, 1)` of the first complete trial (the
    /// lowest-numbered complete trial that reported a value); no pruning before one exists,
    /// and the trials up to that one hold no rung values. Optuna estimates it once, at the
    /// first check after a trial completes, which in a sequential study is the same trial.
    #[default]
    Auto,
    /// An explicit number of steps, at least 1.
    Steps(usize),
}

/// Asynchronous successive halving, as Optuna's `SuccessiveHalvingPruner`.
///
/// Rungs and steps: with `r` the minimum resource, `η` the reduction factor and `s` the
/// minimum early-stopping rate, rung `k` is completed at the trial's first reported step
/// `≥ r·η^(s+k)` (steps as reported, Optuna's convention: `report(value, step)` then
/// `should_prune()`). The value reported there is the trial's value at rung `k`; it is promoted
/// (keeps running) when that value is in the top `⌊n/η⌋` (at least 1) of the `n` values at rung
/// `k` — those of the visible trials that completed rung `k` (any state) and its own; ties
/// promote. A trial that is not promoted is pruned; with `bootstrap_count > 0`, so is one
/// whose rung has at most `bootstrap_count` values.
///
/// Optuna stores each trial's rung values as it goes; here they are rebuilt from the visible
/// trials' intermediate values with the same rule (the value at the first step reaching each
/// rung threshold). This is exact when each report crosses at most one rung threshold (e.g.
/// every step reported); when a pruned trial's last report crossed several, it is counted at
/// all of them.
///
/// ```
/// use tuneup::tune::{MinResource, Pruner, StudyView, SuccessiveHalvingPruner, TrialProgress};
/// let p = SuccessiveHalvingPruner::builder()
///     .min_resource(MinResource::Steps(1))
///     .reduction_factor(4)
///     .build()?;
/// let view = StudyView::new(&[], &[]);
/// // step 0 is before the first rung (step 1): never pruned there
/// assert!(!p.should_prune(&TrialProgress { number: 0, intermediate: &[(0, 9.0)] }, &view)?);
/// assert_eq!(p.promotion_step(1), Some(4));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuccessiveHalvingPruner {
    settings: SuccessiveHalvingPrunerBuilder,
}

/// The settings of a [`SuccessiveHalvingPruner`], checked by [`build`](Self::build).
///
/// ```
/// let b = tuneup::tune::SuccessiveHalvingPruner::builder().reduction_factor(1);
/// assert!(b.build().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuccessiveHalvingPrunerBuilder {
    min_resource: MinResource,
    reduction_factor: usize,
    min_early_stopping_rate: usize,
    bootstrap_count: usize,
}

impl SuccessiveHalvingPruner {
    /// Settings with Optuna's defaults: `min_resource` auto, `reduction_factor` 4,
    /// `min_early_stopping_rate` 0, `bootstrap_count` 0.
    ///
    /// ```
    /// let p = tuneup::tune::SuccessiveHalvingPruner::builder().build()?;
    /// assert_eq!(p.promotion_step(0), None); // auto: not known before a trial completes
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn builder() -> SuccessiveHalvingPrunerBuilder {
        SuccessiveHalvingPrunerBuilder {
            min_resource: MinResource::Auto,
            reduction_factor: 4,
            min_early_stopping_rate: 0,
            bootstrap_count: 0,
        }
    }

    /// The step at which rung `rung` completes, `min_resource·η^(rate + rung)`; `None` with an
    /// automatic minimum resource (it depends on the study) or beyond `usize`.
    ///
    /// ```
    /// use tuneup::tune::{MinResource, SuccessiveHalvingPruner};
    /// let p = SuccessiveHalvingPruner::builder()
    ///     .min_resource(MinResource::Steps(2))
    ///     .reduction_factor(3)
    ///     .min_early_stopping_rate(1)
    ///     .build()?;
    /// assert_eq!(p.promotion_step(0), Some(6));
    /// assert_eq!(p.promotion_step(1), Some(18));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn promotion_step(&self, rung: usize) -> Option<usize> {
        match self.settings.min_resource {
            MinResource::Auto => None,
            MinResource::Steps(r) => self.rung_step(r, rung),
        }
    }

    /// `min_resource·η^(rate + rung)`, `None` past `usize::MAX` (a rung never reached).
    fn rung_step(&self, min_resource: usize, rung: usize) -> Option<usize> {
        let s = &self.settings;
        let exponent = u32::try_from(s.min_early_stopping_rate.checked_add(rung)?).ok()?;
        s.reduction_factor
            .checked_pow(exponent)?
            .checked_mul(min_resource)
    }

    /// The minimum resource in use and the trials that may hold rung values: the explicit
    /// resource and every trial; or Optuna's estimate from the first complete trial among
    /// `trials` and the trials numbered after it (before the estimate existed, Optuna recorded
    /// no rung).
    fn resolved_min_resource<'a>(
        &self,
        trials: impl Iterator<Item = &'a TrialRecord>,
    ) -> Option<(usize, Option<usize>)> {
        match self.settings.min_resource {
            MinResource::Steps(r) => Some((r, None)),
            MinResource::Auto => trials
                .filter(|t| t.state == TrialState::Complete)
                .filter_map(|t| t.last_intermediate().map(|(s, _)| (t.number, s)))
                .min_by_key(|&(number, _)| number)
                .map(|(number, last_step)| ((last_step / 100).max(1), Some(number))),
        }
    }

    /// A trial's values at rungs 0, 1, …: the value at its first step reaching each threshold.
    fn rung_values(&self, min_resource: usize, intermediate: &[(usize, f64)]) -> Vec<f64> {
        let mut values = Vec::new();
        for &(step, value) in intermediate {
            while self
                .rung_step(min_resource, values.len())
                .is_some_and(|threshold| step >= threshold)
            {
                values.push(value);
            }
        }
        values
    }

    /// The decision for `trial` among `others` (the trials it competes with, itself excluded
    /// by number), as Optuna's `SuccessiveHalvingPruner.prune`.
    pub(crate) fn decide(
        &self,
        trial: &TrialProgress<'_>,
        others: &[&TrialRecord],
        direction: Direction,
    ) -> bool {
        let Some((step, value)) = trial.last() else {
            return false;
        };
        let Some((min_resource, first)) = self.resolved_min_resource(others.iter().copied()) else {
            return false;
        };
        let earlier = &trial.intermediate[..trial.intermediate.len() - 1];
        let mut rung = self.rung_values(min_resource, earlier).len();
        let others: Vec<Vec<f64>> = others
            .iter()
            .filter(|t| t.number != trial.number && first.is_none_or(|f| t.number > f))
            .map(|t| self.rung_values(min_resource, &t.intermediate))
            .collect();
        loop {
            match self.rung_step(min_resource, rung) {
                Some(threshold) if step >= threshold => {}
                _ => return false,
            }
            let mut competing: Vec<f64> =
                others.iter().filter_map(|v| v.get(rung).copied()).collect();
            competing.push(value);
            if competing.len() <= self.settings.bootstrap_count {
                return true;
            }
            if !promotable(value, competing, self.settings.reduction_factor, direction) {
                return true;
            }
            rung += 1;
        }
    }
}

/// Whether `value` is in the top `⌊n/η⌋` (at least one) of `competing` (which holds it).
fn promotable(value: f64, mut competing: Vec<f64>, eta: usize, direction: Direction) -> bool {
    let index = (competing.len() / eta).saturating_sub(1);
    competing.sort_by(f64::total_cmp);
    match direction {
        Direction::Minimize => value <= competing[index],
        Direction::Maximize => value >= competing[competing.len() - 1 - index],
    }
}

impl SuccessiveHalvingPrunerBuilder {
    /// The minimum resource `r` (default [`MinResource::Auto`]).
    ///
    /// ```
    /// use tuneup::tune::{MinResource, SuccessiveHalvingPruner};
    /// let b = SuccessiveHalvingPruner::builder().min_resource(MinResource::Steps(0));
    /// assert!(b.build().is_err());
    /// ```
    pub fn min_resource(mut self, min_resource: MinResource) -> Self {
        self.min_resource = min_resource;
        self
    }

    /// The reduction factor `η` (default 4, at least 2): about `1/η` of a rung is promoted.
    ///
    /// ```
    /// assert!(tuneup::tune::SuccessiveHalvingPruner::builder().reduction_factor(3).build().is_ok());
    /// ```
    pub fn reduction_factor(mut self, eta: usize) -> Self {
        self.reduction_factor = eta;
        self
    }

    /// The minimum early-stopping rate `s` (default 0): the first rung is at `r·η^s`.
    ///
    /// ```
    /// let b = tuneup::tune::SuccessiveHalvingPruner::builder().min_early_stopping_rate(2);
    /// assert!(b.build().is_ok());
    /// ```
    pub fn min_early_stopping_rate(mut self, rate: usize) -> Self {
        self.min_early_stopping_rate = rate;
        self
    }

    /// Prune at a rung until more than this many trials reached it (default 0); needs an
    /// explicit minimum resource.
    ///
    /// ```
    /// use tuneup::tune::{MinResource, SuccessiveHalvingPruner};
    /// assert!(SuccessiveHalvingPruner::builder().bootstrap_count(2).build().is_err());
    /// let b = SuccessiveHalvingPruner::builder().min_resource(MinResource::Steps(1));
    /// assert!(b.bootstrap_count(2).build().is_ok());
    /// ```
    pub fn bootstrap_count(mut self, count: usize) -> Self {
        self.bootstrap_count = count;
        self
    }

    /// The pruner, or an [`Error::Config`] naming the setting out of range.
    ///
    /// ```
    /// assert!(tuneup::tune::SuccessiveHalvingPruner::builder().build().is_ok());
    /// ```
    pub fn build(self) -> Result<SuccessiveHalvingPruner> {
        if self.min_resource == MinResource::Steps(0) {
            return Err(Error::config(
                "SuccessiveHalvingPruner.min_resource",
                0,
                "at least 1 step, or MinResource::Auto",
            ));
        }
        if self.reduction_factor < 2 {
            return Err(Error::config(
                "SuccessiveHalvingPruner.reduction_factor",
                self.reduction_factor,
                "at least 2",
            ));
        }
        if self.bootstrap_count > 0 && self.min_resource == MinResource::Auto {
            return Err(Error::config(
                "SuccessiveHalvingPruner.bootstrap_count",
                self.bootstrap_count,
                "0 with MinResource::Auto (Optuna: mutually incompatible)",
            ));
        }
        Ok(SuccessiveHalvingPruner { settings: self })
    }
}

impl Pruner for SuccessiveHalvingPruner {
    fn should_prune(&self, trial: &TrialProgress<'_>, past: &StudyView<'_>) -> Result<bool> {
        check_finite(trial)?;
        let others: Vec<&TrialRecord> = past.trials.iter().collect();
        Ok(self.decide(trial, &others, past.direction()))
    }
}
