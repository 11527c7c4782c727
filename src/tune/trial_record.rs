//! What a study keeps of one finished trial.

use super::Params;

/// How a trial ended.
///
/// ```
/// use tuneup::tune::TrialState;
/// assert_eq!(TrialState::Pruned.name(), "pruned");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TrialState {
    /// The objective returned its value(s).
    Complete,
    /// A pruner stopped the trial early; its last intermediate value stands for it.
    Pruned,
    /// The objective returned an error or a non-finite value (training diverged); the study
    /// went on without it.
    Failed,
}

impl TrialState {
    /// `"complete"`, `"pruned"` or `"failed"`.
    ///
    /// ```
    /// assert_eq!(tuneup::tune::TrialState::Failed.name(), "failed");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            TrialState::Complete => "complete",
            TrialState::Pruned => "pruned",
            TrialState::Failed => "failed",
        }
    }
}

/// One finished trial: its number, its values, how it ended and what it reported on the way.
///
/// ```
/// use tuneup::tune::{Params, TrialRecord, TrialState};
/// let r = TrialRecord {
///     number: 0,
///     params: Params::default(),
///     state: TrialState::Pruned,
///     values: vec![],
///     intermediate: vec![(0, 0.9), (1, 0.7)],
///     intermediate_values: vec![],
///     fold_scores: vec![],
///     seconds: 0.01,
///     error: None,
/// };
/// assert_eq!(r.last_intermediate(), Some((1, 0.7)));
/// assert_eq!(r.steps_run(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TrialRecord {
    /// The trial's number in its study, from 0.
    pub number: usize,
    /// The hyperparameter values it ran with.
    pub params: Params,
    /// How it ended.
    pub state: TrialState,
    /// Its objective value, one per objective of the study; empty unless complete.
    pub values: Vec<f64>,
    /// The `(step, value)` pairs it reported (e.g. validation score per epoch), by step.
    pub intermediate: Vec<(usize, f64)>,
    /// The `(step, values)` reported by a multi-objective trial, one value per objective.
    pub intermediate_values: Vec<(usize, Vec<f64>)>,
    /// The per-fold scores, when the objective was scored by cross-validation.
    pub fold_scores: Vec<f64>,
    /// Wall-clock seconds it ran (not part of a study's deterministic outcome).
    pub seconds: f64,
    /// The error that failed it, in words.
    pub error: Option<String>,
}

impl TrialRecord {
    /// The last `(step, value)` reported, if any.
    ///
    /// ```
    /// # let r = tuneup::tune::TrialRecord::failed(3, Default::default(), "boom");
    /// assert_eq!(r.last_intermediate(), None);
    /// ```
    pub fn last_intermediate(&self) -> Option<(usize, f64)> {
        self.intermediate.last().copied()
    }

    /// The value reported at `step`, if any.
    ///
    /// ```
    /// # let mut r = tuneup::tune::TrialRecord::failed(3, Default::default(), "boom");
    /// r.intermediate = vec![(0, 1.0), (2, 0.5)];
    /// assert_eq!(r.intermediate_at(2), Some(0.5));
    /// assert_eq!(r.intermediate_at(1), None);
    /// ```
    pub fn intermediate_at(&self, step: usize) -> Option<f64> {
        self.intermediate
            .binary_search_by_key(&step, |&(s, _)| s)
            .ok()
            .map(|i| self.intermediate[i].1)
    }

    /// How many steps (epochs) it reported.
    ///
    /// ```
    /// # let r = tuneup::tune::TrialRecord::failed(3, Default::default(), "boom");
    /// assert_eq!(r.steps_run(), 0);
    /// ```
    pub fn steps_run(&self) -> usize {
        self.intermediate.len()
    }

    /// Its single objective value, when complete and the study has one objective.
    ///
    /// ```
    /// # let r = tuneup::tune::TrialRecord::failed(3, Default::default(), "boom");
    /// assert_eq!(r.value(), None);
    /// ```
    pub fn value(&self) -> Option<f64> {
        match (self.state, self.values.as_slice()) {
            (TrialState::Complete, [v]) => Some(*v),
            _ => None,
        }
    }

    /// A failed trial's record, with the error in words.
    ///
    /// ```
    /// let r = tuneup::tune::TrialRecord::failed(3, Default::default(), "diverged");
    /// assert_eq!(r.error.as_deref(), Some("diverged"));
    /// ```
    pub fn failed(number: usize, params: Params, error: impl Into<String>) -> Self {
        TrialRecord {
            number,
            params,
            state: TrialState::Failed,
            values: Vec::new(),
            intermediate: Vec::new(),
            intermediate_values: Vec::new(),
            fold_scores: Vec::new(),
            seconds: 0.0,
            error: Some(error.into()),
        }
    }
}
