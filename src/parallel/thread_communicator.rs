//! The thread backend: N ranks as threads of one process, exchanging buffers in shared memory.

use std::sync::{Arc, RwLock};

use super::thread_barrier::LeavableBarrier;
use super::Communicator;
use crate::{Error, Result};

/// What the ranks of one group share: one buffer per rank and the barrier.
#[derive(Debug)]
struct Shared {
    slots: Vec<RwLock<Vec<f64>>>,
    barrier: LeavableBarrier,
}

/// One rank of a group of threads in one process (a model replica per thread).
///
/// A collective copies this rank's buffer into its shared slot, waits at a barrier, reads the
/// slots it needs **in rank order** and waits again before a slot may be overwritten. The sum
/// is `((b₀ + b₁) + b₂) + …` whatever order the threads arrive in, so results are bit-identical
/// from run to run and equal to the MPI backend's. After the first call with a given length,
/// a collective allocates nothing.
///
/// Dropping a rank (its thread ends or panics) releases the others: their next collective
/// fails with [`Error::State`] instead of waiting forever.
///
/// ```
/// use tuneup::parallel::{run_on_threads, Communicator};
/// let got = run_on_threads(3, |comm| {
///     let mut v = [comm.rank() as f64];
///     comm.broadcast(&mut v, 2)?;
///     Ok(v[0])
/// })?;
/// assert_eq!(got, [2.0, 2.0, 2.0]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug)]
pub struct ThreadCommunicator {
    rank: usize,
    shared: Arc<Shared>,
}

impl ThreadCommunicator {
    /// The `world_size` ranks of a new group, rank 0 first; move each to its own thread.
    ///
    /// # Errors
    /// [`Error::Config`] for a world size of 0.
    ///
    /// ```
    /// use tuneup::parallel::{Communicator, ThreadCommunicator};
    /// let ranks = ThreadCommunicator::group(4)?;
    /// assert_eq!(ranks[3].rank(), 3);
    /// assert_eq!(ranks[3].world_size(), 4);
    /// assert!(ThreadCommunicator::group(0).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn group(world_size: usize) -> Result<Vec<ThreadCommunicator>> {
        if world_size == 0 {
            return Err(Error::config(
                "ThreadCommunicator world_size",
                0,
                "at least 1 rank",
            ));
        }
        let shared = Arc::new(Shared {
            slots: (0..world_size).map(|_| RwLock::new(Vec::new())).collect(),
            barrier: LeavableBarrier::new(world_size),
        });
        Ok((0..world_size)
            .map(|rank| ThreadCommunicator {
                rank,
                shared: Arc::clone(&shared),
            })
            .collect())
    }

    fn wait(&self) -> Result<()> {
        self.shared.barrier.wait(self.rank)
    }

    /// Publishes `buf` in this rank's slot.
    fn publish(&self, buf: &[f64]) {
        if let Some(slot) = self.shared.slots.get(self.rank) {
            let mut slot = slot.write().unwrap_or_else(|p| p.into_inner());
            slot.clear();
            slot.extend_from_slice(buf);
        }
    }

    /// Rank 0's published length, and the first rank whose length differs from it (the
    /// same answer on every rank).
    fn length_mismatch(&self) -> Option<(usize, usize, usize)> {
        let len = |s: &RwLock<Vec<f64>>| s.read().unwrap_or_else(|p| p.into_inner()).len();
        let first = len(self.shared.slots.first()?);
        self.shared
            .slots
            .iter()
            .enumerate()
            .map(|(r, s)| (r, len(s)))
            .find(|&(_, l)| l != first)
            .map(|(r, l)| (first, r, l))
    }

    /// Sums the slots into `buf` in rank order.
    fn sum_slots(&self, buf: &mut [f64]) {
        for (r, slot) in self.shared.slots.iter().enumerate() {
            let slot = slot.read().unwrap_or_else(|p| p.into_inner());
            if r == 0 {
                buf.copy_from_slice(&slot);
            } else {
                buf.iter_mut().zip(slot.iter()).for_each(|(b, s)| *b += s);
            }
        }
    }

    fn mismatch_error(&self, op: &str, (len, rank, found): (usize, usize, usize)) -> Error {
        Error::shape(
            format!("ThreadCommunicator::{op} on rank {}", self.rank),
            format!("buffers of {len} values on every rank, as on rank 0"),
            format!("{found} values on rank {rank}"),
        )
    }
}

impl Communicator for ThreadCommunicator {
    fn rank(&self) -> usize {
        self.rank
    }

    fn world_size(&self) -> usize {
        self.shared.slots.len()
    }

    fn all_reduce_sum(&self, buf: &mut [f64]) -> Result<()> {
        self.publish(buf);
        self.wait()?;
        let mismatch = self.length_mismatch();
        if mismatch.is_none() {
            self.sum_slots(buf);
        }
        self.wait()?;
        match mismatch {
            Some(m) => Err(self.mismatch_error("all_reduce_sum", m)),
            None => Ok(()),
        }
    }

    fn broadcast(&self, buf: &mut [f64], root: usize) -> Result<()> {
        if root >= self.world_size() {
            return Err(Error::config(
                "Communicator::broadcast root",
                root,
                format!("a rank below the world size {}", self.world_size()),
            ));
        }
        // Every rank publishes its length, so that all of them see a mismatch.
        self.publish(buf);
        self.wait()?;
        let mismatch = self.length_mismatch();
        if mismatch.is_none() && self.rank != root {
            let slot = self.shared.slots[root]
                .read()
                .unwrap_or_else(|p| p.into_inner());
            buf.copy_from_slice(&slot);
        }
        self.wait()?;
        match mismatch {
            Some(m) => Err(self.mismatch_error("broadcast", m)),
            None => Ok(()),
        }
    }

    fn barrier(&self) -> Result<()> {
        self.wait()
    }
}

impl Drop for ThreadCommunicator {
    fn drop(&mut self) {
        self.shared.barrier.leave(self.rank);
    }
}

/// Runs `f` on `world_size` threads, each given its rank of a new [`ThreadCommunicator`]
/// group (to keep, or to move into a [`DataParallel`](super::DataParallel) or a Trainer), and returns their results in rank order. Each thread's matrix products stay on that
/// thread (the GEMM pool is not used), so N replicas on N cores do not oversubscribe them.
///
/// # Errors
/// [`Error::Config`] for a world size of 0; otherwise the error of the lowest rank that
/// failed, or [`Error::State`] when a thread panicked (the other ranks are released, not
/// left waiting).
///
/// ```
/// use tuneup::parallel::{run_on_threads, Communicator};
/// let ranks = run_on_threads(2, |comm| Ok(comm.rank() * 10))?;
/// assert_eq!(ranks, [0, 10]);
/// assert!(run_on_threads(0, |_| Ok(())).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn run_on_threads<T, G>(world_size: usize, f: G) -> Result<Vec<T>>
where
    T: Send,
    G: Fn(ThreadCommunicator) -> Result<T> + Sync,
{
    let ranks = ThreadCommunicator::group(world_size)?;
    let f = &f;
    let results: Vec<Result<T>> = std::thread::scope(|s| {
        let handles: Vec<_> = ranks
            .into_iter()
            .map(|comm| {
                s.spawn(move || {
                    crate::linalg::set_this_thread_only(true);
                    f(comm)
                })
            })
            .collect();
        handles
            .into_iter()
            .enumerate()
            .map(|(rank, h)| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::state(
                        format!("data-parallel rank {rank}"),
                        "its thread panicked",
                    ))
                })
            })
            .collect()
    });
    results.into_iter().collect()
}
