//! Gradient, weight and activation health: pure functions over any [`Layer`] and any layer
//! output, for a hand-written loop or for the Trainer's health monitor callback.
//!
//! - [`parameter_norms`]: each parameter's weight and gradient L2 norms.
//! - [`ParameterSnapshot`] and [`update_ratio`]: the update/weight ratio `‖Δθ‖ / ‖θ‖` of an
//!   optimizer step (a healthy step is often around `1e-3`; far above, the learning rate is too
//!   high; far below, training crawls).
//! - [`dead_fraction`], [`saturated_fraction`] and [`activation_stats`]: the share of ReLU units
//!   that never fire on a batch, and of sigmoid / tanh units stuck at their bounds.
//!
//! All norms are accumulated in `f64`, whatever the model's float type.
//!
//! ```
//! use tuneup::diagnostics::health::{parameter_norms, ParameterSnapshot};
//! use tuneup::prelude::*;
//! let mut net = Mlp::new(&[2, 3, 1]).seed(0).build::<f64>()?;
//! let before = ParameterSnapshot::of(&net);
//! net.visit_parameters_mut(&mut |p| p.grad_mut().fill(1.0));
//! Sgd::new(0.1)?.step(&mut net)?;
//! let norms = parameter_norms(&net);
//! assert_eq!(norms[0].name, "0.weight");
//! assert!((norms[0].grad_norm - 6f64.sqrt()).abs() < 1e-12);
//! let ratios = before.update_ratios(&net)?;
//! assert!((ratios[0].update_norm - 0.1 * 6f64.sqrt()).abs() < 1e-12);
//! # Ok::<(), tuneup::Error>(())
//! ```

use ndarray::ArrayView2;

use crate::model::{Activation, Layer, ParamKind};
use crate::{Error, Float, Result};

/// The Euclidean norm of `values`, accumulated in `f64`.
///
/// ```
/// use tuneup::diagnostics::health::l2_norm;
/// assert_eq!(l2_norm(&[3.0f32, 4.0]), 5.0);
/// assert_eq!(l2_norm::<f64>(&[]), 0.0);
/// ```
pub fn l2_norm<F: Float>(values: &[F]) -> f64 {
    values
        .iter()
        .map(|v| {
            let v = v.as_f64();
            v * v
        })
        .sum::<f64>()
        .sqrt()
}

/// The weight and gradient norms of one parameter, from [`parameter_norms`].
///
/// ```
/// use tuneup::diagnostics::health::parameter_norms;
/// use tuneup::prelude::*;
/// let net = Linear::<f32>::from_weights(ndarray::array![[3.0, 4.0]], None)?;
/// let n = &parameter_norms(&net)[0];
/// assert_eq!((n.name.as_str(), n.len, n.weight_norm, n.grad_norm), ("weight", 2, 5.0, 0.0));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ParameterNorms {
    /// The parameter's full name, e.g. `0.weight`.
    pub name: String,
    /// Its role (weight, bias, normalisation); not serialized.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub kind: ParamKind,
    /// Number of scalars.
    pub len: usize,
    /// Whether it is frozen (frozen parameters are reported, but their gradients are unused).
    pub frozen: bool,
    /// `‖θ‖₂`.
    pub weight_norm: f64,
    /// `‖∇θ‖₂` of the gradient currently accumulated in the parameter.
    pub grad_norm: f64,
}

/// The weight and gradient L2 norms of every parameter of `model`, in visiting order.
///
/// The gradient norm is that of whatever gradient the parameters hold now: call it after
/// `backward` and before `zero_grad`.
///
/// ```
/// use tuneup::diagnostics::health::parameter_norms;
/// use tuneup::prelude::*;
/// let net = Mlp::new(&[4, 3, 2]).build::<f64>()?;
/// let names: Vec<_> = parameter_norms(&net).into_iter().map(|n| n.name).collect();
/// // The fused ReLU counts as a module, as in PyTorch's `nn.Sequential`.
/// assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn parameter_norms<F: Float>(model: &dyn Layer<F>) -> Vec<ParameterNorms> {
    let mut out = Vec::new();
    model.visit_parameters(&mut |p| {
        out.push(ParameterNorms {
            name: p.name().to_string(),
            kind: p.kind(),
            len: p.len(),
            frozen: p.is_frozen(),
            weight_norm: l2_norm(p.value_slice()),
            grad_norm: l2_norm(p.grad_slice()),
        })
    });
    out
}

/// The update/weight ratio `‖after − before‖₂ / ‖before‖₂` of one parameter.
///
/// When `before` is all zeros (a bias at initialisation) the ratio is `0` if nothing changed
/// and `+∞` otherwise. Slices of different lengths are a shape error.
///
/// ```
/// use tuneup::diagnostics::health::update_ratio;
/// assert!((update_ratio(&[3.0f64, 4.0], &[3.0, 4.05])? - 0.01).abs() < 1e-12);
/// assert_eq!(update_ratio(&[0.0f64], &[0.0])?, 0.0);
/// assert!(update_ratio(&[0.0f64], &[1.0])?.is_infinite());
/// assert!(update_ratio(&[1.0f64], &[1.0, 2.0]).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn update_ratio<F: Float>(before: &[F], after: &[F]) -> Result<f64> {
    if before.len() != after.len() {
        return Err(Error::shape(
            "update_ratio",
            format!("parameter values after the step of length {}", before.len()),
            format!("length {}", after.len()),
        ));
    }
    let update = delta_norm(before, after);
    Ok(ratio(update, l2_norm(before)))
}

fn delta_norm<F: Float>(before: &[F], after: &[F]) -> f64 {
    before
        .iter()
        .zip(after)
        .map(|(b, a)| {
            let d = a.as_f64() - b.as_f64();
            d * d
        })
        .sum::<f64>()
        .sqrt()
}

fn ratio(update: f64, weight: f64) -> f64 {
    if weight > 0.0 {
        update / weight
    } else if update == 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

/// One parameter's update from [`ParameterSnapshot::update_ratios`].
///
/// ```
/// use tuneup::diagnostics::health::UpdateRatio;
/// let r = UpdateRatio { name: "0.weight".into(), update_norm: 0.01, weight_norm: 10.0, ratio: 1e-3 };
/// assert_eq!(r.ratio, r.update_norm / r.weight_norm);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UpdateRatio {
    /// The parameter's full name.
    pub name: String,
    /// `‖Δθ‖₂`.
    pub update_norm: f64,
    /// `‖θ‖₂` before the step.
    pub weight_norm: f64,
    /// `‖Δθ‖₂ / ‖θ‖₂` (see [`update_ratio`] for a zero `θ`).
    pub ratio: f64,
}

/// A copy of every parameter's values (with names), to measure an optimizer step against.
///
/// [`ParameterSnapshot::capture`] reuses its buffers, so taking a snapshot every step of the
/// same model allocates nothing after the first.
///
/// ```
/// use tuneup::diagnostics::health::ParameterSnapshot;
/// use tuneup::prelude::*;
/// let net = Mlp::new(&[2, 2]).build::<f32>()?;
/// let mut snap = ParameterSnapshot::new();
/// snap.capture(&net);
/// assert_eq!(snap.len(), 2);
/// assert_eq!(snap.names().collect::<Vec<_>>(), ["0.weight", "0.bias"]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ParameterSnapshot<F> {
    entries: Vec<(String, Vec<F>)>,
    filled: usize,
}

impl<F: Float> ParameterSnapshot<F> {
    /// An empty snapshot.
    ///
    /// ```
    /// let s = tuneup::diagnostics::health::ParameterSnapshot::<f64>::new();
    /// assert!(s.is_empty());
    /// ```
    pub fn new() -> Self {
        ParameterSnapshot {
            entries: Vec::new(),
            filled: 0,
        }
    }

    /// A snapshot of `model`'s parameters now.
    ///
    /// ```
    /// use tuneup::diagnostics::health::ParameterSnapshot;
    /// use tuneup::prelude::*;
    /// let net = Mlp::new(&[3, 1]).build::<f64>()?;
    /// assert_eq!(ParameterSnapshot::of(&net).len(), 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn of(model: &dyn Layer<F>) -> Self {
        let mut s = Self::new();
        s.capture(model);
        s
    }

    /// Replaces the snapshot with `model`'s current parameter values, reusing buffers.
    ///
    /// ```
    /// use tuneup::diagnostics::health::ParameterSnapshot;
    /// use tuneup::prelude::*;
    /// let (a, b) = (Mlp::new(&[3, 1]).build::<f64>()?, Mlp::new(&[3, 2, 1]).build::<f64>()?);
    /// let mut s = ParameterSnapshot::of(&a);
    /// s.capture(&b);
    /// assert_eq!(s.len(), 4);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn capture(&mut self, model: &dyn Layer<F>) {
        let mut i = 0;
        let entries = &mut self.entries;
        model.visit_parameters(&mut |p| {
            if i == entries.len() {
                entries.push((String::new(), Vec::new()));
            }
            let (name, values) = &mut entries[i];
            if name != p.name() {
                name.clear();
                name.push_str(p.name());
            }
            values.clear();
            values.extend_from_slice(p.value_slice());
            i += 1;
        });
        self.filled = i;
    }

    /// Number of parameters in the snapshot.
    ///
    /// ```
    /// assert_eq!(tuneup::diagnostics::health::ParameterSnapshot::<f32>::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.filled
    }

    /// True when the snapshot holds no parameter.
    ///
    /// ```
    /// assert!(tuneup::diagnostics::health::ParameterSnapshot::<f32>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.filled == 0
    }

    /// The parameter names, in visiting order.
    ///
    /// ```
    /// use tuneup::diagnostics::health::ParameterSnapshot;
    /// use tuneup::prelude::*;
    /// let net = Linear::<f32>::new(2, 1, 0)?;
    /// assert_eq!(ParameterSnapshot::of(&net).names().collect::<Vec<_>>(), ["weight", "bias"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries[..self.filled].iter().map(|(n, _)| n.as_str())
    }

    /// The stored `(name, values)` pairs, in visiting order.
    ///
    /// ```
    /// use tuneup::diagnostics::health::ParameterSnapshot;
    /// use tuneup::prelude::*;
    /// let net = Linear::<f64>::from_weights(ndarray::array![[1.0, 2.0]], None)?;
    /// let snap = ParameterSnapshot::of(&net);
    /// assert_eq!(snap.iter().collect::<Vec<_>>(), [("weight", &[1.0, 2.0][..])]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[F])> {
        self.entries[..self.filled]
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
    }

    /// The stored values of the parameter called `name`.
    ///
    /// ```
    /// use tuneup::diagnostics::health::ParameterSnapshot;
    /// use tuneup::prelude::*;
    /// let net = Linear::<f64>::from_weights(ndarray::array![[1.0, 2.0]], None)?;
    /// assert_eq!(ParameterSnapshot::of(&net).get("weight"), Some(&[1.0, 2.0][..]));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn get(&self, name: &str) -> Option<&[F]> {
        self.entries[..self.filled]
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The update/weight ratio of every parameter between this snapshot (before a step) and
    /// `model` now (after it), in visiting order.
    ///
    /// A model whose parameters differ in number, names or sizes from the snapshot is a shape
    /// error naming the first mismatch.
    ///
    /// ```
    /// use tuneup::diagnostics::health::ParameterSnapshot;
    /// use tuneup::prelude::*;
    /// let mut net = Linear::<f64>::from_weights(ndarray::array![[3.0, 4.0]], None)?;
    /// let before = ParameterSnapshot::of(&net);
    /// net.visit_parameters_mut(&mut |p| p.value_mut()[[0, 0]] += 0.05);
    /// assert!((before.update_ratios(&net)?[0].ratio - 0.01).abs() < 1e-12);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn update_ratios(&self, model: &dyn Layer<F>) -> Result<Vec<UpdateRatio>> {
        let mut out = Vec::with_capacity(self.filled);
        self.update_ratios_into(model, &mut out)?;
        Ok(out)
    }

    /// Like [`ParameterSnapshot::update_ratios`], writing into `out` (cleared first).
    ///
    /// ```
    /// use tuneup::diagnostics::health::ParameterSnapshot;
    /// use tuneup::prelude::*;
    /// let net = Mlp::new(&[2, 1]).build::<f32>()?;
    /// let mut out = Vec::new();
    /// ParameterSnapshot::of(&net).update_ratios_into(&net, &mut out)?;
    /// assert!(out.iter().all(|r| r.update_norm == 0.0));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn update_ratios_into(
        &self,
        model: &dyn Layer<F>,
        out: &mut Vec<UpdateRatio>,
    ) -> Result<()> {
        out.clear();
        let mut i = 0;
        let mut error = None;
        let entries = &self.entries[..self.filled];
        model.visit_parameters(&mut |p| {
            if error.is_some() {
                return;
            }
            let Some((name, before)) = entries.get(i) else {
                error = Some(Error::shape(
                    "ParameterSnapshot::update_ratios",
                    format!("a model with {} parameters", entries.len()),
                    format!("more, starting with `{}`", p.name()),
                ));
                return;
            };
            i += 1;
            if name != p.name() || before.len() != p.len() {
                error = Some(Error::shape(
                    "ParameterSnapshot::update_ratios",
                    format!("parameter `{name}` with {} values", before.len()),
                    format!("`{}` with {} values", p.name(), p.len()),
                ));
                return;
            }
            let update_norm = delta_norm(before, p.value_slice());
            let weight_norm = l2_norm(before);
            out.push(UpdateRatio {
                name: name.clone(),
                update_norm,
                weight_norm,
                ratio: ratio(update_norm, weight_norm),
            });
        });
        if let Some(e) = error {
            return Err(e);
        }
        if i != entries.len() {
            return Err(Error::shape(
                "ParameterSnapshot::update_ratios",
                format!("a model with {} parameters", entries.len()),
                format!("{i} parameters"),
            ));
        }
        Ok(())
    }
}

/// What a layer's output units are, for activation statistics: which failure they can show.
///
/// ```
/// use tuneup::diagnostics::health::UnitKind;
/// use tuneup::model::Activation;
/// assert_eq!(UnitKind::from_activation(Activation::Relu), UnitKind::Relu);
/// assert_eq!(UnitKind::from_description("Linear(4 → 8, tanh)"), UnitKind::Tanh);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum UnitKind {
    /// ReLU outputs (`≥ 0`): a unit can die (output 0 for every input).
    Relu,
    /// Sigmoid outputs (in `(0, 1)`): a unit can saturate near 0 or 1.
    Sigmoid,
    /// Tanh outputs (in `(−1, 1)`): a unit can saturate near ±1.
    Tanh,
    /// Anything else (linear outputs, leaky ReLU, GELU, …): no statistic applies.
    Other,
}

impl UnitKind {
    /// The kind of units an activation function produces.
    ///
    /// ```
    /// use tuneup::diagnostics::health::UnitKind;
    /// use tuneup::model::Activation;
    /// assert_eq!(UnitKind::from_activation(Activation::Sigmoid), UnitKind::Sigmoid);
    /// assert_eq!(UnitKind::from_activation(Activation::LEAKY_RELU), UnitKind::Other);
    /// ```
    pub fn from_activation(activation: Activation) -> Self {
        match activation {
            Activation::Relu => UnitKind::Relu,
            Activation::Sigmoid => UnitKind::Sigmoid,
            Activation::Tanh => UnitKind::Tanh,
            _ => UnitKind::Other,
        }
    }

    /// The kind of units a layer outputs, as the layer states it
    /// ([`Layer::output_activation`]): a `Linear` with a fused activation, an
    /// `ActivationLayer`, or a custom layer that says so. Anything else is [`UnitKind::Other`].
    ///
    /// ```
    /// use tuneup::diagnostics::health::UnitKind;
    /// use tuneup::prelude::*;
    /// let lin = Linear::<f32>::new(2, 2, 0)?.with_activation(Activation::Tanh)?;
    /// assert_eq!(UnitKind::of(&lin), UnitKind::Tanh);
    /// assert_eq!(UnitKind::of(&Dropout::<f32>::new(0.1, 0)?), UnitKind::Other);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn of<F: Float>(layer: &dyn Layer<F>) -> Self {
        layer
            .output_activation()
            .map_or(UnitKind::Other, UnitKind::from_activation)
    }

    /// The kind of units a layer outputs, read from its [`Layer::describe`] text (prefer
    /// [`UnitKind::of`], which asks the layer): a
    /// `Linear` with a fused activation (`Linear(4 → 8, relu)`) or an `ActivationLayer`
    /// (`ReLU`, `Sigmoid`, `Tanh`). Anything else is [`UnitKind::Other`].
    ///
    /// ```
    /// use tuneup::diagnostics::health::UnitKind;
    /// use tuneup::prelude::*;
    /// let relu = ActivationLayer::<f32>::new(Activation::Relu)?;
    /// assert_eq!(UnitKind::from_description(&relu.describe()), UnitKind::Relu);
    /// let lin = Linear::<f32>::new(2, 2, 0)?.with_activation(Activation::Sigmoid)?;
    /// assert_eq!(UnitKind::from_description(&lin.describe()), UnitKind::Sigmoid);
    /// assert_eq!(UnitKind::from_description("Linear(2 → 2, leaky_relu(0.01))"), UnitKind::Other);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn from_description(description: &str) -> Self {
        let d = description.trim().to_ascii_lowercase();
        let ends = |name: &str| d == name || d.ends_with(&format!(", {name})"));
        if ends("relu") {
            UnitKind::Relu
        } else if ends("sigmoid") {
            UnitKind::Sigmoid
        } else if ends("tanh") {
            UnitKind::Tanh
        } else {
            UnitKind::Other
        }
    }
}

/// When a bounded unit counts as saturated: its output lies within `delta` of a bound (0 or 1
/// for sigmoid, ±1 for tanh) in at least `batch_fraction` of the batch's rows.
///
/// The defaults, `delta = 0.01` and `batch_fraction = 0.95`, flag a sigmoid unit whose input
/// exceeds about ±4.6 (a tanh unit, ±2.6) on 95% of the samples: its local derivative is then
/// below 0.01 (tanh: 0.02), and almost no gradient passes through it.
///
/// ```
/// use tuneup::diagnostics::health::SaturationConfig;
/// let c = SaturationConfig::default();
/// assert_eq!((c.delta, c.batch_fraction), (0.01, 0.95));
/// assert!(c.validate().is_ok());
/// assert!(SaturationConfig { delta: 0.6, ..c }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SaturationConfig {
    /// Distance to a bound, in output units, in `(0, 0.5)`.
    pub delta: f64,
    /// Share of the batch's rows that must be near a bound, in `(0, 1]`.
    pub batch_fraction: f64,
}

impl Default for SaturationConfig {
    fn default() -> Self {
        SaturationConfig {
            delta: 0.01,
            batch_fraction: 0.95,
        }
    }
}

impl SaturationConfig {
    /// Checks `0 < delta < 0.5` and `0 < batch_fraction ≤ 1`.
    ///
    /// ```
    /// use tuneup::diagnostics::health::SaturationConfig;
    /// let bad = SaturationConfig { delta: 0.01, batch_fraction: 0.0 };
    /// assert!(matches!(bad.validate(), Err(tuneup::Error::Config { .. })));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if !(self.delta > 0.0 && self.delta < 0.5) {
            return Err(Error::config(
                "SaturationConfig.delta",
                self.delta,
                "a distance to the bound in (0, 0.5)",
            ));
        }
        if !(self.batch_fraction > 0.0 && self.batch_fraction <= 1.0) {
            return Err(Error::config(
                "SaturationConfig.batch_fraction",
                self.batch_fraction,
                "a share of the batch in (0, 1]",
            ));
        }
        Ok(())
    }
}

fn check_output<F: Float>(context: &str, output: &ArrayView2<'_, F>) -> Result<()> {
    if output.nrows() == 0 || output.ncols() == 0 {
        return Err(Error::shape(
            context,
            "a layer output with at least one row and one column",
            format!("{} × {}", output.nrows(), output.ncols()),
        ));
    }
    Ok(())
}

/// The fraction of dead units in a ReLU layer's output (one row per sample, one column per
/// unit): columns that are `≤ 0` in every row of the batch. Such a unit passes no gradient
/// for any of these samples. A NaN entry counts as alive (it is not `≤ 0`).
///
/// An output with no row or no column is a shape error.
///
/// ```
/// use tuneup::diagnostics::health::dead_fraction;
/// let relu_out = ndarray::array![[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]];
/// assert_eq!(dead_fraction(relu_out.view())?, 0.5);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn dead_fraction<F: Float>(output: ArrayView2<'_, F>) -> Result<f64> {
    check_output("dead_fraction", &output)?;
    let zero = F::zero();
    let mut alive = vec![false; output.ncols()];
    for row in output.rows() {
        for (a, &v) in alive.iter_mut().zip(row) {
            *a |= v > zero || v.is_nan();
        }
    }
    let dead = alive.iter().filter(|a| !**a).count();
    Ok(dead as f64 / alive.len() as f64)
}

/// The fraction of saturated units in a sigmoid or tanh layer's output (one row per sample,
/// one column per unit), as defined by [`SaturationConfig`]: a unit is saturated when its
/// output is within `delta` of a bound (sigmoid: `y ≤ δ` or `y ≥ 1 − δ`; tanh: `|y| ≥ 1 − δ`)
/// in at least `batch_fraction` of the rows. Rows may be near different bounds.
///
/// `kind` must be [`UnitKind::Sigmoid`] or [`UnitKind::Tanh`] (a value error otherwise); an
/// output with no row or column is a shape error, a bad config a config error.
///
/// ```
/// use tuneup::diagnostics::health::{saturated_fraction, SaturationConfig, UnitKind};
/// let sigmoid_out = ndarray::array![[0.999, 0.5], [0.001, 0.6]];
/// let c = SaturationConfig::default();
/// assert_eq!(saturated_fraction(sigmoid_out.view(), UnitKind::Sigmoid, &c)?, 0.5);
/// assert!(saturated_fraction(sigmoid_out.view(), UnitKind::Relu, &c).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn saturated_fraction<F: Float>(
    output: ArrayView2<'_, F>,
    kind: UnitKind,
    config: &SaturationConfig,
) -> Result<f64> {
    config.validate()?;
    check_output("saturated_fraction", &output)?;
    let delta = config.delta;
    let near: fn(f64, f64) -> bool = match kind {
        UnitKind::Sigmoid => |y, d| y <= d || y >= 1.0 - d,
        UnitKind::Tanh => |y, d| y.abs() >= 1.0 - d,
        other => {
            return Err(Error::value(
                "saturated_fraction",
                "sigmoid or tanh units",
                format!("{other:?} units"),
            ))
        }
    };
    let mut counts = vec![0usize; output.ncols()];
    for row in output.rows() {
        for (c, &v) in counts.iter_mut().zip(row) {
            *c += usize::from(near(v.as_f64(), delta));
        }
    }
    // A unit is saturated when count / rows ≥ batch_fraction; compared in integers (with the
    // threshold rounded up) so that, e.g., 19 of 20 rows meets 0.95 exactly.
    let rows = output.nrows() as f64;
    let needed = (config.batch_fraction * rows - 1e-9 * rows).ceil().max(1.0) as usize;
    let saturated = counts.iter().filter(|&&c| c >= needed).count();
    Ok(saturated as f64 / counts.len() as f64)
}

/// The activation statistics of one layer output, from [`activation_stats`].
///
/// ```
/// use tuneup::diagnostics::health::{activation_stats, SaturationConfig, UnitKind};
/// let s = activation_stats(ndarray::array![[0.0f32, 1.0]].view(), UnitKind::Relu,
///     &SaturationConfig::default())?;
/// assert_eq!((s.units, s.rows, s.dead_fraction, s.saturated_fraction), (2, 1, Some(0.5), None));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ActivationStats {
    /// The kind of units measured.
    pub kind: UnitKind,
    /// Number of units (columns).
    pub units: usize,
    /// Number of samples (rows) measured.
    pub rows: usize,
    /// Dead fraction ([`dead_fraction`]), for ReLU units only.
    pub dead_fraction: Option<f64>,
    /// Saturated fraction ([`saturated_fraction`]), for sigmoid and tanh units only.
    pub saturated_fraction: Option<f64>,
}

/// The statistics that apply to `kind`: dead units for ReLU, saturated units for sigmoid and
/// tanh, none for [`UnitKind::Other`] (both `None`).
///
/// ```
/// use tuneup::diagnostics::health::{activation_stats, SaturationConfig, UnitKind};
/// let tanh_out = ndarray::array![[0.995, 0.2], [-0.999, -0.1]];
/// let s = activation_stats(tanh_out.view(), UnitKind::Tanh, &SaturationConfig::default())?;
/// assert_eq!(s.saturated_fraction, Some(0.5));
/// assert_eq!(s.dead_fraction, None);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn activation_stats<F: Float>(
    output: ArrayView2<'_, F>,
    kind: UnitKind,
    config: &SaturationConfig,
) -> Result<ActivationStats> {
    check_output("activation_stats", &output)?;
    let (dead, saturated) = match kind {
        UnitKind::Relu => (Some(dead_fraction(output)?), None),
        UnitKind::Sigmoid | UnitKind::Tanh => {
            (None, Some(saturated_fraction(output, kind, config)?))
        }
        UnitKind::Other => {
            config.validate()?;
            (None, None)
        }
    };
    Ok(ActivationStats {
        kind,
        units: output.ncols(),
        rows: output.nrows(),
        dead_fraction: dead,
        saturated_fraction: saturated,
    })
}
