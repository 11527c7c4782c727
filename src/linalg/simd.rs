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

/// Appends `weight · v` for every value, widened to `f64`; true when every value is finite.
/// One pass over `values` (the check rides along), in the widest vectors available.
pub(crate) fn widen_scaled<F: Float>(values: &[F], weight: f64, out: &mut Vec<f64>) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the processor supports AVX-512F, checked just above.
            return unsafe { widen_scaled_avx512(values, weight, out) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2, checked just above.
            return unsafe { widen_scaled_avx2(values, weight, out) };
        }
    }
    widen_scaled_body(values, weight, out)
}

#[inline(always)]
#[allow(clippy::eq_op)] // `v - v` is 0 for finite v, NaN otherwise.
fn widen_scaled_body<F: Float>(values: &[F], weight: f64, out: &mut Vec<f64>) -> bool {
    let mut finite = true;
    out.extend(values.iter().map(|&v| {
        finite &= v - v == F::zero();
        v.as_f64() * weight
    }));
    finite
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn widen_scaled_avx512<F: Float>(values: &[F], weight: f64, out: &mut Vec<f64>) -> bool {
    widen_scaled_body(values, weight, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn widen_scaled_avx2<F: Float>(values: &[F], weight: f64, out: &mut Vec<f64>) -> bool {
    widen_scaled_body(values, weight, out)
}

/// `acc[i] = f64(src[i]) · weight`, or `acc[i] += f64(src[i]) · weight` when `add`, over the
/// shorter of the two (a product and a sum, never fused), in the widest vectors available.
pub(crate) fn accumulate_scaled(src: &[f32], weight: f64, acc: &mut [f64], add: bool) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the processor supports AVX-512F, checked just above.
            return unsafe { accumulate_scaled_avx512(src, weight, acc, add) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2, checked just above.
            return unsafe { accumulate_scaled_avx2(src, weight, acc, add) };
        }
    }
    accumulate_scaled_body(src, weight, acc, add)
}

#[inline(always)]
fn accumulate_scaled_body(src: &[f32], weight: f64, acc: &mut [f64], add: bool) {
    let pairs = acc.iter_mut().zip(src);
    if add {
        pairs.for_each(|(a, &s)| *a += f64::from(s) * weight);
    } else {
        pairs.for_each(|(a, &s)| *a = f64::from(s) * weight);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn accumulate_scaled_avx512(src: &[f32], weight: f64, acc: &mut [f64], add: bool) {
    accumulate_scaled_body(src, weight, acc, add)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn accumulate_scaled_avx2(src: &[f32], weight: f64, acc: &mut [f64], add: bool) {
    accumulate_scaled_body(src, weight, acc, add)
}

/// `dst[i] = F::cast(src[i])` (rounded to nearest for `f32`) over the shorter of the two, in
/// the widest vectors available.
pub(crate) fn narrow_into<F: Float>(src: &[f64], dst: &mut [F]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the processor supports AVX-512F, checked just above.
            return unsafe { narrow_into_avx512(src, dst) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2, checked just above.
            return unsafe { narrow_into_avx2(src, dst) };
        }
    }
    narrow_into_body(src, dst)
}

#[inline(always)]
fn narrow_into_body<F: Float>(src: &[f64], dst: &mut [F]) {
    dst.iter_mut().zip(src).for_each(|(d, &s)| *d = F::cast(s));
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn narrow_into_avx512<F: Float>(src: &[f64], dst: &mut [F]) {
    narrow_into_body(src, dst)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn narrow_into_avx2<F: Float>(src: &[f64], dst: &mut [F]) {
    narrow_into_body(src, dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_scales_and_flags_non_finite_values() {
        let mut out = vec![7.0];
        assert!(widen_scaled(&[1.5f32, -2.0, 0.1], 0.5, &mut out));
        assert_eq!(out, [7.0, 0.75, -1.0, f64::from(0.1f32) * 0.5]);
        let long: Vec<f32> = (0..100)
            .map(|i| if i == 77 { f32::INFINITY } else { 1.0 })
            .collect();
        assert!(!widen_scaled(&long, 1.0, &mut out));
        assert!(!widen_scaled(&[f64::NAN], 1.0, &mut out));
        assert_eq!(out.len(), 105);
    }

    #[test]
    fn narrowing_rounds_to_nearest() {
        let mut dst = [0.0f32; 3];
        narrow_into(&[0.1, 1.0 + 1e-12, -3.0], &mut dst);
        assert_eq!(dst, [0.1f32, 1.0, -3.0]);
    }
}
