//! The Trainer's fit loop allocates nothing between batches once the first batch has run:
//! batch gathering, the train step, the gradient norm, clipping, the optimizer step and a
//! per-batch schedule all reuse their buffers. A counting global allocator is armed by a
//! callback from the end of batch 1 to the end of the epoch's second-to-last batch (which
//! covers batch gathering, the batch hooks and whole train steps with accumulation, clipping
//! and a per-batch schedule), in every epoch, and must count zero. (The end of an epoch —
//! validation, metrics, the history record — is per-epoch bookkeeping and may allocate.)
//!
//! The same holds with MixUp, Gaussian noise and PGD adversarial training switched on, and
//! with dynamic loss scaling, and with a teacher (knowledge distillation).
//!
//! One `#[test]` only, so no other test runs in this process at the same time; the armed flag
//! is thread-local.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ndarray::Array2;
use tuneup::data::{AdversarialTraining, GaussianNoise, MixUp, Pgd};
use tuneup::linalg::Precision;
use tuneup::optim::schedule::{OneCycleConfig, OneCycleLr};
use tuneup::prelude::*;
use tuneup::train::{Callback, CallbackContext, GradClip, ScheduleStep, Trainer};

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

/// 20 → 64 (ReLU) → dropout → batch norm → 5.
fn net() -> Sequential<f32> {
    Sequential::new()
        .push(
            Linear::new(20, 64, 0)
                .unwrap()
                .with_activation(Activation::Relu)
                .unwrap(),
        )
        .push(Dropout::new(0.2, 1).unwrap())
        .push(BatchNorm1d::new(64).unwrap())
        .push(Linear::new(64, 5, 2).unwrap())
}

#[test]
fn the_fit_loop_allocates_nothing_between_batches() {
    // 200 rows in batches of 32: six full batches and a short one of 8.
    let x = Array2::from_shape_fn((200, 20), |(i, j)| {
        ((i * 31 + j * 17) % 23) as f32 / 11.0 - 1.0
    });
    let y: Vec<usize> = (0..200).map(|i| (i * 7) % 5).collect();
    let counts = Arc::new(Mutex::new(Vec::new()));
    let mut t = Trainer::builder()
        .model(net())
        .loss(CrossEntropy::new())
        .regularizer(L2::new(1e-4).unwrap())
        .optimizer(Adam::new(1e-3).unwrap())
        .schedule(
            OneCycleLr::new(OneCycleConfig::new(0.01, 3 * 7)).unwrap(),
            ScheduleStep::Batch,
        )
        .clip_gradients(GradClip::Norm(1.0))
        .accumulate_gradients(2)
        .epochs(3)
        .batch_size(32)
        .callback(Window(counts.clone(), 0))
        .build()
        .unwrap();
    let h = t.fit(x.view(), &y).unwrap();
    assert_eq!(h.len(), 3);
    let counts = counts.lock().unwrap().clone();
    assert_eq!(counts.len(), 3, "one window per epoch");
    assert_eq!(counts, [0, 0, 0], "allocations inside each epoch's window");

    // With MixUp (class indices become one-hot soft targets), Gaussian noise and PGD
    // adversarial training on half of each batch.
    let counts = Arc::new(Mutex::new(Vec::new()));
    let pgd = Pgd::new(0.1, 0.03, 3).unwrap().random_start(5);
    let mut t = Trainer::builder()
        .model(net())
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(1e-3).unwrap())
        .augment(MixUp::new(0.4, 3).unwrap())
        .augment(GaussianNoise::new(0.05, 4).unwrap())
        .adversarial(AdversarialTraining::new(pgd, 0.5).unwrap())
        .epochs(3)
        .batch_size(32)
        .callback(Window(counts.clone(), 0))
        .build()
        .unwrap();
    t.fit(x.view(), &y).unwrap();
    let counts = counts.lock().unwrap().clone();
    assert_eq!(counts, [0, 0, 0], "allocations with augmentation");
    // With dynamic loss scaling (growing every 2 steps, so the scale changes in the window).
    let counts = Arc::new(Mutex::new(Vec::new()));
    let mut t = Trainer::builder()
        .model(net())
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(1e-3).unwrap())
        .clip_gradients(GradClip::Norm(1.0))
        .grad_scaler(tuneup::parallel::GradScalerConfig {
            growth_interval: 2,
            ..Default::default()
        })
        .epochs(3)
        .batch_size(32)
        .callback(Window(counts.clone(), 0))
        .build()
        .unwrap();
    t.fit(x.view(), &y).unwrap();
    let counts = counts.lock().unwrap().clone();
    assert_eq!(counts, [0, 0, 0], "allocations with loss scaling");
    // With a teacher (knowledge distillation): its eval-mode forward on every batch.
    let counts = Arc::new(Mutex::new(Vec::new()));
    let mut t = Trainer::builder()
        .model(net())
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(1e-3).unwrap())
        .teacher(net(), 3.0, 0.6)
        .epochs(3)
        .batch_size(32)
        .callback(Window(counts.clone(), 0))
        .build()
        .unwrap();
    t.fit(x.view(), &y).unwrap();
    let counts = counts.lock().unwrap().clone();
    assert_eq!(counts, [0, 0, 0], "allocations with a teacher");
    // With mixed precision: bf16 and f16 matrix products (their packing and rounding
    // buffers grow in the first batch, then are reused).
    for precision in [Precision::Bf16, Precision::F16] {
        let counts = Arc::new(Mutex::new(Vec::new()));
        let mut t = Trainer::builder()
            .model(net())
            .loss(CrossEntropy::new())
            .optimizer(Adam::new(1e-3).unwrap())
            .precision(precision)
            .epochs(3)
            .batch_size(32)
            .callback(Window(counts.clone(), 0))
            .build()
            .unwrap();
        t.fit(x.view(), &y).unwrap();
        let counts = counts.lock().unwrap().clone();
        assert_eq!(counts, [0, 0, 0], "allocations with {precision} products");
    }
    // The counter does count: one allocation while armed is seen.
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    ARMED.with(|a| a.set(true));
    let v = std::hint::black_box(vec![1u8; 16]);
    ARMED.with(|a| a.set(false));
    drop(v);
    assert_eq!(ALLOCATIONS.load(Ordering::SeqCst) - before, 1);
}
