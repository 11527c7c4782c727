//! The one float trait: everything in the crate is generic over `f32` and `f64` through it.

use ndarray::{ArrayView2, ArrayViewMut2, NdFloat};
use num_traits::FromPrimitive;
use std::iter::Sum;

use crate::linalg::kernel::KernelChoice;

/// A floating-point element type: implemented for `f32` (speed) and `f64` (gradient checks).
///
/// It bundles ndarray's [`NdFloat`] with the conversions the crate needs and picks the matrix
/// multiply micro-kernel for the running processor. It is sealed: only `f32` and `f64`
/// implement it.
///
/// ```
/// use tuneup::Float;
/// fn half<F: Float>(x: F) -> F { x * F::cast(0.5) }
/// assert_eq!(half(3.0f32), 1.5);
/// assert_eq!(half(3.0f64).as_f64(), 1.5);
/// ```
pub trait Float: NdFloat + FromPrimitive + Sum + Default + sealed::Sealed + 'static {
    /// Name of the type, `"f32"` or `"f64"`.
    const NAME: &'static str;

    /// Converts an `f64` constant (rounding to nearest for `f32`).
    fn cast(v: f64) -> Self;

    /// Widens to `f64`.
    fn as_f64(self) -> f64;

    /// Converts a count.
    fn from_count(n: usize) -> Self {
        Self::cast(n as f64)
    }

    /// The error function, accurate to about one ulp.
    fn erf(self) -> Self;

    #[doc(hidden)]
    fn kernel() -> KernelChoice<Self>;

    /// `tanh` by the crate's vectorisable kernel (see [`crate::model::tanh`]).
    #[doc(hidden)]
    fn tanh_kernel(self) -> Self;

    /// The vectors of this type held in `v`, if it holds this type.
    #[doc(hidden)]
    fn typed_vecs(v: &FloatVecs) -> Option<&Vec<Vec<Self>>>;

    /// Mutable access to the vectors of this type held in `v`, if it holds this type.
    #[doc(hidden)]
    fn typed_vecs_mut(v: &mut FloatVecs) -> Option<&mut Vec<Vec<Self>>>;

    /// Wraps vectors of this type.
    #[doc(hidden)]
    fn wrap_vecs(v: Vec<Vec<Self>>) -> FloatVecs;

    /// The view as `f32` values when `Self` is `f32` (for mixed-precision kernels).
    #[doc(hidden)]
    fn f32_view(a: ArrayView2<'_, Self>) -> Option<ArrayView2<'_, f32>>;

    /// The mutable view as `f32` values when `Self` is `f32`.
    #[doc(hidden)]
    fn f32_view_mut(a: ArrayViewMut2<'_, Self>) -> Option<ArrayViewMut2<'_, f32>>;

    /// The slice as `f32` values when `Self` is `f32` (for `f32`-only collectives).
    #[doc(hidden)]
    fn f32_slice_mut(s: &mut [Self]) -> Option<&mut [f32]>;
}

/// Vectors of either float type: lets non-generic owners (an optimizer serving both `f32` and
/// `f64` models) keep per-parameter state in the parameters' own precision.
#[doc(hidden)]
#[derive(Debug, Clone, Default, PartialEq)]
pub enum FloatVecs {
    /// Nothing yet.
    #[default]
    Empty,
    /// `f32` vectors.
    F32(Vec<Vec<f32>>),
    /// `f64` vectors.
    F64(Vec<Vec<f64>>),
}

impl FloatVecs {
    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        matches!(self, FloatVecs::Empty)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

impl Float for f32 {
    const NAME: &'static str = "f32";
    #[inline(always)]
    fn cast(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn as_f64(self) -> f64 {
        self as f64
    }
    #[inline]
    fn erf(self) -> Self {
        libm::erff(self)
    }
    #[inline(always)]
    fn tanh_kernel(self) -> Self {
        crate::model::tanh_f32(self)
    }
    #[inline]
    fn kernel() -> KernelChoice<Self> {
        crate::linalg::kernel::f32_kernel()
    }
    fn typed_vecs(v: &FloatVecs) -> Option<&Vec<Vec<Self>>> {
        match v {
            FloatVecs::F32(x) => Some(x),
            _ => None,
        }
    }
    fn typed_vecs_mut(v: &mut FloatVecs) -> Option<&mut Vec<Vec<Self>>> {
        match v {
            FloatVecs::F32(x) => Some(x),
            _ => None,
        }
    }
    fn wrap_vecs(v: Vec<Vec<Self>>) -> FloatVecs {
        FloatVecs::F32(v)
    }
    fn f32_view(a: ArrayView2<'_, Self>) -> Option<ArrayView2<'_, f32>> {
        Some(a)
    }
    fn f32_view_mut(a: ArrayViewMut2<'_, Self>) -> Option<ArrayViewMut2<'_, f32>> {
        Some(a)
    }
    fn f32_slice_mut(s: &mut [Self]) -> Option<&mut [f32]> {
        Some(s)
    }
}

impl Float for f64 {
    const NAME: &'static str = "f64";
    #[inline(always)]
    fn cast(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn as_f64(self) -> f64 {
        self
    }
    #[inline]
    fn erf(self) -> Self {
        libm::erf(self)
    }
    #[inline(always)]
    fn tanh_kernel(self) -> Self {
        crate::model::tanh_f64(self)
    }
    #[inline]
    fn kernel() -> KernelChoice<Self> {
        crate::linalg::kernel::f64_kernel()
    }
    fn typed_vecs(v: &FloatVecs) -> Option<&Vec<Vec<Self>>> {
        match v {
            FloatVecs::F64(x) => Some(x),
            _ => None,
        }
    }
    fn typed_vecs_mut(v: &mut FloatVecs) -> Option<&mut Vec<Vec<Self>>> {
        match v {
            FloatVecs::F64(x) => Some(x),
            _ => None,
        }
    }
    fn wrap_vecs(v: Vec<Vec<Self>>) -> FloatVecs {
        FloatVecs::F64(v)
    }
    fn f32_view(_: ArrayView2<'_, Self>) -> Option<ArrayView2<'_, f32>> {
        None
    }
    fn f32_view_mut(_: ArrayViewMut2<'_, Self>) -> Option<ArrayViewMut2<'_, f32>> {
        None
    }
    fn f32_slice_mut(_: &mut [Self]) -> Option<&mut [f32]> {
        None
    }
}
