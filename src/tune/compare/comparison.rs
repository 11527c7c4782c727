//! The one-line report of a comparison: is configuration B better than A, by how much, how sure.

use std::fmt;

use super::bootstrap::BootstrapCi;
use super::check::{at_least, finite};
use super::result::{TestKind, TestResult};
use crate::{Error, Result};

/// What a [`Comparison`] concludes at its significance level.
///
/// ```
/// assert_ne!(tuneup::tune::Verdict::BBetter, tuneup::tune::Verdict::NoSignificantDifference);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// B (the new settings) is significantly better than A.
    BBetter,
    /// A (the old settings) is significantly better than B.
    ABetter,
    /// The test does not reject "no difference" at the significance level.
    NoSignificantDifference,
}

/// The verdict of a paired test with its effect size, interval and p-value; `Display` gives
/// one line such as
/// `B is better than A: +2.1 points accuracy (d = 1.35, 95% CI +0.8 to +3.4), 5×2cv t = 3.20, p = 0.024`.
///
/// Built from a [`TestResult`] and the score differences `b − a` it came from (per fold, per
/// resample or per test sample); the direction comes from their mean, the significance from the
/// test's p-value at `alpha` (default 0.05). The statistic is printed as the test gave it: the
/// tests work on `a − b` (mlxtend's sign), so a negative t goes with "B is better". The standardised effect is Cohen's `d_z`: the mean
/// difference over the differences' standard deviation (`ddof = 1`), `None` when that is 0.
///
/// ```
/// use tuneup::tune::{paired_ttest_5x2cv, Comparison, Verdict};
/// let a = [[0.85, 0.86], [0.88, 0.84], [0.86, 0.85], [0.87, 0.88], [0.84, 0.86]];
/// let b = [[0.90, 0.90], [0.94, 0.89], [0.90, 0.90], [0.92, 0.94], [0.90, 0.91]];
/// let diffs: Vec<f64> = a.iter().zip(&b).flat_map(|(x, y)| [y[0] - x[0], y[1] - x[1]]).collect();
/// let c = Comparison::new(paired_ttest_5x2cv(&a, &b)?, &diffs)?.metric("accuracy").points();
/// assert_eq!(c.verdict(), Verdict::BBetter);
/// assert!(c.better());
/// assert!(c.to_string().starts_with("B is better than A: +5.1 points accuracy"), "{c}");
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    test: TestResult,
    mean_difference: f64,
    standardized: Option<f64>,
    interval: Option<BootstrapCi>,
    alpha: f64,
    metric: String,
    scale: f64,
    unit: String,
    precision: usize,
    higher_is_better: bool,
    names: [String; 2],
}

impl Comparison {
    /// A report of `test` over the differences `b − a`.
    ///
    /// # Errors
    /// [`Error::Value`] for fewer than 1 difference; [`Error::NonFinite`] for a NaN or infinite
    /// difference.
    ///
    /// ```
    /// use tuneup::tune::{Comparison, TestKind, TestResult};
    /// let t = TestResult { kind: TestKind::FiveByTwoT, statistic: 0.4, p_value: 0.7, dof: [5.0, 0.0] };
    /// let c = Comparison::new(t, &[0.01, -0.02, 0.03])?;
    /// assert!(!c.better());
    /// assert!(c.to_string().starts_with("no significant difference between A and B"));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn new(test: TestResult, differences: &[f64]) -> Result<Self> {
        at_least(differences.len(), 1, "Comparison::new", "differences")?;
        finite(differences, "Comparison::new", "differences")?;
        let n = differences.len() as f64;
        let mean = differences.iter().sum::<f64>() / n;
        let sd = if differences.len() > 1 {
            (differences.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        Ok(Self {
            test,
            mean_difference: mean,
            standardized: (sd > 0.0).then(|| mean / sd),
            interval: None,
            alpha: 0.05,
            metric: "score".into(),
            scale: 1.0,
            unit: String::new(),
            precision: 3,
            higher_is_better: true,
            names: ["A".into(), "B".into()],
        })
    }

    /// Attaches a confidence interval of the mean difference `b − a` (from
    /// [`bootstrap_ci`](super::bootstrap_ci)).
    pub fn interval(mut self, interval: BootstrapCi) -> Self {
        self.interval = Some(interval);
        self
    }

    /// The significance level (default 0.05); [`Comparison::check`] validates it.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// The metric's name in the report (default `score`).
    pub fn metric(mut self, name: impl Into<String>) -> Self {
        self.metric = name.into();
        self
    }

    /// Reports differences ×100 as "points" with one decimal (for accuracies in `[0, 1]`).
    pub fn points(mut self) -> Self {
        self.scale = 100.0;
        self.unit = "points".into();
        self.precision = 1;
        self
    }

    /// Decimals of the differences in the report (default 3).
    pub fn precision(mut self, decimals: usize) -> Self {
        self.precision = decimals;
        self
    }

    /// For metrics where lower is better (losses, errors): B is better when `b − a < 0`.
    pub fn lower_is_better(mut self) -> Self {
        self.higher_is_better = false;
        self
    }

    /// The names of the two configurations in the report (default `A` and `B`).
    pub fn names(mut self, a: impl Into<String>, b: impl Into<String>) -> Self {
        self.names = [a.into(), b.into()];
        self
    }

    /// Checks the significance level.
    ///
    /// # Errors
    /// [`Error::Config`] if `alpha` is not strictly between 0 and 1.
    ///
    /// ```
    /// use tuneup::tune::{Comparison, TestKind, TestResult};
    /// let t = TestResult { kind: TestKind::FiveByTwoT, statistic: 3.0, p_value: 0.03, dof: [5.0, 0.0] };
    /// assert!(Comparison::new(t, &[0.1, 0.2])?.alpha(1.5).check().is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn check(&self) -> Result<()> {
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::config(
                "Comparison.alpha",
                self.alpha,
                "a level strictly between 0 and 1",
            ));
        }
        Ok(())
    }

    /// Which configuration is significantly better, if either.
    pub fn verdict(&self) -> Verdict {
        let improvement = if self.higher_is_better {
            self.mean_difference
        } else {
            -self.mean_difference
        };
        if !self.test.significant(self.alpha) || improvement == 0.0 {
            Verdict::NoSignificantDifference
        } else if improvement > 0.0 {
            Verdict::BBetter
        } else {
            Verdict::ABetter
        }
    }

    /// Whether B (the new settings) is significantly better than A.
    pub fn better(&self) -> bool {
        self.verdict() == Verdict::BBetter
    }

    /// The test behind the verdict.
    pub fn test(&self) -> &TestResult {
        &self.test
    }

    /// The mean difference `b − a`, in the metric's units.
    pub fn mean_difference(&self) -> f64 {
        self.mean_difference
    }

    /// Cohen's `d_z` of the differences, `None` when they do not vary.
    pub fn standardized_difference(&self) -> Option<f64> {
        self.standardized
    }

    /// The confidence interval attached with [`Comparison::interval`].
    pub fn confidence_interval(&self) -> Option<&BootstrapCi> {
        self.interval.as_ref()
    }

    /// The test's p-value.
    pub fn p_value(&self) -> f64 {
        self.test.p_value
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b] = &self.names;
        match self.verdict() {
            Verdict::BBetter => write!(f, "{b} is better than {a}: ")?,
            Verdict::ABetter => write!(f, "{b} is worse than {a}: ")?,
            Verdict::NoSignificantDifference => {
                write!(f, "no significant difference between {a} and {b}: ")?
            }
        }
        let (p, s) = (self.precision, self.scale);
        write!(f, "{:+.p$}", self.mean_difference * s)?;
        if !self.unit.is_empty() {
            write!(f, " {}", self.unit)?;
        }
        write!(f, " {}", self.metric)?;
        let mut details = Vec::new();
        if let Some(d) = self.standardized {
            details.push(format!("d = {d:.2}"));
        }
        if let Some(ci) = &self.interval {
            details.push(format!(
                "{}% CI {:+.p$} to {:+.p$}",
                ci.confidence * 100.0,
                ci.low * s,
                ci.high * s
            ));
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        let kind = self.test.kind;
        let stat = self.test.statistic;
        match kind {
            TestKind::McnemarExact => write!(f, ", {kind} b = {stat}, p = ")?,
            _ => write!(f, ", {kind} {} = {stat:.2}, p = ", kind.statistic_name())?,
        }
        let pv = self.test.p_value;
        if pv < 0.001 {
            write!(f, "{pv:.1e}")
        } else {
            write!(f, "{pv:.3}")
        }
    }
}
