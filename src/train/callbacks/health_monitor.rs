//! Records gradient, weight, update and activation health per parameter every epoch, for the
//! doctor.

use std::sync::{Arc, Mutex, PoisonError};

use ndarray::{Array2, ArrayView2};

use crate::diagnostics::doctor::{HealthLog, LayerHealth};
use crate::diagnostics::health::{
    activation_stats, l2_norm, ActivationStats, ParameterSnapshot, SaturationConfig, UnitKind,
    UpdateRatio,
};
use crate::loss::Loss;
use crate::model::{Layer, Mode, ParamKind};
use crate::train::{Callback, CallbackContext, OwnedTargets};
use crate::{Error, Float, Result};

/// The twin, once training has begun.
fn twin_of<F: Float>(twin: &mut Option<Box<dyn Layer<F>>>) -> Result<&mut Box<dyn Layer<F>>> {
    twin.as_mut().ok_or_else(|| {
        Error::state(
            "HealthMonitor",
            "measured before on_train_begin (use it as a Trainer callback)",
        )
    })
}

/// A [`Callback`] that fills a [`HealthLog`] with one [`LayerHealth`] record per trainable
/// (unfrozen) parameter at the end of every epoch, for
/// [`Doctor`](crate::diagnostics::doctor::Doctor) to read.
///
/// What is measured, and on what:
/// - **weight norm** `‖θ‖₂`: the model's parameters at the end of the epoch;
/// - **update ratio** `‖Δθ‖₂ / ‖θ‖₂`: the *last optimizer step of the epoch* (the parameters
///   are copied before the epoch's last batch and compared after it);
/// - **gradient norm** `‖∇θ‖₂` and **activation statistics**: a fixed *probe batch* you give,
///   run through the trained model as it stands at each epoch end. The monitor clones the
///   live model once when training begins ([`LayerClone::clone_box`](crate::model::LayerClone::clone_box)) and copies its
///   parameters and buffers into that clone at each epoch end, so that the probe neither
///   advances the model's BatchNorm statistics or Dropout stream nor touches its gradients:
///   the run is the same with or without the monitor. The gradient is that of `loss` (the
///   data term, without regularizers) on the probe batch in training mode; the activations
///   are each layer's output on the probe batch in eval mode. A fixed batch keeps epochs
///   comparable.
///
/// Activation statistics ([`activation_stats`]) are read from each top-level layer's output
/// ([`Layer::sublayers`], or the model itself for a single layer) whose units
/// [`UnitKind::of`] recognises (a `Linear` with a fused ReLU, sigmoid or tanh, such an
/// `ActivationLayer`, or a custom layer that states its [`Layer::output_activation`]): the dead fraction of ReLU units, the saturated
/// fraction of sigmoid / tanh units (see [`SaturationConfig`]). They are attached to the
/// `Weight`-kind parameters of that layer, or, for a layer without one (an activation layer,
/// a batch norm), of the nearest earlier layer that has one. Layers nested in a `Residual`
/// block are measured as one output.
///
/// Cost per epoch: two copies of the parameters, one forward pass in eval mode and one
/// forward + backward pass in training mode on the probe batch, so it can stay on.
///
/// The log lives behind a shared handle ([`HealthMonitor::shared_log`]), because the Trainer
/// owns its callbacks.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::train::{callbacks::HealthMonitor, Trainer};
/// use ndarray::Array2;
/// let arch = Mlp::new(&[3, 8, 1]).activation(Activation::Relu).seed(0);
/// let x = Array2::from_shape_fn((40, 3), |(i, j)| ((i * 3 + j) as f64 * 0.7).sin());
/// let y = Array2::from_shape_fn((40, 1), |(i, _)| x[[i, 0]] - x[[i, 2]]);
/// let monitor = HealthMonitor::new(Mse::new(), x.clone(), y.clone())?;
/// let log = monitor.shared_log();
/// let mut trainer = Trainer::builder()
///     .model(arch.build::<f64>()?)
///     .loss(Mse::new())
///     .optimizer(Sgd::new(0.05)?)
///     .epochs(3)
///     .batch_size(10)
///     .callback(monitor)
///     .build()?;
/// trainer.fit(x.view(), &y)?;
/// let log = log.lock().unwrap();
/// assert_eq!(log.len(), 3 * 4); // 3 epochs × 4 parameters
/// let first = &log.epoch(2)[0];
/// assert_eq!(first.layer, "0.weight");
/// assert!(first.grad_norm > 0.0 && first.update_ratio.unwrap() > 0.0);
/// assert!(first.dead_fraction.is_some()); // a ReLU layer
/// assert_eq!(log.epoch(2)[2].dead_fraction, None); // the linear output layer
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Clone)]
pub struct HealthMonitor<F: Float> {
    /// A copy of the live model, made when training begins, that the probe runs through.
    twin: Option<Box<dyn Layer<F>>>,
    loss: Box<dyn Loss<F>>,
    probe_x: Array2<F>,
    probe_y: OwnedTargets<F>,
    saturation: SaturationConfig,
    /// Per layer: its unit kind.
    kinds: Vec<UnitKind>,
    /// Per layer: the names of the parameters its activation statistics go to.
    attach: Vec<Vec<String>>,
    /// The model's parameters (copied into the twin), then reused.
    copy: ParameterSnapshot<F>,
    buffers: Vec<Vec<F>>,
    before_step: ParameterSnapshot<F>,
    step_epoch: Option<usize>,
    ratios: Vec<UpdateRatio>,
    grad: Array2<F>,
    log: Arc<Mutex<HealthLog>>,
}

impl<F: Float> std::fmt::Debug for HealthMonitor<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HealthMonitor")
            .field("twin", &self.twin.as_ref().map(|t| t.describe()))
            .field("loss", &self.loss.name())
            .field("probe_rows", &self.probe_x.nrows())
            .field("saturation", &self.saturation)
            .finish()
    }
}

impl<F: Float> HealthMonitor<F> {
    /// A monitor measuring on `probe_x` / `probe_targets` with `loss` (normally the trainer's
    /// loss). The model is the trainer's own; the probe is checked against it when training
    /// begins.
    ///
    /// # Errors
    /// [`Error::Shape`] for an empty probe or targets with another row count; a probe the
    /// model cannot take is an [`Error::Shape`] from `fit`, before the first epoch.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::callbacks::HealthMonitor;
    /// let x = ndarray::Array2::<f32>::zeros((4, 2));
    /// assert!(HealthMonitor::new(CrossEntropy::new(), x.clone(), vec![0, 1, 1, 0]).is_ok());
    /// assert!(HealthMonitor::new(CrossEntropy::new(), x, vec![0, 1]).is_err());
    /// ```
    pub fn new(
        loss: impl Loss<F> + 'static,
        probe_x: Array2<F>,
        probe_targets: impl Into<OwnedTargets<F>>,
    ) -> Result<Self> {
        let probe_y = probe_targets.into();
        if probe_x.nrows() == 0 {
            return Err(Error::shape(
                "HealthMonitor probe",
                "at least one row",
                format!("{} × {}", probe_x.nrows(), probe_x.ncols()),
            ));
        }
        if probe_y.rows() != probe_x.nrows() {
            return Err(Error::shape(
                "HealthMonitor probe targets",
                format!("{} rows, one per probe row", probe_x.nrows()),
                format!("{} rows", probe_y.rows()),
            ));
        }
        Ok(HealthMonitor {
            twin: None,
            loss: Box::new(loss),
            probe_x,
            probe_y,
            saturation: SaturationConfig::default(),
            kinds: Vec::new(),
            attach: Vec::new(),
            copy: ParameterSnapshot::new(),
            buffers: Vec::new(),
            before_step: ParameterSnapshot::new(),
            step_epoch: None,
            ratios: Vec::new(),
            grad: Array2::zeros((0, 0)),
            log: Arc::new(Mutex::new(HealthLog::new())),
        })
    }

    /// Clones the live model and reads which of its layers have units to measure.
    fn adopt(&mut self, model: &dyn Layer<F>) -> Result<()> {
        model
            .output_width(self.probe_x.ncols())
            .map_err(|e| e.within("HealthMonitor probe"))?;
        let twin = model.clone_box();
        let stages: Vec<&dyn Layer<F>> = match twin.sublayers() {
            [] => vec![twin.as_ref()],
            layers => layers.iter().map(|l| l.as_ref()).collect(),
        };
        self.kinds = stages.iter().map(|l| UnitKind::of(*l)).collect();
        self.attach.clear();
        let mut last: Vec<String> = Vec::new();
        for layer in stages {
            let mut weights = Vec::new();
            layer.visit_parameters(&mut |p| {
                if p.kind() == ParamKind::Weight {
                    weights.push(p.name().to_string());
                }
            });
            if !weights.is_empty() {
                last = weights;
            }
            self.attach.push(last.clone());
        }
        self.twin = Some(twin);
        Ok(())
    }

    /// Sets when a sigmoid / tanh unit counts as saturated (default
    /// [`SaturationConfig::default`]); a bad config is an [`Error::Config`].
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::diagnostics::health::SaturationConfig;
    /// use tuneup::train::callbacks::HealthMonitor;
    /// let m = HealthMonitor::<f64>::new(Mse::new(), ndarray::Array2::zeros((2, 1)),
    ///     ndarray::Array2::zeros((2, 1)))?;
    /// let m = m.saturation(SaturationConfig { delta: 0.05, batch_fraction: 0.9 })?;
    /// assert!(m.saturation(SaturationConfig { delta: 1.0, batch_fraction: 0.9 }).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn saturation(mut self, config: SaturationConfig) -> Result<Self> {
        config.validate()?;
        self.saturation = config;
        Ok(self)
    }

    /// A handle on the log the monitor fills (clone it out, or read it in place, after or
    /// during `fit`).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::callbacks::HealthMonitor;
    /// let m = HealthMonitor::<f64>::new(Mse::new(), ndarray::Array2::zeros((2, 1)),
    ///     ndarray::Array2::zeros((2, 1)))?;
    /// assert!(m.shared_log().lock().unwrap().is_empty());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn shared_log(&self) -> Arc<Mutex<HealthLog>> {
        Arc::clone(&self.log)
    }

    /// A copy of the log so far.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::callbacks::HealthMonitor;
    /// let m = HealthMonitor::<f64>::new(Mse::new(), ndarray::Array2::zeros((2, 1)),
    ///     ndarray::Array2::zeros((2, 1)))?;
    /// assert_eq!(m.log().len(), 0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn log(&self) -> HealthLog {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The health of `model` as it stands, measured once on this monitor's probe (as one
    /// epoch-end record labelled `epoch`, without update ratios): what
    /// [`Trainer::diagnose`](crate::train::Trainer::diagnose) uses when no monitor ran.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::callbacks::HealthMonitor;
    /// let net = Mlp::new(&[2, 4, 1]).activation(Activation::Relu).build::<f64>()?;
    /// let x = ndarray::Array2::from_shape_fn((8, 2), |(i, j)| (i + j) as f64 / 8.0);
    /// let y = ndarray::Array2::zeros((8, 1));
    /// let log = HealthMonitor::new(Mse::new(), x, y)?.snapshot(&net, 0)?;
    /// assert_eq!(log.len(), 4); // two weights, two biases
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn snapshot(mut self, model: &dyn Layer<F>, epoch: usize) -> Result<HealthLog> {
        self.adopt(model)?;
        self.measure(model, epoch)?;
        Ok(self.log())
    }

    /// Copies `model`'s parameters and buffers into the twin (they line up: it is a clone).
    fn sync_twin(&mut self, model: &dyn Layer<F>) -> Result<()> {
        let twin = twin_of(&mut self.twin)?;
        self.copy.capture(model);
        let mut values = self.copy.iter();
        twin.visit_parameters_mut(&mut |p| {
            if let Some((_, v)) = values.next().filter(|(_, v)| v.len() == p.len()) {
                p.value_and_grad_mut().0.copy_from_slice(v);
            }
        });
        let mut n = 0;
        let buffers = &mut self.buffers;
        model.visit_buffers(&mut |b| {
            if n == buffers.len() {
                buffers.push(Vec::new());
            }
            buffers[n].clear();
            buffers[n].extend_from_slice(b.as_slice());
            n += 1;
        });
        let mut j = 0;
        twin.visit_buffers_mut(&mut |b| {
            if let Some(v) = buffers.get(j).filter(|v| v.len() == b.as_slice().len()) {
                b.as_slice_mut().copy_from_slice(v);
            }
            j += 1;
        });
        Ok(())
    }

    /// Activation statistics of every layer on the probe batch (eval mode).
    fn activations(&mut self) -> Result<Vec<Option<ActivationStats>>> {
        let mut stats: Vec<Option<ActivationStats>> = vec![None; self.kinds.len()];
        let mut error = None;
        let kinds = &self.kinds;
        let config = &self.saturation;
        let twin = twin_of(&mut self.twin)?;
        twin.forward_observed(self.probe_x.view(), Mode::Eval, &mut |i,
                                                                     out: ArrayView2<
            '_,
            F,
        >| {
            if kinds[i] == UnitKind::Other || error.is_some() {
                return;
            }
            match activation_stats(out, kinds[i], config) {
                Ok(s) => stats[i] = Some(s),
                Err(e) => error = Some(e),
            }
        })
        .map_err(|e| e.within("HealthMonitor probe"))?;
        match error {
            Some(e) => Err(e),
            None => Ok(stats),
        }
    }

    /// Gradient of the loss on the probe batch (training mode), left in the twin.
    fn probe_gradient(&mut self) -> Result<()> {
        let twin = twin_of(&mut self.twin)?;
        twin.zero_grad();
        let out = twin
            .forward(self.probe_x.view(), Mode::Train)
            .map_err(|e| e.within("HealthMonitor probe"))?;
        self.loss
            .value_and_grad(out, self.probe_y.view(), &mut self.grad)
            .map_err(|e| e.within("HealthMonitor probe"))?;
        twin.backward_parameters(self.grad.view())
            .map_err(|e| e.within("HealthMonitor probe"))
    }
}

impl<F: Float> Callback<F> for HealthMonitor<F> {
    fn name(&self) -> String {
        "HealthMonitor".to_string()
    }

    fn on_train_begin(&mut self, ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        self.step_epoch = None;
        self.adopt(ctx.model)
    }

    fn on_batch_begin(&mut self, ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        if ctx.batch == Some(ctx.batches.saturating_sub(1)) {
            self.before_step.capture(ctx.model);
        }
        Ok(())
    }

    fn on_batch_end(&mut self, ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        if ctx.batch == Some(ctx.batches.saturating_sub(1)) && !self.before_step.is_empty() {
            self.before_step
                .update_ratios_into(ctx.model, &mut self.ratios)?;
            self.step_epoch = Some(ctx.epoch);
        }
        Ok(())
    }

    fn on_epoch_end(&mut self, ctx: &mut CallbackContext<'_, F>) -> Result<()> {
        self.measure(ctx.model, ctx.epoch)
    }

    fn health_log(&self) -> Option<HealthLog> {
        Some(self.log())
    }
}

impl<F: Float> HealthMonitor<F> {
    /// One record per unfrozen parameter of `model` as it stands, for `epoch`, into the log.
    fn measure(&mut self, model: &dyn Layer<F>, epoch: usize) -> Result<()> {
        self.sync_twin(model)?;
        let stats = self.activations()?;
        self.probe_gradient()?;
        let have_ratios = self.step_epoch == Some(epoch);
        let mut records = Vec::with_capacity(self.copy.len());
        let mut frozen = Vec::new();
        model.visit_parameters(&mut |p| frozen.push(p.is_frozen()));
        let (ratios, attach, kinds) = (&self.ratios, &self.attach, &self.kinds);
        let mut i = 0;
        let twin = twin_of(&mut self.twin)?;
        twin.visit_parameters(&mut |p| {
            let k = i;
            i += 1;
            if frozen.get(k).copied().unwrap_or(false) {
                return;
            }
            let mut rec = LayerHealth::new(
                p.name(),
                epoch,
                l2_norm(p.grad_slice()),
                l2_norm(p.value_slice()),
            );
            if have_ratios {
                if let Some(r) = ratios.get(k).filter(|r| r.name == p.name()) {
                    rec = rec.with_update_ratio(r.ratio);
                }
            }
            for (layer, names) in attach.iter().enumerate() {
                if kinds[layer] == UnitKind::Other || !names.iter().any(|n| n == p.name()) {
                    continue;
                }
                if let Some(s) = &stats[layer] {
                    if let Some(d) = s.dead_fraction {
                        rec = rec.with_dead_fraction(d);
                    }
                    if let Some(f) = s.saturated_fraction {
                        rec = rec.with_saturated_fraction(f);
                    }
                }
            }
            records.push(rec);
        });
        twin.zero_grad();
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        for r in records {
            log.push(r);
        }
        Ok(())
    }
}
