//! The `Loss` trait and reductions.

use ndarray::{Array2, ArrayView2, ArrayViewMut2};

use super::Targets;
use crate::{Float, Result};

/// How per-element losses are combined.
///
/// ```
/// use tuneup::loss::Reduction;
/// assert_eq!(Reduction::default(), Reduction::Mean);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduction {
    /// The mean (PyTorch's default; cross-entropy with class weights divides by the summed
    /// weights of the targets, as PyTorch does).
    #[default]
    Mean,
    /// The sum.
    Sum,
}

/// A loss `L(ŷ, y)` giving its value and its gradient with respect to the prediction.
///
/// Predictions holding NaN or ∞ are an error naming the loss and the entry, never a NaN
/// returned. The gradient is written into a caller-owned matrix that is reused between steps.
///
/// ```
/// use tuneup::loss::{Loss, Mse};
/// use ndarray::array;
/// let pred = array![[1.0f64], [3.0]];
/// let target = array![[0.0], [1.0]];
/// let mut grad = ndarray::Array2::zeros((0, 0));
/// let l = Mse::new().value_and_grad(pred.view(), (&target).into(), &mut grad).unwrap();
/// assert_eq!(l, 2.5);
/// assert_eq!(grad, array![[1.0], [2.0]]);
/// ```
pub trait Loss<F: Float>: Send + Sync {
    /// The loss's name for messages, e.g. `MSE loss`.
    fn name(&self) -> String;

    /// The loss value, writing `∂L/∂ŷ` into `grad` when given (same shape as the prediction).
    fn compute(
        &self,
        prediction: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        grad: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F>;

    /// The loss value.
    fn value(&self, prediction: ArrayView2<'_, F>, target: Targets<'_, F>) -> Result<F> {
        self.compute(prediction, target, None)
    }

    /// The loss value and its gradient, written into `grad` (reshaped if needed). The
    /// matrix keeps its storage when reshaped, so it allocates only when it must grow beyond
    /// the largest shape it has held: a smaller last batch, and the full batches after it,
    /// allocate nothing.
    ///
    /// ```
    /// use tuneup::loss::{Loss, Mse};
    /// let mut grad = ndarray::Array2::zeros((0, 0));
    /// let big = ndarray::Array2::<f64>::ones((4, 2));
    /// Mse::new().value_and_grad(big.view(), (&big).into(), &mut grad).unwrap();
    /// let small = ndarray::Array2::<f64>::ones((1, 2));
    /// Mse::new().value_and_grad(small.view(), (&small).into(), &mut grad).unwrap();
    /// assert_eq!(grad.dim(), (1, 2));
    /// ```
    fn value_and_grad(
        &self,
        prediction: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        grad: &mut Array2<F>,
    ) -> Result<F> {
        if grad.dim() != prediction.dim() {
            // Reuse the old allocation: `take` leaves an empty array (no allocation), and the
            // vector only reallocates when the new shape exceeds its capacity.
            let (mut data, _) = std::mem::take(grad).into_raw_vec_and_offset();
            data.clear();
            data.resize(prediction.len(), F::zero());
            *grad = Array2::from_shape_vec(prediction.dim(), data)
                .unwrap_or_else(|_| Array2::zeros(prediction.dim()));
        }
        self.compute(prediction, target, Some(grad.view_mut()))
    }
}
