//! Room for what a resampler will make, reserved (or refused) before any sample is drawn: a
//! request for 10¹² rows is a typed error, never an overflow panic, an allocation abort or an
//! hour-long loop.

use std::collections::BTreeMap;

use crate::{Error, Result};

/// The new rows `targets` asks for in total, with checked arithmetic.
pub(crate) fn total_new_rows(context: &str, targets: &BTreeMap<usize, usize>) -> Result<usize> {
    targets
        .values()
        .try_fold(0usize, |n, &k| n.checked_add(k))
        .ok_or_else(|| {
            too_large(
                context,
                "a number of new rows that fits in memory",
                "more than usize::MAX".into(),
            )
        })
}

/// Reserves room for `rows × cols` more values in `v`, or an [`Error::Value`] saying how many
/// were asked for when the size overflows or the memory cannot be had; `v` is unchanged then.
pub(crate) fn reserve_values<T>(
    context: &str,
    v: &mut Vec<T>,
    rows: usize,
    cols: usize,
) -> Result<()> {
    let found = || format!("{rows} new rows × {cols} columns");
    let n = rows
        .checked_mul(cols)
        .ok_or_else(|| too_large(context, "a result that fits in memory", found()))?;
    v.try_reserve_exact(n)
        .map_err(|_| too_large(context, "a result that fits in memory", found()))
}

fn too_large(context: &str, expected: &str, found: String) -> Error {
    Error::value(
        format!("{context} (sampling_strategy)"),
        expected,
        format!("{found}; ask for fewer samples"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_requests_are_errors_and_leave_the_vector_alone() {
        let mut v: Vec<f64> = vec![1.0];
        assert!(reserve_values("SMOTE", &mut v, usize::MAX / 2, 3).is_err());
        assert!(reserve_values("SMOTE", &mut v, 1_000_000_000_000, 20).is_err());
        assert_eq!(v, [1.0]);
        assert!(reserve_values("SMOTE", &mut v, 10, 3).is_ok());
        assert!(v.capacity() >= 31);
        let huge: BTreeMap<usize, usize> = [(0, usize::MAX), (1, 1)].into();
        assert!(total_new_rows("SMOTE", &huge).is_err());
    }
}
