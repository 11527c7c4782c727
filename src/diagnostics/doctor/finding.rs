//! What the doctor reports: problems, their severity, the numbers behind them and remedies.

use std::fmt;

/// A problem the doctor can name.
///
/// ```
/// use tuneup::diagnostics::doctor::Problem;
/// assert_eq!(Problem::Overfitting.to_string(), "overfitting");
/// assert_eq!(Problem::DistributionShift.to_string(), "train/test distribution shift");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Problem {
    /// Validation loss rises past its minimum while training loss falls, or a wide
    /// train/validation gap.
    Overfitting,
    /// Training loss stays close to the best constant predictor's (or accuracy close to the
    /// majority-class rate).
    Underfitting,
    /// The loss stopped improving far from its floor (a plateau or poor local minimum).
    Plateau,
    /// Non-finite or exploding loss.
    Divergence,
    /// The loss goes up and down from epoch to epoch: the learning rate is too high.
    Oscillation,
    /// Gradients of the early layers are orders of magnitude smaller than of the late ones.
    VanishingGradients,
    /// Gradients grow very large, or grow by orders of magnitude towards the input.
    ExplodingGradients,
    /// Many ReLU units output 0 for every sample.
    DeadUnits,
    /// Many sigmoid / tanh units are stuck in their flat tails.
    SaturatedUnits,
    /// Weights whose gradient is exactly zero: no step can move them (a dead or saturated
    /// layer downstream, or a loss that gives no gradient).
    NoLearningSignal,
    /// The test score is well below the validation score.
    PoorGeneralization,
    /// Features are distributed differently in the test data than in the training data.
    DistributionShift,
    /// The training data has missing (NaN) values.
    MissingValues,
    /// The training data has extreme values.
    Outliers,
    /// One class is much rarer than another.
    ClassImbalance,
    /// The training data repeats rows.
    DuplicateRows,
    /// Test rows that repeat training rows: the test score is partly a training score.
    TrainTestOverlap,
    /// A class that appears in the test labels but never in the training labels.
    UnseenTestClass,
    /// A feature never changes.
    ConstantFeatures,
    /// The output layer's activation cannot reach the targets (a sigmoid output on targets
    /// outside [0, 1], a ReLU output on negative targets); found before training.
    OutputRange,
    /// The loss expects another kind of output than the model gives (a logits loss after a
    /// sigmoid or softmax, a probability loss on an unbounded output, a softmax over one unit).
    LossOutputMismatch,
    /// The loss does not fit the targets (a regression loss on class labels, a classification
    /// loss on continuous targets, multi-label targets with a softmax cross-entropy).
    TaskMismatch,
    /// Features or targets on scales that make the first steps blow up or saturate.
    DataScale,
    /// Values so large that `f32` loses the differences between them.
    PrecisionLoss,
    /// Hidden units that start with identical weights (a constant initialisation): they get
    /// identical gradients and stay identical; found before training.
    SymmetricWeights,
    /// Some labels are wrong: confident learning on out-of-sample predicted probabilities
    /// ([`ConfidentLearning`](crate::data::ConfidentLearning)) flags more rows than the
    /// threshold.
    LabelNoise,
    /// A feature that is the target in disguise (almost perfectly correlated with it): the
    /// score it gives will not survive data where the target is unknown.
    TargetLeakage,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Problem::Overfitting => "overfitting",
            Problem::Underfitting => "underfitting",
            Problem::Plateau => "plateau / local minimum",
            Problem::Divergence => "divergence",
            Problem::Oscillation => "oscillating loss",
            Problem::VanishingGradients => "vanishing gradients",
            Problem::ExplodingGradients => "exploding gradients",
            Problem::DeadUnits => "dead ReLU units",
            Problem::SaturatedUnits => "saturated sigmoid/tanh units",
            Problem::NoLearningSignal => "no learning signal",
            Problem::PoorGeneralization => "poor generalisation",
            Problem::DistributionShift => "train/test distribution shift",
            Problem::MissingValues => "missing values",
            Problem::Outliers => "outliers",
            Problem::ClassImbalance => "class imbalance",
            Problem::DuplicateRows => "duplicate rows",
            Problem::TrainTestOverlap => "test rows repeat training rows",
            Problem::UnseenTestClass => "a class appears only in the test data",
            Problem::ConstantFeatures => "constant features",
            Problem::OutputRange => "output activation cannot reach the targets",
            Problem::LossOutputMismatch => "loss and output do not match",
            Problem::TaskMismatch => "loss does not fit the targets",
            Problem::DataScale => "data on extreme scales",
            Problem::PrecisionLoss => "precision lost in f32",
            Problem::SymmetricWeights => "hidden units start identical (symmetric initialisation)",
            Problem::LabelNoise => "label noise",
            Problem::TargetLeakage => "target leaked into the features",
        };
        f.write_str(s)
    }
}

/// How much a finding matters, from least to most.
///
/// ```
/// use tuneup::diagnostics::doctor::Severity;
/// assert!(Severity::Critical > Severity::Warning);
/// assert_eq!(Severity::Info.to_string(), "info");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; training may still be fine.
    Info,
    /// Likely costs accuracy; act on it.
    Warning,
    /// The run is broken (diverged, or results cannot be trusted).
    Critical,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        })
    }
}

/// A named number behind a finding (an epoch, a loss, a ratio).
///
/// ```
/// use tuneup::diagnostics::doctor::Evidence;
/// let e = Evidence::new("best val_loss epoch", 7.0);
/// assert_eq!(e.to_string(), "best val_loss epoch = 7");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// What the number is.
    pub name: String,
    /// The number.
    pub value: f64,
}

impl Evidence {
    /// A named number.
    ///
    /// ```
    /// assert_eq!(tuneup::diagnostics::doctor::Evidence::new("ratio", 0.5).value, 0.5);
    /// ```
    pub fn new(name: impl Into<String>, value: f64) -> Self {
        Evidence {
            name: name.into(),
            value,
        }
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.value;
        if v.is_finite() && v == v.trunc() && v.abs() < 1e9 {
            write!(f, "{} = {}", self.name, v as i64)
        } else if v.is_finite() && (v.abs() >= 1e4 || v.abs() < 1e-3) && v != 0.0 {
            write!(f, "{} = {:.3e}", self.name, v)
        } else {
            write!(f, "{} = {:.4}", self.name, v)
        }
    }
}

/// A remedy: the crate's own API to reach for, and why it helps.
///
/// ```
/// use tuneup::diagnostics::doctor::Remedy;
/// let r = Remedy::new("L2::new(1e-4)", "penalises large weights");
/// assert_eq!(r.to_string(), "L2::new(1e-4) — penalises large weights");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Remedy {
    /// The API to use, written as code.
    pub action: String,
    /// Why it helps.
    pub why: String,
}

impl Remedy {
    /// A remedy.
    ///
    /// ```
    /// let r = tuneup::diagnostics::doctor::Remedy::new("Dropout::new(0.2, seed)", "noise against co-adaptation");
    /// assert!(r.action.starts_with("Dropout"));
    /// ```
    pub fn new(action: impl Into<String>, why: impl Into<String>) -> Self {
        Remedy {
            action: action.into(),
            why: why.into(),
        }
    }
}

impl fmt::Display for Remedy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} — {}", self.action, self.why)
    }
}

/// One problem found, with the numbers that show it and what to do.
///
/// ```
/// use tuneup::diagnostics::doctor::{Evidence, Finding, Problem, Remedy, Severity};
/// let f = Finding {
///     problem: Problem::ClassImbalance,
///     severity: Severity::Warning,
///     evidence: vec![Evidence::new("minority / majority", 0.05)],
///     summary: "class 1 is 20 times rarer than class 0".into(),
///     remedies: vec![Remedy::new("Smote::new(5, seed)", "synthesises minority samples")],
/// };
/// assert!(f.to_string().contains("[warning] class imbalance"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Which problem.
    pub problem: Problem,
    /// How much it matters.
    pub severity: Severity,
    /// The numbers behind it.
    pub evidence: Vec<Evidence>,
    /// One sentence a person reads.
    pub summary: String,
    /// What to do, most useful first.
    pub remedies: Vec<Remedy>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "[{}] {}: {}", self.severity, self.problem, self.summary)?;
        if !self.evidence.is_empty() {
            let ev: Vec<String> = self.evidence.iter().map(|e| e.to_string()).collect();
            writeln!(f, "    evidence: {}", ev.join(", "))?;
        }
        for r in &self.remedies {
            writeln!(f, "    remedy:   {r}")?;
        }
        Ok(())
    }
}

/// The doctor's answer: every finding, most severe first. Empty for a healthy run.
///
/// ```
/// use tuneup::diagnostics::doctor::Diagnosis;
/// let d = Diagnosis::default();
/// assert!(d.is_healthy());
/// assert_eq!(d.to_string(), "no problems found\n");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Diagnosis {
    /// The findings, most severe first (ties in the order the checks ran).
    pub findings: Vec<Finding>,
}

impl Diagnosis {
    /// True when nothing was found.
    ///
    /// ```
    /// assert!(tuneup::diagnostics::doctor::Diagnosis::default().is_healthy());
    /// ```
    pub fn is_healthy(&self) -> bool {
        self.findings.is_empty()
    }

    /// True when `problem` was found.
    ///
    /// ```
    /// use tuneup::diagnostics::doctor::{Diagnosis, Problem};
    /// assert!(!Diagnosis::default().has(Problem::Plateau));
    /// ```
    pub fn has(&self, problem: Problem) -> bool {
        self.findings.iter().any(|f| f.problem == problem)
    }

    /// The finding for `problem`, if any.
    ///
    /// ```
    /// use tuneup::diagnostics::doctor::{Diagnosis, Problem};
    /// assert!(Diagnosis::default().get(Problem::Divergence).is_none());
    /// ```
    pub fn get(&self, problem: Problem) -> Option<&Finding> {
        self.findings.iter().find(|f| f.problem == problem)
    }

    /// The problems found, in report order.
    ///
    /// ```
    /// assert!(tuneup::diagnostics::doctor::Diagnosis::default().problems().is_empty());
    /// ```
    pub fn problems(&self) -> Vec<Problem> {
        self.findings.iter().map(|f| f.problem).collect()
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.findings.is_empty() {
            return writeln!(f, "no problems found");
        }
        let n = self.findings.len();
        writeln!(f, "{n} problem{} found:", if n == 1 { "" } else { "s" })?;
        for finding in &self.findings {
            write!(f, "{finding}")?;
        }
        Ok(())
    }
}

/// A ratio for a summary: `4.5×`, or `5.0e16×` once plain digits would run long.
pub(crate) fn times(ratio: f64) -> String {
    if ratio.abs() < 1e4 {
        format!("{ratio:.1}×")
    } else {
        format!("{ratio:.1e}×")
    }
}

/// A fraction as a percentage for a summary: `45%`, or `5.0e16%` once plain digits would run
/// long.
pub(crate) fn percent(fraction: f64) -> String {
    let p = 100.0 * fraction;
    if p.abs() < 1e5 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1e}%")
    }
}

#[cfg(test)]
mod number_tests {
    #[test]
    fn huge_numbers_print_in_scientific_notation() {
        assert_eq!(super::times(4.5), "4.5×");
        assert_eq!(super::times(49808423470161968.0), "5.0e16×");
        assert_eq!(super::percent(0.449), "45%");
        assert_eq!(super::percent(4.98e14), "5.0e16%");
    }
}
