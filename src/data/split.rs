//! Seeded train / test splits, plain or stratified by class.
//!
//! The semantics follow scikit-learn's `train_test_split` (`ShuffleSplit` /
//! `StratifiedShuffleSplit`): the test set holds `ceil(test_fraction · n)` samples, the rest go
//! to training, and both sets come back in a shuffled order. The random stream differs from
//! NumPy's, so the chosen indices differ from scikit-learn's; the sizes and per-class counts do
//! not.

use std::collections::BTreeMap;

use ndarray::{Array, Array2, ArrayView, ArrayView2, Axis, RemoveAxis};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::{Error, Result};

const CONTEXT: &str = "train_test_split";

/// The number of test samples for `n` samples and a fraction in `(0, 1)`:
/// `ceil(test_fraction · n)`, where a product within `1e-9` (relative) of an integer counts as
/// that integer, so `0.3 · 10` gives 3 and not 4 because of rounding in the product.
fn test_count(n: usize, test_fraction: f64) -> usize {
    let x = test_fraction * n as f64;
    let r = x.round();
    if (x - r).abs() <= 1e-9 * x.max(1.0) {
        r as usize
    } else {
        x.ceil() as usize
    }
}

/// Per-class test counts for a stratified split (largest-remainder allocation).
///
/// Class `c` with `n_c` members first gets `floor(n_c · n_test / n)` test samples; the units
/// still missing to reach `n_test` go one each to the classes with the largest remainders
/// `(n_c · n_test) mod n`, ties going to the larger class, then to the smaller label. A class
/// never gives all its members to the test set (at most `n_c − 1`), so every class appears in
/// training. The arithmetic is exact (integers), so the counts are deterministic and do not
/// depend on the seed.
fn allocate(counts: &[usize], n: usize, n_test: usize) -> Vec<usize> {
    let mut alloc: Vec<usize> = counts.iter().map(|&c| c * n_test / n).collect();
    let mut missing = n_test - alloc.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = counts[a] * n_test % n;
        let rb = counts[b] * n_test % n;
        rb.cmp(&ra).then(counts[b].cmp(&counts[a])).then(a.cmp(&b))
    });
    // Each pass hands at most one unit per class; capacity `n_c − 1 − alloc_c` bounds it. The
    // caller checked n_test ≤ n − k = Σ (n_c − 1), so the loop ends.
    while missing > 0 {
        let before = missing;
        for &c in &order {
            if missing == 0 {
                break;
            }
            if alloc[c] + 1 < counts[c] {
                alloc[c] += 1;
                missing -= 1;
            }
        }
        if missing == before {
            break;
        }
    }
    alloc
}

/// Shuffled, seeded indices of a train / test split of `n` samples: `(train, test)`.
///
/// * The test set has `ceil(test_fraction · n)` samples, the training set the other
///   `n − n_test`; together they cover `0..n` exactly once. Both come back in shuffled order.
///   A product within `1e-9` (relative) of an integer counts as that integer: `0.07 · 100` is
///   `7.000000000000001` in floating point, which gives 7 test samples here where
///   scikit-learn gives 8.
/// * With `stratify = Some(labels)` (one label per sample, any `usize` values), each class keeps
///   its proportion: class `c` with `n_c` members gets `floor(n_c · n_test / n)` test samples,
///   and the units still missing to reach `n_test` go one each to the classes with the largest
///   remainders `(n_c · n_test) mod n` (ties: larger class first, then smaller label). No class
///   gives all its members to the test set. The per-class counts depend only on the labels and
///   `n_test`, never on the seed; which members are chosen does.
/// * The same `seed` gives the same split.
///
/// # Errors
/// * [`Error::Config`] if `test_fraction` is not inside `(0, 1)`.
/// * [`Error::Value`] if `n` is too small for both sets to be non-empty, if a class has fewer
///   than 2 members, or (stratified) if either set would have fewer samples than there are
///   classes.
/// * [`Error::Shape`] if `labels.len() != n`.
///
/// ```
/// use tuneup::data::train_test_split_indices;
///
/// let labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
/// let (train, test) = train_test_split_indices(10, 0.5, Some(&labels), 7)?;
/// assert_eq!((train.len(), test.len()), (5, 5));
/// assert_eq!(test.iter().filter(|&&i| labels[i] == 1).count(), 2); // 40 % of the test set
/// assert_eq!(train_test_split_indices(10, 0.5, Some(&labels), 7)?, (train, test));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn train_test_split_indices(
    n: usize,
    test_fraction: f64,
    stratify: Option<&[usize]>,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(Error::config(
            "train_test_split.test_fraction",
            test_fraction,
            "a fraction strictly between 0 and 1",
        ));
    }
    let n_test = test_count(n, test_fraction);
    if n < 2 || n_test == 0 || n_test >= n {
        return Err(Error::value(
            CONTEXT,
            format!(
                "enough samples for non-empty train and test sets at test_fraction = \
                 {test_fraction}"
            ),
            format!("{n} samples (test set of {n_test})"),
        ));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let Some(labels) = stratify else {
        let mut perm: Vec<usize> = (0..n).collect();
        perm.shuffle(&mut rng);
        let train = perm.split_off(n_test);
        return Ok((train, perm));
    };
    if labels.len() != n {
        return Err(Error::shape(
            format!("{CONTEXT} (stratify)"),
            format!("{n} labels, one per sample"),
            format!("{} labels", labels.len()),
        ));
    }
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &l) in labels.iter().enumerate() {
        members.entry(l).or_default().push(i);
    }
    if let Some((label, m)) = members.iter().find(|(_, m)| m.len() < 2) {
        return Err(Error::value(
            format!("{CONTEXT} (stratify)"),
            "at least 2 members in every class",
            format!("class {label} with {} member", m.len()),
        ));
    }
    let k = members.len();
    let n_train = n - n_test;
    if n_test < k || n_train < k {
        return Err(Error::value(
            format!("{CONTEXT} (stratify)"),
            format!("train and test sets of at least {k} samples each (one per class)"),
            format!("{n_train} train and {n_test} test samples"),
        ));
    }
    let counts: Vec<usize> = members.values().map(Vec::len).collect();
    let alloc = allocate(&counts, n, n_test);
    let mut train = Vec::with_capacity(n_train);
    let mut test = Vec::with_capacity(n_test);
    for (mut m, t) in members.into_values().zip(alloc) {
        m.shuffle(&mut rng);
        test.extend_from_slice(&m[..t]);
        train.extend_from_slice(&m[t..]);
    }
    train.shuffle(&mut rng);
    test.shuffle(&mut rng);
    Ok((train, test))
}

/// The parts of [`train_test_split`]: features and targets of the training and test sets, in
/// scikit-learn's order `(x_train, x_test, y_train, y_test)`.
pub type SplitParts<A, B, D> = (Array2<A>, Array2<A>, Array<B, D>, Array<B, D>);

/// Splits features `x` (one row per sample) and targets `y` (one entry or row per sample along
/// axis 0: class labels as a 1-D array, or a matrix of real values) into
/// `(x_train, x_test, y_train, y_test)`, using the indices of [`train_test_split_indices`] with
/// the same arguments (so the rows match that function's output order).
///
/// # Errors
/// [`Error::Shape`] if `x` and `y` disagree on the number of samples; otherwise those of
/// [`train_test_split_indices`].
///
/// ```
/// use tuneup::data::train_test_split;
/// use ndarray::{array, Array1};
///
/// let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0]];
/// let y = Array1::from(vec![0usize, 0, 0, 0, 1, 1, 1, 1]);
/// let labels = y.to_vec();
/// let (x_train, x_test, y_train, y_test) =
///     train_test_split(x.view(), y.view(), 0.25, Some(&labels), 0)?;
/// assert_eq!((x_train.nrows(), x_test.nrows()), (6, 2));
/// assert_eq!(y_test.iter().sum::<usize>(), 1); // one sample of each class
/// for (row, &label) in x_test.rows().into_iter().zip(&y_test) {
///     assert_eq!(label, (row[0] >= 4.0) as usize); // rows and labels stay paired
/// }
/// # let _ = y_train;
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn train_test_split<A: Clone, B: Clone, D: RemoveAxis>(
    x: ArrayView2<'_, A>,
    y: ArrayView<'_, B, D>,
    test_fraction: f64,
    stratify: Option<&[usize]>,
    seed: u64,
) -> Result<SplitParts<A, B, D>> {
    let n = x.nrows();
    let ny = y.shape().first().copied().unwrap_or(0);
    if ny != n {
        return Err(Error::shape(
            CONTEXT,
            format!("targets with {n} entries along axis 0, like the features"),
            format!("{ny}"),
        ));
    }
    let (train, test) = train_test_split_indices(n, test_fraction, stratify, seed)?;
    Ok((
        x.select(Axis(0), &train),
        x.select(Axis(0), &test),
        y.select(Axis(0), &train),
        y.select(Axis(0), &test),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_count_rounds_up_but_forgives_float_noise() {
        assert_eq!(test_count(10, 0.3), 3);
        assert_eq!(test_count(10, 0.31), 4);
        assert_eq!(test_count(3, 0.1), 1);
        assert_eq!(test_count(100, 0.07), 7);
    }

    #[test]
    fn allocation_sums_and_caps() {
        assert_eq!(allocate(&[6, 4], 10, 5), vec![3, 2]);
        // 3·3/7 = 1.29, 4·3/7 = 1.71: the leftover unit goes to the larger remainder.
        assert_eq!(allocate(&[3, 4], 7, 3), vec![1, 2]);
        // A class never loses all its members to the test set.
        assert_eq!(allocate(&[2, 8], 10, 8), vec![1, 7]);
    }
}
