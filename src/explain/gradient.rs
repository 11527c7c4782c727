//! The gradient of chosen outputs with respect to the input, the step every gradient
//! attribution is built on.

use ndarray::{Array2, ArrayView2};

use super::target::{one_hot, outputs};
use super::{check, Target};
use crate::loss::InputGradient;
use crate::model::{Layer, Mode};
use crate::{Float, Result};

/// `∂f(x)[r, target(r)]/∂x[r, ·]` for every row, as captum's `compute_gradients`.
///
/// ```
/// use tuneup::explain::{target_gradient, Target};
/// use tuneup::prelude::*;
/// let mut net = Sequential::<f64>::new()
///     .push(Linear::from_weights(ndarray::array![[1.0, 2.0], [3.0, -1.0]], None)?);
/// let g = target_gradient(&mut net, ndarray::array![[5.0, 7.0]].view(), &Target::Output(1))?;
/// assert_eq!(g, ndarray::array![[3.0, -1.0]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
///
/// # Errors
/// Empty or non-finite `x`, a target out of range, and the model's own errors.
pub fn target_gradient<F: Float>(
    model: &mut dyn Layer<F>,
    x: ArrayView2<'_, F>,
    target: &Target,
) -> Result<Array2<F>> {
    check::rows("target_gradient", x)?;
    let out = outputs(model, x)?;
    let columns = target.columns(x.nrows(), out.ncols())?;
    let seed = one_hot(x.nrows(), out.ncols(), &columns);
    let mut grad = InputGradient::new();
    grad.of_outputs(model, x, seed.view(), Mode::Eval)?;
    Ok(grad.gradient().to_owned())
}
