//! Importance weighting for covariate shift against scikit-learn
//! (`scripts/reference/make_importance_weight_fixtures.py`): the domain classifier's
//! coefficients, `p(target | x)` and the clipped weights `exp(logit) · n_s / n_t`, to 1e-8
//! (f64; scikit-learn's Newton solver with tol = 1e-12 against the crate's Newton steps).

mod common;

use common::{array2, assert_close, assert_close_slices, load_fixture};
use ndarray::{array, Array2};
use tuneup::train::ImportanceWeighting;
use tuneup::Error;

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn weights_match_scikit_learn() {
    let fixture = load_fixture("importance_weights.json");
    for (i, case) in fixture["cases"].as_array().unwrap().iter().enumerate() {
        let (xs, xt) = (array2(&case["source"]), array2(&case["target"]));
        let max_weight = case["max_weight"].as_f64().unwrap();
        let fitted = ImportanceWeighting::new()
            .c(case["c"].as_f64().unwrap())
            .unwrap()
            .max_weight(max_weight)
            .unwrap()
            .fit(xs.view(), xt.view())
            .unwrap();
        let what = |s: &str| format!("case {i} {s}");
        let clf = fitted.classifier();
        assert_close(&clf.coef, &array2(&case["coef"]), 1e-8, 1e-8, &what("coef"));
        let intercept = floats(&case["intercept"]);
        assert_close_slices(
            clf.intercept.as_slice().unwrap(),
            &intercept,
            1e-8,
            1e-8,
            &what("b"),
        );
        let p = fitted.target_probability(xs.view()).unwrap();
        let want_p = floats(&case["target_probability"]);
        assert_close_slices(
            p.as_slice().unwrap(),
            &want_p,
            1e-8,
            1e-10,
            &what("p(target|x)"),
        );
        let w = fitted.weights(xs.view()).unwrap();
        let want_w = floats(&case["weights"]);
        assert_close_slices(
            w.as_slice().unwrap(),
            &want_w,
            1e-8,
            1e-10,
            &what("weights"),
        );
        // The clipped rows are exactly at the cap, and no other row reaches it.
        let raw = floats(&case["raw_weights"]);
        for (r, (&got, &unclipped)) in w.iter().zip(&raw).enumerate() {
            assert_eq!(
                got == max_weight,
                unclipped >= max_weight,
                "{} row {r}",
                what("clip")
            );
        }
    }
}

#[test]
fn f32_follows_f64() {
    let fixture = load_fixture("importance_weights.json");
    let case = &fixture["cases"][0];
    let (xs, xt) = (array2(&case["source"]), array2(&case["target"]));
    let (xs32, xt32) = (xs.mapv(|v| v as f32), xt.mapv(|v| v as f32));
    let fitted = ImportanceWeighting::new()
        .fit(xs32.view(), xt32.view())
        .unwrap();
    let w: Vec<f64> = fitted
        .weights(xs32.view())
        .unwrap()
        .iter()
        .map(|&v| f64::from(v))
        .collect();
    assert_close_slices(&w, &floats(&case["weights"]), 1e-3, 1e-4, "f32 weights");
}

#[test]
fn no_shift_gives_weights_near_one() {
    // The same rows as source and target: the classifier cannot tell them apart.
    let x = Array2::from_shape_fn((40, 2), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
    let fitted = ImportanceWeighting::new().fit(x.view(), x.view()).unwrap();
    let w = fitted.weights(x.view()).unwrap();
    assert!(w.iter().all(|&v| (v - 1.0).abs() < 1e-9), "{w}");
}

#[test]
fn bad_input_is_a_typed_error_and_inputs_are_untouched() {
    let s = array![[0.0, 1.0], [1.0, 0.0], [2.0, 1.0]];
    let t = array![[1.0, 1.0], [2.0, 2.0]];
    let (s0, t0) = (s.clone(), t.clone());
    let iw = ImportanceWeighting::new();
    assert!(matches!(
        iw.fit(s.view(), array![[1.0], [2.0]].view()),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        iw.fit(Array2::<f64>::zeros((0, 2)).view(), t.view()),
        Err(Error::Value { .. })
    ));
    assert!(matches!(
        iw.fit(s.view(), Array2::<f64>::zeros((0, 2)).view()),
        Err(Error::Value { .. })
    ));
    let mut nan = t.clone();
    nan[[1, 0]] = f64::NAN;
    let err = iw.fit(s.view(), nan.view()).unwrap_err();
    assert!(matches!(err, Error::NonFinite { .. }));
    assert!(err.to_string().contains("target[1, 0]"), "{err}");
    let fitted = iw.fit(s.view(), t.view()).unwrap();
    assert!(matches!(
        fitted.weights(array![[1.0]].view()),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        fitted.weights(array![[f64::INFINITY, 1.0]].view()),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        fitted.target_probability(array![[1.0, 2.0, 3.0]].view()),
        Err(Error::Shape { .. })
    ));
    assert_eq!((s, t), (s0, t0));
    for bad in [0.0, 0.99, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            ImportanceWeighting::new().max_weight(bad),
            Err(Error::Config { .. })
        ));
    }
    for bad in [0.0, -1.0, f64::NAN] {
        assert!(matches!(
            ImportanceWeighting::new().c(bad),
            Err(Error::Config { .. })
        ));
    }
}
