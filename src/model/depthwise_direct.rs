//! Depthwise convolutions of `f32` planes, direct: the kernels `ConvCore` runs when the
//! processor has AVX-512F (sixteen lanes) or AVX2 with FMA (eight), the type is `f32`, and
//! the geometry is one this file handles (one output channel per input channel, dilation 1,
//! column stride 1 or 2, padding below the kernel's extent); any other case takes the
//! portable kernels of `im2col.rs`. One generic body per kernel serves both widths
//! ([`Lanes`](crate::linalg::lanes::Lanes)).
//!
//! Each input plane is first copied into a zero-padded plane whose rows are split into
//! `stride_w` column phases (phase `q` holds padded columns `q, q + s, q + 2s, …`), so every
//! tap of `N` neighbouring outputs reads `N` contiguous values. Then:
//! - the forward pass keeps eight output rows × `N` columns in registers and adds every
//!   tap with a fused multiply-add before one store;
//! - the weight gradient sums `dy · x` per tap in eight vector accumulators over a plane;
//! - the input gradient is the stride-1 correlation, with the flipped kernel, of the output
//!   gradient spread out by the stride (zeros between its values) and padded by the kernel
//!   extent less the padding: the forward kernel again, with no overlapping stores.
//!
//! Products are fused (as in the GEMM micro-kernels), so the last bits may differ from the
//! portable kernels; every result depends only on its own channel, whatever the threads.
//! Outputs and input gradients are the same bits at either width (each output adds its taps
//! in tap order); weight gradients are summed across lanes, so their last bits depend on the
//! width.

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

    /// The plane's values, with a vector's slack (sixteen values, the widest) after the last
    /// row for the overhang of full-vector stores.
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
    isa: Isa,
}

impl DepthwisePlan {
    /// The plan for `g`, when `F` is `f32`, the processor has AVX-512F or AVX2 with FMA, and
    /// the geometry is one the fast path handles.
    pub(crate) fn new<F: 'static>(g: &ConvGeometry) -> Option<Self> {
        Self::with_isa::<F>(g, detect_isa()?)
    }

    /// The plan for `g` with the kernels of `isa` (which the processor must have).
    fn with_isa<F: 'static>(g: &ConvGeometry, isa: Isa) -> Option<Self> {
        if std::any::TypeId::of::<F>() != std::any::TypeId::of::<f32>() {
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
            isa,
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
        let io = ForwardPlane {
            x,
            padded,
            weight,
            bias,
            out,
        };
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the instruction set was detected when the plan was made; the lengths were
        // checked.
        unsafe {
            match self.isa {
                Isa::Avx512 => kernels::forward_avx512(self, io),
                Isa::Avx2 => kernels::forward_avx2(self, io),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no plan is made off x86-64 ({:p})", io.x);
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
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the instruction set was detected when the plan was made; the lengths were
        // checked.
        unsafe {
            match self.isa {
                Isa::Avx512 => kernels::tap_sums_avx512(&self.forward, padded, dy, sums),
                Isa::Avx2 => kernels::tap_sums_avx2(&self.forward, padded, dy, sums),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no plan is made off x86-64 ({:p})", sums);
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
        let io = InputGradPlane {
            dy,
            flipped: &flipped[..taps],
            spread,
            dx,
        };
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the instruction set was detected when the plan was made; the lengths were
        // checked.
        unsafe {
            match self.isa {
                Isa::Avx512 => kernels::input_grad_avx512(self, io),
                Isa::Avx2 => kernels::input_grad_avx2(self, io),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no plan is made off x86-64 ({:p})", io.dy);
    }
}

/// The instruction set a plan's kernels run with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isa {
    /// Sixteen lanes.
    Avx512,
    /// Eight lanes.
    Avx2,
}

/// The widest instruction set of this processor that the kernels have, if any.
fn detect_isa() -> Option<Isa> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return Some(Isa::Avx512);
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Some(Isa::Avx2);
        }
    }
    None
}

/// The kernels, generic over the vector width, and their entry points per instruction set.
#[cfg(target_arch = "x86_64")]
mod kernels {
    use super::{ConvGeometry, Correlation, PlaneLayout, ROWS, SUMS};
    use crate::linalg::lanes::{Avx2, Avx512, Lanes};

    /// Lanes `l` of `src[start + l]` for which `0 ≤ start + l < len`, zero in the others; the
    /// other lanes are not read.
    ///
    /// # Safety
    /// `V`'s instruction set; `src` holds `len` readable values.
    #[inline(always)]
    unsafe fn load_window<V: Lanes>(src: *const f32, start: isize, len: usize) -> V {
        let n = V::N as isize;
        let lo = (-start).clamp(0, n) as usize;
        let hi = (len as isize - start).clamp(0, n) as usize;
        // SAFETY: the mask reads only `src[0..len]`; a masked-off lane is never accessed, so
        // the address of the others may lie outside the slice.
        unsafe {
            if lo == 0 && hi == V::N {
                V::load(src.offset(start))
            } else {
                V::load_masked(V::between(lo, hi), src.wrapping_offset(start))
            }
        }
    }

    /// Writes the whole padded plane from `x`: padded row `ih + pT`, column `iw + pL`
    /// (phase `(iw + pL) mod s`, index `(iw + pL) div s`) holds `x[ih, iw]`, every other
    /// value zero. Rows and phases are written in order with full vectors, each one's
    /// overhang overwritten by the next (the last into the plane's slack).
    ///
    /// # Safety
    /// `V`'s instruction set; `x` holds `H·W` values and `padded` the plan's padded length.
    #[inline(always)]
    unsafe fn pad_plane<V: Lanes>(
        g: &ConvGeometry,
        layout: &PlaneLayout,
        x: &[f32],
        padded: &mut [f32],
    ) {
        let (w, pw, rs, n) = (g.in_w, layout.phase_w, layout.row_stride(), V::N);
        let pl = g.pad_left as isize;
        // SAFETY: stores reach at most N − 1 values past the last row, inside the slack;
        // loads go through `load_window` on row ih of x.
        unsafe {
            for row in 0..layout.rows {
                let dst = padded.as_mut_ptr().add(row * rs);
                let ih = row.wrapping_sub(g.pad_top);
                if ih >= g.in_h {
                    for i in (0..rs).step_by(n) {
                        V::store(dst.add(i), V::splat(0.0));
                    }
                    continue;
                }
                let src = x.as_ptr().add(ih * w);
                for q in 0..layout.phases {
                    for i in (0..pw).step_by(n) {
                        let v = if layout.phases == 1 {
                            load_window::<V>(src, i as isize - pl, w)
                        } else {
                            // Phase q, index i + l holds column 2(i + l) + q − pL.
                            let at = (2 * i + q) as isize - pl;
                            let a = load_window::<V>(src, at, w);
                            V::evens(a, load_window::<V>(src, at + n as isize, w))
                        };
                        V::store(dst.add(q * pw + i), v);
                    }
                }
            }
        }
    }

    /// Writes the whole spread plane from `dy` (`OH·OW`): `dy[oh, ow]` at row `at.0 + oh·sH`,
    /// column `at.1 + ow·sW`, every other value zero; full vectors as in [`pad_plane`].
    ///
    /// # Safety
    /// `V`'s instruction set; `dy` holds `OH·OW` values and `spread` the plan's spread
    /// length.
    #[inline(always)]
    unsafe fn spread_plane<V: Lanes>(
        g: &ConvGeometry,
        layout: &PlaneLayout,
        at: (usize, usize),
        dy: &[f32],
        spread: &mut [f32],
    ) {
        let (ow_len, pw) = (g.out_w, layout.phase_w);
        // SAFETY: stores reach at most N − 1 values past the last row, inside the slack;
        // loads go through `load_window` on row oh of dy.
        unsafe {
            for row in 0..layout.rows {
                let dst = spread.as_mut_ptr().add(row * pw);
                let offset = row.wrapping_sub(at.0);
                let oh = offset / g.stride_h;
                if offset >= g.out_h * g.stride_h || offset % g.stride_h != 0 || oh >= g.out_h {
                    for i in (0..pw).step_by(V::N) {
                        V::store(dst.add(i), V::splat(0.0));
                    }
                    continue;
                }
                let src = dy.as_ptr().add(oh * ow_len);
                for i in (0..pw).step_by(V::N) {
                    let start = i as isize - at.1 as isize;
                    let v = if g.stride_w == 1 {
                        load_window::<V>(src, start, ow_len)
                    } else {
                        let window = load_window::<V>(src, start.div_euclid(2), ow_len);
                        V::spread_pairs(window, start.rem_euclid(2) == 1)
                    };
                    V::store(dst.add(i), v);
                }
            }
        }
    }

    /// `out[oh, ow] = init + Σ_t w[t] · plane[oh·row_step + offsets[t] + ow]`.
    ///
    /// # Safety
    /// `V`'s instruction set; `plane` holds every value a tap of an output reads; `weight`
    /// holds `c.taps` values and `out` `out_h·out_w`.
    #[inline(always)]
    unsafe fn correlate<V: Lanes>(
        c: &Correlation,
        plane: &[f32],
        weight: &[f32],
        init: f32,
        out: &mut [f32],
    ) {
        let (p, w, y) = (plane.as_ptr(), weight.as_ptr(), out.as_mut_ptr());
        let mut oh = 0;
        // SAFETY: the caller's extents; each call covers output rows oh..oh + R < out_h.
        unsafe {
            while oh + ROWS <= c.out_h {
                correlate_rows::<V, ROWS>(c, p, w, init, y, oh);
                oh += ROWS;
            }
            if oh + ROWS / 2 <= c.out_h {
                correlate_rows::<V, { ROWS / 2 }>(c, p, w, init, y, oh);
                oh += ROWS / 2;
            }
            while oh < c.out_h {
                correlate_rows::<V, 1>(c, p, w, init, y, oh);
                oh += 1;
            }
        }
    }

    /// Output rows `oh..oh + R` of [`correlate`], `N` columns at a time, every tap added
    /// into the registers before one store; a row's last, partial chunk is masked.
    ///
    /// # Safety
    /// As for [`correlate`], with `oh + R ≤ out_h`.
    #[inline(always)]
    unsafe fn correlate_rows<V: Lanes, const R: usize>(
        c: &Correlation,
        plane: *const f32,
        weight: *const f32,
        init: f32,
        out: *mut f32,
        oh: usize,
    ) {
        // SAFETY: loads and stores reach only the columns below out_w of rows below out_h.
        unsafe {
            let base = plane.add(oh * c.row_step);
            for ow in (0..c.out_w).step_by(V::N) {
                let full = ow + V::N <= c.out_w;
                let m = V::between(0, (c.out_w - ow).min(V::N));
                let mut acc = [V::splat(init); R];
                for (t, &offset) in c.offsets[..c.taps].iter().enumerate() {
                    let w = V::splat(*weight.add(t));
                    let src = base.add(offset + ow);
                    for (r, a) in acc.iter_mut().enumerate() {
                        let at = src.add(r * c.row_step);
                        let x = if full {
                            V::load(at)
                        } else {
                            V::load_masked(m, at)
                        };
                        *a = V::mul_add(w, x, *a);
                    }
                }
                for (r, a) in acc.iter().enumerate() {
                    let at = out.add((oh + r) * c.out_w + ow);
                    if full {
                        V::store(at, *a);
                    } else {
                        V::store_masked(at, m, *a);
                    }
                }
            }
        }
    }

    /// `sums[t] += Σ_{oh, ow} dy[oh, ow] · plane[oh·row_step + offsets[t] + ow]`: eight
    /// accumulators (row `oh` into accumulator `oh mod 8`) per tap, added pairwise and
    /// reduced once per tap.
    ///
    /// # Safety
    /// As for [`correlate`], with `dy` of `out_h·out_w` values and `sums` of `c.taps`.
    #[inline(always)]
    unsafe fn tap_sums<V: Lanes>(c: &Correlation, plane: &[f32], dy: &[f32], sums: &mut [f32]) {
        let (p, d) = (plane.as_ptr(), dy.as_ptr());
        for (sum, &offset) in sums.iter_mut().zip(&c.offsets[..c.taps]) {
            // SAFETY: the caller's extents; rows below out_h.
            unsafe {
                let mut acc = [V::splat(0.0); SUMS];
                let mut oh = 0;
                while oh + SUMS <= c.out_h {
                    for (r, a) in acc.iter_mut().enumerate() {
                        *a = row_dot(c, p.add(offset), d, oh + r, *a);
                    }
                    oh += SUMS;
                }
                for (r, a) in acc.iter_mut().enumerate().take(c.out_h - oh) {
                    *a = row_dot(c, p.add(offset), d, oh + r, *a);
                }
                let quads = [
                    V::add(V::add(acc[0], acc[1]), V::add(acc[2], acc[3])),
                    V::add(V::add(acc[4], acc[5]), V::add(acc[6], acc[7])),
                ];
                *sum += V::sum(V::add(quads[0], quads[1]));
            }
        }
    }

    /// `acc + dy[oh, ·] ⊙ tap[oh·row_step + ·]`, lane by lane over the row's `N`-column
    /// chunks.
    ///
    /// # Safety
    /// As for [`tap_sums`], with `oh < out_h` and `tap` the plane at one tap's offset.
    #[inline(always)]
    unsafe fn row_dot<V: Lanes>(
        c: &Correlation,
        tap: *const f32,
        dy: *const f32,
        oh: usize,
        mut acc: V,
    ) -> V {
        // SAFETY: loads reach only the columns below out_w of row oh.
        unsafe {
            let (x, d) = (tap.add(oh * c.row_step), dy.add(oh * c.out_w));
            let whole = c.out_w / V::N * V::N;
            for ow in (0..whole).step_by(V::N) {
                acc = V::mul_add(V::load(d.add(ow)), V::load(x.add(ow)), acc);
            }
            if whole < c.out_w {
                let m = V::between(0, c.out_w - whole);
                let (dv, xv) = (
                    V::load_masked(m, d.add(whole)),
                    V::load_masked(m, x.add(whole)),
                );
                acc = V::mul_add(dv, xv, acc);
            }
        }
        acc
    }

    /// Pads input plane `x` into `padded` and correlates it with `weight` into `out`.
    ///
    /// # Safety
    /// `V`'s instruction set; the lengths of [`DepthwisePlan::forward_plane`](super::DepthwisePlan::forward_plane).
    #[inline(always)]
    unsafe fn forward<V: Lanes>(plan: &super::DepthwisePlan, io: super::ForwardPlane<'_>) {
        // SAFETY: the caller's guarantees.
        unsafe {
            pad_plane::<V>(&plan.g, &plan.input, io.x, io.padded);
            correlate::<V>(&plan.forward, io.padded, io.weight, io.bias, io.out);
        }
    }

    /// Spreads `dy` into `spread` and correlates it with the flipped kernel into `dx`.
    ///
    /// # Safety
    /// `V`'s instruction set; the lengths of [`DepthwisePlan::input_grad_plane`](super::DepthwisePlan::input_grad_plane).
    #[inline(always)]
    unsafe fn input_grad<V: Lanes>(plan: &super::DepthwisePlan, io: super::InputGradPlane<'_>) {
        // SAFETY: the caller's guarantees.
        unsafe {
            spread_plane::<V>(&plan.g, &plan.spread, plan.spread_at, io.dy, io.spread);
            correlate::<V>(&plan.backward, io.spread, io.flipped, 0.0, io.dx);
        }
    }

    /// [`forward`] with AVX-512F.
    ///
    /// # Safety
    /// AVX-512F; as for [`forward`].
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn forward_avx512(plan: &super::DepthwisePlan, io: super::ForwardPlane<'_>) {
        // SAFETY: the caller's guarantees; AVX-512F is enabled here.
        unsafe { forward::<Avx512>(plan, io) }
    }

    /// [`forward`] with AVX2 and FMA.
    ///
    /// # Safety
    /// AVX2 and FMA; as for [`forward`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn forward_avx2(plan: &super::DepthwisePlan, io: super::ForwardPlane<'_>) {
        // SAFETY: the caller's guarantees; AVX2 and FMA are enabled here.
        unsafe { forward::<Avx2>(plan, io) }
    }

    /// [`input_grad`] with AVX-512F.
    ///
    /// # Safety
    /// AVX-512F; as for [`input_grad`].
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn input_grad_avx512(
        plan: &super::DepthwisePlan,
        io: super::InputGradPlane<'_>,
    ) {
        // SAFETY: the caller's guarantees; AVX-512F is enabled here.
        unsafe { input_grad::<Avx512>(plan, io) }
    }

    /// [`input_grad`] with AVX2 and FMA.
    ///
    /// # Safety
    /// AVX2 and FMA; as for [`input_grad`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn input_grad_avx2(
        plan: &super::DepthwisePlan,
        io: super::InputGradPlane<'_>,
    ) {
        // SAFETY: the caller's guarantees; AVX2 and FMA are enabled here.
        unsafe { input_grad::<Avx2>(plan, io) }
    }

    /// [`tap_sums`] with AVX-512F.
    ///
    /// # Safety
    /// AVX-512F; as for [`tap_sums`].
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn tap_sums_avx512(
        c: &Correlation,
        plane: &[f32],
        dy: &[f32],
        sums: &mut [f32],
    ) {
        // SAFETY: the caller's guarantees; AVX-512F is enabled here.
        unsafe { tap_sums::<Avx512>(c, plane, dy, sums) }
    }

    /// [`tap_sums`] with AVX2 and FMA.
    ///
    /// # Safety
    /// AVX2 and FMA; as for [`tap_sums`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn tap_sums_avx2(
        c: &Correlation,
        plane: &[f32],
        dy: &[f32],
        sums: &mut [f32],
    ) {
        // SAFETY: the caller's guarantees; AVX2 and FMA are enabled here.
        unsafe { tap_sums::<Avx2>(c, plane, dy, sums) }
    }
}

/// The buffers of one forward plane.
struct ForwardPlane<'a> {
    x: &'a [f32],
    padded: &'a mut [f32],
    weight: &'a [f32],
    bias: f32,
    out: &'a mut [f32],
}

/// The buffers of one input-gradient plane.
struct InputGradPlane<'a> {
    dy: &'a [f32],
    flipped: &'a [f32],
    spread: &'a mut [f32],
    dx: &'a mut [f32],
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::conv_geometry::{ConvSpec, Padding};

    /// A depthwise geometry: `(H, W)`, kernel, stride, padding.
    fn geometry(
        image: (usize, usize),
        kernel: (usize, usize),
        stride: (usize, usize),
        pad: (usize, usize),
    ) -> ConvGeometry {
        let spec = ConvSpec {
            in_channels: 3,
            out_channels: 3,
            kernel,
            stride,
            padding: Padding::Explicit(pad.0, pad.1),
            dilation: (1, 1),
            groups: 3,
        };
        ConvGeometry::new("test", &spec, image.0, image.1).expect("valid geometry")
    }

    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (((i * 37 + seed * 101) % 97) as f32 - 48.0) / 32.0)
            .collect()
    }

    /// The input value under output `(oh, ow)` and tap `(ki, kj)`, zero in the padding.
    fn under(g: &ConvGeometry, x: &[f32], oh: usize, ow: usize, ki: usize, kj: usize) -> f64 {
        let ih = (oh * g.stride_h + ki).wrapping_sub(g.pad_top);
        let iw = (ow * g.stride_w + kj).wrapping_sub(g.pad_left);
        if ih < g.in_h && iw < g.in_w {
            f64::from(x[ih * g.in_w + iw])
        } else {
            0.0
        }
    }

    /// Forward output, weight-gradient sums and input gradient of one plane, by definition.
    fn naive(g: &ConvGeometry, x: &[f32], w: &[f32], dy: &[f32]) -> [Vec<f64>; 3] {
        let (kh, kw) = (g.kernel_h, g.kernel_w);
        let mut out = vec![0.5; g.out_h * g.out_w];
        let mut sums = vec![0.0; kh * kw];
        let mut dx = vec![0.0; g.in_h * g.in_w];
        for (oh, ow, ki, kj) in (0..g.out_h).flat_map(|oh| {
            (0..g.out_w).flat_map(move |ow| {
                (0..kh).flat_map(move |ki| (0..kw).map(move |kj| (oh, ow, ki, kj)))
            })
        }) {
            let (t, o) = (ki * kw + kj, oh * g.out_w + ow);
            out[o] += f64::from(w[t]) * under(g, x, oh, ow, ki, kj);
            sums[t] += f64::from(dy[o]) * under(g, x, oh, ow, ki, kj);
            let ih = (oh * g.stride_h + ki).wrapping_sub(g.pad_top);
            let iw = (ow * g.stride_w + kj).wrapping_sub(g.pad_left);
            if ih < g.in_h && iw < g.in_w {
                dx[ih * g.in_w + iw] += f64::from(w[t]) * f64::from(dy[o]);
            }
        }
        [out, sums, dx]
    }

    /// The plan's forward output, weight-gradient sums and input gradient of one plane.
    fn direct(plan: &DepthwisePlan, x: &[f32], w: &[f32], dy: &[f32]) -> [Vec<f32>; 3] {
        let g = &plan.g;
        let mut padded = vec![f32::NAN; plan.padded_len()];
        let mut out = vec![0.0; g.out_h * g.out_w];
        plan.forward_plane(x, &mut padded, w, 0.5, &mut out);
        let mut sums = vec![0.0; w.len()];
        plan.weight_grad_plane(&padded, dy, &mut sums);
        let (mut spread, mut dx) = (vec![f32::NAN; plan.spread_len()], vec![0.0; x.len()]);
        plan.input_grad_plane(dy, w, &mut spread, &mut dx);
        [out, sums, dx]
    }

    #[test]
    fn every_instruction_set_computes_the_definition_and_they_agree() {
        let mut available = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                available.push(Isa::Avx512);
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                available.push(Isa::Avx2);
            }
        }
        let cases = [
            ((7, 9), (3, 3), (1, 1), (1, 1)),
            ((32, 32), (3, 3), (2, 2), (1, 1)),
            ((5, 40), (3, 5), (1, 2), (0, 2)),
            ((17, 33), (5, 3), (2, 1), (2, 0)),
            ((1, 23), (1, 7), (1, 2), (0, 3)),
        ];
        for (image, kernel, stride, pad) in cases {
            let g = geometry(image, kernel, stride, pad);
            let x = values(g.in_h * g.in_w, 1);
            let w = values(g.kernel_h * g.kernel_w, 2);
            let dy = values(g.out_h * g.out_w, 3);
            let want = naive(&g, &x, &w, &dy);
            let mut results = Vec::new();
            for &isa in &available {
                let plan = DepthwisePlan::with_isa::<f32>(&g, isa).expect("a handled geometry");
                let got = direct(&plan, &x, &w, &dy);
                for (part, (got, want)) in got.iter().zip(&want).enumerate() {
                    for (i, (&a, &b)) in got.iter().zip(want).enumerate() {
                        let tol = 1e-4 * b.abs().max(1.0);
                        assert!(
                            (f64::from(a) - b).abs() <= tol,
                            "{isa:?} {g:?} part {part} at {i}: {a} against {b}"
                        );
                    }
                }
                results.push(got);
            }
            if let [wide, narrow] = &results[..] {
                assert_eq!(wide[0], narrow[0], "forward bits, {g:?}");
                assert_eq!(wide[2], narrow[2], "input gradient bits, {g:?}");
            }
        }
    }
}
