//! Weight initialisation schemes, all seeded.

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::Activation;
use crate::{Error, Float, Result};

/// Which fan Kaiming initialisation preserves.
///
/// ```
/// use tuneup::model::FanMode;
/// assert_eq!(FanMode::default(), FanMode::FanIn);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FanMode {
    /// Preserve the variance of activations in the forward pass (PyTorch default).
    #[default]
    FanIn,
    /// Preserve the variance of gradients in the backward pass.
    FanOut,
}

/// How a weight matrix (out × in) is initialised. Biases follow [`Init::bias_bound`].
///
/// The formulas are PyTorch's `torch.nn.init` ones (`fan_in` = in, `fan_out` = out):
///
/// ```
/// use tuneup::model::{Activation, Init};
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let w = Init::KaimingUniform { gain: Init::gain(Activation::Relu), mode: Default::default() }
///     .weights::<f64>(64, 100, &mut rng).unwrap();
/// let bound = (2.0f64).sqrt() * (3.0f64 / 100.0).sqrt();
/// assert!(w.iter().all(|v| v.abs() <= bound));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum Init {
    /// PyTorch's default for `nn.Linear`: U(−1/√fan_in, 1/√fan_in) for weight and bias
    /// (Kaiming uniform with a = √5).
    #[default]
    TorchDefault,
    /// Glorot uniform: U(−b, b), b = gain·√(6/(fan_in + fan_out)).
    XavierUniform {
        /// Scale for the following activation ([`Init::gain`]).
        gain: f64,
    },
    /// Glorot normal: N(0, gain²·2/(fan_in + fan_out)).
    XavierNormal {
        /// Scale for the following activation.
        gain: f64,
    },
    /// He uniform: U(−b, b), b = gain·√(3/fan).
    KaimingUniform {
        /// Scale for the following activation (√2 for ReLU).
        gain: f64,
        /// Fan in or fan out.
        mode: FanMode,
    },
    /// He normal: N(0, gain²/fan).
    KaimingNormal {
        /// Scale for the following activation (√2 for ReLU).
        gain: f64,
        /// Fan in or fan out.
        mode: FanMode,
    },
    /// LeCun normal: N(0, 1/fan_in) (for SELU-style self-normalising nets).
    LecunNormal,
    /// A (semi-)orthogonal matrix scaled by `gain` (Saxe et al.), as `nn.init.orthogonal_`.
    Orthogonal {
        /// Scale.
        gain: f64,
    },
    /// Every weight equal to the value (zeros with 0.0); biases zero.
    Constant(f64),
}

impl Init {
    /// `torch.nn.init.calculate_gain` for an activation: 1 for identity and sigmoid, 5/3 for
    /// tanh, √2 for ReLU, √(2/(1+slope²)) for leaky ReLU, 1 otherwise.
    ///
    /// ```
    /// use tuneup::model::{Activation, Init};
    /// assert_eq!(Init::gain(Activation::Tanh), 5.0 / 3.0);
    /// ```
    pub fn gain(activation: Activation) -> f64 {
        match activation {
            Activation::Tanh => 5.0 / 3.0,
            Activation::Relu => std::f64::consts::SQRT_2,
            Activation::LeakyRelu { slope } => (2.0 / (1.0 + slope * slope)).sqrt(),
            _ => 1.0,
        }
    }

    /// He (Kaiming) normal with the gain of `activation`, fan-in mode.
    pub fn he_for(activation: Activation) -> Init {
        Init::KaimingNormal {
            gain: Init::gain(activation),
            mode: FanMode::FanIn,
        }
    }

    /// Glorot (Xavier) uniform with the gain of `activation`.
    pub fn xavier_for(activation: Activation) -> Init {
        Init::XavierUniform {
            gain: Init::gain(activation),
        }
    }

    fn validate(&self) -> Result<()> {
        let check = |name: &str, g: f64| {
            if g.is_finite() && g >= 0.0 {
                Ok(())
            } else {
                Err(Error::config(name, g, "a finite gain ≥ 0"))
            }
        };
        match *self {
            Init::XavierUniform { gain } => check("Init::XavierUniform.gain", gain),
            Init::XavierNormal { gain } => check("Init::XavierNormal.gain", gain),
            Init::KaimingUniform { gain, .. } => check("Init::KaimingUniform.gain", gain),
            Init::KaimingNormal { gain, .. } => check("Init::KaimingNormal.gain", gain),
            Init::Orthogonal { gain } => check("Init::Orthogonal.gain", gain),
            Init::Constant(v) if !v.is_finite() => {
                Err(Error::config("Init::Constant", v, "a finite value"))
            }
            _ => Ok(()),
        }
    }

    /// A `fan_out × fan_in` weight matrix (PyTorch layout) drawn from the scheme.
    ///
    /// ```
    /// use tuneup::model::Init;
    /// use rand::SeedableRng;
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    /// let q = Init::Orthogonal { gain: 1.0 }.weights::<f64>(3, 5, &mut rng).unwrap();
    /// let qqt = q.dot(&q.t());
    /// for i in 0..3 { for j in 0..3 {
    ///     let want = if i == j { 1.0 } else { 0.0 };
    ///     assert!((qqt[[i, j]] - want).abs() < 1e-12);
    /// } }
    /// ```
    pub fn weights<F: Float>(
        &self,
        fan_out: usize,
        fan_in: usize,
        rng: &mut StdRng,
    ) -> Result<Array2<F>> {
        self.validate()?;
        let (fi, fo) = (fan_in.max(1) as f64, fan_out.max(1) as f64);
        let uniform = |bound: f64, rng: &mut StdRng| -> Array2<F> {
            Array2::from_shape_simple_fn((fan_out, fan_in), || {
                F::cast(if bound > 0.0 {
                    rng.random_range(-bound..bound)
                } else {
                    0.0
                })
            })
        };
        let normal = |std: f64, rng: &mut StdRng| -> Array2<F> {
            Array2::from_shape_simple_fn((fan_out, fan_in), || {
                let z: f64 = StandardNormal.sample(rng);
                F::cast(std * z)
            })
        };
        let fan = |mode: FanMode| match mode {
            FanMode::FanIn => fi,
            FanMode::FanOut => fo,
        };
        Ok(match *self {
            Init::TorchDefault => uniform(1.0 / fi.sqrt(), rng),
            Init::XavierUniform { gain } => uniform(gain * (6.0 / (fi + fo)).sqrt(), rng),
            Init::XavierNormal { gain } => normal(gain * (2.0 / (fi + fo)).sqrt(), rng),
            Init::KaimingUniform { gain, mode } => uniform(gain * (3.0 / fan(mode)).sqrt(), rng),
            Init::KaimingNormal { gain, mode } => normal(gain / fan(mode).sqrt(), rng),
            Init::LecunNormal => normal(1.0 / fi.sqrt(), rng),
            Init::Orthogonal { gain } => orthogonal(fan_out, fan_in, gain, rng),
            Init::Constant(v) => Array2::from_elem((fan_out, fan_in), F::cast(v)),
        })
    }

    /// The bias bound: PyTorch's U(−1/√fan_in, 1/√fan_in) for [`Init::TorchDefault`], and
    /// zero (biases start at 0) for every other scheme.
    pub fn bias_bound(&self, fan_in: usize) -> f64 {
        match self {
            Init::TorchDefault => 1.0 / (fan_in.max(1) as f64).sqrt(),
            _ => 0.0,
        }
    }
}

/// A `rows × cols` matrix with orthonormal rows (rows ≤ cols) or columns (rows > cols): the Q
/// of a Gaussian matrix's QR decomposition with R's diagonal made positive, as PyTorch's
/// `q *= sign(diag(r))` does. Modified Gram–Schmidt, run twice for numerical orthogonality.
fn orthogonal<F: Float>(rows: usize, cols: usize, gain: f64, rng: &mut StdRng) -> Array2<F> {
    let (tall, short) = (rows.max(cols), rows.min(cols));
    let mut q = Array2::<f64>::from_shape_simple_fn((tall, short), || StandardNormal.sample(rng));
    for j in 0..short {
        for _ in 0..2 {
            for i in 0..j {
                let dot: f64 = (0..tall).map(|r| q[[r, i]] * q[[r, j]]).sum();
                for r in 0..tall {
                    q[[r, j]] -= dot * q[[r, i]];
                }
            }
            let norm = (0..tall).map(|r| q[[r, j]].powi(2)).sum::<f64>().sqrt();
            if norm > 0.0 {
                for r in 0..tall {
                    q[[r, j]] /= norm;
                }
            }
        }
    }
    let out = if rows >= cols { q } else { q.reversed_axes() };
    out.mapv(|v| F::cast(gain * v))
}
