//! Register-blocked micro-kernels for the matrix multiply, one per element type and
//! instruction set, chosen once at run time.
//!
//! A kernel computes one `MR × NR` tile of `C = α·A·B + β·C` from packed panels: `a` holds
//! `kc` columns of `MR` values, `b` holds `kc` rows of `NR` values. The accumulators live in
//! registers; the loops have constant bounds so the compiler unrolls and vectorises them under
//! the enabled target features.

/// Signature shared by all micro-kernels.
///
/// # Safety
/// `a` must point to `kc·MR` readable values, `b` to `kc·NR`, and `c` with strides
/// `(rsc, csc)` to a writable `MR × NR` tile.
pub type KernelFn<F> = unsafe fn(
    kc: usize,
    alpha: F,
    a: *const F,
    b: *const F,
    beta: F,
    c: *mut F,
    rsc: isize,
    csc: isize,
);

/// A micro-kernel and its tile shape.
#[derive(Clone, Copy)]
pub struct KernelChoice<F> {
    /// Rows of the tile.
    pub mr: usize,
    /// Columns of the tile.
    pub nr: usize,
    /// The kernel itself.
    pub run: KernelFn<F>,
}

impl<F> std::fmt::Debug for KernelChoice<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KernelChoice({}×{})", self.mr, self.nr)
    }
}

/// The largest tile any kernel uses (for edge-tile scratch space).
pub const MAX_TILE: usize = 16 * 32;

macro_rules! micro_kernel {
    ($name:ident, $t:ty, $mr:literal, $nr:literal, fma, $($feat:literal),*) => {
        micro_kernel!(@body $name, $t, $mr, $nr, |a: $t, b: $t, c: $t| a.mul_add(b, c), $($feat),*);
    };
    ($name:ident, $t:ty, $mr:literal, $nr:literal, plain) => {
        micro_kernel!(@body $name, $t, $mr, $nr, |a: $t, b: $t, c: $t| c + a * b,);
    };
    (@body $name:ident, $t:ty, $mr:literal, $nr:literal, $madd:expr, $($feat:literal),*) => {
        $(#[target_feature(enable = $feat)])*
        #[allow(clippy::too_many_arguments)]
        unsafe fn $name(
            kc: usize,
            alpha: $t,
            a: *const $t,
            b: *const $t,
            beta: $t,
            c: *mut $t,
            rsc: isize,
            csc: isize,
        ) {
            let madd = $madd;
            let mut acc = [[0.0 as $t; $nr]; $mr];
            let mut a = a;
            let mut b = b;
            for _ in 0..kc {
                // SAFETY: the caller guarantees kc·NR values behind `b` and kc·MR behind `a`.
                let bv: [$t; $nr] = unsafe { (b as *const [$t; $nr]).read_unaligned() };
                let av: [$t; $mr] = unsafe { (a as *const [$t; $mr]).read_unaligned() };
                for i in 0..$mr {
                    for j in 0..$nr {
                        acc[i][j] = madd(av[i], bv[j], acc[i][j]);
                    }
                }
                a = unsafe { a.add($mr) };
                b = unsafe { b.add($nr) };
            }
            // SAFETY: the caller guarantees a writable MR×NR tile at `c` with these strides.
            unsafe {
                if csc == 1 {
                    for i in 0..$mr {
                        let row = c.offset(i as isize * rsc);
                        if beta == 0.0 {
                            for j in 0..$nr {
                                *row.add(j) = alpha * acc[i][j];
                            }
                        } else {
                            for j in 0..$nr {
                                *row.add(j) = alpha * acc[i][j] + beta * *row.add(j);
                            }
                        }
                    }
                } else {
                    for i in 0..$mr {
                        for j in 0..$nr {
                            let p = c.offset(i as isize * rsc + j as isize * csc);
                            *p = if beta == 0.0 { alpha * acc[i][j] } else { alpha * acc[i][j] + beta * *p };
                        }
                    }
                }
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
micro_kernel!(sgemm_avx512, f32, 12, 32, fma, "avx512f", "fma");
#[cfg(target_arch = "x86_64")]
micro_kernel!(sgemm_avx2, f32, 6, 16, fma, "avx2", "fma");
#[cfg(target_arch = "x86_64")]
micro_kernel!(dgemm_avx512, f64, 12, 16, fma, "avx512f", "fma");
#[cfg(target_arch = "x86_64")]
micro_kernel!(dgemm_avx2, f64, 6, 8, fma, "avx2", "fma");
micro_kernel!(sgemm_generic, f32, 4, 8, plain);
micro_kernel!(dgemm_generic, f64, 4, 4, plain);

/// The best `f32` kernel for this processor.
pub fn f32_kernel() -> KernelChoice<f32> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("fma")
        {
            return KernelChoice {
                mr: 12,
                nr: 32,
                run: sgemm_avx512,
            };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return KernelChoice {
                mr: 6,
                nr: 16,
                run: sgemm_avx2,
            };
        }
    }
    KernelChoice {
        mr: 4,
        nr: 8,
        run: sgemm_generic,
    }
}

/// The best `f64` kernel for this processor.
pub fn f64_kernel() -> KernelChoice<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("fma")
        {
            return KernelChoice {
                mr: 12,
                nr: 16,
                run: dgemm_avx512,
            };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return KernelChoice {
                mr: 6,
                nr: 8,
                run: dgemm_avx2,
            };
        }
    }
    KernelChoice {
        mr: 4,
        nr: 4,
        run: dgemm_generic,
    }
}
