//! `OneCycleLR`: the 1cycle policy (warm up to `max_lr`, then anneal far below the start).

use std::f64::consts::PI;

use super::{check_count, check_positive, check_rate, choice_from_str};
use super::{LrSchedule, ScheduleState};
use crate::{Error, Result};

/// How [`OneCycleLr`] moves between two rates within a phase.
///
/// ```
/// use tuneup::optim::schedule::AnnealStrategy;
/// assert_eq!("cos".parse::<AnnealStrategy>()?, AnnealStrategy::Cos);
/// assert_eq!("linear".parse::<AnnealStrategy>()?, AnnealStrategy::Linear);
/// assert!(matches!("cosine".parse::<AnnealStrategy>(), Err(tuneup::Error::Config { .. })));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnnealStrategy {
    /// Half a cosine: `end + (start − end)/2·(1 + cos(π·pct))` (PyTorch `"cos"`, the default).
    #[default]
    Cos,
    /// A straight line: `start + (end − start)·pct` (PyTorch `"linear"`).
    Linear,
}

choice_from_str!(
    AnnealStrategy,
    "OneCycleLR.anneal_strategy",
    [
        ("cos", AnnealStrategy::Cos),
        ("linear", AnnealStrategy::Linear),
    ]
);

impl AnnealStrategy {
    fn anneal(self, start: f64, end: f64, pct: f64) -> f64 {
        match self {
            AnnealStrategy::Cos => end + (start - end) / 2.0 * ((PI * pct).cos() + 1.0),
            AnnealStrategy::Linear => (end - start) * pct + start,
        }
    }
}

/// Settings of [`OneCycleLr`], with PyTorch's defaults from [`OneCycleConfig::new`].
///
/// ```
/// use tuneup::optim::schedule::{AnnealStrategy, OneCycleConfig};
/// let c = OneCycleConfig { three_phase: true, ..OneCycleConfig::new(0.1, 100) };
/// assert_eq!(c.pct_start, 0.3);
/// assert_eq!(c.anneal_strategy, AnnealStrategy::Cos);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OneCycleConfig {
    /// The peak rate.
    pub max_lr: f64,
    /// Steps in the cycle (≥ 1); stepping more than this many times is an error.
    pub total_steps: u64,
    /// Fraction of the cycle spent rising, in (0, 1). Default 0.3.
    pub pct_start: f64,
    /// Cosine or linear annealing. Default cosine.
    pub anneal_strategy: AnnealStrategy,
    /// The starting rate is `max_lr / div_factor`. Default 25.
    pub div_factor: f64,
    /// The final rate is `max_lr / div_factor / final_div_factor`. Default 1e4.
    pub final_div_factor: f64,
    /// Three phases (rise, symmetric fall back to the start rate, then annihilation), as in the
    /// paper, instead of fastai's two. Default false.
    pub three_phase: bool,
}

impl OneCycleConfig {
    /// PyTorch's defaults for the given peak rate and cycle length.
    pub fn new(max_lr: f64, total_steps: u64) -> Self {
        OneCycleConfig {
            max_lr,
            total_steps,
            pct_start: 0.3,
            anneal_strategy: AnnealStrategy::Cos,
            div_factor: 25.0,
            final_div_factor: 1e4,
            three_phase: false,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Phase {
    end_step: f64,
    start_lr: f64,
    end_lr: f64,
}

/// The 1cycle policy (PyTorch `OneCycleLR`): the rate rises from `max_lr/div_factor` to
/// `max_lr` over the first `pct_start` of the cycle, then anneals to
/// `max_lr/div_factor/final_div_factor` (with `three_phase`, first back down to the starting
/// rate, then to the final one).
///
/// The rate depends only on the step, so in a chain it replaces what earlier schedules set.
/// PyTorch also cycles momentum inversely to the rate; this crate's [`Optimizer`] trait only
/// exposes the learning rate, so **momentum is not cycled** — set the optimizer's momentum
/// yourself. [`LrSchedule::base_lr`] is the starting rate `max_lr/div_factor`.
///
/// [`Optimizer`]: crate::optim::Optimizer
///
/// ```
/// use tuneup::optim::schedule::{LrSchedule, OneCycleConfig, OneCycleLr};
/// let mut s = OneCycleLr::new(OneCycleConfig::new(1.0, 10))?;
/// assert!((s.lr() - 1.0 / 25.0).abs() < 1e-15);
/// let rates: Vec<f64> = (0..10).map(|_| s.step().unwrap()).collect();
/// let peak = rates.iter().cloned().fold(0.0, f64::max);
/// assert!((peak - 1.0).abs() < 1e-12);
/// assert!(s.step().is_err()); // past total_steps
/// assert!(OneCycleLr::new(OneCycleConfig { pct_start: 1.0, ..OneCycleConfig::new(1.0, 10) }).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct OneCycleLr {
    config: OneCycleConfig,
    phases: Vec<Phase>,
    initial_lr: f64,
    t: u64,
    lr: f64,
}

impl OneCycleLr {
    /// Checks the settings and builds the schedule at step 0.
    pub fn new(config: OneCycleConfig) -> Result<Self> {
        check_rate("OneCycleLR.max_lr", config.max_lr)?;
        check_count("OneCycleLR.total_steps", config.total_steps)?;
        if !(config.pct_start > 0.0 && config.pct_start < 1.0) {
            return Err(Error::config(
                "OneCycleLR.pct_start",
                config.pct_start,
                "a fraction in (0, 1)",
            ));
        }
        check_positive("OneCycleLR.div_factor", config.div_factor)?;
        check_positive("OneCycleLR.final_div_factor", config.final_div_factor)?;
        let total = config.total_steps as f64;
        let initial_lr = config.max_lr / config.div_factor;
        let min_lr = initial_lr / config.final_div_factor;
        let rise_end = config.pct_start * total - 1.0;
        let phases = if config.three_phase {
            vec![
                Phase {
                    end_step: rise_end,
                    start_lr: initial_lr,
                    end_lr: config.max_lr,
                },
                Phase {
                    end_step: 2.0 * config.pct_start * total - 2.0,
                    start_lr: config.max_lr,
                    end_lr: initial_lr,
                },
                Phase {
                    end_step: total - 1.0,
                    start_lr: initial_lr,
                    end_lr: min_lr,
                },
            ]
        } else {
            vec![
                Phase {
                    end_step: rise_end,
                    start_lr: initial_lr,
                    end_lr: config.max_lr,
                },
                Phase {
                    end_step: total - 1.0,
                    start_lr: config.max_lr,
                    end_lr: min_lr,
                },
            ]
        };
        // Every phase must span a positive number of steps (PyTorch divides by the span).
        let mut begin = 0.0;
        for (i, phase) in phases.iter().enumerate() {
            if phase.end_step <= begin {
                return Err(Error::config(
                    "OneCycleLR.pct_start",
                    config.pct_start,
                    format!(
                        "a value giving phase {} of {} a positive length with total_steps = {} \
                         (it would end at step {} after starting at {begin}); use more steps \
                         or a pct_start further from the ends{}",
                        i + 1,
                        phases.len(),
                        config.total_steps,
                        phase.end_step,
                        if config.three_phase {
                            " (three_phase needs pct_start < 0.5)"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            begin = phase.end_step;
        }
        let mut s = OneCycleLr {
            config,
            phases,
            initial_lr,
            t: 0,
            lr: initial_lr,
        };
        s.lr = s.rate(0);
        Ok(s)
    }

    /// The settings.
    pub fn config(&self) -> &OneCycleConfig {
        &self.config
    }

    fn rate(&self, step: u64) -> f64 {
        let step = step as f64;
        let mut begin = 0.0;
        let last = self.phases.len() - 1;
        for (i, phase) in self.phases.iter().enumerate() {
            if step <= phase.end_step || i == last {
                let pct = (step - begin) / (phase.end_step - begin);
                return self
                    .config
                    .anneal_strategy
                    .anneal(phase.start_lr, phase.end_lr, pct);
            }
            begin = phase.end_step;
        }
        unreachable!("the last phase always matches")
    }
}

impl LrSchedule for OneCycleLr {
    fn name(&self) -> &'static str {
        "OneCycleLR"
    }
    fn base_lr(&self) -> f64 {
        self.initial_lr
    }
    fn lr(&self) -> f64 {
        self.lr
    }
    fn steps(&self) -> u64 {
        self.t
    }
    fn advance(&mut self, _current: f64, _metric: Option<f64>) -> Result<f64> {
        if self.t >= self.config.total_steps {
            return Err(Error::state(
                "OneCycleLR",
                format!(
                    "step {} requested but the cycle has total_steps = {}; build the schedule \
                     with as many steps as the training loop takes",
                    self.t + 1,
                    self.config.total_steps
                ),
            ));
        }
        self.t += 1;
        self.lr = self.rate(self.t);
        Ok(self.lr)
    }
    fn start(&mut self, _current: f64) -> f64 {
        self.t = 0;
        self.lr = self.rate(0);
        self.lr
    }
    fn state(&self) -> ScheduleState {
        ScheduleState::new(self.name(), self.t, self.lr)
    }
    fn load_state(&mut self, state: &ScheduleState) -> Result<()> {
        state.check(self.name())?;
        if state.steps > self.config.total_steps {
            return Err(Error::value(
                "OneCycleLR::load_state",
                format!("at most total_steps = {} steps", self.config.total_steps),
                state.steps,
            ));
        }
        self.t = state.steps;
        self.lr = state.lr;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_choice;
    use super::*;

    #[test]
    fn zero_length_phases_are_rejected() {
        // pct_start·total_steps = 1 → the rising phase would end at step 0.
        let c = OneCycleConfig {
            pct_start: 0.1,
            ..OneCycleConfig::new(1.0, 10)
        };
        assert!(matches!(OneCycleLr::new(c), Err(Error::Config { .. })));
        let c = OneCycleConfig {
            three_phase: true,
            pct_start: 0.6,
            ..OneCycleConfig::new(1.0, 60)
        };
        assert!(matches!(OneCycleLr::new(c), Err(Error::Config { .. })));
        assert_eq!(parse_choice("x", " COS ", &[("cos", 1)]).unwrap(), 1);
    }
}
