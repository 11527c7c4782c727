//! DeepLIFT against captum (`tests/fixtures/explain_deeplift.json`, written by
//! `scripts/reference/make_deeplift_fixtures.py`): a multi-class ReLU/tanh net (targets 0, 2
//! and one per row), a single-output sigmoid net, a net with LayerNorm, BatchNorm1d and Dropout
//! in eval mode and two residual blocks (`x + f(x)` and `P x + f(x)`), and a net of ELU,
//! LeakyReLU, Softplus, GELU (exact and tanh) and SiLU; zero, scalar, row and batch baselines
//! (the batch one with a row and a feature equal to the input), multiply_by_inputs on and
//! off: attributions and convergence deltas to 1e-10 relative, with the activations fused into
//! their Linear layers and as layers of their own. Then the summation-to-delta property, the
//! model left untouched, and the typed errors.

mod explain_common;

use explain_common::common;
use ndarray::{array, Array1, Array2};
use serde_json::Value;
use tuneup::explain::*;
use tuneup::prelude::*;

const RTOL: f64 = 1e-10;
const ATOL: f64 = 1e-13;

fn activation_of(layer: &Value) -> Option<Activation> {
    let f = |key: &str| layer[key].as_f64().unwrap();
    Some(match layer["kind"].as_str().unwrap() {
        "relu" => Activation::Relu,
        "sigmoid" => Activation::Sigmoid,
        "tanh" => Activation::Tanh,
        "gelu" => Activation::Gelu,
        "gelu_tanh" => Activation::GeluTanh,
        "silu" => Activation::Silu,
        "elu" => Activation::Elu { alpha: f("alpha") },
        "leaky_relu" => Activation::LeakyRelu { slope: f("slope") },
        "softplus" => Activation::Softplus {
            beta: f("beta"),
            threshold: f("threshold"),
        },
        _ => return None,
    })
}

fn set_parameter(layer: &mut dyn Layer<f64>, name: &str, value: &Value) {
    let value = common::array1(value).into_dyn();
    layer.visit_parameters_mut(&mut |p| {
        if p.name() == name {
            p.set_value(value.view()).unwrap();
        }
    });
}

fn set_buffer(layer: &mut dyn Layer<f64>, name: &str, value: &Value) {
    let value = common::array1(value);
    layer.visit_buffers_mut(&mut |b| {
        if b.name() == name {
            b.as_slice_mut().copy_from_slice(value.as_slice().unwrap());
        }
    });
}

fn norm_layer(layer: &Value) -> Box<dyn Layer<f64>> {
    let width = layer["weight"]["shape"][0].as_u64().unwrap() as usize;
    let eps = layer["eps"].as_f64().unwrap();
    let mut out: Box<dyn Layer<f64>> = if layer["kind"] == "layer_norm" {
        Box::new(LayerNorm::with_options(width, eps, true).unwrap())
    } else {
        let mut bn = BatchNorm1d::with_options(width, eps, 0.1, true).unwrap();
        set_buffer(&mut bn, "running_mean", &layer["running_mean"]);
        set_buffer(&mut bn, "running_var", &layer["running_var"]);
        Box::new(bn)
    };
    set_parameter(out.as_mut(), "weight", &layer["weight"]);
    set_parameter(out.as_mut(), "bias", &layer["bias"]);
    out
}

fn residual(layer: &Value, fuse: bool) -> Residual<f64> {
    let body = net(&layer["body"], fuse);
    let width = layer["body"][0]["weight"]["shape"][1].as_u64().unwrap() as usize;
    match &layer["projection"] {
        Value::Null => Residual::new(body, width).unwrap(),
        weight => {
            let mut block = Residual::with_projection(body, width, 0).unwrap();
            let value = common::array2(weight).into_dyn();
            block.visit_parameters_mut(&mut |p| {
                if p.name() == "projection.weight" {
                    p.set_value(value.view()).unwrap();
                }
            });
            block
        }
    }
}

/// The fixture's layer list as a `Sequential`; `fuse` folds an activation that follows a
/// `Linear` into it.
fn net(spec: &Value, fuse: bool) -> Sequential<f64> {
    let layers = spec.as_array().unwrap();
    let mut out = Sequential::new();
    let mut i = 0;
    while i < layers.len() {
        let layer = &layers[i];
        i += 1;
        match layer["kind"].as_str().unwrap() {
            "linear" => {
                let weight = common::array2(&layer["weight"]);
                let mut lin =
                    Linear::from_weights(weight, Some(common::array1(&layer["bias"]))).unwrap();
                if let Some(act) = layers.get(i).and_then(activation_of).filter(|_| fuse) {
                    lin = lin.with_activation(act).unwrap();
                    i += 1;
                }
                out.add(lin);
            }
            "layer_norm" | "batch_norm" => out.add(norm_layer(layer)),
            "dropout" => out.add(Dropout::new(layer["p"].as_f64().unwrap(), 3).unwrap()),
            "residual" => out.add(residual(layer, fuse)),
            other => {
                let act = activation_of(layer).unwrap_or_else(|| panic!("unknown layer {other}"));
                out.add(ActivationLayer::new(act).unwrap());
            }
        }
    }
    out
}

fn target_of(v: &Value) -> Target {
    match v {
        Value::Array(list) => {
            Target::PerRow(list.iter().map(|c| c.as_u64().unwrap() as usize).collect())
        }
        c => Target::Output(c.as_u64().unwrap() as usize),
    }
}

fn baseline_of(run: &Value) -> Baseline<f64> {
    match run["baseline"].as_str().unwrap() {
        "zero" => Baseline::Zero,
        "scalar" => Baseline::Scalar(run["baseline_value"].as_f64().unwrap()),
        "row" => Baseline::Row(common::array2(&run["baseline_value"]).row(0).to_owned()),
        "batch" => Baseline::Batch(common::array2(&run["baseline_value"])),
        other => panic!("unknown baseline {other}"),
    }
}

#[test]
fn deeplift_matches_captum() {
    let fixture = common::load_fixture("explain_deeplift.json");
    let mut checked = 0;
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let x = common::array2(&case["x"]);
        for fuse in [false, true] {
            let mut model = net(&case["net"], fuse);
            for run in case["runs"].as_array().unwrap() {
                let dl = DeepLift::new()
                    .baseline(baseline_of(run))
                    .multiply_by_inputs(run["multiply_by_inputs"].as_bool().unwrap());
                let what = format!(
                    "{name} (fused {fuse}), target {}, {} baseline, multiply {}",
                    run["target"], run["baseline"], run["multiply_by_inputs"]
                );
                let got = dl
                    .explain(&mut model, x.view(), &target_of(&run["target"]))
                    .unwrap();
                let want = common::array2(&run["attributions"]);
                common::assert_close(&got.attributions, &want, RTOL, ATOL, &what);
                let delta = common::array1(&run["delta"]);
                common::assert_close(&got.delta, &delta, RTOL, ATOL, &format!("{what}: delta"));
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * (15 + 5 + 10 + 10), "every run of the fixture");
}

/// A net of Linear layers and rescaled activations only, of every kind.
fn rescale_net() -> Sequential<f64> {
    let acts = [
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::LEAKY_RELU,
        Activation::ELU,
        Activation::SOFTPLUS,
        Activation::Gelu,
        Activation::GeluTanh,
        Activation::Silu,
    ];
    let mut net = Sequential::new();
    for (i, act) in acts.into_iter().enumerate() {
        let lin = Linear::new(5, 5, i as u64).unwrap();
        if i % 2 == 0 {
            net.add(lin.with_activation(act).unwrap());
        } else {
            net.add(lin);
            net.add(ActivationLayer::new(act).unwrap());
        }
    }
    net.push(Linear::new(5, 3, 99).unwrap())
}

fn inputs(rows: usize, width: usize, offset: f64) -> Array2<f64> {
    Array2::from_shape_fn((rows, width), |(r, c)| {
        (0.37 * (r * width + c) as f64 + offset).sin() * 2.0
    })
}

#[test]
fn attributions_sum_to_the_output_difference() {
    let mut model = rescale_net();
    let x = inputs(6, 5, 0.0);
    for baseline in [
        Baseline::Zero,
        Baseline::Row(Array1::from_elem(5, -0.7)),
        Baseline::Batch(inputs(6, 5, 1.3)),
    ] {
        for target in [Target::Output(0), Target::PerRow(vec![2, 1, 0, 0, 1, 2])] {
            let got = DeepLift::new()
                .baseline(baseline.clone())
                .explain(&mut model, x.view(), &target)
                .unwrap();
            let scale = got.attributions.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            assert!(
                got.delta.iter().all(|d| d.abs() < 1e-10 * scale),
                "{baseline:?}, {target:?}: delta {:?}",
                got.delta
            );
        }
    }
}

#[test]
fn the_model_is_untouched() {
    let mut model = rescale_net();
    let x = inputs(3, 5, 0.4);
    let other = inputs(2, 5, 2.0);
    let after_other = model.forward(other.view(), Mode::Eval).unwrap().to_owned();
    let mut before = Vec::new();
    model.visit_parameters(&mut |p| before.push((p.value().to_owned(), p.grad().to_owned())));
    let dl = DeepLift::new().baseline(Baseline::Scalar(0.3));
    let first = dl
        .explain(&mut model, x.view(), &Target::Output(1))
        .unwrap();
    let mut after = Vec::new();
    model.visit_parameters(&mut |p| after.push((p.value().to_owned(), p.grad().to_owned())));
    assert_eq!(before, after, "parameters and gradients");
    // The caches still hold the last forward pass: a backward pass sees `other`, not the
    // explained batch.
    let seed = Array2::ones(after_other.raw_dim());
    let grad = model.backward_input(seed.view()).unwrap();
    assert_eq!(grad.nrows(), other.nrows());
    assert_eq!(
        dl.explain(&mut model, x.view(), &Target::Output(1))
            .unwrap(),
        first
    );
}

#[test]
fn bad_inputs_are_typed_errors() {
    let mut model = rescale_net();
    let x = inputs(2, 5, 0.0);
    let dl = DeepLift::new();
    let shape = |r: Result<IgAttribution<f64>, Error>| matches!(r, Err(Error::Shape { .. }));
    let row = DeepLift::new().baseline(Baseline::Row(Array1::zeros(4)));
    assert!(shape(row.explain(&mut model, x.view(), &Target::Output(0))));
    let batch = DeepLift::new().baseline(Baseline::Batch(Array2::zeros((3, 5))));
    assert!(shape(batch.explain(
        &mut model,
        x.view(),
        &Target::Output(0)
    )));
    assert!(shape(dl.explain(
        &mut model,
        inputs(2, 4, 0.0).view(),
        &Target::Output(0)
    )));
    let r = dl.explain(&mut model, x.view(), &Target::Output(3));
    assert!(matches!(r, Err(Error::Value { .. })), "{r:?}");
    let r = dl.explain(&mut model, x.view(), &Target::Only);
    assert!(matches!(r, Err(Error::Value { .. })), "{r:?}");
    let mut nan = x.clone();
    nan[[1, 2]] = f64::NAN;
    let r = dl.explain(&mut model, nan.view(), &Target::Output(0));
    assert!(matches!(r, Err(Error::NonFinite { .. })), "{r:?}");
    let nan_base = DeepLift::new().baseline(Baseline::Scalar(f64::NAN));
    let r = nan_base.explain(&mut model, x.view(), &Target::Output(0));
    assert!(matches!(r, Err(Error::NonFinite { .. })), "{r:?}");
    let r = dl.explain(&mut model, Array2::zeros((0, 5)).view(), &Target::Output(0));
    assert!(matches!(r, Err(Error::Value { .. })), "{r:?}");
    // Values near the float range: saturating activations keep the attributions finite, an
    // overflowing output is an error, not NaN attributions.
    let huge = Array2::from_elem((1, 5), 1e300);
    let got = dl
        .explain(&mut model, huge.view(), &Target::Output(0))
        .unwrap();
    assert!(got.attributions.iter().all(|v| v.is_finite()));
    let mut linear =
        Sequential::new().push(Linear::from_weights(array![[1e300, 1e300]], None).unwrap());
    let r = dl.explain(&mut linear, array![[1e300, 1e300]].view(), &Target::Only);
    assert!(matches!(r, Err(Error::NonFinite { .. })), "{r:?}");
}

#[test]
fn layers_without_a_rule_are_named() {
    let x = array![[0.5, -1.0, 2.0, 0.0]];
    let mut softmax = Sequential::<f64>::new()
        .push(Linear::new(4, 3, 0).unwrap())
        .push(Softmax::new());
    let err = DeepLift::new()
        .explain(&mut softmax, x.view(), &Target::Output(0))
        .unwrap_err();
    assert!(matches!(err, Error::State { .. }), "{err}");
    assert!(err.to_string().contains("Softmax"), "{err}");
    assert!(err.to_string().contains("Sequential[1]"), "{err}");
    let conv = Conv1dConfig::new(1, 1, 3)
        .padding(Padding::Same)
        .build::<f64>(4, 0)
        .unwrap();
    let mut net = Sequential::<f64>::new().push(Residual::new(conv, 4).unwrap());
    let err = DeepLift::new()
        .explain(&mut net, x.view(), &Target::Output(0))
        .unwrap_err();
    assert!(err.to_string().contains("Conv1d"), "{err}");
    assert!(err.to_string().contains("Residual body"), "{err}");
}

#[test]
fn eps_switches_to_the_gradient() {
    // tanh at 1e-12 over the baseline 0: Δin < eps, so the multiplier is tanh'(1e-12); at 1
    // it is Δout/Δin = tanh(1), unless eps is larger than 1.
    let mut net = Sequential::<f64>::new().push(ActivationLayer::new(Activation::Tanh).unwrap());
    let x = array![[1e-12, 1.0]];
    let dl = DeepLift::new().multiply_by_inputs(false);
    let m = dl
        .explain(&mut net, x.view(), &Target::PerRow(vec![0]))
        .unwrap();
    assert_eq!(m.attributions[[0, 0]], 1.0 - (1e-12f64).tanh().powi(2));
    let wide = DeepLift::new().multiply_by_inputs(false).eps(2.0).unwrap();
    let m = wide
        .explain(&mut net, array![[1.0, 0.0]].view(), &Target::Output(0))
        .unwrap();
    assert_eq!(m.attributions[[0, 0]], 1.0 - 1f64.tanh().powi(2));
    let exact = DeepLift::new().multiply_by_inputs(false);
    let m = exact
        .explain(&mut net, array![[1.0, 0.0]].view(), &Target::Output(0))
        .unwrap();
    assert_eq!(m.attributions[[0, 0]], 1f64.tanh());
}
