//! Noisy labels: 10% of the training labels are flipped, confident learning finds them from
//! out-of-fold predicted probabilities (5-fold training of a Trainer), and training on the
//! cleaned rows, or with a noise-robust loss, is compared with training on the noisy labels.
//! Prints the detector's recall and precision on the flipped rows, the doctor's label-noise
//! finding with its remedies, and the test accuracies.
//!
//! Run with `cargo run --release --example label_noise`.

use ndarray::{Array2, ArrayView2, Axis};
use rand::{Rng, SeedableRng};
use tuneup::data::{
    make_classification, out_of_fold_probabilities, ClassificationConfig, ConfidentLearning,
    StandardScaler,
};
use tuneup::diagnostics::doctor::Doctor;
use tuneup::loss::{GeneralizedCrossEntropy, Loss};
use tuneup::prelude::*;
use tuneup::train::Trainer;

const N_CLASSES: usize = 3;
/// Long enough for the network to start fitting the flipped labels.
const FINAL_EPOCHS: usize = 150;

/// A fresh classifier trained on `(x, y)` with `loss`.
fn train(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    loss: impl Loss<f64> + 'static,
    epochs: usize,
) -> tuneup::Result<Trainer<f64>> {
    let mut t: Trainer<f64> = Trainer::builder()
        .model(
            Mlp::new(&[x.ncols(), 64, 64, N_CLASSES])
                .seed(3)
                .build::<f64>()?,
        )
        .loss(loss)
        .optimizer(Adam::new(3e-3)?)
        .epochs(epochs)
        .batch_size(32)
        .seed(4)
        .build()?;
    t.fit(x, y)?;
    Ok(t)
}

fn accuracy(t: &mut Trainer<f64>, x: &Array2<f64>, y: &[usize]) -> tuneup::Result<f64> {
    let pred = t.predict_classes(x.view())?;
    Ok(pred.iter().zip(y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64)
}

fn main() -> tuneup::Result<()> {
    let data = make_classification::<f64>(&ClassificationConfig {
        n_samples: 1500,
        n_features: 10,
        n_informative: 6,
        n_redundant: 2,
        n_classes: N_CLASSES,
        class_sep: 2.0,
        flip_y: 0.0,
        seed: 7,
        ..ClassificationConfig::default()
    })?;
    let x_all = data.features().to_owned();
    let y_all = data.labels().expect("class labels").to_vec();
    let (n_train, n) = (1000, x_all.nrows());
    let train_rows: Vec<usize> = (0..n_train).collect();
    let test_rows: Vec<usize> = (n_train..n).collect();
    let scaler = StandardScaler::new().fit(&x_all.select(Axis(0), &train_rows).view())?;
    let x = scaler.transform(&x_all.select(Axis(0), &train_rows).view())?;
    let x_test = scaler.transform(&x_all.select(Axis(0), &test_rows).view())?;
    let y_test: Vec<usize> = test_rows.iter().map(|&i| y_all[i]).collect();

    // Flip 10% of the training labels to another class.
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut y = y_all[..n_train].to_vec();
    let mut flipped = vec![false; n_train];
    for i in 0..n_train {
        if rng.random::<f64>() < 0.1 {
            y[i] = (y[i] + rng.random_range(1..N_CLASSES)) % N_CLASSES;
            flipped[i] = true;
        }
    }
    let n_flipped = flipped.iter().filter(|&&f| f).count();

    // Out-of-fold probabilities from 5-fold training, then confident learning.
    let probs = out_of_fold_probabilities(x.view(), &y, 5, 0, |xt, yt, xv| {
        train(xt, yt, CrossEntropy::new(), 40)?.predict_proba(xv)
    })?;
    let found = ConfidentLearning::new().find(&y, probs.view())?;
    let hits = found
        .ranked_issues()
        .iter()
        .filter(|&&i| flipped[i])
        .count();
    let recall = hits as f64 / n_flipped as f64;
    let precision = hits as f64 / found.n_issues().max(1) as f64;
    println!(
        "flipped {n_flipped} of {n_train} labels; flagged {} rows: recall {:.1}%, precision {:.1}%",
        found.n_issues(),
        100.0 * recall,
        100.0 * precision
    );
    println!(
        "estimated noise rate {:.1}% (true {:.1}%)",
        100.0 * found.noise_rate(),
        100.0 * n_flipped as f64 / n_train as f64
    );

    // The doctor reads the same evidence and names the problem with its remedies.
    let history = tuneup::diagnostics::history::History::new("loss", true);
    let diagnosis = Doctor::new(&history)
        .class_labels(&y)
        .label_issues(&found)
        .examine()?;
    print!("{diagnosis}");

    let noisy = accuracy(
        &mut train(x.view(), &y, CrossEntropy::new(), FINAL_EPOCHS)?,
        &x_test,
        &y_test,
    )?;
    let keep = found.clean_rows();
    let y_clean: Vec<usize> = keep.iter().map(|&i| y[i]).collect();
    let x_clean = x.select(Axis(0), &keep);
    let cleaned = accuracy(
        &mut train(x_clean.view(), &y_clean, CrossEntropy::new(), FINAL_EPOCHS)?,
        &x_test,
        &y_test,
    )?;
    let robust = accuracy(
        &mut train(
            x.view(),
            &y,
            GeneralizedCrossEntropy::new(0.7)?,
            FINAL_EPOCHS,
        )?,
        &x_test,
        &y_test,
    )?;
    println!(
        "test accuracy, trained on the noisy labels:        {:.1}%",
        100.0 * noisy
    );
    println!(
        "test accuracy, trained on the cleaned rows:        {:.1}%",
        100.0 * cleaned
    );
    println!(
        "test accuracy, generalized cross-entropy (q=0.7):  {:.1}%",
        100.0 * robust
    );
    Ok(())
}
