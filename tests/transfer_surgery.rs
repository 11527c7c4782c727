//! `Sequential` surgery: after each operation the `state_dict` names are those of the
//! `nn.Sequential` built with the new layer list (`scripts/reference/make_surgery_fixtures.py`),
//! PyTorch weights load strictly into the surgered model and give PyTorch's output (1e-12,
//! f64), untouched layers keep their outputs, and bad operations are typed errors that leave
//! the model as it was.

mod common;

use std::collections::BTreeMap;

use common::{array2, assert_close, load_fixture};
use ndarray::Array2;
use serde_json::Value;
use tuneup::prelude::*;
use tuneup::train::{
    load_state_dict, load_weights_from_bytes, state_dict, weights_to_bytes, LoadOptions,
    StateScope, Tensor,
};
use tuneup::Error;

fn start() -> Sequential<f64> {
    Sequential::new()
        .push(
            Linear::new(3, 4, 1)
                .unwrap()
                .with_activation(Activation::Relu)
                .unwrap(),
        )
        .push(
            Linear::new(4, 8, 2)
                .unwrap()
                .with_activation(Activation::Tanh)
                .unwrap(),
        )
        .push(Linear::new(8, 2, 3).unwrap())
}

/// The crate's `state_dict` keys, sorted.
fn names(net: &Sequential<f64>) -> Vec<String> {
    state_dict(net, StateScope::Torch)
        .unwrap()
        .into_keys()
        .collect()
}

/// PyTorch's keys for one state, sorted.
fn torch_names(fixture: &Value, state: &str) -> Vec<String> {
    let mut v: Vec<String> = fixture["names"][state]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// Every parameter value, buffer and counter with its name: the whole observable state.
fn snapshot(net: &Sequential<f64>) -> Vec<(String, Vec<f64>)> {
    let mut v = Vec::new();
    net.visit_parameters(&mut |p| v.push((p.name().to_string(), p.value_slice().to_vec())));
    net.visit_buffers(&mut |b| v.push((b.name().to_string(), b.as_slice().to_vec())));
    net.visit_counters(&mut |c| v.push((c.name().to_string(), vec![c.get() as f64])));
    v
}

fn input() -> Array2<f64> {
    Array2::from_shape_fn((5, 3), |(i, j)| ((i * 3 + j) as f64 * 0.41).sin())
}

/// The output of the first `n` layers.
fn prefix_output(net: &mut Sequential<f64>, n: usize, x: &Array2<f64>) -> Array2<f64> {
    let mut out = x.clone();
    for i in 0..n {
        out = net
            .layer_mut(i)
            .unwrap()
            .forward(out.view(), Mode::Eval)
            .unwrap()
            .to_owned();
    }
    out
}

#[test]
fn names_follow_torch_after_each_operation() {
    let fixture = load_fixture("sequential_surgery.json");
    let mut net = start();
    assert_eq!(names(&net), torch_names(&fixture, "start"));
    let x = input();
    let first = prefix_output(&mut net, 1, &x);

    net.insert(1, BatchNorm1d::new(4).unwrap()).unwrap();
    assert_eq!(names(&net), torch_names(&fixture, "bn_inserted"));
    let old_head = net.replace_head(5, 9).unwrap();
    assert_eq!(old_head.describe(), "Linear(8 → 2)");
    // The removed layer comes back with its own names, ready to be added elsewhere.
    let mut head_names = Vec::new();
    old_head.visit_parameters(&mut |p| head_names.push(p.name().to_string()));
    assert_eq!(head_names, ["weight", "bias"]);
    assert_eq!(names(&net), torch_names(&fixture, "head_replaced"));
    // The untouched first layer still computes the same.
    assert_eq!(prefix_output(&mut net, 1, &x), first);

    net.replace(0, Linear::new(3, 4, 4).unwrap()).unwrap();
    assert_eq!(names(&net), torch_names(&fixture, "first_replaced"));
    let bn = net.remove(1).unwrap();
    let mut bn_names = Vec::new();
    bn.visit_buffers(&mut |b| bn_names.push(b.name().to_string()));
    assert_eq!(bn_names, ["running_mean", "running_var"]);
    assert_eq!(names(&net), torch_names(&fixture, "bn_removed"));
    net.truncate(2).unwrap();
    assert_eq!(names(&net), torch_names(&fixture, "truncated"));
    assert_eq!(net.len(), 2);
    // Appending after surgery continues the numbering.
    net.add(Linear::new(8, 1, 5).unwrap());
    assert!(names(&net).contains(&"3.weight".to_string()));
}

#[test]
fn torch_weights_load_strictly_into_the_surgered_model() {
    let fixture = load_fixture("sequential_surgery.json");
    let case = &fixture["head_replaced"];
    let mut net = start();
    net.insert(1, BatchNorm1d::new(4).unwrap()).unwrap();
    net.replace_head(5, 9).unwrap();
    let mut tensors = BTreeMap::new();
    for (name, v) in case["tensors"].as_object().unwrap() {
        let t = match v.as_i64() {
            Some(count) => Tensor::scalar_i64(count),
            None => {
                let a = common::array_d(v);
                Tensor::from_floats(a.shape(), a.as_slice().unwrap()).unwrap()
            }
        };
        tensors.insert(name.clone(), t);
    }
    load_state_dict(&mut net, &tensors, LoadOptions::strict()).unwrap();
    let out = net.predict(array2(&case["input"]).view()).unwrap();
    assert_close(&out, &array2(&case["output"]), 1e-12, 1e-12, "torch output");
}

#[test]
fn state_dict_round_trip_after_surgery() {
    let mut net = start();
    net.insert(2, Dropout::new(0.3, 5).unwrap()).unwrap();
    net.replace_head(3, 6).unwrap();
    let bytes = weights_to_bytes(&net).unwrap();
    let mut other = start();
    other.insert(2, Dropout::new(0.3, 7).unwrap()).unwrap();
    other.replace_head(3, 8).unwrap();
    assert_ne!(snapshot(&other), snapshot(&net));
    let report = load_weights_from_bytes(&mut other, &bytes).unwrap();
    assert!(report.is_complete());
    let x = input();
    assert_eq!(
        other.predict(x.view()).unwrap(),
        net.predict(x.view()).unwrap()
    );
}

#[test]
fn replace_head_is_pytorch_default_init_from_the_seed() {
    let mut a = start();
    let mut b = start();
    a.replace_head(5, 11).unwrap();
    b.replace_head(5, 11).unwrap();
    assert_eq!(snapshot(&a), snapshot(&b));
    let fresh = Linear::<f64>::new(8, 5, 11).unwrap();
    let head = &a.layers()[2];
    let mut values = Vec::new();
    head.visit_parameters(&mut |p| values.push(p.value_slice().to_vec()));
    assert_eq!(values[0], fresh.weight().value_slice());
    assert_eq!(values[1], fresh.bias().unwrap().value_slice());
    // A fused activation and a missing bias are kept.
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0);
    let no_bias = Linear::from_rng(4, 2, Init::TorchDefault, false, &mut rng).unwrap();
    let mut c = Sequential::<f64>::new()
        .push(Linear::new(3, 4, 0).unwrap())
        .push(no_bias.with_activation(Activation::Sigmoid).unwrap());
    c.replace_head(6, 1).unwrap();
    assert_eq!(c.layers()[1].describe(), "Linear(4 → 6, sigmoid)");
    assert_eq!(c.layers()[1].num_parameters(), 24);
}

#[test]
fn bad_operations_are_typed_errors_and_change_nothing() {
    let mut net = start();
    net.insert(1, BatchNorm1d::new(4).unwrap()).unwrap();
    let before = snapshot(&net);
    let described = format!("{net:?}");
    let check = |net: &Sequential<f64>| {
        assert_eq!(snapshot(net), before);
        assert_eq!(format!("{net:?}"), described);
    };
    // Out of range.
    assert!(matches!(
        net.replace(4, Linear::new(8, 2, 0).unwrap()),
        Err(Error::Value { .. })
    ));
    check(&net);
    assert!(matches!(
        net.insert(5, Linear::new(2, 2, 0).unwrap()),
        Err(Error::Value { .. })
    ));
    check(&net);
    assert!(matches!(net.remove(4), Err(Error::Value { .. })));
    check(&net);
    assert!(matches!(net.truncate(5), Err(Error::Value { .. })));
    check(&net);
    // Widths that no longer fit.
    let err = net.remove(2).map(|_| ()).unwrap_err(); // 4 columns into Linear(8 → 2)
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    assert!(err.to_string().contains("Sequential::remove"), "{err}");
    check(&net);
    let err = net
        .replace(2, Linear::new(4, 6, 0).unwrap())
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    check(&net);
    assert!(matches!(
        net.insert(3, Linear::new(5, 8, 0).unwrap()),
        Err(Error::Shape { .. })
    ));
    check(&net);
    assert!(matches!(
        net.insert(0, Linear::new(5, 2, 0).unwrap()),
        Err(Error::Shape { .. })
    ));
    check(&net);
    assert!(matches!(net.replace_head(0, 1), Err(Error::Config { .. })));
    check(&net);
    // No Linear to replace.
    let mut plain = Sequential::<f64>::new().push(ActivationLayer::new(Activation::Relu).unwrap());
    assert!(matches!(plain.replace_head(3, 0), Err(Error::Value { .. })));
    assert_eq!(plain.len(), 1);
}

#[test]
fn a_cnn_head_is_replaced_and_conv_widths_are_checked() {
    let mut net = Cnn::new([1, 8, 8])
        .conv(4, 3)
        .max_pool(2)
        .build::<f64>(10)
        .unwrap();
    let layers = net.len();
    net.replace_head(3, 2).unwrap();
    let x = Array2::from_shape_fn((2, 64), |(i, j)| ((i + j) as f64 * 0.1).cos());
    assert_eq!(net.predict(x.view()).unwrap().dim(), (2, 3));
    assert_eq!(net.len(), layers);
    // The chain is checked from the first convolution's [1, 8, 8] input: a convolution that
    // expects 3 channels cannot stand after it.
    let before = snapshot(&net);
    let conv = Conv2dConfig::new(3, 4, (3, 3))
        .build::<f64>((8, 8), 0)
        .unwrap();
    let err = net.insert(1, conv).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    assert_eq!(snapshot(&net), before);
}
