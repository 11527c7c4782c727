//! AdamW: Adam with decoupled weight decay.

use super::adam::{AdamConfig, AdamRule};
use super::engine::{engine_optimizer, Engine, StepContext, UpdateRule};
use crate::{Float, Result};

/// The settings of [`AdamW`], with PyTorch's defaults (`torch.optim.AdamW`): those of Adam,
/// except that the weight decay defaults to 0.01 and is decoupled.
///
/// ```
/// use tuneup::optim::{AdamW, AdamWConfig};
/// assert_eq!(AdamWConfig::default().weight_decay, 0.01);
/// let opt = AdamW::with_config(AdamWConfig { lr: 1e-3, weight_decay: 0.1, ..Default::default() })?;
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWConfig {
    /// Learning rate, finite and ≥ 0 (default 1e-3).
    pub lr: f64,
    /// Decay rates (β₁, β₂), each in [0, 1) (default (0.9, 0.999)).
    pub betas: (f64, f64),
    /// Added to the denominator after bias correction, finite and > 0 (default 1e-8).
    pub eps: f64,
    /// Decoupled weight decay λ: each step multiplies θ by 1 − lr·λ (finite, ≥ 0; default 0.01).
    pub weight_decay: f64,
    /// Use the AMSGrad variant (default false).
    pub amsgrad: bool,
    /// Maximise the objective instead of minimising it (default false).
    pub maximize: bool,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        AdamWConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 1e-2,
            amsgrad: false,
            maximize: false,
        }
    }
}

impl AdamWConfig {
    fn as_adam(&self) -> AdamConfig {
        AdamConfig {
            lr: self.lr,
            betas: self.betas,
            eps: self.eps,
            weight_decay: self.weight_decay,
            amsgrad: self.amsgrad,
            maximize: self.maximize,
        }
    }

    /// Checks every field; errors name the field, the value and the allowed range.
    ///
    /// ```
    /// use tuneup::optim::AdamWConfig;
    /// assert!(AdamWConfig { weight_decay: f64::NAN, ..Default::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        self.as_adam().validate_as("AdamW")
    }
}

/// The Adam rule with decoupled decay, stored under PyTorch's `AdamW` name.
#[derive(Debug, Clone, Copy)]
struct AdamWRule(AdamRule);

impl UpdateRule for AdamWRule {
    const KIND: &'static str = "AdamW";
    const STEP_CONTEXT: &'static str = "AdamW step";

    fn buffers(&self) -> &'static [&'static str] {
        self.0.buffer_names()
    }

    #[inline(always)]
    fn update<F: Float>(
        &self,
        ctx: &StepContext,
        buffers: &mut [&mut [F]],
        value: &mut [F],
        grad: &[F],
    ) {
        self.0.apply(ctx, buffers, value, grad);
    }
}

/// AdamW (`torch.optim.AdamW`): Adam whose weight decay shrinks the parameters directly instead
/// of entering the gradient, so it is not rescaled by the adaptive denominator.
///
/// For θ with gradient g at this parameter's step t (λ = weight_decay):
///
/// ```text
/// g ← −g if maximize
/// θ ← θ·(1 − lr·λ)
/// m ← β₁·m + (1 − β₁)·g;    v ← β₂·v + (1 − β₂)·g²;    v̂ ← max(v̂, v) if amsgrad else v
/// θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
/// ```
///
/// The learning rate multiplies the decay, as in PyTorch: a schedule lowers both together.
///
/// ```
/// use tuneup::prelude::*;
/// let opt = AdamW::new(1e-3)?.weight_decay(0.05)?.group(ParamGroup::biases_and_norms().weight_decay(0.0))?;
/// assert_eq!(opt.config().weight_decay, 0.05);
/// assert_eq!(AdamW::new(1e-3)?.config().weight_decay, 0.01);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AdamW {
    config: AdamWConfig,
    engine: Engine,
}

impl AdamW {
    /// AdamW with learning rate `lr` and PyTorch's other defaults (weight decay 0.01).
    pub fn new(lr: f64) -> Result<Self> {
        Self::with_config(AdamWConfig {
            lr,
            ..AdamWConfig::default()
        })
    }

    /// AdamW with every setting given at once.
    ///
    /// ```
    /// use tuneup::optim::{AdamW, AdamWConfig};
    /// assert!(AdamW::with_config(AdamWConfig { betas: (-0.1, 0.9), ..Default::default() }).is_err());
    /// ```
    pub fn with_config(config: AdamWConfig) -> Result<Self> {
        config.validate()?;
        Ok(AdamW {
            engine: Engine::new(config.lr, config.weight_decay),
            config,
        })
    }

    /// Sets (β₁, β₂), each in [0, 1).
    ///
    /// ```
    /// assert!(tuneup::optim::AdamW::new(1e-3).unwrap().betas(0.9, 1.5).is_err());
    /// ```
    pub fn betas(self, beta1: f64, beta2: f64) -> Result<Self> {
        self.reconfigure(|c| c.betas = (beta1, beta2))
    }

    /// Sets ε (finite, > 0).
    ///
    /// ```
    /// assert!(tuneup::optim::AdamW::new(1e-3).unwrap().eps(1e-6).is_ok());
    /// ```
    pub fn eps(self, eps: f64) -> Result<Self> {
        self.reconfigure(|c| c.eps = eps)
    }

    /// Sets the decoupled weight decay λ (finite, ≥ 0).
    ///
    /// ```
    /// assert!(tuneup::optim::AdamW::new(1e-3).unwrap().weight_decay(-0.01).is_err());
    /// ```
    pub fn weight_decay(self, weight_decay: f64) -> Result<Self> {
        self.reconfigure(|c| c.weight_decay = weight_decay)
    }

    /// Turns AMSGrad on or off.
    ///
    /// ```
    /// assert!(tuneup::optim::AdamW::new(1e-3).unwrap().amsgrad(true).is_ok());
    /// ```
    pub fn amsgrad(self, amsgrad: bool) -> Result<Self> {
        self.reconfigure(|c| c.amsgrad = amsgrad)
    }

    /// Maximises the objective instead of minimising it.
    ///
    /// ```
    /// assert!(tuneup::optim::AdamW::new(1e-3).unwrap().maximize(true).is_ok());
    /// ```
    pub fn maximize(self, maximize: bool) -> Result<Self> {
        self.reconfigure(|c| c.maximize = maximize)
    }

    fn rule(&self) -> AdamWRule {
        AdamWRule(AdamRule {
            betas: self.config.betas,
            eps: self.config.eps,
            amsgrad: self.config.amsgrad,
            maximize: self.config.maximize,
            decoupled: true,
        })
    }
}

engine_optimizer!(AdamW, AdamWConfig, "AdamW", "AdamW", 1e-3);
