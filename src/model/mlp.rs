//! A builder for multilayer perceptrons.

use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{
    Activation, ActivationLayer, BatchNorm1d, Dropout, Init, LayerNorm, Linear, Sequential,
};
use crate::{Error, Float, Result};

/// Normalisation inserted after each hidden linear layer.
///
/// ```
/// use tuneup::model::Normalization;
/// assert_ne!(Normalization::Batch, Normalization::Layer);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normalization {
    /// [`BatchNorm1d`] with PyTorch defaults.
    Batch,
    /// [`LayerNorm`] with PyTorch defaults.
    Layer,
}

/// Builds the common feed-forward network: linear layers of the given widths with a hidden
/// activation between them, optional normalisation and dropout, and an optional output
/// activation. The textbook `f(x) = W₂ σ(W₁x + b₁) + b₂` is one line:
///
/// ```
/// use tuneup::prelude::*;
/// let net = Mlp::new(&[30, 16, 1]).activation(Activation::Sigmoid).seed(0).build::<f32>().unwrap();
/// assert_eq!(net.num_parameters(), 30 * 16 + 16 + 16 + 1);
/// ```
///
/// Hidden activations are fused into their linear layer unless a normalisation sits between
/// them; PyTorch names stay those of the unfused `nn.Sequential`.
#[derive(Debug, Clone)]
pub struct Mlp {
    widths: Vec<usize>,
    activation: Activation,
    output_activation: Activation,
    init: Init,
    dropout: f64,
    normalization: Option<Normalization>,
    bias: bool,
    seed: u64,
}

impl Mlp {
    /// Widths from input to output, e.g. `&[784, 256, 128, 10]`. Defaults: ReLU hidden
    /// activation, no output activation, PyTorch default initialisation, no dropout, no
    /// normalisation, biases on, seed 0.
    pub fn new(widths: &[usize]) -> Self {
        Mlp {
            widths: widths.to_vec(),
            activation: Activation::Relu,
            output_activation: Activation::Identity,
            init: Init::TorchDefault,
            dropout: 0.0,
            normalization: None,
            bias: true,
            seed: 0,
        }
    }

    /// The hidden activation.
    pub fn activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// An activation on the output layer (identity by default: losses take logits).
    pub fn output_activation(mut self, activation: Activation) -> Self {
        self.output_activation = activation;
        self
    }

    /// The weight initialisation scheme.
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Dropout probability after each hidden activation (0 for none).
    pub fn dropout(mut self, p: f64) -> Self {
        self.dropout = p;
        self
    }

    /// Normalisation after each hidden linear layer.
    pub fn normalization(mut self, norm: Normalization) -> Self {
        self.normalization = Some(norm);
        self
    }

    /// Whether linear layers have biases.
    pub fn bias(mut self, bias: bool) -> Self {
        self.bias = bias;
        self
    }

    /// Seed for initialisation and dropout masks.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Builds the network, checking every setting.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// assert!(Mlp::new(&[4]).build::<f64>().is_err());
    /// assert!(Mlp::new(&[4, 0, 1]).build::<f64>().is_err());
    /// assert!(Mlp::new(&[4, 8, 1]).dropout(1.0).build::<f64>().is_err());
    /// ```
    pub fn build<F: Float>(&self) -> Result<Sequential<F>> {
        self.check_widths()?;
        self.activation.validate()?;
        self.output_activation.validate()?;
        let mut rng = StdRng::seed_from_u64(self.seed);
        self.assemble(|_, fan_in, fan_out| {
            Linear::from_rng(fan_in, fan_out, self.init, self.bias, &mut rng)
        })
    }

    /// The same network with the given weights instead of initialised ones: one
    /// `(weight, bias)` pair per `Linear`, weights in PyTorch's `out × in` layout, biases
    /// present exactly when [`Mlp::bias`] is on. A count, shape or bias that does not fit the
    /// widths is an error naming the layer.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use ndarray::array;
    /// let weights = vec![
    ///     (array![[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], Some(array![0.0, 0.0, -1.0])),
    ///     (array![[1.0, 1.0, 1.0]], Some(array![0.5])),
    /// ];
    /// let mut net = Mlp::new(&[2, 3, 1]).build_with_weights::<f64>(&weights)?;
    /// assert_eq!(net.predict(array![[1.0, 2.0]].view())?, array![[1.0 + 2.0 + 2.0 + 0.5]]);
    /// assert!(Mlp::new(&[2, 4, 1]).build_with_weights::<f64>(&weights).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn build_with_weights<F: Float>(
        &self,
        weights: &[(Array2<F>, Option<Array1<F>>)],
    ) -> Result<Sequential<F>> {
        self.check_widths()?;
        self.activation.validate()?;
        self.output_activation.validate()?;
        let layers = self.widths.len() - 1;
        if weights.len() != layers {
            return Err(Error::shape(
                "Mlp::build_with_weights",
                format!("{layers} (weight, bias) pairs, one per Linear"),
                format!("{} pairs", weights.len()),
            ));
        }
        self.assemble(|i, fan_in, fan_out| {
            let (w, b) = &weights[i];
            if w.dim() != (fan_out, fan_in) || b.is_some() != self.bias {
                return Err(Error::shape(
                    format!("Mlp::build_with_weights, Linear {i}"),
                    format!(
                        "a {fan_out} × {fan_in} weight {} bias",
                        if self.bias { "with a" } else { "without" }
                    ),
                    format!(
                        "a {} × {} weight {} bias",
                        w.nrows(),
                        w.ncols(),
                        if b.is_some() { "with a" } else { "without" }
                    ),
                ));
            }
            Linear::from_weights(w.clone(), b.clone())
        })
    }

    /// Checks that there are at least two widths and none is zero.
    fn check_widths(&self) -> Result<()> {
        if self.widths.len() < 2 {
            return Err(Error::config(
                "Mlp.widths",
                format!("{:?}", self.widths),
                "at least an input and an output width",
            ));
        }
        if let Some(i) = self.widths.iter().position(|&w| w == 0) {
            return Err(Error::config(
                format!("Mlp.widths[{i}]"),
                0,
                "every width at least 1",
            ));
        }
        Ok(())
    }

    /// The network, with each `Linear` (index, fan-in, fan-out) made by `linear`.
    fn assemble<F: Float>(
        &self,
        mut linear: impl FnMut(usize, usize, usize) -> Result<Linear<F>>,
    ) -> Result<Sequential<F>> {
        let mut net = Sequential::new();
        let layers = self.widths.len() - 1;
        for (i, pair) in self.widths.windows(2).enumerate() {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            let linear = linear(i, fan_in, fan_out)?;
            if i + 1 == layers {
                net.add(linear.with_activation(self.output_activation)?);
                break;
            }
            match self.normalization {
                None => net.add(linear.with_activation(self.activation)?),
                Some(norm) => {
                    net.add(linear);
                    match norm {
                        Normalization::Batch => net.add(BatchNorm1d::new(fan_out)?),
                        Normalization::Layer => net.add(LayerNorm::new(fan_out)?),
                    }
                    if self.activation != Activation::Identity {
                        net.add(ActivationLayer::new(self.activation)?);
                    }
                }
            }
            if self.dropout > 0.0 || !(0.0..1.0).contains(&self.dropout) {
                let seed = self.seed.wrapping_add(1 + i as u64);
                net.add(Dropout::new(self.dropout, seed)?);
            }
        }
        Ok(net)
    }
}
