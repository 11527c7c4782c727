//! Parity with PyTorch for the model, the losses and the regularizers.
//!
//! The reference values in `tests/fixtures/model_parity.json` are written by
//! `scripts/reference/make_model_fixtures.py` (PyTorch, float64, seeded). Every case is rebuilt
//! here from the same weights and inputs and compared:
//!
//! * in `f64` to 1e-10 relative, with an absolute floor of 1e-12 × the array's scale (the largest
//!   |value|, at least 1) for entries near zero;
//! * in `f32` (weights and inputs rounded to `f32`) for a representative subset, to 1e-5
//!   relative with an absolute floor of 1e-6 × the array's scale.
//!
//! Covered: every activation × {MSE, BCE with logits, cross-entropy} in a two-layer network
//! (fused activation and stand-alone `ActivationLayer`), each loss with its options, the L1 / L2
//! / elastic-net penalties, LayerNorm and BatchNorm1d (train and eval), Softmax / LogSoftmax,
//! and inputs of ±1000.

mod common;

use std::sync::OnceLock;

use common::{array1, array2, array_d, assert_close_slices, load_fixture};
use ndarray::{Array1, Array2};
use serde_json::Value;
use tuneup::loss::{InputGradient, Penalty};
use tuneup::prelude::*;

fn fixture() -> &'static Value {
    static FIXTURE: OnceLock<Value> = OnceLock::new();
    FIXTURE.get_or_init(|| load_fixture("model_parity.json"))
}

fn cases(key: &str) -> &'static [Value] {
    fixture()[key]
        .as_array()
        .unwrap_or_else(|| panic!("fixture has a list {key}"))
}

// ---------------------------------------------------------------------------------------------
// Tolerances and comparisons
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Tol {
    rtol: f64,
    /// Absolute floor, multiplied by the scale of the expected array (its largest |value|, at
    /// least 1).
    atol: f64,
}

const TOL_F64: Tol = Tol {
    rtol: 1e-10,
    atol: 1e-12,
};
const TOL_F32: Tol = Tol {
    rtol: 1e-5,
    atol: 1e-6,
};

fn check_slice(got: &[f64], expected: &[f64], tol: Tol, what: &str) {
    let scale = expected.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    assert!(
        got.iter().all(|v| v.is_finite()),
        "{what}: non-finite value in {got:?}"
    );
    assert_close_slices(got, expected, tol.rtol, tol.atol * scale, what);
}

/// Compares a tuneup array (any float type, any dimension) with a fixture array.
fn check<F: Float, D: ndarray::Dimension>(
    got: &ndarray::ArrayBase<impl ndarray::Data<Elem = F>, D>,
    expected: &Value,
    tol: Tol,
    what: &str,
) {
    let exp = array_d(expected);
    assert_eq!(got.shape(), exp.shape(), "{what}: shape");
    let got: Vec<f64> = got.iter().map(|v| v.as_f64()).collect();
    let exp: Vec<f64> = exp.iter().copied().collect();
    check_slice(&got, &exp, tol, what);
}

fn check_scalar<F: Float>(got: F, expected: &Value, tol: Tol, what: &str) {
    let e = expected
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: fixture number"));
    check_slice(&[got.as_f64()], &[e], tol, what);
}

fn mat<F: Float>(v: &Value) -> Array2<F> {
    array2(v).mapv(F::cast)
}

fn vec1<F: Float>(v: &Value) -> Array1<F> {
    array1(v).mapv(F::cast)
}

fn name_of(case: &Value) -> &str {
    case["name"].as_str().unwrap_or("?")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("a list of names")
        .iter()
        .map(|s| s.as_str().expect("a name").to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Fixture descriptions → tuneup objects
// ---------------------------------------------------------------------------------------------

fn activation(spec: &Value) -> Activation {
    let num = |k: &str| {
        spec[k]
            .as_f64()
            .unwrap_or_else(|| panic!("activation {spec}: {k}"))
    };
    match spec["name"].as_str().expect("activation name") {
        "identity" => Activation::Identity,
        "sigmoid" => Activation::Sigmoid,
        "tanh" => Activation::Tanh,
        "relu" => Activation::Relu,
        "leaky_relu" => Activation::LeakyRelu {
            slope: num("slope"),
        },
        "elu" => Activation::Elu {
            alpha: num("alpha"),
        },
        "gelu" => Activation::Gelu,
        "gelu_tanh" => Activation::GeluTanh,
        "silu" => Activation::Silu,
        "softplus" => Activation::Softplus {
            beta: num("beta"),
            threshold: num("threshold"),
        },
        other => panic!("unknown activation {other}"),
    }
}

fn reduction(spec: &Value) -> Reduction {
    match spec["reduction"].as_str().unwrap_or("mean") {
        "mean" => Reduction::Mean,
        "sum" => Reduction::Sum,
        other => panic!("unknown reduction {other}"),
    }
}

fn floats(v: &Value) -> Option<Vec<f64>> {
    v.as_array()
        .map(|l| l.iter().map(|x| x.as_f64().expect("number")).collect())
}

fn loss<F: Float>(spec: &Value) -> Box<dyn Loss<F>> {
    let red = reduction(spec);
    match spec["kind"].as_str().expect("loss kind") {
        "mse" => Box::new(Mse::with_reduction(red)),
        "mae" => Box::new(Mae::with_reduction(red)),
        "huber" => Box::new(
            Huber::new(spec["delta"].as_f64().expect("delta"))
                .unwrap()
                .with_reduction(red),
        ),
        "bce" => Box::new(Bce::with_reduction(red)),
        "bce_logits" => {
            let mut l = BceWithLogits::new().with_reduction(red);
            if let Some(pw) = floats(&spec["pos_weight"]) {
                l = l.with_pos_weight(pw).unwrap();
            }
            Box::new(l)
        }
        "ce" => {
            let mut l = CrossEntropy::new().with_reduction(red);
            if let Some(w) = floats(&spec["class_weights"]) {
                l = l.with_class_weights(w).unwrap();
            }
            if let Some(eps) = spec["label_smoothing"].as_f64() {
                l = l.with_label_smoothing(eps).unwrap();
            }
            Box::new(l)
        }
        other => panic!("unknown loss {other}"),
    }
}

/// Targets owned by the test, from a case's `classes` or `target`.
enum OwnedTargets<F> {
    Dense(Array2<F>),
    Classes(Vec<usize>),
}

impl<F: Float> OwnedTargets<F> {
    fn from_case(case: &Value) -> Self {
        match case["classes"].as_array() {
            Some(c) => {
                OwnedTargets::Classes(c.iter().map(|v| v.as_u64().unwrap() as usize).collect())
            }
            None => OwnedTargets::Dense(mat(&case["target"])),
        }
    }
    fn view(&self) -> Targets<'_, F> {
        match self {
            OwnedTargets::Dense(t) => Targets::Dense(t.view()),
            OwnedTargets::Classes(c) => Targets::Classes(c),
        }
    }
}

/// Overwrites every parameter from the fixture's `params` (by full name) and checks that every
/// fixture parameter was found.
fn load_params<F: Float>(net: &mut dyn Layer<F>, params: &Value) {
    let mut seen = 0;
    net.visit_parameters_mut(&mut |p| {
        let v = array_d(&params[p.name()]).mapv(F::cast);
        p.set_value(v.view()).unwrap();
        seen += 1;
    });
    assert_eq!(seen, params.as_object().unwrap().len(), "parameter count");
}

/// Overwrites the running statistics from the fixture's `buffers_before` (by full name).
fn load_buffers<F: Float>(net: &mut dyn Layer<F>, buffers: &Value) {
    let mut seen = 0;
    net.visit_buffers_mut(&mut |b| {
        let v = array_d(&buffers[b.name()]).mapv(F::cast);
        b.value_mut().assign(&v);
        seen += 1;
    });
    assert_eq!(seen, buffers.as_object().unwrap().len(), "buffer count");
}

fn param_names<F: Float>(net: &dyn Layer<F>) -> Vec<String> {
    let mut names = Vec::new();
    net.visit_parameters(&mut |p| names.push(p.name().to_string()));
    names
}

fn check_param_grads<F: Float>(net: &dyn Layer<F>, grads: &Value, tol: Tol, what: &str) {
    let mut n = 0;
    net.visit_parameters(&mut |p| {
        check(
            &p.grad(),
            &grads[p.name()],
            tol,
            &format!("{what}: grad {}", p.name()),
        );
        n += 1;
    });
    assert_eq!(
        n,
        grads.as_object().unwrap().len(),
        "{what}: gradient count"
    );
}

fn check_buffers<F: Float>(net: &dyn Layer<F>, buffers: &Value, tol: Tol, what: &str) {
    let mut n = 0;
    net.visit_buffers(&mut |b| {
        check(
            &b.value(),
            &buffers[b.name()],
            tol,
            &format!("{what}: buffer {}", b.name()),
        );
        n += 1;
    });
    assert_eq!(
        n,
        buffers.as_object().unwrap().len(),
        "{what}: buffer count"
    );
}

// ---------------------------------------------------------------------------------------------
// Two-layer networks: every activation × every loss
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    /// `Linear::with_activation`.
    Fused,
    /// `Linear`, `ActivationLayer`, `Linear`.
    Separate,
}

/// `Linear(7, 6) → act → Linear(6, K)` from the fixture's PyTorch weights.
fn build_mlp<F: Float>(case: &Value, style: Style) -> Sequential<F> {
    let p = &case["params"];
    let first = Linear::from_weights(mat::<F>(&p["0.weight"]), Some(vec1(&p["0.bias"]))).unwrap();
    let last = Linear::from_weights(mat::<F>(&p["2.weight"]), Some(vec1(&p["2.bias"]))).unwrap();
    let act = activation(&case["activation"]);
    match style {
        Style::Fused => Sequential::new()
            .push(first.with_activation(act).unwrap())
            .push(last),
        Style::Separate => Sequential::new()
            .push(first)
            .push(ActivationLayer::new(act).unwrap())
            .push(last),
    }
}

fn run_model_case<F: Float>(case: &Value, style: Style, tol: Tol) {
    let what = format!("{} [{style:?}, {}]", name_of(case), F::NAME);
    let mut net = build_mlp::<F>(case, style);

    // Names are PyTorch's state_dict names; a fused Identity is no module at all, so there the
    // second Linear is module 1 (as in a PyTorch Sequential built without the Identity).
    let mut expected_names = strings(&case["param_names"]);
    if style == Style::Fused && activation(&case["activation"]) == Activation::Identity {
        expected_names = ["0.weight", "0.bias", "1.weight", "1.bias"]
            .map(String::from)
            .to_vec();
    }
    assert_eq!(param_names(&net), expected_names, "{what}: parameter names");

    // Weights read back in PyTorch's out × in layout, exactly as given.
    let torch_names = strings(&case["param_names"]);
    let mut i = 0;
    net.visit_parameters(&mut |p| {
        let exp = array_d(&case["params"][&torch_names[i]]).mapv(|v| F::cast(v).as_f64());
        assert_eq!(p.shape(), exp.shape(), "{what}: shape of {}", p.name());
        let got = p.value().mapv(|v| v.as_f64());
        assert_eq!(got, exp, "{what}: value of {}", p.name());
        i += 1;
    });
    assert_eq!(
        net.num_parameters(),
        7 * 6 + 6 + net.output_width(7).unwrap() * 7
    );

    let x = mat::<F>(&case["input"]);
    let targets = OwnedTargets::<F>::from_case(case);
    let loss = loss::<F>(&case["loss"]);

    net.zero_grad();
    let out = net.forward(x.view(), Mode::Train).unwrap().to_owned();
    check(&out, &case["output"], tol, &format!("{what}: output"));
    let mut grad = Array2::zeros((0, 0));
    let value = loss
        .value_and_grad(out.view(), targets.view(), &mut grad)
        .unwrap();
    check_scalar(value, &case["loss_value"], tol, &format!("{what}: loss"));
    let value_only = loss.value(out.view(), targets.view()).unwrap();
    check_scalar(
        value_only,
        &case["loss_value"],
        tol,
        &format!("{what}: loss (value)"),
    );
    let grad_in = net.backward(grad.view()).unwrap().to_owned();
    check(
        &grad_in,
        &case["input_grad"],
        tol,
        &format!("{what}: input grad"),
    );
    check_grads_in_order(&net, &torch_names, &case["param_grads"], tol, &what);

    // backward_parameters gives the same parameter gradients (without the input gradient).
    net.zero_grad();
    net.forward(x.view(), Mode::Train).unwrap();
    net.backward_parameters(grad.view()).unwrap();
    let label = format!("{what} (backward_parameters)");
    check_grads_in_order(&net, &torch_names, &case["param_grads"], tol, &label);

    // InputGradient (forward, loss, backward_input) gives PyTorch's input gradient and the
    // loss, and leaves every parameter gradient at zero.
    net.zero_grad();
    let mut ig = InputGradient::new();
    let v = ig
        .of_loss(&mut net, &*loss, x.view(), targets.view(), Mode::Train)
        .unwrap();
    check_scalar(
        v,
        &case["loss_value"],
        tol,
        &format!("{what}: loss (InputGradient)"),
    );
    let g = ig.gradient().to_owned();
    check(
        &g,
        &case["input_grad"],
        tol,
        &format!("{what}: InputGradient"),
    );
    assert_parameter_gradients_zero(&net, &what);
}

/// Every parameter gradient of `net` is exactly zero.
fn assert_parameter_gradients_zero<F: Float>(net: &dyn Layer<F>, what: &str) {
    net.visit_parameters(&mut |p| {
        assert!(
            p.grad_slice().iter().all(|&g| g == F::zero()),
            "{what}: {} has a gradient after backward_input",
            p.name()
        );
    });
}

/// Parameter gradients against the fixture's, matched by position with PyTorch's names.
fn check_grads_in_order<F: Float>(
    net: &dyn Layer<F>,
    torch_names: &[String],
    grads: &Value,
    tol: Tol,
    what: &str,
) {
    let mut i = 0;
    net.visit_parameters(&mut |p| {
        let name = &torch_names[i];
        check(
            &p.grad(),
            &grads[name],
            tol,
            &format!("{what}: grad {name}"),
        );
        i += 1;
    });
    assert_eq!(i, torch_names.len(), "{what}: gradient count");
}

/// The first layer's pre-activations have the same sign as PyTorch's, so the designed rows sit
/// on the side of each kink the fixture intended (1e-12 away at the closest).
fn check_pre_activation(case: &Value) {
    let p = &case["params"];
    let mut first =
        Linear::<f64>::from_weights(array2(&p["0.weight"]), Some(array1(&p["0.bias"]))).unwrap();
    let x = array2(&case["input"]);
    let pre = first.forward(x.view(), Mode::Train).unwrap().to_owned();
    let what = format!("{}: pre-activation", name_of(case));
    check(&pre, &case["pre_activation"], TOL_F64, &what);
    let exp = array2(&case["pre_activation"]);
    let sign = |v: f64| (v > 0.0) as i8 - (v < 0.0) as i8;
    for ((idx, &a), &b) in pre.indexed_iter().zip(exp.iter()) {
        assert_eq!(sign(a), sign(b), "{what} sign at {idx:?}: {a:e} vs {b:e}");
    }
}

#[test]
fn activation_loss_grid_f64_matches_pytorch() {
    let all = cases("activation_cases");
    assert_eq!(
        all.len(),
        13 * 3 + 3,
        "13 activations × 3 losses + 3 batch-1 cases"
    );
    for case in all {
        check_pre_activation(case);
        run_model_case::<f64>(case, Style::Fused, TOL_F64);
        run_model_case::<f64>(case, Style::Separate, TOL_F64);
    }
}

/// Smooth activations (no kink for the designed near-zero rows to fall either side of in f32).
fn is_f32_subset(case: &Value) -> bool {
    matches!(
        activation(&case["activation"]),
        Activation::Identity
            | Activation::Sigmoid
            | Activation::Tanh
            | Activation::Gelu
            | Activation::GeluTanh
            | Activation::Silu
            | Activation::Softplus { .. }
    ) || activation(&case["activation"]) == Activation::ELU
}

#[test]
fn activation_loss_grid_f32_matches_pytorch() {
    let subset: Vec<&Value> = cases("activation_cases")
        .iter()
        .filter(|c| is_f32_subset(c))
        .collect();
    assert!(subset.len() >= 20);
    for case in subset {
        run_model_case::<f32>(case, Style::Fused, TOL_F32);
        run_model_case::<f32>(case, Style::Separate, TOL_F32);
    }
}

/// The leaky ReLU / ReLU kink cases in f32, on the rows whose pre-activations are far from 0.
#[test]
fn kinked_activations_f32_on_random_batch() {
    let kinked: Vec<&Value> = cases("activation_cases")
        .iter()
        .filter(|c| !is_f32_subset(c) && c["input"]["shape"][0] == 1)
        .collect();
    assert!(!kinked.is_empty());
    for case in kinked {
        run_model_case::<f32>(case, Style::Fused, TOL_F32);
        run_model_case::<f32>(case, Style::Separate, TOL_F32);
    }
}

// ---------------------------------------------------------------------------------------------
// Losses on their own
// ---------------------------------------------------------------------------------------------

fn run_loss_case<F: Float>(case: &Value, tol: Tol) {
    let what = format!("{} [{}]", name_of(case), F::NAME);
    let loss = loss::<F>(&case["loss"]);
    let pred = mat::<F>(&case["prediction"]);
    let targets = OwnedTargets::<F>::from_case(case);
    let mut grad = Array2::from_elem((1, 1), F::cast(123.0)); // reshaped and overwritten
    let value = loss
        .value_and_grad(pred.view(), targets.view(), &mut grad)
        .unwrap();
    check_scalar(value, &case["value"], tol, &format!("{what}: value"));
    check(&grad, &case["grad"], tol, &format!("{what}: grad"));
    // A stale gradient buffer of the right shape is overwritten, not added to.
    let value2 = loss
        .value_and_grad(pred.view(), targets.view(), &mut grad)
        .unwrap();
    assert_eq!(value2, value, "{what}: value is deterministic");
    check(
        &grad,
        &case["grad"],
        tol,
        &format!("{what}: grad (reused buffer)"),
    );
}

#[test]
fn losses_f64_match_pytorch() {
    let all = cases("loss_cases");
    assert!(all.len() >= 25);
    for case in all {
        run_loss_case::<f64>(case, TOL_F64);
    }
}

#[test]
fn losses_f32_match_pytorch() {
    for case in cases("loss_cases") {
        run_loss_case::<f32>(case, TOL_F32);
    }
}

// ---------------------------------------------------------------------------------------------
// Regularizers
// ---------------------------------------------------------------------------------------------

fn penalty(spec: &Value) -> Penalty {
    let alpha = spec["alpha"].as_f64().unwrap();
    let p = match spec["kind"].as_str().unwrap() {
        "l1" => L1::new(alpha).unwrap(),
        "l2" => L2::new(alpha).unwrap(),
        "elastic_net" => ElasticNet::new(alpha, spec["l1_ratio"].as_f64().unwrap()).unwrap(),
        other => panic!("unknown regularizer {other}"),
    };
    p.include_biases(spec["include_biases"].as_bool().unwrap_or(false))
}

fn run_regularizer_case<F: Float>(case: &Value, tol: Tol) {
    let what = format!("{} [{}]", name_of(case), F::NAME);
    let p = &case["params"];
    let first = Linear::from_weights(mat::<F>(&p["0.weight"]), Some(vec1(&p["0.bias"])))
        .unwrap()
        .with_activation(Activation::Tanh)
        .unwrap();
    let last = Linear::from_weights(mat::<F>(&p["2.weight"]), Some(vec1(&p["2.bias"]))).unwrap();
    let mut net = Sequential::new().push(first).push(last);
    assert_eq!(
        param_names(&net),
        strings(&case["param_names"]),
        "{what}: names"
    );
    let reg = penalty(&case["regularizer"]);
    let x = mat::<F>(&case["input"]);
    let y = mat::<F>(&case["target"]);

    net.zero_grad();
    let out = net.forward(x.view(), Mode::Train).unwrap().to_owned();
    let mut grad = Array2::zeros((0, 0));
    let data_loss = Mse::new()
        .value_and_grad(out.view(), (&y).into(), &mut grad)
        .unwrap();
    check_scalar(
        data_loss,
        &case["loss_value"],
        tol,
        &format!("{what}: loss"),
    );
    let grad_in = net.backward(grad.view()).unwrap().to_owned();
    check(
        &grad_in,
        &case["input_grad"],
        tol,
        &format!("{what}: input grad"),
    );

    let pen = Regularizer::<F>::penalty(&reg, &net);
    check_scalar(pen, &case["penalty"], tol, &format!("{what}: penalty"));
    let pen_added = reg.add_gradient(&mut net);
    assert_eq!(pen_added, pen, "{what}: add_gradient returns the penalty");
    check_scalar(
        data_loss + pen_added,
        &case["objective"],
        tol,
        &format!("{what}: objective"),
    );
    check_param_grads(&net, &case["param_grads"], tol, &what);
}

#[test]
fn regularizers_f64_match_pytorch() {
    let all = cases("regularizer_cases");
    assert_eq!(all.len(), 4);
    for case in all {
        run_regularizer_case::<f64>(case, TOL_F64);
    }
}

#[test]
fn regularizers_f32_match_pytorch() {
    for case in cases("regularizer_cases") {
        run_regularizer_case::<f32>(case, TOL_F32);
    }
}

// ---------------------------------------------------------------------------------------------
// Normalisation layers
// ---------------------------------------------------------------------------------------------

fn run_norm_case<F: Float>(case: &Value, tol: Tol) {
    let what = format!("{} [{}]", name_of(case), F::NAME);
    let eps = case["eps"].as_f64().unwrap();
    let affine = case["affine"].as_bool().unwrap();
    let train = case["train"].as_bool().unwrap();
    let mode = if train { Mode::Train } else { Mode::Eval };
    let mut layer: Box<dyn Layer<F>> = match case["kind"].as_str().unwrap() {
        "layer_norm" => Box::new(LayerNorm::<F>::with_options(6, eps, affine).unwrap()),
        "batch_norm" => {
            let momentum = case["momentum"].as_f64().unwrap();
            Box::new(BatchNorm1d::<F>::with_options(6, eps, momentum, affine).unwrap())
        }
        other => panic!("unknown norm {other}"),
    };
    assert_eq!(
        param_names(layer.as_ref()),
        strings(&case["param_names"]),
        "{what}: names"
    );
    load_params(layer.as_mut(), &case["params"]);
    load_buffers(layer.as_mut(), &case["buffers_before"]);

    let x = mat::<F>(&case["input"]);
    let up = mat::<F>(&case["upstream"]);
    layer.zero_grad();
    let y = layer.forward(x.view(), mode).unwrap().to_owned();
    check(&y, &case["output"], tol, &format!("{what}: output"));
    let gin = layer.backward(up.view()).unwrap().to_owned();
    check(
        &gin,
        &case["input_grad"],
        tol,
        &format!("{what}: input grad"),
    );
    check_param_grads(layer.as_ref(), &case["param_grads"], tol, &what);
    check_buffers(layer.as_ref(), &case["buffers_after"], tol, &what);

    // backward_input after the same forward: the same input gradient, no parameter gradient.
    load_buffers(layer.as_mut(), &case["buffers_before"]);
    layer.zero_grad();
    layer.forward(x.view(), mode).unwrap();
    let gin = layer.backward_input(up.view()).unwrap().to_owned();
    check(
        &gin,
        &case["input_grad"],
        tol,
        &format!("{what}: backward_input"),
    );
    assert_parameter_gradients_zero(layer.as_ref(), &what);
}

#[test]
fn norm_layers_f64_match_pytorch() {
    let all = cases("norm_cases");
    assert_eq!(all.len(), 2 + 6);
    for case in all {
        run_norm_case::<f64>(case, TOL_F64);
    }
}

#[test]
fn norm_layers_f32_match_pytorch() {
    for case in cases("norm_cases") {
        run_norm_case::<f32>(case, TOL_F32);
    }
}

#[test]
fn batch_norm_counts_train_batches() {
    let case = &cases("norm_cases")[2];
    assert_eq!(case["kind"], "batch_norm");
    let mut bn = BatchNorm1d::<f64>::new(6).unwrap();
    let x = array2(&case["input"]);
    bn.forward(x.view(), Mode::Train).unwrap();
    bn.forward(x.view(), Mode::Eval).unwrap();
    assert_eq!(bn.num_batches_tracked(), 1);
}

#[test]
fn batch_norm_rejects_batch_of_one_in_train_mode_like_pytorch() {
    // PyTorch: "Expected more than 1 value per channel when training".
    let mut bn = BatchNorm1d::<f64>::new(3).unwrap();
    let err = bn
        .forward(ndarray::array![[1.0, 2.0, 3.0]].view(), Mode::Train)
        .unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    assert!(bn
        .forward(ndarray::array![[1.0, 2.0, 3.0]].view(), Mode::Eval)
        .is_ok());
}

fn build_norm_model<F: Float>(case: &Value) -> Sequential<F> {
    let p = &case["params"];
    let lin = |i: usize| {
        Linear::from_weights(
            mat::<F>(&p[format!("{i}.weight")]),
            Some(vec1(&p[format!("{i}.bias")])),
        )
        .unwrap()
    };
    let mut net = Sequential::new()
        .push(lin(0))
        .push(LayerNorm::new(6).unwrap())
        .push(ActivationLayer::new(Activation::Gelu).unwrap())
        .push(lin(3))
        .push(BatchNorm1d::new(5).unwrap())
        .push(ActivationLayer::new(Activation::Tanh).unwrap())
        .push(lin(6));
    load_params(&mut net, p);
    load_buffers(&mut net, &case["buffers_before"]);
    net
}

fn run_norm_model<F: Float>(tol: Tol) {
    let case = &fixture()["norm_model"];
    let what = format!("norm model [{}]", F::NAME);
    let mut net = build_norm_model::<F>(case);
    assert_eq!(
        param_names(&net),
        strings(&case["param_names"]),
        "{what}: names"
    );
    let mut buffer_names = Vec::new();
    net.visit_buffers(&mut |b| buffer_names.push(b.name().to_string()));
    let torch_buffers: Vec<String> = strings(&case["buffer_names"])
        .into_iter()
        .filter(|n| !n.ends_with("num_batches_tracked"))
        .collect();
    assert_eq!(buffer_names, torch_buffers, "{what}: buffer names");

    let ce = CrossEntropy::new();
    let mut grad = Array2::zeros((0, 0));
    let mut step = |net: &mut Sequential<F>, part: &Value, mode: Mode, label: &str| {
        let x = mat::<F>(&part["input"]);
        let classes: Vec<usize> = part["classes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap() as usize)
            .collect();
        net.zero_grad();
        let out = net.forward(x.view(), mode).unwrap().to_owned();
        check(
            &out,
            &part["output"],
            tol,
            &format!("{what} {label}: output"),
        );
        let l = Loss::<F>::value_and_grad(&ce, out.view(), classes.as_slice().into(), &mut grad)
            .unwrap();
        check_scalar(
            l,
            &part["loss_value"],
            tol,
            &format!("{what} {label}: loss"),
        );
        let gin = net.backward(grad.view()).unwrap().to_owned();
        check(
            &gin,
            &part["input_grad"],
            tol,
            &format!("{what} {label}: input grad"),
        );
        check_param_grads(&*net, &part["param_grads"], tol, &format!("{what} {label}"));
    };
    step(&mut net, case, Mode::Train, "train");
    check_buffers(&net, &case["buffers_after"], tol, &what);
    step(&mut net, &case["eval"], Mode::Eval, "eval");
    check_buffers(
        &net,
        &case["buffers_after"],
        tol,
        &format!("{what} (eval keeps stats)"),
    );
}

#[test]
fn norm_model_f64_matches_pytorch() {
    run_norm_model::<f64>(TOL_F64);
}

#[test]
fn norm_model_f32_matches_pytorch() {
    run_norm_model::<f32>(TOL_F32);
}

// ---------------------------------------------------------------------------------------------
// Softmax layers and inputs of ±1000
// ---------------------------------------------------------------------------------------------

fn run_softmax_case<F: Float>(case: &Value, tol: Tol, what: &str) {
    let what = format!("{what} {} [{}]", case["kind"], F::NAME);
    let mut layer: Box<dyn Layer<F>> = match case["kind"].as_str().unwrap() {
        "softmax" => Box::new(Softmax::<F>::new()),
        "log_softmax" => Box::new(LogSoftmax::<F>::new()),
        other => panic!("unknown layer {other}"),
    };
    let x = mat::<F>(&case["input"]);
    let up = mat::<F>(&case["upstream"]);
    let y = layer.forward(x.view(), Mode::Train).unwrap().to_owned();
    check(&y, &case["output"], tol, &format!("{what}: output"));
    let gin = layer.backward(up.view()).unwrap().to_owned();
    check(
        &gin,
        &case["input_grad"],
        tol,
        &format!("{what}: input grad"),
    );
}

#[test]
fn softmax_layers_match_pytorch() {
    for case in cases("softmax_cases") {
        run_softmax_case::<f64>(case, TOL_F64, "softmax layer");
        run_softmax_case::<f32>(case, TOL_F32, "softmax layer");
    }
}

/// `x → act(x)` as an `ActivationLayer` and fused into an identity `Linear` (whose
/// pre-activation is exactly `x`).
fn run_extreme_activation<F: Float>(case: &Value, tol: Tol) {
    let act = activation(&case["activation"]);
    let what = format!("±1000 through {act} [{}]", F::NAME);
    let x = mat::<F>(&case["input"]);
    let up = mat::<F>(&case["upstream"]);
    let width = x.ncols();

    let mut layer = ActivationLayer::<F>::new(act).unwrap();
    let y = layer.forward(x.view(), Mode::Train).unwrap().to_owned();
    check(&y, &case["output"], tol, &format!("{what} (layer): output"));
    let gin = layer.backward(up.view()).unwrap().to_owned();
    check(
        &gin,
        &case["input_grad"],
        tol,
        &format!("{what} (layer): input grad"),
    );

    let mut fused = Linear::from_weights(Array2::<F>::eye(width), Some(Array1::zeros(width)))
        .unwrap()
        .with_activation(act)
        .unwrap();
    let y = fused.forward(x.view(), Mode::Train).unwrap().to_owned();
    check(&y, &case["output"], tol, &format!("{what} (fused): output"));
    fused.zero_grad();
    let gin = fused.backward(up.view()).unwrap().to_owned();
    check(
        &gin,
        &case["input_grad"],
        tol,
        &format!("{what} (fused): input grad"),
    );
    // The bias gradient of the identity layer is the column sum of the input gradient.
    let bias_grad: Vec<f64> = fused
        .bias()
        .unwrap()
        .grad()
        .iter()
        .map(|v| v.as_f64())
        .collect();
    let col_sums: Vec<f64> = array2(&case["input_grad"])
        .sum_axis(ndarray::Axis(0))
        .to_vec();
    check_slice(
        &bias_grad,
        &col_sums,
        tol,
        &format!("{what} (fused): bias grad"),
    );
}

#[test]
fn extreme_inputs_stay_finite_and_match_pytorch() {
    let ex = &fixture()["extreme"];
    let acts = ex["activations"].as_array().unwrap();
    assert_eq!(acts.len(), 13);
    for case in acts {
        run_extreme_activation::<f64>(case, TOL_F64);
        run_extreme_activation::<f32>(case, TOL_F32);
    }
    for case in ex["layers"].as_array().unwrap() {
        run_softmax_case::<f64>(case, TOL_F64, "±1000");
        run_softmax_case::<f32>(case, TOL_F32, "±1000");
    }
    for case in ex["losses"].as_array().unwrap() {
        run_loss_case::<f64>(case, TOL_F64);
        run_loss_case::<f32>(case, TOL_F32);
    }
}

/// Sanity of the fixture itself: the designed rows do reach saturation, the kinks and both
/// sides of the Softplus thresholds, so the grid above exercises them.
#[test]
fn fixture_covers_kinks_and_saturation() {
    let case = &cases("activation_cases")[0];
    let pre = array2(&case["pre_activation"]);
    let all: Vec<f64> = pre.iter().copied().collect();
    assert!(all.contains(&0.0), "an exact zero pre-activation");
    assert!(all.iter().any(|&z| z > 0.0 && z < 1e-8));
    assert!(all.iter().any(|&z| z < 0.0 && z > -1e-8));
    assert!(all.iter().any(|&z| z > 30.0) && all.iter().any(|&z| z < -30.0));
    assert!(all.iter().any(|&z| z > 19.9 && z < 20.0) && all.iter().any(|&z| z > 20.0 && z < 20.1));
    assert!(all.iter().any(|&z| z > 2.49 && z < 2.5) && all.iter().any(|&z| z > 2.5 && z < 2.51));
}
