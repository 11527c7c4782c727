//! `ChainedScheduler`: several schedules applied one after another at every step.

use super::{LrSchedule, ScheduleState};
use crate::{Error, Result};

/// Applies every part at each step, each to the rate the previous one produced (PyTorch
/// `ChainedScheduler`): a [`LinearLr`](super::LinearLr) warm-up chained with a
/// [`CosineAnnealingLr`](super::CosineAnnealingLr) scales the cosine by the warm-up factor
/// during the first steps.
///
/// Build every part with the same base rate (the optimizer's). The parts are rewound when
/// the chain is built ([`LrSchedule::start`] in order, as PyTorch's constructors run one after
/// another on the shared optimizer). Parts that need a metric (a
/// [`ReduceLrOnPlateau`](super::ReduceLrOnPlateau)) get the one given to
/// [`step_with_metric`](LrSchedule::step_with_metric); PyTorch forbids them in a chain, so that
/// use is this crate's extension. A step that fails in any part changes no part.
///
/// ```
/// use tuneup::optim::schedule::{ChainedSchedule, CosineAnnealingLr, LinearLr, LrSchedule};
/// let warmup = LinearLr::new(0.1, 0.1, 1.0, 5)?;
/// let cosine = CosineAnnealingLr::new(0.1, 30, 0.0)?;
/// let mut s = ChainedSchedule::new(vec![Box::new(warmup), Box::new(cosine)])?;
/// assert!((s.lr() - 0.01).abs() < 1e-15);
/// for _ in 0..30 { s.step()?; }
/// assert!(s.lr() < 1e-12);
/// assert!(ChainedSchedule::new(vec![]).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ChainedSchedule {
    parts: Vec<Box<dyn LrSchedule>>,
    t: u64,
    lr: f64,
}

impl ChainedSchedule {
    /// Chains `parts` (at least one), rewinding each to step 0.
    pub fn new(parts: Vec<Box<dyn LrSchedule>>) -> Result<Self> {
        if parts.is_empty() {
            return Err(Error::config(
                "ChainedScheduler.parts",
                "[]",
                "at least one schedule",
            ));
        }
        let base = parts[0].base_lr();
        let mut s = ChainedSchedule {
            parts,
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
}

impl LrSchedule for ChainedSchedule {
    fn name(&self) -> &'static str {
        "ChainedScheduler"
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
        let saved: Vec<ScheduleState> = self.parts.iter().map(|p| p.state()).collect();
        let mut lr = current;
        for (i, part) in self.parts.iter_mut().enumerate() {
            match part.advance(lr, metric) {
                Ok(next) => lr = next,
                Err(e) => {
                    for (p, state) in self.parts.iter_mut().zip(&saved) {
                        p.load_state(state)
                            .expect("a part accepts the state it produced");
                    }
                    return Err(e.within(format!("part {i} of ChainedScheduler")));
                }
            }
        }
        self.t += 1;
        self.lr = lr;
        Ok(lr)
    }
    fn start(&mut self, current: f64) -> f64 {
        let mut lr = current;
        for part in &mut self.parts {
            lr = part.start(lr);
        }
        self.t = 0;
        self.lr = lr;
        lr
    }
    fn restart(&mut self) -> f64 {
        let mut lr = self.parts[0].restart();
        for part in &mut self.parts[1..] {
            lr = part.start(lr);
        }
        self.t = 0;
        self.lr = lr;
        lr
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

/// Loads each part's state, all or nothing.
pub(super) fn load_parts(
    owner: &str,
    parts: &mut [Box<dyn LrSchedule>],
    states: &[ScheduleState],
) -> Result<()> {
    if parts.len() != states.len() {
        return Err(Error::value(
            format!("{owner}::load_state"),
            format!("{} part states", parts.len()),
            format!("{}", states.len()),
        ));
    }
    let saved: Vec<ScheduleState> = parts.iter().map(|p| p.state()).collect();
    for (i, (part, state)) in parts.iter_mut().zip(states).enumerate() {
        if let Err(e) = part.load_state(state) {
            for (p, s) in parts.iter_mut().zip(&saved) {
                p.load_state(s)
                    .expect("a part accepts the state it produced");
            }
            return Err(e.within(format!("part {i} of {owner}")));
        }
    }
    Ok(())
}
