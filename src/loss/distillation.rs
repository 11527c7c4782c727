//! Knowledge distillation (Hinton et al., 2015): a student learns from a teacher's softened
//! outputs and from the true labels.

use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2};

use super::targets::check_finite;
use super::{fit_buffer, Loss, OutputKind, Targets};
use crate::{Error, Float, Result};

/// What the teacher's outputs are, and so how the student is compared with them.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Logits, softened by a temperature `T > 0`.
    Classification { temperature: f64 },
    /// Regression values, compared by mean squared error.
    Regression,
}

/// The distillation loss, mean over the batch.
///
/// * **Classification** ([`Distillation::new`]):
///   `α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1 − α)·CE(s, y)`, with `s` the student's
///   logits, `t` the teacher's and `y` class indices or soft targets (rows of probabilities).
///   This equals PyTorch's
///   `α·T²·F.kl_div(F.log_softmax(s/T), F.softmax(t/T), reduction="batchmean") + (1 − α)·F.cross_entropy(s, y)`.
/// * **Regression** ([`Distillation::regression`]): `α·MSE(s, t) + (1 − α)·MSE(s, y)`.
///
/// In a custom loop call [`Distillation::compute_with_teacher`] with the teacher's outputs.
/// As a plain [`Loss`] (wherever a loss is taken), the target is the teacher's outputs and the
/// labels packed side by side by [`Distillation::pack_targets`]: `K + 1` columns (teacher
/// logits, then the class index) or `2K` columns (teacher outputs, then soft or regression
/// targets), for a student with `K` outputs.
///
/// ```
/// use tuneup::loss::{CrossEntropy, Distillation, Loss};
/// let student = ndarray::array![[1.0f64, 0.0, -1.0]];
/// let labels = [0usize];
/// // α = 0: only the cross-entropy with the labels is left.
/// let d = Distillation::new(2.0, 0.0)?;
/// let l = d.compute_with_teacher(student.view(), student.view(), labels.as_slice().into(), None)?;
/// let ce = CrossEntropy::new().value(student.view(), labels.as_slice().into())?;
/// assert!((l - ce).abs() < 1e-15);
/// // A teacher equal to the student adds no KL term.
/// let d = Distillation::new(2.0, 1.0)?;
/// let l = d.compute_with_teacher(student.view(), student.view(), labels.as_slice().into(), None)?;
/// assert!(l.abs() < 1e-15);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Distillation {
    kind: Kind,
    alpha: f64,
}

impl Distillation {
    /// Distillation of a classifier with temperature `T` (finite, > 0) and weight `α ∈ [0, 1]`
    /// of the teacher term.
    ///
    /// ```
    /// use tuneup::loss::Distillation;
    /// assert!(Distillation::new(4.0, 0.7).is_ok());
    /// assert!(matches!(Distillation::new(0.0, 0.7), Err(tuneup::Error::Config { .. })));
    /// assert!(Distillation::new(4.0, 1.5).is_err());
    /// ```
    pub fn new(temperature: f64, alpha: f64) -> Result<Self> {
        if !(temperature.is_finite() && temperature > 0.0) {
            return Err(Error::config(
                "Distillation.temperature",
                temperature,
                "a finite number > 0",
            ));
        }
        Self::with_kind(Kind::Classification { temperature }, alpha)
    }

    /// Distillation of a regression teacher: `α·MSE(s, t) + (1 − α)·MSE(s, y)`.
    ///
    /// ```
    /// use tuneup::loss::Distillation;
    /// let d = Distillation::regression(0.5)?;
    /// assert_eq!(d.temperature(), None);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn regression(alpha: f64) -> Result<Self> {
        Self::with_kind(Kind::Regression, alpha)
    }

    fn with_kind(kind: Kind, alpha: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&alpha) {
            return Err(Error::config(
                "Distillation.alpha",
                alpha,
                "a weight in [0, 1]",
            ));
        }
        Ok(Self { kind, alpha })
    }

    /// The temperature, `None` for a regression teacher.
    ///
    /// ```
    /// use tuneup::loss::Distillation;
    /// assert_eq!(Distillation::new(3.0, 0.5)?.temperature(), Some(3.0));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn temperature(&self) -> Option<f64> {
        match self.kind {
            Kind::Classification { temperature } => Some(temperature),
            Kind::Regression => None,
        }
    }

    /// The weight `α` of the teacher term.
    ///
    /// ```
    /// use tuneup::loss::Distillation;
    /// assert_eq!(Distillation::regression(0.25)?.alpha(), 0.25);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The loss of the student's outputs `student` given the teacher's outputs `teacher`
    /// (same shape) and the labels `target`, writing `∂L/∂s` into `grad` when given.
    ///
    /// ```
    /// use tuneup::loss::Distillation;
    /// let s = ndarray::array![[1.0f64], [2.0]];
    /// let t = ndarray::array![[0.0f64], [2.0]];
    /// let y = ndarray::array![[1.0f64], [2.0]];
    /// let mut g = ndarray::Array2::zeros((2, 1));
    /// let l = Distillation::regression(1.0)?
    ///     .compute_with_teacher(s.view(), t.view(), (&y).into(), Some(g.view_mut()))?;
    /// assert_eq!(l, 0.5);
    /// assert_eq!(g, ndarray::array![[1.0], [0.0]]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn compute_with_teacher<F: Float>(
        &self,
        student: ArrayView2<'_, F>,
        teacher: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        grad: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F> {
        let name = || Loss::<F>::name(self);
        check_finite(&name, "prediction", &student)?;
        check_finite(&name, "teacher output", &teacher)?;
        if teacher.dim() != student.dim() {
            return Err(Error::shape(
                name(),
                format!(
                    "teacher outputs of shape {} × {} (the student's)",
                    student.nrows(),
                    student.ncols()
                ),
                format!("{} × {}", teacher.nrows(), teacher.ncols()),
            ));
        }
        let labels = Labels::check(&name, student.dim(), target)?;
        if let Some(g) = &grad {
            if g.dim() != student.dim() {
                return Err(Error::shape(
                    name(),
                    "a gradient shaped like the prediction",
                    format!("{} × {}", g.nrows(), g.ncols()),
                ));
            }
        }
        match self.kind {
            Kind::Classification { temperature } => {
                if student.ncols() < 2 {
                    return Err(Error::shape(
                        name(),
                        "at least 2 logit columns (one per class)",
                        format!("{} columns", student.ncols()),
                    ));
                }
                let temperature = F::cast(temperature);
                Ok(self.classification(student, teacher, labels, temperature, grad))
            }
            Kind::Regression => match labels {
                Labels::Dense(y) => Ok(self.regression_loss(student, teacher, y, grad)),
                Labels::Classes(_) => Err(Error::value(
                    name(),
                    "regression targets shaped like the prediction",
                    "class indices",
                )),
            },
        }
    }

    /// Writes the teacher's outputs and the labels side by side into `out` (resized, keeping
    /// its storage), for use of the distillation as a plain [`Loss`]: `K + 1` columns for class
    /// indices, `2K` for dense targets.
    ///
    /// ```
    /// use tuneup::loss::{Distillation, Loss};
    /// let s = ndarray::array![[2.0f64, 0.0, 1.0]];
    /// let t = ndarray::array![[1.0f64, 0.5, 0.0]];
    /// let d = Distillation::new(3.0, 0.6)?;
    /// let mut packed = ndarray::Array2::zeros((0, 0));
    /// Distillation::pack_targets(t.view(), [2usize].as_slice().into(), &mut packed)?;
    /// assert_eq!(packed, ndarray::array![[1.0, 0.5, 0.0, 2.0]]);
    /// let plain = d.value(s.view(), (&packed).into())?;
    /// let direct = d.compute_with_teacher(s.view(), t.view(), [2usize].as_slice().into(), None)?;
    /// assert_eq!(plain, direct);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn pack_targets<F: Float>(
        teacher: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        out: &mut Array2<F>,
    ) -> Result<()> {
        let (n, k) = teacher.dim();
        if target.rows() != n {
            return Err(Error::shape(
                "Distillation::pack_targets",
                format!("{n} targets, one per teacher row"),
                format!("{} targets", target.rows()),
            ));
        }
        let width = match target {
            Targets::Classes(_) => k + 1,
            Targets::Dense(y) if y.ncols() == k => 2 * k,
            Targets::Dense(y) => {
                return Err(Error::shape(
                    "Distillation::pack_targets",
                    format!("dense targets with {k} columns (the teacher's)"),
                    format!("{} columns", y.ncols()),
                ))
            }
        };
        fit_buffer(out, (n, width));
        out.slice_mut(ndarray::s![.., ..k]).assign(&teacher);
        match target {
            Targets::Classes(c) => {
                for (i, &class) in c.iter().enumerate() {
                    out[[i, k]] = F::from_count(class);
                }
            }
            Targets::Dense(y) => out.slice_mut(ndarray::s![.., k..]).assign(&y),
        }
        Ok(())
    }

    fn classification<F: Float>(
        &self,
        student: ArrayView2<'_, F>,
        teacher: ArrayView2<'_, F>,
        labels: Labels<'_, F>,
        temperature: F,
        mut grad: Option<ArrayViewMut2<'_, F>>,
    ) -> F {
        let (n, k) = student.dim();
        let norm = F::from_count(n.max(1));
        let alpha = F::cast(self.alpha);
        let one = F::one();
        let mut kl_total = F::zero();
        let mut ce_total = F::zero();
        for i in 0..n {
            let (s, t) = (student.row(i), teacher.row(i));
            let lse_t = log_sum_exp(t, temperature);
            let lse_s_soft = log_sum_exp(s, temperature);
            let lse_s = log_sum_exp(s, one);
            let mass = labels.mass(i);
            for c in 0..k {
                let log_p_teacher = t[c] / temperature - lse_t;
                let log_q_student = s[c] / temperature - lse_s_soft;
                let p_teacher = log_p_teacher.exp();
                if p_teacher > F::zero() {
                    kl_total += p_teacher * (log_p_teacher - log_q_student);
                }
                let y = labels.at(i, c);
                let log_p = s[c] - lse_s;
                ce_total -= y * log_p;
                if let Some(g) = grad.as_mut() {
                    let kl_grad = temperature * (log_q_student.exp() - p_teacher);
                    let ce_grad = log_p.exp() * mass - y;
                    g[[i, c]] = (alpha * kl_grad + (one - alpha) * ce_grad) / norm;
                }
            }
        }
        let t2 = temperature * temperature;
        (alpha * t2 * kl_total + (one - alpha) * ce_total) / norm
    }

    fn regression_loss<F: Float>(
        &self,
        student: ArrayView2<'_, F>,
        teacher: ArrayView2<'_, F>,
        y: ArrayView2<'_, F>,
        mut grad: Option<ArrayViewMut2<'_, F>>,
    ) -> F {
        let norm = F::from_count(student.len().max(1));
        let alpha = F::cast(self.alpha);
        let one = F::one();
        let two = one + one;
        let mut total = F::zero();
        for ((idx, &s), (&t, &target)) in student.indexed_iter().zip(teacher.iter().zip(y.iter())) {
            let (dt, dy) = (s - t, s - target);
            total += alpha * dt * dt + (one - alpha) * dy * dy;
            if let Some(g) = grad.as_mut() {
                g[idx] = two * (alpha * dt + (one - alpha) * dy) / norm;
            }
        }
        total / norm
    }
}

/// `ln Σ exp(x / T)`, max-shifted.
fn log_sum_exp<F: Float>(x: ArrayView1<'_, F>, temperature: F) -> F {
    let max = x.fold(F::neg_infinity(), |m, &v| m.max(v / temperature));
    max + x
        .iter()
        .map(|&v| (v / temperature - max).exp())
        .sum::<F>()
        .ln()
}

/// The labels, checked against the student's shape.
#[derive(Clone, Copy)]
enum Labels<'a, F> {
    Classes(&'a [usize]),
    Dense(ArrayView2<'a, F>),
}

impl<'a, F: Float> Labels<'a, F> {
    fn check(
        name: &dyn Fn() -> String,
        (n, k): (usize, usize),
        target: Targets<'a, F>,
    ) -> Result<Self> {
        if target.rows() != n {
            return Err(Error::shape(
                name(),
                format!("{n} targets, one per prediction row"),
                format!("{} targets", target.rows()),
            ));
        }
        match target {
            Targets::Classes(c) => {
                if let Some((i, &class)) = c.iter().enumerate().find(|&(_, &c)| c >= k) {
                    return Err(Error::value(
                        name(),
                        format!("class indices below {k} (the number of logit columns)"),
                        format!("{class} at row {i}"),
                    ));
                }
                Ok(Labels::Classes(c))
            }
            Targets::Dense(y) => {
                if y.dim() != (n, k) {
                    return Err(Error::shape(
                        name(),
                        format!("targets of shape {n} × {k}"),
                        format!("{} × {}", y.nrows(), y.ncols()),
                    ));
                }
                check_finite(name, "target", &y)?;
                Ok(Labels::Dense(y))
            }
        }
    }

    /// The target of row `i`, column `c` (one-hot for class indices).
    fn at(&self, i: usize, c: usize) -> F {
        match self {
            Labels::Classes(classes) if classes[i] == c => F::one(),
            Labels::Classes(_) => F::zero(),
            Labels::Dense(y) => y[[i, c]],
        }
    }

    /// The summed target mass of row `i` (1 for class indices).
    fn mass(&self, i: usize) -> F {
        match self {
            Labels::Classes(_) => F::one(),
            Labels::Dense(y) => y.row(i).sum(),
        }
    }
}

/// Splits a packed target (see [`Distillation::pack_targets`]) into the teacher's outputs and
/// the labels; class indices are read from a float column and must be exact integers below `k`.
fn unpack<'a, F: Float>(
    name: &dyn Fn() -> String,
    k: usize,
    packed: ArrayView2<'a, F>,
    classes: &mut Vec<usize>,
) -> Result<(ArrayView2<'a, F>, Option<ArrayView2<'a, F>>)> {
    let width = packed.ncols();
    let teacher = packed.slice_move(ndarray::s![.., ..k.min(width)]);
    if width == 2 * k && k >= 1 {
        return Ok((teacher, Some(packed.slice_move(ndarray::s![.., k..]))));
    }
    if width != k + 1 {
        return Err(Error::shape(
            name(),
            format!(
                "packed targets of {} or {} columns (teacher outputs, then labels)",
                k + 1,
                2 * k
            ),
            format!("{width} columns"),
        ));
    }
    classes.clear();
    for (i, &v) in packed.column(k).iter().enumerate() {
        let f = v.as_f64();
        if !(f >= 0.0 && f.fract() == 0.0 && f < k as f64) {
            return Err(Error::value(
                name(),
                format!("a class index in column {k}: an integer in [0, {k})"),
                format!("{v} at row {i}"),
            ));
        }
        classes.push(f as usize);
    }
    Ok((teacher, None))
}

impl<F: Float> Loss<F> for Distillation {
    fn name(&self) -> String {
        match self.kind {
            Kind::Classification { temperature } => {
                format!("Distillation(T={temperature}, α={}) loss", self.alpha)
            }
            Kind::Regression => format!("Distillation(regression, α={}) loss", self.alpha),
        }
    }

    fn output_kind(&self) -> OutputKind {
        match self.kind {
            Kind::Classification { .. } => OutputKind::Logits,
            Kind::Regression => OutputKind::Values,
        }
    }

    /// The target must be the teacher's outputs and the labels packed by
    /// [`Distillation::pack_targets`]. With class indices (`K + 1` columns) this allocates a
    /// small index vector per call; a custom loop that must not allocate calls
    /// [`Distillation::compute_with_teacher`].
    fn compute(
        &self,
        prediction: ArrayView2<'_, F>,
        target: Targets<'_, F>,
        grad: Option<ArrayViewMut2<'_, F>>,
    ) -> Result<F> {
        let name = || Loss::<F>::name(self);
        let Targets::Dense(packed) = target else {
            return Err(Error::value(
                name(),
                "the teacher's outputs and the labels packed by Distillation::pack_targets",
                "class indices alone (no teacher outputs)",
            ));
        };
        if packed.nrows() != prediction.nrows() {
            return Err(Error::shape(
                name(),
                format!("{} packed target rows", prediction.nrows()),
                format!("{} rows", packed.nrows()),
            ));
        }
        let mut classes = Vec::new();
        let (teacher, dense) = unpack(&name, prediction.ncols(), packed, &mut classes)?;
        let labels = match dense {
            Some(y) => Targets::Dense(y),
            None => Targets::Classes(&classes),
        };
        self.compute_with_teacher(prediction, teacher, labels, grad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distillation_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Distillation>();
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let s = ndarray::array![[0.3f64, -1.2, 0.7], [2.0, 0.1, -0.4]];
        let t = ndarray::array![[1.0f64, 0.2, -0.5], [-0.3, 0.9, 0.4]];
        let y = ndarray::array![[0.2f64, 0.5, 0.3], [0.0, 0.1, 0.9]];
        let d = Distillation::new(2.5, 0.7).unwrap();
        let mut g = Array2::zeros((2, 3));
        d.compute_with_teacher(s.view(), t.view(), (&y).into(), Some(g.view_mut()))
            .unwrap();
        let h = 1e-6;
        for idx in [(0, 0), (0, 2), (1, 1)] {
            let (mut up, mut down) = (s.clone(), s.clone());
            up[idx] += h;
            down[idx] -= h;
            let f = |x: &Array2<f64>| {
                d.compute_with_teacher(x.view(), t.view(), (&y).into(), None)
                    .unwrap()
            };
            let numeric = (f(&up) - f(&down)) / (2.0 * h);
            assert!((numeric - g[idx]).abs() < 1e-8, "{idx:?}");
        }
    }
}
