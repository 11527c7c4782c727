//! `MultiStepLR`: decay by `gamma` at given milestones.

use super::{check_milestones, check_positive, check_rate, LrSchedule, ScheduleState};
use crate::{Error, Result};

/// Multiplies the rate by `gamma` when the step count reaches each milestone (PyTorch
/// `MultiStepLR`). Milestones must be strictly increasing and ≥ 1.
///
/// ```
/// use tuneup::optim::schedule::{LrSchedule, MultiStepLr};
/// let mut s = MultiStepLr::new(1.0, &[2, 4], 0.5)?;
/// let rates: Vec<f64> = (0..5).map(|_| s.step().unwrap()).collect();
/// assert_eq!(rates, [1.0, 0.5, 0.5, 0.25, 0.25]);
/// assert!(MultiStepLr::new(1.0, &[4, 2], 0.5).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MultiStepLr {
    base_lr: f64,
    milestones: Vec<u64>,
    gamma: f64,
    t: u64,
    lr: f64,
}

impl MultiStepLr {
    /// Rate `base_lr`, multiplied by `gamma` (> 0) at each milestone.
    pub fn new(base_lr: f64, milestones: &[u64], gamma: f64) -> Result<Self> {
        check_rate("MultiStepLR.base_lr", base_lr)?;
        check_milestones("MultiStepLR.milestones", milestones)?;
        if milestones.is_empty() {
            return Err(Error::config(
                "MultiStepLR.milestones",
                "[]",
                "at least one milestone",
            ));
        }
        check_positive("MultiStepLR.gamma", gamma)?;
        Ok(MultiStepLr {
            base_lr,
            milestones: milestones.to_vec(),
            gamma,
            t: 0,
            lr: base_lr,
        })
    }
}

impl LrSchedule for MultiStepLr {
    fn name(&self) -> &'static str {
        "MultiStepLR"
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
        self.lr = if self.milestones.binary_search(&self.t).is_ok() {
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
