//! Exact duplicate rows.

use std::collections::{HashMap, HashSet};

use ndarray::ArrayView2;

use super::outliers::FilteredRows;
use crate::{Error, Float, Result};

/// The duplicate rows of a matrix, from [`duplicate_rows`].
///
/// Rows are compared value by value with two conventions: **NaN equals NaN** (two rows missing
/// the same cells and equal elsewhere are duplicates, as in pandas' `duplicated`), and `-0.0`
/// equals `0.0`. Infinite values compare as themselves.
///
/// ```
/// use tuneup::data::duplicate_rows;
/// use ndarray::array;
/// let x = array![[1.0, f64::NAN], [2.0, 3.0], [1.0, f64::NAN], [2.0, 3.0], [2.0, 3.0]];
/// let d = duplicate_rows(&x.view());
/// assert_eq!(d.duplicates(), &[2, 3, 4]);
/// assert_eq!(d.first_occurrence(), &[0, 1, 0, 1, 1]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateRows {
    first_occurrence: Vec<usize>,
    duplicates: Vec<usize>,
}

impl DuplicateRows {
    /// For each row, the index of the first row equal to it (itself when it is the first).
    ///
    /// ```
    /// use ndarray::array;
    /// let d = tuneup::data::duplicate_rows(&array![[5.0], [6.0], [5.0]].view());
    /// assert_eq!(d.first_occurrence(), &[0, 1, 0]);
    /// ```
    pub fn first_occurrence(&self) -> &[usize] {
        &self.first_occurrence
    }

    /// The indices of the rows that repeat an earlier row, ascending (pandas'
    /// `duplicated(keep="first")`).
    ///
    /// ```
    /// use ndarray::array;
    /// let d = tuneup::data::duplicate_rows(&array![[5.0], [6.0], [5.0]].view());
    /// assert_eq!(d.duplicates(), &[2]);
    /// ```
    pub fn duplicates(&self) -> &[usize] {
        &self.duplicates
    }

    /// `true` for each row that repeats an earlier row.
    ///
    /// ```
    /// use ndarray::array;
    /// let d = tuneup::data::duplicate_rows(&array![[5.0], [6.0], [5.0]].view());
    /// assert_eq!(d.mask(), vec![false, false, true]);
    /// ```
    pub fn mask(&self) -> Vec<bool> {
        self.first_occurrence
            .iter()
            .enumerate()
            .map(|(i, &f)| f != i)
            .collect()
    }

    /// The number of distinct rows.
    ///
    /// ```
    /// use ndarray::array;
    /// let d = tuneup::data::duplicate_rows(&array![[5.0], [6.0], [5.0]].view());
    /// assert_eq!(d.n_unique(), 2);
    /// ```
    pub fn n_unique(&self) -> usize {
        self.first_occurrence.len() - self.duplicates.len()
    }
}

/// Finds the exact duplicate rows of `x` (see [`DuplicateRows`] for how NaN and `-0.0`
/// compare). Any data is accepted, including zero rows; the input is only read.
///
/// ```
/// use tuneup::data::duplicate_rows;
/// use ndarray::array;
/// let d = duplicate_rows(&array![[1.0, 2.0], [1.0, 2.5], [1.0, 2.0]].view());
/// assert_eq!(d.duplicates(), &[2]);
/// ```
pub fn duplicate_rows<F: Float>(x: &ArrayView2<'_, F>) -> DuplicateRows {
    let mut seen: HashMap<Vec<u64>, usize> = HashMap::with_capacity(x.nrows());
    let mut first_occurrence = Vec::with_capacity(x.nrows());
    let mut duplicates = Vec::new();
    for (i, row) in x.rows().into_iter().enumerate() {
        let key = row_key(&row);
        let first = *seen.entry(key).or_insert(i);
        if first != i {
            duplicates.push(i);
        }
        first_occurrence.push(first);
    }
    DuplicateRows {
        first_occurrence,
        duplicates,
    }
}

/// The rows of `x` that equal a row of `reference`, as indices into `x`, ascending (with
/// [`DuplicateRows`]' conventions: NaN equals NaN, `-0.0` equals `0.0`). With the training
/// data as `reference` and the test data as `x` these are the test rows the model has seen:
/// its score on them says nothing about new data. Both inputs are only read.
///
/// # Errors
/// [`Error::Shape`] when the two have different column counts.
///
/// ```
/// use tuneup::data::overlapping_rows;
/// use ndarray::array;
/// let train = array![[1.0, 2.0], [3.0, f64::NAN]];
/// let test = array![[3.0, f64::NAN], [1.0, 2.5], [1.0, 2.0]];
/// assert_eq!(overlapping_rows(&train.view(), &test.view())?, vec![0, 2]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn overlapping_rows<F: Float>(
    reference: &ArrayView2<'_, F>,
    x: &ArrayView2<'_, F>,
) -> Result<Vec<usize>> {
    if reference.ncols() != x.ncols() {
        return Err(Error::shape(
            "overlapping_rows",
            format!(
                "rows of {} columns, as the reference rows",
                reference.ncols()
            ),
            format!("{} columns", x.ncols()),
        ));
    }
    let seen: HashSet<Vec<u64>> = reference.rows().into_iter().map(|r| row_key(&r)).collect();
    Ok(x.rows()
        .into_iter()
        .enumerate()
        .filter(|(_, r)| seen.contains(&row_key(r)))
        .map(|(i, _)| i)
        .collect())
}

/// A row's values as hashable bits, equal for rows that compare equal.
fn row_key<F: Float>(row: &ndarray::ArrayView1<'_, F>) -> Vec<u64> {
    row.iter().map(|v| canonical_bits(v.as_f64())).collect()
}

/// Bits under which equal values (all NaN, both zeros) share one key.
fn canonical_bits(v: f64) -> u64 {
    if v.is_nan() {
        f64::NAN.to_bits()
    } else if v == 0.0 {
        0.0f64.to_bits()
    } else {
        v.to_bits()
    }
}

/// Drops every row that repeats an earlier row (keeping first occurrences, in order); returns
/// the kept rows and the indices of the kept and removed rows.
///
/// ```
/// use tuneup::data::drop_duplicate_rows;
/// use ndarray::array;
/// let r = drop_duplicate_rows(&array![[1.0], [2.0], [1.0], [f64::NAN], [f64::NAN]].view());
/// assert_eq!(r.kept, vec![0, 1, 3]);
/// assert_eq!(r.removed, vec![2, 4]);
/// assert_eq!(r.data.nrows(), 3);
/// ```
pub fn drop_duplicate_rows<F: Float>(x: &ArrayView2<'_, F>) -> FilteredRows<F> {
    let mask = duplicate_rows(x).mask();
    FilteredRows::from_mask(x, &mask)
}
