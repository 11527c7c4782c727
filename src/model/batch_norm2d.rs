//! `nn.BatchNorm2d`: batch normalisation per channel of C × H × W images.

use ndarray::ArrayView2;

use super::layer::{check_grad_shape, describe_shape};
use super::{BatchNorm1d, Layer, Mode, NamedBuffer, Visitor, VisitorMut};
use crate::linalg::Buffer2;
use crate::{Error, Float, Result};

/// `nn.BatchNorm2d` on rows read as `C × H × W` images (or `C × L` sequences): statistics per
/// channel over the batch and every position, running statistics updated in train mode with
/// the unbiased variance, used in eval mode, as PyTorch does.
///
/// It *is* a [`BatchNorm1d`] over `(N·H·W) × C`: the rows are regrouped channel-last, the
/// dense layer normalises them and the result is regrouped back, so both share one
/// implementation, one set of names (`weight`, `bias`, `running_mean`, `running_var`,
/// `num_batches_tracked`) and one behaviour.
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
    channel_last: Buffer2<F>,
    output: Buffer2<F>,
    grad_input: Buffer2<F>,
}

/// `dst[n·S + s, c] = src[n, c·S + s]`.
fn to_channel_last<F: Float>(src: ArrayView2<'_, F>, channels: usize, dst: &mut Buffer2<F>) {
    let (batch, width) = src.dim();
    let spatial = width / channels;
    dst.resize(batch * spatial, channels);
    let out = dst.as_slice_mut();
    for (n, row) in src.rows().into_iter().enumerate() {
        for (i, &v) in row.iter().enumerate() {
            let (c, s) = (i / spatial, i % spatial);
            out[(n * spatial + s) * channels + c] = v;
        }
    }
}

/// The inverse of [`to_channel_last`].
fn to_channel_first<F: Float>(src: ArrayView2<'_, F>, batch: usize, dst: &mut Buffer2<F>) {
    let (rows, channels) = src.dim();
    let spatial = rows / batch.max(1);
    dst.resize(batch, channels * spatial);
    let out = dst.as_slice_mut();
    for (r, row) in src.rows().into_iter().enumerate() {
        let (n, s) = (r / spatial, r % spatial);
        for (c, &v) in row.iter().enumerate() {
            out[n * channels * spatial + c * spatial + s] = v;
        }
    }
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
            channel_last: Buffer2::default(),
            output: Buffer2::default(),
            grad_input: Buffer2::default(),
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

    fn backward_with<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
        parameters: bool,
    ) -> Result<ArrayView2<'a, F>> {
        check_grad_shape(&|| self.describe(), &grad_output, self.output.dim())?;
        let batch = grad_output.nrows();
        to_channel_last(grad_output, self.channels, &mut self.channel_last);
        let grad = if parameters {
            self.inner.backward(self.channel_last.view())
        } else {
            self.inner.backward_input(self.channel_last.view())
        };
        let grad = grad.map_err(|e| e.within(format!("BatchNorm2d({})", self.channels)))?;
        to_channel_first(grad, batch, &mut self.grad_input);
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
        let batch = input.nrows();
        to_channel_last(input, self.channels, &mut self.channel_last);
        let out = self
            .inner
            .forward(self.channel_last.view(), mode)
            .map_err(|e| e.within(format!("BatchNorm2d({})", self.channels)))?;
        to_channel_first(out, batch, &mut self.output);
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
