//! Did the tuning really help? Two configurations of an MLP compared with paired tests.
//!
//! Data: 600 noisy two-moons points (noise 0.3). Configuration A is an untuned network (one
//! hidden layer of 2 units, 30 epochs); configuration B is the tuned one (32 units, up to 300
//! epochs). They are compared three ways:
//!
//! 1. Dietterich's 5×2cv paired t-test and Alpaydin's combined F-test, both configurations
//!    fitted on the same 10 folds (`run_5x2cv`);
//! 2. McNemar's test on one held-out test set (400 train / 200 test), exact and χ²;
//! 3. a seeded bootstrap interval of the accuracy difference on that test set.
//!
//! A last comparison pits B against a copy of itself with another initialisation seed, to show
//! how large a seed-to-seed difference is next to the tuning effect. Each comparison prints its
//! one-line report. The t statistic is printed as the tests compute it, on `a − b` (mlxtend's
//! sign), so a negative t goes with "B is better".
//!
//! Run with `cargo run --release --example compare`.

use tuneup::data::{make_moons, train_test_split_indices, MoonsConfig};
use tuneup::ndarray::{Array2, Axis};
use tuneup::train::estimators::MlpClassifier;
use tuneup::tune::*;

fn main() -> tuneup::Result<()> {
    let data = make_moons::<f64>(&MoonsConfig {
        n_samples: 600,
        noise: 0.3,
        shuffle: true,
        seed: 1,
    })?;
    let x = data.features().to_owned();
    let y = data.labels().unwrap_or_default().to_vec();
    let untuned = MlpClassifier::new()
        .hidden_layer_sizes(&[2])
        .max_iter(30)
        .random_state(0);
    let tuned = MlpClassifier::new()
        .hidden_layer_sizes(&[32])
        .max_iter(300)
        .random_state(0);

    // 1. 5×2cv on the same folds.
    let (a, b) = run_5x2cv(
        x.nrows(),
        7,
        fit_score(&x, &y, &untuned),
        fit_score(&x, &y, &tuned),
    )?;
    let diffs = differences(&a, &b);
    let ci = bootstrap_ci(&diffs, &BootstrapSettings::new().seed(3))?;
    for test in [paired_ttest_5x2cv(&a, &b)?, combined_ftest_5x2cv(&a, &b)?] {
        let report = Comparison::new(test, &diffs)?
            .metric("accuracy")
            .points()
            .interval(ci);
        println!("5×2cv, untuned vs tuned:   {report}");
    }

    // 2. and 3. One held-out test set: McNemar and a bootstrap of per-sample correctness.
    let (train, test) = train_test_split_indices(x.nrows(), 1.0 / 3.0, None, 11)?;
    let pred_a = fit_predict(&x, &y, &untuned, &train, &test)?;
    let pred_b = fit_predict(&x, &y, &tuned, &train, &test)?;
    let y_test = pick(&y, &test);
    let table = mcnemar_table(&y_test, &pred_a, &pred_b)?;
    println!(
        "McNemar table {:?} (b: only untuned right, c: only tuned right)",
        table.counts()
    );
    let per_sample = correctness_differences(&y_test, &pred_a, &pred_b)?;
    let settings = BootstrapSettings::new().method(CiMethod::Bca).seed(5);
    let ci = bootstrap_ci(&per_sample, &settings)?;
    for method in [McnemarMethod::Exact, McnemarMethod::default()] {
        let report = Comparison::new(mcnemar(&table, method)?, &per_sample)?
            .metric("accuracy")
            .points()
            .interval(ci);
        println!("held-out, untuned vs tuned: {report}");
    }

    // A null comparison: the tuned settings against themselves with another seed.
    let reseeded = tuned.clone().random_state(1);
    let (a, b) = run_5x2cv(
        x.nrows(),
        7,
        fit_score(&x, &y, &tuned),
        fit_score(&x, &y, &reseeded),
    )?;
    let diffs = differences(&a, &b);
    let ci = bootstrap_ci(&diffs, &BootstrapSettings::new().seed(3))?;
    let report = Comparison::new(paired_ttest_5x2cv(&a, &b)?, &diffs)?
        .names("seed 0", "seed 1")
        .metric("accuracy")
        .points()
        .interval(ci);
    println!("5×2cv, tuned vs reseeded:  {report}");
    Ok(())
}

/// The per-fold differences `b − a` of two 5×2 score matrices.
fn differences(a: &[[f64; 2]], b: &[[f64; 2]]) -> Vec<f64> {
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| [y[0] - x[0], y[1] - x[1]])
        .collect()
}

fn pick(y: &[usize], rows: &[usize]) -> Vec<usize> {
    rows.iter().map(|&i| y[i]).collect()
}

/// A fit-and-score closure for `run_5x2cv`: fit `model` on the training rows, return its
/// accuracy on the test rows.
fn fit_score<'a>(
    x: &'a Array2<f64>,
    y: &'a [usize],
    model: &'a MlpClassifier,
) -> impl FnMut(&[usize], &[usize]) -> tuneup::Result<f64> + 'a {
    move |train, test| {
        let mut fitted = model.fit(x.select(Axis(0), train).view(), &pick(y, train))?;
        fitted.score(x.select(Axis(0), test).view(), &pick(y, test))
    }
}

fn fit_predict(
    x: &Array2<f64>,
    y: &[usize],
    model: &MlpClassifier,
    train: &[usize],
    test: &[usize],
) -> tuneup::Result<Vec<usize>> {
    let mut fitted = model.fit(x.select(Axis(0), train).view(), &pick(y, train))?;
    fitted.predict(x.select(Axis(0), test).view())
}
