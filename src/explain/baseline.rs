//! The reference input of path attributions (integrated gradients): captum's `baselines`.

use ndarray::{Array1, Array2, ArrayView2};

use super::check;
use crate::{Error, Float, Result};

/// Where integrated gradients start the path to each explained row.
///
/// ```
/// use tuneup::explain::Baseline;
/// let x = ndarray::array![[1.0, 2.0], [3.0, 4.0]];
/// let b = Baseline::Row(ndarray::array![0.5, 0.5]).for_rows(x.view())?;
/// assert_eq!(b, ndarray::array![[0.5, 0.5], [0.5, 0.5]]);
/// assert_eq!(Baseline::Scalar(1.0).for_rows(x.view())?, ndarray::Array2::<f64>::ones((2, 2)));
/// assert!(Baseline::Row(ndarray::array![0.0]).for_rows(x.view()).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Baseline<F> {
    /// All zeros (captum's default).
    #[default]
    Zero,
    /// The same value in every feature.
    Scalar(F),
    /// One row shared by every explained row.
    Row(Array1<F>),
    /// One baseline row per explained row.
    Batch(Array2<F>),
}

impl<F: Float> Baseline<F> {
    /// The baseline of each row of `x`, shaped like `x`.
    ///
    /// # Errors
    /// [`Error::Shape`] for a row of another width or a batch of another shape;
    /// [`Error::NonFinite`] for a NaN or infinite baseline.
    pub fn for_rows(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        let context = "explain baseline";
        let out = match self {
            Baseline::Zero => Array2::zeros(x.raw_dim()),
            Baseline::Scalar(v) => Array2::from_elem(x.raw_dim(), *v),
            Baseline::Row(row) => {
                if row.len() != x.ncols() {
                    return Err(Error::shape(
                        context,
                        format!("a baseline row of {} values (the input width)", x.ncols()),
                        format!("{} values", row.len()),
                    ));
                }
                let mut out = Array2::zeros(x.raw_dim());
                out.rows_mut().into_iter().for_each(|mut r| r.assign(row));
                out
            }
            Baseline::Batch(batch) => {
                if batch.dim() != x.dim() {
                    return Err(Error::shape(
                        context,
                        format!("a baseline batch of shape {} × {}", x.nrows(), x.ncols()),
                        format!("{} × {}", batch.nrows(), batch.ncols()),
                    ));
                }
                batch.clone()
            }
        };
        check::finite(context, "baseline", out.view())?;
        Ok(out)
    }
}
