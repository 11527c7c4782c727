//! Input × gradient (captum's `InputXGradient`).

use ndarray::{Array2, ArrayView2};

use super::{target_gradient, Attribution, Target};
use crate::model::Layer;
use crate::{Float, Result};

/// `x ⊙ ∂f_target/∂x`: for a linear model, each feature's term `wⱼxⱼ`.
///
/// ```
/// use tuneup::explain::{Attribution, InputXGradient, Target};
/// use tuneup::prelude::*;
/// let mut net = Sequential::<f64>::new()
///     .push(Linear::from_weights(ndarray::array![[2.0, -3.0]], None)?);
/// let a = InputXGradient.attribute(&mut net, ndarray::array![[4.0, 1.0]].view(), &Target::Only)?;
/// assert_eq!(a, ndarray::array![[8.0, -3.0]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InputXGradient;

impl<F: Float> Attribution<F> for InputXGradient {
    fn attribute(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        target: &Target,
    ) -> Result<Array2<F>> {
        Ok(target_gradient(model, x, target)? * x)
    }
}
