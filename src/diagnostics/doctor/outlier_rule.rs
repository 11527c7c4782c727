//! The doctor's outlier rule, calibrated so that clean real data stays quiet: heavy-tailed
//! measurements (areas, concentrations), bounded integer pixels and counts are not defects,
//! while sentinels (−999), unit slips (×1000) and typos (an extra digit) are.
//!
//! A value is an outlier when its modified z-score (Iglewicz & Hoaglin) is beyond the
//! threshold on the column's linear scale *and* on its skew-corrected scale. The skew-corrected
//! scale is the linear one for a column whose octiles are near symmetric (Hinkley's octile
//! skewness within ±0.2); for a skewed column, the long tail's side of the median is read on
//! a log scale, `ln(1 + |x − median| / IQR)`, and the other side linearly, so a log-normal
//! tail is judged as the log-normal it is while a sentinel on the short side stays far. Both
//! scales are unchanged by shifting or rescaling the column, so standardised and raw data give
//! the same answer. The scale is the median absolute deviation, or `1.2533 ×` the mean absolute
//! deviation when more than half the values equal the median; a column whose interquartile
//! range is 0 (half its values or more alike: a border pixel, a rare count) is not checked.

/// Columns with at most this many distinct values look categorical (a 0/1 column's rare
/// value is not an outlier) and are not checked.
const MIN_DISTINCT: usize = 10;

/// Octile skewness beyond which a column is read on the log scale of its tail: 0.2 is beyond
/// what a Gaussian sample of 100 rows shows 95% of the time, and below a log-normal's 0.5.
const SKEW: f64 = 0.2;

/// Which of `values` (NaN never) are outliers at modified z-score `threshold`, and the
/// largest score (the smaller of the two scales') among them (0 without any).
pub(crate) fn outlier_mask(values: &[f64], threshold: f64) -> (Vec<bool>, f64) {
    let none = || (vec![false; values.len()], 0.0);
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    if distinct(&sorted) <= MIN_DISTINCT {
        return none();
    }
    let q = |p| quantile(&sorted, p);
    let iqr = q(0.75) - q(0.25);
    if !(iqr > 0.0 && iqr.is_finite()) {
        // Half the values or more share one value (a border pixel, a rare count): the rest
        // are the column's signal, not defects.
        return none();
    }
    // Hinkley's octile skewness: robust to the outliers it is looking for.
    let skew = (q(0.875) + q(0.125) - 2.0 * q(0.5)) / (q(0.875) - q(0.125));
    let median = q(0.5);
    // The long tail's side on a log scale, the other side linear (continuous at the median,
    // slope 1 / IQR on both sides), so that a far value on the short side stays far.
    let corrected = |x: f64| {
        let d = (x - median) / iqr;
        if skew > SKEW && d > 0.0 {
            d.ln_1p()
        } else if skew < -SKEW && d < 0.0 {
            -(-d).ln_1p()
        } else {
            d
        }
    };
    // `corrected` is increasing, so the transformed values stay sorted.
    let transformed: Vec<f64> = sorted.iter().map(|&x| corrected(x)).collect();
    let (Some(linear), Some(skewed)) = (RobustScale::of(&sorted), RobustScale::of(&transformed))
    else {
        return none();
    };
    let mut worst = 0.0f64;
    let mask = values
        .iter()
        .map(|&x| {
            // NaN scores NaN, which is never above the threshold.
            let score = linear.score(x).min(skewed.score(corrected(x)));
            let outlier = score > threshold;
            if outlier {
                worst = worst.max(score);
            }
            outlier
        })
        .collect();
    (mask, worst)
}

/// A column's median and robust spread.
struct RobustScale {
    median: f64,
    spread: f64,
}

impl RobustScale {
    /// From sorted values; `None` when they have no spread at all.
    fn of(sorted: &[f64]) -> Option<Self> {
        let median = quantile(sorted, 0.5);
        let mut dev: Vec<f64> = sorted.iter().map(|x| (x - median).abs()).collect();
        dev.sort_by(f64::total_cmp);
        let mad = quantile(&dev, 0.5);
        // 0.6745 = Φ⁻¹(0.75): the MAD of a standard normal; 1.2533 = √(π/2) for the mean AD.
        let spread = if mad > 0.0 {
            mad / 0.6745
        } else {
            1.253_314 * dev.iter().sum::<f64>() / dev.len() as f64
        };
        (spread > 0.0 && spread.is_finite()).then_some(RobustScale { median, spread })
    }

    /// The modified z-score's magnitude.
    fn score(&self, x: f64) -> f64 {
        ((x - self.median) / self.spread).abs()
    }
}

fn distinct(sorted: &[f64]) -> usize {
    sorted.windows(2).filter(|w| w[0] != w[1]).count() + usize::from(!sorted.is_empty())
}

/// The `q` quantile of sorted values, linearly interpolated (NumPy's default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    match sorted.get(i + 1) {
        Some(&next) => sorted[i] + frac * (next - sorted[i]),
        None => sorted[i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lognormal(n: usize) -> Vec<f64> {
        // Deterministic log-normal quantiles: exp(Φ⁻¹((i + 0.5) / n)) by a rational
        // approximation of the normal quantile, good to 1e-3.
        (0..n)
            .map(|i| {
                let p = (i as f64 + 0.5) / n as f64;
                let t = (-2.0 * p.min(1.0 - p).ln()).sqrt();
                let z = t
                    - (2.515517 + 0.802853 * t + 0.010328 * t * t)
                        / (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
                (if p < 0.5 { -z } else { z }).exp()
            })
            .collect()
    }

    fn count(values: &[f64], threshold: f64) -> usize {
        outlier_mask(values, threshold)
            .0
            .iter()
            .filter(|&&b| b)
            .count()
    }

    #[test]
    fn a_log_normal_tail_is_not_an_outlier_but_a_sentinel_and_a_slip_are() {
        let clean = lognormal(2000);
        assert_eq!(count(&clean, 10.0), 0);
        let mut sentinel = clean.clone();
        sentinel[7] = -999.0;
        assert_eq!(count(&sentinel, 10.0), 1);
        // A unit slip (×1000) on a typical value.
        let mut slip = clean.clone();
        slip[1000] *= 1000.0;
        assert_eq!(count(&slip, 10.0), 1);
    }

    #[test]
    fn scales_and_shifts_change_nothing() {
        let mut v = lognormal(500);
        v[3] = 5000.0;
        let moved: Vec<f64> = v.iter().map(|x| 0.01 * x - 4.0).collect();
        let (mask, worst) = outlier_mask(&v, 10.0);
        let (moved_mask, moved_worst) = outlier_mask(&moved, 10.0);
        assert_eq!(mask, moved_mask);
        assert!((worst - moved_worst).abs() < 1e-9 * worst);
        assert!(mask[3] && mask.iter().filter(|&&b| b).count() == 1);
        assert!(worst > 10.0);
    }

    #[test]
    fn zero_inflated_and_few_valued_columns_are_skipped() {
        // 90% zeros, the rest spread over 1..=16: a pixel.
        let pixel: Vec<f64> = (0..400)
            .map(|i| {
                if i % 10 == 0 {
                    (i % 16 + 1) as f64
                } else {
                    0.0
                }
            })
            .collect();
        assert_eq!(count(&pixel, 10.0), 0);
        let binary: Vec<f64> = (0..100)
            .map(|i| f64::from(u8::from(i == 0)) * 1e6)
            .collect();
        assert_eq!(count(&binary, 10.0), 0);
        assert_eq!(count(&[f64::NAN; 20], 10.0), 0);
    }
}
