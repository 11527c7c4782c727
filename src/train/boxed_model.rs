//! `Box<dyn Layer<F>>` is itself a [`Layer`], so a [`Trainer`](super::Trainer) can own a model
//! whose type is only known at run time (a network chosen from a configuration file, say).

use ndarray::ArrayView2;

use crate::model::{Layer, Mode, NamedBuffer, NamedCounter, Parameter};
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
    fn output_width(&self, input_width: usize) -> Result<usize> {
        (**self).output_width(input_width)
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
    fn visit_parameters(&self, f: &mut dyn FnMut(&Parameter<F>)) {
        (**self).visit_parameters(f)
    }
    fn visit_parameters_mut(&mut self, f: &mut dyn FnMut(&mut Parameter<F>)) {
        (**self).visit_parameters_mut(f)
    }
    fn visit_buffers(&self, f: &mut dyn FnMut(&NamedBuffer<F>)) {
        (**self).visit_buffers(f)
    }
    fn visit_buffers_mut(&mut self, f: &mut dyn FnMut(&mut NamedBuffer<F>)) {
        (**self).visit_buffers_mut(f)
    }
    fn visit_counters(&self, f: &mut dyn FnMut(&NamedCounter)) {
        (**self).visit_counters(f)
    }
    fn visit_counters_mut(&mut self, f: &mut dyn FnMut(&mut NamedCounter)) {
        (**self).visit_counters_mut(f)
    }
    fn torch_modules(&self) -> usize {
        (**self).torch_modules()
    }
    fn zero_grad(&mut self) {
        (**self).zero_grad()
    }
    fn num_parameters(&self) -> usize {
        (**self).num_parameters()
    }
    fn prefix_names(&mut self, prefix: &str) {
        (**self).prefix_names(prefix)
    }
    fn set_frozen(&mut self, frozen: bool) {
        (**self).set_frozen(frozen)
    }
}
