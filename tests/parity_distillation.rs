//! Parity of the distillation loss with PyTorch.
//!
//! The reference values in `tests/fixtures/distillation.json` are written by
//! `scripts/reference/make_distillation_fixtures.py`:
//! `α·T²·F.kl_div(log_softmax(s/T), softmax(t/T), reduction="batchmean") + (1 − α)·CE(s, y)`
//! and, for regression teachers, `α·MSE(s, t) + (1 − α)·MSE(s, y)`, gradients by autograd
//! (float64).

mod common;

use common::{array2, assert_close_slices, load_fixture};
use ndarray::Array2;
use serde_json::Value;
use tuneup::loss::{Distillation, Loss, Targets};
use tuneup::Error;

fn loss_of(case: &Value) -> Distillation {
    let alpha = case["alpha"].as_f64().unwrap();
    match case["kind"].as_str().unwrap() {
        "classification" => Distillation::new(case["temperature"].as_f64().unwrap(), alpha),
        _ => Distillation::regression(alpha),
    }
    .unwrap()
}

fn classes_of(case: &Value) -> Option<Vec<usize>> {
    case["classes"].as_array().map(|c| {
        c.iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect::<Vec<_>>()
    })
}

#[test]
fn distillation_matches_torch_value_and_gradient() {
    let fixture = load_fixture("distillation.json");
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for (i, case) in cases.iter().enumerate() {
        let d = loss_of(case);
        let s = array2(&case["student"]);
        let t = array2(&case["teacher"]);
        let classes = classes_of(case);
        let dense = case.get("soft_targets").map(array2);
        let target: Targets<f64> = match (&classes, &dense) {
            (Some(c), _) => c.as_slice().into(),
            (None, Some(y)) => y.into(),
            _ => unreachable!(),
        };
        let mut g = Array2::zeros(s.dim());
        let l = d
            .compute_with_teacher(s.view(), t.view(), target, Some(g.view_mut()))
            .unwrap();
        let expected = case["loss"].as_f64().unwrap();
        assert!(
            (l - expected).abs() <= 1e-10 * expected.abs().max(1.0),
            "case {i}: {l} vs {expected}"
        );
        let eg = array2(&case["grad"]);
        assert_close_slices(
            g.as_slice().unwrap(),
            eg.as_slice().unwrap(),
            0.0,
            1e-10,
            &format!("case {i} gradient"),
        );

        // The same through the plain Loss interface, with packed targets.
        let mut packed = Array2::zeros((0, 0));
        Distillation::pack_targets(t.view(), target, &mut packed).unwrap();
        let mut g2 = Array2::zeros((0, 0));
        let l2 = d
            .value_and_grad(s.view(), (&packed).into(), &mut g2)
            .unwrap();
        assert_eq!(l2, l, "case {i}: packed");
        assert_eq!(g2, g, "case {i}: packed gradient");
    }
}

#[test]
fn distillation_in_f32_is_close_to_torch() {
    let fixture = load_fixture("distillation.json");
    let case = &fixture["cases"][1];
    let d = loss_of(case);
    let s = array2(&case["student"]).mapv(|v| v as f32);
    let t = array2(&case["teacher"]).mapv(|v| v as f32);
    let classes = classes_of(case).unwrap();
    let l = d
        .compute_with_teacher(s.view(), t.view(), classes.as_slice().into(), None)
        .unwrap();
    let expected = case["loss"].as_f64().unwrap();
    assert!((l as f64 - expected).abs() < 1e-4 * expected.abs().max(1.0));
}

#[test]
fn bad_distillation_input_is_a_typed_error() {
    assert!(matches!(
        Distillation::new(0.0, 0.5),
        Err(Error::Config { ref parameter, .. }) if parameter == "Distillation.temperature"
    ));
    assert!(matches!(
        Distillation::new(-1.0, 0.5),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        Distillation::new(f64::NAN, 0.5),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        Distillation::new(f64::INFINITY, 0.5),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        Distillation::new(2.0, -0.1),
        Err(Error::Config { ref parameter, .. }) if parameter == "Distillation.alpha"
    ));
    assert!(matches!(
        Distillation::regression(f64::NAN),
        Err(Error::Config { .. })
    ));

    let d = Distillation::new(2.0, 0.5).unwrap();
    let s = ndarray::array![[1.0f64, 0.0, 2.0], [0.5, 0.5, 0.5]];
    let classes = [0usize, 2];
    // A teacher with another output width.
    let narrow = ndarray::array![[1.0f64, 0.0], [0.0, 1.0]];
    assert!(matches!(
        d.compute_with_teacher(s.view(), narrow.view(), classes.as_slice().into(), None),
        Err(Error::Shape { .. })
    ));
    // A class index out of range.
    assert!(matches!(
        d.compute_with_teacher(s.view(), s.view(), [0usize, 3].as_slice().into(), None),
        Err(Error::Value { .. })
    ));
    // A non-finite teacher output.
    let mut nan = s.clone();
    nan[[1, 1]] = f64::NAN;
    assert!(matches!(
        d.compute_with_teacher(s.view(), nan.view(), classes.as_slice().into(), None),
        Err(Error::NonFinite { .. })
    ));
    // Plain Loss: class indices alone, a wrong packed width, a non-integer class column.
    assert!(matches!(
        d.value(s.view(), classes.as_slice().into()),
        Err(Error::Value { .. })
    ));
    let wrong = Array2::<f64>::zeros((2, 5));
    assert!(matches!(
        d.value(s.view(), (&wrong).into()),
        Err(Error::Shape { .. })
    ));
    let mut packed = Array2::zeros((0, 0));
    Distillation::pack_targets(s.view(), classes.as_slice().into(), &mut packed).unwrap();
    packed[[0, 3]] = 0.5;
    assert!(matches!(
        d.value(s.view(), (&packed).into()),
        Err(Error::Value { .. })
    ));
    // Regression distillation with class indices.
    let r = Distillation::regression(0.5).unwrap();
    assert!(matches!(
        r.compute_with_teacher(s.view(), s.view(), classes.as_slice().into(), None),
        Err(Error::Value { .. })
    ));
}

#[test]
fn distillation_gradient_allocates_nothing_after_warm_up() {
    // The loss itself holds no buffers; the gradient matrix is the caller's and keeps its
    // storage between calls.
    let d = Distillation::new(3.0, 0.5).unwrap();
    let s = ndarray::array![[1.0f64, 0.0, 2.0], [0.5, -0.5, 0.25]];
    let mut g = Array2::zeros((0, 0));
    d.compute_with_teacher(s.view(), s.view(), [1usize, 2].as_slice().into(), None)
        .unwrap();
    let mut packed = Array2::zeros((0, 0));
    Distillation::pack_targets(s.view(), (&s).into(), &mut packed).unwrap();
    d.value_and_grad(s.view(), (&packed).into(), &mut g)
        .unwrap();
    let ptr = g.as_ptr();
    let packed_ptr = packed.as_ptr();
    Distillation::pack_targets(s.view(), (&s).into(), &mut packed).unwrap();
    d.value_and_grad(s.view(), (&packed).into(), &mut g)
        .unwrap();
    assert_eq!(g.as_ptr(), ptr);
    assert_eq!(packed.as_ptr(), packed_ptr);
}
