//! CART decision trees for classification and regression (scikit-learn's
//! `DecisionTreeClassifier` / `DecisionTreeRegressor`).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::tree_builder::{build, Labels};
use super::{check, SplitCriterion};
use crate::{Error, Float, Result};

/// Settings of a CART tree with scikit-learn's semantics and defaults: best splits over every
/// feature at midpoints between distinct values (features compared in `f32`, as scikit-learn
/// does), `max_depth` unlimited, `min_samples_split = 2`, `min_samples_leaf = 1`, and with
/// `max_leaf_nodes` the best-first growth by impurity decrease.
///
/// ```
/// use tuneup::explain::DecisionTree;
/// let x = ndarray::array![[1.0], [2.0], [3.0], [4.0]];
/// let tree = DecisionTree::classifier().fit_classifier(x.view(), &[0, 0, 1, 1])?;
/// assert_eq!(tree.predict_labels(ndarray::array![[1.2], [3.9]].view())?, [0, 1]);
/// assert_eq!(tree.nodes()[0].threshold, 2.5);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecisionTree {
    pub(crate) criterion: SplitCriterion,
    pub(crate) max_depth: Option<usize>,
    pub(crate) min_samples_split: usize,
    pub(crate) min_samples_leaf: usize,
    pub(crate) max_leaf_nodes: Option<usize>,
}

/// One node of a fitted tree.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeNode {
    /// The feature split on, `None` at a leaf.
    pub feature: Option<usize>,
    /// Rows with `x[feature] ≤ threshold` go left.
    pub threshold: f64,
    /// The index of the left child (meaningless at a leaf).
    pub left: usize,
    /// The index of the right child (meaningless at a leaf).
    pub right: usize,
    /// Class fractions (classification) or the mean target (regression).
    pub value: Vec<f64>,
    /// The node's impurity.
    pub impurity: f64,
    /// Training rows that reached the node.
    pub n_samples: usize,
}

/// A fitted tree.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedTree {
    pub(crate) nodes: Vec<TreeNode>,
    pub(crate) classes: Option<Vec<usize>>,
    pub(crate) n_features: usize,
}

impl DecisionTree {
    /// A classifier on the Gini impurity.
    ///
    /// ```
    /// assert!(tuneup::explain::DecisionTree::classifier().max_depth(0).is_err());
    /// ```
    pub fn classifier() -> Self {
        DecisionTree {
            criterion: SplitCriterion::Gini,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            max_leaf_nodes: None,
        }
    }

    /// A regressor on the squared error.
    ///
    /// ```
    /// let x = ndarray::array![[0.0], [1.0], [2.0]];
    /// let tree = tuneup::explain::DecisionTree::regressor().fit_regressor(x.view(), ndarray::array![1.0, 1.0, 4.0].view())?;
    /// assert_eq!(tree.predict_values(ndarray::array![[0.2], [1.8]].view())?, ndarray::array![1.0, 4.0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn regressor() -> Self {
        DecisionTree {
            criterion: SplitCriterion::SquaredError,
            ..Self::classifier()
        }
    }

    /// The impurity measure.
    ///
    /// ```
    /// use tuneup::explain::{DecisionTree, SplitCriterion};
    /// assert_ne!(DecisionTree::classifier().criterion(SplitCriterion::Entropy), DecisionTree::classifier());
    /// ```
    pub fn criterion(mut self, criterion: SplitCriterion) -> Self {
        self.criterion = criterion;
        self
    }

    /// The deepest a leaf may be (the root has depth 0).
    ///
    /// ```
    /// let x = ndarray::array![[0.0], [1.0], [2.0], [3.0]];
    /// let stump = tuneup::explain::DecisionTree::classifier().max_depth(1)?;
    /// assert_eq!(stump.fit_classifier(x.view(), &[0, 1, 0, 1])?.nodes().len(), 3);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for 0.
    pub fn max_depth(mut self, depth: usize) -> Result<Self> {
        if depth == 0 {
            return Err(Error::config("DecisionTree.max_depth", 0, "at least 1"));
        }
        self.max_depth = Some(depth);
        Ok(self)
    }

    /// The fewest rows a node needs to be split.
    ///
    /// ```
    /// assert!(tuneup::explain::DecisionTree::classifier().min_samples_split(1).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] below 2.
    pub fn min_samples_split(mut self, rows: usize) -> Result<Self> {
        if rows < 2 {
            return Err(Error::config(
                "DecisionTree.min_samples_split",
                rows,
                "at least 2",
            ));
        }
        self.min_samples_split = rows;
        Ok(self)
    }

    /// The fewest rows a leaf may hold.
    ///
    /// ```
    /// assert!(tuneup::explain::DecisionTree::classifier().min_samples_leaf(0).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for 0.
    pub fn min_samples_leaf(mut self, rows: usize) -> Result<Self> {
        if rows == 0 {
            return Err(Error::config(
                "DecisionTree.min_samples_leaf",
                0,
                "at least 1",
            ));
        }
        self.min_samples_leaf = rows;
        Ok(self)
    }

    /// At most this many leaves, grown best first.
    ///
    /// ```
    /// assert!(tuneup::explain::DecisionTree::classifier().max_leaf_nodes(1).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] below 2.
    pub fn max_leaf_nodes(mut self, leaves: usize) -> Result<Self> {
        if leaves < 2 {
            return Err(Error::config(
                "DecisionTree.max_leaf_nodes",
                leaves,
                "at least 2",
            ));
        }
        self.max_leaf_nodes = Some(leaves);
        Ok(self)
    }

    /// Fits a classification tree to labels `y`.
    ///
    /// # Errors
    /// A regression criterion, an empty or non-finite `x`, or a label count other than the
    /// row count.
    pub fn fit_classifier<F: Float>(
        &self,
        x: ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<FittedTree> {
        if !self.criterion.is_classification() {
            return Err(Error::config(
                "DecisionTree.criterion",
                "SquaredError",
                "Gini or Entropy for a classifier",
            ));
        }
        let features = self.features("DecisionTree::fit_classifier", x, y.len())?;
        let mut classes = y.to_vec();
        classes.sort_unstable();
        classes.dedup();
        let index: Vec<usize> = y
            .iter()
            .map(|l| classes.binary_search(l).unwrap_or(0))
            .collect();
        let nodes = build(self, &features, &Labels::Classes(&index, classes.len()));
        Ok(FittedTree {
            nodes,
            classes: Some(classes),
            n_features: x.ncols(),
        })
    }

    /// Fits a regression tree to targets `y`.
    ///
    /// # Errors
    /// A classification criterion, an empty or non-finite `x` or `y`, or a target count
    /// other than the row count.
    pub fn fit_regressor<F: Float>(
        &self,
        x: ArrayView2<'_, F>,
        y: ArrayView1<'_, F>,
    ) -> Result<FittedTree> {
        if self.criterion.is_classification() {
            return Err(Error::config(
                "DecisionTree.criterion",
                format!("{:?}", self.criterion),
                "SquaredError for a regressor",
            ));
        }
        let features = self.features("DecisionTree::fit_regressor", x, y.len())?;
        if let Some(i) = y.iter().position(|v| !v.is_finite()) {
            return Err(Error::non_finite(
                "DecisionTree::fit_regressor",
                format!("y[{i}] = {}", y[i]),
            ));
        }
        let targets: Vec<f64> = y.iter().map(|v| v.as_f64()).collect();
        let nodes = build(self, &features, &Labels::Values(&targets));
        Ok(FittedTree {
            nodes,
            classes: None,
            n_features: x.ncols(),
        })
    }

    /// The features as `f32` columns, after the checks every fit makes.
    fn features<F: Float>(
        &self,
        context: &str,
        x: ArrayView2<'_, F>,
        targets: usize,
    ) -> Result<Array2<f32>> {
        check::rows(context, x)?;
        if targets != x.nrows() {
            return Err(Error::shape(
                context,
                format!("{} targets (one per row)", x.nrows()),
                targets,
            ));
        }
        Ok(x.mapv(|v| v.as_f64() as f32)
            .reversed_axes()
            .as_standard_layout()
            .to_owned())
    }
}

impl FittedTree {
    /// The nodes, root first.
    ///
    /// ```
    /// let x = ndarray::array![[0.0], [1.0]];
    /// let tree = tuneup::explain::DecisionTree::classifier().fit_classifier(x.view(), &[3, 5])?;
    /// assert_eq!(tree.nodes().len(), 3);
    /// assert_eq!(tree.nodes()[0].feature, Some(0));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn nodes(&self) -> &[TreeNode] {
        &self.nodes
    }

    /// The class labels of a classifier, sorted; `None` for a regressor.
    ///
    /// ```
    /// let x = ndarray::array![[0.0], [1.0]];
    /// let tree = tuneup::explain::DecisionTree::classifier().fit_classifier(x.view(), &[3, 5])?;
    /// assert_eq!(tree.classes(), Some(&[3, 5][..]));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn classes(&self) -> Option<&[usize]> {
        self.classes.as_deref()
    }

    /// The leaf each row reaches.
    ///
    /// ```
    /// let x = ndarray::array![[0.0], [1.0]];
    /// let tree = tuneup::explain::DecisionTree::classifier().fit_classifier(x.view(), &[0, 1])?;
    /// assert_eq!(tree.apply(x.view())?, [1, 2]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Shape`] for another width than was fitted; [`Error::NonFinite`] for NaN.
    pub fn apply<F: Float>(&self, x: ArrayView2<'_, F>) -> Result<Vec<usize>> {
        check::width("FittedTree", "x", x, self.n_features)?;
        check::finite("FittedTree", "x", x)?;
        Ok(x.rows()
            .into_iter()
            .map(|row| {
                let mut node = 0;
                while let Some(f) = self.nodes[node].feature {
                    let n = &self.nodes[node];
                    node = if f64::from(row[f].as_f64() as f32) <= n.threshold {
                        n.left
                    } else {
                        n.right
                    };
                }
                node
            })
            .collect())
    }

    /// The class fractions of each row's leaf (a classifier).
    ///
    /// # Errors
    /// Those of [`FittedTree::apply`], and [`Error::State`] for a regressor.
    pub fn predict_proba<F: Float>(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        let classes = self.classes.as_ref().ok_or_else(|| {
            Error::state(
                "FittedTree::predict_proba",
                "a regression tree has no classes",
            )
        })?;
        let leaves = self.apply(x)?;
        Ok(Array2::from_shape_fn(
            (leaves.len(), classes.len()),
            |(r, k)| F::cast(self.nodes[leaves[r]].value[k]),
        ))
    }

    /// The most frequent class of each row's leaf (the first on ties, as scikit-learn).
    ///
    /// # Errors
    /// Those of [`FittedTree::apply`], and [`Error::State`] for a regressor.
    pub fn predict_labels<F: Float>(&self, x: ArrayView2<'_, F>) -> Result<Vec<usize>> {
        let classes = self.classes.as_ref().ok_or_else(|| {
            Error::state(
                "FittedTree::predict_labels",
                "a regression tree predicts values",
            )
        })?;
        let leaves = self.apply(x)?;
        Ok(leaves
            .iter()
            .map(|&l| classes[argmax(&self.nodes[l].value)])
            .collect())
    }

    /// The mean target of each row's leaf (a regressor).
    ///
    /// # Errors
    /// Those of [`FittedTree::apply`], and [`Error::State`] for a classifier.
    pub fn predict_values<F: Float>(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>> {
        if self.classes.is_some() {
            return Err(Error::state(
                "FittedTree::predict_values",
                "a classification tree predicts labels",
            ));
        }
        let leaves = self.apply(x)?;
        Ok(leaves
            .iter()
            .map(|&l| F::cast(self.nodes[l].value[0]))
            .collect())
    }
}

/// The index of the first largest value.
pub(crate) fn argmax(values: &[f64]) -> usize {
    values
        .iter()
        .enumerate()
        .fold(0, |best, (k, &v)| if v > values[best] { k } else { best })
}
