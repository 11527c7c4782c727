//! Every resampler error: exact variants, and messages that name what is wrong and where.

use std::collections::BTreeMap;

use ndarray::{array, Array2};
use tuneup::data::{
    Adasyn, BorderlineKind, BorderlineSmote, KdTree, RandomOverSampler, RandomUnderSampler,
    SamplingStrategy, Smote,
};
use tuneup::Error;

/// 12 class-0 rows and 4 class-1 rows on a line, interleaved near the border.
fn data() -> (Array2<f64>, Vec<usize>) {
    let x = Array2::from_shape_fn((16, 2), |(i, j)| i as f64 + 0.1 * j as f64);
    let mut y = vec![0; 16];
    for i in [9, 11, 13, 15] {
        y[i] = 1;
    }
    (x, y)
}

fn counts(m: &[(usize, usize)]) -> SamplingStrategy {
    SamplingStrategy::Counts(m.iter().copied().collect::<BTreeMap<_, _>>())
}

#[test]
fn k_neighbors_not_below_class_size() {
    let (x, y) = data();
    // Class 1 has 4 samples: k = 4 needs 5.
    for err in [
        Smote::new()
            .k_neighbors(4)
            .unwrap()
            .fit_resample(&x.view(), &y)
            .unwrap_err(),
        BorderlineSmote::new(BorderlineKind::One)
            .k_neighbors(4)
            .unwrap()
            .m_neighbors(3)
            .unwrap()
            .fit_resample(&x.view(), &y)
            .unwrap_err(),
        Adasyn::new()
            .n_neighbors(4)
            .unwrap()
            .fit_resample(&x.view(), &y)
            .unwrap_err(),
    ] {
        let msg = err.to_string();
        assert!(matches!(err, Error::Value { .. }), "{msg}");
        assert!(
            msg.contains("Expected n_neighbors <= n_samples_fit"),
            "{msg}"
        );
        assert!(msg.contains("class 1 has 4 samples"), "{msg}");
        assert_eq!(
            msg.matches("n_neighbors <= n_samples_fit").count(),
            1,
            "{msg}"
        );
    }
    // k = 3 is fine.
    assert!(Smote::new()
        .k_neighbors(3)
        .unwrap()
        .fit_resample(&x.view(), &y)
        .is_ok());
}

#[test]
fn m_neighbors_not_below_row_count() {
    let (x, y) = data();
    let err = BorderlineSmote::new(BorderlineKind::Two)
        .m_neighbors(16)
        .unwrap()
        .fit_resample(&x.view(), &y)
        .unwrap_err();
    assert!(matches!(err, Error::Value { .. }));
    assert!(
        err.to_string().contains("whole data has 16 samples"),
        "{err}"
    );
}

#[test]
fn zero_neighbours_is_a_config_error() {
    assert!(matches!(
        Smote::new().k_neighbors(0),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        BorderlineSmote::new(BorderlineKind::One).m_neighbors(0),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        Adasyn::new().n_neighbors(0),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        KdTree::with_leaf_size(&array![[1.0]].view(), 0),
        Err(Error::Config { .. })
    ));
}

#[test]
fn nan_is_rejected_with_its_position() {
    let (mut x, y) = data();
    x[[7, 1]] = f64::NAN;
    let errs = [
        Smote::new().fit_resample(&x.view(), &y).unwrap_err(),
        BorderlineSmote::new(BorderlineKind::One)
            .fit_resample(&x.view(), &y)
            .unwrap_err(),
        Adasyn::new().fit_resample(&x.view(), &y).unwrap_err(),
        Adasyn::new().generation_counts(&x.view(), &y).unwrap_err(),
        BorderlineSmote::new(BorderlineKind::Two)
            .danger_indices(&x.view(), &y)
            .unwrap_err(),
    ];
    for err in errs {
        let msg = err.to_string();
        assert!(matches!(err, Error::NonFinite { .. }), "{msg}");
        assert!(msg.contains("X[7, 1] = NaN"), "{msg}");
        assert!(msg.contains("impute"), "{msg}");
    }
    x[[7, 1]] = f64::INFINITY;
    assert!(matches!(
        Smote::new().fit_resample(&x.view(), &y),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        KdTree::new(&x.view()),
        Err(Error::NonFinite { .. })
    ));
}

#[test]
fn labels_must_match_rows() {
    let (x, y) = data();
    let short = &y[..15];
    assert!(matches!(
        Smote::new().fit_resample(&x.view(), short),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        Adasyn::new().fit_resample(&x.view(), short),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        BorderlineSmote::new(BorderlineKind::Two).fit_resample(&x.view(), short),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        RandomOverSampler::new().fit_resample(&x.view(), short),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        RandomUnderSampler::new().fit_resample(&x.view(), short),
        Err(Error::Shape { .. })
    ));
}

#[test]
fn strategy_errors() {
    let (x, y) = data();
    let v = x.view();
    // A class that is not present.
    let err = Smote::new()
        .sampling_strategy(counts(&[(1, 8), (5, 10)]))
        .fit_resample(&v, &y)
        .unwrap_err();
    assert!(matches!(err, Error::Value { .. }));
    assert!(err.to_string().contains("[5]"), "{err}");
    assert!(matches!(
        RandomUnderSampler::new()
            .sampling_strategy(counts(&[(2, 1)]))
            .fit_resample(&v, &y),
        Err(Error::Value { .. })
    ));
    // An over-sampler asked to reduce, an under-sampler asked to grow.
    let err = RandomOverSampler::new()
        .sampling_strategy(counts(&[(0, 5)]))
        .fit_resample(&v, &y)
        .unwrap_err();
    assert!(matches!(err, Error::Value { .. }));
    assert!(
        err.to_string().contains("original 12 samples of class 0"),
        "{err}"
    );
    assert!(matches!(
        RandomUnderSampler::new()
            .sampling_strategy(counts(&[(1, 5)]))
            .fit_resample(&v, &y),
        Err(Error::Value { .. })
    ));
    // Ratios that cannot be reached: 0.25 · 12 − 4 = −1 new samples; 4 / 0.2 = 20 > 12 kept.
    assert!(matches!(
        Smote::new()
            .sampling_strategy(SamplingStrategy::Ratio(0.25))
            .fit_resample(&v, &y),
        Err(Error::Value { .. })
    ));
    // Exactly the current ratio (4/12) also fails, as in imbalanced-learn (0 new samples).
    assert!(matches!(
        SamplingStrategy::Ratio(1.0 / 3.0).over_sampling_targets(&y),
        Err(Error::Value { .. })
    ));
    assert!(matches!(
        RandomUnderSampler::new()
            .sampling_strategy(SamplingStrategy::Ratio(0.2))
            .fit_resample(&v, &y),
        Err(Error::Value { .. })
    ));
    // Ratios outside (0, 1].
    for r in [0.0, -0.5, 1.5, f64::NAN] {
        assert!(
            matches!(
                SamplingStrategy::Ratio(r).over_sampling_targets(&y),
                Err(Error::Config { .. })
            ),
            "{r}"
        );
    }
    // A ratio with three classes.
    let y3: Vec<usize> = (0..16).map(|i| i % 3).collect();
    assert!(matches!(
        SamplingStrategy::Ratio(0.5).over_sampling_targets(&y3),
        Err(Error::Value { .. })
    ));
    // One class only.
    assert!(matches!(
        Smote::new().fit_resample(&v, &[0; 16]),
        Err(Error::Value { .. })
    ));
}

#[test]
fn adasyn_without_border_samples() {
    // Two far-apart clusters: no class-1 sample has a class-0 neighbour.
    let x = Array2::from_shape_fn(
        (14, 1),
        |(i, _)| if i < 8 { i as f64 } else { 100.0 + i as f64 },
    );
    let y: Vec<usize> = (0..14).map(|i| usize::from(i >= 8)).collect();
    let err = Adasyn::new().fit_resample(&x.view(), &y).unwrap_err();
    assert!(matches!(err, Error::Value { .. }));
    assert!(err.to_string().contains("use SMOTE"), "{err}");
}

#[test]
fn borderline_without_danger_adds_nothing() {
    let x = Array2::from_shape_fn(
        (14, 1),
        |(i, _)| if i < 8 { i as f64 } else { 100.0 + i as f64 },
    );
    let y: Vec<usize> = (0..14).map(|i| usize::from(i >= 8)).collect();
    let s = BorderlineSmote::new(BorderlineKind::One)
        .m_neighbors(4)
        .unwrap();
    assert!(s.danger_indices(&x.view(), &y).unwrap().is_empty());
    let out = s.fit_resample(&x.view(), &y).unwrap();
    assert_eq!(out.x, x);
}

#[test]
fn kd_tree_query_errors() {
    let tree = KdTree::new(&array![[0.0, 1.0], [1.0, 1.0]].view()).unwrap();
    assert!(matches!(
        tree.kneighbors(&array![[0.0]].view(), 1),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        tree.kneighbors(&array![[0.0, 0.0]].view(), 3),
        Err(Error::Value { .. })
    ));
    assert!(matches!(
        tree.kneighbors(&array![[0.0, f64::NAN]].view(), 1),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        KdTree::new(&Array2::<f64>::zeros((0, 2)).view()),
        Err(Error::Shape { .. })
    ));
}

#[test]
fn random_samplers_copy_nan_but_reject_infinity() {
    let (mut x, y) = data();
    x[[9, 0]] = f64::NAN;
    let over = RandomOverSampler::new()
        .fit_resample(&x.view(), &y)
        .unwrap();
    assert!(over.x[[9, 0]].is_nan());
    let under = RandomUnderSampler::new()
        .fit_resample(&x.view(), &y)
        .unwrap();
    assert_eq!(under.y.len(), 8);
    x[[3, 1]] = f64::NEG_INFINITY;
    for err in [
        RandomOverSampler::new()
            .fit_resample(&x.view(), &y)
            .unwrap_err(),
        RandomUnderSampler::new()
            .fit_resample(&x.view(), &y)
            .unwrap_err(),
    ] {
        assert!(matches!(err, Error::NonFinite { .. }));
        assert!(err.to_string().contains("X[3, 1] = -inf"), "{err}");
    }
}
