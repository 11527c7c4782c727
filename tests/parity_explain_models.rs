//! Parity of the interpretable models with scikit-learn (`tests/fixtures/explain_models.json`,
//! written by `scripts/reference/make_explain_fixtures.py`): `LinearRegression` and `Ridge`
//! coefficients, intercepts and predictions to 1e-10; `LogisticRegression` (binary and
//! multinomial, several C, with and without intercepts) coefficients and probabilities to 1e-6.

mod explain_common;

use explain_common::common;
use tuneup::explain::*;

#[test]
fn linear_and_ridge_match_sklearn() {
    let fixture = common::load_fixture("explain_models.json");
    let x = common::array2(&fixture["x"]);
    let y = common::array1(&fixture["y"]);
    for case in fixture["linear"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let alpha = case["alpha"].as_f64().unwrap();
        let settings = LinearRegression::new()
            .ridge(alpha)
            .unwrap()
            .fit_intercept(case["fit_intercept"].as_bool().unwrap());
        let fit = settings.fit(x.view(), y.view()).unwrap();
        let coef = common::array1(&case["coef"]);
        common::assert_close(&fit.coef, &coef, 1e-10, 1e-12, &format!("{name}: coef"));
        let intercept = case["intercept"].as_f64().unwrap();
        common::assert_close_slices(&[fit.intercept], &[intercept], 1e-10, 1e-12, name);
        let predict = fit.predict(x.slice(ndarray::s![..10, ..])).unwrap();
        let want = common::array1(&case["predict"]);
        common::assert_close(&predict, &want, 1e-10, 1e-12, &format!("{name}: predict"));
    }
}

#[test]
fn logistic_regression_matches_sklearn() {
    let fixture = common::load_fixture("explain_models.json");
    let x = common::array2(&fixture["x"]);
    for case in fixture["logistic"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let labels: Vec<usize> = serde_json::from_value(case["labels"].clone()).unwrap();
        let settings = LogisticRegression::new()
            .c(case["C"].as_f64().unwrap())
            .unwrap()
            .fit_intercept(case["fit_intercept"].as_bool().unwrap());
        let fit = settings.fit(x.view(), &labels).unwrap();
        let coef = common::array2(&case["coef"]);
        common::assert_close(&fit.coef, &coef, 1e-6, 1e-8, &format!("{name}: coef"));
        let intercept = common::array1(&case["intercept"]);
        common::assert_close(
            &fit.intercept,
            &intercept,
            1e-6,
            1e-8,
            &format!("{name}: intercept"),
        );
        let proba = fit.predict_proba(x.slice(ndarray::s![..10, ..])).unwrap();
        let want = common::array2(&case["proba"]);
        common::assert_close(&proba, &want, 1e-6, 1e-9, &format!("{name}: proba"));
        assert!(fit.n_iter < 30, "{name}: {} Newton steps", fit.n_iter);
    }
}

fn tree_settings(case: &serde_json::Value) -> DecisionTree {
    let mut tree = if case["kind"] == "classifier" {
        DecisionTree::classifier()
    } else {
        DecisionTree::regressor()
    };
    let s = &case["settings"];
    if s["criterion"] == "entropy" {
        tree = tree.criterion(SplitCriterion::Entropy);
    }
    let get = |name: &str| s[name].as_u64().map(|v| v as usize);
    if let Some(d) = get("max_depth") {
        tree = tree.max_depth(d).unwrap();
    }
    if let Some(n) = get("min_samples_split") {
        tree = tree.min_samples_split(n).unwrap();
    }
    if let Some(n) = get("min_samples_leaf") {
        tree = tree.min_samples_leaf(n).unwrap();
    }
    if let Some(n) = get("max_leaf_nodes") {
        tree = tree.max_leaf_nodes(n).unwrap();
    }
    tree
}

/// CART trees (Gini and entropy classifiers, squared-error regressors; depth, split, leaf and
/// best-first leaf-count limits) on data without tied splits: the same number of nodes, the
/// same predictions and probabilities, and `export_text` identical character for character.
#[test]
fn trees_and_export_text_match_sklearn() {
    let fixture = common::load_fixture("explain_models.json");
    let x = common::array2(&fixture["x"]);
    let x_test = common::array2(&fixture["x_test"]);
    let y = common::array1(&fixture["y"]);
    let labels: Vec<usize> = serde_json::from_value(fixture["tree_labels"].clone()).unwrap();
    for case in fixture["trees"].as_array().unwrap() {
        let what = format!("{} {}", case["kind"], case["settings"]);
        let settings = tree_settings(case);
        let classifier = case["kind"] == "classifier";
        let tree = if classifier {
            settings.fit_classifier(x.view(), &labels).unwrap()
        } else {
            settings.fit_regressor(x.view(), y.view()).unwrap()
        };
        assert_eq!(
            tree.nodes().len() as u64,
            case["n_nodes"].as_u64().unwrap(),
            "{what}: nodes"
        );
        let text = export_text(&tree, &TextOptions::default()).unwrap();
        assert_eq!(text, case["text"].as_str().unwrap(), "{what}: export_text");
        let short = TextOptions {
            max_depth: 2,
            decimals: 3,
            spacing: 2,
            ..TextOptions::default()
        };
        let text = export_text(&tree, &short).unwrap();
        assert_eq!(
            text,
            case["text_depth_2"].as_str().unwrap(),
            "{what}: export_text depth 2"
        );
        for (data, key) in [(&x, "predict_train"), (&x_test, "predict_test")] {
            let want = common::array1(&case[key]);
            let got: Vec<f64> = if classifier {
                tree.predict_labels(data.view())
                    .unwrap()
                    .iter()
                    .map(|&l| l as f64)
                    .collect()
            } else {
                tree.predict_values(data.view()).unwrap().to_vec()
            };
            common::assert_close_slices(&got, want.as_slice().unwrap(), 1e-12, 1e-12, &what);
        }
        if classifier {
            let proba = tree.predict_proba(x_test.view()).unwrap();
            common::assert_close(
                &proba,
                &common::array2(&case["proba_test"]),
                1e-12,
                1e-15,
                &what,
            );
        }
    }
}
