//! Error paths of the scalers and imputers: wrong widths, non-finite values, invalid settings,
//! empty data, and the guarantee that inputs are never modified.

use ndarray::{array, Array2};
use tuneup::data::{
    missing_report, ImputeStrategy, KnnImputer, MinMaxScaler, PowerTransformer, RobustScaler,
    SimpleImputer, StandardScaler,
};
use tuneup::Error;

fn train() -> Array2<f64> {
    array![
        [1.0, 10.0, f64::NAN],
        [2.0, f64::NAN, 3.0],
        [4.0, 30.0, 5.0],
        [8.0, 20.0, 1.0]
    ]
}

/// Runs `f` on the fitted transformer of every kind, with the same input.
fn for_each_transform(x: &Array2<f64>, check: impl Fn(&str, tuneup::Result<Array2<f64>>)) {
    let t = train();
    let v = x.view();
    let s = StandardScaler::new().fit(&t.view()).unwrap();
    check("standard", s.transform(&v));
    check("standard inverse", s.inverse_transform(&v));
    let m = MinMaxScaler::default().fit(&t.view()).unwrap();
    check("minmax", m.transform(&v));
    check("minmax inverse", m.inverse_transform(&v));
    let r = RobustScaler::new().fit(&t.view()).unwrap();
    check("robust", r.transform(&v));
    check("robust inverse", r.inverse_transform(&v));
    let i = SimpleImputer::new(ImputeStrategy::Median)
        .unwrap()
        .fit(&t.view())
        .unwrap();
    check("simple", i.transform(&v));
    let k = KnnImputer::new(2).unwrap().fit(&t.view()).unwrap();
    check("knn", k.transform(&v));
    let p = PowerTransformer::new().fit(&t.view()).unwrap();
    check("power", p.transform(&v));
    check("power inverse", p.inverse_transform(&v));
}

#[test]
fn transform_of_another_width_names_expected_and_found_columns() {
    for_each_transform(&Array2::zeros((2, 4)), |what, r| match r {
        Err(Error::Shape {
            expected, found, ..
        }) => {
            assert!(expected.contains("3 columns"), "{what}: {expected}");
            assert!(found.contains("4 columns"), "{what}: {found}");
        }
        other => panic!("{what}: expected Error::Shape, got {other:?}"),
    });
}

#[test]
fn infinite_values_are_rejected_in_transform() {
    let x = array![[1.0, f64::INFINITY, 2.0]];
    for_each_transform(&x, |what, r| match r {
        Err(Error::NonFinite { detail, .. }) => {
            assert!(detail.contains("[0, 1]"), "{what}: {detail}")
        }
        other => panic!("{what}: expected Error::NonFinite, got {other:?}"),
    });
}

#[test]
fn nan_in_transform_is_kept_by_scalers_and_filled_by_imputers() {
    let x = array![[f64::NAN, 5.0, f64::NAN]];
    for_each_transform(&x, |what, r| {
        let out = r.unwrap_or_else(|e| panic!("{what}: {e}"));
        let imputer = what == "simple" || what == "knn";
        assert_eq!(out[[0, 0]].is_nan(), !imputer, "{what}");
        assert_eq!(out[[0, 2]].is_nan(), !imputer, "{what}");
        assert!(out[[0, 1]].is_finite(), "{what}");
    });
}

#[test]
fn fit_rejects_infinite_values_and_empty_data() {
    let inf = array![[1.0, f64::NEG_INFINITY]];
    let empty = Array2::<f64>::zeros((0, 3));
    let no_cols = Array2::<f64>::zeros((3, 0));
    for x in [&inf, &empty, &no_cols] {
        let v = x.view();
        let results = [
            StandardScaler::new().fit(&v).err(),
            MinMaxScaler::default().fit(&v).err(),
            RobustScaler::new().fit(&v).err(),
            SimpleImputer::new(ImputeStrategy::Mean)
                .unwrap()
                .fit(&v)
                .err(),
            KnnImputer::new(3).unwrap().fit(&v).err(),
            PowerTransformer::new().fit(&v).err(),
        ];
        for (i, e) in results.into_iter().enumerate() {
            match (x.len(), e) {
                (0, Some(Error::Shape { found, .. })) => assert!(found.contains('×'), "{found}"),
                (2, Some(Error::NonFinite { .. })) => {}
                (_, other) => panic!("transformer {i}, data {x:?}: got {other:?}"),
            }
        }
    }
}

#[test]
fn scalers_reject_an_entirely_missing_column() {
    let x = array![[1.0, f64::NAN], [2.0, f64::NAN]];
    let v = x.view();
    for e in [
        StandardScaler::new().fit(&v).err(),
        MinMaxScaler::default().fit(&v).err(),
        RobustScaler::new().fit(&v).err(),
        PowerTransformer::new().fit(&v).err(),
    ] {
        match e {
            Some(Error::Value { found, .. }) => assert!(found.contains("column 1"), "{found}"),
            other => panic!("expected Error::Value, got {other:?}"),
        }
    }
}

#[test]
fn invalid_settings_are_config_errors() {
    let config = |r: Result<(), Error>, what: &str| {
        assert!(matches!(r, Err(Error::Config { .. })), "{what}: got {r:?}")
    };
    config(MinMaxScaler::new(1.0, 0.0).map(drop), "range reversed");
    config(MinMaxScaler::new(0.0, 0.0).map(drop), "range empty");
    config(MinMaxScaler::new(f64::NAN, 1.0).map(drop), "range NaN");
    config(MinMaxScaler::new(0.0, f64::INFINITY).map(drop), "range inf");
    for (lo, hi) in [
        (-1.0, 50.0),
        (25.0, 100.5),
        (75.0, 25.0),
        (50.0, 50.0),
        (f64::NAN, 75.0),
    ] {
        config(
            RobustScaler::new().with_quantile_range(lo, hi).map(drop),
            &format!("quantile_range ({lo}, {hi})"),
        );
    }
    assert!(RobustScaler::new().with_quantile_range(0.0, 100.0).is_ok());
    config(
        SimpleImputer::new(ImputeStrategy::Constant(f64::NAN)).map(drop),
        "fill NaN",
    );
    config(
        SimpleImputer::new(ImputeStrategy::Constant(f64::INFINITY)).map(drop),
        "fill inf",
    );
    config(KnnImputer::new(0).map(drop), "n_neighbors 0");
    config(
        PowerTransformer::new()
            .with_lambdas(vec![1.0, f64::NAN])
            .map(drop),
        "lambda NaN",
    );
}

#[test]
fn inputs_are_never_modified() {
    let t = train();
    let before: Vec<u64> = t.iter().map(|v| v.to_bits()).collect();
    let v = t.view();
    let _ = StandardScaler::new()
        .fit(&v)
        .unwrap()
        .transform(&v)
        .unwrap();
    let _ = MinMaxScaler::default()
        .fit(&v)
        .unwrap()
        .transform(&v)
        .unwrap();
    let _ = RobustScaler::new().fit(&v).unwrap().transform(&v).unwrap();
    let _ = SimpleImputer::new(ImputeStrategy::Mean)
        .unwrap()
        .fit(&v)
        .unwrap()
        .transform(&v)
        .unwrap();
    let _ = KnnImputer::new(1)
        .unwrap()
        .fit(&v)
        .unwrap()
        .transform(&v)
        .unwrap();
    let after: Vec<u64> = t.iter().map(|v| v.to_bits()).collect();
    assert_eq!(before, after);
}

#[test]
fn zero_row_transform_returns_an_empty_array() {
    for_each_transform(&Array2::zeros((0, 3)), |what, r| {
        assert_eq!(r.unwrap_or_else(|e| panic!("{what}: {e}")).dim(), (0, 3))
    });
}

#[test]
fn knn_falls_back_to_the_training_mean_when_no_donor_shares_a_coordinate() {
    // Row 0 of the test set has only column 0, which no training row with column 1 has.
    let fit = array![[f64::NAN, 2.0], [f64::NAN, 6.0], [5.0, f64::NAN]];
    let f = KnnImputer::new(1).unwrap().fit(&fit.view()).unwrap();
    let out = f.transform(&array![[1.0, f64::NAN]].view()).unwrap();
    assert_eq!(out, array![[1.0, 4.0]]);
}

#[test]
fn knn_distance_scales_by_the_fraction_of_present_coordinates() {
    // Donor A shares one coordinate: Σd² = 1, weighted by 3/1 → 3.
    // Donor B shares two: Σd² = 1 + 0.25, weighted by 3/2 → 1.875. B is nearer, though it
    // would not be without the weight.
    let fit = array![[0.0, f64::NAN, 100.0], [0.0, 0.5, 200.0]];
    let f = KnnImputer::new(1).unwrap().fit(&fit.view()).unwrap();
    let out = f.transform(&array![[1.0, 0.0, f64::NAN]].view()).unwrap();
    assert_eq!(out[[0, 2]], 200.0);
}

#[test]
fn missing_report_counts_columns_and_rows() {
    let r = missing_report(&train().view());
    assert_eq!(r.n_rows, 4);
    assert_eq!(r.missing_per_column, vec![0, 1, 1]);
    assert_eq!(r.rows_with_missing, 2);
    assert_eq!(r.fraction_per_column(), vec![0.0, 0.25, 0.25]);
    assert_eq!(r.total_missing(), 2);
}

#[test]
fn f32_data_is_supported() {
    let x = array![[1.0f32, f32::NAN], [3.0, 4.0]];
    let s = StandardScaler::new().fit(&x.view()).unwrap();
    let z = s.transform(&x.view()).unwrap();
    assert_eq!(z[[0, 0]], -1.0f32);
    assert!(z[[0, 1]].is_nan());
    let i = SimpleImputer::new(ImputeStrategy::Mean)
        .unwrap()
        .fit(&x.view())
        .unwrap();
    assert_eq!(i.transform(&x.view()).unwrap()[[0, 1]], 4.0f32);
}

#[test]
fn fixed_lambdas_must_match_the_width() {
    let r = PowerTransformer::new()
        .with_lambdas(vec![1.0, 0.5])
        .unwrap()
        .fit(&train().view());
    match r {
        Err(Error::Shape {
            expected, found, ..
        }) => {
            assert!(expected.contains("2 columns"), "{expected}");
            assert!(found.contains("3 columns"), "{found}");
        }
        other => panic!("expected Error::Shape, got {other:?}"),
    }
}

#[test]
fn power_transformer_keeps_a_constant_column_as_identity() {
    let x: ndarray::Array2<f64> = array![[1.0, 4.0], [2.0, 4.0], [7.0, 4.0]];
    let f = PowerTransformer::new()
        .standardize(false)
        .fit(&x.view())
        .unwrap();
    assert_eq!(f.lambdas()[1], 1.0);
    // λ = 1 is the identity (up to the rounding of expm1(log1p(x)), as in scikit-learn).
    let z = f.transform(&x.view()).unwrap();
    assert!(
        z.column(1).iter().all(|&v: &f64| (v - 4.0).abs() < 1e-14),
        "{z}"
    );
}
