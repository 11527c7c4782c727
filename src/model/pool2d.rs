//! `nn.MaxPool2d` and `nn.AvgPool2d` on batch-major rows read as C × H × W images.

use ndarray::ArrayView2;

use super::conv_geometry::check_image_shape;
use super::layer::{check_grad_shape, check_width};
use super::pool_windows::Windows;
use super::{Layer, Mode};
use crate::linalg::Buffer2;
use crate::{Float, Result};

/// The settings of a pooling layer, with PyTorch's defaults: stride = kernel size, no
/// padding (at most half the kernel, padded positions never win a max nor, with
/// `count_include_pad(false)`, count in an average), floor rounding of the output size.
///
/// ```
/// use tuneup::model::Pool2dConfig;
/// let pool = Pool2dConfig::new((2, 2)).max::<f32>([3, 8, 8])?;
/// assert_eq!(tuneup::model::Layer::output_shape(&pool, &[3, 8, 8])?, [3, 4, 4]);
/// assert!(Pool2dConfig::new((2, 2)).padding((2, 0)).max::<f32>([3, 8, 8]).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pool2dConfig {
    kernel: (usize, usize),
    stride: Option<(usize, usize)>,
    padding: (usize, usize),
    count_include_pad: bool,
}

impl Pool2dConfig {
    /// Windows of `kernel_size = (kH, kW)`.
    pub fn new(kernel_size: (usize, usize)) -> Self {
        Pool2dConfig {
            kernel: kernel_size,
            stride: None,
            padding: (0, 0),
            count_include_pad: true,
        }
    }

    /// Step between windows; default the kernel size.
    pub fn stride(mut self, stride: (usize, usize)) -> Self {
        self.stride = Some(stride);
        self
    }

    /// Implicit padding (rows, columns) on both sides; default none.
    pub fn padding(mut self, padding: (usize, usize)) -> Self {
        self.padding = padding;
        self
    }

    /// Average pooling only: whether padded zeros count in the divisor (PyTorch's default,
    /// true) or only the positions inside the image do.
    pub fn count_include_pad(mut self, include: bool) -> Self {
        self.count_include_pad = include;
        self
    }

    fn windows(&self, layer: &str, input: [usize; 3]) -> Result<Windows> {
        let stride = self.stride.unwrap_or(self.kernel);
        Windows::sliding(layer, input, self.kernel, stride, self.padding)
    }

    /// A max-pooling layer for `[C, H, W]` images.
    pub fn max<F: Float>(&self, input: [usize; 3]) -> Result<MaxPool2d<F>> {
        Ok(MaxPool2d {
            config: *self,
            windows: self.windows("MaxPool2d", input)?,
            argmax: Vec::new(),
            output: Buffer2::default(),
            grad_input: Buffer2::default(),
        })
    }

    /// An average-pooling layer for `[C, H, W]` images.
    pub fn avg<F: Float>(&self, input: [usize; 3]) -> Result<AvgPool2d<F>> {
        Ok(AvgPool2d {
            config: *self,
            windows: self.windows("AvgPool2d", input)?,
            output: Buffer2::default(),
            grad_input: Buffer2::default(),
        })
    }

    fn describe(&self, name: &str) -> String {
        let (kh, kw) = self.kernel;
        let mut text = format!("{name}({kh}×{kw}");
        if let Some(s) = self.stride.filter(|&s| s != self.kernel) {
            text += &format!(", stride {s:?}");
        }
        if self.padding != (0, 0) {
            text += &format!(", padding {:?}", self.padding);
        }
        text + ")"
    }
}

/// `nn.MaxPool2d`: the maximum of each window, per channel. The gradient goes to the first
/// maximum of each window in row-major order, as PyTorch's CPU kernel sends it.
///
/// ```
/// use tuneup::prelude::*;
/// let mut pool = Pool2dConfig::new((2, 2)).max::<f64>([1, 2, 2])?;
/// let x = ndarray::array![[1.0, 3.0, 3.0, 2.0]];
/// assert_eq!(pool.forward(x.view(), Mode::Train)?, ndarray::array![[3.0]]);
/// let dy = ndarray::array![[1.0]];
/// let g = pool.backward(dy.view())?;
/// assert_eq!(g, ndarray::array![[0.0, 1.0, 0.0, 0.0]]); // the first of the tied maxima
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MaxPool2d<F: Float> {
    config: Pool2dConfig,
    windows: Windows,
    argmax: Vec<usize>,
    output: Buffer2<F>,
    grad_input: Buffer2<F>,
}

impl<F: Float> Layer<F> for MaxPool2d<F> {
    fn describe(&self) -> String {
        self.config.describe("MaxPool2d")
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        check_image_shape(&self.describe(), input, &self.windows.input_shape())?;
        Ok(self.windows.output_shape().to_vec())
    }

    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        _mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        check_width(&|| self.describe(), "input", &input, self.windows.in_size())?;
        let (batch, out) = (input.nrows(), self.windows.out_size());
        self.output.resize(batch, out);
        if self.argmax.len() < batch * out {
            self.argmax.resize(batch * out, 0);
        }
        let x = input.as_standard_layout();
        let x = x.as_slice().expect("standard layout");
        self.windows.max_forward(
            x,
            self.output.as_slice_mut(),
            &mut self.argmax[..batch * out],
        );
        Ok(self.output.view())
    }

    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>> {
        check_grad_shape(&|| self.describe(), &grad_output, self.output.dim())?;
        let (batch, out) = self.output.dim();
        self.grad_input.resize(batch, self.windows.in_size());
        let dy = grad_output.as_standard_layout();
        self.windows.max_backward(
            dy.as_slice().expect("standard layout"),
            &self.argmax[..batch * out],
            self.grad_input.as_slice_mut(),
        );
        Ok(self.grad_input.view())
    }
}

/// `nn.AvgPool2d`: the mean of each window, per channel (padded zeros counted unless
/// [`Pool2dConfig::count_include_pad`] is off).
///
/// ```
/// use tuneup::prelude::*;
/// let mut pool = Pool2dConfig::new((2, 2)).avg::<f64>([1, 2, 4])?;
/// let x = ndarray::array![[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]];
/// assert_eq!(pool.forward(x.view(), Mode::Eval)?, ndarray::array![[3.5, 5.5]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AvgPool2d<F: Float> {
    config: Pool2dConfig,
    windows: Windows,
    output: Buffer2<F>,
    grad_input: Buffer2<F>,
}

impl<F: Float> AvgPool2d<F> {
    fn divisor(&self) -> impl Fn((usize, usize), (usize, usize)) -> F + use<F> {
        let (kh, kw) = self.config.kernel;
        let include = self.config.count_include_pad;
        move |rows: (usize, usize), cols: (usize, usize)| {
            if include {
                F::from_count(kh * kw)
            } else {
                F::from_count((rows.1 - rows.0) * (cols.1 - cols.0))
            }
        }
    }
}

impl<F: Float> Layer<F> for AvgPool2d<F> {
    fn describe(&self) -> String {
        self.config.describe("AvgPool2d")
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        check_image_shape(&self.describe(), input, &self.windows.input_shape())?;
        Ok(self.windows.output_shape().to_vec())
    }

    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        _mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        check_width(&|| self.describe(), "input", &input, self.windows.in_size())?;
        self.output.resize(input.nrows(), self.windows.out_size());
        let x = input.as_standard_layout();
        let divisor = self.divisor();
        self.windows.average_forward(
            x.as_slice().expect("standard layout"),
            self.output.as_slice_mut(),
            &divisor,
        );
        Ok(self.output.view())
    }

    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>> {
        check_grad_shape(&|| self.describe(), &grad_output, self.output.dim())?;
        self.grad_input
            .resize(grad_output.nrows(), self.windows.in_size());
        let dy = grad_output.as_standard_layout();
        let divisor = self.divisor();
        self.windows.average_backward(
            dy.as_slice().expect("standard layout"),
            self.grad_input.as_slice_mut(),
            &divisor,
        );
        Ok(self.grad_input.view())
    }
}
