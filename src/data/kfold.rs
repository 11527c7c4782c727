//! K-fold cross-validation index generators: [`KFold`] and [`StratifiedKFold`].
//!
//! Both follow scikit-learn's semantics for which samples land in which fold; with shuffling
//! the random stream differs from NumPy's, so the folds differ from scikit-learn's while their
//! sizes and class make-up do not. Each fold is a `(train, test)` pair of index vectors, both
//! sorted ascending (as scikit-learn returns them); the test folds partition `0..n`.

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::{Error, Result};

fn check_splits(name: &str, n_splits: usize) -> Result<()> {
    if n_splits < 2 {
        return Err(Error::config(
            format!("{name}.n_splits"),
            n_splits,
            "at least 2 folds",
        ));
    }
    Ok(())
}

/// Iterator over the `(train, test)` index pairs of a k-fold split, one per fold.
///
/// Made by [`KFold::split`] and [`StratifiedKFold::split`].
///
/// ```
/// use tuneup::data::KFold;
/// let mut folds = KFold::new(2)?.split(4)?;
/// assert_eq!(folds.len(), 2);
/// assert_eq!(folds.next(), Some((vec![2, 3], vec![0, 1])));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Folds {
    /// Test fold of each sample.
    fold_of: Vec<usize>,
    n_splits: usize,
    next: usize,
}

impl Iterator for Folds {
    type Item = (Vec<usize>, Vec<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.n_splits {
            return None;
        }
        let k = self.next;
        self.next += 1;
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (i, &f) in self.fold_of.iter().enumerate() {
            if f == k {
                test.push(i);
            } else {
                train.push(i);
            }
        }
        Some((train, test))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.n_splits - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Folds {}

/// K-fold cross-validation (scikit-learn's `KFold`).
///
/// The samples, in order or shuffled with a seed, are cut into `n_splits` consecutive blocks;
/// the first `n % n_splits` blocks have `n / n_splits + 1` samples and the others
/// `n / n_splits`. Block `k` is the test set of fold `k`, all other samples its training set.
///
/// ```
/// use tuneup::data::KFold;
///
/// let folds: Vec<_> = KFold::new(3)?.split(7)?.collect();
/// assert_eq!(folds[0].1, vec![0, 1, 2]);
/// assert_eq!(folds[1].1, vec![3, 4]);
/// assert_eq!(folds[2], (vec![0, 1, 2, 3, 4], vec![5, 6]));
///
/// let shuffled: Vec<_> = KFold::new(3)?.shuffle(42).split(7)?.collect();
/// assert_eq!(shuffled.iter().map(|f| f.1.len()).collect::<Vec<_>>(), vec![3, 2, 2]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KFold {
    n_splits: usize,
    seed: Option<u64>,
}

impl KFold {
    /// `n_splits` folds (at least 2), without shuffling.
    ///
    /// # Errors
    /// [`Error::Config`] if `n_splits < 2`.
    ///
    /// ```
    /// assert!(tuneup::data::KFold::new(1).is_err());
    /// ```
    pub fn new(n_splits: usize) -> Result<Self> {
        check_splits("KFold", n_splits)?;
        Ok(KFold {
            n_splits,
            seed: None,
        })
    }

    /// Shuffles the samples with `seed` before cutting them into folds.
    ///
    /// ```
    /// use tuneup::data::KFold;
    /// let a: Vec<_> = KFold::new(2)?.shuffle(1).split(10)?.collect();
    /// let b: Vec<_> = KFold::new(2)?.shuffle(1).split(10)?.collect();
    /// assert_eq!(a, b);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn shuffle(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The number of folds.
    ///
    /// ```
    /// assert_eq!(tuneup::data::KFold::new(5)?.n_splits(), 5);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_splits(&self) -> usize {
        self.n_splits
    }

    /// The folds of `n` samples.
    ///
    /// # Errors
    /// [`Error::Value`] if `n < n_splits`.
    ///
    /// ```
    /// assert!(tuneup::data::KFold::new(5)?.split(4).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn split(&self, n: usize) -> Result<Folds> {
        if n < self.n_splits {
            return Err(Error::value(
                "KFold.split",
                format!("at least n_splits = {} samples", self.n_splits),
                format!("{n} samples"),
            ));
        }
        let mut order: Vec<usize> = (0..n).collect();
        if let Some(seed) = self.seed {
            order.shuffle(&mut StdRng::seed_from_u64(seed));
        }
        let (base, extra) = (n / self.n_splits, n % self.n_splits);
        let mut fold_of = vec![0; n];
        let mut pos = 0;
        for k in 0..self.n_splits {
            let size = base + usize::from(k < extra);
            for &i in &order[pos..pos + size] {
                fold_of[i] = k;
            }
            pos += size;
        }
        Ok(Folds {
            fold_of,
            n_splits: self.n_splits,
            next: 0,
        })
    }
}

/// Stratified k-fold cross-validation (scikit-learn's `StratifiedKFold`, version ≥ 0.22).
///
/// Each fold keeps the class proportions of the whole set as closely as counts allow. As in
/// scikit-learn, classes are ordered by first appearance in the labels, the labels sorted by
/// that class order are dealt to the folds in turn (position `j` to fold
/// `j mod n_splits`), which fixes how many members of each class every fold gets (these differ
/// by at most one between folds, and fold sizes differ by at most one); then, class by class,
/// the members in index order take those fold slots, in order or shuffled with the seed.
/// Without shuffling the folds are the same as scikit-learn's.
///
/// ```
/// use tuneup::data::StratifiedKFold;
///
/// let y = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
/// let folds: Vec<_> = StratifiedKFold::new(3)?.split(&y)?.collect();
/// assert_eq!(folds[0].1, vec![0, 1, 6, 7]);
/// assert_eq!(folds[1].1, vec![2, 3, 8]);
/// assert_eq!(folds[2].1, vec![4, 5, 9]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StratifiedKFold {
    n_splits: usize,
    seed: Option<u64>,
}

impl StratifiedKFold {
    /// `n_splits` folds (at least 2), without shuffling.
    ///
    /// # Errors
    /// [`Error::Config`] if `n_splits < 2`.
    ///
    /// ```
    /// assert!(tuneup::data::StratifiedKFold::new(0).is_err());
    /// ```
    pub fn new(n_splits: usize) -> Result<Self> {
        check_splits("StratifiedKFold", n_splits)?;
        Ok(StratifiedKFold {
            n_splits,
            seed: None,
        })
    }

    /// Shuffles each class's members with `seed` before they take their fold slots.
    ///
    /// ```
    /// use tuneup::data::StratifiedKFold;
    /// let y = [0, 1, 0, 1, 0, 1, 0, 1];
    /// let folds: Vec<_> = StratifiedKFold::new(2)?.shuffle(3).split(&y)?.collect();
    /// assert!(folds.iter().all(|(_, test)| test.iter().filter(|&&i| y[i] == 1).count() == 2));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn shuffle(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The number of folds.
    ///
    /// ```
    /// assert_eq!(tuneup::data::StratifiedKFold::new(4)?.n_splits(), 4);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_splits(&self) -> usize {
        self.n_splits
    }

    /// The folds for these class labels (one per sample, any `usize` values).
    ///
    /// # Errors
    /// [`Error::Value`] if there are fewer samples than folds, or if *every* class has fewer
    /// members than folds (scikit-learn's rule; when only some classes are that small, those
    /// classes are simply missing from some test folds).
    ///
    /// ```
    /// use tuneup::data::StratifiedKFold;
    /// assert!(StratifiedKFold::new(3)?.split(&[0, 0, 1, 1]).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn split(&self, labels: &[usize]) -> Result<Folds> {
        let (n, k) = (labels.len(), self.n_splits);
        if n < k {
            return Err(Error::value(
                "StratifiedKFold.split",
                format!("at least n_splits = {k} samples"),
                format!("{n} samples"),
            ));
        }
        // Classes in order of first appearance, as scikit-learn encodes them.
        let mut class_of: HashMap<usize, usize> = HashMap::new();
        let mut members: Vec<Vec<usize>> = Vec::new();
        for (i, &l) in labels.iter().enumerate() {
            let c = *class_of.entry(l).or_insert_with(|| {
                members.push(Vec::new());
                members.len() - 1
            });
            members[c].push(i);
        }
        if members.iter().all(|m| m.len() < k) {
            let largest = members.iter().map(Vec::len).max().unwrap_or(0);
            return Err(Error::value(
                "StratifiedKFold.split",
                format!("at least one class with n_splits = {k} members or more"),
                format!("largest class with {largest} members"),
            ));
        }
        let mut rng = self.seed.map(StdRng::seed_from_u64);
        let mut fold_of = vec![0; n];
        // Position of the class's first member in the label-sorted order.
        let mut start = 0;
        for idx in &members {
            // Sorted positions start..start+len are dealt to folds (position mod k).
            // Fold slots of this class, grouped by fold (fold 0's first).
            let mut slots: Vec<usize> = (start..start + idx.len()).map(|p| p % k).collect();
            slots.sort_unstable();
            if let Some(rng) = rng.as_mut() {
                slots.shuffle(rng);
            }
            for (&i, &f) in idx.iter().zip(&slots) {
                fold_of[i] = f;
            }
            start += idx.len();
        }
        Ok(Folds {
            fold_of,
            n_splits: k,
            next: 0,
        })
    }
}
