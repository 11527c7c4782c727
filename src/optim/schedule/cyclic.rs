//! `CyclicLR`: cyclical learning rates between two bounds (Smith, 2017).

use super::{check_count, check_positive, check_rate, choice_from_str};
use super::{LrSchedule, ScheduleState};
use crate::{Error, Result};

/// How [`CyclicLr`] scales the amplitude of each cycle.
///
/// ```
/// use tuneup::optim::schedule::CyclicMode;
/// assert_eq!("triangular2".parse::<CyclicMode>()?, CyclicMode::Triangular2);
/// assert_eq!("exp_range".parse::<CyclicMode>()?, CyclicMode::ExpRange);
/// assert!(matches!("sawtooth".parse::<CyclicMode>(), Err(tuneup::Error::Config { .. })));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CyclicMode {
    /// Every cycle spans the full `[base_lr, max_lr]` range (`"triangular"`, the default).
    #[default]
    Triangular,
    /// The amplitude halves each cycle (`"triangular2"`).
    Triangular2,
    /// The amplitude is scaled by `gamma^step` (`"exp_range"`).
    ExpRange,
}

choice_from_str!(
    CyclicMode,
    "CyclicLR.mode",
    [
        ("triangular", CyclicMode::Triangular),
        ("triangular2", CyclicMode::Triangular2),
        ("exp_range", CyclicMode::ExpRange),
    ]
);

/// Settings of [`CyclicLr`]; [`CyclicConfig::new`] fills PyTorch's defaults.
///
/// ```
/// use tuneup::optim::schedule::{CyclicConfig, CyclicMode};
/// let c = CyclicConfig { mode: CyclicMode::ExpRange, gamma: 0.99, ..CyclicConfig::new(0.001, 0.01, 50) };
/// assert_eq!(c.step_size_down, None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CyclicConfig {
    /// The lower bound (and the step-0 rate).
    pub base_lr: f64,
    /// The upper bound of the first cycle.
    pub max_lr: f64,
    /// Steps in the rising half of a cycle (≥ 1).
    pub step_size_up: u64,
    /// Steps in the falling half (≥ 1); `None` means the same as `step_size_up`.
    pub step_size_down: Option<u64>,
    /// Amplitude policy. Default triangular.
    pub mode: CyclicMode,
    /// The `exp_range` decay per step (> 0). Default 1; other modes do not use it, and a value
    /// other than 1 with them is rejected as a likely mistake.
    pub gamma: f64,
}

impl CyclicConfig {
    /// A triangular cycle between `base_lr` and `max_lr`, rising over `step_size_up` steps and
    /// falling over as many.
    pub fn new(base_lr: f64, max_lr: f64, step_size_up: u64) -> Self {
        CyclicConfig {
            base_lr,
            max_lr,
            step_size_up,
            step_size_down: None,
            mode: CyclicMode::Triangular,
            gamma: 1.0,
        }
    }
}

/// Cyclical learning rates (PyTorch `CyclicLR`): the rate climbs linearly from `base_lr` to
/// `max_lr` and back, over and over, with the amplitude shrinking per [`CyclicMode`]. Meant to
/// be stepped after every batch.
///
/// The rate depends only on the step, so in a chain it replaces what earlier schedules set.
/// PyTorch also cycles momentum inversely; the [`Optimizer`] trait exposes only the learning
/// rate, so **momentum is not cycled** here.
///
/// [`Optimizer`]: crate::optim::Optimizer
///
/// ```
/// use tuneup::optim::schedule::{CyclicConfig, CyclicLr, LrSchedule};
/// let mut s = CyclicLr::new(CyclicConfig::new(0.0, 1.0, 2))?;
/// let rates: Vec<f64> = (0..6).map(|_| s.step().unwrap()).collect();
/// assert_eq!(rates, [0.5, 1.0, 0.5, 0.0, 0.5, 1.0]);
/// assert!(CyclicLr::new(CyclicConfig::new(0.0, 1.0, 0)).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CyclicLr {
    config: CyclicConfig,
    total_size: f64,
    step_ratio: f64,
    t: u64,
    lr: f64,
}

impl CyclicLr {
    /// Checks the settings and builds the schedule at step 0 (rate `base_lr`).
    pub fn new(config: CyclicConfig) -> Result<Self> {
        check_rate("CyclicLR.base_lr", config.base_lr)?;
        check_rate("CyclicLR.max_lr", config.max_lr)?;
        check_count("CyclicLR.step_size_up", config.step_size_up)?;
        if let Some(down) = config.step_size_down {
            check_count("CyclicLR.step_size_down", down)?;
        }
        check_positive("CyclicLR.gamma", config.gamma)?;
        if config.mode != CyclicMode::ExpRange && config.gamma != 1.0 {
            return Err(Error::config(
                "CyclicLR.gamma",
                config.gamma,
                "1 unless mode is exp_range (gamma is only used there)",
            ));
        }
        let up = config.step_size_up as f64;
        let down = config.step_size_down.map_or(up, |d| d as f64);
        let total_size = up + down;
        let mut s = CyclicLr {
            step_ratio: up / total_size,
            total_size,
            config,
            t: 0,
            lr: 0.0,
        };
        s.lr = s.rate();
        Ok(s)
    }

    /// The settings.
    pub fn config(&self) -> &CyclicConfig {
        &self.config
    }

    fn rate(&self) -> f64 {
        let t = self.t as f64;
        let cycle = (1.0 + t / self.total_size).floor();
        let x = 1.0 + t / self.total_size - cycle;
        let scale = if x <= self.step_ratio {
            x / self.step_ratio
        } else {
            (x - 1.0) / (self.step_ratio - 1.0)
        };
        let height = (self.config.max_lr - self.config.base_lr) * scale;
        let amplitude = match self.config.mode {
            CyclicMode::Triangular => 1.0,
            CyclicMode::Triangular2 => 1.0 / 2.0f64.powf(cycle - 1.0),
            CyclicMode::ExpRange => self.config.gamma.powf(t),
        };
        self.config.base_lr + height * amplitude
    }
}

impl LrSchedule for CyclicLr {
    fn name(&self) -> &'static str {
        "CyclicLR"
    }
    fn base_lr(&self) -> f64 {
        self.config.base_lr
    }
    fn lr(&self) -> f64 {
        self.lr
    }
    fn steps(&self) -> u64 {
        self.t
    }
    fn advance(&mut self, _current: f64, _metric: Option<f64>) -> Result<f64> {
        self.t += 1;
        self.lr = self.rate();
        Ok(self.lr)
    }
    fn start(&mut self, _current: f64) -> f64 {
        self.t = 0;
        self.lr = self.rate();
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
