//! The impurity measures a CART tree splits on (scikit-learn's `criterion`).

/// How a tree measures the impurity of a node.
///
/// ```
/// use tuneup::explain::SplitCriterion;
/// assert_eq!(SplitCriterion::Gini.impurity(&[2.0, 2.0]), 0.5);
/// assert_eq!(SplitCriterion::Entropy.impurity(&[2.0, 2.0]), 1.0); // bits
/// assert_eq!(SplitCriterion::Gini.impurity(&[4.0, 0.0]), 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitCriterion {
    /// `1 − Σ pₖ²` (classification; scikit-learn's default).
    Gini,
    /// `−Σ pₖ log₂ pₖ` (classification).
    Entropy,
    /// The variance of the targets (regression; scikit-learn's `squared_error`).
    SquaredError,
}

impl SplitCriterion {
    /// Whether the criterion is for class labels.
    ///
    /// ```
    /// assert!(!tuneup::explain::SplitCriterion::SquaredError.is_classification());
    /// ```
    pub fn is_classification(self) -> bool {
        self != SplitCriterion::SquaredError
    }

    /// The impurity of a node from its statistics: class counts for classification,
    /// `[n, Σy, Σy²]` for regression.
    ///
    /// ```
    /// // Targets 1 and 3: variance 1.
    /// assert_eq!(tuneup::explain::SplitCriterion::SquaredError.impurity(&[2.0, 4.0, 10.0]), 1.0);
    /// ```
    pub fn impurity(self, stats: &[f64]) -> f64 {
        match self {
            SplitCriterion::Gini => {
                let n: f64 = stats.iter().sum();
                let squares: f64 = stats.iter().map(|c| c * c).sum();
                1.0 - squares / (n * n)
            }
            SplitCriterion::Entropy => {
                let n: f64 = stats.iter().sum();
                stats
                    .iter()
                    .filter(|&&c| c > 0.0)
                    .map(|&c| -(c / n) * (c / n).log2())
                    .sum()
            }
            SplitCriterion::SquaredError => {
                let mean = stats[1] / stats[0];
                stats[2] / stats[0] - mean * mean
            }
        }
    }

    /// A quantity that orders splits as their impurity decrease does (scikit-learn's
    /// `proxy_impurity_improvement`).
    pub(crate) fn proxy(self, left: &[f64], right: &[f64]) -> f64 {
        match self {
            SplitCriterion::SquaredError => {
                left[1] * left[1] / left[0] + right[1] * right[1] / right[0]
            }
            _ => {
                let (wl, wr): (f64, f64) = (left.iter().sum(), right.iter().sum());
                -wr * self.impurity(right) - wl * self.impurity(left)
            }
        }
    }

    /// The weight (sample count) of a node's statistics.
    pub(crate) fn weight(self, stats: &[f64]) -> f64 {
        match self {
            SplitCriterion::SquaredError => stats[0],
            _ => stats.iter().sum(),
        }
    }
}
