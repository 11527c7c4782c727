//! Saliency: the gradient of the target output (captum's `Saliency`).

use ndarray::{Array2, ArrayView2};

use super::{target_gradient, Attribution, Target};
use crate::model::Layer;
use crate::{Float, Result};

/// The input gradient of the target, in absolute value by default (captum's `abs=True`).
///
/// ```
/// use tuneup::explain::{Attribution, Saliency, Target};
/// use tuneup::prelude::*;
/// let mut net = Sequential::<f64>::new()
///     .push(Linear::from_weights(ndarray::array![[2.0, -3.0]], None)?);
/// let x = ndarray::array![[1.0, 1.0]];
/// assert_eq!(Saliency::new().attribute(&mut net, x.view(), &Target::Only)?, ndarray::array![[2.0, 3.0]]);
/// let signed = Saliency::new().abs(false).attribute(&mut net, x.view(), &Target::Only)?;
/// assert_eq!(signed, ndarray::array![[2.0, -3.0]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saliency {
    abs: bool,
}

impl Default for Saliency {
    fn default() -> Self {
        Saliency { abs: true }
    }
}

impl Saliency {
    /// Absolute gradients (captum's default).
    pub fn new() -> Self {
        Self::default()
    }

    /// `false` keeps the gradient's sign.
    ///
    /// ```
    /// assert_eq!(tuneup::explain::Saliency::new().abs(false), tuneup::explain::Saliency::new().abs(false));
    /// ```
    pub fn abs(mut self, abs: bool) -> Self {
        self.abs = abs;
        self
    }
}

impl<F: Float> Attribution<F> for Saliency {
    fn attribute(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        target: &Target,
    ) -> Result<Array2<F>> {
        let grad = target_gradient(model, x, target)?;
        Ok(if self.abs { grad.mapv(F::abs) } else { grad })
    }
}
