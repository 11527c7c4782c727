//! The standard normal's log-CDF and probability masses, in log space so that far tails do
//! not underflow, and quantiles of a truncated normal.

use statrs::distribution::{ContinuousCDF, Normal};

/// `ln √(2π)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// Φ(x) through musl's `erfc` (within 1 ulp).
pub(crate) fn ndtr(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// ln Φ(x), with the asymptotic series of the left tail below −20 where Φ underflows.
pub(crate) fn log_ndtr(x: f64) -> f64 {
    if x > 6.0 {
        return (-ndtr(-x)).ln_1p();
    }
    if x > -20.0 {
        return ndtr(x).ln();
    }
    // Φ(x) = φ(x)/(−x) · (1 − 1/x² + 1·3/x⁴ − 1·3·5/x⁶ + …): sum until the terms stop
    // changing the total.
    let inv_x2 = 1.0 / (x * x);
    let (mut total, mut term, mut k) = (1.0_f64, 1.0_f64, 1.0_f64);
    loop {
        term *= -(2.0 * k - 1.0) * inv_x2;
        let next = total + term;
        if next == total || k > 200.0 {
            break;
        }
        total = next;
        k += 1.0;
    }
    -0.5 * x * x - (-x).ln() - LN_SQRT_2PI + total.ln()
}

/// ln(e^p − e^q) for p ≥ q.
fn log_diff(p: f64, q: f64) -> f64 {
    p + (-(q - p).exp()).ln_1p()
}

/// ln of the standard normal's mass on `[a, b]`, accurate in both tails (worked in the left
/// tail, by symmetry, when the interval lies right of 0).
pub(crate) fn log_gauss_mass(a: f64, b: f64) -> f64 {
    if b <= 0.0 {
        log_diff(log_ndtr(b), log_ndtr(a))
    } else if a > 0.0 {
        log_diff(log_ndtr(-a), log_ndtr(-b))
    } else {
        (-ndtr(a) - ndtr(-b)).ln_1p()
    }
}

/// ln φ(z), the standard normal's log-density.
pub(crate) fn log_norm_pdf(z: f64) -> f64 {
    -0.5 * z * z - LN_SQRT_2PI
}

/// The `u`-quantile (`u` in [0, 1)) of the standard normal truncated to `[a, b]`, worked on the
/// side of 0 where the CDF keeps its precision; clamped into `[a, b]`.
pub(crate) fn truncated_quantile(u: f64, a: f64, b: f64) -> f64 {
    let standard = Normal::standard();
    let x = if a < 0.0 {
        let (pa, pb) = (ndtr(a), ndtr(b));
        standard.inverse_cdf(pa + u * (pb - pa))
    } else {
        let (pa, pb) = (ndtr(-b), ndtr(-a));
        -standard.inverse_cdf(pa + (1.0 - u) * (pb - pa))
    };
    if x.is_nan() {
        return a;
    }
    x.clamp(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ndtr_is_continuous_across_its_branches() {
        for x in [-20.0_f64, 6.0] {
            let left = log_ndtr(x - 1e-9);
            let right = log_ndtr(x + 1e-9);
            assert!((left - right).abs() < 1e-6 * left.abs().max(1e-6), "{x}");
        }
        // ln Φ(−40) from its series: −804.608442013754.
        assert!((log_ndtr(-40.0) + 804.608_442_013_754).abs() < 1e-9);
    }

    #[test]
    fn mass_is_symmetric_and_whole_line_is_one() {
        assert!((log_gauss_mass(-1.0, 2.0) - log_gauss_mass(-2.0, 1.0)).abs() < 1e-15);
        assert!(log_gauss_mass(-40.0, 40.0).abs() < 1e-15);
        assert!(log_gauss_mass(30.0, 31.0).is_finite());
    }

    #[test]
    fn quantile_stays_inside_and_inverts_the_cdf() {
        let (a, b) = (-0.5, 2.0);
        let x = truncated_quantile(0.3, a, b);
        let p = (ndtr(x) - ndtr(a)) / (ndtr(b) - ndtr(a));
        assert!((p - 0.3).abs() < 1e-12);
        assert_eq!(truncated_quantile(0.0, 1.0, 3.0), 1.0);
        assert!((1.0..=3.0).contains(&truncated_quantile(0.999, 1.0, 3.0)));
    }
}
