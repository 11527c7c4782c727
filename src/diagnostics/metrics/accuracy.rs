//! Accuracy and balanced accuracy.

use super::check::{same_len, unique_labels};
use crate::Result;

/// The fraction of samples whose predicted class equals the true class
/// (`sklearn.metrics.accuracy_score`).
///
/// Errors: [`Error::Shape`](crate::Error::Shape) when the inputs are empty or differ in length.
///
/// ```
/// use tuneup::diagnostics::metrics::accuracy_score;
/// assert_eq!(accuracy_score(&[0, 1, 2, 2], &[0, 2, 2, 2])?, 0.75);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn accuracy_score(y_true: &[usize], y_pred: &[usize]) -> Result<f64> {
    same_len("accuracy_score", y_true.len(), y_pred.len(), "y_pred")?;
    let correct = y_true.iter().zip(y_pred).filter(|(t, p)| t == p).count();
    Ok(correct as f64 / y_true.len() as f64)
}

/// The mean of the per-class recalls (`sklearn.metrics.balanced_accuracy_score`, not adjusted).
///
/// Classes are those of `y_true` and `y_pred` together; a class that only appears in `y_pred`
/// has no recall and is left out of the mean, as scikit-learn does (it also warns).
///
/// Errors: [`Error::Shape`](crate::Error::Shape) when the inputs are empty or differ in length.
///
/// ```
/// use tuneup::diagnostics::metrics::balanced_accuracy_score;
/// // Recall of class 0 is 1, of class 1 is 1/2: the mean is 3/4.
/// assert_eq!(balanced_accuracy_score(&[0, 1, 1], &[0, 1, 2])?, 0.75);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn balanced_accuracy_score(y_true: &[usize], y_pred: &[usize]) -> Result<f64> {
    same_len(
        "balanced_accuracy_score",
        y_true.len(),
        y_pred.len(),
        "y_pred",
    )?;
    let classes = unique_labels(&[y_true]);
    let mut sum = 0.0;
    for &c in &classes {
        let support = y_true.iter().filter(|&&t| t == c).count();
        let hits = y_true
            .iter()
            .zip(y_pred)
            .filter(|&(&t, &p)| t == c && p == c)
            .count();
        sum += hits as f64 / support as f64;
    }
    Ok(sum / classes.len() as f64)
}
