//! `LinearLR`: linear change of a multiplicative factor (warm-up).

use super::{check_count, check_rate, LrSchedule, ScheduleState};
use crate::{Error, Result};

/// Scales the base rate by a factor that moves linearly from `start_factor` to `end_factor`
/// over `total_iters` steps, then holds (PyTorch `LinearLR`; the usual warm-up).
///
/// Its step-0 rate is `base · start_factor`: call [`apply`](LrSchedule::apply) once before
/// training so the optimizer starts there. Updates are PyTorch's recursive ones, so in a chain
/// they scale whatever rate the earlier schedules left.
///
/// ```
/// use tuneup::optim::schedule::{LrSchedule, LinearLr};
/// let mut warmup = LinearLr::new(0.1, 0.25, 1.0, 3)?;
/// assert_eq!(warmup.lr(), 0.025);
/// let rates: Vec<f64> = (0..4).map(|_| warmup.step().unwrap()).collect();
/// assert!((rates[0] - 0.05).abs() < 1e-15 && (rates[2] - 0.1).abs() < 1e-15);
/// assert_eq!(rates[3], rates[2]);
/// assert!(LinearLr::new(0.1, 0.0, 1.0, 3).is_err()); // start_factor must be > 0
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LinearLr {
    base_lr: f64,
    start_factor: f64,
    end_factor: f64,
    total_iters: u64,
    t: u64,
    lr: f64,
}

impl LinearLr {
    /// Factor from `start_factor` (in (0, 1]) to `end_factor` (in [0, 1]) over `total_iters`
    /// (≥ 1) steps. PyTorch's ranges: a warm-up starts below 1 and ends at 1; a decay
    /// starts at 1 and ends lower.
    pub fn new(base_lr: f64, start_factor: f64, end_factor: f64, total_iters: u64) -> Result<Self> {
        check_rate("LinearLR.base_lr", base_lr)?;
        if !(start_factor > 0.0 && start_factor <= 1.0) {
            return Err(Error::config(
                "LinearLR.start_factor",
                start_factor,
                "a factor in (0, 1]",
            ));
        }
        if !(0.0..=1.0).contains(&end_factor) {
            return Err(Error::config(
                "LinearLR.end_factor",
                end_factor,
                "a factor in [0, 1]",
            ));
        }
        check_count("LinearLR.total_iters", total_iters)?;
        Ok(LinearLr {
            base_lr,
            start_factor,
            end_factor,
            total_iters,
            t: 0,
            lr: base_lr * start_factor,
        })
    }
}

impl LrSchedule for LinearLr {
    fn name(&self) -> &'static str {
        "LinearLR"
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
        self.lr = if self.t > self.total_iters {
            current
        } else {
            let span = self.end_factor - self.start_factor;
            let denominator =
                self.total_iters as f64 * self.start_factor + (self.t - 1) as f64 * span;
            current * (1.0 + span / denominator)
        };
        Ok(self.lr)
    }
    fn start(&mut self, current: f64) -> f64 {
        self.t = 0;
        self.lr = current * self.start_factor;
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
