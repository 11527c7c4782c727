//! The computation shared by `Conv1d` and `Conv2d`: per sample and group one matrix product
//! over im2col columns through the crate's GEMM (a pointwise 1 × 1 convolution multiplies the
//! image itself, with no unfolding), and a direct kernel for depthwise convolutions, whose
//! per-group products would be too thin for a GEMM (in `f32` with AVX-512 or AVX2, the
//! kernels of `depthwise_direct.rs`).
//!
//! Work is cut into fixed chunks of [`CHUNK`] samples, whatever the thread count: large
//! batches share the chunks among the pool's threads, and the weight gradient is summed chunk
//! by chunk in chunk order, so results are bit-identical for every thread count.

use std::ops::Range;

use ndarray::{ArrayView2, ArrayViewMut2};

use super::conv_geometry::ConvGeometry;
use super::depthwise_direct::{as_f32, as_f32_mut, DepthwisePlan};
use super::im2col::{accumulate_tap, axpy_tap, col2im, dot_tap, im2col, scatter_tap};
use super::lanes;
use super::layer::check_grad_shape;
use super::wide::wide;
use super::Parameter;
use crate::linalg::{gemm, product_threads, run_parts, Buffer2, GemmWorkspace};
use crate::{Float, Result};

/// Work (multiply-adds) below which one thread does it all.
const PARALLEL_WORK: usize = 1 << 20;
/// Samples per chunk of work.
const CHUNK: usize = 8;
/// Widest output row whose depthwise weight-gradient terms are summed column by column.
const ROW_ACCUMULATOR: usize = 512;

/// Per-thread scratch space: GEMM packing and one sample's column gradient.
#[derive(Debug, Clone, Default)]
struct Scratch<F> {
    workspace: GemmWorkspace<F>,
    grad_cols: Vec<F>,
    /// The spread output-gradient plane of the depthwise fast path (zeros kept between).
    spread: Vec<F>,
}

/// Buffers and geometry of one convolution layer.
#[derive(Debug, Clone)]
pub(crate) struct ConvCore<F> {
    pub geometry: ConvGeometry,
    /// Per sample, the im2col columns `(C·kH·kW) × (OH·OW)` of the last input, or the input
    /// itself (pointwise and depthwise convolutions).
    cols: Buffer2<F>,
    output: Buffer2<F>,
    grad_input: Buffer2<F>,
    /// One weight gradient per chunk of samples.
    partials: Vec<F>,
    scratch: Vec<Scratch<F>>,
    /// The depthwise fast path, when this type, processor and geometry have one.
    plan: Option<DepthwisePlan>,
    /// Per sample and channel, the zero-padded input plane of the fast path.
    padded: Vec<F>,
}

/// A pointer shared by the threads of a pass, each touching its own part of the buffer.
#[derive(Clone, Copy)]
struct Shared<T>(*mut T);
// SAFETY: every part reads and writes only its own samples, channels or chunks (see `slice`).
unsafe impl<T> Send for Shared<T> {}
unsafe impl<T> Sync for Shared<T> {}

impl<T> Shared<T> {
    fn of(values: &mut [T]) -> Self {
        Shared(values.as_mut_ptr())
    }

    /// The `len` values from `offset`.
    ///
    /// # Safety
    /// The range must lie inside the buffer and no other thread may use it meanwhile.
    #[allow(clippy::mut_from_ref)]
    unsafe fn slice(&self, offset: usize, len: usize) -> &mut [T] {
        unsafe { std::slice::from_raw_parts_mut(self.0.add(offset), len) }
    }
}

/// How many parts to cut `items` into for `work` multiply-adds.
fn parts_for(items: usize, work: usize) -> (usize, usize) {
    let threads = if work >= PARALLEL_WORK {
        product_threads().min(items).max(1)
    } else {
        1
    };
    let per = items.div_ceil(threads).max(1);
    (items.div_ceil(per), per)
}

/// Runs `job(items)` over contiguous ranges of `0..items`, on the pool when `work` is large.
fn for_ranges(items: usize, work: usize, job: &(dyn Fn(Range<usize>) + Sync)) {
    let (parts, per) = parts_for(items, work);
    run_parts(parts, &|p| job(p * per..((p + 1) * per).min(items)));
}

/// Like [`for_ranges`] over chunks of samples, each part with its own scratch space.
fn for_chunks<F: Float>(
    scratch: &mut Vec<Scratch<F>>,
    chunks: usize,
    work: usize,
    job: &(dyn Fn(Range<usize>, &mut Scratch<F>) + Sync),
) {
    let (parts, per) = parts_for(chunks, work);
    if scratch.len() < parts {
        scratch.resize_with(parts, Scratch::default);
    }
    let spaces = Shared::of(scratch);
    run_parts(parts, &|p| {
        // SAFETY: part p alone uses scratch space p.
        let space = unsafe { &mut spaces.slice(p, 1)[0] };
        job(p * per..((p + 1) * per).min(chunks), space);
    });
}

/// The samples of chunks `chunks` in a batch of `batch`.
fn samples(chunks: Range<usize>, batch: usize) -> Range<usize> {
    chunks.start * CHUNK..(chunks.end * CHUNK).min(batch)
}

impl ConvGeometry {
    /// A 1 × 1 kernel with stride 1 and no padding: the columns are the image itself.
    fn is_pointwise(&self) -> bool {
        self.kernel_h == 1
            && self.kernel_w == 1
            && self.stride_h == 1
            && self.stride_w == 1
            && self.pad_top == 0
            && self.pad_left == 0
            && self.out_h == self.in_h
            && self.out_w == self.in_w
    }

    /// Values of one sample's columns.
    fn cols_len(&self) -> usize {
        if self.is_pointwise() || self.is_depthwise() {
            self.in_size()
        } else {
            self.groups * self.patch() * self.out_pixels()
        }
    }

    /// Multiply-adds of one sample's forward pass.
    fn work(&self) -> usize {
        self.out_size() * self.patch()
    }
}

/// Group `g`'s `rows × cols` block of a row-major `(groups·rows) × cols` matrix.
fn block<F>(values: &[F], g: usize, rows: usize, cols: usize) -> ArrayView2<'_, F> {
    ArrayView2::from_shape(
        (rows, cols),
        &values[g * rows * cols..(g + 1) * rows * cols],
    )
    .expect("block inside the matrix")
}

/// The mutable counterpart of [`block`].
fn block_mut<F>(values: &mut [F], g: usize, rows: usize, cols: usize) -> ArrayViewMut2<'_, F> {
    ArrayViewMut2::from_shape(
        (rows, cols),
        &mut values[g * rows * cols..(g + 1) * rows * cols],
    )
    .expect("block inside the matrix")
}

impl<F: Float> ConvCore<F> {
    pub(crate) fn new(geometry: ConvGeometry) -> Self {
        ConvCore {
            geometry,
            cols: Buffer2::default(),
            output: Buffer2::default(),
            grad_input: Buffer2::default(),
            partials: Vec::new(),
            scratch: Vec::new(),
            plan: DepthwisePlan::new::<F>(&geometry),
            padded: Vec::new(),
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
        let x = input.as_standard_layout();
        let x = x.as_slice().expect("standard layout");
        if let Some(plan) = self.plan {
            self.fast_depthwise_forward(&plan, x, batch, weight, bias);
            return self.output.view();
        }
        self.cols.resize(batch, g.cols_len());
        if g.is_depthwise() {
            self.cols.as_slice_mut().copy_from_slice(x);
            self.depthwise_forward(batch, weight, bias);
        } else {
            self.gemm_forward(x, batch, weight, bias);
        }
        self.output.view()
    }

    fn gemm_forward(&mut self, x: &[F], batch: usize, weight: &[F], bias: Option<&[F]>) {
        let g = self.geometry;
        let (pixels, k, og, cols_len) = (g.out_pixels(), g.patch(), g.group_out(), g.cols_len());
        let cols = Shared::of(self.cols.as_slice_mut());
        let out = Shared::of(self.output.as_slice_mut());
        let job = |chunks: Range<usize>, space: &mut Scratch<F>| {
            wide(|| {
                for n in samples(chunks, batch) {
                    // SAFETY: sample n's columns and output row belong to this part alone.
                    let (col, y) = unsafe {
                        (
                            cols.slice(n * cols_len, cols_len),
                            out.slice(n * g.out_size(), g.out_size()),
                        )
                    };
                    let image = &x[n * g.in_size()..(n + 1) * g.in_size()];
                    if g.is_pointwise() {
                        col.copy_from_slice(image);
                    } else {
                        im2col(&g, image, 1, col);
                    }
                    for group in 0..g.groups {
                        gemm(
                            F::one(),
                            block(weight, group, og, k),
                            block(col, group, k, pixels),
                            F::zero(),
                            block_mut(y, group, og, pixels),
                            &mut space.workspace,
                        );
                    }
                    if let Some(b) = bias {
                        for (plane, &bo) in y.chunks_exact_mut(pixels).zip(b) {
                            plane.iter_mut().for_each(|v| *v += bo);
                        }
                    }
                }
            })
        };
        let chunks = batch.div_ceil(CHUNK);
        for_chunks(&mut self.scratch, chunks, batch * g.work(), &job);
    }

    fn depthwise_forward(&mut self, batch: usize, weight: &[F], bias: Option<&[F]>) {
        let g = self.geometry;
        let (pixels, hw, m) = (g.out_pixels(), g.in_h * g.in_w, g.group_out());
        let taps = g.kernel_h * g.kernel_w;
        let out = Shared::of(self.output.as_slice_mut());
        let input = self.cols.as_slice();
        for_ranges(g.in_channels, batch * g.work(), &|channels| {
            wide(|| {
                for c in channels {
                    for n in 0..batch {
                        let image = &input[(n * g.in_channels + c) * hw..][..hw];
                        for o in c * m..(c + 1) * m {
                            // SAFETY: output plane (n, o) belongs to channel c of this part.
                            let plane =
                                unsafe { out.slice((n * g.out_channels + o) * pixels, pixels) };
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
            })
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
        let dy = grad_output.as_standard_layout();
        let dy = dy.as_slice().expect("standard layout");
        if parameters {
            if let Some(bias) = bias.filter(|b| !b.is_frozen()) {
                let (_, grad) = bias.value_and_grad_slices_mut();
                for row in dy.chunks_exact(g.out_size()) {
                    for (gb, plane) in grad.iter_mut().zip(row.chunks_exact(g.out_pixels())) {
                        *gb += lanes::sum(plane);
                    }
                }
            }
            if !weight.is_frozen() {
                let grad = weight.value_and_grad_slices_mut().1;
                if let Some(plan) = self.plan {
                    self.fast_depthwise_weight_grad(&plan, dy, batch, grad);
                } else if g.is_depthwise() {
                    self.depthwise_weight_grad(dy, batch, grad);
                } else {
                    self.gemm_weight_grad(dy, batch, grad);
                }
            }
        }
        if !input {
            return Ok(None);
        }
        self.grad_input.resize(batch, g.in_size());
        if let Some(plan) = self.plan {
            self.fast_depthwise_input_grad(&plan, dy, batch, weight.value_slice());
        } else if g.is_depthwise() {
            self.depthwise_input_grad(dy, batch, weight.value_slice());
        } else {
            self.gemm_input_grad(dy, batch, weight.value_slice());
        }
        Ok(Some(self.grad_input.view()))
    }

    /// Per chunk, `Σ_n dY_n · cols_nᵀ` into its partial; then the partials in chunk order.
    fn gemm_weight_grad(&mut self, dy: &[F], batch: usize, grad_weight: &mut [F]) {
        let g = self.geometry;
        let (pixels, k, og, cols_len) = (g.out_pixels(), g.patch(), g.group_out(), g.cols_len());
        let wlen = grad_weight.len();
        let chunks = batch.div_ceil(CHUNK);
        if self.partials.len() < chunks * wlen {
            self.partials.resize(chunks * wlen, F::zero());
        }
        let partials = Shared::of(&mut self.partials);
        let cols = self.cols.as_slice();
        let job = |range: Range<usize>, space: &mut Scratch<F>| {
            for chunk in range {
                // SAFETY: chunk `chunk`'s partial belongs to this part alone.
                let partial = unsafe { partials.slice(chunk * wlen, wlen) };
                for (i, n) in samples(chunk..chunk + 1, batch).enumerate() {
                    let col = &cols[n * cols_len..(n + 1) * cols_len];
                    let d = &dy[n * g.out_size()..(n + 1) * g.out_size()];
                    for group in 0..g.groups {
                        gemm(
                            F::one(),
                            block(d, group, og, pixels),
                            block(col, group, k, pixels).t(),
                            if i == 0 { F::zero() } else { F::one() },
                            block_mut(partial, group, og, k),
                            &mut space.workspace,
                        );
                    }
                }
            }
        };
        for_chunks(&mut self.scratch, chunks, batch * g.work(), &job);
        for partial in self.partials[..chunks * wlen].chunks_exact(wlen) {
            grad_weight
                .iter_mut()
                .zip(partial)
                .for_each(|(g, &p)| *g += p);
        }
    }

    /// Per sample, `Wᵀ · dY_n` (into the input gradient directly for a pointwise kernel,
    /// else folded back by col2im).
    fn gemm_input_grad(&mut self, dy: &[F], batch: usize, weight: &[F]) {
        let g = self.geometry;
        let (pixels, k, og, cols_len) = (g.out_pixels(), g.patch(), g.group_out(), g.cols_len());
        let dx = Shared::of(self.grad_input.as_slice_mut());
        let job = |range: Range<usize>, space: &mut Scratch<F>| {
            if space.grad_cols.len() < cols_len {
                space.grad_cols.resize(cols_len, F::zero());
            }
            wide(|| {
                for n in samples(range, batch) {
                    let d = &dy[n * g.out_size()..(n + 1) * g.out_size()];
                    // SAFETY: sample n's input gradient belongs to this part alone.
                    let dx_n = unsafe { dx.slice(n * g.in_size(), g.in_size()) };
                    let target = if g.is_pointwise() {
                        &mut *dx_n
                    } else {
                        &mut space.grad_cols[..cols_len]
                    };
                    for group in 0..g.groups {
                        gemm(
                            F::one(),
                            block(weight, group, og, k).t(),
                            block(d, group, og, pixels),
                            F::zero(),
                            block_mut(target, group, k, pixels),
                            &mut space.workspace,
                        );
                    }
                    if !g.is_pointwise() {
                        dx_n.fill(F::zero());
                        col2im(&g, &space.grad_cols[..cols_len], 1, dx_n);
                    }
                }
            })
        };
        let chunks = batch.div_ceil(CHUNK);
        for_chunks(&mut self.scratch, chunks, batch * g.work(), &job);
    }

    fn depthwise_weight_grad(&mut self, dy: &[F], batch: usize, grad_weight: &mut [F]) {
        let g = self.geometry;
        let (pixels, hw, m) = (g.out_pixels(), g.in_h * g.in_w, g.group_out());
        let taps = g.kernel_h * g.kernel_w;
        let input = self.cols.as_slice();
        let dw = Shared::of(grad_weight);
        for_ranges(g.in_channels, batch * g.work(), &|channels| {
            wide(|| {
                for c in channels {
                    for o in c * m..(c + 1) * m {
                        // SAFETY: the taps of output channel o belong to channel c of this part.
                        let grad = unsafe { dw.slice(o * taps, taps) };
                        if g.out_w <= ROW_ACCUMULATOR {
                            let mut acc = [F::zero(); ROW_ACCUMULATOR];
                            let acc = &mut acc[..g.out_w];
                            for ki in 0..g.kernel_h {
                                for kj in 0..g.kernel_w {
                                    acc.fill(F::zero());
                                    for n in 0..batch {
                                        let image = &input[(n * g.in_channels + c) * hw..][..hw];
                                        let d = &dy[(n * g.out_channels + o) * pixels..][..pixels];
                                        accumulate_tap(&g, ki, kj, image, d, acc);
                                    }
                                    grad[ki * g.kernel_w + kj] += lanes::sum(acc);
                                }
                            }
                            continue;
                        }
                        for n in 0..batch {
                            let image = &input[(n * g.in_channels + c) * hw..][..hw];
                            let d = &dy[(n * g.out_channels + o) * pixels..][..pixels];
                            for ki in 0..g.kernel_h {
                                for kj in 0..g.kernel_w {
                                    grad[ki * g.kernel_w + kj] += dot_tap(&g, ki, kj, image, d);
                                }
                            }
                        }
                    }
                }
            })
        });
    }

    fn depthwise_input_grad(&mut self, dy: &[F], batch: usize, weight: &[F]) {
        let g = self.geometry;
        let (pixels, hw, m) = (g.out_pixels(), g.in_h * g.in_w, g.group_out());
        let taps = g.kernel_h * g.kernel_w;
        let dx = Shared::of(self.grad_input.as_slice_mut());
        for_ranges(g.in_channels, batch * g.work(), &|channels| {
            wide(|| {
                for c in channels {
                    for n in 0..batch {
                        // SAFETY: input plane (n, c) belongs to channel c of this part.
                        let grad_image = unsafe { dx.slice((n * g.in_channels + c) * hw, hw) };
                        grad_image.fill(F::zero());
                        for o in c * m..(c + 1) * m {
                            let d = &dy[(n * g.out_channels + o) * pixels..][..pixels];
                            for ki in 0..g.kernel_h {
                                for kj in 0..g.kernel_w {
                                    let w = weight[o * taps + ki * g.kernel_w + kj];
                                    scatter_tap(&g, ki, kj, w, d, grad_image);
                                }
                            }
                        }
                    }
                }
            })
        });
    }

    /// The fast path's forward pass: each input plane padded into `padded`, then correlated.
    fn fast_depthwise_forward(
        &mut self,
        plan: &DepthwisePlan,
        x: &[F],
        batch: usize,
        weight: &[F],
        bias: Option<&[F]>,
    ) {
        let g = self.geometry;
        let (hw, pixels, len) = (g.in_h * g.in_w, g.out_pixels(), plan.padded_len());
        let planes = batch * g.in_channels;
        if self.padded.len() < planes * len {
            // Padding positions are never written, so the zeros of every plane stay.
            self.padded.resize(planes * len, F::zero());
        }
        let (x, weight) = (f32s(x), f32s(weight));
        let bias = bias.map(f32s);
        let taps = g.kernel_h * g.kernel_w;
        let padded = Shared::of(f32s_mut(&mut self.padded));
        let out = Shared::of(f32s_mut(self.output.as_slice_mut()));
        // Planes in memory order (sample-major) within each part's channels, so each part
        // streams through contiguous runs of planes.
        for_ranges(g.in_channels, batch * g.work(), &|channels| {
            for n in 0..batch {
                for c in channels.clone() {
                    let w = &weight[c * taps..(c + 1) * taps];
                    let b = bias.map_or(0.0, |b| b[c]);
                    let plane = n * g.in_channels + c;
                    // SAFETY: plane (n, c) of `padded` and of the output belong to channel c
                    // of this part alone.
                    let (p, y) = unsafe {
                        (
                            padded.slice(plane * len, len),
                            out.slice(plane * pixels, pixels),
                        )
                    };
                    plan.forward_plane(&x[plane * hw..(plane + 1) * hw], p, w, b, y);
                }
            }
        });
    }

    /// The fast path's weight gradient: per channel, the tap sums over every sample in order.
    fn fast_depthwise_weight_grad(
        &mut self,
        plan: &DepthwisePlan,
        dy: &[F],
        batch: usize,
        grad_weight: &mut [F],
    ) {
        let g = self.geometry;
        let (pixels, len, taps) = (g.out_pixels(), plan.padded_len(), g.kernel_h * g.kernel_w);
        self.partials.clear();
        self.partials.resize(grad_weight.len(), F::zero());
        let sums = Shared::of(f32s_mut(&mut self.partials));
        let (dy, padded) = (f32s(dy), f32s(&self.padded));
        for_ranges(g.in_channels, batch * g.work(), &|channels| {
            // SAFETY: the taps of these channels belong to this part alone.
            let sums = unsafe { sums.slice(channels.start * taps, channels.len() * taps) };
            for n in 0..batch {
                for (c, s) in channels.clone().zip(sums.chunks_exact_mut(taps)) {
                    let plane = n * g.in_channels + c;
                    let d = &dy[plane * pixels..(plane + 1) * pixels];
                    plan.weight_grad_plane(&padded[plane * len..(plane + 1) * len], d, s);
                }
            }
        });
        let sums = &self.partials[..grad_weight.len()];
        grad_weight.iter_mut().zip(sums).for_each(|(g, &s)| *g += s);
    }

    /// The fast path's input gradient: per plane, the output gradient spread into the part's
    /// scratch plane and correlated with the flipped kernel.
    fn fast_depthwise_input_grad(
        &mut self,
        plan: &DepthwisePlan,
        dy: &[F],
        batch: usize,
        weight: &[F],
    ) {
        let g = self.geometry;
        let (hw, pixels, taps) = (g.in_h * g.in_w, g.out_pixels(), g.kernel_h * g.kernel_w);
        let (dy, weight) = (f32s(dy), f32s(weight));
        let dx = Shared::of(f32s_mut(self.grad_input.as_slice_mut()));
        let job = |channels: Range<usize>, space: &mut Scratch<F>| {
            if space.spread.len() < plan.spread_len() {
                space.spread.resize(plan.spread_len(), F::zero());
            }
            let spread = f32s_mut(&mut space.spread[..plan.spread_len()]);
            for n in 0..batch {
                for c in channels.clone() {
                    let w = &weight[c * taps..(c + 1) * taps];
                    let plane = n * g.in_channels + c;
                    // SAFETY: input plane (n, c) belongs to channel c of this part alone.
                    let dx_plane = unsafe { dx.slice(plane * hw, hw) };
                    let d = &dy[plane * pixels..(plane + 1) * pixels];
                    plan.input_grad_plane(d, w, spread, dx_plane);
                }
            }
        };
        for_chunks(&mut self.scratch, g.in_channels, batch * g.work(), &job);
    }
}

/// `values` as `f32`: only called on the depthwise fast path, whose plan exists for `f32` alone.
fn f32s<F: Float>(values: &[F]) -> &[f32] {
    as_f32(values).expect("the depthwise fast path runs on f32")
}

/// The mutable counterpart of [`f32s`].
fn f32s_mut<F: Float>(values: &mut [F]) -> &mut [f32] {
    as_f32_mut(values).expect("the depthwise fast path runs on f32")
}
