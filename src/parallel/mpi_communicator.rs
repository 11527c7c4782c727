//! The MPI backend (feature `mpi`): one rank per MPI process, through rsmpi.

use std::sync::{Mutex, MutexGuard};

use mpi::collective::{CommunicatorCollectives, Root};
use mpi::environment::Universe;
use mpi::topology::{Communicator as _, SimpleCommunicator};
use mpi::Threading;

use super::Communicator;
use crate::{Error, Result};

/// The MPI state, used under the lock only. `world` is declared before `universe` so that it
/// is dropped before `MPI_Finalize` runs.
struct State {
    world: SimpleCommunicator,
    /// Every rank's buffer, rank after rank (the all-gather's receive buffer, kept).
    gathered: Vec<f64>,
    /// Every rank's `f32` buffer, rank after rank (a weighted all-reduce's receive buffer).
    gathered_f32: Vec<f32>,
    /// Every rank's weight in a weighted all-reduce.
    weights: Vec<f64>,
    /// Every rank's buffer length.
    lengths: Vec<u64>,
    _universe: Universe,
}

/// One rank of `MPI_COMM_WORLD`: processes started the usual way
/// (`mpirun -np 4 target/release/my_training`), on one machine or across a hostfile's
/// machines.
///
/// **Deterministic sums.** `MPI_Allreduce` adds in an order the implementation chooses (it
/// depends on the algorithm and the world size), so [`all_reduce_sum`](Communicator::all_reduce_sum)
/// is an `MPI_Allgather` of every rank's buffer followed by a local sum in rank order: the
/// same bits as [`ThreadCommunicator`](super::ThreadCommunicator) and from run to run. The
/// cost: each rank receives `world × n` values instead of about `2n` for a ring all-reduce,
/// which is small for the models this crate trains (a 100 000-parameter model at 4 ranks
/// moves 3.2 MB per step); the sum itself is `world × n` additions.
///
/// Before each collective the ranks all-gather their buffer lengths, so a length that differs
/// is an [`Error::Shape`] on every rank rather than a hang or a crash.
///
/// MPI is initialised with `MPI_THREAD_SERIALIZED` and every call goes through one lock, so
/// the communicator can be shared between threads; one `MpiCommunicator` per process.
///
/// ```no_run
/// use tuneup::parallel::{Communicator, MpiCommunicator};
/// let comm = MpiCommunicator::init()?;
/// let mut v = [comm.rank() as f64];
/// comm.all_reduce_sum(&mut v)?;
/// println!("rank {} of {}: sum {}", comm.rank(), comm.world_size(), v[0]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub struct MpiCommunicator {
    rank: usize,
    size: usize,
    state: Mutex<State>,
}

// SAFETY: the MPI handles are only used under `state`'s lock, so MPI calls from this
// communicator never run concurrently, which `MPI_THREAD_SERIALIZED` (checked at `init`)
// allows from any thread.
unsafe impl Send for MpiCommunicator {}
// SAFETY: as above; `&self` methods take the lock before any MPI call.
unsafe impl Sync for MpiCommunicator {}

impl std::fmt::Debug for MpiCommunicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MpiCommunicator")
            .field("rank", &self.rank)
            .field("world_size", &self.size)
            .finish_non_exhaustive()
    }
}

impl MpiCommunicator {
    /// Initialises MPI and returns this process's rank of `MPI_COMM_WORLD`; MPI is finalised
    /// when it is dropped.
    ///
    /// # Errors
    /// [`Error::State`] when MPI was already initialised in this process, or the library does
    /// not offer `MPI_THREAD_SERIALIZED`.
    ///
    /// ```no_run
    /// let comm = tuneup::parallel::MpiCommunicator::init()?;
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn init() -> Result<MpiCommunicator> {
        let (universe, level) =
            mpi::initialize_with_threading(Threading::Serialized).ok_or_else(|| {
                Error::state(
                    "MpiCommunicator::init",
                    "MPI is already initialised in this process: create one MpiCommunicator",
                )
            })?;
        if matches!(level, Threading::Single | Threading::Funneled) {
            return Err(Error::state(
                "MpiCommunicator::init",
                format!(
                    "the MPI library offers {level:?} threading, MPI_THREAD_SERIALIZED is needed"
                ),
            ));
        }
        let world = universe.world();
        let (rank, size) = (world.rank() as usize, world.size() as usize);
        Ok(MpiCommunicator {
            rank,
            size,
            state: Mutex::new(State {
                world,
                gathered: Vec::new(),
                gathered_f32: Vec::new(),
                weights: vec![0.0; size],
                lengths: vec![0; size],
                _universe: universe,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// All-gathers the ranks' lengths; an error on every rank when one differs from rank 0's.
    fn check_lengths(&self, st: &mut State, len: usize, op: &str) -> Result<()> {
        let mine = len as u64;
        st.world.all_gather_into(&mine, &mut st.lengths[..]);
        let first = st.lengths.first().copied().unwrap_or(mine);
        match st.lengths.iter().position(|&l| l != first) {
            None => Ok(()),
            Some(r) => Err(Error::shape(
                format!("MpiCommunicator::{op} on rank {}", self.rank),
                format!("buffers of {first} values on every rank, as on rank 0"),
                format!("{} values on rank {r}", st.lengths[r]),
            )),
        }
    }
}

impl Communicator for MpiCommunicator {
    fn rank(&self) -> usize {
        self.rank
    }

    fn world_size(&self) -> usize {
        self.size
    }

    fn all_reduce_sum(&self, buf: &mut [f64]) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        self.check_lengths(st, buf.len(), "all_reduce_sum")?;
        let n = buf.len();
        st.gathered.resize(n * self.size, 0.0);
        st.world.all_gather_into(&buf[..], &mut st.gathered[..]);
        for (r, part) in st.gathered.chunks_exact(n.max(1)).enumerate() {
            if r == 0 {
                buf.copy_from_slice(&part[..n]);
            } else {
                buf.iter_mut().zip(part).for_each(|(b, p)| *b += p);
            }
        }
        Ok(())
    }

    /// Gathers the `f32` buffers and the weights (half the bytes of gathering `f64`
    /// copies), then sums in `f64` in rank order and rounds once.
    fn all_reduce_weighted_f32(&self, buf: &mut [f32], weight: f64) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        self.check_lengths(st, buf.len(), "all_reduce_weighted_f32")?;
        let n = buf.len();
        st.world.all_gather_into(&weight, &mut st.weights[..]);
        st.gathered_f32.resize(n * self.size, 0.0);
        st.world.all_gather_into(&buf[..], &mut st.gathered_f32[..]);
        st.gathered.resize(n, 0.0);
        for (r, part) in st.gathered_f32.chunks_exact(n.max(1)).enumerate() {
            crate::linalg::accumulate_scaled(part, st.weights[r], &mut st.gathered, r > 0);
        }
        crate::linalg::narrow_into(&st.gathered, buf);
        Ok(())
    }

    fn broadcast(&self, buf: &mut [f64], root: usize) -> Result<()> {
        if root >= self.size {
            return Err(Error::config(
                "Communicator::broadcast root",
                root,
                format!("a rank below the world size {}", self.size),
            ));
        }
        let mut guard = self.lock();
        let st = &mut *guard;
        self.check_lengths(st, buf.len(), "broadcast")?;
        st.world
            .process_at_rank(root as mpi::Rank)
            .broadcast_into(buf);
        Ok(())
    }

    fn barrier(&self) -> Result<()> {
        self.lock().world.barrier();
        Ok(())
    }
}
