//! Train/test distribution shift per feature: the population stability index and the
//! two-sample Kolmogorov–Smirnov test.

use ndarray::ArrayView2;

use crate::{Error, Float, Result};

/// The two-sample Kolmogorov–Smirnov test of [`ks_two_sample`].
///
/// ```
/// use tuneup::diagnostics::doctor::ks_two_sample;
/// let t = ks_two_sample(&[1.0, 2.0, 3.0, 4.0], &[3.0, 4.0, 5.0, 6.0])?;
/// assert_eq!(t.statistic, 0.5);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsTest {
    /// `D = sup |F₁(x) − F₂(x)|`, the largest gap between the two empirical CDFs (exact).
    pub statistic: f64,
    /// Two-sided p-value from the asymptotic Kolmogorov distribution:
    /// `Q(√(nm/(n+m))·D)` with `Q(λ) = 2 Σ (−1)^{k−1} e^{−2k²λ²}` (scipy's
    /// `special.kolmogorov`). Accurate for samples of a few dozen points or more; small
    /// samples would need the exact distribution.
    pub p_value: f64,
}

/// One feature's shift between training and test data, from [`feature_shift`].
///
/// ```
/// use tuneup::diagnostics::doctor::feature_shift;
/// use ndarray::Array2;
/// let train = Array2::from_shape_fn((200, 1), |(i, _)| i as f64);
/// let test = Array2::from_shape_fn((200, 1), |(i, _)| i as f64 + 100.0);
/// let s = &feature_shift(&train.view(), &test.view(), 10, 1e-4)?[0];
/// assert_eq!(s.feature, 0);
/// assert_eq!(s.ks.statistic, 0.5);
/// assert!(s.psi > 0.25);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureShift {
    /// Column index.
    pub feature: usize,
    /// Population stability index of the test column against the training column.
    pub psi: f64,
    /// Kolmogorov–Smirnov test of the two columns.
    pub ks: KsTest,
}

fn observed(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

/// NumPy's default (linear) quantile of sorted data.
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = pos - lo as f64;
    sorted[lo] + frac * (sorted[hi] - sorted[lo])
}

/// The population stability index `PSI = Σ (qᵢ − pᵢ)·ln(qᵢ / pᵢ)` of `test` against `train`.
///
/// Bins come from the training data: the `bins − 1` inner edges are the training quantiles
/// `k / bins` (NumPy's linear interpolation), repeated edges (ties) merged, and the outer
/// bins open to ±∞, so every value falls in a bin. A value `x` goes in bin `i` when
/// `edge[i−1] < x ≤ edge[i]` (`numpy.searchsorted(edges, x, side="left")`). `pᵢ` and `qᵢ` are
/// the training and test proportions; an empty bin's proportion 0 is replaced by `epsilon`
/// (without renormalising) so the logarithm stays finite. NaN values are ignored.
///
/// # Errors
/// [`Error::Config`] if `bins < 2` or `epsilon` is not in `(0, 1]`; [`Error::Value`] if
/// either sample has no observed value; [`Error::NonFinite`] on an infinite value.
///
/// ```
/// use tuneup::diagnostics::doctor::population_stability_index;
/// let train: Vec<f64> = (0..100).map(f64::from).collect();
/// assert!(population_stability_index(&train, &train, 10, 1e-4)? < 1e-12);
/// let shifted: Vec<f64> = train.iter().map(|x| x + 50.0).collect();
/// assert!(population_stability_index(&train, &shifted, 10, 1e-4)? > 1.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn population_stability_index(
    train: &[f64],
    test: &[f64],
    bins: usize,
    epsilon: f64,
) -> Result<f64> {
    if bins < 2 {
        return Err(Error::config(
            "population_stability_index.bins",
            bins,
            "at least 2",
        ));
    }
    if !(epsilon > 0.0 && epsilon <= 1.0) {
        return Err(Error::config(
            "population_stability_index.epsilon",
            epsilon,
            "a proportion in (0, 1]",
        ));
    }
    let a = checked_sample("population_stability_index", "train", train)?;
    let b = checked_sample("population_stability_index", "test", test)?;
    let mut edges: Vec<f64> = (1..bins)
        .map(|k| quantile_sorted(&a, k as f64 / bins as f64))
        .collect();
    edges.dedup();
    let proportions = |sorted: &[f64]| -> Vec<f64> {
        let mut counts = vec![0usize; edges.len() + 1];
        for &x in sorted {
            counts[edges.partition_point(|&e| e < x)] += 1;
        }
        counts
            .iter()
            .map(|&c| {
                if c == 0 {
                    epsilon
                } else {
                    c as f64 / sorted.len() as f64
                }
            })
            .collect()
    };
    let p = proportions(&a);
    let q = proportions(&b);
    Ok(p.iter()
        .zip(&q)
        .map(|(&p, &q)| (q - p) * (q / p).ln())
        .sum())
}

fn checked_sample(context: &str, which: &str, values: &[f64]) -> Result<Vec<f64>> {
    if let Some(v) = values.iter().find(|v| v.is_infinite()) {
        return Err(Error::non_finite(
            context,
            format!("{which} sample holds {v}"),
        ));
    }
    let v = observed(values);
    if v.is_empty() {
        return Err(Error::value(
            context,
            format!("a {which} sample with at least one observed value"),
            "no value (empty or all NaN)",
        ));
    }
    Ok(v)
}

/// The Kolmogorov distribution's survival function `Q(λ) = P(K > λ)` (scipy's
/// `special.kolmogorov`), by the alternating series for `λ ≥ 1.18` and Jacobi's
/// theta-function form below, each summed until its terms vanish.
///
/// ```
/// use tuneup::diagnostics::doctor::kolmogorov_sf;
/// assert!((kolmogorov_sf(1.3580986) - 0.05).abs() < 1e-6);
/// assert_eq!(kolmogorov_sf(0.0), 1.0);
/// ```
pub fn kolmogorov_sf(lambda: f64) -> f64 {
    if lambda.is_nan() {
        return f64::NAN;
    }
    if lambda <= 0.0 {
        return 1.0;
    }
    if lambda < 1.18 {
        let pi2 = std::f64::consts::PI * std::f64::consts::PI;
        let mut s = 0.0;
        for k in 1..200 {
            let j = (2 * k - 1) as f64;
            let t = (-j * j * pi2 / (8.0 * lambda * lambda)).exp();
            s += t;
            if t < 1e-300 || t < s * 1e-17 {
                break;
            }
        }
        (1.0 - (2.0 * std::f64::consts::PI).sqrt() / lambda * s).clamp(0.0, 1.0)
    } else {
        let mut s = 0.0;
        let mut sign = 1.0;
        for k in 1..200 {
            let kf = k as f64;
            let t = (-2.0 * kf * kf * lambda * lambda).exp();
            s += sign * t;
            sign = -sign;
            if t < 1e-300 || t < s.abs() * 1e-17 {
                break;
            }
        }
        (2.0 * s).clamp(0.0, 1.0)
    }
}

/// The two-sample Kolmogorov–Smirnov test: the exact statistic `D` (ties handled as
/// `scipy.stats.ks_2samp`: both CDFs step past all equal values together) and the asymptotic
/// two-sided p-value (see [`KsTest`]). NaN values are ignored.
///
/// # Errors
/// [`Error::Value`] if either sample has no observed value; [`Error::NonFinite`] on an
/// infinite value.
///
/// ```
/// use tuneup::diagnostics::doctor::ks_two_sample;
/// let a: Vec<f64> = (0..50).map(f64::from).collect();
/// let t = ks_two_sample(&a, &a)?;
/// assert_eq!((t.statistic, t.p_value), (0.0, 1.0));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn ks_two_sample(a: &[f64], b: &[f64]) -> Result<KsTest> {
    let a = checked_sample("ks_two_sample", "first", a)?;
    let b = checked_sample("ks_two_sample", "second", b)?;
    let (n, m) = (a.len(), b.len());
    let (mut i, mut j) = (0, 0);
    let mut gap: u128 = 0;
    while i < n && j < m {
        let x = a[i].min(b[j]);
        while i < n && a[i] <= x {
            i += 1;
        }
        while j < m && b[j] <= x {
            j += 1;
        }
        // |i/n − j/m| = |i·m − j·n| / (n·m), exact in integers, so D is correctly rounded.
        gap = gap.max((i as u128 * m as u128).abs_diff(j as u128 * n as u128));
    }
    let d = gap as f64 / (n as u128 * m as u128) as f64;
    let en = (n as f64 * m as f64 / (n + m) as f64).sqrt();
    Ok(KsTest {
        statistic: d,
        p_value: kolmogorov_sf(en * d),
    })
}

/// PSI and KS test for every column of `test` against the same column of `train`.
///
/// # Errors
/// [`Error::Shape`] if the widths differ; otherwise as [`population_stability_index`] and
/// [`ks_two_sample`] (with the column named).
///
/// ```
/// use tuneup::diagnostics::doctor::feature_shift;
/// use ndarray::array;
/// let x = array![[1.0f32, 0.0], [2.0, 1.0], [3.0, 0.0]];
/// let s = feature_shift(&x.view(), &x.view(), 10, 1e-4)?;
/// assert_eq!(s.len(), 2);
/// assert_eq!(s[1].ks.statistic, 0.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn feature_shift<F: Float>(
    train: &ArrayView2<'_, F>,
    test: &ArrayView2<'_, F>,
    bins: usize,
    epsilon: f64,
) -> Result<Vec<FeatureShift>> {
    if train.ncols() != test.ncols() {
        return Err(Error::shape(
            "feature_shift",
            format!("test data with {} columns (as train)", train.ncols()),
            format!("{} columns", test.ncols()),
        ));
    }
    let mut out = Vec::with_capacity(train.ncols());
    for (feature, (a, b)) in train.columns().into_iter().zip(test.columns()).enumerate() {
        let a: Vec<f64> = a.iter().map(|v| v.as_f64()).collect();
        let b: Vec<f64> = b.iter().map(|v| v.as_f64()).collect();
        let name = |e: Error| match e {
            Error::Value {
                context,
                expected,
                found,
            } => Error::value(format!("{context} (column {feature})"), expected, found),
            other => other,
        };
        let psi = population_stability_index(&a, &b, bins, epsilon).map_err(name)?;
        let ks = ks_two_sample(&a, &b).map_err(name)?;
        out.push(FeatureShift { feature, psi, ks });
    }
    Ok(out)
}
