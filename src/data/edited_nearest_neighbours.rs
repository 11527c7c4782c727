//! Edited Nearest Neighbours: removes samples that disagree with their neighbourhood
//! (imbalanced-learn's `EditedNearestNeighbours`).

use ndarray::ArrayView2;

use super::cleaning::{check_clean, check_k, kneighbors, select, CleaningStrategy};
use super::neighbors::KdTree;
use super::random_sampling::Selection;
use super::sampling_strategy::class_counts;
use super::smote::check_neighbors;
use super::{Resampled, Resampler};
use crate::{Float, Result};

const CONTEXT: &str = "EditedNearestNeighbours";

/// How a sample's neighbours must agree with it for the sample to be kept (imbalanced-learn's
/// `kind_sel`).
///
/// ```
/// use tuneup::data::EnnKind;
/// assert_eq!(EnnKind::default(), EnnKind::All);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EnnKind {
    /// Every neighbour has the sample's class (the default; removes more).
    #[default]
    All,
    /// The most common class among the neighbours (the smallest label on ties) is the
    /// sample's.
    Mode,
}

/// Edited Nearest Neighbours (Wilson, 1972) with imbalanced-learn's semantics.
///
/// Each sample of a targeted class ([`CleaningStrategy`], by default every class but the
/// minority) is compared with its `n_neighbors` nearest neighbours among all samples (itself
/// excluded; Euclidean, ties by row order) and removed unless they agree with it
/// ([`EnnKind`]). The kept rows come class by class in label order, in input order within a
/// class, as imbalanced-learn returns them.
///
/// ```
/// use tuneup::data::EditedNearestNeighbours;
/// use ndarray::array;
/// let x = array![[0.0], [0.1], [0.2], [0.15], [5.0], [5.1], [5.2], [5.3]];
/// let y = [0, 0, 0, 1, 1, 1, 1, 1];
/// let out = EditedNearestNeighbours::new().fit_resample(&x.view(), &y)?;
/// assert_eq!(out.indices, vec![0, 1, 2, 4, 5, 6, 7]); // row 3 sits among class 0
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EditedNearestNeighbours {
    strategy: CleaningStrategy,
    n_neighbors: usize,
    kind: EnnKind,
}

impl Default for EditedNearestNeighbours {
    fn default() -> Self {
        EditedNearestNeighbours {
            strategy: CleaningStrategy::Auto,
            n_neighbors: 3,
            kind: EnnKind::All,
        }
    }
}

impl EditedNearestNeighbours {
    /// ENN with 3 neighbours, kind `All`, every class but the minority cleaned.
    ///
    /// ```
    /// let e = tuneup::data::EditedNearestNeighbours::new();
    /// # let _ = e;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the classes that may lose samples.
    ///
    /// ```
    /// use tuneup::data::{CleaningStrategy, EditedNearestNeighbours};
    /// let e = EditedNearestNeighbours::new().sampling_strategy(CleaningStrategy::All);
    /// # let _ = e;
    /// ```
    pub fn sampling_strategy(mut self, strategy: CleaningStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the neighbourhood size (at least 1; 0 is an [`Error::Config`]).
    ///
    /// [`Error::Config`]: crate::Error::Config
    ///
    /// ```
    /// assert!(tuneup::data::EditedNearestNeighbours::new().n_neighbors(0).is_err());
    /// ```
    pub fn n_neighbors(mut self, k: usize) -> Result<Self> {
        self.n_neighbors = check_neighbors("EditedNearestNeighbours.n_neighbors", k)?;
        Ok(self)
    }

    /// Sets how the neighbours must agree.
    ///
    /// ```
    /// use tuneup::data::{EditedNearestNeighbours, EnnKind};
    /// let e = EditedNearestNeighbours::new().kind(EnnKind::Mode);
    /// # let _ = e;
    /// ```
    pub fn kind(mut self, kind: EnnKind) -> Self {
        self.kind = kind;
        self
    }

    /// Removes the targeted samples that disagree with their neighbours; the inputs are only
    /// read.
    ///
    /// Errors: `y` not one label per row, or empty data ([`Error::Shape`]); a NaN or
    /// infinite value ([`Error::NonFinite`]); fewer than two classes, or no more rows than
    /// `n_neighbors` ([`Error::Value`], "Expected n_neighbors <= n_samples_fit").
    ///
    /// [`Error::Shape`]: crate::Error::Shape
    /// [`Error::NonFinite`]: crate::Error::NonFinite
    /// [`Error::Value`]: crate::Error::Value
    ///
    /// ```
    /// use tuneup::data::EditedNearestNeighbours;
    /// use ndarray::array;
    /// let err = EditedNearestNeighbours::new()
    ///     .fit_resample(&array![[0.0], [1.0], [2.0]].view(), &[0, 0, 1]).unwrap_err();
    /// assert!(err.to_string().contains("n_neighbors <= n_samples_fit"));
    /// ```
    pub fn fit_resample<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<Selection<F>> {
        check_clean(CONTEXT, x, y)?;
        let kept = self.kept(x, y)?;
        Ok(select(x, y, kept))
    }

    /// The kept row indices (checks done by the caller, except the strategy's and `k`'s).
    pub(crate) fn kept<F: Float>(&self, x: &ArrayView2<'_, F>, y: &[usize]) -> Result<Vec<usize>> {
        let targets = self.strategy.classes(y)?;
        check_k(CONTEXT, self.n_neighbors, x.nrows() - 1)?;
        let tree = KdTree::new(x)?;
        let rows: Vec<usize> = (0..y.len()).filter(|&i| targets.contains(&y[i])).collect();
        let queries = x.select(ndarray::Axis(0), &rows);
        let nn = kneighbors(&tree, &queries.view(), self.n_neighbors, Some(&rows))?;
        let mut keep = vec![true; y.len()];
        for (q, &i) in rows.iter().enumerate() {
            let labels = nn.row(q).iter().map(|&j| y[j]).collect::<Vec<_>>();
            keep[i] = match self.kind {
                EnnKind::All => labels.iter().all(|&c| c == y[i]),
                EnnKind::Mode => mode(&labels) == y[i],
            };
        }
        let mut out = Vec::with_capacity(y.len());
        for &c in class_counts(y).keys() {
            out.extend((0..y.len()).filter(|&i| y[i] == c && keep[i]));
        }
        Ok(out)
    }
}

/// The most common label, the smallest on ties (`scipy.stats.mode`).
pub(crate) fn mode(labels: &[usize]) -> usize {
    let counts = class_counts(labels);
    let mut best = (0, 0);
    for (&c, &n) in &counts {
        if n > best.1 {
            best = (c, n);
        }
    }
    best.0
}

impl<F: Float> Resampler<F> for EditedNearestNeighbours {
    fn resample(&self, x: ArrayView2<'_, F>, y: &[usize]) -> Result<Resampled<F>> {
        Ok(self.fit_resample(&x, y)?.into())
    }

    fn resampler_name(&self) -> String {
        CONTEXT.to_string()
    }
}
