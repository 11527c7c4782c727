//! Confident learning against cleanlab (fixture from
//! `scripts/reference/make_label_issue_fixtures.py`): thresholds (to 1e-12), the calibrated
//! confident joint and the estimated joint, and for each `filter_by` the flagged rows and
//! their ranking by self-confidence, exactly. Also the flipped-label recovery on the fixture
//! data (recall and precision of the flagged rows).

mod common;

use serde_json::Value;
use tuneup::data::{ConfidentLearning, FilterBy};

fn labels(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap() as usize)
        .collect()
}

fn bools(v: &Value) -> Vec<bool> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_bool().unwrap())
        .collect()
}

fn settings(s: &Value) -> ConfidentLearning {
    let filter = match s["filter_by"].as_str().unwrap() {
        "prune_by_noise_rate" => FilterBy::PruneByNoiseRate,
        "prune_by_class" => FilterBy::PruneByClass,
        "both" => FilterBy::Both,
        other => panic!("unknown filter_by {other}"),
    };
    let mut cl = ConfidentLearning::new().filter_by(filter);
    if let Some(f) = s.get("frac_noise").and_then(Value::as_f64) {
        cl = cl.frac_noise(f).unwrap();
    }
    if let Some(m) = s.get("min_examples_per_class").and_then(Value::as_u64) {
        cl = cl.min_examples_per_class(m as usize);
    }
    cl
}

#[test]
fn confident_learning_matches_cleanlab() {
    let f = common::load_fixture("label_issues.json");
    let mut checked = 0;
    for (n, case) in f["cases"].as_array().unwrap().iter().enumerate() {
        let y = labels(&case["labels"]);
        let p = common::array2(&case["pred_probs"]);
        let k = p.ncols();
        let default = ConfidentLearning::new().find(&y, p.view()).unwrap();
        common::assert_close_slices(
            default.thresholds(),
            &common::array1(&case["thresholds"]).to_vec(),
            0.0,
            1e-12,
            &format!("case {n}: thresholds"),
        );
        let cj: Vec<usize> = case["confident_joint"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(labels)
            .collect();
        assert_eq!(
            default
                .confident_joint()
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            cj,
            "case {n}: confident joint"
        );
        let joint: Vec<f64> = default.joint().iter().copied().collect();
        common::assert_close_slices(
            &joint,
            &common::array1(&case["joint"]).to_vec(),
            0.0,
            1e-15,
            &format!("case {n}: joint"),
        );
        assert_eq!(default.confident_joint().dim(), (k, k));
        for filter in case["filters"].as_array().unwrap() {
            let what = format!("case {n}: {}", filter["settings"]);
            let found = settings(&filter["settings"]).find(&y, p.view()).unwrap();
            assert_eq!(
                found.is_issue(),
                bools(&filter["mask"]).as_slice(),
                "{what}: mask"
            );
            assert_eq!(
                found.ranked_issues(),
                labels(&filter["ranked"]).as_slice(),
                "{what}: ranking"
            );
            checked += 1;
        }
        // The flagged rows are mostly flipped ones (10–20% of the rows are flipped; the
        // probabilities are only moderately sharp, so this is a sanity bound, not the
        // example's 70%).
        let flipped = bools(&case["flipped"]);
        let hits = default
            .ranked_issues()
            .iter()
            .filter(|&&i| flipped[i])
            .count();
        let precision = hits as f64 / default.n_issues() as f64;
        assert!(precision >= 0.5, "case {n}: precision {precision}");
        let noise = flipped.iter().filter(|&&b| b).count() as f64 / flipped.len() as f64;
        assert!(
            (default.noise_rate() - noise).abs() < 0.1,
            "case {n}: noise rate {} vs {noise}",
            default.noise_rate()
        );
    }
    assert_eq!(checked, 12);
}
