//! A bf16 matrix multiply with f32 accumulation: `C ← α·bf16(A)·bf16(B) + β·C`.
//!
//! Inputs are rounded to bf16 (round to nearest even, `half::bf16::from_f32`) while packing.
//! On processors with AVX-512 BF16 the micro-kernel is `vdpbf16ps` (`_mm512_dpbf16_ps`),
//! chosen at run time; elsewhere a portable kernel performs the same operations in the same
//! order, so the result does not depend on the processor.
//!
//! # The summation order (what "the same result" means)
//! `vdpbf16ps` adds *pairs* of products: the inner dimension is cut into pairs
//! `(2q, 2q + 1)` (an odd `k` gets a zero partner), and each output element is accumulated in
//! `f32` from `acc = 0` as, for `q = 0, 1, …` in order,
//!
//! ```text
//! t   = acc + a[i, 2q+1]·b[2q+1, j]      (rounded to f32)
//! acc = t   + a[i, 2q]  ·b[2q, j]        (rounded to f32)
//! ```
//!
//! with bf16 inputs whose products are exact in `f32`; as the instruction does, subnormal
//! bf16 inputs count as zero and subnormal results are flushed to zero. Then
//! `C = α·acc` (`+ β·C`, rounded separately; with `β = 0` the old `C` is not read). The whole
//! inner dimension is accumulated in registers (no split of `k`), so this order holds for
//! every shape and every thread count.

use half::bf16;
use ndarray::{ArrayView2, ArrayViewMut2};

use super::threads::{num_threads, run_parts};
use crate::{Error, Result};

/// Rows of a micro-kernel tile.
const MR: usize = 12;
/// Columns of a micro-kernel tile (two 16-lane vectors).
const NR: usize = 32;
/// Multiply-adds from which a product is shared among threads.
const PARALLEL_WORK: usize = 1 << 22;

/// Packing space of [`gemm_bf16`], kept between calls so that a product allocates nothing
/// once the workspace has grown to its shapes.
///
/// ```
/// let ws = tuneup::linalg::Bf16Workspace::default();
/// assert_eq!(format!("{ws:?}"), "Bf16Workspace { a: 0, b: 0 }");
/// ```
#[derive(Default, Clone)]
pub struct Bf16Workspace {
    /// A in row panels of `MR` rows: per pair `q`, `MR` packed bf16 pairs.
    a: Vec<u32>,
    /// B in column panels of `NR` columns: per pair `q`, `NR` packed bf16 pairs.
    b: Vec<u32>,
}

impl std::fmt::Debug for Bf16Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bf16Workspace")
            .field("a", &self.a.len())
            .field("b", &self.b.len())
            .finish()
    }
}

/// Which bf16 micro-kernel runs on this processor: `"avx512bf16"` (`vdpbf16ps`) or
/// `"portable"`.
///
/// ```
/// let k = tuneup::linalg::bf16_kernel_name();
/// assert!(k == "avx512bf16" || k == "portable");
/// ```
pub fn bf16_kernel_name() -> &'static str {
    if has_avx512_bf16() {
        "avx512bf16"
    } else {
        "portable"
    }
}

/// `C ← α·bf16(A)·bf16(B) + β·C` with `f32` accumulation, in the order the module
/// documentation states (bit-identical on every processor and thread count). `A` is m×k,
/// `B` k×n, `C` m×n, any strides.
///
/// # Errors
/// [`Error::Shape`] when the shapes do not agree; `C` is unchanged then.
///
/// ```
/// use tuneup::linalg::{gemm_bf16, Bf16Workspace};
/// use ndarray::{array, Array2};
/// let a = array![[1.0f32, 2.0, 3.0]];
/// let b = array![[1.0f32], [1.0 / 3.0], [0.5]];      // 1/3 is rounded to bf16
/// let mut c = Array2::zeros((1, 1));
/// gemm_bf16(1.0, a.view(), b.view(), 0.0, c.view_mut(), &mut Bf16Workspace::default())?;
/// let third = half::bf16::from_f32(1.0 / 3.0).to_f32();
/// assert_eq!(c[[0, 0]], 1.0 + 2.0 * third + 1.5);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn gemm_bf16(
    alpha: f32,
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    c: ArrayViewMut2<'_, f32>,
    ws: &mut Bf16Workspace,
) -> Result<()> {
    gemm_bf16_with(alpha, a, b, beta, c, ws, has_avx512_bf16())
}

/// [`gemm_bf16`] with the portable kernel whatever the processor (to compare the two).
///
/// ```
/// use tuneup::linalg::{gemm_bf16, gemm_bf16_portable, Bf16Workspace};
/// let a = ndarray::Array2::from_shape_fn((5, 7), |(i, j)| (i * 7 + j) as f32 / 9.0);
/// let (mut c1, mut c2) = (ndarray::Array2::zeros((5, 5)), ndarray::Array2::zeros((5, 5)));
/// let ws = &mut Bf16Workspace::default();
/// gemm_bf16(1.0, a.view(), a.t(), 0.0, c1.view_mut(), ws)?;
/// gemm_bf16_portable(1.0, a.view(), a.t(), 0.0, c2.view_mut(), ws)?;
/// assert_eq!(c1, c2);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn gemm_bf16_portable(
    alpha: f32,
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    c: ArrayViewMut2<'_, f32>,
    ws: &mut Bf16Workspace,
) -> Result<()> {
    gemm_bf16_with(alpha, a, b, beta, c, ws, false)
}

fn has_avx512_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Where C lives, shared by the threads that write disjoint row panels of it.
#[derive(Clone, Copy)]
struct COut {
    ptr: *mut f32,
    rs: isize,
    cs: isize,
    m: usize,
    n: usize,
}
// SAFETY: each part writes only its own rows of C; the caller holds `&mut C` throughout.
unsafe impl Send for COut {}
unsafe impl Sync for COut {}

fn gemm_bf16_with(
    alpha: f32,
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    mut c: ArrayViewMut2<'_, f32>,
    ws: &mut Bf16Workspace,
    simd: bool,
) -> Result<()> {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    if b.nrows() != k || c.dim() != (m, n) {
        return Err(Error::shape(
            "gemm_bf16",
            format!("A m×k, B k×n, C m×n (A is {m}×{k})"),
            format!("B {}×{}, C {}×{}", b.nrows(), n, c.nrows(), c.ncols()),
        ));
    }
    if m == 0 || n == 0 {
        return Ok(());
    }
    let k2 = k.div_ceil(2);
    let (row_panels, col_panels) = (m.div_ceil(MR), n.div_ceil(NR));
    reserve(&mut ws.a, row_panels * k2 * MR);
    reserve(&mut ws.b, col_panels * k2 * NR);
    pack_a(&a, k2, &mut ws.a);
    pack_b(&b, k2, &mut ws.b);
    let (rs, cs) = (c.strides()[0], c.strides()[1]);
    let out = COut {
        ptr: c.as_mut_ptr(),
        rs,
        cs,
        m,
        n,
    };
    let (pa, pb) = (&ws.a[..], &ws.b[..]);
    let parts = if m * n * k >= PARALLEL_WORK {
        num_threads().min(row_panels)
    } else {
        1
    };
    let per_part = row_panels.div_ceil(parts.max(1));
    let job = |part: usize| {
        let lo = part * per_part;
        let hi = ((part + 1) * per_part).min(row_panels);
        for ip in lo..hi {
            for jp in 0..col_panels {
                let ap = &pa[ip * k2 * MR..(ip + 1) * k2 * MR];
                let bp = &pb[jp * k2 * NR..(jp + 1) * k2 * NR];
                let tile = run_kernel(k2, ap, bp, simd);
                // SAFETY: (ip, jp) is a tile of C inside m×n; rows of panel ip belong to
                // this part only.
                unsafe { write_tile(&tile, out, ip * MR, jp * NR, alpha, beta) };
            }
        }
    };
    run_parts(parts.max(1), &job);
    Ok(())
}

fn reserve(v: &mut Vec<u32>, len: usize) {
    if v.len() < len {
        v.resize(len, 0);
    }
}

/// One value rounded to bf16 (to nearest even), as bits.
#[inline(always)]
fn to_bf16(x: f32) -> u32 {
    u32::from(bf16::from_f32(x).to_bits())
}

/// A in row panels: panel `p`, pair `q`, row `i` holds `(a[r, 2q], a[r, 2q+1])` with
/// `r = p·MR + i` (low half even `k`); rows and `k` past the end are zero.
fn pack_a(a: &ArrayView2<'_, f32>, k2: usize, out: &mut [u32]) {
    let m = a.nrows();
    for (p, panel) in out
        .chunks_exact_mut(k2 * MR)
        .take(m.div_ceil(MR))
        .enumerate()
    {
        let rows = MR.min(m - p * MR);
        pack_panel(a, p * MR, rows, panel, MR);
    }
}

/// B in column panels: panel `p`, pair `q`, column `j` holds `(b[2q, c], b[2q+1, c])` with
/// `c = p·NR + j`; columns and `k` past the end are zero.
fn pack_b(b: &ArrayView2<'_, f32>, k2: usize, out: &mut [u32]) {
    let n = b.ncols();
    for (p, panel) in out
        .chunks_exact_mut(k2 * NR)
        .take(n.div_ceil(NR))
        .enumerate()
    {
        let cols = NR.min(n - p * NR);
        pack_panel(&b.t(), p * NR, cols, panel, NR);
    }
}

/// Packs lines `first..first + lines` of `x` (rows; x is A, or Bᵀ) as bf16 pairs along its
/// columns, in the order the kernel reads them: pair by pair, `width` slots per pair (those
/// past `lines` zero). Reads stride through `x`, writes run forward.
fn pack_panel(
    x: &ArrayView2<'_, f32>,
    first: usize,
    lines: usize,
    panel: &mut [u32],
    width: usize,
) {
    let k = x.ncols();
    let (rs, cs) = (x.strides()[0], x.strides()[1]);
    let base = x.as_ptr();
    for (q, dst) in panel.chunks_exact_mut(width).enumerate() {
        let (lo_k, hi_k) = (2 * q, 2 * q + 1);
        for (i, slot) in dst[..lines].iter_mut().enumerate() {
            let r = (first + i) as isize;
            // SAFETY: first + i < nrows (lines stops there) and lo_k < k (q < ⌈k/2⌉); hi_k is
            // read only when < k; so both offsets are inside the view.
            let (lo, hi) = unsafe {
                let lo = *base.offset(r * rs + lo_k as isize * cs);
                let hi = if hi_k < k {
                    to_bf16(*base.offset(r * rs + hi_k as isize * cs))
                } else {
                    0
                };
                (to_bf16(lo), hi)
            };
            *slot = lo | (hi << 16);
        }
        dst[lines..].fill(0);
    }
}

fn run_kernel(k2: usize, a: &[u32], b: &[u32], simd: bool) -> [f32; MR * NR] {
    #[cfg(target_arch = "x86_64")]
    if simd {
        // SAFETY: `simd` is true only when AVX-512F and AVX-512 BF16 were detected; the
        // panels hold k2·MR and k2·NR pairs.
        return unsafe { kernel_avx512bf16(k2, a.as_ptr(), b.as_ptr()) };
    }
    let _ = simd;
    kernel_portable(k2, a, b)
}

/// Writes `α·tile (+ β·C)` into the part of tile `(r0, c0)` inside C.
///
/// # Safety
/// `out` must describe a writable m×n matrix and `(r0, c0)` lie inside it.
unsafe fn write_tile(
    tile: &[f32; MR * NR],
    out: COut,
    r0: usize,
    c0: usize,
    alpha: f32,
    beta: f32,
) {
    let rows = MR.min(out.m - r0);
    let cols = NR.min(out.n - c0);
    for i in 0..rows {
        for j in 0..cols {
            let off = (r0 + i) as isize * out.rs + (c0 + j) as isize * out.cs;
            // SAFETY: inside C by the caller's guarantee and the bounds above.
            unsafe {
                let p = out.ptr.offset(off);
                let v = alpha * tile[i * NR + j];
                *p = if beta == 0.0 { v } else { v + beta * *p };
            }
        }
    }
}

/// A bf16 value (bits) as f32, a subnormal counting as zero (the instruction's DAZ).
#[inline(always)]
fn bf16_daz(bits: u32) -> f32 {
    let bits = bits & 0xFFFF;
    if bits & 0x7F80 == 0 {
        f32::from_bits((bits & 0x8000) << 16)
    } else {
        f32::from_bits(bits << 16)
    }
}

/// A subnormal f32 flushed to a zero of its sign (the instruction's FTZ).
#[inline(always)]
fn ftz(x: f32) -> f32 {
    if x.is_subnormal() {
        f32::from_bits(x.to_bits() & 0x8000_0000)
    } else {
        x
    }
}

/// One `vdpbf16ps` lane: the odd product first, then the even one, each sum rounded once
/// to f32. The products are exact (taken in f64, so that one below the f32 range is not
/// rounded before it is added); each sum of an f32 and an exact product is exact in f64 or
/// far below half an f32 ulp, so rounding it to f32 rounds correctly.
#[inline(always)]
fn dot_pair(acc: f32, a: u32, b: u32) -> f32 {
    let wide = |x: u32| f64::from(bf16_daz(x));
    let odd = wide(a >> 16) * wide(b >> 16);
    let even = wide(a) * wide(b);
    let t = ftz((f64::from(acc) + odd) as f32);
    ftz((f64::from(t) + even) as f32)
}

/// The portable kernel: the instruction's arithmetic, lane by lane.
fn kernel_portable(k2: usize, a: &[u32], b: &[u32]) -> [f32; MR * NR] {
    let mut acc = [0.0f32; MR * NR];
    for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)).take(k2) {
        for (i, &av) in ap.iter().enumerate() {
            for (j, &bv) in bp.iter().enumerate() {
                acc[i * NR + j] = dot_pair(acc[i * NR + j], av, bv);
            }
        }
    }
    acc
}

/// The AVX-512 BF16 kernel: 12 rows × 32 columns in 24 registers, one `vdpbf16ps` per row
/// and half-tile per pair.
///
/// # Safety
/// AVX-512F and AVX-512 BF16 must be available; `a` must hold `k2·MR` and `b` `k2·NR` pairs.
// The AVX-512 intrinsics (like the `avx512f` target feature the f32 kernels already enable)
// are stable from Rust 1.89; the crate's declared MSRV predates that.
#[allow(clippy::incompatible_msrv)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bf16")]
unsafe fn kernel_avx512bf16(k2: usize, a: *const u32, b: *const u32) -> [f32; MR * NR] {
    use std::arch::x86_64::*;
    let mut acc = [[_mm512_setzero_ps(); 2]; MR];
    for q in 0..k2 {
        // SAFETY: pair q of both panels is inside them (the caller's guarantee).
        unsafe {
            let b0: __m512bh = std::mem::transmute(_mm512_loadu_si512(b.add(q * NR).cast()));
            let b1: __m512bh = std::mem::transmute(_mm512_loadu_si512(b.add(q * NR + 16).cast()));
            for (i, row) in acc.iter_mut().enumerate() {
                let ai: __m512bh =
                    std::mem::transmute(_mm512_set1_epi32(*a.add(q * MR + i) as i32));
                row[0] = _mm512_dpbf16_ps(row[0], ai, b0);
                row[1] = _mm512_dpbf16_ps(row[1], ai, b1);
            }
        }
    }
    let mut out = [0.0f32; MR * NR];
    for (i, row) in acc.iter().enumerate() {
        // SAFETY: row i of `out` has NR = 32 floats.
        unsafe {
            _mm512_storeu_ps(out.as_mut_ptr().add(i * NR), row[0]);
            _mm512_storeu_ps(out.as_mut_ptr().add(i * NR + 16), row[1]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daz_and_ftz_keep_the_sign() {
        assert_eq!(bf16_daz(0x8001).to_bits(), 0x8000_0000);
        assert_eq!(bf16_daz(0x3F80), 1.0);
        assert_eq!(ftz(-1e-40).to_bits(), 0x8000_0000);
        assert_eq!(ftz(1.5), 1.5);
    }

    #[test]
    fn the_odd_product_is_added_first() {
        // acc = 1, odd product −1, even product 2⁻²⁴: (1 − 1) + 2⁻²⁴ = 2⁻²⁴, where the
        // other order gives (1 + 2⁻²⁴) − 1 = 0.
        let pair = |lo: f32, hi: f32| to_bf16(lo) | (to_bf16(hi) << 16);
        let a = pair(2f32.powi(-12), -1.0);
        let b = pair(2f32.powi(-12), 1.0);
        assert_eq!(dot_pair(1.0, a, b), 2f32.powi(-24));
    }

    #[test]
    fn workspace_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Bf16Workspace>();
    }
}
