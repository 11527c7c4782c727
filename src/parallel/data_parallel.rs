//! `DataParallel`: a communicator with the buffers that keep model replicas in step.

use std::ops::Range;

use super::{check_replicas, Communicator};
use crate::model::Layer;
use crate::{Error, Float, Result};

/// One rank's side of data-parallel training, as PyTorch's `DistributedDataParallel` does it:
/// parameters and buffers broadcast from rank 0 at the start
/// ([`DataParallel::broadcast_model`]), buffers (BatchNorm running statistics) broadcast from
/// rank 0 before each forward ([`DataParallel::broadcast_buffers`]), and gradients summed
/// across ranks after each backward ([`DataParallel::all_reduce_gradients`]), before penalties,
/// clipping and the optimizer.
///
/// Each rank works on its [`shard`](DataParallel::shard) of every batch and weights its
/// gradient by its share of the rows, so the summed gradient is the gradient of the mean loss
/// over the whole batch, whatever the shard sizes: the replicas follow the single-process run
/// on the whole batch up to rounding (and exactly for a world of one). BatchNorm in train mode
/// normalises each shard by its own statistics (DDP without `SyncBatchNorm`).
///
/// Sums run in `f64` in rank order, so a fixed world size gives bit-identical runs. An `f32`
/// model's gradients are summed in place, parameter by parameter
/// ([`Communicator::all_reduce_weighted_f32`]), with no `f64` copy of them. After the first
/// step nothing is allocated.
///
/// A custom loop on two threads:
/// ```
/// use tuneup::parallel::{run_on_threads, DataParallel};
/// use tuneup::prelude::*;
/// use ndarray::{s, Array2};
/// let x = Array2::from_shape_fn((8, 2), |(i, j)| (i * 2 + j) as f64 / 10.0);
/// let y = Array2::from_shape_fn((8, 1), |(i, _)| i as f64 / 8.0);
/// let weights = run_on_threads(2, |comm| {
///     let mut dp = DataParallel::new(comm);
///     let mut net = Mlp::new(&[2, 4, 1]).seed(comm_rank_seed(dp.rank())).build::<f64>()?;
///     dp.broadcast_model(&mut net)?; // every rank now holds rank 0's weights
///     let (loss, mut sgd, mut grad) = (Mse::new(), Sgd::new(0.1)?, Array2::zeros((0, 0)));
///     for _ in 0..5 {
///         let rows = dp.shard(x.nrows())?;
///         net.zero_grad();
///         let out = net.forward(x.slice(s![rows.clone(), ..]), Mode::Train)?;
///         let l = loss.value_and_grad(out, y.slice(s![rows.clone(), ..]).into(), &mut grad)?;
///         net.backward_parameters(grad.view())?;
///         dp.all_reduce_gradients(&mut net, dp.weight(x.nrows())?, l)?;
///         sgd.step(&mut net)?;
///     }
///     let mut w = Vec::new();
///     net.visit_parameters(&mut |p| w.extend_from_slice(p.value_slice()));
///     Ok(w)
/// })?;
/// assert_eq!(weights[0], weights[1]); // the replicas stay identical
/// # fn comm_rank_seed(rank: usize) -> u64 { rank as u64 }
/// # Ok::<(), tuneup::Error>(())
/// ```
pub struct DataParallel<C: Communicator> {
    pub(super) comm: C,
    /// Scratch for exchanges: the `f64` gradients, flags and loss, or a share of values.
    pub(super) grads: Vec<f64>,
    buffers: Vec<f64>,
}

impl<C: Communicator> std::fmt::Debug for DataParallel<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataParallel")
            .field("rank", &self.comm.rank())
            .field("world_size", &self.comm.world_size())
            .finish_non_exhaustive()
    }
}

impl<C: Communicator> DataParallel<C> {
    /// Data-parallel training over `comm`'s group.
    ///
    /// ```
    /// use tuneup::parallel::{DataParallel, ThreadCommunicator};
    /// let comm = ThreadCommunicator::group(1)?.remove(0);
    /// assert_eq!(DataParallel::new(comm).world_size(), 1);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn new(comm: C) -> Self {
        DataParallel {
            comm,
            grads: Vec::new(),
            buffers: Vec::new(),
        }
    }

    /// This rank.
    ///
    /// ```
    /// # use tuneup::parallel::{DataParallel, ThreadCommunicator};
    /// let comm = ThreadCommunicator::group(1)?.remove(0);
    /// assert_eq!(DataParallel::new(comm).rank(), 0);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn rank(&self) -> usize {
        self.comm.rank()
    }

    /// The number of ranks.
    ///
    /// ```
    /// # use tuneup::parallel::{DataParallel, ThreadCommunicator};
    /// let comm = ThreadCommunicator::group(1)?.remove(0);
    /// assert_eq!(DataParallel::new(comm).world_size(), 1);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn world_size(&self) -> usize {
        self.comm.world_size()
    }

    /// The communicator.
    ///
    /// ```
    /// # use tuneup::parallel::{Communicator, DataParallel, ThreadCommunicator};
    /// let comm = ThreadCommunicator::group(1)?.remove(0);
    /// assert!(DataParallel::new(comm).communicator().barrier().is_ok());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn communicator(&self) -> &C {
        &self.comm
    }

    /// This rank's rows of a batch of `rows`: contiguous shards, the first `rows % world`
    /// ranks one row longer.
    ///
    /// # Errors
    /// [`Error::Config`] (`data_parallel batch`) when the batch has fewer rows than there are
    /// ranks (some rank would get none); the same on every rank.
    ///
    /// ```
    /// use tuneup::parallel::run_on_threads;
    /// use tuneup::parallel::DataParallel;
    /// let shards = run_on_threads(3, |c| DataParallel::new(c).shard(10))?;
    /// assert_eq!(shards, [0..4, 4..7, 7..10]);
    /// assert!(run_on_threads(3, |c| DataParallel::new(c).shard(2)).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn shard(&self, rows: usize) -> Result<Range<usize>> {
        let (world, rank) = (self.world_size(), self.rank());
        if rows < world {
            return Err(Error::config(
                "data_parallel batch",
                format!("{rows} rows"),
                format!("at least one row per rank ({world} ranks): a larger batch size"),
            ));
        }
        let (base, extra) = (rows / world, rows % world);
        let lo = rank * base + rank.min(extra);
        Ok(lo..lo + base + usize::from(rank < extra))
    }

    /// This rank's share of a batch of `rows`: its shard's rows over `rows`, the factor that
    /// turns its shard-mean gradient into its part of the whole batch's mean gradient.
    ///
    /// # Errors
    /// Those of [`DataParallel::shard`].
    ///
    /// ```
    /// use tuneup::parallel::{run_on_threads, DataParallel};
    /// let w = run_on_threads(2, |c| DataParallel::new(c).weight(5))?;
    /// assert_eq!(w, [0.6, 0.4]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn weight(&self, rows: usize) -> Result<f64> {
        let shard = self.shard(rows)?;
        Ok(shard.len() as f64 / rows as f64)
    }

    /// Checks the replicas ([`check_replicas`]) and copies rank 0's parameters and buffers
    /// into every rank's model: what a run does first. Every rank must call it.
    ///
    /// # Errors
    /// Those of [`check_replicas`] (the first mismatched parameter, on every rank) and of the
    /// communicator; the model is untouched on error.
    ///
    /// ```
    /// use tuneup::parallel::{run_on_threads, DataParallel};
    /// use tuneup::prelude::*;
    /// let firsts = run_on_threads(2, |c| {
    ///     let mut net = Mlp::new(&[2, 1]).seed(c_seed(&c)).build::<f64>()?;
    ///     DataParallel::new(c).broadcast_model(&mut net)?;
    ///     let mut first = 0.0;
    ///     net.visit_parameters(&mut |p| if p.name() == "0.weight" { first = p.value_slice()[0] });
    ///     Ok(first)
    /// })?;
    /// assert_eq!(firsts[0], firsts[1]);
    /// # fn c_seed(c: &tuneup::parallel::ThreadCommunicator) -> u64 {
    /// #     use tuneup::parallel::Communicator; c.rank() as u64 }
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn broadcast_model<F: Float>(&mut self, model: &mut dyn Layer<F>) -> Result<()> {
        check_replicas(model, &self.comm)?;
        let mut values = Vec::with_capacity(model.num_parameters());
        model.visit_parameters(&mut |p| values.extend(p.value_slice().iter().map(|v| v.as_f64())));
        self.comm.broadcast(&mut values, 0)?;
        let mut at = 0;
        model.visit_parameters_mut(&mut |p| {
            let (value, _) = p.value_and_grad_mut();
            for (v, &b) in value.iter_mut().zip(&values[at..]) {
                *v = F::cast(b);
            }
            at += value.len();
        });
        self.broadcast_buffers(model)
    }

    /// Copies rank 0's buffers (BatchNorm running statistics) into every rank's model, as
    /// DDP does before each forward (`broadcast_buffers=True`). Every rank must call it; a
    /// model without buffers exchanges nothing.
    ///
    /// # Errors
    /// Those of the communicator (buffers of different sizes on different ranks).
    ///
    /// ```
    /// use tuneup::parallel::{run_on_threads, DataParallel};
    /// use tuneup::prelude::*;
    /// let means = run_on_threads(2, |c| {
    ///     let mut bn = BatchNorm1d::<f64>::new(1)?;
    ///     let x = ndarray::Array2::from_elem((2, 1), c_rank(&c) as f64 + 1.0);
    ///     bn.forward(x.view(), Mode::Train)?; // each rank's own running mean
    ///     DataParallel::new(c).broadcast_buffers(&mut bn)?;
    ///     Ok(bn.running_mean().as_slice()[0])
    /// })?;
    /// assert_eq!(means, [0.1, 0.1]); // rank 0's: 0.9 · 0 + 0.1 · 1
    /// # fn c_rank(c: &tuneup::parallel::ThreadCommunicator) -> usize {
    /// #     use tuneup::parallel::Communicator; c.rank() }
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn broadcast_buffers<F: Float>(&mut self, model: &mut dyn Layer<F>) -> Result<()> {
        let buffers = &mut self.buffers;
        buffers.clear();
        model.visit_buffers(&mut |b| buffers.extend(b.as_slice().iter().map(|v| v.as_f64())));
        let mut len = [buffers.len() as f64];
        self.comm.all_reduce_sum(&mut len)?;
        if len[0] == 0.0 {
            return Ok(());
        }
        self.comm.broadcast(buffers, 0)?;
        let mut at = 0;
        model.visit_buffers_mut(&mut |b| {
            let slice = b.as_slice_mut();
            for (v, &x) in slice.iter_mut().zip(&buffers[at..]) {
                *v = F::cast(x);
            }
            at += slice.len();
        });
        Ok(())
    }

    /// Replaces every rank's gradients by `Σ_r weight_r · grad_r` (summed in rank order in
    /// `f64`) and returns `Σ_r weight_r · loss_r`, the whole batch's loss when each rank
    /// passes its [`weight`](DataParallel::weight) and shard loss. Every rank must call it.
    ///
    /// # Errors
    /// [`Error::NonFinite`] on **every** rank when the loss or a gradient is NaN or ∞ on any
    /// rank (naming the ranks): the gradients are left as they were, so all ranks skip the
    /// step together; errors of the communicator.
    ///
    /// ```
    /// use tuneup::parallel::{run_on_threads, DataParallel};
    /// use tuneup::prelude::*;
    /// let out = run_on_threads(2, |c| {
    ///     let mut dp = DataParallel::new(c);
    ///     let mut lin = Linear::<f64>::new(1, 1, 0)?;
    ///     let rank = dp.rank() as f64;
    ///     lin.visit_parameters_mut(&mut |p| p.grad_mut().fill(rank + 1.0));
    ///     let loss = dp.all_reduce_gradients(&mut lin, 0.5, 2.0 * rank)?;
    ///     let mut g = 0.0;
    ///     lin.visit_parameters(&mut |p| g = p.grad_slice()[0]);
    ///     let bad = dp.all_reduce_gradients(&mut lin, 0.5, if rank == 1.0 { f64::NAN } else { 0.0 });
    ///     Ok((loss, g, bad.is_err()))
    /// })?;
    /// assert_eq!(out, [(1.0, 1.5, true), (1.0, 1.5, true)]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn all_reduce_gradients<F: Float>(
        &mut self,
        model: &mut dyn Layer<F>,
        weight: f64,
        loss: f64,
    ) -> Result<f64> {
        if std::any::TypeId::of::<F>() == std::any::TypeId::of::<f32>() {
            return self.all_reduce_f32_gradients(model, weight, loss);
        }
        let (world, rank) = (self.world_size(), self.rank());
        let grads = &mut self.grads;
        grads.clear();
        let mut finite = loss.is_finite();
        model.visit_parameters(&mut |p| {
            finite &= crate::linalg::widen_scaled(p.grad_slice(), weight, grads);
        });
        let n = grads.len();
        grads.push(loss * weight);
        grads.extend(std::iter::repeat_n(0.0, world));
        if !finite {
            grads[..=n].fill(0.0);
            grads[n + 1 + rank] = 1.0;
        }
        self.comm.all_reduce_sum(grads)?;
        non_finite_ranks(&grads[n + 1..])?;
        let mut at = 0;
        model.visit_parameters_mut(&mut |p| {
            let (_, g) = p.value_and_grad_slices_mut();
            crate::linalg::narrow_into(&grads[at..], g);
            at += g.len();
        });
        Ok(grads[n])
    }

    /// [`all_reduce_gradients`](Self::all_reduce_gradients) for an `f32` model, with the same
    /// bits: the finiteness flags and the loss travel first, then each parameter's gradient
    /// is all-reduced in place by [`Communicator::all_reduce_weighted_f32`], with no `f64`
    /// copy of the model's gradients.
    fn all_reduce_f32_gradients<F: Float>(
        &mut self,
        model: &mut dyn Layer<F>,
        weight: f64,
        loss: f64,
    ) -> Result<f64> {
        let mut finite = loss.is_finite();
        model.visit_parameters(&mut |p| finite &= crate::linalg::all_finite(p.grad_slice()));
        let total = self.exchange_loss(weight, loss, finite)?;
        let comm = &self.comm;
        let mut outcome = Ok(());
        model.visit_parameters_mut(&mut |p| {
            let (_, grad) = p.value_and_grad_slices_mut();
            if let (Ok(()), Some(grad)) = (&outcome, F::f32_slice_mut(grad)) {
                outcome = comm.all_reduce_weighted_f32(grad, weight);
            }
        });
        outcome.map(|()| total)
    }

    /// Sums `weight · loss` over the ranks (the whole batch's loss) without touching
    /// gradients: the exchange of a batch inside a gradient-accumulation group, which keeps
    /// every rank's view of divergence the same.
    ///
    /// # Errors
    /// [`Error::NonFinite`] on every rank when the loss is not finite on some rank.
    ///
    /// ```
    /// use tuneup::parallel::{run_on_threads, DataParallel};
    /// let l = run_on_threads(2, |c| DataParallel::new(c).all_reduce_loss(0.5, 3.0))?;
    /// assert_eq!(l, [3.0, 3.0]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn all_reduce_loss(&mut self, weight: f64, loss: f64) -> Result<f64> {
        self.exchange_loss(weight, loss, loss.is_finite())
    }

    /// Sums `weight · loss` over the ranks, a rank that is not `finite` adding nothing but
    /// its flag; [`Error::NonFinite`] on every rank when some rank is not.
    fn exchange_loss(&mut self, weight: f64, loss: f64, finite: bool) -> Result<f64> {
        let (world, rank) = (self.world_size(), self.rank());
        let buf = &mut self.grads;
        buf.clear();
        buf.push(if finite { loss * weight } else { 0.0 });
        buf.extend(std::iter::repeat_n(0.0, world));
        if !finite {
            buf[1 + rank] = 1.0;
        }
        self.comm.all_reduce_sum(buf)?;
        non_finite_ranks(&buf[1..])?;
        Ok(buf[0])
    }
}

/// An error naming the ranks whose flag is set.
fn non_finite_ranks(flags: &[f64]) -> Result<()> {
    let bad: Vec<String> = flags
        .iter()
        .enumerate()
        .filter(|&(_, &f)| f != 0.0)
        .map(|(r, _)| r.to_string())
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    Err(Error::non_finite(
        "data-parallel all-reduce",
        format!(
            "a NaN or infinite loss or gradient on rank {}: every rank skips this step",
            bad.join(", ")
        ),
    ))
}
