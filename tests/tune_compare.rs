//! Parity of `tune::compare` with mlxtend and SciPy on the recorded scores of
//! `tests/fixtures/tuning_statistics.json` (written by
//! `scripts/reference/tuning_statistics.py`): statistics and p-values match to 1e-10 relative
//! (1e-15 absolute near zero); the bad-input cases give typed errors; the bootstrap interval
//! covers the true difference at its nominal rate in a simulation.

mod common;

use serde_json::Value;
use tuneup::tune::*;
use tuneup::Error;

const RTOL: f64 = 1e-10;
const ATOL: f64 = 1e-15;

fn fixture() -> Value {
    common::load_fixture("tuning_statistics.json")
}

fn num(v: &Value, what: &str) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{what}: not a number"))
}

fn close(got: f64, want: &Value, what: &str) {
    common::assert_close_slices(&[got], &[num(want, what)], RTOL, ATOL, what);
}

fn matrix(v: &Value) -> Vec<[f64; 2]> {
    v.as_array()
        .expect("a 5×2 matrix")
        .iter()
        .map(|row| [num(&row[0], "score"), num(&row[1], "score")])
        .collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("a list of numbers")
        .iter()
        .map(|x| num(x, "value"))
        .collect()
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .expect("a list of labels")
        .iter()
        .map(|x| x.as_i64().expect("an integer"))
        .collect()
}

fn table(v: &Value) -> McnemarTable {
    let c = |i: usize, j: usize| v[i][j].as_u64().expect("a count");
    McnemarTable::from_counts([[c(0, 0), c(0, 1)], [c(1, 0), c(1, 1)]])
}

#[test]
fn five_by_two_t_and_f_match_mlxtend() {
    let fx = fixture();
    for case in fx["five_by_two"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("a name");
        let (a, b) = (matrix(&case["scores_a"]), matrix(&case["scores_b"]));
        let t = paired_ttest_5x2cv(&a, &b).expect("t-test");
        close(t.statistic, &case["t"]["statistic"], &format!("{name}: t"));
        close(
            t.p_value,
            &case["t"]["p_value"],
            &format!("{name}: t p-value"),
        );
        assert_eq!(t.dof, [5.0, 0.0]);
        let f = combined_ftest_5x2cv(&a, &b).expect("F-test");
        close(f.statistic, &case["f"]["statistic"], &format!("{name}: F"));
        close(
            f.p_value,
            &case["f"]["p_value"],
            &format!("{name}: F p-value"),
        );
        assert_eq!(f.dof, [10.0, 5.0]);
    }
}

#[test]
fn swapping_the_models_negates_t_and_keeps_f() {
    let fx = fixture();
    let case = &fx["five_by_two"][0];
    let (a, b) = (matrix(&case["scores_a"]), matrix(&case["scores_b"]));
    let (ab, ba) = (
        paired_ttest_5x2cv(&a, &b).unwrap(),
        paired_ttest_5x2cv(&b, &a).unwrap(),
    );
    assert_eq!(ab.statistic, -ba.statistic);
    assert_eq!(ab.p_value, ba.p_value);
    let (fab, fba) = (
        combined_ftest_5x2cv(&a, &b).unwrap(),
        combined_ftest_5x2cv(&b, &a).unwrap(),
    );
    assert_eq!(fab.statistic, fba.statistic);
}

#[test]
fn mcnemar_table_and_tests_match_mlxtend() {
    let fx = fixture();
    let lab = &fx["mcnemar_labels"];
    let (y, a, b) = (
        ints(&lab["y_true"]),
        ints(&lab["pred_a"]),
        ints(&lab["pred_b"]),
    );
    assert_eq!(mcnemar_table(&y, &a, &b).unwrap(), table(&lab["table"]));
    for case in fx["mcnemar"].as_array().expect("cases") {
        let t = table(&case["table"]);
        let what = format!("table {:?}", t.counts());
        let corr = mcnemar(&t, McnemarMethod::ChiSquared { corrected: true }).unwrap();
        close(
            corr.statistic,
            &case["corrected"]["statistic"],
            &format!("{what}: χ² corrected"),
        );
        close(
            corr.p_value,
            &case["corrected"]["p_value"],
            &format!("{what}: p corrected"),
        );
        let unc = mcnemar(&t, McnemarMethod::ChiSquared { corrected: false }).unwrap();
        close(
            unc.statistic,
            &case["uncorrected"]["statistic"],
            &format!("{what}: χ²"),
        );
        close(
            unc.p_value,
            &case["uncorrected"]["p_value"],
            &format!("{what}: p"),
        );
        let exact = mcnemar(&t, McnemarMethod::Exact).unwrap();
        close(
            exact.p_value,
            &case["exact"]["p_value"],
            &format!("{what}: exact p"),
        );
        assert_eq!(exact.statistic, t.b as f64);
    }
}

#[test]
fn corrected_resampled_ttest_matches_scipy() {
    let fx = fixture();
    for case in fx["resampled"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("a name");
        let d = floats(&case["differences"]);
        let n_train = case["n_train"].as_u64().unwrap() as usize;
        let n_test = case["n_test"].as_u64().unwrap() as usize;
        let r = corrected_resampled_ttest(&d, n_train, n_test).expect("test");
        close(r.statistic, &case["statistic"], &format!("{name}: t"));
        close(r.p_value, &case["p_value"], &format!("{name}: p"));
        assert_eq!(r.dof, [d.len() as f64 - 1.0, 0.0]);
    }
}

#[test]
fn bootstrap_intervals_match_scipy_on_its_distribution() {
    let fx = fixture();
    for case in fx["bootstrap"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("a name");
        let (data, means) = (floats(&case["data"]), floats(&case["means"]));
        let conf = num(&case["confidence"], "confidence");
        for (method, key) in [(CiMethod::Percentile, "percentile"), (CiMethod::Bca, "bca")] {
            let ci = bootstrap_interval(&data, &means, conf, method).expect("interval");
            close(ci.low, &case[key][0], &format!("{name}: {key} low"));
            close(ci.high, &case[key][1], &format!("{name}: {key} high"));
        }
    }
}

#[test]
fn split_sizes_match_mlxtend() {
    let fx = fixture();
    for case in fx["split_sizes"].as_array().expect("cases") {
        let n = case["n"].as_u64().unwrap() as usize;
        let folds = five_by_two_splits(n, 5, 3).unwrap();
        for [first, second] in &folds {
            assert_eq!(
                first.train.len() as u64,
                case["fold1_train"].as_u64().unwrap()
            );
            assert_eq!(
                first.test.len() as u64,
                case["fold1_test"].as_u64().unwrap()
            );
            assert_eq!((&second.train, &second.test), (&first.test, &first.train));
            let mut all: Vec<usize> = first.train.iter().chain(&first.test).copied().collect();
            all.sort_unstable();
            assert_eq!(
                all,
                (0..n).collect::<Vec<_>>(),
                "n = {n}: halves cover every row once"
            );
        }
        assert_ne!(
            folds[0][0].train, folds[1][0].train,
            "repetitions reshuffle"
        );
    }
}

#[test]
fn bad_input_gives_typed_errors() {
    let a = [[0.8, 0.9]; 5];
    let b = [[0.7, 0.85], [0.8, 0.8], [0.75, 0.7], [0.8, 0.9], [0.7, 0.8]];
    // fewer than 2 repetitions, mismatched lengths, NaN
    assert!(matches!(
        paired_ttest_5x2cv(&a[..1], &b[..1]),
        Err(Error::Value { .. })
    ));
    assert!(matches!(
        combined_ftest_5x2cv(&a, &b[..4]),
        Err(Error::Shape { .. })
    ));
    let mut nan = b;
    nan[3][1] = f64::NAN;
    assert!(matches!(
        paired_ttest_5x2cv(&a, &nan),
        Err(Error::NonFinite { .. })
    ));
    // zero variance: mlxtend gives t = inf, p = 0 (or NaN), and F raises ZeroDivisionError
    let shifted = a.map(|[x, y]| [x - 0.05, y - 0.05]);
    let fx = fixture();
    assert_eq!(
        fx["degenerate"]["five_by_two_t_constant_shift"],
        "(inf, 0.0)"
    );
    assert!(matches!(
        paired_ttest_5x2cv(&a, &shifted),
        Err(Error::Value { .. })
    ));
    assert!(matches!(
        combined_ftest_5x2cv(&a, &a),
        Err(Error::Value { .. })
    ));
    // McNemar: labels of different lengths; b + c = 0 for χ² (mlxtend: inf / NaN); exact p = 1
    assert!(matches!(
        mcnemar_table(&[1, 0, 1], &[1, 0], &[1, 0, 1]),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        mcnemar_table(&[1, 0], &[1, 0], &[1, 0, 1]),
        Err(Error::Shape { .. })
    ));
    let none = McnemarTable::from_counts([[10, 0], [0, 5]]);
    assert!(matches!(
        mcnemar(&none, McnemarMethod::default()),
        Err(Error::Value { .. })
    ));
    let unc = McnemarMethod::ChiSquared { corrected: false };
    assert!(matches!(mcnemar(&none, unc), Err(Error::Value { .. })));
    let exact = mcnemar(&none, McnemarMethod::Exact).unwrap();
    assert_eq!(
        exact.p_value,
        num(&fx["degenerate"]["mcnemar_b_c_zero_exact_p"], "p")
    );
    // resampled t: too few, zero sizes, zero variance, NaN
    assert!(matches!(
        corrected_resampled_ttest(&[0.1], 9, 1),
        Err(Error::Value { .. })
    ));
    assert!(matches!(
        corrected_resampled_ttest(&[0.1, 0.2], 0, 1),
        Err(Error::Value { .. })
    ));
    assert!(matches!(
        corrected_resampled_ttest(&[0.1, 0.1], 9, 1),
        Err(Error::Value { .. })
    ));
    let inf = [0.1, f64::INFINITY];
    assert!(matches!(
        corrected_resampled_ttest(&inf, 9, 1),
        Err(Error::NonFinite { .. })
    ));
    // bootstrap: settings, too few values, NaN, degenerate BCa
    let s = BootstrapSettings::new().n_resamples(99);
    assert!(matches!(
        bootstrap_ci(&[1.0, 2.0], &s.confidence(0.0)),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        bootstrap_ci(&[1.0, 2.0], &s.n_resamples(1)),
        Err(Error::Config { .. })
    ));
    assert!(matches!(bootstrap_ci(&[1.0], &s), Err(Error::Value { .. })));
    assert!(matches!(
        bootstrap_ci(&[1.0, f64::NAN], &s),
        Err(Error::NonFinite { .. })
    ));
    let skewed = bootstrap_interval(&[0.0, 1.0], &[2.0, 3.0], 0.95, CiMethod::Bca);
    assert!(matches!(skewed, Err(Error::Value { .. })));
    // runners: too few rows or repetitions, a failing or NaN score
    assert!(matches!(
        five_by_two_splits(1, 5, 0),
        Err(Error::Value { .. })
    ));
    assert!(matches!(
        five_by_two_splits(10, 1, 0),
        Err(Error::Value { .. })
    ));
    let nan_score = run_5x2cv(10, 0, |_, _| Ok(0.5), |_, _| Ok(f64::NAN));
    assert!(matches!(nan_score, Err(Error::NonFinite { .. })));
    let failing = run_5x2cv(
        10,
        0,
        |_, _| Ok(0.5),
        |_, _| Err(Error::state("model", "broken")),
    );
    let msg = failing.unwrap_err().to_string();
    assert!(
        msg.contains("repetition 0, fold 0, configuration B"),
        "{msg}"
    );
}

#[test]
fn constant_data_gives_a_point_interval() {
    let s = BootstrapSettings::new().n_resamples(99);
    for method in [CiMethod::Percentile, CiMethod::Bca] {
        let ci = bootstrap_ci(&[0.25; 6], &s.method(method)).unwrap();
        assert_eq!((ci.low, ci.estimate, ci.high), (0.25, 0.25, 0.25));
    }
}

/// 2000 simulated studies of 100 paired differences from N(0.3, 1): the 95 % percentile and
/// BCa intervals (999 resamples, one seeded bootstrap distribution per study) must cover 0.3 in 95 % ± 2 % of them. The binomial standard
/// error of the coverage over 2000 studies is √(0.95 · 0.05 / 2000) ≈ 0.49 %, so ± 2 % is
/// about 4 standard errors, leaving ~1 % for the bootstrap's own small-sample bias.
#[test]
fn bootstrap_covers_the_true_difference_at_its_nominal_rate() {
    use rand::{rngs::StdRng, SeedableRng};
    use rand_distr::{Distribution, Normal};
    let (studies, n, truth) = (2000, 100, 0.3);
    let normal = Normal::new(truth, 1.0).unwrap();
    let mut rng = StdRng::seed_from_u64(2026);
    let mut covered = [0usize; 2];
    for study in 0..studies {
        let d: Vec<f64> = (0..n).map(|_| normal.sample(&mut rng)).collect();
        let s = BootstrapSettings::new().n_resamples(999).seed(study as u64);
        let means = bootstrap_means(&d, &s).unwrap();
        for (k, method) in [CiMethod::Percentile, CiMethod::Bca]
            .into_iter()
            .enumerate()
        {
            let ci = bootstrap_interval(&d, &means, 0.95, method).unwrap();
            covered[k] += usize::from(ci.contains(truth));
        }
        if study == 0 {
            let direct = bootstrap_ci(&d, &s.method(CiMethod::Bca)).unwrap();
            assert_eq!(
                direct,
                bootstrap_interval(&d, &means, 0.95, CiMethod::Bca).unwrap()
            );
        }
    }
    for (k, name) in ["percentile", "BCa"].iter().enumerate() {
        let rate = covered[k] as f64 / studies as f64;
        println!("{name}: coverage {rate} over {studies} studies");
        assert!((rate - 0.95).abs() <= 0.02, "{name} coverage {rate}");
    }
}

#[test]
fn bootstrap_is_seeded() {
    let d: Vec<f64> = (0..30)
        .map(|i| ((i * 17 % 13) as f64 - 6.0) / 10.0)
        .collect();
    let s = BootstrapSettings::new().n_resamples(499).seed(11);
    assert_eq!(bootstrap_ci(&d, &s).unwrap(), bootstrap_ci(&d, &s).unwrap());
    assert_ne!(
        bootstrap_ci(&d, &s).unwrap(),
        bootstrap_ci(&d, &s.seed(12)).unwrap()
    );
}

#[test]
fn comparison_reports_direction_significance_and_interval() {
    let fx = fixture();
    let case = &fx["five_by_two"][1]; // "a_better": A's scores are higher
    let (a, b) = (matrix(&case["scores_a"]), matrix(&case["scores_b"]));
    let diffs: Vec<f64> = a
        .iter()
        .zip(&b)
        .flat_map(|(x, y)| [y[0] - x[0], y[1] - x[1]])
        .collect();
    let t = paired_ttest_5x2cv(&a, &b).unwrap();
    let ci = bootstrap_ci(&diffs, &BootstrapSettings::new().n_resamples(999)).unwrap();
    let c = Comparison::new(t, &diffs)
        .unwrap()
        .metric("accuracy")
        .points()
        .interval(ci);
    assert_eq!(c.verdict(), Verdict::ABetter);
    assert!(!c.better());
    let line = c.to_string();
    assert!(line.starts_with("B is worse than A: -"), "{line}");
    assert!(
        line.contains("5×2cv t = 3.16, p = 0.025") && line.contains("95% CI"),
        "{line}"
    );
    // the same test at alpha = 0.01 is not significant
    let strict = c.clone().alpha(0.01);
    assert_eq!(strict.verdict(), Verdict::NoSignificantDifference);
    // a loss where lower is better: B lower, so B better
    let lower = Comparison::new(t, &diffs).unwrap().lower_is_better();
    assert_eq!(lower.verdict(), Verdict::BBetter);
    assert!(c.standardized_difference().unwrap() < 0.0);
}

#[test]
fn run_5x2cv_with_an_estimator_feeds_the_tests() {
    use tuneup::ndarray::{Array2, Axis};
    use tuneup::train::estimators::MlpClassifier;
    let x = Array2::from_shape_fn((80, 2), |(i, j)| ((i * 7 + j * 3) as f64 * 0.37).sin());
    let y: Vec<usize> = (0..80)
        .map(|i| usize::from(x[[i, 0]] > x[[i, 1]]))
        .collect();
    let fit_score = |model: MlpClassifier| {
        let (x, y) = (&x, &y);
        move |train: &[usize], test: &[usize]| {
            let pick = |rows: &[usize]| rows.iter().map(|&i| y[i]).collect::<Vec<_>>();
            let mut fitted = model.fit(x.select(Axis(0), train).view(), &pick(train))?;
            fitted.score(x.select(Axis(0), test).view(), &pick(test))
        }
    };
    let small = MlpClassifier::new()
        .hidden_layer_sizes(&[2])
        .max_iter(5)
        .random_state(0);
    let big = MlpClassifier::new()
        .hidden_layer_sizes(&[16])
        .max_iter(60)
        .random_state(0);
    let (a, b) = run_5x2cv(80, 4, fit_score(small.clone()), fit_score(big.clone())).unwrap();
    let again = run_5x2cv(80, 4, fit_score(small), fit_score(big)).unwrap();
    assert_eq!((a.clone(), b.clone()), again, "seeded runs are identical");
    assert!(a
        .iter()
        .chain(&b)
        .flatten()
        .all(|s| (0.0..=1.0).contains(s)));
    let t = paired_ttest_5x2cv(&a, &b).unwrap();
    let f = combined_ftest_5x2cv(&a, &b).unwrap();
    assert!(t.p_value > 0.0 && t.p_value <= 1.0 && f.p_value > 0.0 && f.p_value <= 1.0);
}

#[test]
fn results_and_reports_are_send_sync() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<TestResult>();
    assert_send_sync::<Comparison>();
    assert_send_sync::<BootstrapSettings>();
    assert_send_sync::<BootstrapCi>();
    assert_send_sync::<McnemarTable>();
    assert_send_sync::<FoldSplit>();
}
