//! Pieces shared by the cleaning under-samplers (Tomek links, the ENN family, NearMiss, NCR):
//! which classes a cleaner may remove samples from, the selection it returns, and nearest
//! neighbours searched on the KD-tree, spread over threads for large inputs.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use ndarray::{Array2, ArrayView2};

use super::neighbors::{KdTree, KnnBuffer};
use super::random_sampling::Selection;
use super::sampling_strategy::class_counts;
use crate::{Error, Float, Result};

/// The classes a cleaning sampler may remove samples from (imbalanced-learn's
/// `sampling_strategy` for cleaning samplers).
///
/// The minority (majority) class is the one with the fewest (most) samples, ties going to the
/// smallest label.
///
/// ```
/// use tuneup::data::CleaningStrategy;
/// let y = [0, 0, 0, 1, 1, 2];
/// assert_eq!(CleaningStrategy::Auto.classes(&y)?, vec![0, 1]);
/// assert_eq!(CleaningStrategy::Majority.classes(&y)?, vec![0]);
/// assert_eq!(CleaningStrategy::All.classes(&y)?, vec![0, 1, 2]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CleaningStrategy {
    /// Every class but the minority (imbalanced-learn's `"auto"`, the default).
    #[default]
    Auto,
    /// Every class but the minority.
    NotMinority,
    /// The majority class only.
    Majority,
    /// Every class but the majority.
    NotMajority,
    /// Every class.
    All,
    /// The listed classes.
    Classes(Vec<usize>),
}

impl CleaningStrategy {
    /// The targeted classes present in `y`, in label order.
    ///
    /// Errors: fewer than two classes, or a listed class absent from `y` ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::CleaningStrategy;
    /// assert!(CleaningStrategy::Auto.classes(&[1, 1]).is_err());
    /// assert!(CleaningStrategy::Classes(vec![7]).classes(&[0, 1]).is_err());
    /// ```
    pub fn classes(&self, y: &[usize]) -> Result<Vec<usize>> {
        let counts = class_counts(y);
        if counts.len() < 2 {
            return Err(Error::value(
                "sampling_strategy (cleaning)",
                "labels with more than 1 class",
                format!("{} class", counts.len()),
            ));
        }
        let minority = extreme(&counts, false);
        let majority = extreme(&counts, true);
        let all = counts.keys().copied();
        Ok(match self {
            CleaningStrategy::Auto | CleaningStrategy::NotMinority => {
                all.filter(|&c| c != minority).collect()
            }
            CleaningStrategy::Majority => vec![majority],
            CleaningStrategy::NotMajority => all.filter(|&c| c != majority).collect(),
            CleaningStrategy::All => all.collect(),
            CleaningStrategy::Classes(list) => {
                if let Some(c) = list.iter().find(|c| !counts.contains_key(c)) {
                    return Err(Error::value(
                        "sampling_strategy (cleaning)",
                        format!(
                            "classes present in the labels ({:?})",
                            counts.keys().collect::<Vec<_>>()
                        ),
                        format!("class {c}"),
                    ));
                }
                let set: BTreeSet<usize> = list.iter().copied().collect();
                set.into_iter().collect()
            }
        })
    }
}

/// The class with the most (`largest`) or fewest samples, ties to the smallest label.
fn extreme(counts: &BTreeMap<usize, usize>, largest: bool) -> usize {
    let mut best: Option<(usize, usize)> = None;
    for (&c, &n) in counts {
        let better = best.is_none_or(|(_, b)| (largest && n > b) || (!largest && n < b));
        if better {
            best = Some((c, n));
        }
    }
    best.map_or(0, |(c, _)| c)
}

/// The minority class as `min(Counter(y), key=...)` finds it: the fewest samples, ties to the
/// class that appears first in `y` (imbalanced-learn's stopping rules and NCR use this one).
pub(crate) fn first_minority(y: &[usize]) -> (usize, usize) {
    let counts = class_counts(y);
    let mut seen = BTreeSet::new();
    let mut best: Option<(usize, usize)> = None;
    for &c in y {
        if !seen.insert(c) {
            continue;
        }
        let n = counts[&c];
        if best.is_none_or(|(_, b)| n < b) {
            best = Some((c, n));
        }
    }
    best.unwrap_or((0, 0))
}

/// The rows `indices` of `x` with their labels.
pub(crate) fn select<F: Float>(
    x: &ArrayView2<'_, F>,
    y: &[usize],
    indices: Vec<usize>,
) -> Selection<F> {
    let mut out = Array2::zeros((indices.len(), x.ncols()));
    for (mut row, &i) in out.rows_mut().into_iter().zip(&indices) {
        row.assign(&x.row(i));
    }
    Selection {
        x: out,
        y: indices.iter().map(|&i| y[i]).collect(),
        indices,
    }
}

/// Checks a neighbour count against the rows a search may return (imbalanced-learn's
/// "Expected n_neighbors <= n_samples_fit").
pub(crate) fn check_k(context: &str, k: usize, available: usize) -> Result<()> {
    if k == 0 || k > available {
        return Err(Error::value(
            context,
            format!("n_neighbors <= n_samples_fit: between 1 and {available} neighbours"),
            format!(
                "Expected n_neighbors <= n_samples_fit, but n_neighbors = {}, n_samples_fit = {}",
                k.saturating_add(1),
                available.saturating_add(1)
            ),
        ));
    }
    Ok(())
}

/// Rows per thread below which a search stays on the calling thread.
const ROWS_PER_THREAD: usize = 2048;

/// The `k` nearest rows of `tree` for each row `queries[q]`, nearest first; with
/// `self_rows`, query `q` is row `self_rows[q]` of the tree and is excluded from its own
/// neighbours. Spread over the crate's thread count for large inputs; the answer does not
/// depend on it. `k` has been checked.
pub(crate) fn kneighbors<F: Float>(
    tree: &KdTree<F>,
    queries: &ArrayView2<'_, F>,
    k: usize,
    self_rows: Option<&[usize]>,
) -> Result<Array2<usize>> {
    let n = queries.nrows();
    let mut out = vec![0usize; n * k];
    let threads = crate::linalg::num_threads()
        .min(n.div_ceil(ROWS_PER_THREAD))
        .max(1);
    let chunk = n.div_ceil(threads).max(1);
    let first_error: Mutex<Option<Error>> = Mutex::new(None);
    let run = |start: usize, part: &mut [usize]| {
        let mut buf = KnnBuffer::new();
        let mut found = Vec::with_capacity(k);
        let mut point = vec![F::zero(); queries.ncols()];
        for (off, dst) in part.chunks_mut(k).enumerate() {
            let q = start + off;
            for (p, &v) in point.iter_mut().zip(queries.row(q).iter()) {
                *p = v;
            }
            let exclude = self_rows.map(|s| s[q]);
            if let Err(e) = tree.query_into(&point, k, exclude, &mut buf, &mut found) {
                first_error
                    .lock()
                    .map(|mut g| *g = g.take().or(Some(e)))
                    .ok();
                return;
            }
            dst.copy_from_slice(&found);
        }
    };
    if threads == 1 {
        run(0, &mut out);
    } else {
        std::thread::scope(|s| {
            for (t, part) in out.chunks_mut(chunk * k).enumerate() {
                let run = &run;
                s.spawn(move || run(t * chunk, part));
            }
        });
    }
    if let Some(e) = first_error.into_inner().unwrap_or(None) {
        return Err(e);
    }
    Ok(Array2::from_shape_vec((n, k), out).expect("n·k neighbours"))
}

/// Checks `x` and `y` for a cleaning sampler (finite data, one label per row).
pub(crate) fn check_clean<F: Float>(
    context: &str,
    x: &ArrayView2<'_, F>,
    y: &[usize],
) -> Result<()> {
    super::sampling_strategy::check_xy(context, x, y, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_minority_breaks_ties_by_first_appearance() {
        assert_eq!(first_minority(&[2, 1, 1, 2, 0, 0, 0]), (2, 2));
        assert_eq!(first_minority(&[0, 0, 1]), (1, 1));
    }

    #[test]
    fn threaded_search_matches_single_thread() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let x = Array2::from_shape_fn((5000, 3), |_| rng.random::<f64>());
        let tree = KdTree::new(&x.view()).unwrap();
        let rows: Vec<usize> = (0..5000).collect();
        let nn = kneighbors(&tree, &x.view(), 3, Some(&rows)).unwrap();
        assert_eq!(nn, tree.kneighbors_of_fitted(3).unwrap());
    }
}
