//! Permutation importance (scikit-learn's `inspection.permutation_importance`).

use ndarray::{Array1, Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::check;
use super::target::outputs;
use crate::model::Layer;
use crate::{Error, Float, Result};

/// How much a score drops when one column's values are shuffled among the rows: `n_repeats`
/// shuffles per column (5 by default), seeded.
///
/// The score is any function of the model's outputs where higher is better (an accuracy, an
/// R², a negated error), usually a metric of [`diagnostics::metrics`](crate::diagnostics::metrics)
/// closed over the true targets.
///
/// ```
/// use tuneup::explain::PermutationImportance;
/// use tuneup::diagnostics::metrics::r2_score;
/// use tuneup::prelude::*;
/// // y = 3x₀: column 1 is ignored, so its importance is exactly 0.
/// let mut net = Sequential::<f64>::new()
///     .push(Linear::from_weights(ndarray::array![[3.0, 0.0]], None)?);
/// let x = ndarray::Array2::from_shape_fn((20, 2), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
/// let y: Vec<f64> = x.column(0).iter().map(|v| 3.0 * v).collect();
/// let mut r2 = |pred: ndarray::ArrayView2<'_, f64>| r2_score(&y, &pred.column(0).to_vec());
/// let imp = PermutationImportance::new().seed(1).compute(&mut net, x.view(), &mut r2)?;
/// assert_eq!(imp.baseline_score, 1.0);
/// assert!(imp.mean[0] > 0.5);
/// assert_eq!(imp.mean[1], 0.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PermutationImportance {
    n_repeats: usize,
    seed: u64,
}

/// Importances: `baseline_score − permuted score` per column and repeat.
#[derive(Debug, Clone, PartialEq)]
pub struct Importances {
    /// The score on the unshuffled data.
    pub baseline_score: f64,
    /// `columns × n_repeats` drops in score.
    pub importances: Array2<f64>,
    /// The mean drop per column.
    pub mean: Array1<f64>,
    /// The population standard deviation (`ddof = 0`) of the drops per column.
    pub std: Array1<f64>,
}

/// A scorer: higher is better.
pub type Scorer<'s, F> = dyn FnMut(ArrayView2<'_, F>) -> Result<f64> + 's;

impl Default for PermutationImportance {
    fn default() -> Self {
        PermutationImportance {
            n_repeats: 5,
            seed: 0,
        }
    }
}

impl PermutationImportance {
    /// scikit-learn's defaults: 5 repeats (seed 0).
    ///
    /// ```
    /// assert_eq!(tuneup::explain::PermutationImportance::new(), Default::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Shuffles per column.
    ///
    /// ```
    /// assert!(tuneup::explain::PermutationImportance::new().n_repeats(0).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for 0.
    pub fn n_repeats(mut self, n_repeats: usize) -> Result<Self> {
        if n_repeats == 0 {
            return Err(Error::config(
                "PermutationImportance.n_repeats",
                0,
                "at least 1",
            ));
        }
        self.n_repeats = n_repeats;
        Ok(self)
    }

    /// The seed of the shuffles: the same seed gives the same importances.
    ///
    /// ```
    /// let p = tuneup::explain::PermutationImportance::new();
    /// assert_ne!(p.seed(3), p);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The importances of every column of `x` under `score`.
    ///
    /// # Errors
    /// An empty or non-finite `x`, and the errors of the model and of `score`.
    pub fn compute<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        score: &mut Scorer<'_, F>,
    ) -> Result<Importances> {
        check::rows("PermutationImportance", x)?;
        let mut rng = StdRng::seed_from_u64(self.seed);
        let permutations: Vec<Vec<Vec<usize>>> = (0..x.ncols())
            .map(|_| {
                let mut order: Vec<usize> = (0..x.nrows()).collect();
                (0..self.n_repeats)
                    .map(|_| {
                        order.shuffle(&mut rng);
                        order.clone()
                    })
                    .collect()
            })
            .collect();
        permutation_importance_with(model, x, &permutations, score)
    }
}

/// Permutation importance with given shuffles: `permutations[j][k]` is the row order of
/// column `j` in repeat `k` (column `j` of the shuffled data is `x[permutations[j][k][r], j]`),
/// for replaying another library's random stream.
///
/// ```
/// use tuneup::explain::permutation_importance_with;
/// use tuneup::prelude::*;
/// let mut net = Sequential::<f64>::new().push(Linear::from_weights(ndarray::array![[1.0]], None)?);
/// let x = ndarray::array![[1.0], [2.0]];
/// let mut first = |p: ndarray::ArrayView2<'_, f64>| Ok(p[[0, 0]]);
/// let imp = permutation_importance_with(&mut net, x.view(), &[vec![vec![1, 0]]], &mut first)?;
/// assert_eq!(imp.importances[[0, 0]], 1.0 - 2.0);
/// assert!(permutation_importance_with(&mut net, x.view(), &[vec![vec![0, 0]]], &mut first).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
///
/// # Errors
/// An empty or non-finite `x`, not one list per column, lists of unequal lengths, an entry
/// that is not a permutation of the rows, and the errors of the model and of `score`.
pub fn permutation_importance_with<F: Float>(
    model: &mut dyn Layer<F>,
    x: ArrayView2<'_, F>,
    permutations: &[Vec<Vec<usize>>],
    score: &mut Scorer<'_, F>,
) -> Result<Importances> {
    check::rows("permutation_importance_with", x)?;
    let repeats = check_permutations(permutations, x.nrows(), x.ncols())?;
    let baseline_score = score(outputs(model, x)?.view())?;
    let mut importances = Array2::zeros((x.ncols(), repeats));
    let mut shuffled = x.to_owned();
    for (j, orders) in permutations.iter().enumerate() {
        for (k, order) in orders.iter().enumerate() {
            for (r, &source) in order.iter().enumerate() {
                shuffled[[r, j]] = x[[source, j]];
            }
            importances[[j, k]] = baseline_score - score(outputs(model, shuffled.view())?.view())?;
        }
        shuffled.column_mut(j).assign(&x.column(j));
    }
    let mean = importances.mean_axis(ndarray::Axis(1)).unwrap_or_default();
    let std = importances.std_axis(ndarray::Axis(1), 0.0);
    Ok(Importances {
        baseline_score,
        importances,
        mean,
        std,
    })
}

/// The number of repeats, after checking every list is a permutation of `0..rows`.
fn check_permutations(
    permutations: &[Vec<Vec<usize>>],
    rows: usize,
    columns: usize,
) -> Result<usize> {
    let context = "permutation_importance_with";
    if permutations.len() != columns {
        return Err(Error::shape(
            context,
            format!("one list of shuffles per column ({columns})"),
            permutations.len(),
        ));
    }
    let repeats = permutations[0].len();
    if repeats == 0 {
        return Err(Error::value(
            context,
            "at least one shuffle per column",
            "none",
        ));
    }
    for (j, orders) in permutations.iter().enumerate() {
        if orders.len() != repeats {
            return Err(Error::shape(
                context,
                format!("{repeats} shuffles for column {j}"),
                orders.len(),
            ));
        }
        for (k, order) in orders.iter().enumerate() {
            let mut seen = vec![false; rows];
            let is_permutation = order.len() == rows
                && order
                    .iter()
                    .all(|&r| r < rows && !std::mem::replace(&mut seen[r], true));
            if !is_permutation {
                return Err(Error::value(
                    context,
                    format!("a permutation of the {rows} rows"),
                    format!("shuffle {k} of column {j}"),
                ));
            }
        }
    }
    Ok(repeats)
}
