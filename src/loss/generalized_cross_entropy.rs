//! Generalized cross-entropy (Zhang and Sabuncu, 2018): a loss on logits that is robust to
//! noisy labels.

use ndarray::{ArrayView2, ArrayViewMut2, Axis};

use super::sample_weights::RowWeights;
use super::targets::check_finite;
use super::{Loss, OutputKind, Reduction, Targets};
use crate::{Error, Float, Result};

/// Generalized cross-entropy on logits, `(1 − p_y^q) / q` with `p = softmax(logits)` and
/// `q ∈ (0, 1]` (Zhang and Sabuncu, *Generalized Cross Entropy Loss for Training Deep Neural
/// Networks with Noisy Labels*, NeurIPS 2018).
///
/// As `q → 0` it tends to cross-entropy; at `q = 1` it is the mean absolute error `1 − p_y`,
/// which ignores confidently wrong (likely mislabelled) rows. Its gradient is cross-entropy's
/// weighted by `p_y^q`, so rows the model finds implausible pull less. The paper's default is
/// `q = 0.7`. With soft targets (rows of probabilities) the loss is
/// `Σ_c t_c (1 − p_c^q) / q`. Logits are max-shifted, so large values are fine.
///
/// ```
/// use tuneup::loss::{CrossEntropy, GeneralizedCrossEntropy, Loss};
/// use ndarray::array;
/// let logits = array![[2.0_f64, 0.0], [0.0, 3.0]];
/// let y = [0usize, 0];
/// let gce = GeneralizedCrossEntropy::new(0.7)?;
/// let l = gce.value(logits.view(), y.as_slice().into())?;
/// let p0 = 1.0 / (1.0 + (-2.0_f64).exp());
/// let p1 = 1.0 / (1.0 + 3.0_f64.exp());
/// let want = ((1.0 - p0.powf(0.7)) + (1.0 - p1.powf(0.7))) / 0.7 / 2.0;
/// assert!((l - want).abs() < 1e-12);
/// // The mislabelled-looking second row costs far less than under cross-entropy.
/// let ce = CrossEntropy::new().value(logits.view(), y.as_slice().into())?;
/// assert!(l < ce);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GeneralizedCrossEntropy {
    q: f64,
    reduction: Reduction,
}

impl GeneralizedCrossEntropy {
    /// The loss with exponent `q ∈ (0, 1]` and mean reduction.
    ///
    /// Errors: `q` outside `(0, 1]` ([`Error::Config`]).
    ///
    /// ```
    /// use tuneup::loss::GeneralizedCrossEntropy;
    /// assert!(GeneralizedCrossEntropy::new(0.0).is_err());
    /// assert!(GeneralizedCrossEntropy::new(1.0).is_ok());
    /// ```
    pub fn new(q: f64) -> Result<Self> {
        if !(q > 0.0 && q <= 1.0) {
            return Err(Error::config(
                "GeneralizedCrossEntropy.q",
                q,
                "a number in (0, 1]",
            ));
        }
        Ok(GeneralizedCrossEntropy {
            q,
            reduction: Reduction::Mean,
        })
    }

    /// With the given reduction.
    ///
    /// ```
    /// use tuneup::loss::{GeneralizedCrossEntropy, Loss, Reduction};
    /// let logits = ndarray::array![[0.0_f64, 0.0], [0.0, 0.0]];
    /// let sum = GeneralizedCrossEntropy::new(1.0)?.with_reduction(Reduction::Sum);
    /// assert!((sum.value(logits.view(), [0usize, 1].as_slice().into())? - 1.0).abs() < 1e-15);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_reduction(mut self, reduction: Reduction) -> Self {
        self.reduction = reduction;
        self
    }

    /// The exponent `q`.
    ///
    /// ```
    /// assert_eq!(tuneup::loss::GeneralizedCrossEntropy::new(0.7)?.q(), 0.7);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn q(&self) -> f64 {
        self.q
    }
}

/// The softmax of `row` into `p`.
fn softmax<F: Float>(row: ndarray::ArrayView1<'_, F>, p: &mut [F]) {
    let max = row.fold(F::neg_infinity(), |m, &v| m.max(v));
    let mut sum = F::zero();
    for (o, &v) in p.iter_mut().zip(row.iter()) {
        *o = (v - max).exp();
        sum += *o;
    }
    for o in p.iter_mut() {
        *o /= sum;
    }
}

impl<F: Float> Loss<F> for GeneralizedCrossEntropy {
    fn name(&self) -> String {
        format!("GeneralizedCrossEntropy(q = {}) loss", self.q)
    }

    fn output_kind(&self) -> OutputKind {
        OutputKind::Logits
    }

    super::sample_weights::forward_to_weighted!();
}

impl GeneralizedCrossEntropy {
    /// The loss with rows weighted by `weights` (all 1 when unweighted).
    fn weighted<F: Float>(
        &self,
        prediction: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        row_weights: RowWeights<'_, F>,
        mut grad: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F>
    where
        Self: Loss<F>,
    {
        let name = || Loss::<F>::name(self);
        check_finite(&name, "prediction", &prediction)?;
        let (n, k) = prediction.dim();
        if target.rows() != n {
            return Err(Error::shape(
                name(),
                format!("{n} targets, one per prediction row"),
                format!("{} targets", target.rows()),
            ));
        }
        // Per row, the target weight of each class: one-hot or the soft target.
        let weights = |i: usize, c: usize| -> F {
            match &target {
                Targets::Classes(cl) => {
                    if cl[i] == c {
                        F::one()
                    } else {
                        F::zero()
                    }
                }
                Targets::Dense(t) => t[[i, c]],
            }
        };
        match &target {
            Targets::Classes(cl) => {
                if let Some((i, &c)) = cl.iter().enumerate().find(|&(_, &c)| c >= k) {
                    return Err(Error::value(
                        name(),
                        format!("class indices below {k} (the number of logit columns)"),
                        format!("{c} at row {i}"),
                    ));
                }
            }
            Targets::Dense(t) => {
                if t.dim() != (n, k) {
                    return Err(Error::shape(
                        name(),
                        format!("soft targets of shape {n} × {k}"),
                        format!("{} × {}", t.nrows(), t.ncols()),
                    ));
                }
                check_finite(&name, "target", t)?;
            }
        }
        let q = F::cast(self.q);
        let norm = match self.reduction {
            Reduction::Mean if n > 0 => row_weights.total(n),
            _ => F::one(),
        };
        let mut p = vec![F::zero(); k];
        let mut total = F::zero();
        for (i, row) in prediction.axis_iter(Axis(0)).enumerate() {
            softmax(row, &mut p);
            // s = Σ_c t_c p_c^q; loss = (Σ_c t_c − s) / q.
            let mut s = F::zero();
            let mut mass = F::zero();
            for (c, &pc) in p.iter().enumerate() {
                let t = weights(i, c);
                mass += t;
                s += t * pc.powf(q);
            }
            let w = row_weights.at(i);
            total += w * ((mass - s) / q);
            if let Some(g) = grad.as_mut() {
                // ∂/∂z_j = −t_j p_j^q + p_j s.
                for (j, &pj) in p.iter().enumerate() {
                    g[[i, j]] = w * (pj * s - weights(i, j) * pj.powf(q)) / norm;
                }
            }
        }
        Ok(total / norm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    /// Central finite differences of the loss against the analytic gradient.
    fn check_gradient(
        loss: &GeneralizedCrossEntropy,
        logits: &Array2<f64>,
        target: Targets<'_, f64>,
    ) {
        let mut grad = Array2::zeros(logits.dim());
        loss.value_and_grad(logits.view(), target, &mut grad)
            .unwrap();
        let h = 1e-6;
        for idx in [(0usize, 0usize), (0, 2), (1, 1), (2, 0), (2, 2)] {
            let (mut up, mut down) = (logits.clone(), logits.clone());
            up[idx] += h;
            down[idx] -= h;
            let fd = (Loss::<f64>::value(loss, up.view(), target).unwrap()
                - Loss::<f64>::value(loss, down.view(), target).unwrap())
                / (2.0 * h);
            assert!(
                (fd - grad[idx]).abs() < 1e-8,
                "{idx:?}: finite difference {fd}, analytic {}",
                grad[idx]
            );
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let logits = array![[0.3, -1.2, 2.0], [1.5, 0.1, -0.4], [-2.0, 0.7, 0.2]];
        let classes = [2usize, 0, 1];
        let soft = array![[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.1, 0.6, 0.3]];
        for q in [0.1, 0.7, 1.0] {
            let loss = GeneralizedCrossEntropy::new(q).unwrap();
            check_gradient(&loss, &logits, classes.as_slice().into());
            check_gradient(&loss, &logits, soft.view().into());
            let sum = loss.clone().with_reduction(Reduction::Sum);
            check_gradient(&sum, &logits, classes.as_slice().into());
        }
    }

    #[test]
    fn small_q_approaches_cross_entropy() {
        let logits = array![[0.3, -1.2, 2.0], [1.5, 0.1, -0.4]];
        let classes = [2usize, 1];
        let ce: f64 = super::super::CrossEntropy::new()
            .value(logits.view(), classes.as_slice().into())
            .unwrap();
        let gce: f64 = GeneralizedCrossEntropy::new(1e-6)
            .unwrap()
            .value(logits.view(), classes.as_slice().into())
            .unwrap();
        assert!((ce - gce).abs() < 1e-5, "{ce} vs {gce}");
    }

    #[test]
    fn rejects_bad_targets() {
        let logits = array![[0.0, 1.0]];
        let loss = GeneralizedCrossEntropy::new(0.5).unwrap();
        assert!(matches!(
            Loss::<f64>::value(&loss, logits.view(), [2usize].as_slice().into()),
            Err(Error::Value { .. })
        ));
        assert!(matches!(
            Loss::<f64>::value(
                &loss,
                array![[f64::NAN, 0.0]].view(),
                [0usize].as_slice().into()
            ),
            Err(Error::NonFinite { .. })
        ));
    }
}
