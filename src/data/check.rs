//! Input checks shared by the data transformers.

use ndarray::ArrayView2;

use crate::{Error, Float, Result};

/// Whether NaN (a missing value) may appear in the checked data.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nan {
    Allowed,
    Rejected,
}

/// Checks data given to `fit`: at least one row and one column, no infinities, and no NaN
/// unless `nan` allows it.
pub(crate) fn check_fit<F: Float>(context: &str, x: &ArrayView2<'_, F>, nan: Nan) -> Result<()> {
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::shape(
            format!("{context}.fit"),
            "at least one row and one column",
            format!("{}×{} data", x.nrows(), x.ncols()),
        ));
    }
    check_values(&format!("{context}.fit"), x, nan)
}

/// Checks data given to `transform` / `inverse_transform`: `expected` columns, no infinities,
/// and no NaN unless `nan` allows it. Zero rows are accepted.
pub(crate) fn check_transform<F: Float>(
    context: &str,
    x: &ArrayView2<'_, F>,
    expected: usize,
    nan: Nan,
) -> Result<()> {
    if x.ncols() != expected {
        return Err(Error::shape(
            context,
            format!("{expected} columns (the width seen by fit)"),
            format!("{} columns", x.ncols()),
        ));
    }
    check_values(context, x, nan)
}

fn check_values<F: Float>(context: &str, x: &ArrayView2<'_, F>, nan: Nan) -> Result<()> {
    for ((r, c), &v) in x.indexed_iter() {
        if v.is_infinite() || (nan == Nan::Rejected && v.is_nan()) {
            let hint = if v.is_nan() {
                "NaN (missing) values are not allowed here; impute them first"
            } else {
                "infinite values are not allowed; replace them or mark them missing with NaN"
            };
            return Err(Error::non_finite(
                context,
                format!("value[{r}, {c}] = {v}: {hint}"),
            ));
        }
    }
    Ok(())
}

/// Checks that a setting is finite (not NaN or infinite).
pub(crate) fn check_finite_setting(parameter: &str, value: f64) -> Result<()> {
    if !value.is_finite() {
        return Err(Error::config(parameter, value, "a finite number"));
    }
    Ok(())
}
