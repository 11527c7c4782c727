//! The Trainer's preprocessing slot: a transformer of matrices or of tables, and its fitted
//! form.

use ndarray::{Array2, Axis};

use super::features::Features;
use crate::data::{
    FittedTableTransformer, FittedTransformer, Resampled, TableTransformer, Transformer,
};
use crate::{Float, Result};

pub(super) const CONTEXT: &str = "Trainer preprocessing";

/// The configured preprocessing: numeric ([`TrainerBuilder::preprocess`]) or of tables
/// ([`TrainerBuilder::preprocess_table`]).
///
/// [`TrainerBuilder::preprocess`]: super::TrainerBuilder::preprocess
/// [`TrainerBuilder::preprocess_table`]: super::TrainerBuilder::preprocess_table
#[derive(Debug, Clone)]
pub(crate) enum Preprocessing<F: Float> {
    Matrix(Box<dyn Transformer<F>>),
    Table(Box<dyn TableTransformer<F>>),
}

/// A fitted [`Preprocessing`].
#[derive(Debug, Clone)]
pub(crate) enum FittedPreprocessing<F: Float> {
    Matrix(Box<dyn FittedTransformer<F>>),
    Table(Box<dyn FittedTableTransformer<F>>),
}

impl<F: Float> Preprocessing<F> {
    /// The transformer's type name.
    pub(crate) fn name(&self) -> String {
        match self {
            Preprocessing::Matrix(t) => t.name(),
            Preprocessing::Table(t) => t.table_name(),
        }
    }

    pub(super) fn resamples(&self) -> bool {
        match self {
            Preprocessing::Matrix(t) => t.resamples(),
            Preprocessing::Table(t) => t.table_resamples(),
        }
    }

    /// Fits on the rows `rows` of `x`.
    pub(super) fn fit(&self, x: Features<'_, F>, rows: &[usize]) -> Result<FittedPreprocessing<F>> {
        Ok(match self {
            Preprocessing::Matrix(t) => {
                let train = x.to_matrix(CONTEXT)?.select(Axis(0), rows);
                FittedPreprocessing::Matrix(t.fit(train.view())?)
            }
            Preprocessing::Table(t) => {
                let train = x.to_table()?.select_rows(rows)?;
                FittedPreprocessing::Table(t.fit_table(&train)?)
            }
        })
    }

    /// Fits on the rows `rows` of `x` with their class labels, resampling them.
    pub(super) fn fit_resample(
        &self,
        x: Features<'_, F>,
        rows: &[usize],
        labels: &[usize],
    ) -> Result<(FittedPreprocessing<F>, Resampled<F>)> {
        Ok(match self {
            Preprocessing::Matrix(t) => {
                let train = x.to_matrix(CONTEXT)?.select(Axis(0), rows);
                let (fitted, out) = t.fit_resample(train.view(), labels)?;
                (FittedPreprocessing::Matrix(fitted), out)
            }
            Preprocessing::Table(t) => {
                let train = x.to_table()?.select_rows(rows)?;
                let (fitted, out) = t.fit_resample_table(&train, labels)?;
                (FittedPreprocessing::Table(fitted), out)
            }
        })
    }
}

impl<F: Float> FittedPreprocessing<F> {
    /// The transformed matrix of `x`.
    pub(super) fn transform(&self, x: Features<'_, F>) -> Result<Array2<F>> {
        match self {
            FittedPreprocessing::Matrix(f) => f.transform(x.to_matrix(CONTEXT)?.view()),
            FittedPreprocessing::Table(f) => f.transform_table(&*x.to_table()?),
        }
    }

    /// The transformed matrix of the rows `rows` of `x`.
    pub(super) fn transform_rows(&self, x: Features<'_, F>, rows: &[usize]) -> Result<Array2<F>> {
        match x {
            Features::Matrix(m) => self.transform(Features::Matrix(m.select(Axis(0), rows).view())),
            Features::Table(t) => self.transform(Features::Table(&t.select_rows(rows)?)),
        }
    }
}
