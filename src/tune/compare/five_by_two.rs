//! Dietterich's 5×2cv paired t-test and Alpaydin's 5×2cv combined F-test on recorded scores.
//!
//! Both take two `r × 2` score matrices: `scores[i][j]` is a model's score on fold `j` of
//! repetition `i` (trained on the other half). The differences are `p = a − b`, as in mlxtend's
//! `paired_ttest_5x2cv(estimator1 = a, estimator2 = b)`. With `r = 5` (the published tests and
//! mlxtend) the values equal mlxtend's; other `r ≥ 2` use the same formulas with `r` in place
//! of 5.
//!
//! When every repetition's two differences are equal the variance estimate `Σ s²` is zero:
//! mlxtend then divides by zero (t = ±∞ with p = 0, or NaN for 0 / 0, after a NumPy warning).
//! Here that is an [`Error::Value`]: the statistic is undefined, and a p-value of 0 would claim
//! a certainty the data cannot give.

use statrs::distribution::{ContinuousCDF, FisherSnedecor, StudentsT};

use super::check::five_by_two_differences;
use super::result::{TestKind, TestResult};
use crate::{Error, Result};

/// The sum over repetitions of `s² = (p₁ − p̄)² + (p₂ − p̄)²`, checked to be positive.
fn variance_sum(diffs: &[[f64; 2]], context: &str) -> Result<f64> {
    let sum: f64 = diffs
        .iter()
        .map(|[p1, p2]| {
            let mean = (p1 + p2) / 2.0;
            (p1 - mean).powi(2) + (p2 - mean).powi(2)
        })
        .sum();
    if sum > 0.0 && sum.is_finite() {
        Ok(sum)
    } else {
        Err(Error::value(
            context,
            "score differences that vary between the two folds of some repetition",
            format!(
                "zero variance (Σ s² = {sum}): the statistic is undefined (mlxtend divides by \
                 zero and returns ±inf or NaN)"
            ),
        ))
    }
}

/// Dietterich's (1998) 5×2cv paired t-test: `t = p₁⁽¹⁾ / √(Σ s² / r)` with `r` degrees of
/// freedom and a two-sided p-value, as mlxtend's `paired_ttest_5x2cv`.
///
/// # Errors
/// * [`Error::Shape`] if the matrices have different numbers of repetitions.
/// * [`Error::Value`] for fewer than 2 repetitions, or zero variance (see the module docs).
/// * [`Error::NonFinite`] for a NaN or infinite score.
///
/// ```
/// use tuneup::tune::paired_ttest_5x2cv;
/// let a = [[0.90, 0.90], [0.94, 0.89], [0.90, 0.90], [0.92, 0.94], [0.90, 0.91]];
/// let b = [[0.85, 0.86], [0.88, 0.84], [0.86, 0.85], [0.87, 0.88], [0.84, 0.86]];
/// let r = paired_ttest_5x2cv(&a, &b)?;
/// assert!((r.statistic - 50f64.sqrt()).abs() < 1e-9 && r.p_value < 0.001);
/// assert!(paired_ttest_5x2cv(&a, &b[..4]).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn paired_ttest_5x2cv(scores_a: &[[f64; 2]], scores_b: &[[f64; 2]]) -> Result<TestResult> {
    const CONTEXT: &str = "paired_ttest_5x2cv";
    let diffs = five_by_two_differences(scores_a, scores_b, CONTEXT)?;
    let r = diffs.len() as f64;
    let t = diffs[0][0] / (variance_sum(&diffs, CONTEXT)? / r).sqrt();
    let dist = StudentsT::new(0.0, 1.0, r)
        .map_err(|e| Error::value(CONTEXT, "a valid Student t distribution", e))?;
    Ok(TestResult {
        kind: TestKind::FiveByTwoT,
        statistic: t,
        p_value: (2.0 * dist.sf(t.abs())).min(1.0),
        dof: [r, 0.0],
    })
}

/// Alpaydin's (1999) combined 5×2cv F-test: `F = Σᵢⱼ pᵢⱼ² / (2 Σ s²)` with `(2r, r)` degrees
/// of freedom and the upper-tail p-value, as mlxtend's `combined_ftest_5x2cv`.
///
/// # Errors
/// The same as [`paired_ttest_5x2cv`].
///
/// ```
/// use tuneup::tune::combined_ftest_5x2cv;
/// let a = [[0.90, 0.90], [0.94, 0.89], [0.90, 0.90], [0.92, 0.94], [0.90, 0.91]];
/// let b = [[0.85, 0.86], [0.88, 0.84], [0.86, 0.85], [0.87, 0.88], [0.84, 0.86]];
/// let r = combined_ftest_5x2cv(&a, &b)?;
/// assert_eq!(r.dof, [10.0, 5.0]);
/// assert!((r.statistic - 53.0).abs() < 1e-9 && r.p_value < 0.001);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn combined_ftest_5x2cv(scores_a: &[[f64; 2]], scores_b: &[[f64; 2]]) -> Result<TestResult> {
    const CONTEXT: &str = "combined_ftest_5x2cv";
    let diffs = five_by_two_differences(scores_a, scores_b, CONTEXT)?;
    let r = diffs.len() as f64;
    let squares: f64 = diffs.as_flattened().iter().map(|p| p * p).sum();
    let f = squares / (2.0 * variance_sum(&diffs, CONTEXT)?);
    let dist = FisherSnedecor::new(2.0 * r, r)
        .map_err(|e| Error::value(CONTEXT, "a valid F distribution", e))?;
    Ok(TestResult {
        kind: TestKind::FiveByTwoF,
        statistic: f,
        p_value: dist.sf(f),
        dof: [2.0 * r, r],
    })
}
