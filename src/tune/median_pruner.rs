//! Optuna's `MedianPruner`: the percentile pruner at the 50th percentile.

use super::{PercentilePruner, PercentilePrunerBuilder, Pruner, StudyView, TrialProgress};
use crate::{Error, Result};

/// Prunes a trial whose best intermediate value so far is worse than the median of the complete
/// trials' values at the same step: a [`PercentilePruner`] at 50 (Optuna's `MedianPruner`),
/// with the same settings and defaults (`n_startup_trials` 5, `n_warmup_steps` 0,
/// `interval_steps` 1, `n_min_trials` 1).
///
/// ```
/// use tuneup::tune::{Direction, MedianPruner, Pruner, StudyView, TrialProgress, TrialRecord, TrialState};
/// let done: Vec<TrialRecord> = (0..5)
///     .map(|k| {
///         let mut t = TrialRecord::failed(k, Default::default(), "");
///         t.state = TrialState::Complete;
///         t.values = vec![0.5];
///         t.intermediate = vec![(0, 0.5 + k as f64 * 0.1)];
///         t
///     })
///     .collect();
/// let view = StudyView::new(&done, &[Direction::Minimize]);
/// let pruner = MedianPruner::default();
/// let bad = TrialProgress { number: 5, intermediate: &[(0, 0.8)] };
/// let good = TrialProgress { number: 5, intermediate: &[(0, 0.6)] };
/// assert!(pruner.should_prune(&bad, &view)?); // median at step 0 is 0.7
/// assert!(!pruner.should_prune(&good, &view)?);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MedianPruner {
    inner: PercentilePruner,
}

impl MedianPruner {
    /// Settings with Optuna's defaults; set them as on a [`PercentilePrunerBuilder`], then
    /// [`build`](MedianPrunerBuilder::build).
    ///
    /// ```
    /// let pruner = tuneup::tune::MedianPruner::builder().n_warmup_steps(3).build()?;
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn builder() -> MedianPrunerBuilder {
        MedianPrunerBuilder {
            inner: PercentilePruner::builder(50.0),
        }
    }
}

impl Default for MedianPruner {
    /// Optuna's defaults.
    fn default() -> Self {
        MedianPruner {
            inner: PercentilePruner::builder(50.0)
                .build()
                .expect("the default settings are valid"),
        }
    }
}

/// The settings of a [`MedianPruner`], checked by [`build`](Self::build).
///
/// ```
/// let b = tuneup::tune::MedianPruner::builder().interval_steps(0);
/// assert!(b.build().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MedianPrunerBuilder {
    inner: PercentilePrunerBuilder,
}

impl MedianPrunerBuilder {
    /// Pruning stays off until this many trials are complete (default 5).
    ///
    /// ```
    /// assert!(tuneup::tune::MedianPruner::builder().n_startup_trials(0).build().is_ok());
    /// ```
    pub fn n_startup_trials(self, n: usize) -> Self {
        MedianPrunerBuilder {
            inner: self.inner.n_startup_trials(n),
        }
    }

    /// No pruning before step `n` (default 0).
    ///
    /// ```
    /// assert!(tuneup::tune::MedianPruner::builder().n_warmup_steps(2).build().is_ok());
    /// ```
    pub fn n_warmup_steps(self, n: usize) -> Self {
        MedianPrunerBuilder {
            inner: self.inner.n_warmup_steps(n),
        }
    }

    /// Check every `n` steps after the warm-up (default 1; at least 1).
    ///
    /// ```
    /// assert!(tuneup::tune::MedianPruner::builder().interval_steps(4).build().is_ok());
    /// ```
    pub fn interval_steps(self, n: usize) -> Self {
        MedianPrunerBuilder {
            inner: self.inner.interval_steps(n),
        }
    }

    /// Prune only when at least `n` complete trials reported the step (default 1; at least 1).
    ///
    /// ```
    /// assert!(tuneup::tune::MedianPruner::builder().n_min_trials(0).build().is_err());
    /// ```
    pub fn n_min_trials(self, n: usize) -> Self {
        MedianPrunerBuilder {
            inner: self.inner.n_min_trials(n),
        }
    }

    /// The pruner, or an [`Error::Config`] naming the setting out of range.
    ///
    /// ```
    /// assert!(tuneup::tune::MedianPruner::builder().build().is_ok());
    /// ```
    pub fn build(self) -> Result<MedianPruner> {
        let inner = self.inner.build().map_err(|e| match e {
            Error::Config {
                parameter,
                value,
                expected,
            } => Error::Config {
                parameter: parameter.replace("PercentilePruner", "MedianPruner"),
                value,
                expected,
            },
            other => other,
        })?;
        Ok(MedianPruner { inner })
    }
}

impl Pruner for MedianPruner {
    fn should_prune(&self, trial: &TrialProgress<'_>, past: &StudyView<'_>) -> Result<bool> {
        self.inner.should_prune(trial, past)
    }
}
