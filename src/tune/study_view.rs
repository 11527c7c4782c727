//! What a sampler or pruner may see of a study: the trials visible to the current one.

use super::{Direction, TrialRecord, TrialState};

/// The trials a sampler or pruner may use, and the study's directions.
///
/// A study shows trial `k` the same trials whatever the thread count (those of earlier waves:
/// see `Study`), so a history-driven sampler such as TPE and every pruner
/// give the same study for the same seed.
///
/// ```
/// use tuneup::tune::{Direction, StudyView, TrialRecord, TrialState};
/// let mut done = TrialRecord::failed(0, Default::default(), "");
/// done.state = TrialState::Complete;
/// done.values = vec![0.5];
/// let trials = [done];
/// let view = StudyView::new(&trials, &[Direction::Minimize]);
/// assert_eq!(view.completed().count(), 1);
/// assert_eq!(view.direction(), Direction::Minimize);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct StudyView<'a> {
    /// The visible trials, by trial number.
    pub trials: &'a [TrialRecord],
    /// One direction per objective.
    pub directions: &'a [Direction],
}

impl<'a> StudyView<'a> {
    /// A view over `trials` with `directions`.
    ///
    /// ```
    /// let v = tuneup::tune::StudyView::new(&[], &[tuneup::tune::Direction::Maximize]);
    /// assert!(v.trials.is_empty());
    /// ```
    pub fn new(trials: &'a [TrialRecord], directions: &'a [Direction]) -> Self {
        StudyView { trials, directions }
    }

    /// The first objective's direction (the only one of a single-objective study).
    ///
    /// ```
    /// let v = tuneup::tune::StudyView::new(&[], &[]);
    /// assert_eq!(v.direction(), tuneup::tune::Direction::Minimize);
    /// ```
    pub fn direction(&self) -> Direction {
        self.directions.first().copied().unwrap_or_default()
    }

    /// The complete trials.
    ///
    /// ```
    /// let v = tuneup::tune::StudyView::new(&[], &[]);
    /// assert_eq!(v.completed().count(), 0);
    /// ```
    pub fn completed(&self) -> impl Iterator<Item = &'a TrialRecord> + 'a + use<'a> {
        self.trials
            .iter()
            .filter(|t| t.state == TrialState::Complete)
    }
}
