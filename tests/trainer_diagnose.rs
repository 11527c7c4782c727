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
    let by_hand = Doctor::new(&history)
        .health(&log.lock().unwrap())
        .training_data(&x.view())
        .class_labels(&y)
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
