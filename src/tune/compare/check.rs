//! Input checks shared by the paired tests: finite scores, matching lengths, enough folds.

use crate::{Error, Result};

/// Fails unless every value is finite.
pub(crate) fn finite(values: &[f64], context: &str, what: &str) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(Error::non_finite(
            context,
            format!("{what}[{i}] = {}", values[i]),
        )),
        None => Ok(()),
    }
}

/// Fails unless there are at least `min` entries.
pub(crate) fn at_least(n: usize, min: usize, context: &str, what: &str) -> Result<()> {
    if n < min {
        return Err(Error::value(
            context,
            format!("at least {min} {what}"),
            format!("{n} {what}"),
        ));
    }
    Ok(())
}

/// Fails unless both lengths agree.
pub(crate) fn same_len(a: usize, b: usize, context: &str, what: &str) -> Result<()> {
    if a != b {
        return Err(Error::shape(
            context,
            format!("{what} of the same length ({a})"),
            format!("{b}"),
        ));
    }
    Ok(())
}

/// The per-fold differences `a − b` of two `r × 2` score matrices, checked.
pub(crate) fn five_by_two_differences(
    a: &[[f64; 2]],
    b: &[[f64; 2]],
    context: &str,
) -> Result<Vec<[f64; 2]>> {
    same_len(a.len(), b.len(), context, "score matrices (repetitions)")?;
    at_least(a.len(), 2, context, "repetitions")?;
    finite(a.as_flattened(), context, "scores_a")?;
    finite(b.as_flattened(), context, "scores_b")?;
    let diffs: Vec<[f64; 2]> = a
        .iter()
        .zip(b)
        .map(|(x, y)| [x[0] - y[0], x[1] - y[1]])
        .collect();
    finite(diffs.as_flattened(), context, "score differences")?;
    Ok(diffs)
}
