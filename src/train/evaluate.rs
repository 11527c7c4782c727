//! Evaluation and prediction: eval-mode passes over data in chunks of the batch size.

use ndarray::{s, Array2, ArrayView2};

use super::features::Features;
use super::metric::{predicted_labels, probabilities, Metric, OutputKind};
use super::trainer::{first_non_finite, Trainer};
use crate::loss::{Loss, Targets};
use crate::model::{Layer, Mode};
use crate::{Error, Float, Result};

/// A model's loss and metrics on a data set, from [`Trainer::evaluate`].
///
/// ```
/// use tuneup::train::Evaluation;
/// let e = Evaluation { loss: 0.3, metrics: vec![("accuracy".into(), 0.9)] };
/// assert_eq!(e.get("accuracy"), Some(0.9));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The objective: mean data loss plus the regularization penalty.
    pub loss: f64,
    /// Each configured metric, by name.
    pub metrics: Vec<(String, f64)>,
}

impl Evaluation {
    /// A metric by name (`loss` gives the loss).
    pub fn get(&self, name: &str) -> Option<f64> {
        if name == "loss" {
            return Some(self.loss);
        }
        self.metrics
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, v)| v)
    }
}

/// The rows `a..b` of some targets.
fn slice_targets<'t, F: Float>(t: Targets<'t, F>, a: usize, b: usize) -> Targets<'t, F> {
    match t {
        Targets::Dense(d) => Targets::Dense(d.slice_move(s![a..b, ..])),
        Targets::Classes(c) => Targets::Classes(&c[a..b]),
    }
}

/// Metrics of `outputs` against `targets`, prefixed; NaN where a metric is undefined.
pub(crate) fn metric_values<F: Float>(
    metrics: &[Metric],
    outputs: ArrayView2<'_, F>,
    targets: Targets<'_, F>,
    kind: OutputKind,
    prefix: &str,
    into: &mut Vec<(String, f64)>,
) {
    for m in metrics {
        let v = m.compute(outputs, targets, kind).unwrap_or(f64::NAN);
        into.push((format!("{prefix}{}", m.name()), v));
    }
}

impl<F: Float, M: Layer<F>> Trainer<F, M> {
    /// The summed penalties `α R(θ)` at the current weights.
    pub(crate) fn penalty(&self) -> f64 {
        self.config
            .regularizers
            .iter()
            .map(|r| r.penalty(&self.model).as_f64())
            .sum()
    }

    /// Eval-mode pass over `x` in chunks of the batch size; writes outputs into `outputs` (if
    /// given, shaped rows × width) and returns the mean data loss (NaN when the outputs are not
    /// finite; 0 without targets).
    pub(crate) fn run_eval(
        &mut self,
        x: ArrayView2<'_, F>,
        y: Option<Targets<'_, F>>,
        mut outputs: Option<&mut Array2<F>>,
        weights: Option<&[F]>,
    ) -> Result<f64> {
        let n = x.nrows();
        let chunk = self.config.batch_size.max(1);
        let mut total = 0.0;
        let mut a = 0;
        while a < n {
            let b = (a + chunk).min(n);
            let out = self.model.forward(x.slice(s![a..b, ..]), Mode::Eval)?;
            if let Some(o) = outputs.as_deref_mut() {
                o.slice_mut(s![a..b, ..]).assign(&out);
            }
            if let Some(t) = y {
                if first_non_finite(&out).is_some() {
                    return Ok(f64::NAN);
                }
                let chunk_w = weights.and_then(|w| w.get(a..b));
                let (v, mass) = match chunk_loss(&*self.loss, out, slice_targets(t, a, b), chunk_w)
                {
                    Ok(v) => v,
                    Err(Error::NonFinite { .. }) => (f64::NAN, 1.0),
                    Err(e) => return Err(e),
                };
                total += v * mass;
            }
            a = b;
        }
        let mass = match weights {
            Some(w) => w.iter().map(|v| v.as_f64()).sum(),
            None => n as f64,
        };
        Ok(total / mass)
    }

    /// The model's outputs for `x`, in eval mode (raw: logits for a logit loss).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::Trainer;
    /// let mut t = Trainer::builder().model(Mlp::new(&[3, 2]).build::<f32>()?)
    ///     .loss(CrossEntropy::new()).optimizer(Sgd::new(0.1)?).build()?;
    /// assert_eq!(t.predict(ndarray::Array2::zeros((5, 3)).view())?.dim(), (5, 2));
    /// assert!(t.predict(ndarray::Array2::zeros((5, 4)).view()).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn predict<'a>(&mut self, x: impl Into<Features<'a, F>>) -> Result<Array2<F>> {
        let x = self.model_input("Trainer::predict", x.into())?;
        let x = x.view();
        let width = self.check_data("Trainer::predict", x, None)?;
        let mut out = Array2::zeros((x.nrows(), width));
        self.run_eval(x, None, Some(&mut out), None)?;
        Ok(out)
    }

    /// Class probabilities for a classifier, one column per class (two for a single output
    /// column: `[1 − p, p]`, as scikit-learn): the sigmoid or softmax of logits, or the
    /// outputs themselves for a probability loss. [`Error::State`] for a regression loss.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::Trainer;
    /// let mut t = Trainer::builder().model(Mlp::new(&[3, 1]).build::<f64>()?)
    ///     .loss(BceWithLogits::new()).optimizer(Sgd::new(0.1)?).build()?;
    /// let p = t.predict_proba(ndarray::Array2::zeros((2, 3)).view())?;
    /// assert_eq!(p.dim(), (2, 2));
    /// assert!((p[[0, 0]] + p[[0, 1]] - 1.0).abs() < 1e-12);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn predict_proba<'a>(&mut self, x: impl Into<Features<'a, F>>) -> Result<Array2<F>> {
        self.require_classifier("Trainer::predict_proba")?;
        let out = self.predict(x)?;
        Ok(probabilities(out.view(), self.kind))
    }

    /// Predicted classes for a classifier (logit > 0 / probability > 0.5 for one output
    /// column, the arg-max otherwise). [`Error::State`] for a regression loss.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::Trainer;
    /// let mut t = Trainer::builder().model(Mlp::new(&[3, 4]).build::<f64>()?)
    ///     .loss(CrossEntropy::new()).optimizer(Sgd::new(0.1)?).build()?;
    /// assert!(t.predict_classes(ndarray::Array2::zeros((2, 3)).view())?.iter().all(|&c| c < 4));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn predict_classes<'a>(&mut self, x: impl Into<Features<'a, F>>) -> Result<Vec<usize>> {
        self.require_classifier("Trainer::predict_classes")?;
        let out = self.predict(x)?;
        Ok(predicted_labels(out.view(), self.kind))
    }

    fn require_classifier(&self, context: &str) -> Result<()> {
        if self.kind.is_classifier() {
            Ok(())
        } else {
            Err(Error::state(
                context,
                "the loss is a regression loss, so the outputs are not class scores (set output_kind for a custom classification loss)",
            ))
        }
    }

    /// The objective (mean data loss plus penalty) and every configured metric on `x`, `y`,
    /// in eval mode. Inputs are checked as in [`fit`](Trainer::fit).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::{Metric, Trainer};
    /// let mut t = Trainer::builder().model(Mlp::new(&[1, 1]).build::<f64>()?)
    ///     .loss(Mse::new()).optimizer(Sgd::new(0.1)?).metric(Metric::Mae).build()?;
    /// let x = ndarray::array![[1.0], [2.0]];
    /// let e = t.evaluate(x.view(), &ndarray::array![[0.0], [0.0]])?;
    /// assert!(e.loss >= 0.0 && e.get("mae").is_some());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn evaluate<'a>(
        &mut self,
        x: impl Into<Features<'a, F>>,
        y: impl Into<Targets<'a, F>>,
    ) -> Result<Evaluation> {
        let y = y.into();
        let x = self.model_input("Trainer::evaluate", x.into())?;
        let x = x.view();
        let width = self.check_data("Trainer::evaluate", x, Some(y))?;
        let mut out = Array2::zeros((x.nrows(), width));
        let data = self.run_eval(x, Some(y), Some(&mut out), None)?;
        let mut metrics = Vec::new();
        metric_values(
            &self.config.metrics,
            out.view(),
            y,
            self.kind,
            "",
            &mut metrics,
        );
        Ok(Evaluation {
            loss: data + self.penalty(),
            metrics,
        })
    }

    /// [`evaluate`](Trainer::evaluate) on a [`Dataset`](crate::data::Dataset); a non-finite
    /// value is reported by column name and CSV line where the dataset has them.
    pub fn evaluate_dataset(&mut self, data: &crate::data::Dataset<F>) -> Result<Evaluation> {
        if self.config.check_finite {
            super::trainer::check_dataset_finite("Trainer::evaluate_dataset", data)?;
        }
        self.evaluate(data.features(), data.loss_targets())
    }
}

/// A chunk's loss and its mass (rows, or summed sample weights); a chunk whose weights sum to
/// zero has no mass and adds nothing.
fn chunk_loss<F: Float>(
    loss: &dyn Loss<F>,
    out: ArrayView2<'_, F>,
    target: Targets<'_, F>,
    weights: Option<&[F]>,
) -> Result<(f64, f64)> {
    match weights {
        None => Ok((loss.value(out, target)?.as_f64(), out.nrows() as f64)),
        Some(w) => {
            let mass: f64 = w.iter().map(|v| v.as_f64()).sum();
            if mass <= 0.0 {
                return Ok((0.0, 0.0));
            }
            let v = loss.value_weighted(out, target, ndarray::ArrayView1::from(w))?;
            Ok((v.as_f64(), mass))
        }
    }
}
