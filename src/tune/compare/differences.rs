//! Per-sample differences of correctness, the data of a bootstrap next to McNemar's test.

use super::check::same_len;
use crate::Result;

/// One value per sample: `1` where only B is right, `−1` where only A is right, `0` otherwise;
/// their mean is B's accuracy minus A's, and [`bootstrap_ci`](super::bootstrap_ci) of them is an
/// interval of that difference.
///
/// # Errors
/// [`Error::Shape`](crate::Error::Shape) if the slices differ in length.
///
/// ```
/// use tuneup::tune::correctness_differences;
/// let d = correctness_differences(&[1, 0, 1], &[1, 1, 1], &[1, 0, 0])?;
/// assert_eq!(d, vec![0.0, 1.0, -1.0]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn correctness_differences<L: PartialEq>(
    y_true: &[L],
    pred_a: &[L],
    pred_b: &[L],
) -> Result<Vec<f64>> {
    const CONTEXT: &str = "correctness_differences";
    same_len(y_true.len(), pred_a.len(), CONTEXT, "y_true and pred_a")?;
    same_len(y_true.len(), pred_b.len(), CONTEXT, "y_true and pred_b")?;
    Ok(y_true
        .iter()
        .zip(pred_a)
        .zip(pred_b)
        .map(|((y, a), b)| f64::from(u8::from(b == y)) - f64::from(u8::from(a == y)))
        .collect())
}
