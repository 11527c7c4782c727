//! SMOTE: synthetic minority over-sampling by interpolating between a sample and one of its
//! nearest neighbours of the same class.

use ndarray::{Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::blocks::for_each_block;
use super::neighbors::KdTree;
use super::sampling_strategy::{
    check_xy, class_rows, rows_to_matrix, rows_with_room, too_few_neighbors, Resampled,
    SamplingStrategy,
};
use crate::{Error, Float, Result};

/// Checks a neighbour count setting (at least 1).
pub(crate) fn check_neighbors(parameter: &str, k: usize) -> Result<usize> {
    if k == 0 {
        return Err(Error::config(parameter, 0, "at least 1"));
    }
    Ok(k)
}

/// Appends to `out` (row-major) `n_samples` points `base[r] + gap · (data[nn[r, c]] − base[r])`,
/// each with a uniform base row `r`, a uniform neighbour column `c` and `gap` uniform in
/// `[0, 1)`. When `shrink` is given, a neighbour whose flag is true (a neighbour of another
/// class, in Borderline-SMOTE-2) has its gap multiplied by a second uniform draw in
/// `[0, 0.5)`.
///
/// The draws are made first, in order, from `rng`; the points are then written in blocks
/// that the crate's threads claim one by one, each exactly as one thread writes it, so the
/// output does not depend on the thread count.
pub(crate) fn interpolate<F: Float>(
    base: &ArrayView2<'_, F>,
    data: &ArrayView2<'_, F>,
    nn: &Array2<usize>,
    n_samples: usize,
    shrink: Option<&[bool]>,
    rng: &mut StdRng,
    out: &mut Vec<F>,
) {
    let plan = draw_pairs(nn, n_samples, shrink, rng);
    let d = base.ncols();
    let start = out.len();
    out.resize(start + n_samples * d, F::zero());
    let tail = &mut out[start..];
    let threads = crate::linalg::num_threads()
        .min(n_samples.div_ceil(ROWS_PER_THREAD))
        .max(1);
    for_each_block(tail, BLOCK_ROWS * d, threads, |b, dst| {
        let first = b * BLOCK_ROWS;
        let part = &plan[first..(first + BLOCK_ROWS).min(plan.len())];
        write_points(base, data, part, dst);
    });
}

/// New rows per block of [`interpolate`]'s writing.
const BLOCK_ROWS: usize = 2048;

/// New rows per thread below which [`interpolate`] writes on the calling thread.
const ROWS_PER_THREAD: usize = 8192;

/// The `(base row, neighbour row, gap)` of each of `n_samples` new points, drawn in order.
fn draw_pairs<F: Float>(
    nn: &Array2<usize>,
    n_samples: usize,
    shrink: Option<&[bool]>,
    rng: &mut StdRng,
) -> Vec<(usize, usize, F)> {
    let k = nn.ncols();
    let total = nn.nrows() * k;
    (0..n_samples)
        .map(|_| {
            let pick = rng.random_range(0..total);
            let (r, c) = (pick / k, pick % k);
            let j = nn[[r, c]];
            let mut gap = rng.random::<f64>();
            if shrink.is_some_and(|s| s[j]) {
                gap *= 0.5 * rng.random::<f64>();
            }
            (r, j, F::cast(gap))
        })
        .collect()
}

/// Writes the points of `plan` into `dst`, one row of `base.ncols()` values each.
fn write_points<F: Float>(
    base: &ArrayView2<'_, F>,
    data: &ArrayView2<'_, F>,
    plan: &[(usize, usize, F)],
    dst: &mut [F],
) {
    for (&(r, j, gap), row) in plan.iter().zip(dst.chunks_mut(base.ncols())) {
        let (b, t) = (base.row(r), data.row(j));
        match (b.as_slice(), t.as_slice()) {
            (Some(b), Some(t)) => {
                for ((o, &bv), &tv) in row.iter_mut().zip(b).zip(t) {
                    *o = bv + gap * (tv - bv);
                }
            }
            _ => {
                for ((o, &bv), &tv) in row.iter_mut().zip(b.iter()).zip(t.iter()) {
                    *o = bv + gap * (tv - bv);
                }
            }
        }
    }
}

/// SMOTE (Chawla et al., 2002) with imbalanced-learn's semantics.
///
/// For each class the [`SamplingStrategy`] asks to grow (one class at a time, in label order,
/// against the rest), every synthetic sample is made by picking a sample of the class
/// uniformly, one of its `k_neighbors` nearest neighbours *within the class* uniformly (the
/// sample itself excluded; Euclidean distance, ties broken by row order) and a gap `u`
/// uniform in `[0, 1)`, and placing the new point at `x + u · (neighbour − x)`.
///
/// The output holds the input rows unchanged, then the synthetic rows class by class. The
/// random stream is this crate's (a seeded `StdRng`), not NumPy's: class counts match
/// imbalanced-learn exactly, the points themselves follow the same distribution. Nearest
/// neighbours come from a KD-tree ([`KdTree`]), not an all-pairs scan.
///
/// ```
/// use tuneup::data::Smote;
/// use ndarray::array;
/// let x = array![[0.0, 0.0], [0.1, 0.0], [0.2, 0.1], [0.0, 0.3], [5.0, 5.0], [5.0, 6.0], [6.0, 5.0]];
/// let y = [0, 0, 0, 0, 1, 1, 1];
/// let out = Smote::new().k_neighbors(2)?.seed(42).fit_resample(&x.view(), &y)?;
/// assert_eq!(out.y.iter().filter(|&&c| c == 1).count(), 4);
/// // The new class-1 point lies in the triangle of the class-1 samples.
/// let p = out.x.row(7);
/// assert!(p[0] >= 5.0 && p[1] >= 5.0 && p[0] + p[1] <= 11.0 + 1e-12);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Smote {
    strategy: SamplingStrategy,
    k_neighbors: usize,
    seed: u64,
}

impl Default for Smote {
    fn default() -> Self {
        Smote {
            strategy: SamplingStrategy::Auto,
            k_neighbors: 5,
            seed: 0,
        }
    }
}

impl Smote {
    /// SMOTE with the [`Auto`](SamplingStrategy::Auto) strategy, `k_neighbors = 5` and seed 0.
    ///
    /// ```
    /// let s = tuneup::data::Smote::new();
    /// # let _ = s;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the number of same-class neighbours to interpolate towards (at least 1; 0 is an
    /// [`Error::Config`]). Each resampled class needs more than `k` samples.
    ///
    /// ```
    /// assert!(tuneup::data::Smote::new().k_neighbors(0).is_err());
    /// ```
    pub fn k_neighbors(mut self, k: usize) -> Result<Self> {
        self.k_neighbors = check_neighbors("Smote.k_neighbors", k)?;
        Ok(self)
    }

    /// Sets the sampling strategy (checked against the labels when resampling).
    ///
    /// ```
    /// use tuneup::data::{SamplingStrategy, Smote};
    /// let s = Smote::new().sampling_strategy(SamplingStrategy::Ratio(0.5));
    /// # let _ = s;
    /// ```
    pub fn sampling_strategy(mut self, strategy: SamplingStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the random seed (default 0); the same seed gives bit-identical output.
    ///
    /// ```
    /// let s = tuneup::data::Smote::new().seed(7);
    /// # let _ = s;
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Over-samples `x` (one row per sample) with labels `y`; the inputs are only read.
    ///
    /// Errors: `y` not one label per row, or empty data ([`Error::Shape`]); a NaN or infinite
    /// value ([`Error::NonFinite`] naming row and column: impute first); the strategy errors
    /// of [`SamplingStrategy::over_sampling_targets`]; a resampled class with
    /// `k_neighbors` or fewer samples ([`Error::Value`] naming the class and its size,
    /// "Expected n_neighbors <= n_samples_fit").
    ///
    /// ```
    /// use tuneup::data::Smote;
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0], [3.0], [9.0], [9.5]];
    /// let err = Smote::new().fit_resample(&x.view(), &[0, 0, 0, 0, 1, 1]).unwrap_err();
    /// assert!(err.to_string().contains("class 1 has 2 samples"));
    /// ```
    pub fn fit_resample<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<Resampled<F>> {
        const CONTEXT: &str = "Smote";
        check_xy(CONTEXT, x, y, false)?;
        let targets = self.strategy.over_sampling_targets(y)?;
        let mut rng = StdRng::seed_from_u64(self.seed);
        let new_rows = super::capacity::total_new_rows(CONTEXT, &targets)?;
        let mut rows = rows_with_room(CONTEXT, x, new_rows)?;
        let mut labels = y.to_vec();
        for (&class, &n_new) in &targets {
            if n_new == 0 {
                continue;
            }
            let (idx, xc) = class_rows(x, y, class);
            if self.k_neighbors >= idx.len() {
                return Err(too_few_neighbors(
                    CONTEXT,
                    "k_neighbors",
                    self.k_neighbors,
                    format!("class {class}"),
                    idx.len(),
                ));
            }
            let tree = KdTree::new(&xc.view())?;
            let nn = tree.kneighbors_of_fitted(self.k_neighbors)?;
            interpolate(
                &xc.view(),
                &xc.view(),
                &nn,
                n_new,
                None,
                &mut rng,
                &mut rows,
            );
            labels.extend(std::iter::repeat_n(class, n_new));
        }
        Ok(Resampled {
            x: rows_to_matrix(x.ncols(), rows),
            y: labels,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn output_does_not_depend_on_the_thread_count() {
        let mut rng = StdRng::seed_from_u64(4);
        let x = Array2::from_shape_fn((30_000, 6), |_| rng.random::<f64>());
        let y: Vec<usize> = (0..30_000).map(|i| usize::from(i % 10 == 0)).collect();
        let smote = Smote::new().seed(11);
        let before = crate::linalg::num_threads();
        crate::linalg::set_num_threads(1).unwrap();
        let one = smote.fit_resample(&x.view(), &y).unwrap();
        crate::linalg::set_num_threads(2).unwrap();
        let two = smote.fit_resample(&x.view(), &y).unwrap();
        crate::linalg::set_num_threads(before).unwrap();
        assert_eq!(one.x.nrows(), 30_000 + 24_000);
        // Bit-identical, NaN-free: compare the bits.
        let bits = |a: &Array2<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&one.x), bits(&two.x));
        assert_eq!(one.y, two.y);
        assert_eq!(one.x.slice(ndarray::s![..30_000, ..]), x);
    }
}
