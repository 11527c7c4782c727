//! A barrier that a departed rank releases: waiting ranks get an error instead of a hang.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::{Error, Result};

/// Arrivals of the current generation, and the first rank that left the group.
#[derive(Debug, Default)]
struct State {
    arrived: usize,
    generation: u64,
    left: Option<usize>,
}

/// `std::sync::Barrier` with one more way out: when a rank leaves (its communicator is
/// dropped, as when its thread panics or returns early), every rank waiting now or later
/// gets [`Error::State`] naming it. A waiting rank spins briefly (the last rank of a group of
/// replicas in step usually arrives within microseconds, and a sleep costs a wake-up of tens
/// of microseconds), yielding its core now and then, and then sleeps on a condition variable.
#[derive(Debug)]
pub(crate) struct LeavableBarrier {
    world: usize,
    state: Mutex<State>,
    wake: Condvar,
    /// The generation last completed (a copy of `State::generation` that spinning ranks
    /// read without the lock; only a hint, every decision is taken under the lock).
    completed: AtomicU64,
}

/// Checks of `completed` a waiting rank makes before it sleeps (tens of microseconds).
const SPIN: u32 = 4_000;
/// A spinning rank yields its core every this many checks, so that ranks oversubscribing
/// the cores let the late one run.
const YIELD_EVERY: u32 = 256;

impl LeavableBarrier {
    pub(crate) fn new(world: usize) -> Self {
        LeavableBarrier {
            world,
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            completed: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Returns when all `world` ranks have arrived, or fails when one has left.
    pub(crate) fn wait(&self, rank: usize) -> Result<()> {
        let mut st = self.lock();
        if let Some(k) = st.left {
            return Err(left_error(rank, k));
        }
        let generation = st.generation;
        st.arrived += 1;
        if st.arrived == self.world {
            st.arrived = 0;
            st.generation = st.generation.wrapping_add(1);
            self.completed.store(st.generation, Ordering::Release);
            self.wake.notify_all();
            return Ok(());
        }
        drop(st);
        self.spin_while_current(generation);
        let mut st = self.lock();
        while st.generation == generation && st.left.is_none() {
            st = self.wake.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        match st.left {
            Some(k) if st.generation == generation => Err(left_error(rank, k)),
            _ => Ok(()),
        }
    }

    /// Spins until `generation` completes or [`SPIN`] checks have passed.
    fn spin_while_current(&self, generation: u64) {
        for spin in 1..=SPIN {
            if self.completed.load(Ordering::Acquire) != generation {
                return;
            }
            if spin % YIELD_EVERY == 0 {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }

    /// Marks `rank` as gone and wakes every waiting rank.
    pub(crate) fn leave(&self, rank: usize) {
        let mut st = self.lock();
        st.left.get_or_insert(rank);
        self.wake.notify_all();
    }
}

fn left_error(rank: usize, left: usize) -> Error {
    Error::state(
        format!("data-parallel rank {rank}"),
        format!(
            "rank {left} left the group (its thread ended or panicked) before this collective: \
             the group cannot continue"
        ),
    )
}
