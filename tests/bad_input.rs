//! Bad input gives a specific error, never a panic or a NaN: each test matches the `Error`
//! variant and checks that its fields name the layer or loss and the expected and found values.

use std::fmt::Debug;

use ndarray::{array, Array2};
use tuneup::model::FanMode;
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::SeedableRng;

/// Asserts a [`Error::Shape`] whose fields contain the given pieces.
#[track_caller]
fn expect_shape<T: Debug>(r: Result<T>, context: &str, expected: &str, found: &str) {
    match r {
        Err(e @ Error::Shape { .. }) => {
            let Error::Shape {
                context: c,
                expected: x,
                found: f,
            } = &e
            else {
                unreachable!()
            };
            assert!(c.contains(context), "context {c:?} lacks {context:?}");
            assert!(x.contains(expected), "expected {x:?} lacks {expected:?}");
            assert!(f.contains(found), "found {f:?} lacks {found:?}");
            let msg = e.to_string();
            assert!(
                msg.contains(context) && msg.contains(expected) && msg.contains(found),
                "{msg}"
            );
        }
        other => panic!("expected a shape error in {context}, got {other:?}"),
    }
}

/// Asserts a [`Error::Config`] naming exactly `parameter` and `value`.
#[track_caller]
fn expect_config<T: Debug>(r: Result<T>, parameter: &str, value: &str, expected: &str) {
    match r {
        Err(e @ Error::Config { .. }) => {
            let Error::Config {
                parameter: p,
                value: v,
                expected: x,
            } = &e
            else {
                unreachable!()
            };
            assert_eq!(p, parameter);
            assert_eq!(v, value);
            assert!(x.contains(expected), "expected {x:?} lacks {expected:?}");
            let msg = e.to_string();
            assert!(msg.contains(&format!("{parameter} = {value}")), "{msg}");
        }
        other => panic!("expected a config error for {parameter}, got {other:?}"),
    }
}

/// Asserts a [`Error::Value`] whose fields contain the given pieces.
#[track_caller]
fn expect_value<T: Debug>(r: Result<T>, context: &str, expected: &str, found: &str) {
    match r {
        Err(Error::Value {
            context: c,
            expected: x,
            found: f,
        }) => {
            assert!(c.contains(context), "context {c:?} lacks {context:?}");
            assert!(x.contains(expected), "expected {x:?} lacks {expected:?}");
            assert!(f.contains(found), "found {f:?} lacks {found:?}");
        }
        other => panic!("expected a value error in {context}, got {other:?}"),
    }
}

/// Asserts a [`Error::NonFinite`] whose fields contain the given pieces.
#[track_caller]
fn expect_non_finite<T: Debug>(r: Result<T>, context: &str, detail: &str) {
    match r {
        Err(Error::NonFinite {
            context: c,
            detail: d,
        }) => {
            assert!(c.contains(context), "context {c:?} lacks {context:?}");
            assert!(d.contains(detail), "detail {d:?} lacks {detail:?}");
        }
        other => panic!("expected a non-finite error in {context}, got {other:?}"),
    }
}

/// Asserts a [`Error::State`] whose fields contain the given pieces.
#[track_caller]
fn expect_state<T: Debug>(r: Result<T>, context: &str, detail: &str) {
    match r {
        Err(Error::State {
            context: c,
            detail: d,
        }) => {
            assert!(c.contains(context), "context {c:?} lacks {context:?}");
            assert!(d.contains(detail), "detail {d:?} lacks {detail:?}");
        }
        other => panic!("expected a state error in {context}, got {other:?}"),
    }
}

fn ramp(rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| 0.1 * (i * cols + j) as f64 - 0.3)
}

/// A layer, the input width it takes, its output width, and what its errors name.
type Case = (Box<dyn Layer<f64>>, usize, usize, &'static str);

/// One of every layer type.
fn every_layer() -> Vec<Case> {
    vec![
        (
            Box::new(Linear::new(3, 2, 0).unwrap()),
            3,
            2,
            "Linear(3 → 2)",
        ),
        (
            Box::new(
                Linear::new(3, 2, 0)
                    .unwrap()
                    .with_activation(Activation::Gelu)
                    .unwrap(),
            ),
            3,
            2,
            "Linear(3 → 2, gelu)",
        ),
        (
            Box::new(ActivationLayer::new(Activation::Tanh).unwrap()),
            3,
            3,
            "Tanh",
        ),
        (
            Box::new(ActivationLayer::new(Activation::Silu).unwrap()),
            3,
            3,
            "SiLU",
        ),
        (Box::new(Softmax::new()), 3, 3, "Softmax"),
        (Box::new(LogSoftmax::new()), 3, 3, "LogSoftmax"),
        (
            Box::new(Dropout::new(0.5, 1).unwrap()),
            3,
            3,
            "Dropout(p=0.5)",
        ),
        (
            Box::new(BatchNorm1d::new(3).unwrap()),
            3,
            3,
            "BatchNorm1d(3)",
        ),
        (Box::new(LayerNorm::new(3).unwrap()), 3, 3, "LayerNorm(3)"),
        (
            Box::new(Residual::new(Linear::new(3, 3, 0).unwrap(), 3).unwrap()),
            3,
            3,
            "Residual(Linear(3 → 3))",
        ),
        (
            Box::new(Residual::with_projection(Linear::new(3, 2, 0).unwrap(), 3, 1).unwrap()),
            3,
            2,
            "Residual(3 → 2, projected",
        ),
        (
            Box::new(Mlp::new(&[3, 4, 2]).build::<f64>().unwrap()),
            3,
            2,
            "Sequential[1]: Linear(4 → 2)",
        ),
    ]
}

#[test]
fn input_width_different_from_the_first_layer_of_an_mlp() {
    let mut net = Mlp::new(&[5, 4, 3]).build::<f64>().unwrap();
    let x = ramp(2, 6);
    expect_shape(
        net.forward(x.view(), Mode::Train),
        "Sequential[0]: Linear(5 → 4, relu)",
        "input with 5 columns",
        "2 × 6",
    );
    expect_shape(
        net.forward(ramp(2, 4).view(), Mode::Eval),
        "Linear(5 → 4, relu)",
        "5 columns",
        "2 × 4",
    );
    expect_shape(
        net.output_width(6),
        "Sequential[0]",
        "5 columns",
        "6 columns",
    );
    expect_shape(net.summary(7), "Sequential[0]", "5 columns", "7 columns");
    // The network still works with the right width afterwards.
    assert_eq!(
        net.forward(ramp(2, 5).view(), Mode::Train).unwrap().dim(),
        (2, 3)
    );
    // The same for normalisation layers and residual blocks given the wrong width.
    let mut bn = BatchNorm1d::<f64>::new(4).unwrap();
    expect_shape(
        bn.forward(ramp(3, 5).view(), Mode::Train),
        "BatchNorm1d(4)",
        "4 columns",
        "3 × 5",
    );
    let mut ln = LayerNorm::<f64>::new(4).unwrap();
    expect_shape(
        ln.forward(ramp(3, 2).view(), Mode::Eval),
        "LayerNorm(4)",
        "4 columns",
        "3 × 2",
    );
    let mut res = Residual::<f64>::new(Linear::new(4, 4, 0).unwrap(), 4).unwrap();
    expect_shape(
        res.forward(ramp(3, 2).view(), Mode::Eval),
        "Residual(Linear(4 → 4))",
        "4 columns",
        "2 columns",
    );
    // A residual body that changes the width needs a projection.
    expect_shape(
        Residual::<f64>::new(Linear::new(4, 5, 0).unwrap(), 4),
        "Residual",
        "keeps the width 4",
        "output width 5",
    );
}

#[test]
fn target_shape_different_from_prediction() {
    let pred = ramp(4, 2);
    let wrong = ramp(4, 3);
    let short = ramp(3, 2);
    let losses: Vec<(Box<dyn Loss<f64>>, &str)> = vec![
        (Box::new(Mse::new()), "MSE loss"),
        (Box::new(Mae::new()), "MAE loss"),
        (Box::new(Huber::new(1.0).unwrap()), "Huber"),
        (Box::new(Bce::new()), "BCE loss"),
        (Box::new(BceWithLogits::new()), "BCEWithLogits loss"),
    ];
    let probs = pred.mapv(|v| (v + 0.5).clamp(0.0, 1.0));
    for (loss, name) in &losses {
        let p = if name.starts_with("BCE loss") {
            &probs
        } else {
            &pred
        };
        expect_shape(
            loss.value(p.view(), (&wrong).into()),
            name,
            "target of shape 4 × 2",
            "4 × 3",
        );
        expect_shape(
            loss.value(p.view(), (&short).into()),
            name,
            "target of shape 4 × 2",
            "3 × 2",
        );
        let mut grad = Array2::zeros((0, 0));
        expect_shape(
            loss.value_and_grad(p.view(), (&wrong).into(), &mut grad),
            name,
            "4 × 2",
            "4 × 3",
        );
        // Class indices are not dense targets.
        let classes = [0usize, 1, 1, 0];
        expect_value(
            loss.value(p.view(), classes[..].into()),
            name,
            "dense targets",
            "class indices",
        );
    }
    // Cross-entropy: one class index per row, soft targets shaped like the logits.
    let ce = CrossEntropy::new();
    let three = [0usize, 1, 1];
    expect_shape(
        ce.value(pred.view(), three[..].into()),
        "CrossEntropy loss",
        "4 targets",
        "3 targets",
    );
    expect_shape(
        ce.value(pred.view(), (&wrong).into()),
        "CrossEntropy loss",
        "soft targets of shape 4 × 2",
        "4 × 3",
    );
    // Per-column settings must match the width.
    let bce = BceWithLogits::new()
        .with_pos_weight(vec![1.0, 2.0, 3.0])
        .unwrap();
    expect_shape(
        bce.value(pred.view(), (&pred).into()),
        "BCEWithLogits loss",
        "one pos_weight per output column (2)",
        "3 weights",
    );
    let ce = CrossEntropy::new().with_class_weights(vec![1.0]).unwrap();
    expect_shape(
        ce.value(pred.view(), [0usize, 1, 0, 1][..].into()),
        "CrossEntropy loss",
        "one class weight per logit column (2)",
        "1 weights",
    );
}

#[test]
fn dropout_probability_outside_zero_to_one() {
    expect_config(Dropout::<f64>::new(1.0, 0), "Dropout.p", "1", "[0, 1)");
    expect_config(Dropout::<f64>::new(-0.1, 0), "Dropout.p", "-0.1", "[0, 1)");
    expect_config(
        Dropout::<f32>::new(f64::NAN, 0),
        "Dropout.p",
        "NaN",
        "[0, 1)",
    );
    expect_config(
        Mlp::new(&[3, 4, 1]).dropout(1.0).build::<f64>(),
        "Dropout.p",
        "1",
        "[0, 1)",
    );
    expect_config(
        Mlp::new(&[3, 4, 1]).dropout(-0.1).build::<f64>(),
        "Dropout.p",
        "-0.1",
        "[0, 1)",
    );
    assert!(Dropout::<f64>::new(0.0, 0).is_ok() && Dropout::<f64>::new(0.999, 0).is_ok());
}

#[test]
fn zero_widths() {
    expect_config(
        LayerNorm::<f64>::new(0),
        "LayerNorm.normalized_shape",
        "0",
        "at least 1",
    );
    expect_config(
        BatchNorm1d::<f64>::new(0),
        "BatchNorm1d.num_features",
        "0",
        "at least 1",
    );
    expect_config(
        Mlp::new(&[4, 0, 2]).build::<f64>(),
        "Mlp.widths[1]",
        "0",
        "at least 1",
    );
    expect_config(
        Mlp::new(&[0, 3]).build::<f32>(),
        "Mlp.widths[0]",
        "0",
        "at least 1",
    );
    expect_config(
        Mlp::new(&[4, 3, 0]).build::<f32>(),
        "Mlp.widths[2]",
        "0",
        "at least 1",
    );
    expect_config(
        Mlp::new(&[4]).build::<f64>(),
        "Mlp.widths",
        "[4]",
        "at least an input and an output",
    );
    expect_config(
        Linear::<f64>::new(0, 3, 0),
        "Linear.in_features",
        "0",
        "at least 1",
    );
    expect_config(
        Linear::<f64>::new(3, 0, 0),
        "Linear.out_features",
        "0",
        "at least 1",
    );
}

#[test]
fn cross_entropy_class_index_out_of_range() {
    let logits = ramp(3, 4);
    let classes = [0usize, 4, 1];
    let ce = CrossEntropy::new();
    expect_value(
        ce.value(logits.view(), classes[..].into()),
        "CrossEntropy loss",
        "below 4",
        "4 at row 1",
    );
    let mut grad = Array2::zeros((0, 0));
    let far = [0usize, 1, 99];
    expect_value(
        ce.value_and_grad(logits.view(), far[..].into(), &mut grad),
        "CrossEntropy loss",
        "below 4",
        "99 at row 2",
    );
    // Also with class weights and smoothing, which index per class.
    let ce = CrossEntropy::new()
        .with_class_weights(vec![1.0; 4])
        .unwrap()
        .with_label_smoothing(0.1)
        .unwrap();
    expect_value(
        ce.value(logits.view(), classes[..].into()),
        "CrossEntropy loss",
        "below 4",
        "4 at row 1",
    );
}

#[test]
fn nan_prediction_is_an_error_naming_the_loss() {
    let losses: Vec<(Box<dyn Loss<f64>>, &str)> = vec![
        (Box::new(Mse::new()), "MSE loss"),
        (Box::new(Mae::new()), "MAE loss"),
        (Box::new(Huber::new(1.0).unwrap()), "Huber"),
        (Box::new(Bce::new()), "BCE loss"),
        (Box::new(BceWithLogits::new()), "BCEWithLogits loss"),
        (
            Box::new(
                BceWithLogits::new()
                    .with_pos_weight(vec![2.0, 1.0])
                    .unwrap(),
            ),
            "BCEWithLogits loss",
        ),
        (Box::new(CrossEntropy::new()), "CrossEntropy loss"),
        (
            Box::new(CrossEntropy::new().with_label_smoothing(0.1).unwrap()),
            "CrossEntropy loss",
        ),
    ];
    let target = array![[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]];
    let classes = [1usize, 0, 1];
    for (bad, shown) in [
        (f64::NAN, "NaN"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
    ] {
        let mut pred = array![[0.2, 0.7], [0.4, 0.9], [0.6, 0.1]];
        pred[[2, 1]] = bad;
        let detail = format!("prediction[2, 1] = {shown}");
        for (loss, name) in &losses {
            expect_non_finite(loss.value(pred.view(), (&target).into()), name, &detail);
            let mut grad = Array2::zeros((0, 0));
            expect_non_finite(
                loss.value_and_grad(pred.view(), (&target).into(), &mut grad),
                name,
                &detail,
            );
            if name.starts_with("CrossEntropy") {
                expect_non_finite(loss.value(pred.view(), classes[..].into()), name, &detail);
                expect_non_finite(
                    loss.value_and_grad(pred.view(), classes[..].into(), &mut grad),
                    name,
                    &detail,
                );
            }
        }
    }
    // A NaN in a dense target is reported as the target.
    let pred = array![[0.2, 0.7]];
    let target = array![[0.0, f64::NAN]];
    for (loss, name) in &losses {
        expect_non_finite(
            loss.value(pred.view(), (&target).into()),
            name,
            "target[0, 1] = NaN",
        );
    }
}

#[test]
fn backward_before_forward() {
    for (mut layer, _, out, name) in every_layer() {
        let g = Array2::<f64>::ones((4, out));
        expect_state(
            layer.backward(g.view()),
            name,
            "backward called before forward",
        );
        expect_state(
            layer.backward_parameters(g.view()),
            name,
            "backward called before forward",
        );
        // Nothing was accumulated.
        layer.visit_parameters(&mut |p| {
            assert!(p.grad().iter().all(|&v| v == 0.0), "{name}: {}", p.name())
        });
    }
}

#[test]
fn gradient_of_the_wrong_shape() {
    for (mut layer, inp, out, name) in every_layer() {
        let x = ramp(4, inp);
        layer.zero_grad();
        layer.forward(x.view(), Mode::Train).unwrap();
        let expected = format!("output gradient of shape 4 × {out}");
        let too_wide = Array2::<f64>::ones((4, out + 1));
        expect_shape(
            layer.backward(too_wide.view()),
            name,
            &expected,
            &format!("4 × {}", out + 1),
        );
        let too_short = Array2::<f64>::ones((3, out));
        expect_shape(
            layer.backward(too_short.view()),
            name,
            &expected,
            &format!("3 × {out}"),
        );
        expect_shape(
            layer.backward_parameters(too_short.view()),
            name,
            &expected,
            &format!("3 × {out}"),
        );
        layer.visit_parameters(&mut |p| {
            assert!(p.grad().iter().all(|&v| v == 0.0), "{name}: {}", p.name())
        });
        // The right shape still works.
        let ok = Array2::<f64>::ones((4, out));
        assert_eq!(layer.backward(ok.view()).unwrap().dim(), (4, inp), "{name}");
    }
}

#[test]
fn sgd_learning_rate_must_be_finite_and_non_negative() {
    expect_config(Sgd::new(-0.1), "Sgd.lr", "-0.1", "a finite number ≥ 0");
    expect_config(Sgd::new(f64::NAN), "Sgd.lr", "NaN", "a finite number ≥ 0");
    expect_config(
        Sgd::new(f64::INFINITY),
        "Sgd.lr",
        "inf",
        "a finite number ≥ 0",
    );
    let mut sgd = Sgd::new(0.1).unwrap();
    expect_config(
        Optimizer::<f64>::set_learning_rate(&mut sgd, -1.0),
        "Sgd.lr",
        "-1",
        "finite",
    );
    expect_config(
        Optimizer::<f64>::set_learning_rate(&mut sgd, f64::NAN),
        "Sgd.lr",
        "NaN",
        "finite",
    );
    assert_eq!(
        Optimizer::<f64>::learning_rate(&sgd),
        0.1,
        "a rejected learning rate must not be applied"
    );
}

/// Every parameter value as raw bits, in visiting order.
fn value_bits(net: &dyn Layer<f64>) -> Vec<u64> {
    let mut bits = Vec::new();
    net.visit_parameters(&mut |p| bits.extend(p.value_slice().iter().map(|v| v.to_bits())));
    bits
}

#[test]
fn sgd_step_with_a_non_finite_gradient_changes_nothing() {
    let x = ramp(5, 4);
    let y = ramp(5, 3);
    for (target_param, index, bad, shown) in [
        ("2.bias", 1usize, f64::NAN, "NaN"),
        ("0.weight", 7, f64::INFINITY, "inf"),
        ("2.weight", 0, f64::NEG_INFINITY, "-inf"),
    ] {
        let mut net = Mlp::new(&[4, 6, 3])
            .activation(Activation::Tanh)
            .seed(2)
            .build::<f64>()
            .unwrap();
        net.zero_grad();
        let out = net.forward(x.view(), Mode::Train).unwrap();
        let mut grad = Array2::zeros((0, 0));
        Mse::new()
            .value_and_grad(out, (&y).into(), &mut grad)
            .unwrap();
        net.backward_parameters(grad.view()).unwrap();
        net.visit_parameters_mut(&mut |p| {
            if p.name() == target_param {
                p.grad_mut().as_slice_mut().unwrap()[index] = bad;
            }
        });
        let before = value_bits(&net);
        let mut sgd = Sgd::new(0.5).unwrap();
        expect_non_finite(
            sgd.step(&mut net),
            "SGD step",
            &format!("gradient of {target_param} has {shown} at flat index {index}"),
        );
        assert_eq!(
            value_bits(&net),
            before,
            "a failed step changed a parameter"
        );
        // Once the gradient is fixed the step goes through and moves the parameters.
        net.visit_parameters_mut(&mut |p| {
            if p.name() == target_param {
                p.grad_mut().as_slice_mut().unwrap()[index] = 0.0;
            }
        });
        sgd.step(&mut net).unwrap();
        assert_ne!(value_bits(&net), before);
    }
    // A frozen parameter's gradient is not looked at, and the parameter does not move.
    let mut net = Mlp::new(&[2, 2]).build::<f64>().unwrap();
    net.visit_parameters_mut(&mut |p| {
        let is_bias = p.name() == "0.bias";
        p.grad_mut().fill(if is_bias { f64::NAN } else { 1.0 });
        p.set_frozen(is_bias);
    });
    let mut bias_before = Vec::new();
    net.visit_parameters(&mut |p| {
        if p.name() == "0.bias" {
            bias_before = p.value_slice().to_vec();
        }
    });
    Sgd::new(0.1).unwrap().step(&mut net).unwrap();
    net.visit_parameters(&mut |p| {
        if p.name() == "0.bias" {
            assert_eq!(p.value_slice(), &bias_before[..]);
        }
    });
}

#[test]
fn huber_delta_must_be_positive() {
    expect_config(Huber::new(0.0), "Huber.delta", "0", "a finite number > 0");
    expect_config(Huber::new(-1.0), "Huber.delta", "-1", "a finite number > 0");
    expect_config(
        Huber::new(f64::NAN),
        "Huber.delta",
        "NaN",
        "a finite number > 0",
    );
    expect_config(
        Huber::new(f64::INFINITY),
        "Huber.delta",
        "inf",
        "a finite number > 0",
    );
    assert!(Huber::new(1e-9).is_ok());
}

#[test]
fn bce_probabilities_outside_zero_to_one() {
    let target = array![[1.0, 0.0], [0.0, 1.0]];
    let bce = Bce::new();
    let above = array![[0.5, 0.5], [0.5, 1.5]];
    expect_value(
        Loss::<f64>::value(&bce, above.view(), (&target).into()),
        "BCE loss",
        "probabilities in [0, 1]",
        "prediction[1, 1] = 1.5",
    );
    let below = array![[0.5, -0.1], [0.5, 0.5]];
    let mut grad = Array2::zeros((0, 0));
    expect_value(
        bce.value_and_grad(below.view(), (&target).into(), &mut grad),
        "BCE loss",
        "BceWithLogits",
        "prediction[0, 1] = -0.1",
    );
    // The end points themselves are allowed and finite (PyTorch clamps log at −100).
    let ends = array![[1.0, 0.0], [1.0, 0.0]];
    let v = Loss::<f64>::value(&bce, ends.view(), (&target).into()).unwrap();
    assert!(v.is_finite(), "{v}");
}

#[test]
fn invalid_init_gain() {
    let mut rng = StdRng::seed_from_u64(0);
    let cases = [
        (
            Init::XavierUniform { gain: -1.0 },
            "Init::XavierUniform.gain",
            "-1",
        ),
        (
            Init::XavierNormal { gain: f64::NAN },
            "Init::XavierNormal.gain",
            "NaN",
        ),
        (
            Init::KaimingUniform {
                gain: f64::INFINITY,
                mode: FanMode::FanIn,
            },
            "Init::KaimingUniform.gain",
            "inf",
        ),
        (
            Init::KaimingNormal {
                gain: -0.5,
                mode: FanMode::FanOut,
            },
            "Init::KaimingNormal.gain",
            "-0.5",
        ),
        (
            Init::Orthogonal { gain: f64::NAN },
            "Init::Orthogonal.gain",
            "NaN",
        ),
    ];
    for (init, param, value) in cases {
        expect_config(
            init.weights::<f64>(3, 2, &mut rng),
            param,
            value,
            "a finite gain ≥ 0",
        );
        expect_config(
            Linear::<f32>::from_rng(2, 3, init, true, &mut rng),
            param,
            value,
            "finite gain",
        );
        expect_config(
            Mlp::new(&[2, 3, 1]).init(init).build::<f64>(),
            param,
            value,
            "finite gain",
        );
    }
    expect_config(
        Init::Constant(f64::NAN).weights::<f64>(2, 2, &mut rng),
        "Init::Constant",
        "NaN",
        "finite",
    );
}

#[test]
fn invalid_activation_and_loss_settings() {
    expect_config(
        ActivationLayer::<f64>::new(Activation::Elu { alpha: -1.0 }),
        "Elu.alpha",
        "-1",
        "≥ 0",
    );
    expect_config(
        Linear::<f64>::new(2, 2, 0)
            .unwrap()
            .with_activation(Activation::Softplus {
                beta: 0.0,
                threshold: 20.0,
            }),
        "Softplus.beta",
        "0",
        "> 0",
    );
    expect_config(
        Mlp::new(&[2, 2])
            .activation(Activation::LeakyRelu { slope: f64::NAN })
            .build::<f64>(),
        "LeakyRelu.slope",
        "NaN",
        "finite",
    );
    expect_config(
        CrossEntropy::new().with_label_smoothing(-0.1),
        "CrossEntropy.label_smoothing",
        "-0.1",
        "[0, 1]",
    );
    expect_config(
        CrossEntropy::new().with_class_weights(vec![1.0, -2.0]),
        "CrossEntropy.class_weights[1]",
        "-2",
        "≥ 0",
    );
    expect_config(
        BceWithLogits::new().with_pos_weight(vec![f64::NAN]),
        "BceWithLogits.pos_weight[0]",
        "NaN",
        "≥ 0",
    );
    expect_config(L1::new(-0.1), "L1.alpha", "-0.1", "≥ 0");
    expect_config(L2::new(f64::NAN), "L2.alpha", "NaN", "≥ 0");
    expect_config(
        ElasticNet::new(0.1, 1.2),
        "ElasticNet.l1_ratio",
        "1.2",
        "[0, 1]",
    );
    expect_config(
        BatchNorm1d::<f64>::with_options(3, 0.0, 0.1, true),
        "BatchNorm1d.eps",
        "0",
        "> 0",
    );
    expect_config(
        BatchNorm1d::<f64>::with_options(3, 1e-5, -0.1, true),
        "BatchNorm1d.momentum",
        "-0.1",
        "[0, 1]",
    );
    expect_config(
        LayerNorm::<f64>::with_options(3, f64::NAN, true),
        "LayerNorm.eps",
        "NaN",
        "> 0",
    );
}

#[test]
fn single_class_training_labels_are_refused_and_the_model_kept() {
    let model = Mlp::new(&[2, 3, 2]).seed(3).build::<f64>().unwrap();
    let before = tuneup::train::weights_to_bytes(&model).unwrap();
    let mut trainer = tuneup::train::Trainer::builder()
        .model(model)
        .loss(CrossEntropy::new())
        .optimizer(Sgd::new(0.1).unwrap())
        .epochs(2)
        .build()
        .unwrap();
    let x = Array2::<f64>::ones((6, 2));
    let err = trainer
        .fit(x.view(), tuneup::loss::Targets::Classes(&[1usize; 6]))
        .unwrap_err();
    assert!(matches!(err, Error::Value { .. }), "{err:?}");
    assert!(
        err.to_string().contains("only class 1 in all 6 rows"),
        "{err}"
    );
    let after = tuneup::train::weights_to_bytes(trainer.model()).unwrap();
    assert_eq!(before, after, "the model changed");
    // Evaluating on one class is fine (a test batch may hold one).
    assert!(trainer
        .evaluate(x.view(), tuneup::loss::Targets::Classes(&[1usize; 6]))
        .is_ok());
}
