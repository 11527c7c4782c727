//! Mean squared error, its root, and mean absolute error.

use super::check::{finite, same_len};
use crate::{Float, Result};

/// Checks the pair of regression inputs and widens them to `f64`.
pub(crate) fn regression_inputs<F: Float>(
    metric: &str,
    y_true: &[F],
    y_pred: &[F],
) -> Result<(Vec<f64>, Vec<f64>)> {
    same_len(metric, y_true.len(), y_pred.len(), "y_pred")?;
    Ok((
        finite(metric, "y_true", y_true)?,
        finite(metric, "y_pred", y_pred)?,
    ))
}

/// `(1/n) Σ (yᵢ − ŷᵢ)²` (`sklearn.metrics.mean_squared_error`).
///
/// Errors: [`Error::Shape`](crate::Error::Shape) when the inputs are empty or differ in
/// length; [`Error::NonFinite`](crate::Error::NonFinite) for a NaN or infinite value.
///
/// ```
/// use tuneup::diagnostics::metrics::mean_squared_error;
/// assert_eq!(mean_squared_error(&[1.0, 2.0, 3.0], &[1.0, 2.0, 5.0])?, 4.0 / 3.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn mean_squared_error<F: Float>(y_true: &[F], y_pred: &[F]) -> Result<f64> {
    let (t, p) = regression_inputs("mean_squared_error", y_true, y_pred)?;
    let sum: f64 = t.iter().zip(&p).map(|(a, b)| (a - b) * (a - b)).sum();
    Ok(sum / t.len() as f64)
}

/// `√MSE`, in the units of the target (`sklearn.metrics.root_mean_squared_error`).
///
/// Errors as [`mean_squared_error`].
///
/// ```
/// use tuneup::diagnostics::metrics::root_mean_squared_error;
/// assert_eq!(root_mean_squared_error(&[0.0f32, 0.0], &[3.0, 4.0])?, 12.5f64.sqrt());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn root_mean_squared_error<F: Float>(y_true: &[F], y_pred: &[F]) -> Result<f64> {
    let (t, p) = regression_inputs("root_mean_squared_error", y_true, y_pred)?;
    let sum: f64 = t.iter().zip(&p).map(|(a, b)| (a - b) * (a - b)).sum();
    Ok((sum / t.len() as f64).sqrt())
}

/// `(1/n) Σ |yᵢ − ŷᵢ|` (`sklearn.metrics.mean_absolute_error`).
///
/// Errors as [`mean_squared_error`].
///
/// ```
/// use tuneup::diagnostics::metrics::mean_absolute_error;
/// assert_eq!(mean_absolute_error(&[1.0, 2.0, 3.0], &[2.0, 2.0, 1.0])?, 1.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn mean_absolute_error<F: Float>(y_true: &[F], y_pred: &[F]) -> Result<f64> {
    let (t, p) = regression_inputs("mean_absolute_error", y_true, y_pred)?;
    let sum: f64 = t.iter().zip(&p).map(|(a, b)| (a - b).abs()).sum();
    Ok(sum / t.len() as f64)
}
