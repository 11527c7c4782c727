//! scikit-learn's convergence rule (`tol`, `n_iter_no_change`) against real `MLPClassifier` /
//! `MLPRegressor` runs: fed scikit-learn's own loss curve (or validation scores, with
//! `early_stopping=True`), `EarlyStopping` with `StoppingRule::ScikitLearn` stops at the epoch
//! scikit-learn stopped at and keeps its best value. Fixture:
//! `scripts/reference/make_stopping_fixtures.py`.

mod common;

use serde_json::Value;
use tuneup::optim::{EarlyStopping, EarlyStoppingConfig, MonitorMode, StoppingRule};

fn cases() -> Vec<Value> {
    let fixture = common::load_fixture("stopping.json");
    fixture["cases"].as_array().unwrap().clone()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The epoch count at which the rule stops (or the curve's length if it never does), and the
/// best value it kept.
fn run(case: &Value, rule: StoppingRule) -> (usize, f64) {
    let early = case["early_stopping"].as_bool().unwrap();
    let (curve, mode) = if early {
        (floats(&case["validation_scores"]), MonitorMode::Max)
    } else {
        (floats(&case["loss_curve"]), MonitorMode::Min)
    };
    let mut stopper = EarlyStopping::new(EarlyStoppingConfig {
        monitor: "monitored".into(),
        mode,
        min_delta: case["tol"].as_f64().unwrap(),
        patience: case["n_iter_no_change"].as_u64().unwrap(),
        rule,
        ..Default::default()
    })
    .unwrap();
    for (epoch, &v) in curve.iter().enumerate() {
        if stopper.observe(epoch, v).unwrap().is_stop() {
            return (epoch + 1, stopper.best_value().unwrap());
        }
    }
    (curve.len(), stopper.best_value().unwrap())
}

#[test]
fn the_scikit_learn_rule_stops_where_scikit_learn_stopped() {
    let all = cases();
    assert_eq!(all.len(), 40);
    let mut stopped_early = 0;
    for case in &all {
        let (n_iter, best) = run(case, StoppingRule::ScikitLearn);
        let what = format!(
            "{} tol={} n_iter_no_change={} early_stopping={} seed={}",
            case["kind"],
            case["tol"],
            case["n_iter_no_change"],
            case["early_stopping"],
            case["seed"]
        );
        assert_eq!(
            n_iter as u64,
            case["n_iter"].as_u64().unwrap(),
            "{what}: n_iter_"
        );
        let expected = if case["early_stopping"].as_bool().unwrap() {
            case["best_validation_score"].as_f64().unwrap()
        } else {
            case["best_loss"].as_f64().unwrap()
        };
        assert_eq!(best, expected, "{what}: best value");
        if n_iter < case["max_iter"].as_u64().unwrap() as usize {
            stopped_early += 1;
        }
    }
    assert!(stopped_early >= 30, "only {stopped_early} runs converged");
}

#[test]
fn the_keras_rule_stops_elsewhere_on_the_same_curves() {
    let differing = cases()
        .iter()
        .filter(|c| run(c, StoppingRule::Keras).0 != run(c, StoppingRule::ScikitLearn).0)
        .count();
    assert!(
        differing >= 10,
        "the rules agree on all but {differing} runs"
    );
}
