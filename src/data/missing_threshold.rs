//! Dropping rows or columns with too many missing (NaN) values.

use ndarray::{Array2, ArrayView2};

use super::check::{check_fit, check_transform, Nan};
use super::outliers::FilteredRows;
use crate::{Error, Float, Result};

fn check_fraction(parameter: &str, max_fraction: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&max_fraction) {
        return Err(Error::config(
            parameter,
            max_fraction,
            "a fraction in [0, 1]",
        ));
    }
    Ok(())
}

/// Settings of a column filter on missingness: `fit` measures each column's fraction of NaN
/// and drops the columns whose fraction is **strictly above** `max_fraction`; the fitted value
/// drops the same columns from any data of the same width (so the choice is made on training
/// data only).
///
/// `max_fraction = 0` drops every column with a NaN; `max_fraction = 1` drops nothing. Every
/// column may be dropped (the output then has no column). Infinite values are rejected
/// ([`Error::NonFinite`]).
///
/// ```
/// use tuneup::data::MissingThreshold;
/// use ndarray::array;
/// let nan = f64::NAN;
/// let train = array![[1.0, nan, 3.0], [2.0, nan, nan], [3.0, 5.0, 1.0], [4.0, nan, 2.0]];
/// let f = MissingThreshold::new(0.5)?.fit(&train.view())?;
/// assert_eq!(f.missing_fractions(), &[0.0, 0.75, 0.25]);
/// assert_eq!(f.dropped_columns(), &[1]);
/// assert_eq!(f.transform(&array![[9.0, 9.0, nan]].view())?.ncols(), 2);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MissingThreshold {
    max_fraction: f64,
}

impl MissingThreshold {
    /// A filter dropping columns with a missing fraction above `max_fraction` (in `[0, 1]`,
    /// else [`Error::Config`]).
    ///
    /// ```
    /// use tuneup::data::MissingThreshold;
    /// assert!(MissingThreshold::new(0.3).is_ok());
    /// assert!(matches!(MissingThreshold::new(1.5), Err(tuneup::Error::Config { .. })));
    /// ```
    pub fn new(max_fraction: f64) -> Result<Self> {
        check_fraction("MissingThreshold.max_fraction", max_fraction)?;
        Ok(MissingThreshold { max_fraction })
    }

    /// The largest missing fraction a kept column may have.
    ///
    /// ```
    /// assert_eq!(tuneup::data::MissingThreshold::new(0.3)?.max_fraction(), 0.3);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn max_fraction(&self) -> f64 {
        self.max_fraction
    }

    /// Measures each column's missing fraction in `x` and chooses the dropped columns.
    ///
    /// Errors: empty data ([`Error::Shape`]), an infinite value ([`Error::NonFinite`]).
    ///
    /// ```
    /// use tuneup::data::MissingThreshold;
    /// use ndarray::array;
    /// let f = MissingThreshold::new(0.0)?.fit(&array![[1.0, f64::NAN], [2.0, 3.0]].view())?;
    /// assert_eq!(f.kept_columns(), &[0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit(&self, x: &ArrayView2<'_, impl Float>) -> Result<FittedMissingThreshold> {
        check_fit("MissingThreshold", x, Nan::Allowed)?;
        let rows = x.nrows() as f64;
        let mut fractions = Vec::with_capacity(x.ncols());
        let (mut kept, mut dropped) = (Vec::new(), Vec::new());
        for (j, col) in x.columns().into_iter().enumerate() {
            let f = col.iter().filter(|v| v.is_nan()).count() as f64 / rows;
            fractions.push(f);
            if f > self.max_fraction {
                dropped.push(j);
            } else {
                kept.push(j);
            }
        }
        Ok(FittedMissingThreshold {
            fractions,
            kept,
            dropped,
        })
    }
}

/// A [`MissingThreshold`] fitted to data: drops the chosen columns from any data of the same
/// width.
///
/// ```
/// use tuneup::data::MissingThreshold;
/// use ndarray::array;
/// let f = MissingThreshold::new(0.4)?.fit(&array![[f64::NAN, 1.0], [f64::NAN, 2.0]].view())?;
/// assert_eq!(f.transform(&array![[5.0, 6.0]].view())?, array![[6.0]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedMissingThreshold {
    fractions: Vec<f64>,
    kept: Vec<usize>,
    dropped: Vec<usize>,
}

impl FittedMissingThreshold {
    /// The number of columns seen by `fit`.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::MissingThreshold::new(0.5)?.fit(&array![[1.0, 2.0]].view())?;
    /// assert_eq!(f.n_features(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.fractions.len()
    }

    /// Each training column's fraction of NaN.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::MissingThreshold::new(0.5)?.fit(&array![[1.0], [f64::NAN]].view())?;
    /// assert_eq!(f.missing_fractions(), &[0.5]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn missing_fractions(&self) -> &[f64] {
        &self.fractions
    }

    /// The indices of the kept columns, ascending.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::MissingThreshold::new(0.5)?.fit(&array![[1.0], [f64::NAN]].view())?;
    /// assert_eq!(f.kept_columns(), &[0]); // 0.5 is not above 0.5
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn kept_columns(&self) -> &[usize] {
        &self.kept
    }

    /// The indices of the dropped columns, ascending.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::MissingThreshold::new(0.4)?.fit(&array![[1.0], [f64::NAN]].view())?;
    /// assert_eq!(f.dropped_columns(), &[0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn dropped_columns(&self) -> &[usize] {
        &self.dropped
    }

    /// The kept columns of `x`, as a new array.
    ///
    /// Errors: another width than `fit` saw ([`Error::Shape`]), an infinite value
    /// ([`Error::NonFinite`]).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::MissingThreshold::new(0.4)?.fit(&array![[1.0, 2.0], [f64::NAN, 3.0]].view())?;
    /// assert_eq!(f.transform(&array![[7.0, 8.0]].view())?, array![[8.0]]);
    /// assert!(matches!(f.transform(&array![[7.0]].view()), Err(tuneup::Error::Shape { .. })));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform<F: Float>(&self, x: &ArrayView2<'_, F>) -> Result<Array2<F>> {
        check_transform(
            "FittedMissingThreshold.transform",
            x,
            self.fractions.len(),
            Nan::Allowed,
        )?;
        // Built row by row so the result is in standard (row-major) layout.
        Ok(Array2::from_shape_fn(
            (x.nrows(), self.kept.len()),
            |(i, c)| x[[i, self.kept[c]]],
        ))
    }
}

/// Drops the rows of `x` whose fraction of NaN is strictly above `max_fraction` (in `[0, 1]`,
/// else [`Error::Config`]); returns the kept rows and the indices of the kept and removed rows.
/// A row is judged on its own values, so no fitting is needed. Data with no column keeps every
/// row. The input is only read.
///
/// ```
/// use tuneup::data::drop_rows_with_missing;
/// use ndarray::array;
/// let nan = f64::NAN;
/// let x = array![[1.0, 2.0, 3.0], [nan, 2.0, 3.0], [nan, nan, 3.0]];
/// let r = drop_rows_with_missing(&x.view(), 0.5)?;
/// assert_eq!(r.kept, vec![0, 1]);
/// assert_eq!(r.removed, vec![2]);
/// assert_eq!(drop_rows_with_missing(&x.view(), 0.0)?.kept, vec![0]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn drop_rows_with_missing<F: Float>(
    x: &ArrayView2<'_, F>,
    max_fraction: f64,
) -> Result<FilteredRows<F>> {
    check_fraction("drop_rows_with_missing.max_fraction", max_fraction)?;
    let cols = x.ncols();
    let remove: Vec<bool> = x
        .rows()
        .into_iter()
        .map(|row| {
            cols > 0
                && row.iter().filter(|v| v.is_nan()).count() as f64 / cols as f64 > max_fraction
        })
        .collect();
    Ok(FilteredRows::from_mask(x, &remove))
}
