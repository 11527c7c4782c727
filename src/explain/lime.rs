//! LIME for tabular data (lime's `LimeTabularExplainer` with its defaults).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use super::quartile_bins::ColumnBins;
use super::target::{outputs, pick};
use super::{check, solve, Target};
use crate::model::Layer;
use crate::{Error, Float, Result};

/// A local linear explanation of one prediction: lime's defaults are quartile discretisation,
/// 5000 samples, an exponential kernel of width `0.75·√M` on the distance between binary
/// "same quartile as x" vectors, and a weighted ridge (α = 1) fitted to the model's output on
/// the samples. Samples are drawn as lime draws them (a quartile by its training frequency,
/// then a value from a normal truncated to that quartile), seeded. Every feature enters the
/// local model (lime's `feature_selection` picks all of them when `num_features ≥ M`, as with
/// its default 10 for up to 10 features).
///
/// ```
/// use tuneup::explain::{LimeTabular, Target};
/// use tuneup::prelude::*;
/// // y = 3x₀ − x₁ (+ 0·x₂): at a row in the top quartiles the local weights follow w.
/// let mut net = Sequential::<f64>::new()
///     .push(Linear::from_weights(ndarray::array![[3.0, -1.0, 0.0]], None)?);
/// let train = ndarray::Array2::from_shape_fn((100, 3), |(i, j)| ((i * (j + 3) * 7) % 100) as f64 / 10.0);
/// let lime = LimeTabular::new(train.view())?.num_samples(2000)?.seed(1);
/// let e = lime.explain(&mut net, ndarray::array![9.5, 9.5, 9.5].view(), &Target::Only)?;
/// assert!(e.weights[0] > 0.0 && e.weights[1] < 0.0);
/// assert!(e.weights[0].abs() > e.weights[1].abs() && e.weights[1].abs() > e.weights[2].abs());
/// assert!(e.score > 0.5);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LimeTabular {
    bins: Vec<ColumnBins>,
    num_samples: usize,
    kernel_width: f64,
    alpha: f64,
    seed: u64,
}

/// A local surrogate of one prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct LimeExplanation {
    /// One weight per feature: the change in output for being in `x`'s quartile.
    pub weights: Array1<f64>,
    /// The local model's intercept.
    pub intercept: f64,
    /// The local model's weighted R² on the samples (its fidelity).
    pub score: f64,
    /// The local model's prediction at `x`.
    pub local_prediction: f64,
}

impl LimeTabular {
    /// Statistics of the training data LIME samples from.
    ///
    /// # Errors
    /// [`Error::Value`] for no rows or columns; [`Error::NonFinite`] for NaN or infinity.
    pub fn new<F: Float>(training: ArrayView2<'_, F>) -> Result<Self> {
        check::rows("LimeTabular", training)?;
        if training.ncols() == 0 {
            return Err(Error::value(
                "LimeTabular",
                "training data with features",
                "0 columns",
            ));
        }
        Ok(LimeTabular {
            bins: (0..training.ncols())
                .map(|j| ColumnBins::fit(training, j))
                .collect(),
            num_samples: 5000,
            kernel_width: 0.75 * (training.ncols() as f64).sqrt(),
            alpha: 1.0,
            seed: 0,
        })
    }

    /// Perturbed samples per explanation (5000 by default).
    ///
    /// ```
    /// let lime = tuneup::explain::LimeTabular::new(ndarray::Array2::<f64>::eye(3).view())?;
    /// assert!(lime.clone().num_samples(1).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] below 2.
    pub fn num_samples(mut self, n: usize) -> Result<Self> {
        if n < 2 {
            return Err(Error::config("LimeTabular.num_samples", n, "at least 2"));
        }
        self.num_samples = n;
        Ok(self)
    }

    /// The kernel width (`0.75·√M` by default).
    ///
    /// ```
    /// let lime = tuneup::explain::LimeTabular::new(ndarray::Array2::<f64>::eye(3).view())?;
    /// assert!(lime.kernel_width(0.0).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] unless positive and finite.
    pub fn kernel_width(mut self, width: f64) -> Result<Self> {
        if !(width.is_finite() && width > 0.0) {
            return Err(Error::config(
                "LimeTabular.kernel_width",
                width,
                "a finite value > 0",
            ));
        }
        self.kernel_width = width;
        Ok(self)
    }

    /// The seed of the samples.
    ///
    /// ```
    /// let lime = tuneup::explain::LimeTabular::new(ndarray::Array2::<f64>::eye(3).view())?;
    /// assert_ne!(lime.clone().seed(2), lime);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Explains the `target` output of `model` at row `x`.
    ///
    /// # Errors
    /// A row of another width or with NaN, a target out of range, and the model's errors.
    pub fn explain<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView1<'_, F>,
        target: &Target,
    ) -> Result<LimeExplanation> {
        let row = x.insert_axis(Axis(0));
        check::rows("LimeTabular", row)?;
        check::width("LimeTabular", "x", row, self.bins.len())?;
        let (binary, samples) = self.draw(x);
        let out = outputs(model, samples.view())?;
        let columns = target.columns(samples.nrows(), out.ncols())?;
        let y: Array1<f64> = pick(out.view(), &columns).mapv(|v| v.as_f64());
        let weights = binary.rows().into_iter().map(|r| {
            let d2 = r.iter().filter(|&&b| b == 0.0).count() as f64;
            (-d2 / (self.kernel_width * self.kernel_width)).exp().sqrt()
        });
        let weights: Array1<f64> = weights.collect();
        self.weighted_ridge(&binary, &y, &weights)
    }

    /// The binary "same quartile as x" rows and the samples in data space; row 0 is `x`.
    fn draw<F: Float>(&self, x: ArrayView1<'_, F>) -> (Array2<f64>, Array2<F>) {
        let mut rng = StdRng::seed_from_u64(self.seed);
        let (n, m) = (self.num_samples, self.bins.len());
        let mut binary = Array2::ones((n, m));
        let mut samples = Array2::zeros((n, m));
        for (j, bins) in self.bins.iter().enumerate() {
            let home = bins.bin(x[j].as_f64());
            samples[[0, j]] = x[j];
            for r in 1..n {
                let b = bins.values[draw(&bins.frequencies, &mut rng)];
                binary[[r, j]] = f64::from(u8::from(b == home));
                samples[[r, j]] = F::cast(undiscretise(bins, b, &mut rng));
            }
        }
        (binary, samples)
    }

    /// Weighted ridge of `y` on `x` with an intercept (scikit-learn's `Ridge` with
    /// `sample_weight`), its weighted R² and its prediction at row 0.
    fn weighted_ridge(
        &self,
        x: &Array2<f64>,
        y: &Array1<f64>,
        w: &Array1<f64>,
    ) -> Result<LimeExplanation> {
        let total = w.sum();
        let x_mean = x.t().dot(w) / total;
        let y_mean = y.dot(w) / total;
        let xc = x - &x_mean;
        let yc = y - y_mean;
        let weighted = &xc * &w.view().insert_axis(Axis(1));
        let mut gram = xc.t().dot(&weighted);
        gram.diag_mut().mapv_inplace(|v| v + self.alpha);
        let coef = solve::cholesky_solve("LimeTabular", &gram, &weighted.t().dot(&yc))?;
        let intercept = y_mean - x_mean.dot(&coef);
        let fitted = x.dot(&coef) + intercept;
        let residual: f64 = w
            .iter()
            .zip(y.iter().zip(&fitted))
            .map(|(w, (y, f))| w * (y - f).powi(2))
            .sum();
        let spread: f64 = w.iter().zip(y).map(|(w, y)| w * (y - y_mean).powi(2)).sum();
        let score = if spread > 0.0 {
            1.0 - residual / spread
        } else {
            f64::from(u8::from(residual == 0.0))
        };
        Ok(LimeExplanation {
            local_prediction: fitted[0],
            weights: coef,
            intercept,
            score,
        })
    }
}

/// An index drawn with the given probabilities.
fn draw(probabilities: &[f64], rng: &mut StdRng) -> usize {
    let mut u: f64 = rng.random();
    for (i, &p) in probabilities.iter().enumerate() {
        if u < p {
            return i;
        }
        u -= p;
    }
    probabilities.len() - 1
}

/// A value from bin `b`: a normal of the bin's mean and spread truncated to its range
/// (lime's `undiscretize`), by rejection, falling back to a uniform draw in the range.
fn undiscretise(bins: &ColumnBins, b: usize, rng: &mut StdRng) -> f64 {
    let (low, high) = (bins.mins[b], bins.maxs[b]);
    let (mean, std) = (bins.means[b], bins.stds[b]);
    if (low - mean) / std == (high - mean) / std {
        return (low - mean) / std; // lime's value when the bin has no width
    }
    for _ in 0..100 {
        let z: f64 = StandardNormal.sample(rng);
        let v = mean + std * z;
        if (low..=high).contains(&v) {
            return v;
        }
    }
    low + (high - low) * rng.random::<f64>()
}
