//! AllKNN: Edited Nearest Neighbours with a growing neighbourhood (imbalanced-learn's
//! `AllKNN`).

use ndarray::ArrayView2;

use super::cleaning::{check_clean, select, CleaningStrategy};
use super::edited_nearest_neighbours::{EditedNearestNeighbours, EnnKind};
use super::random_sampling::Selection;
use super::repeated_enn::{enn_round, stop_after_round};
use super::smote::check_neighbors;
use super::{Resampled, Resampler};
use crate::{Float, Result};

const CONTEXT: &str = "AllKnn";

/// AllKNN (Tomek, 1976) with imbalanced-learn's semantics: [`EditedNearestNeighbours`] with
/// 1, 2, …, `n_neighbors` neighbours, each round on the previous round's output, stopping
/// early when a cleaned class falls below the minority's original size (unless
/// [`allow_minority`](Self::allow_minority)) or a class disappears.
///
/// ```
/// use tuneup::data::AllKnn;
/// use ndarray::array;
/// let x = array![[0.0], [0.1], [0.2], [0.15], [5.0], [5.1], [5.2], [5.3]];
/// let out = AllKnn::new().fit_resample(&x.view(), &[0, 0, 0, 1, 1, 1, 1, 1])?;
/// assert!(!out.indices.contains(&3));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AllKnn {
    strategy: CleaningStrategy,
    n_neighbors: usize,
    kind: EnnKind,
    allow_minority: bool,
}

impl Default for AllKnn {
    fn default() -> Self {
        AllKnn {
            strategy: CleaningStrategy::Auto,
            n_neighbors: 3,
            kind: EnnKind::All,
            allow_minority: false,
        }
    }
}

impl AllKnn {
    /// AllKNN up to 3 neighbours, kind `All`, every class but the minority cleaned.
    ///
    /// ```
    /// let a = tuneup::data::AllKnn::new();
    /// # let _ = a;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the classes that may lose samples.
    ///
    /// ```
    /// use tuneup::data::{AllKnn, CleaningStrategy};
    /// let a = AllKnn::new().sampling_strategy(CleaningStrategy::Majority);
    /// # let _ = a;
    /// ```
    pub fn sampling_strategy(mut self, strategy: CleaningStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the largest neighbourhood (at least 1; 0 is an [`Error::Config`]).
    ///
    /// [`Error::Config`]: crate::Error::Config
    ///
    /// ```
    /// assert!(tuneup::data::AllKnn::new().n_neighbors(0).is_err());
    /// ```
    pub fn n_neighbors(mut self, k: usize) -> Result<Self> {
        self.n_neighbors = check_neighbors("AllKnn.n_neighbors", k)?;
        Ok(self)
    }

    /// Sets how the neighbours must agree.
    ///
    /// ```
    /// use tuneup::data::{AllKnn, EnnKind};
    /// let a = AllKnn::new().kind(EnnKind::Mode);
    /// # let _ = a;
    /// ```
    pub fn kind(mut self, kind: EnnKind) -> Self {
        self.kind = kind;
        self
    }

    /// Whether a cleaned class may fall below the minority's size without stopping
    /// (default `false`).
    ///
    /// ```
    /// let a = tuneup::data::AllKnn::new().allow_minority(true);
    /// # let _ = a;
    /// ```
    pub fn allow_minority(mut self, allow: bool) -> Self {
        self.allow_minority = allow;
        self
    }

    /// Cleans `x` with growing neighbourhoods; the inputs are only read.
    ///
    /// Errors: those of [`EditedNearestNeighbours::fit_resample`], in any round.
    ///
    /// ```
    /// use tuneup::data::AllKnn;
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0], [3.0], [10.0], [11.0], [12.0], [13.0]];
    /// let out = AllKnn::new().fit_resample(&x.view(), &[0, 0, 0, 0, 1, 1, 1, 1])?;
    /// assert_eq!(out.y.len(), 8);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit_resample<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<Selection<F>> {
        check_clean(CONTEXT, x, y)?;
        let mut idx: Vec<usize> = (0..y.len()).collect();
        for k in 1..=self.n_neighbors {
            let enn = EditedNearestNeighbours::new()
                .sampling_strategy(self.strategy.clone())
                .kind(self.kind)
                .n_neighbors(k)?;
            idx = enn_round(&enn, x, y, &idx)?;
            let labels: Vec<usize> = idx.iter().map(|&i| y[i]).collect();
            let (min_became_maj, class_removed) = stop_after_round(y, &labels);
            if (min_became_maj && !self.allow_minority) || class_removed {
                break;
            }
        }
        Ok(select(x, y, idx))
    }
}

impl<F: Float> Resampler<F> for AllKnn {
    fn resample(&self, x: ArrayView2<'_, F>, y: &[usize]) -> Result<Resampled<F>> {
        Ok(self.fit_resample(&x, y)?.into())
    }

    fn resampler_name(&self) -> String {
        CONTEXT.to_string()
    }
}
