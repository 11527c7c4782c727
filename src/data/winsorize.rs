//! Winsorising: clipping each column to two of its fitted percentiles.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::check::{check_fit, check_transform, Nan};
use super::stats::{percentile_sorted, sorted_observed};
use crate::{Error, Float, Result};

/// Settings of a percentile winsorizer: `fit` learns each column's `lower` and `upper`
/// percentiles (linear interpolation, NumPy's default method), and the fitted value clips any
/// data to them, as `np.clip(x, np.percentile(train, lower), np.percentile(train, upper))`.
///
/// NaN values are ignored when fitting and stay NaN when transforming; infinite values are
/// rejected ([`Error::NonFinite`]). A column with no observed value is an [`Error::Value`].
/// To clip to z-score, modified z-score or IQR bounds instead, use
/// [`FittedOutlierDetector::clip`](crate::data::FittedOutlierDetector::clip).
///
/// ```
/// use tuneup::data::Winsorizer;
/// use ndarray::Array2;
/// let train = Array2::from_shape_fn((101, 1), |(i, _)| i as f64); // 0, 1, …, 100
/// let f = Winsorizer::new(1.0, 99.0)?.fit(&train.view())?;
/// let test = ndarray::array![[-5.0], [50.0], [500.0]];
/// assert_eq!(f.transform(&test.view())?, ndarray::array![[1.0], [50.0], [99.0]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Winsorizer {
    lower: f64,
    upper: f64,
}

impl Default for Winsorizer {
    /// The 1st / 99th percentile winsorizer.
    fn default() -> Self {
        Winsorizer {
            lower: 1.0,
            upper: 99.0,
        }
    }
}

impl Winsorizer {
    /// A winsorizer clipping to the `lower` and `upper` percentiles, given in percent with
    /// `0 ≤ lower ≤ upper ≤ 100` (else [`Error::Config`]).
    ///
    /// ```
    /// use tuneup::data::Winsorizer;
    /// assert_eq!(Winsorizer::new(1.0, 99.0)?, Winsorizer::default());
    /// assert!(matches!(Winsorizer::new(90.0, 10.0), Err(tuneup::Error::Config { .. })));
    /// assert!(Winsorizer::new(-1.0, 50.0).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn new(lower: f64, upper: f64) -> Result<Self> {
        for (name, v) in [("Winsorizer.lower", lower), ("Winsorizer.upper", upper)] {
            if !(0.0..=100.0).contains(&v) {
                return Err(Error::config(name, v, "a percentile in [0, 100]"));
            }
        }
        if lower > upper {
            return Err(Error::config(
                "Winsorizer.lower",
                lower,
                format!("at most Winsorizer.upper = {upper}"),
            ));
        }
        Ok(Winsorizer { lower, upper })
    }

    /// The `(lower, upper)` percentiles, in percent.
    ///
    /// ```
    /// assert_eq!(tuneup::data::Winsorizer::default().percentiles(), (1.0, 99.0));
    /// ```
    pub fn percentiles(&self) -> (f64, f64) {
        (self.lower, self.upper)
    }

    /// Learns each column's two percentiles from the observed (non-NaN) values of `x`.
    ///
    /// Errors: empty data ([`Error::Shape`]), an infinite value ([`Error::NonFinite`]), a column
    /// with no observed value ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::Winsorizer;
    /// use ndarray::array;
    /// let f = Winsorizer::new(25.0, 75.0)?.fit(&array![[1.0], [2.0], [4.0], [8.0]].view())?;
    /// assert_eq!((f.lower_bounds()[0], f.upper_bounds()[0]), (1.75, 5.0));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit<F: Float>(&self, x: &ArrayView2<'_, F>) -> Result<FittedWinsorizer<F>> {
        check_fit("Winsorizer", x, Nan::Allowed)?;
        let n = x.ncols();
        let mut lower = Array1::zeros(n);
        let mut upper = Array1::zeros(n);
        for (j, col) in x.columns().into_iter().enumerate() {
            let v = sorted_observed(col);
            if v.is_empty() {
                return Err(Error::value(
                    "Winsorizer.fit",
                    "at least one observed (non-NaN) value per column",
                    format!("column {j} is entirely NaN; impute or drop it first"),
                ));
            }
            lower[j] = F::cast(percentile_sorted(&v, self.lower));
            upper[j] = F::cast(percentile_sorted(&v, self.upper));
        }
        Ok(FittedWinsorizer { lower, upper })
    }
}

/// A [`Winsorizer`] fitted to data: clips each column to its learned percentiles.
///
/// ```
/// use tuneup::data::Winsorizer;
/// use ndarray::array;
/// let f = Winsorizer::new(0.0, 50.0)?.fit(&array![[1.0, 10.0], [3.0, 30.0]].view())?;
/// let out = f.transform(&array![[0.0, 25.0], [f64::NAN, 40.0]].view())?;
/// assert_eq!(out[[0, 0]], 1.0);
/// assert!(out[[1, 0]].is_nan());
/// assert_eq!(out.column(1).to_vec(), vec![20.0, 20.0]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedWinsorizer<F> {
    lower: Array1<F>,
    upper: Array1<F>,
}

impl<F: Float> FittedWinsorizer<F> {
    /// The number of columns seen by `fit`.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::Winsorizer::default().fit(&array![[1.0, 2.0]].view())?;
    /// assert_eq!(f.n_features(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.lower.len()
    }

    /// Each column's lower clipping bound (its `lower` percentile).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::Winsorizer::new(50.0, 100.0)?.fit(&array![[1.0], [3.0]].view())?;
    /// assert_eq!(f.lower_bounds()[0], 2.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn lower_bounds(&self) -> ArrayView1<'_, F> {
        self.lower.view()
    }

    /// Each column's upper clipping bound (its `upper` percentile).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::Winsorizer::new(0.0, 100.0)?.fit(&array![[1.0], [3.0]].view())?;
    /// assert_eq!(f.upper_bounds()[0], 3.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn upper_bounds(&self) -> ArrayView1<'_, F> {
        self.upper.view()
    }

    /// Returns `x` with every value clipped to its column's bounds; NaN stays NaN.
    ///
    /// Errors: another width than `fit` saw ([`Error::Shape`]), an infinite value
    /// ([`Error::NonFinite`]).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::Winsorizer::new(0.0, 100.0)?.fit(&array![[1.0], [3.0]].view())?;
    /// assert_eq!(f.transform(&array![[0.0], [2.0], [9.0]].view())?, array![[1.0], [2.0], [3.0]]);
    /// assert!(matches!(
    ///     f.transform(&array![[0.0, 1.0]].view()),
    ///     Err(tuneup::Error::Shape { .. })
    /// ));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform(&self, x: &ArrayView2<'_, F>) -> Result<Array2<F>> {
        check_transform(
            "FittedWinsorizer.transform",
            x,
            self.lower.len(),
            Nan::Allowed,
        )?;
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
}
