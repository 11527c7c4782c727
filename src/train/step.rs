//! One training step, in explicit phases: zero_grad → `on_step_begin` → (adversarial rows) →
//! forward → loss → backward → `on_after_backward` → (end of an accumulation group:) penalty
//! gradients → gradient norm and clipping → `on_before_optimizer_step` → optimizer step →
//! per-batch schedule. With no callback and no adversarial rows, the first backward of a step
//! writes the gradients, in place of the zero_grad pass.

use ndarray::s;

use super::callback::{Callback, StepContext};
use super::settings::{GradClip, ScheduleStep};
use super::trainer::{first_non_finite, global_grad_norm, Trainer};
use crate::loss::{Loss, Targets};
use crate::model::{Layer, Mode};
use crate::optim::{clip_grad_norm, clip_grad_value};
use crate::{Error, Float, Result};

/// Where a batch stands in the run, worked out by the epoch runner.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepPlan {
    /// Rows of the batch (gathered in the workspace).
    pub(crate) rows: usize,
    /// Targets are dense rows (else class indices).
    pub(crate) dense: bool,
    pub(crate) epoch: usize,
    pub(crate) batch: usize,
    pub(crate) batches: usize,
    /// The run's batch number: `epoch × batches + batch`.
    pub(crate) global_batch: u64,
    /// Batches in this accumulation group (the last one of an epoch may be shorter).
    pub(crate) group_size: usize,
    pub(crate) first_of_group: bool,
    pub(crate) end_of_group: bool,
    /// Where the outputs go in the epoch's output buffer, when metrics need them.
    pub(crate) out_offset: Option<usize>,
}

/// What one training batch gave.
pub(crate) enum BatchOutcome {
    Done {
        objective: f64,
        grad_norm: Option<f64>,
    },
    Diverged {
        what: &'static str,
        value: f64,
    },
}

/// Which step hook to run.
#[derive(Clone, Copy)]
enum StepHook {
    StepBegin,
    AfterBackward,
    BeforeOptimizerStep,
}

/// Runs one step hook of every callback, in order.
fn run_step_hook<F: Float>(
    callbacks: &mut [Box<dyn Callback<F>>],
    hook: StepHook,
    ctx: &mut StepContext<'_, F>,
) -> Result<()> {
    for cb in callbacks.iter_mut() {
        match hook {
            StepHook::StepBegin => cb.on_step_begin(ctx)?,
            StepHook::AfterBackward => cb.on_after_backward(ctx)?,
            StepHook::BeforeOptimizerStep => cb.on_before_optimizer_step(ctx)?,
        }
    }
    Ok(())
}

impl<F: Float, M: Layer<F>> Trainer<F, M> {
    /// One batch of `plan.rows` rows already gathered (and augmented) in the workspace.
    pub(crate) fn train_step(&mut self, plan: &StepPlan) -> Result<BatchOutcome> {
        // The first batch of a step writes the gradients instead of adding to zeroed ones,
        // unless a callback or the adversarial rows may read them before its backward.
        let overwrite =
            plan.first_of_group && self.callbacks.is_empty() && self.adversarial.is_none();
        if plan.first_of_group {
            if !overwrite {
                self.model.zero_grad();
            }
            if let Some(scaler) = &mut self.grad_scaler {
                // An iteration cut short (divergence, an error) leaves nothing behind.
                scaler.discard_iteration();
            }
            self.step_hook(StepHook::StepBegin, plan, f64::NAN)?;
        }
        if let Some(outcome) = self.replace_adversarial_rows(plan)? {
            return Ok(outcome);
        }
        self.sync_buffers()?;
        let local = self.forward_backward(plan, overwrite)?;
        if let Ok(value) = local {
            self.step_hook(StepHook::AfterBackward, plan, value)?;
        }
        // Data parallel: the gradients (at the end of a group) and the loss are summed over
        // the ranks here, before anything reads them; a divergence on one rank stops all.
        let value = match self.all_reduce_step(plan, local)? {
            Ok(value) => value,
            Err(diverged) => return Ok(diverged),
        };
        if !plan.end_of_group {
            return Ok(BatchOutcome::Done {
                objective: value + self.penalty(),
                grad_norm: None,
            });
        }
        // Loss scaling: unscale the (summed) gradients; an overflow on any rank is in the sum,
        // so every rank skips this step together.
        if self.unscale_found_overflow()? {
            return Ok(BatchOutcome::Done {
                objective: value + self.penalty(),
                grad_norm: None,
            });
        }
        let penalty = self.add_penalty_gradients();
        let norm = self.clip()?;
        if !norm.is_finite() {
            return Ok(BatchOutcome::Diverged {
                what: "gradient norm",
                value: norm,
            });
        }
        self.step_hook(StepHook::BeforeOptimizerStep, plan, value)?;
        self.optimizer.step(&mut self.model)?;
        if let Some(scaler) = &mut self.grad_scaler {
            scaler.update()?;
        }
        self.steps += 1;
        self.step_batch_schedule()?;
        Ok(BatchOutcome::Done {
            objective: value + penalty,
            grad_norm: Some(norm),
        })
    }

    /// Adversarial training replaces its share of the batch's rows.
    fn replace_adversarial_rows(&mut self, plan: &StepPlan) -> Result<Option<BatchOutcome>> {
        let Trainer {
            model,
            loss,
            adversarial,
            ws,
            ..
        } = self;
        let Some(adv) = adversarial else {
            return Ok(None);
        };
        let rows = plan.rows;
        let targets = if plan.dense {
            Targets::Dense(ws.yb.slice(s![..rows, ..]))
        } else {
            Targets::Classes(&ws.cb[..])
        };
        let xv = ws.xb.slice_mut(s![..rows, ..]);
        match adv.apply(
            model,
            &**loss,
            xv,
            targets,
            plan.global_batch,
            &mut ws.adversarial,
        ) {
            Ok(_) => Ok(None),
            Err(Error::NonFinite { .. }) => Ok(Some(BatchOutcome::Diverged {
                what: "adversarial example",
                value: f64::NAN,
            })),
            Err(e) => Err(e),
        }
    }

    /// Forward in train mode, the loss and its gradient (scaled for accumulation) and the
    /// backward pass, which writes the parameter gradients when `overwrite` and adds to them
    /// otherwise; the batch's data loss, or the divergence it met.
    fn forward_backward(
        &mut self,
        plan: &StepPlan,
        overwrite: bool,
    ) -> Result<std::result::Result<f64, BatchOutcome>> {
        // Data parallel: this rank's rows of the batch, and their share of it.
        let (rows, weight) = self.shard(plan.rows)?;
        let Trainer {
            model,
            loss,
            ws,
            grad_scaler,
            teacher,
            ..
        } = self;
        let targets = if plan.dense {
            Targets::Dense(ws.yb.slice(s![rows.clone(), ..]))
        } else {
            Targets::Classes(&ws.cb[rows.clone()])
        };
        let out = model.forward(ws.xb.slice(s![rows.clone(), ..]), Mode::Train)?;
        if let Some((_, _, v)) = first_non_finite(&out) {
            let value = v.as_f64();
            return Ok(Err(BatchOutcome::Diverged {
                what: "prediction",
                value,
            }));
        }
        if let Some(lo) = plan.out_offset {
            let at = s![lo + rows.start..lo + rows.end, ..];
            ws.train_out.slice_mut(at).assign(&out);
        }
        let weights = (!ws.sample_weights.is_empty()).then(|| &ws.wb[rows.clone()]);
        let computed = match teacher {
            Some(t) => {
                let x = ws.xb.slice(s![rows.clone(), ..]);
                t.value_and_grad(x, out, targets, weights, &mut ws.grad)
            }
            None => weighted_loss(&**loss, out, targets, weights, &mut ws.grad),
        };
        let (value, weight_scale) = match computed {
            Ok(v) => v,
            Err(Error::NonFinite { .. }) => (f64::NAN, F::one()),
            Err(e) => return Err(e),
        };
        if !value.is_finite() {
            return Ok(Err(BatchOutcome::Diverged {
                what: "loss",
                value,
            }));
        }
        if plan.group_size > 1 || weight != 1.0 {
            let f = F::cast(weight / plan.group_size as f64);
            ws.grad.mapv_inplace(|g| g * f);
        }
        if weight_scale != F::one() {
            ws.grad.mapv_inplace(|g| g * weight_scale);
        }
        if let Some(scaler) = grad_scaler {
            scaler.scale(ws.grad.view_mut());
        }
        if overwrite {
            model.backward_parameters_overwrite(ws.grad.view())?;
        } else {
            model.backward_parameters(ws.grad.view())?;
        }
        Ok(Ok(value))
    }

    /// Runs a step hook of every callback on the live model.
    fn step_hook(&mut self, hook: StepHook, plan: &StepPlan, batch_loss: f64) -> Result<()> {
        if self.callbacks.is_empty() {
            return Ok(());
        }
        let learning_rate = self.optimizer.learning_rate();
        let mut ctx = StepContext {
            model: &mut self.model,
            epoch: plan.epoch,
            batch: plan.batch,
            batches: plan.batches,
            step: self.steps,
            batch_loss,
            learning_rate,
        };
        run_step_hook(&mut self.callbacks, hook, &mut ctx)
    }

    /// With a loss scaler: unscales the gradients and, when one overflowed, skips the step
    /// (nothing else changes) and backs the scale off; true then.
    fn unscale_found_overflow(&mut self) -> Result<bool> {
        let Some(scaler) = &mut self.grad_scaler else {
            return Ok(false);
        };
        if !scaler.unscale(&mut self.model)? {
            return Ok(false);
        }
        scaler.update()?;
        Ok(true)
    }

    /// Adds every penalty's gradient; returns the summed penalties.
    fn add_penalty_gradients(&mut self) -> f64 {
        let mut penalty = 0.0;
        for r in &self.config.regularizers {
            penalty += r.add_gradient(&mut self.model).as_f64();
        }
        penalty
    }

    /// The global gradient norm before clipping, after clipping by norm or value.
    fn clip(&mut self) -> Result<f64> {
        // A pruned parameter's masked entries have no gradient (PyTorch's `weight_orig`).
        crate::model::mask_gradients(&mut self.model);
        let norm = match self.config.clip {
            // `clip_grad_norm` returns the norm before clipping; an infinite one is caught by
            // the caller.
            Some(GradClip::Norm(max)) => clip_grad_norm(&mut self.model, max, 2.0, false)?,
            _ => global_grad_norm(&self.model),
        };
        if let (Some(GradClip::Value(v)), true) = (self.config.clip, norm.is_finite()) {
            clip_grad_value(&mut self.model, v)?;
        }
        Ok(norm)
    }

    /// Steps a per-batch schedule and hands the optimizer its rate.
    fn step_batch_schedule(&mut self) -> Result<()> {
        if self.config.schedule.as_ref().map(|(_, e)| *e) != Some(ScheduleStep::Batch) {
            return Ok(());
        }
        if let Some(s) = &mut self.schedule {
            let next = s.step()?;
            self.optimizer.set_learning_rate(next)?;
        }
        Ok(())
    }
}

/// The batch's loss and gradient (into `ws.grad`), and the factor the gradient still needs.
///
/// Unweighted: the loss's mean and a factor of 1. Weighted: the sample weights are divided by
/// their mean over the training rows, so the batch's loss `Σ wᵢ lᵢ / |batch|` is an unbiased
/// estimate of the weighted mean over all rows (and equals it for one full batch). It is the
/// loss's weighted mean `Σ wᵢ lᵢ / Σ wᵢ` times `Σ wᵢ / |batch|`; a batch whose weights are all
/// zero contributes a loss and gradient of zero.
pub(super) fn weighted_loss<F: Float>(
    loss: &dyn Loss<F>,
    out: ndarray::ArrayView2<'_, F>,
    targets: Targets<'_, F>,
    weights: Option<&[F]>,
    grad: &mut ndarray::Array2<F>,
) -> Result<(f64, F)> {
    let Some(w) = weights else {
        return Ok((loss.value_and_grad(out, targets, grad)?.as_f64(), F::one()));
    };
    let mass = w.iter().fold(F::zero(), |a, &v| a + v);
    if mass <= F::zero() {
        loss.value_and_grad(out, targets, grad)?;
        return Ok((0.0, F::zero()));
    }
    let v = loss.value_and_grad_weighted(out, targets, ndarray::ArrayView1::from(w), grad)?;
    let scale = mass / F::from_count(out.nrows());
    Ok(((v * scale).as_f64(), scale))
}
