//! The kernel widths of the univariate Parzen estimator (Optuna's rule).

use super::ParzenSettings;

/// The widths of kernels centred on `mus` in `[low, high]` (already on the estimator's scale):
/// each the larger distance to its sorted neighbours, the range ends counting as neighbours;
/// unless `settings.endpoints`, the outermost kernels (with two or more) use their inner
/// neighbour only. Clipped to `[(high − low) / min(100, n + 2), high − low]` with the magic
/// clip, `[1e-12, high − low]` without.
pub(crate) fn bandwidths(mus: &[f64], low: f64, high: f64, settings: &ParzenSettings) -> Vec<f64> {
    let n = mus.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| mus[i].total_cmp(&mus[j]));
    let mut ends = Vec::with_capacity(n + 2);
    ends.push(low);
    ends.extend(order.iter().map(|&i| mus[i]));
    ends.push(high);
    let mut sorted: Vec<f64> = (1..=n)
        .map(|i| (ends[i] - ends[i - 1]).max(ends[i + 1] - ends[i]))
        .collect();
    if !settings.endpoints && n >= 2 {
        sorted[0] = ends[2] - ends[1];
        sorted[n - 1] = ends[n] - ends[n - 1];
    }
    let max_sigma = high - low;
    let min_sigma = if settings.magic_clip {
        (high - low) / (1.0 + (n + 1) as f64).min(100.0)
    } else {
        1e-12
    };
    let mut sigmas = vec![0.0; n];
    for (rank, &i) in order.iter().enumerate() {
        // numpy.clip: max with the lower bound first, then min with the upper one.
        sigmas[i] = sorted[rank].max(min_sigma).min(max_sigma);
    }
    sigmas
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_neighbour_rule() {
        let s = ParzenSettings::default();
        // Sorted 0.2, 0.5, 0.6 in [0, 1]: inner neighbour for the outer two, the larger gap
        // for the middle one; the minimum is 1/5.
        let w = bandwidths(&[0.5, 0.2, 0.6], 0.0, 1.0, &s);
        assert_eq!(w, vec![0.3, 0.3, 0.2]);
        let one = bandwidths(&[0.1], 0.0, 1.0, &s);
        assert_eq!(one, vec![0.9]);
        assert!(bandwidths(&[], 0.0, 1.0, &s).is_empty());
    }

    #[test]
    fn endpoints_count_when_asked() {
        let s = ParzenSettings {
            endpoints: true,
            magic_clip: false,
            ..ParzenSettings::default()
        };
        let w = bandwidths(&[0.9, 0.1], 0.0, 1.0, &s);
        assert!((w[0] - 0.8).abs() < 1e-15 && (w[1] - 0.8).abs() < 1e-15);
    }
}
