//! Precision, recall and F1, per class or averaged.
//!
//! Zero division follows scikit-learn's default (`zero_division="warn"`) without the warning:
//! a ratio whose denominator is zero (precision of a class never predicted, recall of a class
//! absent from `y_true`) counts as 0.

use std::collections::HashMap;

use super::check::{same_len, unique_labels};
use super::Average;
use crate::{Error, Result};

/// Per-class precision, recall, F1 and support
/// (`sklearn.metrics.precision_recall_fscore_support` with `average=None`).
///
/// Entry `i` of every vector belongs to the class `labels[i]`.
///
/// ```
/// use tuneup::diagnostics::metrics::precision_recall_fscore_support;
/// let s = precision_recall_fscore_support(&[0, 1, 1], &[0, 1, 0], None)?;
/// assert_eq!(s.labels, vec![0, 1]);
/// assert_eq!(s.precision, vec![0.5, 1.0]);
/// assert_eq!(s.recall, vec![1.0, 0.5]);
/// assert_eq!(s.support, vec![1, 2]);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ClassScores {
    /// The classes, in the order of the other vectors.
    pub labels: Vec<usize>,
    /// `tp / (tp + fp)` for each class; 0 for a class never predicted.
    pub precision: Vec<f64>,
    /// `tp / (tp + fn)` for each class; 0 for a class absent from `y_true`.
    pub recall: Vec<f64>,
    /// `2 tp / (2 tp + fp + fn)` for each class, the harmonic mean of precision and recall;
    /// 0 when the denominator is 0.
    pub f1: Vec<f64>,
    /// How many samples of `y_true` belong to each class.
    pub support: Vec<usize>,
}

/// One averaged precision, recall and F1, as [`precision_recall_f1`] returns.
///
/// ```
/// use tuneup::diagnostics::metrics::{precision_recall_f1, Average};
/// let s = precision_recall_f1(&[0, 1, 2], &[0, 1, 1], Average::Micro)?;
/// assert_eq!((s.precision, s.recall), (2.0 / 3.0, 2.0 / 3.0));
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AveragedScores {
    /// Averaged precision.
    pub precision: f64,
    /// Averaged recall.
    pub recall: f64,
    /// Averaged F1 (for macro and weighted averages, the average of the per-class F1 scores,
    /// not the F1 of the averaged precision and recall).
    pub f1: f64,
}

/// Per-label counts: true positives, predicted count, true count.
struct Counts {
    tp: Vec<u64>,
    pred: Vec<u64>,
    truth: Vec<u64>,
}

fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

fn count(y_true: &[usize], y_pred: &[usize], labels: &[usize]) -> Counts {
    let index: HashMap<usize, usize> = labels.iter().enumerate().map(|(i, &l)| (l, i)).collect();
    let k = labels.len();
    let mut c = Counts {
        tp: vec![0; k],
        pred: vec![0; k],
        truth: vec![0; k],
    };
    for (t, p) in y_true.iter().zip(y_pred) {
        let ti = index.get(t).copied();
        let pi = index.get(p).copied();
        if let Some(i) = ti {
            c.truth[i] += 1;
        }
        if let Some(j) = pi {
            c.pred[j] += 1;
            if t == p {
                c.tp[j] += 1;
            }
        }
    }
    c
}

fn check_labels(metric: &str, labels: &[usize]) -> Result<()> {
    if labels.is_empty() {
        return Err(Error::value(
            metric,
            "at least one label in labels",
            "an empty list",
        ));
    }
    let mut sorted = labels.to_vec();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::value(
            metric,
            "distinct labels",
            format!("label {} given twice", w[0]),
        ));
    }
    Ok(())
}

fn scores_from(c: &Counts, labels: &[usize]) -> ClassScores {
    let mut s = ClassScores {
        labels: labels.to_vec(),
        precision: Vec::with_capacity(labels.len()),
        recall: Vec::with_capacity(labels.len()),
        f1: Vec::with_capacity(labels.len()),
        support: Vec::with_capacity(labels.len()),
    };
    for i in 0..labels.len() {
        let (tp, pred, truth) = (c.tp[i] as f64, c.pred[i] as f64, c.truth[i] as f64);
        s.precision.push(ratio(tp, pred));
        s.recall.push(ratio(tp, truth));
        s.f1.push(ratio(2.0 * tp, truth + pred));
        s.support.push(c.truth[i] as usize);
    }
    s
}

/// Per-class precision, recall, F1 and support
/// (`sklearn.metrics.precision_recall_fscore_support(average=None)`).
///
/// `labels` chooses the classes and their order; by default they are the classes of `y_true`
/// and `y_pred` together, sorted. A given label that never occurs scores 0 with support 0.
///
/// Errors: [`Error::Shape`] when the inputs are empty or differ in length; [`Error::Value`]
/// when `labels` is empty or repeats a label.
///
/// ```
/// use tuneup::diagnostics::metrics::precision_recall_fscore_support;
/// // Class 2 is never predicted: its precision is 0 (zero division), not an error.
/// let s = precision_recall_fscore_support(&[0, 1, 2], &[0, 1, 1], Some(&[2, 0]))?;
/// assert_eq!(s.precision, vec![0.0, 1.0]);
/// assert_eq!(s.support, vec![1, 1]);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn precision_recall_fscore_support(
    y_true: &[usize],
    y_pred: &[usize],
    labels: Option<&[usize]>,
) -> Result<ClassScores> {
    let metric = "precision_recall_fscore_support";
    same_len(metric, y_true.len(), y_pred.len(), "y_pred")?;
    let labels = match labels {
        Some(l) => {
            check_labels(metric, l)?;
            l.to_vec()
        }
        None => unique_labels(&[y_true, y_pred]),
    };
    Ok(scores_from(&count(y_true, y_pred, &labels), &labels))
}

/// Precision, recall and F1 combined by `average` (scikit-learn's
/// `precision_recall_fscore_support` with that `average`).
///
/// Errors: [`Error::Shape`] when the inputs are empty or differ in length; [`Error::Value`]
/// for [`Average::Binary`] when the targets hold more than two classes, or two classes of
/// which none is `pos_label`.
///
/// ```
/// use tuneup::diagnostics::metrics::{precision_recall_f1, Average};
/// let s = precision_recall_f1(&[0, 0, 1, 1], &[0, 1, 1, 1], Average::Binary { pos_label: 1 })?;
/// assert_eq!((s.precision, s.recall, s.f1), (2.0 / 3.0, 1.0, 0.8));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn precision_recall_f1(
    y_true: &[usize],
    y_pred: &[usize],
    average: Average,
) -> Result<AveragedScores> {
    averaged("precision_recall_f1", y_true, y_pred, average)
}

fn averaged(
    metric: &str,
    y_true: &[usize],
    y_pred: &[usize],
    average: Average,
) -> Result<AveragedScores> {
    same_len(metric, y_true.len(), y_pred.len(), "y_pred")?;
    let present = unique_labels(&[y_true, y_pred]);
    let labels = match average {
        Average::Binary { pos_label } => {
            if present.len() > 2 {
                return Err(Error::value(
                    metric,
                    "at most two classes with Average::Binary (use Micro, Macro or Weighted \
                     for multi-class targets)",
                    format!("{} classes {:?}", present.len(), present),
                ));
            }
            if present.len() == 2 && !present.contains(&pos_label) {
                return Err(Error::value(
                    metric,
                    format!("pos_label one of the classes {present:?}"),
                    format!("pos_label = {pos_label}"),
                ));
            }
            vec![pos_label]
        }
        _ => present,
    };
    let c = count(y_true, y_pred, &labels);
    let s = scores_from(&c, &labels);
    Ok(match average {
        Average::Binary { .. } => AveragedScores {
            precision: s.precision[0],
            recall: s.recall[0],
            f1: s.f1[0],
        },
        Average::Micro => {
            let tp = c.tp.iter().sum::<u64>() as f64;
            let pred = c.pred.iter().sum::<u64>() as f64;
            let truth = c.truth.iter().sum::<u64>() as f64;
            AveragedScores {
                precision: ratio(tp, pred),
                recall: ratio(tp, truth),
                f1: ratio(2.0 * tp, truth + pred),
            }
        }
        Average::Macro => {
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            AveragedScores {
                precision: mean(&s.precision),
                recall: mean(&s.recall),
                f1: mean(&s.f1),
            }
        }
        Average::Weighted => {
            let total = s.support.iter().sum::<usize>() as f64;
            let weighted = |v: &[f64]| {
                let num: f64 = v.iter().zip(&s.support).map(|(x, &w)| x * w as f64).sum();
                ratio(num, total)
            };
            AveragedScores {
                precision: weighted(&s.precision),
                recall: weighted(&s.recall),
                f1: weighted(&s.f1),
            }
        }
    })
}

/// Precision `tp / (tp + fp)`: of the samples predicted as a class, the fraction that belong
/// to it (`sklearn.metrics.precision_score`). A class never predicted has precision 0.
///
/// Errors as [`precision_recall_f1`].
///
/// ```
/// use tuneup::diagnostics::metrics::{precision_score, Average};
/// assert_eq!(precision_score(&[0, 1, 1, 0], &[1, 1, 1, 0], Average::Binary { pos_label: 1 })?, 2.0 / 3.0);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn precision_score(y_true: &[usize], y_pred: &[usize], average: Average) -> Result<f64> {
    Ok(averaged("precision_score", y_true, y_pred, average)?.precision)
}

/// Recall `tp / (tp + fn)`: of the samples of a class, the fraction predicted as it
/// (`sklearn.metrics.recall_score`). A class absent from `y_true` has recall 0.
///
/// Errors as [`precision_recall_f1`].
///
/// ```
/// use tuneup::diagnostics::metrics::{recall_score, Average};
/// assert_eq!(recall_score(&[0, 1, 1, 0], &[1, 1, 0, 0], Average::Binary { pos_label: 1 })?, 0.5);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn recall_score(y_true: &[usize], y_pred: &[usize], average: Average) -> Result<f64> {
    Ok(averaged("recall_score", y_true, y_pred, average)?.recall)
}

/// F1 `2 tp / (2 tp + fp + fn)`, the harmonic mean of precision and recall
/// (`sklearn.metrics.f1_score`); 0 when a class is neither present nor predicted.
///
/// Errors as [`precision_recall_f1`].
///
/// ```
/// use tuneup::diagnostics::metrics::{f1_score, Average};
/// assert_eq!(f1_score(&[0, 1, 1, 0], &[1, 1, 0, 0], Average::Binary { pos_label: 1 })?, 0.5);
/// assert_eq!(f1_score(&[0, 1, 2, 2], &[0, 1, 2, 1], Average::Micro)?, 0.75);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn f1_score(y_true: &[usize], y_pred: &[usize], average: Average) -> Result<f64> {
    Ok(averaged("f1_score", y_true, y_pred, average)?.f1)
}
