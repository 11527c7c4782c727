//! The `Loss` trait and reductions.

use std::fmt::Debug;

use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2};

use super::sample_weights::weighted_by_rows;
use super::{OutputKind, Targets};
use crate::{Error, Float, Result};

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
/// A loss is `Send + Sync + Debug` and cloneable as a trait object (`Box<dyn Loss<F>>: Clone`,
/// through [`LossClone`], implemented for every `Clone` loss), so that a trainer can be built
/// again from the same settings and moved to another thread.
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
pub trait Loss<F: Float>: Send + Sync + Debug + LossClone<F> {
    /// The loss's name for messages, e.g. `MSE loss`.
    fn name(&self) -> String;

    /// The loss value, writing `∂L/∂ŷ` into `grad` when given (same shape as the prediction).
    fn compute(
        &self,
        prediction: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        grad: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F>;

    /// What the predictions this loss takes are: [`OutputKind::Values`] unless the loss says
    /// otherwise (logits for [`CrossEntropy`](super::CrossEntropy) and
    /// [`BceWithLogits`](super::BceWithLogits), probabilities for [`Bce`](super::Bce)).
    ///
    /// ```
    /// use tuneup::loss::{Bce, CrossEntropy, Loss, Mse, OutputKind};
    /// assert_eq!(Loss::<f64>::output_kind(&CrossEntropy::new()), OutputKind::Logits);
    /// assert_eq!(Loss::<f64>::output_kind(&Bce::new()), OutputKind::Probabilities);
    /// assert_eq!(Loss::<f64>::output_kind(&Mse::new()), OutputKind::Values);
    /// ```
    fn output_kind(&self) -> OutputKind {
        OutputKind::Values
    }

    /// This loss with per-class weights applied (the trainer's `class_weights`): cross-entropy
    /// takes them as its class weights, BCE with logits takes two weights `[w₀, w₁]` as
    /// `pos_weight = w₁ / w₀`. The default is an [`Error::Config`] on `Trainer.class_weights`:
    /// class weights act through the loss, and only those two losses take them.
    ///
    /// ```
    /// use tuneup::loss::{CrossEntropy, Loss, Mse};
    /// let weighted = Loss::<f64>::with_class_weights(&CrossEntropy::new(), &[1.0, 3.0]);
    /// assert!(weighted.is_ok());
    /// let refused = Loss::<f64>::with_class_weights(&Mse::new(), &[1.0, 3.0]);
    /// assert!(matches!(refused, Err(tuneup::Error::Config { ref parameter, .. }) if parameter == "Trainer.class_weights"));
    /// ```
    fn with_class_weights(&self, weights: &[f64]) -> Result<Box<dyn Loss<F>>> {
        Err(class_weights_refused(weights))
    }

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
        fit_buffer(grad, prediction.dim());
        self.compute(prediction, target, Some(grad.view_mut()))
    }

    /// The loss with one weight per sample (row), writing `∂L/∂ŷ` into `grad` when given.
    ///
    /// Semantics are scikit-learn's `sample_weight`: with a mean reduction the value is the
    /// weighted mean `Σ wᵢ lᵢ / Σ wᵢ` of the per-sample losses `lᵢ` (for element-wise losses
    /// `lᵢ` is the mean over the row's columns, so weights of 1 give the unweighted loss); with
    /// a sum reduction it is `Σ wᵢ lᵢ`. Class weights multiply the sample weights: the mean of
    /// a class-weighted cross-entropy divides by `Σ wᵢ c_{yᵢ}`. Weights must be finite, ≥ 0,
    /// one per row and not all zero (see [`check_sample_weights`](super::check_sample_weights)).
    ///
    /// The built-in losses override this with their own exact, allocation-free code. The
    /// default, correct for any loss whose batch value is the mean of its rows' values,
    /// evaluates each row as a one-row batch and returns `Σ wᵢ lᵢ / Σ wᵢ` (whatever the
    /// loss's own reduction), scaling each gradient row by `wᵢ / Σ wᵢ`.
    ///
    /// ```
    /// use tuneup::loss::{Loss, Mse};
    /// use ndarray::array;
    /// let pred = array![[1.0f64], [3.0]];
    /// let target = array![[0.0], [1.0]];
    /// // Weights (1, 3): (1·1 + 3·4) / 4.
    /// let l = Mse::new().value_weighted(pred.view(), (&target).into(), array![1.0, 3.0].view())?;
    /// assert_eq!(l, 13.0 / 4.0);
    /// assert!(Mse::new().value_weighted(pred.view(), (&target).into(), array![0.0, 0.0].view()).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn compute_weighted(
        &self,
        prediction: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        weights: ArrayView1<'_, F>,
        grad: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F> {
        weighted_by_rows(self, prediction, target, weights, grad)
    }

    /// The sample-weighted loss value (see [`Loss::compute_weighted`]).
    fn value_weighted(
        &self,
        prediction: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        weights: ArrayView1<'_, F>,
    ) -> Result<F> {
        self.compute_weighted(prediction, target, weights, None)
    }

    /// The sample-weighted loss value and its gradient, written into `grad` (reshaped if
    /// needed, reusing its storage as [`Loss::value_and_grad`] does).
    ///
    /// ```
    /// use tuneup::loss::{Loss, Mse};
    /// use ndarray::array;
    /// let pred = array![[1.0f64], [3.0]];
    /// let target = array![[0.0], [1.0]];
    /// let mut grad = ndarray::Array2::zeros((0, 0));
    /// Mse::new().value_and_grad_weighted(pred.view(), (&target).into(), array![1.0, 3.0].view(), &mut grad)?;
    /// assert_eq!(grad, array![[0.5], [3.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn value_and_grad_weighted(
        &self,
        prediction: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        weights: ArrayView1<'_, F>,
        grad: &mut Array2<F>,
    ) -> Result<F> {
        fit_buffer(grad, prediction.dim());
        self.compute_weighted(prediction, target, weights, Some(grad.view_mut()))
    }
}

/// Reshapes `grad` to `dim`, reusing its old allocation: `take` leaves an empty array (no
/// allocation), and the vector only reallocates when the new shape exceeds its capacity.
pub(crate) fn fit_buffer<F: Float>(grad: &mut Array2<F>, dim: (usize, usize)) {
    if grad.dim() != dim {
        let (mut data, _) = std::mem::take(grad).into_raw_vec_and_offset();
        data.clear();
        data.resize(dim.0 * dim.1, F::zero());
        *grad = Array2::from_shape_vec(dim, data).unwrap_or_else(|_| Array2::zeros(dim));
    }
}

/// The error of a loss that cannot take class weights.
fn class_weights_refused(weights: &[f64]) -> Error {
    Error::config(
        "Trainer.class_weights",
        format!("{weights:?}"),
        "a CrossEntropy or BceWithLogits loss (class weights act through the loss)",
    )
}

/// Clones a loss behind a trait object, so that `Box<dyn Loss<F>>` is `Clone`. Implemented for
/// every loss that is `Clone`; a custom loss gets it by deriving `Clone`.
///
/// ```
/// use tuneup::loss::{Huber, Loss};
/// let boxed: Box<dyn Loss<f64>> = Box::new(Huber::new(2.0)?);
/// let copy = boxed.clone();
/// assert_eq!(copy.name(), "Huber(δ=2) loss");
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait LossClone<F: Float> {
    /// A boxed copy of the loss.
    fn clone_box(&self) -> Box<dyn Loss<F>>;
}

impl<F: Float, T: Loss<F> + Clone + 'static> LossClone<F> for T {
    fn clone_box(&self) -> Box<dyn Loss<F>> {
        Box::new(self.clone())
    }
}

impl<F: Float> Clone for Box<dyn Loss<F>> {
    fn clone(&self) -> Self {
        (**self).clone_box()
    }
}

/// A boxed loss is a loss, so a stored `Box<dyn Loss<F>>` can go wherever a loss is taken.
impl<F: Float> Loss<F> for Box<dyn Loss<F>> {
    fn name(&self) -> String {
        (**self).name()
    }
    fn compute(
        &self,
        prediction: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        grad: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F> {
        (**self).compute(prediction, target, grad)
    }
    fn output_kind(&self) -> OutputKind {
        (**self).output_kind()
    }
    fn with_class_weights(&self, weights: &[f64]) -> Result<Box<dyn Loss<F>>> {
        (**self).with_class_weights(weights)
    }
    fn value(&self, prediction: ArrayView2<'_, F>, target: Targets<'_, F>) -> Result<F> {
        (**self).value(prediction, target)
    }
    fn value_and_grad(
        &self,
        prediction: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        grad: &mut Array2<F>,
    ) -> Result<F> {
        (**self).value_and_grad(prediction, target, grad)
    }
    fn compute_weighted(
        &self,
        prediction: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        weights: ArrayView1<'_, F>,
        grad: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F> {
        (**self).compute_weighted(prediction, target, weights, grad)
    }
}
