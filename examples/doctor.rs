//! The training doctor at work: a program with a wrong output activation caught before it
//! trains, then three runs that go wrong in different ways, the doctor's report on each, the
//! first remedy it proposes applied and the report read again.
//!
//! Run with `cargo run --release --example doctor`.

use tuneup::data::{make_circles, make_moons, CirclesConfig, Dataset, MoonsConfig};
use tuneup::diagnostics::doctor::{Diagnosis, Doctor, Problem};
use tuneup::diagnostics::history::History;
use tuneup::optim::EarlyStoppingConfig;
use tuneup::prelude::*;
use tuneup::train::{Metric, Trainer, TrainerBuilder};

type Net = Sequential<f64>;

/// The common part of every run: cross-entropy on two classes, accuracy recorded, a stratified
/// 30% validation split.
fn builder(net: Net, epochs: usize) -> TrainerBuilder<f64, Net> {
    Trainer::builder()
        .model(net)
        .loss(CrossEntropy::new())
        .epochs(epochs)
        .batch_size(16)
        .seed(1)
        .validation_split(0.3)
        .metric(Metric::Accuracy)
}

/// Fits, examines the run with the doctor and prints the report.
fn run_and_examine(
    title: &str,
    mut trainer: Trainer<f64, Net>,
    data: &Dataset<f64>,
) -> tuneup::Result<(History, Diagnosis)> {
    let history = trainer.fit_dataset(data)?;
    let last = history.last().expect("at least one epoch");
    println!("── {title}");
    println!(
        "   {} epochs, last train loss {:.4}, last val loss {:.4}, stopped: {}",
        history.len(),
        last.loss,
        last.val_loss.unwrap_or(f64::NAN),
        history
            .stop_reason()
            .map_or("-".to_string(), |r| r.to_string())
    );
    let diagnosis = Doctor::new(&history)
        .training_data(&data.features())
        .class_labels(data.labels().expect("class labels"))
        .examine()?;
    for line in diagnosis.to_string().lines() {
        println!("   {line}");
    }
    Ok((history, diagnosis))
}

/// The first remedy of the first finding, as the doctor wrote it.
fn first_remedy(d: &Diagnosis) -> Option<(Problem, String)> {
    let f = d.findings.first()?;
    let r = f.remedies.first()?;
    Some((f.problem, r.action.clone()))
}

/// 0. Before training: a regression with a sigmoid output, on targets in [−3, 17].
fn preflight_case() -> tuneup::Result<()> {
    let x = tuneup::ndarray::Array2::from_shape_fn((300, 3), |(i, j)| {
        ((i * 3 + j) as f64 * 0.21).sin()
    });
    let y = x
        .map_axis(tuneup::ndarray::Axis(1), |r| {
            7.0 + 4.0 * r[0] - 3.0 * r[1] + 2.0 * r[2] * r[0]
        })
        .insert_axis(tuneup::ndarray::Axis(1));
    let (train, test) = (0..240, 240..300);
    let xs = |r: std::ops::Range<usize>| x.slice(tuneup::ndarray::s![r, ..]).to_owned();
    let ys = |r: std::ops::Range<usize>| y.slice(tuneup::ndarray::s![r, ..]).to_owned();
    let net = |out: Activation| {
        Mlp::new(&[3, 32, 1])
            .output_activation(out)
            .seed(1)
            .build::<f64>()
    };
    println!("== 0. a regression whose output layer ends in a sigmoid");
    let verdict = Doctor::preflight(
        &net(Activation::Sigmoid)?,
        &Mse::new(),
        xs(train.clone()).view(),
        (&ys(train.clone())).into(),
    )?;
    for line in verdict.to_string().lines() {
        println!("   {line}");
    }
    for (label, out) in [
        ("sigmoid output (as written)", Activation::Sigmoid),
        ("linear output (the fix)", Activation::Identity),
    ] {
        let mut t = Trainer::builder()
            .model(net(out)?)
            .loss(Mse::new())
            .optimizer(Adam::new(1e-2)?)
            .metric(Metric::R2)
            .epochs(150)
            .build()?;
        t.fit(xs(train.clone()).view(), &ys(train.clone()))?;
        let e = t.evaluate(xs(test.clone()).view(), &ys(test.clone()))?;
        println!(
            "   {label}: test MSE {:.3}, R² {:.3}",
            e.loss,
            e.get("r2").unwrap_or(f64::NAN)
        );
    }
    Ok(())
}

fn main() -> tuneup::Result<()> {
    preflight_case()?;

    // 1. A wide network on 40 noisy points: it memorises them.
    let small_noisy = make_moons::<f64>(&MoonsConfig {
        n_samples: 40,
        noise: 0.35,
        seed: 2,
        ..Default::default()
    })?;
    let wide = || Mlp::new(&[2, 128, 128, 2]).seed(3).build::<f64>();
    let overfit = builder(wide()?, 300).optimizer(Adam::new(1e-2)?).build()?;
    let (_, d) = run_and_examine("1. 2-128-128-2 on 40 noisy moons", overfit, &small_noisy)?;
    if let Some((problem, action)) = first_remedy(&d) {
        println!("   → applying the first remedy for {problem}: {action}");
        let stop = EarlyStoppingConfig {
            patience: 5,
            restore_best_weights: true,
            ..Default::default()
        };
        let fixed = builder(wide()?, 300)
            .optimizer(Adam::new(1e-2)?)
            .early_stopping(stop)
            .build()?;
        run_and_examine("1'. the same with early stopping", fixed, &small_noisy)?;
    }

    // 2. A linear model on concentric circles: it cannot bend.
    let circles = make_circles::<f64>(&CirclesConfig {
        n_samples: 400,
        noise: 0.05,
        factor: 0.5,
        seed: 4,
        ..Default::default()
    })?;
    let linear = builder(Mlp::new(&[2, 2]).seed(5).build()?, 60)
        .optimizer(Adam::new(1e-2)?)
        .build()?;
    let (_, d) = run_and_examine("2. a linear model on circles", linear, &circles)?;
    if let Some((problem, action)) = first_remedy(&d) {
        println!("   → applying the first remedy for {problem}: {action}");
        let deeper = Mlp::new(&[2, 64, 64, 2])
            .activation(Activation::Relu)
            .seed(5)
            .build()?;
        let fixed = builder(deeper, 60).optimizer(Adam::new(1e-2)?).build()?;
        run_and_examine("2'. 2-64-64-2 ReLU on circles", fixed, &circles)?;
    }

    // 3. A learning rate of 10: the loss explodes.
    let moons = make_moons::<f64>(&MoonsConfig {
        n_samples: 400,
        noise: 0.2,
        seed: 6,
        ..Default::default()
    })?;
    let net = || {
        Mlp::new(&[2, 32, 2])
            .activation(Activation::Tanh)
            .seed(7)
            .build::<f64>()
    };
    let hot = builder(net()?, 40).optimizer(Sgd::new(10.0)?).build()?;
    let (_, d) = run_and_examine("3. SGD with a learning rate of 10", hot, &moons)?;
    if let Some((problem, action)) = first_remedy(&d) {
        println!("   → applying the first remedy for {problem}: {action}");
        let cooled = builder(net()?, 40).optimizer(Sgd::new(1.0)?).build()?;
        run_and_examine("3'. the same at a learning rate of 1", cooled, &moons)?;
    }
    Ok(())
}
