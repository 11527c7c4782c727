//! Running a hot loop inside a function compiled for the widest vector instructions the
//! processor has (AVX-512, else AVX2), as `linalg`'s element-wise loops do: [`wide`] for a
//! closure, [`widest`] for a [`Kernel`] too large to be inlined as a closure.
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

/// A loop for [`widest`]: its `run`, marked `#[inline(always)]`, is inlined into a function
/// compiled with AVX-512 or AVX2. Use it where a closure handed to [`wide`] is too large for
/// the compiler to inline there (the loop then runs as SSE2: look for the closure's own
/// symbol in a profile).
pub(crate) trait Kernel {
    /// The loop.
    fn run(&mut self);
}

/// Calls `kernel.run()` from a function compiled with AVX-512 or AVX2 enabled when the
/// processor has them; the same bits on every path, as for [`wide`].
pub(crate) fn widest<K: Kernel>(kernel: &mut K) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the processor supports AVX-512F, checked just above.
            return unsafe { kernel_avx512(kernel) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2, checked just above.
            return unsafe { kernel_avx2(kernel) };
        }
    }
    kernel.run()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn kernel_avx512<K: Kernel>(kernel: &mut K) {
    kernel.run()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn kernel_avx2<K: Kernel>(kernel: &mut K) {
    kernel.run()
}
