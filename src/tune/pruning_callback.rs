//! The Trainer callback that reports each epoch's validation score to a trial.

use super::Trial;
use crate::train::{Callback, CallbackContext};
use crate::{Error, Float, Result};

/// A [`Callback`] that reports a monitored value of each epoch (by default `val_loss`; any
/// name [`EpochRecord::get`](crate::diagnostics::history::EpochRecord::get) knows, such as
/// `val_accuracy`) to its [`Trial`] at step = epoch, so the study's pruner can stop a bad
/// trial's training after any epoch (Optuna's `PyTorchLightningPruningCallback`).
///
/// When the pruner stops the trial, `fit` ends with [`Error::Pruned`]; return it from the
/// objective with `?` and the study records the trial as pruned. A diverged epoch (a NaN
/// score) ends `fit` with [`Error::NonFinite`]: the trial is recorded as failed.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::Trainer;
/// use tuneup::tune::{PruningCallback, SearchSpace, Study};
/// let x = ndarray::Array2::<f64>::from_shape_fn((40, 2), |(i, j)| ((i * 3 + j) % 7) as f64 / 7.0);
/// let y = x.sum_axis(ndarray::Axis(1)).insert_axis(ndarray::Axis(1));
/// let space = SearchSpace::builder().float_log("lr", 1e-3, 0.5).build()?;
/// let mut study = Study::builder(space).seed(2).build()?;
/// study.optimize(3, |trial| {
///     let mut trainer = Trainer::builder()
///         .model(Mlp::new(&[2, 8, 1]).seed(trial.seed()).build::<f64>()?)
///         .loss(Mse::new())
///         .optimizer(Sgd::new(trial.params().f64("lr")?)?)
///         .epochs(4)
///         .batch_size(8)
///         .validation_data(x.clone(), y.clone())
///         .callback(PruningCallback::new(trial, "val_loss"))
///         .build()?;
///     let history = trainer.fit(x.view(), &y)?;
///     Ok(history.last().and_then(|r| r.val_loss).unwrap_or(f64::NAN))
/// })?;
/// assert_eq!(study.trials()[0].intermediate.len(), 4);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Clone)]
pub struct PruningCallback {
    trial: Trial,
    monitor: String,
}

impl PruningCallback {
    /// Reports `monitor` of each epoch to `trial`.
    ///
    /// ```
    /// # use tuneup::tune::{PruningCallback, SearchSpace, Study};
    /// # let mut s = Study::builder(SearchSpace::builder().int("k", 0, 1).build()?).build()?;
    /// s.optimize(1, |t| { let _cb = PruningCallback::new(t, "val_accuracy"); Ok(0.0) })?;
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn new(trial: &Trial, monitor: impl Into<String>) -> Self {
        PruningCallback {
            trial: trial.clone(),
            monitor: monitor.into(),
        }
    }
}

impl<F: Float> Callback<F> for PruningCallback {
    fn name(&self) -> String {
        format!("pruning (trial {}, {})", self.trial.number(), self.monitor)
    }

    fn on_epoch_end(&mut self, ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        let record = ctx.history.last().ok_or_else(|| {
            Error::state(
                "PruningCallback",
                "an epoch ended with no record in the history",
            )
        })?;
        let value = record.get(&self.monitor).ok_or_else(|| {
            Error::value(
                "PruningCallback monitor",
                format!("one of the epoch's values ({})", record.names().join(", ")),
                format!("'{}'", self.monitor),
            )
        })?;
        self.trial.report(ctx.epoch, value)
    }
}
