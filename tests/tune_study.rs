//! Studies: determinism whatever the thread count, resume, failed and pruned trials, the
//! results table, multi-objective fronts and the doctor-guided space.

use tuneup::diagnostics::doctor::{Diagnosis, Finding, Problem, Severity};
use tuneup::tune::{
    suggest_space, CurrentSettings, Direction, GridSampler, ParetoPruning, Pruner, SearchSpace,
    Study, StudyView, TrialProgress, TrialRecord, TrialState,
};
use tuneup::Error;

fn space() -> SearchSpace {
    SearchSpace::builder()
        .float_log("lr", 1e-4, 1.0)
        .int("width", 4, 64)
        .categorical("opt", ["sgd", "adam"])
        .float("momentum", 0.0, 0.99)
        .only_when("opt", ["sgd"])
        .build()
        .unwrap()
}

/// A curve per trial: a value that decays with steps towards a floor set by the params.
fn curve_objective(t: &tuneup::tune::Trial) -> tuneup::Result<f64> {
    let lr = t.params().f64("lr")?;
    let floor = (lr.log10() + 2.0).powi(2) + t.params().f64("width")? / 640.0;
    let mut value = f64::NAN;
    for step in 0..10 {
        value = floor + 1.0 / (step + 1) as f64;
        t.report(step, value)?;
    }
    Ok(value)
}

/// Prunes when the last value is worse than the best last value of any visible trial at that
/// step by more than 0.5: a simple pruner that reads the history.
struct WorseThanBest;
impl Pruner for WorseThanBest {
    fn should_prune(&self, t: &TrialProgress<'_>, past: &StudyView<'_>) -> tuneup::Result<bool> {
        let (step, v) = t.last().unwrap();
        let best = past
            .trials
            .iter()
            .filter_map(|r| r.intermediate_at(step))
            .fold(f64::INFINITY, f64::min);
        Ok(v > best + 0.5)
    }
}

fn outcome(study: &Study) -> Vec<TrialRecord> {
    study
        .trials()
        .iter()
        .cloned()
        .map(|mut r| {
            r.seconds = 0.0;
            r
        })
        .collect()
}

fn run(threads: usize, n: usize) -> Study {
    let mut s = Study::builder(space())
        .seed(11)
        .threads(threads)
        .wave_size(4)
        .pruner(WorseThanBest)
        .build()
        .unwrap();
    s.optimize(n, curve_objective).unwrap();
    s
}

#[test]
fn same_seed_same_study_whatever_the_thread_count() {
    let one = run(1, 30);
    let two = run(2, 30);
    let three = run(3, 30);
    assert_eq!(outcome(&one), outcome(&two));
    assert_eq!(outcome(&one), outcome(&three));
    assert!(
        one.count(TrialState::Pruned) > 0,
        "the pruner should have stopped some trials"
    );
    assert!(one.count(TrialState::Complete) > 0);
    assert!(one.total_steps() < 30 * 10);
    // Conditional parameter present exactly when its condition holds.
    for t in one.trials() {
        assert_eq!(
            t.params.lookup("momentum").is_some(),
            t.params.str("opt").unwrap() == "sgd"
        );
    }
}

#[test]
fn a_resumed_study_equals_an_uninterrupted_one() {
    let whole = run(2, 30);
    let path = std::env::temp_dir().join(format!("tuneup-resume-{}.json", std::process::id()));
    let first = run(1, 13); // stops inside a wave
    first.save(&path).unwrap();
    let mut resumed = Study::builder(space())
        .seed(11)
        .threads(2)
        .wave_size(4)
        .pruner(WorseThanBest)
        .build()
        .unwrap();
    resumed.load(&path).unwrap();
    assert_eq!(resumed.trials(), first.trials(), "bit-identical round trip");
    resumed.optimize(17, curve_objective).unwrap();
    assert_eq!(outcome(&resumed), outcome(&whole));
    // Loading into a study with other settings is refused.
    let mut other = Study::builder(space())
        .seed(12)
        .wave_size(4)
        .build()
        .unwrap();
    assert!(matches!(other.load(&path), Err(Error::Value { .. })));
    let mut full = run(1, 1);
    assert!(matches!(full.load(&path), Err(Error::State { .. })));
    std::fs::remove_file(&path).ok();
}

#[test]
fn failed_trials_are_recorded_and_the_study_goes_on() {
    let mut s = Study::builder(space()).seed(3).threads(2).build().unwrap();
    s.optimize(24, |t| match t.number() % 4 {
        0 => Err(Error::state("training", "diverged at epoch 3")),
        1 => Ok(f64::NAN),
        2 => panic!("objective bug in trial {}", t.number()),
        _ => Ok(t.params().f64("lr")?),
    })
    .unwrap();
    assert_eq!(s.trials().len(), 24);
    assert_eq!(s.count(TrialState::Failed), 18);
    assert_eq!(s.count(TrialState::Complete), 6);
    let errors: Vec<&str> = s.trials()[..3]
        .iter()
        .map(|t| t.error.as_deref().unwrap())
        .collect();
    assert!(errors[0].contains("diverged"));
    assert!(errors[1].contains("NaN"));
    assert!(errors[2].contains("panicked") && errors[2].contains("trial 2"));
    assert_eq!(s.best_trial().unwrap().number % 4, 3);
}

#[test]
fn all_failed_is_a_clear_error_from_best_trial() {
    let mut s = Study::builder(space()).build().unwrap();
    s.optimize(3, |_| -> tuneup::Result<f64> {
        Err(Error::state("x", "y"))
    })
    .unwrap();
    let e = s.best_trial().unwrap_err().to_string();
    assert!(e.contains("no complete trial among 3 (3 failed"), "{e}");
}

#[test]
fn reports_are_checked() {
    let mut s = Study::builder(space()).build().unwrap();
    s.optimize(1, |t| {
        t.report(2, 1.0)?;
        assert!(matches!(t.report(2, 0.5), Err(Error::State { .. })));
        assert!(matches!(
            t.report(3, f64::INFINITY),
            Err(Error::NonFinite { .. })
        ));
        Ok(1.0)
    })
    .unwrap();
    assert_eq!(s.trials()[0].intermediate, vec![(2, 1.0)]);
}

#[test]
fn a_grid_study_stops_when_the_grid_runs_out() {
    let space = SearchSpace::builder()
        .int("a", 1, 3)
        .categorical("b", ["x", "y"])
        .build()
        .unwrap();
    let mut s = Study::builder(space)
        .sampler(GridSampler)
        .threads(2)
        .build()
        .unwrap();
    s.optimize(100, |t| t.params().f64("a")).unwrap();
    assert_eq!(s.trials().len(), 6);
    s.optimize(5, |t| t.params().f64("a")).unwrap();
    assert_eq!(s.trials().len(), 6);
    assert_eq!(s.best_value().unwrap(), 1.0);
}

#[test]
fn settings_are_checked() {
    assert!(matches!(
        Study::builder(space()).threads(0).build(),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        Study::builder(space())
            .pareto_pruning(ParetoPruning::default())
            .build(),
        Err(Error::Config { .. })
    ));
    let mut s = Study::builder(space()).build().unwrap();
    s.optimize(1, |_| Ok(0.0)).unwrap();
    assert!(matches!(
        s.optimize(usize::MAX, |_| Ok(0.0)),
        Err(Error::Config { .. })
    ));
}

#[cfg(feature = "csv")]
#[test]
fn the_results_table_has_a_row_per_trial() {
    let mut s = Study::builder(space()).seed(1).build().unwrap();
    s.optimize(5, |t| {
        if t.number() == 1 {
            return Err(Error::state("fit", "diverged, \"badly\""));
        }
        t.cross_validate(
            vec![(vec![0], vec![1]), (vec![1], vec![0])],
            |fold, _, _| Ok(0.5 + fold as f64 * 0.25),
        )
    })
    .unwrap();
    let csv = s.to_csv().unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "number",
            "state",
            "value",
            "fold_mean",
            "fold_std",
            "steps",
            "seconds",
            "lr",
            "width",
            "opt",
            "momentum",
            "error"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(&rows[0][1], "complete");
    assert_eq!(&rows[0][3], "0.625");
    assert_eq!(&rows[0][4], "0.125");
    assert_eq!(&rows[0][5], "2");
    assert_eq!(&rows[1][1], "failed");
    assert!(rows[1][11].contains("\"badly\""));
}

#[test]
fn multi_objective_front_and_pareto_pruning() {
    let space = SearchSpace::builder().int("width", 1, 64).build().unwrap();
    let mut s = Study::builder(space)
        .directions([Direction::Minimize, Direction::Minimize])
        .pareto_pruning(ParetoPruning::new(2, 1).unwrap())
        .wave_size(1)
        .seed(5)
        .build()
        .unwrap();
    // Loss falls with width, cost rises with it: every width is on the front, except that
    // a trial whose loss curve is shifted up by a bug (odd trial numbers) is dominated.
    s.optimize(30, |t| {
        let w = t.params().f64("width")?;
        let bug = if t.number() % 2 == 1 { 1.0 } else { 0.0 };
        let mut last = vec![];
        for step in 0..5 {
            last = vec![1.0 / w + bug + 1.0 / (step + 1) as f64, w];
            t.report_values(step, &last)?;
        }
        Ok(last)
    })
    .unwrap();
    assert!(s.best_trial().is_err());
    let front = s.pareto_front();
    assert!(!front.is_empty());
    for t in &front {
        assert!(!s.trials().iter().any(|o| o.state == TrialState::Complete
            && tuneup::tune::dominates(&o.values, &t.values, s.directions())));
    }
    assert!(s.count(TrialState::Pruned) > 0);
    // A pruned trial was dominated at the step it stopped.
    for t in s.trials().iter().filter(|t| t.state == TrialState::Pruned) {
        assert_eq!(t.number % 2, 1);
    }
}

fn finding(problem: Problem) -> Finding {
    Finding {
        problem,
        severity: Severity::Warning,
        evidence: vec![],
        summary: String::new(),
        remedies: vec![],
    }
}

#[test]
fn the_doctor_suggests_what_to_search() {
    let current = CurrentSettings {
        lr: 0.1,
        width: 32,
        depth: 2,
        batch_size: 16,
    };
    let both = Diagnosis {
        findings: vec![
            finding(Problem::Overfitting),
            finding(Problem::Underfitting),
        ],
    };
    let s = suggest_space(&both, current).unwrap();
    let names: Vec<&str> = s.space.params().iter().map(|p| p.name()).collect();
    assert_eq!(
        names,
        [
            "weight_decay",
            "dropout",
            "width",
            "patience",
            "depth",
            "lr"
        ]
    );
    // Width: overfitting asks for 8..=32, underfitting 32..=128: the union.
    let width = s.space.get("width").unwrap().distribution().clone();
    assert_eq!(width, tuneup::tune::Distribution::int_log(8, 128));
    let osc = Diagnosis {
        findings: vec![finding(Problem::Oscillation)],
    };
    let s = suggest_space(&osc, current).unwrap();
    assert_eq!(
        s.reasons,
        vec![
            ("lr".to_string(), Problem::Oscillation),
            ("batch_size".to_string(), Problem::Oscillation)
        ]
    );
    let lr = s.space.get("lr").unwrap().distribution().clone();
    assert_eq!(lr, tuneup::tune::Distribution::float_log(0.1 * 0.01, 0.1));
    let data_only = Diagnosis {
        findings: vec![finding(Problem::MissingValues)],
    };
    assert!(matches!(
        suggest_space(&data_only, current),
        Err(Error::Value { .. })
    ));
    let bad = CurrentSettings {
        lr: f64::NAN,
        ..current
    };
    assert!(suggest_space(&osc, bad).is_err());
}

#[test]
fn a_tpe_study_with_asha_is_the_same_on_one_and_two_threads() {
    use tuneup::tune::{MinResource, SuccessiveHalvingPruner, TpeSampler};
    let study = |threads: usize| {
        let mut s = Study::builder(space())
            .sampler(TpeSampler::default())
            .pruner(
                SuccessiveHalvingPruner::builder()
                    .min_resource(MinResource::Steps(1))
                    .reduction_factor(3)
                    .build()
                    .unwrap(),
            )
            .seed(8)
            .threads(threads)
            .wave_size(3)
            .build()
            .unwrap();
        s.optimize(30, curve_objective).unwrap();
        s
    };
    let (one, two) = (study(1), study(2));
    assert_eq!(outcome(&one), outcome(&two));
    assert!(one.count(TrialState::Pruned) > 0);
    // TPE, once past its random start, concentrates on the good learning rates (near 1e-2).
    let late: Vec<f64> = one.trials()[20..]
        .iter()
        .map(|t| (t.params.f64("lr").unwrap().log10() + 2.0).abs())
        .collect();
    let early: Vec<f64> = one.trials()[..10]
        .iter()
        .map(|t| (t.params.f64("lr").unwrap().log10() + 2.0).abs())
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        mean(&late) < mean(&early),
        "{} vs {}",
        mean(&late),
        mean(&early)
    );
}
