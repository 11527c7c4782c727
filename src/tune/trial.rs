//! One running trial: its values, its seed, and the reports that let a pruner stop it.

use std::sync::{Arc, Mutex, MutexGuard};

use super::{Direction, Params, ParetoPruning, Pruner, StudyView, TrialProgress, TrialRecord};
use crate::{Error, Result};

/// What every trial of one wave shares: the trials visible to it and the study's pruners.
pub(crate) struct WaveContext {
    pub(crate) past: Arc<Vec<TrialRecord>>,
    pub(crate) directions: Vec<Direction>,
    pub(crate) pruner: Arc<dyn Pruner>,
    pub(crate) pareto: Option<ParetoPruning>,
}

/// What a trial has reported so far.
#[derive(Default)]
pub(crate) struct Progress {
    pub(crate) intermediate: Vec<(usize, f64)>,
    pub(crate) intermediate_values: Vec<(usize, Vec<f64>)>,
    pub(crate) fold_scores: Vec<f64>,
    pub(crate) pruned_at: Option<usize>,
}

/// One trial of a [`Study`](super::Study), as its objective sees it: the hyperparameter values
/// to try, a seed for the trial's own randomness, and [`report`](Trial::report) for the
/// per-epoch score that lets the study's pruner stop a bad trial early.
///
/// A `Trial` is a cheap handle (`Clone`): a [`PruningCallback`](super::PruningCallback) holds a
/// copy inside a [`Trainer`](crate::train::Trainer) while the objective holds another.
///
/// ```
/// use tuneup::tune::{SearchSpace, Study};
/// let space = SearchSpace::builder().float("x", -2.0, 2.0).build()?;
/// let mut study = Study::builder(space).seed(3).build()?;
/// study.optimize(8, |trial| {
///     let x = trial.params().f64("x")?;
///     for step in 0..3 {
///         trial.report(step, x * x + 1.0 / (step + 1) as f64)?;
///     }
///     Ok(x * x)
/// })?;
/// assert_eq!(study.trials().len(), 8);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Clone)]
pub struct Trial {
    number: usize,
    seed: u64,
    params: Params,
    context: Arc<WaveContext>,
    progress: Arc<Mutex<Progress>>,
}

impl Trial {
    pub(crate) fn new(number: usize, seed: u64, params: Params, context: Arc<WaveContext>) -> Self {
        Trial {
            number,
            seed,
            params,
            context,
            progress: Arc::default(),
        }
    }

    /// The trial's number in its study, from 0.
    ///
    /// ```
    /// # use tuneup::tune::{SearchSpace, Study};
    /// # let mut s = Study::builder(SearchSpace::builder().int("k", 0, 1).build()?).build()?;
    /// s.optimize(2, |t| Ok(t.number() as f64))?;
    /// assert_eq!(s.trials()[1].values, vec![1.0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn number(&self) -> usize {
        self.number
    }

    /// A seed for the trial's own randomness (weight initialisation, shuffling), from the
    /// study's seed and the trial's number: the same whatever the thread that runs it.
    ///
    /// ```
    /// # use tuneup::tune::{SearchSpace, Study};
    /// # let mut s = Study::builder(SearchSpace::builder().int("k", 0, 1).build()?).seed(1).build()?;
    /// s.optimize(2, |t| Ok((t.seed() % 1000) as f64))?;
    /// assert_ne!(s.trials()[0].values, s.trials()[1].values);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The hyperparameter values to try, read by name.
    ///
    /// ```
    /// # use tuneup::tune::{SearchSpace, Study};
    /// # let mut s = Study::builder(SearchSpace::builder().int("k", 4, 4).build()?).build()?;
    /// s.optimize(1, |t| Ok(t.params().i64("k")? as f64))?;
    /// assert_eq!(s.trials()[0].values, vec![4.0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Reports the objective's intermediate `value` at `step` (an epoch, a fold) and asks the
    /// study's pruner whether to go on.
    ///
    /// # Errors
    /// [`Error::Pruned`] when the pruner stops the trial (return it with `?`: the study
    /// records the trial as pruned); [`Error::NonFinite`] for a NaN or infinite value;
    /// [`Error::State`] when `step` is not larger than the last step reported.
    ///
    /// ```
    /// # use tuneup::tune::{SearchSpace, Study};
    /// # let mut s = Study::builder(SearchSpace::builder().int("k", 0, 1).build()?).build()?;
    /// s.optimize(1, |t| {
    ///     t.report(0, 0.5)?;
    ///     assert!(t.report(0, 0.4).is_err()); // step 0 again
    ///     assert!(t.report(1, f64::NAN).is_err());
    ///     Ok(0.4)
    /// })?;
    /// assert_eq!(s.trials()[0].intermediate, vec![(0, 0.5)]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn report(&self, step: usize, value: f64) -> Result<()> {
        let mut progress = self.lock();
        self.check_report(&progress.intermediate, step, value)?;
        progress.intermediate.push((step, value));
        let now = TrialProgress {
            number: self.number,
            intermediate: &progress.intermediate,
        };
        let past = StudyView::new(&self.context.past, &self.context.directions);
        if self.context.pruner.should_prune(&now, &past)? {
            progress.pruned_at = Some(step);
            return Err(Error::Pruned {
                trial: self.number,
                step,
            });
        }
        Ok(())
    }

    /// Reports one intermediate value per objective of a multi-objective study at `step`;
    /// with [`StudyBuilder::pareto_pruning`](super::StudyBuilder::pareto_pruning) the trial is
    /// stopped once it falls off the Pareto front of the visible trials at that step. The
    /// first value is also recorded as the trial's single intermediate value.
    ///
    /// # Errors
    /// As [`report`](Trial::report), and [`Error::Shape`] when `values` does not hold one
    /// value per objective.
    ///
    /// ```
    /// use tuneup::tune::{Direction, SearchSpace, Study};
    /// let space = SearchSpace::builder().int("width", 1, 64).build()?;
    /// let mut s = Study::builder(space).directions([Direction::Minimize; 2]).build()?;
    /// s.optimize(3, |t| {
    ///     let w = t.params().f64("width")?;
    ///     t.report_values(0, &[1.0 / w, w])?;
    ///     Ok(vec![1.0 / w, w])
    /// })?;
    /// assert_eq!(s.trials()[0].intermediate_values[0].1.len(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn report_values(&self, step: usize, values: &[f64]) -> Result<()> {
        let n = self.context.directions.len();
        if values.len() != n {
            return Err(Error::shape(
                format!("Trial {} report_values", self.number),
                format!("{n} values, one per objective"),
                format!("{} values", values.len()),
            ));
        }
        let mut progress = self.lock();
        for &v in values {
            self.check_report(&progress.intermediate, step, v)?;
        }
        progress.intermediate.push((step, values[0]));
        progress.intermediate_values.push((step, values.to_vec()));
        let past = StudyView::new(&self.context.past, &self.context.directions);
        let prune = match &self.context.pareto {
            Some(p) => p.should_prune(self.number, step, values, &past)?,
            None => false,
        };
        if prune {
            progress.pruned_at = Some(step);
            return Err(Error::Pruned {
                trial: self.number,
                step,
            });
        }
        Ok(())
    }

    /// Records the per-fold scores of a cross-validated objective (for the study's table:
    /// their mean and standard deviation); [`cross_validate`](Trial::cross_validate) does it
    /// for you.
    ///
    /// ```
    /// # use tuneup::tune::{SearchSpace, Study};
    /// # let mut s = Study::builder(SearchSpace::builder().int("k", 0, 1).build()?).build()?;
    /// s.optimize(1, |t| { t.set_fold_scores(&[0.8, 0.9]); Ok(0.85) })?;
    /// assert_eq!(s.trials()[0].fold_scores, vec![0.8, 0.9]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn set_fold_scores(&self, scores: &[f64]) {
        self.lock().fold_scores = scores.to_vec();
    }

    /// True once the pruner has stopped this trial.
    ///
    /// ```
    /// # use tuneup::tune::{SearchSpace, Study};
    /// # let mut s = Study::builder(SearchSpace::builder().int("k", 0, 1).build()?).build()?;
    /// s.optimize(1, |t| { assert!(!t.is_pruned()); Ok(0.0) })?;
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn is_pruned(&self) -> bool {
        self.lock().pruned_at.is_some()
    }

    pub(crate) fn take_progress(&self) -> Progress {
        std::mem::take(&mut *self.lock())
    }

    fn check_report(&self, so_far: &[(usize, f64)], step: usize, value: f64) -> Result<()> {
        if !value.is_finite() {
            return Err(Error::NonFinite {
                context: format!("trial {} report", self.number),
                detail: format!("value {value} at step {step}"),
            });
        }
        match so_far.last() {
            Some(&(last, _)) if step <= last => Err(Error::state(
                format!("Trial {} report", self.number),
                format!("step {step} reported after step {last}; steps must increase"),
            )),
            _ => Ok(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Progress> {
        // A poisoned lock means an objective panicked while reporting; the progress it holds
        // is still consistent (every push is a single call), so it is used as it is.
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }
}
