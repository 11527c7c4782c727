//! A per-column count of missing (NaN) values.

use std::fmt;

use ndarray::ArrayView2;

use crate::Float;

/// How much of a data set is missing: NaN counts per column and rows with any NaN.
///
/// ```
/// use tuneup::data::missing_report;
/// use ndarray::array;
/// let r = missing_report(&array![[1.0, f64::NAN], [f64::NAN, f64::NAN], [3.0, 4.0]].view());
/// assert_eq!(r.missing_per_column, vec![1, 2]);
/// assert_eq!(r.rows_with_missing, 2);
/// assert!(r.to_string().contains("column 1: 2 missing"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingReport {
    /// Number of rows examined.
    pub n_rows: usize,
    /// Number of NaN values in each column.
    pub missing_per_column: Vec<usize>,
    /// Number of rows with at least one NaN.
    pub rows_with_missing: usize,
}

impl MissingReport {
    /// The fraction of NaN values in each column (0 for data with no rows).
    ///
    /// ```
    /// use ndarray::array;
    /// let r = tuneup::data::missing_report(&array![[f64::NAN], [1.0], [2.0], [3.0]].view());
    /// assert_eq!(r.fraction_per_column(), vec![0.25]);
    /// ```
    pub fn fraction_per_column(&self) -> Vec<f64> {
        self.missing_per_column
            .iter()
            .map(|&m| {
                if self.n_rows == 0 {
                    0.0
                } else {
                    m as f64 / self.n_rows as f64
                }
            })
            .collect()
    }

    /// The total number of NaN values.
    ///
    /// ```
    /// use ndarray::array;
    /// let r = tuneup::data::missing_report(&array![[f64::NAN, f64::NAN], [1.0, f64::NAN]].view());
    /// assert_eq!(r.total_missing(), 3);
    /// ```
    pub fn total_missing(&self) -> usize {
        self.missing_per_column.iter().sum()
    }
}

impl fmt::Display for MissingReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} of {} rows have a missing value",
            self.rows_with_missing, self.n_rows
        )?;
        for (j, (m, frac)) in self
            .missing_per_column
            .iter()
            .zip(self.fraction_per_column())
            .enumerate()
        {
            writeln!(f, "column {j}: {m} missing ({:.1}%)", 100.0 * frac)?;
        }
        Ok(())
    }
}

/// Counts the NaN values of `x` per column and the rows that contain any. Infinite values are
/// not counted as missing.
///
/// ```
/// use tuneup::data::missing_report;
/// use ndarray::array;
/// let r = missing_report(&array![[1.0f32, 2.0], [3.0, f32::NAN]].view());
/// assert_eq!(r.fraction_per_column(), vec![0.0, 0.5]);
/// ```
pub fn missing_report<F: Float>(x: &ArrayView2<'_, F>) -> MissingReport {
    let missing_per_column = x
        .columns()
        .into_iter()
        .map(|c| c.iter().filter(|v| v.is_nan()).count())
        .collect();
    let rows_with_missing = x
        .rows()
        .into_iter()
        .filter(|r| r.iter().any(|v| v.is_nan()))
        .count();
    MissingReport {
        n_rows: x.nrows(),
        missing_per_column,
        rows_with_missing,
    }
}
