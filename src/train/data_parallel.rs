//! The Trainer's data-parallel strategy: every rank runs the same Trainer on the same data,
//! computes its shard of every batch and joins the collectives of
//! [`DataParallel`](crate::parallel::DataParallel).

use ndarray::Array2;

use super::step::{BatchOutcome, StepPlan};
use super::Trainer;
use crate::model::Layer;
use crate::parallel::{Communicator, DataParallel};
use crate::{Error, Float, Result};

/// A Trainer's rank in a data-parallel group.
pub(crate) struct ParallelRun {
    pub(crate) dp: DataParallel<Box<dyn Communicator>>,
    /// The model has buffers to broadcast before each forward (same on every rank).
    has_buffers: bool,
    /// Rank 0 has callbacks, whose stop decisions every rank must hear.
    root_callbacks: bool,
}

impl ParallelRun {
    pub(crate) fn new(comm: Box<dyn Communicator>) -> Self {
        ParallelRun {
            dp: DataParallel::new(comm),
            has_buffers: false,
            root_callbacks: false,
        }
    }

    pub(crate) fn rank(&self) -> usize {
        self.dp.rank()
    }
}

impl<F: Float, M: Layer<F>> Trainer<F, M> {
    /// This trainer's rank (0 without data parallelism).
    pub(crate) fn rank(&self) -> usize {
        self.parallel.as_ref().map_or(0, ParallelRun::rank)
    }

    /// Callbacks run here: always without data parallelism, on rank 0 only with it.
    pub(crate) fn runs_callbacks(&self) -> bool {
        self.rank() == 0
    }

    /// Every batch must give each rank at least one row: checked on every rank alike.
    pub(crate) fn check_parallel_batches(&self, n_train: usize) -> Result<()> {
        let Some(run) = &self.parallel else {
            return Ok(());
        };
        if n_train == 0 || self.config.batch_size == 0 {
            return Ok(()); // refused elsewhere
        }
        let bs = self.config.batch_size.min(n_train);
        let last = if self.config.drop_last || n_train % bs == 0 {
            bs
        } else {
            n_train % bs
        };
        run.dp.shard(bs.min(last)).map(|_| ()).map_err(|_| {
            Error::config(
                "Trainer.data_parallel batch",
                format!("a batch of {} rows", bs.min(last)),
                format!(
                    "at least one row per rank ({} ranks): a larger batch size, or drop_last",
                    run.dp.world_size()
                ),
            )
        })
    }

    /// The start of a run: rank 0's model on every rank, and what the ranks must agree on.
    pub(crate) fn start_parallel(&mut self) -> Result<()> {
        let Some(run) = &mut self.parallel else {
            return Ok(());
        };
        run.dp.broadcast_model(&mut self.model)?;
        let mut flags = [0.0; 2];
        if run.dp.rank() == 0 {
            flags[0] = f64::from(u8::from(!self.callbacks.is_empty()));
        }
        let mut buffers = 0usize;
        self.model
            .visit_buffers(&mut |b| buffers += b.as_slice().len());
        flags[1] = f64::from(u8::from(buffers > 0));
        run.dp.communicator().broadcast(&mut flags, 0)?;
        run.root_callbacks = flags[0] != 0.0;
        run.has_buffers = flags[1] != 0.0;
        Ok(())
    }

    /// Rank 0's buffers before a forward (DDP's `broadcast_buffers`).
    pub(crate) fn sync_buffers(&mut self) -> Result<()> {
        match &mut self.parallel {
            Some(run) if run.has_buffers => run.dp.broadcast_buffers(&mut self.model),
            _ => Ok(()),
        }
    }

    /// This rank's rows of a batch of `rows`, and its weight (all rows, 1 without data
    /// parallelism).
    pub(crate) fn shard(&self, rows: usize) -> Result<(std::ops::Range<usize>, f64)> {
        match &self.parallel {
            None => Ok((0..rows, 1.0)),
            Some(run) => Ok((run.dp.shard(rows)?, run.dp.weight(rows)?)),
        }
    }

    /// The all-reduce slot of the step: each rank's weighted shard loss (and, at the end of
    /// an accumulation group, gradients) summed over the ranks; a divergence on any rank is
    /// one on every rank.
    pub(crate) fn all_reduce_step(
        &mut self,
        plan: &StepPlan,
        local: std::result::Result<f64, BatchOutcome>,
    ) -> Result<std::result::Result<f64, BatchOutcome>> {
        let Some(run) = &mut self.parallel else {
            return Ok(local);
        };
        let weight = run.dp.weight(plan.rows)?;
        let loss = local.as_ref().map_or(f64::NAN, |&v| v);
        let summed = if plan.end_of_group && self.grad_scaler.is_some() {
            // With loss scaling, a non-finite loss is a divergence but an overflowing
            // gradient is a skipped step: exchange the losses first, then the gradients.
            let value = run.dp.all_reduce_loss(weight, loss);
            match (
                value,
                run.dp.all_reduce_gradients(&mut self.model, 1.0, 0.0),
            ) {
                (Ok(v), Err(Error::NonFinite { .. })) => {
                    // An overflow on some rank: poison this rank's gradients so that the
                    // scaler's unscale finds it, skips the step and backs off on every rank.
                    self.model.visit_parameters_mut(&mut |p| {
                        if !p.is_frozen() {
                            p.grad_mut().fill(F::nan());
                        }
                    });
                    Ok(v)
                }
                (value, Ok(_)) => value,
                (_, Err(e)) => Err(e),
            }
        } else if plan.end_of_group {
            // Shard gradients are weighted already (in forward_backward).
            run.dp
                .all_reduce_gradients(&mut self.model, 1.0, loss * weight)
        } else {
            run.dp.all_reduce_loss(weight, loss)
        };
        match summed {
            Ok(v) => Ok(Ok(v)),
            Err(Error::NonFinite { .. }) => Ok(Err(BatchOutcome::Diverged {
                what: "loss or gradient (on a data-parallel rank)",
                value: f64::NAN,
            })),
            Err(e) => Err(e),
        }
    }

    /// Rank 0's decision to stop (from a callback), heard on every rank.
    pub(crate) fn agree_stop(&mut self, local: Option<String>) -> Result<Option<String>> {
        let Some(run) = &self.parallel else {
            return Ok(local);
        };
        if !run.root_callbacks {
            return Ok(local);
        }
        let mut flag = [f64::from(u8::from(local.is_some()))];
        run.dp.communicator().broadcast(&mut flag, 0)?;
        Ok(match (local, flag[0] != 0.0) {
            (Some(name), _) => Some(name),
            (None, true) => Some("a callback on rank 0".to_string()),
            (None, false) => None,
        })
    }

    /// The epoch's training outputs of every rank's shards in every rank's buffer (each rank
    /// wrote its rows and left zeros elsewhere, so the sum is the concatenation).
    pub(crate) fn gather_train_outputs(&mut self) -> Result<()> {
        let Some(run) = &self.parallel else {
            return Ok(());
        };
        let out: &mut Array2<F> = &mut self.ws.train_out;
        let mut buf: Vec<f64> = out.iter().map(|v| v.as_f64()).collect();
        run.dp.communicator().all_reduce_sum(&mut buf)?;
        for (o, &b) in out.iter_mut().zip(&buf) {
            *o = F::cast(b);
        }
        Ok(())
    }

    /// Before an epoch: zero the training outputs that other ranks fill.
    pub(crate) fn clear_train_outputs(&mut self) {
        if self.parallel.is_some() {
            self.ws.train_out.fill(F::zero());
        }
    }
}
