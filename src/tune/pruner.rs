//! The pruner trait: whether a running trial should stop early.

use super::StudyView;
use crate::Result;

/// Where a running trial is: its number and the `(step, value)` pairs it has reported, the
/// last one just now.
///
/// ```
/// let p = tuneup::tune::TrialProgress { number: 4, intermediate: &[(0, 0.9), (1, 0.8)] };
/// assert_eq!(p.last(), Some((1, 0.8)));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TrialProgress<'a> {
    /// The trial's number in its study.
    pub number: usize,
    /// Its intermediate values so far, by step.
    pub intermediate: &'a [(usize, f64)],
}

impl TrialProgress<'_> {
    /// The value just reported.
    ///
    /// ```
    /// let p = tuneup::tune::TrialProgress { number: 0, intermediate: &[] };
    /// assert_eq!(p.last(), None);
    /// ```
    pub fn last(&self) -> Option<(usize, f64)> {
        self.intermediate.last().copied()
    }
}

/// Decides, each time a trial reports an intermediate value, whether it should stop.
///
/// A pruner sees the reporting trial and the trials visible to it (a [`StudyView`], the same
/// whatever the thread count), so its decisions are deterministic. A non-finite value is an
/// [`Error::NonFinite`](crate::Error::NonFinite), never a silent decision.
///
/// ```
/// use tuneup::tune::{NoPruning, Pruner, StudyView, TrialProgress};
/// let now = TrialProgress { number: 0, intermediate: &[(0, 1.0)] };
/// assert!(!NoPruning.should_prune(&now, &StudyView::new(&[], &[]))?);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait Pruner: Send + Sync {
    /// True when `trial` should stop now.
    fn should_prune(&self, trial: &TrialProgress<'_>, past: &StudyView<'_>) -> Result<bool>;
}

/// The pruner that never prunes (Optuna's `NopPruner`): every trial runs to its end.
///
/// ```
/// use tuneup::tune::{NoPruning, Pruner, StudyView, TrialProgress};
/// let now = TrialProgress { number: 9, intermediate: &[(0, 1e9)] };
/// assert!(!NoPruning.should_prune(&now, &StudyView::new(&[], &[]))?);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoPruning;

impl Pruner for NoPruning {
    fn should_prune(&self, trial: &TrialProgress<'_>, _past: &StudyView<'_>) -> Result<bool> {
        check_finite(trial)?;
        Ok(false)
    }
}

/// An [`Error::NonFinite`](crate::Error::NonFinite) when the value just reported is NaN or
/// infinite: what every pruner checks first.
pub(crate) fn check_finite(trial: &TrialProgress<'_>) -> Result<()> {
    match trial.last() {
        Some((step, v)) if !v.is_finite() => Err(crate::Error::NonFinite {
            context: format!("trial {} intermediate value", trial.number),
            detail: format!("{v} reported at step {step}; a pruner needs finite scores"),
        }),
        _ => Ok(()),
    }
}
