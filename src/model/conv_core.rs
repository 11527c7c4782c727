//! The computation shared by `Conv1d` and `Conv2d`: one batched matrix product per group over
//! im2col columns (pointwise 1 × 1 kernels unfold by plain copies), and a direct kernel for
//! depthwise convolutions, whose per-group products would be too thin for a GEMM.

use ndarray::{s, ArrayView2, ArrayViewMut2};

use super::conv_geometry::ConvGeometry;
use super::im2col::{axpy_tap, col2im, dot_tap, im2col, scatter_tap};
use super::layer::check_grad_shape;
use super::Parameter;
use crate::linalg::{gemm, num_threads, run_parts, Buffer2, GemmWorkspace};
use crate::{Float, Result};

/// Depthwise work (multiply-adds) below which one thread does it all.
const PARALLEL_WORK: usize = 1 << 20;

/// Buffers and geometry of one convolution layer.
#[derive(Debug, Clone)]
pub(crate) struct ConvCore<F> {
    pub geometry: ConvGeometry,
    /// im2col columns of the last input (GEMM path) or a copy of it (depthwise path).
    cols: Buffer2<F>,
    /// Channel-major outputs `O × N·P` in forward, output gradients in backward.
    product: Buffer2<F>,
    grad_cols: Buffer2<F>,
    output: Buffer2<F>,
    grad_input: Buffer2<F>,
    workspace: GemmWorkspace<F>,
}

/// A pointer shared by the threads of a depthwise pass, each touching its own planes.
#[derive(Clone, Copy)]
struct Shared<F>(*mut F);
// SAFETY: every part reads and writes only the planes of its own channels (see `planes`).
unsafe impl<F> Send for Shared<F> {}
unsafe impl<F> Sync for Shared<F> {}

impl<F> Shared<F> {
    /// The `len` values from `offset`.
    ///
    /// # Safety
    /// The range must lie inside the buffer and no other thread may use it meanwhile.
    #[allow(clippy::mut_from_ref)]
    unsafe fn planes(&self, offset: usize, len: usize) -> &mut [F] {
        unsafe { std::slice::from_raw_parts_mut(self.0.add(offset), len) }
    }
}

/// Runs `job(channels)` over contiguous ranges of `0..channels`, on the pool when `work` is
/// large. Each channel is computed the same way whatever the cut, so results are
/// bit-identical for every thread count.
fn for_channel_ranges(channels: usize, work: usize, job: &(dyn Fn(std::ops::Range<usize>) + Sync)) {
    let threads = if work >= PARALLEL_WORK {
        num_threads().min(channels)
    } else {
        1
    };
    let per = channels.div_ceil(threads.max(1));
    let parts = channels.div_ceil(per);
    run_parts(parts, &|p| job(p * per..((p + 1) * per).min(channels)));
}

impl<F: Float> ConvCore<F> {
    pub(crate) fn new(geometry: ConvGeometry) -> Self {
        ConvCore {
            geometry,
            cols: Buffer2::default(),
            product: Buffer2::default(),
            grad_cols: Buffer2::default(),
            output: Buffer2::default(),
            grad_input: Buffer2::default(),
            workspace: GemmWorkspace::default(),
        }
    }

    /// The output of `input` (`batch × C·H·W`, width already checked).
    pub(crate) fn forward(
        &mut self,
        input: ArrayView2<'_, F>,
        weight: &[F],
        bias: Option<&[F]>,
    ) -> ArrayView2<'_, F> {
        let g = self.geometry;
        let batch = input.nrows();
        self.output.resize(batch, g.out_size());
        if g.is_depthwise() {
            self.cols.copy_from(input);
            self.depthwise_forward(batch, weight, bias);
        } else {
            self.gemm_forward(input, weight, bias);
        }
        self.output.view()
    }

    fn gemm_forward(&mut self, input: ArrayView2<'_, F>, weight: &[F], bias: Option<&[F]>) {
        let g = self.geometry;
        let batch = input.nrows();
        let (pixels, k, og) = (g.out_pixels(), g.patch(), g.group_out());
        self.cols.resize(g.groups * k, batch * pixels);
        match input.as_slice() {
            Some(x) => im2col(&g, x, batch, self.cols.as_slice_mut()),
            None => {
                // A strided view: copy it into the output gradient buffer first.
                self.grad_input.copy_from(input);
                im2col(
                    &g,
                    self.grad_input.as_slice(),
                    batch,
                    self.cols.as_slice_mut(),
                );
            }
        }
        self.product.resize(g.out_channels, batch * pixels);
        for group in 0..g.groups {
            let w = ArrayView2::from_shape((og, k), &weight[group * og * k..(group + 1) * og * k])
                .expect("weight holds O × patch values");
            let cols = self.cols.view();
            let mut product = self.product.view_mut();
            gemm(
                F::one(),
                w,
                cols.slice(s![group * k..(group + 1) * k, ..]),
                F::zero(),
                product.slice_mut(s![group * og..(group + 1) * og, ..]),
                &mut self.workspace,
            );
        }
        let product = self.product.as_slice();
        let out = self.output.as_slice_mut();
        for (n, row) in out.chunks_exact_mut(g.out_size()).enumerate() {
            for (o, plane) in row.chunks_exact_mut(pixels).enumerate() {
                let src = &product[(o * batch + n) * pixels..][..pixels];
                let b = bias.map_or(F::zero(), |b| b[o]);
                for (y, &v) in plane.iter_mut().zip(src) {
                    *y = v + b;
                }
            }
        }
    }

    fn depthwise_forward(&mut self, batch: usize, weight: &[F], bias: Option<&[F]>) {
        let g = self.geometry;
        let (pixels, hw, m) = (g.out_pixels(), g.in_h * g.in_w, g.group_out());
        let taps = g.kernel_h * g.kernel_w;
        let out = Shared(self.output.as_slice_mut().as_mut_ptr());
        let input = self.cols.as_slice();
        let work = batch * g.out_size() * taps;
        for_channel_ranges(g.in_channels, work, &|channels| {
            for c in channels {
                for n in 0..batch {
                    let image = &input[(n * g.in_channels + c) * hw..][..hw];
                    for o in c * m..(c + 1) * m {
                        // SAFETY: output plane (n, o) belongs to channel c of this part.
                        let plane =
                            unsafe { out.planes((n * g.out_channels + o) * pixels, pixels) };
                        plane.fill(bias.map_or(F::zero(), |b| b[o]));
                        for ki in 0..g.kernel_h {
                            for kj in 0..g.kernel_w {
                                let w = weight[o * taps + ki * g.kernel_w + kj];
                                axpy_tap(&g, ki, kj, w, image, plane);
                            }
                        }
                    }
                }
            }
        });
    }

    /// Back-propagates `grad_output`: adds the gradients of the unfrozen parameters when
    /// `parameters` is set, and returns the input gradient when `input` is set.
    pub(crate) fn backward(
        &mut self,
        describe: &dyn Fn() -> String,
        grad_output: ArrayView2<'_, F>,
        weight: &mut Parameter<F>,
        bias: Option<&mut Parameter<F>>,
        parameters: bool,
        input: bool,
    ) -> Result<Option<ArrayView2<'_, F>>> {
        check_grad_shape(describe, &grad_output, self.output.dim())?;
        let g = self.geometry;
        let batch = grad_output.nrows();
        let pixels = g.out_pixels();
        // Output gradients channel-major: product[o, n·P + p] = dy[n, o·P + p].
        self.product.resize(g.out_channels, batch * pixels);
        let product = self.product.as_slice_mut();
        for (n, row) in grad_output.rows().into_iter().enumerate() {
            for o in 0..g.out_channels {
                let dst = &mut product[(o * batch + n) * pixels..][..pixels];
                for (d, &v) in dst
                    .iter_mut()
                    .zip(row.slice(s![o * pixels..(o + 1) * pixels]))
                {
                    *d = v;
                }
            }
        }
        if parameters {
            if let Some(bias) = bias.filter(|b| !b.is_frozen()) {
                let (_, grad) = bias.value_and_grad_slices_mut();
                for (gb, dy) in grad
                    .iter_mut()
                    .zip(self.product.as_slice().chunks_exact(batch * pixels))
                {
                    *gb += dy.iter().copied().sum::<F>();
                }
            }
            if !weight.is_frozen() {
                if g.is_depthwise() {
                    self.depthwise_weight_grad(batch, weight.value_and_grad_slices_mut().1);
                } else {
                    self.gemm_weight_grad(weight.value_and_grad_slices_mut().1);
                }
            }
        }
        if !input {
            return Ok(None);
        }
        self.grad_input.resize(batch, g.in_size());
        self.grad_input.as_slice_mut().fill(F::zero());
        if g.is_depthwise() {
            self.depthwise_input_grad(batch, weight.value_slice());
        } else {
            self.gemm_input_grad(batch, weight.value_slice());
        }
        Ok(Some(self.grad_input.view()))
    }

    fn gemm_weight_grad(&mut self, grad_weight: &mut [F]) {
        let g = self.geometry;
        let (k, og) = (g.patch(), g.group_out());
        for group in 0..g.groups {
            let dw = ArrayViewMut2::from_shape(
                (og, k),
                &mut grad_weight[group * og * k..(group + 1) * og * k],
            )
            .expect("weight gradient holds O × patch values");
            let dy = self.product.view();
            let cols = self.cols.view();
            gemm(
                F::one(),
                dy.slice(s![group * og..(group + 1) * og, ..]),
                cols.slice(s![group * k..(group + 1) * k, ..]).t(),
                F::one(),
                dw,
                &mut self.workspace,
            );
        }
    }

    fn gemm_input_grad(&mut self, batch: usize, weight: &[F]) {
        let g = self.geometry;
        let (k, og) = (g.patch(), g.group_out());
        self.grad_cols.resize(g.groups * k, batch * g.out_pixels());
        for group in 0..g.groups {
            let w = ArrayView2::from_shape((og, k), &weight[group * og * k..(group + 1) * og * k])
                .expect("weight holds O × patch values");
            let dy = self.product.view();
            let mut grad_cols = self.grad_cols.view_mut();
            gemm(
                F::one(),
                w.t(),
                dy.slice(s![group * og..(group + 1) * og, ..]),
                F::zero(),
                grad_cols.slice_mut(s![group * k..(group + 1) * k, ..]),
                &mut self.workspace,
            );
        }
        col2im(
            &g,
            self.grad_cols.as_slice(),
            batch,
            self.grad_input.as_slice_mut(),
        );
    }

    fn depthwise_weight_grad(&mut self, batch: usize, grad_weight: &mut [F]) {
        let g = self.geometry;
        let (pixels, hw, m) = (g.out_pixels(), g.in_h * g.in_w, g.group_out());
        let taps = g.kernel_h * g.kernel_w;
        let input = self.cols.as_slice();
        let dy = self.product.as_slice();
        let dw = Shared(grad_weight.as_mut_ptr());
        let work = batch * g.out_size() * taps;
        for_channel_ranges(g.in_channels, work, &|channels| {
            for c in channels {
                for o in c * m..(c + 1) * m {
                    // SAFETY: the taps of output channel o belong to channel c of this part.
                    let grad = unsafe { dw.planes(o * taps, taps) };
                    for n in 0..batch {
                        let image = &input[(n * g.in_channels + c) * hw..][..hw];
                        let d = &dy[(o * batch + n) * pixels..][..pixels];
                        for ki in 0..g.kernel_h {
                            for kj in 0..g.kernel_w {
                                grad[ki * g.kernel_w + kj] += dot_tap(&g, ki, kj, image, d);
                            }
                        }
                    }
                }
            }
        });
    }

    fn depthwise_input_grad(&mut self, batch: usize, weight: &[F]) {
        let g = self.geometry;
        let (pixels, hw, m) = (g.out_pixels(), g.in_h * g.in_w, g.group_out());
        let taps = g.kernel_h * g.kernel_w;
        let dy = self.product.as_slice();
        let dx = Shared(self.grad_input.as_slice_mut().as_mut_ptr());
        let work = batch * g.out_size() * taps;
        for_channel_ranges(g.in_channels, work, &|channels| {
            for c in channels {
                for n in 0..batch {
                    // SAFETY: input plane (n, c) belongs to channel c of this part.
                    let grad_image = unsafe { dx.planes((n * g.in_channels + c) * hw, hw) };
                    for o in c * m..(c + 1) * m {
                        let d = &dy[(o * batch + n) * pixels..][..pixels];
                        for ki in 0..g.kernel_h {
                            for kj in 0..g.kernel_w {
                                let w = weight[o * taps + ki * g.kernel_w + kj];
                                scatter_tap(&g, ki, kj, w, d, grad_image);
                            }
                        }
                    }
                }
            }
        });
    }
}
