//! SMOTE followed by Edited Nearest Neighbours cleaning (imbalanced-learn's `SMOTEENN`).

use ndarray::ArrayView2;

use super::cleaning::CleaningStrategy;
use super::edited_nearest_neighbours::EditedNearestNeighbours;
use super::{Resampled, Resampler, Smote};
use crate::{Float, Result};

/// SMOTE over-sampling, then [`EditedNearestNeighbours`] cleaning of every class
/// (imbalanced-learn's `SMOTEENN`, whose default ENN has `sampling_strategy = "all"`).
///
/// ```
/// use tuneup::data::{Smote, SmoteEnn};
/// use ndarray::array;
/// let x = array![[0.0], [0.1], [0.2], [0.3], [0.4], [0.5], [5.0], [5.1], [5.2]];
/// let y = [0, 0, 0, 0, 0, 0, 1, 1, 1];
/// let out = SmoteEnn::new().smote(Smote::new().k_neighbors(2)?).fit_resample(&x.view(), &y)?;
/// assert_eq!(out.y.iter().filter(|&&c| c == 1).count(), 6);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SmoteEnn {
    smote: Smote,
    enn: EditedNearestNeighbours,
}

impl Default for SmoteEnn {
    fn default() -> Self {
        SmoteEnn {
            smote: Smote::new(),
            enn: EditedNearestNeighbours::new().sampling_strategy(CleaningStrategy::All),
        }
    }
}

impl SmoteEnn {
    /// Default SMOTE, then ENN with 3 neighbours over every class.
    ///
    /// ```
    /// let s = tuneup::data::SmoteEnn::new();
    /// # let _ = s;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the over-sampler.
    ///
    /// ```
    /// use tuneup::data::{Smote, SmoteEnn};
    /// let s = SmoteEnn::new().smote(Smote::new().seed(3));
    /// # let _ = s;
    /// ```
    pub fn smote(mut self, smote: Smote) -> Self {
        self.smote = smote;
        self
    }

    /// Sets the cleaner.
    ///
    /// ```
    /// use tuneup::data::{EditedNearestNeighbours, SmoteEnn};
    /// let s = SmoteEnn::new().enn(EditedNearestNeighbours::new().n_neighbors(5)?);
    /// # let _ = s;
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn enn(mut self, enn: EditedNearestNeighbours) -> Self {
        self.enn = enn;
        self
    }

    /// Over-samples, then cleans; the inputs are only read.
    ///
    /// Errors: those of [`Smote::fit_resample`] and [`EditedNearestNeighbours::fit_resample`].
    ///
    /// ```
    /// use tuneup::data::SmoteEnn;
    /// use ndarray::array;
    /// let x = array![[0.0], [f64::NAN]];
    /// assert!(SmoteEnn::new().fit_resample(&x.view(), &[0, 1]).is_err());
    /// ```
    pub fn fit_resample<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<Resampled<F>> {
        let over = self.smote.fit_resample(x, y)?;
        Ok(self.enn.fit_resample(&over.x.view(), &over.y)?.into())
    }
}

impl<F: Float> Resampler<F> for SmoteEnn {
    fn resample(&self, x: ArrayView2<'_, F>, y: &[usize]) -> Result<Resampled<F>> {
        self.fit_resample(&x, y)
    }

    fn resampler_name(&self) -> String {
        "SmoteEnn".to_string()
    }
}
