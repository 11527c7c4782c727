//! `SequentialLR`: schedules that take over from each other at milestones.

use super::chained::load_parts;
use super::{check_milestones, LrSchedule, ScheduleState};
use crate::{Error, Result};

/// Runs `parts[0]` until the first milestone, then `parts[1]` from its own step 0, and so on
/// (PyTorch `SequentialLR`): a [`LinearLr`](super::LinearLr) warm-up for 5 steps followed by a
/// [`CosineAnnealingLr`](super::CosineAnnealingLr) decay is
/// `SequentialLr::new(vec![warmup, cosine], &[5])`.
///
/// Milestones count this schedule's steps and must be strictly increasing, ≥ 1, and one fewer
/// than the parts. At a milestone the next part restarts from its step-0 rate computed from
/// its base rate ([`LrSchedule::restart`]); after that it updates the rate it finds. Build
/// every part with the same base rate. A part that needs a metric gets the one given to
/// [`step_with_metric`](LrSchedule::step_with_metric) (PyTorch forbids such parts; this is an
/// extension).
///
/// ```
/// use tuneup::optim::schedule::{ExponentialLr, LinearLr, LrSchedule, SequentialLr};
/// let warmup = LinearLr::new(1.0, 0.5, 1.0, 2)?;
/// let decay = ExponentialLr::new(1.0, 0.5)?;
/// let mut s = SequentialLr::new(vec![Box::new(warmup), Box::new(decay)], &[2])?;
/// let rates: Vec<f64> = (0..4).map(|_| s.step().unwrap()).collect();
/// assert_eq!(s.lr(), 0.25);
/// assert_eq!(rates, [0.75, 1.0, 0.5, 0.25]);
/// assert!(SequentialLr::new(vec![Box::new(LinearLr::new(1.0, 0.5, 1.0, 2)?)], &[2]).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SequentialLr {
    parts: Vec<Box<dyn LrSchedule>>,
    milestones: Vec<u64>,
    t: u64,
    lr: f64,
}

impl SequentialLr {
    /// Switches from `parts[i]` to `parts[i + 1]` at step `milestones[i]`.
    pub fn new(parts: Vec<Box<dyn LrSchedule>>, milestones: &[u64]) -> Result<Self> {
        if parts.is_empty() {
            return Err(Error::config(
                "SequentialLR.parts",
                "[]",
                "at least one schedule",
            ));
        }
        if milestones.len() + 1 != parts.len() {
            return Err(Error::config(
                "SequentialLR.milestones",
                format!("{milestones:?}"),
                format!(
                    "one milestone fewer than the {} schedules ({} milestones)",
                    parts.len(),
                    parts.len() - 1
                ),
            ));
        }
        check_milestones("SequentialLR.milestones", milestones)?;
        let base = parts[0].base_lr();
        let mut s = SequentialLr {
            parts,
            milestones: milestones.to_vec(),
            t: 0,
            lr: base,
        };
        s.start(base);
        Ok(s)
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[Box<dyn LrSchedule>] {
        &self.parts
    }

    /// The milestones.
    pub fn milestones(&self) -> &[u64] {
        &self.milestones
    }

    /// Index of the part in charge at step `t`.
    fn active(&self, t: u64) -> usize {
        self.milestones.partition_point(|&m| m <= t)
    }
}

impl LrSchedule for SequentialLr {
    fn name(&self) -> &'static str {
        "SequentialLR"
    }
    fn base_lr(&self) -> f64 {
        self.parts[0].base_lr()
    }
    fn lr(&self) -> f64 {
        self.lr
    }
    fn steps(&self) -> u64 {
        self.t
    }
    fn needs_metric(&self) -> bool {
        self.parts.iter().any(|p| p.needs_metric())
    }
    fn advance(&mut self, current: f64, metric: Option<f64>) -> Result<f64> {
        let t = self.t + 1;
        let idx = self.active(t);
        let lr = if idx > 0 && self.milestones[idx - 1] == t {
            self.parts[idx].restart()
        } else {
            self.parts[idx]
                .advance(current, metric)
                .map_err(|e| e.within(format!("part {idx} of SequentialLR")))?
        };
        self.t = t;
        self.lr = lr;
        Ok(lr)
    }
    fn start(&mut self, current: f64) -> f64 {
        self.t = 0;
        self.lr = self.parts[0].start(current);
        self.lr
    }
    fn restart(&mut self) -> f64 {
        self.t = 0;
        self.lr = self.parts[0].restart();
        self.lr
    }
    fn state(&self) -> ScheduleState {
        let mut state = ScheduleState::new(self.name(), self.t, self.lr);
        state.parts = self.parts.iter().map(|p| p.state()).collect();
        state
    }
    fn load_state(&mut self, state: &ScheduleState) -> Result<()> {
        state.check(self.name())?;
        load_parts(self.name(), &mut self.parts, &state.parts)?;
        self.t = state.steps;
        self.lr = state.lr;
        Ok(())
    }
}
