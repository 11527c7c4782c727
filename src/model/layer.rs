//! The `Layer` trait every building block implements.

use ndarray::{Array2, ArrayView2};

use super::visitor::{Buffers, Counters, Parameters, Prefix};
use super::{Activation, Mode, NamedBuffer, NamedCounter, Parameter, Visitor, VisitorMut};
use crate::{Error, Float, Result};

/// A differentiable building block working on batch-major matrices (one row per sample).
///
/// `forward` keeps what `backward` needs in buffers the layer owns and returns a view of its
/// output; `backward` takes the gradient of the loss with respect to that output, **adds** the
/// parameter gradients into the layer's gradient buffers, and returns a view of the gradient
/// with respect to the input. After the first call with a given batch size neither allocates.
///
/// A layer that needs more structure than a width (a convolution) is configured with its
/// per-sample shape and reads each row as that flattened tensor; [`Layer::output_shape`] maps
/// per-sample shapes, and a width is the 1-D case.
///
/// State is reached only through one visitor ([`Layer::visit`] / [`Layer::visit_mut`], seeing
/// parameters, buffers and counters), so optimizers, regularizers, clipping, checkpoints and
/// diagnostics never need to know the concrete layer type. The `visit_parameters…` helpers
/// are built on it and are not meant to be overridden.
///
/// Layers are `Send + Sync` and cloneable as trait objects: any `Layer + Clone` gets
/// [`LayerClone::clone_box`], so `Box<dyn Layer<F>>`, [`Sequential`](super::Sequential) and
/// [`Residual`](super::Residual) are `Clone`. A clone starts with equal outputs and then trains
/// on its own.
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
pub trait Layer<F: Float>: LayerClone<F> + LayerAny + Send + Sync {
    /// A short description, e.g. `Linear(30 → 16, sigmoid)`.
    fn describe(&self) -> String;

    /// The per-sample output shape for a per-sample input shape (`[width]` for dense data,
    /// `[C, H, W]` for images), or a shape error naming the layer if it cannot take that
    /// input. A layer reads a row of `input.iter().product()` values; a dense layer accepts any
    /// shape of the right size.
    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>>;

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

    /// [`Layer::backward`] that **writes** this layer's parameter gradients instead of adding
    /// to them: [`Layer::zero_grad`] then [`Layer::backward`] in one pass, with the same values
    /// (a zero may differ in sign), without the pass that zeroes every gradient first. The
    /// first micro-batch of a step uses it (PyTorch's `zero_grad(set_to_none=True)` followed
    /// by `backward`).
    ///
    /// The default does exactly `zero_grad` then `backward`; [`Linear`](super::Linear) writes
    /// its weight gradient with a β = 0 product and containers pass the call on.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Mlp::new(&[2, 3, 1]).seed(1).build::<f64>()?;
    /// let x = ndarray::array![[0.5, -1.0]];
    /// net.forward(x.view(), Mode::Train)?;
    /// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(f64::NAN)); // stale gradients
    /// net.backward_overwrite(ndarray::array![[1.0]].view())?;
    /// let mut finite = true;
    /// net.visit_parameters(&mut |p| finite &= p.grad_slice().iter().all(|v| v.is_finite()));
    /// assert!(finite); // nothing of the stale values is left
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn backward_overwrite<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
    ) -> Result<ArrayView2<'a, F>> {
        self.zero_grad();
        self.backward(grad_output)
    }

    /// [`Layer::backward_parameters`] that writes the parameter gradients instead of adding to
    /// them, as [`Layer::backward_overwrite`] does: `zero_grad` then `backward_parameters`,
    /// the same values without the zeroing pass.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Mlp::new(&[2, 3, 1]).seed(1).build::<f64>()?;
    /// let x = ndarray::array![[0.5, -1.0]];
    /// let g = ndarray::array![[1.0]];
    /// net.forward(x.view(), Mode::Train)?;
    /// net.zero_grad();
    /// net.backward_parameters(g.view())?;
    /// let mut expected = Vec::new();
    /// net.visit_parameters(&mut |p| expected.extend_from_slice(p.grad_slice()));
    /// net.forward(x.view(), Mode::Train)?;
    /// net.backward_parameters_overwrite(g.view())?; // no zero_grad needed
    /// let mut got = Vec::new();
    /// net.visit_parameters(&mut |p| got.extend_from_slice(p.grad_slice()));
    /// assert_eq!(got, expected);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn backward_parameters_overwrite(&mut self, grad_output: ArrayView2<'_, F>) -> Result<()> {
        self.zero_grad();
        self.backward_parameters(grad_output)
    }

    /// The counterpart of [`Layer::backward_parameters`]: returns the gradient with respect
    /// to the last input and leaves every parameter gradient untouched (what attributions and
    /// adversarial examples need).
    ///
    /// The built-in layers skip the parameter products. The default calls
    /// [`Layer::backward`] when the layer has no unfrozen parameter (frozen parameters receive
    /// no gradient), and otherwise fails with [`Error::State`]: a custom layer with
    /// parameters overrides it, or callers freeze it first (as
    /// [`InputGradient`](crate::loss::InputGradient) does).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Mlp::new(&[2, 3, 1]).seed(1).build::<f64>()?;
    /// let x = ndarray::array![[0.5, -1.0]];
    /// net.forward(x.view(), Mode::Eval)?;
    /// let g = net.backward_input(ndarray::array![[1.0]].view())?.to_owned();
    /// assert_eq!(g.dim(), (1, 2));
    /// let mut untouched = true;
    /// net.visit_parameters(&mut |p| untouched &= p.grad_slice().iter().all(|&v| v == 0.0));
    /// assert!(untouched);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn backward_input<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
    ) -> Result<ArrayView2<'a, F>> {
        let mut trainable = false;
        self.visit_parameters(&mut |p| trainable |= !p.is_frozen());
        if trainable {
            return Err(Error::state(
                self.describe(),
                "backward_input on a layer with unfrozen parameters: implement \
                 Layer::backward_input for it, or freeze it first",
            ));
        }
        self.backward(grad_output)
    }

    /// DeepLIFT's backward pass with the Rescale rule (captum's `DeepLift`), what
    /// [`DeepLift`](crate::explain::DeepLift) runs. `input` holds the explained rows over their
    /// baselines (`2n` rows: row `r < n` is paired with row `r + n`) and `grad_output` the
    /// multipliers of the target with respect to this layer's output for those rows; the
    /// result is the multipliers with respect to `input`, in eval mode.
    ///
    /// An element-wise activation (fused into a `Linear` or an `ActivationLayer`) multiplies
    /// by `Δout / Δin` where `|Δin| ≥ eps` and by its derivative elsewhere; `Linear` and the
    /// skip path of `Residual` are linear; `Dropout` (eval), `BatchNorm1d` (eval) and
    /// `LayerNorm` pass the ordinary gradient, as captum does; `Sequential` and `Residual`
    /// chain their layers' rules. Parameters and their gradients are left as they were
    /// (cached activations may be overwritten).
    ///
    /// The default fails with [`Error::State`] naming the layer, so a layer without a rule
    /// (a convolution, `Softmax`) is never given a silent gradient.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use ndarray::array;
    /// let mut relu = ActivationLayer::<f64>::new(Activation::Relu)?;
    /// // x = [2, -1] over the baseline [-2, -3]: Δrelu/Δx = [2/4, 0/2].
    /// let rows = array![[2.0, -1.0], [-2.0, -3.0]];
    /// let m = relu.backward_deeplift(rows.view(), array![[1.0, 1.0], [1.0, 1.0]].view(), 1e-10)?;
    /// assert_eq!(m.row(0), array![0.5, 0.0]);
    /// let mut soft = Softmax::<f64>::new();
    /// assert!(soft.backward_deeplift(rows.view(), rows.view(), 1e-10).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::State`] for a layer without a DeepLIFT rule; [`Error::Shape`] for an odd
    /// number of rows or arrays of the wrong shape.
    fn backward_deeplift(
        &mut self,
        input: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        eps: F,
    ) -> Result<Array2<F>> {
        let _ = (input, grad_output, eps);
        Err(super::deeplift_rule::unsupported(self.describe()))
    }

    /// Shows every parameter, buffer and counter to `visitor`, in a fixed order. The default
    /// is for layers without state; a container forwards this one call to its children.
    fn visit(&self, visitor: &mut dyn Visitor<F>) {
        let _ = visitor;
    }

    /// Like [`Layer::visit`], mutably and in the same order.
    fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<F>) {
        let _ = visitor;
    }

    /// The activation applied to this layer's outputs, when it has one (a `Linear` with a
    /// fused activation, an `ActivationLayer`): what kind of units it has, for dead and
    /// saturated unit statistics.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let relu = Linear::<f32>::new(2, 2, 0)?.with_activation(Activation::Relu)?;
    /// assert_eq!(relu.output_activation(), Some(Activation::Relu));
    /// assert_eq!(Dropout::<f32>::new(0.1, 0)?.output_activation(), None);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn output_activation(&self) -> Option<Activation> {
        None
    }

    /// The layers this one runs one after another (a `Sequential`'s layers), for per-layer
    /// statistics; empty for a layer that is not such a chain.
    fn sublayers(&self) -> &[Box<dyn Layer<F>>] {
        &[]
    }

    /// Runs [`Layer::forward`] and shows the output of each of [`Layer::sublayers`] to
    /// `observe` (index, output) as it is produced, for activation statistics (dead or
    /// saturated units) without keeping copies; a layer without sublayers shows its own
    /// output as index 0.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Mlp::new(&[3, 4, 2]).build::<f64>().unwrap();
    /// let x = ndarray::Array2::from_elem((5, 3), 0.5);
    /// let mut widths = Vec::new();
    /// net.forward_observed(x.view(), Mode::Eval, &mut |i, out| widths.push((i, out.ncols())))
    ///     .unwrap();
    /// assert_eq!(widths, [(0, 4), (1, 2)]);
    /// ```
    fn forward_observed<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        mode: Mode,
        observe: &mut dyn FnMut(usize, ArrayView2<'_, F>),
    ) -> Result<ArrayView2<'a, F>> {
        let out = self.forward(input, mode)?;
        observe(0, out);
        Ok(out)
    }

    /// How many modules this layer stands for in a PyTorch `nn.Sequential` (a `Linear` with a
    /// fused activation stands for two), so that `state_dict` names line up.
    fn torch_modules(&self) -> usize {
        1
    }

    /// The output width for an input of `input_width` columns: the size of
    /// [`Layer::output_shape`] of `[input_width]`.
    fn output_width(&self, input_width: usize) -> Result<usize> {
        let shape = self.output_shape(&[input_width])?;
        shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .ok_or_else(|| {
                Error::shape(
                    self.describe(),
                    "an output that fits in memory",
                    format!("{shape:?}"),
                )
            })
    }

    /// Calls `f` on every parameter, in a fixed order.
    fn visit_parameters(&self, f: &mut dyn FnMut(&Parameter<F>)) {
        self.visit(&mut Parameters(f));
    }

    /// Calls `f` on every parameter mutably, in the same order as [`Layer::visit_parameters`].
    fn visit_parameters_mut(&mut self, f: &mut dyn FnMut(&mut Parameter<F>)) {
        self.visit_mut(&mut Parameters(f));
    }

    /// Calls `f` on every non-trainable state buffer (running statistics).
    fn visit_buffers(&self, f: &mut dyn FnMut(&NamedBuffer<F>)) {
        self.visit(&mut Buffers(f));
    }

    /// Calls `f` on every non-trainable state buffer mutably.
    fn visit_buffers_mut(&mut self, f: &mut dyn FnMut(&mut NamedBuffer<F>)) {
        self.visit_mut(&mut Buffers(f));
    }

    /// Calls `f` on every integer state counter (BatchNorm's `num_batches_tracked`, Dropout's
    /// mask seed and draw count), so checkpoints can resume exactly.
    fn visit_counters(&self, f: &mut dyn FnMut(&NamedCounter)) {
        self.visit(&mut Counters(f));
    }

    /// Calls `f` on every integer state counter mutably.
    fn visit_counters_mut(&mut self, f: &mut dyn FnMut(&mut NamedCounter)) {
        self.visit_mut(&mut Counters(f));
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

    /// Prepends `prefix` to every parameter, buffer and counter name.
    fn prefix_names(&mut self, prefix: &str) {
        self.visit_mut(&mut Prefix(prefix));
    }

    /// Freezes (or unfreezes) every parameter of the layer, for fine-tuning.
    fn set_frozen(&mut self, frozen: bool) {
        self.visit_parameters_mut(&mut |p| p.set_frozen(frozen));
    }
}

/// Cloning a layer behind a `Box<dyn Layer<F>>`. Implemented for every `Layer + Clone`, so a
/// custom layer only derives `Clone`.
///
/// ```
/// use tuneup::prelude::*;
/// let net: Box<dyn Layer<f64>> = Box::new(Mlp::new(&[2, 3, 1]).seed(4).build::<f64>()?);
/// let mut copy = net.clone();
/// let mut original = net;
/// let x = ndarray::array![[0.3, -0.7]];
/// let a = original.forward(x.view(), Mode::Eval)?.to_owned();
/// assert_eq!(copy.forward(x.view(), Mode::Eval)?, a);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait LayerClone<F: Float> {
    /// A boxed copy of the layer: parameters, gradients, buffers, counters and settings.
    fn clone_box(&self) -> Box<dyn Layer<F>>;
}

impl<F: Float, T: Layer<F> + Clone + 'static> LayerClone<F> for T {
    fn clone_box(&self) -> Box<dyn Layer<F>> {
        Box::new(self.clone())
    }
}

/// The concrete layer behind a `dyn Layer`, for code that rebuilds known layer types (the
/// structured shrink of [`crate::compress`]): implemented for every `'static` type. On a
/// `Box<dyn Layer<F>>` call it through the box's target (`(**boxed).as_any()`), or it names
/// the box itself.
///
/// ```
/// use tuneup::model::{Layer, LayerAny, Linear};
/// let boxed: Box<dyn Layer<f64>> = Box::new(Linear::new(2, 3, 0)?);
/// let lin = (*boxed).as_any().downcast_ref::<Linear<f64>>().unwrap();
/// assert_eq!(lin.out_features(), 3);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait LayerAny {
    /// The layer as [`std::any::Any`], to downcast.
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<T: 'static> LayerAny for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl<F: Float> Clone for Box<dyn Layer<F>> {
    fn clone(&self) -> Self {
        (**self).clone_box()
    }
}

/// The shape a dense layer reads: any per-sample shape whose size is `width`.
pub(crate) fn check_flat_input(
    layer: &dyn Fn() -> String,
    input: &[usize],
    width: usize,
) -> Result<()> {
    let size = input.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    if size != Some(width) {
        return Err(Error::shape(
            layer(),
            format!("input with {width} columns"),
            describe_shape(input),
        ));
    }
    Ok(())
}

/// `784 columns` for a width, `1 × 28 × 28 (784 columns)` for an image.
pub(crate) fn describe_shape(shape: &[usize]) -> String {
    let size = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    match (shape, size) {
        ([w], _) => format!("{w} columns"),
        (_, Some(n)) => format!(
            "{} ({n} columns)",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(" × ")
        ),
        (_, None) => format!("{shape:?} (too large)"),
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

/// A layer that states its parameters through both visitors must list the same ones, in the
/// same order, or optimizers would update other tensors than the ones checkpoints save.
/// Returns a configuration error naming the first difference.
///
/// ```
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[2, 4, 1]).build::<f64>()?;
/// assert!(tuneup::model::check_visitors(&mut net).is_ok());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn check_visitors<F: Float>(layer: &mut dyn Layer<F>) -> Result<()> {
    let mut seen = Vec::new();
    layer.visit(&mut NameList(&mut seen));
    let mut seen_mut = Vec::new();
    layer.visit_mut(&mut NameList(&mut seen_mut));
    if seen == seen_mut {
        return Ok(());
    }
    let first = seen
        .iter()
        .zip(&seen_mut)
        .position(|(a, b)| a != b)
        .unwrap_or(seen.len().min(seen_mut.len()));
    let name = |v: &[String]| v.get(first).cloned().unwrap_or_else(|| "nothing".into());
    Err(Error::config(
        format!("{}: Layer::visit_mut", layer.describe()),
        format!("{} at position {first}", name(&seen_mut)),
        format!(
            "the state Layer::visit shows ({} there): implement visit and visit_mut alike",
            name(&seen)
        ),
    ))
}

/// Collects `kind:name` of everything visited.
struct NameList<'v>(&'v mut Vec<String>);

impl<F: Float> Visitor<F> for NameList<'_> {
    fn parameter(&mut self, p: &Parameter<F>) {
        self.0.push(format!("parameter {}", p.name()));
    }
    fn buffer(&mut self, b: &NamedBuffer<F>) {
        self.0.push(format!("buffer {}", b.name()));
    }
    fn counter(&mut self, c: &NamedCounter) {
        self.0.push(format!("counter {}", c.name()));
    }
}

impl<F: Float> VisitorMut<F> for NameList<'_> {
    fn parameter(&mut self, p: &mut Parameter<F>) {
        self.0.push(format!("parameter {}", p.name()));
    }
    fn buffer(&mut self, b: &mut NamedBuffer<F>) {
        self.0.push(format!("buffer {}", b.name()));
    }
    fn counter(&mut self, c: &mut NamedCounter) {
        self.0.push(format!("counter {}", c.name()));
    }
}
