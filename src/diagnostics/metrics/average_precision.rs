//! Average precision: the step-wise area under the precision–recall curve.

use super::check::{binary_labels, finite, same_len};
use super::curve::threshold_counts;
use crate::{Float, Result};

/// Average precision of binary targets from scores
/// (`sklearn.metrics.average_precision_score`).
///
/// `AP = Σₙ (Rₙ − Rₙ₋₁) Pₙ` over the distinct score thresholds taken from the highest down,
/// with `Pₙ` and `Rₙ` the precision and recall when every sample scoring at least the
/// threshold is called positive, and `R₋₁ = 0`. This is scikit-learn's step-wise sum, not the
/// trapezoid rule (which is optimistic). Tied scores form one threshold.
///
/// `y_true` holds 0 (negative) or 1 (positive). Without any positive the recall is undefined;
/// like scikit-learn (which warns) the result is then 0.
///
/// Errors: [`Error::Shape`](crate::Error::Shape) when the inputs are empty or differ in
/// length; [`Error::NonFinite`](crate::Error::NonFinite) for a NaN or infinite score;
/// [`Error::Value`](crate::Error::Value) for a label other than 0 or 1.
///
/// ```
/// use tuneup::diagnostics::metrics::average_precision_score;
/// // Thresholds 0.8 (P = 1, R = 1/2), 0.4 (P = 1/2, R = 1/2), 0.35 (P = 2/3, R = 1), 0.1.
/// let ap = average_precision_score(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8])?;
/// assert!((ap - (0.5 * 1.0 + 0.5 * 2.0 / 3.0)).abs() < 1e-15);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn average_precision_score<F: Float>(y_true: &[usize], scores: &[F]) -> Result<f64> {
    let metric = "average_precision_score";
    same_len(metric, y_true.len(), scores.len(), "scores")?;
    binary_labels(metric, y_true)?;
    let scores = finite(metric, "scores", scores)?;
    let positive: Vec<bool> = y_true.iter().map(|&y| y == 1).collect();
    let c = threshold_counts(&positive, &scores);
    let n_pos = *c.tps.last().unwrap_or(&0);
    if n_pos == 0 {
        return Ok(0.0);
    }
    let total = n_pos as f64;
    let mut ap = 0.0;
    let mut prev_recall = 0.0;
    for (&tp, &fp) in c.tps.iter().zip(&c.fps) {
        let recall = tp as f64 / total;
        let precision = tp as f64 / (tp + fp) as f64;
        ap += (recall - prev_recall) * precision;
        prev_recall = recall;
    }
    Ok(ap)
}
