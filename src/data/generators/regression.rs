//! A random linear regression problem (`sklearn.datasets.make_regression`).

use ndarray::{Array2, Axis};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{check_count, check_non_negative, normal, row_order};
use crate::data::Dataset;
use crate::{Error, Float, Result};

/// Settings of [`make_regression`]; `Default` gives scikit-learn's (100 samples, 100
/// features of which 10 informative, 1 target, no bias, no noise, shuffled, seed 0).
///
/// ```
/// use tuneup::data::RegressionConfig;
/// let cfg = RegressionConfig { n_features: 5, n_informative: 2, noise: 0.1, ..Default::default() };
/// assert_eq!(cfg.n_targets, 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionConfig {
    /// Number of samples (at least 1).
    pub n_samples: usize,
    /// Number of features (at least 1).
    pub n_features: usize,
    /// How many features the targets depend on: the first `n_informative` columns
    /// (at most `n_features`).
    pub n_informative: usize,
    /// Number of target columns (at least 1).
    pub n_targets: usize,
    /// Constant added to every target (finite).
    pub bias: f64,
    /// Standard deviation of the Gaussian noise added to the targets (finite, ≥ 0).
    pub noise: f64,
    /// Whether to shuffle the rows.
    pub shuffle: bool,
    /// Seed of the random generator.
    pub seed: u64,
}

impl Default for RegressionConfig {
    fn default() -> Self {
        RegressionConfig {
            n_samples: 100,
            n_features: 100,
            n_informative: 10,
            n_targets: 1,
            bias: 0.0,
            noise: 0.0,
            shuffle: true,
            seed: 0,
        }
    }
}

/// A linear regression problem `y = X · coef + bias + ε`: returns the dataset and `coef`
/// (`n_features × n_targets`).
///
/// `X` is standard normal; the first `n_informative` rows of `coef` are uniform in
/// `[0, 100)` and the other rows are exactly zero, so only the first `n_informative`
/// features matter (unlike scikit-learn, columns are not shuffled). `ε` is `N(0, noise²)`,
/// independent per entry. The targets are computed in `f64` from the `f64` features, as
/// `Σ_j x_j coef_j` in column order plus `bias`, before conversion to `F`.
///
/// # Errors
/// [`Error::Config`] if `n_samples`, `n_features` or `n_targets` is 0, if
/// `n_informative > n_features`, if `bias` is not finite, or if `noise` is negative or not
/// finite.
///
/// ```
/// use tuneup::data::{make_regression, RegressionConfig};
/// let cfg = RegressionConfig { n_samples: 20, n_features: 4, n_informative: 2, bias: 3.0,
///     ..Default::default() };
/// let (ds, coef) = make_regression::<f64>(&cfg)?;
/// assert_eq!((coef[[2, 0]], coef[[3, 0]]), (0.0, 0.0));
/// let x = ds.features();
/// let y0 = x[[0, 0]] * coef[[0, 0]] + x[[0, 1]] * coef[[1, 0]] + 3.0;
/// assert!((ds.values().unwrap()[[0, 0]] - y0).abs() < 1e-9);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn make_regression<F: Float>(config: &RegressionConfig) -> Result<(Dataset<F>, Array2<f64>)> {
    check_count("RegressionConfig.n_samples", config.n_samples, 1)?;
    check_count("RegressionConfig.n_features", config.n_features, 1)?;
    check_count("RegressionConfig.n_targets", config.n_targets, 1)?;
    if config.n_informative > config.n_features {
        return Err(Error::config(
            "RegressionConfig.n_informative",
            config.n_informative,
            format!("at most n_features = {}", config.n_features),
        ));
    }
    if !config.bias.is_finite() {
        return Err(Error::config(
            "RegressionConfig.bias",
            config.bias,
            "a finite value",
        ));
    }
    check_non_negative("RegressionConfig.noise", config.noise)?;
    let (n, d, t) = (config.n_samples, config.n_features, config.n_targets);
    let mut rng = StdRng::seed_from_u64(config.seed);
    let x = Array2::from_shape_simple_fn((n, d), || normal(&mut rng));
    let coef = Array2::from_shape_fn((d, t), |(j, _)| {
        if j < config.n_informative {
            100.0 * rng.random::<f64>()
        } else {
            0.0
        }
    });
    let mut y = Array2::zeros((n, t));
    for i in 0..n {
        for k in 0..t {
            let mut acc = 0.0;
            for j in 0..d {
                acc += x[[i, j]] * coef[[j, k]];
            }
            y[[i, k]] = acc + config.bias;
        }
    }
    if config.noise > 0.0 {
        y.mapv_inplace(|v| v + config.noise * normal(&mut rng));
    }
    let order = row_order(n, config.shuffle, &mut rng);
    let ds = Dataset::regression(
        x.select(Axis(0), &order).mapv(F::cast),
        y.select(Axis(0), &order).mapv(F::cast),
    )?;
    Ok((ds, coef))
}
