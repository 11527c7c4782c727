//! SMOTE: synthetic minority over-sampling by interpolating between a sample and one of its
//! nearest neighbours of the same class.

use ndarray::{Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::neighbors::KdTree;
use super::sampling_strategy::{
    check_xy, class_rows, stack_rows, too_few_neighbors, Resampled, SamplingStrategy,
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
pub(crate) fn interpolate<F: Float>(
    base: &ArrayView2<'_, F>,
    data: &ArrayView2<'_, F>,
    nn: &Array2<usize>,
    n_samples: usize,
    shrink: Option<&[bool]>,
    rng: &mut StdRng,
    out: &mut Vec<F>,
) {
    let k = nn.ncols();
    let total = base.nrows() * k;
    out.reserve(n_samples.saturating_mul(base.ncols()));
    for _ in 0..n_samples {
        let pick = rng.random_range(0..total);
        let (r, c) = (pick / k, pick % k);
        let j = nn[[r, c]];
        let mut gap = rng.random::<f64>();
        if shrink.is_some_and(|s| s[j]) {
            gap *= 0.5 * rng.random::<f64>();
        }
        let gap = F::cast(gap);
        let b = base.row(r);
        let t = data.row(j);
        out.extend(
            b.iter()
                .zip(t.iter())
                .map(|(&bv, &tv)| bv + gap * (tv - bv)),
        );
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
        let mut extra = Vec::new();
        let new_rows = super::capacity::total_new_rows(CONTEXT, &targets)?;
        super::capacity::reserve_values(CONTEXT, &mut extra, new_rows, x.ncols())?;
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
                &mut extra,
            );
            labels.extend(std::iter::repeat_n(class, n_new));
        }
        Ok(Resampled {
            x: stack_rows(x, extra),
            y: labels,
        })
    }
}
