//! Every pre-flight check triggers on the mistaken program and stays silent on the fixed one.

use tuneup::diagnostics::doctor::{Diagnosis, Doctor, Problem, Severity};
use tuneup::ndarray::{Array2, Axis};
use tuneup::prelude::*;

fn x() -> Array2<f64> {
    Array2::from_shape_fn((80, 3), |(i, j)| ((i * 3 + j * 7) as f64 * 0.29).sin())
}

fn dense(f: impl Fn(usize) -> f64) -> Array2<f64> {
    Array2::from_shape_fn((80, 1), |(i, _)| f(i))
}

fn mlp(out: usize, act: Activation) -> Sequential<f64> {
    Mlp::new(&[3, 8, out])
        .output_activation(act)
        .seed(1)
        .build()
        .unwrap()
}

fn check(
    model: &Sequential<f64>,
    loss: &dyn Loss<f64>,
    x: &Array2<f64>,
    y: Targets<'_, f64>,
) -> Diagnosis {
    Doctor::preflight(model, loss, x.view(), y).unwrap()
}

/// `wrong` shows `problem`; `fixed` does not show it.
fn triggers_then_fixed(problem: Problem, wrong: Diagnosis, fixed: Diagnosis) {
    assert!(wrong.has(problem), "not found: {problem}\n{wrong}");
    assert!(!fixed.has(problem), "false alarm: {problem}\n{fixed}");
    let f = wrong.get(problem).unwrap();
    assert!(!f.remedies.is_empty() && !f.evidence.is_empty());
}

#[test]
fn an_output_activation_that_cannot_reach_the_targets() {
    let x = x();
    let y = dense(|i| (i as f64 / 10.0) - 6.0); // in [−6, 1.9]
    let wrong = check(&mlp(1, Activation::Sigmoid), &Mse::new(), &x, (&y).into());
    assert_eq!(
        wrong.get(Problem::OutputRange).unwrap().severity,
        Severity::Critical
    );
    let fixed = check(&mlp(1, Activation::Identity), &Mse::new(), &x, (&y).into());
    triggers_then_fixed(Problem::OutputRange, wrong, fixed);
    let relu = check(&mlp(1, Activation::Relu), &Mse::new(), &x, (&y).into());
    assert!(relu.has(Problem::OutputRange));
    let positive = dense(|i| i as f64 / 10.0);
    assert!(!check(
        &mlp(1, Activation::Relu),
        &Mse::new(),
        &x,
        (&positive).into()
    )
    .has(Problem::OutputRange));
}

#[test]
fn a_softmax_over_one_unit_and_logits_losses_after_a_squashing_output() {
    let x = x();
    let y01 = dense(|i| (i % 2) as f64);
    let one_unit = Sequential::new()
        .push(Linear::<f64>::new(3, 1, 0).unwrap())
        .push(Softmax::default());
    let plain = Sequential::new().push(Linear::<f64>::new(3, 1, 0).unwrap());
    triggers_then_fixed(
        Problem::LossOutputMismatch,
        check(&one_unit, &BceWithLogits::new(), &x, (&y01).into()),
        check(&plain, &BceWithLogits::new(), &x, (&y01).into()),
    );
    triggers_then_fixed(
        Problem::LossOutputMismatch,
        check(
            &mlp(1, Activation::Sigmoid),
            &BceWithLogits::new(),
            &x,
            (&y01).into(),
        ),
        check(
            &mlp(1, Activation::Identity),
            &BceWithLogits::new(),
            &x,
            (&y01).into(),
        ),
    );
    let classes: Vec<usize> = (0..80).map(|i| i % 3).collect();
    let softmaxed = Sequential::new()
        .push(Linear::<f64>::new(3, 3, 0).unwrap())
        .push(Softmax::default());
    triggers_then_fixed(
        Problem::LossOutputMismatch,
        check(&softmaxed, &CrossEntropy::new(), &x, (&classes[..]).into()),
        check(
            &mlp(3, Activation::Identity),
            &CrossEntropy::new(),
            &x,
            (&classes[..]).into(),
        ),
    );
    // A probability loss needs probabilities.
    triggers_then_fixed(
        Problem::LossOutputMismatch,
        check(
            &mlp(1, Activation::Identity),
            &Bce::new(),
            &x,
            (&y01).into(),
        ),
        check(&mlp(1, Activation::Sigmoid), &Bce::new(), &x, (&y01).into()),
    );
}

#[test]
fn losses_that_do_not_fit_the_targets() {
    let x = x();
    let labels = dense(|i| (i % 4) as f64);
    let classes: Vec<usize> = (0..80).map(|i| i % 4).collect();
    triggers_then_fixed(
        Problem::TaskMismatch,
        check(
            &mlp(1, Activation::Identity),
            &Mse::new(),
            &x,
            (&labels).into(),
        ),
        check(
            &mlp(4, Activation::Identity),
            &CrossEntropy::new(),
            &x,
            (&classes[..]).into(),
        ),
    );
    let continuous = dense(|i| (i as f64 * 0.37).sin() * 5.0);
    triggers_then_fixed(
        Problem::TaskMismatch,
        check(
            &mlp(1, Activation::Identity),
            &BceWithLogits::new(),
            &x,
            (&continuous).into(),
        ),
        check(
            &mlp(1, Activation::Identity),
            &Mse::new(),
            &x,
            (&continuous).into(),
        ),
    );
    let multi = Array2::from_shape_fn((80, 3), |(i, j)| f64::from(u8::from((i + j) % 3 != 0)));
    triggers_then_fixed(
        Problem::TaskMismatch,
        check(
            &mlp(3, Activation::Identity),
            &CrossEntropy::new(),
            &x,
            (&multi).into(),
        ),
        check(
            &mlp(3, Activation::Identity),
            &BceWithLogits::new(),
            &x,
            (&multi).into(),
        ),
    );
}

#[test]
fn data_on_extreme_scales_and_values_that_merge_in_f32() {
    let x = x();
    let y = dense(|i| (i as f64 * 0.1).cos());
    let mut wide = x.clone();
    wide.column_mut(1).mapv_inplace(|v| v * 1e5);
    let net = mlp(1, Activation::Identity);
    let wrong = check(&net, &Mse::new(), &wide, (&y).into());
    assert_eq!(
        wrong.get(Problem::DataScale).unwrap().severity,
        Severity::Critical
    );
    triggers_then_fixed(
        Problem::DataScale,
        wrong,
        check(&net, &Mse::new(), &x, (&y).into()),
    );
    let big_targets = y.mapv(|v| v * 5000.0 + 20_000.0);
    triggers_then_fixed(
        Problem::DataScale,
        check(&net, &Mse::new(), &x, (&big_targets).into()),
        check(&net, &Mse::new(), &x, (&y).into()),
    );
    // Timestamps in seconds: 1.7e9 + small steps collapse in f32.
    let mut stamps = x.clone();
    for (i, v) in stamps.column_mut(2).iter_mut().enumerate() {
        *v = 1.7e9 + i as f64 * 3.0;
    }
    let centred = stamps.clone() - stamps.mean_axis(Axis(0)).unwrap();
    let wrong = check(&net, &Mse::new(), &stamps, (&y).into());
    let fixed = check(&net, &Mse::new(), &centred.mapv(|v| v / 100.0), (&y).into());
    triggers_then_fixed(Problem::PrecisionLoss, wrong, fixed);
}

#[test]
fn a_sensible_program_raises_nothing_and_the_model_is_untouched() {
    let x = x();
    let classes: Vec<usize> = (0..80).map(|i| i % 3).collect();
    let net = mlp(3, Activation::Identity);
    let before = net.clone().predict(x.view()).unwrap();
    let d = check(&net, &CrossEntropy::new(), &x, (&classes[..]).into());
    assert!(d.is_healthy(), "{d}");
    assert_eq!(net.clone().predict(x.view()).unwrap(), before);
    // Rows that do not match, and data the model cannot take, are errors.
    assert!(matches!(
        Doctor::preflight(
            &net,
            &CrossEntropy::new(),
            x.view(),
            (&classes[..10]).into()
        ),
        Err(tuneup::Error::Shape { .. })
    ));
    let narrow = Array2::<f64>::zeros((80, 2));
    assert!(Doctor::preflight(
        &net,
        &CrossEntropy::new(),
        narrow.view(),
        (&classes[..]).into()
    )
    .is_err());
}

#[test]
fn one_hot_targets_with_a_regression_loss() {
    let x = x();
    let classes: Vec<usize> = (0..80).map(|i| i % 3).collect();
    let one_hot = Array2::from_shape_fn((80, 3), |(i, j)| f64::from(u8::from(classes[i] == j)));
    let wrong = check(
        &mlp(3, Activation::Identity),
        &Mse::new(),
        &x,
        (&one_hot).into(),
    );
    let f = wrong.get(Problem::TaskMismatch).unwrap();
    assert!(f.remedies[0].action.starts_with("CrossEntropy"), "{wrong}");
    // The same loss on three continuous targets, and cross-entropy on the classes: silent.
    let soft = Array2::from_shape_fn((80, 3), |(i, j)| ((i + 2 * j) as f64 * 0.3).sin());
    let continuous = check(
        &mlp(3, Activation::Identity),
        &Mse::new(),
        &x,
        (&soft).into(),
    );
    triggers_then_fixed(Problem::TaskMismatch, wrong, continuous);
    let fixed = check(
        &mlp(3, Activation::Identity),
        &CrossEntropy::new(),
        &x,
        (&classes[..]).into(),
    );
    assert!(!fixed.has(Problem::TaskMismatch), "{fixed}");
}

#[test]
fn task_remedies_follow_what_the_targets_show() {
    let x = x();
    // Masks saved as 0/255: divide by 255 first.
    let mask = dense(|i| if i % 3 == 0 { 255.0 } else { 0.0 });
    let d = check(
        &mlp(1, Activation::Identity),
        &BceWithLogits::new(),
        &x,
        (&mask).into(),
    );
    let f = d.get(Problem::TaskMismatch).unwrap();
    assert!(
        f.remedies[0]
            .action
            .starts_with("divide the targets by 255"),
        "{d}"
    );
    assert!(f.summary.contains("0 and 255"), "{}", f.summary);
    // Continuous targets outside [0, 1] keep the loss-kind remedy first.
    let continuous = dense(|i| (i as f64 * 0.37).sin() * 5.0);
    let d = check(
        &mlp(1, Activation::Identity),
        &BceWithLogits::new(),
        &x,
        (&continuous).into(),
    );
    let f = d.get(Problem::TaskMismatch).unwrap();
    assert!(f.remedies[0].action.starts_with("CrossEntropy"), "{d}");
    // Multi-label rows with a softmax cross-entropy: one sigmoid per label first.
    let multi = Array2::from_shape_fn((80, 3), |(i, j)| f64::from(u8::from((i + j) % 3 != 0)));
    let d = check(
        &mlp(3, Activation::Identity),
        &CrossEntropy::new(),
        &x,
        (&multi).into(),
    );
    let f = d.get(Problem::TaskMismatch).unwrap();
    assert!(f.remedies[0].action.starts_with("BceWithLogits"), "{d}");
}

#[test]
fn a_sigmoid_classifier_trained_with_squared_error() {
    let x = x();
    let labels = dense(|i| (i % 2) as f64);
    let wrong = check(
        &mlp(1, Activation::Sigmoid),
        &Mse::new(),
        &x,
        (&labels).into(),
    );
    let f = wrong.get(Problem::TaskMismatch).unwrap();
    assert!(
        f.remedies[0]
            .action
            .starts_with("Bce::new() after the sigmoid"),
        "{wrong}"
    );
    let fixed = check(
        &mlp(1, Activation::Sigmoid),
        &Bce::new(),
        &x,
        (&labels).into(),
    );
    triggers_then_fixed(Problem::TaskMismatch, wrong, fixed);
    // Squared error on probabilities in (0, 1) (a regression onto rates) is fine.
    let rates = dense(|i| 0.1 + 0.8 * ((i as f64 * 0.3).sin() * 0.5 + 0.5));
    let d = check(
        &mlp(1, Activation::Sigmoid),
        &Mse::new(),
        &x,
        (&rates).into(),
    );
    assert!(!d.has(Problem::TaskMismatch), "{d}");
}

#[test]
fn hidden_units_that_start_identical() {
    let x = x();
    let labels: Vec<usize> = (0..80).map(|i| i % 2).collect();
    let constant = |c: f64| {
        Mlp::new(&[3, 8, 8, 2])
            .init(Init::Constant(c))
            .build::<f64>()
            .unwrap()
    };
    let wrong = check(&constant(0.1), &CrossEntropy::new(), &x, (&labels).into());
    let fixed = check(
        &mlp(2, Activation::Identity),
        &CrossEntropy::new(),
        &x,
        (&labels).into(),
    );
    let f = wrong.get(Problem::SymmetricWeights).cloned();
    triggers_then_fixed(Problem::SymmetricWeights, wrong, fixed);
    let f = f.unwrap();
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.summary.contains("`0.weight`"), "{}", f.summary);
    assert!(f.remedies[0].action.contains("Init::Kaiming"), "{f}");
    // Zeros are as symmetric as any constant.
    assert!(
        check(&constant(0.0), &CrossEntropy::new(), &x, (&labels).into())
            .has(Problem::SymmetricWeights)
    );
    // A zero-initialised output layer after random hidden layers (a common head
    // initialisation) is not symmetric: the hidden units differ.
    let mut head = mlp(2, Activation::Identity);
    head.visit_mut(&mut ZeroLast);
    assert!(
        !check(&head, &CrossEntropy::new(), &x, (&labels).into()).has(Problem::SymmetricWeights)
    );
}

/// Zeroes the output layer's weight (the one with 2 rows in a 3-8-2 `Mlp`).
struct ZeroLast;

impl tuneup::model::VisitorMut<f64> for ZeroLast {
    fn parameter(&mut self, p: &mut tuneup::model::Parameter<f64>) {
        if p.kind() == tuneup::model::ParamKind::Weight && p.shape()[0] == 2 {
            p.value_mut().fill(0.0);
        }
    }
}
