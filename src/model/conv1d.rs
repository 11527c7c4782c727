//! `nn.Conv1d` on batch-major rows read as C × L sequences.

use ndarray::ArrayView2;
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::conv_geometry::{check_image_shape, ConvGeometry, ConvSpec, Padding};
use super::conv_layer::ConvParams;
use super::{Init, Layer, Mode, Parameter, Visitor, VisitorMut};
use crate::{Error, Float, Result};

/// The settings of a [`Conv1d`], with PyTorch's names and defaults (stride 1, no padding,
/// dilation 1, one group, a bias). Padding is [`Padding::Same`] or `p` zeros on each side
/// (`Padding::from(p)`).
///
/// ```
/// use tuneup::model::{Conv1dConfig, Padding};
/// let conv = Conv1dConfig::new(2, 4, 3).padding(Padding::Same).build::<f32>(10, 0)?;
/// assert_eq!(conv.output_len(), 10);
/// assert!(Conv1dConfig::new(2, 4, 3).groups(3).build::<f32>(10, 0).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conv1dConfig {
    in_channels: usize,
    out_channels: usize,
    kernel_size: usize,
    stride: usize,
    padding: Padding,
    dilation: usize,
    groups: usize,
    bias: bool,
    init: Init,
}

impl Conv1dConfig {
    /// `in_channels → out_channels` with a kernel of `kernel_size` taps.
    pub fn new(in_channels: usize, out_channels: usize, kernel_size: usize) -> Self {
        Conv1dConfig {
            in_channels,
            out_channels,
            kernel_size,
            stride: 1,
            padding: Padding::default(),
            dilation: 1,
            groups: 1,
            bias: true,
            init: Init::TorchDefault,
        }
    }

    /// Step between kernel positions; default 1.
    pub fn stride(mut self, stride: usize) -> Self {
        self.stride = stride;
        self
    }

    /// Zero padding; default none.
    pub fn padding(mut self, padding: impl Into<Padding>) -> Self {
        self.padding = padding.into();
        self
    }

    /// Spacing between kernel taps; default 1.
    pub fn dilation(mut self, dilation: usize) -> Self {
        self.dilation = dilation;
        self
    }

    /// Channel groups; must divide both channel counts; default 1.
    pub fn groups(mut self, groups: usize) -> Self {
        self.groups = groups;
        self
    }

    /// Whether the layer has a bias; default true.
    pub fn bias(mut self, bias: bool) -> Self {
        self.bias = bias;
        self
    }

    /// The weight initialisation (fan-in (C/groups)·k); default PyTorch's.
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// The layer for sequences of `input_len` steps, with weights drawn from `seed`.
    pub fn build<F: Float>(&self, input_len: usize, seed: u64) -> Result<Conv1d<F>> {
        self.build_with_rng(input_len, &mut StdRng::seed_from_u64(seed))
    }

    /// Like [`Conv1dConfig::build`], drawing from the caller's generator.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    /// let conv = tuneup::model::Conv1dConfig::new(4, 2, 5).groups(2)
    ///     .build_with_rng::<f64>(16, &mut rng)?;
    /// assert_eq!(conv.weight().shape(), &[2, 2, 5]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn build_with_rng<F: Float>(
        &self,
        input_len: usize,
        rng: &mut StdRng,
    ) -> Result<Conv1d<F>> {
        let padding = match self.padding {
            Padding::Same => Padding::Same,
            Padding::Explicit(h, w) if h == w || h == 0 => Padding::Explicit(0, w),
            Padding::Explicit(h, w) => {
                return Err(Error::config(
                    "Conv1d.padding",
                    format!("({h}, {w})"),
                    "one padding size p (Padding::from(p)) or Padding::Same",
                ))
            }
        };
        let spec = ConvSpec {
            in_channels: self.in_channels,
            out_channels: self.out_channels,
            kernel: (1, self.kernel_size),
            stride: (1, self.stride),
            padding,
            dilation: (1, self.dilation),
            groups: self.groups,
        };
        let geometry = ConvGeometry::new("Conv1d", &spec, 1, input_len)?;
        let shape = [
            self.out_channels,
            self.in_channels / self.groups,
            self.kernel_size,
        ];
        Ok(Conv1d {
            config: *self,
            params: ConvParams::init(geometry, &shape, self.init, self.bias, rng)?,
        })
    }

    fn describe(&self) -> String {
        let mut text = format!(
            "Conv1d({} → {}, {}",
            self.in_channels, self.out_channels, self.kernel_size
        );
        if self.stride != 1 {
            text += &format!(", stride {}", self.stride);
        }
        match self.padding {
            Padding::Same => text += ", same",
            Padding::Explicit(_, 0) => {}
            Padding::Explicit(_, p) => text += &format!(", padding {p}"),
        }
        if self.dilation != 1 {
            text += &format!(", dilation {}", self.dilation);
        }
        if self.groups != 1 {
            text += &format!(", groups {}", self.groups);
        }
        if !self.bias {
            text += ", no bias";
        }
        text + ")"
    }
}

/// A 1-D convolution, `nn.Conv1d`: each input row is a flattened `C × L` sequence, each output
/// row a flattened `O × OL` one. Weight `O × C/groups × k` and bias `O`, PyTorch's names. It
/// runs on the same kernels as [`Conv2d`](super::Conv2d) (an image of height 1).
///
/// ```
/// use tuneup::prelude::*;
/// let mut conv = Conv1dConfig::new(1, 1, 2).bias(false).build::<f64>(4, 0)?;
/// conv.visit_parameters_mut(&mut |p| p.value_mut().fill(1.0));
/// let x = ndarray::array![[1.0, 2.0, 3.0, 4.0]];
/// assert_eq!(conv.forward(x.view(), Mode::Eval)?, ndarray::array![[3.0, 5.0, 7.0]]);
/// assert_eq!(conv.output_shape(&[1, 4])?, [1, 3]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Conv1d<F: Float> {
    config: Conv1dConfig,
    params: ConvParams<F>,
}

impl<F: Float> Conv1d<F> {
    /// The settings it was built from.
    pub fn config(&self) -> &Conv1dConfig {
        &self.config
    }

    /// Output length.
    pub fn output_len(&self) -> usize {
        self.params.core.geometry.out_w
    }

    /// The weight, `O × C/groups × k`.
    pub fn weight(&self) -> &Parameter<F> {
        &self.params.weight
    }

    /// The bias, if any.
    pub fn bias(&self) -> Option<&Parameter<F>> {
        self.params.bias.as_ref()
    }
}

impl<F: Float> Layer<F> for Conv1d<F> {
    fn describe(&self) -> String {
        self.config.describe()
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        let g = &self.params.core.geometry;
        check_image_shape(&self.describe(), input, &[g.in_channels, g.in_w])?;
        Ok(vec![g.out_channels, g.out_w])
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
