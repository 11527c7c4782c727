//! The `Trainer`: the fit loop, evaluation and prediction.

use std::time::Instant;

use ndarray::{s, Array2, ArrayView2, Axis};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::builder::{
    GradClip, OnDivergence, OwnedTargets, ScheduleStep, TrainerBuilder, Validation,
};
use super::callback::{run_hook, Callback, CallbackContext, Hook};
use super::metric::{predicted_labels, probabilities, true_labels, Metric, OutputKind};
use crate::data::{train_test_split_indices, AdversarialTraining, AdversarialWorkspace, Augmenter};
use crate::diagnostics::history::{EpochRecord, History, StopReason};
use crate::loss::{Loss, Regularizer, Targets};
use crate::model::{Layer, Mode, Sequential};
use crate::optim::{clip_grad_norm, clip_grad_value, EarlyStopping, LrSchedule, Optimizer};
use crate::{Error, Float, Result};

/// Buffers the fit loop reuses between batches and epochs.
#[derive(Debug, Default)]
pub(crate) struct Workspace<F> {
    xb: Array2<F>,
    yb: Array2<F>,
    cb: Vec<usize>,
    grad: Array2<F>,
    perm: Vec<usize>,
    train_out: Array2<F>,
    val_out: Array2<F>,
    saved_params: Vec<Vec<F>>,
    saved_buffers: Vec<Vec<F>>,
    adversarial: AdversarialWorkspace<F>,
}

/// A model's loss and metrics on a data set, from [`Trainer::evaluate`].
///
/// ```
/// use tuneup::train::Evaluation;
/// let e = Evaluation { loss: 0.3, metrics: vec![("accuracy".into(), 0.9)] };
/// assert_eq!(e.get("accuracy"), Some(0.9));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The objective: mean data loss plus the regularization penalty.
    pub loss: f64,
    /// Each configured metric, by name.
    pub metrics: Vec<(String, f64)>,
}

impl Evaluation {
    /// A metric by name (`loss` gives the loss).
    pub fn get(&self, name: &str) -> Option<f64> {
        if name == "loss" {
            return Some(self.loss);
        }
        self.metrics
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, v)| v)
    }
}

/// What one training batch gave.
enum BatchOutcome {
    Done {
        objective: f64,
        grad_norm: Option<f64>,
    },
    Diverged {
        what: &'static str,
        value: f64,
    },
}

/// Model, loss, regularizers, optimizer, schedule, early stopping, data handling and callbacks
/// in one place. Build one with [`Trainer::builder`], then [`fit`](Trainer::fit) it.
///
/// # One epoch
/// The training rows (after a validation split, if any) are put in epoch `e`'s order, drawn
/// from `(seed, e)` alone, and cut into batches. Each batch is gathered into a preallocated
/// matrix (class indices as one-hot rows when augmenters are set); the augmenters run on it
/// in order, then adversarial training replaces its share of rows (each seeded by the run's
/// batch number, see [`TrainerBuilder::augment`](super::TrainerBuilder::augment) and
/// [`AdversarialTraining`]); forward in train mode, loss and its gradient, backward; after every
/// `accumulate_gradients` batches the penalty gradients are added, the global gradient norm is
/// taken, gradients are clipped, the optimizer steps and a per-batch schedule moves on. Then the
/// validation set is evaluated in eval mode, the epoch's [`EpochRecord`] is pushed, a per-epoch
/// schedule steps, early stopping decides, and callbacks run. After the first batch the step
/// allocates nothing.
///
/// # Divergence
/// A NaN or infinite prediction, loss or gradient norm (or validation loss) never passes:
/// the weights (and buffers) of the start of the epoch are put back and training stops with
/// [`StopReason::Diverged`] (or returns [`Error::NonFinite`] with
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
    pub(crate) loss: Box<dyn Loss<F>>,
    pub(crate) kind: OutputKind,
    pub(crate) regularizers: Vec<Box<dyn Regularizer<F>>>,
    pub(crate) optimizer: Box<dyn Optimizer<F>>,
    pub(crate) schedule: Option<(Box<dyn LrSchedule>, ScheduleStep)>,
    pub(crate) early_stopping: Option<EarlyStopping>,
    pub(crate) epochs: usize,
    pub(crate) batch_size: usize,
    pub(crate) shuffle: bool,
    pub(crate) seed: u64,
    pub(crate) drop_last: bool,
    pub(crate) validation: Validation<F>,
    pub(crate) metrics: Vec<Metric>,
    pub(crate) class_weights: Option<Vec<f64>>,
    pub(crate) clip: Option<GradClip>,
    pub(crate) accumulation: usize,
    pub(crate) callbacks: Vec<Box<dyn Callback<F>>>,
    pub(crate) augmenters: Vec<Box<dyn Augmenter<F>>>,
    pub(crate) adversarial: Option<AdversarialTraining>,
    pub(crate) on_divergence: OnDivergence,
    pub(crate) check_finite: bool,
    pub(crate) history: History,
    pub(crate) monitor: String,
    pub(crate) completed: usize,
    pub(crate) ws: Workspace<F>,
}

/// The seed of epoch `epoch`'s shuffle: a mix of the run's seed and the epoch.
fn epoch_seed(seed: u64, epoch: usize) -> u64 {
    let mut z = seed ^ (epoch as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The first non-finite entry of `a`, as `(row, column, value)`.
fn first_non_finite<F: Float>(a: &ArrayView2<'_, F>) -> Option<(usize, usize, F)> {
    if let Some(sl) = a.as_slice() {
        if crate::linalg::all_finite(sl) {
            return None;
        }
    }
    a.indexed_iter()
        .find(|(_, v)| !v.is_finite())
        .map(|((r, c), v)| (r, c, *v))
}

/// The global L2 norm of every unfrozen gradient (what `grad_norm(model, 2.0)` computes, up
/// to summation order), with eight independent accumulators so the pass vectorises; the
/// order is fixed, so the result is the same on every run.
fn global_grad_norm<F: Float>(model: &dyn Layer<F>) -> f64 {
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
fn gather_rows<F: Float>(src: &ArrayView2<'_, F>, rows: &[usize], dst: &mut Array2<F>) {
    for (i, &r) in rows.iter().enumerate() {
        dst.row_mut(i).assign(&src.row(r));
    }
}

/// The rows `a..b` of some targets.
fn slice_targets<'t, F: Float>(t: Targets<'t, F>, a: usize, b: usize) -> Targets<'t, F> {
    match t {
        Targets::Dense(d) => Targets::Dense(d.slice_move(s![a..b, ..])),
        Targets::Classes(c) => Targets::Classes(&c[a..b]),
    }
}

/// Owned copies of the rows `idx` of some data.
fn select<F: Float>(
    x: &ArrayView2<'_, F>,
    y: Targets<'_, F>,
    idx: &[usize],
) -> (Array2<F>, OwnedTargets<F>) {
    (x.select(Axis(0), idx), select_targets(y, idx))
}

/// Owned copies of the rows `idx` of some targets.
fn select_targets<F: Float>(y: Targets<'_, F>, idx: &[usize]) -> OwnedTargets<F> {
    match y {
        Targets::Dense(d) => OwnedTargets::Dense(d.select(Axis(0), idx)),
        Targets::Classes(c) => OwnedTargets::Classes(idx.iter().map(|&i| c[i]).collect()),
    }
}

/// Metrics of `outputs` against `targets`, prefixed; NaN where a metric is undefined.
fn metric_values<F: Float>(
    metrics: &[Metric],
    outputs: ArrayView2<'_, F>,
    targets: Targets<'_, F>,
    kind: OutputKind,
    prefix: &str,
    into: &mut Vec<(String, f64)>,
) {
    for m in metrics {
        let v = m.compute(outputs, targets, kind).unwrap_or(f64::NAN);
        into.push((format!("{prefix}{}", m.name()), v));
    }
}

impl<F: Float, M: Layer<F>> Trainer<F, M> {
    /// A builder with every setting at its default (see [`TrainerBuilder`]).
    pub fn builder() -> TrainerBuilder<F, M> {
        TrainerBuilder::default()
    }

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
        self.schedule.as_ref().map(|(s, _)| &**s as &dyn LrSchedule)
    }

    /// The history of the current run.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The number of epochs configured.
    pub fn epochs(&self) -> usize {
        self.epochs
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
        self.epochs = epochs;
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
        if self.check_finite {
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
                if self.check_finite {
                    if let Some((r, c, v)) = first_non_finite(&t) {
                        return Err(Error::non_finite(
                            context,
                            format!(
                                "targets[{r}, {c}] = {v} (row {r}, column {c}); clean the data, or \
                                 turn the check off with check_finite(false)"
                            ),
                        ));
                    }
                }
            }
            Targets::Classes(c) => {
                if let Some((r, &l)) = c.iter().enumerate().find(|(_, &l)| l >= width) {
                    return Err(Error::value(
                        context,
                        format!("class indices < {width} (the model's output width)"),
                        format!("class {l} at row {r}"),
                    ));
                }
            }
        }
        if let Some(w) = &self.class_weights {
            if self.kind == OutputKind::Logits && width > 1 && w.len() != width {
                return Err(Error::shape(
                    context,
                    format!("{width} class weights (the model's output width)"),
                    format!("{} class weights", w.len()),
                ));
            }
        }
        Ok(width)
    }

    /// Class labels to stratify a split by, when the targets are classes.
    fn stratify_labels(&self, y: Targets<'_, F>) -> Option<Vec<usize>> {
        if !self.kind.is_classifier() {
            return None;
        }
        // Class indices as given; a 0/1 column thresholded at 0.5; one-hot rows by arg-max.
        Some(true_labels(y))
    }

    /// Trains on `x` (one row per sample) and `y` (a dense matrix shaped like the outputs, or
    /// class indices), running epochs [`completed_epochs`](Trainer::completed_epochs)`..`
    /// [`epochs`](Trainer::epochs), and returns the history.
    ///
    /// # Errors
    /// Before any training: [`Error::Shape`] for empty data, features and targets with
    /// different row counts, features the model cannot take or dense targets of the wrong
    /// width; [`Error::NonFinite`] naming the first row and column holding NaN or ∞ (unless
    /// `check_finite(false)`); [`Error::Value`] for a class index ≥ the output width;
    /// [`Error::Config`] (`Trainer.batch_size`) for a batch larger than the training rows
    /// with drop-last; errors of the validation split (a class with one member). During
    /// training: errors of callbacks, and [`Error::NonFinite`] on divergence with
    /// [`OnDivergence::Error`].
    pub fn fit<'a>(
        &mut self,
        x: ArrayView2<'a, F>,
        y: impl Into<Targets<'a, F>>,
    ) -> Result<History> {
        let y = y.into();
        let width = self.check_data("Trainer::fit", x, Some(y))?;
        let n = x.nrows();
        let (train_idx, val) = match &self.validation {
            Validation::None => ((0..n).collect::<Vec<_>>(), None),
            Validation::Split(fraction) => {
                let strat = self.stratify_labels(y);
                let (tr, te) = train_test_split_indices(n, *fraction, strat.as_deref(), self.seed)?;
                let val = select(&x, y, &te);
                (tr, Some(val))
            }
            Validation::Data(xv, yv) => {
                let w = self.check_data("Trainer validation_data", xv.view(), Some(yv.view()))?;
                if w != width || xv.ncols() != x.ncols() {
                    return Err(Error::shape(
                        "Trainer validation_data",
                        format!(
                            "features with {} columns, like the training data",
                            x.ncols()
                        ),
                        format!("{} columns", xv.ncols()),
                    ));
                }
                ((0..n).collect(), Some((xv.clone(), yv.clone())))
            }
        };
        let n_train = train_idx.len();
        let bs = self.batch_size;
        if self.drop_last && bs > n_train {
            return Err(Error::config(
                "Trainer.batch_size",
                bs,
                format!("at most {n_train} (the training rows) when drop_last is set"),
            ));
        }
        let batches = if self.drop_last {
            n_train / bs
        } else {
            n_train.div_ceil(bs)
        };
        let used_rows = if self.drop_last {
            batches * bs
        } else {
            n_train
        };

        // Buffers, sized once per call.
        // Augmenters take dense targets: class indices become one-hot rows of the output width.
        let one_hot = !self.augmenters.is_empty() && matches!(y, Targets::Classes(_));
        let dense_width = match y {
            Targets::Dense(t) => Some(t.ncols()),
            Targets::Classes(_) if one_hot => Some(width),
            Targets::Classes(_) => None,
        };
        self.ws.xb = Array2::zeros((bs.min(n_train), x.ncols()));
        self.ws.yb = Array2::zeros((bs.min(n_train), dense_width.unwrap_or(0)));
        self.ws.cb = Vec::with_capacity(bs);
        self.ws.perm = Vec::with_capacity(n_train);
        self.ws.train_out = if self.metrics.is_empty() {
            Array2::zeros((0, 0))
        } else {
            Array2::zeros((used_rows, width))
        };
        if let Some((xv, _)) = &val {
            self.ws.val_out = Array2::zeros((xv.nrows(), width));
        }

        if self.completed == 0 {
            let minimize = self.history.minimizes();
            self.history = History::new(self.monitor.clone(), minimize);
            if let Some(es) = &mut self.early_stopping {
                es.reset();
            }
        }
        if let Some((s, _)) = &self.schedule {
            self.optimizer.set_learning_rate(s.lr())?;
        }
        self.model.zero_grad();
        let start = self.completed;
        if let Some(name) = self.hook(Hook::TrainBegin, start, None, batches, None)? {
            return self.finish(StopReason::Callback { name, epoch: start }, batches);
        }

        for epoch in start..self.epochs {
            let t0 = Instant::now();
            self.capture_weights();
            if let Some(name) = self.hook(Hook::EpochBegin, epoch, None, batches, None)? {
                return self.finish(StopReason::Callback { name, epoch }, batches);
            }
            let lr = self.optimizer.learning_rate();
            self.ws.perm.clear();
            self.ws.perm.extend_from_slice(&train_idx);
            if self.shuffle {
                let mut rng = StdRng::seed_from_u64(epoch_seed(self.seed, epoch));
                self.ws.perm.shuffle(&mut rng);
            }
            let (mut loss_sum, mut norm_sum, mut steps) = (0.0f64, 0.0f64, 0usize);
            let k = self.accumulation;
            for b in 0..batches {
                let lo = b * bs;
                let hi = (lo + bs).min(n_train);
                let rows = hi - lo;
                {
                    let ws = &mut self.ws;
                    gather_rows(&x, &ws.perm[lo..hi], &mut ws.xb);
                    match y {
                        Targets::Dense(t) => gather_rows(&t, &ws.perm[lo..hi], &mut ws.yb),
                        Targets::Classes(c) if one_hot => {
                            for (mut row, &i) in ws.yb.rows_mut().into_iter().zip(&ws.perm[lo..hi])
                            {
                                row.fill(F::zero());
                                row[c[i]] = F::one();
                            }
                        }
                        Targets::Classes(c) => {
                            ws.cb.clear();
                            ws.cb.extend(ws.perm[lo..hi].iter().map(|&i| c[i]));
                        }
                    }
                }
                if let Some(name) = self.hook(Hook::BatchBegin, epoch, Some(b), batches, None)? {
                    return self.finish(StopReason::Callback { name, epoch }, batches);
                }
                // The run's batch number: what seeds augmenters and the attacked rows.
                let global_batch = (epoch * batches + b) as u64;
                for a in &mut self.augmenters {
                    a.seek(global_batch);
                    let ws = &mut self.ws;
                    a.augment(
                        ws.xb.slice_mut(s![..rows, ..]),
                        ws.yb.slice_mut(s![..rows, ..]),
                    )
                    .map_err(|e| e.within(format!("Trainer::fit: augmenter {}", a.name())))?;
                }
                let group = b / k;
                let group_size = k.min(batches - group * k);
                let end_of_group = b % k == k - 1 || b == batches - 1;
                let out_offset = (!self.metrics.is_empty()).then_some(lo);
                match self.train_batch(
                    rows,
                    dense_width.is_some(),
                    global_batch,
                    group_size,
                    end_of_group,
                    out_offset,
                )? {
                    BatchOutcome::Done {
                        objective,
                        grad_norm,
                    } => {
                        loss_sum += objective * rows as f64;
                        if let Some(g) = grad_norm {
                            norm_sum += g;
                            steps += 1;
                        }
                        if let Some(name) =
                            self.hook(Hook::BatchEnd, epoch, Some(b), batches, Some(objective))?
                        {
                            return self.finish(StopReason::Callback { name, epoch }, batches);
                        }
                    }
                    BatchOutcome::Diverged { what, value } => {
                        return self.diverged(epoch, b, what, value, batches);
                    }
                }
            }
            let train_loss = loss_sum / used_rows as f64;
            let mut metrics = Vec::with_capacity(self.metrics.len() * 2);
            if !self.metrics.is_empty() {
                let ys = select_targets(y, &self.ws.perm[..used_rows]);
                metric_values(
                    &self.metrics,
                    self.ws.train_out.view(),
                    ys.view(),
                    self.kind,
                    "",
                    &mut metrics,
                );
            }
            let val_loss = match &val {
                None => None,
                Some((xv, yv)) => {
                    let mut out = std::mem::take(&mut self.ws.val_out);
                    let data = self.run_eval(xv.view(), Some(yv.view()), Some(&mut out))?;
                    let objective = data + self.penalty();
                    if !objective.is_finite() {
                        self.ws.val_out = out;
                        return self.diverged(
                            epoch,
                            batches,
                            "validation loss",
                            objective,
                            batches,
                        );
                    }
                    metric_values(
                        &self.metrics,
                        out.view(),
                        yv.view(),
                        self.kind,
                        "val_",
                        &mut metrics,
                    );
                    self.ws.val_out = out;
                    Some(objective)
                }
            };
            let record = EpochRecord {
                epoch,
                loss: train_loss,
                val_loss,
                metrics,
                lr,
                grad_norm: if steps > 0 {
                    norm_sum / steps as f64
                } else {
                    0.0
                },
                wall_time: 0.0,
            };
            let monitored = record.get(&self.monitor).unwrap_or(f64::NAN);
            let mut record = record;
            // Per-epoch schedule.
            if let Some((s, ScheduleStep::Epoch)) = &mut self.schedule {
                let next = if s.needs_metric() {
                    s.step_with_metric(monitored)?
                } else {
                    s.step()?
                };
                self.optimizer.set_learning_rate(next)?;
            }
            // Early stopping.
            let mut stop = None;
            if let Some(es) = &mut self.early_stopping {
                let value = record.get(es.monitor()).unwrap_or(f64::NAN);
                if es.update(epoch, value, &self.model).is_stop() {
                    if es.config().restore_best_weights && es.has_best_weights() {
                        es.restore(&mut self.model)?;
                    }
                    stop = Some(StopReason::EarlyStop { epoch });
                }
            }
            record.wall_time = t0.elapsed().as_secs_f64();
            self.history.push(record);
            self.completed = epoch + 1;
            if let Some(name) = self.hook(Hook::EpochEnd, epoch, None, batches, None)? {
                stop = stop.or(Some(StopReason::Callback { name, epoch }));
            }
            if let Some(reason) = stop {
                return self.finish(reason, batches);
            }
        }
        self.finish(StopReason::EpochsDone, batches)
    }

    /// [`fit`](Trainer::fit) on a [`Dataset`](crate::data::Dataset): its features and its
    /// class labels or target values.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::data::Dataset;
    /// use tuneup::train::Trainer;
    /// let data = Dataset::classification(ndarray::Array2::<f64>::zeros((6, 2)), vec![0, 1, 0, 1, 0, 1])?;
    /// let mut t = Trainer::builder().model(Mlp::new(&[2, 2]).build::<f64>()?)
    ///     .loss(CrossEntropy::new()).optimizer(Sgd::new(0.1)?).epochs(2).build()?;
    /// assert_eq!(t.fit_dataset(&data)?.len(), 2);
    /// assert!(t.evaluate_dataset(&data)?.loss > 0.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit_dataset(&mut self, data: &crate::data::Dataset<F>) -> Result<History> {
        self.fit(data.features(), data.loss_targets())
    }

    /// [`evaluate`](Trainer::evaluate) on a [`Dataset`](crate::data::Dataset).
    pub fn evaluate_dataset(&mut self, data: &crate::data::Dataset<F>) -> Result<Evaluation> {
        self.evaluate(data.features(), data.loss_targets())
    }

    /// Records the stop reason, runs `on_train_end` and returns the history.
    fn finish(&mut self, reason: StopReason, batches: usize) -> Result<History> {
        self.history.set_stop_reason(reason);
        let epoch = self.completed;
        self.hook(Hook::TrainEnd, epoch, None, batches, None)?;
        Ok(self.history.clone())
    }

    /// Restores the epoch's starting weights and stops (or fails).
    fn diverged(
        &mut self,
        epoch: usize,
        batch: usize,
        what: &'static str,
        value: f64,
        batches: usize,
    ) -> Result<History> {
        self.restore_weights();
        self.model.zero_grad();
        let reason = StopReason::Diverged {
            epoch,
            batch,
            value,
            what: what.to_string(),
        };
        if self.on_divergence == OnDivergence::Error {
            self.history.set_stop_reason(reason.clone());
            let done = self.completed;
            self.hook(Hook::TrainEnd, done, None, batches, None)?;
            return Err(Error::non_finite(
                "Trainer::fit",
                format!("{reason}; the weights of the start of epoch {epoch} were restored"),
            ));
        }
        self.finish(reason, batches)
    }

    /// Runs the callbacks of one hook; returns the name of one that asked to stop.
    fn hook(
        &mut self,
        hook: Hook,
        epoch: usize,
        batch: Option<usize>,
        batches: usize,
        batch_loss: Option<f64>,
    ) -> Result<Option<String>> {
        if self.callbacks.is_empty() {
            return Ok(None);
        }
        let mut ctx = CallbackContext {
            model: &self.model,
            history: &self.history,
            optimizer: &*self.optimizer,
            schedule: self.schedule.as_ref().map(|(s, _)| &**s as &dyn LrSchedule),
            epoch,
            epochs: self.epochs,
            batch,
            batches,
            batch_loss,
            completed_epochs: self.completed,
            stop: false,
        };
        run_hook(&mut self.callbacks, hook, &mut ctx)
    }

    /// One batch of `rows` rows already gathered in the workspace.
    #[allow(clippy::too_many_arguments)]
    fn train_batch(
        &mut self,
        rows: usize,
        dense: bool,
        global_batch: u64,
        group_size: usize,
        end_of_group: bool,
        out_offset: Option<usize>,
    ) -> Result<BatchOutcome> {
        let Trainer {
            model,
            loss,
            regularizers,
            optimizer,
            schedule,
            clip,
            adversarial,
            ws,
            ..
        } = self;
        let targets = if dense {
            Targets::Dense(ws.yb.slice(s![..rows, ..]))
        } else {
            Targets::Classes(&ws.cb[..])
        };
        if let Some(adv) = adversarial {
            let xv = ws.xb.slice_mut(s![..rows, ..]);
            match adv.apply(
                &mut *model,
                &**loss,
                xv,
                targets,
                global_batch,
                &mut ws.adversarial,
            ) {
                Ok(_) => {}
                Err(Error::NonFinite { .. }) => {
                    return Ok(BatchOutcome::Diverged {
                        what: "adversarial example",
                        value: f64::NAN,
                    })
                }
                Err(e) => return Err(e),
            }
        }
        let xv = ws.xb.slice(s![..rows, ..]);
        let out = model.forward(xv, Mode::Train)?;
        if let Some((_, _, v)) = first_non_finite(&out) {
            return Ok(BatchOutcome::Diverged {
                what: "prediction",
                value: v.as_f64(),
            });
        }
        if let Some(lo) = out_offset {
            ws.train_out.slice_mut(s![lo..lo + rows, ..]).assign(&out);
        }
        let value = match loss.value_and_grad(out, targets, &mut ws.grad) {
            Ok(v) => v.as_f64(),
            Err(Error::NonFinite { .. }) => f64::NAN,
            Err(e) => return Err(e),
        };
        if !value.is_finite() {
            return Ok(BatchOutcome::Diverged {
                what: "loss",
                value,
            });
        }
        if group_size > 1 {
            let f = F::cast(1.0 / group_size as f64);
            ws.grad.mapv_inplace(|g| g * f);
        }
        model.backward_parameters(ws.grad.view())?;
        if !end_of_group {
            let penalty: f64 = regularizers
                .iter()
                .map(|r| r.penalty(&*model).as_f64())
                .sum();
            return Ok(BatchOutcome::Done {
                objective: value + penalty,
                grad_norm: None,
            });
        }
        let mut penalty = 0.0;
        for r in regularizers.iter() {
            penalty += r.add_gradient(&mut *model).as_f64();
        }
        let norm = match clip {
            // `clip_grad_norm` returns the norm before clipping; an infinite one is caught below.
            Some(GradClip::Norm(max)) => clip_grad_norm(&mut *model, *max, 2.0, false)?,
            _ => global_grad_norm(&*model),
        };
        if !norm.is_finite() {
            return Ok(BatchOutcome::Diverged {
                what: "gradient norm",
                value: norm,
            });
        }
        if let Some(GradClip::Value(v)) = clip {
            clip_grad_value(&mut *model, *v)?;
        }
        optimizer.step(&mut *model)?;
        model.zero_grad();
        if let Some((s, ScheduleStep::Batch)) = schedule {
            let next = s.step()?;
            optimizer.set_learning_rate(next)?;
        }
        Ok(BatchOutcome::Done {
            objective: value + penalty,
            grad_norm: Some(norm),
        })
    }

    /// The summed penalties `α R(θ)` at the current weights.
    fn penalty(&self) -> f64 {
        self.regularizers
            .iter()
            .map(|r| r.penalty(&self.model).as_f64())
            .sum()
    }

    /// Eval-mode pass over `x` in chunks of the batch size; writes outputs into `outputs` (if
    /// given, shaped rows × width) and returns the mean data loss (NaN when the outputs are not
    /// finite; 0 without targets).
    fn run_eval(
        &mut self,
        x: ArrayView2<'_, F>,
        y: Option<Targets<'_, F>>,
        mut outputs: Option<&mut Array2<F>>,
    ) -> Result<f64> {
        let n = x.nrows();
        let chunk = self.batch_size.max(1);
        let mut total = 0.0;
        let mut a = 0;
        while a < n {
            let b = (a + chunk).min(n);
            let out = self.model.forward(x.slice(s![a..b, ..]), Mode::Eval)?;
            if let Some(o) = outputs.as_deref_mut() {
                o.slice_mut(s![a..b, ..]).assign(&out);
            }
            if let Some(t) = y {
                if first_non_finite(&out).is_some() {
                    return Ok(f64::NAN);
                }
                let v = match self.loss.value(out, slice_targets(t, a, b)) {
                    Ok(v) => v.as_f64(),
                    Err(Error::NonFinite { .. }) => f64::NAN,
                    Err(e) => return Err(e),
                };
                total += v * (b - a) as f64;
            }
            a = b;
        }
        Ok(total / n as f64)
    }

    /// The model's outputs for `x`, in eval mode (raw: logits for a logit loss).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::Trainer;
    /// let mut t = Trainer::builder().model(Mlp::new(&[3, 2]).build::<f32>()?)
    ///     .loss(CrossEntropy::new()).optimizer(Sgd::new(0.1)?).build()?;
    /// assert_eq!(t.predict(ndarray::Array2::zeros((5, 3)).view())?.dim(), (5, 2));
    /// assert!(t.predict(ndarray::Array2::zeros((5, 4)).view()).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn predict(&mut self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        let width = self.check_data("Trainer::predict", x, None)?;
        let mut out = Array2::zeros((x.nrows(), width));
        self.run_eval(x, None, Some(&mut out))?;
        Ok(out)
    }

    /// Class probabilities for a classifier, one column per class (two for a single output
    /// column: `[1 − p, p]`, as scikit-learn): the sigmoid or softmax of logits, or the
    /// outputs themselves for a probability loss. [`Error::State`] for a regression loss.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::Trainer;
    /// let mut t = Trainer::builder().model(Mlp::new(&[3, 1]).build::<f64>()?)
    ///     .loss(BceWithLogits::new()).optimizer(Sgd::new(0.1)?).build()?;
    /// let p = t.predict_proba(ndarray::Array2::zeros((2, 3)).view())?;
    /// assert_eq!(p.dim(), (2, 2));
    /// assert!((p[[0, 0]] + p[[0, 1]] - 1.0).abs() < 1e-12);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn predict_proba(&mut self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        self.require_classifier("Trainer::predict_proba")?;
        let out = self.predict(x)?;
        Ok(probabilities(out.view(), self.kind))
    }

    /// Predicted classes for a classifier (logit > 0 / probability > 0.5 for one output
    /// column, the arg-max otherwise). [`Error::State`] for a regression loss.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::Trainer;
    /// let mut t = Trainer::builder().model(Mlp::new(&[3, 4]).build::<f64>()?)
    ///     .loss(CrossEntropy::new()).optimizer(Sgd::new(0.1)?).build()?;
    /// assert!(t.predict_classes(ndarray::Array2::zeros((2, 3)).view())?.iter().all(|&c| c < 4));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn predict_classes(&mut self, x: ArrayView2<'_, F>) -> Result<Vec<usize>> {
        self.require_classifier("Trainer::predict_classes")?;
        let out = self.predict(x)?;
        Ok(predicted_labels(out.view(), self.kind))
    }

    fn require_classifier(&self, context: &str) -> Result<()> {
        if self.kind.is_classifier() {
            Ok(())
        } else {
            Err(Error::state(
                context,
                "the loss is a regression loss, so the outputs are not class scores (set output_kind for a custom classification loss)",
            ))
        }
    }

    /// The objective (mean data loss plus penalty) and every configured metric on `x`, `y`,
    /// in eval mode. Inputs are checked as in [`fit`](Trainer::fit).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::{Metric, Trainer};
    /// let mut t = Trainer::builder().model(Mlp::new(&[1, 1]).build::<f64>()?)
    ///     .loss(Mse::new()).optimizer(Sgd::new(0.1)?).metric(Metric::Mae).build()?;
    /// let x = ndarray::array![[1.0], [2.0]];
    /// let e = t.evaluate(x.view(), &ndarray::array![[0.0], [0.0]])?;
    /// assert!(e.loss >= 0.0 && e.get("mae").is_some());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn evaluate<'a>(
        &mut self,
        x: ArrayView2<'a, F>,
        y: impl Into<Targets<'a, F>>,
    ) -> Result<Evaluation> {
        let y = y.into();
        let width = self.check_data("Trainer::evaluate", x, Some(y))?;
        let mut out = Array2::zeros((x.nrows(), width));
        let data = self.run_eval(x, Some(y), Some(&mut out))?;
        let mut metrics = Vec::new();
        metric_values(&self.metrics, out.view(), y, self.kind, "", &mut metrics);
        Ok(Evaluation {
            loss: data + self.penalty(),
            metrics,
        })
    }

    /// Copies the parameters and buffers (the last good weights).
    fn capture_weights(&mut self) {
        let Workspace {
            saved_params,
            saved_buffers,
            ..
        } = &mut self.ws;
        let mut i = 0;
        self.model.visit_parameters(&mut |p| {
            if saved_params.len() == i {
                saved_params.push(Vec::new());
            }
            saved_params[i].clear();
            saved_params[i].extend_from_slice(p.value_slice());
            i += 1;
        });
        let mut j = 0;
        self.model.visit_buffers(&mut |b| {
            if saved_buffers.len() == j {
                saved_buffers.push(Vec::new());
            }
            saved_buffers[j].clear();
            saved_buffers[j].extend_from_slice(b.as_slice());
            j += 1;
        });
    }

    /// Writes the copied parameters and buffers back.
    fn restore_weights(&mut self) {
        let Workspace {
            saved_params,
            saved_buffers,
            ..
        } = &self.ws;
        let mut i = 0;
        self.model.visit_parameters_mut(&mut |p| {
            if let Some(saved) = saved_params.get(i) {
                p.value_and_grad_mut().0.copy_from_slice(saved);
            }
            i += 1;
        });
        let mut j = 0;
        self.model.visit_buffers_mut(&mut |b| {
            if let Some(saved) = saved_buffers.get(j) {
                b.as_slice_mut().copy_from_slice(saved);
            }
            j += 1;
        });
    }
}
