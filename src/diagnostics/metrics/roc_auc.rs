//! Area under the ROC curve: binary, and one-vs-rest for several classes.

use ndarray::ArrayView2;

use super::check::{binary_labels, finite, same_len};
use super::curve::{roc_area, threshold_counts};
use crate::{Error, Float, Result};

/// How [`roc_auc_ovr_score`] combines the per-class areas.
///
/// ```
/// use tuneup::diagnostics::metrics::OvrAverage;
/// assert_ne!(OvrAverage::Macro, OvrAverage::Weighted);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OvrAverage {
    /// The unweighted mean over classes (`average="macro"`).
    Macro,
    /// The mean weighted by each class's count in `y_true` (`average="weighted"`).
    Weighted,
}

/// Area under the ROC curve of binary targets from scores (`sklearn.metrics.roc_auc_score`).
///
/// `y_true` holds 0 (negative) or 1 (positive); `scores` are any finite numbers where higher
/// means "more likely positive" (probabilities, logits, margins). Tied scores form a single
/// threshold and the curve is integrated by the trapezoid rule over the distinct thresholds,
/// as scikit-learn does: it equals the probability that a random positive outscores a random
/// negative, a tie counting one half.
///
/// Errors: [`Error::Shape`] when the inputs are empty or differ in length;
/// [`Error::NonFinite`] for a NaN or infinite score; [`Error::Value`] for a label other than
/// 0 or 1, or when `y_true` holds only one class (the area is undefined; scikit-learn 1.9
/// warns and returns NaN instead).
///
/// ```
/// use tuneup::diagnostics::metrics::roc_auc_score;
/// // Positive 0.8 beats both negatives, positive 0.4 beats one of them.
/// assert_eq!(roc_auc_score(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8])?, 0.75);
/// // A tie between a positive and a negative counts one half.
/// assert_eq!(roc_auc_score(&[0, 1], &[0.5f32, 0.5])?, 0.5);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn roc_auc_score<F: Float>(y_true: &[usize], scores: &[F]) -> Result<f64> {
    let metric = "roc_auc_score";
    same_len(metric, y_true.len(), scores.len(), "scores")?;
    binary_labels(metric, y_true)?;
    let scores = finite(metric, "scores", scores)?;
    let positive: Vec<bool> = y_true.iter().map(|&y| y == 1).collect();
    let n_pos = positive.iter().filter(|&&p| p).count();
    if n_pos == 0 || n_pos == positive.len() {
        return Err(Error::value(
            metric,
            "both classes (0 and 1) in y_true; ROC AUC is undefined with one",
            format!("only class {}", y_true[0]),
        ));
    }
    Ok(roc_area(&threshold_counts(&positive, &scores)))
}

/// One-vs-rest ROC AUC for several classes from a probability matrix
/// (`sklearn.metrics.roc_auc_score(multi_class="ovr")`).
///
/// `proba` has one row per sample and one column per class; `y_true[i]` is the column of
/// sample `i`'s class. Each class's area is that of "this class against the rest" scored by
/// its column; [`OvrAverage`] combines them. Every class must occur in `y_true` (its area is
/// undefined otherwise) and every row must sum to 1 (scikit-learn's `np.allclose` check:
/// within `1e-8 + 1e-5`).
///
/// Errors: [`Error::Shape`] when the inputs are empty, when `proba` has a different number of
/// rows than `y_true` has entries, or fewer than two columns, or when the number of distinct
/// classes in `y_true` differs from its number of columns; [`Error::Value`] for a class index
/// `≥` the number of columns or a row that does not sum to 1; [`Error::NonFinite`] for a NaN
/// or infinite probability.
///
/// ```
/// use tuneup::diagnostics::metrics::{roc_auc_ovr_score, OvrAverage};
/// let proba = ndarray::array![[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.3, 0.6], [0.3, 0.3, 0.4]];
/// let auc = roc_auc_ovr_score(&[0, 1, 2, 2], proba.view(), OvrAverage::Macro)?;
/// assert_eq!(auc, 1.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn roc_auc_ovr_score<F: Float>(
    y_true: &[usize],
    proba: ArrayView2<'_, F>,
    average: OvrAverage,
) -> Result<f64> {
    let metric = "roc_auc_ovr_score";
    let (rows, k) = proba.dim();
    same_len(metric, y_true.len(), rows, "proba rows")?;
    if k < 2 {
        return Err(Error::shape(
            metric,
            "proba with at least 2 columns (one per class)",
            format!("{k} column(s)"),
        ));
    }
    let mut support = vec![0u64; k];
    for (i, &y) in y_true.iter().enumerate() {
        match support.get_mut(y) {
            Some(s) => *s += 1,
            None => {
                let classes = super::check::unique_labels(&[y_true]).len();
                if classes != k {
                    return Err(class_count_error(metric, classes, k));
                }
                return Err(Error::value(
                    metric,
                    format!("class indices < {k} (the columns of proba)"),
                    format!("{y} at index {i}"),
                ));
            }
        }
    }
    let classes = support.iter().filter(|&&s| s > 0).count();
    if classes != k {
        return Err(class_count_error(metric, classes, k));
    }
    let mut columns = vec![Vec::with_capacity(rows); k];
    for (r, row) in proba.rows().into_iter().enumerate() {
        let mut sum = 0.0;
        for (c, v) in row.iter().enumerate() {
            let x = v.as_f64();
            if !x.is_finite() {
                return Err(Error::non_finite(metric, format!("proba[{r}, {c}] = {x}")));
            }
            sum += x;
            columns[c].push(x);
        }
        if (sum - 1.0).abs() > 1e-8 + 1e-5 {
            return Err(Error::value(
                metric,
                "probability rows that sum to 1",
                format!("row {r} sums to {sum}"),
            ));
        }
    }
    let mut weighted_sum = 0.0;
    for (c, scores) in columns.iter().enumerate() {
        let positive: Vec<bool> = y_true.iter().map(|&y| y == c).collect();
        let area = roc_area(&threshold_counts(&positive, scores));
        weighted_sum += match average {
            OvrAverage::Macro => area,
            OvrAverage::Weighted => area * support[c] as f64,
        };
    }
    Ok(match average {
        OvrAverage::Macro => weighted_sum / k as f64,
        OvrAverage::Weighted => weighted_sum / rows as f64,
    })
}

fn class_count_error(metric: &str, classes: usize, k: usize) -> Error {
    Error::shape(
        metric,
        format!("{k} distinct classes in y_true, one per column of proba"),
        format!("{classes} distinct classes"),
    )
}
