//! Depthwise convolutions of `f32` planes with AVX-512: the direct kernels `ConvCore` runs
//! when the processor has AVX-512F, the type is `f32`, and the geometry is one this file
//! handles (one output channel per input channel, dilation 1, column stride 1 or 2, padding
//! below the kernel's extent); any other case takes the portable kernels of `im2col.rs`.
//!
//! Each input plane is first copied into a zero-padded plane whose rows are split into
//! `stride_w` column phases (phase `q` holds padded columns `q, q + s, q + 2s, …`), so every
//! tap of sixteen neighbouring outputs reads sixteen contiguous values. Then:
//! - the forward pass keeps eight output rows × sixteen columns in registers and adds every
//!   tap with a fused multiply-add before one store;
//! - the weight gradient sums `dy · x` per tap in eight vector accumulators over a plane;
//! - the input gradient is the stride-1 correlation, with the flipped kernel, of the output
//!   gradient spread out by the stride (zeros between its values) and padded by the kernel
//!   extent less the padding: the forward kernel again, with no overlapping stores.
//!
//! Products are fused (as in the GEMM micro-kernels), so the last bits may differ from the
//! portable kernels; every result depends only on its own channel, whatever the threads.

// The AVX-512 intrinsics are stable from Rust 1.89 (as for the GEMM kernels); the crate's
// declared MSRV predates that.
#![allow(clippy::incompatible_msrv)]

use super::conv_geometry::ConvGeometry;

/// Most kernel taps (`kH·kW`) the fast path takes; the flipped kernel lives on the stack.
const MAX_TAPS: usize = 64;
/// Output rows kept in registers at once by the correlation kernel: eight independent
/// chains of fused multiply-adds keep both FMA pipes busy through their latency.
const ROWS: usize = 8;
/// Accumulators per tap of the weight gradient, for the same reason.
const SUMS: usize = 8;

/// A zero-padded plane whose rows are split into column phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PlaneLayout {
    rows: usize,
    phases: usize,
    /// Values of one phase of one row.
    phase_w: usize,
}

impl PlaneLayout {
    fn row_stride(&self) -> usize {
        self.phases * self.phase_w
    }

    /// The plane's values, with a vector's slack after the last row for the overhang of
    /// full-vector stores.
    fn len(&self) -> usize {
        self.rows * self.row_stride() + 16
    }
}

/// A correlation of a phased plane with a kernel: output `(oh, ow)`, tap `t = ki·kW + kj`
/// reads the plane at `oh·row_step + offsets[t] + ow` (row `oh·sH + ki`, phase `kj mod s`,
/// column `ow + kj div s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Correlation {
    row_step: usize,
    out_h: usize,
    out_w: usize,
    taps: usize,
    offsets: [usize; MAX_TAPS],
}

impl Correlation {
    fn new(
        layout: &PlaneLayout,
        stride_h: usize,
        out: (usize, usize),
        kernel: (usize, usize),
    ) -> Self {
        let mut offsets = [0; MAX_TAPS];
        for ki in 0..kernel.0 {
            for kj in 0..kernel.1 {
                offsets[ki * kernel.1 + kj] = ki * layout.row_stride()
                    + (kj % layout.phases) * layout.phase_w
                    + kj / layout.phases;
            }
        }
        Correlation {
            row_step: stride_h * layout.row_stride(),
            out_h: out.0,
            out_w: out.1,
            taps: kernel.0 * kernel.1,
            offsets,
        }
    }
}

/// The layouts and taps of one depthwise geometry on the fast path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DepthwisePlan {
    g: ConvGeometry,
    /// The padded input plane of the forward pass and the weight gradient.
    input: PlaneLayout,
    forward: Correlation,
    /// The spread and padded output gradient of the input gradient.
    spread: PlaneLayout,
    backward: Correlation,
    /// Where the output gradient's first value lands in the spread plane (row, column).
    spread_at: (usize, usize),
}

impl DepthwisePlan {
    /// The plan for `g`, when `F` is `f32`, the processor has AVX-512F and the geometry is
    /// one the fast path handles.
    pub(crate) fn new<F: 'static>(g: &ConvGeometry) -> Option<Self> {
        if std::any::TypeId::of::<F>() != std::any::TypeId::of::<f32>() || !has_avx512() {
            return None;
        }
        let (kernel, s) = ((g.kernel_h, g.kernel_w), g.stride_w);
        let handled = g.is_depthwise()
            && g.out_channels == g.in_channels
            && g.dilation_h == 1
            && g.dilation_w == 1
            && matches!(s, 1 | 2)
            && g.pad_top < kernel.0
            && g.pad_left < kernel.1
            && kernel
                .0
                .checked_mul(kernel.1)
                .is_some_and(|t| t <= MAX_TAPS)
            && g.out_h > 0
            && g.out_w > 0;
        if !handled {
            return None;
        }
        let input = PlaneLayout {
            rows: (g.out_h - 1) * g.stride_h + kernel.0,
            phases: s,
            phase_w: (g.in_w + g.pad_left)
                .div_ceil(s)
                .max(g.out_w + (kernel.1 - 1) / s),
        };
        let spread_at = (kernel.0 - 1 - g.pad_top, kernel.1 - 1 - g.pad_left);
        let spread = PlaneLayout {
            rows: (g.in_h + kernel.0 - 1).max(spread_at.0 + (g.out_h - 1) * g.stride_h + 1),
            phases: 1,
            phase_w: (g.in_w + kernel.1 - 1).max(spread_at.1 + g.out_w * s),
        };
        Some(DepthwisePlan {
            g: *g,
            input,
            forward: Correlation::new(&input, g.stride_h, (g.out_h, g.out_w), kernel),
            spread,
            backward: Correlation::new(&spread, 1, (g.in_h, g.in_w), kernel),
            spread_at,
        })
    }

    /// Values of one padded input plane.
    pub(crate) fn padded_len(&self) -> usize {
        self.input.len()
    }

    /// Values of one spread output-gradient plane.
    pub(crate) fn spread_len(&self) -> usize {
        self.spread.len()
    }

    /// Writes input plane `x` (`H·W`) zero-padded into `padded`, then the output plane
    /// `out[oh, ow] = bias + Σ w[ki, kj] · x[oh·sH + ki − pT, ow·sW + kj − pL]`.
    pub(crate) fn forward_plane(
        &self,
        x: &[f32],
        padded: &mut [f32],
        weight: &[f32],
        bias: f32,
        out: &mut [f32],
    ) {
        let g = &self.g;
        assert_eq!(x.len(), g.in_h * g.in_w, "depthwise input plane");
        assert_eq!(padded.len(), self.input.len(), "padded plane");
        assert_eq!(weight.len(), self.forward.taps, "depthwise taps");
        assert_eq!(out.len(), g.out_h * g.out_w, "depthwise output plane");
        // SAFETY: AVX-512F was detected when the plan was made; the lengths were checked.
        unsafe {
            pad_plane(g, &self.input, x, padded);
            correlate(&self.forward, padded, weight, bias, out);
        }
    }

    /// Adds `Σ_{oh, ow} dy[oh, ow] · x[oh·sH + ki − pT, ow·sW + kj − pL]` to `sums[ki·kW + kj]`
    /// for one plane (`padded` as the forward pass left it).
    pub(crate) fn weight_grad_plane(&self, padded: &[f32], dy: &[f32], sums: &mut [f32]) {
        assert_eq!(padded.len(), self.input.len(), "padded plane");
        assert_eq!(
            dy.len(),
            self.g.out_h * self.g.out_w,
            "depthwise output gradient plane"
        );
        assert_eq!(sums.len(), self.forward.taps, "depthwise taps");
        // SAFETY: AVX-512F was detected when the plan was made; the lengths were checked.
        unsafe { tap_sums(&self.forward, padded, dy, sums) }
    }

    /// Writes the input gradient plane `dx` (`H·W`) of output gradient `dy`, through the
    /// scratch plane `spread`.
    pub(crate) fn input_grad_plane(
        &self,
        dy: &[f32],
        weight: &[f32],
        spread: &mut [f32],
        dx: &mut [f32],
    ) {
        let (g, taps) = (&self.g, self.backward.taps);
        assert_eq!(
            dy.len(),
            g.out_h * g.out_w,
            "depthwise output gradient plane"
        );
        assert_eq!(weight.len(), taps, "depthwise taps");
        assert_eq!(spread.len(), self.spread.len(), "spread plane");
        assert_eq!(dx.len(), g.in_h * g.in_w, "depthwise input gradient plane");
        let mut flipped = [0.0f32; MAX_TAPS];
        for (f, &w) in flipped[..taps].iter_mut().zip(weight.iter().rev()) {
            *f = w;
        }
        // SAFETY: AVX-512F was detected when the plan was made; the lengths were checked.
        unsafe {
            spread_plane(g, &self.spread, self.spread_at, dy, spread);
            correlate(&self.backward, spread, &flipped[..taps], 0.0, dx);
        }
    }
}

/// Whether this processor runs the AVX-512F kernels.
fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn pad_plane(_: &ConvGeometry, _: &PlaneLayout, _: &[f32], _: &mut [f32]) {
    unreachable!("no plan is made without AVX-512F")
}
#[cfg(not(target_arch = "x86_64"))]
unsafe fn spread_plane(
    _: &ConvGeometry,
    _: &PlaneLayout,
    _: (usize, usize),
    _: &[f32],
    _: &mut [f32],
) {
    unreachable!("no plan is made without AVX-512F")
}
#[cfg(not(target_arch = "x86_64"))]
unsafe fn correlate(_: &Correlation, _: &[f32], _: &[f32], _: f32, _: &mut [f32]) {
    unreachable!("no plan is made without AVX-512F")
}
#[cfg(not(target_arch = "x86_64"))]
unsafe fn tap_sums(_: &Correlation, _: &[f32], _: &[f32], _: &mut [f32]) {
    unreachable!("no plan is made without AVX-512F")
}

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// The first `n` lanes (all sixteen from `n ≥ 16`).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn lanes(n: usize) -> __mmask16 {
    if n >= 16 {
        !0
    } else {
        (1u16 << n) - 1
    }
}

/// Lanes `l` of `src[start + l]` for which `0 ≤ start + l < len`, zero in the others; the
/// other lanes are not read.
///
/// # Safety
/// AVX-512F; `src` holds `len` readable values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn load_window(src: *const f32, start: isize, len: usize) -> __m512 {
    let lo = (-start).clamp(0, 16) as usize;
    let hi = (len as isize - start).clamp(0, 16) as usize;
    let m = lanes(hi) & !lanes(lo);
    // SAFETY: the mask reads only `src[0..len]`; a masked-off lane is never accessed, so the
    // address of the others may lie outside the slice.
    unsafe {
        if m == !0 {
            _mm512_loadu_ps(src.offset(start))
        } else {
            _mm512_maskz_loadu_ps(m, src.wrapping_offset(start))
        }
    }
}

/// Writes the whole padded plane from `x`: padded row `ih + pT`, column `iw + pL` (phase
/// `(iw + pL) mod s`, index `(iw + pL) div s`) holds `x[ih, iw]`, every other value zero.
/// Rows and phases are written in order with full vectors, each one's overhang overwritten
/// by the next (the last into the plane's slack).
///
/// # Safety
/// AVX-512F; `x` holds `H·W` values and `padded` the plan's padded length.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn pad_plane(g: &ConvGeometry, layout: &PlaneLayout, x: &[f32], padded: &mut [f32]) {
    let (w, pw, rs) = (g.in_w, layout.phase_w, layout.row_stride());
    let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    let pl = g.pad_left as isize;
    // SAFETY: stores reach at most 15 values past the last row, inside the slack; loads go
    // through `load_window` on row ih of x.
    unsafe {
        for row in 0..layout.rows {
            let dst = padded.as_mut_ptr().add(row * rs);
            let ih = row.wrapping_sub(g.pad_top);
            if ih >= g.in_h {
                for i in (0..rs).step_by(16) {
                    _mm512_storeu_ps(dst.add(i), _mm512_setzero_ps());
                }
                continue;
            }
            let src = x.as_ptr().add(ih * w);
            for q in 0..layout.phases {
                for i in (0..pw).step_by(16) {
                    let v = if layout.phases == 1 {
                        load_window(src, i as isize - pl, w)
                    } else {
                        // Phase q, index i + l holds column 2(i + l) + q − pL.
                        let at = (2 * i + q) as isize - pl;
                        let (a, b) = (load_window(src, at, w), load_window(src, at + 16, w));
                        _mm512_permutex2var_ps(a, even, b)
                    };
                    _mm512_storeu_ps(dst.add(q * pw + i), v);
                }
            }
        }
    }
}

/// Writes the whole spread plane from `dy` (`OH·OW`): `dy[oh, ow]` at row `at.0 + oh·sH`,
/// column `at.1 + ow·sW`, every other value zero; full vectors as in [`pad_plane`].
///
/// # Safety
/// AVX-512F; `dy` holds `OH·OW` values and `spread` the plan's spread length.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn spread_plane(
    g: &ConvGeometry,
    layout: &PlaneLayout,
    at: (usize, usize),
    dy: &[f32],
    spread: &mut [f32],
) {
    let (ow_len, pw) = (g.out_w, layout.phase_w);
    // Lane l of a stride-2 vector starting `e ∈ {0, 1}` past an even column takes window
    // value (l + e) / 2 when l + e is even, else zero.
    let pairs = [
        _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7),
        _mm512_setr_epi32(0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8),
    ];
    let keep: [__mmask16; 2] = [0x5555, 0xAAAA];
    // SAFETY: stores reach at most 15 values past the last row, inside the slack; loads go
    // through `load_window` on row oh of dy.
    unsafe {
        for row in 0..layout.rows {
            let dst = spread.as_mut_ptr().add(row * pw);
            let offset = row.wrapping_sub(at.0);
            let oh = offset / g.stride_h;
            if offset >= g.out_h * g.stride_h || offset % g.stride_h != 0 || oh >= g.out_h {
                for i in (0..pw).step_by(16) {
                    _mm512_storeu_ps(dst.add(i), _mm512_setzero_ps());
                }
                continue;
            }
            let src = dy.as_ptr().add(oh * ow_len);
            for i in (0..pw).step_by(16) {
                let start = i as isize - at.1 as isize;
                let v = if g.stride_w == 1 {
                    load_window(src, start, ow_len)
                } else {
                    let e = start.rem_euclid(2) as usize;
                    let window = load_window(src, start.div_euclid(2), ow_len);
                    _mm512_maskz_permutexvar_ps(keep[e], pairs[e], window)
                };
                _mm512_storeu_ps(dst.add(i), v);
            }
        }
    }
}

/// `out[oh, ow] = init + Σ_t w[t] · plane[oh·row_step + offsets[t] + ow]`.
///
/// # Safety
/// AVX-512F; `plane` holds every value a tap of an output reads; `weight` holds `c.taps`
/// values and `out` `out_h·out_w`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn correlate(c: &Correlation, plane: &[f32], weight: &[f32], init: f32, out: &mut [f32]) {
    let (p, w, y) = (plane.as_ptr(), weight.as_ptr(), out.as_mut_ptr());
    let mut oh = 0;
    // SAFETY: the caller's extents; each call covers output rows oh..oh + R < out_h.
    unsafe {
        while oh + ROWS <= c.out_h {
            correlate_rows::<ROWS>(c, p, w, init, y, oh);
            oh += ROWS;
        }
        if oh + ROWS / 2 <= c.out_h {
            correlate_rows::<{ ROWS / 2 }>(c, p, w, init, y, oh);
            oh += ROWS / 2;
        }
        while oh < c.out_h {
            correlate_rows::<1>(c, p, w, init, y, oh);
            oh += 1;
        }
    }
}

/// Output rows `oh..oh + R` of [`correlate`], sixteen columns at a time, every tap added
/// into the registers before one store.
///
/// # Safety
/// As for [`correlate`], with `oh + R ≤ out_h`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn correlate_rows<const R: usize>(
    c: &Correlation,
    plane: *const f32,
    weight: *const f32,
    init: f32,
    out: *mut f32,
    oh: usize,
) {
    // SAFETY: masked loads read only the columns below out_w of rows below out_h.
    unsafe {
        let base = plane.add(oh * c.row_step);
        for ow in (0..c.out_w).step_by(16) {
            let m = lanes(c.out_w - ow);
            let mut acc = [_mm512_set1_ps(init); R];
            for (t, &offset) in c.offsets[..c.taps].iter().enumerate() {
                let w = _mm512_set1_ps(*weight.add(t));
                let src = base.add(offset + ow);
                for (r, a) in acc.iter_mut().enumerate() {
                    *a = _mm512_fmadd_ps(w, _mm512_maskz_loadu_ps(m, src.add(r * c.row_step)), *a);
                }
            }
            for (r, a) in acc.iter().enumerate() {
                _mm512_mask_storeu_ps(out.add((oh + r) * c.out_w + ow), m, *a);
            }
        }
    }
}

/// `sums[t] += Σ_{oh, ow} dy[oh, ow] · plane[oh·row_step + offsets[t] + ow]`: eight
/// accumulators (row `oh` into accumulator `oh mod 8`) per tap, added pairwise and reduced
/// once per tap.
///
/// # Safety
/// As for [`correlate`], with `dy` of `out_h·out_w` values and `sums` of `c.taps`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn tap_sums(c: &Correlation, plane: &[f32], dy: &[f32], sums: &mut [f32]) {
    let (p, d) = (plane.as_ptr(), dy.as_ptr());
    for (sum, &offset) in sums.iter_mut().zip(&c.offsets[..c.taps]) {
        let mut acc = [_mm512_setzero_ps(); SUMS];
        let mut oh = 0;
        // SAFETY: the caller's extents; rows below out_h.
        unsafe {
            while oh + SUMS <= c.out_h {
                for (r, a) in acc.iter_mut().enumerate() {
                    *a = row_dot(c, p.add(offset), d, oh + r, *a);
                }
                oh += SUMS;
            }
            for (r, a) in acc.iter_mut().enumerate().take(c.out_h - oh) {
                *a = row_dot(c, p.add(offset), d, oh + r, *a);
            }
        }
        let quads = [
            _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])),
            _mm512_add_ps(_mm512_add_ps(acc[4], acc[5]), _mm512_add_ps(acc[6], acc[7])),
        ];
        *sum += _mm512_reduce_add_ps(_mm512_add_ps(quads[0], quads[1]));
    }
}

/// `acc + dy[oh, ·] ⊙ tap[oh·row_step + ·]`, lane by lane over the row's 16-column chunks.
///
/// # Safety
/// As for [`tap_sums`], with `oh < out_h` and `tap` the plane at one tap's offset.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn row_dot(
    c: &Correlation,
    tap: *const f32,
    dy: *const f32,
    oh: usize,
    mut acc: __m512,
) -> __m512 {
    // SAFETY: masked loads read only the columns below out_w of row oh.
    unsafe {
        let (x, d) = (tap.add(oh * c.row_step), dy.add(oh * c.out_w));
        for ow in (0..c.out_w).step_by(16) {
            let m = lanes(c.out_w - ow);
            let dv = _mm512_maskz_loadu_ps(m, d.add(ow));
            let xv = _mm512_maskz_loadu_ps(m, x.add(ow));
            acc = _mm512_fmadd_ps(dv, xv, acc);
        }
    }
    acc
}

/// `values` as `f32`, when `F` is `f32`.
pub(crate) fn as_f32<F: 'static>(values: &[F]) -> Option<&[f32]> {
    (std::any::TypeId::of::<F>() == std::any::TypeId::of::<f32>()).then(|| {
        // SAFETY: F is f32 (same type id), so the slice is reinterpreted as its own type.
        unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<f32>(), values.len()) }
    })
}

/// `values` as mutable `f32`, when `F` is `f32`.
pub(crate) fn as_f32_mut<F: 'static>(values: &mut [F]) -> Option<&mut [f32]> {
    (std::any::TypeId::of::<F>() == std::any::TypeId::of::<f32>()).then(|| {
        // SAFETY: F is f32 (same type id), so the slice is reinterpreted as its own type.
        unsafe { std::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<f32>(), values.len()) }
    })
}
