//! Unfolding images into patch columns (im2col) and folding column gradients back (col2im).
//!
//! The column matrix of a batch has one row per (channel, kernel row, kernel column) and one
//! column per (sample, output row, output column): `(C·kH·kW) × (N·OH·OW)`, so a convolution
//! is one matrix product per group, `W_g (O_g × C_g·kH·kW) · cols_g`, as large as the batch.

use super::conv_geometry::{valid_range, ConvGeometry};
use super::lanes;
use crate::Float;

/// One kernel tap: which input row and column offsets feed output positions.
struct Tap {
    row_offset: isize,
    col_offset: isize,
    cols: (usize, usize),
}

impl ConvGeometry {
    #[inline(always)]
    fn tap(&self, ki: usize, kj: usize) -> Tap {
        let col_offset = (kj * self.dilation_w) as isize - self.pad_left as isize;
        Tap {
            row_offset: (ki * self.dilation_h) as isize - self.pad_top as isize,
            col_offset,
            cols: valid_range(col_offset, self.stride_w, self.in_w, self.out_w),
        }
    }

    /// The input row feeding output row `oh` through `tap`, if inside the image.
    #[inline(always)]
    fn input_row(&self, tap: &Tap, oh: usize) -> Option<usize> {
        let ih = (oh * self.stride_h) as isize + tap.row_offset;
        (ih >= 0 && ih < self.in_h as isize).then_some(ih as usize)
    }
}

/// Fills `cols` (`(C·kH·kW) × (batch·OH·OW)`, row-major) from `input` (`batch × C·H·W`).
#[inline(always)]
pub(crate) fn im2col<F: Float>(g: &ConvGeometry, input: &[F], batch: usize, cols: &mut [F]) {
    let (hw, pixels) = (g.in_h * g.in_w, g.out_pixels());
    let width = batch * pixels;
    for c in 0..g.in_channels {
        for ki in 0..g.kernel_h {
            for kj in 0..g.kernel_w {
                let tap = g.tap(ki, kj);
                let row = (c * g.kernel_h + ki) * g.kernel_w + kj;
                let dst_row = &mut cols[row * width..(row + 1) * width];
                for (n, dst) in dst_row.chunks_exact_mut(pixels).enumerate() {
                    let image = &input[(n * g.in_channels + c) * hw..][..hw];
                    unfold_plane(g, &tap, image, dst);
                }
            }
        }
    }
}

/// One tap of one channel of one sample: `dst[oh, ow] = x[ih, iw]` or 0 outside the image.
#[inline(always)]
fn unfold_plane<F: Float>(g: &ConvGeometry, tap: &Tap, image: &[F], dst: &mut [F]) {
    let (lo, hi) = tap.cols;
    for (oh, d) in dst.chunks_exact_mut(g.out_w).enumerate() {
        let Some(ih) = g.input_row(tap, oh) else {
            d.fill(F::zero());
            continue;
        };
        let x = &image[ih * g.in_w..(ih + 1) * g.in_w];
        d[..lo].fill(F::zero());
        d[hi..].fill(F::zero());
        if g.stride_w == 1 {
            let start = (lo as isize + tap.col_offset) as usize;
            d[lo..hi].copy_from_slice(&x[start..start + hi - lo]);
        } else {
            for (ow, v) in d[lo..hi].iter_mut().enumerate() {
                let iw = ((lo + ow) * g.stride_w) as isize + tap.col_offset;
                *v = x[iw as usize];
            }
        }
    }
}

/// Adds the column gradient `cols` (layout of [`im2col`]) into `grad_input`
/// (`batch × C·H·W`), which the caller has zeroed.
#[inline(always)]
pub(crate) fn col2im<F: Float>(g: &ConvGeometry, cols: &[F], batch: usize, grad_input: &mut [F]) {
    let (hw, pixels) = (g.in_h * g.in_w, g.out_pixels());
    let width = batch * pixels;
    for c in 0..g.in_channels {
        for ki in 0..g.kernel_h {
            for kj in 0..g.kernel_w {
                let tap = g.tap(ki, kj);
                let row = (c * g.kernel_h + ki) * g.kernel_w + kj;
                let src_row = &cols[row * width..(row + 1) * width];
                for (n, src) in src_row.chunks_exact(pixels).enumerate() {
                    let image = &mut grad_input[(n * g.in_channels + c) * hw..][..hw];
                    fold_plane(g, &tap, src, image);
                }
            }
        }
    }
}

/// The adjoint of [`unfold_plane`]: `dx[ih, iw] += src[oh, ow]`.
#[inline(always)]
fn fold_plane<F: Float>(g: &ConvGeometry, tap: &Tap, src: &[F], image: &mut [F]) {
    let (lo, hi) = tap.cols;
    for (oh, s) in src.chunks_exact(g.out_w).enumerate() {
        let Some(ih) = g.input_row(tap, oh) else {
            continue;
        };
        let x = &mut image[ih * g.in_w..(ih + 1) * g.in_w];
        if g.stride_w == 1 {
            let start = (lo as isize + tap.col_offset) as usize;
            for (d, &v) in x[start..start + hi - lo].iter_mut().zip(&s[lo..hi]) {
                *d += v;
            }
        } else {
            for (ow, &v) in s[lo..hi].iter().enumerate() {
                let iw = ((lo + ow) * g.stride_w) as isize + tap.col_offset;
                x[iw as usize] += v;
            }
        }
    }
}

/// The depthwise direct kernels use the same taps: `out[oh, ow] += w · x[ih, iw]` over one
/// plane, for every output row.
#[inline(always)]
pub(crate) fn axpy_tap<F: Float>(
    g: &ConvGeometry,
    ki: usize,
    kj: usize,
    w: F,
    image: &[F],
    out: &mut [F],
) {
    let tap = g.tap(ki, kj);
    let (lo, hi) = tap.cols;
    for (oh, o) in out.chunks_exact_mut(g.out_w).enumerate() {
        let Some(ih) = g.input_row(&tap, oh) else {
            continue;
        };
        let x = &image[ih * g.in_w..(ih + 1) * g.in_w];
        if g.stride_w == 1 {
            let start = (lo as isize + tap.col_offset) as usize;
            for (d, &v) in o[lo..hi].iter_mut().zip(&x[start..start + hi - lo]) {
                *d += w * v;
            }
        } else {
            for (ow, d) in o[lo..hi].iter_mut().enumerate() {
                let iw = ((lo + ow) * g.stride_w) as isize + tap.col_offset;
                *d += w * x[iw as usize];
            }
        }
    }
}

/// `Σ dy[oh, ow] · x[ih, iw]` over one plane and one tap (a depthwise weight gradient).
#[inline(always)]
pub(crate) fn dot_tap<F: Float>(
    g: &ConvGeometry,
    ki: usize,
    kj: usize,
    image: &[F],
    grad_out: &[F],
) -> F {
    let tap = g.tap(ki, kj);
    let (lo, hi) = tap.cols;
    let mut sum = F::zero();
    for (oh, dy) in grad_out.chunks_exact(g.out_w).enumerate() {
        let Some(ih) = g.input_row(&tap, oh) else {
            continue;
        };
        let x = &image[ih * g.in_w..(ih + 1) * g.in_w];
        if g.stride_w == 1 {
            let start = (lo as isize + tap.col_offset) as usize;
            sum += lanes::dot(&dy[lo..hi], &x[start..start + hi - lo]);
        } else {
            for (ow, &d) in dy[lo..hi].iter().enumerate() {
                let iw = ((lo + ow) * g.stride_w) as isize + tap.col_offset;
                sum += d * x[iw as usize];
            }
        }
    }
    sum
}

/// `acc[ow] += Σ_oh dy[oh, ow] · x[ih, iw]` over one plane and one tap: the terms of
/// [`dot_tap`] kept per output column (`acc` has `OW` values), so a depthwise weight
/// gradient sums whole rows element-wise and reduces once per tap, not once per row.
#[inline(always)]
pub(crate) fn accumulate_tap<F: Float>(
    g: &ConvGeometry,
    ki: usize,
    kj: usize,
    image: &[F],
    grad_out: &[F],
    acc: &mut [F],
) {
    let tap = g.tap(ki, kj);
    let (lo, hi) = tap.cols;
    for (oh, dy) in grad_out.chunks_exact(g.out_w).enumerate() {
        let Some(ih) = g.input_row(&tap, oh) else {
            continue;
        };
        let x = &image[ih * g.in_w..(ih + 1) * g.in_w];
        if g.stride_w == 1 {
            let start = (lo as isize + tap.col_offset) as usize;
            for ((a, &d), &v) in acc[lo..hi]
                .iter_mut()
                .zip(&dy[lo..hi])
                .zip(&x[start..start + hi - lo])
            {
                *a += d * v;
            }
        } else {
            for (ow, (a, &d)) in acc[lo..hi].iter_mut().zip(&dy[lo..hi]).enumerate() {
                let iw = ((lo + ow) * g.stride_w) as isize + tap.col_offset;
                *a += d * x[iw as usize];
            }
        }
    }
}

/// The adjoint of [`axpy_tap`] in `x`: `dx[ih, iw] += w · dy[oh, ow]`.
#[inline(always)]
pub(crate) fn scatter_tap<F: Float>(
    g: &ConvGeometry,
    ki: usize,
    kj: usize,
    w: F,
    grad_out: &[F],
    grad_image: &mut [F],
) {
    let tap = g.tap(ki, kj);
    let (lo, hi) = tap.cols;
    for (oh, dy) in grad_out.chunks_exact(g.out_w).enumerate() {
        let Some(ih) = g.input_row(&tap, oh) else {
            continue;
        };
        let x = &mut grad_image[ih * g.in_w..(ih + 1) * g.in_w];
        if g.stride_w == 1 {
            let start = (lo as isize + tap.col_offset) as usize;
            for (d, &v) in x[start..start + hi - lo].iter_mut().zip(&dy[lo..hi]) {
                *d += w * v;
            }
        } else {
            for (ow, &v) in dy[lo..hi].iter().enumerate() {
                let iw = ((lo + ow) * g.stride_w) as isize + tap.col_offset;
                x[iw as usize] += w * v;
            }
        }
    }
}
