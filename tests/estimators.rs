//! `MlpClassifier` / `MlpRegressor` against scikit-learn's `MLPClassifier` / `MLPRegressor`
//! with the same settings on the same splits (fixture:
//! `scripts/reference/make_estimator_fixtures.py`): the same stopping rule, loss curves of the
//! same shape and size, test scores as good, and labels that round-trip.

mod common;

use ndarray::Array2;
use serde_json::Value;
use tuneup::optim::{EarlyStopping, EarlyStoppingConfig, MonitorMode, StoppingRule};
use tuneup::train::estimators::{MlpClassifier, MlpRegressor};

fn cases() -> Vec<Value> {
    common::load_fixture("estimators.json")["cases"]
        .as_array()
        .unwrap()
        .clone()
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    let cols = rows[0].len();
    Array2::from_shape_vec((rows.len(), cols), rows.concat()).unwrap()
}

fn column(v: &Value) -> Array2<f64> {
    let values: Vec<f64> = serde_json::from_value(v.clone()).unwrap();
    Array2::from_shape_vec((values.len(), 1), values).unwrap()
}

/// The epoch at which scikit-learn's rule stops on `curve` (tol 1e-4, 10 epochs), if it does.
fn rule_stop(curve: &[f64]) -> Option<usize> {
    let mut es = EarlyStopping::new(EarlyStoppingConfig {
        monitor: "loss".into(),
        mode: MonitorMode::Min,
        min_delta: 1e-4,
        patience: 10,
        rule: StoppingRule::ScikitLearn,
        ..Default::default()
    })
    .unwrap();
    (0..curve.len()).find(|&e| es.observe(e, curve[e]).unwrap().is_stop())
}

/// Our run stopped where the rule says, or ran out of epochs.
fn check_stopping(curve: &[f64], what: &str) {
    match rule_stop(curve) {
        Some(e) => assert_eq!(e + 1, curve.len(), "{what}: stopped at the rule's epoch"),
        None => assert_eq!(curve.len(), 200, "{what}: ran to max_iter"),
    }
}

/// Loss curves of the same behaviour: falling overall, and within a factor of scikit-learn's
/// at the end.
fn check_curve(ours: &[f64], theirs: &[f64], what: &str) {
    assert!(ours.last().unwrap() < &ours[0], "{what}: the loss fell");
    let ratio = ours.last().unwrap() / theirs.last().unwrap();
    assert!(
        (0.25..4.0).contains(&ratio),
        "{what}: final loss ratio {ratio}"
    );
    let len = ours.len() as f64 / theirs.len() as f64;
    assert!(
        (0.2..5.0).contains(&len),
        "{what}: {} epochs against {}",
        ours.len(),
        theirs.len()
    );
}

#[test]
fn the_classifier_behaves_as_scikit_learns() {
    for case in cases().iter().filter(|c| c["kind"] == "classifier") {
        let what = format!("{} classes", case["n_classes"]);
        let (x, xt) = (matrix(&case["x_train"]), matrix(&case["x_test"]));
        let y: Vec<i64> = serde_json::from_value(case["y_train"].clone()).unwrap();
        let yt: Vec<i64> = serde_json::from_value(case["y_test"].clone()).unwrap();
        let fit = |seed: u64| {
            MlpClassifier::new()
                .hidden_layer_sizes(&[32])
                .learning_rate_init(0.01)
                .random_state(seed)
                .fit(x.view(), &y)
                .unwrap()
        };
        let mut fitted = fit(case["seed"].as_u64().unwrap());
        let theirs: Vec<f64> = serde_json::from_value(case["loss_curve"].clone()).unwrap();
        check_stopping(fitted.loss_curve(), &what);
        check_curve(fitted.loss_curve(), &theirs, &what);
        let mean = (0..5)
            .map(|s| fit(s).score(xt.view(), &yt).unwrap())
            .sum::<f64>()
            / 5.0;
        let reference = mean_of(&case["test_scores_seeds_0_to_4"]);
        assert!(
            mean >= reference - 0.03,
            "{what}: mean test accuracy {mean} against {reference}"
        );
        let p = fitted.predict_proba(xt.view()).unwrap();
        assert_eq!(p.ncols(), case["n_classes"].as_u64().unwrap() as usize);
        assert!(p.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-9));
    }
}

#[test]
fn the_regressor_behaves_as_scikit_learns() {
    let case = cases()
        .into_iter()
        .find(|c| c["kind"] == "regressor")
        .unwrap();
    let (x, xt) = (matrix(&case["x_train"]), matrix(&case["x_test"]));
    let (y, yt) = (column(&case["y_train"]), column(&case["y_test"]));
    let mut fitted = MlpRegressor::new()
        .hidden_layer_sizes(&[32])
        .learning_rate_init(0.01)
        .random_state(2)
        .fit(x.view(), &y.view())
        .unwrap();
    let theirs: Vec<f64> = serde_json::from_value(case["loss_curve"].clone()).unwrap();
    check_stopping(fitted.loss_curve(), "regressor");
    assert!(
        fitted.n_iter() < 200,
        "converged before max_iter, as scikit-learn did"
    );
    check_curve(fitted.loss_curve(), &theirs, "regressor");
    let score = fitted.score(xt.view(), &yt.view()).unwrap();
    let reference = mean_of(&case["test_scores_seeds_0_to_4"]);
    assert!(
        score >= reference - 0.03,
        "test R² {score} against a mean of {reference}"
    );
    assert_eq!(
        fitted.best_loss(),
        fitted
            .loss_curve()
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
    );
}

#[test]
fn labels_of_any_type_round_trip_and_bad_input_is_an_error() {
    let x = Array2::from_shape_fn((90, 2), |(i, j)| ((i * 3 + j * 5) as f64 * 0.41).sin());
    let names = ["setosa", "versicolor", "virginica"];
    let y: Vec<&str> = (0..90).map(|i| names[i % 3]).collect();
    let mut fitted = MlpClassifier::new()
        .hidden_layer_sizes(&[8])
        .max_iter(5)
        .fit(x.view(), &y)
        .unwrap();
    assert_eq!(fitted.classes(), &names);
    assert!(fitted
        .predict(x.view())
        .unwrap()
        .iter()
        .all(|l| names.contains(l)));
    let y_int: Vec<i32> = (0..90).map(|i| [-7, 3, 1000][i % 3]).collect();
    let fitted = MlpClassifier::new()
        .max_iter(3)
        .fit(x.view(), &y_int)
        .unwrap();
    assert_eq!(fitted.classes(), &[-7, 3, 1000]);
    // One class only, a label unseen at fit, mismatched rows, a bad setting.
    assert!(matches!(
        MlpClassifier::new().fit(x.view(), &vec!["a"; 90]),
        Err(tuneup::Error::Value { .. })
    ));
    assert!(matches!(
        fitted_score_with_unseen(&x),
        Err(tuneup::Error::Value { .. })
    ));
    assert!(matches!(
        MlpClassifier::new().fit(x.view(), &y[..80]),
        Err(tuneup::Error::Shape { .. })
    ));
    assert!(matches!(
        MlpClassifier::new().alpha(-1.0).fit(x.view(), &y),
        Err(tuneup::Error::Config { .. })
    ));
}

fn mean_of(v: &Value) -> f64 {
    let values: Vec<f64> = serde_json::from_value(v.clone()).unwrap();
    values.iter().sum::<f64>() / values.len() as f64
}

fn fitted_score_with_unseen(x: &Array2<f64>) -> tuneup::Result<f64> {
    let y: Vec<u8> = (0..90).map(|i| (i % 2) as u8).collect();
    let mut fitted = MlpClassifier::new().max_iter(2).fit(x.view(), &y)?;
    let unseen: Vec<u8> = (0..90).map(|i| (i % 3) as u8).collect();
    fitted.score(x.view(), &unseen)
}
