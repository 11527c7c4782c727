//! Pre-flight checks: mistakes in a program that show before the first epoch, read from the
//! model's output on the data, the loss's expectations and the data itself.

use ndarray::{s, ArrayView2, Axis};

use super::doctor::Doctor;
use super::finding::{Diagnosis, Evidence, Finding, Problem, Remedy, Severity};
use crate::loss::{Loss, OutputKind, Targets};
use crate::model::{Activation, Layer, Mode};
use crate::{Float, Result};

/// Rows of the data the model is run on.
const PROBE_ROWS: usize = 512;

/// What the model's outputs on the probe rows look like.
struct Outputs {
    width: usize,
    /// Every output in [0, 1].
    unit_interval: bool,
    /// Every row sums to 1 (softmax-like).
    rows_sum_to_one: bool,
    /// The last layer's activation, as the layer states it.
    last_activation: Option<Activation>,
}

impl Doctor<'_> {
    /// Checks a program before any epoch: runs a copy of `model` on the first rows of `x` (the
    /// model itself is not touched) and compares its outputs with what `loss` expects and with
    /// the targets `y`, then looks at the data's scales. Findings:
    ///
    /// - an output activation whose range cannot reach the targets (sigmoid or tanh output on
    ///   targets outside its range, ReLU output on negative targets);
    /// - a softmax over a single output unit (the output is 1 whatever the input); a logits
    ///   loss (`CrossEntropy`, `BceWithLogits`) fed by a sigmoid or softmax; a probability loss
    ///   (`Bce`) fed by an unbounded output;
    /// - a regression loss on what look like class labels, a classification loss on
    ///   continuous targets, multi-label targets with a softmax cross-entropy;
    /// - features or regression targets on scales far from the unit scale the initialisation
    ///   assumes; columns whose distinct values collapse when cast to `f32`;
    /// - hidden units that start identical (a constant initialisation: a weight with equal
    ///   rows feeding one with equal columns), which no step can tell apart.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::diagnostics::doctor::{Doctor, Problem};
    /// let x = ndarray::Array2::from_shape_fn((50, 2), |(i, j)| ((i + j) as f64 * 0.1).sin());
    /// let y = x.map_axis(ndarray::Axis(1), |r| 5.0 * r[0] - 3.0).insert_axis(ndarray::Axis(1));
    /// // A sigmoid output for targets in [−8, 2]: the model can never reach them.
    /// let wrong = Mlp::new(&[2, 8, 1]).output_activation(Activation::Sigmoid).build::<f64>()?;
    /// let d = Doctor::preflight(&wrong, &Mse::new(), x.view(), (&y).into())?;
    /// assert!(d.has(Problem::OutputRange));
    /// let fixed = Mlp::new(&[2, 8, 1]).build::<f64>()?;
    /// assert!(!Doctor::preflight(&fixed, &Mse::new(), x.view(), (&y).into())?.has(Problem::OutputRange));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    ///
    /// # Errors
    /// The model's own errors on `x` (a width it cannot take), and targets with another row
    /// count than `x` ([`Error::Shape`](crate::Error::Shape)).
    pub fn preflight<F: Float>(
        model: &dyn Layer<F>,
        loss: &dyn Loss<F>,
        x: ArrayView2<'_, F>,
        y: Targets<'_, F>,
    ) -> Result<Diagnosis> {
        if y.rows() != x.nrows() {
            return Err(crate::Error::shape(
                "Doctor::preflight",
                format!("targets with {} rows, one per row of features", x.nrows()),
                format!("{} rows", y.rows()),
            ));
        }
        let outputs = probe(model, x)?;
        let mut findings = Vec::new();
        findings.extend(check_loss_and_output(&outputs, loss.output_kind()));
        if let Targets::Dense(t) = y {
            findings.extend(check_output_range(&outputs, loss.output_kind(), &t));
            let softmax = normalises_rows(loss, outputs.width);
            let sigmoid = outputs.last_activation == Some(Activation::Sigmoid);
            findings.extend(check_task(loss.output_kind(), &t, outputs.width, softmax));
            findings.extend(check_binary_regression(loss.output_kind(), &t, sigmoid));
            if loss.output_kind() == OutputKind::Values {
                findings.extend(check_scale("target", &t));
            }
        }
        findings.extend(check_scale("feature", &x));
        findings.extend(check_precision(&x));
        findings.extend(super::symmetry::symmetric_units(model));
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        Ok(Diagnosis { findings })
    }
}

/// Runs a copy of the model on the first rows in eval mode.
fn probe<F: Float>(model: &dyn Layer<F>, x: ArrayView2<'_, F>) -> Result<Outputs> {
    let rows = x.nrows().min(PROBE_ROWS);
    let last_activation = match model.sublayers().last() {
        Some(l) => l.output_activation(),
        None => model.output_activation(),
    };
    let mut copy = model.clone_box();
    let out = copy
        .forward(x.slice(s![..rows, ..]), Mode::Eval)
        .map_err(|e| e.within("Doctor::preflight"))?;
    let unit_interval = out.iter().all(|&v| v >= F::zero() && v <= F::one());
    let rows_sum_to_one = unit_interval
        && out
            .axis_iter(Axis(0))
            .all(|r| (r.sum().as_f64() - 1.0).abs() < 1e-6);
    Ok(Outputs {
        width: out.ncols(),
        unit_interval,
        rows_sum_to_one,
        last_activation,
    })
}

fn finding(problem: Problem, severity: Severity, summary: String, ev: Vec<Evidence>) -> Finding {
    Finding {
        problem,
        severity,
        evidence: ev,
        summary,
        remedies: super::remedies::remedies_for(problem),
    }
}

/// The loss's expected outputs against what the model gives.
fn check_loss_and_output(out: &Outputs, kind: OutputKind) -> Option<Finding> {
    let sigmoid = out.last_activation == Some(Activation::Sigmoid);
    if out.width == 1 && out.rows_sum_to_one {
        return Some(finding(
            Problem::LossOutputMismatch,
            Severity::Critical,
            "a softmax over a single output unit: the output is 1 for every input, so nothing \
             can be learnt"
                .into(),
            vec![Evidence::new("output_width", 1.0)],
        ));
    }
    let squashed = sigmoid || (out.width > 1 && out.rows_sum_to_one);
    match kind {
        OutputKind::Logits if squashed => Some(finding(
            Problem::LossOutputMismatch,
            Severity::Critical,
            "a logits loss (cross-entropy / BCE with logits) is fed outputs already squashed \
             by a sigmoid or softmax: the loss applies its own, so gradients nearly vanish"
                .into(),
            vec![Evidence::new("outputs_in_unit_interval", 1.0)],
        )),
        OutputKind::Probabilities if !out.unit_interval => Some(finding(
            Problem::LossOutputMismatch,
            Severity::Critical,
            "a probability loss (BCE) is fed unbounded outputs: it needs values in [0, 1]".into(),
            vec![Evidence::new("outputs_in_unit_interval", 0.0)],
        )),
        _ => None,
    }
}

/// The share of dense targets an output activation cannot produce.
fn check_output_range<F: Float>(
    out: &Outputs,
    kind: OutputKind,
    t: &ArrayView2<'_, F>,
) -> Option<Finding> {
    if kind != OutputKind::Values {
        return None;
    }
    let (lo, hi, name) = match out.last_activation? {
        Activation::Sigmoid => (0.0, 1.0, "sigmoid"),
        Activation::Tanh => (-1.0, 1.0, "tanh"),
        Activation::Relu => (0.0, f64::INFINITY, "ReLU"),
        _ => return None,
    };
    let outside = t
        .iter()
        .filter(|v| v.as_f64() < lo || v.as_f64() > hi)
        .count();
    let share = outside as f64 / t.len().max(1) as f64;
    (share > 0.01).then(|| {
        finding(
            Problem::OutputRange,
            if share > 0.05 {
                Severity::Critical
            } else {
                Severity::Warning
            },
            format!(
                "the output layer's {name} produces values in [{lo}, {hi}], but {:.0}% of the \
                 targets lie outside it",
                share * 100.0
            ),
            vec![Evidence::new("targets_out_of_range", share)],
        )
    })
}

/// Targets that do not fit the kind of loss, with the remedy the targets point to first.
fn check_task<F: Float>(
    kind: OutputKind,
    t: &ArrayView2<'_, F>,
    width: usize,
    softmax: bool,
) -> Option<Finding> {
    let integral = t
        .iter()
        .all(|v| v.as_f64().fract() == 0.0 && v.as_f64() >= 0.0);
    let in_unit = t.iter().all(|v| (0.0..=1.0).contains(&v.as_f64()));
    match kind {
        OutputKind::Values if t.ncols() == 1 && integral => {
            let distinct = distinct_count(t.iter().map(|v| v.as_f64()));
            (3..=30).contains(&distinct).then(|| {
                finding(
                    Problem::TaskMismatch,
                    Severity::Warning,
                    format!(
                        "the targets look like {distinct} class labels (small whole numbers) \
                         but the loss is a regression loss"
                    ),
                    vec![Evidence::new("distinct_targets", distinct as f64)],
                )
            })
        }
        OutputKind::Values if t.ncols() > 1 && one_hot(t) => Some(finding(
            Problem::TaskMismatch,
            Severity::Warning,
            format!(
                "every target row is one-hot over {} columns (class labels) but the loss is a \
                 regression loss: squared error on class scores learns slowly and gives no \
                 probabilities",
                t.ncols()
            ),
            vec![Evidence::new("one_hot_columns", t.ncols() as f64)],
        )),
        OutputKind::Logits | OutputKind::Probabilities if !in_unit => {
            Some(targets_outside_unit_interval(t))
        }
        OutputKind::Logits if softmax && width > 1 && multi_label(t) => {
            let mut f = finding(
                Problem::TaskMismatch,
                Severity::Critical,
                "rows with several positive labels fed to a softmax cross-entropy, which assumes \
                 one class per row"
                    .into(),
                vec![Evidence::new("multi_label_rows", multi_label_share(t))],
            );
            first_remedy(&mut f, "BceWithLogits on one output per label");
            Some(f)
        }
        _ => None,
    }
}

/// A sigmoid output trained with a regression loss on 0/1 labels: a classifier with squared
/// error, whose gradient vanishes wherever the sigmoid saturates, even on wrong answers.
fn check_binary_regression<F: Float>(
    kind: OutputKind,
    t: &ArrayView2<'_, F>,
    sigmoid: bool,
) -> Option<Finding> {
    let binary = t.iter().all(|v| v.as_f64() == 0.0 || v.as_f64() == 1.0);
    let both = t.iter().any(|v| v.as_f64() == 0.0) && t.iter().any(|v| v.as_f64() == 1.0);
    if kind != OutputKind::Values || t.ncols() != 1 || !sigmoid || !binary || !both {
        return None;
    }
    let mut f = finding(
        Problem::TaskMismatch,
        Severity::Warning,
        "a sigmoid output trained with a regression loss on 0/1 labels: squared error through \
         a sigmoid has almost no gradient where the sigmoid saturates, even on wrong answers"
            .into(),
        vec![Evidence::new("distinct_targets", 2.0)],
    );
    f.remedies.insert(
        0,
        Remedy::new(
            "Bce::new() after the sigmoid (or BceWithLogits::new() on a linear output)",
            "the log-loss gradient is the error itself, large exactly when the answer is wrong",
        ),
    );
    Some(f)
}

/// Classification targets outside [0, 1]: two values `{0, c}` are labels stored on another
/// scale (masks saved as 0/255), so dividing by `c` comes first; anything else is continuous.
fn targets_outside_unit_interval<F: Float>(t: &ArrayView2<'_, F>) -> Finding {
    let mut values: Vec<f64> = t.iter().map(|v| v.as_f64()).collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    let mut f = finding(
        Problem::TaskMismatch,
        Severity::Critical,
        "a classification loss with targets outside [0, 1]: continuous targets need a \
         regression loss, class labels a class-index target"
            .into(),
        vec![Evidence::new("targets_in_unit_interval", 0.0)],
    );
    if let [0.0, c] = values[..] {
        f.summary = format!(
            "a classification loss with targets 0 and {c}: binary labels stored on another \
             scale (masks saved as 0/{c}), so the loss is unbounded below"
        );
        f.evidence.push(Evidence::new("distinct_targets", 2.0));
        f.evidence.push(Evidence::new("largest_target", c));
        f.remedies.insert(
            0,
            Remedy::new(
                format!("divide the targets by {c}: y.mapv(|v| v / {c:?})"),
                "binary labels must be 0 and 1 for BCE",
            ),
        );
    }
    f
}

/// Every row has one 1 and zeros elsewhere.
fn one_hot<F: Float>(t: &ArrayView2<'_, F>) -> bool {
    t.nrows() > 0
        && t.axis_iter(Axis(0)).all(|r| {
            let ones = r.iter().filter(|v| v.as_f64() == 1.0).count();
            ones == 1 && r.iter().all(|v| v.as_f64() == 0.0 || v.as_f64() == 1.0)
        })
}

/// Moves the remedy whose action starts with `action` to the front.
fn first_remedy(f: &mut Finding, action: &str) {
    if let Some(i) = f.remedies.iter().position(|r| r.action.starts_with(action)) {
        let r = f.remedies.remove(i);
        f.remedies.insert(0, r);
    }
}

/// Whether the loss normalises each row over the outputs (a softmax cross-entropy): its
/// gradient at zero logits against a one-hot row sums to zero across the row.
fn normalises_rows<F: Float>(loss: &dyn Loss<F>, width: usize) -> bool {
    if width < 2 {
        return false;
    }
    let logits = ndarray::Array2::<F>::zeros((1, width));
    let mut target = ndarray::Array2::<F>::zeros((1, width));
    target[[0, 0]] = F::one();
    let mut grad = ndarray::Array2::zeros((0, 0));
    match loss.value_and_grad(logits.view(), Targets::Dense(target.view()), &mut grad) {
        Ok(_) => grad.sum().as_f64().abs() < 1e-9,
        Err(_) => false,
    }
}

fn multi_label<F: Float>(t: &ArrayView2<'_, F>) -> bool {
    multi_label_share(t) > 0.0
}

fn multi_label_share<F: Float>(t: &ArrayView2<'_, F>) -> f64 {
    let rows = t
        .axis_iter(Axis(0))
        .filter(|r| r.iter().filter(|v| v.as_f64() == 1.0).count() > 1)
        .count();
    rows as f64 / t.nrows().max(1) as f64
}

fn distinct_count(values: impl Iterator<Item = f64>) -> usize {
    let mut v: Vec<u64> = values.map(f64::to_bits).collect();
    v.sort_unstable();
    v.dedup();
    v.len()
}

/// Columns far from the unit scale (mean or spread beyond 100).
fn check_scale<F: Float>(what: &str, a: &ArrayView2<'_, F>) -> Option<Finding> {
    let (mut worst, mut column) = (0.0f64, 0usize);
    for (j, c) in a.axis_iter(Axis(1)).enumerate() {
        let n = c.len().max(1) as f64;
        let mean = c.iter().map(|v| v.as_f64()).sum::<f64>() / n;
        let var = c.iter().map(|v| (v.as_f64() - mean).powi(2)).sum::<f64>() / n;
        let scale = mean.abs().max(var.sqrt());
        if scale.is_finite() && scale > worst {
            (worst, column) = (scale, j);
        }
    }
    (worst > 100.0).then(|| {
        let mut f = finding(
            Problem::DataScale,
            if worst > 1e4 { Severity::Critical } else { Severity::Warning },
            format!(
                "{what} column {column} has a mean or spread of {worst:.3e}, far from the unit \
                 scale the initialisation and learning rates assume"
            ),
            vec![Evidence::new(format!("{what}_scale"), worst)],
        );
        if what == "target" {
            f.remedies.insert(
                0,
                Remedy::new(
                    "MlpRegressor::scale_targets(true), or StandardScaler on y and its inverse on predictions",
                    "unit-scale targets keep the first gradients in range",
                ),
            );
        }
        f
    })
}

/// Columns whose distinct values merge when cast to `f32` (only for `f64` data).
fn check_precision<F: Float>(x: &ArrayView2<'_, F>) -> Option<Finding> {
    if F::NAME != "f64" {
        return None;
    }
    let mut worst: Option<(usize, usize, usize)> = None;
    for (j, c) in x.axis_iter(Axis(1)).enumerate() {
        let exact = distinct_count(c.iter().map(|v| v.as_f64()));
        let cast = distinct_count(c.iter().map(|v| v.as_f64() as f32 as f64));
        let lost = exact - cast;
        if exact >= 10 && lost * 10 >= exact && worst.is_none_or(|(_, l, _)| lost > l) {
            worst = Some((j, lost, exact));
        }
    }
    let (column, lost, exact) = worst?;
    Some(finding(
        Problem::PrecisionLoss,
        Severity::Warning,
        format!(
            "feature column {column}: {lost} of its {exact} distinct values become equal in f32 \
             (the values are large against their differences)"
        ),
        vec![Evidence::new("merged_share", lost as f64 / exact as f64)],
    ))
}

/// The remedies for the output and task problems, the most likely fix first.
pub(crate) fn output_remedies(problem: Problem) -> Vec<Remedy> {
    let r = Remedy::new;
    match problem {
        Problem::OutputRange => vec![
            r(
                "Mlp::new(..).output_activation(Activation::Identity) (a linear output)",
                "an unbounded output can reach every target",
            ),
            r(
                "scale the targets into the activation's range (MinMaxScaler)",
                "if a bounded output is wanted",
            ),
        ],
        Problem::LossOutputMismatch => vec![
            r(
                "output_activation(Activation::Identity) with CrossEntropy / BceWithLogits, or Bce after a sigmoid",
                "each loss expects its own kind of output: logits, or probabilities",
            ),
            r(
                "two output units with CrossEntropy instead of a softmax over one unit",
                "a softmax needs at least two classes",
            ),
        ],
        Problem::TaskMismatch => vec![
            r(
                "CrossEntropy with class indices (Vec<usize>) for labels; Mse for continuous targets",
                "the loss must match the kind of target",
            ),
            r(
                "BceWithLogits on one output per label for multi-label targets",
                "each label is its own yes/no question",
            ),
        ],
        _ => Vec::new(),
    }
}
