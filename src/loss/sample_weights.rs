//! Per-sample weights for losses: validation, the per-row weight lookup the built-in losses
//! share, and the generic per-row evaluation behind [`Loss::compute_weighted`]'s default.
//!
//! Semantics (scikit-learn's `sample_weight`): with [`Reduction::Mean`] a weighted loss is the
//! weighted mean `Σ wᵢ lᵢ / Σ wᵢ` of the per-sample losses `lᵢ`; with [`Reduction::Sum`] it is
//! `Σ wᵢ lᵢ`. Where a loss also has class weights, the two multiply (the effective weight of
//! row `i` is `wᵢ · c_{yᵢ}`, as scikit-learn does) and the mean divides by `Σ wᵢ c_{yᵢ}`, which
//! is PyTorch's class-weighted mean when every `wᵢ = 1`.

use ndarray::{s, ArrayView1, ArrayView2, ArrayViewMut2};

use super::{Loss, Targets};
use crate::{Error, Float, Result};

/// Checks sample weights for a batch of `rows` samples and returns their sum: one weight per
/// row, each finite and ≥ 0, not all zero.
///
/// Errors: a wrong length ([`Error::Shape`]), a NaN or ∞ weight ([`Error::NonFinite`]), a
/// negative weight or weights summing to zero ([`Error::Value`]); `context` names the caller.
///
/// ```
/// use tuneup::loss::check_sample_weights;
/// use ndarray::array;
/// assert_eq!(check_sample_weights("fit", array![1.0f64, 2.0].view(), 2)?, 3.0);
/// assert!(matches!(check_sample_weights("fit", array![1.0f64].view(), 2), Err(tuneup::Error::Shape { .. })));
/// assert!(matches!(check_sample_weights("fit", array![1.0f64, -1.0].view(), 2), Err(tuneup::Error::Value { .. })));
/// assert!(matches!(check_sample_weights("fit", array![0.0f64, f64::NAN].view(), 2), Err(tuneup::Error::NonFinite { .. })));
/// assert!(matches!(check_sample_weights("fit", array![0.0f64, 0.0].view(), 2), Err(tuneup::Error::Value { .. })));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn check_sample_weights<F: Float>(
    context: impl std::fmt::Display,
    weights: ArrayView1<'_, F>,
    rows: usize,
) -> Result<F> {
    if weights.len() != rows {
        return Err(Error::shape(
            context,
            format!("{rows} sample weights, one per row"),
            format!("{} weights", weights.len()),
        ));
    }
    let mut sum = F::zero();
    for (i, &w) in weights.iter().enumerate() {
        if !w.is_finite() {
            return Err(Error::non_finite(
                context,
                format!("sample_weight[{i}] = {w}"),
            ));
        }
        if w < F::zero() {
            return Err(Error::value(
                context,
                "sample weights ≥ 0",
                format!("sample_weight[{i}] = {w}"),
            ));
        }
        sum += w;
    }
    if !(sum > F::zero() && sum.is_finite()) {
        return Err(Error::value(
            context,
            "sample weights with a positive, finite sum",
            format!("a sum of {sum}"),
        ));
    }
    Ok(sum)
}

/// The weight of each row: `1` for every row when unweighted. Multiplying by exactly `1` keeps
/// the unweighted results bit-identical to the losses' original code.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowWeights<'a, F> {
    weights: Option<ArrayView1<'a, F>>,
}

impl<'a, F: Float> RowWeights<'a, F> {
    /// Every row weighs 1.
    pub(crate) fn unweighted() -> Self {
        RowWeights { weights: None }
    }

    /// Checked weights for `rows` rows (see [`check_sample_weights`]).
    pub(crate) fn checked(
        context: impl std::fmt::Display,
        weights: ArrayView1<'a, F>,
        rows: usize,
    ) -> Result<Self> {
        check_sample_weights(context, weights, rows)?;
        Ok(RowWeights {
            weights: Some(weights),
        })
    }

    /// The weight of row `i` (1 when unweighted or out of range).
    pub(crate) fn at(&self, i: usize) -> F {
        self.weights
            .as_ref()
            .and_then(|w| w.get(i).copied())
            .unwrap_or_else(F::one)
    }

    /// `Σ wᵢ` over `rows` rows (`rows` itself when unweighted).
    pub(crate) fn total(&self, rows: usize) -> F {
        match &self.weights {
            Some(w) => w.sum(),
            None => F::from_count(rows),
        }
    }

    /// Whether weights were given.
    pub(crate) fn is_weighted(&self) -> bool {
        self.weights.is_some()
    }
}

/// Rows `i..i + 1` of a target.
fn target_row<'t, F: Float>(target: &Targets<'t, F>, i: usize) -> Targets<'t, F> {
    match target {
        Targets::Dense(t) => Targets::Dense(t.slice_move(s![i..i + 1, ..])),
        Targets::Classes(c) => Targets::Classes(c.get(i..i + 1).unwrap_or(&[])),
    }
}

/// The default of [`Loss::compute_weighted`]: each row is evaluated alone (a one-row batch, so
/// its value is that sample's loss), and the batch value is `Σ wᵢ lᵢ / Σ wᵢ` with the gradient
/// rows scaled by `wᵢ / Σ wᵢ`. Exact for any loss whose batch value is the mean of its rows'
/// values; no allocation beyond what the loss's own `compute` does.
pub(crate) fn weighted_by_rows<F: Float, L: Loss<F> + ?Sized>(
    loss: &L,
    prediction: ArrayView2<'_, F>,
    target: Targets<'_, F>,
    weights: ArrayView1<'_, F>,
    mut grad: Option<ArrayViewMut2<'_, F>>,
) -> Result<F> {
    let n = prediction.nrows();
    let total_w = check_sample_weights(loss.name(), weights, n)?;
    if target.rows() != n {
        return Err(Error::shape(
            loss.name(),
            format!("{n} targets, one per prediction row"),
            format!("{} targets", target.rows()),
        ));
    }
    if let Some(g) = &grad {
        if g.dim() != prediction.dim() {
            return Err(Error::shape(
                loss.name(),
                format!(
                    "a gradient buffer of shape {} × {}",
                    prediction.nrows(),
                    prediction.ncols()
                ),
                format!("{} × {}", g.nrows(), g.ncols()),
            ));
        }
    }
    let mut total = F::zero();
    for (i, &w) in weights.iter().enumerate() {
        let p = prediction.slice(s![i..i + 1, ..]);
        let t = target_row(&target, i);
        let l = match grad.as_mut() {
            Some(g) => {
                let mut g_row = g.slice_mut(s![i..i + 1, ..]);
                let l = loss.compute(p, t, Some(g_row.view_mut()))?;
                let scale = w / total_w;
                g_row.mapv_inplace(|v| v * scale);
                l
            }
            None => loss.compute(p, t, None)?,
        };
        total += w * l;
    }
    Ok(total / total_w)
}

/// The two [`Loss`](super::Loss) entry points of a built-in loss, both forwarded to its
/// inherent `weighted(prediction, target, RowWeights, grad)`: `compute` with every row weighing
/// 1, `compute_weighted` with the caller's weights once checked.
macro_rules! forward_to_weighted {
    () => {
        fn compute(
            &self,
            prediction: ::ndarray::ArrayView2<'_, F>,
            target: $crate::loss::Targets<'_, F>,
            grad: Option<::ndarray::ArrayViewMut2<'_, F>>,
        ) -> $crate::Result<F> {
            let weights = $crate::loss::sample_weights::RowWeights::unweighted();
            self.weighted(prediction, target, weights, grad)
        }

        fn compute_weighted(
            &self,
            prediction: ::ndarray::ArrayView2<'_, F>,
            target: $crate::loss::Targets<'_, F>,
            weights: ::ndarray::ArrayView1<'_, F>,
            grad: Option<::ndarray::ArrayViewMut2<'_, F>>,
        ) -> $crate::Result<F> {
            let name = $crate::loss::Loss::<F>::name(self);
            let weights = $crate::loss::sample_weights::RowWeights::checked(
                name,
                weights,
                prediction.nrows(),
            )?;
            self.weighted(prediction, target, weights, grad)
        }
    };
}
pub(crate) use forward_to_weighted;
