//! Parity of `ExactShap` with shap's `Exact` explainer and `Independent` masker
//! (`tests/fixtures/explain_shap.json`, written by `scripts/reference/make_explain_fixtures.py`):
//! nets of 4, 7 and 10 features with backgrounds of 20, 50 and 100 rows, values and base values
//! to 1e-10 relative; additivity `Σφ = f(x) − base` to 1e-8; groups of columns as players.
//! KernelSHAP: exact with every coalition, within shap's spread when sampled, and the same bits
//! on 1, 2, 3 and 64 threads.

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

/// With every coalition evaluated (M ≤ 11 at the default budget), KernelSHAP is exact: it
/// equals shap's Exact values to 1e-8.
#[test]
fn kernel_shap_with_every_coalition_equals_the_exact_values() {
    let fixture = common::load_fixture("explain_shap.json");
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut model = net(&case["net"]);
        let target = Target::Output(case["output"].as_u64().unwrap() as usize);
        let x = common::array2(&case["x"]);
        let kernel = KernelShap::new(common::array2(&case["background"])).unwrap();
        let got = kernel.explain(&mut model, x.view(), &target).unwrap();
        let values = common::array2(&case["values"]);
        common::assert_close(
            &got.values,
            &values,
            0.0,
            1e-8,
            &format!("{name}: kernel values"),
        );
        let base = common::array1(&case["base_values"]);
        common::assert_close(&got.base_values, &base, 1e-12, 1e-14, name);
    }
    // M = 11: 2·11 + 2048 > 2^11 − 2, so every coalition again.
    let mut model = tuneup::model::Mlp::new(&[11, 5, 1])
        .activation(tuneup::model::Activation::Tanh)
        .seed(8)
        .build::<f64>()
        .unwrap();
    let background = ndarray::Array2::from_shape_fn((20, 11), |(i, j)| {
        ((i * 7 + j * 5) % 13) as f64 / 6.0 - 1.0
    });
    let x = ndarray::Array2::from_shape_fn((2, 11), |(i, j)| (i as f64 - j as f64) / 5.0);
    let exact = ExactShap::new(background.clone())
        .unwrap()
        .explain(&mut model, x.view(), &Target::Only)
        .unwrap();
    let kernel = KernelShap::new(background)
        .unwrap()
        .explain(&mut model, x.view(), &Target::Only)
        .unwrap();
    common::assert_close(&kernel.values, &exact.values, 0.0, 1e-8, "M = 11");
}

/// At M = 20 the coalitions are sampled: the estimates stay within shap's own spread (its mean
/// over 12 seeds ± 6 standard deviations), add up exactly, and a seed repeats them.
#[test]
fn sampled_kernel_shap_is_within_shaps_spread() {
    let fixture = common::load_fixture("explain_shap.json");
    let case = &fixture["kernel_m20"];
    let mut model = net(&case["net"]);
    let x = common::array2(&case["x"]);
    let kernel = KernelShap::new(common::array2(&case["background"]))
        .unwrap()
        .seed(3);
    let got = kernel.explain(&mut model, x.view(), &Target::Only).unwrap();
    let (mean, std) = (common::array2(&case["mean"]), common::array2(&case["std"]));
    for ((g, m), s) in got.values.iter().zip(&mean).zip(&std) {
        assert!(
            (g - m).abs() <= 6.0 * s * (1.0 + 1.0 / 12.0f64).sqrt() + 1e-9,
            "{g} vs {m} ± {s}"
        );
    }
    let base = case["base_value"].as_f64().unwrap();
    assert!(got.base_values.iter().all(|b| (b - base).abs() < 1e-12));
    let f = model.predict(x.view()).unwrap().column(0).to_owned();
    let sums = got.values.sum_axis(Axis(1)) + &got.base_values;
    common::assert_close(&sums, &f, 0.0, 1e-10, "efficiency");
    assert_eq!(
        kernel.explain(&mut model, x.view(), &Target::Only).unwrap(),
        got
    );
    // Rows spread over threads (more threads than rows too): the same bits.
    for threads in [2, 3, 64] {
        let parallel = kernel.clone().threads(threads).unwrap();
        let again = parallel
            .explain(&mut model, x.view(), &Target::Only)
            .unwrap();
        assert_eq!(again, got, "{threads} threads");
    }
    assert_ne!(
        kernel
            .seed(4)
            .explain(&mut model, x.view(), &Target::Only)
            .unwrap(),
        got
    );
}

/// The masker evaluates a dense first layer by differences (a masked row differs from a
/// background row, or from the explained row, in a few columns); the values must equal the
/// full forward pass over filled rows, which a first layer of another type forces.
#[test]
fn a_dense_first_layer_by_differences_equals_the_full_forward() {
    use tuneup::prelude::*;
    let inputs = |rows: usize, offset: f64| {
        ndarray::Array2::from_shape_fn((rows, 7), |(r, c)| {
            (0.37 * (r * 7 + c) as f64 + offset).sin()
        })
    };
    let (background, x) = (inputs(30, 1.0), inputs(4, 2.0));
    let dense = Mlp::new(&[7, 12, 6, 2])
        .activation(Activation::Tanh)
        .seed(4)
        .build::<f64>()
        .unwrap();
    let lone = Linear::<f64>::new(7, 2, 5)
        .unwrap()
        .with_activation(Activation::Sigmoid)
        .unwrap();
    // A squashed output: the last layer is not averaged before its activation.
    let squashed = Mlp::new(&[7, 5, 2])
        .output_activation(Activation::Sigmoid)
        .seed(6)
        .build::<f64>()
        .unwrap();
    let mut boxes: Vec<Box<dyn Layer<f64>>> =
        vec![Box::new(dense), Box::new(lone), Box::new(squashed)];
    for model in boxes.iter_mut() {
        // The same model behind an identity layer: no dense first layer, rows filled.
        let mut full = Sequential::new();
        full.add(ActivationLayer::new(Activation::Identity).unwrap());
        full.add(model.clone());
        let exact = ExactShap::new(background.clone()).unwrap();
        let kernel = KernelShap::new(background.clone())
            .unwrap()
            .nsamples(60)
            .unwrap();
        for target in [Target::Output(0), Target::Output(1)] {
            let fast = exact.explain(model.as_mut(), x.view(), &target).unwrap();
            let slow = exact.explain(&mut full, x.view(), &target).unwrap();
            let fast_k = kernel.explain(model.as_mut(), x.view(), &target).unwrap();
            let slow_k = kernel.explain(&mut full, x.view(), &target).unwrap();
            for (a, b) in [(&fast, &slow), (&fast_k, &slow_k)] {
                let pairs = a.values.iter().zip(&b.values);
                for (u, v) in pairs.chain(a.base_values.iter().zip(&b.base_values)) {
                    assert!((u - v).abs() <= 1e-12 * (1.0 + v.abs()), "{u} vs {v}");
                }
            }
            // Not trivially equal: the values are not all zero.
            assert!(fast.values.iter().any(|v| v.abs() > 1e-3));
        }
    }
}
