//! SMOTE followed by Tomek-link cleaning (imbalanced-learn's `SMOTETomek`).

use ndarray::ArrayView2;

use super::cleaning::CleaningStrategy;
use super::tomek_links::TomekLinks;
use super::{Resampled, Resampler, Smote};
use crate::{Float, Result};

/// SMOTE over-sampling, then removal of both samples of every Tomek link
/// (imbalanced-learn's `SMOTETomek`, whose default Tomek links have
/// `sampling_strategy = "all"`).
///
/// ```
/// use tuneup::data::{Smote, SmoteTomek};
/// use ndarray::array;
/// let x = array![[0.0], [0.1], [0.2], [0.3], [0.4], [0.5], [5.0], [5.1], [5.2]];
/// let y = [0, 0, 0, 0, 0, 0, 1, 1, 1];
/// let out = SmoteTomek::new().smote(Smote::new().k_neighbors(2)?).fit_resample(&x.view(), &y)?;
/// assert_eq!(out.y.len(), 12); // no links between the two far clusters
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SmoteTomek {
    smote: Smote,
    tomek: TomekLinks,
}

impl Default for SmoteTomek {
    fn default() -> Self {
        SmoteTomek {
            smote: Smote::new(),
            tomek: TomekLinks::new().sampling_strategy(CleaningStrategy::All),
        }
    }
}

impl SmoteTomek {
    /// Default SMOTE, then Tomek links over every class.
    ///
    /// ```
    /// let s = tuneup::data::SmoteTomek::new();
    /// # let _ = s;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the over-sampler.
    ///
    /// ```
    /// use tuneup::data::{Smote, SmoteTomek};
    /// let s = SmoteTomek::new().smote(Smote::new().seed(3));
    /// # let _ = s;
    /// ```
    pub fn smote(mut self, smote: Smote) -> Self {
        self.smote = smote;
        self
    }

    /// Sets the cleaner.
    ///
    /// ```
    /// use tuneup::data::{CleaningStrategy, SmoteTomek, TomekLinks};
    /// let s = SmoteTomek::new().tomek(TomekLinks::new().sampling_strategy(CleaningStrategy::Majority));
    /// # let _ = s;
    /// ```
    pub fn tomek(mut self, tomek: TomekLinks) -> Self {
        self.tomek = tomek;
        self
    }

    /// Over-samples, then removes Tomek links; the inputs are only read.
    ///
    /// Errors: those of [`Smote::fit_resample`] and [`TomekLinks::fit_resample`].
    ///
    /// ```
    /// use tuneup::data::SmoteTomek;
    /// use ndarray::array;
    /// let x = array![[0.0], [f64::NAN]];
    /// assert!(SmoteTomek::new().fit_resample(&x.view(), &[0, 1]).is_err());
    /// ```
    pub fn fit_resample<F: Float>(
        &self,
        x: &ArrayView2<'_, F>,
        y: &[usize],
    ) -> Result<Resampled<F>> {
        let over = self.smote.fit_resample(x, y)?;
        Ok(self.tomek.fit_resample(&over.x.view(), &over.y)?.into())
    }
}

impl<F: Float> Resampler<F> for SmoteTomek {
    fn resample(&self, x: ArrayView2<'_, F>, y: &[usize]) -> Result<Resampled<F>> {
        self.fit_resample(&x, y)
    }

    fn resampler_name(&self) -> String {
        "SmoteTomek".to_string()
    }
}
