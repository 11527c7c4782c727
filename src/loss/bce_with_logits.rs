//! Binary cross-entropy on logits, in the numerically stable form.

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use super::sample_weights::RowWeights;
use super::targets::check_dense;
use super::{Loss, OutputKind, Reduction, Targets};
use crate::model::sigmoid;
use crate::{Error, Float, Result};

/// `−[y log σ(x) + (1 − y) log(1 − σ(x))]` computed from logits `x` as
/// `max(x, 0) − x·y + log(1 + e^{−|x|})` (`nn.BCEWithLogitsLoss`), finite for any logit. An
/// optional `pos_weight` per output column weighs the positive term, for class imbalance.
///
/// ```
/// use tuneup::loss::{BceWithLogits, Loss};
/// let l = BceWithLogits::new()
///     .value(ndarray::array![[1000.0f64, -1000.0]].view(), (&ndarray::array![[1.0, 0.0]]).into())
///     .unwrap();
/// assert_eq!(l, 0.0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct BceWithLogits {
    reduction: Reduction,
    pos_weight: Option<Vec<f64>>,
}

impl BceWithLogits {
    /// Mean reduction, no positive weighting.
    pub fn new() -> Self {
        Self::default()
    }
    /// With the given reduction.
    pub fn with_reduction(mut self, reduction: Reduction) -> Self {
        self.reduction = reduction;
        self
    }
    /// Weighs the positive term of output column `j` by `pos_weight[j]` (finite, ≥ 0).
    ///
    /// ```
    /// use tuneup::loss::BceWithLogits;
    /// assert!(BceWithLogits::new().with_pos_weight(vec![-1.0]).is_err());
    /// ```
    pub fn with_pos_weight(mut self, pos_weight: Vec<f64>) -> Result<Self> {
        if let Some((j, w)) = pos_weight
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(Error::config(
                format!("BceWithLogits.pos_weight[{j}]"),
                w,
                "a finite weight ≥ 0",
            ));
        }
        self.pos_weight = Some(pos_weight);
        Ok(self)
    }
}

impl<F: Float> Loss<F> for BceWithLogits {
    fn name(&self) -> String {
        "BCEWithLogits loss".into()
    }

    fn output_kind(&self) -> OutputKind {
        OutputKind::Logits
    }

    /// Two class weights `[w₀, w₁]` (`w₀ > 0`) become `pos_weight = [w₁ / w₀]`: only their
    /// ratio matters for a single output column.
    fn with_class_weights(&self, weights: &[f64]) -> Result<Box<dyn Loss<F>>> {
        let &[w0, w1] = weights else {
            return Err(two_weights_expected(weights));
        };
        if w0 <= 0.0 {
            return Err(two_weights_expected(weights));
        }
        Ok(Box::new(self.clone().with_pos_weight(vec![w1 / w0])?))
    }
    super::sample_weights::forward_to_weighted!();
}

impl BceWithLogits {
    /// The loss with rows weighted by `weights` (all 1 when unweighted).
    fn weighted<F: Float>(
        &self,
        prediction: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        weights: RowWeights<'_, F>,
        grad: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F>
    where
        Self: Loss<F>,
    {
        let name = || Loss::<F>::name(self);
        let t = check_dense(&name, &prediction, target)?;
        if let Some(pw) = &self.pos_weight {
            if pw.len() != prediction.ncols() {
                return Err(Error::shape(
                    name(),
                    format!("one pos_weight per output column ({})", prediction.ncols()),
                    format!("{} weights", pw.len()),
                ));
            }
        }
        let scale = match self.reduction {
            Reduction::Mean if !prediction.is_empty() => {
                let count = if weights.is_weighted() {
                    weights.total(prediction.nrows()) * F::from_count(prediction.ncols())
                } else {
                    F::from_count(prediction.len())
                };
                F::one() / count
            }
            _ => F::one(),
        };
        let one = F::one();
        let zero = F::zero();
        let mut total = zero;
        let mut term = |x: F, y: F, pw: F, w: F| -> (F, F) {
            // log(1 + e^{-|x|}) + max(-x, 0) = −log σ(x)
            let log_sig_neg = (-x.abs()).exp().ln_1p() + (-x).max(zero);
            let l = (one - y) * x + (one + (pw - one) * y) * log_sig_neg;
            total += w * l;
            (l, sigmoid(x) * (pw * y + one - y) - pw * y)
        };
        let pw_of = |j: usize| self.pos_weight.as_ref().map_or(one, |p| F::cast(p[j]));
        match grad {
            Some(mut g) => {
                for (i, ((mut g_row, p_row), t_row)) in g
                    .rows_mut()
                    .into_iter()
                    .zip(prediction.rows())
                    .zip(t.rows())
                    .enumerate()
                {
                    let w = weights.at(i);
                    let row_scale = w * scale;
                    for j in 0..p_row.len() {
                        g_row[j] = term(p_row[j], t_row[j], pw_of(j), w).1 * row_scale;
                    }
                }
            }
            None => {
                for (i, (p_row, t_row)) in prediction.rows().into_iter().zip(t.rows()).enumerate() {
                    let w = weights.at(i);
                    Zip::indexed(&p_row).and(&t_row).for_each(|j, &p, &y| {
                        term(p, y, pw_of(j), w);
                    });
                }
            }
        }
        Ok(total * scale)
    }
}

/// The error of class weights that are not `[w₀ > 0, w₁]`.
fn two_weights_expected(weights: &[f64]) -> Error {
    Error::config(
        "Trainer.class_weights",
        format!("{weights:?}"),
        "two weights [w₀ > 0, w₁] for BceWithLogits",
    )
}
