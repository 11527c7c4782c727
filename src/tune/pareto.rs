//! Pareto dominance and fronts for multi-objective studies.

use super::{Direction, TrialRecord, TrialState};

/// True when `a` dominates `b`: no worse in every objective and better in at least one.
///
/// ```
/// use tuneup::tune::{dominates, Direction};
/// let both_min = [Direction::Minimize, Direction::Minimize];
/// assert!(dominates(&[1.0, 2.0], &[1.0, 3.0], &both_min));
/// assert!(!dominates(&[1.0, 3.0], &[2.0, 2.0], &both_min));
/// assert!(!dominates(&[1.0, 2.0], &[1.0, 2.0], &both_min));
/// ```
pub fn dominates(a: &[f64], b: &[f64], directions: &[Direction]) -> bool {
    let mut better = false;
    for ((&x, &y), d) in a.iter().zip(b).zip(directions) {
        if d.is_better(y, x) {
            return false;
        }
        better |= d.is_better(x, y);
    }
    better
}

/// The positions (in `points`) of the points no other point dominates, in their order.
///
/// ```
/// use tuneup::tune::{pareto_indices, Direction};
/// let pts = vec![vec![1.0, 5.0], vec![2.0, 2.0], vec![3.0, 3.0], vec![5.0, 1.0]];
/// assert_eq!(pareto_indices(&pts, &[Direction::Minimize; 2]), vec![0, 1, 3]);
/// ```
pub fn pareto_indices(points: &[Vec<f64>], directions: &[Direction]) -> Vec<usize> {
    (0..points.len())
        .filter(|&i| !points.iter().any(|q| dominates(q, &points[i], directions)))
        .collect()
}

/// The complete trials on the Pareto front of their values, by trial number.
///
/// ```
/// use tuneup::tune::{pareto_front, Direction, TrialRecord, TrialState};
/// let done = |n: usize, v: Vec<f64>| TrialRecord {
///     state: TrialState::Complete,
///     values: v,
///     error: None,
///     ..TrialRecord::failed(n, Default::default(), "")
/// };
/// let trials = [done(0, vec![1.0, 4.0]), done(1, vec![2.0, 5.0]), done(2, vec![3.0, 1.0])];
/// let front = pareto_front(&trials, &[Direction::Minimize; 2]);
/// assert_eq!(front.iter().map(|t| t.number).collect::<Vec<_>>(), vec![0, 2]);
/// ```
pub fn pareto_front<'a>(
    trials: &'a [TrialRecord],
    directions: &[Direction],
) -> Vec<&'a TrialRecord> {
    let done: Vec<&TrialRecord> = trials
        .iter()
        .filter(|t| t.state == TrialState::Complete && t.values.len() == directions.len())
        .collect();
    let points: Vec<Vec<f64>> = done.iter().map(|t| t.values.clone()).collect();
    pareto_indices(&points, directions)
        .into_iter()
        .map(|i| done[i])
        .collect()
}
