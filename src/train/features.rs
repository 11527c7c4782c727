//! What the Trainer's methods read features from: a matrix or a typed [`Table`].

use std::borrow::Cow;

use ndarray::{Array2, ArrayView2, CowArray, Ix2};

use crate::data::Table;
use crate::{Error, Float, Result};

/// The features a [`Trainer`](super::Trainer) method takes: a matrix with one row per sample,
/// or a [`Table`] of numeric and categorical columns (a CSV read with
/// [`read_table`](crate::data::read_table), say). `fit`, `fit_weighted`, `predict`,
/// `predict_proba`, `predict_classes`, `evaluate`, `diagnose` and `diagnose_with_test` take
/// either, through `impl Into<Features>`.
///
/// A table goes through the trainer's table preprocessing
/// ([`TrainerBuilder::preprocess_table`](super::TrainerBuilder::preprocess_table)), which
/// encodes its text columns; without one, a table must be all numeric. A matrix given to a
/// trainer with a table preprocessing becomes a numeric table with columns `x0`, `x1`, … .
///
/// ```
/// use tuneup::data::{Column, Table};
/// use tuneup::train::Features;
/// use ndarray::array;
/// let x = array![[1.0f64, 2.0]];
/// let f: Features<f64> = x.view().into();
/// assert_eq!(f.n_rows(), 1);
/// let t = Table::new(["city"], vec![Column::<f64>::categorical(["Oslo", "Lima"])])?;
/// let f: Features<f64> = (&t).into();
/// assert_eq!(f.n_rows(), 2);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Features<'a, F> {
    /// One row per sample.
    Matrix(ArrayView2<'a, F>),
    /// A typed table, one row per sample.
    Table(&'a Table<F>),
}

impl<'a, F: Float> Features<'a, F> {
    /// The number of samples.
    ///
    /// ```
    /// use tuneup::train::Features;
    /// use ndarray::Array2;
    /// let x = Array2::<f32>::zeros((3, 2));
    /// assert_eq!(Features::from(&x).n_rows(), 3);
    /// ```
    pub fn n_rows(&self) -> usize {
        match self {
            Features::Matrix(x) => x.nrows(),
            Features::Table(t) => t.n_rows(),
        }
    }

    /// The rows as a table: the table itself, or the matrix as numeric columns `x0`, `x1`, … .
    pub(crate) fn to_table(self) -> Result<Cow<'a, Table<F>>> {
        match self {
            Features::Table(t) => Ok(Cow::Borrowed(t)),
            Features::Matrix(x) => Ok(Cow::Owned(Table::from_array(x)?)),
        }
    }

    /// The rows as a matrix: the matrix itself, or an all-numeric table's columns (a
    /// categorical column is an [`Error::Value`](crate::Error::Value) naming it, in
    /// `context`).
    pub(crate) fn to_matrix(self, context: &str) -> Result<CowArray<'a, F, Ix2>> {
        match self {
            Features::Matrix(x) => Ok(CowArray::from(x)),
            Features::Table(t) => {
                if let Some(&j) = t.categorical_columns().first() {
                    return Err(Error::value(
                        context,
                        "numeric columns, or a table preprocessing that encodes the text (TrainerBuilder::preprocess_table)",
                        format!("categorical column `{}`", t.names()[j]),
                    ));
                }
                Ok(CowArray::from(t.to_array()?))
            }
        }
    }
}

impl<'a, F> From<ArrayView2<'a, F>> for Features<'a, F> {
    fn from(x: ArrayView2<'a, F>) -> Self {
        Features::Matrix(x)
    }
}

impl<'a, F> From<&'a Array2<F>> for Features<'a, F> {
    fn from(x: &'a Array2<F>) -> Self {
        Features::Matrix(x.view())
    }
}

impl<'a, F> From<&'a Table<F>> for Features<'a, F> {
    fn from(t: &'a Table<F>) -> Self {
        Features::Table(t)
    }
}
