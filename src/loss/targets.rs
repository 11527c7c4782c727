//! What a loss compares the prediction with.

use ndarray::{Array2, ArrayView2};

use crate::{Error, Float, Result};

/// Targets for a loss: a dense matrix shaped like the prediction (regression values, binary
/// labels, or class probabilities) or one class index per row.
///
/// ```
/// use tuneup::loss::Targets;
/// let dense = ndarray::array![[1.0f64], [0.0]];
/// let t: Targets<f64> = (&dense).into();
/// assert_eq!(t.rows(), 2);
/// let labels = vec![2usize, 0, 1];
/// let t: Targets<f64> = labels.as_slice().into();
/// assert_eq!(t.rows(), 3);
/// let t: Targets<f64> = (&[1, 0]).into(); // an array literal of class indices
/// assert_eq!(t.rows(), 2);
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Targets<'a, F> {
    /// One row per sample, one column per output.
    Dense(ArrayView2<'a, F>),
    /// One class index per sample.
    Classes(&'a [usize]),
}

impl<F: Float> Targets<'_, F> {
    /// Number of samples.
    pub fn rows(&self) -> usize {
        match self {
            Targets::Dense(t) => t.nrows(),
            Targets::Classes(c) => c.len(),
        }
    }
}

impl<'a, F> From<ArrayView2<'a, F>> for Targets<'a, F> {
    fn from(t: ArrayView2<'a, F>) -> Self {
        Targets::Dense(t)
    }
}

impl<'a, F> From<&'a Array2<F>> for Targets<'a, F> {
    fn from(t: &'a Array2<F>) -> Self {
        Targets::Dense(t.view())
    }
}

impl<'a, F> From<&'a [usize]> for Targets<'a, F> {
    fn from(c: &'a [usize]) -> Self {
        Targets::Classes(c)
    }
}

impl<'a, F> From<&'a Vec<usize>> for Targets<'a, F> {
    fn from(c: &'a Vec<usize>) -> Self {
        Targets::Classes(c)
    }
}

/// Class indices written as an array literal: `trainer.fit(x.view(), &[0, 1, 1])`.
impl<'a, F, const N: usize> From<&'a [usize; N]> for Targets<'a, F> {
    fn from(c: &'a [usize; N]) -> Self {
        Targets::Classes(c)
    }
}

/// Fails with a [`Error::NonFinite`] naming `context` and the first NaN/∞ entry.
pub(crate) fn check_finite<F: Float>(
    context: &dyn Fn() -> String,
    what: &str,
    a: &ArrayView2<'_, F>,
) -> Result<()> {
    if a.iter().all(|v| v.is_finite()) {
        return Ok(());
    }
    let ((r, c), v) = a
        .indexed_iter()
        .find(|(_, v)| !v.is_finite())
        .expect("a non-finite entry exists");
    Err(Error::non_finite(
        context(),
        format!("{what}[{r}, {c}] = {v}"),
    ))
}

/// Checks the prediction is finite and a dense target matches its shape and is finite.
pub(crate) fn check_dense<'t, F: Float>(
    context: &dyn Fn() -> String,
    prediction: &ArrayView2<'_, F>,
    target: Targets<'t, F>,
) -> Result<ArrayView2<'t, F>> {
    check_finite(context, "prediction", prediction)?;
    let Targets::Dense(t) = target else {
        return Err(Error::value(
            context(),
            "dense targets shaped like the prediction",
            "class indices",
        ));
    };
    if t.dim() != prediction.dim() {
        return Err(Error::shape(
            context(),
            format!(
                "target of shape {} × {}",
                prediction.nrows(),
                prediction.ncols()
            ),
            format!("{} × {}", t.nrows(), t.ncols()),
        ));
    }
    check_finite(context, "target", &t)?;
    Ok(t)
}
