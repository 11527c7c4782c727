//! The settings scikit-learn's `MLPClassifier` and `MLPRegressor` share, with its defaults,
//! and the `TrainerConfig` they become.

use ndarray::{Array2, ArrayView2};

use crate::data::{FittedStandardScaler, StandardScaler};
use crate::loss::Loss;
use crate::model::{Activation, Init, Layer, Mlp, ParamKind, Sequential};
use crate::optim::{AdamConfig, EarlyStoppingConfig, MonitorMode, StoppingRule};
use crate::train::{Metric, TrainerConfig};
use crate::{Error, Float, Result};

/// scikit-learn's MLP settings: `hidden_layer_sizes = (100,)`, ReLU, Adam with
/// `learning_rate_init = 1e-3` (β = 0.9, 0.999, ε = 1e-8), `alpha = 1e-4`,
/// `batch_size = min(200, n)`, `max_iter = 200`, `tol = 1e-4`, `n_iter_no_change = 10`,
/// `early_stopping = false`, `validation_fraction = 0.1`, `shuffle = true`, `random_state = 0`;
/// and, beyond scikit-learn, optional input scaling.
#[derive(Debug, Clone, PartialEq)]
pub struct MlpParams {
    /// Widths of the hidden layers.
    pub hidden_layer_sizes: Vec<usize>,
    /// The hidden layers' activation.
    pub activation: Activation,
    /// L2 penalty, scikit-learn's: `α/2 · ‖W‖² / batch rows` added to each batch's loss.
    pub alpha: f64,
    /// Rows per batch; `None` is `min(200, n)`.
    pub batch_size: Option<usize>,
    /// Adam's learning rate.
    pub learning_rate_init: f64,
    /// The most epochs.
    pub max_iter: usize,
    /// The improvement the loss (or validation score) must make.
    pub tol: f64,
    /// Epochs without such an improvement tolerated (scikit-learn's rule: stop when the count
    /// exceeds it).
    pub n_iter_no_change: u64,
    /// Hold out `validation_fraction` and stop on its score (accuracy / R²), restoring the
    /// best epoch's weights.
    pub early_stopping: bool,
    /// The held-out share with `early_stopping`.
    pub validation_fraction: f64,
    /// Shuffle the rows every epoch.
    pub shuffle: bool,
    /// The seed of the initialisation, shuffles and split.
    pub random_state: u64,
    /// Standardise the inputs (fitted on the training rows), as a `StandardScaler` in a
    /// pipeline would.
    pub scale_inputs: bool,
}

impl Default for MlpParams {
    fn default() -> Self {
        MlpParams {
            hidden_layer_sizes: vec![100],
            activation: Activation::Relu,
            alpha: 1e-4,
            batch_size: None,
            learning_rate_init: 1e-3,
            max_iter: 200,
            tol: 1e-4,
            n_iter_no_change: 10,
            early_stopping: false,
            validation_fraction: 0.1,
            shuffle: true,
            random_state: 0,
            scale_inputs: false,
        }
    }
}

impl MlpParams {
    /// Checks the settings against the data size.
    pub(crate) fn check(&self, rows: usize) -> Result<()> {
        if rows < 2 {
            return Err(Error::shape(
                "MLP fit",
                "at least 2 rows",
                format!("{rows} rows"),
            ));
        }
        if let Some(i) = self.hidden_layer_sizes.iter().position(|&w| w == 0) {
            return Err(Error::config(
                format!("hidden_layer_sizes[{i}]"),
                0,
                "at least 1",
            ));
        }
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(Error::config("alpha", self.alpha, "a finite number ≥ 0"));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::config("tol", self.tol, "a finite number ≥ 0"));
        }
        if self.max_iter == 0 {
            return Err(Error::config("max_iter", 0, "at least 1"));
        }
        if self.batch_size == Some(0) {
            return Err(Error::config("batch_size", 0, "at least 1"));
        }
        Ok(())
    }

    /// The rows per batch for `rows` training rows.
    pub(crate) fn batch_rows(&self, rows: usize) -> usize {
        self.batch_size.unwrap_or(200).min(rows).max(1)
    }

    /// `n_in → hidden… → n_out`, Glorot-uniform initialised as scikit-learn does: weights
    /// and biases both drawn from U(−b, b) with `b = √(6 / (fan_in + fan_out))` (`√(2 / …)`
    /// for a logistic activation).
    pub(crate) fn network<F: Float>(&self, n_in: usize, n_out: usize) -> Result<Sequential<F>> {
        let mut widths = vec![n_in];
        widths.extend(&self.hidden_layer_sizes);
        widths.push(n_out);
        let gain = if self.activation == Activation::Sigmoid {
            (1.0f64 / 3.0).sqrt()
        } else {
            1.0
        };
        let mut net = Mlp::new(&widths)
            .activation(self.activation)
            .init(Init::XavierUniform { gain })
            .seed(self.random_state)
            .build()?;
        uniform_biases(&mut net, gain, self.random_state);
        Ok(net)
    }

    /// The trainer settings: Adam, the L2 penalty per batch, scikit-learn's stopping rule on
    /// the loss (or on `metric` over a validation split with `early_stopping`).
    ///
    /// `loss_scale` is how many times larger the trainer's loss is than scikit-learn's (2 for
    /// squared error, which scikit-learn halves): `tol` and `alpha` scale with it, so every
    /// decision is scikit-learn's.
    pub(crate) fn trainer_config<F: Float>(
        &self,
        loss: impl Loss<F> + 'static,
        metric: Metric,
        rows: usize,
        loss_scale: f64,
    ) -> Result<TrainerConfig<F>> {
        let batch = self.batch_rows(rows);
        let adam = AdamConfig {
            lr: self.learning_rate_init,
            ..Default::default()
        };
        let mut config = TrainerConfig::new()
            .loss(loss)
            .optimizer(adam)
            .epochs(self.max_iter)
            .batch_size(batch)
            .shuffle(self.shuffle)
            .seed(self.random_state)
            .metric(metric);
        if self.alpha > 0.0 {
            config = config.regularizer(crate::loss::L2::new(
                loss_scale * self.alpha / batch as f64,
            )?);
        }
        let (monitor, mode) = match self.early_stopping {
            true => {
                config = config.validation_split(self.validation_fraction);
                (format!("val_{}", metric.name()), MonitorMode::Max)
            }
            false => ("loss".to_string(), MonitorMode::Min),
        };
        Ok(config.early_stopping(EarlyStoppingConfig {
            monitor,
            mode,
            min_delta: self.tol * if self.early_stopping { 1.0 } else { loss_scale },
            patience: self.n_iter_no_change,
            restore_best_weights: self.early_stopping,
            rule: StoppingRule::ScikitLearn,
            ..Default::default()
        }))
    }
}

/// Standardised inputs (when asked), and the scaler fitted on them.
pub(crate) fn scaled_inputs<F: Float>(
    scale: bool,
    x: ArrayView2<'_, F>,
) -> Result<(Array2<F>, Option<FittedStandardScaler<F>>)> {
    if !scale {
        return Ok((x.to_owned(), None));
    }
    let scaler = StandardScaler::new().fit(&x)?;
    Ok((scaler.transform(&x)?, Some(scaler)))
}

/// Generates the shared setters of an MLP estimator (each sets one [`MlpParams`] field).
macro_rules! mlp_setters {
    () => {
        /// Widths of the hidden layers (scikit-learn's `hidden_layer_sizes`, default `[100]`).
        pub fn hidden_layer_sizes(mut self, sizes: &[usize]) -> Self {
            self.params.hidden_layer_sizes = sizes.to_vec();
            self
        }
        /// The hidden activation (default ReLU).
        pub fn activation(mut self, activation: $crate::model::Activation) -> Self {
            self.params.activation = activation;
            self
        }
        /// The L2 penalty (default 1e-4).
        pub fn alpha(mut self, alpha: f64) -> Self {
            self.params.alpha = alpha;
            self
        }
        /// Rows per batch (default `min(200, n)`).
        pub fn batch_size(mut self, rows: usize) -> Self {
            self.params.batch_size = Some(rows);
            self
        }
        /// Adam's learning rate (default 1e-3).
        pub fn learning_rate_init(mut self, lr: f64) -> Self {
            self.params.learning_rate_init = lr;
            self
        }
        /// The most epochs (default 200).
        pub fn max_iter(mut self, epochs: usize) -> Self {
            self.params.max_iter = epochs;
            self
        }
        /// The required improvement (default 1e-4).
        pub fn tol(mut self, tol: f64) -> Self {
            self.params.tol = tol;
            self
        }
        /// Epochs without improvement tolerated (default 10).
        pub fn n_iter_no_change(mut self, epochs: u64) -> Self {
            self.params.n_iter_no_change = epochs;
            self
        }
        /// Stop on a held-out validation score (default off).
        pub fn early_stopping(mut self, on: bool) -> Self {
            self.params.early_stopping = on;
            self
        }
        /// The held-out share with early stopping (default 0.1).
        pub fn validation_fraction(mut self, fraction: f64) -> Self {
            self.params.validation_fraction = fraction;
            self
        }
        /// Shuffle every epoch (default on).
        pub fn shuffle(mut self, on: bool) -> Self {
            self.params.shuffle = on;
            self
        }
        /// The seed (scikit-learn's `random_state`, default 0).
        pub fn random_state(mut self, seed: u64) -> Self {
            self.params.random_state = seed;
            self
        }
        /// Standardise the inputs on the training rows first (default off).
        pub fn scale_inputs(mut self, on: bool) -> Self {
            self.params.scale_inputs = on;
            self
        }
        /// All the shared settings.
        pub fn params(&self) -> &$crate::train::estimators::MlpParams {
            &self.params
        }
    };
}
pub(crate) use mlp_setters;

/// Draws every bias from U(−b, b) with its layer's Glorot bound `b = gain·√(6 / (fan_in +
/// fan_out))`, as scikit-learn's `_init_coef` does (the crate's `Mlp` starts biases at 0).
/// The fans come from the weight matrix visited just before each bias.
fn uniform_biases<F: Float>(net: &mut Sequential<F>, gain: f64, seed: u64) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0xB1A5_B1A5_B1A5_B1A5);
    let mut fans = 0usize;
    net.visit_parameters_mut(&mut |p| match p.kind() {
        ParamKind::Weight => fans = p.shape().iter().sum(),
        ParamKind::Bias => {
            let bound = gain * (6.0 / fans.max(1) as f64).sqrt();
            for b in p.value_mut().iter_mut() {
                *b = F::cast(rng.random_range(-bound..=bound));
            }
        }
        _ => {}
    });
}
