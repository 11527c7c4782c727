//! Which model output an explanation is about.

use ndarray::{Array1, Array2, ArrayView2};

use crate::model::{Layer, Mode};
use crate::{Error, Float, Result};

/// The output an explainer attributes: captum's `target`.
///
/// ```
/// use tuneup::explain::Target;
/// assert_eq!(Target::Only.columns(3, 1)?, vec![0, 0, 0]);
/// assert_eq!(Target::Output(2).columns(2, 4)?, vec![2, 2]);
/// assert_eq!(Target::PerRow(vec![1, 0]).columns(2, 3)?, vec![1, 0]);
/// assert!(Target::Output(4).columns(2, 4).is_err());
/// assert!(Target::Only.columns(2, 3).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Target {
    /// The one output of a single-output model (an error for a wider output).
    #[default]
    Only,
    /// One output column (a class index) for every row.
    Output(usize),
    /// One output column per explained row.
    PerRow(Vec<usize>),
}

impl Target {
    /// The output column of each of `rows` rows for a model with `outputs` outputs.
    ///
    /// # Errors
    /// [`Error::Value`] for a column out of range or `Only` on a multi-output model;
    /// [`Error::Shape`] when `PerRow` does not list one column per row.
    pub fn columns(&self, rows: usize, outputs: usize) -> Result<Vec<usize>> {
        let in_range = |c: usize, row: usize| {
            if c < outputs {
                Ok(c)
            } else {
                Err(Error::value(
                    "explain target",
                    format!("an output index < {outputs}"),
                    format!("{c} (row {row})"),
                ))
            }
        };
        match self {
            Target::Only if outputs == 1 => Ok(vec![0; rows]),
            Target::Only => Err(Error::value(
                "explain target",
                "a single-output model for Target::Only (pick Target::Output(k))",
                format!("{outputs} outputs"),
            )),
            Target::Output(c) => (0..rows).map(|r| in_range(*c, r)).collect(),
            Target::PerRow(cols) if cols.len() != rows => Err(Error::shape(
                "explain target",
                format!("one output index per row ({rows})"),
                format!("{} indices", cols.len()),
            )),
            Target::PerRow(cols) => cols
                .iter()
                .enumerate()
                .map(|(r, &c)| in_range(c, r))
                .collect(),
        }
    }
}

/// The model's eval-mode outputs for `x`, copied.
pub(crate) fn outputs<F: Float>(
    model: &mut dyn Layer<F>,
    x: ArrayView2<'_, F>,
) -> Result<Array2<F>> {
    let out = model.forward(x, Mode::Eval)?.to_owned();
    if out.nrows() != x.nrows() {
        return Err(Error::shape(
            model.describe(),
            format!("one output row per input row ({})", x.nrows()),
            format!("{} rows", out.nrows()),
        ));
    }
    Ok(out)
}

/// `out[r, columns[r]]` for every row.
pub(crate) fn pick<F: Float>(out: ArrayView2<'_, F>, columns: &[usize]) -> Array1<F> {
    columns
        .iter()
        .enumerate()
        .map(|(r, &c)| out[[r, c]])
        .collect()
}

/// The one-hot seed that selects `columns[r % columns.len()]` in row `r` of a batch of `rows`
/// rows with `outputs` outputs (rows repeat the explained rows block by block).
pub(crate) fn one_hot<F: Float>(rows: usize, outputs: usize, columns: &[usize]) -> Array2<F> {
    let mut seed = Array2::zeros((rows, outputs));
    for r in 0..rows {
        seed[[r, columns[r % columns.len()]]] = F::one();
    }
    seed
}
