//! Parity of `ExactShap` with shap's `Exact` explainer and `Independent` masker
//! (`tests/fixtures/explain_shap.json`, written by `scripts/reference/make_explain_fixtures.py`):
//! nets of 4, 7 and 10 features with backgrounds of 20, 50 and 100 rows, values and base values
//! to 1e-10 relative; additivity `Σφ = f(x) − base` to 1e-8; groups of columns as players.

mod explain_common;

use explain_common::{common, net};
use ndarray::Axis;
use tuneup::explain::*;
use tuneup::model::Sequential;

#[test]
fn exact_values_match_shap() {
    let fixture = common::load_fixture("explain_shap.json");
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut model = net(&case["net"]);
        let output = case["output"].as_u64().unwrap() as usize;
        let x = common::array2(&case["x"]);
        let shap = ExactShap::new(common::array2(&case["background"]))
            .unwrap()
            .batch_rows(4096)
            .unwrap();
        let got = shap
            .explain(&mut model, x.view(), &Target::Output(output))
            .unwrap();
        let values = common::array2(&case["values"]);
        common::assert_close(
            &got.values,
            &values,
            1e-10,
            1e-13,
            &format!("{name}: values"),
        );
        let base = common::array1(&case["base_values"]);
        common::assert_close(
            &got.base_values,
            &base,
            1e-10,
            1e-13,
            &format!("{name}: base"),
        );
        let f = model.predict(x.view()).unwrap().column(output).to_owned();
        let sum = got.values.sum_axis(Axis(1)) + &got.base_values;
        common::assert_close(&sum, &f, 0.0, 1e-8, &format!("{name}: additivity"));
    }
}

#[test]
fn groups_are_players_and_singletons_change_nothing() {
    let fixture = common::load_fixture("explain_shap.json");
    let case = &fixture["cases"][1];
    let mut model: Sequential<f64> = net(&case["net"]);
    let x = common::array2(&case["x"]);
    let background = common::array2(&case["background"]);
    let plain = ExactShap::new(background.clone()).unwrap();
    let target = Target::Output(1);
    let want = plain.explain(&mut model, x.view(), &target).unwrap();
    let singletons = plain.clone().groups(FeatureGroups::singletons(7)).unwrap();
    assert_eq!(
        singletons.explain(&mut model, x.view(), &target).unwrap(),
        want
    );
    // Three groups: still additive, with the base value unchanged.
    let groups = FeatureGroups::new(vec![vec![0, 3, 6], vec![1, 2], vec![4, 5]], 7).unwrap();
    let grouped = plain.groups(groups).unwrap();
    let got = grouped.explain(&mut model, x.view(), &target).unwrap();
    assert_eq!(got.values.ncols(), 3);
    common::assert_close(&got.base_values, &want.base_values, 0.0, 1e-14, "base");
    let sums = got.values.sum_axis(Axis(1));
    common::assert_close(
        &sums,
        &want.values.sum_axis(Axis(1)),
        0.0,
        1e-12,
        "group sums",
    );
}
