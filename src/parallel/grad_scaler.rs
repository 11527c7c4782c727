//! Dynamic loss scaling for mixed-precision training, with `torch.amp.GradScaler`'s semantics.

use ndarray::ArrayViewMut2;

use super::GradScalerState;
use crate::model::Layer;
use crate::optim::Optimizer;
use crate::{Error, Float, Result};

/// The settings of a [`GradScaler`], PyTorch's defaults included. Setting fields cannot fail;
/// [`GradScalerConfig::check`] (called by [`GradScaler::with_config`]) validates them.
///
/// ```
/// use tuneup::parallel::GradScalerConfig;
/// let c = GradScalerConfig::default();
/// assert_eq!((c.init_scale, c.growth_factor, c.backoff_factor, c.growth_interval),
///            (65536.0, 2.0, 0.5, 2000));
/// assert!(c.enabled && c.check().is_ok());
/// assert!(GradScalerConfig { growth_factor: 1.0, ..c }.check().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradScalerConfig {
    /// The first scale, finite and > 0 (default 2¹⁶ = 65536).
    pub init_scale: f64,
    /// The factor applied after `growth_interval` steps in a row without overflow, finite and
    /// > 1 (default 2).
    pub growth_factor: f64,
    /// The factor applied after a step with overflow, in (0, 1) (default 0.5).
    pub backoff_factor: f64,
    /// How many steps in a row without overflow make the scale grow, ≥ 1 (default 2000).
    pub growth_interval: u32,
    /// When false the scaler does nothing: `scale` multiplies by 1, `step` steps, `update`
    /// keeps everything (default true).
    pub enabled: bool,
}

impl Default for GradScalerConfig {
    fn default() -> Self {
        GradScalerConfig {
            init_scale: 65536.0,
            growth_factor: 2.0,
            backoff_factor: 0.5,
            growth_interval: 2000,
            enabled: true,
        }
    }
}

impl GradScalerConfig {
    /// Checks every field; [`Error::Config`] names the first one out of range.
    ///
    /// ```
    /// use tuneup::parallel::GradScalerConfig;
    /// let bad = GradScalerConfig { backoff_factor: 1.0, ..Default::default() };
    /// assert!(bad.check().unwrap_err().to_string().contains("GradScaler.backoff_factor"));
    /// ```
    pub fn check(&self) -> Result<()> {
        let finite_f32 = |v: f64| v.is_finite() && (v as f32).is_finite();
        if !(finite_f32(self.init_scale) && self.init_scale > 0.0) {
            return Err(Error::config(
                "GradScaler.init_scale",
                self.init_scale,
                "a number > 0 that is finite in f32",
            ));
        }
        if !(self.growth_factor.is_finite() && self.growth_factor > 1.0) {
            return Err(Error::config(
                "GradScaler.growth_factor",
                self.growth_factor,
                "a finite number > 1",
            ));
        }
        if !(self.backoff_factor > 0.0 && self.backoff_factor < 1.0) {
            return Err(Error::config(
                "GradScaler.backoff_factor",
                self.backoff_factor,
                "a number in (0, 1)",
            ));
        }
        if self.growth_interval == 0 || self.growth_interval > i32::MAX as u32 {
            return Err(Error::config(
                "GradScaler.growth_interval",
                self.growth_interval,
                "a step count in [1, 2³¹ − 1]",
            ));
        }
        Ok(())
    }
}

/// Where the scaler stands between two [`GradScaler::update`] calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Nothing recorded since the last update.
    Ready,
    /// Gradients unscaled; whether one was non-finite.
    Unscaled { found_inf: bool },
    /// The step was taken or skipped; whether it was skipped.
    Stepped { found_inf: bool },
}

/// Dynamic loss scaling, as `torch.amp.GradScaler`: multiply the loss (its gradient) by a
/// large scale so that small gradients survive low-precision arithmetic, divide the
/// gradients by it before the step, skip any step whose gradients overflowed and adapt the
/// scale.
///
/// Per iteration: [`scale`](GradScaler::scale) the loss gradient, backpropagate,
/// optionally [`unscale`](GradScaler::unscale) (needed before clipping or reading the
/// gradients), [`step`](GradScaler::step), [`update`](GradScaler::update). The update rule is
/// PyTorch's `_amp_update_scale_`, on a scale kept in `f32` as PyTorch keeps it: an overflow
/// multiplies the scale by `backoff_factor` and restarts the count; `growth_interval` clean
/// steps in a row multiply it by `growth_factor` (rounded to `f32`; kept when that would
/// overflow `f32`).
///
/// A skipped step changes no parameter and no optimizer state (the gradients are left
/// unscaled, as PyTorch leaves them). As in PyTorch, overflow is read from the scaled
/// gradients; a gradient that becomes non-finite only *by* unscaling (a scale backed off to
/// 0 after some 150 overflows in a row) is not an overflow, and the optimizer then refuses
/// the step with [`Error::NonFinite`], changing nothing, where PyTorch would step on it.
/// Frozen parameters are left out, as PyTorch leaves out parameters without a gradient. The
/// scaler allocates nothing.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::parallel::GradScaler;
/// let mut net = Mlp::new(&[2, 1]).seed(0).build::<f32>()?;
/// let mut sgd = Sgd::new(0.1)?;
/// let mut scaler = GradScaler::new();
/// let (x, y) = (ndarray::array![[1.0f32, 2.0]], ndarray::array![[0.5f32]]);
/// let mut grad = ndarray::Array2::zeros((0, 0));
/// net.zero_grad();
/// let out = net.forward(x.view(), Mode::Train)?;
/// Mse::new().value_and_grad(out, (&y).into(), &mut grad)?;
/// scaler.scale(grad.view_mut());                     // the loss times 65536
/// net.backward_parameters(grad.view())?;
/// assert!(!scaler.unscale(&mut net)?);               // no overflow; gradients back to size
/// clip_grad_norm(&mut net, 1.0, 2.0, false)?;        // clip the unscaled gradients
/// assert!(scaler.step(&mut sgd, &mut net)?);         // stepped
/// scaler.update()?;
/// assert_eq!(scaler.scale_factor(), 65536.0);
/// assert_eq!(scaler.growth_tracker(), 1);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GradScaler {
    config: GradScalerConfig,
    scale: f32,
    growth_tracker: u32,
    stage: Stage,
}

impl Default for GradScaler {
    fn default() -> Self {
        GradScaler::new()
    }
}

impl GradScaler {
    /// A scaler with PyTorch's defaults ([`GradScalerConfig::default`]).
    ///
    /// ```
    /// let s = tuneup::parallel::GradScaler::new();
    /// assert_eq!(s.scale_factor(), 65536.0);
    /// ```
    pub fn new() -> Self {
        let config = GradScalerConfig::default();
        GradScaler {
            scale: config.init_scale as f32,
            config,
            growth_tracker: 0,
            stage: Stage::Ready,
        }
    }

    /// A scaler with the given settings, checked ([`GradScalerConfig::check`]).
    ///
    /// ```
    /// use tuneup::parallel::{GradScaler, GradScalerConfig};
    /// let s = GradScaler::with_config(GradScalerConfig { init_scale: 1024.0, ..Default::default() })?;
    /// assert_eq!(s.scale_factor(), 1024.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_config(config: GradScalerConfig) -> Result<Self> {
        config.check()?;
        Ok(GradScaler {
            config,
            scale: config.init_scale as f32,
            growth_tracker: 0,
            stage: Stage::Ready,
        })
    }

    /// The settings it was built with (growth and backoff factors and interval as loaded by
    /// [`load_state`](GradScaler::load_state)).
    ///
    /// ```
    /// assert_eq!(tuneup::parallel::GradScaler::new().config().growth_interval, 2000);
    /// ```
    pub fn config(&self) -> &GradScalerConfig {
        &self.config
    }

    /// True unless built with `enabled: false`.
    ///
    /// ```
    /// assert!(tuneup::parallel::GradScaler::new().is_enabled());
    /// ```
    pub fn is_enabled(&self) -> bool {
        self.config.enabled
    }

    /// The current scale (`get_scale()`); 1 when disabled.
    ///
    /// ```
    /// assert_eq!(tuneup::parallel::GradScaler::new().scale_factor(), 65536.0);
    /// ```
    pub fn scale_factor(&self) -> f64 {
        if self.config.enabled {
            f64::from(self.scale)
        } else {
            1.0
        }
    }

    /// Clean steps in a row since the scale last changed (PyTorch's `_growth_tracker`).
    ///
    /// ```
    /// assert_eq!(tuneup::parallel::GradScaler::new().growth_tracker(), 0);
    /// ```
    pub fn growth_tracker(&self) -> u32 {
        self.growth_tracker
    }

    /// The loss value times the scale (what `scaler.scale(loss)` returns), for reporting.
    ///
    /// ```
    /// assert_eq!(tuneup::parallel::GradScaler::new().scale_loss(0.5), 32768.0);
    /// ```
    pub fn scale_loss(&self, loss: f64) -> f64 {
        loss * self.scale_factor()
    }

    /// Multiplies the loss gradient (the gradient of the model's output, before backward) by
    /// the scale: backpropagating it gives the gradients of the scaled loss.
    ///
    /// ```
    /// let mut g = ndarray::array![[0.25f32, -1.0]];
    /// tuneup::parallel::GradScaler::new().scale(g.view_mut());
    /// assert_eq!(g, ndarray::array![[16384.0f32, -65536.0]]);
    /// ```
    pub fn scale<F: Float>(&self, mut loss_gradient: ArrayViewMut2<'_, F>) {
        if !self.config.enabled {
            return;
        }
        let s = F::cast(f64::from(self.scale));
        loss_gradient.mapv_inplace(|g| g * s);
    }

    /// Divides every unfrozen gradient by the scale (by the `f32` reciprocal taken in `f64`,
    /// as PyTorch does) and records whether any gradient is NaN or infinite; returns that.
    ///
    /// # Errors
    /// [`Error::State`] when called twice, or after [`step`](GradScaler::step), before
    /// [`update`](GradScaler::update); nothing changes then.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Mlp::new(&[2, 1]).build::<f32>()?;
    /// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(65536.0));
    /// let mut scaler = tuneup::parallel::GradScaler::new();
    /// assert!(!scaler.unscale(&mut net)?);
    /// net.visit_parameters(&mut |p| assert!(p.grad_slice().iter().all(|&g| g == 1.0)));
    /// assert!(scaler.unscale(&mut net).is_err()); // once per step
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn unscale<F: Float>(&mut self, model: &mut dyn Layer<F>) -> Result<bool> {
        match self.stage {
            Stage::Unscaled { .. } => {
                return Err(Error::state(
                    "GradScaler::unscale",
                    "already called since the last update(); call step() then update()",
                ))
            }
            Stage::Stepped { .. } => {
                return Err(Error::state(
                    "GradScaler::unscale",
                    "called after step(); call update() first",
                ))
            }
            Stage::Ready => {}
        }
        let found_inf = self.config.enabled && unscale_gradients(model, self.inverse_scale());
        self.stage = Stage::Unscaled { found_inf };
        Ok(found_inf)
    }

    /// Unscales the gradients if [`unscale`](GradScaler::unscale) was not called, then steps
    /// the optimizer unless a gradient was NaN or infinite; returns whether it stepped. A
    /// skipped step changes no parameter and no optimizer state. Disabled, it just steps.
    ///
    /// # Errors
    /// [`Error::State`] when called twice before [`update`](GradScaler::update); the
    /// optimizer's own errors.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Mlp::new(&[2, 1]).build::<f32>()?;
    /// let weights = |net: &Sequential<f32>| {
    ///     let mut v = Vec::new();
    ///     net.visit_parameters(&mut |p| v.extend_from_slice(p.value_slice()));
    ///     v
    /// };
    /// let before = weights(&net);
    /// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(f32::INFINITY));
    /// let (mut scaler, mut adam) = (tuneup::parallel::GradScaler::new(), Adam::new(0.1)?);
    /// assert!(!scaler.step(&mut adam, &mut net)?);       // skipped
    /// assert_eq!(weights(&net), before);
    /// assert!(adam.state().is_empty());
    /// scaler.update()?;
    /// assert_eq!(scaler.scale_factor(), 32768.0);         // backed off
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn step<F: Float, O: Optimizer<F> + ?Sized>(
        &mut self,
        optimizer: &mut O,
        model: &mut dyn Layer<F>,
    ) -> Result<bool> {
        if !self.config.enabled {
            optimizer.step(model)?;
            self.stage = Stage::Stepped { found_inf: false };
            return Ok(true);
        }
        let found_inf = match self.stage {
            Stage::Stepped { .. } => {
                return Err(Error::state(
                    "GradScaler::step",
                    "already called since the last update(); call update() first",
                ))
            }
            Stage::Unscaled { found_inf } => found_inf,
            Stage::Ready => self.unscale(model)?,
        };
        if !found_inf {
            optimizer.step(model)?;
        }
        self.stage = Stage::Stepped { found_inf };
        Ok(!found_inf)
    }

    /// Adapts the scale to what [`unscale`](GradScaler::unscale) found (PyTorch's
    /// `_amp_update_scale_`): backs off after an overflow, grows after `growth_interval`
    /// clean steps in a row. Disabled, it does nothing.
    ///
    /// # Errors
    /// [`Error::State`] when neither `unscale` nor `step` ran since the last update.
    ///
    /// ```
    /// use tuneup::parallel::{GradScaler, GradScalerConfig};
    /// let mut s = GradScaler::with_config(GradScalerConfig { growth_interval: 1, ..Default::default() })?;
    /// assert!(s.update().is_err()); // no inf check recorded
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn update(&mut self) -> Result<()> {
        if !self.config.enabled {
            self.stage = Stage::Ready;
            return Ok(());
        }
        let found_inf = match self.stage {
            Stage::Ready => {
                return Err(Error::state(
                    "GradScaler::update",
                    "no inf checks were recorded; call unscale() or step() first",
                ))
            }
            Stage::Unscaled { found_inf } | Stage::Stepped { found_inf } => found_inf,
        };
        self.apply_update_rule(found_inf);
        self.stage = Stage::Ready;
        Ok(())
    }

    /// Replaces the scale (`update(new_scale)`), keeping the growth count; it must be finite
    /// in `f32` and > 0. Clears what was recorded since the last update.
    ///
    /// ```
    /// let mut s = tuneup::parallel::GradScaler::new();
    /// s.set_scale(8.0)?;
    /// assert_eq!(s.scale_factor(), 8.0);
    /// assert!(s.set_scale(f64::NAN).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn set_scale(&mut self, scale: f64) -> Result<()> {
        if !(scale > 0.0 && (scale as f32).is_finite()) {
            return Err(Error::config(
                "GradScaler.scale",
                scale,
                "a number > 0 that is finite in f32",
            ));
        }
        self.scale = scale as f32;
        self.stage = Stage::Ready;
        Ok(())
    }

    /// The state to checkpoint (PyTorch's `state_dict()`): scale, factors, interval and growth
    /// count. Take it after [`update`](GradScaler::update).
    ///
    /// ```
    /// let s = tuneup::parallel::GradScaler::new().state();
    /// assert_eq!((s.scale, s.growth_tracker), (65536.0, 0));
    /// ```
    pub fn state(&self) -> GradScalerState {
        GradScalerState {
            scale: f64::from(self.scale),
            growth_factor: self.config.growth_factor,
            backoff_factor: self.config.backoff_factor,
            growth_interval: self.config.growth_interval,
            growth_tracker: self.growth_tracker,
        }
    }

    /// Restores a state from [`state`](GradScaler::state) (PyTorch's `load_state_dict`): the
    /// scale, the factors, the interval and the growth count. Checked before anything changes.
    ///
    /// ```
    /// use tuneup::parallel::GradScaler;
    /// let mut a = GradScaler::new();
    /// a.set_scale(512.0)?;
    /// let mut b = GradScaler::new();
    /// b.load_state(&a.state())?;
    /// assert_eq!(b.state(), a.state());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn load_state(&mut self, state: &GradScalerState) -> Result<()> {
        let config = GradScalerConfig {
            init_scale: state.scale,
            growth_factor: state.growth_factor,
            backoff_factor: state.backoff_factor,
            growth_interval: state.growth_interval,
            enabled: self.config.enabled,
        };
        config
            .check()
            .map_err(|e| e.within("GradScaler::load_state"))?;
        if state.growth_tracker >= state.growth_interval {
            return Err(Error::value(
                "GradScaler::load_state",
                format!(
                    "a growth count < growth_interval = {}",
                    state.growth_interval
                ),
                state.growth_tracker,
            ));
        }
        self.config = GradScalerConfig {
            init_scale: self.config.init_scale,
            ..config
        };
        self.scale = state.scale as f32;
        self.growth_tracker = state.growth_tracker;
        self.stage = Stage::Ready;
        Ok(())
    }

    /// Forgets what was recorded since the last update (an iteration that was abandoned),
    /// keeping the scale and the growth count.
    pub(crate) fn discard_iteration(&mut self) {
        self.stage = Stage::Ready;
    }

    /// `1 / scale` computed in `f64` and rounded to `f32`, as PyTorch's `unscale_`.
    fn inverse_scale(&self) -> f64 {
        f64::from((1.0 / f64::from(self.scale)) as f32)
    }

    /// PyTorch's `_amp_update_scale_` on the `f32` scale and the growth count.
    fn apply_update_rule(&mut self, found_inf: bool) {
        if found_inf {
            self.scale = (f64::from(self.scale) * self.config.backoff_factor) as f32;
            self.growth_tracker = 0;
            return;
        }
        let successful = self.growth_tracker + 1;
        if successful == self.config.growth_interval {
            let grown = (f64::from(self.scale) * self.config.growth_factor) as f32;
            if grown.is_finite() {
                self.scale = grown;
            }
            self.growth_tracker = 0;
        } else {
            self.growth_tracker = successful;
        }
    }
}

/// Multiplies every unfrozen gradient by `inverse`; true when any gradient was NaN or
/// infinite before (PyTorch's `_amp_foreach_non_finite_check_and_unscale_`).
fn unscale_gradients<F: Float>(model: &mut dyn Layer<F>, inverse: f64) -> bool {
    let inv = F::cast(inverse);
    let exact = inverse == 1.0;
    let mut found_inf = false;
    model.visit_parameters_mut(&mut |p| {
        if p.is_frozen() {
            return;
        }
        let (_, grad) = p.value_and_grad_slices_mut();
        for g in grad.iter_mut() {
            found_inf |= !g.is_finite();
            if !exact {
                *g *= inv;
            }
        }
    });
    found_inf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaler_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<GradScaler>();
        assert_send_sync::<GradScalerConfig>();
    }

    #[test]
    fn growth_that_overflows_f32_keeps_the_scale() {
        let config = GradScalerConfig {
            init_scale: 2f64.powi(127),
            growth_interval: 1,
            ..Default::default()
        };
        let mut s = GradScaler::with_config(config).unwrap();
        s.apply_update_rule(false);
        assert_eq!(s.scale_factor(), 2f64.powi(127));
        assert_eq!(s.growth_tracker(), 0);
    }

    #[test]
    fn bad_settings_name_their_field() {
        let bad = |c: GradScalerConfig, field: &str| {
            let e = c.check().unwrap_err();
            assert!(
                matches!(e, Error::Config { ref parameter, .. } if parameter == field),
                "{e}"
            );
        };
        let d = GradScalerConfig::default();
        bad(
            GradScalerConfig {
                init_scale: 0.0,
                ..d
            },
            "GradScaler.init_scale",
        );
        bad(
            GradScalerConfig {
                init_scale: 1e39,
                ..d
            },
            "GradScaler.init_scale",
        );
        bad(
            GradScalerConfig {
                growth_factor: f64::NAN,
                ..d
            },
            "GradScaler.growth_factor",
        );
        bad(
            GradScalerConfig {
                backoff_factor: 0.0,
                ..d
            },
            "GradScaler.backoff_factor",
        );
        bad(
            GradScalerConfig {
                growth_interval: 0,
                ..d
            },
            "GradScaler.growth_interval",
        );
    }
}
