//! Defective data — missing values, outliers and a 1:20 class imbalance — diagnosed, then
//! treated: imputation, outlier clipping, scaling and SMOTE (or ADASYN), fitted on the training
//! split only. Prints the minority class's recall and F1 and the balanced accuracy before and
//! after.
//!
//! Run with `cargo run --release --example data_defects`.

use ndarray::{Array2, Axis};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tuneup::data::{
    drop_rows_with_missing, duplicate_rows, make_classification, missing_report, Adasyn,
    ClassificationConfig, ImputeStrategy, OutlierDetector, OutlierMethod, SimpleImputer, Smote,
    StandardScaler,
};
use tuneup::diagnostics::metrics::{balanced_accuracy_score, f1_score, recall_score, Average};
use tuneup::prelude::*;

/// Minority recall and F1, and balanced accuracy, on the test split.
struct Scores {
    recall: f64,
    f1: f64,
    balanced_accuracy: f64,
}

/// Trains a small classifier with mini-batch Adam and scores it on the test split.
fn fit_and_score(
    x: &Array2<f64>,
    y: &[usize],
    x_test: &Array2<f64>,
    y_test: &[usize],
) -> tuneup::Result<Scores> {
    let mut net = Mlp::new(&[x.ncols(), 32, 2]).seed(1).build::<f64>()?;
    let loss = CrossEntropy::new();
    let mut adam = Adam::new(5e-3)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(2);
    let mut order: Vec<usize> = (0..x.nrows()).collect();
    let mut grad = Array2::zeros((0, 0));
    for _epoch in 0..40 {
        order.shuffle(&mut rng);
        for chunk in order.chunks(64) {
            let xb = x.select(Axis(0), chunk);
            let yb: Vec<usize> = chunk.iter().map(|&i| y[i]).collect();
            net.zero_grad();
            let out = net.forward(xb.view(), Mode::Train)?;
            loss.value_and_grad(out, yb.as_slice().into(), &mut grad)?;
            net.backward_parameters(grad.view())?;
            adam.step(&mut net)?;
        }
    }
    let logits = net.predict(x_test.view())?;
    let pred: Vec<usize> = logits
        .rows()
        .into_iter()
        .map(|r| usize::from(r[1] > r[0]))
        .collect();
    let minority = Average::Binary { pos_label: 1 };
    Ok(Scores {
        recall: recall_score(y_test, &pred, minority)?,
        f1: f1_score(y_test, &pred, minority)?,
        balanced_accuracy: balanced_accuracy_score(y_test, &pred)?,
    })
}

fn print_scores(label: &str, s: &Scores) {
    println!(
        "{label:<44} minority recall {:.3}   minority F1 {:.3}   balanced accuracy {:.3}",
        s.recall, s.f1, s.balanced_accuracy
    );
}

fn main() -> tuneup::Result<()> {
    // 4000 samples, 8 features, 1:20 imbalance.
    let data = make_classification::<f64>(&ClassificationConfig {
        n_samples: 4000,
        n_features: 8,
        n_informative: 5,
        n_redundant: 2,
        weights: Some(vec![20.0 / 21.0, 1.0 / 21.0]),
        class_sep: 0.8,
        seed: 3,
        ..Default::default()
    })?;
    let (train, test) = data.train_test_split(0.25, true, 4)?;
    let (mut x, y) = (
        train.features().to_owned(),
        train.labels().unwrap().to_vec(),
    );
    let (mut x_test, y_test) = (test.features().to_owned(), test.labels().unwrap().to_vec());

    // Defects: 6% of cells missing, 1% wild outliers (×40), in both splits.
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    for m in [&mut x, &mut x_test] {
        for v in m.iter_mut() {
            let u: f64 = rng.random();
            if u < 0.06 {
                *v = f64::NAN;
            } else if u < 0.07 {
                *v *= 40.0;
            }
        }
    }

    println!("== data report (training split) ==");
    let report = missing_report(&x.view());
    println!(
        "rows {}, rows with a missing value {} ({:.1}%)",
        report.n_rows,
        report.rows_with_missing,
        100.0 * report.rows_with_missing as f64 / report.n_rows as f64
    );
    println!("missing per column: {:?}", report.missing_per_column);
    let detector = OutlierDetector::new(OutlierMethod::iqr())?.fit(&x.view())?;
    println!(
        "IQR-fence outliers per column: {:?}",
        detector.counts(&x.view())?
    );
    let counts = train.class_counts().unwrap();
    println!(
        "class counts: {counts:?} (1:{:.0})",
        counts[0] as f64 / counts[1] as f64
    );
    println!(
        "duplicate rows: {}",
        duplicate_rows(&x.view()).duplicates().len()
    );

    println!("\n== without treatment ==");
    println!("(NaN cannot be trained on: the rows with a missing value are dropped)");
    let kept = drop_rows_with_missing(&x.view(), 0.0)?;
    let y_kept: Vec<usize> = kept.kept.iter().map(|&i| y[i]).collect();
    let kept_test = drop_rows_with_missing(&x_test.view(), 0.0)?;
    let y_kept_test: Vec<usize> = kept_test.kept.iter().map(|&i| y_test[i]).collect();
    let before = fit_and_score(&kept.data, &y_kept, &kept_test.data, &y_kept_test)?;
    print_scores("dropped rows, raw features", &before);

    println!("\n== treated (every step fitted on the training split only) ==");
    let imputer = SimpleImputer::new(ImputeStrategy::Median)?.fit(&x.view())?;
    let (xi, xi_test) = (
        imputer.transform(&x.view())?,
        imputer.transform(&x_test.view())?,
    );
    let clipper = OutlierDetector::new(OutlierMethod::iqr())?.fit(&xi.view())?;
    let (xc, xc_test) = (clipper.clip(&xi.view())?, clipper.clip(&xi_test.view())?);
    let scaler = StandardScaler::new().fit(&xc.view())?;
    let (xs, xs_test) = (
        scaler.transform(&xc.view())?,
        scaler.transform(&xc_test.view())?,
    );
    let cleaned = fit_and_score(&xs, &y, &xs_test, &y_test)?;
    print_scores("impute + clip + scale", &cleaned);

    let smote = Smote::new().seed(6).fit_resample(&xs.view(), &y)?;
    let after_smote = fit_and_score(&smote.x, &smote.y, &xs_test, &y_test)?;
    print_scores("impute + clip + scale + SMOTE", &after_smote);

    let adasyn = Adasyn::new().seed(6).fit_resample(&xs.view(), &y)?;
    let after_adasyn = fit_and_score(&adasyn.x, &adasyn.y, &xs_test, &y_test)?;
    print_scores("impute + clip + scale + ADASYN", &after_adasyn);

    println!(
        "\nminority recall {:.3} → {:.3} with SMOTE; balanced accuracy {:.3} → {:.3}",
        before.recall, after_smote.recall, before.balanced_accuracy, after_smote.balanced_accuracy
    );
    println!(
        "(oversampling buys minority recall with precision: F1 can fall while balanced accuracy \
         rises; pick by what a missed minority case costs)"
    );
    Ok(())
}
