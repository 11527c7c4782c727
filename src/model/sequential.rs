//! A chain of layers.

use std::fmt::Write as _;

use ndarray::{Array2, ArrayView2};

use super::deeplift_rule::check_multipliers;
use super::{Layer, Mode, Visitor, VisitorMut};
use crate::{Float, Result};

/// Layers applied one after another, like `nn.Sequential`. Parameter names follow PyTorch's
/// `state_dict` (`0.weight`, `0.bias`, `2.weight`, …), counting a fused activation as its own
/// module, so weights move between the two both ways.
///
/// ```
/// use tuneup::prelude::*;
/// let mut net = Sequential::<f64>::new()
///     .push(Linear::new(3, 4, 0).unwrap().with_activation(Activation::Tanh).unwrap())
///     .push(Linear::new(4, 2, 1).unwrap());
/// let mut names = Vec::new();
/// net.visit_parameters(&mut |p| names.push(p.name().to_string()));
/// assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
/// let x = ndarray::Array2::zeros((5, 3));
/// let y = net.forward(x.view(), Mode::Eval).unwrap();
/// assert_eq!(y.dim(), (5, 2));
/// ```
#[derive(Default, Clone)]
pub struct Sequential<F: Float> {
    pub(super) layers: Vec<Box<dyn Layer<F>>>,
    pub(super) next_module: usize,
}

impl<F: Float> std::fmt::Debug for Sequential<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.layers.iter().map(|l| l.describe()))
            .finish()
    }
}

impl<F: Float> Sequential<F> {
    /// An empty chain (the identity).
    pub fn new() -> Self {
        Sequential {
            layers: Vec::new(),
            next_module: 0,
        }
    }

    /// Appends a layer (builder style).
    pub fn push(mut self, layer: impl Layer<F> + 'static) -> Self {
        self.add(layer);
        self
    }

    /// Appends a layer.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Sequential::<f32>::new();
    /// net.add(Linear::new(2, 2, 0).unwrap());
    /// net.add(ActivationLayer::new(Activation::Relu).unwrap());
    /// assert_eq!(net.len(), 2);
    /// ```
    pub fn add(&mut self, mut layer: impl Layer<F> + 'static) {
        layer.prefix_names(&format!("{}.", self.next_module));
        self.next_module += layer.torch_modules();
        self.layers.push(Box::new(layer));
    }

    /// A chain of layers already named for their places (each with its module number's
    /// prefix), as a rebuilt copy of another chain keeps them.
    pub(crate) fn from_named_layers(layers: Vec<Box<dyn Layer<F>>>) -> Self {
        let next_module = layers.iter().map(|l| l.torch_modules()).sum();
        Sequential {
            layers,
            next_module,
        }
    }

    /// Number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// True when there are no layers.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[Box<dyn Layer<F>>] {
        &self.layers
    }

    /// Mutable access to one layer (e.g. to freeze it for fine-tuning).
    pub fn layer_mut(&mut self, index: usize) -> Option<&mut (dyn Layer<F> + 'static)> {
        self.layers.get_mut(index).map(|l| l.as_mut())
    }

    /// Runs the network in eval mode and returns an owned copy of the output.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Mlp::new(&[2, 3, 1]).build::<f64>().unwrap();
    /// assert_eq!(net.predict(ndarray::Array2::zeros((4, 2)).view()).unwrap().dim(), (4, 1));
    /// ```
    pub fn predict(&mut self, input: ArrayView2<'_, F>) -> Result<Array2<F>> {
        Ok(self.forward(input, Mode::Eval)?.to_owned())
    }

    /// A Keras-style table of the layers, their output shapes and parameter counts, for inputs
    /// of `input_width` columns; a width that does not fit is a shape error naming the layer.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let net = Mlp::new(&[30, 16, 1]).activation(Activation::Sigmoid).build::<f32>().unwrap();
    /// let table = net.summary(30).unwrap();
    /// assert!(table.contains("Total params: 513"));
    /// assert!(net.summary(29).is_err());
    /// ```
    pub fn summary(&self, input_width: usize) -> Result<String> {
        self.summary_for(&[input_width])
    }

    /// [`Sequential::summary`] for inputs of a per-sample shape (`[C, H, W]` for images): each
    /// layer's output shape is shown as the layers infer it.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let net = Sequential::<f32>::new().push(Linear::new(12, 5, 0)?);
    /// let table = net.summary_for(&[3, 2, 2])?;
    /// assert!(table.contains("(None, 5)"));
    /// assert!(net.summary_for(&[3, 2, 3]).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn summary_for(&self, input_shape: &[usize]) -> Result<String> {
        let mut out = String::new();
        let rule = "─".repeat(64);
        let _ = writeln!(
            out,
            "{:<40} {:>12} {:>10}",
            "Layer (type)", "Output shape", "Param #"
        );
        let _ = writeln!(out, "{rule}");
        let mut shape = input_shape.to_vec();
        let (mut total, mut frozen) = (0usize, 0usize);
        for (i, layer) in self.layers.iter().enumerate() {
            shape = layer
                .output_shape(&shape)
                .map_err(|e| e.within(format!("Sequential[{i}]")))?;
            let n = layer.num_parameters();
            layer.visit_parameters(&mut |p| {
                if p.is_frozen() {
                    frozen += p.len()
                }
            });
            total += n;
            let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
            let _ = writeln!(
                out,
                "{:<40} {:>12} {:>10}",
                format!("{i}: {}", layer.describe()),
                format!("(None, {})", dims.join(", ")),
                n
            );
        }
        let _ = writeln!(out, "{rule}");
        let _ = writeln!(out, "Total params: {total}");
        let _ = writeln!(out, "Trainable params: {}", total - frozen);
        let _ = writeln!(out, "Non-trainable params: {frozen}");
        Ok(out)
    }
}

impl<F: Float> Layer<F> for Sequential<F> {
    fn describe(&self) -> String {
        format!("Sequential({} layers)", self.layers.len())
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        let mut shape = input.to_vec();
        for (i, layer) in self.layers.iter().enumerate() {
            shape = layer
                .output_shape(&shape)
                .map_err(|e| e.within(format!("Sequential[{i}]")))?;
        }
        Ok(shape)
    }

    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        let mut current = input;
        for (i, layer) in self.layers.iter_mut().enumerate() {
            current = layer
                .forward(current, mode)
                .map_err(|e| e.within(format!("Sequential[{i}]")))?;
        }
        Ok(current)
    }

    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>> {
        backward_layers(&mut self.layers, grad_output, 0, false)
    }

    fn backward_parameters(&mut self, grad_output: ArrayView2<'_, F>) -> Result<()> {
        self.backward_parameters_with(grad_output, false)
    }

    fn backward_overwrite<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
    ) -> Result<ArrayView2<'a, F>> {
        backward_layers(&mut self.layers, grad_output, 0, true)
    }

    fn backward_parameters_overwrite(&mut self, grad_output: ArrayView2<'_, F>) -> Result<()> {
        self.backward_parameters_with(grad_output, true)
    }

    fn sublayers(&self) -> &[Box<dyn Layer<F>>] {
        &self.layers
    }

    fn forward_observed<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        mode: Mode,
        observe: &mut dyn FnMut(usize, ArrayView2<'_, F>),
    ) -> Result<ArrayView2<'a, F>> {
        let mut current = input;
        for (i, layer) in self.layers.iter_mut().enumerate() {
            current = layer
                .forward(current, mode)
                .map_err(|e| e.within(format!("Sequential[{i}]")))?;
            observe(i, current);
        }
        Ok(current)
    }

    fn backward_input<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
    ) -> Result<ArrayView2<'a, F>> {
        let mut grad = grad_output;
        for (i, layer) in self.layers.iter_mut().enumerate().rev() {
            grad = layer
                .backward_input(grad)
                .map_err(|e| e.within(format!("Sequential[{i}]")))?;
        }
        Ok(grad)
    }

    /// Runs the layers forward (eval mode) keeping each one's input, then their rules from the
    /// last layer back.
    fn backward_deeplift(
        &mut self,
        input: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        eps: F,
    ) -> Result<Array2<F>> {
        let Some(last) = self.layers.len().checked_sub(1) else {
            check_multipliers(&|| self.describe(), grad_output, input.dim())?;
            return Ok(grad_output.to_owned());
        };
        let mut inputs = vec![input.to_owned()];
        for (i, layer) in self.layers[..last].iter_mut().enumerate() {
            let out = layer
                .forward(inputs[i].view(), Mode::Eval)
                .map_err(|e| e.within(format!("Sequential[{i}]")))?
                .to_owned();
            inputs.push(out);
        }
        let mut grad = grad_output.to_owned();
        for (i, (layer, x)) in self.layers.iter_mut().zip(&inputs).enumerate().rev() {
            grad = layer
                .backward_deeplift(x.view(), grad.view(), eps)
                .map_err(|e| e.within(format!("Sequential[{i}]")))?;
        }
        Ok(grad)
    }

    fn visit(&self, visitor: &mut dyn Visitor<F>) {
        for layer in &self.layers {
            layer.visit(visitor);
        }
    }

    fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<F>) {
        for layer in &mut self.layers {
            layer.visit_mut(visitor);
        }
    }

    fn torch_modules(&self) -> usize {
        1
    }
}

impl<F: Float> Sequential<F> {
    /// `backward_parameters` (writing the gradients when `overwrite`): the first layer
    /// skips its input gradient.
    fn backward_parameters_with(
        &mut self,
        grad_output: ArrayView2<'_, F>,
        overwrite: bool,
    ) -> Result<()> {
        let Some((first, rest)) = self.layers.split_first_mut() else {
            return Ok(());
        };
        let grad = backward_layers(rest, grad_output, 1, overwrite)?;
        let done = if overwrite {
            first.backward_parameters_overwrite(grad)
        } else {
            first.backward_parameters(grad)
        };
        done.map_err(|e| e.within("Sequential[0]"))
    }
}

/// Back-propagates `grad_output` through `layers` from the last (`backward`, or
/// `backward_overwrite` when `overwrite`); `offset` is the first layer's index in the
/// `Sequential`, for errors.
fn backward_layers<'a, F: Float>(
    layers: &'a mut [Box<dyn Layer<F>>],
    grad_output: ArrayView2<'a, F>,
    offset: usize,
    overwrite: bool,
) -> Result<ArrayView2<'a, F>> {
    let mut grad = grad_output;
    for (i, layer) in layers.iter_mut().enumerate().rev() {
        let back = if overwrite {
            layer.backward_overwrite(grad)
        } else {
            layer.backward(grad)
        };
        grad = back.map_err(|e| e.within(format!("Sequential[{}]", i + offset)))?;
    }
    Ok(grad)
}
