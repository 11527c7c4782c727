//! `TrainerBuilder`: a model and a `TrainerConfig`, set one call at a time.

use super::data_parallel::ParallelRun;
use crate::parallel::Communicator;
use ndarray::Array2;

use super::callback::Callback;
use super::config::TrainerConfig;
use super::metric::{Metric, OutputKind};
use super::settings::{GradClip, OnDivergence, OwnedTargets, Preflight, ScheduleStep};
use super::trainer::Trainer;
use crate::data::{AdversarialTraining, Augmenter, TableTransformer, Transformer};
use crate::linalg::Precision;
use crate::loss::{Loss, Regularizer};
use crate::model::Layer;
use crate::optim::{EarlyStoppingConfig, LrSchedule, OptimizerConfig};
use crate::parallel::GradScalerConfig;
use crate::{Error, Float, Result};

/// A model and a [`TrainerConfig`], set one call at a time. Get one from [`Trainer::builder`];
/// `build()` checks every setting and returns [`Error::Config`](crate::Error::Config) naming
/// the first wrong field. Each setter is the [`TrainerConfig`] setter of the same name (see
/// there); use the config itself to build many trainers from the same settings.
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
    config: TrainerConfig<F>,
    parallel: Option<Box<dyn Communicator>>,
}

impl<F: Float, M: Layer<F>> Default for TrainerBuilder<F, M> {
    fn default() -> Self {
        TrainerBuilder {
            model: None,
            config: TrainerConfig::default(),
            parallel: None,
        }
    }
}

impl<F: Float, M: Layer<F>> Trainer<F, M> {
    /// A builder with every setting at its default (see [`TrainerBuilder`]).
    pub fn builder() -> TrainerBuilder<F, M> {
        TrainerBuilder::default()
    }
}

/// Forwards a setter to the config.
macro_rules! forward {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, $($arg: $ty),*) -> Self {
                self.config = self.config.$name($($arg),*);
                self
            }
        )*
    };
}

impl<F: Float, M: Layer<F>> TrainerBuilder<F, M> {
    /// The model to train (any [`Layer`]: a `Sequential`, a custom layer).
    pub fn model(mut self, model: M) -> Self {
        self.model = Some(model);
        self
    }

    /// Starts from a whole config (the setters after this one change it).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::{Trainer, TrainerConfig};
    /// let config = TrainerConfig::new().loss(Mse::new()).optimizer(Sgd::new(0.1)?).epochs(4);
    /// let t = Trainer::builder().config(config).epochs(6).model(Mlp::new(&[1, 1]).build::<f64>()?).build()?;
    /// assert_eq!(t.epochs(), 6);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn config(mut self, config: TrainerConfig<F>) -> Self {
        self.config = config;
        self
    }

    /// The loss (see [`TrainerConfig::loss`]).
    pub fn loss(mut self, loss: impl Loss<F> + 'static) -> Self {
        self.config = self.config.loss(loss);
        self
    }

    /// Adds a penalty (see [`TrainerConfig::regularizer`]).
    pub fn regularizer(mut self, regularizer: impl Regularizer<F> + 'static) -> Self {
        self.config = self.config.regularizer(regularizer);
        self
    }

    /// The optimizer (see [`TrainerConfig::optimizer`]).
    pub fn optimizer(mut self, optimizer: impl OptimizerConfig<F> + 'static) -> Self {
        self.config = self.config.optimizer(optimizer);
        self
    }

    /// A learning-rate schedule (see [`TrainerConfig::schedule`]).
    pub fn schedule(mut self, schedule: impl LrSchedule + 'static, every: ScheduleStep) -> Self {
        self.config = self.config.schedule(schedule, every);
        self
    }

    /// Validate on an explicit set given as a [`Table`](crate::data::Table), transformed by
    /// the [table preprocessing](Self::preprocess_table) fitted in each `fit` (without one, the
    /// table must be all numeric). Its size is checked at build, its columns at `fit`.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::data::{Column, OneHotEncoder, Table};
    /// use tuneup::train::{Metric, Trainer};
    /// let train = Table::new(["c"], vec![Column::<f64>::categorical(["a", "b", "a", "b"])])?;
    /// let val = Table::new(["c"], vec![Column::<f64>::categorical(["b", "a"])])?;
    /// let mut t = Trainer::builder().model(Mlp::new(&[2, 2]).build::<f64>()?)
    ///     .loss(CrossEntropy::new()).optimizer(Adam::new(0.1)?)
    ///     .preprocess_table(OneHotEncoder::new())
    ///     .validation_table(val, vec![1usize, 0])
    ///     .metric(Metric::Accuracy).epochs(30).build()?;
    /// let h = t.fit(&train, &[0, 1, 0, 1])?;
    /// assert_eq!(h.last().unwrap().get("val_accuracy"), Some(1.0));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn validation_table(
        mut self,
        x: crate::data::Table<F>,
        y: impl Into<OwnedTargets<F>>,
    ) -> Self {
        self.config = self.config.validation_table(x, y);
        self
    }

    /// Validate on an explicit set (see [`TrainerConfig::validation_data`]).
    pub fn validation_data(mut self, x: Array2<F>, y: impl Into<OwnedTargets<F>>) -> Self {
        self.config = self.config.validation_data(x, y);
        self
    }

    /// Adds a callback (see [`TrainerConfig::callback`]).
    pub fn callback(mut self, callback: impl Callback<F> + 'static) -> Self {
        self.config = self.config.callback(callback);
        self
    }

    forward! {
        /// Overrides the output kind the loss states (see [`TrainerConfig::output_kind`]).
        output_kind(kind: OutputKind);
        /// Early stopping (see [`TrainerConfig::early_stopping`]).
        early_stopping(config: EarlyStoppingConfig);
        /// Number of epochs (see [`TrainerConfig::epochs`]).
        epochs(epochs: usize);
        /// Rows per batch (see [`TrainerConfig::batch_size`]).
        batch_size(batch_size: usize);
        /// Shuffling (see [`TrainerConfig::shuffle`]).
        shuffle(shuffle: bool);
        /// The seed (see [`TrainerConfig::seed`]).
        seed(seed: u64);
        /// Drop-last (see [`TrainerConfig::drop_last`]).
        drop_last(drop_last: bool);
        /// A seeded validation split (see [`TrainerConfig::validation_split`]).
        validation_split(fraction: f64);
        /// Records a metric (see [`TrainerConfig::metric`]).
        metric(metric: Metric);
        /// Per-class weights (see [`TrainerConfig::class_weights`]).
        class_weights(weights: Vec<f64>);
        /// Gradient clipping (see [`TrainerConfig::clip_gradients`]).
        clip_gradients(clip: GradClip);
        /// Gradient accumulation (see [`TrainerConfig::accumulate_gradients`]).
        accumulate_gradients(k: usize);
        /// What to do on divergence (see [`TrainerConfig::on_divergence`]).
        on_divergence(policy: OnDivergence);
        /// The finiteness check of the data (see [`TrainerConfig::check_finite`]).
        check_finite(check: bool);
        /// The doctor's pre-flight checks (see [`TrainerConfig::preflight`]).
        preflight(policy: Preflight);
        /// Dynamic loss scaling (see [`TrainerConfig::grad_scaler`]).
        grad_scaler(config: GradScalerConfig);
        /// Mixed precision for the model's matrix products (see
        /// [`TrainerConfig::precision`]).
        precision(precision: Precision);
    }

    /// Augments every training batch with `augmenter` (several run in the order added), e.g.
    /// [`MixUp`](crate::data::MixUp) or [`GaussianNoise`](crate::data::GaussianNoise).
    ///
    /// Augmenters see the batch's features and dense targets: class indices are turned into
    /// one-hot rows for them (so MixUp's blended rows reach [`CrossEntropy`](crate::loss::CrossEntropy) as soft targets;
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
        self.config = self.config.augment(augmenter);
        self
    }

    /// Preprocessing inside the trainer: a [`Transformer`] (a scaler, an imputer, a numeric
    /// [`Pipeline`](crate::data::Pipeline)) fitted on the *training* rows of every `fit` —
    /// after the validation split, so no validation statistic leaks into it — and applied to
    /// the training and validation rows and to everything [`predict`](Trainer::predict) and
    /// [`evaluate`](Trainer::evaluate) see. A configuration with it builds trainers that each
    /// fit their own preprocessing, so cross-validation and the learning curves refit it on
    /// each fold's training rows. The model takes the transformer's output width.
    ///
    /// A pipeline with resamplers (SMOTE, under-sampling, cleaning) resamples the training rows
    /// only, at fit time (imbalanced-learn's rule); it needs class-index targets and cannot be
    /// combined with [`fit_weighted`](Trainer::fit_weighted). Each `fit` refits the
    /// preprocessing (deterministically, so a resumed run fits the same one); the fitted one is
    /// [`Trainer::preprocessing`]. It is not part of checkpoints: a trainer restored from one
    /// refits it at its next `fit`, and predicts only after that.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::data::{ImputeStrategy, Pipeline, SimpleImputer, StandardScaler};
    /// use tuneup::train::Trainer;
    /// use ndarray::array;
    /// // Features on a scale of 1 000 with a missing value: imputed, then standardised.
    /// let x = array![[1000.0f64], [f64::NAN], [3000.0], [4000.0]];
    /// let y = array![[0.0f64], [1.0], [2.0], [3.0]];
    /// let mut t = Trainer::builder()
    ///     .model(Mlp::new(&[1, 1]).build::<f64>()?)
    ///     .loss(Mse::new())
    ///     .optimizer(Sgd::new(0.1)?)
    ///     .preprocess(Pipeline::new()
    ///         .transform("impute", SimpleImputer::new(ImputeStrategy::Mean)?)
    ///         .transform("scale", StandardScaler::new()))
    ///     .epochs(3)
    ///     .build()?;
    /// assert!(t.predict(x.view()).is_err()); // not fitted yet
    /// t.fit(x.view(), &y)?;
    /// assert_eq!(t.preprocessing().unwrap().n_features_out(), 1);
    /// assert!(t.predict(x.view())?.iter().all(|v| v.is_finite()));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn preprocess(mut self, transformer: impl Transformer<F> + 'static) -> Self {
        self.config = self.config.preprocess(transformer);
        self
    }

    /// Preprocessing of [`Table`](crate::data::Table)s inside the trainer: a
    /// [`TableTransformer`] (a [`ColumnTransformer`](crate::data::ColumnTransformer) that
    /// imputes, scales and one-hot encodes a CSV's columns, or a
    /// [`Pipeline`](crate::data::Pipeline) of them, with resamplers if wanted) fitted on the
    /// training rows of every `fit`, exactly as [`preprocess`](Self::preprocess) is, so that
    /// categorical columns are encoded without leakage inside `fit`, cross-validation and the
    /// learning curves. Every [`Trainer`] method that takes features then takes a table
    /// ([`Features`](super::Features)); the fitted transformer is
    /// [`Trainer::table_preprocessing`]. It replaces a [`preprocess`](Self::preprocess) set
    /// before (one slot), and the same rules hold: resamplers need class-index targets and no
    /// sample weights, and it is not part of checkpoints.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::data::{Column, ColumnTransformer, OneHotEncoder, StandardScaler, Table};
    /// use tuneup::train::Trainer;
    /// let x = Table::new(["size", "colour"], vec![
    ///     Column::Numeric(vec![10.0f64, 20.0, 30.0, 40.0]),
    ///     Column::categorical(["red", "blue", "red", "blue"]),
    /// ])?;
    /// let encode = ColumnTransformer::new()
    ///     .add("num", StandardScaler::new(), ["size"])
    ///     .add("cat", OneHotEncoder::new(), ["colour"]);
    /// let mut t = Trainer::builder()
    ///     .model(Mlp::new(&[3, 2]).build::<f64>()?) // 1 scaled + 2 one-hot columns
    ///     .loss(CrossEntropy::new())
    ///     .optimizer(Adam::new(0.1)?)
    ///     .preprocess_table(encode)
    ///     .epochs(20)
    ///     .build()?;
    /// t.fit(&x, &[0, 1, 0, 1])?;
    /// assert_eq!(t.predict_classes(&x)?, vec![0, 1, 0, 1]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn preprocess_table(mut self, transformer: impl TableTransformer<F> + 'static) -> Self {
        self.config = self.config.preprocess_table(transformer);
        self
    }

    /// Knowledge distillation (Hinton et al.): every training batch is also run through
    /// `teacher` in eval mode (a trained classifier with the student's output width), and
    /// the student minimises [`Distillation`](crate::loss::Distillation)'s
    /// `α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1 − α)·CE(s, y)` with `T = temperature` and
    /// `α = alpha`, for class indices or soft targets. The teacher reads the same rows as the
    /// student (after [`preprocess`](Self::preprocess)); each trainer runs its own copy, and
    /// unweighted steps allocate nothing after the first batch.
    ///
    /// The history's training loss is this objective; the configured [`loss`](Self::loss)
    /// still scores the validation set, [`evaluate`](Trainer::evaluate) and the doctor.
    /// Errors: `T ≤ 0` or `α ∉ [0, 1]` and class weights with a teacher at build
    /// ([`Error::Config`]); a teacher whose output width differs from the student's at fit
    /// ([`Error::Shape`], nothing trained).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::Trainer;
    /// let x = ndarray::Array2::from_shape_fn((60, 2), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0);
    /// let y: Vec<usize> = (0..60).map(|i| usize::from(x[[i, 0]] + x[[i, 1]] > 0.0)).collect();
    /// let mut big = Trainer::builder()
    ///     .model(Mlp::new(&[2, 32, 2]).seed(1).build::<f64>()?)
    ///     .loss(CrossEntropy::new()).optimizer(Adam::new(0.02)?).epochs(30).build()?;
    /// big.fit(x.view(), &y)?;
    /// let mut student = Trainer::builder()
    ///     .model(Mlp::new(&[2, 4, 2]).seed(2).build::<f64>()?)
    ///     .loss(CrossEntropy::new()).optimizer(Adam::new(0.02)?).epochs(30)
    ///     .teacher(big.model().clone(), 4.0, 0.7)
    ///     .build()?;
    /// assert!(student.fit(x.view(), &y)?.epochs().iter().all(|r| r.loss.is_finite()));
    /// let wrong = Trainer::builder()
    ///     .model(Mlp::new(&[2, 4, 3]).build::<f64>()?)
    ///     .loss(CrossEntropy::new()).optimizer(Adam::new(0.02)?).epochs(1)
    ///     .teacher(big.model().clone(), 4.0, 0.7).build()?.fit(x.view(), &y);
    /// assert!(matches!(wrong, Err(tuneup::Error::Shape { .. })));
    /// assert!(Trainer::builder().model(Mlp::new(&[2, 2]).build::<f64>()?).loss(CrossEntropy::new())
    ///     .optimizer(Sgd::new(0.1)?).teacher(big.model().clone(), 0.0, 0.5).build().is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn teacher(
        mut self,
        teacher: impl Layer<F> + 'static,
        temperature: f64,
        alpha: f64,
    ) -> Self {
        self.config = self.config.teacher(teacher, temperature, alpha);
        self
    }

    /// Knowledge distillation from a regression teacher: the student minimises
    /// `α·MSE(s, t) + (1 − α)·MSE(s, y)` with the teacher's eval-mode outputs `t`
    /// ([`Distillation::regression`](crate::loss::Distillation::regression)); otherwise as
    /// [`teacher`](Self::teacher). Class labels are an [`Error::Value`] at fit.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::Trainer;
    /// let x = ndarray::Array2::from_shape_fn((40, 1), |(i, _)| i as f64 / 20.0 - 1.0);
    /// let y = x.mapv(|v| v * v);
    /// let teacher = Mlp::new(&[1, 1]).seed(3).build::<f64>()?;
    /// let mut t = Trainer::builder()
    ///     .model(Mlp::new(&[1, 8, 1]).seed(4).build::<f64>()?)
    ///     .loss(Mse::new()).optimizer(Adam::new(0.01)?).epochs(5)
    ///     .regression_teacher(teacher, 0.5).build()?;
    /// assert_eq!(t.fit(x.view(), &y)?.len(), 5);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn regression_teacher(mut self, teacher: impl Layer<F> + 'static, alpha: f64) -> Self {
        self.config = self.config.regression_teacher(teacher, alpha);
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
        self.config = self.config.adversarial(adversarial);
        self
    }

    /// Checks every setting and builds the trainer ([`TrainerConfig::build`]).
    ///
    /// # Errors
    /// [`Error::Config`] naming the field: a missing model, and every error of
    /// [`TrainerConfig::validate`] and [`TrainerConfig::build`].
    pub fn build(self) -> Result<Trainer<F, M>> {
        let model = self
            .model
            .ok_or_else(|| Error::config("Trainer.model", "none", "a model: call .model(net)"))?;
        let mut trainer = self.config.build(model)?;
        trainer.parallel = self.parallel.map(ParallelRun::new);
        Ok(trainer)
    }

    /// Trains data-parallel as rank `comm.rank()` of `comm`'s group (PyTorch's
    /// `DistributedDataParallel`): build one trainer per rank with the same settings and call
    /// `fit` on every rank with the same data. Each rank computes its shard of every batch
    /// ([`DataParallel::shard`](crate::parallel::DataParallel::shard)); the fit starts from
    /// rank 0's parameters and buffers (after checking that every rank's model has its
    /// shapes), broadcasts rank 0's buffers before each forward and sums the size-weighted
    /// gradients and losses over the ranks before penalties, clipping and the optimizer, so
    /// the replicas stay identical and follow the single-process run on the whole batch up to
    /// rounding. A non-finite value on any rank is a divergence on every rank. Callbacks of
    /// epochs and batches (logs, checkpoints) run on rank 0 only, and its decision to stop is
    /// every rank's; step hooks run on every rank; [`Trainer::save_checkpoint`] writes on rank 0
    /// only. BatchNorm in train mode normalises each shard by its own statistics.
    ///
    /// ```
    /// use tuneup::parallel::run_on_threads;
    /// use tuneup::prelude::*;
    /// let x = ndarray::Array2::from_shape_fn((16, 2), |(i, j)| ((i * 3 + j) % 7) as f64 / 7.0);
    /// let y = x.column(0).to_owned().insert_axis(ndarray::Axis(1));
    /// let weights = run_on_threads(2, |comm| {
    ///     let mut t = Trainer::builder()
    ///         .model(Mlp::new(&[2, 4, 1]).seed(1).build::<f64>()?)
    ///         .loss(Mse::new()).optimizer(Sgd::new(0.1)?).epochs(3).batch_size(8)
    ///         .data_parallel(comm)
    ///         .build()?;
    ///     t.fit(x.view(), &y)?;
    ///     let mut w = Vec::new();
    ///     t.model().visit_parameters(&mut |p| w.extend_from_slice(p.value_slice()));
    ///     Ok(w)
    /// })?;
    /// assert_eq!(weights[0], weights[1]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn data_parallel(mut self, comm: impl Communicator + 'static) -> Self {
        self.parallel = Some(Box::new(comm));
        self
    }
}
