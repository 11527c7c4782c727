//! Quickstart: train the textbook network `f(x) = W₂ σ(W₁x + b₁) + b₂` on a synthetic
//! two-class problem (two interleaved noisy half-moons) with the `Trainer`: BCE with logits,
//! an L2 penalty, mini-batch SGD, a validation split and accuracy recorded every epoch.
//!
//! Run with `cargo run --release --example quickstart`.

use ndarray::{Array2, Axis};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};
use tuneup::prelude::*;
use tuneup::train::{Metric, ProgressLogger, Trainer};

const SAMPLES: usize = 1000;
const TRAIN: usize = 800;
const EPOCHS: usize = 200;
const BATCH: usize = 32;
const LEARNING_RATE: f64 = 0.5;
const WEIGHT_DECAY: f64 = 1e-4;

/// Two interleaved half-moons with Gaussian noise: `samples` points, 2 features, labels 0/1.
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

fn main() -> Result<()> {
    let mut rng = StdRng::seed_from_u64(7);

    // Data: 1000 points, shuffled, split 80/20 into train and test.
    let (x, y) = two_moons(SAMPLES, 0.2, &mut rng);
    let mut order: Vec<usize> = (0..SAMPLES).collect();
    order.shuffle(&mut rng);
    let (train_idx, test_idx) = order.split_at(TRAIN);
    let (x_train, y_train) = (x.select(Axis(0), train_idx), y.select(Axis(0), train_idx));
    let (x_test, y_test) = (x.select(Axis(0), test_idx), y.select(Axis(0), test_idx));

    // Model: 2 → 16 (sigmoid) → 1 logit; objective: BCE with logits + ½α‖W‖².
    let net = Mlp::new(&[2, 16, 1])
        .activation(Activation::Sigmoid)
        .seed(0)
        .build::<f32>()?;
    println!("{}", net.summary(2)?);
    let mut trainer = Trainer::builder()
        .model(net)
        .loss(BceWithLogits::new())
        .regularizer(L2::new(WEIGHT_DECAY)?)
        .optimizer(Sgd::new(LEARNING_RATE)?)
        .epochs(EPOCHS)
        .batch_size(BATCH)
        .seed(7)
        .validation_split(0.1) // stratified: both moons keep their share
        .metric(Metric::Accuracy)
        .callback(ProgressLogger::to_writer(std::io::stdout()).every(20))
        .build()?;
    let history = trainer.fit(x_train.view(), &y_train)?;
    println!(
        "best val_loss {:.4} at epoch {}; {}",
        history.best_value().unwrap_or(f64::NAN),
        history.best_epoch().unwrap_or(0) + 1,
        history
            .stop_reason()
            .map(|r| r.to_string())
            .unwrap_or_default()
    );

    let train_acc = trainer
        .evaluate(x_train.view(), &y_train)?
        .get("accuracy")
        .unwrap_or(0.0);
    let test_acc = trainer
        .evaluate(x_test.view(), &y_test)?
        .get("accuracy")
        .unwrap_or(0.0);
    println!("train accuracy {train_acc:.3}  test accuracy {test_acc:.3}");
    assert!(
        train_acc > 0.9 && test_acc > 0.9,
        "the network should separate the moons"
    );
    Ok(())
}
