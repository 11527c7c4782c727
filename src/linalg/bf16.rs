//! A bf16 matrix multiply with f32 accumulation: `C ← α·bf16(A)·bf16(B) + β·C`.
//!
//! Inputs are rounded to bf16 while packing, exactly as `vcvtneps2bf16` rounds: to nearest
//! even (overflowing to infinity), a subnormal `f32` becoming a zero of its sign (DAZ — where
//! `half::bf16::from_f32` would round the largest subnormals up to the smallest normal bf16),
//! and a NaN keeping its sign and upper payload with the quiet bit set. On processors with
//! AVX-512 BF16 the packing converts 32 values at a time with that instruction and the
//! micro-kernel is `vdpbf16ps` (`_mm512_dpbf16_ps`), chosen at run time; elsewhere the bf16
//! values are widened to `f32` while packing and the `f32` micro-kernel (AVX-512F, AVX2 or
//! generic) performs the same operations in the same order (`bf16_widened`), at about the
//! speed of the `f32` product; so the result does not depend on the processor (a NaN result
//! is NaN everywhere; its payload may differ). A value-by-value emulation of the instruction
//! ([`gemm_bf16_portable`]) is the reference both are tested against. Packing (panels of A
//! and B) and the product (a grid of tiles, passed over in column blocks that stay in the L2
//! cache) are shared among the threads of large products.
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

use ndarray::{ArrayView2, ArrayViewMut2};

use super::bf16_widened;
use super::kernel::{f32_kernel, KernelChoice};
use super::threads::{product_threads, run_parts};
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
    /// A in row panels of a tile's rows: per pair `q`, one packed bf16 pair per row
    /// (`vdpbf16ps` and the emulation), or two depths of `f32` bits per row and a trailing
    /// exponent slot (the widened path, `bf16_widened`).
    a: Vec<u32>,
    /// B in column panels of a tile's columns, laid out as A's panels.
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

/// Which bf16 micro-kernel [`gemm_bf16`] runs on this processor: `"avx512bf16"`
/// (`vdpbf16ps`), or the bf16 values widened to `f32` and the `f32` kernel's fused
/// multiply-adds in the same order: `"avx512f"`, `"avx2"` or `"generic"`.
///
/// ```
/// let k = tuneup::linalg::bf16_kernel_name();
/// assert!(["avx512bf16", "avx512f", "avx2", "generic"].contains(&k));
/// ```
pub fn bf16_kernel_name() -> &'static str {
    match Path::best() {
        Path::Dpbf16 => "avx512bf16",
        Path::Widened(kernel) => bf16_widened::name(kernel),
        Path::Portable => "portable",
    }
}

/// Which arithmetic computes the tiles of a product (all three give the same bits).
#[derive(Clone, Copy)]
enum Path {
    /// `vdpbf16ps` on packed bf16 pairs (AVX-512 BF16).
    Dpbf16,
    /// The bf16 values widened to `f32` and an `f32` micro-kernel ([`bf16_widened`]).
    Widened(KernelChoice<f32>),
    /// The instruction's arithmetic value by value on packed bf16 pairs (the reference).
    Portable,
}

impl Path {
    /// The fastest path on this processor.
    fn best() -> Path {
        if has_avx512_bf16() {
            Path::Dpbf16
        } else {
            Path::Widened(f32_kernel())
        }
    }

    /// Rows and columns of a tile.
    fn tile_shape(self) -> (usize, usize) {
        match self {
            Path::Widened(kernel) => (kernel.mr, kernel.nr),
            Path::Dpbf16 | Path::Portable => (MR, NR),
        }
    }

    /// `u32` slots of a panel of `width` lines for `k2` pairs.
    fn panel_len(self, k2: usize, width: usize) -> usize {
        match self {
            Path::Widened(_) => bf16_widened::panel_len(k2, width),
            Path::Dpbf16 | Path::Portable => k2 * width,
        }
    }

    /// Packs lines `first..first + lines` of `x` into `panel` of `width` lanes (see
    /// [`pack_panel`]).
    fn pack(
        self,
        x: &ArrayView2<'_, f32>,
        first: usize,
        lines: usize,
        panel: &mut [u32],
        width: usize,
    ) {
        match self {
            Path::Widened(_) => bf16_widened::pack_panel(x, first, lines, panel, width),
            Path::Dpbf16 => pack_panel(x, first, lines, panel, width, true),
            Path::Portable => pack_panel(x, first, lines, panel, width, false),
        }
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
    gemm_bf16_with(alpha, a, b, beta, c, ws, Path::best())
}

/// [`gemm_bf16`] by the value-by-value emulation of `vdpbf16ps`, whatever the processor:
/// the reference the fast kernels are compared with (some thirty times slower than they).
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
    gemm_bf16_with(alpha, a, b, beta, c, ws, Path::Portable)
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

/// Where C lives, shared by the threads that write disjoint tiles of it.
#[derive(Clone, Copy)]
struct COut {
    ptr: *mut f32,
    rs: isize,
    cs: isize,
    m: usize,
    n: usize,
}
// SAFETY: each part writes only its own tiles of C; the caller holds `&mut C` throughout.
unsafe impl Send for COut {}
unsafe impl Sync for COut {}

/// The packing space, shared by the threads that pack disjoint panels of it.
#[derive(Clone, Copy)]
struct PackOut {
    a: *mut u32,
    b: *mut u32,
}
// SAFETY: each packing part writes only its own panels; the caller holds `&mut` to both
// buffers throughout, and nothing reads them until every part is done.
unsafe impl Send for PackOut {}
unsafe impl Sync for PackOut {}

impl PackOut {
    /// Panel `p` (`len` pairs) of A (`of_a`) or of B, as a slice.
    ///
    /// # Safety
    /// The panel must lie inside the buffer and no one else use it meanwhile.
    #[allow(clippy::mut_from_ref)]
    unsafe fn panel<'a>(self, of_a: bool, p: usize, len: usize) -> &'a mut [u32] {
        let base = if of_a { self.a } else { self.b };
        // SAFETY: the caller's guarantee.
        unsafe { std::slice::from_raw_parts_mut(base.add(p * len), len) }
    }
}

/// Bytes of packed B that one column block keeps in the L2 cache while every row panel of a
/// part passes over it.
const B_BLOCK_BYTES: usize = 256 * 1024;

fn gemm_bf16_with(
    alpha: f32,
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    mut c: ArrayViewMut2<'_, f32>,
    ws: &mut Bf16Workspace,
    path: Path,
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
    let threads = if m.saturating_mul(n).saturating_mul(k) >= PARALLEL_WORK {
        product_threads().max(1)
    } else {
        1
    };
    pack_operands(path, &a, &b.t(), ws, threads);
    let (rs, cs) = (c.strides()[0], c.strides()[1]);
    let out = COut {
        ptr: c.as_mut_ptr(),
        rs,
        cs,
        m,
        n,
    };
    multiply_panels(path, k.div_ceil(2), ws, out, (alpha, beta), threads);
    Ok(())
}

/// Packs the row panels of `a` and the column panels of `b` (given as `bt`, its lines being
/// B's columns) into `ws`, cut into `threads` runs of about the same number of values.
fn pack_operands(
    path: Path,
    a: &ArrayView2<'_, f32>,
    bt: &ArrayView2<'_, f32>,
    ws: &mut Bf16Workspace,
    threads: usize,
) {
    let (m, k, n) = (a.nrows(), a.ncols(), bt.nrows());
    let (mr, nr) = path.tile_shape();
    let (row_panels, col_panels) = (m.div_ceil(mr), n.div_ceil(nr));
    let (a_len, b_len) = (
        path.panel_len(k.div_ceil(2), mr),
        path.panel_len(k.div_ceil(2), nr),
    );
    reserve(&mut ws.a, row_panels * a_len);
    reserve(&mut ws.b, col_panels * b_len);
    let packed = PackOut {
        a: ws.a.as_mut_ptr(),
        b: ws.b.as_mut_ptr(),
    };
    let units = row_panels + col_panels;
    let cost = |u: usize| {
        if u < row_panels {
            u * mr
        } else {
            row_panels * mr + (u - row_panels) * nr
        }
    };
    let total = cost(units);
    let pack_parts = threads.min(units);
    let pack_job = |part: usize| {
        for u in (0..units).filter(|&u| cost(u) * pack_parts / total == part) {
            // SAFETY: panel u lies inside its buffer (reserved above) and belongs to this
            // part only; the buffers outlive `run_parts`.
            unsafe {
                if u < row_panels {
                    let panel = packed.panel(true, u, a_len);
                    path.pack(a, u * mr, mr.min(m - u * mr), panel, mr);
                } else {
                    let p = u - row_panels;
                    let panel = packed.panel(false, p, b_len);
                    path.pack(bt, p * nr, nr.min(n - p * nr), panel, nr);
                }
            }
        }
    };
    run_parts(pack_parts, &pack_job);
}

/// The product of the packed panels into `out`: the tiles cut into a grid of `threads`
/// rectangles of panels; each part passes over its columns in blocks that stay in the L2
/// cache.
fn multiply_panels(
    path: Path,
    k2: usize,
    ws: &Bf16Workspace,
    out: COut,
    (alpha, beta): (f32, f32),
    threads: usize,
) {
    let (mr, nr) = path.tile_shape();
    let (row_panels, col_panels) = (out.m.div_ceil(mr), out.n.div_ceil(nr));
    let (a_len, b_len) = (path.panel_len(k2, mr), path.panel_len(k2, nr));
    let (pa, pb) = (&ws.a[..], &ws.b[..]);
    let parts = threads.min(row_panels * col_panels);
    let (pr, pc) = split(parts, row_panels, col_panels);
    let (rows_per, cols_per) = (row_panels.div_ceil(pr), col_panels.div_ceil(pc));
    let block = (B_BLOCK_BYTES / (b_len * 4).max(1)).max(1);
    let job = |part: usize| {
        let (pi, pj) = (part / pc, part % pc);
        let (r0, r1) = (pi * rows_per, ((pi + 1) * rows_per).min(row_panels));
        let (c0, c1) = (pj * cols_per, ((pj + 1) * cols_per).min(col_panels));
        let mut jb = c0;
        while jb < c1 {
            let je = (jb + block).min(c1);
            for ip in r0..r1 {
                let ap = &pa[ip * a_len..(ip + 1) * a_len];
                for jp in jb..je {
                    let bp = &pb[jp * b_len..(jp + 1) * b_len];
                    // SAFETY: (ip, jp) is a tile of C inside m×n, computed by this part only.
                    unsafe { run_tile(path, k2, ap, bp, out, (ip * mr, jp * nr), (alpha, beta)) };
                }
            }
            jb = je;
        }
    };
    run_parts(parts.max(1), &job);
}

/// The grid `pr × pc = parts` of row and column panels whose largest rectangle has the fewest
/// tiles (ties: more row parts).
fn split(parts: usize, row_panels: usize, col_panels: usize) -> (usize, usize) {
    let parts = parts.max(1);
    let mut best = (parts, 1);
    let mut best_tiles = usize::MAX;
    for pr in (1..=parts).rev() {
        if parts % pr != 0 {
            continue;
        }
        let pc = parts / pr;
        let tiles = row_panels.div_ceil(pr) * col_panels.div_ceil(pc);
        if tiles < best_tiles {
            best = (pr, pc);
            best_tiles = tiles;
        }
    }
    best
}

fn reserve(v: &mut Vec<u32>, len: usize) {
    if v.len() < len {
        v.resize(len, 0);
    }
}

/// One value rounded to bf16 as `vcvtneps2bf16` rounds it, as bits: a NaN keeps its sign
/// and upper payload and is made quiet, a subnormal becomes a zero of its sign (DAZ), every
/// other value is rounded to nearest even (overflowing to infinity).
#[inline(always)]
fn to_bf16(x: f32) -> u32 {
    let bits = x.to_bits();
    if bits & 0x7FFF_FFFF > 0x7F80_0000 {
        (bits >> 16) | 0x0040
    } else if bits & 0x7F80_0000 == 0 {
        (bits >> 16) & 0x8000
    } else {
        (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    }
}

/// Packs lines `first..first + lines` of `x` (rows; x is A, or Bᵀ) as bf16 pairs along its
/// columns, in the order the kernel reads them: pair `q` holds `(x[r, 2q], x[r, 2q+1])` (low
/// half even; an odd `k` gets a zero partner) in `width` slots, those past `lines` zero.
/// `panel` holds `⌈k/2⌉·width` pairs.
fn pack_panel(
    x: &ArrayView2<'_, f32>,
    first: usize,
    lines: usize,
    panel: &mut [u32],
    width: usize,
    simd: bool,
) {
    debug_assert!(first + lines <= x.nrows() && lines <= width);
    debug_assert_eq!(panel.len(), x.ncols().div_ceil(2) * width);
    #[cfg(target_arch = "x86_64")]
    if simd {
        let (rs, cs) = (x.strides()[0], x.strides()[1]);
        if cs == 1 || rs == 1 {
            // SAFETY: `simd` is true only when AVX-512F and AVX-512 BF16 were detected; the
            // lines and the panel are in bounds (checked above in debug builds, guaranteed by
            // the callers).
            unsafe { pack_panel_avx512(x, first, lines, panel, width) };
            return;
        }
    }
    let _ = simd;
    pack_panel_portable(x, first, lines, panel, width);
}

/// [`pack_panel`] value by value, with [`to_bf16`].
fn pack_panel_portable(
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

/// [`pack_panel`] 16 or 32 values at a time with `vcvtne2ps2bf16` / `vcvtneps2bf16`, for a
/// view contiguous along its columns (`cs = 1`: a line converted in runs of 32, the pairs
/// stored `width` apart) or along its lines (`rs = 1`: 16 lines of one pair at a time).
///
/// # Safety
/// AVX-512F and AVX-512 BF16 must be available; `x` must have `cs = 1` or `rs = 1`,
/// `first + lines ≤ x.nrows()`, `lines ≤ width`, and `panel` must hold `⌈k/2⌉·width` pairs.
#[allow(clippy::incompatible_msrv)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bf16")]
unsafe fn pack_panel_avx512(
    x: &ArrayView2<'_, f32>,
    first: usize,
    lines: usize,
    panel: &mut [u32],
    width: usize,
) {
    use std::arch::x86_64::*;
    let k = x.ncols();
    let k2 = k.div_ceil(2);
    let (rs, cs) = (x.strides()[0], x.strides()[1]);
    let base = x.as_ptr();
    let dst = panel.as_mut_ptr();
    let mask = |count: usize| -> u16 {
        if count >= 16 {
            u16::MAX
        } else {
            (1u16 << count) - 1
        }
    };
    if cs == 1 {
        // Along 16 lines at a time, runs of 16 pairs (32 values) converted, transposed in
        // registers, and stored pair by pair.
        const PREFETCH: usize = 128;
        let mut i0 = 0;
        while i0 < width {
            let slots = (width - i0).min(16);
            let here = lines.saturating_sub(i0).min(16);
            let mut q0 = 0;
            while q0 < k2 {
                let left = k - 2 * q0;
                let (lo_mask, hi_mask) = (mask(left), mask(left.saturating_sub(16)));
                let count = (k2 - q0).min(16);
                let mut rows = [_mm512_setzero_si512(); 16];
                for (i, row) in rows.iter_mut().enumerate().take(here) {
                    let line = base
                        .wrapping_offset((first + i0 + i) as isize * rs)
                        .wrapping_add(2 * q0);
                    // SAFETY: line first + i0 + i < first + lines is inside the view; the
                    // masked loads read its values 2q0.. below k only; a prefetch never
                    // faults.
                    unsafe {
                        _mm_prefetch::<_MM_HINT_T0>(line.wrapping_add(PREFETCH).cast());
                        let lo = _mm512_maskz_loadu_ps(lo_mask, line);
                        let hi = _mm512_maskz_loadu_ps(hi_mask, line.wrapping_add(16));
                        *row =
                            std::mem::transmute::<__m512bh, __m512i>(_mm512_cvtne2ps_pbh(hi, lo));
                    }
                }
                let cols = super::transpose_pack::transpose16(rows);
                for (t, col) in cols.iter().enumerate().take(count) {
                    // SAFETY: pair q0 + t < k2, slots i0..i0 + slots ≤ width: inside the panel.
                    unsafe {
                        _mm512_mask_storeu_epi32(
                            dst.add((q0 + t) * width + i0).cast(),
                            mask(slots),
                            *col,
                        )
                    };
                }
                q0 += 16;
            }
            i0 += 16;
        }
    } else {
        // rs == 1: lines first.. are contiguous for each column.
        for q in 0..k2 {
            let (lo_k, hi_k) = (2 * q, 2 * q + 1);
            let mut i0 = 0;
            while i0 < width {
                let here = lines.saturating_sub(i0).min(16);
                let slots = (width - i0).min(16);
                let start = first as isize + i0 as isize;
                // SAFETY: the masked loads read lines first + i0.. below first + lines of
                // columns below k; the masked store writes slots i0.. < width of pair q.
                unsafe {
                    let lo = _mm512_maskz_loadu_ps(
                        mask(here),
                        base.wrapping_offset(start + lo_k as isize * cs),
                    );
                    let hi = if hi_k < k {
                        _mm512_maskz_loadu_ps(
                            mask(here),
                            base.wrapping_offset(start + hi_k as isize * cs),
                        )
                    } else {
                        _mm512_setzero_ps()
                    };
                    let lo: __m256i = std::mem::transmute(_mm512_cvtneps_pbh(lo));
                    let hi: __m256i = std::mem::transmute(_mm512_cvtneps_pbh(hi));
                    let v = _mm512_or_si512(
                        _mm512_cvtepu16_epi32(lo),
                        _mm512_slli_epi32::<16>(_mm512_cvtepu16_epi32(hi)),
                    );
                    _mm512_mask_storeu_epi32(dst.add(q * width + i0).cast(), mask(slots), v);
                }
                i0 += 16;
            }
        }
    }
}

/// One tile by `path`: the sums, then `α·sum (+ β·C)` into the part of the tile at
/// `(r0, c0)` inside C.
///
/// # Safety
/// `out` must describe a writable m×n matrix, `(r0, c0)` lie inside it, and no other thread
/// touch this tile meanwhile; `a` and `b` must be panels of `path.panel_len(k2, ·)` slots
/// for its tile shape.
unsafe fn run_tile(
    path: Path,
    k2: usize,
    a: &[u32],
    b: &[u32],
    out: COut,
    (r0, c0): (usize, usize),
    (alpha, beta): (f32, f32),
) {
    match path {
        #[cfg(target_arch = "x86_64")]
        Path::Dpbf16 => {
            // SAFETY: `Dpbf16` is chosen only when AVX-512F and AVX-512 BF16 were detected;
            // the panels hold k2·MR and k2·NR pairs; the tile is the caller's.
            unsafe { kernel_avx512bf16(k2, a.as_ptr(), b.as_ptr(), out, r0, c0, alpha, beta) };
        }
        Path::Widened(kernel) => {
            let shape = (kernel.mr.min(out.m - r0), kernel.nr.min(out.n - c0));
            // SAFETY: (r0, c0) lies inside C, the block of `shape` too; the caller's
            // guarantee for the rest.
            unsafe {
                let c = out.ptr.offset(r0 as isize * out.rs + c0 as isize * out.cs);
                bf16_widened::tile(kernel, k2, a, b, c, (out.rs, out.cs), shape, (alpha, beta));
            }
        }
        _ => {
            let tile = kernel_portable(k2, a, b);
            // SAFETY: the caller's guarantee.
            unsafe { write_tile(&tile, out, r0, c0, alpha, beta) };
        }
    }
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
/// and half-tile per pair; then `α·sum (+ β·C)` (a product, a product and a sum, each
/// rounded, as [`write_tile`] does) stored into C.
///
/// # Safety
/// AVX-512F and AVX-512 BF16 must be available; `a` must hold `k2·MR` and `b` `k2·NR` pairs;
/// `out` must describe a writable m×n matrix with `(r0, c0)` inside it.
// The AVX-512 intrinsics (like the `avx512f` target feature the f32 kernels already enable)
// are stable from Rust 1.89; the crate's declared MSRV predates that.
#[allow(clippy::incompatible_msrv, clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bf16")]
unsafe fn kernel_avx512bf16(
    k2: usize,
    a: *const u32,
    b: *const u32,
    out: COut,
    r0: usize,
    c0: usize,
    alpha: f32,
    beta: f32,
) {
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
    if out.cs != 1 {
        let mut tile = [0.0f32; MR * NR];
        for (i, row) in acc.iter().enumerate() {
            // SAFETY: row i of `tile` has NR = 32 floats.
            unsafe {
                _mm512_storeu_ps(tile.as_mut_ptr().add(i * NR), row[0]);
                _mm512_storeu_ps(tile.as_mut_ptr().add(i * NR + 16), row[1]);
            }
        }
        // SAFETY: the caller's guarantee.
        unsafe { write_tile(&tile, out, r0, c0, alpha, beta) };
        return;
    }
    let rows = MR.min(out.m - r0);
    let cols = NR.min(out.n - c0);
    let mask = |count: usize| -> u16 {
        if count >= 16 {
            u16::MAX
        } else {
            (1u16 << count) - 1
        }
    };
    let masks = [mask(cols), mask(cols.saturating_sub(16))];
    let (va, vb) = (_mm512_set1_ps(alpha), _mm512_set1_ps(beta));
    for (i, row) in acc.iter().enumerate().take(rows) {
        let line = out
            .ptr
            .wrapping_offset((r0 + i) as isize * out.rs)
            .wrapping_add(c0);
        for (h, &sum) in row.iter().enumerate() {
            let p = line.wrapping_add(16 * h);
            // SAFETY: the masked loads and stores touch columns c0 + 16h.. below n of row
            // r0 + i < m, inside C (cs = 1).
            unsafe {
                let mut v = _mm512_mul_ps(va, sum);
                if beta != 0.0 {
                    let old = _mm512_maskz_loadu_ps(masks[h], p);
                    v = _mm512_add_ps(v, _mm512_mul_ps(vb, old));
                }
                _mm512_mask_storeu_ps(p, masks[h], v);
            }
        }
    }
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
    fn branch_free_rounding_is_the_scalar_rounding_on_every_kind_of_value() {
        use super::super::bf16_widened::rounded_bits;
        // Every 65 521st bit pattern (all signs, exponents, NaNs, subnormals), and the
        // rounding boundaries around one.
        let mut bits: Vec<u32> = (0..=u32::MAX).step_by(65_521).collect();
        bits.extend([
            0x3F80_7FFF,
            0x3F80_8000,
            0x3F81_8000,
            0x007F_FFFF,
            0x8000_0001,
        ]);
        for &b in &bits {
            assert_eq!(
                rounded_bits(b),
                to_bf16(f32::from_bits(b)) << 16,
                "bits {b:#010x}"
            );
        }
    }

    #[test]
    fn rounding_follows_the_instruction() {
        // Ties to even, overflow to infinity, DAZ (also for the largest subnormal, which
        // `half` rounds up to the smallest normal bf16), NaN quieted with its sign.
        assert_eq!(to_bf16(1.0 + 2f32.powi(-8)), 0x3F80);
        assert_eq!(to_bf16(1.0 + 3.0 * 2f32.powi(-8)), 0x3F82);
        assert_eq!(to_bf16(f32::MAX), 0x7F80);
        assert_eq!(to_bf16(f32::from_bits(0x007F_FFFF)), 0);
        assert_eq!(to_bf16(f32::from_bits(0x807F_FFFF)), 0x8000);
        assert_eq!(to_bf16(f32::from_bits(0xFF80_0001)), 0xFFC0);
        assert_eq!(to_bf16(f32::from_bits(0x7FA1_2345)), 0x7FE1);
        assert_eq!(to_bf16(f32::MIN_POSITIVE), 0x0080);
    }

    /// Values of every kind: ordinary, ties, subnormal, zeros, infinities, NaNs with payloads.
    fn special(i: usize) -> f32 {
        const BITS: [u32; 12] = [
            0x007F_FFFF,
            0x8000_0001,
            0x0000_0000,
            0x8000_0000,
            0x7F80_0000,
            0xFF80_0000,
            0x7FA1_2345,
            0xFF80_0001,
            0x3F80_8000,
            0x3F81_8000,
            0x7F7F_FFFF,
            0x0080_0000,
        ];
        if i % 5 == 0 {
            f32::from_bits(BITS[(i / 5) % BITS.len()])
        } else {
            ((i * 2_654_435_761) % 10_007) as f32 / 997.0 - 5.0
        }
    }

    #[test]
    fn simd_packing_equals_the_portable_packing() {
        use ndarray::{s, Array2};
        if !has_avx512_bf16() {
            println!("no AVX-512 BF16 here: nothing to compare");
            return;
        }
        for (rows, k) in [
            (1, 1),
            (5, 1),
            (12, 3),
            (13, 33),
            (31, 64),
            (40, 65),
            (7, 100),
        ] {
            let x = Array2::from_shape_fn((rows + 3, 2 * k + 3), |(r, c)| special(r * 131 + c));
            let xt = x.t().to_owned();
            let views = [
                x.slice(s![..rows, ..k]),              // cs = 1
                xt.t().slice_move(s![..rows, ..k]),    // rs = 1
                x.slice(s![..rows;1, 1..2 * k + 1;2]), // neither (portable either way)
                x.slice(s![..rows;-1, ..k]),           // cs = 1, rs < 0
                xt.t().slice_move(s![..rows, ..k;-1]), // rs = 1, cs < 0
            ];
            for (v, view) in views.iter().enumerate() {
                for width in [MR, NR] {
                    for first in [0, rows.saturating_sub(width.min(rows)), rows / 2] {
                        let lines = width.min(rows - first);
                        let len = k.div_ceil(2) * width;
                        let (mut fast, mut slow) = (vec![7u32; len], vec![9u32; len]);
                        pack_panel(view, first, lines, &mut fast, width, true);
                        pack_panel_portable(view, first, lines, &mut slow, width);
                        assert_eq!(
                            fast, slow,
                            "{rows}×{k}, view {v}, width {width}, first {first}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn workspace_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Bf16Workspace>();
    }
}
