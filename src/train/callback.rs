//! The `Callback` trait: code run by the [`Trainer`](super::Trainer) at the start and end of
//! training, of each epoch and of each batch.

use super::random_streams::StreamSource;
use crate::diagnostics::doctor::HealthLog;
use crate::diagnostics::history::History;
use crate::model::Layer;
use crate::optim::{LrSchedule, Optimizer};
use crate::{Float, Result};

/// What a callback sees: the model (read-only), the history so far, the optimizer and
/// schedule, where training is, and a way to ask training to stop.
///
/// ```
/// use tuneup::train::{Callback, CallbackContext};
/// #[derive(Clone)]
/// struct StopAtEpoch(usize);
/// impl Callback<f32> for StopAtEpoch {
///     fn name(&self) -> String { "stop-at".into() }
///     fn on_epoch_end(&mut self, ctx: &mut CallbackContext<'_, f32>) -> tuneup::Result<()> {
///         if ctx.epoch + 1 >= self.0 { ctx.request_stop(); }
///         Ok(())
///     }
/// }
/// ```
pub struct CallbackContext<'a, F: Float> {
    /// The model being trained.
    pub model: &'a dyn Layer<F>,
    /// The history so far (at `on_epoch_end` it already holds the epoch that just ended).
    pub history: &'a History,
    /// The optimizer (for its learning rate and its state, e.g. to checkpoint it).
    pub optimizer: &'a dyn Optimizer<F>,
    /// The learning-rate schedule, if one is set.
    pub schedule: Option<&'a dyn LrSchedule>,
    /// The current epoch, counted from 0 (at `on_train_begin`, the first epoch to run).
    pub epoch: usize,
    /// The total number of epochs configured.
    pub epochs: usize,
    /// The current batch within the epoch (batch hooks only).
    pub batch: Option<usize>,
    /// Batches per epoch.
    pub batches: usize,
    /// The objective on the batch that just ended (`on_batch_end` only).
    pub batch_loss: Option<f64>,
    /// Epochs completed so far (after `on_epoch_end` of epoch `e`, `e + 1`): the number a
    /// checkpoint written now resumes from.
    pub completed_epochs: usize,
    pub(crate) stop: bool,
    /// The seeds of the run's random streams (for checkpoints written by callbacks).
    pub(crate) streams: StreamSource<'a, F>,
    /// The loss scaler, if one is set (for checkpoints written by callbacks).
    pub(crate) grad_scaler: Option<&'a crate::parallel::GradScaler>,
}

impl<F: Float> CallbackContext<'_, F> {
    /// Asks training to stop: after the current batch for batch hooks, after the current
    /// epoch for epoch hooks. The history's stop reason names this callback.
    pub fn request_stop(&mut self) {
        self.stop = true;
    }

    /// True when stopping was requested (by this callback or an earlier one in this hook).
    pub fn stop_requested(&self) -> bool {
        self.stop
    }
}

/// Code run during [`Trainer::fit`](super::Trainer::fit), with Keras's hooks. Every hook has
/// an empty default; an error returned by a hook ends `fit` with that error.
///
/// Callbacks run in the order they were added, after the trainer's own work for the hook
/// (at `on_epoch_end`: the epoch's record, the schedule step and early stopping are done).
///
/// Three hooks see the step itself, with mutable access to the model and so to its gradients
/// (PyTorch Lightning's semantics): [`on_step_begin`](Callback::on_step_begin) before each
/// optimizer step's first forward pass, [`on_after_backward`](Callback::on_after_backward) right
/// after each batch's backward pass (the data term's gradient, accumulated over the batches
/// of an accumulation group so far), and
/// [`on_before_optimizer_step`](Callback::on_before_optimizer_step) just before the optimizer
/// steps (after penalty gradients and clipping). Gradients are zeroed at the start of each
/// optimizer step's first batch, so every other hook sees the last step's gradients too.
///
/// A callback is part of a [`TrainerConfig`](super::TrainerConfig), which builds any number of
/// trainers: it must be `Clone` (each trainer runs its own copy) and `Send + Sync`.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{Callback, CallbackContext, Trainer};
/// #[derive(Clone)]
/// struct CountBatches(usize);
/// impl Callback<f64> for CountBatches {
///     fn on_batch_end(&mut self, _ctx: &mut CallbackContext<'_, f64>) -> tuneup::Result<()> {
///         self.0 += 1;
///         Ok(())
///     }
/// }
/// let x = ndarray::Array2::<f64>::zeros((10, 2));
/// let y = ndarray::Array2::<f64>::zeros((10, 1));
/// let mut trainer = Trainer::builder()
///     .model(Mlp::new(&[2, 1]).build::<f64>()?)
///     .loss(Mse::new())
///     .optimizer(Sgd::new(0.1)?)
///     .epochs(3)
///     .batch_size(4)
///     .callback(CountBatches(0))
///     .build()?;
/// trainer.fit(x.view(), &y)?;
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait Callback<F: Float>: Send + Sync + CallbackClone<F> {
    /// A name for messages and for the stop reason.
    fn name(&self) -> String {
        "callback".to_string()
    }
    /// Before the first epoch of a `fit` call.
    fn on_train_begin(&mut self, _ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        Ok(())
    }
    /// After the last epoch (also after an early stop, a divergence or a stop request).
    fn on_train_end(&mut self, _ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        Ok(())
    }
    /// Before each epoch.
    fn on_epoch_begin(&mut self, _ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        Ok(())
    }
    /// After each epoch, once its record is in the history.
    fn on_epoch_end(&mut self, _ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        Ok(())
    }
    /// Before each batch.
    fn on_batch_begin(&mut self, _ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        Ok(())
    }
    /// After each batch (its objective is in `ctx.batch_loss`).
    fn on_batch_end(&mut self, _ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        Ok(())
    }
    /// The health log this callback keeps, if it keeps one (the
    /// [`HealthMonitor`](super::callbacks::HealthMonitor) does):
    /// [`Trainer::diagnose`](super::Trainer::diagnose) hands it to the doctor.
    fn health_log(&self) -> Option<HealthLog> {
        None
    }
    /// At the start of each optimizer step (the first batch of each accumulation group),
    /// once the gradients are zeroed and before anything is forwarded: the place to change the
    /// model for the step ahead (freeze or unfreeze parameters, prune), so that this step's
    /// forward and backward passes already see the change. `ctx.batch_loss` is NaN here.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::{Callback, StepContext, Trainer};
    /// // Freeze the first layer from step 2 on.
    /// #[derive(Clone)]
    /// struct FreezeLater;
    /// impl Callback<f64> for FreezeLater {
    ///     fn on_step_begin(&mut self, ctx: &mut StepContext<'_, f64>) -> tuneup::Result<()> {
    ///         assert!(ctx.batch_loss.is_nan());
    ///         if ctx.step == 2 {
    ///             tuneup::model::set_frozen_matching(ctx.model, "0.*", true)?;
    ///         }
    ///         Ok(())
    ///     }
    /// }
    /// let mut t = Trainer::builder().model(Mlp::new(&[2, 4, 1]).build::<f64>()?)
    ///     .loss(Mse::new()).optimizer(Sgd::new(0.1)?).epochs(2).batch_size(5)
    ///     .callback(FreezeLater).build()?;
    /// t.fit(ndarray::Array2::ones((10, 2)).view(), &ndarray::Array2::zeros((10, 1)))?;
    /// let mut frozen = 0;
    /// t.model().visit_parameters(&mut |p| frozen += usize::from(p.is_frozen()));
    /// assert_eq!(frozen, 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn on_step_begin(&mut self, _ctx: &mut StepContext<'_, F>) -> Result<()> {
        Ok(())
    }
    /// Right after each batch's backward pass, before anything else touches the gradients.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::{Callback, StepContext, Trainer};
    /// #[derive(Clone, Default)]
    /// struct GradNorms(std::sync::Arc<std::sync::Mutex<Vec<f64>>>);
    /// impl Callback<f64> for GradNorms {
    ///     fn on_after_backward(&mut self, ctx: &mut StepContext<'_, f64>) -> tuneup::Result<()> {
    ///         let mut sum = 0.0;
    ///         ctx.model.visit_parameters(&mut |p| sum += p.grad_slice().iter().map(|g| g * g).sum::<f64>());
    ///         self.0.lock().unwrap().push(sum.sqrt());
    ///         Ok(())
    ///     }
    /// }
    /// let norms = GradNorms::default();
    /// let mut t = Trainer::builder().model(Mlp::new(&[2, 1]).build::<f64>()?)
    ///     .loss(Mse::new()).optimizer(Sgd::new(0.1)?).epochs(2).batch_size(5)
    ///     .callback(norms.clone()).build()?;
    /// t.fit(ndarray::Array2::ones((10, 2)).view(), &ndarray::Array2::zeros((10, 1)))?;
    /// assert_eq!(norms.0.lock().unwrap().len(), 4);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn on_after_backward(&mut self, _ctx: &mut StepContext<'_, F>) -> Result<()> {
        Ok(())
    }
    /// Just before each optimizer step, after the penalty gradients and clipping: what the
    /// optimizer will see, and may be changed here (scaled, masked).
    fn on_before_optimizer_step(&mut self, _ctx: &mut StepContext<'_, F>) -> Result<()> {
        Ok(())
    }
}

/// What the step hooks see: the model (its gradients mutable) and where the run is.
///
/// ```
/// use tuneup::train::StepContext;
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[2, 1]).build::<f64>()?;
/// let ctx = StepContext { model: &mut net, epoch: 0, batch: 3, batches: 10, step: 3, batch_loss: 0.5, learning_rate: 0.1 };
/// assert_eq!(ctx.batch, 3);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub struct StepContext<'a, F: Float> {
    /// The model being trained, with its accumulated gradients.
    pub model: &'a mut dyn Layer<F>,
    /// The current epoch (0-based).
    pub epoch: usize,
    /// The batch within the epoch (0-based).
    pub batch: usize,
    /// Batches per epoch.
    pub batches: usize,
    /// Optimizer steps taken in the run before this one.
    pub step: u64,
    /// The batch's data loss (without penalties); NaN at `on_step_begin`.
    pub batch_loss: f64,
    /// The optimizer's current learning rate.
    pub learning_rate: f64,
}

/// Cloning a callback behind a `Box<dyn Callback<F>>`; implemented for every `Callback +
/// Clone`, so a custom callback derives `Clone`.
///
/// ```
/// use tuneup::train::{Callback, ProgressLogger};
/// let boxed: Box<dyn Callback<f32>> = Box::new(ProgressLogger::new());
/// assert_eq!(boxed.clone().name(), boxed.name());
/// ```
pub trait CallbackClone<F: Float> {
    /// A boxed copy of the callback.
    fn clone_box(&self) -> Box<dyn Callback<F>>;
}

impl<F: Float, T: Callback<F> + Clone + 'static> CallbackClone<F> for T {
    fn clone_box(&self) -> Box<dyn Callback<F>> {
        Box::new(self.clone())
    }
}

impl<F: Float> Clone for Box<dyn Callback<F>> {
    fn clone(&self) -> Self {
        (**self).clone_box()
    }
}

/// The hooks, for running callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hook {
    TrainBegin,
    TrainEnd,
    EpochBegin,
    EpochEnd,
    BatchBegin,
    BatchEnd,
}

/// Runs `hook` on every callback; returns the name of the first that asked to stop.
pub(crate) fn run_hook<F: Float>(
    callbacks: &mut [Box<dyn Callback<F>>],
    hook: Hook,
    ctx: &mut CallbackContext<'_, F>,
) -> Result<Option<String>> {
    let mut stopper = None;
    for cb in callbacks.iter_mut() {
        let before = ctx.stop;
        ctx.stop = false;
        match hook {
            Hook::TrainBegin => cb.on_train_begin(ctx)?,
            Hook::TrainEnd => cb.on_train_end(ctx)?,
            Hook::EpochBegin => cb.on_epoch_begin(ctx)?,
            Hook::EpochEnd => cb.on_epoch_end(ctx)?,
            Hook::BatchBegin => cb.on_batch_begin(ctx)?,
            Hook::BatchEnd => cb.on_batch_end(ctx)?,
        }
        if ctx.stop && stopper.is_none() {
            stopper = Some(cb.name());
        }
        ctx.stop |= before;
    }
    Ok(stopper)
}
