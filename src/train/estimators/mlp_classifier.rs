//! `MlpClassifier`: scikit-learn's `MLPClassifier` on the Trainer.

use ndarray::{Array2, ArrayView2};

use super::class_labels::ClassLabels;
use super::clipped_log_loss::ClippedLogLoss;
use super::mlp_params::{mlp_setters, scaled_inputs, MlpParams};
use crate::data::FittedStandardScaler;
use crate::diagnostics::metrics::accuracy_score;
use crate::model::Sequential;
use crate::train::{Metric, Trainer};
use crate::{Float, Result};

/// A multilayer-perceptron classifier with scikit-learn's `MLPClassifier` parameters and
/// defaults (see [`MlpParams`]): a logistic output and log-loss for two classes, softmax and
/// cross-entropy for more, Adam, and scikit-learn's convergence rule. Labels can be any
/// ordered type (strings, integers); they are encoded at fit and decoded at predict.
///
/// ```
/// use tuneup::train::estimators::MlpClassifier;
/// let x = ndarray::Array2::from_shape_fn((200, 2), |(i, j)| ((i * 7 + j * 3) as f64 * 0.37).sin());
/// let y: Vec<&str> = (0..200).map(|i| if x[[i, 0]] > x[[i, 1]] { "above" } else { "below" }).collect();
/// let mut fitted = MlpClassifier::new().hidden_layer_sizes(&[16]).learning_rate_init(0.01)
///     .random_state(1).fit(x.view(), &y)?;
/// assert!(fitted.score(x.view(), &y)? > 0.95);
/// assert_eq!(fitted.classes(), &["above", "below"]);
/// assert_eq!(fitted.predict(x.view())?.len(), 200);
/// assert!(fitted.n_iter() <= 200 && fitted.loss_curve().len() == fitted.n_iter());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MlpClassifier {
    params: MlpParams,
}

impl MlpClassifier {
    /// scikit-learn's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    mlp_setters!();

    /// Trains on `x` (one row per sample) and labels `y`, leaving these settings untouched.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) naming a bad setting; a shape error for rows
    /// and labels that do not match or fewer than two rows; a value error for fewer than two
    /// classes; the Trainer's errors (NaN in the data, …).
    pub fn fit<F: Float, L: Ord + Clone + std::fmt::Debug>(
        &self,
        x: ArrayView2<'_, F>,
        y: &[L],
    ) -> Result<FittedMlpClassifier<F, L>> {
        self.params.check(x.nrows())?;
        if y.len() != x.nrows() {
            return Err(crate::Error::shape(
                "MlpClassifier::fit",
                format!("{} labels, one per row", x.nrows()),
                format!("{} labels", y.len()),
            ));
        }
        let labels = ClassLabels::fit(y)?;
        let classes = labels.encode(y)?;
        let (inputs, scaler) = scaled_inputs(self.params.scale_inputs, x)?;
        let mut trainer = self.trainer(inputs.ncols(), labels.len(), x.nrows())?;
        let history = if labels.len() == 2 {
            let dense =
                Array2::from_shape_fn((classes.len(), 1), |(i, _)| F::from_count(classes[i]));
            trainer.fit(inputs.view(), &dense)?
        } else {
            trainer.fit(inputs.view(), &classes[..])?
        };
        super::restore_best(&mut trainer, self.params.early_stopping)?;
        Ok(FittedMlpClassifier {
            loss_curve: history.epochs().iter().map(|r| r.loss).collect(),
            trainer,
            labels,
            scaler,
        })
    }

    fn trainer<F: Float>(&self, n_in: usize, classes: usize, rows: usize) -> Result<Trainer<F>> {
        let outputs = if classes == 2 { 1 } else { classes };
        let net = self.params.network(n_in, outputs)?;
        let loss = ClippedLogLoss::new(classes == 2);
        self.params
            .trainer_config(loss, Metric::Accuracy, rows, 1.0)?
            .build(net)
    }
}

/// A trained [`MlpClassifier`]: predictions with the labels seen at fit, and the run's record
/// under scikit-learn's names. Predicting reuses the network's buffers, hence `&mut self`.
#[derive(Debug)]
pub struct FittedMlpClassifier<F: Float, L> {
    trainer: Trainer<F>,
    labels: ClassLabels<L>,
    scaler: Option<FittedStandardScaler<F>>,
    loss_curve: Vec<f64>,
}

impl<F: Float, L: Ord + Clone + std::fmt::Debug> FittedMlpClassifier<F, L> {
    /// The predicted label of each row.
    pub fn predict(&mut self, x: ArrayView2<'_, F>) -> Result<Vec<L>> {
        let p = self.predict_proba(x)?;
        let best: Vec<usize> = p
            .rows()
            .into_iter()
            .map(|r| {
                let mut k = 0;
                for (j, &v) in r.iter().enumerate() {
                    if v > r[k] {
                        k = j;
                    }
                }
                k
            })
            .collect();
        Ok(self.labels.decode(&best))
    }

    /// Class probabilities, one column per class in [`classes`](Self::classes) order.
    pub fn predict_proba(&mut self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        match &self.scaler {
            Some(s) => {
                let scaled = s.transform(&x)?;
                self.trainer.predict_proba(scaled.view())
            }
            None => self.trainer.predict_proba(x),
        }
    }

    /// Accuracy on `x`, `y` (scikit-learn's `score`).
    pub fn score(&mut self, x: ArrayView2<'_, F>, y: &[L]) -> Result<f64> {
        let predicted = self.predict(x)?;
        let truth = self.labels.encode(y)?;
        let guess = self.labels.encode(&predicted)?;
        accuracy_score(&truth, &guess)
    }

    /// The classes, sorted (scikit-learn's `classes_`).
    pub fn classes(&self) -> &[L] {
        self.labels.classes()
    }

    /// Epochs run (`n_iter_`).
    pub fn n_iter(&self) -> usize {
        self.loss_curve.len()
    }

    /// The training loss of each epoch, penalty included (`loss_curve_`).
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

    /// The trained network (outputs are logits), for everything else in the crate.
    pub fn model(&self) -> &Sequential<F> {
        self.trainer.model()
    }

    /// The trainer, with the run's history.
    pub fn trainer(&self) -> &Trainer<F> {
        &self.trainer
    }
}
