//! Checks on the data: defects of the training data, train/test shift and the test score
//! against validation.

use ndarray::ArrayView2;

use super::finding::{Evidence, Finding, Problem, Severity};
use super::remedies::remedies_for;
use super::settings::DoctorSettings;
use super::shift::{ks_two_sample, population_stability_index};
use super::TestScore;
use crate::data::{
    constant_columns, duplicate_rows, missing_report, OutlierDetector, OutlierMethod,
};
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

/// Columns with more than this many distinct values are checked for outliers; fewer look
/// categorical (a 0/1 column's rare value is not an outlier).
const MIN_DISTINCT_FOR_OUTLIERS: usize = 10;

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
    if let Ok(fitted) = OutlierDetector::new(OutlierMethod::ModifiedZScore {
        threshold: s.outlier_z,
    })
    .and_then(|d| d.fit(x))
    {
        if let Ok(mask) = fitted.mask(x) {
            let mut columns = Vec::new();
            let mut row_has = vec![false; n];
            for (j, col) in x.columns().into_iter().enumerate() {
                let mut distinct: Vec<f64> = col.iter().copied().filter(|v| !v.is_nan()).collect();
                distinct.sort_by(f64::total_cmp);
                distinct.dedup();
                if distinct.len() <= MIN_DISTINCT_FOR_OUTLIERS {
                    continue;
                }
                let mut count = 0;
                for i in 0..n {
                    if mask[[i, j]] {
                        count += 1;
                        row_has[i] = true;
                    }
                }
                if count > 0 {
                    columns.push((j, count));
                }
            }
            let rows = row_has.iter().filter(|&&b| b).count();
            if rows > 0 && rows as f64 / n as f64 > s.outlier_fraction {
                let mut ev = vec![
                    Evidence::new("rows with an outlier", rows as f64),
                    Evidence::new("modified z-score threshold", s.outlier_z),
                ];
                ev.extend(
                    columns
                        .iter()
                        .map(|(j, c)| Evidence::new(format!("column {j} outliers"), *c as f64)),
                );
                out.push(finding(
                    Problem::Outliers,
                    Severity::Warning,
                    format!(
                        "{rows} of {n} rows hold a value beyond a modified z-score of {}",
                        s.outlier_z
                    ),
                    ev,
                ));
            }
        }
    }
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
        out.push(finding(
            Problem::ConstantFeatures,
            Severity::Warning,
            format!("constant feature column(s) {constant:?}"),
            constant
                .iter()
                .map(|&j| Evidence::new("constant column", j as f64))
                .collect(),
        ));
    }
    out
}

/// Class imbalance from the class counts of `labels`.
pub(crate) fn imbalance(labels: &[usize], s: &DoctorSettings) -> Option<Finding> {
    let counts = class_counts(labels);
    let present: Vec<(usize, usize)> = counts
        .iter()
        .copied()
        .enumerate()
        .filter(|&(_, c)| c > 0)
        .collect();
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

pub(crate) fn class_counts(labels: &[usize]) -> Vec<usize> {
    let k = labels.iter().max().map_or(0, |m| m + 1);
    let mut counts = vec![0; k];
    for &l in labels {
        counts[l] += 1;
    }
    counts
}

/// Per-feature shift of `test` against `train`: PSI above its threshold and a KS p-value
/// below alpha. Columns with no observed value on either side are skipped.
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
        if psi > s.psi_threshold && ks.p_value < s.ks_alpha {
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
    if relative > s.generalization_gap {
        return Ok(Some(finding(
            Problem::PoorGeneralization,
            Severity::Warning,
            format!(
                "the test {} ({:.4}) is {:.0}% worse than on validation ({val:.4})",
                score.metric,
                score.value,
                100.0 * relative
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
