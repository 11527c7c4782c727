//! An activation as a layer of its own.

use ndarray::{Array2, ArrayView2};

use super::deeplift_rule::rescale;
use super::layer::check_grad_shape;
use super::{Activation, Layer, Mode};
use crate::linalg::Buffer2;
use crate::{Float, Result};

/// An element-wise [`Activation`] as a stand-alone layer (for activations that cannot be
/// fused, e.g. after a normalisation layer).
///
/// ```
/// use tuneup::prelude::*;
/// use ndarray::array;
/// let mut relu = ActivationLayer::<f64>::new(Activation::Relu).unwrap();
/// let x = array![[-1.0, 2.0]];
/// let y = relu.forward(x.view(), Mode::Train).unwrap().to_owned();
/// assert_eq!(y, array![[0.0, 2.0]]);
/// let g_out = array![[5.0, 5.0]];
/// let g = relu.backward(g_out.view()).unwrap();
/// assert_eq!(g, array![[0.0, 5.0]]);
/// ```
#[derive(Debug, Clone)]
pub struct ActivationLayer<F: Float> {
    activation: Activation,
    input: Buffer2<F>,
    output: Buffer2<F>,
    grad_input: Buffer2<F>,
}

impl<F: Float> ActivationLayer<F> {
    /// Wraps an activation, checking its parameters.
    pub fn new(activation: Activation) -> Result<Self> {
        activation.validate()?;
        Ok(ActivationLayer {
            activation,
            input: Buffer2::default(),
            output: Buffer2::default(),
            grad_input: Buffer2::default(),
        })
    }

    /// The activation.
    pub fn activation(&self) -> Activation {
        self.activation
    }
}

impl<F: Float> Layer<F> for ActivationLayer<F> {
    fn describe(&self) -> String {
        self.activation.torch_name().to_string()
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        Ok(input.to_vec())
    }

    fn output_activation(&self) -> Option<Activation> {
        Some(self.activation)
    }

    fn backward_deeplift(
        &mut self,
        input: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        eps: F,
    ) -> Result<Array2<F>> {
        let act = self.activation;
        let y = input.mapv(|v| act.apply(v));
        rescale(
            &|| self.describe(),
            act,
            (input, y.view()),
            grad_output,
            eps,
        )
    }

    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        _mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        let act = self.activation;
        if !act.derivative_from_output() {
            self.input.copy_from(input);
        }
        match input.as_slice() {
            Some(x) => {
                self.output.resize(input.nrows(), input.ncols());
                act.apply_into(x, self.output.as_slice_mut());
            }
            None => {
                self.output.copy_from(input);
                act.apply_in_place(self.output.as_slice_mut());
            }
        }
        Ok(self.output.view())
    }

    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>> {
        check_grad_shape(&|| self.describe(), &grad_output, self.output.dim())?;
        let act = self.activation;
        let (rows, cols) = self.output.dim();
        self.grad_input.resize(rows, cols);
        if let (true, Some(dy)) = (act.derivative_from_output(), grad_output.as_slice()) {
            act.grad_from_output(dy, self.output.as_slice(), self.grad_input.as_slice_mut());
            return Ok(self.grad_input.view());
        }
        let mut gi = self.grad_input.view_mut();
        if act.derivative_from_output() {
            ndarray::Zip::from(&mut gi)
                .and(&grad_output)
                .and(&self.output.view())
                .for_each(|g, &go, &y| *g = go * act.derivative_of_output(y));
        } else {
            ndarray::Zip::from(&mut gi)
                .and(&grad_output)
                .and(&self.output.view())
                .and(&self.input.view())
                .for_each(|g, &go, &y, &x| *g = go * act.derivative(x, y));
        }
        Ok(self.grad_input.view())
    }
}
