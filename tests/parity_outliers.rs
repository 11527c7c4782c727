//! Outlier detection, winsorising, VarianceThreshold and duplicate rows against NumPy / SciPy /
//! scikit-learn / pandas (fixture: scripts/reference/make_outlier_fixtures.py). Detectors are
//! fitted on one set and applied to another, so only fitted statistics can match.

mod common;

use ndarray::Array2;
use serde_json::Value;
use tuneup::data::{duplicate_rows, OutlierDetector, OutlierMethod, VarianceThreshold, Winsorizer};

const RTOL: f64 = 1e-10;
const ATOL: f64 = 1e-12;

/// `{"shape", "data"}` with JSON null meaning NaN.
fn nan_array(v: &Value) -> Array2<f64> {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_u64().unwrap() as usize)
        .collect();
    let data: Vec<f64> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect();
    let (r, c) = match shape.as_slice() {
        [n] => (1, *n),
        [r, c] => (*r, *c),
        _ => panic!("unexpected shape {shape:?}"),
    };
    Array2::from_shape_vec((r, c), data).unwrap()
}

fn bools(v: &Value) -> Vec<bool> {
    let list = v.get("data").unwrap_or(v);
    list.as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_bool().unwrap())
        .collect()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap() as usize)
        .collect()
}

/// Elementwise closeness where NaN must meet NaN.
fn assert_nan_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        if w.is_nan() {
            assert!(g.is_nan(), "{what}: index {i}: got {g}, expected NaN");
        } else {
            assert!(
                (g - w).abs() <= RTOL * w.abs() + ATOL,
                "{what}: index {i}: got {g:e}, expected {w:e}"
            );
        }
    }
}

fn sets(fx: &Value) -> (Array2<f64>, Array2<f64>) {
    (nan_array(&fx["fit"]), nan_array(&fx["test"]))
}

fn check_detector(fx: &Value, key: &str, method: OutlierMethod) {
    let (fit, test) = sets(fx);
    let case = &fx[key];
    let (fit_before, test_before) = (fit.clone(), test.clone());
    let f = OutlierDetector::new(method)
        .unwrap()
        .fit(&fit.view())
        .unwrap();
    let lower = nan_array(&case["lower"]);
    let upper = nan_array(&case["upper"]);
    assert_nan_close(
        &f.lower_bounds().to_vec(),
        lower.as_slice().unwrap(),
        &format!("{key} lower"),
    );
    assert_nan_close(
        &f.upper_bounds().to_vec(),
        upper.as_slice().unwrap(),
        &format!("{key} upper"),
    );
    let scores = f.scores(&test.view()).unwrap();
    let want = nan_array(&case["scores"]);
    assert_nan_close(
        scores.as_slice().unwrap(),
        want.as_slice().unwrap(),
        &format!("{key} scores"),
    );
    let mask = f.mask(&test.view()).unwrap();
    assert_eq!(
        mask.iter().copied().collect::<Vec<_>>(),
        bools(&case["mask"]),
        "{key} mask"
    );
    assert_eq!(
        f.row_mask(&test.view()).unwrap().to_vec(),
        bools(&case["row_mask"]),
        "{key} rows"
    );
    assert_eq!(
        f.counts(&test.view()).unwrap(),
        usizes(&case["counts"]),
        "{key} counts"
    );
    let removed = f.remove(&test.view()).unwrap();
    let kept = usizes(&case["kept_rows"]);
    assert_eq!(removed.kept, kept, "{key} kept rows");
    assert_eq!(removed.kept.len() + removed.removed.len(), test.nrows());
    assert_eq!(removed.data.nrows(), kept.len());
    for (r, &i) in kept.iter().enumerate() {
        let (a, b) = (removed.data.row(r), test.row(i));
        assert!(a
            .iter()
            .zip(b)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan())));
    }
    let clipped = f.clip(&test.view()).unwrap();
    let want = nan_array(&case["clipped"]);
    assert_nan_close(
        clipped.as_slice().unwrap(),
        want.as_slice().unwrap(),
        &format!("{key} clip"),
    );
    // Inputs untouched (NaN-aware bitwise comparison).
    let same =
        |a: &Array2<f64>, b: &Array2<f64>| a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
    assert!(
        same(&fit, &fit_before) && same(&test, &test_before),
        "{key}: input modified"
    );
}

#[test]
fn z_score_matches_numpy() {
    let fx = common::load_fixture("outliers.json");
    for t in [3.0, 2.0] {
        let key = format!("zscore_{t}");
        check_detector(&fx, &key, OutlierMethod::ZScore { threshold: t });
        // Applied to its own training set it gives scipy.stats.zscore(nan_policy="omit").
        let (fit, _) = sets(&fx);
        let f = OutlierDetector::new(OutlierMethod::ZScore { threshold: t })
            .unwrap()
            .fit(&fit.view())
            .unwrap();
        let z = f.scores(&fit.view()).unwrap();
        let want = nan_array(&fx[&key]["fit_scores"]);
        assert_nan_close(
            z.as_slice().unwrap(),
            want.as_slice().unwrap(),
            "scipy zscore",
        );
    }
}

#[test]
fn modified_z_score_matches_scipy_mad() {
    let fx = common::load_fixture("outliers.json");
    for t in [3.5, 2.5] {
        check_detector(
            &fx,
            &format!("modified_{t}"),
            OutlierMethod::ModifiedZScore { threshold: t },
        );
    }
    // The fixture has a column with MAD = 0 (the fallback path).
    assert_eq!(nan_array(&fx["modified_3.5"]["mad"])[[0, 3]], 0.0);
}

#[test]
fn iqr_fences_match_numpy_percentiles() {
    let fx = common::load_fixture("outliers.json");
    for k in [1.5, 3.0, 0.5] {
        check_detector(&fx, &format!("iqr_{k}"), OutlierMethod::Iqr { k });
    }
}

#[test]
fn winsorizer_matches_numpy_clip_to_percentiles() {
    let fx = common::load_fixture("outliers.json");
    let (fit, test) = sets(&fx);
    for (lo, hi) in [(1.0, 99.0), (5.0, 95.0), (10.0, 80.0)] {
        let key = format!("winsor_{lo}_{hi}");
        let case = &fx[&key];
        let f = Winsorizer::new(lo, hi).unwrap().fit(&fit.view()).unwrap();
        let want_lo = nan_array(&case["lower"]);
        let want_hi = nan_array(&case["upper"]);
        assert_nan_close(
            &f.lower_bounds().to_vec(),
            want_lo.as_slice().unwrap(),
            &key,
        );
        assert_nan_close(
            &f.upper_bounds().to_vec(),
            want_hi.as_slice().unwrap(),
            &key,
        );
        let got = f.transform(&test.view()).unwrap();
        let want = nan_array(&case["clipped"]);
        assert_nan_close(got.as_slice().unwrap(), want.as_slice().unwrap(), &key);
    }
}

#[test]
fn variance_threshold_matches_sklearn() {
    let fx = common::load_fixture("outliers.json");
    let v = &fx["variance"];
    let (fit, test) = (nan_array(&v["fit"]), nan_array(&v["test"]));
    for t in [0.0, 0.05, 0.15] {
        let case = &v[format!("threshold_{t}")];
        let f = VarianceThreshold::new(t).unwrap().fit(&fit.view()).unwrap();
        let want = nan_array(&case["variances"]);
        assert_nan_close(
            &f.variances().to_vec(),
            want.as_slice().unwrap(),
            "variances",
        );
        assert_eq!(f.support(), bools(&case["support"]), "support at {t}");
        let got = f.transform(&test.view()).unwrap();
        let want = nan_array(&case["transformed"]);
        assert_eq!(got.dim(), want.dim());
        assert_nan_close(
            got.as_slice().unwrap(),
            want.as_slice().unwrap(),
            "transform",
        );
    }
}

#[test]
fn duplicate_rows_match_pandas_duplicated() {
    let fx = common::load_fixture("outliers.json");
    let x = nan_array(&fx["duplicates"]["x"]);
    let want = bools(&fx["duplicates"]["duplicated"]);
    assert!(want.iter().any(|&b| b), "fixture has duplicates");
    let d = duplicate_rows(&x.view());
    assert_eq!(d.mask(), want);
}
