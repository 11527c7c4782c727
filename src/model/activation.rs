//! Element-wise activation functions and their derivatives.

use std::fmt;

use super::wide::wide;
use crate::{Error, Float, Result};

/// `max(x, 0)` as [`Activation::apply`] computes it (0 for NaN and −0).
#[inline(always)]
fn relu<F: Float>(x: F) -> F {
    if x > F::zero() {
        x
    } else {
        F::zero()
    }
}

/// An element-wise activation, usable as its own layer ([`super::ActivationLayer`]) or fused
/// into a [`super::Linear`] so the bias, the activation and their gradients take one pass.
///
/// Every function is written to stay finite for inputs of ±1000, and follows PyTorch's
/// conventions at the kinks (the derivative of ReLU at 0 is 0; Softplus turns linear above
/// `threshold`).
///
/// ```
/// use tuneup::model::Activation;
/// assert_eq!(Activation::Relu.apply(-2.0f64), 0.0);
/// assert!((Activation::Sigmoid.apply(0.0f64) - 0.5).abs() < 1e-15);
/// assert_eq!(Activation::Sigmoid.apply(-1000.0f32), 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Activation {
    /// `x`.
    Identity,
    /// `1 / (1 + e^{-x})`.
    Sigmoid,
    /// `tanh x`.
    Tanh,
    /// `max(0, x)`.
    Relu,
    /// `x` for `x > 0`, `slope·x` otherwise (PyTorch default slope 0.01).
    LeakyRelu {
        /// Slope for negative inputs.
        slope: f64,
    },
    /// `x` for `x > 0`, `α(e^x − 1)` otherwise.
    Elu {
        /// Saturation value for large negative inputs (PyTorch default 1).
        alpha: f64,
    },
    /// `x·Φ(x)` with the exact normal CDF (erf).
    Gelu,
    /// GELU's tanh approximation, `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
    GeluTanh,
    /// SiLU / Swish, `x·σ(x)`.
    Silu,
    /// `log(1 + e^{βx})/β`, linear where `βx > threshold` (PyTorch defaults β = 1,
    /// threshold = 20).
    Softplus {
        /// Sharpness.
        beta: f64,
        /// Above this `βx` the function is the identity.
        threshold: f64,
    },
}

impl Activation {
    /// Leaky ReLU with PyTorch's default slope 0.01.
    pub const LEAKY_RELU: Activation = Activation::LeakyRelu { slope: 0.01 };
    /// ELU with α = 1.
    pub const ELU: Activation = Activation::Elu { alpha: 1.0 };
    /// Softplus with β = 1, threshold = 20.
    pub const SOFTPLUS: Activation = Activation::Softplus {
        beta: 1.0,
        threshold: 20.0,
    };

    /// Checks the activation's own parameters.
    ///
    /// ```
    /// use tuneup::model::Activation;
    /// assert!(Activation::Softplus { beta: 0.0, threshold: 20.0 }.validate().is_err());
    /// assert!(Activation::Relu.validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<()> {
        match *self {
            Activation::LeakyRelu { slope } if !slope.is_finite() => {
                Err(Error::config("LeakyRelu.slope", slope, "a finite number"))
            }
            Activation::Elu { alpha } if !alpha.is_finite() || alpha < 0.0 => {
                Err(Error::config("Elu.alpha", alpha, "a finite number ≥ 0"))
            }
            Activation::Softplus { beta, .. } if !beta.is_finite() || beta <= 0.0 => {
                Err(Error::config("Softplus.beta", beta, "a finite number > 0"))
            }
            Activation::Softplus { threshold, .. } if threshold.is_nan() => {
                Err(Error::config("Softplus.threshold", threshold, "a number"))
            }
            _ => Ok(()),
        }
    }

    /// The PyTorch module name (`nn.ReLU` → `"ReLU"`).
    pub fn torch_name(&self) -> &'static str {
        match self {
            Activation::Identity => "Identity",
            Activation::Sigmoid => "Sigmoid",
            Activation::Tanh => "Tanh",
            Activation::Relu => "ReLU",
            Activation::LeakyRelu { .. } => "LeakyReLU",
            Activation::Elu { .. } => "ELU",
            Activation::Gelu => "GELU",
            Activation::GeluTanh => "GELU(tanh)",
            Activation::Silu => "SiLU",
            Activation::Softplus { .. } => "Softplus",
        }
    }

    /// True when the derivative can be computed from the output alone, so the pre-activation
    /// need not be kept.
    pub fn derivative_from_output(&self) -> bool {
        matches!(
            self,
            Activation::Identity | Activation::Sigmoid | Activation::Tanh | Activation::Relu
        ) || matches!(self, Activation::LeakyRelu { slope } if *slope >= 0.0)
    }

    /// `f(x)`.
    #[inline]
    pub fn apply<F: Float>(&self, x: F) -> F {
        let zero = F::zero();
        let one = F::one();
        match *self {
            Activation::Identity => x,
            Activation::Sigmoid => sigmoid(x),
            Activation::Tanh => x.tanh_kernel(),
            Activation::Relu => {
                if x > zero {
                    x
                } else {
                    zero
                }
            }
            Activation::LeakyRelu { slope } => {
                if x > zero {
                    x
                } else {
                    x * F::cast(slope)
                }
            }
            Activation::Elu { alpha } => {
                if x > zero {
                    x
                } else {
                    F::cast(alpha) * x.exp_m1()
                }
            }
            Activation::Gelu => {
                let half = F::cast(0.5);
                x * half * (one + (x * F::cast(std::f64::consts::FRAC_1_SQRT_2)).erf())
            }
            Activation::GeluTanh => {
                let half = F::cast(0.5);
                let inner = F::cast(GELU_K) * (x + F::cast(0.044715) * x * x * x);
                half * x * (one + inner.tanh())
            }
            Activation::Silu => x * sigmoid(x),
            Activation::Softplus { beta, threshold } => {
                let bx = x * F::cast(beta);
                if bx > F::cast(threshold) {
                    x
                } else {
                    bx.exp().ln_1p() / F::cast(beta)
                }
            }
        }
    }

    /// Replaces every value `x` by `f(x)`, bit-identical to [`Activation::apply`]; `tanh`
    /// runs vectorised. Allocates nothing.
    pub(crate) fn apply_in_place<F: Float>(&self, values: &mut [F]) {
        match *self {
            Activation::Identity => {}
            Activation::Tanh => super::tanh_in_place(values),
            // ReLU with the match hoisted out of the loop, so the loop vectorises.
            Activation::Relu => wide(|| values.iter_mut().for_each(|v| *v = relu(*v))),
            act => values.iter_mut().for_each(|v| *v = act.apply(*v)),
        }
    }

    /// `out[i] = f(x[i])` in one pass, bit-identical to [`Activation::apply`] (the slices have
    /// equal lengths). Allocates nothing.
    pub(crate) fn apply_into<F: Float>(&self, x: &[F], out: &mut [F]) {
        match *self {
            Activation::Relu => wide(|| out.iter_mut().zip(x).for_each(|(o, &v)| *o = relu(v))),
            act => {
                out.copy_from_slice(x);
                act.apply_in_place(out);
            }
        }
    }

    /// `g[i] = dy[i] · f'(y[i])` from the outputs `y`, bit-identical to
    /// [`Activation::derivative_of_output`] (for activations whose
    /// [`Activation::derivative_from_output`] holds; equal lengths).
    pub(crate) fn grad_from_output<F: Float>(&self, dy: &[F], y: &[F], g: &mut [F]) {
        match *self {
            Activation::Relu => wide(|| {
                for ((g, &d), &y) in g.iter_mut().zip(dy).zip(y) {
                    *g = d * if y > F::zero() { F::one() } else { F::zero() };
                }
            }),
            act => {
                for ((g, &d), &y) in g.iter_mut().zip(dy).zip(y) {
                    *g = d * act.derivative_of_output(y);
                }
            }
        }
    }

    /// `f'(x)`, given the input `x` and the output `y = f(x)`.
    ///
    /// ```
    /// use tuneup::model::Activation;
    /// let a = Activation::Tanh;
    /// let x = 0.3f64;
    /// let d = a.derivative(x, a.apply(x));
    /// assert!((d - (1.0 - x.tanh().powi(2))).abs() < 1e-15);
    /// ```
    #[inline]
    pub fn derivative<F: Float>(&self, x: F, y: F) -> F {
        let zero = F::zero();
        let one = F::one();
        match *self {
            Activation::Identity => one,
            Activation::Sigmoid => y * (one - y),
            Activation::Tanh => one - y * y,
            Activation::Relu => {
                if y > zero {
                    one
                } else {
                    zero
                }
            }
            Activation::LeakyRelu { slope } => {
                if x > zero {
                    one
                } else {
                    F::cast(slope)
                }
            }
            Activation::Elu { alpha } => {
                if x > zero {
                    one
                } else {
                    F::cast(alpha) * x.exp()
                }
            }
            Activation::Gelu => {
                let cdf =
                    F::cast(0.5) * (one + (x * F::cast(std::f64::consts::FRAC_1_SQRT_2)).erf());
                let pdf = (-F::cast(0.5) * x * x).exp() * F::cast(INV_SQRT_2PI);
                cdf + x * pdf
            }
            Activation::GeluTanh => {
                let k = F::cast(GELU_K);
                let c = F::cast(0.044715);
                let x2 = x * x;
                let t = (k * (x + c * x2 * x)).tanh();
                let half = F::cast(0.5);
                half * (one + t) + half * x * (one - t * t) * k * (one + F::cast(3.0) * c * x2)
            }
            Activation::Silu => {
                let s = sigmoid(x);
                s * (one + x * (one - s))
            }
            Activation::Softplus { beta, threshold } => {
                let bx = x * F::cast(beta);
                if bx > F::cast(threshold) {
                    one
                } else {
                    sigmoid(bx)
                }
            }
        }
    }

    /// The derivative from the output alone; only valid when
    /// [`Activation::derivative_from_output`] holds (used on the fused fast path).
    #[inline]
    pub(crate) fn derivative_of_output<F: Float>(&self, y: F) -> F {
        let zero = F::zero();
        let one = F::one();
        match *self {
            Activation::Sigmoid => y * (one - y),
            Activation::Tanh => one - y * y,
            Activation::Relu => {
                if y > zero {
                    one
                } else {
                    zero
                }
            }
            // For slope > 0 the sign of the output is the sign of the input.
            Activation::LeakyRelu { slope } => {
                if y > zero {
                    one
                } else {
                    F::cast(slope)
                }
            }
            _ => one,
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::LeakyRelu { slope } => write!(f, "leaky_relu({slope})"),
            Activation::Elu { alpha } => write!(f, "elu({alpha})"),
            Activation::Softplus { beta, threshold } => {
                write!(f, "softplus(β={beta}, threshold={threshold})")
            }
            other => write!(f, "{}", other.torch_name().to_lowercase()),
        }
    }
}

/// √(2/π), the GELU tanh-approximation constant.
const GELU_K: f64 = 0.797_884_560_802_865_4;
/// 1/√(2π).
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// The logistic function, computed without overflow for any input.
///
/// ```
/// assert_eq!(tuneup::model::sigmoid(1000.0f64), 1.0);
/// assert_eq!(tuneup::model::sigmoid(-1000.0f64), 0.0);
/// ```
#[inline]
pub fn sigmoid<F: Float>(x: F) -> F {
    if x >= F::zero() {
        F::one() / (F::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (F::one() + e)
    }
}
