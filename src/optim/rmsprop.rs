//! RMSprop, plain or centered, with optional momentum.

use super::engine::{engine_optimizer, Engine, StepContext, UpdateRule};
use super::optimizer::{
    check_learning_rate, check_non_negative, check_positive, check_unit_closed, check_unit_open,
    lerp,
};
use crate::{Float, Result};

/// The settings of [`RmsProp`], with PyTorch's defaults (`torch.optim.RMSprop`).
///
/// ```
/// use tuneup::optim::{RmsProp, RmsPropConfig};
/// let opt = RmsProp::with_config(RmsPropConfig { centered: true, momentum: 0.9, ..Default::default() })?;
/// assert_eq!(opt.config().alpha, 0.99);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RmsPropConfig {
    /// Learning rate, finite and ≥ 0 (default 0.01).
    pub lr: f64,
    /// Smoothing constant of the squared-gradient average, in [0, 1] (default 0.99).
    pub alpha: f64,
    /// Added to the denominator, finite and > 0 (default 1e-8).
    pub eps: f64,
    /// L2 penalty added to the gradient, finite and ≥ 0 (default 0).
    pub weight_decay: f64,
    /// Momentum factor in [0, 1) (default 0: no momentum buffer).
    pub momentum: f64,
    /// Normalise by an estimate of the gradient's variance instead of its second moment
    /// (default false).
    pub centered: bool,
    /// Maximise the objective instead of minimising it (default false).
    pub maximize: bool,
}

impl Default for RmsPropConfig {
    fn default() -> Self {
        RmsPropConfig {
            lr: 1e-2,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
            maximize: false,
        }
    }
}

impl RmsPropConfig {
    /// Checks every field; errors name the field, the value and the allowed range.
    ///
    /// ```
    /// use tuneup::optim::RmsPropConfig;
    /// assert!(RmsPropConfig { alpha: 1.5, ..Default::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_learning_rate("RmsProp", self.lr)?;
        check_unit_closed("RmsProp.alpha", self.alpha)?;
        check_positive("RmsProp.eps", self.eps)?;
        check_non_negative("RmsProp.weight_decay", self.weight_decay)?;
        check_unit_open("RmsProp.momentum", self.momentum)
    }
}

/// RMSprop's update of one parameter, as `torch.optim.RMSprop` computes it:
///
/// ```text
/// g ← −g if maximize;   g ← g + λθ if λ ≠ 0
/// s ← α·s + (1 − α)·g²
/// if centered:  ḡ ← ḡ + (1 − α)(g − ḡ);   d ← √(s − ḡ²) + ε       else d ← √s + ε
/// if μ > 0:  b ← μ·b + g/d;   θ ← θ − lr·b                         else θ ← θ − lr·g/d
/// ```
#[derive(Debug, Clone, Copy)]
struct RmsPropRule {
    alpha: f64,
    eps: f64,
    momentum: f64,
    centered: bool,
    maximize: bool,
}

impl UpdateRule for RmsPropRule {
    const KIND: &'static str = "RMSprop";
    const STEP_CONTEXT: &'static str = "RMSprop step";

    fn buffers(&self) -> &'static [&'static str] {
        match (self.momentum > 0.0, self.centered) {
            (false, false) => &["square_avg"],
            (true, false) => &["square_avg", "momentum_buffer"],
            (false, true) => &["square_avg", "grad_avg"],
            (true, true) => &["square_avg", "momentum_buffer", "grad_avg"],
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
        let (neg_lr, wd, eps, alpha, mu) = (
            F::cast(-ctx.lr),
            F::cast(ctx.weight_decay),
            F::cast(self.eps),
            F::cast(self.alpha),
            F::cast(self.momentum),
        );
        let w = F::cast(1.0 - self.alpha);
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
            [s] => {
                for ((x, &g), s) in value.iter_mut().zip(grad).zip(s.iter_mut()) {
                    let p = *x;
                    let g = direction(p, g);
                    *s = *s * alpha + w * g * g;
                    let d = s.sqrt() + eps;
                    *x = p + (neg_lr * g) / d;
                }
            }
            [s, b] if !self.centered => {
                for (((x, &g), s), b) in value
                    .iter_mut()
                    .zip(grad)
                    .zip(s.iter_mut())
                    .zip(b.iter_mut())
                {
                    let p = *x;
                    let g = direction(p, g);
                    *s = *s * alpha + w * g * g;
                    let d = s.sqrt() + eps;
                    *b = *b * mu + g / d;
                    *x = p + neg_lr * *b;
                }
            }
            [s, a] => {
                for (((x, &g), s), a) in value
                    .iter_mut()
                    .zip(grad)
                    .zip(s.iter_mut())
                    .zip(a.iter_mut())
                {
                    let p = *x;
                    let g = direction(p, g);
                    *s = *s * alpha + w * g * g;
                    *a = lerp(*a, g, w);
                    let d = (*s + (-*a) * *a).sqrt() + eps;
                    *x = p + (neg_lr * g) / d;
                }
            }
            [s, b, a] => {
                let elements = value
                    .iter_mut()
                    .zip(grad)
                    .zip(s.iter_mut())
                    .zip(b.iter_mut());
                for ((((x, &g), s), b), a) in elements.zip(a.iter_mut()) {
                    let p = *x;
                    let g = direction(p, g);
                    *s = *s * alpha + w * g * g;
                    *a = lerp(*a, g, w);
                    let d = (*s + (-*a) * *a).sqrt() + eps;
                    *b = *b * mu + g / d;
                    *x = p + neg_lr * *b;
                }
            }
            _ => debug_assert!(false, "RMSprop keeps one to three buffers"),
        }
    }
}

/// RMSprop (`torch.optim.RMSprop`): divides the gradient by a running root mean square, with
/// the centered variant, momentum, L2 weight decay and parameter groups.
///
/// For θ with gradient g (α = alpha, λ = weight_decay, μ = momentum):
///
/// ```text
/// g ← −g if maximize;   g ← g + λθ if λ ≠ 0
/// s ← α·s + (1 − α)·g²
/// d ← √(s − ḡ²) + ε with ḡ ← α·ḡ + (1 − α)·g if centered, else d ← √s + ε
/// if μ > 0:  b ← μ·b + g/d;  θ ← θ − lr·b        else θ ← θ − lr·g/d
/// ```
///
/// ```
/// use tuneup::prelude::*;
/// let opt = RmsProp::new(1e-2)?.alpha(0.9)?.centered(true)?.momentum(0.5)?;
/// assert!(RmsProp::new(1e-2)?.momentum(-0.1).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RmsProp {
    config: RmsPropConfig,
    engine: Engine,
}

impl RmsProp {
    /// RMSprop with learning rate `lr` and PyTorch's other defaults.
    pub fn new(lr: f64) -> Result<Self> {
        Self::with_config(RmsPropConfig {
            lr,
            ..RmsPropConfig::default()
        })
    }

    /// RMSprop with every setting given at once.
    ///
    /// ```
    /// use tuneup::optim::{RmsProp, RmsPropConfig};
    /// assert!(RmsProp::with_config(RmsPropConfig { eps: 0.0, ..Default::default() }).is_err());
    /// ```
    pub fn with_config(config: RmsPropConfig) -> Result<Self> {
        config.validate()?;
        Ok(RmsProp {
            engine: Engine::new(config.lr, config.weight_decay),
            config,
        })
    }

    /// Sets the smoothing constant α, in [0, 1].
    ///
    /// ```
    /// assert!(tuneup::optim::RmsProp::new(1e-2).unwrap().alpha(0.9).is_ok());
    /// ```
    pub fn alpha(self, alpha: f64) -> Result<Self> {
        self.reconfigure(|c| c.alpha = alpha)
    }

    /// Sets ε (finite, > 0).
    ///
    /// ```
    /// assert!(tuneup::optim::RmsProp::new(1e-2).unwrap().eps(f64::NAN).is_err());
    /// ```
    pub fn eps(self, eps: f64) -> Result<Self> {
        self.reconfigure(|c| c.eps = eps)
    }

    /// Sets the L2 weight decay (finite, ≥ 0).
    ///
    /// ```
    /// assert!(tuneup::optim::RmsProp::new(1e-2).unwrap().weight_decay(1e-4).is_ok());
    /// ```
    pub fn weight_decay(self, weight_decay: f64) -> Result<Self> {
        self.reconfigure(|c| c.weight_decay = weight_decay)
    }

    /// Sets the momentum factor, in [0, 1).
    ///
    /// ```
    /// assert!(tuneup::optim::RmsProp::new(1e-2).unwrap().momentum(0.9).is_ok());
    /// ```
    pub fn momentum(self, momentum: f64) -> Result<Self> {
        self.reconfigure(|c| c.momentum = momentum)
    }

    /// Turns the centered variant on or off.
    ///
    /// ```
    /// assert!(tuneup::optim::RmsProp::new(1e-2).unwrap().centered(true).is_ok());
    /// ```
    pub fn centered(self, centered: bool) -> Result<Self> {
        self.reconfigure(|c| c.centered = centered)
    }

    /// Maximises the objective instead of minimising it.
    ///
    /// ```
    /// assert!(tuneup::optim::RmsProp::new(1e-2).unwrap().maximize(true).is_ok());
    /// ```
    pub fn maximize(self, maximize: bool) -> Result<Self> {
        self.reconfigure(|c| c.maximize = maximize)
    }

    fn rule(&self) -> RmsPropRule {
        RmsPropRule {
            alpha: self.config.alpha,
            eps: self.config.eps,
            momentum: self.config.momentum,
            centered: self.config.centered,
            maximize: self.config.maximize,
        }
    }
}

engine_optimizer!(RmsProp, RmsPropConfig, "RmsProp", "RMSprop", 1e-2);
