//! Softmax cross-entropy, with class indices or soft targets.

use ndarray::{ArrayView2, ArrayViewMut2, Axis};

use super::sample_weights::RowWeights;
use super::targets::check_finite;
use super::{Loss, OutputKind, Reduction, Targets};
use crate::{Error, Float, Result};

/// Softmax cross-entropy on logits (`nn.CrossEntropyLoss`), with PyTorch's semantics:
///
/// * **class indices** (`Targets::Classes`): `−w_y log softmax(x)_y`; the mean divides by the
///   summed weights of the targets when class weights are set;
/// * **soft targets** (`Targets::Dense`, rows of probabilities, for MixUp and distillation):
///   `−Σ_c w_c t_c log softmax(x)_c`, the mean divides by the batch size;
/// * **label smoothing ε**: the target becomes `(1 − ε)·target + ε/K`.
/// * **sample weights** ([`Loss::compute_weighted`]): they multiply the class weights, as
///   scikit-learn does: with class indices row `i` weighs `wᵢ · c_{yᵢ}` and the mean divides by
///   `Σ wᵢ c_{yᵢ}`; with soft targets the mean divides by `Σ wᵢ`.
///
/// The log-softmax is max-shifted, so logits of ±1000 are fine.
///
/// ```
/// use tuneup::loss::{CrossEntropy, Loss};
/// let logits = ndarray::array![[0.0f64, 0.0], [1000.0, -1000.0]];
/// let l = CrossEntropy::new().value(logits.view(), [0usize, 0].as_slice().into()).unwrap();
/// assert!((l - 2f64.ln() / 2.0).abs() < 1e-15);
/// let out_of_range = CrossEntropy::new().value(logits.view(), [0usize, 2].as_slice().into());
/// assert!(out_of_range.is_err());
/// ```
#[derive(Debug, Clone, Default)]
pub struct CrossEntropy {
    reduction: Reduction,
    class_weights: Option<Vec<f64>>,
    label_smoothing: f64,
}

impl CrossEntropy {
    /// Mean reduction, no weights, no smoothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// With the given reduction.
    pub fn with_reduction(mut self, reduction: Reduction) -> Self {
        self.reduction = reduction;
        self
    }

    /// Per-class weights (finite, ≥ 0), e.g. inverse class frequencies for imbalanced data.
    ///
    /// ```
    /// use tuneup::loss::CrossEntropy;
    /// assert!(CrossEntropy::new().with_class_weights(vec![1.0, f64::NAN]).is_err());
    /// ```
    pub fn with_class_weights(mut self, weights: Vec<f64>) -> Result<Self> {
        if let Some((j, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(Error::config(
                format!("CrossEntropy.class_weights[{j}]"),
                w,
                "a finite weight ≥ 0",
            ));
        }
        self.class_weights = Some(weights);
        Ok(self)
    }

    /// Label smoothing `ε ∈ [0, 1]`.
    ///
    /// ```
    /// use tuneup::loss::CrossEntropy;
    /// assert!(CrossEntropy::new().with_label_smoothing(1.5).is_err());
    /// ```
    pub fn with_label_smoothing(mut self, epsilon: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&epsilon) {
            return Err(Error::config(
                "CrossEntropy.label_smoothing",
                epsilon,
                "a number in [0, 1]",
            ));
        }
        self.label_smoothing = epsilon;
        Ok(self)
    }

    fn weight<F: Float>(&self, class: usize) -> F {
        self.class_weights
            .as_ref()
            .map_or(F::one(), |w| F::cast(w[class]))
    }
}

/// `−log softmax(row)` as a closure over the column, computed as `ln Σ e^{x−max} − (x_c − max)`
/// so that large logits keep their digits (`max + ln Σ − x_c` would round `max + ln Σ` at the
/// scale of `max`: ≈ 3e-5 lost at |x| = 1000 in f32).
fn neg_log_softmax<F: Float>(row: ndarray::ArrayView1<'_, F>) -> impl Fn(usize) -> F + '_ {
    let max = row.fold(F::neg_infinity(), |m, &v| m.max(v));
    let log_sum = row.iter().map(|&v| (v - max).exp()).sum::<F>().ln();
    move |c| log_sum - (row[c] - max)
}

impl<F: Float> Loss<F> for CrossEntropy {
    fn name(&self) -> String {
        "CrossEntropy loss".into()
    }

    fn output_kind(&self) -> OutputKind {
        OutputKind::Logits
    }

    /// The same loss with `weights` as its class weights (see
    /// [`CrossEntropy::with_class_weights`]).
    fn with_class_weights(&self, weights: &[f64]) -> Result<Box<dyn Loss<F>>> {
        let weighted = CrossEntropy::with_class_weights(self.clone(), weights.to_vec())?;
        Ok(Box::new(weighted))
    }

    super::sample_weights::forward_to_weighted!();
}

/// The error of sample weights whose product with the class weights sums to zero.
fn zero_effective_weight(context: String) -> Error {
    Error::value(
        context,
        "sample weights × class weights of the targets with a positive sum",
        "a sum of 0",
    )
}

impl CrossEntropy {
    /// The loss with rows weighted by `weights` (all 1 when unweighted).
    fn weighted<F: Float>(
        &self,
        prediction: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        weights: RowWeights<'_, F>,
        mut grad: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F>
    where
        Self: Loss<F>,
    {
        let name = || Loss::<F>::name(self);
        check_finite(&name, "prediction", &prediction)?;
        let (n, k) = prediction.dim();
        if let Some(w) = &self.class_weights {
            if w.len() != k {
                return Err(Error::shape(
                    name(),
                    format!("one class weight per logit column ({k})"),
                    format!("{} weights", w.len()),
                ));
            }
        }
        if target.rows() != n {
            return Err(Error::shape(
                name(),
                format!("{n} targets, one per prediction row"),
                format!("{} targets", target.rows()),
            ));
        }
        let eps = F::cast(self.label_smoothing);
        let one = F::one();
        let kf = F::from_count(k);
        let mut total = F::zero();
        match target {
            Targets::Classes(classes) => {
                if let Some((i, &c)) = classes.iter().enumerate().find(|&(_, &c)| c >= k) {
                    return Err(Error::value(
                        name(),
                        format!("class indices below {k} (the number of logit columns)"),
                        format!("{c} at row {i}"),
                    ));
                }
                let sum_w: F = (0..k).map(|c| self.weight::<F>(c)).sum();
                let norm = match self.reduction {
                    Reduction::Mean => classes
                        .iter()
                        .enumerate()
                        .map(|(i, &c)| weights.at(i) * self.weight::<F>(c))
                        .sum(),
                    Reduction::Sum => one,
                };
                if weights.is_weighted() && norm <= F::zero() {
                    return Err(zero_effective_weight(name()));
                }
                for (i, row) in prediction.axis_iter(Axis(0)).enumerate() {
                    let y = classes[i];
                    let nll = neg_log_softmax(row);
                    let s_i = weights.at(i);
                    let w_y = s_i * self.weight::<F>(y);
                    let mut smooth = F::zero();
                    if eps > F::zero() {
                        for c in 0..k {
                            smooth += self.weight::<F>(c) * nll(c);
                        }
                    }
                    total += (one - eps) * w_y * nll(y) + eps / kf * s_i * smooth;
                    if let Some(g) = grad.as_mut() {
                        for j in 0..k {
                            let p = (-nll(j)).exp();
                            let hit = if j == y { one } else { F::zero() };
                            let d = (one - eps) * w_y * (p - hit)
                                + eps / kf * s_i * (sum_w * p - self.weight::<F>(j));
                            g[[i, j]] = d / norm;
                        }
                    }
                }
                Ok(total / norm)
            }
            Targets::Dense(t) => {
                if t.dim() != (n, k) {
                    return Err(Error::shape(
                        name(),
                        format!("soft targets of shape {n} × {k}"),
                        format!("{} × {}", t.nrows(), t.ncols()),
                    ));
                }
                check_finite(&name, "target", &t)?;
                let norm = match self.reduction {
                    Reduction::Mean if n > 0 => weights.total(n),
                    _ => one,
                };
                for (i, (row, t_row)) in prediction
                    .axis_iter(Axis(0))
                    .zip(t.axis_iter(Axis(0)))
                    .enumerate()
                {
                    let nll = neg_log_softmax(row);
                    let s_i = weights.at(i);
                    let smoothed = |c: usize| t_row[c] * (one - eps) + eps / kf;
                    let mut weighted_mass = F::zero();
                    for c in 0..k {
                        let wt = s_i * self.weight::<F>(c) * smoothed(c);
                        weighted_mass += wt;
                        total += wt * nll(c);
                    }
                    if let Some(g) = grad.as_mut() {
                        for j in 0..k {
                            let p = (-nll(j)).exp();
                            g[[i, j]] = (p * weighted_mass
                                - s_i * self.weight::<F>(j) * smoothed(j))
                                / norm;
                        }
                    }
                }
                Ok(total / norm)
            }
        }
    }
}
