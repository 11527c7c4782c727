//! Cleaning under-samplers against imbalanced-learn (fixture from
//! `scripts/reference/make_cleaning_resampler_fixtures.py`): the rows kept by Tomek links,
//! ENN, RENN, AllKNN, NearMiss 1/2/3 and NCR, in imbalanced-learn's output order, are equal
//! exactly on data without distance ties; SMOTEENN / SMOTETomek class counts are equal on
//! data designed so that the cleaning does not depend on the synthetic points.

mod common;

use std::collections::BTreeMap;

use ndarray::Array2;
use serde_json::Value;
use tuneup::data::{
    AllKnn, CleaningStrategy, EditedNearestNeighbours, EnnKind, NearMiss,
    NeighbourhoodCleaningRule, RepeatedEditedNearestNeighbours, Selection, SmoteEnn, SmoteTomek,
    TomekLinks,
};

fn labels(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap() as usize)
        .collect()
}

fn strategy(p: &Value) -> CleaningStrategy {
    match p["strategy"].as_str() {
        Some("all") => CleaningStrategy::All,
        _ => CleaningStrategy::Auto,
    }
}

fn kind(p: &Value) -> EnnKind {
    match p["kind"].as_str() {
        Some("mode") => EnnKind::Mode,
        _ => EnnKind::All,
    }
}

fn k(p: &Value, key: &str, default: usize) -> usize {
    p.get(key)
        .and_then(Value::as_u64)
        .map_or(default, |v| v as usize)
}

fn run(sampler: &str, p: &Value, x: &Array2<f64>, y: &[usize]) -> Selection<f64> {
    let x = x.view();
    match sampler {
        "tomek" => TomekLinks::new()
            .sampling_strategy(strategy(p))
            .fit_resample(&x, y),
        "enn" => EditedNearestNeighbours::new()
            .sampling_strategy(strategy(p))
            .kind(kind(p))
            .n_neighbors(k(p, "k", 3))
            .unwrap()
            .fit_resample(&x, y),
        "renn" => RepeatedEditedNearestNeighbours::new()
            .sampling_strategy(strategy(p))
            .kind(kind(p))
            .n_neighbors(k(p, "k", 3))
            .unwrap()
            .fit_resample(&x, y),
        "allknn" => AllKnn::new()
            .sampling_strategy(strategy(p))
            .kind(kind(p))
            .n_neighbors(k(p, "k", 3))
            .unwrap()
            .allow_minority(p["allow_minority"].as_bool().unwrap_or(false))
            .fit_resample(&x, y),
        "nearmiss" => NearMiss::new(k(p, "version", 1) as u8)
            .unwrap()
            .n_neighbors(k(p, "k", 3))
            .unwrap()
            .n_neighbors_ver3(k(p, "k3", 3))
            .unwrap()
            .fit_resample(&x, y),
        "ncr" => NeighbourhoodCleaningRule::new()
            .sampling_strategy(strategy(p))
            .n_neighbors(k(p, "k", 3))
            .unwrap()
            .threshold_cleaning(p["threshold"].as_f64().unwrap_or(0.5))
            .unwrap()
            .fit_resample(&x, y),
        other => panic!("unknown sampler {other}"),
    }
    .unwrap()
}

#[test]
fn kept_rows_equal_imbalanced_learn() {
    let f = common::load_fixture("cleaning_resamplers.json");
    let mut checked = 0;
    for d in f["datasets"].as_array().unwrap() {
        let x = common::array2(&d["x"]);
        let y = labels(&d["y"]);
        for case in d["cases"].as_array().unwrap() {
            let what = format!("{} {} {}", d["name"], case["sampler"], case["params"]);
            let out = run(case["sampler"].as_str().unwrap(), &case["params"], &x, &y);
            assert_eq!(out.indices, labels(&case["indices"]), "{what}");
            let want_y: Vec<usize> = out.indices.iter().map(|&i| y[i]).collect();
            assert_eq!(out.y, want_y, "{what}: labels");
            for (r, &i) in out.indices.iter().enumerate() {
                assert_eq!(out.x.row(r), x.row(i), "{what}: row {r}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 30);
}

fn counts(y: &[usize]) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for &c in y {
        *m.entry(c.to_string()).or_insert(0) += 1;
    }
    m
}

fn fixture_counts(v: &Value) -> BTreeMap<String, u64> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
        .collect()
}

#[test]
fn smote_enn_and_smote_tomek_counts_equal_imbalanced_learn() {
    let f = common::load_fixture("cleaning_resamplers.json");
    for d in f["combined"].as_array().unwrap() {
        let x = common::array2(&d["x"]);
        let y = labels(&d["y"]);
        let want = fixture_counts(&d["counts"]);
        for seed in [0, 1, 2] {
            let smote = tuneup::data::Smote::new().seed(seed);
            let out = match d["name"].as_str().unwrap() {
                "smote_enn" => SmoteEnn::new().smote(smote).fit_resample(&x.view(), &y),
                _ => SmoteTomek::new().smote(smote).fit_resample(&x.view(), &y),
            }
            .unwrap();
            assert_eq!(counts(&out.y), want, "{} seed {seed}", d["name"]);
        }
        // Cleaning removed something: the counts differ from SMOTE's alone.
        assert_ne!(want, fixture_counts(&d["smote_counts"]));
    }
}

#[test]
fn cleaners_are_deterministic_and_leave_inputs_untouched() {
    let f = common::load_fixture("cleaning_resamplers.json");
    let d = &f["datasets"][1];
    let x = common::array2(&d["x"]);
    let y = labels(&d["y"]);
    let (x0, y0) = (x.clone(), y.clone());
    let a = run("renn", &d["cases"][6]["params"], &x, &y);
    let b = run("renn", &d["cases"][6]["params"], &x, &y);
    assert_eq!(a, b);
    assert_eq!(x, x0);
    assert_eq!(y, y0);
}
