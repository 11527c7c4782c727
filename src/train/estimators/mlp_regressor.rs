//! `MlpRegressor`: scikit-learn's `MLPRegressor` on the Trainer.

use ndarray::{Array2, ArrayView2};

use super::mlp_params::{mlp_setters, scaled_inputs, MlpParams};
use crate::data::{FittedStandardScaler, StandardScaler};
use crate::diagnostics::metrics::r2_score;
use crate::loss::Mse;
use crate::model::Sequential;
use crate::train::{Metric, Trainer};
use crate::{Float, Result};

/// A multilayer-perceptron regressor with scikit-learn's `MLPRegressor` parameters and
/// defaults (see [`MlpParams`]): identity outputs, squared error, Adam, scikit-learn's
/// convergence rule (its loss is half the mean squared error; `loss_curve` reports it so).
/// Beyond scikit-learn, the targets can be standardised for training and mapped back at
/// predict ([`MlpRegressor::scale_targets`], as a `TransformedTargetRegressor` would).
///
/// ```
/// use tuneup::train::estimators::MlpRegressor;
/// let x = ndarray::Array2::from_shape_fn((200, 2), |(i, j)| ((i * 7 + j * 3) as f64 * 0.37).sin());
/// let y = ndarray::Array2::from_shape_fn((200, 1), |(i, _)| 3.0 * x[[i, 0]] - x[[i, 1]] + 10.0);
/// let mut fitted = MlpRegressor::new().hidden_layer_sizes(&[32]).learning_rate_init(0.01)
///     .scale_targets(true).random_state(2).fit(x.view(), &y.view())?;
/// assert!(fitted.score(x.view(), &y.view())? > 0.95);
/// assert_eq!(fitted.predict(x.view())?.dim(), (200, 1));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MlpRegressor {
    params: MlpParams,
    scale_targets: bool,
}

impl MlpRegressor {
    /// scikit-learn's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    mlp_setters!();

    /// Standardise the targets for training and map predictions back (default off).
    pub fn scale_targets(mut self, on: bool) -> Self {
        self.scale_targets = on;
        self
    }

    /// Trains on `x` and targets `y` (one row per sample, one column per output), leaving
    /// these settings untouched.
    ///
    /// # Errors
    /// As [`MlpClassifier::fit`](super::MlpClassifier::fit), with targets of another row
    /// count a shape error.
    pub fn fit<F: Float>(
        &self,
        x: ArrayView2<'_, F>,
        y: &ArrayView2<'_, F>,
    ) -> Result<FittedMlpRegressor<F>> {
        self.params.check(x.nrows())?;
        if y.nrows() != x.nrows() || y.ncols() == 0 {
            return Err(crate::Error::shape(
                "MlpRegressor::fit",
                format!("targets with {} rows and at least one column", x.nrows()),
                format!("{} × {}", y.nrows(), y.ncols()),
            ));
        }
        let (inputs, scaler) = scaled_inputs(self.params.scale_inputs, x)?;
        let (targets, target_scaler) = match self.scale_targets {
            true => {
                let s = StandardScaler::new().fit(y)?;
                (s.transform(y)?, Some(s))
            }
            false => (y.to_owned(), None),
        };
        // The trainer's MSE is twice scikit-learn's loss: tol and alpha double with it.
        let config = self
            .params
            .trainer_config(Mse::new(), Metric::R2, x.nrows(), 2.0)?;
        let mut trainer = config.build(self.params.network(inputs.ncols(), y.ncols())?)?;
        let history = trainer.fit(inputs.view(), &targets)?;
        super::restore_best(&mut trainer, self.params.early_stopping)?;
        Ok(FittedMlpRegressor {
            loss_curve: history.epochs().iter().map(|r| r.loss / 2.0).collect(),
            trainer,
            scaler,
            target_scaler,
        })
    }
}

/// A trained [`MlpRegressor`]. Predicting reuses the network's buffers, hence `&mut self`.
#[derive(Debug)]
pub struct FittedMlpRegressor<F: Float> {
    trainer: Trainer<F>,
    scaler: Option<FittedStandardScaler<F>>,
    target_scaler: Option<FittedStandardScaler<F>>,
    loss_curve: Vec<f64>,
}

impl<F: Float> FittedMlpRegressor<F> {
    /// The predicted targets, in the targets' own scale.
    pub fn predict(&mut self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        let out = match &self.scaler {
            Some(s) => {
                let scaled = s.transform(&x)?;
                self.trainer.predict(scaled.view())?
            }
            None => self.trainer.predict(x)?,
        };
        match &self.target_scaler {
            Some(s) => s.inverse_transform(&out.view()),
            None => Ok(out),
        }
    }

    /// R² on `x`, `y` (scikit-learn's `score`: uniform average over outputs).
    pub fn score(&mut self, x: ArrayView2<'_, F>, y: &ArrayView2<'_, F>) -> Result<f64> {
        let predicted = self.predict(x)?;
        if predicted.dim() != y.dim() {
            return Err(crate::Error::shape(
                "MlpRegressor::score",
                format!(
                    "targets of shape {} × {}",
                    predicted.nrows(),
                    predicted.ncols()
                ),
                format!("{} × {}", y.nrows(), y.ncols()),
            ));
        }
        let mut total = 0.0;
        for (t, p) in y.columns().into_iter().zip(predicted.columns()) {
            total += r2_score(&t.to_vec(), &p.to_vec())?;
        }
        Ok(total / y.ncols() as f64)
    }

    /// Epochs run (`n_iter_`).
    pub fn n_iter(&self) -> usize {
        self.loss_curve.len()
    }

    /// scikit-learn's loss (half the mean squared error, penalty included) of each epoch
    /// (`loss_curve_`).
    pub fn loss_curve(&self) -> &[f64] {
        &self.loss_curve
    }

    /// The smallest training loss (`best_loss_`).
    pub fn best_loss(&self) -> f64 {
        self.loss_curve
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
    }

    /// The trained network, for everything else in the crate.
    pub fn model(&self) -> &Sequential<F> {
        self.trainer.model()
    }

    /// The trainer, with the run's history.
    pub fn trainer(&self) -> &Trainer<F> {
        &self.trainer
    }
}
