//! A global surrogate: an interpretable tree fitted to a network's predictions.

use ndarray::{Array1, ArrayView2};

use super::target::outputs;
use super::{check, DecisionTree, FittedTree, Target};
use crate::diagnostics::metrics::{accuracy_score, r2_score};
use crate::model::Layer;
use crate::{Float, Result};

/// Fits a [`DecisionTree`] to what a network predicts (not to the true labels), so the tree's
/// rules describe the network. A classification tree learns the network's classes: the
/// largest output, or for a single output `output > threshold` (0.5 by default, for
/// probabilities; 0 for logits). A regression tree learns the [`Target`] output.
///
/// ```
/// use tuneup::explain::{DecisionTree, GlobalSurrogate};
/// use tuneup::prelude::*;
/// // The network's class is the sign of x₀ − x₁; a depth-4 tree mimics it closely.
/// let mut net = Sequential::<f64>::new()
///     .push(Linear::from_weights(ndarray::array![[1.0, -1.0], [-1.0, 1.0]], None)?);
/// let x = ndarray::Array2::from_shape_fn((200, 2), |(i, j)| ((i * 37 + j * 11) % 53) as f64);
/// let surrogate = GlobalSurrogate::new(DecisionTree::classifier().max_depth(4)?);
/// let fit = surrogate.fit(&mut net, x.view())?;
/// let report = fit.report_classification(&mut net, x.view(), None)?;
/// assert!(report.fidelity > 0.85, "{report:?}");
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalSurrogate {
    tree: DecisionTree,
    target: Target,
    threshold: f64,
}

/// A surrogate tree and the network it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedSurrogate {
    /// The fitted tree (see [`export_text`](super::export_text) for its rules).
    pub tree: FittedTree,
    settings: GlobalSurrogate,
}

/// How well a surrogate stands for its network on some data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SurrogateReport {
    /// Agreement with the network: accuracy against its classes, or R² against its outputs.
    pub fidelity: f64,
    /// The tree's own score against the true targets, when given.
    pub tree_score: Option<f64>,
    /// The network's score against the true targets, when given.
    pub network_score: Option<f64>,
}

impl GlobalSurrogate {
    /// A surrogate of the given tree settings (a classifier or a regressor).
    ///
    /// ```
    /// use tuneup::explain::{DecisionTree, GlobalSurrogate};
    /// assert_ne!(GlobalSurrogate::new(DecisionTree::regressor()), GlobalSurrogate::new(DecisionTree::classifier()));
    /// ```
    pub fn new(tree: DecisionTree) -> Self {
        GlobalSurrogate {
            tree,
            target: Target::Only,
            threshold: 0.5,
        }
    }

    /// The output a regression surrogate learns (the only one by default).
    ///
    /// ```
    /// use tuneup::explain::{DecisionTree, GlobalSurrogate, Target};
    /// let s = GlobalSurrogate::new(DecisionTree::regressor());
    /// assert_ne!(s.clone().target(Target::Output(1)), s);
    /// ```
    pub fn target(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    /// The class boundary of a single-output network (0.5 by default).
    ///
    /// ```
    /// use tuneup::explain::{DecisionTree, GlobalSurrogate};
    /// let s = GlobalSurrogate::new(DecisionTree::classifier());
    /// assert_ne!(s.clone().threshold(0.0), s);
    /// ```
    pub fn threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// Fits the tree to the network's predictions on `x`.
    ///
    /// # Errors
    /// An empty or non-finite `x`, a target out of range, and the model's and the tree's errors.
    pub fn fit<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
    ) -> Result<FittedSurrogate> {
        check::rows("GlobalSurrogate", x)?;
        let tree = if self.tree.criterion.is_classification() {
            self.tree.fit_classifier(x, &self.classes(model, x)?)?
        } else {
            self.tree.fit_regressor(x, self.values(model, x)?.view())?
        };
        Ok(FittedSurrogate {
            tree,
            settings: self.clone(),
        })
    }

    /// The network's class of each row.
    fn classes<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
    ) -> Result<Vec<usize>> {
        let out = outputs(model, x)?;
        Ok(out
            .rows()
            .into_iter()
            .map(|r| {
                if r.len() == 1 {
                    usize::from(r[0].as_f64() > self.threshold)
                } else {
                    r.iter()
                        .enumerate()
                        .fold(0, |b, (k, &v)| if v > r[b] { k } else { b })
                }
            })
            .collect())
    }

    /// The network's target output of each row.
    fn values<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
    ) -> Result<Array1<F>> {
        let out = outputs(model, x)?;
        let columns = self.target.columns(x.nrows(), out.ncols())?;
        Ok(columns
            .iter()
            .enumerate()
            .map(|(r, &c)| out[[r, c]])
            .collect())
    }
}

impl FittedSurrogate {
    /// Agreement with a classification network on `x` (held-out data), and with true labels
    /// (output-column indices, the classes the network's outputs stand for) the accuracies of
    /// tree and network.
    ///
    /// # Errors
    /// A regression surrogate ([`Error::State`](crate::Error::State)), and the errors of the
    /// model, the tree and the metrics.
    pub fn report_classification<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        y_true: Option<&[usize]>,
    ) -> Result<SurrogateReport> {
        let network = self.settings.classes(model, x)?;
        let tree = self.tree.predict_labels(x)?;
        Ok(SurrogateReport {
            fidelity: accuracy_score(&network, &tree)?,
            tree_score: y_true.map(|y| accuracy_score(y, &tree)).transpose()?,
            network_score: y_true.map(|y| accuracy_score(y, &network)).transpose()?,
        })
    }

    /// R² of the tree against a regression network on `x` (held-out data), and with true
    /// targets the R² of tree and network.
    ///
    /// # Errors
    /// A classification surrogate ([`Error::State`](crate::Error::State)), and the errors of
    /// the model, the tree and the metrics.
    pub fn report_regression<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        y_true: Option<&[F]>,
    ) -> Result<SurrogateReport> {
        let tree = self.tree.predict_values(x)?.to_vec();
        let network = self.settings.values(model, x)?.to_vec();
        Ok(SurrogateReport {
            fidelity: r2_score(&network, &tree)?,
            tree_score: y_true.map(|y| r2_score(y, &tree)).transpose()?,
            network_score: y_true.map(|y| r2_score(y, &network)).transpose()?,
        })
    }
}
