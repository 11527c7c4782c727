//! What every built-in optimizer shares: per-parameter state slots created lazily, group
//! resolution, the checked step (nothing changes unless every gradient is finite and the model
//! is the one the state belongs to) and state export / import.
//!
//! An optimizer is an [`Engine`] (learning rate, weight decay, groups, slots) plus an
//! [`UpdateRule`] (its own hyperparameters and the per-element update).

use std::collections::HashMap;
use std::ops::Range;

use ndarray::{ArrayD, IxDyn};

use super::optimizer::{check_gradients_finite, check_learning_rate};
use super::{OptimizerState, ParamGroup, Shard};
use crate::model::Layer;
use crate::{Error, Float, FloatVecs, Result};

/// What every built-in optimizer forwards to its engine the same way: the inherent
/// `reconfigure` (the builder setters' checked path), `group`, `config`, `groups`,
/// `learning_rate`, `state` and `fresh`, the [`Optimizer`](super::Optimizer) impl, and the
/// [`OptimizerConfig`](super::OptimizerConfig) impls of the optimizer and of its config. The
/// optimizer is a struct with `engine: Engine` and `config: $config` (a `Copy` config with
/// `validate()` and a `weight_decay`), built by `$ty::with_config`, and a `rule()` giving its
/// [`UpdateRule`]; `$kind` is PyTorch's class name and `$lr` a learning rate for the doc
/// examples.
macro_rules! engine_optimizer {
    ($ty:ident, $config:ident, $owner:literal, $kind:literal, $lr:literal) => {
        impl $ty {
            /// Applies `change` to a copy of the settings and keeps it if it validates; refused
            /// once the optimizer holds state.
            fn reconfigure(mut self, change: impl FnOnce(&mut $config)) -> crate::Result<Self> {
                self.engine.ensure_fresh($owner)?;
                let mut config = self.config;
                change(&mut config);
                config.validate()?;
                self.config = config;
                self.engine.weight_decay = config.weight_decay;
                Ok(self)
            }

            /// Adds a parameter group (see [`ParamGroup`](crate::optim::ParamGroup)); its
            /// overrides are checked here.
            ///
            /// ```
            /// use tuneup::optim::ParamGroup;
            #[doc = concat!("let opt = tuneup::optim::", stringify!($ty), "::new(", stringify!($lr), ").unwrap();")]
            /// assert!(opt.group(ParamGroup::biases_and_norms().weight_decay(0.0)).is_ok());
            /// ```
            pub fn group(mut self, group: crate::optim::ParamGroup) -> crate::Result<Self> {
                self.engine.add_group($owner, group)?;
                Ok(self)
            }

            /// The settings (the learning rate as built; `learning_rate()` gives the current
            /// one).
            pub fn config(&self) -> &$config {
                &self.config
            }

            /// The parameter groups, in the order they were added.
            pub fn groups(&self) -> &[crate::optim::ParamGroup] {
                self.engine.groups()
            }

            /// The current learning rate (also available through
            /// [`Optimizer::learning_rate`](crate::optim::Optimizer::learning_rate)).
            pub fn learning_rate(&self) -> f64 {
                self.engine.lr
            }

            /// Sets the base learning rate (also available through
            /// [`Optimizer::set_learning_rate`](crate::optim::Optimizer::set_learning_rate),
            /// which needs the float type named); finite and ≥ 0, else an
            /// [`Error::Config`](crate::Error::Config) and no change.
            ///
            /// ```
            #[doc = concat!("let mut o = tuneup::optim::", stringify!($ty), "::new(", stringify!($lr), ").unwrap();")]
            /// o.set_learning_rate(0.5).unwrap();
            /// assert_eq!(o.learning_rate(), 0.5);
            /// assert!(o.set_learning_rate(-1.0).is_err());
            /// assert_eq!(o.learning_rate(), 0.5);
            /// ```
            pub fn set_learning_rate(&mut self, lr: f64) -> crate::Result<()> {
                self.engine.set_learning_rate($owner, lr)
            }

            /// The optimizer's state (also available through
            /// [`Optimizer::state`](crate::optim::Optimizer::state)), under PyTorch's class name.
            ///
            /// ```
            #[doc = concat!("let state = tuneup::optim::", stringify!($ty), "::new(", stringify!($lr), ").unwrap().state();")]
            #[doc = concat!("assert_eq!(state.optimizer, \"", $kind, "\");")]
            /// assert!(state.is_empty());
            /// ```
            pub fn state(&self) -> crate::optim::OptimizerState {
                self.engine.export(&self.rule())
            }

            /// A new optimizer with the same settings, parameter groups and current learning
            /// rate, but no state (no buffers, no step counts): what
            /// [`OptimizerConfig::build`](crate::optim::OptimizerConfig::build) gives for an
            /// optimizer value.
            ///
            /// ```
            /// use tuneup::prelude::*;
            /// let mut net = Mlp::new(&[2, 1]).build::<f64>()?;
            /// net.visit_parameters_mut(&mut |p| p.grad_mut().fill(1.0));
            #[doc = concat!("let mut opt = tuneup::optim::", stringify!($ty), "::new(", stringify!($lr), ")?.group(ParamGroup::biases_and_norms())?;")]
            /// opt.step(&mut net)?;
            /// assert!(!opt.state().is_empty());
            /// Optimizer::<f64>::set_learning_rate(&mut opt, 0.5)?;
            /// let fresh = opt.fresh();
            /// assert!(fresh.state().is_empty());
            /// assert_eq!(fresh.learning_rate(), 0.5);
            /// assert_eq!(fresh.groups().len(), 1);
            /// # Ok::<(), tuneup::Error>(())
            /// ```
            pub fn fresh(&self) -> Self {
                $ty {
                    config: self.config,
                    engine: self.engine.fresh(),
                }
            }
        }

        impl<F: crate::Float> crate::optim::OptimizerConfig<F> for $ty {
            fn build(&self) -> crate::Result<Box<dyn crate::optim::Optimizer<F>>> {
                Ok(Box::new(self.fresh()))
            }

            fn name(&self) -> String {
                $kind.to_string()
            }
        }

        impl<F: crate::Float> crate::optim::OptimizerConfig<F> for $config {
            fn build(&self) -> crate::Result<Box<dyn crate::optim::Optimizer<F>>> {
                Ok(Box::new($ty::with_config(*self)?))
            }

            fn name(&self) -> String {
                $kind.to_string()
            }
        }

        impl<F: crate::Float> crate::optim::Optimizer<F> for $ty {
            fn step(&mut self, model: &mut dyn crate::model::Layer<F>) -> crate::Result<()> {
                let rule = self.rule();
                self.engine.step(&rule, model, crate::optim::Shard::whole())
            }

            fn step_shard(
                &mut self,
                model: &mut dyn crate::model::Layer<F>,
                shard: crate::optim::Shard,
            ) -> crate::Result<()> {
                let rule = self.rule();
                self.engine.step(&rule, model, shard)
            }

            fn learning_rate(&self) -> f64 {
                self.engine.lr
            }

            fn set_learning_rate(&mut self, lr: f64) -> crate::Result<()> {
                self.engine.set_learning_rate($owner, lr)
            }

            fn state(&self) -> crate::optim::OptimizerState {
                $ty::state(self)
            }

            fn load_state(
                &mut self,
                model: &dyn crate::model::Layer<F>,
                state: &crate::optim::OptimizerState,
            ) -> crate::Result<()> {
                let rule = self.rule();
                self.engine.import(&rule, model, state)
            }
        }
    };
}
pub(crate) use engine_optimizer;

/// The hyperparameters one parameter is updated with at one step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepContext {
    /// The group's learning rate (base × factor).
    pub lr: f64,
    /// The group's weight decay.
    pub weight_decay: f64,
    /// This parameter's step count, already incremented (1 on its first update).
    pub step: u64,
}

/// One optimizer's update of one parameter: element-wise, so that any cut of a parameter into
/// ranges, each updated on its own thread, gives the same bits as one pass.
pub(crate) trait UpdateRule: Sync {
    /// PyTorch's class name (`"Adam"`), stored in [`OptimizerState::optimizer`].
    const KIND: &'static str;
    /// Where errors from `step` come from (`"Adam step"`).
    const STEP_CONTEXT: &'static str;
    /// The per-parameter buffers this configuration keeps, in PyTorch's names.
    fn buffers(&self) -> &'static [&'static str];
    /// What new buffers are filled with (Adagrad's initial accumulator; 0 otherwise).
    fn initial_value(&self) -> f64 {
        0.0
    }
    /// Updates `value` in place from `grad`; `buffers` has one slice per name in `buffers()`,
    /// each as long as `value`. Element `i` of the result depends on element `i` of the
    /// inputs only (the engine may update a parameter in several ranges at once).
    fn update<F: Float>(
        &self,
        ctx: &StepContext,
        buffers: &mut [&mut [F]],
        value: &mut [F],
        grad: &[F],
    );
}

/// The state of one parameter, in visiting order.
#[derive(Debug, Clone)]
struct Slot {
    name: String,
    shape: Vec<usize>,
    /// The first group that selects the parameter, if any.
    group: Option<usize>,
    /// How many times this parameter was updated.
    step: u64,
    /// Empty until the first update, then one vector per buffer name, in the parameters' own
    /// precision (as PyTorch keeps it).
    buffers: FloatVecs,
}

/// Learning rate, default weight decay, groups and per-parameter state.
#[derive(Debug, Clone)]
pub(crate) struct Engine {
    pub lr: f64,
    pub weight_decay: f64,
    groups: Vec<ParamGroup>,
    /// `None` until the first step or `load_state` lays the model's parameters out.
    slots: Option<Vec<Slot>>,
    steps: u64,
}

impl Engine {
    pub fn new(lr: f64, weight_decay: f64) -> Self {
        Engine {
            lr,
            weight_decay,
            groups: Vec::new(),
            slots: None,
            steps: 0,
        }
    }

    pub fn groups(&self) -> &[ParamGroup] {
        &self.groups
    }

    /// The same learning rate, weight decay and groups, with no state.
    pub fn fresh(&self) -> Self {
        Engine {
            groups: self.groups.clone(),
            ..Engine::new(self.lr, self.weight_decay)
        }
    }

    /// Configuration that shapes the state (buffers, groups) may only change before the first
    /// step or `load_state`.
    pub fn ensure_fresh(&self, owner: &str) -> Result<()> {
        if self.slots.is_some() || self.steps > 0 {
            return Err(Error::state(
                owner,
                "hyperparameters can only be set before the first step or load_state; \
                 build a new optimizer (the learning rate can always be changed with \
                 set_learning_rate)",
            ));
        }
        Ok(())
    }

    pub fn add_group(&mut self, owner: &str, group: ParamGroup) -> Result<()> {
        self.ensure_fresh(owner)?;
        group.validate(owner, self.groups.len())?;
        self.groups.push(group);
        Ok(())
    }

    pub fn set_learning_rate(&mut self, owner: &str, lr: f64) -> Result<()> {
        check_learning_rate(owner, lr)?;
        self.lr = lr;
        Ok(())
    }

    /// A fresh slot per parameter of `model`, groups resolved.
    fn layout<F: Float>(&self, model: &dyn Layer<F>) -> Vec<Slot> {
        let mut slots = Vec::new();
        model.visit_parameters(&mut |p| {
            slots.push(Slot {
                name: p.name().to_string(),
                shape: p.shape().to_vec(),
                group: self
                    .groups
                    .iter()
                    .position(|g| g.selects(p.name(), p.kind())),
                step: 0,
                buffers: FloatVecs::Empty,
            })
        });
        slots
    }

    /// Checks that `model` has the parameters the slots were laid out for (no allocation
    /// unless there is an error).
    fn check_layout<F: Float>(slots: &[Slot], model: &dyn Layer<F>, context: &str) -> Result<()> {
        let mut i = 0;
        let mut bad: Option<Error> = None;
        model.visit_parameters(&mut |p| {
            if bad.is_none() {
                match slots.get(i) {
                    Some(s) if s.name == p.name() && s.shape == p.shape() => {}
                    Some(s) => {
                        bad = Some(Error::state(
                            context,
                            format!(
                                "the optimizer's state belongs to a model whose parameter #{i} is \
                                 `{}` of shape {:?}, but this model's is `{}` of shape {:?}; use \
                                 one optimizer per model",
                                s.name,
                                s.shape,
                                p.name(),
                                p.shape()
                            ),
                        ))
                    }
                    None => {
                        bad = Some(Error::state(
                            context,
                            format!(
                                "the optimizer's state belongs to a model with {} parameters, \
                                 but this model has more (`{}` is #{i}); use one optimizer per \
                                 model",
                                slots.len(),
                                p.name()
                            ),
                        ))
                    }
                }
            }
            i += 1;
        });
        if bad.is_none() && i != slots.len() {
            bad = Some(Error::state(
                context,
                format!(
                    "the optimizer's state belongs to a model with {} parameters, but this model \
                     has {i}; use one optimizer per model",
                    slots.len()
                ),
            ));
        }
        bad.map_or(Ok(()), Err)
    }

    /// One checked step over `shard`'s positions of every parameter (all of them for
    /// [`Shard::whole`]): nothing changes unless every unfrozen gradient is finite and the
    /// model matches the state. Step counts and buffers are kept for every parameter; a
    /// share's buffers are updated only at its positions.
    pub fn step<R: UpdateRule, F: Float>(
        &mut self,
        rule: &R,
        model: &mut dyn Layer<F>,
        shard: Shard,
    ) -> Result<()> {
        check_gradients_finite(model, R::STEP_CONTEXT)?;
        if let Some(slots) = &self.slots {
            Self::check_layout(slots, model, R::STEP_CONTEXT)?;
            if let Some(slot) = slots
                .iter()
                .find(|s| !s.buffers.is_empty() && F::typed_vecs(&s.buffers).is_none())
            {
                return Err(Error::state(
                    R::STEP_CONTEXT,
                    format!(
                        "the state of {} was kept for another float type than this model's {}; \
                         use one optimizer per model",
                        slot.name,
                        F::NAME
                    ),
                ));
            }
        } else {
            self.slots = Some(self.layout(model));
        }
        let Engine {
            lr,
            weight_decay,
            groups,
            slots,
            steps,
        } = self;
        let Some(slots) = slots.as_mut() else {
            return Ok(());
        };
        let names = rule.buffers();
        let init = F::cast(rule.initial_value());
        let mut i = 0;
        model.visit_parameters_mut(&mut |p| {
            let index = i;
            i += 1;
            if p.is_frozen() {
                return;
            }
            let Some(slot) = slots.get_mut(index) else {
                return;
            };
            if F::typed_vecs(&slot.buffers).is_none_or(|b| b.len() != names.len()) {
                slot.buffers = F::wrap_vecs(vec![vec![init; p.len()]; names.len()]);
            }
            let Some(buffers) = F::typed_vecs_mut(&mut slot.buffers) else {
                return;
            };
            slot.step += 1;
            let ctx = match slot.group.and_then(|g| groups.get(g)) {
                Some(g) => StepContext {
                    lr: *lr * g.learning_rate_factor(),
                    weight_decay: g.weight_decay_override().unwrap_or(*weight_decay),
                    step: slot.step,
                },
                None => StepContext {
                    lr: *lr,
                    weight_decay: *weight_decay,
                    step: slot.step,
                },
            };
            p.mask_gradient();
            let len = p.len();
            let (value, grad) = p.value_and_grad_mut();
            update_split(rule, &ctx, buffers, value, grad, shard.positions(len));
            p.mask_value();
        });
        *steps += 1;
        Ok(())
    }

    /// The state, as named `f64` tensors.
    pub fn export<R: UpdateRule>(&self, rule: &R) -> OptimizerState {
        let mut state = OptimizerState::new(R::KIND, self.lr);
        state.steps = self.steps;
        for slot in self.slots.iter().flatten() {
            if slot.step == 0 && slot.buffers.is_empty() {
                continue;
            }
            state.param_steps.insert(slot.name.clone(), slot.step);
            let buffers: Vec<Vec<f64>> = match &slot.buffers {
                FloatVecs::Empty => Vec::new(),
                FloatVecs::F32(v) => v
                    .iter()
                    .map(|b| b.iter().map(|&x| f64::from(x)).collect())
                    .collect(),
                FloatVecs::F64(v) => v.clone(),
            };
            for (name, buffer) in rule.buffers().iter().zip(buffers) {
                let tensor = ArrayD::from_shape_vec(IxDyn(&slot.shape), buffer)
                    .expect("a buffer has its parameter's length");
                state
                    .tensors
                    .insert(format!("{}.{name}", slot.name), tensor);
            }
        }
        state
    }

    /// Restores an exported state for `model`, checking everything before changing anything.
    pub fn import<R: UpdateRule, F: Float>(
        &mut self,
        rule: &R,
        model: &dyn Layer<F>,
        state: &OptimizerState,
    ) -> Result<()> {
        let context = format!("{}::load_state", R::KIND);
        if state.optimizer != R::KIND {
            return Err(Error::value(
                &context,
                format!("a state saved by a {} optimizer", R::KIND),
                format!("a state saved by `{}`", state.optimizer),
            ));
        }
        check_learning_rate(
            &format!("{context}: state.learning_rate"),
            state.learning_rate,
        )?;
        let names = rule.buffers();
        let mut slots = self.layout(model);
        let names_owned: Vec<String> = slots.iter().map(|s| s.name.clone()).collect();
        let index: HashMap<&str, usize> = names_owned
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let mut has_step = vec![false; slots.len()];
        let mut found: Vec<Vec<Option<Vec<f64>>>> = vec![vec![None; names.len()]; slots.len()];
        let (mut missing, mut extra, mut mis_sized) = (Vec::new(), Vec::new(), Vec::new());

        for (name, &step) in &state.param_steps {
            match index.get(name.as_str()) {
                Some(&i) => {
                    has_step[i] = true;
                    slots[i].step = step;
                }
                None => extra.push(format!(
                    "{name} (step count of a parameter the model lacks)"
                )),
            }
        }
        for (key, tensor) in &state.tensors {
            let split = key.rsplit_once('.');
            let buffer = split.and_then(|(_, b)| names.iter().position(|n| *n == b));
            let param = split.and_then(|(p, _)| index.get(p).copied());
            match (param, buffer) {
                (Some(i), Some(b)) => {
                    if tensor.shape() != slots[i].shape.as_slice() {
                        mis_sized.push(format!(
                            "{key}: expected shape {:?}, found {:?}",
                            slots[i].shape,
                            tensor.shape()
                        ));
                    } else {
                        found[i][b] = Some(tensor.iter().copied().collect());
                    }
                }
                (None, _) => extra.push(format!("{key} (no such parameter in the model)")),
                (_, None) => extra.push(format!(
                    "{key} (not a buffer of this {} configuration, which keeps {names:?})",
                    R::KIND
                )),
            }
        }
        for (i, slot) in slots.iter().enumerate() {
            let any = found[i].iter().any(Option::is_some);
            if any && !has_step[i] {
                missing.push(format!("step count of {}", slot.name));
            }
            if has_step[i] {
                for (b, name) in names.iter().enumerate() {
                    if found[i][b].is_none()
                        && !mis_sized
                            .iter()
                            .any(|m| m.starts_with(&format!("{}.{name}:", slot.name)))
                    {
                        missing.push(format!("{}.{name}", slot.name));
                    }
                }
            }
        }
        if !missing.is_empty() || !extra.is_empty() {
            let mut text = Vec::new();
            if !missing.is_empty() {
                text.push(format!("missing: {}", missing.join(", ")));
            }
            if !extra.is_empty() {
                text.push(format!("extra: {}", extra.join(", ")));
            }
            if !mis_sized.is_empty() {
                text.push(format!("mis-sized: {}", mis_sized.join("; ")));
            }
            return Err(Error::value(
                &context,
                "one entry per buffer of every parameter with state, all named after the model's parameters",
                text.join("; "),
            ));
        }
        if !mis_sized.is_empty() {
            return Err(Error::shape(
                &context,
                "each buffer shaped like its parameter",
                mis_sized.join("; "),
            ));
        }
        for (slot, buffers) in slots.iter_mut().zip(found) {
            if buffers.iter().all(Option::is_some) && !buffers.is_empty() {
                slot.buffers = F::wrap_vecs(
                    buffers
                        .into_iter()
                        .flatten()
                        .map(|b| b.into_iter().map(F::cast).collect())
                        .collect(),
                );
            }
        }
        self.slots = Some(slots);
        self.steps = state.steps;
        self.lr = state.learning_rate;
        Ok(())
    }
}

/// The most buffers an update rule keeps per parameter (Adam with AMSGrad, RMSprop).
const MAX_BUFFERS: usize = 3;

/// Parameters with fewer elements than this are updated on the calling thread only.
const PARALLEL_UPDATE: usize = 1 << 16;

/// Range boundaries inside a parameter are multiples of this many elements (whole cache lines
/// and whole vectors for every instruction set).
const UPDATE_ALIGN: usize = 64;

/// One parameter's update split over threads: the raw parts every range is cut from.
struct SplitUpdate<'r, R, F> {
    rule: &'r R,
    ctx: StepContext,
    value: *mut F,
    grad: *const F,
    buffers: [*mut F; MAX_BUFFERS],
    count: usize,
    len: usize,
    chunk: usize,
}

// SAFETY: each part reads and writes only its own disjoint range of the value and buffers and
// reads its range of the gradient; the caller keeps all of them borrowed until every part is
// done (`run_parts` returns after the last one).
unsafe impl<R: Sync, F: Send> Sync for SplitUpdate<'_, R, F> {}

impl<R: UpdateRule, F: Float> SplitUpdate<'_, R, F> {
    /// Updates range `part` (elements `part·chunk ..`).
    ///
    /// # Safety
    /// No other thread may use the same part meanwhile; the pointers must be valid for `len`.
    unsafe fn run(&self, part: usize) {
        let lo = (part * self.chunk).min(self.len);
        let hi = (lo + self.chunk).min(self.len);
        let n = hi - lo;
        // SAFETY: lo..hi lies inside every slice, and no other part touches it.
        unsafe {
            let mut buffers: [&mut [F]; MAX_BUFFERS] = std::array::from_fn(|b| {
                if b < self.count {
                    std::slice::from_raw_parts_mut(self.buffers[b].add(lo), n)
                } else {
                    <&mut [F]>::default()
                }
            });
            let value = std::slice::from_raw_parts_mut(self.value.add(lo), n);
            let grad = std::slice::from_raw_parts(self.grad.add(lo), n);
            update_widest(
                self.rule,
                &self.ctx,
                &mut buffers[..self.count],
                value,
                grad,
            );
        }
    }
}

/// Updates the positions `range` of one parameter: large ranges cut into one part per thread
/// of the pool ([`linalg::num_threads`](crate::linalg::num_threads)), each on its own thread;
/// the update is element-wise, so the result is bit-identical for every thread count and
/// every cut into shards. Allocates nothing.
fn update_split<R: UpdateRule, F: Float>(
    rule: &R,
    ctx: &StepContext,
    buffers: &mut [Vec<F>],
    value: &mut [F],
    grad: &[F],
    range: Range<usize>,
) {
    let full = value.len();
    let count = buffers.len();
    // The raw-pointer split below relies on every slice being `full` long: anything else
    // (never built by the engine) takes the plain safe pass on this thread.
    let regular = count <= MAX_BUFFERS
        && grad.len() == full
        && buffers.iter().all(|b| b.len() == full)
        && range.end <= full;
    if !regular {
        let shortest = buffers
            .iter()
            .map(Vec::len)
            .fold(full.min(grad.len()), usize::min);
        let end = range.end.min(shortest);
        let start = range.start.min(end);
        let mut slices: Vec<&mut [F]> = buffers.iter_mut().map(|b| &mut b[start..end]).collect();
        update_widest(
            rule,
            ctx,
            &mut slices,
            &mut value[start..end],
            &grad[start..end],
        );
        return;
    }
    let len = range.len();
    let threads = if len >= PARALLEL_UPDATE {
        crate::linalg::product_threads()
    } else {
        1
    };
    let chunk = len.div_ceil(threads.max(1)).div_ceil(UPDATE_ALIGN) * UPDATE_ALIGN;
    let parts = len.div_ceil(chunk.max(1));
    let mut pointers = [std::ptr::null_mut(); MAX_BUFFERS];
    for (p, b) in pointers.iter_mut().zip(buffers.iter_mut()) {
        *p = b[range.clone()].as_mut_ptr();
    }
    let split = SplitUpdate {
        rule,
        ctx: *ctx,
        value: value[range.clone()].as_mut_ptr(),
        grad: grad[range].as_ptr(),
        buffers: pointers,
        count,
        len,
        chunk: chunk.max(1),
    };
    if parts <= 1 {
        // SAFETY: one part, on this thread, over slices borrowed for this call.
        unsafe { split.run(0) };
        return;
    }
    // SAFETY: run_parts gives every part index to exactly one thread and returns after all
    // are done, while `value`, `grad` and `buffers` stay borrowed here.
    crate::linalg::run_parts(parts, &|part| unsafe { split.run(part) });
}

/// Runs `rule.update` compiled for AVX-512 or AVX2 where the processor has them, so that the
/// element-wise update vectorises across the widest lanes; the arithmetic is the same IEEE
/// operations on every path, so results are bit-identical.
fn update_widest<R: UpdateRule, F: Float>(
    rule: &R,
    ctx: &StepContext,
    buffers: &mut [&mut [F]],
    value: &mut [F],
    grad: &[F],
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the processor supports AVX-512F, checked just above.
            return unsafe { update_avx512(rule, ctx, buffers, value, grad) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2, checked just above.
            return unsafe { update_avx2(rule, ctx, buffers, value, grad) };
        }
    }
    rule.update(ctx, buffers, value, grad)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn update_avx512<R: UpdateRule, F: Float>(
    rule: &R,
    ctx: &StepContext,
    buffers: &mut [&mut [F]],
    value: &mut [F],
    grad: &[F],
) {
    rule.update(ctx, buffers, value, grad)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn update_avx2<R: UpdateRule, F: Float>(
    rule: &R,
    ctx: &StepContext,
    buffers: &mut [&mut [F]],
    value: &mut [F],
    grad: &[F],
) {
    rule.update(ctx, buffers, value, grad)
}
