//! Tomek links: removes samples whose nearest neighbour is of another class and has them as
//! its own nearest neighbour (imbalanced-learn's `TomekLinks`).

use ndarray::ArrayView2;

use super::cleaning::{check_clean, check_k, kneighbors, select, CleaningStrategy};
use super::neighbors::KdTree;
use super::random_sampling::Selection;
use super::{Resampled, Resampler};
use crate::{Float, Result};

const CONTEXT: &str = "TomekLinks";

/// Tomek links under-sampling (Tomek, 1976) with imbalanced-learn's semantics.
///
/// Two samples of different classes form a link when each is the other's nearest neighbour
/// (Euclidean distance, the sample itself excluded, ties by row order). A sample of a
/// targeted class ([`CleaningStrategy`], by default every class but the minority) that is in
/// a link is removed; the kept rows stay in input order.
///
/// ```
/// use tuneup::data::TomekLinks;
/// use ndarray::array;
/// let x = array![[0.0], [1.0], [2.0], [2.1], [5.0]];
/// let y = [0, 0, 0, 1, 1];
/// let out = TomekLinks::new().fit_resample(&x.view(), &y)?;
/// assert_eq!(out.indices, vec![0, 1, 3, 4]); // rows 2 and 3 form a link; 2 is removed
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TomekLinks {
    strategy: CleaningStrategy,
}

impl TomekLinks {
    /// Tomek links removing samples of every class but the minority.
    ///
    /// ```
    /// let t = tuneup::data::TomekLinks::new();
    /// # let _ = t;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the classes whose linked samples are removed.
    ///
    /// ```
    /// use tuneup::data::{CleaningStrategy, TomekLinks};
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0], [2.1], [5.0]];
    /// let out = TomekLinks::new().sampling_strategy(CleaningStrategy::All)
    ///     .fit_resample(&x.view(), &[0, 0, 0, 1, 1])?;
    /// assert_eq!(out.indices, vec![0, 1, 4]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn sampling_strategy(mut self, strategy: CleaningStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Removes the targeted samples in Tomek links; the inputs are only read.
    ///
    /// Errors: `y` not one label per row, or empty data ([`Error::Shape`]); a NaN or
    /// infinite value ([`Error::NonFinite`]); fewer than two classes, or fewer than two rows
    /// ([`Error::Value`]).
    ///
    /// [`Error::Shape`]: crate::Error::Shape
    /// [`Error::NonFinite`]: crate::Error::NonFinite
    /// [`Error::Value`]: crate::Error::Value
    ///
    /// ```
    /// use tuneup::data::TomekLinks;
    /// use ndarray::array;
    /// assert!(TomekLinks::new().fit_resample(&array![[0.0], [1.0]].view(), &[0, 0]).is_err());
    /// ```
    pub fn fit_resample<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<Selection<F>> {
        check_clean(CONTEXT, x, y)?;
        let targets = self.strategy.classes(y)?;
        let links = tomek_links(x, y, &targets)?;
        let kept = (0..y.len()).filter(|&i| !links[i]).collect();
        Ok(select(x, y, kept))
    }
}

/// Which samples of the `targets` classes are in a Tomek link.
pub(crate) fn tomek_links<F: Float>(
    x: &ArrayView2<'_, F>,
    y: &[usize],
    targets: &[usize],
) -> Result<Vec<bool>> {
    check_k(CONTEXT, 1, x.nrows() - 1)?;
    let tree = KdTree::new(x)?;
    let rows: Vec<usize> = (0..x.nrows()).collect();
    let nn = kneighbors(&tree, x, 1, Some(&rows))?;
    Ok((0..y.len())
        .map(|i| {
            let j = nn[[i, 0]];
            targets.contains(&y[i]) && y[j] != y[i] && nn[[j, 0]] == i
        })
        .collect())
}

impl<F: Float> Resampler<F> for TomekLinks {
    fn resample(&self, x: ArrayView2<'_, F>, y: &[usize]) -> Result<Resampled<F>> {
        Ok(self.fit_resample(&x, y)?.into())
    }

    fn resampler_name(&self) -> String {
        CONTEXT.to_string()
    }
}
