//! Metrics a [`Trainer`](super::Trainer) records each epoch, and how a model's outputs are read.

use ndarray::{Array2, ArrayView2, Axis};

use crate::diagnostics::metrics::{
    accuracy_score, balanced_accuracy_score, f1_score, mean_absolute_error, mean_squared_error,
    precision_score, r2_score, recall_score, roc_auc_ovr_score, roc_auc_score,
    root_mean_squared_error, Average, OvrAverage,
};
use crate::loss::Targets;
use crate::model::{sigmoid, softmax_rows};
use crate::{Error, Float, Result};

pub use crate::loss::OutputKind;

/// A metric recorded per epoch, on the training batches (name as below) and on the
/// validation set (`val_` + name). Values come from [`crate::diagnostics::metrics`], with
/// scikit-learn's definitions.
///
/// Classification metrics read class labels from the targets (class indices; a single
/// dense 0/1 column thresholded at 0.5; or the arg-max of a one-hot / soft row) and predicted
/// classes from the outputs (logit > 0 or probability > 0.5 for one column, the arg-max
/// otherwise). With two classes F1, precision and recall are those of class 1; with more,
/// their unweighted (macro) mean. ROC AUC uses the output column as a score for two classes
/// and the one-vs-rest macro average of the softmax probabilities for more.
///
/// A metric that is undefined for an epoch (ROC AUC when the set holds one class) is
/// recorded as NaN.
///
/// ```
/// use tuneup::train::Metric;
/// assert_eq!(Metric::Accuracy.name(), "accuracy");
/// assert!(Metric::Accuracy.is_classification());
/// assert!(!Metric::R2.is_classification());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Fraction of correct classes.
    Accuracy,
    /// Mean per-class recall.
    BalancedAccuracy,
    /// F1 of class 1 (two classes) or macro F1.
    F1,
    /// Precision of class 1 (two classes) or macro precision.
    Precision,
    /// Recall of class 1 (two classes) or macro recall.
    Recall,
    /// Area under the ROC curve (one-vs-rest macro for more than two classes).
    RocAuc,
    /// Mean squared error over every output.
    Mse,
    /// Mean absolute error over every output.
    Mae,
    /// Root mean squared error over every output.
    Rmse,
    /// Coefficient of determination over every output (flattened).
    R2,
}

impl Metric {
    /// The name used in the history: `accuracy`, `balanced_accuracy`, `f1`, `precision`,
    /// `recall`, `roc_auc`, `mse`, `mae`, `rmse`, `r2`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::BalancedAccuracy => "balanced_accuracy",
            Metric::F1 => "f1",
            Metric::Precision => "precision",
            Metric::Recall => "recall",
            Metric::RocAuc => "roc_auc",
            Metric::Mse => "mse",
            Metric::Mae => "mae",
            Metric::Rmse => "rmse",
            Metric::R2 => "r2",
        }
    }

    /// True for metrics on classes (they need a classifier's outputs).
    pub fn is_classification(self) -> bool {
        !matches!(self, Metric::Mse | Metric::Mae | Metric::Rmse | Metric::R2)
    }

    /// True when a higher value is better.
    pub fn maximizes(self) -> bool {
        !matches!(self, Metric::Mse | Metric::Mae | Metric::Rmse)
    }

    /// Computes the metric for `outputs` (one row per sample) against `targets`.
    ///
    /// ```
    /// use tuneup::train::{Metric, OutputKind};
    /// let logits = ndarray::array![[2.0f64, -1.0], [0.0, 3.0], [1.0, 0.5]];
    /// let labels = [0usize, 1, 1];
    /// let acc = Metric::Accuracy.compute(logits.view(), labels.as_slice().into(), OutputKind::Logits)?;
    /// assert!((acc - 2.0 / 3.0).abs() < 1e-15);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn compute<F: Float>(
        self,
        outputs: ArrayView2<'_, F>,
        targets: Targets<'_, F>,
        kind: OutputKind,
    ) -> Result<f64> {
        if self.is_classification() {
            if !kind.is_classifier() {
                return Err(Error::config(
                    format!("metric {}", self.name()),
                    "regression outputs",
                    "a classifier's outputs (logits or probabilities)",
                ));
            }
            let truth = true_labels(targets);
            let pred = predicted_labels(outputs, kind);
            let classes = if outputs.ncols() == 1 {
                2
            } else {
                outputs.ncols()
            };
            let average = if classes == 2 {
                Average::Binary { pos_label: 1 }
            } else {
                Average::Macro
            };
            match self {
                Metric::Accuracy => accuracy_score(&truth, &pred),
                Metric::BalancedAccuracy => balanced_accuracy_score(&truth, &pred),
                Metric::F1 => f1_score(&truth, &pred, average),
                Metric::Precision => precision_score(&truth, &pred, average),
                Metric::Recall => recall_score(&truth, &pred, average),
                _ => {
                    if outputs.ncols() == 1 {
                        let scores: Vec<F> = outputs.iter().copied().collect();
                        roc_auc_score(&truth, &scores)
                    } else if outputs.ncols() == 2 {
                        let p = probabilities(outputs, kind);
                        let scores: Vec<F> = p.column(1).to_vec();
                        roc_auc_score(&truth, &scores)
                    } else {
                        roc_auc_ovr_score(
                            &truth,
                            probabilities(outputs, kind).view(),
                            OvrAverage::Macro,
                        )
                    }
                }
            }
        } else {
            let Targets::Dense(t) = targets else {
                return Err(Error::value(
                    format!("metric {}", self.name()),
                    "dense regression targets",
                    "class indices",
                ));
            };
            let truth: Vec<F> = t.iter().copied().collect();
            let pred: Vec<F> = outputs.iter().copied().collect();
            match self {
                Metric::Mse => mean_squared_error(&truth, &pred),
                Metric::Mae => mean_absolute_error(&truth, &pred),
                Metric::Rmse => root_mean_squared_error(&truth, &pred),
                _ => r2_score(&truth, &pred),
            }
        }
    }
}

/// Class labels of targets: indices as given, a single dense column thresholded at 0.5, or the
/// arg-max of each dense row.
pub(crate) fn true_labels<F: Float>(targets: Targets<'_, F>) -> Vec<usize> {
    match targets {
        Targets::Classes(c) => c.to_vec(),
        Targets::Dense(t) if t.ncols() == 1 => {
            t.iter().map(|&v| usize::from(v.as_f64() > 0.5)).collect()
        }
        Targets::Dense(t) => t.axis_iter(Axis(0)).map(|r| argmax(r.iter())).collect(),
    }
}

/// Predicted classes: threshold a single column (logit > 0, probability > 0.5), else arg-max.
pub(crate) fn predicted_labels<F: Float>(
    outputs: ArrayView2<'_, F>,
    kind: OutputKind,
) -> Vec<usize> {
    if outputs.ncols() == 1 {
        let threshold = if kind == OutputKind::Logits { 0.0 } else { 0.5 };
        outputs
            .iter()
            .map(|&v| usize::from(v.as_f64() > threshold))
            .collect()
    } else {
        outputs
            .axis_iter(Axis(0))
            .map(|r| argmax(r.iter()))
            .collect()
    }
}

/// Class probabilities, one column per class (two columns for a single output).
pub(crate) fn probabilities<F: Float>(outputs: ArrayView2<'_, F>, kind: OutputKind) -> Array2<F> {
    let (n, k) = outputs.dim();
    if k == 1 {
        let mut p = Array2::zeros((n, 2));
        for (i, &v) in outputs.iter().enumerate() {
            let one = if kind == OutputKind::Logits {
                sigmoid(v)
            } else {
                v
            };
            p[[i, 0]] = F::one() - one;
            p[[i, 1]] = one;
        }
        p
    } else if kind == OutputKind::Logits {
        let mut p = Array2::zeros((n, k));
        softmax_rows(outputs, p.view_mut());
        p
    } else {
        outputs.to_owned()
    }
}

fn argmax<'a, F: Float>(values: impl Iterator<Item = &'a F>) -> usize {
    let mut best = (0, F::neg_infinity());
    for (j, &v) in values.enumerate() {
        if v > best.1 {
            best = (j, v);
        }
    }
    best.0
}
