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
//!
//! On a shared machine wall-clock medians move with the load; with `TUNEUP_BENCH_CPU_TIME=1`
//! the benchmark first prints the *thread CPU time* per step, the median and minimum over 7
//! rounds of 20 steps (Linux, from `/proc/thread-self/schedstat`; meaningful with one
//! thread), which `time_conv.py --cpu-time` reports for PyTorch the same way.

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

/// CPU time of the calling thread in seconds (Linux), if readable.
fn thread_cpu_time() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}

/// A workload: name, network, input width, batch.
type Workload = (&'static str, Sequential<f32>, usize, usize);

fn workloads() -> Vec<Workload> {
    vec![
        ("lenet", lenet(), 28 * 28, 64),
        ("dwsep", dwsep(), 32 * 32 * 32, 32),
    ]
}

/// One train step's closure state: the net, its batch and the optimizer.
struct Step {
    net: Sequential<f32>,
    x: Array2<f32>,
    y: Vec<usize>,
    loss: CrossEntropy,
    adam: Adam,
    grad: Array2<f32>,
}

impl Step {
    fn new(net: Sequential<f32>, width: usize, batch: usize) -> Self {
        let mut rng = StdRng::seed_from_u64(42);
        let x = Array2::from_shape_simple_fn((batch, width), || rng.random_range(-1.0f32..1.0));
        let y = (0..batch).map(|_| rng.random_range(0..10)).collect();
        Step {
            net,
            x,
            y,
            loss: CrossEntropy::new(),
            adam: Adam::new(1e-3).unwrap(),
            grad: Array2::zeros((0, 0)),
        }
    }

    fn run(&mut self) -> f32 {
        self.net.zero_grad();
        let out = self
            .net
            .forward(black_box(self.x.view()), Mode::Train)
            .unwrap();
        let value = self
            .loss
            .value_and_grad(out, (&self.y).into(), &mut self.grad)
            .unwrap();
        self.net.backward_parameters(self.grad.view()).unwrap();
        Optimizer::<f32>::step(&mut self.adam, &mut self.net).unwrap();
        value
    }
}

/// Thread CPU time per step, as the mean over rounds of 20 steps (the kernel's accounting is
/// coarse, so single steps cannot be timed this way): the median and the minimum of 7 rounds,
/// after 5 warm-up steps.
fn print_cpu_times() {
    for (name, net, width, batch) in workloads() {
        let mut step = Step::new(net, width, batch);
        for _ in 0..5 {
            step.run();
        }
        let mut means = Vec::new();
        for _ in 0..7 {
            let Some(t0) = thread_cpu_time() else { return };
            for _ in 0..20 {
                black_box(step.run());
            }
            let Some(t1) = thread_cpu_time() else { return };
            means.push((t1 - t0) / 20.0);
        }
        means.sort_by(f64::total_cmp);
        eprintln!(
            "cpu_time/{name}: median {:.3} ms, min {:.3} ms ({} threads)",
            means[3] * 1e3,
            means[0] * 1e3,
            tuneup::linalg::num_threads()
        );
    }
}

fn bench_train_step(c: &mut Criterion) {
    if std::env::var("TUNEUP_BENCH_CPU_TIME").is_ok_and(|v| v == "1") {
        print_cpu_times();
    }
    let mut group = c.benchmark_group("train_step");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for (name, net, width, batch) in workloads() {
        let mut step = Step::new(net, width, batch);
        // Forward, backward (×2): 3 × the forward multiply-adds, 2 flops each.
        let flops = 6 * forward_macs(name) * batch;
        eprintln!(
            "train_step/{name}: {:.3} GFLOP per step, {} threads",
            flops as f64 / 1e9,
            tuneup::linalg::num_threads()
        );
        group.bench_function(name, |b| b.iter(|| black_box(step.run())));
    }
    group.finish();
}

/// The depthwise layers of `dwsep` (channels, image side, stride) at batch 32.
const DEPTHWISE: [(usize, usize, usize); 4] =
    [(32, 32, 1), (64, 32, 2), (128, 16, 1), (128, 16, 2)];

/// Forward (train mode) and backward (parameters and input) of each depthwise 3 × 3 layer of
/// `dwsep` on its own, so the direct kernels can be timed apart from the rest of the step.
fn bench_depthwise(c: &mut Criterion) {
    let mut group = c.benchmark_group("depthwise");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    let batch = 32;
    for (channels, side, stride) in DEPTHWISE {
        let mut conv = Conv2dConfig::new(channels, channels, (3, 3))
            .stride((stride, stride))
            .padding(1)
            .groups(channels)
            .bias(false)
            .build::<f32>((side, side), 0)
            .unwrap();
        let mut rng = StdRng::seed_from_u64(7);
        let width = channels * side * side;
        let x = Array2::from_shape_simple_fn((batch, width), || rng.random_range(-1.0f32..1.0));
        let out_width = conv.forward(x.view(), Mode::Train).unwrap().ncols();
        let dy =
            Array2::from_shape_simple_fn((batch, out_width), || rng.random_range(-1.0f32..1.0));
        let macs = batch * out_width * 9;
        let name = format!("{channels}x{side}x{side}_s{stride}");
        eprintln!("depthwise/{name}: {macs} multiply-adds per pass");
        group.bench_function(format!("forward/{name}"), |b| {
            b.iter(|| black_box(conv.forward(black_box(x.view()), Mode::Train).unwrap()[[0, 0]]))
        });
        group.bench_function(format!("backward/{name}"), |b| {
            b.iter(|| black_box(conv.backward(black_box(dy.view())).unwrap()[[0, 0]]))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_train_step, bench_depthwise);
criterion_main!(benches);
