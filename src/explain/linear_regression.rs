//! Linear regression: ordinary least squares and ridge (scikit-learn's `LinearRegression`
//! and `Ridge`).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

use super::{check, solve};
use crate::{Error, Float, Result};

/// Settings of a linear model `ŷ = x·w + b` fitted by least squares, with an optional L2
/// penalty `α‖w‖²` (ridge; the intercept is not penalised).
///
/// OLS is scikit-learn's `LinearRegression` (minimum-norm solution through an SVD, singular
/// values below `max(n, p)·ε·σ_max` dropped); ridge is `Ridge(alpha)` with the Cholesky solver.
/// Both centre the data first when fitting an intercept.
///
/// ```
/// use tuneup::explain::LinearRegression;
/// let x = ndarray::array![[0.0f64, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]];
/// let y = x.column(0).mapv(|v| 2.0 * v) + &x.column(1).mapv(|v| -1.0 * v) + 0.5;
/// let fit = LinearRegression::new().fit(x.view(), y.view())?;
/// assert!((fit.coef[0] - 2.0).abs() < 1e-12 && (fit.coef[1] + 1.0).abs() < 1e-12);
/// assert!((fit.intercept - 0.5).abs() < 1e-12);
/// let ridge = LinearRegression::new().ridge(10.0)?.fit(x.view(), y.view())?;
/// assert!(ridge.coef[0].abs() < fit.coef[0].abs()); // shrunk
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearRegression {
    alpha: f64,
    fit_intercept: bool,
}

/// A fitted linear model.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedLinear<F> {
    /// One weight per feature.
    pub coef: Array1<F>,
    /// The constant term (0 without an intercept).
    pub intercept: F,
}

impl Default for LinearRegression {
    fn default() -> Self {
        LinearRegression {
            alpha: 0.0,
            fit_intercept: true,
        }
    }
}

impl LinearRegression {
    /// Ordinary least squares with an intercept.
    ///
    /// ```
    /// assert_eq!(tuneup::explain::LinearRegression::new(), Default::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Ridge regression with penalty `alpha` (scikit-learn's default is 1).
    ///
    /// ```
    /// assert!(tuneup::explain::LinearRegression::new().ridge(-1.0).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for a negative or non-finite `alpha`.
    pub fn ridge(mut self, alpha: f64) -> Result<Self> {
        if !(alpha.is_finite() && alpha >= 0.0) {
            return Err(Error::config(
                "LinearRegression.alpha",
                alpha,
                "a finite value ≥ 0",
            ));
        }
        self.alpha = alpha;
        Ok(self)
    }

    /// Whether to fit the constant term (yes by default).
    ///
    /// ```
    /// let x = ndarray::array![[1.0f64], [2.0]];
    /// let fit = tuneup::explain::LinearRegression::new().fit_intercept(false)
    ///     .fit(x.view(), ndarray::array![3.0, 6.0].view())?;
    /// assert_eq!(fit.intercept, 0.0);
    /// assert!((fit.coef[0] - 3.0).abs() < 1e-12);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit_intercept(mut self, fit: bool) -> Self {
        self.fit_intercept = fit;
        self
    }

    /// Fits `y ≈ x·w + b`.
    ///
    /// # Errors
    /// An empty or non-finite `x` or `y`, `y` of another length than `x` has rows, and (ridge
    /// with `alpha = 0` on a singular system) a value error from the solve.
    pub fn fit<F: Float>(
        &self,
        x: ArrayView2<'_, F>,
        y: ArrayView1<'_, F>,
    ) -> Result<FittedLinear<F>> {
        let Centred {
            x,
            y,
            x_mean,
            y_mean,
        } = centred("LinearRegression", x, y, self.fit_intercept)?;
        let coef = if self.alpha == 0.0 {
            let rcond = x.nrows().max(x.ncols()) as f64 * f64::EPSILON;
            solve::lstsq("LinearRegression", &x, &y, rcond)?
        } else {
            let mut gram = x.t().dot(&x);
            gram.diag_mut().mapv_inplace(|v| v + self.alpha);
            solve::cholesky_solve("Ridge", &gram, &x.t().dot(&y))?
        };
        let intercept = y_mean - x_mean.dot(&coef);
        Ok(FittedLinear {
            coef: coef.mapv(F::cast),
            intercept: F::cast(intercept),
        })
    }
}

impl<F: Float> FittedLinear<F> {
    /// `x·w + b` for every row.
    ///
    /// ```
    /// let fit = tuneup::explain::FittedLinear { coef: ndarray::array![1.0, 2.0], intercept: 0.5 };
    /// assert_eq!(fit.predict(ndarray::array![[1.0, 1.0]].view())?, ndarray::array![3.5]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Shape`] for another number of columns than coefficients.
    pub fn predict(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>> {
        check::width("FittedLinear::predict", "x", x, self.coef.len())?;
        Ok(x.dot(&self.coef) + self.intercept)
    }
}

/// Data in `f64`, centred when fitting an intercept, and the means taken off.
pub(crate) struct Centred {
    pub(crate) x: Array2<f64>,
    pub(crate) y: Array1<f64>,
    pub(crate) x_mean: Array1<f64>,
    pub(crate) y_mean: f64,
}

/// `x` and `y` in `f64`, centred when fitting an intercept.
pub(crate) fn centred<F: Float>(
    context: &str,
    x: ArrayView2<'_, F>,
    y: ArrayView1<'_, F>,
    intercept: bool,
) -> Result<Centred> {
    check::rows(context, x)?;
    if y.len() != x.nrows() {
        return Err(Error::shape(
            context,
            format!("{} targets (one per row)", x.nrows()),
            y.len(),
        ));
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(Error::non_finite(context, format!("y[{i}] = {}", y[i])));
    }
    let mut x = x.mapv(|v| v.as_f64());
    let mut y = y.mapv(|v| v.as_f64());
    if !intercept {
        let x_mean = Array1::zeros(x.ncols());
        return Ok(Centred {
            x,
            y,
            x_mean,
            y_mean: 0.0,
        });
    }
    let x_mean = x.mean_axis(Axis(0)).unwrap_or_default();
    let y_mean = y.mean().unwrap_or(0.0);
    x -= &x_mean;
    y -= y_mean;
    Ok(Centred {
        x,
        y,
        x_mean,
        y_mean,
    })
}
