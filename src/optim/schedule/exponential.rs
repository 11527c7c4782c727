//! `ExponentialLR`: multiply by `gamma` every step.

use super::{check_positive, check_rate, LrSchedule, ScheduleState};
use crate::Result;

/// Multiplies the rate by `gamma` at every step (PyTorch `ExponentialLR`).
///
/// ```
/// use tuneup::optim::schedule::{LrSchedule, ExponentialLr};
/// let mut s = ExponentialLr::new(1.0, 0.9)?;
/// s.step()?;
/// assert_eq!(s.step()?, 0.9 * 0.9);
/// assert!(ExponentialLr::new(1.0, -0.9).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ExponentialLr {
    base_lr: f64,
    gamma: f64,
    t: u64,
    lr: f64,
}

impl ExponentialLr {
    /// Rate `base_lr`, multiplied by `gamma` (> 0) each step.
    pub fn new(base_lr: f64, gamma: f64) -> Result<Self> {
        check_rate("ExponentialLR.base_lr", base_lr)?;
        check_positive("ExponentialLR.gamma", gamma)?;
        Ok(ExponentialLr {
            base_lr,
            gamma,
            t: 0,
            lr: base_lr,
        })
    }
}

impl LrSchedule for ExponentialLr {
    fn name(&self) -> &'static str {
        "ExponentialLR"
    }
    fn base_lr(&self) -> f64 {
        self.base_lr
    }
    fn lr(&self) -> f64 {
        self.lr
    }
    fn steps(&self) -> u64 {
        self.t
    }
    fn advance(&mut self, current: f64, _metric: Option<f64>) -> Result<f64> {
        self.t += 1;
        self.lr = current * self.gamma;
        Ok(self.lr)
    }
    fn start(&mut self, current: f64) -> f64 {
        self.t = 0;
        self.lr = current;
        current
    }
    fn state(&self) -> ScheduleState {
        ScheduleState::new(self.name(), self.t, self.lr)
    }
    fn load_state(&mut self, state: &ScheduleState) -> Result<()> {
        state.check(self.name())?;
        self.t = state.steps;
        self.lr = state.lr;
        Ok(())
    }
}
