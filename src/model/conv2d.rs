//! `nn.Conv2d` on batch-major rows read as C × H × W images.

use ndarray::ArrayView2;
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::conv_geometry::{check_image_shape, ConvGeometry, ConvSpec, Padding};
use super::conv_layer::ConvParams;
use super::{Init, Layer, Mode, Parameter, Visitor, VisitorMut};
use crate::{Float, Result};

/// The settings of a [`Conv2d`], with PyTorch's names and defaults: stride 1, no padding,
/// dilation 1, one group, a bias, PyTorch's default initialisation. Setters cannot fail;
/// [`Conv2dConfig::build`] checks everything against the input size.
///
/// ```
/// use tuneup::model::{Conv2dConfig, Padding};
/// let conv = Conv2dConfig::new(3, 8, (3, 3)).padding(Padding::Same).build::<f32>((32, 32), 0)?;
/// assert_eq!(conv.output_hw(), (32, 32));
/// assert!(Conv2dConfig::new(3, 8, (3, 3)).stride((0, 1)).build::<f32>((32, 32), 0).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conv2dConfig {
    spec: ConvSpec,
    bias: bool,
    init: Init,
}

impl Conv2dConfig {
    /// `in_channels → out_channels` with a `kernel_size = (kH, kW)` kernel.
    pub fn new(in_channels: usize, out_channels: usize, kernel_size: (usize, usize)) -> Self {
        Conv2dConfig {
            spec: ConvSpec {
                in_channels,
                out_channels,
                kernel: kernel_size,
                stride: (1, 1),
                padding: Padding::default(),
                dilation: (1, 1),
                groups: 1,
            },
            bias: true,
            init: Init::TorchDefault,
        }
    }

    /// Step between kernel positions (rows, columns); default (1, 1).
    pub fn stride(mut self, stride: (usize, usize)) -> Self {
        self.spec.stride = stride;
        self
    }

    /// Zero padding; default none.
    pub fn padding(mut self, padding: impl Into<Padding>) -> Self {
        self.spec.padding = padding.into();
        self
    }

    /// Spacing between kernel taps (rows, columns); default (1, 1).
    pub fn dilation(mut self, dilation: (usize, usize)) -> Self {
        self.spec.dilation = dilation;
        self
    }

    /// Channel groups (`in_channels` for a depthwise convolution); must divide both channel
    /// counts; default 1.
    pub fn groups(mut self, groups: usize) -> Self {
        self.spec.groups = groups;
        self
    }

    /// Whether the layer has a bias; default true.
    pub fn bias(mut self, bias: bool) -> Self {
        self.bias = bias;
        self
    }

    /// The weight initialisation (fan-in (C/groups)·kH·kW); default PyTorch's.
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// The layer for `input_hw = (H, W)` images, with weights drawn from `seed`.
    pub fn build<F: Float>(&self, input_hw: (usize, usize), seed: u64) -> Result<Conv2d<F>> {
        self.build_with_rng(input_hw, &mut StdRng::seed_from_u64(seed))
    }

    /// Like [`Conv2dConfig::build`], drawing from the caller's generator.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    /// let conv = tuneup::model::Conv2dConfig::new(4, 4, (3, 3)).groups(4).bias(false)
    ///     .build_with_rng::<f64>((8, 8), &mut rng)?;
    /// assert_eq!(conv.weight().shape(), &[4, 1, 3, 3]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn build_with_rng<F: Float>(
        &self,
        input_hw: (usize, usize),
        rng: &mut StdRng,
    ) -> Result<Conv2d<F>> {
        let geometry = ConvGeometry::new("Conv2d", &self.spec, input_hw.0, input_hw.1)?;
        let s = &self.spec;
        let shape = [
            s.out_channels,
            s.in_channels / s.groups,
            s.kernel.0,
            s.kernel.1,
        ];
        Ok(Conv2d {
            config: *self,
            params: ConvParams::init(geometry, &shape, self.init, self.bias, rng)?,
        })
    }

    fn describe(&self) -> String {
        let s = &self.spec;
        let mut text = format!(
            "Conv2d({} → {}, {}×{}",
            s.in_channels, s.out_channels, s.kernel.0, s.kernel.1
        );
        if s.stride != (1, 1) {
            text += &format!(", stride {:?}", s.stride);
        }
        match s.padding {
            Padding::Same => text += ", same",
            Padding::Explicit(0, 0) => {}
            Padding::Explicit(h, w) => text += &format!(", padding ({h}, {w})"),
        }
        if s.dilation != (1, 1) {
            text += &format!(", dilation {:?}", s.dilation);
        }
        if s.groups != 1 {
            text += &format!(", groups {}", s.groups);
        }
        if !self.bias {
            text += ", no bias";
        }
        text + ")"
    }
}

/// A 2-D convolution, `nn.Conv2d`: each input row is a flattened `C × H × W` image, each
/// output row a flattened `O × OH × OW` one. Weight `O × C/groups × kH × kW` and bias `O`,
/// named `weight` and `bias` as in PyTorch's `state_dict`.
///
/// The forward and backward passes are batched matrix products over im2col columns through
/// the crate's GEMM (threaded for large batches, bit-identical for any thread count);
/// depthwise convolutions (`groups = in_channels`) run a direct kernel instead. After the first
/// call with a given batch size nothing is allocated.
///
/// ```
/// use tuneup::prelude::*;
/// let mut conv = Conv2dConfig::new(1, 2, (2, 2)).build::<f64>((3, 3), 0)?;
/// conv.visit_parameters_mut(&mut |p| p.value_mut().fill(1.0)); // weights and biases 1
/// let x = ndarray::Array2::from_shape_fn((1, 9), |(_, j)| j as f64);
/// let y = conv.forward(x.view(), Mode::Eval)?;
/// // The top-left window holds 0, 1, 3, 4: their sum plus the bias.
/// assert_eq!(y[[0, 0]], 9.0);
/// assert_eq!(conv.output_shape(&[1, 3, 3])?, [2, 2, 2]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Conv2d<F: Float> {
    config: Conv2dConfig,
    params: ConvParams<F>,
}

impl<F: Float> Conv2d<F> {
    /// The settings it was built from.
    pub fn config(&self) -> &Conv2dConfig {
        &self.config
    }

    /// Output height and width.
    ///
    /// ```
    /// let conv = tuneup::model::Conv2dConfig::new(1, 1, (3, 3)).stride((2, 2))
    ///     .build::<f32>((7, 8), 0)?;
    /// assert_eq!(conv.output_hw(), (3, 3));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn output_hw(&self) -> (usize, usize) {
        let g = &self.params.core.geometry;
        (g.out_h, g.out_w)
    }

    /// Input height and width.
    pub fn input_hw(&self) -> (usize, usize) {
        let g = &self.params.core.geometry;
        (g.in_h, g.in_w)
    }

    /// The weight, `O × C/groups × kH × kW`.
    pub fn weight(&self) -> &Parameter<F> {
        &self.params.weight
    }

    /// The bias, if any.
    pub fn bias(&self) -> Option<&Parameter<F>> {
        self.params.bias.as_ref()
    }

    pub(crate) fn input_shape(&self) -> [usize; 3] {
        let g = &self.params.core.geometry;
        [g.in_channels, g.in_h, g.in_w]
    }
}

impl<F: Float> Layer<F> for Conv2d<F> {
    fn describe(&self) -> String {
        self.config.describe()
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        check_image_shape(&self.describe(), input, &self.input_shape())?;
        let g = &self.params.core.geometry;
        Ok(vec![g.out_channels, g.out_h, g.out_w])
    }

    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        _mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        let config = self.config;
        self.params.forward(&|| config.describe(), input)
    }

    fn backward<'a>(&'a mut self, grad_output: ArrayView2<'a, F>) -> Result<ArrayView2<'a, F>> {
        let config = self.config;
        self.params
            .input_gradient(&|| config.describe(), grad_output, true)
    }

    fn backward_parameters(&mut self, grad_output: ArrayView2<'_, F>) -> Result<()> {
        let config = self.config;
        self.params
            .backward(&|| config.describe(), grad_output, true, false)
            .map(|_| ())
    }

    fn backward_input<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
    ) -> Result<ArrayView2<'a, F>> {
        let config = self.config;
        self.params
            .input_gradient(&|| config.describe(), grad_output, false)
    }

    fn visit(&self, visitor: &mut dyn Visitor<F>) {
        self.params.visit(visitor);
    }

    fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<F>) {
        self.params.visit_mut(visitor);
    }
}
