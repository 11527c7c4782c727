//! Criterion benchmarks of a CNN training step (forward, cross-entropy, backward, Adam), in
//! `f32`, on the two workloads `scripts/reference/time_conv.py` times PyTorch on:
//!
//! | name      | network                                                       | input        | batch |
//! |-----------|---------------------------------------------------------------|--------------|-------|
//! | lenet     | conv 5×5 (6) → ReLU → max 2 → conv 5×5 (16) → ReLU → max 2 →   | 1 × 28 × 28  | 64    |
//! |           | Flatten → 256-120-84-10 (ReLU)                                |              |       |
//! | dwsep     | 4 depthwise-separable blocks 32→64 (s1), 64→128 (s2),          | 32 × 32 × 32 | 32    |
//! |           | 128→128 (s1), 128→256 (s2) → global average pool → Linear(256, 10) |          |       |
//!
//! `train_step/<name>` is `zero_grad` + forward in train mode + loss gradient +
//! `backward_parameters` + one Adam step. Run with `TUNEUP_NUM_THREADS=1` and `=2` to compare
//! with `time_conv.py`'s one- and two-thread lines, in the same sitting, as a ratio; each
//! benchmark prints the multiply-adds of one step so the GFLOP/s follow from the median.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tuneup::prelude::*;

/// The LeNet-like network on 1 × 28 × 28 images.
fn lenet() -> Sequential<f32> {
    Sequential::new()
        .push(Conv2dConfig::new(1, 6, (5, 5)).build((28, 28), 1).unwrap())
        .push(ActivationLayer::new(Activation::Relu).unwrap())
        .push(Pool2dConfig::new((2, 2)).max([6, 24, 24]).unwrap())
        .push(Conv2dConfig::new(6, 16, (5, 5)).build((12, 12), 2).unwrap())
        .push(ActivationLayer::new(Activation::Relu).unwrap())
        .push(Pool2dConfig::new((2, 2)).max([16, 8, 8]).unwrap())
        .push(Flatten::new())
        .push(
            Linear::new(256, 120, 3)
                .unwrap()
                .with_activation(Activation::Relu)
                .unwrap(),
        )
        .push(
            Linear::new(120, 84, 4)
                .unwrap()
                .with_activation(Activation::Relu)
                .unwrap(),
        )
        .push(Linear::new(84, 10, 5).unwrap())
}

/// Four depthwise-separable blocks on 32 × 32 × 32 inputs.
fn dwsep() -> Sequential<f32> {
    Sequential::new()
        .push(DepthwiseSeparable::new(32, 64, 1, (32, 32), 1).unwrap())
        .push(DepthwiseSeparable::new(64, 128, 2, (32, 32), 2).unwrap())
        .push(DepthwiseSeparable::new(128, 128, 1, (16, 16), 3).unwrap())
        .push(DepthwiseSeparable::new(128, 256, 2, (16, 16), 4).unwrap())
        .push(AdaptiveAvgPool2d::global([256, 8, 8]).unwrap())
        .push(Flatten::new())
        .push(Linear::new(256, 10, 5).unwrap())
}

/// Forward multiply-adds per sample (convolutions and linear layers).
fn forward_macs(name: &str) -> usize {
    match name {
        "lenet" => 6 * 25 * 24 * 24 + 16 * 150 * 8 * 8 + 256 * 120 + 120 * 84 + 84 * 10,
        _ => {
            let block = |c: usize, o: usize, hw_out: usize| c * 9 * hw_out + c * o * hw_out;
            block(32, 64, 1024)
                + block(64, 128, 256)
                + block(128, 128, 256)
                + block(128, 256, 64)
                + 256 * 10
        }
    }
}

fn bench_train_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("train_step");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for (name, net, width, batch) in [
        ("lenet", lenet(), 28 * 28, 64),
        ("dwsep", dwsep(), 32 * 32 * 32, 32),
    ] {
        let mut net = net;
        let mut rng = StdRng::seed_from_u64(42);
        let x = Array2::from_shape_simple_fn((batch, width), || rng.random_range(-1.0f32..1.0));
        let y: Vec<usize> = (0..batch).map(|_| rng.random_range(0..10)).collect();
        let loss = CrossEntropy::new();
        let mut adam = Adam::new(1e-3).unwrap();
        let mut grad = Array2::zeros((0, 0));
        // Forward, backward (×2): 3 × the forward multiply-adds, 2 flops each.
        let flops = 6 * forward_macs(name) * batch;
        eprintln!(
            "train_step/{name}: {:.3} GFLOP per step, {} threads",
            flops as f64 / 1e9,
            tuneup::linalg::num_threads()
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                net.zero_grad();
                let out = net.forward(black_box(x.view()), Mode::Train).unwrap();
                let value = loss.value_and_grad(out, (&y).into(), &mut grad).unwrap();
                net.backward_parameters(grad.view()).unwrap();
                Optimizer::<f32>::step(&mut adam, &mut net).unwrap();
                black_box(value)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_train_step);
criterion_main!(benches);
