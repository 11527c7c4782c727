//! A data-parallel fit (two ranks on threads) allocates nothing between batches once the
//! first batch has run: sharding, the buffer broadcast before each forward, the gradient and
//! loss all-reduce, the stop-decision broadcast and the thread collectives all reuse their
//! buffers. As in `trainer_no_alloc`, a counting allocator is armed on rank 0's thread (where
//! callbacks run) from the end of batch 1 to the end of the second-to-last batch.
//!
//! One `#[test]` only; the armed flag is thread-local.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ndarray::Array2;
use tuneup::parallel::run_on_threads;
use tuneup::prelude::*;
use tuneup::train::{Callback, CallbackContext, GradClip, Trainer};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    if ARMED.try_with(|a| a.get()).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Arms counting after batch 1 and disarms it after the second-to-last batch; records each
/// epoch's count.
#[derive(Clone)]
struct Window(Arc<Mutex<Vec<usize>>>, usize);

impl Callback<f32> for Window {
    fn on_batch_end(&mut self, ctx: &mut CallbackContext<'_, f32>) -> Result<()> {
        let b = ctx.batch.unwrap_or(0);
        if b == 1 {
            self.1 = ALLOCATIONS.load(Ordering::SeqCst);
            ARMED.with(|a| a.set(true));
        } else if b + 2 == ctx.batches {
            ARMED.with(|a| a.set(false));
            let n = ALLOCATIONS.load(Ordering::SeqCst) - self.1;
            self.0.lock().unwrap().push(n);
        }
        Ok(())
    }
}

/// 20 → 64 (ReLU) → batch norm → 5: a buffer to broadcast before each forward.
fn net() -> Sequential<f32> {
    Sequential::new()
        .push(
            Linear::new(20, 64, 0)
                .unwrap()
                .with_activation(Activation::Relu)
                .unwrap(),
        )
        .push(BatchNorm1d::new(64).unwrap())
        .push(Linear::new(64, 5, 2).unwrap())
}

#[test]
fn the_data_parallel_fit_loop_allocates_nothing_between_batches() {
    let x = Array2::from_shape_fn((200, 20), |(i, j)| {
        ((i * 31 + j * 17) % 23) as f32 / 11.0 - 1.0
    });
    let y: Vec<usize> = (0..200).map(|i| (i * 7) % 5).collect();
    let counts = Arc::new(Mutex::new(Vec::new()));
    run_on_threads(2, |comm| {
        let mut t = Trainer::builder()
            .model(net())
            .loss(CrossEntropy::new())
            .optimizer(Adam::new(1e-3).unwrap())
            .clip_gradients(GradClip::Norm(1.0))
            .accumulate_gradients(2)
            .epochs(3)
            .batch_size(32)
            .callback(Window(counts.clone(), 0))
            .data_parallel(comm)
            .build()?;
        t.fit(x.view(), &y).map(|h| h.len())
    })
    .unwrap();
    let counts = counts.lock().unwrap().clone();
    assert_eq!(
        counts,
        [0, 0, 0],
        "allocations inside each epoch's window on rank 0"
    );
}

#[test]
fn the_sharded_step_allocates_nothing_after_the_first() {
    let x = Array2::from_shape_fn((32, 20), |(i, j)| ((i * 13 + j) % 9) as f32 / 4.0 - 1.0);
    let y: Vec<usize> = (0..32).map(|i| i % 5).collect();
    let counts = run_on_threads(2, |comm| {
        let mut dp = tuneup::parallel::DataParallel::new(comm);
        let (mut model, mut adam) = (net(), Adam::new(1e-3)?);
        let mut grad = Array2::zeros((0, 0));
        let rows = dp.shard(32)?;
        let weight = dp.weight(32)?;
        let mut step = |model: &mut Sequential<f32>| -> Result<()> {
            let out = model.forward(x.slice(ndarray::s![rows.clone(), ..]), Mode::Train)?;
            let l =
                CrossEntropy::new().value_and_grad(out, (&y[rows.clone()]).into(), &mut grad)?;
            model.backward_parameters_overwrite(grad.view())?;
            dp.all_reduce_gradients(model, weight, f64::from(l))?;
            dp.sharded_step(model, &mut adam)
        };
        step(&mut model)?;
        ARMED.with(|a| a.set(true));
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        for _ in 0..3 {
            step(&mut model)?;
        }
        ARMED.with(|a| a.set(false));
        Ok(ALLOCATIONS.load(Ordering::SeqCst) - before)
    })
    .unwrap();
    assert_eq!(
        counts,
        [0, 0],
        "allocations in three sharded steps, per rank"
    );
}
