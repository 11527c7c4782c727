//! The Yeo-Johnson power transform, which makes skewed columns closer to normal.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::bounded_brent::minimize_bounded;
use super::check::{check_fit, check_transform, Nan};
use super::stats::{mean, observed};
use super::{FittedStandardScaler, StandardScaler};
use crate::{Error, Float, Result};

/// Settings of a Yeo-Johnson power transformer, scikit-learn's
/// `PowerTransformer(method="yeo-johnson")`.
///
/// Each column gets its own λ, chosen by maximising the Yeo-Johnson log-likelihood
/// `−n/2 · ln σ²(ψ(x; λ)) + (λ − 1) Σ sign(x) ln(1 + |x|)` with Brent's bounded method on the
/// interval SciPy's `yeojohnson_normmax` uses (wide enough that no value overflows), to
/// SciPy's tolerance 1.48e-8. The transform is
///
/// * `((x + 1)^λ − 1) / λ` for `x ≥ 0` (`ln(1 + x)` when λ = 0),
/// * `−((1 − x)^(2−λ) − 1) / (2 − λ)` for `x < 0` (`−ln(1 − x)` when λ = 2).
///
/// Both this crate and scikit-learn stop the search at that tolerance, and their
/// log-likelihoods differ in the last bits (vectorised `log1p`/`expm1`, summation order), so
/// the λ of the two agree to about 1e-7, not to the last digit; with the same λ (see
/// [`with_lambdas`](Self::with_lambdas)) the transforms agree to round-off.
///
/// With `standardize` (the default) the transformed columns are then standardised to zero mean
/// and unit variance. A constant column keeps λ = 1 (the identity). NaN values are ignored when
/// fitting and stay NaN; λ is always fitted in `f64`.
///
/// ```
/// use tuneup::data::PowerTransformer;
/// use ndarray::array;
/// let skewed = array![[0.1f64], [0.3], [0.4], [1.0], [2.5], [9.0], [30.0]];
/// let f = PowerTransformer::new().fit(&skewed.view())?;
/// assert!(f.lambdas()[0] < 0.5); // strong right skew needs a compressing power
/// let z = f.transform(&skewed.view())?;
/// let back = f.inverse_transform(&z.view())?;
/// assert!((back[[6, 0]] - 30.0).abs() < 1e-9);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PowerTransformer {
    standardize: bool,
    fixed_lambdas: Option<Vec<f64>>,
}

impl Default for PowerTransformer {
    fn default() -> Self {
        Self::new()
    }
}

impl PowerTransformer {
    /// A Yeo-Johnson transformer that standardises its output (scikit-learn's defaults).
    ///
    /// ```
    /// assert_eq!(tuneup::data::PowerTransformer::new(), Default::default());
    /// ```
    pub fn new() -> Self {
        PowerTransformer {
            standardize: true,
            fixed_lambdas: None,
        }
    }

    /// Whether to standardise the transformed columns (default `true`).
    ///
    /// ```
    /// use tuneup::data::PowerTransformer;
    /// use ndarray::array;
    /// let x = array![[1.0], [1.0], [1.0]];
    /// let f = PowerTransformer::new().standardize(false).fit(&x.view())?;
    /// assert_eq!(f.transform(&x.view())?, x); // constant column: λ = 1, the identity
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn standardize(mut self, standardize: bool) -> Self {
        self.standardize = standardize;
        self
    }

    /// Uses the given λ, one per column, instead of searching for them (like
    /// `scipy.stats.yeojohnson(x, lmbda)`); `fit` then only learns the standardisation. Each λ
    /// must be finite, else [`Error::Config`]; a count other than the data's width is an
    /// [`Error::Shape`] at fit time.
    ///
    /// ```
    /// use tuneup::data::PowerTransformer;
    /// use ndarray::array;
    /// let x = array![[0.0], [3.0]];
    /// let f = PowerTransformer::new().standardize(false).with_lambdas(vec![0.5])?.fit(&x.view())?;
    /// assert_eq!(f.transform(&x.view())?, array![[0.0], [2.0]]); // ((1 + 3)^0.5 − 1) / 0.5
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_lambdas(mut self, lambdas: Vec<f64>) -> Result<Self> {
        if let Some((j, &l)) = lambdas.iter().enumerate().find(|(_, l)| !l.is_finite()) {
            return Err(Error::config(
                format!("PowerTransformer.lambdas[{j}]"),
                l,
                "a finite number",
            ));
        }
        self.fixed_lambdas = Some(lambdas);
        Ok(self)
    }

    /// Chooses λ for each column of `x` (ignoring NaN) and, with `standardize`, learns the
    /// mean and standard deviation of the transformed columns.
    ///
    /// Errors: empty data ([`Error::Shape`]), an infinite value ([`Error::NonFinite`]), a column
    /// with no observed value ([`Error::Value`]).
    ///
    /// ```
    /// use tuneup::data::PowerTransformer;
    /// use ndarray::array;
    /// let f = PowerTransformer::new().fit(&array![[1.0, 5.0], [2.0, 5.0], [4.0, 5.0]].view())?;
    /// assert_eq!(f.lambdas()[1], 1.0); // the constant column
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit<F: Float>(&self, x: &ArrayView2<'_, F>) -> Result<FittedPowerTransformer<F>> {
        check_fit("PowerTransformer", x, Nan::Allowed)?;
        if let Some(fixed) = &self.fixed_lambdas {
            if fixed.len() != x.ncols() {
                return Err(Error::shape(
                    "PowerTransformer.fit",
                    format!("{} columns (one per fixed λ)", fixed.len()),
                    format!("{} columns", x.ncols()),
                ));
            }
        }
        let mut lambdas = Array1::zeros(x.ncols());
        for (j, col) in x.columns().into_iter().enumerate() {
            let v = observed(col);
            if v.is_empty() {
                return Err(Error::value(
                    "PowerTransformer.fit",
                    "at least one observed (non-NaN) value per column",
                    format!("column {j} is entirely NaN; impute or drop it first"),
                ));
            }
            lambdas[j] = match &self.fixed_lambdas {
                Some(fixed) => fixed[j],
                None => fit_lambda(&v),
            };
        }
        let mut fitted = FittedPowerTransformer {
            lambdas: lambdas.mapv(F::cast),
            lambdas_f64: lambdas,
            scaler: None,
        };
        if self.standardize {
            let transformed = fitted.power(x);
            fitted.scaler = Some(StandardScaler::new().fit(&transformed.view())?);
        }
        Ok(fitted)
    }
}

/// A [`PowerTransformer`] fitted to data: applies the Yeo-Johnson transform with the learned
/// λ (then standardises), and its inverse.
///
/// ```
/// use tuneup::data::PowerTransformer;
/// use ndarray::array;
/// let x = array![[0.0], [1.0], [3.0], [7.0]];
/// let f = PowerTransformer::new().standardize(false).fit(&x.view())?;
/// let z = f.transform(&x.view())?;
/// assert_eq!(z[[0, 0]], 0.0); // ψ(0; λ) = 0 for every λ
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FittedPowerTransformer<F> {
    lambdas: Array1<F>,
    lambdas_f64: Array1<f64>,
    scaler: Option<FittedStandardScaler<F>>,
}

impl<F: Float> FittedPowerTransformer<F> {
    /// The number of columns seen by `fit`.
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::PowerTransformer::new().fit(&array![[1.0, 2.0], [2.0, 3.0]].view())?;
    /// assert_eq!(f.n_features(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.lambdas.len()
    }

    /// The fitted λ of each column.
    ///
    /// ```
    /// use ndarray::array;
    /// let x = array![[-3.0f64], [-1.0], [0.0], [1.0], [3.0]];
    /// let f = tuneup::data::PowerTransformer::new().fit(&x.view())?;
    /// assert!((f.lambdas()[0] - 1.0).abs() < 1e-6); // symmetric data: λ = 1
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn lambdas(&self) -> ArrayView1<'_, F> {
        self.lambdas.view()
    }

    /// The standardisation applied after the power transform (`None` without `standardize`).
    ///
    /// ```
    /// use ndarray::array;
    /// let f = tuneup::data::PowerTransformer::new().fit(&array![[1.0], [2.0]].view())?;
    /// assert!(f.scaler().is_some());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn scaler(&self) -> Option<&FittedStandardScaler<F>> {
        self.scaler.as_ref()
    }

    /// Returns the transformed copy of `x`; NaN stays NaN.
    ///
    /// Errors: another width than `fit` saw ([`Error::Shape`]), an infinite value
    /// ([`Error::NonFinite`]).
    ///
    /// ```
    /// use ndarray::array;
    /// let x = array![[1.0f64], [2.0], [8.0]];
    /// let f = tuneup::data::PowerTransformer::new().fit(&x.view())?;
    /// let z = f.transform(&x.view())?;
    /// assert!(z.sum().abs() < 1e-12); // standardised: zero mean on the fit data
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn transform(&self, x: &ArrayView2<'_, F>) -> Result<Array2<F>> {
        check_transform(
            "FittedPowerTransformer.transform",
            x,
            self.n_features(),
            Nan::Allowed,
        )?;
        let out = self.power(x);
        match &self.scaler {
            Some(s) => s.transform(&out.view()),
            None => Ok(out),
        }
    }

    /// Undoes [`transform`](Self::transform): un-standardises, then inverts the power
    /// transform. Values outside the transform's range come back as NaN.
    ///
    /// ```
    /// use ndarray::array;
    /// let x = array![[0.5f64], [-2.0], [4.0]];
    /// let f = tuneup::data::PowerTransformer::new().fit(&x.view())?;
    /// let back = f.inverse_transform(&f.transform(&x.view())?.view())?;
    /// assert!((&back - &x).iter().all(|d| d.abs() < 1e-12));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn inverse_transform(&self, z: &ArrayView2<'_, F>) -> Result<Array2<F>> {
        check_transform(
            "FittedPowerTransformer.inverse_transform",
            z,
            self.n_features(),
            Nan::Allowed,
        )?;
        let mut out = match &self.scaler {
            Some(s) => s.inverse_transform(z)?,
            None => z.to_owned(),
        };
        for (mut col, &lambda) in out.columns_mut().into_iter().zip(&self.lambdas_f64) {
            col.mapv_inplace(|v| F::cast(yeo_johnson_inverse(v.as_f64(), lambda)));
        }
        Ok(out)
    }

    /// The power transform alone, in `f64`, cast back to `F`.
    fn power(&self, x: &ArrayView2<'_, F>) -> Array2<F> {
        let mut out = x.to_owned();
        for (mut col, &lambda) in out.columns_mut().into_iter().zip(&self.lambdas_f64) {
            col.mapv_inplace(|v| F::cast(yeo_johnson(v.as_f64(), lambda)));
        }
        out
    }
}

/// ψ(x; λ), SciPy's `_yeojohnson_transform` for one value (NaN stays NaN).
fn yeo_johnson(x: f64, lambda: f64) -> f64 {
    let eps = f64::EPSILON;
    if x >= 0.0 {
        if lambda.abs() < eps {
            x.ln_1p()
        } else {
            (lambda * x.ln_1p()).exp_m1() / lambda
        }
    } else if (lambda - 2.0).abs() > eps {
        -((2.0 - lambda) * (-x).ln_1p()).exp_m1() / (2.0 - lambda)
    } else {
        -(-x).ln_1p()
    }
}

/// The inverse of ψ(·; λ), scikit-learn's `_yeo_johnson_inverse_transform` for one value.
fn yeo_johnson_inverse(y: f64, lambda: f64) -> f64 {
    let eps = f64::EPSILON;
    if y >= 0.0 {
        if lambda.abs() < eps {
            y.exp() - 1.0
        } else {
            (y * lambda + 1.0).powf(1.0 / lambda) - 1.0
        }
    } else if (lambda - 2.0).abs() > eps {
        1.0 - (-(2.0 - lambda) * y + 1.0).powf(1.0 / (2.0 - lambda))
    } else {
        1.0 - (-y).exp()
    }
}

/// The negative Yeo-Johnson log-likelihood; +∞ where the transformed variance under- or
/// overflows (SciPy's `_neg_llf`).
fn neg_log_likelihood(x: &[f64], lambda: f64, log_jacobian: f64) -> f64 {
    let y: Vec<f64> = x.iter().map(|&v| yeo_johnson(v, lambda)).collect();
    let n = y.len() as f64;
    let m = y.iter().sum::<f64>() / n;
    let var = y.iter().map(|&v| (v - m) * (v - m)).sum::<f64>() / n;
    let log_var = if var >= f64::MIN_POSITIVE {
        var.ln()
    } else {
        f64::NEG_INFINITY
    };
    let llf = -n / 2.0 * log_var + (lambda - 1.0) * log_jacobian;
    if llf.is_infinite() {
        f64::INFINITY
    } else {
        -llf
    }
}

/// λ for one column's observed values: 1 for a constant column (scikit-learn's test on the
/// variance), else SciPy's `yeojohnson_normmax` with its default bounds.
fn fit_lambda(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = mean(x);
    let var = x.iter().map(|&v| (v - m) * (v - m)).sum::<f64>() / n;
    let eps = f64::EPSILON;
    if var <= n * eps * var + (n * m * eps).powi(2) || x.iter().all(|&v| v == 0.0) {
        return 1.0;
    }
    let log_jacobian: f64 = x.iter().map(|&v| v.signum() * v.abs().ln_1p()).sum();
    // Bounds that keep ψ(x; λ) and its variance finite for |x| up to 20 · max|x|.
    let max_abs = x.iter().fold(0.0f64, |a, &v| a.max(v.abs()));
    let log1p_max = (20.0 * max_abs).ln_1p();
    let log_eps = eps.ln();
    let log_tiny = (f64::MIN_POSITIVE.ln() - log_eps) / 2.0;
    let log_max = (f64::MAX.ln() + log_eps) / 2.0;
    let (mut lo, mut hi) = (log_tiny / log1p_max, log_max / log1p_max);
    if x.iter().all(|&v| v < 0.0) {
        (lo, hi) = (2.0 - hi, 2.0 - lo);
    } else if x.iter().any(|&v| v < 0.0) {
        (lo, hi) = ((2.0 - hi).max(lo), (2.0 - lo).min(hi));
    }
    minimize_bounded(
        |lambda| neg_log_likelihood(x, lambda, log_jacobian),
        lo,
        hi,
        1.48e-8,
        500,
    )
}
