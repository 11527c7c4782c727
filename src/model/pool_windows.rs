//! The rectangular windows of a pooling layer, clipped to the image, and the average and
//! maximum over them (forward and backward), shared by the pooling layers.

use super::conv_geometry::{at_least_one, checked_product, output_len};
use crate::{Error, Float, Result};

/// Per output row and column, the input rows / columns `lo..hi` its window covers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Windows {
    pub channels: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub rows: Vec<(usize, usize)>,
    pub cols: Vec<(usize, usize)>,
}

/// The windows `o·stride − pad .. + kernel` of one axis, clipped to `0..len`.
fn sliding(
    layer: &str,
    axis: &str,
    len: usize,
    kernel: usize,
    stride: usize,
    pad: usize,
) -> Result<Vec<(usize, usize)>> {
    if pad > kernel / 2 {
        return Err(Error::config(
            format!("{layer}.padding"),
            pad,
            format!("at most half the kernel {axis} ({kernel} / 2)"),
        ));
    }
    let out = output_len(layer, axis, len, (pad, pad), kernel, stride, 1)?;
    Ok((0..out)
        .map(|o| {
            let start = (o * stride) as isize - pad as isize;
            let lo = start.max(0) as usize;
            let hi = ((start + kernel as isize) as usize).min(len);
            (lo, hi)
        })
        .collect())
}

/// PyTorch's adaptive windows: `floor(o·len/out) .. ceil((o+1)·len/out)`.
fn adaptive(len: usize, out: usize) -> Vec<(usize, usize)> {
    (0..out)
        .map(|o| ((o * len) / out, ((o + 1) * len).div_ceil(out)))
        .collect()
}

/// Checks a `[C, H, W]` input shape for a pooling layer.
fn check_image(layer: &str, input: [usize; 3]) -> Result<()> {
    let [c, h, w] = input;
    at_least_one(layer, "channels", c)?;
    at_least_one(layer, "input height", h)?;
    at_least_one(layer, "input width", w)?;
    if checked_product(&input).is_none() {
        return Err(Error::shape(
            layer,
            "an image that fits in memory",
            format!("{input:?}"),
        ));
    }
    Ok(())
}

impl Windows {
    /// Sliding windows of `kernel`, `stride`, `padding` over `[C, H, W]` images.
    pub(crate) fn sliding(
        layer: &str,
        input: [usize; 3],
        kernel: (usize, usize),
        stride: (usize, usize),
        padding: (usize, usize),
    ) -> Result<Self> {
        check_image(layer, input)?;
        at_least_one(layer, "kernel_size", kernel.0.min(kernel.1))?;
        at_least_one(layer, "stride", stride.0.min(stride.1))?;
        let [channels, in_h, in_w] = input;
        Ok(Windows {
            channels,
            in_h,
            in_w,
            rows: sliding(layer, "height", in_h, kernel.0, stride.0, padding.0)?,
            cols: sliding(layer, "width", in_w, kernel.1, stride.1, padding.1)?,
        })
    }

    /// Adaptive windows giving an `output = (OH, OW)` image.
    pub(crate) fn adaptive(layer: &str, input: [usize; 3], output: (usize, usize)) -> Result<Self> {
        check_image(layer, input)?;
        at_least_one(layer, "output height", output.0)?;
        at_least_one(layer, "output width", output.1)?;
        let [channels, in_h, in_w] = input;
        Ok(Windows {
            channels,
            in_h,
            in_w,
            rows: adaptive(in_h, output.0),
            cols: adaptive(in_w, output.1),
        })
    }

    pub(crate) fn input_shape(&self) -> [usize; 3] {
        [self.channels, self.in_h, self.in_w]
    }

    pub(crate) fn output_shape(&self) -> [usize; 3] {
        [self.channels, self.rows.len(), self.cols.len()]
    }

    pub(crate) fn in_size(&self) -> usize {
        self.channels * self.in_h * self.in_w
    }

    pub(crate) fn out_size(&self) -> usize {
        self.channels * self.rows.len() * self.cols.len()
    }

    /// Every (input plane, output plane) pair of a batch: `f(input plane, output plane)`.
    fn planes<'a, A: 'a, B: 'a>(
        &self,
        input: &'a [A],
        output: &'a mut [B],
        mut f: impl FnMut(&'a [A], &'a mut [B]),
    ) {
        let (ip, op) = (self.in_h * self.in_w, self.rows.len() * self.cols.len());
        for (x, y) in input.chunks_exact(ip).zip(output.chunks_exact_mut(op)) {
            f(x, y);
        }
    }

    /// Window averages: the sum over the clipped window divided by `divisor(rows, cols)`.
    pub(crate) fn average_forward<F: Float>(
        &self,
        input: &[F],
        output: &mut [F],
        divisor: &dyn Fn((usize, usize), (usize, usize)) -> F,
    ) {
        let w = self.in_w;
        self.planes(input, output, |x, y| {
            let mut out = y.iter_mut();
            for &rows in &self.rows {
                for &cols in &self.cols {
                    let mut sum = F::zero();
                    for ih in rows.0..rows.1 {
                        sum += x[ih * w + cols.0..ih * w + cols.1]
                            .iter()
                            .copied()
                            .sum::<F>();
                    }
                    if let Some(v) = out.next() {
                        *v = sum / divisor(rows, cols);
                    }
                }
            }
        });
    }

    /// The adjoint of [`Windows::average_forward`]: each output gradient spread over its
    /// window; `grad_input` is overwritten.
    pub(crate) fn average_backward<F: Float>(
        &self,
        grad_output: &[F],
        grad_input: &mut [F],
        divisor: &dyn Fn((usize, usize), (usize, usize)) -> F,
    ) {
        grad_input.fill(F::zero());
        let (w, op) = (self.in_w, self.rows.len() * self.cols.len());
        let ip = self.in_h * w;
        for (dy, dx) in grad_output
            .chunks_exact(op)
            .zip(grad_input.chunks_exact_mut(ip))
        {
            let mut grads = dy.iter();
            for &rows in &self.rows {
                for &cols in &self.cols {
                    let share = grads.next().copied().unwrap_or_else(F::zero) / divisor(rows, cols);
                    for ih in rows.0..rows.1 {
                        for v in &mut dx[ih * w + cols.0..ih * w + cols.1] {
                            *v += share;
                        }
                    }
                }
            }
        }
    }

    /// Window maxima and the position (within the plane) of each one: the first maximum in
    /// row-major order, a NaN winning as in PyTorch.
    pub(crate) fn max_forward<F: Float>(
        &self,
        input: &[F],
        output: &mut [F],
        argmax: &mut [usize],
    ) {
        let (w, ow_len) = (self.in_w, self.cols.len());
        let (ip, op) = (self.in_h * w, self.rows.len() * ow_len);
        let planes = input
            .chunks_exact(ip)
            .zip(output.chunks_exact_mut(op))
            .zip(argmax.chunks_exact_mut(op));
        for ((x, y), arg) in planes {
            let rows = y.chunks_exact_mut(ow_len).zip(arg.chunks_exact_mut(ow_len));
            for ((y, arg), &window_rows) in rows.zip(&self.rows) {
                for ((v, a), &window_cols) in y.iter_mut().zip(arg).zip(&self.cols) {
                    (*v, *a) = window_max(x, w, window_rows, window_cols);
                }
            }
        }
    }

    /// Each output gradient to its window's maximum; `grad_input` is overwritten.
    pub(crate) fn max_backward<F: Float>(
        &self,
        grad_output: &[F],
        argmax: &[usize],
        grad_input: &mut [F],
    ) {
        grad_input.fill(F::zero());
        let op = self.rows.len() * self.cols.len();
        let ip = self.in_h * self.in_w;
        let planes = grad_output
            .chunks_exact(op)
            .zip(argmax.chunks_exact(op))
            .zip(grad_input.chunks_exact_mut(ip));
        for ((dy, arg), dx) in planes {
            for (&g, &a) in dy.iter().zip(arg) {
                dx[a] += g;
            }
        }
    }
}

/// The window's maximum and where it is: the first maximum in row-major order, or the last
/// NaN (PyTorch's scan, `v > best || v.is_nan()`). The value and then its first position are
/// found with selects, not branches (which value wins is data: a branch would mispredict half
/// the time); a 2 × 2 window is unrolled.
#[inline(always)]
fn window_max<F: Float>(
    x: &[F],
    w: usize,
    rows: (usize, usize),
    cols: (usize, usize),
) -> (F, usize) {
    let first = rows.0 * w + cols.0;
    if rows.1 - rows.0 == 2 && cols.1 - cols.0 == 2 {
        let at = [first, first + 1, first + w, first + w + 1];
        let best = at.iter().fold(F::neg_infinity(), |b, &i| pick(x[i], b));
        if !best.is_nan() {
            let found = at.iter().rev().fold(first, |f, &i| {
                // Stable from Rust 1.88, as the AVX-512 kernels need 1.89.
                #[allow(clippy::incompatible_msrv)]
                std::hint::select_unpredictable(x[i] == best, i, f)
            });
            return (best, found);
        }
    }
    let mut best = (F::neg_infinity(), first);
    for ih in rows.0..rows.1 {
        let start = ih * w + cols.0;
        for (at, &v) in (start..).zip(&x[start..ih * w + cols.1]) {
            if v > best.0 || v.is_nan() {
                best = (v, at);
            }
        }
    }
    best
}

/// PyTorch's max-pool step: `v` replaces `best` when larger or NaN.
#[inline(always)]
fn pick<F: Float>(v: F, best: F) -> F {
    // Stable from Rust 1.88, as the AVX-512 kernels need 1.89.
    #[allow(clippy::incompatible_msrv)]
    std::hint::select_unpredictable((v > best) | v.is_nan(), v, best)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PyTorch's scan, written plainly.
    fn scan(x: &[f64], w: usize, rows: (usize, usize), cols: (usize, usize)) -> (f64, usize) {
        let mut best = (f64::NEG_INFINITY, rows.0 * w + cols.0);
        for ih in rows.0..rows.1 {
            for iw in cols.0..cols.1 {
                let v = x[ih * w + iw];
                if v > best.0 || v.is_nan() {
                    best = (v, ih * w + iw);
                }
            }
        }
        best
    }

    #[test]
    fn window_max_is_pytorchs_scan_with_ties_signed_zeros_infinities_and_nans() {
        let values = [1.0, 2.0, 2.0, -0.0, 0.0, f64::NEG_INFINITY, f64::NAN, -1.0];
        let w = 4;
        // Every 2 × 2 image over `values` (8⁴ of them) and a 3 × 3 window on a strip.
        for code in 0..values.len().pow(4) {
            let mut x = vec![0.0; 2 * w];
            for (k, at) in [0, 1, w, w + 1].into_iter().enumerate() {
                x[at] = values[code / values.len().pow(k as u32) % values.len()];
            }
            let got = window_max(&x, w, (0, 2), (0, 2));
            let want = scan(&x, w, (0, 2), (0, 2));
            assert_eq!(got.1, want.1, "{x:?}");
            assert_eq!(got.0.to_bits(), want.0.to_bits(), "{x:?}");
        }
        let x: Vec<f64> = (0..12).map(|i| values[(i * 5) % values.len()]).collect();
        assert_eq!(
            window_max(&x, w, (0, 3), (1, 4)).1,
            scan(&x, w, (0, 3), (1, 4)).1
        );
    }
}
