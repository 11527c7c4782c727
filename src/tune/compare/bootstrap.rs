//! Seeded bootstrap confidence intervals of a mean score difference (percentile and BCa).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use statrs::distribution::{ContinuousCDF, Normal};

/// Φ(x) through musl's `erfc` (within 1 ulp): statrs' `Normal::cdf` is off from SciPy by up
/// to 9e-11 relative, which the BCa quantiles amplify.
fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

use super::check::{at_least, finite};
use crate::{Error, Result};

const CONTEXT: &str = "bootstrap_ci";

/// How [`bootstrap_ci`] reads the interval off the bootstrap distribution.
///
/// ```
/// assert_eq!(tuneup::tune::CiMethod::default(), tuneup::tune::CiMethod::Percentile);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CiMethod {
    /// The `α/2` and `1 − α/2` quantiles of the resampled means (NumPy's linear interpolation).
    #[default]
    Percentile,
    /// Efron's bias-corrected and accelerated interval: the quantiles are shifted by the bias
    /// `z₀ = Φ⁻¹(share of resampled means below the estimate)` and the jackknife acceleration,
    /// as SciPy's `bootstrap(method="BCa")`.
    Bca,
}

/// Settings of [`bootstrap_ci`]: number of resamples, confidence level, method and seed.
///
/// ```
/// use tuneup::tune::{BootstrapSettings, CiMethod};
/// let s = BootstrapSettings::new().n_resamples(999).confidence(0.9).method(CiMethod::Bca).seed(7);
/// assert!(s.check().is_ok());
/// assert!(BootstrapSettings::new().confidence(1.0).check().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapSettings {
    n_resamples: usize,
    confidence: f64,
    method: CiMethod,
    seed: u64,
}

impl Default for BootstrapSettings {
    fn default() -> Self {
        Self {
            n_resamples: 9999,
            confidence: 0.95,
            method: CiMethod::Percentile,
            seed: 0,
        }
    }
}

impl BootstrapSettings {
    /// 9999 resamples (SciPy's default), 95 % confidence, percentile interval, seed 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of bootstrap resamples (at least 2).
    pub fn n_resamples(mut self, n: usize) -> Self {
        self.n_resamples = n;
        self
    }

    /// The confidence level, strictly between 0 and 1.
    pub fn confidence(mut self, level: f64) -> Self {
        self.confidence = level;
        self
    }

    /// Percentile or BCa.
    pub fn method(mut self, method: CiMethod) -> Self {
        self.method = method;
        self
    }

    /// The seed of the resampling; one seed gives bit-identical intervals.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::Config`] for fewer than 2 resamples or a confidence outside `(0, 1)`.
    pub fn check(&self) -> Result<()> {
        if self.n_resamples < 2 {
            return Err(Error::config(
                "BootstrapSettings.n_resamples",
                self.n_resamples,
                "at least 2",
            ));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(Error::config(
                "BootstrapSettings.confidence",
                self.confidence,
                "a level strictly between 0 and 1",
            ));
        }
        Ok(())
    }
}

/// A bootstrap confidence interval of a mean.
///
/// ```
/// use tuneup::tune::{bootstrap_ci, BootstrapSettings};
/// let ci = bootstrap_ci(&[1.0, 2.0, 3.0, 4.0], &BootstrapSettings::new().n_resamples(999))?;
/// assert_eq!(ci.estimate, 2.5);
/// assert!(ci.low <= ci.estimate && ci.estimate <= ci.high);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapCi {
    /// The mean of the data (the point estimate).
    pub estimate: f64,
    /// The lower bound.
    pub low: f64,
    /// The upper bound.
    pub high: f64,
    /// The confidence level.
    pub confidence: f64,
    /// The method used.
    pub method: CiMethod,
}

impl BootstrapCi {
    /// Whether `value` lies inside `[low, high]`.
    ///
    /// ```
    /// use tuneup::tune::{BootstrapCi, CiMethod};
    /// let ci = BootstrapCi { estimate: 1.0, low: 0.5, high: 1.5, confidence: 0.95, method: CiMethod::Percentile };
    /// assert!(ci.contains(0.5) && !ci.contains(2.0));
    /// ```
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

/// A seeded bootstrap confidence interval of the mean of `differences` (typically per-sample
/// or per-fold score differences `b − a`): `n_resamples` resamples of the same size drawn with
/// replacement, the mean of each, and the interval of [`CiMethod`].
///
/// # Errors
/// * [`Error::Config`] from [`BootstrapSettings::check`].
/// * [`Error::Value`] for fewer than 2 values, or a BCa interval on data whose resampled means
///   all fall on one side of the estimate (the bias correction is infinite; SciPy returns NaN).
/// * [`Error::NonFinite`] for a NaN or infinite value.
///
/// ```
/// use tuneup::tune::{bootstrap_ci, BootstrapSettings, CiMethod};
/// let d: Vec<f64> = (0..40).map(|i| 0.05 + 0.1 * ((i * 37 % 11) as f64 - 5.0) / 5.0).collect();
/// let s = BootstrapSettings::new().n_resamples(999).seed(3);
/// let ci = bootstrap_ci(&d, &s)?;
/// assert!(ci.low > 0.0 && ci.high < 0.11);
/// assert_eq!(bootstrap_ci(&d, &s)?, ci); // seeded
/// let bca = bootstrap_ci(&d, &s.method(CiMethod::Bca))?;
/// assert!(bca.contains(bca.estimate));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn bootstrap_ci(differences: &[f64], settings: &BootstrapSettings) -> Result<BootstrapCi> {
    let means = bootstrap_means(differences, settings)?;
    interval_from_sorted(differences, &means, settings.confidence, settings.method)
}

/// The seeded bootstrap distribution behind [`bootstrap_ci`]: the means of
/// `settings.n_resamples` resamples of `data` drawn with replacement, sorted ascending.
/// [`bootstrap_interval`] of them gives [`bootstrap_ci`]'s interval for either method.
///
/// # Errors
/// The same as [`bootstrap_ci`], less the BCa one.
///
/// ```
/// use tuneup::tune::{bootstrap_ci, bootstrap_interval, bootstrap_means, BootstrapSettings};
/// let d = [0.1, -0.2, 0.3, 0.0, 0.2];
/// let s = BootstrapSettings::new().n_resamples(199).seed(5);
/// let means = bootstrap_means(&d, &s)?;
/// assert_eq!(means.len(), 199);
/// assert_eq!(bootstrap_interval(&d, &means, 0.95, Default::default())?, bootstrap_ci(&d, &s)?);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn bootstrap_means(data: &[f64], settings: &BootstrapSettings) -> Result<Vec<f64>> {
    settings.check()?;
    at_least(data.len(), 2, CONTEXT, "values")?;
    finite(data, CONTEXT, "differences")?;
    Ok(resampled_means(data, settings))
}

/// The interval of [`bootstrap_ci`] from a bootstrap distribution computed elsewhere:
/// `resampled_means` holds the mean of each resample of `data` (in any order). With SciPy's
/// `bootstrap(...).bootstrap_distribution` this gives SciPy's `confidence_interval` for the
/// same data, to rounding.
///
/// On constant data both methods give `[d, d]` (SciPy's BCa gives NaN there).
///
/// # Errors
/// * [`Error::Config`] for fewer than 2 resampled means or a confidence outside `(0, 1)`.
/// * [`Error::Value`] for fewer than 2 values, or a BCa interval whose resampled means all lie on one side of the estimate.
/// * [`Error::NonFinite`] for a NaN or infinite value.
///
/// ```
/// use tuneup::tune::{bootstrap_interval, CiMethod};
/// let data = [0.0, 1.0, 2.0, 3.0];
/// let means = [0.5, 1.0, 1.5, 2.0, 2.5];
/// let ci = bootstrap_interval(&data, &means, 0.5, CiMethod::Percentile)?;
/// assert_eq!((ci.low, ci.high), (1.0, 2.0)); // the 25 % and 75 % quantiles
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn bootstrap_interval(
    data: &[f64],
    resampled_means: &[f64],
    confidence: f64,
    method: CiMethod,
) -> Result<BootstrapCi> {
    BootstrapSettings::new()
        .confidence(confidence)
        .n_resamples(resampled_means.len())
        .check()?;
    at_least(data.len(), 2, CONTEXT, "values")?;
    finite(data, CONTEXT, "data")?;
    finite(resampled_means, CONTEXT, "resampled_means")?;
    let mut sorted = resampled_means.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    interval_from_sorted(data, &sorted, confidence, method)
}

fn interval_from_sorted(
    data: &[f64],
    means: &[f64],
    confidence: f64,
    method: CiMethod,
) -> Result<BootstrapCi> {
    let estimate = data.iter().sum::<f64>() / data.len() as f64;
    let alpha = (1.0 - confidence) / 2.0;
    let (q_low, q_high) = match method {
        CiMethod::Percentile => (alpha, 1.0 - alpha),
        CiMethod::Bca => bca_levels(data, means, estimate, alpha)?,
    };
    Ok(BootstrapCi {
        estimate,
        low: quantile(means, q_low),
        high: quantile(means, q_high),
        confidence,
        method,
    })
}

/// The sorted means of `n_resamples` resamples with replacement.
fn resampled_means(data: &[f64], settings: &BootstrapSettings) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(settings.seed);
    let n = data.len();
    let mut means: Vec<f64> = (0..settings.n_resamples)
        .map(|_| (0..n).map(|_| data[rng.random_range(0..n)]).sum::<f64>() / n as f64)
        .collect();
    means.sort_unstable_by(f64::total_cmp);
    means
}

/// NumPy's default (linear) quantile of sorted, non-empty values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, frac) = (pos.floor() as usize, pos - pos.floor());
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + frac * (sorted[hi] - sorted[lo])
}

/// The BCa quantile levels `(α₁, α₂)` from the bias `z₀` and the jackknife acceleration, as
/// SciPy: `z₀ = Φ⁻¹((#{m < θ̂} + #{m ≤ θ̂}) / 2B)`, `a = Σ(θ̄ − θᵢ)³ / (6 (Σ(θ̄ − θᵢ)²)^{3/2})`
/// over the leave-one-out means `θᵢ` (0 when they are all equal), `α` the one-sided level.
fn bca_levels(data: &[f64], means: &[f64], estimate: f64, alpha: f64) -> Result<(f64, f64)> {
    let normal = Normal::standard();
    let strict = means.iter().filter(|&&m| m < estimate).count();
    let weak = means.iter().filter(|&&m| m <= estimate).count();
    let below = (strict + weak) as f64 / (2 * means.len()) as f64;
    let z0 = normal.inverse_cdf(below);
    if !z0.is_finite() {
        return Err(Error::value(
            CONTEXT,
            "resampled means on both sides of the estimate for a BCa interval",
            format!(
                "{:.0} % of them below it; use CiMethod::Percentile",
                below * 100.0
            ),
        ));
    }
    let n = data.len() as f64;
    let total: f64 = data.iter().sum();
    let jack: Vec<f64> = data.iter().map(|x| (total - x) / (n - 1.0)).collect();
    let jack_mean = jack.iter().sum::<f64>() / n;
    let num: f64 = jack.iter().map(|j| (jack_mean - j).powi(3)).sum();
    let den: f64 = jack
        .iter()
        .map(|j| (jack_mean - j).powi(2))
        .sum::<f64>()
        .powf(1.5);
    let accel = if den > 0.0 { num / (6.0 * den) } else { 0.0 };
    let level = |z: f64| normal_cdf(z0 + (z0 + z) / (1.0 - accel * (z0 + z)));
    let z_alpha = normal.inverse_cdf(alpha);
    Ok((level(z_alpha), level(-z_alpha)))
}
