//! LIME against lime (`tests/fixtures/explain_lime.json`, written by
//! `scripts/reference/make_explain_fixtures.py`): lime's `LimeTabularExplainer` is random, so
//! the fixture holds the mean and spread of its local weights, intercept and weighted R² over
//! 10 seeds; this crate's values (seeded) lie within 6 spreads of lime's mean. On a linear
//! model the local weights recover the coefficients' signs and ranking.

mod explain_common;

use explain_common::{common, net};
use ndarray::{array, Array2};
use tuneup::explain::*;
use tuneup::model::{Linear, Sequential};

#[test]
fn lime_agrees_with_lime_in_distribution() {
    let fixture = common::load_fixture("explain_lime.json");
    let mut model = net(&fixture["net"]);
    let lime = LimeTabular::new(common::array2(&fixture["train"]).view())
        .unwrap()
        .seed(7);
    for case in fixture["cases"].as_array().unwrap() {
        let x = common::array1(&case["x"]);
        let e = lime.explain(&mut model, x.view(), &Target::Only).unwrap();
        let mut got = e.weights.to_vec();
        got.extend([e.intercept, e.score]);
        let (mean, std) = (common::array1(&case["mean"]), common::array1(&case["std"]));
        for (i, ((g, m), s)) in got.iter().zip(&mean).zip(&std).enumerate() {
            let bound = 6.0 * s * (1.0 + 1.0 / 10.0f64).sqrt();
            assert!((g - m).abs() <= bound, "entry {i}: {g} vs lime {m} ± {s}");
        }
        assert_eq!(
            lime.explain(&mut model, x.view(), &Target::Only).unwrap(),
            e,
            "seeded"
        );
    }
}

#[test]
fn lime_recovers_a_linear_models_signs_and_ranking() {
    let w = [4.0, -2.5, 1.5, -0.7, 0.0];
    let mut model = Sequential::<f64>::new().push(
        Linear::from_weights(Array2::from_shape_vec((1, 5), w.to_vec()).unwrap(), None).unwrap(),
    );
    // Every column spread alike over [0, 10); the row sits in the top quartile of each.
    let train = Array2::from_shape_fn((400, 5), |(i, j)| {
        ((i * (2 * j + 3) * 37 + j * 11) % 400) as f64 / 40.0
    });
    let lime = LimeTabular::new(train.view()).unwrap().seed(3);
    let e = lime
        .explain(
            &mut model,
            array![9.0, 9.0, 9.0, 9.0, 9.0].view(),
            &Target::Only,
        )
        .unwrap();
    for (j, (got, want)) in e.weights.iter().zip(&w).take(4).enumerate() {
        assert_eq!(got.signum(), want.signum(), "sign of {j}: {}", e.weights);
    }
    let mut order: Vec<usize> = (0..5).collect();
    order.sort_by(|&a, &b| e.weights[b].abs().total_cmp(&e.weights[a].abs()));
    assert_eq!(order, [0, 1, 2, 3, 4], "ranking: {}", e.weights);
    // Quartile indicators drop the variation inside a quartile: a fair, not perfect, fit.
    assert!(e.score > 0.5, "fidelity {}", e.score);
}
