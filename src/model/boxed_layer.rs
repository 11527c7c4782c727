//! `Box<dyn Layer<F>>` is itself a [`Layer`], so a container or a
//! [`Trainer`](crate::train::Trainer) can own a model whose type is only known at run time (a
//! network chosen from a configuration file, say).

use ndarray::{Array2, ArrayView2};

use super::{Activation, Layer, Mode, Visitor, VisitorMut};
use crate::{Float, Result};

/// Every method forwards to the boxed layer.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::Trainer;
/// let boxed: Box<dyn Layer<f64>> = Box::new(Mlp::new(&[2, 4, 1]).build::<f64>()?);
/// let mut t = Trainer::builder().model(boxed).loss(Mse::new()).optimizer(Sgd::new(0.1)?)
///     .epochs(2).build()?;
/// let (x, y) = (ndarray::Array2::ones((8, 2)), ndarray::Array2::zeros((8, 1)));
/// assert_eq!(t.fit(x.view(), &y)?.len(), 2);
/// # Ok::<(), tuneup::Error>(())
/// ```
impl<F: Float> Layer<F> for Box<dyn Layer<F>> {
    fn describe(&self) -> String {
        (**self).describe()
    }
    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        (**self).output_shape(input)
    }
    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        (**self).forward(input, mode)
    }
    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>> {
        (**self).backward(grad_output)
    }
    fn backward_parameters(&mut self, grad_output: ArrayView2<'_, F>) -> Result<()> {
        (**self).backward_parameters(grad_output)
    }
    fn backward_overwrite<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
    ) -> Result<ArrayView2<'a, F>> {
        (**self).backward_overwrite(grad_output)
    }
    fn backward_parameters_overwrite(&mut self, grad_output: ArrayView2<'_, F>) -> Result<()> {
        (**self).backward_parameters_overwrite(grad_output)
    }
    fn backward_input<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
    ) -> Result<ArrayView2<'a, F>> {
        (**self).backward_input(grad_output)
    }
    fn backward_deeplift(
        &mut self,
        input: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        eps: F,
    ) -> Result<Array2<F>> {
        (**self).backward_deeplift(input, grad_output, eps)
    }
    fn visit(&self, visitor: &mut dyn Visitor<F>) {
        (**self).visit(visitor)
    }
    fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<F>) {
        (**self).visit_mut(visitor)
    }
    fn output_activation(&self) -> Option<Activation> {
        (**self).output_activation()
    }
    fn sublayers(&self) -> &[Box<dyn Layer<F>>] {
        (**self).sublayers()
    }
    fn forward_observed<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        mode: Mode,
        observe: &mut dyn FnMut(usize, ArrayView2<'_, F>),
    ) -> Result<ArrayView2<'a, F>> {
        (**self).forward_observed(input, mode, observe)
    }
    fn torch_modules(&self) -> usize {
        (**self).torch_modules()
    }
    fn output_width(&self, input_width: usize) -> Result<usize> {
        (**self).output_width(input_width)
    }
}
