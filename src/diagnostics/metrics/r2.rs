//! The coefficient of determination R².

use super::regression::regression_inputs;
use crate::{Error, Float, Result};

/// `R² = 1 − Σ (yᵢ − ŷᵢ)² / Σ (yᵢ − ȳ)²` (`sklearn.metrics.r2_score`, `force_finite=True`).
///
/// 1 is a perfect fit, 0 is no better than predicting the mean, and it can be negative. When
/// `y_true` is constant the ratio is undefined; like scikit-learn (1.1 and later) the result is
/// then 1.0 if the predictions are exact and 0.0 otherwise.
///
/// Errors: [`Error::Shape`] when the inputs are empty or differ in length;
/// [`Error::NonFinite`] for a NaN or infinite value; [`Error::Value`] for a single sample
/// (R² is not defined; scikit-learn warns and returns NaN).
///
/// ```
/// use tuneup::diagnostics::metrics::r2_score;
/// assert_eq!(r2_score(&[1.0, 2.0, 3.0], &[1.0, 2.0, 4.0])?, 0.5);
/// assert_eq!(r2_score(&[2.0, 2.0], &[2.0, 2.0])?, 1.0); // constant target, exact
/// assert_eq!(r2_score(&[2.0, 2.0], &[2.0, 3.0])?, 0.0); // constant target, not exact
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn r2_score<F: Float>(y_true: &[F], y_pred: &[F]) -> Result<f64> {
    let metric = "r2_score";
    let (t, p) = regression_inputs(metric, y_true, y_pred)?;
    if t.len() < 2 {
        return Err(Error::value(
            metric,
            "at least two samples (R² is not defined for one)",
            "1 sample",
        ));
    }
    let mean = t.iter().sum::<f64>() / t.len() as f64;
    let numerator: f64 = t.iter().zip(&p).map(|(a, b)| (a - b) * (a - b)).sum();
    let denominator: f64 = t.iter().map(|a| (a - mean) * (a - mean)).sum();
    Ok(if numerator == 0.0 {
        1.0
    } else if denominator == 0.0 {
        0.0
    } else {
        1.0 - numerator / denominator
    })
}
