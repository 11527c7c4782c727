//! Brier score of binary probabilistic predictions.

use super::check::{binary_labels, finite, probabilities, same_len};
use crate::{Float, Result};

/// Mean squared difference between the predicted probability of the positive class and the
/// outcome, `(1/n) Σ (pᵢ − yᵢ)²` (`sklearn.metrics.brier_score_loss` with 1-D probabilities;
/// lower is better, 0 is perfect).
///
/// `y_true` holds 0 or 1 (1 is the positive class, scikit-learn's default `pos_label` for
/// `{0, 1}` targets).
///
/// Errors: [`Error::Shape`](crate::Error::Shape) when the inputs are empty or differ in
/// length; [`Error::NonFinite`](crate::Error::NonFinite) for a NaN or infinite probability;
/// [`Error::Value`](crate::Error::Value) for a probability outside `[0, 1]` or a label other
/// than 0 or 1.
///
/// ```
/// use tuneup::diagnostics::metrics::brier_score_loss;
/// let b = brier_score_loss(&[1, 0], &[0.75, 0.5])?;
/// assert_eq!(b, (0.25 * 0.25 + 0.5 * 0.5) / 2.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn brier_score_loss<F: Float>(y_true: &[usize], proba: &[F]) -> Result<f64> {
    let metric = "brier_score_loss";
    same_len(metric, y_true.len(), proba.len(), "proba")?;
    binary_labels(metric, y_true)?;
    let p = finite(metric, "proba", proba)?;
    probabilities(metric, "proba", &p)?;
    let total: f64 = y_true
        .iter()
        .zip(&p)
        .map(|(&y, &p)| {
            let d = y as f64 - p;
            d * d
        })
        .sum();
    Ok(total / y_true.len() as f64)
}
