//! Per-column outlier detection (z-score, modified z-score, IQR fences) and its treatment:
//! removing outlier rows or clipping values to the fitted bounds.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::check::{check_finite_setting, check_fit, check_transform, Nan};
use super::stats::{mean, median_sorted, percentile_sorted, population_variance, sorted_observed};
use crate::{Error, Float, Result};

/// Iglewicz and Hoaglin's constant: `0.6745 ≈ Φ⁻¹(0.75)`, so that `0.6745·(x − median)/MAD`
/// is on the scale of a standard normal z-score.
const MODIFIED_Z_CONSTANT: f64 = 0.6745;

/// The fallback constant used when the MAD is 0: `1.253314 ≈ √(π/2)`, the ratio of the standard
/// deviation to the mean absolute deviation of a normal distribution.
const MEAN_AD_CONSTANT: f64 = 1.253314;

/// How a column's outliers are recognised; see [`OutlierDetector`].
///
/// ```
/// use tuneup::data::OutlierMethod;
/// assert_eq!(OutlierMethod::z_score(), OutlierMethod::ZScore { threshold: 3.0 });
/// assert_eq!(OutlierMethod::modified_z_score(), OutlierMethod::ModifiedZScore { threshold: 3.5 });
/// assert_eq!(OutlierMethod::iqr(), OutlierMethod::Iqr { k: 1.5 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OutlierMethod {
    /// `|x − mean| / std > threshold`, with the population standard deviation (`ddof = 0`,
    /// as `scipy.stats.zscore`). Bounds for clipping: `mean ± threshold·std`.
    ZScore {
        /// The cut-off on `|z|` (usually 3).
        threshold: f64,
    },
    /// Iglewicz and Hoaglin's modified z-score `0.6745·|x − median| / MAD > threshold`, where
    /// MAD is the median absolute deviation from the median. Bounds for clipping:
    /// `median ± threshold·MAD/0.6745`.
    ///
    /// **When the MAD is 0** (more than half of the column shares one value) the score falls
    /// back to `|x − median| / (1.253314·MeanAD)`, with MeanAD the mean absolute deviation from
    /// the median (the convention of IBM SPSS and others), and the bounds to
    /// `median ± threshold·1.253314·MeanAD`. When MeanAD is 0 too the column is constant: a
    /// value equal to the median scores 0, any other value scores ±∞ and is flagged.
    ModifiedZScore {
        /// The cut-off on the modified score (usually 3.5).
        threshold: f64,
    },
    /// Tukey's fences: `x < Q1 − k·IQR` or `x > Q3 + k·IQR`, with the quartiles interpolated
    /// linearly (NumPy's default percentile method) and `IQR = Q3 − Q1`.
    Iqr {
        /// The fence multiplier (usually 1.5; 3 for "far out" values).
        k: f64,
    },
}

impl OutlierMethod {
    /// The z-score rule with the usual threshold 3.
    ///
    /// ```
    /// assert_eq!(
    ///     tuneup::data::OutlierMethod::z_score(),
    ///     tuneup::data::OutlierMethod::ZScore { threshold: 3.0 }
    /// );
    /// ```
    pub fn z_score() -> Self {
        OutlierMethod::ZScore { threshold: 3.0 }
    }

    /// The modified z-score rule with Iglewicz and Hoaglin's threshold 3.5.
    ///
    /// ```
    /// assert_eq!(
    ///     tuneup::data::OutlierMethod::modified_z_score(),
    ///     tuneup::data::OutlierMethod::ModifiedZScore { threshold: 3.5 }
    /// );
    /// ```
    pub fn modified_z_score() -> Self {
        OutlierMethod::ModifiedZScore { threshold: 3.5 }
    }

    /// Tukey's fences with `k = 1.5`.
    ///
    /// ```
    /// assert_eq!(tuneup::data::OutlierMethod::iqr(), tuneup::data::OutlierMethod::Iqr { k: 1.5 });
    /// ```
    pub fn iqr() -> Self {
        OutlierMethod::Iqr { k: 1.5 }
    }
}

/// Settings of a per-column outlier detector. `fit` learns each column's statistics (mean and
/// standard deviation, median and MAD, or quartiles) from training data; the fitted detector
/// then flags, removes or clips values of *any* data of the same width, so statistics of the
/// data being checked never leak into the rule.
///
/// **NaN:** ignored when fitting; a NaN cell is never flagged (its score is NaN) and is left
/// as it is by [`clip`](FittedOutlierDetector::clip). Infinite values are rejected with
/// [`Error::NonFinite`]; a column with no observed value at fit time is an [`Error::Value`].
///
/// ```
/// use tuneup::data::{OutlierDetector, OutlierMethod};
/// use ndarray::array;
/// let train = array![[1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0], [8.0]];
/// let fitted = OutlierDetector::new(OutlierMethod::iqr())?.fit(&train.view())?;
/// // Q1 = 2.75, Q3 = 6.25, IQR = 3.5: fences −2.5 and 11.5.
/// assert_eq!(fitted.lower_bounds()[0], -2.5);
/// assert_eq!(fitted.upper_bounds()[0], 11.5);
/// let test = array![[0.0], [12.0], [f64::NAN]];
/// assert_eq!(fitted.mask(&test.view())?.column(0).to_vec(), vec![false, true, false]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutlierDetector {
    method: OutlierMethod,
}

impl OutlierDetector {
    /// A detector using `method`. A threshold must be finite and positive and `k` finite and
    /// non-negative, else [`Error::Config`].
    ///
    /// ```
    /// use tuneup::data::{OutlierDetector, OutlierMethod};
    /// assert!(OutlierDetector::new(OutlierMethod::z_score()).is_ok());
    /// assert!(matches!(
    ///     OutlierDetector::new(OutlierMethod::ZScore { threshold: 0.0 }),
    ///     Err(tuneup::Error::Config { .. })
    /// ));
    /// assert!(OutlierDetector::new(OutlierMethod::Iqr { k: -1.0 }).is_err());
    /// ```
    pub fn new(method: OutlierMethod) -> Result<Self> {
        match method {
            OutlierMethod::ZScore { threshold } => {
                check_positive("OutlierMethod::ZScore.threshold", threshold)?
            }
            OutlierMethod::ModifiedZScore { threshold } => {
                check_positive("OutlierMethod::ModifiedZScore.threshold", threshold)?
            }
            OutlierMethod::Iqr { k } => {
                check_finite_setting("OutlierMethod::Iqr.k", k)?;
                if k < 0.0 {
                    return Err(Error::config(
                        "OutlierMethod::Iqr.k",
                        k,
                        "a finite number ≥ 0",
                    ));
                }
            }
        }
        Ok(OutlierDetector { method })
    }

    /// The rule this detector applies.
    ///
    /// ```
    /// use tuneup::data::{OutlierDetector, OutlierMethod};
    /// let d = OutlierDetector::new(OutlierMethod::iqr())?;
    /// assert_eq!(d.method(), OutlierMethod::Iqr { k: 1.5 });
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn method(&self) -> OutlierMethod {
        self.method
    }

    /// Learns each column's statistics from the observed (non-NaN) values of `x`.
    ///
    /// Errors: empty data ([`Error::Shape`]), an infinite value ([`Error::NonFinite`]), a column
    /// with no observed value ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::{OutlierDetector, OutlierMethod};
    /// use ndarray::array;
    /// let f = OutlierDetector::new(OutlierMethod::ZScore { threshold: 2.0 })?
    ///     .fit(&array![[1.0], [3.0], [f64::NAN]].view())?;
    /// assert_eq!(f.lower_bounds()[0], 0.0); // mean 2 − 2·std 1
    /// assert_eq!(f.upper_bounds()[0], 4.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit<F: Float>(&self, x: &ArrayView2<'_, F>) -> Result<FittedOutlierDetector<F>> {
        check_fit("OutlierDetector", x, Nan::Allowed)?;
        let n = x.ncols();
        let mut columns = Vec::with_capacity(n);
        let mut lower = Array1::zeros(n);
        let mut upper = Array1::zeros(n);
        for (j, col) in x.columns().into_iter().enumerate() {
            let v = sorted_observed(col);
            if v.is_empty() {
                return Err(Error::value(
                    "OutlierDetector.fit",
                    "at least one observed (non-NaN) value per column",
                    format!("column {j} is entirely NaN; impute or drop it first"),
                ));
            }
            let fit = ColumnFit::new(self.method, &v);
            let (lo, hi) = fit.bounds(self.method);
            lower[j] = F::cast(lo);
            upper[j] = F::cast(hi);
            columns.push(fit);
        }
        Ok(FittedOutlierDetector {
            method: self.method,
            columns,
            lower,
            upper,
        })
    }
}

fn check_positive(parameter: &str, value: f64) -> Result<()> {
    if !(value.is_finite() && value > 0.0) {
        return Err(Error::config(parameter, value, "a finite number > 0"));
    }
    Ok(())
}

/// One column's fitted statistics.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ColumnFit {
    ZScore { mean: f64, std: f64 },
    Modified { median: f64, mad: f64, mean_ad: f64 },
    Iqr { q1: f64, q3: f64 },
}

impl ColumnFit {
    /// Fits one column from its sorted, non-empty observed values.
    fn new(method: OutlierMethod, sorted: &[f64]) -> Self {
        match method {
            OutlierMethod::ZScore { .. } => {
                let m = mean(sorted);
                ColumnFit::ZScore {
                    mean: m,
                    std: population_variance(sorted, m).max(0.0).sqrt(),
                }
            }
            OutlierMethod::ModifiedZScore { .. } => {
                let median = median_sorted(sorted);
                let mut dev: Vec<f64> = sorted.iter().map(|v| (v - median).abs()).collect();
                let mean_ad = mean(&dev);
                dev.sort_by(f64::total_cmp);
                ColumnFit::Modified {
                    median,
                    mad: median_sorted(&dev),
                    mean_ad,
                }
            }
            OutlierMethod::Iqr { .. } => ColumnFit::Iqr {
                q1: percentile_sorted(sorted, 25.0),
                q3: percentile_sorted(sorted, 75.0),
            },
        }
    }

    /// `(lower, upper)`: the bounds used for clipping (the fences for IQR).
    fn bounds(&self, method: OutlierMethod) -> (f64, f64) {
        match (*self, method) {
            (ColumnFit::ZScore { mean, std }, OutlierMethod::ZScore { threshold }) => {
                (mean - threshold * std, mean + threshold * std)
            }
            (
                ColumnFit::Modified {
                    median,
                    mad,
                    mean_ad,
                },
                OutlierMethod::ModifiedZScore { threshold },
            ) => {
                let half = if mad > 0.0 {
                    threshold * mad / MODIFIED_Z_CONSTANT
                } else {
                    threshold * MEAN_AD_CONSTANT * mean_ad
                };
                (median - half, median + half)
            }
            (ColumnFit::Iqr { q1, q3 }, OutlierMethod::Iqr { k }) => {
                let iqr = q3 - q1;
                (q1 - k * iqr, q3 + k * iqr)
            }
            // The fit is always made from the same method.
            _ => (f64::NAN, f64::NAN),
        }
    }

    /// The signed score of `x` (NaN for NaN).
    fn score(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        match *self {
            ColumnFit::ZScore { mean, std } => ratio(x - mean, std),
            ColumnFit::Modified {
                median,
                mad,
                mean_ad,
            } => {
                if mad > 0.0 {
                    MODIFIED_Z_CONSTANT * (x - median) / mad
                } else {
                    ratio(x - median, MEAN_AD_CONSTANT * mean_ad)
                }
            }
            ColumnFit::Iqr { q1, q3 } => {
                if x < q1 {
                    ratio(x - q1, q3 - q1)
                } else if x > q3 {
                    ratio(x - q3, q3 - q1)
                } else {
                    0.0
                }
            }
        }
    }

    /// Whether `x` is an outlier (never for NaN).
    fn flags(&self, method: OutlierMethod, lower: f64, upper: f64, x: f64) -> bool {
        match method {
            OutlierMethod::ZScore { threshold } | OutlierMethod::ModifiedZScore { threshold } => {
                self.score(x).abs() > threshold
            }
            OutlierMethod::Iqr { .. } => x < lower || x > upper,
        }
    }
}

/// `d / s`, with `0` for `d = 0` and `±∞` for `d ≠ 0` when `s = 0`.
fn ratio(d: f64, s: f64) -> f64 {
    if s > 0.0 {
        d / s
    } else if d == 0.0 {
        0.0
    } else {
        d.signum() * f64::INFINITY
    }
}

/// Rows kept and dropped by a row filter ([`FittedOutlierDetector::remove`],
/// [`drop_duplicate_rows`](crate::data::drop_duplicate_rows),
/// [`drop_rows_with_missing`](crate::data::drop_rows_with_missing)).
///
/// ```
/// use tuneup::data::{OutlierDetector, OutlierMethod};
/// use ndarray::array;
/// let x = array![[1.0], [2.0], [3.0], [4.0], [100.0]];
/// let f = OutlierDetector::new(OutlierMethod::iqr())?.fit(&x.view())?;
/// let r = f.remove(&x.view())?;
/// assert_eq!(r.data, array![[1.0], [2.0], [3.0], [4.0]]);
/// assert_eq!((r.kept, r.removed), (vec![0, 1, 2, 3], vec![4]));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FilteredRows<F> {
    /// The kept rows, in their original order.
    pub data: Array2<F>,
    /// The indices (in the input) of the kept rows, ascending.
    pub kept: Vec<usize>,
    /// The indices (in the input) of the removed rows, ascending.
    pub removed: Vec<usize>,
}

impl<F: Float> FilteredRows<F> {
    /// Splits the rows of `x` by `remove[i]`.
    pub(crate) fn from_mask(x: &ArrayView2<'_, F>, remove: &[bool]) -> Self {
        let (mut kept, mut removed) = (Vec::new(), Vec::new());
        for (i, &r) in remove.iter().enumerate() {
            if r {
                removed.push(i);
            } else {
                kept.push(i);
            }
        }
        // Built row by row so the result is in standard (row-major) layout.
        let data = Array2::from_shape_fn((kept.len(), x.ncols()), |(r, c)| x[[kept[r], c]]);
        FilteredRows {
            data,
            kept,
            removed,
        }
    }
}

/// An [`OutlierDetector`] fitted to data: flags, counts, removes or clips outliers of any data
/// with the training width.
///
/// ```
/// use tuneup::data::{OutlierDetector, OutlierMethod};
/// use ndarray::array;
/// let train = array![[10.0, 1.0], [12.0, 2.0], [11.0, 3.0], [13.0, 2.0], [9.0, 2.0]];
/// let f = OutlierDetector::new(OutlierMethod::modified_z_score())?.fit(&train.view())?;
/// let test = array![[11.0, 2.0], [30.0, 2.0], [11.0, -9.0]];
/// assert_eq!(f.row_mask(&test.view())?.to_vec(), vec![false, true, true]);
/// assert_eq!(f.counts(&test.view())?, vec![1, 1]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedOutlierDetector<F> {
    method: OutlierMethod,
    columns: Vec<ColumnFit>,
    lower: Array1<F>,
    upper: Array1<F>,
}

impl<F: Float> FittedOutlierDetector<F> {
    const CONTEXT: &'static str = "FittedOutlierDetector";

    /// The rule applied.
    ///
    /// ```
    /// use tuneup::data::{OutlierDetector, OutlierMethod};
    /// use ndarray::array;
    /// let f = OutlierDetector::new(OutlierMethod::iqr())?.fit(&array![[1.0]].view())?;
    /// assert_eq!(f.method(), OutlierMethod::iqr());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn method(&self) -> OutlierMethod {
        self.method
    }

    /// The number of columns seen by `fit`.
    ///
    /// ```
    /// use tuneup::data::{OutlierDetector, OutlierMethod};
    /// use ndarray::array;
    /// let f = OutlierDetector::new(OutlierMethod::iqr())?.fit(&array![[1.0, 2.0]].view())?;
    /// assert_eq!(f.n_features(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.columns.len()
    }

    /// The lower bound of each column: `mean − t·std`, `median − t·MAD/0.6745` (see
    /// [`OutlierMethod::ModifiedZScore`] for MAD = 0) or the lower fence `Q1 − k·IQR`.
    ///
    /// ```
    /// use tuneup::data::{OutlierDetector, OutlierMethod};
    /// use ndarray::array;
    /// let x = array![[1.0], [2.0], [3.0], [4.0], [5.0]];
    /// let f = OutlierDetector::new(OutlierMethod::iqr())?.fit(&x.view())?;
    /// assert_eq!(f.lower_bounds()[0], -1.0); // 2 − 1.5·2
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn lower_bounds(&self) -> ArrayView1<'_, F> {
        self.lower.view()
    }

    /// The upper bound of each column: `mean + t·std`, `median + t·MAD/0.6745` or the upper
    /// fence `Q3 + k·IQR`.
    ///
    /// ```
    /// use tuneup::data::{OutlierDetector, OutlierMethod};
    /// use ndarray::array;
    /// let x = array![[1.0], [2.0], [3.0], [4.0], [5.0]];
    /// let f = OutlierDetector::new(OutlierMethod::iqr())?.fit(&x.view())?;
    /// assert_eq!(f.upper_bounds()[0], 7.0); // 4 + 1.5·2
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn upper_bounds(&self) -> ArrayView1<'_, F> {
        self.upper.view()
    }

    /// The signed score of every cell: the z-score `(x − mean)/std`, the modified z-score
    /// `0.6745·(x − median)/MAD`, or for IQR the distance outside the box in IQR units
    /// (`(x − Q1)/IQR` below Q1, `(x − Q3)/IQR` above Q3, 0 between). A zero spread gives 0
    /// for a value at the centre (or inside the box) and ±∞ otherwise; NaN gives NaN.
    ///
    /// A cell is flagged when `|score|` exceeds the threshold (for IQR, when it lies outside
    /// the fences, which is `|score| > k` up to rounding).
    ///
    /// Errors: another width than `fit` saw ([`Error::Shape`]), an infinite value
    /// ([`Error::NonFinite`]).
    ///
    /// ```
    /// use tuneup::data::{OutlierDetector, OutlierMethod};
    /// use ndarray::array;
    /// let f = OutlierDetector::new(OutlierMethod::z_score())?.fit(&array![[1.0], [3.0]].view())?;
    /// let z = f.scores(&array![[5.0], [0.0]].view())?;
    /// assert_eq!(z, array![[3.0], [-2.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn scores(&self, x: &ArrayView2<'_, F>) -> Result<Array2<F>> {
        self.check(x, "scores")?;
        let mut out = Array2::zeros(x.raw_dim());
        for ((r, c), &v) in x.indexed_iter() {
            out[[r, c]] = F::cast(self.columns[c].score(v.as_f64()));
        }
        Ok(out)
    }

    /// `true` for every flagged cell (never for NaN).
    ///
    /// Errors as for [`scores`](Self::scores).
    ///
    /// ```
    /// use tuneup::data::{OutlierDetector, OutlierMethod};
    /// use ndarray::array;
    /// let f = OutlierDetector::new(OutlierMethod::z_score())?.fit(&array![[1.0], [3.0]].view())?;
    /// let m = f.mask(&array![[5.0], [5.5], [f64::NAN]].view())?;
    /// assert_eq!(m.column(0).to_vec(), vec![false, true, false]); // |z| = 3 is not > 3
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn mask(&self, x: &ArrayView2<'_, F>) -> Result<Array2<bool>> {
        self.check(x, "mask")?;
        Ok(self.mask_unchecked(x))
    }

    fn mask_unchecked(&self, x: &ArrayView2<'_, F>) -> Array2<bool> {
        let mut out = Array2::from_elem(x.raw_dim(), false);
        for ((r, c), &v) in x.indexed_iter() {
            let (lo, hi) = (self.lower[c].as_f64(), self.upper[c].as_f64());
            out[[r, c]] = self.columns[c].flags(self.method, lo, hi, v.as_f64());
        }
        out
    }

    /// `true` for every row with at least one flagged cell.
    ///
    /// Errors as for [`scores`](Self::scores).
    ///
    /// ```
    /// use tuneup::data::{OutlierDetector, OutlierMethod};
    /// use ndarray::array;
    /// let train = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [4.0, 4.0]];
    /// let f = OutlierDetector::new(OutlierMethod::iqr())?.fit(&train.view())?;
    /// let rows = f.row_mask(&array![[2.0, 2.0], [2.0, 99.0]].view())?;
    /// assert_eq!(rows.to_vec(), vec![false, true]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn row_mask(&self, x: &ArrayView2<'_, F>) -> Result<Array1<bool>> {
        let m = self.mask(x)?;
        Ok(m.rows().into_iter().map(|r| r.iter().any(|&b| b)).collect())
    }

    /// The number of flagged cells in each column.
    ///
    /// Errors as for [`scores`](Self::scores).
    ///
    /// ```
    /// use tuneup::data::{OutlierDetector, OutlierMethod};
    /// use ndarray::array;
    /// let train = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [4.0, 4.0]];
    /// let f = OutlierDetector::new(OutlierMethod::iqr())?.fit(&train.view())?;
    /// assert_eq!(f.counts(&array![[-20.0, 2.0], [20.0, 99.0]].view())?, vec![2, 1]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn counts(&self, x: &ArrayView2<'_, F>) -> Result<Vec<usize>> {
        let m = self.mask(x)?;
        Ok(m.columns()
            .into_iter()
            .map(|c| c.iter().filter(|&&b| b).count())
            .collect())
    }

    /// Removes every row with at least one flagged cell; returns the kept rows with the indices
    /// of the kept and removed rows. The input is not modified.
    ///
    /// Errors as for [`scores`](Self::scores).
    ///
    /// ```
    /// use tuneup::data::{OutlierDetector, OutlierMethod};
    /// use ndarray::array;
    /// let train = array![[1.0], [2.0], [3.0], [4.0]];
    /// let f = OutlierDetector::new(OutlierMethod::iqr())?.fit(&train.view())?;
    /// let r = f.remove(&array![[50.0], [2.5], [-50.0]].view())?;
    /// assert_eq!(r.data, array![[2.5]]);
    /// assert_eq!((r.kept, r.removed), (vec![1], vec![0, 2]));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn remove(&self, x: &ArrayView2<'_, F>) -> Result<FilteredRows<F>> {
        let rows = self.row_mask(x)?.to_vec();
        Ok(FilteredRows::from_mask(x, &rows))
    }

    /// Clips (winsorises) every value to its column's `[lower, upper]` bounds; NaN stays NaN.
    /// Returns a new array.
    ///
    /// Errors as for [`scores`](Self::scores).
    ///
    /// ```
    /// use tuneup::data::{OutlierDetector, OutlierMethod};
    /// use ndarray::array;
    /// let train = array![[1.0], [2.0], [3.0], [4.0], [5.0]];
    /// let f = OutlierDetector::new(OutlierMethod::iqr())?.fit(&train.view())?;
    /// let c = f.clip(&array![[-9.0], [3.0], [99.0]].view())?;
    /// assert_eq!(c, array![[-1.0], [3.0], [7.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn clip(&self, x: &ArrayView2<'_, F>) -> Result<Array2<F>> {
        self.check(x, "clip")?;
        let mut out = x.to_owned();
        for mut row in out.rows_mut() {
            for (j, v) in row.iter_mut().enumerate() {
                if *v < self.lower[j] {
                    *v = self.lower[j];
                } else if *v > self.upper[j] {
                    *v = self.upper[j];
                }
            }
        }
        Ok(out)
    }

    fn check(&self, x: &ArrayView2<'_, F>, what: &str) -> Result<()> {
        check_transform(
            &format!("{}.{what}", Self::CONTEXT),
            x,
            self.columns.len(),
            Nan::Allowed,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn modified_z_falls_back_to_mean_absolute_deviation() {
        // median 1, MAD 0 (four of five values are 1), MeanAD = 4/5.
        let x = array![[1.0f64], [1.0], [1.0], [1.0], [5.0]];
        let f = OutlierDetector::new(OutlierMethod::modified_z_score())
            .unwrap()
            .fit(&x.view())
            .unwrap();
        let s = f.scores(&array![[5.0]].view()).unwrap();
        assert!((s[[0, 0]] - 4.0 / (1.253314 * 0.8)).abs() < 1e-12);
        assert!((f.upper_bounds()[0] - (1.0 + 3.5 * 1.253314 * 0.8)).abs() < 1e-12);
    }

    #[test]
    fn constant_column_flags_everything_but_its_value() {
        let x = array![[2.0f64], [2.0], [2.0]];
        for method in [
            OutlierMethod::z_score(),
            OutlierMethod::modified_z_score(),
            OutlierMethod::iqr(),
        ] {
            let f = OutlierDetector::new(method)
                .unwrap()
                .fit(&x.view())
                .unwrap();
            let t = array![[2.0], [2.5], [1.0]];
            assert_eq!(
                f.mask(&t.view()).unwrap().column(0).to_vec(),
                vec![false, true, true]
            );
            let s = f.scores(&t.view()).unwrap();
            assert_eq!(
                s.column(0).to_vec(),
                vec![0.0, f64::INFINITY, f64::NEG_INFINITY]
            );
            assert_eq!(f.clip(&t.view()).unwrap(), array![[2.0], [2.0], [2.0]]);
        }
    }
}
