//! Trainable tensors and the buffers that travel with them.

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn};

use crate::Float;

/// What role a parameter plays, so that regularizers and optimizer groups can select by it
/// (penalties apply to weights only unless asked).
///
/// ```
/// use tuneup::model::ParamKind;
/// assert_ne!(ParamKind::Weight, ParamKind::Bias);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamKind {
    /// A weight matrix or kernel.
    Weight,
    /// An additive bias.
    Bias,
    /// A normalisation scale or shift (BatchNorm / LayerNorm `weight` and `bias`).
    Norm,
}

/// A trainable tensor with its gradient, full name (PyTorch `state_dict` style, e.g.
/// `0.weight`) and frozen flag.
///
/// The value's shape is fixed at construction; the views handed out cannot change it.
///
/// ```
/// use tuneup::model::{ParamKind, Parameter};
/// let mut p = Parameter::<f64>::zeros("weight", &[2, 3], ParamKind::Weight);
/// p.grad_mut().fill(1.0);
/// assert_eq!(p.len(), 6);
/// assert_eq!(p.grad().sum(), 6.0);
/// p.zero_grad();
/// assert_eq!(p.grad().sum(), 0.0);
/// ```
#[derive(Debug, Clone)]
pub struct Parameter<F> {
    name: String,
    value: ArrayD<F>,
    grad: ArrayD<F>,
    frozen: bool,
    kind: ParamKind,
}

impl<F: Float> Parameter<F> {
    /// A parameter holding `value`, with a zero gradient.
    ///
    /// ```
    /// use tuneup::model::{ParamKind, Parameter};
    /// let p = Parameter::new("bias", ndarray::arr1(&[1.0f32, 2.0]).into_dyn(), ParamKind::Bias);
    /// assert_eq!(p.shape(), &[2]);
    /// ```
    pub fn new(name: impl Into<String>, value: ArrayD<F>, kind: ParamKind) -> Self {
        let value = value.as_standard_layout().into_owned();
        let grad = ArrayD::zeros(value.raw_dim());
        Parameter {
            name: name.into(),
            value,
            grad,
            frozen: false,
            kind,
        }
    }

    /// A zero-valued parameter of the given shape.
    ///
    /// ```
    /// use tuneup::model::{ParamKind, Parameter};
    /// assert_eq!(Parameter::<f32>::zeros("b", &[4], ParamKind::Bias).len(), 4);
    /// ```
    pub fn zeros(name: impl Into<String>, shape: &[usize], kind: ParamKind) -> Self {
        Self::new(name, ArrayD::zeros(IxDyn(shape)), kind)
    }

    /// Full name, e.g. `2.weight`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Prepends `prefix` to the name (containers call this when a layer is added).
    pub fn prefix_name(&mut self, prefix: &str) {
        self.name.insert_str(0, prefix);
    }

    /// Shape of the value (PyTorch layout: a `Linear` weight is out × in).
    pub fn shape(&self) -> &[usize] {
        self.value.shape()
    }

    /// Number of scalars.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// True when the parameter holds no scalar.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// Role of the parameter.
    pub fn kind(&self) -> ParamKind {
        self.kind
    }

    /// Frozen parameters are skipped by optimizers (and left out of regularization).
    pub fn is_frozen(&self) -> bool {
        self.frozen
    }

    /// Freezes or unfreezes the parameter.
    pub fn set_frozen(&mut self, frozen: bool) {
        self.frozen = frozen;
    }

    /// The current value.
    pub fn value(&self) -> ArrayViewD<'_, F> {
        self.value.view()
    }

    /// Mutable access to the value (its shape cannot change).
    pub fn value_mut(&mut self) -> ArrayViewMutD<'_, F> {
        self.value.view_mut()
    }

    /// The accumulated gradient.
    pub fn grad(&self) -> ArrayViewD<'_, F> {
        self.grad.view()
    }

    /// Mutable access to the gradient.
    pub fn grad_mut(&mut self) -> ArrayViewMutD<'_, F> {
        self.grad.view_mut()
    }

    /// The value as a flat row-major slice.
    pub fn value_slice(&self) -> &[F] {
        self.value
            .as_slice()
            .expect("parameters are stored contiguously")
    }

    /// The gradient as a flat row-major slice.
    pub fn grad_slice(&self) -> &[F] {
        self.grad
            .as_slice()
            .expect("parameters are stored contiguously")
    }

    /// Mutable value and read-only gradient together, as flat slices (what an optimizer needs).
    ///
    /// ```
    /// use tuneup::model::{ParamKind, Parameter};
    /// let mut p = Parameter::<f64>::zeros("w", &[3], ParamKind::Weight);
    /// p.grad_mut().fill(2.0);
    /// let (value, grad) = p.value_and_grad_mut();
    /// for (v, g) in value.iter_mut().zip(grad) { *v -= 0.5 * g; }
    /// assert_eq!(p.value().sum(), -3.0);
    /// ```
    pub fn value_and_grad_mut(&mut self) -> (&mut [F], &[F]) {
        (
            self.value
                .as_slice_mut()
                .expect("parameters are stored contiguously"),
            self.grad
                .as_slice()
                .expect("parameters are stored contiguously"),
        )
    }

    /// Mutable value and mutable gradient together, as flat slices (for regularizers and
    /// clipping that write the gradient while reading the value).
    pub fn value_and_grad_slices_mut(&mut self) -> (&[F], &mut [F]) {
        (
            self.value
                .as_slice()
                .expect("parameters are stored contiguously"),
            self.grad
                .as_slice_mut()
                .expect("parameters are stored contiguously"),
        )
    }

    /// Sets the gradient to zero.
    pub fn zero_grad(&mut self) {
        self.grad.fill(F::zero());
    }

    /// Overwrites the value from an array of the same shape.
    ///
    /// ```
    /// use tuneup::model::{ParamKind, Parameter};
    /// let mut p = Parameter::<f64>::zeros("w", &[2], ParamKind::Weight);
    /// assert!(p.set_value(ndarray::arr1(&[1.0, 2.0]).view().into_dyn()).is_ok());
    /// assert!(p.set_value(ndarray::arr1(&[1.0]).view().into_dyn()).is_err());
    /// ```
    pub fn set_value(&mut self, value: ArrayViewD<'_, F>) -> crate::Result<()> {
        if value.shape() != self.value.shape() {
            return Err(crate::Error::shape(
                format!("parameter {}", self.name),
                format!("{:?}", self.value.shape()),
                format!("{:?}", value.shape()),
            ));
        }
        self.value.assign(&value);
        Ok(())
    }

    /// The value as a matrix (a `Linear` weight: out × in); a shape error for a parameter
    /// that is not 2-D.
    ///
    /// ```
    /// use tuneup::model::{ParamKind, Parameter};
    /// let mut p = Parameter::<f64>::zeros("weight", &[2, 3], ParamKind::Weight);
    /// p.matrix_mut()?[[1, 2]] = 5.0;
    /// assert_eq!(p.matrix()?[[1, 2]], 5.0);
    /// p.grad_matrix_mut()?.fill(1.0);
    /// assert_eq!(p.grad_matrix()?.sum(), 6.0);
    /// assert!(Parameter::<f64>::zeros("bias", &[3], ParamKind::Bias).matrix().is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn matrix(&self) -> crate::Result<ndarray::ArrayView2<'_, F>> {
        let shape = self.value.shape().to_vec();
        self.value
            .view()
            .into_dimensionality()
            .map_err(|_| self.not_a_matrix(&shape))
    }

    /// The value as a mutable matrix (see [`Parameter::matrix`]).
    pub fn matrix_mut(&mut self) -> crate::Result<ndarray::ArrayViewMut2<'_, F>> {
        let shape = self.value.shape().to_vec();
        let err = self.not_a_matrix(&shape);
        self.value.view_mut().into_dimensionality().map_err(|_| err)
    }

    /// The gradient as a matrix (see [`Parameter::matrix`]).
    pub fn grad_matrix(&self) -> crate::Result<ndarray::ArrayView2<'_, F>> {
        let shape = self.grad.shape().to_vec();
        self.grad
            .view()
            .into_dimensionality()
            .map_err(|_| self.not_a_matrix(&shape))
    }

    /// The gradient as a mutable matrix (see [`Parameter::matrix`]).
    pub fn grad_matrix_mut(&mut self) -> crate::Result<ndarray::ArrayViewMut2<'_, F>> {
        let shape = self.grad.shape().to_vec();
        let err = self.not_a_matrix(&shape);
        self.grad.view_mut().into_dimensionality().map_err(|_| err)
    }

    fn not_a_matrix(&self, shape: &[usize]) -> crate::Error {
        crate::Error::shape(
            format!("parameter {}", self.name),
            "a 2-D parameter",
            format!("shape {shape:?}"),
        )
    }

    /// The value viewed as a matrix (for 2-D parameters).
    pub(crate) fn value2(&self) -> ndarray::ArrayView2<'_, F> {
        self.value
            .view()
            .into_dimensionality()
            .expect("2-D parameter")
    }

    /// The gradient viewed as a mutable matrix (for 2-D parameters).
    pub(crate) fn grad2_mut(&mut self) -> ndarray::ArrayViewMut2<'_, F> {
        self.grad
            .view_mut()
            .into_dimensionality()
            .expect("2-D parameter")
    }
}

/// A non-trainable tensor that belongs to a layer's state (BatchNorm's running mean and
/// variance), named like PyTorch's `state_dict` buffers.
///
/// ```
/// use tuneup::model::NamedBuffer;
/// let b = NamedBuffer::<f32>::new("running_mean", ndarray::ArrayD::zeros(ndarray::IxDyn(&[3])));
/// assert_eq!(b.name(), "running_mean");
/// ```
#[derive(Debug, Clone)]
pub struct NamedBuffer<F> {
    name: String,
    value: ArrayD<F>,
}

impl<F: Float> NamedBuffer<F> {
    /// A buffer with the given name and value.
    pub fn new(name: impl Into<String>, value: ArrayD<F>) -> Self {
        NamedBuffer {
            name: name.into(),
            value,
        }
    }
    /// Full name, e.g. `1.running_var`.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Prepends `prefix` to the name.
    pub fn prefix_name(&mut self, prefix: &str) {
        self.name.insert_str(0, prefix);
    }
    /// The value.
    pub fn value(&self) -> ArrayViewD<'_, F> {
        self.value.view()
    }
    /// Mutable access to the value (shape fixed).
    pub fn value_mut(&mut self) -> ArrayViewMutD<'_, F> {
        self.value.view_mut()
    }
    /// The value as a flat slice.
    pub fn as_slice(&self) -> &[F] {
        self.value
            .as_slice()
            .expect("buffers are stored contiguously")
    }
    /// The value as a flat mutable slice.
    pub fn as_slice_mut(&mut self) -> &mut [F] {
        self.value
            .as_slice_mut()
            .expect("buffers are stored contiguously")
    }
}

/// A named integer that is part of a layer's state, so that a checkpoint can resume a run
/// exactly: BatchNorm's `num_batches_tracked` (PyTorch's name) and the draw counter of
/// Dropout's mask stream.
///
/// ```
/// use tuneup::model::NamedCounter;
/// let mut c = NamedCounter::new("num_batches_tracked", 0);
/// c.set(3);
/// assert_eq!(c.get(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedCounter {
    name: String,
    value: u64,
}

impl NamedCounter {
    /// A counter with the given name and value.
    pub fn new(name: impl Into<String>, value: u64) -> Self {
        NamedCounter {
            name: name.into(),
            value,
        }
    }
    /// Full name, e.g. `1.num_batches_tracked`.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Prepends `prefix` to the name.
    pub fn prefix_name(&mut self, prefix: &str) {
        self.name.insert_str(0, prefix);
    }
    /// The value.
    pub fn get(&self) -> u64 {
        self.value
    }
    /// Sets the value.
    pub fn set(&mut self, value: u64) {
        self.value = value;
    }
    /// Adds one.
    pub(crate) fn increment(&mut self) {
        self.value += 1;
    }
}
