//! Input checks shared by the metrics: every metric names itself in its errors.

use crate::{Error, Float, Result};

/// Fails with [`Error::Shape`] when `n` is zero.
pub(crate) fn non_empty(metric: &str, what: &str, n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::shape(
            metric,
            format!("at least one sample in {what}"),
            "an empty input",
        ));
    }
    Ok(())
}

/// Fails with [`Error::Shape`] when the two lengths differ or are zero.
pub(crate) fn same_len(metric: &str, n_true: usize, n_other: usize, other: &str) -> Result<()> {
    non_empty(metric, "y_true", n_true)?;
    if n_true != n_other {
        return Err(Error::shape(
            metric,
            format!("{other} with {n_true} entries (one per entry of y_true)"),
            format!("{n_other} entries"),
        ));
    }
    Ok(())
}

/// Converts to `f64`, failing with [`Error::NonFinite`] at the first NaN or infinity.
pub(crate) fn finite<F: Float>(metric: &str, what: &str, values: &[F]) -> Result<Vec<f64>> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = v.as_f64();
            if x.is_finite() {
                Ok(x)
            } else {
                Err(Error::non_finite(metric, format!("{what}[{i}] = {x}")))
            }
        })
        .collect()
}

/// Fails with [`Error::Value`] at the first value outside `[0, 1]`.
pub(crate) fn probabilities(metric: &str, what: &str, values: &[f64]) -> Result<()> {
    if let Some((i, p)) = values
        .iter()
        .enumerate()
        .find(|(_, p)| !(0.0..=1.0).contains(*p))
    {
        return Err(Error::value(
            metric,
            format!("probabilities in [0, 1] in {what}"),
            format!("{p} at index {i}"),
        ));
    }
    Ok(())
}

/// Fails with [`Error::Value`] at the first label that is not 0 or 1.
pub(crate) fn binary_labels(metric: &str, y_true: &[usize]) -> Result<()> {
    if let Some((i, y)) = y_true.iter().enumerate().find(|(_, y)| **y > 1) {
        return Err(Error::value(
            metric,
            "binary labels 0 (negative) or 1 (positive) in y_true",
            format!("{y} at index {i}"),
        ));
    }
    Ok(())
}

/// The sorted distinct values of the given label slices (scikit-learn's `unique_labels`).
pub(crate) fn unique_labels(slices: &[&[usize]]) -> Vec<usize> {
    let mut all: Vec<usize> = slices.iter().flat_map(|s| s.iter().copied()).collect();
    all.sort_unstable();
    all.dedup();
    all
}
