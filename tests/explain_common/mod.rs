//! Helpers of the explain parity tests: nets rebuilt from the layer lists the fixture script
//! writes (`scripts/reference/make_explain_fixtures.py`).
#![allow(dead_code)]

use serde_json::Value;
use tuneup::prelude::*;

#[path = "../common/mod.rs"]
pub mod common;

/// A `Sequential` from `[{"kind": "linear", "weight", "bias"}, {"kind": "tanh"}, …]`.
pub fn net(spec: &Value) -> Sequential<f64> {
    let mut net = Sequential::new();
    for layer in spec.as_array().expect("a list of layers") {
        let kind = layer["kind"].as_str().expect("a layer kind");
        match kind {
            "linear" => {
                let weight = common::array2(&layer["weight"]);
                let bias = common::array1(&layer["bias"]);
                net.add(Linear::from_weights(weight, Some(bias)).unwrap());
            }
            "softmax" => net.add(Softmax::new()),
            other => {
                let act = match other {
                    "tanh" => Activation::Tanh,
                    "relu" => Activation::Relu,
                    "sigmoid" | "logistic" => Activation::Sigmoid,
                    "identity" => Activation::Identity,
                    _ => panic!("unknown layer kind {other}"),
                };
                net.add(ActivationLayer::new(act).unwrap());
            }
        }
    }
    net
}
