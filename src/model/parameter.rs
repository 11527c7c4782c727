//! Trainable tensors and the buffers that travel with them.

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn};

use super::pruning_mask::PruningMask;
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
    /// The pruning mask, once pruned (boxed: most parameters have none).
    pruning: Option<Box<PruningMask<F>>>,
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
            pruning: None,
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
    /// Removes `prefix` from the start of the name, if it is there (a layer taken out of a
    /// container).
    pub(crate) fn strip_name_prefix(&mut self, prefix: &str) {
        if self.name.starts_with(prefix) {
            self.name.replace_range(..prefix.len(), "");
        }
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
        if let Some(p) = &self.pruning {
            p.apply(&mut self.value);
        }
        Ok(())
    }

    /// The pruning mask (1 kept, 0 pruned), if the parameter is pruned; see
    /// [`crate::compress`].
    ///
    /// ```
    /// use tuneup::model::{ParamKind, Parameter};
    /// let mut p = Parameter::<f64>::new("w", ndarray::arr1(&[3.0, -1.0]).into_dyn(), ParamKind::Weight);
    /// assert!(p.mask().is_none());
    /// p.set_mask(ndarray::arr1(&[1.0, 0.0]).into_dyn())?;
    /// assert_eq!(p.mask().unwrap().iter().copied().collect::<Vec<_>>(), [1.0, 0.0]);
    /// assert_eq!(p.value().iter().copied().collect::<Vec<_>>(), [3.0, 0.0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn mask(&self) -> Option<ArrayViewD<'_, F>> {
        self.pruning.as_ref().map(|p| p.mask.view())
    }

    /// Whether the parameter carries a pruning mask.
    ///
    /// ```
    /// use tuneup::model::{ParamKind, Parameter};
    /// assert!(!Parameter::<f64>::zeros("w", &[2], ParamKind::Weight).is_pruned());
    /// ```
    pub fn is_pruned(&self) -> bool {
        self.pruning.is_some()
    }

    /// Sets the pruning mask (PyTorch's `custom_from_mask` after composing): entries where
    /// `mask` is 0 become 0 and stay 0 through training (optimizer steps and gradient
    /// clipping apply the mask to the gradient and to the update). A mask replacing an
    /// earlier one should keep none of the entries that one pruned (compose with
    /// [`crate::compress`]'s methods, which do). The values hidden are kept for
    /// [`original`](Self::original).
    ///
    /// Errors: a mask of another shape ([`Error::Shape`](crate::Error::Shape)) or with an
    /// entry other than 0 and 1 ([`Error::Value`](crate::Error::Value)); nothing changes.
    ///
    /// ```
    /// use tuneup::model::{ParamKind, Parameter};
    /// let mut p = Parameter::<f64>::new("w", ndarray::arr1(&[3.0, -1.0]).into_dyn(), ParamKind::Weight);
    /// assert!(p.set_mask(ndarray::arr1(&[0.5, 1.0]).into_dyn()).is_err());
    /// assert!(p.set_mask(ndarray::arr1(&[1.0]).into_dyn()).is_err());
    /// assert!(!p.is_pruned());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn set_mask(&mut self, mask: ArrayD<F>) -> crate::Result<()> {
        PruningMask::check(&self.name, &self.value, &mask.view())?;
        let mask = mask.as_standard_layout().into_owned();
        match &mut self.pruning {
            Some(p) => p.replace(&mut self.value, mask),
            None => self.pruning = Some(Box::new(PruningMask::first(&mut self.value, mask))),
        }
        Ok(())
    }

    /// Drops the mask, keeping the pruned entries at 0 (PyTorch's `prune.remove`); returns
    /// whether there was one.
    ///
    /// ```
    /// use tuneup::model::{ParamKind, Parameter};
    /// let mut p = Parameter::<f64>::new("w", ndarray::arr1(&[3.0, -1.0]).into_dyn(), ParamKind::Weight);
    /// p.set_mask(ndarray::arr1(&[1.0, 0.0]).into_dyn())?;
    /// assert!(p.remove_mask());
    /// assert!(!p.is_pruned() && !p.remove_mask());
    /// assert_eq!(p.value().iter().copied().collect::<Vec<_>>(), [3.0, 0.0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn remove_mask(&mut self) -> bool {
        self.pruning.take().is_some()
    }

    /// PyTorch's `<name>_orig` of a pruned parameter: the kept entries' current values and
    /// the pruned entries' values from when they were pruned (`None` when not pruned).
    /// `original × mask` is the value.
    ///
    /// ```
    /// use tuneup::model::{ParamKind, Parameter};
    /// let mut p = Parameter::<f64>::new("w", ndarray::arr1(&[3.0, -1.0]).into_dyn(), ParamKind::Weight);
    /// p.set_mask(ndarray::arr1(&[1.0, 0.0]).into_dyn())?;
    /// assert_eq!(p.original().unwrap().iter().copied().collect::<Vec<_>>(), [3.0, -1.0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn original(&self) -> Option<ArrayD<F>> {
        self.pruning.as_ref().map(|p| p.original(&self.value))
    }

    /// Multiplies the gradient by the mask, as PyTorch's gradient of `weight_orig` is
    /// (nothing without a mask). Optimizer steps and clipping call it; a custom loop that
    /// reads gradients of a pruned model calls it after backward.
    ///
    /// ```
    /// use tuneup::model::{ParamKind, Parameter};
    /// let mut p = Parameter::<f64>::new("w", ndarray::arr1(&[3.0, -1.0]).into_dyn(), ParamKind::Weight);
    /// p.set_mask(ndarray::arr1(&[1.0, 0.0]).into_dyn())?;
    /// p.grad_mut().fill(2.0);
    /// p.mask_gradient();
    /// assert_eq!(p.grad().iter().copied().collect::<Vec<_>>(), [2.0, 0.0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn mask_gradient(&mut self) {
        if let Some(p) = &self.pruning {
            p.apply(&mut self.grad);
        }
    }

    /// Multiplies the value by the mask (after an update; nothing without a mask).
    pub(crate) fn mask_value(&mut self) {
        if let Some(p) = &self.pruning {
            p.apply(&mut self.value);
        }
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
    /// Removes `prefix` from the start of the name, if it is there (a layer taken out of a
    /// container).
    pub(crate) fn strip_name_prefix(&mut self, prefix: &str) {
        if self.name.starts_with(prefix) {
            self.name.replace_range(..prefix.len(), "");
        }
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
    /// Removes `prefix` from the start of the name, if it is there (a layer taken out of a
    /// container).
    pub(crate) fn strip_name_prefix(&mut self, prefix: &str) {
        if self.name.starts_with(prefix) {
            self.name.replace_range(..prefix.len(), "");
        }
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
