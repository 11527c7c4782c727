//! `CosineAnnealingLR`: cosine decay from the base rate to `eta_min` over `t_max` steps.

use std::f64::consts::PI;

use super::{check_count, check_rate, LrSchedule, ScheduleState};
use crate::Result;

/// Cosine annealing from the base rate down to `eta_min` over `t_max` steps (PyTorch
/// `CosineAnnealingLR`, without restarts).
///
/// The rate follows PyTorch's recursive update, which matches
/// `eta_min + (base − eta_min)·(1 + cos(π·t/t_max))/2` while the schedule runs alone, and
/// past `t_max` keeps following the cosine back up (period `2·t_max`) rather than holding
/// `eta_min`. In a chain it scales whatever rate the earlier schedules left. For restarts use
/// [`CosineAnnealingWarmRestarts`](super::CosineAnnealingWarmRestarts).
///
/// ```
/// use tuneup::optim::schedule::{LrSchedule, CosineAnnealingLr};
/// let mut s = CosineAnnealingLr::new(1.0, 4, 0.0)?;
/// let rates: Vec<f64> = (0..4).map(|_| s.step().unwrap()).collect();
/// assert!((rates[1] - 0.5).abs() < 1e-15);
/// assert!(rates[3].abs() < 1e-15);
/// assert!(CosineAnnealingLr::new(1.0, 0, 0.0).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CosineAnnealingLr {
    base_lr: f64,
    t_max: u64,
    eta_min: f64,
    t: u64,
    lr: f64,
}

impl CosineAnnealingLr {
    /// Anneals from `base_lr` to `eta_min` (finite, ≥ 0) over `t_max` (≥ 1) steps.
    pub fn new(base_lr: f64, t_max: u64, eta_min: f64) -> Result<Self> {
        check_rate("CosineAnnealingLR.base_lr", base_lr)?;
        check_count("CosineAnnealingLR.t_max", t_max)?;
        check_rate("CosineAnnealingLR.eta_min", eta_min)?;
        Ok(CosineAnnealingLr {
            base_lr,
            t_max,
            eta_min,
            t: 0,
            lr: base_lr,
        })
    }
}

impl LrSchedule for CosineAnnealingLr {
    fn name(&self) -> &'static str {
        "CosineAnnealingLR"
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
        let (t, t_max, eta) = (self.t as f64, self.t_max as f64, self.eta_min);
        // Where the previous step sat at a trough of the cosine (t − 1 = t_max, 3·t_max, …)
        // the ratio below would divide by zero; PyTorch adds the first rise instead.
        let period = 2 * self.t_max as i128;
        let at_trough = (self.t as i128 - 1 - self.t_max as i128).rem_euclid(period) == 0;
        self.lr = if at_trough {
            current + (self.base_lr - eta) * (1.0 - (PI / t_max).cos()) / 2.0
        } else {
            (1.0 + (PI * t / t_max).cos()) / (1.0 + (PI * (t - 1.0) / t_max).cos())
                * (current - eta)
                + eta
        };
        Ok(self.lr)
    }
    fn start(&mut self, current: f64) -> f64 {
        self.t = 0;
        self.lr = current;
        current
    }
    fn restart(&mut self) -> f64 {
        // PyTorch's closed form at step 0 (what SequentialLR uses at a milestone).
        self.t = 0;
        self.lr = self.eta_min + (self.base_lr - self.eta_min) * (1.0 + 0.0f64.cos()) / 2.0;
        self.lr
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
