//! Scoring a trial by cross-validation, fold by fold, so a pruner can stop it between folds.

use super::Trial;
use crate::data::stats::mean;
use crate::{Error, Result};

impl Trial {
    /// Scores the trial on each `(train, validation)` fold with `score_fold(fold, train,
    /// validation)` (e.g. the folds of [`KFold`](crate::data::KFold) or
    /// [`StratifiedKFold`](crate::data::StratifiedKFold)), records the fold scores, and
    /// returns their mean. After each fold the running mean is reported at step = fold, so
    /// the study's pruner can stop a hopeless trial before its last fold (do not report
    /// epochs as well in a cross-validated objective: the steps would clash).
    ///
    /// # Errors
    /// The first error of `score_fold`; [`Error::Pruned`] when the pruner stops the trial;
    /// [`Error::NonFinite`] for a non-finite fold score; [`Error::Value`] for no folds.
    ///
    /// ```
    /// use tuneup::data::KFold;
    /// use tuneup::tune::{SearchSpace, Study};
    /// let space = SearchSpace::builder().float("shift", 0.0, 1.0).build()?;
    /// let mut study = Study::builder(space).maximize().build()?;
    /// study.optimize(2, |trial| {
    ///     let shift = trial.params().f64("shift")?;
    ///     trial.cross_validate(KFold::new(5)?.split(20)?, |fold, _train, val| {
    ///         Ok(shift + val.len() as f64 / 20.0 + fold as f64 * 0.0)
    ///     })
    /// })?;
    /// let t = &study.trials()[0];
    /// assert_eq!(t.fold_scores.len(), 5);
    /// assert_eq!(t.intermediate.len(), 5);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn cross_validate<I, S>(&self, folds: I, mut score_fold: S) -> Result<f64>
    where
        I: IntoIterator<Item = (Vec<usize>, Vec<usize>)>,
        S: FnMut(usize, &[usize], &[usize]) -> Result<f64>,
    {
        let mut scores = Vec::new();
        for (fold, (train, validation)) in folds.into_iter().enumerate() {
            let score = score_fold(fold, &train, &validation)?;
            if !score.is_finite() {
                return Err(Error::NonFinite {
                    context: format!("trial {} cross-validation", self.number()),
                    detail: format!("fold {fold} scored {score}"),
                });
            }
            scores.push(score);
            self.set_fold_scores(&scores);
            self.report(fold, mean(&scores))?;
        }
        if scores.is_empty() {
            return Err(Error::value(
                format!("trial {} cross-validation", self.number()),
                "at least one fold",
                "no folds",
            ));
        }
        Ok(mean(&scores))
    }
}
