//! Criterion benchmark of the structured shrink's speed-up: the eval forward of the
//! mnist-shaped net 784-256-128-10 (ReLU, `f32`, 256 rows) pruned with masks only, against
//! the same net after [`shrink`] with 50% of each hidden layer's neurons removed
//! (`ln_structured` along `dim = 0`). The outputs are equal (see `tests/compress_shrink.rs`);
//! the ratio of the two medians is the speed-up.
//!
//! Run with `cargo bench --bench compress`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::Array2;
use tuneup::compress::{ln_structured, shrink, Amount};
use tuneup::prelude::*;

fn pruned_net() -> Sequential<f32> {
    let mut net = Mlp::new(&[784, 256, 128, 10])
        .activation(Activation::Relu)
        .seed(0)
        .build::<f32>()
        .unwrap();
    for name in ["0.weight", "2.weight"] {
        ln_structured(&mut net, name, Amount::Fraction(0.5), 2.0, 0).unwrap();
    }
    net
}

fn bench_shrink(c: &mut Criterion) {
    let x = Array2::from_shape_fn((256, 784), |(r, k)| ((r * 784 + k) as f32 * 0.37).sin());
    let mut masked = pruned_net();
    let (mut small, _) = shrink(&masked).unwrap();
    let mut group = c.benchmark_group("compress");
    group.bench_function("forward_masked_784_256_128_10", |b| {
        b.iter(|| black_box(masked.forward(x.view(), Mode::Eval).unwrap()[[0, 0]]))
    });
    group.bench_function("forward_shrunk_50pct", |b| {
        b.iter(|| black_box(small.forward(x.view(), Mode::Eval).unwrap()[[0, 0]]))
    });
    group.finish();
}

criterion_group!(benches, bench_shrink);
criterion_main!(benches);
