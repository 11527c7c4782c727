//! Repeated Edited Nearest Neighbours and the stopping rules shared with AllKNN
//! (imbalanced-learn's `RepeatedEditedNearestNeighbours`).

use ndarray::{ArrayView2, Axis};

use super::cleaning::{check_clean, first_minority, select, CleaningStrategy};
use super::edited_nearest_neighbours::{EditedNearestNeighbours, EnnKind};
use super::random_sampling::Selection;
use super::sampling_strategy::class_counts;
use super::smote::check_neighbors;
use super::{Resampled, Resampler};
use crate::{Float, Result};

const CONTEXT: &str = "RepeatedEditedNearestNeighbours";

/// Repeated ENN (Tomek, 1976) with imbalanced-learn's semantics: [`EditedNearestNeighbours`]
/// applied again to its own output until it removes nothing, `max_iter` rounds have run, a
/// cleaned class falls below the minority's original size, or a class disappears.
///
/// The minority is the class with the fewest samples, ties going to the one that appears
/// first in `y` (imbalanced-learn's `Counter` order). Each round's strategy is evaluated on
/// that round's labels, as imbalanced-learn does.
///
/// ```
/// use tuneup::data::{EditedNearestNeighbours, RepeatedEditedNearestNeighbours};
/// use ndarray::array;
/// let x = array![[0.0], [0.1], [0.2], [0.3], [0.35], [0.4], [5.0], [5.1], [5.2], [5.3]];
/// let y = [0, 0, 0, 0, 1, 0, 1, 1, 1, 1];
/// let once = EditedNearestNeighbours::new().fit_resample(&x.view(), &y)?;
/// let repeated = RepeatedEditedNearestNeighbours::new().fit_resample(&x.view(), &y)?;
/// assert!(repeated.y.len() <= once.y.len());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatedEditedNearestNeighbours {
    enn: EditedNearestNeighbours,
    max_iter: usize,
}

impl Default for RepeatedEditedNearestNeighbours {
    fn default() -> Self {
        RepeatedEditedNearestNeighbours {
            enn: EditedNearestNeighbours::new(),
            max_iter: 100,
        }
    }
}

/// After a round: whether a cleaned class fell below the minority's original size, and
/// whether a class disappeared (imbalanced-learn's stopping rules).
pub(crate) fn stop_after_round(original: &[usize], current: &[usize]) -> (bool, bool) {
    let orig = class_counts(original);
    let (minority, _) = first_minority(original);
    let now = class_counts(current);
    let min_became_maj = now
        .iter()
        .any(|(&c, &n)| c != minority && n < orig[&minority]);
    let class_removed = now.len() < orig.len();
    (min_became_maj, class_removed)
}

/// One ENN round on the rows `idx` of `x`: the surviving rows (as indices into `x`).
pub(crate) fn enn_round<F: Float>(
    enn: &EditedNearestNeighbours,
    x: &ArrayView2<'_, F>,
    y: &[usize],
    idx: &[usize],
) -> Result<Vec<usize>> {
    let xs = x.select(Axis(0), idx);
    let ys: Vec<usize> = idx.iter().map(|&i| y[i]).collect();
    let kept = enn.kept(&xs.view(), &ys)?;
    Ok(kept.into_iter().map(|p| idx[p]).collect())
}

impl RepeatedEditedNearestNeighbours {
    /// RENN with 3 neighbours, kind `All`, at most 100 rounds.
    ///
    /// ```
    /// let r = tuneup::data::RepeatedEditedNearestNeighbours::new();
    /// # let _ = r;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the classes that may lose samples.
    ///
    /// ```
    /// use tuneup::data::{CleaningStrategy, RepeatedEditedNearestNeighbours};
    /// let r = RepeatedEditedNearestNeighbours::new().sampling_strategy(CleaningStrategy::All);
    /// # let _ = r;
    /// ```
    pub fn sampling_strategy(mut self, strategy: CleaningStrategy) -> Self {
        self.enn = self.enn.sampling_strategy(strategy);
        self
    }

    /// Sets the neighbourhood size (at least 1).
    ///
    /// ```
    /// assert!(tuneup::data::RepeatedEditedNearestNeighbours::new().n_neighbors(0).is_err());
    /// ```
    pub fn n_neighbors(mut self, k: usize) -> Result<Self> {
        self.enn = self.enn.n_neighbors(k)?;
        Ok(self)
    }

    /// Sets how the neighbours must agree.
    ///
    /// ```
    /// use tuneup::data::{EnnKind, RepeatedEditedNearestNeighbours};
    /// let r = RepeatedEditedNearestNeighbours::new().kind(EnnKind::Mode);
    /// # let _ = r;
    /// ```
    pub fn kind(mut self, kind: EnnKind) -> Self {
        self.enn = self.enn.kind(kind);
        self
    }

    /// Sets the most rounds (at least 1; 0 is an [`Error::Config`]).
    ///
    /// [`Error::Config`]: crate::Error::Config
    ///
    /// ```
    /// assert!(tuneup::data::RepeatedEditedNearestNeighbours::new().max_iter(0).is_err());
    /// ```
    pub fn max_iter(mut self, max_iter: usize) -> Result<Self> {
        self.max_iter = check_neighbors("RepeatedEditedNearestNeighbours.max_iter", max_iter)?;
        Ok(self)
    }

    /// Cleans `x` round after round; also returns the number of rounds run (imbalanced-learn's
    /// `n_iter_`). The inputs are only read.
    ///
    /// Errors: those of [`EditedNearestNeighbours::fit_resample`], in any round.
    ///
    /// ```
    /// use tuneup::data::RepeatedEditedNearestNeighbours;
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0], [3.0], [10.0], [11.0], [12.0], [13.0]];
    /// let (out, rounds) = RepeatedEditedNearestNeighbours::new()
    ///     .fit_resample_rounds(&x.view(), &[0, 0, 0, 0, 1, 1, 1, 1])?;
    /// assert_eq!((out.y.len(), rounds), (8, 1)); // nothing to remove: converged at once
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit_resample_rounds<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<(Selection<F>, usize)> {
        check_clean(CONTEXT, x, y)?;
        let mut idx: Vec<usize> = (0..y.len()).collect();
        let mut rounds = 0;
        for _ in 0..self.max_iter {
            rounds += 1;
            let before = idx.len();
            idx = enn_round(&self.enn, x, y, &idx)?;
            let labels: Vec<usize> = idx.iter().map(|&i| y[i]).collect();
            let (min_became_maj, class_removed) = stop_after_round(y, &labels);
            if before == idx.len() || min_became_maj || class_removed {
                break;
            }
        }
        Ok((select(x, y, idx), rounds))
    }

    /// Cleans `x` round after round (see [`fit_resample_rounds`](Self::fit_resample_rounds)).
    ///
    /// ```
    /// use tuneup::data::RepeatedEditedNearestNeighbours;
    /// use ndarray::array;
    /// let x = array![[0.0], [0.1], [0.2], [0.15], [5.0], [5.1], [5.2], [5.3]];
    /// let out = RepeatedEditedNearestNeighbours::new()
    ///     .fit_resample(&x.view(), &[0, 0, 0, 1, 1, 1, 1, 1])?;
    /// assert!(!out.indices.contains(&3));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit_resample<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<Selection<F>> {
        Ok(self.fit_resample_rounds(x, y)?.0)
    }
}

impl<F: Float> Resampler<F> for RepeatedEditedNearestNeighbours {
    fn resample(&self, x: ArrayView2<'_, F>, y: &[usize]) -> Result<Resampled<F>> {
        Ok(self.fit_resample(&x, y)?.into())
    }

    fn resampler_name(&self) -> String {
        CONTEXT.to_string()
    }
}
