//! SmoothGrad and its variants over any attribution (captum's `NoiseTunnel`).

use ndarray::{Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

use super::{check, Attribution, Target};
use crate::model::Layer;
use crate::{Error, Float, Result};

/// How the noisy attributions are combined (captum's `nt_type`).
///
/// ```
/// assert_eq!(tuneup::explain::NoiseKind::default(), tuneup::explain::NoiseKind::SmoothGrad);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoiseKind {
    /// The mean of the attributions.
    #[default]
    SmoothGrad,
    /// The mean of their squares.
    SmoothGradSquared,
    /// Their variance (mean of squares minus squared mean).
    VarGrad,
}

/// Runs an attribution on `samples` copies of the input with Gaussian noise of standard
/// deviation `stdev` added (5 copies of σ = 1 by default, as captum), seeded, and combines the
/// results by a [`NoiseKind`].
///
/// ```
/// use tuneup::explain::{Attribution, NoiseTunnel, Saliency, Target};
/// use tuneup::prelude::*;
/// // A linear model has the same gradient everywhere: the noise changes nothing.
/// let mut net = Sequential::<f64>::new()
///     .push(Linear::from_weights(ndarray::array![[2.0, -1.0]], None)?);
/// let smooth = NoiseTunnel::new(Saliency::new().abs(false)).samples(8)?.stdev(0.5)?.seed(3);
/// let a = smooth.attribute(&mut net, ndarray::array![[1.0, 1.0]].view(), &Target::Only)?;
/// assert_eq!(a, ndarray::array![[2.0, -1.0]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NoiseTunnel<A> {
    method: A,
    kind: NoiseKind,
    samples: usize,
    stdev: f64,
    seed: u64,
}

impl<A> NoiseTunnel<A> {
    /// SmoothGrad over `method` with captum's defaults (5 samples, σ = 1, seed 0).
    ///
    /// ```
    /// use tuneup::explain::{NoiseTunnel, Saliency};
    /// assert_eq!(NoiseTunnel::new(Saliency::new()), NoiseTunnel::new(Saliency::new()).seed(0));
    /// ```
    pub fn new(method: A) -> Self {
        NoiseTunnel {
            method,
            kind: NoiseKind::SmoothGrad,
            samples: 5,
            stdev: 1.0,
            seed: 0,
        }
    }

    /// How the noisy attributions are combined.
    ///
    /// ```
    /// use tuneup::explain::{InputXGradient, NoiseKind, NoiseTunnel};
    /// let nt = NoiseTunnel::new(InputXGradient).kind(NoiseKind::VarGrad);
    /// assert_ne!(nt, NoiseTunnel::new(InputXGradient));
    /// ```
    pub fn kind(mut self, kind: NoiseKind) -> Self {
        self.kind = kind;
        self
    }

    /// Noisy copies per row.
    ///
    /// ```
    /// assert!(tuneup::explain::NoiseTunnel::new(tuneup::explain::InputXGradient).samples(0).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for 0.
    pub fn samples(mut self, samples: usize) -> Result<Self> {
        if samples == 0 {
            return Err(Error::config("NoiseTunnel.samples", 0, "at least 1"));
        }
        self.samples = samples;
        Ok(self)
    }

    /// The noise's standard deviation, in the inputs' units.
    ///
    /// ```
    /// assert!(tuneup::explain::NoiseTunnel::new(tuneup::explain::InputXGradient).stdev(-1.0).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for a negative or non-finite value.
    pub fn stdev(mut self, stdev: f64) -> Result<Self> {
        if !(stdev.is_finite() && stdev >= 0.0) {
            return Err(Error::config(
                "NoiseTunnel.stdev",
                stdev,
                "a finite value ≥ 0",
            ));
        }
        self.stdev = stdev;
        Ok(self)
    }

    /// The seed of the noise: the same seed gives bit-identical attributions.
    ///
    /// ```
    /// use tuneup::explain::{InputXGradient, NoiseTunnel};
    /// assert_ne!(NoiseTunnel::new(InputXGradient).seed(1), NoiseTunnel::new(InputXGradient));
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl<F: Float, A: Attribution<F>> Attribution<F> for NoiseTunnel<A> {
    fn attribute(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        target: &Target,
    ) -> Result<Array2<F>> {
        check::rows("NoiseTunnel", x)?;
        let noise = Normal::new(0.0, self.stdev)
            .map_err(|e| Error::config("NoiseTunnel.stdev", self.stdev, e))?;
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut sum = Array2::<F>::zeros(x.raw_dim());
        let mut sum_sq = Array2::<F>::zeros(x.raw_dim());
        for _ in 0..self.samples {
            let noisy = x.mapv(|v| v + F::cast(noise.sample(&mut rng)));
            let a = self.method.attribute(model, noisy.view(), target)?;
            sum += &a;
            sum_sq += &(&a * &a);
        }
        let n = F::from_count(self.samples);
        let mean = sum / n;
        let mean_sq = sum_sq / n;
        Ok(match self.kind {
            NoiseKind::SmoothGrad => mean,
            NoiseKind::SmoothGradSquared => mean_sq,
            NoiseKind::VarGrad => &mean_sq - &(&mean * &mean),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::{InputXGradient, IntegratedGradients, Saliency};
    use crate::model::{Activation, Mlp};

    #[test]
    fn noise_tunnel_is_seeded_and_reduces_to_its_method_without_noise() {
        let mut net = Mlp::new(&[3, 5, 2])
            .activation(Activation::Tanh)
            .seed(2)
            .build::<f64>()
            .unwrap();
        let x = ndarray::array![[0.3, -1.0, 0.5], [1.2, 0.1, -0.4]];
        let target = Target::Output(1);
        let plain = Saliency::new()
            .attribute(&mut net, x.view(), &target)
            .unwrap();
        let quiet = NoiseTunnel::new(Saliency::new()).stdev(0.0).unwrap();
        let same = quiet.attribute(&mut net, x.view(), &target).unwrap();
        assert!(
            (&same - &plain).iter().all(|d| d.abs() < 1e-15),
            "{same} vs {plain}"
        );
        let ig = IntegratedGradients::new().n_steps(8).unwrap();
        let smooth = NoiseTunnel::new(ig)
            .samples(4)
            .unwrap()
            .stdev(0.3)
            .unwrap()
            .seed(9);
        let a = smooth.attribute(&mut net, x.view(), &target).unwrap();
        assert_eq!(smooth.attribute(&mut net, x.view(), &target).unwrap(), a);
        assert_ne!(
            smooth
                .clone()
                .seed(10)
                .attribute(&mut net, x.view(), &target)
                .unwrap(),
            a
        );
        let var = NoiseTunnel::new(InputXGradient)
            .kind(NoiseKind::VarGrad)
            .stdev(0.5)
            .unwrap();
        let sq = var.clone().kind(NoiseKind::SmoothGradSquared);
        let mean = var.clone().kind(NoiseKind::SmoothGrad);
        let (v, s, m) = (
            var.attribute(&mut net, x.view(), &target).unwrap(),
            sq.attribute(&mut net, x.view(), &target).unwrap(),
            mean.attribute(&mut net, x.view(), &target).unwrap(),
        );
        assert!(v.iter().all(|&v| v >= -1e-15));
        let want = &s - &(&m * &m);
        assert!((&v - &want).iter().all(|d| d.abs() < 1e-15));
    }
}
