//! `nn.BatchNorm2d`: batch normalisation per channel of C × H × W images.

use ndarray::ArrayView2;

use super::lanes;
use super::layer::{check_grad_shape, describe_shape};
use super::wide::wide;
use super::{BatchNorm1d, Layer, Mode, NamedBuffer, Visitor, VisitorMut};
use crate::linalg::Buffer2;
use crate::{Error, Float, Result};

/// `nn.BatchNorm2d` on rows read as `C × H × W` images (or `C × L` sequences): statistics per
/// channel over the batch and every position, running statistics updated in train mode with
/// the unbiased variance, used in eval mode, as PyTorch does.
///
/// Its state lives in a [`BatchNorm1d`] of `C` features (the statistics are those of a
/// BatchNorm1d over `(N·H·W) × C`), so both share their settings, checks, names (`weight`,
/// `bias`, `running_mean`, `running_var`, `num_batches_tracked`) and running-statistics rule;
/// the arithmetic runs on the channel planes in place, without regrouping the rows.
///
/// ```
/// use tuneup::prelude::*;
/// let mut bn = BatchNorm2d::<f64>::new(2)?;
/// // Two 2 × 1 × 2 images; channel 0 holds 0, 2, 4, 6 and channel 1 holds 1s.
/// let x = ndarray::array![[0.0, 2.0, 1.0, 1.0], [4.0, 6.0, 1.0, 1.0]];
/// let y = bn.forward(x.view(), Mode::Train)?.to_owned();
/// assert!((y[[0, 0]] + 3.0 / 5f64.sqrt()).abs() < 1e-5 && y[[1, 3]].abs() < 1e-12);
/// assert!((bn.running_mean().as_slice()[0] - 0.3).abs() < 1e-12);
/// assert_eq!(bn.output_shape(&[2, 1, 2])?, [2, 1, 2]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct BatchNorm2d<F: Float> {
    inner: BatchNorm1d<F>,
    channels: usize,
    normalized: Buffer2<F>,
    inv_std: Vec<F>,
    /// Means (or Σ dy) in the first half, variances (or Σ dy·x̂) in the second.
    sums: Vec<F>,
    output: Buffer2<F>,
    grad_input: Buffer2<F>,
    last_mode: Mode,
}

impl<F: Float> BatchNorm2d<F> {
    /// Batch norm over `channels` with PyTorch's defaults: eps = 1e-5, momentum = 0.1, affine.
    pub fn new(channels: usize) -> Result<Self> {
        Self::with_options(channels, 1e-5, 0.1, true)
    }

    /// Batch norm with explicit `eps` (> 0), `momentum` (in [0, 1]) and affine flag.
    ///
    /// ```
    /// use tuneup::model::BatchNorm2d;
    /// assert!(BatchNorm2d::<f32>::with_options(4, 0.0, 0.1, true).is_err());
    /// assert!(BatchNorm2d::<f32>::with_options(4, 1e-3, 0.01, false).is_ok());
    /// ```
    pub fn with_options(channels: usize, eps: f64, momentum: f64, affine: bool) -> Result<Self> {
        let inner = BatchNorm1d::with_options(channels, eps, momentum, affine).map_err(|e| {
            Error::config(
                "BatchNorm2d",
                format!("num_features {channels}, eps {eps}, momentum {momentum}"),
                e,
            )
        })?;
        Ok(BatchNorm2d {
            inner,
            channels,
            normalized: Buffer2::default(),
            inv_std: vec![F::zero(); channels],
            sums: vec![F::zero(); 2 * channels],
            output: Buffer2::default(),
            grad_input: Buffer2::default(),
            last_mode: Mode::Eval,
        })
    }

    /// The running mean buffer.
    pub fn running_mean(&self) -> &NamedBuffer<F> {
        self.inner.running_mean()
    }

    /// The running (unbiased) variance buffer.
    pub fn running_var(&self) -> &NamedBuffer<F> {
        self.inner.running_var()
    }

    /// How many train-mode batches have updated the running statistics.
    pub fn num_batches_tracked(&self) -> u64 {
        self.inner.num_batches_tracked()
    }

    fn check_input(&self, input: &ArrayView2<'_, F>, mode: Mode) -> Result<()> {
        let (n, width) = input.dim();
        if width == 0 || width % self.channels != 0 || n == 0 {
            return Err(Error::shape(
                self.describe(),
                format!(
                    "at least one row of a multiple of {} columns",
                    self.channels
                ),
                format!("{n} × {width}"),
            ));
        }
        if mode == Mode::Train && n * (width / self.channels) < 2 {
            return Err(Error::shape(
                self.describe(),
                "more than 1 value per channel in train mode",
                "a batch of one 1 × 1 image",
            ));
        }
        Ok(())
    }

    /// Per-channel batch mean (into `sums`) and `inv_std` of a train batch; updates the
    /// running statistics by [`BatchNorm1d`]'s rule.
    fn batch_statistics(&mut self, x: &[F], spatial: usize) {
        let c = self.channels;
        let count = x.len() / c;
        let m = F::from_count(count);
        let (mean, var) = self.sums.split_at_mut(c);
        mean.fill(F::zero());
        var.fill(F::zero());
        wide(|| {
            for row in x.chunks_exact(c * spatial) {
                for (mu, plane) in mean.iter_mut().zip(row.chunks_exact(spatial)) {
                    *mu += lanes::sum(plane);
                }
            }
        });
        mean.iter_mut().for_each(|v| *v /= m);
        wide(|| {
            for row in x.chunks_exact(c * spatial) {
                for ((v, &mu), plane) in var
                    .iter_mut()
                    .zip(mean.iter())
                    .zip(row.chunks_exact(spatial))
                {
                    *v += lanes::squared_deviation(plane, mu);
                }
            }
        });
        let state = self.inner.state_mut();
        let eps = F::cast(state.eps);
        let momentum = F::cast(state.momentum);
        let keep = F::one() - momentum;
        let unbias = m / F::from_count(count - 1);
        let rm = state.running_mean.as_slice_mut();
        let rv = state.running_var.as_slice_mut();
        for ch in 0..c {
            let biased = var[ch] / m;
            self.inv_std[ch] = F::one() / (biased + eps).sqrt();
            rm[ch] = keep * rm[ch] + momentum * mean[ch];
            rv[ch] = keep * rv[ch] + momentum * biased * unbias;
        }
        state.num_batches_tracked.increment();
    }

    /// The running mean (into `sums`) and `inv_std` for eval mode.
    fn running_statistics(&mut self) {
        let state = self.inner.state_mut();
        let eps = F::cast(state.eps);
        self.sums[..self.channels].copy_from_slice(state.running_mean.as_slice());
        for (inv, &v) in self.inv_std.iter_mut().zip(state.running_var.as_slice()) {
            *inv = F::one() / (v + eps).sqrt();
        }
    }

    /// `x̂ = (x − mean)·inv_std` and `y = γ x̂ + β`, plane by plane.
    fn normalize(&mut self, x: &[F], n: usize, width: usize) {
        let spatial = width / self.channels;
        self.normalized.resize(n, width);
        self.output.resize(n, width);
        let state = self.inner.state_mut();
        let gamma = state.weight.map(|w| w.value_slice());
        let beta = state.bias.map(|b| b.value_slice());
        let mean = &self.sums[..self.channels];
        let rows = self
            .normalized
            .as_slice_mut()
            .chunks_exact_mut(width)
            .zip(self.output.as_slice_mut().chunks_exact_mut(width))
            .zip(x.chunks_exact(width));
        wide(|| {
            for ((xh_row, y_row), x_row) in rows {
                let planes = xh_row
                    .chunks_exact_mut(spatial)
                    .zip(y_row.chunks_exact_mut(spatial))
                    .zip(x_row.chunks_exact(spatial));
                for (ch, ((xh, y), x)) in planes.enumerate() {
                    let (mu, inv) = (mean[ch], self.inv_std[ch]);
                    let g = gamma.map_or(F::one(), |w| w[ch]);
                    let b = beta.map_or(F::zero(), |b| b[ch]);
                    for ((h, o), &v) in xh.iter_mut().zip(y.iter_mut()).zip(x) {
                        *h = (v - mu) * inv;
                        *o = *h * g + b;
                    }
                }
            }
        });
    }

    /// Back-propagates, adding parameter gradients only when `parameters` is set.
    fn backward_with<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
        parameters: bool,
    ) -> Result<ArrayView2<'a, F>> {
        check_grad_shape(&|| self.describe(), &grad_output, self.output.dim())?;
        let c = self.channels;
        let (n, width) = grad_output.dim();
        let spatial = width / c;
        let dy = grad_output.as_standard_layout();
        let dy = dy.as_slice().expect("standard layout");
        let xh = self.normalized.as_slice();
        let (sum_dy, sum_dy_xh) = self.sums.split_at_mut(c);
        sum_dy.fill(F::zero());
        sum_dy_xh.fill(F::zero());
        wide(|| {
            for (d_row, x_row) in dy.chunks_exact(width).zip(xh.chunks_exact(width)) {
                let planes = d_row.chunks_exact(spatial).zip(x_row.chunks_exact(spatial));
                for (ch, (d, x)) in planes.enumerate() {
                    sum_dy[ch] += lanes::sum(d);
                    sum_dy_xh[ch] += lanes::dot(d, x);
                }
            }
        });
        let state = self.inner.state_mut();
        if parameters {
            if let Some(w) = state.weight.filter(|w| !w.is_frozen()) {
                let (_, g) = w.value_and_grad_slices_mut();
                g.iter_mut()
                    .zip(sum_dy_xh.iter())
                    .for_each(|(g, &s)| *g += s);
            }
            if let Some(b) = state.bias.filter(|b| !b.is_frozen()) {
                let (_, g) = b.value_and_grad_slices_mut();
                g.iter_mut().zip(sum_dy.iter()).for_each(|(g, &s)| *g += s);
            }
        }
        let gamma = self.inner.state_mut().weight.map(|w| w.value_slice());
        let m = F::from_count(n * spatial);
        let train = self.last_mode == Mode::Train;
        self.grad_input.resize(n, width);
        let rows = self
            .grad_input
            .as_slice_mut()
            .chunks_exact_mut(width)
            .zip(dy.chunks_exact(width))
            .zip(xh.chunks_exact(width));
        wide(|| {
            for ((g_row, d_row), x_row) in rows {
                let planes = g_row
                    .chunks_exact_mut(spatial)
                    .zip(d_row.chunks_exact(spatial))
                    .zip(x_row.chunks_exact(spatial));
                for (ch, ((g, d), x)) in planes.enumerate() {
                    let scale = gamma.map_or(F::one(), |w| w[ch]) * self.inv_std[ch];
                    if train {
                        let (mean_dy, mean_dy_xh) = (sum_dy[ch] / m, sum_dy_xh[ch] / m);
                        for ((g, &d), &x) in g.iter_mut().zip(d).zip(x) {
                            *g = scale * (d - mean_dy - x * mean_dy_xh);
                        }
                    } else {
                        for (g, &d) in g.iter_mut().zip(d) {
                            *g = scale * d;
                        }
                    }
                }
            }
        });
        Ok(self.grad_input.view())
    }
}

impl<F: Float> Layer<F> for BatchNorm2d<F> {
    fn describe(&self) -> String {
        format!("BatchNorm2d({})", self.channels)
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        if input.len() < 2 || input[0] != self.channels {
            return Err(Error::shape(
                self.describe(),
                format!("input of shape {} × H × W", self.channels),
                describe_shape(input),
            ));
        }
        Ok(input.to_vec())
    }

    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        self.check_input(&input, mode)?;
        self.last_mode = mode;
        let (n, width) = input.dim();
        let x = input.as_standard_layout();
        let x = x.as_slice().expect("standard layout");
        if mode == Mode::Train {
            self.batch_statistics(x, width / self.channels);
        } else {
            self.running_statistics();
        }
        self.normalize(x, n, width);
        Ok(self.output.view())
    }

    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>> {
        self.backward_with(grad_output, true)
    }

    fn backward_input<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
    ) -> Result<ArrayView2<'a, F>> {
        self.backward_with(grad_output, false)
    }

    fn visit(&self, visitor: &mut dyn Visitor<F>) {
        self.inner.visit(visitor);
    }

    fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<F>) {
        self.inner.visit_mut(visitor);
    }
}
