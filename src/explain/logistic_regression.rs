//! L2-penalised logistic regression, binary and multinomial (scikit-learn's
//! `LogisticRegression` with its defaults `C = 1`, an unpenalised intercept).

use ndarray::{s, Array1, Array2, ArrayView2, Axis};

use super::{check, solve};
use crate::{Error, Float, Result};

/// Settings of a logistic regression minimising `C·Σᵢ log-loss(yᵢ, softmax(Wxᵢ + b)) + ½‖W‖²`
/// (scikit-learn's objective): one weight row for two classes (a sigmoid of class 1 against
/// class 0), one per class for more (multinomial, intercepts summing to 0). Solved by damped
/// Newton steps with Cholesky solves to a gradient of about 1e-10.
///
/// ```
/// use tuneup::explain::LogisticRegression;
/// let x = ndarray::array![[0.0], [1.0], [2.0], [3.0], [1.5], [2.5]];
/// let y = [0usize, 0, 1, 1, 0, 1];
/// let fit = LogisticRegression::new().fit(x.view(), &y)?;
/// assert_eq!(fit.coef.dim(), (1, 1));
/// assert!(fit.coef[[0, 0]] > 0.0);
/// assert_eq!(fit.predict(ndarray::array![[0.0], [3.0]].view())?, [0, 1]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogisticRegression {
    c: f64,
    fit_intercept: bool,
    max_iter: usize,
}

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedLogistic<F> {
    /// The class labels, sorted; column `k` of the probabilities is `classes[k]`.
    pub classes: Vec<usize>,
    /// `1 × features` for two classes, `classes × features` for more.
    pub coef: Array2<F>,
    /// One intercept per row of `coef`.
    pub intercept: Array1<F>,
    /// Newton steps taken.
    pub n_iter: usize,
}

impl Default for LogisticRegression {
    fn default() -> Self {
        LogisticRegression {
            c: 1.0,
            fit_intercept: true,
            max_iter: 100,
        }
    }
}

impl LogisticRegression {
    /// scikit-learn's defaults: `C = 1`, with an intercept.
    ///
    /// ```
    /// assert_eq!(tuneup::explain::LogisticRegression::new(), Default::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The inverse penalty strength (larger: weaker penalty).
    ///
    /// ```
    /// assert!(tuneup::explain::LogisticRegression::new().c(0.0).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] unless positive and finite.
    pub fn c(mut self, c: f64) -> Result<Self> {
        if !(c.is_finite() && c > 0.0) {
            return Err(Error::config(
                "LogisticRegression.C",
                c,
                "a finite value > 0",
            ));
        }
        self.c = c;
        Ok(self)
    }

    /// Whether to fit intercepts (yes by default).
    ///
    /// ```
    /// let x = ndarray::array![[-1.0], [1.0], [-2.0], [0.5]];
    /// let fit = tuneup::explain::LogisticRegression::new().fit_intercept(false).fit(x.view(), &[0, 1, 0, 1])?;
    /// assert_eq!(fit.intercept[0], 0.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit_intercept(mut self, fit: bool) -> Self {
        self.fit_intercept = fit;
        self
    }

    /// Fits the model to class labels `y`.
    ///
    /// # Errors
    /// An empty or non-finite `x`, a label count other than the row count, fewer than two
    /// classes, and [`Error::State`] when Newton's method has not converged in 100 steps.
    pub fn fit<F: Float>(&self, x: ArrayView2<'_, F>, y: &[usize]) -> Result<FittedLogistic<F>> {
        let context = "LogisticRegression";
        check::rows(context, x)?;
        if y.len() != x.nrows() {
            return Err(Error::shape(
                context,
                format!("{} labels (one per row)", x.nrows()),
                y.len(),
            ));
        }
        let mut classes = y.to_vec();
        classes.sort_unstable();
        classes.dedup();
        if classes.len() < 2 {
            return Err(Error::value(
                context,
                "at least two classes",
                format!("{classes:?}"),
            ));
        }
        let design = self.design(x);
        let index: Vec<usize> = y
            .iter()
            .map(|l| classes.binary_search(l).unwrap_or(0))
            .collect();
        let rows = if classes.len() == 2 { 1 } else { classes.len() };
        let problem = Problem {
            x: &design,
            y: &index,
            rows,
            c: self.c,
            features: x.ncols(),
        };
        let (theta, n_iter) = self.newton(&problem)?;
        let mut theta = theta
            .into_shape_with_order((rows, design.ncols()))
            .map_err(|e| Error::state(context, e))?;
        if self.fit_intercept && rows > 1 {
            let mean = theta.column(x.ncols()).mean().unwrap_or(0.0);
            theta.column_mut(x.ncols()).mapv_inplace(|b| b - mean);
        }
        let intercept = if self.fit_intercept {
            theta.column(x.ncols()).to_owned()
        } else {
            Array1::zeros(rows)
        };
        Ok(FittedLogistic {
            classes,
            coef: theta.slice(s![.., ..x.ncols()]).mapv(F::cast),
            intercept: intercept.mapv(F::cast),
            n_iter,
        })
    }

    /// `x` in `f64` with a column of ones for the intercept.
    fn design<F: Float>(&self, x: ArrayView2<'_, F>) -> Array2<f64> {
        let extra = usize::from(self.fit_intercept);
        let mut d = Array2::ones((x.nrows(), x.ncols() + extra));
        d.slice_mut(s![.., ..x.ncols()])
            .assign(&x.mapv(|v| v.as_f64()));
        d
    }

    /// Damped Newton iterations from zero.
    fn newton(&self, p: &Problem<'_>) -> Result<(Array1<f64>, usize)> {
        let mut theta = Array1::zeros(p.rows * p.x.ncols());
        let (mut value, mut grad, mut hess) = p.evaluate(&theta);
        let largest = |g: &Array1<f64>| g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let tol = 1e-10 * largest(&grad).max(1.0);
        for iter in 0..self.max_iter {
            if largest(&grad) <= tol {
                return Ok((theta, iter));
            }
            for (i, h) in hess.diag_mut().iter_mut().enumerate() {
                *h += 1e-12
                    * (1.0 + p.c * p.x.nrows() as f64)
                    * f64::from(u8::from(p.is_intercept(i)));
            }
            let step = solve::cholesky_solve("LogisticRegression", &hess, &grad)?;
            // The Newton decrement: near the optimum the objective's change is rounding, so
            // the full step is taken there without a line search.
            let decrement = grad.dot(&step);
            let mut t = 1.0;
            loop {
                let candidate = &theta - &(&step * t);
                let next = p.evaluate(&candidate);
                let rounding = decrement <= 1e-12 * (1.0 + value.abs());
                if rounding || next.0 <= value - 1e-4 * t * decrement || t < 1e-10 {
                    theta = candidate;
                    (value, grad, hess) = next;
                    break;
                }
                t *= 0.5;
            }
        }
        Err(Error::state(
            "LogisticRegression",
            format!(
                "Newton's method did not converge in {} steps",
                self.max_iter
            ),
        ))
    }
}

/// The data of one fit: design matrix, class indices, weight rows and `C`.
struct Problem<'p> {
    x: &'p Array2<f64>,
    y: &'p [usize],
    rows: usize,
    c: f64,
    features: usize,
}

impl Problem<'_> {
    fn is_intercept(&self, i: usize) -> bool {
        i % self.x.ncols() >= self.features
    }

    /// The objective, its gradient and Hessian at `theta` (rows of `x.ncols()` values).
    fn evaluate(&self, theta: &Array1<f64>) -> (f64, Array1<f64>, Array2<f64>) {
        let width = self.x.ncols();
        let n_par = theta.len();
        let mut value = 0.0;
        let mut grad = Array1::zeros(n_par);
        let mut hess = Array2::zeros((n_par, n_par));
        let w = Array2::from_shape_fn((self.rows, width), |(k, j)| theta[k * width + j]);
        for (i, xi) in self.x.rows().into_iter().enumerate() {
            let (loss, residual, curvature) = self.sample(w.dot(&xi), self.y[i]);
            value += self.c * loss;
            let outer = xi
                .view()
                .insert_axis(Axis(1))
                .dot(&xi.view().insert_axis(Axis(0)));
            for k in 0..self.rows {
                let block = s![k * width..(k + 1) * width];
                grad.slice_mut(block).scaled_add(self.c * residual[k], &xi);
                for l in 0..self.rows {
                    let columns = s![k * width..(k + 1) * width, l * width..(l + 1) * width];
                    hess.slice_mut(columns)
                        .scaled_add(self.c * curvature[[k, l]], &outer);
                }
            }
        }
        for i in (0..n_par).filter(|&i| !self.is_intercept(i)) {
            value += 0.5 * theta[i] * theta[i];
            grad[i] += theta[i];
            hess[[i, i]] += 1.0;
        }
        (value, grad, hess)
    }

    /// Loss, `∂loss/∂z` and `∂²loss/∂z²` of one sample with scores `z`.
    fn sample(&self, z: Array1<f64>, label: usize) -> (f64, Array1<f64>, Array2<f64>) {
        if self.rows == 1 {
            let p = crate::model::sigmoid(z[0]);
            let target = if label == 1 { 1.0 } else { 0.0 };
            let loss = z[0].max(0.0) + (-z[0].abs()).exp().ln_1p() - target * z[0];
            return (
                loss,
                Array1::from_elem(1, p - target),
                Array2::from_elem((1, 1), p * (1.0 - p)),
            );
        }
        let max = z.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let sum: f64 = z.iter().map(|v| (v - max).exp()).sum();
        let p = z.mapv(|v| (v - max).exp() / sum);
        let loss = max + sum.ln() - z[label];
        let mut residual = p.clone();
        residual[label] -= 1.0;
        let mut curvature = Array2::from_diag(&p);
        curvature -= &p
            .view()
            .insert_axis(Axis(1))
            .dot(&p.view().insert_axis(Axis(0)));
        (loss, residual, curvature)
    }
}

impl<F: Float> FittedLogistic<F> {
    /// The probability of each class (columns in the order of `classes`).
    ///
    /// ```
    /// let x = ndarray::array![[0.0f64], [1.0], [2.0], [3.0]];
    /// let fit = tuneup::explain::LogisticRegression::new().fit(x.view(), &[4, 4, 9, 9])?;
    /// let p = fit.predict_proba(x.view())?;
    /// assert!(p.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-12));
    /// assert_eq!(fit.classes, [4, 9]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Shape`] for another number of columns than were fitted.
    pub fn predict_proba(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        check::width("FittedLogistic::predict_proba", "x", x, self.coef.ncols())?;
        let scores = x.dot(&self.coef.t()) + &self.intercept;
        let mut proba = Array2::zeros((x.nrows(), self.classes.len()));
        for (mut out, z) in proba.rows_mut().into_iter().zip(scores.rows()) {
            if self.coef.nrows() == 1 {
                let p = crate::model::sigmoid(z[0]);
                out[0] = F::one() - p;
                out[1] = p;
            } else {
                let max = z.fold(F::neg_infinity(), |m, &v| m.max(v));
                out.assign(&z.mapv(|v| (v - max).exp()));
                let sum = out.sum();
                out.mapv_inplace(|v| v / sum);
            }
        }
        Ok(proba)
    }

    /// The most probable class of each row.
    ///
    /// ```
    /// let x = ndarray::array![[0.0], [3.0], [6.0], [0.5], [3.5], [6.5]];
    /// let fit = tuneup::explain::LogisticRegression::new().c(100.0)?.fit(x.view(), &[0, 1, 2, 0, 1, 2])?;
    /// assert_eq!(fit.predict(x.view())?, [0, 1, 2, 0, 1, 2]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Shape`] for another number of columns than were fitted.
    pub fn predict(&self, x: ArrayView2<'_, F>) -> Result<Vec<usize>> {
        let proba = self.predict_proba(x)?;
        Ok(proba
            .rows()
            .into_iter()
            .map(|r| {
                let best = r
                    .iter()
                    .enumerate()
                    .fold(0, |b, (k, &v)| if v > r[b] { k } else { b });
                self.classes[best]
            })
            .collect())
    }
}
