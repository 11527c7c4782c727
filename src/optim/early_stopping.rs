//! Early stopping with Keras `EarlyStopping` semantics, usable in any training loop.

use crate::model::Layer;
use crate::{Error, Float, Result};

/// Whether the monitored quantity should go down or up.
///
/// ```
/// use tuneup::optim::MonitorMode;
/// assert_eq!("max".parse::<MonitorMode>()?, MonitorMode::Max);
/// assert!(matches!("biggest".parse::<MonitorMode>(), Err(tuneup::Error::Config { .. })));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MonitorMode {
    /// Guess from the monitored name (the default): a name containing `loss` is minimised;
    /// otherwise one containing `acc`, `auc`, `precision`, `recall`, `f1` or `r2` is
    /// maximised, and one containing `error`, `mse`, `mae` or `perplexity` is minimised. Any
    /// other name is a configuration error: say [`MonitorMode::Min`] or [`MonitorMode::Max`].
    #[default]
    Auto,
    /// Lower is better.
    Min,
    /// Higher is better.
    Max,
}

impl std::str::FromStr for MonitorMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(MonitorMode::Auto),
            "min" => Ok(MonitorMode::Min),
            "max" => Ok(MonitorMode::Max),
            _ => Err(Error::config(
                "EarlyStopping.mode",
                format!("\"{s}\""),
                "one of auto, min, max",
            )),
        }
    }
}

/// What [`EarlyStopping::update`] decided.
///
/// ```
/// use tuneup::optim::StopDecision;
/// assert!(StopDecision::Stop.is_stop());
/// assert!(!StopDecision::Continue.is_stop());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopDecision {
    /// Keep training.
    Continue,
    /// Patience ran out: stop training.
    Stop,
}

impl StopDecision {
    /// True for [`StopDecision::Stop`].
    pub fn is_stop(self) -> bool {
        self == StopDecision::Stop
    }
}

/// Which rule decides that training has stopped improving.
///
/// The two differ in how an improvement counts and when the count runs out:
///
/// - **Keras** (`keras.callbacks.EarlyStopping`): an epoch improves when it beats the best
///   value by more than `min_delta`, and only then becomes the best; training stops once
///   `patience` epochs in a row have not improved (so `patience = 0` stops at the first epoch
///   that does not improve).
/// - **scikit-learn** (`MLPClassifier` / `MLPRegressor` with `tol` and `n_iter_no_change`): any
///   strictly better value becomes the best, but the count of epochs without improvement
///   resets only when a value beats the previous best by at least `tol` (`min_delta`); training
///   stops when that count *exceeds* `n_iter_no_change` (`patience`), i.e. after
///   `n_iter_no_change + 1` such epochs. A run that creeps down by less than `tol` per epoch
///   therefore stops under this rule while Keras's best value would not move at all.
///
/// ```
/// use tuneup::optim::{EarlyStopping, EarlyStoppingConfig, StoppingRule};
/// // The loss improves by 5e-5 per epoch, below tol = 1e-4.
/// let losses = [1.0, 0.99995, 0.9999, 0.99985, 0.9998];
/// let config = EarlyStoppingConfig {
///     monitor: "loss".into(), min_delta: 1e-4, patience: 2,
///     rule: StoppingRule::ScikitLearn, ..Default::default()
/// };
/// let mut sk = EarlyStopping::new(config)?;
/// let stops: Vec<bool> = losses.iter().enumerate()
///     .map(|(e, &l)| sk.observe(e, l).unwrap().is_stop()).collect();
/// assert_eq!(stops, [false, false, false, true, true]); // the count exceeds 2 at epoch 3
/// assert_eq!(sk.best_value(), Some(0.9998)); // yet every smaller loss became the best
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoppingRule {
    /// Keras's rule (the default).
    #[default]
    Keras,
    /// scikit-learn's `tol` / `n_iter_no_change` rule.
    ScikitLearn,
}

/// Settings of [`EarlyStopping`]; `Default` gives Keras's defaults (`val_loss`, no `min_delta`,
/// patience 0, auto mode, no baseline, no weight restoring, monitoring from epoch 0).
///
/// ```
/// use tuneup::optim::{EarlyStoppingConfig, MonitorMode};
/// let c = EarlyStoppingConfig { patience: 5, min_delta: 1e-3, ..Default::default() };
/// assert_eq!(c.monitor, "val_loss");
/// assert_eq!(c.mode, MonitorMode::Auto);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EarlyStoppingConfig {
    /// Name of the monitored quantity (for messages, and for [`MonitorMode::Auto`]).
    pub monitor: String,
    /// Minimise, maximise, or guess from the name.
    pub mode: MonitorMode,
    /// How much a value must beat the best one by to count as an improvement (finite, ≥ 0):
    /// `value + min_delta < best` in min mode, `value − min_delta > best` in max mode (Keras
    /// negates `min_delta` in min mode and tests `value − min_delta < best`, which is the same).
    pub min_delta: f64,
    /// Epochs without improvement tolerated before stopping.
    pub patience: u64,
    /// If set, the wait counter only resets on epochs that also beat this value, so training
    /// stops after `patience` monitored epochs unless the baseline is beaten.
    pub baseline: Option<f64>,
    /// Keep a copy of the parameters (and buffers, e.g. BatchNorm running statistics) of the
    /// best epoch, for [`EarlyStopping::restore`].
    pub restore_best_weights: bool,
    /// Epochs before this one are ignored entirely (a warm-up during which no improvement is
    /// expected).
    pub start_from_epoch: usize,
    /// Keras's rule or scikit-learn's (see [`StoppingRule`]); with scikit-learn's, `min_delta`
    /// is `tol`, `patience` is `n_iter_no_change` and `baseline` is not used.
    pub rule: StoppingRule,
}

impl Default for EarlyStoppingConfig {
    fn default() -> Self {
        EarlyStoppingConfig {
            monitor: "val_loss".to_string(),
            mode: MonitorMode::Auto,
            min_delta: 0.0,
            patience: 0,
            baseline: None,
            restore_best_weights: false,
            start_from_epoch: 0,
            rule: StoppingRule::Keras,
        }
    }
}

/// A copy of a model's parameter and buffer values, by name.
#[derive(Debug, Clone, Default)]
struct Snapshot {
    parameters: Vec<(String, Vec<f64>)>,
    buffers: Vec<(String, Vec<f64>)>,
}

impl Snapshot {
    /// Overwrites the copy with `model`'s current values, reusing the storage.
    fn capture<F: Float>(&mut self, model: &dyn Layer<F>) {
        fn copy_into<F: Float>(
            slot: &mut Vec<(String, Vec<f64>)>,
            i: &mut usize,
            name: &str,
            values: &[F],
        ) {
            if *i == slot.len() {
                slot.push((String::new(), Vec::new()));
            }
            let (n, v) = &mut slot[*i];
            if n != name {
                n.clear();
                n.push_str(name);
            }
            v.clear();
            v.extend(values.iter().map(|x| x.as_f64()));
            *i += 1;
        }
        let mut i = 0;
        model.visit_parameters(&mut |p| {
            copy_into(&mut self.parameters, &mut i, p.name(), p.value_slice())
        });
        self.parameters.truncate(i);
        let mut j = 0;
        model.visit_buffers(&mut |b| copy_into(&mut self.buffers, &mut j, b.name(), b.as_slice()));
        self.buffers.truncate(j);
    }

    /// Checks that `model` has the same parameters and buffers (names and sizes).
    fn check<F: Float>(&self, model: &dyn Layer<F>) -> Result<()> {
        let mut problem: Option<Error> = None;
        let mut i = 0;
        let mut check =
            |kind: &str, saved: &[(String, Vec<f64>)], i: &mut usize, name: &str, len: usize| {
                if problem.is_some() {
                    return;
                }
                match saved.get(*i) {
                    Some((n, v)) if n == name && v.len() == len => {}
                    Some((n, v)) => {
                        problem = Some(Error::shape(
                            "EarlyStopping::restore",
                            format!(
                                "{kind} {i} to be `{n}` with {} values, as saved",
                                v.len(),
                                i = *i
                            ),
                            format!("`{name}` with {len} values"),
                        ))
                    }
                    None => {
                        problem = Some(Error::shape(
                            "EarlyStopping::restore",
                            format!("{} {kind}s, as saved", saved.len()),
                            format!("more (`{name}` is extra)"),
                        ))
                    }
                }
                *i += 1;
            };
        model.visit_parameters(&mut |p| {
            check("parameter", &self.parameters, &mut i, p.name(), p.len())
        });
        let mut j = 0;
        model.visit_buffers(&mut |b| {
            check(
                "buffer",
                &self.buffers,
                &mut j,
                b.name(),
                b.as_slice().len(),
            )
        });
        if let Some(e) = problem {
            return Err(e);
        }
        if i != self.parameters.len() || j != self.buffers.len() {
            return Err(Error::shape(
                "EarlyStopping::restore",
                format!(
                    "{} parameters and {} buffers, as saved",
                    self.parameters.len(),
                    self.buffers.len()
                ),
                format!("{i} parameters and {j} buffers"),
            ));
        }
        Ok(())
    }

    /// Writes the copy back (after [`Snapshot::check`]).
    fn write<F: Float>(&self, model: &mut dyn Layer<F>) {
        let mut i = 0;
        model.visit_parameters_mut(&mut |p| {
            let (value, _) = p.value_and_grad_mut();
            for (dst, &src) in value.iter_mut().zip(&self.parameters[i].1) {
                *dst = F::cast(src);
            }
            i += 1;
        });
        let mut j = 0;
        model.visit_buffers_mut(&mut |b| {
            for (dst, &src) in b.as_slice_mut().iter_mut().zip(&self.buffers[j].1) {
                *dst = F::cast(src);
            }
            j += 1;
        });
    }
}

/// Stops training when a monitored quantity has stopped improving (Keras `EarlyStopping`).
///
/// Call [`update`](EarlyStopping::update) once per epoch with the epoch number (from 0) and the
/// monitored value; it returns [`StopDecision::Stop`] once patience runs out. The rules are
/// Keras's, step by step:
///
/// 1. Epochs before `start_from_epoch` are ignored.
/// 2. With `restore_best_weights`, the first monitored epoch's parameters are copied.
/// 3. The wait counter goes up by one.
/// 4. The value *improves* when `value + min_delta < best` (min mode) or
///    `value − min_delta > best` (max mode), i.e. beats the best by more than `min_delta`;
///    the first monitored value always improves. On an improvement the best value, epoch
///    and (if asked) parameters are recorded, and the wait counter goes back to 0 — unless a
///    `baseline` is set and the value does not also improve on it.
/// 5. Otherwise, if `wait ≥ patience` and the epoch is not 0, training stops.
///
/// A NaN value never improves (every comparison with NaN is false), so it counts towards the
/// patience like any epoch without improvement. A consequence of rule 4 that Keras shares: the
/// stop check only runs on epochs that do not improve on the best value, so with a baseline
/// that is never reached, a value that keeps improving on its own best does not stop
/// training; the check comes on the first epoch that does not improve, and stops training
/// then if `patience` monitored epochs have passed.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::optim::{EarlyStopping, EarlyStoppingConfig, StopDecision};
/// let net = Mlp::new(&[2, 1]).build::<f64>()?;
/// let mut stop = EarlyStopping::new(EarlyStoppingConfig { patience: 2, ..Default::default() })?;
/// let losses = [1.0, 0.8, 0.85, 0.81, 0.9];
/// let mut stopped_at = None;
/// for (epoch, &loss) in losses.iter().enumerate() {
///     if stop.update(epoch, loss, &net).is_stop() {
///         stopped_at = Some(epoch);
///         break;
///     }
/// }
/// assert_eq!(stopped_at, Some(3)); // epochs 2 and 3 did not beat 0.8
/// assert_eq!(stop.best_value(), Some(0.8));
/// assert_eq!(stop.best_epoch(), Some(1));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct EarlyStopping {
    config: EarlyStoppingConfig,
    minimize: bool,
    wait: u64,
    best: Option<f64>,
    best_epoch: Option<usize>,
    stopped_epoch: Option<usize>,
    snapshot: Option<Snapshot>,
}

impl EarlyStopping {
    /// Checks the settings (resolving [`MonitorMode::Auto`] from the name).
    ///
    /// ```
    /// use tuneup::optim::{EarlyStopping, EarlyStoppingConfig, MonitorMode};
    /// let named = |monitor: &str| EarlyStoppingConfig { monitor: monitor.into(), ..Default::default() };
    /// assert!(EarlyStopping::new(named("val_accuracy"))?.maximizes());
    /// assert!(!EarlyStopping::new(named("train_loss"))?.maximizes());
    /// assert!(matches!(EarlyStopping::new(named("widgets")), Err(tuneup::Error::Config { .. })));
    /// let negative = EarlyStoppingConfig { min_delta: -0.1, ..Default::default() };
    /// assert!(EarlyStopping::new(negative).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn new(config: EarlyStoppingConfig) -> Result<Self> {
        if config.monitor.trim().is_empty() {
            return Err(Error::config(
                "EarlyStopping.monitor",
                "\"\"",
                "the name of the monitored quantity, e.g. val_loss",
            ));
        }
        if !(config.min_delta.is_finite() && config.min_delta >= 0.0) {
            return Err(Error::config(
                "EarlyStopping.min_delta",
                config.min_delta,
                "a finite number ≥ 0 (the mode sets the direction)",
            ));
        }
        if let Some(b) = config.baseline {
            if !b.is_finite() {
                return Err(Error::config(
                    "EarlyStopping.baseline",
                    b,
                    "a finite value, or None",
                ));
            }
        }
        let minimize = match config.mode {
            MonitorMode::Min => true,
            MonitorMode::Max => false,
            MonitorMode::Auto => guess_minimize(&config.monitor)?,
        };
        Ok(EarlyStopping {
            config,
            minimize,
            wait: 0,
            best: None,
            best_epoch: None,
            stopped_epoch: None,
            snapshot: None,
        })
    }

    /// The settings.
    pub fn config(&self) -> &EarlyStoppingConfig {
        &self.config
    }

    /// The monitored quantity's name.
    pub fn monitor(&self) -> &str {
        &self.config.monitor
    }

    /// True when higher values are better.
    pub fn maximizes(&self) -> bool {
        !self.minimize
    }

    /// Forgets everything seen (Keras `on_train_begin`), so the object can serve a new run.
    ///
    /// ```
    /// use tuneup::optim::{EarlyStopping, EarlyStoppingConfig};
    /// let mut s = EarlyStopping::new(EarlyStoppingConfig::default())?;
    /// s.observe(0, 1.0)?;
    /// s.reset();
    /// assert_eq!(s.best_value(), None);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn reset(&mut self) {
        self.wait = 0;
        self.best = None;
        self.best_epoch = None;
        self.stopped_epoch = None;
        self.snapshot = None;
    }

    /// Records the monitored `value` at the end of `epoch` (counted from 0) and decides whether
    /// to stop. With `restore_best_weights`, `model`'s parameters and buffers are copied
    /// whenever the value improves (and on the first monitored epoch).
    pub fn update<F: Float>(
        &mut self,
        epoch: usize,
        value: f64,
        model: &dyn Layer<F>,
    ) -> StopDecision {
        self.record(epoch, value, Some(model))
    }

    /// [`update`](EarlyStopping::update) without a model, for runs that do not restore
    /// weights; with `restore_best_weights` set it returns [`Error::State`] and records nothing.
    ///
    /// ```
    /// use tuneup::optim::{EarlyStopping, EarlyStoppingConfig, StopDecision};
    /// let mut s = EarlyStopping::new(EarlyStoppingConfig { patience: 1, ..Default::default() })?;
    /// assert_eq!(s.observe(0, 0.5)?, StopDecision::Continue);
    /// assert_eq!(s.observe(1, 0.6)?, StopDecision::Stop);
    /// let restoring = EarlyStoppingConfig { restore_best_weights: true, ..Default::default() };
    /// assert!(EarlyStopping::new(restoring)?.observe(0, 0.5).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn observe(&mut self, epoch: usize, value: f64) -> Result<StopDecision> {
        if self.config.restore_best_weights {
            return Err(Error::state(
                "EarlyStopping",
                "restore_best_weights is set, so each update needs the model: call update(epoch, value, &model)",
            ));
        }
        Ok(self.record::<f64>(epoch, value, None))
    }

    fn record<F: Float>(
        &mut self,
        epoch: usize,
        value: f64,
        model: Option<&dyn Layer<F>>,
    ) -> StopDecision {
        if epoch < self.config.start_from_epoch {
            return StopDecision::Continue;
        }
        if self.config.rule == StoppingRule::ScikitLearn {
            return self.record_scikit_learn(epoch, value, model);
        }
        let worst = if self.minimize {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        };
        let improved = self.improves(value, self.best.unwrap_or(worst));
        // With restore_best_weights the first monitored epoch's parameters are always copied,
        // and after that those of every improving epoch.
        let first_copy = self.config.restore_best_weights && self.snapshot.is_none();
        if let Some(model) = model.filter(|_| first_copy || (improved && self.snapshot.is_some())) {
            self.snapshot
                .get_or_insert_with(Snapshot::default)
                .capture(model);
            self.best_epoch = Some(epoch);
        }
        self.wait += 1;
        if improved {
            self.best = Some(value);
            self.best_epoch = Some(epoch);
            let beats_baseline = match self.config.baseline {
                None => true,
                Some(b) => self.improves(value, b),
            };
            if beats_baseline {
                self.wait = 0;
            }
            return StopDecision::Continue;
        }
        if self.wait >= self.config.patience && epoch > 0 {
            self.stopped_epoch = Some(epoch);
            return StopDecision::Stop;
        }
        StopDecision::Continue
    }

    /// Keras's `monitor_op(value − signed min_delta, reference)`: `value` beats `reference`
    /// by more than `min_delta`.
    /// scikit-learn's `_update_no_improvement_count` (counting an epoch when
    /// `loss > best − tol`, or `score < best + tol`; a NaN resets the count, as there), then
    /// its `> n_iter_no_change` test.
    fn record_scikit_learn<F: Float>(
        &mut self,
        epoch: usize,
        value: f64,
        model: Option<&dyn Layer<F>>,
    ) -> StopDecision {
        let tol = self.config.min_delta;
        let (best, better, beats_by_tol) = match (self.minimize, self.best) {
            (_, None) => (value, true, true),
            (true, Some(b)) => (b, value < b, not_above(value, b - tol)),
            (false, Some(b)) => (b, value > b, not_above(b + tol, value)),
        };
        self.wait = if beats_by_tol { 0 } else { self.wait + 1 };
        if better || self.best.is_none() {
            self.best = Some(if better { value } else { best });
            self.best_epoch = Some(epoch);
            if let Some(model) = model.filter(|_| self.config.restore_best_weights) {
                self.snapshot
                    .get_or_insert_with(Snapshot::default)
                    .capture(model);
            }
        }
        if self.wait > self.config.patience {
            self.stopped_epoch = Some(epoch);
            return StopDecision::Stop;
        }
        StopDecision::Continue
    }

    fn improves(&self, value: f64, reference: f64) -> bool {
        if self.minimize {
            value + self.config.min_delta < reference
        } else {
            value - self.config.min_delta > reference
        }
    }

    /// The best monitored value so far (`None` before the first monitored epoch, or while
    /// every value was NaN).
    pub fn best_value(&self) -> Option<f64> {
        self.best
    }

    /// The epoch of the best value (with `restore_best_weights`, the first monitored epoch
    /// until a value improves — the epoch whose parameters are held).
    pub fn best_epoch(&self) -> Option<usize> {
        self.best_epoch
    }

    /// The epoch at which [`update`](EarlyStopping::update) last returned
    /// [`StopDecision::Stop`], if it did.
    pub fn stopped_epoch(&self) -> Option<usize> {
        self.stopped_epoch
    }

    /// Monitored epochs since the last reset of the wait counter.
    pub fn wait(&self) -> u64 {
        self.wait
    }

    /// True when a copy of the best parameters is held.
    pub fn has_best_weights(&self) -> bool {
        self.snapshot.is_some()
    }

    /// Writes the best epoch's parameters and buffers back into `model` (exactly: values are
    /// held as `f64`, which represents every `f32` and `f64` value).
    ///
    /// Fails with [`Error::State`] when no copy is held (`restore_best_weights` off, or no
    /// monitored epoch yet), and with [`Error::Shape`] when `model`'s parameters differ in name
    /// or size from the copied ones; `model` is unchanged then.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::optim::{EarlyStopping, EarlyStoppingConfig};
    /// let mut net = Mlp::new(&[2, 1]).build::<f32>()?;
    /// let config = EarlyStoppingConfig { restore_best_weights: true, ..Default::default() };
    /// let mut stop = EarlyStopping::new(config)?;
    /// stop.update(0, 0.5, &net);
    /// let best: Vec<f32> = { let mut v = vec![]; net.visit_parameters(&mut |p| v.extend_from_slice(p.value_slice())); v };
    /// net.visit_parameters_mut(&mut |p| p.value_mut().fill(9.0));
    /// stop.update(1, 0.7, &net); // worse: not copied
    /// stop.restore(&mut net)?;
    /// let mut now = vec![];
    /// net.visit_parameters(&mut |p| now.extend_from_slice(p.value_slice()));
    /// assert_eq!(now, best);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn restore<F: Float>(&self, model: &mut dyn Layer<F>) -> Result<()> {
        let snapshot = self.snapshot.as_ref().ok_or_else(|| {
            Error::state(
                "EarlyStopping::restore",
                if self.config.restore_best_weights {
                    "no monitored epoch yet, so no parameters were copied"
                } else {
                    "restore_best_weights is off, so no parameters were copied; set it in EarlyStoppingConfig"
                },
            )
        })?;
        snapshot.check(&*model)?;
        snapshot.write(model);
        Ok(())
    }
}

/// Keras-style guess of the direction from the monitored name.
fn guess_minimize(monitor: &str) -> Result<bool> {
    let name = monitor.to_ascii_lowercase();
    let name = name.strip_prefix("val_").unwrap_or(&name);
    if name.contains("loss") {
        return Ok(true);
    }
    if ["acc", "auc", "precision", "recall", "f1", "r2"]
        .iter()
        .any(|k| name.contains(k))
    {
        return Ok(false);
    }
    if ["error", "mse", "mae", "perplexity"]
        .iter()
        .any(|k| name.contains(k))
    {
        return Ok(true);
    }
    Err(Error::config(
        "EarlyStopping.mode",
        format!("Auto for monitor \"{monitor}\""),
        "MonitorMode::Min or MonitorMode::Max: the direction cannot be guessed from this name",
    ))
}

/// `!(a > b)` as scikit-learn's comparisons read it: true also when either is NaN.
fn not_above(a: f64, b: f64) -> bool {
    a.partial_cmp(&b) != Some(std::cmp::Ordering::Greater)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_direction_from_the_name() {
        assert!(guess_minimize("val_loss").unwrap());
        assert!(guess_minimize("mse").unwrap());
        assert!(!guess_minimize("val_acc").unwrap());
        assert!(!guess_minimize("AUC").unwrap());
        assert!(guess_minimize("speed").is_err());
    }
}
