//! Mean squared error.

use ndarray::{ArrayView2, ArrayViewMut2};

use super::elementwise::reduce_elementwise;
use super::sample_weights::RowWeights;
use super::targets::check_dense;
use super::{Loss, Reduction, Targets};
use crate::{Float, Result};

/// `(ŷ − y)²`, averaged over every element (`nn.MSELoss`).
///
/// ```
/// use tuneup::loss::{Loss, Mse};
/// let l = Mse::new().value(ndarray::array![[2.0f64, 0.0]].view(), (&ndarray::array![[0.0, 0.0]]).into());
/// assert_eq!(l.unwrap(), 2.0);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Mse {
    reduction: Reduction,
}

impl Mse {
    /// Mean reduction.
    pub fn new() -> Self {
        Self::default()
    }
    /// With the given reduction.
    pub fn with_reduction(reduction: Reduction) -> Self {
        Mse { reduction }
    }
}

impl<F: Float> Loss<F> for Mse {
    fn name(&self) -> String {
        "MSE loss".into()
    }
    super::sample_weights::forward_to_weighted!();
}

impl Mse {
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
        let two = F::cast(2.0);
        reduce_elementwise(prediction, t, grad, self.reduction, weights, |p, y| {
            let d = p - y;
            (d * d, two * d)
        })
    }
}
