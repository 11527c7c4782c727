//! Sample-weighted losses: parity with PyTorch and the invariants of weighting.
//!
//! `tests/fixtures/sample_weight_parity.json` is written by
//! `scripts/reference/make_sample_weight_fixtures.py`: PyTorch's `reduction="none"` losses,
//! weighted by hand (`Σ wᵢ lᵢ / Σ wᵢ`, class weights multiplying sample weights), value and
//! autograd gradient in float64. Each is compared here to 1e-12 (relative, with an absolute
//! floor of 1e-12). The invariants: weights of 1 give the unweighted loss, integer weights
//! give the loss of the batch with rows repeated, the trait's generic default equals each
//! built-in override, and bad weights are typed errors that leave the gradient buffer alone.

mod common;

use common::{array1, array2, assert_close_slices, load_fixture};
use ndarray::{array, Array1, Array2, ArrayView2, ArrayViewMut2, Axis};
use serde_json::Value;
use tuneup::loss::{
    Bce, BceWithLogits, CrossEntropy, GeneralizedCrossEntropy, Huber, Loss, Mae, Mse, Reduction,
    Targets,
};
use tuneup::{Error, Result};

const TOL: f64 = 1e-12;

fn reduction(case: &Value) -> Reduction {
    match case["reduction"].as_str() {
        Some("sum") => Reduction::Sum,
        _ => Reduction::Mean,
    }
}

/// The loss a fixture case describes.
fn loss_of(case: &Value) -> Box<dyn Loss<f64>> {
    let r = reduction(case);
    let num = |k: &str| case[k].as_f64().expect("a number");
    match case["loss"].as_str().expect("a loss name") {
        "mse" => Box::new(Mse::with_reduction(r)),
        "mae" => Box::new(Mae::with_reduction(r)),
        "huber" => Box::new(Huber::new(num("delta")).unwrap().with_reduction(r)),
        "bce" => Box::new(Bce::with_reduction(r)),
        "bce_with_logits" => {
            let mut l = BceWithLogits::new().with_reduction(r);
            if !case["pos_weight"].is_null() {
                l = l
                    .with_pos_weight(array1(&case["pos_weight"]).to_vec())
                    .unwrap();
            }
            Box::new(l)
        }
        "cross_entropy" => {
            let mut l = CrossEntropy::new()
                .with_reduction(r)
                .with_label_smoothing(num("label_smoothing"))
                .unwrap();
            if !case["class_weights"].is_null() {
                l = l
                    .with_class_weights(array1(&case["class_weights"]).to_vec())
                    .unwrap();
            }
            Box::new(l)
        }
        "generalized_cross_entropy" => Box::new(
            GeneralizedCrossEntropy::new(num("q"))
                .unwrap()
                .with_reduction(r),
        ),
        other => panic!("unknown loss {other}"),
    }
}

/// A case's target: class indices or a dense matrix.
enum Target {
    Dense(Array2<f64>),
    Classes(Vec<usize>),
}

impl Target {
    fn of(case: &Value) -> Self {
        match case["classes"].as_array() {
            Some(c) => Target::Classes(c.iter().map(|v| v.as_u64().unwrap() as usize).collect()),
            None => Target::Dense(array2(&case["target"])),
        }
    }
    fn view(&self) -> Targets<'_, f64> {
        match self {
            Target::Dense(t) => t.view().into(),
            Target::Classes(c) => c.as_slice().into(),
        }
    }
    /// The target with row `i` repeated `times[i]` times.
    fn repeated(&self, times: &[usize]) -> Self {
        let idx = repeat_index(times);
        match self {
            Target::Dense(t) => Target::Dense(t.select(Axis(0), &idx)),
            Target::Classes(c) => Target::Classes(idx.iter().map(|&i| c[i]).collect()),
        }
    }
}

fn repeat_index(times: &[usize]) -> Vec<usize> {
    times
        .iter()
        .enumerate()
        .flat_map(|(i, &t)| std::iter::repeat_n(i, t))
        .collect()
}

fn describe(case: &Value) -> String {
    format!(
        "{} ({}, class weights {}, smoothing {}, q {}, pos_weight {})",
        case["loss"],
        case["reduction"],
        case["class_weights"],
        case["label_smoothing"],
        case["q"],
        case["pos_weight"]
    )
}

#[test]
fn weighted_losses_match_pytorch() {
    let fixture = load_fixture("sample_weight_parity.json");
    let cases = fixture["cases"].as_array().expect("a list of cases");
    assert!(cases.len() >= 40);
    for case in cases {
        let what = describe(case);
        let loss = loss_of(case);
        let pred = array2(&case["prediction"]);
        let target = Target::of(case);
        let w = array1(&case["weights"]);
        let mut grad = Array2::zeros((0, 0));
        let value = loss
            .value_and_grad_weighted(pred.view(), target.view(), w.view(), &mut grad)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let expected = case["value"].as_f64().unwrap();
        assert_close_slices(&[value], &[expected], TOL, TOL, &format!("{what}: value"));
        let expected_grad = array2(&case["grad"]);
        assert_close_slices(
            grad.as_slice().unwrap(),
            expected_grad.as_slice().unwrap(),
            TOL,
            TOL,
            &format!("{what}: gradient"),
        );
        let value_only = loss
            .value_weighted(pred.view(), target.view(), w.view())
            .unwrap();
        assert_eq!(value_only, value, "{what}: value without gradient");
    }
}

/// Every fixture's loss, prediction and target, weights dropped.
/// A described loss with its prediction and target.
type Case = (String, Box<dyn Loss<f64>>, Array2<f64>, Target);

fn fixture_cases() -> Vec<Case> {
    let fixture = load_fixture("sample_weight_parity.json");
    fixture["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                describe(c),
                loss_of(c),
                array2(&c["prediction"]),
                Target::of(c),
            )
        })
        .collect()
}

#[test]
fn unit_weights_give_the_unweighted_loss_bit_for_bit() {
    for (what, loss, pred, target) in fixture_cases() {
        let ones = Array1::ones(pred.nrows());
        let (mut g_plain, mut g_weighted) = (Array2::zeros((0, 0)), Array2::zeros((0, 0)));
        let plain = loss
            .value_and_grad(pred.view(), target.view(), &mut g_plain)
            .unwrap();
        let weighted = loss
            .value_and_grad_weighted(pred.view(), target.view(), ones.view(), &mut g_weighted)
            .unwrap();
        // Σ 1 · lᵢ: multiplying by exactly 1 changes no bit, and Σ 1 = n exactly.
        assert_eq!(weighted.to_bits(), plain.to_bits(), "{what}: value");
        assert_eq!(g_weighted, g_plain, "{what}: gradient");
    }
}

#[test]
fn integer_weights_equal_repeated_rows() {
    for (what, loss, pred, target) in fixture_cases() {
        let times: Vec<usize> = (0..pred.nrows()).map(|i| (i * 7 + 3) % 4).collect();
        let w: Array1<f64> = times.iter().map(|&t| t as f64).collect();
        let idx = repeat_index(&times);
        let pred_rep = pred.select(Axis(0), &idx);
        let target_rep = target.repeated(&times);
        let weighted = loss
            .value_weighted(pred.view(), target.view(), w.view())
            .unwrap();
        let repeated = loss.value(pred_rep.view(), target_rep.view()).unwrap();
        assert_close_slices(&[weighted], &[repeated], 1e-12, 1e-12, &what);
        // The gradient of a row weighted k is the sum of its k copies' gradients.
        let (mut g_w, mut g_rep) = (Array2::zeros((0, 0)), Array2::zeros((0, 0)));
        loss.value_and_grad_weighted(pred.view(), target.view(), w.view(), &mut g_w)
            .unwrap();
        loss.value_and_grad(pred_rep.view(), target_rep.view(), &mut g_rep)
            .unwrap();
        let mut summed = Array2::<f64>::zeros(pred.dim());
        for (r, &i) in idx.iter().enumerate() {
            let mut row = summed.row_mut(i);
            row += &g_rep.row(r);
        }
        assert_close_slices(
            g_w.as_slice().unwrap(),
            summed.as_slice().unwrap(),
            1e-12,
            1e-12,
            &format!("{what}: gradient"),
        );
    }
}

/// A user's loss that only implements `compute`: it gets the trait's generic default.
#[derive(Debug, Clone)]
struct OnlyCompute(Box<dyn Loss<f64>>);

impl Loss<f64> for OnlyCompute {
    fn name(&self) -> String {
        "a user's loss".into()
    }
    fn compute(
        &self,
        prediction: ArrayView2<'_, f64>,
        target: Targets<'_, f64>,
        grad: Option<ArrayViewMut2<'_, f64>>,
    ) -> Result<f64> {
        self.0.compute(prediction, target, grad)
    }
}

#[test]
fn the_generic_default_equals_the_built_in_overrides() {
    let fixture = load_fixture("sample_weight_parity.json");
    for case in fixture["cases"].as_array().unwrap() {
        // The default is the weighted mean of one-row losses; class-weighted cross-entropy
        // normalises by Σ wᵢ c_{yᵢ} instead, and the sum reduction does not divide.
        if reduction(case) == Reduction::Sum || !case["class_weights"].is_null() {
            continue;
        }
        let what = describe(case);
        let built_in = loss_of(case);
        let user = OnlyCompute(built_in.clone());
        let pred = array2(&case["prediction"]);
        let target = Target::of(case);
        let w = array1(&case["weights"]);
        let (mut g_b, mut g_u) = (Array2::zeros((0, 0)), Array2::zeros((0, 0)));
        let b = built_in
            .value_and_grad_weighted(pred.view(), target.view(), w.view(), &mut g_b)
            .unwrap();
        let u = user
            .value_and_grad_weighted(pred.view(), target.view(), w.view(), &mut g_u)
            .unwrap();
        assert_close_slices(&[u], &[b], 1e-13, 1e-13, &what);
        assert_close_slices(
            g_u.as_slice().unwrap(),
            g_b.as_slice().unwrap(),
            1e-13,
            1e-13,
            &format!("{what}: gradient"),
        );
    }
}

#[test]
fn bad_weights_are_typed_errors_and_leave_the_gradient_alone() {
    let pred = array![[0.5, 1.0], [2.0, -1.0], [0.0, 0.3]];
    let target = array![[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let classes = [0usize, 1, 1];
    let losses: Vec<(Box<dyn Loss<f64>>, Targets<'_, f64>)> = vec![
        (Box::new(Mse::new()), (&target).into()),
        (Box::new(Mae::new()), (&target).into()),
        (Box::new(Huber::new(1.0).unwrap()), (&target).into()),
        (Box::new(BceWithLogits::new()), (&target).into()),
        (Box::new(CrossEntropy::new()), classes.as_slice().into()),
        (
            Box::new(GeneralizedCrossEntropy::new(0.7).unwrap()),
            classes.as_slice().into(),
        ),
        (
            Box::new(OnlyCompute(Box::new(Mse::new()))),
            (&target).into(),
        ),
    ];
    type Check = fn(&Error) -> bool;
    let bad: [(Array1<f64>, Check); 5] = [
        (array![1.0, -0.5, 1.0], |e| matches!(e, Error::Value { .. })),
        (array![1.0, f64::NAN, 1.0], |e| {
            matches!(e, Error::NonFinite { .. })
        }),
        (array![1.0, f64::INFINITY, 1.0], |e| {
            matches!(e, Error::NonFinite { .. })
        }),
        (array![1.0, 1.0], |e| matches!(e, Error::Shape { .. })),
        (array![0.0, 0.0, 0.0], |e| matches!(e, Error::Value { .. })),
    ];
    for (loss, t) in &losses {
        for (w, is_expected) in &bad {
            let mut grad = Array2::from_elem(pred.dim(), 7.0);
            let err = loss
                .value_and_grad_weighted(pred.view(), *t, w.view(), &mut grad)
                .expect_err("bad weights are refused");
            assert!(is_expected(&err), "{}: {w} gave {err}", loss.name());
            assert!(err.to_string().contains("sample"), "{err}");
            assert!(
                grad.iter().all(|&g| g == 7.0),
                "{}: gradient touched",
                loss.name()
            );
        }
    }
}

#[test]
fn class_weights_times_sample_weights_summing_to_zero_is_an_error() {
    let ce = CrossEntropy::new()
        .with_class_weights(vec![0.0, 1.0])
        .unwrap();
    let logits = array![[0.5, 1.0], [2.0, -1.0]];
    let classes = [0usize, 1];
    let err = ce
        .value_weighted(
            logits.view(),
            classes.as_slice().into(),
            array![1.0, 0.0].view(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Value { .. }), "{err}");
}

#[test]
fn a_zero_weight_row_may_be_anything_finite() {
    // Row 1 weighs 0: changing its prediction changes neither the value nor other gradients.
    let loss = Huber::new(1.0).unwrap();
    let target = array![[0.0], [0.0], [1.0]];
    let w = array![2.0, 0.0, 1.0];
    let (mut g1, mut g2) = (Array2::zeros((0, 0)), Array2::zeros((0, 0)));
    let a = loss
        .value_and_grad_weighted(
            array![[0.5], [3.0], [0.0]].view(),
            (&target).into(),
            w.view(),
            &mut g1,
        )
        .unwrap();
    let b = loss
        .value_and_grad_weighted(
            array![[0.5], [-9.0], [0.0]].view(),
            (&target).into(),
            w.view(),
            &mut g2,
        )
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(g1, g2);
    assert_eq!(g1[[1, 0]], 0.0);
}
