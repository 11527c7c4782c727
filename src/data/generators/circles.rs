//! A small circle inside a large one (`sklearn.datasets.make_circles`).

use std::f64::consts::PI;

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{add_noise, check_count, check_non_negative, labelled, row_order};
use crate::data::Dataset;
use crate::{Error, Float, Result};

/// Settings of [`make_circles`]; `Default` gives scikit-learn's (`n_samples = 100`, no noise,
/// `factor = 0.8`, shuffled, seed 0).
///
/// ```
/// use tuneup::data::CirclesConfig;
/// assert_eq!(CirclesConfig::default().factor, 0.8);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CirclesConfig {
    /// Total number of points (at least 1); the outer circle gets `n_samples / 2`, the inner
    /// circle the rest.
    pub n_samples: usize,
    /// Standard deviation of the Gaussian noise added to each coordinate (finite, ≥ 0).
    pub noise: f64,
    /// Radius of the inner circle relative to the outer one, in `[0, 1)`.
    pub factor: f64,
    /// Whether to shuffle the rows (otherwise the outer circle comes first).
    pub shuffle: bool,
    /// Seed of the random generator.
    pub seed: u64,
}

impl Default for CirclesConfig {
    fn default() -> Self {
        CirclesConfig {
            n_samples: 100,
            noise: 0.0,
            factor: 0.8,
            shuffle: true,
            seed: 0,
        }
    }
}

/// Two concentric circles in 2-D: class 0 on the unit circle (`n_samples / 2` points), class
/// 1 on the circle of radius `factor` (the rest). Each circle's angles are evenly spaced over
/// `[0, 2π)` (end excluded); then Gaussian noise is added.
///
/// # Errors
/// [`Error::Config`] if `n_samples` is 0, `noise` is negative or not finite, or `factor` is
/// outside `[0, 1)`.
///
/// ```
/// use tuneup::data::{make_circles, CirclesConfig};
/// let ds = make_circles::<f64>(&CirclesConfig { factor: 0.5, ..Default::default() })?;
/// for (p, &c) in ds.features().rows().into_iter().zip(ds.labels().unwrap()) {
///     let r = p[0].hypot(p[1]);
///     assert!((r - if c == 0 { 1.0 } else { 0.5 }).abs() < 1e-12);
/// }
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn make_circles<F: Float>(config: &CirclesConfig) -> Result<Dataset<F>> {
    check_count("CirclesConfig.n_samples", config.n_samples, 1)?;
    check_non_negative("CirclesConfig.noise", config.noise)?;
    if !(0.0..1.0).contains(&config.factor) {
        return Err(Error::config(
            "CirclesConfig.factor",
            config.factor,
            "a radius ratio in [0, 1)",
        ));
    }
    let n_out = config.n_samples / 2;
    let n_in = config.n_samples - n_out;
    let mut x = Array2::zeros((config.n_samples, 2));
    let mut labels = vec![0; config.n_samples];
    let mut row = 0;
    for (count, radius, label) in [(n_out, 1.0, 0), (n_in, config.factor, 1)] {
        for i in 0..count {
            let t = 2.0 * PI * i as f64 / count as f64;
            x[[row, 0]] = radius * t.cos();
            x[[row, 1]] = radius * t.sin();
            labels[row] = label;
            row += 1;
        }
    }
    let mut rng = StdRng::seed_from_u64(config.seed);
    let order = row_order(config.n_samples, config.shuffle, &mut rng);
    add_noise(&mut x, config.noise, &mut rng);
    labelled(&x, &labels, 2, &order)
}
