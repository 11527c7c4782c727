//! The TPE sampler: better than random search on Branin and Hartmann-6 over 20 seeds,
//! deterministic, direction-aware, conditional and categorical; its Parzen estimator, gamma,
//! weights and split against Optuna's (fixture made by `scripts/reference/make_tpe_fixtures.py`).

use serde_json::Value;
use tuneup::tune::{
    split_trials, tpe_gamma, tpe_weights, Direction, Distribution, ParamValue, Params,
    ParzenEstimator, ParzenSettings, RandomSampler, Sampler, SearchSpace, StudyView, TpeSampler,
    TrialRecord, TrialState,
};

fn record(number: usize, params: Params, state: TrialState, values: Vec<f64>) -> TrialRecord {
    TrialRecord {
        number,
        params,
        state,
        values,
        intermediate: vec![],
        intermediate_values: vec![],
        fold_scores: vec![],
        seconds: 0.0,
        error: None,
    }
}

/// Runs `budget` trials sequentially, trial k seeing all earlier ones; returns the records.
fn run(
    sampler: &dyn Sampler,
    space: &SearchSpace,
    seed: u64,
    budget: usize,
    direction: Direction,
    f: &dyn Fn(&Params) -> f64,
) -> Vec<TrialRecord> {
    let mut trials: Vec<TrialRecord> = Vec::new();
    for k in 0..budget {
        let view = StudyView::new(&trials, std::slice::from_ref(&direction));
        let params = sampler.sample_with_history(space, seed, k, &view).unwrap();
        let v = f(&params);
        trials.push(record(k, params, TrialState::Complete, vec![v]));
    }
    trials
}

fn best(trials: &[TrialRecord], direction: Direction) -> f64 {
    let values = trials.iter().map(|t| t.values[0]);
    match direction {
        Direction::Minimize => values.fold(f64::INFINITY, f64::min),
        Direction::Maximize => values.fold(f64::NEG_INFINITY, f64::max),
    }
}

fn branin(p: &Params) -> f64 {
    let (x1, x2) = (p.f64("x1").unwrap(), p.f64("x2").unwrap());
    let pi = std::f64::consts::PI;
    let (b, c) = (5.1 / (4.0 * pi * pi), 5.0 / pi);
    let t = 1.0 / (8.0 * pi);
    (x2 - b * x1 * x1 + c * x1 - 6.0).powi(2) + 10.0 * (1.0 - t) * x1.cos() + 10.0
}

fn branin_space() -> SearchSpace {
    SearchSpace::builder()
        .float("x1", -5.0, 10.0)
        .float("x2", 0.0, 15.0)
        .build()
        .unwrap()
}

fn hartmann6(p: &Params) -> f64 {
    const ALPHA: [f64; 4] = [1.0, 1.2, 3.0, 3.2];
    const A: [[f64; 6]; 4] = [
        [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
        [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
        [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
        [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
    ];
    const P: [[f64; 6]; 4] = [
        [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
        [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
        [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
    ];
    let x: Vec<f64> = (0..6).map(|i| p.f64(&format!("x{i}")).unwrap()).collect();
    -(0..4)
        .map(|i| {
            let s: f64 = (0..6).map(|j| A[i][j] * (x[j] - P[i][j]).powi(2)).sum();
            ALPHA[i] * (-s).exp()
        })
        .sum::<f64>()
}

fn hartmann_space() -> SearchSpace {
    let mut b = SearchSpace::builder();
    for i in 0..6 {
        b = b.float(&format!("x{i}"), 0.0, 1.0);
    }
    b.build().unwrap()
}

fn mean_best(sampler: &dyn Sampler, space: &SearchSpace, f: &dyn Fn(&Params) -> f64) -> f64 {
    let seeds = 0..20u64;
    let total: f64 = seeds
        .map(|s| {
            best(
                &run(sampler, space, s, 60, Direction::Minimize, f),
                Direction::Minimize,
            )
        })
        .sum();
    total / 20.0
}

#[test]
fn tpe_beats_random_search_on_branin_and_hartmann6() {
    let tpe = TpeSampler::new();
    for (name, space, f) in [
        ("Branin", branin_space(), &branin as &dyn Fn(&Params) -> f64),
        ("Hartmann-6", hartmann_space(), &hartmann6),
    ] {
        let t = mean_best(&tpe, &space, f);
        let r = mean_best(&RandomSampler, &space, f);
        println!("{name}: mean best over 20 seeds, 60 trials: TPE {t:.6}, random {r:.6}");
        assert!(t < r, "{name}: TPE {t} vs random {r}");
    }
}

#[test]
fn same_seed_gives_the_same_study_and_another_seed_another() {
    let tpe = TpeSampler::new();
    let space = branin_space();
    let a = run(&tpe, &space, 7, 25, Direction::Minimize, &branin);
    let b = run(&tpe, &space, 7, 25, Direction::Minimize, &branin);
    let c = run(&tpe, &space, 8, 25, Direction::Minimize, &branin);
    assert_eq!(a, b);
    assert_ne!(a[20].params, c[20].params);
    // A trial drawn again from the same history gives the same values.
    let view = StudyView::new(&a[..20], &[Direction::Minimize]);
    assert_eq!(
        tpe.sample_with_history(&space, 7, 20, &view).unwrap(),
        a[20].params
    );
    // Before n_startup_trials the values are the random start's.
    assert_eq!(a[3].params, RandomSampler.sample(&space, 7, 3).unwrap());
    assert_eq!(tpe.sample(&space, 7, 3).unwrap(), a[3].params);
    assert!(tpe.uses_history());
}

#[test]
fn maximize_direction_is_respected() {
    let tpe = TpeSampler::new();
    let space = branin_space();
    let neg = |p: &Params| -branin(p);
    let (mut up, mut wrong) = (0.0, 0.0);
    for s in 0..10 {
        up += best(
            &run(&tpe, &space, s, 50, Direction::Maximize, &neg),
            Direction::Maximize,
        );
        // Told to minimise −Branin, TPE chases Branin's large values instead.
        let away = run(&tpe, &space, s, 50, Direction::Minimize, &neg);
        wrong += best(&away, Direction::Maximize);
    }
    assert!(up / 10.0 > wrong / 10.0, "{up} vs {wrong}");
    assert!(up / 10.0 > -2.0, "mean best of −Branin {}", up / 10.0);
}

#[test]
fn conditional_parameters_are_fitted_where_active() {
    let space = SearchSpace::builder()
        .categorical("opt", ["sgd", "adam"])
        .float("momentum", 0.0, 1.0)
        .only_when("opt", ["sgd"])
        .float_log("lr", 1e-4, 1.0)
        .build()
        .unwrap();
    // Best: sgd with momentum 0.9 and lr 0.01; adam is always worse.
    let f = |p: &Params| {
        let lr = (p.f64("lr").unwrap().log10() + 2.0).powi(2);
        match p.str("opt").unwrap() {
            "sgd" => (p.f64("momentum").unwrap() - 0.9).powi(2) + lr,
            _ => 1.0 + lr,
        }
    };
    let tpe = TpeSampler::new();
    for seed in 0..3 {
        let trials = run(&tpe, &space, seed, 60, Direction::Minimize, &f);
        for t in &trials {
            let sgd = t.params.str("opt").unwrap() == "sgd";
            assert_eq!(t.params.lookup("momentum").is_some(), sgd);
        }
        let last: Vec<&TrialRecord> = trials[40..].iter().collect();
        let sgd = last
            .iter()
            .filter(|t| t.params.str("opt").unwrap() == "sgd")
            .count();
        assert!(sgd > 12, "seed {seed}: {sgd} of 20 late trials on sgd");
        assert!(best(&trials, Direction::Minimize) < 0.05);
    }
}

#[test]
fn categorical_search_finds_the_best_category() {
    let names = ["a", "b", "c", "d", "e", "f"];
    let space = SearchSpace::builder()
        .categorical("c", names)
        .int("k", 1, 8)
        .build()
        .unwrap();
    let f = |p: &Params| {
        let c = names
            .iter()
            .position(|n| *n == p.str("c").unwrap())
            .unwrap() as f64;
        (c - 3.0).abs() + 0.1 * (p.i64("k").unwrap() as f64 - 5.0).abs()
    };
    let tpe = TpeSampler::new();
    for seed in 0..3 {
        let trials = run(&tpe, &space, seed, 50, Direction::Minimize, &f);
        let late = trials[30..]
            .iter()
            .filter(|t| t.params.str("c").unwrap() == "d")
            .count();
        assert!(
            late >= 12,
            "seed {seed}: {late} of 20 late trials on the best category"
        );
        assert_eq!(best(&trials, Direction::Minimize), 0.0);
    }
}

#[test]
fn pruned_and_failed_trials_and_bad_settings() {
    let space = branin_space();
    let tpe = TpeSampler::new();
    let mut trials = run(&tpe, &space, 1, 12, Direction::Minimize, &branin);
    // Failed trials do not count towards the startup trials.
    let ps = trials[0].params.clone();
    let fails: Vec<TrialRecord> = (0..12)
        .map(|k| TrialRecord::failed(k, ps.clone(), "x"))
        .collect();
    let view = StudyView::new(&fails, &[]);
    assert_eq!(
        tpe.sample_with_history(&space, 1, 12, &view).unwrap(),
        RandomSampler.sample(&space, 1, 12).unwrap()
    );
    trials[3].state = TrialState::Pruned;
    trials[3].values.clear();
    trials[3].intermediate = vec![(0, 5.0)];
    trials.push(TrialRecord::failed(12, ps.clone(), "diverged"));
    let view = StudyView::new(&trials, &[Direction::Minimize]);
    let p = tpe.sample_with_history(&space, 1, 13, &view).unwrap();
    assert!((-5.0..=10.0).contains(&p.f64("x1").unwrap()));
    // Malformed history and settings are typed errors.
    trials[0].values = vec![f64::NAN];
    let view = StudyView::new(&trials, &[Direction::Minimize]);
    assert!(matches!(
        tpe.sample_with_history(&space, 1, 13, &view),
        Err(tuneup::Error::Value { .. })
    ));
    trials[0].values = vec![1.0];
    trials[1].params = Params::from_pairs([("x1", ParamValue::from(99.0))]);
    let view = StudyView::new(&trials, &[Direction::Minimize]);
    assert!(tpe.sample_with_history(&space, 1, 13, &view).is_err());
    let two = [Direction::Minimize, Direction::Maximize];
    let view = StudyView::new(&trials, &two);
    assert!(matches!(
        tpe.sample_with_history(&space, 1, 13, &view),
        Err(tuneup::Error::Config { .. })
    ));
    assert!(matches!(
        TpeSampler::new().with_ei_candidates(0),
        Err(tuneup::Error::Config { .. })
    ));
    let bad = ParzenSettings {
        prior_weight: -0.5,
        ..Default::default()
    };
    assert!(matches!(
        TpeSampler::new().with_parzen(bad),
        Err(tuneup::Error::Config { .. })
    ));
}

// ---- parity with Optuna ----

fn fixture() -> Value {
    let text = std::fs::read_to_string("tests/fixtures/tune_tpe.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

fn to_value(v: &Value) -> ParamValue {
    match v {
        Value::Number(n) if n.is_i64() => ParamValue::Int(n.as_i64().unwrap()),
        Value::Number(n) => ParamValue::Float(n.as_f64().unwrap()),
        Value::String(s) => ParamValue::Str(s.clone()),
        other => panic!("unexpected fixture value {other}"),
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn distribution(d: &Value) -> Distribution {
    let f = |k: &str| d[k].as_f64().unwrap();
    let i = |k: &str| d[k].as_i64().unwrap();
    let log = d["log"].as_bool().unwrap_or(false);
    match d["kind"].as_str().unwrap() {
        "categorical" => {
            Distribution::categorical(d["choices"].as_array().unwrap().iter().map(to_value))
        }
        "int" if log => Distribution::int_log(i("low"), i("high")),
        "int" => Distribution::int_step(i("low"), i("high"), i("step")),
        _ if log => Distribution::float_log(f("low"), f("high")),
        _ if d["step"].is_null() => Distribution::float(f("low"), f("high")),
        _ => Distribution::float_step(f("low"), f("high"), f("step")),
    }
}

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 1e-10 * w.abs().max(1.0),
            "{what}: {g} vs {w}"
        );
    }
}

#[test]
fn parzen_estimator_equals_optuna() {
    let fx = fixture();
    for case in fx["parzen"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let settings = ParzenSettings {
            prior_weight: case["prior_weight"].as_f64().unwrap(),
            magic_clip: case["magic_clip"].as_bool().unwrap(),
            endpoints: case["endpoints"].as_bool().unwrap(),
        };
        let d = distribution(&case["distribution"]);
        let obs: Vec<ParamValue> = case["observations"]
            .as_array()
            .unwrap()
            .iter()
            .map(to_value)
            .collect();
        let pe = ParzenEstimator::fit("x", &d, &obs, &settings).unwrap();
        assert_close(
            pe.weights(),
            &floats(&case["weights"]),
            &format!("{name} weights"),
        );
        if let Some(rows) = case["choice_probabilities"].as_array() {
            assert_eq!(pe.choice_probabilities().len(), rows.len(), "{name}");
            for (got, want) in pe.choice_probabilities().iter().zip(rows) {
                assert_close(got, &floats(want), &format!("{name} choice rows"));
            }
        } else {
            assert_close(pe.mus(), &floats(&case["mus"]), &format!("{name} mus"));
            assert_close(
                pe.sigmas(),
                &floats(&case["sigmas"]),
                &format!("{name} sigmas"),
            );
        }
        let points = case["points"].as_array().unwrap().iter().map(to_value);
        let got: Vec<f64> = points.map(|p| pe.log_pdf(&p).unwrap()).collect();
        assert_close(&got, &floats(&case["log_pdf"]), &format!("{name} log_pdf"));
    }
}

#[test]
fn gamma_and_weights_equal_optuna() {
    let fx = fixture();
    for pair in fx["gamma"].as_array().unwrap() {
        let n = pair[0].as_u64().unwrap() as usize;
        assert_eq!(tpe_gamma(n) as u64, pair[1].as_u64().unwrap(), "gamma({n})");
    }
    for (n, w) in fx["weights"].as_object().unwrap() {
        assert_close(
            &tpe_weights(n.parse().unwrap()),
            &floats(w),
            &format!("weights({n})"),
        );
    }
}

#[test]
fn split_equals_optuna() {
    let fx = fixture();
    for case in fx["split"].as_array().unwrap() {
        let direction = match case["direction"].as_str().unwrap() {
            "maximize" => Direction::Maximize,
            _ => Direction::Minimize,
        };
        let trials: Vec<TrialRecord> = case["trials"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let state = match t["state"].as_str().unwrap() {
                    "complete" => TrialState::Complete,
                    "pruned" => TrialState::Pruned,
                    _ => TrialState::Failed,
                };
                let values = t["value"].as_f64().into_iter().collect();
                let mut r = record(k, Params::default(), state, values);
                r.intermediate = t["intermediate"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|sv| {
                        (
                            sv[0].as_u64().unwrap() as usize,
                            sv[1].as_f64().unwrap_or(f64::NAN),
                        )
                    })
                    .collect();
                r
            })
            .collect();
        let view = StudyView::new(&trials, std::slice::from_ref(&direction));
        let n_below = case["n_below"].as_u64().unwrap() as usize;
        let (below, above) = split_trials(&view, n_below).unwrap();
        let numbers = |g: &[&TrialRecord]| g.iter().map(|t| t.number as u64).collect::<Vec<_>>();
        let want = |k: &str| {
            case[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            numbers(&below),
            want("below"),
            "{direction:?} n_below {n_below}"
        );
        assert_eq!(
            numbers(&above),
            want("above"),
            "{direction:?} n_below {n_below}"
        );
    }
}
