//! The good/bad split of TPE: the best trials make the "below" group `l(x)` is fitted on,
//! the rest the "above" group of `g(x)`.

use std::cmp::Ordering;

use crate::tune::{StudyView, TrialRecord, TrialState};
use crate::{Error, Result};

/// The trials of `past` that TPE learns from, split into the `n_below` best and the rest,
/// each group by trial number, as Optuna's `_split_trials`.
///
/// Complete trials are ranked by value in the study's direction; pruned trials come after
/// them, those that ran more steps first, then by their last intermediate value (a NaN last);
/// failed trials are left out. A complete trial without a finite value, or a study with more
/// than one objective, is an error.
///
/// ```
/// use tuneup::tune::{split_trials, Direction, Params, StudyView, TrialRecord, TrialState};
/// let done = |number: usize, v: f64| TrialRecord {
///     number, params: Params::default(), state: TrialState::Complete, values: vec![v],
///     intermediate: vec![], intermediate_values: vec![], fold_scores: vec![], seconds: 0.0, error: None,
/// };
/// let trials = [done(0, 3.0), done(1, 1.0), done(2, 2.0)];
/// let view = StudyView::new(&trials, &[Direction::Minimize]);
/// let (below, above) = split_trials(&view, 1)?;
/// assert_eq!(below.iter().map(|t| t.number).collect::<Vec<_>>(), vec![1]);
/// assert_eq!(above.iter().map(|t| t.number).collect::<Vec<_>>(), vec![0, 2]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn split_trials<'a>(
    past: &StudyView<'a>,
    n_below: usize,
) -> Result<(Vec<&'a TrialRecord>, Vec<&'a TrialRecord>)> {
    if past.directions.len() > 1 {
        return Err(Error::config(
            "TpeSampler directions",
            format!("{} objectives", past.directions.len()),
            "a single-objective study",
        ));
    }
    let direction = past.direction();
    let mut complete = Vec::new();
    let mut pruned = Vec::new();
    for t in past.trials {
        match t.state {
            TrialState::Complete => complete.push((complete_value(t)?, t)),
            TrialState::Pruned => pruned.push((pruned_score(t, direction.as_loss(1.0)), t)),
            TrialState::Failed => {}
        }
    }
    let loss = |v: f64| direction.as_loss(v);
    complete.sort_by(|a, b| order(loss(a.0), loss(b.0)));
    pruned.sort_by(|a, b| compare_scores(a.0, b.0));
    let from_complete = n_below.min(complete.len());
    let from_pruned = (n_below - from_complete).min(pruned.len());
    let mut below: Vec<&TrialRecord> = Vec::new();
    let mut above: Vec<&TrialRecord> = Vec::new();
    for (i, (_, t)) in complete.iter().enumerate() {
        if i < from_complete {
            below.push(t)
        } else {
            above.push(t)
        }
    }
    for (i, (_, t)) in pruned.iter().enumerate() {
        if i < from_pruned {
            below.push(t)
        } else {
            above.push(t)
        }
    }
    below.sort_by_key(|t| t.number);
    above.sort_by_key(|t| t.number);
    Ok((below, above))
}

/// A complete trial's single finite value.
fn complete_value(t: &TrialRecord) -> Result<f64> {
    match t.values.as_slice() {
        [v] if v.is_finite() => Ok(*v),
        values => Err(Error::value(
            format!("TPE: complete trial {}", t.number),
            "one finite value",
            format!("{values:?}"),
        )),
    }
}

/// Optuna's rank of a pruned trial: `(−last step, last value as a loss)`, a NaN value as +∞,
/// a trial that reported nothing `(1, 0)` (after every other).
fn pruned_score(t: &TrialRecord, sign: f64) -> (f64, f64) {
    match t.last_intermediate() {
        Some((step, v)) if v.is_nan() => (-(step as f64), f64::INFINITY),
        Some((step, v)) => (-(step as f64), sign * v),
        None => (1.0, 0.0),
    }
}

fn compare_scores(a: (f64, f64), b: (f64, f64)) -> Ordering {
    order(a.0, b.0).then(order(a.1, b.1))
}

/// Python's `<` order on floats that are never NaN here (so −0 and 0 tie, as in a stable
/// `sorted`).
fn order(a: f64, b: f64) -> Ordering {
    a.partial_cmp(&b).unwrap_or(Ordering::Equal)
}
