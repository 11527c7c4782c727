//! `Trainer::fit_weighted`: training with one weight per sample (scikit-learn's
//! `sample_weight`).

use ndarray::ArrayView1;

use super::features::Features;

use super::trainer::Trainer;
use crate::diagnostics::history::History;
use crate::loss::{check_sample_weights, Targets};
use crate::model::Layer;
use crate::{Error, Float, Result};

impl<F: Float, M: Layer<F>> Trainer<F, M> {
    /// [`fit`](Trainer::fit) with one weight per row of `x` (finite, ≥ 0, not all zero),
    /// scikit-learn's `sample_weight`: the objective is the weighted mean
    /// `Σ wᵢ lᵢ / Σ wᵢ` of the per-sample losses (class weights multiply the sample weights,
    /// see [`Loss::compute_weighted`](crate::loss::Loss::compute_weighted)).
    ///
    /// The weights follow their rows through shuffling, batching, the validation split (the
    /// validation loss is weighted too; an explicit validation set is not) and gradient
    /// accumulation. They are divided by their mean over the training rows, and a batch's
    /// loss is `Σ wᵢ lᵢ / |batch|`: an unbiased estimate of the weighted mean, equal to it for
    /// one full batch, so integer weights train exactly as the rows repeated that many times
    /// would in full-batch training. A batch whose weights are all zero contributes nothing.
    /// The epoch's recorded loss is the weighted mean over the training rows.
    ///
    /// # Errors
    /// Those of [`fit`](Trainer::fit), and before any training: weights of the wrong length
    /// ([`Error::Shape`]), NaN or ∞ ([`Error::NonFinite`]), negative, all zero, or all zero on
    /// the training or the validation rows ([`Error::Value`]). The model is then untouched.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// use tuneup::train::Trainer;
    /// use ndarray::array;
    /// let x = array![[0.0f64], [1.0], [2.0]];
    /// let y = array![[0.0f64], [1.0], [2.0]];
    /// let mut t = Trainer::builder().model(Mlp::new(&[1, 1]).build::<f64>()?)
    ///     .loss(Mse::new()).optimizer(Sgd::new(0.1)?).epochs(3).build()?;
    /// let h = t.fit_weighted(x.view(), &y, array![1.0, 2.0, 0.0].view())?;
    /// assert_eq!(h.len(), 3);
    /// assert!(t.fit_weighted(x.view(), &y, array![1.0, -2.0, 0.0].view()).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn fit_weighted<'a>(
        &mut self,
        x: impl Into<Features<'a, F>>,
        y: impl Into<Targets<'a, F>>,
        sample_weight: ArrayView1<'_, F>,
    ) -> Result<History> {
        let x = x.into();
        check_sample_weights("Trainer::fit_weighted", sample_weight, x.n_rows())?;
        self.ws.sample_weights.clear();
        self.ws.sample_weights.extend(sample_weight.iter().copied());
        let result = self.fit(x, y);
        self.ws.sample_weights.clear();
        self.ws.val_weights.clear();
        result
    }

    /// Divides the sample weights (and the validation rows' weights) by their mean over the
    /// training rows.
    pub(crate) fn normalise_sample_weights(&mut self, train_idx: &[usize]) -> Result<()> {
        let w = &mut self.ws.sample_weights;
        if w.is_empty() {
            return Ok(());
        }
        let mass = train_idx.iter().fold(F::zero(), |a, &i| a + w[i]);
        if mass <= F::zero() {
            return Err(zero_weights("training"));
        }
        let mean = mass / F::from_count(train_idx.len());
        w.iter_mut().for_each(|v| *v /= mean);
        // The same scale for the validation rows, so that equal weights are exactly 1.
        self.ws.val_weights.iter_mut().for_each(|v| *v /= mean);
        Ok(())
    }

    /// The validation rows' weights (`te`, in the order of the validation set).
    pub(crate) fn split_sample_weights(&mut self, te: &[usize]) -> Result<()> {
        let ws = &mut self.ws;
        ws.val_weights.clear();
        if ws.sample_weights.is_empty() {
            return Ok(());
        }
        ws.val_weights
            .extend(te.iter().map(|&i| ws.sample_weights[i]));
        if ws.val_weights.iter().all(|&v| v <= F::zero()) {
            return Err(zero_weights("validation"));
        }
        Ok(())
    }
}

/// The error of sample weights that are all zero on one part of the data.
fn zero_weights(part: &str) -> Error {
    Error::value(
        "Trainer::fit_weighted",
        format!("some positive sample weight on the {part} rows"),
        "all zero",
    )
}
