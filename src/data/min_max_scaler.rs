//! Min-max scaling: maps each column's observed `[min, max]` onto a chosen range.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Zip};

use super::check::{check_finite_setting, check_fit, check_transform, Nan};
use super::stats::{half_difference, observed};
use crate::{Error, Float, Result};

/// Settings of a min-max scaler, scikit-learn's `MinMaxScaler`: each column is mapped by
/// `x · scale + min` so that the training minimum lands on `feature_range.0` and the training
/// maximum on `feature_range.1`.
///
/// NaN values are ignored when fitting and stay NaN when transforming. A column whose range is
/// below `10·ε` keeps a scale of `range_max − range_min` (scikit-learn's handling), so it maps
/// to the bottom of the range instead of dividing by zero. With [`clip`](Self::clip), values
/// outside the training range are clipped into `feature_range`.
///
/// ```
/// use tuneup::data::MinMaxScaler;
/// use ndarray::array;
/// let f = MinMaxScaler::new(-1.0, 1.0)?.fit(&array![[0.0], [10.0]].view())?;
/// assert_eq!(f.transform(&array![[5.0], [20.0]].view())?, array![[0.0], [3.0]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinMaxScaler {
    range: (f64, f64),
    clip: bool,
}

impl Default for MinMaxScaler {
    fn default() -> Self {
        MinMaxScaler {
            range: (0.0, 1.0),
            clip: false,
        }
    }
}

impl MinMaxScaler {
    /// A scaler onto `[range_min, range_max]`; both finite, `range_min < range_max`, else
    /// [`Error::Config`]. `MinMaxScaler::default()` maps onto `[0, 1]`.
    ///
    /// ```
    /// use tuneup::data::MinMaxScaler;
    /// assert!(MinMaxScaler::new(0.0, 1.0).is_ok());
    /// assert!(matches!(MinMaxScaler::new(1.0, 1.0), Err(tuneup::Error::Config { .. })));
    /// ```
    pub fn new(range_min: f64, range_max: f64) -> Result<Self> {
        check_finite_setting("MinMaxScaler.feature_range.0", range_min)?;
        check_finite_setting("MinMaxScaler.feature_range.1", range_max)?;
        if range_min >= range_max {
            return Err(Error::config(
                "MinMaxScaler.feature_range",
                format!("({range_min}, {range_max})"),
                "a range (min, max) with min < max",
            ));
        }
        Ok(MinMaxScaler {
            range: (range_min, range_max),
            clip: false,
        })
    }

    /// Whether `transform` clips its output into the feature range (default `false`).
    ///
    /// ```
    /// use tuneup::data::MinMaxScaler;
    /// use ndarray::array;
    /// let f = MinMaxScaler::default().clip(true).fit(&array![[0.0], [10.0]].view())?;
    /// assert_eq!(f.transform(&array![[20.0], [-5.0]].view())?, array![[1.0], [0.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn clip(mut self, clip: bool) -> Self {
        self.clip = clip;
        self
    }

    /// The target range `(min, max)`.
    ///
    /// ```
    /// assert_eq!(tuneup::data::MinMaxScaler::default().feature_range(), (0.0, 1.0));
    /// ```
    pub fn feature_range(&self) -> (f64, f64) {
        self.range
    }

    /// Learns each column's minimum and maximum from `x`, ignoring NaN.
    ///
    /// Errors: empty data ([`Error::Shape`]), an infinite value ([`Error::NonFinite`]), a column
    /// with no observed value ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::MinMaxScaler;
    /// use ndarray::array;
    /// let f = MinMaxScaler::default().fit(&array![[2.0], [f64::NAN], [6.0]].view())?;
    /// assert_eq!(f.data_min()[0], 2.0);
    /// assert_eq!(f.data_max()[0], 6.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit<F: Float>(&self, x: &ArrayView2<'_, F>) -> Result<FittedMinMaxScaler<F>> {
        check_fit("MinMaxScaler", x, Nan::Allowed)?;
        let n = x.ncols();
        let (lo, hi) = self.range;
        let (mut dmin, mut dmax) = (Array1::zeros(n), Array1::zeros(n));
        let (mut scale, mut min) = (Array1::zeros(n), Array1::zeros(n));
        for (j, col) in x.columns().into_iter().enumerate() {
            let v = observed(col);
            if v.is_empty() {
                return Err(Error::value(
                    "MinMaxScaler.fit",
                    "at least one observed (non-NaN) value per column",
                    format!("column {j} is entirely NaN; impute or drop it first"),
                ));
            }
            let cmin = v.iter().copied().fold(f64::INFINITY, f64::min);
            let cmax = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut range = cmax - cmin;
            if range < 10.0 * f64::EPSILON {
                range = 1.0;
            }
            // A range that overflows (values near ±1e308) is taken on halves, so the scale
            // stays positive instead of 0.
            let s = if range.is_finite() {
                (hi - lo) / range
            } else {
                0.5 * (hi - lo) / half_difference(cmin, cmax)
            };
            dmin[j] = F::cast(cmin);
            dmax[j] = F::cast(cmax);
            scale[j] = F::cast(s);
            min[j] = F::cast(lo - cmin * s);
        }
        Ok(FittedMinMaxScaler {
            data_min: dmin,
            data_max: dmax,
            scale,
            min,
            range: (F::cast(lo), F::cast(hi)),
            clip: self.clip,
        })
    }
}

/// A [`MinMaxScaler`] fitted to data: applies `x · scale + min` and its inverse.
///
/// ```
/// use tuneup::data::MinMaxScaler;
/// use ndarray::array;
/// let x = array![[1.0], [3.0]];
/// let f = MinMaxScaler::default().fit(&x.view())?;
/// let z = f.transform(&x.view())?;
/// assert_eq!(z, array![[0.0], [1.0]]);
/// assert_eq!(f.inverse_transform(&z.view())?, x);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedMinMaxScaler<F> {
    data_min: Array1<F>,
    data_max: Array1<F>,
    scale: Array1<F>,
    min: Array1<F>,
    range: (F, F),
    clip: bool,
}

impl<F: Float> FittedMinMaxScaler<F> {
    /// The number of columns seen by `fit`.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::MinMaxScaler::default().fit(&array![[1.0, 2.0]].view())?;
    /// assert_eq!(f.n_features(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.scale.len()
    }

    /// Each column's observed minimum in the training data.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::MinMaxScaler::default().fit(&array![[1.0], [-2.0]].view())?;
    /// assert_eq!(f.data_min()[0], -2.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn data_min(&self) -> ArrayView1<'_, F> {
        self.data_min.view()
    }

    /// Each column's observed maximum in the training data.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::MinMaxScaler::default().fit(&array![[1.0], [-2.0]].view())?;
    /// assert_eq!(f.data_max()[0], 1.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn data_max(&self) -> ArrayView1<'_, F> {
        self.data_max.view()
    }

    /// The per-column factors `(range_max − range_min) / (data_max − data_min)`.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::MinMaxScaler::default().fit(&array![[0.0], [4.0]].view())?;
    /// assert_eq!(f.scale()[0], 0.25);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn scale(&self) -> ArrayView1<'_, F> {
        self.scale.view()
    }

    /// Returns `x · scale + min` as a new array (clipped if asked); NaN stays NaN.
    ///
    /// Errors: another width than `fit` saw ([`Error::Shape`]), an infinite value
    /// ([`Error::NonFinite`]).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::MinMaxScaler::default().fit(&array![[0.0], [4.0]].view())?;
    /// assert_eq!(f.transform(&array![[1.0]].view())?, array![[0.25]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform(&self, x: &ArrayView2<'_, F>) -> Result<Array2<F>> {
        check_transform(
            "FittedMinMaxScaler.transform",
            x,
            self.n_features(),
            Nan::Allowed,
        )?;
        let mut out = x.to_owned();
        let (lo, hi) = self.range;
        for mut row in out.rows_mut() {
            Zip::from(&mut row)
                .and(&self.scale)
                .and(&self.min)
                .for_each(|v, &s, &m| {
                    *v = *v * s + m;
                    if self.clip && !v.is_nan() {
                        *v = v.max(lo).min(hi);
                    }
                });
        }
        Ok(out)
    }

    /// Undoes [`transform`](Self::transform): returns `(z − min) / scale` (clipped values are
    /// not restored).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::MinMaxScaler::default().fit(&array![[0.0], [4.0]].view())?;
    /// assert_eq!(f.inverse_transform(&array![[0.5]].view())?, array![[2.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn inverse_transform(&self, z: &ArrayView2<'_, F>) -> Result<Array2<F>> {
        check_transform(
            "FittedMinMaxScaler.inverse_transform",
            z,
            self.n_features(),
            Nan::Allowed,
        )?;
        let mut out = z.to_owned();
        for mut row in out.rows_mut() {
            Zip::from(&mut row)
                .and(&self.scale)
                .and(&self.min)
                .for_each(|v, &s, &m| *v = (*v - m) / s);
        }
        Ok(out)
    }
}
