//! Interleaved spiral arms, one class per arm.

use std::f64::consts::PI;

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{add_noise, check_count, check_non_negative, labelled, row_order};
use crate::data::Dataset;
use crate::{Error, Float, Result};

/// Settings of [`make_spirals`]; `Default`: 100 points on 2 arms of one turn each, no noise,
/// shuffled, seed 0.
///
/// ```
/// use tuneup::data::SpiralsConfig;
/// let cfg = SpiralsConfig { n_arms: 3, noise: 0.05, ..Default::default() };
/// assert_eq!(cfg.turns, 1.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SpiralsConfig {
    /// Total number of points (at least 1): each arm gets `n_samples / n_arms`, and the first
    /// `n_samples % n_arms` arms one more.
    pub n_samples: usize,
    /// Number of arms, which is the number of classes (at least 1).
    pub n_arms: usize,
    /// How many full turns each arm makes from the centre to radius 1 (finite, > 0).
    pub turns: f64,
    /// Standard deviation of the Gaussian noise added to each coordinate (finite, ≥ 0).
    pub noise: f64,
    /// Whether to shuffle the rows (otherwise arm 0 comes first).
    pub shuffle: bool,
    /// Seed of the random generator.
    pub seed: u64,
}

impl Default for SpiralsConfig {
    fn default() -> Self {
        SpiralsConfig {
            n_samples: 100,
            n_arms: 2,
            turns: 1.0,
            noise: 0.0,
            shuffle: true,
            seed: 0,
        }
    }
}

/// `n_arms` interleaved Archimedean spirals in 2-D; class `j` is arm `j` (scikit-learn has no
/// equivalent).
///
/// The `m` points of arm `j` have radii `r = (i + 1) / m` for `i = 0..m` and angles
/// `θ = 2π · turns · r + 2π j / n_arms`, at `(r cos θ, r sin θ)`; then Gaussian noise is
/// added.
///
/// # Errors
/// [`Error::Config`] if `n_samples` or `n_arms` is 0, `turns` is not positive and finite, or
/// `noise` is negative or not finite.
///
/// ```
/// use tuneup::data::{make_spirals, SpiralsConfig};
/// let ds = make_spirals::<f32>(&SpiralsConfig { n_samples: 90, n_arms: 3, ..Default::default() })?;
/// assert_eq!(ds.class_counts(), Some(vec![30, 30, 30]));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn make_spirals<F: Float>(config: &SpiralsConfig) -> Result<Dataset<F>> {
    check_count("SpiralsConfig.n_samples", config.n_samples, 1)?;
    check_count("SpiralsConfig.n_arms", config.n_arms, 1)?;
    check_non_negative("SpiralsConfig.noise", config.noise)?;
    if !(config.turns.is_finite() && config.turns > 0.0) {
        return Err(Error::config(
            "SpiralsConfig.turns",
            config.turns,
            "a finite number of turns > 0",
        ));
    }
    let (n, k) = (config.n_samples, config.n_arms);
    let mut x = Array2::zeros((n, 2));
    let mut labels = vec![0; n];
    let mut row = 0;
    for arm in 0..k {
        let m = n / k + usize::from(arm < n % k);
        let offset = 2.0 * PI * arm as f64 / k as f64;
        for i in 0..m {
            let r = (i + 1) as f64 / m as f64;
            let theta = 2.0 * PI * config.turns * r + offset;
            x[[row, 0]] = r * theta.cos();
            x[[row, 1]] = r * theta.sin();
            labels[row] = arm;
            row += 1;
        }
    }
    let mut rng = StdRng::seed_from_u64(config.seed);
    let order = row_order(n, config.shuffle, &mut rng);
    add_noise(&mut x, config.noise, &mut rng);
    labelled(&x, &labels, k, &order)
}
