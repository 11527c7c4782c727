//! The one trait of per-feature attributions, so wrappers (the noise tunnel) take any method.

use ndarray::{Array2, ArrayView2};

use super::Target;
use crate::model::Layer;
use crate::{Float, Result};

/// A method that gives one score per input feature of each explained row, for a chosen
/// output of any model (run in eval mode; parameters and their gradients are left untouched).
///
/// ```
/// use tuneup::explain::{Attribution, Saliency, Target};
/// use tuneup::prelude::*;
/// let mut net = Sequential::<f64>::new()
///     .push(Linear::from_weights(ndarray::array![[2.0, -3.0]], None)?);
/// let method: &dyn Attribution<f64> = &Saliency::new();
/// let a = method.attribute(&mut net, ndarray::array![[1.0, 1.0]].view(), &Target::Only)?;
/// assert_eq!(a, ndarray::array![[2.0, 3.0]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait Attribution<F: Float> {
    /// Attributions of `target` for every row of `x`, shaped like `x`.
    ///
    /// # Errors
    /// Typed errors for an empty or non-finite `x`, a target out of range, and those of the
    /// model; the model is left as it was.
    fn attribute(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        target: &Target,
    ) -> Result<Array2<F>>;
}
