//! Pruning for multi-objective studies: keep a trial while it is on the Pareto front.

use super::{dominates, StudyView};
use crate::{Error, Result};

/// Stops a trial of a multi-objective study once its intermediate values (one per objective,
/// reported with [`Trial::report_values`](super::Trial::report_values)) at a step are
/// dominated by those of a visible trial at the same step: a trial is kept while it is on the
/// Pareto front, however bad it is in one objective alone.
///
/// Like the median pruner, it waits for `n_startup_trials` visible trials to have reported
/// the step, and never prunes before `n_warmup_steps`.
///
/// ```
/// use tuneup::tune::{ParetoPruning, StudyView, TrialRecord, Direction};
/// let mut seen = TrialRecord::failed(0, Default::default(), "");
/// seen.intermediate_values = vec![(0, vec![0.5, 10.0])];
/// let trials = [seen];
/// let past = StudyView::new(&trials, &[Direction::Minimize; 2]);
/// let p = ParetoPruning::new(1, 0)?;
/// assert!(p.should_prune(1, 0, &[0.6, 12.0], &past)?); // worse in both
/// assert!(!p.should_prune(1, 0, &[0.6, 5.0], &past)?); // smaller: on the front
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParetoPruning {
    n_startup_trials: usize,
    n_warmup_steps: usize,
}

impl ParetoPruning {
    /// Waits for `n_startup_trials` (≥ 1) visible trials at a step, and for step
    /// `n_warmup_steps`.
    ///
    /// # Errors
    /// [`Error::Config`] if `n_startup_trials` is 0.
    ///
    /// ```
    /// assert!(tuneup::tune::ParetoPruning::new(0, 0).is_err());
    /// ```
    pub fn new(n_startup_trials: usize, n_warmup_steps: usize) -> Result<Self> {
        if n_startup_trials == 0 {
            return Err(Error::config(
                "ParetoPruning.n_startup_trials",
                0,
                "at least 1 (the trials to compare with)",
            ));
        }
        Ok(ParetoPruning {
            n_startup_trials,
            n_warmup_steps,
        })
    }

    /// Whether trial `number`, with `values` at `step`, is dominated by a visible trial's
    /// values at that step.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite value.
    ///
    /// ```
    /// use tuneup::tune::{ParetoPruning, StudyView, Direction};
    /// let p = ParetoPruning::new(1, 0)?;
    /// assert!(p.should_prune(0, 0, &[f64::NAN, 1.0], &StudyView::new(&[], &[Direction::Minimize; 2])).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn should_prune(
        &self,
        number: usize,
        step: usize,
        values: &[f64],
        past: &StudyView<'_>,
    ) -> Result<bool> {
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                context: format!("trial {number} intermediate values"),
                detail: format!("{v} reported at step {step}; Pareto pruning needs finite values"),
            });
        }
        if step < self.n_warmup_steps {
            return Ok(false);
        }
        let at_step: Vec<&Vec<f64>> = past
            .trials
            .iter()
            .filter_map(|t| t.intermediate_values.iter().find(|(s, _)| *s == step))
            .map(|(_, v)| v)
            .collect();
        if at_step.len() < self.n_startup_trials {
            return Ok(false);
        }
        Ok(at_step
            .iter()
            .any(|other| dominates(other, values, past.directions)))
    }
}

impl Default for ParetoPruning {
    /// Five startup trials, no warm-up steps.
    fn default() -> Self {
        ParetoPruning {
            n_startup_trials: 5,
            n_warmup_steps: 0,
        }
    }
}
