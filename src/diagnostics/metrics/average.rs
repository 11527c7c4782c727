//! How per-class precision, recall and F1 are combined into one number.

/// The `average` argument of [`precision_score`](super::precision_score),
/// [`recall_score`](super::recall_score) and [`f1_score`](super::f1_score), with
/// scikit-learn's meaning.
///
/// The classes are those of `y_true` and `y_pred` together, sorted.
///
/// ```
/// use tuneup::diagnostics::metrics::{precision_score, Average};
/// let (t, p) = ([0, 1, 1, 1], [0, 1, 0, 0]);
/// // Class 1 alone: one of one predicted 1s is right.
/// assert_eq!(precision_score(&t, &p, Average::Binary { pos_label: 1 })?, 1.0);
/// // Class 0: one of three; class 1: one of one. Their mean is 2/3.
/// assert!((precision_score(&t, &p, Average::Macro)? - 2.0 / 3.0).abs() < 1e-15);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Average {
    /// The score of the class `pos_label` alone (`average="binary"`). The targets must hold
    /// at most two classes; `pos_label` must be one of them unless only one class occurs, in
    /// which case a missing `pos_label` scores 0.
    Binary {
        /// The class counted as positive.
        pos_label: usize,
    },
    /// Counts (true positives, false positives, false negatives) summed over all classes first.
    /// For single-label multi-class targets every micro average equals the accuracy.
    Micro,
    /// The unweighted mean of the per-class scores.
    Macro,
    /// The mean of the per-class scores weighted by each class's support (its count in
    /// `y_true`).
    Weighted,
}
