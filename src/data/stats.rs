//! NaN-aware column statistics, computed in `f64` the way NumPy / scikit-learn compute them.

use ndarray::ArrayView1;

use crate::Float;

/// The observed (non-NaN) values of a column, widened to `f64`, in row order.
pub(crate) fn observed<F: Float>(col: ArrayView1<'_, F>) -> Vec<f64> {
    col.iter()
        .filter(|v| !v.is_nan())
        .map(|v| v.as_f64())
        .collect()
}

/// The observed values sorted ascending.
pub(crate) fn sorted_observed<F: Float>(col: ArrayView1<'_, F>) -> Vec<f64> {
    let mut v = observed(col);
    v.sort_by(f64::total_cmp);
    v
}

/// Arithmetic mean of a non-empty slice. When the plain sum overflows (values near the
/// float range), the values are divided by `n` before summing, which cannot overflow.
pub(crate) fn mean(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    if m.is_finite() || v.iter().any(|x| !x.is_finite()) {
        return m;
    }
    v.iter().map(|x| x / n).sum()
}

/// The smallest power of two at least `x` (for exact rescaling), 1 for 0.
fn power_of_two_above(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return 1.0;
    }
    // 2^1023 is the largest power of two; dividing by it leaves values of at most 2.
    let e = x.log2().ceil().min(1023.0);
    2f64.powi(e as i32)
}

/// Population standard deviation that stays finite where the variance overflows (values near
/// the float range, e.g. ±1e300 whose squares are 1e600): the values and the mean are divided
/// by a power of two (exactly) before squaring, and the result is scaled back.
pub(crate) fn population_std(v: &[f64], m: f64) -> f64 {
    let var = population_variance(v, m);
    if var.is_finite() {
        return var.max(0.0).sqrt();
    }
    let largest = v.iter().fold(m.abs(), |a, x| a.max(x.abs()));
    let s = power_of_two_above(largest);
    let scaled: Vec<f64> = v.iter().map(|x| x / s).collect();
    s * population_variance(&scaled, m / s).max(0.0).sqrt()
}

/// Half of `b − a`, finite even when `b − a` itself overflows (values near the float range).
pub(crate) fn half_difference(a: f64, b: f64) -> f64 {
    b * 0.5 - a * 0.5
}

/// `(x − centre) / scale` without the overflow of `x − centre` near the float range.
pub(crate) fn centred_scaled<F: Float>(x: F, centre: F, scale: F) -> F {
    let d = x - centre;
    if d.is_finite() || !x.is_finite() || !centre.is_finite() {
        return d / scale;
    }
    x / scale - centre / scale
}

/// Population variance by scikit-learn's corrected two-pass formula:
/// `(Σ(x − m)² − (Σ(x − m))² / n) / n`.
pub(crate) fn population_variance(v: &[f64], m: f64) -> f64 {
    let n = v.len() as f64;
    let (mut s1, mut s2) = (0.0, 0.0);
    for &x in v {
        let d = x - m;
        s1 += d;
        s2 += d * d;
    }
    (s2 - s1 * s1 / n) / n
}

/// Percentile `q` in [0, 100] of a sorted, non-empty slice by linear interpolation
/// (NumPy's default `method="linear"`, including its two-sided interpolation formula).
pub(crate) fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let virtual_index = (n - 1) as f64 * (q / 100.0);
    let below = virtual_index.floor().clamp(0.0, (n - 1) as f64);
    let lo = below as usize;
    let hi = (lo + 1).min(n - 1);
    let t = virtual_index - below;
    let (a, b) = (sorted[lo], sorted[hi]);
    let diff = b - a;
    if diff.is_infinite() && a.is_finite() && b.is_finite() {
        // The gap overflows: interpolate on halves.
        let half = half_difference(a, b);
        return if t >= 0.5 {
            b - half * (1.0 - t) * 2.0
        } else {
            a + half * t * 2.0
        };
    }
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// Median of a sorted, non-empty slice (mean of the two middle values for even lengths).
pub(crate) fn median_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        let (a, b) = (sorted[n / 2 - 1], sorted[n / 2]);
        let m = (a + b) / 2.0;
        if m.is_finite() || !a.is_finite() || !b.is_finite() {
            m
        } else {
            a / 2.0 + b / 2.0
        }
    }
}

/// Most frequent value of a sorted, non-empty slice; ties go to the smallest value.
pub(crate) fn mode_sorted(sorted: &[f64]) -> f64 {
    let (mut best, mut best_count) = (sorted[0], 0usize);
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i + 1;
        while j < sorted.len() && sorted[j] == sorted[i] {
            j += 1;
        }
        // Strictly greater keeps the earlier (smaller) value on a tie.
        if j - i > best_count {
            best = sorted[i];
            best_count = j - i;
        }
        i = j;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_matches_numpy_linear() {
        let v = [1.0, 2.0, 4.0, 8.0];
        // np.percentile([1, 2, 4, 8], [0, 25, 50, 75, 100]) = [1, 1.75, 3, 5, 8]
        let got: Vec<f64> = [0.0, 25.0, 50.0, 75.0, 100.0]
            .iter()
            .map(|&q| percentile_sorted(&v, q))
            .collect();
        assert_eq!(got, vec![1.0, 1.75, 3.0, 5.0, 8.0]);
        assert_eq!(percentile_sorted(&[7.0], 30.0), 7.0);
    }

    #[test]
    fn mode_ties_go_to_smallest() {
        assert_eq!(mode_sorted(&[1.0, 2.0, 2.0, 3.0, 3.0]), 2.0);
        assert_eq!(mode_sorted(&[-1.0, 5.0]), -1.0);
        assert_eq!(median_sorted(&[1.0, 2.0, 4.0, 8.0]), 3.0);
    }

    #[test]
    fn variance_is_population_variance() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!((population_variance(&v, mean(&v)) - 1.25).abs() < 1e-15);
    }
}
