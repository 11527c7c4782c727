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
