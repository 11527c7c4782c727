//! Adagrad: per-coordinate learning rates from the sum of squared gradients.

use super::engine::{engine_optimizer, Engine, StepContext, UpdateRule};
use super::optimizer::{check_learning_rate, check_non_negative, check_positive};
use crate::{Float, Result};

/// The settings of [`Adagrad`], with PyTorch's defaults (`torch.optim.Adagrad`).
///
/// ```
/// use tuneup::optim::{Adagrad, AdagradConfig};
/// let opt = Adagrad::with_config(AdagradConfig { lr_decay: 1e-3, ..Default::default() })?;
/// assert_eq!(opt.config().eps, 1e-10);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdagradConfig {
    /// Learning rate, finite and ≥ 0 (default 0.01).
    pub lr: f64,
    /// Learning-rate decay: step t uses lr / (1 + (t − 1)·lr_decay) (finite, ≥ 0; default 0).
    pub lr_decay: f64,
    /// L2 penalty added to the gradient, finite and ≥ 0 (default 0).
    pub weight_decay: f64,
    /// Starting value of the sum of squared gradients, finite and ≥ 0 (default 0).
    pub initial_accumulator_value: f64,
    /// Added to the denominator, finite and > 0 (default 1e-10).
    pub eps: f64,
    /// Maximise the objective instead of minimising it (default false).
    pub maximize: bool,
}

impl Default for AdagradConfig {
    fn default() -> Self {
        AdagradConfig {
            lr: 1e-2,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            maximize: false,
        }
    }
}

impl AdagradConfig {
    /// Checks every field; errors name the field, the value and the allowed range.
    ///
    /// ```
    /// use tuneup::optim::AdagradConfig;
    /// assert!(AdagradConfig { lr_decay: -1.0, ..Default::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_learning_rate("Adagrad", self.lr)?;
        check_non_negative("Adagrad.lr_decay", self.lr_decay)?;
        check_non_negative("Adagrad.weight_decay", self.weight_decay)?;
        check_non_negative(
            "Adagrad.initial_accumulator_value",
            self.initial_accumulator_value,
        )?;
        check_positive("Adagrad.eps", self.eps)
    }
}

/// Adagrad's update of one parameter at its step t, as `torch.optim.Adagrad` computes it:
///
/// ```text
/// g ← −g if maximize;   g ← g + λθ if λ ≠ 0
/// s ← s + g²                                  (s starts at initial_accumulator_value)
/// θ ← θ − (lr / (1 + (t − 1)·lr_decay)) · g / (√s + ε)
/// ```
#[derive(Debug, Clone, Copy)]
struct AdagradRule {
    lr_decay: f64,
    initial_accumulator_value: f64,
    eps: f64,
    maximize: bool,
}

impl UpdateRule for AdagradRule {
    const KIND: &'static str = "Adagrad";
    const STEP_CONTEXT: &'static str = "Adagrad step";

    fn buffers(&self) -> &'static [&'static str] {
        &["sum"]
    }

    fn initial_value(&self) -> f64 {
        self.initial_accumulator_value
    }

    #[inline(always)]
    fn update<F: Float>(
        &self,
        ctx: &StepContext,
        buffers: &mut [&mut [F]],
        value: &mut [F],
        grad: &[F],
    ) {
        let [sum] = buffers else {
            debug_assert!(false, "Adagrad keeps one buffer");
            return;
        };
        let wd = F::cast(ctx.weight_decay);
        let clr = ctx.lr / (1.0 + (ctx.step as f64 - 1.0) * self.lr_decay);
        let neg_clr = F::cast(-clr);
        let eps = F::cast(self.eps);
        let sign = if self.maximize { -F::one() } else { F::one() };
        for ((x, &g), s) in value.iter_mut().zip(grad).zip(sum.iter_mut()) {
            let p = *x;
            let mut g = sign * g;
            if wd != F::zero() {
                g += wd * p;
            }
            *s += g * g;
            let std = s.sqrt() + eps;
            *x = p + (neg_clr * g) / std;
        }
    }
}

/// Adagrad (`torch.optim.Adagrad`): each coordinate's step shrinks with the sum of its squared
/// gradients; with learning-rate decay, L2 weight decay, a starting accumulator and parameter
/// groups.
///
/// For θ with gradient g at this parameter's step t (λ = weight_decay):
///
/// ```text
/// g ← −g if maximize;   g ← g + λθ if λ ≠ 0
/// s ← s + g²                                  (s₀ = initial_accumulator_value)
/// θ ← θ − (lr / (1 + (t − 1)·lr_decay)) · g / (√s + ε)
/// ```
///
/// ```
/// use tuneup::prelude::*;
/// let opt = Adagrad::new(0.05)?.lr_decay(1e-3)?.initial_accumulator_value(0.1)?;
/// assert!(Adagrad::new(0.05)?.eps(0.0).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Adagrad {
    config: AdagradConfig,
    engine: Engine,
}

impl Adagrad {
    /// Adagrad with learning rate `lr` and PyTorch's other defaults.
    pub fn new(lr: f64) -> Result<Self> {
        Self::with_config(AdagradConfig {
            lr,
            ..AdagradConfig::default()
        })
    }

    /// Adagrad with every setting given at once.
    ///
    /// ```
    /// use tuneup::optim::{Adagrad, AdagradConfig};
    /// let bad = AdagradConfig { initial_accumulator_value: -1.0, ..Default::default() };
    /// assert!(Adagrad::with_config(bad).is_err());
    /// ```
    pub fn with_config(config: AdagradConfig) -> Result<Self> {
        config.validate()?;
        Ok(Adagrad {
            engine: Engine::new(config.lr, config.weight_decay),
            config,
        })
    }

    /// Sets the learning-rate decay (finite, ≥ 0).
    ///
    /// ```
    /// assert!(tuneup::optim::Adagrad::new(0.01).unwrap().lr_decay(0.1).is_ok());
    /// ```
    pub fn lr_decay(self, lr_decay: f64) -> Result<Self> {
        self.reconfigure(|c| c.lr_decay = lr_decay)
    }

    /// Sets the L2 weight decay (finite, ≥ 0).
    ///
    /// ```
    /// assert!(tuneup::optim::Adagrad::new(0.01).unwrap().weight_decay(-1.0).is_err());
    /// ```
    pub fn weight_decay(self, weight_decay: f64) -> Result<Self> {
        self.reconfigure(|c| c.weight_decay = weight_decay)
    }

    /// Sets the starting value of the accumulator (finite, ≥ 0).
    ///
    /// ```
    /// assert!(tuneup::optim::Adagrad::new(0.01).unwrap().initial_accumulator_value(0.1).is_ok());
    /// ```
    pub fn initial_accumulator_value(self, value: f64) -> Result<Self> {
        self.reconfigure(|c| c.initial_accumulator_value = value)
    }

    /// Sets ε (finite, > 0).
    ///
    /// ```
    /// assert!(tuneup::optim::Adagrad::new(0.01).unwrap().eps(1e-8).is_ok());
    /// ```
    pub fn eps(self, eps: f64) -> Result<Self> {
        self.reconfigure(|c| c.eps = eps)
    }

    /// Maximises the objective instead of minimising it.
    ///
    /// ```
    /// assert!(tuneup::optim::Adagrad::new(0.01).unwrap().maximize(true).is_ok());
    /// ```
    pub fn maximize(self, maximize: bool) -> Result<Self> {
        self.reconfigure(|c| c.maximize = maximize)
    }

    fn rule(&self) -> AdagradRule {
        AdagradRule {
            lr_decay: self.config.lr_decay,
            initial_accumulator_value: self.config.initial_accumulator_value,
            eps: self.config.eps,
            maximize: self.config.maximize,
        }
    }
}

engine_optimizer!(Adagrad, AdagradConfig, "Adagrad", "Adagrad", 0.01);
