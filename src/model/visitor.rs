//! The one visitor through which optimizers, regularizers, clipping, checkpoints and the
//! doctor reach a layer's state without knowing its type.

use super::{NamedBuffer, NamedCounter, Parameter};
use crate::linalg::Precision;
use crate::Float;

/// Sees a layer's state read-only: its parameters, its buffers (running statistics) and its
/// integer counters (BatchNorm's `num_batches_tracked`, Dropout's random stream), in a fixed
/// order. Every method does nothing by default, so a visitor implements only what it reads.
///
/// A layer forwards one call, [`Layer::visit`](super::Layer::visit), to reach all three kinds
/// of state: a container cannot forget one kind.
///
/// ```
/// use tuneup::model::{Layer, NamedBuffer, Parameter, Visitor};
/// use tuneup::prelude::*;
/// #[derive(Default)]
/// struct Count { parameters: usize, buffers: usize }
/// impl Visitor<f64> for Count {
///     fn parameter(&mut self, _: &Parameter<f64>) { self.parameters += 1 }
///     fn buffer(&mut self, _: &NamedBuffer<f64>) { self.buffers += 1 }
/// }
/// let net = Sequential::<f64>::new()
///     .push(Linear::new(3, 4, 0)?)
///     .push(BatchNorm1d::new(4)?);
/// let mut count = Count::default();
/// net.visit(&mut count);
/// assert_eq!((count.parameters, count.buffers), (4, 2));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait Visitor<F: Float> {
    /// Called on every trainable parameter.
    fn parameter(&mut self, parameter: &Parameter<F>) {
        let _ = parameter;
    }
    /// Called on every non-trainable state buffer.
    fn buffer(&mut self, buffer: &NamedBuffer<F>) {
        let _ = buffer;
    }
    /// Called on every integer state counter.
    fn counter(&mut self, counter: &NamedCounter) {
        let _ = counter;
    }
    /// Called on the arithmetic of every layer whose matrix products can run in reduced
    /// precision (each `Linear`).
    fn matmul_precision(&mut self, precision: Precision) {
        let _ = precision;
    }
}

/// Sees a layer's state mutably, in the same order as [`Visitor`].
///
/// ```
/// use tuneup::model::{Layer, Parameter, VisitorMut};
/// use tuneup::prelude::*;
/// struct Fill(f64);
/// impl VisitorMut<f64> for Fill {
///     fn parameter(&mut self, p: &mut Parameter<f64>) { p.value_mut().fill(self.0) }
/// }
/// let mut layer = Linear::<f64>::new(2, 1, 0)?;
/// layer.visit_mut(&mut Fill(0.5));
/// assert_eq!(layer.weight().value_slice(), &[0.5, 0.5]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait VisitorMut<F: Float> {
    /// Called on every trainable parameter.
    fn parameter(&mut self, parameter: &mut Parameter<F>) {
        let _ = parameter;
    }
    /// Called on every non-trainable state buffer.
    fn buffer(&mut self, buffer: &mut NamedBuffer<F>) {
        let _ = buffer;
    }
    /// Called on every integer state counter.
    fn counter(&mut self, counter: &mut NamedCounter) {
        let _ = counter;
    }
    /// Called on the arithmetic of every layer whose matrix products can run in reduced
    /// precision (each `Linear`), to read or set it.
    fn matmul_precision(&mut self, precision: &mut Precision) {
        let _ = precision;
    }
}

/// A visitor that hands parameters to a closure.
pub(crate) struct Parameters<'f, C: ?Sized>(pub &'f mut C);
/// A visitor that hands buffers to a closure.
pub(crate) struct Buffers<'f, C: ?Sized>(pub &'f mut C);
/// A visitor that hands counters to a closure.
pub(crate) struct Counters<'f, C: ?Sized>(pub &'f mut C);

impl<F: Float, C: FnMut(&Parameter<F>) + ?Sized> Visitor<F> for Parameters<'_, C> {
    fn parameter(&mut self, parameter: &Parameter<F>) {
        (self.0)(parameter)
    }
}
impl<F: Float, C: FnMut(&mut Parameter<F>) + ?Sized> VisitorMut<F> for Parameters<'_, C> {
    fn parameter(&mut self, parameter: &mut Parameter<F>) {
        (self.0)(parameter)
    }
}
impl<F: Float, C: FnMut(&NamedBuffer<F>) + ?Sized> Visitor<F> for Buffers<'_, C> {
    fn buffer(&mut self, buffer: &NamedBuffer<F>) {
        (self.0)(buffer)
    }
}
impl<F: Float, C: FnMut(&mut NamedBuffer<F>) + ?Sized> VisitorMut<F> for Buffers<'_, C> {
    fn buffer(&mut self, buffer: &mut NamedBuffer<F>) {
        (self.0)(buffer)
    }
}
impl<F: Float, C: FnMut(&NamedCounter) + ?Sized> Visitor<F> for Counters<'_, C> {
    fn counter(&mut self, counter: &NamedCounter) {
        (self.0)(counter)
    }
}
impl<F: Float, C: FnMut(&mut NamedCounter) + ?Sized> VisitorMut<F> for Counters<'_, C> {
    fn counter(&mut self, counter: &mut NamedCounter) {
        (self.0)(counter)
    }
}

/// Prepends a prefix to every name.
pub(crate) struct Prefix<'p>(pub &'p str);

impl<F: Float> VisitorMut<F> for Prefix<'_> {
    fn parameter(&mut self, parameter: &mut Parameter<F>) {
        parameter.prefix_name(self.0)
    }
    fn buffer(&mut self, buffer: &mut NamedBuffer<F>) {
        buffer.prefix_name(self.0)
    }
    fn counter(&mut self, counter: &mut NamedCounter) {
        counter.prefix_name(self.0)
    }
}

/// Removes a prefix from the start of every name that has it.
pub(crate) struct StripPrefix<'p>(pub &'p str);

impl<F: Float> VisitorMut<F> for StripPrefix<'_> {
    fn parameter(&mut self, parameter: &mut Parameter<F>) {
        parameter.strip_name_prefix(self.0)
    }
    fn buffer(&mut self, buffer: &mut NamedBuffer<F>) {
        buffer.strip_name_prefix(self.0)
    }
    fn counter(&mut self, counter: &mut NamedCounter) {
        counter.strip_name_prefix(self.0)
    }
}
