//! Parity of `diagnostics::metrics` with scikit-learn: every metric on every case of
//! `tests/fixtures/metrics.json` (written by `scripts/reference/make_metric_fixtures.py`)
//! matches to 1e-12 relative (1e-14 absolute near zero); counts, supports and confusion
//! matrices match exactly, and the classification report text matches character for
//! character.

mod common;

use ndarray::Array2;
use serde_json::Value;
use tuneup::diagnostics::metrics::*;

const RTOL: f64 = 1e-12;
const ATOL: f64 = 1e-14;

fn close(got: f64, want: &Value, what: &str) {
    let want = want
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: no reference value"));
    common::assert_close_slices(&[got], &[want], RTOL, ATOL, what);
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("a list of labels")
        .iter()
        .map(|x| x.as_u64().expect("a label") as usize)
        .collect()
}

fn counts(v: &Value) -> Array2<u64> {
    common::array2(v).mapv(|x| x as u64)
}

fn check_per_class(s: &ClassScores, want: &Value, labels: &[usize], name: &str) {
    assert_eq!(s.labels, labels, "{name}: labels");
    for (field, got) in [
        ("precision", &s.precision),
        ("recall", &s.recall),
        ("f1", &s.f1),
    ] {
        let w = common::array1(&want[field]);
        common::assert_close_slices(
            got,
            w.as_slice().unwrap(),
            RTOL,
            ATOL,
            &format!("{name}: {field}"),
        );
    }
    assert_eq!(s.support, usizes(&want["support"]), "{name}: support");
}

fn check_label_metrics(c: &Value) {
    let name = c["name"].as_str().unwrap();
    let (t, p) = (usizes(&c["y_true"]), usizes(&c["y_pred"]));
    close(
        accuracy_score(&t, &p).unwrap(),
        &c["accuracy"],
        &format!("{name}: accuracy"),
    );
    close(
        balanced_accuracy_score(&t, &p).unwrap(),
        &c["balanced_accuracy"],
        &format!("{name}: balanced accuracy"),
    );
    for (key, avg) in [
        ("micro", Average::Micro),
        ("macro", Average::Macro),
        ("weighted", Average::Weighted),
    ] {
        close(
            precision_score(&t, &p, avg).unwrap(),
            &c[format!("precision_{key}")],
            &format!("{name}: precision {key}"),
        );
        close(
            recall_score(&t, &p, avg).unwrap(),
            &c[format!("recall_{key}")],
            &format!("{name}: recall {key}"),
        );
        close(
            f1_score(&t, &p, avg).unwrap(),
            &c[format!("f1_{key}")],
            &format!("{name}: f1 {key}"),
        );
        let all = precision_recall_f1(&t, &p, avg).unwrap();
        close(
            all.f1,
            &c[format!("f1_{key}")],
            &format!("{name}: f1 {key} (all three)"),
        );
    }

    let labels = usizes(&c["confusion_labels"]);
    let cm = confusion_matrix(&t, &p, None).unwrap();
    assert_eq!(cm.labels(), labels.as_slice(), "{name}: confusion labels");
    assert_eq!(
        cm.counts(),
        &counts(&c["confusion"]),
        "{name}: confusion matrix"
    );
    let s = precision_recall_fscore_support(&t, &p, None).unwrap();
    check_per_class(&s, &c["per_class"], &labels, name);

    let given = usizes(&c["given_labels"]);
    let cm = confusion_matrix(&t, &p, Some(&given)).unwrap();
    assert_eq!(cm.labels(), given.as_slice());
    assert_eq!(
        cm.counts(),
        &counts(&c["confusion_given"]),
        "{name}: confusion, given labels"
    );
    let s = precision_recall_fscore_support(&t, &p, Some(&given)).unwrap();
    check_per_class(
        &s,
        &c["per_class_given"],
        &given,
        &format!("{name} (given labels)"),
    );

    let report = classification_report(&t, &p).unwrap();
    assert_eq!(
        report.to_string(),
        c["report"].as_str().unwrap(),
        "{name}: report"
    );
    assert_eq!(
        report.with_digits(3).to_string(),
        c["report_3"].as_str().unwrap(),
        "{name}: report, 3 digits"
    );
}

#[test]
fn fixture_is_from_scikit_learn_1_9() {
    let f = common::load_fixture("metrics.json");
    assert!(f["sklearn_version"].as_str().unwrap().starts_with("1.9"));
    assert_eq!(f["classification"].as_array().unwrap().len(), 8);
}

#[test]
fn label_metrics_match_scikit_learn() {
    let f = common::load_fixture("metrics.json");
    for c in f["classification"].as_array().unwrap() {
        check_label_metrics(c);
    }
}

#[test]
fn binary_metrics_match_scikit_learn() {
    let f = common::load_fixture("metrics.json");
    let mut seen = 0;
    for c in f["classification"].as_array().unwrap() {
        if c["kind"] != "binary" {
            continue;
        }
        seen += 1;
        let name = c["name"].as_str().unwrap();
        let (t, p) = (usizes(&c["y_true"]), usizes(&c["y_pred"]));
        for pos in [0, 1] {
            let avg = Average::Binary { pos_label: pos };
            close(
                precision_score(&t, &p, avg).unwrap(),
                &c[format!("precision_binary_{pos}")],
                &format!("{name}: precision, pos_label {pos}"),
            );
            close(
                recall_score(&t, &p, avg).unwrap(),
                &c[format!("recall_binary_{pos}")],
                &format!("{name}: recall, pos_label {pos}"),
            );
            close(
                f1_score(&t, &p, avg).unwrap(),
                &c[format!("f1_binary_{pos}")],
                &format!("{name}: f1, pos_label {pos}"),
            );
        }
        let scores = common::array1(&c["scores"]).to_vec();
        let proba = common::array1(&c["proba"]).to_vec();
        close(
            roc_auc_score(&t, &scores).unwrap(),
            &c["roc_auc"],
            &format!("{name}: roc auc"),
        );
        close(
            average_precision_score(&t, &scores).unwrap(),
            &c["average_precision"],
            &format!("{name}: average precision"),
        );
        close(
            log_loss(&t, &proba).unwrap(),
            &c["log_loss"],
            &format!("{name}: log loss"),
        );
        close(
            brier_score_loss(&t, &proba).unwrap(),
            &c["brier"],
            &format!("{name}: brier"),
        );
    }
    assert_eq!(seen, 3);
}

#[test]
fn probability_matrix_metrics_match_scikit_learn() {
    let f = common::load_fixture("metrics.json");
    let mut seen = 0;
    for c in f["classification"].as_array().unwrap() {
        if c.get("proba").is_none() || c["kind"] != "multiclass" {
            continue;
        }
        let name = c["name"].as_str().unwrap();
        let t = usizes(&c["y_true"]);
        let proba = common::array2(&c["proba"]);
        close(
            log_loss_multiclass(&t, proba.view()).unwrap(),
            &c["log_loss"],
            &format!("{name}: log loss"),
        );
        if c.get("roc_auc_ovr_macro").is_some() {
            seen += 1;
            close(
                roc_auc_ovr_score(&t, proba.view(), OvrAverage::Macro).unwrap(),
                &c["roc_auc_ovr_macro"],
                &format!("{name}: roc auc ovr macro"),
            );
            close(
                roc_auc_ovr_score(&t, proba.view(), OvrAverage::Weighted).unwrap(),
                &c["roc_auc_ovr_weighted"],
                &format!("{name}: roc auc ovr weighted"),
            );
        }
    }
    assert_eq!(seen, 4);
}

#[test]
fn regression_metrics_match_scikit_learn() {
    let f = common::load_fixture("metrics.json");
    for c in f["regression"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let t = common::array1(&c["y_true"]).to_vec();
        let p = common::array1(&c["y_pred"]).to_vec();
        close(
            mean_squared_error(&t, &p).unwrap(),
            &c["mse"],
            &format!("{name}: mse"),
        );
        close(
            root_mean_squared_error(&t, &p).unwrap(),
            &c["rmse"],
            &format!("{name}: rmse"),
        );
        close(
            mean_absolute_error(&t, &p).unwrap(),
            &c["mae"],
            &format!("{name}: mae"),
        );
        close(r2_score(&t, &p).unwrap(), &c["r2"], &format!("{name}: r2"));
    }
}

#[test]
fn f32_inputs_give_the_f64_result_of_the_widened_values() {
    let f = common::load_fixture("metrics.json");
    let c = &f["classification"][0];
    let t = usizes(&c["y_true"]);
    let scores32: Vec<f32> = common::array1(&c["scores"])
        .iter()
        .map(|&x| x as f32)
        .collect();
    let widened: Vec<f64> = scores32.iter().map(|&x| x as f64).collect();
    assert_eq!(
        roc_auc_score(&t, &scores32).unwrap(),
        roc_auc_score(&t, &widened).unwrap()
    );
}
