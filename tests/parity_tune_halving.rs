//! `halving_schedule` against scikit-learn's `HalvingRandomSearchCV` `n_candidates_` and
//! `n_resources_` (fixture made by `scripts/reference/make_tune_halving_fixtures.py`).

use serde_json::Value;
use tuneup::tune::{halving_schedule, MinResources};

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

#[test]
fn schedule_equals_halving_random_search_cv() {
    let text = std::fs::read_to_string("tests/fixtures/tune_halving.json").unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    for case in json["cases"].as_array().unwrap() {
        let min = match &case["min_resources"] {
            // scikit-learn's 'smallest' start: 2 folds × 2 × 2 classes
            Value::String(_) => MinResources::Exhaust(8),
            v => MinResources::Fixed(v.as_u64().unwrap() as usize),
        };
        let schedule = halving_schedule(
            case["n_candidates"].as_u64().unwrap() as usize,
            case["factor"].as_u64().unwrap() as usize,
            min,
            case["max_resources"].as_u64().unwrap() as usize,
            case["aggressive_elimination"].as_bool().unwrap(),
        )
        .unwrap();
        let candidates: Vec<usize> = schedule.iter().map(|i| i.candidates).collect();
        let resources: Vec<usize> = schedule.iter().map(|i| i.resources).collect();
        assert_eq!(candidates, usizes(&case["expected_candidates"]), "{case}");
        assert_eq!(resources, usizes(&case["expected_resources"]), "{case}");
    }
}

#[test]
fn bad_settings_are_config_errors() {
    use tuneup::Error;
    let bad = [
        halving_schedule(0, 3, MinResources::Fixed(1), 10, false),
        halving_schedule(10, 1, MinResources::Fixed(1), 10, false),
        halving_schedule(10, 3, MinResources::Fixed(0), 10, false),
        halving_schedule(10, 3, MinResources::Fixed(11), 10, false),
        halving_schedule(10, 3, MinResources::Exhaust(1), 0, false),
        halving_schedule(10, 3, MinResources::Exhaust(20), 10, false),
    ];
    for r in bad {
        assert!(matches!(r, Err(Error::Config { .. })), "{r:?}");
    }
    // huge values saturate instead of overflowing
    let s = halving_schedule(usize::MAX, 2, MinResources::Fixed(1), usize::MAX, true).unwrap();
    assert!(s.iter().all(|i| i.resources >= 1));
}
