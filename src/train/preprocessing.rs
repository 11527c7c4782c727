//! The Trainer's preprocessing slot: a transformer fitted on the training rows of each `fit`
//! and applied to everything the model sees.

use ndarray::{Array2, ArrayView2, Axis, CowArray, Ix2};

use super::settings::{OwnedTargets, Validation};
use super::trainer::{select, Trainer};
use crate::data::{train_test_split_indices, FittedTransformer, Resampled};
use crate::diagnostics::history::History;
use crate::loss::Targets;
use crate::model::Layer;
use crate::{Error, Float, Result};

const CONTEXT: &str = "Trainer preprocessing";

/// What `fit` trains on once the preprocessing is fitted.
struct Preprocessed<F> {
    fitted: Box<dyn FittedTransformer<F>>,
    /// The training rows (all rows, transformed; or the resampled training rows).
    x: Array2<F>,
    /// The targets of `x`, when resampling replaced them.
    y: Option<OwnedTargets<F>>,
    /// The validation set to use instead of the configured one, transformed.
    validation: Option<Validation<F>>,
}

impl<F: Float, M: Layer<F>> Trainer<F, M> {
    /// The preprocessing fitted by the last [`fit`](Trainer::fit) (`None` before it, or when
    /// the configuration has none; see
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
        self.preprocessing.as_deref()
    }

    /// `x` as the model sees it: transformed by the fitted preprocessing, if the configuration
    /// has one (an [`Error::State`] before the first `fit`), else `x` itself.
    pub(crate) fn model_input<'x>(
        &self,
        context: &str,
        x: ArrayView2<'x, F>,
    ) -> Result<CowArray<'x, F, Ix2>> {
        if self.config.preprocessing.is_none() {
            return Ok(CowArray::from(x));
        }
        let Some(fitted) = &self.preprocessing else {
            return Err(Error::state(
                context,
                "the trainer's preprocessing is fitted by fit(): call fit first (it is not kept in checkpoints)",
            ));
        };
        let z = fitted.transform(x).map_err(|e| e.within(CONTEXT))?;
        Ok(CowArray::from(z))
    }

    /// `fit` with a preprocessing slot: fits it on the training rows, then trains on the
    /// transformed (or resampled) rows. A failure before the first step keeps the
    /// preprocessing fitted before.
    pub(crate) fn fit_preprocessed(
        &mut self,
        x: ArrayView2<'_, F>,
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

    /// Fits the configured transformer on the training rows of `x`.
    fn fit_preprocessing(
        &self,
        x: ArrayView2<'_, F>,
        y: Targets<'_, F>,
    ) -> Result<Preprocessed<F>> {
        let transformer = self
            .config
            .preprocessing
            .as_ref()
            .expect("called with a preprocessing slot");
        if y.rows() != x.nrows() {
            return Err(Error::shape(
                "Trainer::fit",
                format!("targets with {} rows, one per row of features", x.nrows()),
                format!("{} rows", y.rows()),
            ));
        }
        let (train, val) = self.validation_rows(x.nrows(), y)?;
        let x_train = x.select(Axis(0), &train);
        if !transformer.resamples() {
            let fitted = transformer.fit(x_train.view()).map_err(within)?;
            let z = fitted.transform(x).map_err(within)?;
            let validation = self.transformed_explicit_validation(&*fitted)?;
            return Ok(Preprocessed {
                fitted,
                x: z,
                y: None,
                validation,
            });
        }
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
        let labels: Vec<usize> = train.iter().map(|&i| classes[i]).collect();
        let (fitted, Resampled { x: rows, y: ys }) = transformer
            .fit_resample(x_train.view(), &labels)
            .map_err(within)?;
        let validation = match self.transformed_explicit_validation(&*fitted)? {
            Some(v) => v,
            None if val.is_empty() => Validation::None,
            None => {
                let (xv, yv) = select(&x, y, &val);
                Validation::Data(fitted.transform(xv.view()).map_err(within)?, yv)
            }
        };
        Ok(Preprocessed {
            fitted,
            x: rows,
            y: Some(OwnedTargets::Classes(ys)),
            validation: Some(validation),
        })
    }

    /// The training and validation row indices of `fit`'s data: the same seeded split that
    /// `fit` makes, or every row when the validation set is explicit or absent.
    fn validation_rows(&self, n: usize, y: Targets<'_, F>) -> Result<(Vec<usize>, Vec<usize>)> {
        match &self.config.validation {
            Validation::Split(fraction) => {
                let strat = self.stratify_labels(y);
                train_test_split_indices(n, *fraction, strat.as_deref(), self.config.seed)
            }
            Validation::None | Validation::Data(..) => Ok(((0..n).collect(), Vec::new())),
        }
    }

    /// The explicit validation set, transformed (`None` without one).
    fn transformed_explicit_validation(
        &self,
        fitted: &dyn FittedTransformer<F>,
    ) -> Result<Option<Validation<F>>> {
        let Validation::Data(xv, yv) = &self.config.validation else {
            return Ok(None);
        };
        let z = fitted
            .transform(xv.view())
            .map_err(|e| e.within(format!("{CONTEXT} of validation_data")))?;
        Ok(Some(Validation::Data(z, yv.clone())))
    }
}

/// Names the preprocessing as the place of an error.
fn within(e: Error) -> Error {
    e.within(CONTEXT)
}
