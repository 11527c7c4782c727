//! Metrics with scikit-learn's definitions, on plain slices and `ndarray` views.
//!
//! Every function here returns the same number as the `sklearn.metrics` function it names
//! (checked to 1e-12 against scikit-learn 1.9 in `tests/parity_metrics.rs`), and each says
//! where it differs: an input scikit-learn would warn about and answer with NaN is an
//! [`Error`](crate::Error) here. Inputs are never changed, and every result is an `f64`.
//!
//! - Class labels are `usize` values (`&[usize]`). Label-based metrics accept any values;
//!   binary score metrics take 0 (negative) and 1 (positive); metrics on a probability
//!   matrix take the column index of the class.
//! - Scores, probabilities and regression values are `&[F]` or `ArrayView2<F>` for `F` = `f32`
//!   or `f64`, widened to `f64` before use.
//! - Zero division: as scikit-learn's default `zero_division="warn"` but silent, a precision,
//!   recall or F1 whose denominator is zero counts as 0.
//! - Errors: [`Error::Shape`](crate::Error::Shape) for empty inputs and mismatched lengths or
//!   widths, [`Error::Value`](crate::Error::Value) for values outside a metric's domain
//!   (labels, probabilities, a single class for ROC AUC), and
//!   [`Error::NonFinite`](crate::Error::NonFinite) for NaN or infinite scores.
//!
//! ```
//! use tuneup::diagnostics::metrics::{f1_score, roc_auc_score, Average};
//! let y_true = [0, 0, 1, 1];
//! let scores = [0.1, 0.4, 0.35, 0.8];
//! let y_pred: Vec<usize> = scores.iter().map(|&s| usize::from(s >= 0.5)).collect();
//! assert_eq!(roc_auc_score(&y_true, &scores)?, 0.75);
//! assert_eq!(f1_score(&y_true, &y_pred, Average::Binary { pos_label: 1 })?, 2.0 / 3.0);
//! # Ok::<(), tuneup::Error>(())
//! ```

mod accuracy;
mod average;
mod average_precision;
mod brier;
mod check;
mod confusion;
mod curve;
mod log_loss;
mod precision_recall;
mod r2;
mod regression;
mod report;
mod roc_auc;

pub use accuracy::{accuracy_score, balanced_accuracy_score};
pub use average::Average;
pub use average_precision::average_precision_score;
pub use brier::brier_score_loss;
pub use confusion::{confusion_matrix, ConfusionMatrix};
pub use log_loss::{log_loss, log_loss_multiclass};
pub use precision_recall::{
    f1_score, precision_recall_f1, precision_recall_fscore_support, precision_score, recall_score,
    AveragedScores, ClassScores,
};
pub use r2::r2_score;
pub use regression::{mean_absolute_error, mean_squared_error, root_mean_squared_error};
pub use report::{classification_report, ClassificationReport};
pub use roc_auc::{roc_auc_ovr_score, roc_auc_score, OvrAverage};
