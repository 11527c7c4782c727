//! Behaviour of the data-quality checks: isolation forest, duplicate rows, constant columns,
//! missing-value thresholds, and the error contract of the outlier detectors.

use ndarray::{array, Array2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use tuneup::data::{
    average_path_length, constant_columns, drop_duplicate_rows, drop_rows_with_missing,
    duplicate_rows, Contamination, IsolationForest, MaxSamples, MissingThreshold, OutlierDetector,
    OutlierMethod, VarianceThreshold, Winsorizer,
};
use tuneup::Error;

const NAN: f64 = f64::NAN;

/// 990 points of a 2-D standard normal cloud followed by 10 points at radius 8–10 (rows
/// 990..1000).
fn cloud_with_outliers(seed: u64) -> Array2<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = Array2::zeros((1000, 2));
    for i in 0..990 {
        x[[i, 0]] = rng.sample(StandardNormal);
        x[[i, 1]] = rng.sample(StandardNormal);
    }
    for i in 990..1000 {
        let angle = rng.random_range(0.0..std::f64::consts::TAU);
        let radius = rng.random_range(8.0..10.0);
        x[[i, 0]] = radius * angle.cos();
        x[[i, 1]] = radius * angle.sin();
    }
    x
}

fn ranks_ascending(scores: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    idx
}

// ---------------------------------------------------------------- isolation forest

#[test]
fn average_path_length_matches_hand_computed_values() {
    // c(n) = 2(ln(n − 1) + γ) − 2(n − 1)/n, computed by hand:
    // c(3) = 2(ln 2 + γ) − 4/3, c(10) = 2(ln 9 + γ) − 1.8, c(256) = 2(ln 255 + γ) − 255/128.
    assert_eq!(average_path_length(0), 0.0);
    assert_eq!(average_path_length(1), 0.0);
    assert_eq!(average_path_length(2), 1.0);
    let cases = [
        (3, 1.207_392_357_589_623),
        (10, 3.748_880_484_475_505),
        (100, 8.364_671_030_072_245),
        (256, 10.244_770_920_119_917),
    ];
    for (n, want) in cases {
        let got = average_path_length(n);
        assert!(
            (got - want).abs() < 1e-12,
            "c({n}) = {got}, expected {want}"
        );
    }
}

#[test]
fn planted_outliers_get_the_lowest_scores() {
    let x = cloud_with_outliers(11);
    let f = IsolationForest::new().seed(5).fit(&x.view()).unwrap();
    assert_eq!(f.max_samples(), 256);
    let scores = f.score_samples(&x.view()).unwrap().to_vec();
    let top15 = &ranks_ascending(&scores)[..15];
    for (planted, score) in scores.iter().enumerate().skip(990) {
        assert!(
            top15.contains(&planted),
            "planted outlier {planted} (score {score}) not among the 15 most anomalous {top15:?}"
        );
    }
    // With the paper's threshold 0.5 the planted points are outliers and the bulk of the cloud
    // inliers (scikit-learn 1.9 keeps 887–892 of the 990 cloud points on such data; the
    // outer rim of a Gaussian cloud scores above 0.5 too).
    let p = f.predict(&x.view()).unwrap();
    assert!((990..1000).all(|i| p[i] == -1));
    let inliers_ok = (0..990).filter(|&i| p[i] == 1).count();
    assert!(
        (850..=950).contains(&inliers_ok),
        "{inliers_ok} of 990 cloud points predicted inliers"
    );
}

#[test]
fn scores_follow_sklearn_conventions() {
    let x = cloud_with_outliers(3);
    let f = IsolationForest::new()
        .n_estimators(50)
        .unwrap()
        .seed(1)
        .fit(&x.view())
        .unwrap();
    let s = f.anomaly_scores(&x.view()).unwrap();
    let ss = f.score_samples(&x.view()).unwrap();
    let dec = f.decision_function(&x.view()).unwrap();
    let pred = f.predict(&x.view()).unwrap();
    assert_eq!(f.offset(), -0.5);
    for i in 0..x.nrows() {
        assert!(
            s[i] > 0.0 && s[i] <= 1.0,
            "anomaly score {} out of (0, 1]",
            s[i]
        );
        assert_eq!(ss[i], -s[i]);
        assert_eq!(dec[i], ss[i] + 0.5);
        assert_eq!(pred[i], if dec[i] < 0.0 { -1 } else { 1 });
    }
    // A point at the cloud's centre scores below 0.5; one far away above.
    let probe = f
        .anomaly_scores(&array![[0.0, 0.0], [50.0, -50.0]].view())
        .unwrap();
    assert!(probe[0] < 0.5 && probe[1] > 0.6, "{probe:?}");
}

#[test]
fn same_seed_same_forest_other_seed_other_scores() {
    let x = cloud_with_outliers(4);
    let score = |seed| {
        IsolationForest::new()
            .n_estimators(20)
            .unwrap()
            .seed(seed)
            .fit(&x.view())
            .unwrap()
            .score_samples(&x.view())
            .unwrap()
    };
    assert_eq!(score(9), score(9));
    assert_ne!(score(9), score(10));
}

#[test]
fn contamination_fraction_flags_that_share_of_training_rows() {
    let x = cloud_with_outliers(8);
    for c in [0.01, 0.05, 0.2] {
        let f = IsolationForest::new()
            .contamination(Contamination::Fraction(c))
            .unwrap()
            .seed(2)
            .fit(&x.view())
            .unwrap();
        let flagged = f
            .predict(&x.view())
            .unwrap()
            .iter()
            .filter(|&&p| p == -1)
            .count();
        let expected = c * x.nrows() as f64;
        assert!(
            (flagged as f64 - expected).abs() <= 1.0,
            "contamination {c}: {flagged} flagged, expected about {expected}"
        );
        // The offset is the c-quantile of the training scores.
        let ss = f.score_samples(&x.view()).unwrap();
        let below = ss.iter().filter(|&&v| v < f.offset()).count();
        assert_eq!(below, flagged);
    }
}

#[test]
fn max_samples_is_capped_and_fractions_apply() {
    let x = cloud_with_outliers(1);
    let count = IsolationForest::new()
        .n_estimators(3)
        .unwrap()
        .max_samples(MaxSamples::Count(5000))
        .unwrap()
        .fit(&x.view())
        .unwrap();
    assert_eq!(count.max_samples(), 1000);
    let frac = IsolationForest::new()
        .n_estimators(3)
        .unwrap()
        .max_samples(MaxSamples::Fraction(0.1))
        .unwrap()
        .fit(&x.view())
        .unwrap();
    assert_eq!(frac.max_samples(), 100);
    let small = IsolationForest::new()
        .fit(&array![[1.0], [2.0], [3.0]].view())
        .unwrap();
    assert_eq!(small.max_samples(), 3);
}

#[test]
fn isolation_forest_works_in_f32() {
    let x = cloud_with_outliers(11).mapv(|v| v as f32);
    let f = IsolationForest::new().seed(5).fit(&x.view()).unwrap();
    let scores: Vec<f64> = f
        .score_samples(&x.view())
        .unwrap()
        .iter()
        .map(|&v| v as f64)
        .collect();
    let top15 = &ranks_ascending(&scores)[..15];
    assert!((990..1000).all(|i| top15.contains(&i)));
}

#[test]
fn identical_training_rows_cannot_be_split() {
    // Every tree is one leaf holding ψ = 3 rows: E[h] = c(3), so s = 2^(−1) = 0.5 for every
    // row, seen or not (up to the rounding of summing 100 equal path lengths).
    let x = array![[1.0f64, 2.0], [1.0, 2.0], [1.0, 2.0]];
    let f = IsolationForest::new().fit(&x.view()).unwrap();
    let probe = array![[1.0, 2.0], [100.0, -3.0]];
    let s = f.anomaly_scores(&probe.view()).unwrap();
    assert_eq!(s[0], s[1]);
    assert!((s[0] - 0.5).abs() < 1e-12, "{s:?}");
}

#[test]
fn isolation_forest_errors() {
    assert!(matches!(
        IsolationForest::new().n_estimators(0),
        Err(Error::Config { .. })
    ));
    for m in [
        MaxSamples::Count(0),
        MaxSamples::Count(1),
        MaxSamples::Fraction(0.0),
        MaxSamples::Fraction(1.5),
        MaxSamples::Fraction(f64::NAN),
    ] {
        assert!(matches!(
            IsolationForest::new().max_samples(m),
            Err(Error::Config { .. })
        ));
    }
    for c in [0.0, -0.1, 0.51, f64::NAN] {
        assert!(matches!(
            IsolationForest::new().contamination(Contamination::Fraction(c)),
            Err(Error::Config { .. })
        ));
    }
    let f = IsolationForest::new();
    assert!(matches!(
        f.fit(&Array2::<f64>::zeros((0, 2)).view()),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        f.fit(&array![[1.0, 2.0]].view()),
        Err(Error::Value { .. })
    ));
    assert!(matches!(
        f.fit(&array![[1.0], [NAN], [2.0]].view()),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        f.fit(&array![[1.0], [f64::INFINITY]].view()),
        Err(Error::NonFinite { .. })
    ));
    let fitted = f
        .fit(&array![[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]].view())
        .unwrap();
    assert!(matches!(
        fitted.score_samples(&array![[1.0]].view()),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        fitted.predict(&array![[1.0, NAN]].view()),
        Err(Error::NonFinite { .. })
    ));
    // Zero rows are fine for scoring.
    assert_eq!(
        fitted.predict(&Array2::zeros((0, 2)).view()).unwrap().len(),
        0
    );
}

// ---------------------------------------------------------------- duplicates

#[test]
fn duplicates_report_first_occurrences_with_nan_equal_to_nan() {
    let x = array![
        [1.0, NAN, 2.0],
        [1.0, 2.0, NAN],
        [1.0, NAN, 2.0],
        [0.0, 0.0, 0.0],
        [-0.0, 0.0, -0.0],
        [1.0, 2.0, NAN],
        [1.0, 2.0, 3.0],
    ];
    let before = x.clone();
    let d = duplicate_rows(&x.view());
    assert_eq!(d.first_occurrence(), &[0, 1, 0, 3, 3, 1, 6]);
    assert_eq!(d.duplicates(), &[2, 4, 5]);
    assert_eq!(d.mask(), vec![false, false, true, false, true, true, false]);
    assert_eq!(d.n_unique(), 4);
    let r = drop_duplicate_rows(&x.view());
    assert_eq!(r.kept, vec![0, 1, 3, 6]);
    assert_eq!(r.removed, vec![2, 4, 5]);
    assert_eq!(r.data.row(3).to_vec(), vec![1.0, 2.0, 3.0]);
    assert!(x
        .iter()
        .zip(&before)
        .all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn duplicates_of_empty_and_unique_data() {
    let empty = Array2::<f64>::zeros((0, 3));
    let d = duplicate_rows(&empty.view());
    assert!(d.duplicates().is_empty() && d.first_occurrence().is_empty());
    let unique = array![[1.0f32, 2.0], [2.0, 1.0], [1.0, 1.0]];
    let d = duplicate_rows(&unique.view());
    assert_eq!(d.first_occurrence(), &[0, 1, 2]);
    assert_eq!(drop_duplicate_rows(&unique.view()).data, unique);
}

// ---------------------------------------------------------------- constant columns

#[test]
fn constant_and_low_variance_columns() {
    let x = array![
        [1.0, 0.1, 5.0, NAN, 0.0],
        [1.0, 0.1, 6.0, NAN, 0.0],
        [NAN, 0.1, 7.0, NAN, 0.01],
        [1.0, 0.1, 8.0, NAN, 0.0],
    ];
    assert_eq!(constant_columns(&x.view()), vec![0, 1, 3]);
    let f = VarianceThreshold::default().fit(&x.view()).unwrap();
    assert_eq!(f.kept_columns(), &[2, 4]);
    assert_eq!(f.dropped_columns(), &[0, 1, 3]);
    let v = f.variances();
    assert_eq!((v[0], v[1]), (0.0, 0.0)); // exactly 0, whatever the rounding of 0.1
    assert!(v[3].is_nan());
    assert_eq!(v[2], 1.25);
    let near = VarianceThreshold::new(1e-3)
        .unwrap()
        .fit(&x.view())
        .unwrap();
    assert_eq!(near.kept_columns(), &[2]);
    assert_eq!(
        near.transform(&array![[9.0, 9.0, 4.0, 9.0, 9.0]].view())
            .unwrap(),
        array![[4.0]]
    );
}

#[test]
fn variance_threshold_errors() {
    for t in [-1.0, NAN, f64::INFINITY] {
        assert!(matches!(
            VarianceThreshold::new(t),
            Err(Error::Config { .. })
        ));
    }
    let all_constant = array![[1.0, 2.0], [1.0, 2.0]];
    assert!(matches!(
        VarianceThreshold::default().fit(&all_constant.view()),
        Err(Error::Value { .. })
    ));
    let f = VarianceThreshold::default()
        .fit(&array![[1.0, 2.0], [3.0, 2.0]].view())
        .unwrap();
    assert!(matches!(
        f.transform(&array![[1.0]].view()),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        VarianceThreshold::default().fit(&Array2::<f64>::zeros((0, 2)).view()),
        Err(Error::Shape { .. })
    ));
}

// ---------------------------------------------------------------- missing thresholds

#[test]
fn missing_threshold_drops_columns_fitted_on_training_data() {
    let train = array![
        [1.0, NAN, NAN, 4.0],
        [2.0, NAN, 3.0, NAN],
        [3.0, NAN, 3.0, 4.0],
        [4.0, 5.0, 3.0, 4.0],
    ];
    let f = MissingThreshold::new(0.25)
        .unwrap()
        .fit(&train.view())
        .unwrap();
    assert_eq!(f.missing_fractions(), &[0.0, 0.75, 0.25, 0.25]);
    assert_eq!(f.kept_columns(), &[0, 2, 3]);
    assert_eq!(f.dropped_columns(), &[1]);
    // The test set's own missingness plays no part.
    let test = array![[NAN, 1.0, NAN, NAN]];
    let out = f.transform(&test.view()).unwrap();
    assert_eq!(out.ncols(), 3);
    assert!(out.iter().all(|v| v.is_nan()));
    let strict = MissingThreshold::new(0.0)
        .unwrap()
        .fit(&train.view())
        .unwrap();
    assert_eq!(strict.kept_columns(), &[0]);
    let none = MissingThreshold::new(1.0)
        .unwrap()
        .fit(&train.view())
        .unwrap();
    assert!(none.dropped_columns().is_empty());
    assert!(matches!(
        f.transform(&array![[1.0]].view()),
        Err(Error::Shape { .. })
    ));
    for bad in [-0.1, 1.1, NAN] {
        assert!(matches!(
            MissingThreshold::new(bad),
            Err(Error::Config { .. })
        ));
        assert!(matches!(
            drop_rows_with_missing(&train.view(), bad),
            Err(Error::Config { .. })
        ));
    }
}

#[test]
fn rows_with_too_many_missing_values_are_dropped() {
    let x = array![
        [1.0, 2.0, 3.0, 4.0],
        [NAN, 2.0, 3.0, 4.0],
        [NAN, NAN, 3.0, 4.0],
        [NAN, NAN, NAN, 4.0],
        [NAN, NAN, NAN, NAN],
    ];
    let r = drop_rows_with_missing(&x.view(), 0.5).unwrap();
    assert_eq!(
        (r.kept.clone(), r.removed.clone()),
        (vec![0, 1, 2], vec![3, 4])
    );
    assert_eq!(r.data.nrows(), 3);
    assert_eq!(
        drop_rows_with_missing(&x.view(), 0.0).unwrap().kept,
        vec![0]
    );
    assert_eq!(
        drop_rows_with_missing(&x.view(), 1.0).unwrap().removed,
        Vec::<usize>::new()
    );
}

// ---------------------------------------------------------------- outlier detector contract

#[test]
fn outlier_settings_are_validated() {
    for t in [0.0, -1.0, NAN, f64::INFINITY] {
        assert!(matches!(
            OutlierDetector::new(OutlierMethod::ZScore { threshold: t }),
            Err(Error::Config { .. })
        ));
        assert!(matches!(
            OutlierDetector::new(OutlierMethod::ModifiedZScore { threshold: t }),
            Err(Error::Config { .. })
        ));
    }
    for k in [-0.5, NAN, f64::INFINITY] {
        assert!(matches!(
            OutlierDetector::new(OutlierMethod::Iqr { k }),
            Err(Error::Config { .. })
        ));
    }
    assert!(OutlierDetector::new(OutlierMethod::Iqr { k: 0.0 }).is_ok());
    for (lo, hi) in [(-1.0, 50.0), (10.0, 101.0), (60.0, 40.0), (NAN, 50.0)] {
        assert!(matches!(Winsorizer::new(lo, hi), Err(Error::Config { .. })));
    }
}

#[test]
fn outlier_detectors_reject_bad_data() {
    let methods = [
        OutlierMethod::z_score(),
        OutlierMethod::modified_z_score(),
        OutlierMethod::iqr(),
    ];
    for method in methods {
        let d = OutlierDetector::new(method).unwrap();
        assert!(matches!(
            d.fit(&Array2::<f64>::zeros((0, 3)).view()),
            Err(Error::Shape { .. })
        ));
        assert!(matches!(
            d.fit(&array![[1.0, NAN], [2.0, NAN]].view()),
            Err(Error::Value { .. })
        ));
        assert!(matches!(
            d.fit(&array![[1.0], [f64::NEG_INFINITY]].view()),
            Err(Error::NonFinite { .. })
        ));
        let f = d
            .fit(&array![[1.0, 2.0], [2.0, 4.0], [3.0, 7.0]].view())
            .unwrap();
        let wide = array![[1.0, 2.0, 3.0]];
        assert!(matches!(f.mask(&wide.view()), Err(Error::Shape { .. })));
        assert!(matches!(f.scores(&wide.view()), Err(Error::Shape { .. })));
        assert!(matches!(f.clip(&wide.view()), Err(Error::Shape { .. })));
        assert!(matches!(f.remove(&wide.view()), Err(Error::Shape { .. })));
        assert!(matches!(f.counts(&wide.view()), Err(Error::Shape { .. })));
        assert!(matches!(
            f.mask(&array![[f64::INFINITY, 1.0]].view()),
            Err(Error::NonFinite { .. })
        ));
    }
}

#[test]
fn nan_is_ignored_when_fitting_and_never_flagged() {
    let with_nan = array![[1.0], [NAN], [2.0], [3.0], [NAN], [4.0]];
    let without = array![[1.0], [2.0], [3.0], [4.0]];
    let probe = array![[NAN], [100.0], [2.5]];
    for method in [
        OutlierMethod::z_score(),
        OutlierMethod::modified_z_score(),
        OutlierMethod::iqr(),
    ] {
        let d = OutlierDetector::new(method).unwrap();
        let a = d.fit(&with_nan.view()).unwrap();
        let b = d.fit(&without.view()).unwrap();
        assert_eq!(a, b, "{method:?}: NaN changed the fit");
        let m = a.mask(&probe.view()).unwrap();
        assert_eq!(m.column(0).to_vec(), vec![false, true, false]);
        assert!(a.scores(&probe.view()).unwrap()[[0, 0]].is_nan());
        let c = a.clip(&probe.view()).unwrap();
        assert!(c[[0, 0]].is_nan() && c[[1, 0]] < 100.0 && c[[2, 0]] == 2.5);
    }
}

#[test]
fn detectors_work_in_f32() {
    let train = array![[1.0f32], [2.0], [3.0], [4.0], [5.0]];
    let f = OutlierDetector::new(OutlierMethod::iqr())
        .unwrap()
        .fit(&train.view())
        .unwrap();
    assert_eq!(f.lower_bounds()[0], -1.0f32);
    assert_eq!(f.clip(&array![[9.0f32]].view()).unwrap(), array![[7.0f32]]);
    let w = Winsorizer::new(0.0, 50.0)
        .unwrap()
        .fit(&train.view())
        .unwrap();
    assert_eq!(
        w.transform(&array![[9.0f32]].view()).unwrap(),
        array![[3.0f32]]
    );
}
