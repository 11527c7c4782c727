//! MobileNet's depthwise-separable block.

use ndarray::ArrayView2;

use super::{
    Activation, ActivationLayer, BatchNorm2d, Conv2dConfig, Layer, Mode, Sequential, Visitor,
    VisitorMut,
};
use crate::{Float, Result};

/// A depthwise-separable convolution block, as in MobileNet: a `k × k` depthwise convolution
/// (`groups = in_channels`, padding `k / 2`, the block's stride), BatchNorm2d, the activation,
/// a 1 × 1 pointwise convolution to `out_channels`, BatchNorm2d, the activation. Both
/// convolutions are bias-free (the normalisations shift).
///
/// It holds `C·k² + C·O` convolution weights where a full `k × k` convolution holds `C·O·k²`.
/// In a PyTorch `nn.Sequential` it stands for one module, itself an `nn.Sequential` of the
/// six, so its names are `…0.weight` (depthwise), `…1.*` (first norm), `…3.weight`
/// (pointwise), `…4.*`.
///
/// ```
/// use tuneup::prelude::*;
/// let block = DepthwiseSeparable::<f32>::new(32, 64, 2, (16, 16), 0)?;
/// assert_eq!(block.output_shape(&[32, 16, 16])?, [64, 8, 8]);
/// // 32·9 + 32·64 convolution weights, 2·(32 + 64) norm parameters.
/// assert_eq!(block.num_parameters(), 32 * 9 + 32 * 64 + 2 * (32 + 64));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DepthwiseSeparable<F: Float> {
    body: Sequential<F>,
    description: String,
}

impl<F: Float> DepthwiseSeparable<F> {
    /// The MobileNet block with a 3 × 3 depthwise kernel and ReLU, for `input_hw` images;
    /// weights drawn from `seed`.
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        stride: usize,
        input_hw: (usize, usize),
        seed: u64,
    ) -> Result<Self> {
        Self::with_options(
            in_channels,
            out_channels,
            3,
            stride,
            Activation::Relu,
            input_hw,
            seed,
        )
    }

    /// The block with a `kernel × kernel` depthwise convolution and any activation.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let block = DepthwiseSeparable::<f64>::with_options(4, 8, 5, 1, Activation::Silu, (9, 9), 1)?;
    /// assert_eq!(block.output_shape(&[4, 9, 9])?, [8, 9, 9]);
    /// assert!(DepthwiseSeparable::<f64>::with_options(4, 8, 5, 0, Activation::Silu, (9, 9), 1)
    ///     .is_err()); // stride 0
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_options(
        in_channels: usize,
        out_channels: usize,
        kernel: usize,
        stride: usize,
        activation: Activation,
        input_hw: (usize, usize),
        seed: u64,
    ) -> Result<Self> {
        let depthwise = Conv2dConfig::new(in_channels, in_channels, (kernel, kernel))
            .stride((stride, stride))
            .padding(kernel / 2)
            .groups(in_channels)
            .bias(false)
            .build::<F>(input_hw, seed)?;
        let hw = depthwise.output_hw();
        let pointwise = Conv2dConfig::new(in_channels, out_channels, (1, 1))
            .bias(false)
            .build::<F>(hw, seed.wrapping_add(1))?;
        let body = Sequential::new()
            .push(depthwise)
            .push(BatchNorm2d::new(in_channels)?)
            .push(ActivationLayer::new(activation)?)
            .push(pointwise)
            .push(BatchNorm2d::new(out_channels)?)
            .push(ActivationLayer::new(activation)?);
        Ok(DepthwiseSeparable {
            body,
            description: format!(
                "DepthwiseSeparable({in_channels} → {out_channels}, {kernel}×{kernel}, stride \
                 {stride}, {activation})"
            ),
        })
    }

    /// The six layers, in order.
    pub fn layers(&self) -> &[Box<dyn Layer<F>>] {
        self.body.layers()
    }
}

impl<F: Float> Layer<F> for DepthwiseSeparable<F> {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        self.body
            .output_shape(input)
            .map_err(|e| e.within(&self.description))
    }

    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        let description = &self.description;
        self.body
            .forward(input, mode)
            .map_err(|e| e.within(description))
    }

    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>> {
        let description = &self.description;
        self.body
            .backward(grad_output)
            .map_err(|e| e.within(description))
    }

    fn backward_parameters(&mut self, grad_output: ArrayView2<'_, F>) -> Result<()> {
        let description = &self.description;
        self.body
            .backward_parameters(grad_output)
            .map_err(|e| e.within(description))
    }

    fn backward_input<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
    ) -> Result<ArrayView2<'a, F>> {
        let description = &self.description;
        self.body
            .backward_input(grad_output)
            .map_err(|e| e.within(description))
    }

    fn visit(&self, visitor: &mut dyn Visitor<F>) {
        self.body.visit(visitor);
    }

    fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<F>) {
        self.body.visit_mut(visitor);
    }
}
