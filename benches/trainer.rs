//! The Trainer's overhead over the bare training step, on the `mnist` workload of
//! `benches/forward_backward.rs` (784-256-128-10, ReLU, softmax cross-entropy on class indices,
//! Adam, batch 128, `f32`) with 60 batches of synthetic data (7680 rows):
//!
//! - `trainer/fit_epoch_mnist`: one `Trainer::fit` epoch (shuffle, batch gathering, train step,
//!   gradient norm, per-epoch bookkeeping; no validation, no metric, no callback);
//! - `trainer/bare_epoch_mnist`: the same 60 batches, already gathered, through the bare step
//!   (forward + loss + `backward_parameters_overwrite` + Adam step), as `train_step/mnist`
//!   times one of them.
//!
//! - `trainer/fit_epoch_mnist_bf16`, `trainer/fit_epoch_mnist_f16`: the first with the
//!   `precision` option (`bf16` / `f16` inputs to every matrix product, `f32` accumulation).
//!
//! The ratio of the first two is the Trainer's overhead; of the first and the last two, what
//! mixed precision gains or costs. Run with `cargo bench --bench trainer`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::{s, Array2};
use ndarray_rand::rand_distr::StandardNormal;
use ndarray_rand::RandomExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tuneup::linalg::Precision;
use tuneup::prelude::*;
use tuneup::train::Trainer;

const WIDTHS: &[usize] = &[784, 256, 128, 10];
const BATCH: usize = 128;
const BATCHES: usize = 60;

fn data() -> (Array2<f32>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(42);
    let n = BATCH * BATCHES;
    let x = Array2::<f32>::random_using((n, WIDTHS[0]), StandardNormal, &mut rng);
    let y = (0..n).map(|_| rng.random_range(0..10)).collect();
    (x, y)
}

fn net() -> Sequential<f32> {
    Mlp::new(WIDTHS)
        .activation(Activation::Relu)
        .seed(0)
        .build::<f32>()
        .expect("valid workload")
}

fn bench(c: &mut Criterion) {
    let (x, y) = data();
    let mut group = c.benchmark_group("trainer");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));

    for (name, precision) in [
        ("fit_epoch_mnist", Precision::F32),
        ("fit_epoch_mnist_bf16", Precision::Bf16),
        ("fit_epoch_mnist_f16", Precision::F16),
    ] {
        let mut trainer = Trainer::builder()
            .model(net())
            .loss(CrossEntropy::new())
            .optimizer(Adam::new(1e-3).expect("valid rate"))
            .epochs(1)
            .batch_size(BATCH)
            .seed(1)
            .precision(precision)
            .build()
            .expect("valid settings");
        group.bench_function(name, |b| {
            b.iter(|| {
                let next = trainer.completed_epochs() + 1;
                trainer.set_epochs(next).expect("≥ 1");
                let h = trainer.fit(x.view(), &y).expect("fit");
                black_box(h.last().map(|r| r.loss))
            })
        });
    }

    let mut model = net();
    let mut adam = Adam::new(1e-3).expect("valid rate");
    let loss = CrossEntropy::new();
    let mut grad = Array2::zeros((0, 0));
    group.bench_function("bare_epoch_mnist", |b| {
        b.iter(|| {
            let mut total = 0.0f32;
            for k in 0..BATCHES {
                let rows = k * BATCH..(k + 1) * BATCH;
                let out = model
                    .forward(x.slice(s![rows.clone(), ..]), Mode::Train)
                    .expect("forward");
                total += loss
                    .value_and_grad(out, (&y[rows]).into(), &mut grad)
                    .expect("loss");
                model
                    .backward_parameters_overwrite(grad.view())
                    .expect("backward");
                adam.step(&mut model).expect("finite gradients");
            }
            black_box(total)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
