//! Exact interventional Shapley values against a background set (shap's `Exact` explainer
//! with an `Independent` masker).

use ndarray::{Array1, Array2, ArrayView2};

use super::masking::Masker;
use super::target::outputs;
use super::{check, FeatureGroups, Target};
use crate::model::Layer;
use crate::{Error, Float, Result};

/// The most features (or groups) [`ExactShap`] enumerates: 2^16 coalitions per row.
pub const MAX_EXACT_FEATURES: usize = 16;

/// Shapley values of the value function `v(S) = mean_b f(x_S, b_{¬S})` over the rows `b` of a
/// background set: every one of the 2^M coalitions is evaluated, a large batch per forward
/// pass, so the values are exact (`Σφ = f(x) − E[f(background)]` to rounding).
///
/// ```
/// use tuneup::explain::{ExactShap, Target};
/// use tuneup::prelude::*;
/// // For a linear model φⱼ = wⱼ (xⱼ − mean(bⱼ)).
/// let mut net = Sequential::<f64>::new()
///     .push(Linear::from_weights(ndarray::array![[2.0, -1.0]], Some(ndarray::array![0.5]))?);
/// let background = ndarray::array![[0.0, 0.0], [2.0, 4.0]];
/// let shap = ExactShap::new(background)?;
/// let v = shap.explain(&mut net, ndarray::array![[3.0, 1.0]].view(), &Target::Only)?;
/// assert!((v.values[[0, 0]] - 4.0).abs() < 1e-12 && (v.values[[0, 1]] - 1.0).abs() < 1e-12);
/// assert!((v.base_values[0] - (0.5 + 2.0 - 2.0)).abs() < 1e-12);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ExactShap<F> {
    background: Array2<F>,
    groups: Option<FeatureGroups>,
    batch_rows: usize,
}

/// Shapley values and the base value of each explained row.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapValues<F> {
    /// One value per feature (or group) of each explained row.
    pub values: Array2<F>,
    /// `E[f(background)]` of the row's target output.
    pub base_values: Array1<F>,
}

impl<F: Float> ExactShap<F> {
    /// An explainer over `background` (shap's masker data; shap subsamples more than 100 rows,
    /// this uses every row given).
    ///
    /// # Errors
    /// [`Error::Value`] for a background of zero rows or columns; [`Error::NonFinite`] for a
    /// NaN or infinity in it.
    pub fn new(background: Array2<F>) -> Result<Self> {
        check::non_empty("ExactShap", "a background", background.view())?;
        check::finite("ExactShap", "background", background.view())?;
        if background.ncols() == 0 {
            return Err(Error::value(
                "ExactShap",
                "a background with features",
                "0 columns",
            ));
        }
        Ok(ExactShap {
            background,
            groups: None,
            batch_rows: 1 << 13,
        })
    }

    /// One Shapley value per group of columns instead of per column.
    ///
    /// ```
    /// use tuneup::explain::{ExactShap, FeatureGroups};
    /// let shap = ExactShap::new(ndarray::Array2::<f64>::zeros((2, 3)))?;
    /// let grouped = shap.groups(FeatureGroups::new(vec![vec![0, 2], vec![1]], 3)?)?;
    /// assert_ne!(grouped, ExactShap::new(ndarray::Array2::zeros((2, 3)))?);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Shape`] when the groups cover another number of columns than the background.
    pub fn groups(mut self, groups: FeatureGroups) -> Result<Self> {
        if groups.width() != self.background.ncols() {
            return Err(Error::shape(
                "ExactShap::groups",
                format!("groups over {} columns", self.background.ncols()),
                format!("{} columns", groups.width()),
            ));
        }
        self.groups = Some(groups);
        Ok(self)
    }

    /// At most about this many rows per forward pass (8 192 by default, so a batch stays in
    /// cache; always at least one coalition's worth of background rows).
    ///
    /// ```
    /// let shap = tuneup::explain::ExactShap::new(ndarray::Array2::<f32>::zeros((4, 2)))?;
    /// assert!(shap.clone().batch_rows(0).is_err());
    /// assert!(shap.batch_rows(1024).is_ok());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] for 0.
    pub fn batch_rows(mut self, rows: usize) -> Result<Self> {
        if rows == 0 {
            return Err(Error::config("ExactShap.batch_rows", 0, "at least 1"));
        }
        self.batch_rows = rows;
        Ok(self)
    }

    /// Shapley values of `target` for every row of `x`.
    ///
    /// # Errors
    /// An empty or non-finite `x`, a width other than the background's, more than
    /// [`MAX_EXACT_FEATURES`] features or groups (group correlated columns, or use
    /// [`KernelShap`](super::KernelShap)), a target out of range, and the model's errors.
    pub fn explain(
        &self,
        model: &mut dyn Layer<F>,
        x: ArrayView2<'_, F>,
        target: &Target,
    ) -> Result<ShapValues<F>> {
        check::rows("ExactShap", x)?;
        check::width("ExactShap", "x", x, self.background.ncols())?;
        let groups = match &self.groups {
            Some(g) => g.clone(),
            None => FeatureGroups::singletons(x.ncols()),
        };
        let m = groups.len();
        if m > MAX_EXACT_FEATURES {
            return Err(Error::value(
                "ExactShap",
                format!(
                    "at most {MAX_EXACT_FEATURES} features or groups (2^M coalitions); group \
                     correlated columns with ExactShap::groups, or use KernelShap (sampled coalitions)"
                ),
                format!("{m}"),
            ));
        }
        let background_out = outputs(model, self.background.view())?;
        let columns = target.columns(x.nrows(), background_out.ncols())?;
        let mut values = Array2::zeros((x.nrows(), m));
        let mut base_values = Array1::zeros(x.nrows());
        let masker = Masker {
            background: self.background.view(),
            groups: &groups,
            batch_rows: self.batch_rows,
        };
        let holds = |set: usize, g: usize| set >> g & 1 == 1;
        for (r, &column) in columns.iter().enumerate() {
            let v = masker.values(model, x.row(r), column, 1 << m, &holds)?;
            base_values[r] = v[0];
            values.row_mut(r).assign(&shapley_from_values(&v, m));
        }
        Ok(ShapValues {
            values,
            base_values,
        })
    }
}

/// `φᵢ = Σ_{S ∌ i} |S|!(M − |S| − 1)!/M! · (v(S ∪ {i}) − v(S))`.
fn shapley_from_values<F: Float>(v: &[F], m: usize) -> Array1<F> {
    let weights: Vec<F> = (0..m)
        .map(|size| F::cast(1.0 / (m as f64 * binomial(m - 1, size))))
        .collect();
    let mut phi = Array1::zeros(m);
    for (i, p) in phi.iter_mut().enumerate() {
        let bit = 1usize << i;
        let mut sum = F::zero();
        for (set, &value) in v.iter().enumerate() {
            if set & bit == 0 {
                sum += weights[set.count_ones() as usize] * (v[set | bit] - value);
            }
        }
        *p = sum;
    }
    phi
}

/// `C(n, k)` as an `f64` (exact for the sizes enumerated here).
fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |c, i| c * (n - i) as f64 / (i + 1) as f64)
}
