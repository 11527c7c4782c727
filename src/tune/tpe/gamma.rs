//! How many trials count as good (`gamma`) and how much each observation weighs.

/// The number of trials in the good group when `n` trials are finished: Optuna's
/// `default_gamma`, `min(⌈0.1·n⌉, 25)`.
///
/// ```
/// use tuneup::tune::tpe_gamma;
/// assert_eq!(tpe_gamma(0), 0);
/// assert_eq!(tpe_gamma(10), 1);
/// assert_eq!(tpe_gamma(11), 2);
/// assert_eq!(tpe_gamma(1000), 25);
/// ```
pub fn tpe_gamma(n: usize) -> usize {
    n.div_ceil(10).min(25)
}

/// The weights of `n` observations, oldest first: Optuna's `default_weights`, all 1 below 25
/// observations, otherwise a linear ramp from `1/n` to 1 over the oldest `n − 25` and 1 for
/// the newest 25.
///
/// ```
/// use tuneup::tune::tpe_weights;
/// assert!(tpe_weights(0).is_empty());
/// assert_eq!(tpe_weights(3), vec![1.0; 3]);
/// let w = tpe_weights(30);
/// assert_eq!(w.len(), 30);
/// assert!((w[0] - 1.0 / 30.0).abs() < 1e-15 && w[4] == 1.0 && w[29] == 1.0);
/// ```
pub fn tpe_weights(n: usize) -> Vec<f64> {
    if n < 25 {
        return vec![1.0; n];
    }
    let ramp = n - 25;
    let start = 1.0 / n as f64;
    // As `numpy.linspace`: `start + i·step`, the last point exactly 1.
    let step = (1.0 - start) / ramp.saturating_sub(1).max(1) as f64;
    let mut w: Vec<f64> = (0..ramp).map(|i| start + i as f64 * step).collect();
    if ramp > 1 {
        w[ramp - 1] = 1.0;
    }
    w.extend(std::iter::repeat_n(1.0, 25));
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_is_a_tenth_rounded_up_and_capped() {
        assert_eq!(tpe_gamma(1), 1);
        assert_eq!(tpe_gamma(249), 25);
        assert_eq!(tpe_gamma(240), 24);
    }

    #[test]
    fn weights_ramp_ends_at_one() {
        let w = tpe_weights(27);
        assert_eq!(w.len(), 27);
        assert_eq!(w[1], 1.0);
        assert!((w[0] - 1.0 / 27.0).abs() < 1e-15);
        assert_eq!(tpe_weights(25), vec![1.0; 25]);
    }
}
