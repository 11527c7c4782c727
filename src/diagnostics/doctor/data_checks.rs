//! Checks on the data: defects of the training data, train/test shift and the test score
//! against validation.

use ndarray::ArrayView2;

use super::finding::{percent, Evidence, Finding, Problem, Severity};
use super::outlier_rule::outlier_mask;
use super::remedies::remedies_for;
use super::settings::DoctorSettings;
use super::shift::{ks_two_sample, population_stability_index};
use super::TestScore;
use crate::data::{constant_columns, duplicate_rows, missing_report, overlapping_rows};
use crate::diagnostics::history::History;
use crate::{Error, Result};

fn finding(problem: Problem, severity: Severity, summary: String, ev: Vec<Evidence>) -> Finding {
    Finding {
        problem,
        severity,
        evidence: ev,
        summary,
        remedies: remedies_for(problem),
    }
}

/// Missing values, outliers, duplicate rows and constant features of `x`.
pub(crate) fn defects(x: &ArrayView2<'_, f64>, s: &DoctorSettings) -> Vec<Finding> {
    let mut out = Vec::new();
    let n = x.nrows();
    if n == 0 {
        return out;
    }
    let missing = missing_report(x);
    let fractions = missing.fraction_per_column();
    if let Some((col, &worst)) = fractions
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
    {
        if worst > s.missing_fraction {
            out.push(finding(
                Problem::MissingValues,
                if worst >= 0.5 {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                format!(
                    "{} values are missing (NaN) in {} of {n} rows; column {col} is {:.1}% missing",
                    missing.total_missing(),
                    missing.rows_with_missing,
                    100.0 * worst
                ),
                vec![
                    Evidence::new("missing values", missing.total_missing() as f64),
                    Evidence::new("rows with missing", missing.rows_with_missing as f64),
                    Evidence::new(format!("column {col} missing fraction"), worst),
                ],
            ));
        }
    }
    out.extend(outliers(x, s));
    let dup = duplicate_rows(x);
    let nd = dup.duplicates().len();
    if nd > 0 && nd as f64 / n as f64 > s.duplicate_fraction {
        out.push(finding(
            Problem::DuplicateRows,
            Severity::Warning,
            format!("{nd} of {n} rows repeat an earlier row"),
            vec![
                Evidence::new("duplicate rows", nd as f64),
                Evidence::new("duplicate fraction", nd as f64 / n as f64),
            ],
        ));
    }
    let constant = constant_columns(x);
    if !constant.is_empty() {
        // Harmless to the fit (scalers leave them at 0, their weights get no gradient), but
        // they carry no information: worth knowing, not a defect.
        out.push(finding(
            Problem::ConstantFeatures,
            Severity::Info,
            format!("constant feature column(s) {constant:?}"),
            constant
                .iter()
                .map(|&j| Evidence::new("constant column", j as f64))
                .collect(),
        ));
    }
    out
}

/// Outliers by the calibrated rule of [`outlier_mask`], reported when more than
/// `outlier_fraction` of the rows hold one.
fn outliers(x: &ArrayView2<'_, f64>, s: &DoctorSettings) -> Option<Finding> {
    let n = x.nrows();
    let mut row_has = vec![false; n];
    let mut ev = Vec::new();
    for (j, col) in x.columns().into_iter().enumerate() {
        let (mask, worst) = outlier_mask(&col.to_vec(), s.outlier_z);
        let count = mask.iter().filter(|&&b| b).count();
        if count == 0 {
            continue;
        }
        row_has.iter_mut().zip(&mask).for_each(|(r, &m)| *r |= m);
        ev.push(Evidence::new(format!("column {j} outliers"), count as f64));
        ev.push(Evidence::new(format!("column {j} largest score"), worst));
    }
    let rows = row_has.iter().filter(|&&b| b).count();
    if rows == 0 || (rows as f64 / n as f64) <= s.outlier_fraction {
        return None;
    }
    ev.splice(
        0..0,
        [
            Evidence::new("rows with an outlier", rows as f64),
            Evidence::new("modified z-score threshold", s.outlier_z),
        ],
    );
    Some(finding(
        Problem::Outliers,
        Severity::Warning,
        format!(
            "{rows} of {n} rows hold a value beyond a modified z-score of {} (on the column's \
             linear and skew-corrected scales)",
            s.outlier_z
        ),
        ev,
    ))
}

/// Class imbalance from the class counts of `labels`.
pub(crate) fn imbalance(labels: &[usize], s: &DoctorSettings) -> Option<Finding> {
    let present = class_counts(labels);
    if present.len() < 2 {
        return None;
    }
    let (minc, min) = *present.iter().min_by_key(|p| p.1)?;
    let (maxc, max) = *present.iter().max_by_key(|p| p.1)?;
    let ratio = min as f64 / max as f64;
    if ratio < s.imbalance_ratio {
        return Some(finding(
            Problem::ClassImbalance,
            Severity::Warning,
            format!(
                "class {minc} has {min} samples against {max} of class {maxc} (1:{:.0})",
                max as f64 / min as f64
            ),
            vec![
                Evidence::new(format!("class {minc} count"), min as f64),
                Evidence::new(format!("class {maxc} count"), max as f64),
                Evidence::new("minority / majority", ratio),
            ],
        ));
    }
    None
}

/// Classes of the test labels that never occur in the training labels: the model cannot
/// predict them, so every such test row is an error whatever the training did.
pub(crate) fn unseen_test_classes(train: &[usize], test: &[usize]) -> Option<Finding> {
    let seen: std::collections::BTreeSet<usize> = train.iter().copied().collect();
    let unseen: Vec<(usize, usize)> = class_counts(test)
        .into_iter()
        .filter(|(class, _)| !seen.contains(class))
        .collect();
    if unseen.is_empty() {
        return None;
    }
    let rows: usize = unseen.iter().map(|u| u.1).sum();
    let classes: Vec<usize> = unseen.iter().map(|u| u.0).collect();
    let mut evidence: Vec<Evidence> = unseen
        .iter()
        .map(|&(c, n)| Evidence::new(format!("class {c} test rows"), n as f64))
        .collect();
    evidence.push(Evidence::new(
        "fraction of the test rows",
        rows as f64 / test.len().max(1) as f64,
    ));
    Some(finding(
        Problem::UnseenTestClass,
        Severity::Warning,
        format!(
            "class(es) {classes:?} appear in {rows} of {} test rows but never in training: the model cannot predict them",
            test.len()
        ),
        evidence,
    ))
}

/// `(class, count)` of every class present in `labels`, by class. Sparse, so any label
/// value (`usize::MAX` included) is counted without a table as long as the largest.
pub(crate) fn class_counts(labels: &[usize]) -> Vec<(usize, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    for &l in labels {
        *counts.entry(l).or_insert(0usize) += 1;
    }
    counts.into_iter().collect()
}

/// Per-feature shift of `test` against `train`: PSI above its threshold and a KS p-value
/// below alpha divided by the number of features (Bonferroni). Columns with no observed value on either side are skipped.
pub(crate) fn shift(
    train: &ArrayView2<'_, f64>,
    test: &ArrayView2<'_, f64>,
    s: &DoctorSettings,
) -> Option<Finding> {
    let mut ev = Vec::new();
    let mut shifted = Vec::new();
    let mut worst = 0.0f64;
    for (j, (a, b)) in train.columns().into_iter().zip(test.columns()).enumerate() {
        let a: Vec<f64> = a.to_vec();
        let b: Vec<f64> = b.to_vec();
        let (Ok(psi), Ok(ks)) = (
            population_stability_index(&a, &b, s.psi_bins, s.psi_epsilon),
            ks_two_sample(&a, &b),
        ) else {
            continue;
        };
        // Bonferroni over the features: the finding is "some feature shifted", and with many
        // features one passes α by chance on any random split.
        if psi > s.psi_threshold && ks.p_value < s.ks_alpha / train.ncols() as f64 {
            shifted.push(j);
            worst = worst.max(psi);
            ev.push(Evidence::new(format!("feature {j} PSI"), psi));
            ev.push(Evidence::new(format!("feature {j} KS D"), ks.statistic));
            ev.push(Evidence::new(format!("feature {j} KS p-value"), ks.p_value));
        }
    }
    if shifted.is_empty() {
        return None;
    }
    Some(finding(
        Problem::DistributionShift,
        if worst > 1.0 { Severity::Critical } else { Severity::Warning },
        format!(
            "feature(s) {shifted:?} are distributed differently in the test data (PSI up to {worst:.2})"
        ),
        ev,
    ))
}

/// Test rows that repeat a training row, reported above `overlap_fraction` of the test rows
/// (critical when half of them or more do).
pub(crate) fn overlap(
    train: &ArrayView2<'_, f64>,
    test: &ArrayView2<'_, f64>,
    s: &DoctorSettings,
) -> Result<Option<Finding>> {
    let shared = overlapping_rows(train, test)?;
    let n = test.nrows();
    let fraction = shared.len() as f64 / n.max(1) as f64;
    if shared.is_empty() || fraction <= s.overlap_fraction {
        return Ok(None);
    }
    Ok(Some(finding(
        Problem::TrainTestOverlap,
        if fraction >= 0.5 {
            Severity::Critical
        } else {
            Severity::Warning
        },
        format!(
            "{} of {n} test rows repeat a training row ({}): the test score overstates the score on new data",
            shared.len(),
            percent(fraction)
        ),
        vec![
            Evidence::new("test rows seen in training", shared.len() as f64),
            Evidence::new("fraction of the test rows", fraction),
            Evidence::new("first such test row", shared[0] as f64),
        ],
    )))
}

/// The test score against the validation value of the same metric (at the best epoch, or
/// the last when the History has no best).
pub(crate) fn generalization(
    h: &History,
    score: &TestScore,
    s: &DoctorSettings,
) -> Result<Option<Finding>> {
    let val_name = if score.metric == "loss" {
        "val_loss".to_string()
    } else {
        format!("val_{}", score.metric)
    };
    let record = h
        .best_epoch()
        .and_then(|e| h.epochs().iter().find(|r| r.epoch == e))
        .or(h.last());
    let Some(val) = record.and_then(|r| r.get(&val_name)) else {
        return Err(Error::value(
            "Doctor::examine (test score)",
            format!(
                "a `{val_name}` value in the History to compare the test {} with",
                score.metric
            ),
            "none recorded",
        ));
    };
    let worse_by = if score.higher_is_better {
        val - score.value
    } else {
        score.value - val
    };
    let relative = worse_by / val.abs().max(f64::MIN_POSITIVE);
    // Beyond two standard errors of the difference, when the caller knows them.
    let noise = score
        .standard_error
        .filter(|se| se.is_finite() && *se >= 0.0)
        .map_or(0.0, |se| 2.0 * se);
    if relative > s.generalization_gap && worse_by > s.generalization_min_gap.max(noise) {
        return Ok(Some(finding(
            Problem::PoorGeneralization,
            Severity::Warning,
            format!(
                "the test {} ({:.4}) is {} worse than on validation ({val:.4})",
                score.metric,
                score.value,
                percent(relative)
            ),
            vec![
                Evidence::new(val_name, val),
                Evidence::new(format!("test {}", score.metric), score.value),
                Evidence::new("relative drop", relative),
            ],
        )));
    }
    Ok(None)
}
