//! The `Trainer`: a model with its loss, optimizer and the runtime state of a training run,
//! built from a [`TrainerConfig`]. Fitting, the step, evaluation and checkpoints live in the
//! files beside this one.

use ndarray::{Array2, ArrayView2, Axis};

use super::callback::Callback;
use super::config::TrainerConfig;
use super::metric::{true_labels, OutputKind};
use super::settings::OwnedTargets;
use crate::data::{AdversarialTraining, AdversarialWorkspace, Augmenter};
use crate::diagnostics::history::History;
use crate::loss::{Loss, Targets};
use crate::model::{Layer, Sequential};
use crate::optim::{EarlyStopping, LrSchedule, Optimizer};
use crate::{Error, Float, Result};

/// Buffers the fit loop reuses between batches and epochs.
#[derive(Debug, Default)]
pub(crate) struct Workspace<F> {
    pub(crate) xb: Array2<F>,
    pub(crate) yb: Array2<F>,
    pub(crate) cb: Vec<usize>,
    pub(crate) grad: Array2<F>,
    pub(crate) perm: Vec<usize>,
    pub(crate) train_out: Array2<F>,
    pub(crate) val_out: Array2<F>,
    pub(crate) saved_params: Vec<Vec<F>>,
    pub(crate) saved_buffers: Vec<Vec<F>>,
    pub(crate) adversarial: AdversarialWorkspace<F>,
    /// The fit's sample weights, divided by their mean over the training rows (empty when
    /// unweighted), indexed by the row of the data.
    pub(crate) sample_weights: Vec<F>,
    /// The validation rows' sample weights (empty when unweighted).
    pub(crate) val_weights: Vec<F>,
    /// The batch's sample weights.
    pub(crate) wb: Vec<F>,
}

/// Model, loss, regularizers, optimizer, schedule, early stopping, data handling and callbacks
/// in one place. Build one with [`Trainer::builder`] or [`TrainerConfig::build`], then
/// [`fit`](Trainer::fit) it. A trainer is `Send` (with a `Send` model): it can be moved to
/// another thread, as a search running trials in parallel does.
///
/// # One epoch
/// The training rows (after a validation split, if any) are put in epoch `e`'s order, drawn
/// from `(seed, e)` alone, and cut into batches. Each batch is gathered into a preallocated
/// matrix (class indices as one-hot rows when augmenters are set); the augmenters run on it
/// in order, then adversarial training replaces its share of rows (each seeded by the run's
/// batch number, see [`TrainerBuilder::augment`](super::TrainerBuilder::augment) and
/// [`AdversarialTraining`]); forward in train mode, loss and its gradient, backward; after every
/// `accumulate_gradients` batches the penalty gradients are added, the global gradient norm is
/// taken, gradients are clipped, the optimizer steps and a per-batch schedule moves on (see
/// [`Callback`](super::Callback) for the phases and the hooks between them). Then the
/// validation set is evaluated in eval mode, the epoch's [`EpochRecord`](crate::diagnostics::history::EpochRecord) is pushed, a per-epoch
/// schedule steps, early stopping decides, and callbacks run. After the first batch the step
/// allocates nothing.
///
/// # Divergence
/// A NaN or infinite prediction, loss or gradient norm (or validation loss) never passes:
/// the weights (and buffers) of the start of the epoch are put back and training stops with
/// [`StopReason::Diverged`](crate::diagnostics::history::StopReason::Diverged) (or returns [`Error::NonFinite`] with
/// [`OnDivergence::Error`](super::OnDivergence::Error)).
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{Metric, Trainer};
/// use ndarray::array;
/// let x = array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
/// let y = array![[0.0], [1.0], [1.0], [0.0]];
/// let mut trainer = Trainer::builder()
///     .model(Mlp::new(&[2, 8, 1]).activation(Activation::Tanh).seed(1).build::<f64>()?)
///     .loss(BceWithLogits::new())
///     .optimizer(Adam::new(0.05)?)
///     .epochs(300)
///     .batch_size(4)
///     .metric(Metric::Accuracy)
///     .build()?;
/// let history = trainer.fit(x.view(), &y)?;
/// assert_eq!(history.len(), 300);
/// assert_eq!(trainer.evaluate(x.view(), &y)?.get("accuracy"), Some(1.0));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub struct Trainer<F: Float, M: Layer<F> = Sequential<F>> {
    pub(crate) model: M,
    /// The settings it was built from (seeds updated by a restored checkpoint).
    pub(crate) config: TrainerConfig<F>,
    /// The configured loss with the class weights applied.
    pub(crate) loss: Box<dyn Loss<F>>,
    pub(crate) kind: OutputKind,
    pub(crate) optimizer: Box<dyn Optimizer<F>>,
    pub(crate) schedule: Option<Box<dyn LrSchedule>>,
    pub(crate) early_stopping: Option<EarlyStopping>,
    /// The default convergence rule, when no early stopping is set and no epoch count given.
    pub(crate) convergence: Option<EarlyStopping>,
    pub(crate) callbacks: Vec<Box<dyn Callback<F>>>,
    pub(crate) augmenters: Vec<Box<dyn Augmenter<F>>>,
    pub(crate) adversarial: Option<AdversarialTraining>,
    pub(crate) history: History,
    pub(crate) monitor: String,
    pub(crate) completed: usize,
    /// Optimizer steps taken since the start of the run.
    pub(crate) steps: u64,
    /// The pre-flight report of the last run that ran the checks.
    pub(crate) preflight_report: Option<crate::diagnostics::doctor::Diagnosis>,
    /// Dynamic loss scaling, when configured.
    pub(crate) grad_scaler: Option<crate::parallel::GradScaler>,
    pub(crate) ws: Workspace<F>,
    /// This trainer's rank in a data-parallel group, if any.
    pub(crate) parallel: Option<super::data_parallel::ParallelRun>,
    /// The preprocessing fitted by the last `fit` (when the config has one).
    pub(crate) preprocessing: Option<super::preprocessor::FittedPreprocessing<F>>,
    /// The teacher of knowledge distillation, when configured.
    pub(crate) teacher: Option<super::teacher::Teacher<F>>,
}

/// The seed of epoch `epoch`'s shuffle: a mix of the run's seed and the epoch.
impl<F: Float, M: Layer<F>> std::fmt::Debug for Trainer<F, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("model", &self.model.describe())
            .field("config", &self.config)
            .field("completed_epochs", &self.completed)
            .finish_non_exhaustive()
    }
}

pub(crate) fn epoch_seed(seed: u64, epoch: usize) -> u64 {
    let mut z = seed ^ (epoch as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The first non-finite entry of `a`, as `(row, column, value)`.
pub(crate) fn first_non_finite<F: Float>(a: &ArrayView2<'_, F>) -> Option<(usize, usize, F)> {
    if let Some(sl) = a.as_slice() {
        if crate::linalg::all_finite(sl) {
            return None;
        }
    }
    a.indexed_iter()
        .find(|(_, v)| !v.is_finite())
        .map(|((r, c), v)| (r, c, *v))
}

/// The first non-finite feature or target of a [`Dataset`](crate::data::Dataset), as an error
/// in the user's terms (`` column `b` (CSV line 3) = NaN ``), so that a dataset read from a
/// file is checked before its names are lost to plain arrays.
pub(crate) fn check_dataset_finite<F: Float>(
    context: &str,
    data: &crate::data::Dataset<F>,
) -> crate::Result<()> {
    let hint = "clean or impute the data (e.g. data::SimpleImputer), or turn the check off \
                with check_finite(false)";
    if let Some((r, c, v)) = first_non_finite(&data.features()) {
        let at = data.locate(r, c);
        return Err(Error::non_finite(context, format!("{at} = {v}; {hint}")));
    }
    if let Some((r, c, v)) = data.values().and_then(|t| first_non_finite(&t)) {
        let at = data.locate_target(r, c);
        return Err(Error::non_finite(context, format!("{at} = {v}; {hint}")));
    }
    Ok(())
}

/// Refuses class labels that hold one class only: a classifier learns nothing from them and
/// its metrics (F1, ROC AUC, log loss) would be undefined.
pub(crate) fn check_several_classes<F: Float>(
    context: &str,
    y: Targets<'_, F>,
) -> crate::Result<()> {
    let Targets::Classes(c) = y else {
        return Ok(());
    };
    match c.first() {
        Some(&only) if c.iter().all(|&l| l == only) => Err(Error::value(
            context,
            "class labels of at least two classes (a classifier learns nothing from one, and \
             its metrics would be undefined)",
            format!("only class {only} in all {} rows", c.len()),
        )),
        _ => Ok(()),
    }
}

/// The global L2 norm of every unfrozen gradient (what `grad_norm(model, 2.0)` computes, up
/// to summation order), with eight independent accumulators so the pass vectorises; the
/// order is fixed, so the result is the same on every run.
pub(crate) fn global_grad_norm<F: Float>(model: &dyn Layer<F>) -> f64 {
    let mut total = 0.0f64;
    model.visit_parameters(&mut |p| {
        if p.is_frozen() {
            return;
        }
        let g = p.grad_slice();
        let mut acc = [0.0f64; 8];
        let chunks = g.chunks_exact(8);
        let rest = chunks.remainder();
        for c in chunks {
            for (a, v) in acc.iter_mut().zip(c) {
                let v = v.as_f64();
                *a += v * v;
            }
        }
        let mut sum: f64 = acc.iter().sum();
        sum += rest.iter().map(|v| v.as_f64() * v.as_f64()).sum::<f64>();
        total += sum;
    });
    total.sqrt()
}

/// Copies rows `rows` of `src` into the first rows of `dst`.
pub(crate) fn gather_rows<F: Float>(src: &ArrayView2<'_, F>, rows: &[usize], dst: &mut Array2<F>) {
    for (i, &r) in rows.iter().enumerate() {
        dst.row_mut(i).assign(&src.row(r));
    }
}

/// Owned copies of the rows `idx` of some data.
pub(crate) fn select<F: Float>(
    x: &ArrayView2<'_, F>,
    y: Targets<'_, F>,
    idx: &[usize],
) -> (Array2<F>, OwnedTargets<F>) {
    (x.select(Axis(0), idx), select_targets(y, idx))
}

/// Owned copies of the rows `idx` of some targets.
pub(crate) fn select_targets<F: Float>(y: Targets<'_, F>, idx: &[usize]) -> OwnedTargets<F> {
    match y {
        Targets::Dense(d) => OwnedTargets::Dense(d.select(Axis(0), idx)),
        Targets::Classes(c) => OwnedTargets::Classes(idx.iter().map(|&i| c[i]).collect()),
    }
}

impl<F: Float, M: Layer<F>> Trainer<F, M> {
    /// The model.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The model, mutably (to freeze layers between runs, say).
    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// Gives the model back.
    pub fn into_model(self) -> M {
        self.model
    }

    /// The optimizer.
    pub fn optimizer(&self) -> &dyn Optimizer<F> {
        &*self.optimizer
    }

    /// The schedule, if one is set.
    pub fn schedule(&self) -> Option<&dyn LrSchedule> {
        self.schedule.as_deref()
    }

    /// The settings the trainer was built from.
    pub fn config(&self) -> &TrainerConfig<F> {
        &self.config
    }

    /// The doctor's pre-flight report of the last run that ran the checks (see
    /// [`TrainerConfig::preflight`]).
    pub fn preflight_report(&self) -> Option<&crate::diagnostics::doctor::Diagnosis> {
        self.preflight_report.as_ref()
    }

    /// The loss scaler, when the trainer was built with
    /// [`grad_scaler`](TrainerConfig::grad_scaler) (its scale and growth count now).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let t = Trainer::builder().model(Mlp::new(&[2, 1]).build::<f32>()?)
    ///     .loss(Mse::new()).optimizer(Sgd::new(0.1)?).build()?;
    /// assert!(t.grad_scaler().is_none());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn grad_scaler(&self) -> Option<&crate::parallel::GradScaler> {
        self.grad_scaler.as_ref()
    }

    /// The history of the current run.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The number of epochs configured.
    pub fn epochs(&self) -> usize {
        self.config.epochs
    }

    /// Changes the number of epochs (≥ 1), e.g. to train a finished run further: the next
    /// [`fit`](Trainer::fit) continues from [`completed_epochs`](Trainer::completed_epochs).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::Trainer;
    /// let mut t = Trainer::builder().model(Mlp::new(&[1, 1]).build::<f64>()?)
    ///     .loss(Mse::new()).optimizer(Sgd::new(0.1)?).epochs(2).build()?;
    /// let (x, y) = (ndarray::Array2::zeros((4, 1)), ndarray::Array2::zeros((4, 1)));
    /// t.fit(x.view(), &y)?;
    /// t.set_epochs(5)?;
    /// assert_eq!(t.fit(x.view(), &y)?.len(), 5);
    /// assert!(t.set_epochs(0).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn set_epochs(&mut self, epochs: usize) -> Result<()> {
        if epochs == 0 {
            return Err(Error::config("Trainer.epochs", 0, "at least 1"));
        }
        self.config.epochs = epochs;
        Ok(())
    }

    /// Epochs completed so far; [`fit`](Trainer::fit) runs epochs `completed_epochs()..epochs()`.
    pub fn completed_epochs(&self) -> usize {
        self.completed
    }

    /// What the model's outputs are (inferred from the loss unless set).
    pub fn output_kind(&self) -> OutputKind {
        self.kind
    }

    /// Sets how many epochs count as done and the history they left (what a checkpoint
    /// restores). The history's monitor must be this trainer's.
    pub(crate) fn set_progress(&mut self, completed: usize, history: History) {
        self.completed = completed;
        self.history = history;
    }

    /// Checks features and targets; returns the model's output width.
    pub(crate) fn check_data(
        &self,
        context: &str,
        x: ArrayView2<'_, F>,
        y: Option<Targets<'_, F>>,
    ) -> Result<usize> {
        let n = x.nrows();
        if n == 0 {
            return Err(Error::shape(
                context,
                "at least one row of features",
                "0 rows",
            ));
        }
        let width = self
            .model
            .output_width(x.ncols())
            .map_err(|e| e.within(format!("{context}: features of width {}", x.ncols())))?;
        if self.config.check_finite {
            if let Some((r, c, v)) = first_non_finite(&x) {
                return Err(Error::non_finite(
                    context,
                    format!(
                        "features[{r}, {c}] = {v} (row {r}, column {c}); clean or impute the data, or \
                         turn the check off with check_finite(false)"
                    ),
                ));
            }
        }
        let Some(y) = y else {
            return Ok(width);
        };
        self.check_targets(context, y, n, width)?;
        Ok(width)
    }

    /// Checks targets against the features' row count and the model's output width.
    fn check_targets(
        &self,
        context: &str,
        y: Targets<'_, F>,
        n: usize,
        width: usize,
    ) -> Result<()> {
        if y.rows() != n {
            return Err(Error::shape(
                context,
                format!("targets with {n} rows, one per row of features"),
                format!("{} rows", y.rows()),
            ));
        }
        match y {
            Targets::Dense(t) => {
                if t.ncols() != width {
                    return Err(Error::shape(
                        context,
                        format!("targets with {width} columns (the model's output width)"),
                        format!("{} columns", t.ncols()),
                    ));
                }
                if let Some((r, c, v)) = first_non_finite(&t).filter(|_| self.config.check_finite) {
                    return Err(Error::non_finite(
                        context,
                        format!(
                            "targets[{r}, {c}] = {v} (row {r}, column {c}); clean the data, or \
                             turn the check off with check_finite(false)"
                        ),
                    ));
                }
            }
            Targets::Classes(c) => {
                if let Some((r, &l)) = c.iter().enumerate().find(|&(_, &l)| l >= width) {
                    return Err(Error::value(
                        context,
                        format!("class indices < {width} (the model's output width)"),
                        format!("class {l} at row {r}"),
                    ));
                }
            }
        }
        match &self.config.class_weights {
            Some(w) if self.kind == OutputKind::Logits && width > 1 && w.len() != width => {
                Err(Error::shape(
                    context,
                    format!("{width} class weights (the model's output width)"),
                    format!("{} class weights", w.len()),
                ))
            }
            _ => Ok(()),
        }
    }

    /// Class labels to stratify a split by, when the targets are classes.
    pub(crate) fn stratify_labels(&self, y: Targets<'_, F>) -> Option<Vec<usize>> {
        if !self.kind.is_classifier() {
            return None;
        }
        // Class indices as given; a 0/1 column thresholded at 0.5; one-hot rows by arg-max.
        Some(true_labels(y))
    }
}
