//! scikit-learn's log-loss value for the estimators: probabilities clipped to `[ε, 1 − ε]`
//! before the logarithm, so that one confidently wrong sample adds at most `−ln ε ≈ 36`. The
//! gradient is the unclipped one (`p − y`), as scikit-learn back-propagates. The value drives
//! the convergence rule, so on unscaled data (large logits) the clipping changes when training
//! stops.

use ndarray::{ArrayView2, ArrayViewMut2};

use crate::loss::{BceWithLogits, CrossEntropy, Loss, OutputKind, Targets};
use crate::{Float, Result};

/// Log-loss with scikit-learn's clipped value over logits: softmax for several classes,
/// a logistic output for two (one column).
#[derive(Debug, Clone)]
pub(crate) struct ClippedLogLoss {
    binary: bool,
}

impl ClippedLogLoss {
    /// For a one-column logistic output (`binary`) or a softmax over the columns.
    pub(crate) fn new(binary: bool) -> Self {
        ClippedLogLoss { binary }
    }
}

/// The target of row `r`: a class index, or the 0/1 value of a one-column target.
fn target_of<F: Float>(target: Targets<'_, F>, r: usize) -> usize {
    match target {
        Targets::Classes(c) => c[r],
        Targets::Dense(d) => usize::from(d[[r, 0]] > F::cast(0.5)),
    }
}

/// `−ln clip(p, ε, 1 − ε)`.
fn clipped_neg_log(p: f64) -> f64 {
    let eps = f64::EPSILON;
    -p.clamp(eps, 1.0 - eps).ln()
}

impl<F: Float> Loss<F> for ClippedLogLoss {
    fn name(&self) -> String {
        "log-loss (scikit-learn's clipped value)".to_string()
    }

    fn compute(
        &self,
        prediction: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        grad: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F> {
        // The exact loss checks the inputs and writes the gradient.
        if self.binary {
            BceWithLogits::new().compute(prediction, target, grad)?;
        } else {
            CrossEntropy::new().compute(prediction, target, grad)?;
        }
        let n = prediction.nrows().max(1) as f64;
        let mut total = 0.0;
        for (r, row) in prediction.rows().into_iter().enumerate() {
            let y = target_of(target, r);
            total += if self.binary {
                let p = 1.0 / (1.0 + (-row[0].as_f64()).exp());
                clipped_neg_log(if y == 1 { p } else { 1.0 - p })
            } else {
                let max = row.iter().fold(f64::NEG_INFINITY, |m, v| m.max(v.as_f64()));
                let sum: f64 = row.iter().map(|v| (v.as_f64() - max).exp()).sum();
                clipped_neg_log((row[y].as_f64() - max).exp() / sum)
            };
        }
        Ok(F::cast(total / n))
    }

    fn output_kind(&self) -> OutputKind {
        OutputKind::Logits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn the_value_is_clipped_and_the_gradient_is_cross_entropys() {
        let z = array![[0.0f64, 100.0], [2.0, 1.0]];
        let y = [0usize, 0];
        let mut g = ndarray::Array2::zeros((2, 2));
        let v = ClippedLogLoss::new(false)
            .compute(z.view(), Targets::Classes(&y), Some(g.view_mut()))
            .unwrap();
        let exact_second = -(2f64.exp() / (2f64.exp() + 1f64.exp())).ln();
        assert!((v - (-f64::EPSILON.ln() + exact_second) / 2.0).abs() < 1e-12);
        let mut want = ndarray::Array2::zeros((2, 2));
        CrossEntropy::new()
            .compute(z.view(), Targets::Classes(&y), Some(want.view_mut()))
            .unwrap();
        assert_eq!(g, want);
        let b = ClippedLogLoss::new(true)
            .compute(
                array![[-50.0f64]].view(),
                Targets::Dense(array![[1.0]].view()),
                None,
            )
            .unwrap();
        assert!((b + f64::EPSILON.ln()).abs() < 1e-9);
    }
}
