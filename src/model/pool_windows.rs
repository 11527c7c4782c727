//! The rectangular windows of a pooling layer, clipped to the image, and the average and
//! maximum over them (forward and backward), shared by the pooling layers.

use super::conv_geometry::{at_least_one, checked_product, output_len};
use super::wide::wide;
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
        let (w, op) = (self.in_w, self.rows.len() * self.cols.len());
        let ip = self.in_h * w;
        let planes = input
            .chunks_exact(ip)
            .zip(output.chunks_exact_mut(op))
            .zip(argmax.chunks_exact_mut(op));
        wide(|| {
            for ((x, y), arg) in planes {
                let mut slots = y.iter_mut().zip(arg.iter_mut());
                for &rows in &self.rows {
                    for &cols in &self.cols {
                        let mut best = F::neg_infinity();
                        let mut at = rows.0 * w + cols.0;
                        for ih in rows.0..rows.1 {
                            let start = ih * w + cols.0;
                            for (k, &v) in x[start..ih * w + cols.1].iter().enumerate() {
                                if v > best || v.is_nan() {
                                    best = v;
                                    at = start + k;
                                }
                            }
                        }
                        if let Some((v, a)) = slots.next() {
                            *v = best;
                            *a = at;
                        }
                    }
                }
            }
        });
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
