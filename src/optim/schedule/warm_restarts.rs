//! `CosineAnnealingWarmRestarts` (SGDR).

use std::f64::consts::PI;

use super::{check_count, check_rate, LrSchedule, ScheduleState};
use crate::{Error, Result};

/// Cosine annealing with warm restarts (SGDR; PyTorch `CosineAnnealingWarmRestarts`): the
/// rate falls from the base rate towards `eta_min` along a cosine over `t_0` steps, jumps back
/// to the base rate, and repeats with each period `t_mult` times longer.
///
/// `rate = eta_min + (base − eta_min)·(1 + cos(π·t_cur/t_i))/2`, where `t_cur` counts steps
/// since the last restart and `t_i` is the current period. The rate depends on the base rate
/// only, so in a chain it replaces what earlier schedules set.
///
/// ```
/// use tuneup::optim::schedule::{LrSchedule, CosineAnnealingWarmRestarts};
/// let mut s = CosineAnnealingWarmRestarts::new(1.0, 2, 2, 0.0)?;
/// let rates: Vec<f64> = (0..6).map(|_| s.step().unwrap()).collect();
/// // period 2: 1.0, 0.5 | restart, period 4: 1.0, 0.85, 0.5, 0.15 | restart
/// assert!((rates[0] - 0.5).abs() < 1e-15 && rates[1] == 1.0);
/// assert!((rates[3] - 0.5).abs() < 1e-15 && rates[5] == 1.0);
/// assert!(CosineAnnealingWarmRestarts::new(1.0, 0, 1, 0.0).is_err());
/// assert!(CosineAnnealingWarmRestarts::new(1.0, 5, 0, 0.0).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CosineAnnealingWarmRestarts {
    base_lr: f64,
    t_0: u64,
    t_mult: u64,
    eta_min: f64,
    t: u64,
    t_cur: u64,
    t_i: u64,
    lr: f64,
}

impl CosineAnnealingWarmRestarts {
    /// First period `t_0` (≥ 1) steps, each next one `t_mult` (≥ 1) times longer, annealing
    /// from `base_lr` to `eta_min` (finite, ≥ 0).
    pub fn new(base_lr: f64, t_0: u64, t_mult: u64, eta_min: f64) -> Result<Self> {
        check_rate("CosineAnnealingWarmRestarts.base_lr", base_lr)?;
        check_count("CosineAnnealingWarmRestarts.t_0", t_0)?;
        check_count("CosineAnnealingWarmRestarts.t_mult", t_mult)?;
        check_rate("CosineAnnealingWarmRestarts.eta_min", eta_min)?;
        let mut s = CosineAnnealingWarmRestarts {
            base_lr,
            t_0,
            t_mult,
            eta_min,
            t: 0,
            t_cur: 0,
            t_i: t_0,
            lr: base_lr,
        };
        s.restart();
        Ok(s)
    }

    fn rate(&self) -> f64 {
        let phase = PI * self.t_cur as f64 / self.t_i as f64;
        self.eta_min + (self.base_lr - self.eta_min) * (1.0 + phase.cos()) / 2.0
    }
}

impl LrSchedule for CosineAnnealingWarmRestarts {
    fn name(&self) -> &'static str {
        "CosineAnnealingWarmRestarts"
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
    fn advance(&mut self, _current: f64, _metric: Option<f64>) -> Result<f64> {
        self.t += 1;
        self.t_cur += 1;
        if self.t_cur >= self.t_i {
            self.t_cur %= self.t_i;
            self.t_i = self.t_i.saturating_mul(self.t_mult);
        }
        self.lr = self.rate();
        Ok(self.lr)
    }
    fn start(&mut self, _current: f64) -> f64 {
        self.restart()
    }
    fn restart(&mut self) -> f64 {
        self.t = 0;
        self.t_cur = 0;
        self.t_i = self.t_0;
        self.lr = self.rate();
        self.lr
    }
    fn state(&self) -> ScheduleState {
        ScheduleState::new(self.name(), self.t, self.lr)
            .with("t_cur", self.t_cur as f64)
            .with("t_i", self.t_i as f64)
    }
    fn load_state(&mut self, state: &ScheduleState) -> Result<()> {
        state.check(self.name())?;
        let (t_cur, t_i) = (state.count("t_cur")?, state.count("t_i")?);
        if t_i == 0 || t_cur >= t_i {
            return Err(Error::value(
                "CosineAnnealingWarmRestarts::load_state",
                "0 ≤ t_cur < t_i",
                format!("t_cur = {t_cur}, t_i = {t_i}"),
            ));
        }
        self.t = state.steps;
        self.t_cur = t_cur;
        self.t_i = t_i;
        self.lr = state.lr;
        Ok(())
    }
}
