//! The arithmetic of matrix products: full `f32`, or `bf16` / `f16` inputs with `f32`
//! accumulation (mixed precision, as `torch.autocast` runs `nn.Linear`).

use half::f16;
use half::slice::HalfFloatSliceExt;
use ndarray::{ArrayView2, ArrayViewMut2, ShapeBuilder};

use super::bf16::{gemm_bf16, Bf16Workspace};
use super::gemm::{gemm, gemm_of_rounded, GemmWorkspace};
use crate::{Error, Float, Result};

/// How the matrix products of a layer compute (see
/// [`set_matmul_precision`](crate::model::set_matmul_precision) and the Trainer option
/// [`TrainerBuilder::precision`](crate::train::TrainerBuilder::precision)).
///
/// - `F32`: the model's own float type throughout (the default).
/// - `Bf16`: both factors rounded to bfloat16 (8 exponent bits, 8 significant bits, round to
///   nearest even), products accumulated in `f32` — [`gemm_bf16`]: the `vdpbf16ps` kernel on
///   processors with AVX-512 BF16, elsewhere the same arithmetic by the `f32` kernels, so
///   the bits are the same on every processor. The range of `f32` is kept, so no loss
///   scaling is needed.
/// - `F16`: both factors rounded to IEEE half precision (5 exponent bits, 11 significant
///   bits; beyond ±65504 they become ±∞), products accumulated in `f32`. Small gradients
///   underflow to 0 without loss scaling: pair it with a
///   [`GradScaler`](crate::parallel::GradScaler).
///
/// Weights stay `f32` masters, updated in `f32`; only the products' inputs are rounded.
/// Activations, losses and optimizer updates are computed in `f32`. Mixed precision needs an
/// `f32` model.
///
/// ```
/// use tuneup::linalg::Precision;
/// assert_eq!(Precision::default(), Precision::F32);
/// assert_eq!(Precision::Bf16.to_string(), "bf16");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Precision {
    /// Full precision (the model's float type).
    #[default]
    F32,
    /// bfloat16 inputs, `f32` accumulation.
    Bf16,
    /// IEEE half-precision inputs, `f32` accumulation.
    F16,
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::Bf16 => "bf16",
            Precision::F16 => "f16",
        })
    }
}

impl Precision {
    /// Whether a model of float type `F` can compute at this precision (`F32` always; the
    /// reduced ones only for `f32` models): an [`Error::Config`] naming both otherwise.
    ///
    /// ```
    /// use tuneup::linalg::Precision;
    /// assert!(Precision::Bf16.check::<f32>("model").is_ok());
    /// assert!(Precision::Bf16.check::<f64>("model").is_err());
    /// assert!(Precision::F32.check::<f64>("model").is_ok());
    /// ```
    pub fn check<F: Float>(self, context: &str) -> Result<()> {
        if self == Precision::F32 || F::NAME == "f32" {
            return Ok(());
        }
        Err(Error::config(
            context,
            format!("{self} matrix products on an {} model", F::NAME),
            "an f32 model (mixed precision rounds f32 inputs; f64 models compute in f64)",
        ))
    }
}

/// The buffers of [`gemm_with_precision`], kept between calls so that a product allocates
/// nothing once they have grown to its shapes. Empty until a reduced precision is used.
///
/// ```
/// let ws = tuneup::linalg::PrecisionWorkspace::default();
/// # let _ = ws;
/// ```
#[derive(Debug, Default, Clone)]
pub struct PrecisionWorkspace {
    bf16: Bf16Workspace,
    a: Vec<f32>,
    b: Vec<f32>,
    gemm: GemmWorkspace<f32>,
}

/// `C ← α·A·B + β·C` at `precision`: [`gemm`] for `F32` (or a non-`f32` float type, which
/// [`Precision::check`] refuses beforehand); for `F16` the `f32` [`gemm`] of `A` and `B`
/// rounded to half precision (whose products are exact in `f32`), rounded block by block as
/// they are packed (copies only for a one-column product); for `Bf16`,
/// [`gemm_bf16`] (the same bits on every processor). Deterministic whatever the thread
/// count, as every kernel is.
///
/// # Panics
/// When the shapes do not agree, as [`gemm`].
///
/// ```
/// use tuneup::linalg::{gemm_with_precision, GemmWorkspace, Precision, PrecisionWorkspace};
/// use ndarray::{array, Array2};
/// let a = array![[1.0f32 + 1.0 / 512.0]]; // not a bf16 value; a half-precision one
/// let b = array![[1.0f32]];
/// let (mut ws, mut reduced) = (GemmWorkspace::default(), PrecisionWorkspace::default());
/// let mut c = Array2::zeros((1, 1));
/// gemm_with_precision(Precision::Bf16, 1.0, a.view(), b.view(), 0.0, c.view_mut(), &mut ws, &mut reduced);
/// assert_eq!(c[[0, 0]], 1.0); // rounded to 8 significant bits
/// gemm_with_precision(Precision::F16, 1.0, a.view(), b.view(), 0.0, c.view_mut(), &mut ws, &mut reduced);
/// assert_eq!(c[[0, 0]], 1.0 + 1.0 / 512.0);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn gemm_with_precision<F: Float>(
    precision: Precision,
    alpha: F,
    a: ArrayView2<'_, F>,
    b: ArrayView2<'_, F>,
    beta: F,
    mut c: ArrayViewMut2<'_, F>,
    ws: &mut GemmWorkspace<F>,
    reduced: &mut PrecisionWorkspace,
) {
    if precision != Precision::F32 {
        let c32 = F::f32_view_mut(c.view_mut());
        if let (Some(a), Some(b), Some(c)) = (F::f32_view(a), F::f32_view(b), c32) {
            let (alpha, beta) = (alpha.as_f64() as f32, beta.as_f64() as f32);
            reduced_gemm(precision, alpha, a, b, beta, c, reduced);
            return;
        }
    }
    gemm(alpha, a, b, beta, c, ws);
}

/// The `Bf16` and `F16` products of [`gemm_with_precision`].
fn reduced_gemm(
    precision: Precision,
    alpha: f32,
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    c: ArrayViewMut2<'_, f32>,
    reduced: &mut PrecisionWorkspace,
) {
    if precision == Precision::Bf16 {
        if let Err(e) = gemm_bf16(alpha, a, b, beta, c, &mut reduced.bf16) {
            panic!("gemm_with_precision: {e}");
        }
        return;
    }
    if b.ncols() > 1 {
        // Rounded while packing: the bits of the copies' product, without the copies.
        return gemm_of_rounded(
            alpha,
            a,
            b,
            beta,
            c,
            &mut reduced.gemm,
            round_to_half_in_place,
        );
    }
    let a = rounded_copy(a, &mut reduced.a, round_to_half_in_place);
    let b = rounded_copy(b, &mut reduced.b, round_to_half_in_place);
    gemm(alpha, a, b, beta, c, &mut reduced.gemm);
}

/// Rounds every value to the nearest half-precision one (ties to even; beyond the half
/// range, ±∞), through half's slice conversions: F16C instructions where the processor has
/// them.
fn round_to_half_in_place(values: &mut [f32]) {
    let mut halves = [f16::ZERO; 256];
    for chunk in values.chunks_mut(halves.len()) {
        let h = &mut halves[..chunk.len()];
        h.convert_from_f32_slice(chunk);
        h.convert_to_f32_slice(chunk);
    }
}

/// `x` with each value rounded by `round`, in `out` (grown once, then reused): in `x`'s own
/// memory order when it is row- or column-major (a transposed weight is copied as it lies),
/// else row-major.
fn rounded_copy<'o>(
    x: ArrayView2<'_, f32>,
    out: &'o mut Vec<f32>,
    round: fn(&mut [f32]),
) -> ArrayView2<'o, f32> {
    let (m, k) = x.dim();
    out.clear();
    let column_major = !x.is_standard_layout() && x.t().is_standard_layout();
    match x.as_slice_memory_order() {
        Some(values) if x.is_standard_layout() || column_major => out.extend_from_slice(values),
        _ => x.rows().into_iter().for_each(|row| out.extend(row.iter())),
    }
    round(out);
    let view = if column_major {
        ArrayView2::from_shape((m, k).f(), out)
    } else {
        ArrayView2::from_shape((m, k), out)
    };
    view.expect("m × k values")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, Array2};

    #[test]
    fn rounding_keeps_the_logical_matrix_in_every_layout() {
        let x = Array2::from_shape_fn((6, 5), |(i, j)| (i * 5 + j) as f32 * 0.1234 + 1e-4);
        let expected = |v: ArrayView2<'_, f32>| v.mapv(|e| f16::from_f32(e).to_f32());
        let mut out = Vec::new();
        for view in [x.view(), x.t(), x.slice(s![..;2, 1..])] {
            let got = rounded_copy(view, &mut out, round_to_half_in_place);
            assert_eq!(got, expected(view));
        }
    }
}
