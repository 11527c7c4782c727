//! The confusion matrix.

use std::collections::HashMap;

use ndarray::Array2;

use super::check::{same_len, unique_labels};
use crate::{Error, Result};

/// Counts of (true class, predicted class) pairs (`sklearn.metrics.confusion_matrix`).
///
/// Row `i` is the true class `labels[i]`, column `j` the predicted class `labels[j]`.
///
/// ```
/// use tuneup::diagnostics::metrics::confusion_matrix;
/// let cm = confusion_matrix(&[0, 1, 1, 2], &[0, 1, 2, 2], None)?;
/// assert_eq!(cm.labels(), &[0, 1, 2]);
/// assert_eq!(cm.count(1, 2), Some(1)); // one true 1 predicted as 2
/// assert_eq!(cm.counts()[[2, 2]], 1);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfusionMatrix {
    labels: Vec<usize>,
    counts: Array2<u64>,
}

impl ConfusionMatrix {
    /// The classes, in row (and column) order.
    ///
    /// ```
    /// use tuneup::diagnostics::metrics::confusion_matrix;
    /// assert_eq!(confusion_matrix(&[5, 2], &[2, 7], None)?.labels(), &[2, 5, 7]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The matrix: `counts()[[i, j]]` samples of true class `labels()[i]` were predicted as
    /// `labels()[j]`.
    ///
    /// ```
    /// use tuneup::diagnostics::metrics::confusion_matrix;
    /// let cm = confusion_matrix(&[0, 0, 1], &[0, 1, 1], None)?;
    /// assert_eq!(cm.counts(), &ndarray::array![[1u64, 1], [0, 1]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn counts(&self) -> &Array2<u64> {
        &self.counts
    }

    /// The count for a (true class, predicted class) pair given as class values, or `None`
    /// when either class is not one of [`labels`](Self::labels).
    ///
    /// ```
    /// use tuneup::diagnostics::metrics::confusion_matrix;
    /// let cm = confusion_matrix(&[3, 3, 9], &[3, 9, 9], None)?;
    /// assert_eq!(cm.count(3, 9), Some(1));
    /// assert_eq!(cm.count(4, 9), None);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn count(&self, true_class: usize, predicted_class: usize) -> Option<u64> {
        let i = self.labels.iter().position(|&l| l == true_class)?;
        let j = self.labels.iter().position(|&l| l == predicted_class)?;
        Some(self.counts[[i, j]])
    }

    /// Consumes the matrix, giving back the labels and the counts.
    ///
    /// ```
    /// use tuneup::diagnostics::metrics::confusion_matrix;
    /// let (labels, counts) = confusion_matrix(&[1, 0], &[1, 1], None)?.into_parts();
    /// assert_eq!((labels, counts.sum()), (vec![0, 1], 2));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn into_parts(self) -> (Vec<usize>, Array2<u64>) {
        (self.labels, self.counts)
    }
}

/// The confusion matrix of `y_pred` against `y_true` (`sklearn.metrics.confusion_matrix`).
///
/// Without `labels` the classes are those of `y_true` and `y_pred` together, sorted, as
/// scikit-learn's `unique_labels`. With `labels` the rows and columns follow that order, and
/// samples whose true or predicted class is not listed are left out.
///
/// Errors: [`Error::Shape`] when the inputs are empty or differ in length; [`Error::Value`]
/// when `labels` is empty, repeats a label, or holds no class of `y_true` (scikit-learn's
/// "at least one label specified must be in y_true").
///
/// ```
/// use tuneup::diagnostics::metrics::confusion_matrix;
/// // Only classes 2 and 0, in that order; the sample of class 1 is left out.
/// let cm = confusion_matrix(&[0, 1, 2, 2], &[0, 0, 2, 0], Some(&[2, 0]))?;
/// assert_eq!(cm.counts(), &ndarray::array![[1u64, 1], [0, 1]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn confusion_matrix(
    y_true: &[usize],
    y_pred: &[usize],
    labels: Option<&[usize]>,
) -> Result<ConfusionMatrix> {
    let metric = "confusion_matrix";
    same_len(metric, y_true.len(), y_pred.len(), "y_pred")?;
    let labels = match labels {
        None => unique_labels(&[y_true, y_pred]),
        Some(l) => {
            if l.is_empty() {
                return Err(Error::value(
                    metric,
                    "at least one label in labels",
                    "an empty list",
                ));
            }
            let mut sorted = l.to_vec();
            sorted.sort_unstable();
            if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
                return Err(Error::value(
                    metric,
                    "distinct labels",
                    format!("label {} given twice", w[0]),
                ));
            }
            if !y_true.iter().any(|t| l.contains(t)) {
                return Err(Error::value(
                    metric,
                    "at least one of the given labels in y_true",
                    format!("labels {l:?}, none of which occurs in y_true"),
                ));
            }
            l.to_vec()
        }
    };
    let index: HashMap<usize, usize> = labels.iter().enumerate().map(|(i, &l)| (l, i)).collect();
    let mut counts = Array2::zeros((labels.len(), labels.len()));
    for (t, p) in y_true.iter().zip(y_pred) {
        if let (Some(&i), Some(&j)) = (index.get(t), index.get(p)) {
            counts[[i, j]] += 1;
        }
    }
    Ok(ConfusionMatrix { labels, counts })
}
