//! Parity of the global explainers with scikit-learn (`tests/fixtures/explain_sklearn.json`,
//! written by `scripts/reference/make_explain_fixtures.py`): `partial_dependence` (brute, grid
//! from the 5–95 % mquantiles or the unique values, one column and pairs, a regressor and a
//! three-class classifier) to 1e-10, and `permutation_importance` replaying scikit-learn's
//! shuffle stream to 1e-10; with the crate's own seeded stream, a column the model ignores has
//! importance exactly 0 and a seed gives the same importances twice.

mod explain_common;

use explain_common::{common, net};
use ndarray::{array, Array2, ArrayView2};
use tuneup::diagnostics::metrics::r2_score;
use tuneup::explain::*;
use tuneup::model::{Linear, Sequential};

#[test]
fn partial_dependence_matches_sklearn() {
    let fixture = common::load_fixture("explain_sklearn.json");
    let x = common::array2(&fixture["x"]);
    for case in fixture["partial_dependence"].as_array().unwrap() {
        let kind = case["model"].as_str().unwrap();
        let mut model = net(&fixture[kind]);
        let features: Vec<usize> = case["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_u64().unwrap() as usize)
            .collect();
        let resolution = case["grid_resolution"].as_u64().unwrap() as usize;
        let pd = PartialDependence::new(features.clone())
            .grid_resolution(resolution)
            .unwrap();
        let average = common::array2(&case["average"]);
        let individual = common::array_d(&case["individual"]);
        let ice_rows = individual.shape()[1];
        for output in 0..average.nrows() {
            let what = format!("{kind}, features {features:?}, output {output}");
            let target = if kind == "regressor" {
                Target::Only
            } else {
                Target::Output(output)
            };
            let got = pd.compute(&mut model, x.view(), &target).unwrap();
            for (axis, want) in got.axes.iter().zip(case["axes"].as_array().unwrap()) {
                let want = common::array1(want);
                common::assert_close_slices(axis, want.as_slice().unwrap(), 1e-12, 1e-14, &what);
            }
            common::assert_close(
                &got.average,
                &average.row(output),
                1e-10,
                1e-13,
                &format!("{what}: average"),
            );
            let want_ice = individual.index_axis(ndarray::Axis(0), output);
            let got_ice = got.individual.slice(ndarray::s![..ice_rows, ..]);
            common::assert_close(&got_ice, &want_ice, 1e-10, 1e-13, &format!("{what}: ICE"));
        }
    }
}

#[test]
fn permutation_importance_matches_sklearn_on_its_shuffles() {
    let fixture = common::load_fixture("explain_sklearn.json");
    let x = common::array2(&fixture["x"]);
    let y = common::array1(&fixture["y"]).to_vec();
    let mut model = net(&fixture["regressor"]);
    let want = &fixture["permutation_importance"];
    let orders: Vec<Vec<Vec<usize>>> = serde_json::from_value(want["orders"].clone()).unwrap();
    let mut r2 = |p: ArrayView2<'_, f64>| r2_score(&y, &p.column(0).to_vec());
    let got = permutation_importance_with(&mut model, x.view(), &orders, &mut r2).unwrap();
    let imp = common::array2(&want["importances"]);
    common::assert_close(&got.importances, &imp, 1e-10, 1e-13, "importances");
    common::assert_close(
        &got.mean,
        &common::array1(&want["mean"]),
        1e-10,
        1e-13,
        "mean",
    );
    common::assert_close(&got.std, &common::array1(&want["std"]), 1e-10, 1e-13, "std");
}

#[test]
fn an_ignored_column_has_importance_exactly_zero() {
    let mut model = Sequential::<f64>::new()
        .push(Linear::from_weights(array![[1.5, 0.0, -2.0]], Some(array![0.3])).unwrap());
    let x = Array2::from_shape_fn((40, 3), |(i, j)| ((i * 13 + j * 7) % 17) as f64 / 4.0);
    let y: Vec<f64> = x
        .rows()
        .into_iter()
        .map(|r| 1.5 * r[0] - 2.0 * r[2] + 0.3)
        .collect();
    let mut r2 = |p: ArrayView2<'_, f64>| r2_score(&y, &p.column(0).to_vec());
    let settings = PermutationImportance::new().n_repeats(6).unwrap().seed(11);
    let got = settings.compute(&mut model, x.view(), &mut r2).unwrap();
    assert_eq!(got.baseline_score, 1.0);
    assert!(
        got.importances.row(1).iter().all(|&v| v == 0.0),
        "{:?}",
        got.importances
    );
    assert!(
        got.mean[0] > 0.1 && got.mean[2] > got.mean[0],
        "{:?}",
        got.mean
    );
    assert!(got.std[0] > 0.0);
    let again = settings.compute(&mut model, x.view(), &mut r2).unwrap();
    assert_eq!(again, got, "same seed, same importances");
    let other = settings
        .seed(12)
        .compute(&mut model, x.view(), &mut r2)
        .unwrap();
    assert_ne!(other.importances, got.importances);
}
