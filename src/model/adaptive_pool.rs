//! `nn.AdaptiveAvgPool2d`: average pooling to a fixed output size (global average pooling
//! for `(1, 1)`).

use ndarray::ArrayView2;

use super::conv_geometry::check_image_shape;
use super::layer::{check_grad_shape, check_width};
use super::pool_windows::Windows;
use super::{Layer, Mode};
use crate::linalg::Buffer2;
use crate::{Float, Result};

/// `nn.AdaptiveAvgPool2d`: each output cell averages the input cells
/// `floor(i·H/OH) .. ceil((i+1)·H/OH)` (and likewise along the width), as PyTorch does.
/// [`AdaptiveAvgPool2d::global`] is global average pooling, `AdaptiveAvgPool2d(1)`.
///
/// ```
/// use tuneup::prelude::*;
/// let mut gap = AdaptiveAvgPool2d::<f64>::global([2, 2, 2])?;
/// let x = ndarray::array![[1.0, 2.0, 3.0, 4.0, 10.0, 10.0, 10.0, 10.0]];
/// assert_eq!(gap.forward(x.view(), Mode::Eval)?, ndarray::array![[2.5, 10.0]]);
/// assert_eq!(gap.output_shape(&[2, 2, 2])?, [2, 1, 1]);
/// assert!(AdaptiveAvgPool2d::<f64>::new([2, 2, 2], (0, 1)).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AdaptiveAvgPool2d<F: Float> {
    windows: Windows,
    output: Buffer2<F>,
    grad_input: Buffer2<F>,
}

fn area<F: Float>(rows: (usize, usize), cols: (usize, usize)) -> F {
    F::from_count((rows.1 - rows.0) * (cols.1 - cols.0))
}

impl<F: Float> AdaptiveAvgPool2d<F> {
    /// Pooling of `[C, H, W]` images to `output_size = (OH, OW)`.
    pub fn new(input: [usize; 3], output_size: (usize, usize)) -> Result<Self> {
        Ok(AdaptiveAvgPool2d {
            windows: Windows::adaptive("AdaptiveAvgPool2d", input, output_size)?,
            output: Buffer2::default(),
            grad_input: Buffer2::default(),
        })
    }

    /// Global average pooling of `[C, H, W]` images: one mean per channel.
    pub fn global(input: [usize; 3]) -> Result<Self> {
        Self::new(input, (1, 1))
    }
}

impl<F: Float> Layer<F> for AdaptiveAvgPool2d<F> {
    fn describe(&self) -> String {
        let [_, oh, ow] = self.windows.output_shape();
        format!("AdaptiveAvgPool2d({oh}×{ow})")
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
        self.windows.average_forward(
            x.as_slice().expect("standard layout"),
            self.output.as_slice_mut(),
            &area::<F>,
        );
        Ok(self.output.view())
    }

    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>> {
        check_grad_shape(&|| self.describe(), &grad_output, self.output.dim())?;
        self.grad_input
            .resize(grad_output.nrows(), self.windows.in_size());
        let dy = grad_output.as_standard_layout();
        self.windows.average_backward(
            dy.as_slice().expect("standard layout"),
            self.grad_input.as_slice_mut(),
            &area::<F>,
        );
        Ok(self.grad_input.view())
    }
}
