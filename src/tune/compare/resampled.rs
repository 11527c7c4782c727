//! The Nadeau–Bengio corrected resampled t-test.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::check::{at_least, finite};
use super::result::{TestKind, TestResult};
use crate::{Error, Result};

/// Nadeau and Bengio's (2003) corrected resampled t-test on the score differences `d` (one per
/// train / test resample, `a − b`), each resample training on `n_train` and testing on `n_test`
/// samples:
///
/// `t = d̄ / √((1/J + n_test/n_train) · s²)`, `s²` the sample variance (`ddof = 1`) of the `J`
/// differences, `J − 1` degrees of freedom, two-sided p-value. The `n_test/n_train` term
/// corrects the variance for the overlap of the training sets, which makes the plain resampled
/// t-test far too liberal.
///
/// # Errors
/// * [`Error::Value`] for fewer than 2 differences, `n_train` or `n_test` of 0, or zero
///   variance (all differences equal: `t` is undefined; NumPy would give ±∞ or NaN).
/// * [`Error::NonFinite`] for a NaN or infinite difference.
///
/// ```
/// use tuneup::tune::corrected_resampled_ttest;
/// let d = [0.02, 0.03, 0.01, 0.04, 0.02, 0.03, 0.00, 0.02, 0.03, 0.01];
/// let r = corrected_resampled_ttest(&d, 90, 10)?;
/// assert_eq!(r.dof, [9.0, 0.0]);
/// assert!(r.statistic > 0.0 && r.p_value < 0.05);
/// assert!(corrected_resampled_ttest(&d[..1], 90, 10).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn corrected_resampled_ttest(
    differences: &[f64],
    n_train: usize,
    n_test: usize,
) -> Result<TestResult> {
    const CONTEXT: &str = "corrected_resampled_ttest";
    at_least(differences.len(), 2, CONTEXT, "differences (resamples)")?;
    finite(differences, CONTEXT, "differences")?;
    if n_train == 0 || n_test == 0 {
        return Err(Error::value(
            CONTEXT,
            "n_train ≥ 1 and n_test ≥ 1",
            format!("n_train = {n_train}, n_test = {n_test}"),
        ));
    }
    let j = differences.len() as f64;
    let mean = differences.iter().sum::<f64>() / j;
    let var = differences.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (j - 1.0);
    if !(var > 0.0 && var.is_finite()) {
        return Err(Error::value(
            CONTEXT,
            "differences that are not all equal",
            format!("variance {var}: the t statistic is undefined"),
        ));
    }
    let t = mean / ((1.0 / j + n_test as f64 / n_train as f64) * var).sqrt();
    let dist = StudentsT::new(0.0, 1.0, j - 1.0)
        .map_err(|e| Error::value(CONTEXT, "a valid Student t distribution", e))?;
    Ok(TestResult {
        kind: TestKind::CorrectedResampledT,
        statistic: t,
        p_value: (2.0 * dist.sf(t.abs())).min(1.0),
        dof: [j - 1.0, 0.0],
    })
}
