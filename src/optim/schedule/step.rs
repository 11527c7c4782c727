//! `StepLR`: decay by `gamma` every `step_size` steps.

use super::{check_count, check_positive, check_rate, LrSchedule, ScheduleState};
use crate::Result;

/// Multiplies the rate by `gamma` every `step_size` steps (PyTorch `StepLR`).
///
/// Recursive form, as PyTorch: at step `t`, a multiple of `step_size`, the *current* rate is
/// multiplied by `gamma`, so in a chain it decays whatever rate the earlier schedules left.
///
/// ```
/// use tuneup::optim::schedule::{LrSchedule, StepLr};
/// let mut s = StepLr::new(1.0, 3, 0.1)?;
/// let rates: Vec<f64> = (0..7).map(|_| s.step().unwrap()).collect();
/// assert_eq!(rates[..3], [1.0, 1.0, 0.1]);
/// assert!((rates[5] - 0.01).abs() < 1e-15);
/// assert!(StepLr::new(1.0, 0, 0.1).is_err());
/// assert!(StepLr::new(1.0, 3, 0.0).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct StepLr {
    base_lr: f64,
    step_size: u64,
    gamma: f64,
    t: u64,
    lr: f64,
}

impl StepLr {
    /// Rate `base_lr`, multiplied by `gamma` (> 0) every `step_size` (≥ 1) steps.
    pub fn new(base_lr: f64, step_size: u64, gamma: f64) -> Result<Self> {
        check_rate("StepLR.base_lr", base_lr)?;
        check_count("StepLR.step_size", step_size)?;
        check_positive("StepLR.gamma", gamma)?;
        Ok(StepLr {
            base_lr,
            step_size,
            gamma,
            t: 0,
            lr: base_lr,
        })
    }
}

impl LrSchedule for StepLr {
    fn name(&self) -> &'static str {
        "StepLR"
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
        self.lr = if self.t % self.step_size == 0 {
            current * self.gamma
        } else {
            current
        };
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
