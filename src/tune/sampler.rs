//! The sampler trait: how a study picks each trial's values.

use super::{Params, SearchSpace, StudyView};
use crate::Result;

/// Picks the values of trial `number` from a search space.
///
/// A sampler is deterministic: the same `(seed, number)` gives the same values, so a search
/// is the same whatever the order or thread in which its trials are drawn.
///
/// ```
/// use tuneup::tune::{RandomSampler, Sampler, SearchSpace};
/// let space = SearchSpace::builder().float("x", 0.0, 1.0).build()?;
/// let a = RandomSampler.sample(&space, 7, 3)?;
/// let b = RandomSampler.sample(&space, 7, 3)?;
/// assert_eq!(a, b);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub trait Sampler: Send + Sync {
    /// The values of trial `number` of a study seeded with `seed`.
    fn sample(&self, space: &SearchSpace, seed: u64, number: usize) -> Result<Params>;

    /// The values of trial `number`, given the trials visible to it (`past`). Samplers that
    /// learn from earlier trials (TPE) override this; the default ignores `past`.
    ///
    /// ```
    /// use tuneup::tune::{RandomSampler, Sampler, SearchSpace, StudyView};
    /// let space = SearchSpace::builder().int("k", 1, 9).build()?;
    /// let past = StudyView::new(&[], &[]);
    /// assert_eq!(
    ///     RandomSampler.sample_with_history(&space, 1, 0, &past)?,
    ///     RandomSampler.sample(&space, 1, 0)?
    /// );
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    fn sample_with_history(
        &self,
        space: &SearchSpace,
        seed: u64,
        number: usize,
        _past: &StudyView<'_>,
    ) -> Result<Params> {
        self.sample(space, seed, number)
    }

    /// Whether [`sample_with_history`](Sampler::sample_with_history) reads `past`: a study
    /// runs such a sampler's trials in waves so each sees the same trials whatever the
    /// thread count. `false` by default.
    ///
    /// ```
    /// use tuneup::tune::{RandomSampler, Sampler};
    /// assert!(!RandomSampler.uses_history());
    /// ```
    fn uses_history(&self) -> bool {
        false
    }

    /// The most trials this sampler can give (a grid's size); `None` when unbounded.
    fn max_trials(&self, _space: &SearchSpace) -> Result<Option<usize>> {
        Ok(None)
    }
}

/// The seed of trial `number` in a study seeded with `seed`: SplitMix64 of the pair, so
/// neighbouring trials get unrelated streams.
///
/// ```
/// use tuneup::tune::trial_seed;
/// assert_eq!(trial_seed(1, 2), trial_seed(1, 2));
/// assert_ne!(trial_seed(1, 2), trial_seed(1, 3));
/// ```
pub fn trial_seed(seed: u64, number: usize) -> u64 {
    let mut z = seed ^ (number as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
