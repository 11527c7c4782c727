//! The `Communicator` trait: the collective operations data-parallel training needs.

use crate::Result;

/// The collective operations of one rank in a group of `world_size` ranks (model replicas).
///
/// Every rank must call the same collectives in the same order with buffers of the same
/// length; a length that differs between ranks is an error on **every** rank (never a hang).
/// Buffers are `f64`: `f32` values travel exactly, and sums are taken in `f64`.
///
/// Sums are **deterministic**: every backend adds the ranks' buffers in rank order
/// (`((b₀ + b₁) + b₂) + …`), so a fixed world size gives bit-identical results from run to
/// run, and the thread and MPI backends give the same bits.
///
/// Implemented by [`ThreadCommunicator`](super::ThreadCommunicator) (replicas on threads of one
/// process) and, with the `mpi` feature, by an MPI backend.
///
/// ```
/// use tuneup::parallel::{Communicator, ThreadCommunicator};
/// let ranks = ThreadCommunicator::group(2)?;
/// let sums: Vec<Vec<f64>> = std::thread::scope(|s| {
///     let handles: Vec<_> = ranks
///         .iter()
///         .map(|comm| s.spawn(move || {
///             let mut buf = vec![comm.rank() as f64 + 1.0; 3];
///             comm.all_reduce_sum(&mut buf).map(|_| buf)
///         }))
///         .collect();
///     handles.into_iter().map(|h| h.join().unwrap().unwrap()).collect()
/// });
/// assert_eq!(sums, vec![vec![3.0; 3], vec![3.0; 3]]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait Communicator: Send + Sync {
    /// This rank's index, `0..world_size`.
    fn rank(&self) -> usize;

    /// The number of ranks in the group (≥ 1).
    fn world_size(&self) -> usize;

    /// Replaces `buf` on every rank by the element-wise sum of every rank's `buf`, added in
    /// rank order.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) on every rank when the ranks' lengths differ;
    /// [`Error::State`](crate::Error::State) when another rank failed (a panicked thread).
    fn all_reduce_sum(&self, buf: &mut [f64]) -> Result<()>;

    /// Copies `root`'s `buf` into every other rank's `buf`.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) for a `root` outside the group, and those of
    /// [`Communicator::all_reduce_sum`].
    fn broadcast(&self, buf: &mut [f64], root: usize) -> Result<()>;

    /// Returns when every rank has called it.
    ///
    /// # Errors
    /// [`Error::State`](crate::Error::State) when another rank failed.
    fn barrier(&self) -> Result<()>;
}

impl<T: Communicator + ?Sized> Communicator for &T {
    fn rank(&self) -> usize {
        (**self).rank()
    }
    fn world_size(&self) -> usize {
        (**self).world_size()
    }
    fn all_reduce_sum(&self, buf: &mut [f64]) -> Result<()> {
        (**self).all_reduce_sum(buf)
    }
    fn broadcast(&self, buf: &mut [f64], root: usize) -> Result<()> {
        (**self).broadcast(buf, root)
    }
    fn barrier(&self) -> Result<()> {
        (**self).barrier()
    }
}

impl<T: Communicator + ?Sized> Communicator for Box<T> {
    fn rank(&self) -> usize {
        (**self).rank()
    }
    fn world_size(&self) -> usize {
        (**self).world_size()
    }
    fn all_reduce_sum(&self, buf: &mut [f64]) -> Result<()> {
        (**self).all_reduce_sum(buf)
    }
    fn broadcast(&self, buf: &mut [f64], root: usize) -> Result<()> {
        (**self).broadcast(buf, root)
    }
    fn barrier(&self) -> Result<()> {
        (**self).barrier()
    }
}

/// A communicator shared by several trainers of one process (runs one after another).
impl<T: Communicator + ?Sized> Communicator for std::sync::Arc<T> {
    fn rank(&self) -> usize {
        (**self).rank()
    }
    fn world_size(&self) -> usize {
        (**self).world_size()
    }
    fn all_reduce_sum(&self, buf: &mut [f64]) -> Result<()> {
        (**self).all_reduce_sum(buf)
    }
    fn broadcast(&self, buf: &mut [f64], root: usize) -> Result<()> {
        (**self).broadcast(buf, root)
    }
    fn barrier(&self) -> Result<()> {
        (**self).barrier()
    }
}
