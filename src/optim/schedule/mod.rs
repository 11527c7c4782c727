//! Learning-rate schedules with `torch.optim.lr_scheduler` semantics.
//!
//! Every schedule implements [`LrSchedule`]. A schedule is built with the base learning rate
//! (the optimizer's starting rate, e.g. `opt.learning_rate()`), reports its rate with
//! [`LrSchedule::lr`], and moves on by one step with [`LrSchedule::step`]; whether a step is an
//! epoch or a batch is up to the caller (PyTorch's `OneCycleLR` and `CyclicLR` are meant per
//! batch, the others usually per epoch). [`LrSchedule::apply`] writes the rate into an
//! [`Optimizer`], [`LrSchedule::step_optimizer`] does both.
//!
//! | schedule | PyTorch |
//! |---|---|
//! | [`StepLr`] | `StepLR` |
//! | [`MultiStepLr`] | `MultiStepLR` |
//! | [`ExponentialLr`] | `ExponentialLR` |
//! | [`CosineAnnealingLr`] | `CosineAnnealingLR` |
//! | [`CosineAnnealingWarmRestarts`] | `CosineAnnealingWarmRestarts` |
//! | [`LinearLr`] | `LinearLR` (warm-up) |
//! | [`OneCycleLr`] | `OneCycleLR` (learning rate only; no momentum cycling) |
//! | [`CyclicLr`] | `CyclicLR` (learning rate only; no momentum cycling) |
//! | [`ReduceLrOnPlateau`] | `ReduceLROnPlateau` |
//! | [`ChainedSchedule`] | `ChainedScheduler` |
//! | [`SequentialLr`] | `SequentialLR` |
//!
//! The rates are those PyTorch produces when `scheduler.step()` is called repeatedly and
//! `get_last_lr()` is read, which for several schedules is a *recursive* update of the
//! current rate rather than the closed form in the docs (`CosineAnnealingLR` past `T_max`, for
//! one, rises again along the cosine). `tests/parity_schedules.rs` checks every schedule against
//! PyTorch to 1e-10 relative.
//!
//! A typical loop (warm-up, then cosine decay):
//!
//! ```
//! use tuneup::prelude::*;
//! use tuneup::optim::schedule::{CosineAnnealingLr, LinearLr, SequentialLr};
//!
//! let mut sgd = Sgd::new(0.1)?;
//! let base = Optimizer::<f64>::learning_rate(&sgd);
//! let warmup = LinearLr::new(base, 0.1, 1.0, 5)?;
//! let decay = CosineAnnealingLr::new(base, 45, 0.0)?;
//! let mut schedule = SequentialLr::new(vec![Box::new(warmup), Box::new(decay)], &[5])?;
//! schedule.apply::<f64>(&mut sgd)?; // the rate for the first epoch: 0.01
//! for _epoch in 0..50 {
//!     // ... train one epoch with `sgd` ...
//!     schedule.step_optimizer::<f64>(&mut sgd)?;
//! }
//! assert!(Optimizer::<f64>::learning_rate(&sgd) < 1e-3);
//! # Ok::<(), tuneup::Error>(())
//! ```
//!
//! # Composition protocol
//!
//! PyTorch schedules that share one optimizer compose through the rate the optimizer holds:
//! each reads it, changes it and writes it back. Here the rate travels as an argument:
//! [`LrSchedule::advance`] takes the current rate and returns the next one, [`LrSchedule::start`]
//! rewinds a schedule to step 0 given the rate the optimizer holds (PyTorch's constructor step),
//! and [`LrSchedule::restart`] rewinds it to its step-0 rate computed from its base rate
//! (what `SequentialLR` does at a milestone). A custom schedule that implements these three
//! composes with the built-in ones.

use std::fmt;

use super::Optimizer;
use crate::{Error, Float, Result};

mod chained;
mod cosine;
mod cyclic;
mod exponential;
mod linear;
mod multi_step;
mod one_cycle;
mod plateau;
mod sequential;
mod step;
mod warm_restarts;

pub use chained::ChainedSchedule;
pub use cosine::CosineAnnealingLr;
pub use cyclic::{CyclicConfig, CyclicLr, CyclicMode};
pub use exponential::ExponentialLr;
pub use linear::LinearLr;
pub use multi_step::MultiStepLr;
pub use one_cycle::{AnnealStrategy, OneCycleConfig, OneCycleLr};
pub use plateau::{PlateauConfig, PlateauMode, ReduceLrOnPlateau, ThresholdMode};
pub use sequential::SequentialLr;
pub use step::StepLr;
pub use warm_restarts::CosineAnnealingWarmRestarts;

/// A learning-rate schedule.
///
/// Build one with the optimizer's base rate, call [`apply`](LrSchedule::apply) once so the
/// optimizer starts at the schedule's step-0 rate (PyTorch's constructor does this; for most
/// schedules it is the base rate itself, for [`LinearLr`] it is `base · start_factor`), then
/// call [`step`](LrSchedule::step) (or [`step_with_metric`](LrSchedule::step_with_metric) for
/// [`ReduceLrOnPlateau`]) after each epoch or batch and apply the returned rate.
///
/// A schedule is `Send + Sync + Debug`, and `Box<dyn LrSchedule>` is `Clone` (through
/// [`LrScheduleClone`]): a clone continues from the same step.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::optim::schedule::StepLr;
/// let mut s = StepLr::new(0.1, 2, 0.5)?;
/// assert_eq!(s.lr(), 0.1);
/// let rates: Vec<f64> = (0..4).map(|_| s.step().unwrap()).collect();
/// assert_eq!(rates, [0.1, 0.05, 0.05, 0.025]);
/// assert_eq!(s.steps(), 4);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait LrSchedule: fmt::Debug + Send + Sync + LrScheduleClone {
    /// The PyTorch name of the schedule, e.g. `"StepLR"` (also the tag of its [`ScheduleState`]).
    fn name(&self) -> &'static str;

    /// The base rate the schedule was built with (PyTorch's `base_lrs[0]`).
    fn base_lr(&self) -> f64;

    /// The current rate, without stepping (PyTorch's `get_last_lr()[0]`).
    fn lr(&self) -> f64;

    /// How many steps were taken since construction (or the last [`start`](Self::start)).
    fn steps(&self) -> u64;

    /// True when [`step`](Self::step) needs a metric (plateau schedules and compositions
    /// that hold one): call [`step_with_metric`](Self::step_with_metric) instead.
    fn needs_metric(&self) -> bool {
        false
    }

    /// Advances one step and returns the new rate.
    ///
    /// Fails with [`Error::State`] for schedules that need a metric, or for [`OneCycleLr`]
    /// stepped past its `total_steps`; a failed step changes nothing.
    fn step(&mut self) -> Result<f64> {
        let current = self.lr();
        self.advance(current, None)
    }

    /// Advances one step, giving the monitored metric (validation loss, accuracy) to schedules
    /// that use it; others ignore it. So a loop that always has a metric can call this for
    /// every schedule.
    ///
    /// ```
    /// use tuneup::optim::schedule::{LrSchedule, ExponentialLr};
    /// let mut s = ExponentialLr::new(1.0, 0.5)?;
    /// assert_eq!(s.step_with_metric(0.3)?, 0.5);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn step_with_metric(&mut self, metric: f64) -> Result<f64> {
        let current = self.lr();
        self.advance(current, Some(metric))
    }

    /// [`step_with_metric`](Self::step_with_metric), then sets the optimizer's learning rate
    /// to the new rate, in one call; returns the rate. A failed step changes neither. Every
    /// schedule takes it (those without a metric ignore it), so an epoch loop can always call
    /// this one.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::optim::schedule::{PlateauConfig, ReduceLrOnPlateau};
    /// let mut adam = Adam::new(0.1)?;
    /// let mut plateau = ReduceLrOnPlateau::new(0.1, PlateauConfig { patience: 0, ..Default::default() })?;
    /// plateau.step_optimizer_with_metric::<f32>(&mut adam, 1.0)?;
    /// let lr = plateau.step_optimizer_with_metric::<f32>(&mut adam, 1.0)?; // no improvement
    /// assert!((lr - 0.01).abs() < 1e-12);
    /// assert_eq!(adam.learning_rate(), lr);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn step_optimizer_with_metric<F: Float>(
        &mut self,
        optimizer: &mut dyn Optimizer<F>,
        metric: f64,
    ) -> Result<f64>
    where
        Self: Sized,
    {
        let lr = self.step_with_metric(metric)?;
        optimizer.set_learning_rate(lr)?;
        Ok(lr)
    }

    /// Composition protocol: one step starting from `current`, the rate the optimizer holds
    /// (PyTorch's `group["lr"]`, which earlier schedules of a chain may have changed).
    /// Returns the new rate, which [`lr`](Self::lr) then reports. Schedules with a closed form
    /// ignore `current`.
    ///
    /// ```
    /// use tuneup::optim::schedule::{LrSchedule, ExponentialLr};
    /// let mut s = ExponentialLr::new(1.0, 0.5)?;
    /// assert_eq!(s.advance(0.2, None)?, 0.1);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn advance(&mut self, current: f64, metric: Option<f64>) -> Result<f64>;

    /// Composition protocol: rewinds to step 0 when the optimizer holds `current`, and returns
    /// the step-0 rate (PyTorch's constructor step: [`LinearLr`] returns
    /// `current · start_factor`, recursive schedules return `current`, closed-form ones their
    /// own step-0 rate).
    ///
    /// ```
    /// use tuneup::optim::schedule::{LrSchedule, LinearLr};
    /// let mut s = LinearLr::new(1.0, 0.5, 1.0, 4)?;
    /// s.step()?;
    /// assert_eq!(s.start(0.2), 0.1);
    /// assert_eq!(s.steps(), 0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn start(&mut self, current: f64) -> f64;

    /// Composition protocol: rewinds to step 0 and returns the step-0 rate computed from the
    /// base rate alone (PyTorch's `_update_lr(0)`, what `SequentialLR` does at a milestone).
    ///
    /// ```
    /// use tuneup::optim::schedule::{LrSchedule, LinearLr};
    /// let mut s = LinearLr::new(1.0, 0.5, 1.0, 4)?;
    /// s.step()?;
    /// assert_eq!(s.restart(), 0.5);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn restart(&mut self) -> f64 {
        let base = self.base_lr();
        self.start(base)
    }

    /// The schedule's mutable state (step count, current rate, internal counters), for
    /// checkpoints. The configuration is not part of it: rebuild the schedule with the same
    /// settings and [`load_state`](Self::load_state).
    ///
    /// ```
    /// use tuneup::optim::schedule::{LrSchedule, CosineAnnealingLr};
    /// let mut a = CosineAnnealingLr::new(0.1, 10, 0.0)?;
    /// for _ in 0..3 { a.step()?; }
    /// let saved = a.state();
    /// let mut b = CosineAnnealingLr::new(0.1, 10, 0.0)?;
    /// b.load_state(&saved)?;
    /// assert_eq!(a.step()?, b.step()?);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn state(&self) -> ScheduleState;

    /// Restores a state produced by [`state`](Self::state) on a schedule of the same kind.
    ///
    /// Fails with [`Error::Value`] when the state belongs to another kind of schedule, lacks a
    /// counter, or holds a rate that is not finite and ≥ 0; nothing changes then.
    fn load_state(&mut self, state: &ScheduleState) -> Result<()>;

    /// Sets `optimizer`'s learning rate to [`lr`](Self::lr).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::optim::schedule::LinearLr;
    /// let mut sgd = Sgd::new(0.1)?;
    /// let warmup = LinearLr::new(0.1, 0.25, 1.0, 3)?;
    /// warmup.apply::<f32>(&mut sgd)?;
    /// assert_eq!(sgd.learning_rate(), 0.025);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn apply<F: Float>(&self, optimizer: &mut dyn Optimizer<F>) -> Result<()>
    where
        Self: Sized,
    {
        optimizer.set_learning_rate(self.lr())
    }

    /// [`step`](Self::step), then [`apply`](Self::apply); returns the new rate.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::optim::schedule::ExponentialLr;
    /// let mut sgd = Sgd::new(0.1)?;
    /// let mut decay = ExponentialLr::new(0.1, 0.5)?;
    /// decay.step_optimizer::<f64>(&mut sgd)?;
    /// assert_eq!(sgd.learning_rate(), 0.05);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn step_optimizer<F: Float>(&mut self, optimizer: &mut dyn Optimizer<F>) -> Result<f64>
    where
        Self: Sized,
    {
        let lr = self.step()?;
        optimizer.set_learning_rate(lr)?;
        Ok(lr)
    }
}

/// Clones a schedule behind a trait object, so that `Box<dyn LrSchedule>` is `Clone` (and so
/// are the compositions that hold boxed parts). Implemented for every schedule that is `Clone`.
///
/// ```
/// use tuneup::optim::schedule::{LrSchedule, StepLr};
/// let mut s: Box<dyn LrSchedule> = Box::new(StepLr::new(0.1, 1, 0.5)?);
/// s.step()?;
/// let mut copy = s.clone();
/// assert_eq!(copy.steps(), 1);
/// assert_eq!(copy.step()?, s.step()?);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait LrScheduleClone {
    /// A boxed copy of the schedule, at the same step.
    fn clone_box(&self) -> Box<dyn LrSchedule>;
}

impl<T: LrSchedule + Clone + 'static> LrScheduleClone for T {
    fn clone_box(&self) -> Box<dyn LrSchedule> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn LrSchedule> {
    fn clone(&self) -> Self {
        (**self).clone_box()
    }
}

/// Forwards every method of a boxed schedule to the schedule.
macro_rules! forward_schedule {
    () => {
        fn name(&self) -> &'static str {
            (**self).name()
        }
        fn base_lr(&self) -> f64 {
            (**self).base_lr()
        }
        fn lr(&self) -> f64 {
            (**self).lr()
        }
        fn steps(&self) -> u64 {
            (**self).steps()
        }
        fn needs_metric(&self) -> bool {
            (**self).needs_metric()
        }
        fn step(&mut self) -> Result<f64> {
            (**self).step()
        }
        fn step_with_metric(&mut self, metric: f64) -> Result<f64> {
            (**self).step_with_metric(metric)
        }
        fn advance(&mut self, current: f64, metric: Option<f64>) -> Result<f64> {
            (**self).advance(current, metric)
        }
        fn start(&mut self, current: f64) -> f64 {
            (**self).start(current)
        }
        fn restart(&mut self) -> f64 {
            (**self).restart()
        }
        fn state(&self) -> ScheduleState {
            (**self).state()
        }
        fn load_state(&mut self, state: &ScheduleState) -> Result<()> {
            (**self).load_state(state)
        }
    };
}

impl LrSchedule for Box<dyn LrSchedule> {
    forward_schedule!();
}

impl<S: LrSchedule + Clone + 'static> LrSchedule for Box<S> {
    forward_schedule!();
}

/// A schedule's checkpointable state: its kind, step count, current rate, named internal
/// counters and, for compositions, the states of its parts.
///
/// ```
/// use tuneup::optim::schedule::{LrSchedule, CosineAnnealingWarmRestarts};
/// let mut s = CosineAnnealingWarmRestarts::new(0.1, 3, 2, 0.0)?;
/// for _ in 0..4 { s.step()?; }
/// let state = s.state();
/// assert_eq!(state.schedule, "CosineAnnealingWarmRestarts");
/// assert_eq!(state.steps, 4);
/// assert_eq!(state.counter("t_cur")?, 1.0);
/// assert_eq!(state.counter("t_i")?, 6.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleState {
    /// [`LrSchedule::name`] of the schedule that wrote it.
    pub schedule: String,
    /// Steps taken.
    pub steps: u64,
    /// The current rate.
    pub lr: f64,
    /// Schedule-specific counters, e.g. `("t_cur", 3.0)` or `("best", 0.42)`.
    pub counters: Vec<(String, f64)>,
    /// The parts' states, in order (compositions only).
    pub parts: Vec<ScheduleState>,
}

impl ScheduleState {
    /// A state with no counters and no parts.
    ///
    /// ```
    /// let s = tuneup::optim::schedule::ScheduleState::new("StepLR", 3, 0.05);
    /// assert!(s.counters.is_empty());
    /// ```
    pub fn new(schedule: &str, steps: u64, lr: f64) -> Self {
        ScheduleState {
            schedule: schedule.to_string(),
            steps,
            lr,
            counters: Vec::new(),
            parts: Vec::new(),
        }
    }

    /// Adds a named counter.
    ///
    /// ```
    /// let s = tuneup::optim::schedule::ScheduleState::new("X", 0, 0.1).with("k", 2.0);
    /// assert_eq!(s.counter("k").unwrap(), 2.0);
    /// ```
    pub fn with(mut self, name: &str, value: f64) -> Self {
        self.counters.push((name.to_string(), value));
        self
    }

    /// The counter called `name`, or [`Error::Value`] if it is absent.
    ///
    /// ```
    /// let s = tuneup::optim::schedule::ScheduleState::new("X", 0, 0.1);
    /// assert!(s.counter("missing").is_err());
    /// ```
    pub fn counter(&self, name: &str) -> Result<f64> {
        self.counters
            .iter()
            .find(|(k, _)| k == name)
            .map(|&(_, v)| v)
            .ok_or_else(|| {
                Error::value(
                    format!("{} state", self.schedule),
                    format!("a counter named `{name}`"),
                    format!("counters {:?}", self.counters),
                )
            })
    }

    /// Checks that the state was written by a schedule called `name` and holds a usable rate.
    pub(crate) fn check(&self, name: &str) -> Result<()> {
        if self.schedule != name {
            return Err(Error::value(
                format!("{name}::load_state"),
                format!("the state of a {name}"),
                format!("the state of a {}", self.schedule),
            ));
        }
        if !(self.lr.is_finite() && self.lr >= 0.0) {
            return Err(Error::value(
                format!("{name}::load_state"),
                "a finite learning rate ≥ 0",
                self.lr,
            ));
        }
        Ok(())
    }

    /// A counter that must hold a whole number ≥ 0 (a step count stored as f64).
    pub(crate) fn count(&self, name: &str) -> Result<u64> {
        let v = self.counter(name)?;
        if v.is_finite() && v >= 0.0 && v.fract() == 0.0 {
            Ok(v as u64)
        } else {
            Err(Error::value(
                format!("{} state", self.schedule),
                format!("a whole number ≥ 0 for `{name}`"),
                v,
            ))
        }
    }
}

/// Checks a learning rate given to a schedule: finite and ≥ 0.
pub(crate) fn check_rate(parameter: &str, v: f64) -> Result<()> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(Error::config(parameter, v, "a finite learning rate ≥ 0"))
    }
}

/// Checks a multiplicative factor: finite and > 0.
pub(crate) fn check_positive(parameter: &str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(Error::config(parameter, v, "a finite number > 0"))
    }
}

/// Checks a count: at least 1.
pub(crate) fn check_count(parameter: &str, v: u64) -> Result<()> {
    if v >= 1 {
        Ok(())
    } else {
        Err(Error::config(parameter, v, "at least 1"))
    }
}

/// Checks milestones: strictly increasing, each ≥ 1 (an empty list passes).
pub(crate) fn check_milestones(parameter: &str, milestones: &[u64]) -> Result<()> {
    let increasing = milestones.windows(2).all(|w| w[0] < w[1]);
    if !increasing || milestones.first() == Some(&0) {
        return Err(Error::config(
            parameter,
            format!("{milestones:?}"),
            "strictly increasing step numbers, each ≥ 1",
        ));
    }
    Ok(())
}

/// Parses one of `names` (case-insensitive) into the matching value.
pub(crate) fn parse_choice<T: Copy>(what: &str, s: &str, choices: &[(&str, T)]) -> Result<T> {
    let lower = s.trim().to_ascii_lowercase();
    choices
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|&(_, v)| v)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            Error::config(
                what,
                format!("\"{s}\""),
                format!("one of {}", names.join(", ")),
            )
        })
}

/// Implements `FromStr` through [`parse_choice`].
macro_rules! choice_from_str {
    ($ty:ty, $what:expr, [$(($name:expr, $val:expr)),+ $(,)?]) => {
        impl ::std::str::FromStr for $ty {
            type Err = $crate::Error;
            fn from_str(s: &str) -> $crate::Result<Self> {
                $crate::optim::schedule::parse_choice($what, s, &[$(($name, $val)),+])
            }
        }
    };
}
pub(crate) use choice_from_str;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milestones_must_increase_from_one() {
        assert!(check_milestones("m", &[1, 2, 5]).is_ok());
        assert!(check_milestones("m", &[]).is_ok());
        assert!(matches!(
            check_milestones("m", &[3, 3]),
            Err(Error::Config { .. })
        ));
        assert!(matches!(
            check_milestones("m", &[0, 3]),
            Err(Error::Config { .. })
        ));
        assert!(matches!(
            check_milestones("m", &[5, 2]),
            Err(Error::Config { .. })
        ));
    }

    #[test]
    fn state_count_rejects_fractions() {
        let s = ScheduleState::new("X", 0, 0.1)
            .with("a", 1.5)
            .with("b", 3.0);
        assert!(s.count("a").is_err());
        assert_eq!(s.count("b").unwrap(), 3);
        assert!(s.check("Y").is_err());
        assert!(ScheduleState::new("X", 0, f64::NAN).check("X").is_err());
    }
}
