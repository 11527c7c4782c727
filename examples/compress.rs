//! A model too big to serve: compress it. A wide teacher is trained on generated data (10%
//! of the labels wrong); a student about 12× smaller is trained with and without knowledge
//! distillation from it (`.teacher(model, T, α)`); then the teacher is pruned by 50 / 80 / 90% with fine-tuning,
//! by magnitude on a Zhu & Gupta schedule (`GradualPruning`) and by whole neurons
//! (`ln_structured`), and the neuron-pruned model is shrunk into a smaller dense network whose
//! forward pass is timed against the dense teacher's.
//!
//! Run with `cargo run --release --example compress`.

use std::time::Instant;

use ndarray::{Array2, Axis};
use tuneup::compress::{ln_structured, shrink, sparsity_report, Amount, PolynomialSparsity};
use tuneup::data::{make_classification, ClassificationConfig, StandardScaler};
use tuneup::prelude::*;
use tuneup::train::callbacks::GradualPruning;
use tuneup::train::{Trainer, TrainerBuilder};

const CLASSES: usize = 5;
const BATCH: usize = 64;

struct Split {
    x: Array2<f64>,
    y: Vec<usize>,
    x_test: Array2<f64>,
    y_test: Vec<usize>,
}

fn data() -> tuneup::Result<Split> {
    let data = make_classification::<f64>(&ClassificationConfig {
        n_samples: 4000,
        n_features: 20,
        n_informative: 12,
        n_redundant: 4,
        n_classes: CLASSES,
        n_clusters_per_class: 2,
        class_sep: 1.0,
        // 10% of the labels are replaced at random: the small student alone fits them, the
        // teacher's softened outputs carry what the classes really look like.
        flip_y: 0.1,
        seed: 5,
        ..ClassificationConfig::default()
    })?;
    let (x_all, y_all) = (data.features(), data.labels().expect("class labels"));
    let (train, test): (Vec<usize>, Vec<usize>) = (0..4000).partition(|i| i % 4 != 0);
    let scaler = StandardScaler::new().fit(&x_all.select(Axis(0), &train).view())?;
    Ok(Split {
        x: scaler.transform(&x_all.select(Axis(0), &train).view())?,
        y: train.iter().map(|&i| y_all[i]).collect(),
        x_test: scaler.transform(&x_all.select(Axis(0), &test).view())?,
        y_test: test.iter().map(|&i| y_all[i]).collect(),
    })
}

fn builder(
    model: Sequential<f64>,
    lr: f64,
    epochs: usize,
) -> tuneup::Result<TrainerBuilder<f64, Sequential<f64>>> {
    Ok(Trainer::builder()
        .model(model)
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(lr)?)
        .epochs(epochs)
        .batch_size(BATCH)
        .seed(1))
}

fn accuracy(model: &mut Sequential<f64>, s: &Split) -> tuneup::Result<f64> {
    let out = model.predict(s.x_test.view())?;
    let hits = out
        .outer_iter()
        .zip(&s.y_test)
        .filter(|(row, y)| argmax(row.iter().copied()) == **y)
        .count();
    Ok(hits as f64 / s.y_test.len() as f64)
}

fn argmax(values: impl Iterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (j, v) in values.enumerate() {
        if v > best.1 {
            best = (j, v);
        }
    }
    best.0
}

fn size(model: &Sequential<f64>) -> usize {
    let mut n = 0;
    model.visit_parameters(&mut |p| n += p.value().len());
    n
}

/// The median time of a forward pass over the test rows, in microseconds.
fn forward_micros(model: &mut Sequential<f64>, x: &Array2<f64>) -> tuneup::Result<f64> {
    let mut times = Vec::new();
    for _ in 0..41 {
        let start = Instant::now();
        std::hint::black_box(model.forward(x.view(), Mode::Eval)?);
        times.push(start.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

fn main() -> tuneup::Result<()> {
    let s = data()?;
    let steps_per_epoch = s.x.nrows().div_ceil(BATCH) as u64;

    // 1. The teacher: wide and accurate.
    let wide = Mlp::new(&[20, 256, 256, CLASSES]).seed(2).build::<f64>()?;
    let mut teacher = builder(wide, 1e-3, 40)?.build()?;
    teacher.fit(s.x.view(), &s.y)?;
    let mut teacher = teacher.model().clone();
    let teacher_acc = accuracy(&mut teacher, &s)?;
    println!(
        "teacher  20-256-256-5   {:>6} parameters   test accuracy {:.3}",
        size(&teacher),
        teacher_acc
    );

    // 2. A student about 12× smaller, with and without distillation.
    let small = || Mlp::new(&[20, 64, 64, CLASSES]).seed(3).build::<f64>();
    let mut plain = builder(small()?, 3e-3, 60)?.build()?;
    plain.fit(s.x.view(), &s.y)?;
    let mut distilled = builder(small()?, 3e-3, 60)?
        .teacher(teacher.clone(), 4.0, 0.9)
        .build()?;
    distilled.fit(s.x.view(), &s.y)?;
    let (mut plain, mut distilled) = (plain.model().clone(), distilled.model().clone());
    println!("student  20-64-64-5     {:>6} parameters   test accuracy {:.3} alone, {:.3} distilled (T = 4, α = 0.9)",
        size(&plain), accuracy(&mut plain, &s)?, accuracy(&mut distilled, &s)?);

    // 3. Pruning the teacher, with 10 epochs of fine-tuning each.
    let dense_us = forward_micros(&mut teacher, &s.x_test)?;
    println!("\npruning the teacher (10 epochs of fine-tuning; dense forward on {} rows: {dense_us:.0} µs)", s.x_test.nrows());
    println!("sparsity   magnitude (Zhu & Gupta)   neurons removed   shrunk size   shrunk forward   speed-up");
    for target in [0.5, 0.8, 0.9] {
        // Magnitude pruning on a cubic schedule over the first 6 epochs.
        let schedule = PolynomialSparsity::new(0.0, target, 0, 6 * steps_per_epoch)?
            .frequency(steps_per_epoch / 2)?;
        let mut t = builder(teacher.clone(), 5e-4, 10)?
            .callback(GradualPruning::new(schedule, &["*.weight"])?)
            .build()?;
        t.fit(s.x.view(), &s.y)?;
        let mut magnitude = t.model().clone();
        let reached = sparsity_report(&magnitude).weights_sparsity();
        let magnitude_acc = accuracy(&mut magnitude, &s)?;

        // Whole neurons of both hidden layers (rows of their weights), then shrink.
        let mut neurons = teacher.clone();
        for name in ["0.weight", "2.weight"] {
            ln_structured(&mut neurons, name, Amount::Fraction(target), 2.0, 0)?;
        }
        let mut t = builder(neurons, 5e-4, 10)?.build()?;
        t.fit(s.x.view(), &s.y)?;
        let (mut shrunk, _) = shrink(t.model())?;
        let shrunk_acc = accuracy(&mut shrunk, &s)?;
        let shrunk_us = forward_micros(&mut shrunk, &s.x_test)?;
        println!(
            "{:>5.0}%     {magnitude_acc:.3} ({:.0}% zeros)           {shrunk_acc:.3}            {:>6}       {shrunk_us:>6.0} µs      {:.1}×",
            100.0 * target,
            100.0 * reached,
            size(&shrunk),
            dense_us / shrunk_us
        );
    }
    Ok(())
}
