//! DeepLIFT with the Rescale rule (captum's `DeepLift`), with the convergence delta.

use ndarray::{concatenate, s, Array2, ArrayView2, Axis};

use super::target::{one_hot, outputs, pick};
use super::{check, Attribution, Baseline, IgAttribution, Target};
use crate::model::Layer;
use crate::{Error, Float, Result};

/// `(xᵢ − bᵢ) · mᵢ`, where the multiplier `mᵢ` back-propagates the target output with every
/// element-wise activation's derivative replaced by `Δout / Δin` between the explained row
/// and its baseline (the Rescale rule; the derivative itself where `|Δin| < eps`), as captum's
/// `DeepLift` does (`eps = 1e-10`, zero baseline, multiplied by the inputs by default).
///
/// Like captum, it runs the explained rows and their baselines through the model as one
/// batch. The per-layer rules are [`Layer::backward_deeplift`]: `Linear` (with any fused
/// activation), `ActivationLayer`, `Dropout` and `BatchNorm1d` in eval mode, `LayerNorm`,
/// `Residual` and `Sequential` (so every [`Mlp`](crate::model::Mlp)). Normalisations pass the
/// ordinary gradient, as in captum, which does not rescale them. Every activation of
/// [`Activation`](crate::model::Activation) is rescaled; captum rescales only the modules in
/// its `SUPPORTED_NON_LINEAR` (ReLU, ELU, LeakyReLU, Sigmoid, Tanh, Softplus) and passes
/// GELU's and SiLU's ordinary gradient, so for those two the results are those of captum's
/// own rule registered for them. Any other layer (a convolution, `Softmax`) is an error
/// naming it. The model is run on a copy, so it is left exactly as it was.
///
/// With only linear layers and rescaled activations the attributions of a row sum to
/// `F(x) − F(baseline)` (the delta is zero up to rounding).
///
/// ```
/// use tuneup::explain::{Baseline, DeepLift, Target};
/// use tuneup::prelude::*;
/// // f(x) = relu(x₀ − x₁): from the baseline (0, 0) to (3, 1) the output rises by 2.
/// let mut net = Sequential::<f64>::new()
///     .push(Linear::from_weights(ndarray::array![[1.0, -1.0]], None)?.with_activation(Activation::Relu)?);
/// let x = ndarray::array![[3.0, 1.0]];
/// let dl = DeepLift::new().explain(&mut net, x.view(), &Target::Only)?;
/// assert_eq!(dl.attributions, ndarray::array![[3.0, -1.0]]);
/// assert_eq!(dl.delta[0], 0.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DeepLift<F> {
    baseline: Baseline<F>,
    eps: f64,
    multiply_by_inputs: bool,
}

impl<F: Float> Default for DeepLift<F> {
    fn default() -> Self {
        DeepLift {
            baseline: Baseline::Zero,
            eps: 1e-10,
            multiply_by_inputs: true,
        }
    }
}

impl<F: Float> DeepLift<F> {
    /// captum's defaults.
    ///
    /// ```
    /// let dl = tuneup::explain::DeepLift::<f64>::new();
    /// assert_eq!(dl, Default::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The reference input (zeros by default): a value, one row, or one row per explained row.
    ///
    /// ```
    /// use tuneup::explain::{Baseline, DeepLift};
    /// let dl = DeepLift::new().baseline(Baseline::Row(ndarray::array![0.5f64, 0.0]));
    /// assert_ne!(dl, DeepLift::new());
    /// ```
    pub fn baseline(mut self, baseline: Baseline<F>) -> Self {
        self.baseline = baseline;
        self
    }

    /// Below this `|Δin|` an activation uses its derivative instead of `Δout / Δin`
    /// (captum's `eps`, 1e-10 by default).
    ///
    /// ```
    /// use tuneup::explain::DeepLift;
    /// assert!(DeepLift::<f64>::new().eps(1e-6).is_ok());
    /// assert!(DeepLift::<f64>::new().eps(-1.0).is_err());
    /// assert!(DeepLift::<f64>::new().eps(f64::NAN).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for a negative or non-finite value.
    pub fn eps(mut self, eps: f64) -> Result<Self> {
        if !(eps.is_finite() && eps >= 0.0) {
            return Err(Error::config("DeepLift.eps", eps, "a finite number ≥ 0"));
        }
        self.eps = eps;
        Ok(self)
    }

    /// `false` returns the multipliers alone, without the factor `x − b`.
    ///
    /// ```
    /// let dl = tuneup::explain::DeepLift::<f64>::new().multiply_by_inputs(false);
    /// assert_ne!(dl, Default::default());
    /// ```
    pub fn multiply_by_inputs(mut self, multiply: bool) -> Self {
        self.multiply_by_inputs = multiply;
        self
    }

    /// Attributions of `target` for each row of `x`, with the convergence delta
    /// `Σⱼ attrⱼ − (F(x) − F(baseline))` (captum's `return_convergence_delta`).
    ///
    /// ```
    /// use tuneup::explain::{DeepLift, Target};
    /// use tuneup::prelude::*;
    /// let mut net = Sequential::<f64>::new().push(Softmax::new());
    /// let err = DeepLift::new().explain(&mut net, ndarray::array![[1.0, 2.0]].view(), &Target::Output(0));
    /// assert!(err.unwrap_err().to_string().contains("Softmax"));
    /// ```
    ///
    /// # Errors
    /// An empty or non-finite `x`, a baseline of another shape or with a NaN, a target out of
    /// range, a layer without a DeepLIFT rule, non-finite outputs or attributions, and the
    /// model's errors; the model is left as it was.
    pub fn explain(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        target: &Target,
    ) -> Result<IgAttribution<F>> {
        check::rows("DeepLift", x)?;
        let baseline = self.baseline.for_rows(x)?;
        let n = x.nrows();
        check::product("DeepLift", 2, n)?;
        let stacked = concatenate(Axis(0), &[x, baseline.view()])
            .map_err(|e| Error::shape("DeepLift", "rows of one width", e.to_string()))?;
        let mut work = model.clone_box();
        let out = outputs(work.as_mut(), stacked.view())?;
        check::finite("DeepLift", "model output", out.view())?;
        let columns = target.columns(n, out.ncols())?;
        let seed = one_hot(2 * n, out.ncols(), &columns);
        let multipliers = work
            .backward_deeplift(stacked.view(), seed.view(), F::cast(self.eps))
            .map_err(|e| e.within("DeepLift"))?;
        let top = multipliers.slice(s![..n, ..]);
        let attributions = if self.multiply_by_inputs {
            &(&x - &baseline) * &top
        } else {
            top.to_owned()
        };
        check::finite("DeepLift", "attributions", attributions.view())?;
        let end = pick(out.slice(s![..n, ..]), &columns);
        let start = pick(out.slice(s![n.., ..]), &columns);
        let delta = attributions.sum_axis(Axis(1)) - &(end - start);
        Ok(IgAttribution {
            attributions,
            delta,
        })
    }
}

impl<F: Float> Attribution<F> for DeepLift<F> {
    fn attribute(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        target: &Target,
    ) -> Result<Array2<F>> {
        Ok(self.explain(model, x, target)?.attributions)
    }
}
