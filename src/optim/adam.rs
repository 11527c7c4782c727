//! Adam, with coupled (L2) weight decay and the AMSGrad variant. The update rule is shared
//! with AdamW, which only moves the weight decay out of the gradient.

use super::engine::{engine_optimizer, Engine, StepContext, UpdateRule};
use super::optimizer::{
    check_learning_rate, check_non_negative, check_positive, check_unit_open, lerp,
};
use crate::{Float, Result};

/// The settings of [`Adam`], with PyTorch's defaults (`torch.optim.Adam`).
///
/// ```
/// use tuneup::optim::{Adam, AdamConfig};
/// let adam = Adam::with_config(AdamConfig { lr: 3e-4, amsgrad: true, ..Default::default() })?;
/// assert_eq!(adam.config().betas, (0.9, 0.999));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConfig {
    /// Learning rate, finite and ≥ 0 (default 1e-3).
    pub lr: f64,
    /// Decay rates (β₁, β₂) of the first and second moment averages, each in [0, 1)
    /// (default (0.9, 0.999)).
    pub betas: (f64, f64),
    /// Added to the denominator after bias correction, finite and > 0 (default 1e-8).
    pub eps: f64,
    /// L2 penalty added to the gradient, finite and ≥ 0 (default 0).
    pub weight_decay: f64,
    /// Use the AMSGrad variant (default false).
    pub amsgrad: bool,
    /// Maximise the objective instead of minimising it (default false).
    pub maximize: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            maximize: false,
        }
    }
}

impl AdamConfig {
    /// Checks every field, naming it in errors (`owner` is `"Adam"` or `"AdamW"`).
    pub(crate) fn validate_as(&self, owner: &str) -> Result<()> {
        check_learning_rate(owner, self.lr)?;
        check_unit_open(&format!("{owner}.betas.0"), self.betas.0)?;
        check_unit_open(&format!("{owner}.betas.1"), self.betas.1)?;
        check_positive(&format!("{owner}.eps"), self.eps)?;
        check_non_negative(&format!("{owner}.weight_decay"), self.weight_decay)
    }

    /// Checks every field; errors name the field, the value and the allowed range.
    ///
    /// ```
    /// use tuneup::optim::AdamConfig;
    /// assert!(AdamConfig { betas: (0.9, 1.0), ..Default::default() }.validate().is_err());
    /// assert!(AdamConfig { eps: 0.0, ..Default::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        self.validate_as("Adam")
    }
}

/// Adam's update of one parameter, as `torch.optim.Adam` / `AdamW` compute it (single-tensor
/// path). For θ with gradient g at this parameter's step t:
///
/// ```text
/// g ← −g if maximize
/// θ ← θ·(1 − lr·λ) if decoupled, else g ← g + λθ        (if λ ≠ 0)
/// m ← m + (1 − β₁)(g − m)                               (torch.lerp)
/// v ← β₂·v + (1 − β₂)·g²
/// v̂ ← max(v̂, v) if amsgrad, else v̂ = v                 (the max of the raw v, as PyTorch)
/// θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
/// ```
#[derive(Debug, Clone, Copy)]
pub(crate) struct AdamRule {
    pub betas: (f64, f64),
    pub eps: f64,
    pub amsgrad: bool,
    pub maximize: bool,
    pub decoupled: bool,
}

impl AdamRule {
    pub(crate) fn buffer_names(&self) -> &'static [&'static str] {
        if self.amsgrad {
            &["exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
        } else {
            &["exp_avg", "exp_avg_sq"]
        }
    }

    #[inline(always)]
    pub(crate) fn apply<F: Float>(
        &self,
        ctx: &StepContext,
        buffers: &mut [&mut [F]],
        value: &mut [F],
        grad: &[F],
    ) {
        // Scalars are computed in f64 and cast once, as PyTorch passes Python floats to its
        // kernels; the element-wise arithmetic runs in the parameters' own precision.
        let (beta1, beta2) = self.betas;
        let (lr, wd) = (ctx.lr, ctx.weight_decay);
        let t = ctx.step as f64;
        let bias_correction1 = 1.0 - beta1.powf(t);
        let bias_correction2 = 1.0 - beta2.powf(t);
        let neg_step_size = F::cast(-(lr / bias_correction1));
        let bias_correction2_sqrt = F::cast(bias_correction2.sqrt());
        let (w1, w2) = (F::cast(1.0 - beta1), F::cast(1.0 - beta2));
        let (beta2, eps) = (F::cast(beta2), F::cast(self.eps));
        let decay = F::cast(1.0 - lr * wd);
        let wd_f = F::cast(wd);
        let sign = if self.maximize { -F::one() } else { F::one() };
        let (decoupled, coupled) = (self.decoupled && wd != 0.0, !self.decoupled && wd != 0.0);
        // One element: returns the new value given the (possibly AMSGrad-maxed) second moment.
        let moments = |p: &mut F, g: F, m: &mut F, v: &mut F| {
            let mut g = sign * g;
            if decoupled {
                *p *= decay;
            } else if coupled {
                g += wd_f * *p;
            }
            *m = lerp(*m, g, w1);
            *v = *v * beta2 + w2 * g * g;
        };
        let finish = |p: F, m: F, v_hat: F| {
            let denom = v_hat.sqrt() / bias_correction2_sqrt + eps;
            p + (neg_step_size * m) / denom
        };
        match buffers {
            [m, v] => {
                for (((x, &g), m), v) in value
                    .iter_mut()
                    .zip(grad)
                    .zip(m.iter_mut())
                    .zip(v.iter_mut())
                {
                    let mut p = *x;
                    moments(&mut p, g, m, v);
                    *x = finish(p, *m, *v);
                }
            }
            [m, v, v_max] => {
                let elements = value
                    .iter_mut()
                    .zip(grad)
                    .zip(m.iter_mut())
                    .zip(v.iter_mut());
                for ((((x, &g), m), v), v_max) in elements.zip(v_max.iter_mut()) {
                    let mut p = *x;
                    moments(&mut p, g, m, v);
                    *v_max = v_max.max(*v);
                    *x = finish(p, *m, *v_max);
                }
            }
            _ => debug_assert!(false, "Adam keeps two or three buffers"),
        }
    }
}

impl UpdateRule for AdamRule {
    const KIND: &'static str = "Adam";
    const STEP_CONTEXT: &'static str = "Adam step";

    fn buffers(&self) -> &'static [&'static str] {
        self.buffer_names()
    }

    #[inline(always)]
    fn update<F: Float>(
        &self,
        ctx: &StepContext,
        buffers: &mut [&mut [F]],
        value: &mut [F],
        grad: &[F],
    ) {
        self.apply(ctx, buffers, value, grad);
    }
}

/// Adam (`torch.optim.Adam`): adaptive moments with bias correction, L2 weight decay added to
/// the gradient (use [`AdamW`](super::AdamW) for decoupled decay), optional AMSGrad, parameter
/// groups.
///
/// For θ with gradient g at this parameter's step t (β = betas, λ = weight_decay):
///
/// ```text
/// g ← −g if maximize;   g ← g + λθ if λ ≠ 0
/// m ← β₁·m + (1 − β₁)·g;    v ← β₂·v + (1 − β₂)·g²;    v̂ ← max(v̂, v) if amsgrad else v
/// θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
/// ```
///
/// ε is added *after* bias-correcting √v̂, as PyTorch does; with AMSGrad the running maximum is
/// taken over the raw second moment v (PyTorch's implementation, which differs slightly from
/// the bias-corrected maximum its documentation writes).
///
/// ```
/// use tuneup::prelude::*;
/// let adam = Adam::new(1e-3)?.betas(0.9, 0.99)?.amsgrad(true)?;
/// assert!(Adam::new(1e-3)?.eps(0.0).is_err());
/// assert!(Adam::new(1e-3)?.betas(1.0, 0.999).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Adam {
    config: AdamConfig,
    engine: Engine,
}

impl Adam {
    /// Adam with learning rate `lr` and PyTorch's other defaults.
    pub fn new(lr: f64) -> Result<Self> {
        Self::with_config(AdamConfig {
            lr,
            ..AdamConfig::default()
        })
    }

    /// Adam with every setting given at once.
    ///
    /// ```
    /// use tuneup::optim::{Adam, AdamConfig};
    /// assert!(Adam::with_config(AdamConfig { weight_decay: -1.0, ..Default::default() }).is_err());
    /// ```
    pub fn with_config(config: AdamConfig) -> Result<Self> {
        config.validate()?;
        Ok(Adam {
            engine: Engine::new(config.lr, config.weight_decay),
            config,
        })
    }

    /// Sets (β₁, β₂), each in [0, 1).
    ///
    /// ```
    /// assert!(tuneup::optim::Adam::new(1e-3).unwrap().betas(0.8, 0.95).is_ok());
    /// ```
    pub fn betas(self, beta1: f64, beta2: f64) -> Result<Self> {
        self.reconfigure(|c| c.betas = (beta1, beta2))
    }

    /// Sets ε (finite, > 0).
    ///
    /// ```
    /// assert!(tuneup::optim::Adam::new(1e-3).unwrap().eps(-1e-8).is_err());
    /// ```
    pub fn eps(self, eps: f64) -> Result<Self> {
        self.reconfigure(|c| c.eps = eps)
    }

    /// Sets the L2 weight decay added to the gradient (finite, ≥ 0).
    ///
    /// ```
    /// assert!(tuneup::optim::Adam::new(1e-3).unwrap().weight_decay(1e-4).is_ok());
    /// ```
    pub fn weight_decay(self, weight_decay: f64) -> Result<Self> {
        self.reconfigure(|c| c.weight_decay = weight_decay)
    }

    /// Turns AMSGrad on or off.
    ///
    /// ```
    /// assert!(tuneup::optim::Adam::new(1e-3).unwrap().amsgrad(true).unwrap().config().amsgrad);
    /// ```
    pub fn amsgrad(self, amsgrad: bool) -> Result<Self> {
        self.reconfigure(|c| c.amsgrad = amsgrad)
    }

    /// Maximises the objective instead of minimising it.
    ///
    /// ```
    /// assert!(tuneup::optim::Adam::new(1e-3).unwrap().maximize(true).is_ok());
    /// ```
    pub fn maximize(self, maximize: bool) -> Result<Self> {
        self.reconfigure(|c| c.maximize = maximize)
    }

    fn rule(&self) -> AdamRule {
        AdamRule {
            betas: self.config.betas,
            eps: self.config.eps,
            amsgrad: self.config.amsgrad,
            maximize: self.config.maximize,
            decoupled: false,
        }
    }
}

engine_optimizer!(Adam, AdamConfig, "Adam", "Adam", 1e-3);
