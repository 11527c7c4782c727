//! Huber loss.

use ndarray::{ArrayView2, ArrayViewMut2};

use super::elementwise::reduce_elementwise;
use super::sample_weights::RowWeights;
use super::targets::check_dense;
use super::{Loss, Reduction, Targets};
use crate::{Error, Float, Result};

/// `½d²` for `|d| < δ`, `δ(|d| − ½δ)` beyond (`nn.HuberLoss`): quadratic near the target,
/// linear for outliers, so a few wild targets cannot dominate the gradient.
///
/// ```
/// use tuneup::loss::{Huber, Loss};
/// let h = Huber::new(1.0).unwrap();
/// let l = h.value(ndarray::array![[0.5f64, 3.0]].view(), (&ndarray::array![[0.0, 0.0]]).into());
/// assert_eq!(l.unwrap(), (0.125 + 2.5) / 2.0);
/// assert!(Huber::new(0.0).is_err());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Huber {
    delta: f64,
    reduction: Reduction,
}

impl Huber {
    /// Huber loss with threshold `delta` (> 0), mean reduction.
    pub fn new(delta: f64) -> Result<Self> {
        if !(delta.is_finite() && delta > 0.0) {
            return Err(Error::config("Huber.delta", delta, "a finite number > 0"));
        }
        Ok(Huber {
            delta,
            reduction: Reduction::Mean,
        })
    }
    /// With the given reduction.
    pub fn with_reduction(mut self, reduction: Reduction) -> Self {
        self.reduction = reduction;
        self
    }
}

impl<F: Float> Loss<F> for Huber {
    fn name(&self) -> String {
        format!("Huber(δ={}) loss", self.delta)
    }
    super::sample_weights::forward_to_weighted!();
}

impl Huber {
    /// The loss with rows weighted by `weights` (all 1 when unweighted).
    fn weighted<F: Float>(
        &self,
        prediction: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        weights: RowWeights<'_, F>,
        grad: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F>
    where
        Self: Loss<F>,
    {
        let t = check_dense(&|| Loss::<F>::name(self), &prediction, target)?;
        let delta = F::cast(self.delta);
        let half = F::cast(0.5);
        reduce_elementwise(prediction, t, grad, self.reduction, weights, |p, y| {
            let d = p - y;
            if d.abs() < delta {
                (half * d * d, d)
            } else {
                (delta * (d.abs() - half * delta), delta * d.signum())
            }
        })
    }
}
