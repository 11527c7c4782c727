//! No false alarms on clean real data: the five small data sets shipped inside scikit-learn
//! (breast cancer, wine, digits, iris, diabetes; exported by
//! `scripts/reference/export_sklearn_datasets.py`), each trained sensibly (standardised
//! features, a one-hidden-layer ReLU network, Adam, a validation split with early stopping),
//! must give no doctor finding above `Info`, whether the doctor reads the run alone or the
//! run with a held-out test set.
//!
//! Their features are what real data looks like: heavy tails (breast cancer's areas), bounded
//! integer pixels with constant border columns (digits), counts and codes (diabetes' `sex`).

use ndarray::{Array2, Axis};
use tuneup::data::{
    read_csv_path, train_test_split_indices, CsvOptions, LabelColumn, StandardScaler,
};
use tuneup::diagnostics::doctor::{Diagnosis, Severity};
use tuneup::optim::EarlyStoppingConfig;
use tuneup::prelude::*;
use tuneup::train::Trainer;

fn path(name: &str) -> String {
    format!(
        "{}/tests/fixtures/sklearn_datasets/{name}.csv",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn trainer(inputs: usize, outputs: usize, loss: impl Loss<f64> + 'static) -> Trainer<f64> {
    Trainer::builder()
        .model(
            Mlp::new(&[inputs, 64, outputs])
                .activation(Activation::Relu)
                .seed(1)
                .build::<f64>()
                .unwrap(),
        )
        .loss(loss)
        .optimizer(Adam::new(1e-3).unwrap())
        .preprocess(StandardScaler::new())
        .epochs(300)
        .batch_size(32)
        .seed(2)
        .validation_split(0.2)
        .early_stopping(EarlyStoppingConfig {
            patience: 20,
            restore_best_weights: true,
            ..Default::default()
        })
        .build()
        .unwrap()
}

fn assert_quiet(name: &str, diagnosis: &Diagnosis) {
    let loud: Vec<_> = diagnosis
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .collect();
    assert!(loud.is_empty(), "{name}: false alarms\n{diagnosis}");
}

fn classification(name: &str) {
    let data =
        read_csv_path::<f64>(path(name), &CsvOptions::classification(LabelColumn::Last)).unwrap();
    let (x, y) = (data.features().to_owned(), data.labels().unwrap().to_vec());
    let (train, test) = train_test_split_indices(x.nrows(), 0.25, Some(&y), 3).unwrap();
    let pick = |rows: &[usize]| {
        (
            x.select(Axis(0), rows),
            rows.iter().map(|&i| y[i]).collect::<Vec<_>>(),
        )
    };
    let ((xt, yt), (xs, ys)) = (pick(&train), pick(&test));
    let mut t = trainer(x.ncols(), data.n_classes().unwrap(), CrossEntropy::new());
    t.fit(xt.view(), &yt).unwrap();
    assert_quiet(name, &t.diagnose(xt.view(), &yt).unwrap());
    assert_quiet(
        name,
        &t.diagnose_with_test(xt.view(), &yt, xs.view(), &ys)
            .unwrap(),
    );
}

#[test]
fn breast_cancer_raises_no_alarm() {
    classification("breast_cancer");
}

#[test]
fn wine_raises_no_alarm() {
    classification("wine");
}

#[test]
fn digits_raises_no_alarm() {
    classification("digits");
}

#[test]
fn iris_raises_no_alarm() {
    classification("iris");
}

#[test]
fn diabetes_raises_no_alarm() {
    let data =
        read_csv_path::<f64>(path("diabetes"), &CsvOptions::regression(LabelColumn::Last)).unwrap();
    let x = data.features().to_owned();
    // The target standardised with the training rows' statistics, as a sensible user does.
    let raw = data.values().unwrap().to_owned();
    let (train, test) = train_test_split_indices(x.nrows(), 0.25, None, 3).unwrap();
    let scaler = StandardScaler::new()
        .fit(&raw.select(Axis(0), &train).view())
        .unwrap();
    let y: Array2<f64> = scaler.transform(&raw.view()).unwrap();
    let (xt, yt) = (x.select(Axis(0), &train), y.select(Axis(0), &train));
    let (xs, ys) = (x.select(Axis(0), &test), y.select(Axis(0), &test));
    let mut t = trainer(x.ncols(), 1, Mse::new());
    t.fit(xt.view(), &yt).unwrap();
    assert_quiet("diabetes", &t.diagnose(xt.view(), &yt).unwrap());
    assert_quiet(
        "diabetes",
        &t.diagnose_with_test(xt.view(), &yt, xs.view(), &ys)
            .unwrap(),
    );
}
