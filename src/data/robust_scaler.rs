//! Robust scaling: `(x − median) / (q_hi − q_lo)`, per column.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Zip};

use super::check::{check_finite_setting, check_fit, check_transform, Nan};
use super::stats::{centred_scaled, median_sorted, percentile_sorted, sorted_observed};
use crate::{Error, Float, Result};

/// Settings of a robust scaler, scikit-learn's `RobustScaler`: each column is centred on its
/// median (`with_centering`) and divided by the spread between two percentiles
/// (`with_scaling`, the interquartile range by default), so outliers barely move the fit.
///
/// Percentiles interpolate linearly between order statistics (NumPy's default). NaN values are
/// ignored when fitting and stay NaN when transforming. A spread below `10·ε` is replaced by 1.
///
/// ```
/// use tuneup::data::RobustScaler;
/// use ndarray::array;
/// let x = array![[1.0], [2.0], [3.0], [4.0], [100.0]];
/// let f = RobustScaler::new().fit(&x.view())?;
/// assert_eq!(f.center().unwrap()[0], 3.0);
/// assert_eq!(f.scale().unwrap()[0], 2.0); // 75th (4) − 25th (2) percentile
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RobustScaler {
    with_centering: bool,
    with_scaling: bool,
    quantile_range: (f64, f64),
}

impl Default for RobustScaler {
    fn default() -> Self {
        Self::new()
    }
}

impl RobustScaler {
    /// A scaler that centres on the median and scales by the 25th–75th percentile range.
    ///
    /// ```
    /// let s = tuneup::data::RobustScaler::new();
    /// assert_eq!(s.quantile_range(), (25.0, 75.0));
    /// ```
    pub fn new() -> Self {
        RobustScaler {
            with_centering: true,
            with_scaling: true,
            quantile_range: (25.0, 75.0),
        }
    }

    /// Whether to subtract the column median (default `true`).
    ///
    /// ```
    /// use tuneup::data::RobustScaler;
    /// use ndarray::array;
    /// let f = RobustScaler::new().with_centering(false).fit(&array![[1.0], [3.0]].view())?;
    /// assert!(f.center().is_none());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_centering(mut self, with_centering: bool) -> Self {
        self.with_centering = with_centering;
        self
    }

    /// Whether to divide by the percentile spread (default `true`).
    ///
    /// ```
    /// use tuneup::data::RobustScaler;
    /// use ndarray::array;
    /// let f = RobustScaler::new().with_scaling(false).fit(&array![[1.0], [3.0]].view())?;
    /// assert_eq!(f.transform(&array![[5.0]].view())?, array![[3.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_scaling(mut self, with_scaling: bool) -> Self {
        self.with_scaling = with_scaling;
        self
    }

    /// Sets the percentiles `(lo, hi)` whose difference is the scale; they must satisfy
    /// `0 ≤ lo < hi ≤ 100`, else [`Error::Config`].
    ///
    /// ```
    /// use tuneup::data::RobustScaler;
    /// assert!(RobustScaler::new().with_quantile_range(10.0, 90.0).is_ok());
    /// assert!(matches!(
    ///     RobustScaler::new().with_quantile_range(-5.0, 90.0),
    ///     Err(tuneup::Error::Config { .. })
    /// ));
    /// ```
    pub fn with_quantile_range(mut self, lo: f64, hi: f64) -> Result<Self> {
        check_finite_setting("RobustScaler.quantile_range.0", lo)?;
        check_finite_setting("RobustScaler.quantile_range.1", hi)?;
        if !(0.0 <= lo && lo < hi && hi <= 100.0) {
            return Err(Error::config(
                "RobustScaler.quantile_range",
                format!("({lo}, {hi})"),
                "percentiles (lo, hi) with 0 ≤ lo < hi ≤ 100",
            ));
        }
        self.quantile_range = (lo, hi);
        Ok(self)
    }

    /// The percentiles `(lo, hi)` used for the scale.
    ///
    /// ```
    /// let s = tuneup::data::RobustScaler::new().with_quantile_range(5.0, 95.0)?;
    /// assert_eq!(s.quantile_range(), (5.0, 95.0));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn quantile_range(&self) -> (f64, f64) {
        self.quantile_range
    }

    /// Learns each column's median and percentile spread from `x`, ignoring NaN.
    ///
    /// Errors: empty data ([`Error::Shape`]), an infinite value ([`Error::NonFinite`]), a column
    /// with no observed value ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::RobustScaler;
    /// use ndarray::array;
    /// let f = RobustScaler::new().fit(&array![[1.0], [f64::NAN], [2.0], [9.0]].view())?;
    /// assert_eq!(f.center().unwrap()[0], 2.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit<F: Float>(&self, x: &ArrayView2<'_, F>) -> Result<FittedRobustScaler<F>> {
        check_fit("RobustScaler", x, Nan::Allowed)?;
        let n = x.ncols();
        let (mut center, mut scale) = (Array1::zeros(n), Array1::ones(n));
        for (j, col) in x.columns().into_iter().enumerate() {
            let v = sorted_observed(col);
            if v.is_empty() {
                return Err(Error::value(
                    "RobustScaler.fit",
                    "at least one observed (non-NaN) value per column",
                    format!("column {j} is entirely NaN; impute or drop it first"),
                ));
            }
            center[j] = F::cast(median_sorted(&v));
            let (lo, hi) = self.quantile_range;
            let (q_lo, q_hi) = (percentile_sorted(&v, lo), percentile_sorted(&v, hi));
            let spread = q_hi - q_lo;
            if spread.is_infinite() {
                // A scale of ∞ would squash every value to 0 (what scikit-learn returns).
                return Err(Error::value(
                    format!("RobustScaler.fit, column {j}"),
                    "a quantile range below the float maximum (1.8e308)",
                    format!("{q_lo:e} to {q_hi:e}; divide the column by a constant first"),
                ));
            }
            if spread >= 10.0 * f64::EPSILON {
                scale[j] = F::cast(spread);
            }
        }
        Ok(FittedRobustScaler {
            center: self.with_centering.then_some(center),
            scale: self.with_scaling.then_some(scale),
            n_features: n,
        })
    }
}

/// A [`RobustScaler`] fitted to data: applies `(x − center) / scale` and its inverse.
///
/// ```
/// use tuneup::data::RobustScaler;
/// use ndarray::array;
/// let x = array![[1.0], [2.0], [3.0]];
/// let f = RobustScaler::new().fit(&x.view())?;
/// let z = f.transform(&x.view())?;
/// assert_eq!(z, array![[-1.0], [0.0], [1.0]]);
/// assert_eq!(f.inverse_transform(&z.view())?, x);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedRobustScaler<F> {
    center: Option<Array1<F>>,
    scale: Option<Array1<F>>,
    n_features: usize,
}

impl<F: Float> FittedRobustScaler<F> {
    /// The number of columns seen by `fit`.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::RobustScaler::new().fit(&array![[1.0, 2.0]].view())?;
    /// assert_eq!(f.n_features(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The column medians (`None` when `with_centering(false)`).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::RobustScaler::new().fit(&array![[1.0], [5.0], [6.0]].view())?;
    /// assert_eq!(f.center().unwrap()[0], 5.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn center(&self) -> Option<ArrayView1<'_, F>> {
        self.center.as_ref().map(|c| c.view())
    }

    /// The percentile spreads, 1 for (near-)constant columns (`None` when
    /// `with_scaling(false)`).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::RobustScaler::new().fit(&array![[1.0], [1.0]].view())?;
    /// assert_eq!(f.scale().unwrap()[0], 1.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn scale(&self) -> Option<ArrayView1<'_, F>> {
        self.scale.as_ref().map(|s| s.view())
    }

    /// Returns `(x − center) / scale` as a new array; NaN stays NaN.
    ///
    /// Errors: another width than `fit` saw ([`Error::Shape`]), an infinite value
    /// ([`Error::NonFinite`]).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::RobustScaler::new().fit(&array![[1.0], [2.0], [3.0]].view())?;
    /// assert_eq!(f.transform(&array![[4.0]].view())?, array![[2.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform(&self, x: &ArrayView2<'_, F>) -> Result<Array2<F>> {
        check_transform(
            "FittedRobustScaler.transform",
            x,
            self.n_features,
            Nan::Allowed,
        )?;
        let mut out = x.to_owned();
        for mut row in out.rows_mut() {
            match (&self.center, &self.scale) {
                (Some(c), Some(s)) => Zip::from(&mut row)
                    .and(c)
                    .and(s)
                    .for_each(|v, &c, &s| *v = centred_scaled(*v, c, s)),
                (Some(c), None) => Zip::from(&mut row).and(c).for_each(|v, &c| *v -= c),
                (None, Some(s)) => Zip::from(&mut row).and(s).for_each(|v, &s| *v /= s),
                (None, None) => {}
            }
        }
        Ok(out)
    }

    /// Undoes [`transform`](Self::transform): returns `z · scale + center`.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::RobustScaler::new().fit(&array![[1.0], [2.0], [3.0]].view())?;
    /// assert_eq!(f.inverse_transform(&array![[2.0]].view())?, array![[4.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn inverse_transform(&self, z: &ArrayView2<'_, F>) -> Result<Array2<F>> {
        check_transform(
            "FittedRobustScaler.inverse_transform",
            z,
            self.n_features,
            Nan::Allowed,
        )?;
        let mut out = z.to_owned();
        for mut row in out.rows_mut() {
            if let Some(s) = &self.scale {
                Zip::from(&mut row).and(s).for_each(|v, &s| *v *= s);
            }
            if let Some(c) = &self.center {
                Zip::from(&mut row).and(c).for_each(|v, &c| *v += c);
            }
        }
        Ok(out)
    }
}
