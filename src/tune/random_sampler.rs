//! Random search: each trial's values drawn independently from a seeded stream.

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{trial_seed, Params, Sampler, SearchSpace};
use crate::Result;

/// Draws every active parameter independently from its distribution, with a generator seeded
/// from `(study seed, trial number)` (as Optuna's `RandomSampler`, by behaviour).
///
/// ```
/// use tuneup::tune::{RandomSampler, Sampler, SearchSpace};
/// let space = SearchSpace::builder()
///     .categorical("opt", ["sgd", "adam"])
///     .float("momentum", 0.0, 0.9).only_when("opt", ["sgd"])
///     .build()?;
/// for n in 0..20 {
///     let p = RandomSampler.sample(&space, 0, n)?;
///     assert_eq!(p.lookup("momentum").is_some(), p.str("opt")? == "sgd");
/// }
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RandomSampler;

impl Sampler for RandomSampler {
    fn sample(&self, space: &SearchSpace, seed: u64, number: usize) -> Result<Params> {
        let mut rng = StdRng::seed_from_u64(trial_seed(seed, number));
        let mut params = Params::default();
        for p in space.params() {
            if p.is_active(|name| params.lookup(name)) {
                let value = p.distribution().sample(&mut rng);
                params.push(p.name(), value);
            }
        }
        Ok(params)
    }
}
