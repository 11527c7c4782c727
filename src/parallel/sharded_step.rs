//! The sharded optimizer step of [`DataParallel`]: each rank updates its [`Shard`] of every
//! parameter and the shares are gathered; the optimizer state of such steps consolidated for
//! checkpoints.

use super::{Communicator, DataParallel};
use crate::model::Layer;
use crate::optim::{Optimizer, OptimizerState, Shard};
use crate::{Error, Float, Result};

impl<C: Communicator> DataParallel<C> {
    /// The optimizer step with the update split between the ranks (ZeRO stage 1's split of
    /// the work, keeping every rank's state whole-sized): after
    /// [`all_reduce_gradients`](Self::all_reduce_gradients), every rank updates its
    /// [`Shard`] of every parameter ([`Optimizer::step_shard`]) and the shares are gathered
    /// ([`Communicator::all_gather_f32`]), so each replica holds the whole updated model with
    /// the bits of a full [`Optimizer::step`] (the update is element-wise). Each rank does
    /// 1 / world of the optimizer's work; its state is up to date only at its share, so a
    /// checkpoint takes [`consolidate_state`](Self::consolidate_state). Every rank must call
    /// it; after the first step nothing is allocated for an `f32` model.
    ///
    /// It pays where the update is a large part of the step and the parameters are few and
    /// large: the gather is one collective per parameter. On the `wide` workload
    /// (1024-1024-1024-1, Adam, 2 thread replicas) it saved 0.5–0.9 ms of a 24 ms step; on
    /// `mnist` (784-256-128-10) it gained nothing.
    ///
    /// # Errors
    /// Those of [`Optimizer::step_shard`] (a non-finite gradient: the same refusal on every
    /// rank, since every rank checks the whole gradient, and nothing changes); errors of the
    /// communicator (another rank failed), after which the replicas are out of step.
    ///
    /// ```
    /// use tuneup::parallel::{run_on_threads, DataParallel};
    /// use tuneup::prelude::*;
    /// let weights = run_on_threads(2, |comm| {
    ///     let mut dp = DataParallel::new(comm);
    ///     let mut net = Mlp::new(&[3, 4, 1]).seed(1).build::<f32>()?;
    ///     let mut adam = Adam::new(0.1)?;
    ///     let rank = dp.rank() as f32;
    ///     net.visit_parameters_mut(&mut |p| p.grad_mut().fill(rank + 1.0));
    ///     dp.all_reduce_gradients(&mut net, 0.5, 0.0)?;
    ///     dp.sharded_step(&mut net, &mut adam)?;
    ///     let mut w = Vec::new();
    ///     net.visit_parameters(&mut |p| w.extend_from_slice(p.value_slice()));
    ///     Ok(w)
    /// })?;
    /// let mut whole = Mlp::new(&[3, 4, 1]).seed(1).build::<f32>()?;
    /// whole.visit_parameters_mut(&mut |p| p.grad_mut().fill(1.5));
    /// Adam::new(0.1)?.step(&mut whole)?;
    /// let mut w = Vec::new();
    /// whole.visit_parameters(&mut |p| w.extend_from_slice(p.value_slice()));
    /// assert_eq!(weights, [w.clone(), w]); // a full step's bits on every replica
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn sharded_step<F: Float>(
        &mut self,
        model: &mut dyn Layer<F>,
        optimizer: &mut dyn Optimizer<F>,
    ) -> Result<()> {
        let shard = Shard::new(self.rank(), self.world_size())?;
        optimizer.step_shard(model, shard)?;
        self.gather_parameters(model)
    }

    /// Replaces each rank's parameters outside its share by their owners' values.
    fn gather_parameters<F: Float>(&mut self, model: &mut dyn Layer<F>) -> Result<()> {
        let (comm, wide) = (&self.comm, &mut self.grads);
        let world = comm.world_size();
        let mut outcome = Ok(());
        model.visit_parameters_mut(&mut |p| {
            if outcome.is_err() {
                return;
            }
            let (value, _) = p.value_and_grad_mut();
            if let Some(value) = F::f32_slice_mut(value) {
                outcome = comm.all_gather_f32(value);
                return;
            }
            for root in 0..world {
                let share = Shard::new(root, world).map(|s| s.positions(value.len()));
                outcome = share.and_then(|share| {
                    wide.clear();
                    wide.extend(value[share.clone()].iter().map(|v| v.as_f64()));
                    comm.broadcast(wide, root)?;
                    for (v, &w) in value[share].iter_mut().zip(wide.iter()) {
                        *v = F::cast(w);
                    }
                    Ok(())
                });
                if outcome.is_err() {
                    return;
                }
            }
        });
        outcome
    }

    /// The whole state of an optimizer stepped by [`sharded_step`](Self::sharded_step), from
    /// each rank's export of it ([`Optimizer::state`]): every rank's share of every buffer
    /// is gathered from the rank that updated it, and every rank gets the state a full step
    /// on every rank would hold, bit for bit, ready to be written to a checkpoint (by rank 0)
    /// and loaded with [`Optimizer::load_state`] on any world size. Every rank must call it.
    ///
    /// # Errors
    /// [`Error::State`] on every rank when the ranks' optimizers keep different buffers;
    /// errors of the communicator.
    ///
    /// ```
    /// use tuneup::parallel::{run_on_threads, DataParallel};
    /// use tuneup::prelude::*;
    /// let states = run_on_threads(2, |comm| {
    ///     let mut dp = DataParallel::new(comm);
    ///     let mut net = Mlp::new(&[3, 1]).seed(1).build::<f64>()?;
    ///     let mut adam = Adam::new(0.1)?;
    ///     net.visit_parameters_mut(&mut |p| p.grad_mut().fill(1.0));
    ///     dp.sharded_step(&mut net, &mut adam)?;
    ///     let partial = adam.state(); // up to date at this rank's share only
    ///     Ok((partial.clone(), dp.consolidate_state(partial)?))
    /// })?;
    /// assert_ne!(states[0].0, states[1].0);
    /// assert_eq!(states[0].1, states[1].1);
    /// let mut whole = Mlp::new(&[3, 1]).seed(1).build::<f64>()?;
    /// whole.visit_parameters_mut(&mut |p| p.grad_mut().fill(1.0));
    /// let mut adam = Adam::new(0.1)?;
    /// adam.step(&mut whole)?;
    /// assert_eq!(states[0].1, adam.state());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn consolidate_state(&mut self, mut state: OptimizerState) -> Result<OptimizerState> {
        self.check_same_buffers(&state)?;
        let world = self.world_size();
        for tensor in state.tensors.values_mut() {
            let Some(values) = tensor.as_slice_memory_order_mut() else {
                continue; // never built by an export: tensors are contiguous
            };
            for root in 0..world {
                let share = Shard::new(root, world)?.positions(values.len());
                self.comm.broadcast(&mut values[share], root)?;
            }
        }
        Ok(state)
    }

    /// [`Error::State`] on every rank unless every rank's state has rank 0's number of
    /// tensors and of values.
    fn check_same_buffers(&mut self, state: &OptimizerState) -> Result<()> {
        let values: usize = state.tensors.values().map(|t| t.len()).sum();
        let mine = [state.tensors.len() as f64, values as f64];
        let mut first = mine;
        self.comm.broadcast(&mut first, 0)?;
        let mut differs = [f64::from(u8::from(first != mine))];
        self.comm.all_reduce_sum(&mut differs)?;
        if differs[0] == 0.0 {
            return Ok(());
        }
        Err(Error::state(
            format!("DataParallel::consolidate_state on rank {}", self.rank()),
            format!(
                "{} rank(s) keep other optimizer buffers than rank 0's {} tensors of {} values \
                 (this rank: {} of {}); every rank must step the same optimizer on the same model",
                differs[0], first[0], first[1], mine[0], mine[1]
            ),
        ))
    }
}
