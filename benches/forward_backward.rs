//! Criterion benchmarks of the hot path on the three workloads of `shared/bench/README.md`
//! (the same ones `torch_bench.py` times PyTorch on), all in `f32`:
//!
//! | name  | layer sizes        | batch | hidden activation | loss                            |
//! |-------|--------------------|-------|-------------------|---------------------------------|
//! | seed  | 30-16-1            | 32    | sigmoid           | BCE with logits                 |
//! | mnist | 784-256-128-10     | 128   | ReLU              | softmax cross-entropy (indices) |
//! | wide  | 1024-1024-1024-1   | 256   | ReLU              | MSE                             |
//!
//! Groups:
//! - `forward/<name>`: one forward pass in [`Mode::Train`];
//! - `forward_backward/<name>`: forward + loss `value_and_grad` +
//!   `backward_parameters_overwrite` (which writes the gradients: `zero_grad`'s pass folded
//!   in, as the Trainer's step does);
//! - `train_step/<name>`: the same plus one optimizer step (see [`train_step_optimizer`]).
//!
//! Run with `cargo bench --bench forward_backward` (add a filter such as `-- mnist` to run a
//! subset). Compare against PyTorch on the same machine in the same sitting, as a ratio.
//! Large matrix products use [`tuneup::linalg::num_threads`] threads (the machine's available
//! parallelism unless set): run with `TUNEUP_NUM_THREADS=1` and `=2` to compare with
//! `torch_bench.py`'s one- and two-thread lines.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode};
use ndarray::Array2;
use ndarray_rand::rand_distr::StandardNormal;
use ndarray_rand::RandomExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tuneup::prelude::*;

/// The loss of a workload.
#[derive(Clone, Copy)]
enum LossKind {
    BceWithLogits,
    CrossEntropy,
    Mse,
}

/// One benchmark workload.
struct Workload {
    name: &'static str,
    widths: &'static [usize],
    batch: usize,
    activation: Activation,
    loss: LossKind,
    /// A step takes tens of milliseconds: sample with equal iteration counts (flat sampling)
    /// so twenty samples fit in the measurement time.
    long: bool,
}

const WORKLOADS: &[Workload] = &[
    Workload {
        name: "seed",
        widths: &[30, 16, 1],
        batch: 32,
        activation: Activation::Sigmoid,
        loss: LossKind::BceWithLogits,
        long: false,
    },
    Workload {
        name: "mnist",
        widths: &[784, 256, 128, 10],
        batch: 128,
        activation: Activation::Relu,
        loss: LossKind::CrossEntropy,
        long: false,
    },
    Workload {
        name: "wide",
        widths: &[1024, 1024, 1024, 1],
        batch: 256,
        activation: Activation::Relu,
        loss: LossKind::Mse,
        long: true,
    },
];

/// Learning rate of the benchmarked optimizer (PyTorch's Adam in `torch_bench.py` uses 1e-3).
const LR: f64 = 1e-3;

/// The optimizer `train_step/<name>` times: Adam, as `torch_bench.py` steps Adam, so the two
/// compare one to one. To time another optimizer, return it here; nothing else changes.
fn train_step_optimizer() -> Box<dyn Optimizer<f32>> {
    Box::new(Adam::new(LR).expect("valid learning rate"))
}

/// What the loss compares with: dense targets or class indices.
enum Labels {
    Dense(Array2<f32>),
    Classes(Vec<usize>),
}

impl Labels {
    fn targets(&self) -> Targets<'_, f32> {
        match self {
            Labels::Dense(t) => t.into(),
            Labels::Classes(c) => c.into(),
        }
    }
}

/// A built network, its inputs and targets, the loss and a reusable loss-gradient buffer.
struct Setup {
    net: Sequential<f32>,
    x: Array2<f32>,
    labels: Labels,
    loss: Box<dyn Loss<f32>>,
    grad: Array2<f32>,
}

impl Setup {
    fn new(w: &Workload) -> Self {
        let net = Mlp::new(w.widths)
            .activation(w.activation)
            .seed(0)
            .build::<f32>()
            .expect("valid workload");
        let mut rng = StdRng::seed_from_u64(42);
        let inputs = w.widths[0];
        let outputs = *w.widths.last().expect("at least two widths");
        let x = Array2::<f32>::random_using((w.batch, inputs), StandardNormal, &mut rng);
        let (labels, loss): (Labels, Box<dyn Loss<f32>>) = match w.loss {
            LossKind::BceWithLogits => (
                Labels::Dense(Array2::from_shape_fn((w.batch, outputs), |_| {
                    if rng.random::<f32>() > 0.5 {
                        1.0
                    } else {
                        0.0
                    }
                })),
                Box::new(BceWithLogits::new()),
            ),
            LossKind::CrossEntropy => (
                Labels::Classes((0..w.batch).map(|_| rng.random_range(0..outputs)).collect()),
                Box::new(CrossEntropy::new()),
            ),
            LossKind::Mse => (
                Labels::Dense(Array2::random_using(
                    (w.batch, outputs),
                    StandardNormal,
                    &mut rng,
                )),
                Box::new(Mse::new()),
            ),
        };
        Setup {
            net,
            x,
            labels,
            loss,
            grad: Array2::zeros((0, 0)),
        }
    }

    /// Forward + loss with gradient + the parameter backward that writes the gradients;
    /// returns the loss.
    fn forward_backward(&mut self) -> f32 {
        let out = self
            .net
            .forward(self.x.view(), Mode::Train)
            .expect("forward");
        let value = self
            .loss
            .value_and_grad(out, self.labels.targets(), &mut self.grad)
            .expect("loss");
        self.net
            .backward_parameters_overwrite(self.grad.view())
            .expect("backward");
        value
    }
}

type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// Modest settings so that the whole file runs in about a minute on two cores.
fn configure(group: &mut Group<'_>) {
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
}

/// Per-workload settings (the group's settings apply to the benchmarks defined after them).
fn configure_for(group: &mut Group<'_>, w: &Workload) {
    group.sampling_mode(if w.long {
        SamplingMode::Flat
    } else {
        SamplingMode::Auto
    });
}

fn bench_forward(c: &mut Criterion) {
    let mut group = c.benchmark_group("forward");
    configure(&mut group);
    for w in WORKLOADS {
        configure_for(&mut group, w);
        let mut s = Setup::new(w);
        group.bench_function(w.name, |b| {
            b.iter(|| {
                let out = s
                    .net
                    .forward(black_box(s.x.view()), Mode::Train)
                    .expect("forward");
                black_box(out[[0, 0]]);
            })
        });
    }
    group.finish();
}

fn bench_forward_backward(c: &mut Criterion) {
    let mut group = c.benchmark_group("forward_backward");
    configure(&mut group);
    for w in WORKLOADS {
        configure_for(&mut group, w);
        let mut s = Setup::new(w);
        group.bench_function(w.name, |b| b.iter(|| black_box(s.forward_backward())));
    }
    group.finish();
}

fn bench_train_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("train_step");
    configure(&mut group);
    for w in WORKLOADS {
        configure_for(&mut group, w);
        let mut s = Setup::new(w);
        let mut opt = train_step_optimizer();
        group.bench_function(w.name, |b| {
            b.iter(|| {
                let value = s.forward_backward();
                opt.step(&mut s.net).expect("finite gradients");
                black_box(value)
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_forward,
    bench_forward_backward,
    bench_train_step
);
criterion_main!(benches);
