//! Transfer learning and domain adaptation on generated data, each remedy on the problem it
//! answers. Every score is the accuracy on 2000 held-out rows of the new task or domain.
//!
//! 1. **Too little data for a new task.** A network learns task A from 4000 rows; task B
//!    (other classes from the same hidden features) has 200 labelled rows. Compared: from
//!    scratch, the pretrained body with a new head (`replace_head`) and the body frozen
//!    (`set_frozen_matching`), and gradual unfreezing (ULMFiT, `GradualUnfreezing`).
//! 2. **A stretched domain.** The same task, but the target's features are a fixed symmetric
//!    stretch of the source's (another sensor's gain), and the target has no labels. CORAL
//!    re-colours the source rows with the target's covariance before training.
//! 3. **Covariate shift.** The same labelling rule everywhere, but the target rows sit where
//!    the source has few. A small network trained on the source spends its capacity on the
//!    source's dense region; `ImportanceWeighting` (a logistic domain classifier's odds, fed
//!    to `fit_weighted`) moves it to where the target lies.
//!
//! Run with `cargo run --release --example transfer`.

use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use tuneup::data::Coral;
use tuneup::model::set_frozen_matching;
use tuneup::prelude::*;
use tuneup::train::{GradualUnfreezing, ImportanceWeighting, Trainer, TrainerBuilder};

const FEATURES: usize = 8;
const CLASSES: usize = 3;

/// Rows of a standard normal.
fn normal(rows: usize, cols: usize, rng: &mut StdRng) -> Array2<f64> {
    Array2::from_shape_simple_fn((rows, cols), || StandardNormal.sample(rng))
}

/// Labels: the arg-max of `tanh(x · w1) · w2`, a fixed random network of the features.
fn label(x: &Array2<f64>, w1: &Array2<f64>, w2: &Array2<f64>) -> Vec<usize> {
    let scores = x.dot(w1).mapv(f64::tanh).dot(w2);
    scores
        .rows()
        .into_iter()
        .map(|r| {
            (0..r.len())
                .max_by(|&a, &b| r[a].total_cmp(&r[b]))
                .unwrap_or(0)
        })
        .collect()
}

fn net(hidden: &[usize], seed: u64) -> Result<Sequential<f64>> {
    let mut widths = vec![FEATURES];
    widths.extend_from_slice(hidden);
    widths.push(CLASSES);
    Mlp::new(&widths)
        .activation(Activation::Relu)
        .seed(seed)
        .build()
}

fn builder(model: Sequential<f64>, epochs: usize) -> Result<TrainerBuilder<f64, Sequential<f64>>> {
    Ok(Trainer::builder()
        .model(model)
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(3e-3)?)
        .epochs(epochs)
        .batch_size(32)
        .seed(7))
}

fn accuracy(trainer: &mut Trainer<f64>, x: &Array2<f64>, y: &[usize]) -> Result<f64> {
    let predicted = trainer.predict_classes(x.view())?;
    let right = predicted.iter().zip(y).filter(|(p, t)| p == t).count();
    Ok(right as f64 / y.len() as f64)
}

fn show(title: &str, results: &[(&str, f64)]) {
    println!("{title}");
    for (name, acc) in results {
        println!("  {name:<44} {acc:.3}");
    }
}

/// 1. A new task with 200 labelled rows, and a network pretrained on a related one.
fn new_task(rng: &mut StdRng) -> Result<()> {
    let w1 = normal(FEATURES, 16, rng);
    let (task_a, task_b) = (normal(16, CLASSES, rng), normal(16, CLASSES, rng));
    let xa = normal(4000, FEATURES, rng);
    let ya = label(&xa, &w1, &task_a);
    let xb = normal(200, FEATURES, rng);
    let yb = label(&xb, &w1, &task_b);
    let x_test = normal(2000, FEATURES, rng);
    let y_test = label(&x_test, &w1, &task_b);

    let mut pretrained = builder(net(&[64, 32], 1)?, 30)?.build()?;
    pretrained.fit(xa.view(), &ya)?;
    let pretrained = pretrained.into_model();
    let with_new_head = || -> Result<Sequential<f64>> {
        let mut model = pretrained.clone();
        model.replace_head(CLASSES, 11)?;
        Ok(model)
    };
    let mut results = Vec::new();
    let mut scratch = builder(net(&[64, 32], 2)?, 60)?.build()?;
    scratch.fit(xb.view(), &yb)?;
    results.push(("from scratch", accuracy(&mut scratch, &x_test, &y_test)?));
    let mut fine_tuned = builder(with_new_head()?, 60)?.build()?;
    fine_tuned.fit(xb.view(), &yb)?;
    results.push((
        "pretrained body, new head, all trained",
        accuracy(&mut fine_tuned, &x_test, &y_test)?,
    ));
    let mut frozen_body = with_new_head()?;
    set_frozen_matching(&mut frozen_body, "0.*", true)?;
    set_frozen_matching(&mut frozen_body, "2.*", true)?;
    let mut frozen = builder(frozen_body, 60)?.build()?;
    frozen.fit(xb.view(), &yb)?;
    results.push((
        "pretrained body frozen, new head trained",
        accuracy(&mut frozen, &x_test, &y_test)?,
    ));
    let mut gradual = builder(with_new_head()?, 60)?
        .callback(GradualUnfreezing::new(["4.*", "2.*", "0.*"], 20)?)
        .build()?;
    gradual.fit(xb.view(), &yb)?;
    results.push((
        "gradual unfreezing (one group per 20 epochs)",
        accuracy(&mut gradual, &x_test, &y_test)?,
    ));
    show("1. a new task with 200 labelled rows:", &results);
    Ok(())
}

/// 2. The target's features are a symmetric stretch of the source's; no target labels.
fn stretched_domain(rng: &mut StdRng) -> Result<()> {
    let (w1, w2) = (normal(FEATURES, 16, rng), normal(16, CLASSES, rng));
    // A symmetric positive-definite stretch: gains between 0.3 and 3 along random axes.
    let q = gram_schmidt(normal(FEATURES, FEATURES, rng));
    let gains = Array1::from_shape_fn(FEATURES, |i| 0.3 * 10f64.powf(i as f64 / 7.0));
    let stretch = q.t().dot(&Array2::from_diag(&gains)).dot(&q);
    let z = normal(4000, FEATURES, rng);
    let (xs, ys) = (z.clone(), label(&z, &w1, &w2));
    let z_test = normal(2000, FEATURES, rng);
    let (x_test, y_test) = (z_test.dot(&stretch), label(&z_test, &w1, &w2));
    let x_unlabelled = normal(2000, FEATURES, rng).dot(&stretch);

    let mut results = Vec::new();
    let mut plain = builder(net(&[64, 32], 3)?, 30)?.build()?;
    plain.fit(xs.view(), &ys)?;
    results.push((
        "source model as it is",
        accuracy(&mut plain, &x_test, &y_test)?,
    ));
    let coral = Coral::with_eps(1e-3)?.fit(xs.view(), x_unlabelled.view())?;
    let mut aligned = builder(net(&[64, 32], 3)?, 30)?.build()?;
    aligned.fit(coral.transform(xs.view())?.view(), &ys)?;
    results.push((
        "trained on CORAL-aligned source rows",
        accuracy(&mut aligned, &x_test, &y_test)?,
    ));
    show("2. a stretched domain, no target labels:", &results);
    Ok(())
}

/// 3. Covariate shift: the target lies where the source is sparse.
fn covariate_shift(rng: &mut StdRng) -> Result<()> {
    let (w1, w2) = (normal(FEATURES, 16, rng), normal(16, CLASSES, rng));
    let mut offset = Array1::zeros(FEATURES);
    offset[0] = 1.5;
    offset[1] = -1.5;
    let xs = normal(4000, FEATURES, rng);
    let ys = label(&xs, &w1, &w2);
    let target = |n: usize, rng: &mut StdRng| normal(n, FEATURES, rng) * 0.6 + &offset;
    let x_unlabelled = target(2000, rng);
    let x_test = target(2000, rng);
    let y_test = label(&x_test, &w1, &w2);

    let mut results = Vec::new();
    let mut plain = builder(net(&[6], 4)?, 40)?.build()?;
    plain.fit(xs.view(), &ys)?;
    results.push((
        "small network, source rows as they are",
        accuracy(&mut plain, &x_test, &y_test)?,
    ));
    let weighting = ImportanceWeighting::new().fit(xs.view(), x_unlabelled.view())?;
    let w = weighting.weights(xs.view())?;
    let mut weighted = builder(net(&[6], 4)?, 40)?.build()?;
    weighted.fit_weighted(xs.view(), &ys, w.view())?;
    results.push((
        "small network, importance-weighted rows",
        accuracy(&mut weighted, &x_test, &y_test)?,
    ));
    show(
        "3. covariate shift (the same rule, rows elsewhere):",
        &results,
    );
    let capped = w.iter().filter(|&&v| v >= 10.0).count();
    println!(
        "  importance weights: mean {:.2}, max {:.2}, {capped} of {} at the cap of 10",
        w.mean().unwrap_or(0.0),
        w.fold(0.0f64, |m, &v| m.max(v)),
        w.len()
    );
    Ok(())
}

/// An orthogonal matrix from the columns of `a` (classical Gram–Schmidt).
fn gram_schmidt(a: Array2<f64>) -> Array2<f64> {
    let mut q = a;
    let n = q.ncols();
    for j in 0..n {
        for k in 0..j {
            let dot = q.column(j).dot(&q.column(k));
            let qk = q.column(k).to_owned();
            q.column_mut(j).scaled_add(-dot, &qk);
        }
        let norm = q.column(j).dot(&q.column(j)).sqrt();
        q.column_mut(j).mapv_inplace(|v| v / norm);
    }
    q
}

fn main() -> Result<()> {
    let mut rng = StdRng::seed_from_u64(16);
    new_task(&mut rng)?;
    stretched_domain(&mut rng)?;
    covariate_shift(&mut rng)?;
    Ok(())
}
