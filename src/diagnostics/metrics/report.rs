//! The classification report: per-class and averaged precision, recall and F1.

use std::fmt;

use super::{accuracy_score, precision_recall_f1, precision_recall_fscore_support};
use super::{Average, AveragedScores, ClassScores};
use crate::{Error, Result};

/// Per-class precision, recall, F1 and support with the accuracy and the macro and weighted
/// averages (`sklearn.metrics.classification_report`). [`Display`](fmt::Display) prints
/// scikit-learn's text layout, with 2 digits unless [`with_digits`](Self::with_digits) says
/// otherwise.
///
/// The classes are those of `y_true` and `y_pred` together, sorted; zero divisions count as 0
/// (see [`precision_recall_fscore_support`]).
///
/// ```
/// use tuneup::diagnostics::metrics::classification_report;
/// let report = classification_report(&[0, 1, 2, 2, 2], &[0, 0, 2, 2, 1])?;
/// assert_eq!(report.accuracy(), 0.6);
/// let expected = [
///     "              precision    recall  f1-score   support",
///     "",
///     "           0       0.50      1.00      0.67         1",
///     "           1       0.00      0.00      0.00         1",
///     "           2       1.00      0.67      0.80         3",
///     "",
///     "    accuracy                           0.60         5",
///     "   macro avg       0.50      0.56      0.49         5",
///     "weighted avg       0.70      0.60      0.61         5",
///     "",
/// ];
/// assert_eq!(report.to_string(), expected.join("\n"));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ClassificationReport {
    per_class: ClassScores,
    accuracy: f64,
    macro_avg: AveragedScores,
    weighted_avg: AveragedScores,
    names: Vec<String>,
    digits: usize,
}

/// Builds the [`ClassificationReport`] of `y_pred` against `y_true`.
///
/// Errors: [`Error::Shape`] when the inputs are empty or differ in length.
///
/// ```
/// use tuneup::diagnostics::metrics::classification_report;
/// let r = classification_report(&[0, 1, 1], &[0, 1, 0])?;
/// assert_eq!(r.per_class().recall, vec![1.0, 0.5]);
/// println!("{r}");
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn classification_report(y_true: &[usize], y_pred: &[usize]) -> Result<ClassificationReport> {
    let per_class = precision_recall_fscore_support(y_true, y_pred, None)?;
    Ok(ClassificationReport {
        names: per_class.labels.iter().map(|l| l.to_string()).collect(),
        accuracy: accuracy_score(y_true, y_pred)?,
        macro_avg: precision_recall_f1(y_true, y_pred, Average::Macro)?,
        weighted_avg: precision_recall_f1(y_true, y_pred, Average::Weighted)?,
        per_class,
        digits: 2,
    })
}

impl ClassificationReport {
    /// The per-class scores, one entry per class in sorted class order.
    ///
    /// ```
    /// use tuneup::diagnostics::metrics::classification_report;
    /// let r = classification_report(&[0, 1, 1], &[0, 1, 1])?;
    /// assert_eq!(r.per_class().support, vec![1, 2]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn per_class(&self) -> &ClassScores {
        &self.per_class
    }

    /// The fraction of correct predictions (the "accuracy" line, which is also every micro
    /// average).
    ///
    /// ```
    /// use tuneup::diagnostics::metrics::classification_report;
    /// assert_eq!(classification_report(&[0, 1], &[0, 0])?.accuracy(), 0.5);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn accuracy(&self) -> f64 {
        self.accuracy
    }

    /// The unweighted means over classes (the "macro avg" line).
    ///
    /// ```
    /// use tuneup::diagnostics::metrics::classification_report;
    /// let r = classification_report(&[0, 1, 1], &[0, 1, 0])?;
    /// assert_eq!(r.macro_avg().recall, 0.75);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn macro_avg(&self) -> AveragedScores {
        self.macro_avg
    }

    /// The means weighted by class support (the "weighted avg" line).
    ///
    /// ```
    /// use tuneup::diagnostics::metrics::classification_report;
    /// let r = classification_report(&[0, 1, 1], &[0, 1, 0])?;
    /// assert!((r.weighted_avg().recall - 2.0 / 3.0).abs() < 1e-15);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn weighted_avg(&self) -> AveragedScores {
        self.weighted_avg
    }

    /// The number of samples.
    ///
    /// ```
    /// use tuneup::diagnostics::metrics::classification_report;
    /// assert_eq!(classification_report(&[0, 1, 1], &[0, 1, 0])?.total_support(), 3);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn total_support(&self) -> usize {
        self.per_class.support.iter().sum()
    }

    /// Prints scores with `digits` digits after the decimal point (scikit-learn's `digits`).
    ///
    /// ```
    /// use tuneup::diagnostics::metrics::classification_report;
    /// let r = classification_report(&[0, 1, 1], &[0, 1, 0])?.with_digits(3);
    /// assert!(r.to_string().contains("0.500"));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_digits(mut self, digits: usize) -> Self {
        self.digits = digits;
        self
    }

    /// Prints these names instead of the class numbers (scikit-learn's `target_names`), one
    /// per class in sorted class order.
    ///
    /// Errors: [`Error::Shape`] when the number of names differs from the number of classes.
    ///
    /// ```
    /// use tuneup::diagnostics::metrics::classification_report;
    /// let r = classification_report(&[0, 1], &[0, 1])?.with_target_names(&["cat", "dog"])?;
    /// assert!(r.to_string().contains("         dog       1.00"));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn with_target_names(mut self, names: &[&str]) -> Result<Self> {
        if names.len() != self.per_class.labels.len() {
            return Err(Error::shape(
                "ClassificationReport::with_target_names",
                format!(
                    "{} names, one per class {:?}",
                    self.per_class.labels.len(),
                    self.per_class.labels
                ),
                format!("{} names", names.len()),
            ));
        }
        self.names = names.iter().map(|n| n.to_string()).collect();
        Ok(self)
    }
}

impl fmt::Display for ClassificationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.digits;
        let longest = self.names.iter().map(|n| n.chars().count()).max();
        let w = longest.unwrap_or(0).max("weighted avg".len()).max(d);
        write!(f, "{:>w$} ", "")?;
        for h in ["precision", "recall", "f1-score", "support"] {
            write!(f, " {h:>9}")?;
        }
        writeln!(f, "\n")?;
        let s = &self.per_class;
        for (i, name) in self.names.iter().enumerate() {
            writeln!(
                f,
                "{name:>w$}  {:>9.d$} {:>9.d$} {:>9.d$} {:>9}",
                s.precision[i], s.recall[i], s.f1[i], s.support[i]
            )?;
        }
        writeln!(f)?;
        let n = self.total_support();
        writeln!(
            f,
            "{:>w$}  {:>9} {:>9} {:>9.d$} {n:>9}",
            "accuracy", "", "", self.accuracy
        )?;
        for (name, a) in [
            ("macro avg", self.macro_avg),
            ("weighted avg", self.weighted_avg),
        ] {
            writeln!(
                f,
                "{name:>w$}  {:>9.d$} {:>9.d$} {:>9.d$} {n:>9}",
                a.precision, a.recall, a.f1
            )?;
        }
        Ok(())
    }
}
