//! Overfitting and underfitting, and the remedies, measured.
//!
//! A small noisy regression problem, `y = sin(3x) + noise` (σ = 0.3) with 40 training points
//! and a large, clean-noise validation set of 500 points from the same distribution. The best
//! any model can reach on it is a validation MSE of about σ² = 0.09.
//!
//! 1. A large network (1 → 256 → 256 → 1, ReLU) trained long drives the training loss far
//!    below the noise level while the validation loss climbs: the train / validation gap by
//!    epoch is printed.
//! 2. The same network with an L2 penalty, with dropout, and with early stopping
//!    (`restore_best_weights`): each closes most of the gap.
//! 3. A too-small network (a straight line, 1 → 1) underfits: both losses stay high. Capacity
//!    (1 → 16 → 1, tanh) fixes it.
//!
//! Run with `cargo run --release --example overfitting`.

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};
use tuneup::diagnostics::history::History;
use tuneup::optim::EarlyStoppingConfig;
use tuneup::prelude::*;
use tuneup::train::{Metric, Trainer, TrainerBuilder};

const NOISE: f64 = 0.3;
const EPOCHS: usize = 1500;

/// `n` points `x ~ U(−1, 1)`, `y = sin(3x) + N(0, σ²)`.
fn noisy_sine(n: usize, rng: &mut StdRng) -> (Array2<f32>, Array2<f32>) {
    let noise = Normal::new(0.0, NOISE).expect("valid σ");
    let x = Array2::from_shape_fn((n, 1), |_| rng.random_range(-1.0..1.0f32));
    let y = x.mapv(|v| (3.0 * v).sin() + noise.sample(rng) as f32);
    (x, y)
}

fn base(
    net: Sequential<f32>,
    x_val: &Array2<f32>,
    y_val: &Array2<f32>,
) -> Result<TrainerBuilder<f32, Sequential<f32>>> {
    Ok(Trainer::builder()
        .model(net)
        .loss(Mse::new())
        .optimizer(Adam::new(3e-3)?)
        .epochs(EPOCHS)
        .batch_size(20)
        .seed(1)
        .metric(Metric::Mse)
        .validation_data(x_val.clone(), y_val.clone()))
}

fn large(dropout: f64) -> Result<Sequential<f32>> {
    Mlp::new(&[1, 256, 256, 1])
        .activation(Activation::Relu)
        .dropout(dropout)
        .seed(3)
        .build()
}

/// Final train MSE (re-evaluated in eval mode), final validation MSE (data loss only, without
/// the penalty) and the best epoch.
fn summary(
    name: &str,
    trainer: &mut Trainer<f32>,
    h: &History,
    x: &Array2<f32>,
    y: &Array2<f32>,
) -> Result<()> {
    let train = trainer
        .evaluate(x.view(), y)?
        .get("mse")
        .unwrap_or(f64::NAN);
    let val = h.last().and_then(|r| r.get("val_mse")).unwrap_or(f64::NAN);
    println!(
        "{name:<34} {train:>10.4} {val:>10.4} {:>10.4} {:>7} {:>8}",
        val - train,
        h.len(),
        h.best_epoch().map_or(0, |e| e + 1)
    );
    Ok(())
}

fn main() -> Result<()> {
    let mut rng = StdRng::seed_from_u64(11);
    let (x, y) = noisy_sine(40, &mut rng);
    let (x_val, y_val) = noisy_sine(500, &mut rng);

    // 1. A large network overfits.
    println!("1. a large network (1-256-256-1, ReLU) on 40 noisy points");
    println!("{:>6} {:>10} {:>10} {:>10}", "epoch", "train", "val", "gap");
    let mut plain = base(large(0.0)?, &x_val, &y_val)?.build()?;
    let h_plain = plain.fit(x.view(), &y)?;
    for r in h_plain
        .epochs()
        .iter()
        .filter(|r| (r.epoch + 1) % 150 == 0 || r.epoch < 1)
    {
        let val = r.val_loss.unwrap_or(f64::NAN);
        println!(
            "{:>6} {:>10.4} {:>10.4} {:>10.4}",
            r.epoch + 1,
            r.loss,
            val,
            val - r.loss
        );
    }

    // 2. Remedies, same network.
    println!();
    println!(
        "{:<34} {:>10} {:>10} {:>10} {:>7} {:>8}",
        "model", "train MSE", "val MSE", "gap", "epochs", "best ep."
    );
    summary("large, no remedy", &mut plain, &h_plain, &x, &y)?;

    let mut l2 = base(large(0.0)?, &x_val, &y_val)?
        .regularizer(L2::new(1e-3)?)
        .build()?;
    let h = l2.fit(x.view(), &y)?;
    summary("large + L2 (α = 1e-3)", &mut l2, &h, &x, &y)?;

    let mut dropout = base(large(0.5)?, &x_val, &y_val)?.build()?;
    let h = dropout.fit(x.view(), &y)?;
    summary("large + dropout (p = 0.5)", &mut dropout, &h, &x, &y)?;

    let stop = EarlyStoppingConfig {
        patience: 50,
        restore_best_weights: true,
        ..Default::default()
    };
    let mut early = base(large(0.0)?, &x_val, &y_val)?
        .early_stopping(stop)
        .build()?;
    let h = early.fit(x.view(), &y)?;
    let restored_val = early
        .evaluate(x_val.view(), &y_val)?
        .get("mse")
        .unwrap_or(f64::NAN);
    summary("large + early stopping (pat. 50)", &mut early, &h, &x, &y)?;
    println!(
        "{:<34} (restored weights of epoch {}: val MSE {restored_val:.4})",
        "",
        h.best_epoch().map_or(0, |e| e + 1)
    );

    // 3. Underfitting, fixed by capacity.
    println!();
    let line = Mlp::new(&[1, 1]).seed(3).build()?;
    let mut small = base(line, &x_val, &y_val)?.build()?;
    let h = small.fit(x.view(), &y)?;
    summary("too small: a line (1-1)", &mut small, &h, &x, &y)?;
    let bigger = Mlp::new(&[1, 16, 1])
        .activation(Activation::Tanh)
        .seed(3)
        .build()?;
    let mut fixed = base(bigger, &x_val, &y_val)?.build()?;
    let h = fixed.fit(x.view(), &y)?;
    summary("capacity: 1-16-1 (tanh)", &mut fixed, &h, &x, &y)?;
    println!();
    println!("noise floor: validation MSE ≈ σ² = {:.2}", NOISE * NOISE);
    Ok(())
}
