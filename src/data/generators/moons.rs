//! Two interleaving half circles (`sklearn.datasets.make_moons`).

use std::f64::consts::PI;

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{add_noise, check_count, check_non_negative, labelled, linspace, row_order};
use crate::data::Dataset;
use crate::{Float, Result};

/// Settings of [`make_moons`]; `Default` gives scikit-learn's (`n_samples = 100`, no noise,
/// shuffled, seed 0).
///
/// ```
/// use tuneup::data::MoonsConfig;
/// let cfg = MoonsConfig { noise: 0.1, ..Default::default() };
/// assert_eq!(cfg.n_samples, 100);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MoonsConfig {
    /// Total number of points (at least 1); the outer moon gets `n_samples / 2`, the inner
    /// moon the rest.
    pub n_samples: usize,
    /// Standard deviation of the Gaussian noise added to each coordinate (finite, ≥ 0).
    pub noise: f64,
    /// Whether to shuffle the rows (otherwise the outer moon comes first).
    pub shuffle: bool,
    /// Seed of the random generator.
    pub seed: u64,
}

impl Default for MoonsConfig {
    fn default() -> Self {
        MoonsConfig {
            n_samples: 100,
            noise: 0.0,
            shuffle: true,
            seed: 0,
        }
    }
}

/// Two interleaving half circles in 2-D, a binary classification problem no straight line
/// separates.
///
/// Before noise, class 0 (the outer moon, `n_samples / 2` points) lies on the upper unit half
/// circle `(cos t, sin t)` and class 1 (the inner moon, the remaining points) on
/// `(1 − cos t, 1 − sin t − 0.5)`, with `t` evenly spaced over `[0, π]` (ends included).
///
/// # Errors
/// [`Error::Config`](crate::Error::Config) if `n_samples` is 0 or `noise` is negative or not
/// finite.
///
/// ```
/// use tuneup::data::{make_moons, MoonsConfig};
/// let ds = make_moons::<f64>(&MoonsConfig { n_samples: 7, shuffle: false, ..Default::default() })?;
/// assert_eq!(ds.class_counts(), Some(vec![3, 4]));
/// assert!((ds.features()[[0, 0]] - 1.0).abs() < 1e-15); // (cos 0, sin 0)
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn make_moons<F: Float>(config: &MoonsConfig) -> Result<Dataset<F>> {
    check_count("MoonsConfig.n_samples", config.n_samples, 1)?;
    check_non_negative("MoonsConfig.noise", config.noise)?;
    let n_out = config.n_samples / 2;
    let n_in = config.n_samples - n_out;
    let mut x = Array2::zeros((config.n_samples, 2));
    let mut labels = vec![0; config.n_samples];
    for (i, t) in linspace(0.0, PI, n_out).enumerate() {
        x[[i, 0]] = t.cos();
        x[[i, 1]] = t.sin();
    }
    for (i, t) in linspace(0.0, PI, n_in).enumerate() {
        x[[n_out + i, 0]] = 1.0 - t.cos();
        x[[n_out + i, 1]] = 1.0 - t.sin() - 0.5;
        labels[n_out + i] = 1;
    }
    let mut rng = StdRng::seed_from_u64(config.seed);
    let order = row_order(config.n_samples, config.shuffle, &mut rng);
    add_noise(&mut x, config.noise, &mut rng);
    labelled(&x, &labels, 2, &order)
}
