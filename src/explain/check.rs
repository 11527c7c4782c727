//! Input checks shared by the explainers: widths, finiteness, empty batches.

use ndarray::ArrayView2;

use crate::{Error, Float, Result};

/// Fails unless `x` has at least one row.
pub(crate) fn non_empty<F: Float>(context: &str, what: &str, x: ArrayView2<'_, F>) -> Result<()> {
    if x.nrows() == 0 {
        return Err(Error::value(
            context,
            format!("{what} with at least one row"),
            "0 rows",
        ));
    }
    Ok(())
}

/// Fails on the first NaN or infinity in `x`, naming its position.
pub(crate) fn finite<F: Float>(context: &str, what: &str, x: ArrayView2<'_, F>) -> Result<()> {
    match x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some(((r, c), v)) => Err(Error::non_finite(
            context,
            format!("{what}[{r}, {c}] = {v}"),
        )),
    }
}

/// Fails unless `x` has `width` columns.
pub(crate) fn width<F: Float>(
    context: &str,
    what: &str,
    x: ArrayView2<'_, F>,
    width: usize,
) -> Result<()> {
    if x.ncols() != width {
        return Err(Error::shape(
            context,
            format!("{what} with {width} columns"),
            format!("{} × {}", x.nrows(), x.ncols()),
        ));
    }
    Ok(())
}

/// `a · b` for sizes, or a value error instead of an overflow.
pub(crate) fn product(context: &str, a: usize, b: usize) -> Result<usize> {
    a.checked_mul(b)
        .ok_or_else(|| Error::value(context, "a batch that fits in memory", format!("{a} × {b}")))
}

/// The explained rows: non-empty and finite.
pub(crate) fn rows<F: Float>(context: &str, x: ArrayView2<'_, F>) -> Result<()> {
    non_empty(context, "the explained rows", x)?;
    finite(context, "x", x)
}
