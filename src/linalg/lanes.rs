//! `Lanes`: the few `f32` vector operations of the crate's direct kernels, for AVX-512F
//! (sixteen lanes) and AVX2 with FMA (eight), so that one generic kernel body serves both.
//!
//! Every method is `#[inline(always)]`: a generic body calls them inside a
//! `#[target_feature]` function, where they are inlined and compiled for that instruction set
//! (a method left as a call would run without the features and lose the vector code).
//! Calling any method outside such a function, or on a processor without its features, is
//! undefined behaviour; hence every method is `unsafe`.

// The AVX-512 intrinsics are stable from Rust 1.89 (as for the GEMM kernels); the crate's
// declared MSRV predates that.
#![allow(clippy::incompatible_msrv)]

use std::arch::x86_64::*;

/// A vector of `N` `f32` lanes and its lane mask.
///
/// # Safety
/// Implementors' methods need their instruction set (see the type): call them only from
/// functions compiled with it, on processors that have it.
pub(crate) unsafe trait Lanes: Copy {
    /// Lanes per vector.
    const N: usize;
    /// A set of lanes.
    type Mask: Copy;

    /// Every lane `v`.
    unsafe fn splat(v: f32) -> Self;
    /// `N` values from `p`.
    unsafe fn load(p: *const f32) -> Self;
    /// `N` values to `p`.
    unsafe fn store(p: *mut f32, v: Self);
    /// Lanes `lo..hi` (`lo ≤ hi ≤ N`).
    unsafe fn between(lo: usize, hi: usize) -> Self::Mask;
    /// The lanes of `m` from `p`, zero in the others; a lane outside `m` is not accessed, so
    /// its address may lie outside any allocation.
    unsafe fn load_masked(m: Self::Mask, p: *const f32) -> Self;
    /// The lanes of `m` to `p`; the others are not accessed.
    unsafe fn store_masked(p: *mut f32, m: Self::Mask, v: Self);
    /// `a · b + c`, rounded once.
    unsafe fn mul_add(a: Self, b: Self, c: Self) -> Self;
    /// `a + b`.
    unsafe fn add(a: Self, b: Self) -> Self;
    /// The sum of the lanes.
    unsafe fn sum(v: Self) -> f32;
    /// The even lanes of `a` followed by the even lanes of `b` (a stride-2 gather of the
    /// `2N` values `a ‖ b`).
    unsafe fn evens(a: Self, b: Self) -> Self;
    /// Lane `l` is `w[(l + odd) / 2]` where `l + odd` is even, zero elsewhere: the first
    /// values of `w` spread out by a stride of 2, starting one lane later when `odd`.
    unsafe fn spread_pairs(w: Self, odd: bool) -> Self;
}

/// Sixteen lanes, AVX-512F.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx512(__m512);

// SAFETY: every method uses AVX-512F intrinsics only.
unsafe impl Lanes for Avx512 {
    const N: usize = 16;
    type Mask = __mmask16;

    #[inline(always)]
    unsafe fn splat(v: f32) -> Self {
        // SAFETY: the instruction set is enabled in the caller (the trait's contract).
        unsafe { Avx512(_mm512_set1_ps(v)) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller's `p` holds sixteen values.
        unsafe { Avx512(_mm512_loadu_ps(p)) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: Self) {
        // SAFETY: the caller's `p` has room for sixteen values.
        unsafe { _mm512_storeu_ps(p, v.0) }
    }
    #[inline(always)]
    unsafe fn between(lo: usize, hi: usize) -> __mmask16 {
        let first = |n: usize| if n >= 16 { !0u16 } else { (1u16 << n) - 1 };
        first(hi) & !first(lo)
    }
    #[inline(always)]
    unsafe fn load_masked(m: __mmask16, p: *const f32) -> Self {
        // SAFETY: the caller's `p` holds the lanes of `m`; the others are not read.
        unsafe { Avx512(_mm512_maskz_loadu_ps(m, p)) }
    }
    #[inline(always)]
    unsafe fn store_masked(p: *mut f32, m: __mmask16, v: Self) {
        // SAFETY: the caller's `p` has room for the lanes of `m`; the others are not written.
        unsafe { _mm512_mask_storeu_ps(p, m, v.0) }
    }
    #[inline(always)]
    unsafe fn mul_add(a: Self, b: Self, c: Self) -> Self {
        // SAFETY: the instruction set is enabled in the caller (the trait's contract).
        unsafe { Avx512(_mm512_fmadd_ps(a.0, b.0, c.0)) }
    }
    #[inline(always)]
    unsafe fn add(a: Self, b: Self) -> Self {
        // SAFETY: the instruction set is enabled in the caller (the trait's contract).
        unsafe { Avx512(_mm512_add_ps(a.0, b.0)) }
    }
    #[inline(always)]
    unsafe fn sum(v: Self) -> f32 {
        // SAFETY: the instruction set is enabled in the caller (the trait's contract).
        unsafe { _mm512_reduce_add_ps(v.0) }
    }
    #[inline(always)]
    unsafe fn evens(a: Self, b: Self) -> Self {
        // SAFETY: the instruction set is enabled in the caller (the trait's contract).
        unsafe {
            let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            Avx512(_mm512_permutex2var_ps(a.0, even, b.0))
        }
    }
    #[inline(always)]
    unsafe fn spread_pairs(w: Self, odd: bool) -> Self {
        // SAFETY: the instruction set is enabled in the caller (the trait's contract).
        unsafe {
            let (index, keep) = if odd {
                (
                    _mm512_setr_epi32(0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8),
                    0xAAAA,
                )
            } else {
                (
                    _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7),
                    0x5555,
                )
            };
            Avx512(_mm512_maskz_permutexvar_ps(keep, index, w.0))
        }
    }
}

/// Eight lanes, AVX2 with FMA.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx2(__m256);

// SAFETY: every method uses AVX, AVX2 and FMA intrinsics only.
unsafe impl Lanes for Avx2 {
    const N: usize = 8;
    type Mask = __m256i;

    #[inline(always)]
    unsafe fn splat(v: f32) -> Self {
        // SAFETY: the instruction set is enabled in the caller (the trait's contract).
        unsafe { Avx2(_mm256_set1_ps(v)) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller's `p` holds eight values.
        unsafe { Avx2(_mm256_loadu_ps(p)) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: Self) {
        // SAFETY: the caller's `p` has room for eight values.
        unsafe { _mm256_storeu_ps(p, v.0) }
    }
    #[inline(always)]
    unsafe fn between(lo: usize, hi: usize) -> __m256i {
        // SAFETY: the instruction set is enabled in the caller (the trait's contract).
        unsafe {
            let lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            // Both bounds are at most eight, so they fit the 32-bit lanes.
            let at_or_above_lo = _mm256_cmpgt_epi32(lane, _mm256_set1_epi32(lo as i32 - 1));
            let below_hi = _mm256_cmpgt_epi32(_mm256_set1_epi32(hi as i32), lane);
            _mm256_and_si256(at_or_above_lo, below_hi)
        }
    }
    #[inline(always)]
    unsafe fn load_masked(m: __m256i, p: *const f32) -> Self {
        // SAFETY: the caller's `p` holds the lanes of `m`; `vmaskmovps` does not touch the
        // others (no fault, no read).
        unsafe { Avx2(_mm256_maskload_ps(p, m)) }
    }
    #[inline(always)]
    unsafe fn store_masked(p: *mut f32, m: __m256i, v: Self) {
        // SAFETY: as for `load_masked`.
        unsafe { _mm256_maskstore_ps(p, m, v.0) }
    }
    #[inline(always)]
    unsafe fn mul_add(a: Self, b: Self, c: Self) -> Self {
        // SAFETY: the instruction set is enabled in the caller (the trait's contract).
        unsafe { Avx2(_mm256_fmadd_ps(a.0, b.0, c.0)) }
    }
    #[inline(always)]
    unsafe fn add(a: Self, b: Self) -> Self {
        // SAFETY: the instruction set is enabled in the caller (the trait's contract).
        unsafe { Avx2(_mm256_add_ps(a.0, b.0)) }
    }
    #[inline(always)]
    unsafe fn sum(v: Self) -> f32 {
        // SAFETY: the instruction set is enabled in the caller (the trait's contract).
        unsafe {
            let quad = _mm_add_ps(_mm256_castps256_ps128(v.0), _mm256_extractf128_ps::<1>(v.0));
            let pair = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
            _mm_cvtss_f32(_mm_add_ss(pair, _mm_movehdup_ps(pair)))
        }
    }
    #[inline(always)]
    unsafe fn evens(a: Self, b: Self) -> Self {
        // SAFETY: the instruction set is enabled in the caller (the trait's contract).
        unsafe {
            let evens_first = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
            let a = _mm256_permutevar8x32_ps(a.0, evens_first);
            let b = _mm256_permutevar8x32_ps(b.0, evens_first);
            Avx2(_mm256_permute2f128_ps::<0x20>(a, b))
        }
    }
    #[inline(always)]
    unsafe fn spread_pairs(w: Self, odd: bool) -> Self {
        // SAFETY: the instruction set is enabled in the caller (the trait's contract).
        unsafe {
            let zero = _mm256_setzero_ps();
            if odd {
                let spread =
                    _mm256_permutevar8x32_ps(w.0, _mm256_setr_epi32(0, 1, 1, 2, 2, 3, 3, 4));
                Avx2(_mm256_blend_ps::<0b0101_0101>(spread, zero))
            } else {
                let spread =
                    _mm256_permutevar8x32_ps(w.0, _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3));
                Avx2(_mm256_blend_ps::<0b1010_1010>(spread, zero))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each operation on lane values `0, 1, …` against its definition.
    ///
    /// # Safety
    /// `V`'s instruction set is available and enabled in the caller.
    #[inline(always)]
    unsafe fn check<V: Lanes>() {
        let n = V::N;
        let values: Vec<f32> = (0..2 * n).map(|i| i as f32 + 1.0).collect();
        let lanes = |v: V| {
            let mut out = vec![0.0f32; n];
            // SAFETY: `out` has room for N values.
            unsafe { V::store(out.as_mut_ptr(), v) };
            out
        };
        // SAFETY: every pointer below covers the lanes it is used with.
        unsafe {
            let (a, b) = (V::load(values.as_ptr()), V::load(values.as_ptr().add(n)));
            let evens: Vec<f32> = values.iter().step_by(2).copied().collect();
            assert_eq!(lanes(V::evens(a, b)), evens);
            for odd in [false, true] {
                let want: Vec<f32> = (0..n)
                    .map(|l| {
                        let at = l + usize::from(odd);
                        if at % 2 == 0 {
                            values[at / 2]
                        } else {
                            0.0
                        }
                    })
                    .collect();
                assert_eq!(lanes(V::spread_pairs(a, odd)), want, "odd {odd}");
            }
            for (lo, hi) in [(0, n), (0, 0), (0, 3), (2, n), (3, 5), (n, n)] {
                let m = V::between(lo, hi);
                let want: Vec<f32> = (0..n)
                    .map(|l| {
                        if (lo..hi).contains(&l) {
                            values[l]
                        } else {
                            0.0
                        }
                    })
                    .collect();
                assert_eq!(lanes(V::load_masked(m, values.as_ptr())), want);
                let mut out = vec![-1.0f32; n];
                V::store_masked(out.as_mut_ptr(), m, a);
                let kept: Vec<f32> = (0..n)
                    .map(|l| {
                        if (lo..hi).contains(&l) {
                            values[l]
                        } else {
                            -1.0
                        }
                    })
                    .collect();
                assert_eq!(out, kept);
            }
            let fused = V::mul_add(a, V::splat(2.0), V::splat(0.5));
            assert_eq!(
                lanes(fused),
                values[..n]
                    .iter()
                    .map(|v| v * 2.0 + 0.5)
                    .collect::<Vec<_>>()
            );
            assert_eq!(V::sum(V::add(a, b)), values.iter().sum::<f32>());
        }
    }

    #[target_feature(enable = "avx512f")]
    unsafe fn check_avx512() {
        // SAFETY: AVX-512F is enabled here and was detected by the caller.
        unsafe { check::<Avx512>() }
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn check_avx2() {
        // SAFETY: AVX2 and FMA are enabled here and were detected by the caller.
        unsafe { check::<Avx2>() }
    }

    #[test]
    fn every_operation_matches_its_definition_on_each_available_instruction_set() {
        if is_x86_feature_detected!("avx512f") {
            // SAFETY: detected just above.
            unsafe { check_avx512() };
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: detected just above.
            unsafe { check_avx2() };
        }
    }
}
