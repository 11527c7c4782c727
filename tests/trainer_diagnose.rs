//! `Trainer::diagnose`: the doctor in one call gives what a hand-assembled doctor gives, and
//! finds health problems with no monitor set up.

use tuneup::diagnostics::doctor::{Doctor, Problem};
use tuneup::ndarray::Array2;
use tuneup::prelude::*;
use tuneup::train::callbacks::HealthMonitor;

fn data() -> (Array2<f64>, Vec<usize>) {
    let x = Array2::from_shape_fn((120, 4), |(i, j)| ((i * 5 + j * 3) as f64 * 0.37).sin());
    let y = (0..120)
        .map(|i| usize::from(x[[i, 0]] + x[[i, 1]] > 0.0))
        .collect();
    (x, y)
}

#[test]
fn diagnose_equals_a_doctor_assembled_by_hand() {
    let (x, y) = data();
    let monitor = HealthMonitor::new(CrossEntropy::new(), x.clone(), y.clone()).unwrap();
    let log = monitor.shared_log();
    let mut t = Trainer::builder()
        .model(Mlp::new(&[4, 8, 2]).seed(2).build::<f64>().unwrap())
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.001).unwrap())
        .epochs(15)
        .callback(monitor)
        .build()
        .unwrap();
    let history = t.fit(x.view(), &y).unwrap();
    // The constant predictor: the class prior as logits, under the trainer's loss.
    let p1 = y.iter().filter(|&&c| c == 1).count() as f64 / y.len() as f64;
    let prior = Array2::from_shape_fn(
        (y.len(), 2),
        |(_, j)| if j == 1 { p1.ln() } else { (1.0 - p1).ln() },
    );
    let baseline = CrossEntropy::new()
        .value(prior.view(), y.as_slice().into())
        .unwrap();
    let by_hand = Doctor::new(&history)
        .health(&log.lock().unwrap())
        .training_data(&x.view())
        .class_labels(&y)
        .baseline_loss(baseline)
        .examine()
        .unwrap();
    let one_call = t.diagnose(x.view(), &y).unwrap();
    assert_eq!(one_call.to_string(), by_hand.to_string());
    // The tiny learning rate leaves the model underfitting, and both say so.
    assert!(one_call
        .findings
        .iter()
        .any(|f| f.problem == Problem::Underfitting));
}

#[test]
fn diagnose_without_a_monitor_measures_the_model_itself() {
    let (x, y) = data();
    // Every hidden ReLU starts dead: biases far below any pre-activation.
    let mut net = Mlp::new(&[4, 16, 2]).seed(1).build::<f64>().unwrap();
    net.visit_parameters_mut(&mut |p| {
        if p.name() == "0.bias" {
            p.value_mut().fill(-50.0);
        }
    });
    let mut t = Trainer::builder()
        .model(net)
        .loss(CrossEntropy::new())
        .optimizer(Adam::new(0.01).unwrap())
        .epochs(5)
        .build()
        .unwrap();
    t.fit(x.view(), &y).unwrap();
    let d = t.diagnose(x.view(), &y).unwrap();
    assert!(
        d.findings.iter().any(|f| f.problem == Problem::DeadUnits),
        "{d}"
    );
    // Data the model cannot take is a shape error.
    let narrow = Array2::<f64>::zeros((10, 3));
    assert!(matches!(
        t.diagnose(narrow.view(), &y[..10]),
        Err(tuneup::Error::Shape { .. })
    ));
}

#[test]
fn the_baseline_is_the_best_constant_under_the_trainer_loss() {
    // Heavy-tailed targets with nothing to learn from: under MAE the best constant is the
    // median, whose loss is far below the target variance (the MSE baseline). A model that
    // only learns that constant is underfitting, and the doctor must say so.
    let x = Array2::from_shape_fn((200, 3), |(i, j)| ((i * 7 + j * 13) as f64 * 0.61).sin());
    let y = Array2::from_shape_fn((200, 1), |(i, _)| {
        let u = ((i * 37 % 101) as f64 + 0.5) / 101.0;
        (u / (1.0 - u)).powi(3) // a Pareto-like tail: variance ≫ mean absolute deviation
    });
    let mut t = Trainer::builder()
        .model(Mlp::new(&[3, 8, 1]).seed(4).build::<f64>().unwrap())
        .loss(Mae::new())
        .optimizer(Adam::new(0.05).unwrap())
        .epochs(60)
        .build()
        .unwrap();
    let history = t.fit(x.view(), &y).unwrap();
    let diagnosis = t.diagnose(x.view(), &y).unwrap();
    let under = diagnosis.get(Problem::Underfitting);
    assert!(under.is_some(), "{diagnosis}");
    let baseline = under.unwrap().evidence[1].value;
    let mut v: Vec<f64> = y.iter().copied().collect();
    v.sort_by(f64::total_cmp);
    let median = 0.5 * (v[99] + v[100]);
    let mad = y.iter().map(|t| (t - median).abs()).sum::<f64>() / 200.0;
    assert!((baseline - mad).abs() < 1e-9 * mad, "{baseline} vs {mad}");
    // The variance-based reference of a bare doctor misses it.
    let bare = Doctor::new(&history)
        .regression_targets(&y.view())
        .examine()
        .unwrap();
    assert!(!bare.has(Problem::Underfitting), "{bare}");
}
