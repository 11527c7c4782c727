//! What a paired test returns: its name, statistic, degrees of freedom and p-value.

use std::fmt;

/// Which paired test produced a [`TestResult`].
///
/// ```
/// use tuneup::tune::TestKind;
/// assert_eq!(TestKind::FiveByTwoT.to_string(), "5×2cv");
/// assert_eq!(TestKind::FiveByTwoF.to_string(), "5×2cv combined");
/// assert_eq!(TestKind::McnemarExact.statistic_name(), "b");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKind {
    /// Dietterich's 5×2cv paired t-test (statistic `t`, `r` degrees of freedom).
    FiveByTwoT,
    /// Alpaydin's 5×2cv combined F-test (statistic `F`, `(2r, r)` degrees of freedom).
    FiveByTwoF,
    /// McNemar's χ² test with Edwards' continuity correction.
    McnemarCorrected,
    /// McNemar's χ² test without continuity correction.
    McnemarChiSquared,
    /// McNemar's exact test: a two-sided binomial test of `b` out of `b + c` at `p = ½`.
    McnemarExact,
    /// The Nadeau–Bengio corrected resampled t-test.
    CorrectedResampledT,
}

impl TestKind {
    /// The symbol of the test's statistic: `t`, `F`, `χ²`, or `b` for the exact McNemar test
    /// (whose "statistic" is the count of discordant pairs won by the first model).
    ///
    /// ```
    /// assert_eq!(tuneup::tune::TestKind::FiveByTwoF.statistic_name(), "F");
    /// ```
    pub fn statistic_name(self) -> &'static str {
        match self {
            TestKind::FiveByTwoT | TestKind::CorrectedResampledT => "t",
            TestKind::FiveByTwoF => "F",
            TestKind::McnemarCorrected | TestKind::McnemarChiSquared => "χ²",
            TestKind::McnemarExact => "b",
        }
    }
}

/// The test's name without its statistic, as the reports print it before `t = …`.
impl fmt::Display for TestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TestKind::FiveByTwoT => "5×2cv",
            TestKind::FiveByTwoF => "5×2cv combined",
            TestKind::McnemarCorrected => "McNemar corrected",
            TestKind::McnemarChiSquared => "McNemar",
            TestKind::McnemarExact => "McNemar exact",
            TestKind::CorrectedResampledT => "corrected resampled",
        })
    }
}

/// The outcome of one paired test.
///
/// `dof` holds the degrees of freedom (`[ν, 0]` for t and χ², `[ν₁, ν₂]` for F, `[b + c, 0]`
/// for the exact McNemar test, the binomial's number of trials).
///
/// ```
/// use tuneup::tune::{paired_ttest_5x2cv, TestKind};
/// let a = [[0.9, 0.8], [0.85, 0.9], [0.8, 0.85], [0.9, 0.9], [0.95, 0.85]];
/// let b = [[0.8, 0.7], [0.8, 0.8], [0.7, 0.8], [0.85, 0.8], [0.85, 0.8]];
/// let r = paired_ttest_5x2cv(&a, &b)?;
/// assert_eq!(r.kind, TestKind::FiveByTwoT);
/// assert!(r.statistic > 0.0 && r.p_value < 0.05);
/// assert_eq!(r.dof, [5.0, 0.0]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestResult {
    /// The test used.
    pub kind: TestKind,
    /// The test statistic (t, F, χ², or `b` for the exact McNemar test).
    pub statistic: f64,
    /// The p-value: two-sided for t and the exact McNemar test, the upper tail for F and χ².
    pub p_value: f64,
    /// Degrees of freedom (see the type's documentation).
    pub dof: [f64; 2],
}

impl TestResult {
    /// Whether the p-value is below the significance level `alpha`.
    ///
    /// ```
    /// use tuneup::tune::{TestKind, TestResult};
    /// let r = TestResult { kind: TestKind::FiveByTwoT, statistic: 3.0, p_value: 0.03, dof: [5.0, 0.0] };
    /// assert!(r.significant(0.05) && !r.significant(0.01));
    /// ```
    pub fn significant(&self, alpha: f64) -> bool {
        self.p_value < alpha
    }
}
