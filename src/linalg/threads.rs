//! Helper threads for the matrix multiply: a small persistent pool, so a parallel product
//! spawns nothing and allocates nothing after its first call.
//!
//! The product is cut into as many parts as there are threads along the columns (or rows) of
//! `C`, at tile boundaries, and each part is computed exactly as the one-thread product
//! computes it, so the result is bit-identical for every thread count. The calling thread
//! computes part 0; parked helpers compute the others. A helper spins briefly after each part
//! (the next product of a training step usually follows within microseconds), then sleeps.
//! When the pool is already in use (several threads multiplying at once), a product simply
//! runs on its calling thread.

use std::cell::UnsafeCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, TryLockError};

use crate::{Error, Result};

/// Threads used by a large matrix multiply; 0 means "not chosen yet".
static NUM_THREADS: AtomicUsize = AtomicUsize::new(0);

/// The parked helpers; holding the lock is what lets one product use them.
static HELPERS: Mutex<Vec<Arc<Helper>>> = Mutex::new(Vec::new());

/// Spin iterations a helper waits for the next part before it sleeps (about 50–150 µs).
const SPIN: u32 = 2_000;

/// The number of threads a large matrix multiply uses (the calling thread included).
///
/// Unless [`set_num_threads`] chose it, it is the `TUNEUP_NUM_THREADS` environment variable
/// when that holds a number ≥ 1, else the machine's available parallelism. Products below
/// about four million multiply-adds always run on the calling thread. Results are
/// bit-identical for every thread count.
///
/// ```
/// assert!(tuneup::linalg::num_threads() >= 1);
/// ```
pub fn num_threads() -> usize {
    match NUM_THREADS.load(Ordering::Relaxed) {
        0 => {
            let n = std::env::var("TUNEUP_NUM_THREADS")
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|&n| n >= 1)
                .unwrap_or_else(|| {
                    std::thread::available_parallelism()
                        .map(|n| n.get())
                        .unwrap_or(1)
                });
            NUM_THREADS.store(n, Ordering::Relaxed);
            n
        }
        n => n,
    }
}

/// Sets the number of threads large matrix multiplies use (≥ 1; 1 turns the helpers off).
/// Helper threads are started on the first product that needs them.
///
/// ```
/// use tuneup::linalg::{num_threads, set_num_threads};
/// let before = num_threads();
/// set_num_threads(1)?;
/// assert_eq!(num_threads(), 1);
/// assert!(set_num_threads(0).is_err());
/// set_num_threads(before)?;
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn set_num_threads(n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::config("linalg::set_num_threads", 0, "at least 1"));
    }
    NUM_THREADS.store(n, Ordering::Relaxed);
    Ok(())
}

thread_local! {
    /// Set on a thread whose products must stay on it (a data-parallel replica).
    static THIS_THREAD_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Keeps every matrix product of the calling thread on that thread (`true`) or lets it use
/// the pool again (`false`): data-parallel replicas, one per core, set it so that N replicas
/// do not each ask for N threads.
pub(crate) fn set_this_thread_only(on: bool) {
    THIS_THREAD_ONLY.with(|c| c.set(on));
}

/// The threads a large product started on this thread uses: [`num_threads`], or 1 on a
/// thread marked by [`set_this_thread_only`].
pub(crate) fn product_threads() -> usize {
    if THIS_THREAD_ONLY.with(|c| c.get()) {
        1
    } else {
        num_threads()
    }
}

/// A part of a product: called with the part's index (1.. for helpers).
type Job = dyn Fn(usize) + Sync;

/// One parked helper thread and its hand-over state.
struct Helper {
    /// Parts posted so far; a helper runs one part per increment.
    posted: AtomicU64,
    /// Parts finished so far.
    finished: AtomicU64,
    /// Whether the last part panicked.
    panicked: AtomicBool,
    /// The posted part, valid while `posted > finished`.
    job: UnsafeCell<Option<(*const Job, usize)>>,
    sleep: Mutex<()>,
    wake: Condvar,
}

// SAFETY: `job` is written by the poster only while the helper is idle (posted == finished)
// and read by the helper only after it observed the increment of `posted` (release/acquire).
unsafe impl Sync for Helper {}
// SAFETY: the raw job pointer is only dereferenced under the protocol above, while the poster
// keeps the job alive (it waits for `finished`).
unsafe impl Send for Helper {}

impl Helper {
    fn start() -> Option<Arc<Helper>> {
        let helper = Arc::new(Helper {
            posted: AtomicU64::new(0),
            finished: AtomicU64::new(0),
            panicked: AtomicBool::new(false),
            job: UnsafeCell::new(None),
            sleep: Mutex::new(()),
            wake: Condvar::new(),
        });
        let mine = Arc::clone(&helper);
        std::thread::Builder::new()
            .name("tuneup-gemm".into())
            .spawn(move || mine.run())
            .ok()?;
        Some(helper)
    }

    /// The helper's loop: wait for a part, run it, report, forever.
    fn run(&self) {
        let mut seen = 0u64;
        loop {
            let mut spins = 0;
            while self.posted.load(Ordering::Acquire) == seen && spins < SPIN {
                std::hint::spin_loop();
                spins += 1;
            }
            if self.posted.load(Ordering::Acquire) == seen {
                let mut guard = self.sleep.lock().unwrap_or_else(|e| e.into_inner());
                while self.posted.load(Ordering::Acquire) == seen {
                    guard = self.wake.wait(guard).unwrap_or_else(|e| e.into_inner());
                }
            }
            seen += 1;
            // SAFETY: the poster wrote `job` before publishing `posted` and keeps the job
            // alive until `finished` reaches `seen`.
            let posted = unsafe { *self.job.get() };
            if let Some((job, part)) = posted {
                let ok = catch_unwind(AssertUnwindSafe(|| unsafe { (*job)(part) })).is_ok();
                self.panicked.store(!ok, Ordering::Relaxed);
            }
            self.finished.store(seen, Ordering::Release);
        }
    }

    /// Hands `part` of `job` to this (idle) helper.
    ///
    /// # Safety
    /// `job` must stay valid until [`Helper::wait`] returns.
    unsafe fn post(&self, job: &(dyn Fn(usize) + Sync + '_), part: usize) {
        // SAFETY: only the lifetime is erased; the caller keeps `job` alive until `wait`.
        let job: *const Job =
            unsafe { std::mem::transmute::<*const (dyn Fn(usize) + Sync + '_), *const Job>(job) };
        // SAFETY: the helper is idle (every posted part finished), so nobody reads `job`.
        unsafe {
            *self.job.get() = Some((job, part));
        }
        self.posted.fetch_add(1, Ordering::Release);
        let _guard = self.sleep.lock().unwrap_or_else(|e| e.into_inner());
        self.wake.notify_one();
    }

    /// Waits until the posted part is done; false if it panicked.
    fn wait(&self) -> bool {
        let target = self.posted.load(Ordering::Relaxed);
        let mut spins = 0u32;
        while self.finished.load(Ordering::Acquire) != target {
            if spins < SPIN * 8 {
                std::hint::spin_loop();
                spins += 1;
            } else {
                std::thread::yield_now();
            }
        }
        !self.panicked.load(Ordering::Relaxed)
    }
}

/// Waits for the helpers of one product, also when a part on the calling thread panics (the
/// helpers hold a pointer to the job on the caller's stack).
struct Outstanding<'a> {
    helpers: &'a [Arc<Helper>],
    all_ok: bool,
}

impl Drop for Outstanding<'_> {
    fn drop(&mut self) {
        for h in self.helpers {
            self.all_ok &= h.wait();
        }
    }
}

/// Runs `job(0)`, …, `job(parts − 1)`, part 0 on the calling thread and the others on pool
/// helpers; all on the calling thread when the pool is busy or a helper cannot be started.
/// Returns after every part is done.
pub(crate) fn run_parts(parts: usize, job: &(dyn Fn(usize) + Sync + '_)) {
    if parts <= 1 {
        job(0);
        return;
    }
    let mut helpers = match HELPERS.try_lock() {
        Ok(h) => h,
        Err(TryLockError::Poisoned(p)) => p.into_inner(),
        Err(TryLockError::WouldBlock) => {
            (0..parts).for_each(job);
            return;
        }
    };
    while helpers.len() < parts - 1 {
        match Helper::start() {
            Some(h) => helpers.push(h),
            None => break,
        }
    }
    let used = helpers.len().min(parts - 1);
    let all_ok = {
        let mut outstanding = Outstanding {
            helpers: &helpers[..used],
            all_ok: true,
        };
        for (i, h) in outstanding.helpers.iter().enumerate() {
            // SAFETY: `job` outlives `outstanding`, whose drop waits for every helper.
            unsafe { h.post(job, i + 1) };
        }
        job(0);
        // Parts no helper took (a helper could not be started) run here.
        for part in used + 1..parts {
            job(part);
        }
        for h in outstanding.helpers {
            outstanding.all_ok &= h.wait();
        }
        let ok = outstanding.all_ok;
        outstanding.helpers = &[];
        ok
    };
    drop(helpers);
    assert!(all_ok, "a matrix-multiply helper thread panicked");
}
