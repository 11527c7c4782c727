//! Criterion benchmarks of the explainers, in `f32`, on the workloads
//! `scripts/reference/time_explain.py` times captum and shap on (same shapes, same inputs):
//!
//! - `explain/ig_mnist`: integrated gradients, 50 Gauss–Legendre steps, 8 rows of the
//!   mnist-shaped net 784-256-128-10 (ReLU), target class 3;
//! - `explain/deeplift_mnist`: DeepLIFT (Rescale) of the same 8 rows of the same net, zero
//!   baseline, target class 3;
//! - `explain/exact_shap_m12`: exact interventional Shapley values of 10 rows of a 12-32-1 tanh
//!   net against a 100-row background (2^12 coalitions per row);
//! - `explain/kernel_shap_m30`: KernelSHAP (default `nsamples` = 2108) of 10 rows of a 30-32-1
//!   tanh net against a 100-row background (`kernel_shap_m30_2threads`: the same on two
//!   threads, rows split between them).
//!
//! Run with `cargo bench --bench explain`, and `time_explain.py` in the same sitting; compare
//! the medians as a ratio.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use ndarray::Array2;
use tuneup::explain::{DeepLift, ExactShap, IntegratedGradients, KernelShap, Target};
use tuneup::prelude::*;

/// The deterministic inputs both sides use: `sin(0.37·(r·width + c) + offset)`.
fn inputs(rows: usize, width: usize, offset: f32) -> Array2<f32> {
    Array2::from_shape_fn((rows, width), |(r, c)| {
        (0.37 * (r * width + c) as f32 + offset).sin()
    })
}

fn net(widths: &[usize], activation: Activation) -> Sequential<f32> {
    Mlp::new(widths)
        .activation(activation)
        .seed(0)
        .build()
        .unwrap()
}

fn bench_explain(c: &mut Criterion) {
    let mut group = c.benchmark_group("explain");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));

    let mut mnist = net(&[784, 256, 128, 10], Activation::Relu);
    let x = inputs(8, 784, 0.0);
    let ig = IntegratedGradients::new();
    group.bench_function("ig_mnist", |b| {
        b.iter(|| {
            black_box(
                ig.explain(&mut mnist, x.view(), &Target::Output(3))
                    .unwrap(),
            )
        })
    });

    let dl = DeepLift::new();
    group.bench_function("deeplift_mnist", |b| {
        b.iter(|| {
            black_box(
                dl.explain(&mut mnist, x.view(), &Target::Output(3))
                    .unwrap(),
            )
        })
    });

    let mut small = net(&[12, 32, 1], Activation::Tanh);
    let exact = ExactShap::new(inputs(100, 12, 1.0)).unwrap();
    let x = inputs(10, 12, 2.0);
    group.bench_function("exact_shap_m12", |b| {
        b.iter(|| black_box(exact.explain(&mut small, x.view(), &Target::Only).unwrap()))
    });

    let mut wide = net(&[30, 32, 1], Activation::Tanh);
    let kernel = KernelShap::new(inputs(100, 30, 1.0)).unwrap();
    let x = inputs(10, 30, 2.0);
    group.bench_function("kernel_shap_m30", |b| {
        b.iter(|| black_box(kernel.explain(&mut wide, x.view(), &Target::Only).unwrap()))
    });
    let two = kernel.clone().threads(2).unwrap();
    group.bench_function("kernel_shap_m30_2threads", |b| {
        b.iter(|| black_box(two.explain(&mut wide, x.view(), &Target::Only).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench_explain);
criterion_main!(benches);
