//! `TrainerBuilder`: every setting of a training run, checked once in `build()`.

use std::any::Any;

use ndarray::Array2;

use super::callback::Callback;
use super::metric::{Metric, OutputKind};
use super::trainer::{Trainer, Workspace};
use crate::data::{AdversarialTraining, Augmenter};
use crate::diagnostics::history::History;
use crate::loss::{Bce, BceWithLogits, CrossEntropy, Loss, Regularizer, Targets};
use crate::model::Layer;
use crate::optim::{EarlyStopping, EarlyStoppingConfig, LrSchedule, Optimizer};
use crate::{Error, Float, Result};

/// When a learning-rate schedule steps.
///
/// ```
/// use tuneup::train::ScheduleStep;
/// assert_ne!(ScheduleStep::Epoch, ScheduleStep::Batch);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleStep {
    /// After every epoch (`StepLR`, cosine annealing, reduce-on-plateau…).
    Epoch,
    /// After every optimizer step (one-cycle, cyclic).
    Batch,
}

/// What to do when a loss or gradient becomes NaN or infinite.
///
/// ```
/// use tuneup::train::OnDivergence;
/// assert_eq!(OnDivergence::default(), OnDivergence::Stop);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDivergence {
    /// Restore the weights of the start of the epoch and stop, with
    /// [`StopReason::Diverged`](crate::diagnostics::history::StopReason::Diverged) (the default).
    #[default]
    Stop,
    /// Restore the weights of the start of the epoch and return [`Error::NonFinite`].
    Error,
}

/// Gradient clipping applied before each optimizer step (after the penalty gradient).
///
/// ```
/// use tuneup::train::GradClip;
/// let c = GradClip::Norm(1.0);
/// assert!(matches!(c, GradClip::Norm(n) if n == 1.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GradClip {
    /// Scale all gradients so their global L2 norm is at most this (`clip_grad_norm_`).
    Norm(f64),
    /// Clamp every gradient element into `[−v, v]` (`clip_grad_value_`).
    Value(f64),
}

/// Targets owned by the trainer (an explicit validation set): a dense matrix or class indices.
///
/// ```
/// use tuneup::train::OwnedTargets;
/// let t: OwnedTargets<f64> = vec![0usize, 1, 1].into();
/// assert_eq!(t.rows(), 3);
/// let d: OwnedTargets<f64> = ndarray::Array2::zeros((4, 1)).into();
/// assert_eq!(d.rows(), 4);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedTargets<F> {
    /// One row per sample.
    Dense(Array2<F>),
    /// One class index per sample.
    Classes(Vec<usize>),
}

impl<F: Float> OwnedTargets<F> {
    /// A borrowed view for the losses.
    pub fn view(&self) -> Targets<'_, F> {
        match self {
            OwnedTargets::Dense(a) => Targets::Dense(a.view()),
            OwnedTargets::Classes(c) => Targets::Classes(c),
        }
    }
    /// Number of samples.
    pub fn rows(&self) -> usize {
        self.view().rows()
    }
}

impl<F> From<Array2<F>> for OwnedTargets<F> {
    fn from(a: Array2<F>) -> Self {
        OwnedTargets::Dense(a)
    }
}

impl<F> From<Vec<usize>> for OwnedTargets<F> {
    fn from(c: Vec<usize>) -> Self {
        OwnedTargets::Classes(c)
    }
}

/// Where the validation set comes from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Validation<F> {
    None,
    /// A seeded split of `fit`'s data (stratified when targets are classes).
    Split(f64),
    /// An explicit set.
    Data(Array2<F>, OwnedTargets<F>),
}

/// Builds the loss once the class weights are known.
type LossMaker<F> = Box<dyn FnOnce(Option<&[f64]>) -> Result<Box<dyn Loss<F>>> + Send>;

/// Every setting of a training run. Get one from [`Trainer::builder`]; `build()` checks all of
/// them and returns [`Error::Config`] naming the first wrong field.
///
/// Required: `model`, `loss`, `optimizer`. Defaults: 10 epochs, batch size 32, shuffling on
/// with seed 0, no drop-last, no validation, no metric, no clipping, no accumulation.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{Metric, Trainer};
/// let trainer = Trainer::builder()
///     .model(Mlp::new(&[4, 8, 3]).build::<f32>()?)
///     .loss(CrossEntropy::new())
///     .optimizer(Adam::new(1e-3)?)
///     .epochs(20)
///     .batch_size(16)
///     .validation_split(0.2)
///     .metric(Metric::Accuracy)
///     .build()?;
/// assert_eq!(trainer.epochs(), 20);
/// let missing = Trainer::<f32>::builder().loss(Mse::new()).optimizer(Sgd::new(0.1)?).build();
/// assert!(matches!(missing, Err(tuneup::Error::Config { ref parameter, .. }) if parameter == "Trainer.model"));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub struct TrainerBuilder<F: Float, M: Layer<F>> {
    model: Option<M>,
    loss: Option<(LossMaker<F>, OutputKind, &'static str)>,
    output_kind: Option<OutputKind>,
    regularizers: Vec<Box<dyn Regularizer<F>>>,
    optimizer: Option<Box<dyn Optimizer<F>>>,
    schedule: Option<(Box<dyn LrSchedule>, ScheduleStep)>,
    early_stopping: Option<EarlyStoppingConfig>,
    epochs: usize,
    batch_size: usize,
    shuffle: bool,
    seed: u64,
    drop_last: bool,
    validation: Validation<F>,
    metrics: Vec<Metric>,
    class_weights: Option<Vec<f64>>,
    clip: Option<GradClip>,
    accumulation: usize,
    callbacks: Vec<Box<dyn Callback<F>>>,
    augmenters: Vec<Box<dyn Augmenter<F>>>,
    adversarial: Option<AdversarialTraining>,
    on_divergence: OnDivergence,
    check_finite: bool,
}

impl<F: Float, M: Layer<F>> Default for TrainerBuilder<F, M> {
    fn default() -> Self {
        TrainerBuilder {
            model: None,
            loss: None,
            output_kind: None,
            regularizers: Vec::new(),
            optimizer: None,
            schedule: None,
            early_stopping: None,
            epochs: 10,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            drop_last: false,
            validation: Validation::None,
            metrics: Vec::new(),
            class_weights: None,
            clip: None,
            accumulation: 1,
            callbacks: Vec::new(),
            augmenters: Vec::new(),
            adversarial: None,
            on_divergence: OnDivergence::Stop,
            check_finite: true,
        }
    }
}

/// Applies class weights through the loss: cross-entropy's class weights, or BCE-with-logits'
/// `pos_weight = w₁ / w₀`.
fn weighted_loss<F: Float, L: Loss<F> + 'static>(
    loss: L,
    weights: Option<&[f64]>,
) -> Result<Box<dyn Loss<F>>> {
    let Some(w) = weights else {
        return Ok(Box::new(loss));
    };
    let any: Box<dyn Any> = Box::new(loss);
    let any = match any.downcast::<CrossEntropy>() {
        Ok(ce) => return Ok(Box::new(ce.with_class_weights(w.to_vec())?)),
        Err(other) => other,
    };
    match any.downcast::<BceWithLogits>() {
        Ok(bce) => {
            if w.len() != 2 || w[0] <= 0.0 {
                return Err(Error::config(
                    "Trainer.class_weights",
                    format!("{w:?}"),
                    "two weights [w₀ > 0, w₁] for BceWithLogits",
                ));
            }
            Ok(Box::new(bce.with_pos_weight(vec![w[1] / w[0]])?))
        }
        Err(_) => Err(Error::config(
            "Trainer.class_weights",
            format!("{w:?}"),
            "a CrossEntropy or BceWithLogits loss (class weights act through the loss)",
        )),
    }
}

impl<F: Float, M: Layer<F>> TrainerBuilder<F, M> {
    /// The model to train (any [`Layer`]: a `Sequential`, a custom layer).
    pub fn model(mut self, model: M) -> Self {
        self.model = Some(model);
        self
    }

    /// The loss (mean reduction is what the trainer's averages assume). Also sets the
    /// [`OutputKind`] (see there).
    pub fn loss<L: Loss<F> + 'static>(mut self, loss: L) -> Self {
        let id = std::any::TypeId::of::<L>();
        let (kind, name) = if id == std::any::TypeId::of::<CrossEntropy>() {
            (OutputKind::Logits, "CrossEntropy")
        } else if id == std::any::TypeId::of::<BceWithLogits>() {
            (OutputKind::Logits, "BceWithLogits")
        } else if id == std::any::TypeId::of::<Bce>() {
            (OutputKind::Probabilities, "Bce")
        } else {
            (OutputKind::Values, "other")
        };
        self.loss = Some((
            Box::new(move |w| weighted_loss::<F, L>(loss, w)),
            kind,
            name,
        ));
        self
    }

    /// Overrides the output kind inferred from the loss (for a custom classification loss).
    pub fn output_kind(mut self, kind: OutputKind) -> Self {
        self.output_kind = Some(kind);
        self
    }

    /// Adds a penalty `α R(θ)` to the objective (several add up). Its gradient is added once
    /// per optimizer step.
    pub fn regularizer(mut self, regularizer: impl Regularizer<F> + 'static) -> Self {
        self.regularizers.push(Box::new(regularizer));
        self
    }

    /// The optimizer.
    pub fn optimizer(mut self, optimizer: impl Optimizer<F> + 'static) -> Self {
        self.optimizer = Some(Box::new(optimizer));
        self
    }

    /// A learning-rate schedule, stepped per epoch or per optimizer step. A schedule that
    /// needs a metric (reduce-on-plateau) is stepped with the monitored quantity (early
    /// stopping's `monitor`, else `val_loss` with validation, else `loss`) and must be per
    /// epoch. The optimizer starts at the schedule's step-0 rate.
    pub fn schedule(mut self, schedule: impl LrSchedule + 'static, every: ScheduleStep) -> Self {
        self.schedule = Some((Box::new(schedule), every));
        self
    }

    /// Early stopping with Keras semantics (see [`EarlyStoppingConfig`]). Its `monitor` must
    /// be something recorded: `loss`, `val_loss` (needs validation), a metric's name or
    /// `val_` + a metric's name. With `restore_best_weights` the best epoch's weights are put
    /// back when it stops.
    pub fn early_stopping(mut self, config: EarlyStoppingConfig) -> Self {
        self.early_stopping = Some(config);
        self
    }

    /// Number of epochs (≥ 1).
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// Rows per batch (≥ 1).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Shuffle the training rows each epoch (default on). Epoch `e`'s order depends only on
    /// `(seed, e)`, so a resumed run sees the same orders.
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// The seed of the shuffles and of the validation split.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Drop the last batch of an epoch when it is smaller than `batch_size`.
    pub fn drop_last(mut self, drop_last: bool) -> Self {
        self.drop_last = drop_last;
        self
    }

    /// Hold out a seeded `fraction` (in (0, 1)) of `fit`'s rows for validation, stratified by
    /// class when the targets are class indices or a single 0/1 column
    /// ([`crate::data::train_test_split_indices`]).
    pub fn validation_split(mut self, fraction: f64) -> Self {
        self.validation = Validation::Split(fraction);
        self
    }

    /// Validate on an explicit set.
    pub fn validation_data(mut self, x: Array2<F>, y: impl Into<OwnedTargets<F>>) -> Self {
        self.validation = Validation::Data(x, y.into());
        self
    }

    /// Records a metric each epoch (on the training batches, and `val_` on the validation
    /// set).
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metrics.push(metric);
        self
    }

    /// Per-class weights (finite, ≥ 0), applied **through the loss**: with
    /// [`CrossEntropy`] they become its class weights (the mean then divides by the summed
    /// weights of the batch's targets, as PyTorch does); with [`BceWithLogits`] two weights
    /// `[w₀, w₁]` become `pos_weight = w₁ / w₀` (only their ratio matters; `w₀ > 0`). Other
    /// losses are a configuration error. The count must equal the model's output width
    /// (checked at `fit`) for cross-entropy.
    pub fn class_weights(mut self, weights: Vec<f64>) -> Self {
        self.class_weights = Some(weights);
        self
    }

    /// Gradient clipping before each optimizer step.
    pub fn clip_gradients(mut self, clip: GradClip) -> Self {
        self.clip = Some(clip);
        self
    }

    /// Accumulate `k` (≥ 1) batches per optimizer step: their mean loss gradient is stepped
    /// on once (an epoch's last group may be shorter; it is averaged over its own batches).
    pub fn accumulate_gradients(mut self, k: usize) -> Self {
        self.accumulation = k;
        self
    }

    /// Adds a callback (they run in the order added).
    pub fn callback(mut self, callback: impl Callback<F> + 'static) -> Self {
        self.callbacks.push(Box::new(callback));
        self
    }

    /// Augments every training batch with `augmenter` (several run in the order added), e.g.
    /// [`MixUp`](crate::data::MixUp) or [`GaussianNoise`](crate::data::GaussianNoise).
    ///
    /// Augmenters see the batch's features and dense targets: class indices are turned into
    /// one-hot rows for them (so MixUp's blended rows reach [`CrossEntropy`] as soft targets;
    /// with class weights the mean then divides by the batch size, as PyTorch's soft-target
    /// cross-entropy does). Before each batch the trainer calls
    /// [`Augmenter::seek`] with the run's global batch number (epoch × batches per epoch +
    /// batch), so a resumed run augments exactly as an uninterrupted one. Validation,
    /// evaluation and prediction are never augmented; training metrics compare the outputs on
    /// the augmented batches with the original labels.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::data::{make_moons, MixUp, MoonsConfig};
    /// use tuneup::train::{Metric, Trainer};
    /// let data = make_moons::<f64>(&MoonsConfig { n_samples: 200, noise: 0.2, ..Default::default() })?;
    /// let mut t = Trainer::builder()
    ///     .model(Mlp::new(&[2, 16, 2]).activation(Activation::Relu).seed(1).build::<f64>()?)
    ///     .loss(CrossEntropy::new())
    ///     .optimizer(Adam::new(0.02)?)
    ///     .augment(MixUp::new(0.2, 7)?)
    ///     .epochs(40)
    ///     .metric(Metric::Accuracy)
    ///     .build()?;
    /// t.fit_dataset(&data)?;
    /// assert!(t.evaluate_dataset(&data)?.get("accuracy").unwrap() > 0.8);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn augment(mut self, augmenter: impl Augmenter<F> + 'static) -> Self {
        self.augmenters.push(Box::new(augmenter));
        self
    }

    /// Adversarial training: in every training batch a share of the rows is replaced by
    /// adversarial examples made against the current model (see [`AdversarialTraining`]).
    /// It runs after the augmenters, on the batch the model will train on.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::data::{make_moons, AdversarialTraining, Fgsm, MoonsConfig};
    /// use tuneup::train::Trainer;
    /// let data = make_moons::<f64>(&MoonsConfig { noise: 0.1, ..Default::default() })?;
    /// let mut t = Trainer::builder()
    ///     .model(Mlp::new(&[2, 16, 2]).activation(Activation::Relu).seed(1).build::<f64>()?)
    ///     .loss(CrossEntropy::new())
    ///     .optimizer(Adam::new(0.02)?)
    ///     .adversarial(AdversarialTraining::new(Fgsm::new(0.05)?, 0.5)?)
    ///     .epochs(5)
    ///     .build()?;
    /// assert_eq!(t.fit_dataset(&data)?.len(), 5);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn adversarial(mut self, adversarial: AdversarialTraining) -> Self {
        self.adversarial = Some(adversarial);
        self
    }

    /// What to do on divergence (default: restore and stop).
    pub fn on_divergence(mut self, policy: OnDivergence) -> Self {
        self.on_divergence = policy;
        self
    }

    /// Check that features and dense targets are finite at `fit` (default on). Turning it off
    /// skips one pass over the data; a NaN then shows up as divergence.
    pub fn check_finite(mut self, check: bool) -> Self {
        self.check_finite = check;
        self
    }

    /// Checks every setting and builds the trainer.
    ///
    /// # Errors
    /// [`Error::Config`] naming the field: a missing model, loss or optimizer; zero epochs,
    /// batch size or accumulation; a validation fraction outside (0, 1) or an empty explicit
    /// set; a classification metric with a regression loss (or the reverse); class weights
    /// that are not finite and ≥ 0, or with a loss that cannot take them; clipping thresholds
    /// that are not finite and ≥ 0; early stopping settings (see [`EarlyStopping::new`]) or a
    /// monitor that is never recorded; a per-batch schedule that needs a metric; an explicit
    /// validation set the model cannot take (wrong width, NaN or ∞, a class index outside the
    /// output width; the message holds the underlying error).
    pub fn build(self) -> Result<Trainer<F, M>> {
        let model = self
            .model
            .ok_or_else(|| Error::config("Trainer.model", "none", "a model: call .model(net)"))?;
        let (make_loss, inferred, _loss_name) = self
            .loss
            .ok_or_else(|| Error::config("Trainer.loss", "none", "a loss: call .loss(…)"))?;
        let optimizer = self.optimizer.ok_or_else(|| {
            Error::config(
                "Trainer.optimizer",
                "none",
                "an optimizer: call .optimizer(…)",
            )
        })?;
        if self.epochs == 0 {
            return Err(Error::config("Trainer.epochs", 0, "at least 1"));
        }
        if self.batch_size == 0 {
            return Err(Error::config("Trainer.batch_size", 0, "at least 1"));
        }
        if self.accumulation == 0 {
            return Err(Error::config(
                "Trainer.accumulate_gradients",
                0,
                "at least 1",
            ));
        }
        let has_validation = match &self.validation {
            Validation::None => false,
            Validation::Split(f) => {
                if !(*f > 0.0 && *f < 1.0) {
                    return Err(Error::config(
                        "Trainer.validation_split",
                        f,
                        "a fraction strictly between 0 and 1",
                    ));
                }
                true
            }
            Validation::Data(x, y) => {
                if x.nrows() == 0 || x.nrows() != y.rows() {
                    return Err(Error::config(
                        "Trainer.validation_data",
                        format!("{} feature rows and {} target rows", x.nrows(), y.rows()),
                        "a non-empty set with one target per feature row",
                    ));
                }
                true
            }
        };
        let kind = self.output_kind.unwrap_or(inferred);
        for (i, m) in self.metrics.iter().enumerate() {
            if m.is_classification() != kind.is_classifier() {
                return Err(Error::config(
                    format!("Trainer.metrics[{i}]"),
                    m.name(),
                    if kind.is_classifier() {
                        "a classification metric (the loss is a classification loss)"
                    } else {
                        "a regression metric (the loss is a regression loss; set output_kind for a custom classifier)"
                    },
                ));
            }
            if self.metrics[..i].contains(m) {
                return Err(Error::config(
                    format!("Trainer.metrics[{i}]"),
                    m.name(),
                    "each metric once",
                ));
            }
        }
        if let Some(w) = &self.class_weights {
            if let Some((j, v)) = w
                .iter()
                .enumerate()
                .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
            {
                return Err(Error::config(
                    format!("Trainer.class_weights[{j}]"),
                    v,
                    "a finite weight ≥ 0",
                ));
            }
            if w.is_empty() {
                return Err(Error::config(
                    "Trainer.class_weights",
                    "[]",
                    "one weight per class",
                ));
            }
        }
        match self.clip {
            Some(GradClip::Norm(v)) | Some(GradClip::Value(v)) if !(v.is_finite() && v >= 0.0) => {
                return Err(Error::config(
                    "Trainer.clip_gradients",
                    v,
                    "a finite threshold ≥ 0",
                ));
            }
            _ => {}
        }
        // What the history will hold, so that monitors can be checked now.
        let mut recorded = vec![
            "loss".to_string(),
            "lr".to_string(),
            "grad_norm".to_string(),
        ];
        for m in &self.metrics {
            recorded.push(m.name().to_string());
        }
        if has_validation {
            recorded.push("val_loss".to_string());
            for m in &self.metrics {
                recorded.push(format!("val_{}", m.name()));
            }
        }
        let early_stopping = match self.early_stopping {
            None => None,
            Some(config) => {
                if !recorded.contains(&config.monitor) {
                    return Err(Error::config(
                        "Trainer.early_stopping.monitor",
                        format!("\"{}\"", config.monitor),
                        format!(
                            "a recorded quantity, one of {recorded:?} (val_ ones need validation)"
                        ),
                    ));
                }
                Some(EarlyStopping::new(config)?)
            }
        };
        let (monitor, minimize) = match &early_stopping {
            Some(es) => (es.monitor().to_string(), !es.maximizes()),
            None if has_validation => ("val_loss".to_string(), true),
            None => ("loss".to_string(), true),
        };
        if let Some((s, every)) = &self.schedule {
            if s.needs_metric() && *every == ScheduleStep::Batch {
                return Err(Error::config(
                    "Trainer.schedule",
                    format!("{} per batch", s.name()),
                    "a schedule that needs a metric (reduce-on-plateau) stepped per epoch",
                ));
            }
        }
        let loss = make_loss(self.class_weights.as_deref())?;
        let trainer = Trainer {
            model,
            loss,
            kind,
            regularizers: self.regularizers,
            optimizer,
            schedule: self.schedule,
            early_stopping,
            epochs: self.epochs,
            batch_size: self.batch_size,
            shuffle: self.shuffle,
            seed: self.seed,
            drop_last: self.drop_last,
            validation: self.validation,
            metrics: self.metrics,
            class_weights: self.class_weights,
            clip: self.clip,
            accumulation: self.accumulation,
            callbacks: self.callbacks,
            augmenters: self.augmenters,
            adversarial: self.adversarial,
            on_divergence: self.on_divergence,
            check_finite: self.check_finite,
            history: History::new(monitor.clone(), minimize),
            monitor,
            completed: 0,
            ws: Workspace::default(),
        };
        // An explicit validation set is known now: check it against the model now.
        if let Validation::Data(x, y) = &trainer.validation {
            trainer
                .check_data("Trainer.validation_data", x.view(), Some(y.view()))
                .map_err(|e| {
                    Error::config(
                        "Trainer.validation_data",
                        e,
                        "features the model takes, finite, with one fitting target per row",
                    )
                })?;
        }
        Ok(trainer)
    }
}
