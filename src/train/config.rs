//! `TrainerConfig`: every setting of a training run, cloneable and `Send`, so that one config
//! builds any number of identical trainers (a search, data-parallel replicas).

use ndarray::Array2;

use super::callback::Callback;
use super::metric::{Metric, OutputKind};
use super::preprocessor::Preprocessing;
use super::settings::{GradClip, OnDivergence, OwnedTargets, Preflight, ScheduleStep, Validation};
use super::teacher::TeacherSetting;
use crate::data::{AdversarialTraining, Augmenter, TableTransformer, Transformer};
use crate::linalg::Precision;
use crate::loss::{Loss, Regularizer};
use crate::model::Layer;
use crate::optim::{EarlyStoppingConfig, LrSchedule, OptimizerConfig};
use crate::parallel::GradScalerConfig;
use crate::{Error, Float, Result};

/// Every setting of a training run. Setters cannot fail; [`TrainerConfig::validate`] checks
/// them all and names the first wrong field, and [`TrainerConfig::build`] validates and builds
/// a [`Trainer`](super::Trainer) for a model. The config is left untouched, so the same config
/// builds many identical trainers: each gets a fresh optimizer from the
/// [`OptimizerConfig`], and its own copies of the schedule, callbacks and augmenters.
///
/// Required: `loss`, `optimizer`. Defaults: training until convergence — until the training
/// loss has not improved by `tol = 1e-4` for more than 10 epochs (scikit-learn's rule, see
/// [`Convergence`]), at most 200 epochs; batch size 32, shuffling on with seed 0, no
/// drop-last, no validation, no metric, no clipping, no accumulation. Setting
/// [`epochs`](TrainerConfig::epochs) asks for exactly that many epochs instead (early
/// stopping, if set, can still end a run sooner).
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{Metric, TrainerConfig};
/// let config = TrainerConfig::new()
///     .loss(CrossEntropy::new())
///     .optimizer(Adam::new(0.01)?)
///     .epochs(5)
///     .metric(Metric::Accuracy);
/// let x = ndarray::Array2::from_shape_fn((40, 2), |(i, j)| ((i * 3 + j) % 7) as f64 - 3.0);
/// let y: Vec<usize> = (0..40).map(|i| usize::from(x[[i, 0]] > 0.0)).collect();
/// let mut a = config.build(Mlp::new(&[2, 8, 2]).seed(1).build::<f64>()?)?;
/// let mut b = config.build(Mlp::new(&[2, 8, 2]).seed(1).build::<f64>()?)?;
/// let losses = |h: tuneup::diagnostics::history::History| -> Vec<f64> {
///     h.epochs().iter().map(|r| r.loss).collect()
/// };
/// assert_eq!(losses(a.fit(x.view(), &y)?), losses(b.fit(x.view(), &y)?));
/// assert!(TrainerConfig::<f64>::new().loss(Mse::new()).validate().is_err()); // no optimizer
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Clone)]
pub struct TrainerConfig<F: Float> {
    pub(crate) loss: Option<Box<dyn Loss<F>>>,
    pub(crate) output_kind: Option<OutputKind>,
    pub(crate) regularizers: Vec<Box<dyn Regularizer<F>>>,
    pub(crate) optimizer: Option<Box<dyn OptimizerConfig<F>>>,
    pub(crate) schedule: Option<(Box<dyn LrSchedule>, ScheduleStep)>,
    pub(crate) early_stopping: Option<EarlyStoppingConfig>,
    pub(crate) epochs: usize,
    pub(crate) convergence: Option<Convergence>,
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
    pub(crate) preprocessing: Option<super::preprocessor::Preprocessing<F>>,
    pub(crate) adversarial: Option<AdversarialTraining>,
    pub(crate) on_divergence: OnDivergence,
    pub(crate) check_finite: bool,
    pub(crate) preflight: Preflight,
    pub(crate) grad_scaler: Option<GradScalerConfig>,
    pub(crate) precision: Option<Precision>,
    pub(crate) teacher: Option<TeacherSetting<F>>,
}

impl<F: Float> Default for TrainerConfig<F> {
    fn default() -> Self {
        TrainerConfig {
            loss: None,
            output_kind: None,
            regularizers: Vec::new(),
            optimizer: None,
            schedule: None,
            early_stopping: None,
            epochs: 200,
            convergence: Some(Convergence::default()),
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
            preprocessing: None,
            adversarial: None,
            on_divergence: OnDivergence::Stop,
            check_finite: true,
            preflight: Preflight::Off,
            grad_scaler: None,
            precision: None,
            teacher: None,
        }
    }
}

impl<F: Float> std::fmt::Debug for TrainerConfig<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrainerConfig")
            .field("loss", &self.loss)
            .field("optimizer", &self.optimizer)
            .field("schedule", &self.schedule)
            .field("epochs", &self.epochs)
            .field("batch_size", &self.batch_size)
            .field("seed", &self.seed)
            .field("metrics", &self.metrics)
            .field(
                "callbacks",
                &self.callbacks.iter().map(|c| c.name()).collect::<Vec<_>>(),
            )
            .field(
                "augmenters",
                &self.augmenters.iter().map(|a| a.name()).collect::<Vec<_>>(),
            )
            .field(
                "preprocessing",
                &self.preprocessing.as_ref().map(|p| p.name()),
            )
            .field("precision", &self.precision)
            .finish_non_exhaustive()
    }
}

impl<F: Float> TrainerConfig<F> {
    /// Every setting at its default; a loss and an optimizer are still needed.
    pub fn new() -> Self {
        Self::default()
    }

    /// The loss (mean reduction is what the trainer's averages assume). Also sets the
    /// [`OutputKind`] the loss states ([`Loss::output_kind`]).
    pub fn loss(mut self, loss: impl Loss<F> + 'static) -> Self {
        self.loss = Some(Box::new(loss));
        self
    }

    /// Overrides the output kind the loss states (for a custom classification loss).
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

    /// The optimizer's settings: an optimizer (`Adam::new(1e-3)?`, with its parameter
    /// groups) or a config struct (`AdamConfig { .. }`). Every trainer built gets a fresh
    /// optimizer from it.
    pub fn optimizer(mut self, optimizer: impl OptimizerConfig<F> + 'static) -> Self {
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

    /// Exactly this many epochs (≥ 1), instead of training until convergence; early stopping,
    /// if set, can still end the run sooner.
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self.convergence = None;
        self
    }

    /// Train until the training loss stops improving by `convergence`'s rule, at most
    /// `max_epochs` epochs (the default is [`Convergence::default`] and 200). Ignored when
    /// early stopping is set (it decides instead).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::{Convergence, TrainerConfig};
    /// let x = ndarray::Array2::from_shape_fn((40, 1), |(i, _)| i as f64 / 40.0);
    /// let y = x.mapv(|v| 2.0 * v);
    /// let config = TrainerConfig::new().loss(Mse::new()).optimizer(Adam::new(0.05)?)
    ///     .until_convergence(Convergence { tol: 1e-3, n_iter_no_change: 3 }, 500);
    /// let mut t = config.build(Mlp::new(&[1, 1]).seed(1).build::<f64>()?)?;
    /// let h = t.fit(x.view(), &y)?;
    /// assert!(h.len() < 500);
    /// assert!(matches!(h.stop_reason(), Some(tuneup::diagnostics::history::StopReason::Converged { .. })));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn until_convergence(mut self, convergence: Convergence, max_epochs: usize) -> Self {
        self.epochs = max_epochs;
        self.convergence = Some(convergence);
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

    /// The seed of the shuffles, of the validation split and of the adversarial rows.
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

    /// Validate on an explicit set given as a [`Table`](crate::data::Table); see
    /// [`TrainerBuilder::validation_table`](super::TrainerBuilder::validation_table).
    pub fn validation_table(
        mut self,
        x: crate::data::Table<F>,
        y: impl Into<OwnedTargets<F>>,
    ) -> Self {
        self.validation = Validation::Table(x, y.into());
        self
    }

    /// Records a metric each epoch (on the training batches, and `val_` on the validation
    /// set).
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metrics.push(metric);
        self
    }

    /// Per-class weights (finite, ≥ 0), applied **through the loss**
    /// ([`Loss::with_class_weights`]): with cross-entropy they become its class weights (the
    /// mean then divides by the summed weights of the batch's targets, as PyTorch does); with
    /// BCE-with-logits two weights `[w₀, w₁]` become `pos_weight = w₁ / w₀` (only their ratio
    /// matters; `w₀ > 0`). Other losses are a configuration error. The count must equal the
    /// model's output width (checked at `fit`) for cross-entropy.
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

    /// Adds a callback (they run in the order added; each trainer runs its own clone).
    pub fn callback(mut self, callback: impl Callback<F> + 'static) -> Self {
        self.callbacks.push(Box::new(callback));
        self
    }

    /// Augments every training batch (several run in the order added); see
    /// [`TrainerBuilder::augment`](super::TrainerBuilder::augment).
    pub fn augment(mut self, augmenter: impl Augmenter<F> + 'static) -> Self {
        self.augmenters.push(Box::new(augmenter));
        self
    }

    /// Preprocessing fitted on the training rows of every `fit`; see
    /// [`TrainerBuilder::preprocess`](super::TrainerBuilder::preprocess).
    pub fn preprocess(mut self, transformer: impl Transformer<F> + 'static) -> Self {
        self.preprocessing = Some(Preprocessing::Matrix(Box::new(transformer)));
        self
    }

    /// Preprocessing of tables fitted on the training rows of every `fit`; see
    /// [`TrainerBuilder::preprocess_table`](super::TrainerBuilder::preprocess_table).
    pub fn preprocess_table(mut self, transformer: impl TableTransformer<F> + 'static) -> Self {
        self.preprocessing = Some(Preprocessing::Table(Box::new(transformer)));
        self
    }

    /// Knowledge distillation from a classifier `teacher` at temperature `temperature` with
    /// weight `alpha` of the teacher term; see
    /// [`TrainerBuilder::teacher`](super::TrainerBuilder::teacher).
    pub fn teacher(
        mut self,
        teacher: impl Layer<F> + 'static,
        temperature: f64,
        alpha: f64,
    ) -> Self {
        self.teacher = Some(TeacherSetting {
            model: Box::new(teacher),
            temperature: Some(temperature),
            alpha,
        });
        self
    }

    /// Knowledge distillation from a regression `teacher` with weight `alpha` of the teacher
    /// term; see [`TrainerBuilder::regression_teacher`](super::TrainerBuilder::regression_teacher).
    pub fn regression_teacher(mut self, teacher: impl Layer<F> + 'static, alpha: f64) -> Self {
        self.teacher = Some(TeacherSetting {
            model: Box::new(teacher),
            temperature: None,
            alpha,
        });
        self
    }

    /// Adversarial training; see
    /// [`TrainerBuilder::adversarial`](super::TrainerBuilder::adversarial).
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

    /// Run the doctor's pre-flight checks before the first epoch (default off): keep the
    /// report, or refuse to train on a critical finding.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::{Preflight, TrainerConfig};
    /// let x = ndarray::Array2::from_shape_fn((40, 2), |(i, j)| (i + j) as f64 / 40.0);
    /// let y = x.mapv(|v| v * 10.0 - 5.0).column(0).to_owned().insert_axis(ndarray::Axis(1));
    /// let sigmoid_out = Mlp::new(&[2, 4, 1]).output_activation(Activation::Sigmoid).build::<f64>()?;
    /// let mut t = TrainerConfig::new().loss(Mse::new()).optimizer(Adam::new(0.01)?)
    ///     .preflight(Preflight::Refuse).build(sigmoid_out)?;
    /// let err = t.fit(x.view(), &y).unwrap_err();
    /// assert!(err.to_string().contains("cannot reach the targets"));
    /// assert_eq!(t.completed_epochs(), 0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn preflight(mut self, policy: Preflight) -> Self {
        self.preflight = policy;
        self
    }

    /// Dynamic loss scaling with `torch.amp.GradScaler`'s semantics (see
    /// [`GradScaler`](crate::parallel::GradScaler)): the loss gradient is multiplied by the
    /// scale before backward; at the end of each accumulation group the gradients are
    /// unscaled (so `on_before_optimizer_step`, penalties and clipping see true gradients;
    /// `on_after_backward` sees scaled ones, as in Lightning); a step whose gradients
    /// overflowed is skipped — parameters, optimizer state, the step count and a per-batch
    /// schedule stay as they were — and the scale backs off; the scaler's state goes into the
    /// trainer's checkpoints.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::parallel::GradScalerConfig;
    /// use tuneup::train::TrainerConfig;
    /// let x = ndarray::Array2::from_shape_fn((32, 2), |(i, j)| ((i * 5 + j) % 7) as f32 - 3.0);
    /// let y = x.column(0).mapv(|v| 0.5 * v).insert_axis(ndarray::Axis(1));
    /// let config = TrainerConfig::new().loss(Mse::new()).optimizer(Sgd::new(0.05)?).epochs(3)
    ///     .grad_scaler(GradScalerConfig { growth_interval: 2, ..Default::default() });
    /// let mut t = config.build(Mlp::new(&[2, 1]).seed(1).build::<f32>()?)?;
    /// t.fit(x.view(), &y)?;
    /// let scaler = t.grad_scaler().unwrap();
    /// assert_eq!(scaler.scale_factor(), 131072.0); // 3 clean steps, growth every 2: grew once
    /// assert_eq!(scaler.growth_tracker(), 1);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn grad_scaler(mut self, config: GradScalerConfig) -> Self {
        self.grad_scaler = Some(config);
        self
    }

    /// Mixed precision: every trainer built from this config sets its model's matrix
    /// products to `precision` ([`set_matmul_precision`](crate::model::set_matmul_precision):
    /// `bf16` or `f16` inputs with `f32` accumulation, `f32` master weights, activations,
    /// loss and updates in `f32`), as `torch.autocast` runs `nn.Linear`. Not set, the model
    /// keeps its own setting. A reduced precision needs an `f32` model ([`Error::Config`] at
    /// build); `F16` is usually paired with [`grad_scaler`](Self::grad_scaler), as its
    /// gradients underflow without loss scaling.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::linalg::Precision;
    /// use tuneup::model::matmul_precisions;
    /// use tuneup::train::TrainerConfig;
    /// let config = TrainerConfig::new().loss(Mse::new()).optimizer(Sgd::new(0.05)?)
    ///     .precision(Precision::Bf16);
    /// let t = config.build(Mlp::new(&[2, 4, 1]).build::<f32>()?)?;
    /// assert_eq!(matmul_precisions(t.model()), vec![Precision::Bf16; 2]);
    /// let f64_config = TrainerConfig::new().loss(Mse::new()).optimizer(Sgd::new(0.05)?)
    ///     .precision(Precision::Bf16);
    /// assert!(f64_config.build(Mlp::new(&[2, 1]).build::<f64>()?).is_err()); // f64 model
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn precision(mut self, precision: Precision) -> Self {
        self.precision = Some(precision);
        self
    }

    /// The number of epochs.
    pub fn epoch_count(&self) -> usize {
        self.epochs
    }

    /// The seed of the run.
    pub fn run_seed(&self) -> u64 {
        self.seed
    }

    /// What the model's outputs are: the override if set, else what the loss states
    /// (`Values` without a loss).
    pub fn resolved_output_kind(&self) -> OutputKind {
        self.output_kind
            .or_else(|| self.loss.as_ref().map(|l| l.output_kind()))
            .unwrap_or(OutputKind::Values)
    }
}

/// Checks one setting at a time; each names its field.
impl<F: Float> TrainerConfig<F> {
    /// Checks every setting and returns [`Error::Config`] naming the first wrong field: a
    /// missing loss or optimizer (or one whose settings are out of range); zero epochs, batch
    /// size or accumulation; a validation fraction outside (0, 1) or an empty explicit set; a
    /// classification metric with a regression loss (or the reverse), a metric twice; class
    /// weights that are not finite and ≥ 0, or with a loss that cannot take them; clipping
    /// thresholds that are not finite and ≥ 0; early stopping settings or a monitor that is
    /// never recorded; a per-batch schedule that needs a metric.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::TrainerConfig;
    /// let c = TrainerConfig::<f32>::new().loss(Mse::new()).optimizer(Sgd::new(0.1)?).epochs(0);
    /// let err = c.validate().unwrap_err();
    /// assert!(matches!(err, tuneup::Error::Config { ref parameter, .. } if parameter == "Trainer.epochs"));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        self.check_required()?;
        self.check_counts()?;
        self.check_validation()?;
        self.check_metrics()?;
        self.check_class_weights()?;
        self.check_clip()?;
        self.check_early_stopping()?;
        self.check_schedule()?;
        self.check_teacher()?;
        self.grad_scaler.as_ref().map_or(Ok(()), |c| c.check())
    }

    fn check_required(&self) -> Result<()> {
        if self.loss.is_none() {
            return Err(Error::config(
                "Trainer.loss",
                "none",
                "a loss: call .loss(…)",
            ));
        }
        match &self.optimizer {
            None => Err(Error::config(
                "Trainer.optimizer",
                "none",
                "an optimizer: call .optimizer(…)",
            )),
            Some(o) => o.build().map(|_| ()),
        }
    }

    fn check_counts(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(Error::config("Trainer.epochs", 0, "at least 1"));
        }
        if let Some(c) = &self.convergence {
            if !(c.tol.is_finite() && c.tol >= 0.0) {
                return Err(Error::config(
                    "Trainer.convergence.tol",
                    c.tol,
                    "a finite number ≥ 0",
                ));
            }
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
        Ok(())
    }

    fn check_validation(&self) -> Result<()> {
        match &self.validation {
            Validation::None => Ok(()),
            Validation::Split(f) if !(*f > 0.0 && *f < 1.0) => Err(Error::config(
                "Trainer.validation_split",
                f,
                "a fraction strictly between 0 and 1",
            )),
            Validation::Split(_) => Ok(()),
            Validation::Data(x, y) if x.nrows() == 0 || x.nrows() != y.rows() => {
                Err(Error::config(
                    "Trainer.validation_data",
                    format!("{} feature rows and {} target rows", x.nrows(), y.rows()),
                    "a non-empty set with one target per feature row",
                ))
            }
            Validation::Table(x, y) if x.n_rows() == 0 || x.n_rows() != y.rows() => {
                Err(Error::config(
                    "Trainer.validation_table",
                    format!("{} table rows and {} target rows", x.n_rows(), y.rows()),
                    "a non-empty table with one target per row",
                ))
            }
            Validation::Data(..) | Validation::Table(..) => Ok(()),
        }
    }

    fn check_metrics(&self) -> Result<()> {
        let kind = self.resolved_output_kind();
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
        Ok(())
    }

    fn check_class_weights(&self) -> Result<()> {
        let Some(w) = &self.class_weights else {
            return Ok(());
        };
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
        self.weighted_loss().map(|_| ())
    }

    fn check_teacher(&self) -> Result<()> {
        let Some(teacher) = &self.teacher else {
            return Ok(());
        };
        teacher.distillation()?;
        if self.class_weights.is_some() {
            return Err(Error::config(
                "Trainer.class_weights",
                "class weights with a teacher",
                "no class weights: the distillation objective has none (weight rows with \
                 fit_weighted instead)",
            ));
        }
        Ok(())
    }

    fn check_clip(&self) -> Result<()> {
        match self.clip {
            Some(GradClip::Norm(v)) | Some(GradClip::Value(v)) if !(v.is_finite() && v >= 0.0) => {
                Err(Error::config(
                    "Trainer.clip_gradients",
                    v,
                    "a finite threshold ≥ 0",
                ))
            }
            _ => Ok(()),
        }
    }

    fn check_early_stopping(&self) -> Result<()> {
        let Some(config) = &self.early_stopping else {
            return Ok(());
        };
        let recorded = self.recorded();
        if !recorded.contains(&config.monitor) {
            return Err(Error::config(
                "Trainer.early_stopping.monitor",
                format!("\"{}\"", config.monitor),
                format!("a recorded quantity, one of {recorded:?} (val_ ones need validation)"),
            ));
        }
        crate::optim::EarlyStopping::new(config.clone()).map(|_| ())
    }

    fn check_schedule(&self) -> Result<()> {
        match &self.schedule {
            Some((s, ScheduleStep::Batch)) if s.needs_metric() => Err(Error::config(
                "Trainer.schedule",
                format!("{} per batch", s.name()),
                "a schedule that needs a metric (reduce-on-plateau) stepped per epoch",
            )),
            _ => Ok(()),
        }
    }

    /// True when a validation set is configured.
    pub(crate) fn has_validation(&self) -> bool {
        !matches!(self.validation, Validation::None)
    }

    /// What the history will hold, so that monitors can be checked before training.
    pub(crate) fn recorded(&self) -> Vec<String> {
        let mut recorded = vec![
            "loss".to_string(),
            "lr".to_string(),
            "grad_norm".to_string(),
        ];
        recorded.extend(self.metrics.iter().map(|m| m.name().to_string()));
        if self.has_validation() {
            recorded.push("val_loss".to_string());
            recorded.extend(self.metrics.iter().map(|m| format!("val_{}", m.name())));
        }
        recorded
    }

    /// The monitored quantity and whether it is minimised.
    pub(crate) fn monitor(&self) -> (String, bool) {
        match &self.early_stopping {
            Some(es) => (es.monitor.clone(), !monitor_maximizes(es)),
            None if self.has_validation() => ("val_loss".to_string(), true),
            None => ("loss".to_string(), true),
        }
    }

    /// The loss with the class weights applied.
    pub(crate) fn weighted_loss(&self) -> Result<Box<dyn Loss<F>>> {
        let loss = self
            .loss
            .as_ref()
            .ok_or_else(|| Error::config("Trainer.loss", "none", "a loss: call .loss(…)"))?;
        match &self.class_weights {
            Some(w) => loss.with_class_weights(w),
            None => Ok(loss.clone()),
        }
    }
}

/// When a run counts as converged: the training loss has not improved by at least `tol` for
/// more than `n_iter_no_change` epochs (scikit-learn's `MLPClassifier` rule, see
/// [`StoppingRule::ScikitLearn`](crate::optim::StoppingRule::ScikitLearn)).
///
/// ```
/// use tuneup::train::Convergence;
/// assert_eq!(Convergence::default(), Convergence { tol: 1e-4, n_iter_no_change: 10 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Convergence {
    /// The improvement of the training loss that counts.
    pub tol: f64,
    /// Epochs without it tolerated.
    pub n_iter_no_change: u64,
}

impl Default for Convergence {
    fn default() -> Self {
        Convergence {
            tol: 1e-4,
            n_iter_no_change: 10,
        }
    }
}

impl Convergence {
    /// The stopper that applies the rule to the training loss.
    pub(crate) fn stopper(&self) -> Result<crate::optim::EarlyStopping> {
        crate::optim::EarlyStopping::new(EarlyStoppingConfig {
            monitor: "loss".to_string(),
            mode: crate::optim::MonitorMode::Min,
            min_delta: self.tol,
            patience: self.n_iter_no_change,
            rule: crate::optim::StoppingRule::ScikitLearn,
            ..Default::default()
        })
    }
}

/// Whether early stopping maximises its monitor (as [`EarlyStopping::maximizes`] decides).
///
/// [`EarlyStopping::maximizes`]: crate::optim::EarlyStopping::maximizes
fn monitor_maximizes(config: &EarlyStoppingConfig) -> bool {
    crate::optim::EarlyStopping::new(config.clone())
        .map(|es| es.maximizes())
        .unwrap_or(false)
}
