//! Integrated gradients (captum's `IntegratedGradients`), with the convergence delta.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::target::{one_hot, outputs, pick};
use super::{check, Attribution, Baseline, IgMethod, Target};
use crate::loss::InputGradient;
use crate::model::{Layer, Mode};
use crate::{Error, Float, Result};

/// `(xᵢ − bᵢ) ∫₀¹ ∂f(b + α(x − b))/∂xᵢ dα` for the target output, approximated with
/// `n_steps` points of an [`IgMethod`] (captum's defaults: 50 Gauss–Legendre points, zero
/// baseline, multiplied by the inputs).
///
/// The path points are run through the model `internal_batch_size` rows at a time (at least
/// one step of every explained row), so memory stays bounded whatever `n_steps` is.
///
/// ```
/// use tuneup::explain::{IntegratedGradients, Target};
/// use tuneup::prelude::*;
/// // f(x) = (x₀ + x₁)²: the attributions sum to f(x) − f(0) up to the quadrature error.
/// let mut net = Sequential::<f64>::new()
///     .push(Linear::from_weights(ndarray::array![[1.0, 1.0]], None)?)
///     .push(ActivationLayer::new(Activation::Softplus { beta: 1.0, threshold: 20.0 })?);
/// let x = ndarray::array![[1.0, 2.0]];
/// let ig = IntegratedGradients::new().n_steps(20)?.explain(&mut net, x.view(), &Target::Only)?;
/// assert!(ig.delta[0].abs() < 1e-12);
/// assert!((ig.attributions[[0, 0]] - ig.attributions[[0, 1]] / 2.0).abs() < 1e-12);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct IntegratedGradients<F> {
    baseline: Baseline<F>,
    n_steps: usize,
    method: IgMethod,
    multiply_by_inputs: bool,
    internal_batch_size: Option<usize>,
    f32_step_sizes: bool,
}

/// Attributions and the convergence delta `Σⱼ attrⱼ − (F(x) − F(baseline))` per row, what
/// [`IntegratedGradients::explain`] and [`DeepLift::explain`](super::DeepLift::explain) return.
#[derive(Debug, Clone, PartialEq)]
pub struct IgAttribution<F> {
    /// One attribution per feature of each explained row.
    pub attributions: Array2<F>,
    /// The completeness error of each row (0 for an exact integral).
    pub delta: Array1<F>,
}

impl<F: Float> Default for IntegratedGradients<F> {
    fn default() -> Self {
        IntegratedGradients {
            baseline: Baseline::Zero,
            n_steps: 50,
            method: IgMethod::GaussLegendre,
            multiply_by_inputs: true,
            internal_batch_size: None,
            f32_step_sizes: false,
        }
    }
}

impl<F: Float> IntegratedGradients<F> {
    /// captum's defaults.
    ///
    /// ```
    /// let ig = tuneup::explain::IntegratedGradients::<f64>::new();
    /// assert_eq!(ig, Default::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The path's starting point (zeros by default).
    ///
    /// ```
    /// use tuneup::explain::{Baseline, IntegratedGradients};
    /// let ig = IntegratedGradients::new().baseline(Baseline::Scalar(0.5f64));
    /// assert_ne!(ig, IntegratedGradients::new());
    /// ```
    pub fn baseline(mut self, baseline: Baseline<F>) -> Self {
        self.baseline = baseline;
        self
    }

    /// The number of path points (50 by default).
    ///
    /// ```
    /// assert!(tuneup::explain::IntegratedGradients::<f64>::new().n_steps(0).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for 0.
    pub fn n_steps(mut self, n_steps: usize) -> Result<Self> {
        if n_steps == 0 {
            return Err(Error::config(
                "IntegratedGradients.n_steps",
                0,
                "at least 1",
            ));
        }
        self.n_steps = n_steps;
        Ok(self)
    }

    /// The quadrature rule (Gauss–Legendre by default).
    ///
    /// ```
    /// use tuneup::explain::{IgMethod, IntegratedGradients};
    /// let ig = IntegratedGradients::<f32>::new().method(IgMethod::RiemannRight);
    /// assert_ne!(ig, IntegratedGradients::new());
    /// ```
    pub fn method(mut self, method: IgMethod) -> Self {
        self.method = method;
        self
    }

    /// `false` returns the integrated gradient alone, without the factor `x − b`.
    ///
    /// ```
    /// let ig = tuneup::explain::IntegratedGradients::<f64>::new().multiply_by_inputs(false);
    /// assert_ne!(ig, Default::default());
    /// ```
    pub fn multiply_by_inputs(mut self, multiply: bool) -> Self {
        self.multiply_by_inputs = multiply;
        self
    }

    /// At most this many path rows per forward pass (but always one step of every row).
    ///
    /// ```
    /// assert!(tuneup::explain::IntegratedGradients::<f64>::new().internal_batch_size(0).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for 0.
    pub fn internal_batch_size(mut self, rows: usize) -> Result<Self> {
        if rows == 0 {
            return Err(Error::config(
                "IntegratedGradients.internal_batch_size",
                0,
                "at least 1",
            ));
        }
        self.internal_batch_size = Some(rows);
        Ok(self)
    }

    /// `true` rounds the quadrature weights to `f32` before use, as captum does
    /// (`torch.tensor(step_sizes).float()` in `IntegratedGradients._attribute`), for
    /// attributions equal to captum's to rounding; it costs about 1e-8 relative accuracy, so
    /// the default (`false`) keeps the weights in `f64`.
    ///
    /// ```
    /// use tuneup::explain::{IntegratedGradients, Target};
    /// use tuneup::prelude::*;
    /// let mut net = Sequential::<f64>::new()
    ///     .push(Linear::from_weights(ndarray::array![[1.0]], None)?);
    /// let x = ndarray::array![[1.0]];
    /// let ig = IntegratedGradients::new().n_steps(3)?;
    /// let exact = ig.explain(&mut net, x.view(), &Target::Only)?;
    /// let captum = ig.f32_step_sizes(true).explain(&mut net, x.view(), &Target::Only)?;
    /// assert!(exact.delta[0].abs() < 1e-15);
    /// assert!(captum.delta[0].abs() > 1e-12 && captum.delta[0].abs() < 1e-7);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn f32_step_sizes(mut self, round: bool) -> Self {
        self.f32_step_sizes = round;
        self
    }

    /// Attributions of `target` for each row of `x`, with the convergence delta.
    ///
    /// # Errors
    /// An empty or non-finite `x`, a baseline of another shape, a target out of range, a
    /// Riemann rule with one step, and the model's errors; the model is left as it was.
    pub fn explain(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        target: &Target,
    ) -> Result<IgAttribution<F>> {
        check::rows("IntegratedGradients", x)?;
        let baseline = self.baseline.for_rows(x)?;
        let (alphas, mut step_sizes) = self.method.alphas_and_step_sizes(self.n_steps)?;
        if self.f32_step_sizes {
            step_sizes
                .iter_mut()
                .for_each(|w| *w = f64::from(*w as f32));
        }
        let end = outputs(model, x)?;
        let width = end.ncols();
        let columns = target.columns(x.nrows(), width)?;
        let start = pick(outputs(model, baseline.view())?.view(), &columns);
        let end = pick(end.view(), &columns);
        let rule = (&alphas[..], &step_sizes[..]);
        let mut total = self.integrate(model, (x, baseline.view()), &columns, width, rule)?;
        if self.multiply_by_inputs {
            total *= &(&x - &baseline);
        }
        let delta = total.sum_axis(Axis(1)) - &(end - start);
        Ok(IgAttribution {
            attributions: total,
            delta,
        })
    }

    /// `Σₛ stepₛ · ∂f(b + αₛ(x − b))/∂x`, a chunk of steps per forward pass.
    fn integrate(
        &self,
        model: &mut dyn Layer<F>,
        (x, baseline): (ArrayView2<'_, F>, ArrayView2<'_, F>),
        columns: &[usize],
        outputs: usize,
        (alphas, step_sizes): (&[f64], &[f64]),
    ) -> Result<Array2<F>> {
        let rows = x.nrows();
        let per_chunk = match self.internal_batch_size {
            Some(limit) => (limit / rows).max(1),
            None => alphas.len(),
        };
        check::product("IntegratedGradients", per_chunk.min(alphas.len()), rows)?;
        let diff = &x - &baseline;
        let mut total = Array2::zeros(x.raw_dim());
        let mut grad = InputGradient::new();
        for (chunk, steps) in alphas.chunks(per_chunk).zip(step_sizes.chunks(per_chunk)) {
            let mut path = Array2::zeros((chunk.len() * rows, x.ncols()));
            for (s, &alpha) in chunk.iter().enumerate() {
                let block = &baseline + &(&diff * F::cast(alpha));
                path.slice_mut(ndarray::s![s * rows..(s + 1) * rows, ..])
                    .assign(&block);
            }
            let seed = one_hot(path.nrows(), outputs, columns);
            grad.of_outputs(model, path.view(), seed.view(), Mode::Eval)?;
            let g = grad.gradient();
            for (s, &step) in steps.iter().enumerate() {
                let block = g.slice(ndarray::s![s * rows..(s + 1) * rows, ..]);
                total.scaled_add(F::cast(step), &block);
            }
        }
        Ok(total)
    }
}

impl<F: Float> Attribution<F> for IntegratedGradients<F> {
    fn attribute(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        target: &Target,
    ) -> Result<Array2<F>> {
        Ok(self.explain(model, x, target)?.attributions)
    }
}
