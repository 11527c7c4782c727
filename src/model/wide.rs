//! Running a hot loop of the image layers inside a function compiled for the widest vector
//! instructions the processor has (AVX-512, else AVX2), as `linalg`'s element-wise loops do.
//! The crate is compiled for baseline x86-64 (SSE2), where a loop over `f32` uses four lanes.
//! Each operation stays its own IEEE operation (Rust never fuses a multiply and an add), so
//! the results are bit-identical whichever path runs.

/// Calls `f` from a function compiled with AVX-512 or AVX2 enabled when the processor has
/// them (the closure and the `#[inline(always)]` helpers it calls are inlined there).
#[inline(always)]
pub(crate) fn wide<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the processor supports AVX-512F, checked just above.
            return unsafe { run_avx512(f) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2, checked just above.
            return unsafe { run_avx2(f) };
        }
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn run_avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}
