//! CORAL against NumPy / SciPy (`scripts/reference/make_coral_fixtures.py`):
//! `C_s^{-1/2} C_t^{1/2}` with `eps` added to both covariances' diagonals, to 1e-10.

mod common;

use common::{array2, assert_close, load_fixture};
use ndarray::{array, Array2};
use tuneup::data::Coral;

#[test]
fn coral_matches_scipy() {
    let fixture = load_fixture("coral_parity.json");
    for (i, case) in fixture["cases"].as_array().unwrap().iter().enumerate() {
        let eps = case["eps"].as_f64().unwrap();
        let (xs, xt) = (array2(&case["source"]), array2(&case["target"]));
        let coral = Coral::with_eps(eps)
            .unwrap()
            .fit(xs.view(), xt.view())
            .unwrap();
        assert_close(
            coral.map(),
            &array2(&case["map"]),
            1e-10,
            1e-10,
            &format!("case {i} map"),
        );
        let moved = coral.transform(xs.view()).unwrap();
        let want = array2(&case["transformed"]);
        assert_close(
            &moved,
            &want,
            1e-10,
            1e-10,
            &format!("case {i} transformed"),
        );
        // f32 goes through the same f64 computation.
        let moved32 = Coral::with_eps(eps)
            .unwrap()
            .fit(xs.mapv(|v| v as f32).view(), xt.mapv(|v| v as f32).view())
            .unwrap()
            .transform(xs.mapv(|v| v as f32).view())
            .unwrap();
        assert_close(
            &moved32.mapv(f64::from),
            &want,
            1e-4,
            1e-4,
            &format!("case {i} f32"),
        );
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    let x = Array2::<f64>::zeros((5, 3));
    let coral = Coral::new();
    assert!(matches!(
        coral.fit(x.view(), Array2::zeros((5, 2)).view()),
        Err(tuneup::Error::Shape { .. })
    ));
    assert!(matches!(
        coral.fit(x.view(), Array2::zeros((1, 3)).view()),
        Err(tuneup::Error::Shape { .. })
    ));
    let mut bad = x.clone();
    bad[[2, 1]] = f64::NAN;
    assert!(matches!(
        coral.fit(bad.view(), x.view()),
        Err(tuneup::Error::NonFinite { .. })
    ));
    let fitted = coral.fit(x.view(), x.view()).unwrap();
    // Identical (constant) domains: the map is the identity, and a constant column is fine.
    assert_close(
        fitted.map(),
        &Array2::<f64>::eye(3),
        1e-12,
        1e-12,
        "identity",
    );
    assert!(fitted.transform(array![[1.0, 2.0]].view()).is_err());
    assert!(matches!(
        Coral::with_eps(f64::NAN),
        Err(tuneup::Error::Config { .. })
    ));
}

#[test]
fn settings_and_fitted_map_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Coral>();
    check::<tuneup::data::FittedCoral>();
}
