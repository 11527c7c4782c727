//! ADASYN: adaptive synthetic sampling, more new samples where a class is harder to learn.

use std::collections::BTreeMap;

use ndarray::{Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::neighbors::{KdTree, KnnBuffer};
use super::sampling_strategy::{
    check_xy, class_rows, stack_rows, too_few_neighbors, Resampled, SamplingStrategy,
};
use super::smote::check_neighbors;
use crate::{Error, Float, Result};

const CONTEXT: &str = "Adasyn";

/// NumPy's pairwise summation of a contiguous `float64` array (`np.sum`), reproduced so that
/// the per-sample counts round exactly as imbalanced-learn's do.
fn numpy_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        numpy_sum(&a[..n2]) + numpy_sum(&a[n2..])
    }
}

/// ADASYN (He et al., 2008) with imbalanced-learn's semantics.
///
/// For each class the [`SamplingStrategy`] asks to grow by `G` samples (one at a time, against
/// the rest):
///
/// 1. each sample `i` of the class counts `Δᵢ`, the samples of other classes among its
///    `n_neighbors` nearest neighbours in the whole data (itself excluded), and gets the
///    ratio `rᵢ = Δᵢ / n_neighbors`;
/// 2. the ratios are normalised to sum to one, `r̂ᵢ = rᵢ / Σ r`, and sample `i` generates
///    `gᵢ = rint(r̂ᵢ · G)` new samples (round half to even, NumPy's `rint`; the arithmetic
///    follows imbalanced-learn's floating-point steps, so the counts agree exactly). The class
///    then gets `Σ gᵢ` new samples, which may differ from `G` by rounding;
/// 3. each new sample of `i` goes a uniform gap in `[0, 1)` towards one of `i`'s
///    `n_neighbors` nearest neighbours within the class, chosen uniformly.
///
/// [`generation_counts`](Self::generation_counts) returns the `gᵢ`. The random stream is this
/// crate's, not NumPy's.
///
/// ```
/// use tuneup::data::Adasyn;
/// use ndarray::array;
/// let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [2.5], [5.0], [6.0]];
/// let y = [0, 0, 0, 0, 0, 1, 1, 1];
/// let a = Adasyn::new().n_neighbors(2)?;
/// // G = 2. Sample 5 (at 2.5) has only class-0 neighbours (r = 1); samples 6 and 7 have one
/// // each (r = 0.5): r̂ = (0.5, 0.25, 0.25), and rint(0.5) = 0 (half to even).
/// let g = a.generation_counts(&x.view(), &y)?;
/// assert_eq!(g[&1], vec![1, 0, 0]);
/// assert_eq!(a.fit_resample(&x.view(), &y)?.y.len(), 9);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Adasyn {
    strategy: SamplingStrategy,
    n_neighbors: usize,
    seed: u64,
}

impl Default for Adasyn {
    fn default() -> Self {
        Adasyn {
            strategy: SamplingStrategy::Auto,
            n_neighbors: 5,
            seed: 0,
        }
    }
}

impl Adasyn {
    /// ADASYN with the [`Auto`](SamplingStrategy::Auto) strategy, `n_neighbors = 5` and
    /// seed 0 (imbalanced-learn's defaults).
    ///
    /// ```
    /// let a = tuneup::data::Adasyn::new();
    /// # let _ = a;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the number of neighbours (at least 1), used both for the ratios and for
    /// interpolation.
    ///
    /// ```
    /// assert!(tuneup::data::Adasyn::new().n_neighbors(0).is_err());
    /// ```
    pub fn n_neighbors(mut self, k: usize) -> Result<Self> {
        self.n_neighbors = check_neighbors("Adasyn.n_neighbors", k)?;
        Ok(self)
    }

    /// Sets the sampling strategy (checked against the labels when resampling).
    ///
    /// ```
    /// use tuneup::data::{Adasyn, SamplingStrategy};
    /// let a = Adasyn::new().sampling_strategy(SamplingStrategy::Ratio(0.8));
    /// # let _ = a;
    /// ```
    pub fn sampling_strategy(mut self, strategy: SamplingStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the random seed (default 0); the same seed gives bit-identical output.
    ///
    /// ```
    /// let a = tuneup::data::Adasyn::new().seed(11);
    /// # let _ = a;
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The number of samples each member of each grown class generates (`gᵢ` above), listed
    /// per class in the order its members appear in `y`.
    ///
    /// Errors as [`fit_resample`](Self::fit_resample).
    ///
    /// ```
    /// use tuneup::data::Adasyn;
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0], [3.0], [1.5], [9.0], [9.5]];
    /// let y = [0, 0, 0, 0, 1, 1, 1];
    /// let g = Adasyn::new().n_neighbors(1)?.generation_counts(&x.view(), &y)?;
    /// assert_eq!(g[&1], vec![1, 0, 0]); // only the sample at 1.5 has a class-0 neighbour
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn generation_counts<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<BTreeMap<usize, Vec<usize>>> {
        check_xy(CONTEXT, x, y, false)?;
        let targets = self.strategy.over_sampling_targets(y)?;
        let tree = self.whole_tree(x)?;
        let mut out = BTreeMap::new();
        for (&class, &n_new) in &targets {
            if n_new == 0 {
                continue;
            }
            out.insert(class, self.counts(&tree, x, y, class, n_new)?);
        }
        Ok(out)
    }

    fn whole_tree<F: Float>(&self, x: &ArrayView2<'_, F>) -> Result<KdTree<F>> {
        if self.n_neighbors >= x.nrows() {
            return Err(too_few_neighbors(
                CONTEXT,
                "n_neighbors",
                self.n_neighbors,
                "the whole data",
                x.nrows(),
            ));
        }
        KdTree::new(x)
    }

    /// `gᵢ` for the members of `class`, which should get `n_new` samples.
    fn counts<F: Float>(
        &self,
        tree: &KdTree<F>,
        x: &ArrayView2<'_, F>,
        y: &[usize],
        class: usize,
        n_new: usize,
    ) -> Result<Vec<usize>> {
        let k = self.n_neighbors;
        let mut buf = KnnBuffer::new();
        let mut nn = Vec::with_capacity(k);
        let mut point = vec![F::zero(); x.ncols()];
        let mut ratio = Vec::new();
        for (i, row) in x.rows().into_iter().enumerate() {
            if y[i] != class {
                continue;
            }
            for (p, &v) in point.iter_mut().zip(row.iter()) {
                *p = v;
            }
            tree.query_into(&point, k, Some(i), &mut buf, &mut nn)?;
            let others = nn.iter().filter(|&&j| y[j] != class).count();
            ratio.push(others as f64 / k as f64);
        }
        let total = numpy_sum(&ratio);
        if total == 0.0 {
            return Err(Error::value(
                CONTEXT,
                format!(
                    "some sample of class {class} with a neighbour of another class (otherwise \
                     the ratios divide by zero); ADASYN is not suited to this data, use SMOTE"
                ),
                format!(
                    "no neighbour of another class among the {k} nearest of any class-{class} \
                     sample"
                ),
            ));
        }
        let g: Vec<usize> = ratio
            .iter()
            .map(|&r| ((r / total) * n_new as f64).round_ties_even() as usize)
            .collect();
        if g.iter().sum::<usize>() == 0 {
            return Err(Error::value(
                CONTEXT,
                format!("at least one new sample for class {class} after rounding"),
                format!("0 samples from rounding the ratios of {n_new} requested"),
            ));
        }
        Ok(g)
    }

    /// Over-samples `x` (one row per sample) with labels `y`; the inputs are only read.
    ///
    /// Errors: `y` not one label per row, or empty data ([`Error::Shape`]); a NaN or infinite
    /// value ([`Error::NonFinite`] naming row and column); the strategy errors of
    /// [`SamplingStrategy::over_sampling_targets`]; `n_neighbors` not below the number of rows
    /// or a grown class's size ([`Error::Value`] naming the class and its size, "Expected
    /// n_neighbors <= n_samples_fit"); a class none of whose samples has a neighbour of
    /// another class, or whose counts all round to 0 ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::Adasyn;
    /// use ndarray::array;
    /// // Two far-apart classes: no class-1 sample has a class-0 neighbour.
    /// let x = array![[0.0], [0.1], [0.2], [0.3], [9.0], [9.1]];
    /// let err = Adasyn::new().n_neighbors(1)?.fit_resample(&x.view(), &[0, 0, 0, 0, 1, 1]);
    /// assert!(matches!(err, Err(tuneup::Error::Value { .. })));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit_resample<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<Resampled<F>> {
        check_xy(CONTEXT, x, y, false)?;
        let targets = self.strategy.over_sampling_targets(y)?;
        let tree = self.whole_tree(x)?;
        let k = self.n_neighbors;
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut extra = Vec::new();
        let new_rows = super::capacity::total_new_rows(CONTEXT, &targets)?;
        super::capacity::reserve_values(CONTEXT, &mut extra, new_rows, x.ncols())?;
        let mut labels = y.to_vec();
        for (&class, &n_new) in &targets {
            if n_new == 0 {
                continue;
            }
            let g = self.counts(&tree, x, y, class, n_new)?;
            let (idx, xc) = class_rows(x, y, class);
            if k >= idx.len() {
                return Err(too_few_neighbors(
                    CONTEXT,
                    "n_neighbors",
                    k,
                    format!("class {class}"),
                    idx.len(),
                ));
            }
            let nn: Array2<usize> = KdTree::new(&xc.view())?.kneighbors_of_fitted(k)?;
            let made: usize = g.iter().sum();
            extra.reserve(made.saturating_mul(x.ncols()));
            for (r, &count) in g.iter().enumerate() {
                let b = xc.row(r);
                for _ in 0..count {
                    let t = xc.row(nn[[r, rng.random_range(0..k)]]);
                    let gap = F::cast(rng.random::<f64>());
                    extra.extend(
                        b.iter()
                            .zip(t.iter())
                            .map(|(&bv, &tv)| bv + gap * (tv - bv)),
                    );
                }
            }
            labels.extend(std::iter::repeat_n(class, made));
        }
        Ok(Resampled {
            x: stack_rows(x, extra),
            y: labels,
        })
    }
}
