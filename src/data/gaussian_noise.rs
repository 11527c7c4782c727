//! Gaussian input noise.

use ndarray::ArrayViewMut2;
use rand_distr::{Distribution, StandardNormal};

use super::augmenter::{batch_rng, check_rows, Augmenter};
use crate::{Error, Float, Result};

/// Adds `N(0, σ²)` noise to every feature (targets untouched): a simple regulariser and a
/// robustness check. Each batch's noise comes from a generator seeded by `(seed, batch count)`.
///
/// ```
/// use tuneup::data::{Augmenter, GaussianNoise};
/// let mut x = ndarray::Array2::<f64>::zeros((200, 50));
/// let mut y = ndarray::Array2::<f64>::zeros((200, 1));
/// GaussianNoise::new(0.5, 1).unwrap().augment(x.view_mut(), y.view_mut()).unwrap();
/// let var = x.mapv(|v| v * v).mean().unwrap();
/// assert!((var - 0.25).abs() < 0.02);
/// assert!(GaussianNoise::new(-0.1, 1).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct GaussianNoise {
    std: f64,
    seed: u64,
    draws: u64,
}

impl GaussianNoise {
    /// Noise of standard deviation `std` (finite, ≥ 0), in the features' units.
    pub fn new(std: f64, seed: u64) -> Result<Self> {
        if !(std.is_finite() && std >= 0.0) {
            return Err(Error::config(
                "GaussianNoise.std",
                std,
                "a finite number ≥ 0",
            ));
        }
        Ok(GaussianNoise {
            std,
            seed,
            draws: 0,
        })
    }

    /// How many batches have been perturbed (the position in the seeded stream).
    pub fn draws(&self) -> u64 {
        self.draws
    }
}

impl<F: Float> Augmenter<F> for GaussianNoise {
    fn stream_seed(&self) -> Option<u64> {
        Some(self.seed)
    }

    fn set_stream_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    fn name(&self) -> String {
        format!("GaussianNoise(σ={})", self.std)
    }

    fn augment(
        &mut self,
        mut features: ArrayViewMut2<'_, F>,
        targets: ArrayViewMut2<'_, F>,
    ) -> Result<()> {
        check_rows(&|| Augmenter::<F>::name(self), &features, &targets)?;
        let mut rng = batch_rng(self.seed, self.draws);
        self.draws += 1;
        let std = self.std;
        features.mapv_inplace(|v| {
            let z: f64 = StandardNormal.sample(&mut rng);
            v + F::cast(std * z)
        });
        Ok(())
    }

    fn seek(&mut self, batch: u64) {
        self.draws = batch;
    }
}
