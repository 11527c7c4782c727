//! Element-wise loops compiled for the widest vector instructions the processor has.
//!
//! The crate is compiled for the baseline x86-64 instruction set, so a plain loop over `f64`
//! uses two lanes. The hot element-wise loops (optimizer updates, the finiteness check) are
//! instantiated a second and third time inside functions compiled with AVX-512 or AVX2
//! enabled, and the processor picks one at run time. Every operation stays an IEEE operation
//! of its own (Rust never fuses a multiply and an add on its own), so results are
//! bit-identical whichever path runs.

use crate::Float;

/// True when every value is finite. Branch-free (`g − g` is 0 for finite `g` and NaN for NaN
/// or ±∞), so it vectorises.
#[inline(always)]
#[allow(clippy::eq_op)] // `g - g` is the point: 0 for finite g, NaN otherwise.
fn all_finite_body<F: Float>(values: &[F]) -> bool {
    values.iter().fold(true, |ok, &g| ok & (g - g == F::zero()))
}

/// True when every value is finite, using the widest vectors available.
pub(crate) fn all_finite<F: Float>(values: &[F]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the processor supports AVX-512F, checked just above.
            return unsafe { all_finite_avx512(values) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2, checked just above.
            return unsafe { all_finite_avx2(values) };
        }
    }
    all_finite_body(values)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn all_finite_avx512<F: Float>(values: &[F]) -> bool {
    all_finite_body(values)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn all_finite_avx2<F: Float>(values: &[F]) -> bool {
    all_finite_body(values)
}
