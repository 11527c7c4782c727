//! The Trainer's preprocessing slot at work: the transformer (`preprocessor.rs`) fitted on
//! the training rows of each `fit` and applied to everything the model sees.

use ndarray::{Array2, CowArray, Ix2};

use super::features::Features;
use super::preprocessor::{FittedPreprocessing, CONTEXT};
use super::settings::{OwnedTargets, Validation};
use super::trainer::{select_targets, Trainer};
use crate::data::{train_test_split_indices, FittedTableTransformer, FittedTransformer, Resampled};
use crate::diagnostics::history::History;
use crate::loss::Targets;
use crate::model::Layer;
use crate::{Error, Float, Result};

/// What `fit` trains on once the preprocessing is fitted.
struct Preprocessed<F: Float> {
    fitted: FittedPreprocessing<F>,
    /// The training rows (all rows, transformed; or the resampled training rows).
    x: Array2<F>,
    /// The targets of `x`, when resampling replaced them.
    y: Option<OwnedTargets<F>>,
    /// The validation set to use instead of the configured one, transformed.
    validation: Option<Validation<F>>,
}

impl<F: Float, M: Layer<F>> Trainer<F, M> {
    /// The numeric preprocessing fitted by the last [`fit`](Trainer::fit) (`None` before it,
    /// or when the configuration has none or a table preprocessing; see
    /// [`TrainerBuilder::preprocess`](super::TrainerBuilder::preprocess)).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::data::StandardScaler;
    /// use tuneup::train::Trainer;
    /// use ndarray::array;
    /// let mut t = Trainer::builder().model(Mlp::new(&[1, 1]).build::<f64>()?)
    ///     .loss(Mse::new()).optimizer(Sgd::new(0.1)?).preprocess(StandardScaler::new())
    ///     .epochs(1).build()?;
    /// assert!(t.preprocessing().is_none());
    /// t.fit(array![[1.0f64], [3.0]].view(), &array![[0.0f64], [1.0]])?;
    /// let z = t.preprocessing().unwrap().transform(array![[5.0]].view())?;
    /// assert_eq!(z, array![[3.0]]); // (5 − 2) / 1: the training rows' mean and deviation
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn preprocessing(&self) -> Option<&dyn FittedTransformer<F>> {
        match &self.preprocessing {
            Some(FittedPreprocessing::Matrix(f)) => Some(&**f),
            _ => None,
        }
    }

    /// The table preprocessing fitted by the last [`fit`](Trainer::fit) (`None` before it, or
    /// when the configuration has none or a numeric one; see
    /// [`TrainerBuilder::preprocess_table`](super::TrainerBuilder::preprocess_table)).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::data::{Column, OneHotEncoder, Table};
    /// use tuneup::train::Trainer;
    /// let x = Table::new(["c"], vec![Column::<f64>::categorical(["a", "b"])])?;
    /// let mut t = Trainer::builder().model(Mlp::new(&[2, 2]).build::<f64>()?)
    ///     .loss(CrossEntropy::new()).optimizer(Sgd::new(0.1)?)
    ///     .preprocess_table(OneHotEncoder::new()).epochs(1).build()?;
    /// t.fit(&x, &[0, 1])?;
    /// assert_eq!(t.table_preprocessing().unwrap().feature_names_out(), ["c_a", "c_b"]);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn table_preprocessing(&self) -> Option<&dyn FittedTableTransformer<F>> {
        match &self.preprocessing {
            Some(FittedPreprocessing::Table(f)) => Some(&**f),
            _ => None,
        }
    }

    /// `x` as the model sees it: transformed by the fitted preprocessing, if the configuration
    /// has one (an [`Error::State`] before the first `fit`), else `x` itself (a table must
    /// then be all numeric).
    pub(crate) fn model_input<'x>(
        &self,
        context: &str,
        x: Features<'x, F>,
    ) -> Result<CowArray<'x, F, Ix2>> {
        if self.config.preprocessing.is_none() {
            return x.to_matrix(context);
        }
        let Some(fitted) = &self.preprocessing else {
            return Err(Error::state(
                context,
                "the trainer's preprocessing is fitted by fit(): call fit first (it is not kept in checkpoints)",
            ));
        };
        let z = fitted.transform(x).map_err(within)?;
        Ok(CowArray::from(z))
    }

    /// `fit` with a preprocessing slot: fits it on the training rows, then trains on the
    /// transformed (or resampled) rows. A failure before the first step keeps the
    /// preprocessing fitted before.
    pub(crate) fn fit_preprocessed(
        &mut self,
        x: Features<'_, F>,
        y: Targets<'_, F>,
    ) -> Result<History> {
        let prepared = self.fit_preprocessing(x, y)?;
        let previous = self.preprocessing.replace(prepared.fitted);
        let steps = self.steps;
        let saved = prepared
            .validation
            .map(|v| std::mem::replace(&mut self.config.validation, v));
        let result = match &prepared.y {
            Some(resampled) => self.fit_rows(prepared.x.view(), resampled.view()),
            None => self.fit_rows(prepared.x.view(), y),
        };
        if let Some(v) = saved {
            self.config.validation = v;
        }
        if result.is_err() && self.steps == steps {
            self.preprocessing = previous;
        }
        result
    }

    /// Fits the configured preprocessing on the training rows of `x`.
    fn fit_preprocessing(&self, x: Features<'_, F>, y: Targets<'_, F>) -> Result<Preprocessed<F>> {
        let slot = self
            .config
            .preprocessing
            .as_ref()
            .expect("called with a preprocessing slot");
        if y.rows() != x.n_rows() {
            return Err(Error::shape(
                "Trainer::fit",
                format!("targets with {} rows, one per row of features", x.n_rows()),
                format!("{} rows", y.rows()),
            ));
        }
        let (train, val) = self.validation_rows(x.n_rows(), y)?;
        if !slot.resamples() {
            let fitted = slot.fit(x, &train).map_err(within)?;
            let z = fitted.transform(x).map_err(within)?;
            let validation = self.transformed_explicit_validation(&fitted)?;
            return Ok(Preprocessed {
                fitted,
                x: z,
                y: None,
                validation,
            });
        }
        let labels = self.resampling_labels(y, &train)?;
        let (fitted, Resampled { x: rows, y: ys }) =
            slot.fit_resample(x, &train, &labels).map_err(within)?;
        let validation = match self.transformed_explicit_validation(&fitted)? {
            Some(v) => v,
            None if val.is_empty() => Validation::None,
            None => {
                let zv = fitted.transform_rows(x, &val).map_err(within)?;
                Validation::Data(zv, select_targets(y, &val))
            }
        };
        Ok(Preprocessed {
            fitted,
            x: rows,
            y: Some(OwnedTargets::Classes(ys)),
            validation: Some(validation),
        })
    }

    /// The class labels of the training rows, for a preprocessing that resamples them.
    fn resampling_labels(&self, y: Targets<'_, F>, train: &[usize]) -> Result<Vec<usize>> {
        let Targets::Classes(classes) = y else {
            return Err(Error::config(
                "Trainer.preprocess",
                "a pipeline with resamplers and dense targets",
                "class-index targets (resamplers balance classes)",
            ));
        };
        if !self.ws.sample_weights.is_empty() {
            return Err(Error::config(
                "Trainer.preprocess",
                "a pipeline with resamplers in fit_weighted",
                "fit without sample weights (resampled rows have none)",
            ));
        }
        Ok(train.iter().map(|&i| classes[i]).collect())
    }

    /// The training and validation row indices of `fit`'s data: the same seeded split that
    /// `fit` makes, or every row when the validation set is explicit or absent.
    fn validation_rows(&self, n: usize, y: Targets<'_, F>) -> Result<(Vec<usize>, Vec<usize>)> {
        match &self.config.validation {
            Validation::Split(fraction) => {
                let strat = self.stratify_labels(y);
                train_test_split_indices(n, *fraction, strat.as_deref(), self.config.seed)
            }
            Validation::None | Validation::Data(..) | Validation::Table(..) => {
                Ok(((0..n).collect(), Vec::new()))
            }
        }
    }

    /// The explicit validation set, transformed (`None` without one).
    fn transformed_explicit_validation(
        &self,
        fitted: &FittedPreprocessing<F>,
    ) -> Result<Option<Validation<F>>> {
        let (xv, yv): (Features<'_, F>, _) = match &self.config.validation {
            Validation::Data(xv, yv) => (xv.view().into(), yv),
            Validation::Table(tv, yv) => (tv.into(), yv),
            Validation::None | Validation::Split(_) => return Ok(None),
        };
        let z = fitted
            .transform(xv)
            .map_err(|e| e.within(format!("{CONTEXT} of the validation set")))?;
        Ok(Some(Validation::Data(z, yv.clone())))
    }
}

/// Names the preprocessing as the place of an error.
fn within(e: Error) -> Error {
    e.within(CONTEXT)
}
