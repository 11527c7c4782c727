//! Local minima and plateaus.
//!
//! A deep, narrow sigmoid network (four hidden layers of 8) on an XOR-like problem starts on a
//! plateau: each sigmoid layer shrinks the gradient, so the first layers barely learn and the
//! network predicts the class frequency, a loss of about ln 2 ≈ 0.69 ("no better than a
//! coin"). Constant-rate SGD stays there. This example trains the same network with each
//! remedy, from three initialisation seeds, and prints how many runs got off the plateau (loss
//! below 0.6) and the final losses:
//!
//! - constant-rate SGD (the baseline);
//! - SGD with momentum, and Adam (adaptive per-parameter steps);
//! - learning-rate schedules on SGD with momentum: cosine annealing with warm restarts, and
//!   reduce-on-plateau, both starting from a rate three times the constant one;
//! - two initialisation schemes instead of PyTorch's default: Xavier with the sigmoid's gain,
//!   and orthogonal with gain 4 (the [`Init`] enum).
//!
//! What to look for: the remedies that change the *scale* of the early steps (momentum, Adam,
//! larger initial weights) are the ones that escape; a textbook Xavier initialisation is not
//! enough at this depth. A schedule's large rates shorten the escape, but a rate large enough
//! to escape quickly can also throw the network back onto the plateau (saturated sigmoids),
//! which is why the low-rate phases of warm restarts matter. Reduce-on-plateau only cuts the
//! rate once the loss stops falling (threshold 0 here: with PyTorch's default relative
//! threshold it would cut while the loss creeps along the plateau and never escape); it is a
//! tool for settling into a minimum, and reacts too late to stop a large step undoing an
//! escape. An adaptive optimizer can also leave the plateau only to stall in a poorer basin:
//! compare Adam's final losses.
//!
//! Run with `cargo run --release --example local_minima` (about half a minute).

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tuneup::optim::schedule::PlateauConfig;
use tuneup::prelude::*;

const SAMPLES: usize = 256;
const EPOCHS: usize = 5000;
const WIDTHS: [usize; 6] = [2, 8, 8, 8, 8, 1];
const SEEDS: [u64; 3] = [0, 1, 2];
/// The constant learning rate of the SGD runs.
const LR: f64 = 0.5;
/// Below this loss a run counts as off the plateau.
const ESCAPED: f64 = 0.6;

/// Points in the square [−1, 1]², labelled 1 when x·y > 0 (XOR of the signs).
fn xor_data(rng: &mut StdRng) -> (Array2<f64>, Array2<f64>) {
    let mut x = Array2::zeros((SAMPLES, 2));
    let mut y = Array2::zeros((SAMPLES, 1));
    for i in 0..SAMPLES {
        let (a, b): (f64, f64) = (rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0));
        x[[i, 0]] = a;
        x[[i, 1]] = b;
        y[[i, 0]] = if a * b > 0.0 { 1.0 } else { 0.0 };
    }
    (x, y)
}

/// One way of training: the initialisation, the optimizer and an optional schedule.
struct Remedy {
    name: &'static str,
    init: Init,
    optimizer: fn() -> Result<Box<dyn Optimizer<f64>>>,
    schedule: fn() -> Result<Option<Box<dyn LrSchedule>>>,
}

fn sgd() -> Result<Box<dyn Optimizer<f64>>> {
    Ok(Box::new(Sgd::new(LR)?))
}

fn sgd_momentum() -> Result<Box<dyn Optimizer<f64>>> {
    Ok(Box::new(Sgd::new(LR)?.momentum(0.9)?))
}

fn adam() -> Result<Box<dyn Optimizer<f64>>> {
    Ok(Box::new(Adam::new(0.01)?))
}

fn constant() -> Result<Option<Box<dyn LrSchedule>>> {
    Ok(None)
}

/// Cosine from 1.5 down to 0.01 over 250 epochs, then back to 1.5, and again.
fn warm_restarts() -> Result<Option<Box<dyn LrSchedule>>> {
    Ok(Some(Box::new(CosineAnnealingWarmRestarts::new(
        1.5, 250, 1, 0.01,
    )?)))
}

/// Start at 1.5 and halve the rate after 50 epochs without any decrease of the loss.
fn reduce_on_plateau() -> Result<Option<Box<dyn LrSchedule>>> {
    let config = PlateauConfig {
        factor: 0.5,
        patience: 50,
        threshold: 0.0,
        ..Default::default()
    };
    Ok(Some(Box::new(ReduceLrOnPlateau::new(1.5, config)?)))
}

/// Full-batch training with BCE-with-logits; a schedule is stepped once per epoch with the
/// epoch's loss. Returns the final loss and the first epoch below [`ESCAPED`].
fn train(
    remedy: &Remedy,
    seed: u64,
    (x, y): &(Array2<f64>, Array2<f64>),
) -> Result<(f64, Option<usize>)> {
    let mut net = Mlp::new(&WIDTHS)
        .activation(Activation::Sigmoid)
        .init(remedy.init)
        .seed(seed)
        .build::<f64>()?;
    let mut optimizer = (remedy.optimizer)()?;
    let mut schedule = (remedy.schedule)()?;
    if let Some(s) = &schedule {
        optimizer.set_learning_rate(s.lr())?;
    }
    let loss = BceWithLogits::new();
    let mut grad = Array2::zeros((0, 0));
    let (mut last, mut escaped) = (f64::NAN, None);
    for epoch in 0..EPOCHS {
        net.zero_grad();
        let out = net.forward(x.view(), Mode::Train)?;
        last = loss.value_and_grad(out, y.into(), &mut grad)?;
        net.backward_parameters(grad.view())?;
        optimizer.step(&mut net)?;
        if escaped.is_none() && last < ESCAPED {
            escaped = Some(epoch);
        }
        if let Some(s) = schedule.as_mut() {
            optimizer.set_learning_rate(s.step_with_metric(last)?)?;
        }
    }
    Ok((last, escaped))
}

fn main() -> Result<()> {
    let data = xor_data(&mut StdRng::seed_from_u64(0));
    let remedies = [
        Remedy {
            name: "SGD, constant lr 0.5",
            init: Init::TorchDefault,
            optimizer: sgd,
            schedule: constant,
        },
        Remedy {
            name: "SGD + momentum 0.9",
            init: Init::TorchDefault,
            optimizer: sgd_momentum,
            schedule: constant,
        },
        Remedy {
            name: "Adam, lr 0.01",
            init: Init::TorchDefault,
            optimizer: adam,
            schedule: constant,
        },
        Remedy {
            name: "momentum + cosine warm restarts 1.5→0.01",
            init: Init::TorchDefault,
            optimizer: sgd_momentum,
            schedule: warm_restarts,
        },
        Remedy {
            name: "momentum + reduce-on-plateau from 1.5",
            init: Init::TorchDefault,
            optimizer: sgd_momentum,
            schedule: reduce_on_plateau,
        },
        Remedy {
            name: "SGD, constant lr, Xavier init (gain 1)",
            init: Init::xavier_for(Activation::Sigmoid),
            optimizer: sgd,
            schedule: constant,
        },
        Remedy {
            name: "SGD, constant lr, orthogonal init (gain 4)",
            init: Init::Orthogonal { gain: 4.0 },
            optimizer: sgd,
            schedule: constant,
        },
    ];

    println!(
        "XOR of signs, {SAMPLES} points; MLP {WIDTHS:?}, sigmoid; {EPOCHS} full-batch epochs; \
         seeds {SEEDS:?}\n"
    );
    println!(
        "{:<44} {:>8}   {:<24} first epoch below {ESCAPED}",
        "remedy", "escaped", "final loss per seed"
    );
    for remedy in &remedies {
        let runs = SEEDS
            .iter()
            .map(|&seed| train(remedy, seed, &data))
            .collect::<Result<Vec<_>>>()?;
        let escaped = runs.iter().filter(|(_, e)| e.is_some()).count();
        let losses: Vec<String> = runs.iter().map(|(l, _)| format!("{l:.3}")).collect();
        let epochs: Vec<String> = runs
            .iter()
            .map(|(_, e)| e.map_or("never".into(), |e| e.to_string()))
            .collect();
        println!(
            "{:<44} {:>6}/{}   {:<24} {}",
            remedy.name,
            escaped,
            runs.len(),
            losses.join(" "),
            epochs.join(" ")
        );
    }
    println!(
        "\n(a run \"escaped\" when its loss fell below {ESCAPED}; a final loss back near 0.69 \
         after escaping means a large step saturated the sigmoids and threw it back)"
    );
    Ok(())
}
