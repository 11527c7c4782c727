//! Engineering for limited compute that sits beside the model and the optimizer.
//!
//! Data-parallel training: model replicas on several threads (or, with the `mpi` feature,
//! processes), each on its shard of every batch, kept identical by collectives.
//!
//! - [`Communicator`]: the collectives (`all_reduce_sum`, `broadcast`, `barrier`, `rank`,
//!   `world_size`, and the provided `all_reduce_weighted_f32` and `all_gather_f32`), summing in rank order so that runs are bit-identical for a world size;
//!   [`ThreadCommunicator`] and [`run_on_threads`] run the ranks as threads of one process;
//!   with the `mpi` feature, `MpiCommunicator` runs them as MPI processes (`mpirun -np 4 …`),
//!   with the same sums bit for bit.
//! - [`DataParallel`]: what PyTorch's `DistributedDataParallel` does around a step — rank 0's
//!   parameters and buffers broadcast at the start, buffers broadcast before each forward,
//!   gradients weighted by shard size and summed after each backward (before clipping and the
//!   optimizer), a non-finite gradient on any rank refused on every rank; and
//!   [`DataParallel::sharded_step`], the optimizer update split between the ranks.
//! - [`check_replicas`]: every rank's model has rank 0's shapes, or every rank gets an error
//!   naming the first mismatched parameter.
//! - [`DistributedSampler`]: each rank's sample indices per epoch, as PyTorch's.
//!
//! The Trainer takes a communicator with
//! [`TrainerBuilder::data_parallel`](crate::train::TrainerBuilder::data_parallel).
//!
//! ```
//! use tuneup::parallel::{run_on_threads, Communicator};
//! let sums = run_on_threads(4, |comm| {
//!     let mut v = [comm.rank() as f64];
//!     comm.all_reduce_sum(&mut v)?;
//!     Ok(v[0])
//! })?;
//! assert_eq!(sums, [6.0; 4]);
//! # Ok::<(), tuneup::Error>(())
//! ```
//!
//! Mixed-precision loss scaling: [`GradScaler`] with `torch.amp.GradScaler`'s semantics (the
//! Trainer's `.grad_scaler(…)`; with data parallel it unscales the summed gradients, so an
//! overflow on any rank skips the step on every rank).
//!
//! Nothing here imports [`train`](crate::train): a custom loop uses these pieces directly.

mod communicator;
mod data_parallel;
mod distributed_sampler;
mod grad_scaler;
mod grad_scaler_state;
#[cfg(feature = "mpi")]
mod mpi_communicator;
mod replica_check;
mod sharded_step;
mod thread_barrier;
mod thread_communicator;

pub use communicator::Communicator;
pub use data_parallel::DataParallel;
pub use distributed_sampler::DistributedSampler;
pub use grad_scaler::{GradScaler, GradScalerConfig};
pub use grad_scaler_state::GradScalerState;
#[cfg(feature = "mpi")]
pub use mpi_communicator::MpiCommunicator;
pub use replica_check::check_replicas;
pub use thread_communicator::{run_on_threads, ThreadCommunicator};
