//! Runners that produce the scores of the paired tests: the 5×2cv split scheme and the
//! fitting of two configurations on the same folds.
//!
//! A configuration is anything that fits on some rows and scores on others: a closure
//! `FnMut(train: &[usize], test: &[usize]) -> Result<f64>` receiving row indices, so Trainers,
//! estimators and user models all fit in (select the rows, fit, score).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::check::at_least;
use crate::data::train_test_split_indices;
use crate::{Error, Result};

/// A configuration's scores over a `repetitions × 2` cross-validation: `scores[i][j]` is the
/// score on fold `j` of repetition `i`.
///
/// ```
/// let scores: tuneup::tune::ScoreMatrix = vec![[0.9, 0.8]; 5];
/// assert_eq!(scores.len(), 5);
/// ```
pub type ScoreMatrix = Vec<[f64; 2]>;

/// One fold: the rows to train on and the rows to score on.
///
/// ```
/// use tuneup::tune::five_by_two_splits;
/// let folds = five_by_two_splits(11, 5, 0)?;
/// assert_eq!((folds[0][0].train.len(), folds[0][0].test.len()), (5, 6));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldSplit {
    /// Row indices to fit on.
    pub train: Vec<usize>,
    /// Row indices to score on.
    pub test: Vec<usize>,
}

/// The folds of a `repetitions × 2` cross-validation of `n` rows.
///
/// The split rule, mlxtend's `paired_ttest_5x2cv` up to the random generator: a
/// `StdRng` seeded with `seed` draws one `u64` per repetition (mlxtend draws one
/// `randint(0, 32767)` from `RandomState(random_seed)`), and that seed shuffles the rows
/// ([`train_test_split_indices`] with `test_fraction = 0.5`). Half 1 holds `floor(n/2)` rows and
/// half 2 the other `ceil(n/2)`, as scikit-learn's `train_test_split(test_size=0.5)`; fold 0
/// trains on half 1 and scores on half 2, fold 1 the reverse. The halves are not stratified
/// (mlxtend's are not either). NumPy's shuffle is not replicated, so the rows chosen differ from
/// mlxtend's.
///
/// # Errors
/// [`Error::Value`] for fewer than 2 repetitions or fewer than 2 rows.
///
/// ```
/// use tuneup::tune::five_by_two_splits;
/// let folds = five_by_two_splits(10, 5, 42)?;
/// assert_eq!(folds.len(), 5);
/// let [first, second] = &folds[0];
/// assert_eq!(first.train, second.test);
/// assert_eq!(five_by_two_splits(10, 5, 42)?, folds);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn five_by_two_splits(n: usize, repetitions: usize, seed: u64) -> Result<Vec<[FoldSplit; 2]>> {
    at_least(repetitions, 2, "five_by_two_splits", "repetitions")?;
    at_least(n, 2, "five_by_two_splits", "rows")?;
    let mut rng = StdRng::seed_from_u64(seed);
    (0..repetitions)
        .map(|_| {
            let (half1, half2) = train_test_split_indices(n, 0.5, None, rng.random::<u64>())?;
            Ok([
                FoldSplit {
                    train: half1.clone(),
                    test: half2.clone(),
                },
                FoldSplit {
                    train: half2,
                    test: half1,
                },
            ])
        })
        .collect()
}

/// Runs a 5×2 cross-validation of two configurations on the same folds
/// ([`five_by_two_splits`] of `n` rows with `seed`) and returns their score matrices
/// `(scores_a, scores_b)`, ready for [`paired_ttest_5x2cv`](super::paired_ttest_5x2cv) and
/// [`combined_ftest_5x2cv`](super::combined_ftest_5x2cv).
///
/// Each closure gets `(train_rows, test_rows)`, fits a fresh model on the training rows and
/// returns its score on the test rows (higher is better is the usual reading, but the tests do
/// not care).
///
/// # Errors
/// Those of [`five_by_two_splits`], the first error of a closure (with the fold named), and
/// [`Error::NonFinite`] for a NaN or infinite score.
///
/// ```
/// use tuneup::tune::{paired_ttest_5x2cv, run_5x2cv};
/// // Two "models" that score a fixed function of the test rows: B is 0.05 better.
/// let score = |test: &[usize]| test.iter().map(|&i| (i % 7) as f64).sum::<f64>() / 100.0;
/// let (a, b) = run_5x2cv(40, 1, |_, test| Ok(score(test)), |_, test| Ok(score(test) + 0.05))?;
/// assert_eq!(a.len(), 5);
/// assert!((b[2][1] - a[2][1] - 0.05).abs() < 1e-12);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn run_5x2cv<A, B>(
    n: usize,
    seed: u64,
    mut fit_score_a: A,
    mut fit_score_b: B,
) -> Result<(ScoreMatrix, ScoreMatrix)>
where
    A: FnMut(&[usize], &[usize]) -> Result<f64>,
    B: FnMut(&[usize], &[usize]) -> Result<f64>,
{
    let folds = five_by_two_splits(n, 5, seed)?;
    let mut scores_a = Vec::with_capacity(folds.len());
    let mut scores_b = Vec::with_capacity(folds.len());
    for (i, pair) in folds.iter().enumerate() {
        let mut row_a = [0.0; 2];
        let mut row_b = [0.0; 2];
        for (j, fold) in pair.iter().enumerate() {
            let place = format!("run_5x2cv, repetition {i}, fold {j}");
            row_a[j] = checked(fit_score_a(&fold.train, &fold.test), &place, "A")?;
            row_b[j] = checked(fit_score_b(&fold.train, &fold.test), &place, "B")?;
        }
        scores_a.push(row_a);
        scores_b.push(row_b);
    }
    Ok((scores_a, scores_b))
}

fn checked(score: Result<f64>, place: &str, which: &str) -> Result<f64> {
    let score = score.map_err(|e| e.within(format!("{place}, configuration {which}")))?;
    if !score.is_finite() {
        return Err(Error::non_finite(
            place,
            format!("score of configuration {which} = {score}"),
        ));
    }
    Ok(score)
}
