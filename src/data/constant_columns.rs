//! Constant and near-constant columns.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::check::{check_finite_setting, check_fit, check_transform, Nan};
use super::stats::observed;
use crate::{Error, Float, Result};

/// The indices of the columns whose observed (non-NaN) values are all equal, ascending. A
/// column with no observed value at all is listed too (it carries no information). Any data is
/// accepted and only read.
///
/// ```
/// use tuneup::data::constant_columns;
/// use ndarray::array;
/// let x = array![[1.0, 2.0, f64::NAN], [1.0, 3.0, f64::NAN], [f64::NAN, 2.0, f64::NAN]];
/// assert_eq!(constant_columns(&x.view()), vec![0, 2]);
/// ```
pub fn constant_columns<F: Float>(x: &ArrayView2<'_, F>) -> Vec<usize> {
    x.columns()
        .into_iter()
        .enumerate()
        .filter(|(_, col)| all_equal(&observed(col.view())))
        .map(|(j, _)| j)
        .collect()
}

fn all_equal(v: &[f64]) -> bool {
    v.windows(2).all(|w| w[0] == w[1])
}

/// Settings of a variance filter, scikit-learn's `VarianceThreshold`: `fit` computes each
/// column's population variance (ignoring NaN, as `np.nanvar`) and keeps the columns whose
/// variance is strictly above `threshold`; the fitted value selects those columns from any data
/// of the same width.
///
/// A column whose observed values are all equal gets variance exactly 0 (scikit-learn does the
/// same with a peak-to-peak check when `threshold = 0`, so that rounding cannot keep a constant
/// column), and a column with no observed value gets NaN and is dropped. As in scikit-learn,
/// fitting fails with [`Error::Value`] when no column passes.
///
/// ```
/// use tuneup::data::VarianceThreshold;
/// use ndarray::array;
/// let x = array![[0.0, 2.0, 0.0, 3.0], [0.0, 1.0, 4.0, 3.0], [0.0, 1.0, 1.0, 3.0]];
/// let f = VarianceThreshold::new(0.0)?.fit(&x.view())?;
/// assert_eq!(f.kept_columns(), &[1, 2]);
/// assert_eq!(f.transform(&x.view())?, array![[2.0, 0.0], [1.0, 4.0], [1.0, 1.0]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VarianceThreshold {
    threshold: f64,
}

impl Default for VarianceThreshold {
    /// Threshold 0: drop the constant columns only.
    fn default() -> Self {
        VarianceThreshold { threshold: 0.0 }
    }
}

impl VarianceThreshold {
    /// A filter keeping columns with variance `> threshold`; the threshold must be finite and
    /// `≥ 0` (else [`Error::Config`]).
    ///
    /// ```
    /// use tuneup::data::VarianceThreshold;
    /// assert_eq!(VarianceThreshold::new(0.0)?, VarianceThreshold::default());
    /// assert!(matches!(VarianceThreshold::new(-0.1), Err(tuneup::Error::Config { .. })));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn new(threshold: f64) -> Result<Self> {
        check_finite_setting("VarianceThreshold.threshold", threshold)?;
        if threshold < 0.0 {
            return Err(Error::config(
                "VarianceThreshold.threshold",
                threshold,
                "a finite number ≥ 0",
            ));
        }
        Ok(VarianceThreshold { threshold })
    }

    /// The variance threshold.
    ///
    /// ```
    /// assert_eq!(tuneup::data::VarianceThreshold::new(0.5)?.threshold(), 0.5);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Computes the column variances of `x` and chooses the kept columns.
    ///
    /// Errors: empty data ([`Error::Shape`]), an infinite value ([`Error::NonFinite`]), no
    /// column above the threshold ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::VarianceThreshold;
    /// use ndarray::array;
    /// let x = array![[0.0, 0.0], [1.0, 0.1], [2.0, 0.2]];
    /// let f = VarianceThreshold::new(0.1)?.fit(&x.view())?;
    /// assert_eq!(f.kept_columns(), &[0]); // variances 2/3 and 0.02/3
    /// assert_eq!(f.dropped_columns(), &[1]);
    /// assert!(VarianceThreshold::new(1.0)?.fit(&x.view()).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit<F: Float>(&self, x: &ArrayView2<'_, F>) -> Result<FittedVarianceThreshold<F>> {
        check_fit("VarianceThreshold", x, Nan::Allowed)?;
        let n = x.ncols();
        let mut variances = Array1::zeros(n);
        let (mut kept, mut dropped) = (Vec::new(), Vec::new());
        for (j, col) in x.columns().into_iter().enumerate() {
            let var = nan_variance(col);
            variances[j] = F::cast(var);
            if var > self.threshold {
                kept.push(j);
            } else {
                dropped.push(j);
            }
        }
        if kept.is_empty() {
            return Err(Error::value(
                "VarianceThreshold.fit",
                format!("at least one column with variance > {}", self.threshold),
                format!(
                    "none of {n} columns (largest variance {})",
                    max_var(&variances)
                ),
            ));
        }
        Ok(FittedVarianceThreshold {
            variances,
            kept,
            dropped,
        })
    }
}

fn max_var<F: Float>(v: &Array1<F>) -> f64 {
    v.iter()
        .map(|x| x.as_f64())
        .filter(|x| !x.is_nan())
        .fold(f64::NAN, f64::max)
}

/// `np.nanvar` of a column (mean, then mean squared deviation), exactly 0 when all observed
/// values are equal, NaN when none is observed.
fn nan_variance<F: Float>(col: ArrayView1<'_, F>) -> f64 {
    let v = observed(col);
    if v.is_empty() {
        return f64::NAN;
    }
    if all_equal(&v) {
        return 0.0;
    }
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n
}

/// A [`VarianceThreshold`] fitted to data: selects the kept columns of any data of the same
/// width.
///
/// ```
/// use tuneup::data::VarianceThreshold;
/// use ndarray::array;
/// let f = VarianceThreshold::default().fit(&array![[1.0, 5.0], [2.0, 5.0]].view())?;
/// assert_eq!(f.transform(&array![[7.0, 8.0]].view())?, array![[7.0]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedVarianceThreshold<F> {
    variances: Array1<F>,
    kept: Vec<usize>,
    dropped: Vec<usize>,
}

impl<F: Float> FittedVarianceThreshold<F> {
    /// The number of columns seen by `fit`.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::VarianceThreshold::default().fit(&array![[1.0, 5.0], [2.0, 5.0]].view())?;
    /// assert_eq!(f.n_features(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.variances.len()
    }

    /// Each column's variance (0 for constant columns, NaN for columns with no observed value).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::VarianceThreshold::default().fit(&array![[1.0, 5.0], [3.0, 5.0]].view())?;
    /// assert_eq!(f.variances().to_vec(), vec![1.0, 0.0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn variances(&self) -> ArrayView1<'_, F> {
        self.variances.view()
    }

    /// The indices of the kept columns, ascending.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::VarianceThreshold::default().fit(&array![[1.0, 5.0], [3.0, 5.0]].view())?;
    /// assert_eq!(f.kept_columns(), &[0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn kept_columns(&self) -> &[usize] {
        &self.kept
    }

    /// The indices of the dropped columns, ascending.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::VarianceThreshold::default().fit(&array![[1.0, 5.0], [3.0, 5.0]].view())?;
    /// assert_eq!(f.dropped_columns(), &[1]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn dropped_columns(&self) -> &[usize] {
        &self.dropped
    }

    /// scikit-learn's `get_support()`: `true` for each kept column.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::VarianceThreshold::default().fit(&array![[1.0, 5.0], [3.0, 5.0]].view())?;
    /// assert_eq!(f.support(), vec![true, false]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn support(&self) -> Vec<bool> {
        let mut s = vec![false; self.variances.len()];
        for &j in &self.kept {
            s[j] = true;
        }
        s
    }

    /// The kept columns of `x`, as a new array. NaN is allowed.
    ///
    /// Errors: another width than `fit` saw ([`Error::Shape`]), an infinite value
    /// ([`Error::NonFinite`]).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::VarianceThreshold::default().fit(&array![[1.0, 5.0], [3.0, 5.0]].view())?;
    /// assert_eq!(f.transform(&array![[f64::NAN, 1.0]].view())?.ncols(), 1);
    /// assert!(matches!(f.transform(&array![[1.0]].view()), Err(tuneup::Error::Shape { .. })));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform(&self, x: &ArrayView2<'_, F>) -> Result<Array2<F>> {
        check_transform(
            "FittedVarianceThreshold.transform",
            x,
            self.variances.len(),
            Nan::Allowed,
        )?;
        // Built row by row so the result is in standard (row-major) layout.
        Ok(Array2::from_shape_fn(
            (x.nrows(), self.kept.len()),
            |(i, c)| x[[i, self.kept[c]]],
        ))
    }
}
