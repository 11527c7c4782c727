//! The Neighbourhood Cleaning Rule (imbalanced-learn's `NeighbourhoodCleaningRule`, ≥ 0.12).

use std::collections::BTreeSet;

use ndarray::{ArrayView2, Axis};

use super::cleaning::{check_clean, check_k, first_minority, kneighbors, select, CleaningStrategy};
use super::edited_nearest_neighbours::{mode, EditedNearestNeighbours, EnnKind};
use super::neighbors::KdTree;
use super::random_sampling::Selection;
use super::sampling_strategy::class_counts;
use super::smote::check_neighbors;
use super::{Resampled, Resampler};
use crate::{Error, Float, Result};

const CONTEXT: &str = "NeighbourhoodCleaningRule";

/// The Neighbourhood Cleaning Rule (Laurikkala, 2001) with imbalanced-learn's semantics
/// (version 0.12 and later).
///
/// Removes the union of two sets: the samples [`EditedNearestNeighbours`] (kind
/// [`Mode`](EnnKind::Mode), `n_neighbors`) removes, and the `n_neighbors` nearest
/// neighbours of every minority sample that a `n_neighbors`-nearest-neighbour vote (the
/// sample itself included, ties to the smallest label) misclassifies, when they belong to a
/// targeted class with more than `threshold_cleaning` × the minority's size. Kept rows stay in
/// input order. The minority is the smallest class, ties to the one appearing first in `y`.
///
/// ```
/// use tuneup::data::NeighbourhoodCleaningRule;
/// use ndarray::array;
/// let x = array![[0.0], [0.05], [0.1], [0.2], [0.3], [0.25], [5.0], [5.1], [5.2]];
/// let y = [0, 0, 0, 0, 0, 1, 1, 1, 1];
/// let out = NeighbourhoodCleaningRule::new().fit_resample(&x.view(), &y)?;
/// // Row 5 is outvoted by its neighbours, so its 3 nearest neighbours (rows 3, 4, 2) go.
/// assert_eq!(out.indices, vec![0, 1, 5, 6, 7, 8]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NeighbourhoodCleaningRule {
    strategy: CleaningStrategy,
    n_neighbors: usize,
    threshold_cleaning: f64,
}

impl Default for NeighbourhoodCleaningRule {
    fn default() -> Self {
        NeighbourhoodCleaningRule {
            strategy: CleaningStrategy::Auto,
            n_neighbors: 3,
            threshold_cleaning: 0.5,
        }
    }
}

impl NeighbourhoodCleaningRule {
    /// NCR with 3 neighbours and `threshold_cleaning = 0.5`, every class but the minority
    /// cleaned.
    ///
    /// ```
    /// let n = tuneup::data::NeighbourhoodCleaningRule::new();
    /// # let _ = n;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the classes that may lose samples.
    ///
    /// ```
    /// use tuneup::data::{CleaningStrategy, NeighbourhoodCleaningRule};
    /// let n = NeighbourhoodCleaningRule::new().sampling_strategy(CleaningStrategy::Majority);
    /// # let _ = n;
    /// ```
    pub fn sampling_strategy(mut self, strategy: CleaningStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the neighbourhood size (at least 1).
    ///
    /// ```
    /// assert!(tuneup::data::NeighbourhoodCleaningRule::new().n_neighbors(0).is_err());
    /// ```
    pub fn n_neighbors(mut self, k: usize) -> Result<Self> {
        self.n_neighbors = check_neighbors("NeighbourhoodCleaningRule.n_neighbors", k)?;
        Ok(self)
    }

    /// Sets the size, relative to the minority, above which a class is cleaned around the
    /// misclassified minority samples (positive; otherwise an [`Error::Config`]).
    ///
    /// ```
    /// assert!(tuneup::data::NeighbourhoodCleaningRule::new().threshold_cleaning(0.0).is_err());
    /// ```
    pub fn threshold_cleaning(mut self, threshold: f64) -> Result<Self> {
        if !(threshold > 0.0 && threshold.is_finite()) {
            return Err(Error::config(
                "NeighbourhoodCleaningRule.threshold_cleaning",
                threshold,
                "a positive number",
            ));
        }
        self.threshold_cleaning = threshold;
        Ok(self)
    }

    /// Cleans `x`; the inputs are only read.
    ///
    /// Errors: those of [`EditedNearestNeighbours::fit_resample`].
    ///
    /// ```
    /// use tuneup::data::NeighbourhoodCleaningRule;
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0]];
    /// assert!(NeighbourhoodCleaningRule::new().fit_resample(&x.view(), &[0, 0, 1]).is_err());
    /// ```
    pub fn fit_resample<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<Selection<F>> {
        check_clean(CONTEXT, x, y)?;
        let enn = EditedNearestNeighbours::new()
            .sampling_strategy(self.strategy.clone())
            .kind(EnnKind::Mode)
            .n_neighbors(self.n_neighbors)?;
        let mut removed = vec![true; y.len()];
        for i in enn.kept(x, y)? {
            removed[i] = false;
        }
        let counts = class_counts(y);
        let (minority, n_min) = first_minority(y);
        let to_clean: BTreeSet<usize> = self
            .strategy
            .classes(y)?
            .into_iter()
            .filter(|c| counts[c] as f64 > n_min as f64 * self.threshold_cleaning)
            .collect();
        check_k(CONTEXT, self.n_neighbors, x.nrows() - 1)?;
        let tree = KdTree::new(x)?;
        let min_rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == minority).collect();
        let x_min = x.select(Axis(0), &min_rows);
        let nn = kneighbors(&tree, &x_min.view(), self.n_neighbors, Some(&min_rows))?;
        for (q, &i) in min_rows.iter().enumerate() {
            // The vote counts the sample itself, then its k − 1 nearest others.
            let mut votes = vec![y[i]];
            votes.extend(nn.row(q).iter().take(self.n_neighbors - 1).map(|&j| y[j]));
            if mode(&votes) != y[i] {
                for &j in nn.row(q) {
                    if to_clean.contains(&y[j]) {
                        removed[j] = true;
                    }
                }
            }
        }
        let kept = (0..y.len()).filter(|&i| !removed[i]).collect();
        Ok(select(x, y, kept))
    }
}

impl<F: Float> Resampler<F> for NeighbourhoodCleaningRule {
    fn resample(&self, x: ArrayView2<'_, F>, y: &[usize]) -> Result<Resampled<F>> {
        Ok(self.fit_resample(&x, y)?.into())
    }

    fn resampler_name(&self) -> String {
        CONTEXT.to_string()
    }
}
