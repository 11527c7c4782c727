//! Binary cross-entropy on probabilities.

use ndarray::{ArrayView2, ArrayViewMut2};

use super::elementwise::reduce_elementwise;
use super::sample_weights::RowWeights;
use super::targets::check_dense;
use super::{Loss, OutputKind, Reduction, Targets};
use crate::{Error, Float, Result};

/// `−[y log p + (1 − y) log(1 − p)]` on probabilities `p ∈ [0, 1]` (`nn.BCELoss`), with the
/// logarithms clamped at −100 and the gradient's denominator at 1e-12, exactly as PyTorch.
/// Prefer [`BceWithLogits`](super::BceWithLogits), which is stable for any logit.
///
/// ```
/// use tuneup::loss::{Bce, Loss};
/// let l = Bce::new().value(ndarray::array![[0.5f64]].view(), (&ndarray::array![[1.0]]).into());
/// assert!((l.unwrap() - 2f64.ln()).abs() < 1e-15);
/// let bad = Bce::new().value(ndarray::array![[1.5f64]].view(), (&ndarray::array![[1.0]]).into());
/// assert!(bad.is_err());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Bce {
    reduction: Reduction,
}

impl Bce {
    /// Mean reduction.
    pub fn new() -> Self {
        Self::default()
    }
    /// With the given reduction.
    pub fn with_reduction(reduction: Reduction) -> Self {
        Bce { reduction }
    }
}

impl<F: Float> Loss<F> for Bce {
    fn name(&self) -> String {
        "BCE loss".into()
    }
    fn output_kind(&self) -> OutputKind {
        OutputKind::Probabilities
    }
    super::sample_weights::forward_to_weighted!();
}

impl Bce {
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
        let name = || Loss::<F>::name(self);
        let t = check_dense(&name, &prediction, target)?;
        if let Some(((r, c), p)) = prediction
            .indexed_iter()
            .find(|&(_, &p)| p < F::zero() || p > F::one())
        {
            return Err(Error::value(
                name(),
                "probabilities in [0, 1] (use BceWithLogits for logits)",
                format!("prediction[{r}, {c}] = {p}"),
            ));
        }
        let floor = F::cast(-100.0);
        // PyTorch's EPSILON is the f32 value nearest 1e-12 (≈ 9.99999996e-13), in f64 too.
        let eps = F::cast(f64::from(1e-12_f32));
        reduce_elementwise(prediction, t, grad, self.reduction, weights, |p, y| {
            let one = F::one();
            let l = -(y * p.ln().max(floor) + (one - y) * (one - p).ln().max(floor));
            (l, (p - y) / ((one - p) * p).max(eps))
        })
    }
}
