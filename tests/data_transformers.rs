//! The `Transformer` / `FittedTransformer` / `Fit` traits over every fitted transformer of
//! `tuneup::data`: held as trait objects, they give bit for bit what the inherent
//! `fit(&x)` / `transform(&x)` path gives, clone into identical copies, invert where the
//! transformer can, report their widths, and reject data of another width.

use std::fmt::Debug;

use ndarray::{array, Array2, ArrayView2};
use tuneup::data::{
    Fit, FittedKnnImputer, FittedMinMaxScaler, FittedMissingThreshold, FittedOutlierDetector,
    FittedPowerTransformer, FittedRobustScaler, FittedSimpleImputer, FittedStandardScaler,
    FittedTransformer, FittedVarianceThreshold, FittedWinsorizer, ImputeStrategy, KnnImputer,
    MinMaxScaler, MissingThreshold, OutlierDetector, OutlierMethod, PowerTransformer, RobustScaler,
    SimpleImputer, StandardScaler, Transformer, VarianceThreshold, Winsorizer,
};
use tuneup::{Error, Float, Result};

const NAN: f64 = f64::NAN;

/// Inherent fit on the first argument, then an inherent method on the second.
type Inherent<F> = Box<dyn Fn(&ArrayView2<'_, F>, &ArrayView2<'_, F>) -> Result<Array2<F>>>;

fn inherent<F, G>(g: G) -> Inherent<F>
where
    G: Fn(&ArrayView2<'_, F>, &ArrayView2<'_, F>) -> Result<Array2<F>> + 'static,
{
    Box::new(g)
}

/// One transformer: its settings as a trait object, the inherent path to compare with, and
/// the widths it must report on [`train`].
struct Case<F: Float> {
    settings: Box<dyn Transformer<F>>,
    transform: Inherent<F>,
    inverse: Option<Inherent<F>>,
    name: &'static str,
    n_features_out: usize,
}

impl<F: Float> Case<F> {
    fn new(
        settings: impl Transformer<F> + 'static,
        transform: Inherent<F>,
        name: &'static str,
        n_features_out: usize,
    ) -> Self {
        Case {
            settings: Box::new(settings),
            transform,
            inverse: None,
            name,
            n_features_out,
        }
    }

    fn invertible(mut self, inverse: Inherent<F>) -> Self {
        self.inverse = Some(inverse);
        self
    }
}

/// Every implementing transformer, with settings that make each one do something on
/// [`train`] / [`test`] (clip, fill, drop a column).
fn cases<F: Float>() -> Vec<Case<F>> {
    let standard = StandardScaler::new();
    let min_max = MinMaxScaler::new(-1.0, 2.0).unwrap();
    let robust = RobustScaler::new();
    let power = PowerTransformer::new();
    let power_inverse = power.clone();
    let simple = SimpleImputer::new(ImputeStrategy::Median).unwrap();
    let knn = KnnImputer::new(2).unwrap();
    let winsorizer = Winsorizer::new(10.0, 90.0).unwrap();
    let outliers = OutlierDetector::new(OutlierMethod::ZScore { threshold: 1.0 }).unwrap();
    let variance = VarianceThreshold::default();
    let missing = MissingThreshold::new(0.3).unwrap();
    vec![
        Case::new(
            standard,
            inherent(move |t, x| standard.fit(t)?.transform(x)),
            "StandardScaler",
            3,
        )
        .invertible(inherent(move |t, z| standard.fit(t)?.inverse_transform(z))),
        Case::new(
            min_max,
            inherent(move |t, x| min_max.fit(t)?.transform(x)),
            "MinMaxScaler",
            3,
        )
        .invertible(inherent(move |t, z| min_max.fit(t)?.inverse_transform(z))),
        Case::new(
            robust,
            inherent(move |t, x| robust.fit(t)?.transform(x)),
            "RobustScaler",
            3,
        )
        .invertible(inherent(move |t, z| robust.fit(t)?.inverse_transform(z))),
        Case::new(
            power.clone(),
            inherent(move |t, x| power.fit(t)?.transform(x)),
            "PowerTransformer",
            3,
        )
        .invertible(inherent(move |t, z| {
            power_inverse.fit(t)?.inverse_transform(z)
        })),
        Case::new(
            simple.clone(),
            inherent(move |t, x| simple.fit(t)?.transform(x)),
            "SimpleImputer",
            3,
        ),
        Case::new(
            knn,
            inherent(move |t, x| knn.fit(t)?.transform(x)),
            "KnnImputer",
            3,
        ),
        Case::new(
            winsorizer,
            inherent(move |t, x| winsorizer.fit(t)?.transform(x)),
            "Winsorizer",
            3,
        ),
        Case::new(
            outliers,
            inherent(move |t, x| outliers.fit(t)?.clip(x)),
            "OutlierDetector",
            3,
        ),
        // Column 1 is constant on `train`.
        Case::new(
            variance,
            inherent(move |t, x| variance.fit(t)?.transform(x)),
            "VarianceThreshold",
            2,
        ),
        // Column 2 is half NaN on `train`.
        Case::new(
            missing,
            inherent(move |t, x| missing.fit(t)?.transform(x)),
            "MissingThreshold",
            2,
        ),
    ]
}

fn cast<F: Float>(x: Array2<f64>) -> Array2<F> {
    x.mapv(F::cast)
}

/// 8 × 3: a spread column, a constant column, and a column with half of its values missing.
fn train<F: Float>() -> Array2<F> {
    cast(array![
        [0.5, 3.0, NAN],
        [1.5, 3.0, 2.0],
        [-2.0, 3.0, NAN],
        [4.0, 3.0, 1.0],
        [2.5, 3.0, NAN],
        [0.0, 3.0, 7.0],
        [9.0, 3.0, NAN],
        [-1.0, 3.0, 3.0],
    ])
}

/// Unseen data of the training width, with values outside the training range and NaN.
fn test<F: Float>() -> Array2<F> {
    cast(array![
        [10.0, 3.0, NAN],
        [-5.0, 2.0, 4.0],
        [0.25, 3.5, 0.0],
        [NAN, 3.0, 1.5],
        [3.0, -1.0, 8.0],
    ])
}

/// [`test`] without missing values, for round trips.
fn finite_test<F: Float>() -> Array2<F> {
    cast(array![
        [10.0, 3.0, 6.0],
        [-5.0, 2.0, 4.0],
        [0.25, 3.5, 0.0],
        [1.0, 3.0, 1.5]
    ])
}

/// Equal shapes and equal bits in every cell (so NaN equals NaN, and 0.0 differs from −0.0).
fn assert_bits_equal<F: Float>(got: &Array2<F>, want: &Array2<F>, what: &str) {
    assert_eq!(got.dim(), want.dim(), "{what}: shape");
    for ((idx, &g), &w) in got.indexed_iter().zip(want) {
        assert!(
            g.as_f64().to_bits() == w.as_f64().to_bits(),
            "{what}: cell {idx:?} is {g:?}, the inherent path gives {w:?}"
        );
    }
}

fn check_trait_transform_matches_inherent<F: Float>() {
    let (train, test) = (train::<F>(), test::<F>());
    for case in cases::<F>() {
        let what = format!("{} ({})", case.name, F::NAME);
        let fitted = case.settings.fit(train.view()).unwrap();
        let want = (case.transform)(&train.view(), &test.view()).unwrap();
        assert_bits_equal(&fitted.transform(test.view()).unwrap(), &want, &what);
        let want_train = (case.transform)(&train.view(), &train.view()).unwrap();
        let got_train = case.settings.fit_transform(train.view()).unwrap();
        assert_bits_equal(&got_train, &want_train, &format!("{what} fit_transform"));
    }
}

#[test]
fn trait_transform_matches_inherent_path_bit_for_bit() {
    check_trait_transform_matches_inherent::<f64>();
    check_trait_transform_matches_inherent::<f32>();
}

#[test]
fn every_case_changes_the_test_data() {
    // Guards the fixture: a transformer that left `test` as it is would make the comparison
    // with the inherent path weaker.
    let (train, test) = (train::<f64>(), test::<f64>());
    for case in cases::<f64>() {
        let out = (case.transform)(&train.view(), &test.view()).unwrap();
        let same = out.dim() == test.dim()
            && out
                .iter()
                .zip(&test)
                .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(!same, "{} leaves the test data unchanged", case.name);
    }
}

#[test]
fn names_of_settings_and_fitted_values() {
    let train = train::<f64>();
    for case in cases::<f64>() {
        assert_eq!(case.settings.name(), case.name);
        let fitted = case.settings.fit(train.view()).unwrap();
        assert_eq!(fitted.name(), format!("Fitted{}", case.name));
    }
}

#[test]
fn cloned_boxed_settings_fit_to_identical_output() {
    let (train, test) = (train::<f64>(), test::<f64>());
    for case in cases::<f64>() {
        let copy: Box<dyn Transformer<f64>> = case.settings.clone();
        let original = format!("{:?}", case.settings);
        drop(case.settings);
        assert_eq!(format!("{copy:?}"), original);
        let want = (case.transform)(&train.view(), &test.view()).unwrap();
        let got = copy.fit(train.view()).unwrap().transform(test.view());
        assert_bits_equal(&got.unwrap(), &want, case.name);
    }
}

#[test]
fn cloned_boxed_fitted_values_transform_identically() {
    let (train, test) = (train::<f64>(), test::<f64>());
    for case in cases::<f64>() {
        let fitted = case.settings.fit(train.view()).unwrap();
        let copy: Box<dyn FittedTransformer<f64>> = fitted.clone();
        drop(fitted);
        let want = (case.transform)(&train.view(), &test.view()).unwrap();
        assert_bits_equal(&copy.transform(test.view()).unwrap(), &want, case.name);
        assert_eq!(copy.n_features_out(), case.n_features_out, "{}", case.name);
    }
}

#[test]
fn fitting_leaves_settings_usable_for_other_data() {
    // Fit on train, then on other data: the first fitted value is unchanged and the settings
    // still fit like new.
    let (train, test) = (train::<f64>(), test::<f64>());
    let other = finite_test::<f64>();
    for case in cases::<f64>() {
        let first = case.settings.fit(train.view()).unwrap();
        let second = case.settings.fit(other.view()).unwrap();
        let want_first = (case.transform)(&train.view(), &test.view()).unwrap();
        let want_second = (case.transform)(&other.view(), &test.view()).unwrap();
        assert_bits_equal(
            &first.transform(test.view()).unwrap(),
            &want_first,
            case.name,
        );
        assert_bits_equal(
            &second.transform(test.view()).unwrap(),
            &want_second,
            case.name,
        );
    }
}

fn assert_close(got: &Array2<f64>, want: &Array2<f64>, what: &str) {
    assert_eq!(got.dim(), want.dim(), "{what}: shape");
    for ((idx, &g), &w) in got.indexed_iter().zip(want) {
        assert!(
            (g - w).abs() <= 1e-9 * (1.0 + w.abs()),
            "{what}: cell {idx:?} is {g}, expected {w}"
        );
    }
}

#[test]
fn inverse_transform_undoes_transform_where_available() {
    let (train, x) = (train::<f64>(), finite_test::<f64>());
    let invertible: Vec<&str> = cases::<f64>()
        .iter()
        .filter(|c| c.inverse.is_some())
        .map(|c| c.name)
        .collect();
    assert_eq!(
        invertible,
        [
            "StandardScaler",
            "MinMaxScaler",
            "RobustScaler",
            "PowerTransformer"
        ]
    );
    for case in cases::<f64>() {
        let fitted = case.settings.fit(train.view()).unwrap();
        let z = fitted.transform(x.view()).unwrap();
        match &case.inverse {
            Some(inverse) => {
                assert!(fitted.has_inverse(), "{}", case.name);
                let back = fitted.inverse_transform(z.view()).unwrap();
                let want = inverse(&train.view(), &z.view()).unwrap();
                assert_bits_equal(&back, &want, case.name);
                assert_close(&back, &x, case.name);
            }
            None => assert_no_inverse(fitted.as_ref(), z.view(), case.name),
        }
    }
}

fn assert_no_inverse(fitted: &dyn FittedTransformer<f64>, z: ArrayView2<'_, f64>, name: &str) {
    assert!(!fitted.has_inverse(), "{name}");
    match fitted.inverse_transform(z) {
        Err(Error::State { context, detail }) => {
            assert_eq!(context, format!("Fitted{name}"));
            assert!(detail.contains("inverse_transform"), "{name}: {detail}");
        }
        other => panic!("{name}: expected Error::State, got {other:?}"),
    }
}

#[test]
fn widths_in_and_out() {
    let (train, test) = (train::<f64>(), test::<f64>());
    for case in cases::<f64>() {
        let fitted = case.settings.fit(train.view()).unwrap();
        assert_eq!(fitted.n_features_in(), 3, "{}", case.name);
        assert_eq!(
            fitted.n_features_out(),
            case.n_features_out,
            "{}",
            case.name
        );
        let out = fitted.transform(test.view()).unwrap();
        assert_eq!(out.dim(), (5, case.n_features_out), "{}", case.name);
    }
}

#[test]
fn imputers_report_dropped_empty_columns() {
    let train = array![[1.0, NAN], [2.0, NAN]];
    let settings: [Box<dyn Transformer<f64>>; 4] = [
        Box::new(SimpleImputer::new(ImputeStrategy::Mean).unwrap()),
        Box::new(KnnImputer::new(1).unwrap()),
        Box::new(
            SimpleImputer::new(ImputeStrategy::Mean)
                .unwrap()
                .keep_empty_features(true),
        ),
        Box::new(KnnImputer::new(1).unwrap().keep_empty_features(true)),
    ];
    let widths: Vec<usize> = settings
        .iter()
        .map(|s| {
            let fitted = s.fit(train.view()).unwrap();
            let out = fitted.transform(train.view()).unwrap();
            assert_eq!(out.ncols(), fitted.n_features_out(), "{}", s.name());
            fitted.n_features_out()
        })
        .collect();
    assert_eq!(widths, [1, 1, 2, 2]);
}

#[test]
fn wrong_width_is_a_shape_error() {
    let train = train::<f64>();
    let narrow = array![[1.0, 2.0]];
    let wide = array![[1.0, 2.0, 3.0, 4.0]];
    for case in cases::<f64>() {
        let fitted = case.settings.fit(train.view()).unwrap();
        for x in [&narrow, &wide] {
            let err = fitted.transform(x.view()).unwrap_err();
            assert!(matches!(err, Error::Shape { .. }), "{}: {err}", case.name);
            if fitted.has_inverse() {
                let err = fitted.inverse_transform(x.view()).unwrap_err();
                assert!(matches!(err, Error::Shape { .. }), "{}: {err}", case.name);
            }
        }
    }
}

#[test]
fn fit_errors_pass_through_the_trait() {
    let empty = Array2::<f64>::zeros((0, 3));
    for case in cases::<f64>() {
        let err = case.settings.fit(empty.view()).unwrap_err();
        assert!(matches!(err, Error::Shape { .. }), "{}: {err}", case.name);
    }
}

/// `fit_typed` returns the same concrete fitted value as the inherent `fit` (compared through
/// `Debug`, which spells every stored number and prints NaN as NaN).
fn assert_typed_fit_matches<T: Fit<f64>>(
    settings: &T,
    inherent_fit: impl Fn(&T, &ArrayView2<'_, f64>) -> Result<T::Fitted>,
) {
    let (train, test) = (train::<f64>(), test::<f64>());
    let typed: T::Fitted = settings.fit_typed(train.view()).unwrap();
    let want = inherent_fit(settings, &train.view()).unwrap();
    assert_eq!(format!("{typed:?}"), format!("{want:?}"));
    let through_box = Transformer::fit(settings, train.view()).unwrap();
    let got = FittedTransformer::transform(&typed, test.view()).unwrap();
    assert_bits_equal(&got, &through_box.transform(test.view()).unwrap(), "typed");
}

#[test]
fn fit_typed_returns_the_inherent_fitted_value() {
    assert_typed_fit_matches(&StandardScaler::new(), |s, x| s.fit(x));
    assert_typed_fit_matches(&MinMaxScaler::new(-1.0, 2.0).unwrap(), |s, x| s.fit(x));
    assert_typed_fit_matches(&RobustScaler::new(), |s, x| s.fit(x));
    assert_typed_fit_matches(&PowerTransformer::new(), |s, x| s.fit(x));
    let median = SimpleImputer::new(ImputeStrategy::Median).unwrap();
    assert_typed_fit_matches(&median, |s, x| s.fit(x));
    assert_typed_fit_matches(&KnnImputer::new(2).unwrap(), |s, x| s.fit(x));
    assert_typed_fit_matches(&Winsorizer::new(10.0, 90.0).unwrap(), |s, x| s.fit(x));
    let z = OutlierDetector::new(OutlierMethod::z_score()).unwrap();
    assert_typed_fit_matches(&z, |s, x| s.fit(x));
    assert_typed_fit_matches(&VarianceThreshold::default(), |s, x| s.fit(x));
    assert_typed_fit_matches(&MissingThreshold::new(0.3).unwrap(), |s, x| s.fit(x));
}

fn assert_send_sync<T: Send + Sync>() {}

fn assert_clone_debug<T: Clone + Debug>() {}

#[test]
fn settings_fitted_values_and_boxes_are_send_sync() {
    assert_send_sync::<StandardScaler>();
    assert_send_sync::<MinMaxScaler>();
    assert_send_sync::<RobustScaler>();
    assert_send_sync::<PowerTransformer>();
    assert_send_sync::<SimpleImputer>();
    assert_send_sync::<KnnImputer>();
    assert_send_sync::<Winsorizer>();
    assert_send_sync::<OutlierDetector>();
    assert_send_sync::<VarianceThreshold>();
    assert_send_sync::<MissingThreshold>();
    assert_send_sync::<FittedStandardScaler<f64>>();
    assert_send_sync::<FittedMinMaxScaler<f64>>();
    assert_send_sync::<FittedRobustScaler<f64>>();
    assert_send_sync::<FittedPowerTransformer<f64>>();
    assert_send_sync::<FittedSimpleImputer<f64>>();
    assert_send_sync::<FittedKnnImputer<f32>>();
    assert_send_sync::<FittedWinsorizer<f64>>();
    assert_send_sync::<FittedOutlierDetector<f32>>();
    assert_send_sync::<FittedVarianceThreshold<f64>>();
    assert_send_sync::<FittedMissingThreshold>();
    assert_send_sync::<Box<dyn Transformer<f64>>>();
    assert_send_sync::<Box<dyn FittedTransformer<f64>>>();
    assert_send_sync::<Box<dyn Transformer<f32>>>();
    assert_send_sync::<Box<dyn FittedTransformer<f32>>>();
    assert_clone_debug::<Box<dyn Transformer<f64>>>();
    assert_clone_debug::<Box<dyn FittedTransformer<f32>>>();
}

#[test]
fn boxed_fitted_values_move_to_another_thread() {
    let (train, test) = (train::<f64>(), test::<f64>());
    let cases = cases::<f64>();
    let case = &cases[0];
    let fitted = case.settings.fit(train.view()).unwrap();
    let moved = test.clone();
    let got = std::thread::spawn(move || fitted.transform(moved.view()))
        .join()
        .unwrap()
        .unwrap();
    let want = (case.transform)(&train.view(), &test.view()).unwrap();
    assert_bits_equal(&got, &want, case.name);
}
