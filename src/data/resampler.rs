//! [`Resampler`]: the object-safe face of every over-, under- and cleaning sampler, so that a
//! [`Pipeline`](crate::data::Pipeline) can hold any of them (applied at fit time only, as in
//! imbalanced-learn's pipeline).

use std::fmt::Debug;

use ndarray::ArrayView2;

use super::{
    Adasyn, BorderlineSmote, RandomOverSampler, RandomUnderSampler, Resampled, Selection, Smote,
};
use crate::{Float, Result};

/// A sampler of labelled rows: returns new rows and labels (more, fewer, or cleaned), leaving
/// the inputs untouched. Object safe, and cloneable behind a box.
///
/// ```
/// use tuneup::data::{RandomUnderSampler, Resampler};
/// use ndarray::array;
/// let sampler: Box<dyn Resampler<f64>> = Box::new(RandomUnderSampler::new());
/// let x = array![[0.0], [1.0], [2.0], [9.0]];
/// let out = sampler.resample(x.view(), &[0, 0, 0, 1])?;
/// assert_eq!(out.y.len(), 2);
/// assert_eq!(sampler.clone().resampler_name(), "RandomUnderSampler");
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait Resampler<F: Float>: ResamplerClone<F> + Send + Sync + Debug {
    /// Resamples `x` (one row per sample) with labels `y`.
    ///
    /// ```
    /// use tuneup::data::{Resampler, Smote};
    /// use ndarray::array;
    /// let x = array![[0.0], [1.0], [2.0], [3.0], [9.0], [9.5]];
    /// let out = Resampler::resample(&Smote::new().k_neighbors(1)?, x.view(), &[0, 0, 0, 0, 1, 1])?;
    /// assert_eq!(out.y.iter().filter(|&&c| c == 1).count(), 4);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn resample(&self, x: ArrayView2<'_, F>, y: &[usize]) -> Result<Resampled<F>>;

    /// The sampler's type name, e.g. `"Smote"`.
    ///
    /// ```
    /// use tuneup::data::{Resampler, Smote};
    /// assert_eq!(Resampler::<f32>::resampler_name(&Smote::new()), "Smote");
    /// ```
    fn resampler_name(&self) -> String;
}

/// Cloning a [`Resampler`] behind a box (implemented for every `Clone` one).
///
/// ```
/// use tuneup::data::{Resampler, ResamplerClone, Smote};
/// let b: Box<dyn Resampler<f64>> = Smote::new().clone_resampler_box();
/// assert_eq!(b.resampler_name(), "Smote");
/// ```
pub trait ResamplerClone<F: Float> {
    /// A boxed copy.
    ///
    /// ```
    /// use tuneup::data::{RandomOverSampler, Resampler, ResamplerClone};
    /// let b: Box<dyn Resampler<f64>> = RandomOverSampler::new().clone_resampler_box();
    /// assert_eq!(b.resampler_name(), "RandomOverSampler");
    /// ```
    fn clone_resampler_box(&self) -> Box<dyn Resampler<F>>;
}

impl<F: Float, T: Resampler<F> + Clone + 'static> ResamplerClone<F> for T {
    fn clone_resampler_box(&self) -> Box<dyn Resampler<F>> {
        Box::new(self.clone())
    }
}

impl<F: Float> Clone for Box<dyn Resampler<F>> {
    fn clone(&self) -> Self {
        (**self).clone_resampler_box()
    }
}

impl<F> From<Selection<F>> for Resampled<F> {
    fn from(s: Selection<F>) -> Self {
        Resampled { x: s.x, y: s.y }
    }
}

/// Implements [`Resampler`] for samplers with an inherent `fit_resample(&x, y)` returning a
/// [`Resampled`] or a [`Selection`].
macro_rules! resampler {
    ($($sampler:ident),* $(,)?) => {
        $(
            impl<F: Float> Resampler<F> for $sampler {
                fn resample(&self, x: ArrayView2<'_, F>, y: &[usize]) -> Result<Resampled<F>> {
                    Ok(<$sampler>::fit_resample(self, &x, y)?.into())
                }

                fn resampler_name(&self) -> String {
                    stringify!($sampler).to_string()
                }
            }
        )*
    };
}

resampler!(
    Smote,
    BorderlineSmote,
    Adasyn,
    RandomOverSampler,
    RandomUnderSampler,
);
