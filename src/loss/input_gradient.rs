//! The gradient of a loss (or of chosen outputs) with respect to a model's input.

use ndarray::{Array2, ArrayView2};

use super::{Loss, Targets};
use crate::linalg::Buffer2;
use crate::model::{Layer, Mode};
use crate::{Float, Result};

/// Computes `∂L/∂x` (or `∂(Σ seed ⊙ f(x))/∂x`) for any model, leaving every parameter gradient
/// untouched, with buffers reused from call to call: after the first call with a given batch
/// size nothing is allocated.
///
/// The model runs [`Layer::forward`] in the given mode and then [`Layer::backward_input`].
/// During the pass every parameter is marked frozen, so a custom layer that relies on
/// `backward_input`'s default (or only honours frozen flags) adds no gradient either; each flag
/// is put back afterwards, also on error. Adversarial examples (FGSM, PGD) and gradient
/// attributions are built on it.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::loss::InputGradient;
/// let mut net = Mlp::new(&[2, 1]).seed(0).build::<f64>()?;
/// let x = ndarray::array![[1.0, 2.0]];
/// let y = ndarray::array![[0.0]];
/// let mut ig = InputGradient::new();
/// let loss = ig.of_loss(&mut net, &Mse::new(), x.view(), (&y).into(), Mode::Eval)?;
/// // For y = w·x + b and L = (y − 0)², ∂L/∂x = 2y·w.
/// let out = net.predict(x.view())?[[0, 0]];
/// let w = net.layers()[0].as_ref();
/// let mut weights = Vec::new();
/// w.visit_parameters(&mut |p| weights.push(p.value_slice().to_vec()));
/// let g = ig.gradient();
/// assert!((loss - out * out).abs() < 1e-12);
/// assert!((g[[0, 0]] - 2.0 * out * weights[0][0]).abs() < 1e-12);
/// assert!((g[[0, 1]] - 2.0 * out * weights[0][1]).abs() < 1e-12);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct InputGradient<F> {
    frozen: Vec<bool>,
    grad_output: Array2<F>,
    gradient: Buffer2<F>,
}

impl<F: Float> InputGradient<F> {
    /// Empty buffers, sized on first use.
    pub fn new() -> Self {
        InputGradient {
            frozen: Vec::new(),
            grad_output: Array2::zeros((0, 0)),
            gradient: Buffer2::default(),
        }
    }

    /// `∂L/∂x` of `loss` at `model(x)` against `targets`; returns the loss value. The gradient
    /// is then in [`InputGradient::gradient`].
    ///
    /// # Errors
    /// Those of the model's forward and backward and of the loss (a wrong width, targets of
    /// another shape, a non-finite prediction); parameters and their gradients are unchanged.
    pub fn of_loss(
        &mut self,
        model: &mut dyn Layer<F>,
        loss: &dyn Loss<F>,
        x: ArrayView2<'_, F>,
        targets: Targets<'_, F>,
        mode: Mode,
    ) -> Result<F> {
        let InputGradient {
            frozen,
            grad_output,
            gradient,
        } = self;
        with_parameters_frozen(model, frozen, |model| {
            let out = model.forward(x, mode)?;
            let value = loss.value_and_grad(out, targets, grad_output)?;
            gradient.copy_from(model.backward_input(grad_output.view())?);
            Ok(value)
        })
    }

    /// `∂(Σᵢⱼ seedᵢⱼ · f(x)ᵢⱼ)/∂x`: the input gradient of the outputs weighted by `seed` (a
    /// one-hot column selects one output, as an attribution's target does). `seed` must have
    /// the shape of the model's output for `x`.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::loss::InputGradient;
    /// let mut net = Sequential::<f64>::new()
    ///     .push(Linear::from_weights(ndarray::array![[1.0, 2.0], [3.0, -1.0]], None)?);
    /// let mut ig = InputGradient::new();
    /// let seed = ndarray::array![[0.0, 1.0]]; // the second output
    /// ig.of_outputs(&mut net, ndarray::array![[5.0, 7.0]].view(), seed.view(), Mode::Eval)?;
    /// assert_eq!(ig.gradient(), ndarray::array![[3.0, -1.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// Those of the model, and a shape error when `seed` is not shaped like the output.
    pub fn of_outputs(
        &mut self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        seed: ArrayView2<'_, F>,
        mode: Mode,
    ) -> Result<()> {
        let InputGradient {
            frozen, gradient, ..
        } = self;
        with_parameters_frozen(model, frozen, |model| {
            let out = model.forward(x, mode)?;
            if out.dim() != seed.dim() {
                return Err(crate::Error::shape(
                    "InputGradient::of_outputs",
                    format!(
                        "a seed of shape {} × {} (the output's)",
                        out.nrows(),
                        out.ncols()
                    ),
                    format!("{} × {}", seed.nrows(), seed.ncols()),
                ));
            }
            gradient.copy_from(model.backward_input(seed)?);
            Ok(())
        })
    }

    /// The gradient of the last call, shaped like its `x`.
    pub fn gradient(&self) -> ArrayView2<'_, F> {
        self.gradient.view()
    }
}

/// Runs `pass` with every parameter of `model` marked frozen, then restores each flag (also
/// when `pass` fails).
fn with_parameters_frozen<F: Float, T>(
    model: &mut dyn Layer<F>,
    frozen: &mut Vec<bool>,
    pass: impl FnOnce(&mut dyn Layer<F>) -> Result<T>,
) -> Result<T> {
    frozen.clear();
    model.visit_parameters_mut(&mut |p| {
        frozen.push(p.is_frozen());
        p.set_frozen(true);
    });
    let result = pass(&mut *model);
    let mut i = 0;
    model.visit_parameters_mut(&mut |p| {
        p.set_frozen(frozen[i]);
        i += 1;
    });
    result
}

/// `∂L/∂x` of `loss` at `model(x)` in eval mode, as a new matrix (see [`InputGradient`] for
/// the allocation-free form).
///
/// ```
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[3, 4, 2]).seed(1).build::<f64>()?;
/// let x = ndarray::array![[0.1, 0.2, 0.3]];
/// let g = tuneup::loss::input_gradient(&mut net, &CrossEntropy::new(), x.view(), (&[1usize][..]).into())?;
/// assert_eq!(g.dim(), (1, 3));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn input_gradient<F: Float>(
    model: &mut dyn Layer<F>,
    loss: &dyn Loss<F>,
    x: ArrayView2<'_, F>,
    targets: Targets<'_, F>,
) -> Result<Array2<F>> {
    let mut ig = InputGradient::new();
    ig.of_loss(model, loss, x, targets, Mode::Eval)?;
    Ok(ig.gradient().to_owned())
}
