//! The thread backend: N ranks as threads of one process, exchanging buffers in shared memory.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use super::thread_barrier::LeavableBarrier;
use super::Communicator;
use crate::{Error, Result};

/// Values summed per block of the all-reduce (on the stack; 2 KiB).
const BLOCK: usize = 256;

/// What one rank published for its current collective: which one (`kind`), where its
/// buffer lives, and (for a weighted all-reduce) its weight's bits.
#[derive(Debug, Default)]
struct Published {
    kind: AtomicUsize,
    addr: AtomicUsize,
    len: AtomicUsize,
    weight: AtomicU64,
}

/// The `kind` of a barrier; a broadcast from `root` is `BROADCAST + root`.
const BARRIER: usize = 0;
/// The `kind` of an all-reduce.
const ALL_REDUCE: usize = 1;
/// The `kind` of a weighted `f32` all-reduce.
const ALL_REDUCE_WEIGHTED_F32: usize = 2;
/// The `kind` of an `f32` all-gather.
const ALL_GATHER_F32: usize = 3;
/// The `kind` of a broadcast from rank 0.
const BROADCAST: usize = 4;

/// Where a rank's buffer lives and how many values it holds.
#[derive(Debug, Clone, Copy)]
struct Buffer {
    addr: usize,
    len: usize,
}

impl Buffer {
    fn of<T>(buf: &mut [T]) -> Buffer {
        Buffer {
            addr: buf.as_mut_ptr() as usize,
            len: buf.len(),
        }
    }
}

/// What the ranks of one group share: each rank's published buffer and the barrier.
#[derive(Debug)]
struct Shared {
    buffers: Vec<Published>,
    barrier: LeavableBarrier,
}

/// One rank of a group of threads in one process (a model replica per thread).
///
/// A collective publishes the address of this rank's buffer and waits at a barrier. Then
/// each rank works on its own slice of the positions in **every** rank's buffer (an
/// all-reduce sums its slice over the ranks in rank order and writes the sum back to all
/// of them), and all wait again before any buffer is used. Nothing is copied into a shared
/// buffer, and the sums are split among the ranks. The sum is `((b₀ + b₁) + b₂) + …`
/// whatever order the threads arrive in, so results are bit-identical from run to run and
/// equal to the MPI backend's. A collective allocates nothing.
///
/// Every collective (the barrier too) waits twice, so the ranks' n-th calls always meet;
/// when they are not the same call (an all-reduce against a broadcast, another root, another
/// length), no rank touches another's buffer and each gets an error.
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
            buffers: (0..world_size).map(|_| Published::default()).collect(),
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

    /// Publishes which collective this is, where its buffer is and its weight. The barrier
    /// that follows orders this before every read.
    fn publish(&self, kind: usize, buf: Buffer, weight: f64) {
        let mine = &self.shared.buffers[self.rank];
        mine.kind.store(kind, Ordering::Relaxed);
        mine.addr.store(buf.addr, Ordering::Relaxed);
        mine.len.store(buf.len, Ordering::Relaxed);
        mine.weight.store(weight.to_bits(), Ordering::Relaxed);
    }

    /// Rank `r`'s published `f64` buffer (address, length).
    fn buffer(&self, r: usize) -> (*mut f64, usize) {
        let b = &self.shared.buffers[r];
        (
            b.addr.load(Ordering::Relaxed) as *mut f64,
            b.len.load(Ordering::Relaxed),
        )
    }

    /// Rank `r`'s published `f32` buffer (address, length) and weight.
    fn weighted_buffer(&self, r: usize) -> (*mut f32, usize, f64) {
        let b = &self.shared.buffers[r];
        (
            b.addr.load(Ordering::Relaxed) as *mut f32,
            b.len.load(Ordering::Relaxed),
            f64::from_bits(b.weight.load(Ordering::Relaxed)),
        )
    }

    /// The error for the first rank whose call differs from rank 0's (another collective,
    /// or a buffer of another length); the same answer on every rank.
    fn mismatch(&self, op: &str) -> Option<Error> {
        let published = |r: usize| {
            let b = &self.shared.buffers[r];
            (
                b.kind.load(Ordering::Relaxed),
                b.len.load(Ordering::Relaxed),
            )
        };
        let (kind, len) = published(0);
        let (r, (k, l)) = (1..self.world_size())
            .map(|r| (r, published(r)))
            .find(|&(_, p)| p != (kind, len))?;
        let (expected, found) = if k == kind {
            (
                format!("buffers of {len} values on every rank, as on rank 0"),
                format!("{l} values on rank {r}"),
            )
        } else {
            (
                format!("every rank in {}, as rank 0", kind_name(kind)),
                format!("rank {r} in {}", kind_name(k)),
            )
        };
        Some(Error::shape(
            format!("ThreadCommunicator::{op} on rank {}", self.rank),
            expected,
            found,
        ))
    }

    /// This rank's slice of the positions `0..len`: an equal share, the last ones shorter
    /// ([`Shard::positions`](crate::optim::Shard::positions)).
    fn my_positions(&self, len: usize) -> std::ops::Range<usize> {
        crate::optim::Shard::new(self.rank, self.world_size()).map_or(0..0, |s| s.positions(len))
    }

    /// Sums this rank's positions over every rank's buffer, in rank order, and writes the
    /// sums back into all of them.
    ///
    /// # Safety
    /// Every rank must be between the two barriers of the same all-reduce, with buffers of
    /// one length published and touched by nobody else: each rank then reads and writes
    /// only its own positions of them.
    unsafe fn sum_my_positions(&self) {
        let world = self.world_size();
        let mut acc = [0.0f64; BLOCK];
        self.for_my_blocks(self.buffer(0).1, |at, n| {
            for r in 0..world {
                // SAFETY: `at..at + n` lies in every published buffer (one length, the
                // caller's guarantee) and only this rank touches these positions now.
                let src = unsafe { std::slice::from_raw_parts(self.buffer(r).0.add(at), n) };
                if r == 0 {
                    acc[..n].copy_from_slice(src);
                } else {
                    acc[..n].iter_mut().zip(src).for_each(|(a, s)| *a += s);
                }
            }
            for r in 0..world {
                // SAFETY: as above; no other reference to these positions is alive.
                let dst = unsafe { std::slice::from_raw_parts_mut(self.buffer(r).0.add(at), n) };
                dst.copy_from_slice(&acc[..n]);
            }
        });
    }

    /// Runs `block(at, n)` over this rank's positions of buffers of `len` values, in
    /// consecutive blocks of at most [`BLOCK`] positions.
    fn for_my_blocks(&self, len: usize, mut block: impl FnMut(usize, usize)) {
        let positions = self.my_positions(len);
        let mut at = positions.start;
        while at < positions.end {
            let n = BLOCK.min(positions.end - at);
            block(at, n);
            at += n;
        }
    }

    /// Sets this rank's positions of every rank's `f32` buffer to `Σ_r weight_r · buf_r`,
    /// taken in `f64` in rank order and rounded once.
    ///
    /// # Safety
    /// As [`sum_my_positions`](Self::sum_my_positions), for a weighted `f32` all-reduce.
    unsafe fn weighted_sum_my_positions(&self) {
        let world = self.world_size();
        let mut acc = [0.0f64; BLOCK];
        self.for_my_blocks(self.weighted_buffer(0).1, |at, n| {
            for r in 0..world {
                let (addr, _, weight) = self.weighted_buffer(r);
                // SAFETY: `at..at + n` lies in every published buffer (one length, the
                // caller's guarantee) and only this rank touches these positions now.
                let src = unsafe { std::slice::from_raw_parts(addr.add(at), n) };
                crate::linalg::accumulate_scaled(src, weight, &mut acc[..n], r > 0);
            }
            for r in 0..world {
                // SAFETY: as above; no other reference to these positions is alive.
                let dst =
                    unsafe { std::slice::from_raw_parts_mut(self.weighted_buffer(r).0.add(at), n) };
                crate::linalg::narrow_into(&acc[..n], dst);
            }
        });
    }

    /// Copies this rank's positions of its own `f32` buffer into every other rank's.
    ///
    /// # Safety
    /// As [`sum_my_positions`](Self::sum_my_positions), for an `f32` all-gather.
    unsafe fn gather_my_positions(&self) {
        let (src, len, _) = self.weighted_buffer(self.rank);
        let positions = self.my_positions(len);
        for r in (0..self.world_size()).filter(|&r| r != self.rank) {
            // SAFETY: the positions lie in both buffers (one length), which are different
            // buffers, and only this rank touches these positions now.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    src.add(positions.start),
                    self.weighted_buffer(r).0.add(positions.start),
                    positions.len(),
                );
            }
        }
    }

    /// Copies this rank's positions of `root`'s buffer into every other rank's.
    ///
    /// # Safety
    /// As [`sum_my_positions`](Self::sum_my_positions), for a broadcast.
    unsafe fn copy_my_positions(&self, root: usize) {
        let (src, len) = self.buffer(root);
        let positions = self.my_positions(len);
        for r in (0..self.world_size()).filter(|&r| r != root) {
            // SAFETY: the positions lie in both buffers (one length), which are different
            // buffers, and only this rank touches these positions now.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    src.add(positions.start),
                    self.buffer(r).0.add(positions.start),
                    positions.len(),
                );
            }
        }
    }

    /// Publishes `buf` for collective `kind`, waits for every rank, runs `work` on this
    /// rank's share when every rank is in the same call, and waits again.
    fn collective(&self, op: &str, kind: usize, buf: Buffer, work: impl FnOnce()) -> Result<()> {
        self.weighted_collective(op, kind, buf, 0.0, work)
    }

    /// [`collective`](Self::collective), publishing `weight` with the buffer.
    fn weighted_collective(
        &self,
        op: &str,
        kind: usize,
        buf: Buffer,
        weight: f64,
        work: impl FnOnce(),
    ) -> Result<()> {
        self.publish(kind, buf, weight);
        self.wait()?;
        let mismatch = self.mismatch(op);
        if mismatch.is_none() {
            work();
        }
        self.wait()?;
        mismatch.map_or(Ok(()), Err)
    }
}

/// A collective's `kind` in words.
fn kind_name(kind: usize) -> String {
    match kind {
        BARRIER => "barrier".to_string(),
        ALL_REDUCE => "all_reduce_sum".to_string(),
        ALL_REDUCE_WEIGHTED_F32 => "all_reduce_weighted_f32".to_string(),
        ALL_GATHER_F32 => "all_gather_f32".to_string(),
        k => format!("broadcast from rank {}", k - BROADCAST),
    }
}

impl Communicator for ThreadCommunicator {
    fn rank(&self) -> usize {
        self.rank
    }

    fn world_size(&self) -> usize {
        self.shared.buffers.len()
    }

    fn all_reduce_sum(&self, buf: &mut [f64]) -> Result<()> {
        // SAFETY: `collective` runs the work between its two barriers, after checking that
        // every rank is in this same call with a buffer of the same length; `buf` is not used
        // meanwhile.
        self.collective("all_reduce_sum", ALL_REDUCE, Buffer::of(buf), || unsafe {
            self.sum_my_positions()
        })
    }

    fn all_reduce_weighted_f32(&self, buf: &mut [f32], weight: f64) -> Result<()> {
        let op = "all_reduce_weighted_f32";
        let kind = ALL_REDUCE_WEIGHTED_F32;
        // SAFETY: as in `all_reduce_sum`; every rank's buffer holds `f32` values, as the
        // kind (checked to be the same on every rank) says.
        self.weighted_collective(op, kind, Buffer::of(buf), weight, || unsafe {
            self.weighted_sum_my_positions()
        })
    }

    fn all_gather_f32(&self, buf: &mut [f32]) -> Result<()> {
        // SAFETY: as in `all_reduce_sum`; every rank's buffer holds `f32` values, as the
        // kind (checked to be the same on every rank) says.
        self.collective(
            "all_gather_f32",
            ALL_GATHER_F32,
            Buffer::of(buf),
            || unsafe { self.gather_my_positions() },
        )
    }

    fn broadcast(&self, buf: &mut [f64], root: usize) -> Result<()> {
        if root >= self.world_size() {
            return Err(Error::config(
                "Communicator::broadcast root",
                root,
                format!("a rank below the world size {}", self.world_size()),
            ));
        }
        // SAFETY: as in `all_reduce_sum`.
        self.collective("broadcast", BROADCAST + root, Buffer::of(buf), || unsafe {
            self.copy_my_positions(root)
        })
    }

    fn barrier(&self) -> Result<()> {
        self.collective("barrier", BARRIER, Buffer::of::<f64>(&mut []), || {})
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
