//! NearMiss 1, 2 and 3: under-sampling that keeps the samples nearest to (or farthest from)
//! the minority class (imbalanced-learn's `NearMiss`).

use ndarray::{ArrayView2, Axis};

use super::cleaning::{check_clean, check_k, first_minority, kneighbors, select};
use super::neighbors::KdTree;
use super::random_sampling::Selection;
use super::sampling_strategy::class_counts;
use super::smote::check_neighbors;
use super::{Resampled, Resampler, SamplingStrategy};
use crate::{Error, Float, Result};

const CONTEXT: &str = "NearMiss";

/// NearMiss (Mani and Zhang, 2003) with imbalanced-learn's semantics.
///
/// For each class the [`SamplingStrategy`] shrinks (by default every class but the minority,
/// down to the minority's size), every sample gets the sum of its Euclidean distances to
/// minority samples, and the samples are kept in order of that sum (a stable sort, so equal
/// sums keep row order):
///
/// * version 1: the `n_neighbors` nearest minority samples; the smallest sums are kept;
/// * version 2: the `n_neighbors` farthest minority samples; the smallest sums are kept;
/// * version 3: only the samples among the `n_neighbors_ver3` nearest of some minority sample
///   are candidates; the sum over their `n_neighbors` nearest minority samples, largest kept
///   (so it may keep fewer samples than asked).
///
/// The minority is the smallest class, ties to the one appearing first in `y`. Rows come
/// class by class in label order; within a shrunk class in the order of selection.
///
/// ```
/// use tuneup::data::NearMiss;
/// use ndarray::array;
/// let x = array![[0.0], [1.0], [5.0], [9.0], [10.0]];
/// let y = [0, 0, 0, 1, 1];
/// let out = NearMiss::new(1)?.n_neighbors(1)?.fit_resample(&x.view(), &y)?;
/// assert_eq!(out.indices, vec![2, 1, 3, 4]); // class 0 keeps the two rows nearest class 1
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NearMiss {
    version: u8,
    strategy: SamplingStrategy,
    n_neighbors: usize,
    n_neighbors_ver3: usize,
}

impl NearMiss {
    /// NearMiss of `version` 1, 2 or 3, with 3 neighbours (3 for version 3's candidates) and
    /// the [`Auto`](SamplingStrategy::Auto) strategy.
    ///
    /// Errors: another version ([`Error::Config`]).
    ///
    /// ```
    /// assert!(tuneup::data::NearMiss::new(4).is_err());
    /// ```
    pub fn new(version: u8) -> Result<Self> {
        if !(1..=3).contains(&version) {
            return Err(Error::config("NearMiss.version", version, "1, 2 or 3"));
        }
        Ok(NearMiss {
            version,
            strategy: SamplingStrategy::Auto,
            n_neighbors: 3,
            n_neighbors_ver3: 3,
        })
    }

    /// Sets how many samples each class keeps.
    ///
    /// ```
    /// use tuneup::data::{NearMiss, SamplingStrategy};
    /// let n = NearMiss::new(2)?.sampling_strategy(SamplingStrategy::Ratio(0.5));
    /// # let _ = n;
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn sampling_strategy(mut self, strategy: SamplingStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the number of minority neighbours whose distances are summed (at least 1).
    ///
    /// ```
    /// assert!(tuneup::data::NearMiss::new(1)?.n_neighbors(0).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_neighbors(mut self, k: usize) -> Result<Self> {
        self.n_neighbors = check_neighbors("NearMiss.n_neighbors", k)?;
        Ok(self)
    }

    /// Sets version 3's candidate neighbourhood (at least 1).
    ///
    /// ```
    /// assert!(tuneup::data::NearMiss::new(3)?.n_neighbors_ver3(0).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_neighbors_ver3(mut self, k: usize) -> Result<Self> {
        self.n_neighbors_ver3 = check_neighbors("NearMiss.n_neighbors_ver3", k)?;
        Ok(self)
    }

    /// Under-samples `x`; the inputs are only read.
    ///
    /// Errors: `y` not one label per row, or empty data ([`Error::Shape`]); a NaN or
    /// infinite value ([`Error::NonFinite`]); the strategy's errors; more neighbours than the
    /// minority (or, for version 3's candidates, the class) has samples ([`Error::Value`]).
    ///
    /// [`Error::Shape`]: crate::Error::Shape
    /// [`Error::NonFinite`]: crate::Error::NonFinite
    ///
    /// ```
    /// use tuneup::data::NearMiss;
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [5.0], [9.0], [10.0]];
    /// assert!(NearMiss::new(1)?.fit_resample(&x.view(), &[0, 0, 0, 1, 1]).is_err()); // 3 > 2
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit_resample<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<Selection<F>> {
        check_clean(CONTEXT, x, y)?;
        let targets = self.strategy.under_sampling_targets(y)?;
        let (minority, n_min) = first_minority(y);
        let min_rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == minority).collect();
        let x_min = x.select(Axis(0), &min_rows);
        check_k(CONTEXT, self.n_neighbors, n_min)?;
        let tree = KdTree::new(&x_min.view())?;
        let mut out = Vec::with_capacity(y.len());
        for &c in class_counts(y).keys() {
            let rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == c).collect();
            match targets.get(&c) {
                Some(&n_keep) => {
                    let xc = x.select(Axis(0), &rows);
                    let picked = match self.version {
                        1 => self.nearest_sums(&tree, &x_min.view(), &xc.view(), n_keep)?,
                        2 => farthest_sums(&x_min.view(), &xc.view(), self.n_neighbors, n_keep),
                        _ => self.version3(&tree, &x_min.view(), &xc.view(), n_keep)?,
                    };
                    out.extend(picked.into_iter().map(|p| rows[p]));
                }
                None => out.extend(rows),
            }
        }
        Ok(select(x, y, out))
    }

    /// Version 1: the rows of `xc` with the smallest sums over their nearest minority rows.
    fn nearest_sums<F: Float>(
        &self,
        tree: &KdTree<F>,
        x_min: &ArrayView2<'_, F>,
        xc: &ArrayView2<'_, F>,
        n_keep: usize,
    ) -> Result<Vec<usize>> {
        let sums = neighbour_sums(tree, x_min, xc, self.n_neighbors)?;
        Ok(order(&sums, false, n_keep))
    }

    /// Version 3: candidates near the minority, the largest sums kept.
    fn version3<F: Float>(
        &self,
        tree: &KdTree<F>,
        x_min: &ArrayView2<'_, F>,
        xc: &ArrayView2<'_, F>,
        n_keep: usize,
    ) -> Result<Vec<usize>> {
        check_k(CONTEXT, self.n_neighbors_ver3, xc.nrows())?;
        let class_tree = KdTree::new(xc)?;
        let near = kneighbors(&class_tree, x_min, self.n_neighbors_ver3, None)?;
        let mut candidates: Vec<usize> = near.iter().copied().collect();
        candidates.sort_unstable();
        candidates.dedup();
        let xs = xc.select(Axis(0), &candidates);
        let sums = neighbour_sums(tree, x_min, &xs.view(), self.n_neighbors)?;
        Ok(order(&sums, true, n_keep)
            .into_iter()
            .map(|p| candidates[p])
            .collect())
    }
}

/// The Euclidean distance between two rows, summed in f64.
fn distance<F: Float>(a: ndarray::ArrayView1<'_, F>, b: ndarray::ArrayView1<'_, F>) -> f64 {
    a.iter()
        .zip(b.iter())
        .map(|(&p, &q)| {
            let t = (p - q).to_f64().unwrap_or(f64::NAN);
            t * t
        })
        .sum::<f64>()
        .sqrt()
}

/// For each row of `queries`, the sum of its distances to its `k` nearest minority rows.
fn neighbour_sums<F: Float>(
    tree: &KdTree<F>,
    x_min: &ArrayView2<'_, F>,
    queries: &ArrayView2<'_, F>,
    k: usize,
) -> Result<Vec<f64>> {
    let nn = kneighbors(tree, queries, k, None)?;
    Ok((0..queries.nrows())
        .map(|q| {
            nn.row(q)
                .iter()
                .map(|&j| distance(queries.row(q), x_min.row(j)))
                .sum()
        })
        .collect())
}

/// Version 2: for each row of `xc`, the sum of its distances to its `k` farthest minority
/// rows; the smallest sums kept.
fn farthest_sums<F: Float>(
    x_min: &ArrayView2<'_, F>,
    xc: &ArrayView2<'_, F>,
    k: usize,
    n_keep: usize,
) -> Vec<usize> {
    let mut d = Vec::with_capacity(x_min.nrows());
    let sums: Vec<f64> = xc
        .rows()
        .into_iter()
        .map(|r| {
            d.clear();
            d.extend(x_min.rows().into_iter().map(|m| distance(r, m)));
            d.sort_unstable_by(f64::total_cmp);
            d[d.len() - k..].iter().sum()
        })
        .collect();
    order(&sums, false, n_keep)
}

/// The positions of the `n` smallest (`largest = false`) or largest sums, by a stable sort.
fn order(sums: &[f64], largest: bool, n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..sums.len()).collect();
    if largest {
        idx.sort_by(|&a, &b| sums[b].total_cmp(&sums[a]));
    } else {
        idx.sort_by(|&a, &b| sums[a].total_cmp(&sums[b]));
    }
    idx.truncate(n);
    idx
}

impl<F: Float> Resampler<F> for NearMiss {
    fn resample(&self, x: ArrayView2<'_, F>, y: &[usize]) -> Result<Resampled<F>> {
        Ok(self.fit_resample(&x, y)?.into())
    }

    fn resampler_name(&self) -> String {
        CONTEXT.to_string()
    }
}
