//! Random over-sampling (drawing rows with replacement) and random under-sampling (keeping a
//! random subset), with imbalanced-learn's semantics.

use ndarray::{Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::sampling_strategy::{check_xy, SamplingStrategy};
use crate::{Float, Result};

/// Rows chosen from the input: the chosen data, labels and the input row of each.
///
/// ```
/// use tuneup::data::RandomUnderSampler;
/// use ndarray::array;
/// let x = array![[0.0], [1.0], [2.0], [9.0]];
/// let s = RandomUnderSampler::new().seed(1).fit_resample(&x.view(), &[0, 0, 0, 1])?;
/// for (row, &i) in s.indices.iter().enumerate() {
///     assert_eq!(s.x.row(row), x.row(i));
/// }
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Selection<F> {
    /// The chosen rows.
    pub x: Array2<F>,
    /// Their labels.
    pub y: Vec<usize>,
    /// For each row of `x`, the input row it copies (imbalanced-learn's `sample_indices_`).
    pub indices: Vec<usize>,
}

fn select<F: Float>(x: &ArrayView2<'_, F>, y: &[usize], indices: Vec<usize>) -> Selection<F> {
    let mut out = Array2::zeros((indices.len(), x.ncols()));
    for (mut row, &i) in out.rows_mut().into_iter().zip(&indices) {
        row.assign(&x.row(i));
    }
    Selection {
        x: out,
        y: indices.iter().map(|&i| y[i]).collect(),
        indices,
    }
}

/// Random over-sampling: each targeted class gets extra copies of its own rows, drawn
/// uniformly with replacement (imbalanced-learn's `RandomOverSampler` without shrinkage).
///
/// The output holds every input row in order, then the copies class by class in label order.
/// Values are only copied, so NaN (missing) values are allowed, as in imbalanced-learn;
/// infinite values are an [`Error::NonFinite`](crate::Error::NonFinite).
/// The same seed gives the same rows.
///
/// ```
/// use tuneup::data::RandomOverSampler;
/// use ndarray::array;
/// let x = array![[0.0], [1.0], [2.0], [9.0]];
/// let s = RandomOverSampler::new().seed(7).fit_resample(&x.view(), &[0, 0, 0, 1])?;
/// assert_eq!(s.y, vec![0, 0, 0, 1, 1, 1]);
/// assert_eq!(&s.indices[..4], &[0, 1, 2, 3]);
/// assert_eq!(&s.indices[4..], &[3, 3]); // the only class-1 row, twice
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RandomOverSampler {
    strategy: SamplingStrategy,
    seed: u64,
}

impl RandomOverSampler {
    /// An over-sampler with the [`Auto`](SamplingStrategy::Auto) strategy and seed 0.
    ///
    /// ```
    /// let s = tuneup::data::RandomOverSampler::new();
    /// # let _ = s;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the sampling strategy (checked against the labels when resampling).
    ///
    /// ```
    /// use tuneup::data::{RandomOverSampler, SamplingStrategy};
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0], [3.0], [9.0]];
    /// let s = RandomOverSampler::new()
    ///     .sampling_strategy(SamplingStrategy::Ratio(0.5))
    ///     .fit_resample(&x.view(), &[0, 0, 0, 0, 1])?;
    /// assert_eq!(s.y.iter().filter(|&&c| c == 1).count(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn sampling_strategy(mut self, strategy: SamplingStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the random seed (default 0).
    ///
    /// ```
    /// use tuneup::data::RandomOverSampler;
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0], [3.0], [8.0], [9.0]];
    /// let y = [0, 0, 0, 0, 1, 1];
    /// let a = RandomOverSampler::new().seed(3).fit_resample(&x.view(), &y)?;
    /// let b = RandomOverSampler::new().seed(3).fit_resample(&x.view(), &y)?;
    /// assert_eq!(a, b);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Resamples `x` (one row per sample) with labels `y`.
    ///
    /// Errors: `y` not one label per row or empty data ([`Error::Shape`](crate::Error::Shape)),
    /// and the strategy errors of
    /// [`SamplingStrategy::over_sampling_targets`].
    ///
    /// ```
    /// use tuneup::data::RandomOverSampler;
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0]];
    /// assert!(RandomOverSampler::new().fit_resample(&x.view(), &[0]).is_err());
    /// ```
    pub fn fit_resample<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<Selection<F>> {
        check_xy("RandomOverSampler", x, y, true)?;
        let targets = self.strategy.over_sampling_targets(y)?;
        let context = "RandomOverSampler";
        let new_rows = super::capacity::total_new_rows(context, &targets)?;
        let mut indices: Vec<usize> = Vec::new();
        super::capacity::reserve_values(
            context,
            &mut indices,
            new_rows.saturating_add(y.len()),
            1,
        )?;
        // The selected rows are copied out: make sure that copy fits too.
        super::capacity::reserve_values(context, &mut Vec::<F>::new(), new_rows, x.ncols())?;
        indices.extend(0..y.len());
        let mut rng = StdRng::seed_from_u64(self.seed);
        for (&class, &n_new) in &targets {
            let members: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
            for _ in 0..n_new {
                indices.push(members[rng.random_range(0..members.len())]);
            }
        }
        Ok(select(x, y, indices))
    }
}

/// Random under-sampling: each targeted class keeps a uniformly random subset of its rows,
/// drawn without replacement (imbalanced-learn's `RandomUnderSampler`, `replacement=False`).
///
/// The output goes class by class in label order; an untouched class keeps all its rows in
/// input order, a targeted class its chosen rows in the order drawn. `indices` says which input
/// row each output row is. Values are only copied, so NaN (missing) values are allowed;
/// infinite values are an [`Error::NonFinite`](crate::Error::NonFinite).
///
/// ```
/// use tuneup::data::RandomUnderSampler;
/// use ndarray::array;
/// let x = array![[0.0], [1.0], [2.0], [9.0]];
/// let s = RandomUnderSampler::new().fit_resample(&x.view(), &[0, 0, 0, 1])?;
/// assert_eq!(s.y, vec![0, 1]);
/// assert_eq!(s.indices[1], 3);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RandomUnderSampler {
    strategy: SamplingStrategy,
    seed: u64,
}

impl RandomUnderSampler {
    /// An under-sampler with the [`Auto`](SamplingStrategy::Auto) strategy and seed 0.
    ///
    /// ```
    /// let s = tuneup::data::RandomUnderSampler::new();
    /// # let _ = s;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the sampling strategy (checked against the labels when resampling).
    ///
    /// ```
    /// use tuneup::data::{RandomUnderSampler, SamplingStrategy};
    /// use std::collections::BTreeMap;
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0], [3.0], [9.0]];
    /// let s = RandomUnderSampler::new()
    ///     .sampling_strategy(SamplingStrategy::Counts(BTreeMap::from([(0, 2)])))
    ///     .fit_resample(&x.view(), &[0, 0, 0, 0, 1])?;
    /// assert_eq!(s.y, vec![0, 0, 1]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn sampling_strategy(mut self, strategy: SamplingStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the random seed (default 0).
    ///
    /// ```
    /// use tuneup::data::RandomUnderSampler;
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0], [3.0], [9.0]];
    /// let a = RandomUnderSampler::new().seed(5).fit_resample(&x.view(), &[0, 0, 0, 0, 1])?;
    /// let b = RandomUnderSampler::new().seed(5).fit_resample(&x.view(), &[0, 0, 0, 0, 1])?;
    /// assert_eq!(a.indices, b.indices);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Resamples `x` (one row per sample) with labels `y`.
    ///
    /// Errors: `y` not one label per row or empty data ([`Error::Shape`](crate::Error::Shape)),
    /// and the strategy errors of [`SamplingStrategy::under_sampling_targets`].
    ///
    /// ```
    /// use tuneup::data::{RandomUnderSampler, SamplingStrategy};
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0]];
    /// let too_low = RandomUnderSampler::new().sampling_strategy(SamplingStrategy::Ratio(0.1));
    /// assert!(too_low.fit_resample(&x.view(), &[0, 0, 1]).is_err());
    /// ```
    pub fn fit_resample<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<Selection<F>> {
        check_xy("RandomUnderSampler", x, y, true)?;
        let targets = self.strategy.under_sampling_targets(y)?;
        let counts = super::sampling_strategy::class_counts(y);
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut indices = Vec::new();
        for &class in counts.keys() {
            let members: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
            match targets.get(&class) {
                Some(&keep) => {
                    let chosen = rand::seq::index::sample(&mut rng, members.len(), keep);
                    indices.extend(chosen.iter().map(|j| members[j]));
                }
                None => indices.extend(members),
            }
        }
        Ok(select(x, y, indices))
    }
}
