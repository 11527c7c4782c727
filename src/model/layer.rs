//! The `Layer` trait every building block implements.

use ndarray::ArrayView2;

use super::{Mode, NamedBuffer, NamedCounter, Parameter};
use crate::{Float, Result};

/// A differentiable building block working on batch-major matrices (one row per sample).
///
/// `forward` keeps what `backward` needs in buffers the layer owns and returns a view of its
/// output; `backward` takes the gradient of the loss with respect to that output, **adds** the
/// parameter gradients into the layer's gradient buffers, and returns a view of the gradient
/// with respect to the input. After the first call with a given batch size neither allocates.
///
/// Parameters are reached only through the visitors, so optimizers, regularizers, clipping,
/// checkpoints and diagnostics never need to know the concrete layer type.
///
/// A custom loop with the public API alone:
/// ```
/// use tuneup::prelude::*;
/// use ndarray::array;
/// let mut layer = Linear::<f64>::new(2, 1, 7).unwrap();
/// let x = array![[1.0, 2.0], [3.0, 4.0]];
/// let y = layer.forward(x.view(), Mode::Train).unwrap().to_owned();
/// let grad_out = ndarray::Array2::ones(y.raw_dim());
/// layer.zero_grad();
/// let grad_in = layer.backward(grad_out.view()).unwrap();
/// assert_eq!(grad_in.dim(), (2, 2));
/// let mut names = Vec::new();
/// layer.visit_parameters(&mut |p| names.push(p.name().to_string()));
/// assert_eq!(names, ["weight", "bias"]);
/// ```
pub trait Layer<F: Float>: Send {
    /// A short description, e.g. `Linear(30 → 16, sigmoid)`.
    fn describe(&self) -> String;

    /// The output width for an input of `input_width` columns, or a shape error naming the
    /// layer if it cannot take that input.
    fn output_width(&self, input_width: usize) -> Result<usize>;

    /// Runs the layer on a batch. The returned view borrows the layer's output buffer (or the
    /// input itself, for layers that pass it through).
    fn forward<'a>(&'a mut self, input: ArrayView2<'a, F>, mode: Mode)
        -> Result<ArrayView2<'a, F>>;

    /// Back-propagates `grad_output` (same shape as the last output): accumulates parameter
    /// gradients and returns the gradient with respect to the last input.
    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>>;

    /// Like [`Layer::backward`] but only accumulates parameter gradients; layers may skip the
    /// input-gradient product (a containers' first layer does this during training).
    fn backward_parameters(&mut self, grad_output: ArrayView2<'_, F>) -> Result<()> {
        self.backward(grad_output).map(|_| ())
    }

    /// Calls `f` on every parameter, in a fixed order.
    fn visit_parameters(&self, _f: &mut dyn FnMut(&Parameter<F>)) {}

    /// Calls `f` on every parameter mutably, in the same order as [`Layer::visit_parameters`].
    fn visit_parameters_mut(&mut self, _f: &mut dyn FnMut(&mut Parameter<F>)) {}

    /// Calls `f` on every non-trainable state buffer (running statistics).
    fn visit_buffers(&self, _f: &mut dyn FnMut(&NamedBuffer<F>)) {}

    /// Calls `f` on every non-trainable state buffer mutably.
    fn visit_buffers_mut(&mut self, _f: &mut dyn FnMut(&mut NamedBuffer<F>)) {}

    /// Calls `f` on every integer state counter (BatchNorm's `num_batches_tracked`, Dropout's
    /// mask-draw count), so checkpoints can resume exactly.
    fn visit_counters(&self, _f: &mut dyn FnMut(&NamedCounter)) {}

    /// Calls `f` on every integer state counter mutably.
    fn visit_counters_mut(&mut self, _f: &mut dyn FnMut(&mut NamedCounter)) {}

    /// How many modules this layer stands for in a PyTorch `nn.Sequential` (a `Linear` with a
    /// fused activation stands for two), so that `state_dict` names line up.
    fn torch_modules(&self) -> usize {
        1
    }

    /// Sets every parameter gradient to zero.
    fn zero_grad(&mut self) {
        self.visit_parameters_mut(&mut |p| p.zero_grad());
    }

    /// Total number of trainable scalars (frozen ones included).
    fn num_parameters(&self) -> usize {
        let mut n = 0;
        self.visit_parameters(&mut |p| n += p.len());
        n
    }

    /// Prepends `prefix` to every parameter and buffer name.
    fn prefix_names(&mut self, prefix: &str) {
        self.visit_parameters_mut(&mut |p| p.prefix_name(prefix));
        self.visit_buffers_mut(&mut |b| b.prefix_name(prefix));
        self.visit_counters_mut(&mut |c| c.prefix_name(prefix));
    }

    /// Freezes (or unfreezes) every parameter of the layer, for fine-tuning.
    fn set_frozen(&mut self, frozen: bool) {
        self.visit_parameters_mut(&mut |p| p.set_frozen(frozen));
    }
}

/// Checks that a batch has the width a layer expects.
pub(crate) fn check_width<F: Float>(
    layer: &dyn Fn() -> String,
    what: &str,
    array: &ArrayView2<'_, F>,
    expected: usize,
) -> Result<()> {
    if array.ncols() != expected {
        return Err(crate::Error::shape(
            layer(),
            format!("{what} with {expected} columns"),
            format!("{} × {}", array.nrows(), array.ncols()),
        ));
    }
    Ok(())
}

/// Checks that `grad_output` has the shape of the last output.
pub(crate) fn check_grad_shape<F: Float>(
    layer: &dyn Fn() -> String,
    grad: &ArrayView2<'_, F>,
    expected: (usize, usize),
) -> Result<()> {
    if expected == (0, 0) {
        return Err(crate::Error::state(
            layer(),
            "backward called before forward",
        ));
    }
    if grad.dim() != expected {
        return Err(crate::Error::shape(
            layer(),
            format!("output gradient of shape {} × {}", expected.0, expected.1),
            format!("{} × {}", grad.nrows(), grad.ncols()),
        ));
    }
    Ok(())
}
