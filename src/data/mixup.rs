//! MixUp augmentation (Zhang et al., 2018).

use ndarray::{ArrayViewMut2, Axis};
use rand::Rng;
use rand_distr::{Beta, Distribution};

use super::augmenter::{batch_rng, check_rows, Augmenter};
use crate::linalg::Buffer2;
use crate::{Error, Float, Result};

/// MixUp: each batch is blended with a shuffled copy of itself,
/// `x̃ = λ·x + (1 − λ)·x[π]`, `ỹ = λ·y + (1 − λ)·y[π]`, with one `λ ~ Beta(α, α)` per batch.
///
/// Targets must be dense: one-hot rows (see [`one_hot`]) become soft targets that still sum to
/// one, for [`CrossEntropy`](crate::loss::CrossEntropy) with soft targets. `λ` is folded to
/// `max(λ, 1 − λ)` so that every row stays dominated by its own sample; with α → 0 the batch is
/// unchanged, and α = 0 turns MixUp off. Each batch's `λ` and permutation come from a generator
/// seeded by `(seed, batch count)`.
///
/// ```
/// use tuneup::data::{one_hot, Augmenter, MixUp};
/// let mut x = ndarray::array![[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]];
/// let mut y = one_hot::<f64>(&[0, 1, 1], 2).unwrap();
/// let mut mixup = MixUp::new(0.4, 7).unwrap();
/// mixup.augment(x.view_mut(), y.view_mut()).unwrap();
/// for row in y.rows() {
///     assert!((row.sum() - 1.0).abs() < 1e-12); // still a distribution
/// }
/// assert!(mixup.last_lambda() >= 0.5);
/// assert!(MixUp::<f64>::new(-1.0, 0).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct MixUp<F: Float> {
    alpha: f64,
    seed: u64,
    draws: u64,
    last_lambda: f64,
    permutation: Vec<usize>,
    features: Buffer2<F>,
    targets: Buffer2<F>,
}

impl<F: Float> MixUp<F> {
    /// MixUp with `Beta(α, α)` mixing weights (α finite, ≥ 0; 0.2–0.4 is usual), seeded.
    pub fn new(alpha: f64, seed: u64) -> Result<Self> {
        if !(alpha.is_finite() && alpha >= 0.0) {
            return Err(Error::config("MixUp.alpha", alpha, "a finite number ≥ 0"));
        }
        Ok(MixUp {
            alpha,
            seed,
            draws: 0,
            last_lambda: 1.0,
            permutation: Vec::new(),
            features: Buffer2::default(),
            targets: Buffer2::default(),
        })
    }

    /// The `λ` used for the last batch (1 before the first).
    pub fn last_lambda(&self) -> f64 {
        self.last_lambda
    }

    /// The permutation used for the last batch (row `i` was mixed with row `permutation[i]`).
    pub fn last_permutation(&self) -> &[usize] {
        &self.permutation
    }

    /// How many batches have been mixed (the position in the seeded stream).
    pub fn draws(&self) -> u64 {
        self.draws
    }

    /// Sets the position in the seeded stream (when resuming from a checkpoint).
    pub fn set_draws(&mut self, draws: u64) {
        self.draws = draws;
    }
}

impl<F: Float> Augmenter<F> for MixUp<F> {
    fn stream_seed(&self) -> Option<u64> {
        Some(self.seed)
    }

    fn set_stream_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    fn name(&self) -> String {
        format!("MixUp(α={})", self.alpha)
    }

    fn augment(
        &mut self,
        mut features: ArrayViewMut2<'_, F>,
        mut targets: ArrayViewMut2<'_, F>,
    ) -> Result<()> {
        check_rows(&|| Augmenter::<F>::name(self), &features, &targets)?;
        let n = features.nrows();
        let mut rng = batch_rng(self.seed, self.draws);
        self.draws += 1;
        let lambda = if self.alpha > 0.0 {
            let beta = Beta::new(self.alpha, self.alpha)
                .map_err(|e| Error::config("MixUp.alpha", self.alpha, e))?;
            let l: f64 = beta.sample(&mut rng);
            // Beta sampling can return NaN for tiny α through 0/0; such a draw is 0 or 1.
            let l = if l.is_nan() { 1.0 } else { l };
            l.max(1.0 - l)
        } else {
            1.0
        };
        self.last_lambda = lambda;
        self.permutation.clear();
        self.permutation.extend(0..n);
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            self.permutation.swap(i, j);
        }
        if lambda == 1.0 {
            return Ok(());
        }
        self.features.copy_from(features.view());
        self.targets.copy_from(targets.view());
        let (l, r) = (F::cast(lambda), F::cast(1.0 - lambda));
        mix_rows(&self.features, &mut features, &self.permutation, l, r);
        mix_rows(&self.targets, &mut targets, &self.permutation, l, r);
        Ok(())
    }

    fn seek(&mut self, batch: u64) {
        self.draws = batch;
    }
}

/// `dest[i] = l·source[i] + r·source[permutation[i]]`, row by row.
fn mix_rows<F: Float>(
    source: &Buffer2<F>,
    dest: &mut ArrayViewMut2<'_, F>,
    permutation: &[usize],
    l: F,
    r: F,
) {
    let source = source.view();
    for (i, mut row) in dest.axis_iter_mut(Axis(0)).enumerate() {
        let other = source.row(permutation[i]);
        let own = source.row(i);
        for ((d, &a), &b) in row.iter_mut().zip(own).zip(other) {
            *d = l * a + r * b;
        }
    }
}

/// One-hot rows for class labels: row `i` has a 1 in column `labels[i]`.
///
/// ```
/// let y = tuneup::data::one_hot::<f32>(&[2, 0], 3).unwrap();
/// assert_eq!(y, ndarray::array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]);
/// assert!(tuneup::data::one_hot::<f32>(&[3], 3).is_err());
/// ```
pub fn one_hot<F: Float>(labels: &[usize], classes: usize) -> Result<ndarray::Array2<F>> {
    if let Some((i, &c)) = labels.iter().enumerate().find(|&(_, &c)| c >= classes) {
        return Err(Error::value(
            "one_hot",
            format!("class labels below {classes}"),
            format!("{c} at row {i}"),
        ));
    }
    let mut out = ndarray::Array2::zeros((labels.len(), classes));
    for (i, &c) in labels.iter().enumerate() {
        out[[i, c]] = F::one();
    }
    Ok(out)
}
