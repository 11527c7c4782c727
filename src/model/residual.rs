//! Residual (skip) connections.

use ndarray::{Array2, ArrayView2};

use super::deeplift_rule::check_multipliers;
use super::layer::{check_flat_input, check_grad_shape, describe_shape};
use super::{
    BatchNorm2d, Conv2dConfig, Init, Layer, Linear, Mode, Sequential, Visitor, VisitorMut,
};
use crate::linalg::Buffer2;
use crate::{Error, Float, Result};

/// `y = f(x) + x`, or `y = f(x) + P x` with a learned bias-free projection `P` when `f`
/// changes the width. Gradients flow through both paths, which is what lets deep stacks train.
///
/// Parameter names are `body.…` for `f` and `projection.weight` for `P`.
///
/// For images, [`Residual::with_conv_projection`] makes the skip path a 1 × 1 convolution
/// (with a stride, and optionally BatchNorm2d after it), torchvision's `BasicBlock`
/// downsample, so a block can change the channel count and the spatial size;
/// [`Residual::with_shortcut`] takes any layer as the skip path. Their names are
/// `downsample.…`, as in the PyTorch module
///
/// ```text
/// class Block(nn.Module):          # body: the layers of f, e.g. an nn.Sequential
///     def forward(self, x):        # downsample: nn.Sequential(Conv2d(C, O, 1, stride,
///         return self.body(x) + self.downsample(x)    # bias=False), BatchNorm2d(O))
/// ```
///
/// (`downsample.0.weight`, `downsample.1.weight`, `downsample.1.bias`,
/// `downsample.1.running_mean`, …). torchvision's `BasicBlock` also applies a ReLU after the
/// sum: put an [`ActivationLayer`](super::ActivationLayer) after the block.
///
/// ```
/// use tuneup::prelude::*;
/// let body = Linear::<f64>::new(4, 4, 0).unwrap().with_activation(Activation::Relu).unwrap();
/// let mut block = Residual::new(body, 4).unwrap();
/// let x = ndarray::Array2::<f64>::zeros((2, 4));
/// assert_eq!(block.forward(x.view(), Mode::Train).unwrap().dim(), (2, 4));
///
/// let wider = Linear::<f64>::new(4, 6, 0).unwrap();
/// assert!(Residual::new(wider.clone(), 4).is_err()); // widths differ: needs a projection
/// let block = Residual::with_projection(wider, 4, 1).unwrap();
/// assert_eq!(block.output_width(4).unwrap(), 6);
/// ```
#[derive(Clone)]
pub struct Residual<F: Float> {
    body: Box<dyn Layer<F>>,
    projection: Option<Box<dyn Layer<F>>>,
    /// Whether the projection is a shortcut of [`Residual::with_shortcut`] (per-sample shapes
    /// are the body's) rather than the dense `projection.weight`.
    shaped: bool,
    in_width: usize,
    out_width: usize,
    output: Buffer2<F>,
    grad_input: Buffer2<F>,
}

impl<F: Float> std::fmt::Debug for Residual<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl<F: Float> Residual<F> {
    /// `x + body(x)` for inputs of `width` columns; `body` must keep the width.
    pub fn new(body: impl Layer<F> + 'static, width: usize) -> Result<Self> {
        let out = body.output_width(width)?;
        if out != width {
            return Err(Error::shape(
                "Residual",
                format!("a body that keeps the width {width} (or use Residual::with_projection)"),
                format!("a body of output width {out}"),
            ));
        }
        Ok(Self::assemble(Box::new(body), None, false, width, out))
    }

    /// `P x + body(x)`, with `P` a bias-free linear projection from `in_width` to the body's
    /// output width (PyTorch-default initialisation drawn from `seed`).
    pub fn with_projection(
        body: impl Layer<F> + 'static,
        in_width: usize,
        seed: u64,
    ) -> Result<Self> {
        let out = body.output_width(in_width)?;
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
        let projection = Linear::from_rng(in_width, out, Init::TorchDefault, false, &mut rng)?;
        Ok(Self::assemble(
            Box::new(body),
            Some(Box::new(projection)),
            false,
            in_width,
            out,
        ))
    }

    /// `shortcut(x) + body(x)` for inputs of per-sample shape `input` (`[C, H, W]` for
    /// images): both paths must map `input` to the same shape, which is the block's. The
    /// shortcut's names are prefixed `downsample.`.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let body = Conv2dConfig::new(2, 4, (3, 3)).padding(1).build::<f64>((6, 6), 0)?;
    /// let shortcut = Conv2dConfig::new(2, 4, (1, 1)).bias(false).build::<f64>((6, 6), 1)?;
    /// let block = Residual::with_shortcut(body.clone(), shortcut, &[2, 6, 6])?;
    /// assert_eq!(block.output_shape(&[2, 6, 6])?, [4, 6, 6]);
    ///
    /// let strided = Conv2dConfig::new(2, 4, (1, 1)).stride((2, 2)).build::<f64>((6, 6), 1)?;
    /// let err = Residual::with_shortcut(body, strided, &[2, 6, 6]).unwrap_err();
    /// assert!(err.to_string().contains("4 × 3 × 3"), "{err}");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Shape`] when either path cannot take `input`, or when the shortcut's output
    /// shape differs from the body's (naming both).
    pub fn with_shortcut(
        body: impl Layer<F> + 'static,
        shortcut: impl Layer<F> + 'static,
        input: &[usize],
    ) -> Result<Self> {
        let body_shape = body
            .output_shape(input)
            .map_err(|e| e.within("Residual body"))?;
        let skip_shape = shortcut
            .output_shape(input)
            .map_err(|e| e.within("Residual shortcut"))?;
        if skip_shape != body_shape {
            return Err(Error::shape(
                format!("Residual shortcut {}", shortcut.describe()),
                format!(
                    "the body's output shape {} for input {}",
                    describe_shape(&body_shape),
                    describe_shape(input)
                ),
                format!("output shape {}", describe_shape(&skip_shape)),
            ));
        }
        Ok(Self::assemble(
            Box::new(body),
            Some(Box::new(shortcut)),
            true,
            input.iter().product(),
            body_shape.iter().product(),
        ))
    }

    /// `downsample(x) + body(x)` on `input = [C, H, W]` images, with `downsample` a bias-free
    /// 1 × 1 convolution from `C` to the body's output channels with `stride`, followed by a
    /// [`BatchNorm2d`] when `batch_norm` is set (torchvision's `BasicBlock` downsample;
    /// without it the convolution has a bias). The convolution's weights are drawn from
    /// `seed` with PyTorch's default initialisation.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let conv = |c, o, stride| Conv2dConfig::new(c, o, (3, 3)).stride(stride).padding(1).bias(false);
    /// let body = Sequential::<f64>::new()
    ///     .push(conv(4, 8, (2, 2)).build((8, 8), 0)?)
    ///     .push(BatchNorm2d::new(8)?)
    ///     .push(ActivationLayer::new(Activation::Relu)?)
    ///     .push(conv(8, 8, (1, 1)).build((4, 4), 1)?)
    ///     .push(BatchNorm2d::new(8)?);
    /// let mut block = Residual::with_conv_projection(body, [4, 8, 8], (2, 2), true, 2)?;
    /// assert_eq!(block.output_shape(&[4, 8, 8])?, [8, 4, 4]);
    /// let mut names = Vec::new();
    /// block.visit_parameters(&mut |p| names.push(p.name().to_string()));
    /// assert_eq!(names[names.len() - 3..], ["downsample.0.weight", "downsample.1.weight",
    ///     "downsample.1.bias"]);
    /// let x = ndarray::Array2::<f64>::zeros((2, 4 * 8 * 8));
    /// assert_eq!(block.forward(x.view(), Mode::Train)?.dim(), (2, 8 * 4 * 4));
    ///
    /// // A stride that does not give the body's 4 × 4 output is a shape error.
    /// let body = conv(4, 8, (2, 2)).build::<f64>((8, 8), 0)?;
    /// assert!(Residual::with_conv_projection(body, [4, 8, 8], (1, 1), true, 2).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Shape`] when the body cannot take `input`, its output is not a `C × H × W`
    /// image, or the strided convolution's output size differs from the body's; the
    /// convolution's own errors (a stride of 0).
    pub fn with_conv_projection(
        body: impl Layer<F> + 'static,
        input: [usize; 3],
        stride: (usize, usize),
        batch_norm: bool,
        seed: u64,
    ) -> Result<Self> {
        let out = body
            .output_shape(&input)
            .map_err(|e| e.within("Residual body"))?;
        let &[channels, out_h, out_w] = out.as_slice() else {
            return Err(Error::shape(
                format!("Residual::with_conv_projection body {}", body.describe()),
                format!(
                    "a C × H × W output for the input {}",
                    describe_shape(&input)
                ),
                format!("output shape {}", describe_shape(&out)),
            ));
        };
        let conv = Conv2dConfig::new(input[0], channels, (1, 1))
            .stride(stride)
            .bias(!batch_norm)
            .build::<F>((input[1], input[2]), seed)
            .map_err(|e| e.within("Residual shortcut"))?;
        if conv.output_hw() != (out_h, out_w) {
            let (h, w) = conv.output_hw();
            return Err(Error::shape(
                format!("Residual shortcut {} (stride {stride:?})", conv.describe()),
                format!(
                    "the body's output shape {} for input {}",
                    describe_shape(&out),
                    describe_shape(&input)
                ),
                format!("output shape {}", describe_shape(&[channels, h, w])),
            ));
        }
        let mut shortcut = Sequential::new().push(conv);
        if batch_norm {
            shortcut.add(BatchNorm2d::new(channels)?);
        }
        Self::with_shortcut(body, shortcut, &input)
    }

    fn assemble(
        mut body: Box<dyn Layer<F>>,
        mut projection: Option<Box<dyn Layer<F>>>,
        shaped: bool,
        in_width: usize,
        out_width: usize,
    ) -> Self {
        body.prefix_names("body.");
        if let Some(p) = &mut projection {
            p.prefix_names(if shaped { "downsample." } else { "projection." });
        }
        Residual {
            body,
            projection,
            shaped,
            in_width,
            out_width,
            output: Buffer2::default(),
            grad_input: Buffer2::default(),
        }
    }
}

impl<F: Float> Layer<F> for Residual<F> {
    fn describe(&self) -> String {
        match &self.projection {
            Some(p) if self.shaped => format!(
                "Residual({}; shortcut {})",
                self.body.describe(),
                p.describe()
            ),
            Some(_) => format!(
                "Residual({} → {}, projected; {})",
                self.in_width,
                self.out_width,
                self.body.describe()
            ),
            None => format!("Residual({})", self.body.describe()),
        }
    }

    fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        check_flat_input(&|| self.describe(), input, self.in_width)?;
        match &self.projection {
            // The skip adds the input itself, so the body's shape (C × H × W for a
            // convolutional body) is the block's.
            None => self.body.output_shape(input),
            Some(p) if self.shaped => {
                let body = self
                    .body
                    .output_shape(input)
                    .map_err(|e| e.within("Residual body"))?;
                let skip = p
                    .output_shape(input)
                    .map_err(|e| e.within("Residual shortcut"))?;
                if skip != body {
                    return Err(Error::shape(
                        format!("Residual shortcut {}", p.describe()),
                        format!("the body's output shape {}", describe_shape(&body)),
                        format!("output shape {}", describe_shape(&skip)),
                    ));
                }
                Ok(body)
            }
            Some(_) => Ok(vec![self.out_width]),
        }
    }

    fn forward<'a>(
        &'a mut self,
        input: ArrayView2<'a, F>,
        mode: Mode,
    ) -> Result<ArrayView2<'a, F>> {
        check_flat_input(&|| self.describe(), &[input.ncols()], self.in_width)?;
        let body_out = self
            .body
            .forward(input, mode)
            .map_err(|e| e.within("Residual body"))?;
        self.output.copy_from(body_out);
        match &mut self.projection {
            Some(p) => {
                let skip = p
                    .forward(input, mode)
                    .map_err(|e| e.within("Residual shortcut"))?;
                if skip.dim() != self.output.dim() {
                    return Err(Error::shape(
                        "Residual shortcut",
                        format!("the body's output of {:?}", self.output.dim()),
                        format!("{:?}", skip.dim()),
                    ));
                }
                self.output.view_mut().zip_mut_with(&skip, |y, &s| *y += s);
            }
            None => self.output.view_mut().zip_mut_with(&input, |y, &s| *y += s),
        }
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

    /// The body's rule plus the skip path (the identity, or the projection's linear rule).
    fn backward_deeplift(
        &mut self,
        input: ArrayView2<'_, F>,
        grad_output: ArrayView2<'_, F>,
        eps: F,
    ) -> Result<Array2<F>> {
        let describe = || self.describe();
        check_flat_input(&describe, &[input.ncols()], self.in_width)?;
        check_multipliers(&describe, grad_output, (input.nrows(), self.out_width))?;
        let mut grad = self
            .body
            .backward_deeplift(input, grad_output, eps)
            .map_err(|e| e.within("Residual body"))?;
        match &mut self.projection {
            Some(p) => grad += &p.backward_deeplift(input, grad_output, eps)?,
            None => grad += &grad_output,
        }
        Ok(grad)
    }

    fn visit(&self, visitor: &mut dyn Visitor<F>) {
        self.body.visit(visitor);
        if let Some(p) = &self.projection {
            p.visit(visitor);
        }
    }

    fn visit_mut(&mut self, visitor: &mut dyn VisitorMut<F>) {
        self.body.visit_mut(visitor);
        if let Some(p) = &mut self.projection {
            p.visit_mut(visitor);
        }
    }
}

impl<F: Float> Residual<F> {
    /// The gradient through the body plus the skip path; parameter gradients are added only
    /// when `parameters` is set.
    fn backward_with<'a>(
        &'a mut self,
        grad_output: ArrayView2<'a, F>,
        parameters: bool,
    ) -> Result<ArrayView2<'a, F>> {
        check_grad_shape(&|| self.describe(), &grad_output, self.output.dim())?;
        let through_body = if parameters {
            self.body.backward(grad_output)
        } else {
            self.body.backward_input(grad_output)
        };
        self.grad_input
            .copy_from(through_body.map_err(|e| e.within("Residual body"))?);
        match &mut self.projection {
            Some(p) => {
                let skip = if parameters {
                    p.backward(grad_output)
                } else {
                    p.backward_input(grad_output)
                }
                .map_err(|e| e.within("Residual shortcut"))?;
                self.grad_input
                    .view_mut()
                    .zip_mut_with(&skip, |g, &s| *g += s);
            }
            None => self
                .grad_input
                .view_mut()
                .zip_mut_with(&grad_output, |g, &s| *g += s),
        }
        Ok(self.grad_input.view())
    }
}
