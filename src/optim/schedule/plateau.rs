//! `ReduceLROnPlateau`: cut the rate when a monitored metric stops improving.

use super::{check_rate, choice_from_str, LrSchedule, ScheduleState};
use crate::{Error, Result};

/// Whether the monitored metric should go down (a loss) or up (an accuracy).
///
/// ```
/// use tuneup::optim::schedule::PlateauMode;
/// assert_eq!("max".parse::<PlateauMode>()?, PlateauMode::Max);
/// assert!(matches!("maximum".parse::<PlateauMode>(), Err(tuneup::Error::Config { .. })));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlateauMode {
    /// Lower is better (`"min"`, the default).
    #[default]
    Min,
    /// Higher is better (`"max"`).
    Max,
}

choice_from_str!(
    PlateauMode,
    "ReduceLROnPlateau.mode",
    [("min", PlateauMode::Min), ("max", PlateauMode::Max),]
);

/// How [`ReduceLrOnPlateau`] measures a significant improvement over the best value.
///
/// ```
/// use tuneup::optim::schedule::ThresholdMode;
/// assert_eq!("abs".parse::<ThresholdMode>()?, ThresholdMode::Abs);
/// assert!("absolute".parse::<ThresholdMode>().is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThresholdMode {
    /// Better than `best·(1 − threshold)` (min) or `best·(1 + threshold)` (max): `"rel"`, the
    /// default.
    #[default]
    Rel,
    /// Better than `best − threshold` (min) or `best + threshold` (max): `"abs"`.
    Abs,
}

choice_from_str!(
    ThresholdMode,
    "ReduceLROnPlateau.threshold_mode",
    [("rel", ThresholdMode::Rel), ("abs", ThresholdMode::Abs),]
);

/// Settings of [`ReduceLrOnPlateau`]; `Default` gives PyTorch's defaults.
///
/// ```
/// use tuneup::optim::schedule::{PlateauConfig, PlateauMode};
/// let c = PlateauConfig { mode: PlateauMode::Max, patience: 3, ..Default::default() };
/// assert_eq!(c.factor, 0.1);
/// assert_eq!(c.threshold, 1e-4);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PlateauConfig {
    /// Minimise or maximise the metric. Default min.
    pub mode: PlateauMode,
    /// The rate is multiplied by this on a plateau; in (0, 1). Default 0.1.
    pub factor: f64,
    /// Steps without improvement tolerated before cutting; the cut happens on step
    /// `patience + 1` without improvement. Default 10.
    pub patience: u64,
    /// Minimum significant improvement (finite, ≥ 0). Default 1e-4.
    pub threshold: f64,
    /// Relative or absolute threshold. Default relative.
    pub threshold_mode: ThresholdMode,
    /// Steps after a cut during which bad steps are not counted. Default 0.
    pub cooldown: u64,
    /// The rate never goes below this (finite, ≥ 0). Default 0.
    pub min_lr: f64,
    /// A cut smaller than this is skipped (finite, ≥ 0). Default 1e-8.
    pub eps: f64,
}

impl Default for PlateauConfig {
    fn default() -> Self {
        PlateauConfig {
            mode: PlateauMode::Min,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: 0.0,
            eps: 1e-8,
        }
    }
}

/// Cuts the rate by `factor` when the monitored metric has not improved for more than
/// `patience` steps (PyTorch `ReduceLROnPlateau`).
///
/// Step it with [`step_with_metric`](LrSchedule::step_with_metric); plain
/// [`step`](LrSchedule::step) returns [`Error::State`]. A NaN metric never counts as an
/// improvement (as in PyTorch, where every comparison with NaN is false), so it counts as a
/// bad step. The cut applies to the rate the optimizer holds (the `current` of
/// [`advance`](LrSchedule::advance)), floored at `min_lr`, and is skipped when smaller than
/// `eps`.
///
/// ```
/// use tuneup::optim::schedule::{LrSchedule, PlateauConfig, ReduceLrOnPlateau};
/// let config = PlateauConfig { patience: 1, factor: 0.5, ..Default::default() };
/// let mut s = ReduceLrOnPlateau::new(0.1, config)?;
/// for loss in [1.0, 0.9, 0.9] {
///     s.step_with_metric(loss)?;
/// }
/// assert_eq!(s.lr(), 0.1); // one bad step is tolerated
/// assert_eq!(s.step_with_metric(0.95)?, 0.05); // the second is not
/// assert!(s.step().is_err()); // needs the metric
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ReduceLrOnPlateau {
    base_lr: f64,
    config: PlateauConfig,
    t: u64,
    lr: f64,
    best: f64,
    num_bad_steps: u64,
    cooldown_counter: u64,
}

impl ReduceLrOnPlateau {
    /// Starts at `base_lr` with the given settings.
    ///
    /// ```
    /// use tuneup::optim::schedule::{PlateauConfig, ReduceLrOnPlateau};
    /// let bad = PlateauConfig { factor: 1.0, ..Default::default() };
    /// assert!(matches!(ReduceLrOnPlateau::new(0.1, bad), Err(tuneup::Error::Config { .. })));
    /// ```
    pub fn new(base_lr: f64, config: PlateauConfig) -> Result<Self> {
        check_rate("ReduceLROnPlateau.base_lr", base_lr)?;
        if !(config.factor > 0.0 && config.factor < 1.0) {
            return Err(Error::config(
                "ReduceLROnPlateau.factor",
                config.factor,
                "a factor in (0, 1): the new rate is rate·factor",
            ));
        }
        for (name, v) in [
            ("ReduceLROnPlateau.threshold", config.threshold),
            ("ReduceLROnPlateau.min_lr", config.min_lr),
            ("ReduceLROnPlateau.eps", config.eps),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::config(name, v, "a finite number ≥ 0"));
            }
        }
        let mut s = ReduceLrOnPlateau {
            base_lr,
            config,
            t: 0,
            lr: base_lr,
            best: 0.0,
            num_bad_steps: 0,
            cooldown_counter: 0,
        };
        s.start(base_lr);
        Ok(s)
    }

    /// The settings.
    pub fn config(&self) -> &PlateauConfig {
        &self.config
    }

    /// The best metric seen so far (±∞ before the first one).
    pub fn best(&self) -> f64 {
        self.best
    }

    /// Consecutive steps without improvement counted so far.
    pub fn num_bad_steps(&self) -> u64 {
        self.num_bad_steps
    }

    /// Steps of cooldown left.
    pub fn cooldown_counter(&self) -> u64 {
        self.cooldown_counter
    }

    fn worst(&self) -> f64 {
        match self.config.mode {
            PlateauMode::Min => f64::INFINITY,
            PlateauMode::Max => f64::NEG_INFINITY,
        }
    }

    fn is_better(&self, a: f64, best: f64) -> bool {
        let th = self.config.threshold;
        match (self.config.mode, self.config.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => a < best * (1.0 - th),
            (PlateauMode::Min, ThresholdMode::Abs) => a < best - th,
            (PlateauMode::Max, ThresholdMode::Rel) => a > best * (th + 1.0),
            (PlateauMode::Max, ThresholdMode::Abs) => a > best + th,
        }
    }
}

impl LrSchedule for ReduceLrOnPlateau {
    fn name(&self) -> &'static str {
        "ReduceLROnPlateau"
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
    fn needs_metric(&self) -> bool {
        true
    }
    fn advance(&mut self, current: f64, metric: Option<f64>) -> Result<f64> {
        let Some(metric) = metric else {
            return Err(Error::state(
                "ReduceLROnPlateau",
                "step() needs the monitored metric: call step_with_metric(value)",
            ));
        };
        self.t += 1;
        if self.is_better(metric, self.best) {
            self.best = metric;
            self.num_bad_steps = 0;
        } else {
            self.num_bad_steps += 1;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.num_bad_steps = 0;
        }
        self.lr = current;
        if self.num_bad_steps > self.config.patience {
            let reduced = (current * self.config.factor).max(self.config.min_lr);
            if current - reduced > self.config.eps {
                self.lr = reduced;
            }
            self.cooldown_counter = self.config.cooldown;
            self.num_bad_steps = 0;
        }
        Ok(self.lr)
    }
    fn start(&mut self, current: f64) -> f64 {
        self.t = 0;
        self.best = self.worst();
        self.num_bad_steps = 0;
        self.cooldown_counter = 0;
        self.lr = current;
        current
    }
    fn state(&self) -> ScheduleState {
        ScheduleState::new(self.name(), self.t, self.lr)
            .with("best", self.best)
            .with("num_bad_steps", self.num_bad_steps as f64)
            .with("cooldown_counter", self.cooldown_counter as f64)
    }
    fn load_state(&mut self, state: &ScheduleState) -> Result<()> {
        state.check(self.name())?;
        let best = state.counter("best")?;
        let bad = state.count("num_bad_steps")?;
        let cooldown = state.count("cooldown_counter")?;
        self.t = state.steps;
        self.lr = state.lr;
        self.best = best;
        self.num_bad_steps = bad;
        self.cooldown_counter = cooldown;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_metric_is_a_bad_step() {
        let config = PlateauConfig {
            patience: 0,
            factor: 0.5,
            ..Default::default()
        };
        let mut s = ReduceLrOnPlateau::new(1.0, config).unwrap();
        s.step_with_metric(1.0).unwrap();
        assert_eq!(s.step_with_metric(f64::NAN).unwrap(), 0.5);
        assert_eq!(s.best(), 1.0);
    }

    #[test]
    fn rejects_bad_settings() {
        for config in [
            PlateauConfig {
                factor: 0.0,
                ..Default::default()
            },
            PlateauConfig {
                factor: f64::NAN,
                ..Default::default()
            },
            PlateauConfig {
                threshold: -1.0,
                ..Default::default()
            },
            PlateauConfig {
                min_lr: f64::INFINITY,
                ..Default::default()
            },
            PlateauConfig {
                eps: -1e-8,
                ..Default::default()
            },
        ] {
            assert!(matches!(
                ReduceLrOnPlateau::new(0.1, config),
                Err(Error::Config { .. })
            ));
        }
        assert!(ReduceLrOnPlateau::new(-0.1, PlateauConfig::default()).is_err());
    }
}
