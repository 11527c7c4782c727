//! The structured shrink: removing pruned hidden neurons gives a smaller dense network whose
//! outputs equal the pruned one's to 1e-12 (f64), folding dead neurons' constant outputs into
//! the next bias, through activations, batch norm and dropout; and what it refuses.

use ndarray::Array2;
use tuneup::compress::{l1_unstructured, ln_structured, shrink, Amount};
use tuneup::prelude::*;

fn input(rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0
    })
}

/// Linear(6→32) → ReLU → BatchNorm1d(32) → Dropout → Linear(32→16, tanh) → Linear(16→3),
/// with batch-norm statistics from two training batches.
fn network() -> Sequential<f64> {
    let mut net = Sequential::new()
        .push(Linear::new(6, 32, 1).unwrap())
        .push(ActivationLayer::new(Activation::Relu).unwrap())
        .push(BatchNorm1d::new(32).unwrap())
        .push(Dropout::new(0.2, 3).unwrap())
        .push(
            Linear::new(32, 16, 2)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap(),
        )
        .push(Linear::new(16, 3, 4).unwrap());
    for b in 0..2 {
        net.forward(input(20 + b, 6).view(), Mode::Train).unwrap();
    }
    net
}

fn names(net: &Sequential<f64>) -> Vec<String> {
    let mut out = Vec::new();
    net.visit_parameters(&mut |p| out.push(format!("{}{:?}", p.name(), p.shape())));
    out
}

#[test]
fn shrunk_outputs_equal_the_pruned_networks() {
    let mut net = network();
    let lin = names(&net);
    assert_eq!(lin[0], "0.weight[32, 6]");
    // Rows of the first Linear (dead neurons with a bias), columns of the second.
    ln_structured(&mut net, "0.weight", Amount::Fraction(0.5), 2.0, 0).unwrap();
    ln_structured(&mut net, "4.weight", Amount::Count(4), 1.0, 1).unwrap();
    ln_structured(&mut net, "4.weight", Amount::Count(6), 2.0, 0).unwrap();
    l1_unstructured(&mut net, "6.weight", Amount::Fraction(0.3)).unwrap();
    let (mut small, report) = shrink(&net).unwrap();
    assert_eq!(report.len(), 2);
    assert_eq!(report[0].layer, 0);
    // Dead: the 16 zero rows of 0.weight and the zero columns of 4.weight.
    let mut dead = std::collections::BTreeSet::new();
    net.visit_parameters(&mut |p| {
        let Ok(m) = p.matrix() else { return };
        match p.name() {
            "0.weight" => dead.extend((0..32).filter(|&j| m.row(j).iter().all(|&v| v == 0.0))),
            "4.weight" => dead.extend((0..32).filter(|&j| m.column(j).iter().all(|&v| v == 0.0))),
            _ => {}
        }
    });
    assert!(dead.len() >= 16);
    let kept = 32 - dead.len();
    assert_eq!(report[0].kept, kept);
    assert_eq!(report[0].removed, dead.iter().copied().collect::<Vec<_>>());
    assert_eq!(report[1].kept, 10);
    assert_eq!(
        names(&small),
        [
            format!("0.weight[{kept}, 6]"),
            format!("0.bias[{kept}]"),
            format!("2.weight[{kept}]"),
            format!("2.bias[{kept}]"),
            format!("4.weight[10, {kept}]"),
            "4.bias[10]".to_string(),
            "6.weight[3, 10]".to_string(),
            "6.bias[3]".to_string(),
        ]
    );
    let x = input(9, 6);
    let (a, b) = (
        net.predict(x.view()).unwrap(),
        small.predict(x.view()).unwrap(),
    );
    let worst = (&a - &b).iter().fold(0.0f64, |m, d| m.max(d.abs()));
    assert!(worst < 1e-12, "max difference {worst}");
    // The input was not touched, and the copy is an ordinary dense network.
    assert!(net.layers().len() == small.layers().len());
    small.visit_parameters(&mut |p| assert!(!p.is_pruned()));
}

#[test]
fn nothing_dead_keeps_the_network_and_everything_dead_keeps_one_neuron() {
    let mut net = network();
    let (mut same, report) = shrink(&net).unwrap();
    assert!(report.iter().all(|r| r.removed.is_empty()));
    let x = input(5, 6);
    assert_eq!(
        net.predict(x.view()).unwrap(),
        same.predict(x.view()).unwrap()
    );
    ln_structured(&mut net, "0.weight", Amount::Fraction(1.0), 2.0, 0).unwrap();
    let (mut one, report) = shrink(&net).unwrap();
    assert_eq!(report[0].kept, 1);
    let (a, b) = (
        net.predict(x.view()).unwrap(),
        one.predict(x.view()).unwrap(),
    );
    assert!((&a - &b).iter().all(|d| d.abs() < 1e-12));
}

#[test]
fn a_layer_norm_between_is_refused() {
    let net = Sequential::<f64>::new()
        .push(Linear::new(4, 8, 0).unwrap())
        .push(LayerNorm::new(8).unwrap())
        .push(Linear::new(8, 2, 1).unwrap());
    let err = shrink(&net).unwrap_err();
    assert!(matches!(err, Error::Value { .. }));
    assert!(err.to_string().contains("layer 1"), "{err}");
}
