//! Parity of the gradient attributions with captum (`tests/fixtures/explain_captum.json`,
//! written by `scripts/reference/make_explain_fixtures.py`): Saliency (absolute and signed),
//! InputXGradient and IntegratedGradients for all five methods at 2, 7 and 50 steps, with zero,
//! scalar, row and batch baselines and with `multiply_by_inputs` off, on a multi-class
//! tanh/ReLU net (targets 0, 2 and one per row) and a single-output sigmoid net: attributions
//! and convergence deltas to 1e-10 relative (with `f32_step_sizes(true)`: captum rounds its
//! quadrature weights to float32). Bounded batches give the same attributions.

mod explain_common;

use explain_common::{common, net};
use ndarray::Array2;
use serde_json::Value;
use tuneup::explain::*;
use tuneup::model::Layer;

const RTOL: f64 = 1e-10;
const ATOL: f64 = 1e-13;

fn target_of(v: &Value) -> Target {
    match v {
        Value::Array(list) => {
            Target::PerRow(list.iter().map(|c| c.as_u64().unwrap() as usize).collect())
        }
        c => Target::Output(c.as_u64().unwrap() as usize),
    }
}

fn method_of(name: &str) -> IgMethod {
    match name {
        "riemann_left" => IgMethod::RiemannLeft,
        "riemann_right" => IgMethod::RiemannRight,
        "riemann_middle" => IgMethod::RiemannMiddle,
        "riemann_trapezoid" => IgMethod::RiemannTrapezoid,
        "gausslegendre" => IgMethod::GaussLegendre,
        other => panic!("unknown method {other}"),
    }
}

fn baseline_of(case: &Value) -> Baseline<f64> {
    match case["baseline"].as_str().unwrap() {
        "zero" => Baseline::Zero,
        "scalar" => Baseline::Scalar(case["baseline_value"].as_f64().unwrap()),
        "row" => Baseline::Row(common::array2(&case["baseline_value"]).row(0).to_owned()),
        "batch" => Baseline::Batch(common::array2(&case["baseline_value"])),
        other => panic!("unknown baseline {other}"),
    }
}

fn check(got: &Array2<f64>, want: &Value, what: &str) {
    common::assert_close(got, &common::array2(want), RTOL, ATOL, what);
}

#[test]
fn gradient_attributions_match_captum() {
    let fixture = common::load_fixture("explain_captum.json");
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut model = net(&case["net"]);
        let x = common::array2(&case["x"]);
        for t in case["targets"].as_array().unwrap() {
            let target = target_of(&t["target"]);
            let what = format!("{name}, target {}", t["target"]);
            let sal = Saliency::new()
                .attribute(&mut model, x.view(), &target)
                .unwrap();
            check(&sal, &t["saliency_abs"], &format!("{what}: saliency"));
            let signed = Saliency::new()
                .abs(false)
                .attribute(&mut model, x.view(), &target)
                .unwrap();
            check(
                &signed,
                &t["saliency_signed"],
                &format!("{what}: signed saliency"),
            );
            let ixg = InputXGradient
                .attribute(&mut model, x.view(), &target)
                .unwrap();
            check(
                &ixg,
                &t["input_x_gradient"],
                &format!("{what}: input × gradient"),
            );
        }
    }
}

#[test]
fn integrated_gradients_match_captum() {
    let fixture = common::load_fixture("explain_captum.json");
    let mut checked = 0;
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut model = net(&case["net"]);
        let x = common::array2(&case["x"]);
        for t in case["targets"].as_array().unwrap() {
            let target = target_of(&t["target"]);
            for ig_case in t["ig"].as_array().unwrap() {
                let method = ig_case["method"].as_str().unwrap();
                let n_steps = ig_case["n_steps"].as_u64().unwrap() as usize;
                let ig = IntegratedGradients::new()
                    .baseline(baseline_of(ig_case))
                    .method(method_of(method))
                    .multiply_by_inputs(ig_case["multiply_by_inputs"].as_bool().unwrap())
                    .f32_step_sizes(true)
                    .n_steps(n_steps)
                    .unwrap();
                let what = format!(
                    "{name}, target {}, {method}, {n_steps} steps, {} baseline, multiply {}",
                    t["target"], ig_case["baseline"], ig_case["multiply_by_inputs"]
                );
                let got = ig.explain(&mut model, x.view(), &target).unwrap();
                check(
                    &got.attributions,
                    &ig_case["attributions"],
                    &format!("{what}: attributions"),
                );
                let delta = common::array1(&ig_case["delta"]);
                common::assert_close(&got.delta, &delta, RTOL, ATOL, &format!("{what}: delta"));
                // A bounded batch (one or two steps of every row per pass) changes nothing but
                // the order of the sums.
                let bounded = ig.clone().internal_batch_size(2 * x.nrows() - 1).unwrap();
                let again = bounded.explain(&mut model, x.view(), &target).unwrap();
                common::assert_close(&again.attributions, &got.attributions, 1e-12, 1e-15, &what);
                checked += 1;
            }
        }
    }
    assert_eq!(
        checked,
        4 * 5 * 3 * 4 + 4 * 5,
        "every case of the fixture is checked"
    );
}

#[test]
fn many_steps_converge_and_the_model_is_untouched() {
    let fixture = common::load_fixture("explain_captum.json");
    let case = &fixture["cases"][1]; // the smooth sigmoid net: Gauss–Legendre converges fast
    let mut model = net(&case["net"]);
    let x = common::array2(&case["x"]);
    let before = model.clone().predict(x.view()).unwrap();
    let ig = IntegratedGradients::new()
        .n_steps(200)
        .unwrap()
        .internal_batch_size(64)
        .unwrap();
    let got = ig.explain(&mut model, x.view(), &Target::Only).unwrap();
    assert!(
        got.delta.iter().all(|d| d.abs() < 1e-12),
        "delta {:?}",
        got.delta
    );
    assert_eq!(model.predict(x.view()).unwrap(), before);
    let mut untouched = true;
    model.visit_parameters(&mut |p| untouched &= p.grad_slice().iter().all(|&g| g == 0.0));
    assert!(untouched, "parameter gradients stay zero");
}
