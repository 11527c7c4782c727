//! Scalers and imputers on values near the float range (±1e300, ±1.5e308): the output equals
//! the output on the same data scaled down, or the fit is a clear error — never silently
//! unscaled (an overflowing variance used to leave a scale of 1).

use tuneup::data::{
    ImputeStrategy, MinMaxScaler, PowerTransformer, RobustScaler, SimpleImputer, StandardScaler,
};
use tuneup::ndarray::{array, Array2};
use tuneup::Error;

fn close(a: &Array2<f64>, b: &Array2<f64>, tol: f64) {
    assert_eq!(a.dim(), b.dim());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol, "{a} vs {b}");
    }
}

fn small() -> Array2<f64> {
    array![[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [0.5, -0.25]]
}

#[test]
fn scalers_give_the_same_output_at_any_magnitude() {
    let x = small();
    let want_std = StandardScaler::new()
        .fit(&x.view())
        .unwrap()
        .transform(&x.view())
        .unwrap();
    let minmax = MinMaxScaler::new(0.0, 1.0).unwrap();
    let want_mm = minmax.fit(&x.view()).unwrap().transform(&x.view()).unwrap();
    let want_rb = RobustScaler::new()
        .fit(&x.view())
        .unwrap()
        .transform(&x.view())
        .unwrap();
    for big in [1e300, 1.5e308, -1.7e308] {
        let xb = x.mapv(|v| v * big);
        let fitted = StandardScaler::new().fit(&xb.view()).unwrap();
        assert!(fitted
            .scale()
            .unwrap()
            .iter()
            .all(|s| s.is_finite() && *s > 1.0));
        let z = fitted.transform(&xb.view()).unwrap();
        let sign = big.signum();
        close(&z, &want_std.mapv(|v| v * sign), 1e-12);
        let z = minmax
            .fit(&xb.view())
            .unwrap()
            .transform(&xb.view())
            .unwrap();
        let want = if sign > 0.0 {
            want_mm.clone()
        } else {
            want_mm.mapv(|v| 1.0 - v)
        };
        close(&z, &want, 1e-12);
        // The robust scale (a quantile range of 1.44 × big) exceeds the float range at 1.5e308:
        // that fit is the error tested below.
        if big.abs() < 1e308 {
            let z = RobustScaler::new()
                .fit(&xb.view())
                .unwrap()
                .transform(&xb.view())
                .unwrap();
            close(&z, &want_rb.mapv(|v| v * sign), 1e-12);
        }
        let z = PowerTransformer::new()
            .fit(&xb.view())
            .and_then(|f| f.transform(&xb.view()));
        assert!(z.map_or(true, |z| z.iter().all(|v| v.is_finite())));
    }
}

#[test]
fn f32_data_near_its_maximum_is_scaled() {
    let x = small().mapv(|v| (v * 3e38) as f32);
    let z = StandardScaler::new()
        .fit(&x.view())
        .unwrap()
        .transform(&x.view())
        .unwrap();
    let want = StandardScaler::new()
        .fit(&small().view())
        .unwrap()
        .transform(&small().view())
        .unwrap();
    close(&z.mapv(f64::from), &want, 1e-5);
}

#[test]
fn imputers_fill_with_finite_statistics() {
    let x = array![[1.5e308, f64::NAN], [1.5e308, 1e300], [f64::NAN, 1e300]];
    for strategy in [ImputeStrategy::Mean, ImputeStrategy::Median] {
        let z = SimpleImputer::new(strategy)
            .unwrap()
            .fit(&x.view())
            .unwrap()
            .transform(&x.view())
            .unwrap();
        assert_eq!(z[[2, 0]], 1.5e308, "{strategy:?}");
        assert_eq!(z[[0, 1]], 1e300, "{strategy:?}");
    }
}

#[test]
fn a_quantile_range_beyond_the_float_range_is_an_error() {
    let x = array![[-1.7e308], [-1.7e308], [1.7e308], [1.7e308]];
    let err = RobustScaler::new().fit(&x.view()).unwrap_err();
    assert!(matches!(err, Error::Value { .. }), "{err:?}");
    assert!(err.to_string().contains("quantile range"), "{err}");
}
