//! Quickstart: train the textbook network `f(x) = W₂ σ(W₁x + b₁) + b₂` on a synthetic
//! two-class problem (two interleaved noisy half-moons), with BCE-with-logits, an L2 penalty
//! and a hand-written mini-batch SGD loop.
//!
//! Run with `cargo run --release --example quickstart`.

use ndarray::{Array2, Axis};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};
use tuneup::prelude::*;

const SAMPLES: usize = 1000;
const TRAIN: usize = 800;
const EPOCHS: usize = 200;
const BATCH: usize = 32;
const LEARNING_RATE: f64 = 0.5;
const WEIGHT_DECAY: f64 = 1e-4;

/// Two interleaved half-moons with Gaussian noise: `SAMPLES` points, 2 features, labels 0/1.
/// The outer moon is the upper half of the unit circle; the inner one is the lower half,
/// shifted by (1, 0.5).
fn two_moons(samples: usize, noise: f64, rng: &mut StdRng) -> (Array2<f32>, Array2<f32>) {
    let jitter = Normal::new(0.0, noise).expect("a valid standard deviation");
    let mut x = Array2::zeros((samples, 2));
    let mut y = Array2::zeros((samples, 1));
    for i in 0..samples {
        let t = rng.random_range(0.0..std::f64::consts::PI);
        let label = i % 2;
        let (a, b) = if label == 0 {
            (t.cos(), t.sin())
        } else {
            (1.0 - t.cos(), 0.5 - t.sin())
        };
        x[[i, 0]] = (a + jitter.sample(rng)) as f32;
        x[[i, 1]] = (b + jitter.sample(rng)) as f32;
        y[[i, 0]] = label as f32;
    }
    (x, y)
}

/// Fraction of rows whose logit has the sign of its label (logit > 0 ⇔ class 1).
fn accuracy(net: &mut Sequential<f32>, x: &Array2<f32>, y: &Array2<f32>) -> Result<f64> {
    let logits = net.predict(x.view())?;
    let correct = logits
        .iter()
        .zip(y.iter())
        .filter(|(&logit, &label)| (logit > 0.0) == (label > 0.5))
        .count();
    Ok(correct as f64 / y.nrows() as f64)
}

fn main() -> Result<()> {
    let mut rng = StdRng::seed_from_u64(7);

    // Data: 1000 points, shuffled, split 80/20.
    let (x, y) = two_moons(SAMPLES, 0.2, &mut rng);
    let mut order: Vec<usize> = (0..SAMPLES).collect();
    order.shuffle(&mut rng);
    let (train_idx, test_idx) = order.split_at(TRAIN);
    let (x_train, y_train) = (x.select(Axis(0), train_idx), y.select(Axis(0), train_idx));
    let (x_test, y_test) = (x.select(Axis(0), test_idx), y.select(Axis(0), test_idx));

    // Model: 2 → 16 (sigmoid) → 1 logit; objective: BCE with logits + ½α‖W‖².
    let mut net = Mlp::new(&[2, 16, 1])
        .activation(Activation::Sigmoid)
        .seed(0)
        .build::<f32>()?;
    println!("{}", net.summary(2)?);
    let loss = BceWithLogits::new();
    let l2 = L2::new(WEIGHT_DECAY)?;
    let mut sgd = Sgd::new(LEARNING_RATE)?;
    let mut grad = Array2::zeros((0, 0));

    let mut rows: Vec<usize> = (0..TRAIN).collect();
    for epoch in 1..=EPOCHS {
        rows.shuffle(&mut rng);
        let (mut total, mut batches) = (0.0f64, 0usize);
        for batch in rows.chunks(BATCH) {
            let xb = x_train.select(Axis(0), batch);
            let yb = y_train.select(Axis(0), batch);
            net.zero_grad();
            let logits = net.forward(xb.view(), Mode::Train)?;
            let data_loss = loss.value_and_grad(logits, (&yb).into(), &mut grad)?;
            net.backward_parameters(grad.view())?;
            let penalty = l2.add_gradient(&mut net);
            sgd.step(&mut net)?;
            total += f64::from(data_loss + penalty);
            batches += 1;
        }
        if epoch == 1 || epoch % 20 == 0 {
            println!("epoch {epoch:>3}  objective {:.4}", total / batches as f64);
        }
    }

    let train_acc = accuracy(&mut net, &x_train, &y_train)?;
    let test_acc = accuracy(&mut net, &x_test, &y_test)?;
    println!("train accuracy {train_acc:.3}  test accuracy {test_acc:.3}");
    Ok(())
}
