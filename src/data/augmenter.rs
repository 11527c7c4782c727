//! The trait every batch augmenter implements.

use ndarray::ArrayViewMut2;

use crate::{Float, Result};

/// Transforms a training batch in place: features and dense targets (one-hot or soft class
/// targets, or regression values), row for row. Augmenters are seeded and deterministic, and
/// users add their own (image flips, text back-translation) by implementing this trait.
///
/// Augmenters are part of a [`TrainerConfig`](crate::train::TrainerConfig), which builds any
/// number of trainers, so they are `Clone` (derive it: [`AugmenterClone`] follows) and
/// `Send + Sync`.
///
/// ```
/// use tuneup::data::Augmenter;
/// use ndarray::{array, ArrayViewMut2};
///
/// /// Flips the sign of every feature: a toy augmenter of one's own.
/// #[derive(Clone)]
/// struct Negate;
/// impl Augmenter<f64> for Negate {
///     fn name(&self) -> String { "Negate".into() }
///     fn augment(&mut self, mut x: ArrayViewMut2<'_, f64>, _y: ArrayViewMut2<'_, f64>)
///         -> tuneup::Result<()> {
///         x.mapv_inplace(|v| -v);
///         Ok(())
///     }
/// }
/// let (mut x, mut y) = (array![[1.0, -2.0]], array![[1.0]]);
/// Negate.augment(x.view_mut(), y.view_mut()).unwrap();
/// assert_eq!(x, array![[-1.0, 2.0]]);
/// ```
pub trait Augmenter<F: Float>: Send + Sync + AugmenterClone<F> {
    /// Name for messages and reports.
    fn name(&self) -> String;

    /// Augments the batch in place; `targets` has one row per feature row.
    fn augment(
        &mut self,
        features: ArrayViewMut2<'_, F>,
        targets: ArrayViewMut2<'_, F>,
    ) -> Result<()>;

    /// Positions the augmenter's seeded stream at batch number `batch`, so that the next
    /// [`augment`](Augmenter::augment) draws what the `batch`-th call of a fresh augmenter
    /// would. The [`Trainer`](crate::train::Trainer) calls it before every batch with the
    /// run's global batch number (`epoch × batches per epoch + batch`), which makes a resumed
    /// run draw exactly what an uninterrupted one would. The default does nothing (right for
    /// an augmenter without randomness).
    ///
    /// ```
    /// use tuneup::data::{Augmenter, MixUp};
    /// let x = ndarray::Array2::<f64>::from_shape_fn((8, 2), |(i, j)| (i * 2 + j) as f64);
    /// let y = ndarray::Array2::<f64>::zeros((8, 1));
    /// let mut a = MixUp::new(0.4, 1).unwrap();
    /// let mut third = x.clone();
    /// for _ in 0..2 {
    ///     a.augment(x.clone().view_mut(), y.clone().view_mut()).unwrap();
    /// }
    /// a.augment(third.view_mut(), y.clone().view_mut()).unwrap();
    /// // A fresh augmenter moved straight to batch 2 draws the same as the third call.
    /// let mut b = MixUp::new(0.4, 1).unwrap();
    /// b.seek(2);
    /// let mut again = x.clone();
    /// b.augment(again.view_mut(), y.clone().view_mut()).unwrap();
    /// assert_eq!(third, again);
    /// assert_ne!(third, x);
    /// ```
    fn seek(&mut self, batch: u64) {
        let _ = batch;
    }

    /// The seed of the augmenter's random stream, if it has one: a checkpoint stores it, so a
    /// run resumed into an augmenter built with another seed still draws what the interrupted
    /// run would have.
    ///
    /// ```
    /// use tuneup::data::{Augmenter, MixUp};
    /// let mut a = MixUp::<f64>::new(0.4, 7)?;
    /// assert_eq!(a.stream_seed(), Some(7));
    /// a.set_stream_seed(9);
    /// assert_eq!(a.stream_seed(), Some(9));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn stream_seed(&self) -> Option<u64> {
        None
    }

    /// Replaces the seed of the random stream (what restoring a checkpoint does); the default
    /// does nothing (right for an augmenter without randomness).
    fn set_stream_seed(&mut self, seed: u64) {
        let _ = seed;
    }
}

/// Cloning an augmenter behind a `Box<dyn Augmenter<F>>`; implemented for every `Augmenter +
/// Clone`.
///
/// ```
/// use tuneup::data::{Augmenter, GaussianNoise};
/// let boxed: Box<dyn Augmenter<f64>> = Box::new(GaussianNoise::new(0.1, 3)?);
/// assert_eq!(boxed.clone().name(), boxed.name());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait AugmenterClone<F: Float> {
    /// A boxed copy of the augmenter, with its stream position.
    fn clone_box(&self) -> Box<dyn Augmenter<F>>;
}

impl<F: Float, T: Augmenter<F> + Clone + 'static> AugmenterClone<F> for T {
    fn clone_box(&self) -> Box<dyn Augmenter<F>> {
        Box::new(self.clone())
    }
}

impl<F: Float> Clone for Box<dyn Augmenter<F>> {
    fn clone(&self) -> Self {
        (**self).clone_box()
    }
}

/// Checks that features and targets have the same number of rows.
pub(crate) fn check_rows<F: Float>(
    name: &dyn Fn() -> String,
    features: &ArrayViewMut2<'_, F>,
    targets: &ArrayViewMut2<'_, F>,
) -> Result<()> {
    if features.nrows() != targets.nrows() {
        return Err(crate::Error::shape(
            name(),
            format!("{} target rows, one per feature row", features.nrows()),
            format!("{} target rows", targets.nrows()),
        ));
    }
    Ok(())
}

/// The generator for the `draw`-th batch of a seeded augmenter: counter-based, so a resumed run
/// draws what an uninterrupted one would.
pub(crate) fn batch_rng(seed: u64, draw: u64) -> rand::rngs::StdRng {
    <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(
        seed.wrapping_add(draw.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
    )
}
