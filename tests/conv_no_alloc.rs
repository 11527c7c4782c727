//! A CNN's training step allocates nothing after warm-up: the counting-allocator pattern of
//! `tests/no_alloc.rs`.
//!
//! A counting global allocator wraps the system one and counts every `alloc`,
//! `alloc_zeroed` and `realloc` while the current thread is armed. After warm-up steps on a
//! full and a smaller last batch, whole training steps (zero_grad, forward in train mode,
//! cross-entropy, the full backward pass with input gradients, Adam) must count zero
//! allocations, for the full batch and the smaller one. The networks hold convolutions
//! (plain, strided with groups, depthwise, pointwise, 1-D), BatchNorm2d, max, average and
//! adaptive pooling, dropout, Flatten and a projection residual block; the second is large enough for the threaded
//! depthwise kernel and threaded products.
//!
//! One `#[test]`, so no other test runs in this process meanwhile; the armed flag is
//! thread-local.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::Array2;
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};

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

/// One training step with counting armed; returns the loss and the allocations.
fn step(
    net: &mut Sequential<f32>,
    adam: &mut Adam,
    x: &Array2<f32>,
    y: &[usize],
    grad: &mut Array2<f32>,
) -> (f32, usize) {
    let loss = CrossEntropy::new();
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    ARMED.with(|a| a.set(true));
    net.zero_grad();
    let out = net.forward(x.view(), Mode::Train).unwrap();
    let value = loss.value_and_grad(out, y.into(), grad).unwrap();
    let g = net.backward(grad.view()).unwrap();
    assert_eq!(g.dim(), x.dim());
    Optimizer::<f32>::step(adam, net).unwrap();
    ARMED.with(|a| a.set(false));
    (value, ALLOCATIONS.load(Ordering::SeqCst) - before)
}

/// Conv → BN → ReLU → max pool → depthwise-separable → grouped strided conv → adaptive pool
/// → dropout → Conv1d (on the flattened rows as 8 × 9) → average pool → Flatten → Linear, on 1 × 12 × 12 images.
fn small() -> Sequential<f32> {
    Sequential::new()
        .push(
            Conv2dConfig::new(1, 4, (3, 3))
                .padding(1)
                .build((12, 12), 1)
                .unwrap(),
        )
        .push(BatchNorm2d::new(4).unwrap())
        .push(ActivationLayer::new(Activation::Relu).unwrap())
        .push(Pool2dConfig::new((2, 2)).max([4, 12, 12]).unwrap())
        .push(DepthwiseSeparable::new(4, 8, 1, (6, 6), 2).unwrap())
        .push(
            Conv2dConfig::new(8, 8, (3, 3))
                .stride((2, 1))
                .groups(2)
                .build((6, 6), 3)
                .unwrap(),
        )
        .push(AdaptiveAvgPool2d::new([8, 2, 4], (3, 3)).unwrap())
        .push(Dropout::new(0.2, 4).unwrap())
        .push(Flatten::new())
        .push(Conv1dConfig::new(8, 4, 3).build(9, 5).unwrap())
        .push(Flatten::new())
        .push(Pool2dConfig::new((1, 2)).avg([4, 1, 7]).unwrap())
        .push(Flatten::new())
        .push(Linear::new(12, 3, 6).unwrap())
}

/// A residual block halving 32 × 16 × 16 images, with a strided 1 × 1 convolution and
/// BatchNorm2d on the skip path.
fn projection_block() -> Residual<f32> {
    let body = Sequential::new()
        .push(
            Conv2dConfig::new(32, 32, (3, 3))
                .stride((2, 2))
                .padding(1)
                .bias(false)
                .build((16, 16), 4)
                .unwrap(),
        )
        .push(BatchNorm2d::new(32).unwrap());
    Residual::with_conv_projection(body, [32, 16, 16], (2, 2), true, 5).unwrap()
}

/// Large enough for the threaded depthwise kernel and multi-threaded products; ends with a
/// projection residual block.
fn large() -> Sequential<f32> {
    Sequential::new()
        .push(
            Conv2dConfig::new(3, 16, (3, 3))
                .padding(1)
                .build((16, 16), 1)
                .unwrap(),
        )
        .push(DepthwiseSeparable::new(16, 32, 1, (16, 16), 2).unwrap())
        .push(projection_block())
        .push(AdaptiveAvgPool2d::global([32, 8, 8]).unwrap())
        .push(Flatten::new())
        .push(Linear::new(32, 3, 3).unwrap())
}

fn batches(rng: &mut StdRng, width: usize, sizes: &[usize]) -> Vec<(Array2<f32>, Vec<usize>)> {
    sizes
        .iter()
        .map(|&n| {
            let x = Array2::from_shape_simple_fn((n, width), || rng.random_range(-1.0..1.0));
            (x, (0..n).map(|_| rng.random_range(0..3)).collect())
        })
        .collect()
}

#[test]
fn cnn_training_steps_allocate_nothing_after_warm_up() {
    let mut rng = StdRng::seed_from_u64(0);
    for (name, mut net, shape, sizes) in [
        ("small", small(), [1, 12, 12], [16, 5]),
        ("large", large(), [3, 16, 16], [32, 7]),
    ] {
        assert_eq!(net.output_shape(&shape).unwrap(), [3], "{name}");
        let width = shape.iter().product();
        let data = batches(&mut rng, width, &sizes);
        let mut adam = Adam::new(1e-3).unwrap();
        let mut grad = Array2::zeros((0, 0));
        for (x, y) in data.iter().chain(&data) {
            step(&mut net, &mut adam, x, y, &mut grad);
        }
        let mut losses = Vec::new();
        for (x, y) in data.iter().chain(&data) {
            let (value, allocations) = step(&mut net, &mut adam, x, y, &mut grad);
            assert_eq!(allocations, 0, "{name}: batch of {} allocated", x.nrows());
            losses.push(value);
        }
        assert!(losses.iter().all(|v| v.is_finite()), "{name}: {losses:?}");
    }
}
