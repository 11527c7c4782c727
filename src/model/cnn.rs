//! A builder for the usual convolutional stacks.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{
    Activation, ActivationLayer, AdaptiveAvgPool2d, BatchNorm2d, Conv2dConfig, DepthwiseSeparable,
    Dropout, Flatten, Layer, Linear, Pool2dConfig, Sequential,
};
use crate::{Error, Float, Result};

/// One stage of a [`Cnn`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    Conv {
        out: usize,
        kernel: usize,
        stride: usize,
    },
    Separable {
        out: usize,
        stride: usize,
    },
    MaxPool(usize),
    AvgPool(usize),
    GlobalAvgPool,
    Dropout(f64),
    Dense(usize),
}

/// Builds conv → norm → activation → pool stacks on `C × H × W` inputs, ending in dense
/// layers, with the shapes worked out stage by stage:
///
/// ```
/// use tuneup::prelude::*;
/// let net = Cnn::new([1, 28, 28])
///     .conv(8, 3)        // Conv2d 3×3, padding 1 → BatchNorm2d → ReLU
///     .max_pool(2)       // 8 × 14 × 14
///     .separable(16, 2)  // depthwise-separable block, stride 2: 16 × 7 × 7
///     .global_avg_pool() // 16 × 1 × 1
///     .build::<f32>(10)?; // Flatten → Linear(16, 10)
/// assert_eq!(net.output_shape(&[1, 28, 28])?, [10]);
/// assert!(net.summary_for(&[1, 28, 28])?.contains("(None, 16, 7, 7)"));
/// # Ok::<(), tuneup::Error>(())
/// ```
///
/// Convolutions use padding `kernel / 2` and are bias-free when batch norm follows them
/// (the default); the activation (ReLU by default) follows every convolution, block and
/// hidden dense layer. Weights are drawn from one seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Cnn {
    input: [usize; 3],
    stages: Vec<Stage>,
    activation: Activation,
    batch_norm: bool,
    seed: u64,
}

impl Cnn {
    /// A stack for `[C, H, W]` inputs; ReLU, batch norm on, seed 0.
    pub fn new(input: [usize; 3]) -> Self {
        Cnn {
            input,
            stages: Vec::new(),
            activation: Activation::Relu,
            batch_norm: true,
            seed: 0,
        }
    }

    /// The activation after each convolution, block and hidden dense layer.
    pub fn activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// Whether a BatchNorm2d follows each plain convolution (default true).
    pub fn batch_norm(mut self, on: bool) -> Self {
        self.batch_norm = on;
        self
    }

    /// The seed of every weight and dropout mask.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// A `kernel × kernel` convolution to `out_channels` (padding `kernel / 2`, stride 1).
    pub fn conv(self, out_channels: usize, kernel: usize) -> Self {
        self.conv_strided(out_channels, kernel, 1)
    }

    /// Like [`Cnn::conv`] with a stride.
    pub fn conv_strided(mut self, out_channels: usize, kernel: usize, stride: usize) -> Self {
        self.stages.push(Stage::Conv {
            out: out_channels,
            kernel,
            stride,
        });
        self
    }

    /// A [`DepthwiseSeparable`] block (3 × 3 depthwise, the stack's activation).
    pub fn separable(mut self, out_channels: usize, stride: usize) -> Self {
        self.stages.push(Stage::Separable {
            out: out_channels,
            stride,
        });
        self
    }

    /// `kernel × kernel` max pooling, stride `kernel`.
    pub fn max_pool(mut self, kernel: usize) -> Self {
        self.stages.push(Stage::MaxPool(kernel));
        self
    }

    /// `kernel × kernel` average pooling, stride `kernel`.
    pub fn avg_pool(mut self, kernel: usize) -> Self {
        self.stages.push(Stage::AvgPool(kernel));
        self
    }

    /// Global average pooling to one value per channel.
    pub fn global_avg_pool(mut self) -> Self {
        self.stages.push(Stage::GlobalAvgPool);
        self
    }

    /// Dropout with probability `p`.
    pub fn dropout(mut self, p: f64) -> Self {
        self.stages.push(Stage::Dropout(p));
        self
    }

    /// A hidden dense layer of `width` units (the images are flattened before the first).
    pub fn dense(mut self, width: usize) -> Self {
        self.stages.push(Stage::Dense(width));
        self
    }

    /// The network, ending in `Linear(…, outputs)` (logits); every stage is checked against
    /// the shape it receives.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// assert!(Cnn::new([1, 4, 4]).max_pool(8).build::<f32>(2).is_err()); // window > image
    /// assert!(Cnn::new([1, 4, 4]).conv(4, 3).build::<f32>(0).is_err());
    /// ```
    pub fn build<F: Float>(&self, outputs: usize) -> Result<Sequential<F>> {
        self.activation.validate()?;
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut net = Sequential::new();
        let mut shape = self.input.to_vec();
        for (i, &stage) in self.stages.iter().enumerate() {
            self.add_stage(&mut net, &mut shape, stage, &mut rng)
                .map_err(|e| e.within(format!("Cnn stage {i}")))?;
        }
        if shape.len() > 1 {
            net.add(Flatten::new());
        }
        if outputs == 0 {
            return Err(Error::config("Cnn.build outputs", 0, "at least 1"));
        }
        let width = shape.iter().product();
        net.add(Linear::new(width, outputs, rng.random())?);
        Ok(net)
    }

    fn image(shape: &[usize]) -> Result<[usize; 3]> {
        match *shape {
            [c, h, w] => Ok([c, h, w]),
            _ => Err(Error::config(
                "Cnn",
                format!("a convolution or pooling stage after a dense one ({shape:?})"),
                "image stages before dense stages",
            )),
        }
    }

    fn add_stage<F: Float>(
        &self,
        net: &mut Sequential<F>,
        shape: &mut Vec<usize>,
        stage: Stage,
        rng: &mut StdRng,
    ) -> Result<()> {
        let act = || ActivationLayer::<F>::new(self.activation);
        match stage {
            Stage::Conv {
                out,
                kernel,
                stride,
            } => {
                let [c, h, w] = Self::image(shape)?;
                let conv = Conv2dConfig::new(c, out, (kernel, kernel))
                    .stride((stride, stride))
                    .padding(kernel / 2)
                    .bias(!self.batch_norm)
                    .build_with_rng::<F>((h, w), rng)?;
                *shape = conv.output_shape(shape)?;
                net.add(conv);
                if self.batch_norm {
                    net.add(BatchNorm2d::new(out)?);
                }
                net.add(act()?);
            }
            Stage::Separable { out, stride } => {
                let [c, h, w] = Self::image(shape)?;
                let block = DepthwiseSeparable::with_options(
                    c,
                    out,
                    3,
                    stride,
                    self.activation,
                    (h, w),
                    rng.random(),
                )?;
                *shape = block.output_shape(shape)?;
                net.add(block);
            }
            Stage::MaxPool(k) | Stage::AvgPool(k) => {
                let input = Self::image(shape)?;
                let config = Pool2dConfig::new((k, k));
                if matches!(stage, Stage::MaxPool(_)) {
                    let pool = config.max::<F>(input)?;
                    *shape = pool.output_shape(shape)?;
                    net.add(pool);
                } else {
                    let pool = config.avg::<F>(input)?;
                    *shape = pool.output_shape(shape)?;
                    net.add(pool);
                }
            }
            Stage::GlobalAvgPool => {
                let pool = AdaptiveAvgPool2d::<F>::global(Self::image(shape)?)?;
                *shape = pool.output_shape(shape)?;
                net.add(pool);
            }
            Stage::Dropout(p) => net.add(Dropout::<F>::new(p, rng.random())?),
            Stage::Dense(width) => {
                if shape.len() > 1 {
                    net.add(Flatten::new());
                }
                let fan_in = shape.iter().product();
                net.add(
                    Linear::<F>::new(fan_in, width, rng.random())?
                        .with_activation(self.activation)?,
                );
                *shape = vec![width];
            }
        }
        Ok(())
    }
}
