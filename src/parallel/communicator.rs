//! The `Communicator` trait: the collective operations data-parallel training needs.

use crate::Result;

/// The collective operations of one rank in a group of `world_size` ranks (model replicas).
///
/// Every rank must call the same collectives in the same order with buffers of the same
/// length; a length that differs between ranks is an error on **every** rank (never a hang).
/// Buffers are `f64`: `f32` values travel exactly, and sums are taken in `f64`;
/// [`all_reduce_weighted_f32`](Communicator::all_reduce_weighted_f32) sums `f32` buffers in
/// `f64` without an `f64` copy.
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

    /// Replaces `buf` on every rank by `Σ_r weight_r · buf_r`, where each rank passes its own
    /// `weight`: every product and sum is taken in `f64` in rank order and the result is
    /// rounded once to `f32`, so it has the bits of widening each rank's `weight · buf` to
    /// `f64`, [`all_reduce_sum`](Communicator::all_reduce_sum) and narrowing. This is the
    /// gradient exchange of `f32` models; a backend can run it without the `f64` copies.
    ///
    /// The provided method does exactly that through `all_reduce_sum`, allocating the `f64`
    /// copy on each call; the crate's backends override it and allocate nothing.
    ///
    /// # Errors
    /// Those of [`Communicator::all_reduce_sum`]; on error `buf` may hold this rank's values
    /// or the sums, never a mixture within one position.
    ///
    /// ```
    /// use tuneup::parallel::{run_on_threads, Communicator};
    /// let sums = run_on_threads(2, |comm| {
    ///     let mut buf = [comm.rank() as f32 + 1.0, 0.1];
    ///     comm.all_reduce_weighted_f32(&mut buf, 0.5)?;
    ///     Ok(buf)
    /// })?;
    /// assert_eq!(sums[0], [1.5, 0.1]);
    /// assert_eq!(sums[0], sums[1]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn all_reduce_weighted_f32(&self, buf: &mut [f32], weight: f64) -> Result<()> {
        let mut wide: Vec<f64> = buf.iter().map(|&v| f64::from(v) * weight).collect();
        self.all_reduce_sum(&mut wide)?;
        crate::linalg::narrow_into(&wide, buf);
        Ok(())
    }

    /// Gives every rank every other rank's share of `buf`: rank `r`'s positions
    /// [`Shard::positions`](crate::optim::Shard::positions) (rank `r` of the world) of its own
    /// `buf` replace those positions of every rank's `buf`, bit for bit. This is how replicas
    /// that each updated their share of a parameter
    /// ([`Optimizer::step_shard`](crate::optim::Optimizer::step_shard)) get the whole of it.
    ///
    /// The provided method broadcasts each rank's share in turn through `f64` buffers
    /// (allocating); the thread backend overrides it and copies each share straight into
    /// the other ranks' buffers.
    ///
    /// # Errors
    /// Those of [`Communicator::broadcast`] (buffers of different lengths on different ranks).
    ///
    /// ```
    /// use tuneup::parallel::{run_on_threads, Communicator};
    /// let got = run_on_threads(2, |comm| {
    ///     let mut buf = [comm.rank() as f32; 5]; // rank 0 owns 0..3, rank 1 owns 3..5
    ///     comm.all_gather_f32(&mut buf)?;
    ///     Ok(buf)
    /// })?;
    /// assert_eq!(got, [[0.0, 0.0, 0.0, 1.0, 1.0]; 2]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn all_gather_f32(&self, buf: &mut [f32]) -> Result<()> {
        let world = self.world_size();
        for root in 0..world {
            let share = crate::optim::Shard::new(root, world)?.positions(buf.len());
            let mut wide: Vec<f64> = buf[share.clone()].iter().map(|&v| f64::from(v)).collect();
            self.broadcast(&mut wide, root)?;
            crate::linalg::narrow_into(&wide, &mut buf[share]);
        }
        Ok(())
    }

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
    fn all_reduce_weighted_f32(&self, buf: &mut [f32], weight: f64) -> Result<()> {
        (**self).all_reduce_weighted_f32(buf, weight)
    }
    fn all_gather_f32(&self, buf: &mut [f32]) -> Result<()> {
        (**self).all_gather_f32(buf)
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
    fn all_reduce_weighted_f32(&self, buf: &mut [f32], weight: f64) -> Result<()> {
        (**self).all_reduce_weighted_f32(buf, weight)
    }
    fn all_gather_f32(&self, buf: &mut [f32]) -> Result<()> {
        (**self).all_gather_f32(buf)
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
    fn all_reduce_weighted_f32(&self, buf: &mut [f32], weight: f64) -> Result<()> {
        (**self).all_reduce_weighted_f32(buf, weight)
    }
    fn all_gather_f32(&self, buf: &mut [f32]) -> Result<()> {
        (**self).all_gather_f32(buf)
    }
    fn broadcast(&self, buf: &mut [f64], root: usize) -> Result<()> {
        (**self).broadcast(buf, root)
    }
    fn barrier(&self) -> Result<()> {
        (**self).barrier()
    }
}
