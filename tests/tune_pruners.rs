//! The pruners against Optuna's: the same learning curves replayed one trial at a time, each
//! trial seeing every earlier one, give the same prune step for every trial (fixture made by
//! `scripts/reference/make_pruner_fixtures.py` with Optuna's pruners).

use serde_json::Value;
use tuneup::tune::{
    Direction, HyperbandPruner, MedianPruner, MinResource, PercentilePruner, Pruner, StudyView,
    SuccessiveHalvingPruner, TrialProgress, TrialRecord, TrialState,
};
use tuneup::Error;

fn fixture() -> Value {
    let text = std::fs::read_to_string("tests/fixtures/tune_pruners.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

fn usize_of(v: &Value) -> usize {
    v.as_u64().unwrap() as usize
}

fn direction(case: &Value) -> Direction {
    match case["direction"].as_str().unwrap() {
        "maximize" => Direction::Maximize,
        _ => Direction::Minimize,
    }
}

fn curves(json: &Value, case: &Value) -> Vec<Vec<f64>> {
    let set = &json["curve_sets"][case["curves"].as_str().unwrap()];
    set.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        })
        .collect()
}

/// Runs every trial in order through `pruner`; the step each was pruned at.
fn replay(
    pruner: &dyn Pruner,
    curves: &[Vec<f64>],
    steps: &[usize],
    dir: Direction,
) -> Vec<Option<usize>> {
    let directions = [dir];
    let mut records: Vec<TrialRecord> = Vec::new();
    let mut pruned_at = Vec::new();
    for (k, curve) in curves.iter().enumerate() {
        let mut reported = Vec::new();
        let mut pruned = None;
        for &step in steps {
            reported.push((step, curve[step]));
            let now = TrialProgress {
                number: k,
                intermediate: &reported,
            };
            if pruner
                .should_prune(&now, &StudyView::new(&records, &directions))
                .unwrap()
            {
                pruned = Some(step);
                break;
            }
        }
        let mut record = TrialRecord::failed(k, Default::default(), "");
        record.error = None;
        record.state = if pruned.is_some() {
            TrialState::Pruned
        } else {
            TrialState::Complete
        };
        if pruned.is_none() {
            record.values = vec![reported.last().unwrap().1];
        }
        record.intermediate = reported;
        records.push(record);
        pruned_at.push(pruned);
    }
    pruned_at
}

fn expected(case: &Value) -> Vec<Option<usize>> {
    case["pruned_at"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().map(|s| s as usize))
        .collect()
}

fn steps(case: &Value) -> Vec<usize> {
    case["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(usize_of)
        .collect()
}

#[test]
fn median_and_percentile_prune_where_optuna_does() {
    let json = fixture();
    let cases = json["percentile"].as_array().unwrap();
    assert_eq!(cases.len(), 32);
    for case in cases {
        let pruner: Box<dyn Pruner> = if case["kind"] == "median" {
            Box::new(
                MedianPruner::builder()
                    .n_startup_trials(usize_of(&case["n_startup_trials"]))
                    .n_warmup_steps(usize_of(&case["n_warmup_steps"]))
                    .interval_steps(usize_of(&case["interval_steps"]))
                    .n_min_trials(usize_of(&case["n_min_trials"]))
                    .build()
                    .unwrap(),
            )
        } else {
            Box::new(
                PercentilePruner::builder(case["percentile"].as_f64().unwrap())
                    .n_startup_trials(usize_of(&case["n_startup_trials"]))
                    .n_warmup_steps(usize_of(&case["n_warmup_steps"]))
                    .interval_steps(usize_of(&case["interval_steps"]))
                    .n_min_trials(usize_of(&case["n_min_trials"]))
                    .build()
                    .unwrap(),
            )
        };
        let got = replay(
            pruner.as_ref(),
            &curves(&json, case),
            &steps(case),
            direction(case),
        );
        assert_eq!(got, expected(case), "{}", case["kind"]);
    }
}

#[test]
fn successive_halving_prunes_where_optuna_does() {
    let json = fixture();
    let cases = json["successive_halving"].as_array().unwrap();
    assert_eq!(cases.len(), 16);
    for case in cases {
        let min_resource = match case["min_resource"].as_u64() {
            Some(r) => MinResource::Steps(r as usize),
            None => MinResource::Auto,
        };
        let pruner = SuccessiveHalvingPruner::builder()
            .min_resource(min_resource)
            .reduction_factor(usize_of(&case["reduction_factor"]))
            .min_early_stopping_rate(usize_of(&case["min_early_stopping_rate"]))
            .bootstrap_count(usize_of(&case["bootstrap_count"]))
            .build()
            .unwrap();
        let got = replay(&pruner, &curves(&json, case), &steps(case), direction(case));
        assert_eq!(
            got,
            expected(case),
            "min_resource {min_resource:?}, {}",
            case["reduction_factor"]
        );
    }
}

fn hyperband(json: &Value, case: &Value) -> HyperbandPruner {
    HyperbandPruner::builder(usize_of(&case["max_resource"]))
        .min_resource(usize_of(&case["min_resource"]))
        .reduction_factor(usize_of(&case["reduction_factor"]))
        .study_name(json["study_name"].as_str().unwrap())
        .build()
        .unwrap()
}

#[test]
fn hyperband_brackets_and_prunes_equal_optuna() {
    let json = fixture();
    let cases = json["hyperband"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for case in cases {
        let pruner = HyperbandPruner::builder(usize_of(&case["max_resource"]))
            .min_resource(usize_of(&case["min_resource"]))
            .reduction_factor(usize_of(&case["reduction_factor"]))
            .bootstrap_count(usize_of(&case["bootstrap_count"]))
            .study_name(json["study_name"].as_str().unwrap())
            .build()
            .unwrap();
        let brackets: Vec<usize> = (0..30).map(|k| pruner.bracket_of(k)).collect();
        let want: Vec<usize> = case["brackets"]
            .as_array()
            .unwrap()
            .iter()
            .map(usize_of)
            .collect();
        assert_eq!(brackets, want);
        let got = replay(&pruner, &curves(&json, case), &steps(case), direction(case));
        assert_eq!(got, expected(case), "{}", case["max_resource"]);
    }
}

#[test]
fn hyperband_budgets_equal_optuna() {
    let json = fixture();
    for case in json["hyperband_budgets"].as_array().unwrap() {
        let pruner = hyperband(&json, case);
        assert_eq!(
            pruner.n_brackets(),
            usize_of(&case["n_brackets"]),
            "{case:?}"
        );
        let budgets: Vec<usize> = case["budgets"]
            .as_array()
            .unwrap()
            .iter()
            .map(usize_of)
            .collect();
        assert_eq!(pruner.budgets(), budgets.as_slice());
        let want: Vec<usize> = case["bracket_of_first_100"]
            .as_array()
            .unwrap()
            .iter()
            .map(usize_of)
            .collect();
        let got: Vec<usize> = (0..100).map(|k| pruner.bracket_of(k)).collect();
        assert_eq!(got, want);
    }
}

#[test]
fn bad_settings_are_config_errors() {
    let config = |r: Result<(), Error>| matches!(r, Err(Error::Config { .. }));
    assert!(config(PercentilePruner::builder(-1.0).build().map(drop)));
    assert!(config(PercentilePruner::builder(100.5).build().map(drop)));
    assert!(config(
        PercentilePruner::builder(50.0)
            .interval_steps(0)
            .build()
            .map(drop)
    ));
    assert!(config(
        MedianPruner::builder().n_min_trials(0).build().map(drop)
    ));
    let sh = SuccessiveHalvingPruner::builder;
    assert!(config(sh().reduction_factor(1).build().map(drop)));
    assert!(config(
        sh().min_resource(MinResource::Steps(0)).build().map(drop)
    ));
    assert!(config(sh().bootstrap_count(1).build().map(drop)));
    assert!(config(
        HyperbandPruner::builder(10)
            .min_resource(11)
            .build()
            .map(drop)
    ));
    assert!(config(
        HyperbandPruner::builder(10)
            .reduction_factor(0)
            .build()
            .map(drop)
    ));
    assert!(config(
        HyperbandPruner::builder(10)
            .min_resource(0)
            .build()
            .map(drop)
    ));
    assert!(config(
        HyperbandPruner::builder(usize::MAX)
            .reduction_factor(2)
            .build()
            .map(drop)
    ));
}

#[test]
fn a_non_finite_value_is_a_typed_error() {
    let done: Vec<TrialRecord> = Vec::new();
    let view = StudyView::new(&done, &[]);
    let pruners: Vec<Box<dyn Pruner>> = vec![
        Box::new(MedianPruner::default()),
        Box::new(PercentilePruner::builder(25.0).build().unwrap()),
        Box::new(SuccessiveHalvingPruner::builder().build().unwrap()),
        Box::new(HyperbandPruner::builder(27).build().unwrap()),
    ];
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let now = TrialProgress {
            number: 0,
            intermediate: &[(0, 1.0), (1, bad)],
        };
        for p in &pruners {
            assert!(matches!(
                p.should_prune(&now, &view),
                Err(Error::NonFinite { .. })
            ));
        }
    }
}
