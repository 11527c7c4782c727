//! Every documented error of `diagnostics::metrics`, matched on its exact variant.

use ndarray::array;
use tuneup::diagnostics::metrics::*;
use tuneup::Error;

fn is_shape<T: std::fmt::Debug>(r: tuneup::Result<T>) -> bool {
    matches!(r, Err(Error::Shape { .. }))
}
fn is_value<T: std::fmt::Debug>(r: tuneup::Result<T>) -> bool {
    matches!(r, Err(Error::Value { .. }))
}
fn is_non_finite<T: std::fmt::Debug>(r: tuneup::Result<T>) -> bool {
    matches!(r, Err(Error::NonFinite { .. }))
}

const E: &[usize] = &[];
const EF: &[f64] = &[];

#[test]
fn empty_inputs_are_shape_errors() {
    assert!(is_shape(accuracy_score(E, E)));
    assert!(is_shape(balanced_accuracy_score(E, E)));
    assert!(is_shape(precision_score(E, E, Average::Macro)));
    assert!(is_shape(recall_score(E, E, Average::Micro)));
    assert!(is_shape(f1_score(E, E, Average::Binary { pos_label: 1 })));
    assert!(is_shape(precision_recall_fscore_support(E, E, None)));
    assert!(is_shape(confusion_matrix(E, E, None)));
    assert!(is_shape(classification_report(E, E)));
    assert!(is_shape(roc_auc_score(E, EF)));
    assert!(is_shape(average_precision_score(E, EF)));
    assert!(is_shape(log_loss(E, EF)));
    assert!(is_shape(brier_score_loss(E, EF)));
    assert!(is_shape(mean_squared_error(EF, EF)));
    assert!(is_shape(root_mean_squared_error(EF, EF)));
    assert!(is_shape(mean_absolute_error(EF, EF)));
    assert!(is_shape(r2_score(EF, EF)));
    let empty = ndarray::Array2::<f64>::zeros((0, 3));
    assert!(is_shape(log_loss_multiclass(E, empty.view())));
    assert!(is_shape(roc_auc_ovr_score(
        E,
        empty.view(),
        OvrAverage::Macro
    )));
}

#[test]
fn mismatched_lengths_are_shape_errors() {
    let (t, p) = (&[0, 1, 1][..], &[0, 1][..]);
    assert!(is_shape(accuracy_score(t, p)));
    assert!(is_shape(balanced_accuracy_score(t, p)));
    assert!(is_shape(f1_score(t, p, Average::Weighted)));
    assert!(is_shape(confusion_matrix(t, p, None)));
    assert!(is_shape(classification_report(t, p)));
    assert!(is_shape(roc_auc_score(t, &[0.1, 0.2])));
    assert!(is_shape(average_precision_score(t, &[0.1, 0.2])));
    assert!(is_shape(log_loss(t, &[0.1, 0.2])));
    assert!(is_shape(brier_score_loss(t, &[0.1, 0.2])));
    assert!(is_shape(mean_squared_error(&[1.0, 2.0], &[1.0])));
    assert!(is_shape(r2_score(&[1.0, 2.0], &[1.0])));
    let proba = array![[0.5, 0.5], [0.5, 0.5]];
    assert!(is_shape(log_loss_multiclass(t, proba.view())));
    assert!(is_shape(roc_auc_ovr_score(
        t,
        proba.view(),
        OvrAverage::Weighted
    )));
    // The message names the metric and both lengths.
    let msg = accuracy_score(t, p).unwrap_err().to_string();
    assert!(
        msg.contains("accuracy_score") && msg.contains('3') && msg.contains('2'),
        "{msg}"
    );
}

#[test]
fn single_class_in_y_true_is_a_value_error_for_roc_auc() {
    assert!(is_value(roc_auc_score(&[1, 1, 1], &[0.2, 0.5, 0.9])));
    assert!(is_value(roc_auc_score(&[0, 0], &[0.2, 0.5])));
}

#[test]
fn nan_or_infinite_scores_are_non_finite_errors() {
    assert!(is_non_finite(roc_auc_score(&[0, 1], &[0.2, f64::NAN])));
    assert!(is_non_finite(roc_auc_score(&[0, 1], &[f32::INFINITY, 0.1])));
    assert!(is_non_finite(average_precision_score(
        &[0, 1],
        &[f64::NAN, 0.1]
    )));
    assert!(is_non_finite(log_loss(&[0, 1], &[f64::NAN, 0.1])));
    assert!(is_non_finite(brier_score_loss(&[0, 1], &[0.3, f64::NAN])));
    assert!(is_non_finite(mean_squared_error(&[f64::NAN], &[1.0])));
    assert!(is_non_finite(mean_absolute_error(
        &[1.0],
        &[f64::NEG_INFINITY]
    )));
    assert!(is_non_finite(r2_score(&[1.0, 2.0], &[1.0, f64::NAN])));
    let proba = array![[0.5, 0.5], [f64::NAN, 0.5]];
    assert!(is_non_finite(log_loss_multiclass(&[0, 1], proba.view())));
    assert!(is_non_finite(roc_auc_ovr_score(
        &[0, 1],
        proba.view(),
        OvrAverage::Macro
    )));
    let msg = roc_auc_score(&[0, 1], &[0.2, f64::NAN])
        .unwrap_err()
        .to_string();
    assert!(msg.contains("scores[1] = NaN"), "{msg}");
}

#[test]
fn probability_matrix_width_must_match_the_classes() {
    // Four classes in y_true, three columns.
    let t = [0, 1, 2, 3];
    let p3 = array![
        [0.8, 0.1, 0.1],
        [0.1, 0.8, 0.1],
        [0.1, 0.1, 0.8],
        [0.3, 0.3, 0.4]
    ];
    assert!(is_shape(roc_auc_ovr_score(
        &t,
        p3.view(),
        OvrAverage::Macro
    )));
    // Three classes in y_true, four columns: class 3 has no positives.
    let p4 = array![
        [0.7, 0.1, 0.1, 0.1],
        [0.1, 0.7, 0.1, 0.1],
        [0.1, 0.1, 0.7, 0.1],
        [0.1, 0.1, 0.7, 0.1]
    ];
    assert!(is_shape(roc_auc_ovr_score(
        &[0, 1, 2, 2],
        p4.view(),
        OvrAverage::Macro
    )));
    // Three distinct classes, three columns, but class 5 is not a column index.
    assert!(is_value(roc_auc_ovr_score(
        &[0, 1, 5, 5],
        p3.view(),
        OvrAverage::Macro
    )));
    // Log loss: a class index beyond the columns, and a single column.
    assert!(is_value(log_loss_multiclass(&t, p3.view())));
    let one = array![[1.0], [1.0]];
    assert!(is_shape(log_loss_multiclass(&[0, 0], one.view())));
    assert!(is_shape(roc_auc_ovr_score(
        &[0, 0],
        one.view(),
        OvrAverage::Macro
    )));
}

#[test]
fn rows_must_be_probabilities() {
    let bad_sum = array![[0.6, 0.6], [0.5, 0.5]];
    assert!(is_value(roc_auc_ovr_score(
        &[0, 1],
        bad_sum.view(),
        OvrAverage::Macro
    )));
    let negative = array![[1.2, -0.2], [0.5, 0.5]];
    assert!(is_value(log_loss_multiclass(&[0, 1], negative.view())));
    assert!(is_value(log_loss(&[0, 1], &[0.5, 1.5])));
    assert!(is_value(brier_score_loss(&[0, 1], &[-0.1, 0.5])));
}

#[test]
fn binary_score_metrics_need_labels_zero_or_one() {
    assert!(is_value(roc_auc_score(&[0, 2], &[0.1, 0.9])));
    assert!(is_value(average_precision_score(&[0, 2], &[0.1, 0.9])));
    assert!(is_value(log_loss(&[0, 2], &[0.1, 0.9])));
    assert!(is_value(brier_score_loss(&[0, 2], &[0.1, 0.9])));
}

#[test]
fn binary_average_rejects_multiclass_targets_and_absent_pos_label() {
    let avg = Average::Binary { pos_label: 1 };
    assert!(is_value(f1_score(&[0, 1, 2], &[0, 1, 1], avg)));
    // Two classes in y_true and y_pred together, neither of them is 1.
    assert!(is_value(precision_score(&[0, 2, 2], &[0, 2, 0], avg)));
    // One class only: a missing pos_label scores 0, as scikit-learn.
    assert_eq!(recall_score(&[2, 2], &[2, 2], avg).unwrap(), 0.0);
}

#[test]
fn given_labels_must_be_usable() {
    let (t, p) = ([0, 1, 1], [0, 1, 0]);
    assert!(is_value(confusion_matrix(&t, &p, Some(&[]))));
    assert!(is_value(confusion_matrix(&t, &p, Some(&[1, 0, 1]))));
    assert!(is_value(confusion_matrix(&t, &p, Some(&[5, 6]))));
    assert!(is_value(precision_recall_fscore_support(&t, &p, Some(&[]))));
    assert!(is_value(precision_recall_fscore_support(
        &t,
        &p,
        Some(&[0, 0])
    )));
}

#[test]
fn r2_needs_two_samples_and_report_names_must_match() {
    assert!(is_value(r2_score(&[1.0], &[1.0])));
    let r = classification_report(&[0, 1], &[0, 1]).unwrap();
    assert!(is_shape(r.with_target_names(&["only one"])));
}

#[test]
fn zero_division_counts_as_zero_without_error() {
    // Class 2 is never predicted and class 3 never true.
    let s = precision_recall_fscore_support(&[0, 1, 2], &[0, 1, 3], None).unwrap();
    assert_eq!(s.labels, vec![0, 1, 2, 3]);
    assert_eq!(s.precision, vec![1.0, 1.0, 0.0, 0.0]);
    assert_eq!(s.recall, vec![1.0, 1.0, 0.0, 0.0]);
    assert_eq!(s.f1, vec![1.0, 1.0, 0.0, 0.0]);
    // No positive at all: average precision is 0, as scikit-learn.
    assert_eq!(average_precision_score(&[0, 0], &[0.3, 0.4]).unwrap(), 0.0);
}

#[test]
fn report_rounds_exact_ties_like_python() {
    // Precision of class 1 is 1/8 = 0.125 exactly: Python prints 0.12 (round half to even).
    let t = [0, 0, 0, 0, 0, 0, 0, 1, 1];
    let p = [1, 1, 1, 1, 1, 1, 1, 1, 0];
    let r = classification_report(&t, &p).unwrap();
    assert_eq!(r.per_class().precision[1], 0.125);
    assert!(
        r.to_string().contains("           1       0.12      0.50"),
        "{r}"
    );
}
