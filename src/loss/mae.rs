//! Mean absolute error.

use ndarray::{ArrayView2, ArrayViewMut2};

use super::elementwise::reduce_elementwise;
use super::sample_weights::RowWeights;
use super::targets::check_dense;
use super::{Loss, Reduction, Targets};
use crate::{Float, Result};

/// `|ŷ − y|`, averaged over every element (`nn.L1Loss`); the gradient at 0 is 0, as PyTorch's.
///
/// ```
/// use tuneup::loss::{Loss, Mae};
/// let l = Mae::new().value(ndarray::array![[2.0f64, -1.0]].view(), (&ndarray::array![[0.0, 0.0]]).into());
/// assert_eq!(l.unwrap(), 1.5);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Mae {
    reduction: Reduction,
}

impl Mae {
    /// Mean reduction.
    pub fn new() -> Self {
        Self::default()
    }
    /// With the given reduction.
    pub fn with_reduction(reduction: Reduction) -> Self {
        Mae { reduction }
    }
}

impl<F: Float> Loss<F> for Mae {
    fn name(&self) -> String {
        "MAE loss".into()
    }
    super::sample_weights::forward_to_weighted!();
}

impl Mae {
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
        reduce_elementwise(prediction, t, grad, self.reduction, weights, |p, y| {
            let d = p - y;
            let sign = if d > F::zero() {
                F::one()
            } else if d < F::zero() {
                -F::one()
            } else {
                F::zero()
            };
            (d.abs(), sign)
        })
    }
}
