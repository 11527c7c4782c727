//! The `Optimizer` trait, and the checks every optimizer shares.

use std::fmt::Debug;

use super::OptimizerState;
use crate::linalg::all_finite;
use crate::model::Layer;
use crate::{Error, Float, Result};

/// Updates a model's parameters from their accumulated gradients.
///
/// The semantics are those of `torch.optim`:
///
/// - A step that meets a NaN or infinite gradient returns [`Error::NonFinite`] and changes
///   nothing: every parameter and all optimizer state stay exactly as before the call.
/// - Frozen parameters are skipped (their state, if any, is kept unchanged).
/// - Per-parameter state (moments, momentum buffers) is created lazily, the first time a
///   parameter is updated; after that a step allocates nothing.
/// - [`Optimizer::state`] and [`Optimizer::load_state`] export and restore that state, so a
///   training run resumed from a checkpoint continues bit for bit as if never interrupted.
///
/// The built-in optimizers also have inherent `learning_rate` and `state` methods, so that
/// those calls need no float type annotation.
///
/// An optimizer is `Send + Sync + Debug`, and `Box<dyn Optimizer<F>>` is `Clone` (through
/// [`OptimizerClone`]): a clone carries the state, so both continue alike. To start afresh
/// from the same settings, build one from an
/// [`OptimizerConfig`](super::OptimizerConfig).
///
/// ```
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[2, 1]).build::<f64>().unwrap();
/// let mut sgd = Sgd::new(0.1).unwrap();
/// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(1.0));
/// let before = net.predict(ndarray::array![[0.0, 0.0]].view()).unwrap()[[0, 0]];
/// sgd.step(&mut net).unwrap();
/// let after = net.predict(ndarray::array![[0.0, 0.0]].view()).unwrap()[[0, 0]];
/// assert!((before - after - 0.1).abs() < 1e-12); // the bias moved by −lr·1
/// ```
pub trait Optimizer<F: Float>: Send + Sync + Debug + OptimizerClone<F> {
    /// Applies one update to every unfrozen parameter of `model`.
    fn step(&mut self, model: &mut dyn Layer<F>) -> Result<()>;

    /// [`Optimizer::step`] restricted to `shard`'s positions of every parameter: each of
    /// `shard.world()` data-parallel replicas, holding the same all-reduced gradients, updates
    /// its own share, and [`DataParallel::sharded_step`](crate::parallel::DataParallel::sharded_step)
    /// copies the shares between them; the result has the bits of a full step on every
    /// replica. The state outside the share is left as it was (it is another rank's), so
    /// export it with [`DataParallel::consolidate_state`](crate::parallel::DataParallel::consolidate_state).
    ///
    /// The built-in optimizers update only the share; the default takes a full step, which
    /// gives the same result with all the work.
    ///
    /// # Errors
    /// Those of [`Optimizer::step`]; a non-finite gradient anywhere (not only in the share)
    /// changes nothing, so every replica refuses the same step.
    ///
    /// ```
    /// use tuneup::optim::Shard;
    /// use tuneup::prelude::*;
    /// let mut net = Mlp::new(&[2, 2]).build::<f64>()?;
    /// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(1.0));
    /// let mut before = Vec::new();
    /// net.visit_parameters(&mut |p| before.extend_from_slice(p.value_slice()));
    /// Sgd::new(0.5)?.step_shard(&mut net, Shard::new(0, 2)?)?;
    /// let mut after = Vec::new();
    /// net.visit_parameters(&mut |p| after.extend_from_slice(p.value_slice()));
    /// // weight (4 values): the first 2 moved; bias (2 values): the first one moved.
    /// let moved: Vec<bool> = before.iter().zip(&after).map(|(b, a)| b != a).collect();
    /// assert_eq!(moved, [true, true, false, false, true, false]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn step_shard(&mut self, model: &mut dyn Layer<F>, shard: super::Shard) -> Result<()> {
        let _ = shard;
        self.step(model)
    }

    /// The current (base) learning rate. Parameter groups scale it by their `lr_factor`.
    fn learning_rate(&self) -> f64;

    /// Sets the base learning rate (schedules call this); it must be finite and ≥ 0. Every
    /// parameter group follows it, keeping its own `lr_factor`.
    fn set_learning_rate(&mut self, lr: f64) -> Result<()>;

    /// A copy of the optimizer's state: step counts, the learning rate and one named `f64`
    /// tensor per parameter and buffer (`"0.weight.exp_avg"`), ready to be written to a
    /// checkpoint.
    ///
    /// The default, for optimizers that keep no per-parameter state, holds only the learning
    /// rate; optimizers with state override this and [`Optimizer::load_state`].
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let sgd = Sgd::new(0.1).unwrap();
    /// let state = Optimizer::<f64>::state(&sgd);
    /// assert_eq!(state.learning_rate, 0.1);
    /// assert!(state.tensors.is_empty());
    /// ```
    fn state(&self) -> OptimizerState {
        OptimizerState::new("stateless", self.learning_rate())
    }

    /// Restores a state exported by [`Optimizer::state`] for `model`: step counts, learning
    /// rate and buffers. Names and shapes are checked against the model before anything
    /// changes; a missing, extra or mis-sized entry is an error naming it, and leaves the
    /// optimizer as it was.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Mlp::new(&[2, 1]).build::<f64>().unwrap();
    /// let mut a = Adam::new(0.01).unwrap();
    /// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(1.0));
    /// a.step(&mut net).unwrap();
    /// let mut b = Adam::new(0.5).unwrap();
    /// b.load_state(&net, &a.state()).unwrap();
    /// assert_eq!(b.state(), a.state());
    /// ```
    fn load_state(&mut self, model: &dyn Layer<F>, state: &OptimizerState) -> Result<()> {
        let _ = model;
        if !state.tensors.is_empty() || !state.param_steps.is_empty() {
            return Err(Error::value(
                "Optimizer::load_state",
                "a state without per-parameter entries (this optimizer keeps none)",
                format!(
                    "{} tensors and {} step counts from a `{}` optimizer",
                    state.tensors.len(),
                    state.param_steps.len(),
                    state.optimizer
                ),
            ));
        }
        self.set_learning_rate(state.learning_rate)
    }
}

/// Clones an optimizer behind a trait object, state included, so that `Box<dyn Optimizer<F>>`
/// is `Clone`. Implemented for every optimizer that is `Clone`.
///
/// ```
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[2, 1]).build::<f64>()?;
/// let mut adam: Box<dyn Optimizer<f64>> = Box::new(Adam::new(0.01)?);
/// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(1.0));
/// adam.step(&mut net)?;
/// let copy = adam.clone();
/// assert_eq!(copy.state(), adam.state());
/// assert!(!copy.state().tensors.is_empty());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait OptimizerClone<F: Float> {
    /// A boxed copy of the optimizer, with its state.
    fn clone_box(&self) -> Box<dyn Optimizer<F>>;
}

impl<F: Float, T: Optimizer<F> + Clone + 'static> OptimizerClone<F> for T {
    fn clone_box(&self) -> Box<dyn Optimizer<F>> {
        Box::new(self.clone())
    }
}

impl<F: Float> Clone for Box<dyn Optimizer<F>> {
    fn clone(&self) -> Self {
        (**self).clone_box()
    }
}

/// A boxed optimizer is an optimizer, so a stored one can go wherever one is taken.
impl<F: Float> Optimizer<F> for Box<dyn Optimizer<F>> {
    fn step(&mut self, model: &mut dyn Layer<F>) -> Result<()> {
        (**self).step(model)
    }
    fn step_shard(&mut self, model: &mut dyn Layer<F>, shard: super::Shard) -> Result<()> {
        (**self).step_shard(model, shard)
    }
    fn learning_rate(&self) -> f64 {
        (**self).learning_rate()
    }
    fn set_learning_rate(&mut self, lr: f64) -> Result<()> {
        (**self).set_learning_rate(lr)
    }
    fn state(&self) -> OptimizerState {
        (**self).state()
    }
    fn load_state(&mut self, model: &dyn Layer<F>, state: &OptimizerState) -> Result<()> {
        (**self).load_state(model, state)
    }
}

/// Fails with [`Error::NonFinite`] naming the first unfrozen parameter whose gradient holds
/// NaN or ∞.
///
/// ```
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[2, 1]).build::<f64>().unwrap();
/// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(f64::NAN));
/// assert!(tuneup::optim::check_gradients_finite(&net, "SGD step").is_err());
/// ```
pub fn check_gradients_finite<F: Float>(model: &dyn Layer<F>, context: &str) -> Result<()> {
    let mut bad: Option<Error> = None;
    model.visit_parameters(&mut |p| {
        if bad.is_some() || p.is_frozen() {
            return;
        }
        let grad = p.grad_slice();
        // One vectorised pass on the common path; a search only when something is wrong.
        if all_finite(grad) {
            return;
        }
        if let Some((i, g)) = grad.iter().enumerate().find(|(_, g)| !g.is_finite()) {
            bad = Some(Error::non_finite(
                context,
                format!(
                    "gradient of {} has {g} at flat index {i}; no parameter was changed",
                    p.name()
                ),
            ));
        }
    });
    bad.map_or(Ok(()), Err)
}

/// Checks a learning rate: finite and ≥ 0.
pub(crate) fn check_learning_rate(owner: &str, lr: f64) -> Result<()> {
    // Formats the parameter's name only on failure: schedules call this every step.
    if lr.is_finite() && lr >= 0.0 {
        Ok(())
    } else {
        Err(Error::config(
            format!("{owner}.lr"),
            lr,
            "a finite number ≥ 0",
        ))
    }
}

/// Checks a value that must be finite and ≥ 0 (weight decay, momentum, lr decay…).
pub(crate) fn check_non_negative(parameter: &str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::config(parameter, value, "a finite number ≥ 0"))
    }
}

/// Checks a value that must be finite and > 0 (eps).
pub(crate) fn check_positive(parameter: &str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::config(parameter, value, "a finite number > 0"))
    }
}

/// Checks a decay coefficient in [0, 1) (betas, momentum).
pub(crate) fn check_unit_open(parameter: &str, value: f64) -> Result<()> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::config(parameter, value, "a number in [0, 1)"))
    }
}

/// Checks a coefficient in [0, 1] (dampening, RMSprop's alpha).
pub(crate) fn check_unit_closed(parameter: &str, value: f64) -> Result<()> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::config(parameter, value, "a number in [0, 1]"))
    }
}

/// `torch.lerp(start, end, weight)` as PyTorch's CPU kernel computes it: the form used depends
/// on whether the weight is below one half, which keeps both ends exact.
#[inline(always)]
pub(crate) fn lerp<F: Float>(start: F, end: F, weight: F) -> F {
    if weight.abs() < F::cast(0.5) {
        start + weight * (end - start)
    } else {
        end - (end - start) * (F::one() - weight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lerp_hits_both_ends_and_the_middle() {
        assert_eq!(lerp::<f64>(2.0, 6.0, 0.0), 2.0);
        assert_eq!(lerp::<f64>(2.0, 6.0, 1.0), 6.0);
        assert_eq!(lerp::<f64>(2.0, 6.0, 0.25), 3.0);
        assert_eq!(lerp::<f64>(2.0, 6.0, 0.75), 5.0);
    }

    #[test]
    fn range_checks_name_the_parameter() {
        let e = check_unit_open("Adam.betas.0", 1.0).unwrap_err();
        assert!(matches!(e, Error::Config { ref parameter, .. } if parameter == "Adam.betas.0"));
        assert!(check_unit_open("m", 0.0).is_ok());
        assert!(check_unit_closed("d", 1.0).is_ok());
        assert!(check_unit_closed("d", f64::NAN).is_err());
        assert!(check_positive("eps", 0.0).is_err());
        assert!(check_non_negative("wd", f64::INFINITY).is_err());
        assert!(check_learning_rate("Sgd", -1e-3).is_err());
    }
}
