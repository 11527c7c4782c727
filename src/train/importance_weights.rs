//! Importance weighting for covariate shift: a logistic domain classifier tells source rows
//! that look like the target from those that do not, and its odds become sample weights for
//! [`Trainer::fit_weighted`](super::Trainer::fit_weighted).
//!
//! It lives in `train` (not `data`) because it fits the crate's logistic regression, which
//! `explain` owns and `data` may not import.

use ndarray::{concatenate, Array1, ArrayView2, Axis};

use crate::explain::{FittedLogistic, LogisticRegression};
use crate::{Error, Float, Result};

/// Settings of importance weighting for covariate shift (Shimodaira 2000; the classifier
/// estimate of Bickel et al. 2007): a logistic regression (scikit-learn's
/// `LogisticRegression(C = c)`, L2-penalised, unpenalised intercept) is fitted to tell source
/// rows (label 0) from target rows (label 1), and each source row gets
///
/// `w(x) = p(target | x) / p(source | x) · n_source / n_target`,
///
/// the density ratio `p_target(x) / p_source(x)` (the factor undoes the classifier's prior,
/// so the weights average about 1 over the source rows), clipped to at most `max_weight`.
///
/// The cap is absolute, 10 by default: a source row never counts more than ten average rows,
/// which bounds the variance that a few rows deep in the target's region would otherwise
/// bring, while a modest shift (weights within 0.1–10) is left exactly as estimated. A
/// quantile cap would clip some rows even when there is no shift at all.
///
/// ```
/// use tuneup::train::ImportanceWeighting;
/// use ndarray::array;
/// let source = array![[0.0], [1.0], [2.0], [3.0]];
/// let target = array![[2.0], [3.0], [4.0]];
/// let fitted = ImportanceWeighting::new().fit(source.view(), target.view())?;
/// let w = fitted.weights(source.view())?;
/// assert!(w[3] > w[0]); // rows near the target count more
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImportanceWeighting {
    c: f64,
    max_weight: f64,
}

/// A fitted domain classifier and the weights it gives.
///
/// ```
/// use tuneup::train::ImportanceWeighting;
/// let x = ndarray::array![[0.0f64], [1.0], [2.0], [3.0]];
/// let fitted = ImportanceWeighting::new().fit(x.view(), x.view())?;
/// assert_eq!(fitted.classifier().coef.dim(), (1, 1));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FittedImportanceWeighting<F> {
    classifier: FittedLogistic<F>,
    /// `n_source / n_target`.
    prior_ratio: f64,
    max_weight: f64,
}

impl Default for ImportanceWeighting {
    fn default() -> Self {
        ImportanceWeighting {
            c: 1.0,
            max_weight: 10.0,
        }
    }
}

impl ImportanceWeighting {
    /// `C = 1` (scikit-learn's default) and weights clipped at 10.
    ///
    /// ```
    /// use tuneup::train::ImportanceWeighting;
    /// assert_eq!(ImportanceWeighting::new(), ImportanceWeighting::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The domain classifier's inverse penalty strength (finite, > 0).
    ///
    /// ```
    /// use tuneup::train::ImportanceWeighting;
    /// assert!(ImportanceWeighting::new().c(0.5).is_ok());
    /// assert!(ImportanceWeighting::new().c(-1.0).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] unless positive and finite.
    pub fn c(mut self, c: f64) -> Result<Self> {
        LogisticRegression::new()
            .c(c)
            .map_err(|_| Error::config("ImportanceWeighting.c", c, "a finite value > 0"))?;
        self.c = c;
        Ok(self)
    }

    /// The largest weight a row may get (finite, ≥ 1; `f64::INFINITY` is refused: use a
    /// large number to clip nothing in practice).
    ///
    /// ```
    /// use tuneup::train::ImportanceWeighting;
    /// assert!(ImportanceWeighting::new().max_weight(5.0).is_ok());
    /// assert!(ImportanceWeighting::new().max_weight(0.5).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] below 1, NaN or infinite.
    pub fn max_weight(mut self, max_weight: f64) -> Result<Self> {
        if !(max_weight.is_finite() && max_weight >= 1.0) {
            return Err(Error::config(
                "ImportanceWeighting.max_weight",
                max_weight,
                "a finite value ≥ 1",
            ));
        }
        self.max_weight = max_weight;
        Ok(self)
    }

    /// Fits the domain classifier on `source` (label 0) and `target` (label 1) features:
    /// same width, at least one row each, finite. Neither input is changed.
    ///
    /// Errors: widths that differ ([`Error::Shape`]), an empty set ([`Error::Value`]), NaN or
    /// ∞ ([`Error::NonFinite`], naming the row), and the classifier's own failures.
    ///
    /// ```
    /// use tuneup::train::ImportanceWeighting;
    /// use ndarray::array;
    /// let s = array![[0.0, 1.0], [1.0, 0.0]];
    /// assert!(ImportanceWeighting::new().fit(s.view(), array![[1.0]].view()).is_err());
    /// assert!(ImportanceWeighting::new().fit(s.view(), array![[f64::NAN, 0.0]].view()).is_err());
    /// ```
    pub fn fit<F: Float>(
        &self,
        source: ArrayView2<'_, F>,
        target: ArrayView2<'_, F>,
    ) -> Result<FittedImportanceWeighting<F>> {
        const CONTEXT: &str = "ImportanceWeighting::fit";
        check_domain(CONTEXT, "source", source)?;
        check_domain(CONTEXT, "target", target)?;
        if source.ncols() != target.ncols() {
            return Err(Error::shape(
                CONTEXT,
                format!("target rows with the source's {} columns", source.ncols()),
                format!("{} columns", target.ncols()),
            ));
        }
        let x = concatenate(Axis(0), &[source, target]).map_err(|e| Error::state(CONTEXT, e))?;
        let labels: Vec<usize> = (0..x.nrows())
            .map(|i| usize::from(i >= source.nrows()))
            .collect();
        let classifier = LogisticRegression::new()
            .c(self.c)?
            .fit(x.view(), &labels)
            .map_err(|e| e.within(CONTEXT))?;
        Ok(FittedImportanceWeighting {
            classifier,
            prior_ratio: source.nrows() as f64 / target.nrows() as f64,
            max_weight: self.max_weight,
        })
    }
}

/// At least one row, all finite.
fn check_domain<F: Float>(context: &str, what: &str, x: ArrayView2<'_, F>) -> Result<()> {
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::value(
            context,
            format!("{what} rows with at least one row and one column"),
            format!("{} × {}", x.nrows(), x.ncols()),
        ));
    }
    match x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some(((r, c), v)) => Err(Error::non_finite(
            context,
            format!("{what}[{r}, {c}] = {v}"),
        )),
    }
}

impl<F: Float> FittedImportanceWeighting<F> {
    /// The domain classifier's `p(target | x)` for each row of `x` (scikit-learn's
    /// `predict_proba(x)[:, 1]`).
    ///
    /// ```
    /// use tuneup::train::ImportanceWeighting;
    /// let (s, t) = (ndarray::array![[0.0], [1.0]], ndarray::array![[3.0], [4.0]]);
    /// let fitted = ImportanceWeighting::new().fit(s.view(), t.view())?;
    /// let p = fitted.target_probability(ndarray::array![[-5.0], [9.0]].view())?;
    /// assert!(p[0] < 0.5 && p[1] > 0.5);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// Another width than was fitted ([`Error::Shape`]); NaN or ∞ ([`Error::NonFinite`]).
    pub fn target_probability(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>> {
        let context = "FittedImportanceWeighting::target_probability";
        check_domain(context, "x", x)?;
        let proba = self
            .classifier
            .predict_proba(x)
            .map_err(|e| e.within(context))?;
        Ok(proba.column(1).to_owned())
    }

    /// The weight of each row of `x` (source rows, usually the training set):
    /// `min(exp(logit(x)) · n_source / n_target, max_weight)`, where `exp(logit)` is
    /// `p(target | x) / p(source | x)` computed without dividing two probabilities. Pass them
    /// to [`Trainer::fit_weighted`](super::Trainer::fit_weighted).
    ///
    /// ```
    /// use tuneup::train::ImportanceWeighting;
    /// let (s, t) = (ndarray::array![[0.0], [1.0]], ndarray::array![[30.0], [40.0]]);
    /// let fitted = ImportanceWeighting::new().max_weight(4.0)?.fit(s.view(), t.view())?;
    /// assert_eq!(fitted.weights(ndarray::array![[100.0]].view())?[0], 4.0); // clipped
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// Another width than was fitted ([`Error::Shape`]); NaN or ∞ ([`Error::NonFinite`]).
    pub fn weights(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>> {
        let context = "FittedImportanceWeighting::weights";
        check_domain(context, "x", x)?;
        if x.ncols() != self.classifier.coef.ncols() {
            return Err(Error::shape(
                context,
                format!("x with {} columns", self.classifier.coef.ncols()),
                format!("{} columns", x.ncols()),
            ));
        }
        let (coef, intercept) = (self.classifier.coef.row(0), self.classifier.intercept[0]);
        Ok(x.rows()
            .into_iter()
            .map(|row| {
                let logit = row.dot(&coef).as_f64() + intercept.as_f64();
                F::cast((logit.exp() * self.prior_ratio).min(self.max_weight))
            })
            .collect())
    }

    /// The fitted domain classifier (class 0: source, class 1: target).
    pub fn classifier(&self) -> &FittedLogistic<F> {
        &self.classifier
    }
}
