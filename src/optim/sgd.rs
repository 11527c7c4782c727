//! Stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

use super::engine::{engine_optimizer, Engine, StepContext, UpdateRule};
use super::optimizer::{
    check_learning_rate, check_non_negative, check_unit_closed, check_unit_open,
};
use crate::{Error, Float, Result};

/// The settings of [`Sgd`], with PyTorch's defaults (`torch.optim.SGD`).
///
/// ```
/// use tuneup::optim::{Sgd, SgdConfig};
/// let sgd = Sgd::with_config(SgdConfig { lr: 0.1, momentum: 0.9, nesterov: true, ..Default::default() })?;
/// assert_eq!(sgd.config().momentum, 0.9);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdConfig {
    /// Learning rate, finite and ≥ 0 (default 1e-3).
    pub lr: f64,
    /// Momentum factor in [0, 1) (default 0: plain SGD, no buffer).
    pub momentum: f64,
    /// Dampening of the gradient added to the momentum buffer, in [0, 1] (default 0).
    pub dampening: f64,
    /// L2 penalty added to the gradient, finite and ≥ 0 (default 0).
    pub weight_decay: f64,
    /// Nesterov momentum; needs momentum > 0 and dampening = 0, as in PyTorch (default false).
    pub nesterov: bool,
    /// Maximise the objective instead of minimising it (default false).
    pub maximize: bool,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            maximize: false,
        }
    }
}

impl SgdConfig {
    /// Checks every field; errors name the field, the value and the allowed range.
    ///
    /// ```
    /// use tuneup::optim::SgdConfig;
    /// assert!(SgdConfig { nesterov: true, ..Default::default() }.validate().is_err());
    /// assert!(SgdConfig::default().validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_learning_rate("Sgd", self.lr)?;
        check_unit_open("Sgd.momentum", self.momentum)?;
        check_unit_closed("Sgd.dampening", self.dampening)?;
        check_non_negative("Sgd.weight_decay", self.weight_decay)?;
        if self.nesterov && self.momentum <= 0.0 {
            return Err(Error::config(
                "Sgd.nesterov",
                format!("true with momentum = {}", self.momentum),
                "momentum > 0 for Nesterov momentum (set momentum before nesterov)",
            ));
        }
        if self.nesterov && self.dampening != 0.0 {
            return Err(Error::config(
                "Sgd.nesterov",
                format!("true with dampening = {}", self.dampening),
                "dampening = 0 for Nesterov momentum",
            ));
        }
        Ok(())
    }
}

/// The SGD update rule, as `torch.optim.SGD` computes it. For each parameter θ with gradient g:
///
/// ```text
/// g ← −g if maximize
/// g ← g + λθ                                  (λ = weight_decay, if ≠ 0)
/// if μ ≠ 0:  b ← g on the first step, else b ← μ·b + (1 − τ)·g      (τ = dampening)
///            g ← g + μ·b if nesterov, else g ← b
/// θ ← θ − lr·g
/// ```
#[derive(Debug, Clone, Copy)]
struct SgdRule {
    momentum: f64,
    dampening: f64,
    nesterov: bool,
    maximize: bool,
}

impl UpdateRule for SgdRule {
    const KIND: &'static str = "SGD";
    const STEP_CONTEXT: &'static str = "SGD step";

    fn buffers(&self) -> &'static [&'static str] {
        if self.momentum != 0.0 {
            &["momentum_buffer"]
        } else {
            &[]
        }
    }

    #[inline(always)]
    fn update<F: Float>(
        &self,
        ctx: &StepContext,
        buffers: &mut [&mut [F]],
        value: &mut [F],
        grad: &[F],
    ) {
        let (neg_lr, wd) = (F::cast(-ctx.lr), F::cast(ctx.weight_decay));
        let sign = if self.maximize { -F::one() } else { F::one() };
        let direction = |p: F, g: F| {
            let g = sign * g;
            if wd != F::zero() {
                g + wd * p
            } else {
                g
            }
        };
        match buffers {
            [buffer] => {
                let (mu, keep) = (F::cast(self.momentum), F::cast(1.0 - self.dampening));
                let first = ctx.step == 1;
                for ((v, &g), b) in value.iter_mut().zip(grad).zip(buffer.iter_mut()) {
                    let p = *v;
                    let d = direction(p, g);
                    *b = if first { d } else { *b * mu + keep * d };
                    let d = if self.nesterov { d + mu * *b } else { *b };
                    *v = p + neg_lr * d;
                }
            }
            _ => {
                for (v, &g) in value.iter_mut().zip(grad) {
                    let p = *v;
                    *v = p + neg_lr * direction(p, g);
                }
            }
        }
    }
}

/// Stochastic gradient descent (`torch.optim.SGD`): plain, with momentum, dampening or
/// Nesterov momentum, L2 weight decay and parameter groups.
///
/// `Sgd::new(lr)` is plain SGD, `θ ← θ − lr·g`; the builder methods add the rest, each checked
/// at once (set `momentum` before `nesterov`). The full update is
///
/// ```text
/// g ← −g if maximize;   g ← g + λθ if λ ≠ 0
/// if μ ≠ 0:  b ← g (first step) or μ·b + (1 − dampening)·g;   g ← g + μ·b (Nesterov) or b
/// θ ← θ − lr·g
/// ```
///
/// ```
/// use tuneup::prelude::*;
/// assert!(Sgd::new(-0.1).is_err());
/// assert!(Sgd::new(f64::NAN).is_err());
/// assert_eq!(Sgd::new(0.1).unwrap().learning_rate(), 0.1);
/// let sgd = Sgd::new(0.05)?.momentum(0.9)?.nesterov(true)?.weight_decay(1e-4)?
///     .group(ParamGroup::biases_and_norms().weight_decay(0.0))?;
/// assert!(Sgd::new(0.05)?.nesterov(true).is_err()); // Nesterov needs momentum
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Sgd {
    config: SgdConfig,
    engine: Engine,
}

impl Sgd {
    /// Plain SGD with learning rate `lr` (finite, ≥ 0).
    pub fn new(lr: f64) -> Result<Self> {
        Self::with_config(SgdConfig {
            lr,
            ..SgdConfig::default()
        })
    }

    /// SGD with every setting given at once (checked together, so order does not matter).
    ///
    /// ```
    /// use tuneup::optim::{Sgd, SgdConfig};
    /// let bad = Sgd::with_config(SgdConfig { momentum: -0.5, ..Default::default() });
    /// assert!(matches!(bad, Err(tuneup::Error::Config { .. })));
    /// ```
    pub fn with_config(config: SgdConfig) -> Result<Self> {
        config.validate()?;
        Ok(Sgd {
            engine: Engine::new(config.lr, config.weight_decay),
            config,
        })
    }

    /// Sets the momentum factor μ, in [0, 1).
    ///
    /// ```
    /// assert!(tuneup::optim::Sgd::new(0.1).unwrap().momentum(1.0).is_err());
    /// ```
    pub fn momentum(self, momentum: f64) -> Result<Self> {
        self.reconfigure(|c| c.momentum = momentum)
    }

    /// Sets the dampening τ, in [0, 1]; must stay 0 with Nesterov momentum.
    ///
    /// ```
    /// let sgd = tuneup::optim::Sgd::new(0.1).unwrap().momentum(0.9).unwrap();
    /// assert!(sgd.dampening(0.1).is_ok());
    /// ```
    pub fn dampening(self, dampening: f64) -> Result<Self> {
        self.reconfigure(|c| c.dampening = dampening)
    }

    /// Turns Nesterov momentum on or off; needs momentum > 0 and dampening 0.
    ///
    /// ```
    /// let sgd = tuneup::optim::Sgd::new(0.1).unwrap().momentum(0.9).unwrap();
    /// assert!(sgd.nesterov(true).is_ok());
    /// ```
    pub fn nesterov(self, nesterov: bool) -> Result<Self> {
        self.reconfigure(|c| c.nesterov = nesterov)
    }

    /// Sets the L2 weight decay λ added to the gradient (finite, ≥ 0).
    ///
    /// ```
    /// assert!(tuneup::optim::Sgd::new(0.1).unwrap().weight_decay(-1.0).is_err());
    /// ```
    pub fn weight_decay(self, weight_decay: f64) -> Result<Self> {
        self.reconfigure(|c| c.weight_decay = weight_decay)
    }

    /// Maximises the objective instead of minimising it.
    ///
    /// ```
    /// assert!(tuneup::optim::Sgd::new(0.1).unwrap().maximize(true).unwrap().config().maximize);
    /// ```
    pub fn maximize(self, maximize: bool) -> Result<Self> {
        self.reconfigure(|c| c.maximize = maximize)
    }

    fn rule(&self) -> SgdRule {
        SgdRule {
            momentum: self.config.momentum,
            dampening: self.config.dampening,
            nesterov: self.config.nesterov,
            maximize: self.config.maximize,
        }
    }
}

engine_optimizer!(Sgd, SgdConfig, "Sgd", "SGD", 0.1);
