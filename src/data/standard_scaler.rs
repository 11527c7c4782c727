//! Standardisation: `(x − mean) / std`, per column.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Zip};

use super::check::{check_fit, check_transform, Nan};
use super::stats::{centred_scaled, mean, observed, population_std, population_variance};
use crate::{Error, Float, Result};

/// Settings of a standard scaler, scikit-learn's `StandardScaler`: each column is centred on
/// its mean (`with_mean`) and divided by its population standard deviation (`with_std`).
///
/// NaN values are ignored when fitting and stay NaN when transforming. A column whose variance
/// is indistinguishable from zero (scikit-learn's bound `var ≤ n·ε·var + (n·mean·ε)²`) keeps a
/// scale of 1, so it is centred but not blown up. A column with no observed value at all is an
/// [`Error::Value`]: impute it or drop it first.
///
/// ```
/// use tuneup::data::StandardScaler;
/// use ndarray::array;
/// let train = array![[1.0, 10.0], [3.0, 10.0]];
/// let fitted = StandardScaler::new().fit(&train.view())?;
/// let z = fitted.transform(&array![[5.0, 12.0]].view())?;
/// assert_eq!(z, array![[3.0, 2.0]]); // column 2 is constant: centred, scale 1
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StandardScaler {
    with_mean: bool,
    with_std: bool,
}

impl Default for StandardScaler {
    fn default() -> Self {
        Self::new()
    }
}

impl StandardScaler {
    /// A scaler that centres and scales (scikit-learn's defaults).
    ///
    /// ```
    /// let s = tuneup::data::StandardScaler::new();
    /// assert_eq!(s, tuneup::data::StandardScaler::default());
    /// ```
    pub fn new() -> Self {
        StandardScaler {
            with_mean: true,
            with_std: true,
        }
    }

    /// Whether to subtract the column mean (default `true`).
    ///
    /// ```
    /// use tuneup::data::StandardScaler;
    /// use ndarray::array;
    /// let f = StandardScaler::new().with_mean(false).fit(&array![[1.0], [3.0]].view())?;
    /// assert_eq!(f.transform(&array![[2.0]].view())?, array![[2.0]]); // divided by std 1
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_mean(mut self, with_mean: bool) -> Self {
        self.with_mean = with_mean;
        self
    }

    /// Whether to divide by the column standard deviation (default `true`).
    ///
    /// ```
    /// use tuneup::data::StandardScaler;
    /// use ndarray::array;
    /// let f = StandardScaler::new().with_std(false).fit(&array![[1.0], [5.0]].view())?;
    /// assert_eq!(f.transform(&array![[4.0]].view())?, array![[1.0]]); // centred only
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_std(mut self, with_std: bool) -> Self {
        self.with_std = with_std;
        self
    }

    /// Learns each column's mean and standard deviation from `x`, ignoring NaN.
    ///
    /// Errors: empty data ([`Error::Shape`]), an infinite value ([`Error::NonFinite`]), a column
    /// with no observed value ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::StandardScaler;
    /// use ndarray::array;
    /// let f = StandardScaler::new().fit(&array![[1.0], [f64::NAN], [3.0]].view())?;
    /// assert_eq!(f.mean().unwrap()[0], 2.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit<F: Float>(&self, x: &ArrayView2<'_, F>) -> Result<FittedStandardScaler<F>> {
        check_fit("StandardScaler", x, Nan::Allowed)?;
        let n_features = x.ncols();
        let mut means = Array1::zeros(n_features);
        let mut vars = Array1::zeros(n_features);
        let mut scales = Array1::ones(n_features);
        for (j, col) in x.columns().into_iter().enumerate() {
            let v = observed(col);
            if v.is_empty() {
                return Err(Error::value(
                    "StandardScaler.fit",
                    "at least one observed (non-NaN) value per column",
                    format!("column {j} is entirely NaN; impute or drop it first"),
                ));
            }
            let m = mean(&v);
            // Squares beyond the float range make the variance ∞ (or NaN from ∞ − ∞).
            let var = match population_variance(&v, m) {
                var if var.is_nan() => f64::INFINITY,
                var => var,
            };
            let n = v.len() as f64;
            let eps = f64::EPSILON;
            // An overflowing variance (values near ±1e300) is not a constant column: its
            // scale is computed on rescaled values and stays finite.
            let constant = var.is_finite() && var <= n * eps * var + (n * m * eps).powi(2);
            means[j] = F::cast(m);
            vars[j] = F::cast(var);
            if !constant {
                scales[j] = F::cast(population_std(&v, m));
            }
        }
        Ok(FittedStandardScaler {
            mean: self.with_mean.then_some(means),
            var: self.with_std.then_some(vars),
            scale: self.with_std.then_some(scales),
            n_features,
        })
    }
}

/// A [`StandardScaler`] fitted to data: applies `(x − mean) / scale` and its inverse.
///
/// ```
/// use tuneup::data::StandardScaler;
/// use ndarray::array;
/// let x = array![[0.0, 1.0], [2.0, 5.0]];
/// let f = StandardScaler::new().fit(&x.view())?;
/// let z = f.transform(&x.view())?;
/// assert_eq!(z, array![[-1.0, -1.0], [1.0, 1.0]]);
/// assert_eq!(f.inverse_transform(&z.view())?, x);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedStandardScaler<F> {
    mean: Option<Array1<F>>,
    var: Option<Array1<F>>,
    scale: Option<Array1<F>>,
    n_features: usize,
}

impl<F: Float> FittedStandardScaler<F> {
    /// The number of columns seen by `fit`.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::StandardScaler::new().fit(&array![[1.0, 2.0]].view())?;
    /// assert_eq!(f.n_features(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The column means subtracted by `transform` (`None` when `with_mean(false)`).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::StandardScaler::new().fit(&array![[1.0], [2.0]].view())?;
    /// assert_eq!(f.mean().unwrap()[0], 1.5);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn mean(&self) -> Option<ArrayView1<'_, F>> {
        self.mean.as_ref().map(|m| m.view())
    }

    /// The population variances of the columns (`None` when `with_std(false)`).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::StandardScaler::new().fit(&array![[1.0], [3.0]].view())?;
    /// assert_eq!(f.var().unwrap()[0], 1.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn var(&self) -> Option<ArrayView1<'_, F>> {
        self.var.as_ref().map(|v| v.view())
    }

    /// The divisors used by `transform`: the standard deviations, with 1 for constant columns
    /// (`None` when `with_std(false)`).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::StandardScaler::new().fit(&array![[1.0, 4.0], [3.0, 4.0]].view())?;
    /// assert_eq!(f.scale().unwrap().to_vec(), vec![1.0, 1.0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn scale(&self) -> Option<ArrayView1<'_, F>> {
        self.scale.as_ref().map(|s| s.view())
    }

    /// Returns `(x − mean) / scale` as a new array; NaN stays NaN.
    ///
    /// Errors: another width than `fit` saw ([`Error::Shape`]), an infinite value
    /// ([`Error::NonFinite`]).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::StandardScaler::new().fit(&array![[1.0], [3.0]].view())?;
    /// let z = f.transform(&array![[f64::NAN], [4.0]].view())?;
    /// assert!(z[[0, 0]].is_nan());
    /// assert_eq!(z[[1, 0]], 2.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform(&self, x: &ArrayView2<'_, F>) -> Result<Array2<F>> {
        check_transform(
            "FittedStandardScaler.transform",
            x,
            self.n_features,
            Nan::Allowed,
        )?;
        let mut out = x.to_owned();
        for mut row in out.rows_mut() {
            match (&self.mean, &self.scale) {
                (Some(m), Some(s)) => Zip::from(&mut row)
                    .and(m)
                    .and(s)
                    .for_each(|v, &m, &s| *v = centred_scaled(*v, m, s)),
                (Some(m), None) => Zip::from(&mut row).and(m).for_each(|v, &m| *v -= m),
                (None, Some(s)) => Zip::from(&mut row).and(s).for_each(|v, &s| *v /= s),
                (None, None) => {}
            }
        }
        Ok(out)
    }

    /// Undoes [`transform`](Self::transform): returns `z · scale + mean`.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::StandardScaler::new().fit(&array![[1.0], [3.0]].view())?;
    /// assert_eq!(f.inverse_transform(&array![[2.0]].view())?, array![[4.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn inverse_transform(&self, z: &ArrayView2<'_, F>) -> Result<Array2<F>> {
        check_transform(
            "FittedStandardScaler.inverse_transform",
            z,
            self.n_features,
            Nan::Allowed,
        )?;
        let mut out = z.to_owned();
        for mut row in out.rows_mut() {
            if let Some(s) = &self.scale {
                Zip::from(&mut row).and(s).for_each(|v, &s| *v *= s);
            }
            if let Some(m) = &self.mean {
                Zip::from(&mut row).and(m).for_each(|v, &m| *v += m);
            }
        }
        Ok(out)
    }
}
