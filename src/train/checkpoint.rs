//! A training checkpoint in one safetensors file: the model's full state, the optimizer's
//! and the schedule's state, the epoch, the random-stream position and free-form metadata.

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::{ArrayD, IxDyn};
use serde_json::{json, Value};

use super::safetensors_io::{write_atomically, Tensor, TensorFile};
use super::state_dict::{check_state_dict, load_state_dict, state_dict, LoadOptions, StateScope};
use crate::model::Layer;
use crate::optim::{LrSchedule, Optimizer, OptimizerState, ScheduleState};
use crate::parallel::{GradScaler, GradScalerState};
use crate::{Error, Float, Result};

const FORMAT_KEY: &str = "tuneup.checkpoint";
const FORMAT_VERSION: &str = "1";
const MODEL_PREFIX: &str = "model.";
const OPT_PREFIX: &str = "optimizer.";
const OPT_STEPS_PREFIX: &str = "optimizer_steps.";
const USER_PREFIX: &str = "user.";
/// The metadata key of a loss scaler's state (JSON with PyTorch's `state_dict` keys).
const GRAD_SCALER_KEY: &str = "grad_scaler";

/// Everything needed to resume training exactly, stored as one safetensors file.
///
/// - `model`: the [`StateScope::Full`] state dict (parameters, buffers and *all* counters,
///   Dropout's `mask_draws` included), under `model.<name>`;
/// - `optimizer`: an [`OptimizerState`] (tensors under `optimizer.<name>` as `F64`, each
///   parameter's step count under `optimizer_steps.<parameter>` as `I64`, kind, step count
///   and learning rate in the metadata);
/// - `schedule`: a [`ScheduleState`] (JSON in the metadata);
/// - `epoch`, `step`, `seed` and `rng_position`: where the run was;
/// - `metadata`: free-form string pairs for the caller (history as JSON, early-stopping
///   state…), stored as `user.<key>` in safetensors' `__metadata__`.
///
/// Floats in the metadata are written in Rust's shortest round-trip form, so a restored run
/// continues bit for bit.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::optim::schedule::StepLr;
/// use tuneup::train::Checkpoint;
///
/// let mut net = Mlp::new(&[2, 3, 1]).seed(0).build::<f64>()?;
/// let mut adam = Adam::new(0.01)?;
/// let mut schedule = StepLr::new(0.01, 2, 0.5)?;
/// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(0.1));
/// adam.step(&mut net)?;
/// schedule.step_optimizer::<f64>(&mut adam)?;
///
/// let bytes = Checkpoint::new(&net)?
///     .with_optimizer(adam.state())
///     .with_schedule(&schedule)
///     .with_epoch(1)
///     .with_metadata("note", "first epoch")
///     .to_bytes()?;
///
/// let ckpt = Checkpoint::from_bytes(&bytes)?;
/// let mut net2 = Mlp::new(&[2, 3, 1]).seed(9).build::<f64>()?;
/// let mut adam2 = Adam::new(0.01)?;
/// let mut schedule2 = StepLr::new(0.01, 2, 0.5)?;
/// ckpt.restore(&mut net2, Some(&mut adam2), Some(&mut schedule2))?;
/// assert!(adam2.state().bitwise_eq(&adam.state()));
/// assert_eq!(schedule2.state(), schedule.state());
/// assert_eq!(ckpt.epoch, 1);
/// assert_eq!(ckpt.metadata["note"], "first epoch");
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The model's full state dict (see [`StateScope::Full`]).
    pub model: BTreeMap<String, Tensor>,
    /// The optimizer's state, if one was saved.
    pub optimizer: Option<OptimizerState>,
    /// The learning-rate schedule's state, if one was saved.
    pub schedule: Option<ScheduleState>,
    /// Completed epochs.
    pub epoch: u64,
    /// Completed optimizer steps (batches), as the caller counts them.
    pub step: u64,
    /// The seed of the caller's random stream (data shuffling), if any.
    pub seed: Option<u64>,
    /// How far the caller's random stream had advanced (e.g. shuffles drawn); its meaning is
    /// the caller's.
    pub rng_position: Option<u64>,
    /// Free-form string pairs for the caller.
    pub metadata: BTreeMap<String, String>,
}

impl Checkpoint {
    /// A checkpoint holding the model's full state (and nothing else yet).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let net = Sequential::<f32>::new().push(Linear::new(2, 2, 0)?).push(Dropout::new(0.1, 0)?);
    /// let ckpt = tuneup::train::Checkpoint::new(&net)?;
    /// assert!(ckpt.model.contains_key("1.mask_draws"));
    /// assert!(ckpt.optimizer.is_none());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn new<F: Float>(model: &dyn Layer<F>) -> Result<Checkpoint> {
        Ok(Checkpoint {
            model: state_dict(model, StateScope::Full)?,
            optimizer: None,
            schedule: None,
            epoch: 0,
            step: 0,
            seed: None,
            rng_position: None,
            metadata: BTreeMap::new(),
        })
    }

    /// Adds the optimizer's state (from [`Optimizer::state`]; the built-in optimizers also
    /// have an inherent `state()` that needs no float type annotation).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let net = Mlp::new(&[2, 1]).build::<f64>()?;
    /// let sgd = Sgd::new(0.1)?;
    /// let ckpt = tuneup::train::Checkpoint::new(&net)?.with_optimizer(sgd.state());
    /// assert_eq!(ckpt.optimizer.unwrap().learning_rate, 0.1);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_optimizer(mut self, state: OptimizerState) -> Self {
        self.optimizer = Some(state);
        self
    }

    /// Adds the schedule's state.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::optim::schedule::ExponentialLr;
    /// let net = Mlp::new(&[2, 1]).build::<f64>()?;
    /// let s = ExponentialLr::new(0.1, 0.9)?;
    /// let ckpt = tuneup::train::Checkpoint::new(&net)?.with_schedule(&s);
    /// assert_eq!(ckpt.schedule.unwrap().schedule, "ExponentialLR");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_schedule(mut self, schedule: &dyn LrSchedule) -> Self {
        self.schedule = Some(schedule.state());
        self
    }

    /// Sets the number of completed epochs.
    ///
    /// ```
    /// let net = tuneup::prelude::Mlp::new(&[2, 1]).build::<f32>()?;
    /// assert_eq!(tuneup::train::Checkpoint::new(&net)?.with_epoch(3).epoch, 3);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_epoch(mut self, epoch: u64) -> Self {
        self.epoch = epoch;
        self
    }

    /// Sets the number of completed optimizer steps.
    ///
    /// ```
    /// let net = tuneup::prelude::Mlp::new(&[2, 1]).build::<f32>()?;
    /// assert_eq!(tuneup::train::Checkpoint::new(&net)?.with_step(120).step, 120);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_step(mut self, step: u64) -> Self {
        self.step = step;
        self
    }

    /// Sets the seed of the caller's random stream and how far it had advanced.
    ///
    /// ```
    /// let net = tuneup::prelude::Mlp::new(&[2, 1]).build::<f32>()?;
    /// let c = tuneup::train::Checkpoint::new(&net)?.with_rng(42, 7);
    /// assert_eq!((c.seed, c.rng_position), (Some(42), Some(7)));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_rng(mut self, seed: u64, position: u64) -> Self {
        self.seed = Some(seed);
        self.rng_position = Some(position);
        self
    }

    /// Adds a loss scaler's state ([`GradScaler::state`]), as JSON with PyTorch's
    /// `state_dict` keys under the metadata key `grad_scaler`.
    ///
    /// ```
    /// use tuneup::parallel::GradScaler;
    /// let net = tuneup::prelude::Mlp::new(&[2, 1]).build::<f32>()?;
    /// let mut scaler = GradScaler::new();
    /// scaler.set_scale(1024.0)?;
    /// let bytes = tuneup::train::Checkpoint::new(&net)?.with_grad_scaler(&scaler).to_bytes()?;
    /// let ckpt = tuneup::train::Checkpoint::from_bytes(&bytes)?;
    /// let mut restored = GradScaler::new();
    /// restored.load_state(&ckpt.grad_scaler_state()?.unwrap())?;
    /// assert_eq!(restored.scale_factor(), 1024.0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_grad_scaler(self, scaler: &GradScaler) -> Self {
        self.with_metadata(GRAD_SCALER_KEY, scaler.state().to_json())
    }

    /// The loss scaler's state, if one was saved ([`Checkpoint::with_grad_scaler`]).
    ///
    /// # Errors
    /// [`Error::Value`] when the saved entry cannot be read.
    ///
    /// ```
    /// let net = tuneup::prelude::Mlp::new(&[2, 1]).build::<f32>()?;
    /// assert!(tuneup::train::Checkpoint::new(&net)?.grad_scaler_state()?.is_none());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn grad_scaler_state(&self) -> Result<Option<GradScalerState>> {
        self.metadata
            .get(GRAD_SCALER_KEY)
            .map(|json| GradScalerState::from_json(json).map_err(|e| e.within("Checkpoint")))
            .transpose()
    }

    /// Adds a free-form metadata pair.
    ///
    /// ```
    /// let net = tuneup::prelude::Mlp::new(&[2, 1]).build::<f32>()?;
    /// let c = tuneup::train::Checkpoint::new(&net)?.with_metadata("history", "[0.5, 0.4]");
    /// assert_eq!(c.metadata["history"], "[0.5, 0.4]");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Loads the model's full state, strictly: every parameter, buffer and counter must be
    /// present with its shape, and nothing else, or nothing changes and the error lists the
    /// problems.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut a = Mlp::new(&[2, 2]).seed(1).build::<f64>()?;
    /// let mut b = Mlp::new(&[2, 2]).seed(2).build::<f64>()?;
    /// tuneup::train::Checkpoint::new(&a)?.restore_model(&mut b)?;
    /// let x = ndarray::Array2::ones((1, 2));
    /// assert_eq!(a.predict(x.view())?, b.predict(x.view())?);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn restore_model<F: Float>(&self, model: &mut dyn Layer<F>) -> Result<()> {
        load_state_dict(model, &self.model, Self::model_options())
            .map(|_| ())
            .map_err(|e| e.within("Checkpoint::restore_model"))
    }

    fn model_options() -> LoadOptions {
        LoadOptions::strict().scope(StateScope::Full)
    }

    /// Restores the model and, when given, the optimizer and the schedule, checking
    /// everything before changing anything: if the model's state does not fit, the
    /// checkpoint has no optimizer (or schedule) state while one is given, or the state
    /// belongs to another kind of optimizer (or schedule), the call fails and the model,
    /// optimizer and schedule are as they were.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::Checkpoint;
    /// let mut net = Mlp::new(&[2, 1]).build::<f64>()?;
    /// let adam = Adam::new(1e-3)?;
    /// let bytes = Checkpoint::new(&net)?.with_optimizer(adam.state()).to_bytes()?;
    /// let mut sgd = Sgd::new(0.1)?;
    /// let err = Checkpoint::from_bytes(&bytes)?.restore(&mut net, Some(&mut sgd), None);
    /// assert!(err.unwrap_err().to_string().contains("saved by `Adam`"));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn restore<F: Float>(
        &self,
        model: &mut dyn Layer<F>,
        optimizer: Option<&mut dyn Optimizer<F>>,
        schedule: Option<&mut dyn LrSchedule>,
    ) -> Result<()> {
        let context = "Checkpoint::restore";
        let report = check_state_dict(&*model, &self.model, Self::model_options())?;
        if !report.is_complete() {
            // Produces the error that lists every problem; changes nothing.
            return self.restore_model(model);
        }
        let mut previous: Option<(OptimizerState, &mut dyn Optimizer<F>)> = None;
        if let Some(opt) = optimizer {
            let saved = self.optimizer.as_ref().ok_or_else(|| {
                Error::value(
                    context,
                    "optimizer state in the checkpoint",
                    "a checkpoint saved without an optimizer",
                )
            })?;
            let before = opt.state();
            opt.load_state(&*model, saved)
                .map_err(|e| e.within(context))?;
            previous = Some((before, opt));
        }
        if let Some(sched) = schedule {
            let result = match &self.schedule {
                Some(saved) => sched.load_state(saved).map_err(|e| e.within(context)),
                None => Err(Error::value(
                    context,
                    "schedule state in the checkpoint",
                    "a checkpoint saved without a schedule",
                )),
            };
            if let Err(e) = result {
                if let Some((before, opt)) = previous {
                    // The optimizer accepted this model's state a moment ago, so it
                    // accepts its own previous state back.
                    let _ = opt.load_state(&*model, &before);
                }
                return Err(e);
            }
        }
        self.restore_model(model)
    }

    /// The checkpoint as one safetensors file in memory.
    ///
    /// ```
    /// let net = tuneup::prelude::Mlp::new(&[2, 1]).build::<f32>()?;
    /// let bytes = tuneup::train::Checkpoint::new(&net)?.with_epoch(2).to_bytes()?;
    /// assert_eq!(tuneup::train::Checkpoint::from_bytes(&bytes)?.epoch, 2);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.to_file()?.to_bytes()
    }

    /// The checkpoint as a [`TensorFile`] (what [`Checkpoint::to_bytes`] writes).
    ///
    /// ```
    /// let net = tuneup::prelude::Mlp::new(&[2, 1]).build::<f32>()?;
    /// let file = tuneup::train::Checkpoint::new(&net)?.to_file()?;
    /// assert!(file.get("model.0.weight").is_some());
    /// assert_eq!(file.metadata["tuneup.epoch"], "0");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn to_file(&self) -> Result<TensorFile> {
        let mut file = TensorFile::new();
        for (name, t) in &self.model {
            file.insert(format!("{MODEL_PREFIX}{name}"), t.clone());
        }
        let meta = &mut file.metadata;
        meta.insert(FORMAT_KEY.into(), FORMAT_VERSION.into());
        meta.insert("tuneup.epoch".into(), self.epoch.to_string());
        meta.insert("tuneup.step".into(), self.step.to_string());
        if let Some(seed) = self.seed {
            meta.insert("tuneup.seed".into(), seed.to_string());
        }
        if let Some(pos) = self.rng_position {
            meta.insert("tuneup.rng_position".into(), pos.to_string());
        }
        if let Some(opt) = &self.optimizer {
            file.metadata
                .insert("tuneup.optimizer".into(), opt.optimizer.clone());
            file.metadata
                .insert("tuneup.optimizer.steps".into(), opt.steps.to_string());
            file.metadata.insert(
                "tuneup.optimizer.learning_rate".into(),
                float_text(opt.learning_rate),
            );
            for (name, t) in &opt.tensors {
                let data: Vec<f64> = t.iter().copied().collect();
                file.insert(
                    format!("{OPT_PREFIX}{name}"),
                    Tensor::from_f64(t.shape(), &data)?,
                );
            }
            for (name, &steps) in &opt.param_steps {
                let steps = i64::try_from(steps)
                    .map_err(|_| Error::value("Checkpoint", "step counts ≤ i64::MAX", steps))?;
                file.insert(
                    format!("{OPT_STEPS_PREFIX}{name}"),
                    Tensor::scalar_i64(steps),
                );
            }
        }
        if let Some(s) = &self.schedule {
            file.metadata
                .insert("tuneup.schedule".into(), schedule_to_json(s).to_string());
        }
        for (k, v) in &self.metadata {
            file.metadata.insert(format!("{USER_PREFIX}{k}"), v.clone());
        }
        Ok(file)
    }

    /// Reads a checkpoint from a [`TensorFile`]. A file without tuneup's checkpoint marker (a
    /// plain weights file), with a tensor outside the checkpoint's namespaces, or with
    /// unreadable metadata is an [`Error::Value`] saying which entry is wrong.
    ///
    /// ```
    /// use tuneup::train::{weights_to_bytes, Checkpoint, TensorFile};
    /// let net = tuneup::prelude::Mlp::new(&[2, 1]).build::<f32>()?;
    /// let weights = TensorFile::from_bytes(&weights_to_bytes(&net)?)?;
    /// assert!(Checkpoint::from_file(&weights).is_err()); // weights, not a checkpoint
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn from_file(file: &TensorFile) -> Result<Checkpoint> {
        let meta = &file.metadata;
        check_format(meta)?;
        let mut ckpt = Checkpoint {
            model: BTreeMap::new(),
            optimizer: None,
            schedule: None,
            epoch: meta_int(meta, "tuneup.epoch")?.unwrap_or(0),
            step: meta_int(meta, "tuneup.step")?.unwrap_or(0),
            seed: meta_int(meta, "tuneup.seed")?,
            rng_position: meta_int(meta, "tuneup.rng_position")?,
            metadata: meta
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix(USER_PREFIX)?.to_string(), v.clone())))
                .collect(),
        };
        let mut opt = optimizer_header(meta)?;
        for (name, t) in &file.tensors {
            if let Some(rest) = name.strip_prefix(MODEL_PREFIX) {
                ckpt.model.insert(rest.to_string(), t.clone());
            } else if let Some(state) = opt.as_mut() {
                insert_optimizer_tensor(state, name, t)?;
            } else {
                return Err(unexpected_tensor(name));
            }
        }
        ckpt.optimizer = opt;
        if let Some(text) = meta.get("tuneup.schedule") {
            let value: Value = serde_json::from_str(text).map_err(|e| {
                Error::value("checkpoint", "JSON in `tuneup.schedule`", e.to_string())
            })?;
            ckpt.schedule = Some(schedule_from_json(&value)?);
        }
        Ok(ckpt)
    }

    /// Parses a checkpoint from safetensors bytes (see [`Checkpoint::from_file`]).
    ///
    /// ```
    /// assert!(tuneup::train::Checkpoint::from_bytes(&[0u8; 4]).is_err());
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Checkpoint> {
        Self::from_file(&TensorFile::from_bytes(bytes)?)
    }

    /// Writes the checkpoint to `path`, replacing an existing file only once the new one is
    /// complete. Failure to write is an [`Error::Io`] naming the path.
    ///
    /// ```no_run
    /// let net = tuneup::prelude::Mlp::new(&[2, 1]).build::<f32>()?;
    /// tuneup::train::Checkpoint::new(&net)?.with_epoch(5).save("ckpt.safetensors")?;
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), &self.to_bytes()?)
    }

    /// Reads a checkpoint from `path`: an unreadable path is an [`Error::Io`], a corrupted
    /// file or one that is not a checkpoint an [`Error::Value`], both naming the file.
    ///
    /// ```
    /// let err = tuneup::train::Checkpoint::load("no/such/ckpt.safetensors").unwrap_err();
    /// assert!(matches!(err, tuneup::Error::Io { .. }));
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Checkpoint> {
        let path = path.as_ref();
        let file = TensorFile::read(path)?;
        Self::from_file(&file).map_err(|e| e.within(format!("file {}", path.display())))
    }
}

/// Shortest text that parses back to the same `f64` (`inf`, `-inf` and `NaN` included).
/// Checks the checkpoint format version in the metadata.
fn check_format(meta: &BTreeMap<String, String>) -> Result<()> {
    match meta.get(FORMAT_KEY).map(String::as_str) {
        Some(FORMAT_VERSION) => Ok(()),
        Some(other) => Err(Error::value(
            "checkpoint",
            format!("format version {FORMAT_VERSION}"),
            format!("version {other}"),
        )),
        None => Err(Error::value(
            "checkpoint",
            format!("a tuneup checkpoint (metadata key `{FORMAT_KEY}`)"),
            "a safetensors file without it (a weights file? use load_weights)",
        )),
    }
}

/// A whole number ≥ 0 stored under `key`, if present.
fn meta_int(meta: &BTreeMap<String, String>, key: &str) -> Result<Option<u64>> {
    meta.get(key)
        .map(|v| {
            v.parse::<u64>().map_err(|_| {
                Error::value("checkpoint", format!("a whole number ≥ 0 for `{key}`"), v)
            })
        })
        .transpose()
}

/// The optimizer's kind, step count and learning rate, when the checkpoint has an optimizer.
fn optimizer_header(meta: &BTreeMap<String, String>) -> Result<Option<OptimizerState>> {
    let Some(kind) = meta.get("tuneup.optimizer") else {
        return Ok(None);
    };
    let mut state = OptimizerState::new(kind.clone(), 0.0);
    state.steps = meta_int(meta, "tuneup.optimizer.steps")?.unwrap_or(0);
    let lr = meta.get("tuneup.optimizer.learning_rate").ok_or_else(|| {
        Error::value(
            "checkpoint",
            "`tuneup.optimizer.learning_rate`",
            "no such key",
        )
    })?;
    state.learning_rate = parse_float(lr, "tuneup.optimizer.learning_rate")?;
    Ok(Some(state))
}

/// Files an `optimizer.*` tensor or an `optimizer_steps.*` count into the optimizer state.
fn insert_optimizer_tensor(state: &mut OptimizerState, name: &str, t: &Tensor) -> Result<()> {
    let within = |e: Error| e.within(format!("checkpoint tensor `{name}`"));
    if let Some(rest) = name.strip_prefix(OPT_PREFIX) {
        let data = t.to_f64().map_err(within)?;
        let array = ArrayD::from_shape_vec(IxDyn(t.shape()), data).map_err(|_| {
            Error::value(
                "checkpoint",
                format!("tensor `{name}` with as many values as its shape holds"),
                format!("shape {:?}", t.shape()),
            )
        })?;
        state.tensors.insert(rest.to_string(), array);
        return Ok(());
    }
    let Some(rest) = name.strip_prefix(OPT_STEPS_PREFIX) else {
        return Err(unexpected_tensor(name));
    };
    match t.to_i64().map_err(within)?.as_slice() {
        [n] if *n >= 0 => {
            state.param_steps.insert(rest.to_string(), *n as u64);
            Ok(())
        }
        v => Err(Error::value(
            "checkpoint",
            format!("one step count ≥ 0 in `{name}`"),
            format!("{v:?}"),
        )),
    }
}

fn unexpected_tensor(name: &str) -> Error {
    Error::value(
        "checkpoint",
        "tensors named model.*, or optimizer.* / optimizer_steps.* with optimizer metadata",
        format!("tensor `{name}`"),
    )
}

fn float_text(x: f64) -> String {
    format!("{x:?}")
}

fn parse_float(text: &str, what: &str) -> Result<f64> {
    text.parse::<f64>()
        .map_err(|_| Error::value("checkpoint", format!("a number for `{what}`"), text))
}

fn schedule_to_json(s: &ScheduleState) -> Value {
    json!({
        "schedule": s.schedule,
        "steps": s.steps,
        "lr": float_text(s.lr),
        "counters": s.counters.iter().map(|(k, v)| json!([k, float_text(*v)])).collect::<Vec<_>>(),
        "parts": s.parts.iter().map(schedule_to_json).collect::<Vec<_>>(),
    })
}

fn schedule_from_json(v: &Value) -> Result<ScheduleState> {
    let bad = |what: &str| {
        Error::value(
            "checkpoint `tuneup.schedule`",
            what.to_string(),
            v.to_string(),
        )
    };
    let name = v["schedule"]
        .as_str()
        .ok_or_else(|| bad("a `schedule` name"))?;
    let steps = v["steps"]
        .as_u64()
        .ok_or_else(|| bad("a whole `steps` count"))?;
    let lr = parse_float(v["lr"].as_str().ok_or_else(|| bad("an `lr` string"))?, "lr")?;
    let mut state = ScheduleState::new(name, steps, lr);
    for c in v["counters"]
        .as_array()
        .ok_or_else(|| bad("a `counters` list"))?
    {
        match (c[0].as_str(), c[1].as_str()) {
            (Some(k), Some(x)) => state.counters.push((k.to_string(), parse_float(x, k)?)),
            _ => return Err(bad("counters as [name, value] pairs")),
        }
    }
    for p in v["parts"].as_array().ok_or_else(|| bad("a `parts` list"))? {
        state.parts.push(schedule_from_json(p)?);
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_survive_their_text_form() {
        for x in [
            0.1,
            1e-300,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            5e-324,
        ] {
            let back = parse_float(&float_text(x), "x").unwrap();
            assert_eq!(back.to_bits(), x.to_bits(), "{x}");
        }
        assert!(parse_float(&float_text(f64::NAN), "x").unwrap().is_nan());
    }

    #[test]
    fn nested_schedule_state_round_trips() {
        let inner = ScheduleState::new("LinearLR", 2, 0.05).with("factor", 0.5);
        let mut outer = ScheduleState::new("SequentialLR", 3, 0.1).with("best", f64::INFINITY);
        outer.parts.push(inner);
        let back = schedule_from_json(&schedule_to_json(&outer)).unwrap();
        assert_eq!(back, outer);
    }
}
